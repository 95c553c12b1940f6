/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The networks of a container: see netsetup.h. Logs one info line per
 * applied or removed piece (the hook's story in the journal).
 */
#include <json-c/json.h>
#include <netlink/socket.h>

#include "netsetup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cni.h"
#include "json.h"
#include "log.h"
#include "netlink.h"
#include "paths.h"
#include "resolvconf.h"

#define KIND_VETH "net.veth"
#define KIND_CNI  "net.cni"
#define KIND_DNS  "dns.resolvconf"

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
	struct config_route route = {
		.is_default = true,
		.dst = { .addr = { .family = gw->family } },
		.has_via = true,
		.via = *gw,
	};

	snprintf(route.dev, sizeof(route.dev), "%s", net->name);
	return netlink_route_add(ct, &route, err);
}

static int apply_bridge_net(const struct netsetup *ns, struct nl_sock *host, struct nl_sock *ct,
			    const struct config_net *net, struct state *s, struct lxcri_error *err)
{
	_cleanup_close_ int netns_fd = -1;
	struct netlink_link_info br;
	char host_name[IFNAMSIZ];
	uint8_t mac[6];
	size_t index;
	int r;

	r = netlink_host_ifname(ns->id, net->index, host_name);
	if (r < 0)
		return error_set_errno(err, r, "net%u: No host interface name", net->index);
	r = netlink_link_get(host, net->bridge, &br, err);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
	r = netlink_netns_open_pid(ns->pid, &netns_fd, err);
	if (r < 0)
		return r;
	if (net->has_hwaddr)
		memcpy(mac, net->hwaddr, sizeof(mac));
	else
		netlink_stable_mac(ns->id, net->name, mac);

	struct json_object *data = json_object_new_object();
	if (!data || json_object_object_add(data, "net", json_object_new_int((int)net->index)) ||
	    json_add_string(data, "name", net->name) < 0 ||
	    json_add_string(data, "host", host_name) < 0 ||
	    json_add_string(data, "bridge", net->bridge) < 0 ||
	    json_object_object_add(data, "pid", json_object_new_int(ns->pid))) {
		json_object_put(data);
		return error_set(err, -ENOMEM, "Out of memory");
	}
	r = record(ns, s, KIND_VETH, data, &index, err);
	if (r < 0)
		return r;

	struct netlink_veth_spec spec = {
		.host_ifname = host_name,
		.peer_ifname = net->name,
		.peer_netns_fd = netns_fd,
		.mtu = net->mtu ? net->mtu : br.mtu,
		.peer_mac = mac,
		.bridge = net->bridge,
		.pvid = net->tag,
	};
	r = netlink_veth_create(host, &spec, err);
	if (r < 0)
		return error_prefix(err, r, "net%u", net->index);
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
	log_info("net%u: '%s' on bridge '%s' (host end '%s', MTU %u), %zu address(es)", net->index,
		 net->name, net->bridge, host_name, spec.mtu, net->n_addresses);
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

	snprintf(netns, sizeof(netns), "/proc/%d/ns/net", (int)ns->pid);
	cni_runtime_init(ns, net->name, netns, &rt);

	struct json_object *data = json_object_new_object();
	if (!conflist || !data ||
	    json_object_object_add(data, "net", json_object_new_int((int)net->index)) ||
	    json_add_string(data, "name", net->name) < 0 ||
	    json_add_string(data, "network", list->name) < 0 ||
	    json_add_string(data, "source", list->source) < 0 ||
	    json_add_string(data, "netns", netns) < 0 ||
	    json_object_object_add(data, "pid", json_object_new_int(ns->pid)) ||
	    json_add_string(data, "conflist", conflist) < 0) {
		json_object_put(data);
		return error_set(err, -ENOMEM, "Out of memory");
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
	log_info("net%u: '%s' on CNI network '%s' (%s, %zu plugin(s))", net->index, net->name,
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

/* The rootfs directory fd for dns: ns->rootfs, or the container's own view of its root. */
static int open_rootfs(const struct netsetup *ns, char *path, size_t size, struct lxcri_error *err)
{
	int fd;

	if (ns->rootfs)
		snprintf(path, size, "%s", ns->rootfs);
	else
		snprintf(path, size, "/proc/%d/root", (int)ns->pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, -errno, "dns: Failed to open the rootfs '%s'", path);
	return fd;
}

static int apply_dns(const struct netsetup *ns, const struct config_dns *dns, struct state *s,
		     struct lxcri_error *err)
{
	char rootfs[PATH_MAX];
	_cleanup_close_ int rootfd = open_rootfs(ns, rootfs, sizeof(rootfs), err);
	size_t index;
	int r;

	if (rootfd < 0)
		return rootfd;
	struct json_object *data = json_object_new_object();
	if (!data || json_add_string(data, "rootfs", rootfs) < 0) {
		json_object_put(data);
		return error_set(err, -ENOMEM, "Out of memory");
	}
	r = record(ns, s, KIND_DNS, data, &index, err);
	if (r < 0)
		return r;
	r = resolvconf_apply(rootfd, dns, ns->state_dir, err);
	if (r < 0)
		return error_prefix(err, r, "dns");
	r = mark_applied(ns, s, index, err);
	if (r >= 0)
		log_info("dns: /etc/resolv.conf written (%zu name server(s))", dns->n_nameservers);
	return r;
}

/* A route's dev is one of the config's nets, or already in the container. */
static int check_route(const struct netsetup *ns, struct nl_sock *ct, const struct config *c,
		       const struct config_route *route, struct lxcri_error *err)
{
	int r;

	if (!route->dev[0])
		return 0;
	for (size_t i = 0; i < c->n_nets; i++)
		if (strcmp(c->nets[i].name, route->dev) == 0)
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
	r = netlink_open_in_netns_pid(ns->pid, ct, err);
	if (r < 0)
		return error_prefix(err, r, "Network namespace of container '%s' (pid %d)", ns->id,
				    (int)ns->pid);
	return 0;
}

int netsetup_apply(const struct netsetup *ns, const struct config *c, struct state *s,
		   struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *host = NULL, *ct = NULL;
	struct cni_conflist *lists[CONFIG_MAX_NET] = { 0 };
	int r = 0;

	if (c->n_nets > 0 || c->n_routes > 0) {
		r = open_sockets(ns, &host, &ct, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; r >= 0 && i < c->n_nets; i++)
		r = check_net(ns, host, ct, &c->nets[i], &lists[i], err);
	for (size_t i = 0; r >= 0 && i < c->n_routes; i++)
		r = check_route(ns, ct, c, &c->routes[i], err);

	for (size_t i = 0; r >= 0 && i < c->n_nets; i++)
		r = apply_one(ns, host, ct, &c->nets[i], lists[i], s, err);
	for (size_t i = 0; r >= 0 && i < c->n_routes; i++) {
		r = netlink_route_add(ct, &c->routes[i], err);
		if (r < 0)
			r = error_prefix(err, r, "route%u", c->routes[i].index);
	}
	if (r >= 0 && c->n_routes > 0)
		log_info("%zu route(s) added", c->n_routes);
	if (r >= 0 && c->dns.set)
		r = apply_dns(ns, &c->dns, s, err);

	for (size_t i = 0; i < c->n_nets; i++)
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
		log_error("Undoing net%u failed: %s", net->index, undo.message);
	return r;
}

static int undo_veth(struct nl_sock *host, const struct state_item *item, struct lxcri_error *err)
{
	const char *name = data_string(item, "host");
	struct netlink_link_info info;
	int r;

	if (!name || !ifname_valid(name))
		return error_set(err, -EINVAL, "Item '%s' names no valid host interface",
				 item->kind);
	r = netlink_link_get(host, name, &info, err);
	if (r == -ENODEV)
		return 0; /* gone with the container's namespace */
	if (r < 0)
		return r;
	if (strcmp(info.kind, "veth") != 0)
		return error_set(err, -EEXIST,
				 "Host interface '%s' is a %s link now, not our veth: left alone",
				 name, info.kind[0] ? info.kind : "plain");
	r = netlink_link_delete(host, name, err);
	if (r >= 0)
		log_info("net%d: host interface '%s' removed", data_int(item, "net"), name);
	return r;
}

static int undo_cni(const struct netsetup *ns, const struct state_item *item,
		    struct lxcri_error *err)
{
	const char *name = data_string(item, "name"), *netns = data_string(item, "netns");
	const char *text = data_string(item, "conflist"), *source = data_string(item, "source");
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	struct cni_runtime rt;
	struct stat st;
	int r;

	if (!name || !text)
		return error_set(err, -EINVAL, "Item '%s' has no interface name or conflist",
				 item->kind);
	r = cni_parse_conflist(source ? source : "recorded conflist", text, strlen(text), true,
			       &list, err);
	if (r < 0)
		return r;
	/* DEL without a namespace when it is gone: the plugins clean the host side. */
	if (netns && stat(netns, &st) < 0)
		netns = NULL;
	cni_runtime_init(ns, name, netns, &rt);
	r = cni_del(list, &rt, err);
	if (r >= 0)
		log_info("net%d: CNI network '%s' detached (DEL)", data_int(item, "net"),
			 list->name);
	return r;
}

static int undo_dns(const struct netsetup *ns, const struct state_item *item,
		    struct lxcri_error *err)
{
	const char *rootfs = data_string(item, "rootfs");
	_cleanup_close_ int rootfd = -1;
	int r;

	if (!rootfs)
		return error_set(err, -EINVAL, "Item '%s' names no rootfs", item->kind);
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_set_errno(err, -errno,
				       "Cannot restore /etc/resolv.conf: rootfs '%s' is not there",
				       rootfs);
	r = resolvconf_restore(rootfd, ns->state_dir, err);
	if (r >= 0)
		log_info("dns: /etc/resolv.conf restored");
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
			log_error("Teardown of '%s' failed: %s", item->kind, e.message);
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
		char host_name[IFNAMSIZ] = "";
		(void)netlink_host_ifname(ns->id, net->index, host_name);
		json_add_string(o, "bridge", net->bridge);
		json_add_string(o, "host", host_name);
	}
	json_object_object_add(o, "applied",
			       json_object_new_boolean(item && item->status == STATE_ITEM_APPLIED));
	if (ns->pid <= 0)
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

		snprintf(netns, sizeof(netns), "/proc/%d/ns/net", (int)ns->pid);
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
		return error_set(err, -ENOMEM, "Out of memory");
	if (ns->pid > 0 && netlink_open_in_netns_pid(ns->pid, &ct, &e) < 0)
		ct = NULL; /* the container went away meanwhile: links show as missing */
	for (size_t i = 0; i < c->n_nets; i++) {
		struct json_object *o =
		    net_status(ns, ct, &c->nets[i], find_item(s, c->nets[i].name));
		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			return error_set(err, -ENOMEM, "Out of memory");
		}
	}
	*ret = a;
	a = NULL;
	return 0;
}
