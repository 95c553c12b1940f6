/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/image/checkrecord: what `lxcri image check` found, kept for `lxcri metrics`. */
#include <errno.h>

#include "lib/image/checkrecord.h"
#include "testutil.h"

START_TEST(test_save_and_find)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct lxcri_error err = { 0 };
	struct json_object *checks = NULL, *rec;

	ck_assert_int_eq(checkrecord_load(dir, &checks, &err), 0);
	ck_assert_int_eq(json_object_object_length(checks), 0);
	json_object_put(checks);
	ck_assert_int_eq(
	    checkrecord_save(dir, "app", "reg/app:1@sha256:aa", "sha256:aa", false, 10, &err), 0);
	ck_assert_int_eq(
	    checkrecord_save(dir, "web", "reg/web:1@sha256:bb", "sha256:cc", true, 20, &err), 0);
	/* A later check of app replaces its record. */
	ck_assert_int_eq(
	    checkrecord_save(dir, "app", "reg/app:1@sha256:aa", "sha256:dd", true, 30, &err), 0);
	ck_assert_int_eq(checkrecord_load(dir, &checks, &err), 0);
	ck_assert_int_eq(json_object_object_length(checks), 2);
	rec = checkrecord_find(checks, "app", "reg/app:1@sha256:aa");
	ck_assert_ptr_nonnull(rec);
	ck_assert(json_object_get_boolean(json_object_object_get(rec, "newer")));
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(rec, "time")), 30);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(rec, "remote")),
			 "sha256:dd");
	/* Another image under the same id (made again): no record counts. */
	ck_assert_ptr_null(checkrecord_find(checks, "app", "reg/app:2@sha256:ee"));
	ck_assert_ptr_null(checkrecord_find(checks, "db", "reg/app:1@sha256:aa"));
	json_object_put(checks);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_refusals)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *file = test_path(dir, CHECKRECORD_FILE);
	struct lxcri_error err = { 0 };
	struct json_object *checks = NULL;

	ck_assert_int_eq(checkrecord_save(dir, "../x", "i", "r", false, 1, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid container id '../x'");
	test_write_file(file, "{\"version\": 1}");
	ck_assert_int_eq(checkrecord_load(dir, &checks, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, CHECKRECORD_FILE ": no \"checks\" object"));
	/* A broken file is not written over: the error says which. */
	ck_assert_int_eq(checkrecord_save(dir, "app", "i", "r", false, 1, &err), -EINVAL);
	test_write_file(file, "{not json");
	ck_assert_int_eq(checkrecord_load(dir, &checks, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, dir));
	test_rm_rf(dir);
}
END_TEST

static Suite *checkrecord_suite(void)
{
	Suite *s = suite_create("checkrecord");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_save_and_find);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(checkrecord_suite)
