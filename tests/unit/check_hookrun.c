/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hookrun against real PAM modules, through pam_wrapper (pamtest.h): main()
 * re-executes this binary with libpam_wrapper.so preloaded and
 * PAM_WRAPPER=1; each test writes its service files to a directory of its
 * own and points PAM_WRAPPER_SERVICE_DIR at it (pam_wrapper copies it at
 * the first pam_start of each process). The hooks are this binary again, in the
 * helper mode named by HOOKRUN_TEST_MODE (only the exec_fd test runs a
 * /bin/sh script, as a script needs its fd kept open).
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "pamtest.h"
#include "testutil.h"

#include "lib/ocihooks/hookrun.h"

#define SELF	     "/proc/self/exe"
#define MODE_VAR     "HOOKRUN_TEST_MODE"
#define ARG_VAR	     "HOOKRUN_TEST_ARG"
#define SERVICE	     PAMTEST_SERVICE
#define FINISH_MS    20000
#define NOBODY_UID   65534u
#define BIG_STDIN_KB 100

/* ---- the hook: this binary in a helper mode ---- */

static uint32_t fnv1a(uint32_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static void print_stdin(bool slowly)
{
	char buf[4096];
	uint32_t h = 2166136261u;
	size_t total = 0;
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0) {
		h = fnv1a(h, buf, (size_t)n);
		total += (size_t)n;
		if (slowly)
			usleep(2000);
	}
	dprintf(1, "stdin=%zu %08x\n", total, h);
}

static void print_groups(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		char *p = line + 7, *end = p + strlen(p);
		while (*p == ' ' || *p == '\t')
			p++;
		while (end > p && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		dprintf(1, "groups=%s\n", p);
	}
	if (f)
		fclose(f);
}

static void print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char list[512] = "";

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		size_t n = strlen(list);
		snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "", de->d_name);
	}
	if (d)
		closedir(d);
	dprintf(1, "fds=%s\n", list);
}

static void report(int argc, char **argv)
{
	extern char **environ;
	struct rlimit rl;
	char cwd[PATH_MAX];
	mode_t mask = umask(0);

	getrlimit(RLIMIT_NOFILE, &rl);
	dprintf(1, "uid=%u euid=%u gid=%u egid=%u\n", (unsigned)getuid(), (unsigned)geteuid(),
		(unsigned)getgid(), (unsigned)getegid());
	print_groups();
	dprintf(1, "nofile=%llu/%llu\n", (unsigned long long)rl.rlim_cur,
		(unsigned long long)rl.rlim_max);
	dprintf(1, "umask=%04o\n", (unsigned)mask);
	dprintf(1, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	print_fds();
	for (int i = 0; i < argc; i++)
		dprintf(1, "arg=%s\n", argv[i]);
	for (char **e = environ; *e; e++)
		dprintf(1, "env=%s\n", *e);
	print_stdin(false);
}

/* Prints its pid and that of a child of its own, then sleeps; both should be killed. */
static void sleep_tree(void)
{
	pid_t child = fork();

	if (child == 0) {
		sleep(60);
		_exit(0);
	}
	dprintf(1, "%d %d\n", (int)getpid(), (int)child);
	sleep(60);
}

static _Noreturn void hook_main(int argc, char **argv)
{
	const char *mode = getenv(MODE_VAR), *arg = getenv(ARG_VAR);

	if (strcmp(mode, "report") == 0) {
		report(argc, argv);
	} else if (strcmp(mode, "exit") == 0) {
		_exit(arg ? atoi(arg) : 0);
	} else if (strcmp(mode, "kill") == 0) {
		kill(getpid(), SIGKILL);
	} else if (strcmp(mode, "marker") == 0) {
		int fd = open(arg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		_exit(fd < 0 ? 1 : 0);
	} else if (strcmp(mode, "slow-stdin") == 0) {
		print_stdin(true);
	} else if (strcmp(mode, "ignore-stdin") == 0) {
		usleep(arg ? (useconds_t)atoi(arg) * 1000 : 0);
		dprintf(1, "done\n");
	} else if (strcmp(mode, "sleep-tree") == 0) {
		sleep_tree();
	} else {
		_exit(99);
	}
	/* No leak check: it would run as the hook's user, under its limits. */
	_exit(0);
}

/* ---- test set-up ---- */

static char *tmp;

static void tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmp, name);
}

static void setup(void)
{
	tmp = test_tmpdir();
	/* Hooks that run as nobody read and write in it. */
	ck_assert_int_eq(chmod(tmp, 0777), 0);
	pamtest_setup(tmp);
}

static void teardown(void)
{
	test_rm_rf(tmp);
	free(tmp);
	tmp = NULL;
	pamtest_remove_copies();
}

/* A spec for this binary as the hook, in mode (and arg), under SERVICE. */
static struct hookrun_spec hook_spec(const char *user, char **env)
{
	return (struct hookrun_spec){
		.service = SERVICE,
		.user = user,
		.path = SELF,
		.env = env,
		.timeout_ms = FINISH_MS,
	};
}

static void run_ok(const struct hookrun_spec *spec, struct hookrun_result *res)
{
	struct lxcri_error err = { 0 };
	int r = hookrun_run(spec, res, &err);

	ck_assert_msg(r == 0, "hookrun_run: %d %s", r, err.message);
	ck_assert_msg(res->exited && res->status == 0, "hook: exited %d status %d signal %d: %s",
		      res->exited, res->status, res->signal, res->err);
}

/* Runs spec, which must fail with r and a message that contains text. */
static void run_fails(const struct hookrun_spec *spec, int r, const char *text)
{
	struct hookrun_result res;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(hookrun_run(spec, &res, &err), r);
	ck_assert_int_eq(err.code, r);
	ck_assert_msg(strstr(err.message, text), "want '%s' in: %s", text, err.message);
	ck_assert(!res.exited && res.signal == 0 && res.out[0] == '\0');
}

static bool has_line(const char *out, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = out; (p = strstr(p, line)); p += n)
		if ((p == out || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* The lines of out that start with prefix, each with its newline. */
static void lines_with(const char *out, const char *prefix, char *buf, size_t size)
{
	size_t n = strlen(prefix);

	buf[0] = '\0';
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (strncmp(p, prefix, n) == 0) {
			size_t used = strlen(buf);
			snprintf(buf + used, size - used, "%.*s", (int)len, p);
		}
		p += len;
	}
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- tests ---- */

START_TEST(test_account_denied)
{
	const char *const lines[] = { "account required pam_deny.so",
				      "session required pam_permit.so", NULL };
	char marker[PATH_MAX], arg[PATH_MAX + 16];
	char *env[] = { (char *)MODE_VAR "=marker", arg, NULL };
	struct hookrun_spec spec = hook_spec("root", env);
	struct hookrun_result res;

	pamtest_write_service(SERVICE, lines);
	tmp_path(marker, sizeof(marker), "ran");
	snprintf(arg, sizeof(arg), ARG_VAR "=%s", marker);

	run_fails(&spec, -EACCES,
		  "PAM account check of user 'root' for service '" SERVICE
		  "' failed: Authentication failure");
	ck_assert(!file_exists(marker));

	/* The same hook where the account is allowed: the marker shows that it would run. */
	pamtest_write_service(SERVICE, pamtest_permit_all);
	run_ok(&spec, &res);
	ck_assert(file_exists(marker));
}
END_TEST

START_TEST(test_session_denied)
{
	const char *const lines[] = { "account required pam_permit.so",
				      "session required pam_deny.so", NULL };
	char *env[] = { (char *)MODE_VAR "=exit", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);

	pamtest_write_service(SERVICE, lines);
	run_fails(&spec, -EACCES,
		  "Opening a PAM session of user 'nobody' for service '" SERVICE "' failed: ");
}
END_TEST

START_TEST(test_session_limits)
{
	char limits[PATH_MAX], line[PATH_MAX + 64];
	const char *const lines[] = { "account required pam_permit.so", line, NULL };
	char *env[] = { (char *)MODE_VAR "=report", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct hookrun_result res;
	struct rlimit before, after;
	mode_t mask;

	tmp_path(limits, sizeof(limits), "limits.conf");
	test_write_file(limits, "nobody soft nofile 123\nnobody hard nofile 123\n");
	snprintf(line, sizeof(line), "session required pam_limits.so conf=%s", limits);
	pamtest_write_service(SERVICE, lines);

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &before), 0);
	mask = umask(077);
	run_ok(&spec, &res);
	ck_assert_msg(has_line(res.out, "nofile=123/123"), "%s", res.out);
	ck_assert_msg(has_line(res.out, "umask=0022"), "%s", res.out);

	/* The session's limits were the hook's, not its caller's. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &after), 0);
	ck_assert_uint_eq(after.rlim_cur, before.rlim_cur);
	ck_assert_uint_eq(after.rlim_max, before.rlim_max);
	ck_assert_uint_eq(umask(mask), 077);
}
END_TEST

START_TEST(test_session_env)
{
	char conf[PATH_MAX], line[PATH_MAX + 64], lines_out[4096];
	const char *const lines[] = { "account required pam_permit.so", line, NULL };
	char *env[] = { (char *)MODE_VAR "=report", (char *)"FOO=mine", (char *)"A=1", NULL };
	char *no_foo[] = { (char *)MODE_VAR "=report", NULL };
	struct hookrun_spec spec = hook_spec("root", env);
	struct hookrun_result res;

	tmp_path(conf, sizeof(conf), "pam_env.conf");
	test_write_file(conf, "FOO DEFAULT=bar\nBAR DEFAULT=baz\n");
	snprintf(line, sizeof(line),
		 "session required pam_env.so readenv=0 user_readenv=0 conffile=%s", conf);
	pamtest_write_service(SERVICE, lines);

	/* The hook's FOO wins over PAM's; PAM's BAR is added after the hook's own. */
	run_ok(&spec, &res);
	lines_with(res.out, "env=", lines_out, sizeof(lines_out));
	ck_assert_str_eq(lines_out,
			 "env=" MODE_VAR "=report\nenv=FOO=mine\nenv=A=1\nenv=BAR=baz\n");

	spec.env = no_foo;
	run_ok(&spec, &res);
	lines_with(res.out, "env=", lines_out, sizeof(lines_out));
	ck_assert_str_eq(lines_out, "env=" MODE_VAR "=report\nenv=FOO=bar\nenv=BAR=baz\n");
}
END_TEST

START_TEST(test_user_nobody)
{
	char *env[] = { (char *)MODE_VAR "=report", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct hookrun_result res;
	struct passwd *pw = getpwnam("nobody");
	gid_t groups[64], mine[256];
	int n = ELEMENTSOF(groups), n_mine;
	char expect[1024] = "groups=", ids[128];

	ck_assert_ptr_nonnull(pw);
	ck_assert_int_eq(pw->pw_uid, NOBODY_UID);
	ck_assert_int_ge(getgrouplist("nobody", pw->pw_gid, groups, &n), 0);
	for (int i = 0; i < n; i++) {
		size_t used = strlen(expect);
		snprintf(expect + used, sizeof(expect) - used, "%s%u", i ? " " : "",
			 (unsigned)groups[i]);
	}
	snprintf(ids, sizeof(ids), "uid=%u euid=%u gid=%u egid=%u", NOBODY_UID, NOBODY_UID,
		 (unsigned)pw->pw_gid, (unsigned)pw->pw_gid);
	pamtest_write_service(SERVICE, pamtest_permit_all);
	n_mine = getgroups(ELEMENTSOF(mine), mine);

	run_ok(&spec, &res);
	ck_assert_uint_eq(res.uid, NOBODY_UID);
	ck_assert_uint_eq(res.gid, pw->pw_gid);
	ck_assert_msg(has_line(res.out, ids), "%s", res.out);
	/* Exactly nobody's groups: none of root's. */
	ck_assert_msg(has_line(res.out, expect), "want %s in:\n%s", expect, res.out);

	/* The same user by number. */
	spec.user = "65534";
	run_ok(&spec, &res);
	ck_assert_msg(has_line(res.out, ids), "%s", res.out);
	ck_assert_msg(has_line(res.out, expect), "%s", res.out);

	/* The caller kept its own groups. */
	ck_assert_int_eq(getgroups(ELEMENTSOF(mine), mine), n_mine);
	ck_assert_int_eq(getuid(), 0);
}
END_TEST

START_TEST(test_args_env_exact)
{
	char *args[] = { (char *)"custom-argv0", (char *)"two words", (char *)"", (char *)"--x",
			 NULL };
	char *env[] = { (char *)MODE_VAR "=report", (char *)"A=1", (char *)"B=two=three",
			(char *)"EMPTY=", NULL };
	struct hookrun_spec spec = hook_spec(NULL, env);
	struct hookrun_result res;
	char got[4096];

	pamtest_write_service(SERVICE, pamtest_permit_all);
	spec.args = args;
	run_ok(&spec, &res);
	ck_assert_uint_eq(res.uid, 0);
	lines_with(res.out, "arg=", got, sizeof(got));
	ck_assert_str_eq(got, "arg=custom-argv0\narg=two words\narg=\narg=--x\n");
	lines_with(res.out, "env=", got, sizeof(got));
	ck_assert_str_eq(got, "env=" MODE_VAR "=report\nenv=A=1\nenv=B=two=three\nenv=EMPTY=\n");
	/* stdin is /dev/null without stdin_data; only 0, 1 and 2 are open. */
	ck_assert_msg(has_line(res.out, "stdin=0 811c9dc5"), "%s", res.out);
	ck_assert_msg(has_line(res.out, "fds=0,1,2"), "%s", res.out);

	/* No args: argv is { path }. */
	spec.args = NULL;
	run_ok(&spec, &res);
	lines_with(res.out, "arg=", got, sizeof(got));
	ck_assert_str_eq(got, "arg=" SELF "\n");
}
END_TEST

static char *big_state(size_t size)
{
	char *b = malloc(size + 1);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < size; i++)
		b[i] = (char)('a' + (i * 7 + i / 251) % 26);
	b[size] = '\0';
	return b;
}

START_TEST(test_stdin_state)
{
	const size_t size = BIG_STDIN_KB * 1024;
	_cleanup_free_ char *state = big_state(size);
	char *slow[] = { (char *)MODE_VAR "=slow-stdin", NULL };
	char *ignore[] = { (char *)MODE_VAR "=ignore-stdin", (char *)ARG_VAR "=300", NULL };
	char *ignore_now[] = { (char *)MODE_VAR "=ignore-stdin", NULL };
	struct hookrun_spec spec = hook_spec("nobody", slow);
	struct hookrun_result res;
	char want[64];

	pamtest_write_service(SERVICE, pamtest_permit_all);
	spec.stdin_data = "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"created\"}";
	run_ok(&spec, &res);
	snprintf(want, sizeof(want), "stdin=%zu %08x", strlen(spec.stdin_data),
		 fnv1a(2166136261u, spec.stdin_data, strlen(spec.stdin_data)));
	ck_assert_msg(has_line(res.out, want), "%s", res.out);

	/* 100 KiB, read slowly: intact. */
	spec.stdin_data = state;
	run_ok(&spec, &res);
	snprintf(want, sizeof(want), "stdin=%zu %08x", size, fnv1a(2166136261u, state, size));
	ck_assert_msg(has_line(res.out, want), "%s", res.out);

	/* Not read at all, by a hook that keeps running, or exits at once: no deadlock. */
	spec.env = ignore;
	spec.timeout_ms = 10000;
	run_ok(&spec, &res);
	ck_assert(!res.timed_out);
	ck_assert_str_eq(res.out, "done\n");
	spec.env = ignore_now;
	run_ok(&spec, &res);
	ck_assert_str_eq(res.out, "done\n");
}
END_TEST

/* Dead: gone from /proc, or a zombie waiting for init. */
static bool pid_dead(pid_t pid)
{
	char path[64], state = 'X';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	/* "<pid> (<comm>) <state> ...": the hooks' comm ("exe") has no space. */
	if (fscanf(f, "%*d %*s %c", &state) != 1)
		state = 'X';
	fclose(f);
	return state == 'Z' || state == 'X';
}

static bool wait_dead(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10 && !pid_dead(pid); i++)
		usleep(10000);
	return pid_dead(pid);
}

START_TEST(test_timeout_kills_group)
{
	char *env[] = { (char *)MODE_VAR "=sleep-tree", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct hookrun_result res;
	struct lxcri_error err = { 0 };
	int hook = 0, grandchild = 0;

	pamtest_write_service(SERVICE, pamtest_permit_all);
	spec.timeout_ms = 500;
	ck_assert_int_eq(hookrun_run(&spec, &res, &err), 0);
	ck_assert(res.timed_out);
	ck_assert(!res.exited);
	ck_assert_int_eq(res.signal, SIGKILL);
	ck_assert_uint_ge(res.duration_ms, 500);
	ck_assert_uint_lt(res.duration_ms, 3000);
	ck_assert_int_eq(sscanf(res.out, "%d %d", &hook, &grandchild), 2);
	ck_assert(wait_dead(hook, 2000));
	ck_assert(wait_dead(grandchild, 2000));
}
END_TEST

START_TEST(test_exit_status_and_signal)
{
	char *exit7[] = { (char *)MODE_VAR "=exit", (char *)ARG_VAR "=7", NULL };
	char *killed[] = { (char *)MODE_VAR "=kill", NULL };
	struct hookrun_spec spec = hook_spec("nobody", exit7);
	struct hookrun_result res;
	struct lxcri_error err = { 0 };

	pamtest_write_service(SERVICE, pamtest_permit_all);
	ck_assert_int_eq(hookrun_run(&spec, &res, &err), 0);
	ck_assert(res.exited);
	ck_assert_int_eq(res.status, 7);
	ck_assert_int_eq(res.signal, 0);
	ck_assert(!res.timed_out);

	spec.env = killed;
	ck_assert_int_eq(hookrun_run(&spec, &res, &err), 0);
	ck_assert(!res.exited);
	ck_assert_int_eq(res.signal, SIGKILL);
	ck_assert(!res.timed_out);
}
END_TEST

START_TEST(test_bad_executable)
{
	char *env[] = { (char *)MODE_VAR "=exit", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	char want[PATH_MAX + 64];
	char path[PATH_MAX];

	pamtest_write_service(SERVICE, pamtest_permit_all);
	spec.path = "/nonexistent/lxcri-hook";
	run_fails(&spec, -ENOENT, "'/nonexistent/lxcri-hook': No such file or directory");

	tmp_path(path, sizeof(path), "not-executable");
	test_write_file(path, "#!/bin/sh\nexit 0\n");
	ck_assert_int_eq(chmod(path, 0644), 0);
	spec.path = path;
	snprintf(want, sizeof(want), "'%s': Permission denied", path);
	run_fails(&spec, -EACCES, want);

	spec.path = "relative/hook";
	run_fails(&spec, -EINVAL, "'relative/hook' is not absolute");
}
END_TEST

START_TEST(test_unknown_user)
{
	char *env[] = { (char *)MODE_VAR "=exit", NULL };
	struct hookrun_spec spec = hook_spec("lxcri-no-such-user", env);

	pamtest_write_service(SERVICE, pamtest_permit_all);
	run_fails(&spec, -ESRCH, "Unknown user 'lxcri-no-such-user': not in the passwd database");
	spec.user = "3999999999";
	run_fails(&spec, -ESRCH, "Unknown user '3999999999'");
}
END_TEST

START_TEST(test_exec_fd)
{
	char *env[] = { (char *)MODE_VAR "=report", NULL };
	char *args[] = { (char *)"hook-in-container", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct hookrun_result res;
	char script[PATH_MAX], got[256];
	/* Neither close-on-exec: none of it may reach the hook. */
	_cleanup_close_ int self = open(SELF, O_RDONLY);
	_cleanup_close_ int stray = open("/dev/null", O_RDONLY);
	_cleanup_close_ int script_fd = -1;

	ck_assert_int_ge(self, 3);
	ck_assert_int_ge(stray, 3);
	pamtest_write_service(SERVICE, pamtest_permit_all);
	/* path only names it: it does not exist here. */
	spec.path = "/usr/libexec/oci/hook-in-container";
	spec.args = args;
	spec.exec_fd = self;
	run_ok(&spec, &res);
	lines_with(res.out, "arg=", got, sizeof(got));
	ck_assert_str_eq(got, "arg=hook-in-container\n");
	ck_assert_msg(has_line(res.out, "fds=0,1,2"), "%s", res.out);
	ck_assert_uint_eq(res.uid, NOBODY_UID);

	/* A script: its interpreter reads it through /dev/fd, so the fd stays open for it. */
	tmp_path(script, sizeof(script), "script");
	test_write_file(script, "#!/bin/sh\necho \"script ran as $(id -u)\"\n");
	ck_assert_int_eq(chmod(script, 0755), 0);
	script_fd = open(script, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(script_fd, 3);
	spec.exec_fd = script_fd;
	spec.args = NULL;
	spec.env = (char *[]){ (char *)"PATH=/usr/bin:/bin", NULL };
	run_ok(&spec, &res);
	ck_assert_str_eq(res.out, "script ran as 65534\n");

	/* Not executable: the error names the hook's path. */
	ck_assert_int_eq(chmod(script, 0644), 0);
	run_fails(&spec, -EACCES,
		  "Failed to execute hook '/usr/libexec/oci/hook-in-container' (from fd");
}
END_TEST

struct in_child_data {
	const char *dir;
	int fail; /* returned instead of doing anything */
};

static int in_child_chdir(void *arg)
{
	const struct in_child_data *d = arg;
	char marker[PATH_MAX];
	int fd;

	if (d->fail)
		return d->fail;
	/* Still root: the marker is root's, in a place nobody could not write to. */
	snprintf(marker, sizeof(marker), "%s/root-only/in-child", d->dir);
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return chdir(d->dir) < 0 ? -errno : 0;
}

START_TEST(test_in_child)
{
	char *env[] = { (char *)MODE_VAR "=report", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct in_child_data data = { 0 };
	struct hookrun_result res;
	char dir[PATH_MAX], marker[PATH_MAX], cwd[PATH_MAX + 8];
	struct stat st;

	pamtest_write_service(SERVICE, pamtest_permit_all);
	tmp_path(dir, sizeof(dir), "root-only");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	tmp_path(marker, sizeof(marker), "root-only/in-child");
	data.dir = tmp;
	spec.in_child = in_child_chdir;
	spec.in_child_arg = &data;

	run_ok(&spec, &res);
	ck_assert_int_eq(stat(marker, &st), 0);
	ck_assert_uint_eq(st.st_uid, 0);
	snprintf(cwd, sizeof(cwd), "cwd=%s", tmp);
	ck_assert_msg(has_line(res.out, cwd), "%s", res.out);
	ck_assert_msg(has_line(res.out, "uid=65534 euid=65534 gid=65534 egid=65534"), "%s",
		      res.out);

	data.fail = -EPERM;
	run_fails(&spec, -EPERM,
		  "Failed to prepare the process of hook '" SELF "': Operation not permitted");
}
END_TEST

struct callbacks_data {
	const char *dir;
	int session_fail, exec_fail;
};

/* In the session process: what it does there, its children inherit (a cwd here). */
static int in_session_chdir(void *arg)
{
	const struct callbacks_data *d = arg;

	if (d->session_fail)
		return d->session_fail;
	return chdir(d->dir) < 0 ? -errno : 0;
}

/* Last before exec: the hook's process has the user's ids by then. */
static int before_exec_check_ids(void *arg)
{
	const struct callbacks_data *d = arg;

	if (d->exec_fail)
		return d->exec_fail;
	return getuid() == 65534 && geteuid() == 65534 && getgid() == 65534 ? 0 : -EPERM;
}

START_TEST(test_in_session_and_before_exec)
{
	char *env[] = { (char *)MODE_VAR "=report", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct callbacks_data data = { .dir = tmp };
	struct hookrun_result res;
	char cwd[PATH_MAX + 8];

	pamtest_write_service(SERVICE, pamtest_permit_all);
	spec.in_session = in_session_chdir;
	spec.before_exec = before_exec_check_ids;
	spec.in_child_arg = &data;
	run_ok(&spec, &res);
	snprintf(cwd, sizeof(cwd), "cwd=%s", tmp);
	ck_assert_msg(has_line(res.out, cwd), "%s", res.out);

	data.exec_fail = -EACCES;
	run_fails(&spec, -EACCES,
		  "Failed to confine the process of hook '" SELF "': Permission denied");
	data.session_fail = -EINVAL;
	run_fails(&spec, -EINVAL,
		  "Failed to prepare the session of hook '" SELF "': Invalid argument");
}
END_TEST

/* The service as shipped (hooks/pam.d/lxcri-hook), with a permissive common-account. */
START_TEST(test_shipped_service)
{
	char *env[] = { (char *)MODE_VAR "=report", NULL };
	struct hookrun_spec spec = hook_spec("nobody", env);
	struct hookrun_result res;
	char path[PATH_MAX], text[8192], account[PATH_MAX + 64];
	FILE *f = fopen("hooks/pam.d/lxcri-hook", "re");
	size_t n;

	ck_assert_msg(f, "run from the top of the source tree: hooks/pam.d/lxcri-hook: %s",
		      strerror(errno));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	snprintf(path, sizeof(path), "%s/" HOOKRUN_SERVICE, pamtest_dir);
	test_write_file(path, text);
	snprintf(path, sizeof(path), "%s/common-account", pamtest_dir);
	snprintf(account, sizeof(account), "account required %s/pam_permit.so\n",
		 pamtest_module_dir);
	test_write_file(path, account);

	spec.service = NULL;
	run_ok(&spec, &res);
	ck_assert_msg(has_line(res.out, "uid=65534 euid=65534 gid=65534 egid=65534"), "%s",
		      res.out);
	/* No pam_env in it: the hook's environment exactly. */
	ck_assert_msg(strstr(res.out, "\nenv=" MODE_VAR "=report\nstdin="), "%s", res.out);
}
END_TEST

static Suite *hookrun_suite(void)
{
	Suite *s = suite_create("hookrun");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_account_denied);
	tcase_add_test(tc, test_session_denied);
	tcase_add_test(tc, test_session_limits);
	tcase_add_test(tc, test_session_env);
	tcase_add_test(tc, test_user_nobody);
	tcase_add_test(tc, test_args_env_exact);
	tcase_add_test(tc, test_stdin_state);
	tcase_add_test(tc, test_timeout_kills_group);
	tcase_add_test(tc, test_exit_status_and_signal);
	tcase_add_test(tc, test_bad_executable);
	tcase_add_test(tc, test_unknown_user);
	tcase_add_test(tc, test_exec_fd);
	tcase_add_test(tc, test_in_child);
	tcase_add_test(tc, test_in_session_and_before_exec);
	tcase_add_test(tc, test_shipped_service);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- main: the hook, or the suite under pam_wrapper ---- */

int main(int argc, char **argv)
{
	if (getenv(MODE_VAR))
		hook_main(argc, argv);
	return pamtest_main(argv, hookrun_suite);
}
