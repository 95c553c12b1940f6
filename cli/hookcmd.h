/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `lxcri hooks list <id>` and `lxcri hooks run <id> <stage> [--dry-run]`. */

#include <json-c/json.h>
#include <stdbool.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"

struct cli;

/*
 * Every hook that will run for container id, per stage in order, with why
 * it matched (ocihooks_to_json()), the files skipped ("warnings"), and the
 * last run of each ("last_runs", from its state directory, or null).
 */
int hookcmd_list(const struct lxcri_paths *p, const char *id, struct json_object **ret,
		 struct lxcri_error *err);

/*
 * Runs the hooks of stage (a runtime-spec name) against the running
 * container id, as its start would (dry_run: prints them instead, and the
 * container need not run). Returns the number of hooks run or printed.
 */
int hookcmd_run(const struct lxcri_paths *p, const char *id, const char *stage, bool dry_run,
		struct lxcri_error *err);

/* "Last runs:" and a line for each run of runs (hookcmd_list()'s "last_runs"); nothing if none. */
void hookcmd_print_runs(struct json_object *runs);

/* lxcri hooks list|run ... */
int hookcmd_do_list(struct cli *cli);
int hookcmd_do_run(struct cli *cli);
