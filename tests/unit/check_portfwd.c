/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "testutil.h"

#include "lib/port/localnet.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/port/portfwd.h"

/*
 * Every test runs in its own forked process (CK_FORK) and first moves it
 * into a fresh network namespace with unshare(CLONE_NEWNET): the nftables
 * table, the links, the sysctls under /proc/sys/net and the sockets seen in
 * /proc/net are all that namespace's, which dies with the process. Nothing
 * here touches the host's ruleset or interfaces.
 */
#define TABLE "lxtest"

static bool enter_netns(const char *test)
{
	struct nl_sock *sk = NULL;
	struct netlink_link_settings up = { .up = true };
	struct lxcri_error err = { 0 };

	if (geteuid() != 0) {
		test_skip(test, "needs root for network namespaces");
		return false;
	}
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	ck_assert_int_eq(netlink_open(&sk), 0);
	ck_assert_msg(netlink_link_configure(sk, "lo", &up, &err) == 0, "%s", err.message);
	nl_socket_free(sk);
	return true;
}

#define NETNS_SETUP()                                                                              \
	if (!enter_netns(__func__))                                                                \
	return

/* The "host" (this process's fresh netns) and a "container" netns behind veth lxpf0/eth0. */
struct env {
	int host_ns, ct_ns;
};

static void env_setup(struct env *e)
{
	struct nl_sock *host = NULL, *ct = NULL;
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = { .host_ifname = "lxpf0", .peer_ifname = "eth0" };
	struct netlink_link_settings up = { .up = true };
	struct ip_prefix host_addr = test_prefix("10.0.0.1/24"),
			 ct_addr = test_prefix("10.0.0.2/24");

	e->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(e->host_ns, 0);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->ct_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(e->ct_ns, 0);
	ck_assert_int_eq(setns(e->host_ns, CLONE_NEWNET), 0);
	ck_assert_int_eq(netlink_open(&host), 0);
	ck_assert_msg(netlink_open_in_netns_fd(e->ct_ns, &ct, &err) == 0, "%s", err.message);
	spec.peer_netns_fd = e->ct_ns;
	ck_assert_msg(netlink_veth_create(host, &spec, &err) == 0, "%s", err.message);
	ck_assert_msg(netlink_address_add(host, "lxpf0", &host_addr, &err) == 0, "%s", err.message);
	ck_assert_msg(netlink_link_configure(ct, "lo", &up, &err) == 0, "%s", err.message);
	ck_assert_msg(netlink_link_configure(ct, "eth0", &up, &err) == 0, "%s", err.message);
	ck_assert_msg(netlink_address_add(ct, "eth0", &ct_addr, &err) == 0, "%s", err.message);
	nl_socket_free(host);
	nl_socket_free(ct);
}

static struct portfwd fwd(int proto, uint16_t first, uint16_t last, uint16_t ct, const char *target,
			  const char *subnet)
{
	struct portfwd f = {
		.proto = proto,
		.host_first = first,
		.host_last = last,
		.ct_first = ct,
		.target = test_address(target),
		.subnet = test_prefix(subnet),
	};

	f.family = f.target.family;
	return f;
}

static struct portfwd_ctx *open_ctx(void)
{
	struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_msg(portfwd_open(TABLE, &ctx, &err) == 0, "%s", err.message);
	return ctx;
}

static void add_ok(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f, size_t n)
{
	struct lxcri_error err = { 0 };
	int r = portfwd_add(ctx, owner, f, n, &err);

	ck_assert_msg(r == 0, "portfwd_add(%s): %d %s", owner, r, err.message);
}

/* Runs cmd with libnftables; the JSON output in *ret_out if not NULL. */
static int nft(char **ret_out, const char *fmt, ...)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	char cmd[512];
	va_list ap;
	int rc;

	ck_assert_ptr_nonnull(n);
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_int_eq(nft_ctx_buffer_output(n), 0);
	ck_assert_int_eq(nft_ctx_buffer_error(n), 0);
	if (ret_out)
		nft_ctx_output_set_flags(n, NFT_CTX_OUTPUT_JSON);
	rc = nft_run_cmd_from_buffer(n, cmd);
	if (ret_out)
		*ret_out = strdup(nft_ctx_get_output_buffer(n));
	nft_ctx_free(n);
	return rc;
}

static size_t count_substrings(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* The number of rules of our table, as the kernel has it. */
static size_t table_rules(void)
{
	char *out = NULL;
	size_t n;

	ck_assert_int_eq(nft(&out, "list table inet " TABLE), 0);
	n = count_substrings(out, "\"rule\":");
	free(out);
	return n;
}

static size_t list(struct portfwd_ctx *ctx, struct portfwd_entry **ret)
{
	struct lxcri_error err = { 0 };
	size_t n = 99;
	int r = portfwd_list(ctx, ret, &n, &err);

	ck_assert_msg(r == 0, "portfwd_list: %d %s", r, err.message);
	return n;
}

static int complete(struct portfwd_ctx *ctx)
{
	struct lxcri_error err = { 0 };
	int r = portfwd_table_complete(ctx, &err);

	ck_assert_msg(r >= 0, "portfwd_table_complete: %d %s", r, err.message);
	return r;
}

static void assert_address(const struct ip_address *a, const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(ip_address_to_string(a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, s);
}

/* 5 prerouting, 4 output, 3 postrouting, 2 guard, 1 localnet_mark, 1 fwbr_zone */
#define RULES_UNCOUNTED 16
/* and 8 in each of the four count chains */
#define RULES (RULES_UNCOUNTED + 4 * 8)

START_TEST(test_table_created_once)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd a = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd b = fwd(IPPROTO_UDP, 5353, 5353, 53, "10.0.0.5", "10.0.0.0/24");
	struct portfwd_entry *e = NULL;
	char *out = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	ck_assert_int_eq(complete(ctx), 0);
	ck_assert_uint_eq(list(ctx, &e), 0);
	free(e);

	add_ok(ctx, "101", &a, 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES);
	add_ok(ctx, "102", &b, 1);
	add_ok(ctx, "101", &a, 1);
	ck_assert_uint_eq(table_rules(), RULES);
	ck_assert_int_eq(complete(ctx), 1);

	ck_assert_int_eq(nft(&out, "list table inet " TABLE), 0);
	for (const char *const *o =
		 (const char *const[]){ "\"fwd4\"", "\"fwd4ip\"", "\"fwd6\"", "\"fwd6ip\"",
					"\"hairpin4\"", "\"hairpin6\"", "\"localnet\"",
					"\"prerouting\"", "\"output\"", "\"postrouting\"",
					"\"guard\"", "\"localnet_mark\"", NULL };
	     *o; o++)
		ck_assert_msg(strstr(out, *o), "%s missing", *o);
	/* The hostip map is looked up before the one for every address. */
	{
		const char *specific = strstr(out, "\"@fwd4ip\""), *all = strstr(out, "\"@fwd4\"");

		ck_assert(specific && all && specific < all);
	}
	free(out);
}
END_TEST

START_TEST(test_element_per_port)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f[2] = {
		fwd(IPPROTO_TCP, 5000, 5002, 6000, "10.0.0.5", "10.0.0.0/24"),
		fwd(IPPROTO_UDP, 7000, 7002, 53, "10.0.0.5", "10.0.0.0/24"),
	};
	struct portfwd_entry *e = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	f[0].ct_range = true;
	add_ok(ctx, "101", f, 2);
	ck_assert_uint_eq(list(ctx, &e), 6);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(e[i].fwd.proto, IPPROTO_TCP);
		ck_assert_uint_eq(e[i].fwd.host_first, 5000 + i);
		ck_assert_uint_eq(e[i].fwd.host_last, 5000 + i);
		ck_assert_uint_eq(e[i].fwd.ct_first, 6000 + i);
		ck_assert_str_eq(e[i].owner, "101");
		assert_address(&e[i].fwd.target, "10.0.0.5");
		ck_assert_int_eq(e[3 + i].fwd.proto, IPPROTO_UDP);
		ck_assert_uint_eq(e[3 + i].fwd.host_first, 7000 + i);
		ck_assert_uint_eq(e[3 + i].fwd.ct_first, 53);
	}
	free(e);
}
END_TEST

START_TEST(test_maps_and_sorting)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f[4] = {
		fwd(IPPROTO_TCP, 443, 443, 443, "fd00::5", "fd00::/64"),
		fwd(IPPROTO_TCP, 80, 80, 8080, "10.0.0.5", "10.0.0.0/24"),
		fwd(IPPROTO_TCP, 81, 81, 8081, "10.0.0.6", "10.0.0.0/24"),
		fwd(IPPROTO_UDP, 53, 53, 53, "fd00::6", "fd00::/64"),
	};
	struct portfwd_entry *e = NULL;
	char *out = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	f[2].has_hostip = true;
	f[2].hostip = test_address("192.0.2.10");
	f[3].has_hostip = true;
	f[3].hostip = test_address("2001:db8::1");
	add_ok(ctx, "101", f, 2);
	add_ok(ctx, "102", f + 2, 2);
	ck_assert_uint_eq(list(ctx, &e), 4);
	/* family, proto, every address before one, port */
	ck_assert_int_eq(e[0].fwd.family, AF_INET);
	ck_assert(!e[0].fwd.has_hostip);
	ck_assert_uint_eq(e[0].fwd.ct_first, 8080);
	ck_assert_str_eq(e[0].owner, "101");
	ck_assert(e[1].fwd.has_hostip);
	assert_address(&e[1].fwd.hostip, "192.0.2.10");
	assert_address(&e[1].fwd.target, "10.0.0.6");
	ck_assert_str_eq(e[1].owner, "102");
	ck_assert_int_eq(e[2].fwd.family, AF_INET6);
	ck_assert_int_eq(e[2].fwd.proto, IPPROTO_TCP);
	assert_address(&e[2].fwd.target, "fd00::5");
	ck_assert_int_eq(e[3].fwd.proto, IPPROTO_UDP);
	assert_address(&e[3].fwd.hostip, "2001:db8::1");
	free(e);

	ck_assert_int_eq(nft(&out, "list map inet " TABLE " fwd4ip"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"192.0.2.10\""));
	free(out);
	/* One hairpin element per subnet ("subnet . subnet"), whatever the targets. */
	ck_assert_int_eq(nft(&out, "list set inet " TABLE " hairpin6"), 0);
	ck_assert_uint_eq(count_substrings(out, "\"addr\": \"fd00::\""), 2);
	free(out);
}
END_TEST

START_TEST(test_conflict_other_owner)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd held = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd f[2] = {
		fwd(IPPROTO_TCP, 9090, 9090, 80, "10.0.0.6", "10.0.0.0/24"),
		fwd(IPPROTO_TCP, 8079, 8081, 80, "10.0.0.6", "10.0.0.0/24"),
	};
	struct portfwd specific = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.6", "10.0.0.0/24");
	struct portfwd other_proto = fwd(IPPROTO_UDP, 8080, 8080, 80, "10.0.0.6", "10.0.0.0/24");
	struct lxcri_error err = { 0 };
	struct portfwd_entry *e = NULL;
	int r;

	NETNS_SETUP();
	ctx = open_ctx();
	add_ok(ctx, "101", &held, 1);
	f[1].index = 2;
	r = portfwd_add(ctx, "102", f, 2, &err);
	ck_assert_int_eq(r, -EADDRINUSE);
	ck_assert_int_eq(err.code, -EADDRINUSE);
	ck_assert_str_eq(err.message,
			 "Host port 'tcp 8080' is already forwarded to container '101'");
	/* Nothing of that batch: 9090 is not there either. */
	ck_assert_uint_eq(list(ctx, &e), 1);
	ck_assert_uint_eq(e[0].fwd.host_first, 8080);
	free(e);

	/* A forward to one address overlaps one to every address. */
	specific.has_hostip = true;
	specific.hostip = test_address("10.0.0.1");
	ck_assert_int_eq(portfwd_add(ctx, "102", &specific, 1, &err), -EADDRINUSE);
	ck_assert_str_eq(err.message,
			 "Host port 'tcp 10.0.0.1:8080' is already forwarded to container '101'");
	add_ok(ctx, "102", &other_proto, 1);
	ck_assert_uint_eq(list(ctx, &e), 2);
	free(e);
}
END_TEST

START_TEST(test_same_owner_idempotent)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8081, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd moved = fwd(IPPROTO_TCP, 8080, 8080, 81, "10.0.0.7", "10.0.0.0/24");
	struct portfwd_entry *e = NULL;
	char *out = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	add_ok(ctx, "101", &f, 1);
	add_ok(ctx, "101", &f, 1);
	ck_assert_uint_eq(list(ctx, &e), 2);
	free(e);
	/* The same port again with another target replaces the element. */
	add_ok(ctx, "101", &moved, 1);
	ck_assert_uint_eq(list(ctx, &e), 2);
	assert_address(&e[0].fwd.target, "10.0.0.7");
	ck_assert_uint_eq(e[0].fwd.ct_first, 81);
	assert_address(&e[1].fwd.target, "10.0.0.5");
	free(e);
	ck_assert_int_eq(nft(&out, "list set inet " TABLE " hairpin4"), 0);
	ck_assert_uint_eq(count_substrings(out, "\"addr\": \"10.0.0.0\""), 2);
	free(out);
}
END_TEST

static int listen_on(int family, int type, const char *address, uint16_t port)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (family == AF_INET) {
		ck_assert_int_eq(inet_pton(AF_INET, address, &sa.sin_addr), 1);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, address, &sa6.sin6_addr), 1);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)), 0);
	}
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

static void assert_in_use_by_me(const char *message, const char *host)
{
	char comm[64] = "", want[256];
	FILE *f = fopen("/proc/self/comm", "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(want, sizeof(want), "Host port '%s' is in use by '%s' (pid %d)", host, comm,
		 (int)getpid());
	ck_assert_str_eq(message, want);
}

START_TEST(test_port_bound_by_process)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd tcp = fwd(IPPROTO_TCP, 8000, 8010, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd udp = fwd(IPPROTO_UDP, 5353, 5353, 53, "10.0.0.5", "10.0.0.0/24");
	struct portfwd dual = fwd(IPPROTO_TCP, 9000, 9000, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd other_ip = fwd(IPPROTO_TCP, 8005, 8005, 80, "10.0.0.5", "10.0.0.0/24");
	struct lxcri_error err = { 0 };
	char who[128];
	int a, b, c;

	NETNS_SETUP();
	ctx = open_ctx();
	a = listen_on(AF_INET, SOCK_STREAM, "127.0.0.1", 8005);
	ck_assert_int_eq(portfwd_add(ctx, "101", &tcp, 1, &err), -EADDRINUSE);
	assert_in_use_by_me(err.message, "tcp 8000-8010");
	/* Refused before anything changed: not even the table. */
	ck_assert_int_eq(complete(ctx), 0);
	/* 127.0.0.1 is not 10.0.0.1: a forward to that address alone is free. */
	other_ip.has_hostip = true;
	other_ip.hostip = test_address("10.0.0.1");
	ck_assert_int_eq(
	    portfwd_port_user(AF_INET, IPPROTO_TCP, 8005, 8005, &other_ip.hostip, who, sizeof(who)),
	    0);
	ck_assert_int_eq(
	    portfwd_port_user(AF_INET6, IPPROTO_TCP, 8005, 8005, NULL, who, sizeof(who)), 0);
	add_ok(ctx, "101", &other_ip, 1);

	b = listen_on(AF_INET, SOCK_DGRAM, "0.0.0.0", 5353);
	ck_assert_int_eq(portfwd_add(ctx, "101", &udp, 1, &err), -EADDRINUSE);
	assert_in_use_by_me(err.message, "udp 5353");

	/* [::] without IPV6_V6ONLY takes IPv4 too. */
	c = listen_on(AF_INET6, SOCK_STREAM, "::", 9000);
	ck_assert_int_eq(portfwd_add(ctx, "101", &dual, 1, &err), -EADDRINUSE);
	assert_in_use_by_me(err.message, "tcp 9000");
	ck_assert_int_eq(
	    portfwd_port_user(AF_INET6, IPPROTO_TCP, 9000, 9000, NULL, who, sizeof(who)), 1);
	/* A TCP socket that only binds does not listen. */
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(c,
			      (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET,
									.sin_port = htons(9000) },
			      sizeof(struct sockaddr_in)),
			 0);
	add_ok(ctx, "101", &dual, 1);
	close(a);
	close(b);
	close(c);
}
END_TEST

START_TEST(test_invalid)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd bad;
	struct lxcri_error err = { 0 };

	NETNS_SETUP();
	ctx = open_ctx();
	f.index = 3;
	bad = f;
	bad.host_first = 0;
	ck_assert_int_eq(portfwd_add(ctx, "101", &bad, 1, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid port forward port3: the host port range is empty or "
				      "starts at 0");
	bad = f;
	bad.target = test_address("fd00::5");
	ck_assert_int_eq(portfwd_add(ctx, "101", &bad, 1, &err), -EINVAL);
	bad = f;
	bad.host_last = 8090;
	bad.ct_first = 65530;
	bad.ct_range = true;
	ck_assert_int_eq(portfwd_add(ctx, "101", &bad, 1, &err), -EINVAL);
	bad = f;
	bad.subnet = test_prefix("10.1.0.0/24");
	ck_assert_int_eq(portfwd_add(ctx, "101", &bad, 1, &err), -EINVAL);
	ck_assert_int_eq(portfwd_add(ctx, "1\"01", &f, 1, &err), -EINVAL);
	ck_assert_int_eq(portfwd_add(ctx, "", &f, 1, &err), -EINVAL);
	/* The same host port twice in one call. */
	{
		struct portfwd twice[2] = { f, f };

		twice[1].index = 4;
		ck_assert_int_eq(portfwd_add(ctx, "101", twice, 2, &err), -EINVAL);
		ck_assert_str_eq(err.message, "Host port 'tcp 8080' is forwarded twice (port3 and "
					      "port4)");
	}
	ck_assert_int_eq(complete(ctx), 0);
	ck_assert_int_eq(portfwd_open("bad name", &ctx, &err), -EINVAL);
}
END_TEST

START_TEST(test_remove)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd a[2] = {
		fwd(IPPROTO_TCP, 8080, 8082, 80, "10.0.0.5", "10.0.0.0/24"),
		fwd(IPPROTO_UDP, 8080, 8080, 80, "10.0.0.8", "10.0.0.0/24"),
	};
	struct portfwd b = fwd(IPPROTO_TCP, 9090, 9090, 80, "10.0.0.6", "10.0.0.0/24");
	struct portfwd part = fwd(IPPROTO_TCP, 8081, 8081, 80, "10.0.0.5", "10.0.0.0/24");
	struct lxcri_error err = { 0 };
	struct portfwd_entry *e = NULL;
	char *out = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	add_ok(ctx, "101", a, 2);
	add_ok(ctx, "102", &b, 1);
	ck_assert_uint_eq(list(ctx, &e), 5);
	free(e);

	/* One port of a range. */
	ck_assert_int_eq(portfwd_remove(ctx, "101", &part, 1, &err), 1);
	ck_assert_int_eq(portfwd_remove(ctx, "101", &part, 1, &err), 0);
	ck_assert_uint_eq(list(ctx, &e), 4);
	free(e);

	/* Another owner's element is not ours to remove. */
	ck_assert_int_eq(portfwd_remove(ctx, "101", &b, 1, &err), 0);
	ck_assert_int_eq(portfwd_remove(ctx, "101", a, 1, &err), 2);
	ck_assert_int_eq(portfwd_remove_owner(ctx, "101", &err), 1);
	ck_assert_int_eq(portfwd_remove_owner(ctx, "101", &err), 0);
	ck_assert_uint_eq(list(ctx, &e), 1);
	ck_assert_str_eq(e[0].owner, "102");
	free(e);
	/* The subnet's hairpin element stays: it serves every container there. */
	ck_assert_int_eq(nft(&out, "list set inet " TABLE " hairpin4"), 0);
	ck_assert_uint_eq(count_substrings(out, "\"addr\": \"10.0.0.0\""), 2);
	free(out);
	ck_assert_int_eq(complete(ctx), 1);
}
END_TEST

START_TEST(test_table_deleted)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	struct lxcri_error err = { 0 };
	struct portfwd_entry *e = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	add_ok(ctx, "101", &f, 1);
	ck_assert_int_eq(nft(NULL, "delete table inet " TABLE), 0);
	ck_assert_uint_eq(list(ctx, &e), 0);
	free(e);
	ck_assert_int_eq(complete(ctx), 0);
	ck_assert_int_eq(portfwd_remove(ctx, "101", &f, 1, &err), 0);
	ck_assert_int_eq(portfwd_remove_owner(ctx, "101", &err), 0);
	add_ok(ctx, "101", &f, 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(list(ctx, &e), 1);
	free(e);
	ck_assert_uint_eq(table_rules(), RULES);
}
END_TEST

/* Overlapping subnets (a /16 around a /24): the kernel refuses the second interval; both add. */
START_TEST(test_overlapping_subnets)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd wide = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.1.0.5", "10.1.0.0/16");
	struct portfwd narrow = fwd(IPPROTO_TCP, 8081, 8081, 80, "10.1.2.5", "10.1.2.0/24");
	struct portfwd_entry *e = NULL;
	char *out = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	add_ok(ctx, "101", &wide, 1);
	add_ok(ctx, "102", &narrow, 1);
	ck_assert_uint_eq(list(ctx, &e), 2);
	free(e);
	ck_assert_int_eq(nft(&out, "list set inet " TABLE " hairpin4"), 0);
	ck_assert_uint_eq(count_substrings(out, "\"len\": 16"), 2);
	ck_assert_uint_eq(count_substrings(out, "\"len\": 24"), 0);
	free(out);
}
END_TEST

START_TEST(test_incomplete_table_restored)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd g = fwd(IPPROTO_TCP, 8081, 8081, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd_entry *e = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	add_ok(ctx, "101", &f, 1);
	ck_assert_int_eq(nft(NULL, "delete chain inet " TABLE " output"), 0);
	ck_assert_int_eq(complete(ctx), 0);
	add_ok(ctx, "101", &g, 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES);

	/* A chain that lost a rule is refilled, not appended to. */
	ck_assert_int_eq(nft(NULL, "flush chain inet " TABLE " postrouting"), 0);
	ck_assert_int_eq(nft(NULL, "add rule inet " TABLE " prerouting accept"), 0);
	ck_assert_int_eq(complete(ctx), 0);
	add_ok(ctx, "101", &g, 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES);

	/*
	 * The fast add (a new key) does not read rules: a chain emptied by hand
	 * stays so until portfwd_repair() (what `lxcri port sync` runs first).
	 */
	ck_assert_int_eq(nft(NULL, "flush chain inet " TABLE " prerouting"), 0);
	add_ok(ctx, "103",
	       &(struct portfwd){ .family = AF_INET,
				  .proto = IPPROTO_TCP,
				  .host_first = 9000,
				  .host_last = 9000,
				  .ct_first = 80,
				  .target = test_address("10.0.1.5"),
				  .subnet = test_prefix("10.0.1.0/24") },
	       1);
	ck_assert_int_eq(complete(ctx), 0);
	ck_assert_int_eq(portfwd_repair(ctx, &(struct lxcri_error){ 0 }), 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES);
	ck_assert_int_eq(portfwd_repair(ctx, &(struct lxcri_error){ 0 }), 0);
	ck_assert_int_eq(portfwd_remove_owner(ctx, "103", &(struct lxcri_error){ 0 }), 1);

	/* A missing map: the elements of the others stay. */
	ck_assert_int_eq(nft(NULL, "delete chain inet " TABLE " guard"), 0);
	ck_assert_int_eq(nft(NULL, "delete set inet " TABLE " localnet"), 0);
	ck_assert_int_eq(complete(ctx), 0);
	add_ok(ctx, "102",
	       &(struct portfwd){ .family = AF_INET6,
				  .proto = IPPROTO_UDP,
				  .host_first = 53,
				  .host_last = 53,
				  .ct_first = 53,
				  .target = test_address("fd00::5"),
				  .subnet = test_prefix("fd00::/64") },
	       1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES);
	ck_assert_uint_eq(list(ctx, &e), 3);
	free(e);
}
END_TEST

static int read_sysctl(const char *path)
{
	char buf[16] = "";
	FILE *f = fopen(path, "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	return atoi(buf);
}

/* Whether ifname is in @localnet of the test table. */
static bool in_localnet(const char *ifname)
{
	char *out = NULL, want[32];
	bool found;

	if (nft(&out, "list set inet " TABLE " localnet") != 0) {
		free(out);
		return false;
	}
	snprintf(want, sizeof(want), "\"%s\"", ifname);
	found = strstr(out, want) != NULL;
	free(out);
	return found;
}

/*
 * The forward's interface goes into @localnet in its transaction; no
 * sysctl is touched (lib/port/localnet sets route_localnet after, with its
 * guard). A refused add leaves neither; lo is never a localnet interface.
 */
START_TEST(test_localnet_set)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f[2] = {
		fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.2", "10.0.0.0/24"),
		fwd(IPPROTO_UDP, 8080, 8080, 80, "10.0.0.2", "10.0.0.0/24"),
	};
	struct portfwd taken = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.3", "10.0.0.0/24");
	struct portfwd lo = fwd(IPPROTO_TCP, 9090, 9090, 80, "10.0.0.2", "10.0.0.0/24");
	struct lxcri_error err = { 0 };
	struct env e;

	NETNS_SETUP();
	env_setup(&e);
	ctx = open_ctx();
	snprintf(f[0].localnet_if, sizeof(f[0].localnet_if), "lxpf0");
	snprintf(f[1].localnet_if, sizeof(f[1].localnet_if), "lxpf0");
	add_ok(ctx, "101", f, 2);
	ck_assert(in_localnet("lxpf0"));
	ck_assert_int_eq(read_sysctl("/proc/sys/net/ipv4/conf/lxpf0/route_localnet"), 0);

	/* Refused for a conflict: nothing of it, not its interface either. */
	ck_assert_int_eq(nft(NULL, "delete element inet " TABLE " localnet { \"lxpf0\" }"), 0);
	snprintf(taken.localnet_if, sizeof(taken.localnet_if), "lxpf0");
	ck_assert_int_eq(portfwd_add(ctx, "102", &taken, 1, &err), -EADDRINUSE);
	ck_assert(!in_localnet("lxpf0"));
	ck_assert_int_eq(read_sysctl("/proc/sys/net/ipv4/conf/lxpf0/route_localnet"), 0);

	/* lo, all, default: refused before anything. */
	snprintf(lo.localnet_if, sizeof(lo.localnet_if), "lo");
	ck_assert_int_eq(portfwd_add(ctx, "101", &lo, 1, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid port forward port0: the localnet interface is no "
				      "interface name, or lo");
	snprintf(lo.localnet_if, sizeof(lo.localnet_if), "all");
	ck_assert_int_eq(portfwd_add(ctx, "101", &lo, 1, &err), -EINVAL);
	ck_assert(!in_localnet("lo"));
	ck_assert_int_eq(portfwd_localnet_del(ctx, "lo", &err), -EINVAL);

	/* portfwd_localnet_del(): 1 when it was there, 0 when not. */
	add_ok(ctx, "101", f, 2);
	ck_assert_int_eq(portfwd_localnet_del(ctx, "lxpf0", &err), 1);
	ck_assert(!in_localnet("lxpf0"));
	ck_assert_int_eq(portfwd_localnet_del(ctx, "lxpf0", &err), 0);
	ck_assert_int_eq(nft(NULL, "delete table inet " TABLE), 0);
	ck_assert_int_eq(portfwd_localnet_del(ctx, "lxpf0", &err), 0);
}
END_TEST

/* connect() with a timeout: 0 or -errno. */
static int try_connect(int fd, const char *address, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 3 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(inet_pton(AF_INET, address, &sa.sin_addr), 1);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
}

static int connect_to(const char *address, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r;

	ck_assert_int_ge(fd, 0);
	r = try_connect(fd, address, port);
	close(fd);
	return r;
}

/* A socket made inside netns ns (it stays there), the thread back in the host's. */
static int socket_in(const struct env *e, int type)
{
	int fd;

	ck_assert_int_eq(setns(e->ct_ns, CLONE_NEWNET), 0);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setns(e->host_ns, CLONE_NEWNET), 0);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_traffic)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.2", "10.0.0.0/24");
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *dir = test_tmpdir();
	struct env e;
	int server, client, one = 1;

	NETNS_SETUP();
	env_setup(&e);
	ctx = open_ctx();
	test_write_file("/proc/sys/net/ipv4/ip_forward", "1");
	server = socket_in(&e, SOCK_STREAM);
	ck_assert_int_eq(setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(server, (struct sockaddr *)&any, sizeof(any)), 0);
	ck_assert_int_eq(listen(server, 64), 0);
	ck_assert_int_eq(connect_to("127.0.0.1", 8080), -ECONNREFUSED);

	snprintf(f.localnet_if, sizeof(f.localnet_if), "lxpf0");
	add_ok(ctx, "101", &f, 1);
	/* 127.0.0.1 needs route_localnet on the way out, which lib/port/localnet sets. */
	ck_assert_int_eq(connect_to("127.0.0.1", 8080), -EINPROGRESS);
	ck_assert_msg(localnet_acquire(dir, "lxpf0", "101", &err) == 0, "%s", err.message);
	/* The host itself, through the output chain: localhost and its own address. */
	ck_assert_int_eq(connect_to("127.0.0.1", 8080), 0);
	ck_assert_int_eq(connect_to("10.0.0.1", 8080), 0);
	/* The container to the host's port and back to itself: hairpin masquerade. */
	client = socket_in(&e, SOCK_STREAM);
	ck_assert_int_eq(try_connect(client, "10.0.0.1", 8080), 0);
	close(client);

	ck_assert_int_eq(portfwd_remove(ctx, "101", &f, 1, &err), 1);
	ck_assert_int_eq(connect_to("127.0.0.1", 8080), -ECONNREFUSED);
	ck_assert_int_eq(connect_to("10.0.0.1", 8080), -ECONNREFUSED);
	ck_assert_int_eq(localnet_release(dir, "lxpf0", "101", &err), 1);
	close(server);
	test_rm_rf(dir);
}
END_TEST

/* The listed entry of proto and host port. */
static struct portfwd_entry entry_of(struct portfwd_ctx *ctx, int proto, uint16_t port)
{
	struct portfwd_entry *e = NULL, found = { 0 };
	size_t n = list(ctx, &e);

	for (size_t i = 0; i < n; i++)
		if (e[i].fwd.proto == proto && e[i].fwd.host_first == port)
			found = e[i];
	free(e);
	ck_assert_msg(found.owner[0], "no entry for port %u", port);
	return found;
}

/* Sends text from fd to the host's 10.0.0.1:5353. */
static void udp_send(int fd, const char *text)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5353) };

	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.1", &sa.sin_addr), 1);
	ck_assert_int_eq(sendto(fd, text, strlen(text), 0, (struct sockaddr *)&sa, sizeof(sa)),
			 (ssize_t)strlen(text));
}

/* Receives a datagram on fd (3 s at most), answers it when echo; its length. */
static ssize_t udp_receive(int fd, bool echo)
{
	struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char buf[256];
	ssize_t n;

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	ck_assert_int_gt(n, 0);
	if (echo)
		ck_assert_int_eq(sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len), n);
	return n;
}

/*
 * Every packet of a forward's connections is counted once, both directions:
 * datagrams of the host to its own address (output DNAT) and of the
 * container to the host (hairpin), each answered by an echo in the
 * container; a flow never answered: its first datagram (which the DNAT's
 * lookup counts) and the ones after it. A TCP connection: its handshake.
 */
START_TEST(test_counters_traffic)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f[2] = { fwd(IPPROTO_UDP, 5353, 5353, 53, "10.0.0.2", "10.0.0.0/24"),
				fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.2", "10.0.0.0/24") };
	struct sockaddr_in dns = { .sin_family = AF_INET, .sin_port = htons(53) },
			   web = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct portfwd_entry u, t;
	struct env e;
	int echo, client, inside, server, one = 1;
	uint64_t bytes = 0;

	NETNS_SETUP();
	env_setup(&e);
	ctx = open_ctx();
	test_write_file("/proc/sys/net/ipv4/ip_forward", "1");
	echo = socket_in(&e, SOCK_DGRAM);
	ck_assert_int_eq(bind(echo, (struct sockaddr *)&dns, sizeof(dns)), 0);
	add_ok(ctx, "101", f, 2);
	u = entry_of(ctx, IPPROTO_UDP, 5353);
	ck_assert(u.counted);
	ck_assert_uint_eq(u.packets, 0);
	ck_assert_uint_eq(u.bytes, 0);

	client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inside = socket_in(&e, SOCK_DGRAM);
	ck_assert_int_ge(client, 0);
	/* 3 from the host, 2 from the container, each answered: 28 bytes of headers each */
	for (int i = 0; i < 5; i++) {
		char text[16];
		int fd = i < 3 ? client : inside;

		snprintf(text, sizeof(text), "ping%d", i);
		udp_send(fd, text);
		ck_assert_int_eq(udp_receive(echo, true), (ssize_t)strlen(text));
		ck_assert_int_eq(udp_receive(fd, false), (ssize_t)strlen(text));
		bytes += 2 * (28 + strlen(text));
	}
	u = entry_of(ctx, IPPROTO_UDP, 5353);
	ck_assert_uint_eq(u.packets, 10);
	ck_assert_uint_eq(u.bytes, bytes);
	close(client);
	client = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < 3; i++) {
		udp_send(client, "one-way");
		ck_assert_int_eq(udp_receive(echo, false), 7);
	}
	u = entry_of(ctx, IPPROTO_UDP, 5353);
	ck_assert_uint_eq(u.packets, 13);
	ck_assert_uint_eq(u.bytes, bytes + 3 * 35);
	close(client);
	close(inside);

	server = socket_in(&e, SOCK_STREAM);
	ck_assert_int_eq(setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(server, (struct sockaddr *)&web, sizeof(web)), 0);
	ck_assert_int_eq(listen(server, 8), 0);
	ck_assert_int_eq(connect_to("10.0.0.1", 8080), 0);
	t = entry_of(ctx, IPPROTO_TCP, 8080);
	/* SYN, SYN-ACK, ACK, and what the close sent before the listing */
	ck_assert_uint_ge(t.packets, 3);
	ck_assert_uint_le(t.packets, 8);
	close(server);
	close(echo);
}
END_TEST

/*
 * A table without counters (an older version's, or made with counters
 * off) is made again with them by the next add that meets it, elements
 * kept; and the other way round. The count chains come and go with them.
 */
START_TEST(test_counters_table_remade)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd g = fwd(IPPROTO_TCP, 8081, 8081, 80, "10.0.0.5", "10.0.0.0/24");
	struct portfwd h = fwd(IPPROTO_UDP, 53, 53, 53, "10.0.0.6", "10.0.0.0/24");
	struct portfwd_entry *e = NULL;
	char *out = NULL;

	NETNS_SETUP();
	ctx = open_ctx();
	portfwd_set_counters(ctx, false);
	add_ok(ctx, "101", &f, 1);
	ck_assert_uint_eq(table_rules(), RULES_UNCOUNTED);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(list(ctx, &e), 1);
	ck_assert(!e[0].counted);
	free(e);

	portfwd_set_counters(ctx, true);
	ck_assert_int_eq(complete(ctx), 0);
	add_ok(ctx, "102", &g, 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES);
	ck_assert_uint_eq(list(ctx, &e), 2);
	ck_assert_str_eq(e[0].owner, "101");
	ck_assert(e[0].counted && e[1].counted);
	free(e);
	ck_assert_int_eq(nft(&out, "list map inet " TABLE " fwd4"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"counter\""));
	free(out);

	/* Back without counters, through `lxcri port sync`'s repair. */
	portfwd_set_counters(ctx, false);
	ck_assert_int_eq(portfwd_repair(ctx, &(struct lxcri_error){ 0 }), 1);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert_uint_eq(table_rules(), RULES_UNCOUNTED);
	ck_assert_int_ne(nft(NULL, "list chain inet " TABLE " count_reply"), 0);
	add_ok(ctx, "103", &h, 1);
	ck_assert_uint_eq(list(ctx, &e), 3);
	ck_assert(!e[0].counted && !e[2].counted);
	free(e);
}
END_TEST

/* Conntrack entries of the host netns whose original destination port is port. */
static unsigned conntrack_count(int proto, uint16_t port)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	unsigned n = 0;

	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(nfnl_connect(sk), 0);
	ck_assert_int_eq(nfnl_ct_alloc_cache(sk, &cache), 0);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct nfnl_ct *ct = (struct nfnl_ct *)o;

		if (nfnl_ct_get_proto(ct) == proto && nfnl_ct_get_dst_port(ct, 0) == port)
			n++;
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return n;
}

START_TEST(test_conntrack_flushed)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = fwd(IPPROTO_UDP, 5353, 5353, 53, "10.0.0.2", "10.0.0.0/24");
	struct portfwd other = fwd(IPPROTO_UDP, 5354, 5354, 53, "10.0.0.2", "10.0.0.0/24");
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct lxcri_error err = { 0 };
	struct env e;
	int fd;

	NETNS_SETUP();
	env_setup(&e);
	ctx = open_ctx();
	add_ok(ctx, "101", &f, 1);
	add_ok(ctx, "102", &other, 1);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.1", &to.sin_addr), 1);
	to.sin_port = htons(5353);
	ck_assert_int_eq(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	to.sin_port = htons(5354);
	ck_assert_int_eq(sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	ck_assert_uint_eq(conntrack_count(IPPROTO_UDP, 5353), 1);
	ck_assert_uint_eq(conntrack_count(IPPROTO_UDP, 5354), 1);

	ck_assert_int_eq(portfwd_remove(ctx, "101", &f, 1, &err), 1);
	ck_assert_uint_eq(conntrack_count(IPPROTO_UDP, 5353), 0);
	ck_assert_uint_eq(conntrack_count(IPPROTO_UDP, 5354), 1);
	close(fd);
}
END_TEST

/* A forward to a container behind PVE's firewall bridge fwbr101i0 / fwpr101p0. */
static struct portfwd fwbr_fwd(uint16_t host, const char *bridge, const char *port)
{
	struct portfwd f = fwd(IPPROTO_TCP, host, host, 80, "10.0.0.5", "10.0.0.0/24");

	snprintf(f.fwbr.bridge, sizeof(f.fwbr.bridge), "%s", bridge);
	snprintf(f.fwbr.port, sizeof(f.fwbr.port), "%s", port);
	ck_assert_int_eq(mac_parse("02:00:00:00:01:05", f.fwbr.ct_mac), 0);
	ck_assert_int_eq(mac_parse("02:00:00:00:00:01", f.fwbr.vmbr_mac), 0);
	return f;
}

/* The listing of table family TABLE, plain text ("" when it is missing). */
static char *listing(const char *family)
{
	char *out = NULL;
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	char cmd[64];

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(nft_ctx_buffer_output(n), 0);
	ck_assert_int_eq(nft_ctx_buffer_error(n), 0);
	snprintf(cmd, sizeof(cmd), "list table %s " TABLE, family);
	out = strdup(nft_run_cmd_from_buffer(n, cmd) == 0 ? nft_ctx_get_output_buffer(n) : "");
	nft_ctx_free(n);
	return out;
}

static bool listed(const char *family, const char *what)
{
	char *out = listing(family);
	bool found = strstr(out, what) != NULL;

	free(out);
	return found;
}

#define FWBR_INET   "\"fwbr101i0\" comment \"101\""
#define FWBR_BRIDGE "\"fwpr101p0\" . 02:00:00:00:01:05 comment \"101\" : 02:00:00:00:00:01"

/*
 * PVE's firewall bridge: its elements (inet and arp @fwbr, bridge
 * @hairpin) come with the owner's first forward through it, stay while
 * one is left, and go with the last; another owner's stay. The rules
 * that use them are in their chains.
 */
START_TEST(test_fwbr_elements)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f[2] = { fwbr_fwd(8080, "fwbr101i0", "fwpr101p0"),
				fwbr_fwd(8081, "fwbr101i0", "fwpr101p0") };
	struct portfwd other = fwbr_fwd(9090, "fwbr102i0", "fwpr102p0");
	struct portfwd bad = fwbr_fwd(9091, "fwbr\" drop", "fwpr103p0");
	struct lxcri_error err = { 0 };
	char *out;

	NETNS_SETUP();
	ctx = open_ctx();
	other.target = test_address("10.0.0.6");
	add_ok(ctx, "101", f, 2);
	add_ok(ctx, "102", &other, 1);
	ck_assert(listed("inet", FWBR_INET));
	ck_assert(listed("arp", FWBR_INET));
	ck_assert(listed("bridge", FWBR_BRIDGE));
	ck_assert(listed("bridge", "\"fwpr102p0\" . 02:00:00:00:01:05 comment \"102\""));
	out = listing("inet");
	ck_assert_msg(strstr(out, "iifname @fwbr ct zone set 19544"), "%s", out);
	/* The fwbr pass is not DNATed: before the first DNAT rule. */
	ck_assert(strstr(out, "iifname @fwbr return") &&
		  strstr(out, "iifname @fwbr return") < strstr(out, "dnat ip to"));
	free(out);
	ck_assert(listed("bridge", "ether saddr set oifname . ether saddr map @hairpin"));
	ck_assert(listed("bridge", "oifname . ether saddr @hairpin meta pkttype { broadcast, "
				   "multicast } drop"));
	ck_assert(listed("arp", "oifname @fwbr drop"));

	ck_assert_int_eq(portfwd_remove(ctx, "101", &f[0], 1, &err), 1);
	ck_assert(listed("inet", FWBR_INET));
	ck_assert(listed("bridge", FWBR_BRIDGE));
	ck_assert_int_eq(portfwd_remove(ctx, "101", &f[1], 1, &err), 1);
	ck_assert(!listed("inet", "fwbr101i0"));
	ck_assert(!listed("arp", "fwbr101i0"));
	ck_assert(!listed("bridge", "fwpr101p0"));
	ck_assert(listed("inet", "\"fwbr102i0\" comment \"102\""));
	ck_assert_int_eq(portfwd_remove_owner(ctx, "102", &err), 1);
	ck_assert(!listed("bridge", "fwpr102p0"));

	/* A name that would break out of nft's quotes is refused, nothing added. */
	ck_assert_int_eq(portfwd_add(ctx, "103", &bad, 1, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid port forward port0: the firewall bridge or its "
				      "port is no interface name of PVE's");
	ck_assert(!listed("inet", "fwpr103p0"));

	/* A table deleted by hand: the next add puts the bridge and arp tables back. */
	ck_assert_int_eq(nft(NULL, "delete table bridge " TABLE), 0);
	ck_assert_int_eq(complete(ctx), 0);
	add_ok(ctx, "101", f, 2);
	ck_assert_int_eq(complete(ctx), 1);
	ck_assert(listed("bridge", FWBR_BRIDGE));
}
END_TEST

START_TEST(test_json_round_trip)
{
	struct portfwd f = fwd(IPPROTO_UDP, 5000, 5009, 6000, "10.0.0.5", "10.0.0.0/24");
	struct portfwd g = fwd(IPPROTO_TCP, 443, 443, 8443, "fd00::5", "fd00::/64");
	struct lxcri_error err = { 0 };
	struct json_object *o;
	struct portfwd back;

	f.ct_range = true;
	f.has_hostip = true;
	f.hostip = test_address("192.0.2.10");
	f.index = 7;
	snprintf(f.localnet_if, sizeof(f.localnet_if), "vmbr0");
	o = portfwd_to_json(&f);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE),
			 "{\"family\":\"ipv4\",\"proto\":\"udp\",\"host_first\":5000,"
			 "\"host_last\":5009,\"ct_first\":6000,\"ct_range\":true,"
			 "\"hostip\":\"192.0.2.10\",\"target\":\"10.0.0.5\","
			 "\"subnet\":\"10.0.0.0/24\",\"localnet_if\":\"vmbr0\",\"index\":7}");
	memset(&back, 0xAA, sizeof(back));
	ck_assert_msg(portfwd_from_json(o, &back, &err) == 0, "%s", err.message);
	json_object_put(o);
	ck_assert_int_eq(back.family, AF_INET);
	ck_assert_int_eq(back.proto, IPPROTO_UDP);
	ck_assert_uint_eq(back.host_first, 5000);
	ck_assert_uint_eq(back.host_last, 5009);
	ck_assert_uint_eq(back.ct_first, 6000);
	ck_assert(back.ct_range);
	ck_assert(back.has_hostip);
	ck_assert(ip_address_equal(&back.hostip, &f.hostip));
	ck_assert(ip_address_equal(&back.target, &f.target));
	ck_assert(ip_address_equal(&back.subnet.addr, &f.subnet.addr));
	ck_assert_uint_eq(back.subnet.prefixlen, 24);
	ck_assert_str_eq(back.localnet_if, "vmbr0");
	ck_assert_uint_eq(back.index, 7);

	o = portfwd_to_json(&g);
	ck_assert_ptr_nonnull(o);
	ck_assert_msg(portfwd_from_json(o, &back, &err) == 0, "%s", err.message);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "family")), "ipv6");
	ck_assert(json_object_object_get(o, "hostip") == NULL);
	json_object_put(o);
	ck_assert_int_eq(back.family, AF_INET6);
	ck_assert(!back.has_hostip);
	ck_assert(!back.ct_range);
	ck_assert_str_eq(back.localnet_if, "");
	ck_assert_uint_eq(back.subnet.prefixlen, 64);
	ck_assert_str_eq(back.fwbr.bridge, "");

	/* Behind PVE's firewall bridge: its names and MACs come back. */
	f = fwbr_fwd(80, "fwbr101i0", "fwpr101p0");
	o = portfwd_to_json(&f);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(o, "fwbr"),
							JSON_C_TO_STRING_PLAIN),
			 "{\"bridge\":\"fwbr101i0\",\"port\":\"fwpr101p0\",\"mac\":"
			 "\"02:00:00:00:01:05\",\"vmbr_mac\":\"02:00:00:00:00:01\"}");
	ck_assert_msg(portfwd_from_json(o, &back, &err) == 0, "%s", err.message);
	json_object_put(o);
	ck_assert_str_eq(back.fwbr.bridge, "fwbr101i0");
	ck_assert_str_eq(back.fwbr.port, "fwpr101p0");
	ck_assert_mem_eq(back.fwbr.ct_mac, f.fwbr.ct_mac, 6);
	ck_assert_mem_eq(back.fwbr.vmbr_mac, f.fwbr.vmbr_mac, 6);
}
END_TEST

static void assert_bad_json(const char *text, const char *message)
{
	struct json_object *o = json_tokener_parse(text);
	struct lxcri_error err = { 0 };
	struct portfwd f = { 0 };

	ck_assert_msg(o, "test JSON: %s", text);
	ck_assert_int_eq(portfwd_from_json(o, &f, &err), -EINVAL);
	ck_assert_str_eq(err.message, message);
	ck_assert_int_eq(f.family, 0);
	json_object_put(o);
}

#define GOOD_JSON_TAIL                                                                             \
	"\"host_first\":80,\"host_last\":80,\"ct_first\":80,\"ct_range\":false,\"hostip\":null,"

START_TEST(test_json_errors)
{
	assert_bad_json("[]", "Invalid port forward: not a JSON object");
	assert_bad_json("{\"proto\":\"tcp\"}", "Invalid port forward: 'family' is missing");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"sctp\"}",
			"Invalid port forward: 'proto' is neither 'tcp' nor 'udp': 'sctp'");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\",\"host_first\":0}",
			"Invalid port forward: 'host_first' is not a port: 0");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\",\"host_first\":\"80\"}",
			"Invalid port forward: 'host_first' is not a number");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"fd00::5\"}",
			"Invalid port forward: 'target' is not an IPv4 address: 'fd00::5'");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"10.0.0.5\",\"subnet\":\"10.0.0.0\"}",
			"Invalid port forward: 'subnet' is not an IPv4 prefix: '10.0.0.0'");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"10.0.0.5\",\"subnet\":\"10.0.0.0/24\"}",
			"Invalid port forward: 'localnet_if' is missing");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"10.0.0.5\",\"subnet\":\"10.0.0.0/24\","
			"\"localnet_if\":\"a b\",\"index\":0}",
			"Invalid port forward: 'localnet_if' is not an interface name, or lo");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"10.0.0.5\",\"subnet\":\"10.0.0.0/24\","
			"\"localnet_if\":\"lo\",\"index\":0}",
			"Invalid port forward: 'localnet_if' is not an interface name, or lo");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"10.0.0.5\",\"subnet\":\"10.9.0.0/24\","
			"\"localnet_if\":\"\",\"index\":2}",
			"Invalid port forward port2: the target is not inside the subnet");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\",\"host_first\":80,"
			"\"host_last\":80,\"ct_first\":80,\"ct_range\":false}",
			"Invalid port forward: 'hostip' is missing");
	assert_bad_json(
	    "{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
	    "\"target\":\"10.0.0.5\",\"subnet\":\"10.0.0.0/24\","
	    "\"localnet_if\":\"\",\"index\":2,\"fwbr\":{\"bridge\":\"fwbr1i0\","
	    "\"port\":\"fwpr1p0\",\"mac\":\"nope\",\"vmbr_mac\":\"02:00:00:00:00:01\"}}",
	    "Invalid port forward: 'fwbr' holds no interface names and MACs");
	assert_bad_json("{\"family\":\"ipv4\",\"proto\":\"tcp\"," GOOD_JSON_TAIL
			"\"target\":\"10.0.0.5\",\"subnet\":\"10.0.0.0/24\","
			"\"localnet_if\":\"\",\"index\":2,\"fwbr\":{\"bridge\":\"fwbr1i0\"}}",
			"Invalid port forward: 'port' is missing");
}
END_TEST

START_TEST(test_host_string)
{
	struct portfwd f = fwd(IPPROTO_TCP, 8080, 8080, 80, "10.0.0.5", "10.0.0.0/24");
	char buf[128];

	portfwd_host_string(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "tcp 8080");
	f.proto = IPPROTO_UDP;
	f.host_first = 5000;
	f.host_last = 5009;
	portfwd_host_string(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "udp 5000-5009");
	f.has_hostip = true;
	f.hostip = test_address("192.0.2.10");
	portfwd_host_string(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "udp 192.0.2.10:5000-5009");
	f.proto = IPPROTO_TCP;
	f.host_first = f.host_last = 80;
	f.hostip = test_address("2001:db8::1");
	portfwd_host_string(&f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "tcp [2001:db8::1]:80");
}
END_TEST

/*
 * A kernel without netfilter's netlink: libnftables would exit() the
 * helper or `lxcri check` on its first command; portfwd_open() says so and
 * returns instead. The socket is refused here by a seccomp filter.
 */
START_TEST(test_no_netfilter_netlink)
{
	struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = { 0 };
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(seccomp_rule_add(f, SCMP_ACT_ERRNO(EPROTONOSUPPORT), SCMP_SYS(socket), 2,
					  SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
					  SCMP_A2(SCMP_CMP_EQ, NETLINK_NETFILTER)),
			 0);
	ck_assert_int_eq(seccomp_load(f), 0);
	seccomp_release(f);
	ck_assert_int_eq(portfwd_open(TABLE, &ctx, &err), -EPROTONOSUPPORT);
	ck_assert_ptr_null(ctx);
	ck_assert_msg(strstr(err.message, "nftables is not available: no netfilter netlink socket"),
		      "%s", err.message);
}
END_TEST

static Suite *portfwd_suite(void)
{
	Suite *s = suite_create("portfwd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table_created_once);
	tcase_add_test(tc, test_no_netfilter_netlink);
	tcase_add_test(tc, test_element_per_port);
	tcase_add_test(tc, test_maps_and_sorting);
	tcase_add_test(tc, test_conflict_other_owner);
	tcase_add_test(tc, test_same_owner_idempotent);
	tcase_add_test(tc, test_port_bound_by_process);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_table_deleted);
	tcase_add_test(tc, test_incomplete_table_restored);
	tcase_add_test(tc, test_overlapping_subnets);
	tcase_add_test(tc, test_localnet_set);
	tcase_add_test(tc, test_traffic);
	tcase_add_test(tc, test_counters_traffic);
	tcase_add_test(tc, test_counters_table_remade);
	tcase_add_test(tc, test_conntrack_flushed);
	tcase_add_test(tc, test_fwbr_elements);
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_json_errors);
	tcase_add_test(tc, test_host_string);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(portfwd_suite)
