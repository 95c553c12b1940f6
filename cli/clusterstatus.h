/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The cluster-wide view on a Proxmox VE cluster (lib/pve/pvecluster.h):
 * each node publishes a summary of the containers it owns or ran
 * (`lxcri publish`, which the lifecycle hook starts after each event and
 * lxcri-publish.timer every minute), and `lxcri status --cluster` reads
 * them all from /etc/pve with .vmlist and .members: no network.
 *
 * A summary entry, per vmid: {"phase": "running", "starting", "stopping",
 * "refused" or "stopped", "valid": bool, "applied": {"<kind>": count, ...},
 * "error": "<first line, at most 120 bytes>"}.
 *
 * The view, per managed vmid (an lxcri config in /etc/pve/lxcri, or an
 * entry in a summary): {"vmid", "node" (the owner in .vmlist, or null),
 * "node_online" (bool, or null for a node .members does not list),
 * "config_valid" (bool, null without a config), "config_error",
 * "status" (the owner's summary's phase; "unknown" when it cannot be
 * told), "applied" (object or null), "summary": "current", "out-of-date"
 * (older than PVECLUSTER_MAX_AGE_S), "node-offline" (what the owner said
 * last: it may have changed), "missing" (the owner published none),
 * "not-listed" (the owner's summary does not name the vmid), "no-owner"
 * (.vmlist does not know it), "also_on": [nodes whose summary still lists
 * it with something applied]}, and per node {"name", "online",
 * "summary": "current", "out-of-date", "missing" or "invalid", "time",
 * "error"}.
 */

#include <json-c/json.h>
#include <time.h>

#include "cli/status.h"
#include "lib/basic/paths.h"
#include "lib/pve/pvecluster.h"

struct cli;

/*
 * This node's summary entries (an object: vmid -> entry) of list[n]: the
 * vmids .vmlist gives to node, and those with a state here. Entries that
 * would take it past PVECLUSTER_SUMMARY_MAX are left out: *truncated.
 */
struct json_object *clusterstatus_summary(const struct ct_status *list, size_t n, const char *node,
					  const struct pvecluster_guest *g, size_t n_g,
					  bool *truncated);

/* Publishes this node's summary (pvecluster_publish()); a PVE node only. */
int clusterstatus_publish(const struct lxcri_paths *p, time_t now, enum pvecluster_published *ret,
			  struct lxcri_error *err);

/* The view {"nodes": [...], "containers": [...]} at now. */
int clusterstatus_collect(const struct lxcri_paths *p, time_t now, struct json_object **ret,
			  struct lxcri_error *err);

/* `lxcri status --cluster` */
int clusterstatus_do_status(struct cli *cli);

/* `lxcri publish` */
int clusterstatus_do_publish(struct cli *cli);
