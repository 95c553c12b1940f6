/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Runs one OCI hook as a user, inside a session of the PAM service
 * "lxcri-hook" (hooks/pam.d/lxcri-hook), the way OpenDoas runs a command:
 * pam_start, pam_acct_mgmt, pam_setcred, pam_open_session, fork, drop to
 * the user, exec; then pam_close_session, pam_setcred(PAM_DELETE_CRED),
 * pam_end. The hook itself runs through process_run() (lib/basic/process.h): its
 * own process group, stdin fed from stdin_data, stdout and stderr captured,
 * and SIGKILL to the whole group at the timeout.
 *
 * The PAM session lives in a forked process of its own, which reports back
 * and _exit()s: session modules act on the process that opens the session
 * (pam_limits sets its rlimits and nice value, pam_umask its umask,
 * pam_keyinit its session keyring), and none of that may stay with the
 * caller, which runs more hooks, as other users, after this one.
 *
 * Links libpam (link with -lpam); needs root.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/basic/error.h"

#define HOOKRUN_SERVICE	   "lxcri-hook"
#define HOOKRUN_OUTPUT_MAX 4096

struct hookrun_spec {
	const char *service; /* PAM service; NULL: HOOKRUN_SERVICE */
	/* User name, or numeric uid (which must have a passwd entry); NULL: "root". */
	const char *user;
	const char *path;  /* absolute path of the hook executable (with exec_fd: its name) */
	char *const *args; /* argv as the OCI hook gives it (args[0] is argv[0]); NULL: { path } */
	/*
	 * The hook's environment ("K=V"), to which the variables of the PAM
	 * session (pam_getenvlist) are added; where both name a variable, the
	 * hook's entry wins. NULL: only PAM's.
	 */
	char *const *env;
	const char *stdin_data; /* the OCI state, written to the hook's stdin; NULL: /dev/null */
	unsigned timeout_ms; /* the hook's, not PAM's; 0: none; else SIGKILL to its process group */
	/*
	 * > 2: run this open file instead of path (fexecve; path still names
	 * the hook in messages), for createContainer hooks, whose path
	 * resolves in the host but which run in the container. Anything else
	 * (-1, or 0 from a zero-initialised spec) runs path. The fd reaches
	 * the hook only if it is a script, whose interpreter reads it through
	 * /dev/fd.
	 */
	int exec_fd;
	/*
	 * Optional: runs in the hook's process, as root, before it takes the
	 * user's groups and ids (setns() into the container, chroot(), ...).
	 * Returns 0, or a negative errno that fails the run.
	 */
	int (*in_child)(void *arg);
	void *in_child_arg;
	/*
	 * Optional, with the same arg: runs in the process that forks the
	 * hook (the PAM session's), once its session is open (setns() into a
	 * pid namespace, which only children enter).
	 */
	int (*in_session)(void *arg);
	/*
	 * Optional, with the same arg: runs in the hook's process once it has
	 * the user's ids, last before exec (no_new_privs, seccomp filters).
	 */
	int (*before_exec)(void *arg);
};

struct hookrun_result {
	bool exited;	/* status is valid */
	int status;	/* exit status, 0..255 */
	int signal;	/* the signal that ended it, 0 if it exited */
	bool timed_out; /* killed at timeout_ms */
	uint64_t duration_ms;
	uid_t uid; /* the user it ran as */
	gid_t gid;
	/* The start of what it wrote to stdout and stderr, NUL-terminated; the rest is dropped. */
	char out[HOOKRUN_OUTPUT_MAX];
	char err[HOOKRUN_OUTPUT_MAX];
};

/*
 * Returns 0 once the hook ran and was reaped, whatever its exit status (see
 * *ret). Returns -errno, with err saying why, when it could not run: unknown
 * user (-ESRCH), PAM refused the user or the session (-EACCES, with
 * pam_strerror()'s text), in_child, the switch to the user or exec failed
 * (e.g. -ENOENT, naming path). *ret is zeroed first.
 */
int hookrun_run(const struct hookrun_spec *spec, struct hookrun_result *ret,
		struct lxcri_error *err);
