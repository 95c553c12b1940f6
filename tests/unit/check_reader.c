/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The line reader of the config and the settings (lib/config/reader.c). */
#include <errno.h>

#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "lib/config/reader.h"
#include "testutil.h"

/* The next line of rd: its key and value, on the line expected. */
static void next_is(struct reader *rd, const char *key, const char *value, unsigned line)
{
	_cleanup_free_ char *copy = NULL;
	char *k, *v;

	ck_assert_int_eq(reader_next(rd, &copy, &k, &v), 1);
	ck_assert_str_eq(k, key);
	ck_assert_str_eq(v, value);
	ck_assert_uint_eq(rd->line, line);
}

/* Comments, blank lines, blanks around the value and CRLF ends are not part of it. */
START_TEST(test_lines)
{
	static const char text[] = "# a comment\n\n  \t\nkey:  a value \t\r\n"
				   "   # indented comment\nk-2:x\nlast: no newline";
	struct lxcri_error err = { 0 };
	struct reader rd;
	char *line = NULL, *k, *v;

	ck_assert_int_eq(reader_init(&rd, "r.conf", text, strlen(text), &err), 0);
	next_is(&rd, "key", "a value", 4);
	next_is(&rd, "k-2", "x", 6);
	next_is(&rd, "last", "no newline", 7);
	ck_assert_int_eq(reader_next(&rd, &line, &k, &v), 0);
	ck_assert_ptr_null(line);
	ck_assert_int_eq(reader_next(&rd, &line, &k, &v), 0);
}
END_TEST

/* Only size bytes are read: the text need not end in NUL. */
START_TEST(test_size_bounds_the_text)
{
	static const char text[] = "a: 1\nb: 2\n";
	struct lxcri_error err = { 0 };
	struct reader rd;
	char *line = NULL, *k, *v;

	ck_assert_int_eq(reader_init(&rd, NULL, text, 5, &err), 0);
	next_is(&rd, "a", "1", 1);
	ck_assert_int_eq(reader_next(&rd, &line, &k, &v), 0);
	ck_assert_str_eq(rd.name, "(config)");
	ck_assert_int_eq(reader_init(&rd, "x", NULL, 0, &err), 0);
	ck_assert_int_eq(reader_next(&rd, &line, &k, &v), 0);
	ck_assert_int_eq(reader_init(&rd, "x", NULL, 3, &err), -EINVAL);
	ck_assert_str_eq(err.message, "x: No data");
}
END_TEST

static const struct {
	const char *text;
	size_t size; /* 0: strlen */
	const char *message;
} bad[] = {
	{ "ok: 1\nKey: v", 0, "r.conf:2: Invalid key 'Key'" },
	{ "key v", 0, "r.conf:1: Missing ':' directly after key 'key'" },
	{ "key : v", 0, "r.conf:1: Missing ':' directly after key 'key'" },
	{ ": v", 0, "r.conf:1: Invalid line ': v'" },
	{ "\n[snap1]\nkey: v", 0, "r.conf:2: Invalid line '[snap1]': sections (snapshots)" },
	{ "key:   \t", 0, "r.conf:1: Empty value for 'key'" },
	{ "key: a\0b", 8, "r.conf:1: Invalid NUL byte after 'key: a' (a binary file?)" },
	{ "\0ELF", 4, "r.conf:1: Invalid NUL byte at the start of the line" },
	{ "key: \x01\nx", 0, NULL }, /* a control character is the value's parser's to refuse */
};

START_TEST(test_bad_line)
{
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *line = NULL;
	struct reader rd;
	char *k, *v;
	size_t size = bad[_i].size ? bad[_i].size : strlen(bad[_i].text);
	int r;

	ck_assert_int_eq(reader_init(&rd, "r.conf", bad[_i].text, size, &err), 0);
	do {
		free(line);
		line = NULL;
		r = reader_next(&rd, &line, &k, &v);
	} while (r == 1 && bad[_i].message);
	if (!bad[_i].message) {
		ck_assert_int_eq(r, 1);
		return;
	}
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(line);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_msg(strncmp(err.message, bad[_i].message, strlen(bad[_i].message)) == 0,
		      "got '%s'", err.message);
}
END_TEST

/* pmxcfs' limit: more than 1 MiB is not read at all, and said in the one message. */
START_TEST(test_too_large)
{
	struct lxcri_error err = { 0 };
	struct reader rd;
	_cleanup_free_ char *big = calloc(1, CONFIG_MAX_SIZE + 1);

	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(reader_init(&rd, "big.conf", big, CONFIG_MAX_SIZE + 1, &err), -EFBIG);
	ck_assert_str_eq(err.message,
			 "big.conf: File is larger than 1 MiB (1048577 bytes, at most 1048576)");
	memset(big, '#', CONFIG_MAX_SIZE);
	ck_assert_int_eq(reader_init(&rd, "big.conf", big, CONFIG_MAX_SIZE, &err), 0);
}
END_TEST

START_TEST(test_fail)
{
	struct lxcri_error err = { 0 };
	struct reader rd;
	_cleanup_free_ char *line = NULL;
	char *k, *v;

	ck_assert_int_eq(reader_init(&rd, "f.conf", "\n\na: 1\n", 7, &err), 0);
	ck_assert_int_eq(reader_next(&rd, &line, &k, &v), 1);
	ck_assert_int_eq(reader_fail(&rd, -ERANGE, "Too much %s", "x"), -ERANGE);
	ck_assert_str_eq(err.message, "f.conf:3: Too much x");
	ck_assert_int_eq(err.code, -ERANGE);
}
END_TEST

static Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_size_bounds_the_text);
	tcase_add_loop_test(tc, test_bad_line, 0, (int)ELEMENTSOF(bad));
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_fail);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(reader_suite)
