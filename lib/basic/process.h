/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Runs a program: execve() with an argv array (never a shell), an explicit
 * environment, optional stdin data, captured stdout/stderr, and a timeout
 * that kills the whole process group. The child is always reaped. libc only.
 *
 * The child runs in its own process group, with default signal dispositions
 * and an empty signal mask, stdin from stdin_data (or /dev/null), and no fd
 * but 0, 1 and 2. When it exits (or times out), the rest of its process group
 * gets SIGKILL: background jobs it left behind do not outlive it, and cannot
 * keep stdout/stderr open and make us wait. Something meant to keep running
 * must leave the group (setsid(), as daemons do). We then read what is
 * already in the pipes and return without waiting for EOF, which a process
 * outside the group may still be holding off.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/basic/error.h"

struct process_spec {
	const char *path;	/* absolute path of the program: no PATH search */
	char *const *argv;	/* argv[0] included, NULL-terminated */
	char *const *envp;	/* the whole environment; NULL means an empty one */
	const char *stdin_data; /* written to the child's stdin, then closed; NULL: /dev/null */
	size_t stdin_size;
	uint64_t timeout_ms; /* required, > 0: SIGKILL to the process group when reached */
	size_t capture_max;  /* bytes kept of stdout and of stderr (0: 64 KiB); more is dropped */
	bool inherit_stderr; /* stderr goes to ours instead of being captured */
	/*
	 * Runs in the child after fork and the stdin/stdout/stderr set-up, before
	 * the other fds are closed (so it may use fds it was given) and execve
	 * (setns, privilege drop, ...). Returns 0 or a negative errno (anything
	 * else counts as -EIO). Non-zero: exec skipped, child exits 127, and
	 * process_run() returns that -errno.
	 */
	int (*child_setup)(void *userdata);
	void *userdata;
};

struct process_result {
	pid_t pid;
	bool exited;	 /* exit_status is valid */
	int exit_status; /* 0..255 */
	int signal;	 /* the signal that ended it, 0 if it exited */
	bool timed_out;	 /* we killed it at timeout_ms */
	uint64_t duration_ms;
	char *out; /* NUL-terminated, never NULL after success */
	size_t out_size;
	char *err;
	size_t err_size;
	bool out_truncated; /* more than capture_max bytes were written */
	bool err_truncated;
	uint64_t timeout_ms; /* the spec's, for process_result_describe() */
};

/*
 * Returns 0 once the child was reaped (whatever its status: see ret), or
 * -errno if it could not be run at all (fork/pipe failed, child_setup or
 * execve failed: then err->message says which program and why, e.g.
 * -ENOENT). ret is zeroed first, so process_result_done() is safe after
 * either.
 */
int process_run(const struct process_spec *spec, struct process_result *ret,
		struct lxcri_error *err);
void process_result_done(struct process_result *r);

/* "exited with status 3", "was killed by signal 9 (Killed)", "timed out after 500 ms" */
const char *process_result_describe(const struct process_result *r, char *buf, size_t size);

/*
 * Leaves a process behind that nobody waits for: fork, a new session, a
 * second fork. Returns 1 in the caller once the first child is reaped,
 * -errno when it cannot fork, and 0 in the grandchild, which has
 * /dev/null on 0, 1 and 2 and no other fd: LXC reads a hook's output to
 * its end, and a lock or pipe it kept would be held on. The grandchild
 * _exit()s with 127 when it cannot set itself up so; the caller then
 * learns nothing of it, by design.
 */
int process_detach(void);

/* For tests: do without pidfd_open(), as on kernels before 5.3. */
void process_force_pidfd_fallback(bool force);
