/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The results of `lxcri image check`: see checkrecord.h. */
#include "lib/image/checkrecord.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/paths.h"
#include "lib/shared/json.h"

#define CHECKRECORD_MAX_SIZE (4 * 1024 * 1024)

static int load_path(const char *path, struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *checks;
	char why[256];
	size_t size = 0;
	int r;

	r = fileio_read_file(path, CHECKRECORD_MAX_SIZE, &text, &size);
	if (r == -ENOENT) {
		*ret = json_object_new_object();
		return *ret ? 0 : error_oom(err);
	}
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	if (json_parse_strict(text, size, &root, why, sizeof(why)) < 0)
		return error_set(err, -EINVAL, "%s: %s", path, why);
	if (!json_object_object_get_ex(root, "checks", &checks) ||
	    !json_object_is_type(checks, json_type_object))
		return error_set(err, -EINVAL, "%s: no \"checks\" object", path);
	*ret = json_object_get(checks);
	return 0;
}

int checkrecord_load(const char *run_dir, struct json_object **ret, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/" CHECKRECORD_FILE, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	return load_path(path, ret, err);
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
	_cleanup_json_ struct json_object *checks = NULL, *root = NULL;
	struct json_object *rec;
	char path[PATH_MAX], lock[PATH_MAX];
	const char *text;
	int fd, r;

	if (!paths_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	if (paths_join(path, sizeof(path), "%s/" CHECKRECORD_FILE, run_dir) < 0 ||
	    paths_join(lock, sizeof(lock), "%s/" CHECKRECORD_LOCK, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	fd = lock_file(lock, CHECKRECORD_LOCK_MS, err);
	if (fd < 0)
		return fd;
	r = load_path(path, &checks, err);
	if (r < 0)
		goto out;
	if (!json_object_object_get_ex(checks, id, NULL) &&
	    json_object_object_length(checks) >= CHECKRECORD_MAX) {
		r = error_set(err, -ENOSPC, "%s holds %d checks already: '%s' is dropped", path,
			      CHECKRECORD_MAX, id);
		goto out;
	}
	rec = json_object_new_object();
	root = json_object_new_object();
	if (!rec || !root) {
		json_object_put(rec);
		r = error_oom(err);
		goto out;
	}
	json_object_object_add(rec, "image", json_object_new_string(image));
	json_object_object_add(rec, "remote", json_object_new_string(remote));
	json_object_object_add(rec, "newer", json_object_new_boolean(newer));
	json_object_object_add(rec, "time", json_object_new_int64((int64_t)when));
	json_object_object_add(checks, id, rec);
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "checks", json_object_get(checks));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	r = text ? atomic_write_volatile(path, text, strlen(text), 0644, 0, err) : error_oom(err);
out:
	close(fd);
	return r;
}
