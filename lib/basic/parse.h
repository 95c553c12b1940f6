/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Value parsers for the config grammar and for anything else that reads
 * the same kinds of values (CLI arguments, state files). They take
 * NUL-terminated strings, never log, return >= 0 on success and -EINVAL
 * (or the code named below) on a bad value, and leave their ret_*
 * outputs untouched on failure. They only decide; the caller words the
 * message, quoting the value with escape_for_message().
 *
 * Numbers everywhere are plain decimal: digits only, no sign, no blanks and
 * no leading zeros ("0" itself is fine), so that "010" never means 8.
 *
 * libc only.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* -EINVAL if s is not such a number, -ERANGE if it is outside min..max. */
int parse_uint64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
int parse_uint32(const char *s, uint32_t min, uint32_t max, uint32_t *ret);
int parse_uint16(const char *s, uint16_t min, uint16_t max, uint16_t *ret);

/*
 * An address as inet_pton() reads it. family is AF_INET, AF_INET6 or
 * AF_UNSPEC (either). -EAFNOSUPPORT if s is an address of the other family.
 */
int parse_ip_address(const char *s, int family, struct ip_address *ret);
/*
 * "<address>/<prefix length>" (CIDR), the length required: 0..32 for IPv4,
 * 0..128 for IPv6. Host bits may be set ("10.0.0.5/24").
 */
int parse_ip_prefix(const char *s, int family, struct ip_prefix *ret);

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

/* "XX:XX:XX:XX:XX:XX", hex digits in either case. */
int parse_mac(const char *s, uint8_t ret[6]);
/* "xx:xx:xx:xx:xx:xx" (lower case), what parse_mac() reads back. */
#define MAC_STRLEN 18
void mac_to_string(const uint8_t mac[6], char buf[MAC_STRLEN]);
/* Usable as an interface address: unicast (lowest bit of byte 0 clear), not all zeros. */
bool mac_is_unicast(const uint8_t mac[6]);
bool mac_is_zero(const uint8_t mac[6]);

/* "<port>" or "<first>-<last>": ports 1..65535, first <= last. */
int parse_port_range(const char *s, uint16_t *ret_first, uint16_t *ret_last);
/* "udp" for IPPROTO_UDP, else "tcp": the names the config, the CLI and the state use. */
const char *ip_proto_name(int proto);

/* A Linux interface name: 1..15 bytes of A-Z a-z 0-9 _ . -, not "." or "..". */
bool ifname_valid(const char *s);
/* A DNS name: '.'-separated labels of 1..63 A-Z a-z 0-9 -, no '-' at either end of a label,
 * at most 253 bytes in all, no trailing dot. */
bool hostname_valid(const char *s);
/* Starts with '/', shorter than PATH_MAX, no ".." component, no control characters. */
bool path_absolute_valid(const char *s);
/* Valid UTF-8 without control characters (tab is allowed). */
bool text_valid(const char *s);

/* A user name: [a-z_][a-z0-9_-]{0,31}, optionally ending in '$'. */
bool user_name_valid(const char *s);
/* A CNI network name: [A-Za-z0-9][A-Za-z0-9_.-]{0,99}. */
bool cni_network_name_valid(const char *s);
/* An AppArmor profile name: 1..255 bytes of A-Z a-z 0-9 _ . : / + -. */
bool apparmor_profile_valid(const char *s);
/* A file system type as mount(2) takes it: 1..63 bytes of a-z A-Z 0-9 _ . - ("nfs", "fuse.sshfs").
 */
bool fstype_valid(const char *s);
/*
 * An SELinux context user:role:type[:level]; user, role and type of
 * A-Z a-z 0-9 _ . and level a sensitivity "s<N>" with optional categories
 * ":c<N>,c<N>.c<M>,..." (N <= M <= 1023), optionally a range "<low>-<high>".
 */
bool selinux_context_valid(const char *s);
/* A resolv.conf option: [a-z0-9-]+ optionally followed by ":<digits>" (ndots:2). */
bool dns_option_valid(const char *s);
/* An annotation key: 1..255 bytes of A-Z a-z 0-9 . _ / -. */
bool annotation_key_valid(const char *s);

/*
 * Property strings, "k=v,k=v" as PVE writes them. properties_parse()
 * splits s in place (it writes NULs) and, for names[i] (a NULL-terminated
 * list), sets ret_values[i] to its value or NULL if absent. Properties may
 * come in any order. On a bad string it returns -EINVAL and fills
 * *ret_failure (if not NULL); ret_values is then undefined.
 */
enum property_problem {
	PROPERTY_EMPTY,	      /* ",," or a ',' at either end; item is "" */
	PROPERTY_NO_EQUALS,   /* "foo"; item is "foo" */
	PROPERTY_EMPTY_NAME,  /* "=foo"; item is "=foo" */
	PROPERTY_UNKNOWN,     /* "foo=1" with foo not in names; item is "foo" */
	PROPERTY_DUPLICATE,   /* "a=1,a=2"; item is "a" */
	PROPERTY_EMPTY_VALUE, /* "a="; item is "a" */
};
struct property_failure {
	enum property_problem problem;
	const char *item; /* points into s */
};
int properties_parse(char *s, const char *const names[], char *ret_values[],
		     struct property_failure *ret_failure);

/*
 * ';' lists: splits s in place into *ret, a malloc'ed NULL-terminated array
 * of pointers into s (free only the array). Returns the number of elements,
 * -EINVAL if one is empty ("a;;b", "a;"), -ENOMEM.
 */
int list_split(char *s, char ***ret);

/*
 * Makes s fit for a message in single quotes: printable ASCII stays, '\'
 * and everything else become \\ and \xNN; more than ESCAPE_INPUT_MAX bytes
 * are cut and end in "...". Returns buf, which should hold ESCAPE_BUFSIZE.
 */
#define ESCAPE_INPUT_MAX 120
#define ESCAPE_BUFSIZE	 (ESCAPE_INPUT_MAX * 4 + 4)
const char *escape_for_message(const char *s, char *buf, size_t size);
