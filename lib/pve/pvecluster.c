/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster as pmxcfs shows it, and the nodes' summaries: see pvecluster.h. */
#include "lib/pve/pvecluster.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/paths.h"
#include "lib/pve/pve.h"
#include "lib/shared/json.h"

#define STATUS_FILE_MAX (16 * 1024 * 1024)

/* <pve_dir>/<name> parsed: 0, or -errno with err naming the file. */
static int read_json(const char *pve_dir, const char *name, struct json_object **ret,
		     struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX], why[256];
	size_t size = 0;
	int r;

	if (paths_join(path, sizeof(path), "%s/%s", pve_dir, name) < 0)
		return error_set(err, -ENAMETOOLONG, "Path of '%s' is too long", name);
	r = fileio_read_file(path, STATUS_FILE_MAX, &text, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	r = json_parse_strict(text, size, ret, why, sizeof(why));
	if (r < 0)
		return error_set(err, -EINVAL, "%s: %s", path, why);
	if (!json_object_is_type(*ret, json_type_object)) {
		json_object_put(*ret);
		*ret = NULL;
		return error_set(err, -EINVAL, "%s: not a JSON object", path);
	}
	return 0;
}

static int compare_members(const void *a, const void *b)
{
	return strcmp(((const struct pvecluster_member *)a)->name,
		      ((const struct pvecluster_member *)b)->name);
}

int pvecluster_members(const char *pve_dir, struct pvecluster_member **ret, size_t *ret_n,
		       struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *list, *v;
	struct pvecluster_member *m;
	size_t n = 0;
	int r = read_json(pve_dir, ".members", &root, err);

	if (r < 0)
		return r;
	if (!json_object_object_get_ex(root, "nodelist", &list)) {
		/* Local mode: this node alone. */
		if (!json_object_object_get_ex(root, "nodename", &v) ||
		    !json_object_is_type(v, json_type_string))
			return error_set(err, -EINVAL,
					 "%s/.members: neither \"nodelist\" nor \"nodename\"",
					 pve_dir);
		m = calloc(1, sizeof(*m));
		if (!m)
			return error_oom(err);
		snprintf(m->name, sizeof(m->name), "%s", json_object_get_string(v));
		m->online = true;
		*ret = m;
		*ret_n = 1;
		return 0;
	}
	if (!json_object_is_type(list, json_type_object))
		return error_set(err, -EINVAL, "%s/.members: \"nodelist\" is not an object",
				 pve_dir);
	m = calloc((size_t)json_object_object_length(list) + 1, sizeof(*m));
	if (!m)
		return error_oom(err);
	json_object_object_foreach(list, name, node)
	{
		struct json_object *online;

		if (strlen(name) >= sizeof(m[n].name))
			continue;
		snprintf(m[n].name, sizeof(m[n].name), "%s", name);
		m[n].online = json_object_object_get_ex(node, "online", &online) &&
			      json_object_get_int(online) != 0;
		n++;
	}
	qsort(m, n, sizeof(*m), compare_members);
	*ret = m;
	*ret_n = n;
	return 0;
}

static int compare_guests(const void *a, const void *b)
{
	const struct pvecluster_guest *x = a, *y = b;
	size_t lx = strlen(x->vmid), ly = strlen(y->vmid);

	/* Numerically: vmids are decimal without leading zeros. */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->vmid, y->vmid);
}

int pvecluster_vmlist(const char *pve_dir, struct pvecluster_guest **ret, size_t *ret_n,
		      struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *ids = NULL;
	struct pvecluster_guest *g;
	size_t n = 0;
	int r = read_json(pve_dir, ".vmlist", &root, err);

	if (r < 0)
		return r;
	/* pmxcfs leaves "ids" out when the cluster has no guest (cfs_create_vmlist_msg). */
	if (json_object_object_get_ex(root, "ids", &ids) &&
	    !json_object_is_type(ids, json_type_object))
		return error_set(err, -EINVAL, "%s/.vmlist: \"ids\" is not an object", pve_dir);
	g = calloc((ids ? (size_t)json_object_object_length(ids) : 0) + 1, sizeof(*g));
	if (!g)
		return error_oom(err);
	if (ids) {
		json_object_object_foreach(ids, vmid, entry)
		{
			struct json_object *node, *type;

			if (strlen(vmid) >= sizeof(g[n].vmid) ||
			    !json_object_object_get_ex(entry, "node", &node) ||
			    !json_object_is_type(node, json_type_string) ||
			    strlen(json_object_get_string(node)) >= sizeof(g[n].node))
				continue;
			snprintf(g[n].vmid, sizeof(g[n].vmid), "%s", vmid);
			snprintf(g[n].node, sizeof(g[n].node), "%s", json_object_get_string(node));
			if (json_object_object_get_ex(entry, "type", &type) &&
			    json_object_is_type(type, json_type_string))
				snprintf(g[n].type, sizeof(g[n].type), "%s",
					 json_object_get_string(type));
			n++;
		}
	}
	qsort(g, n, sizeof(*g), compare_guests);
	*ret = g;
	*ret_n = n;
	return 0;
}

const struct pvecluster_guest *pvecluster_guest_find(const struct pvecluster_guest *g, size_t n,
						     const char *vmid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].vmid, vmid) == 0)
			return &g[i];
	return NULL;
}

static int summary_path(const char *pve_dir, const char *node, char *buf, size_t size)
{
	return paths_join(buf, size, "%s/nodes/%s/%s", pve_dir, node, PVECLUSTER_SUMMARY_FILE);
}

int pvecluster_summary_read(const char *pve_dir, const char *node, struct json_object **ret,
			    struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ char *text = NULL;
	struct json_object *v;
	char path[PATH_MAX], why[256];
	size_t size = 0;
	int r;

	if (!paths_id_valid(node) || summary_path(pve_dir, node, path, sizeof(path)) < 0)
		return error_set(err, -EINVAL, "Invalid node name '%s'", node);
	r = fileio_read_file(path, PMXCFS_FILE_MAX, &text, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	r = json_parse_strict(text, size, &root, why, sizeof(why));
	if (r < 0)
		return error_set(err, -EINVAL, "%s: %s", path, why);
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "time", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    !json_object_object_get_ex(root, "containers", &v) ||
	    !json_object_is_type(v, json_type_object))
		return error_set(err, -EINVAL, "%s: no \"time\" or \"containers\"", path);
	if (!json_object_object_get_ex(root, "node", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), node) != 0)
		return error_set(err, -EINVAL, "%s: not the summary of node '%s'", path, node);
	*ret = TAKE_PTR(root);
	return 0;
}

int pvecluster_publish(const char *pve_dir, const char *node, struct json_object *containers,
		       bool truncated, time_t now, enum pvecluster_published *ret,
		       struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = json_object_new_object(), *old = NULL;
	struct lxcri_error ignored = { 0 };
	struct json_object *v, *c;
	char path[PATH_MAX];
	const char *text;
	int r;

	if (!root) {
		json_object_put(containers);
		return error_oom(err);
	}
	json_object_object_add(root, "containers", containers);
	r = pve_quorate(pve_dir);
	if (r < 0)
		return error_set_errno(err, r, "Failed to tell the quorum of '%s'", pve_dir);
	if (r == 0) {
		*ret = PVECLUSTER_NO_QUORUM;
		return 0;
	}
	if (!paths_id_valid(node) || summary_path(pve_dir, node, path, sizeof(path)) < 0)
		return error_set(err, -EINVAL, "Invalid node name '%s'", node);
	/* The same containers, written lately: nothing to write. */
	if (pvecluster_summary_read(pve_dir, node, &old, &ignored) == 0 &&
	    json_object_object_get_ex(old, "time", &v) &&
	    json_object_get_int64(v) + PVECLUSTER_REFRESH_S > (int64_t)now &&
	    json_object_get_int64(v) <= (int64_t)now &&
	    json_object_object_get_ex(old, "containers", &c) && json_object_equal(c, containers)) {
		*ret = PVECLUSTER_UNCHANGED;
		return 0;
	}
	json_object_object_add(root, "node", json_object_new_string(node));
	json_object_object_add(root, "time", json_object_new_int64((int64_t)now));
	json_object_object_add(root, "version", json_object_new_string(LXCRI_VERSION));
	json_object_object_add(root, "truncated", json_object_new_boolean(truncated));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (!text)
		return error_oom(err);
	if (strlen(text) > PVECLUSTER_SUMMARY_MAX)
		return error_set(err, -EFBIG,
				 "The summary for '%s' would be %zu bytes (at most %d)", path,
				 strlen(text), PVECLUSTER_SUMMARY_MAX);
	r = atomic_write_file(path, text, strlen(text), 0640, PMXCFS_FILE_MAX, err);
	if (r < 0)
		return r;
	*ret = PVECLUSTER_WRITTEN;
	return 0;
}
