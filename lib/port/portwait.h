/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Port forwards whose target address is not known at start-host: a PVE
 * netN with ip=dhcp (ip6=dhcp|auto), or an interface no config gives an
 * address and that has none yet (lib/port/porttarget). The start goes on; the
 * forward is recorded as an item "port.wait" and a waiter applies it as
 * soon as the address appears, within port-address-timeout (lxcri.conf).
 *
 * The waiter is a process of its own (double fork, new session, stdio on
 * /dev/null, no fd of LXC's or of the container's lock), started by
 * lxcri-portfwd at start-host. It holds the container's init by a pidfd
 * and its network namespace by an fd (never /proc/<pid> later), and a
 * netlink socket in that namespace subscribed to address changes. It
 * holds no lock while it waits, and never PVE's config lock. At each
 * address change it takes the container's lock, checks that the run is
 * still the one it was started for (the state's "started", the item, the
 * init alive) and applies the forward exactly as lxcri-portfwd would at
 * start-host (lib/port/portsetup: the same target rules, nftables, route_localnet
 * with its guard, hairpin), replacing the item by the port.fwd items that
 * teardown removes. An address that is refused, or none within the time,
 * marks the item failed with the reason (logged; `lxcri status` shows it)
 * and applies nothing. It ends when nothing is left to wait for, or as
 * soon as the container's init exits: a stop, a reboot, a refused start;
 * the next run starts its own.
 *
 * Item data of "port.wait":
 *   {"port": N, "proto": "tcp", "host_first": 8080, "host_last": 8080,
 *    "ifname": "eth0", "until": <ms since the epoch>,
 *    "status": "waiting"|"failed", "reason": "..." or null}
 * Nothing of it is applied: teardown only drops it.
 */

#include <json-c/json.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/port/portsetup.h"
#include "lib/shared/state.h"

#define PORTWAIT_KIND "port.wait"

struct portwait_item {
	unsigned port; /* N of portN */
	int proto;     /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_first, host_last;
	char ifname[IFNAMSIZ]; /* the container interface it waits on */
	int64_t until_ms;      /* when the wait ends (CLOCK_REALTIME, ms) */
	bool failed;
	char reason[1024]; /* failed: why */
};

/* The item's data; NULL on -ENOMEM. */
struct json_object *portwait_item_to_json(const struct portwait_item *w);
/* -EINVAL naming the field that is missing or wrong. */
int portwait_item_from_json(struct json_object *data, struct portwait_item *ret,
			    struct lxcri_error *err);

/*
 * What `lxcri status` and `lxcri port list` show of each port of s: an
 * array of {"port": N, "proto", "host": "8080" or "8080-8089",
 * "status": "active"|"pending"|"failed", "targets": ["10.0.0.5:80", ...]
 * (active), "ifname" and "until" (pending, failed), "reason" (failed)},
 * in the order of the items. NULL on -ENOMEM.
 */
struct json_object *portwait_ports_status(const struct state *s);

/*
 * One entry of portwait_ports_status() on a line:
 *   "port0 tcp 8080: active (10.0.0.5:80, [fd00::5]:80)"
 *   "port0 tcp 8080: pending (waiting for an address on eth0, until 12:34:56)"
 *   "port0 tcp 8080: failed: <reason>"
 */
void portwait_describe(struct json_object *port, char *buf, size_t size);

/*
 * Starts the waiter for the port.wait items of s (the run s records) of
 * the container ps->pid, and returns: 0 once it runs, -errno (nothing
 * started) when the init cannot be pinned or its namespace not watched.
 */
int portwait_spawn(const struct portsetup *ps, const struct state *s, struct lxcri_error *err);
