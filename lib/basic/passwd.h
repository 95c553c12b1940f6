/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An image's User (image-spec config.md) resolved in its rootfs, as runc
 * does it: "" (root), "name", "uid", "name:group", "uid:gid", "uid:group",
 * "name:gid". /etc/passwd and /etc/group are those of the rootfs, opened
 * inside it (safe.h): a symlink to the host's is the rootfs's own file or
 * nothing. A file that is not regular (a FIFO that would block, a
 * directory) or larger than PASSWD_MAX_SIZE is an error.
 *
 * Groups: with an explicit group, that gid and no others; without, the
 * user's primary gid and every group of /etc/group that lists the user's
 * name. A name that is not there refuses: never root instead.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"

#define PASSWD_MAX_SIZE	  (16 * 1024 * 1024)
#define PASSWD_MAX_GROUPS 64

struct passwd_user {
	uint32_t uid, gid;
	uint32_t groups[PASSWD_MAX_GROUPS]; /* setgroups(): the primary gid first */
	size_t n_groups;
	char home[4096]; /* "/" when passwd has none */
};

/* -ENOENT naming the user or group the image's files lack; -EINVAL for a bad spec or file. */
int passwd_resolve(int rootfd, const char *spec, struct passwd_user *ret, struct lxcri_error *err);
