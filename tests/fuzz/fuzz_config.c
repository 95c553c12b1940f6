/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config_parse() and settings_parse() on arbitrary bytes. A refusal names
 * the input and a line; whatever parses must survive a round trip:
 * config_format() of it parses again to an equal model and formats to the
 * identical text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "lib/config/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "fuzz.conf:<line>: " or, for a file over the size limit, "fuzz.conf: ". */
static void check_refusal(const struct lxcri_error *err, int r)
{
	const char *m = err->message;

	if (err->code != r || strncmp(m, "fuzz.conf:", 10) != 0)
		abort();
	m += 10;
	if (*m == ' ' && r == -EFBIG)
		return;
	if (*m < '1' || *m > '9')
		abort();
	while (*m >= '0' && *m <= '9')
		m++;
	if (strncmp(m, ": ", 2) != 0 || !m[2])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_config_ struct config *c = NULL, *again = NULL;
	_cleanup_free_ char *text = NULL, *text_again = NULL;
	struct lxcri_error err = { 0 };
	struct settings s;
	int r;

	settings_init(&s);
	r = settings_parse("fuzz.conf", (const char *)data, size, &s, &err);
	if (r < 0)
		check_refusal(&err, r);

	r = config_parse("fuzz.conf", (const char *)data, size, &c, &err);
	if (r < 0) {
		check_refusal(&err, r);
		return 0;
	}
	for (size_t i = 0; i < c->n_entries; i++)
		if (!config_key_feature(c->entries[i].key))
			abort();

	if (config_format(c, &text) < 0)
		abort();
	r = config_parse("formatted.conf", text, strlen(text), &again, &err);
	if (r < 0) {
		fprintf(stderr, "formatted text does not parse: %s\n---\n%s---\n", err.message,
			text);
		abort();
	}
	if (!config_equal(c, again)) {
		fprintf(stderr, "formatted text gives another model:\n%s", text);
		abort();
	}
	if (config_format(again, &text_again) < 0 || strcmp(text, text_again) != 0) {
		fprintf(stderr, "formatting is not stable:\n%s---\n%s", text,
			text_again ? text_again : "(failed)\n");
		abort();
	}
	return 0;
}
