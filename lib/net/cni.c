/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <json-c/json.h>

#include "lib/net/cni.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"
#include "lib/basic/paths.h"
#include "lib/basic/process.h"
#include "lib/basic/strv.h"

/* Oldest first; 0.1.0 and 0.2.0 results have another shape and are not accepted. */
static const char *const known_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };

#define CNI_SEARCH_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CNI_RESULT_MAX	(1024 * 1024)

enum cni_command { CNI_ADD, CNI_DEL, CNI_CHECK };
static const char *const command_names[] = {
	[CNI_ADD] = "ADD", [CNI_DEL] = "DEL", [CNI_CHECK] = "CHECK"
};

void cni_conflist_free(struct cni_conflist *list)
{
	if (!list)
		return;
	free(list->source);
	free(list->name);
	free(list->cni_version);
	free(list->plugins);
	free(list->bytes);
	if (list->root)
		json_object_put(list->root);
	free(list);
}

bool cni_name_valid(const char *s)
{
	if (!s ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

static int version_index(const char *v)
{
	for (size_t i = 0; v && i < ELEMENTSOF(known_versions); i++)
		if (strcmp(v, known_versions[i]) == 0)
			return (int)i;
	return -1;
}

/* A plugin name: printable, no '/', not "." or "..", at most NAME_MAX bytes. */
static bool plugin_type_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int source_error(struct lxcri_error *err, const char *source, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int source_error(struct lxcri_error *err, const char *source, int r, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(err, r, "%s: %s", source, what);
}

/* Strict JSON of exactly size bytes: nothing but blanks after the value. */
static int parse_json(const char *source, const char *json, size_t size, struct json_object **ret,
		      struct lxcri_error *err)
{
	char why[256];
	int r = json_parse_strict(json, size, ret, why, sizeof(why));

	if (r == -ENODATA)
		return source_error(err, source, -EINVAL, "empty, not a CNI configuration");
	if (r == -EINVAL)
		return source_error(err, source, r, "%s", why);
	return r;
}

/* The string field key of o; -EINVAL (explained) if missing or not a string. */
static int get_string(const char *source, const char *where, struct json_object *o, const char *key,
		      const char **ret, struct lxcri_error *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return source_error(err, source, -EINVAL, "%smissing '%s'", where, key);
	if (!json_object_is_type(v, json_type_string))
		return source_error(err, source, -EINVAL, "%s'%s' must be a string, not %s", where,
				    key, json_type_name(v));
	*ret = json_object_get_string(v);
	return 0;
}

static int pick_version(const char *source, struct json_object *root, const char *declared,
			char **ret, struct lxcri_error *err)
{
	char buf[ESCAPE_BUFSIZE];
	struct json_object *versions;
	int best = version_index(declared);

	if (json_object_object_get_ex(root, "cniVersions", &versions)) {
		size_t n;

		if (!json_object_is_type(versions, json_type_array))
			return source_error(err, source, -EINVAL,
					    "'cniVersions' must be an array, not %s",
					    json_type_name(versions));
		n = json_object_array_length(versions);
		for (size_t i = 0; i < n; i++) {
			struct json_object *v = json_object_array_get_idx(versions, i);
			int index;

			if (!json_object_is_type(v, json_type_string))
				return source_error(err, source, -EINVAL,
						    "cniVersions[%zu] must be a string, not %s", i,
						    json_type_name(v));
			index = version_index(json_object_get_string(v));
			if (index > best)
				best = index;
		}
	}
	if (best < 0)
		return source_error(err, source, -EOPNOTSUPP,
				    "cniVersion '%s' is not supported (0.3.0 to 1.1.0 are)",
				    escape_for_message(declared, buf, sizeof(buf)));
	*ret = strdup(known_versions[best]);
	return *ret ? 0 : -ENOMEM;
}

/* where: "plugins[<index>]: ", or "" for a single plugin configuration. */
static int parse_plugin(const char *source, const char *where, struct json_object *o,
			struct cni_plugin_conf *ret, struct lxcri_error *err)
{
	char buf[ESCAPE_BUFSIZE];
	const char *type;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return source_error(err, source, -EINVAL, "%smust be an object, not %s", where,
				    json_type_name(o));
	r = get_string(source, where, o, "type", &type, err);
	if (r < 0)
		return r;
	if (!plugin_type_valid(type))
		return source_error(err, source, -EINVAL,
				    "%s'type' '%s' is not a plugin name (no '/', not '.' or '..')",
				    where, escape_for_message(type, buf, sizeof(buf)));
	*ret = (struct cni_plugin_conf){ .type = type, .conf = o };
	return 0;
}

int cni_parse_conflist(const char *source, const char *data, size_t size, bool single_allowed,
		       struct cni_conflist **ret, struct lxcri_error *err)
{
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *plugins = NULL, *v;
	const char *name, *version;
	char buf[ESCAPE_BUFSIZE];
	int r;

	if (!source)
		source = "CNI configuration";
	if (!data && size > 0)
		return source_error(err, source, -EINVAL, "no data");
	if (size > CNI_CONF_MAX_SIZE)
		return source_error(err, source, -EFBIG, "%zu bytes, more than the %d allowed",
				    size, CNI_CONF_MAX_SIZE);
	r = parse_json(source, data, size, &root, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return source_error(err, source, -EINVAL, "must be a JSON object, not %s",
				    json_type_name(root));

	r = get_string(source, "", root, "name", &name, err);
	if (r < 0)
		return r;
	if (!cni_name_valid(name))
		return source_error(
		    err, source, -EINVAL,
		    "'name' '%s' is not a network name ([A-Za-z0-9][A-Za-z0-9_.-]*)",
		    escape_for_message(name, buf, sizeof(buf)));
	r = get_string(source, "", root, "cniVersion", &version, err);
	if (r < 0)
		return r;

	list = calloc(1, sizeof(*list));
	if (!list)
		return error_oom(err);
	list->source = strdup(source);
	list->name = strdup(name);
	list->bytes = malloc(size + 1);
	if (!list->source || !list->name || !list->bytes)
		return error_oom(err);
	if (size)
		memcpy(list->bytes, data, size);
	list->bytes[size] = '\0';
	list->size = size;
	r = pick_version(source, root, version, &list->cni_version, err);
	if (r < 0)
		return r;

	if (json_object_object_get_ex(root, "disableCheck", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return source_error(err, source, -EINVAL,
					    "'disableCheck' must be a boolean, not %s",
					    json_type_name(v));
		list->disable_check = json_object_get_boolean(v);
	}

	if (json_object_object_get_ex(root, "plugins", &plugins)) {
		size_t n;

		if (!json_object_is_type(plugins, json_type_array))
			return source_error(err, source, -EINVAL,
					    "'plugins' must be an array, not %s",
					    json_type_name(plugins));
		n = json_object_array_length(plugins);
		if (n == 0)
			return source_error(err, source, -EINVAL, "'plugins' is empty");
		list->plugins = calloc(n, sizeof(*list->plugins));
		if (!list->plugins)
			return error_oom(err);
		for (size_t i = 0; i < n; i++) {
			char where[64];

			snprintf(where, sizeof(where), "plugins[%zu]: ", i);
			r = parse_plugin(source, where, json_object_array_get_idx(plugins, i),
					 &list->plugins[i], err);
			if (r < 0)
				return r;
			list->n_plugins++;
		}
	} else if (single_allowed && json_object_object_get_ex(root, "type", NULL)) {
		list->plugins = calloc(1, sizeof(*list->plugins));
		if (!list->plugins)
			return error_oom(err);
		r = parse_plugin(source, "", root, &list->plugins[0], err);
		if (r < 0)
			return r;
		list->n_plugins = 1;
	} else {
		return source_error(err, source, -EINVAL, "missing 'plugins'%s",
				    single_allowed ? " (or 'type' for a single plugin)" : "");
	}
	list->root = TAKE_PTR(root);
	*ret = TAKE_PTR(list);
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

int cni_load_conflist_file(const char *path, struct cni_conflist **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t size = 0;
	int r;

	r = fileio_read_file(path, CNI_CONF_MAX_SIZE, &data, &size);
	if (r == -EFBIG)
		return error_set(err, r, "%s: larger than the %d bytes allowed", path,
				 CNI_CONF_MAX_SIZE);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	return cni_parse_conflist(path, data, size, !has_suffix(path, ".conflist"), ret, err);
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cni_load_conflist(const char *dir, const char *network_name, struct cni_conflist **ret,
		      struct lxcri_error *err)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	char buf[ESCAPE_BUFSIZE];
	struct dirent *de;

	if (!cni_name_valid(network_name))
		return error_set(
		    err, -EINVAL, "'%s' is not a CNI network name",
		    escape_for_message(network_name ? network_name : "", buf, sizeof(buf)));
	d = opendir(dir);
	if (!d)
		return error_set_errno(err, -errno,
				       "Failed to open CNI configuration directory '%s'", dir);
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    !(has_suffix(de->d_name, ".conf") || has_suffix(de->d_name, ".conflist") ||
		      has_suffix(de->d_name, ".json")))
			continue;
		if (strv_append(&names, &n, strdup(de->d_name)) < 0)
			return error_oom(err);
	}
	if (errno)
		return error_set_errno(err, -errno,
				       "Failed to read CNI configuration directory '%s'", dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_compare);

	for (size_t i = 0; i < n; i++) {
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
		char path[PATH_MAX];
		int r;

		r = paths_join(path, sizeof(path), "%s/%s", dir, names[i]);
		if (r < 0)
			return error_set(err, r, "Path '%s/%s' is too long", dir, names[i]);
		r = cni_load_conflist_file(path, &list, err);
		if (r == -ENOENT)
			continue; /* removed while we scanned, or a dangling symlink */
		if (r < 0)
			return r;
		if (strcmp(list->name, network_name) == 0) {
			*ret = TAKE_PTR(list);
			return 0;
		}
	}
	return error_set(err, -ENOENT, "No CNI network '%s' in '%s' (%zu configuration file%s)",
			 network_name, dir, n, n == 1 ? "" : "s");
}

int cni_find_plugin(const char *path_list, const char *type, char *buf, size_t size,
		    struct lxcri_error *err)
{
	_cleanup_free_ char *copy = NULL;
	char escaped[ESCAPE_BUFSIZE];
	char *saveptr = NULL;

	if (!type || !plugin_type_valid(type))
		return error_set(err, -EINVAL, "'%s' is not a CNI plugin name",
				 escape_for_message(type ? type : "", escaped, sizeof(escaped)));
	copy = strdup(path_list ? path_list : CNI_DEFAULT_PLUGIN_PATH);
	if (!copy)
		return error_oom(err);
	for (char *dir = strtok_r(copy, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
		struct stat st;

		if (dir[0] != '/')
			continue; /* relative dirs would depend on our cwd */
		if (paths_join(buf, size, "%s/%s", dir, type) < 0)
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
		    access(buf, X_OK) == 0)
			return 0;
	}
	return error_set(err, -ENOENT, "CNI plugin '%s' not found in '%s'",
			 escape_for_message(type, escaped, sizeof(escaped)),
			 path_list ? path_list : CNI_DEFAULT_PLUGIN_PATH);
}

static const char *rt_cache_dir(const struct cni_runtime *rt)
{
	return rt->cache_dir ? rt->cache_dir : CNI_DEFAULT_CACHE_DIR;
}

int cni_cache_path(const struct cni_conflist *list, const struct cni_runtime *rt, char *buf,
		   size_t size)
{
	return paths_join(buf, size, "%s/results/%s-%s-%s", rt_cache_dir(rt), list->name,
			  rt->container_id, rt->ifname);
}

/*
 * Every entry of the plugin path must be absolute: plugins such as bridge
 * look up their IPAM plugin in CNI_PATH themselves, relative to a working
 * directory we do not control.
 */
static int plugin_path_check(const char *path_list, struct lxcri_error *err)
{
	char buf[ESCAPE_BUFSIZE];
	const char *p = path_list ? path_list : CNI_DEFAULT_PLUGIN_PATH;

	while (*p) {
		size_t n = strcspn(p, ":");

		if (n > 0 && p[0] != '/') {
			char entry[PATH_MAX];
			snprintf(entry, sizeof(entry), "%.*s", (int)n, p);
			return error_set(err, -EINVAL,
					 "CNI plugin path entry '%s' is not an absolute directory",
					 escape_for_message(entry, buf, sizeof(buf)));
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

static int runtime_check(const struct cni_runtime *rt, enum cni_command command,
			 struct lxcri_error *err)
{
	char buf[ESCAPE_BUFSIZE];
	int r = plugin_path_check(rt->plugin_path, err);

	if (r < 0)
		return r;

	if (!rt->container_id || !cni_name_valid(rt->container_id))
		return error_set(
		    err, -EINVAL, "'%s' is not a CNI container id",
		    escape_for_message(rt->container_id ? rt->container_id : "", buf, sizeof(buf)));
	if (!rt->ifname || !valid_ifname(rt->ifname))
		return error_set(
		    err, -EINVAL, "'%s' is not an interface name",
		    escape_for_message(rt->ifname ? rt->ifname : "", buf, sizeof(buf)));
	if (command != CNI_DEL && (!rt->netns || rt->netns[0] != '/'))
		return error_set(err, -EINVAL, "CNI %s needs the network namespace as a path",
				 command_names[command]);
	if (rt->args && strchr(rt->args, '\n'))
		return error_set(err, -EINVAL, "CNI_ARGS must be a single line");
	return 0;
}

/* "K=V" into envp[*n], ++*n. */
static int env_add(char **envp, size_t *n, const char *key, const char *value)
{
	if (asprintf(&envp[*n], "%s=%s", key, value) < 0) {
		envp[*n] = NULL;
		return -ENOMEM;
	}
	envp[++*n] = NULL;
	return 0;
}

/* Why a run that did not exit 0 failed: the CNI error from stdout, else stderr or the status. */
static int describe_failure(const char *type, struct process_result *res, const char *context,
			    struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;
	char status[128], msg_buf[ESCAPE_BUFSIZE], details_buf[ESCAPE_BUFSIZE];
	const char *msg = NULL, *details = NULL;
	int64_t code = -1;

	if (res->timed_out)
		return error_set(err, -ETIMEDOUT, "CNI plugin '%s' %s and was killed, on %s", type,
				 process_result_describe(res, status, sizeof(status)), context);
	if (res->out && res->out_size) {
		o = json_tokener_parse(res->out);
		if (o && json_object_is_type(o, json_type_object)) {
			if (json_object_object_get_ex(o, "code", &v) &&
			    json_object_is_type(v, json_type_int))
				code = json_object_get_int64(v);
			if (json_object_object_get_ex(o, "msg", &v) &&
			    json_object_is_type(v, json_type_string))
				msg = json_object_get_string(v);
			if (json_object_object_get_ex(o, "details", &v) &&
			    json_object_is_type(v, json_type_string) && *json_object_get_string(v))
				details = json_object_get_string(v);
		}
	}
	if (msg || code >= 0) {
		if (msg)
			escape_for_message(msg, msg_buf, sizeof(msg_buf));
		if (details)
			escape_for_message(details, details_buf, sizeof(details_buf));
		return error_set(err, code == 11 ? -EAGAIN : -EPROTO,
				 "CNI plugin '%s' failed (code %" PRId64 "): %s%s%s%s, on %s", type,
				 code, msg ? msg_buf : "(no message)", details ? " (" : "",
				 details ? details_buf : "", details ? ")" : "", context);
	}
	process_result_describe(res, status, sizeof(status));
	if (res->err && res->err_size) {
		/* The last line of stderr: where programs put the reason they stopped. */
		char *text = res->err, *end = text + strlen(text), *newline;

		while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		newline = strrchr(text, '\n');
		if (newline)
			text = newline + 1;
		return error_set(err, -EPROTO, "CNI plugin '%s' %s: %s, on %s", type, status,
				 escape_for_message(text, msg_buf, sizeof(msg_buf)), context);
	}
	return error_set(err, -EPROTO, "CNI plugin '%s' %s, on %s", type, status, context);
}

/*
 * Runs one plugin for command with conf on stdin (name, cniVersion and
 * prevResult set). On success, *ret_out gets its stdout (ADD's result) if
 * ret_out is not NULL.
 */
static int run_plugin(const struct cni_conflist *list, const struct cni_plugin_conf *plugin,
		      const struct cni_runtime *rt, enum cni_command command,
		      struct json_object *prev_result, struct json_object **ret_out,
		      struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *conf = NULL, *out = NULL;
	char path[PATH_MAX], context[192];
	char *envp[9] = { NULL };
	struct process_result res = { 0 };
	struct lxcri_error e = { 0 };
	const char *stdin_text;
	size_t n_env = 0;
	int r;

	snprintf(context, sizeof(context), "%s of network '%s'", command_names[command],
		 list->name);
	r = cni_find_plugin(rt->plugin_path, plugin->type, path, sizeof(path), &e);
	if (r < 0)
		return error_set(err, r, "%s, on %s", e.message, context);

	r = json_object_deep_copy(plugin->conf, &conf, NULL);
	if (r < 0)
		return error_oom(err);
	if (json_add_string(conf, "name", list->name) < 0 ||
	    json_add_string(conf, "cniVersion", list->cni_version) < 0)
		return error_oom(err);
	json_object_object_del(conf, "prevResult");
	if (prev_result) {
		struct json_object *copy = NULL;

		if (json_object_deep_copy(prev_result, &copy, NULL) < 0)
			return error_oom(err);
		if (json_add(conf, "prevResult", copy) < 0)
			return error_oom(err);
	}
	stdin_text = json_object_to_json_string_ext(conf, JSON_C_TO_STRING_PLAIN);
	if (!stdin_text)
		return error_oom(err);

	r = env_add(envp, &n_env, "CNI_COMMAND", command_names[command]);
	if (r == 0)
		r = env_add(envp, &n_env, "CNI_CONTAINERID", rt->container_id);
	if (r == 0)
		r = env_add(envp, &n_env, "CNI_NETNS", rt->netns ? rt->netns : "");
	if (r == 0)
		r = env_add(envp, &n_env, "CNI_IFNAME", rt->ifname);
	if (r == 0 && rt->args)
		r = env_add(envp, &n_env, "CNI_ARGS", rt->args);
	if (r == 0)
		r = env_add(envp, &n_env, "CNI_PATH",
			    rt->plugin_path ? rt->plugin_path : CNI_DEFAULT_PLUGIN_PATH);
	if (r == 0) {
		envp[n_env] = strdup(CNI_SEARCH_PATH);
		r = envp[n_env] ? 0 : -ENOMEM;
		n_env++;
	}
	if (r < 0)
		r = error_oom(err);
	if (r == 0) {
		char *argv[] = { path, NULL };
		struct process_spec spec = {
			.path = path,
			.argv = argv,
			.envp = envp,
			.stdin_data = stdin_text,
			.stdin_size = strlen(stdin_text),
			.timeout_ms = rt->timeout_ms ? rt->timeout_ms : CNI_DEFAULT_TIMEOUT_MS,
			.capture_max = CNI_RESULT_MAX,
		};

		r = process_run(&spec, &res, &e);
		if (r < 0)
			r = error_set(err, r, "Failed to run CNI plugin '%s': %s, on %s",
				      plugin->type, e.message, context);
	}
	for (size_t i = 0; i < n_env; i++)
		free(envp[i]);
	if (r < 0)
		goto finish;

	if (!res.exited || res.exit_status != 0) {
		r = describe_failure(plugin->type, &res, context, err);
		goto finish;
	}
	if (ret_out) {
		if (res.out_truncated) {
			r = error_set(err, -EPROTO,
				      "CNI plugin '%s' returned more than %d bytes, on %s",
				      plugin->type, CNI_RESULT_MAX, context);
			goto finish;
		}
		out = json_tokener_parse(res.out);
		if (!out || !json_object_is_type(out, json_type_object)) {
			r = error_set(
			    err, -EPROTO,
			    "CNI plugin '%s' exited 0 but printed no result object, on %s",
			    plugin->type, context);
			goto finish;
		}
		*ret_out = TAKE_PTR(out);
	}
	r = 0;
finish:
	process_result_done(&res);
	return r;
}

static void base64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int mkdir_parents(const char *path, mode_t mode)
{
	_cleanup_free_ char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* CNI_ARGS as libcni caches it: [["K","V"], ...]. */
static struct json_object *cni_args_to_json(const char *args)
{
	_cleanup_json_ struct json_object *a = json_object_new_array();
	_cleanup_free_ char *copy = args ? strdup(args) : NULL;
	char *saveptr = NULL;

	if (!a || (args && !copy))
		return NULL;
	for (char *kv = copy ? strtok_r(copy, ";", &saveptr) : NULL; kv;
	     kv = strtok_r(NULL, ";", &saveptr)) {
		struct json_object *pair = json_object_new_array();
		char *eq = strchr(kv, '=');

		if (!pair || json_object_array_add(a, pair) < 0) {
			json_object_put(pair);
			return NULL;
		}
		if (eq)
			*eq = '\0';
		if (json_object_array_add(pair, json_object_new_string(kv)) < 0 ||
		    json_object_array_add(pair, json_object_new_string(eq ? eq + 1 : "")) < 0)
			return NULL;
	}
	return TAKE_PTR(a);
}

static int cache_write(const struct cni_conflist *list, const struct cni_runtime *rt,
		       struct json_object *result, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *encoded = NULL;
	struct json_object *result_copy = NULL;
	char path[PATH_MAX];
	const char *text;
	int r;

	if (!o)
		return error_oom(err);
	r = cni_cache_path(list, rt, path, sizeof(path));
	if (r < 0)
		return error_set(err, r, "CNI cache path in '%s' is too long", rt_cache_dir(rt));
	encoded = malloc((list->size + 2) / 3 * 4 + 1);
	if (!encoded)
		return error_oom(err);
	base64_encode((const unsigned char *)list->bytes, list->size, encoded);
	if (json_object_deep_copy(result, &result_copy, NULL) < 0)
		return error_oom(err);
	if (json_add_string(o, "kind", "cniCacheV1") < 0 ||
	    json_add_string(o, "containerId", rt->container_id) < 0 ||
	    json_add_string(o, "config", encoded) < 0 ||
	    json_add_string(o, "ifName", rt->ifname) < 0 ||
	    json_add_string(o, "networkName", list->name) < 0 ||
	    json_add_string(o, "netns", rt->netns ? rt->netns : "") < 0 ||
	    json_add(o, "cniArgs", cni_args_to_json(rt->args)) < 0 ||
	    json_add(o, "result", result_copy) < 0)
		return error_oom(err);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!text)
		return error_oom(err);
	r = mkdir_parents(path, 0700);
	if (r < 0)
		return error_set_errno(err, r, "Failed to create the CNI cache directory for '%s'",
				       path);
	return atomic_write_file(path, text, strlen(text), 0600, 0, err);
}

static bool cache_field_is(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
	       strcmp(json_object_get_string(v), want) == 0;
}

/*
 * The cached ADD result, or NULL in *ret when there is none usable (missing,
 * unreadable, or not a cache of this network, container and interface).
 */
static int cache_read(const struct cni_conflist *list, const struct cni_runtime *rt,
		      struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_free_ char *data = NULL;
	struct json_object *v, *result;
	char path[PATH_MAX];
	int r;

	*ret = NULL;
	r = cni_cache_path(list, rt, path, sizeof(path));
	if (r < 0)
		return error_set(err, r, "CNI cache path in '%s' is too long", rt_cache_dir(rt));
	r = fileio_read_file(path, CNI_CONF_MAX_SIZE + CNI_RESULT_MAX * 2, &data, NULL);
	if (r < 0)
		return 0;
	o = json_tokener_parse(data);
	if (!o || !json_object_is_type(o, json_type_object))
		return 0;
	if (!json_object_object_get_ex(o, "kind", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "cniCacheV1") != 0)
		return 0;
	if (!json_object_object_get_ex(o, "result", &result) ||
	    !json_object_is_type(result, json_type_object))
		return 0;
	/* "<net>-<id>-<if>" is ambiguous when names hold '-': the file says whose it is. */
	if (!cache_field_is(o, "networkName", list->name) ||
	    !cache_field_is(o, "containerId", rt->container_id) ||
	    !cache_field_is(o, "ifName", rt->ifname))
		return 0;
	*ret = json_object_get(result);
	return 0;
}

static int cache_remove(const struct cni_conflist *list, const struct cni_runtime *rt,
			struct lxcri_error *err)
{
	char path[PATH_MAX];
	int r;

	r = cni_cache_path(list, rt, path, sizeof(path));
	if (r < 0)
		return error_set(err, r, "CNI cache path in '%s' is too long", rt_cache_dir(rt));
	atomic_write_leftovers_remove(path);
	if (unlink(path) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove CNI cache '%s'", path);
	return 0;
}

/* DEL for plugins [0, count) in reverse; all run, the first error is kept. */
static int del_plugins(const struct cni_conflist *list, const struct cni_runtime *rt, size_t count,
		       struct json_object *prev_result, struct lxcri_error *err)
{
	int first = 0;

	for (size_t i = count; i-- > 0;) {
		struct lxcri_error e = { 0 };
		int r = run_plugin(list, &list->plugins[i], rt, CNI_DEL, prev_result, NULL, &e);

		if (r < 0 && first == 0) {
			first = r;
			if (err)
				*err = e;
		}
	}
	return first;
}

int cni_add(const struct cni_conflist *list, const struct cni_runtime *rt, char **ret_result,
	    struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *result = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = runtime_check(rt, CNI_ADD, err);
	if (r < 0)
		return r;
	if (list->n_plugins == 0)
		return error_set(err, -EINVAL, "CNI network '%s' has no plugins", list->name);
	for (size_t i = 0; i < list->n_plugins; i++) {
		struct json_object *next = NULL;

		r = run_plugin(list, &list->plugins[i], rt, CNI_ADD, result, &next, err);
		if (r == 0) {
			json_object_put(result);
			result = next;
			continue;
		}
		/*
		 * The failed plugin may have done part of its work: it is undone
		 * too, unless it never ran (-ENOENT: not found, or not executable).
		 */
		struct lxcri_error undo = { 0 };
		size_t count = r == -ENOENT ? i : i + 1;
		if (del_plugins(list, rt, count, result, &undo) < 0 && err) {
			size_t n = strlen(err->message);
			snprintf(err->message + n, sizeof(err->message) - n,
				 "; undoing it failed too: %s", undo.message);
		}
		return r;
	}

	r = cache_write(list, rt, result, err);
	if (r < 0) {
		struct lxcri_error undo = { 0 };

		del_plugins(list, rt, list->n_plugins, result, &undo);
		return r;
	}
	if (ret_result) {
		const char *s = json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN);

		text = s ? strdup(s) : NULL;
		if (!text) {
			struct lxcri_error undo = { 0 };

			del_plugins(list, rt, list->n_plugins, result, &undo);
			cache_remove(list, rt, &undo);
			return error_oom(err);
		}
		*ret_result = TAKE_PTR(text);
	}
	return 0;
}

static int version_at_least(const char *version, const char *minimum)
{
	return version_index(version) >= version_index(minimum);
}

int cni_check(const struct cni_conflist *list, const struct cni_runtime *rt,
	      struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *cached = NULL;
	int r;

	r = runtime_check(rt, CNI_CHECK, err);
	if (r < 0)
		return r;
	if (list->disable_check)
		return 0;
	if (!version_at_least(list->cni_version, "0.4.0"))
		return error_set(err, -EOPNOTSUPP,
				 "CNI CHECK needs cniVersion 0.4.0 or later, network '%s' has %s",
				 list->name, list->cni_version);
	r = cache_read(list, rt, &cached, err);
	if (r < 0)
		return r;
	if (!cached)
		return error_set(
		    err, -ENOENT,
		    "No cached CNI result of network '%s' for '%s' (%s): was it added?", list->name,
		    rt->container_id, rt->ifname);
	for (size_t i = 0; i < list->n_plugins; i++) {
		r = run_plugin(list, &list->plugins[i], rt, CNI_CHECK, cached, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cni_del(const struct cni_conflist *list, const struct cni_runtime *rt, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *cached = NULL;
	char path[PATH_MAX];
	int r;

	r = runtime_check(rt, CNI_DEL, err);
	if (r < 0)
		return r;
	r = cache_read(list, rt, &cached, err);
	if (r < 0)
		return r;
	r = del_plugins(list, rt, list->n_plugins, cached, err);
	if (r < 0)
		return r;
	/*
	 * A cache that is not this attachment's (see cache_read) is someone
	 * else's; the temp file of a write that a crash interrupted is ours.
	 */
	if (cached)
		return cache_remove(list, rt, err);
	r = cni_cache_path(list, rt, path, sizeof(path));
	if (r >= 0)
		atomic_write_leftovers_remove(path);
	return 0;
}

int cni_plugin_versions(const struct cni_runtime *rt, const char *type, const char *cni_version,
			char ***ret_versions, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *out = NULL;
	_cleanup_strv_ char **versions = NULL;
	_cleanup_free_ char *env_path = NULL;
	struct process_result res = { 0 };
	struct json_object *supported;
	char path[PATH_MAX], stdin_text[96];
	size_t n;
	int r;

	r = plugin_path_check(rt->plugin_path, err);
	if (r < 0)
		return r;
	r = cni_find_plugin(rt->plugin_path, type, path, sizeof(path), err);
	if (r < 0)
		return r;
	if (asprintf(&env_path, "CNI_PATH=%s",
		     rt->plugin_path ? rt->plugin_path : CNI_DEFAULT_PLUGIN_PATH) < 0) {
		env_path = NULL;
		return error_oom(err);
	}
	snprintf(stdin_text, sizeof(stdin_text), "{\"cniVersion\":\"%s\"}",
		 version_index(cni_version) >= 0 ? cni_version : "1.0.0");
	char *argv[] = { path, NULL };
	char *envp[] = { (char *)"CNI_COMMAND=VERSION", env_path, (char *)CNI_SEARCH_PATH, NULL };
	struct process_spec spec = {
		.path = path,
		.argv = argv,
		.envp = envp,
		.stdin_data = stdin_text,
		.stdin_size = strlen(stdin_text),
		.timeout_ms = rt->timeout_ms ? rt->timeout_ms : CNI_DEFAULT_TIMEOUT_MS,
	};

	r = process_run(&spec, &res, err);
	if (r < 0)
		return r;
	if (!res.exited || res.exit_status != 0) {
		r = describe_failure(type, &res, "VERSION", err);
		process_result_done(&res);
		return r;
	}
	out = json_tokener_parse(res.out);
	process_result_done(&res);
	if (!out || !json_object_object_get_ex(out, "supportedVersions", &supported) ||
	    !json_object_is_type(supported, json_type_array))
		return error_set(err, -EPROTO,
				 "CNI plugin '%s' gave no 'supportedVersions' for VERSION", type);
	n = json_object_array_length(supported);
	versions = calloc(n + 1, sizeof(*versions));
	if (!versions)
		return error_oom(err);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(supported, i);

		if (!json_object_is_type(v, json_type_string))
			return error_set(err, -EPROTO,
					 "CNI plugin '%s' gave a non-string supported version",
					 type);
		versions[i] = strdup(json_object_get_string(v));
		if (!versions[i])
			return error_oom(err);
	}
	*ret_versions = TAKE_PTR(versions);
	return 0;
}
