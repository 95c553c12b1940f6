/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network keys: net<N>, route<N>, dns (net.h). */
#include "lib/config/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/parse.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"
#include "lib/config/keys.h"

#define ROUTE_TABLE_MAIN 254

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

static int parse_net_addresses(struct config_parser *p, char *value, struct config_net *net)
{
	_cleanup_free_ char **items = NULL;
	char q[ESCAPE_BUFSIZE];
	int n;

	n = config_split_list(p, "ip", value, &items);
	if (n < 0)
		return n;
	if (n > CONFIG_MAX_ADDRESSES)
		return config_fail(p, -EINVAL,
				   "Too many addresses for 'ip' in '%s': %d, at most %d", p->key, n,
				   CONFIG_MAX_ADDRESSES);
	net->addresses = calloc((size_t)n, sizeof(*net->addresses));
	if (!net->addresses)
		return config_fail_oom(p);
	for (int i = 0; i < n; i++) {
		struct ip_prefix prefix;

		if (ip_prefix_parse(items[i], AF_UNSPEC, &prefix) < 0)
			return config_invalid(
			    p, "ip", items[i],
			    "expected an address with a prefix length, like "
			    "'10.0.0.5/24' or 'fd00::5/64' (0..32 for IPv4, 0..128 "
			    "for IPv6)");
		if (ip_address_is_unspecified(&prefix.addr) ||
		    ip_address_is_multicast(&prefix.addr))
			return config_invalid(
			    p, "ip", items[i],
			    "an unspecified or multicast address cannot be assigned");
		for (size_t j = 0; j < net->n_addresses; j++) {
			struct ip_address a = prefix.addr;

			if (ip_address_equal(&net->addresses[j].addr, &a))
				return config_fail(
				    p, -EINVAL, "Duplicate address '%s' for 'ip' in '%s'",
				    escape_for_message(items[i], q, sizeof(q)), p->key);
		}
		net->addresses[net->n_addresses++] = (struct ip_prefix){
			.addr = prefix.addr,
			.prefixlen = prefix.prefixlen,
		};
	}
	return 0;
}

static int parse_net(struct config_parser *p, unsigned index, char *value)
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

	r = config_split_properties(p, value, net_properties, v);
	if (r < 0)
		return r;

	if (!v[NET_NAME])
		return config_missing(p, "'name'");
	r = config_parse_ifname(p, "name", v[NET_NAME], false);
	if (r < 0)
		return r;
	strcpy(net.name, v[NET_NAME]);

	if (v[NET_BRIDGE] && v[NET_CNI])
		return config_fail(
		    p, -EINVAL, "Properties 'bridge' and 'cni' exclude each other in '%s'", p->key);
	if (!v[NET_BRIDGE] && !v[NET_CNI])
		return config_missing(p, "'bridge' or 'cni'");
	if (v[NET_CNI]) {
		for (size_t i = 0; i < ELEMENTSOF(not_with_cni); i++)
			if (v[not_with_cni[i].property])
				return config_fail(
				    p, -EINVAL,
				    "Property '%s' is not allowed with 'cni' in '%s': the CNI "
				    "network configures addresses, gateways, MAC and VLAN",
				    not_with_cni[i].name, p->key);
		if (!valid_cni_network_name(v[NET_CNI]))
			return config_invalid(
			    p, "cni", v[NET_CNI],
			    "expected a CNI network name: a letter or digit, then up to "
			    "99 of A-Z a-z 0-9 _ . -");
		net.cni = strdup(v[NET_CNI]);
		if (!net.cni)
			return config_fail_oom(p);
	} else {
		r = config_parse_ifname(p, "bridge", v[NET_BRIDGE], false);
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
		r = config_parse_address(p, "gw", v[NET_GW], AF_INET, &net.gw);
		if (r < 0)
			return r;
		net.has_gw = true;
	}
	if (v[NET_GW6]) {
		r = config_parse_address(p, "gw6", v[NET_GW6], AF_INET6, &net.gw6);
		if (r < 0)
			return r;
		net.has_gw6 = true;
	}
	if (v[NET_MTU]) {
		if (parse_uint32(v[NET_MTU], 68, 65535, &net.mtu) < 0)
			return config_invalid(p, "mtu", v[NET_MTU],
					      "expected a number from 68 to 65535");
		ipv6 = net.has_gw6;
		for (size_t i = 0; i < net.n_addresses; i++)
			ipv6 = ipv6 || net.addresses[i].addr.family == AF_INET6;
		if (ipv6 && net.mtu < 1280)
			return config_invalid(
			    p, "mtu", v[NET_MTU],
			    "IPv6 needs an MTU of at least 1280, and '%s' has IPv6", p->key);
	}
	if (v[NET_HWADDR]) {
		if (mac_parse(v[NET_HWADDR], net.hwaddr) < 0)
			return config_invalid(p, "hwaddr", v[NET_HWADDR],
					      "expected a MAC address like 'BC:24:11:00:00:01'");
		if (mac_is_zero(net.hwaddr))
			return config_invalid(p, "hwaddr", v[NET_HWADDR],
					      "the all-zero MAC address is not allowed");
		if (!mac_is_unicast(net.hwaddr))
			return config_invalid(
			    p, "hwaddr", v[NET_HWADDR],
			    "this is a multicast MAC address (the lowest bit of the first "
			    "byte is set); an interface needs a unicast one");
		net.has_hwaddr = true;
	}
	if (v[NET_TAG] && parse_uint16(v[NET_TAG], 1, 4094, &net.tag) < 0)
		return config_invalid(p, "tag", v[NET_TAG], "expected a VLAN tag from 1 to 4094");

	for (size_t i = 0; i < c->net.n_nets; i++) {
		const struct config_net *o = &c->net.nets[i];

		if (strcmp(o->name, net.name) == 0)
			return config_fail(
			    p, -EINVAL,
			    "Interface name '%s' of '%s' is already used by 'net%u' on line %u",
			    net.name, p->key, o->index, o->line);
		if (net.has_hwaddr && o->has_hwaddr && memcmp(o->hwaddr, net.hwaddr, 6) == 0)
			return config_fail(
			    p, -EINVAL,
			    "MAC address '%s' of '%s' is already used by 'net%u' on line %u",
			    escape_for_message(v[NET_HWADDR], q, sizeof(q)), p->key, o->index,
			    o->line);
	}

	r = CONFIG_APPEND(p, c->net.nets, c->net.n_nets, net);
	if (r < 0)
		return r;
	net.cni = NULL; /* owned by c now */
	net.addresses = NULL;
	return 0;
}

static int format_net(FILE *f, const struct config_net *n)
{
	char buf[INET6_ADDRSTRLEN];

	if (!valid_ifname(n->name) ||
	    (n->cni ? !config_fits_property(n->cni) : !valid_ifname(n->bridge)))
		return -EINVAL;
	fprintf(f, "net%u: name=%s", n->index, n->name);
	if (n->cni)
		fprintf(f, ",cni=%s", n->cni);
	else
		fprintf(f, ",bridge=%s", n->bridge);
	for (size_t i = 0; i < n->n_addresses; i++)
		fprintf(f, "%s%s/%u",
			i ? ";" : ",ip=", config_addr_to_string(&n->addresses[i].addr, buf),
			n->addresses[i].prefixlen);
	if (n->has_gw)
		fprintf(f, ",gw=%s", config_addr_to_string(&n->gw, buf));
	if (n->has_gw6)
		fprintf(f, ",gw6=%s", config_addr_to_string(&n->gw6, buf));
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

static bool net_equal(const struct config_net *a, const struct config_net *b)
{
	if (a->index != b->index || strcmp(a->name, b->name) != 0 ||
	    strcmp(a->bridge, b->bridge) != 0 || !config_str_equal(a->cni, b->cni) ||
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

static int finish_nets(struct config_parser *p)
{
	config_sort_by_index(p->c->net.nets, p->c->net.n_nets, sizeof(*p->c->net.nets));
	return 0;
}

static int format_nets(FILE *f, const struct config *c)
{
	_cleanup_free_ size_t *order =
	    config_index_order(c->net.nets, c->net.n_nets, sizeof(*c->net.nets));
	int r = order ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < c->net.n_nets; i++)
		r = format_net(f, &c->net.nets[order[i]]);
	return r;
}

static bool nets_equal(const struct config *a, const struct config *b)
{
	if (a->net.n_nets != b->net.n_nets)
		return false;
	for (size_t i = 0; i < a->net.n_nets; i++)
		if (!net_equal(&a->net.nets[i], &b->net.nets[i]))
			return false;
	return true;
}

static void nets_free(struct config *c)
{
	for (size_t i = 0; i < c->net.n_nets; i++)
		net_done(&c->net.nets[i]);
	free(c->net.nets);
}

/* route<N> */

enum { ROUTE_DST, ROUTE_VIA, ROUTE_DEV, ROUTE_METRIC, ROUTE_TABLE };

static const char *const route_properties[] = { "dst", "via", "dev", "metric", "table", NULL };

static int parse_route(struct config_parser *p, unsigned index, char *value)
{
	struct config_route route = { .index = index, .line = p->rd.line };
	char *v[ELEMENTSOF(route_properties)];
	int r;

	r = config_split_properties(p, value, route_properties, v);
	if (r < 0)
		return r;

	if (!v[ROUTE_DST])
		return config_missing(p, "'dst'");
	if (strcmp(v[ROUTE_DST], "default") == 0 || strcmp(v[ROUTE_DST], "default6") == 0) {
		route.is_default = true;
		route.dst.addr.family = v[ROUTE_DST][7] ? AF_INET6 : AF_INET;
	} else {
		struct ip_prefix dst, network;
		char buf[IP_PREFIX_STRLEN];

		if (ip_prefix_parse(v[ROUTE_DST], AF_UNSPEC, &dst) < 0)
			return config_invalid(p, "dst", v[ROUTE_DST],
					      "expected 'default', 'default6' or a network like "
					      "'10.10.0.0/16' or 'fd00:1::/64'");
		if (ip_prefix_has_host_bits(&dst)) {
			network = dst;
			ip_prefix_clear_host_bits(&network);
			if (ip_prefix_to_string(&network, buf, sizeof(buf)) < 0)
				strcpy(buf, "?");
			return config_invalid(p, "dst", v[ROUTE_DST],
					      "host bits are set; the network is '%s'", buf);
		}
		route.dst.addr = dst.addr;
		route.dst.prefixlen = dst.prefixlen;
	}

	if (v[ROUTE_VIA]) {
		int family = route.dst.addr.family;

		r = config_parse_address(p, "via", v[ROUTE_VIA], AF_UNSPEC, &route.via);
		if (r < 0)
			return r;
		if (route.via.family != family)
			return config_invalid(
			    p, "via", v[ROUTE_VIA], "expected an %s address, as 'dst' is %s",
			    config_family_name(family), config_family_name(family));
		route.has_via = true;
	}
	if (v[ROUTE_DEV]) {
		r = config_parse_ifname(p, "dev", v[ROUTE_DEV], true);
		if (r < 0)
			return r;
		strcpy(route.dev, v[ROUTE_DEV]);
	}
	if (!route.has_via && !route.dev[0])
		return config_missing(p, "'via' or 'dev'");
	if (route.has_via && !route.dev[0] && ip_address_is_link_local(&route.via))
		return config_invalid(p, "via", v[ROUTE_VIA],
				      "a link-local gateway needs 'dev' to say which link");
	if (v[ROUTE_METRIC]) {
		if (parse_uint32(v[ROUTE_METRIC], 0, UINT32_MAX, &route.metric) < 0)
			return config_invalid(p, "metric", v[ROUTE_METRIC],
					      "expected a number from 0 to 4294967295");
		route.has_metric = true;
	}
	if (v[ROUTE_TABLE]) {
		if (strcmp(v[ROUTE_TABLE], "main") == 0)
			route.table = ROUTE_TABLE_MAIN;
		else if (parse_uint32(v[ROUTE_TABLE], 1, UINT32_MAX, &route.table) < 0)
			return config_invalid(p, "table", v[ROUTE_TABLE],
					      "expected 'main' or a number from 1 to 4294967295");
	}

	return CONFIG_APPEND(p, p->c->net.routes, p->c->net.n_routes, route);
}

static int format_route(FILE *f, const struct config_route *r)
{
	char buf[INET6_ADDRSTRLEN];

	if (r->dev[0] && !valid_ifname(r->dev))
		return -EINVAL;
	fprintf(f, "route%u: dst=", r->index);
	if (r->is_default)
		fputs(r->dst.addr.family == AF_INET6 ? "default6" : "default", f);
	else
		fprintf(f, "%s/%u", config_addr_to_string(&r->dst.addr, buf), r->dst.prefixlen);
	if (r->has_via)
		fprintf(f, ",via=%s", config_addr_to_string(&r->via, buf));
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

static int finish_routes(struct config_parser *p)
{
	config_sort_by_index(p->c->net.routes, p->c->net.n_routes, sizeof(*p->c->net.routes));
	return 0;
}

static int format_routes(FILE *f, const struct config *c)
{
	_cleanup_free_ size_t *order =
	    config_index_order(c->net.routes, c->net.n_routes, sizeof(*c->net.routes));
	int r = order ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < c->net.n_routes; i++)
		r = format_route(f, &c->net.routes[order[i]]);
	return r;
}

static bool routes_equal(const struct config *a, const struct config *b)
{
	if (a->net.n_routes != b->net.n_routes)
		return false;
	for (size_t i = 0; i < a->net.n_routes; i++)
		if (!route_equal(&a->net.routes[i], &b->net.routes[i]))
			return false;
	return true;
}

static void routes_free(struct config *c)
{
	free(c->net.routes);
}

/* dns */

enum { DNS_NAMESERVER, DNS_SEARCH, DNS_OPTIONS };

static const char *const dns_properties[] = { "nameserver", "search", "options", NULL };

#define DNS_MAX_NAMESERVERS 3 /* MAXNS: the resolver reads no more */
#define DNS_MAX_SEARCH	    6

static int parse_dns(struct config_parser *p, unsigned index, char *value)
{
	struct config_dns *dns = &p->c->net.dns;
	char *v[ELEMENTSOF(dns_properties)];
	int r, n;

	(void)index;
	r = config_split_properties(p, value, dns_properties, v);
	if (r < 0)
		return r;
	if (!v[DNS_NAMESERVER] && !v[DNS_SEARCH] && !v[DNS_OPTIONS])
		return config_missing(p, "'nameserver', 'search' or 'options'");

	dns->set = true;
	dns->line = p->rd.line;
	if (v[DNS_NAMESERVER]) {
		_cleanup_free_ char *whole = strdup(v[DNS_NAMESERVER]);
		_cleanup_free_ char **items = NULL;

		if (!whole)
			return config_fail_oom(p);
		n = config_split_list(p, "nameserver", v[DNS_NAMESERVER], &items);
		if (n < 0)
			return n;
		if (n > DNS_MAX_NAMESERVERS)
			return config_invalid(p, "nameserver", whole,
					      "at most %d name servers, not %d",
					      DNS_MAX_NAMESERVERS, n);
		dns->nameservers = calloc((size_t)n, sizeof(*dns->nameservers));
		if (!dns->nameservers)
			return config_fail_oom(p);
		for (int i = 0; i < n; i++) {
			r = config_parse_address(p, "nameserver", items[i], AF_UNSPEC,
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
			return config_fail_oom(p);
		n = config_split_list(p, "search", v[DNS_SEARCH], &items);
		if (n < 0)
			return n;
		if (n > DNS_MAX_SEARCH)
			return config_invalid(p, "search", whole,
					      "at most %d search domains, not %d", DNS_MAX_SEARCH,
					      n);
		for (int i = 0; i < n; i++)
			if (!valid_hostname(items[i]))
				return config_invalid(
				    p, "search", items[i],
				    "expected a domain name: labels of 1 to 63 A-Z a-z "
				    "0-9 - (no '-' at either end) joined by '.', at most "
				    "253 characters");
		r = config_copy_items(p, items, &dns->search);
		if (r < 0)
			return r;
	}
	if (v[DNS_OPTIONS]) {
		_cleanup_free_ char **items = NULL;

		n = config_split_list(p, "options", v[DNS_OPTIONS], &items);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			if (!valid_dns_option(items[i]))
				return config_invalid(
				    p, "options", items[i],
				    "expected a resolver option like 'rotate' or "
				    "'ndots:2' (a-z 0-9 -, optionally ':' and digits)");
		r = config_copy_items(p, items, &dns->options);
		if (r < 0)
			return r;
	}
	return 0;
}

static int format_dns(FILE *f, const struct config *c)
{
	const struct config_dns *d = &c->net.dns;
	char buf[INET6_ADDRSTRLEN];
	bool first = true;

	if (!d->set)
		return 0;
	if ((d->search && !config_strv_fits_property(d->search)) ||
	    (d->options && !config_strv_fits_property(d->options)))
		return -EINVAL;
	fputs("dns: ", f);
	for (size_t i = 0; i < d->n_nameservers; i++) {
		fprintf(f, "%s%s",
			i ? ";" : "nameserver=", config_addr_to_string(&d->nameservers[i], buf));
		first = false;
	}
	if (d->search)
		config_write_strv(f, "search", d->search, &first);
	if (d->options)
		config_write_strv(f, "options", d->options, &first);
	if (first)
		return -EINVAL; /* "dns: " alone would not parse */
	fputc('\n', f);
	return 0;
}

static bool dns_equal(const struct config *x, const struct config *y)
{
	const struct config_dns *a = &x->net.dns, *b = &y->net.dns;

	if (a->set != b->set || a->n_nameservers != b->n_nameservers ||
	    !config_strv_equal(a->search, b->search) || !config_strv_equal(a->options, b->options))
		return false;
	for (size_t i = 0; i < a->n_nameservers; i++)
		if (!ip_address_equal(&a->nameservers[i], &b->nameservers[i]))
			return false;
	return true;
}

static void dns_free(struct config *c)
{
	free(c->net.dns.nameservers);
	strv_free(c->net.dns.search);
	strv_free(c->net.dns.options);
}

const struct config_key_type net_keys[] = {
	{ "net", CONFIG_MAX_NET, "net", parse_net, finish_nets, format_nets, nets_equal,
	  nets_free },
	{ "route", CONFIG_MAX_ROUTE, "route", parse_route, finish_routes, format_routes,
	  routes_equal, routes_free },
	{ "dns", 0, "dns", parse_dns, NULL, format_dns, dns_equal, dns_free },
	{},
};
