/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the suites of lib/config: a config parsed from text, its errors, its round trip. */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/config/config.h"

/* A text that fails on line, with a message that contains a string. */
struct bad_input {
	const char *text;
	unsigned line;
	const char *contains;
};

static inline struct config *parse_ok(const char *text)
{
	struct lxcri_error err = { 0 };
	struct config *c = NULL;
	int r;

	r = config_parse("t.conf", text, strlen(text), &c, &err);
	ck_assert_msg(r == 0, "unexpected error %d: %s", r, err.message);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Asserts that text fails with "t.conf:<line>: " and a message containing needle. */
static inline void parse_fails(const char *text, size_t size, unsigned line, const char *needle)
{
	struct lxcri_error err = { 0 };
	struct config *c = NULL;
	char prefix[64];
	int r;

	r = config_parse("t.conf", text, size, &c, &err);
	ck_assert_msg(r == -EINVAL, "'%s': expected -EINVAL, got %d (%s)", text, r, err.message);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, r);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0,
		      "'%s': message '%s' does not start with '%s'", text, err.message, prefix);
	ck_assert_msg(strstr(err.message, needle), "'%s': message '%s' does not contain \"%s\"",
		      text, err.message, needle);
	/* A complete sentence, not cut by the buffer. */
	ck_assert_uint_lt(strlen(err.message), sizeof(err.message) - 1);
}

static inline void assert_round_trip(const char *text)
{
	_cleanup_config_ struct config *a = parse_ok(text), *b = NULL;
	_cleanup_free_ char *first = NULL, *second = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(config_format(a, &first), 0);
	ck_assert_msg(config_parse("again.conf", first, strlen(first), &b, &err) == 0, "%s: %s",
		      first, err.message);
	ck_assert_msg(config_equal(a, b), "models differ after:\n%s", first);
	ck_assert_int_eq(config_format(b, &second), 0);
	ck_assert_str_eq(first, second);
	ck_assert_uint_eq(a->n_entries, b->n_entries);
}

/* The test of a table of bad inputs, one run per row (tcase_add_loop_test()). */
#define BAD_INPUT_TEST(table)                                                                      \
	START_TEST(test_bad_input)                                                                 \
	{                                                                                          \
		const struct bad_input *b = &(table)[_i];                                          \
                                                                                                   \
		parse_fails(b->text, strlen(b->text), b->line, b->contains);                       \
	}                                                                                          \
	END_TEST

/* Whether a and b stay equal, then differ after change(b), then are equal again after undo(b). */
#define ASSERT_EQUAL_SEES(a, b, change, undo)                                                      \
	do {                                                                                       \
		ck_assert(config_equal((a), (b)));                                                 \
		change;                                                                            \
		ck_assert_msg(!config_equal((a), (b)), "config_equal misses: %s", #change);        \
		undo;                                                                              \
		ck_assert(config_equal((a), (b)));                                                 \
	} while (0)
