/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The target of a port forward: see porttarget.h. */
#include "lib/port/porttarget.h"
#include "lib/basic/ip.h"
#include "lib/basic/escape.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/lxcconf.h"

const char *porttarget_refusal(const struct ip_address *a)
{
	if (a->family == AF_INET) {
		uint32_t x = ntohl(a->in.s_addr);

		if (x >> 24 == 127)
			return "a loopback address";
		if (x >> 16 == 0xa9fe)
			return "a link-local address";
		if (x == 0)
			return "the unspecified address";
		if (x >> 24 == 0)
			return "a reserved address (0.0.0.0/8)";
		if (x >> 28 == 0xe)
			return "a multicast address";
		if (x == 0xffffffff)
			return "the broadcast address";
		if (x >> 28 == 0xf)
			return "a reserved address (240.0.0.0/4)";
		return NULL;
	}
	if (a->family != AF_INET6)
		return "not an IP address";
	if (IN6_IS_ADDR_UNSPECIFIED(&a->in6))
		return "the unspecified address";
	if (IN6_IS_ADDR_LOOPBACK(&a->in6))
		return "a loopback address";
	if (IN6_IS_ADDR_MULTICAST(&a->in6))
		return "a multicast address";
	if (IN6_IS_ADDR_LINKLOCAL(&a->in6))
		return "a link-local address";
	if (IN6_IS_ADDR_V4MAPPED(&a->in6) || IN6_IS_ADDR_V4COMPAT(&a->in6))
		return "an IPv4-mapped address";
	return NULL;
}

/* The refusal of a as a host of subnet p: also its network and broadcast address. */
static const char *refusal_in(const struct ip_address *a, const struct ip_prefix *p)
{
	const char *why = porttarget_refusal(a);
	struct ip_prefix net = { .addr = *a, .prefixlen = p->prefixlen };
	uint32_t host_bits;

	if (why || a->family != AF_INET || p->prefixlen >= 31)
		return why;
	host_bits = p->prefixlen == 0 ? 0xffffffff : (1u << (32 - p->prefixlen)) - 1;
	ip_prefix_clear_host_bits(&net);
	if (ip_address_equal(&net.addr, a))
		return "the network address of its subnet";
	if ((ntohl(a->in.s_addr) & host_bits) == host_bits)
		return "the broadcast address of its subnet";
	return NULL;
}

void porttarget_from_config(const struct config *c, const char *path, const char *ifname,
			    struct porttarget_source *ret)
{
	*ret = (struct porttarget_source){ 0 };
	for (size_t i = 0; c && i < c->net.n_nets && !ret->found; i++) {
		const struct config_net *net = &c->net.nets[i];

		if (strcmp(net->name, ifname) != 0)
			continue;
		ret->found = true;
		snprintf(ret->what, sizeof(ret->what), "net%u of '%s'", net->index, path);
		for (size_t j = net->n_addresses; j-- > 0;) {
			struct porttarget_family *f =
			    net->addresses[j].addr.family == AF_INET ? &ret->v4 : &ret->v6;

			f->kind = PORTTARGET_STATIC;
			f->addr = net->addresses[j];
		}
	}
}

/* One ip= or ip6= value of a PVE net; dynamic lists the words meaning "later". */
static int pve_family(const char *path, unsigned line, const char *key, const char *value,
		      int family, const char *const *dynamic, struct porttarget_family *ret,
		      struct lxcri_error *err)
{
	char escaped[ESCAPE_BUFSIZE];

	if (!value || strcmp(value, "manual") == 0)
		return 0;
	for (; *dynamic; dynamic++)
		if (strcmp(value, *dynamic) == 0) {
			ret->kind = PORTTARGET_DYNAMIC;
			snprintf(ret->value, sizeof(ret->value), "%s", value);
			return 0;
		}
	if (ip_prefix_parse(value, family, &ret->addr) < 0)
		return error_set(err, -EINVAL, "%s:%u: %s= of the net is not an %s address: '%s'",
				 path, line, key, family == AF_INET ? "IPv4" : "IPv6",
				 escape_for_message(value, escaped, sizeof(escaped)));
	ret->kind = PORTTARGET_STATIC;
	return 0;
}

/* "name=eth0,bridge=vmbr0,ip=..." (value, NUL-terminated, split in place): name, ip, ip6. */
static void pve_net_properties(char *value, char **ret_name, char **ret_ip, char **ret_ip6)
{
	char *save = NULL;

	*ret_name = *ret_ip = *ret_ip6 = NULL;

	for (char *item = strtok_r(value, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (strcmp(item, "name") == 0)
			*ret_name = eq + 1;
		else if (strcmp(item, "ip") == 0)
			*ret_ip = eq + 1;
		else if (strcmp(item, "ip6") == 0)
			*ret_ip6 = eq + 1;
	}
}

int porttarget_from_pve(const char *path, const char *text, size_t size, const char *ifname,
			struct porttarget_source *ret, struct lxcri_error *err)
{
	static const char *const dynamic4[] = { "dhcp", NULL };
	static const char *const dynamic6[] = { "dhcp", "auto", NULL };
	const char *p = text, *limit = text + size;
	unsigned line = 0;

	*ret = (struct porttarget_source){ 0 };
	for (; p < limit; line++) {
		const char *end = memchr(p, '\n', (size_t)(limit - p));
		_cleanup_free_ char *copy = NULL;
		char *s, *name, *ip, *ip6;
		unsigned index;
		int n = 0, r;

		if (!end)
			end = limit;
		copy = strndup(p, (size_t)(end - p));
		p = end + 1;
		if (!copy)
			return error_oom(err);
		s = copy + strspn(copy, " \t");
		if (*s == '[')
			break; /* a snapshot section: not the running config */
		if (sscanf(s, "net%u:%n", &index, &n) != 1 || n == 0 ||
		    !isdigit((unsigned char)s[3]))
			continue;
		s += n;
		s += strspn(s, " \t");
		s[strcspn(s, " \t\r")] = '\0';
		pve_net_properties(s, &name, &ip, &ip6);
		if (!name || strcmp(name, ifname) != 0)
			continue;
		ret->found = true;
		snprintf(ret->what, sizeof(ret->what), "net%u of '%s'", index, path);
		r = pve_family(path, line + 1, "ip", ip, AF_INET, dynamic4, &ret->v4, err);
		if (r >= 0)
			r = pve_family(path, line + 1, "ip6", ip6, AF_INET6, dynamic6, &ret->v6,
				       err);
		return r;
	}
	return 0;
}

/* What the LXC config says of each lxc.net.<N>, as LXC reads it. */
struct lxc_net {
	unsigned index;
	char name[IFNAMSIZ];
	char v4[IP_PREFIX_STRLEN + 32], v6[IP_PREFIX_STRLEN + 32]; /* first address, as written */
};

struct lxc_scan {
	struct lxc_net *nets;
	size_t n;
};

static struct lxc_net *lxc_net_of(struct lxc_scan *scan, unsigned index)
{
	struct lxc_net *p;

	for (size_t i = 0; i < scan->n; i++)
		if (scan->nets[i].index == index)
			return &scan->nets[i];
	p = reallocarray(scan->nets, scan->n + 1, sizeof(*p));
	if (!p)
		return NULL;
	scan->nets = p;
	p = &scan->nets[scan->n++];
	*p = (struct lxc_net){ .index = index };
	return p;
}

static void copy_value(char *buf, size_t size, const char *value, size_t len)
{
	snprintf(buf, size, "%.*s", (int)len, value);
}

static int lxc_visit(const char *key, size_t key_len, const char *value, size_t value_len,
		     void *arg)
{
	struct lxc_scan *scan = arg;
	_cleanup_free_ char *k = strndup(key, key_len);
	char what[32] = "";
	struct lxc_net *net;
	unsigned index;
	int n = 0;

	if (!k)
		return -ENOMEM;
	if (strcmp(k, "lxc.net") == 0 && value_len == 0) {
		scan->n = 0; /* "lxc.net =" clears every network */
		return 0;
	}
	if (sscanf(k, "lxc.net.%u.%31s%n", &index, what, &n) != 2 || k[n] != '\0')
		return 0;
	net = lxc_net_of(scan, index);
	if (!net)
		return -ENOMEM;
	if (strcmp(what, "name") == 0)
		copy_value(net->name, sizeof(net->name), value, value_len);
	else if (strcmp(what, "ipv4.address") == 0 && (!net->v4[0] || value_len == 0))
		copy_value(net->v4, sizeof(net->v4), value, value_len);
	else if (strcmp(what, "ipv6.address") == 0 && (!net->v6[0] || value_len == 0))
		copy_value(net->v6, sizeof(net->v6), value, value_len);
	return 0;
}

/* "10.0.0.5/24 10.0.0.255" (address, prefix, broadcast): the prefix; /32 or /128 if none. */
static int lxc_family(const char *path, const struct lxc_net *net, const char *value, int family,
		      struct porttarget_family *ret, struct lxcri_error *err)
{
	char text[IP_PREFIX_STRLEN + 32], escaped[ESCAPE_BUFSIZE];

	if (!value[0])
		return 0;
	snprintf(text, sizeof(text), "%.*s", (int)strcspn(value, " \t"), value);
	if (!strchr(text, '/'))
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%u",
			 family == AF_INET ? 32 : 128);
	if (ip_prefix_parse(text, family, &ret->addr) < 0)
		return error_set(err, -EINVAL,
				 "'%s': lxc.net.%u.%s.address is not an address: '%s'", path,
				 net->index, family == AF_INET ? "ipv4" : "ipv6",
				 escape_for_message(value, escaped, sizeof(escaped)));
	ret->kind = PORTTARGET_STATIC;
	return 0;
}

int porttarget_from_lxc(const char *path, const char *ifname, struct porttarget_source *ret,
			struct lxcri_error *err)
{
	struct lxc_scan scan = { 0 };
	const struct lxc_net *net = NULL;
	int r = 0;

	*ret = (struct porttarget_source){ 0 };
	if (access(path, F_OK) < 0)
		return 0;
	r = lxcconf_walk(path, lxc_visit, &scan, err);
	for (size_t i = 0; r >= 0 && i < scan.n && !net; i++)
		if (strcmp(scan.nets[i].name, ifname) == 0)
			net = &scan.nets[i];
	if (r >= 0 && net) {
		ret->found = true;
		snprintf(ret->what, sizeof(ret->what), "lxc.net.%u of '%s'", net->index, path);
		r = lxc_family(path, net, net->v4, AF_INET, &ret->v4, err);
		if (r >= 0)
			r = lxc_family(path, net, net->v6, AF_INET6, &ret->v6, err);
	}
	free(scan.nets);
	return r;
}

static bool host_has(const struct porttarget_input *in, const struct ip_address *a)
{
	for (size_t i = 0; i < in->n_host; i++)
		if (ip_address_equal(&in->host[i], a))
			return true;
	return false;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* Why the container's address c cannot be the target; NULL: it can, *ret_link its link prefix. */
static const char *container_refusal(const struct porttarget_input *in, const struct ip_prefix *c,
				     const struct ip_prefix **ret_link, char *buf, size_t size)
{
	char prefixes[256] = "";
	const char *why = porttarget_refusal(&c->addr);

	if (why)
		return why;
	if (host_has(in, &c->addr))
		return "an address of the host";
	if (!in->link[0])
		return "not checked against anything: the interface has no host side (no veth) "
		       "whose subnet it must be in";
	for (size_t i = 0; i < in->n_link_prefixes; i++) {
		char text[IP_PREFIX_STRLEN];
		size_t len = strlen(prefixes);

		if (ip_prefix_contains(&in->link_prefixes[i], &c->addr)) {
			*ret_link = &in->link_prefixes[i];
			return refusal_in(&c->addr, &in->link_prefixes[i]);
		}
		ip_prefix_to_string(&in->link_prefixes[i], text, sizeof(text));
		snprintf(prefixes + len, sizeof(prefixes) - len, "%s%s", len ? ", " : "", text);
	}
	snprintf(buf, size, "not inside a subnet of '%s', the host side of its link (%s)", in->link,
		 prefixes[0] ? prefixes : "which has no address of the family");
	return buf;
}

int porttarget_choose(const struct porttarget_input *in, struct porttarget_choice *ret,
		      struct lxcri_error *err)
{
	char text[INET6_ADDRSTRLEN], buf[512], first_refusal[512] = "",
					       dynamic[PATH_MAX + 128] = "";
	const struct ip_prefix *first = NULL;

	for (size_t i = 0; i < in->n_sources && !dynamic[0]; i++) {
		const struct porttarget_source *s = &in->sources[i];
		const struct porttarget_family *f = in->family == AF_INET ? &s->v4 : &s->v6;
		const char *why;

		if (!s->found || f->kind == PORTTARGET_NONE)
			continue;
		/* The address is the one the container gets, checked as one it chose. */
		if (f->kind == PORTTARGET_DYNAMIC) {
			snprintf(dynamic, sizeof(dynamic), "%s gives it by %s=%s", s->what,
				 in->family == AF_INET ? "ip" : "ip6", f->value);
			continue;
		}
		ip_address_to_string(&f->addr.addr, text, sizeof(text));
		why = refusal_in(&f->addr.addr, &f->addr);
		if (!why && host_has(in, &f->addr.addr))
			why = "an address of the host";
		if (why)
			return error_set(err, -EINVAL,
					 "port%u: the address '%s' that %s gives '%s' cannot be a "
					 "forward's target: it is %s",
					 in->port, text, s->what, in->ifname, why);
		*ret = (struct porttarget_choice){ .addr = f->addr.addr,
						   .subnet = f->addr,
						   .source = s->what };
		ip_prefix_clear_host_bits(&ret->subnet);
		return 1;
	}
	for (size_t i = 0; i < in->n_container; i++) {
		const struct ip_prefix *link = NULL;
		const char *why = container_refusal(in, &in->container[i], &link, buf, sizeof(buf));

		if (!why) {
			*ret = (struct porttarget_choice){ .addr = in->container[i].addr,
							   .subnet = *link,
							   .source = dynamic[0]
									 ? "the container (dynamic)"
									 : "the container" };
			ip_prefix_clear_host_bits(&ret->subnet);
			return 1;
		}
		if (!first) {
			first = &in->container[i];
			snprintf(first_refusal, sizeof(first_refusal), "%s", why);
		}
	}
	if (!first && dynamic[0])
		return error_set(err, -EADDRNOTAVAIL, "port%u: '%s' has no %s address yet (%s)",
				 in->port, in->ifname, family_name(in->family), dynamic);
	if (!first)
		return 0;
	ip_address_to_string(&first->addr, text, sizeof(text));
	if (dynamic[0])
		return error_set(err, -EPERM,
				 "port%u: the address '%s' that the container has on '%s' cannot "
				 "be a forward's target: it is %s (%s)",
				 in->port, text, in->ifname, first_refusal, dynamic);
	return error_set(err, -EPERM,
			 "port%u: the address '%s' that the container has on '%s' cannot be a "
			 "forward's target: it is %s; no config gives '%s' an %s address",
			 in->port, text, in->ifname, first_refusal, in->ifname,
			 family_name(in->family));
}
