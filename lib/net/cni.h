/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A CNI runtime (the part of the reference "libcni" that a container
 * runtime links): loads a network configuration list and runs its plugins
 * for ADD, CHECK and DEL, following the CNI specification
 * (github.com/containernetworking/cni, SPEC.md).
 *
 * Configuration files. A directory is scanned for *.conf, *.conflist and
 * *.json files in lexical (byte) order; the first whose "name" matches is
 * used, so when two files define the same network the first file wins and
 * later ones are not read. A file met before the match that cannot be read
 * or parsed is an error naming it (as in libcni): a broken file is fixed,
 * never silently skipped (one that is gone by the time it is read, or a
 * dangling symlink, is skipped). A *.conflist must hold a list ({"name",
 * "cniVersion", "plugins": [...]}); a *.conf or *.json file may hold a list
 * or a single plugin configuration ({"name", "cniVersion", "type", ...}),
 * which is treated as a list of that one plugin.
 *
 * Versions. cniVersion 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0 are accepted
 * (0.1.0 and 0.2.0, whose results have another shape, are refused). With
 * "cniVersions" (1.1.0), the highest version listed that we accept is used
 * instead. Results are not converted between versions: each plugin gets
 * the previous plugin's result as "prevResult" unchanged, and the result of
 * ADD is the last plugin's. CHECK needs 0.4.0 or later. cni_plugin_versions()
 * asks a plugin which versions it supports (CNI_COMMAND=VERSION).
 *
 * What a plugin gets: the environment CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME, CNI_ARGS (when set), CNI_PATH and a fixed PATH,
 * nothing else; on stdin its own configuration with "name", "cniVersion"
 * and "prevResult" set by us. Not supported: "capabilities" and
 * "runtimeConfig" (so no portmap port mappings through capability args),
 * GC and STATUS (spec 1.1), and the "disableGC" key (accepted, ignored).
 *
 * Plugins are looked up by "type" in the plugin path only (no PATH
 * search): each directory must be absolute, and the file a regular
 * executable one. A type with '/' or that is "." or ".." is refused when the
 * configuration is parsed.
 *
 * ADD runs the plugins in order. If one fails, DEL is run for it and every
 * plugin before it, in reverse order, before the error is returned: nothing
 * is left half-applied. The result is cached atomically in
 * <cache_dir>/results/<network>-<container id>-<ifname> in libcni's
 * "cniCacheV1" layout, so cnitool and other libcni users can read it.
 *
 * DEL runs the plugins in reverse order with the cached result (if any) as
 * prevResult. A missing or unreadable cache is not an error, and so DEL is
 * idempotent. All plugins are run even if one fails; the first failure is
 * returned and the cache is kept then, so that DEL can be retried.
 *
 * CHECK runs the plugins in order with the cached result as prevResult;
 * no cache is an error (-ENOENT). With "disableCheck": true it returns 0
 * at once.
 *
 * A plugin that exits non-zero is reported with the CNI error it printed
 * ({"code", "msg", "details"}): "CNI plugin 'bridge' failed (code 11): <msg>
 * (<details>), on ADD of network 'mynet'"; return values: -EAGAIN for code
 * 11 (try again later), -ETIMEDOUT when it was killed at the timeout,
 * -ENOENT when it is not found, -EPROTO otherwise.
 *
 * Nothing here logs; needs json-c.
 */

#include <json-c/json_object.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/error.h"

#define CNI_DEFAULT_PLUGIN_PATH "/usr/lib/cni:/opt/cni/bin"
#define CNI_DEFAULT_CACHE_DIR	"/var/lib/cni"
#define CNI_DEFAULT_TIMEOUT_MS	UINT64_C(60000)
/* Larger configuration files are refused (-EFBIG). */
#define CNI_CONF_MAX_SIZE (1024 * 1024)

struct cni_plugin_conf {
	const char *type;	  /* points into conf */
	struct json_object *conf; /* the plugin's object, as written; owned by the list */
};

struct cni_conflist {
	char *source;	   /* the file (or name given to cni_parse_conflist()) */
	char *name;	   /* the network name */
	char *cni_version; /* the version used: cniVersion, or the best of cniVersions */
	bool disable_check;
	struct cni_plugin_conf *plugins;
	size_t n_plugins;
	char *bytes; /* the configuration as read, for the cache */
	size_t size;
	struct json_object *root; /* owns the plugins' objects */
};

struct cni_runtime {
	const char *container_id; /* required: [A-Za-z0-9][A-Za-z0-9_.-]* */
	const char *netns;	  /* e.g. /proc/<pid>/ns/net; required but for DEL */
	const char *ifname;	  /* required: the interface name inside the container */
	const char *args;	  /* CNI_ARGS ("K=V;K=V"), NULL for none */
	const char *plugin_path;  /* ':'-separated absolute dirs; NULL: CNI_DEFAULT_PLUGIN_PATH */
	const char *cache_dir;	  /* NULL: CNI_DEFAULT_CACHE_DIR */
	uint64_t timeout_ms;	  /* per plugin run; 0: CNI_DEFAULT_TIMEOUT_MS */
};

void cni_conflist_free(struct cni_conflist *list);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cni_conflist *, cni_conflist_free)
#define _cleanup_cni_conflist_ _cleanup_(cni_conflist_freep)

/*
 * Parses a configuration from data (size bytes, need not be NUL-terminated).
 * single_allowed: a single plugin configuration (no "plugins") is accepted
 * and wrapped into a list (*.conf files); otherwise "plugins" is required
 * (*.conflist). Errors start with "<source>: " and give the line and column
 * of bad JSON, or the field that is missing or wrong.
 */
int cni_parse_conflist(const char *source, const char *data, size_t size, bool single_allowed,
		       struct cni_conflist **ret, struct lxcri_error *err);

/* Reads one file: *.conflist as a list, anything else as either form. */
int cni_load_conflist_file(const char *path, struct cni_conflist **ret, struct lxcri_error *err);

/*
 * Finds the network named network_name in dir (see the top of this file).
 * -ENOENT, naming the directory, when no file defines it.
 */
int cni_load_conflist(const char *dir, const char *network_name, struct cni_conflist **ret,
		      struct lxcri_error *err);

/* Whether s is a network name the spec allows: [A-Za-z0-9][A-Za-z0-9_.-]*. */
bool cni_name_valid(const char *s);

/* The absolute path of plugin type in path_list (NULL: the default); -ENOENT if none. */
int cni_find_plugin(const char *path_list, const char *type, char *buf, size_t size,
		    struct lxcri_error *err);

/* <cache_dir>/results/<network>-<container id>-<ifname> */
int cni_cache_path(const struct cni_conflist *list, const struct cni_runtime *rt, char *buf,
		   size_t size);

/* ADD: the result (JSON text, the last plugin's) in *ret_result (may be NULL). */
int cni_add(const struct cni_conflist *list, const struct cni_runtime *rt, char **ret_result,
	    struct lxcri_error *err);
int cni_check(const struct cni_conflist *list, const struct cni_runtime *rt,
	      struct lxcri_error *err);
int cni_del(const struct cni_conflist *list, const struct cni_runtime *rt, struct lxcri_error *err);

/*
 * VERSION: the versions plugin type supports, a NULL-terminated list in
 * *ret_versions. cni_version is what we send as our own version.
 */
int cni_plugin_versions(const struct cni_runtime *rt, const char *type, const char *cni_version,
			char ***ret_versions, struct lxcri_error *err);
