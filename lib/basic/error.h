/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * lib/ does not log. Functions return >= 0 or -errno; where the caller needs
 * to know *what* was wrong (a parser: which file, line and value), they also
 * fill a struct lxcri_error that the caller logs once.
 */

#include <stdarg.h>

struct lxcri_error {
	int code;	    /* the -errno returned alongside */
	char message[1024]; /* complete sentence, no trailing newline */
};

/*
 * Formats the message into err (which may be NULL) and returns r (a -errno).
 * An argument may be err->message itself, to wrap what is there.
 */
int error_set(struct lxcri_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int error_setv(struct lxcri_error *err, int r, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* error_oom(err): -ENOMEM. */
int error_oom(struct lxcri_error *err);

/* Like error_set(), with ": <strerror(-r)>" appended. */
int error_set_errno(struct lxcri_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
