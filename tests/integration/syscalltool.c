/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * syscalltool: makes one system call and says how it went, for tests of
 * seccomp profiles inside busybox containers (static: they have no libc).
 *
 *   syscalltool add_key | keyctl | getpid | uname | getxattrat
 * prints "<call>: ok" or "<call>: errno <N>" and exits 0 either way.
 * getxattrat(2) (Linux 6.13) is newer than the headers and libseccomp of
 * Debian 12; its arguments are invalid, so a kernel that has it says EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define KEY_SPEC_PROCESS_KEYRING (-2)
#define KEYCTL_GET_KEYRING_ID	 0
/* The same number on every architecture since Linux 6.13 (the unified syscall table). */
#define NR_GETXATTRAT 464

int main(int argc, char **argv)
{
	struct utsname u;
	long r;

	if (argc != 2) {
		fprintf(stderr, "usage: syscalltool add_key|keyctl|getpid|uname|getxattrat\n");
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
