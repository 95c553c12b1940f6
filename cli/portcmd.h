/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri port add|del|list|sync` and the port-forward drift of `lxcri
 * check`: the config edit, the live change of a running container, and the
 * rebuild of the nftables table from the state of the running containers.
 * The verbs (portcmd_do_add(), ...) parse the arguments, call these and
 * print.
 *
 * A change to a running container follows `lxcri net`: add applies the
 * forward first and writes the config after (removing the forward again if
 * the write fails); del writes the config first and removes the forward
 * after (restoring the config if that fails). Either way a failure leaves
 * the container and the config as they were. The container's lock is held
 * throughout, so a start or stop waits.
 */

#include "lib/port/portfwd.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"

struct cli;

struct portcmd_change {
	unsigned index;	  /* port<index> */
	char file[4096];  /* the config written */
	bool live;	  /* the running container changed too */
	bool was_applied; /* del: the running container had the forward */
};

/*
 * Adds "port<lowest free>: <value>" to the config of id. -EINVAL (an
 * invalid or conflicting port: the parser's message, file:line) and -EEXIST
 * are the config's fault; -EADDRINUSE a host port held by another container
 * or a host process (named); other -errno the operation failed.
 */
int portcmd_add(const struct lxcri_paths *p, const char *id, const char *value,
		struct portcmd_change *ret, struct lxcri_error *err);

/* Removes the port that forwards host_port of proto. -ENOENT if none does. */
int portcmd_del(const struct lxcri_paths *p, const char *id, int proto, uint16_t host_port,
		struct portcmd_change *ret, struct lxcri_error *err);

/*
 * The ports of id (NULL: of every container with a config or state), as a
 * JSON array of {"id", "port": N, "proto", "host": "8080" or "5000-5009",
 * "ct", "hostip", "net", "forwards": [{"family", "target", "in_table":
 * bool, "packets", "bytes"}] (the recorded forwards of a running container;
 * the counts of their elements in the table), "packets", "bytes" (of all
 * its forwards; null: none applied, or a table without counters)}.
 */
int portcmd_list(const struct lxcri_paths *p, const char *id, struct json_object **ret,
		 struct lxcri_error *err);

struct portcmd_sync_result {
	size_t containers; /* running containers whose forwards were put back */
	size_t forwards;   /* their forwards */
	size_t removed;	   /* elements of containers that no longer run */
	size_t failed;	   /* containers whose forwards could not be put back */
};

/*
 * Rebuilds the table (settings: port-table) from the state of the running
 * containers: the table, chains, maps and sets if missing, every recorded
 * forward with route_localnet and its guard (lib/port/localnet), and no element
 * of a container that does not run; route_localnet that no running
 * container needs any more goes back to what it was. A container that
 * fails is reported in err and counted; the others go on.
 */
int portcmd_sync(const struct lxcri_paths *p, struct portcmd_sync_result *ret,
		 struct lxcri_error *err);

/*
 * Compares the table with the state of the containers: 0 in sync, 1 drift
 * (detail says what: a missing table or chain, N forwards of running
 * containers missing, N elements of containers that do not run, N elements
 * without an owner: no container's state records them, the first named),
 * -errno if it cannot tell.
 */
int portcmd_drift(const struct lxcri_paths *p, char *detail, size_t size,
		  struct portfwd_entry **ret_entries, size_t *ret_n);

/*
 * route_localnet on the host (lib/port/localnet): 2 when an interface lxcri set
 * it on has it without the guard, 1 when one lxcri did not set has it
 * without a guard (another tool's, guarded its own way or not) or it is
 * kept for containers that no longer need it, 0 when every interface at
 * route_localnet=1 has the guard; detail names the interfaces. -errno if
 * it cannot tell.
 */
int portcmd_localnet_check(const struct lxcri_paths *p, char *detail, size_t size);

/* lxcri port add|del|list|sync ... */
int portcmd_do_add(struct cli *cli);
int portcmd_do_del(struct cli *cli);
int portcmd_do_list(struct cli *cli);
int portcmd_do_sync(struct cli *cli);
