/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An application container's LXC config (lib/image/appct.c). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "lib/image/appct.h"

static struct appct app(void)
{
	return (struct appct){
		.id = "web",
		.lxc_dir = "/var/lib/lxc/web",
		.lxc_config_dir = "/usr/share/lxc/config",
		.init_path = "/usr/libexec/lxcri/lxcri-init",
		.image = "127.0.0.1:5000/app:1@sha256:0123",
		.architecture = "amd64",
		.halt_signal = SIGUSR1,
	};
}

/* The number of lines of text that are exactly line. */
static int count_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	int count = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			count++;
	return count;
}

START_TEST(test_privileged)
{
	struct appct a = app();
	struct lxcri_error err = { 0 };
	char *text = NULL;

	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), 0);
	ck_assert_msg(
	    strncmp(text, "# Made by lxcri create from 127.0.0.1:5000/app:1@sha256:0123", 60) == 0,
	    "%s", text);
	ck_assert_int_eq(count_line(text, "lxc.include = /usr/share/lxc/config/common.conf"), 1);
	ck_assert_int_eq(count_line(text, "lxc.include = /usr/share/lxc/config/userns.conf"), 0);
	ck_assert_int_eq(count_line(text, "lxc.arch = amd64"), 1);
	ck_assert_int_eq(count_line(text, "lxc.uts.name = web"), 1);
	ck_assert_int_eq(count_line(text, "lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs"), 1);
	ck_assert_int_eq(count_line(text, "lxc.init.cmd = /.lxcri/init /.lxcri/process"), 1);
	ck_assert_int_eq(count_line(text, "lxc.mount.entry = /usr/libexec/lxcri/lxcri-init "
					  ".lxcri/init none ro,bind,create=file 0 0"),
			 1);
	ck_assert_int_eq(count_line(text, "lxc.mount.entry = /var/lib/lxc/web/lxcri-process "
					  ".lxcri/process none ro,bind,create=file 0 0"),
			 1);
	ck_assert_int_eq(count_line(text, "lxc.signal.halt = SIGUSR1"), 1);
	ck_assert_int_eq(
	    count_line(text, "lxc.mount.entry = shm dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0"),
	    1);
	/* The image's env never goes where host hooks see it. */
	ck_assert_ptr_null(strstr(text, "lxc.environment"));
	ck_assert_ptr_null(strstr(text, "lxc.idmap"));
	free(text);
}
END_TEST

START_TEST(test_unprivileged)
{
	struct appct a = app();
	struct lxcri_error err = { 0 };
	char *text = NULL;

	a.uid[0] = (struct appct_idmap_range){ 0, 100000, 65536 };
	a.gid[0] = (struct appct_idmap_range){ 0, 100000, 1000 };
	a.gid[1] = (struct appct_idmap_range){ 1000, 1000, 1 };
	a.n_uid = 1;
	a.n_gid = 2;
	a.architecture = "arm64";
	a.halt_signal = SIGRTMIN + 3;
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), 0);
	ck_assert_int_eq(count_line(text, "lxc.include = /usr/share/lxc/config/userns.conf"), 1);
	ck_assert_int_eq(count_line(text, "lxc.idmap = u 0 100000 65536"), 1);
	ck_assert_int_eq(count_line(text, "lxc.idmap = g 0 100000 1000"), 1);
	ck_assert_int_eq(count_line(text, "lxc.idmap = g 1000 1000 1"), 1);
	ck_assert_int_eq(count_line(text, "lxc.arch = arm64"), 1);
	ck_assert_int_eq(count_line(text, "lxc.signal.halt = SIGRTMIN+3"), 1);
	free(text);
}
END_TEST

START_TEST(test_refused)
{
	struct lxcri_error err = { 0 };
	char *text = NULL;
	struct appct a;

	a = app();
	a.lxc_dir = "/var/lib/lxc/my web";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	ck_assert_str_eq(err.message, "The container directory '/var/lib/lxc/my web' has a blank, "
				      "a control character or a '\\': LXC's mount entries cannot "
				      "carry it");
	a = app();
	a.init_path = "lxcri-init";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	ck_assert_str_eq(err.message, "The init program 'lxcri-init' is not an absolute path");
	a = app();
	a.architecture = "sparc";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	ck_assert_str_eq(err.message, "The image's architecture 'sparc' is not one LXC knows");
	a = app();
	a.halt_signal = 0;
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	a = app();
	a.n_uid = 1;
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	a = app();
	a.image = "x\nlxc.environment = A=b";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	ck_assert_ptr_null(text);
}
END_TEST

START_TEST(test_names)
{
	char buf[32];

	ck_assert_str_eq(appct_lxc_arch("386"), "i686");
	ck_assert_str_eq(appct_lxc_arch("arm"), "armhf");
	ck_assert_ptr_null(appct_lxc_arch("AMD64"));
	ck_assert_str_eq(appct_pve_arch("386"), "i386");
	ck_assert_str_eq(appct_pve_arch("arm"), "armhf");
	ck_assert_str_eq(appct_pve_arch("arm64"), "arm64");
	ck_assert_ptr_null(appct_pve_arch("s390x"));
	ck_assert_str_eq(appct_signal_name(SIGTERM, buf, sizeof(buf)), "SIGTERM");
	ck_assert_str_eq(appct_signal_name(SIGPWR, buf, sizeof(buf)), "SIGPWR");
	ck_assert_str_eq(appct_signal_name(SIGRTMIN, buf, sizeof(buf)), "SIGRTMIN");
	ck_assert_ptr_null(appct_signal_name(SIGRTMAX + 1, buf, sizeof(buf)));
}
END_TEST

/* An overlay rootfs on a shared lower: userxattr when unprivileged; no ':' in its paths. */
START_TEST(test_overlay)
{
	struct appct a = app();
	struct lxcri_error err = { 0 };
	char *text = NULL;

	a.lower = "/var/lib/lxcri/rootfs/0123abcd";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), 0);
	ck_assert_int_eq(count_line(text,
				    "lxc.rootfs.path = overlay:/var/lib/lxcri/rootfs/0123abcd:"
				    "/var/lib/lxc/web/delta0"),
			 1);
	ck_assert_ptr_null(strstr(text, "dir:"));
	ck_assert_ptr_null(strstr(text, "userxattr"));
	free(text);
	a.uid[0] = a.gid[0] = (struct appct_idmap_range){ 0, 100000, 65536 };
	a.n_uid = a.n_gid = 1;
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), 0);
	ck_assert_int_eq(count_line(text, "lxc.rootfs.options = userxattr"), 1);
	free(text);
	a.lower = "/var/lib/lxcri/rootfs/a:b";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "':'"));
	a.lower = "rootfs/x";
	ck_assert_int_eq(appct_lxc_config(&a, &text, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "lower directory"));
}
END_TEST

static Suite *appct_suite(void)
{
	Suite *s = suite_create("appct");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_privileged);
	tcase_add_test(tc, test_unprivileged);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_overlay);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(appct_suite)
