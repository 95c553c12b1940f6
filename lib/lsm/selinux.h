/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SELinux for the containers that ask for a context (selinux: in <id>.conf).
 *
 * selinuxfs_enabled() is libc only and lives in its own object
 * (lib/lsm/selinuxfs.c): a program that links liblxcri.a pulls in whole
 * objects, so the hook's fast path can ask whether SELinux is enabled
 * without linking libselinux. The rest (lib/lsm/selinux.c) links libselinux.
 */

#include <stdbool.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"

/* SELinux is enabled: <sys_dir>/fs/selinux/enforce exists (sys_dir NULL: /sys). */
bool selinuxfs_enabled(const char *sys_dir);

/* How far selinux_context_check() could check a context. */
enum selinux_checked {
	SELINUX_CHECKED_SYNTAX = 0, /* SELinux is not enabled: the syntax only */
	SELINUX_CHECKED_POLICY = 1, /* the loaded policy knows the context */
};

/*
 * Checks an SELinux context (user:role:type[:level]): its syntax (that of
 * lib/basic/parse.h, valid_selinux_context), then, where SELinux is enabled
 * (is_selinux_enabled), that the loaded policy knows it
 * (security_check_context). Returns an enum selinux_checked that says
 * which was done; -EINVAL if the context is invalid, another -errno if
 * the policy could not be asked.
 */
int selinux_context_check(const char *context, struct lxcri_error *err);

/*
 * The pre-start check of a container that asks for a context (c->selinux;
 * file is the user's config, for messages, as the snapshot c has the same
 * lines): refuses the start where SELinux is not enabled (sys_dir, NULL:
 * /sys), since the container would run unconfined; otherwise checks the
 * context as selinux_context_check() does. Returns what that returned,
 * SELINUX_CHECKED_SYNTAX when c asks for no context; -EOPNOTSUPP when
 * SELinux is not enabled. Every message starts with "<file>:<line>: ".
 */
int selinux_prestart_check(const struct config *c, const char *file, const char *sys_dir,
			   struct lxcri_error *err);
