/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri metrics`. See metricscmd.h and lxcri(1). */
#include "cli/metricscmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/portcmd.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/ip.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/log.h"
#include "lib/config/settings.h"
#include "lib/image/checkrecord.h"
#include "lib/shared/counters.h"
#include "lib/shared/json.h"

static const char *const phases[] = { "starting", "running", "stopping", "stopped", "refused" };

static const struct {
	const char *name, *type, *help;
} families[] = {
	{ "lxcri_info", "gauge", "lxcri's version." },
	{ "lxcri_containers", "gauge", "Containers with an lxcri config on this node." },
	{ "lxcri_container_config_valid", "gauge",
	  "Whether the container's lxcri config is valid (1) or refused by the parser (0)." },
	{ "lxcri_container_phase", "gauge",
	  "The phase of the container's last run: 1 for its phase, 0 for the others." },
	{ "lxcri_container_refused_info", "gauge",
	  "1 while the container's last start was refused, with the reason." },
	{ "lxcri_container_items", "gauge", "What the container's run applied, by kind." },
	{ "lxcri_container_last_error_timestamp_seconds", "gauge",
	  "When the container's last error happened." },
	{ "lxcri_container_profiles_current", "gauge",
	  "Whether the container's seccomp, AppArmor and SELinux profiles are in force and "
	  "current (1) or stale (0): a start would refuse a stale one (lxcri status <id>)." },
	{ "lxcri_image_info", "gauge", "The image a container was made from, and its digest." },
	{ "lxcri_image_update_available", "gauge",
	  "1 when the registry's tag named another digest than the container's image at the last "
	  "lxcri image check, 0 when it named the same." },
	{ "lxcri_image_checked_timestamp_seconds", "gauge",
	  "When lxcri image check last asked the registry about the container's image." },
	{ "lxcri_refused_starts_total", "counter", "Starts refused, by container." },
	{ "lxcri_hook_runs_total", "counter", "Runs of lxcri's lifecycle hook, by hook." },
	{ "lxcri_hook_seconds_total", "counter", "Time spent in lxcri's lifecycle hook, by hook." },
	{ "lxcri_oci_hook_runs_total", "counter", "OCI hook runs, by stage and result." },
	{ "lxcri_port_forward_packets_total", "counter",
	  "Packets of a host port's forward, both directions (from 0 when it is added again)." },
	{ "lxcri_port_forward_bytes_total", "counter",
	  "Bytes of a host port's forward, both directions, IP headers included." },
	{ "lxcri_port_forwards_drift", "gauge",
	  "1 while the port forwards of running containers and lxcri's nftables table differ "
	  "(lxcri check; lxcri port sync mends it), 0 in sync." },
	{ "lxcri_stale_states", "gauge",
	  "State directories of containers that do not run (lxcri check)." },
	{ "lxcri_stale_items", "gauge", "Items those stale states list (lxcri check)." },
	{ "lxcri_set_aside_files", "gauge",
	  "States set aside in the run directory's .stale (lxcri check)." },
};

/* The id label: prometheus-pve-exporter's "lxc/<vmid>" on a PVE node. */
static void id_label(const char *id, bool pve, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", pve && paths_id_is_vmid(id) ? "lxc/" : "", id);
}

size_t metricscmd_reason_length(const char *message)
{
	size_t n = strcspn(message, "\n");

	if (n > METRICSCMD_REASON_MAX)
		n = METRICSCMD_REASON_MAX;
	while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static int render_container(const struct ct_status *s, bool pve, struct json_object *checks,
			    struct promtext *p)
{
	char id[80], reason[METRICSCMD_REASON_MAX + 8];
	int r = 0;

	id_label(s->id, pve, id, sizeof(id));
	if (s->configured) {
		const char *l[] = { "id", id, NULL };
		r = promtext_sample(p, "lxcri_container_config_valid", l, s->valid ? 1 : 0);
		if (r >= 0 && s->n_profiles > 0)
			r = promtext_sample(p, "lxcri_container_profiles_current", l,
					    s->profiles_current ? 1 : 0);
	}
	if (r >= 0 && s->image[0]) {
		_cleanup_free_ char *image = strdup(s->image);
		char *at = image ? strrchr(image, '@') : NULL;

		if (!image)
			return -ENOMEM;
		if (at)
			*at = '\0';
		const char *l[] = { "id", id, "image", image, "digest", at ? at + 1 : "", NULL };
		r = promtext_sample(p, "lxcri_image_info", l, 1);
		/* What the last check of this very image found (checkrecord.h). */
		struct json_object *rec = checkrecord_find(checks, s->id, s->image), *v;
		if (r >= 0 && rec && json_object_object_get_ex(rec, "newer", &v)) {
			const char *u[] = { "id", id, "image", image, NULL };

			r = promtext_sample(p, "lxcri_image_update_available", u,
					    json_object_get_boolean(v) ? 1 : 0);
		}
		if (r >= 0 && rec && json_object_object_get_ex(rec, "time", &v)) {
			const char *t[] = { "id", id, NULL };

			r = promtext_sample(p, "lxcri_image_checked_timestamp_seconds", t,
					    (double)json_object_get_int64(v));
		}
	}
	if (r < 0 || !s->state)
		return r;
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(phases); i++) {
		const char *l[] = { "id", id, "phase", phases[i], NULL };
		r = promtext_sample(p, "lxcri_container_phase", l,
				    strcmp(s->state->phase, phases[i]) == 0 ? 1 : 0);
	}
	if (r >= 0 && strcmp(s->state->phase, "refused") == 0) {
		const char *message = s->state->has_error ? s->state->error_message : "";

		snprintf(reason, sizeof(reason), "%.*s", (int)metricscmd_reason_length(message),
			 message);
		const char *l[] = { "id", id, "reason", reason, NULL };
		r = promtext_sample(p, "lxcri_container_refused_info", l, 1);
	}
	/* Applied items by kind, in the order the kinds first appear. */
	for (size_t i = 0; r >= 0 && i < s->state->n_items; i++) {
		const char *kind = s->state->items[i].kind;
		size_t count = 0;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(s->state->items[k].kind, kind) == 0;
		if (seen)
			continue;
		for (size_t k = i; k < s->state->n_items; k++)
			if (strcmp(s->state->items[k].kind, kind) == 0 &&
			    s->state->items[k].status == STATE_ITEM_APPLIED)
				count++;
		const char *l[] = { "id", id, "kind", kind, NULL };
		r = promtext_sample(p, "lxcri_container_items", l, (double)count);
	}
	if (r >= 0 && s->state->has_error) {
		const char *l[] = { "id", id, NULL };
		r = promtext_sample(p, "lxcri_container_last_error_timestamp_seconds", l,
				    (double)s->state->error_time_ms / 1000.0);
	}
	return r;
}

static bool counter_family(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(families); i++)
		if (strcmp(families[i].name, name) == 0 && strcmp(families[i].type, "counter") == 0)
			return true;
	return false;
}

/* The counters (lib/shared/counters.h) of families we know; others are a newer lxcri's. */
static int render_counters(struct json_object *counters, bool pve, struct promtext *p)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && counters && i < json_object_array_length(counters); i++) {
		struct json_object *c = json_object_array_get_idx(counters, i), *name, *labels,
				   *value;
		const char *l[2 * COUNTERS_LABELS_MAX + 1] = { 0 };
		char ids[COUNTERS_LABELS_MAX][80];
		size_t n;

		if (!json_object_object_get_ex(c, "name", &name) ||
		    !json_object_object_get_ex(c, "labels", &labels) ||
		    !json_object_object_get_ex(c, "value", &value) ||
		    !json_object_is_type(labels, json_type_array) ||
		    !counter_family(json_object_get_string(name)))
			continue;
		n = json_object_array_length(labels);
		if (n % 2 != 0 || n > 2 * COUNTERS_LABELS_MAX)
			continue;
		for (size_t k = 0; k < n; k++)
			l[k] = json_object_get_string(json_object_array_get_idx(labels, k));
		for (size_t k = 0; k + 1 < n; k += 2)
			if (l[k] && l[k + 1] && strcmp(l[k], "id") == 0) {
				id_label(l[k + 1], pve, ids[k / 2], sizeof(ids[k / 2]));
				l[k + 1] = ids[k / 2];
			}
		r = promtext_sample(p, json_object_get_string(name), l,
				    json_object_get_double(value));
		if (r == -EINVAL) /* a label that is not one: skipped, the rest goes on */
			r = 0;
	}
	return r;
}

/* Whether a and b are the same host port of the same owner (IPv4 and IPv6 are one). */
static int compare_forward_key(const void *x, const void *y)
{
	const struct portfwd_entry *a = x, *b = y;
	char ha[INET6_ADDRSTRLEN] = "", hb[INET6_ADDRSTRLEN] = "";
	int r = strcmp(a->owner, b->owner);

	if (r == 0)
		r = a->fwd.proto - b->fwd.proto;
	if (r == 0)
		r = (int)a->fwd.host_first - (int)b->fwd.host_first;
	if (r != 0)
		return r;
	if (a->fwd.has_hostip)
		ip_address_to_string(&a->fwd.hostip, ha, sizeof(ha));
	if (b->fwd.has_hostip)
		ip_address_to_string(&b->fwd.hostip, hb, sizeof(hb));
	return strcmp(ha, hb);
}

/* The counters of the forwards, one series per owner, proto, host port and host address. */
static int render_forwards(const struct portfwd_entry *forwards, size_t n, bool pve,
			   struct promtext *p)
{
	_cleanup_free_ struct portfwd_entry *v = NULL;
	int r = 0;

	if (n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, forwards, n * sizeof(*v));
	qsort(v, n, sizeof(*v), compare_forward_key);
	for (size_t i = 0; r >= 0 && i < n;) {
		uint64_t packets = 0, bytes = 0;
		bool counted = false;
		char id[sizeof(v[i].owner) + 8], port[8], hostip[INET6_ADDRSTRLEN] = "";
		size_t j = i;

		for (; j < n && compare_forward_key(&v[i], &v[j]) == 0; j++) {
			counted = counted || v[j].counted;
			packets += v[j].packets;
			bytes += v[j].bytes;
		}
		id_label(v[i].owner, pve, id, sizeof(id));
		snprintf(port, sizeof(port), "%u", v[i].fwd.host_first);
		if (v[i].fwd.has_hostip)
			ip_address_to_string(&v[i].fwd.hostip, hostip, sizeof(hostip));
		const char *l[] = { "id",
				    id,
				    "proto",
				    ip_proto_name(v[i].fwd.proto),
				    "host_port",
				    port,
				    hostip[0] ? "host_ip" : NULL,
				    hostip,
				    NULL };
		if (counted && v[i].owner[0]) {
			r = promtext_sample(p, "lxcri_port_forward_packets_total", l,
					    (double)packets);
			if (r >= 0)
				r = promtext_sample(p, "lxcri_port_forward_bytes_total", l,
						    (double)bytes);
		}
		i = j;
	}
	return r;
}

int metricscmd_render(const struct metricscmd_input *in, struct promtext *p)
{
	const char *version[] = { "version", LXCRI_VERSION, NULL };
	size_t managed = 0;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(families); i++)
		r = promtext_family(p, families[i].name, families[i].type, families[i].help);
	if (r >= 0)
		r = promtext_sample(p, "lxcri_info", version, 1);
	for (size_t i = 0; r >= 0 && i < in->n; i++) {
		managed += in->list[i].configured;
		r = render_container(&in->list[i], in->pve, in->image_checks, p);
	}
	if (r >= 0)
		r = promtext_sample(p, "lxcri_containers", NULL, (double)managed);
	if (r >= 0)
		r = render_counters(in->counters, in->pve, p);
	if (r >= 0)
		r = render_forwards(in->forwards, in->n_forwards, in->pve, p);
	if (r >= 0 && in->port_drift >= 0)
		r = promtext_sample(p, "lxcri_port_forwards_drift", NULL,
				    in->port_drift > 0 ? 1 : 0);
	if (r >= 0 && in->stale)
		r = promtext_sample(p, "lxcri_stale_states", NULL, (double)in->stale->states);
	if (r >= 0 && in->stale)
		r = promtext_sample(p, "lxcri_stale_items", NULL, (double)in->stale->items);
	if (r >= 0 && in->stale)
		r = promtext_sample(p, "lxcri_set_aside_files", NULL, (double)in->stale->set_aside);
	return r;
}

/* Prints the metrics, or with write writes them (missing_ok: a missing directory is no error). */
static int metrics_run(struct cli *cli, bool write, bool missing_ok)
{
	_cleanup_json_ struct json_object *counters = NULL, *checks = NULL;
	_cleanup_free_ struct portfwd_entry *forwards = NULL;
	_cleanup_close_ int lock = -1;
	struct promtext *p = NULL;
	struct ct_status *list = NULL;
	struct stale_report stale = { 0 };
	struct settings settings;
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	const char *dir = NULL;
	size_t n = 0, size = 0;
	int r;

	/*
	 * The textfile directory is node_exporter's: lxcri writes one file there,
	 * never makes it. Looked at first: without it nothing is collected.
	 */
	if (write) {
		(void)settings_load_host(&cli->paths, &settings, &err);
		dir = settings_metrics_dir(&settings, &cli->paths);
		if (paths_join(path, sizeof(path), "%s/%s", dir, METRICSCMD_FILE) < 0)
			return cli_report_failure(EXIT_FAILED, "The metrics-dir '%s' is too long",
						  dir);
		if (missing_ok && access(dir, F_OK) < 0 && errno == ENOENT)
			return EXIT_OK;
		if (access(dir, W_OK) < 0)
			return cli_report_failure(
			    EXIT_FAILED,
			    "Failed to write '%s': %s (is prometheus-node-exporter installed? "
			    "metrics-dir in lxcri.conf(5) says where its textfile directory is)",
			    path, strerror(errno));
	}
	/* Writers one at a time (the hooks of many containers start one each): the last is newest.
	 */
	if (write) {
		char lock_path[PATH_MAX];

		if (paths_join(lock_path, sizeof(lock_path), "%s/.metrics.lock",
			       cli->paths.run_dir) < 0 ||
		    (lock = lock_file(lock_path, 10000, &err)) < 0)
			return cli_report_failure(EXIT_FAILED, "%s",
						  err.message[0] ? err.message : "path too long");
	}
	if (status_collect(&cli->paths, NULL, &list, &n) < 0)
		return cli_report_failure(EXIT_FAILED, "%s", "Failed to list the containers");
	r = status_stale(&cli->paths, &stale);
	/* Counters that cannot be read are said, and the rest is written all the same. */
	if (r >= 0 && counters_load(cli->paths.run_dir, &counters, &err) < 0)
		fprintf(stderr, "lxcri: %s: the counters are left out\n", err.message);
	if (r >= 0 && checkrecord_load(cli->paths.run_dir, &checks, &err) < 0)
		fprintf(stderr, "lxcri: %s: the image checks are left out\n", err.message);
	if (r >= 0)
		r = promtext_new(&p);
	if (r >= 0) {
		struct metricscmd_input in = { .list = list,
					       .n = n,
					       .stale = &stale,
					       .counters = counters,
					       .image_checks = checks,
					       .pve = paths_pve_mode(&cli->paths) };
		char detail[512];
		int drift =
		    portcmd_drift(&cli->paths, detail, sizeof(detail), &forwards, &in.n_forwards);

		in.port_drift = drift < 0 ? -1 : drift;
		in.forwards = forwards;
		r = metricscmd_render(&in, p);
	}
	if (r >= 0)
		r = promtext_format(p, &text, &size);
	status_free(list, n);
	promtext_free(p);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to make the metrics: %s",
					  strerror(-r));
	if (!write) {
		fwrite(text, 1, size, stdout);
		return EXIT_OK;
	}
	if (atomic_write_file(path, text, size, 0644, 0, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	if (cli->format == OUTPUT_TEXT)
		printf("Wrote %s (%zu bytes).\n", path, size);
	return EXIT_OK;
}

int metricscmd_do_metrics(struct cli *cli)
{
	if (cli->argc != 0)
		return cli_usage_error("'metrics' takes no argument, got '%s'", cli->argv[0]);
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	return metrics_run(cli, cli->write, false);
}

int metricscmd_write_if_present(struct cli *cli)
{
	return metrics_run(cli, true, true);
}
