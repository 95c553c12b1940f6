/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri status --cluster` and `lxcri publish`. See clusterstatus.h and lxcri(1). */
#include "cli/clusterstatus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/metricscmd.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/log.h"
#include "lib/pve/pve.h"
#include "lib/shared/json.h"

/* The first line of message, as the metrics keep a reason (metricscmd_reason_length()). */
static struct json_object *short_error(const char *message)
{
	return json_object_new_string_len(message, (int)metricscmd_reason_length(message));
}

/* What a node says of one container. */
static struct json_object *summary_entry(const struct ct_status *s)
{
	struct json_object *o = json_object_new_object(), *applied = json_object_new_object();
	const struct state *st = s->state;
	const char *error = s->config_error[0]	  ? s->config_error
			    : st && st->has_error ? st->error_message
						  : NULL;

	if (!o || !applied) {
		json_object_put(o);
		json_object_put(applied);
		return NULL;
	}
	json_object_object_add(o, "phase", json_object_new_string(st ? st->phase : "stopped"));
	json_object_object_add(o, "valid", json_object_new_boolean(s->configured && s->valid));
	for (size_t i = 0; st && i < st->n_items; i++) {
		struct json_object *v;
		int64_t count = 0;

		if (st->items[i].status != STATE_ITEM_APPLIED)
			continue;
		if (json_object_object_get_ex(applied, st->items[i].kind, &v))
			count = json_object_get_int64(v);
		json_object_object_add(applied, st->items[i].kind,
				       json_object_new_int64(count + 1));
	}
	json_object_object_add(o, "applied", applied);
	if (error)
		json_object_object_add(o, "error", short_error(error));
	return o;
}

struct json_object *clusterstatus_summary(const struct ct_status *list, size_t n, const char *node,
					  const struct pvecluster_guest *g, size_t n_g,
					  bool *truncated)
{
	struct json_object *containers = json_object_new_object();
	size_t size = 256;

	*truncated = false;
	for (size_t i = 0; containers && i < n; i++) {
		const struct pvecluster_guest *owner = pvecluster_guest_find(g, n_g, list[i].id);
		struct json_object *e;
		size_t len;

		/* vmids only: a plain LXC container is no business of the cluster's. */
		if (!paths_id_is_vmid(list[i].id) ||
		    (!list[i].state && !(owner && strcmp(owner->node, node) == 0)))
			continue;
		e = summary_entry(&list[i]);
		if (!e) {
			json_object_put(containers);
			return NULL;
		}
		len = strlen(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN)) +
		      strlen(list[i].id) + 4;
		if (size + len > PVECLUSTER_SUMMARY_MAX) {
			*truncated = true;
			json_object_put(e);
			continue;
		}
		size += len;
		json_object_object_add(containers, list[i].id, e);
	}
	return containers;
}

int clusterstatus_publish(const struct lxcri_paths *p, time_t now, enum pvecluster_published *ret,
			  struct lxcri_error *err)
{
	_cleanup_free_ struct pvecluster_guest *g = NULL;
	struct ct_status *list = NULL;
	struct json_object *containers;
	size_t n = 0, n_g = 0;
	bool truncated;
	char node[64];
	int r;

	if (!paths_pve_mode(p))
		return error_set(err, -ENOTSUP, "'%s' is not a Proxmox VE node's /etc/pve",
				 p->pve_dir);
	r = pve_node_name(p->pve_dir, node, sizeof(node));
	if (r < 0)
		return error_set_errno(err, r, "Failed to read this node's name from '%s/local'",
				       p->pve_dir);
	r = pvecluster_vmlist(p->pve_dir, &g, &n_g, err);
	if (r < 0)
		return r;
	r = status_collect(p, NULL, &list, &n);
	if (r < 0)
		return error_set_errno(err, r, "Failed to list the containers");
	containers = clusterstatus_summary(list, n, node, g, n_g, &truncated);
	status_free(list, n);
	if (!containers)
		return error_oom(err);
	/* pvecluster_publish() says PVECLUSTER_NO_QUORUM without quorum: nothing written. */
	return pvecluster_publish(p->pve_dir, node, containers, truncated, now, ret, err);
}

/* A node's summary as read: its JSON (or NULL) and what the view says of it. */
struct node_summary {
	struct json_object *root;
	const char *state; /* "current", "out-of-date", "missing", "invalid" */
	char error[sizeof(((struct lxcri_error *)NULL)->message)];
};

static void add_nullable_bool(struct json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, v < 0 ? NULL : json_object_new_boolean(v));
}

/* The entry of vmid in a node's summary, or NULL. */
static struct json_object *summary_of(const struct node_summary *s, const char *vmid)
{
	struct json_object *containers, *e;

	if (!s->root || !json_object_object_get_ex(s->root, "containers", &containers) ||
	    !json_object_object_get_ex(containers, vmid, &e) ||
	    !json_object_is_type(e, json_type_object))
		return NULL;
	return e;
}

/* Whether a summary entry has anything applied. */
static bool entry_applied(struct json_object *e)
{
	struct json_object *phase;

	return e && json_object_object_get_ex(e, "phase", &phase) &&
	       strcmp(json_object_get_string(phase), "stopped") != 0;
}

static struct json_object *container_view(const char *vmid, const struct ct_status *s,
					  const struct pvecluster_guest *owner,
					  const struct pvecluster_member *m, size_t n_m,
					  const struct node_summary *sums)
{
	struct json_object *o = json_object_new_object(), *also = json_object_new_array();
	struct json_object *e = NULL, *v;
	const char *summary = "no-owner", *status = "unknown";
	int online = -1;

	if (!o || !also) {
		json_object_put(o);
		json_object_put(also);
		return NULL;
	}
	json_object_object_add(o, "vmid", json_object_new_string(vmid));
	json_object_object_add(o, "node", owner ? json_object_new_string(owner->node) : NULL);
	for (size_t i = 0; i < n_m; i++) {
		if (owner && strcmp(m[i].name, owner->node) == 0) {
			online = m[i].online;
			e = summary_of(&sums[i], vmid);
			if (!m[i].online)
				summary = "node-offline";
			else if (!sums[i].root)
				summary = "missing";
			else if (!e)
				summary = "not-listed";
			else
				summary = sums[i].state;
		} else if (entry_applied(summary_of(&sums[i], vmid))) {
			json_object_array_add(also, json_object_new_string(m[i].name));
		}
	}
	if (owner && online < 0)
		summary = "missing";
	if (e && json_object_object_get_ex(e, "phase", &v) &&
	    json_object_is_type(v, json_type_string) && strcmp(summary, "not-listed") != 0)
		status = json_object_get_string(v);
	else if (owner && online > 0 && strcmp(summary, "not-listed") == 0)
		status = "stopped";
	add_nullable_bool(o, "node_online", online);
	add_nullable_bool(o, "config_valid", s && s->configured ? s->valid : -1);
	json_object_object_add(o, "config_error",
			       s && s->config_error[0] ? short_error(s->config_error) : NULL);
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "applied",
			       e && json_object_object_get_ex(e, "applied", &v) ? json_object_get(v)
										: NULL);
	json_object_object_add(
	    o, "error", e && json_object_object_get_ex(e, "error", &v) ? json_object_get(v) : NULL);
	json_object_object_add(o, "summary", json_object_new_string(summary));
	json_object_object_add(o, "also_on", also);
	return o;
}

static int compare_vmids(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

int clusterstatus_collect(const struct lxcri_paths *p, time_t now, struct json_object **ret,
			  struct lxcri_error *err)
{
	_cleanup_free_ struct pvecluster_guest *g = NULL;
	_cleanup_free_ struct pvecluster_member *m = NULL;
	_cleanup_json_ struct json_object *root = json_object_new_object();
	_cleanup_free_ struct node_summary *sums = NULL;
	_cleanup_free_ const char **ids = NULL;
	struct json_object *nodes = json_object_new_array(), *cts = json_object_new_array();
	struct ct_status *list = NULL;
	size_t n = 0, n_g = 0, n_m = 0, n_ids = 0, cap;
	int r;

	if (!root || !nodes || !cts) {
		json_object_put(nodes);
		json_object_put(cts);
		return error_oom(err);
	}
	json_object_object_add(root, "nodes", nodes);
	json_object_object_add(root, "containers", cts);
	if (!paths_pve_mode(p))
		return error_set(err, -ENOTSUP,
				 "'%s' is not a Proxmox VE node's /etc/pve: --cluster needs one",
				 p->pve_dir);
	r = pvecluster_members(p->pve_dir, &m, &n_m, err);
	if (r >= 0)
		r = pvecluster_vmlist(p->pve_dir, &g, &n_g, err);
	if (r < 0)
		return r;
	sums = calloc(n_m + 1, sizeof(*sums));
	if (!sums)
		return error_oom(err);
	for (size_t i = 0; i < n_m; i++) {
		struct json_object *o = json_object_new_object(), *t;
		struct lxcri_error e = { 0 };
		int64_t time = 0;

		r = pvecluster_summary_read(p->pve_dir, m[i].name, &sums[i].root, &e);
		if (r >= 0 && json_object_object_get_ex(sums[i].root, "time", &t))
			time = json_object_get_int64(t);
		sums[i].state = r == -ENOENT			    ? "missing"
				: r < 0				    ? "invalid"
				: time + PVECLUSTER_MAX_AGE_S < now ? "out-of-date"
								    : "current";
		if (r < 0 && r != -ENOENT)
			snprintf(sums[i].error, sizeof(sums[i].error), "%s", e.message);
		json_object_object_add(o, "name", json_object_new_string(m[i].name));
		json_object_object_add(o, "online", json_object_new_boolean(m[i].online));
		json_object_object_add(o, "summary", json_object_new_string(sums[i].state));
		json_object_object_add(o, "time", r >= 0 ? json_object_new_int64(time) : NULL);
		json_object_object_add(
		    o, "error", sums[i].error[0] ? json_object_new_string(sums[i].error) : NULL);
		json_object_array_add(nodes, o);
	}
	r = status_collect(p, NULL, &list, &n);
	if (r < 0) {
		r = error_set_errno(err, r, "Failed to list the containers");
		goto out;
	}
	/* The managed vmids: with an lxcri config, or in a node's summary. */
	cap = n + 1;
	for (size_t i = 0; i < n_m; i++) {
		struct json_object *c;

		if (sums[i].root && json_object_object_get_ex(sums[i].root, "containers", &c))
			cap += (size_t)json_object_object_length(c);
	}
	ids = calloc(cap, sizeof(*ids));
	if (!ids) {
		r = error_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (list[i].configured && paths_id_is_vmid(list[i].id))
			ids[n_ids++] = list[i].id;
	for (size_t i = 0; i < n_m; i++) {
		struct json_object *c;

		if (!sums[i].root || !json_object_object_get_ex(sums[i].root, "containers", &c))
			continue;
		json_object_object_foreach(c, vmid, entry)
		{
			bool seen = false;

			(void)entry;
			for (size_t k = 0; k < n_ids && !seen; k++)
				seen = strcmp(ids[k], vmid) == 0;
			if (!seen && paths_id_is_vmid(vmid))
				ids[n_ids++] = vmid;
		}
	}
	qsort(ids, n_ids, sizeof(*ids), compare_vmids);
	for (size_t i = 0; i < n_ids; i++) {
		const struct ct_status *s = NULL;
		struct json_object *o;

		for (size_t k = 0; k < n && !s; k++)
			if (strcmp(list[k].id, ids[i]) == 0)
				s = &list[k];
		o = container_view(ids[i], s, pvecluster_guest_find(g, n_g, ids[i]), m, n_m, sums);
		if (!o) {
			r = error_oom(err);
			goto out;
		}
		json_object_array_add(cts, o);
	}
	*ret = TAKE_PTR(root);
	r = 0;
out:
	status_free(list, n);
	for (size_t i = 0; i < n_m; i++)
		json_object_put(sums[i].root);
	return r;
}

/* "veth 2, port.fwd 4", or "-". */
static void applied_text(struct json_object *applied, char *buf, size_t size)
{
	size_t len = 0;

	snprintf(buf, size, "-");
	if (!applied || !json_object_is_type(applied, json_type_object))
		return;
	json_object_object_foreach(applied, kind, count)
	{
		int w = snprintf(buf + len, size - len, "%s%s %" PRId64, len ? ", " : "", kind,
				 json_object_get_int64(count));

		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
}

static const char *bool_word(struct json_object *o, const char *key, const char *yes,
			     const char *no)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_boolean(v) ? yes : no;
}

static void print_view(struct json_object *view, time_t now)
{
	struct json_object *nodes, *cts;

	json_object_object_get_ex(view, "nodes", &nodes);
	json_object_object_get_ex(view, "containers", &cts);
	printf("%-16s %-8s %s\n", "NODE", "STATE", "SUMMARY");
	for (size_t i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *o = json_object_array_get_idx(nodes, i), *t;
		const char *error = cli_json_string_of(o, "error");
		char age[64] = "";

		if (json_object_object_get_ex(o, "time", &t) && t)
			snprintf(age, sizeof(age), " (%" PRId64 " s old)",
				 (int64_t)now - json_object_get_int64(t));
		printf("%-16s %-8s %s%s%s%s\n", cli_json_string_of(o, "name"),
		       bool_word(o, "online", "online", "offline"),
		       cli_json_string_of(o, "summary"), age, error ? ": " : "",
		       error ? error : "");
	}
	printf("\n");
	if (json_object_array_length(cts) == 0) {
		printf("No container has an lxcri config in the cluster.\n");
		return;
	}
	printf("%-8s %-16s %-8s %-8s %-9s %-28s %s\n", "VMID", "NODE", "NODE", "CONFIG", "STATUS",
	       "APPLIED", "SUMMARY");
	for (size_t i = 0; i < json_object_array_length(cts); i++) {
		struct json_object *o = json_object_array_get_idx(cts, i), *applied, *also;
		const char *node = cli_json_string_of(o, "node");
		const char *error = cli_json_string_of(o, "config_error");
		char text[256], extra[512] = "";
		size_t len = 0;

		json_object_object_get_ex(o, "applied", &applied);
		applied_text(applied, text, sizeof(text));
		if (!error)
			error = cli_json_string_of(o, "error");
		if (error)
			len += (size_t)snprintf(extra, sizeof(extra), "; %s", error);
		if (json_object_object_get_ex(o, "also_on", &also) &&
		    json_object_array_length(also) > 0 && len < sizeof(extra))
			snprintf(extra + len, sizeof(extra) - len, "; still applied on %s",
				 json_object_get_string(json_object_array_get_idx(also, 0)));
		printf("%-8s %-16s %-8s %-8s %-9s %-28s %s%s\n", cli_json_string_of(o, "vmid"),
		       node ? node : "-", bool_word(o, "node_online", "online", "offline"),
		       bool_word(o, "config_valid", "valid", "invalid"),
		       cli_json_string_of(o, "status"), text, cli_json_string_of(o, "summary"),
		       extra);
	}
}

int clusterstatus_do_status(struct cli *cli)
{
	_cleanup_json_ struct json_object *view = NULL;
	struct lxcri_error err = { 0 };
	time_t now = time(NULL);

	if (cli->argc > 0)
		return cli_usage_error("'status --cluster' takes no container id, got '%s'",
				       cli->argv[0]);
	if (clusterstatus_collect(&cli->paths, now, &view, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	if (cli->format != OUTPUT_TEXT)
		cli_print_json(cli, view);
	else
		print_view(view, now);
	return EXIT_OK;
}

int clusterstatus_do_publish(struct cli *cli)
{
	enum pvecluster_published done = PVECLUSTER_WRITTEN;
	struct lxcri_error err = { 0 };
	int r;

	if (cli->argc > 0)
		return cli_usage_error("'publish' takes no argument, got '%s'", cli->argv[0]);
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	r = metricscmd_write_if_present(cli);
	if (!paths_pve_mode(&cli->paths))
		return r;
	if (clusterstatus_publish(&cli->paths, time(NULL), &done, &err) < 0) {
		log_warning("cluster summary not published: %s", err.message);
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	if (done == PVECLUSTER_NO_QUORUM)
		log_info("cluster summary not published: %s", PVE_NO_QUORUM);
	if (cli->format == OUTPUT_TEXT)
		printf("%s\n", done == PVECLUSTER_WRITTEN     ? "Published this node's summary."
			       : done == PVECLUSTER_UNCHANGED ? "This node's summary is current."
							      : "Summary skipped: " PVE_NO_QUORUM
								".");
	return r;
}
