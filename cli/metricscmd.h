/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri metrics [--write]`: what lxcri manages on this node as Prometheus
 * metrics, for node_exporter's textfile collector (<metrics-dir>/lxcri.prom,
 * written atomically: a temp file renamed over it). Containers carry
 * prometheus-pve-exporter's label, id="lxc/<vmid>" for a vmid on a PVE
 * node, and their name otherwise, so that queries join on id.
 *
 *   lxcri_info{version}                          1
 *   lxcri_containers                             managed containers (with an lxcri config)
 *   lxcri_container_config_valid{id}             1 valid, 0 refused by the parser
 *   lxcri_container_profiles_current{id}         1 its profiles current, 0 one stale
 *                                                (a config with a profile key)
 *   lxcri_container_phase{id,phase}              1 for its phase, 0 for the others
 *   lxcri_container_refused_info{id,reason}      1 while its last start is refused
 *   lxcri_container_items{id,kind}               what its run applied, by kind
 *   lxcri_container_last_error_timestamp_seconds{id}
 *   lxcri_image_info{id,image,digest}            1, for a container made from an image
 *   lxcri_image_update_available{id,image}       what the last `lxcri image check` of
 *   lxcri_image_checked_timestamp_seconds{id}    this image found, and when
 *   lxcri_port_forward_packets_total{id,proto,host_port[,host_ip]}
 *   lxcri_port_forward_bytes_total{id,proto,host_port[,host_ip]}
 *                                                of each host port's forward, both
 *                                                directions, IPv4 and IPv6 summed
 *   lxcri_port_forwards_drift, lxcri_stale_states, lxcri_stale_items,
 *   lxcri_set_aside_files                        what `lxcri check` finds
 *   lxcri_refused_starts_total{id}, lxcri_hook_runs_total{hook},
 *   lxcri_hook_seconds_total{hook}, lxcri_oci_hook_runs_total{stage,result}
 *                                                the counters of lib/shared/counters.h
 */

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "cli/status.h"
#include "lib/basic/promtext.h"
#include "lib/port/portfwd.h"

struct cli;

#define METRICSCMD_FILE	      "lxcri.prom"
#define METRICSCMD_REASON_MAX 120

/* How much of message a reason label keeps: its first line, at most
 * METRICSCMD_REASON_MAX bytes, cut at a UTF-8 character's boundary. */
size_t metricscmd_reason_length(const char *message);

/* What the metrics are made of. */
struct metricscmd_input {
	const struct ct_status *list; /* status_collect() */
	size_t n;
	const struct stale_report *stale; /* NULL: left out */
	struct json_object *counters;	  /* counters_load(); NULL: none */
	struct json_object *image_checks; /* checkrecord_load(); NULL: none */
	int port_drift;			  /* portcmd_drift(): 0 in sync, 1, -1 unknown: left out */
	const struct portfwd_entry *forwards; /* the table's elements (portfwd_list()) */
	size_t n_forwards;
	bool pve; /* id="lxc/<vmid>" */
};

/* The metrics of in into p. -EINVAL, -ENOMEM. */
int metricscmd_render(const struct metricscmd_input *in, struct promtext *p);

int metricscmd_do_metrics(struct cli *cli);

/* `lxcri metrics --write` where the textfile directory exists: EXIT_OK when it does not. */
int metricscmd_write_if_present(struct cli *cli);
