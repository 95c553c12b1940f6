/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IPv4 and IPv6 addresses and prefixes (lib/basic/ip.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/ip.h"
#include "testutil.h"

START_TEST(test_ip_address)
{
	struct ip_address a = { 0 }, b = { 0 };
	char buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(ip_address_parse("192.0.2.10", AF_UNSPEC, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_uint_eq(ntohl(a.in.s_addr), 0xc000020a);
	ck_assert_int_eq(ip_address_parse("192.0.2.10", AF_INET, &b), 0);
	ck_assert(ip_address_equal(&a, &b));
	ck_assert_int_eq(ip_address_parse("192.0.2.10", AF_INET6, &b), -EAFNOSUPPORT);

	ck_assert_int_eq(ip_address_parse("2001:DB8::1", AF_INET6, &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.in6.s6_addr[0], 0x20);
	ck_assert_uint_eq(a.in6.s6_addr[1], 0x01);
	ck_assert_uint_eq(a.in6.s6_addr[15], 0x01);
	ck_assert_int_eq(ip_address_to_string(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert_int_eq(ip_address_parse("2001:db8::1", AF_INET, &b), -EAFNOSUPPORT);
	ck_assert(!ip_address_equal(&a, &b));

	const char *bad[] = { "",	   "1.2.3",    "1.2.3.4.5",  "256.0.0.1",    "01.2.3.4",
			      "1.2.3.4 ",  " 1.2.3.4", "1.2.3.4/24", "fe80::1%eth0", "2001:db8:::1",
			      "localhost", "::g" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(ip_address_parse(bad[i], AF_UNSPEC, &a) == -EINVAL, "'%s'", bad[i]);

	ck_assert_int_eq(ip_address_parse("0.0.0.0", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_unspecified(&a));
	ck_assert_int_eq(ip_address_parse("::", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_unspecified(&a));
	ck_assert_int_eq(ip_address_parse("224.0.0.1", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_multicast(&a));
	ck_assert(!ip_address_is_unspecified(&a));
	ck_assert_int_eq(ip_address_parse("239.255.255.255", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_multicast(&a));
	ck_assert_int_eq(ip_address_parse("240.0.0.1", AF_UNSPEC, &a), 0);
	ck_assert(!ip_address_is_multicast(&a));
	ck_assert_int_eq(ip_address_parse("ff02::1", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_multicast(&a));
	ck_assert_int_eq(ip_address_parse("fe80::1", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_link_local(&a));
	ck_assert(!ip_address_is_multicast(&a));
	ck_assert_int_eq(ip_address_parse("fec0::1", AF_UNSPEC, &a), 0);
	ck_assert(!ip_address_is_link_local(&a));
}
END_TEST

START_TEST(test_ip_prefix)
{
	struct ip_prefix p = { 0 };
	char buf[IP_PREFIX_STRLEN];

	ck_assert_int_eq(ip_prefix_parse("10.0.0.5/24", AF_UNSPEC, &p), 0);
	ck_assert_int_eq(p.addr.family, AF_INET);
	ck_assert_uint_eq(p.prefixlen, 24);
	ck_assert_uint_eq(ntohl(p.addr.in.s_addr), 0x0a000005);
	ck_assert(ip_prefix_has_host_bits(&p));
	ip_prefix_clear_host_bits(&p);
	ck_assert(!ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_to_string(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.0.0.0/24");

	ck_assert_int_eq(ip_prefix_parse("10.10.255.255/20", AF_INET, &p), 0);
	ip_prefix_clear_host_bits(&p);
	ck_assert_int_eq(ip_prefix_to_string(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.10.240.0/20");

	ck_assert_int_eq(ip_prefix_parse("0.0.0.0/0", AF_INET, &p), 0);
	ck_assert_uint_eq(p.prefixlen, 0);
	ck_assert(!ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_parse("1.2.3.4/0", AF_INET, &p), 0);
	ck_assert(ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_parse("1.2.3.4/32", AF_INET, &p), 0);
	ck_assert(!ip_prefix_has_host_bits(&p));

	ck_assert_int_eq(ip_prefix_parse("fd00:1::5/64", AF_UNSPEC, &p), 0);
	ck_assert_int_eq(p.addr.family, AF_INET6);
	ck_assert_uint_eq(p.prefixlen, 64);
	ck_assert(ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_parse("fd00:1::/64", AF_UNSPEC, &p), 0);
	ck_assert(!ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_parse("2001:db8::1/128", AF_INET6, &p), 0);
	ck_assert_uint_eq(p.prefixlen, 128);
	ck_assert_int_eq(ip_prefix_parse("2001:db8::1/127", AF_INET6, &p), 0);
	ck_assert(ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_to_string(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::1/127");

	ck_assert_int_eq(ip_prefix_parse("10.0.0.5/24", AF_INET6, &p), -EAFNOSUPPORT);
	const char *bad[] = { "10.0.0.5",
			      "10.0.0.5/",
			      "10.0.0.5/33",
			      "10.0.0.5/024",
			      "/24",
			      "10.0.0.5/-1",
			      "10.0.0.5/24/1",
			      "fd00::/129",
			      "10.0.0/24",
			      "10.0.0.5 /24",
			      "1111:2222:3333:4444:5555:6666:7777:8888:9/64" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(ip_prefix_parse(bad[i], AF_UNSPEC, &p) == -EINVAL, "'%s'", bad[i]);
	/* Untouched on failure. */
	ck_assert_uint_eq(p.prefixlen, 127);
}
END_TEST

START_TEST(test_ip_prefix_contains)
{
	static const struct {
		const char *prefix, *address;
		bool in;
	} cases[] = {
		{ "10.0.0.1/24", "10.0.0.200", true },
		{ "10.0.0.1/24", "10.0.1.1", false },
		{ "10.0.0.5/32", "10.0.0.5", true },
		{ "10.0.0.5/32", "10.0.0.6", false },
		{ "0.0.0.0/0", "192.0.2.1", true },
		{ "10.10.240.0/20", "10.10.255.1", true },
		{ "fd00::1/64", "fd00::ffff", true },
		{ "fd00::1/64", "fd00:0:0:1::1", false },
		{ "10.0.0.1/24", "::ffff:10.0.0.2", false },
		{ "fd00::1/64", "10.0.0.1", false },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct ip_prefix p;
		struct ip_address a;

		ck_assert_int_eq(ip_prefix_parse(cases[i].prefix, AF_UNSPEC, &p), 0);
		ck_assert_int_eq(ip_address_parse(cases[i].address, AF_UNSPEC, &a), 0);
		ck_assert_msg(ip_prefix_contains(&p, &a) == cases[i].in, "%s in %s",
			      cases[i].address, cases[i].prefix);
	}
}
END_TEST

START_TEST(test_ip_proto_name)
{
	ck_assert_str_eq(ip_proto_name(IPPROTO_TCP), "tcp");
	ck_assert_str_eq(ip_proto_name(IPPROTO_UDP), "udp");
	/* Anything else is TCP, the default of the grammar. */
	ck_assert_str_eq(ip_proto_name(0), "tcp");
}
END_TEST

static Suite *ip_suite(void)
{
	Suite *s = suite_create("ip");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ip_address);
	tcase_add_test(tc, test_ip_prefix);
	tcase_add_test(tc, test_ip_prefix_contains);
	tcase_add_test(tc, test_ip_proto_name);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ip_suite)
