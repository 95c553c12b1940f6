/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Host port forwarding into containers with one nftables table of our own
 * (libnftables; default `table inet lxcri`, see PORTFWD_TABLE). A forward is
 * a map element, never a rule, so the cost of a packet and of a change does
 * not grow with the number of forwards:
 *
 *   table inet lxcri {
 *     map fwd4   { type inet_proto . inet_service : ipv4_addr . inet_service }
 *     map fwd4ip { type ipv4_addr . inet_proto . inet_service
 *                  : ipv4_addr . inet_service }              (hostip= forwards)
 *     map fwd6, fwd6ip                                         (the same, IPv6)
 *                  (each declared with `counter`: see Counters below)
 *     set hairpin4 { type ipv4_addr . ipv4_addr; flags interval }  subnet . subnet
 *     set hairpin6 { type ipv6_addr . ipv6_addr; flags interval }
 *     set localnet { type ifname }   interfaces we set route_localnet on
 *     chain prerouting  nat, hook prerouting, priority dstnat (-100):
 *         fib daddr type local: dnat through fwd4ip, then fwd4 (and v6)
 *     chain output      nat, hook output, priority dstnat (-100): the same for
 *         packets of the host itself (to its own addresses and 127.0.0.1;
 *         IPv6 not for ::1)
 *     chain postrouting nat, hook postrouting, priority srcnat (100):
 *         ct status dnat and saddr . daddr in hairpinN: masquerade;
 *         ct status dnat, ip saddr 127.0.0.0/8, oifname != "lo": masquerade
 *     chain guard       filter, hook prerouting, priority raw (-300):
 *         iifname @localnet, ip saddr or daddr 127.0.0.0/8: drop
 *     chain localnet_mark  filter, hook prerouting, priority mangle (-150):
 *         ct direction reply, ct original ip saddr 127.0.0.0/8:
 *         meta mark |= NETLINK_LOCALNET_REPLY_MARK (what the localnet guard
 *         on the interface lets through; see netlink.h)
 *     set fwbr     { type ifname }   PVE firewall bridges of hairpin forwards
 *     chain fwbr_zone  filter, hook prerouting, priority raw (-300):
 *         iifname @fwbr: ct zone set PORTFWD_FWBR_ZONE
 *     (and prerouting begins with: iifname @fwbr return)
 *     chain count_original  filter, hook prerouting, priority -150
 *     chain count_local     filter, hook output, priority -150
 *     chain count_reply     filter, hook postrouting, priority 200
 *     chain count_reply_local  filter, hook input, priority 200
 *         (see Counters)
 *   }
 *   table bridge lxcri {
 *     map hairpin  { type ifname . ether_addr : ether_addr }
 *                  fwpr . the container's MAC : the vmbr's MAC
 *     chain postrouting  filter, hook postrouting, priority 0:
 *         oifname . ether saddr in @hairpin, broadcast or multicast: drop;
 *         ether saddr set oifname . ether saddr map @hairpin
 *   }
 *   table arp lxcri {
 *     set fwbr { type ifname }
 *     chain output  filter, hook output, priority 0: oifname @fwbr drop
 *   }
 *
 * Each element carries a comment "<owner>" (the container id), which is how a
 * conflict names the container holding a port and how removal takes exactly
 * the elements of one container. One element per host port: a host range
 * a-b is b-a+1 elements (to ct port c + i for a ct range, else all to c).
 *
 * Localhost: 127.0.0.1 reaches a forward through the output chain; the DNATed
 * packet keeps source 127.0.0.1, which the kernel routes out of an interface
 * only with net.ipv4.conf.<if>.route_localnet=1, and postrouting masquerades
 * such packets to the interface's address. The interface (localnet_if: the
 * host side of the container's link, never lo) goes into @localnet with the
 * forward's elements, in the same transaction, so the guard chain drops
 * 127/8 arriving on it from outside. route_localnet itself is not set here:
 * lib/port/localnet sets it after the forward is in, with a guard that lives with
 * the interface (the chain goes with `nft flush ruleset`), and sets it back
 * when the last forward through the interface goes, when the caller removes
 * the interface from @localnet too (portfwd_localnet_del()). IPv6 has no such
 * switch: ::1 is not forwarded (documented).
 *
 * Hairpin elements: one per subnet ("10.0.0.0/24 . 10.0.0.0/24": a DNATed
 * packet from the subnet to the subnet is masqueraded), shared by the
 * containers of the subnet, without owner, never removed: it only ever
 * matches traffic that needs it. A subnet inside one already there (a /24 in
 * a /16) is not added: the kernel refuses overlapping intervals, and the
 * larger one serves.
 *
 * PVE's firewall bridge (firewall=1, see struct portfwd_fwbr): the
 * container's veth is on fwbr<vmid>i<N>, joined to the vmbr by the veth pair
 * fwln<vmid>i<N> / fwpr<vmid>p<N>. With br_netfilter, a packet of the
 * container to a host address passes fwbr, then the vmbr; for the container
 * to reach its own forward, all of these are needed (tested on Linux 6.18):
 * the vmbr DNATs it (not the fwbr pass: `iifname @fwbr return`), with its own
 * conntrack entry (the fwbr passes are in conntrack zone PORTFWD_FWBR_ZONE,
 * so the vmbr pass of the same packet is a new flow and the packet coming
 * back into fwbr does not clash with it); fwpr is in hairpin mode (the
 * caller sets it, after the add), so the vmbr sends the DNATed frame back
 * out of the port it came in on; that frame still has the container's own
 * MAC as its source, which fwbr would learn on fwln and then drop every
 * frame to the container: the bridge table gives it the vmbr's MAC, as a
 * router would, and drops the container's own broadcasts that hairpin mode
 * sends back to it. The host answers ARP for its addresses on any interface,
 * fwbr too, and a container that took fwbr's MAC for its gateway has its
 * packets routed by the fwbr pass: the arp table keeps the host from
 * answering out of fwbr, which has no address. All of these elements carry
 * the owner's comment, are added with its first forward through the fwbr and
 * removed with its last.
 *
 * Counters: each forward element carries a packet and a byte counter of
 * the packets of its connections, both directions. The first packet of a
 * connection is counted by the DNAT's map lookup itself (only a connection's
 * first packet passes a nat chain); the count chains count the others with a
 * lookup of the same element, for connections with `ct status dnat`: the
 * original direction before NAT (-150, prerouting and output), where the
 * packet still has the host port as destination, and the replies after NAT
 * (200, postrouting and input), where they have it as source again. So every
 * packet is counted once, the cost of a packet stays one hash lookup, and a
 * change still adds one element per host port. The firewall bridge's passes
 * (@fwbr) are not counted: the vmbr's pass of the same packet is. A forward
 * that is removed and added again (a container's restart) starts from 0, as
 * a Prometheus counter may. portfwd_set_counters(ctx, false) makes a table
 * without any of this (bench/portfwd-scale compares the two); a table made
 * with the other choice, or by a version without counters, has its forward
 * maps made again in the transaction of the next change that finds it so
 * (see portfwd_add(), portfwd_repair()), with their elements.
 *
 * Every change is one nftables transaction (one nft_run_cmd_from_buffer()
 * batch): all of its elements or none. The table, maps, sets and chains are
 * created with `add` (idempotent) in the same batch, so a table that an admin
 * or `flush ruleset` removed comes back with the next change. Shared maps are
 * never flushed or replaced; only named elements are created and deleted.
 *
 * Cost: an add lists neither the table nor its maps (`list chains inet`,
 * and the hostip maps when a forward is for every address), so it costs
 * the same with 1 or 10,000 forwards; a chain that does not exist is made
 * with its rules. Only when a key is taken (EEXIST) does it read the table,
 * to name the holder or to skip the owner's own identical elements, and
 * then a chain found without its rules is flushed and refilled in the same
 * transaction. A removal reads the table (see portfwd_remove()).
 *
 * Functions return 0 (or a count) or -errno with err set; they do not log.
 */

#include <json-c/json.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/basic/ip.h"

#define PORTFWD_TABLE "lxcri"

/* The conntrack zone of the packets that pass a firewall bridge of ours (@fwbr). */
#define PORTFWD_FWBR_ZONE 19544

/* A container's interface behind PVE's firewall bridge; bridge[0] == '\0': none. */
struct portfwd_fwbr {
	char bridge[IFNAMSIZ]; /* fwbr<vmid>i<N> */
	char port[IFNAMSIZ];   /* fwpr<vmid>p<N>, the port on the vmbr */
	uint8_t ct_mac[6];     /* the container interface's MAC */
	uint8_t vmbr_mac[6];   /* the vmbr's MAC */
};

/* One forward as applied: host ports host_first..host_last to target. */
struct portfwd {
	int family;	     /* AF_INET or AF_INET6: of target (and of hostip) */
	int proto;	     /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_first; /* 1..65535 */
	uint16_t host_last;  /* >= host_first */
	uint16_t ct_first;   /* the ct port of host_first */
	bool ct_range;	     /* true: host_first + i -> ct_first + i; false: all -> ct_first */
	bool has_hostip;     /* false: every local address of the host */
	struct ip_address hostip;
	struct ip_address target;   /* the container's address */
	struct ip_prefix subnet;    /* the target's network, for hairpin masquerade */
	char localnet_if[IFNAMSIZ]; /* IPv4: where route_localnet is set; "" none */
	struct portfwd_fwbr fwbr;   /* PVE's firewall bridge of the target, if any */
	unsigned index;		    /* N of portN, for messages; not in the table */
};

struct portfwd_ctx; /* an nft context and the table name */

/* table NULL: PORTFWD_TABLE. Tests pass a table of their own. */
int portfwd_open(const char *table, struct portfwd_ctx **ret, struct lxcri_error *err);
void portfwd_close(struct portfwd_ctx *ctx);

/* Per-forward counters (the default) or none (see Counters above): for benchmarks. */
void portfwd_set_counters(struct portfwd_ctx *ctx, bool on);
static inline void portfwd_closep(struct portfwd_ctx **p)
{
	portfwd_close(*p);
}
#define _cleanup_portfwd_ __attribute__((cleanup(portfwd_closep)))

/*
 * Adds the forwards of owner in one transaction, with the table if missing,
 * hairpin elements for each distinct (subnet, target), each localnet_if
 * in @localnet, and the elements of each fwbr. It changes nothing outside the table: no sysctl.
 *
 * Refused before anything changes, with the first conflict in err:
 *   -EADDRINUSE  a host port already in the table for another owner (the same
 *                port on the same hostip, or either of the two for every address):
 *                "Host port 'tcp 8080' is already forwarded to container '101'"
 *                (a port of the same owner is replaced: re-adding is idempotent)
 *   -EADDRINUSE  a host port bound by a host process (portfwd_port_user()):
 *                "Host port 'tcp 8080' is in use by 'nginx' (pid 123)"
 *   -EINVAL      an invalid forward (family mismatch, range, port 0, target
 *                outside subnet, localnet_if lo), an owner other than 1..127 of
 *                [A-Za-z0-9-_.:@+], or a host port twice in f
 * A race with another writer that nft reports as EEXIST is also -EADDRINUSE.
 */
int portfwd_add(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f, size_t n,
		struct lxcri_error *err);

/*
 * Removes the elements of these forwards that carry owner's comment, in one
 * transaction; elements already gone (or now someone else's) are skipped.
 * Then flushes the connection-tracking entries of the removed forwards
 * (original destination port in the host range, reply source the target),
 * so an established flow (UDP too) stops. Returns the number of forward
 * (map) elements removed (hairpin elements stay). With the owner's last
 * forward, its fwbr elements go too. To remove exactly the
 * owner's, it reads the table first (nft 1.0.6 reads a whole map to look one
 * element up): its cost grows with the table, an add's does not. A missing table
 * is no error (0). The conntrack flush is best effort and never fails the
 * call: the elements are gone by then, so no new flow is forwarded, and an
 * entry that could not be deleted (no conntrack netlink, say) ends with its
 * timeout. Only the family, proto, host ports and hostip of f select
 * elements (its subnet may be unset, as in portfwd_list()'s entries).
 */
int portfwd_remove(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f, size_t n,
		   struct lxcri_error *err);

/* Removes every map element of owner, flushing conntrack as portfwd_remove()
 * does; the number of elements removed. */
int portfwd_remove_owner(struct portfwd_ctx *ctx, const char *owner, struct lxcri_error *err);

/* Removes ifname from @localnet: 1, or 0 when it (or the table) is not there. */
int portfwd_localnet_del(struct portfwd_ctx *ctx, const char *ifname, struct lxcri_error *err);

/* One element of the table, as listed. */
struct portfwd_entry {
	char owner[128];
	struct portfwd fwd; /* host_first == host_last; ct_first its ct port; no subnet */
	bool counted;	    /* the element has a counter: packets and bytes */
	uint64_t packets;   /* of its connections, both directions */
	uint64_t bytes;
};

/*
 * Every forward element of the table (all owners), sorted by family, proto,
 * host address, host port. A missing table: *ret_n 0 and 0. *ret freed with free().
 */
int portfwd_list(struct portfwd_ctx *ctx, struct portfwd_entry **ret, size_t *ret_n,
		 struct lxcri_error *err);

/*
 * Makes the table complete: what is missing of it is added, and a chain
 * missing rules (an admin flushed it) is refilled, in one transaction;
 * elements are left as they are. 0 if it was complete, 1 if repaired.
 * portfwd_add() only adds the chains that do not exist: `lxcri port sync`
 * repairs first.
 */
int portfwd_repair(struct portfwd_ctx *ctx, struct lxcri_error *err);

/* Whether the table exists with all its chains, maps and sets: 1, 0, or -errno. */
int portfwd_table_complete(struct portfwd_ctx *ctx, struct lxcri_error *err);

/*
 * A host process bound to a port of proto in first..last on hostip (NULL:
 * any address) of family, from /proc/net/{tcp,tcp6,udp,udp6} (TCP: LISTEN
 * only) and the socket inodes under /proc/<pid>/fd. Returns 1 and "'comm'
 * (pid N)" in who (or "an unknown process" when no fd is found), 0 if free.
 */
int portfwd_port_user(int family, int proto, uint16_t first, uint16_t last,
		      const struct ip_address *hostip, char *who, size_t size);

/* "tcp 8080", "udp 5000-5009", "tcp 192.0.2.10:8080", "tcp [2001:db8::1]:80". */
void portfwd_host_string(const struct portfwd *f, char *buf, size_t size);

/* "8080", or "8080-8089" for a range. */
void portfwd_range_string(unsigned first, unsigned last, char *buf, size_t size);

/* The state item data of a forward, and back (lib/shared/state.h items "port.fwd"). */
struct json_object *portfwd_to_json(const struct portfwd *f);
int portfwd_from_json(struct json_object *o, struct portfwd *ret, struct lxcri_error *err);
