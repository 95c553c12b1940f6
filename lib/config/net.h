/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The network keys of the per-container config (net.c): net<N>, route<N>
 * and dns, grammar in lxcri.conf(5). Part of struct config (config.h).
 */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/ip.h"

#define CONFIG_MAX_NET	     32	 /* net0 .. net31 */
#define CONFIG_MAX_ROUTE     256 /* route0 .. route255 */
#define CONFIG_MAX_ADDRESSES 256 /* ip= addresses of one net */

struct config_net {
	unsigned index, line;
	char name[IFNAMSIZ];   /* name= (required): the interface inside the container */
	char bridge[IFNAMSIZ]; /* bridge= ("" if unset) */
	char *cni; /* cni= network name (NULL if unset); excludes bridge/ip/gw/tag/hwaddr */
	struct ip_prefix *addresses; /* ip= list, IPv4 and/or IPv6 */
	size_t n_addresses;
	bool has_gw, has_gw6;
	struct ip_address gw, gw6; /* gw= (IPv4), gw6= (IPv6) */
	uint32_t mtu;		   /* 0: unset */
	bool has_hwaddr;
	uint8_t hwaddr[6];
	uint16_t tag; /* VLAN 1..4094, 0: unset */
};

struct config_route {
	unsigned index, line;
	bool is_default;      /* dst=default (IPv4) or dst=default6 */
	struct ip_prefix dst; /* family set even for default */
	bool has_via;
	struct ip_address via;
	char dev[IFNAMSIZ]; /* "" if unset */
	bool has_metric;
	uint32_t metric;
	uint32_t table; /* 0: unset (main) */
};

struct config_dns {
	bool set;
	unsigned line;
	struct ip_address *nameservers;
	size_t n_nameservers;
	char **search; /* NULL-terminated, may be NULL */
	char **options;
};

/* In index order. */
struct config_network {
	struct config_net *nets;
	size_t n_nets;
	struct config_route *routes;
	size_t n_routes;
	struct config_dns dns;
};
