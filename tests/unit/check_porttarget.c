/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>

#include "testutil.h"

#include "lib/config/config.h"
#include "lib/basic/ip.h"
#include "lib/port/porttarget.h"

static void assert_address(const struct ip_address *a, const char *want)
{
	char text[INET6_ADDRSTRLEN];

	ck_assert_int_eq(ip_address_to_string(a, text, sizeof(text)), 0);
	ck_assert_str_eq(text, want);
}

static void assert_prefix(const struct ip_prefix *p, const char *want)
{
	char text[IP_PREFIX_STRLEN];

	ck_assert_int_eq(ip_prefix_to_string(p, text, sizeof(text)), 0);
	ck_assert_str_eq(text, want);
}

START_TEST(test_refusal)
{
	static const struct {
		const char *address, *why;
	} cases[] = {
		{ "127.0.0.1", "a loopback address" },
		{ "127.5.5.5", "a loopback address" },
		{ "169.254.1.1", "a link-local address" },
		{ "0.0.0.0", "the unspecified address" },
		{ "0.1.2.3", "a reserved address (0.0.0.0/8)" },
		{ "224.0.0.1", "a multicast address" },
		{ "239.255.255.250", "a multicast address" },
		{ "255.255.255.255", "the broadcast address" },
		{ "240.0.0.1", "a reserved address (240.0.0.0/4)" },
		{ "::", "the unspecified address" },
		{ "::1", "a loopback address" },
		{ "ff02::1", "a multicast address" },
		{ "fe80::1", "a link-local address" },
		{ "::ffff:127.0.0.1", "an IPv4-mapped address" },
		{ "::127.0.0.1", "an IPv4-mapped address" },
		{ "10.0.0.5", NULL },
		{ "192.0.2.1", NULL },
		{ "100.64.0.1", NULL },
		{ "2001:db8::1", NULL },
		{ "fd00::5", NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct ip_address a = test_address(cases[i].address);
		const char *why = porttarget_refusal(&a);

		if (cases[i].why)
			ck_assert_msg(why && strcmp(why, cases[i].why) == 0, "%s: '%s'",
				      cases[i].address, why ? why : "(accepted)");
		else
			ck_assert_msg(!why, "%s refused: %s", cases[i].address, why);
	}
}
END_TEST

START_TEST(test_from_config)
{
	static const char text[] = "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/24;fd00::5/64\n"
				   "net2: name=eth2,cni=mynet\n";
	struct porttarget_source s;
	struct lxcri_error err = { 0 };
	struct config *c = NULL;

	ck_assert_msg(config_parse("web.conf", text, strlen(text), &c, &err) == 0, "%s",
		      err.message);
	porttarget_from_config(c, "/etc/lxcri/containers/web.conf", "eth1", &s);
	ck_assert(s.found);
	ck_assert_str_eq(s.what, "net1 of '/etc/lxcri/containers/web.conf'");
	ck_assert_int_eq(s.v4.kind, PORTTARGET_STATIC);
	assert_prefix(&s.v4.addr, "10.0.0.5/24");
	ck_assert_int_eq(s.v6.kind, PORTTARGET_STATIC);
	assert_prefix(&s.v6.addr, "fd00::5/64");
	porttarget_from_config(c, "web.conf", "eth2", &s);
	ck_assert(s.found);
	ck_assert_int_eq(s.v4.kind, PORTTARGET_NONE);
	ck_assert_int_eq(s.v6.kind, PORTTARGET_NONE);
	porttarget_from_config(c, "web.conf", "eth0", &s);
	ck_assert(!s.found);
	porttarget_from_config(NULL, "web.conf", "eth1", &s);
	ck_assert(!s.found);
	config_free(c);
}
END_TEST

START_TEST(test_from_pve)
{
	static const char text[] = "arch: amd64\n"
				   "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5A:00:01,"
				   "ip=10.0.0.7/24,gw=10.0.0.1,ip6=auto,type=veth\n"
				   "net1: bridge=vmbr1,name=eth1,ip=dhcp,type=veth\n"
				   "net3: name=eth3,ip=manual,ip6=fd00::3/64\n"
				   "net4: name=eth4,ip=10.0.0.300/24\n"
				   "\n[snap1]\n"
				   "net2: name=eth2,bridge=vmbr0,ip=10.0.0.9/24\n";
	struct porttarget_source s;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(
	    porttarget_from_pve("/etc/pve/lxc/105.conf", text, strlen(text), "eth0", &s, &err), 0);
	ck_assert(s.found);
	ck_assert_str_eq(s.what, "net0 of '/etc/pve/lxc/105.conf'");
	ck_assert_int_eq(s.v4.kind, PORTTARGET_STATIC);
	assert_prefix(&s.v4.addr, "10.0.0.7/24");
	ck_assert_int_eq(s.v6.kind, PORTTARGET_DYNAMIC);
	ck_assert_str_eq(s.v6.value, "auto");

	ck_assert_int_eq(porttarget_from_pve("105.conf", text, strlen(text), "eth1", &s, &err), 0);
	ck_assert_int_eq(s.v4.kind, PORTTARGET_DYNAMIC);
	ck_assert_str_eq(s.v4.value, "dhcp");
	ck_assert_int_eq(s.v6.kind, PORTTARGET_NONE);

	ck_assert_int_eq(porttarget_from_pve("105.conf", text, strlen(text), "eth3", &s, &err), 0);
	ck_assert_int_eq(s.v4.kind, PORTTARGET_NONE);
	ck_assert_int_eq(s.v6.kind, PORTTARGET_STATIC);

	/* A snapshot's nets are not the running config's. */
	ck_assert_int_eq(porttarget_from_pve("105.conf", text, strlen(text), "eth2", &s, &err), 0);
	ck_assert(!s.found);

	ck_assert_int_eq(porttarget_from_pve("105.conf", text, strlen(text), "eth4", &s, &err),
			 -EINVAL);
	ck_assert_str_eq(err.message,
			 "105.conf:5: ip= of the net is not an IPv4 address: '10.0.0.300/24'");
}
END_TEST

START_TEST(test_from_lxc)
{
	_cleanup_free_ char *dir = test_tmpdir();
	char path[PATH_MAX], inc[PATH_MAX], text[1024];
	struct porttarget_source s;
	struct lxcri_error err = { 0 };

	snprintf(inc, sizeof(inc), "%s/conf.d", dir);
	ck_assert_int_eq(mkdir(inc, 0755), 0);
	snprintf(path, sizeof(path), "%s/conf.d/10-net.conf", dir);
	test_write_file(path, "lxc.net.1.type = veth\n"
			      "lxc.net.1.name = eth1\n"
			      "lxc.net.1.ipv4.address = 10.1.0.7\n"
			      "lxc.net.1.ipv6.address = fd00::7/64\n");
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(text, sizeof(text),
		 "lxc.net.0.type = veth\n"
		 "lxc.net.0.name = eth0\n"
		 "lxc.net.0.ipv4.address = 10.0.0.7/24 10.0.0.255\n"
		 "lxc.net.0.ipv4.address = 10.0.0.8/24\n"
		 "lxc.include = %s\n"
		 "lxc.net.2.name = eth2\n"
		 "lxc.net.2.ipv4.address = foo\n",
		 inc);
	test_write_file(path, text);

	ck_assert_int_eq(porttarget_from_lxc(path, "eth0", &s, &err), 0);
	ck_assert(s.found);
	ck_assert_ptr_nonnull(strstr(s.what, "lxc.net.0 of '"));
	assert_prefix(&s.v4.addr, "10.0.0.7/24");
	ck_assert_int_eq(s.v6.kind, PORTTARGET_NONE);
	ck_assert_int_eq(porttarget_from_lxc(path, "eth1", &s, &err), 0);
	ck_assert(s.found);
	assert_prefix(&s.v4.addr, "10.1.0.7/32");
	assert_prefix(&s.v6.addr, "fd00::7/64");
	ck_assert_int_eq(porttarget_from_lxc(path, "eth9", &s, &err), 0);
	ck_assert(!s.found);
	ck_assert_int_eq(porttarget_from_lxc(path, "eth2", &s, &err), -EINVAL);
	ck_assert_ptr_nonnull(
	    strstr(err.message, "lxc.net.2.ipv4.address is not an address: 'foo'"));

	snprintf(path, sizeof(path), "%s/missing", dir);
	ck_assert_int_eq(porttarget_from_lxc(path, "eth0", &s, &err), 0);
	ck_assert(!s.found);
	test_rm_rf(dir);
}
END_TEST

/* A choice with the usual host: br0 10.0.0.1/24 on the link, 127.0.0.1 and 192.0.2.1 elsewhere. */
struct choice_case {
	struct porttarget_source sources[3];
	struct ip_prefix container[4], link[2];
	struct ip_address host[3];
	struct porttarget_input in;
};

static void choice_case_init(struct choice_case *c, int family)
{
	memset(c, 0, sizeof(*c));
	c->link[0] = test_prefix("10.0.0.1/24");
	c->link[1] = test_prefix("fd00::1/64");
	c->host[0] = test_address("127.0.0.1");
	c->host[1] = test_address("10.0.0.1");
	c->host[2] = test_address("192.0.2.1");
	c->in = (struct porttarget_input){
		.port = 3,
		.family = family,
		.ifname = "eth1",
		.sources = c->sources,
		.n_sources = 3,
		.container = c->container,
		.link = "br0",
		.link_prefixes = c->link,
		.n_link_prefixes = 2,
		.host = c->host,
		.n_host = 3,
	};
}

static void set_static(struct porttarget_source *s, const char *what, const char *p)
{
	struct ip_prefix x = test_prefix(p);
	struct porttarget_family *f = x.addr.family == AF_INET ? &s->v4 : &s->v6;

	s->found = true;
	snprintf(s->what, sizeof(s->what), "%s", what);
	f->kind = PORTTARGET_STATIC;
	f->addr = x;
}

static int choose(struct choice_case *c, struct porttarget_choice *ret, struct lxcri_error *err)
{
	return porttarget_choose(&c->in, ret, err);
}

START_TEST(test_choose_config_first)
{
	struct choice_case c;
	struct porttarget_choice ch;
	struct lxcri_error err = { 0 };

	choice_case_init(&c, AF_INET);
	/* The container has put 127.0.0.1 on eth1: the config's address wins. */
	c.container[0] = test_prefix("127.0.0.1/32");
	c.in.n_container = 1;
	c.sources[0].found = true; /* ours names the interface, without an address */
	set_static(&c.sources[1], "net0 of '105.conf'", "10.0.0.7/24");
	set_static(&c.sources[2], "lxc.net.0 of 'config'", "10.0.0.8/24");
	ck_assert_int_eq(choose(&c, &ch, &err), 1);
	assert_address(&ch.addr, "10.0.0.7");
	assert_prefix(&ch.subnet, "10.0.0.0/24");
	ck_assert_str_eq(ch.source, "net0 of '105.conf'");

	/* IPv6 of the same sources: none configured, the container's is checked. */
	choice_case_init(&c, AF_INET6);
	c.container[0] = test_prefix("fd00::5/64");
	c.in.n_container = 1;
	set_static(&c.sources[1], "net0 of '105.conf'", "10.0.0.7/24");
	ck_assert_int_eq(choose(&c, &ch, &err), 1);
	assert_address(&ch.addr, "fd00::5");
	ck_assert_str_eq(ch.source, "the container");
}
END_TEST

START_TEST(test_choose_config_refused)
{
	static const struct {
		const char *configured, *why;
	} cases[] = {
		{ "127.0.0.1/8", "a loopback address" },
		{ "10.0.0.1/24", "an address of the host" },
		{ "192.0.2.1/24", "an address of the host" },
		{ "10.0.0.255/24", "the broadcast address of its subnet" },
		{ "10.0.0.0/24", "the network address of its subnet" },
		{ "169.254.3.3/16", "a link-local address" },
	};
	struct choice_case c;
	struct porttarget_choice ch;
	struct lxcri_error err = { 0 };
	char want[512];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		choice_case_init(&c, AF_INET);
		set_static(&c.sources[0], "net1 of 'web.conf'", cases[i].configured);
		ck_assert_int_eq(choose(&c, &ch, &err), -EINVAL);
		snprintf(
		    want, sizeof(want),
		    "port3: the address '%.*s' that net1 of 'web.conf' gives 'eth1' cannot be a "
		    "forward's target: it is %s",
		    (int)strcspn(cases[i].configured, "/"), cases[i].configured, cases[i].why);
		ck_assert_str_eq(err.message, want);
	}
	/* A /31 and a /32 have no network or broadcast address. */
	choice_case_init(&c, AF_INET);
	set_static(&c.sources[0], "net1 of 'web.conf'", "10.0.0.6/31");
	ck_assert_int_eq(choose(&c, &ch, &err), 1);
}
END_TEST

/* A source that leaves the address to DHCP: the one the container gets, checked. */
static void set_dynamic(struct porttarget_source *s, const char *what)
{
	s->found = true;
	snprintf(s->what, sizeof(s->what), "%s", what);
	s->v4.kind = PORTTARGET_DYNAMIC;
	snprintf(s->v4.value, sizeof(s->v4.value), "dhcp");
}

START_TEST(test_choose_dynamic)
{
	struct choice_case c;
	struct porttarget_choice ch;
	struct lxcri_error err = { 0 };

	/* Not there yet: -EADDRNOTAVAIL, to wait for (a lower source is not asked). */
	choice_case_init(&c, AF_INET);
	set_dynamic(&c.sources[1], "net0 of '105.conf'");
	set_static(&c.sources[2], "lxc.net.0 of 'config'", "10.0.0.8/24");
	ck_assert_int_eq(choose(&c, &ch, &err), -EADDRNOTAVAIL);
	ck_assert_str_eq(err.message, "port3: 'eth1' has no IPv4 address yet (net0 of '105.conf' "
				      "gives it by ip=dhcp)");

	/* There, inside the link's subnet: the target. */
	choice_case_init(&c, AF_INET);
	set_dynamic(&c.sources[1], "net0 of '105.conf'");
	c.container[0] = test_prefix("10.0.0.5/24");
	c.in.n_container = 1;
	ck_assert_int_eq(choose(&c, &ch, &err), 1);
	assert_address(&ch.addr, "10.0.0.5");
	assert_prefix(&ch.subnet, "10.0.0.0/24");
	ck_assert_str_eq(ch.source, "the container (dynamic)");

	/* Refused as any address the container chose: -EPERM, naming it and the source. */
	choice_case_init(&c, AF_INET);
	set_dynamic(&c.sources[1], "net0 of '105.conf'");
	c.container[0] = test_prefix("127.0.0.1/32");
	c.in.n_container = 1;
	ck_assert_int_eq(choose(&c, &ch, &err), -EPERM);
	ck_assert_str_eq(
	    err.message,
	    "port3: the address '127.0.0.1' that the container has on 'eth1' cannot be "
	    "a forward's target: it is a loopback address (net0 of '105.conf' gives it "
	    "by ip=dhcp)");
	choice_case_init(&c, AF_INET);
	set_dynamic(&c.sources[1], "net0 of '105.conf'");
	c.container[0] = test_prefix("10.9.0.5/24");
	c.in.n_container = 1;
	ck_assert_int_eq(choose(&c, &ch, &err), -EPERM);
	ck_assert_ptr_nonnull(strstr(err.message, "'10.9.0.5'"));
	ck_assert_ptr_nonnull(strstr(err.message, "not inside a subnet of 'br0'"));

	/* A static address of a source before it still wins. */
	choice_case_init(&c, AF_INET);
	set_static(&c.sources[0], "net1 of 'web.conf'", "10.0.0.7/24");
	set_dynamic(&c.sources[1], "net0 of '105.conf'");
	c.container[0] = test_prefix("10.0.0.5/24");
	c.in.n_container = 1;
	ck_assert_int_eq(choose(&c, &ch, &err), 1);
	assert_address(&ch.addr, "10.0.0.7");
}
END_TEST

START_TEST(test_choose_container)
{
	static const struct {
		const char *has, *why;
	} refused[] = {
		{ "127.0.0.1/32", "a loopback address" },
		{ "10.0.0.1/32", "an address of the host" },
		{ "192.0.2.1/32", "an address of the host" },
		{ "10.0.0.255/32", "the broadcast address of its subnet" },
		{ "10.9.0.5/24", "not inside a subnet of 'br0', the host side of its link "
				 "(10.0.0.1/24, fd00::1/64)" },
		{ "224.1.1.1/32", "a multicast address" },
	};
	struct choice_case c;
	struct porttarget_choice ch;
	struct lxcri_error err = { 0 };
	char want[512];

	for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
		choice_case_init(&c, AF_INET);
		c.container[0] = test_prefix(refused[i].has);
		c.in.n_container = 1;
		ck_assert_int_eq(choose(&c, &ch, &err), -EPERM);
		snprintf(want, sizeof(want),
			 "port3: the address '%.*s' that the container has on 'eth1' cannot be a "
			 "forward's target: it is %s; no config gives 'eth1' an IPv4 address",
			 (int)strcspn(refused[i].has, "/"), refused[i].has, refused[i].why);
		ck_assert_str_eq(err.message, want);
	}

	/* The first acceptable one; its subnet is the link's, not what the container says. */
	choice_case_init(&c, AF_INET);
	c.container[0] = test_prefix("127.0.0.1/32");
	c.container[1] = test_prefix("10.0.0.5/0");
	c.in.n_container = 2;
	ck_assert_int_eq(choose(&c, &ch, &err), 1);
	assert_address(&ch.addr, "10.0.0.5");
	assert_prefix(&ch.subnet, "10.0.0.0/24");
	ck_assert_str_eq(ch.source, "the container");

	/* No veth, no host side: nothing to check the container's address against. */
	choice_case_init(&c, AF_INET);
	c.container[0] = test_prefix("10.0.0.5/24");
	c.in.n_container = 1;
	c.in.link = "";
	c.in.n_link_prefixes = 0;
	ck_assert_int_eq(choose(&c, &ch, &err), -EPERM);
	ck_assert_ptr_nonnull(strstr(err.message, "no host side"));

	/* Nothing at all: 0, the caller decides. */
	choice_case_init(&c, AF_INET);
	ck_assert_int_eq(choose(&c, &ch, &err), 0);
}
END_TEST

static Suite *porttarget_suite(void)
{
	Suite *s = suite_create("porttarget");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_refusal);
	tcase_add_test(tc, test_from_config);
	tcase_add_test(tc, test_from_pve);
	tcase_add_test(tc, test_from_lxc);
	tcase_add_test(tc, test_choose_config_first);
	tcase_add_test(tc, test_choose_config_refused);
	tcase_add_test(tc, test_choose_dynamic);
	tcase_add_test(tc, test_choose_container);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(porttarget_suite)
