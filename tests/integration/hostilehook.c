/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostilehook: the program a hostile container root puts in its rootfs as
 * the path of a startContainer hook. It acts itself, not through children
 * (a shell's commands would be children, which a setns() into the
 * container's pid namespace already covers). Static: busybox containers
 * have no libc.
 *
 *   hostilehook mountproc <dir> <out>   mounts a procfs at <dir> and records,
 *       through it, what the hook is: <out>/status (its /proc status),
 *       <out>/pidns, <out>/cgroup and <out>/init-cgroup (of pid 1 there)
 *   hostilehook kill <pid> <out>        SIGKILLs pid; <out> gets "kill=<errno>"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy(const char *from, const char *to)
{
	char buf[16384];
	ssize_t n;
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

static int put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	char from[PATH_MAX], to[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	if (argc == 4 && strcmp(argv[1], "mountproc") == 0) {
		const char *dir = argv[2], *out = argv[3];

		mkdir(dir, 0755);
		mkdir(out, 0755);
		if (mount("proc", dir, "proc", 0, NULL) < 0) {
			perror("mount");
			return 1;
		}
		static const char *const copies[][2] = {
			{ "self/status", "status" },
			{ "self/cgroup", "cgroup" },
			{ "1/cgroup", "init-cgroup" },
		};

		for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
			snprintf(from, sizeof(from), "%s/%s", dir, copies[i][0]);
			snprintf(to, sizeof(to), "%s/%s", out, copies[i][1]);
			if (copy(from, to) < 0)
				return 2;
		}
		snprintf(from, sizeof(from), "%s/self/ns/pid", dir);
		n = readlink(from, link, sizeof(link) - 1);
		if (n < 0)
			return 5;
		link[n] = '\0';
		snprintf(to, sizeof(to), "%s/pidns", out);
		return put(to, link) < 0 ? 6 : 0;
	}
	if (argc == 4 && strcmp(argv[1], "kill") == 0) {
		char line[32];
		int r = kill((pid_t)atoi(argv[2]), SIGKILL);

		snprintf(line, sizeof(line), "kill=%d\n", r < 0 ? errno : 0);
		return put(argv[3], line) < 0 ? 1 : 0;
	}
	fprintf(stderr, "usage: hostilehook mountproc <dir> <out> | kill <pid> <out>\n");
	return 2;
}
