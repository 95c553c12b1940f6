/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A syslog socket for the integration tests: binds an AF_UNIX datagram
 * socket (what /dev/log is) and appends every message it gets, one per line,
 * to a file. lxcri programs are pointed at it with LXCRI_LOG_SOCKET.
 *   logsink <socket> <file>
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd, out;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: logsink <socket> <file>\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || out < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("logsink");
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		if (buf[n - 1] != '\n')
			buf[n++] = '\n';
		if (write(out, buf, (size_t)n) < 0)
			return 1;
	}
}
