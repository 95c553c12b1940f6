/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state_parse() on arbitrary bytes. Whatever parses must survive a round
 * trip: state_to_json() of it parses again and gives the identical text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/shared/state.h"

#include "lib/basic/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_state_ struct state *s = NULL, *again = NULL;
	_cleanup_free_ char *text = NULL, *text_again = NULL;
	struct lxcri_error err = { 0 };
	int r;

	r = state_parse("fuzz", (const char *)data, size, &s, &err);
	if (r < 0) {
		/* Every refusal says why, naming the input. */
		if (strncmp(err.message, "fuzz: ", 6) != 0 || err.code != r)
			abort();
		return 0;
	}
	if (state_to_json(s, &text) < 0)
		abort();
	/* Pretty printing adds indentation: past the cap state_save would refuse it anyway. */
	if (strlen(text) > STATE_MAX_SIZE)
		return 0;
	r = state_parse("fuzz", text, strlen(text), &again, &err);
	if (r < 0) {
		fprintf(stderr, "written state does not parse: %s\n%s\n", err.message, text);
		abort();
	}
	if (state_to_json(again, &text_again) < 0)
		abort();
	if (strcmp(text, text_again) != 0) {
		fprintf(stderr, "round trip differs:\n%s\n---\n%s\n", text, text_again);
		abort();
	}
	return 0;
}
