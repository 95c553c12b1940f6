/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lock files (lib/basic/lockfile.c). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/lockfile.h"

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int wait_exit_status(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child did not exit normally");
	return WEXITSTATUS(status);
}

START_TEST(test_lock_creates_parents)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "run/lxcri//105/lock");
	_cleanup_free_ char *parent = test_path(dir, "run/lxcri/105");
	_cleanup_close_ int fd = -1;
	struct lxcri_error err = { 0 };
	struct stat st;
	int flags;

	umask(022);
	fd = lock_file(path, 0, &err);
	ck_assert_msg(fd >= 0, "%s", err.message);
	ck_assert_int_eq(stat(parent, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	flags = fcntl(fd, F_GETFD);
	ck_assert(flags & FD_CLOEXEC);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_lock_parent_not_a_directory)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *file = test_path(dir, "run");
	_cleanup_free_ char *path = test_path(dir, "run/lxcri/lock");
	struct lxcri_error err = { 0 };

	test_write_file(file, "");
	ck_assert_int_eq(lock_file(path, 0, &err), -ENOTDIR);
	ck_assert_msg(strstr(err.message, file), "%s", err.message);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_lock_times_out_in_other_process)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "lxcri/105.lock");
	struct lxcri_error err = { 0 };
	int fd;
	pid_t pid;

	fd = lock_file(path, 0, &err);
	ck_assert_msg(fd >= 0, "%s", err.message);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct lxcri_error child_err = { 0 };
		uint64_t start, elapsed;
		int r;

		close(fd); /* an inherited copy would hold the lock for us */
		start = monotonic_ms();
		r = lock_file(path, 300, &child_err);
		elapsed = monotonic_ms() - start;
		if (r != -EWOULDBLOCK || child_err.code != -EWOULDBLOCK)
			_exit(1);
		if (elapsed < 300 || elapsed > 1500)
			_exit(2);
		if (!strstr(child_err.message, "another lxcri command holds it") ||
		    !strstr(child_err.message, path) || !strstr(child_err.message, "waited"))
			_exit(3);
		/* timeout 0: at once. */
		start = monotonic_ms();
		if (lock_file(path, 0, NULL) != -EWOULDBLOCK || monotonic_ms() - start > 100)
			_exit(4);
		_exit(0);
	}
	ck_assert_int_eq(wait_exit_status(pid), 0);

	/* Released: another process gets it at once. */
	ck_assert_int_eq(close(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int r = lock_file(path, 0, NULL);
		_exit(r >= 0 ? 0 : 1);
	}
	ck_assert_int_eq(wait_exit_status(pid), 0);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_lock_waits_for_release)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "105.lock");
	int fd, ready[2];
	pid_t pid;
	char c;

	fd = lock_file(path, 0, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint64_t start, elapsed;
		int r;

		close(fd);
		close(ready[0]);
		start = monotonic_ms();
		if (write(ready[1], "r", 1) != 1)
			_exit(5);
		r = lock_file(path, 5000, NULL);
		elapsed = monotonic_ms() - start;
		if (r < 0)
			_exit(1);
		/* Released after about 150 ms: the waiter gets it soon after, not at the timeout.
		 */
		if (elapsed < 100 || elapsed > 2000)
			_exit(2);
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	usleep(150 * 1000);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(wait_exit_status(pid), 0);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_lock_recreated_file)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "105.lock");
	_cleanup_close_ int fd1 = -1, fd2 = -1;

	/* Someone removed the lock file under a holder: a new lock is on the new file. */
	fd1 = lock_file(path, 0, NULL);
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_eq(unlink(path), 0);
	fd2 = lock_file(path, 0, NULL);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(lock_file(path, 0, NULL), -EWOULDBLOCK);
	test_rm_rf(dir);
}
END_TEST

/*
 * Released with removal, while another process waits on the same file: the
 * file goes, and the waiter ends up holding a lock on a file that is at the
 * path (it made a new one), never on the removed one, which would exclude
 * nobody.
 */
START_TEST(test_lock_release_removes_under_a_waiter)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, ".locks/105.lock");
	_cleanup_free_ char *state = test_path(dir, "105");
	int fd, ready[2], done[2];
	struct stat st;
	pid_t pid;
	char c;

	fd = lock_file(path, 0, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(done, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct stat at_fd, at_path;
		int mine;

		close(fd);
		close(ready[0]);
		close(done[1]);
		if (write(ready[1], "r", 1) != 1)
			_exit(5);
		mine = lock_file(path, 5000, NULL);
		if (mine < 0)
			_exit(1);
		if (fstat(mine, &at_fd) < 0 || stat(path, &at_path) < 0)
			_exit(2);
		if (at_fd.st_ino != at_path.st_ino || at_fd.st_dev != at_path.st_dev)
			_exit(3);
		/* Held until the parent has tried for itself. */
		if (read(done[0], &c, 1) != 1)
			_exit(6);
		/* Its container has a state now: the lock file stays. */
		lock_file_release(mine, path, state);
		_exit(stat(path, &at_path) == 0 ? 0 : 4);
	}
	close(ready[1]);
	close(done[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	usleep(100 * 1000); /* the child now waits in lock_file() */
	/* No state dir: the lock file goes, while we still hold it. */
	lock_file_release(fd, path, state);
	usleep(200 * 1000);
	ck_assert_int_eq(lock_file(path, 0, NULL), -EWOULDBLOCK);
	ck_assert_int_eq(mkdir(state, 0700), 0);
	ck_assert_int_eq(write(done[1], "d", 1), 1);
	close(done[1]);
	ck_assert_int_eq(wait_exit_status(pid), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	/* Without keep_with, or with -1, nothing is removed. */
	fd = lock_file(path, 0, NULL);
	ck_assert_int_ge(fd, 0);
	lock_file_release(fd, path, NULL);
	ck_assert_int_eq(stat(path, &st), 0);
	lock_file_release(-1, path, "/nonexistent");
	ck_assert_int_eq(stat(path, &st), 0);
	test_rm_rf(dir);
}
END_TEST

/*
 * A lock file on a file system that went read-only (or full) while the
 * container ran: taking the lock needs no write, so a stop still gets it.
 */
START_TEST(test_lock_on_read_only_file_system)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, ".locks/105.lock");
	_cleanup_free_ char *other = test_path(dir, ".locks/106.lock");
	_cleanup_close_ int fd = -1;
	struct lxcri_error err = { 0 };
	pid_t pid;

	fd = lock_file(path, 0, &err);
	ck_assert_msg(fd >= 0, "%s", err.message);
	ck_assert_int_eq(close(TAKE_FD(fd)), 0);
	if (!test_mount_read_only(dir)) {
		test_skip(__func__, "no mount namespace (not root)");
		test_rm_rf(dir);
		return;
	}
	fd = lock_file(path, 0, &err);
	ck_assert_msg(fd >= 0, "%s", err.message);
	/* It excludes all the same. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd);
		_exit(lock_file(path, 0, NULL) == -EWOULDBLOCK ? 0 : 1);
	}
	ck_assert_int_eq(wait_exit_status(pid), 0);
	/* A lock file that is not there cannot be made: said as such. */
	ck_assert_int_eq(lock_file(other, 0, &err), -EROFS);
	ck_assert_msg(strstr(err.message, other), "%s", err.message);
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	test_rm_rf(dir);
}
END_TEST

static Suite *lockfile_suite(void)
{
	Suite *s = suite_create("lockfile");
	TCase *tc = tcase_create("lock");

	tcase_add_test(tc, test_lock_creates_parents);
	tcase_add_test(tc, test_lock_parent_not_a_directory);
	tcase_add_test(tc, test_lock_times_out_in_other_process);
	tcase_add_test(tc, test_lock_waits_for_release);
	tcase_add_test(tc, test_lock_recreated_file);
	tcase_add_test(tc, test_lock_on_read_only_file_system);
	tcase_add_test(tc, test_lock_release_removes_under_a_waiter);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(lockfile_suite)
