/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int error_setv(struct lxcri_error *err, int r, const char *fmt, va_list ap)
{
	/* Formatted apart: an argument may be err->message itself ("%s; undone", err->message). */
	char message[sizeof(err->message)];

	if (err) {
		vsnprintf(message, sizeof(message), fmt, ap);
		err->code = r;
		memcpy(err->message, message, sizeof(message));
	}
	return r;
}

int error_set(struct lxcri_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, r, fmt, ap);
	va_end(ap);
	return r;
}

int error_set_errno(struct lxcri_error *err, int r, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return r;
	va_start(ap, fmt);
	error_setv(err, r, fmt, ap);
	va_end(ap);
	n = strlen(err->message);
	if (n < sizeof(err->message))
		snprintf(err->message + n, sizeof(err->message) - n, ": %s",
			 strerror(r < 0 ? -r : r));
	return r;
}

int error_oom(struct lxcri_error *err)
{
	return error_set(err, -ENOMEM, "Out of memory");
}
