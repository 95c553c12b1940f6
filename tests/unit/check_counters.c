/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Counters that outlive one hook (lib/shared/counters.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/shared/counters.h"
#include "lib/shared/json.h"

static double value_of(struct json_object *list, const char *name, const char *label_value)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i), *n, *l, *v;

		json_object_object_get_ex(c, "name", &n);
		json_object_object_get_ex(c, "labels", &l);
		json_object_object_get_ex(c, "value", &v);
		if (strcmp(json_object_get_string(n), name) == 0 &&
		    (!label_value ||
		     (json_object_array_length(l) >= 2 &&
		      strcmp(json_object_get_string(json_object_array_get_idx(l, 1)),
			     label_value) == 0)))
			return json_object_get_double(v);
	}
	return -1;
}

START_TEST(test_add_and_load)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct json_object *list = NULL;
	struct lxcri_error err = { 0 };
	const char *pre[] = { "hook", "pre-start", NULL };
	const char *stop[] = { "hook", "stop", NULL };

	/* Nothing yet: an empty list. */
	ck_assert_int_eq(counters_load(dir, &list, &err), 0);
	ck_assert_uint_eq(json_object_array_length(list), 0);
	json_object_put(list);
	ck_assert_int_eq(counters_add(dir, "lxcri_hook_runs_total", pre, 1, &err), 0);
	ck_assert_int_eq(counters_add(dir, "lxcri_hook_runs_total", pre, 1, &err), 0);
	ck_assert_int_eq(counters_add(dir, "lxcri_hook_runs_total", stop, 1, &err), 0);
	ck_assert_int_eq(counters_add(dir, "lxcri_hook_seconds_total", pre, 0.25, &err), 0);
	ck_assert_int_eq(counters_add(dir, "lxcri_up_total", NULL, 3, &err), 0);
	ck_assert_int_eq(counters_load(dir, &list, &err), 0);
	ck_assert_uint_eq(json_object_array_length(list), 4);
	ck_assert(value_of(list, "lxcri_hook_runs_total", "pre-start") == 2);
	ck_assert(value_of(list, "lxcri_hook_runs_total", "stop") == 1);
	ck_assert(value_of(list, "lxcri_hook_seconds_total", "pre-start") == 0.25);
	ck_assert(value_of(list, "lxcri_up_total", NULL) == 3);
	json_object_put(list);

	/* Bad calls, and a file that is not ours: said, naming it. */
	const char *odd[] = { "hook", NULL };
	ck_assert_int_eq(counters_add(dir, "x_total", odd, 1, &err), -EINVAL);
	ck_assert_int_eq(counters_add(dir, "", NULL, 1, &err), -EINVAL);
	_cleanup_free_ char *file = test_path(dir, COUNTERS_FILE);
	test_write_file(file, "{\"counters\": 3}");
	ck_assert_int_eq(counters_load(dir, &list, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, COUNTERS_FILE));
	ck_assert_int_eq(counters_add(dir, "lxcri_hook_runs_total", pre, 1, &err), -EINVAL);
	test_rm_rf(dir);
}
END_TEST

/* Hooks of many containers at once: every add counts, none is lost. */
START_TEST(test_concurrent_adds)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct json_object *list = NULL;
	struct lxcri_error err = { 0 };
	const char *l[] = { "id", "105", NULL };
	pid_t pids[4];

	for (size_t i = 0; i < 4; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			for (int k = 0; k < 25; k++)
				if (counters_add(dir, "lxcri_refused_starts_total", l, 1, &err) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (size_t i = 0; i < 4; i++) {
		int status;

		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(counters_load(dir, &list, &err), 0);
	ck_assert(value_of(list, "lxcri_refused_starts_total", "105") == 100);
	json_object_put(list);
	test_rm_rf(dir);
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_and_load);
	tcase_add_test(tc, test_concurrent_adds);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(counters_suite)
