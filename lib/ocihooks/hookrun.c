/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/ocihooks/hookrun.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/process.h"
#include "lib/basic/strv.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define PASSWD_BUF_MAX (1024 * 1024)

struct user {
	char name[256];
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, from the group database */
	size_t n_groups;
};

/* What the hook's process tells the session process when it did not get to exec. */
enum child_stage {
	STAGE_IN_CHILD = 1,
	STAGE_IDS,
	STAGE_BEFORE_EXEC,
	STAGE_EXEC,
};

struct child_report {
	int stage;
	int error; /* positive errno */
};

struct child_context {
	const struct hookrun_spec *spec;
	const struct user *user;
	char *const *argv;
	char *const *envp;
	int report_fd;
};

/* What the session process sends back: plain data, written whole. */
struct session_report {
	int r;
	struct lxcri_error err;
	struct hookrun_result result;
};

struct conversation_data {
	char message[256]; /* the last error a module reported through the conversation */
};

static void user_done(struct user *u)
{
	free(u->groups);
	u->groups = NULL;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int user_groups(struct user *u, struct lxcri_error *err)
{
	int n = 32;

	for (;;) {
		gid_t *g = realloc(u->groups, (size_t)n * sizeof(gid_t));
		int want = n;

		if (!g)
			return error_set_errno(err, -ENOMEM,
					       "Failed to list the groups of user '%s'", u->name);
		u->groups = g;
		if (getgrouplist(u->name, u->gid, g, &want) >= 0) {
			u->n_groups = (size_t)want;
			return 0;
		}
		if (want <= n)
			want = n * 2;
		if (want > 65536 + 1)
			return error_set(err, -E2BIG, "User '%s' is in too many groups", u->name);
		n = want;
	}
}

static int user_lookup(const char *name, struct user *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw, *found = NULL;
	size_t size = 4096;
	int r;

	for (;;) {
		char *b = realloc(buf, size);

		if (!b)
			return error_set_errno(err, -ENOMEM, "Failed to look up user '%s'", name);
		buf = b;
		if (is_number(name)) {
			unsigned long long uid = strtoull(name, NULL, 10);

			if (uid >= (uid_t)-1)
				return error_set(err, -ESRCH, "Unknown user '%s'", name);
			r = getpwuid_r((uid_t)uid, &pw, buf, size, &found);
		} else {
			r = getpwnam_r(name, &pw, buf, size, &found);
		}
		if (r != ERANGE || size >= PASSWD_BUF_MAX)
			break;
		size *= 2;
	}
	/* Not found: 0, or one of these, depending on the NSS module. */
	if (!found && (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM))
		return error_set(err, -ESRCH, "Unknown user '%s': not in the passwd database",
				 name);
	if (!found)
		return error_set_errno(err, -r, "Failed to look up user '%s'", name);
	if (snprintf(ret->name, sizeof(ret->name), "%s", pw.pw_name) >= (int)sizeof(ret->name))
		return error_set(err, -ENAMETOOLONG, "User name of '%s' is too long", name);
	ret->uid = pw.pw_uid;
	ret->gid = pw.pw_gid;
	return user_groups(ret, err);
}

/* Nobody can answer a prompt here: messages are taken, prompts refused. */
static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
			void *userdata)
{
	struct conversation_data *data = userdata;
	struct pam_response *answers;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style != PAM_ERROR_MSG && msg[i]->msg_style != PAM_TEXT_INFO)
			return PAM_CONV_ERR;
	answers = calloc((size_t)n, sizeof(*answers));
	if (!answers)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_ERROR_MSG && msg[i]->msg)
			snprintf(data->message, sizeof(data->message), "%s", msg[i]->msg);
	*resp = answers;
	return PAM_SUCCESS;
}

static int pam_error(struct lxcri_error *err, pam_handle_t *pamh, int rc, const char *what,
		     const char *user, const char *service, const struct conversation_data *data)
{
	int r;

	switch (rc) {
	case PAM_BUF_ERR:
		r = -ENOMEM;
		break;
	case PAM_OPEN_ERR:
	case PAM_SYMBOL_ERR:
	case PAM_SERVICE_ERR:
	case PAM_SYSTEM_ERR:
	case PAM_ABORT:
		r = -EIO;
		break;
	default:
		r = -EACCES;
		break;
	}
	return error_set(err, r, "%s of user '%s' for service '%s' failed: %s%s%s%s", what, user,
			 service, pam_strerror(pamh, rc), data->message[0] ? " (" : "",
			 data->message, data->message[0] ? ")" : "");
}

static size_t env_name_length(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static bool env_has(char *const *env, const char *entry)
{
	size_t n = env_name_length(entry);

	for (; env && *env; env++)
		if (env_name_length(*env) == n && strncmp(*env, entry, n) == 0)
			return true;
	return false;
}

/* The hook's entries, then PAM's that the hook does not set; the strings are borrowed. */
static char **env_merge(char *const *hook, char *const *pam)
{
	size_t n = 0, i = 0;
	char **env;

	for (char *const *e = hook; e && *e; e++)
		n++;
	for (char *const *e = pam; e && *e; e++)
		n++;
	env = calloc(n + 1, sizeof(char *));
	if (!env)
		return NULL;
	for (char *const *e = hook; e && *e; e++)
		env[i++] = *e;
	for (char *const *e = pam; e && *e; e++)
		if (!env_has(hook, *e))
			env[i++] = *e;
	return env;
}

static bool uses_exec_fd(const struct hookrun_spec *spec)
{
	return spec->exec_fd > 2;
}

/* ---- in the hook's process, after fork ---- */

static int child_fail(const struct child_context *c, enum child_stage stage, int r)
{
	struct child_report rep = { .stage = stage, .error = r < 0 ? -r : EIO };

	(void)!write(c->report_fd, &rep, sizeof(rep));
	return -rep.error;
}

static int exec_from_fd(const struct child_context *c)
{
	int fd = c->spec->exec_fd;

	/*
	 * Nothing else open may reach the hook. Close-on-exec rather than
	 * closed: the report pipes must outlive a failed exec.
	 */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		struct rlimit rl;
		int max = 65536;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
			max = (int)rl.rlim_cur;
		for (int i = 3; i < max; i++)
			(void)fcntl(i, F_SETFD, FD_CLOEXEC);
	}
	fexecve(fd, c->argv, c->envp);
	if (errno != ENOENT)
		return -errno;
	/* A script: its interpreter opens /dev/fd/<fd>, which must stay open. */
	if (fcntl(fd, F_SETFD, 0) < 0)
		return -errno;
	fexecve(fd, c->argv, c->envp);
	return -errno;
}

static int child_setup(void *userdata)
{
	const struct child_context *c = userdata;
	const struct user *u = c->user;
	int r;

	if (c->spec->in_child) {
		r = c->spec->in_child(c->spec->in_child_arg);
		if (r != 0)
			return child_fail(c, STAGE_IN_CHILD, r);
	}
	/* The groups were listed before fork: getgrouplist() is not async-signal-safe. */
	if (setgroups(u->n_groups, u->groups) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		return child_fail(c, STAGE_IDS, -errno);
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid)
		return child_fail(c, STAGE_IDS, -EPERM);
	umask(022);
	if (c->spec->before_exec) {
		r = c->spec->before_exec(c->spec->in_child_arg);
		if (r != 0)
			return child_fail(c, STAGE_BEFORE_EXEC, r);
	}
	if (uses_exec_fd(c->spec))
		return child_fail(c, STAGE_EXEC, exec_from_fd(c));
	return 0; /* process_run() execs path */
}

/* ---- in the session process ---- */

static int run_hook(const struct hookrun_spec *spec, const struct user *user, pam_handle_t *pamh,
		    struct hookrun_result *ret, struct lxcri_error *err)
{
	_cleanup_strv_ char **pam_env = NULL;
	_cleanup_free_ char **env = NULL;
	_cleanup_close_ int report_r = -1, report_w = -1;
	char *default_args[] = { (char *)spec->path, NULL };
	struct process_result res = { 0 };
	struct child_report rep = { 0 };
	struct child_context ctx;
	int p[2], r;

	pam_env = pam_getenvlist(pamh);
	if (!pam_env || !(env = env_merge(spec->env, pam_env)))
		return error_set_errno(err, -ENOMEM, "Failed to make the environment of hook '%s'",
				       spec->path);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return error_set_errno(err, -errno, "Failed to create a pipe for hook '%s'",
				       spec->path);
	report_r = p[0];
	report_w = p[1];

	ctx = (struct child_context){
		.spec = spec,
		.user = user,
		.argv = spec->args ? spec->args : default_args,
		.envp = env,
		.report_fd = report_w,
	};
	struct process_spec ps = {
		.path = spec->path,
		.argv = ctx.argv,
		.envp = env,
		.stdin_data = spec->stdin_data,
		.stdin_size = spec->stdin_data ? strlen(spec->stdin_data) : 0,
		.timeout_ms = spec->timeout_ms ? spec->timeout_ms : UINT64_MAX,
		.capture_max = HOOKRUN_OUTPUT_MAX - 1,
		.child_setup = child_setup,
		.userdata = &ctx,
	};

	r = process_run(&ps, &res, err);
	closep(&report_w);
	if (r < 0) {
		if (read(report_r, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) || rep.error <= 0)
			return r;
		switch (rep.stage) {
		case STAGE_IN_CHILD:
			return error_set_errno(err, -rep.error,
					       "Failed to prepare the process of hook '%s'",
					       spec->path);
		case STAGE_BEFORE_EXEC:
			return error_set_errno(err, -rep.error,
					       "Failed to confine the process of hook '%s'",
					       spec->path);
		case STAGE_IDS:
			return error_set_errno(err, -rep.error,
					       "Failed to switch to user '%s' (uid %u, gid %u) for "
					       "hook '%s'",
					       user->name, (unsigned)user->uid, (unsigned)user->gid,
					       spec->path);
		default:
			return error_set_errno(err, -rep.error,
					       "Failed to execute hook '%s' (from fd %d)",
					       spec->path, spec->exec_fd);
		}
	}

	ret->exited = res.exited;
	ret->status = res.exit_status;
	ret->signal = res.signal;
	ret->timed_out = res.timed_out;
	ret->duration_ms = res.duration_ms;
	memcpy(ret->out, res.out, res.out_size + 1);
	memcpy(ret->err, res.err, res.err_size + 1);
	process_result_done(&res);
	return 0;
}

static int session_run(const struct hookrun_spec *spec, struct hookrun_result *ret,
		       struct lxcri_error *err)
{
	_cleanup_(user_done) struct user user = { 0 };
	const char *service = spec->service ? spec->service : HOOKRUN_SERVICE;
	struct conversation_data data = { { 0 } };
	struct pam_conv conv = { .conv = conversation, .appdata_ptr = &data };
	pam_handle_t *pamh = NULL;
	int rc, r;

	r = user_lookup(spec->user ? spec->user : "root", &user, err);
	if (r < 0)
		return r;
	ret->uid = user.uid;
	ret->gid = user.gid;

	rc = pam_start(service, user.name, &conv, &pamh);
	if (rc != PAM_SUCCESS)
		return pam_error(err, pamh, rc, "Starting PAM", user.name, service, &data);
	rc = pam_acct_mgmt(pamh, PAM_SILENT);
	if (rc != PAM_SUCCESS) {
		r = pam_error(err, pamh, rc, "PAM account check", user.name, service, &data);
		goto end;
	}
	rc = pam_setcred(pamh, PAM_ESTABLISH_CRED | PAM_SILENT);
	if (rc != PAM_SUCCESS) {
		r = pam_error(err, pamh, rc, "Establishing PAM credentials", user.name, service,
			      &data);
		goto end;
	}
	rc = pam_open_session(pamh, PAM_SILENT);
	if (rc != PAM_SUCCESS) {
		r = pam_error(err, pamh, rc, "Opening a PAM session", user.name, service, &data);
		goto delete_credentials;
	}

	if (spec->in_session) {
		r = spec->in_session(spec->in_child_arg);
		if (r < 0)
			r = error_set_errno(err, r, "Failed to prepare the session of hook '%s'",
					    spec->path);
	}
	if (r >= 0)
		r = run_hook(spec, &user, pamh, ret, err);

	/* The hook has run: that closing its session failed does not undo it. */
	(void)pam_close_session(pamh, PAM_SILENT);
delete_credentials:
	(void)pam_setcred(pamh, PAM_DELETE_CRED | PAM_SILENT);
end:
	pam_end(pamh, rc);
	return r;
}

static _Noreturn void session_main(const struct hookrun_spec *spec, int report_fd,
				   const sigset_t *mask)
{
	struct session_report rep = { 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/*
	 * The caller's handlers are not for this copy of it; ignored signals
	 * stay ignored, but SIGCHLD: process_run() must wait for the hook.
	 */
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		if (sigaction(sig, NULL, &old) == 0 &&
		    (sig == SIGCHLD || (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)))
			(void)sigaction(sig, &dfl, NULL);
	}
	pthread_sigmask(SIG_SETMASK, mask, NULL);

	rep.r = session_run(spec, &rep.result, &rep.err);
	(void)fileio_write_all(report_fd, &rep, sizeof(rep));
	/* Not exit(): the caller's atexit handlers and stdio buffers are not ours to run. */
	_exit(0);
}

static ssize_t read_all(int fd, void *data, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, (char *)data + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int hookrun_run(const struct hookrun_spec *spec, struct hookrun_result *ret,
		struct lxcri_error *err)
{
	struct session_report rep = { 0 };
	_cleanup_close_ int report_r = -1, report_w = -1;
	sigset_t all, saved;
	ssize_t n;
	int p[2], status = 0, r;
	pid_t pid;

	if (!ret)
		return error_set(err, -EINVAL, "No place for the result of a hook");
	*ret = (struct hookrun_result){ 0 };
	if (!spec || !spec->path)
		return error_set(err, -EINVAL, "Invalid hook specification");
	if (spec->path[0] != '/')
		return error_set(err, -EINVAL, "Hook path '%s' is not absolute", spec->path);
	if (spec->args && !spec->args[0])
		return error_set(err, -EINVAL, "Hook '%s' has an empty argument list", spec->path);

	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set_errno(err, -errno, "Failed to create a pipe for hook '%s'",
				       spec->path);
	report_r = p[0];
	report_w = p[1];

	/* No handler of the caller may run in the session process before it resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	pid = fork();
	if (pid == 0) {
		closep(&report_r);
		session_main(spec, report_w, &saved);
	}
	r = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0)
		return error_set_errno(err, r, "Failed to fork for hook '%s'", spec->path);
	closep(&report_w);

	n = read_all(report_r, &rep, sizeof(rep));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(rep)) {
		if (WIFSIGNALED(status))
			return error_set(err, -EIO,
					 "The PAM session process of hook '%s' was killed by "
					 "signal %d",
					 spec->path, WTERMSIG(status));
		return error_set(err, -EIO,
				 "The PAM session process of hook '%s' ended without a report",
				 spec->path);
	}
	if (rep.r < 0) {
		if (err)
			*err = rep.err;
		return rep.r;
	}
	*ret = rep.result;
	return 0;
}
