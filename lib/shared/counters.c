/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Counters that outlive one hook. See counters.h. */
#include "lib/shared/counters.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/paths.h"
#include "lib/shared/json.h"
#include "lib/shared/jsonstore.h"

int counters_load(const char *run_dir, struct json_object **ret, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/" COUNTERS_FILE, run_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "The run directory's path is too long");
	return jsonstore_load(path, "counters", json_type_array, ret, err);
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
	_cleanup_json_ struct json_object *list = NULL;
	struct json_object *c, *v = NULL;
	char path[PATH_MAX], lock[PATH_MAX];
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
	r = jsonstore_load(path, "counters", json_type_array, &list, err);
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
	r = jsonstore_save(path, "counters", list, err);
out:
	close(fd);
	return r;
}
