/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

START_TEST(test_ip_address)
{
	struct ip_address a = { 0 }, b = { 0 };
	char buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(parse_ip_address("192.0.2.10", AF_UNSPEC, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_uint_eq(ntohl(a.in.s_addr), 0xc000020a);
	ck_assert_int_eq(parse_ip_address("192.0.2.10", AF_INET, &b), 0);
	ck_assert(ip_address_equal(&a, &b));
	ck_assert_int_eq(parse_ip_address("192.0.2.10", AF_INET6, &b), -EAFNOSUPPORT);

	ck_assert_int_eq(parse_ip_address("2001:DB8::1", AF_INET6, &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.in6.s6_addr[0], 0x20);
	ck_assert_uint_eq(a.in6.s6_addr[1], 0x01);
	ck_assert_uint_eq(a.in6.s6_addr[15], 0x01);
	ck_assert_int_eq(ip_address_to_string(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert_int_eq(parse_ip_address("2001:db8::1", AF_INET, &b), -EAFNOSUPPORT);
	ck_assert(!ip_address_equal(&a, &b));

	const char *bad[] = { "",	   "1.2.3",    "1.2.3.4.5",  "256.0.0.1",    "01.2.3.4",
			      "1.2.3.4 ",  " 1.2.3.4", "1.2.3.4/24", "fe80::1%eth0", "2001:db8:::1",
			      "localhost", "::g" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(parse_ip_address(bad[i], AF_UNSPEC, &a) == -EINVAL, "'%s'", bad[i]);

	ck_assert_int_eq(parse_ip_address("0.0.0.0", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_unspecified(&a));
	ck_assert_int_eq(parse_ip_address("::", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_unspecified(&a));
	ck_assert_int_eq(parse_ip_address("224.0.0.1", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_multicast(&a));
	ck_assert(!ip_address_is_unspecified(&a));
	ck_assert_int_eq(parse_ip_address("239.255.255.255", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_multicast(&a));
	ck_assert_int_eq(parse_ip_address("240.0.0.1", AF_UNSPEC, &a), 0);
	ck_assert(!ip_address_is_multicast(&a));
	ck_assert_int_eq(parse_ip_address("ff02::1", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_multicast(&a));
	ck_assert_int_eq(parse_ip_address("fe80::1", AF_UNSPEC, &a), 0);
	ck_assert(ip_address_is_link_local(&a));
	ck_assert(!ip_address_is_multicast(&a));
	ck_assert_int_eq(parse_ip_address("fec0::1", AF_UNSPEC, &a), 0);
	ck_assert(!ip_address_is_link_local(&a));
}
END_TEST

START_TEST(test_ip_prefix)
{
	struct ip_prefix p = { 0 };
	char buf[IP_PREFIX_STRLEN];

	ck_assert_int_eq(parse_ip_prefix("10.0.0.5/24", AF_UNSPEC, &p), 0);
	ck_assert_int_eq(p.addr.family, AF_INET);
	ck_assert_uint_eq(p.prefixlen, 24);
	ck_assert_uint_eq(ntohl(p.addr.in.s_addr), 0x0a000005);
	ck_assert(ip_prefix_has_host_bits(&p));
	ip_prefix_clear_host_bits(&p);
	ck_assert(!ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_to_string(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.0.0.0/24");

	ck_assert_int_eq(parse_ip_prefix("10.10.255.255/20", AF_INET, &p), 0);
	ip_prefix_clear_host_bits(&p);
	ck_assert_int_eq(ip_prefix_to_string(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "10.10.240.0/20");

	ck_assert_int_eq(parse_ip_prefix("0.0.0.0/0", AF_INET, &p), 0);
	ck_assert_uint_eq(p.prefixlen, 0);
	ck_assert(!ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(parse_ip_prefix("1.2.3.4/0", AF_INET, &p), 0);
	ck_assert(ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(parse_ip_prefix("1.2.3.4/32", AF_INET, &p), 0);
	ck_assert(!ip_prefix_has_host_bits(&p));

	ck_assert_int_eq(parse_ip_prefix("fd00:1::5/64", AF_UNSPEC, &p), 0);
	ck_assert_int_eq(p.addr.family, AF_INET6);
	ck_assert_uint_eq(p.prefixlen, 64);
	ck_assert(ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(parse_ip_prefix("fd00:1::/64", AF_UNSPEC, &p), 0);
	ck_assert(!ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(parse_ip_prefix("2001:db8::1/128", AF_INET6, &p), 0);
	ck_assert_uint_eq(p.prefixlen, 128);
	ck_assert_int_eq(parse_ip_prefix("2001:db8::1/127", AF_INET6, &p), 0);
	ck_assert(ip_prefix_has_host_bits(&p));
	ck_assert_int_eq(ip_prefix_to_string(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8::1/127");

	ck_assert_int_eq(parse_ip_prefix("10.0.0.5/24", AF_INET6, &p), -EAFNOSUPPORT);
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
		ck_assert_msg(parse_ip_prefix(bad[i], AF_UNSPEC, &p) == -EINVAL, "'%s'", bad[i]);
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

		ck_assert_int_eq(parse_ip_prefix(cases[i].prefix, AF_UNSPEC, &p), 0);
		ck_assert_int_eq(parse_ip_address(cases[i].address, AF_UNSPEC, &a), 0);
		ck_assert_msg(ip_prefix_contains(&p, &a) == cases[i].in, "%s in %s",
			      cases[i].address, cases[i].prefix);
	}
}
END_TEST

START_TEST(test_mac)
{
	uint8_t mac[6] = { 0 };

	ck_assert_int_eq(parse_mac("BC:24:11:0a:Ff:01", mac), 0);
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

	ck_assert_int_eq(parse_mac("01:00:5e:00:00:01", mac), 0);
	ck_assert(!mac_is_unicast(mac));
	ck_assert_int_eq(parse_mac("FF:FF:FF:FF:FF:FF", mac), 0);
	ck_assert(!mac_is_unicast(mac));
	ck_assert_int_eq(parse_mac("00:00:00:00:00:00", mac), 0);
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
		ck_assert_msg(parse_mac(bad[i], mac) == -EINVAL, "'%s'", bad[i]);
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

START_TEST(test_ip_proto_name)
{
	ck_assert_str_eq(ip_proto_name(IPPROTO_TCP), "tcp");
	ck_assert_str_eq(ip_proto_name(IPPROTO_UDP), "udp");
	/* Anything else is TCP, the default of the grammar. */
	ck_assert_str_eq(ip_proto_name(0), "tcp");
}
END_TEST

START_TEST(test_names)
{
	ck_assert(ifname_valid("eth0"));
	ck_assert(ifname_valid("vmbr1.100"));
	ck_assert(ifname_valid("a_b-c"));
	ck_assert(ifname_valid("123456789012345"));
	ck_assert(ifname_valid("lo")); /* the caller decides about lo */
	ck_assert(!ifname_valid("1234567890123456"));
	ck_assert(!ifname_valid(""));
	ck_assert(!ifname_valid("."));
	ck_assert(!ifname_valid(".."));
	ck_assert(ifname_valid("..."));
	ck_assert(!ifname_valid("eth/0"));
	ck_assert(!ifname_valid("eth 0"));
	ck_assert(!ifname_valid("eth:0"));
	ck_assert(!ifname_valid("eth\x01"));

	ck_assert(hostname_valid("example.org"));
	ck_assert(hostname_valid("a"));
	ck_assert(hostname_valid("x-1.Example.ORG"));
	ck_assert(!hostname_valid("example.org."));
	ck_assert(!hostname_valid(".example.org"));
	ck_assert(!hostname_valid("a..b"));
	ck_assert(!hostname_valid("-a.org"));
	ck_assert(!hostname_valid("a-.org"));
	ck_assert(!hostname_valid("a_b.org"));
	ck_assert(!hostname_valid(""));
	char label[80], name[300];
	memset(label, 'a', 63);
	label[63] = '\0';
	ck_assert(hostname_valid(label));
	label[63] = 'a';
	label[64] = '\0';
	ck_assert(!hostname_valid(label));
	/* Four labels of 61 and one of 5, joined by dots: 253 bytes; then 254. */
	memset(name, 'a', sizeof(name));
	for (int i = 61; i < 250; i += 62)
		name[i] = '.';
	name[253] = '\0';
	ck_assert(hostname_valid(name));
	name[253] = 'a';
	name[254] = '\0';
	ck_assert(!hostname_valid(name));

	ck_assert(user_name_valid("root"));
	ck_assert(user_name_valid("_apt"));
	ck_assert(user_name_valid("build-1"));
	ck_assert(user_name_valid("host$"));
	ck_assert(user_name_valid("abcdefghijklmnopqrstuvwxyz012345"));
	ck_assert(!user_name_valid("abcdefghijklmnopqrstuvwxyz0123456"));
	ck_assert(!user_name_valid("Root"));
	ck_assert(!user_name_valid("1root"));
	ck_assert(!user_name_valid("-root"));
	ck_assert(!user_name_valid("ro$ot"));
	ck_assert(!user_name_valid("$"));
	ck_assert(!user_name_valid(""));

	ck_assert(cni_network_name_valid("mynet"));
	ck_assert(cni_network_name_valid("0.net_1-x"));
	ck_assert(!cni_network_name_valid("-net"));
	ck_assert(!cni_network_name_valid("_net"));
	ck_assert(!cni_network_name_valid("my net"));
	ck_assert(!cni_network_name_valid(""));

	ck_assert(apparmor_profile_valid("lxcri-default"));
	ck_assert(apparmor_profile_valid("unconfined"));
	ck_assert(apparmor_profile_valid("/usr/bin/foo"));
	ck_assert(apparmor_profile_valid("lxc-container-default-cgns+x:y"));
	ck_assert(!apparmor_profile_valid("a b"));
	ck_assert(!apparmor_profile_valid("a,b"));
	ck_assert(!apparmor_profile_valid(""));

	ck_assert(fstype_valid("nfs"));
	ck_assert(fstype_valid("fuse.sshfs"));
	ck_assert(fstype_valid("cgroup2"));
	ck_assert(!fstype_valid(""));
	ck_assert(!fstype_valid("a,b"));
	ck_assert(!fstype_valid("a;b"));
	ck_assert(!fstype_valid("a b"));
	ck_assert(!fstype_valid("a/b"));
	ck_assert(
	    !fstype_valid("0123456789012345678901234567890123456789012345678901234567890123"));

	ck_assert(dns_option_valid("ndots:2"));
	ck_assert(dns_option_valid("rotate"));
	ck_assert(dns_option_valid("single-request-reopen"));
	ck_assert(dns_option_valid("edns0"));
	ck_assert(!dns_option_valid("ndots:"));
	ck_assert(!dns_option_valid("ndots:x"));
	ck_assert(!dns_option_valid(":2"));
	ck_assert(!dns_option_valid("NDOTS:2"));
	ck_assert(!dns_option_valid("ndots:2:3"));
	ck_assert(!dns_option_valid(""));

	ck_assert(annotation_key_valid("com.example.gpu"));
	ck_assert(annotation_key_valid("io.kubernetes.cri/x_y-z"));
	ck_assert(!annotation_key_valid("a=b"));
	ck_assert(!annotation_key_valid("a b"));
	ck_assert(!annotation_key_valid(""));
}
END_TEST

START_TEST(test_selinux)
{
	const char *good[] = {
		"system_u:system_r:container_t",
		"system_u:system_r:container_t:s0",
		"system_u:system_r:container_t:s0:c10,c20",
		"system_u:system_r:container_t:s0-s0:c0.c1023",
		"system_u:system_r:container_t:s0:c0.c5,c7,c9.c12-s15:c0.c1023",
		"user.x:role_1:type.t:s1023:c1023",
	};
	const char *bad[] = {
		"",
		"system_u:system_r",
		"system_u:system_r:",
		"system_u::container_t",
		"system_u:system_r:container_t:",
		"system_u:system_r:container_t:s",
		"system_u:system_r:container_t:0",
		"system_u:system_r:container_t:s01",
		"system_u:system_r:container_t:s0:",
		"system_u:system_r:container_t:s0:c",
		"system_u:system_r:container_t:s0:c1024",
		"system_u:system_r:container_t:s1024",
		"system_u:system_r:container_t:s0:c5.c3",
		"system_u:system_r:container_t:s0:c1,",
		"system_u:system_r:container_t:s0:c1.",
		"system_u:system_r:container_t:s0-",
		"system_u:system_r:container_t:s0-s1-s2",
		"system_u:system_r:container_t:s0:c1:c2",
		"system-u:system_r:container_t:s0",
		"system_u:system_r:container_t:s0 ",
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		ck_assert_msg(selinux_context_valid(good[i]), "'%s'", good[i]);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(!selinux_context_valid(bad[i]), "'%s'", bad[i]);
}
END_TEST

START_TEST(test_paths_and_text)
{
	char long_path[PATH_MAX + 1];

	ck_assert(path_absolute_valid("/etc/lxcri/seccomp/docker-default.json"));
	ck_assert(path_absolute_valid("/"));
	ck_assert(path_absolute_valid("/a/..b/c.."));
	ck_assert(path_absolute_valid("/a/./b//c/"));
	ck_assert(!path_absolute_valid("etc/x.json"));
	ck_assert(!path_absolute_valid(""));
	ck_assert(!path_absolute_valid("/etc/../x"));
	ck_assert(!path_absolute_valid("/.."));
	ck_assert(!path_absolute_valid("/a/.."));
	ck_assert(!path_absolute_valid("/a/\x7f"));
	ck_assert(!path_absolute_valid("/a/\tb"));
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[PATH_MAX - 1] = '\0';
	ck_assert(path_absolute_valid(long_path));
	long_path[PATH_MAX - 1] = 'a';
	long_path[PATH_MAX] = '\0';
	ck_assert(!path_absolute_valid(long_path));

	ck_assert(text_valid(""));
	ck_assert(text_valid("all, a=b; spaces\tand tabs"));
	ck_assert(text_valid("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x90\xa7"));
	ck_assert(!text_valid("a\x01"));
	ck_assert(!text_valid("a\x7f"));
	ck_assert(!text_valid("a\r"));
	ck_assert(!text_valid("\xc3"));		    /* cut */
	ck_assert(!text_valid("\xc0\xaf"));	    /* overlong '/' */
	ck_assert(!text_valid("\xed\xa0\x80"));	    /* surrogate */
	ck_assert(!text_valid("\xf4\x90\x80\x80")); /* beyond U+10FFFF */
	ck_assert(!text_valid("\xc2\x85"));	    /* C1 control NEL */
	ck_assert(!text_valid("\xff"));
}
END_TEST

START_TEST(test_properties)
{
	static const char *const names[] = { "name", "bridge", "ip", NULL };
	char *v[3];
	struct property_failure f;
	char s1[] = "ip=10.0.0.5/24;fd00::5/64,name=eth1,bridge=vmbr1";
	char s2[] = "name=a=b";

	ck_assert_int_eq(properties_parse(s1, names, v, &f), 0);
	ck_assert_str_eq(v[0], "eth1");
	ck_assert_str_eq(v[1], "vmbr1");
	ck_assert_str_eq(v[2], "10.0.0.5/24;fd00::5/64");
	ck_assert_int_eq(properties_parse(s2, names, v, NULL), 0);
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
		ck_assert_msg(properties_parse(s, names, v, &f) == -EINVAL, "'%s'", bad[i].input);
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

	ck_assert_int_eq(list_split(s1, &items), 3);
	ck_assert_str_eq(items[0], "a");
	ck_assert_str_eq(items[1], "bb");
	ck_assert_str_eq(items[2], "c");
	ck_assert_ptr_null(items[3]);
	free(items);
	ck_assert_int_eq(list_split(s2, &items), 1);
	ck_assert_str_eq(items[0], "single");
	ck_assert_ptr_null(items[1]);
	free(items);
	items = NULL;
	ck_assert_int_eq(list_split(s3, &items), -EINVAL);
	ck_assert_int_eq(list_split(s4, &items), -EINVAL);
	ck_assert_int_eq(list_split(s5, &items), -EINVAL);
	ck_assert_int_eq(list_split(s6, &items), -EINVAL);
	ck_assert_ptr_null(items);
}
END_TEST

START_TEST(test_escape)
{
	char buf[ESCAPE_BUFSIZE], in[300];

	ck_assert_str_eq(escape_for_message("plain 'text'", buf, sizeof(buf)), "plain 'text'");
	ck_assert_str_eq(escape_for_message("a\x01\\b\xc3\xbc\x7f", buf, sizeof(buf)),
			 "a\\x01\\\\b\\xc3\\xbc\\x7f");
	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	escape_for_message(in, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), ESCAPE_INPUT_MAX + 3);
	ck_assert_str_eq(buf + ESCAPE_INPUT_MAX, "...");
	/* Even a small buffer stays terminated. */
	memset(in, 1, sizeof(in));
	in[sizeof(in) - 1] = '\0';
	char small[16];
	escape_for_message(in, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
	ck_assert_str_eq(small, "\\x01\\x01\\x01...");
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_ip_address);
	tcase_add_test(tc, test_ip_prefix);
	tcase_add_test(tc, test_ip_prefix_contains);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_port_range);
	tcase_add_test(tc, test_ip_proto_name);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_selinux);
	tcase_add_test(tc, test_paths_and_text);
	tcase_add_test(tc, test_properties);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_escape);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(parse_suite)
