/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

/* Reads fd to its end; size_hint (may be 0) sizes the first buffer. */
static int read_fd_hinted(int fd, size_t max_size, size_t size_hint, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, allocated;

	if (!ret)
		return -EINVAL;
	if (max_size == 0 || max_size > INT_MAX)
		max_size = INT_MAX;
	allocated = size_hint > 0 && size_hint <= max_size ? size_hint + 1 : 4096;
	if (allocated > max_size + 1)
		allocated = max_size + 1;
	buf = malloc(allocated + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (size == allocated) {
			char *p;

			if (size > max_size)
				return -EFBIG;
			allocated = allocated > (max_size + 1) / 2 ? max_size + 1 : allocated * 2;
			p = realloc(buf, allocated + 1);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + size, allocated - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	if (size > max_size)
		return -EFBIG;
	buf[size] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = size;
	return (int)size; /* size <= max_size <= INT_MAX */
}

int fileio_read_fd(int fd, size_t max_size, char **ret, size_t *ret_size)
{
	return read_fd_hinted(fd, max_size, 0, ret, ret_size);
}

int fileio_read_file(const char *path, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!path || !ret)
		return -EINVAL;
	if (max_size == 0 || max_size > INT_MAX)
		max_size = INT_MAX;
	/* O_NONBLOCK: a FIFO in place of the file must not hang us until fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > 0 && (uint64_t)st.st_size > max_size)
		return -EFBIG;
	/* st_size is a hint (it may change, and is 0 in /proc): read until EOF. */
	return read_fd_hinted(fd, max_size, st.st_size > 0 ? (size_t)st.st_size : 0, ret, ret_size);
}

int fileio_write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size > 0) {
		ssize_t n = write(fd, p, size > SSIZE_MAX ? SSIZE_MAX : size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}
