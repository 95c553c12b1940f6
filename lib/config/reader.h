/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The line reader of lxcri's "key: value" files: the per-container config
 * (config.c) and the host-wide settings (settings.c). Blank lines and '#'
 * comments are skipped, blanks around the value trimmed; every error is
 * "<name>:<line>: ...". libc only.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

struct reader {
	const char *name;
	const char *data;
	size_t size, pos;
	unsigned line; /* of the line read last */
	struct lxcri_error *err;
};

static inline bool reader_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Sets err to "<name>:<line>: <message>" and returns r. */
int reader_fail(const struct reader *rd, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Starts reading data (size bytes, need not be NUL-terminated); name is for
 * messages ("(config)" if NULL). -EFBIG with config_too_large()'s message if
 * size is more than CONFIG_MAX_SIZE.
 */
int reader_init(struct reader *rd, const char *name, const char *data, size_t size,
		struct lxcri_error *err);

/*
 * The next "key: value" line: 1 with *ret_line a malloc'ed copy of the line
 * holding the NUL-terminated key and value, 0 at the end, or an error.
 */
int reader_next(struct reader *rd, char **ret_line, char **ret_key, char **ret_value);
