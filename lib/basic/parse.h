/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Value parsers for the config grammar and for anything else that reads
 * the same kinds of values (CLI arguments, state files). They take
 * NUL-terminated strings, never log, return >= 0 on success and -EINVAL
 * (or the code named below) on a bad value, and leave their ret_*
 * outputs untouched on failure. They only decide; the caller words the
 * message, quoting the value with escape_for_message() (escape.h).
 * Addresses: ip.h; MAC addresses: mac.h; names and paths: valid.h.
 *
 * Numbers everywhere are plain decimal: digits only, no sign, no blanks and
 * no leading zeros ("0" itself is fine), so that "010" never means 8.
 *
 * libc only.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* -EINVAL if s is not such a number, -ERANGE if it is outside min..max. */
int parse_uint64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
int parse_uint32(const char *s, uint32_t min, uint32_t max, uint32_t *ret);
int parse_uint16(const char *s, uint16_t min, uint16_t max, uint16_t *ret);

/* "<port>" or "<first>-<last>": ports 1..65535, first <= last. */
int parse_port_range(const char *s, uint16_t *ret_first, uint16_t *ret_last);
/*
 * Property strings, "k=v,k=v" as PVE writes them. parse_properties()
 * splits s in place (it writes NULs) and, for names[i] (a NULL-terminated
 * list), sets ret_values[i] to its value or NULL if absent. Properties may
 * come in any order. On a bad string it returns -EINVAL and fills
 * *ret_failure (if not NULL); ret_values is then undefined.
 */
enum property_problem {
	PROPERTY_EMPTY,	      /* ",," or a ',' at either end; item is "" */
	PROPERTY_NO_EQUALS,   /* "foo"; item is "foo" */
	PROPERTY_EMPTY_NAME,  /* "=foo"; item is "=foo" */
	PROPERTY_UNKNOWN,     /* "foo=1" with foo not in names; item is "foo" */
	PROPERTY_DUPLICATE,   /* "a=1,a=2"; item is "a" */
	PROPERTY_EMPTY_VALUE, /* "a="; item is "a" */
};
struct property_failure {
	enum property_problem problem;
	const char *item; /* points into s */
};
int parse_properties(char *s, const char *const names[], char *ret_values[],
		     struct property_failure *ret_failure);

/*
 * ';' lists: splits s in place into *ret, a malloc'ed NULL-terminated array
 * of pointers into s (free only the array). Returns the number of elements,
 * -EINVAL if one is empty ("a;;b", "a;"), -ENOMEM.
 */
int parse_list(char *s, char ***ret);
