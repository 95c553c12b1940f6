/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A Proxmox VE node as pmxcfs (/etc/pve) and PVE's tools show it, for the
 * changes `lxcri` makes to a vmid (pve-cluster's PVE/Cluster.pm and
 * pmxcfs, pve-container's PVE/LXC/Config.pm and PVE/AbstractConfig.pm):
 *
 *   quorum   without it pmxcfs refuses every write with EACCES while
 *            access(W_OK) still succeeds for root; PVE tells it by the
 *            write bits of lstat("/etc/pve/local") (check_cfs_quorum)
 *   owner    a vmid's config lives under nodes/<node>/lxc of the node that
 *            owns it (.vmlist); only that node may change it
 *   lock     "lock: backup" (migrate, snapshot, ...) in its config: an
 *            operation is in progress and nothing may change
 *   flock    PVE's config lock, a flock on <lock_dir>/pve-config-<vmid>.lock
 *            taken for at most 10 s by every tool that edits
 *            /etc/pve/lxc/<vmid>.conf; pct start/stop hold it while the
 *            hooks run, so hooks never take it
 *
 * libc and json-c; nothing here logs.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"

/* PVE's timeout for its config lock (PVE::AbstractConfig::lock_config). */
#define PVE_CONFIG_LOCK_TIMEOUT_MS 10000

/*
 * 1 quorate, 0 not (or pmxcfs not mounted: no <pve_dir>/local), -errno.
 * Not quorate when either of pmxcfs's signs says so: <pve_dir>/local has
 * no write bits, or .members has "cluster": {"quorate": 0}.
 */
int pve_quorate(const char *pve_dir);

/* This node's name: "<name>" of the <pve_dir>/local -> "nodes/<name>" link. */
int pve_node_name(const char *pve_dir, char *ret, size_t size);

/*
 * The node that owns vmid and its type ("lxc", "qemu") from <pve_dir>/.vmlist:
 * 0, or -ENOENT when the cluster does not know vmid (err says so), -EINVAL
 * naming .vmlist when it does not parse.
 */
int pve_vmid_owner(const char *pve_dir, const char *vmid, char *node, size_t node_size, char *type,
		   size_t type_size, struct lxcri_error *err);

/*
 * The value of the "lock:" property in the main section of a PVE guest
 * config (text, size bytes): 1 and the value in ret, or 0 when there is none.
 */
int pve_config_lock_value(const char *text, size_t size, char *ret, size_t ret_size);

/*
 * What a change to vmid's configuration (its lxcri config, its profiles,
 * its /etc/pve/lxc/<vmid>.conf) needs from the node: quorum ("no quorum:
 * /etc/pve is read-only", -EACCES), the vmid owned by this node when the
 * cluster knows it (-EREMOTE naming the owner), no "lock:" in its PVE config
 * (-EBUSY naming the lock). 0 otherwise, also for a vmid the cluster does
 * not know (a config written ahead of `pct create`).
 */
int pve_change_check(const struct lxcri_paths *p, const char *vmid, struct lxcri_error *err);

/*
 * Takes PVE's config lock of vmid, waiting at most timeout_ms: the fd that
 * holds it, or -EWOULDBLOCK saying another process holds it (PVE: a
 * running pct or API task), other -errno.
 */
int pve_config_lock(const struct lxcri_paths *p, const char *vmid, unsigned timeout_ms,
		    struct lxcri_error *err);
