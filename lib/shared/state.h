/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runtime state of a container: <run_dir>/<id>/state.json (json-c).
 * What was applied, when, by which hook, and the last error. Written ahead:
 * an item is recorded "pending" (and the file written) before it is applied,
 * and marked "applied" after, so that a crash at any point leaves a state
 * whose teardown undoes everything that may exist. Every write is atomic.
 *
 * {
 *   "version": 1,
 *   "id": "105",
 *   "phase": "running",             starting|running|stopping|stopped|refused
 *   "hook": "start-host",           the last hook that wrote it
 *   "started": 1763890000123,       ms since the epoch, this run's pre-start
 *   "updated": 1763890000456,
 *   "config": "/etc/pve/lxcri/105.conf",
 *   "items": [ { "kind": "veth", "status": "applied", "hook": "start-host",
 *                "time": 1763890000400, "data": { ... } } ],
 *   "last_error": { "hook": "pre-start", "time": ..., "message": "..." }   or null
 * }
 *
 * Every field above is required. "hook", "config", an item's "hook" and
 * "data", and "last_error.hook" may be null; "data" is otherwise a JSON
 * object (its content is the kind's business). Times are integers >= 0.
 * Fields not listed here are ignored, at the top level and inside items and
 * last_error, so that an older lxcri can read what a newer one wrote as long
 * as "version" stays 1; a change that old readers must not ignore bumps it.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"

#define STATE_VERSION  1
#define STATE_MAX_SIZE (4 * 1024 * 1024)
#define STATE_FILE     "state.json"

enum state_item_status { STATE_ITEM_PENDING, STATE_ITEM_APPLIED };

struct state_item {
	char *kind; /* what it is: "veth", "nft-element", ... (the undo is looked up by kind) */
	enum state_item_status status;
	char *hook;
	int64_t time_ms;
	struct json_object *data; /* owned: one reference */
};

struct state {
	char *id;
	char *phase;
	char *hook;
	int64_t started_ms, updated_ms;
	char *config_path;
	struct state_item *items;
	size_t n_items;
	bool has_error;
	char *error_hook;
	int64_t error_time_ms;
	char *error_message;

	/*
	 * Not in the file. A teardown works from the state in memory: undoing
	 * each item matters more than recording it. With save_best_effort set,
	 * a state_save() that fails keeps its error in save_error and returns
	 * 0, so that the caller goes on to the next item; a save that succeeds
	 * clears it. save_error.code != 0: the file lags behind this state.
	 */
	bool save_best_effort;
	struct lxcri_error save_error;
};

/* phase "starting", started and updated now; -EINVAL for an invalid id (paths_id_valid()). */
int state_new(const char *id, struct state **ret);
void state_free(struct state *s);
static inline void state_freep(struct state **s)
{
	state_free(*s);
	*s = NULL;
}
#define _cleanup_state_ __attribute__((cleanup(state_freep)))

/*
 * Strict: wrong types, unknown phase/status, missing fields are errors naming
 * the field: "<name>: field 'items[2].status' has unknown value 'done' ...";
 * invalid JSON gives the line and column. json need not be NUL-terminated.
 * -EINVAL, -EPROTONOSUPPORT for a "version" other than 1, -EFBIG above
 * STATE_MAX_SIZE.
 */
int state_parse(const char *name, const char *json, size_t size, struct state **ret,
		struct lxcri_error *err);
/* Reads <dir>/state.json. -ENOENT if there is none (err is filled all the same). */
int state_load(const char *dir, struct state **ret, struct lxcri_error *err);
/*
 * Sets updated_ms, writes <dir>/state.json (mode 0600) atomically
 * (atomic_write_file). The directory must exist. On failure updated_ms is
 * restored and the previous file is left as it was; with
 * s->save_best_effort the failure goes to s->save_error and 0 is returned.
 */
int state_save(const char *dir, struct state *s, struct lxcri_error *err);
/*
 * The JSON text (malloc'ed, pretty, with a final newline), as state_save
 * writes it. -EINVAL for a state that state_parse() would refuse (invalid
 * id, unknown phase, an item without kind, ...), so that what is written can
 * always be read back: state_parse(state_to_json(s)) gives s again.
 */
int state_to_json(const struct state *s, char **ret);

/* phase must be one of the phases above (-EINVAL); hook may be NULL. */
int state_set_phase(struct state *s, const char *phase, const char *hook);
/* Replaces *field by a copy of value (NULL allowed); *field is untouched on -ENOMEM. */
int state_set_string(char **field, const char *value);
/*
 * Appends a pending item (time now); takes the reference on data (also on
 * failure). kind non-empty, data an object or NULL, else -EINVAL.
 * ret_index may be NULL.
 */
int state_item_add(struct state *s, const char *kind, const char *hook, struct json_object *data,
		   size_t *ret_index);
/* Out-of-range indexes are ignored. Removing keeps the order of the other items. */
void state_item_set_applied(struct state *s, size_t index);
void state_item_remove(struct state *s, size_t index);
/* Sets last_error (time now); message required (-EINVAL), hook may be NULL. */
int state_set_error(struct state *s, const char *hook, const char *message);
void state_clear_error(struct state *s);

/* starting|running|stopping|stopped|refused */
bool state_phase_valid(const char *phase);
/* "pending", "applied"; NULL for a value out of the enum. */
const char *state_item_status_to_string(enum state_item_status status);

/* CLOCK_REALTIME in ms since the epoch. */
int64_t state_now_ms(void);
