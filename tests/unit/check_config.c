/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <syslog.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/ip.h"
#include "lib/config/config.h"
#include "lib/basic/paths.h"
#include "configtest.h"
#include "testutil.h"

/* The example of DESIGN.md. */
static const char design_example[] =
    "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/24,gw=10.0.0.1,mtu=1450,hwaddr=BC:24:11:00:00:01\n"
    "net2: name=eth2,cni=mynet\n"
    "route0: dst=10.10.0.0/16,via=10.0.0.254,dev=eth1\n"
    "dns: nameserver=10.0.0.1;1.1.1.1,search=example.org,options=ndots:2\n"
    "port0: proto=tcp,host=8080,ct=80\n"
    "port1: proto=udp,host=5353,ct=53,hostip=192.0.2.10,net=eth1\n"
    "seccomp: /etc/lxcri/seccomp/docker-default.json\n"
    "apparmor: profile=lxcri-default\n"
    "selinux: system_u:system_r:container_t:s0:c10,c20\n"
    "hooks: dir=/etc/lxcri/hooks.d,bundle=/var/lib/lxcri/bundles/105\n"
    "hook-user: root\n"
    "annotation0: com.example.gpu=all\n";

static void assert_addr(const struct ip_address *a, const char *expected)
{
	char buf[INET6_ADDRSTRLEN];

	ck_assert_ptr_nonnull(inet_ntop(
	    a->family, a->family == AF_INET ? (const void *)&a->in : (const void *)&a->in6, buf,
	    sizeof(buf)));
	ck_assert_str_eq(buf, expected);
}

START_TEST(test_design_example)
{
	_cleanup_config_ struct config *c = parse_ok(design_example);
	const struct config_net *n;
	const struct config_route *r;
	const struct config_port *p;

	ck_assert_str_eq(c->path, "t.conf");
	ck_assert_uint_eq(c->net.n_nets, 2);
	n = &c->net.nets[0];
	ck_assert_uint_eq(n->index, 1);
	ck_assert_uint_eq(n->line, 1);
	ck_assert_str_eq(n->name, "eth1");
	ck_assert_str_eq(n->bridge, "vmbr1");
	ck_assert_ptr_null(n->cni);
	ck_assert_uint_eq(n->n_addresses, 1);
	ck_assert_int_eq(n->addresses[0].addr.family, AF_INET);
	assert_addr(&n->addresses[0].addr, "10.0.0.5");
	ck_assert_uint_eq(n->addresses[0].prefixlen, 24);
	ck_assert(n->has_gw);
	assert_addr(&n->gw, "10.0.0.1");
	ck_assert(!n->has_gw6);
	ck_assert_uint_eq(n->mtu, 1450);
	ck_assert(n->has_hwaddr);
	ck_assert_mem_eq(n->hwaddr, "\xbc\x24\x11\x00\x00\x01", 6);
	ck_assert_uint_eq(n->tag, 0);
	n = &c->net.nets[1];
	ck_assert_uint_eq(n->index, 2);
	ck_assert_uint_eq(n->line, 2);
	ck_assert_str_eq(n->name, "eth2");
	ck_assert_str_eq(n->bridge, "");
	ck_assert_str_eq(n->cni, "mynet");
	ck_assert_uint_eq(n->n_addresses, 0);
	ck_assert(!n->has_gw && !n->has_hwaddr);
	ck_assert_uint_eq(n->mtu, 0);

	ck_assert_uint_eq(c->net.n_routes, 1);
	r = &c->net.routes[0];
	ck_assert_uint_eq(r->index, 0);
	ck_assert_uint_eq(r->line, 3);
	ck_assert(!r->is_default);
	assert_addr(&r->dst.addr, "10.10.0.0");
	ck_assert_uint_eq(r->dst.prefixlen, 16);
	ck_assert(r->has_via);
	assert_addr(&r->via, "10.0.0.254");
	ck_assert_str_eq(r->dev, "eth1");
	ck_assert(!r->has_metric);
	ck_assert_uint_eq(r->table, 0);

	ck_assert(c->net.dns.set);
	ck_assert_uint_eq(c->net.dns.line, 4);
	ck_assert_uint_eq(c->net.dns.n_nameservers, 2);
	assert_addr(&c->net.dns.nameservers[0], "10.0.0.1");
	assert_addr(&c->net.dns.nameservers[1], "1.1.1.1");
	ck_assert_str_eq(c->net.dns.search[0], "example.org");
	ck_assert_ptr_null(c->net.dns.search[1]);
	ck_assert_str_eq(c->net.dns.options[0], "ndots:2");
	ck_assert_ptr_null(c->net.dns.options[1]);

	ck_assert_uint_eq(c->port.n_ports, 2);
	p = &c->port.ports[0];
	ck_assert_uint_eq(p->index, 0);
	ck_assert_uint_eq(p->line, 5);
	ck_assert_int_eq(p->proto, IPPROTO_TCP);
	ck_assert_uint_eq(p->host_first, 8080);
	ck_assert_uint_eq(p->host_last, 8080);
	ck_assert_uint_eq(p->ct_first, 80);
	ck_assert_uint_eq(p->ct_last, 80);
	ck_assert(!p->has_hostip);
	ck_assert_str_eq(p->net, "");
	p = &c->port.ports[1];
	ck_assert_uint_eq(p->index, 1);
	ck_assert_int_eq(p->proto, IPPROTO_UDP);
	ck_assert_uint_eq(p->host_first, 5353);
	ck_assert_uint_eq(p->ct_last, 53);
	ck_assert(p->has_hostip);
	assert_addr(&p->hostip, "192.0.2.10");
	ck_assert_str_eq(p->net, "eth1");

	ck_assert_str_eq(c->lsm.seccomp, "/etc/lxcri/seccomp/docker-default.json");
	ck_assert_uint_eq(c->lsm.seccomp_line, 7);
	ck_assert_str_eq(c->lsm.apparmor_profile, "lxcri-default");
	ck_assert_uint_eq(c->lsm.apparmor_line, 8);
	ck_assert_str_eq(c->lsm.selinux, "system_u:system_r:container_t:s0:c10,c20");
	ck_assert_uint_eq(c->lsm.selinux_line, 9);
	ck_assert_str_eq(c->hooks.dirs[0], "/etc/lxcri/hooks.d");
	ck_assert_ptr_null(c->hooks.dirs[1]);
	ck_assert_str_eq(c->hooks.bundle, "/var/lib/lxcri/bundles/105");
	ck_assert_uint_eq(c->hooks.line, 10);
	ck_assert_str_eq(c->hooks.user, "root");
	ck_assert_uint_eq(c->hooks.user_line, 11);
	ck_assert_uint_eq(c->hooks.n_annotations, 1);
	ck_assert_uint_eq(c->hooks.annotations[0].index, 0);
	ck_assert_uint_eq(c->hooks.annotations[0].line, 12);
	ck_assert_str_eq(c->hooks.annotations[0].key, "com.example.gpu");
	ck_assert_str_eq(c->hooks.annotations[0].value, "all");

	ck_assert_uint_eq(c->n_entries, 12);
	ck_assert_str_eq(c->entries[0].key, "net1");
	ck_assert_uint_eq(c->entries[0].line, 1);
	ck_assert_str_eq(c->entries[3].key, "dns");
	ck_assert_str_eq(c->entries[10].key, "hook-user");
	ck_assert_str_eq(c->entries[11].key, "annotation0");
	ck_assert_uint_eq(c->entries[11].line, 12);
}
END_TEST

START_TEST(test_every_property)
{
	static const char text[] =
	    "# every key, every property\n"
	    "net0: tag=100,hwaddr=bc:24:11:aa:bb:0c,mtu=9000,gw6=fe80::1,gw=192.0.2.1,"
	    "ip=192.0.2.5/24;2001:db8::5/64;10.1.0.1/32,bridge=vmbr0,name=eth0\n"
	    "net31: name=cni.0,cni=my-net_1.x,mtu=1280\n"
	    "route255: dst=default6,via=fe80::1,dev=eth0,metric=4294967295,table=main\n"
	    "route1: dst=default,dev=eth0,metric=0,table=4294967295\n"
	    "route2: dst=2001:db8:1::/48,via=2001:db8::1\n"
	    "dns: options=rotate;timeout:1;single-request-reopen,"
	    "search=a.example;b-2.example.org;c;d;e;f,nameserver=2001:4860:4860::8888\n"
	    "port1023: proto=tcp,host=8000-8010,ct=9000-9010,hostip=2001:db8::10\n"
	    "port7: net=eth0,ct=443,host=10443-10444,proto=udp\n"
	    "seccomp: /usr/share/lxcri/seccomp/strict profile.json\n"
	    "apparmor: profile=unconfined\n"
	    "selinux: system_u:system_r:container_t:s0-s0:c0.c1023\n"
	    "hooks: bundle=/srv/bundle,dir=/etc/a;/etc/b\n"
	    "hook-user: 4294967294\n"
	    "annotation255: io.example/info=a, b=c; spaces  inside\n"
	    "annotation7: empty.value=\n";
	_cleanup_config_ struct config *c = parse_ok(text);
	const struct config_net *n;
	const struct config_route *r;

	ck_assert_uint_eq(c->net.n_nets, 2);
	n = &c->net.nets[0];
	ck_assert_uint_eq(n->index, 0);
	ck_assert_str_eq(n->name, "eth0");
	ck_assert_str_eq(n->bridge, "vmbr0");
	ck_assert_uint_eq(n->n_addresses, 3);
	assert_addr(&n->addresses[0].addr, "192.0.2.5");
	ck_assert_uint_eq(n->addresses[0].prefixlen, 24);
	ck_assert_int_eq(n->addresses[1].addr.family, AF_INET6);
	assert_addr(&n->addresses[1].addr, "2001:db8::5");
	ck_assert_uint_eq(n->addresses[1].prefixlen, 64);
	assert_addr(&n->addresses[2].addr, "10.1.0.1");
	ck_assert_uint_eq(n->addresses[2].prefixlen, 32);
	ck_assert(n->has_gw && n->has_gw6);
	assert_addr(&n->gw, "192.0.2.1");
	assert_addr(&n->gw6, "fe80::1");
	ck_assert_uint_eq(n->mtu, 9000);
	ck_assert_mem_eq(n->hwaddr, "\xbc\x24\x11\xaa\xbb\x0c", 6);
	ck_assert_uint_eq(n->tag, 100);
	n = &c->net.nets[1];
	ck_assert_uint_eq(n->index, 31);
	ck_assert_str_eq(n->name, "cni.0");
	ck_assert_str_eq(n->cni, "my-net_1.x");
	ck_assert_uint_eq(n->mtu, 1280);

	ck_assert_uint_eq(c->net.n_routes, 3);
	r = &c->net.routes[0]; /* sorted by index */
	ck_assert_uint_eq(r->index, 1);
	ck_assert_uint_eq(r->line, 5);
	ck_assert(r->is_default);
	ck_assert_int_eq(r->dst.addr.family, AF_INET);
	ck_assert(!r->has_via);
	ck_assert_str_eq(r->dev, "eth0");
	ck_assert(r->has_metric);
	ck_assert_uint_eq(r->metric, 0);
	ck_assert_uint_eq(r->table, 4294967295u);
	r = &c->net.routes[1];
	ck_assert_uint_eq(r->index, 2);
	assert_addr(&r->dst.addr, "2001:db8:1::");
	ck_assert_uint_eq(r->dst.prefixlen, 48);
	assert_addr(&r->via, "2001:db8::1");
	ck_assert_str_eq(r->dev, "");
	ck_assert_uint_eq(r->table, 0);
	r = &c->net.routes[2];
	ck_assert_uint_eq(r->index, 255);
	ck_assert(r->is_default);
	ck_assert_int_eq(r->dst.addr.family, AF_INET6);
	ck_assert(r->has_via);
	assert_addr(&r->via, "fe80::1");
	ck_assert_uint_eq(r->metric, 4294967295u);
	ck_assert_uint_eq(r->table, 254);

	ck_assert_uint_eq(c->net.dns.n_nameservers, 1);
	assert_addr(&c->net.dns.nameservers[0], "2001:4860:4860::8888");
	ck_assert_str_eq(c->net.dns.search[0], "a.example");
	ck_assert_str_eq(c->net.dns.search[5], "f");
	ck_assert_ptr_null(c->net.dns.search[6]);
	ck_assert_str_eq(c->net.dns.options[0], "rotate");
	ck_assert_str_eq(c->net.dns.options[1], "timeout:1");
	ck_assert_str_eq(c->net.dns.options[2], "single-request-reopen");
	ck_assert_ptr_null(c->net.dns.options[3]);

	ck_assert_uint_eq(c->port.n_ports, 2);
	ck_assert_uint_eq(c->port.ports[0].index, 7);
	ck_assert_int_eq(c->port.ports[0].proto, IPPROTO_UDP);
	ck_assert_uint_eq(c->port.ports[0].host_first, 10443);
	ck_assert_uint_eq(c->port.ports[0].host_last, 10444);
	ck_assert_uint_eq(c->port.ports[0].ct_first, 443);
	ck_assert_uint_eq(c->port.ports[0].ct_last, 443);
	ck_assert_str_eq(c->port.ports[0].net, "eth0");
	ck_assert_uint_eq(c->port.ports[1].index, 1023);
	ck_assert_uint_eq(c->port.ports[1].host_first, 8000);
	ck_assert_uint_eq(c->port.ports[1].host_last, 8010);
	ck_assert_uint_eq(c->port.ports[1].ct_first, 9000);
	ck_assert_uint_eq(c->port.ports[1].ct_last, 9010);
	assert_addr(&c->port.ports[1].hostip, "2001:db8::10");

	ck_assert_str_eq(c->lsm.seccomp, "/usr/share/lxcri/seccomp/strict profile.json");
	ck_assert_str_eq(c->lsm.apparmor_profile, "unconfined");
	ck_assert_str_eq(c->lsm.selinux, "system_u:system_r:container_t:s0-s0:c0.c1023");
	ck_assert_str_eq(c->hooks.bundle, "/srv/bundle");
	ck_assert_str_eq(c->hooks.dirs[0], "/etc/a");
	ck_assert_str_eq(c->hooks.dirs[1], "/etc/b");
	ck_assert_ptr_null(c->hooks.dirs[2]);
	ck_assert_str_eq(c->hooks.user, "4294967294");
	ck_assert_uint_eq(c->hooks.n_annotations, 2);
	ck_assert_uint_eq(c->hooks.annotations[0].index, 7);
	ck_assert_str_eq(c->hooks.annotations[0].key, "empty.value");
	ck_assert_str_eq(c->hooks.annotations[0].value, "");
	ck_assert_uint_eq(c->hooks.annotations[1].index, 255);
	ck_assert_str_eq(c->hooks.annotations[1].key, "io.example/info");
	ck_assert_str_eq(c->hooks.annotations[1].value, "a, b=c; spaces  inside");

	/* entries keep the file's order */
	ck_assert_uint_eq(c->n_entries, 15);
	ck_assert_str_eq(c->entries[0].key, "net0");
	ck_assert_uint_eq(c->entries[0].line, 2);
	ck_assert_str_eq(c->entries[2].key, "route255");
	ck_assert_str_eq(c->entries[3].key, "route1");
	ck_assert_str_eq(c->entries[14].key, "annotation7");
	ck_assert_uint_eq(c->entries[14].line, 16);
}
END_TEST

START_TEST(test_line_grammar)
{
	/* CRLF, comments, blank lines, blanks around, no final newline. */
	static const char text[] = "\r\n"
				   "# a comment: net0: nothing\r\n"
				   "   \t# indented comment\n"
				   "\t\n"
				   "  hook-user:\tnobody \t\r\n"
				   "seccomp:/a b/c.json  \n"
				   "apparmor: profile=x\r";
	_cleanup_config_ struct config *c = parse_ok(text);
	_cleanup_config_ struct config *empty = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_str_eq(c->hooks.user, "nobody");
	ck_assert_uint_eq(c->hooks.user_line, 5);
	ck_assert_str_eq(c->lsm.seccomp, "/a b/c.json");
	ck_assert_uint_eq(c->lsm.seccomp_line, 6);
	ck_assert_str_eq(c->lsm.apparmor_profile, "x");
	ck_assert_uint_eq(c->n_entries, 3);

	ck_assert_int_eq(config_parse("e.conf", NULL, 0, &empty, &err), 0);
	ck_assert_uint_eq(empty->n_entries, 0);
	ck_assert_uint_eq(empty->net.n_nets, 0);
	ck_assert(!empty->net.dns.set);
	ck_assert_ptr_null(empty->lsm.seccomp);
	ck_assert_str_eq(empty->path, "e.conf");
}
END_TEST

/* The grammar and the keys; each area's values are in its own suite (check_net...). */
static const struct bad_input bad_inputs[] = {
	/* lines and keys */
	{ "net1 name=eth1,bridge=vmbr1", 1, "Missing ':' directly after key 'net1'" },
	{ "net1 : name=eth1,bridge=vmbr1", 1, "Missing ':' directly after key 'net1'" },
	{ "Net1: name=eth1,bridge=vmbr1", 1, "Invalid key 'Net1'" },
	{ "net_1: name=eth1,bridge=vmbr1", 1, "Invalid key 'net_1'" },
	{ ": name=eth1", 1, "Invalid line ': name=eth1'" },
	{ "# ok\nnet1:", 2, "Empty value for 'net1'" },
	{ "net1:  \t \r", 1, "Empty value for 'net1'" },
	{ "[snapshot1]\nnet1: name=eth1,bridge=vmbr1", 1, "'[snapshot1]'" },
	{ "\n\nnett1: name=eth1,bridge=vmbr1", 3, "Unknown key 'nett1'" },
	{ "net01: name=eth1,bridge=vmbr1", 1, "Invalid key 'net01'" },
	{ "net32: name=eth1,bridge=vmbr1", 1, "Invalid key 'net32': expected 'net0' to 'net31'" },
	{ "net: name=eth1,bridge=vmbr1", 1, "Invalid key 'net'" },
	{ "net99999999999999999999: name=eth1,bridge=vmbr1", 1, "'net99999999999999999999'" },
	{ "route256: dst=default,dev=eth0", 1, "Invalid key 'route256'" },
	{ "port1024: proto=tcp,host=1,ct=1", 1, "Invalid key 'port1024'" },
	{ "annotation256: a=b", 1, "Invalid key 'annotation256'" },
	{ "hook_user: root", 1, "Invalid key 'hook_user'" },
	{ "# x\nnet1: name=eth1,bridge=vmbr1\nnet1: name=eth2,bridge=vmbr1", 3,
	  "'net1' is already set on line 2" },
	{ "seccomp: /a\n\nseccomp: /b", 3, "'seccomp' is already set on line 1" },
	{ "net1: name=eth\x01,bridge=vmbr1", 1, "'eth\\x01'" },
	{ "net1: name=eth1,bridge=vmbr1\rx", 1, "'vmbr1\\x0dx'" },

	/* property strings */
	{ "net1: name=eth1,bridge=vmbr1,foo=1", 1, "Unknown property 'foo' in 'net1'" },
	{ "net1: name=eth1,bridge=vmbr1,name=eth2", 1, "Duplicate property 'name' in 'net1'" },
	{ "net1: name=eth1,bridge=", 1, "Empty value for 'bridge' in 'net1'" },
	{ "net1: name=eth1,bridge", 1, "Missing '=' in property 'bridge' in 'net1'" },
	{ "net1: name=eth1,,bridge=vmbr1", 1,
	  "Empty property in 'net1': 'name=eth1,,bridge=vmbr1'" },
	{ "net1: name=eth1,bridge=vmbr1,", 1, "Empty property in 'net1'" },
	{ "net1: =eth1,bridge=vmbr1", 1, "Missing property name in '=eth1' in 'net1'" },
};

BAD_INPUT_TEST(bad_inputs)

START_TEST(test_nul_byte)
{
	static const char text[] = "net1: name=eth1,bridge=vmbr1\nhook-user: ro\0ot\n";

	parse_fails(text, sizeof(text) - 1, 2, "NUL byte after 'hook-user: ro'");
	/* Also where the line would be ignored. */
	parse_fails("# x\n\0", 5, 2, "NUL byte");
}
END_TEST

START_TEST(test_too_large)
{
	_cleanup_free_ char *big = malloc(CONFIG_MAX_SIZE + 1);
	struct lxcri_error err = { 0 };
	struct config *c = NULL;

	ck_assert_ptr_nonnull(big);
	memset(big, '\n', CONFIG_MAX_SIZE + 1);
	ck_assert_int_eq(config_parse("big.conf", big, CONFIG_MAX_SIZE + 1, &c, &err), -EFBIG);
	ck_assert_ptr_null(c);
	ck_assert_msg(strncmp(err.message, "big.conf: ", 10) == 0, "%s", err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "1048577"));
	/* The limit itself is fine. */
	ck_assert_int_eq(config_parse("big.conf", big, CONFIG_MAX_SIZE, &c, &err), 0);
	config_free(c);
}
END_TEST

START_TEST(test_escaped_long_value)
{
	char text[4096];
	struct lxcri_error err = { 0 };
	struct config *c = NULL;

	strcpy(text, "seccomp: ");
	memset(text + 9, 'x', 3000);
	text[3009] = '\0';
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "xxx...' for 'seccomp'"));
	ck_assert_uint_lt(strlen(err.message), 400);
}
END_TEST

START_TEST(test_key_feature)
{
	static const struct {
		const char *key, *feature;
	} table[] = {
		{ "net0", "net" },
		{ "net1", "net" },
		{ "net31", "net" },
		{ "route3", "route" },
		{ "route255", "route" },
		{ "dns", "dns" },
		{ "port0", "port" },
		{ "port1023", "port" },
		{ "seccomp", "seccomp" },
		{ "apparmor", "apparmor" },
		{ "seccomp-sha256", "seccomp" },
		{ "selinux", "selinux" },
		{ "hooks", "hooks" },
		{ "hook-user", "hooks" },
		{ "annotation2", "hooks" },
		{ "net32", NULL },
		{ "net01", NULL },
		{ "net", NULL },
		{ "nett1", NULL },
		{ "port1024", NULL },
		{ "dns0", NULL },
		{ "hook", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		const char *f = config_key_feature(table[i].key);

		if (table[i].feature)
			ck_assert_msg(f && strcmp(f, table[i].feature) == 0, "%s -> %s",
				      table[i].key, f ? f : "NULL");
		else
			ck_assert_msg(!f, "%s -> %s", table[i].key, f);
	}
	ck_assert_ptr_null(config_key_feature(NULL));
}
END_TEST

START_TEST(test_format_canonical)
{
	static const char expected[] =
	    "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/24,gw=10.0.0.1,mtu=1450,"
	    "hwaddr=BC:24:11:00:00:01\n"
	    "net2: name=eth2,cni=mynet\n"
	    "route0: dst=10.10.0.0/16,via=10.0.0.254,dev=eth1\n"
	    "dns: nameserver=10.0.0.1;1.1.1.1,search=example.org,options=ndots:2\n"
	    "port0: proto=tcp,host=8080,ct=80\n"
	    "port1: proto=udp,host=5353,ct=53,hostip=192.0.2.10,net=eth1\n"
	    "seccomp: /etc/lxcri/seccomp/docker-default.json\n"
	    "apparmor: profile=lxcri-default\n"
	    "selinux: system_u:system_r:container_t:s0:c10,c20\n"
	    "hooks: dir=/etc/lxcri/hooks.d,bundle=/var/lib/lxcri/bundles/105\n"
	    "hook-user: root\n"
	    "annotation0: com.example.gpu=all\n";
	/* The same, shuffled and in other spellings. */
	static const char shuffled[] =
	    "annotation0: com.example.gpu=all\n"
	    "hook-user: root\n"
	    "hooks: bundle=/var/lib/lxcri/bundles/105,dir=/etc/lxcri/hooks.d\n"
	    "port1: net=eth1,hostip=192.0.2.10,ct=53,host=5353,proto=udp\n"
	    "port0: ct=80-80,host=8080,proto=tcp\n"
	    "net2: cni=mynet,name=eth2\n"
	    "dns: options=ndots:2,search=example.org,nameserver=10.0.0.1;1.1.1.1\n"
	    "selinux: system_u:system_r:container_t:s0:c10,c20\n"
	    "route0: dev=eth1,via=10.0.0.254,dst=10.10.0.0/16\n"
	    "apparmor: profile=lxcri-default\n"
	    "seccomp: /etc/lxcri/seccomp/docker-default.json\n"
	    "net1: hwaddr=bc:24:11:00:00:01,mtu=1450,gw=10.0.0.1,ip=10.0.0.5/24,bridge=vmbr1,"
	    "name=eth1\n";
	_cleanup_config_ struct config *a = parse_ok(design_example);
	_cleanup_config_ struct config *b = parse_ok(shuffled);
	_cleanup_free_ char *text_a = NULL, *text_b = NULL;

	ck_assert_int_eq(config_format(a, &text_a), 0);
	ck_assert_str_eq(text_a, expected);
	ck_assert_int_eq(config_format(b, &text_b), 0);
	ck_assert_str_eq(text_b, expected);
	ck_assert(config_equal(a, b));
}
END_TEST

START_TEST(test_round_trip)
{
	assert_round_trip(design_example);
	assert_round_trip("");
	assert_round_trip("net0: name=eth0,bridge=vmbr0,ip=2001:DB8:0:0::5/64;10.0.0.5/8,"
			  "gw6=FE80::1,mtu=1500,tag=4094\n"
			  "route9: dst=default6,via=fe80::1,dev=eth0,metric=7,table=main\n"
			  "route8: dst=0.0.0.0/0,dev=eth0,table=254\n"
			  "route7: dst=192.168.0.0/16,via=10.0.0.1,table=100\n"
			  "dns: search=a;b\n"
			  "port3: proto=udp,host=1-65535,ct=1\n"
			  "hooks: dir=/a;/b;/c\n"
			  "hook-user: 0\n"
			  "annotation3: k= leading blank, trailing kept=\n"
			  "annotation1: k2=M\xc3\xbcller\n");
	assert_round_trip(
	    "seccomp: /a b.json\n"
	    "seccomp-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
	assert_round_trip("apparmor: profile=generated\n");
	assert_round_trip("apparmor: profile=generated,nesting=1\n");
	assert_round_trip("apparmor: profile=generated,nesting=0,mount=nfs\n");
	assert_round_trip("apparmor: mount=nfs;cifs;fuse.sshfs,nesting=1,profile=generated\n");
	assert_round_trip("apparmor: profile=unconfined\n");
}
END_TEST

START_TEST(test_equal)
{
	_cleanup_config_ struct config *a = parse_ok(design_example);
	_cleanup_config_ struct config *b = parse_ok(design_example);

	ck_assert(config_equal(a, b));
	b->net.nets[0].mtu = 1500;
	ck_assert(!config_equal(a, b));
	b->net.nets[0].mtu = 1450;
	ck_assert(config_equal(a, b));
	b->net.nets[0].addresses[0].prefixlen = 16;
	ck_assert(!config_equal(a, b));
	b->net.nets[0].addresses[0].prefixlen = 24;
	b->port.ports[1].hostip.in.s_addr = htonl(0xc000020b);
	ck_assert(!config_equal(a, b));
	b->port.ports[1].hostip = a->port.ports[1].hostip;
	b->hooks.annotations[0].value[0] = 'A';
	ck_assert(!config_equal(a, b));
	b->hooks.annotations[0].value[0] = 'a';
	b->net.dns.options[0][0] = 'm';
	ck_assert(!config_equal(a, b));
	b->net.dns.options[0][0] = 'n';
	ck_assert(config_equal(a, b));
	b->net.routes[0].table = 254;
	ck_assert(!config_equal(a, b));
	ck_assert(!config_equal(a, NULL));
	ck_assert(config_equal(NULL, NULL));
}
END_TEST

START_TEST(test_format_rejects_unrepresentable)
{
	_cleanup_config_ struct config *c = parse_ok(design_example);
	char *text = NULL;
	char *saved;

	/* A newline in a value would smuggle in another key. */
	saved = c->lsm.seccomp;
	c->lsm.seccomp = (char *)"/x\nhook-user: 0";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	c->lsm.seccomp = saved;
	ck_assert_ptr_null(text);

	saved = c->hooks.dirs[0];
	c->hooks.dirs[0] = (char *)"/a,bundle=/b";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	c->hooks.dirs[0] = saved;

	saved = c->hooks.annotations[0].value;
	c->hooks.annotations[0].value = (char *)"all\n";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	c->hooks.annotations[0].value = saved;

	ck_assert_int_eq(config_format(c, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "seccomp: /etc/lxcri/seccomp/docker-default.json\n"));
	free(text);
}
END_TEST

START_TEST(test_format_orders_by_index)
{
	_cleanup_config_ struct config *c = parse_ok("port1: proto=tcp,host=1,ct=1\n"
						     "port0: proto=tcp,host=2,ct=2\n");
	_cleanup_free_ char *text = NULL;
	struct config_port t;

	/* A caller that appends out of order still gets index order. */
	t = c->port.ports[0];
	c->port.ports[0] = c->port.ports[1];
	c->port.ports[1] = t;
	ck_assert_int_eq(config_format(c, &text), 0);
	ck_assert_str_eq(text, "port0: proto=tcp,host=2,ct=2\nport1: proto=tcp,host=1,ct=1\n");
}
END_TEST

START_TEST(test_load)
{
	_cleanup_free_ char *dir = test_tmpdir();
	char path[512], fifo[512], big[512];
	struct lxcri_error err = { 0 };
	struct config *c = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/105.conf", dir);
	test_write_file(path, design_example);
	ck_assert_int_eq(config_load(path, &c, &err), 0);
	ck_assert_str_eq(c->path, path);
	ck_assert_uint_eq(c->net.n_nets, 2);
	config_free(c);
	c = NULL;

	/* Messages use the path as name. */
	test_write_file(path, "net1: name=eth1,bridge=vmbr1\n\nnet2: name=eth1,bridge=vmbr1\n");
	ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strncmp(err.message, path, strlen(path)) == 0 &&
			  strncmp(err.message + strlen(path), ":3: ", 4) == 0,
		      "%s", err.message);

	snprintf(big, sizeof(big), "%s/missing.conf", dir);
	ck_assert_int_eq(config_load(big, &c, &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "Failed to open '") && strstr(err.message, big), "%s",
		      err.message);

	ck_assert_int_eq(config_load(dir, &c, &err), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err.message, "not a regular file"));

	/* A FIFO must not block the reader. */
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(config_load(fifo, &c, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, fifo));

	snprintf(big, sizeof(big), "%s/big.conf", dir);
	fd = open(big, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, CONFIG_MAX_SIZE + 1), 0);
	close(fd);
	ck_assert_int_eq(config_load(big, &c, &err), -EFBIG);
	ck_assert_msg(strstr(err.message, big) && strstr(err.message, "1 MiB"), "%s", err.message);
	/* Exactly 1 MiB of NUL bytes is read, then refused for the NUL. */
	ck_assert_int_eq(truncate(big, CONFIG_MAX_SIZE), 0);
	ck_assert_int_eq(config_load(big, &c, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, ":1: Invalid NUL byte"));
	test_rm_rf(dir);
}
END_TEST

/*
 * A config too large is said in one way, whoever meets it: the hook that
 * reads the file at a start and the CLI that parses or edits its text.
 */
START_TEST(test_too_large_said_once)
{
	_cleanup_free_ char *dir = test_tmpdir(), *big = malloc(CONFIG_MAX_SIZE + 2);
	struct lxcri_error loaded = { 0 }, parsed = { 0 };
	struct config *c = NULL;
	char path[PATH_MAX];

	ck_assert_ptr_nonnull(big);
	memset(big, '#', CONFIG_MAX_SIZE + 1);
	big[CONFIG_MAX_SIZE + 1] = '\0';
	snprintf(path, sizeof(path), "%s/105.conf", dir);
	test_write_file(path, big);
	ck_assert_int_eq(config_load(path, &c, &loaded), -EFBIG);
	ck_assert_int_eq(config_parse(path, big, CONFIG_MAX_SIZE + 1, &c, &parsed), -EFBIG);
	ck_assert_str_eq(loaded.message, parsed.message);
	ck_assert_msg(strstr(loaded.message, path) && strstr(loaded.message, "1 MiB") &&
			  strstr(loaded.message, "1048577 bytes"),
		      "%s", loaded.message);
	test_rm_rf(dir);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_design_example);
	tcase_add_test(tc, test_every_property);
	tcase_add_test(tc, test_line_grammar);
	tcase_add_loop_test(tc, test_bad_input, 0, (int)ELEMENTSOF(bad_inputs));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_too_large_said_once);
	tcase_add_test(tc, test_escaped_long_value);
	tcase_add_test(tc, test_key_feature);
	tcase_add_test(tc, test_format_canonical);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_format_rejects_unrepresentable);
	tcase_add_test(tc, test_format_orders_by_index);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(config_suite)
