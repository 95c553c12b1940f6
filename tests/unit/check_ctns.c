/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include "testutil.h"

#include "lib/basic/ctns.h"

/* A "container": new network and mount namespaces whose "/" is dir (as after LXC's pivot_root). */
static int enter_container(const void *dir)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(dir, "/", NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	return 0;
}

static pid_t container(const char *dir)
{
	return test_child(enter_container, dir);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool skip_unless_root(const char *test)
{
	if (geteuid() == 0)
		return false;
	test_skip(test, "needs root for namespaces");
	return true;
}

/* The identity of a namespace by path, as ctns_identity() words it. */
static void identity_of(const char *path, char ret[CTNS_IDENTITY_MAX])
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(ret, CTNS_IDENTITY_MAX, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
}

START_TEST(test_open_pid_pins_its_namespaces)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct lxcri_error err = {};
	char path[64], want[CTNS_IDENTITY_MAX], got[CTNS_IDENTITY_MAX];
	struct ctns ns = CTNS_NONE;
	pid_t pid;

	if (skip_unless_root(__func__))
		return;
	pid = container(dir);
	ck_assert_msg(ctns_open_pid(pid, &ns, &err) == 0, "%s", err.message);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	identity_of(path, want);
	ck_assert_int_eq(ctns_identity(ns.net, got), 0);
	ck_assert_str_eq(got, want);
	ck_assert(ctns_is(ns.net, want));
	ck_assert(ctns_is(ns.net, NULL));
	ck_assert(!ctns_is(-1, want));
	identity_of("/proc/self/ns/net", want);
	ck_assert(!ctns_is(ns.net, want));
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	identity_of(path, want);
	ck_assert(ctns_is(ns.mnt, want));

	/* Exited, not reaped yet: its namespaces are gone with it. */
	siginfo_t info;
	ctns_close(&ns);
	ck_assert_int_eq(ns.net, -1);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(ctns_open_pid(pid, &ns, &err), -ESRCH);
	ck_assert_msg(strstr(err.message, "has exited"), "%s", err.message);
	ck_assert_int_eq(ns.net, -1);
	/* Reaped: its PID names nothing, or someone else. */
	reap(pid);
	ck_assert_int_eq(ctns_open_pid(pid, &ns, &err), -ESRCH);
	ck_assert_msg(strstr(err.message, "process"), "%s", err.message);
	ck_assert_int_eq(ctns_open_pid(0, &ns, &err), -EINVAL);
	test_rm_rf(dir);
}
END_TEST

/* LXC's references at the stop hook: paths of fds its monitor holds. */
START_TEST(test_open_paths_checks_the_type)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_close_ int net = -1, mnt = -1;
	struct lxcri_error err = {};
	char net_path[64], mnt_path[64], file[PATH_MAX];
	struct ctns ns = CTNS_NONE;

	if (skip_unless_root(__func__))
		return;
	net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(net, 0);
	ck_assert_int_ge(mnt, 0);
	snprintf(net_path, sizeof(net_path), "/proc/%d/fd/%d", (int)getpid(), net);
	snprintf(mnt_path, sizeof(mnt_path), "/proc/%d/fd/%d", (int)getpid(), mnt);
	ck_assert_msg(ctns_open_paths(net_path, mnt_path, &ns, &err) == 0, "%s", err.message);
	ck_assert(ctns_is(ns.net, NULL) && ctns_is(ns.mnt, NULL));
	ctns_close(&ns);
	ck_assert_int_eq(ctns_open_paths(NULL, NULL, &ns, &err), 0);
	ck_assert_int_eq(ns.net, -1);
	ck_assert_int_eq(ns.mnt, -1);

	/* The wrong type, a plain file, nothing there: refused, naming the path. */
	ck_assert_int_eq(ctns_open_paths(mnt_path, NULL, &ns, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, mnt_path) && strstr(err.message, "no network namespace"),
		      "%s", err.message);
	ck_assert_int_eq(ctns_open_paths(NULL, net_path, &ns, &err), -EINVAL);
	snprintf(file, sizeof(file), "%s/file", dir);
	test_write_file(file, "x\n");
	ck_assert_int_eq(ctns_open_paths(file, NULL, &ns, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, file), "%s", err.message);
	ck_assert_int_eq(ctns_open_paths("/proc/1/fd/999999", NULL, &ns, &err), -ENOENT);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_open_root_is_the_mount_namespace_root)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_close_ int root = -1;
	struct lxcri_error err = {};
	struct ctns ns = CTNS_NONE;
	char marker[PATH_MAX];
	struct stat st;
	pid_t pid;

	if (skip_unless_root(__func__))
		return;
	snprintf(marker, sizeof(marker), "%s/marker", dir);
	test_write_file(marker, "inside\n");
	pid = container(dir);
	ck_assert_msg(ctns_open_pid(pid, &ns, &err) == 0, "%s", err.message);
	/* Also once the container's processes are gone, as at the stop hook. */
	reap(pid);
	root = ctns_open_root(ns.mnt, &err);
	ck_assert_msg(root >= 0, "%s", err.message);
	ck_assert_int_eq(fstatat(root, "marker", &st, 0), 0);
	ck_assert(S_ISREG(st.st_mode));
	ctns_close(&ns);
	ck_assert_int_eq(ctns_open_root(-1, &err), -EBADF);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_fd_path)
{
	char buf[64], want[64];

	snprintf(want, sizeof(want), "/proc/%d/fd/7", (int)getpid());
	ck_assert_int_eq(ctns_fd_path(7, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(ctns_fd_path(7, buf, 8), -ENAMETOOLONG);
}
END_TEST

static Suite *ctns_suite(void)
{
	Suite *s = suite_create("ctns");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_open_pid_pins_its_namespaces);
	tcase_add_test(tc, test_open_paths_checks_the_type);
	tcase_add_test(tc, test_open_root_is_the_mount_namespace_root);
	tcase_add_test(tc, test_fd_path);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ctns_suite)
