/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The net<N>, route<N>, dns keys of the per-container config (lib/config/net.c). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "configtest.h"
#include "testutil.h"

static const struct bad_input bad_inputs[] = {
	/* net<N> */
	{ "net1: bridge=vmbr1", 1, "Missing property 'name' in 'net1'" },
	{ "net1: name=abcdefghijklmnop,bridge=vmbr1", 1,
	  "Invalid value 'abcdefghijklmnop' for 'name' in 'net1'" },
	{ "net1: name=eth/1,bridge=vmbr1", 1, "Invalid value 'eth/1' for 'name' in 'net1'" },
	{ "net1: name=lo,bridge=vmbr1", 1, "Invalid value 'lo' for 'name' in 'net1'" },
	{ "net1: name=..,bridge=vmbr1", 1, "Invalid value '..' for 'name' in 'net1'" },
	{ "net1: name=eth1,bridge=vm br1", 1, "Invalid value 'vm br1' for 'bridge' in 'net1'" },
	{ "net1: name=eth1", 1, "Missing property 'bridge' or 'cni' in 'net1'" },
	{ "net1: name=eth1,bridge=vmbr1,cni=mynet", 1, "'bridge' and 'cni' exclude each other" },
	{ "net1: name=eth1,cni=mynet,ip=10.0.0.5/24", 1,
	  "Property 'ip' is not allowed with 'cni'" },
	{ "net1: name=eth1,cni=mynet,gw6=fd00::1", 1, "Property 'gw6' is not allowed with 'cni'" },
	{ "net1: name=eth1,cni=mynet,hwaddr=BC:24:11:00:00:01", 1,
	  "Property 'hwaddr' is not allowed with 'cni'" },
	{ "net1: name=eth1,cni=mynet,tag=5", 1, "Property 'tag' is not allowed with 'cni'" },
	{ "net1: name=eth1,cni=-mynet", 1, "Invalid value '-mynet' for 'cni' in 'net1'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5", 1, "Invalid value '10.0.0.5' for 'ip'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/33", 1,
	  "Invalid value '10.0.0.5/33' for 'ip'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=fd00::5/129", 1,
	  "Invalid value 'fd00::5/129' for 'ip'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=10.0.0.256/24", 1, "'10.0.0.256/24'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/24;fd00::5/64;10.0.0.5/16", 1,
	  "Duplicate address '10.0.0.5/16' for 'ip' in 'net1'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/24;", 1,
	  "Invalid value '10.0.0.5/24;' for 'ip' in 'net1'" },
	{ "net1: name=eth1,bridge=vmbr1,ip=224.0.0.5/24", 1, "'224.0.0.5/24'" },
	{ "net1: name=eth1,bridge=vmbr1,gw=fd00::1", 1,
	  "Invalid value 'fd00::1' for 'gw' in 'net1': expected an IPv4 address" },
	{ "net1: name=eth1,bridge=vmbr1,gw6=10.0.0.1", 1,
	  "Invalid value '10.0.0.1' for 'gw6' in 'net1': expected an IPv6 address" },
	{ "net1: name=eth1,bridge=vmbr1,gw=10.0.0.1x", 1, "Invalid value '10.0.0.1x' for 'gw'" },
	{ "net1: name=eth1,bridge=vmbr1,mtu=67", 1,
	  "Invalid value '67' for 'mtu' in 'net1': expected a number from 68 to 65535" },
	{ "net1: name=eth1,bridge=vmbr1,mtu=65536", 1, "Invalid value '65536' for 'mtu'" },
	{ "#\n#\nnet1: name=eth1,bridge=vmbr1,mtu=9000x", 3,
	  "Invalid value '9000x' for 'mtu' in 'net1': expected a number from 68 to 65535" },
	{ "net1: name=eth1,bridge=vmbr1,mtu=01500", 1, "Invalid value '01500' for 'mtu'" },
	{ "net1: name=eth1,bridge=vmbr1,mtu=1000,ip=fd00::5/64", 1,
	  "Invalid value '1000' for 'mtu' in 'net1': IPv6 needs an MTU of at least 1280" },
	{ "net1: name=eth1,bridge=vmbr1,mtu=1279,gw6=fe80::1", 1,
	  "Invalid value '1279' for 'mtu'" },
	{ "net1: name=eth1,bridge=vmbr1,hwaddr=01:00:5E:00:00:01", 1,
	  "Invalid value '01:00:5E:00:00:01' for 'hwaddr' in 'net1': this is a multicast" },
	{ "net1: name=eth1,bridge=vmbr1,hwaddr=00:00:00:00:00:00", 1,
	  "Invalid value '00:00:00:00:00:00' for 'hwaddr' in 'net1': the all-zero" },
	{ "net1: name=eth1,bridge=vmbr1,hwaddr=BC:24:11:00:00", 1,
	  "'BC:24:11:00:00' for 'hwaddr'" },
	{ "net1: name=eth1,bridge=vmbr1,tag=0", 1, "Invalid value '0' for 'tag'" },
	{ "net1: name=eth1,bridge=vmbr1,tag=4095", 1, "Invalid value '4095' for 'tag'" },
	{ "net1: name=eth1,bridge=vmbr1\nnet2: name=eth1,cni=x", 2,
	  "Interface name 'eth1' of 'net2' is already used by 'net1' on line 1" },
	{ "net5: name=eth1,bridge=vmbr1,hwaddr=bc:24:11:00:00:01\n"
	  "net2: name=eth2,bridge=vmbr1,hwaddr=BC:24:11:00:00:01",
	  2, "MAC address 'BC:24:11:00:00:01' of 'net2' is already used by 'net5' on line 1" },

	/* route<N> */
	{ "route0: via=10.0.0.1", 1, "Missing property 'dst' in 'route0'" },
	{ "route0: dst=10.10.0.5/16,dev=eth0", 1,
	  "Invalid value '10.10.0.5/16' for 'dst' in 'route0': host bits are set; the network is "
	  "'10.10.0.0/16'" },
	{ "route0: dst=10.10.0.0,dev=eth0", 1, "Invalid value '10.10.0.0' for 'dst'" },
	{ "route0: dst=default4,dev=eth0", 1, "Invalid value 'default4' for 'dst'" },
	{ "route0: dst=10.0.0.0/8,via=fd00::1", 1,
	  "Invalid value 'fd00::1' for 'via' in 'route0': expected an IPv4 address" },
	{ "route0: dst=default6,via=10.0.0.1", 1,
	  "Invalid value '10.0.0.1' for 'via' in 'route0': expected an IPv6 address" },
	{ "route0: dst=default6,via=fe80::1", 1,
	  "Invalid value 'fe80::1' for 'via' in 'route0': a link-local gateway needs 'dev'" },
	{ "route3: dst=10.0.0.0/8", 1, "Missing property 'via' or 'dev' in 'route3'" },
	{ "route0: dst=default,dev=eth0,table=0", 1, "Invalid value '0' for 'table' in 'route0'" },
	{ "route0: dst=default,dev=eth0,table=local", 1, "Invalid value 'local' for 'table'" },
	{ "route0: dst=default,dev=eth0,metric=4294967296", 1, "'4294967296' for 'metric'" },
	{ "route0: dst=default,dev=eth 0", 1, "Invalid value 'eth 0' for 'dev'" },

	/* dns */
	{ "dns: nameserver=1.1.1.1;8.8.8.8;9.9.9.9;10.0.0.1", 1,
	  "Invalid value '1.1.1.1;8.8.8.8;9.9.9.9;10.0.0.1' for 'nameserver' in 'dns'" },
	{ "dns: nameserver=1.1.1", 1, "Invalid value '1.1.1' for 'nameserver' in 'dns'" },
	{ "dns: nameserver=1.1.1.1;;8.8.8.8", 1, "'1.1.1.1;;8.8.8.8' for 'nameserver'" },
	{ "dns: search=-bad.example.org", 1, "Invalid value '-bad.example.org' for 'search'" },
	{ "dns: search=a..b", 1, "Invalid value 'a..b' for 'search'" },
	{ "dns: search=a;b;c;d;e;f;g", 1, "Invalid value 'a;b;c;d;e;f;g' for 'search'" },
	{ "dns: options=ndots:", 1, "Invalid value 'ndots:' for 'options' in 'dns'" },
	{ "dns: options=NDOTS", 1, "Invalid value 'NDOTS' for 'options'" },
	{ "dns: domain=example.org", 1, "Unknown property 'domain' in 'dns'" },
};

BAD_INPUT_TEST(bad_inputs)

/* Every field of a net, a route and the dns is compared. */
START_TEST(test_equal)
{
	static const char text[] =
	    "net0: "
	    "name=eth0,bridge=vmbr0,ip=10.0.0.5/24;2001:db8::5/64,gw=10.0.0.1,gw6=2001:db8::1,"
	    "mtu=1450,hwaddr=BC:24:11:00:00:01,tag=5\n"
	    "net1: name=eth1,cni=mynet\n"
	    "route0: dst=10.10.0.0/16,via=10.0.0.254,dev=eth0,metric=5,table=100\n"
	    "dns: nameserver=10.0.0.1,search=example.org,options=ndots:2\n";
	_cleanup_config_ struct config *a = parse_ok(text), *b = parse_ok(text);
	struct config_net *n = &b->net.nets[0];
	struct config_route *r = &b->net.routes[0];

	ASSERT_EQUAL_SEES(a, b, n->mtu = 1500, n->mtu = 1450);
	ASSERT_EQUAL_SEES(a, b, n->tag = 6, n->tag = 5);
	ASSERT_EQUAL_SEES(a, b, n->hwaddr[5] = 2, n->hwaddr[5] = 1);
	ASSERT_EQUAL_SEES(a, b, n->name[3] = '9', n->name[3] = '0');
	ASSERT_EQUAL_SEES(a, b, n->bridge[4] = '9', n->bridge[4] = '0');
	ASSERT_EQUAL_SEES(a, b, n->addresses[1].prefixlen = 48, n->addresses[1].prefixlen = 64);
	ASSERT_EQUAL_SEES(a, b, n->gw.in.s_addr ^= 1, n->gw.in.s_addr ^= 1);
	ASSERT_EQUAL_SEES(a, b, n->has_gw6 = false, n->has_gw6 = true);
	ASSERT_EQUAL_SEES(a, b, b->net.nets[1].cni[0] = 'M', b->net.nets[1].cni[0] = 'm');
	ASSERT_EQUAL_SEES(a, b, b->net.n_nets = 1, b->net.n_nets = 2);
	ASSERT_EQUAL_SEES(a, b, r->metric = 6, r->metric = 5);
	ASSERT_EQUAL_SEES(a, b, r->table = 101, r->table = 100);
	ASSERT_EQUAL_SEES(a, b, r->dev[0] = 'x', r->dev[0] = 'e');
	ASSERT_EQUAL_SEES(a, b, r->via.in.s_addr ^= 1, r->via.in.s_addr ^= 1);
	ASSERT_EQUAL_SEES(a, b, r->dst.prefixlen = 17, r->dst.prefixlen = 16);
	ASSERT_EQUAL_SEES(a, b, b->net.dns.nameservers[0].in.s_addr ^= 1,
			  b->net.dns.nameservers[0].in.s_addr ^= 1);
	ASSERT_EQUAL_SEES(a, b, b->net.dns.search[0][0] = 'E', b->net.dns.search[0][0] = 'e');
	ASSERT_EQUAL_SEES(a, b, b->net.dns.options[0][0] = 'm', b->net.dns.options[0][0] = 'n');
	ASSERT_EQUAL_SEES(a, b, b->net.dns.set = false, b->net.dns.set = true);
}
END_TEST

/* Written back in index order, whatever the file's order, and read back the same. */
START_TEST(test_round_trip)
{
	_cleanup_config_ struct config *c =
	    parse_ok("route2: dst=default,dev=eth1\nnet3: name=eth3,bridge=vmbr0\n"
		     "dns: options=rotate\nnet1: name=eth1,bridge=vmbr0,ip=10.0.0.2/24\n"
		     "route0: dst=10.1.0.0/16,dev=eth3\n");
	_cleanup_free_ char *text = NULL;

	ck_assert_int_eq(config_format(c, &text), 0);
	ck_assert_str_eq(text, "net1: name=eth1,bridge=vmbr0,ip=10.0.0.2/24\n"
			       "net3: name=eth3,bridge=vmbr0\n"
			       "route0: dst=10.1.0.0/16,dev=eth3\n"
			       "route2: dst=default,dev=eth1\n"
			       "dns: options=rotate\n");
	assert_round_trip("net0: name=eth0,bridge=vmbr0,ip=2001:DB8:0:0::5/64;10.0.0.5/8,"
			  "gw6=FE80::1,mtu=1500,tag=4094\n"
			  "route9: dst=default6,via=fe80::1,dev=eth0,metric=7,table=main\n"
			  "route8: dst=0.0.0.0/0,dev=eth0,table=254\n"
			  "dns: nameserver=10.0.0.1;2001:db8::53,search=a;b\n");
	assert_round_trip("net0: name=eth0,cni=my-net\n");
}
END_TEST

/* A value that the grammar cannot hold is refused, not written. */
START_TEST(test_format_refuses)
{
	_cleanup_config_ struct config *c =
	    parse_ok("net0: name=eth0,bridge=vmbr0\nroute0: dst=default,dev=eth0\n"
		     "dns: search=example.org\n");
	char *text = NULL;

	strcpy(c->net.nets[0].bridge, "vm,br0");
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	strcpy(c->net.nets[0].bridge, "vmbr0");
	strcpy(c->net.routes[0].dev, "eth0\nport0:");
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	strcpy(c->net.routes[0].dev, "eth0");
	c->net.dns.search[0][0] = ';';
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	ck_assert_ptr_null(text);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)ELEMENTSOF(bad_inputs));
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_format_refuses);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(net_suite)
