/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <sys/syscall.h>

#include "testutil.h"

#include "lib/basic/safe.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/*
 * Every test runs twice, with the same expectations: _i even with openat2(),
 * _i odd with the userspace walk. Table tests carry the case in _i / 2.
 */
#define MODE(i) ((i) % 2 == 1)

static char *root;
static int rootfd = -1;

static void at_root(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", root, rel);
}

static void mk_dir(const char *rel)
{
	char p[PATH_MAX];

	at_root(p, sizeof(p), rel);
	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
}

static void mk_link(const char *rel, const char *target)
{
	char p[PATH_MAX];

	at_root(p, sizeof(p), rel);
	ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
}

static void mk_file(const char *rel, const char *content)
{
	char p[PATH_MAX];

	at_root(p, sizeof(p), rel);
	test_write_file(p, content);
}

/* A container rootfs as hostile as we can make it. */
static void tree_setup(void)
{
	root = test_tmpdir();
	mk_dir("etc");
	mk_file("etc/hostname", "inside\n");
	mk_link("etc/resolv.conf", "/etc/passwd");
	mk_link("escape", "../../../../../../../../etc");
	mk_link("abs_root", "/");
	mk_link("dotdot", "..");
	mk_link("etcdir", "/etc");
	mk_link("loop1", "loop2");
	mk_link("loop2", "/loop1");
	mk_link("selfloop", "selfloop");
	mk_link("chain1", "chain2");
	mk_link("chain2", "/chain3");
	mk_link("chain3", "etc/../etc/hostname");
	mk_dir("dir");
	mk_dir("dir/sub");
	mk_link("dir/up", "../../../../..");
	mk_link("dir/sub/rel", "../../etc/hostname");
	mk_link("dir/sub/abs", "/etc/hostname");
	mk_link("dir/sub/absdir", "/dir");
	mk_file("file", "file\n");
	mk_link("dangling", "/nonexistent/file");
	mk_link("proc_fd", "/proc/self/fd/0");
	/* n1 -> n2 -> ... -> n41 -> etc/hostname: n2 takes 40 links, n1 41. */
	for (int i = 1; i <= 41; i++) {
		char name[16], target[16];

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(target, sizeof(target), "n%d", i + 1);
		mk_link(name, i == 41 ? "etc/hostname" : target);
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
}

static void tree_teardown(void)
{
	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	if (root)
		test_rm_rf(root);
	free(root);
	root = NULL;
}

/* fd is the object rel names in the root (lstat: a symlink is itself). */
static void assert_is(int fd, const char *rel)
{
	char p[PATH_MAX];
	struct stat a, b;

	at_root(p, sizeof(p), rel);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_msg(lstat(p, &b) == 0, "lstat %s: %s", p, strerror(errno));
	ck_assert_msg(a.st_dev == b.st_dev && a.st_ino == b.st_ino, "fd is not '%s'", rel);
}

static void assert_missing(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	at_root(p, sizeof(p), rel);
	ck_assert_msg(lstat(p, &st) < 0 && errno == ENOENT, "'%s' exists", rel);
}

static void assert_content(const char *rel, const char *content)
{
	char p[PATH_MAX], buf[4096];
	ssize_t n;
	int fd;

	at_root(p, sizeof(p), rel);
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", p, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	ck_assert_str_eq(buf, content);
}

/* No temp file left behind in rel. */
static void assert_no_temp(const char *rel)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d;

	at_root(p, sizeof(p), rel);
	d = opendir(p);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		ck_assert_msg(strncmp(de->d_name, ".lxcri-tmp-", 11) != 0, "temp file %s left",
			      de->d_name);
	closedir(d);
}

struct open_case {
	const char *path;
	int flags;
	int error;	/* the -errno expected, or 0 */
	const char *is; /* on success: what the fd is, relative to the root */
};

static const struct open_case open_cases[] = {
	{ "etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "/etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "//etc//./hostname", O_RDONLY, 0, "etc/hostname" },
	{ "../../../../etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "escape/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "abs_root/etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "abs_root/../../etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "dotdot/dotdot/etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "dir/up/etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "dir/sub/rel", O_RDONLY, 0, "etc/hostname" },
	{ "dir/sub/abs", O_RDONLY, 0, "etc/hostname" },
	{ "dir/sub/absdir/sub/abs", O_RDONLY, 0, "etc/hostname" },
	{ "dir/sub/absdir/../etc/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "dir/sub/absdir/..", O_PATH, 0, "." },
	{ "etcdir/hostname", O_RDONLY, 0, "etc/hostname" },
	{ "chain1", O_RDONLY, 0, "etc/hostname" },
	{ "chain1", O_RDONLY | O_NOFOLLOW, -ELOOP, NULL },
	{ "chain1", O_PATH | O_NOFOLLOW, 0, "chain1" },
	{ "n2", O_RDONLY, 0, "etc/hostname" },
	{ "n1", O_RDONLY, -ELOOP, NULL },
	{ "loop1", O_RDONLY, -ELOOP, NULL },
	{ "loop1/x", O_RDONLY, -ELOOP, NULL },
	{ "selfloop", O_RDONLY, -ELOOP, NULL },
	{ "selfloop", O_WRONLY | O_CREAT, -ELOOP, NULL },
	{ "etc/resolv.conf", O_RDONLY, -ENOENT, NULL },
	{ "etc/resolv.conf", O_RDONLY | O_NOFOLLOW, -ELOOP, NULL },
	{ "etc/resolv.conf", O_WRONLY | O_CREAT | O_NOFOLLOW, -ELOOP, NULL },
	{ "etc/resolv.conf", O_WRONLY | O_CREAT | O_EXCL, -EEXIST, NULL },
	{ "etc/resolv.conf", O_PATH | O_NOFOLLOW, 0, "etc/resolv.conf" },
	{ "dangling", O_RDONLY, -ENOENT, NULL },
	{ "proc_fd", O_RDONLY, -ENOENT, NULL },
	{ "file/x", O_RDONLY, -ENOTDIR, NULL },
	{ "etc/hostname/", O_RDONLY, -ENOTDIR, NULL },
	{ "file", O_RDONLY | O_DIRECTORY, -ENOTDIR, NULL },
	{ "/", O_RDONLY | O_DIRECTORY, 0, "." },
	{ ".", O_PATH, 0, "." },
	{ "..", O_RDONLY | O_DIRECTORY, 0, "." },
	{ "abs_root", O_RDONLY | O_DIRECTORY, 0, "." },
	{ "abs_root/", O_PATH | O_NOFOLLOW, 0, "." },
	{ "etcdir", O_RDONLY | O_DIRECTORY, 0, "etc" },
	{ "etcdir", O_PATH | O_NOFOLLOW, 0, "etcdir" },
	{ "etcdir", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, -ENOTDIR, NULL },
	{ "etcdir/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, "etc" },
	{ "dir/sub/..", O_RDONLY | O_DIRECTORY, 0, "dir" },
	{ "", O_RDONLY, -ENOENT, NULL },
	{ "etc", O_WRONLY | O_CREAT, -EISDIR, NULL },
	{ "etc/.", O_RDONLY | O_CREAT, -EISDIR, NULL },
	{ "etc", O_WRONLY, -EISDIR, NULL },
	{ "nonexistent/x", O_WRONLY | O_CREAT, -ENOENT, NULL },
	{ "etc/hostname", O_WRONLY | O_CREAT | O_EXCL, -EEXIST, NULL },
};

/* -errno, or 1 and the identity of what was opened. */
static int open_outcome(const struct open_case *c, bool fallback, struct stat *st)
{
	int fd;

	safe_openat_force_fallback(fallback);
	fd = safe_openat(rootfd, c->path, c->flags, 0644);
	if (fd < 0)
		return fd;
	ck_assert_int_eq(fstat(fd, st), 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	return 1;
}

START_TEST(test_open_table)
{
	const struct open_case *c = &open_cases[_i / 2];
	int fd;

	safe_openat_force_fallback(MODE(_i));
	fd = safe_openat(rootfd, c->path, c->flags, 0644);
	if (c->error) {
		ck_assert_msg(fd == c->error, "'%s' (%s): %d (%s), expected %d (%s)", c->path,
			      MODE(_i) ? "fallback" : "openat2", fd, strerror(-fd), c->error,
			      strerror(-c->error));
	} else {
		ck_assert_msg(fd >= 0, "'%s' (%s): %s", c->path, MODE(_i) ? "fallback" : "openat2",
			      strerror(-fd));
		assert_is(fd, c->is);
		close(fd);
	}
	/* Nothing was created on the way. */
	assert_missing("etc/passwd");
	assert_missing("nonexistent");
}
END_TEST

START_TEST(test_modes_agree)
{
	for (size_t i = 0; i < ELEMENTSOF(open_cases); i++) {
		struct stat a = { 0 }, b = { 0 };
		int ra = open_outcome(&open_cases[i], false, &a);
		int rb = open_outcome(&open_cases[i], true, &b);

		ck_assert_msg(ra == rb, "'%s': openat2 %d, fallback %d", open_cases[i].path, ra,
			      rb);
		if (ra > 0)
			ck_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	}
}
END_TEST

START_TEST(test_have_openat2)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC };
	long fd;

	(void)_i;
	fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	ck_assert(safe_openat_have_openat2() == (fd >= 0));
	ck_assert(safe_openat_have_openat2() == (fd >= 0));
	if (fd >= 0)
		close((int)fd);
	ck_assert_int_eq(safe_openat(rootfd, NULL, O_RDONLY, 0), -EINVAL);
}
END_TEST

START_TEST(test_at_fdcwd)
{
	int fd;

	safe_openat_force_fallback(MODE(_i));
	ck_assert_int_eq(fchdir(rootfd), 0);
	fd = safe_openat(AT_FDCWD, "/dir/sub/absdir/../escape/hostname", O_RDONLY, 0);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	assert_is(fd, "etc/hostname");
	close(fd);
	ck_assert_int_eq(safe_openat(AT_FDCWD, "etc/resolv.conf", O_RDONLY, 0), -ENOENT);
	ck_assert_int_eq(safe_openat(-1, "etc/hostname", O_RDONLY, 0), -EBADF);
}
END_TEST

START_TEST(test_create_through_absolute_symlink)
{
	char host_before[256] = "", host_after[256] = "", p[PATH_MAX];
	struct stat st;
	FILE *f;
	int fd;

	safe_openat_force_fallback(MODE(_i));
	f = fopen("/etc/passwd", "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(host_before, sizeof(host_before), f));
	fclose(f);

	fd = safe_openat(rootfd, "etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	ck_assert_int_eq(write(fd, "nameserver 10.0.0.1\n", 20), 20);
	close(fd);

	/* Written at root/etc/passwd; the link stays; the host's file is untouched. */
	assert_content("etc/passwd", "nameserver 10.0.0.1\n");
	at_root(p, sizeof(p), "etc/resolv.conf");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	at_root(p, sizeof(p), "etc/passwd");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	f = fopen("/etc/passwd", "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(host_after, sizeof(host_after), f));
	fclose(f);
	ck_assert_str_eq(host_after, host_before);
}
END_TEST

START_TEST(test_create_escape_clamped)
{
	char name[64], path[128], host[128];
	struct stat st;
	int fd;

	safe_openat_force_fallback(MODE(_i));
	snprintf(name, sizeof(name), "lxcri-unit-escape-%d", (int)getpid());
	snprintf(path, sizeof(path), "../../../../../../%s", name);
	fd = safe_openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	close(fd);
	assert_content(name, "");
	snprintf(host, sizeof(host), "/%s", name);
	if (lstat(host, &st) == 0) {
		unlink(host);
		ck_abort_msg("created '%s' on the host", host);
	}

	/* Through a directory symlink to "/". */
	snprintf(path, sizeof(path), "abs_root/dir/%s", name);
	fd = safe_openat(rootfd, path, O_WRONLY | O_CREAT, 0644);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	close(fd);
	snprintf(path, sizeof(path), "dir/%s", name);
	assert_content(path, "");
}
END_TEST

/* RESOLVE_NO_MAGICLINKS, and its userspace twin. */
struct magic_case {
	const char *root;
	const char *path;
	int flags;
	int error;
};

static const struct magic_case magic_cases[] = {
	{ "/proc/self", "fd/0", O_RDONLY, -ELOOP },
	{ "/proc/self", "cwd", O_RDONLY | O_DIRECTORY, -ELOOP },
	{ "/proc/self", "cwd/etc", O_RDONLY | O_DIRECTORY, -ELOOP },
	{ "/proc/self", "exe", O_RDONLY, -ELOOP },
	{ "/proc/self", "ns/net", O_RDONLY, -ELOOP },
	{ "/proc/self", "root/etc/passwd", O_RDONLY, -ELOOP },
	{ "/proc", "self/fd/0", O_RDONLY, -ELOOP },
	{ "/proc", "thread-self/fd/0", O_RDONLY, -ELOOP },
	{ "/proc/self", "status", O_RDONLY, 0 },
	{ "/proc", "self/status", O_RDONLY, 0 },
	{ "/proc", "thread-self/status", O_RDONLY, 0 },
	{ "/proc", "mounts", O_RDONLY, 0 },
	/* Not followed: the link itself is fine. */
	{ "/proc/self", "fd/0", O_PATH | O_NOFOLLOW, 0 },
};

START_TEST(test_magic_links)
{
	const struct magic_case *c = &magic_cases[_i / 2];
	int dirfd, fd;

	safe_openat_force_fallback(MODE(_i));
	dirfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd, 0);
	fd = safe_openat(dirfd, c->path, c->flags, 0);
	if (c->error)
		ck_assert_msg(fd == c->error, "'%s' in '%s' (%s): %d (%s)", c->path, c->root,
			      MODE(_i) ? "fallback" : "openat2", fd, strerror(-fd));
	else
		ck_assert_msg(fd >= 0, "'%s' in '%s' (%s): %s", c->path, c->root,
			      MODE(_i) ? "fallback" : "openat2", strerror(-fd));
	if (fd >= 0)
		close(fd);
	close(dirfd);
}
END_TEST

START_TEST(test_mkdirat)
{
	char name[64], path[128], host[128];
	struct stat st;
	int fd, fd2;

	safe_openat_force_fallback(MODE(_i));
	fd = safe_mkdirat(rootfd, "a/b/c", 0755);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	assert_is(fd, "a/b/c");
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	/* Again: it is there already. */
	fd = safe_mkdirat(rootfd, "/a//b/c/", 0755);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, "a/b/c");
	close(fd);

	/* Through symlinks, and past "..", all stays inside. */
	snprintf(name, sizeof(name), "lxcri-unit-mkdir-%d", (int)getpid());
	snprintf(path, sizeof(path), "abs_root/%s/x", name);
	fd = safe_mkdirat(rootfd, path, 0755);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	snprintf(path, sizeof(path), "%s/x", name);
	assert_is(fd, path);
	close(fd);
	snprintf(host, sizeof(host), "/%s", name);
	if (lstat(host, &st) == 0) {
		test_rm_rf(host);
		ck_abort_msg("created '%s' on the host", host);
	}

	fd = safe_mkdirat(rootfd, "etcdir/made/deeper", 0700);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	assert_is(fd, "etc/made/deeper");
	close(fd);
	fd = safe_mkdirat(rootfd, "escape/made2", 0700);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	assert_is(fd, "etc/made2");
	close(fd);
	fd = safe_mkdirat(rootfd, "../../../up/x/../y", 0755);
	ck_assert_msg(fd >= 0, "%s", strerror(-fd));
	assert_is(fd, "up/y");
	close(fd);
	assert_is(fd2 = safe_mkdirat(rootfd, "up/x", 0755), "up/x");
	close(fd2);
	fd = safe_mkdirat(rootfd, "/", 0755);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, ".");
	close(fd);

	ck_assert_int_eq(safe_mkdirat(rootfd, "file", 0755), -ENOTDIR);
	ck_assert_int_eq(safe_mkdirat(rootfd, "file/x", 0755), -ENOTDIR);
	ck_assert_int_eq(safe_mkdirat(rootfd, "dangling/x", 0755), -EEXIST);
	ck_assert_int_eq(safe_mkdirat(rootfd, "loop1/x", 0755), -ELOOP);
	ck_assert_int_eq(safe_mkdirat(rootfd, "", 0755), -ENOENT);
	ck_assert_int_eq(safe_mkdirat(rootfd, NULL, 0755), -EINVAL);
	assert_missing("nonexistent");
	assert_missing("loop1/x");
}
END_TEST

START_TEST(test_write_replaces_symlink)
{
	char p[PATH_MAX];
	struct stat st;
	int r;

	safe_openat_force_fallback(MODE(_i));
	r = safe_write_file_at(rootfd, "etc/resolv.conf", "nameserver 10.0.0.1\n", 20, 0644);
	ck_assert_msg(r == 0, "%s", strerror(-r));
	at_root(p, sizeof(p), "etc/resolv.conf");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	assert_content("etc/resolv.conf", "nameserver 10.0.0.1\n");
	assert_missing("etc/passwd");
	assert_no_temp("etc");

	/* A symlink to a directory: replaced too. */
	r = safe_write_file_at(rootfd, "etcdir", "x", 1, 0644);
	ck_assert_msg(r == 0, "%s", strerror(-r));
	assert_content("etcdir", "x");
	assert_content("etc/hostname", "inside\n");
}
END_TEST

START_TEST(test_write_atomic)
{
	char p[PATH_MAX], buf[32];
	const size_t big = 1024 * 1024;
	char *data = malloc(big);
	struct stat st;
	int old, r;

	safe_openat_force_fallback(MODE(_i));
	ck_assert_ptr_nonnull(data);
	at_root(p, sizeof(p), "etc/hostname");
	old = open(p, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(old, 0);
	r = safe_write_file_at(rootfd, "/etc/hostname", "new\n", 4, 0600);
	ck_assert_msg(r == 0, "%s", strerror(-r));
	assert_content("etc/hostname", "new\n");
	/* A new inode took the name: whoever had the old file still reads it whole. */
	ck_assert_int_eq(pread(old, buf, sizeof(buf), 0), 7);
	ck_assert_int_eq(memcmp(buf, "inside\n", 7), 0);
	close(old);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	assert_no_temp("etc");

	/* Parent reached through symlinks, name relative to the root. */
	memset(data, 'z', big);
	r = safe_write_file_at(rootfd, "abs_root/etcdir/../dir/sub/big", data, big, 0644);
	ck_assert_msg(r == 0, "%s", strerror(-r));
	at_root(p, sizeof(p), "dir/sub/big");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)big);
	r = safe_write_file_at(rootfd, "../../../top.conf", "", 0, 0644);
	ck_assert_msg(r == 0, "%s", strerror(-r));
	assert_content("top.conf", "");
	r = safe_write_file_at(rootfd, "plain.conf", "p", 1, 0644);
	ck_assert_msg(r == 0, "%s", strerror(-r));
	assert_content("plain.conf", "p");
	assert_no_temp(".");
	free(data);
}
END_TEST

START_TEST(test_write_failures)
{
	safe_openat_force_fallback(MODE(_i));
	/* The final name is a directory: the rename fails, the temp file goes. */
	ck_assert_int_eq(safe_write_file_at(rootfd, "dir", "x", 1, 0644), -EISDIR);
	assert_no_temp(".");
	ck_assert_int_eq(safe_write_file_at(rootfd, "abs_root/etc", "x", 1, 0644), -EISDIR);
	assert_no_temp(".");
	ck_assert_int_eq(safe_write_file_at(rootfd, "nonexistent/x", "x", 1, 0644), -ENOENT);
	ck_assert_int_eq(safe_write_file_at(rootfd, "file/x", "x", 1, 0644), -ENOTDIR);
	ck_assert_int_eq(safe_write_file_at(rootfd, "loop1/x", "x", 1, 0644), -ELOOP);
	ck_assert_int_eq(safe_write_file_at(rootfd, "etc/", "x", 1, 0644), -EISDIR);
	ck_assert_int_eq(safe_write_file_at(rootfd, "etc/..", "x", 1, 0644), -EISDIR);
	ck_assert_int_eq(safe_write_file_at(rootfd, "/", "x", 1, 0644), -EISDIR);
	ck_assert_int_eq(safe_write_file_at(rootfd, "", "x", 1, 0644), -ENOENT);
	ck_assert_int_eq(safe_write_file_at(rootfd, NULL, "x", 1, 0644), -EINVAL);
	ck_assert_int_eq(safe_write_file_at(rootfd, "x", NULL, 1, 0644), -EINVAL);
	assert_no_temp(".");
	assert_no_temp("etc");
	assert_missing("x");
	assert_content("etc/hostname", "inside\n");
}
END_TEST

static Suite *safe_suite(void)
{
	Suite *s = suite_create("safe");
	TCase *ro = tcase_create("resolve");
	TCase *rw = tcase_create("modify");

	/* Tests that only look share one tree, built before they are forked. */
	tcase_add_unchecked_fixture(ro, tree_setup, tree_teardown);
	tcase_add_loop_test(ro, test_open_table, 0, (int)(2 * ELEMENTSOF(open_cases)));
	tcase_add_loop_test(ro, test_modes_agree, 0, 1);
	tcase_add_loop_test(ro, test_have_openat2, 0, 1);
	tcase_add_loop_test(ro, test_at_fdcwd, 0, 2);
	tcase_add_loop_test(ro, test_magic_links, 0, (int)(2 * ELEMENTSOF(magic_cases)));
	suite_add_tcase(s, ro);

	tcase_add_checked_fixture(rw, tree_setup, tree_teardown);
	tcase_add_loop_test(rw, test_create_through_absolute_symlink, 0, 2);
	tcase_add_loop_test(rw, test_create_escape_clamped, 0, 2);
	tcase_add_loop_test(rw, test_mkdirat, 0, 2);
	tcase_add_loop_test(rw, test_write_replaces_symlink, 0, 2);
	tcase_add_loop_test(rw, test_write_atomic, 0, 2);
	tcase_add_loop_test(rw, test_write_failures, 0, 2);
	suite_add_tcase(s, rw);
	return s;
}

TEST_MAIN(safe_suite)
