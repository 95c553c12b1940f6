/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>
#include <unistd.h>

#include "cli/status.h"

static void roots(struct lxcri_paths *p, const char *root)
{
	char dir[PATH_MAX];

	ck_assert_int_eq(paths_init(p), 0);
	snprintf(p->etc_dir, sizeof(p->etc_dir), "%s/etc", root);
	snprintf(p->run_dir, sizeof(p->run_dir), "%s/run", root);
	snprintf(p->pve_dir, sizeof(p->pve_dir), "%s/pve", root);
	/* An LXC path of our own: lxc-info never sees the host's containers. */
	snprintf(p->lxc_path, sizeof(p->lxc_path), "%s/lxc", root);
	ck_assert_int_eq(mkdir(p->lxc_path, 0755), 0);
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

/* A state of id in phase, with n_items items (as a run that did not stop cleanly leaves it). */
static void save_state_items(const struct lxcri_paths *p, const char *id, const char *phase,
			     size_t n_items)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", p->run_dir, id);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(state_new(id, &s), 0);
	ck_assert_int_eq(state_set_phase(s, phase, "start-host"), 0);
	for (size_t i = 0; i < n_items; i++)
		ck_assert_int_eq(state_item_add(s, "net.veth", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_save(dir, s, &err), 0);
}

static void save_state(const struct lxcri_paths *p, const char *id, const char *phase)
{
	save_state_items(p, id, phase, 0);
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

	/* Not a file: said with the path and why, in text and in JSON. */
	char path[PATH_MAX], expect[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/run/web/state.json", root);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(status_collect(&p, "web", &list, &n), 0);
	ck_assert_ptr_null(list[0].state);
	snprintf(expect, sizeof(expect), "Failed to read '%s': not a regular file", path);
	ck_assert_str_eq(list[0].state_error, expect);
	struct json_object *o = status_to_json(list, n), *v;
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(o, 0), "state_error", &v));
	ck_assert_str_eq(json_object_get_string(v), expect);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(o, 0), "state", &v) &&
		  v == NULL);
	json_object_put(o);
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
	ck_assert(json_object_object_get_ex(cfg, "image", &v) && v == NULL);
	json_object_put(o);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

#define IMAGE_REF                                                                                  \
	"127.0.0.1:5000/"                                                                          \
	"app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A container made from an image shows which image and digest, in both forms. */
START_TEST(test_image)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_paths p;
	struct ct_status *list = NULL;
	size_t n = 0;

	roots(&p, root);
	write_at(root, "etc/containers/app.conf", "image: " IMAGE_REF "\n");
	ck_assert_int_eq(status_collect(&p, NULL, &list, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(list[0].valid);
	ck_assert_str_eq(list[0].image, IMAGE_REF);
	struct json_object *o = status_to_json(list, n), *cfg, *v;
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(o, 0), "config", &cfg));
	ck_assert(json_object_object_get_ex(cfg, "image", &v));
	ck_assert_str_eq(json_object_get_string(v), IMAGE_REF);
	json_object_put(o);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

static bool have_lxc_info(void)
{
	return access("/usr/bin/lxc-info", X_OK) == 0 || access("/usr/sbin/lxc-info", X_OK) == 0;
}

START_TEST(test_parse_lxc_info)
{
	static const struct {
		const char *out;
		const char *state;
		pid_t pid;
	} good[] = {
		/* Both asked for: LXC prints the keys. */
		{ "State:          RUNNING\nPID:            30873\n", "RUNNING", 30873 },
		{ "State:          FROZEN\nPID:            12\n", "FROZEN", 12 },
		{ "State:          STOPPED\n", "STOPPED", 0 },
		/* One asked for, or an LXC that prints bare values. */
		{ "RUNNING\n31688\n", "RUNNING", 31688 },
		{ "STOPPED\n", "STOPPED", 0 },
		{ "STARTING\n", "STARTING", 0 },
		{ "State: RUNNING\r\nPID: 7\r\n\n", "RUNNING", 7 },
		{ "State:\tSTOPPING\nPID:\t99", "STOPPING", 99 },
	};
	static const char *const bad[] = {
		"",
		"\n\n",
		"running\n",		    /* not upper case */
		"RUNNING\n",		    /* running without a pid */
		"State: FROZEN\n",	    /* the same */
		"RUNNING\n0\n",		    /* pid 0 */
		"RUNNING\n-5\n",	    /* negative */
		"RUNNING\n12x\n",	    /* not a number */
		"RUNNING\n99999999999\n",   /* too large */
		"PID: 5\nState: RUNNING\n", /* order */
		"Name: web\n",
		"State: ABCDEFGHIJKLMNOPQRSTUVWXYZ\n", /* longer than a state */
		"RUNNING\n5\nextra\n",
		"RUN NING\n5\n",
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		struct ct_lxc lxc = {};

		ck_assert_msg(status_parse_lxc_info(good[i].out, &lxc) == 0, "refused: '%s'",
			      good[i].out);
		ck_assert(lxc.exists);
		ck_assert_str_eq(lxc.state, good[i].state);
		ck_assert_int_eq(lxc.pid, good[i].pid);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct ct_lxc lxc = { .pid = 42 };

		ck_assert_msg(status_parse_lxc_info(bad[i], &lxc) == -EINVAL, "accepted: '%s'",
			      bad[i]);
		ck_assert_int_eq(lxc.pid, 42); /* untouched */
	}
	ck_assert_int_eq(status_parse_lxc_info(NULL, &(struct ct_lxc){}), -EINVAL);
}
END_TEST

START_TEST(test_lxc_running)
{
	ck_assert(status_lxc_running(&(struct ct_lxc){ true, "RUNNING", 5 }));
	ck_assert(status_lxc_running(&(struct ct_lxc){ true, "FROZEN", 5 }));
	ck_assert(!status_lxc_running(&(struct ct_lxc){ true, "STOPPED", 0 }));
	ck_assert(!status_lxc_running(&(struct ct_lxc){ true, "STARTING", 0 }));
	ck_assert(!status_lxc_running(&(struct ct_lxc){ true, "RUNNING", 0 }));
	ck_assert(!status_lxc_running(&(struct ct_lxc){ false, "", 0 }));
}
END_TEST

START_TEST(test_lxc_query_unknown_container)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_error err = {};
	struct lxcri_paths p;
	struct ct_lxc lxc = { .exists = true, .pid = 9 };

	roots(&p, root);
	ck_assert_int_eq(status_lxc_query(&p, "../x", &lxc, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "Invalid container id '../x'"));
	if (!have_lxc_info()) {
		ck_assert_int_eq(status_lxc_query(&p, "web", &lxc, &err), -ENOENT);
		ck_assert_ptr_nonnull(strstr(err.message, "lxc-info was not found"));
		test_rm_rf(root);
		return;
	}
	ck_assert_msg(status_lxc_query(&p, "web", &lxc, &err) == 0, "%s", err.message);
	ck_assert(!lxc.exists);
	ck_assert_str_eq(lxc.state, "");
	ck_assert_int_eq(lxc.pid, 0);
	test_rm_rf(root);
}
END_TEST

START_TEST(test_collect_one_asks_lxc)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct lxcri_paths p;
	struct ct_status *list = NULL;
	struct json_object *o, *ct, *v, *l;
	size_t n = 0;

	roots(&p, root);
	write_at(root, "etc/containers/web.conf", "# fine\n");
	save_state(&p, "web", "running"); /* left over: LXC has no such container */
	ck_assert_int_eq(status_collect(&p, "web", &list, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(list[0].nets); /* not running: no live state */
	ck_assert_str_eq(list[0].nets_error, "");
	if (have_lxc_info()) {
		ck_assert(list[0].lxc_known);
		ck_assert(!list[0].lxc.exists);
		ck_assert_str_eq(list[0].lxc_error, "");
	} else {
		ck_assert(!list[0].lxc_known);
		ck_assert_str_ne(list[0].lxc_error, "");
	}
	o = status_to_json(list, n);
	ct = json_object_array_get_idx(o, 0);
	ck_assert(json_object_object_get_ex(ct, "nets", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(ct, "nets_error", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(ct, "lxc", &l));
	if (have_lxc_info()) {
		ck_assert(json_object_object_get_ex(l, "exists", &v) &&
			  !json_object_get_boolean(v));
		ck_assert(json_object_object_get_ex(l, "state", &v) && v == NULL);
		ck_assert(json_object_object_get_ex(l, "pid", &v) && v == NULL);
	}
	json_object_put(o);
	status_free(list, n);

	/* The list of all asks nobody: lxc and nets are null. */
	ck_assert_int_eq(status_collect(&p, NULL, &list, &n), 0);
	ck_assert(!list[0].lxc_known);
	o = status_to_json(list, n);
	ct = json_object_array_get_idx(o, 0);
	ck_assert(json_object_object_get_ex(ct, "lxc", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(ct, "lxc_error", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(ct, "nets", &v) && v == NULL);
	json_object_put(o);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

/*
 * What runs left under the run dir, as `lxcri check` reports it: states of
 * containers that do not run, with their items, unreadable ones, and the
 * states set aside; a refused start that applied nothing is not stale.
 */
START_TEST(test_stale_report)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct stale_report r;
	struct lxcri_paths p;
	char dir[PATH_MAX];

	roots(&p, root);
	ck_assert_int_eq(status_stale(&p, &r), 0);
	ck_assert_uint_eq(r.states + r.items + r.unreadable + r.set_aside, 0);
	if (!have_lxc_info()) {
		test_skip(__func__, "no lxc-info: whether a container runs cannot be told");
		test_rm_rf(root);
		return;
	}
	save_state(&p, "refused", "refused");
	ck_assert_int_eq(status_stale(&p, &r), 0);
	ck_assert_uint_eq(r.states, 0);

	save_state_items(&p, "web", "running", 2);
	save_state_items(&p, "db", "stopped", 1);
	snprintf(dir, sizeof(dir), "%s/run/bad", root);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_at(root, "run/bad/state.json", "{ \"version\": ");
	snprintf(dir, sizeof(dir), "%s/run/.stale", root);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_at(root, "run/.stale/web-1763890000123.json", "{}");
	write_at(root, "run/.stale/web-1-1763890000124.json", "{}");
	write_at(root, "run/.stale/.web-5.json.Ab12Cd", "{}"); /* a temp file, not a state */
	ck_assert_int_eq(status_stale(&p, &r), 0);
	ck_assert_uint_eq(r.states, 3);
	ck_assert_uint_eq(r.items, 3);
	ck_assert_uint_eq(r.unreadable, 1);
	ck_assert_uint_eq(r.set_aside, 2);
	snprintf(dir, sizeof(dir), "%s/run/.stale", root);
	ck_assert_str_eq(r.stale_dir, dir);
	/* The first by id. */
	ck_assert_msg(strncmp(r.first, "CT bad: the state cannot be read: ", 34) == 0, "%s",
		      r.first);
	test_rm_rf(root);
}
END_TEST

/* `lxcri status <id>` lists the states of that container set aside, and no other's. */
START_TEST(test_set_aside_of_one)
{
	_cleanup_free_ char *root = test_tmpdir();
	struct ct_status *list = NULL;
	struct lxcri_paths p;
	char dir[PATH_MAX], expect[PATH_MAX];
	size_t n = 0;

	roots(&p, root);
	snprintf(dir, sizeof(dir), "%s/run/.stale", root);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_at(root, "run/.stale/web-20.json", "{}");
	write_at(root, "run/.stale/web-10.json", "{}");
	write_at(root, "run/.stale/web-1-30.json", "{}"); /* container "web-1" */
	write_at(root, "run/.stale/webx-40.json", "{}");
	ck_assert_int_eq(status_collect(&p, "web", &list, &n), 0);
	if (!list[0].lxc_known) {
		test_skip(__func__, "no lxc-info");
		status_free(list, n);
		test_rm_rf(root);
		return;
	}
	ck_assert_ptr_nonnull(list[0].set_aside);
	ck_assert_int_eq(json_object_array_length(list[0].set_aside), 2);
	snprintf(expect, sizeof(expect), "%s/web-10.json", dir);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(list[0].set_aside, 0)),
			 expect);
	snprintf(expect, sizeof(expect), "%s/web-20.json", dir);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(list[0].set_aside, 1)),
			 expect);
	status_free(list, n);
	ck_assert_int_eq(status_collect(&p, "web-1", &list, &n), 0);
	ck_assert_int_eq(json_object_array_length(list[0].set_aside), 1);
	status_free(list, n);
	ck_assert_int_eq(status_collect(&p, "db", &list, &n), 0);
	ck_assert_ptr_null(list[0].set_aside);
	status_free(list, n);
	test_rm_rf(root);
}
END_TEST

START_TEST(test_json_running_with_nets)
{
	struct ct_status *list = calloc(1, sizeof(*list));
	struct json_object *o, *ct, *v, *l, *nets;

	ck_assert_ptr_nonnull(list);
	snprintf(list[0].id, sizeof(list[0].id), "105");
	list[0].lxc_known = true;
	list[0].lxc = (struct ct_lxc){ true, "RUNNING", 4242 };
	list[0].nets = json_tokener_parse(
	    "[{\"net\": 2, \"name\": \"eth2\", \"type\": \"cni\", \"network\": \"mynet\", "
	    "\"applied\": true, \"link\": \"up\", \"check\": \"ok\"}]");
	ck_assert_ptr_nonnull(list[0].nets);

	o = status_to_json(list, 1);
	/* The JSON holds its own reference: freeing the list first is fine. */
	status_free(list, 1);
	ct = json_object_array_get_idx(o, 0);
	ck_assert(json_object_object_get_ex(ct, "lxc", &l));
	ck_assert(json_object_object_get_ex(l, "state", &v));
	ck_assert_str_eq(json_object_get_string(v), "RUNNING");
	ck_assert(json_object_object_get_ex(l, "pid", &v));
	ck_assert_int_eq(json_object_get_int(v), 4242);
	ck_assert(json_object_object_get_ex(ct, "nets", &nets));
	ck_assert_int_eq(json_object_array_length(nets), 1);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(nets, 0), "check", &v));
	ck_assert_str_eq(json_object_get_string(v), "ok");
	json_object_put(o);
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
	tcase_add_test(tc, test_image);
	tcase_add_test(tc, test_parse_lxc_info);
	tcase_add_test(tc, test_lxc_running);
	tcase_add_test(tc, test_lxc_query_unknown_container);
	tcase_add_test(tc, test_collect_one_asks_lxc);
	tcase_add_test(tc, test_json_running_with_nets);
	tcase_add_test(tc, test_stale_report);
	tcase_add_test(tc, test_set_aside_of_one);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(status_suite)
