/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image platforms. See platform.h. */
#include "lib/image/platform.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/basic/escape.h"

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void set(char *dst, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(dst, s, n);
	dst[n] = '\0';
}

void platform_normalize(struct platform *p)
{
	static const struct {
		const char *alias, *arch, *variant;
	} aliases[] = {
		{ "x86_64", "amd64", "" },    { "x86-64", "amd64", "" }, { "aarch64", "arm64", "" },
		{ "armhf", "arm", "v7" },     { "armel", "arm", "v6" },	 { "i386", "386", "" },
		{ "i486", "386", "" },	      { "i586", "386", "" },	 { "i686", "386", "" },
		{ "armv7l", "arm", "v7" },    { "armv6l", "arm", "v6" }, { "armv8l", "arm", "v8" },
		{ "ppc64el", "ppc64le", "" },
	};

	lower(p->os);
	lower(p->architecture);
	lower(p->variant);
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(p->architecture, aliases[i].alias) == 0) {
			set(p->architecture, sizeof(p->architecture), aliases[i].arch);
			if (!p->variant[0])
				set(p->variant, sizeof(p->variant), aliases[i].variant);
			break;
		}
	if (strcmp(p->architecture, "arm64") == 0 && strcmp(p->variant, "v8") == 0)
		p->variant[0] = '\0';
	if (strcmp(p->architecture, "amd64") == 0 && strcmp(p->variant, "v1") == 0)
		p->variant[0] = '\0';
	if (strcmp(p->architecture, "arm") == 0 && !p->variant[0])
		set(p->variant, sizeof(p->variant), "v7");
	if (strcmp(p->architecture, "arm") == 0 && strcmp(p->variant, "7") == 0)
		set(p->variant, sizeof(p->variant), "v7");
	if (!p->os[0])
		set(p->os, sizeof(p->os), "linux");
}

/* A component: 1..31 of [a-z0-9_.-] (before lower-casing: letters of any case). */
static bool component_valid(const char *s, size_t n)
{
	if (n == 0 || n >= 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

int platform_parse(const char *s, struct platform *ret, struct lxcri_error *err)
{
	struct platform p = { 0 };
	const char *parts[3];
	size_t lens[3], n = 0;
	char q[ESCAPE_BUFSIZE];

	for (const char *c = s;;) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 3 || !component_valid(c, len))
			return error_set(err, -EINVAL,
					 "Invalid platform '%s': it is os/architecture[/variant] "
					 "(linux/arm64, linux/arm/v7) or an architecture",
					 escape_for_message(s, q, sizeof(q)));
		parts[n] = c;
		lens[n++] = len;
		if (!slash)
			break;
		c = slash + 1;
	}
	if (n == 1) {
		snprintf(p.architecture, sizeof(p.architecture), "%.*s", (int)lens[0], parts[0]);
	} else {
		snprintf(p.os, sizeof(p.os), "%.*s", (int)lens[0], parts[0]);
		snprintf(p.architecture, sizeof(p.architecture), "%.*s", (int)lens[1], parts[1]);
		if (n == 3)
			snprintf(p.variant, sizeof(p.variant), "%.*s", (int)lens[2], parts[2]);
	}
	platform_normalize(&p);
	*ret = p;
	return 0;
}

void platform_host(struct platform *ret)
{
	struct utsname u;

	*ret = (struct platform){ 0 };
	set(ret->os, sizeof(ret->os), "linux");
	if (uname(&u) == 0)
		set(ret->architecture, sizeof(ret->architecture), u.machine);
	platform_normalize(ret);
}

bool platform_match(const struct platform *want, const struct platform *have)
{
	struct platform w = *want, h = *have;

	platform_normalize(&w);
	platform_normalize(&h);
	if (strcmp(w.os, h.os) != 0 || strcmp(w.architecture, h.architecture) != 0)
		return false;
	return !w.variant[0] || strcmp(w.variant, h.variant) == 0;
}

int platform_format(const struct platform *p, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/%s%s%s", p->os[0] ? p->os : "linux", p->architecture,
			p->variant[0] ? "/" : "", p->variant);
}
