/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Values quoted in messages (lib/basic/escape.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "testutil.h"

START_TEST(test_escape)
{
	char buf[ESCAPE_BUFSIZE], in[300];

	ck_assert_str_eq(escape_for_message("plain 'text'", buf, sizeof(buf)), "plain 'text'");
	ck_assert_str_eq(escape_for_message("a\x01\\b\xc3\xbc\x7f", buf, sizeof(buf)),
			 "a\\x01\\\\b\\xc3\\xbc\\x7f");
	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	escape_for_message(in, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), ESCAPE_INPUT_MAX + 3);
	ck_assert_str_eq(buf + ESCAPE_INPUT_MAX, "...");
	/* Even a small buffer stays terminated. */
	memset(in, 1, sizeof(in));
	in[sizeof(in) - 1] = '\0';
	char small[16];
	escape_for_message(in, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
	ck_assert_str_eq(small, "\\x01\\x01\\x01...");
}
END_TEST

static Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_escape);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(escape_suite)
