/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>

#include "lib/basic/paths.h"

START_TEST(test_defaults)
{
	struct lxcri_paths p;

	unsetenv("LXCRI_PVE_DIR");
	unsetenv("LXCRI_RUN_DIR");
	ck_assert_int_eq(paths_init(&p), 0);
	ck_assert_str_eq(p.pve_dir, "/etc/pve");
	ck_assert_str_eq(p.etc_dir, "/etc/lxcri");
	ck_assert_str_eq(p.run_dir, "/run/lxcri");
	ck_assert_str_eq(p.lxc_path, "/var/lib/lxc");
	ck_assert_str_eq(p.lxc_config_dir, "/usr/share/lxc/config");
	ck_assert_str_eq(p.libexec_dir, "/usr/libexec/lxcri");
	ck_assert_str_eq(p.sys_dir, "/sys");
	ck_assert_str_eq(p.images_dir, "/var/lib/lxcri/images");
	ck_assert_int_eq(paths_parse_option(&p, "--images-dir=/srv/images"), 1);
	ck_assert_str_eq(p.images_dir, "/srv/images");
}
END_TEST

START_TEST(test_env_then_option)
{
	struct lxcri_paths p;

	setenv("LXCRI_RUN_DIR", "/tmp/run-from-env/", 1);
	ck_assert_int_eq(paths_init(&p), 0);
	ck_assert_str_eq(p.run_dir, "/tmp/run-from-env");
	ck_assert_int_eq(paths_parse_option(&p, "--run-dir=/tmp/opt"), 1);
	ck_assert_str_eq(p.run_dir, "/tmp/opt");
	ck_assert_int_eq(paths_parse_option(&p, "--run-dir=relative"), -EINVAL);
	ck_assert_int_eq(paths_parse_option(&p, "--run-dir="), -EINVAL);
	ck_assert_int_eq(paths_parse_option(&p, "--run-directory=/x"), 0);
	ck_assert_int_eq(paths_parse_option(&p, "--output-format=json"), 0);
	ck_assert_str_eq(p.run_dir, "/tmp/opt");

	/* Exported roots are what a child sees. */
	ck_assert_int_eq(paths_export(&p), 0);
	ck_assert_str_eq(getenv("LXCRI_RUN_DIR"), "/tmp/opt");
	ck_assert_str_eq(getenv("LXCRI_PVE_DIR"), p.pve_dir);

	setenv("LXCRI_ETC_DIR", "not/absolute", 1);
	ck_assert_int_eq(paths_init(&p), -EINVAL);
}
END_TEST

START_TEST(test_ids)
{
	ck_assert(paths_id_valid("100"));
	ck_assert(paths_id_valid("web-1.example_x"));
	ck_assert(!paths_id_valid(""));
	ck_assert(!paths_id_valid(".hidden"));
	ck_assert(!paths_id_valid("-x"));
	ck_assert(!paths_id_valid("a/b"));
	ck_assert(!paths_id_valid(".."));
	ck_assert(!paths_id_valid("a b"));
	ck_assert(
	    paths_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(
	    !paths_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

	ck_assert(paths_id_is_vmid("100"));
	ck_assert(paths_id_is_vmid("999999999"));
	ck_assert(!paths_id_is_vmid("1000000000"));
	ck_assert(!paths_id_is_vmid("0100"));
	ck_assert(!paths_id_is_vmid("10a"));
	ck_assert(!paths_id_is_vmid("web"));
}
END_TEST

START_TEST(test_config_path_by_mode)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	struct lxcri_paths p;
	char buf[PATH_MAX], dir[PATH_MAX];

	setenv("LXCRI_PVE_DIR", tmp, 1);
	setenv("LXCRI_ETC_DIR", "/etc/lxcri-test", 1);
	ck_assert_int_eq(paths_init(&p), 0);

	/* Plain LXC host: no <pve>/lxc. */
	ck_assert(!paths_pve_mode(&p));
	ck_assert_int_eq(paths_container_config(&p, "105", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/etc/lxcri-test/containers/105.conf");

	/* PVE node: vmids use /etc/pve/lxcri, names stay local. */
	snprintf(dir, sizeof(dir), "%s/lxc", tmp);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert(paths_pve_mode(&p));
	ck_assert_int_eq(paths_container_config(&p, "105", buf, sizeof(buf)), 0);
	snprintf(dir, sizeof(dir), "%s/lxcri/105.conf", tmp);
	ck_assert_str_eq(buf, dir);
	ck_assert_int_eq(paths_container_config(&p, "web", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/etc/lxcri-test/containers/web.conf");

	ck_assert_int_eq(paths_container_config(&p, "../x", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(paths_container_config(&p, "web", buf, 10), -ENAMETOOLONG);
	ck_assert_int_eq(paths_state_dir(&p, "web", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/run/lxcri/web");
	ck_assert_int_eq(paths_lock(&p, "web", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/run/lxcri/.locks/web.lock");
	ck_assert_int_eq(paths_lock(&p, "../x", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(paths_dropin(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/usr/share/lxc/config/common.conf.d/50-lxcri.conf");
	test_rm_rf(tmp);
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_env_then_option);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_config_path_by_mode);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(paths_suite)
