/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A small JSON file of the run directory. See jsonstore.h. */
#include "lib/shared/jsonstore.h"

#include <errno.h>
#include <string.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"

int jsonstore_load(const char *path, const char *member, enum json_type type,
		   struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *v;
	const char *word = type == json_type_array ? "array" : "object";
	char why[256];
	size_t size = 0;
	int r;

	r = fileio_read_file(path, JSONSTORE_MAX_SIZE, &text, &size);
	if (r == -ENOENT) {
		*ret = type == json_type_array ? json_object_new_array() : json_object_new_object();
		return *ret ? 0 : error_oom(err);
	}
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	if (json_parse_strict(text, size, &root, why, sizeof(why)) < 0)
		return error_set(err, -EINVAL, "%s: %s", path, why);
	if (!json_object_object_get_ex(root, member, &v) || !json_object_is_type(v, type))
		return error_set(err, -EINVAL, "%s: no \"%s\" %s", path, member, word);
	*ret = json_object_get(v);
	return 0;
}

int jsonstore_save(const char *path, const char *member, struct json_object *value,
		   struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = json_object_new_object();
	const char *text;

	if (!root)
		return error_oom(err);
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, member, json_object_get(value));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (!text)
		return error_oom(err);
	return atomic_write_volatile(path, text, strlen(text), 0644, 0, err);
}
