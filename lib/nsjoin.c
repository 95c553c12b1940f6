/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nsjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

static const struct {
	const char *name;
	int type;
	size_t offset;
} namespaces[] = {
	/* The user namespace first: joining it gives the rights to join the others. */
	{ "user", CLONE_NEWUSER, offsetof(struct nsjoin, user) },
	{ "mnt", CLONE_NEWNS, offsetof(struct nsjoin, mnt) },
	{ "uts", CLONE_NEWUTS, offsetof(struct nsjoin, uts) },
	{ "ipc", CLONE_NEWIPC, offsetof(struct nsjoin, ipc) },
	{ "net", CLONE_NEWNET, offsetof(struct nsjoin, net) },
	{ "cgroup", CLONE_NEWCGROUP, offsetof(struct nsjoin, cgroup) },
	{ "pid", CLONE_NEWPID, offsetof(struct nsjoin, pid) },
};

#define NS_FD(ns, i) (*(int *)(void *)((char *)(ns) + namespaces[i].offset))

void nsjoin_close(struct nsjoin *ns)
{
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
		if (NS_FD(ns, i) >= 0) {
			close(NS_FD(ns, i));
			NS_FD(ns, i) = -1;
		}
	if (ns->root >= 0)
		close(ns->root);
	if (ns->host_root >= 0)
		close(ns->host_root);
	ns->root = ns->host_root = -1;
}

int nsjoin_open(pid_t pid, struct nsjoin *ret, struct lxcri_error *err)
{
	struct nsjoin ns;
	char path[64];

	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
		NS_FD(&ns, i) = -1;
	ns.root = ns.host_root = -1;
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		struct stat theirs, ours;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, namespaces[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int r = -errno;
			nsjoin_close(&ns);
			return error_set_errno(err, r, "Failed to open '%s'", path);
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", namespaces[i].name);
		if (fstat(fd, &theirs) == 0 && stat(path, &ours) == 0 &&
		    theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
			close(fd);
			continue;
		}
		NS_FD(&ns, i) = fd;
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	ns.root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ns.host_root = ns.root >= 0 ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (ns.root < 0 || ns.host_root < 0) {
		int r = -errno;
		nsjoin_close(&ns);
		return error_set_errno(err, r, "Failed to open '%s'", path);
	}
	*ret = ns;
	return 0;
}

int nsjoin_enter(const struct nsjoin *ns, bool with_root, struct lxcri_error *err)
{
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		if (NS_FD(ns, i) < 0)
			continue;
		if (setns(NS_FD(ns, i), namespaces[i].type) < 0)
			return error_set_errno(err, -errno, "Failed to join the %s namespace",
					       namespaces[i].name);
	}
	/* setns() into a mount namespace moves "/" to its root: back to ours, or the container's.
	 */
	if (fchdir(with_root ? ns->root : ns->host_root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return error_set_errno(err, -errno, "Failed to enter %s root",
				       with_root ? "the container's" : "the host's");
	return 0;
}

/* The identity of what pid runs: its executable's device and inode. */
static int exe_of(pid_t pid, struct stat *ret)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, ret) == 0)
		return 0;
	return errno == ENOENT ? -ESRCH : -errno;
}

int nsjoin_wait_exec(pid_t pid, unsigned timeout_ms)
{
	struct stat first, now;
	int r = exe_of(pid, &first);

	if (r < 0)
		return r;
	for (unsigned waited = 0; waited < timeout_ms; waited += 10) {
		const struct timespec ten_ms = { 0, 10 * 1000 * 1000 };

		nanosleep(&ten_ms, NULL);
		r = exe_of(pid, &now);
		if (r < 0)
			return r;
		if (now.st_ino != first.st_ino || now.st_dev != first.st_dev)
			return 1;
	}
	return 0;
}
