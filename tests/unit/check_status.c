/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>

#include "status.h"

static void roots(struct lxcri_paths *p, const char *root)
{
	char dir[PATH_MAX];

	ck_assert_int_eq(paths_init(p), 0);
	snprintf(p->etc_dir, sizeof(p->etc_dir), "%s/etc", root);
	snprintf(p->run_dir, sizeof(p->run_dir), "%s/run", root);
	snprintf(p->pve_dir, sizeof(p->pve_dir), "%s/pve", root);
	snprintf(dir, sizeof(dir), "%s/etc", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/etc/containers", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkdir(p->run_dir, 0755), 0);
}

static void write_at(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	test_write_file(path, text);
}

static void save_state(const struct lxcri_paths *p, const char *id, const char *phase)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", p->run_dir, id);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(state_new(id, &s), 0);
	ck_assert_int_eq(state_set_phase(s, phase, "start-host"), 0);
	ck_assert_int_eq(state_save(dir, s, &err), 0);
}

START_TEST(test_collect_configs_and_states)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_paths p;
	struct ct_status *list = NULL;
	size_t n = 0;

	roots(&p, root);
	write_at(root, "etc/containers/web.conf", "# fine\n");
	write_at(root, "etc/containers/bad.conf", "nope\n");
	write_at(root, "etc/containers/notes.txt", "not a config\n");
	save_state(&p, "web", "running");
	save_state(&p, "gone", "stopped"); /* state left, config removed */

	ck_assert_int_eq(status_collect(&p, NULL, &list, &n), 0);
	ck_assert_uint_eq(n, 3);
	/* Sorted by id. */
	ck_assert_str_eq(list[0].id, "bad");
	ck_assert_str_eq(list[1].id, "gone");
	ck_assert_str_eq(list[2].id, "web");

	ck_assert(list[0].configured && !list[0].valid);
	ck_assert_ptr_nonnull(strstr(list[0].config_error, "bad.conf:1:"));
	ck_assert_ptr_null(list[0].state);

	ck_assert(!list[1].configured);
	ck_assert_str_eq(list[1].state->phase, "stopped");

	ck_assert(list[2].configured && list[2].valid);
	ck_assert_str_eq(list[2].state->phase, "running");
	ck_assert(!list[2].config_changed); /* no snapshot: nothing to compare */
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

START_TEST(test_config_changed_since_start)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_paths p;
	struct ct_status *list = NULL;
	size_t n = 0;

	roots(&p, root);
	write_at(root, "etc/containers/web.conf", "# v1\n");
	save_state(&p, "web", "running");
	write_at(root, "run/web/config", "# v1\n");
	ck_assert_int_eq(status_collect(&p, "web", &list, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(!list[0].config_changed);
	status_free(list, n);

	write_at(root, "etc/containers/web.conf", "# v2\n");
	ck_assert_int_eq(status_collect(&p, "web", &list, &n), 0);
	ck_assert(list[0].config_changed);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

START_TEST(test_one_unknown_id_and_bad_state)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_paths p;
	struct ct_status *list = NULL;
	size_t n = 0;

	roots(&p, root);
	ck_assert_int_eq(status_collect(&p, "nothing", &list, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(!list[0].configured);
	ck_assert_ptr_null(list[0].state);
	status_free(list, n);

	ck_assert_int_eq(status_collect(&p, "../etc", &list, &n), -EINVAL);

	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/run/web", root);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_at(root, "run/web/state.json", "{ \"version\": 7 }");
	ck_assert_int_eq(status_collect(&p, "web", &list, &n), 0);
	ck_assert_ptr_null(list[0].state);
	ck_assert_msg(strstr(list[0].state_error, "state.json"), "%s", list[0].state_error);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

START_TEST(test_json_shape)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_paths p;
	struct ct_status *list = NULL;
	size_t n = 0;

	roots(&p, root);
	write_at(root, "etc/containers/web.conf", "# fine\n");
	save_state(&p, "web", "running");
	ck_assert_int_eq(status_collect(&p, NULL, &list, &n), 0);
	struct json_object *o = status_to_json(list, n), *ct, *cfg, *st, *v;
	ck_assert_int_eq(json_object_array_length(o), 1);
	ct = json_object_array_get_idx(o, 0);
	ck_assert(json_object_object_get_ex(ct, "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "web");
	ck_assert(json_object_object_get_ex(ct, "config", &cfg));
	ck_assert(json_object_object_get_ex(cfg, "valid", &v) && json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(ct, "state", &st));
	ck_assert(json_object_object_get_ex(st, "phase", &v));
	ck_assert_str_eq(json_object_get_string(v), "running");
	ck_assert(json_object_object_get_ex(st, "last_error", &v) && v == NULL);
	json_object_put(o);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_collect_configs_and_states);
	tcase_add_test(tc, test_config_changed_since_start);
	tcase_add_test(tc, test_one_unknown_id_and_bad_state);
	tcase_add_test(tc, test_json_shape);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(status_suite)
