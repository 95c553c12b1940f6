/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/pve/pveguard.h"

/* A PVE node under a temp dir: <tmp>/pve/{lxc,lxcri}, programs in <tmp>/libexec. */
struct node {
	char *tmp;
	struct lxcri_paths p;
	char guard105[PATH_MAX + 64], guard106[PATH_MAX + 64];
};

static void node_setup(struct node *n)
{
	char dir[PATH_MAX];

	n->tmp = test_tmpdir();
	ck_assert_int_eq(paths_init(&n->p), 0);
	snprintf(n->p.pve_dir, sizeof(n->p.pve_dir), "%s/pve", n->tmp);
	snprintf(n->p.libexec_dir, sizeof(n->p.libexec_dir), "%s/libexec", n->tmp);
	ck_assert_int_eq(mkdir(n->p.pve_dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/lxc", n->p.pve_dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/lxcri", n->p.pve_dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkdir(n->p.libexec_dir, 0755), 0);
	ck_assert_int_eq(pveguard_value(&n->p, "105", n->guard105, sizeof(n->guard105)), 0);
	ck_assert_int_eq(pveguard_value(&n->p, "106", n->guard106, sizeof(n->guard106)), 0);
}

static void node_done(struct node *n)
{
	test_rm_rf(n->tmp);
	free(n->tmp);
}

START_TEST(test_value_names_program_package_and_config)
{
	struct node n;
	char want[PATH_MAX * 2];

	node_setup(&n);
	snprintf(want, sizeof(want),
		 "%s/libexec/lxcri-guard --requires=pve-lxcri %s/pve/lxcri/105.conf", n.tmp, n.tmp);
	ck_assert_str_eq(n.guard105, want);
	node_done(&n);
}
END_TEST

static bool is_guard(const char *value, const char *want_config)
{
	char config[PATH_MAX];
	bool r = pveguard_is_guard(value, strlen(value), config, sizeof(config));

	if (r)
		ck_assert_str_eq(config, want_config);
	return r;
}

START_TEST(test_is_guard_by_program_name)
{
	ck_assert(
	    is_guard("/usr/libexec/lxcri/lxcri-guard --requires=pve-lxcri /etc/pve/lxcri/105.conf",
		     "/etc/pve/lxcri/105.conf"));
	ck_assert(is_guard("/opt/x/lxcri-guard  /etc/pve/lxcri/7.conf", "/etc/pve/lxcri/7.conf"));
	ck_assert(is_guard("lxcri-guard --requires=pve-lxcri", ""));
	ck_assert(!is_guard("/usr/share/lxc/hooks/lxc-pve-prestart-hook", ""));
	ck_assert(!is_guard("/usr/libexec/lxcri/lxcri-guardian /etc/pve/lxcri/105.conf", ""));
	ck_assert(!is_guard("", ""));
}
END_TEST

START_TEST(test_foreign_keys_of_a_clone)
{
	struct node n;
	struct pveguard_foreign f[4];
	char *text, dir[PATH_MAX];

	node_setup(&n);
	snprintf(dir, sizeof(dir), "%s/lxcri", n.p.pve_dir);
	ck_assert_int_ge(asprintf(&text,
				  "arch: amd64\n"
				  "lxc.hook.pre-start: %s\n"
				  "lxc.seccomp.profile: %s/105.seccomp\n"
				  "lxc.seccomp.profile: %s/profiles/ab12.seccomp\n"
				  "lxc.mount.entry: /x%s/105.conf y none bind 0 0\n"
				  "lxc.apparmor.profile: %s/106.apparmor\n"
				  "description: %s/105.conf\n"
				  "\n[snap]\nlxc.seccomp.profile: %s/104.seccomp\n",
				  n.guard105, dir, dir, dir, dir, dir, dir),
			 0);
	/* For 106 (the clone): the guard and the profile of 105, with their lines. */
	ck_assert_uint_eq(pveguard_foreign_keys(dir, "106", text, strlen(text), LXCCONF_PVE, f, 4),
			  2);
	ck_assert_str_eq(f[0].key, "lxc.hook.pre-start");
	ck_assert_str_eq(f[0].vmid, "105");
	ck_assert_uint_eq(f[0].line, 2);
	ck_assert_str_eq(f[1].key, "lxc.seccomp.profile");
	ck_assert_uint_eq(f[1].line, 3);
	/* For 105 itself, only the key naming 106's file. */
	ck_assert_uint_eq(pveguard_foreign_keys(dir, "105", text, strlen(text), LXCCONF_PVE, f, 4),
			  1);
	ck_assert_str_eq(f[0].key, "lxc.apparmor.profile");
	ck_assert_str_eq(f[0].vmid, "106");
	/* More than max: the count says so. */
	ck_assert_uint_eq(pveguard_foreign_keys(dir, "107", text, strlen(text), LXCCONF_PVE, f, 1),
			  3);
	free(text);
	node_done(&n);
}
END_TEST

static char *edit(const struct node *n, const char *vmid, const char *text, bool want, int expect)
{
	char *out = NULL;
	size_t size = 0;

	ck_assert_int_eq(pveguard_edit(&n->p, vmid, text, strlen(text), want, &out, &size), expect);
	if (expect == 0)
		ck_assert_ptr_null(out);
	else
		ck_assert_uint_eq(size, strlen(out));
	return out;
}

START_TEST(test_edit_adds_once_replaces_copies_removes_own)
{
	struct node n;
	_cleanup_free_ char *pve_hook = NULL, *want = NULL, *clone = NULL;
	char *a, *b, *c;

	node_setup(&n);
	pve_hook = strdup("arch: amd64\nlxc.hook.pre-start: /usr/share/lxc/hooks/x\n");
	ck_assert_int_ge(asprintf(&want, "%slxc.hook.pre-start: %s\n", pve_hook, n.guard105), 0);
	a = edit(&n, "105", pve_hook, true, 1);
	ck_assert_str_eq(a, want);
	free(edit(&n, "105", a, true, 0));
	/* A guard copied from 105 into 106's config is replaced by 106's own. */
	b = edit(&n, "106", a, true, 1);
	ck_assert_int_ge(asprintf(&clone, "%slxc.hook.pre-start: %s\n", pve_hook, n.guard106), 0);
	ck_assert_str_eq(b, clone);
	/* Out: only the own guard goes; another hook of the list stays. */
	c = edit(&n, "106", b, false, 1);
	ck_assert_str_eq(c, pve_hook);
	free(edit(&n, "106", a, false, 0));
	free(a);
	free(b);
	free(c);
	node_done(&n);
}
END_TEST

START_TEST(test_strip_removes_guards_and_foreign_keys)
{
	struct node n;
	_cleanup_free_ char *text = NULL, *out = NULL, *expect = NULL;
	size_t size = 0;

	node_setup(&n);
	ck_assert_int_ge(
	    asprintf(&text,
		     "arch: amd64\nlxc.hook.pre-start: %s\nlxc.hook.pre-start: %s\n"
		     "lxc.seccomp.profile: %s/lxcri/105.seccomp\nlxc.cap.drop: sys_admin\n",
		     n.guard105, n.guard106, n.p.pve_dir),
	    0);
	/* 106 managed: its own guard stays, 105's guard and profile go. */
	ck_assert_int_eq(pveguard_strip(&n.p, "106", text, strlen(text), true, &out, &size), 2);
	ck_assert_int_ge(asprintf(&expect,
				  "arch: amd64\nlxc.hook.pre-start: %s\nlxc.cap.drop: sys_admin\n",
				  n.guard106),
			 0);
	ck_assert_str_eq(out, expect);
	free(TAKE_PTR(out));
	/* 106 unmanaged: every guard goes. */
	ck_assert_int_eq(pveguard_strip(&n.p, "106", text, strlen(text), false, &out, &size), 3);
	ck_assert_str_eq(out, "arch: amd64\nlxc.cap.drop: sys_admin\n");
	free(TAKE_PTR(out));
	/*
	 * Keys into lxcri's shared store and its generated AppArmor profile
	 * name no vmid's files: kept while 106 is managed, gone with the rest
	 * when it goes unmanaged; a profile of the admin's stays.
	 */
	free(TAKE_PTR(text));
	ck_assert_int_ge(asprintf(&text,
				  "arch: amd64\nlxc.hook.pre-start: %s\n"
				  "lxc.seccomp.profile: %s/lxcri/seccomp/%064d.seccomp\n"
				  "lxc.apparmor.profile: lxcri-ct-105\n",
				  n.guard105, n.p.pve_dir, 0),
			 0);
	ck_assert_int_eq(pveguard_strip(&n.p, "106", text, strlen(text), true, &out, &size), 1);
	ck_assert_ptr_nonnull(strstr(out, "/lxcri/seccomp/"));
	ck_assert_ptr_nonnull(strstr(out, "lxcri-ct-105"));
	free(TAKE_PTR(out));
	ck_assert_int_eq(pveguard_strip(&n.p, "106", text, strlen(text), false, &out, &size), 3);
	ck_assert_str_eq(out, "arch: amd64\n");
	free(TAKE_PTR(out));
	ck_assert_int_eq(pveguard_strip(&n.p, "106", "lxc.apparmor.profile: admin-own\n", 32, false,
					&out, &size),
			 0);
	node_done(&n);
}
END_TEST

START_TEST(test_guards_any_libexec_dir)
{
	char text[] = "lxc.hook.pre-start: /opt/lxcri/lxcri-guard --requires=pve-lxcri "
		      "/etc/pve/lxcri/5.conf\n";

	ck_assert(pveguard_guards(text, strlen(text), "/etc/pve/lxcri/5.conf"));
	ck_assert(!pveguard_guards(text, strlen(text), "/etc/pve/lxcri/6.conf"));
	ck_assert(!pveguard_guards("", 0, "/etc/pve/lxcri/5.conf"));
}
END_TEST

START_TEST(test_args_version_0_and_1)
{
	char *v0[] = { "lxcri-guard",
		       "--requires=pve-lxcri",
		       "/etc/pve/lxcri/105.conf",
		       "105",
		       "lxc",
		       "pre-start",
		       NULL };
	char *v1[] = { "lxcri-guard", "--requires=pve-lxcri", "/etc/pve/lxcri/105.conf", NULL };
	char *bad[] = { "lxcri-guard", "--requires=pve-lxcri", NULL };
	struct pveguard_args a;
	struct lxcri_error err = {};

	unsetenv("LXC_NAME");
	setenv("LXC_CONFIG_FILE", "/var/lib/lxc/105/config", 1);
	ck_assert_int_eq(pveguard_args_parse(6, v0, &a, &err), 0);
	ck_assert_str_eq(a.config, "/etc/pve/lxcri/105.conf");
	ck_assert_str_eq(a.name, "105");
	ck_assert_str_eq(a.lxc_config, "/var/lib/lxc/105/config");
	ck_assert_int_eq(pveguard_args_parse(3, v1, &a, &err), -EINVAL);
	setenv("LXC_NAME", "106", 1);
	ck_assert_int_eq(pveguard_args_parse(3, v1, &a, &err), 0);
	ck_assert_str_eq(a.name, "106");
	ck_assert_int_eq(pveguard_args_parse(2, bad, &a, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "usage: lxcri-guard"), "%s", err.message);
	unsetenv("LXC_CONFIG_FILE");
	ck_assert_int_eq(pveguard_args_parse(6, v0, &a, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "LXC_CONFIG_FILE"), "%s", err.message);
}
END_TEST

/* A start of name as LXC hands it to the guard: <tmp>/<name>.config with extra lines. */
static int start(const struct node *n, const char *name, const char *extra, struct lxcri_error *err)
{
	char lxc_config[PATH_MAX], config[PATH_MAX], hook[PATH_MAX], dropin[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	struct pveguard_args a;

	snprintf(hook, sizeof(hook), "%s/lxcri-hook", n->p.libexec_dir);
	snprintf(dropin, sizeof(dropin), "%s/50-lxcri.conf", n->tmp);
	snprintf(lxc_config, sizeof(lxc_config), "%s/%s.config", n->tmp, name);
	snprintf(config, sizeof(config), "%s/lxcri/105.conf", n->p.pve_dir);
	ck_assert_int_ge(asprintf(&text, "lxc.include = %s\nlxc.hook.pre-start = %s\n%s", dropin,
				  n->guard105, extra),
			 0);
	test_write_file(lxc_config, text);
	a = (struct pveguard_args){ .config = config, .name = name, .lxc_config = lxc_config };
	return pveguard_check_start(&a, err);
}

static void start_setup(struct node *n)
{
	char path[PATH_MAX], text[PATH_MAX * 3];

	node_setup(n);
	snprintf(path, sizeof(path), "%s/lxcri-hook", n->p.libexec_dir);
	test_write_file(path, "#!/bin/sh\nexit 0\n");
	ck_assert_int_eq(chmod(path, 0755), 0);
	snprintf(text, sizeof(text),
		 "lxc.hook.pre-start = %s --etc-dir=/x\nlxc.hook.start-host = %s\n", path, path);
	snprintf(path, sizeof(path), "%s/50-lxcri.conf", n->tmp);
	test_write_file(path, text);
	snprintf(path, sizeof(path), "%s/lxcri/105.conf", n->p.pve_dir);
	test_write_file(path, "annotation0: a=b\n");
}

START_TEST(test_start_of_the_guarded_container_goes_on)
{
	struct node n;
	struct lxcri_error err = {};

	start_setup(&n);
	ck_assert_msg(start(&n, "105", "", &err) == 0, "%s", err.message);
	node_done(&n);
}
END_TEST

START_TEST(test_start_of_a_clone_refused_naming_the_commands)
{
	struct node n;
	struct lxcri_error err = {};

	start_setup(&n);
	ck_assert_int_eq(start(&n, "106", "", &err), -EXDEV);
	ck_assert_msg(strstr(err.message, "CT 106 carries lxcri's guard of CT 105"), "%s",
		      err.message);
	ck_assert_msg(strstr(err.message, "'lxcri config export 105 | lxcri config import 106 -'"),
		      "%s", err.message);
	ck_assert_msg(strstr(err.message, "'lxcri guard remove 106'"), "%s", err.message);
	node_done(&n);
}
END_TEST

START_TEST(test_start_with_a_foreign_raw_key_refused)
{
	struct node n;
	struct lxcri_error err = {};
	char extra[PATH_MAX + 64];

	start_setup(&n);
	snprintf(extra, sizeof(extra), "lxc.seccomp.profile = %s/lxcri/104.seccomp\n", n.p.pve_dir);
	ck_assert_int_eq(start(&n, "105", extra, &err), -EXDEV);
	ck_assert_msg(strstr(err.message, "CT 105's raw key lxc.seccomp.profile (line 3"), "%s",
		      err.message);
	ck_assert_msg(strstr(err.message, "names lxcri files of CT 104"), "%s", err.message);
	node_done(&n);
}
END_TEST

START_TEST(test_start_without_lxcri_config_refused)
{
	struct node n;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	start_setup(&n);
	snprintf(path, sizeof(path), "%s/lxcri/105.conf", n.p.pve_dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(start(&n, "105", "", &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "does not exist: backups do not carry /etc/pve/lxcri"),
		      "%s", err.message);
	ck_assert_msg(strstr(err.message, "'lxcri config import 105 <file>'"), "%s", err.message);
	node_done(&n);
}
END_TEST

START_TEST(test_start_without_lxcri_hooks_refused)
{
	struct node n;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	start_setup(&n);
	/* A later empty assignment clears LXC's list: lxcri-hook would not run. */
	ck_assert_int_eq(start(&n, "105", "lxc.hook.start-host =\n", &err), -ENOPKG);
	ck_assert_msg(strstr(err.message, "no lxc.hook.start-host of"), "%s", err.message);
	ck_assert_msg(strstr(err.message, "Install pve-lxcri on this node"), "%s", err.message);
	/* No drop-in at all. */
	snprintf(path, sizeof(path), "%s/50-lxcri.conf", n.tmp);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(start(&n, "105", "", &err), -ENOPKG);
	ck_assert_msg(strstr(err.message, "no lxc.hook.pre-start of"), "%s", err.message);
	node_done(&n);
}
END_TEST

START_TEST(test_start_with_lxcri_hook_not_executable_refused)
{
	struct node n;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	start_setup(&n);
	snprintf(path, sizeof(path), "%s/lxcri-hook", n.p.libexec_dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(start(&n, "105", "", &err), -ENOPKG);
	ck_assert_msg(strstr(err.message, "is not executable"), "%s", err.message);
	node_done(&n);
}
END_TEST

static Suite *pveguard_suite(void)
{
	Suite *s = suite_create("pveguard");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_value_names_program_package_and_config);
	tcase_add_test(tc, test_is_guard_by_program_name);
	tcase_add_test(tc, test_foreign_keys_of_a_clone);
	tcase_add_test(tc, test_edit_adds_once_replaces_copies_removes_own);
	tcase_add_test(tc, test_strip_removes_guards_and_foreign_keys);
	tcase_add_test(tc, test_guards_any_libexec_dir);
	tcase_add_test(tc, test_args_version_0_and_1);
	tcase_add_test(tc, test_start_of_the_guarded_container_goes_on);
	tcase_add_test(tc, test_start_of_a_clone_refused_naming_the_commands);
	tcase_add_test(tc, test_start_with_a_foreign_raw_key_refused);
	tcase_add_test(tc, test_start_without_lxcri_config_refused);
	tcase_add_test(tc, test_start_without_lxcri_hooks_refused);
	tcase_add_test(tc, test_start_with_lxcri_hook_not_executable_refused);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(pveguard_suite)
