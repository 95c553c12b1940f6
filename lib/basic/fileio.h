/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Whole-file reads and complete writes, the one copy every module uses.
 * They return >= 0 or -errno and never log; the caller words the message.
 * libc only.
 */

#include <stddef.h>

/*
 * Reads a whole regular file of at most max_size bytes (NUL-terminated).
 * -EFBIG past it; max_size 0 means INT_MAX. Returns the size; *ret_size
 * (may be NULL) gets it too. -EINVAL if path is not a regular file (a
 * directory, a FIFO, a device), -errno of open(2) otherwise (-ENOENT...).
 */
int fileio_read_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* The same for an open fd (of whatever type), read from where it stands to its end. */
int fileio_read_fd(int fd, size_t max_size, char **ret, size_t *ret_size);

/*
 * Writes all size bytes of data to fd, again after EINTR and short writes.
 * 0 or -errno of write(2); -EIO if write(2) makes no progress (returns 0),
 * so that it never spins. size 0 writes nothing, not even an empty write(2)
 * (which is not a no-op on every fd: a datagram socket sends an empty
 * datagram), and returns 0; data may then be NULL.
 */
int fileio_write_all(int fd, const void *data, size_t size);
