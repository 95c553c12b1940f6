/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * route_localnet for the port forwards of 127.0.0.1, never without its guard.
 *
 * A connection of the host to 127.0.0.1:<forwarded port> keeps its source
 * 127.0.0.1 after the DNAT, and Linux sends such a packet out of an
 * interface only with net.ipv4.conf.<if>.route_localnet=1. The same switch
 * routes packets with a 127.0.0.0/8 address in from that interface: a
 * neighbour on the bridge would reach the host's loopback services. So the
 * interface gets the guard first (netlink_localnet_guard_add(): a filter on
 * its ingress; it lives with the interface, `nft flush ruleset` leaves it),
 * and route_localnet=1 only after; the other way round when the last
 * forward that needs it goes:
 *
 *   acquire  record the owner -> guard -> route_localnet=1
 *   release  forget the owner; the last one: route_localnet back to what it
 *            was -> guard removed (and the qdisc, if we made it) -> record gone
 *
 * The records, under dir (<run_dir>/.localnet), changed under dir/.lock:
 *   dir/<ifname>/.state     "previous <0|1>\nqdisc <made|found>\n": the value
 *                           before we set it, whether we made the qdisc
 *   dir/<ifname>/<owner>    an empty file per container that needs it
 * Each is written before the step it stands for, so a crash at any point
 * leaves nothing or a record that the next release (or `lxcri port sync`)
 * completes, and never route_localnet=1 without the guard. One file per
 * owner: a start or stop costs the same with 1 or 1,000 containers on a
 * bridge.
 *
 * Never for "lo" (nor "all" or "default": they are no interfaces).
 * Functions return >= 0 or -errno with err set; they do not log.
 */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

#define LOCALNET_DIR ".localnet" /* under the run dir */

/* Whether ifname may get route_localnet from us: a valid name, not lo/all/default. */
bool localnet_ifname_valid(const char *ifname);

/*
 * owner needs route_localnet on ifname: guard, then route_localnet=1 (each
 * only if missing). -ENODEV naming ifname if it does not exist. On failure
 * nothing of this call is left (the owner is released again).
 */
int localnet_acquire(const char *dir, const char *ifname, const char *owner,
		     struct lxcri_error *err);

/*
 * owner no longer needs it: 1 when it was the last one (route_localnet is
 * back to its previous value, the guard gone), 0 when others remain (or
 * nothing was recorded for ifname). An interface that is gone is fine.
 * owner NULL: only complete a record that has no owner left (a crash).
 */
int localnet_release(const char *dir, const char *ifname, const char *owner,
		     struct lxcri_error *err);

/* One record: an interface we set route_localnet on, and who needs it. */
struct localnet_record {
	char ifname[IFNAMSIZ];
	int previous;  /* route_localnet before us: 0 or 1; -1 unknown (no .state) */
	char **owners; /* NULL-terminated */
	size_t n_owners;
};

/* Every record, sorted by interface. Free with localnet_records_free(). */
int localnet_records(const char *dir, struct localnet_record **ret, size_t *ret_n,
		     struct lxcri_error *err);
void localnet_records_free(struct localnet_record *r, size_t n);

/* An entry of /proc/sys/net/ipv4/conf at route_localnet=1 ("all" and "default" too; not "lo"). */
struct localnet_on {
	char ifname[IFNAMSIZ];
	bool guarded; /* netlink_localnet_guard_present() */
};

/* Every interface of this network namespace at route_localnet=1, sorted. */
int localnet_scan(struct localnet_on **ret, size_t *ret_n, struct lxcri_error *err);

/* net.ipv4.conf.<ifname>.route_localnet: 0, 1, or -ENODEV / -errno. */
int localnet_sysctl_get(const char *ifname);
