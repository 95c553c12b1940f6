/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri net add|del|list`: a net<N> key of a container's lxcri config, and the
 * running container at once (cli/livechange.h, the transaction; the
 * feature is lib/net/netsetup.h). -errno with err set; result says what
 * happened (config_fault: refused for the config, file:line).
 */

#include "cli/livechange.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"

struct cli;

/* Adds "net<lowest free>: <value>" (a property string). */
int netcmd_add(const struct lxcri_paths *p, const char *id, const char *value, char *ret_name,
	       size_t name_size, struct livechange_result *result, struct lxcri_error *err);

/* Removes the net named name (its interface in the container). -ENOENT if none is. */
int netcmd_del(const struct lxcri_paths *p, const char *id, const char *name,
	       struct livechange_result *result, struct lxcri_error *err);

/* lxcri net add|del|list ... */
int netcmd_do_add(struct cli *cli);
int netcmd_do_del(struct cli *cli);
int netcmd_do_list(struct cli *cli);
