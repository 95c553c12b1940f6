/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * NULL-terminated lists of malloc'ed strings ("strv", after systemd): the
 * one copy every module uses. A NULL list is an empty one. libc only.
 */

#include <stdarg.h>
#include <stddef.h>

/* Frees every string and the list; NULL is fine. */
void strv_free(char **v);

static inline void strv_freep(char ***v)
{
	strv_free(*v);
	*v = NULL;
}

#define _cleanup_strv_ __attribute__((cleanup(strv_freep)))

/* The number of strings in v (0 for NULL). */
size_t strv_length(char *const *v);

/*
 * Appends s to *v and takes it: it is freed if the list cannot grow. s NULL
 * (a failed strdup) is -ENOMEM too. n, if not NULL, holds the length of *v
 * and is counted up; NULL: the length is counted first.
 */
int strv_append(char ***v, size_t *n, char *s);

/* strv_append() of a formatted string. */
int strv_appendv(char ***v, size_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int strv_appendf(char ***v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A deep copy of v in *ret (NULL for NULL). -ENOMEM, *ret untouched. */
int strv_copy(char *const *v, char ***ret);
