/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <seccomp.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "testutil.h"

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"

/* The names in dir, sorted, joined with ' ' ("" if empty). */
static char *list_dir(const char *dir)
{
	struct dirent **entries;
	char *out = calloc(1, 1);
	size_t len = 0;
	int n = scandir(dir, &entries, NULL, alphasort);

	ck_assert_int_ge(n, 0);
	ck_assert_ptr_nonnull(out);
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			size_t l = strlen(name);
			out = realloc(out, len + l + 2);
			ck_assert_ptr_nonnull(out);
			if (len)
				out[len++] = ' ';
			memcpy(out + len, name, l + 1);
			len += l;
		}
		free(entries[i]);
	}
	free(entries);
	return out;
}

static void assert_dir_lists(const char *dir, const char *expected)
{
	_cleanup_free_ char *names = list_dir(dir);
	ck_assert_str_eq(names, expected);
}

static void assert_content(const char *path, const char *expected)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	int r = fileio_read_file(path, 0, &buf, &size);

	ck_assert_int_eq(r, (int)strlen(expected));
	ck_assert_uint_eq(size, strlen(expected));
	ck_assert_str_eq(buf, expected);
}

static bool mount_tmpfs(const char *dir, const char *options)
{
	if (!test_private_mounts())
		return false;
	return mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0;
}

START_TEST(test_write_read_back)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "105.conf");
	_cleanup_free_ char *buf = NULL;
	struct lxcri_error err = { 0 };
	const char text[] = "net1: name=eth1,bridge=vmbr1\n";
	size_t size = 0;

	ck_assert_int_eq(atomic_write_file(path, text, strlen(text), 0644, 0, &err), 0);
	ck_assert_int_eq(fileio_read_file(path, 1024, &buf, &size), (int)strlen(text));
	ck_assert_uint_eq(size, strlen(text));
	ck_assert_str_eq(buf, text);
	assert_dir_lists(dir, "105.conf");
	test_rm_rf(dir);
}
END_TEST

/*
 * Runtime state is written without fsync: with fsync and fdatasync made to
 * fail with EIO (a seccomp filter in this forked test), the durable write
 * fails and the volatile one replaces the file all the same.
 */
START_TEST(test_write_volatile_skips_fsync)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "state.json");
	_cleanup_free_ char *buf = NULL;
	struct lxcri_error err = { 0 };
	struct stat st;
	size_t size = 0;
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);

	ck_assert_int_eq(atomic_write_volatile(path, "old\n", 4, 0644, 0, &err), 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(seccomp_rule_add(f, SCMP_ACT_ERRNO(EIO), SCMP_SYS(fsync), 0), 0);
	ck_assert_int_eq(seccomp_rule_add(f, SCMP_ACT_ERRNO(EIO), SCMP_SYS(fdatasync), 0), 0);
	ck_assert_int_eq(seccomp_load(f), 0);
	seccomp_release(f);

	ck_assert_int_eq(atomic_write_file(path, "durable\n", 8, 0600, 0, &err), -EIO);
	ck_assert_int_eq(atomic_write_volatile(path, "new state\n", 10, 0600, 0, &err), 0);
	ck_assert_int_eq(fileio_read_file(path, 1024, &buf, &size), 10);
	ck_assert_str_eq(buf, "new state\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	assert_dir_lists(dir, "state.json");
	ck_assert_int_eq(atomic_write_volatile(path, "x", 2, 0600, 1, &err), -EFBIG);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_write_empty_and_large)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "f");
	_cleanup_free_ char *big = malloc(3 * 1024 * 1024), *buf = NULL;
	size_t size = 1;

	ck_assert_int_eq(atomic_write_file(path, NULL, 0, 0600, 0, NULL), 0);
	ck_assert_int_eq(fileio_read_file(path, 10, &buf, &size), 0);
	ck_assert_uint_eq(size, 0);
	ck_assert_str_eq(buf, "");
	free(TAKE_PTR(buf));

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < 3 * 1024 * 1024; i++)
		big[i] = (char)('a' + i % 26);
	ck_assert_int_eq(atomic_write_file(path, big, 3 * 1024 * 1024, 0600, 0, NULL), 0);
	ck_assert_int_eq(fileio_read_file(path, 3 * 1024 * 1024, &buf, &size), 3 * 1024 * 1024);
	ck_assert_int_eq(memcmp(buf, big, size), 0);
	ck_assert_int_eq(buf[size], '\0');
	assert_dir_lists(dir, "f");
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_mode_honoured)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *a = test_path(dir, "a"), *b = test_path(dir, "b");
	struct stat st;

	/* The umask does not apply: the mode is what the caller asked for. */
	umask(077);
	ck_assert_int_eq(atomic_write_file(a, "x", 1, 0644, 0, NULL), 0);
	ck_assert_int_eq(stat(a, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);

	umask(022);
	ck_assert_int_eq(atomic_write_file(b, "x", 1, 0600, 0, NULL), 0);
	ck_assert_int_eq(stat(b, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);

	/* Replacing keeps nothing of the old file's mode. */
	ck_assert_int_eq(atomic_write_file(a, "y", 1, 0640, 0, NULL), 0);
	ck_assert_int_eq(stat(a, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_replace_existing)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "105.conf");
	_cleanup_free_ char *other = test_path(dir, "other");
	struct stat before, after;

	test_write_file(path, "old content that is longer than the new\n");
	test_write_file(other, "unrelated\n");
	ck_assert_int_eq(stat(path, &before), 0);
	ck_assert_int_eq(atomic_write_file(path, "new\n", 4, 0600, 0, NULL), 0);
	ck_assert_int_eq(stat(path, &after), 0);
	/* A new inode: readers that hold the old one keep seeing the old content. */
	ck_assert(before.st_ino != after.st_ino);
	assert_content(path, "new\n");
	assert_content(other, "unrelated\n");
	assert_dir_lists(dir, "105.conf other");
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_relative_path)
{
	_cleanup_free_ char *dir = test_tmpdir();

	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(atomic_write_file("plain", "1", 1, 0600, 0, NULL), 0);
	ck_assert_int_eq(atomic_write_file("./dotted", "2", 1, 0600, 0, NULL), 0);
	assert_content("plain", "1");
	assert_dir_lists(dir, "dotted plain");
	ck_assert_int_eq(chdir("/"), 0);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_invalid_path)
{
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(atomic_write_file("/tmp/", "x", 1, 0600, 0, &err), -EINVAL);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_int_eq(atomic_write_file("", "x", 1, 0600, 0, &err), -EINVAL);
	ck_assert_int_eq(atomic_write_file("/tmp/x", NULL, 1, 0600, 0, &err), -EINVAL);
}
END_TEST

START_TEST(test_missing_directory)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "no/such/file");
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(atomic_write_file(path, "x", 1, 0600, 0, &err), -ENOENT);
	ck_assert_int_eq(err.code, -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "Failed to write '"));
	ck_assert_ptr_nonnull(strstr(err.message, path));
	ck_assert_ptr_nonnull(strstr(err.message, strerror(ENOENT)));
	assert_dir_lists(dir, "");
	test_rm_rf(dir);
}
END_TEST

/* The rename fails (a non-empty directory is in the way): the temp file goes. */
START_TEST(test_failed_rename_leaves_no_temp)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "target");
	_cleanup_free_ char *inner = test_path(path, "inner");
	struct lxcri_error err = { 0 };
	int r;

	ck_assert_int_eq(mkdir(path, 0755), 0);
	test_write_file(inner, "keep\n");
	r = atomic_write_file(path, "x", 1, 0600, 0, &err);
	ck_assert_msg(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST, "r=%d", r);
	ck_assert_int_eq(err.code, r);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	assert_dir_lists(dir, "target");
	assert_content(inner, "keep\n");
	test_rm_rf(dir);
}
END_TEST

/* A crash between temp file and rename: only that path's temp files go. */
START_TEST(test_leftovers_removed)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "net-ct-eth1");
	const char *files[] = { ".net-ct-eth1.aB3dE9", ".net-ct-eth1.x", ".net-ct-eth10.aB3dE9",
				".other.aB3dE9", "net-ct-eth1.aB3dE9" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		_cleanup_free_ char *f = test_path(dir, files[i]);
		test_write_file(f, "x");
	}
	test_write_file(path, "kept\n");
	atomic_write_leftovers_remove(path);
	assert_dir_lists(dir, ".net-ct-eth1.x .net-ct-eth10.aB3dE9 .other.aB3dE9 net-ct-eth1 "
			      "net-ct-eth1.aB3dE9");
	assert_content(path, "kept\n");
	/* A missing directory is no error. */
	atomic_write_leftovers_remove("/nonexistent-lxcri/dir/file");
	test_rm_rf(dir);
}
END_TEST

/* An EFBIG from the write itself (pmxcfs's, here a file size limit): said as a refused size. */
START_TEST(test_write_efbig)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "105.conf");
	char big[200];
	struct lxcri_error err = { 0 };

	memset(big, 'x', sizeof(big));
	ck_assert(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &(struct rlimit){ 100, 100 }), 0);
	ck_assert_int_eq(atomic_write_file(path, big, sizeof(big), 0600, 0, &err), -EFBIG);
	ck_assert_msg(strstr(err.message, "105.conf' would be 200 bytes; /etc/pve (pmxcfs) holds "
					  "files of at most 1048576 bytes"),
		      "%s", err.message);
	assert_dir_lists(dir, "");
}
END_TEST

START_TEST(test_max_size_efbig)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "105.conf");
	_cleanup_free_ char *fresh = test_path(dir, "fresh.conf");
	_cleanup_free_ char *big = calloc(1, 1024 * 1024 + 1);
	struct lxcri_error err = { 0 };

	ck_assert_ptr_nonnull(big);
	test_write_file(path, "old\n");
	ck_assert_int_eq(atomic_write_file(path, big, 1024 * 1024 + 1, 0600, 1024 * 1024, &err),
			 -EFBIG);
	ck_assert_int_eq(err.code, -EFBIG);
	ck_assert_msg(strstr(err.message, "' would be 1048577 bytes; /etc/pve (pmxcfs) holds files "
					  "of at most 1048576 bytes"),
		      "%s", err.message);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	assert_content(path, "old\n");
	/* The same, asked before anything is written. */
	ck_assert_int_eq(atomic_write_size_check(path, PMXCFS_FILE_MAX, &err), 0);
	ck_assert_int_eq(atomic_write_size_check(path, PMXCFS_FILE_MAX + 1, &err), -EFBIG);
	ck_assert_msg(strstr(err.message,
			     "would be 1048577 bytes; /etc/pve (pmxcfs) holds files of "
			     "at most 1048576 bytes"),
		      "%s", err.message);

	ck_assert_int_eq(atomic_write_file(fresh, big, 101, 0600, 100, &err), -EFBIG);
	ck_assert_msg(strstr(err.message, "would be 101 bytes, more than the 100 allowed"), "%s",
		      err.message);
	assert_dir_lists(dir, "105.conf");

	/* Exactly max_size is fine. */
	ck_assert_int_eq(atomic_write_file(fresh, big, 100, 0600, 100, &err), 0);
	assert_dir_lists(dir, "105.conf fresh.conf");
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_read_only_fs_erofs)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *mnt = test_path(dir, "pve");
	_cleanup_free_ char *path = test_path(mnt, "105.conf");
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	if (!mount_tmpfs(mnt, "size=1m,mode=0755")) {
		fprintf(stderr, "test_read_only_fs_erofs: skipped (needs root and mount(2))\n");
		test_rm_rf(dir);
		return;
	}
	test_write_file(path, "old\n");
	ck_assert_int_eq(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);

	ck_assert_int_eq(atomic_write_file(path, "new\n", 4, 0640, 1024 * 1024, &err), -EROFS);
	ck_assert_int_eq(err.code, -EROFS);
	ck_assert_msg(strstr(err.message, "Failed to write '"), "%s", err.message);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	ck_assert_msg(strstr(err.message, "read-only"), "%s", err.message);
	ck_assert_msg(strstr(err.message, "quorum"), "%s", err.message);
	assert_content(path, "old\n");
	assert_dir_lists(mnt, "105.conf");

	ck_assert_int_eq(umount2(mnt, 0), 0);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_full_fs_enospc)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *mnt = test_path(dir, "small");
	_cleanup_free_ char *path = test_path(mnt, "105.conf");
	_cleanup_free_ char *big = malloc(200 * 1024);
	struct lxcri_error err = { 0 };
	int r;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 200 * 1024);
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	if (!mount_tmpfs(mnt, "size=64k,mode=0755")) {
		fprintf(stderr, "test_full_fs_enospc: skipped (needs root and mount(2))\n");
		test_rm_rf(dir);
		return;
	}
	test_write_file(path, "old\n");

	r = atomic_write_file(path, big, 200 * 1024, 0600, 1024 * 1024, &err);
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert_int_eq(err.code, -ENOSPC);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	ck_assert_msg(strstr(err.message, "no space left or quota exceeded"), "%s", err.message);
	assert_content(path, "old\n");
	assert_dir_lists(mnt, "105.conf");

	/* The space the temp file took is free again: a small write works. */
	ck_assert_int_eq(atomic_write_file(path, "new\n", 4, 0600, 0, &err), 0);
	assert_content(path, "new\n");
	assert_dir_lists(mnt, "105.conf");

	ck_assert_int_eq(umount2(mnt, 0), 0);
	test_rm_rf(dir);
}
END_TEST

static Suite *atomicwrite_suite(void)
{
	Suite *s = suite_create("atomicwrite");
	TCase *write = tcase_create("write");
	TCase *failure = tcase_create("failure");

	tcase_add_test(write, test_write_read_back);
	tcase_add_test(write, test_write_empty_and_large);
	tcase_add_test(write, test_write_volatile_skips_fsync);
	tcase_add_test(write, test_mode_honoured);
	tcase_add_test(write, test_replace_existing);
	tcase_add_test(write, test_relative_path);
	tcase_add_test(write, test_invalid_path);
	suite_add_tcase(s, write);

	tcase_add_test(failure, test_missing_directory);
	tcase_add_test(failure, test_failed_rename_leaves_no_temp);
	tcase_add_test(failure, test_leftovers_removed);
	tcase_add_test(failure, test_max_size_efbig);
	tcase_add_test(failure, test_write_efbig);
	tcase_add_test(failure, test_read_only_fs_erofs);
	tcase_add_test(failure, test_full_fs_enospc);
	suite_add_tcase(s, failure);

	return s;
}

TEST_MAIN(atomicwrite_suite)
