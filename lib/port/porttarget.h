/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where a port forward goes: an address of the container's target
 * interface that the container did not choose alone. A container can put
 * any address on its interfaces (127.0.0.1 scope global, the host's own);
 * a DNAT to it would reach the host's loopback or its own services.
 *
 * The target of each family comes from the first config that gives the
 * interface an address of it:
 *   1. the net<N> of the lxcri config whose name= is the interface: ip=
 *   2. on a PVE node, for a vmid: the net<N> line of <pve_dir>/lxc/<vmid>.conf
 *      whose name= is the interface: ip= (IPv4), ip6= (IPv6); "dhcp" (and
 *      "auto" for IPv6) is an address known only once the container has it:
 *      then the container's address is taken, by the rules below, and no
 *      later source is asked
 *   3. the LXC config (<lxc_path>/<id>/config and what it includes): the
 *      first lxc.net.<N>.ipv4.address / ipv6.address of the lxc.net.<N>
 *      whose name is the interface
 * Only when none does (or one leaves it to DHCP/SLAAC) is the container's
 * own address taken, and only if it
 * lies inside a prefix of an address of the host side of its link (the
 * bridge its veth's host end is on, or that host end itself). Never, from
 * any source: a loopback, link-local, unspecified, multicast, broadcast,
 * reserved (0.0.0.0/8, 240.0.0.0/4) or IPv4-mapped address, nor one the
 * host has on any interface.
 *
 * Parsers and the choice are pure (libc only); lib/port/portsetup gathers the
 * inputs (configs, netlink) and applies the choice.
 */

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"
#include "lib/basic/ip.h"

enum porttarget_kind {
	PORTTARGET_NONE,    /* this config gives no address of the family ("manual", unset) */
	PORTTARGET_STATIC,  /* an address */
	PORTTARGET_DYNAMIC, /* "dhcp" / "auto": known only once the container runs */
};

struct porttarget_family {
	enum porttarget_kind kind;
	struct ip_prefix addr; /* STATIC */
	char value[16];	       /* DYNAMIC: the config's word, "dhcp" */
};

/* What one config says of the interface. */
struct porttarget_source {
	bool found;		  /* one of its nets is the interface */
	char what[PATH_MAX + 64]; /* "net1 of '/etc/lxcri/containers/web.conf'" */
	struct porttarget_family v4, v6;
};

/* Why a as a target is refused ("a loopback address", ...), or NULL. */
const char *porttarget_refusal(const struct ip_address *a);

/* Source 1: the net of c (read from path, for messages) named ifname. */
void porttarget_from_config(const struct config *c, const char *path, const char *ifname,
			    struct porttarget_source *ret);

/*
 * Source 2: the netN line of a PVE container config (its main section:
 * up to the first "[snapshot]") whose name= is ifname. -EINVAL for an ip=
 * or ip6= value that is no address, naming path, line and value.
 */
int porttarget_from_pve(const char *path, const char *text, size_t size, const char *ifname,
			struct porttarget_source *ret, struct lxcri_error *err);

/*
 * Source 3: the LXC config at path with its includes (lib/basic/lxcconf). A
 * missing file is no source (found false, 0). -EINVAL for an address that
 * is none, naming the key and value.
 */
int porttarget_from_lxc(const char *path, const char *ifname, struct porttarget_source *ret,
			struct lxcri_error *err);

struct porttarget_input {
	unsigned port;	    /* N of portN, for messages */
	int family;	    /* AF_INET or AF_INET6 */
	const char *ifname; /* the container's interface */
	const struct porttarget_source *sources;
	size_t n_sources;		   /* in order of precedence */
	const struct ip_prefix *container; /* its addresses of family on ifname (global scope) */
	size_t n_container;
	const char *link; /* the host side of its link; "" when there is none (not a veth) */
	const struct ip_prefix *link_prefixes; /* the addresses of link, of family */
	size_t n_link_prefixes;
	const struct ip_address *host; /* every address the host has, of any family */
	size_t n_host;
};

struct porttarget_choice {
	struct ip_address addr;
	struct ip_prefix subnet; /* its network, for hairpin: the config's, or the link's */
	const char *source;	 /* the source's what, or "the container" */
};

/*
 * The target of one family: 1 with *ret, 0 when nothing gives an address
 * of the family (the caller forwards the other family, or says none has
 * one), or -errno with err:
 *   -EADDRNOTAVAIL  the first config that speaks of it says dhcp/auto, and the
 *                   container has no address of the family on it yet
 *   -EINVAL         the address a config gives is refused (porttarget_refusal()
 *                   or the host's own)
 *   -EPERM          every address the container has is: outside the link's
 *                   prefixes, refused, the host's, or the link has no host
 *                   side to check against
 * Each message names the port, the interface and the address.
 */
int porttarget_choose(const struct porttarget_input *in, struct porttarget_choice *ret,
		      struct lxcri_error *err);
