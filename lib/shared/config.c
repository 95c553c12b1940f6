/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/shared/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/parse.h"
#include "lib/basic/paths.h"
#include "lib/basic/strv.h"

#define ROUTE_TABLE_MAIN 254

/* Every indexed record starts with its index: the formatter sorts by it. */
_Static_assert(offsetof(struct config_net, index) == 0, "index first");
_Static_assert(offsetof(struct config_route, index) == 0, "index first");
_Static_assert(offsetof(struct config_port, index) == 0, "index first");
_Static_assert(offsetof(struct config_annotation, index) == 0, "index first");

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *addr_to_string(const struct ip_address *a, char buf[INET6_ADDRSTRLEN])
{
	if (ip_address_to_string(a, buf, INET6_ADDRSTRLEN) < 0)
		strcpy(buf, "?");
	return buf;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The line reader, shared by the per-container config and the settings. */

struct reader {
	const char *name;
	const char *data;
	size_t size, pos;
	unsigned line;
	struct lxcri_error *err;
};

static int reader_fail(const struct reader *rd, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int reader_fail(const struct reader *rd, int r, const char *fmt, ...)
{
	char message[sizeof(((struct lxcri_error *)NULL)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return error_set(rd->err, r, "%s:%u: %s", rd->name, rd->line, message);
}

static int reader_init(struct reader *rd, const char *name, const char *data, size_t size,
		       struct lxcri_error *err)
{
	*rd = (struct reader){
		.name = name ? name : "(config)", .data = data, .size = size, .err = err
	};
	if (size > CONFIG_MAX_SIZE)
		return config_too_large(rd->name, size, err);
	if (size && !data)
		return error_set(err, -EINVAL, "%s: No data", rd->name);
	return 0;
}

/*
 * The next "key: value" line: 1 with *ret_line a malloc'ed copy of the line
 * holding the NUL-terminated key and value, 0 at the end, or an error.
 */
static int reader_next(struct reader *rd, char **ret_line, char **ret_key, char **ret_value)
{
	char q[ESCAPE_BUFSIZE];

	while (rd->pos < rd->size) {
		const char *start = rd->data + rd->pos;
		const char *newline = memchr(start, '\n', rd->size - rd->pos);
		size_t len = newline ? (size_t)(newline - start) : rd->size - rd->pos;
		_cleanup_free_ char *line = NULL;
		size_t skip = 0, k = 0;
		char *value;

		rd->pos += len + (newline ? 1 : 0);
		rd->line++;
		if (memchr(start, '\0', len)) {
			if (!start[0])
				return reader_fail(rd, -EINVAL,
						   "Invalid NUL byte at the start of the line (a "
						   "binary file?)");
			/* start is a string up to the NUL: what precedes it on the line. */
			return reader_fail(rd, -EINVAL,
					   "Invalid NUL byte after '%s' (a binary file?)",
					   escape_for_message(start, q, sizeof(q)));
		}
		if (len && start[len - 1] == '\r') /* edited on Windows */
			len--;
		while (len && is_blank(start[len - 1]))
			len--;
		while (skip < len && is_blank(start[skip]))
			skip++;
		if (skip == len || start[skip] == '#')
			continue;

		line = strndup(start + skip, len - skip);
		if (!line)
			return reader_fail(rd, -ENOMEM, "Out of memory");
		if (line[0] == '[')
			return reader_fail(
			    rd, -EINVAL,
			    "Invalid line '%s': sections (snapshots) are not supported",
			    escape_for_message(line, q, sizeof(q)));
		while ((line[k] >= 'a' && line[k] <= 'z') || (line[k] >= '0' && line[k] <= '9') ||
		       line[k] == '-')
			k++;
		if (!(line[0] >= 'a' && line[0] <= 'z') || line[k] != ':') {
			size_t token = strcspn(line, ": \t=,");

			if (k && line[0] >= 'a' && line[0] <= 'z' && k == token) {
				line[k] = '\0';
				return reader_fail(rd, -EINVAL,
						   "Missing ':' directly after key '%s': expected "
						   "'<key>: <value>'",
						   escape_for_message(line, q, sizeof(q)));
			}
			if (!token)
				return reader_fail(rd, -EINVAL,
						   "Invalid line '%s': expected '<key>: <value>'",
						   escape_for_message(line, q, sizeof(q)));
			line[token] = '\0';
			return reader_fail(
			    rd, -EINVAL,
			    "Invalid key '%s': a key is a lower-case letter followed by "
			    "lower-case letters, digits and '-', directly followed by ':'",
			    escape_for_message(line, q, sizeof(q)));
		}
		line[k] = '\0';
		value = line + k + 1;
		while (is_blank(*value))
			value++;
		if (!*value)
			return reader_fail(rd, -EINVAL, "Empty value for '%s'",
					   escape_for_message(line, q, sizeof(q)));
		*ret_key = line;
		*ret_value = value;
		*ret_line = TAKE_PTR(line);
		return 1;
	}
	return 0;
}

/* Per-container config */

struct parser;

struct key_type {
	const char *name;
	unsigned count; /* name0 .. name<count-1>; 0: a key without index */
	const char *feature;
	int (*parse)(struct parser *p, unsigned index, char *value);
};

struct parser {
	struct reader rd;
	struct config *c;
	const char *key; /* the current key, for messages */
	/*
	 * The line each key was seen on, 0 if not yet: one slot per possible key
	 * (key_slots(): a key type's count, or 1 without an index).
	 */
	unsigned *seen;
};

static int fail(struct parser *p, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parser *p, int r, const char *fmt, ...)
{
	char message[sizeof(((struct lxcri_error *)NULL)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return reader_fail(&p->rd, r, "%s", message);
}

static int fail_oom(struct parser *p)
{
	return fail(p, -ENOMEM, "Out of memory");
}

/* "Invalid value '<value>' for '<property>' in '<key>': <why>" */
static int invalid(struct parser *p, const char *property, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int invalid(struct parser *p, const char *property, const char *value, const char *fmt, ...)
{
	char why[512], q[ESCAPE_BUFSIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	escape_for_message(value, q, sizeof(q));
	if (property)
		return fail(p, -EINVAL, "Invalid value '%s' for '%s' in '%s': %s", q, property,
			    p->key, why);
	return fail(p, -EINVAL, "Invalid value '%s' for '%s': %s", q, p->key, why);
}

static int missing(struct parser *p, const char *what)
{
	return fail(p, -EINVAL, "Missing property %s in '%s'", what, p->key);
}

/* Splits a property string; the message names the key and the property. */
static int split_properties(struct parser *p, char *value, const char *const names[],
			    char *ret_values[])
{
	_cleanup_free_ char *whole = strdup(value);
	struct property_failure f;
	char q[ESCAPE_BUFSIZE], qw[ESCAPE_BUFSIZE];

	if (!whole)
		return fail_oom(p);
	if (properties_parse(value, names, ret_values, &f) >= 0)
		return 0;
	escape_for_message(f.item, q, sizeof(q));
	switch (f.problem) {
	case PROPERTY_EMPTY:
		return fail(p, -EINVAL, "Empty property in '%s': '%s' has a stray ','", p->key,
			    escape_for_message(whole, qw, sizeof(qw)));
	case PROPERTY_NO_EQUALS:
		return fail(p, -EINVAL,
			    "Missing '=' in property '%s' in '%s': expected <name>=<value>", q,
			    p->key);
	case PROPERTY_EMPTY_NAME:
		return fail(p, -EINVAL, "Missing property name in '%s' in '%s'", q, p->key);
	case PROPERTY_UNKNOWN:
		return fail(p, -EINVAL, "Unknown property '%s' in '%s'", q, p->key);
	case PROPERTY_DUPLICATE:
		return fail(p, -EINVAL, "Duplicate property '%s' in '%s'", q, p->key);
	case PROPERTY_EMPTY_VALUE:
		return fail(p, -EINVAL, "Empty value for '%s' in '%s'", q, p->key);
	}
	return fail(p, -EINVAL, "Invalid property string in '%s'", p->key);
}

/* Splits a ';' list into a NULL-terminated array of pointers into value. */
static int split_list(struct parser *p, const char *property, char *value, char ***ret)
{
	_cleanup_free_ char *whole = strdup(value);
	int r;

	if (!whole)
		return fail_oom(p);
	r = list_split(value, ret);
	if (r == -ENOMEM)
		return fail_oom(p);
	if (r < 0)
		return invalid(p, property, whole, "an element of the ';' list is empty");
	return r;
}

/* Appends item to array (of n records), growing it by one; a statement expression for the types. */
#define APPEND(p, array, n, item)                                                                  \
	({                                                                                         \
		__typeof__(array) _grown = reallocarray((array), (n) + 1, sizeof(*(array)));       \
		int _r = 0;                                                                        \
                                                                                                   \
		if (_grown) {                                                                      \
			(array) = _grown;                                                          \
			(array)[(n)++] = (item);                                                   \
		} else {                                                                           \
			_r = fail_oom(p);                                                          \
		}                                                                                  \
		_r;                                                                                \
	})

static int parse_address(struct parser *p, const char *property, const char *value, int family,
			 struct ip_address *ret)
{
	struct ip_address a;
	int r;

	r = parse_ip_address(value, family, &a);
	if (r == -EAFNOSUPPORT)
		return invalid(p, property, value, "expected an %s address, not %s",
			       family_name(family),
			       family_name(family == AF_INET ? AF_INET6 : AF_INET));
	if (r < 0)
		return invalid(p, property, value, "expected %s",
			       family == AF_INET    ? "an IPv4 address like '192.0.2.1'"
			       : family == AF_INET6 ? "an IPv6 address like '2001:db8::1'"
						    : "an IPv4 or IPv6 address");
	if (ip_address_is_unspecified(&a))
		return invalid(p, property, value, "the unspecified address is not allowed here");
	if (ip_address_is_multicast(&a))
		return invalid(p, property, value, "a multicast address is not allowed here");
	*ret = a;
	return 0;
}

static int parse_ifname(struct parser *p, const char *property, const char *value, bool allow_lo)
{
	if (!ifname_valid(value))
		return invalid(p, property, value,
			       "expected an interface name of 1 to 15 characters from A-Z a-z 0-9 "
			       "_ . - (not '.' or '..')");
	if (!allow_lo && strcmp(value, "lo") == 0)
		return invalid(p, property, value, "the loopback interface cannot be used here");
	return 0;
}

static int parse_path(struct parser *p, const char *property, const char *value)
{
	if (!path_absolute_valid(value))
		return invalid(
		    p, property, value,
		    "expected an absolute path (starting with '/', no '..' component, no "
		    "control characters, shorter than %d bytes)",
		    PATH_MAX);
	/* A blank there is almost always a typo, and one at the end of a line is trimmed. */
	if (is_blank(value[strlen(value) - 1]))
		return invalid(p, property, value, "a path must not end with a blank");
	return 0;
}

/* net<N> */

enum { NET_NAME, NET_BRIDGE, NET_CNI, NET_IP, NET_GW, NET_GW6, NET_MTU, NET_HWADDR, NET_TAG };
static const char *const net_properties[] = {
	"name", "bridge", "cni", "ip", "gw", "gw6", "mtu", "hwaddr", "tag", NULL,
};

static void net_done(struct config_net *n)
{
	free(n->cni);
	free(n->addresses);
	n->cni = NULL;
	n->addresses = NULL;
}

static int parse_net_addresses(struct parser *p, char *value, struct config_net *net)
{
	_cleanup_free_ char **items = NULL;
	char q[ESCAPE_BUFSIZE];
	int n;

	n = split_list(p, "ip", value, &items);
	if (n < 0)
		return n;
	if (n > CONFIG_MAX_ADDRESSES)
		return fail(p, -EINVAL, "Too many addresses for 'ip' in '%s': %d, at most %d",
			    p->key, n, CONFIG_MAX_ADDRESSES);
	net->addresses = calloc((size_t)n, sizeof(*net->addresses));
	if (!net->addresses)
		return fail_oom(p);
	for (int i = 0; i < n; i++) {
		struct ip_prefix prefix;

		if (parse_ip_prefix(items[i], AF_UNSPEC, &prefix) < 0)
			return invalid(p, "ip", items[i],
				       "expected an address with a prefix length, like "
				       "'10.0.0.5/24' or 'fd00::5/64' (0..32 for IPv4, 0..128 "
				       "for IPv6)");
		if (ip_address_is_unspecified(&prefix.addr) ||
		    ip_address_is_multicast(&prefix.addr))
			return invalid(p, "ip", items[i],
				       "an unspecified or multicast address cannot be assigned");
		for (size_t j = 0; j < net->n_addresses; j++) {
			struct ip_address a = prefix.addr;

			if (ip_address_equal(&net->addresses[j].addr, &a))
				return fail(p, -EINVAL, "Duplicate address '%s' for 'ip' in '%s'",
					    escape_for_message(items[i], q, sizeof(q)), p->key);
		}
		net->addresses[net->n_addresses++] = (struct ip_prefix){
			.addr = prefix.addr,
			.prefixlen = prefix.prefixlen,
		};
	}
	return 0;
}

static int parse_net(struct parser *p, unsigned index, char *value)
{
	static const struct {
		int property;
		const char *name;
	} not_with_cni[] = {
		{ NET_IP, "ip" },	  { NET_GW, "gw" },   { NET_GW6, "gw6" },
		{ NET_HWADDR, "hwaddr" }, { NET_TAG, "tag" },
	};
	_cleanup_(net_done) struct config_net net = { .index = index, .line = p->rd.line };
	struct config *c = p->c;
	char *v[ELEMENTSOF(net_properties)];
	char q[ESCAPE_BUFSIZE];
	bool ipv6;
	int r;

	r = split_properties(p, value, net_properties, v);
	if (r < 0)
		return r;

	if (!v[NET_NAME])
		return missing(p, "'name'");
	r = parse_ifname(p, "name", v[NET_NAME], false);
	if (r < 0)
		return r;
	strcpy(net.name, v[NET_NAME]);

	if (v[NET_BRIDGE] && v[NET_CNI])
		return fail(p, -EINVAL, "Properties 'bridge' and 'cni' exclude each other in '%s'",
			    p->key);
	if (!v[NET_BRIDGE] && !v[NET_CNI])
		return missing(p, "'bridge' or 'cni'");
	if (v[NET_CNI]) {
		for (size_t i = 0; i < ELEMENTSOF(not_with_cni); i++)
			if (v[not_with_cni[i].property])
				return fail(
				    p, -EINVAL,
				    "Property '%s' is not allowed with 'cni' in '%s': the CNI "
				    "network configures addresses, gateways, MAC and VLAN",
				    not_with_cni[i].name, p->key);
		if (!cni_network_name_valid(v[NET_CNI]))
			return invalid(p, "cni", v[NET_CNI],
				       "expected a CNI network name: a letter or digit, then up to "
				       "99 of A-Z a-z 0-9 _ . -");
		net.cni = strdup(v[NET_CNI]);
		if (!net.cni)
			return fail_oom(p);
	} else {
		r = parse_ifname(p, "bridge", v[NET_BRIDGE], false);
		if (r < 0)
			return r;
		strcpy(net.bridge, v[NET_BRIDGE]);
	}

	if (v[NET_IP]) {
		r = parse_net_addresses(p, v[NET_IP], &net);
		if (r < 0)
			return r;
	}
	if (v[NET_GW]) {
		r = parse_address(p, "gw", v[NET_GW], AF_INET, &net.gw);
		if (r < 0)
			return r;
		net.has_gw = true;
	}
	if (v[NET_GW6]) {
		r = parse_address(p, "gw6", v[NET_GW6], AF_INET6, &net.gw6);
		if (r < 0)
			return r;
		net.has_gw6 = true;
	}
	if (v[NET_MTU]) {
		if (parse_uint32(v[NET_MTU], 68, 65535, &net.mtu) < 0)
			return invalid(p, "mtu", v[NET_MTU], "expected a number from 68 to 65535");
		ipv6 = net.has_gw6;
		for (size_t i = 0; i < net.n_addresses; i++)
			ipv6 = ipv6 || net.addresses[i].addr.family == AF_INET6;
		if (ipv6 && net.mtu < 1280)
			return invalid(p, "mtu", v[NET_MTU],
				       "IPv6 needs an MTU of at least 1280, and '%s' has IPv6",
				       p->key);
	}
	if (v[NET_HWADDR]) {
		if (parse_mac(v[NET_HWADDR], net.hwaddr) < 0)
			return invalid(p, "hwaddr", v[NET_HWADDR],
				       "expected a MAC address like 'BC:24:11:00:00:01'");
		if (mac_is_zero(net.hwaddr))
			return invalid(p, "hwaddr", v[NET_HWADDR],
				       "the all-zero MAC address is not allowed");
		if (!mac_is_unicast(net.hwaddr))
			return invalid(
			    p, "hwaddr", v[NET_HWADDR],
			    "this is a multicast MAC address (the lowest bit of the first "
			    "byte is set); an interface needs a unicast one");
		net.has_hwaddr = true;
	}
	if (v[NET_TAG] && parse_uint16(v[NET_TAG], 1, 4094, &net.tag) < 0)
		return invalid(p, "tag", v[NET_TAG], "expected a VLAN tag from 1 to 4094");

	for (size_t i = 0; i < c->net.n_nets; i++) {
		const struct config_net *o = &c->net.nets[i];

		if (strcmp(o->name, net.name) == 0)
			return fail(
			    p, -EINVAL,
			    "Interface name '%s' of '%s' is already used by 'net%u' on line %u",
			    net.name, p->key, o->index, o->line);
		if (net.has_hwaddr && o->has_hwaddr && memcmp(o->hwaddr, net.hwaddr, 6) == 0)
			return fail(
			    p, -EINVAL,
			    "MAC address '%s' of '%s' is already used by 'net%u' on line %u",
			    escape_for_message(v[NET_HWADDR], q, sizeof(q)), p->key, o->index,
			    o->line);
	}

	r = APPEND(p, c->net.nets, c->net.n_nets, net);
	if (r < 0)
		return r;
	net.cni = NULL; /* owned by c now */
	net.addresses = NULL;
	return 0;
}

/* route<N> */

enum { ROUTE_DST, ROUTE_VIA, ROUTE_DEV, ROUTE_METRIC, ROUTE_TABLE };
static const char *const route_properties[] = { "dst", "via", "dev", "metric", "table", NULL };

static int parse_route(struct parser *p, unsigned index, char *value)
{
	struct config_route route = { .index = index, .line = p->rd.line };
	char *v[ELEMENTSOF(route_properties)];
	int r;

	r = split_properties(p, value, route_properties, v);
	if (r < 0)
		return r;

	if (!v[ROUTE_DST])
		return missing(p, "'dst'");
	if (strcmp(v[ROUTE_DST], "default") == 0 || strcmp(v[ROUTE_DST], "default6") == 0) {
		route.is_default = true;
		route.dst.addr.family = v[ROUTE_DST][7] ? AF_INET6 : AF_INET;
	} else {
		struct ip_prefix dst, network;
		char buf[IP_PREFIX_STRLEN];

		if (parse_ip_prefix(v[ROUTE_DST], AF_UNSPEC, &dst) < 0)
			return invalid(p, "dst", v[ROUTE_DST],
				       "expected 'default', 'default6' or a network like "
				       "'10.10.0.0/16' or 'fd00:1::/64'");
		if (ip_prefix_has_host_bits(&dst)) {
			network = dst;
			ip_prefix_clear_host_bits(&network);
			if (ip_prefix_to_string(&network, buf, sizeof(buf)) < 0)
				strcpy(buf, "?");
			return invalid(p, "dst", v[ROUTE_DST],
				       "host bits are set; the network is '%s'", buf);
		}
		route.dst.addr = dst.addr;
		route.dst.prefixlen = dst.prefixlen;
	}

	if (v[ROUTE_VIA]) {
		int family = route.dst.addr.family;

		r = parse_address(p, "via", v[ROUTE_VIA], AF_UNSPEC, &route.via);
		if (r < 0)
			return r;
		if (route.via.family != family)
			return invalid(p, "via", v[ROUTE_VIA],
				       "expected an %s address, as 'dst' is %s",
				       family_name(family), family_name(family));
		route.has_via = true;
	}
	if (v[ROUTE_DEV]) {
		r = parse_ifname(p, "dev", v[ROUTE_DEV], true);
		if (r < 0)
			return r;
		strcpy(route.dev, v[ROUTE_DEV]);
	}
	if (!route.has_via && !route.dev[0])
		return missing(p, "'via' or 'dev'");
	if (route.has_via && !route.dev[0] && ip_address_is_link_local(&route.via))
		return invalid(p, "via", v[ROUTE_VIA],
			       "a link-local gateway needs 'dev' to say which link");
	if (v[ROUTE_METRIC]) {
		if (parse_uint32(v[ROUTE_METRIC], 0, UINT32_MAX, &route.metric) < 0)
			return invalid(p, "metric", v[ROUTE_METRIC],
				       "expected a number from 0 to 4294967295");
		route.has_metric = true;
	}
	if (v[ROUTE_TABLE]) {
		if (strcmp(v[ROUTE_TABLE], "main") == 0)
			route.table = ROUTE_TABLE_MAIN;
		else if (parse_uint32(v[ROUTE_TABLE], 1, UINT32_MAX, &route.table) < 0)
			return invalid(p, "table", v[ROUTE_TABLE],
				       "expected 'main' or a number from 1 to 4294967295");
	}

	return APPEND(p, p->c->net.routes, p->c->net.n_routes, route);
}

/* dns */

enum { DNS_NAMESERVER, DNS_SEARCH, DNS_OPTIONS };
static const char *const dns_properties[] = { "nameserver", "search", "options", NULL };

#define DNS_MAX_NAMESERVERS 3 /* MAXNS: the resolver reads no more */
#define DNS_MAX_SEARCH	    6

/* A deep copy of items; -ENOMEM said as such. */
static int copy_items(struct parser *p, char **items, char ***ret)
{
	return strv_copy(items, ret) < 0 ? fail_oom(p) : 0;
}

static int parse_dns(struct parser *p, unsigned index, char *value)
{
	struct config_dns *dns = &p->c->net.dns;
	char *v[ELEMENTSOF(dns_properties)];
	int r, n;

	(void)index;
	r = split_properties(p, value, dns_properties, v);
	if (r < 0)
		return r;
	if (!v[DNS_NAMESERVER] && !v[DNS_SEARCH] && !v[DNS_OPTIONS])
		return missing(p, "'nameserver', 'search' or 'options'");

	dns->set = true;
	dns->line = p->rd.line;
	if (v[DNS_NAMESERVER]) {
		_cleanup_free_ char *whole = strdup(v[DNS_NAMESERVER]);
		_cleanup_free_ char **items = NULL;

		if (!whole)
			return fail_oom(p);
		n = split_list(p, "nameserver", v[DNS_NAMESERVER], &items);
		if (n < 0)
			return n;
		if (n > DNS_MAX_NAMESERVERS)
			return invalid(p, "nameserver", whole, "at most %d name servers, not %d",
				       DNS_MAX_NAMESERVERS, n);
		dns->nameservers = calloc((size_t)n, sizeof(*dns->nameservers));
		if (!dns->nameservers)
			return fail_oom(p);
		for (int i = 0; i < n; i++) {
			r = parse_address(p, "nameserver", items[i], AF_UNSPEC,
					  &dns->nameservers[i]);
			if (r < 0)
				return r;
			dns->n_nameservers++;
		}
	}
	if (v[DNS_SEARCH]) {
		_cleanup_free_ char *whole = strdup(v[DNS_SEARCH]);
		_cleanup_free_ char **items = NULL;

		if (!whole)
			return fail_oom(p);
		n = split_list(p, "search", v[DNS_SEARCH], &items);
		if (n < 0)
			return n;
		if (n > DNS_MAX_SEARCH)
			return invalid(p, "search", whole, "at most %d search domains, not %d",
				       DNS_MAX_SEARCH, n);
		for (int i = 0; i < n; i++)
			if (!hostname_valid(items[i]))
				return invalid(
				    p, "search", items[i],
				    "expected a domain name: labels of 1 to 63 A-Z a-z "
				    "0-9 - (no '-' at either end) joined by '.', at most "
				    "253 characters");
		r = copy_items(p, items, &dns->search);
		if (r < 0)
			return r;
	}
	if (v[DNS_OPTIONS]) {
		_cleanup_free_ char **items = NULL;

		n = split_list(p, "options", v[DNS_OPTIONS], &items);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			if (!dns_option_valid(items[i]))
				return invalid(p, "options", items[i],
					       "expected a resolver option like 'rotate' or "
					       "'ndots:2' (a-z 0-9 -, optionally ':' and digits)");
		r = copy_items(p, items, &dns->options);
		if (r < 0)
			return r;
	}
	return 0;
}

/* port<N> */

enum { PORT_PROTO, PORT_HOST, PORT_CT, PORT_HOSTIP, PORT_NET };
static const char *const port_properties[] = { "proto", "host", "ct", "hostip", "net", NULL };

static void format_port_range(char *buf, size_t size, uint16_t first, uint16_t last)
{
	if (first == last)
		snprintf(buf, size, "%u", first);
	else
		snprintf(buf, size, "%u-%u", first, last);
}

static int parse_port(struct parser *p, unsigned index, char *value)
{
	static const char ports[] = "expected a port from 1 to 65535, or a range "
				    "'<first>-<last>' of such with first <= last";
	struct config_port port = { .index = index, .line = p->rd.line };
	char *v[ELEMENTSOF(port_properties)];
	int r;

	r = split_properties(p, value, port_properties, v);
	if (r < 0)
		return r;

	if (!v[PORT_PROTO])
		return missing(p, "'proto'");
	if (strcmp(v[PORT_PROTO], "tcp") == 0)
		port.proto = IPPROTO_TCP;
	else if (strcmp(v[PORT_PROTO], "udp") == 0)
		port.proto = IPPROTO_UDP;
	else
		return invalid(p, "proto", v[PORT_PROTO], "expected 'tcp' or 'udp'");
	if (!v[PORT_HOST])
		return missing(p, "'host'");
	if (parse_port_range(v[PORT_HOST], &port.host_first, &port.host_last) < 0)
		return invalid(p, "host", v[PORT_HOST], "%s", ports);
	if (!v[PORT_CT])
		return missing(p, "'ct'");
	if (parse_port_range(v[PORT_CT], &port.ct_first, &port.ct_last) < 0)
		return invalid(p, "ct", v[PORT_CT], "%s", ports);
	if (port.ct_first != port.ct_last &&
	    port.ct_last - port.ct_first != port.host_last - port.host_first)
		return invalid(p, "ct", v[PORT_CT],
			       "a range of container ports must be as long as the range of host "
			       "ports '%s' (%u %s), or use a single port",
			       v[PORT_HOST], port.host_last - port.host_first + 1,
			       port.host_last == port.host_first ? "port" : "ports");
	if (v[PORT_HOSTIP]) {
		r = parse_address(p, "hostip", v[PORT_HOSTIP], AF_UNSPEC, &port.hostip);
		if (r < 0)
			return r;
		port.has_hostip = true;
	}
	if (v[PORT_NET]) {
		r = parse_ifname(p, "net", v[PORT_NET], true);
		if (r < 0)
			return r;
		strcpy(port.net, v[PORT_NET]);
	}

	for (size_t i = 0; i < p->c->port.n_ports; i++) {
		const struct config_port *o = &p->c->port.ports[i];
		char mine[16], theirs[16];

		if (o->proto != port.proto || o->host_last < port.host_first ||
		    port.host_last < o->host_first)
			continue;
		if (o->has_hostip && port.has_hostip && !ip_address_equal(&o->hostip, &port.hostip))
			continue;
		format_port_range(mine, sizeof(mine), port.host_first, port.host_last);
		format_port_range(theirs, sizeof(theirs), o->host_first, o->host_last);
		return fail(p, -EINVAL,
			    "Host port '%s %s' of '%s' overlaps '%s %s' of 'port%u' on line %u",
			    ip_proto_name(port.proto), mine, p->key, ip_proto_name(o->proto),
			    theirs, o->index, o->line);
	}

	return APPEND(p, p->c->port.ports, p->c->port.n_ports, port);
}

/* seccomp, apparmor, selinux */

static int parse_seccomp_sha256(struct parser *p, unsigned index, char *value)
{
	(void)index;
	if (strlen(value) != 64 || strspn(value, "0123456789abcdef") != 64)
		return invalid(p, NULL, value,
			       "expected the 64 lowercase hex digits of a sha256 digest, as 'lxcri "
			       "seccomp set' writes it");
	memcpy(p->c->lsm.seccomp_sha256, value, 65);
	p->c->lsm.seccomp_sha256_line = p->rd.line;
	return 0;
}

static int parse_seccomp(struct parser *p, unsigned index, char *value)
{
	int r;

	(void)index;
	r = parse_path(p, NULL, value);
	if (r < 0)
		return r;
	p->c->lsm.seccomp = strdup(value);
	if (!p->c->lsm.seccomp)
		return fail_oom(p);
	p->c->lsm.seccomp_line = p->rd.line;
	return 0;
}

enum { APPARMOR_PROFILE, APPARMOR_NESTING, APPARMOR_MOUNT };
static const char *const apparmor_properties[] = { "profile", "nesting", "mount", NULL };

static int parse_apparmor(struct parser *p, unsigned index, char *value)
{
	char *v[ELEMENTSOF(apparmor_properties)];
	bool generated;
	int r, n;

	(void)index;
	r = split_properties(p, value, apparmor_properties, v);
	if (r < 0)
		return r;
	if (!v[APPARMOR_PROFILE])
		return missing(p, "'profile'");
	if (!apparmor_profile_valid(v[APPARMOR_PROFILE]))
		return invalid(p, "profile", v[APPARMOR_PROFILE],
			       "expected a profile name of 1 to 255 characters from A-Z a-z 0-9 "
			       "_ . : / + -, or 'unconfined' or 'generated'");
	generated = strcmp(v[APPARMOR_PROFILE], "generated") == 0;
	if (v[APPARMOR_NESTING]) {
		if (!generated)
			return invalid(p, "nesting", v[APPARMOR_NESTING],
				       "only valid with profile=generated");
		if (strcmp(v[APPARMOR_NESTING], "0") != 0 && strcmp(v[APPARMOR_NESTING], "1") != 0)
			return invalid(p, "nesting", v[APPARMOR_NESTING], "expected 0 or 1");
		p->c->lsm.apparmor_nesting = v[APPARMOR_NESTING][0] == '1';
	}
	if (v[APPARMOR_MOUNT]) {
		_cleanup_free_ char **items = NULL;

		if (!generated)
			return invalid(p, "mount", v[APPARMOR_MOUNT],
				       "only valid with profile=generated");
		n = split_list(p, "mount", v[APPARMOR_MOUNT], &items);
		if (n < 0)
			return n;
		if (n > CONFIG_MAX_APPARMOR_MOUNTS)
			return invalid(p, "mount", v[APPARMOR_MOUNT],
				       "at most %d file system types", CONFIG_MAX_APPARMOR_MOUNTS);
		for (int i = 0; i < n; i++) {
			if (!fstype_valid(items[i]))
				return invalid(
				    p, "mount", items[i],
				    "expected a file system type of 1 to 63 characters "
				    "from a-z A-Z 0-9 _ . -, like 'nfs' or 'fuse.sshfs'");
			for (int j = 0; j < i; j++)
				if (strcmp(items[i], items[j]) == 0)
					return invalid(p, "mount", items[i], "listed twice");
		}
		r = copy_items(p, items, &p->c->lsm.apparmor_mounts);
		if (r < 0)
			return r;
	}
	p->c->lsm.apparmor_profile = strdup(v[APPARMOR_PROFILE]);
	if (!p->c->lsm.apparmor_profile)
		return fail_oom(p);
	p->c->lsm.apparmor_line = p->rd.line;
	return 0;
}

static int parse_selinux(struct parser *p, unsigned index, char *value)
{
	(void)index;
	if (!selinux_context_valid(value))
		return invalid(p, NULL, value,
			       "expected <user>:<role>:<type>[:<level>] like "
			       "'system_u:system_r:container_t:s0:c10,c20' (names of A-Z a-z 0-9 "
			       "_ .; level s<N>[:c<N>[.c<M>],...][-<level>], N and M up to 1023)");
	p->c->lsm.selinux = strdup(value);
	if (!p->c->lsm.selinux)
		return fail_oom(p);
	p->c->lsm.selinux_line = p->rd.line;
	return 0;
}

/* hooks, hook-user, annotation<N> */

enum { HOOKS_DIR, HOOKS_BUNDLE };
static const char *const hooks_properties[] = { "dir", "bundle", NULL };

static int parse_hooks(struct parser *p, unsigned index, char *value)
{
	char *v[ELEMENTSOF(hooks_properties)];
	int r, n;

	(void)index;
	r = split_properties(p, value, hooks_properties, v);
	if (r < 0)
		return r;
	if (!v[HOOKS_DIR] && !v[HOOKS_BUNDLE])
		return missing(p, "'dir' or 'bundle'");
	if (v[HOOKS_DIR]) {
		_cleanup_free_ char **items = NULL;

		n = split_list(p, "dir", v[HOOKS_DIR], &items);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			r = parse_path(p, "dir", items[i]);
			if (r < 0)
				return r;
		}
		r = copy_items(p, items, &p->c->hooks.dirs);
		if (r < 0)
			return r;
	}
	if (v[HOOKS_BUNDLE]) {
		r = parse_path(p, "bundle", v[HOOKS_BUNDLE]);
		if (r < 0)
			return r;
		p->c->hooks.bundle = strdup(v[HOOKS_BUNDLE]);
		if (!p->c->hooks.bundle)
			return fail_oom(p);
	}
	p->c->hooks.line = p->rd.line;
	return 0;
}

static int parse_hook_user(struct parser *p, unsigned index, char *value)
{
	uint32_t uid;

	(void)index;
	if (!user_name_valid(value) && parse_uint32(value, 0, UINT32_MAX - 1, &uid) < 0)
		return invalid(p, NULL, value,
			       "expected a user name ([a-z_][a-z0-9_-]*, at most 32 characters, "
			       "optionally ending in '$') or a numeric uid from 0 to 4294967294");
	p->c->hooks.user = strdup(value);
	if (!p->c->hooks.user)
		return fail_oom(p);
	p->c->hooks.user_line = p->rd.line;
	return 0;
}

static void annotation_done(struct config_annotation *a)
{
	free(a->key);
	free(a->value);
	a->key = a->value = NULL;
}

static int parse_annotation(struct parser *p, unsigned index, char *value)
{
	_cleanup_(annotation_done) struct config_annotation a = { .index = index,
								  .line = p->rd.line };
	char q[ESCAPE_BUFSIZE];
	char *eq = strchr(value, '=');
	int r;

	if (!eq)
		return fail(p, -EINVAL, "Missing '=' in '%s' for '%s': expected <key>=<value>",
			    escape_for_message(value, q, sizeof(q)), p->key);
	*eq = '\0';
	if (!annotation_key_valid(value))
		return fail(p, -EINVAL,
			    "Invalid annotation key '%s' in '%s': expected 1 to 255 characters "
			    "from A-Z a-z 0-9 . _ / -",
			    escape_for_message(value, q, sizeof(q)), p->key);
	if (!text_valid(eq + 1))
		return fail(p, -EINVAL,
			    "Invalid annotation value '%s' for '%s' in '%s': expected UTF-8 text "
			    "without control characters",
			    escape_for_message(eq + 1, q, sizeof(q)), value, p->key);
	for (size_t i = 0; i < p->c->hooks.n_annotations; i++) {
		const struct config_annotation *o = &p->c->hooks.annotations[i];

		if (strcmp(o->key, value) == 0)
			return fail(
			    p, -EINVAL,
			    "Annotation key '%s' of '%s' is already set by 'annotation%u' on "
			    "line %u",
			    value, p->key, o->index, o->line);
	}
	a.key = strdup(value);
	a.value = strdup(eq + 1);
	if (!a.key || !a.value)
		return fail_oom(p);

	r = APPEND(p, p->c->hooks.annotations, p->c->hooks.n_annotations, a);
	if (r < 0)
		return r;
	a.key = a.value = NULL;
	return 0;
}

static const struct key_type key_types[] = {
	{ "net", CONFIG_MAX_NET, "net", parse_net },
	{ "route", CONFIG_MAX_ROUTE, "route", parse_route },
	{ "dns", 0, "dns", parse_dns },
	{ "port", CONFIG_MAX_PORT, "port", parse_port },
	{ "seccomp", 0, "seccomp", parse_seccomp },
	{ "seccomp-sha256", 0, "seccomp", parse_seccomp_sha256 },
	{ "apparmor", 0, "apparmor", parse_apparmor },
	{ "selinux", 0, "selinux", parse_selinux },
	{ "hooks", 0, "hooks", parse_hooks },
	{ "hook-user", 0, "hooks", parse_hook_user },
	{ "annotation", CONFIG_MAX_ANNOTATION, "hooks", parse_annotation },
};

/* The number of possible keys: the slots of parser.seen. */
static size_t key_slots(void)
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(key_types); i++)
		n += key_types[i].count ? key_types[i].count : 1;
	return n;
}

/*
 * 0 with the type, index and slot (an index into parser.seen) of key;
 * -ENOENT if no such key; -ERANGE if a key with an index has a bad one.
 */
static int key_lookup(const char *key, const struct key_type **ret_type, unsigned *ret_index,
		      unsigned *ret_slot)
{
	unsigned slot = 0;

	for (size_t i = 0; i < ELEMENTSOF(key_types); i++) {
		const struct key_type *t = &key_types[i];
		size_t n = strlen(t->name);
		uint32_t index = 0;

		if (t->count == 0 && strcmp(key, t->name) == 0)
			goto found;
		if (t->count && strncmp(key, t->name, n) == 0 && key[n] == '\0') {
			*ret_type = t;
			return -ERANGE;
		}
		if (t->count && strncmp(key, t->name, n) == 0 && key[n] >= '0' && key[n] <= '9' &&
		    strspn(key + n, "0123456789") == strlen(key + n)) {
			*ret_type = t;
			if (parse_uint32(key + n, 0, t->count - 1, &index) < 0)
				return -ERANGE;
			goto found;
		}
		slot += t->count ? t->count : 1;
		continue;
	found:
		*ret_type = t;
		*ret_index = index;
		*ret_slot = slot + index;
		return 0;
	}
	return -ENOENT;
}

const char *config_key_feature(const char *key)
{
	const struct key_type *t;
	unsigned index, slot;

	if (!key || key_lookup(key, &t, &index, &slot) < 0)
		return NULL;
	return t->feature;
}

static int parse_entry(struct parser *p, const char *key, char *value)
{
	struct config_entry entry = { .line = p->rd.line };
	const struct key_type *t;
	unsigned index, slot;
	char q[ESCAPE_BUFSIZE];
	int r;

	r = key_lookup(key, &t, &index, &slot);
	if (r == -ENOENT)
		return fail(p, -EINVAL, "Unknown key '%s'", escape_for_message(key, q, sizeof(q)));
	if (r < 0)
		return fail(p, -EINVAL,
			    "Invalid key '%s': expected '%s0' to '%s%u' (no leading zeros)",
			    escape_for_message(key, q, sizeof(q)), t->name, t->name, t->count - 1);
	if (p->seen[slot])
		return fail(p, -EINVAL, "Duplicate key: '%s' is already set on line %u", key,
			    p->seen[slot]);
	p->seen[slot] = p->rd.line;

	p->key = key;
	r = t->parse(p, index, value);
	if (r < 0)
		return r;

	/* Keys that pass key_lookup() are at most "annotation255". */
	snprintf(entry.key, sizeof(entry.key), "%s", key);
	return APPEND(p, p->c->entries, p->c->n_entries, entry);
}

static int compare_index(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int config_parse(const char *name, const char *data, size_t size, struct config **ret,
		 struct lxcri_error *err)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_free_ struct parser *p = NULL;
	_cleanup_free_ unsigned *seen = calloc(key_slots(), sizeof(*seen));
	int r;

	p = calloc(1, sizeof(*p));
	if (!p || !seen)
		return error_set(err, -ENOMEM, "%s: Out of memory", name ? name : "(config)");
	p->seen = seen;
	r = reader_init(&p->rd, name, data, size, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(p->rd.name)))
		return error_set(err, -ENOMEM, "%s: Out of memory", p->rd.name);
	p->c = c;

	for (;;) {
		_cleanup_free_ char *line = NULL;
		char *key, *value;

		r = reader_next(&p->rd, &line, &key, &value);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		r = parse_entry(p, key, value);
		if (r < 0)
			return r;
	}

	if (c->lsm.seccomp_sha256[0] && !c->lsm.seccomp)
		return error_set(
		    err, -EINVAL,
		    "%s:%u: 'seccomp-sha256' without 'seccomp': run 'lxcri seccomp set' "
		    "or remove the line",
		    p->rd.name, c->lsm.seccomp_sha256_line);

	/* The file's order is in entries; the model is in index order. */
	if (c->net.n_nets)
		qsort(c->net.nets, c->net.n_nets, sizeof(*c->net.nets), compare_index);
	if (c->net.n_routes)
		qsort(c->net.routes, c->net.n_routes, sizeof(*c->net.routes), compare_index);
	if (c->port.n_ports)
		qsort(c->port.ports, c->port.n_ports, sizeof(*c->port.ports), compare_index);
	if (c->hooks.n_annotations)
		qsort(c->hooks.annotations, c->hooks.n_annotations, sizeof(*c->hooks.annotations),
		      compare_index);

	*ret = TAKE_PTR(c);
	return 0;
}

int config_too_large(const char *name, size_t size, struct lxcri_error *err)
{
	return error_set(err, -EFBIG, "%s: File is larger than 1 MiB (%zu bytes, at most %d)", name,
			 size, CONFIG_MAX_SIZE);
}

int config_read(const char *path, char **ret_data, size_t *ret_size, struct lxcri_error *err)
{
	struct stat st;
	int r = read_file(path, CONFIG_MAX_SIZE, ret_data, ret_size);

	if (r >= 0)
		return 0;
	/* What it says it holds, if more than the bytes read before we stopped. */
	if (r == -EFBIG)
		return config_too_large(path,
					stat(path, &st) == 0 && st.st_size > CONFIG_MAX_SIZE
					    ? (size_t)st.st_size
					    : CONFIG_MAX_SIZE + 1,
					err);
	if (r == -EINVAL)
		return error_set(err,
				 stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
				 "Failed to read '%s': not a regular file", path);
	if (r == -ENOMEM)
		return error_set(err, r, "Failed to read '%s': out of memory", path);
	return error_set_errno(err, r, "Failed to open '%s'", path);
}

int config_load(const char *path, struct config **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = config_read(path, &data, &size, err);
	if (r < 0)
		return r;
	return config_parse(path, data, size, ret, err);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	for (size_t i = 0; i < c->net.n_nets; i++)
		net_done(&c->net.nets[i]);
	free(c->net.nets);
	free(c->net.routes);
	free(c->net.dns.nameservers);
	strv_free(c->net.dns.search);
	strv_free(c->net.dns.options);
	free(c->port.ports);
	free(c->lsm.seccomp);
	free(c->lsm.apparmor_profile);
	strv_free(c->lsm.apparmor_mounts);
	free(c->lsm.selinux);
	strv_free(c->hooks.dirs);
	free(c->hooks.bundle);
	free(c->hooks.user);
	for (size_t i = 0; i < c->hooks.n_annotations; i++)
		annotation_done(&c->hooks.annotations[i]);
	free(c->hooks.annotations);
	free(c->entries);
	free(c);
}

/* Formatting */

/* Whether s can stand as a value: no control characters, no blanks at either end. */
static bool fits_value(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || is_blank(s[0]) || is_blank(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* ... and inside a property string, where ',' separates properties. */
static bool fits_property(const char *s)
{
	return fits_value(s) && !strchr(s, ',');
}

/* ... and as an element of a list, where ';' separates elements. */
static bool strv_fits_property(char **v)
{
	if (!v || !*v)
		return false;
	STRV_FOREACH (s, v)
		if (!fits_property(*s) || strchr(*s, ';'))
			return false;
	return true;
}

/* Indexes 0..n-1 of array (records of size bytes, each starting with its index) in index order. */
static size_t *index_order(const void *array, size_t n, size_t size)
{
	size_t *order = calloc(n ? n : 1, sizeof(*order));

	if (!order)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	/* Insertion sort: the parser's output is sorted already. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			unsigned a = *(const unsigned *)((const char *)array + order[j - 1] * size);
			unsigned b = *(const unsigned *)((const char *)array + order[j] * size);
			size_t t;

			if (a <= b)
				break;
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	return order;
}

static void write_strv(FILE *f, const char *name, char **v, bool *first)
{
	fprintf(f, "%s%s=", *first ? "" : ",", name);
	*first = false;
	STRV_FOREACH (s, v)
		fprintf(f, "%s%s", s == v ? "" : ";", *s);
}

static int format_net(FILE *f, const struct config_net *n)
{
	char buf[INET6_ADDRSTRLEN];

	if (!ifname_valid(n->name) || (n->cni ? !fits_property(n->cni) : !ifname_valid(n->bridge)))
		return -EINVAL;
	fprintf(f, "net%u: name=%s", n->index, n->name);
	if (n->cni)
		fprintf(f, ",cni=%s", n->cni);
	else
		fprintf(f, ",bridge=%s", n->bridge);
	for (size_t i = 0; i < n->n_addresses; i++)
		fprintf(f, "%s%s/%u", i ? ";" : ",ip=", addr_to_string(&n->addresses[i].addr, buf),
			n->addresses[i].prefixlen);
	if (n->has_gw)
		fprintf(f, ",gw=%s", addr_to_string(&n->gw, buf));
	if (n->has_gw6)
		fprintf(f, ",gw6=%s", addr_to_string(&n->gw6, buf));
	if (n->mtu)
		fprintf(f, ",mtu=%u", n->mtu);
	if (n->has_hwaddr)
		fprintf(f, ",hwaddr=%02X:%02X:%02X:%02X:%02X:%02X", n->hwaddr[0], n->hwaddr[1],
			n->hwaddr[2], n->hwaddr[3], n->hwaddr[4], n->hwaddr[5]);
	if (n->tag)
		fprintf(f, ",tag=%u", n->tag);
	fputc('\n', f);
	return 0;
}

static int format_route(FILE *f, const struct config_route *r)
{
	char buf[INET6_ADDRSTRLEN];

	if (r->dev[0] && !ifname_valid(r->dev))
		return -EINVAL;
	fprintf(f, "route%u: dst=", r->index);
	if (r->is_default)
		fputs(r->dst.addr.family == AF_INET6 ? "default6" : "default", f);
	else
		fprintf(f, "%s/%u", addr_to_string(&r->dst.addr, buf), r->dst.prefixlen);
	if (r->has_via)
		fprintf(f, ",via=%s", addr_to_string(&r->via, buf));
	if (r->dev[0])
		fprintf(f, ",dev=%s", r->dev);
	if (r->has_metric)
		fprintf(f, ",metric=%u", r->metric);
	if (r->table == ROUTE_TABLE_MAIN)
		fputs(",table=main", f);
	else if (r->table)
		fprintf(f, ",table=%u", r->table);
	fputc('\n', f);
	return 0;
}

static int format_dns(FILE *f, const struct config_dns *d)
{
	char buf[INET6_ADDRSTRLEN];
	bool first = true;

	if ((d->search && !strv_fits_property(d->search)) ||
	    (d->options && !strv_fits_property(d->options)))
		return -EINVAL;
	fputs("dns: ", f);
	for (size_t i = 0; i < d->n_nameservers; i++) {
		fprintf(f, "%s%s",
			i ? ";" : "nameserver=", addr_to_string(&d->nameservers[i], buf));
		first = false;
	}
	if (d->search)
		write_strv(f, "search", d->search, &first);
	if (d->options)
		write_strv(f, "options", d->options, &first);
	if (first)
		return -EINVAL; /* "dns: " alone would not parse */
	fputc('\n', f);
	return 0;
}

static int format_port(FILE *f, const struct config_port *p)
{
	char buf[INET6_ADDRSTRLEN], host[16], ct[16];

	if (p->net[0] && !ifname_valid(p->net))
		return -EINVAL;
	format_port_range(host, sizeof(host), p->host_first, p->host_last);
	format_port_range(ct, sizeof(ct), p->ct_first, p->ct_last);
	fprintf(f, "port%u: proto=%s,host=%s,ct=%s", p->index, ip_proto_name(p->proto), host, ct);
	if (p->has_hostip)
		fprintf(f, ",hostip=%s", addr_to_string(&p->hostip, buf));
	if (p->net[0])
		fprintf(f, ",net=%s", p->net);
	fputc('\n', f);
	return 0;
}

static int format_all(FILE *f, const struct config *c)
{
	_cleanup_free_ size_t *nets = index_order(c->net.nets, c->net.n_nets, sizeof(*c->net.nets));
	_cleanup_free_ size_t *routes =
	    index_order(c->net.routes, c->net.n_routes, sizeof(*c->net.routes));
	_cleanup_free_ size_t *ports =
	    index_order(c->port.ports, c->port.n_ports, sizeof(*c->port.ports));
	_cleanup_free_ size_t *annotations = index_order(
	    c->hooks.annotations, c->hooks.n_annotations, sizeof(*c->hooks.annotations));
	int r;

	if (!nets || !routes || !ports || !annotations)
		return -ENOMEM;
	for (size_t i = 0; i < c->net.n_nets; i++) {
		r = format_net(f, &c->net.nets[nets[i]]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->net.n_routes; i++) {
		r = format_route(f, &c->net.routes[routes[i]]);
		if (r < 0)
			return r;
	}
	if (c->net.dns.set) {
		r = format_dns(f, &c->net.dns);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->port.n_ports; i++) {
		r = format_port(f, &c->port.ports[ports[i]]);
		if (r < 0)
			return r;
	}
	if (c->lsm.seccomp) {
		if (!fits_value(c->lsm.seccomp))
			return -EINVAL;
		fprintf(f, "seccomp: %s\n", c->lsm.seccomp);
	}
	if (c->lsm.seccomp_sha256[0])
		fprintf(f, "seccomp-sha256: %s\n", c->lsm.seccomp_sha256);
	if (c->lsm.apparmor_profile) {
		if (!fits_property(c->lsm.apparmor_profile))
			return -EINVAL;
		if (c->lsm.apparmor_mounts && !strv_fits_property(c->lsm.apparmor_mounts))
			return -EINVAL;
		char value[CONFIG_APPARMOR_VALUE_MAX];

		if (config_apparmor_value(c, value, sizeof(value)) < 0)
			return -EINVAL;
		fprintf(f, "apparmor: %s\n", value);
	}
	if (c->lsm.selinux) {
		if (!fits_value(c->lsm.selinux))
			return -EINVAL;
		fprintf(f, "selinux: %s\n", c->lsm.selinux);
	}
	if (c->hooks.dirs || c->hooks.bundle) {
		bool first = true;

		if ((c->hooks.dirs && !strv_fits_property(c->hooks.dirs)) ||
		    (c->hooks.bundle && !fits_property(c->hooks.bundle)))
			return -EINVAL;
		fputs("hooks: ", f);
		if (c->hooks.dirs)
			write_strv(f, "dir", c->hooks.dirs, &first);
		if (c->hooks.bundle)
			fprintf(f, "%sbundle=%s", first ? "" : ",", c->hooks.bundle);
		fputc('\n', f);
	}
	if (c->hooks.user) {
		if (!fits_value(c->hooks.user))
			return -EINVAL;
		fprintf(f, "hook-user: %s\n", c->hooks.user);
	}
	for (size_t i = 0; i < c->hooks.n_annotations; i++) {
		const struct config_annotation *a = &c->hooks.annotations[annotations[i]];
		size_t n;

		if (!a->key || !a->value || !annotation_key_valid(a->key) || !text_valid(a->value))
			return -EINVAL;
		/* Trailing blanks would be trimmed away when read back. */
		n = strlen(a->value);
		if (n && is_blank(a->value[n - 1]))
			return -EINVAL;
		fprintf(f, "annotation%u: %s=%s\n", a->index, a->key, a->value);
	}
	return 0;
}

int config_apparmor_value(const struct config *c, char *buf, size_t size)
{
	size_t n;
	int r;

	if (!c->lsm.apparmor_profile)
		return -ENOENT;
	r = snprintf(buf, size, "profile=%s%s", c->lsm.apparmor_profile,
		     c->lsm.apparmor_nesting ? ",nesting=1" : "");
	for (char **m = c->lsm.apparmor_mounts; r >= 0 && (size_t)r < size && m && *m; m++) {
		n = (size_t)r;
		r = snprintf(buf + n, size - n, "%s%s",
			     m == c->lsm.apparmor_mounts ? ",mount=" : ";", *m);
		r = r < 0 ? r : (int)n + r;
	}
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

int config_format(const struct config *c, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	if (!c || !ret)
		return -EINVAL;
	f = open_memstream(&text, &size);
	if (!f)
		return -errno;
	r = format_all(f, c);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}

static bool str_equal(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool strv_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static bool net_equal(const struct config_net *a, const struct config_net *b)
{
	if (a->index != b->index || strcmp(a->name, b->name) != 0 ||
	    strcmp(a->bridge, b->bridge) != 0 || !str_equal(a->cni, b->cni) ||
	    a->n_addresses != b->n_addresses || a->has_gw != b->has_gw ||
	    a->has_gw6 != b->has_gw6 || (a->has_gw && !ip_address_equal(&a->gw, &b->gw)) ||
	    (a->has_gw6 && !ip_address_equal(&a->gw6, &b->gw6)) || a->mtu != b->mtu ||
	    a->has_hwaddr != b->has_hwaddr ||
	    (a->has_hwaddr && memcmp(a->hwaddr, b->hwaddr, 6) != 0) || a->tag != b->tag)
		return false;
	for (size_t i = 0; i < a->n_addresses; i++)
		if (a->addresses[i].prefixlen != b->addresses[i].prefixlen ||
		    !ip_address_equal(&a->addresses[i].addr, &b->addresses[i].addr))
			return false;
	return true;
}

static bool route_equal(const struct config_route *a, const struct config_route *b)
{
	return a->index == b->index && a->is_default == b->is_default &&
	       a->dst.addr.family == b->dst.addr.family &&
	       (a->is_default || (a->dst.prefixlen == b->dst.prefixlen &&
				  ip_address_equal(&a->dst.addr, &b->dst.addr))) &&
	       a->has_via == b->has_via && (!a->has_via || ip_address_equal(&a->via, &b->via)) &&
	       strcmp(a->dev, b->dev) == 0 && a->has_metric == b->has_metric &&
	       (!a->has_metric || a->metric == b->metric) && a->table == b->table;
}

static bool port_equal(const struct config_port *a, const struct config_port *b)
{
	return a->index == b->index && a->proto == b->proto && a->host_first == b->host_first &&
	       a->host_last == b->host_last && a->ct_first == b->ct_first &&
	       a->ct_last == b->ct_last && a->has_hostip == b->has_hostip &&
	       (!a->has_hostip || ip_address_equal(&a->hostip, &b->hostip)) &&
	       strcmp(a->net, b->net) == 0;
}

bool config_equal(const struct config *a, const struct config *b)
{
	if (!a || !b)
		return a == b;
	if (a->net.n_nets != b->net.n_nets || a->net.n_routes != b->net.n_routes ||
	    a->port.n_ports != b->port.n_ports ||
	    a->hooks.n_annotations != b->hooks.n_annotations || a->net.dns.set != b->net.dns.set ||
	    a->net.dns.n_nameservers != b->net.dns.n_nameservers ||
	    !strv_equal(a->net.dns.search, b->net.dns.search) ||
	    !strv_equal(a->net.dns.options, b->net.dns.options) ||
	    !str_equal(a->lsm.seccomp, b->lsm.seccomp) ||
	    strcmp(a->lsm.seccomp_sha256, b->lsm.seccomp_sha256) != 0 ||
	    !str_equal(a->lsm.apparmor_profile, b->lsm.apparmor_profile) ||
	    a->lsm.apparmor_nesting != b->lsm.apparmor_nesting ||
	    !strv_equal(a->lsm.apparmor_mounts, b->lsm.apparmor_mounts) ||
	    !str_equal(a->lsm.selinux, b->lsm.selinux) ||
	    !strv_equal(a->hooks.dirs, b->hooks.dirs) ||
	    !str_equal(a->hooks.bundle, b->hooks.bundle) ||
	    !str_equal(a->hooks.user, b->hooks.user))
		return false;
	for (size_t i = 0; i < a->net.n_nets; i++)
		if (!net_equal(&a->net.nets[i], &b->net.nets[i]))
			return false;
	for (size_t i = 0; i < a->net.n_routes; i++)
		if (!route_equal(&a->net.routes[i], &b->net.routes[i]))
			return false;
	for (size_t i = 0; i < a->net.dns.n_nameservers; i++)
		if (!ip_address_equal(&a->net.dns.nameservers[i], &b->net.dns.nameservers[i]))
			return false;
	for (size_t i = 0; i < a->port.n_ports; i++)
		if (!port_equal(&a->port.ports[i], &b->port.ports[i]))
			return false;
	for (size_t i = 0; i < a->hooks.n_annotations; i++)
		if (a->hooks.annotations[i].index != b->hooks.annotations[i].index ||
		    !str_equal(a->hooks.annotations[i].key, b->hooks.annotations[i].key) ||
		    !str_equal(a->hooks.annotations[i].value, b->hooks.annotations[i].value))
			return false;
	return true;
}

/* Host-wide settings */

void settings_init(struct settings *s)
{
	*s = (struct settings){
		.log_level = LOG_INFO,
		.helper_timeout_ms = 30 * 1000,
		.cni_config_dir = "/etc/cni/net.d",
		.cni_plugin_path = "/usr/lib/cni:/opt/cni/bin",
		.cni_cache_dir = "/var/lib/cni",
		.cni_timeout_ms = 20 * 1000,
		.port_table = "lxcri",
		.port_address_timeout_ms = 120 * 1000,
	};
}

enum setting_kind { SETTING_LEVEL, SETTING_SECONDS, SETTING_DIR, SETTING_DIR_LIST, SETTING_NAME };

static const struct setting_def {
	const char *key;
	enum setting_kind kind;
	size_t offset;
} setting_defs[] = {
	{ "log-level", SETTING_LEVEL, offsetof(struct settings, log_level) },
	{ "helper-timeout", SETTING_SECONDS, offsetof(struct settings, helper_timeout_ms) },
	{ "cni-config-dir", SETTING_DIR, offsetof(struct settings, cni_config_dir) },
	{ "cni-plugin-path", SETTING_DIR_LIST, offsetof(struct settings, cni_plugin_path) },
	{ "cni-cache-dir", SETTING_DIR, offsetof(struct settings, cni_cache_dir) },
	{ "cni-timeout", SETTING_SECONDS, offsetof(struct settings, cni_timeout_ms) },
	{ "port-table", SETTING_NAME, offsetof(struct settings, port_table) },
	{ "port-address-timeout", SETTING_SECONDS,
	  offsetof(struct settings, port_address_timeout_ms) },
};

/* An nftables table name as lib/port/portfwd takes it: a letter, then letters, digits and '_', at
 * most 63. */
static bool nft_name_valid(const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > 63 ||
	    !((value[0] >= 'a' && value[0] <= 'z') || (value[0] >= 'A' && value[0] <= 'Z')))
		return false;
	return strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
	       n;
}

/* Each ':'-separated part an absolute path (the CNI plugin path). */
static bool dir_list_valid(const char *value)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	size_t n = 0;

	if (!copy || value[0] == ':' || value[strlen(value) - 1] == ':' || strstr(value, "::"))
		return false;
	for (char *part = strtok_r(copy, ":", &save); part; part = strtok_r(NULL, ":", &save), n++)
		if (!path_absolute_valid(part))
			return false;
	return n > 0;
}

static int setting_set(struct reader *rd, const struct setting_def *def, const char *value,
		       struct settings *result)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "error", LOG_ERR },
		{ "warning", LOG_WARNING },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	char q[ESCAPE_BUFSIZE], *field = (char *)result + def->offset;
	uint32_t seconds;
	size_t i;

	escape_for_message(value, q, sizeof(q));
	switch (def->kind) {
	case SETTING_LEVEL:
		for (i = 0; i < ELEMENTSOF(levels); i++)
			if (strcmp(value, levels[i].name) == 0)
				break;
		if (i == ELEMENTSOF(levels))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected 'error', "
					   "'warning', 'info' or 'debug'",
					   q, def->key);
		*(int *)(void *)field = levels[i].level;
		return 0;
	case SETTING_SECONDS:
		if (parse_uint32(value, 1, 3600, &seconds) < 0)
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected a number "
					   "of seconds from 1 to 3600",
					   q, def->key);
		*(unsigned *)(void *)field = seconds * 1000;
		return 0;
	case SETTING_DIR:
		if (!path_absolute_valid(value))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected an absolute path",
					   q, def->key);
		break;
	case SETTING_DIR_LIST:
		if (!dir_list_valid(value))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected absolute paths "
					   "separated by ':'",
					   q, def->key);
		break;
	case SETTING_NAME:
		if (!nft_name_valid(value))
			return reader_fail(
			    rd, -EINVAL,
			    "Invalid value '%s' for '%s': expected a name of at most "
			    "63 letters, digits and '_', starting with a letter",
			    q, def->key);
		break;
	}
	if (strlen(value) >= PATH_MAX)
		return reader_fail(rd, -ENAMETOOLONG, "Value of '%s' is too long", def->key);
	strcpy(field, value);
	return 0;
}

int settings_parse(const char *name, const char *data, size_t size, struct settings *s,
		   struct lxcri_error *err)
{
	unsigned seen[ELEMENTSOF(setting_defs)] = { 0 };
	struct settings result;
	struct reader rd;
	int r;

	settings_init(&result);
	r = reader_init(&rd, name, data, size, err);
	if (r < 0)
		return r;
	for (;;) {
		_cleanup_free_ char *line = NULL;
		char *key, *value, q[ESCAPE_BUFSIZE];
		size_t i;

		r = reader_next(&rd, &line, &key, &value);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		for (i = 0; i < ELEMENTSOF(setting_defs); i++)
			if (strcmp(key, setting_defs[i].key) == 0)
				break;
		if (i == ELEMENTSOF(setting_defs))
			return reader_fail(&rd, -EINVAL, "Unknown key '%s'",
					   escape_for_message(key, q, sizeof(q)));
		if (seen[i])
			return reader_fail(&rd, -EINVAL,
					   "Duplicate key: '%s' is already set on line %u", key,
					   seen[i]);
		seen[i] = rd.line;
		r = setting_set(&rd, &setting_defs[i], value, &result);
		if (r < 0)
			return r;
	}
	*s = result;
	return 0;
}

int settings_load(const char *path, struct settings *s, struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = config_read(path, &data, &size, err);
	if (r == -ENOENT) {
		settings_init(s);
		return 0;
	}
	if (r < 0)
		return r;
	return settings_parse(path, data, size, s, err);
}

int settings_load_host(const struct lxcri_paths *p, struct settings *s, struct lxcri_error *err)
{
	char path[PATH_MAX];
	int r = paths_settings(p, path, sizeof(path));

	settings_init(s);
	if (r < 0)
		return error_set(err, r, "Path of the settings file is too long");
	return settings_load(path, s, err);
}
