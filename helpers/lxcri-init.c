/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-init: PID 1 of a container made from an image (`lxcri create
 * --image`). Static, libc only, bind-mounted read-only at /.lxcri/init:
 *
 *   lxcri-init /.lxcri/process
 *
 * Reads the process (procspec.h), starts it in a session of its own with
 * its groups, gid, uid, working directory and exactly its environment,
 * forwards every signal it gets to it (lxc-stop's halt signal included),
 * reaps every process that ends up its child, and when the process exits
 * kills what is left and exits with its status (128 + the signal when a
 * signal ended it).
 *
 * Exit codes of its own, as docker's: 125 it could not start the process,
 * 126 the command cannot be run, 127 the command is not there.
 */

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/basic/procspec.h"

#define EXIT_SETUP	 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND	 127
#define DEFAULT_PATH	 "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* execve of argv[0], searched in the process's own PATH when it has no '/'. */
static int exec_process(const struct procspec *p)
{
	const char *cmd = p->argv[0], *path;
	char full[PATH_MAX];
	bool denied = false;

	if (strchr(cmd, '/')) {
		execve(cmd, p->argv, p->env);
		return errno;
	}
	path = env_get(p->env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	for (const char *dir = path;; dir++) {
		const char *end = strchrnul(dir, ':');
		int n = snprintf(full, sizeof(full), "%.*s/%s", (int)(end - dir),
				 end == dir ? "." : dir, cmd);

		if (n > 0 && (size_t)n < sizeof(full)) {
			execve(full, p->argv, p->env);
			if (errno == EACCES)
				denied = true;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		if (!*end)
			break;
		dir = end;
	}
	return denied ? EACCES : ENOENT;
}

/* Every signal back to its default: an ignored one would stay ignored across exec. */
static void default_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
}

static void child(const struct procspec *p)
{
	sigset_t none;
	int e;

	/* No signal blocked: whatever mask lxcri-init was started with is not the app's. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0)
		fprintf(stderr, "lxcri-init: warning: setsid: %s\n", strerror(errno));
	if (setgroups(p->n_groups, p->groups) < 0 || setgid(p->gid) < 0 || setuid(p->uid) < 0) {
		fprintf(stderr, "lxcri-init: Failed to become %u:%u: %s\n", p->uid, p->gid,
			strerror(errno));
		_exit(EXIT_SETUP);
	}
	if (chdir(p->cwd) < 0) {
		fprintf(stderr, "lxcri-init: Failed to enter the working directory '%s': %s\n",
			p->cwd, strerror(errno));
		_exit(EXIT_SETUP);
	}
	e = exec_process(p);
	fprintf(stderr, "lxcri-init: Failed to exec '%s': %s\n", p->argv[0], strerror(e));
	_exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SETUP;
}

int main(int argc, char **argv)
{
	struct lxcri_error err = { 0 };
	struct procspec *p = NULL;
	sigset_t all;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: lxcri-init <process file>\n");
		return EXIT_SETUP;
	}
	if (procspec_read_file(argv[1], &p, &err) < 0) {
		fprintf(stderr, "lxcri-init: %s\n", err.message);
		return EXIT_SETUP;
	}
	/*
	 * Every signal waits for sigwaitinfo(): none is lost between fork and
	 * the loop. SIGCHLD ignored (inherited) would reap children unseen.
	 */
	default_signals();
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "lxcri-init: Failed to fork: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	if (pid == 0)
		child(p);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), status;
		pid_t w;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w != pid)
				continue; /* an orphan: reaped */
			/*
			 * The process is gone: so is everything it left, in
			 * this PID namespace (only as its PID 1: elsewhere,
			 * kill(-1) would reach the host's processes).
			 */
			if (getpid() == 1) {
				kill(-1, SIGKILL);
				while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
					;
			}
			return exit_code(status);
		}
	}
}
