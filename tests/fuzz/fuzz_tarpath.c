/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tarpath_clean() and tarpath_whiteout() on arbitrary names: what is taken
 * is relative, has no "." or ".." component and no empty one, and cleans to
 * itself; a whiteout's target is clean too and never "..".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/image/tarpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *p)
{
	if (p[0] == '/' || strstr(p, "//") || (p[0] && p[strlen(p) - 1] == '/'))
		abort();
	if (strcmp(p, ".") == 0)
		return;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c += n + (c[n] == '/');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), clean[4096], again[4096], target[4096];
	struct lxcri_error err = { 0 };
	int wh;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (tarpath_clean(s, clean, sizeof(clean), &err) == 0) {
		check_clean(clean);
		if (tarpath_clean(clean, again, sizeof(again), &err) != 0 || strcmp(clean, again))
			abort();
		wh = tarpath_whiteout(clean, target, sizeof(target));
		if (wh == TARPATH_WHITEOUT || wh == TARPATH_OPAQUE) {
			check_clean(target);
			if (strcmp(tarpath_base(target), "..") == 0)
				abort();
		}
	} else if (!err.message[0]) {
		abort();
	}
	free(s);
	return 0;
}
