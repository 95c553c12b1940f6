/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "nsjoin.h"
#include "testutil.h"

/*
 * A "container": a child in new uts, net, ipc and mount namespaces, with a
 * hostname of its own and a tmpfs root holding /marker. It waits until killed.
 */
static pid_t container(const char *dir)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", dir, "tmpfs", 0, NULL) < 0 || chdir(dir) < 0 ||
		    mkdir("marker", 0755) < 0 || chroot(".") < 0 || sethostname("inside", 6) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void container_end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The namespace inode of a process, through its /proc directory (an fd: it works after a chroot).
 */
static ino_t ns_inode_at(int proc_dir, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "ns/%s", name);
	return fstatat(proc_dir, path, &st, 0) == 0 ? st.st_ino : 0;
}

static ino_t ns_inode(pid_t pid, const char *name)
{
	char path[64];
	int fd;
	ino_t ino;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ino = ns_inode_at(fd, name);
	close(fd);
	ck_assert_int_ne(ino, 0);
	return ino;
}

/* In a child: joins, then reports what it sees as its exit status (0: all as expected). */
static int join_and_look(pid_t ct, bool with_root)
{
	struct lxcri_error err = {};
	struct nsjoin ns;
	pid_t child;
	int status;

	ck_assert_msg(nsjoin_open(ct, &ns, &err) == 0, "%s", err.message);
	/* The pid and user namespaces are ours too: left out. */
	ck_assert_int_eq(ns.pid, -1);
	ck_assert_int_eq(ns.user, -1);
	ck_assert_int_ge(ns.net, 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		ino_t want_net = ns_inode(ct, "net"), want_mnt = ns_inode(ct, "mnt");
		char host[64] = "";

		if (self < 0 || nsjoin_enter(&ns, with_root, &err) < 0)
			_exit(10);
		if (gethostname(host, sizeof(host)) < 0 || strcmp(host, "inside") != 0)
			_exit(11);
		if (ns_inode_at(self, "net") != want_net || ns_inode_at(self, "mnt") != want_mnt)
			_exit(12);
		if (with_root != (access("/marker", F_OK) == 0))
			_exit(13);
		_exit(0);
	}
	nsjoin_close(&ns);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

START_TEST(test_enter_namespaces_and_root)
{
	char dir[] = "/tmp/nsjoin-root-XXXXXX";
	pid_t ct;

	if (geteuid() != 0) {
		fprintf(stderr, "test_enter_namespaces_and_root: skipped (needs root)\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ct = container(dir);
	ck_assert_int_ne(ns_inode(ct, "net"), ns_inode(getpid(), "net"));
	ck_assert_int_eq(join_and_look(ct, true), 0);
	/* Without the root: the namespaces, and "/" is still ours. */
	ck_assert_int_eq(join_and_look(ct, false), 0);
	container_end(ct);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_open_errors)
{
	struct lxcri_error err = {};
	struct nsjoin ns;
	pid_t gone = fork();

	ck_assert_int_ge(gone, 0);
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	ck_assert_int_eq(nsjoin_open(gone, &ns, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "/ns/"));
}
END_TEST

START_TEST(test_wait_exec)
{
	int go[2];
	char c = 'x';
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		execl("/bin/sleep", "sleep", "5", (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	/* Not exec'd yet: a timeout. */
	ck_assert_int_eq(nsjoin_wait_exec(pid, 50), 0);
	ck_assert_int_eq(write(go[1], &c, 1), 1);
	ck_assert_int_eq(nsjoin_wait_exec(pid, 5000), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(nsjoin_wait_exec(pid, 50), -ESRCH);
	close(go[1]);
}
END_TEST

static Suite *nsjoin_suite(void)
{
	Suite *s = suite_create("nsjoin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_enter_namespaces_and_root);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_wait_exec);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(nsjoin_suite)
