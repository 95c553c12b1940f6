/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define CAPTURE_DEFAULT (64 * 1024)
/* Without a pidfd, how often we look whether the child has exited. */
#define FALLBACK_POLL_MS 20

static bool force_pidfd_fallback;

void process_force_pidfd_fallback(bool force)
{
	force_pidfd_fallback = force;
}

/* What the child tells the parent when it could not get to execve(). */
enum child_stage {
	STAGE_STDIO = 1,
	STAGE_SETUP,
	STAGE_EXEC,
};

struct child_report {
	int stage;
	int error; /* positive errno */
};

struct capture {
	char *buf;
	size_t size;
	size_t alloc;
	size_t max;
	bool truncated;
};

static uint64_t state_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- in the child: only async-signal-safe calls until execve ---- */

/*
 * The kernel's struct sigaction where its layout is the generic one. glibc
 * refuses sigaction() for the signals it reserves (32 and 33), yet they can
 * arrive ignored from whoever started us, and an ignored disposition
 * survives execve: the raw system call resets them too.
 */
#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || defined(__riscv)
#define HAVE_KERNEL_SIGACTION 1
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};
#endif

static void child_reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &sa, NULL) == 0)
			continue;
#ifdef HAVE_KERNEL_SIGACTION
		struct kernel_sigaction ksa = { .handler = SIG_DFL };
		(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
#endif
	}
}

static void close_range_brute(unsigned first, unsigned last)
{
	struct rlimit rl;
	unsigned max = 65536;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < UINT_MAX)
		max = (unsigned)rl.rlim_cur;
	if (last >= max)
		last = max - 1;
	for (unsigned fd = first; fd <= last && fd >= first; fd++)
		(void)close((int)fd);
}

/* Closes the fds in [first, last] listed in /proc/self/fd; -errno if that cannot be read. */
static int close_range_proc(unsigned first, unsigned last)
{
	char buf[4096];
	int dirfd;
	ssize_t n;

	dirfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	while ((n = getdents64(dirfd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			unsigned long fd = 0;
			const char *c = de->d_name;

			off += de->d_reclen;
			if (*c < '0' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9'; c++)
				fd = fd * 10 + (unsigned long)(*c - '0');
			if (fd >= first && fd <= last && fd != (unsigned long)dirfd)
				(void)close((int)fd);
		}
	}
	(void)close(dirfd);
	return n < 0 ? -EIO : 0;
}

static void close_fds(unsigned first, unsigned last)
{
	if (first > last)
		return;
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return;
	if (close_range_proc(first, last) < 0)
		close_range_brute(first, last);
}

/* Moves fd to a number >= 3, so that dup2() onto 0..2 cannot clobber it. */
static int child_move_up(int *fd)
{
	int n;

	if (*fd < 0 || *fd > 2)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -errno;
	*fd = n;
	return 0;
}

static _Noreturn void child_fail(int report_fd, enum child_stage stage, int error)
{
	struct child_report rep = { .stage = stage, .error = error };

	(void)!write(report_fd, &rep, sizeof(rep));
	_exit(127);
}

/*
 * stdin_fd: the read end of the stdin pipe, or -1 for /dev/null. stderr_fd:
 * -1 to keep ours. report_fd: the close-on-exec pipe that stays silent when
 * execve() succeeds.
 */
static _Noreturn void child_main(const struct process_spec *spec, int stdin_fd, int stdout_fd,
				 int stderr_fd, int report_fd)
{
	static char *const empty_env[] = { NULL };
	bool ours[3] = { false, false, false };
	sigset_t none;
	int *fds[] = { &stdin_fd, &stdout_fd, &stderr_fd, &report_fd };
	int r;

	(void)setpgid(0, 0);
	child_reset_signals();

	if (stdin_fd < 0) {
		stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (stdin_fd < 0)
			child_fail(report_fd, STAGE_STDIO, errno);
	}
	/* When our caller had 0..2 closed, our own pipes may sit there. */
	for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
		if (*fds[i] >= 0 && *fds[i] <= 2)
			ours[*fds[i]] = true;
		r = child_move_up(fds[i]);
		if (r < 0)
			child_fail(report_fd, STAGE_STDIO, -r);
	}
	if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 ||
	    (stderr_fd >= 0 && dup2(stderr_fd, 2) < 0))
		child_fail(report_fd, STAGE_STDIO, errno);
	if (stderr_fd < 0 && ours[2])
		(void)close(2);

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (spec->child_setup) {
		r = spec->child_setup(spec->userdata);
		if (r != 0)
			child_fail(report_fd, STAGE_SETUP, r < 0 ? -r : EIO);
	}

	/* Everything but 0..2 and the report pipe, which execve() closes. */
	if (report_fd > 3)
		close_fds(3, (unsigned)report_fd - 1);
	close_fds((unsigned)report_fd + 1, ~0U);

	execve(spec->path, spec->argv, spec->envp ? spec->envp : empty_env);
	child_fail(report_fd, STAGE_EXEC, errno);
}

/* ---- in the parent ---- */

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int capture_append(struct capture *c, const char *data, size_t n)
{
	size_t keep = c->max - c->size;

	if (keep > n)
		keep = n;
	if (keep < n)
		c->truncated = true;
	if (keep == 0)
		return 0;
	if (c->size + keep + 1 > c->alloc) {
		size_t want = c->alloc ? c->alloc * 2 : 4096;
		char *p;

		if (want < c->size + keep + 1)
			want = c->size + keep + 1;
		if (want > c->max + 1)
			want = c->max + 1;
		p = realloc(c->buf, want);
		if (!p)
			return -ENOMEM;
		c->buf = p;
		c->alloc = want;
	}
	memcpy(c->buf + c->size, data, keep);
	c->size += keep;
	c->buf[c->size] = '\0';
	return 0;
}

/* One read: > 0 bytes read (kept or dropped), 0 at EOF, -EAGAIN, or -errno. */
static ssize_t capture_read(struct capture *c, int fd)
{
	char scratch[16384];
	ssize_t n;
	int r;

	do
		n = read(fd, scratch, sizeof(scratch));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	r = capture_append(c, scratch, (size_t)n);
	if (r < 0)
		return r;
	return n;
}

/*
 * After the child was reaped: reads what is in the pipe now, bounded even if
 * someone outside the child's process group keeps writing. Returns 1 at EOF,
 * 0 if a writer is left, or -errno.
 */
static int capture_drain(struct capture *c, int fd)
{
	int avail = 0;
	ssize_t n;

	if (ioctl(fd, FIONREAD, &avail) < 0)
		avail = 0;
	for (;;) {
		n = capture_read(c, fd);
		if (n == 0)
			return 1;
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return n == -ENOMEM ? -ENOMEM : 1;
		if (avail <= 0)
			return 0; /* read past what the child left: someone still writes */
		avail -= (int)n;
	}
}

static void capture_done(struct capture *c)
{
	free(c->buf);
	*c = (struct capture){ 0 };
}

/* Hands the buffer over as a NUL-terminated string, "" if nothing came. */
static int capture_take(struct capture *c, char **ret, size_t *ret_size, bool *ret_truncated)
{
	if (!c->buf) {
		c->buf = calloc(1, 1);
		if (!c->buf)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(c->buf);
	*ret_size = c->size;
	*ret_truncated = c->truncated;
	*c = (struct capture){ 0 };
	return 0;
}

static int wait_blocking(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* Whether the child has ended, left a zombie: its pid (and process group id) stays taken. */
static int has_exited(pid_t pid)
{
	siginfo_t si = { 0 };

	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == EINTR ? 0 : -errno;
	return si.si_pid == pid;
}

/* The child's process group, and the child itself should it have left the group. */
static void kill_group(pid_t pid)
{
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
}

static bool sigpipe_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

/* Writes stdin; returns true when done with it (all written, or the child stopped reading). */
static bool stdin_write(int fd, const struct process_spec *spec, size_t *off)
{
	ssize_t n = write(fd, spec->stdin_data + *off, spec->stdin_size - *off);

	if (n < 0)
		return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	*off += (size_t)n;
	return *off >= spec->stdin_size;
}

static int run(const struct process_spec *spec, struct process_result *ret, struct lxcri_error *err)
{
	_cleanup_close_ int in_r = -1, in_w = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1,
			    rep_r = -1, rep_w = -1, pidfd = -1;
	_cleanup_(capture_done) struct capture out = { 0 }, errc = { 0 };
	struct child_report rep = { 0 };
	sigset_t all, saved, with_sigpipe;
	bool exited = false, timed_out = false, had_sigpipe;
	uint64_t start, deadline;
	size_t in_off = 0;
	int status = 0, r = 0;
	pid_t pid;

	if (!spec || !spec->path || !spec->argv || !spec->argv[0])
		return error_set(err, -EINVAL, "Invalid process specification");
	if (spec->path[0] != '/')
		return error_set(err, -EINVAL, "Program path '%s' is not absolute", spec->path);
	if (spec->timeout_ms == 0)
		return error_set(err, -EINVAL, "No timeout given for '%s'", spec->path);
	if (spec->stdin_size > 0 && !spec->stdin_data)
		return error_set(err, -EINVAL, "stdin_size without stdin_data for '%s'",
				 spec->path);

	out.max = errc.max = spec->capture_max ? spec->capture_max : CAPTURE_DEFAULT;

	if (spec->stdin_data) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return error_set_errno(err, -errno, "Failed to create a pipe for '%s'",
					       spec->path);
		in_r = p[0];
		in_w = p[1];
	}
	{
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return error_set_errno(err, -errno, "Failed to create a pipe for '%s'",
					       spec->path);
		out_r = p[0];
		out_w = p[1];
	}
	if (!spec->inherit_stderr) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return error_set_errno(err, -errno, "Failed to create a pipe for '%s'",
					       spec->path);
		err_r = p[0];
		err_w = p[1];
	}
	{
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return error_set_errno(err, -errno, "Failed to create a pipe for '%s'",
					       spec->path);
		rep_r = p[0];
		rep_w = p[1];
	}
	if ((in_w >= 0 && (r = set_nonblock(in_w)) < 0) || (r = set_nonblock(out_r)) < 0 ||
	    (err_r >= 0 && (r = set_nonblock(err_r)) < 0) || (r = set_nonblock(rep_r)) < 0)
		return error_set_errno(err, r, "Failed to set up the pipes for '%s'", spec->path);

	/* No handler of ours may run in the child before it resets them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	start = state_now_ms();
	pid = fork();
	if (pid == 0)
		child_main(spec, in_r, out_w, err_w, rep_w);
	if (pid < 0) {
		r = -errno;
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		return error_set_errno(err, r, "Failed to fork for '%s'", spec->path);
	}

	/*
	 * Keep SIGPIPE blocked while we write stdin, so a child that exits
	 * without reading gives us EPIPE rather than killing us; one raised
	 * here is consumed below.
	 */
	had_sigpipe = sigismember(&saved, SIGPIPE) == 1 && sigpipe_pending();
	with_sigpipe = saved;
	sigaddset(&with_sigpipe, SIGPIPE);
	pthread_sigmask(SIG_SETMASK, &with_sigpipe, NULL);

	ret->pid = pid;
	closep(&in_r);
	closep(&out_w);
	closep(&err_w);
	closep(&rep_w);
	if (in_w >= 0 && spec->stdin_size == 0)
		closep(&in_w);

	if (!force_pidfd_fallback)
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	deadline = spec->timeout_ms > UINT64_MAX - start ? UINT64_MAX : start + spec->timeout_ms;
	while (!exited) {
		struct pollfd pfd[4];
		int n = 0, i_in = -1, i_out = -1, i_err = -1, i_pid = -1;
		uint64_t now = state_now_ms(), wait_ms;

		if (now >= deadline) {
			/* It may have exited just now, unnoticed without a pidfd. */
			timed_out = has_exited(pid) <= 0;
			break;
		}
		wait_ms = deadline - now;
		if (pidfd < 0 && wait_ms > FALLBACK_POLL_MS)
			wait_ms = FALLBACK_POLL_MS;
		if (wait_ms > INT_MAX)
			wait_ms = INT_MAX;

		if (in_w >= 0) {
			pfd[n] = (struct pollfd){ .fd = in_w, .events = POLLOUT };
			i_in = n++;
		}
		if (out_r >= 0) {
			pfd[n] = (struct pollfd){ .fd = out_r, .events = POLLIN };
			i_out = n++;
		}
		if (err_r >= 0) {
			pfd[n] = (struct pollfd){ .fd = err_r, .events = POLLIN };
			i_err = n++;
		}
		if (pidfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
			i_pid = n++;
		}

		if (poll(pfd, (nfds_t)n, (int)wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			r = error_set_errno(err, -errno, "Failed to wait for '%s'", spec->path);
			goto stop_child;
		}

		if (i_in >= 0 && pfd[i_in].revents && stdin_write(in_w, spec, &in_off))
			closep(&in_w);
		if (i_out >= 0 && pfd[i_out].revents) {
			ssize_t k = capture_read(&out, out_r);
			if (k == -ENOMEM) {
				r = error_set_errno(err, -ENOMEM, "Failed to capture '%s'",
						    spec->path);
				goto stop_child;
			}
			if (k >= 0 ? k == 0 : k != -EAGAIN)
				closep(&out_r);
		}
		if (i_err >= 0 && pfd[i_err].revents) {
			ssize_t k = capture_read(&errc, err_r);
			if (k == -ENOMEM) {
				r = error_set_errno(err, -ENOMEM, "Failed to capture '%s'",
						    spec->path);
				goto stop_child;
			}
			if (k >= 0 ? k == 0 : k != -EAGAIN)
				closep(&err_r);
		}
		if (i_pid < 0 || pfd[i_pid].revents) {
			int k = has_exited(pid);
			if (k < 0) {
				r = error_set_errno(err, k, "Failed to wait for '%s'", spec->path);
				goto stop_child;
			}
			exited = k > 0;
		}
	}

stop_child:
	/*
	 * Exited, timed out or failed: nothing of its process group outlives
	 * it. Still unreaped, the child keeps its pid from being reused, so
	 * this cannot hit an unrelated group.
	 */
	kill_group(pid);
	{
		int k = wait_blocking(pid, &status);
		if (k < 0 && r == 0)
			r = error_set_errno(err, k, "Failed to wait for '%s'", spec->path);
	}
	ret->duration_ms = state_now_ms() - start;

	closep(&in_w);
	if (!had_sigpipe && sigpipe_pending()) {
		sigset_t pipe_only;
		struct timespec zero = { 0, 0 };

		sigemptyset(&pipe_only);
		sigaddset(&pipe_only, SIGPIPE);
		(void)sigtimedwait(&pipe_only, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (r < 0)
		return r;

	/* What is in the pipes now; whoever else holds them is not waited for. */
	if (out_r >= 0)
		r = capture_drain(&out, out_r);
	if (r >= 0 && err_r >= 0)
		r = capture_drain(&errc, err_r);
	if (r < 0)
		return error_set_errno(err, r, "Failed to capture '%s'", spec->path);

	if (read(rep_r, &rep, sizeof(rep)) == (ssize_t)sizeof(rep) && rep.error > 0) {
		switch (rep.stage) {
		case STAGE_EXEC:
			return error_set_errno(err, -rep.error, "Failed to execute '%s'",
					       spec->path);
		case STAGE_SETUP:
			return error_set_errno(err, -rep.error,
					       "Failed to set up the child process for '%s'",
					       spec->path);
		default:
			return error_set_errno(err, -rep.error,
					       "Failed to set up stdin/stdout/stderr for '%s'",
					       spec->path);
		}
	}

	ret->timed_out = timed_out;
	ret->timeout_ms = spec->timeout_ms;
	if (WIFEXITED(status)) {
		ret->exited = true;
		ret->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		ret->signal = WTERMSIG(status);
	}
	if (capture_take(&out, &ret->out, &ret->out_size, &ret->out_truncated) < 0 ||
	    capture_take(&errc, &ret->err, &ret->err_size, &ret->err_truncated) < 0) {
		process_result_done(ret);
		return error_set_errno(err, -ENOMEM, "Failed to capture '%s'", spec->path);
	}
	return 0;
}

int process_run(const struct process_spec *spec, struct process_result *ret,
		struct lxcri_error *err)
{
	int r;

	if (!ret)
		return error_set(err, -EINVAL, "No place for the result of a process");
	*ret = (struct process_result){ 0 };
	r = run(spec, ret, err);
	if (r < 0) {
		process_result_done(ret);
		*ret = (struct process_result){ 0 };
	}
	return r;
}

void process_result_done(struct process_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_size = r->err_size = 0;
}

const char *process_result_describe(const struct process_result *r, char *buf, size_t size)
{
	if (!buf || size == 0)
		return "";
	if (!r) {
		snprintf(buf, size, "did not run");
	} else if (r->timed_out) {
		snprintf(buf, size, "timed out after %" PRIu64 " ms", r->timeout_ms);
	} else if (r->exited) {
		snprintf(buf, size, "exited with status %d", r->exit_status);
	} else if (r->signal > 0) {
		const char *d = sigdescr_np(r->signal);
		snprintf(buf, size, "was killed by signal %d (%s)", r->signal,
			 d ? d : "unknown signal");
	} else {
		snprintf(buf, size, "did not run");
	}
	return buf;
}

int process_detach(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -errno;
	if (pid > 0) {
		(void)waitpid(pid, NULL, 0);
		return 1;
	}
	/* The child: a session of its own, and a child of its own that nobody waits for. */
	if (setsid() < 0 || fork() != 0)
		_exit(0);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	close_fds(3, ~0U);
	return 0;
}
