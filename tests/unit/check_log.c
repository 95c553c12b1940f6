/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/basic/log.h"

static char *sink_dir;

/* Removes the socket and its directory; registered by sink(). */
static void sink_done(void)
{
	test_rm_rf(sink_dir);
	free(sink_dir);
	sink_dir = NULL;
}

/* A syslog socket of our own, as /dev/log would be. */
static int sink(char *path, size_t size)
{
	char *dir = sink_dir = test_tmpdir();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	ck_assert_int_eq(atexit(sink_done), 0);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(path, size, "%s/log", dir);
	strcpy(sa.sun_path, path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("LXCRI_LOG_SOCKET", path, 1);
	return fd;
}

static void receive(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

START_TEST(test_container_id_on_every_line)
{
	char path[PATH_MAX], buf[2048], expect[64];
	int fd = sink(path, sizeof(path));

	log_set_stderr(false);
	log_setup("lxcri-hook", "105");
	ck_assert_int_eq(log_error("Failed to apply '%s'", "net1"), 0);
	receive(fd, buf, sizeof(buf));
	/* <daemon.err>timestamp ident[pid]: CT 105: message */
	ck_assert_msg(strncmp(buf, "<27>", 4) == 0, "priority in '%s'", buf);
	snprintf(expect, sizeof(expect), " lxcri-hook[%d]: CT 105: ", (int)getpid());
	ck_assert_msg(strstr(buf, expect), "'%s' not in '%s'", expect, buf);
	ck_assert_ptr_nonnull(strstr(buf, "Failed to apply 'net1'"));

	ck_assert_int_eq(log_warning_errno(-ENOENT, "Failed to open '%s': %m", "/x"), -ENOENT);
	receive(fd, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "<28>", 4) == 0, "priority in '%s'", buf);
	ck_assert_ptr_nonnull(
	    strstr(buf, "CT 105: Failed to open '/x': No such file or directory"));
}
END_TEST

START_TEST(test_max_level_filters)
{
	char path[PATH_MAX], buf[2048];
	int fd = sink(path, sizeof(path));

	log_set_stderr(false);
	log_setup("lxcri", "web");
	log_set_max_level(LOG_INFO);
	log_debug("hidden");
	log_info("shown");
	receive(fd, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "CT web: shown"));
	ck_assert_int_lt(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 0);
	ck_assert_int_eq(log_level_from_string("debug"), LOG_DEBUG);
	ck_assert_int_eq(log_level_from_string("WARNING"), LOG_WARNING);
	ck_assert_int_eq(log_level_from_string("loud"), -EINVAL);
}
END_TEST

START_TEST(test_missing_socket_is_harmless)
{
	setenv("LXCRI_LOG_SOCKET", "/nonexistent/log", 1);
	log_set_stderr(false);
	log_setup("lxcri", "web");
	ck_assert_int_eq(log_error_errno(-EIO, "still fine: %m"), -EIO);
}
END_TEST

START_TEST(test_stderr_copy)
{
	int pipefd[2];
	char buf[512] = "";

	setenv("LXCRI_LOG_SOCKET", "/nonexistent/log", 1);
	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(dup2(pipefd[1], STDERR_FILENO), STDERR_FILENO);
	log_set_stderr(true);
	log_setup("lxcri-hook", "101");
	log_error("Refusing to start: %s", "x.conf:1: bad");
	ck_assert_int_gt(read(pipefd[0], buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, "lxcri-hook: CT 101: Refusing to start: x.conf:1: bad\n");
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_container_id_on_every_line);
	tcase_add_test(tc, test_max_level_filters);
	tcase_add_test(tc, test_missing_socket_is_harmless);
	tcase_add_test(tc, test_stderr_copy);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(log_suite)
