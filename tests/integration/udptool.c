/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UDP for the port forwarding tests, built static so that it runs inside a
 * busybox container (busybox's nc has no UDP):
 *   udptool serve <port>                  answers every datagram with
 *                                          "<hostname> <its payload>", on
 *                                          IPv4 and IPv6 (one dual-stack socket)
 *   udptool send <addr> <port> <text> [<source port> [<timeout ms>]]
 *                                          prints the answer; exit 1 when
 *                                          none comes in time (default 1000 ms)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), off = 0;
	char host[64] = "?", buf[1024], out[1200];

	gethostname(host, sizeof(host) - 1);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udptool serve");
		return 1;
	}
	for (;;) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);

		if (n < 0)
			continue;
		buf[n] = '\0';
		n = snprintf(out, sizeof(out), "%s %s", host, buf);
		sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

static int send_one(const char *addr, int port, const char *text, int src_port, int timeout_ms)
{
	struct sockaddr_storage to = { 0 }, src = { 0 };
	socklen_t len;
	char buf[1200];
	int fd, family;
	ssize_t n;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&to;
		family = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return fprintf(stderr, "udptool: bad address '%s'\n", addr), 2;
		((struct sockaddr_in6 *)&src)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&src)->sin6_port = htons((uint16_t)src_port);
		len = sizeof(struct sockaddr_in6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&to;
		family = AF_INET;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return fprintf(stderr, "udptool: bad address '%s'\n", addr), 2;
		((struct sockaddr_in *)&src)->sin_family = AF_INET;
		((struct sockaddr_in *)&src)->sin_port = htons((uint16_t)src_port);
		len = sizeof(struct sockaddr_in);
	}
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0 || (src_port && bind(fd, (struct sockaddr *)&src, len) < 0) ||
	    sendto(fd, text, strlen(text), 0, (struct sockaddr *)&to, len) < 0) {
		perror("udptool send");
		return 2;
	}
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) != 1)
		return fprintf(stderr, "udptool: no answer from %s port %d\n", addr, port), 1;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return perror("udptool recv"), 1;
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(atoi(argv[2]));
	if (argc >= 5 && argc <= 7 && strcmp(argv[1], "send") == 0)
		return send_one(argv[2], atoi(argv[3]), argv[4], argc > 5 ? atoi(argv[5]) : 0,
				argc > 6 ? atoi(argv[6]) : 1000);
	fprintf(stderr, "usage: udptool serve <port> | send <addr> <port> <text> [<src port> "
			"[<timeout ms>]]\n");
	return 2;
}
