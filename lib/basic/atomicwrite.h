/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Config writes: a temp file in the same directory, fsync, rename, fsync of
 * the directory, so a reader sees the old file or the new one, never a mix,
 * and a failure leaves the old file and no temp file behind. libc only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/basic/error.h"

/*
 * pmxcfs's limit for one file: whatever lxcri stores where it may end up in
 * /etc/pve (configs, stored profiles, source copies, PVE's <vmid>.conf)
 * stays within it.
 */
#define PMXCFS_FILE_MAX 1048576

/* The sentence every command and check says when /etc/pve cannot be written. */
#define PVE_NO_QUORUM "no quorum: /etc/pve is read-only"

/*
 * -EFBIG with "'<path>' would be <size> bytes; /etc/pve (pmxcfs) holds
 * files of at most 1048576 bytes" if size exceeds PMXCFS_FILE_MAX, else 0:
 * for a caller that writes several files and must refuse before the first.
 */
int atomic_write_size_check(const char *path, size_t size, struct lxcri_error *err);

/*
 * Writes path atomically. If max_size > 0 and size exceeds it: -EFBIG before
 * anything is written (with max_size PMXCFS_FILE_MAX, the message of
 * atomic_write_size_check(); a write that fails with EFBIG says the same). Errors
 * are explained in err, with a hint for the cases an admin meets: EROFS
 * ("read-only: on a PVE node, /etc/pve is read-only without quorum"),
 * ENOSPC/EDQUOT (no space or over quota).
 *
 * The file gets exactly mode (fchmod, the umask does not apply) and the
 * caller's owner. Should only the final fsync of the directory fail, the new
 * content is already in place (but may not survive a power cut) and the
 * error is still returned.
 */
int atomic_write_file(const char *path, const void *data, size_t size, mode_t mode, size_t max_size,
		      struct lxcri_error *err);

/*
 * The same, without the two fsyncs: for runtime state under /run (tmpfs),
 * which a reboot loses anyway. The rename still makes the change atomic
 * for readers and against a crash of the writer (kill -9): what was
 * written is in the page cache. Only a power cut can lose it, and with it
 * all of /run. Each fsync costs a disk flush where /run is on disk.
 */
int atomic_write_volatile(const char *path, const void *data, size_t size, mode_t mode,
			  size_t max_size, struct lxcri_error *err);

/*
 * Removes the temp files that atomic writes of path left when a crash
 * (kill -9, power cut) came between the temp file and the rename: the
 * regular files ".<basename of path>.XXXXXX" beside it. Best effort.
 */
void atomic_write_leftovers_remove(const char *path);
