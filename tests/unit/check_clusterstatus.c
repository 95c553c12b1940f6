/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri status --cluster` and the node summary (cli/clusterstatus.c), on a pmxcfs-like tree. */
#include <errno.h>
#include <sys/stat.h>

#include "cli/clusterstatus.h"
#include "lib/shared/json.h"
#include "testutil.h"

static char *tmp;
static struct lxcri_paths paths;

/* Node pve1 of pve1/pve2: 100, 101 on pve1, 200, 201, 202 on pve2. */
static void setup(void)
{
	char path[PATH_MAX];

	tmp = test_tmpdir();
	test_pve_node(&paths, tmp,
		      "{\"version\": 9, \"ids\": {"
		      "\"100\": {\"node\": \"pve1\", \"type\": \"lxc\", \"version\": 1},"
		      "\"101\": {\"node\": \"pve1\", \"type\": \"lxc\", \"version\": 1},"
		      "\"200\": {\"node\": \"pve2\", \"type\": \"lxc\", \"version\": 1},"
		      "\"201\": {\"node\": \"pve2\", \"type\": \"lxc\", \"version\": 1},"
		      "\"202\": {\"node\": \"pve2\", \"type\": \"lxc\", \"version\": 1}}}");
	snprintf(path, sizeof(path), "%s/pve/nodes/pve2", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (const char *const *id =
		 (const char *const[]){ "100", "101", "200", "201", "202", "900", NULL };
	     *id; id++) {
		snprintf(path, sizeof(path), "%s/pve/lxcri/%s.conf", tmp, *id);
		test_write_file(path, strcmp(*id, "101") == 0 ? "bogus: 1\n" : "# managed\n");
	}
}

static void teardown(void)
{
	test_rm_rf(tmp);
	free(tmp);
}

static void write_pve(const char *rel, const char *text)
{
	test_write_under(paths.pve_dir, rel, text);
}

static void members(int pve2_online)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"nodename\": \"pve1\", \"cluster\": {\"quorate\": 1}, \"nodelist\": {"
		 "\"pve1\": {\"id\": 1, \"online\": 1}, \"pve2\": {\"id\": 2, \"online\": %d}}}",
		 pve2_online);
	write_pve(".members", text);
}

static void save_state(const char *id, const char *phase, size_t veths)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = { 0 };
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", paths.run_dir, id);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(state_new(id, &s), 0);
	ck_assert_int_eq(state_set_phase(s, phase, "start-host"), 0);
	for (size_t i = 0; i < veths; i++) {
		ck_assert_int_eq(state_item_add(s, "net.veth", "start-host", NULL, NULL), 0);
		state_item_set_applied(s, i);
	}
	ck_assert_int_eq(state_save(dir, s, &err), 0);
}

/* The field of vmid's entry in the view, as JSON text. */
static const char *field(struct json_object *view, const char *vmid, const char *key)
{
	struct json_object *cts, *v;

	ck_assert(json_object_object_get_ex(view, "containers", &cts));
	for (size_t i = 0; i < json_object_array_length(cts); i++) {
		struct json_object *o = json_object_array_get_idx(cts, i);

		if (strcmp(json_object_get_string(json_object_object_get(o, "vmid")), vmid) != 0)
			continue;
		ck_assert(json_object_object_get_ex(o, key, &v));
		return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "null";
	}
	ck_abort_msg("no vmid %s in the view", vmid);
	return NULL;
}

/* pve1's summary: what it owns (100, 101) and what has a state here (200: still applied). */
START_TEST(test_summary)
{
	struct ct_status *list = NULL;
	struct pvecluster_guest *g = NULL;
	struct lxcri_error err = { 0 };
	struct json_object *s;
	size_t n = 0, n_g = 0;
	bool truncated = true;

	save_state("100", "running", 2);
	save_state("200", "running", 0);
	save_state("web", "running", 0); /* a plain LXC container beside them */
	ck_assert_int_eq(status_collect(&paths, NULL, &list, &n), 0);
	ck_assert_int_eq(pvecluster_vmlist(paths.pve_dir, &g, &n_g, &err), 0);
	s = clusterstatus_summary(list, n, "pve1", g, n_g, &truncated);
	ck_assert(!truncated);
	ck_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(s, "100"),
							JSON_C_TO_STRING_PLAIN),
			 "{\"phase\":\"running\",\"valid\":true,\"applied\":{\"net.veth\":2}}");
	ck_assert_str_eq(json_object_get_string(
			     json_object_object_get(json_object_object_get(s, "101"), "phase")),
			 "stopped");
	ck_assert_ptr_nonnull(strstr(json_object_get_string(json_object_object_get(
					 json_object_object_get(s, "101"), "error")),
				     "101.conf:1: Unknown key 'bogus'"));
	ck_assert_ptr_nonnull(json_object_object_get(s, "200"));
	ck_assert_ptr_null(json_object_object_get(s, "201"));
	ck_assert_ptr_null(json_object_object_get(s, "900"));
	ck_assert_ptr_null(json_object_object_get(s, "web"));
	json_object_put(s);
	status_free(list, n);
	free(g);
}
END_TEST

/* More containers than PVECLUSTER_SUMMARY_MAX holds: the rest left out, and said. */
START_TEST(test_summary_bounded)
{
	size_t n = 4000;
	struct ct_status *list = calloc(n, sizeof(*list));
	struct pvecluster_guest *g = calloc(n, sizeof(*g));
	struct json_object *s;
	bool truncated = false;
	size_t len;

	ck_assert_ptr_nonnull(list);
	ck_assert_ptr_nonnull(g);
	for (size_t i = 0; i < n; i++) {
		snprintf(list[i].id, sizeof(list[i].id), "%zu", 10000 + i);
		list[i].configured = true;
		snprintf(list[i].config_error, sizeof(list[i].config_error), "%s",
			 "a config error that takes some room in the summary, line 1");
		snprintf(g[i].vmid, sizeof(g[i].vmid), "%s", list[i].id);
		snprintf(g[i].node, sizeof(g[i].node), "pve1");
	}
	s = clusterstatus_summary(list, n, "pve1", g, n, &truncated);
	ck_assert(truncated);
	len = strlen(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
	ck_assert_uint_le(len, PVECLUSTER_SUMMARY_MAX - 256);
	ck_assert_uint_gt(len, PVECLUSTER_SUMMARY_MAX / 2);
	ck_assert_uint_lt((size_t)json_object_object_length(s), n);
	json_object_put(s);
	free(list);
	free(g);
}
END_TEST

START_TEST(test_view)
{
	struct lxcri_error err = { 0 };
	struct json_object *view = NULL;
	enum pvecluster_published done;

	members(1);
	save_state("100", "running", 1);
	/* pve1 publishes (time 1000); pve2's summary is from 100 s before, and lists 101 too. */
	ck_assert_msg(clusterstatus_publish(&paths, 1000, &done, &err) == 0, "%s", err.message);
	ck_assert_int_eq(done, PVECLUSTER_WRITTEN);
	write_pve(
	    "nodes/pve2/lxcri-status.json",
	    "{\"node\": \"pve2\", \"time\": 900, \"containers\": {"
	    "\"200\": {\"phase\": \"running\", \"valid\": true, \"applied\": {\"port.fwd\": 2}},"
	    "\"202\": {\"phase\": \"refused\", \"valid\": true, \"applied\": {}, \"error\": "
	    "\"Refusing to start: x\"},"
	    "\"100\": {\"phase\": \"running\", \"valid\": true, \"applied\": {}}}}");
	ck_assert_msg(clusterstatus_collect(&paths, 1000, &view, &err) == 0, "%s", err.message);
	ck_assert_str_eq(field(view, "100", "status"), "\"running\"");
	ck_assert_str_eq(field(view, "100", "applied"), "{\"net.veth\":1}");
	ck_assert_str_eq(field(view, "100", "summary"), "\"current\"");
	ck_assert_str_eq(field(view, "100", "also_on"), "[\"pve2\"]");
	ck_assert_str_eq(field(view, "101", "config_valid"), "false");
	ck_assert_str_eq(field(view, "101", "status"), "\"stopped\"");
	ck_assert_str_eq(field(view, "200", "applied"), "{\"port.fwd\":2}");
	ck_assert_str_eq(field(view, "200", "node_online"), "true");
	ck_assert_str_eq(field(view, "201", "summary"), "\"not-listed\"");
	ck_assert_str_eq(field(view, "202", "status"), "\"refused\"");
	ck_assert_str_eq(field(view, "202", "error"), "\"Refusing to start: x\"");
	ck_assert_str_eq(field(view, "900", "summary"), "\"no-owner\"");
	ck_assert_str_eq(field(view, "900", "node"), "null");
	json_object_put(view);

	/* Later: pve2's summary is out of date; then pve2 is offline. */
	ck_assert_int_eq(clusterstatus_collect(&paths, 900 + PVECLUSTER_MAX_AGE_S + 1, &view, &err),
			 0);
	ck_assert_str_eq(field(view, "200", "summary"), "\"out-of-date\"");
	json_object_put(view);
	members(0);
	ck_assert_int_eq(clusterstatus_collect(&paths, 1000, &view, &err), 0);
	ck_assert_str_eq(field(view, "200", "summary"), "\"node-offline\"");
	ck_assert_str_eq(field(view, "200", "node_online"), "false");
	ck_assert_str_eq(field(view, "200", "status"), "\"running\"");
	json_object_put(view);
	/* No summary of pve2 at all. */
	write_pve("nodes/pve2/lxcri-status.json", "not json");
	members(1);
	ck_assert_int_eq(clusterstatus_collect(&paths, 1000, &view, &err), 0);
	ck_assert_str_eq(field(view, "200", "summary"), "\"missing\"");
	ck_assert_str_eq(field(view, "200", "status"), "\"unknown\"");
	json_object_put(view);
}
END_TEST

/* Not a PVE node: said, nothing published. */
START_TEST(test_not_pve)
{
	struct lxcri_error err = { 0 };
	struct json_object *view = NULL;
	enum pvecluster_published done;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pve/lxc", tmp);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(clusterstatus_collect(&paths, 1, &view, &err), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err.message, "--cluster needs one"));
	ck_assert_int_eq(clusterstatus_publish(&paths, 1, &done, &err), -ENOTSUP);
}
END_TEST

static Suite *clusterstatus_suite(void)
{
	Suite *s = suite_create("clusterstatus");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_summary_bounded);
	tcase_add_test(tc, test_view);
	tcase_add_test(tc, test_not_pve);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(clusterstatus_suite)
