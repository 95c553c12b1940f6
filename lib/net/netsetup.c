/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The networks of a container: see netsetup.h. Logs one info line per
 * applied or removed piece (the hook's story in the journal).
 */
#include <json-c/json.h>
#include <netlink/socket.h>

#include "lib/net/netsetup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/net/cni.h"
#include "lib/basic/ctns.h"
#include "lib/shared/json.h"
#include "lib/basic/report.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/basic/valid.h"
#include "lib/basic/paths.h"
#include "lib/net/resolvconf.h"

#define KIND_VETH "net.veth"
#define KIND_CNI  "net.cni"
#define KIND_DNS  "dns.resolvconf"

/* Names tried for a host end (netlink_host_ifname()) before a start is refused. */
#define HOST_NAME_ATTEMPTS 8

/* "net1: <message>": the key that failed, in front of what went wrong. */
static int error_prefix(struct lxcri_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int error_prefix(struct lxcri_error *err, int r, const char *fmt, ...)
{
	char prefix[128], message[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(message, sizeof(message), "%s", err->message);
	return error_set(err, r, "%s: %s", prefix, message);
}

bool netsetup_item_kind(const char *kind)
{
	return strncmp(kind, "net.", 4) == 0 || strncmp(kind, "dns.", 4) == 0;
}

static const char *data_string(const struct state_item *item, const char *key)
{
	struct json_object *v;

	if (!item->data || !json_object_object_get_ex(item->data, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int data_int(const struct state_item *item, const char *key)
{
	struct json_object *v;

	if (!item->data || !json_object_object_get_ex(item->data, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int(v);
}

/* Records an item pending and saves the state: written ahead of the change. */
static int record(const struct netsetup *ns, struct state *s, const char *kind,
		  struct json_object *data, size_t *ret_index, struct lxcri_error *err)
{
	int r = state_item_add(s, kind, ns->hook ? ns->hook : "start-host", data, ret_index);

	if (r < 0)
		return error_set_errno(err, r, "Failed to record '%s'", kind);
	return state_save(ns->state_dir, s, err);
}

static int mark_applied(const struct netsetup *ns, struct state *s, size_t index,
			struct lxcri_error *err)
{
	state_item_set_applied(s, index);
	return state_save(ns->state_dir, s, err);
}

/* The container's namespaces, -1 when it is gone (or they are not known). */
static int ct_netns(const struct netsetup *ns)
{
	return ns->ctns ? ns->ctns->net : -1;
}

static int ct_mntns(const struct netsetup *ns)
{
	return ns->ctns ? ns->ctns->mnt : -1;
}

/* Records the identity of a namespace we apply something in, as key. */
static int add_identity(struct json_object *data, const char *key, int fd)
{
	char id[CTNS_IDENTITY_MAX];
	int r = ctns_identity(fd, id);

	return r < 0 ? r : json_add_string(data, key, id);
}

static int cni_runtime_init(const struct netsetup *ns, const char *ifname, const char *netns,
			    struct cni_runtime *rt)
{
	*rt = (struct cni_runtime){
		.container_id = ns->id,
		.netns = netns,
		.ifname = ifname,
		.plugin_path = ns->settings->cni_plugin_path,
		.cache_dir = ns->settings->cni_cache_dir,
		.timeout_ms = ns->settings->cni_timeout_ms,
	};
	return 0;
}

/* What one net needs before anything is created. */
static int check_net(const struct netsetup *ns, struct nl_sock *host, struct nl_sock *ct,
		     const struct config_net *net, struct cni_conflist **ret_list,
		     struct lxcri_error *err)
{
	int r = netlink_link_exists(ct, net->name);

	if (r < 0)
		return error_set_errno(err, r, "net%u: Failed to look up '%s' in container '%s'",
				       net->index, net->name, ns->id);
	if (r > 0)
		return error_set(err, -EEXIST,
				 "net%u: Interface '%s' already exists in container '%s'",
				 net->index, net->name, ns->id);
	if (net->cni) {
		r = cni_load_conflist(ns->settings->cni_config_dir, net->cni, ret_list, err);
		return r < 0 ? error_prefix(err, r, "net%u", net->index) : 0;
	}

	struct netlink_link_info br;
	r = netlink_link_get(host, net->bridge, &br, err);
	if (r == -ENODEV)
		return error_set(err, r, "net%u: Bridge '%s' does not exist", net->index,
				 net->bridge);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
	if (strcmp(br.kind, "bridge") != 0)
		return error_set(err, -EINVAL, "net%u: '%s' is not a bridge (it is a %s link)",
				 net->index, net->bridge, br.kind[0] ? br.kind : "plain");
	if (net->tag) {
		r = netlink_bridge_vlan_filtering(host, net->bridge, err);
		if (r < 0)
			return error_prefix(err, r, "net%u", net->index);
		if (r == 0)
			return error_set(err, -EINVAL,
					 "net%u: tag=%u needs a VLAN-aware bridge, and '%s' has "
					 "vlan_filtering off",
					 net->index, net->tag, net->bridge);
	}
	return 0;
}

static int gateway_route(struct nl_sock *ct, const struct config_net *net,
			 const struct ip_address *gw, struct lxcri_error *err)
{
	struct netlink_route route = {
		.is_default = true,
		.dst = { .addr = { .family = gw->family } },
		.has_via = true,
		.via = *gw,
	};

	snprintf(route.dev, sizeof(route.dev), "%s", net->name);
	return netlink_route_add(ct, &route, err);
}

/* "lxcri <id> net<N>": the alias of a host end, saying whose it is. */
static void host_alias(const char *id, unsigned index, char *buf, size_t size)
{
	snprintf(buf, size, "lxcri %s net%u", id, index);
}

/* The container an alias names ("lxcri <id> ..."), or "". */
static void alias_owner(const char *alias, char *buf, size_t size)
{
	if (strncmp(alias, "lxcri ", 6) != 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%.*s", (int)strcspn(alias + 6, " "), alias + 6);
}

/*
 * The first name for net's host end that no link has: ids collide
 * (netlink_host_ifname()), and a name that is taken is never ours to take.
 */
static int pick_host_name(const struct netsetup *ns, struct nl_sock *host,
			  const struct config_net *net, char ret[IFNAMSIZ], struct lxcri_error *err)
{
	char first[IFNAMSIZ] = "", owner[80] = "";

	for (unsigned attempt = 0; attempt < HOST_NAME_ATTEMPTS; attempt++) {
		struct netlink_link_info info;
		char name[IFNAMSIZ];
		int r = netlink_host_ifname(ns->id, net->index, attempt, name);

		if (r < 0)
			return error_set_errno(err, r, "net%u: No host interface name", net->index);
		r = netlink_link_get(host, name, &info, err);
		if (r == -ENODEV) {
			if (attempt > 0)
				report_info("net%u: host interface '%s' %s%s%s: using '%s'",
					    net->index, first,
					    owner[0] ? "belongs to container '" : "is taken", owner,
					    owner[0] ? "'" : "", name);
			memcpy(ret, name, IFNAMSIZ);
			return 0;
		}
		if (r < 0)
			return error_prefix(err, r, "net%u", net->index);
		if (attempt == 0) {
			snprintf(first, sizeof(first), "%s", name);
			alias_owner(info.alias, owner, sizeof(owner));
		}
	}
	if (owner[0])
		return error_set(
		    err, -EEXIST,
		    "net%u: Host interface '%s' already belongs to container '%s', and "
		    "the %d other names for net%u are taken too",
		    net->index, first, owner, HOST_NAME_ATTEMPTS - 1, net->index);
	return error_set(err, -EEXIST,
			 "net%u: Host interface '%s' already exists, and the %d other names for "
			 "net%u are taken too",
			 net->index, first, HOST_NAME_ATTEMPTS - 1, net->index);
}

static int apply_bridge_net(const struct netsetup *ns, struct nl_sock *host, struct nl_sock *ct,
			    const struct config_net *net, struct state *s, struct lxcri_error *err)
{
	struct netlink_link_info br, made;
	char host_name[IFNAMSIZ], alias[96], mark[MAC_STRLEN];
	uint8_t mac[6], host_mac[6];
	size_t index;
	int r;

	r = netlink_link_get(host, net->bridge, &br, err);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
	r = pick_host_name(ns, host, net, host_name, err);
	if (r < 0)
		return r;
	r = netlink_host_mac(host_mac);
	if (r < 0)
		return error_set_errno(err, r, "net%u: Failed to make a MAC address for '%s'",
				       net->index, host_name);
	mac_to_string(host_mac, mark);
	host_alias(ns->id, net->index, alias, sizeof(alias));
	if (net->has_hwaddr)
		memcpy(mac, net->hwaddr, sizeof(mac));
	else
		netlink_stable_mac(ns->id, net->name, mac);

	/* The MAC the host end is created with marks it as ours until its ifindex is known. */
	struct json_object *data = json_object_new_object();
	if (!data || json_object_object_add(data, "net", json_object_new_int((int)net->index)) ||
	    json_add_string(data, "name", net->name) < 0 ||
	    json_add_string(data, "host", host_name) < 0 ||
	    json_add_string(data, "host_mac", mark) < 0 ||
	    json_add_string(data, "bridge", net->bridge) < 0) {
		json_object_put(data);
		return error_oom(err);
	}
	r = record(ns, s, KIND_VETH, data, &index, err);
	if (r < 0)
		return r;

	struct netlink_veth_spec spec = {
		.host_ifname = host_name,
		.peer_ifname = net->name,
		.peer_netns_fd = ct_netns(ns),
		.mtu = net->mtu ? net->mtu : br.mtu,
		.peer_mac = mac,
		.bridge = net->bridge,
		.pvid = net->tag,
		.host_mac = host_mac,
		.host_alias = alias,
	};
	r = netlink_veth_create(host, &spec, err);
	if (r >= 0)
		r = netlink_link_get(host, host_name, &made, err);
	if (r >= 0 && (!made.has_mac || memcmp(made.mac, host_mac, sizeof(host_mac)) != 0))
		r = error_set(err, -ESTALE, "Host interface '%s' was replaced as it was made",
			      host_name);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
	if (json_object_object_add(s->items[index].data, "ifindex",
				   json_object_new_int(made.ifindex)))
		return error_oom(err);
	r = mark_applied(ns, s, index, err);
	if (r < 0)
		return r;

	struct netlink_link_settings up = { .up = true };
	r = netlink_link_configure(ct, net->name, &up, err);
	for (size_t i = 0; r >= 0 && i < net->n_addresses; i++)
		r = netlink_address_add(ct, net->name, &net->addresses[i], err);
	if (r >= 0 && net->has_gw)
		r = gateway_route(ct, net, &net->gw, err);
	if (r >= 0 && net->has_gw6)
		r = gateway_route(ct, net, &net->gw6, err);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
	report_info("net%u: '%s' on bridge '%s' (host end '%s', MTU %u), %zu address(es)",
		    net->index, net->name, net->bridge, host_name, spec.mtu, net->n_addresses);
	return 0;
}

static int apply_cni_net(const struct netsetup *ns, const struct config_net *net,
			 const struct cni_conflist *list, struct state *s, struct lxcri_error *err)
{
	_cleanup_free_ char *conflist = strndup(list->bytes, list->size);
	struct cni_runtime rt;
	char netns[64];
	size_t index;
	int r;

	/* Our fd of the namespace, as a path: it cannot name another one while we run. */
	r = ctns_fd_path(ct_netns(ns), netns, sizeof(netns));
	if (r < 0)
		return error_set_errno(err, r, "net%u: No path for the network namespace",
				       net->index);
	cni_runtime_init(ns, net->name, netns, &rt);

	struct json_object *data = json_object_new_object();
	if (!conflist || !data ||
	    json_object_object_add(data, "net", json_object_new_int((int)net->index)) ||
	    json_add_string(data, "name", net->name) < 0 ||
	    json_add_string(data, "network", list->name) < 0 ||
	    json_add_string(data, "source", list->source) < 0 ||
	    add_identity(data, "netns_id", ct_netns(ns)) < 0 ||
	    json_add_string(data, "conflist", conflist) < 0) {
		json_object_put(data);
		return error_oom(err);
	}
	r = record(ns, s, KIND_CNI, data, &index, err);
	if (r < 0)
		return r;
	r = cni_add(list, &rt, NULL, err);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
	r = mark_applied(ns, s, index, err);
	if (r < 0)
		return r;
	report_info("net%u: '%s' on CNI network '%s' (%s, %zu plugin(s))", net->index, net->name,
		    list->name, list->source, list->n_plugins);
	return 0;
}

static int apply_one(const struct netsetup *ns, struct nl_sock *host, struct nl_sock *ct,
		     const struct config_net *net, const struct cni_conflist *list, struct state *s,
		     struct lxcri_error *err)
{
	if (net->cni)
		return apply_cni_net(ns, net, list, s, err);
	return apply_bridge_net(ns, host, ct, net, s, err);
}

/*
 * The rootfs for dns: ns->rootfs, a plain host directory, or else "/" of
 * the container's mount namespace. Records where in data.
 */
static int open_rootfs(const struct netsetup *ns, struct json_object *data, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (ns->rootfs) {
		fd = open(ns->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return error_set_errno(err, -errno, "dns: Failed to open the rootfs '%s'",
					       ns->rootfs);
		r = json_add_string(data, "rootfs", ns->rootfs);
	} else {
		fd = ctns_open_root(ct_mntns(ns), err);
		if (fd < 0)
			return error_prefix(err, fd, "dns");
		r = add_identity(data, "mntns_id", ct_mntns(ns));
	}
	if (r < 0)
		return error_set_errno(err, r, "dns: Failed to record the rootfs");
	return TAKE_FD(fd);
}

static int apply_dns(const struct netsetup *ns, const struct config_dns *dns, struct state *s,
		     struct lxcri_error *err)
{
	_cleanup_close_ int rootfd = -1;
	struct json_object *data = json_object_new_object();
	size_t index;
	int r;

	if (!data)
		return error_oom(err);
	rootfd = open_rootfs(ns, data, err);
	if (rootfd < 0) {
		json_object_put(data);
		return rootfd;
	}
	r = record(ns, s, KIND_DNS, data, &index, err);
	if (r < 0)
		return r;
	r = resolvconf_apply(rootfd, dns, ns->state_dir, err);
	if (r < 0)
		return error_prefix(err, r, "dns");
	r = mark_applied(ns, s, index, err);
	if (r >= 0)
		report_info("dns: /etc/resolv.conf written (%zu name server(s))",
			    dns->n_nameservers);
	return r;
}

/* A route's dev is one of the config's nets, or already in the container. */
static int check_route(const struct netsetup *ns, struct nl_sock *ct, const struct config *c,
		       const struct config_route *route, struct lxcri_error *err)
{
	int r;

	if (!route->dev[0])
		return 0;
	for (size_t i = 0; i < c->net.n_nets; i++)
		if (strcmp(c->net.nets[i].name, route->dev) == 0)
			return 0;
	r = netlink_link_exists(ct, route->dev);
	if (r < 0)
		return error_set_errno(err, r, "route%u: Failed to look up '%s'", route->index,
				       route->dev);
	if (r == 0)
		return error_set(err, -ENODEV,
				 "route%u: Interface '%s' does not exist in container '%s' and is "
				 "not one of its nets",
				 route->index, route->dev, ns->id);
	return 0;
}

static int open_sockets(const struct netsetup *ns, struct nl_sock **host, struct nl_sock **ct,
			struct lxcri_error *err)
{
	int r = netlink_open(host);

	if (r < 0)
		return error_set_errno(err, r, "Failed to open a netlink socket");
	if (ct_netns(ns) < 0)
		return error_set(err, -ESRCH,
				 "The network namespace of container '%s' is not known: is it "
				 "running?",
				 ns->id);
	r = netlink_open_in_netns_fd(ct_netns(ns), ct, err);
	if (r < 0)
		return error_prefix(err, r, "Network namespace of container '%s'", ns->id);
	return 0;
}

int netsetup_apply(const struct netsetup *ns, const struct config *c, struct state *s,
		   struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *host = NULL, *ct = NULL;
	struct cni_conflist *lists[CONFIG_MAX_NET] = { 0 };
	int r = 0;

	if (c->net.n_nets > 0 || c->net.n_routes > 0) {
		r = open_sockets(ns, &host, &ct, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; r >= 0 && i < c->net.n_nets; i++)
		r = check_net(ns, host, ct, &c->net.nets[i], &lists[i], err);
	for (size_t i = 0; r >= 0 && i < c->net.n_routes; i++)
		r = check_route(ns, ct, c, &c->net.routes[i], err);

	for (size_t i = 0; r >= 0 && i < c->net.n_nets; i++)
		r = apply_one(ns, host, ct, &c->net.nets[i], lists[i], s, err);
	for (size_t i = 0; r >= 0 && i < c->net.n_routes; i++) {
		const struct config_route *cr = &c->net.routes[i];
		struct netlink_route route = {
			.is_default = cr->is_default,
			.dst = cr->dst,
			.has_via = cr->has_via,
			.via = cr->via,
			.has_metric = cr->has_metric,
			.metric = cr->metric,
			.table = cr->table,
		};

		memcpy(route.dev, cr->dev, sizeof(route.dev));
		r = netlink_route_add(ct, &route, err);
		if (r < 0)
			r = error_prefix(err, r, "route%u", c->net.routes[i].index);
	}
	if (r >= 0 && c->net.n_routes > 0)
		report_info("%zu route(s) added", c->net.n_routes);
	if (r >= 0 && c->net.dns.set)
		r = apply_dns(ns, &c->net.dns, s, err);

	for (size_t i = 0; i < c->net.n_nets; i++)
		cni_conflist_free(lists[i]);
	return r;
}

int netsetup_apply_net(const struct netsetup *ns, const struct config_net *net, struct state *s,
		       struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *host = NULL, *ct = NULL;
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	struct lxcri_error undo = {};
	int r;

	r = open_sockets(ns, &host, &ct, err);
	if (r >= 0)
		r = check_net(ns, host, ct, net, &list, err);
	if (r < 0)
		return r;
	r = apply_one(ns, host, ct, net, list, s, err);
	if (r < 0 && netsetup_teardown(ns, s, net->name, &undo) > 0)
		report_error("Undoing net%u failed: %s", net->index, undo.message);
	return r;
}

/*
 * Deletes the host end only if it is the link this item made: the ifindex
 * recorded once it was made, or (an item left pending by a crash) the MAC
 * it was made with. A link that took the name since, another container's
 * with a colliding name above all, is left alone: the item is done then,
 * as ours is gone.
 */
static int undo_veth(struct nl_sock *host, const struct state_item *item, struct lxcri_error *err)
{
	const char *name = data_string(item, "host"), *mark = data_string(item, "host_mac");
	int ifindex = data_int(item, "ifindex"), n = data_int(item, "net");
	struct netlink_link_info info;
	uint8_t mac[6];
	bool ours;
	int r;

	if (!name || !valid_ifname(name))
		return error_set(err, -EINVAL, "Item '%s' names no valid host interface",
				 item->kind);
	r = netlink_link_get(host, name, &info, err);
	if (r == -ENODEV)
		return 0; /* gone with the container's namespace */
	if (r < 0)
		return r;
	if (ifindex > 0)
		ours = info.ifindex == ifindex;
	else if (mark && mac_parse(mark, mac) == 0)
		ours = info.has_mac && memcmp(info.mac, mac, sizeof(mac)) == 0;
	else {
		report_warning("net%d: host interface '%s' was recorded without its ifindex or MAC "
			       "(by an older version): left alone, it goes with the container's "
			       "network namespace",
			       n, name);
		return 0;
	}
	if (!ours) {
		report_warning(
		    "net%d: host interface '%s' is not the one this run made%s%s%s: left "
		    "alone",
		    n, name, info.alias[0] ? " (it is '" : "", info.alias,
		    info.alias[0] ? "')" : "");
		return 0;
	}
	r = netlink_link_delete_ifindex(host, info.ifindex, err);
	if (r >= 0)
		report_info("net%d: host interface '%s' removed", n, name);
	return r;
}

static int undo_cni(const struct netsetup *ns, const struct state_item *item,
		    struct lxcri_error *err)
{
	const char *name = data_string(item, "name"), *netns_id = data_string(item, "netns_id");
	const char *text = data_string(item, "conflist"), *source = data_string(item, "source");
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	const char *netns = NULL;
	struct cni_runtime rt;
	char path[64];
	int r;

	if (!name || !text)
		return error_set(err, -EINVAL, "Item '%s' has no interface name or conflist",
				 item->kind);
	r = cni_parse_conflist(source ? source : "recorded conflist", text, strlen(text), true,
			       &list, err);
	if (r < 0)
		return r;
	/*
	 * In the container's network namespace while we hold it; without one when
	 * it is gone (the spec allows it for DEL): the plugins clean the host side.
	 * Never a recorded path: /proc/<pid> may be another process's by now.
	 */
	if (ctns_is(ct_netns(ns), netns_id) && ctns_fd_path(ct_netns(ns), path, sizeof(path)) >= 0)
		netns = path;
	else
		report_info("net%d: container gone: CNI DEL of '%s' without its network namespace",
			    data_int(item, "net"), list->name);
	cni_runtime_init(ns, name, netns, &rt);
	r = cni_del(list, &rt, err);
	if (r >= 0)
		report_info("net%d: CNI network '%s' detached (DEL)", data_int(item, "net"),
			    list->name);
	return r;
}

/*
 * The backup of a container that is gone, whose rootfs is no host
 * directory: kept as <run_dir>/.stale/<id>-<ms>-resolv.conf.{orig,state}.
 */
static int dns_set_aside(const struct netsetup *ns, struct lxcri_error *err)
{
	_cleanup_free_ char *copy = strdup(ns->state_dir);
	char prefix[PATH_MAX], stale[PATH_MAX];
	bool kept;
	int r;

	if (!copy)
		return error_oom(err);
	r = paths_join(stale, sizeof(stale), "%s/.stale", dirname(copy));
	if (r >= 0)
		r = paths_join(prefix, sizeof(prefix), "%s/%s-%lld-", stale, ns->id,
			       (long long)state_now_ms());
	if (r < 0)
		return error_set_errno(err, r, "Failed to set aside the backup in '%s'",
				       ns->state_dir);
	if (mkdir(stale, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, -errno, "Failed to create '%s'", stale);
	r = resolvconf_set_aside(ns->state_dir, prefix, &kept, err);
	if (r < 0)
		return r;
	if (kept)
		report_warning(
		    "dns: container gone: /etc/resolv.conf not restored (its original is "
		    "kept as '%s" RESOLVCONF_BACKUP_NAME "')",
		    prefix);
	else
		report_warning("dns: container gone: /etc/resolv.conf not restored (there was no "
			       "backup)");
	return 0;
}

/*
 * Restores /etc/resolv.conf: in a plain host directory the item names, or
 * through the mount namespace at hand if it is the one the item recorded.
 * Else the container is gone: a path under /proc (as an older version
 * recorded it) names whatever process has that PID now, never opened.
 */
static int undo_dns(const struct netsetup *ns, const struct state_item *item,
		    struct lxcri_error *err)
{
	const char *rootfs = data_string(item, "rootfs"), *mntns_id = data_string(item, "mntns_id");
	_cleanup_close_ int rootfd = -1;
	int r;

	if (rootfs && strncmp(rootfs, "/proc/", 6) != 0) {
		rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return error_set_errno(
			    err, -errno,
			    "Cannot restore /etc/resolv.conf: rootfs '%s' is not there", rootfs);
	} else if (ctns_is(ct_mntns(ns), mntns_id)) {
		rootfd = ctns_open_root(ct_mntns(ns), err);
		if (rootfd < 0)
			return rootfd;
	} else
		return dns_set_aside(ns, err);
	r = resolvconf_restore(rootfd, ns->state_dir, err);
	if (r >= 0)
		report_info("dns: /etc/resolv.conf restored");
	return r;
}

size_t netsetup_teardown(const struct netsetup *ns, struct state *s, const char *only_name,
			 struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *host = NULL;
	size_t left = 0;
	bool failed = false;

	for (size_t i = s->n_items; i-- > 0;) {
		const struct state_item *item = &s->items[i];
		struct lxcri_error e = {};
		int r;

		if (!netsetup_item_kind(item->kind))
			continue;
		if (only_name) {
			const char *name = data_string(item, "name");
			if (strncmp(item->kind, "net.", 4) != 0 || !name ||
			    strcmp(name, only_name) != 0)
				continue;
		}
		if (strcmp(item->kind, KIND_VETH) == 0) {
			r = host ? 0 : netlink_open(&host);
			if (r < 0)
				error_set_errno(&e, r, "Failed to open a netlink socket");
			else
				r = undo_veth(host, item, &e);
		} else if (strcmp(item->kind, KIND_CNI) == 0)
			r = undo_cni(ns, item, &e);
		else if (strcmp(item->kind, KIND_DNS) == 0)
			r = undo_dns(ns, item, &e);
		else
			r = error_set(&e, -EOPNOTSUPP, "Unknown item kind '%s'", item->kind);

		if (r >= 0) {
			state_item_remove(s, i);
			r = state_save(ns->state_dir, s, &e);
		}
		if (r < 0) {
			left++;
			report_error("Teardown of '%s' failed: %s", item->kind, e.message);
			if (!failed && err)
				*err = e;
			failed = true;
		}
	}
	return left;
}

static const struct state_item *find_item(const struct state *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_items; i++) {
		const char *n = data_string(&s->items[i], "name");
		if (strncmp(s->items[i].kind, "net.", 4) == 0 && n && strcmp(n, name) == 0)
			return &s->items[i];
	}
	return NULL;
}

bool netsetup_has_net(const struct state *s, const char *name)
{
	return find_item(s, name) != NULL;
}

static struct json_object *net_status(const struct netsetup *ns, struct nl_sock *ct,
				      const struct config_net *net, const struct state_item *item)
{
	struct json_object *o = json_object_new_object();
	struct lxcri_error e = {};

	if (!o)
		return NULL;
	json_object_object_add(o, "net", json_object_new_int((int)net->index));
	json_add_string(o, "name", net->name);
	json_add_string(o, "type", net->cni ? "cni" : "bridge");
	if (net->cni)
		json_add_string(o, "network", net->cni);
	else {
		/* The name the run used, or the one a start would try first. */
		char host_name[IFNAMSIZ] = "";
		const char *recorded = item ? data_string(item, "host") : NULL;
		if (!recorded)
			(void)netlink_host_ifname(ns->id, net->index, 0, host_name);
		json_add_string(o, "bridge", net->bridge);
		json_add_string(o, "host", recorded ? recorded : host_name);
	}
	json_object_object_add(o, "applied",
			       json_object_new_boolean(item && item->status == STATE_ITEM_APPLIED));
	if (ct_netns(ns) < 0)
		return o;

	struct netlink_link_info info;
	const char *link = "missing";
	if (ct && netlink_link_get(ct, net->name, &info, &e) >= 0)
		link = info.up ? "up" : "down";
	json_add_string(o, "link", link);
	if (net->cni && item) {
		const char *text = data_string(item, "conflist");
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
		struct cni_runtime rt;
		char netns[64];

		(void)ctns_fd_path(ct_netns(ns), netns, sizeof(netns));
		cni_runtime_init(ns, net->name, netns, &rt);
		if (!text)
			error_set(&e, -EINVAL, "no recorded conflist");
		if (text &&
		    cni_parse_conflist("recorded conflist", text, strlen(text), true, &list, &e) >=
			0 &&
		    cni_check(list, &rt, &e) >= 0)
			json_add_string(o, "check", "ok");
		else
			json_add_string(o, "check", e.message);
	}
	return o;
}

int netsetup_status(const struct netsetup *ns, const struct config *c, const struct state *s,
		    struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *ct = NULL;
	_cleanup_json_ struct json_object *a = json_object_new_array();
	struct lxcri_error e = {};

	if (!a)
		return error_oom(err);
	if (ct_netns(ns) >= 0 && netlink_open_in_netns_fd(ct_netns(ns), &ct, &e) < 0)
		ct = NULL; /* links show as missing */
	for (size_t i = 0; i < c->net.n_nets; i++) {
		struct json_object *o =
		    net_status(ns, ct, &c->net.nets[i], find_item(s, c->net.nets[i].name));
		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			return error_oom(err);
		}
	}
	*ret = a;
	a = NULL;
	return 0;
}
