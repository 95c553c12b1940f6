/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's network and mount namespaces, held by fd, for what lxcri
 * changes in them from the host (links and CNI in the one, /etc/resolv.conf
 * in the other). Never a /proc/<pid> path kept for later: once the
 * container is gone its PID may name any other process.
 *
 * Where they come from:
 *   ctns_open_pid()    a process that runs now (LXC_PID at start-host, the
 *                      init pid LXC reports to `lxcri net`), pinned by a
 *                      pidfd: the namespaces are that process's, or the
 *                      call fails
 *   ctns_open_paths()  the references LXC hands the stop hook
 *                      ("/proc/<monitor pid>/fd/<n>", held by LXC's monitor
 *                      while the hook runs), checked to be namespaces of
 *                      the right type
 *
 * A namespace's identity (ctns_identity()) is recorded with what is applied
 * in it, and compared before anything is undone there.
 *
 * libc only; nothing here logs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/basic/error.h"

struct ctns {
	int net; /* network namespace; -1: not known */
	int mnt; /* mount namespace; -1: not known */
};

#define CTNS_NONE ((struct ctns){ .net = -1, .mnt = -1 })

/* "<st_dev>:<st_ino>" of a namespace: at most this long, with the NUL. */
#define CTNS_IDENTITY_MAX 48

/* A pidfd of pid (pidfd_open(2)), or -errno. */
int ctns_pidfd_open(pid_t pid);

/*
 * Whether the process of pidfd has exited (a zombie too): a pidfd turns
 * readable then. Polled, not signalled: AppArmor mediates signals between
 * profiles.
 */
bool ctns_pidfd_exited(int pidfd);

/*
 * The namespaces of process pid: a pidfd pins it, /proc/<pid>/ns/{net,mnt}
 * are opened, and the pidfd then says the process has not exited in
 * between (so the PID was not reused). -ESRCH naming pid when it is gone
 * (or has exited and waits to be reaped).
 */
int ctns_open_pid(pid_t pid, struct ctns *ret, struct lxcri_error *err);

/*
 * Opens the namespaces at net and mnt (either may be NULL: left -1). Each
 * must be a namespace of that type: -EINVAL naming the path otherwise.
 */
int ctns_open_paths(const char *net, const char *mnt, struct ctns *ret, struct lxcri_error *err);

void ctns_close(struct ctns *ns);

/* ret: "<st_dev>:<st_ino>" of the namespace fd refers to. */
int ctns_identity(int fd, char ret[CTNS_IDENTITY_MAX]);

/*
 * Whether fd (>= 0) is the namespace recorded as identity; an item recorded
 * without one (NULL) takes fd on trust, as its caller got it from LXC.
 */
bool ctns_is(int fd, const char *identity);

/*
 * The container's root directory, "/" as its mount namespace sees it, as an
 * O_PATH fd: a child process joins the namespace, opens "/" and passes the
 * fd back. Paths below it are then resolved with lib/basic/safe.
 */
int ctns_open_root(int mnt_fd, struct lxcri_error *err);

/*
 * "/proc/<our pid>/fd/<fd>": the namespace fd refers to, as a path for a
 * program we run (CNI_NETNS), valid while we hold fd.
 */
int ctns_fd_path(int fd, char *buf, size_t size);
