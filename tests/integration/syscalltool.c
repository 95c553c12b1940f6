/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * syscalltool: makes one system call and says how it went, for tests of
 * seccomp profiles inside busybox containers (static: they have no libc).
 *
 *   syscalltool add_key | keyctl | getpid | uname | getxattrat | ioctl_btrfs |
 *               ioctl_tty | socket_alg | socket_unix | umount2_force |
 *               open_by_handle_at
 * prints "<call>: ok" or "<call>: errno <N>" and exits 0 either way.
 * getxattrat(2) (Linux 6.13) is newer than the headers and libseccomp of
 * Debian 12; its arguments are invalid, so a kernel that has it says EINVAL.
 * The others are the calls PVE's and LXC's own profiles deny, made so that
 * the kernel, where a filter lets them through, answers with another errno
 * and changes nothing:
 *   ioctl_btrfs        BTRFS_IOC_SYNC (0x9408) on "/": ENOTTY where it is no btrfs
 *   ioctl_tty          TCGETS on "/", an ioctl of another kind: ENOTTY
 *   socket_alg         socket(AF_ALG): ok, or EAFNOSUPPORT on a kernel without it
 *   socket_unix        socket(AF_UNIX): ok
 *   umount2_force      umount2("/lxcri-no-such-dir", MNT_FORCE): ENOENT
 *   open_by_handle_at  with no handle: EFAULT with CAP_DAC_READ_SEARCH, else EPERM
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define KEY_SPEC_PROCESS_KEYRING (-2)
#define KEYCTL_GET_KEYRING_ID	 0
/* The same number on every architecture since Linux 6.13 (the unified syscall table). */
#define NR_GETXATTRAT  464
#define BTRFS_IOC_SYNC 0x9408
#define AF_ALG_DOMAIN  38

/* ioctl(2) on a file descriptor of "/" (a directory): its result, errno kept. */
static long ioctl_root(unsigned long request)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), saved;
	struct termios t;
	long r;

	if (fd < 0)
		return -1;
	r = syscall(SYS_ioctl, fd, request, &t);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int main(int argc, char **argv)
{
	struct utsname u;
	long r;

	if (argc != 2) {
		fprintf(stderr,
			"usage: syscalltool add_key|keyctl|getpid|uname|getxattrat|ioctl_btrfs|"
			"ioctl_tty|socket_alg|socket_unix|umount2_force|open_by_handle_at\n");
		return 2;
	}
	if (strcmp(argv[1], "add_key") == 0)
		r = syscall(SYS_add_key, "user", "lxcri-test", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	else if (strcmp(argv[1], "keyctl") == 0)
		r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0);
	else if (strcmp(argv[1], "getpid") == 0)
		r = syscall(SYS_getpid);
	else if (strcmp(argv[1], "uname") == 0)
		r = uname(&u);
	else if (strcmp(argv[1], "getxattrat") == 0)
		r = syscall(NR_GETXATTRAT, AT_FDCWD, "/", 0, "user.lxcri", NULL, 0);
	else if (strcmp(argv[1], "ioctl_btrfs") == 0)
		r = ioctl_root(BTRFS_IOC_SYNC);
	else if (strcmp(argv[1], "ioctl_tty") == 0)
		r = ioctl_root(TCGETS);
	else if (strcmp(argv[1], "socket_alg") == 0)
		r = syscall(SYS_socket, AF_ALG_DOMAIN, SOCK_SEQPACKET, 0);
	else if (strcmp(argv[1], "socket_unix") == 0)
		r = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	else if (strcmp(argv[1], "umount2_force") == 0)
		r = syscall(SYS_umount2, "/lxcri-no-such-dir", MNT_FORCE);
	else if (strcmp(argv[1], "open_by_handle_at") == 0)
		r = syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, O_RDONLY);
	else {
		fprintf(stderr, "syscalltool: unknown call '%s'\n", argv[1]);
		return 2;
	}
	if (r < 0)
		printf("%s: errno %d\n", argv[1], errno);
	else
		printf("%s: ok\n", argv[1]);
	return 0;
}
