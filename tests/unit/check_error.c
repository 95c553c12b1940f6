/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "lib/basic/error.h"
#include "testutil.h"

START_TEST(test_set_and_errno)
{
	struct lxcri_error err = {};

	ck_assert_int_eq(error_set(&err, -EINVAL, "Invalid value '%s'", "x"), -EINVAL);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_str_eq(err.message, "Invalid value 'x'");
	ck_assert_int_eq(error_set_errno(&err, -ENOENT, "Failed to open '%s'", "/a"), -ENOENT);
	ck_assert_str_eq(err.message, "Failed to open '/a': No such file or directory");
	/* No error to fill: the code still comes back. */
	ck_assert_int_eq(error_set(NULL, -EIO, "ignored"), -EIO);
	ck_assert_int_eq(error_set_errno(NULL, -EIO, "ignored"), -EIO);
}
END_TEST

/* Wrapping the message that is there, as callers do to add context. */
START_TEST(test_wrap_own_message)
{
	struct lxcri_error err = {};
	char longer[2000];

	error_set(&err, -EEXIST, "Host port 'tcp 8080' is held by '101'");
	error_set(&err, err.code, "port0: %s; nothing was changed", err.message);
	ck_assert_str_eq(err.message,
			 "port0: Host port 'tcp 8080' is held by '101'; nothing was changed");
	ck_assert_int_eq(err.code, -EEXIST);
	/* Truncated at the size, NUL-terminated, also when wrapping. */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	error_set(&err, -E2BIG, "%s", longer);
	error_set(&err, -E2BIG, "x: %s", err.message);
	ck_assert_uint_eq(strlen(err.message), sizeof(err.message) - 1);
	ck_assert(strncmp(err.message, "x: aaa", 6) == 0);
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_set_and_errno);
	tcase_add_test(tc, test_wrap_own_message);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(error_suite)
