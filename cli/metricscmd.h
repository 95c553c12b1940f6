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
 *   lxcri_container_phase{id,phase}              1 for its phase, 0 for the others
 *   lxcri_container_refused_info{id,reason}      1 while its last start is refused
 *   lxcri_container_items{id,kind}               what its run applied, by kind
 *   lxcri_container_last_error_timestamp_seconds{id}
 *   lxcri_image_info{id,image,digest}            1, for a container made from an image
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

struct cli;

#define METRICSCMD_FILE	      "lxcri.prom"
#define METRICSCMD_REASON_MAX 120

/*
 * The metrics of the containers list[n], the counters (counters_load(); may
 * be NULL), the stale report (may be NULL) and the port forwards' drift
 * (portcmd_drift(): 0 in sync, 1 drift, -1 unknown and left out) into p.
 * -EINVAL, -ENOMEM.
 */
int metricscmd_render(const struct ct_status *list, size_t n, const struct stale_report *stale,
		      struct json_object *counters, int port_drift, bool pve, struct promtext *p);

int metricscmd_do_metrics(struct cli *cli);
