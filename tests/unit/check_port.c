/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The port<N> keys of the per-container config (lib/config/port.c). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "configtest.h"
#include "testutil.h"

static const struct bad_input bad_inputs[] = {
	/* port<N> */
	{ "port0: proto=tcp,host=0,ct=80", 1, "Invalid value '0' for 'host' in 'port0'" },
	{ "port0: proto=tcp,host=65536,ct=80", 1, "Invalid value '65536' for 'host'" },
	{ "port0: proto=tcp,host=8080,ct=0", 1, "Invalid value '0' for 'ct'" },
	{ "port0: proto=tcp,host=10-5,ct=80", 1, "Invalid value '10-5' for 'host'" },
	{ "port0: proto=tcp,host=8000-8010,ct=80-85", 1,
	  "Invalid value '80-85' for 'ct' in 'port0': a range of container ports must be as long" },
	{ "port0: proto=tcp,host=8000,ct=80-81", 1, "Invalid value '80-81' for 'ct'" },
	{ "port0: proto=sctp,host=80,ct=80", 1,
	  "Invalid value 'sctp' for 'proto' in 'port0': expected 'tcp' or 'udp'" },
	{ "port0: proto=TCP,host=80,ct=80", 1, "Invalid value 'TCP' for 'proto'" },
	{ "port0: host=80,ct=80", 1, "Missing property 'proto' in 'port0'" },
	{ "port0: proto=tcp,ct=80", 1, "Missing property 'host' in 'port0'" },
	{ "port0: proto=tcp,host=80", 1, "Missing property 'ct' in 'port0'" },
	{ "port0: proto=tcp,host=8000-8100,ct=8000-8100\n#\nport9: proto=tcp,host=8080,ct=80", 3,
	  "Host port 'tcp 8080' of 'port9' overlaps 'tcp 8000-8100' of 'port0' on line 1" },
	{ "port0: proto=udp,host=53,ct=53,hostip=192.0.2.1\nport1: proto=udp,host=50-60,ct=53", 2,
	  "Host port 'udp 50-60' of 'port1' overlaps 'udp 53' of 'port0' on line 1" },
	{ "port0: proto=tcp,host=80,ct=80,hostip=2001:db8::1\n"
	  "port1: proto=tcp,host=80,ct=8080,hostip=2001:db8:0::1",
	  2, "'tcp 80' of 'port1' overlaps 'tcp 80' of 'port0' on line 1" },
	{ "port0: proto=tcp,host=80,ct=80,hostip=192.0.2.300", 1,
	  "Invalid value '192.0.2.300' for 'hostip'" },
	{ "port0: proto=tcp,host=80,ct=80,hostip=0.0.0.0", 1,
	  "Invalid value '0.0.0.0' for 'hostip'" },
	{ "port0: proto=tcp,host=80,ct=80,net=eth1/", 1, "Invalid value 'eth1/' for 'net'" },
};

BAD_INPUT_TEST(bad_inputs)

/* Every field of a forward is compared. */
START_TEST(test_equal)
{
	static const char text[] = "port0: proto=tcp,host=8080,ct=80\n"
				   "port1: proto=udp,host=5000-5009,ct=6000-6009,hostip=192.0.2.10,"
				   "net=eth1\n";
	_cleanup_config_ struct config *a = parse_ok(text), *b = parse_ok(text);
	struct config_port *p = &b->port.ports[1];

	ASSERT_EQUAL_SEES(a, b, p->proto = IPPROTO_TCP, p->proto = IPPROTO_UDP);
	ASSERT_EQUAL_SEES(a, b, p->host_first = 5001, p->host_first = 5000);
	ASSERT_EQUAL_SEES(a, b, p->host_last = 5008, p->host_last = 5009);
	ASSERT_EQUAL_SEES(a, b, p->ct_first = 6001, p->ct_first = 6000);
	ASSERT_EQUAL_SEES(a, b, p->ct_last = 6008, p->ct_last = 6009);
	ASSERT_EQUAL_SEES(a, b, p->hostip.in.s_addr ^= 1, p->hostip.in.s_addr ^= 1);
	ASSERT_EQUAL_SEES(a, b, p->net[3] = '2', p->net[3] = '1');
	ASSERT_EQUAL_SEES(a, b, p->index = 2, p->index = 1);
	ASSERT_EQUAL_SEES(a, b, b->port.n_ports = 1, b->port.n_ports = 2);
}
END_TEST

START_TEST(test_round_trip)
{
	_cleanup_config_ struct config *c =
	    parse_ok("port7: proto=udp,host=53,ct=53\nport2: proto=tcp,ct=80,host=8080\n");
	_cleanup_free_ char *text = NULL;

	ck_assert_uint_eq(c->port.ports[0].index, 2);
	ck_assert_int_eq(config_format(c, &text), 0);
	ck_assert_str_eq(text,
			 "port2: proto=tcp,host=8080,ct=80\nport7: proto=udp,host=53,ct=53\n");
	assert_round_trip("port3: proto=udp,host=1-65535,ct=1\n"
			  "port0: proto=tcp,host=80,ct=8080,hostip=2001:db8::1,net=eth0\n");
}
END_TEST

START_TEST(test_format_refuses)
{
	_cleanup_config_ struct config *c = parse_ok("port0: proto=tcp,host=8080,ct=80,net=eth1\n");
	char *text = NULL;

	strcpy(c->port.ports[0].net, "eth1,x=1");
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	ck_assert_ptr_null(text);
}
END_TEST

static Suite *port_suite(void)
{
	Suite *s = suite_create("port");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)ELEMENTSOF(bad_inputs));
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_format_refuses);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(port_suite)
