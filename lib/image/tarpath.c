/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names of layer tar entries. See tarpath.h. */
#include "lib/image/tarpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/basic/escape.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE		".wh..wh..opq"

int tarpath_clean(const char *name, char *buf, size_t size, struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];
	size_t n = 0;

	if (size < 2)
		return -ENAMETOOLONG;
	if (name[0] == '/')
		return error_set(err, -EINVAL,
				 "The entry '%s' has an absolute name: a layer may not name a path "
				 "outside the rootfs",
				 escape_for_message(name, q, sizeof(q)));
	for (const char *c = name; *c;) {
		size_t len;

		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if (len == 0)
			break;
		if (len == 1 && c[0] == '.') {
			c += len;
			continue;
		}
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return error_set(
			    err, -EINVAL,
			    "The entry '%s' has a '..' component: a layer may not leave "
			    "the rootfs",
			    escape_for_message(name, q, sizeof(q)));
		if (n + (n > 0) + len + 1 > size)
			return error_set(err, -ENAMETOOLONG, "The entry '%s' has too long a name",
					 escape_for_message(name, q, sizeof(q)));
		if (n > 0)
			buf[n++] = '/';
		memcpy(buf + n, c, len);
		n += len;
		c += len;
	}
	if (n == 0)
		buf[n++] = '.';
	buf[n] = '\0';
	return 0;
}

const char *tarpath_base(const char *clean)
{
	const char *slash = strrchr(clean, '/');

	return slash ? slash + 1 : clean;
}

int tarpath_whiteout(const char *clean, char *target, size_t size)
{
	const char *base = tarpath_base(clean);
	size_t dir = (size_t)(base - clean); /* with its '/' */
	int n;

	if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) != 0)
		return TARPATH_NOT_WHITEOUT;
	if (strcmp(base, OPAQUE) == 0) {
		n = dir ? snprintf(target, size, "%.*s", (int)(dir - 1), clean)
			: snprintf(target, size, ".");
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : TARPATH_OPAQUE;
	}
	if (strncmp(base, WHITEOUT_PREFIX WHITEOUT_PREFIX, 2 * strlen(WHITEOUT_PREFIX)) == 0)
		return TARPATH_IGNORED;
	const char *victim = base + strlen(WHITEOUT_PREFIX);
	if (!victim[0] || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return -EINVAL;
	n = snprintf(target, size, "%.*s%s", (int)dir, clean, base + strlen(WHITEOUT_PREFIX));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : TARPATH_WHITEOUT;
}
