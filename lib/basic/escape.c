/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/escape.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/ascii.h"

const char *escape_for_message(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; s[i] && i < ESCAPE_INPUT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 4 + 4 > size)
			break;
		if (c == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}
