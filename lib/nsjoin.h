/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Entering a running container from a hook, as OCI's createContainer and
 * startContainer hooks run: in the container's namespaces, with the
 * container's root as "/". For a child process that is about to exec:
 * nothing here can be undone.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* The namespaces of a process, opened ahead (before any setns changes /proc). */
struct nsjoin {
	int mnt, uts, ipc, net, cgroup, pid, user;
	int root;      /* /proc/<pid>/root, O_PATH | O_DIRECTORY */
	int host_root; /* the caller's "/", O_PATH | O_DIRECTORY */
};

/*
 * Opens the namespaces and root of pid. A namespace the caller already is
 * in is left out (-1), so that joining is a no-op for it (setns on the
 * user namespace one is in fails, and the others cost nothing).
 */
int nsjoin_open(pid_t pid, struct nsjoin *ret, struct lxcri_error *err);
void nsjoin_close(struct nsjoin *ns);

/*
 * Joins every opened namespace (the user namespace first), then makes the
 * container's root the process's root and cwd ("/"). The pid namespace
 * applies to children made afterwards only: the caller forks once more if
 * the hook itself must be in it. with_root false: the namespaces only, "/"
 * and the cwd staying the caller's root (a createContainer hook's path
 * resolves in the runtime's file system, while it runs in the container's
 * mount namespace). -errno naming the step.
 */
int nsjoin_enter(const struct nsjoin *ns, bool with_root, struct lxcri_error *err);

/*
 * Waits until pid has exec'd something else than the program it runs now
 * (LXC's init exec'ing the container's init), polling every 10 ms for at
 * most timeout_ms: 1 when it has, 0 on timeout, -ESRCH when pid is gone.
 */
int nsjoin_wait_exec(pid_t pid, unsigned timeout_ms);
