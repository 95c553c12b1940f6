/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's port forwards from its config (portN): what lxcri-portfwd
 * does at start-host and at teardown, and what `lxcri port add|del` do to a
 * running container. Built on lib/port/portfwd (the nftables table) and
 * lib/netlink (the container's addresses, the host's route to them).
 *
 * The target of portN is an address of the container interface net= names;
 * without net=, the interface of the container's default route (IPv4, else
 * IPv6); a container without one needs net=. The address comes from the
 * configs, else from the container within the subnet of its link, never
 * one it chose alone (lib/port/porttarget). A forward goes to the IPv4 address
 * and, when there is one, to the IPv6 address too (hostip= picks its own
 * family only); an IPv6 address that is refused, or left to DHCP/SLAAC, is
 * only logged when the IPv4 one is forwarded.
 *
 * 127.0.0.1 reaches the forward when the host routes the IPv4 target
 * through the host side of the container's link (its veth's bridge, or the
 * veth's host end): that interface is the forward's localnet_if, which gets
 * route_localnet=1 with its guard (lib/port/localnet) once the forward is in the
 * table, and back when the container's last forward through it goes. The
 * records are under <run_dir>/.localnet.
 *
 * A port whose address is not known yet (ip=dhcp) waits for it: see
 * lib/port/portwait.h.
 *
 * Written ahead as lib/net/netsetup does: one item "port.fwd" per portN and
 * family, pending, saved; then all forwards of the change in one nftables
 * transaction; then marked applied, saved. Item data: portfwd_to_json() of
 * the forward plus "port": N and "table": the nftables table.
 *
 * Functions return 0 or -errno with err set; they log one info line per
 * change (lib/basic/log.h).
 */

#include <stdbool.h>
#include <sys/types.h>

#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/port/portfwd.h"
#include "lib/shared/state.h"

struct portsetup {
	const char *id;			 /* container id: the owner of the elements */
	pid_t pid;			 /* the container's init: its netns has the targets */
	const char *state_dir;		 /* where state.json is */
	const struct settings *settings; /* port-table */
	const struct lxcri_paths *paths; /* the configs of targets; run_dir: localnet records */
	const char *hook;		 /* who applies, recorded in each item: NULL "start-host" */
	/*
	 * > 0 (start-host): a port whose target address is not known yet
	 * (lib/port/portwait.h) is recorded as "port.wait" and waited for this long
	 * by a waiter started here; 0: it fails with -EADDRNOTAVAIL.
	 */
	unsigned wait_ms;
	int netns_fd; /* > 2: the container's netns, used instead of pid's (the waiter) */
};

/*
 * The forwards of ports (n of them) for the running container ps->pid, with
 * targets (see above; c: the lxcri config it runs with, for its nets),
 * subnets and localnet_if. *ret freed with free(). The host end of each
 * target interface, when it is a veth on a bridge, is put in hairpin mode
 * (see netlink_bridge_port_set_hairpin()).
 */
int portsetup_resolve(const struct portsetup *ps, const struct config *c,
		      const struct config_port *ports, size_t n, struct portfwd **ret,
		      size_t *ret_n, struct lxcri_error *err);

/*
 * Applies every portN of c: all or nothing (one transaction). On failure
 * nothing of c's forwards is in the table and their items are gone from s
 * (saved). Conflicts name the container or process holding the port.
 * With ps->wait_ms, the ports whose address is not known yet are recorded
 * and waited for (lib/port/portwait.h) instead.
 */
int portsetup_apply(const struct portsetup *ps, const struct config *c, struct state *s,
		    struct lxcri_error *err);

/* The same for one port of c, of a running container (`lxcri port add`). */
int portsetup_apply_port(const struct portsetup *ps, const struct config *c,
			 const struct config_port *port, struct state *s, struct lxcri_error *err);

/*
 * Removes the forwards the port.* items of s record (only those of proto and
 * host port host_port when proto > 0: `lxcri port del`) in one transaction,
 * flushes their connection tracking, releases route_localnet on each
 * localnet_if no item left needs, removes the items (and the port.wait
 * items, which record nothing applied) and saves s. Returns the number of
 * items left (0, or all of them when the removal failed).
 */
size_t portsetup_teardown(const struct portsetup *ps, struct state *s, int proto,
			  uint16_t host_port, struct lxcri_error *err);

/* Whether an item kind is one of ours ("port.*": port.fwd, port.wait). */
bool portsetup_item_kind(const char *kind);

/* <run_dir>/.localnet: where lib/port/localnet keeps its records. */
int portsetup_localnet_dir(const struct lxcri_paths *p, char *buf, size_t size);

/* The forwards recorded in s (port.fwd, applied or pending): for `lxcri port sync`. */
int portsetup_recorded(const struct state *s, struct portfwd **ret, size_t *ret_n,
		       struct lxcri_error *err);
