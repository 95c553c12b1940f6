/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "cli/ct.h"
#include "lib/basic/fileio.h"
#include "lib/pve/pveguard.h"

/*
 * A container's files as the companion's changes see them, on a PVE node
 * laid out in a temp dir (nodes/pve1, the local and lxc links, .vmlist):
 * the lxcri config written with its guard in PVE's config and removed with
 * it, a missing config read as empty, and the opening's refusals.
 */
struct node {
	char *tmp;
	struct lxcri_paths p;
	char guard[PATH_MAX + 64];
	char pve_conf[PATH_MAX];
};

static void node_setup(struct node *n)
{
	*n = (struct node){ .tmp = test_tmpdir() };
	test_pve_node(&n->p, n->tmp,
		      "{\"version\": 3, \"ids\": {\"105\": {\"node\": \"pve1\", \"type\": "
		      "\"lxc\", \"version\": 1}}}\n");
	snprintf(n->pve_conf, sizeof(n->pve_conf), "%s/pve/nodes/pve1/lxc/105.conf", n->tmp);
	test_write_file(n->pve_conf, "arch: amd64\nhostname: ct105\n");
	ck_assert_int_eq(pveguard_value(&n->p, "105", n->guard, sizeof(n->guard)), 0);
}

static void node_done(struct node *n)
{
	test_rm_rf(n->tmp);
	free(n->tmp);
}

static char *text_of(const char *path)
{
	char *text = NULL;

	if (fileio_read_file(path, 0, &text, NULL) < 0)
		return NULL;
	return text;
}

/*
 * The first key brings the guard into PVE's config, the last takes it out
 * with the file; the lxcri config is 0640 (what pmxcfs shows), and a
 * missing one reads as empty.
 */
START_TEST(test_config_write_keeps_the_guard_with_the_config)
{
	struct node n;
	struct ct_files f;
	struct ct_text old = {};
	struct lxcri_error err = {};
	_cleanup_free_ char *guarded = NULL;
	const char *port = "port0: proto=tcp,host=8080,ct=80\n";
	struct stat st;
	char *text;

	node_setup(&n);
	ck_assert_msg(ct_files_open(&n.p, "105", &f, &err) == 0, "%s", err.message);
	ck_assert(f.pve);
	ck_assert_msg(ct_text_read(f.config, &old, &err) == 0, "%s", err.message);
	ck_assert(!old.exists);
	ck_assert_uint_eq(old.size, 0);
	ck_assert_msg(ct_config_write(&f, &old, port, strlen(port), &err) == 0, "%s", err.message);
	text = text_of(f.config);
	ck_assert_str_eq(text, port);
	free(text);
	ck_assert_int_eq(stat(f.config, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_ge(
	    asprintf(&guarded, "arch: amd64\nhostname: ct105\nlxc.hook.pre-start: %s\n", n.guard),
	    0);
	text = text_of(n.pve_conf);
	ck_assert_str_eq(text, guarded);
	free(text);
	ct_text_done(&old);

	/* The last key: the file goes, and the guard with it. */
	ck_assert_msg(ct_text_read(f.config, &old, &err) == 0, "%s", err.message);
	ck_assert(old.exists);
	ck_assert_msg(ct_config_write(&f, &old, "", 0, &err) == 0, "%s", err.message);
	ck_assert_ptr_null(text_of(f.config));
	text = text_of(n.pve_conf);
	ck_assert_str_eq(text, "arch: amd64\nhostname: ct105\n");
	free(text);
	ct_text_done(&old);
	node_done(&n);
}
END_TEST

START_TEST(test_open_refusals)
{
	struct node n;
	struct ct_files f;
	struct lxcri_error err = {};
	char id[200];

	node_setup(&n);
	ck_assert_int_eq(ct_files_open(&n.p, "../105", &f, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid container id '../105'");
	ck_assert_int_eq(ct_files_open(&n.p, "", &f, &err), -EINVAL);
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	ck_assert_int_eq(ct_files_open(&n.p, id, &f, &err), -EINVAL);
	/* A plain LXC container's config is under etc_dir, not /etc/pve. */
	ck_assert_msg(ct_files_open(&n.p, "web", &f, &err) == 0, "%s", err.message);
	ck_assert(!f.pve);
	ck_assert_ptr_nonnull(strstr(f.config, "/etc/containers/web.conf"));
	node_done(&n);
}
END_TEST

static Suite *ct_suite(void)
{
	Suite *s = suite_create("ct");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_config_write_keeps_the_guard_with_the_config);
	tcase_add_test(tc, test_open_refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ct_suite)
