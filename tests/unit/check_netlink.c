/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "testutil.h"

#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/basic/valid.h"

/*
 * Every test runs in its own forked process, moves it into a fresh network
 * namespace (the "host") and makes a second one (the "container"): nothing
 * here touches the real host's interfaces.
 */
struct env {
	int host_ns, ct_ns;
	struct nl_sock *host, *ct;
};

static bool env_setup(struct env *e, const char *test)
{
	struct lxcri_error err = { 0 };

	if (geteuid() != 0) {
		test_skip(test, "needs root for network namespaces");
		return false;
	}
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(e->host_ns, 0);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->ct_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(e->ct_ns, 0);
	ck_assert_int_eq(setns(e->host_ns, CLONE_NEWNET), 0);
	ck_assert_int_eq(netlink_open(&e->host), 0);
	ck_assert_msg(netlink_open_in_netns_fd(e->ct_ns, &e->ct, &err) == 0, "%s", err.message);
	return true;
}

static void env_done(struct env *e)
{
	nl_socket_free(e->host);
	nl_socket_free(e->ct);
	close(e->host_ns);
	close(e->ct_ns);
}

#define ENV_SETUP(e)                                                                               \
	struct env e = { -1, -1, NULL, NULL };                                                     \
	if (!env_setup(&e, __func__))                                                              \
	return

static const uint8_t test_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static void create_veth(struct env *e, const char *host_ifname, const char *peer_ifname,
			const char *bridge, uint16_t pvid)
{
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = {
		.host_ifname = host_ifname,
		.peer_ifname = peer_ifname,
		.peer_netns_fd = e->ct_ns,
		.mtu = 1400,
		.peer_mac = test_mac,
		.bridge = bridge,
		.pvid = pvid,
	};
	int r = netlink_veth_create(e->host, &spec, &err);

	ck_assert_msg(r == 0, "netlink_veth_create: %d %s", r, err.message);
}

static struct netlink_link_info get_link(struct nl_sock *sk, const char *ifname)
{
	struct netlink_link_info info;
	struct lxcri_error err = { 0 };
	int r = netlink_link_get(sk, ifname, &info, &err);

	ck_assert_msg(r == 0, "netlink_link_get(%s): %d %s", ifname, r, err.message);
	return info;
}

static void create_bridge(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *br = rtnl_link_bridge_alloc();

	ck_assert_ptr_nonnull(br);
	rtnl_link_set_name(br, name);
	ck_assert_int_eq(rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(br);
}

/*
 * libnl 3.7 has no setter for IFLA_BR_VLAN_FILTERING: the message by hand.
 * false if the kernel was built without CONFIG_BRIDGE_VLAN_FILTERING.
 */
static bool create_vlan_bridge(struct nl_sock *sk, const char *name)
{
	struct nl_msg *msg =
	    nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data;
	int r;

	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	ck_assert_int_eq(nla_put_string(msg, IFLA_IFNAME, name), 0);
	info = nla_nest_start(msg, IFLA_LINKINFO);
	ck_assert_ptr_nonnull(info);
	ck_assert_int_eq(nla_put_string(msg, IFLA_INFO_KIND, "bridge"), 0);
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(nla_put_u8(msg, IFLA_BR_VLAN_FILTERING, 1), 0);
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	r = nl_send_sync(sk, msg);
	if (r == -NLE_OPNOTSUPP)
		return false;
	ck_assert_msg(r == 0, "creating bridge %s: %s", name, nl_geterror(r));
	return true;
}

static struct ip_prefix cidr(const char *s)
{
	struct ip_prefix c = { 0 };
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	c.prefixlen = (unsigned)atoi(slash + 1);
	c.addr.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(c.addr.family, buf, &c.addr.in6), 1);
	return c;
}

static struct ip_address addr(const char *s)
{
	struct ip_address a = { 0 };

	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a.family, s, &a.in6), 1);
	return a;
}

/* Whether sk's netns has address s ("10.0.0.5/24") on ifindex, usable at once. */
static bool has_address(struct nl_sock *sk, int ifindex, const char *s, const char *brd)
{
	struct nl_cache *cache = NULL;
	bool found = false;

	ck_assert_int_eq(rtnl_addr_alloc_cache(sk, &cache), 0);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		char buf[128];

		if (rtnl_addr_get_ifindex(a) != ifindex)
			continue;
		nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
		if (strcmp(buf, s) == 0) {
			found = true;
			ck_assert(!(rtnl_addr_get_flags(a) & IFA_F_TENTATIVE));
			if (rtnl_addr_get_family(a) == AF_INET6)
				ck_assert(rtnl_addr_get_flags(a) & IFA_F_NODAD);
			if (brd) {
				ck_assert_ptr_nonnull(rtnl_addr_get_broadcast(a));
				nl_addr2str(rtnl_addr_get_broadcast(a), buf, sizeof(buf));
				ck_assert_str_eq(buf, brd);
			}
		}
	}
	nl_cache_free(cache);
	return found;
}

/* dst "default" or "10.10.0.0/16"; metric -1: any. */
static bool has_route(struct nl_sock *sk, int family, const char *dst, uint32_t table, long metric,
		      const char *gw, int ifindex)
{
	struct nl_cache *cache = NULL;
	bool found = false;

	ck_assert_int_eq(rtnl_route_alloc_cache(sk, family, 0, &cache), 0);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh;
		char buf[128];

		if (rtnl_route_get_table(rt) != table || rtnl_route_get_nnexthops(rt) != 1)
			continue;
		if (strcmp(dst, "default") == 0) {
			if (d && nl_addr_get_prefixlen(d) != 0)
				continue;
		} else {
			if (!d)
				continue;
			nl_addr2str(d, buf, sizeof(buf));
			if (strcmp(buf, dst) != 0)
				continue;
		}
		if (metric >= 0 && rtnl_route_get_priority(rt) != (uint32_t)metric)
			continue;
		nh = rtnl_route_nexthop_n(rt, 0);
		if (!rtnl_route_nh_get_gateway(nh))
			continue;
		nl_addr2str(rtnl_route_nh_get_gateway(nh), buf, sizeof(buf));
		if (strcmp(buf, gw) != 0 || rtnl_route_nh_get_ifindex(nh) != ifindex)
			continue;
		found = true;
	}
	nl_cache_free(cache);
	return found;
}

START_TEST(test_veth_peer_in_container)
{
	struct netlink_link_info host, peer;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);

	host = get_link(e.host, "lxtest0n1");
	ck_assert_str_eq(host.kind, "veth");
	ck_assert(host.up);
	ck_assert_uint_eq(host.mtu, 1400);
	ck_assert_str_eq(host.master, "");
	ck_assert(host.has_mac);
	ck_assert_uint_eq(host.mac[0], 0xfe);
	ck_assert_int_eq(netlink_link_exists(e.host, "eth1"), 0);

	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 1);
	ck_assert_int_eq(netlink_link_exists(e.ct, "lxtest0n1"), 0);
	peer = get_link(e.ct, "eth1");
	ck_assert_str_eq(peer.kind, "veth");
	ck_assert(!peer.up);
	ck_assert_uint_eq(peer.mtu, 1400);
	ck_assert(peer.has_mac);
	ck_assert_mem_eq(peer.mac, test_mac, 6);
	env_done(&e);
}
END_TEST

START_TEST(test_configure_rename_mac_mtu_up)
{
	static const uint8_t mac[6] = { 0xbc, 0x24, 0x11, 0x00, 0x00, 0x01 };
	struct netlink_link_settings settings = {
		.new_name = "eth1",
		.mac = mac,
		.mtu = 1280,
		.up = true,
	};
	struct lxcri_error err = { 0 };
	struct netlink_link_info peer;
	int r;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "lxtmp1", NULL, 0);
	/* Up first, so that the rename has to take it down. */
	settings.new_name = NULL;
	settings.mtu = 0;
	settings.mac = NULL;
	r = netlink_link_configure(e.ct, "lxtmp1", &settings, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	ck_assert(get_link(e.ct, "lxtmp1").up);

	settings.new_name = "eth1";
	settings.mac = mac;
	settings.mtu = 1280;
	r = netlink_link_configure(e.ct, "lxtmp1", &settings, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	ck_assert_int_eq(netlink_link_exists(e.ct, "lxtmp1"), 0);
	peer = get_link(e.ct, "eth1");
	ck_assert(peer.up);
	ck_assert_uint_eq(peer.mtu, 1280);
	ck_assert_mem_eq(peer.mac, mac, 6);
	env_done(&e);
}
END_TEST

START_TEST(test_configure_name_clash)
{
	struct netlink_link_settings settings = { .new_name = "eth0", .up = true };
	struct lxcri_error err = { 0 };
	int r;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n0", "eth0", NULL, 0);
	create_veth(&e, "lxtest0n1", "lxtmp1", NULL, 0);
	r = netlink_link_configure(e.ct, "lxtmp1", &settings, &err);
	ck_assert_int_eq(r, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.message, "'eth0'"));
	ck_assert(!get_link(e.ct, "lxtmp1").up);

	r = netlink_link_configure(e.ct, "nosuch0", &(struct netlink_link_settings){ .up = true },
				   &err);
	ck_assert_int_eq(r, -ENODEV);
	ck_assert_ptr_nonnull(strstr(err.message, "'nosuch0'"));
	env_done(&e);
}
END_TEST

START_TEST(test_bridge_attach)
{
	struct netlink_port_vlans vlans = { 0 };
	struct lxcri_error err = { 0 };
	struct netlink_link_info host;
	int r;

	ENV_SETUP(e);
	create_bridge(e.host, "vmbr1");
	create_veth(&e, "lxtest0n1", "eth1", "vmbr1", 0);
	host = get_link(e.host, "lxtest0n1");
	ck_assert_str_eq(host.master, "vmbr1");
	ck_assert(host.up);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 1);
	/* The VLAN dump works on a port of a bridge without VLAN filtering too. */
	r = netlink_bridge_port_get_vlans(e.host, "lxtest0n1", &vlans, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	r = netlink_bridge_port_get_vlans(e.host, "nosuch0", &vlans, &err);
	ck_assert_int_eq(r, -ENODEV);
	env_done(&e);
}
END_TEST

START_TEST(test_missing_bridge)
{
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = {
		.host_ifname = "lxtest0n1",
		.peer_ifname = "eth1",
		.bridge = "vmbr9",
	};
	int r;

	ENV_SETUP(e);
	spec.peer_netns_fd = e.ct_ns;
	r = netlink_veth_create(e.host, &spec, &err);
	ck_assert_int_eq(r, -ENODEV);
	ck_assert_ptr_nonnull(strstr(err.message, "'vmbr9'"));
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_master_not_bridge)
{
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = {
		.host_ifname = "lxtest0n1",
		.peer_ifname = "eth1",
		.bridge = "plain0",
	};
	struct netlink_veth_spec plain = {
		.host_ifname = "plain0",
		.peer_ifname = "plain1",
		.peer_netns_fd = -1,
	};
	int r;

	ENV_SETUP(e);
	r = netlink_veth_create(e.host, &plain, &err);
	ck_assert_msg(r == 0, "%s", err.message);
	ck_assert_int_eq(netlink_link_exists(e.host, "plain1"), 1);
	spec.peer_netns_fd = e.ct_ns;
	r = netlink_veth_create(e.host, &spec, &err);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "'plain0'"));
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_name_clash_in_container)
{
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = {
		.host_ifname = "lxtest0n2",
		.peer_ifname = "eth1",
	};
	int r;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	spec.peer_netns_fd = e.ct_ns;
	r = netlink_veth_create(e.host, &spec, &err);
	ck_assert_int_eq(r, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.message, "'eth1'"));
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n2"), 0);

	/* The host name taken: -EEXIST too, and the other side untouched. */
	spec.host_ifname = "lxtest0n1";
	spec.peer_ifname = "eth2";
	r = netlink_veth_create(e.host, &spec, &err);
	ck_assert_int_eq(r, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.message, "'lxtest0n1'"));
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth2"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 1);
	env_done(&e);
}
END_TEST

/* What lxcri-portfwd asks: a container's addresses and default route, the host's way there. */
START_TEST(test_address_and_route_lookups)
{
	struct netlink_link_settings up = { .up = true };
	struct lxcri_error err = { 0 };
	struct ip_prefix got[4], c4 = cidr("10.0.0.5/24"), c4b = cidr("10.1.0.5/16"),
				 c6 = cidr("fd00::5/64"), h4 = cidr("10.0.0.1/24");
	struct netlink_route def = { .is_default = true,
				     .dst.addr.family = AF_INET,
				     .has_via = true };
	char dev[IFNAMSIZ] = "";
	size_t n = 99;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	ck_assert_int_eq(netlink_link_configure(e.ct, "eth1", &up, &err), 0);
	ck_assert_int_eq(netlink_link_configure(e.host, "lxtest0n1", &up, &err), 0);
	/* None yet: no address, no default route. */
	ck_assert_int_eq(netlink_addresses(e.ct, "eth1", AF_INET, got, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(netlink_default_route_dev(e.ct, AF_INET, dev, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.ct, "eth1", &c4, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.ct, "eth1", &c4b, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.ct, "eth1", &c6, &err), 0);
	ck_assert_int_eq(netlink_addresses(e.ct, "eth1", AF_INET, got, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(ip_address_equal(&got[0].addr, &c4.addr));
	ck_assert_uint_eq(got[0].prefixlen, 24);
	ck_assert(ip_address_equal(&got[1].addr, &c4b.addr));
	ck_assert_uint_eq(got[1].prefixlen, 16);
	/* Only global IPv6 addresses: not the link-local fe80:: one. */
	ck_assert_int_eq(netlink_addresses(e.ct, "eth1", AF_INET6, got, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(ip_address_equal(&got[0].addr, &c6.addr));
	ck_assert_int_eq(netlink_addresses(e.ct, "eth9", AF_INET, got, 4, &n, &err), -ENODEV);
	ck_assert_ptr_nonnull(strstr(err.message, "'eth9'"));

	ck_assert_int_eq(ip_address_parse("10.0.0.1", AF_INET, &def.via), 0);
	snprintf(def.dev, sizeof(def.dev), "eth1");
	ck_assert_int_eq(netlink_route_add(e.ct, &def, &err), 0);
	ck_assert_int_eq(netlink_default_route_dev(e.ct, AF_INET, dev, &err), 1);
	ck_assert_str_eq(dev, "eth1");
	ck_assert_int_eq(netlink_default_route_dev(e.ct, AF_INET6, dev, &err), 0);

	/* On the host: the target is reached through the host end once it has a route. */
	ck_assert_int_eq(netlink_route_get_dev(e.host, &c4.addr, dev, &err), -ENETUNREACH);
	ck_assert_ptr_nonnull(strstr(err.message, "'10.0.0.5'"));
	ck_assert_int_eq(netlink_address_add(e.host, "lxtest0n1", &h4, &err), 0);
	ck_assert_int_eq(netlink_route_get_dev(e.host, &c4.addr, dev, &err), 0);
	ck_assert_str_eq(dev, "lxtest0n1");
	/* The socket still answers the next request: the ACK was read. */
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 1);
	env_done(&e);
}
END_TEST

START_TEST(test_addresses_and_routes)
{
	struct netlink_link_settings up = { .up = true };
	struct lxcri_error err = { 0 };
	struct netlink_route routes[4] = { 0 };
	struct ip_prefix c4 = cidr("10.0.0.5/24"), c6 = cidr("fd00::5/64");
	int ifindex, r;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	ck_assert_int_eq(netlink_link_configure(e.ct, "eth1", &up, &err), 0);
	ifindex = get_link(e.ct, "eth1").ifindex;

	r = netlink_address_add(e.ct, "eth1", &c4, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	r = netlink_address_add(e.ct, "eth1", &c6, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	/* Again: replaced, not an error. */
	ck_assert_int_eq(netlink_address_add(e.ct, "eth1", &c4, &err), 0);
	ck_assert(has_address(e.ct, ifindex, "10.0.0.5/24", "10.0.0.255"));
	ck_assert(has_address(e.ct, ifindex, "fd00::5/64", NULL));

	routes[0].is_default = true;
	routes[0].dst.addr.family = AF_INET;
	routes[0].has_via = true;
	routes[0].via = addr("10.0.0.1");
	routes[1].is_default = true;
	routes[1].dst.addr.family = AF_INET6;
	routes[1].has_via = true;
	routes[1].via = addr("fd00::1");
	snprintf(routes[1].dev, sizeof(routes[1].dev), "eth1");
	routes[2].dst = cidr("10.10.0.0/16");
	routes[2].has_via = true;
	routes[2].via = addr("10.0.0.254");
	snprintf(routes[2].dev, sizeof(routes[2].dev), "eth1");
	routes[2].has_metric = true;
	routes[2].metric = 100;
	routes[2].table = 100;
	routes[3].dst = cidr("fd01::/64");
	routes[3].has_via = true;
	routes[3].via = addr("fd00::254");
	snprintf(routes[3].dev, sizeof(routes[3].dev), "eth1");
	routes[3].has_metric = true;
	routes[3].metric = 50;
	routes[3].table = 1000;
	for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
		r = netlink_route_add(e.ct, &routes[i], &err);
		ck_assert_msg(r == 0, "route %zu: %d %s", i, r, err.message);
	}
	ck_assert(has_route(e.ct, AF_INET, "default", RT_TABLE_MAIN, -1, "10.0.0.1", ifindex));
	ck_assert(has_route(e.ct, AF_INET6, "default", RT_TABLE_MAIN, -1, "fd00::1", ifindex));
	ck_assert(has_route(e.ct, AF_INET, "10.10.0.0/16", 100, 100, "10.0.0.254", ifindex));
	ck_assert(has_route(e.ct, AF_INET6, "fd01::/64", 1000, 50, "fd00::254", ifindex));
	ck_assert(!has_route(e.host, AF_INET, "default", RT_TABLE_MAIN, -1, "10.0.0.1", ifindex));

	/* The same route again, and a gateway out of reach: the kernel's errno. */
	r = netlink_route_add(e.ct, &routes[2], &err);
	ck_assert_int_eq(r, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.message, "Failed to add route '10.10.0.0/16'"));
	routes[2].dst = cidr("10.20.0.0/16");
	routes[2].via = addr("192.168.77.1");
	routes[2].dev[0] = '\0';
	r = netlink_route_add(e.ct, &routes[2], &err);
	ck_assert_msg(r == -ENETUNREACH, "%d %s", r, err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "'10.20.0.0/16'"));

	r = netlink_address_add(e.ct, "eth7", &c4, &err);
	ck_assert_int_eq(r, -ENODEV);
	ck_assert_ptr_nonnull(strstr(err.message, "'eth7'"));
	env_done(&e);
}
END_TEST

/* busybox ping, run in the test's "host" netns: 0 if the address answered. */
static int ping(const char *address, const char *wait_seconds)
{
	int status = -1;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl("/usr/bin/busybox", "ping", "-c", "1", "-W", wait_seconds, address,
		      (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_ping_across)
{
	struct netlink_link_settings up = { .up = true };
	struct ip_prefix host4 = cidr("10.0.0.1/24"), host6 = cidr("fd00::1/64");
	struct ip_prefix ct4 = cidr("10.0.0.5/24"), ct6 = cidr("fd00::5/64");
	struct lxcri_error err = { 0 };

	ENV_SETUP(e);
	if (access("/usr/bin/busybox", X_OK) != 0) {
		test_skip(__func__, "no /usr/bin/busybox");
		env_done(&e);
		return;
	}
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	ck_assert_int_eq(netlink_link_configure(e.ct, "eth1", &up, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.host, "lxtest0n1", &host4, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.host, "lxtest0n1", &host6, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.ct, "eth1", &ct4, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.ct, "eth1", &ct6, &err), 0);
	ck_assert_int_eq(ping("10.0.0.5", "5"), 0);
	ck_assert_int_eq(ping("fd00::5", "5"), 0);
	ck_assert_int_ne(ping("10.0.0.6", "1"), 0);
	env_done(&e);
}
END_TEST

/* The port's VLANs as `bridge vlan show` prints them (its own reading of the kernel). */
/* What `bridge <what> show dev <dev>` prints (its own reading of the kernel). */
static char *bridge_show(const char *what, const char *dev)
{
	char *out = test_run_output(
	    (const char *const[]){ "/usr/sbin/bridge", "-d", what, "show", "dev", dev, NULL });

	return out ? out : (char *)"";
}

static size_t count_of(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The veth lxtest0n1 for a test of filters, which tc reads back; false (skipped) without tc. */
static bool tc_veth(struct env *e, const char *test)
{
	if (access("/usr/sbin/tc", X_OK) != 0) {
		test_skip(test, "no /usr/sbin/tc to read the filters with");
		env_done(e);
		return false;
	}
	create_veth(e, "lxtest0n1", "eth1", NULL, 0);
	return true;
}

/* The guard on an interface of its own: made, found, idempotent, removed with its qdisc. */
START_TEST(test_localnet_guard)
{
	struct lxcri_error err = { 0 };
	char *out;

	ENV_SETUP(e);
	if (!tc_veth(&e, __func__))
		return;
	ck_assert_int_eq(netlink_localnet_guard_present(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_add(e.host, "lxtest0n1", &err), 1);
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxtest0n1", &err), 1);
	ck_assert_int_eq(netlink_ingress_qdisc_add(e.host, "lxtest0n1", &err), 0);
	ck_assert_msg(netlink_localnet_guard_add(e.host, "lxtest0n1", &err) == 0, "%s",
		      err.message);
	ck_assert_int_eq(netlink_localnet_guard_add(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_localnet_guard_present(e.host, "lxtest0n1", &err), 1);
	out = TEST_TC("filter", "show", "dev", "lxtest0n1", "ingress");
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(count_of(out, "pref 1 bpf") == 2 && count_of(out, "direct-action") == 1, "%s",
		      out);
	ck_assert_int_eq(netlink_localnet_guard_del(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_localnet_guard_present(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_localnet_guard_del(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_del_unused(e.host, "lxtest0n1", &err), 1);
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_del_unused(e.host, "lxtest0n1", &err), 0);
	/* An interface that is not there. */
	ck_assert_int_eq(netlink_localnet_guard_present(e.host, "nosuch0", &err), 0);
	ck_assert_int_eq(netlink_localnet_guard_del(e.host, "nosuch0", &err), 0);
	ck_assert_int_eq(netlink_localnet_guard_add(e.host, "nosuch0", &err), -ENODEV);
	ck_assert_str_eq(err.message, "Interface 'nosuch0' does not exist");
	env_done(&e);
}
END_TEST

/* Beside an admin's qdisc and filters: ours added and removed, theirs left. */
START_TEST(test_localnet_guard_beside_admin)
{
	struct lxcri_error err = { 0 };
	char *out;

	ENV_SETUP(e);
	if (!tc_veth(&e, __func__))
		return;
	ck_assert_ptr_nonnull(TEST_TC("qdisc", "add", "dev", "lxtest0n1", "ingress"));
	ck_assert_ptr_nonnull(TEST_TC_ADMIN_FILTER("lxtest0n1", "ingress", "100"));
	ck_assert_int_eq(netlink_ingress_qdisc_add(e.host, "lxtest0n1", &err), 0);
	ck_assert_msg(netlink_localnet_guard_add(e.host, "lxtest0n1", &err) == 0, "%s",
		      err.message);
	ck_assert_int_eq(netlink_localnet_guard_present(e.host, "lxtest0n1", &err), 1);
	ck_assert_int_eq(netlink_localnet_guard_del(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_del_unused(e.host, "lxtest0n1", &err), 0);
	out = TEST_TC("filter", "show", "dev", "lxtest0n1", "ingress");
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "pref 100 u32") && !strstr(out, "bpf"), "%s", out);

	/* A clsact we made, with an admin's egress filter since: kept. */
	ck_assert_ptr_nonnull(TEST_TC("qdisc", "del", "dev", "lxtest0n1", "ingress"));
	ck_assert_int_eq(netlink_ingress_qdisc_add(e.host, "lxtest0n1", &err), 1);
	ck_assert_ptr_nonnull(TEST_TC_ADMIN_FILTER("lxtest0n1", "egress", "100"));
	ck_assert_int_eq(netlink_ingress_qdisc_del_unused(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxtest0n1", &err), 1);

	/* Another filter at our priority: refused, naming it; it stays. */
	ck_assert_ptr_nonnull(TEST_TC_ADMIN_FILTER("lxtest0n1", "ingress", "1"));
	ck_assert_int_eq(netlink_localnet_guard_add(e.host, "lxtest0n1", &err), -EEXIST);
	ck_assert_str_eq(err.message, "Failed to add the localnet guard to 'lxtest0n1': priority 1 "
				      "of its ingress holds another filter ('u32')");
	ck_assert_int_eq(netlink_localnet_guard_present(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_localnet_guard_del(e.host, "lxtest0n1", &err), 0);
	out = TEST_TC("filter", "show", "dev", "lxtest0n1", "ingress");
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "pref 1 u32"), "%s", out);
	env_done(&e);
}
END_TEST

START_TEST(test_all_addresses)
{
	struct netlink_link_settings up = { .up = true };
	struct ip_prefix host4 = cidr("10.0.0.1/24"), host6 = cidr("fd00::1/64");
	struct lxcri_error err = { 0 };
	struct ip_address *all = NULL;
	size_t n = 0;
	bool seen4 = false, seen6 = false, seen_lo = false;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	ck_assert_int_eq(netlink_link_configure(e.host, "lo", &up, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.host, "lxtest0n1", &host4, &err), 0);
	ck_assert_int_eq(netlink_address_add(e.host, "lxtest0n1", &host6, &err), 0);
	ck_assert_int_eq(netlink_all_addresses(e.host, &all, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN];

		ck_assert_int_eq(ip_address_to_string(&all[i], text, sizeof(text)), 0);
		seen4 |= strcmp(text, "10.0.0.1") == 0;
		seen6 |= strcmp(text, "fd00::1") == 0;
		seen_lo |= strcmp(text, "127.0.0.1") == 0;
	}
	ck_assert(seen4 && seen6 && seen_lo);
	free(all);
	env_done(&e);
}
END_TEST

START_TEST(test_veth_peer_and_hairpin)
{
	struct lxcri_error err = { 0 };
	char peer[IFNAMSIZ] = "";

	ENV_SETUP(e);
	create_bridge(e.host, "vmbr1");
	create_veth(&e, "lxtest0n1", "eth1", "vmbr1", 0);
	ck_assert_int_eq(netlink_veth_peer(e.ct, e.host, "eth1", peer, &err), 1);
	ck_assert_str_eq(peer, "lxtest0n1");
	ck_assert_int_eq(netlink_veth_peer(e.ct, e.host, "lo", peer, &err), 0);
	ck_assert_int_eq(netlink_veth_peer(e.ct, e.host, "eth9", peer, &err), -ENODEV);
	ck_assert_ptr_null(strstr(bridge_show("link", "lxtest0n1"), "hairpin on"));
	ck_assert_msg(netlink_bridge_port_set_hairpin(e.host, "lxtest0n1", true, &err) == 0, "%s",
		      err.message);
	ck_assert_ptr_nonnull(strstr(bridge_show("link", "lxtest0n1"), "hairpin on"));
	ck_assert_int_eq(netlink_bridge_port_set_hairpin(e.host, "lxtest0n1", false, &err), 0);
	ck_assert_ptr_null(strstr(bridge_show("link", "lxtest0n1"), "hairpin on"));
	ck_assert_int_eq(netlink_bridge_port_set_hairpin(e.host, "nosuch0", true, &err), -ENODEV);
	env_done(&e);
}
END_TEST

START_TEST(test_vlan_pvid)
{
	struct netlink_port_vlans vlans = { 0 };
	struct lxcri_error err = { 0 };
	int r;

	ENV_SETUP(e);
	if (!create_vlan_bridge(e.host, "vmbr2")) {
		test_skip(__func__, "kernel without CONFIG_BRIDGE_VLAN_FILTERING");
		env_done(&e);
		return;
	}
	ck_assert_int_eq(netlink_bridge_vlan_filtering(e.host, "vmbr2", &err), 1);
	create_veth(&e, "lxtest0n1", "eth1", "vmbr2", 0);
	r = netlink_bridge_port_get_vlans(e.host, "lxtest0n1", &vlans, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	ck_assert_uint_eq(vlans.pvid, 1); /* the bridge's default_pvid */

	r = netlink_bridge_port_set_pvid(e.host, "lxtest0n1", 42, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	r = netlink_bridge_port_get_vlans(e.host, "lxtest0n1", &vlans, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	ck_assert_uint_eq(vlans.pvid, 42);
	ck_assert(vlans.pvid_untagged);
	ck_assert_uint_eq(vlans.n_vlans, 1);

	/* Through netlink_veth_create(), and read back by iproute2. */
	create_veth(&e, "lxtest0n2", "eth2", "vmbr2", 7);
	r = netlink_bridge_port_get_vlans(e.host, "lxtest0n2", &vlans, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	ck_assert_uint_eq(vlans.pvid, 7);
	ck_assert(vlans.pvid_untagged);
	ck_assert_uint_eq(vlans.n_vlans, 1);
	if (access("/usr/sbin/bridge", X_OK) == 0) {
		const char *out = bridge_show("vlan", "lxtest0n2");

		ck_assert_msg(strstr(out, "7 PVID Egress Untagged"), "%s", out);
	}

	r = netlink_bridge_port_set_pvid(e.host, "lxtest0n2", 4095, &err);
	ck_assert_int_eq(r, -EINVAL);
	env_done(&e);
}
END_TEST

/* A tag on a bridge that is not VLAN-aware would be ignored: refused, nothing created. */
START_TEST(test_pvid_needs_vlan_aware_bridge)
{
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = {
		.host_ifname = "lxtest0n1",
		.peer_ifname = "eth1",
		.bridge = "vmbr1",
		.pvid = 10,
	};
	int r;

	ENV_SETUP(e);
	create_bridge(e.host, "vmbr1");
	ck_assert_int_eq(netlink_bridge_vlan_filtering(e.host, "vmbr1", &err), 0);
	ck_assert_int_eq(netlink_bridge_vlan_filtering(e.host, "vmbr9", &err), -ENODEV);
	ck_assert_ptr_nonnull(strstr(err.message, "'vmbr9'"));
	ck_assert_int_eq(netlink_bridge_vlan_filtering(e.host, "lo", &err), -EINVAL);

	spec.peer_netns_fd = e.ct_ns;
	r = netlink_veth_create(e.host, &spec, &err);
	ck_assert_msg(r == -EINVAL, "%d %s", r, err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "'vmbr1'"));
	ck_assert_ptr_nonnull(strstr(err.message, "VLAN 10"));
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);

	/* Without a bridge, a tag means nothing. */
	spec.bridge = NULL;
	ck_assert_int_eq(netlink_veth_create(e.host, &spec, &err), -EINVAL);
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_pvid_without_bridge_port)
{
	struct lxcri_error err = { 0 };
	int r;

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	r = netlink_bridge_port_set_pvid(e.host, "lxtest0n1", 10, &err);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "'lxtest0n1'"));
	env_done(&e);
}
END_TEST

START_TEST(test_delete_idempotent)
{
	struct lxcri_error err = { 0 };

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	ck_assert_int_eq(netlink_link_delete(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	ck_assert_int_eq(netlink_link_delete(e.host, "lxtest0n1", &err), 0);
	ck_assert_int_eq(netlink_link_delete(e.ct, "eth1", &err), 0);

	/* From the container side, the host end goes too. */
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	ck_assert_int_eq(netlink_link_delete(e.ct, "eth1", &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	ck_assert_int_eq(netlink_link_delete(e.host, "bad name", &err), -EINVAL);
	env_done(&e);
}
END_TEST

/* The container as LXC gives it to start-host: a process in its own netns. */
START_TEST(test_netns_of_pid)
{
	struct nl_sock *ct = NULL;
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = {
		.host_ifname = "lxtest0n1",
		.peer_ifname = "eth1",
	};
	int ready[2], hold[2], nsfd = -1, r;
	pid_t pid;
	char c;

	ENV_SETUP(e);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(hold, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);

	r = netlink_open_in_netns_pid(pid, &ct, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	r = netlink_netns_open_pid(pid, &nsfd, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	spec.peer_netns_fd = nsfd;
	r = netlink_veth_create(e.host, &spec, &err);
	ck_assert_msg(r == 0, "%d %s", r, err.message);
	ck_assert_int_eq(netlink_link_exists(ct, "eth1"), 1);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, "eth1"), 0);
	/* The calling thread is back in its own netns. */
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 1);

	r = netlink_open_in_netns_pid(0, &ct, &err);
	ck_assert_int_eq(r, -EINVAL);

	close(hold[1]);
	waitpid(pid, NULL, 0);
	close(nsfd);
	nl_socket_free(ct);
	env_done(&e);
}
END_TEST

START_TEST(test_stable_mac)
{
	uint8_t a[6], b[6], c[6], d[6];
	const char *ids[] = { "105", "106", "web", "", "a-very-long-container-name-0123456789" };

	netlink_stable_mac("105", "eth1", a);
	netlink_stable_mac("105", "eth1", b);
	ck_assert_mem_eq(a, b, 6);
	/* Pinned: a change would give every container a new MAC. */
	ck_assert_mem_eq(a, ((const uint8_t[6]){ 0x56, 0x2d, 0xb1, 0x04, 0x36, 0xc8 }), 6);
	netlink_stable_mac("105", "eth2", c);
	ck_assert(memcmp(a, c, 6) != 0);
	netlink_stable_mac("106", "eth1", d);
	ck_assert(memcmp(a, d, 6) != 0);
	/* The id and the name do not run into each other. */
	netlink_stable_mac("10", "5eth1", d);
	ck_assert(memcmp(a, d, 6) != 0);

	for (size_t i = 0; i < ELEMENTSOF(ids); i++)
		for (unsigned n = 0; n < 32; n++) {
			char name[16];
			uint8_t m[6];

			snprintf(name, sizeof(name), "eth%u", n);
			netlink_stable_mac(ids[i], name, m);
			ck_assert(m[0] & 0x02);
			ck_assert(!(m[0] & 0x01));
			ck_assert(mac_is_unicast(m));
		}
}
END_TEST

START_TEST(test_host_ifname)
{
	const char *ids[] = { "105", "999999999", "web", "",
			      "a-very-long-container-name-0123456789-0123456789" };
	char a[IFNAMSIZ], b[IFNAMSIZ];

	for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
		for (unsigned n = 0; n < 10000; n += 37) {
			for (unsigned attempt = 0; attempt < 8; attempt++) {
				ck_assert_int_eq(netlink_host_ifname(ids[i], n, attempt, a), 0);
				ck_assert_int_eq(netlink_host_ifname(ids[i], n, attempt, b), 0);
				ck_assert_str_eq(a, b);
				ck_assert_uint_le(strlen(a), 15);
				ck_assert(valid_ifname(a));
				ck_assert(strncmp(a, "lx", 2) == 0);
				ck_assert(strncmp(a, "veth", 4) != 0 && strncmp(a, "tap", 3) != 0 &&
					  strncmp(a, "fwbr", 4) != 0 &&
					  strncmp(a, "fwpr", 4) != 0 && strncmp(a, "fwln", 4) != 0);
			}
		}
		ck_assert_int_eq(netlink_host_ifname(ids[i], 9999, 7, a), 0);
		ck_assert_uint_eq(strlen(a), 15);
	}
	ck_assert_int_eq(netlink_host_ifname("105", 10000, 0, a), -ERANGE);
	/* The example in netlink.h; a change here renames every host end. */
	ck_assert_int_eq(netlink_host_ifname("105", 1, 0, a), 0);
	ck_assert_str_eq(a, "lx5d743a7bn1");
	netlink_host_ifname("106", 1, 0, b);
	ck_assert_str_ne(a, b);
	netlink_host_ifname("105", 2, 0, b);
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(a + strlen(a) - 2, "n1");
	/* Each attempt is another name. */
	for (unsigned attempt = 1; attempt < 8; attempt++) {
		netlink_host_ifname("105", 1, attempt, b);
		ck_assert_str_ne(a, b);
		ck_assert_str_eq(b + strlen(b) - 2, "n1");
	}
}
END_TEST

/*
 * vmids 44257 and 59801 share the first name (32 bits of hash: 129 pairs
 * of vmids below 1,000,000 do); their later candidates differ, and neither
 * id's own hash is the other's later candidate.
 */
START_TEST(test_host_ifname_collision_has_a_way_out)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	ck_assert_int_eq(netlink_host_ifname("44257", 1, 0, a), 0);
	ck_assert_int_eq(netlink_host_ifname("59801", 1, 0, b), 0);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, "lxaaf1a6e6n1");
	for (unsigned attempt = 1; attempt < 8; attempt++) {
		ck_assert_int_eq(netlink_host_ifname("44257", 1, attempt, a), 0);
		ck_assert_int_eq(netlink_host_ifname("59801", 1, attempt, b), 0);
		ck_assert_str_ne(a, b);
		ck_assert_str_ne(a, "lxaaf1a6e6n1");
		for (unsigned other = 1; other < 8; other++) {
			ck_assert_int_eq(netlink_host_ifname("59801", 1, other, c), 0);
			ck_assert_str_ne(a, c);
		}
	}
}
END_TEST

/*
 * The host end gets the MAC and alias asked for, at creation: the MAC marks
 * the link as the one this request made, the alias says whose it is.
 */
START_TEST(test_veth_host_mac_and_alias)
{
	static const uint8_t mark[6] = { 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05 };
	static const uint8_t multicast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	struct lxcri_error err = { 0 };
	uint8_t random_mac[6];

	ENV_SETUP(e);
	struct netlink_veth_spec spec = {
		.host_ifname = "lxtest0n1",
		.peer_ifname = "eth1",
		.peer_netns_fd = e.ct_ns,
		.host_mac = mark,
		.host_alias = "lxcri web net1",
	};
	ck_assert_msg(netlink_veth_create(e.host, &spec, &err) == 0, "%s", err.message);
	struct netlink_link_info h = get_link(e.host, "lxtest0n1");
	ck_assert(h.has_mac);
	ck_assert_mem_eq(h.mac, mark, 6);
	ck_assert_str_eq(h.alias, "lxcri web net1");
	ck_assert_str_eq(get_link(e.ct, "eth1").alias, "");

	/* A multicast host MAC is refused before anything exists. */
	spec.host_ifname = "lxtest0n2";
	spec.peer_ifname = "eth2";
	spec.host_mac = multicast;
	ck_assert_int_eq(netlink_veth_create(e.host, &spec, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "'01:00:5e:00:00:01' for 'lxtest0n2'"), "%s",
		      err.message);
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n2"), 0);

	/* netlink_host_mac(): random, 0xfe first (never a bridge's own address). */
	ck_assert_int_eq(netlink_host_mac(random_mac), 0);
	ck_assert_uint_eq(random_mac[0], 0xfe);
	ck_assert(mac_is_unicast(random_mac) && !mac_is_zero(random_mac));
	env_done(&e);
}
END_TEST

/* By ifindex: the link that has it, whatever it is named by now. */
START_TEST(test_delete_by_ifindex)
{
	struct lxcri_error err = { 0 };

	ENV_SETUP(e);
	create_veth(&e, "lxtest0n1", "eth1", NULL, 0);
	int ifindex = get_link(e.host, "lxtest0n1").ifindex;
	create_veth(&e, "lxtest0n2", "eth2", NULL, 0);
	ck_assert_int_eq(netlink_link_delete_ifindex(e.host, ifindex, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, "lxtest0n2"), 1);
	/* Gone already: fine. */
	ck_assert_int_eq(netlink_link_delete_ifindex(e.host, ifindex, &err), 0);
	ck_assert_int_eq(netlink_link_delete_ifindex(e.host, 0, &err), -EINVAL);
	env_done(&e);
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_veth_peer_in_container);
	tcase_add_test(tc, test_configure_rename_mac_mtu_up);
	tcase_add_test(tc, test_configure_name_clash);
	tcase_add_test(tc, test_bridge_attach);
	tcase_add_test(tc, test_missing_bridge);
	tcase_add_test(tc, test_master_not_bridge);
	tcase_add_test(tc, test_name_clash_in_container);
	tcase_add_test(tc, test_addresses_and_routes);
	tcase_add_test(tc, test_ping_across);
	tcase_add_test(tc, test_vlan_pvid);
	tcase_add_test(tc, test_pvid_needs_vlan_aware_bridge);
	tcase_add_test(tc, test_pvid_without_bridge_port);
	tcase_add_test(tc, test_delete_idempotent);
	tcase_add_test(tc, test_address_and_route_lookups);
	tcase_add_test(tc, test_veth_peer_and_hairpin);
	tcase_add_test(tc, test_netns_of_pid);
	tcase_add_test(tc, test_stable_mac);
	tcase_add_test(tc, test_host_ifname);
	tcase_add_test(tc, test_host_ifname_collision_has_a_way_out);
	tcase_add_test(tc, test_veth_host_mac_and_alias);
	tcase_add_test(tc, test_delete_by_ifindex);
	tcase_add_test(tc, test_localnet_guard);
	tcase_add_test(tc, test_localnet_guard_beside_admin);
	tcase_add_test(tc, test_all_addresses);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(netlink_suite)
