/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reports of library modules to the program's sink: see report.h. */
#include "lib/basic/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static report_sink_fn report_sink;

void report_set_sink(report_sink_fn sink)
{
	report_sink = sink;
}

void report(int priority, const char *fmt, ...)
{
	char message[1536];
	va_list ap;

	if (!report_sink)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report_sink(priority, message);
}
