/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Links, addresses, routes and bridge VLANs over rtnetlink, for the
 * networks of a container. Links libnl-3 and libnl-route-3 only: no `ip`,
 * no shell.
 *
 * The caller (lxcri-net, at LXC's start-host hook) works with two sockets:
 * one in its own (host) network namespace from netlink_open(), and one
 * inside the container's from netlink_open_in_netns_pid(LXC_PID) or
 * netlink_open_in_netns_fd(). A socket stays in the namespace it was
 * created in, so every later call on it acts there, whatever namespace the
 * calling thread is in.
 *
 *   host:      netlink_veth_create()  host end (+ bridge, PVID, up), peer made
 *                                     directly inside the container's netns
 *   container: netlink_link_configure()  (rename, MAC, MTU,) up
 *              netlink_address_add(), netlink_route_add()
 *   teardown:  netlink_link_delete()  (either end removes both)
 *
 * Give the peer its final name (and MAC) at creation: then a name already
 * taken in the container is found before anything exists, and the only
 * thing left to undo after a later failure is the pair itself.
 *
 * Functions return >= 0 or -errno; libnl's error codes are translated
 * (with the kernel's own errno where it reported one) and nl_geterror()'s
 * text is kept in err->message:
 *
 *   Failed to add route '10.20.0.0/16': Network is unreachable
 *   Failed to create veth pair 'lx5d743a7bn1'/'eth1': Object exists
 *
 * ifname arguments are interface names as valid_ifname() accepts them.
 */

#include <net/if.h>
#include <netlink/socket.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/error.h"
#include "lib/basic/ip.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
#define _cleanup_nl_socket_ _cleanup_(nl_socket_freep)

struct nl_sock;

/* A connected NETLINK_ROUTE socket in the caller's network namespace. */
int netlink_open(struct nl_sock **ret);

/*
 * A NETLINK_ROUTE socket inside the network namespace netns_fd refers to
 * (an fd of /proc/<pid>/ns/net or of a bind mount of it): setns() there,
 * create the socket, setns() back. setns() moves only the calling thread,
 * and only for the duration of the call; it is meant for our helpers, which
 * are single-threaded, so nothing else can run in the other namespace
 * meanwhile (a signal handler that opens files or sockets would). If going
 * back fails, the thread is left in the other namespace and the call
 * returns that error: the caller must then stop.
 */
int netlink_open_in_netns_fd(int netns_fd, struct nl_sock **ret, struct lxcri_error *err);
/* The same for the network namespace of process pid (LXC_PID at start-host). */
int netlink_open_in_netns_pid(pid_t pid, struct nl_sock **ret, struct lxcri_error *err);
/*
 * A raw NETLINK_ROUTE socket (non-blocking, O_CLOEXEC) in the network
 * namespace of netns_fd, subscribed to its IPv4 and IPv6 address changes
 * (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR): readable when an address comes
 * or goes. The same setns() dance as netlink_open_in_netns_fd().
 */
int netlink_address_monitor_open(int netns_fd, struct lxcri_error *err);
/* Opens /proc/<pid>/ns/net (O_CLOEXEC) for netlink_veth_spec.peer_netns_fd. */
int netlink_netns_open_pid(pid_t pid, int *ret_fd, struct lxcri_error *err);

struct netlink_veth_spec {
	const char *host_ifname; /* the host end, see netlink_host_ifname() */
	const char *peer_ifname; /* the peer's name where it is created */
	int peer_netns_fd;	 /* >= 0: create the peer in this netns; -1: on the host */
	uint32_t mtu;		 /* both ends; 0: the kernel's default */
	const uint8_t *peer_mac; /* 6 bytes; NULL: the kernel picks one */
	const char *bridge;	 /* NULL or "": no master */
	uint16_t pvid; /* 1..4094: untagged PVID on the port of a VLAN-aware bridge; 0: none */
	const uint8_t *host_mac; /* 6 bytes, see netlink_host_mac(); NULL: a random one */
	const char *host_alias;	 /* IFLA_IFALIAS of the host end (who owns it); NULL: none */
};

/*
 * A MAC address for the host end of a veth: random, starting with 0xfe
 * (locally administered, unicast), so that it never becomes the address of
 * a bridge (which takes the lowest of its ports'). Given to the kernel at
 * creation, in the same request, it marks the link as the one that request
 * made: a caller records it ahead and knows its own link by it later.
 */
int netlink_host_mac(uint8_t ret[6]);

/*
 * Creates the veth pair, attaches the host end to spec->bridge (which must
 * exist and be a bridge: -ENODEV / -EINVAL naming it), sets the PVID and
 * brings the host end up. The host end gets spec->host_mac (or one of
 * netlink_host_mac()) and then its alias. The peer is left down for
 * netlink_link_configure() (the kernel cannot open a veth end before the
 * pair is linked: -ENOTCONN). host_sk is a socket in the host's netns.
 * Without a PVID, the pair is made, attached and up in one request; with one,
 * the host end comes up only once the PVID is set (never on the default VLAN).
 *
 * Checked before anything is created: the host name is free on the host
 * and the peer name is free in the peer's netns (-EEXIST naming it), the
 * bridge, and that it is VLAN-aware when pvid is set (-EINVAL). All or nothing: when a later step
 * fails the pair is deleted again.
 */
int netlink_veth_create(struct nl_sock *host_sk, const struct netlink_veth_spec *spec,
			struct lxcri_error *err);

struct netlink_link_settings {
	const char *new_name; /* NULL or the same name: keep */
	const uint8_t *mac;   /* 6 bytes, unicast; NULL: keep */
	uint32_t mtu;	      /* 0: keep */
	bool up;	      /* bring it up at the end */
};

/*
 * Renames ifname (bringing it down first, as the kernel wants), sets its
 * MAC and MTU, and brings it up. A new_name that already exists is
 * -EEXIST naming it, found before anything changed. Not atomic beyond that:
 * on failure the caller deletes the link (for a veth, from either side).
 */
int netlink_link_configure(struct nl_sock *sk, const char *ifname,
			   const struct netlink_link_settings *settings, struct lxcri_error *err);

/*
 * Adds an IPv4 or IPv6 address to ifname. IPv6 addresses get IFA_F_NODAD:
 * they are usable at once, without duplicate address detection's delay.
 * IPv4 addresses shorter than /31 get the subnet's broadcast address.
 * Adding an address that is already there replaces it (succeeds).
 */
int netlink_address_add(struct nl_sock *sk, const char *ifname, const struct ip_prefix *cidr,
			struct lxcri_error *err);

/* A route, as netlink_route_add() takes it. */
struct netlink_route {
	bool is_default;      /* the default route of dst.addr.family */
	struct ip_prefix dst; /* family set even for default */
	bool has_via;
	struct ip_address via;
	char dev[IFNAMSIZ]; /* "" if none */
	bool has_metric;
	uint32_t metric;
	uint32_t table; /* 0: main */
};

/*
 * Adds a route: route->dst (or the default route of its family), via, dev
 * (looked up by name in sk's netns), metric and table (0: main). A route
 * needs via, dev or both. An identical route already there is -EEXIST.
 */
int netlink_route_add(struct nl_sock *sk, const struct netlink_route *route,
		      struct lxcri_error *err);

/*
 * The global (scope universe) addresses of family on ifname, in the order
 * the kernel lists them, at most max: the count. -ENODEV naming ifname if it
 * does not exist. IPv6 link-local and tentative-free checks are not made.
 */
int netlink_addresses(struct nl_sock *sk, const char *ifname, int family, struct ip_prefix *ret,
		      size_t max, size_t *ret_n, struct lxcri_error *err);

/*
 * The interface of the default route of family in the main table: 1 and its
 * name in ret, or 0 when there is none.
 */
int netlink_default_route_dev(struct nl_sock *sk, int family, char ret[IFNAMSIZ],
			      struct lxcri_error *err);

/*
 * The interface a packet to dst leaves through (RTM_GETROUTE, as `ip route
 * get`): its name in ret. -ENETUNREACH naming dst when there is no route.
 */
int netlink_route_get_dev(struct nl_sock *sk, const struct ip_address *dst, char ret[IFNAMSIZ],
			  struct lxcri_error *err);

/*
 * The host end of the veth ifname of the container whose netns ct is in: 1
 * and its name in ret when the peer is a veth in host's netns, 0 when ifname
 * is no veth or its peer is not there (a macvlan, a physical device).
 */
int netlink_veth_peer(struct nl_sock *ct, struct nl_sock *host, const char *ifname,
		      char ret[IFNAMSIZ], struct lxcri_error *err);

/*
 * Hairpin mode of a bridge port (`bridge link set dev <ifname> hairpin on`):
 * the bridge may send a frame back out of the port it came in on. A
 * container reaching its own forwarded port needs it where br_netfilter
 * makes the bridge itself DNAT the packet (Proxmox VE's firewall loads it).
 */
int netlink_bridge_port_set_hairpin(struct nl_sock *sk, const char *ifname, bool on,
				    struct lxcri_error *err);

/* Every address of every interface in sk's netns, both families, any scope. *ret freed with free().
 */
int netlink_all_addresses(struct nl_sock *sk, struct ip_address **ret, size_t *ret_n,
			  struct lxcri_error *err);

/*
 * The localnet guard of ifname: a filter on the interface's ingress that
 * drops every IPv4 packet with a 127.0.0.0/8 source, or destination unless
 * it carries NETLINK_LOCALNET_REPLY_MARK, which net.ipv4.conf.<ifname>.
 * route_localnet=1 would otherwise route in (a neighbour on a bridge
 * reaching the host's loopback services). The mark is for the answers to
 * the host's own connections to 127.0.0.1 that a forward DNATed: where
 * br_netfilter runs the IPv4 hooks on the bridge port, they arrive here
 * already translated back to 127.0.0.1; lib/port/portfwd's nftables table sets
 * the mark on them (a packet from the wire has none, a veth from another
 * netns clears it). Without that rule (`nft flush ruleset`) such answers
 * are dropped too: the guard fails closed. It lives with the interface,
 * not in nftables: a flush leaves it, and it goes when the interface goes. A cls_bpf filter with a
 * classic BPF program and direct action (no act_gact, no cls_flower: kernels without them have it),
 * protocol ip, priority NETLINK_LOCALNET_GUARD_PRIO (the first to run), handle 1, on the ingress of
 * a clsact or ingress qdisc. The admin's filters of other priorities, and the qdisc, stay as they
 * are.
 *
 * netlink_ingress_qdisc_add(): a clsact qdisc unless the interface has an
 * ingress or clsact qdisc: 1 if it made one, 0 if one was there.
 * netlink_ingress_qdisc_exists(): 1 or 0.
 * netlink_ingress_qdisc_del_unused(): deletes the clsact qdisc if no filter
 * is left on it (ingress or egress): 1 deleted, 0 kept (or none there).
 * netlink_localnet_guard_add(): the filter (the qdisc must be there);
 * already there is fine. Another filter at its priority: -EEXIST naming it.
 * netlink_localnet_guard_present(): 1 if exactly our filter is there, 0 if
 * not (or the interface does not exist).
 * netlink_localnet_guard_del(): removes our filter and nothing else; not
 * there (or no interface) is fine.
 * Each -ENODEV naming ifname when it does not exist, but where said.
 */
#define NETLINK_LOCALNET_GUARD_PRIO 1
#define NETLINK_LOCALNET_REPLY_MARK 0x1000
int netlink_ingress_qdisc_add(struct nl_sock *sk, const char *ifname, struct lxcri_error *err);
int netlink_ingress_qdisc_exists(struct nl_sock *sk, const char *ifname, struct lxcri_error *err);
int netlink_ingress_qdisc_del_unused(struct nl_sock *sk, const char *ifname,
				     struct lxcri_error *err);
int netlink_localnet_guard_add(struct nl_sock *sk, const char *ifname, struct lxcri_error *err);
int netlink_localnet_guard_present(struct nl_sock *sk, const char *ifname, struct lxcri_error *err);
int netlink_localnet_guard_del(struct nl_sock *sk, const char *ifname, struct lxcri_error *err);

/* Deletes ifname; a link that is not there is fine (returns 0). */
int netlink_link_delete(struct nl_sock *sk, const char *ifname, struct lxcri_error *err);
/*
 * Deletes the link with that ifindex, whatever it is named by now (an
 * ifindex is not given again while the kernel runs, so this never hits a
 * link that took the name since); one that is not there is fine (0).
 */
int netlink_link_delete_ifindex(struct nl_sock *sk, int ifindex, struct lxcri_error *err);

/* 1 if ifname exists in sk's netns, 0 if not, or -errno. */
int netlink_link_exists(struct nl_sock *sk, const char *ifname);

struct netlink_link_info {
	int ifindex;
	uint32_t mtu;
	bool has_mac;
	uint8_t mac[6];
	bool up;	       /* IFF_UP */
	char master[IFNAMSIZ]; /* "" when it has none */
	char kind[32];	       /* "veth", "bridge", ...; "" for a device without one */
	char alias[128];       /* IFLA_IFALIAS, "" when it has none (longer ones cut) */
};

/* -ENODEV (naming it) if ifname does not exist. */
int netlink_link_get(struct nl_sock *sk, const char *ifname, struct netlink_link_info *ret,
		     struct lxcri_error *err);

/*
 * 1 if bridge is VLAN-aware (vlan_filtering on), 0 if not (also on kernels
 * without CONFIG_BRIDGE_VLAN_FILTERING), -ENODEV / -EINVAL if it does not
 * exist or is not a bridge.
 */
int netlink_bridge_vlan_filtering(struct nl_sock *sk, const char *bridge, struct lxcri_error *err);

/*
 * Makes vid the PVID of bridge port ifname, untagged, and removes every
 * other VLAN from the port (as PVE does for a tagged guest port). The
 * bridge must have vlan_filtering on for the VLAN to take effect: check
 * with netlink_bridge_vlan_filtering() (netlink_veth_create() does).
 */
int netlink_bridge_port_set_pvid(struct nl_sock *sk, const char *ifname, uint16_t vid,
				 struct lxcri_error *err);

struct netlink_port_vlans {
	uint16_t pvid;	    /* 0: none */
	bool pvid_untagged; /* egress untagged on the PVID */
	size_t n_vlans;	    /* VLANs on the port, PVID included */
};

/* The port's VLANs, from a RTM_GETLINK AF_BRIDGE dump with RTEXT_FILTER_BRVLAN. */
int netlink_bridge_port_get_vlans(struct nl_sock *sk, const char *ifname,
				  struct netlink_port_vlans *ret, struct lxcri_error *err);

/*
 * A MAC address for net_name of container_id: always the same for the same
 * pair, locally administered (0x02 set) and unicast (0x01 clear) in byte 0.
 * The other 46 bits come from a 64-bit FNV-1a hash of "<id>\0<name>".
 */
void netlink_stable_mac(const char *container_id, const char *net_name, uint8_t ret[6]);

/*
 * A name for the host end of net number net_index of container_id, the
 * attempt-th candidate: "lx" + 8 hex digits of a 64-bit FNV-1a hash + "n" +
 * net_index, e.g. "lx5d743a7bn1", where attempt 0 hashes the id alone and a
 * later attempt the id, a NUL and the attempt number. At most 15 bytes for
 * net_index up to 9999 (-ERANGE beyond), and never one of PVE's prefixes
 * ("veth<vmid>i<N>", "tap", "fwbr", "fwpr", "fwln").
 *
 * Ids collide: 32 bits of hash give the same name to 129 pairs of vmids
 * below 1,000,000 (44257 and 59801, for one). The caller takes the first
 * candidate that does not exist and records the name it used.
 */
int netlink_host_ifname(const char *container_id, unsigned net_index, unsigned attempt,
			char ret[IFNAMSIZ]);
