/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Counters that outlive one hook. See counters.h. */
#include "lib/shared/counters.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/paths.h"
#include "lib/shared/json.h"

#define COUNTERS_MAX_SIZE (4 * 1024 * 1024)

static int load_path(const char *path, struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *list;
	char why[256];
	size_t size = 0;
	int r;

	r = fileio_read_file(path, COUNTERS_MAX_SIZE, &text, &size);
	if (r == -ENOENT) {
		*ret = json_object_new_array();
		return *ret ? 0 : error_oom(err);
	}
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	if (json_parse_strict(text, size, &root, why, sizeof(why)) < 0)
		return error_set(err, -EINVAL, "%s: %s", path, why);
	if (!json_object_object_get_ex(root, "counters", &list) ||
	    !json_object_is_type(list, json_type_array))
		return error_set(err, -EINVAL, "%s: no \"counters\" array", path);
	*ret = json_object_get(list);
	return 0;
}

int counters_load(const char *run_dir, struct json_object **ret, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/" COUNTERS_FILE, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	return load_path(path, ret, err);
}

/* Whether a series' labels (a JSON array) are exactly labels. */
static bool same_labels(struct json_object *have, const char *const *labels)
{
	size_t n = 0;

	while (labels && labels[n])
		n++;
	if (!json_object_is_type(have, json_type_array) || json_object_array_length(have) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(have, i));

		if (!s || strcmp(s, labels[i]) != 0)
			return false;
	}
	return true;
}

static struct json_object *find(struct json_object *list, const char *name,
				const char *const *labels)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i), *n, *l;

		if (json_object_object_get_ex(c, "name", &n) &&
		    json_object_object_get_ex(c, "labels", &l) &&
		    strcmp(json_object_get_string(n), name) == 0 && same_labels(l, labels))
			return c;
	}
	return NULL;
}

int counters_add(const char *run_dir, const char *name, const char *const *labels, double amount,
		 struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *list = NULL, *root = NULL;
	struct json_object *c, *v = NULL;
	char path[PATH_MAX], lock[PATH_MAX];
	const char *text;
	size_t n = 0;
	int fd, r;

	while (labels && labels[n])
		n++;
	if (!name || !name[0] || n % 2 != 0 || n / 2 > COUNTERS_LABELS_MAX)
		return error_set(err, -EINVAL, "Invalid counter '%s'", name ? name : "");
	if (paths_join(path, sizeof(path), "%s/" COUNTERS_FILE, run_dir) < 0 ||
	    paths_join(lock, sizeof(lock), "%s/" COUNTERS_LOCK, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	fd = lock_file(lock, COUNTERS_LOCK_MS, err);
	if (fd < 0)
		return fd;
	r = load_path(path, &list, err);
	if (r < 0)
		goto out;
	c = find(list, name, labels);
	if (!c) {
		struct json_object *l = json_object_new_array();

		if (json_object_array_length(list) >= COUNTERS_MAX) {
			json_object_put(l);
			r = error_set(err, -ENOSPC, "%s has %d counters already: '%s' is dropped",
				      path, COUNTERS_MAX, name);
			goto out;
		}
		c = json_object_new_object();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(l, json_object_new_string(labels[i]));
		json_object_object_add(c, "name", json_object_new_string(name));
		json_object_object_add(c, "labels", l);
		json_object_object_add(c, "value", json_object_new_double(0));
		json_object_array_add(list, c);
	}
	(void)json_object_object_get_ex(c, "value", &v); /* v NULL when there is none */
	json_object_object_add(
	    c, "value", json_object_new_double((v ? json_object_get_double(v) : 0) + amount));
	root = json_object_new_object();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "counters", json_object_get(list));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	r = text ? atomic_write_volatile(path, text, strlen(text), 0644, 0, err) : error_oom(err);
out:
	close(fd);
	return r;
}
