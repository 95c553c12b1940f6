/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The port forwards of a container: see portsetup.h. Logs one info line per
 * forward applied or removed.
 */
#include <json-c/json.h>
#include <netlink/socket.h>

#include "lib/port/portsetup.h"
#include "lib/basic/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "lib/port/localnet.h"
#include "lib/basic/report.h"
#include "lib/netlink/netlink.h"
#include "lib/port/porttarget.h"
#include "lib/port/portwait.h"

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

int portsetup_localnet_dir(const struct lxcri_paths *p, char *buf, size_t size)
{
	return paths_join(buf, size, "%s/" LOCALNET_DIR, p->run_dir);
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

/* What the targets of a container's ports are chosen from (see porttarget.h). */
struct resolver {
	const struct portsetup *ps;
	const struct config *config;
	char config_path[PATH_MAX];
	struct nl_sock *host, *ct;
	struct ip_address *host_addresses; /* every address of the host */
	size_t n_host_addresses;
	char pve_path[PATH_MAX];
	char *pve_text; /* NULL: no PVE config (not a PVE node, not a vmid, no file) */
	size_t pve_size;
	char lxc_path[PATH_MAX];
};

static void resolver_done(struct resolver *rv)
{
	nl_socket_free(rv->host);
	nl_socket_free(rv->ct);
	free(rv->host_addresses);
	free(rv->pve_text);
}

static int resolver_init(struct resolver *rv, const struct portsetup *ps, const struct config *c,
			 struct lxcri_error *err)
{
	int r;

	*rv = (struct resolver){ .ps = ps, .config = c };
	if (!ps->paths ||
	    paths_container_config(ps->paths, ps->id, rv->config_path, sizeof(rv->config_path)) <
		0 ||
	    paths_join(rv->lxc_path, sizeof(rv->lxc_path), "%s/%s/config", ps->paths->lxc_path,
		       ps->id) < 0 ||
	    paths_join(rv->pve_path, sizeof(rv->pve_path), "%s/lxc/%s.conf", ps->paths->pve_dir,
		       ps->id) < 0)
		return error_set(err, -EINVAL, "Invalid paths for container '%s'", ps->id);
	if (paths_pve_mode(ps->paths) && paths_id_is_vmid(ps->id)) {
		r = fileio_read_file(rv->pve_path, CONFIG_MAX_SIZE, &rv->pve_text, &rv->pve_size);
		if (r < 0 && r != -ENOENT)
			return error_set_errno(err, r, "Failed to read '%s'", rv->pve_path);
	}
	r = netlink_open(&rv->host);
	if (r < 0)
		return error_set_errno(err, r, "Failed to open a netlink socket");
	if (ps->netns_fd > 2)
		r = netlink_open_in_netns_fd(ps->netns_fd, &rv->ct, err);
	else
		r = netlink_open_in_netns_pid(ps->pid, &rv->ct, err);
	if (r >= 0)
		r = netlink_all_addresses(rv->host, &rv->host_addresses, &rv->n_host_addresses,
					  err);
	return r;
}

/*
 * PVE's firewall bridge (firewall=1 on a netN): the container's veth is on
 * fwbr<vmid>i<N>, a bridge without an address, joined to the vmbr by the
 * veth pair fwln<vmid>i<N> (on fwbr) / fwpr<vmid>p<N> (on the vmbr)
 * (pve-common, PVE::Network). The subnet the container is in is the
 * vmbr's: ret is it, or "" when bridge is no such fwbr; *fw the fwbr, its
 * fwpr and the vmbr's MAC (see portfwd.h for what the hairpin needs).
 */
static void pve_firewall_vmbr(struct resolver *rv, const char *bridge, char ret[IFNAMSIZ],
			      struct portfwd_fwbr *fw)
{
	struct netlink_link_info fwpr, vmbr;
	unsigned vmid, n;
	int end = 0;
	char name[IFNAMSIZ + 8];
	struct lxcri_error ignored = {};

	ret[0] = '\0';
	if (sscanf(bridge, "fwbr%ui%u%n", &vmid, &n, &end) != 2 || bridge[end] != '\0')
		return;
	snprintf(name, sizeof(name), "fwpr%up%u", vmid, n);
	if (strlen(name) < IFNAMSIZ && netlink_link_get(rv->host, name, &fwpr, &ignored) >= 0 &&
	    fwpr.master[0] && netlink_link_get(rv->host, fwpr.master, &vmbr, &ignored) >= 0 &&
	    strcmp(vmbr.kind, "bridge") == 0) {
		snprintf(ret, IFNAMSIZ, "%s", fwpr.master);
		if (!vmbr.has_mac)
			return;
		snprintf(fw->bridge, sizeof(fw->bridge), "%s", bridge);
		snprintf(fw->port, sizeof(fw->port), "%s", name);
		memcpy(fw->vmbr_mac, vmbr.mac, sizeof(fw->vmbr_mac));
	}
}

/*
 * The host side of the container's ifname: the bridge its veth's host end
 * (*peer) is on (the vmbr behind PVE's firewall bridge, *fw then set),
 * else that host end; "" when ifname is no veth with its peer here.
 */
static int host_side(struct resolver *rv, const struct config_port *port, const char *ifname,
		     char ret[IFNAMSIZ], char peer[IFNAMSIZ], struct portfwd_fwbr *fw,
		     struct lxcri_error *err)
{
	struct netlink_link_info info, master, ct;
	char vmbr[IFNAMSIZ];
	int r = netlink_veth_peer(rv->ct, rv->host, ifname, peer, err);

	ret[0] = '\0';
	*fw = (struct portfwd_fwbr){ 0 };
	if (r <= 0) {
		peer[0] = '\0';
		return r < 0 ? error_set(err, r, "port%u: %s", port->index, err->message) : 0;
	}
	r = netlink_link_get(rv->host, peer, &info, err);
	if (r < 0)
		return error_set(err, r, "port%u: %s", port->index, err->message);
	snprintf(ret, IFNAMSIZ, "%s", peer);
	if (info.master[0] && netlink_link_get(rv->host, info.master, &master, err) >= 0 &&
	    strcmp(master.kind, "bridge") == 0) {
		snprintf(ret, IFNAMSIZ, "%s", info.master);
		pve_firewall_vmbr(rv, info.master, vmbr, fw);
		if (vmbr[0])
			snprintf(ret, IFNAMSIZ, "%s", vmbr);
	}
	/* Without the container's MAC there is no hairpin element: the forward goes on. */
	if (fw->bridge[0] && netlink_link_get(rv->ct, ifname, &ct, &(struct lxcri_error){}) >= 0 &&
	    ct.has_mac)
		memcpy(fw->ct_mac, ct.mac, sizeof(fw->ct_mac));
	else
		*fw = (struct portfwd_fwbr){ 0 };
	return 0;
}

/*
 * The container reaching its own forward through the host: where
 * br_netfilter has the bridge DNAT the packet, the bridge must send it back
 * out of the port it came in on, so the host end on a bridge goes into
 * hairpin mode. Left on at removal: the port goes with the container, and
 * hairpin mode is harmless to a one-container port. Behind PVE's firewall
 * bridge it is fwpr's turn, after the add (see fwbr_hairpin()).
 */
static int hairpin_on(struct resolver *rv, const struct config_port *port, const char *link,
		      const char *peer, const struct portfwd_fwbr *fw, struct lxcri_error *err)
{
	int r;

	if (!peer[0] || strcmp(link, peer) == 0 || fw->bridge[0])
		return 0;
	r = netlink_bridge_port_set_hairpin(rv->host, peer, true, err);
	return r < 0 ? error_set(err, r, "port%u: %s", port->index, err->message) : 0;
}

/* The sources of ifname's addresses, in order: our config, PVE's, LXC's. */
static int gather_sources(struct resolver *rv, const char *ifname,
			  struct porttarget_source sources[3], struct lxcri_error *err)
{
	int r = 0;

	porttarget_from_config(rv->config, rv->config_path, ifname, &sources[0]);
	sources[1] = (struct porttarget_source){ 0 };
	if (rv->pve_text)
		r = porttarget_from_pve(rv->pve_path, rv->pve_text, rv->pve_size, ifname,
					&sources[1], err);
	if (r >= 0)
		r = porttarget_from_lxc(rv->lxc_path, ifname, &sources[2], err);
	return r;
}

#define MAX_ADDRESSES 16

/* The target of one family of port: porttarget_choose() with what it needs. */
static int choose(struct resolver *rv, const struct config_port *port, int family,
		  const char *ifname, const char *link, const struct porttarget_source *sources,
		  struct porttarget_choice *ret, struct lxcri_error *err)
{
	struct ip_prefix container[MAX_ADDRESSES], link_prefixes[MAX_ADDRESSES];
	struct porttarget_input in = {
		.port = port->index,
		.family = family,
		.ifname = ifname,
		.sources = sources,
		.n_sources = 3,
		.container = container,
		.link = link,
		.link_prefixes = link_prefixes,
		.host = rv->host_addresses,
		.n_host = rv->n_host_addresses,
	};
	int r = netlink_addresses(rv->ct, ifname, family, container, MAX_ADDRESSES, &in.n_container,
				  err);

	if (r >= 0 && link[0])
		r = netlink_addresses(rv->host, link, family, link_prefixes, MAX_ADDRESSES,
				      &in.n_link_prefixes, err);
	if (r < 0)
		return error_set(err, r, "port%u: %s", port->index, err->message);
	return porttarget_choose(&in, ret, err);
}

/*
 * The interface 127.0.0.1 reaches the IPv4 target through: link, when the
 * host routes the target there; "" (no localhost forward, logged) otherwise.
 */
static int localnet_interface(struct resolver *rv, const struct portfwd *f, const char *link,
			      char ret[IFNAMSIZ], struct lxcri_error *err)
{
	char dev[IFNAMSIZ], text[INET6_ADDRSTRLEN];
	int r;

	ret[0] = '\0';
	if (f->family != AF_INET || f->has_hostip)
		return 0;
	ip_address_to_string(&f->target, text, sizeof(text));
	r = netlink_route_get_dev(rv->host, &f->target, dev, err);
	if (r < 0)
		return error_set(err, r, "port%u: %s", f->index, err->message);
	if (link[0] && strcmp(dev, link) == 0 && localnet_ifname_valid(link)) {
		snprintf(ret, IFNAMSIZ, "%s", link);
		return 0;
	}
	report_info("port%u: 127.0.0.1 is not forwarded to '%s': the host reaches it through '%s', "
		    "not through the container's link%s%s",
		    f->index, text, dev, link[0] ? " " : "", link);
	return 0;
}

/*
 * The address of port is not known yet: the first config that speaks of
 * IPv4 leaves it to DHCP (IPv6 comes along once IPv4 is there), or nothing
 * gives the interface an address and it has none.
 */
static bool pending(const int got[2])
{
	return got[0] == -EADDRNOTAVAIL ||
	       (got[0] == 0 && (got[1] == 0 || got[1] == -EADDRNOTAVAIL));
}

/* 0 resolved (into out), 1 pending (err says why, ret_ifname on what), or -errno. */
static int resolve_port(struct resolver *rv, const struct config_port *port, struct portfwd *out,
			size_t *n, char ret_ifname[IFNAMSIZ], struct lxcri_error *err)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct porttarget_source sources[3];
	struct porttarget_choice choice[2];
	struct lxcri_error errors[2] = {};
	char ifname[IFNAMSIZ], link[IFNAMSIZ], peer[IFNAMSIZ];
	struct portfwd_fwbr fw;
	int got[2] = { 0, 0 }, r;

	r = target_interface(rv->ct, port, ifname, err);
	if (r >= 0)
		r = host_side(rv, port, ifname, link, peer, &fw, err);
	if (r >= 0)
		r = gather_sources(rv, ifname, sources, err);
	if (r < 0)
		return r;
	snprintf(ret_ifname, IFNAMSIZ, "%s", ifname);
	for (size_t i = 0; i < 2; i++)
		if (!port->has_hostip || port->hostip.family == families[i])
			got[i] = choose(rv, port, families[i], ifname, link, sources, &choice[i],
					&errors[i]);
	if (pending(got)) {
		if (got[0] == -EADDRNOTAVAIL || got[1] == -EADDRNOTAVAIL)
			error_set(err, -EADDRNOTAVAIL, "%s",
				  errors[got[0] == -EADDRNOTAVAIL ? 0 : 1].message);
		else
			error_set(
			    err, -EADDRNOTAVAIL,
			    "port%u: Container interface '%s' has no %s address to forward to",
			    port->index, ifname,
			    !port->has_hostip		     ? "IPv4 or IPv6"
			    : port->hostip.family == AF_INET ? "IPv4"
							     : "IPv6");
		return 1;
	}
	if (got[0] < 0)
		return error_set(err, got[0], "%s", errors[0].message);
	/* IPv6 comes along when it can: left to SLAAC/DHCP or refused, only IPv4 goes. */
	if (got[1] < 0 && got[0] == 1 && !port->has_hostip &&
	    (got[1] == -EADDRNOTAVAIL || got[1] == -EPERM)) {
		report_info("port%u: forwarded to IPv4 only: %s", port->index, errors[1].message);
		got[1] = 0;
	}
	if (got[1] < 0)
		return error_set(err, got[1], "%s", errors[1].message);
	r = hairpin_on(rv, port, link, peer, &fw, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < 2; i++) {
		struct portfwd *f = &out[*n];

		if (got[i] != 1)
			continue;
		*f = (struct portfwd){
			.family = families[i],
			.proto = port->proto,
			.host_first = port->host_first,
			.host_last = port->host_last,
			.ct_first = port->ct_first,
			.ct_range = port->ct_last > port->ct_first,
			.has_hostip = port->has_hostip,
			.hostip = port->hostip,
			.target = choice[i].addr,
			.subnet = choice[i].subnet,
			.fwbr = fw,
			.index = port->index,
		};
		report_debug("port%u: %s target from %s", port->index,
			     families[i] == AF_INET ? "IPv4" : "IPv6", choice[i].source);
		r = localnet_interface(rv, f, link, f->localnet_if, err);
		if (r < 0)
			return r;
		(*n)++;
	}
	return 0;
}

/*
 * The forwards of ports; with waits (start-host), the ports whose address
 * is not known yet go there (port.wait item data, until until_ms) instead
 * of failing.
 */
static int resolve_all(const struct portsetup *ps, const struct config *c,
		       const struct config_port *ports, size_t n, struct portfwd **ret,
		       size_t *ret_n, struct portwait_item *waits, size_t *ret_n_waits,
		       int64_t until_ms, struct lxcri_error *err)
{
	_cleanup_(resolver_done) struct resolver rv = {};
	_cleanup_free_ struct portfwd *fwds = calloc(2 * n + 1, sizeof(*fwds));
	size_t count = 0, n_waits = 0;
	int r;

	if (!fwds)
		return error_oom(err);
	r = resolver_init(&rv, ps, c, err);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct portwait_item *w = waits ? &waits[n_waits] : NULL;
		char ifname[IFNAMSIZ];

		r = resolve_port(&rv, &ports[i], fwds, &count, ifname, err);
		if (r == 1 && w) {
			*w = (struct portwait_item){ .port = ports[i].index,
						     .proto = ports[i].proto,
						     .host_first = ports[i].host_first,
						     .host_last = ports[i].host_last,
						     .until_ms = until_ms };
			snprintf(w->ifname, sizeof(w->ifname), "%s", ifname);
			n_waits++;
			r = 0;
		} else if (r == 1) {
			r = -EADDRNOTAVAIL;
		}
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(fwds);
	*ret_n = count;
	if (ret_n_waits)
		*ret_n_waits = n_waits;
	return 0;
}

int portsetup_resolve(const struct portsetup *ps, const struct config *c,
		      const struct config_port *ports, size_t n, struct portfwd **ret,
		      size_t *ret_n, struct lxcri_error *err)
{
	return resolve_all(ps, c, ports, n, ret, ret_n, NULL, NULL, 0, err);
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

/* A recorded forward, with N of its portN. */
static int item_forward(const struct state_item *item, struct portfwd *ret,
			struct lxcri_error *err);

/* Whether the first i forwards of f have localnet_if already. */
static bool seen_localnet(const struct portfwd *f, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(f[j].localnet_if, f[i].localnet_if) == 0)
			return true;
	return false;
}

/*
 * Whether a port item of s that is not gone records a forward through
 * ifname: as its localnet_if, or (fwpr) as the port of its firewall bridge.
 */
static bool forward_needs(const struct state *s, const bool *gone, const char *ifname, bool fwpr)
{
	for (size_t i = 0; i < s->n_items; i++) {
		struct lxcri_error ignored = {};
		struct portfwd f;

		if ((gone && gone[i]) || strcmp(s->items[i].kind, KIND_FWD) != 0 ||
		    item_forward(&s->items[i], &f, &ignored) < 0)
			continue;
		if (strcmp(fwpr ? f.fwbr.port : f.localnet_if, ifname) == 0)
			return true;
	}
	return false;
}

/*
 * Hairpin mode on the fwpr of each firewall bridge of f (see portfwd.h):
 * on only once the bridge table's elements are in; off (s and gone: where
 * no other forward needs it) before they go, as without them the
 * container's frames sent back to it teach fwbr its MAC on fwln. Off is
 * best effort: the port goes with the container.
 */
static int fwbr_hairpin(const struct portfwd *f, size_t n, const struct state *s, const bool *gone,
			bool on, struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *sk = NULL;
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *port = f[i].fwbr.port;
		struct lxcri_error e = {};
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(f[j].fwbr.port, port) == 0;
		if (!f[i].fwbr.bridge[0] || seen || (!on && forward_needs(s, gone, port, true)))
			continue;
		if (!sk && netlink_open(&sk) < 0)
			return on ? error_set(err, -EIO, "Failed to open a netlink socket") : 0;
		r = netlink_bridge_port_set_hairpin(sk, port, on, &e);
		if (r < 0 && on)
			return error_set(err, r, "port%u: %s", f[i].index, e.message);
		if (r < 0 && r != -ENODEV)
			report_error("port%u: %s", f[i].index, e.message);
		r = 0;
	}
	return r;
}

/* Whether dir (lib/port/localnet's records) has a record of ifname; true when it cannot tell. */
static bool localnet_recorded(const char *dir, const char *ifname)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/%s", dir, ifname) < 0)
		return true;
	return access(path, F_OK) == 0 || errno != ENOENT;
}

/*
 * route_localnet for forwards f that are gone (or going: gone marks their
 * items in s): released on each interface no other item needs; the last
 * owner, or none left at all, also takes the interface out of @localnet.
 * Failures are logged: the guard stays where route_localnet does.
 */
static void localnet_give(const struct portsetup *ps, struct portfwd_ctx *ctx,
			  const struct state *s, const bool *gone, const struct portfwd *f,
			  size_t n)
{
	char dir[PATH_MAX];

	if (!ps->paths || portsetup_localnet_dir(ps->paths, dir, sizeof(dir)) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct lxcri_error e = {};
		int r;

		if (!f[i].localnet_if[0] || seen_localnet(f, i) ||
		    forward_needs(s, gone, f[i].localnet_if, false))
			continue;
		r = localnet_release(dir, f[i].localnet_if, ps->id, &e);
		/* Nobody's record either: the acquire failed (and undid itself) or never came. */
		if (r == 0 && !localnet_recorded(dir, f[i].localnet_if))
			r = 1;
		if (r > 0 && ctx)
			r = portfwd_localnet_del(ctx, f[i].localnet_if, &e);
		if (r < 0)
			report_error("Failed to release route_localnet of '%s': %s",
				     f[i].localnet_if, e.message);
	}
}

/* route_localnet, with its guard, on the localnet_if of each of f. */
static int localnet_take(const struct portsetup *ps, const struct portfwd *f, size_t n,
			 struct lxcri_error *err)
{
	char dir[PATH_MAX];
	int r;

	if (!ps->paths || portsetup_localnet_dir(ps->paths, dir, sizeof(dir)) < 0)
		return error_set(err, -EINVAL, "No run directory for the route_localnet records");
	for (size_t i = 0; i < n; i++) {
		if (!f[i].localnet_if[0] || seen_localnet(f, i))
			continue;
		r = localnet_acquire(dir, f[i].localnet_if, ps->id, err);
		if (r < 0)
			return error_set(err, r, "port%u: %s", f[i].index, err->message);
	}
	return 0;
}

/* Records the waits (their items, saved with the rest) before anything is applied. */
static int record_waits(const struct portsetup *ps, struct state *s,
			const struct portwait_item *waits, size_t n, struct lxcri_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *data = portwait_item_to_json(&waits[i]);
		int r;

		if (!data)
			return error_oom(err);
		r = state_item_add(s, PORTWAIT_KIND, ps->hook ? ps->hook : "start-host", data,
				   NULL);
		if (r < 0)
			return error_set_errno(err, r, "Failed to record '%s'", PORTWAIT_KIND);
	}
	return 0;
}

/* The waiter for the waits of s; a failure to start it fails them, not the start. */
static void start_waiter(const struct portsetup *ps, struct state *s,
			 const struct portwait_item *waits, size_t n)
{
	struct lxcri_error e = {};

	for (size_t i = 0; i < n; i++)
		report_info("port%u: waiting up to %u s for an address on '%s'", waits[i].port,
			    ps->wait_ms / 1000, waits[i].ifname);
	if (n == 0 || portwait_spawn(ps, s, &e) >= 0)
		return;
	report_error("Failed to wait for the addresses of the forwards: %s", e.message);
	for (size_t i = 0; i < s->n_items; i++) {
		struct portwait_item w;
		struct json_object *data;

		if (strcmp(s->items[i].kind, PORTWAIT_KIND) != 0 ||
		    portwait_item_from_json(s->items[i].data, &w, &(struct lxcri_error){}) < 0)
			continue;
		w.failed = true;
		snprintf(w.reason, sizeof(w.reason), "%s", e.message);
		data = portwait_item_to_json(&w);
		if (data) {
			json_object_put(s->items[i].data);
			s->items[i].data = data;
		}
	}
	(void)state_save(ps->state_dir, s, &e);
}

static int apply_ports(const struct portsetup *ps, const struct config *c,
		       const struct config_port *ports, size_t n, struct state *s,
		       struct lxcri_error *err)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	_cleanup_free_ struct portfwd *fwds = NULL;
	_cleanup_free_ struct portwait_item *waits = NULL;
	struct lxcri_error ignored = {};
	size_t count = 0, first = s->n_items, n_waits = 0;
	char what[160];
	int r;

	if (n == 0)
		return 0;
	if (ps->wait_ms > 0) {
		waits = calloc(n, sizeof(*waits));
		if (!waits)
			return error_oom(err);
	}
	r = resolve_all(ps, c, ports, n, &fwds, &count, waits, &n_waits,
			state_now_ms() + (int64_t)ps->wait_ms, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct json_object *data = portfwd_to_json(&fwds[i]);
		size_t index;

		if (!data || json_add(data, "port", json_object_new_int((int)fwds[i].index)) < 0 ||
		    json_add_string(data, "table", table_of(ps)) < 0) {
			json_object_put(data);
			forget_items(ps, s, first);
			return error_oom(err);
		}
		r = state_item_add(s, KIND_FWD, ps->hook ? ps->hook : "start-host", data, &index);
		if (r < 0) {
			forget_items(ps, s, first);
			return error_set_errno(err, r, "Failed to record '%s'", KIND_FWD);
		}
	}
	r = record_waits(ps, s, waits, n_waits, err);
	if (r < 0) {
		forget_items(ps, s, first);
		return r;
	}
	r = state_save(ps->state_dir, s, err);
	if (r >= 0 && count > 0)
		r = portfwd_open(table_of(ps), &ctx, err);
	if (r >= 0 && count > 0)
		r = portfwd_add(ctx, ps->id, fwds, count, err);
	if (r < 0) {
		/* One transaction: nothing of it is in the table. */
		forget_items(ps, s, first);
		return r;
	}
	/* Every check passed and the forwards are in: now route_localnet, guarded. */
	r = localnet_take(ps, fwds, count, err);
	if (r >= 0)
		r = fwbr_hairpin(fwds, count, s, NULL, true, err);
	if (r < 0) {
		forget_items(ps, s, first);
		fwbr_hairpin(fwds, count, s, NULL, false, &ignored);
		(void)portfwd_remove(ctx, ps->id, fwds, count, &ignored);
		localnet_give(ps, ctx, s, NULL, fwds, count);
		return r;
	}
	for (size_t i = first; i < s->n_items; i++)
		if (strcmp(s->items[i].kind, KIND_FWD) == 0)
			state_item_set_applied(s, i);
	r = state_save(ps->state_dir, s, err);
	for (size_t i = 0; i < count; i++) {
		describe(&fwds[i], what, sizeof(what));
		report_info("port%u: %s", fwds[i].index, what);
	}
	if (r >= 0)
		start_waiter(ps, s, waits, n_waits);
	return r;
}

int portsetup_apply(const struct portsetup *ps, const struct config *c, struct state *s,
		    struct lxcri_error *err)
{
	return apply_ports(ps, c, c->port.ports, c->port.n_ports, s, err);
}

int portsetup_apply_port(const struct portsetup *ps, const struct config *c,
			 const struct config_port *port, struct state *s, struct lxcri_error *err)
{
	return apply_ports(ps, c, port, 1, s, err);
}

static bool item_matches(const struct portfwd *f, int proto, uint16_t host_port)
{
	return proto <= 0 ||
	       (f->proto == proto && f->host_first <= host_port && host_port <= f->host_last);
}

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
	_cleanup_free_ bool *gone = calloc(s->n_items + 1, sizeof(*gone));
	const char *table = NULL;
	size_t count = 0, left = 0, removed = 0;
	char what[160];
	int r;

	if (!fwds || !gone) {
		error_oom(err);
		return s->n_items;
	}
	for (size_t i = 0; i < s->n_items; i++) {
		struct lxcri_error e = {};
		struct portwait_item w;
		struct portfwd f;

		if (!portsetup_item_kind(s->items[i].kind))
			continue;
		/* A forward still waiting for its address: nothing applied, only the item goes. */
		if (strcmp(s->items[i].kind, PORTWAIT_KIND) == 0) {
			if (portwait_item_from_json(s->items[i].data, &w, &e) < 0 || proto <= 0 ||
			    (w.proto == proto && w.host_first <= host_port &&
			     host_port <= w.host_last))
				gone[i] = true;
			continue;
		}
		if (item_forward(&s->items[i], &f, &e) < 0) {
			report_error("Cannot undo '%s': %s", s->items[i].kind, e.message);
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
		fwds[count++] = f;
		gone[i] = true;
	}
	if (count > 0) {
		fwbr_hairpin(fwds, count, s, gone, false, err);
		r = portfwd_open(table, &ctx, err);
		if (r >= 0)
			r = portfwd_remove(ctx, ps->id, fwds, count, err);
		if (r < 0)
			return left + count;
	}
	/* Before the items go: a crash in between releases again, which is harmless. */
	localnet_give(ps, ctx, s, gone, fwds, count);
	for (size_t i = 0; i < count; i++) {
		describe(&fwds[i], what, sizeof(what));
		report_info("port%u: removed %s", fwds[i].index, what);
	}
	for (size_t i = s->n_items; i-- > 0;)
		if (gone[i]) {
			state_item_remove(s, i);
			removed++;
		}
	if (removed > 0 && state_save(ps->state_dir, s, err) < 0)
		return left + removed;
	return left;
}

int portsetup_recorded(const struct state *s, struct portfwd **ret, size_t *ret_n,
		       struct lxcri_error *err)
{
	_cleanup_free_ struct portfwd *fwds = calloc(s->n_items + 1, sizeof(*fwds));
	size_t count = 0;

	if (!fwds)
		return error_oom(err);
	for (size_t i = 0; i < s->n_items; i++) {
		if (strcmp(s->items[i].kind, KIND_FWD) != 0)
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
