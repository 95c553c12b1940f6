/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "cli/status.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/shared/json.h"
#include "lib/basic/fileio.h"
#include "lib/lsm/profiles.h"
#include "cli/clusterstatus.h"
#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "lib/hook/lifecycle.h"
#include "lib/net/netsetup.h"
#include "lib/ocihooks/ocirun.h"
#include "lib/basic/parse.h"
#include "lib/port/portwait.h"
#include "lib/basic/process.h"
#include "cli/cli.h"
#include "cli/hookcmd.h"

#define LXC_INFO_TIMEOUT_MS 10000

bool status_lxc_running(const struct ct_lxc *lxc)
{
	return lxc->exists && lxc->pid > 0 &&
	       (strcmp(lxc->state, "RUNNING") == 0 || strcmp(lxc->state, "FROZEN") == 0);
}

int status_lxc_namespaces(const struct lxcri_paths *p, const char *id, pid_t pid, struct ctns *ret,
			  struct lxcri_error *err)
{
	struct ctns ns = CTNS_NONE;
	struct ct_lxc again;
	int r = ctns_open_pid(pid, &ns, err);

	if (r >= 0)
		r = status_lxc_query(p, id, &again, err);
	if (r >= 0 && (!status_lxc_running(&again) || again.pid != pid))
		r = error_set(err, -ESRCH,
			      "Container '%s' stopped or restarted meanwhile (its init was %d): "
			      "try again",
			      id, (int)pid);
	if (r < 0) {
		ctns_close(&ns);
		return r;
	}
	*ret = ns;
	return 0;
}

/* One value of lxc-info's output: "State:  RUNNING" (several asked for) or "RUNNING" (one). */
static const char *lxc_info_value(char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) == 0 && line[n] == ':') {
		line += n + 1;
		while (*line == ' ' || *line == '\t')
			line++;
		return line;
	}
	return strchr(line, ':') ? NULL : line;
}

int status_parse_lxc_info(const char *out, struct ct_lxc *ret)
{
	_cleanup_free_ char *copy = strdup(out ? out : "");
	struct ct_lxc result = { .exists = true };
	char *save = NULL;
	unsigned n = 0;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *v;
		size_t len = strlen(line);
		uint32_t pid;

		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n == 0) {
			v = lxc_info_value(line, "State");
			if (!v || !*v || strlen(v) >= sizeof(result.state) ||
			    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(v))
				return -EINVAL;
			strcpy(result.state, v);
		} else if (n == 1) {
			v = lxc_info_value(line, "PID");
			if (!v || parse_uint32(v, 1, INT32_MAX, &pid) < 0)
				return -EINVAL;
			result.pid = (pid_t)pid;
		} else {
			return -EINVAL;
		}
		n++;
	}
	if (n == 0)
		return -EINVAL;
	/* A container that runs has an init; a stopped one has none. */
	if ((strcmp(result.state, "RUNNING") == 0 || strcmp(result.state, "FROZEN") == 0) &&
	    result.pid <= 0)
		return -EINVAL;
	*ret = result;
	return 0;
}

int status_lxc_query(const struct lxcri_paths *p, const char *id, struct ct_lxc *ret,
		     struct lxcri_error *err)
{
	static const char *const candidates[] = { "/usr/bin/lxc-info", "/usr/sbin/lxc-info" };
	const char *program = NULL;
	struct process_result res = {};
	struct stat st;
	char what[128];
	int r;

	if (!paths_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	for (size_t i = 0; i < ELEMENTSOF(candidates) && !program; i++)
		if (stat(candidates[i], &st) == 0)
			program = candidates[i];
	if (!program)
		return error_set(
		    err, -ENOENT,
		    "lxc-info was not found in /usr/bin or /usr/sbin: is LXC installed?");

	char *argv[] = { (char *)program, (char *)"-P", (char *)p->lxc_path,
			 (char *)"-n",	  (char *)id,	(char *)"-s",
			 (char *)"-p",	  (char *)"-H", NULL };
	struct process_spec spec = {
		.path = program,
		.argv = argv,
		.timeout_ms = LXC_INFO_TIMEOUT_MS,
	};

	r = process_run(&spec, &res, err);
	if (r < 0)
		return r;
	if (res.exited && res.exit_status != 0 && strstr(res.err, "doesn't exist")) {
		process_result_done(&res);
		*ret = (struct ct_lxc){};
		return 0;
	}
	if (!res.exited || res.exit_status != 0) {
		r = error_set(err, -EIO, "'%s -P %s -n %s -s -p -H' %s: %.*s", program, p->lxc_path,
			      id, process_result_describe(&res, what, sizeof(what)),
			      (int)strcspn(res.err, "\n"), res.err);
		process_result_done(&res);
		return r;
	}
	r = status_parse_lxc_info(res.out, ret);
	if (r < 0)
		r = error_set(err, r, "Unexpected output of '%s -n %s -s -p -H': '%.*s'", program,
			      id, (int)strcspn(res.out, "\n"), res.out);
	process_result_done(&res);
	return r;
}

static int cmp_status(const void *a, const void *b)
{
	return strcmp(((const struct ct_status *)a)->id, ((const struct ct_status *)b)->id);
}

static bool same_file_content(const char *a, const char *b)
{
	_cleanup_free_ char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;

	if (fileio_read_file(a, CONFIG_MAX_SIZE, &x, &nx) < 0 ||
	    fileio_read_file(b, CONFIG_MAX_SIZE, &y, &ny) < 0)
		return false;
	return nx == ny && memcmp(x, y, nx) == 0;
}

static void status_fill(const struct lxcri_paths *p, struct ct_status *s)
{
	_cleanup_config_ struct config *c = NULL;
	char dir[PATH_MAX], snapshot[PATH_MAX];
	struct lxcri_error err = {};
	struct stat st;
	int r;

	if (paths_container_config(p, s->id, s->config_path, sizeof(s->config_path)) < 0)
		return;
	s->configured = stat(s->config_path, &st) == 0;
	if (s->configured) {
		r = lifecycle_validate_config(s->config_path, &c, &err);
		/* A profile that a start would refuse (stale, or LXC not pointed at it). */
		if (r >= 0) {
			struct lxc_key_want want[3];

			s->n_profiles = profiles_lxc_keys(p, s->id, c, want);
			r = profiles_check_config(p, s->id, c, &err);
			s->profiles_current = r >= 0;
		}
		s->valid = r >= 0;
		if (c)
			s->n_keys = c->n_entries;
		if (c && c->image.ref)
			snprintf(s->image, sizeof(s->image), "%s", c->image.ref);
		if (r < 0)
			snprintf(s->config_error, sizeof(s->config_error), "%s", err.message);
	}

	if (paths_state_dir(p, s->id, dir, sizeof(dir)) < 0)
		return;
	r = state_load(dir, &s->state, &err);
	if (r < 0 && r != -ENOENT)
		snprintf(s->state_error, sizeof(s->state_error), "%s", err.message);
	if (s->state && s->configured &&
	    paths_join(snapshot, sizeof(snapshot), "%s/config", dir) == 0 &&
	    stat(snapshot, &st) == 0)
		s->config_changed = !same_file_content(snapshot, s->config_path);
}

/* A file of <run_dir>/.stale, "<id>-<ms>.json" as lxcri-lifecycle names it; any id if NULL. */
static bool is_set_aside(const char *name, const char *id)
{
	size_t len = strlen(name), n, digits;

	if (name[0] == '.' || len < 5 || strcmp(name + len - 5, ".json") != 0)
		return false;
	if (!id)
		return true;
	n = strlen(id);
	if (strncmp(name, id, n) != 0 || name[n] != '-')
		return false;
	digits = strspn(name + n + 1, "0123456789");
	return digits > 0 && n + 1 + digits == len - 5;
}

static int compare_json_strings(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
		      json_object_get_string(*(struct json_object *const *)b));
}

/* The paths of id's states set aside in <run_dir>/.stale, sorted; NULL if none. */
static struct json_object *set_aside_of(const struct lxcri_paths *p, const char *id)
{
	_cleanup_json_ struct json_object *list = json_object_new_array();
	char dir[PATH_MAX], path[PATH_MAX];
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	if (!list || paths_join(dir, sizeof(dir), "%s/.stale", p->run_dir) < 0)
		return NULL;
	d = opendir(dir);
	while (d && (de = readdir(d)))
		if (de->d_type == DT_REG && is_set_aside(de->d_name, id) &&
		    paths_join(path, sizeof(path), "%s/%s", dir, de->d_name) == 0)
			json_object_array_add(list, json_object_new_string(path));
	if (json_object_array_length(list) == 0)
		return NULL;
	json_object_array_sort(list, compare_json_strings);
	return TAKE_PTR(list);
}

/* What LXC says, and the nets of a container that runs with a state of ours. */
static void status_fill_live(const struct lxcri_paths *p, struct ct_status *s)
{
	_cleanup_config_ struct config *c = NULL;
	char dir[PATH_MAX], snapshot[PATH_MAX];
	struct lxcri_error err = {};
	struct settings settings;
	int r;

	r = status_lxc_query(p, s->id, &s->lxc, &err);
	if (r < 0) {
		snprintf(s->lxc_error, sizeof(s->lxc_error), "%s", err.message);
		return;
	}
	s->lxc_known = true;
	if (paths_state_dir(p, s->id, dir, sizeof(dir)) == 0)
		s->hook_runs = ocirun_last_runs(dir);
	s->set_aside = set_aside_of(p, s->id);
	if (!status_lxc_running(&s->lxc) || !s->state)
		return;

	if (paths_state_dir(p, s->id, dir, sizeof(dir)) < 0 ||
	    paths_join(snapshot, sizeof(snapshot), "%s/config", dir) < 0)
		return;
	/* The config as it is now, as long as it parses; else what the container started with. */
	r = s->configured ? config_load(s->config_path, &c, &err) : -ENOENT;
	if (r < 0)
		r = config_load(snapshot, &c, &err);
	if (r < 0) {
		snprintf(s->nets_error, sizeof(s->nets_error), "%s", err.message);
		return;
	}
	(void)settings_load_host(p, &settings, &err); /* the defaults, if it is broken */

	_cleanup_(ctns_close) struct ctns ctns = CTNS_NONE;
	r = status_lxc_namespaces(p, s->id, s->lxc.pid, &ctns, &err);
	if (r < 0) {
		snprintf(s->nets_error, sizeof(s->nets_error), "%s", err.message);
		return;
	}
	struct netsetup ns = {
		.id = s->id,
		.ctns = &ctns,
		.state_dir = dir,
		.settings = &settings,
	};
	r = netsetup_status(&ns, c, s->state, &s->nets, &err);
	if (r < 0)
		snprintf(s->nets_error, sizeof(s->nets_error), "%s", err.message);
}

static int add_id(struct ct_status **list, size_t *n, size_t *cap, const char *id)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i].id, id) == 0)
			return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct ct_status *l = realloc(*list, ncap * sizeof(**list));
		if (!l)
			return -ENOMEM;
		*list = l;
		*cap = ncap;
	}
	(*list)[*n] = (struct ct_status){};
	snprintf((*list)[*n].id, sizeof((*list)[*n].id), "%s", id);
	(*n)++;
	return 0;
}

/* Ids from "<dir>/<id><suffix>" entries ("" suffix: directories of state). */
static int add_ids_from(struct ct_status **list, size_t *n, size_t *cap, const char *dir,
			const char *suffix)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	size_t ls = strlen(suffix);

	while (d && (de = readdir(d))) {
		char id[80];
		size_t len = strlen(de->d_name);

		if (len <= ls || len - ls >= sizeof(id) ||
		    strcmp(de->d_name + len - ls, suffix) != 0)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(len - ls), de->d_name);
		if (!paths_id_valid(id))
			continue;
		if (add_id(list, n, cap, id) < 0)
			return -ENOMEM;
	}
	return 0;
}

int status_collect(const struct lxcri_paths *p, const char *id, struct ct_status **ret,
		   size_t *ret_n)
{
	struct ct_status *list = NULL;
	size_t n = 0, cap = 0;
	char dir[PATH_MAX];
	int r = 0;

	if (id) {
		if (!paths_id_valid(id))
			return -EINVAL;
		r = add_id(&list, &n, &cap, id);
	} else {
		if (paths_pve_mode(p) && paths_container_config_dir(p, true, dir, sizeof(dir)) == 0)
			r = add_ids_from(&list, &n, &cap, dir, ".conf");
		if (r >= 0 && paths_container_config_dir(p, false, dir, sizeof(dir)) == 0)
			r = add_ids_from(&list, &n, &cap, dir, ".conf");
		if (r >= 0)
			r = add_ids_from(&list, &n, &cap, p->run_dir, "");
	}
	if (r < 0) {
		free(list);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		status_fill(p, &list[i]);
	if (id)
		status_fill_live(p, &list[0]);
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_status);
	*ret = list;
	*ret_n = n;
	return 0;
}

void status_free(struct ct_status *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		state_free(s[i].state);
		json_object_put(s[i].nets);
		json_object_put(s[i].hook_runs);
		json_object_put(s[i].set_aside);
	}
	free(s);
}

/*
 * One state dir of a container that does not run: counted, and said in
 * r->first if its id comes first (first_id, of size NAME_MAX + 1, keeps it).
 */
static void stale_add(struct stale_report *r, char *first_id, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void stale_add(struct stale_report *r, char *first_id, const char *id, const char *fmt, ...)
{
	va_list ap;

	r->states++;
	if (first_id[0] && strcmp(id, first_id) > 0)
		return;
	snprintf(first_id, NAME_MAX + 1, "%s", id);
	va_start(ap, fmt);
	vsnprintf(r->first, sizeof(r->first), fmt, ap);
	va_end(ap);
}

int status_stale(const struct lxcri_paths *p, struct stale_report *ret)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_json_ struct json_object *aside = set_aside_of(p, NULL);
	struct stale_report r = {};
	char first_id[NAME_MAX + 1] = "";
	struct dirent *de;

	if (paths_join(r.stale_dir, sizeof(r.stale_dir), "%s/.stale", p->run_dir) < 0)
		return -ENAMETOOLONG;
	r.set_aside = aside ? json_object_array_length(aside) : 0;
	d = opendir(p->run_dir);
	if (!d && errno != ENOENT)
		return -errno;
	while (d && (de = readdir(d))) {
		_cleanup_state_ struct state *s = NULL;
		const char *id = de->d_name;
		struct lxcri_error err = {};
		struct ct_lxc lxc;
		char dir[PATH_MAX];
		int k;

		if (de->d_type != DT_DIR || !paths_id_valid(id) ||
		    paths_state_dir(p, id, dir, sizeof(dir)) < 0)
			continue;
		/* Running, starting or stopping, or LXC cannot tell: not ours to judge. */
		if (status_lxc_query(p, id, &lxc, &err) < 0 ||
		    (lxc.exists && strcmp(lxc.state, "STOPPED") != 0))
			continue;
		k = state_load(dir, &s, &err);
		if (k == -ENOENT) {
			stale_add(&r, first_id, id, "CT %s: a state dir without a state", id);
		} else if (k < 0) {
			stale_add(&r, first_id, id, "CT %s: the state cannot be read: %.600s", id,
				  err.message);
			r.unreadable++;
		} else if (strcmp(s->phase, "refused") != 0 || s->n_items > 0) {
			stale_add(&r, first_id, id,
				  "CT %s: state of a container that does not run (phase '%s', %zu "
				  "item(s))",
				  id, s->phase, s->n_items);
			r.items += s->n_items;
		}
	}
	*ret = r;
	return 0;
}

static struct json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *state_json(const struct state *st)
{
	struct json_object *o = json_object_new_object(), *items = json_object_new_array();

	json_object_object_add(o, "phase", json_object_new_string(st->phase));
	json_object_object_add(o, "hook", string_or_null(st->hook));
	json_object_object_add(o, "started", json_object_new_int64(st->started_ms));
	json_object_object_add(o, "updated", json_object_new_int64(st->updated_ms));
	for (size_t i = 0; i < st->n_items; i++) {
		struct json_object *it = json_object_new_object();
		json_object_object_add(it, "kind", json_object_new_string(st->items[i].kind));
		json_object_object_add(
		    it, "status",
		    json_object_new_string(st->items[i].status == STATE_ITEM_APPLIED ? "applied"
										     : "pending"));
		json_object_object_add(it, "hook", string_or_null(st->items[i].hook));
		json_object_object_add(it, "time", json_object_new_int64(st->items[i].time_ms));
		json_object_array_add(items, it);
	}
	json_object_object_add(o, "items", items);
	if (st->has_error) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "hook", string_or_null(st->error_hook));
		json_object_object_add(e, "time", json_object_new_int64(st->error_time_ms));
		json_object_object_add(e, "message", string_or_null(st->error_message));
		json_object_object_add(o, "last_error", e);
	} else {
		json_object_object_add(o, "last_error", NULL);
	}
	return o;
}

struct json_object *status_to_json(const struct ct_status *s, size_t n)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *c = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(s[i].id));
		json_object_object_add(c, "path", json_object_new_string(s[i].config_path));
		json_object_object_add(c, "present", json_object_new_boolean(s[i].configured));
		json_object_object_add(c, "valid", json_object_new_boolean(s[i].valid));
		json_object_object_add(c, "error", string_or_null(s[i].config_error));
		json_object_object_add(c, "keys", json_object_new_int64((int64_t)s[i].n_keys));
		json_object_object_add(c, "image",
				       s[i].image[0] ? json_object_new_string(s[i].image) : NULL);
		json_object_object_add(c, "changed_since_start",
				       json_object_new_boolean(s[i].config_changed));
		json_object_object_add(o, "config", c);
		json_object_object_add(o, "state", s[i].state ? state_json(s[i].state) : NULL);
		/* Each port's forward: active, pending (its address comes later), failed. */
		json_object_object_add(o, "ports",
				       s[i].state ? portwait_ports_status(s[i].state) : NULL);
		json_object_object_add(o, "state_error", string_or_null(s[i].state_error));
		if (s[i].lxc_known) {
			struct json_object *l = json_object_new_object();
			json_object_object_add(l, "exists",
					       json_object_new_boolean(s[i].lxc.exists));
			json_object_object_add(l, "state", string_or_null(s[i].lxc.state));
			json_object_object_add(
			    l, "pid", s[i].lxc.pid > 0 ? json_object_new_int(s[i].lxc.pid) : NULL);
			json_object_object_add(o, "lxc", l);
		} else {
			json_object_object_add(o, "lxc", NULL);
		}
		json_object_object_add(o, "lxc_error", string_or_null(s[i].lxc_error));
		json_object_object_add(o, "nets", json_object_get(s[i].nets));
		json_object_object_add(o, "nets_error", string_or_null(s[i].nets_error));
		json_object_object_add(o, "hook_runs", json_object_get(s[i].hook_runs));
		json_object_object_add(o, "set_aside", json_object_get(s[i].set_aside));
		json_object_array_add(list, o);
	}
	return list;
}

/* lxcri status [<id>]: a table of every container, or one container in detail. */

static const char *config_word(const struct ct_status *s)
{
	if (!s->configured)
		return "none";
	return s->valid ? "valid" : "invalid";
}

/* One net of netsetup_status() on a line: "net1 eth1: bridge vmbr1, ..., applied, link up". */
static void print_net_line(const char *indent, struct json_object *net)
{
	const char *type = cli_json_string_of(net, "type"), *link = cli_json_string_of(net, "link");
	const char *check = cli_json_string_of(net, "check"),
		   *host = cli_json_string_of(net, "host");
	bool cni = type && strcmp(type, "cni") == 0;

	printf("%snet%d %s: %s %s", indent, cli_json_int_of(net, "net"),
	       cli_json_string_of(net, "name") ?: "?", cni ? "cni" : "bridge",
	       cli_json_string_of(net, cni ? "network" : "bridge") ?: "?");
	if (host)
		printf(", host %s", host);
	printf(", %s", cli_json_bool_of(net, "applied") ? "applied" : "not applied");
	if (link)
		printf(", link %s", link);
	if (check)
		printf(", CHECK %s%s", strcmp(check, "ok") == 0 ? "" : "failed: ", check);
	printf("\n");
}

static void print_status_live(const struct ct_status *s)
{
	if (s->lxc_error[0]) {
		printf("  lxc:        unknown: %s\n", s->lxc_error);
		return;
	}
	if (!s->lxc_known)
		return;
	if (!s->lxc.exists)
		printf("  lxc:        no such container in LXC\n");
	else if (s->lxc.pid > 0)
		printf("  lxc:        %s (init pid %d)\n", s->lxc.state, (int)s->lxc.pid);
	else
		printf("  lxc:        %s\n", s->lxc.state);
	if (s->state && !status_lxc_running(&s->lxc) &&
	    (s->state->n_items > 0 || strcmp(s->state->phase, "running") == 0 ||
	     strcmp(s->state->phase, "starting") == 0))
		printf("  note:       the container does not run: %zu item(s) recorded here may "
		       "still be applied; its next start undoes them first\n",
		       s->state->n_items);
}

/* What a start could not undo, set aside in <run_dir>/.stale. */
static void print_set_aside(const struct ct_status *s)
{
	size_t n = s->set_aside ? json_object_array_length(s->set_aside) : 0;

	for (size_t i = 0; i < n; i++)
		printf("%s%s\n", i == 0 ? "  set aside:  " : "              ",
		       json_object_get_string(json_object_array_get_idx(s->set_aside, i)));
}

static void print_status_nets(const struct ct_status *s)
{
	size_t n;

	if (s->nets_error[0]) {
		printf("  nets:       unknown: %s\n", s->nets_error);
		return;
	}
	if (!s->nets)
		return;
	n = json_object_array_length(s->nets);
	if (n == 0)
		printf("  nets:       none\n");
	for (size_t i = 0; i < n; i++)
		print_net_line(i == 0 ? "  nets:       " : "              ",
			       json_object_array_get_idx(s->nets, i));
}

/* "port0 tcp 8080: active (10.0.0.5:80)", "...: pending (waiting for ...)", "...: failed: ..." */
static void print_status_ports(const struct ct_status *s)
{
	_cleanup_json_ struct json_object *ports =
	    s->state ? portwait_ports_status(s->state) : NULL;
	char line[1400];

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		portwait_describe(json_object_array_get_idx(ports, i), line, sizeof(line));
		printf("%s%s\n", i == 0 ? "  ports:      " : "              ", line);
	}
}

static void print_status_detail(const struct ct_status *s)
{
	char when[32];

	printf("CT %s\n", s->id);
	if (!s->configured)
		printf("  config:     none ('%s' does not exist)\n", s->config_path);
	else if (s->valid)
		printf("  config:     %s (valid, %zu key(s))\n", s->config_path, s->n_keys);
	else
		printf("  config:     %s (invalid)\n  error:      %s\n", s->config_path,
		       s->config_error);
	if (s->image[0])
		printf("  image:      %s\n", s->image);
	if (s->config_changed)
		printf("  note:       the config changed since the container started; the change "
		       "takes effect at the next start\n");
	if (s->state_error[0])
		printf("  state:      unreadable: %s\n", s->state_error);
	print_status_live(s);
	print_set_aside(s);
	if (!s->state) {
		printf("  phase:      %s\n", s->state_error[0]
						 ? "unknown (the state cannot be read)"
						 : "not started by lxcri (nothing applied)");
		return;
	}
	cli_format_time(s->state->updated_ms, when, sizeof(when));
	printf("  phase:      %s (hook %s, %s)\n", s->state->phase, s->state->hook, when);
	printf("  applied:    %zu item(s)\n", s->state->n_items);
	for (size_t i = 0; i < s->state->n_items; i++)
		printf("              %s (%s, %s)\n", s->state->items[i].kind,
		       s->state->items[i].status == STATE_ITEM_APPLIED ? "applied" : "pending",
		       s->state->items[i].hook);
	if (s->state->has_error) {
		cli_format_time(s->state->error_time_ms, when, sizeof(when));
		printf("  last error: %s (%s, %s)\n", s->state->error_message, s->state->error_hook,
		       when);
	} else {
		printf("  last error: none\n");
	}
	print_status_nets(s);
	print_status_ports(s);
	hookcmd_print_runs(s->hook_runs);
}

int status_do_status(struct cli *cli)
{
	struct ct_status *list = NULL;
	size_t n = 0;
	const char *id = cli->argc > 0 ? cli->argv[0] : NULL;
	int r;

	if (cli->cluster)
		return clusterstatus_do_status(cli);
	if (cli->argc > 1)
		return cli_usage_error("'status' takes at most one container id, got '%s'",
				       cli->argv[1]);
	if (id && !paths_id_valid(id))
		return cli_usage_error("Invalid container id '%s'", id);
	r = status_collect(&cli->paths, id, &list, &n);
	if (r < 0) {
		fprintf(stderr, "lxcri: Failed to collect the status: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = status_to_json(list, n);
		cli_print_json(cli, o);
	} else if (id) {
		print_status_detail(&list[0]);
	} else if (n == 0) {
		printf("No container has an lxcri config or state.\n");
	} else {
		printf("%-12s %-8s %-9s %-8s %s\n", "ID", "CONFIG", "PHASE", "APPLIED",
		       "LAST ERROR");
		for (size_t i = 0; i < n; i++) {
			const struct state *st = list[i].state;
			bool unreadable = list[i].state_error[0];
			const char *error = list[i].config_error[0] ? list[i].config_error
					    : unreadable	    ? list[i].state_error
					    : st && st->has_error   ? st->error_message
								    : "-";
			char applied[24];

			snprintf(applied, sizeof(applied), "%zu", st ? st->n_items : 0);
			printf("%-12s %-8s %-9s %-8s %s\n", list[i].id, config_word(&list[i]),
			       st	    ? st->phase
			       : unreadable ? "unreadable"
					    : "-",
			       unreadable ? "?" : applied, error);
		}
	}
	status_free(list, n);
	return EXIT_OK;
}
