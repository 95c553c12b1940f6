/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctjoin against a real "container" made by the test: a process in new pid,
 * uts, net, ipc and mount namespaces, in a cgroup of its own, with a smaller
 * bounding set and a seccomp filter, chrooted into a tmpfs. A process made
 * with ctjoin_pid_namespace/enter/restrict must have all of that, and
 * nothing of the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "lib/ocihooks/ctjoin.h"
#include "testutil.h"

#define DENIED_ERRNO 122 /* EDQUOT: mkdir in the "container" */
#define CAP_DROPPED  16	 /* CAP_SYS_MODULE */

static char cgroup_dir[PATH_MAX];

/* The cgroup2 mount of this host, or "" (then the test goes without a cgroup of its own). */
static void cgroup2_root(char *ret, size_t size)
{
	struct stat st;

	if (stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0)
		snprintf(ret, size, "/sys/fs/cgroup/unified");
	else if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		snprintf(ret, size, "/sys/fs/cgroup");
	else
		ret[0] = '\0';
}

static int deny_mkdir(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdirat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | DENIED_ERRNO),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* The container's init: set up, then report ready and wait. Never returns. */
static _Noreturn void container_init(const char *dir, int ready)
{
	char procs[PATH_MAX + 32], pid[16];
	int fd;

	if (cgroup_dir[0]) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dir);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
			_exit(3);
		close(fd);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, NULL) < 0 || chdir(dir) < 0 ||
	    mkdir("marker", 0755) < 0 || chroot(".") < 0 || sethostname("inside", 6) < 0 ||
	    prctl(PR_CAPBSET_DROP, CAP_DROPPED, 0, 0, 0) < 0 || deny_mkdir() < 0)
		_exit(4);
	if (write(ready, "x", 1) != 1)
		_exit(5);
	for (;;)
		pause();
}

/* The container: its pid (in our namespace). */
static pid_t container(const char *dir)
{
	char root[PATH_MAX], c;
	int ready[2], pid_pipe[2], status;
	pid_t outer, init;

	cgroup2_root(root, sizeof(root));
	cgroup_dir[0] = '\0';
	if (root[0]) {
		snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/lxcri-unit-%d", root, (int)getpid());
		ck_assert_int_eq(mkdir(cgroup_dir, 0755), 0);
	}
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(pid_pipe), 0);
	outer = fork();
	ck_assert_int_ge(outer, 0);
	if (outer == 0) {
		/* The pid namespace is for the children: the init is one. */
		if (unshare(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC |
			    CLONE_NEWNS) < 0)
			_exit(1);
		init = fork();
		if (init < 0)
			_exit(2);
		if (init == 0)
			container_init(dir, ready[1]);
		/* Tell the test the init's pid, as our namespace numbers it. */
		if (write(pid_pipe[1], &init, sizeof(init)) != sizeof(init))
			_exit(6);
		waitpid(init, &status, 0);
		_exit(0);
	}
	close(ready[1]);
	close(pid_pipe[1]);
	ck_assert_int_eq(read(pid_pipe[0], &init, sizeof(init)), (ssize_t)sizeof(init));
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(pid_pipe[0]);
	return init;
}

static void container_end(pid_t init)
{
	kill(init, SIGKILL);
	while (wait(NULL) > 0)
		;
	if (cgroup_dir[0])
		(void)rmdir(cgroup_dir);
}

static char *proc_text(pid_t pid, const char *what)
{
	char path[64], *text = NULL;
	size_t size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	f = fopen(path, "re");
	ck_assert_msg(f, "cannot open %s", path);
	ck_assert_int_ge(getdelim(&text, &size, '\0', f), 0);
	fclose(f);
	return text;
}

static bool running_as_root(const char *test)
{
	if (geteuid() == 0)
		return true;
	test_skip(test, "needs root");
	return false;
}

/*
 * What the hook's process has, as it reports it: /proc/self/status and
 * /proc/self/cgroup (read through an fd of its /proc/self opened before it
 * entered: the container has no /proc), then "mkdir=<errno> kill=<errno>
 * marker=<0|1>", NUL-separated.
 */
static void hook_process(struct ctjoin *j, pid_t outsider, int out)
{
	int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
	char buf[16384], line[128];
	ssize_t n;

	if (self < 0 || ctjoin_enter(j) < 0 || ctjoin_restrict(j) < 0)
		_exit(10);
	for (const char *const *f = (const char *const[]){ "status", "cgroup", NULL }; *f; f++) {
		fd = openat(self, *f, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		if (n < 0 || write(out, buf, (size_t)n) != n || write(out, "", 1) != 1)
			_exit(11);
		close(fd);
	}
	errno = 0;
	int mkdir_errno = mkdir("/made", 0755) < 0 ? errno : 0;
	int kill_errno = kill(outsider, 0) < 0 ? errno : 0;
	snprintf(line, sizeof(line), "mkdir=%d kill=%d marker=%d", mkdir_errno, kill_errno,
		 access("/marker", F_OK) == 0);
	if (write(out, line, strlen(line) + 1) < 0)
		_exit(12);
	_exit(0);
}

/* Runs a hook's process the way lib/ocihooks/hookrun does: forked from a process in the pid ns. */
static char *run_hook_process(struct ctjoin *j, pid_t outsider, size_t *ret_size)
{
	static char out[65536];
	size_t got = 0;
	int p[2], status;
	pid_t session;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	session = fork();
	ck_assert_int_ge(session, 0);
	if (session == 0) {
		pid_t hook;

		close(p[0]);
		if (ctjoin_pid_namespace(j) < 0)
			_exit(20);
		hook = fork();
		if (hook < 0)
			_exit(21);
		if (hook == 0)
			hook_process(j, outsider, p[1]);
		waitpid(hook, &status, 0);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 22);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	ck_assert_int_eq(waitpid(session, &status, 0), session);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hook process: status %d",
		      status);
	*ret_size = got;
	return out;
}

static const char *field(const char *status, const char *key, char *buf, size_t size)
{
	const char *p = strstr(status, key);

	ck_assert_msg(p, "no %s in status", key);
	p += strlen(key);
	p += strspn(p, ":\t ");
	snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

START_TEST(test_hook_is_a_process_of_the_container)
{
	struct lxcri_error err = {};
	struct ctjoin j = CTJOIN_INIT;
	char dir[] = "/tmp/ctjoin-root-XXXXXX", a[128], b[128];
	_cleanup_free_ char *ct_status = NULL, *ct_cgroup = NULL;
	const char *status, *cgroup, *facts;
	size_t size = 0;
	pid_t ct;

	if (!running_as_root(__func__))
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ct = container(dir);
	ct_status = proc_text(ct, "status");
	ct_cgroup = proc_text(ct, "cgroup");
	ck_assert_msg(ctjoin_open(ct, &j, &err) == 0, "%s", err.message);
	ck_assert(j.ns_flags & CLONE_NEWPID);
	ck_assert(j.ns_flags & CLONE_NEWNET);
	ck_assert(!(j.ns_flags & CLONE_NEWUSER));
	ck_assert_uint_eq(j.n_filters, 1);
	ck_assert(!(j.bounding & (1ULL << CAP_DROPPED)));

	status = run_hook_process(&j, getpid(), &size);
	cgroup = status + strlen(status) + 1;
	facts = cgroup + strlen(cgroup) + 1;
	ck_assert(facts < status + size);
	/* In the container's pid namespace: a pid there as well as here. */
	ck_assert_int_eq(strchr(field(status, "NSpid", a, sizeof(a)), '\t') != NULL, 1);
	ck_assert_str_eq(field(status, "CapBnd", a, sizeof(a)),
			 field(ct_status, "CapBnd", b, sizeof(b)));
	ck_assert_str_eq(field(status, "Seccomp_filters", a, sizeof(a)), "1");
	ck_assert_str_eq(field(status, "NoNewPrivs", a, sizeof(a)), "1");
	ck_assert_str_eq(cgroup, ct_cgroup);
	/* The filter denies what it denies the container; the host's processes are out of
	 * sight; "/" is the container's. */
	ck_assert_str_eq(facts, "mkdir=122 kill=3 marker=1");
	ctjoin_close(&j);
	ck_assert_int_eq(j.pidfd, -1);
	container_end(ct);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_open_a_gone_process)
{
	struct lxcri_error err = {};
	struct ctjoin j = CTJOIN_INIT;
	pid_t gone = fork();

	ck_assert_int_ge(gone, 0);
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	ck_assert_int_eq(ctjoin_open(gone, &j, &err), -ESRCH);
	ck_assert_ptr_nonnull(strstr(err.message, "pid"));
	ck_assert_int_eq(j.pidfd, -1);
	ck_assert_int_eq(ctjoin_open(0, &j, &err), -EINVAL);
}
END_TEST

START_TEST(test_status_and_labels)
{
	const char *status = "Name:\tinit\nCapBnd:\t000001fcfcfeffff\nSeccomp:\t2\n";
	uint64_t v = 0;
	char *label = NULL;

	ck_assert_int_eq(ctjoin_status_hex(status, "CapBnd", &v), 0);
	ck_assert_uint_eq(v, 0x000001fcfcfeffffULL);
	ck_assert_int_eq(ctjoin_status_hex(status, "CapEff", &v), -ENOENT);
	ck_assert_int_eq(ctjoin_status_hex("CapBnd:\tzz\n", "CapBnd", &v), -EINVAL);
	/* "Cap" is not "CapBnd": the whole key only. */
	ck_assert_int_eq(ctjoin_status_hex("CapBndX:\t1\n", "CapBnd", &v), -ENOENT);

	ck_assert_int_eq(ctjoin_label_parse("lxc-container-default-cgns (enforce)\n", &label), 0);
	ck_assert_str_eq(label, "lxc-container-default-cgns");
	free(label);
	ck_assert_int_eq(
	    ctjoin_label_parse("lxc-105_</var/lib/lxc>//&:lxc-105_<-var-lib-lxc>:unconfined "
			       "(enforce)\n",
			       &label),
	    0);
	ck_assert_str_eq(label, "lxc-105_</var/lib/lxc>//&:lxc-105_<-var-lib-lxc>:unconfined");
	free(label);
	ck_assert_int_eq(ctjoin_label_parse("unconfined\n", &label), 0);
	ck_assert_str_eq(label, "unconfined");
	free(label);
	/* SELinux gives the context with a NUL. */
	ck_assert_int_eq(ctjoin_label_parse("system_u:system_r:container_t:s0:c1,c2", &label), 0);
	ck_assert_str_eq(label, "system_u:system_r:container_t:s0:c1,c2");
	free(label);
	ck_assert_int_eq(ctjoin_label_parse("", &label), 0);
	ck_assert_ptr_null(label);
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
	ck_assert_int_eq(ctjoin_wait_exec(pid, 50), 0);
	ck_assert_int_eq(write(go[1], &c, 1), 1);
	ck_assert_int_eq(ctjoin_wait_exec(pid, 5000), 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(ctjoin_wait_exec(pid, 50), -ESRCH);
	close(go[1]);
}
END_TEST

static Suite *ctjoin_suite(void)
{
	Suite *s = suite_create("ctjoin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_hook_is_a_process_of_the_container);
	tcase_add_test(tc, test_open_a_gone_process);
	tcase_add_test(tc, test_status_and_labels);
	tcase_add_test(tc, test_wait_exec);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ctjoin_suite)
