/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small JSON file in the run directory that several processes change:
 *
 *   {"version": 1, "<member>": <an array or an object>}
 *
 * read whole, changed under the flock of a lock file beside it (the
 * caller's), written whole (temp file and rename, mode 0644, no fsync: the
 * run dir is a tmpfs). lib/shared/counters and lib/image/checkrecord keep
 * theirs so. At most JSONSTORE_MAX_SIZE bytes.
 */

#include <json-c/json.h>

#include "lib/basic/error.h"

#define JSONSTORE_MAX_SIZE (4 * 1024 * 1024)

/*
 * The member of path, of type json_type_array or json_type_object (a new
 * reference); an empty one without the file. -EINVAL naming path when it
 * does not parse or has no such member ("<path>: no \"counters\" array").
 */
int jsonstore_load(const char *path, const char *member, enum json_type type,
		   struct json_object **ret, struct lxcri_error *err);

/* Writes {"version": 1, member: value} to path, whole. */
int jsonstore_save(const char *path, const char *member, struct json_object *value,
		   struct lxcri_error *err);
