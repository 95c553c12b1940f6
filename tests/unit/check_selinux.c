/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <selinux/selinux.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/basic/cleanup.h"
#include "lib/lsm/selinux.h"
#include "testutil.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(char *, freecon)
#define _cleanup_freecon_ _cleanup_(freeconp)

#define CONTEXT "system_u:system_r:container_t:s0:c10,c20"

/* A fake sysfs root; with enforce, as selinuxfs has it when SELinux is enabled. */
static char *fake_sys(bool enabled)
{
	char *dir = test_tmpdir(), path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/fs", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	if (enabled) {
		snprintf(path, sizeof(path), "%s/fs/selinux", dir);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/fs/selinux/enforce", dir);
		test_write_file(path, "1");
	}
	return dir;
}

START_TEST(test_enabled_from_sysfs)
{
	_cleanup_free_ char *on = fake_sys(true), *off = fake_sys(false);
	char path[PATH_MAX];

	ck_assert(selinuxfs_enabled(on));
	ck_assert(!selinuxfs_enabled(off));
	ck_assert(!selinuxfs_enabled("/nonexistent/sys"));
	/* selinuxfs mounted with an empty enforce file is still enabled (permissive). */
	snprintf(path, sizeof(path), "%s/fs/selinux/enforce", on);
	test_write_file(path, "0");
	ck_assert(selinuxfs_enabled(on));
	/* NULL: the real /sys, which agrees with libselinux. */
	ck_assert_int_eq(selinuxfs_enabled(NULL), is_selinux_enabled() > 0);
	test_rm_rf(on);
	test_rm_rf(off);
}
END_TEST

START_TEST(test_enabled_path_too_long)
{
	char sys[PATH_MAX + 16];

	memset(sys, 'a', sizeof(sys) - 1);
	sys[0] = '/';
	sys[sizeof(sys) - 1] = '\0';
	ck_assert(!selinuxfs_enabled(sys));
}
END_TEST

START_TEST(test_check_syntax_only)
{
	struct lxcri_error err = {};

	if (is_selinux_enabled() > 0) {
		test_skip(__func__, "SELinux is enabled here: the loaded policy decides");
		return;
	}
	ck_assert_int_eq(selinux_context_check(CONTEXT, &err), SELINUX_CHECKED_SYNTAX);
	ck_assert_int_eq(selinux_context_check("u:r:t", &err), SELINUX_CHECKED_SYNTAX);
	ck_assert_int_eq(
	    selinux_context_check("system_u:system_r:container_t:s0-s0:c0.c1023", NULL),
	    SELINUX_CHECKED_SYNTAX);
}
END_TEST

START_TEST(test_check_invalid)
{
	static const char *const bad[] = {
		"system_u:system_r",
		"system_u:system_r:container_t:x0",
		"u:r:t:s0:c20.c10",
		"u:r:t:s0:c1024",
		"u r:t",
		"u:r:t\nlxc.apparmor.profile = unconfined",
		"",
	};
	struct lxcri_error err = {};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(selinux_context_check(bad[i], &err), -EINVAL);
		ck_assert_int_eq(err.code, -EINVAL);
		ck_assert_msg(strstr(err.message, "Invalid SELinux context '") == err.message, "%s",
			      err.message);
		ck_assert_msg(strstr(err.message, "expected user:role:type[:level]"), "%s",
			      err.message);
	}
	ck_assert_int_eq(selinux_context_check(NULL, &err), -EINVAL);
	ck_assert_str_eq(err.message,
			 "Invalid SELinux context '': expected user:role:type[:level]");
	ck_assert_int_eq(selinux_context_check("x", NULL), -EINVAL);
}
END_TEST

START_TEST(test_check_against_policy)
{
	struct lxcri_error err = {};

	if (is_selinux_enabled() <= 0) {
		test_skip(__func__,
			  "SELinux is not enabled on this host: no policy to check against");
		return;
	}
	/* A type no policy defines. */
	ck_assert_int_eq(selinux_context_check("system_u:system_r:lxcri_no_such_type_t:s0", &err),
			 -EINVAL);
	ck_assert_str_eq(err.message, "SELinux context 'system_u:system_r:lxcri_no_such_type_t:s0' "
				      "is not known to the loaded policy");
	/* Our own context is one the policy knows. */
	_cleanup_freecon_ char *self = NULL;
	ck_assert_int_eq(getcon(&self), 0);
	ck_assert_int_eq(selinux_context_check(self, &err), SELINUX_CHECKED_POLICY);
}
END_TEST

static struct config *config_of(const char *text)
{
	struct config *c = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(config_parse("/snapshot/config", text, strlen(text), &c, &err) == 0, "%s",
		      err.message);
	return c;
}

START_TEST(test_prestart_refused_without_selinux)
{
	_cleanup_free_ char *off = fake_sys(false);
	_cleanup_config_ struct config *c = config_of("# web\nnet0: name=eth0,bridge=vmbr0\n"
						      "selinux: " CONTEXT "\n");
	struct lxcri_error err = {};

	ck_assert_int_eq(selinux_prestart_check(c, "/etc/lxcri/containers/web.conf", off, &err),
			 -EOPNOTSUPP);
	ck_assert_str_eq(
	    err.message,
	    "/etc/lxcri/containers/web.conf:3: container asks for SELinux context '" CONTEXT
	    "', but SELinux is not enabled on this host: refusing to start it "
	    "unconfined (see 'lxcri check')");
	/* Without a file name, the config's own path. */
	ck_assert_int_eq(selinux_prestart_check(c, NULL, off, &err), -EOPNOTSUPP);
	ck_assert_ptr_eq(strstr(err.message, "/snapshot/config:3: container asks for"),
			 err.message);
	test_rm_rf(off);
}
END_TEST

START_TEST(test_prestart_without_key)
{
	_cleanup_free_ char *off = fake_sys(false);
	_cleanup_config_ struct config *c = config_of("net0: name=eth0,bridge=vmbr0\n");
	struct lxcri_error err = {};

	ck_assert_int_eq(selinux_prestart_check(c, "web.conf", off, &err), SELINUX_CHECKED_SYNTAX);
	ck_assert_str_eq(err.message, "");
	test_rm_rf(off);
}
END_TEST

START_TEST(test_prestart_enabled)
{
	/* sysfs says enabled: the context is checked as selinux_context_check() does. */
	_cleanup_free_ char *on = fake_sys(true);
	_cleanup_config_ struct config *c = config_of("selinux: " CONTEXT "\n");
	struct lxcri_error err = {};
	int r = selinux_prestart_check(c, "web.conf", on, &err);

	if (is_selinux_enabled() > 0) {
		/* The loaded policy decides: either answer names the file and line. */
		ck_assert_msg(r == SELINUX_CHECKED_POLICY ||
				  (r == -EINVAL &&
				   strstr(err.message, "web.conf:1: SELinux context '" CONTEXT
						       "' is not known to the loaded policy")),
			      "%d %s", r, err.message);
	} else
		ck_assert_int_eq(r, SELINUX_CHECKED_SYNTAX);
	test_rm_rf(on);
}
END_TEST

static Suite *selinux_suite(void)
{
	Suite *s = suite_create("selinux");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_enabled_from_sysfs);
	tcase_add_test(tc, test_enabled_path_too_long);
	tcase_add_test(tc, test_check_syntax_only);
	tcase_add_test(tc, test_check_invalid);
	tcase_add_test(tc, test_check_against_policy);
	tcase_add_test(tc, test_prestart_refused_without_selinux);
	tcase_add_test(tc, test_prestart_without_key);
	tcase_add_test(tc, test_prestart_enabled);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(selinux_suite)
