/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MAC addresses (lib/basic/mac.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/mac.h"
#include "testutil.h"

START_TEST(test_mac)
{
	uint8_t mac[6] = { 0 };

	ck_assert_int_eq(mac_parse("BC:24:11:0a:Ff:01", mac), 0);
	ck_assert_uint_eq(mac[0], 0xbc);
	ck_assert_uint_eq(mac[3], 0x0a);
	ck_assert_uint_eq(mac[4], 0xff);
	ck_assert_uint_eq(mac[5], 0x01);
	ck_assert(mac_is_unicast(mac));
	ck_assert(!mac_is_zero(mac));
	{
		char text[MAC_STRLEN];

		mac_to_string(mac, text);
		ck_assert_str_eq(text, "bc:24:11:0a:ff:01");
	}

	ck_assert_int_eq(mac_parse("01:00:5e:00:00:01", mac), 0);
	ck_assert(!mac_is_unicast(mac));
	ck_assert_int_eq(mac_parse("FF:FF:FF:FF:FF:FF", mac), 0);
	ck_assert(!mac_is_unicast(mac));
	ck_assert_int_eq(mac_parse("00:00:00:00:00:00", mac), 0);
	ck_assert(mac_is_zero(mac));
	ck_assert(!mac_is_unicast(mac));

	const char *bad[] = { "",
			      "BC:24:11:00:00",
			      "BC:24:11:00:00:01:02",
			      "BC-24-11-00-00-01",
			      "BC:24:11:00:00:1",
			      "B:24:11:00:00:01",
			      "BC:24:11:00:00:0G",
			      "BC2411000001",
			      "BC:24:11:00:00:01 ",
			      "BC:24:11:00:0:001" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(mac_parse(bad[i], mac) == -EINVAL, "'%s'", bad[i]);
}
END_TEST

static Suite *mac_suite(void)
{
	Suite *s = suite_create("mac");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_mac);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mac_suite)
