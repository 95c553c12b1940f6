/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/strv.h"

/* strv_append() takes the string, NULL-terminates the list and counts it; NULL is -ENOMEM. */
START_TEST(test_strv_append)
{
	_cleanup_strv_ char **v = NULL;
	size_t n = 0;

	ck_assert_int_eq(strv_append(&v, &n, strdup("a")), 0);
	ck_assert_int_eq(strv_appendf(&v, &n, "%s-%d", "b", 2), 0);
	ck_assert_int_eq(strv_append(&v, &n, NULL), -ENOMEM);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b-2");
	ck_assert_ptr_null(v[2]);
}
END_TEST

/* n NULL: the length is counted, so a list can grow without a counter beside it. */
START_TEST(test_strv_append_counts_itself)
{
	_cleanup_strv_ char **v = NULL;

	ck_assert_int_eq(strv_append(&v, NULL, strdup("a")), 0);
	ck_assert_int_eq(strv_append(&v, NULL, strdup("b")), 0);
	ck_assert_int_eq(strv_appendf(&v, NULL, "%c", 'c'), 0);
	ck_assert_uint_eq(strv_length(v), 3);
	ck_assert_str_eq(v[2], "c");
	ck_assert_ptr_null(v[3]);
}
END_TEST

START_TEST(test_strv_length)
{
	char *three[] = { "a", "b", "c", NULL };
	char *none[] = { NULL };

	ck_assert_uint_eq(strv_length(NULL), 0);
	ck_assert_uint_eq(strv_length(none), 0);
	ck_assert_uint_eq(strv_length(three), 3);
}
END_TEST

/* A deep copy: the strings are new ones; NULL stays NULL, empty stays empty. */
START_TEST(test_strv_copy)
{
	char *orig[] = { "x", "", "z", NULL };
	char *none[] = { NULL };
	_cleanup_strv_ char **copy = NULL, **empty = NULL;
	char **null_copy = (char **)0x1;

	ck_assert_int_eq(strv_copy(orig, &copy), 0);
	ck_assert_uint_eq(strv_length(copy), 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_str_eq(copy[i], orig[i]);
		ck_assert_ptr_ne(copy[i], orig[i]);
	}
	ck_assert_ptr_null(copy[3]);
	ck_assert_int_eq(strv_copy(NULL, &null_copy), 0);
	ck_assert_ptr_null(null_copy);
	ck_assert_int_eq(strv_copy(none, &empty), 0);
	ck_assert_ptr_nonnull(empty);
	ck_assert_ptr_null(empty[0]);
}
END_TEST

/* Frees what it holds (LeakSanitizer checks), NULL included; the p variant clears. */
START_TEST(test_strv_free)
{
	char **v = NULL;

	strv_free(NULL);
	ck_assert_int_eq(strv_append(&v, NULL, strdup("a")), 0);
	strv_freep(&v);
	ck_assert_ptr_null(v);
	strv_freep(&v);
}
END_TEST

static Suite *strv_suite(void)
{
	Suite *s = suite_create("strv");
	TCase *tc = tcase_create("strv");

	tcase_add_test(tc, test_strv_append);
	tcase_add_test(tc, test_strv_append_counts_itself);
	tcase_add_test(tc, test_strv_length);
	tcase_add_test(tc, test_strv_copy);
	tcase_add_test(tc, test_strv_free);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(strv_suite)
