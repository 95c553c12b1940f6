/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Paths inside a container rootfs are resolved inside it, never on the host:
 * openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS), and where the kernel has no
 * openat2 (ENOSYS) a userspace walk with the same semantics: symlinks are
 * resolved relative to the root, ".." never climbs above it, /proc magic
 * links are refused. libc only.
 *
 * The fallback gives the same results as openat2() (the unit tests run every
 * case both ways). It cannot ask the kernel which symlinks are magic: it takes
 * every symlink on procfs for one, except those in procfs' root directory
 * ("self", "thread-self", "mounts", ...), which is where the kernel has them.
 */

#include <stdbool.h>
#include <sys/types.h>

/*
 * Opens path (absolute or relative: both taken relative to rootfd) inside the
 * root. flags as open(2), always with O_CLOEXEC added; O_NOFOLLOW applies to
 * the last component (then a symlink there fails with -ELOOP). O_CREAT
 * creates the last component only. Returns an fd or -errno.
 */
int safe_openat(int rootfd, const char *path, int flags, mode_t mode);

/*
 * mkdir -p inside the root; returns an O_PATH|O_DIRECTORY fd of the last
 * directory, or -errno (-ENOTDIR: a file on the way; -EEXIST: a dangling
 * symlink on the way, as mkdir -p). mode as mkdir(2), umask applies.
 */
int safe_mkdirat(int rootfd, const char *path, mode_t mode);

/*
 * Writes data to path inside the root atomically: a temp file in the same
 * directory (resolved inside the root), fsync, renameat, fsync of the
 * directory. A symlink as the last component is replaced, not followed.
 * mode as open(2), umask applies. Returns 0, or -errno with no temp file
 * left behind (-EISDIR: path names a directory).
 */
int safe_write_file_at(int rootfd, const char *path, const void *data, size_t size, mode_t mode);

/* For tests: force the userspace fallback (as if openat2 were missing). */
void safe_openat_force_fallback(bool force);
/* Whether the running kernel has openat2 (cached). */
bool safe_openat_have_openat2(void);
