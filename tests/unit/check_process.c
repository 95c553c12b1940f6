/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "testutil.h"

#include "lib/basic/process.h"

/* Every test runs twice: _i == 0 with pidfd_open(), _i == 1 without. */
#define MODE_SETUP() process_force_pidfd_fallback(_i == 1)

#define SHOULD_FINISH_MS    20000
#define SHOULD_BE_KILLED_MS 300

static int run_argv(struct process_result *res, struct lxcri_error *err, char *const *argv,
		    char *const *envp, uint64_t timeout_ms)
{
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.envp = envp,
		.timeout_ms = timeout_ms,
	};
	return process_run(&spec, res, err);
}

static int run_sh(struct process_result *res, const char *script, uint64_t timeout_ms)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };
	char *envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	struct lxcri_error err = { 0 };
	int r = run_argv(res, &err, argv, envp, timeout_ms);

	ck_assert_msg(r == 0, "process_run: %d %s", r, err.message);
	return r;
}

/* Dead: gone from /proc, or a zombie waiting for init. */
static bool pid_dead(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p)
		return true;
	p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static bool wait_dead(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (pid_dead(pid))
			return true;
		usleep(10000);
	}
	return pid_dead(pid);
}

/* Children of this process, alive or zombie, found in /proc. */
static int count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[300], buf[512];
		FILE *f;
		char *p;
		int ppid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		if (!p || !(p = strrchr(buf, ')')))
			continue;
		if (sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
			n++;
	}
	closedir(d);
	return n;
}

static char *big_buffer(size_t size)
{
	char *b = malloc(size);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < size; i++)
		b[i] = (char)('a' + (i * 7 + i / 251) % 26);
	return b;
}

START_TEST(test_exit_status)
{
	struct process_result res = { 0 };
	char what[128];

	MODE_SETUP();
	run_sh(&res, "exit 0", SHOULD_FINISH_MS);
	ck_assert(res.exited);
	ck_assert_int_eq(res.exit_status, 0);
	ck_assert_int_eq(res.signal, 0);
	ck_assert(!res.timed_out);
	ck_assert_int_gt(res.pid, 0);
	ck_assert_str_eq(process_result_describe(&res, what, sizeof(what)), "exited with status 0");
	process_result_done(&res);

	run_sh(&res, "exit 3", SHOULD_FINISH_MS);
	ck_assert(res.exited);
	ck_assert_int_eq(res.exit_status, 3);
	ck_assert_str_eq(process_result_describe(&res, what, sizeof(what)), "exited with status 3");
	process_result_done(&res);
}
END_TEST

START_TEST(test_signal_death)
{
	struct process_result res = { 0 };
	char what[128];

	MODE_SETUP();
	run_sh(&res, "kill -KILL $$", SHOULD_FINISH_MS);
	ck_assert(!res.exited);
	ck_assert_int_eq(res.signal, SIGKILL);
	ck_assert(!res.timed_out);
	ck_assert_str_eq(process_result_describe(&res, what, sizeof(what)),
			 "was killed by signal 9 (Killed)");
	process_result_done(&res);
}
END_TEST

START_TEST(test_capture)
{
	struct process_result res = { 0 };

	MODE_SETUP();
	run_sh(&res, "echo out; echo err >&2; printf 'no newline'", SHOULD_FINISH_MS);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "out\nno newline");
	ck_assert_uint_eq(res.out_size, strlen("out\nno newline"));
	ck_assert_str_eq(res.err, "err\n");
	ck_assert_uint_eq(res.err_size, 4);
	ck_assert(!res.out_truncated && !res.err_truncated);
	process_result_done(&res);

	/* Nothing written: empty strings, never NULL. */
	run_sh(&res, "true", SHOULD_FINISH_MS);
	ck_assert_ptr_nonnull(res.out);
	ck_assert_ptr_nonnull(res.err);
	ck_assert_str_eq(res.out, "");
	ck_assert_str_eq(res.err, "");
	process_result_done(&res);
}
END_TEST

START_TEST(test_capture_max)
{
	char *argv[] = { (char *)"/usr/bin/head", (char *)"-c", (char *)"1048576",
			 (char *)"/dev/zero", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.timeout_ms = SHOULD_FINISH_MS,
		.capture_max = 1000,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert(!res.timed_out);
	ck_assert_uint_eq(res.out_size, 1000);
	ck_assert(res.out_truncated);
	ck_assert_int_eq(res.out[1000], '\0');
	process_result_done(&res);

	/* The default limit, on stderr. */
	run_sh(&res, "head -c 1048576 /dev/zero >&2; echo done", SHOULD_FINISH_MS);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_uint_eq(res.err_size, 64 * 1024);
	ck_assert(res.err_truncated);
	ck_assert_str_eq(res.out, "done\n");
	ck_assert(!res.out_truncated);
	process_result_done(&res);
}
END_TEST

START_TEST(test_stdin_cat)
{
	char *argv[] = { (char *)"/usr/bin/cat", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.stdin_data = "hello\nworld\n",
		.stdin_size = 12,
		.timeout_ms = SHOULD_FINISH_MS,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "hello\nworld\n");
	process_result_done(&res);

	/* Empty stdin data, and no stdin data at all (/dev/null): both EOF at once. */
	spec.stdin_data = "";
	spec.stdin_size = 0;
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "");
	process_result_done(&res);
	spec.stdin_data = NULL;
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "");
	process_result_done(&res);
}
END_TEST

START_TEST(test_stdin_large_roundtrip)
{
	const size_t size = 1024 * 1024;
	char *argv[] = { (char *)"/usr/bin/cat", NULL };
	char *data = big_buffer(size);
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.stdin_data = data,
		.stdin_size = size,
		.timeout_ms = SHOULD_FINISH_MS,
		.capture_max = 2 * size,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	/* Both directions at once: writing all of stdin first would deadlock. */
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert(!res.timed_out);
	ck_assert_uint_eq(res.out_size, size);
	ck_assert(memcmp(res.out, data, size) == 0);
	process_result_done(&res);
	free(data);
}
END_TEST

START_TEST(test_stdin_not_read)
{
	const size_t size = 1024 * 1024;
	char *argv_true[] = { (char *)"/usr/bin/true", NULL };
	char *argv_sleep[] = { (char *)"/usr/bin/sleep", (char *)"60", NULL };
	char *data = big_buffer(size);
	struct process_spec spec = {
		.path = argv_true[0],
		.argv = argv_true,
		.stdin_data = data,
		.stdin_size = size,
		.timeout_ms = SHOULD_FINISH_MS,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };
	sigset_t pending;

	MODE_SETUP();
	/* The child exits without reading: EPIPE, and no SIGPIPE for us. */
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert(!res.timed_out);
	ck_assert_uint_lt(res.duration_ms, SHOULD_FINISH_MS / 2);
	process_result_done(&res);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert_int_eq(sigismember(&pending, SIGPIPE), 0);

	/* The child neither reads nor exits: the timeout ends it. */
	spec.path = argv_sleep[0];
	spec.argv = argv_sleep;
	spec.timeout_ms = SHOULD_BE_KILLED_MS;
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.timed_out);
	ck_assert_int_eq(res.signal, SIGKILL);
	process_result_done(&res);
	free(data);
}
END_TEST

START_TEST(test_env_explicit)
{
	char *argv[] = { (char *)"/usr/bin/env", NULL };
	char *envp[] = { (char *)"FOO=bar", (char *)"EMPTY=", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(setenv("LXCRI_UNIT_PARENT_ONLY", "1", 1), 0);
	ck_assert_int_eq(run_argv(&res, &err, argv, envp, SHOULD_FINISH_MS), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "FOO=bar\nEMPTY=\n");
	process_result_done(&res);
}
END_TEST

START_TEST(test_env_empty)
{
	char *argv[] = { (char *)"/usr/bin/env", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(setenv("LXCRI_UNIT_PARENT_ONLY", "1", 1), 0);
	ck_assert_int_eq(run_argv(&res, &err, argv, NULL, SHOULD_FINISH_MS), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "");
	process_result_done(&res);
}
END_TEST

START_TEST(test_timeout_kills_group)
{
	struct process_result res = { 0 };
	char what[128];
	int grandchild = 0;

	MODE_SETUP();
	run_sh(&res, "sleep 60 & echo $!; sleep 60", SHOULD_BE_KILLED_MS);
	ck_assert(res.timed_out);
	ck_assert(!res.exited);
	ck_assert_int_eq(res.signal, SIGKILL);
	ck_assert_uint_ge(res.duration_ms, SHOULD_BE_KILLED_MS);
	ck_assert_uint_lt(res.duration_ms, SHOULD_FINISH_MS);
	ck_assert_str_eq(process_result_describe(&res, what, sizeof(what)),
			 "timed out after 300 ms");
	ck_assert_int_eq(sscanf(res.out, "%d", &grandchild), 1);
	ck_assert_int_gt(grandchild, 1);
	ck_assert_msg(wait_dead(grandchild, 10000), "grandchild %d still alive", grandchild);
	ck_assert(pid_dead(res.pid));
	process_result_done(&res);
}
END_TEST

START_TEST(test_grandchild_holds_pipe)
{
	struct process_result res = { 0 };
	int grandchild = 0;

	MODE_SETUP();
	/* The background sleep keeps stdout and stderr open long after sh exits. */
	run_sh(&res, "sleep 60 & echo $!; echo done; echo bye >&2", SHOULD_FINISH_MS);
	ck_assert(!res.timed_out);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_uint_lt(res.duration_ms, SHOULD_FINISH_MS / 2);
	ck_assert_int_eq(sscanf(res.out, "%d", &grandchild), 1);
	ck_assert_ptr_nonnull(strstr(res.out, "\ndone\n"));
	ck_assert_str_eq(res.err, "bye\n");
	/* The rest of the process group is killed. */
	ck_assert_msg(wait_dead(grandchild, 10000), "grandchild %d still alive", grandchild);
	process_result_done(&res);
}
END_TEST

START_TEST(test_background_job_killed)
{
	struct process_result res = { 0 };
	int grandchild = 0;

	MODE_SETUP();
	/* Let go of our pipes, but still in the child's process group. */
	run_sh(&res, "sleep 60 >/dev/null 2>&1 </dev/null & echo $!", SHOULD_FINISH_MS);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_int_eq(sscanf(res.out, "%d", &grandchild), 1);
	ck_assert_msg(wait_dead(grandchild, 10000), "grandchild %d still alive", grandchild);
	process_result_done(&res);
}
END_TEST

START_TEST(test_new_session_survives)
{
	char *dir = test_tmpdir();
	char script[1024];
	struct process_result res = { 0 };
	int daemon_pid = 0;

	MODE_SETUP();
	/* The pid file is written after setsid(): waiting for it leaves no race. */
	snprintf(script, sizeof(script),
		 "setsid sh -c 'echo $$ >%s/pid.tmp; mv %s/pid.tmp %s/pid; exec sleep 60' "
		 ">/dev/null 2>&1 </dev/null & "
		 "while [ ! -s %s/pid ]; do sleep 0.01; done; cat %s/pid",
		 dir, dir, dir, dir, dir);
	run_sh(&res, script, SHOULD_FINISH_MS);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_int_eq(sscanf(res.out, "%d", &daemon_pid), 1);
	usleep(100000);
	ck_assert_msg(!pid_dead(daemon_pid), "a process in its own session was killed");
	kill(daemon_pid, SIGKILL);
	process_result_done(&res);
	test_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(test_nonexistent_program)
{
	char *argv[] = { (char *)"/nonexistent/lxcri-unit-prog", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(run_argv(&res, &err, argv, NULL, SHOULD_FINISH_MS), -ENOENT);
	ck_assert_int_eq(err.code, -ENOENT);
	ck_assert_str_eq(
	    err.message,
	    "Failed to execute '/nonexistent/lxcri-unit-prog': No such file or directory");
	ck_assert_ptr_null(res.out);
	process_result_done(&res);
	ck_assert_int_eq(count_children(), 0);
}
END_TEST

START_TEST(test_not_executable)
{
	char *dir = test_tmpdir();
	char path[300];
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	snprintf(path, sizeof(path), "%s/script", dir);
	test_write_file(path, "#!/bin/sh\nexit 0\n");
	ck_assert_int_eq(chmod(path, 0644), 0);
	char *argv[] = { path, NULL };
	ck_assert_int_eq(run_argv(&res, &err, argv, NULL, SHOULD_FINISH_MS), -EACCES);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	test_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(test_invalid_spec)
{
	char *argv_rel[] = { (char *)"usr/bin/true", NULL };
	char *argv_bare[] = { (char *)"true", NULL };
	char *argv_true[] = { (char *)"/usr/bin/true", NULL };
	char *argv_empty[] = { NULL };
	struct process_spec spec = { .path = "/usr/bin/true",
				     .argv = argv_empty,
				     .timeout_ms = 1000 };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(run_argv(&res, &err, argv_rel, NULL, SHOULD_FINISH_MS), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "'usr/bin/true'"));
	ck_assert_int_eq(run_argv(&res, &err, argv_bare, NULL, SHOULD_FINISH_MS), -EINVAL);
	ck_assert_int_eq(run_argv(&res, &err, argv_true, NULL, 0), -EINVAL);
	ck_assert_int_eq(process_run(&spec, &res, &err), -EINVAL);
	ck_assert_int_eq(process_run(NULL, &res, &err), -EINVAL);
	ck_assert_int_eq(process_run(&spec, NULL, NULL), -EINVAL);
	ck_assert_int_eq(count_children(), 0);
}
END_TEST

static int setup_chdir(void *userdata)
{
	return chdir((const char *)userdata) < 0 ? -errno : 0;
}

static int setup_fail(void *userdata)
{
	(void)userdata;
	return -EPERM;
}

START_TEST(test_child_setup)
{
	char *dir = test_tmpdir();
	char *argv[] = { (char *)"/usr/bin/pwd", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.timeout_ms = SHOULD_FINISH_MS,
		.child_setup = setup_chdir,
		.userdata = dir,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };
	char cwd_before[PATH_MAX], cwd_after[PATH_MAX], expect[PATH_MAX + 2];

	MODE_SETUP();
	ck_assert_ptr_nonnull(getcwd(cwd_before, sizeof(cwd_before)));
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	snprintf(expect, sizeof(expect), "%s\n", dir);
	ck_assert_str_eq(res.out, expect);
	ck_assert_ptr_nonnull(getcwd(cwd_after, sizeof(cwd_after)));
	ck_assert_str_eq(cwd_before, cwd_after);
	process_result_done(&res);

	spec.child_setup = setup_fail;
	ck_assert_int_eq(process_run(&spec, &res, &err), -EPERM);
	ck_assert_int_eq(err.code, -EPERM);
	ck_assert_str_eq(
	    err.message,
	    "Failed to set up the child process for '/usr/bin/pwd': Operation not permitted");
	ck_assert_ptr_null(res.out);
	ck_assert_int_eq(count_children(), 0);
	test_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(test_fds_not_inherited)
{
	char *argv[] = { (char *)"/usr/bin/ls", (char *)"/proc/self/fd", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };
	int fd = open("/dev/null", O_RDONLY);

	MODE_SETUP();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 42), 42); /* no O_CLOEXEC: only the child's own closing helps */
	ck_assert_int_eq(run_argv(&res, &err, argv, NULL, SHOULD_FINISH_MS), 0);
	ck_assert(res.exited && res.exit_status == 0);
	/* 0..2, and 3: the directory ls itself is reading. */
	ck_assert_str_eq(res.out, "0\n1\n2\n3\n");
	process_result_done(&res);
}
END_TEST

START_TEST(test_closed_stdin_in_parent)
{
	char *argv[] = { (char *)"/usr/bin/cat", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.stdin_data = "abc",
		.stdin_size = 3,
		.timeout_ms = SHOULD_FINISH_MS,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	/* Our pipes then take the low fd numbers the child needs for itself. */
	close(0);
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "abc");
	process_result_done(&res);
	spec.stdin_data = NULL;
	spec.stdin_size = 0;
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "");
	process_result_done(&res);
}
END_TEST

START_TEST(test_inherit_stderr)
{
	char *argv[] = { (char *)"/usr/bin/ls", (char *)"/proc/self/fd", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.timeout_ms = SHOULD_FINISH_MS,
		.inherit_stderr = true,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	ck_assert_int_eq(process_run(&spec, &res, &err), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "0\n1\n2\n3\n");
	ck_assert_str_eq(res.err, "");
	process_result_done(&res);
}
END_TEST

START_TEST(test_signal_state_reset)
{
	char *argv[] = { (char *)"/usr/bin/grep", (char *)"-E", (char *)"^Sig(Blk|Ign)",
			 (char *)"/proc/self/status", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };
	sigset_t block;

	MODE_SETUP();
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, NULL), 0);
	ck_assert_int_eq(run_argv(&res, &err, argv, NULL, SHOULD_FINISH_MS), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_str_eq(res.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	process_result_done(&res);

	/* An ignored SIGTERM in the parent must not protect the child. */
	run_sh(&res, "kill -TERM $$; exit 0", SHOULD_FINISH_MS);
	ck_assert_int_eq(res.signal, SIGTERM);
	process_result_done(&res);
}
END_TEST

START_TEST(test_own_process_group)
{
	char *argv[] = { (char *)"/usr/bin/cat", (char *)"/proc/self/stat", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };
	int pid = 0, pgrp = 0;
	char *p;

	MODE_SETUP();
	ck_assert_int_eq(run_argv(&res, &err, argv, NULL, SHOULD_FINISH_MS), 0);
	ck_assert(res.exited && res.exit_status == 0);
	ck_assert_int_eq(sscanf(res.out, "%d", &pid), 1);
	p = strrchr(res.out, ')');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p + 2, "%*c %*d %d", &pgrp), 1);
	ck_assert_int_eq(pid, res.pid);
	ck_assert_int_eq(pgrp, res.pid);
	ck_assert_int_ne(pgrp, getpgrp());
	process_result_done(&res);
}
END_TEST

START_TEST(test_no_zombies)
{
	char *argv_missing[] = { (char *)"/nonexistent/x", NULL };
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };

	MODE_SETUP();
	run_sh(&res, "exit 1", SHOULD_FINISH_MS);
	process_result_done(&res);
	run_sh(&res, "sleep 60", SHOULD_BE_KILLED_MS);
	ck_assert(res.timed_out);
	process_result_done(&res);
	run_sh(&res, "sleep 60 & echo started", SHOULD_FINISH_MS);
	process_result_done(&res);
	ck_assert_int_eq(run_argv(&res, &err, argv_missing, NULL, SHOULD_FINISH_MS), -ENOENT);

	ck_assert_int_eq(count_children(), 0);
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(test_result_done_twice)
{
	struct process_result res = { 0 };
	char what[64];

	MODE_SETUP();
	process_result_done(&res);
	process_result_done(NULL);
	ck_assert_str_eq(process_result_describe(&res, what, sizeof(what)), "did not run");
	run_sh(&res, "echo x", SHOULD_FINISH_MS);
	process_result_done(&res);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_null(res.err);
	process_result_done(&res);
	/* Truncated, but terminated. */
	res.exited = true;
	res.exit_status = 3;
	ck_assert_str_eq(process_result_describe(&res, what, 8), "exited ");
}
END_TEST

/*
 * process_detach(): the caller gets 1 at once; the grandchild is in a
 * session of its own, with /dev/null on 0..2 and none of the caller's fds,
 * so a pipe the caller reads (as LXC reads a hook's output) ends.
 */
START_TEST(test_detach)
{
	_cleanup_free_ char *dir = test_tmpdir(), *report = test_path(dir, "report");
	int pipefd[2];
	char c;
	int r;

	pid_t session = getsid(0);

	ck_assert_int_eq(pipe(pipefd), 0);
	r = process_detach();
	if (r == 0) {
		struct stat st, null_st;
		/* Not a session leader (that was its parent), but out of the caller's session. */
		bool ok = getsid(0) != session && getsid(0) != getpid();
		FILE *f;

		ok = ok && fcntl(pipefd[1], F_GETFD) < 0 && errno == EBADF;
		ok = ok && fcntl(pipefd[0], F_GETFD) < 0 && errno == EBADF;
		ok = ok && stat("/dev/null", &null_st) == 0;
		for (int fd = 0; ok && fd < 3; fd++)
			ok = fstat(fd, &st) == 0 && st.st_rdev == null_st.st_rdev;
		f = fopen(report, "we");
		if (f) {
			fputs(ok ? "ok\n" : "bad\n", f);
			fclose(f);
		}
		_exit(0);
	}
	ck_assert_int_eq(r, 1);
	close(pipefd[1]);
	/* EOF: nobody holds the write end any more. */
	ck_assert_int_eq(read(pipefd[0], &c, 1), 0);
	close(pipefd[0]);
	for (int i = 0; i < 200 && access(report, F_OK) < 0; i++)
		usleep(10000);
	usleep(20000);
	FILE *f = fopen(report, "re");
	char line[16] = "";
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_str_eq(line, "ok\n");
	test_rm_rf(dir);
}
END_TEST

static Suite *process_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_exit_status, 0, 2);
	tcase_add_loop_test(tc, test_signal_death, 0, 2);
	tcase_add_loop_test(tc, test_capture, 0, 2);
	tcase_add_loop_test(tc, test_capture_max, 0, 2);
	tcase_add_loop_test(tc, test_stdin_cat, 0, 2);
	tcase_add_loop_test(tc, test_stdin_large_roundtrip, 0, 2);
	tcase_add_loop_test(tc, test_stdin_not_read, 0, 2);
	tcase_add_loop_test(tc, test_env_explicit, 0, 2);
	tcase_add_loop_test(tc, test_env_empty, 0, 2);
	tcase_add_loop_test(tc, test_timeout_kills_group, 0, 2);
	tcase_add_loop_test(tc, test_grandchild_holds_pipe, 0, 2);
	tcase_add_loop_test(tc, test_background_job_killed, 0, 2);
	tcase_add_loop_test(tc, test_new_session_survives, 0, 2);
	tcase_add_loop_test(tc, test_nonexistent_program, 0, 2);
	tcase_add_loop_test(tc, test_not_executable, 0, 2);
	tcase_add_loop_test(tc, test_invalid_spec, 0, 2);
	tcase_add_loop_test(tc, test_child_setup, 0, 2);
	tcase_add_loop_test(tc, test_fds_not_inherited, 0, 2);
	tcase_add_loop_test(tc, test_closed_stdin_in_parent, 0, 2);
	tcase_add_loop_test(tc, test_inherit_stderr, 0, 2);
	tcase_add_loop_test(tc, test_signal_state_reset, 0, 2);
	tcase_add_loop_test(tc, test_own_process_group, 0, 2);
	tcase_add_loop_test(tc, test_no_zombies, 0, 2);
	tcase_add_loop_test(tc, test_result_done_twice, 0, 2);
	tcase_add_test(tc, test_detach);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(process_suite)
