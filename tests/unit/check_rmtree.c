/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/rmtree.h"

static char *join(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

static void make_dir(const char *base, const char *rel)
{
	_cleanup_free_ char *p = join(base, rel);

	ck_assert_int_eq(mkdir(p, 0755), 0);
}

/* A tree with files, a fifo, nested and unwritable dirs, goes whole. */
START_TEST(test_removes_a_tree)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *top = join(tmp, "top");
	_cleanup_free_ char *f = NULL, *fifo = NULL, *ro = NULL;

	make_dir(tmp, "top");
	make_dir(top, "a");
	make_dir(top, "a/b");
	make_dir(top, "a/b/c");
	f = join(top, "a/b/c/file");
	test_write_file(f, "x");
	fifo = join(top, "a/fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ro = join(top, "a/b");
	ck_assert_int_eq(chmod(ro, 0500), 0);
	ck_assert_int_eq(rmtree(top), 0);
	ck_assert_int_eq(access(top, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* Gone already: nothing to do. */
	ck_assert_int_eq(rmtree(top), 0);
	/* A file alone. */
	test_write_file(top, "y");
	ck_assert_int_eq(rmtree(top), 0);
	ck_assert_int_eq(access(top, F_OK), -1);
	test_rm_rf(tmp);
}
END_TEST

/* Symlinks in the tree (to a directory outside, to "/") are removed, never followed. */
START_TEST(test_never_follows_symlinks)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *top = join(tmp, "top");
	_cleanup_free_ char *outside = join(tmp, "outside"), *keep = join(outside, "keep");
	_cleanup_free_ char *l1 = join(top, "to-outside"), *l2 = join(top, "d/to-root");
	_cleanup_free_ char *l3 = join(tmp, "link-top");

	make_dir(tmp, "outside");
	test_write_file(keep, "keep");
	make_dir(tmp, "top");
	make_dir(top, "d");
	ck_assert_int_eq(symlink(outside, l1), 0);
	ck_assert_int_eq(symlink("/", l2), 0);
	ck_assert_int_eq(rmtree(top), 0);
	ck_assert_int_eq(access(top, F_OK), -1);
	ck_assert_int_eq(access(keep, F_OK), 0);
	/* The top itself a symlink: the link goes, not what it points to. */
	ck_assert_int_eq(symlink(outside, l3), 0);
	ck_assert_int_eq(rmtree(l3), 0);
	ck_assert_int_eq(access(keep, F_OK), 0);
	struct stat st;
	ck_assert_int_eq(lstat(l3, &st), -1);
	test_rm_rf(tmp);
}
END_TEST

/* A mount point inside the tree is not crossed: -EXDEV, and what is mounted stays. */
START_TEST(test_stays_on_its_file_system)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *top = join(tmp, "top");
	_cleanup_free_ char *mnt = join(top, "mnt"), *inside = join(mnt, "inside");
	_cleanup_free_ char *other = join(top, "other");

	if (!test_private_mounts()) {
		test_skip("test_stays_on_its_file_system", "no mount namespace of our own");
		return;
	}
	make_dir(tmp, "top");
	make_dir(top, "mnt");
	test_write_file(other, "o");
	ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=64k"), 0);
	test_write_file(inside, "i");
	ck_assert_int_eq(rmtree(top), -EXDEV);
	ck_assert_int_eq(access(inside, F_OK), 0);
	ck_assert_int_eq(access(other, F_OK), -1);
	ck_assert_int_eq(umount(mnt), 0);
	ck_assert_int_eq(rmtree(top), 0);
	test_rm_rf(tmp);
}
END_TEST

static Suite *rmtree_suite(void)
{
	Suite *s = suite_create("rmtree");
	TCase *tc = tcase_create("rmtree");

	tcase_add_test(tc, test_removes_a_tree);
	tcase_add_test(tc, test_never_follows_symlinks);
	tcase_add_test(tc, test_stays_on_its_file_system);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(rmtree_suite)
