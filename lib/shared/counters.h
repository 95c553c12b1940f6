/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Counters that outlive one hook, for `lxcri metrics`: refused starts,
 * hook runs and their time, OCI hook runs. <run_dir>/.counters.json (the
 * run dir is a tmpfs: they start again at a reboot, which Prometheus takes
 * for a counter reset), changed under the flock of <run_dir>/.counters.lock
 * and written whole:
 *
 *   {"version": 1, "counters": [{"name": "lxcri_hook_runs_total",
 *     "labels": ["hook", "pre-start"], "value": 12}, ...]}
 *
 * At most COUNTERS_MAX series: a new one beyond is dropped (and said).
 * Best-effort by design: a caller on a start or stop path ignores the error.
 */

#include <json-c/json.h>

#include "lib/basic/error.h"

#define COUNTERS_FILE	    ".counters.json"
#define COUNTERS_LOCK	    ".counters.lock"
#define COUNTERS_MAX	    4096
#define COUNTERS_LOCK_MS    2000
#define COUNTERS_LABELS_MAX 4

/*
 * Adds amount to the series name{labels} (labels: {key, value, ..., NULL},
 * at most COUNTERS_LABELS_MAX pairs), made at 0 if new. -EINVAL, -ENOSPC
 * beyond COUNTERS_MAX, the lock's and the write's -errno.
 */
int counters_add(const char *run_dir, const char *name, const char *const *labels, double amount,
		 struct lxcri_error *err);

/*
 * The "counters" array (a new reference; an empty array without a file).
 * -EINVAL naming the file when it does not parse.
 */
int counters_load(const char *run_dir, struct json_object **ret, struct lxcri_error *err);
