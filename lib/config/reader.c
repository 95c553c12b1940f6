/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/config/reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/config/config.h"

int reader_fail(const struct reader *rd, int r, const char *fmt, ...)
{
	char message[sizeof(((struct lxcri_error *)NULL)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return error_set(rd->err, r, "%s:%u: %s", rd->name, rd->line, message);
}

int reader_init(struct reader *rd, const char *name, const char *data, size_t size,
		struct lxcri_error *err)
{
	*rd = (struct reader){
		.name = name ? name : "(config)", .data = data, .size = size, .err = err
	};
	if (size > CONFIG_MAX_SIZE)
		return config_too_large(rd->name, size, err);
	if (size && !data)
		return error_set(err, -EINVAL, "%s: No data", rd->name);
	return 0;
}

int reader_next(struct reader *rd, char **ret_line, char **ret_key, char **ret_value)
{
	char q[ESCAPE_BUFSIZE];

	while (rd->pos < rd->size) {
		const char *start = rd->data + rd->pos;
		const char *newline = memchr(start, '\n', rd->size - rd->pos);
		size_t len = newline ? (size_t)(newline - start) : rd->size - rd->pos;
		_cleanup_free_ char *line = NULL;
		size_t skip = 0, k = 0;
		char *value;

		rd->pos += len + (newline ? 1 : 0);
		rd->line++;
		if (memchr(start, '\0', len)) {
			if (!start[0])
				return reader_fail(rd, -EINVAL,
						   "Invalid NUL byte at the start of the line (a "
						   "binary file?)");
			/* start is a string up to the NUL: what precedes it on the line. */
			return reader_fail(rd, -EINVAL,
					   "Invalid NUL byte after '%s' (a binary file?)",
					   escape_for_message(start, q, sizeof(q)));
		}
		if (len && start[len - 1] == '\r') /* edited on Windows */
			len--;
		while (len && reader_is_blank(start[len - 1]))
			len--;
		while (skip < len && reader_is_blank(start[skip]))
			skip++;
		if (skip == len || start[skip] == '#')
			continue;

		line = strndup(start + skip, len - skip);
		if (!line)
			return reader_fail(rd, -ENOMEM, "Out of memory");
		if (line[0] == '[')
			return reader_fail(
			    rd, -EINVAL,
			    "Invalid line '%s': sections (snapshots) are not supported",
			    escape_for_message(line, q, sizeof(q)));
		while ((line[k] >= 'a' && line[k] <= 'z') || (line[k] >= '0' && line[k] <= '9') ||
		       line[k] == '-')
			k++;
		if (!(line[0] >= 'a' && line[0] <= 'z') || line[k] != ':') {
			size_t token = strcspn(line, ": \t=,");

			if (k && line[0] >= 'a' && line[0] <= 'z' && k == token) {
				line[k] = '\0';
				return reader_fail(rd, -EINVAL,
						   "Missing ':' directly after key '%s': expected "
						   "'<key>: <value>'",
						   escape_for_message(line, q, sizeof(q)));
			}
			if (!token)
				return reader_fail(rd, -EINVAL,
						   "Invalid line '%s': expected '<key>: <value>'",
						   escape_for_message(line, q, sizeof(q)));
			line[token] = '\0';
			return reader_fail(
			    rd, -EINVAL,
			    "Invalid key '%s': a key is a lower-case letter followed by "
			    "lower-case letters, digits and '-', directly followed by ':'",
			    escape_for_message(line, q, sizeof(q)));
		}
		line[k] = '\0';
		value = line + k + 1;
		while (reader_is_blank(*value))
			value++;
		if (!*value)
			return reader_fail(rd, -EINVAL, "Empty value for '%s'",
					   escape_for_message(line, q, sizeof(q)));
		*ret_key = line;
		*ret_value = value;
		*ret_line = TAKE_PTR(line);
		return 1;
	}
	return 0;
}
