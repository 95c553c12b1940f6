/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine of lxcri-lifecycle. Unlike the rest of lib/ it logs: a
 * teardown goes on past a failed step and must report each one, with the
 * container id, as it happens (lib/basic/log.h prefixes every line with it).
 */
#include <json-c/json.h>

#include "lib/hook/lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/cleanup.h"
#include "lib/hook/helpermain.h"
#include "lib/basic/log.h"
#include "lib/basic/process.h"
#include "lib/lsm/profiles.h"
#include "lib/pve/pve.h"
#include "lib/shared/counters.h"
#include "lib/basic/trust.h"

extern char **environ;

static int check_profiles(const struct lifecycle *lc, const struct config *c,
			  struct lxcri_error *err);

/*
 * A feature without a helper is not in this version: a key of it refuses
 * the start. One helper may serve several features (lxcri-net: net, route
 * and dns); it then runs once per hook. seccomp has no helper to run ("",
 * no hook): LXC loads the profile itself. The profiles' verify checks, after
 * the pre-start helpers, that LXC's config points at each profile and that
 * it is current (lib/lsm/profiles.h); the hooks' validate, that root alone
 * decides which hooks run.
 */
const struct feature lifecycle_features[] = {
	{ "seccomp", "", 0, NULL, check_profiles },
	{ "apparmor", "lxcri-apparmor", HOOK_MASK(HOOK_PRE_START), NULL, check_profiles },
	{ "selinux", "lxcri-selinux", HOOK_MASK(HOOK_PRE_START), NULL, check_profiles },
	{ "net", "lxcri-net", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
	{ "route", "lxcri-net", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
	{ "dns", "lxcri-net", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
	{ "port", "lxcri-portfwd", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
	{ "hooks", "lxcri-ocihooks", HOOK_MASK(HOOK_START_HOST), lifecycle_check_sources, NULL },
	/* LXC runs lxcri-init, which `lxcri create --image` set up: nothing to apply. */
	{ "image", "", 0, NULL, NULL },
};
const size_t lifecycle_features_count = ELEMENTSOF(lifecycle_features);

static const struct feature *feature_find(const struct feature *features, size_t n,
					  const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(features[i].name, name) == 0)
			return &features[i];
	return NULL;
}

static bool config_uses(const struct config *c, const char *feature)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		const char *f = config_key_feature(c->entries[i].key);
		if (f && strcmp(f, feature) == 0)
			return true;
	}
	return false;
}

int lifecycle_check_supported(const struct feature *features, size_t n_features,
			      const struct config *c, struct lxcri_error *err)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct config_entry *e = &c->entries[i];
		const struct feature *f =
		    feature_find(features, n_features, config_key_feature(e->key));

		if (!f || !f->helper)
			return error_set(err, -EOPNOTSUPP,
					 "%s:%u: '%s' is not supported by this version", c->path,
					 e->line, e->key);
	}
	return 0;
}

int lifecycle_check_sources(const struct config *c, struct lxcri_error *err)
{
	char path[PATH_MAX];
	int r;

	for (size_t i = 0; c->hooks.dirs && c->hooks.dirs[i]; i++) {
		r = trust_check(c->hooks.dirs[i], err);
		if (r == -EPERM)
			return error_set(err, r, "%s:%u: hooks: dir '%s' refused: %s", c->path,
					 c->hooks.line, c->hooks.dirs[i], err->message);
	}
	if (c->hooks.bundle) {
		if (paths_join(path, sizeof(path), "%s/config.json", c->hooks.bundle) < 0)
			return error_set(err, -ENAMETOOLONG, "%s:%u: hooks: bundle path too long",
					 c->path, c->hooks.line);
		r = trust_check(path, err);
		if (r == -EPERM)
			return error_set(err, r, "%s:%u: hooks: bundle '%s' refused: %s", c->path,
					 c->hooks.line, c->hooks.bundle, err->message);
	}
	return 0;
}

/* Whether an earlier feature that c uses has the same check (it ran already). */
static bool check_ran(const struct feature *features, size_t i, const struct config *c, bool verify)
{
	for (size_t j = 0; j < i; j++)
		if ((verify ? (void *)features[j].verify == (void *)features[i].verify
			    : (void *)features[j].validate == (void *)features[i].validate) &&
		    config_uses(c, features[j].name))
			return true;
	return false;
}

int lifecycle_check_features(const struct feature *features, size_t n_features,
			     const struct config *c, struct lxcri_error *err)
{
	int r = lifecycle_check_supported(features, n_features, c, err);

	for (size_t i = 0; r >= 0 && i < n_features; i++)
		if (features[i].validate && config_uses(c, features[i].name) &&
		    !check_ran(features, i, c, false))
			r = features[i].validate(c, err);
	return r;
}

/* After the pre-start helpers: the verify check of each feature c uses, once. */
static int verify_features(const struct lifecycle *lc, const struct config *c,
			   struct lxcri_error *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < lc->n_features; i++)
		if (lc->features[i].verify && config_uses(c, lc->features[i].name) &&
		    !check_ran(lc->features, i, c, true))
			r = lc->features[i].verify(lc, c, err);
	return r;
}

int lifecycle_validate_config(const char *path, struct config **ret, struct lxcri_error *err)
{
	int r = config_load(path, ret, err);

	if (r >= 0)
		r = lifecycle_check_features(lifecycle_features, lifecycle_features_count, *ret,
					     err);
	return r;
}

size_t lifecycle_plan(const struct feature *features, size_t n_features, const struct config *c,
		      enum hook_type type, const struct feature **ret, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_features && n < max; i++) {
		bool planned = false;

		if (!features[i].helper || !(features[i].hook_mask & HOOK_MASK(type)) ||
		    !config_uses(c, features[i].name))
			continue;
		for (size_t j = 0; j < n && !planned; j++)
			planned = strcmp(ret[j]->helper, features[i].helper) == 0;
		if (!planned)
			ret[n++] = &features[i];
	}
	return n;
}

int lifecycle_init(struct lifecycle *lc, const struct lxcri_paths *paths,
		   const struct hook_context *ctx, struct lxcri_error *err)
{
	int r;

	*lc = (struct lifecycle){
		.paths = paths,
		.ctx = ctx,
		.features = lifecycle_features,
		.n_features = lifecycle_features_count,
	};
	settings_init(&lc->settings);
	r = paths_state_dir(paths, ctx->id, lc->state_dir, sizeof(lc->state_dir));
	if (r == 0)
		r = paths_container_config(paths, ctx->id, lc->config_path,
					   sizeof(lc->config_path));
	if (r == 0)
		r = paths_join(lc->snapshot_path, sizeof(lc->snapshot_path), "%s/config",
			       lc->state_dir);
	if (r == 0)
		r = paths_lock(paths, ctx->id, lc->lock_path, sizeof(lc->lock_path));
	if (r < 0)
		return error_set(err, r, "Invalid container id '%s' or paths too long", ctx->id);
	return 0;
}

/* The part of an item's kind before the first '.': "net.veth" -> "net". */
static bool item_of_feature(const struct state_item *item, const char *feature)
{
	size_t n = strlen(feature);
	return strncmp(item->kind, feature, n) == 0 &&
	       (item->kind[n] == '\0' || item->kind[n] == '.');
}

/*
 * Runs "<helper> <verb> <id>". With state_in (a teardown), the helper gets
 * it on stdin and hands back on stdout the state it leaves (helpermain.h,
 * LXCRI_STATE_STDIO): that is in *ret_out, "" if it printed nothing.
 */
static int run_helper(struct lifecycle *lc, const struct feature *f, const char *verb,
		      const char *state_in, char **ret_out, struct lxcri_error *err)
{
	static const char stdio_env[] = HELPER_STATE_STDIO_ENV "=";
	_cleanup_free_ char **envp = NULL;
	char path[PATH_MAX], what[128];
	struct process_result result = {};
	size_t n = 0;
	int r;

	r = paths_helper(lc->paths, f->helper, path, sizeof(path));
	if (r < 0)
		return error_set(err, r, "Helper path for '%s' is too long", f->name);
	for (char **e = environ; *e; e++)
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp)
		return error_set(err, -ENOMEM, "Failed to run '%s': out of memory", path);
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, stdio_env, sizeof(stdio_env) - 1) != 0)
			envp[n++] = *e;
	if (state_in)
		envp[n] = (char *)HELPER_STATE_STDIO_ENV "=1";
	char *argv[] = { path, (char *)verb, (char *)lc->ctx->id, NULL };
	struct process_spec spec = {
		.path = path,
		.argv = argv,
		.envp = envp,
		.stdin_data = state_in,
		.stdin_size = state_in ? strlen(state_in) : 0,
		.timeout_ms = lc->settings.helper_timeout_ms,
		.capture_max = STATE_MAX_SIZE + 1,
		.inherit_stderr = true,
	};

	r = process_run(&spec, &result, err);
	if (r < 0)
		return r;
	if (ret_out && !result.out_truncated)
		*ret_out = TAKE_PTR(result.out);
	if (!result.exited || result.exit_status != 0)
		r = error_set(err, -EPROTO, "Helper '%s' %s (%s %s)", path,
			      process_result_describe(&result, what, sizeof(what)), verb,
			      lc->ctx->id);
	process_result_done(&result);
	return r;
}

static int state_reload(struct lifecycle *lc, struct state **s, struct lxcri_error *err)
{
	struct state *fresh = NULL;
	int r = state_load(lc->state_dir, &fresh, err);

	if (r < 0)
		return r;
	state_free(*s);
	*s = fresh;
	return 0;
}

/*
 * A feature's teardown, from the state in memory: the helper gets *s and
 * *s becomes the state it hands back. Nothing here needs the state file,
 * so a run dir that cannot be written stops no undo. A helper that hands
 * back nothing usable (it crashed) leaves *s as the file says, or as it was.
 */
static int teardown_feature(struct lifecycle *lc, const struct feature *f, struct state **s,
			    struct lxcri_error *err)
{
	_cleanup_free_ char *in = NULL, *out = NULL;
	struct state *left = NULL;
	int r, rp = -ENODATA;

	r = state_to_json(*s, &in);
	if (r < 0)
		return error_set_errno(err, r, "Failed to hand the state to '%s'", f->helper);
	r = run_helper(lc, f, "teardown", in, &out, err);
	if (out && *out)
		rp = state_parse("the state handed back", out, strlen(out), &left,
				 &(struct lxcri_error){});
	if (rp >= 0 && strcmp(left->id, (*s)->id) == 0) {
		state_free(*s);
		*s = left;
	} else {
		state_free(left);
		(void)state_reload(lc, s, &(struct lxcri_error){});
	}
	return r;
}

/*
 * Undoes every item of *s, feature by feature in reverse table order; each
 * helper removes its own items. Returns the number of items left (that
 * nothing of this version can undo, or whose undo failed).
 */
static size_t teardown_items(struct lifecycle *lc, struct state **s)
{
	for (size_t i = lc->n_features; i-- > 0;) {
		const struct feature *f = &lc->features[i];
		struct lxcri_error e = {};
		bool has = false;

		for (size_t j = 0; j < (*s)->n_items && !has; j++)
			has = item_of_feature(&(*s)->items[j], f->name);
		if (!has || !f->helper)
			continue;
		if (teardown_feature(lc, f, s, &e) < 0)
			log_error("Teardown of '%s' failed: %s", f->name, e.message);
	}
	for (size_t j = 0; j < (*s)->n_items; j++) {
		const struct state_item *item = &(*s)->items[j];
		bool handled = false;

		for (size_t i = 0; i < lc->n_features && !handled; i++)
			handled =
			    lc->features[i].helper && item_of_feature(item, lc->features[i].name);
		log_error("Cannot undo '%s' (recorded by %s, %s): %s", item->kind, item->hook,
			  item->status == STATE_ITEM_PENDING ? "pending" : "applied",
			  handled ? "its helper left it in the state"
				  : "no helper of this version handles it");
	}
	return (*s)->n_items;
}

/* Keeps a state we cannot use where an admin finds it: <run_dir>/.stale/<id>-<ms>.json. */
static void state_set_aside(struct lifecycle *lc, const char *why)
{
	char from[PATH_MAX], to[PATH_MAX], dir[PATH_MAX];

	if (paths_join(from, sizeof(from), "%s/" STATE_FILE, lc->state_dir) < 0 ||
	    paths_join(dir, sizeof(dir), "%s/.stale", lc->paths->run_dir) < 0 ||
	    paths_join(to, sizeof(to), "%s/%s-%lld.json", dir, lc->ctx->id,
		       (long long)state_now_ms()) < 0)
		return;
	(void)mkdir(dir, 0700);
	if (rename(from, to) < 0)
		log_error_errno(-errno, "Failed to set aside '%s': %m", from);
	else
		log_warning("Set the state aside as '%s': %s", to, why);
}

static void state_dir_remove(struct lifecycle *lc)
{
	_cleanup_close_ int dfd = open(lc->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (dfd < 0)
		return;
	if (unlinkat(dfd, STATE_FILE, 0) < 0 && errno != ENOENT) {
		log_error_errno(-errno,
				"Failed to remove '%s/" STATE_FILE "': %m; what it lists is undone "
				"again at the next start",
				lc->state_dir);
		return;
	}
	(void)unlinkat(dfd, "config", 0);
	(void)unlinkat(dfd, "hooks.json", 0); /* lib/ocihooks/ocirun's last runs */
	/* Temp files of atomic writes that a crash interrupted (".state.json.XXXXXX"). */
	d = fdopendir(dup(dfd));
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] == '.' && de->d_type == DT_REG)
			(void)unlinkat(dfd, de->d_name, 0);
	if (d)
		closedir(d);
	if (rmdir(lc->state_dir) < 0 && errno != ENOENT)
		log_warning_errno(-errno, "Failed to remove '%s': %m", lc->state_dir);
}

/* pre-start: whatever an earlier run of this container left behind goes first. */
static void clean_previous_run(struct lifecycle *lc)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error e = {};
	int r = state_load(lc->state_dir, &s, &e);

	if (r == -ENOENT)
		goto remove;
	if (r < 0) {
		state_set_aside(lc, e.message);
		goto remove;
	}
	if (s->n_items > 0 || strcmp(s->phase, "refused") != 0)
		log_info("Cleaning up after a run that did not stop cleanly (phase '%s', %zu "
			 "item(s))",
			 s->phase, s->n_items);
	if (teardown_items(lc, &s) > 0) {
		(void)state_save(lc->state_dir, s, &e);
		state_set_aside(lc, "items left that cannot be undone");
	}
remove:
	state_dir_remove(lc);
}

/*
 * Records a refused start so that `lxcri status` can show why. On a PVE
 * node without quorum nothing the message asks to run can change /etc/pve:
 * the refusal says so.
 */
static int refuse(struct lifecycle *lc, struct state *s, const char *hook, int r,
		  struct lxcri_error *err)
{
	struct lxcri_error ignored = {};

	if (paths_pve_mode(lc->paths) && paths_id_is_vmid(lc->ctx->id) &&
	    pve_quorate(lc->paths->pve_dir) == 0)
		error_set(err, r,
			  "%s (" PVE_NO_QUORUM ": a change to CT %s's config can be made only "
			  "once the node has quorum again)",
			  err->message, lc->ctx->id);

	if (s) {
		(void)state_set_phase(s, "refused", hook);
		(void)state_set_error(s, hook, err->message);
		(void)state_save(lc->state_dir, s, &ignored);
	}
	return r;
}

static int run_planned(struct lifecycle *lc, struct state **s, const struct config *c,
		       struct lxcri_error *err)
{
	const struct feature *plan[32];
	size_t n =
	    lifecycle_plan(lc->features, lc->n_features, c, lc->ctx->type, plan, ELEMENTSOF(plan));
	const char *hook = hookctx_type_to_string(lc->ctx->type);
	int r;

	for (size_t i = 0; i < n; i++) {
		state_clear_error(*s);
		r = state_save(lc->state_dir, *s, err);
		if (r >= 0)
			r = run_helper(lc, plan[i], hook, NULL, NULL, err);
		/* A helper that failed says why in last_error: that is the reason to give. */
		if (r == -EPROTO && state_reload(lc, s, &(struct lxcri_error){}) >= 0 &&
		    (*s)->has_error)
			error_set(err, r, "%s", (*s)->error_message);
		else if (r >= 0)
			r = state_reload(lc, s, err);
		if (r < 0) {
			/* lxcri-lifecycle logs err once, as the reason of the refusal. */
			log_info("Undoing what this start applied");
			(void)teardown_items(lc, s);
			return r;
		}
	}
	return 0;
}

/* Host-wide settings (helper timeout, log level) for every managed hook. */
static int load_settings(struct lifecycle *lc, struct lxcri_error *err)
{
	int r = settings_load_host(lc->paths, &lc->settings, err);

	if (r >= 0)
		log_set_max_level(lc->settings.log_level);
	return r;
}

/*
 * After the profile helpers: a host that cannot enforce a profile at all is
 * the first thing to say. LXC reads the seccomp profile after pre-start.
 */
static int check_profiles(const struct lifecycle *lc, const struct config *c,
			  struct lxcri_error *err)
{
	char fallback[PATH_MAX];
	const char *lxc_config = lc->ctx->config_file;

	if (!lxc_config || !*lxc_config) {
		if (paths_join(fallback, sizeof(fallback), "%s/%s/config", lc->paths->lxc_path,
			       lc->ctx->id) < 0)
			return error_set(err, -ENAMETOOLONG, "LXC config path is too long");
		lxc_config = fallback;
	}
	return profiles_check(lc->paths, lc->ctx->id, c, lxc_config, err);
}

static int pre_start(struct lifecycle *lc, struct lxcri_error *err)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_config_ struct config *c = NULL;
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t size = 0;
	int r;

	clean_previous_run(lc);
	if (stat(lc->config_path, &st) < 0 && errno == ENOENT)
		return 0; /* only the leftovers of a container no longer managed */

	if (mkdir(lc->paths->run_dir, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, -errno, "Failed to create '%s'", lc->paths->run_dir);
	if (mkdir(lc->state_dir, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, -errno, "Failed to create '%s'", lc->state_dir);
	r = state_new(lc->ctx->id, &s);
	if (r < 0)
		return error_set_errno(err, r, "Failed to allocate the state");
	(void)state_set_phase(s, "starting", "pre-start");
	(void)state_set_string(&s->config_path, lc->config_path);

	r = load_settings(lc, err);
	if (r < 0)
		return refuse(lc, s, "pre-start", r, err);

	r = config_read(lc->config_path, &text, &size, err);
	if (r < 0)
		return refuse(lc, s, "pre-start", r, err);
	r = config_parse(lc->config_path, text, size, &c, err);
	if (r < 0)
		return refuse(lc, s, "pre-start", r, err);
	r = lifecycle_check_features(lc->features, lc->n_features, c, err);
	if (r < 0)
		return refuse(lc, s, "pre-start", r, err);

	/* Every hook of this run works from the config as it was validated here. */
	r = atomic_write_volatile(lc->snapshot_path, text, size, 0600, 0, err);
	if (r >= 0)
		r = state_save(lc->state_dir, s, err);
	if (r >= 0)
		r = run_planned(lc, &s, c, err);
	if (r < 0)
		return refuse(lc, s, "pre-start", r, err);
	r = verify_features(lc, c, err);
	if (r < 0) {
		(void)teardown_items(lc, &s);
		return refuse(lc, s, "pre-start", r, err);
	}
	log_info("pre-start: config '%s' is valid (%zu key(s))", lc->config_path, c->n_entries);
	return 0;
}

static int start_host(struct lifecycle *lc, struct lxcri_error *err)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_config_ struct config *c = NULL;
	int r;

	r = state_load(lc->state_dir, &s, err);
	if (r == -ENOENT)
		return 0; /* nothing started by our pre-start */
	if (r < 0)
		return r;
	if (strcmp(s->phase, "starting") != 0)
		return 0; /* refused or left over: pre-start decided */
	r = load_settings(lc, err);
	if (r < 0)
		return refuse(lc, s, "start-host", r, err);

	r = config_load(lc->snapshot_path, &c, err);
	if (r < 0)
		return refuse(lc, s, "start-host", r, err);
	(void)state_set_phase(s, "starting", "start-host");
	r = run_planned(lc, &s, c, err);
	if (r < 0)
		return refuse(lc, s, "start-host", r, err);
	(void)state_set_phase(s, "running", "start-host");
	r = state_save(lc->state_dir, s, err);
	if (r >= 0)
		log_info("start-host: %zu item(s) applied", s->n_items);
	return r;
}

/* stop and post-stop: from the recorded state; never refuses anything. */
static int teardown(struct lifecycle *lc, bool final)
{
	_cleanup_state_ struct state *s = NULL;
	const char *hook = hookctx_type_to_string(lc->ctx->type);
	struct lxcri_error e = {};
	size_t left, n_before;
	int r;

	/* A broken settings file must not keep a container from stopping. */
	if (load_settings(lc, &e) < 0)
		log_warning("Using default settings: %s", e.message);
	r = state_load(lc->state_dir, &s, &e);
	if (r == -ENOENT) {
		if (final)
			state_dir_remove(lc);
		return 0;
	}
	if (r < 0) {
		log_error("%s", e.message);
		state_set_aside(lc, e.message);
		if (final)
			state_dir_remove(lc);
		return 0;
	}

	n_before = s->n_items;
	left = teardown_items(lc, &s);
	log_info("%s%s: %zu item(s) torn down, %zu left", hook,
		 lc->ctx->target && strcmp(lc->ctx->target, "reboot") == 0 ? " (reboot)" : "",
		 n_before - left, left);
	if (final && left == 0 && !s->has_error) {
		state_dir_remove(lc);
		return 0;
	}
	/* A refused start keeps saying so, for `lxcri status`. */
	if (strcmp(s->phase, "refused") != 0)
		(void)state_set_phase(s, final ? "stopped" : "stopping", hook);
	if (left > 0) {
		char message[256];
		snprintf(message, sizeof(message), "%zu item(s) could not be undone at %s", left,
			 hook);
		(void)state_set_error(s, hook, message);
	}
	if (state_save(lc->state_dir, s, &e) < 0)
		log_error("%s: the state could not be saved; what it still lists is undone again "
			  "at the next %s",
			  e.message, final ? "start" : "hook");
	return 0;
}

/* The container's namespaces at stop, LXC_PID at start-host: for the helpers (hookctx.h). */
static void export_container_refs(const struct hook_context *ctx)
{
	const char *const env[][2] = { { HOOK_ENV_CT_NETNS, ctx->net_ns },
				       { HOOK_ENV_CT_MNTNS, ctx->mnt_ns } };

	if (ctx->type != HOOK_START_HOST)
		(void)unsetenv("LXC_PID"); /* a process that is gone, or someone else's */
	for (size_t i = 0; i < ELEMENTSOF(env); i++)
		(void)(env[i][1] ? setenv(env[i][0], env[i][1], 1) : unsetenv(env[i][0]));
}

/*
 * The counters of `lxcri metrics` (lib/shared/counters.h): this hook's run
 * and time, a refused start. Best-effort: never what a start or stop waits
 * on or fails for; a failure is logged once.
 */
static void count_run(const struct lifecycle *lc, int64_t started_ns, bool refused)
{
	const char *hook[] = { "hook", hookctx_type_to_string(lc->ctx->type), NULL };
	const char *id[] = { "id", lc->ctx->id, NULL };
	struct lxcri_error e = {};
	struct timespec now;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &now);
	r = counters_add(lc->paths->run_dir, "lxcri_hook_runs_total", hook, 1, &e);
	if (r >= 0)
		r = counters_add(
		    lc->paths->run_dir, "lxcri_hook_seconds_total", hook,
		    (double)((int64_t)now.tv_sec * 1000000000 + now.tv_nsec - started_ns) / 1e9,
		    &e);
	if (r >= 0 && refused)
		r = counters_add(lc->paths->run_dir, "lxcri_refused_starts_total", id, 1, &e);
	if (r < 0)
		log_warning("metrics counters not updated: %s", e.message);
}

/*
 * What this node publishes, after each hook: node_exporter's textfile
 * where its directory exists, and on a PVE node the cluster summary in
 * /etc/pve (`lxcri publish`): `<libexec>/lxcri publish` in a process of
 * its own session, its output to /dev/null and no fd of ours (LXC reads a
 * hook's output to its end: it must not wait for this), killed by SIGALRM
 * after LIFECYCLE_PUBLISH_TIMEOUT_S (a pmxcfs that hangs without its
 * cluster too). Nothing here waits for it or fails.
 */
static void publish_after_hook(const struct lifecycle *lc)
{
	const char *dir = settings_metrics_dir(&lc->settings, lc->paths);
	char program[PATH_MAX];
	int r;

	if ((access(dir, W_OK) < 0 && !paths_pve_mode(lc->paths)) ||
	    paths_helper(lc->paths, "lxcri", program, sizeof(program)) < 0 ||
	    access(program, X_OK) < 0)
		return;
	r = process_detach();
	if (r < 0) {
		log_warning_errno(r, "metrics not written: %m");
		return;
	}
	if (r == 0) {
		char *argv[] = { (char *)"lxcri", (char *)"publish", NULL };

		alarm(LIFECYCLE_PUBLISH_TIMEOUT_S); /* kept across execv */
		execv(program, argv);
		_exit(127);
	}
}

int lifecycle_run(struct lifecycle *lc, struct lxcri_error *err)
{
	_cleanup_close_ int lock = -1;
	bool start = lc->ctx->type == HOOK_PRE_START || lc->ctx->type == HOOK_START_HOST;
	struct timespec t0;
	int64_t started_ns;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	started_ns = (int64_t)t0.tv_sec * 1000000000 + t0.tv_nsec;

	export_container_refs(lc->ctx);

	if (mkdir(lc->paths->run_dir, 0755) < 0 && errno != EEXIST)
		r = error_set_errno(err, -errno, "Failed to create '%s'", lc->paths->run_dir);
	else /* Serialises this container's hooks and `lxcri` changes to it. */
		r = lock = lock_file(lc->lock_path, 30000, err);
	if (r < 0) {
		/* Without a lock or a run dir a start cannot be recorded. */
		if (start)
			return r;
		/* A stop goes on: what is applied must go, alone or not. */
		log_error("%s: tearing down without the lock", err->message);
	}
	switch (lc->ctx->type) {
	case HOOK_PRE_START:
		r = pre_start(lc, err);
		break;
	case HOOK_START_HOST:
		r = start_host(lc, err);
		break;
	case HOOK_STOP:
		r = teardown(lc, false);
		break;
	case HOOK_POST_STOP:
		r = teardown(lc, true);
		break;
	default:
		r = 0;
		break;
	}
	/* The lock file goes with the state dir. */
	lock_file_release(TAKE_FD(lock), lc->lock_path, lc->state_dir);
	count_run(lc, started_ns, start && r < 0);
	if (lc->ctx->type == HOOK_PRE_START || lc->ctx->type == HOOK_START_HOST ||
	    lc->ctx->type == HOOK_STOP || lc->ctx->type == HOOK_POST_STOP)
		publish_after_hook(lc);
	return r;
}
