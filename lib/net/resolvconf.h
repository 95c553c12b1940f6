/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's /etc/resolv.conf, from the config's "dns:" line.
 *
 * Every path inside the rootfs is resolved inside it (safe_openat()), so a
 * hostile /etc/resolv.conf (a symlink to /etc/passwd, to ../../etc/shadow)
 * or a hostile /etc (a symlink to "/" or "../..") never makes us read or
 * write outside the rootfs: the resolved /etc directory is pinned by an fd,
 * and the file in it is replaced, never followed.
 *
 * What was there is kept in backup_dir (a host directory: the container's
 * state dir, /run/lxcri/<id>/) as two files:
 *   resolv.conf.orig   the content of a regular file, or a symlink's target
 *                      text (never followed), or empty when there was none
 *   resolv.conf.state  one line "<kind> <mode> <uid> <gid> <etc_created>":
 *                      kind "file", "symlink" or "absent"; mode in octal;
 *                      etc_created 1 when /etc itself did not exist.
 * resolv.conf.state is written last and removed first: a backup exists
 * exactly when it does.
 */

#include <stdbool.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"

#define RESOLVCONF_BACKUP_NAME "resolv.conf.orig"
#define RESOLVCONF_STATE_NAME  "resolv.conf.state"
/* A larger /etc/resolv.conf is refused (-EFBIG) rather than backed up. */
#define RESOLVCONF_MAX_SIZE (1024 * 1024)

/*
 * The text of the file: a header comment, "nameserver X" per address (IPv6
 * as inet_ntop() prints it), "search a b" and "options x y" when set.
 * *ret is allocated (free()). Returns 0 or -errno.
 */
int resolvconf_format(const struct config_dns *dns, char **ret);

/*
 * Replaces /etc/resolv.conf in the rootfs (rootfd: an fd of the rootfs'
 * root directory, O_PATH is enough) with resolvconf_format(dns), mode 0644,
 * owned by the owner of the file it replaces (or of /etc), and creates /etc
 * if missing (0755, owned like the rootfs' root).
 *
 * Backs up what was there first. If a backup already exists (apply run
 * twice, or again after a crash or a failed start), it is kept as it is: it
 * is the original, and what is in the rootfs now is probably ours.
 *
 * On failure the backup stays and resolvconf_restore() undoes whatever part
 * of the apply happened. Errors are explained in err (may be NULL).
 */
int resolvconf_apply(int rootfd, const struct config_dns *dns, const char *backup_dir,
		     struct lxcri_error *err);

/*
 * Puts back what resolvconf_apply() found: the regular file with its content,
 * mode (never a set-id or sticky bit: those are dropped) and owner, or the
 * symlink with its target text, or no file at all
 * (and no /etc if there was none, when it is still empty). Each is put in
 * place atomically. Then removes the backup.
 *
 * Idempotent: with no backup in backup_dir it returns 0 and changes nothing,
 * and a restore interrupted half-way ends the same when run again.
 */
int resolvconf_restore(int rootfd, const char *backup_dir, struct lxcri_error *err);

/*
 * For a rootfs that is out of reach for good (the container is gone and
 * its rootfs is no host directory): the backup leaves backup_dir, which
 * then holds none, for "<aside_prefix>resolv.conf.state" and
 * "<aside_prefix>resolv.conf.orig", so that the original is not lost. The
 * directory of aside_prefix must exist. No backup: 0, and a left-over copy
 * without its state is removed. *ret_kept (may be NULL): whether one moved.
 */
int resolvconf_set_aside(const char *backup_dir, const char *aside_prefix, bool *ret_kept,
			 struct lxcri_error *err);
