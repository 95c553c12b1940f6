/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "testutil.h"

#include "lib/image/platform.h"

START_TEST(test_platforms)
{
	struct lxcri_error err = { 0 };
	struct platform p, h;
	char buf[128];

	ck_assert_int_eq(platform_parse("linux/arm", &p, &err), 0);
	platform_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "linux/arm/v7");
	ck_assert_int_eq(platform_parse("x86_64", &p, &err), 0);
	platform_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "linux/amd64");
	ck_assert_int_eq(platform_parse("Linux/AMD64", &p, &err), 0);
	platform_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "linux/amd64");
	/* arm/v6 is not arm/v7. */
	struct platform v6 = { "linux", "arm", "v6" };
	ck_assert_int_eq(platform_parse("linux/arm/v7", &p, &err), 0);
	ck_assert(!platform_match(&p, &v6));
	/* The host's is one this machine runs: amd64 here. */
	platform_host(&h);
	ck_assert_str_eq(h.os, "linux");
	ck_assert_str_ne(h.architecture, "");
	static const char *const bad[] = {
		"", "/", "linux/", "a/b/c/d", "linux/amd 64", "linux//v7"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(platform_parse(bad[i], &p, &err), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err.message, "Invalid platform '"));
	}
}
END_TEST

static Suite *platform_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("platform");

	tcase_add_test(tc, test_platforms);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(platform_suite)
