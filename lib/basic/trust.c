/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files only root can change: see trust.h. */
#include "lib/basic/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

static int check_one(const char *shown, const struct stat *st, bool last, struct lxcri_error *err)
{
	if (st->st_uid != 0)
		return error_set(err, -EPERM, "'%s' is owned by uid %u, not root", shown,
				 (unsigned)st->st_uid);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    (last || !S_ISDIR(st->st_mode) || !(st->st_mode & S_ISVTX)))
		return error_set(err, -EPERM, "'%s' is writable by group or others", shown);
	return 0;
}

int trust_check(const char *path, struct lxcri_error *err)
{
	_cleanup_free_ char *resolved = realpath(path, NULL);
	_cleanup_close_ int dir = -1;
	struct stat st;
	char *p, *next;
	int r;

	if (!resolved)
		return error_set_errno(err, -errno, "Failed to resolve '%s'", path);
	dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstat(dir, &st) < 0)
		return error_set_errno(err, -errno, "Failed to examine '/'");
	r = check_one("/", &st, strcmp(resolved, "/") == 0, err);
	if (r < 0)
		return r;
	/* Each component with O_NOFOLLOW: what realpath() saw must still be there. */
	for (p = resolved + 1; *p; p = next) {
		_cleanup_close_ int fd = -1;
		char saved;

		next = p + strcspn(p, "/");
		saved = *next;
		*next = '\0';
		fd = openat(dir, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = error_set_errno(err, -errno, "Failed to examine '%s'", resolved);
			*next = saved;
			return r;
		}
		r = check_one(resolved, &st, saved == '\0', err);
		*next = saved;
		if (r < 0)
			return r;
		if (saved != '\0' && !S_ISDIR(st.st_mode))
			return error_set(err, -ENOTDIR, "'%s' is not a directory", resolved);
		closep(&dir);
		dir = TAKE_FD(fd);
		if (saved == '/')
			next++;
	}
	return 0;
}
