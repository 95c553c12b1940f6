/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#include "lib/image/tarpath.h"

START_TEST(test_clean)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "usr/bin/sh", "usr/bin/sh" },
		{ "./usr//bin/", "usr/bin" },
		{ "./", "." },
		{ "", "." },
		{ ".", "." },
		{ "a/./b/.", "a/b" },
		{ "a..b/..c", "a..b/..c" },
		{ "...", "..." },
		{ ".wh.x", ".wh.x" },
	};
	static const char *const bad[] = { "..",	  "../x", "a/../../b", "a/..",
					   "/etc/passwd", "//x",  "a/b/../c" };
	struct lxcri_error err = { 0 };
	char buf[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(tarpath_clean(ok[i].in, buf, sizeof(buf), &err) == 0, "%s", ok[i].in);
		ck_assert_str_eq(buf, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(tarpath_clean(bad[i], buf, sizeof(buf), &err) == -EINVAL, "%s",
			      bad[i]);
		ck_assert_msg(strstr(err.message, "The entry '"), "%s", err.message);
	}
	ck_assert_int_eq(tarpath_clean("aaaaaaaaaa/bbbbbbbbbb", buf, 12, &err), -ENAMETOOLONG);
	ck_assert_str_eq(tarpath_base("a/b/c"), "c");
	ck_assert_str_eq(tarpath_base("c"), "c");
}
END_TEST

START_TEST(test_whiteouts)
{
	char t[64];

	ck_assert_int_eq(tarpath_whiteout("etc/old.conf", t, sizeof(t)), TARPATH_NOT_WHITEOUT);
	ck_assert_int_eq(tarpath_whiteout("etc/.wh.old.conf", t, sizeof(t)), TARPATH_WHITEOUT);
	ck_assert_str_eq(t, "etc/old.conf");
	ck_assert_int_eq(tarpath_whiteout(".wh.top", t, sizeof(t)), TARPATH_WHITEOUT);
	ck_assert_str_eq(t, "top");
	ck_assert_int_eq(tarpath_whiteout("opt/stuff/.wh..wh..opq", t, sizeof(t)), TARPATH_OPAQUE);
	ck_assert_str_eq(t, "opt/stuff");
	ck_assert_int_eq(tarpath_whiteout(".wh..wh..opq", t, sizeof(t)), TARPATH_OPAQUE);
	ck_assert_str_eq(t, ".");
	ck_assert_int_eq(tarpath_whiteout("a/.wh..wh.plnk", t, sizeof(t)), TARPATH_IGNORED);
	/* Whiteouts of nothing, of the dir itself or of its parent. */
	ck_assert_int_eq(tarpath_whiteout("a/.wh.", t, sizeof(t)), -EINVAL);
	ck_assert_int_eq(tarpath_whiteout("a/.wh..", t, sizeof(t)), -EINVAL);
	ck_assert_int_eq(tarpath_whiteout("a/.wh...", t, sizeof(t)), -EINVAL);
	ck_assert_int_eq(tarpath_whiteout("a/.wh.xxxxxxxxxxxx", t, 8), -ENAMETOOLONG);
}
END_TEST

static Suite *tarpath_suite(void)
{
	Suite *s = suite_create("tarpath");
	TCase *tc = tcase_create("tarpath");

	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_whiteouts);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(tarpath_suite)
