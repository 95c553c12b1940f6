/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/lsm/apparmor: enabled/loaded against fake sysfs trees, the rendering of
 * the per-container profile, and every profile we ship (and every rendering)
 * compiled by the real apparmor_parser, without a kernel (-Q -K -M).
 * Runs from the top of the tree (tests/run-suites does).
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/lsm/apparmor.h"
#include "testutil.h"

#define TEMPLATE_PATH "apparmor/" APPARMOR_TEMPLATE
#define FEATURES_FILE "/usr/share/apparmor-features/features"
#define TIMEOUT_MS    60000

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(buf, 0755);
			*p = '/';
		}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void make_sys(const char *dir, const char *enabled, const char *profiles)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/module/apparmor/parameters", dir);
	ck_assert_int_eq(mkdir_p(path), 0);
	if (enabled) {
		snprintf(path, sizeof(path), "%s/module/apparmor/parameters/enabled", dir);
		test_write_file(path, enabled);
	}
	snprintf(path, sizeof(path), "%s/kernel/security/apparmor", dir);
	ck_assert_int_eq(mkdir_p(path), 0);
	if (profiles) {
		snprintf(path, sizeof(path), "%s/kernel/security/apparmor/profiles", dir);
		test_write_file(path, profiles);
	}
}

START_TEST(test_enabled)
{
	_cleanup_free_ char *dir = test_tmpdir();
	char sys[PATH_MAX];

	snprintf(sys, sizeof(sys), "%s/yes", dir);
	make_sys(sys, "Y\n", NULL);
	ck_assert(apparmor_enabled(sys));
	snprintf(sys, sizeof(sys), "%s/no", dir);
	make_sys(sys, "N\n", NULL);
	ck_assert(!apparmor_enabled(sys));
	snprintf(sys, sizeof(sys), "%s/empty", dir);
	make_sys(sys, "", NULL);
	ck_assert(!apparmor_enabled(sys));
	/* No module at all: the kernel of this machine. */
	snprintf(sys, sizeof(sys), "%s/none", dir);
	ck_assert(!apparmor_enabled(sys));
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_profile_loaded)
{
	_cleanup_free_ char *dir = test_tmpdir();

	make_sys(dir, "Y\n",
		 "lxcri-ct-web (enforce)\n"
		 "/usr/libexec/lxcri/lxcri-net (complain)\n"
		 "lxc-container-default-cgns (enforce)\n"
		 "odd name (with) blanks (enforce)\n");
	ck_assert_int_eq(apparmor_profile_loaded(dir, "lxcri-ct-web"), 1);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "/usr/libexec/lxcri/lxcri-net"), 1);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "lxc-container-default-cgns"), 1);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "odd name (with) blanks"), 1);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "lxcri-ct-we"), 0);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "lxcri-ct-web2"), 0);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "enforce"), 0);
	test_rm_rf(dir);
	ck_assert_int_eq(apparmor_profile_loaded(dir, "x"), -ENOENT);
}
END_TEST

START_TEST(test_names)
{
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	char buf[128];
	const char *text;

	ck_assert_int_eq(apparmor_generated_name("105", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "lxcri-ct-105");
	ck_assert_int_eq(apparmor_generated_name("../x", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(apparmor_generated_name("", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(apparmor_generated_name("web", buf, 8), -ENAMETOOLONG);

	text = "apparmor: profile=generated,nesting=1\n";
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(apparmor_lxc_profile(c, "web", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "lxcri-ct-web");
	config_free(c);
	text = "apparmor: profile=lxcri-default\n";
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(apparmor_lxc_profile(c, "web", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "lxcri-default");
	config_free(c);
	text = "# nothing\n";
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(apparmor_lxc_profile(c, "web", buf, sizeof(buf)), -ENOENT);
}
END_TEST

static const char small_template[] = "## dropped\n"
				     "profile @PROFILE@ {\n"
				     "  file,\n"
				     "  #@flat deny mount fstype=devpts,\n"
				     "  #@nesting pivot_root,\n"
				     "\t#@nesting mount fstype=proc,\n"
				     "  #@mounts\n"
				     "  signal peer=@PROFILE@,\n"
				     "}";

START_TEST(test_render_options)
{
	static char *const two[] = { "nfs", "fuse.sshfs", NULL };
	static const struct {
		bool nesting;
		char *const *mounts;
		const char *expected;
	} cases[] = {
		{ false, NULL,
		  "profile p {\n  file,\n  deny mount fstype=devpts,\n  signal peer=p,\n}\n" },
		{ true, NULL,
		  "profile p {\n  file,\n  pivot_root,\n\tmount fstype=proc,\n  signal "
		  "peer=p,\n}\n" },
		{ false, two,
		  "profile p {\n  file,\n  deny mount fstype=devpts,\n  mount fstype=nfs,\n"
		  "  mount fstype=fuse.sshfs,\n  signal peer=p,\n}\n" },
		{ true, two,
		  "profile p {\n  file,\n  pivot_root,\n\tmount fstype=proc,\n  mount fstype=nfs,\n"
		  "  mount fstype=fuse.sshfs,\n  signal peer=p,\n}\n" },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *text = NULL;
		struct lxcri_error err = {};
		struct apparmor_options o = { "p", cases[i].nesting, cases[i].mounts };

		ck_assert_msg(apparmor_render(small_template, &o, &text, &err) == 0, "%s",
			      err.message);
		ck_assert_str_eq(text, cases[i].expected);
	}
}
END_TEST

START_TEST(test_render_refuses)
{
	static char *const bad_type[] = { "nfs", "a,b", NULL };
	static char *const bad_type2[] = { "x\n  capability", NULL };
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = {};
	struct apparmor_options o = { "lxcri-ct-web", false, NULL };
	const char *bad_names[] = { NULL, "", "a b", "x,\n  capability", "a{b}" };

	for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
		o.name = bad_names[i];
		ck_assert_int_eq(apparmor_render(small_template, &o, &text, &err), -EINVAL);
		ck_assert_ptr_null(text);
		ck_assert_ptr_nonnull(strstr(err.message, "Invalid AppArmor profile name"));
	}
	o.name = "lxcri-ct-web";
	o.mount_types = bad_type;
	ck_assert_int_eq(apparmor_render(small_template, &o, &text, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid file system type 'a,b'");
	o.mount_types = bad_type2;
	ck_assert_int_eq(apparmor_render(small_template, &o, &text, &err), -EINVAL);
	o.mount_types = NULL;
	ck_assert_int_eq(apparmor_render("profile x {}\n", &o, &text, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "no '@PROFILE@'"));
	ck_assert_int_eq(apparmor_render_file("/nonexistent/t", &o, &text, &err), -ENOENT);
	ck_assert_str_eq(err.message, "Failed to open '/nonexistent/t': No such file or directory");
}
END_TEST

/*
 * A template that is not a plain file of at most 256 KiB is refused with its
 * name, and a FIFO in its place does not hang the hook.
 */
START_TEST(test_render_file_refuses)
{
	_cleanup_free_ char *dir = test_tmpdir(), *text = NULL, *big = NULL, *want = NULL;
	struct apparmor_options o = { "lxcri-ct-web", false, NULL };
	struct lxcri_error err = {};
	char path[PATH_MAX];
	FILE *f;

	alarm(10); /* a blocking open fails the test instead of hanging it */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(apparmor_render_file(path, &o, &text, &err), -EINVAL);
	ck_assert_int_ge(asprintf(&want, "Failed to read '%s': not a regular file", path), 0);
	ck_assert_str_eq(err.message, want);

	ck_assert_int_eq(apparmor_render_file(dir, &o, &text, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "not a regular file"));

	snprintf(path, sizeof(path), "%s/big", dir);
	big = malloc(APPARMOR_TEMPLATE_MAX_SIZE + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', APPARMOR_TEMPLATE_MAX_SIZE + 1);
	big[APPARMOR_TEMPLATE_MAX_SIZE + 1] = '\0';
	test_write_file(path, big);
	ck_assert_int_eq(apparmor_render_file(path, &o, &text, &err), -EFBIG);
	free(want);
	ck_assert_int_ge(asprintf(&want, "Failed to read '%s': larger than %d bytes", path,
				  APPARMOR_TEMPLATE_MAX_SIZE),
			 0);
	ck_assert_str_eq(err.message, want);

	snprintf(path, sizeof(path), "%s/nul", dir);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite("profile @PROFILE@ {\0}\n", 1, 22, f), 22);
	fclose(f);
	ck_assert_int_eq(apparmor_render_file(path, &o, &text, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "it holds a NUL byte"));
	ck_assert_ptr_null(text);
	alarm(0);
	test_rm_rf(dir);
}
END_TEST

/* lxcri-default is the template rendered without options: they stay in step. */
START_TEST(test_default_is_template)
{
	_cleanup_free_ char *text = NULL, *shipped = NULL;
	struct lxcri_error err = {};
	struct apparmor_options o = { "lxcri-default", false, NULL };
	_cleanup_fclose_ FILE *f = fopen("apparmor/lxcri-default", "re");
	size_t size = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert(getdelim(&shipped, &size, '\0', f) > 0);
	ck_assert_msg(apparmor_render_file(TEMPLATE_PATH, &o, &text, &err) == 0, "%s", err.message);
	ck_assert_msg(strcmp(text, shipped) == 0,
		      "apparmor/lxcri-default differs from the template rendered without options");
}
END_TEST

/*
 * PVE's "generated" profile carries raw rules of PVE's (pve-container,
 * make_apparmor_config()) and LXC's nesting rules; the template renders
 * them in the same cases: without nesting no mount onto /proc or /sys
 * themselves, with nesting no access to the unmasked proc and sysfs LXC's
 * nesting helpers mount under /dev/.lxc.
 */
START_TEST(test_render_keeps_pve_rules)
{
	static const char *const flat[] = { "  deny mount -> /proc/,\n",
					    "  deny mount -> /sys/,\n" };
	static const char *const nested[] = { "  deny /dev/.lxc/proc/** rw,\n",
					      "  deny /dev/.lxc/sys/** rw,\n" };

	for (int nesting = 0; nesting <= 1; nesting++) {
		_cleanup_free_ char *text = NULL;
		struct lxcri_error err = {};
		struct apparmor_options o = { "lxcri-ct-105", nesting, NULL };

		ck_assert_msg(apparmor_render_file(TEMPLATE_PATH, &o, &text, &err) == 0, "%s",
			      err.message);
		for (size_t i = 0; i < ELEMENTSOF(flat); i++) {
			ck_assert_msg(!!strstr(text, flat[i]) == !nesting, "nesting=%d: %s",
				      nesting, flat[i]);
			ck_assert_msg(!!strstr(text, nested[i]) == !!nesting, "nesting=%d: %s",
				      nesting, nested[i]);
		}
		/* abi 3.0: mqueue and user namespaces are not mediated, as PVE allows them. */
		ck_assert_ptr_nonnull(strstr(text, "abi <abi/3.0>,"));
		for (const char *const *rule =
			 (const char *const[]){ "\n  mqueue,", "\n  allow mqueue,", "\n  userns,",
						"\n  allow userns,", NULL };
		     *rule; rule++)
			ck_assert_msg(!strstr(text, *rule), "an abi 4.0 rule: %s", *rule + 1);
	}
}
END_TEST

static bool have_parser(const char *test)
{
	if (access(APPARMOR_PARSER, X_OK) == 0)
		return true;
	test_skip(test, APPARMOR_PARSER " is not installed (package apparmor)");
	return false;
}

static const char *features(void)
{
	return access(FEATURES_FILE, R_OK) == 0 ? FEATURES_FILE : NULL;
}

/* Every rendering of the template compiles: each option combination. */
START_TEST(test_rendered_compiles)
{
	static char *const mounts[] = { "nfs", "cifs", "fuse.sshfs", NULL };
	_cleanup_free_ char *dir = NULL;

	if (!have_parser(__func__))
		return;
	dir = test_tmpdir();
	for (int nesting = 0; nesting <= 1; nesting++)
		for (int with_mounts = 0; with_mounts <= 1; with_mounts++) {
			_cleanup_free_ char *text = NULL;
			struct lxcri_error err = {};
			struct apparmor_options o = { "lxcri-ct-web", nesting,
						      with_mounts ? mounts : NULL };
			char path[PATH_MAX];

			ck_assert_msg(apparmor_render_file(TEMPLATE_PATH, &o, &text, &err) == 0,
				      "%s", err.message);
			ck_assert_ptr_nonnull(strstr(text, "profile lxcri-ct-web "));
			ck_assert(!strstr(text, "#@") && !strstr(text, "@PROFILE@"));
			ck_assert(!!strstr(text, "pivot_root,") == !!nesting);
			ck_assert(!!strstr(text, "deny mount fstype=devpts,") == !nesting);
			ck_assert(!!strstr(text, "  mount fstype=fuse.sshfs,\n") == !!with_mounts);
			snprintf(path, sizeof(path), "%s/lxcri-ct-web-%d%d", dir, nesting,
				 with_mounts);
			test_write_file(path, text);
			ck_assert_msg(apparmor_compile(APPARMOR_PARSER, path, features(),
						       TIMEOUT_MS, &err) == 0,
				      "nesting=%d mounts=%d: %s", nesting, with_mounts,
				      err.message);
		}
	test_rm_rf(dir);
}
END_TEST

/* Every profile file in apparmor/ compiles (the template is checked rendered, above). */
START_TEST(test_shipped_compile)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *e;
	int n = 0;

	if (!have_parser(__func__))
		return;
	d = opendir("apparmor");
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		struct lxcri_error err = {};
		char path[PATH_MAX];

		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0 ||
		    strcmp(e->d_name, APPARMOR_TEMPLATE) == 0)
			continue;
		snprintf(path, sizeof(path), "apparmor/%s", e->d_name);
		ck_assert_msg(
		    apparmor_compile(APPARMOR_PARSER, path, features(), TIMEOUT_MS, &err) == 0,
		    "%s", err.message);
		n++;
	}
	/* lxcri-default and the profiles of lxcri and the 7 programs in /usr/libexec/lxcri. */
	ck_assert_int_eq(n, 9);
}
END_TEST

START_TEST(test_parser_errors)
{
	_cleanup_free_ char *dir = NULL;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	if (!have_parser(__func__))
		return;
	dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/broken", dir);
	test_write_file(path, "profile broken {\n  capability no_such_cap,\n}\n");
	ck_assert_int_eq(apparmor_compile(APPARMOR_PARSER, path, features(), TIMEOUT_MS, &err),
			 -EIO);
	ck_assert_msg(strstr(err.message, "Failed to compile AppArmor profile '") &&
			  strstr(err.message, "exited with status") &&
			  strstr(err.message, "no_such_cap"),
		      "%s", err.message);
	ck_assert(!strchr(err.message, '\n'));
	/* A parser that is not there. */
	ck_assert_int_lt(
	    apparmor_load("/nonexistent/apparmor_parser", path, NULL, TIMEOUT_MS, &err), 0);
	test_rm_rf(dir);
}
END_TEST

/* The argv of load and unload, seen by a stand-in parser. */
START_TEST(test_load_unload_argv)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *log = NULL;
	struct lxcri_error err = {};
	char parser[PATH_MAX], logpath[PATH_MAX], script[PATH_MAX + 128];
	_cleanup_fclose_ FILE *f = NULL;
	size_t size = 0;

	snprintf(parser, sizeof(parser), "%s/parser", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho \"$*\" >>%s\n[ \"$1\" != -R ] || { echo 'gone' >&2; exit 3; }\n",
		 logpath);
	test_write_file(parser, script);
	ck_assert_int_eq(chmod(parser, 0755), 0);
	ck_assert_int_eq(apparmor_load(parser, "/run/x/p", "/run/x/cache", TIMEOUT_MS, &err), 0);
	ck_assert_int_eq(apparmor_load(parser, "/run/x/p", NULL, TIMEOUT_MS, &err), 0);
	ck_assert_int_eq(apparmor_unload(parser, "/run/x/p", TIMEOUT_MS, &err), -EIO);
	ck_assert_msg(strstr(err.message, "Failed to unload AppArmor profile '/run/x/p': ") &&
			  strstr(err.message, "exited with status 3: gone"),
		      "%s", err.message);
	f = fopen(logpath, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert(getdelim(&log, &size, '\0', f) > 0);
	ck_assert_str_eq(log, "-r -W -L /run/x/cache /run/x/p\n-r -K /run/x/p\n-R /run/x/p\n");
	test_rm_rf(dir);
}
END_TEST

static Suite *apparmor_suite(void)
{
	Suite *s = suite_create("apparmor");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_enabled);
	tcase_add_test(tc, test_profile_loaded);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_render_file_refuses);
	tcase_add_test(tc, test_render_options);
	tcase_add_test(tc, test_render_refuses);
	tcase_add_test(tc, test_default_is_template);
	tcase_add_test(tc, test_render_keeps_pve_rules);
	tcase_add_test(tc, test_rendered_compiles);
	tcase_add_test(tc, test_shipped_compile);
	tcase_add_test(tc, test_parser_errors);
	tcase_add_test(tc, test_load_unload_argv);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(apparmor_suite)
