/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Numbers, port ranges, property strings and lists (lib/basic/parse.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/parse.h"
#include "testutil.h"

START_TEST(test_uint)
{
	uint64_t v64 = 7;
	uint32_t v32 = 7;
	uint16_t v16 = 7;

	ck_assert_int_eq(parse_uint64("0", 0, 10, &v64), 0);
	ck_assert_uint_eq(v64, 0);
	ck_assert_int_eq(parse_uint64("18446744073709551615", 0, UINT64_MAX, &v64), 0);
	ck_assert(v64 == UINT64_MAX);
	ck_assert_int_eq(parse_uint64("18446744073709551616", 0, UINT64_MAX, &v64), -ERANGE);
	ck_assert_int_eq(parse_uint64("99999999999999999999999", 0, UINT64_MAX, &v64), -ERANGE);
	ck_assert_int_eq(parse_uint64("99999999999999999999999x", 0, UINT64_MAX, &v64), -EINVAL);

	ck_assert_int_eq(parse_uint32("1500", 68, 65535, &v32), 0);
	ck_assert_uint_eq(v32, 1500);
	ck_assert_int_eq(parse_uint32("4294967295", 0, UINT32_MAX, &v32), 0);
	ck_assert_uint_eq(v32, UINT32_MAX);
	ck_assert_int_eq(parse_uint32("4294967296", 0, UINT32_MAX, &v32), -ERANGE);
	ck_assert_int_eq(parse_uint32("67", 68, 65535, &v32), -ERANGE);
	ck_assert_int_eq(parse_uint32("65536", 68, 65535, &v32), -ERANGE);
	ck_assert_uint_eq(v32, UINT32_MAX); /* untouched on failure */

	ck_assert_int_eq(parse_uint16("65535", 1, 65535, &v16), 0);
	ck_assert_uint_eq(v16, 65535);
	ck_assert_int_eq(parse_uint16("0", 1, 65535, &v16), -ERANGE);

	/* Only plain decimal. */
	const char *bad[] = { "", "01", "00", "+1", "-1", " 1", "1 ", "1x", "0x10", "1.5", "١" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(parse_uint32(bad[i], 0, UINT32_MAX, &v32) == -EINVAL, "'%s'", bad[i]);
	ck_assert_int_eq(parse_uint32(NULL, 0, 1, &v32), -EINVAL);
}
END_TEST

START_TEST(test_port_range)
{
	uint16_t first = 0, last = 0;

	ck_assert_int_eq(parse_port_range("8080", &first, &last), 0);
	ck_assert_uint_eq(first, 8080);
	ck_assert_uint_eq(last, 8080);
	ck_assert_int_eq(parse_port_range("1-65535", &first, &last), 0);
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(last, 65535);
	ck_assert_int_eq(parse_port_range("80-80", &first, &last), 0);
	ck_assert_uint_eq(first, 80);
	ck_assert_uint_eq(last, 80);

	const char *bad[] = { "0",     "65536", "10-5",	    "-5",      "5-",  "1-2-3",
			      "08080", "80 ",	"123456-7", "80-0x50", "tcp", "" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(parse_port_range(bad[i], &first, &last) == -EINVAL, "'%s'", bad[i]);
	ck_assert_uint_eq(first, 80);
}
END_TEST

START_TEST(test_properties)
{
	static const char *const names[] = { "name", "bridge", "ip", NULL };
	char *v[3];
	struct property_failure f;
	char s1[] = "ip=10.0.0.5/24;fd00::5/64,name=eth1,bridge=vmbr1";
	char s2[] = "name=a=b";

	ck_assert_int_eq(parse_properties(s1, names, v, &f), 0);
	ck_assert_str_eq(v[0], "eth1");
	ck_assert_str_eq(v[1], "vmbr1");
	ck_assert_str_eq(v[2], "10.0.0.5/24;fd00::5/64");
	ck_assert_int_eq(parse_properties(s2, names, v, NULL), 0);
	ck_assert_str_eq(v[0], "a=b");
	ck_assert_ptr_null(v[1]);
	ck_assert_ptr_null(v[2]);

	static const struct {
		const char *input;
		enum property_problem problem;
		const char *item;
	} bad[] = {
		{ "name=eth1,,bridge=x", PROPERTY_EMPTY, "" },
		{ "name=eth1,", PROPERTY_EMPTY, "" },
		{ ",name=eth1", PROPERTY_EMPTY, "" },
		{ "", PROPERTY_EMPTY, "" },
		{ "name=eth1,bridge", PROPERTY_NO_EQUALS, "bridge" },
		{ "name=eth1,=x", PROPERTY_EMPTY_NAME, "=x" },
		{ "name=eth1,foo=x", PROPERTY_UNKNOWN, "foo" },
		{ "name=eth1,Name=x", PROPERTY_UNKNOWN, "Name" },
		{ "name=eth1, bridge=x", PROPERTY_UNKNOWN, " bridge" },
		{ "name=eth1,name=eth2", PROPERTY_DUPLICATE, "name" },
		{ "name=,bridge=x", PROPERTY_EMPTY_VALUE, "name" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *s = strdup(bad[i].input);

		f.item = NULL;
		ck_assert_msg(parse_properties(s, names, v, &f) == -EINVAL, "'%s'", bad[i].input);
		ck_assert_msg(f.problem == bad[i].problem, "'%s': %d", bad[i].input, f.problem);
		ck_assert_str_eq(f.item, bad[i].item);
		free(s);
	}
}
END_TEST

START_TEST(test_list)
{
	char s1[] = "a;bb;c", s2[] = "single", s3[] = "a;;b", s4[] = "a;", s5[] = ";a", s6[] = "";
	char **items = NULL;

	ck_assert_int_eq(parse_list(s1, &items), 3);
	ck_assert_str_eq(items[0], "a");
	ck_assert_str_eq(items[1], "bb");
	ck_assert_str_eq(items[2], "c");
	ck_assert_ptr_null(items[3]);
	free(items);
	ck_assert_int_eq(parse_list(s2, &items), 1);
	ck_assert_str_eq(items[0], "single");
	ck_assert_ptr_null(items[1]);
	free(items);
	items = NULL;
	ck_assert_int_eq(parse_list(s3, &items), -EINVAL);
	ck_assert_int_eq(parse_list(s4, &items), -EINVAL);
	ck_assert_int_eq(parse_list(s5, &items), -EINVAL);
	ck_assert_int_eq(parse_list(s6, &items), -EINVAL);
	ck_assert_ptr_null(items);
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_port_range);
	tcase_add_test(tc, test_properties);
	tcase_add_test(tc, test_list);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(parse_suite)
