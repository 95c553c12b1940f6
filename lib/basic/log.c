/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct {
	char ident[64];
	char container[128];
	int max_level;
	bool to_stderr;
	int fd; /* -1: not yet connected, -2: no socket */
} log_state = { "lxcri", "", LOG_INFO, true, -1 };

void log_setup(const char *ident, const char *container_id)
{
	snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident ? ident : "lxcri");
	log_set_container(container_id);
}

void log_set_container(const char *container_id)
{
	snprintf(log_state.container, sizeof(log_state.container), "%s",
		 container_id ? container_id : "");
}

void log_set_max_level(int priority)
{
	log_state.max_level = priority;
}

int log_get_max_level(void)
{
	return log_state.max_level;
}

void log_set_stderr(bool enabled)
{
	log_state.to_stderr = enabled;
}

void log_forget_socket(void)
{
	log_state.fd = -1;
}

int log_level_from_string(const char *s)
{
	static const struct {
		const char *name;
		int priority;
	} levels[] = {
		{ "error", LOG_ERR },
		{ "warning", LOG_WARNING },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (s && strcasecmp(s, levels[i].name) == 0)
			return levels[i].priority;
	return -EINVAL;
}

static void log_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("LXCRI_LOG_SOCKET");
	int fd;

	if (!path || !*path)
		path = "/dev/log";
	if (strlen(path) >= sizeof(sa.sun_path))
		goto no_socket;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto no_socket;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		goto no_socket;
	}
	log_state.fd = fd;
	return;
no_socket:
	log_state.fd = -2;
}

static void log_to_syslog(int priority, const char *line)
{
	char buf[2048], stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (log_state.fd == -1)
		log_connect();
	if (log_state.fd < 0)
		return;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	int n = snprintf(buf, sizeof(buf), "<%d>%s %s[%d]: %s", LOG_DAEMON | priority, stamp,
			 log_state.ident, (int)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	(void)send(log_state.fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int log_internal(int priority, int error, const char *fmt, ...)
{
	char message[1536], line[1700];
	int saved_errno = errno;
	va_list ap;

	if (error < 0)
		error = -error;
	if (priority > log_state.max_level)
		goto out;

	errno = error; /* for %m */
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	if (log_state.container[0])
		snprintf(line, sizeof(line), "CT %s: %s", log_state.container, message);
	else
		snprintf(line, sizeof(line), "%s", message);

	log_to_syslog(priority, line);
	if (log_state.to_stderr)
		dprintf(STDERR_FILENO, "%s: %s\n", log_state.ident, line);
out:
	errno = saved_errno;
	return -error;
}

void log_report(int priority, const char *message)
{
	log_internal(priority, 0, "%s", message);
}
