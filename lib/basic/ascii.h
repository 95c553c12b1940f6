/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Locale-independent character classes for the parsers: the grammar is ASCII. */

#include <stdbool.h>
#include <string.h>

static inline bool ascii_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool ascii_is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool ascii_is_alnum(char c)
{
	return ascii_is_digit(c) || ascii_is_lower(c) || (c >= 'A' && c <= 'Z');
}

static inline int ascii_hex_value(char c)
{
	if (ascii_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether every byte of s is alphanumeric or one of extra. */
static inline bool ascii_all_of(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!ascii_is_alnum(*s) && !strchr(extra, *s))
			return false;
	return true;
}
