/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Making a process a process of a running container, with no more power
 * than the container's own processes: how OCI createContainer and
 * startContainer hooks run (lib/ocihooks/ocirun). The container's root chooses the
 * program of a startContainer hook (its path resolves in the rootfs), so the
 * hook must be confined as the container is.
 *
 * Everything is copied from the container's init (LXC_PID), which at
 * start-host has been through all of LXC's setup but the exec of its init
 * program: LXC has dropped its bounding set, changed its AppArmor profile,
 * set its SELinux exec context and no_new_privs (if configured), loaded its
 * seccomp filter and moved it into its cgroups (lxc-5.0 start.c do_start()).
 * A hook process made with this gets, in this order:
 *
 *   in the process that forks the hook (ctjoin_pid_namespace):
 *     the container's pid namespace for its children: setns() into a pid
 *     namespace applies only to children, so the hook is born in it;
 *   in the hook's process, as root (ctjoin_enter):
 *     the container's cgroups (each hierarchy of /proc/<pid>/cgroup, v1 and
 *     v2), every namespace of the init that is not ours (user first: one
 *     setns() on the pidfd), the container's root as "/" (unless keep_root),
 *     resource limits no
 *     higher than the init's, and the init's capability bounding set (with
 *     inheritable and ambient capabilities cleared of the rest);
 *   then, once it has taken the hook user's ids (ctjoin_restrict):
 *     the init's AppArmor profile (changed at once, as LXC does) or SELinux
 *     exec context, no_new_privs (always: a set-id program in the container
 *     gains nothing), and the init's seccomp filters (read with ptrace's
 *     PTRACE_SECCOMP_GET_FILTER, installed oldest first).
 *
 * The init is pinned by a pidfd from the start: what is read from
 * /proc/<pid> is checked to be of that process, still alive, after it was
 * read, and the namespaces are joined through the pidfd itself, so a pid
 * reused meanwhile is never acted on.
 *
 * What cannot be copied refuses the run: a seccomp filter that ptrace cannot
 * read (a kernel without CONFIG_CHECKPOINT_RESTORE, or we are ourselves under
 * seccomp), a cgroup that cannot be joined, a label that cannot be set.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lib/basic/error.h"

struct sock_fprog;

struct ctjoin {
	pid_t pid;
	int pidfd;
	int ns_flags;	   /* CLONE_NEW* of the init's namespaces that are not ours */
	int root;	   /* /proc/<pid>/root, O_PATH | O_DIRECTORY */
	int *cgroup_procs; /* cgroup.procs of each of the init's cgroups, O_WRONLY */
	size_t n_cgroups;
	uint64_t bounding; /* the init's CapBnd */
	unsigned cap_last; /* /proc/sys/kernel/cap_last_cap */
	struct rlimit limits[RLIM_NLIMITS];
	struct sock_fprog *filters; /* the init's seccomp filters, oldest first */
	size_t n_filters;
	char *apparmor; /* the init's AppArmor label, NULL where none applies */
	char *selinux;	/* the init's SELinux exec context, NULL where none applies */
	/*
	 * Set by the caller: the process keeps the caller's "/" instead of the
	 * container's (a createContainer hook: its path and its view of files
	 * are the runtime's, as runc runs it before pivot_root; everything else
	 * is the container's).
	 */
	bool keep_root;
	/* In the hook's process only: the fd its LSM label is written to. */
	int lsm_fd;
};

#define CTJOIN_INIT                                                                                \
	{                                                                                          \
		.pidfd = -1, .root = -1, .lsm_fd = -1                                              \
	}

/*
 * Pins pid, reads what its processes have (above), and checks pid is still
 * the same process. Whether AppArmor or SELinux applies is the running
 * kernel's (/sys), whatever sysfs root the caller's paths name: the labels
 * are the real ones of /proc/<pid>. -errno naming what could not be read.
 */
int ctjoin_open(pid_t pid, struct ctjoin *ret, struct lxcri_error *err);
void ctjoin_close(struct ctjoin *j);

/* In the process that will fork the hook: its children are born in the container's pid ns. */
int ctjoin_pid_namespace(const struct ctjoin *j);

/*
 * In the hook's process, as root, before it takes the hook user's ids:
 * cgroups, namespaces, root, limits, bounding set. -errno; the process must
 * then exit (nothing here can be undone).
 */
int ctjoin_enter(struct ctjoin *j);

/* In the hook's process, last before exec: LSM label, no_new_privs, seccomp filters. */
int ctjoin_restrict(struct ctjoin *j);

/*
 * Waits until pid has exec'd something else than the program it runs now
 * (LXC's init exec'ing the container's init), polling every 10 ms for at
 * most timeout_ms: 1 when it has, 0 on timeout, -ESRCH when pid is gone.
 */
int ctjoin_wait_exec(pid_t pid, unsigned timeout_ms);

/* Parsers, for the unit tests: "CapBnd:\t000001fcfcfeffff" of a status text, and the
 * label of an LSM attribute ("lxc-container-default-cgns (enforce)\n"). */
int ctjoin_status_hex(const char *status, const char *key, uint64_t *ret);
int ctjoin_label_parse(const char *text, char **ret);
