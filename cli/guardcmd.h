/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri guard add|remove` and what `lxcri check` says of guards, on a
 * Proxmox VE node (lib/pve/pveguard.h: the guard itself). Both commands edit
 * /etc/pve/lxc/<vmid>.conf under PVE's config lock and ours, with quorum,
 * on the node that owns the vmid and without a "lock:" (cli/ct.h).
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"

struct cli;

struct guardcmd_change {
	char pve_config[PATH_MAX]; /* the file edited */
	char config[PATH_MAX];	   /* the container's lxcri config */
	bool changed;		   /* the file was written */
	size_t removed;		   /* remove: the lines that went */
	bool kept_own;		   /* remove: the container's own guard stayed (it is managed) */
};

/*
 * Adds vmid's guard (for a config written by hand): guards copied from
 * another vmid go. -ENOENT when the container has no lxcri config or no PVE
 * config, -EINVAL when this is not a PVE node or id is not a vmid.
 */
int guardcmd_add(const struct lxcri_paths *p, const char *id, struct guardcmd_change *ret,
		 struct lxcri_error *err);

/*
 * Removes every guard and every raw key naming another vmid's lxcri files
 * (a clone, a restore), so that the container runs without lxcri; a
 * container that has its own lxcri config keeps its own guard. -EBUSY when
 * that own guard would be all there is to remove.
 */
int guardcmd_remove(const struct lxcri_paths *p, const char *id, struct guardcmd_change *ret,
		    struct lxcri_error *err);

/* One thing `lxcri check` reports. */
struct guardcmd_finding {
	const char *name; /* "pve-guard", "pve-clone" */
	bool fail;	  /* the start is refused (else a warning) */
	char detail[512];
	char hint[512];
};
#define GUARDCMD_FINDINGS_MAX 8

/*
 * This node's containers (<pve_dir>/lxc/<vmid>.conf): a managed one without
 * its guard (warning), raw keys naming another vmid's lxcri files (fail), a
 * guard whose lxcri config is missing (fail). At most max in ret (the last
 * says how many more there are); *ret_managed: the managed containers seen.
 */
size_t guardcmd_findings(const struct lxcri_paths *p, struct guardcmd_finding *ret, size_t max,
			 size_t *ret_managed);

/* lxcri guard add|remove <vmid> */
int guardcmd_do_add(struct cli *cli);
int guardcmd_do_remove(struct cli *cli);
