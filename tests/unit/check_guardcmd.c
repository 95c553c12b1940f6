/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "cli/guardcmd.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/pve/pveguard.h"

/*
 * `lxcri guard add|remove` on a PVE node laid out as pmxcfs shows it (a
 * plain directory here; the pmxcfs rules are test_pve_guard's, on
 * pmxcfs-sim): <tmp>/pve/nodes/pve1/lxc/<vmid>.conf, the local and lxc
 * links, .vmlist naming the owner, lxcri configs in <tmp>/pve/lxcri.
 */
struct node {
	char *tmp;
	struct lxcri_paths p;
	char guard105[PATH_MAX + 64];
	char conf105[PATH_MAX], conf106[PATH_MAX];
};

static void node_file(const struct node *n, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pve/%s", n->tmp, name);
	test_write_file(path, text);
}

static void node_setup(struct node *n)
{
	*n = (struct node){ .tmp = test_tmpdir() };
	test_pve_node(
	    &n->p, n->tmp,
	    "{\"version\": 3, \"ids\": {\"105\": {\"node\": \"pve1\", \"type\": \"lxc\", "
	    "\"version\": 1}, \"106\": {\"node\": \"pve1\", \"type\": \"lxc\", \"version\": "
	    "2}}}\n");
	node_file(n, "nodes/pve1/lxc/105.conf", "arch: amd64\nhostname: ct105\n");
	node_file(n, "nodes/pve1/lxc/106.conf", "arch: amd64\nhostname: ct106\n");
	snprintf(n->conf105, sizeof(n->conf105), "%s/pve/nodes/pve1/lxc/105.conf", n->tmp);
	snprintf(n->conf106, sizeof(n->conf106), "%s/pve/nodes/pve1/lxc/106.conf", n->tmp);
	ck_assert_int_eq(pveguard_value(&n->p, "105", n->guard105, sizeof(n->guard105)), 0);
}

static void node_done(struct node *n)
{
	test_rm_rf(n->tmp);
	free(n->tmp);
}

static char *text_of(const char *path)
{
	char *text = NULL;

	ck_assert_int_ge(fileio_read_file(path, 0, &text, NULL), 0);
	return text;
}

/* add puts the guard in once; a second add changes nothing. */
START_TEST(test_add_once)
{
	struct node n;
	struct guardcmd_change ch;
	struct lxcri_error err = {};
	_cleanup_free_ char *want = NULL;
	char *text;

	node_setup(&n);
	node_file(&n, "lxcri/105.conf", "port0: proto=tcp,host=8080,ct=80\n");
	ck_assert_msg(guardcmd_add(&n.p, "105", &ch, &err) == 0, "%s", err.message);
	ck_assert(ch.changed);
	ck_assert_int_ge(
	    asprintf(&want, "arch: amd64\nhostname: ct105\nlxc.hook.pre-start: %s\n", n.guard105),
	    0);
	text = text_of(n.conf105);
	ck_assert_str_eq(text, want);
	free(text);
	ck_assert_msg(guardcmd_add(&n.p, "105", &ch, &err) == 0, "%s", err.message);
	ck_assert(!ch.changed);
	text = text_of(n.conf105);
	ck_assert_str_eq(text, want);
	free(text);
	node_done(&n);
}
END_TEST

/* Refused, with PVE's config as it was: no lxcri config, a lock, no vmid, no PVE config. */
START_TEST(test_add_refusals)
{
	struct node n;
	struct guardcmd_change ch;
	struct lxcri_error err = {};
	char *text;

	node_setup(&n);
	ck_assert_int_eq(guardcmd_add(&n.p, "105", &ch, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "lxcri config"));
	node_file(&n, "lxcri/105.conf", "port0: proto=tcp,host=8080,ct=80\n");
	node_file(&n, "nodes/pve1/lxc/105.conf", "arch: amd64\nlock: backup\n");
	ck_assert_int_lt(guardcmd_add(&n.p, "105", &ch, &err), 0);
	ck_assert_msg(strstr(err.message, "backup"), "%s", err.message);
	text = text_of(n.conf105);
	ck_assert_str_eq(text, "arch: amd64\nlock: backup\n");
	free(text);
	ck_assert_int_eq(guardcmd_add(&n.p, "web", &ch, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "Invalid vmid 'web'"));
	node_done(&n);
}
END_TEST

/*
 * A clone of 105 as 106 (PVE copied the raw keys): remove takes 105's
 * guard and the key naming 105's files out of 106's config; 105 keeps its
 * own.
 */
START_TEST(test_remove_from_a_clone)
{
	struct node n;
	struct guardcmd_change ch;
	struct lxcri_error err = {};
	_cleanup_free_ char *clone = NULL, *own = NULL;
	char *text;

	node_setup(&n);
	node_file(&n, "lxcri/105.conf", "port0: proto=tcp,host=8080,ct=80\n");
	ck_assert_int_ge(asprintf(&clone,
				  "arch: amd64\nhostname: ct106\nlxc.hook.pre-start: %s\n"
				  "lxc.apparmor.profile: lxcri-ct-105\n",
				  n.guard105),
			 0);
	node_file(&n, "nodes/pve1/lxc/106.conf", clone);
	ck_assert_msg(guardcmd_remove(&n.p, "106", &ch, &err) == 0, "%s", err.message);
	ck_assert(ch.changed);
	ck_assert_uint_eq(ch.removed, 2);
	text = text_of(n.conf106);
	ck_assert_str_eq(text, "arch: amd64\nhostname: ct106\n");
	free(text);

	/* 105 is managed: its own guard is all there is, and stays. */
	ck_assert_int_ge(
	    asprintf(&own, "arch: amd64\nhostname: ct105\nlxc.hook.pre-start: %s\n", n.guard105),
	    0);
	node_file(&n, "nodes/pve1/lxc/105.conf", own);
	ck_assert_int_eq(guardcmd_remove(&n.p, "105", &ch, &err), -EBUSY);
	text = text_of(n.conf105);
	ck_assert_str_eq(text, own);
	free(text);
	node_done(&n);
}
END_TEST

/* `lxcri check`: a managed container without its guard, a clone's foreign keys. */
START_TEST(test_findings)
{
	struct node n;
	struct guardcmd_finding f[GUARDCMD_FINDINGS_MAX];
	_cleanup_free_ char *clone = NULL;
	size_t count, managed = 0;
	bool guard = false, foreign = false;

	node_setup(&n);
	node_file(&n, "lxcri/105.conf", "port0: proto=tcp,host=8080,ct=80\n");
	ck_assert_int_ge(asprintf(&clone, "arch: amd64\nlxc.hook.pre-start: %s\n", n.guard105), 0);
	node_file(&n, "nodes/pve1/lxc/106.conf", clone);
	count = guardcmd_findings(&n.p, f, GUARDCMD_FINDINGS_MAX, &managed);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(f[i].name, "pve-guard") == 0 && strstr(f[i].detail, "105"))
			guard = !f[i].fail;
		if (strcmp(f[i].name, "pve-clone") == 0 && strstr(f[i].detail, "106"))
			foreign = f[i].fail;
	}
	ck_assert_msg(guard, "no warning for CT 105 without its guard");
	ck_assert_msg(foreign, "no failure for CT 106 with 105's guard");
	ck_assert_uint_eq(managed, 1);
	node_done(&n);
}
END_TEST

static Suite *guardcmd_suite(void)
{
	Suite *s = suite_create("guardcmd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_add_once);
	tcase_add_test(tc, test_add_refusals);
	tcase_add_test(tc, test_remove_from_a_clone);
	tcase_add_test(tc, test_findings);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(guardcmd_suite)
