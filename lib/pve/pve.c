/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Proxmox VE node as pmxcfs and PVE's tools show it: see pve.h. */
#include <json-c/json.h>

#include "lib/pve/pve.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"

#define VMLIST_MAX	 (16 * 1024 * 1024)
#define GUEST_CONFIG_MAX (1024 * 1024)

/*
 * What .members says: 0 if it has a "cluster" whose "quorate" is 0, else 1
 * (a node outside a cluster has no "cluster" and is always quorate; a
 * .members that cannot be read leaves the answer to the write bits).
 */
static int members_quorate(const char *pve_dir)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *cluster, *q;
	char path[PATH_MAX], why[64];
	size_t size = 0;

	if (paths_join(path, sizeof(path), "%s/.members", pve_dir) < 0 ||
	    fileio_read_file(path, VMLIST_MAX, &text, &size) < 0 ||
	    json_parse_strict(text, size, &root, why, sizeof(why)) < 0)
		return 1;
	if (!json_object_object_get_ex(root, "cluster", &cluster) ||
	    !json_object_object_get_ex(cluster, "quorate", &q) ||
	    !json_object_is_type(q, json_type_int))
		return 1;
	return json_object_get_int(q) != 0;
}

int pve_quorate(const char *pve_dir)
{
	char path[PATH_MAX];
	struct stat st;
	int r = paths_join(path, sizeof(path), "%s/local", pve_dir);

	if (r < 0)
		return r;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	/* As PVE::Cluster::check_cfs_quorum: -w is always true for root. */
	if (!(st.st_mode & S_IWUSR))
		return 0;
	return members_quorate(pve_dir);
}

int pve_node_name(const char *pve_dir, char *ret, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *name;
	ssize_t n;
	int r = paths_join(path, sizeof(path), "%s/local", pve_dir);

	if (r < 0)
		return r;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (strncmp(target, "nodes/", 6) != 0 || !target[6] || strchr(target + 6, '/'))
		return -EINVAL;
	name = target + 6;
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	snprintf(ret, size, "%s", name);
	return 0;
}

int pve_vmid_owner(const char *pve_dir, const char *vmid, char *node, size_t node_size, char *type,
		   size_t type_size, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *ids = NULL, *entry, *v;
	char path[PATH_MAX], why[256];
	size_t size = 0;
	int r;

	if (paths_join(path, sizeof(path), "%s/.vmlist", pve_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "Path of .vmlist is too long");
	r = fileio_read_file(path, VMLIST_MAX, &text, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	r = json_parse_strict(text, size, &root, why, sizeof(why));
	if (r < 0)
		return error_set(err, -EINVAL, "%s: %s", path, why);
	/* pmxcfs leaves "ids" out when the cluster has no guest (cfs_create_vmlist_msg). */
	if (json_object_object_get_ex(root, "ids", &ids) &&
	    !json_object_is_type(ids, json_type_object))
		return error_set(err, -EINVAL, "%s: \"ids\" is not an object", path);
	if (!ids || !json_object_object_get_ex(ids, vmid, &entry))
		return error_set(err, -ENOENT, "The cluster does not know vmid %s ('%s')", vmid,
				 path);
	if (!json_object_object_get_ex(entry, "node", &v) ||
	    !json_object_is_type(v, json_type_string))
		return error_set(err, -EINVAL, "%s: vmid %s has no node", path, vmid);
	snprintf(node, node_size, "%s", json_object_get_string(v));
	if (json_object_object_get_ex(entry, "type", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(type, type_size, "%s", json_object_get_string(v));
	else
		snprintf(type, type_size, "%s", "");
	return 0;
}

int pve_config_lock_value(const char *text, size_t size, char *ret, size_t ret_size)
{
	const char *end = text + size;

	for (const char *line = text; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t n = eol ? (size_t)(eol - line) : (size_t)(end - line);

		/* A snapshot or pending section starts: the main section is over. */
		if (n > 0 && line[0] == '[')
			return 0;
		if (n > 5 && strncmp(line, "lock:", 5) == 0) {
			const char *v = line + 5;
			size_t k = n - 5;

			while (k > 0 && (*v == ' ' || *v == '\t'))
				v++, k--;
			while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t' || v[k - 1] == '\r'))
				k--;
			snprintf(ret, ret_size, "%.*s", (int)k, v);
			return 1;
		}
		line = eol ? eol + 1 : end;
	}
	return 0;
}

int pve_change_check(const struct lxcri_paths *p, const char *vmid, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	char here[256], owner[256], type[16], lock[64], path[PATH_MAX];
	size_t size = 0;
	int r = pve_quorate(p->pve_dir);

	if (r < 0)
		return error_set_errno(err, r, "Failed to tell whether '%s' has quorum",
				       p->pve_dir);
	if (r == 0)
		return error_set(err, -EACCES,
				 PVE_NO_QUORUM
				 " ('%s/local' is not writable): CT %s cannot be "
				 "changed until the node has quorum again (pvecm status)",
				 p->pve_dir, vmid);
	r = pve_vmid_owner(p->pve_dir, vmid, owner, sizeof(owner), type, sizeof(type), err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(type, "lxc") != 0)
		return error_set(err, -EINVAL, "vmid %s is a %s guest, not a container", vmid,
				 type[0] ? type : "non-container");
	r = pve_node_name(p->pve_dir, here, sizeof(here));
	if (r < 0)
		return error_set_errno(err, r, "Failed to read this node's name from '%s/local'",
				       p->pve_dir);
	if (strcmp(here, owner) != 0)
		return error_set(err, -EREMOTE,
				 "CT %s belongs to node '%s', not to this node '%s': run lxcri on "
				 "'%s'",
				 vmid, owner, here, owner);
	if (paths_join(path, sizeof(path), "%s/nodes/%s/lxc/%s.conf", p->pve_dir, here, vmid) < 0)
		return error_set(err, -ENAMETOOLONG, "Path of CT %s's config is too long", vmid);
	r = fileio_read_file(path, GUEST_CONFIG_MAX, &text, &size);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	if (pve_config_lock_value(text, size, lock, sizeof(lock)) > 0)
		return error_set(err, -EBUSY,
				 "CT %s is locked (%s): an operation is in progress ('lock: %s' in "
				 "'%s'); change it once that is done, or 'pct unlock %s' if it was "
				 "interrupted",
				 vmid, lock, lock, path, vmid);
	return 0;
}

int pve_config_lock(const struct lxcri_paths *p, const char *vmid, unsigned timeout_ms,
		    struct lxcri_error *err)
{
	char path[PATH_MAX];
	int fd;

	if (p->pve_lock_dir[0] != '/')
		return error_set(err, -EINVAL, "PVE's lock directory '%s' is not an absolute path",
				 p->pve_lock_dir);
	if (paths_join(path, sizeof(path), "%s/pve-config-%s.lock", p->pve_lock_dir, vmid) < 0)
		return error_set(err, -ENAMETOOLONG, "Path of PVE's config lock is too long");
	fd = lock_file(path, timeout_ms, err);
	if (fd == -EWOULDBLOCK)
		return error_set(
		    err, fd,
		    "PVE's config lock of CT %s ('%s') is held by another process "
		    "(a pct or API task) for more than %u s: try again once it is done",
		    vmid, path, timeout_ms / 1000);
	if (fd < 0)
		return error_set(err, fd, "Failed to take PVE's config lock of CT %s: %s", vmid,
				 err->message);
	return fd;
}
