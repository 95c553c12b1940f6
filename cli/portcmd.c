/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri port ...`: see portcmd.h. */
#include <json-c/json.h>

#include "cli/portcmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/shared/json.h"
#include "lib/basic/cleanup.h"
#include "lib/config/configedit.h"
#include "cli/ct.h"
#include "cli/livechange.h"
#include "lib/port/localnet.h"
#include "lib/basic/log.h"
#include "lib/basic/ip.h"
#include "lib/basic/escape.h"
#include "lib/port/portfwd.h"
#include "lib/port/portsetup.h"
#include "lib/port/portwait.h"
#include "cli/status.h"
#include "cli/cli.h"
#include "lib/basic/parse.h"

#define LIVE_HOOK "lxcri port"

/* The change: add value, or remove the port of proto host_port. */
struct port_change {
	const char *value; /* add */
	int proto;	   /* del */
	uint16_t host_port;
};

static int edit_add(void *ctx, const char *path, const char *text, size_t size, int index,
		    struct configedit_result *ret, struct lxcri_error *err)
{
	const struct port_change *c = ctx;

	return configedit_port_add(
	    path, text, size, index < 0 ? CONFIGEDIT_LOWEST : (unsigned)index, c->value, ret, err);
}

static int edit_del(void *ctx, const char *path, const char *text, size_t size, int index,
		    struct configedit_result *ret, struct lxcri_error *err)
{
	const struct port_change *c = ctx;

	(void)index;
	return configedit_port_del(path, text, size, c->proto, c->host_port, ret, err);
}

static void describe_add(void *ctx, const struct livechange *lc, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, "port%u", lc->edit.index);
}

static void describe_del(void *ctx, const struct livechange *lc, char *buf, size_t size)
{
	const struct port_change *c = ctx;

	(void)lc;
	snprintf(buf, size, "'%s %u'", ip_proto_name(c->proto), c->host_port);
}

/* Whether s records a forward of proto host_port. */
static bool state_has_port(const struct state *s, int proto, uint16_t host_port)
{
	_cleanup_free_ struct portfwd *fwds = NULL;
	struct lxcri_error ignored = {};
	size_t n = 0;

	if (!s || portsetup_recorded(s, &fwds, &n, &ignored) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fwds[i].proto == proto && fwds[i].host_first <= host_port &&
		    host_port <= fwds[i].host_last)
			return true;
	return false;
}

static bool applied(void *ctx, const struct livechange *lc)
{
	const struct port_change *c = ctx;

	return state_has_port(lc->live.state, c->proto, c->host_port);
}

static struct portsetup live_portsetup(const struct livechange *lc)
{
	return (struct portsetup){
		.id = lc->id,
		.pid = lc->pid,
		.state_dir = lc->files.state_dir,
		.settings = &lc->live.settings,
		.paths = lc->paths,
		.hook = LIVE_HOOK,
	};
}

/* The port the config got (the nets it runs with are the snapshot's). */
static const struct config_port *added_port(const struct livechange *lc)
{
	for (size_t i = 0; i < lc->edit.config->port.n_ports; i++)
		if (lc->edit.config->port.ports[i].index == lc->edit.index)
			return &lc->edit.config->port.ports[i];
	return NULL;
}

static int apply_add(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	struct portsetup ps = live_portsetup(lc);
	const struct config_port *port = added_port(lc);

	(void)ctx;
	if (!port)
		return error_set(err, -ENOENT, "port%u is not in the config", lc->edit.index);
	return portsetup_apply_port(&ps, lc->now->config, port, lc->live.state, err);
}

static int undo_add(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	struct portsetup ps = live_portsetup(lc);
	const struct config_port *port = added_port(lc);

	(void)ctx;
	if (!port)
		return 0;
	return portsetup_teardown(&ps, lc->live.state, port->proto, port->host_first, err) > 0
		   ? -EIO
		   : 0;
}

static int apply_del(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	const struct port_change *c = ctx;
	struct portsetup ps = live_portsetup(lc);

	return portsetup_teardown(&ps, lc->live.state, c->proto, c->host_port, err) > 0 ? -EIO : 0;
}

static void change_result(const struct livechange_result *r, struct portcmd_change *ret)
{
	*ret = (struct portcmd_change){
		.index = r->index,
		.live = r->live,
		.was_applied = r->was_applied,
	};
	snprintf(ret->file, sizeof(ret->file), "%s", r->file);
}

int portcmd_add(const struct lxcri_paths *p, const char *id, const char *value,
		struct portcmd_change *ret, struct lxcri_error *err)
{
	static const struct livechange_ops ops = {
		.verb = "port add",
		.edit = edit_add,
		.describe = describe_add,
		.apply = apply_add,
		.undo = undo_add,
	};
	struct port_change c = { .value = value };
	struct livechange_result result;
	int r = livechange_run(p, id, &ops, &c, &result, err);

	change_result(&result, ret);
	return r;
}

int portcmd_del(const struct lxcri_paths *p, const char *id, int proto, uint16_t host_port,
		struct portcmd_change *ret, struct lxcri_error *err)
{
	static const struct livechange_ops ops = {
		.verb = "port del",
		.removal = true,
		.edit = edit_del,
		.describe = describe_del,
		.applied = applied,
		.apply = apply_del,
	};
	struct port_change c = { .proto = proto, .host_port = host_port };
	struct livechange_result result;
	int r = livechange_run(p, id, &ops, &c, &result, err);

	change_result(&result, ret);
	return r;
}

/* The packets and bytes of the elements of f in the table for owner, summed. */
struct port_counts {
	uint64_t packets, bytes;
	bool counted; /* every element has a counter */
};

/* Whether every host port of f is in the table for owner; their counts added to c. */
static bool in_table(const struct portfwd_entry *entries, size_t n, const char *owner,
		     const struct portfwd *f, struct port_counts *c)
{
	bool all = true;

	for (unsigned port = f->host_first; port <= f->host_last; port++) {
		const struct portfwd_entry *found = NULL;

		for (size_t i = 0; i < n && !found; i++) {
			const struct portfwd *e = &entries[i].fwd;

			if (strcmp(entries[i].owner, owner) == 0 && e->family == f->family &&
			    e->proto == f->proto && e->host_first == port &&
			    e->has_hostip == f->has_hostip &&
			    (!f->has_hostip || ip_address_equal(&e->hostip, &f->hostip)))
				found = &entries[i];
		}
		all = all && found;
		if (c && found) {
			c->packets += found->packets;
			c->bytes += found->bytes;
			c->counted = c->counted && found->counted;
		}
	}
	return all;
}

/*
 * What the running container has of port: "status" active|pending|failed
 * (null: not applied), "ifname" and "until" while pending, "reason" when
 * failed (lib/port/portwait.h).
 */
static void add_runtime_status(struct json_object *o, const struct config_port *port,
			       const struct state *s)
{
	_cleanup_json_ struct json_object *ports = s ? portwait_ports_status(s) : NULL;
	static const char *const keys[] = { "status", "ifname", "until", "reason" };
	struct json_object *match = NULL, *v;

	for (size_t i = 0; ports && i < json_object_array_length(ports) && !match; i++) {
		struct json_object *e = json_object_array_get_idx(ports, i);

		if (json_object_object_get_ex(e, "port", &v) &&
		    (unsigned)json_object_get_int(v) == port->index)
			match = e;
	}
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		json_object_object_add(o, keys[i],
				       match && json_object_object_get_ex(match, keys[i], &v)
					   ? json_object_get(v)
					   : NULL);
}

static struct json_object *port_json(const char *id, const struct config_port *port,
				     const struct state *s, const struct portfwd_entry *entries,
				     size_t n_entries)
{
	_cleanup_free_ struct portfwd *fwds = NULL;
	struct json_object *o = json_object_new_object(), *forwards = json_object_new_array();
	struct lxcri_error ignored = {};
	char buf[INET6_ADDRSTRLEN + 16];
	size_t n = 0;

	if (!o || !forwards) {
		json_object_put(o);
		json_object_put(forwards);
		return NULL;
	}
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "port", json_object_new_int((int)port->index));
	json_object_object_add(o, "proto", json_object_new_string(ip_proto_name(port->proto)));
	portfwd_range_string(port->host_first, port->host_last, buf, sizeof(buf));
	json_object_object_add(o, "host", json_object_new_string(buf));
	portfwd_range_string(port->ct_first, port->ct_last, buf, sizeof(buf));
	json_object_object_add(o, "ct", json_object_new_string(buf));
	if (port->has_hostip)
		inet_ntop(port->hostip.family, &port->hostip.in6, buf, sizeof(buf));
	json_object_object_add(o, "hostip", port->has_hostip ? json_object_new_string(buf) : NULL);
	json_object_object_add(o, "net", port->net[0] ? json_object_new_string(port->net) : NULL);
	struct port_counts total = { .counted = true };
	bool any = false;

	if (s && portsetup_recorded(s, &fwds, &n, &ignored) >= 0)
		for (size_t i = 0; i < n; i++) {
			struct port_counts c = { .counted = true };
			struct json_object *fo;
			bool found;

			if (fwds[i].index != port->index || fwds[i].proto != port->proto ||
			    fwds[i].host_first != port->host_first)
				continue;
			fo = json_object_new_object();
			json_object_object_add(
			    fo, "family",
			    json_object_new_string(fwds[i].family == AF_INET ? "ipv4" : "ipv6"));
			inet_ntop(fwds[i].family, &fwds[i].target.in6, buf, sizeof(buf));
			json_object_object_add(fo, "target", json_object_new_string(buf));
			found = in_table(entries, n_entries, id, &fwds[i], &c);
			json_object_object_add(fo, "in_table", json_object_new_boolean(found));
			json_object_object_add(
			    fo, "packets", c.counted ? json_object_new_uint64(c.packets) : NULL);
			json_object_object_add(fo, "bytes",
					       c.counted ? json_object_new_uint64(c.bytes) : NULL);
			json_object_array_add(forwards, fo);
			total.packets += c.packets;
			total.bytes += c.bytes;
			total.counted = total.counted && c.counted;
			any = true;
		}
	json_object_object_add(o, "forwards", forwards);
	/* Of every forward of the port (IPv4 and IPv6): null when none is applied or counted. */
	json_object_object_add(o, "packets",
			       any && total.counted ? json_object_new_uint64(total.packets) : NULL);
	json_object_object_add(o, "bytes",
			       any && total.counted ? json_object_new_uint64(total.bytes) : NULL);
	add_runtime_status(o, port, s);
	return o;
}

int portcmd_list(const struct lxcri_paths *p, const char *id, struct json_object **ret,
		 struct lxcri_error *err)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	_cleanup_free_ struct portfwd_entry *entries = NULL;
	_cleanup_json_ struct json_object *all = json_object_new_array();
	struct ct_status *cts = NULL;
	struct settings settings;
	size_t n_cts = 0, n_entries = 0;
	int r;

	if (!all)
		return error_oom(err);
	if (id && !paths_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	r = settings_load_host(p, &settings, err);
	if (r >= 0)
		r = portfwd_open(settings.port_table, &ctx, err);
	if (r >= 0)
		r = portfwd_list(ctx, &entries, &n_entries, err);
	if (r < 0)
		return r;
	r = status_collect(p, id, &cts, &n_cts);
	if (r < 0)
		return error_set_errno(err, r, "Failed to list the containers");
	for (size_t i = 0; i < n_cts; i++) {
		_cleanup_config_ struct config *c = NULL;
		struct lxcri_error e = {};

		if (!cts[i].configured || config_load(cts[i].config_path, &c, &e) < 0)
			continue;
		for (size_t j = 0; j < c->port.n_ports; j++)
			json_object_array_add(all, port_json(cts[i].id, &c->port.ports[j],
							     cts[i].state, entries, n_entries));
	}
	status_free(cts, n_cts);
	*ret = TAKE_PTR(all);
	return 0;
}

/* The containers whose state records forwards: ids, whether they run, their forwards. */
struct recorded {
	char id[65];
	bool running;
	struct portfwd *fwds;
	size_t n;
};

static void recorded_free(struct recorded *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		free(r[i].fwds);
	free(r);
}

static int collect_recorded(const struct lxcri_paths *p, struct recorded **ret, size_t *ret_n,
			    struct lxcri_error *err)
{
	struct ct_status *cts = NULL;
	struct recorded *out;
	size_t n_cts = 0, n = 0;
	int r = status_collect(p, NULL, &cts, &n_cts);

	if (r < 0)
		return error_set_errno(err, r, "Failed to list the containers");
	out = calloc(n_cts + 1, sizeof(*out));
	if (!out) {
		status_free(cts, n_cts);
		return error_oom(err);
	}
	for (size_t i = 0; i < n_cts; i++) {
		struct lxcri_error e = {};
		struct ct_lxc lxc;

		if (!cts[i].state ||
		    portsetup_recorded(cts[i].state, &out[n].fwds, &out[n].n, &e) < 0)
			continue;
		if (out[n].n == 0) {
			free(out[n].fwds);
			out[n].fwds = NULL;
			continue;
		}
		out[n].running = strcmp(cts[i].state->phase, "running") == 0 &&
				 status_lxc_query(p, cts[i].id, &lxc, &e) >= 0 &&
				 status_lxc_running(&lxc);
		snprintf(out[n].id, sizeof(out[n].id), "%s", cts[i].id);
		n++;
	}
	status_free(cts, n_cts);
	*ret = out;
	*ret_n = n;
	return 0;
}

static const struct recorded *recorded_of(const struct recorded *rec, size_t n, const char *owner)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rec[i].id, owner) == 0)
			return &rec[i];
	return NULL;
}

static bool running_has(const struct recorded *rec, size_t n, const char *owner)
{
	const struct recorded *r = recorded_of(rec, n, owner);
	return r && r->running;
}

/* Whether the state of the element's owner records a forward that covers it. */
static bool element_owned(const struct recorded *rec, size_t n, const struct portfwd_entry *e)
{
	const struct recorded *r = recorded_of(rec, n, e->owner);

	for (size_t i = 0; r && i < r->n; i++) {
		const struct portfwd *f = &r->fwds[i];

		if (f->family == e->fwd.family && f->proto == e->fwd.proto &&
		    f->has_hostip == e->fwd.has_hostip &&
		    (!f->has_hostip || ip_address_equal(&f->hostip, &e->fwd.hostip)) &&
		    f->host_first <= e->fwd.host_first && e->fwd.host_first <= f->host_last)
			return true;
	}
	return false;
}

/* Whether a running container records a forward through ifname (route_localnet's owner). */
static bool localnet_owned(const struct recorded *rec, size_t n, const char *owner,
			   const char *ifname)
{
	const struct recorded *r = recorded_of(rec, n, owner);

	for (size_t i = 0; r && r->running && i < r->n; i++)
		if (strcmp(r->fwds[i].localnet_if, ifname) == 0)
			return true;
	return false;
}

/* route_localnet with its guard for the forwards of a running container. */
static int localnet_take(const char *dir, const struct recorded *r, struct lxcri_error *err)
{
	for (size_t i = 0; i < r->n; i++) {
		bool seen = !r->fwds[i].localnet_if[0];

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(r->fwds[j].localnet_if, r->fwds[i].localnet_if) == 0;
		int e = seen ? 0 : localnet_acquire(dir, r->fwds[i].localnet_if, r->id, err);

		if (e < 0)
			return e;
	}
	return 0;
}

/*
 * Records of route_localnet whose owners no longer need it (a crash, a lost
 * state): released, so that route_localnet goes back with the guard.
 */
static int localnet_prune(const char *dir, struct portfwd_ctx *ctx, const struct recorded *rec,
			  size_t n_rec, struct lxcri_error *err)
{
	struct localnet_record *recs = NULL;
	size_t n = 0;
	int r = localnet_records(dir, &recs, &n, err);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		size_t kept = recs[i].n_owners;
		int released = 0;

		for (size_t j = 0; released >= 0 && j < recs[i].n_owners; j++)
			if (!localnet_owned(rec, n_rec, recs[i].owners[j], recs[i].ifname)) {
				kept--;
				released =
				    localnet_release(dir, recs[i].ifname, recs[i].owners[j], err);
			}
		if (released >= 0 && recs[i].n_owners == 0)
			released = localnet_release(dir, recs[i].ifname, NULL, err);
		if (released > 0 && kept == 0)
			released = portfwd_localnet_del(ctx, recs[i].ifname, err);
		if (released < 0)
			r = released;
	}
	localnet_records_free(recs, n);
	return r;
}

int portcmd_sync(const struct lxcri_paths *p, struct portcmd_sync_result *ret,
		 struct lxcri_error *err)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	_cleanup_free_ struct portfwd_entry *entries = NULL;
	struct recorded *rec = NULL;
	struct settings settings;
	size_t n_rec = 0, n_entries = 0, running = 0;
	char dir[PATH_MAX];
	int r;

	*ret = (struct portcmd_sync_result){};
	r = portsetup_localnet_dir(p, dir, sizeof(dir));
	if (r < 0)
		return error_set(err, r, "Path too long: '%s'", p->run_dir);
	r = settings_load_host(p, &settings, err);
	if (r >= 0)
		r = portfwd_open(settings.port_table, &ctx, err);
	if (r >= 0)
		r = collect_recorded(p, &rec, &n_rec, err);
	for (size_t i = 0; r >= 0 && i < n_rec; i++)
		running += rec[i].running;
	/* Chains emptied by hand first: adds only make the chains that do not exist. */
	if (r >= 0 && running > 0)
		r = portfwd_repair(ctx, err);
	if (r < 0) {
		recorded_free(rec, n_rec);
		return r;
	}
	for (size_t i = 0; i < n_rec; i++) {
		struct lxcri_error e = {};

		if (!rec[i].running)
			continue;
		if (portfwd_add(ctx, rec[i].id, rec[i].fwds, rec[i].n, &e) < 0 ||
		    localnet_take(dir, &rec[i], &e) < 0) {
			log_error("CT %s: port sync failed: %s", rec[i].id, e.message);
			if (ret->failed++ == 0)
				error_set(err, e.code, "Container '%s': %s", rec[i].id, e.message);
			continue;
		}
		ret->containers++;
		ret->forwards += rec[i].n;
	}
	/* Elements of containers that no longer run (a crash without teardown). */
	r = portfwd_list(ctx, &entries, &n_entries, err);
	for (size_t i = 0; r >= 0 && i < n_entries; i++) {
		bool seen = running_has(rec, n_rec, entries[i].owner);

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(entries[j].owner, entries[i].owner) == 0;
		if (seen)
			continue;
		int removed = portfwd_remove_owner(ctx, entries[i].owner, err);
		if (removed < 0)
			r = removed;
		else
			ret->removed += (size_t)removed;
	}
	if (r >= 0)
		r = localnet_prune(dir, ctx, rec, n_rec, err);
	recorded_free(rec, n_rec);
	if (r < 0)
		return r;
	return ret->failed > 0 ? -EIO : 0;
}

/* "'101' tcp 8080, '102' udp 53 and N more" into buf. */
static void name_elements(const struct portfwd_entry *e, const bool *pick, size_t n, char *buf,
			  size_t size)
{
	size_t shown = 0, total = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char host[128], escaped[ESCAPE_BUFSIZE];
		size_t len = strlen(buf);

		if (!pick[i])
			continue;
		if (total++ >= 3)
			continue;
		portfwd_host_string(&e[i].fwd, host, sizeof(host));
		snprintf(buf + len, size - len, "%s'%s' %s", shown++ ? ", " : "",
			 escape_for_message(e[i].owner, escaped, sizeof(escaped)), host);
	}
	if (total > shown) {
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, " and %zu more", total - shown);
	}
}

int portcmd_drift(const struct lxcri_paths *p, char *detail, size_t size,
		  struct portfwd_entry **ret_entries, size_t *ret_n)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	_cleanup_free_ struct portfwd_entry *entries = NULL;
	_cleanup_free_ bool *ownerless = NULL;
	struct lxcri_error err = {};
	struct recorded *rec = NULL;
	struct settings settings;
	size_t n_rec = 0, n_entries = 0, missing = 0, stray = 0, n_ownerless = 0, running = 0;
	char names[256];
	int complete, r;

	r = settings_load_host(p, &settings, &err);
	if (r >= 0)
		r = portfwd_open(settings.port_table, &ctx, &err);
	if (r >= 0)
		r = collect_recorded(p, &rec, &n_rec, &err);
	if (r < 0) {
		snprintf(detail, size, "%s", err.message);
		return r;
	}
	complete = portfwd_table_complete(ctx, &err);
	r = complete < 0 ? complete : portfwd_list(ctx, &entries, &n_entries, &err);
	if (r >= 0) {
		ownerless = calloc(n_entries + 1, sizeof(*ownerless));
		if (!ownerless)
			r = error_set(&err, -ENOMEM, "Out of memory");
	}
	if (r < 0) {
		recorded_free(rec, n_rec);
		snprintf(detail, size, "%s", err.message);
		return r;
	}
	for (size_t i = 0; i < n_rec; i++) {
		running += rec[i].running;
		for (size_t j = 0; rec[i].running && j < rec[i].n; j++)
			missing += !in_table(entries, n_entries, rec[i].id, &rec[i].fwds[j], NULL);
	}
	for (size_t i = 0; i < n_entries; i++) {
		ownerless[i] = !element_owned(rec, n_rec, &entries[i]);
		n_ownerless += ownerless[i];
		stray += !ownerless[i] && !running_has(rec, n_rec, entries[i].owner);
	}
	recorded_free(rec, n_rec);
	name_elements(entries, ownerless, n_entries, names, sizeof(names));
	if (ret_entries) {
		*ret_entries = TAKE_PTR(entries);
		*ret_n = n_entries;
	}
	if (complete == 0 && running == 0 && n_entries == 0) {
		snprintf(detail, size, "no forwards (table '%s' not made yet)",
			 settings.port_table);
		return 0;
	}
	if (complete == 0 || missing > 0 || stray > 0 || n_ownerless > 0) {
		snprintf(detail, size,
			 "table inet %s %s; %zu recorded forward(s) missing, %zu element(s) of "
			 "containers that do not run, %zu element(s) without an owner (no "
			 "container records them)%s%s",
			 settings.port_table, complete ? "complete" : "missing or incomplete",
			 missing, stray, n_ownerless, n_ownerless ? ": " : "", names);
		return 1;
	}
	snprintf(detail, size, "table inet %s matches the %zu running container(s) with forwards",
		 settings.port_table, running);
	return 0;
}

/* Appends "'name'" (or "'name' for 'owner'", "'name' (what)") to buf, the first four of them. */
static void append_name(char *buf, size_t size, size_t index, const char *name, const char *owner)
{
	size_t len = strlen(buf);

	if (index >= 4) {
		if (index == 4)
			snprintf(buf + len, size - len, ", ...");
		return;
	}
	if (!owner)
		snprintf(buf + len, size - len, "%s'%s'", index ? ", " : "", name);
	else if (strchr(owner, ' '))
		snprintf(buf + len, size - len, "%s'%s' (%s)", index ? ", " : "", name, owner);
	else
		snprintf(buf + len, size - len, "%s'%s' for '%s'", index ? ", " : "", name, owner);
}

int portcmd_localnet_check(const struct lxcri_paths *p, char *detail, size_t size)
{
	struct localnet_record *recs = NULL;
	struct localnet_on *on = NULL;
	struct recorded *rec = NULL;
	struct lxcri_error err = {};
	size_t n_recs = 0, n_on = 0, n_rec = 0, ours = 0, others = 0, stale = 0, guarded = 0;
	char dir[PATH_MAX], bad[256] = "", foreign[256] = "", kept[256] = "";
	bool owners = false;
	int r;

	r = portsetup_localnet_dir(p, dir, sizeof(dir));
	if (r < 0)
		r = error_set(&err, r, "Path too long: '%s'", p->run_dir);
	if (r >= 0)
		r = localnet_scan(&on, &n_on, &err);
	if (r >= 0)
		r = localnet_records(dir, &recs, &n_recs, &err);
	for (size_t i = 0; r >= 0 && i < n_recs; i++)
		owners |= recs[i].n_owners > 0;
	/* Which containers run costs an lxc-info each: only when there is something to compare. */
	if (r >= 0 && owners)
		r = collect_recorded(p, &rec, &n_rec, &err);
	for (size_t i = 0; r >= 0 && i < n_on; i++) {
		bool recorded = false;

		for (size_t j = 0; j < n_recs && !recorded; j++)
			recorded = strcmp(recs[j].ifname, on[i].ifname) == 0;
		if (on[i].guarded)
			guarded++;
		else if (recorded)
			append_name(bad, sizeof(bad), ours++, on[i].ifname, NULL);
		else
			append_name(foreign, sizeof(foreign), others++, on[i].ifname,
				    strcmp(on[i].ifname, "all") == 0 ? "every interface" : NULL);
	}
	for (size_t i = 0; r >= 0 && i < n_recs; i++)
		for (size_t j = 0; j < recs[i].n_owners; j++)
			if (!localnet_owned(rec, n_rec, recs[i].owners[j], recs[i].ifname))
				append_name(kept, sizeof(kept), stale++, recs[i].ifname,
					    recs[i].owners[j]);
	localnet_records_free(recs, n_recs);
	recorded_free(rec, n_rec);
	free(on);
	if (r < 0) {
		snprintf(detail, size, "%s", err.message);
		return r;
	}
	if (ours > 0 || others > 0) {
		snprintf(
		    detail, size,
		    "route_localnet=1 without its guard on %s%s%s%s%s: neighbours there reach the "
		    "host's 127.0.0.1 services",
		    ours ? bad : "", ours ? " (set by lxcri)" : "", ours && others ? ", " : "",
		    others ? foreign : "", others ? " (not set by lxcri)" : "");
		return ours > 0 ? 2 : 1;
	}
	if (stale > 0) {
		snprintf(
		    detail, size,
		    "route_localnet kept (guarded) for %zu container(s) that no longer need it: "
		    "%s",
		    stale, kept);
		return 1;
	}
	snprintf(detail, size, "route_localnet=1 on %zu interface(s), each with its guard",
		 guarded);
	return 0;
}

/* lxcri port add|del|list|sync ... */

/* tcp|udp, else 0. */
static int parse_proto(const char *s)
{
	return strcmp(s, "tcp") == 0 ? IPPROTO_TCP : strcmp(s, "udp") == 0 ? IPPROTO_UDP : 0;
}

/* The exit code of a port change: the config's fault (3) or the operation's (1). */
static int port_exit_code(int r)
{
	return r == -EINVAL || r == -EEXIST || r == -ENOENT || r == -EFBIG ? EXIT_INVALID
									   : EXIT_FAILED;
}

static void print_port_change(const struct cli *cli, const char *id, const char *what, bool add,
			      const struct portcmd_change *ch)
{
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "file", json_object_new_string(ch->file));
		json_object_object_add(o, "port", json_object_new_int((int)ch->index));
		json_object_object_add(o, "forward", json_object_new_string(what));
		json_object_object_add(o, "live", json_object_new_boolean(ch->live));
		cli_print_json(cli, o);
	} else if (ch->live) {
		printf("port%u (%s) %s '%s' and the running container '%s'\n", ch->index, what,
		       add ? "added to" : "removed from", ch->file, id);
	} else {
		printf("port%u (%s) %s '%s'; container '%s' is not running: the change takes "
		       "effect at its next start\n",
		       ch->index, what, add ? "added to" : "removed from", ch->file, id);
	}
}

/* lxcri port add <id> <tcp|udp> <host port[-last]> <ct port[-last]> [--host-ip IP] [--net NAME] */
int portcmd_do_add(struct cli *cli)
{
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char value[512], what[128];
	const char *id;
	int r;

	if (cli->argc != 4 || !parse_proto(cli->argv[1]))
		return cli_usage_error("%s",
				       "usage: lxcri port add <id> <tcp|udp> <host port[-last]> "
				       "<ct port[-last]> [--host-ip IP] [--net NAME]");
	id = cli->argv[0];
	snprintf(value, sizeof(value), "proto=%s,host=%s,ct=%s%s%s%s%s", cli->argv[1], cli->argv[2],
		 cli->argv[3], cli->host_ip ? ",hostip=" : "", cli->host_ip ? cli->host_ip : "",
		 cli->net ? ",net=" : "", cli->net ? cli->net : "");
	snprintf(what, sizeof(what), "%s %s%s%s -> %s", cli->argv[1],
		 cli->host_ip ? cli->host_ip : "", cli->host_ip ? ":" : "", cli->argv[2],
		 cli->argv[3]);
	log_setup("lxcri", paths_id_valid(id) ? id : NULL);
	log_set_stderr(false);
	r = portcmd_add(&cli->paths, id, value, &ch, &err);
	if (r < 0)
		return cli_report_failure(port_exit_code(r), "%s", err.message);
	print_port_change(cli, id, what, true, &ch);
	return EXIT_OK;
}

/* lxcri port del <id> <tcp|udp> <host port> */
int portcmd_do_del(struct cli *cli)
{
	struct portcmd_change ch;
	struct lxcri_error err = {};
	uint32_t port;
	char what[64];
	int proto, r;

	if (cli->argc != 3 || !(proto = parse_proto(cli->argv[1])))
		return cli_usage_error("%s", "usage: lxcri port del <id> <tcp|udp> <host port>");
	if (parse_uint32(cli->argv[2], 1, 65535, &port) < 0)
		return cli_usage_error("Invalid host port '%s': expected 1 to 65535", cli->argv[2]);
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = portcmd_del(&cli->paths, cli->argv[0], proto, (uint16_t)port, &ch, &err);
	if (r < 0)
		return cli_report_failure(port_exit_code(r), "%s", err.message);
	snprintf(what, sizeof(what), "%s %u", cli->argv[1], port);
	print_port_change(cli, cli->argv[0], what, false, &ch);
	return EXIT_OK;
}

/* The counter key of o as text, "-" when null. */
static const char *json_counter(struct json_object *o, const char *key, char buf[static 24])
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	snprintf(buf, 24, "%" PRIu64, json_object_get_uint64(v));
	return buf;
}

int portcmd_do_list(struct cli *cli)
{
	_cleanup_json_ struct json_object *ports = NULL;
	struct lxcri_error err = {};
	size_t n;

	if (cli->argc > 1)
		return cli_usage_error("%s", "usage: lxcri port list [<id>]");
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	if (portcmd_list(&cli->paths, cli->argc ? cli->argv[0] : NULL, &ports, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT) {
		cli_print_json(cli, ports);
		return EXIT_OK;
	}
	n = json_object_array_length(ports);
	if (n == 0) {
		printf("No port forwards.\n");
		return EXIT_OK;
	}
	printf("%-12s %-7s %-5s %-28s %-12s %10s %12s  %s\n", "CT", "KEY", "PROTO", "HOST",
	       "CT PORT", "PACKETS", "BYTES", "FORWARDED TO");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(ports, i), *fw;
		const char *hostip = cli_json_string_of(o, "hostip");
		char host[96], key[16], to[1500] = "", packets[24], bytes[24];
		size_t len = 0;

		snprintf(host, sizeof(host), "%s%s%s", hostip ? hostip : "*", ":",
			 cli_json_string_of(o, "host"));
		snprintf(key, sizeof(key), "port%d", cli_json_int_of(o, "port"));
		json_object_object_get_ex(o, "forwards", &fw);
		for (size_t j = 0; fw && j < json_object_array_length(fw) && len < sizeof(to);
		     j++) {
			struct json_object *f = json_object_array_get_idx(fw, j);
			int w = snprintf(
			    to + len, sizeof(to) - len, "%s%s%s", j ? ", " : "",
			    cli_json_string_of(f, "target"),
			    cli_json_bool_of(f, "in_table") ? "" : " (missing: lxcri port sync)");
			len += w > 0 ? (size_t)w : 0;
		}
		/* A forward that waits for its address, or failed: as lxcri status says it. */
		if (!to[0] && cli_json_string_of(o, "status")) {
			char line[1400];

			portwait_describe(o, line, sizeof(line));
			snprintf(to, sizeof(to), "(%s)",
				 strstr(line, ": ") ? strstr(line, ": ") + 2 : line);
		}
		printf("%-12s %-7s %-5s %-28s %-12s %10s %12s  %s\n", cli_json_string_of(o, "id"),
		       key, cli_json_string_of(o, "proto"), host, cli_json_string_of(o, "ct"),
		       json_counter(o, "packets", packets), json_counter(o, "bytes", bytes),
		       to[0] ? to : "(not applied)");
	}
	return EXIT_OK;
}

int portcmd_do_sync(struct cli *cli)
{
	struct portcmd_sync_result res;
	struct lxcri_error err = {};
	int r;

	if (cli->argc > 0)
		return cli_usage_error("'port sync' takes no argument, got '%s'", cli->argv[0]);
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	r = portcmd_sync(&cli->paths, &res, &err);
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "containers",
				       json_object_new_int64((int64_t)res.containers));
		json_object_object_add(o, "forwards", json_object_new_int64((int64_t)res.forwards));
		json_object_object_add(o, "removed", json_object_new_int64((int64_t)res.removed));
		json_object_object_add(o, "failed", json_object_new_int64((int64_t)res.failed));
		json_object_object_add(o, "error",
				       r < 0 ? json_object_new_string(err.message) : NULL);
		cli_print_json(cli, o);
	} else {
		printf("%zu forward(s) of %zu running container(s) in place; %zu stale element(s) "
		       "removed\n",
		       res.forwards, res.containers, res.removed);
	}
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "port sync: %s", err.message);
	log_info("port sync: %zu forward(s) of %zu container(s), %zu stale removed", res.forwards,
		 res.containers, res.removed);
	return EXIT_OK;
}
