/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The cluster as pmxcfs shows it to every node, for `lxcri status
 * --cluster` (pve-cluster's PVE/Cluster.pm: .members, .vmlist), and the
 * summary each node publishes of what lxcri applied there:
 *
 *   <pve_dir>/nodes/<node>/lxcri-status.json
 *     {"node": "pve1", "time": <unix seconds>, "version": "...",
 *      "containers": {"<vmid>": {...}, ...}, "truncated": false}
 *
 * pmxcfs copies it to every node, so a reader needs no network. The write
 * (pvecluster_publish()) is skipped without quorum (pmxcfs refuses it),
 * bounded in size (PVECLUSTER_SUMMARY_MAX; the caller leaves entries out),
 * and made only when the containers changed or the last one is older than
 * PVECLUSTER_REFRESH_S: a reader takes a summary older than
 * PVECLUSTER_MAX_AGE_S for out of date. json-c; nothing here logs.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/basic/error.h"

#define PVECLUSTER_SUMMARY_FILE "lxcri-status.json"
#define PVECLUSTER_SUMMARY_MAX	(128 * 1024)
#define PVECLUSTER_REFRESH_S	300
#define PVECLUSTER_MAX_AGE_S	900

struct pvecluster_member {
	char name[64];
	bool online;
};

/*
 * The nodes .members lists ("nodelist"), sorted by name; a node in local
 * mode (no "nodelist"): itself ("nodename"), online. -EINVAL naming the
 * file when it does not parse, -errno when it cannot be read.
 */
int pvecluster_members(const char *pve_dir, struct pvecluster_member **ret, size_t *ret_n,
		       struct lxcri_error *err);

struct pvecluster_guest {
	char vmid[16];
	char node[64];
	char type[16]; /* "lxc", "qemu" */
};

/* The guests .vmlist lists ("ids"; none when it has no "ids"), sorted by vmid. */
int pvecluster_vmlist(const char *pve_dir, struct pvecluster_guest **ret, size_t *ret_n,
		      struct lxcri_error *err);

/* The guest of vmid in g[n], or NULL. */
const struct pvecluster_guest *pvecluster_guest_find(const struct pvecluster_guest *g, size_t n,
						     const char *vmid);

enum pvecluster_published {
	PVECLUSTER_WRITTEN,
	PVECLUSTER_UNCHANGED, /* the same containers, written less than PVECLUSTER_REFRESH_S ago */
	PVECLUSTER_NO_QUORUM, /* skipped: /etc/pve is read-only */
};

/*
 * Publishes the summary of node (this node: pve_node_name()): containers
 * (an object, taken over: put here) with "node", "time" (now) and
 * "version" added, into <pve_dir>/nodes/<node>/lxcri-status.json, atomically. truncated:
 * entries were left out to keep it within PVECLUSTER_SUMMARY_MAX. -EFBIG
 * when it is larger all the same, -errno with err set when it cannot be
 * written.
 */
int pvecluster_publish(const char *pve_dir, const char *node, struct json_object *containers,
		       bool truncated, time_t now, enum pvecluster_published *ret,
		       struct lxcri_error *err);

/*
 * The summary node published: 0 and *ret, -ENOENT when there is none,
 * -EINVAL naming it when it is not one (not JSON, no "time" or
 * "containers", another node's name).
 */
int pvecluster_summary_read(const char *pve_dir, const char *node, struct json_object **ret,
			    struct lxcri_error *err);
