/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/ascii.h"

int parse_uint64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!ascii_is_digit(*p))
			return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_uint32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, min, max, &v);

	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int parse_uint16(const char *s, uint16_t min, uint16_t max, uint16_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, min, max, &v);

	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

int parse_port_range(const char *s, uint16_t *ret_first, uint16_t *ret_last)
{
	char buf[6];
	const char *dash;
	uint16_t first, last;
	size_t n;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		if (parse_uint16(s, 1, UINT16_MAX, &first) < 0)
			return -EINVAL;
		*ret_first = *ret_last = first;
		return 0;
	}
	n = (size_t)(dash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_uint16(buf, 1, UINT16_MAX, &first) < 0 ||
	    parse_uint16(dash + 1, 1, UINT16_MAX, &last) < 0 || first > last)
		return -EINVAL;
	*ret_first = first;
	*ret_last = last;
	return 0;
}

int parse_properties(char *s, const char *const names[], char *ret_values[],
		     struct property_failure *ret_failure)
{
	struct property_failure failure;
	size_t n_names = 0;

	while (names[n_names])
		n_names++;
	for (size_t i = 0; i < n_names; i++)
		ret_values[i] = NULL;

	for (char *item = s;;) {
		char *end = strchrnul(item, ',');
		bool last = *end == '\0';
		char *eq, *value;
		size_t i;

		*end = '\0';
		failure.item = item;
		if (!*item) {
			failure.problem = PROPERTY_EMPTY;
			goto fail;
		}
		eq = strchr(item, '=');
		if (!eq) {
			failure.problem = PROPERTY_NO_EQUALS;
			goto fail;
		}
		if (eq == item) {
			failure.problem = PROPERTY_EMPTY_NAME;
			goto fail;
		}
		*eq = '\0';
		value = eq + 1;
		for (i = 0; i < n_names; i++)
			if (strcmp(names[i], item) == 0)
				break;
		if (i == n_names) {
			failure.problem = PROPERTY_UNKNOWN;
			goto fail;
		}
		if (ret_values[i]) {
			failure.problem = PROPERTY_DUPLICATE;
			goto fail;
		}
		if (!*value) {
			failure.problem = PROPERTY_EMPTY_VALUE;
			goto fail;
		}
		ret_values[i] = value;
		if (last)
			return 0;
		item = end + 1;
	}

fail:
	if (ret_failure)
		*ret_failure = failure;
	return -EINVAL;
}

int parse_list(char *s, char ***ret)
{
	char **items;
	size_t n = 1, i = 0;

	for (const char *c = s; *c; c++)
		if (*c == ';')
			n++;
	items = calloc(n + 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (char *item = s;;) {
		char *end = strchrnul(item, ';');
		bool last = *end == '\0';

		*end = '\0';
		if (!*item) {
			free(items);
			return -EINVAL;
		}
		items[i++] = item;
		if (last)
			break;
		item = end + 1;
	}
	*ret = items;
	return (int)n;
}
