/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

/* mkdir -p of every parent directory of path. */
static int mkdir_parents(const char *path, mode_t mode, struct lxcri_error *err)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return error_set(err, -ENOMEM, "Failed to lock '%s': out of memory", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		struct stat st;

		*s = '\0';
		if (mkdir(p, mode) < 0) {
			int r = errno == EEXIST ? -ENOTDIR : -errno;

			/* EEXIST, or EROFS/EACCES on a directory that is already there. */
			if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
				return error_set_errno(err, r, "Failed to create directory '%s'",
						       p);
		}
		*s = '/';
		while (s[1] == '/')
			s++;
	}
	return 0;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int lock_file(const char *lock_path, unsigned timeout_ms, struct lxcri_error *err)
{
	uint64_t start = monotonic_ms(), waited;
	unsigned sleep_ms = 1;
	int r;

	if (!lock_path || !*lock_path)
		return error_set(err, -EINVAL, "Failed to lock '%s': invalid path",
				 lock_path ? lock_path : "(null)");
	r = mkdir_parents(lock_path, 0755, err);
	if (r < 0)
		return r;

	for (;;) {
		_cleanup_close_ int fd = -1;
		struct stat st_fd, st_path;

		fd = open(lock_path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0)
			return error_set_errno(err, -errno, "Failed to open lock file '%s'",
					       lock_path);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/*
			 * Someone may have removed or replaced the file between
			 * our open and our lock: a lock on an unlinked inode
			 * excludes nobody, so start over.
			 */
			if (fstat(fd, &st_fd) < 0)
				return error_set_errno(err, -errno, "Failed to lock '%s'",
						       lock_path);
			if (stat(lock_path, &st_path) == 0 && st_path.st_dev == st_fd.st_dev &&
			    st_path.st_ino == st_fd.st_ino)
				return TAKE_FD(fd);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return error_set_errno(err, -errno, "Failed to lock '%s'", lock_path);

		waited = monotonic_ms() - start;
		if (waited >= timeout_ms)
			return error_set(err, -EWOULDBLOCK,
					 "Failed to lock '%s': another lxcri command holds it "
					 "(waited %llu ms)",
					 lock_path, (unsigned long long)waited);
		if (sleep_ms > timeout_ms - waited)
			sleep_ms = (unsigned)(timeout_ms - waited);
		nanosleep(&(struct timespec){ .tv_sec = sleep_ms / 1000,
					      .tv_nsec = (long)(sleep_ms % 1000) * 1000000 },
			  NULL);
		if (sleep_ms < 50)
			sleep_ms *= 2;
	}
}

void lock_file_release(int fd, const char *lock_path, const char *keep_with)
{
	struct stat st;

	if (fd < 0)
		return;
	if (lock_path && keep_with && stat(keep_with, &st) < 0 && errno == ENOENT)
		(void)unlink(lock_path);
	close(fd);
}
