/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/lsm/apparmorsetup: the pre-start checks and the generated profile's
 * life, against a fake sysfs tree and a stand-in apparmor_parser that logs
 * its arguments. Runs from the top of the tree (the template in apparmor/).
 */
#include <errno.h>
#include <sys/stat.h>

#include "lib/lsm/apparmor.h"
#include "lib/lsm/apparmorsetup.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char sys[PATH_MAX], run[PATH_MAX], state[PATH_MAX], parser[PATH_MAX], log[PATH_MAX];
	struct apparmorsetup as;
};

static void put(const char *dir, const char *rel, const char *content)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	ck_assert_int_eq(system(cmd), 0);
	test_write_file(path, content);
}

static void fixture_init(struct fixture *f, const char *enabled, const char *profiles)
{
	char script[2 * PATH_MAX];

	f->dir = test_tmpdir();
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->dir);
	snprintf(f->run, sizeof(f->run), "%s/run", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/run/web", f->dir);
	snprintf(f->parser, sizeof(f->parser), "%s/parser", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/parser.log", f->dir);
	if (enabled)
		put(f->sys, "module/apparmor/parameters/enabled", enabled);
	if (profiles)
		put(f->sys, "kernel/security/apparmor/profiles", profiles);
	put(f->run, "web/.keep", "");
	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$*\" >>%s\n", f->log);
	test_write_file(f->parser, script);
	ck_assert_int_eq(chmod(f->parser, 0755), 0);
	f->as =
	    (struct apparmorsetup){ "web", f->state, f->sys, f->run, "apparmor", f->parser, 10000 };
}

static char *slurp(const char *path)
{
	_cleanup_fclose_ FILE *fp = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!fp)
		return strdup("");
	if (getdelim(&text, &size, '\0', fp) < 0) {
		free(text);
		return strdup("");
	}
	return text;
}

static struct config *parse(const char *text)
{
	struct config *c = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(
	    config_parse("/etc/lxcri/containers/web.conf", text, strlen(text), &c, &err) == 0, "%s",
	    err.message);
	return c;
}

START_TEST(test_unconfined_does_nothing)
{
	struct fixture f;
	_cleanup_config_ struct config *c = parse("apparmor: profile=unconfined\n");
	_cleanup_state_ struct state *s = NULL;
	_cleanup_free_ char *log = NULL;
	struct lxcri_error err = {};

	fixture_init(&f, NULL, NULL); /* no AppArmor at all */
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_int_eq(apparmorsetup_apply(&f.as, c, s, &err), 0);
	ck_assert_uint_eq(s->n_items, 0);
	log = slurp(f.log);
	ck_assert_str_eq(log, "");
	test_rm_rf(f.dir);
	free(f.dir);
}
END_TEST

START_TEST(test_refused_without_apparmor)
{
	static const char *configs[] = { "# x\napparmor: profile=generated,nesting=1\n",
					 "# x\napparmor: profile=lxcri-default\n" };
	static const char *names[] = { "lxcri-ct-web", "lxcri-default" };

	for (size_t i = 0; i < ELEMENTSOF(configs); i++) {
		struct fixture f;
		_cleanup_config_ struct config *c = parse(configs[i]);
		_cleanup_state_ struct state *s = NULL;
		struct lxcri_error err = {};
		char expected[512];

		fixture_init(&f, i == 0 ? NULL : "N\n", NULL);
		ck_assert_int_eq(state_new("web", &s), 0);
		ck_assert_int_eq(apparmorsetup_apply(&f.as, c, s, &err), -EOPNOTSUPP);
		snprintf(expected, sizeof(expected),
			 "/etc/lxcri/containers/web.conf:2: container 'web' asks for AppArmor "
			 "profile '%s', but AppArmor is not enabled in this kernel: refusing to "
			 "start it unconfined (see 'lxcri check')",
			 names[i]);
		ck_assert_str_eq(err.message, expected);
		ck_assert_uint_eq(s->n_items, 0);
		test_rm_rf(f.dir);
		free(f.dir);
	}
}
END_TEST

START_TEST(test_named_profile_must_be_loaded)
{
	struct fixture f;
	_cleanup_config_ struct config *c = parse("apparmor: profile=lxcri-default\n");
	_cleanup_config_ struct config *other = parse("apparmor: profile=other\n");
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};

	fixture_init(&f, "Y\n", "lxcri-default (enforce)\n");
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_int_eq(apparmorsetup_apply(&f.as, c, s, &err), 0);
	ck_assert_int_eq(apparmorsetup_apply(&f.as, other, s, &err), -ENOENT);
	ck_assert_str_eq(err.message,
			 "/etc/lxcri/containers/web.conf:1: container 'web' asks for AppArmor "
			 "profile 'other', which is not loaded: load it with apparmor_parser, or "
			 "use profile=generated");
	ck_assert_uint_eq(s->n_items, 0);
	test_rm_rf(f.dir);
	free(f.dir);
}
END_TEST

START_TEST(test_generated_loaded_and_unloaded)
{
	struct fixture f;
	_cleanup_config_ struct config *c =
	    parse("apparmor: profile=generated,nesting=1,mount=nfs\n");
	_cleanup_state_ struct state *s = NULL, *saved = NULL;
	_cleanup_free_ char *profile = NULL, *log = NULL, *log2 = NULL;
	struct lxcri_error err = {};
	char file[PATH_MAX], expected[4 * PATH_MAX];

	fixture_init(&f, "Y\n", "lxcri-default (enforce)\n");
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_msg(apparmorsetup_apply(&f.as, c, s, &err) == 0, "%s", err.message);
	snprintf(file, sizeof(file), "%s/apparmor/lxcri-ct-web", f.run);
	profile = slurp(file);
	ck_assert_ptr_nonnull(strstr(profile, "profile lxcri-ct-web "));
	ck_assert_ptr_nonnull(strstr(profile, "  mount fstype=nfs,\n"));
	ck_assert_ptr_nonnull(strstr(profile, "  pivot_root,\n"));
	log = slurp(f.log);
	snprintf(expected, sizeof(expected), "-r -W -L %s/apparmor/cache %s\n", f.run, file);
	ck_assert_str_eq(log, expected);
	/* Recorded, applied, and saved. */
	ck_assert_int_eq(state_load(f.state, &saved, &err), 0);
	ck_assert_uint_eq(saved->n_items, 1);
	ck_assert_str_eq(saved->items[0].kind, APPARMOR_ITEM_KIND);
	ck_assert_int_eq(saved->items[0].status, STATE_ITEM_APPLIED);

	/* Teardown: the kernel lists it, so the parser unloads it. */
	put(f.sys, "kernel/security/apparmor/profiles", "lxcri-ct-web (enforce)\n");
	ck_assert_uint_eq(apparmorsetup_teardown(&f.as, saved, &err), 0);
	ck_assert_uint_eq(saved->n_items, 0);
	ck_assert_int_eq(access(file, F_OK), -1);
	log2 = slurp(f.log);
	snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected), "-R %s\n", file);
	ck_assert_str_eq(log2, expected);
	/* Twice: nothing left to do. */
	ck_assert_uint_eq(apparmorsetup_teardown(&f.as, saved, &err), 0);
	test_rm_rf(f.dir);
	free(f.dir);
}
END_TEST

START_TEST(test_teardown_of_a_pending_item)
{
	struct fixture f;
	_cleanup_config_ struct config *c = parse("apparmor: profile=generated\n");
	_cleanup_state_ struct state *s = NULL;
	_cleanup_free_ char *log = NULL;
	struct lxcri_error err = {};
	char file[PATH_MAX];

	/* The parser fails: the item stays pending, as after a crash. */
	fixture_init(&f, "Y\n", "");
	test_write_file(f.parser, "#!/bin/sh\necho 'syntax error' >&2\nexit 1\n");
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_int_eq(apparmorsetup_apply(&f.as, c, s, &err), -EIO);
	ck_assert_ptr_nonnull(strstr(err.message, "exited with status 1: syntax error"));
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_int_eq(s->items[0].status, STATE_ITEM_PENDING);
	/* Not loaded: teardown removes the file and the item without the parser. */
	ck_assert_uint_eq(apparmorsetup_teardown(&f.as, s, &err), 0);
	ck_assert_uint_eq(s->n_items, 0);
	snprintf(file, sizeof(file), "%s/apparmor/lxcri-ct-web", f.run);
	ck_assert_int_eq(access(file, F_OK), -1);
	test_rm_rf(f.dir);
	free(f.dir);
}
END_TEST

START_TEST(test_teardown_refuses_foreign_items)
{
	struct fixture f;
	_cleanup_state_ struct state *s = NULL;
	struct json_object *data = json_object_new_object();
	struct lxcri_error err = {};

	fixture_init(&f, "Y\n", "");
	ck_assert_int_eq(state_new("web", &s), 0);
	json_object_object_add(data, "name", json_object_new_string("lxcri-ct-other"));
	json_object_object_add(data, "file", json_object_new_string("/etc/passwd"));
	ck_assert_int_eq(state_item_add(s, APPARMOR_ITEM_KIND, "pre-start", data, NULL), 0);
	ck_assert_uint_eq(apparmorsetup_teardown(&f.as, s, &err), 1);
	ck_assert_str_eq(err.message, "Invalid 'apparmor.profile' item in the state");
	ck_assert_uint_eq(s->n_items, 1);
	test_rm_rf(f.dir);
	free(f.dir);
}
END_TEST

static Suite *apparmorsetup_suite(void)
{
	Suite *s = suite_create("apparmorsetup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_unconfined_does_nothing);
	tcase_add_test(tc, test_refused_without_apparmor);
	tcase_add_test(tc, test_named_profile_must_be_loaded);
	tcase_add_test(tc, test_generated_loaded_and_unloaded);
	tcase_add_test(tc, test_teardown_of_a_pending_item);
	tcase_add_test(tc, test_teardown_refuses_foreign_items);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(apparmorsetup_suite)
