/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/pve/pvecluster: .members, .vmlist and the nodes' summaries, on a tree laid out as pmxcfs's.
 */
#include <errno.h>
#include <sys/stat.h>

#include "lib/basic/fileio.h"
#include "lib/pve/pvecluster.h"
#include "lib/shared/json.h"
#include "testutil.h"

static char *tmp;
static struct lxcri_paths paths;

static void setup(void)
{
	char path[PATH_MAX];

	tmp = test_tmpdir();
	test_pve_node(&paths, tmp,
		      "{\"version\": 9, \"ids\": {"
		      "\"1000\": {\"node\": \"pve2\", \"type\": \"lxc\", \"version\": 1},"
		      "\"200\": {\"node\": \"pve2\", \"type\": \"lxc\", \"version\": 2},"
		      "\"100\": {\"node\": \"pve1\", \"type\": \"lxc\", \"version\": 3},"
		      "\"300\": {\"node\": \"pve1\", \"type\": \"qemu\", \"version\": 4}}}");
	snprintf(path, sizeof(path), "%s/pve/.members", tmp);
	test_write_file(path,
			"{\"nodename\": \"pve1\", \"version\": 4, \"cluster\": {\"name\": "
			"\"c\", \"version\": 2, \"nodes\": 2, \"quorate\": 1},"
			"\"nodelist\": {\"pve2\": {\"id\": 2, \"online\": 0, \"ip\": \"10.0.0.2\"},"
			"\"pve1\": {\"id\": 1, \"online\": 1, \"ip\": \"10.0.0.1\"}}}");
	snprintf(path, sizeof(path), "%s/pve/nodes/pve2", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
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

START_TEST(test_members)
{
	struct pvecluster_member *m = NULL;
	struct lxcri_error err = { 0 };
	size_t n = 0;

	ck_assert_int_eq(pvecluster_members(paths.pve_dir, &m, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(m[0].name, "pve1");
	ck_assert(m[0].online);
	ck_assert_str_eq(m[1].name, "pve2");
	ck_assert(!m[1].online);
	free(m);
	/* Local mode: the node alone, online. */
	write_pve(".members", "{\"nodename\": \"solo\", \"version\": 1}");
	ck_assert_int_eq(pvecluster_members(paths.pve_dir, &m, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(m[0].name, "solo");
	ck_assert(m[0].online);
	free(m);
	write_pve(".members", "{\"nodelist\": [1]}");
	ck_assert_int_eq(pvecluster_members(paths.pve_dir, &m, &n, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "/.members: \"nodelist\" is not an object"));
	write_pve(".members", "{garbage");
	ck_assert_int_eq(pvecluster_members(paths.pve_dir, &m, &n, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "/pve/.members"));
}
END_TEST

START_TEST(test_vmlist)
{
	struct pvecluster_guest *g = NULL;
	struct lxcri_error err = { 0 };
	size_t n = 0;

	ck_assert_int_eq(pvecluster_vmlist(paths.pve_dir, &g, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	/* By number, not by text. */
	ck_assert_str_eq(g[0].vmid, "100");
	ck_assert_str_eq(g[2].vmid, "300");
	ck_assert_str_eq(g[2].type, "qemu");
	ck_assert_str_eq(g[3].vmid, "1000");
	ck_assert_str_eq(pvecluster_guest_find(g, n, "200")->node, "pve2");
	ck_assert_ptr_null(pvecluster_guest_find(g, n, "400"));
	free(g);
	/* pmxcfs leaves "ids" out when there is no guest. */
	write_pve(".vmlist", "{\"version\": 1}");
	ck_assert_int_eq(pvecluster_vmlist(paths.pve_dir, &g, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	free(g);
}
END_TEST

static struct json_object *containers(const char *phase)
{
	struct json_object *c = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "phase", json_object_new_string(phase));
	json_object_object_add(c, "100", e);
	return c;
}

static int64_t published_time(void)
{
	struct json_object *root = NULL, *t;
	struct lxcri_error err = { 0 };
	int64_t v;

	ck_assert_msg(pvecluster_summary_read(paths.pve_dir, "pve1", &root, &err) == 0, "%s",
		      err.message);
	ck_assert(json_object_object_get_ex(root, "time", &t));
	v = json_object_get_int64(t);
	json_object_put(root);
	return v;
}

/*
 * Written with the node's name and the time; the same containers again
 * within PVECLUSTER_REFRESH_S: not written; after it, or changed: written.
 * Without quorum nothing is written; one too large is refused whole.
 */
START_TEST(test_publish)
{
	enum pvecluster_published done;
	struct lxcri_error err = { 0 };
	struct json_object *root = NULL, *big;
	char path[PATH_MAX], *before;
	size_t size = 0;

	ck_assert_int_eq(pvecluster_summary_read(paths.pve_dir, "pve1", &root, &err), -ENOENT);
	ck_assert_int_eq(pvecluster_publish(paths.pve_dir, "pve1", containers("running"), false,
					    1000, &done, &err),
			 0);
	ck_assert_int_eq(done, PVECLUSTER_WRITTEN);
	ck_assert_int_eq(published_time(), 1000);
	ck_assert_int_eq(pvecluster_publish(paths.pve_dir, "pve1", containers("running"), false,
					    1100, &done, &err),
			 0);
	ck_assert_int_eq(done, PVECLUSTER_UNCHANGED);
	ck_assert_int_eq(published_time(), 1000);
	ck_assert_int_eq(pvecluster_publish(paths.pve_dir, "pve1", containers("stopped"), false,
					    1200, &done, &err),
			 0);
	ck_assert_int_eq(done, PVECLUSTER_WRITTEN);
	ck_assert_int_eq(published_time(), 1200);
	ck_assert_int_eq(pvecluster_publish(paths.pve_dir, "pve1", containers("stopped"), false,
					    1200 + PVECLUSTER_REFRESH_S, &done, &err),
			 0);
	ck_assert_int_eq(done, PVECLUSTER_WRITTEN);

	snprintf(path, sizeof(path), "%s/nodes/pve1/%s", paths.pve_dir, PVECLUSTER_SUMMARY_FILE);
	ck_assert_int_ge(fileio_read_file(path, 1 << 20, &before, &size), 0);
	write_pve(".members", "{\"nodename\": \"pve1\", \"cluster\": {\"quorate\": 0}, "
			      "\"nodelist\": {\"pve1\": {\"online\": 1}}}");
	ck_assert_int_eq(pvecluster_publish(paths.pve_dir, "pve1", containers("running"), false,
					    9999, &done, &err),
			 0);
	ck_assert_int_eq(done, PVECLUSTER_NO_QUORUM);
	write_pve(".members", "{\"nodename\": \"pve1\", \"version\": 1}");
	big = containers("running");
	for (int i = 0; i < 5000; i++) {
		char key[16];

		snprintf(key, sizeof(key), "%d", 1000 + i);
		json_object_object_add(
		    big, key, json_object_new_string("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	}
	ck_assert_int_eq(pvecluster_publish(paths.pve_dir, "pve1", big, false, 9999, &done, &err),
			 -EFBIG);
	ck_assert_ptr_nonnull(strstr(err.message, "at most 131072"));
	{
		_cleanup_free_ char *after = NULL;

		ck_assert_int_ge(fileio_read_file(path, 1 << 20, &after, &size), 0);
		ck_assert_str_eq(after, before);
	}
	free(before);
}
END_TEST

/* A summary that is not one: named; another node's file under this name: refused. */
START_TEST(test_summary_read_refuses)
{
	struct lxcri_error err = { 0 };
	struct json_object *root = NULL;

	write_pve("nodes/pve2/lxcri-status.json", "[]");
	ck_assert_int_eq(pvecluster_summary_read(paths.pve_dir, "pve2", &root, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "nodes/pve2/lxcri-status.json"));
	write_pve("nodes/pve2/lxcri-status.json",
		  "{\"node\": \"pve1\", \"time\": 5, \"containers\": {}}");
	ck_assert_int_eq(pvecluster_summary_read(paths.pve_dir, "pve2", &root, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "not the summary of node 'pve2'"));
	ck_assert_int_eq(pvecluster_summary_read(paths.pve_dir, "../pve1", &root, &err), -EINVAL);
}
END_TEST

static Suite *pvecluster_suite(void)
{
	Suite *s = suite_create("pvecluster");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_vmlist);
	tcase_add_test(tc, test_publish);
	tcase_add_test(tc, test_summary_read_refuses);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(pvecluster_suite)
