/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/atomicwrite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"

static int split_path(const char *path, char **ret_dir, const char **ret_base);

/* pmxcfs is a FUSE file system: statfs(2)'s f_type of every FUSE mount. */
#define FUSE_SUPER_MAGIC 0x65735546

/*
 * The sentence an admin needs after the errno text, or "" if there is
 * nothing to add. pmxcfs without quorum fails every write with EACCES.
 */
static const char *write_error_hint(int r, const char *path)
{
	_cleanup_free_ char *dir = NULL;
	const char *base;
	struct statfs sf;

	switch (-r) {
	case EACCES:
		if (split_path(path, &dir, &base) < 0 || statfs(dir, &sf) < 0 ||
		    sf.f_type != FUSE_SUPER_MAGIC)
			return "";
		return " (" PVE_NO_QUORUM ")";
	case EROFS:
		return " (the file system is read-only; on a Proxmox VE node /etc/pve is read-only "
		       "while the node has no quorum)";
	case ENOSPC:
	case EDQUOT:
		return " (no space left or quota exceeded)";
	default:
		return "";
	}
}

static int too_large(const char *path, size_t size, struct lxcri_error *err)
{
	return error_set(err, -EFBIG,
			 "'%s' would be %zu bytes; /etc/pve (pmxcfs) holds files of at most %d "
			 "bytes",
			 path, size, PMXCFS_FILE_MAX);
}

int atomic_write_size_check(const char *path, size_t size, struct lxcri_error *err)
{
	return size > PMXCFS_FILE_MAX ? too_large(path, size, err) : 0;
}

static int write_error(struct lxcri_error *err, int r, const char *path)
{
	return error_set(err, r, "Failed to write '%s': %s%s", path, strerror(-r),
			 write_error_hint(r, path));
}

/* Splits path into a malloc'ed directory ("." if none) and a pointer to the last component. */
static int split_path(const char *path, char **ret_dir, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir;

	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	*ret_dir = dir;
	*ret_base = base;
	return 0;
}

static int write_replace(const char *path, const void *data, size_t size, mode_t mode,
			 size_t max_size, bool durable, struct lxcri_error *err)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	const char *base;
	struct stat st;
	int r;

	if (!path || !*path || (!data && size > 0))
		return error_set(err, -EINVAL, "Failed to write '%s': invalid arguments",
				 path ? path : "(null)");
	if (max_size > 0 && size > max_size)
		return max_size == PMXCFS_FILE_MAX
			   ? too_large(path, size, err)
			   : error_set(err, -EFBIG,
				       "'%s' would be %zu bytes, more than the %zu allowed", path,
				       size, max_size);
	r = split_path(path, &dir, &base);
	if (r < 0)
		return write_error(err, r, path);

	/* Opened first: if the directory cannot be synced we have not touched anything yet. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return write_error(err, -errno, path);

	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		tmp = NULL;
		return write_error(err, -ENOMEM, path);
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return write_error(err, -errno, path);

	/*
	 * Only when needed: pmxcfs refuses chmod to any mode but the one its
	 * files already have (0640, 0600 under priv/).
	 */
	if (fstat(fd, &st) < 0 ||
	    ((st.st_mode & 07777) != (mode & 07777) && fchmod(fd, mode & 07777) < 0))
		r = -errno;
	else
		r = fileio_write_all(fd, data, size);
	if (r >= 0 && durable && fsync(fd) < 0)
		r = -errno;
	/* close() can report a deferred write error (NFS, FUSE): it counts. */
	if (r >= 0 && close(TAKE_FD(fd)) < 0 && errno != EINTR)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		/* pmxcfs's own limit, or a file system's: said as a refused size. */
		return r == -EFBIG ? too_large(path, size, err) : write_error(err, r, path);
	}

	/*
	 * The new content is in place; only its durability is at stake now.
	 * Some file systems cannot sync a directory (EINVAL); that is no error.
	 */
	if (durable && fsync(dirfd) < 0 && errno != EINVAL && errno != EOPNOTSUPP &&
	    errno != ENOSYS)
		return error_set_errno(err, -errno, "Failed to sync the directory of '%s'", path);
	return 0;
}

int atomic_write_file(const char *path, const void *data, size_t size, mode_t mode, size_t max_size,
		      struct lxcri_error *err)
{
	return write_replace(path, data, size, mode, max_size, true, err);
}

int atomic_write_volatile(const char *path, const void *data, size_t size, mode_t mode,
			  size_t max_size, struct lxcri_error *err)
{
	return write_replace(path, data, size, mode, max_size, false, err);
}

void atomic_write_leftovers_remove(const char *path)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -EBADF;
	const char *base;
	size_t n;
	DIR *d;

	if (split_path(path, &dir, &base) < 0)
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dfd >= 0 ? fdopendir(dup(dfd)) : NULL;
	if (!d)
		return;
	n = strlen(base);
	/* mkostemp's suffix: six characters after ".<base>.". */
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_type == DT_REG && de->d_name[0] == '.' &&
		    strncmp(de->d_name + 1, base, n) == 0 && de->d_name[n + 1] == '.' &&
		    strlen(de->d_name + n + 2) == 6)
			(void)unlinkat(dfd, de->d_name, 0);
	closedir(d);
}
