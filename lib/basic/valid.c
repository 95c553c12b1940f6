/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/valid.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/ascii.h"

bool valid_ifname(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 1 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return ascii_all_of(s, "_.-");
}

bool valid_hostname(const char *s)
{
	size_t total;

	if (!s)
		return false;
	total = strlen(s);
	if (total < 1 || total > 253)
		return false;
	for (const char *label = s;;) {
		size_t n = strcspn(label, ".");

		if (n < 1 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!ascii_is_alnum(label[i]) && label[i] != '-')
				return false;
		if (!label[n])
			return true;
		label += n + 1;
	}
}

bool valid_absolute_path(const char *s)
{
	size_t n;

	if (!s || s[0] != '/')
		return false;
	n = strlen(s);
	if (n >= PATH_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	for (const char *c = s; *c;) {
		size_t len;

		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += len;
	}
	return true;
}

bool valid_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return false;
	while (*p) {
		uint32_t cp;
		size_t len;

		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			len = 2;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			len = 3;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			len = 4;
			cp = *p & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false; /* also stops at the NUL */
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, C1 controls. */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (cp >= 0x80 && cp < 0xa0))
			return false;
		p += len;
	}
	return true;
}

bool valid_user_name(const char *s)
{
	size_t n;

	if (!s || !(ascii_is_lower(s[0]) || s[0] == '_'))
		return false;
	n = strlen(s);
	if (s[n - 1] == '$')
		n--;
	if (n > 32)
		return false;
	for (size_t i = 1; i < n; i++)
		if (!ascii_is_lower(s[i]) && !ascii_is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool valid_cni_network_name(const char *s)
{
	size_t n;

	if (!s || !ascii_is_alnum(s[0]))
		return false;
	n = strlen(s);
	return n <= 100 && ascii_all_of(s, "_.-");
}

bool valid_apparmor_profile(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n >= 1 && n <= 255 && ascii_all_of(s, "_.:/+-");
}

bool valid_fstype(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n >= 1 && n <= 63 && ascii_all_of(s, "_.-");
}

/* SELinux: [A-Za-z0-9_.]+ up to one of the end characters (or the NUL); advances *p. */
static bool selinux_name(const char **p)
{
	const char *s = *p;

	while (ascii_is_alnum(*s) || *s == '_' || *s == '.')
		s++;
	if (s == *p)
		return false;
	*p = s;
	return true;
}

static bool selinux_number(const char **p, unsigned *ret)
{
	const char *s = *p;
	unsigned v = 0;

	if (!ascii_is_digit(*s) || (s[0] == '0' && ascii_is_digit(s[1])))
		return false;
	for (; ascii_is_digit(*s); s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 1023)
			return false;
	}
	*p = s;
	*ret = v;
	return true;
}

/* s<N>[:c<N>[.c<M>][,...]] */
static bool selinux_level(const char **p)
{
	const char *s = *p;
	unsigned first, last;

	if (*s++ != 's' || !selinux_number(&s, &first))
		return false;
	if (*s == ':') {
		do {
			s++;
			if (*s++ != 'c' || !selinux_number(&s, &first))
				return false;
			if (*s == '.') {
				s++;
				if (*s++ != 'c' || !selinux_number(&s, &last) || last < first)
					return false;
			}
		} while (*s == ',');
	}
	*p = s;
	return true;
}

bool valid_selinux_context(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 3; i++) {
		if (!selinux_name(&s))
			return false;
		if (i < 2 && *s++ != ':')
			return false;
	}
	if (!*s)
		return true;
	if (*s++ != ':' || !selinux_level(&s))
		return false;
	if (*s == '-') {
		s++;
		if (!selinux_level(&s))
			return false;
	}
	return *s == '\0';
}

bool valid_dns_option(const char *s)
{
	const char *p = s;

	if (!s)
		return false;
	while (ascii_is_lower(*p) || ascii_is_digit(*p) || *p == '-')
		p++;
	if (p == s)
		return false;
	if (*p == ':') {
		const char *digits = ++p;

		while (ascii_is_digit(*p))
			p++;
		if (p == digits)
			return false;
	}
	return *p == '\0';
}

bool valid_annotation_key(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n >= 1 && n <= 255 && ascii_all_of(s, "._/-");
}
