/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `lxcri status`: per container, what is configured against what was applied. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "paths.h"
#include "state.h"

struct ct_status {
	char id[65];
	char config_path[PATH_MAX];
	bool configured; /* the config file exists */
	bool valid;
	char config_error[1024];
	size_t n_keys;
	bool config_changed;	/* differs from the snapshot the running container started with */
	struct state *state;	/* NULL: nothing applied, no record */
	char state_error[1024]; /* the state file exists but cannot be read */
};

/*
 * Every container that has a config or a state (sorted by id), or only id.
 * An id with neither gives one entry with configured=false and state NULL.
 */
int status_collect(const struct lxcri_paths *p, const char *id, struct ct_status **ret,
		   size_t *ret_n);
void status_free(struct ct_status *s, size_t n);
struct json_object *status_to_json(const struct ct_status *s, size_t n);
