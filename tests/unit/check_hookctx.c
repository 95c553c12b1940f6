/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include <errno.h>

#include "lib/basic/hookctx.h"

static void clear_lxc_env(void)
{
	static const char *const vars[] = { "LXC_HOOK_VERSION", "LXC_HOOK_TYPE", "LXC_HOOK_SECTION",
					    "LXC_NAME",		"LXC_PID",	 "LXC_ROOTFS_PATH",
					    "LXC_NET_NS",	"LXC_TARGET",	 "LXC_CONFIG_FILE",
					    "LXC_MNT_NS" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

START_TEST(test_version0_arguments)
{
	char *args[] = { "105", "lxc", "start-host", NULL };
	struct hook_context ctx;

	clear_lxc_env();
	setenv("LXC_HOOK_VERSION", "0", 1);
	setenv("LXC_PID", "4242", 1);
	setenv("LXC_ROOTFS_PATH", "/var/lib/lxc/105/rootfs", 1);
	ck_assert_int_eq(hookctx_parse(3, args, &ctx), 0);
	ck_assert_int_eq(ctx.version, 0);
	ck_assert_str_eq(ctx.id, "105");
	ck_assert_int_eq(ctx.type, HOOK_START_HOST);
	ck_assert_int_eq(ctx.pid, 4242);
	ck_assert_str_eq(ctx.rootfs_path, "/var/lib/lxc/105/rootfs");
}
END_TEST

/* What LXC 5.0 appends at stop: a "<ns>:<path>" argument per namespace it kept. */
START_TEST(test_version0_stop_extra_args)
{
	char *args[] = { "web",
			 "lxc",
			 "stop",
			 "mnt:/proc/1/fd/38",
			 "pid:/proc/1/fd/39",
			 "net:/proc/1/fd/42",
			 "cgroup:/proc/1/fd/3",
			 NULL };
	char *post_stop[] = { "web", "lxc", "post-stop", "net:/proc/1/fd/42", NULL };
	struct hook_context ctx;

	clear_lxc_env();
	setenv("LXC_TARGET", "reboot", 1);
	ck_assert_int_eq(hookctx_parse(7, args, &ctx), 0);
	ck_assert_int_eq(ctx.type, HOOK_STOP);
	ck_assert_str_eq(ctx.net_ns, "/proc/1/fd/42");
	ck_assert_str_eq(ctx.mnt_ns, "/proc/1/fd/38");
	ck_assert_str_eq(ctx.target, "reboot");
	/* Version 1's variables are not version 0's word. */
	setenv("LXC_NET_NS", "/proc/1/fd/99", 1);
	ck_assert_int_eq(hookctx_parse(3, args, &ctx), 0);
	ck_assert_ptr_null(ctx.net_ns);
	ck_assert_ptr_null(ctx.mnt_ns);
	/* Only at stop: LXC has closed those fds by post-stop. */
	ck_assert_int_eq(hookctx_parse(4, post_stop, &ctx), 0);
	ck_assert_ptr_null(ctx.net_ns);
}
END_TEST

/* Version 1: the variables, at stop only (they stay set in LXC's environment after). */
START_TEST(test_version1_stop_namespaces)
{
	struct hook_context ctx;

	clear_lxc_env();
	setenv("LXC_HOOK_VERSION", "1", 1);
	setenv("LXC_HOOK_TYPE", "stop", 1);
	setenv("LXC_NAME", "web", 1);
	setenv("LXC_NET_NS", "/proc/1/fd/42", 1);
	setenv("LXC_MNT_NS", "/proc/1/fd/38", 1);
	ck_assert_int_eq(hookctx_parse(0, NULL, &ctx), 0);
	ck_assert_str_eq(ctx.net_ns, "/proc/1/fd/42");
	ck_assert_str_eq(ctx.mnt_ns, "/proc/1/fd/38");
	setenv("LXC_HOOK_TYPE", "post-stop", 1);
	ck_assert_int_eq(hookctx_parse(0, NULL, &ctx), 0);
	ck_assert_ptr_null(ctx.net_ns);
	ck_assert_ptr_null(ctx.mnt_ns);
	setenv("LXC_HOOK_TYPE", "pre-start", 1);
	ck_assert_int_eq(hookctx_parse(0, NULL, &ctx), 0);
	ck_assert_ptr_null(ctx.net_ns);
}
END_TEST

START_TEST(test_version1_environment)
{
	struct hook_context ctx;

	clear_lxc_env();
	setenv("LXC_HOOK_VERSION", "1", 1);
	setenv("LXC_HOOK_TYPE", "post-stop", 1);
	setenv("LXC_HOOK_SECTION", "lxc", 1);
	setenv("LXC_NAME", "web", 1);
	/* Version 1 ignores positional arguments: LXC appends none. */
	ck_assert_int_eq(hookctx_parse(0, NULL, &ctx), 0);
	ck_assert_int_eq(ctx.version, 1);
	ck_assert_str_eq(ctx.id, "web");
	ck_assert_int_eq(ctx.type, HOOK_POST_STOP);
	ck_assert_int_eq(ctx.pid, 0);
}
END_TEST

START_TEST(test_incomplete_or_bogus)
{
	char *two[] = { "web", "lxc", NULL };
	char *bad_type[] = { "web", "lxc", "pre-begin", NULL };
	struct hook_context ctx;

	clear_lxc_env();
	ck_assert_int_eq(hookctx_parse(2, two, &ctx), -EINVAL);
	ck_assert_int_eq(hookctx_parse(3, bad_type, &ctx), -EINVAL);
	setenv("LXC_HOOK_VERSION", "1", 1);
	setenv("LXC_NAME", "web", 1);
	ck_assert_int_eq(hookctx_parse(0, NULL, &ctx), -EINVAL); /* no LXC_HOOK_TYPE */
	setenv("LXC_HOOK_TYPE", "start-host", 1);
	setenv("LXC_PID", "12x", 1);
	ck_assert_int_eq(hookctx_parse(0, NULL, &ctx), 0);
	ck_assert_int_eq(ctx.pid, 0); /* a malformed pid is not used */
}
END_TEST

START_TEST(test_argv_with_path_options)
{
	char *argv[] = {
		"lxcri-hook", "--run-dir=/tmp/r", "--etc-dir=/tmp/e", "100", "lxc", "pre-start",
		NULL
	};
	char *bad[] = { "lxcri-hook", "--run-dirx=/tmp/r", "100", "lxc", "pre-start", NULL };
	struct lxcri_paths paths;
	struct hook_context ctx;
	const char *bad_option;

	clear_lxc_env();
	ck_assert_int_eq(paths_init(&paths), 0);
	ck_assert_int_eq(hookctx_from_argv(6, argv, &paths, &ctx, &bad_option), 0);
	ck_assert_str_eq(paths.run_dir, "/tmp/r");
	ck_assert_str_eq(paths.etc_dir, "/tmp/e");
	ck_assert_str_eq(ctx.id, "100");
	ck_assert_int_eq(ctx.type, HOOK_PRE_START);
	ck_assert_int_eq(hookctx_from_argv(5, bad, &paths, &ctx, &bad_option), -EINVAL);
	ck_assert_str_eq(bad_option, "--run-dirx=/tmp/r");
}
END_TEST

START_TEST(test_type_names_round_trip)
{
	for (int t = 0; t < _HOOK_TYPE_MAX; t++)
		ck_assert_int_eq(
		    hookctx_type_from_string(hookctx_type_to_string((enum hook_type)t)), t);
	ck_assert_str_eq(hookctx_type_to_string(HOOK_TYPE_INVALID), "invalid");
}
END_TEST

static Suite *hookctx_suite(void)
{
	Suite *s = suite_create("hookctx");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_version0_arguments);
	tcase_add_test(tc, test_version0_stop_extra_args);
	tcase_add_test(tc, test_version1_stop_namespaces);
	tcase_add_test(tc, test_version1_environment);
	tcase_add_test(tc, test_incomplete_or_bogus);
	tcase_add_test(tc, test_argv_with_path_options);
	tcase_add_test(tc, test_type_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(hookctx_suite)
