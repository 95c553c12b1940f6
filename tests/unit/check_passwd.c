/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/basic/passwd.h"

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "# a comment\n"
				  "\n"
				  "app:x:1000:1000:app:/srv/app:/bin/sh\n"
				  "short:x\n"
				  "nohome:x:1002:1002\n"
				  "bad:x:notanumber:1:x:/x:/bin/sh\n";
static const char group_text[] = "root:x:0:\n"
				 "app:x:1000:\n"
				 "extra:x:1001:app,other\n"
				 "more:x:1003:other,app\n"
				 "notapp:x:1004:apple\n";

/* A rootfs with etc/passwd and etc/group; fd in *ret_fd. */
static char *rootfs(int *ret_fd, bool with_files)
{
	char *dir = test_tmpdir(), *etc = test_path(dir, "etc");

	ck_assert_int_eq(mkdir(etc, 0755), 0);
	if (with_files) {
		_cleanup_free_ char *p = test_path(etc, "passwd"), *g = test_path(etc, "group");

		test_write_file(p, passwd_text);
		test_write_file(g, group_text);
	}
	free(etc);
	*ret_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(*ret_fd, 0);
	return dir;
}

static struct passwd_user resolve_ok(int fd, const char *spec)
{
	struct lxcri_error err = { 0 };
	struct passwd_user u;

	ck_assert_msg(passwd_resolve(fd, spec, &u, &err) == 0, "%s: %s", spec, err.message);
	return u;
}

static void resolve_fails(int fd, const char *spec, int code, const char *message)
{
	struct lxcri_error err = { 0 };
	struct passwd_user u;

	ck_assert_int_eq(passwd_resolve(fd, spec, &u, &err), code);
	ck_assert_msg(strstr(err.message, message), "'%s' lacks '%s'", err.message, message);
}

START_TEST(test_specs)
{
	int fd;
	_cleanup_free_ char *dir = rootfs(&fd, true);
	struct passwd_user u;

	u = resolve_ok(fd, "");
	ck_assert_uint_eq(u.uid, 0);
	ck_assert_str_eq(u.home, "/root");
	/* A name: its ids, home, and the groups that list it (not "apple"'s). */
	u = resolve_ok(fd, "app");
	ck_assert_uint_eq(u.uid, 1000);
	ck_assert_uint_eq(u.gid, 1000);
	ck_assert_str_eq(u.home, "/srv/app");
	ck_assert_uint_eq(u.n_groups, 3);
	ck_assert_uint_eq(u.groups[0], 1000);
	ck_assert_uint_eq(u.groups[1], 1001);
	ck_assert_uint_eq(u.groups[2], 1003);
	/* A uid passwd has: as the name. One it lacks: gid 0, home "/". */
	u = resolve_ok(fd, "1000");
	ck_assert_uint_eq(u.gid, 1000);
	ck_assert_uint_eq(u.n_groups, 3);
	u = resolve_ok(fd, "4242");
	ck_assert_uint_eq(u.uid, 4242);
	ck_assert_uint_eq(u.gid, 0);
	ck_assert_str_eq(u.home, "/");
	ck_assert_uint_eq(u.n_groups, 1);
	/* An explicit group: that gid alone. */
	u = resolve_ok(fd, "app:extra");
	ck_assert_uint_eq(u.gid, 1001);
	ck_assert_uint_eq(u.n_groups, 1);
	ck_assert_uint_eq(u.groups[0], 1001);
	u = resolve_ok(fd, "4242:4343");
	ck_assert_uint_eq(u.gid, 4343);
	u = resolve_ok(fd, "nohome");
	ck_assert_str_eq(u.home, "/");
	/* Names the image lacks refuse: never root. */
	resolve_fails(fd, "nobody", -ENOENT,
		      "Failed to resolve the image's User 'nobody': no user 'nobody' in its "
		      "/etc/passwd");
	resolve_fails(fd, "app:nogroup", -ENOENT, "no group 'nogroup' in its /etc/group");
	resolve_fails(fd, "bad", -ENOENT, "no user 'bad'");
	resolve_fails(fd, "short", -ENOENT, "no user 'short'");
	resolve_fails(fd, "99999999999", -EINVAL, "out of range");
	resolve_fails(fd, "app:", -EINVAL, "Invalid User 'app:'");
	resolve_fails(fd, ":1", -EINVAL, "Invalid User");
	resolve_fails(fd, "a:b:c", -EINVAL, "Invalid User");
	close(fd);
	test_rm_rf(dir);
}
END_TEST

/* No passwd at all: ids work, names do not. */
START_TEST(test_no_files)
{
	int fd;
	_cleanup_free_ char *dir = rootfs(&fd, false);
	struct passwd_user u = resolve_ok(fd, "1234:5678");

	ck_assert_uint_eq(u.uid, 1234);
	ck_assert_uint_eq(u.gid, 5678);
	resolve_fails(fd, "app", -ENOENT, "(it has none)");
	close(fd);
	test_rm_rf(dir);
}
END_TEST

/* A hostile rootfs: the host's files are never read; what would block or is not a file fails. */
START_TEST(test_hostile)
{
	int fd;
	_cleanup_free_ char *dir = rootfs(&fd, false);
	_cleanup_free_ char *p = test_path(dir, "etc/passwd");
	struct passwd_user u;

	/* The host's /etc/passwd has root and daemon; through symlinks, it is the rootfs's. */
	ck_assert_int_eq(symlink("../../../../../../../../etc/passwd", p), 0);
	struct lxcri_error err = { 0 };
	ck_assert_int_lt(passwd_resolve(fd, "daemon", &u, &err), 0);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(symlink("/etc/shadow", p), 0);
	resolve_fails(fd, "daemon", -ENOENT, "no user 'daemon'");
	ck_assert_int_eq(unlink(p), 0);
	/* A FIFO does not hang us; a directory is not a file. */
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	resolve_fails(fd, "app", -EINVAL, "/etc/passwd is not a regular file");
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	resolve_fails(fd, "app", -EINVAL, "/etc/passwd is not a regular file");
	ck_assert_int_eq(rmdir(p), 0);
	/* Long lines, no final newline. */
	_cleanup_free_ char *big = malloc(200000);
	memset(big, 'x', 199990);
	strcpy(big + 199990, ":x:7:7::/");
	test_write_file(p, big);
	resolve_fails(fd, "app", -ENOENT, "no user 'app'");
	u = resolve_ok(fd, "7");
	ck_assert_str_eq(u.home, "/");
	close(fd);
	test_rm_rf(dir);
}
END_TEST

static Suite *passwd_suite(void)
{
	Suite *s = suite_create("passwd");
	TCase *tc = tcase_create("passwd");

	tcase_add_test(tc, test_specs);
	tcase_add_test(tc, test_no_files);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(passwd_suite)
