/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Removing a directory tree without following symlinks. See rmtree.h. */
#include "lib/basic/rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RMTREE_DEPTH_MAX 4096

static int remove_contents(int fd, dev_t dev, unsigned depth);

/* Removes name in dirfd, which is on dev. */
static int remove_entry(int dirfd, const char *name, dev_t dev, unsigned depth)
{
	struct stat st;
	int fd, r, q;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EXDEV;
	if (depth >= RMTREE_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = remove_contents(fd, dev, depth + 1);
	close(fd);
	q = unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
	return r < 0 ? r : q;
}

/* Removes what directory fd holds; takes no ownership of fd. */
static int remove_contents(int fd, dev_t dev, unsigned depth)
{
	struct dirent *de;
	DIR *d;
	int dup_fd, r = 0;

	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	d = fdopendir(dup_fd);
	if (!d) {
		r = -errno;
		close(dup_fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		int q;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		q = remove_entry(fd, de->d_name, dev, depth);
		if (q < 0 && r == 0)
			r = q;
	}
	if (errno != 0 && r == 0)
		r = -errno;
	closedir(d);
	return r;
}

int rmtree_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	return remove_entry(dirfd, name, st.st_dev, 0);
}

int rmtree(const char *path)
{
	return rmtree_at(AT_FDCWD, path);
}
