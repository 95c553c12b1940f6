/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a library module says about what it did, beside its return value
 * and err: a forward applied, an interface removed, a hook skipped. lib/
 * does not log: the program sets where reports go (its log, see log.h:
 * log_report), once, in main; without a sink they are dropped (unit
 * tests).
 */

#include <syslog.h>

/* priority: LOG_ERR, LOG_WARNING, LOG_INFO or LOG_DEBUG; message: one line. */
typedef void (*report_sink_fn)(int priority, const char *message);

void report_set_sink(report_sink_fn sink);

/* printf-like (%m too); the message is cut at 1.5 KiB. */
void report(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define report_error(...)   report(LOG_ERR, __VA_ARGS__)
#define report_warning(...) report(LOG_WARNING, __VA_ARGS__)
#define report_info(...)    report(LOG_INFO, __VA_ARGS__)
#define report_debug(...)   report(LOG_DEBUG, __VA_ARGS__)
