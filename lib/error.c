/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "error.h"

#include <stdio.h>
#include <string.h>

int error_setv(struct lxcri_error *err, int r, const char *fmt, va_list ap)
{
	if (err) {
		err->code = r;
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
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
