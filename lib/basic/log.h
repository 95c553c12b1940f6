/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Logging for programs (hooks/ and helpers/); lib/ code does not log except
 * at debug level. Every line carries the container id ("CT <id>: ..."),
 * because hook output otherwise ends up only in LXC's debug log.
 *
 * Lines go to the syslog socket (journald reads it) as RFC 3164 datagrams,
 * and to stderr. The socket is /dev/log, or $LXCRI_LOG_SOCKET (tests point
 * it at a socket of their own). A missing socket is not an error: logging
 * must never stop a container.
 */

#include <stdbool.h>
#include <syslog.h>

void log_setup(const char *ident, const char *container_id);
void log_set_container(const char *container_id);
void log_set_max_level(int priority);
int log_get_max_level(void);
void log_set_stderr(bool enabled);
/*
 * Forgets the connection to the syslog socket without closing it: for a
 * process that has just closed every fd (one that daemonizes), whose old
 * socket number may now be another file. The next line connects again.
 */
void log_forget_socket(void);
/* Parses "error", "warning", "info", "debug"; returns the priority or -EINVAL. */
int log_level_from_string(const char *s);

/* A report_sink_fn (report.h): what lib/ reports goes to this log. */
void log_report(int priority, const char *message);

/* Logs at priority; with error != 0, %m means strerror(|error|). Returns -|error|. */
int log_internal(int priority, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...)		  log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...)	  log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_info(...)		  log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...)		  log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(r, ...)	  log_internal(LOG_ERR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_WARNING, (r), __VA_ARGS__)
