/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * selinuxfs_enabled(): SELinux is enabled where selinuxfs has an enforce
 * file, under /sys or the sysfs root given. Each test runs in a mount
 * namespace of its own, where a tmpfs over /sys/fs stands for the kernel's
 * view: with selinuxfs mounted and its enforce file, or without.
 */
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "testutil.h"

#include "lib/lsm/selinux.h"

static bool private_mounts(const char *test)
{
	if (test_private_mounts())
		return true;
	test_skip(test, "needs root and a mount namespace of its own");
	return false;
}

/* /sys/fs as the kernel shows it with SELinux disabled: no selinux directory. */
static void sysfs_without_selinux(void)
{
	ck_assert_int_eq(mount("tmpfs", "/sys/fs", "tmpfs", 0, "mode=0755"), 0);
}

/* /sys/fs with selinuxfs mounted on /sys/fs/selinux, its enforce file saying mode. */
static void sysfs_with_selinux(const char *mode)
{
	sysfs_without_selinux();
	ck_assert_int_eq(mkdir("/sys/fs/selinux", 0755), 0);
	ck_assert_int_eq(mount("tmpfs", "/sys/fs/selinux", "tmpfs", 0, "mode=0755"), 0);
	test_write_file("/sys/fs/selinux/enforce", mode);
	ck_assert_int_eq(chmod("/sys/fs/selinux/enforce", 0644), 0);
}

static void unmount_all(void)
{
	(void)umount2("/sys/fs/selinux", MNT_DETACH);
	ck_assert_int_eq(umount2("/sys/fs", MNT_DETACH), 0);
}

START_TEST(test_enabled_with_enforce)
{
	if (!private_mounts(__func__))
		return;
	sysfs_with_selinux("1");
	ck_assert(selinuxfs_enabled(NULL));
	ck_assert(selinuxfs_enabled("/sys"));
	/* Permissive is enabled too: the policy is loaded, denials are logged. */
	test_write_file("/sys/fs/selinux/enforce", "0");
	ck_assert(selinuxfs_enabled(NULL));
	unmount_all();
}
END_TEST

START_TEST(test_disabled_without_enforce)
{
	if (!private_mounts(__func__))
		return;
	/* No selinuxfs at all. */
	sysfs_without_selinux();
	ck_assert(!selinuxfs_enabled(NULL));
	/* Its mount point, with nothing mounted there (SELinux built in, disabled at boot). */
	ck_assert_int_eq(mkdir("/sys/fs/selinux", 0755), 0);
	ck_assert(!selinuxfs_enabled(NULL));
	/* A link that leads nowhere is no enforce file. */
	ck_assert_int_eq(symlink("/nonexistent/enforce", "/sys/fs/selinux/enforce"), 0);
	ck_assert(!selinuxfs_enabled(NULL));
	unmount_all();
}
END_TEST

START_TEST(test_answer_follows_the_mounts)
{
	bool host;

	if (!private_mounts(__func__))
		return;
	host = selinuxfs_enabled(NULL);
	sysfs_with_selinux("1");
	ck_assert(selinuxfs_enabled(NULL));
	unmount_all();
	/* The host's own answer again, whatever it is. */
	ck_assert_int_eq(selinuxfs_enabled(NULL), host);
	sysfs_without_selinux();
	ck_assert(!selinuxfs_enabled(NULL));
	unmount_all();
	ck_assert_int_eq(selinuxfs_enabled(NULL), host);
}
END_TEST

START_TEST(test_sys_dir_is_the_root_asked)
{
	char *root = test_tmpdir(), path[PATH_MAX], slash[PATH_MAX + 2];

	if (!private_mounts(__func__)) {
		test_rm_rf(root);
		free(root);
		return;
	}
	/* /sys says enabled; the root asked about does not. */
	sysfs_with_selinux("1");
	ck_assert(!selinuxfs_enabled(root));
	snprintf(path, sizeof(path), "%s/fs", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/fs/selinux", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert(!selinuxfs_enabled(root));
	/* And the other way round. */
	unmount_all();
	sysfs_without_selinux();
	snprintf(path, sizeof(path), "%s/fs/selinux/enforce", root);
	test_write_file(path, "1");
	ck_assert(selinuxfs_enabled(root));
	snprintf(slash, sizeof(slash), "%s/", root);
	ck_assert(selinuxfs_enabled(slash));
	ck_assert(!selinuxfs_enabled(NULL));
	unmount_all();
	test_rm_rf(root);
	free(root);
}
END_TEST

static Suite *selinuxfs_suite(void)
{
	Suite *s = suite_create("selinuxfs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_enabled_with_enforce);
	tcase_add_test(tc, test_disabled_without_enforce);
	tcase_add_test(tc, test_answer_follows_the_mounts);
	tcase_add_test(tc, test_sys_dir_is_the_root_asked);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(selinuxfs_suite)
