/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The results of `lxcri image check`: see checkrecord.h. */
#include "lib/image/checkrecord.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/paths.h"
#include "lib/shared/json.h"
#include "lib/shared/jsonstore.h"

int checkrecord_load(const char *run_dir, struct json_object **ret, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/" CHECKRECORD_FILE, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	return jsonstore_load(path, "checks", json_type_object, ret, err);
}

struct json_object *checkrecord_find(struct json_object *checks, const char *id, const char *image)
{
	struct json_object *rec, *v;

	if (!checks || !json_object_object_get_ex(checks, id, &rec) ||
	    !json_object_object_get_ex(rec, "image", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), image) != 0)
		return NULL;
	return rec;
}

int checkrecord_save(const char *run_dir, const char *id, const char *image, const char *remote,
		     bool newer, time_t when, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *checks = NULL;
	struct json_object *rec;
	char path[PATH_MAX], lock[PATH_MAX];
	int fd, r;

	if (!paths_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	if (paths_join(path, sizeof(path), "%s/" CHECKRECORD_FILE, run_dir) < 0 ||
	    paths_join(lock, sizeof(lock), "%s/" CHECKRECORD_LOCK, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	fd = lock_file(lock, CHECKRECORD_LOCK_MS, err);
	if (fd < 0)
		return fd;
	r = jsonstore_load(path, "checks", json_type_object, &checks, err);
	if (r < 0)
		goto out;
	if (!json_object_object_get_ex(checks, id, NULL) &&
	    json_object_object_length(checks) >= CHECKRECORD_MAX) {
		r = error_set(err, -ENOSPC, "%s holds %d checks already: '%s' is dropped", path,
			      CHECKRECORD_MAX, id);
		goto out;
	}
	rec = json_object_new_object();
	if (!rec) {
		r = error_oom(err);
		goto out;
	}
	json_object_object_add(rec, "image", json_object_new_string(image));
	json_object_object_add(rec, "remote", json_object_new_string(remote));
	json_object_object_add(rec, "newer", json_object_new_boolean(newer));
	json_object_object_add(rec, "time", json_object_new_int64((int64_t)when));
	json_object_object_add(checks, id, rec);
	r = jsonstore_save(path, "checks", checks, err);
out:
	close(fd);
	return r;
}
