/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The port forwards of a container: see portsetup.h. Logs one info line per
 * forward applied or removed.
 */
#include <json-c/json.h>
#include <netlink/socket.h>

#include "portsetup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "log.h"
#include "netlink.h"

#define KIND_FWD "port.fwd"

bool portsetup_item_kind(const char *kind)
{
	return strncmp(kind, "port.", 5) == 0;
}

static const char *table_of(const struct portsetup *ps)
{
	return ps->settings && ps->settings->port_table[0] ? ps->settings->port_table
							   : PORTFWD_TABLE;
}

/* The network of an address: its host bits cleared. */
static struct ip_prefix network_of(const struct ip_prefix *p)
{
	struct ip_prefix net = *p;
	unsigned char *b = (unsigned char *)&net.addr.in6;
	unsigned bytes = p->addr.family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = p->prefixlen > i * 8 ? p->prefixlen - i * 8 : 0;
		if (keep < 8)
			b[i] &= (unsigned char)(0xff << (8 - keep));
	}
	return net;
}

/* The container interface of port: net=, else the one of the default route. */
static int target_interface(struct nl_sock *ct, const struct config_port *port, char ret[IFNAMSIZ],
			    struct lxcri_error *err)
{
	int families[] = { AF_INET, AF_INET6 };

	if (port->net[0]) {
		snprintf(ret, IFNAMSIZ, "%s", port->net);
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		int r = netlink_default_route_dev(ct, families[i], ret, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return error_set(err, -ENETUNREACH,
			 "port%u: The container has no default route: name its interface "
			 "with net=",
			 port->index);
}

/*
 * The container reaching its own forward through the host: where
 * br_netfilter has the bridge DNAT the packet, the bridge must send it back
 * out of the port it came in on. Left on at removal: the port goes with
 * the container, and hairpin mode is harmless to a one-container port.
 */
static int hairpin_on(struct nl_sock *host, struct nl_sock *ct, const struct config_port *port,
		      const char *ifname, struct lxcri_error *err)
{
	struct netlink_link_info info;
	char peer[IFNAMSIZ];
	int r = netlink_veth_peer(ct, host, ifname, peer, err);

	if (r <= 0)
		return r < 0 ? error_set(err, r, "port%u: %s", port->index, err->message) : 0;
	if (netlink_link_get(host, peer, &info, err) < 0 || !info.master[0])
		return 0;
	r = netlink_bridge_port_set_hairpin(host, peer, true, err);
	return r < 0 ? error_set(err, r, "port%u: %s", port->index, err->message) : 0;
}

static int resolve_port(struct nl_sock *host, struct nl_sock *ct, const struct config_port *port,
			struct portfwd *out, size_t *n, struct lxcri_error *err)
{
	int families[] = { AF_INET, AF_INET6 };
	char ifname[IFNAMSIZ];
	size_t before = *n;
	int r;

	r = target_interface(ct, port, ifname, err);
	if (r < 0)
		return r;
	r = hairpin_on(host, ct, port, ifname, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < 2; i++) {
		struct ip_prefix addr;
		size_t found = 0;

		if (port->has_hostip && port->hostip.family != families[i])
			continue;
		r = netlink_addresses(ct, ifname, families[i], &addr, 1, &found, err);
		if (r < 0)
			return error_set(err, r, "port%u: %s", port->index, err->message);
		if (found == 0)
			continue;

		struct portfwd *f = &out[(*n)++];
		*f = (struct portfwd){
			.family = families[i],
			.proto = port->proto,
			.host_first = port->host_first,
			.host_last = port->host_last,
			.ct_first = port->ct_first,
			.ct_range = port->ct_last > port->ct_first,
			.has_hostip = port->has_hostip,
			.hostip = port->hostip,
			.target = addr.addr,
			.subnet = network_of(&addr),
			.index = port->index,
		};
		/* 127.0.0.1 reaches the target only with route_localnet on the way out. */
		if (f->family == AF_INET && !f->has_hostip) {
			r = netlink_route_get_dev(host, &f->target, f->localnet_if, err);
			if (r < 0)
				return error_set(err, r, "port%u: %s", port->index, err->message);
		}
	}
	if (*n == before)
		return error_set(err, -EADDRNOTAVAIL,
				 "port%u: Container interface '%s' has no %s address to forward to",
				 port->index, ifname,
				 !port->has_hostip		  ? "IPv4 or IPv6"
				 : port->hostip.family == AF_INET ? "IPv4"
								  : "IPv6");
	return 0;
}

int portsetup_resolve(const struct portsetup *ps, const struct config_port *ports, size_t n,
		      struct portfwd **ret, size_t *ret_n, struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *host = NULL;
	_cleanup_nl_socket_ struct nl_sock *ct = NULL;
	_cleanup_free_ struct portfwd *fwds = calloc(2 * n + 1, sizeof(*fwds));
	size_t count = 0;
	int r;

	if (!fwds)
		return error_set(err, -ENOMEM, "Out of memory");
	r = netlink_open(&host);
	if (r < 0)
		return error_set_errno(err, r, "Failed to open a netlink socket");
	r = netlink_open_in_netns_pid(ps->pid, &ct, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = resolve_port(host, ct, &ports[i], fwds, &count, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(fwds);
	*ret_n = count;
	return 0;
}

static void describe(const struct portfwd *f, char *buf, size_t size)
{
	char host[96], target[INET6_ADDRSTRLEN];

	portfwd_host_string(f, host, sizeof(host));
	inet_ntop(f->family, &f->target.in6, target, sizeof(target));
	if (f->host_first == f->host_last || !f->ct_range)
		snprintf(buf, size, "%s -> %s%s%s:%u", host, f->family == AF_INET6 ? "[" : "",
			 target, f->family == AF_INET6 ? "]" : "", f->ct_first);
	else
		snprintf(buf, size, "%s -> %s%s%s:%u-%u", host, f->family == AF_INET6 ? "[" : "",
			 target, f->family == AF_INET6 ? "]" : "", f->ct_first,
			 f->ct_first + (f->host_last - f->host_first));
}

/* Drops the items first.. of s (those this change recorded) and saves. */
static void forget_items(const struct portsetup *ps, struct state *s, size_t first)
{
	struct lxcri_error ignored = {};

	while (s->n_items > first)
		state_item_remove(s, s->n_items - 1);
	(void)state_save(ps->state_dir, s, &ignored);
}

static int apply_ports(const struct portsetup *ps, const struct config_port *ports, size_t n,
		       struct state *s, struct lxcri_error *err)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	_cleanup_free_ struct portfwd *fwds = NULL;
	size_t count = 0, first = s->n_items;
	char what[160];
	int r;

	if (n == 0)
		return 0;
	r = portsetup_resolve(ps, ports, n, &fwds, &count, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct json_object *data = portfwd_to_json(&fwds[i]);
		size_t index;

		if (!data || json_add(data, "port", json_object_new_int((int)fwds[i].index)) < 0 ||
		    json_add_string(data, "table", table_of(ps)) < 0) {
			json_object_put(data);
			forget_items(ps, s, first);
			return error_set(err, -ENOMEM, "Out of memory");
		}
		r = state_item_add(s, KIND_FWD, ps->hook ? ps->hook : "start-host", data, &index);
		if (r < 0) {
			forget_items(ps, s, first);
			return error_set_errno(err, r, "Failed to record '%s'", KIND_FWD);
		}
	}
	r = state_save(ps->state_dir, s, err);
	if (r >= 0)
		r = portfwd_open(table_of(ps), &ctx, err);
	if (r >= 0)
		r = portfwd_add(ctx, ps->id, fwds, count, err);
	if (r < 0) {
		/* One transaction: nothing of it is in the table. */
		forget_items(ps, s, first);
		return r;
	}
	for (size_t i = first; i < s->n_items; i++)
		state_item_set_applied(s, i);
	r = state_save(ps->state_dir, s, err);
	for (size_t i = 0; i < count; i++) {
		describe(&fwds[i], what, sizeof(what));
		log_info("port%u: %s", fwds[i].index, what);
	}
	return r;
}

int portsetup_apply(const struct portsetup *ps, const struct config *c, struct state *s,
		    struct lxcri_error *err)
{
	return apply_ports(ps, c->ports, c->n_ports, s, err);
}

int portsetup_apply_port(const struct portsetup *ps, const struct config_port *port,
			 struct state *s, struct lxcri_error *err)
{
	return apply_ports(ps, port, 1, s, err);
}

static bool item_matches(const struct portfwd *f, int proto, uint16_t host_port)
{
	return proto <= 0 ||
	       (f->proto == proto && f->host_first <= host_port && host_port <= f->host_last);
}

/* A recorded forward, with N of its portN. */
static int item_forward(const struct state_item *item, struct portfwd *ret, struct lxcri_error *err)
{
	struct json_object *v;
	int r = portfwd_from_json(item->data, ret, err);

	if (r >= 0 && json_object_object_get_ex(item->data, "port", &v) &&
	    json_object_is_type(v, json_type_int))
		ret->index = (unsigned)json_object_get_int(v);
	return r;
}

static const char *item_table(const struct state_item *item)
{
	struct json_object *v;

	if (item->data && json_object_object_get_ex(item->data, "table", &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return PORTFWD_TABLE;
}

size_t portsetup_teardown(const struct portsetup *ps, struct state *s, int proto,
			  uint16_t host_port, struct lxcri_error *err)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	_cleanup_free_ struct portfwd *fwds = calloc(s->n_items + 1, sizeof(*fwds));
	_cleanup_free_ size_t *which = calloc(s->n_items + 1, sizeof(*which));
	const char *table = NULL;
	size_t count = 0, left = 0;
	char what[160];
	int r;

	if (!fwds || !which) {
		error_set(err, -ENOMEM, "Out of memory");
		return s->n_items;
	}
	for (size_t i = 0; i < s->n_items; i++) {
		struct lxcri_error e = {};
		struct portfwd f;

		if (!portsetup_item_kind(s->items[i].kind))
			continue;
		if (item_forward(&s->items[i], &f, &e) < 0) {
			log_error("Cannot undo '%s': %s", s->items[i].kind, e.message);
			left++;
			continue;
		}
		if (!item_matches(&f, proto, host_port))
			continue;
		/* The table the item was applied to, even if port-table changed since. */
		if (table && strcmp(table, item_table(&s->items[i])) != 0) {
			left++;
			continue;
		}
		table = item_table(&s->items[i]);
		fwds[count] = f;
		which[count++] = i;
	}
	if (count == 0)
		return left;
	r = portfwd_open(table, &ctx, err);
	if (r >= 0)
		r = portfwd_remove(ctx, ps->id, fwds, count, err);
	if (r < 0)
		return left + count;
	for (size_t i = 0; i < count; i++) {
		describe(&fwds[i], what, sizeof(what));
		log_info("port%u: removed %s", fwds[i].index, what);
	}
	for (size_t i = count; i-- > 0;)
		state_item_remove(s, which[i]);
	if (state_save(ps->state_dir, s, err) < 0)
		return left + count;
	return left;
}

int portsetup_recorded(const struct state *s, struct portfwd **ret, size_t *ret_n,
		       struct lxcri_error *err)
{
	_cleanup_free_ struct portfwd *fwds = calloc(s->n_items + 1, sizeof(*fwds));
	size_t count = 0;

	if (!fwds)
		return error_set(err, -ENOMEM, "Out of memory");
	for (size_t i = 0; i < s->n_items; i++) {
		if (!portsetup_item_kind(s->items[i].kind))
			continue;
		int r = item_forward(&s->items[i], &fwds[count], err);
		if (r < 0)
			return r;
		count++;
	}
	*ret = TAKE_PTR(fwds);
	*ret_n = count;
	return 0;
}
