/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * IPv4 and IPv6 addresses and prefixes: parsing (as inet_pton() reads
 * them), comparing, formatting. libc only.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct ip_address {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr in;
		struct in6_addr in6;
	};
};

struct ip_prefix {
	struct ip_address addr;
	unsigned prefixlen;
};

/* "<address>/<length>" at its longest, with the NUL. */
#define IP_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/*
 * An address as inet_pton() reads it. family is AF_INET, AF_INET6 or
 * AF_UNSPEC (either). -EAFNOSUPPORT if s is an address of the other family.
 */
int ip_address_parse(const char *s, int family, struct ip_address *ret);
/*
 * "<address>/<prefix length>" (CIDR), the length required: 0..32 for IPv4,
 * 0..128 for IPv6. Host bits may be set ("10.0.0.5/24").
 */
int ip_prefix_parse(const char *s, int family, struct ip_prefix *ret);

bool ip_address_equal(const struct ip_address *a, const struct ip_address *b);
bool ip_address_is_unspecified(const struct ip_address *a); /* 0.0.0.0, :: */
bool ip_address_is_multicast(const struct ip_address *a);
bool ip_address_is_link_local(const struct ip_address *a); /* fe80::/10 */
/* Whether bits beyond the prefix length are set (a host address, not a network). */
bool ip_prefix_has_host_bits(const struct ip_prefix *p);
/* Whether a lies in the network of p (same family, the first p->prefixlen bits equal). */
bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_address *a);
/* Clears the host bits: 10.0.0.5/24 -> 10.0.0.0/24. */
void ip_prefix_clear_host_bits(struct ip_prefix *p);
/* inet_ntop() forms; size at least INET6_ADDRSTRLEN / IP_PREFIX_STRLEN. */
int ip_address_to_string(const struct ip_address *a, char *buf, size_t size);
int ip_prefix_to_string(const struct ip_prefix *p, char *buf, size_t size);

/* "udp" for IPPROTO_UDP, else "tcp": the names the config, the CLI and the state use. */
const char *ip_proto_name(int proto);
