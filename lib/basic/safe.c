/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/safe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define RESOLVE_FLAGS (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
/* The kernel's MAXSYMLINKS: the 41st symlink in one lookup is -ELOOP. */
#define MAX_SYMLINKS 40
/* The inode number of procfs' root directory. */
#define PROC_ROOT_INO 1
/* openat2() returns -EAGAIN when a rename or mount raced with RESOLVE_IN_ROOT. */
#define OPENAT2_RETRIES 32

static bool force_fallback;
static int openat2_state; /* 0: not probed yet, 1: there, -1: missing */

void safe_openat_force_fallback(bool force)
{
	force_fallback = force;
}

bool safe_openat_have_openat2(void)
{
	int state = __atomic_load_n(&openat2_state, __ATOMIC_RELAXED);

	if (state == 0) {
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_FLAGS,
		};
		int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

		/* ENOSYS, or EPERM from a seccomp filter that does not know it. */
		state = fd >= 0 ? 1 : -1;
		if (fd >= 0)
			close(fd);
		__atomic_store_n(&openat2_state, state, __ATOMIC_RELAXED);
	}
	return state > 0;
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags,
		.mode = mode,
		.resolve = RESOLVE_FLAGS,
	};
	int fd;

	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/*
 * The userspace walk. stack[0] is the root, stack[depth] the directory
 * reached so far; ".." pops, and never below 0. All fds are ours.
 */
struct walk {
	int *stack;
	size_t depth;
	size_t alloc;
};

static int walk_init(struct walk *w, int rootfd)
{
	int fd;

	/* Our own fd of the root: AT_FDCWD cannot be fstatfs()ed. */
	if (rootfd == AT_FDCWD)
		fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	w->stack = malloc(16 * sizeof(int));
	if (!w->stack) {
		close(fd);
		return -ENOMEM;
	}
	w->alloc = 16;
	w->depth = 0;
	w->stack[0] = fd;
	return 0;
}

static int walk_cur(const struct walk *w)
{
	return w->stack[w->depth];
}

static int walk_push(struct walk *w, int fd)
{
	if (w->depth + 1 >= w->alloc) {
		int *p = realloc(w->stack, 2 * w->alloc * sizeof(int));
		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		w->stack = p;
		w->alloc *= 2;
	}
	w->stack[++w->depth] = fd;
	return 0;
}

static void walk_pop(struct walk *w)
{
	if (w->depth > 0)
		close(w->stack[w->depth--]);
}

static void walk_to_root(struct walk *w)
{
	while (w->depth > 0)
		walk_pop(w);
}

static void walk_done(struct walk *w)
{
	if (w->stack) {
		walk_to_root(w);
		close(w->stack[0]);
	}
	free(w->stack);
	w->stack = NULL;
}

/*
 * Magic links exist only on procfs, and there every symlink but those in its
 * root directory ("self", "thread-self", "mounts", ...) is one: fd/N, cwd,
 * root, exe, ns/... What RESOLVE_NO_MAGICLINKS refuses, with the same -ELOOP.
 */
static int check_not_magic(int dirfd)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(dirfd, &sfs) < 0)
		return -errno;
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return 0;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	return st.st_ino == PROC_ROOT_INO ? 0 : -ELOOP;
}

/*
 * Replaces what is left to resolve with the target of the symlink name (in
 * the current directory) followed by rest ("" or starting with '/').
 */
static int walk_follow(struct walk *w, char **todo, const char **p, const char *name,
		       const char *rest, int *links)
{
	char target[PATH_MAX];
	char *next;
	ssize_t n;
	int r;

	if (++*links > MAX_SYMLINKS)
		return -ELOOP;
	r = check_not_magic(walk_cur(w));
	if (r < 0)
		return r;
	n = readlinkat(walk_cur(w), name, target, sizeof(target));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	target[n] = '\0';

	next = malloc((size_t)n + strlen(rest) + 1);
	if (!next)
		return -ENOMEM;
	strcpy(stpcpy(next, target), rest);
	free(*todo);
	*todo = next;
	*p = next;
	/* Absolute: from the root. Relative: from the directory holding the link. */
	if (target[0] == '/')
		walk_to_root(w);
	return 0;
}

static int fallback_openat(int rootfd, const char *path, int flags, mode_t mode)
{
	_cleanup_(walk_done) struct walk w = { 0 };
	_cleanup_free_ char *todo = NULL;
	const char *p;
	int links = 0, r, fd;

	if (path[0] == '\0')
		return -ENOENT;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	todo = strdup(path);
	if (!todo)
		return -ENOMEM;
	r = walk_init(&w, rootfd);
	if (r < 0)
		return r;

	p = todo;
	for (;;) {
		char name[NAME_MAX + 1];
		const char *end, *next;
		bool last, trailing_slash;
		struct stat st;
		size_t len;

		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* "/", ".", "..", "dir/": the directory itself. */
			fd = openat(walk_cur(&w), ".", flags, mode);
			return fd < 0 ? -errno : fd;
		}
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = '\0';
		for (next = end; *next == '/'; next++)
			;
		last = *next == '\0';
		trailing_slash = last && *end == '/';

		if (strcmp(name, ".") == 0) {
			p = next;
			continue;
		}
		if (strcmp(name, "..") == 0) {
			walk_pop(&w);
			p = next;
			continue;
		}

		if (!last || trailing_slash) {
			/* A directory to go through (a trailing slash follows a symlink too). */
			fd = openat(walk_cur(&w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				if (errno == ENOENT && trailing_slash && (flags & O_CREAT))
					return -EISDIR;
				return -errno;
			}
			if (fstat(fd, &st) < 0) {
				r = -errno;
				close(fd);
				return r;
			}
			if (S_ISLNK(st.st_mode)) {
				close(fd);
				r = walk_follow(&w, &todo, &p, name, end, &links);
				if (r < 0)
					return r;
				continue;
			}
			if (!S_ISDIR(st.st_mode)) {
				close(fd);
				return -ENOTDIR;
			}
			r = walk_push(&w, fd);
			if (r < 0)
				return r;
			p = next;
			continue;
		}

		/*
		 * The last component, opened with the caller's flags but never
		 * through a symlink: the kernel then refuses a symlink (ELOOP,
		 * ENOTDIR with O_DIRECTORY, EEXIST with O_EXCL, or an O_PATH fd
		 * of the link itself), and we follow it here unless the caller
		 * asked for O_NOFOLLOW.
		 */
		fd = openat(walk_cur(&w), name, flags | O_NOFOLLOW, mode);
		if (flags & O_NOFOLLOW)
			return fd < 0 ? -errno : fd;
		if (fd >= 0) {
			if (!(flags & O_PATH))
				return fd;
			if (fstat(fd, &st) < 0) {
				r = -errno;
				close(fd);
				return r;
			}
			if (!S_ISLNK(st.st_mode))
				return fd;
			close(fd);
		} else if (errno == ELOOP || errno == ENOTDIR) {
			char probe[1];

			r = -errno;
			if (readlinkat(walk_cur(&w), name, probe, sizeof(probe)) < 0)
				return r; /* not a symlink: the error stands */
		} else {
			return -errno;
		}
		r = walk_follow(&w, &todo, &p, name, end, &links);
		if (r < 0)
			return r;
	}
}

int safe_openat(int rootfd, const char *path, int flags, mode_t mode)
{
	if (!path)
		return -EINVAL;
	flags |= O_CLOEXEC;
	/* openat2() refuses a mode it would not use, and stray high bits. */
	mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode & 07777 : 0;

	if (!force_fallback && safe_openat_have_openat2()) {
		int fd = openat2_in_root(rootfd, path, flags, mode);
		if (fd != -ENOSYS)
			return fd;
		__atomic_store_n(&openat2_state, -1, __ATOMIC_RELAXED);
	}
	return fallback_openat(rootfd, path, flags, mode);
}

int safe_mkdirat(int rootfd, const char *path, mode_t mode)
{
	_cleanup_close_ int parent = -1;
	_cleanup_free_ char *prefix = NULL;
	char *p;

	if (!path)
		return -EINVAL;
	if (path[0] == '\0')
		return -ENOENT;
	prefix = strdup(path);
	if (!prefix)
		return -ENOMEM;
	parent = safe_openat(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	if (parent < 0)
		return parent;

	/*
	 * Each prefix is resolved inside the root from scratch, so a symlink
	 * anywhere in it, and "..", mean what they mean to safe_openat(). A
	 * missing last component of a prefix is created in the directory the
	 * previous prefix resolved to, which is where that lookup looked.
	 */
	for (p = prefix;;) {
		char *end, saved;
		int fd;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchrnul(p, '/');
		saved = *end;
		*end = '\0';

		fd = safe_openat(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT && strcmp(p, ".") != 0 && strcmp(p, "..") != 0) {
			if (mkdirat(parent, p, mode) < 0 && errno != EEXIST)
				return -errno;
			fd = safe_openat(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
			/* Something is there that does not lead to a directory: a dangling symlink.
			 */
			if (fd == -ENOENT)
				fd = -EEXIST;
		}
		if (fd < 0)
			return fd;
		close(parent);
		parent = fd;

		*end = saved;
		p = end;
	}
	return TAKE_FD(parent);
}

static void temp_name(char *buf, size_t size)
{
	static unsigned counter;
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    ((uint64_t)getpid() << 40) ^ __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	}
	snprintf(buf, size, ".lxcri-tmp-%016llx", (unsigned long long)v);
}

int safe_write_file_at(int rootfd, const char *path, const void *data, size_t size, mode_t mode)
{
	_cleanup_close_ int dirfd = -1, fd = -1;
	_cleanup_free_ char *dir = NULL;
	char tmp[64];
	const char *name;
	char *slash;
	int r;

	if (!path || (!data && size > 0))
		return -EINVAL;
	if (path[0] == '\0')
		return -ENOENT;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	} else {
		name = dir;
	}
	/* "dir/", ".", "..": a directory, not a file to replace. */
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EISDIR;

	dirfd = safe_openat(rootfd, !slash ? "." : dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		return dirfd;

	for (int i = 0;; i++) {
		temp_name(tmp, sizeof(tmp));
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode & 07777);
		if (fd >= 0)
			break;
		if (errno != EEXIST || i >= 16)
			return -errno;
	}

	r = fileio_write_all(fd, data, size);
	if (r < 0)
		goto remove_temp;
	if (fsync(fd) < 0) {
		r = -errno;
		goto remove_temp;
	}
	if (close(TAKE_FD(fd)) < 0) {
		r = -errno;
		goto remove_temp;
	}
	/* Replaces whatever the name was, a symlink included, without following it. */
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		goto remove_temp;
	}
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;

remove_temp:
	(void)unlinkat(dirfd, tmp, 0);
	return r;
}
