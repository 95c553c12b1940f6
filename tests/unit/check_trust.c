/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* trust_check: files only root can change (lib/basic/trust.h), on real files and modes. */
#include <errno.h>
#include <sys/stat.h>

#include "testutil.h"
#include "lib/basic/trust.h"

static char *dir;

static void setup(void)
{
	dir = test_tmpdir();
}

static void teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

START_TEST(test_root_only_is_trusted)
{
	struct lxcri_error err = {};
	char file[PATH_MAX];

	if (geteuid() != 0) {
		test_skip(__func__, "needs root");
		return;
	}
	path_of(file, sizeof(file), "hook.json");
	test_write_file(file, "{}");
	ck_assert_int_eq(chmod(file, 0644), 0);
	/* /tmp is writable by all but sticky and root's: allowed on the way. */
	ck_assert_msg(trust_check(file, &err) == 0, "%s", err.message);
	ck_assert_msg(trust_check(dir, &err) == 0, "%s", err.message);
	ck_assert_msg(trust_check("/usr/bin/env", &err) == 0, "%s", err.message);
}
END_TEST

START_TEST(test_writable_by_others_is_refused)
{
	struct lxcri_error err = {};
	char file[PATH_MAX], want[PATH_MAX + 64], sub[PATH_MAX];

	if (geteuid() != 0) {
		test_skip(__func__, "needs root: the owner is checked first");
		return;
	}
	path_of(file, sizeof(file), "hook.json");
	test_write_file(file, "{}");
	ck_assert_int_eq(chmod(file, 0664), 0);
	snprintf(want, sizeof(want), "'%s' is writable by group or others", file);
	ck_assert_int_eq(trust_check(file, &err), -EPERM);
	ck_assert_str_eq(err.message, want);

	/* A directory others may write, on the way: refused even if the file is fine. */
	path_of(sub, sizeof(sub), "open");
	ck_assert_int_eq(mkdir(sub, 0777), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	path_of(file, sizeof(file), "open/hook.json");
	test_write_file(file, "{}");
	ck_assert_int_eq(chmod(file, 0644), 0);
	snprintf(want, sizeof(want), "'%s' is writable by group or others", sub);
	ck_assert_int_eq(trust_check(file, &err), -EPERM);
	ck_assert_str_eq(err.message, want);

	/* A sticky, world-writable directory is refused as the path itself: /tmp as a hooks dir. */
	ck_assert_int_eq(trust_check("/tmp", &err), -EPERM);
	ck_assert_str_eq(err.message, "'/tmp' is writable by group or others");
}
END_TEST

START_TEST(test_other_owner_is_refused)
{
	struct lxcri_error err = {};
	char file[PATH_MAX], want[PATH_MAX + 64];

	if (geteuid() != 0) {
		test_skip(__func__, "needs root");
		return;
	}
	path_of(file, sizeof(file), "hook.json");
	test_write_file(file, "{}");
	ck_assert_int_eq(chown(file, 1000, 0), 0);
	snprintf(want, sizeof(want), "'%s' is owned by uid 1000, not root", file);
	ck_assert_int_eq(trust_check(file, &err), -EPERM);
	ck_assert_str_eq(err.message, want);
}
END_TEST

START_TEST(test_symlinks_are_resolved_first)
{
	struct lxcri_error err = {};
	char file[PATH_MAX], link[PATH_MAX], want[PATH_MAX + 64];

	if (geteuid() != 0) {
		test_skip(__func__, "needs root: the owner is checked first");
		return;
	}
	path_of(file, sizeof(file), "real.json");
	test_write_file(file, "{}");
	ck_assert_int_eq(chmod(file, 0666), 0);
	path_of(link, sizeof(link), "link.json");
	ck_assert_int_eq(symlink(file, link), 0);
	/* The link is fine; what it leads to is not, and is named. */
	snprintf(want, sizeof(want), "'%s' is writable by group or others", file);
	ck_assert_int_eq(trust_check(link, &err), -EPERM);
	ck_assert_str_eq(err.message, want);

	path_of(file, sizeof(file), "missing.json");
	ck_assert_int_eq(trust_check(file, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "missing.json"));
}
END_TEST

static Suite *trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_root_only_is_trusted);
	tcase_add_test(tc, test_writable_by_others_is_refused);
	tcase_add_test(tc, test_other_owner_is_refused);
	tcase_add_test(tc, test_symlinks_are_resolved_first);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(trust_suite)
