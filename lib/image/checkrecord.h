/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What `lxcri image check` found, per container, for `lxcri metrics`
 * (lxcri_image_update_available): <run_dir>/.image-checks.json, changed
 * under the flock of <run_dir>/.image-checks.lock, written whole:
 *
 *   {"version": 1, "checks": {"<id>": {"image": "<ref>@<digest>" (the
 *    config's image key when checked), "remote": "<digest the tag names>",
 *    "newer": bool, "time": <unix seconds>}, ...}}
 *
 * A record stays until the next check of the id; a reader compares its
 * "image" with the config's (a container made again from another image
 * has none that counts). The run dir is a tmpfs: a reboot forgets them.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "lib/basic/error.h"

#define CHECKRECORD_FILE    ".image-checks.json"
#define CHECKRECORD_LOCK    ".image-checks.lock"
#define CHECKRECORD_LOCK_MS 2000
#define CHECKRECORD_MAX	    4096 /* records; a new one beyond is refused */

/* Records the check of id. -EINVAL, -ENOSPC, the lock's and the write's -errno. */
int checkrecord_save(const char *run_dir, const char *id, const char *image, const char *remote,
		     bool newer, time_t when, struct lxcri_error *err);

/* The "checks" object (a new reference; empty without a file). -EINVAL naming the file. */
int checkrecord_load(const char *run_dir, struct json_object **ret, struct lxcri_error *err);

/* The record of id whose "image" is image (borrowed from checks), or NULL. */
struct json_object *checkrecord_find(struct json_object *checks, const char *id, const char *image);
