/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's networks from its config (netN, routeN, dns): what
 * lxcri-net does at start-host and at teardown, and what `lxcri net add` and
 * `lxcri net del` do to a running container. Built on lib/netlink (bridge
 * nets), lib/net/cni (cni= nets) and lib/net/resolvconf (dns).
 *
 * Everything applied is written ahead into the state (lib/shared/state.h): an item
 * is added "pending" and the state saved to <state_dir>/state.json before
 * the change is made, and marked "applied" (and saved) after it. A crash at
 * any point thus leaves a state whose teardown removes all that may exist.
 * Item kinds and their data:
 *
 *   net.veth        {"net": N, "name": "eth1", "host": "lx5d743a7bn1",
 *                    "host_mac": "fe:12:34:56:78:9a", "bridge": "vmbr1",
 *                    "ifindex": I}
 *                   the veth pair. "host" is the name used (the first of
 *                   netlink_host_ifname()'s candidates that no link had),
 *                   "host_mac" the MAC it was created with (recorded ahead),
 *                   "ifindex" its index once made; its alias says
 *                   "lxcri <id> net<N>". Teardown deletes the host end
 *                   (which takes the container end with it) only if the
 *                   link of that name is the one made: the same ifindex,
 *                   or for an item still pending the same MAC. A link that
 *                   took the name since (another container's) is left alone.
 *   net.cni         {"net": N, "name": "eth2", "network": "mynet",
 *                    "source": "/etc/cni/net.d/10-mynet.conflist",
 *                    "netns_id": "<dev>:<ino>", "conflist": "..."}
 *                   a CNI attachment; teardown runs DEL (idempotent) with the
 *                   conflist kept here, in the container's network namespace
 *                   while one is at hand and it is the one recorded, else
 *                   without one (the spec allows that for DEL)
 *   dns.resolvconf  {"rootfs": "/var/lib/lxc/web/rootfs"} or
 *                   {"mntns_id": "<dev>:<ino>"}
 *                   /etc/resolv.conf replaced, in a rootfs that is a plain
 *                   host directory, or else through the container's mount
 *                   namespace; teardown restores it from the backup in
 *                   state_dir (lib/net/resolvconf.h), through the same mount
 *                   namespace if it is at hand. A container that is gone,
 *                   whose rootfs is no host directory, is not restored:
 *                   "container gone: /etc/resolv.conf not restored", the
 *                   backup is set aside in <run_dir>/.stale/ and the item
 *                   is done.
 *
 * Nothing here acts on /proc/<pid> of a container that may be gone: the
 * container's namespaces come in ns->ctns, opened by the caller from a
 * process it pinned (start-host, `lxcri net`) or from LXC's references
 * (the stop hook), and are compared with the identity recorded (lib/basic/ctns.h).
 *
 * Addresses, gateways and routes live inside the container's network
 * namespace, on its interfaces: they go away with the interface or the
 * namespace and are not recorded.
 *
 * Functions return 0 or -errno with err set; nothing here exits or logs
 * except through log_info() lines of what was done, and log_warning()
 * lines of what was left alone and why (lib/basic/log.h).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/basic/ctns.h"
#include "lib/basic/error.h"
#include "lib/shared/state.h"

struct netsetup {
	const char *id; /* container id (CNI_CONTAINERID, MAC and host name hash) */
	/* The container's namespaces: NULL (or fds of -1) when it is gone. */
	const struct ctns *ctns;
	/* Host path of a rootfs that is a plain directory, for dns; NULL: its mount namespace. */
	const char *rootfs;
	const char *state_dir;		 /* where state.json and the resolv.conf backup are */
	const struct settings *settings; /* CNI directories and plugin timeout */
	const char *hook; /* who applies, recorded in each item: NULL is "start-host" */
};

/*
 * Applies every net, then every route, then dns, in config order, writing
 * ahead into s (saved to ns->state_dir as it goes).
 *
 * Needs ns->ctns (both namespaces, or the mount one only where ns->rootfs
 * is set for dns). Checked before anything is created: every interface name of the config
 * is free in the container (an existing one, such as Proxmox VE's eth0, is
 * "Interface 'eth0' already exists in container '105' (net1)"), every
 * bridge exists and is a bridge ("Bridge 'vmbr9' of net1 does not exist"),
 * a tag has a VLAN-aware bridge, every CNI network is found, and every
 * route's dev is one the container has or gets.
 *
 * On failure the items applied so far stay in s (saved): the caller runs
 * netsetup_teardown() to roll back. The error names the key: "net1: ...".
 */
int netsetup_apply(const struct netsetup *ns, const struct config *c, struct state *s,
		   struct lxcri_error *err);

/*
 * Applies one net of c (a running container: `lxcri net add`), with the same
 * checks and write-ahead; routes and dns are left alone. On failure what it
 * created is removed again before returning (s saved without it).
 */
int netsetup_apply_net(const struct netsetup *ns, const struct config_net *net, struct state *s,
		       struct lxcri_error *err);

/*
 * Undoes the items of s that belong to net and dns, newest first; only
 * those of the interface only_name when that is not NULL (`lxcri net del`).
 * Each undone item is removed from s and s is saved. Goes on past a failed
 * item (leaving it in s) and returns the number of items left, with err
 * describing the first failure. ns->rootfs is not used: the items say
 * where; ns->ctns is used where it is what an item recorded.
 */
size_t netsetup_teardown(const struct netsetup *ns, struct state *s, const char *only_name,
			 struct lxcri_error *err);

/* Whether s records anything of the net named name ("net.*" items). */
bool netsetup_has_net(const struct state *s, const char *name);

/* Whether an item kind is one of ours ("net.*" or "dns.*"). */
bool netsetup_item_kind(const char *kind);

/*
 * The state of each net of c in a running container, for `lxcri net list`
 * and `lxcri status`: a JSON array of {"net": N, "name", "type":
 * "bridge"|"cni", "bridge"|"network", "host" (bridge nets), "applied": bool,
 * "link": "up"|"down"|"missing", and for CNI nets "check": "ok" or the
 * CHECK error}. "host" is the name the run uses. Without ns->ctns: a
 * stopped container (no link or check fields).
 */
int netsetup_status(const struct netsetup *ns, const struct config *c, const struct state *s,
		    struct json_object **ret, struct lxcri_error *err);
