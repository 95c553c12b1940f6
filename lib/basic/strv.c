/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/strv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **i = v; *i; i++)
		free(*i);
	free(v);
}

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int strv_append(char ***v, size_t *n, char *s)
{
	size_t len = n ? *n : strv_length(*v);
	char **grown;

	if (!s)
		return -ENOMEM;
	grown = reallocarray(*v, len + 2, sizeof(*grown));
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	grown[len] = s;
	grown[len + 1] = NULL;
	*v = grown;
	if (n)
		*n = len + 1;
	return 0;
}

int strv_appendv(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = NULL;

	return vasprintf(&s, fmt, ap) < 0 ? -ENOMEM : strv_append(v, n, s);
}

int strv_appendf(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_appendv(v, n, fmt, ap);
	va_end(ap);
	return r;
}

int strv_copy(char *const *v, char ***ret)
{
	_cleanup_strv_ char **copy = NULL;
	size_t n = strv_length(v);

	if (!v) {
		*ret = NULL;
		return 0;
	}
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(v[i])))
			return -ENOMEM;
	*ret = TAKE_PTR(copy);
	return 0;
}
