/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"

static char *path_join2(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

START_TEST(test_read_file_limits)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = path_join2(dir, "f");
	char *buf = (char *)0x1;
	size_t size = 77;
	char content[101];

	memset(content, 'a', 100);
	content[100] = '\0';
	test_write_file(path, content);

	ck_assert_int_eq(fileio_read_file(path, 99, &buf, &size), -EFBIG);
	ck_assert_ptr_eq(buf, (char *)0x1);
	ck_assert_uint_eq(size, 77);
	ck_assert_int_eq(fileio_read_file(path, 1, &buf, &size), -EFBIG);

	ck_assert_int_eq(fileio_read_file(path, 100, &buf, &size), 100);
	ck_assert_uint_eq(size, 100);
	ck_assert_str_eq(buf, content);
	free(buf);

	ck_assert_int_eq(fileio_read_file(path, 0, &buf, NULL), 100);
	free(buf);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_read_file_not_regular)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *fifo = path_join2(dir, "fifo");
	_cleanup_free_ char *missing = path_join2(dir, "missing");
	char *buf = NULL;

	ck_assert_int_eq(fileio_read_file(dir, 1024, &buf, NULL), -EINVAL);
	ck_assert_int_eq(fileio_read_file(missing, 1024, &buf, NULL), -ENOENT);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* A FIFO without a writer must not block us. */
	ck_assert_int_eq(fileio_read_file(fifo, 1024, &buf, NULL), -EINVAL);
	ck_assert_int_eq(fileio_read_file("/dev/null", 1024, &buf, NULL), -EINVAL);
	ck_assert_ptr_null(buf);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_read_file_size_unknown)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	int r;

	/* /proc files report st_size 0: the reader must go by EOF. */
	r = fileio_read_file("/proc/self/status", 0, &buf, &size);
	ck_assert_int_gt(r, 100);
	ck_assert_uint_eq(size, (size_t)r);
	ck_assert_uint_eq(strlen(buf), size);
	ck_assert_ptr_nonnull(strstr(buf, "Name:"));
	free(TAKE_PTR(buf));
	ck_assert_int_eq(fileio_read_file("/proc/self/status", 10, &buf, &size), -EFBIG);
}
END_TEST

START_TEST(test_read_fd_from_where_it_stands)
{
	int fds[2];
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	ck_assert_int_eq(write(fds[1], "hello world", 11), 11);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], (char[6]){ 0 }, 6), 6);
	ck_assert_int_eq(fileio_read_fd(fds[0], 0, &buf, &size), 5);
	ck_assert_uint_eq(size, 5);
	ck_assert_str_eq(buf, "world");
	close(fds[0]);
}
END_TEST

START_TEST(test_write_all_whole_buffer)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = path_join2(dir, "f");
	_cleanup_free_ char *big = malloc(1024 * 1024 + 1), *back = NULL;
	_cleanup_close_ int fd = -1;
	size_t size = 0;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fileio_write_all(fd, big, 1024 * 1024), 0);
	ck_assert_int_eq(fileio_write_all(fd, "end", 3), 0);
	ck_assert_int_eq(fileio_read_file(path, 0, &back, &size), 1024 * 1024 + 3);
	ck_assert_int_eq(memcmp(back, big, 1024 * 1024), 0);
	ck_assert_str_eq(back + 1024 * 1024, "end");
	test_rm_rf(dir);
}
END_TEST

/* A short pipe takes a large buffer in pieces: every piece arrives, in order. */
START_TEST(test_write_all_short_writes)
{
	enum { SIZE = 256 * 1024 };
	_cleanup_free_ char *data = malloc(SIZE), *back = NULL;
	int fds[2], status;
	pid_t pid;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (char)(i * 7);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	ck_assert_int_ge(fcntl(fds[1], F_SETPIPE_SZ, 4096), 4096);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(fileio_write_all(fds[1], data, SIZE) == 0 ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(fileio_read_fd(fds[0], 0, &back, NULL), SIZE);
	ck_assert_int_eq(memcmp(back, data, SIZE), 0);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/*
 * size 0 writes nothing at all: on a datagram socket an empty write(2)
 * would send an empty datagram, which the reader would see.
 */
START_TEST(test_write_all_zero_length)
{
	int sv[2];
	char buf[8];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(fileio_write_all(sv[0], NULL, 0), 0);
	ck_assert_int_eq(fileio_write_all(sv[0], "a", 0), 0);
	ck_assert_int_eq(fileio_write_all(sv[0], "b", 1), 0);
	/* The first datagram is "b": no empty one came before it. */
	ck_assert_int_eq(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
	ck_assert_int_eq(buf[0], 'b');
	ck_assert_int_eq(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* Not even on a closed fd: nothing is tried. */
	ck_assert_int_eq(fileio_write_all(-1, NULL, 0), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_write_all_errors)
{
	int fds[2];

	ck_assert_int_eq(fileio_write_all(-1, "x", 1), -EBADF);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(fileio_write_all(fds[1], "x", 1), -EPIPE);
	close(fds[1]);
}
END_TEST

static Suite *fileio_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *read = tcase_create("read");
	TCase *write = tcase_create("write");

	tcase_add_test(read, test_read_file_limits);
	tcase_add_test(read, test_read_file_not_regular);
	tcase_add_test(read, test_read_file_size_unknown);
	tcase_add_test(read, test_read_fd_from_where_it_stands);
	suite_add_tcase(s, read);

	tcase_add_test(write, test_write_all_whole_buffer);
	tcase_add_test(write, test_write_all_short_writes);
	tcase_add_test(write, test_write_all_zero_length);
	tcase_add_test(write, test_write_all_errors);
	suite_add_tcase(s, write);
	return s;
}

TEST_MAIN(fileio_suite)
