/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/shared/jsonstore: a small JSON file of the run directory, read and written whole. */
#include <errno.h>

#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "lib/shared/jsonstore.h"
#include "testutil.h"

START_TEST(test_round_trip)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "store.json");
	struct lxcri_error err = { 0 };
	struct json_object *v = NULL, *o = json_object_new_object();
	_cleanup_free_ char *text = NULL;
	size_t size = 0;

	/* No file: an empty one of the type asked for. */
	ck_assert_int_eq(jsonstore_load(path, "items", json_type_array, &v, &err), 0);
	ck_assert(json_object_is_type(v, json_type_array));
	ck_assert_uint_eq(json_object_array_length(v), 0);
	json_object_put(v);
	json_object_object_add(o, "a", json_object_new_int(1));
	ck_assert_int_eq(jsonstore_save(path, "items", o, &err), 0);
	json_object_put(o);
	ck_assert_int_ge(fileio_read_file(path, 4096, &text, &size), 0);
	ck_assert_str_eq(text, "{\"version\":1,\"items\":{\"a\":1}}");
	ck_assert_int_eq(jsonstore_load(path, "items", json_type_object, &v, &err), 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "a")), 1);
	json_object_put(v);
	test_rm_rf(dir);
}
END_TEST

/* Another member or another type, or no JSON: -EINVAL naming the file. */
START_TEST(test_refusals)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "store.json");
	struct lxcri_error err = { 0 };
	struct json_object *v = NULL;

	test_write_file(path, "{\"version\": 1, \"items\": {}}");
	ck_assert_int_eq(jsonstore_load(path, "items", json_type_array, &v, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "store.json: no \"items\" array"));
	ck_assert_int_eq(jsonstore_load(path, "other", json_type_object, &v, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "store.json: no \"other\" object"));
	test_write_file(path, "{not json");
	ck_assert_int_eq(jsonstore_load(path, "items", json_type_object, &v, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	test_rm_rf(dir);
}
END_TEST

static Suite *jsonstore_suite(void)
{
	Suite *s = suite_create("jsonstore");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(jsonstore_suite)
