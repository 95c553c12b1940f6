/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Values quoted in messages. libc only. */

#include <stddef.h>

/*
 * Makes s fit for a message in single quotes: printable ASCII stays, '\'
 * and everything else become \\ and \xNN; more than ESCAPE_INPUT_MAX bytes
 * are cut and end in "...". Returns buf, which should hold ESCAPE_BUFSIZE.
 */
#define ESCAPE_INPUT_MAX 120
#define ESCAPE_BUFSIZE	 (ESCAPE_INPUT_MAX * 4 + 4)
const char *escape_for_message(const char *s, char *buf, size_t size);
