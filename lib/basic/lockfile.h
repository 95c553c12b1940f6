/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Lock files: who may change a container's files, one at a time. libc only. */

#include "lib/basic/error.h"

/*
 * Takes an exclusive lock on lock_path (created 0600 if missing, parent
 * directories too, 0755), waiting at most timeout_ms (0: fail at once).
 * When the lock is still held by someone else after timeout_ms: -EWOULDBLOCK
 * (never -ETIMEDOUT), with "another lxcri command holds it" in err.
 * Returns the fd that holds it (O_CLOEXEC, read-only: a lock file that is
 * there can be locked on a file system that became read-only or full);
 * close it, or lock_file_release() it, to unlock. flock(2) locks: they die
 * with the process.
 */
int lock_file(const char *lock_path, unsigned timeout_ms, struct lxcri_error *err);

/*
 * Unlocks (closes fd, -1: nothing). When keep_with (may be NULL) does not
 * exist, lock_path is removed first, while the lock is still held: a
 * lock_file() waiting on it finds it gone and starts over on a new file.
 * So a lock file lives as long as what it guards. Best effort.
 */
void lock_file_release(int fd, const char *lock_path, const char *keep_with);
