/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/ctns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

void ctns_close(struct ctns *ns)
{
	closep(&ns->net);
	closep(&ns->mnt);
}

/* An fd of the namespace at path, checked to be one of type (CLONE_NEWNET, CLONE_NEWNS). */
static int open_namespace(const char *path, int type, const char *what, struct lxcri_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int got;

	if (fd < 0)
		return error_set_errno(err, -errno, "Failed to open the %s namespace '%s'", what,
				       path);
	got = ioctl(fd, NS_GET_NSTYPE);
	if (got != type)
		return error_set(err, -EINVAL,
				 "Failed to open the %s namespace '%s': it is no %s namespace",
				 what, path, what);
	return TAKE_FD(fd);
}

int ctns_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

/* A pidfd turns readable once its process has exited (a zombie too). */
bool ctns_pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

int ctns_open_pid(pid_t pid, struct ctns *ret, struct lxcri_error *err)
{
	_cleanup_close_ int pidfd = -1;
	struct ctns ns = CTNS_NONE;
	char net[64], mnt[64];

	if (pid <= 0)
		return error_set(err, -EINVAL, "Failed to pin process %d: not a process id",
				 (int)pid);
	pidfd = ctns_pidfd_open(pid);
	if (pidfd < 0)
		return error_set_errno(err, pidfd, "Failed to pin process %d", (int)pid);
	snprintf(net, sizeof(net), "/proc/%d/ns/net", (int)pid);
	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)pid);
	int r = ctns_open_paths(net, mnt, &ns, err);
	/*
	 * Not exited yet: /proc/<pid> still named the pinned process when its
	 * namespaces were opened. (poll, not a signal 0: AppArmor mediates
	 * signals between profiles.)
	 */
	if (ctns_pidfd_exited(pidfd)) {
		ctns_close(&ns);
		return error_set(err, -ESRCH, "Process %d has exited", (int)pid);
	}
	if (r < 0)
		return r;
	*ret = ns;
	return 0;
}

int ctns_open_paths(const char *net, const char *mnt, struct ctns *ret, struct lxcri_error *err)
{
	struct ctns ns = CTNS_NONE;
	int r;

	if (net) {
		r = open_namespace(net, CLONE_NEWNET, "network", err);
		if (r < 0)
			return r;
		ns.net = r;
	}
	if (mnt) {
		r = open_namespace(mnt, CLONE_NEWNS, "mount", err);
		if (r < 0) {
			ctns_close(&ns);
			return r;
		}
		ns.mnt = r;
	}
	*ret = ns;
	return 0;
}

int ctns_identity(int fd, char ret[CTNS_IDENTITY_MAX])
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	snprintf(ret, CTNS_IDENTITY_MAX, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return 0;
}

bool ctns_is(int fd, const char *identity)
{
	char id[CTNS_IDENTITY_MAX];

	if (fd < 0)
		return false;
	if (!identity)
		return true;
	return ctns_identity(fd, id) == 0 && strcmp(id, identity) == 0;
}

/* The child of ctns_open_root(): joins the namespace and sends "/" (or its errno) back. */
static void send_root(int mnt_fd, int sock)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	int error = 0, fd = -1;
	struct iovec iov = { .iov_base = &error, .iov_len = sizeof(error) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (setns(mnt_fd, CLONE_NEWNS) < 0 ||
	    (fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		error = errno;
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	_exit(sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(error) ? 0 : 1);
}

int ctns_open_root(int mnt_fd, struct lxcri_error *err)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	int error = 0, fd = -1, status, sv[2];
	struct iovec iov = { .iov_base = &error, .iov_len = sizeof(error) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *c;
	ssize_t n;
	pid_t pid;

	if (mnt_fd < 0)
		return error_set(err, -EBADF,
				 "Failed to open the container's root: no mount namespace");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error_set_errno(err, -errno, "Failed to open the container's root");
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(sv[0]);
		close(sv[1]);
		return error_set_errno(err, r, "Failed to open the container's root");
	}
	if (pid == 0) {
		close(sv[0]);
		send_root(mnt_fd, sv[1]);
	}
	close(sv[1]);
	n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		error = errno;
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	c = n == (ssize_t)sizeof(error) ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd >= 0)
		return fd;
	return error_set_errno(err, error ? -error : -EIO,
			       "Failed to open '/' in the container's mount namespace");
}

int ctns_fd_path(int fd, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/%d/fd/%d", (int)getpid(), fd);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
