/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/profilecmd.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/ip.h"
#include "lib/basic/cleanup.h"
#include "lib/config/configedit.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "cli/ct.h"
#include "cli/livechange.h"
#include "lib/basic/lxcconf.h"
#include "lib/lsm/profiles.h"
#include "lib/lsm/selinux.h"
#include "lib/basic/sha256.h"
#include "lib/basic/strv.h"
#include "cli/cli.h"
#include "lib/basic/log.h"
#include "lib/lsm/apparmor.h"

#define PROFILE_MODE 0640 /* what pmxcfs gives every file; root reads it */

/* A file written by set, and what was there before (to put back). */
struct stored_file {
	const char *path;
	const char *text;
	size_t size;
	struct ct_text old;
};

static void stored_file_done(struct stored_file *f)
{
	ct_text_done(&f->old);
}

/* Puts back what was there: the old text, or no file. */
static void stored_file_restore(struct stored_file *f)
{
	struct lxcri_error ignored = {};

	if (f->old.exists)
		(void)atomic_write_file(f->path, f->old.text, f->old.size, f->old.mode, 0,
					&ignored);
	else
		(void)unlink(f->path);
}

/* The per-container files of an older version's seccomp set, if any are left: now in the store. */
static void old_files_remove(const struct lxcri_paths *p, const char *id)
{
	struct seccomp_files old;

	if (profiles_seccomp_old_files(p, id, &old) >= 0) {
		(void)unlink(old.profile);
		(void)unlink(old.copy);
	}
}

static int container_missing(const char *lxc_config, struct lxcri_error *err)
{
	return error_set(err, -ENOENT,
			 "'%s' does not exist: create the container first (pct create, lxc-create)",
			 lxc_config);
}

static int read_lxc_config(const char *path, struct ct_text *ret, struct lxcri_error *err)
{
	int r = ct_text_read(path, ret, err);

	if (r == -ENOENT || (r >= 0 && !ret->exists)) {
		ct_text_done(ret);
		return container_missing(path, err);
	}
	return r;
}

static const struct lxc_key_want *want_of(const struct lxc_key_want *w, size_t n,
					  const char *feature)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].feature, feature) == 0)
			return &w[i];
	return NULL;
}

/* A key of the lxcri config and its new value (NULL: removed). */
struct key_value {
	const char *key;
	const char *value;
};

/* The edits of keys[], in order, to text: *ret is the last one's result. */
static int edit_keys(const char *name, const char *text, size_t size, const struct key_value *keys,
		     size_t n_keys, struct configedit_result *ret, struct lxcri_error *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n_keys; i++) {
		_cleanup_(configedit_result_done) struct configedit_result prev = *ret;

		*ret = (struct configedit_result){};
		r = configedit_set(name, i ? prev.text : text, i ? prev.size : size, keys[i].key,
				   keys[i].value, ret, err);
	}
	return r;
}

/* A profile change: what livechange_run() gives the callbacks. */
struct profile_change {
	const struct lxcri_paths *p;
	const char *id;
	const char *feature;
	const struct key_value *keys; /* set: the keys and their values */
	size_t n_keys;
	struct stored_file *files; /* set: written first */
	size_t n_files;
	enum lxcconf_format format;
	struct config *old_config; /* unset: the config as read under the locks */
	const char *text;	   /* import: the config of the export */
	size_t size;
	bool force; /* import: replaces a config that is there */
	struct profilecmd_change *ret;
};

/* "'apparmor: profile=generated'", "'seccomp'" (unset), "the export" (import). */
static void describe(void *ctx, const struct livechange *lc, char *buf, size_t size)
{
	const struct profile_change *pc = ctx;

	(void)lc;
	if (pc->text)
		snprintf(buf, size, "the export");
	else if (pc->n_keys)
		snprintf(buf, size, "'%s: %s'", pc->keys[0].key, pc->keys[0].value);
	else
		snprintf(buf, size, "'%s'", pc->feature);
}

/* LXC's config of the container: where set and unset change its key. */
static int change_init(struct profile_change *pc, struct lxcri_error *err)
{
	*pc->ret = (struct profilecmd_change){};
	if (!paths_id_valid(pc->id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", pc->id);
	if (lxcconf_path(pc->p, pc->id, pc->ret->lxc_config, sizeof(pc->ret->lxc_config),
			 &pc->format) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long",
				 pc->id);
	return 0;
}

/* livechange_run() for the change, and what it says of the files and the container. */
static int change_run(struct profile_change *pc, const struct livechange_ops *ops,
		      struct lxcri_error *err)
{
	struct livechange_result result;
	int r = livechange_run(pc->p, pc->id, ops, pc, &result, err);

	snprintf(pc->ret->config, sizeof(pc->ret->config), "%s", result.file);
	pc->ret->running = result.running;
	return r;
}

/* What a change writes: the stored files, then the lxcri config, then LXC's config. */
struct change_write {
	struct stored_file *files;
	size_t n_files;
	const char *config;
	const char *config_text;
	size_t config_size;
	const struct ct_text *config_old;
	const char *lxc_config;
	const char *lxc_text;
	size_t lxc_size;
	const struct ct_text *lxc_old;
};

/*
 * Writes it, all or nothing: every file fits in pmxcfs or none is written,
 * and a failed write puts back what the earlier ones replaced. The stored
 * files under the store lock, which is held until the config names them.
 */
static int write_change(const struct lxcri_paths *p, const char *id, const struct change_write *w,
			struct lxcri_error *err)
{
	_cleanup_close_ int store_lock = -1;
	char store[PATH_MAX];
	bool made_store = false;
	size_t written = 0;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < w->n_files; i++)
		r = atomic_write_size_check(w->files[i].path, w->files[i].size, err);
	if (r >= 0)
		r = atomic_write_size_check(w->config, w->config_size, err);
	if (r >= 0)
		r = atomic_write_size_check(w->lxc_config, w->lxc_size, err);
	if (r < 0)
		return r;
	if (w->n_files > 0) {
		store_lock = profiles_store_lock(p, err);
		if (store_lock < 0)
			return store_lock;
		if (profiles_seccomp_store(p, id, store, sizeof(store)) < 0)
			return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long",
					 id);
		/* pmxcfs makes every directory 0755. */
		if (mkdir(store, 0755) == 0)
			made_store = true;
		else if (errno != EEXIST)
			return error_set_errno(err, -errno, "Failed to create '%s'", store);
	}
	for (; written < w->n_files; written++) {
		struct stored_file *f = &w->files[written];

		r = ct_text_read(f->path, &f->old, err);
		if (r >= 0)
			r = atomic_write_file(f->path, f->text, f->size, PROFILE_MODE,
					      PMXCFS_FILE_MAX, err);
		if (r < 0)
			goto undo_files;
	}
	r = atomic_write_file(w->config, w->config_text, w->config_size, w->config_old->mode,
			      CONFIG_MAX_SIZE, err);
	if (r < 0)
		goto undo_files;
	r = atomic_write_file(w->lxc_config, w->lxc_text, w->lxc_size, w->lxc_old->mode,
			      CONFIG_MAX_SIZE, err);
	if (r < 0)
		goto undo_config;
	return 0;

undo_config:
	if (w->config_old->exists)
		(void)atomic_write_file(w->config, w->config_old->text, w->config_old->size,
					w->config_old->mode, CONFIG_MAX_SIZE,
					&(struct lxcri_error){});
	else
		(void)unlink(w->config);
undo_files:
	while (written-- > 0)
		stored_file_restore(&w->files[written]);
	if (made_store)
		(void)rmdir(store);
	return r;
}

static int set_edit(void *ctx, const char *path, const char *text, size_t size, int index,
		    struct configedit_result *ret, struct lxcri_error *err)
{
	const struct profile_change *pc = ctx;

	(void)index;
	return edit_keys(path, text, size, pc->keys, pc->n_keys, ret, err);
}

/*
 * LXC's key to what the new config asks (lib/lsm/profiles.h, as the start
 * checks it), the stored files, the lxcri config and LXC's: all or nothing.
 */
static int set_write(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	struct profile_change *pc = ctx;
	struct profilecmd_change *ret = pc->ret;
	_cleanup_(ct_text_done) struct ct_text lxc = {};
	_cleanup_free_ char *lxc_text = NULL;
	struct lxc_key_want want[3];
	const struct lxc_key_want *w;
	size_t lxc_size = 0;
	int r = read_lxc_config(ret->lxc_config, &lxc, err);

	if (r < 0)
		return r;
	w = want_of(want, profiles_lxc_keys(pc->p, pc->id, lc->edit.config, want), pc->feature);
	if (!w)
		return error_set(err, -EINVAL, "'%s' asks nothing of LXC", pc->feature);
	snprintf(ret->lxc_key, sizeof(ret->lxc_key), "%s", w->key);
	snprintf(ret->lxc_value, sizeof(ret->lxc_value), "%s", w->value);
	r = lxcconf_set(lxc.text, lxc.size, pc->format, w->key, w->value, &lxc_text, &lxc_size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to set %s in '%s'", w->key, ret->lxc_config);
	r = ct_guard_apply(&lc->files, &lxc_text, &lxc_size, true, err);
	if (r < 0)
		return r;
	return write_change(pc->p, pc->id,
			    &(struct change_write){ pc->files, pc->n_files, lc->files.config,
						    lc->edit.text, lc->edit.size, &lc->old,
						    ret->lxc_config, lxc_text, lxc_size, &lxc },
			    err);
}

/* Sets the lxcri keys of feature, LXC's key, and writes files[] first; all or nothing. */
static int set_keys(const struct lxcri_paths *p, const char *id, const char *feature,
		    const struct key_value *keys, size_t n_keys, struct stored_file *files,
		    size_t n_files, struct profilecmd_change *ret, struct lxcri_error *err)
{
	char verb[32];
	const struct livechange_ops ops = {
		.verb = verb,
		.edit = set_edit,
		.describe = describe,
		.write = set_write,
	};
	struct profile_change pc = { .p = p,
				     .id = id,
				     .feature = feature,
				     .keys = keys,
				     .n_keys = n_keys,
				     .files = files,
				     .n_files = n_files,
				     .ret = ret };
	int r = change_init(&pc, err);

	snprintf(verb, sizeof(verb), "%s set", feature);
	return r < 0 ? r : change_run(&pc, &ops, err);
}

int profilecmd_seccomp_set(const struct lxcri_paths *p, const char *id, const char *source,
			   bool accept_loss, struct seccompconv_result *conv,
			   struct profilecmd_change *ret, struct lxcri_error *err)
{
	_cleanup_(seccompkeep_result_done) struct seccompkeep_result keep = {};
	_cleanup_free_ char *abs = NULL, *text = NULL, *stamped = NULL;
	_cleanup_strv_ char **caps = NULL;
	struct seccompkeep_container ct;
	enum lxcconf_format format;
	char lxc_config[PATH_MAX], digest[SHA256_HEX_SIZE], source_digest[SHA256_HEX_SIZE];
	struct seccomp_files sf;
	size_t size = 0;
	int r;

	*ret = (struct profilecmd_change){};
	if (!paths_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	abs = realpath(source, NULL);
	if (!abs)
		return error_set_errno(err, -errno, "Failed to find '%s'", source);
	r = seccompconv_read_file(abs, &text, &size, err);
	if (r < 0)
		return r;
	if (paths_join(lxc_config, sizeof(lxc_config), "%s/%s/config", p->lxc_path, id) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = lxcconf_caps(lxc_config, &caps, err);
	if (r >= 0)
		r = seccompkeep_kind_of(p, id, &ct, err);
	if (r == -ENOENT && lxcconf_path(p, id, lxc_config, sizeof(lxc_config), &format) >= 0)
		return container_missing(lxc_config, err); /* PVE's config of it */
	if (r < 0)
		return r;
	/* Converted whatever it loses: keeping the protections may lose more, and counts. */
	struct seccompconv_opts opts = { .caps = (const char *const *)caps, .accept_loss = true };
	r = seccompconv_convert(abs, text, size, &opts, conv, err);
	if (r >= 0)
		r = seccompkeep_apply(conv->profile, &ct, &keep, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < keep.n_notes; i++)
		r = strv_append(&conv->notes, &conv->n_notes, strdup(keep.notes[i]));
	for (size_t i = 0; r >= 0 && i < keep.n_losses; i++)
		r = strv_append(&conv->losses, &conv->n_losses, strdup(keep.losses[i]));
	if (r < 0)
		return error_set(err, r, "Out of memory");
	conv->n_rules = keep.n_rules;
	if (conv->n_losses > 0 && !accept_loss) {
		free(TAKE_PTR(conv->profile));
		return error_set(
		    err, -EOPNOTSUPP,
		    "%s: %zu thing%s of it cannot be set as it says (accept the loss to "
		    "set it anyway): %s%s",
		    abs, conv->n_losses, conv->n_losses == 1 ? "" : "s", conv->losses[0],
		    conv->n_losses > 1 ? "; ..." : "");
	}
	r = profiles_seccomp_stamp(text, size, keep.profile, &stamped, digest);
	if (r < 0)
		return error_set_errno(err, r, "Failed to store the profile of '%s'", abs);
	sha256_hex(text, size, source_digest);
	if (profiles_seccomp_files(p, id, digest, source_digest, &sf) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);

	struct stored_file files[] = {
		{ .path = sf.copy, .text = text, .size = size },
		{ .path = sf.profile, .text = stamped, .size = strlen(stamped) },
	};
	const struct key_value keys[] = { { "seccomp", abs }, { "seccomp-sha256", digest } };
	r = set_keys(p, id, "seccomp", keys, ELEMENTSOF(keys), files, ELEMENTSOF(files), ret, err);
	for (size_t i = 0; i < ELEMENTSOF(files); i++)
		stored_file_done(&files[i]);
	if (r >= 0) {
		snprintf(ret->profile, sizeof(ret->profile), "%s", sf.profile);
		ret->kept_for = ct.kind;
		ret->n_kept = keep.n_kept;
		old_files_remove(p, id);
	}
	return r;
}

int profilecmd_apparmor_set(const struct lxcri_paths *p, const char *id, const char *value,
			    struct profilecmd_change *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *full = NULL;

	if (!strchr(value, '=') && asprintf(&full, "profile=%s", value) < 0)
		return error_oom(err);
	const struct key_value keys[] = { { "apparmor", full ? full : value } };
	return set_keys(p, id, "apparmor", keys, 1, NULL, 0, ret, err);
}

int profilecmd_selinux_set(const struct lxcri_paths *p, const char *id, const char *context,
			   bool *ret_syntax_only, struct profilecmd_change *ret,
			   struct lxcri_error *err)
{
	int r = selinux_context_check(context, err);

	if (r < 0)
		return r;
	*ret_syntax_only = r == SELINUX_CHECKED_SYNTAX;
	const struct key_value keys[] = { { "selinux", context } };
	return set_keys(p, id, "selinux", keys, 1, NULL, 0, ret, err);
}

static int unset_edit(void *ctx, const char *path, const char *text, size_t size, int index,
		      struct configedit_result *ret, struct lxcri_error *err)
{
	struct profile_change *pc = ctx;
	struct lxc_key_want want[3];
	const struct lxc_key_want *w;
	int r;

	(void)index;
	r = config_parse(path, text, size, &pc->old_config, err);
	if (r < 0)
		return r;
	/* seccomp-sha256 first: the config does not parse with it alone. */
	const struct key_value keys[] = { { "seccomp-sha256", NULL }, { pc->feature, NULL } };
	bool sha = strcmp(pc->feature, "seccomp") == 0 && pc->old_config->lsm.seccomp_sha256[0];
	r = edit_keys(path, text, size, keys + !sha, ELEMENTSOF(keys) - !sha, ret, err);
	if (r < 0)
		return r;
	w = want_of(want, profiles_lxc_keys(pc->p, pc->id, pc->old_config, want), pc->feature);
	if (!w)
		return error_set(err, -ENOENT, "%s: '%s' is not set", path, pc->feature);
	snprintf(pc->ret->lxc_key, sizeof(pc->ret->lxc_key), "%s", w->key);
	if (strcmp(pc->feature, "seccomp") == 0)
		snprintf(pc->ret->profile, sizeof(pc->ret->profile), "%s", w->value);
	snprintf(pc->ret->lxc_value, sizeof(pc->ret->lxc_value), "%s", w->value);
	return 0;
}

/*
 * LXC's key goes only if it is still ours (an admin may have pointed it
 * elsewhere), then the lxcri key; LXC's key back if that fails.
 */
static int unset_write(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	struct profile_change *pc = ctx;
	struct profilecmd_change *ret = pc->ret;
	_cleanup_(ct_text_done) struct ct_text lxc = {};
	_cleanup_free_ char *lxc_text = NULL, *current = NULL;
	size_t lxc_size = 0;
	int r = read_lxc_config(ret->lxc_config, &lxc, err);

	if (r >= 0 && lxcconf_get(lxc.text, lxc.size, pc->format, ret->lxc_key, &current) < 0)
		r = error_oom(err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r >= 0 && current && strcmp(current, ret->lxc_value) == 0) {
		r = lxcconf_set(lxc.text, lxc.size, pc->format, ret->lxc_key, NULL, &lxc_text,
				&lxc_size);
		if (r < 0)
			return error_set_errno(err, r, "Failed to remove %s from '%s'",
					       ret->lxc_key, ret->lxc_config);
		r = atomic_write_file(ret->lxc_config, lxc_text, lxc_size, lxc.mode,
				      CONFIG_MAX_SIZE, err);
		if (r < 0)
			return r;
		ret->lxc_value[0] = '\0';
	} else {
		ret->lxc_key_kept = current != NULL;
		snprintf(ret->lxc_value, sizeof(ret->lxc_value), "%s", current ? current : "");
	}
	/* Nothing left (set made the file): the container is no longer managed, nor guarded. */
	r = ct_config_write(&lc->files, &lc->old, lc->edit.text, lc->edit.size, err);
	if (r < 0 && lxc_text)
		(void)atomic_write_file(ret->lxc_config, lxc.text, lxc.size, lxc.mode,
					CONFIG_MAX_SIZE, &(struct lxcri_error){});
	return r;
}

int profilecmd_unset(const struct lxcri_paths *p, const char *id, const char *feature,
		     struct profilecmd_change *ret, struct lxcri_error *err)
{
	char verb[32];
	const struct livechange_ops ops = {
		.verb = verb,
		.removal = true,
		.edit = unset_edit,
		.describe = describe,
		.write = unset_write,
	};
	struct profile_change pc = { .p = p, .id = id, .feature = feature, .ret = ret };
	int r = change_init(&pc, err);

	snprintf(verb, sizeof(verb), "%s unset", feature);
	if (r >= 0)
		r = change_run(&pc, &ops, err);
	config_free(pc.old_config);
	if (r < 0)
		return r;
	/* The stored profile may be another container's too: `lxcri gc` removes it when not. */
	if (strcmp(feature, "seccomp") == 0)
		old_files_remove(p, id);
	return 0;
}

static void add_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

/* What a stored profile says it kept, or NULL (JSON null) if it says nothing. */
static struct json_object *kept_json(const char *profile)
{
	_cleanup_(seccompkeep_kept_done) struct seccompkeep_kept kept = {};
	struct json_object *o, *rules;

	if (seccompkeep_profile_kept(profile, &kept) < 0 || !(o = json_object_new_object()))
		return NULL;
	add_string(o, "for", seccompkeep_kind_name(kept.kind));
	add_string(o, "container", seccompkeep_kind_phrase(kept.kind));
	add_string(o, "what", seccompkeep_kind_kept(kept.kind));
	json_object_object_add(o, "rules", rules = json_object_new_array());
	for (size_t i = 0; rules && i < kept.n_rules; i++)
		json_object_array_add(rules, json_object_new_string(kept.rules[i]));
	return o;
}

int profilecmd_show(const struct lxcri_paths *p, const char *id, const char *feature,
		    struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_(ct_text_done) struct ct_text text = {}, lxc = {};
	_cleanup_config_ struct config *c = NULL;
	_cleanup_free_ char *current = NULL;
	struct lxc_key_want want[3];
	const struct lxc_key_want *w;
	enum lxcconf_format format;
	char lxc_config[PATH_MAX];
	struct ct_files f;
	pid_t pid = 0;
	int r;

	if (!o)
		return error_oom(err);
	r = ct_files_open(p, id, &f, err);
	if (r < 0)
		return r;
	if (lxcconf_path(p, id, lxc_config, sizeof(lxc_config), &format) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = ct_text_read(f.config, &text, err);
	if (r >= 0)
		r = config_parse(f.config, text.size ? text.text : "", text.size, &c, err);
	if (r < 0)
		return r;
	w = want_of(want, profiles_lxc_keys(p, id, c, want), feature);
	json_object_object_add(o, "id", json_object_new_string(id));
	add_string(o, "feature", feature);
	if (strcmp(feature, "apparmor") == 0 && c->lsm.apparmor_profile) {
		char value[CONFIG_APPARMOR_VALUE_MAX];

		if (lsm_apparmor_value(&c->lsm, value, sizeof(value)) < 0)
			return error_set(err, -ENAMETOOLONG, "%s: the apparmor key is too long",
					 f.config);
		add_string(o, "key", value);
	} else {
		add_string(o, "key",
			   strcmp(feature, "seccomp") == 0 ? c->lsm.seccomp : c->lsm.selinux);
	}
	add_string(o, "config", f.config);
	add_string(o, "lxc_config", lxc_config);
	if (read_lxc_config(lxc_config, &lxc, &(struct lxcri_error){}) >= 0 && w &&
	    lxcconf_get(lxc.text, lxc.size, format, w->key, &current) < 0)
		return error_oom(err);
	add_string(o, "lxc_key",
		   w				      ? w->key
		   : strcmp(feature, "seccomp") == 0  ? "lxc.seccomp.profile"
		   : strcmp(feature, "apparmor") == 0 ? "lxc.apparmor.profile"
						      : "lxc.selinux.context");
	add_string(o, "lxc_value", current);
	json_object_object_add(
	    o, "lxc_points_here",
	    json_object_new_boolean(w && current && strcmp(current, w->value) == 0));
	if (ct_running_pid(p, id, &pid, &(struct lxcri_error){}) < 0 || pid > 0)
		json_object_object_add(o, "running", json_object_new_boolean(true));
	else
		json_object_object_add(o, "running", json_object_new_boolean(false));

	if (strcmp(feature, "seccomp") == 0 && c->lsm.seccomp) {
		_cleanup_(seccompconv_skipped_done) struct seccompconv_skipped skipped = {};
		_cleanup_free_ char *profile = NULL;
		struct seccomp_stamp stamp = { 0 };
		struct lxcri_error why = {};
		bool used_copy = false;
		size_t size = 0, rules = 0;

		r = profiles_check_seccomp(p, id, c, NULL, &stamp, &used_copy, &why);
		add_string(o, "profile", w ? w->value : NULL);
		add_string(o, "source", c->lsm.seccomp);
		add_string(o, "source_sha256", r >= 0 ? stamp.source_sha256 : NULL);
		json_object_object_add(o, "used_copy", json_object_new_boolean(used_copy));
		json_object_object_add(o, "current", json_object_new_boolean(r >= 0));
		add_string(o, "problem", r < 0 ? why.message : NULL);
		if (w && fileio_read_file(w->value, SECCOMPCONV_SIZE_MAX, &profile, &size) >= 0) {
			/* Rule lines: not the two header lines, comments or [arch] sections. */
			const char *s = profile;
			for (unsigned line = 1; s && *s; line++) {
				if (line > 2 && *s != '#' && *s != '[' && *s != '\n')
					rules++;
				s = strchr(s, '\n');
				s = s ? s + 1 : NULL;
			}
		}
		json_object_object_add(o, "rules", json_object_new_int64((int64_t)rules));
		add_string(o, "text", profile);
		if (profile && seccompconv_profile_skipped(profile, &skipped) < 0)
			return error_oom(err);
		json_object_object_add(o, "skipped", seccompconv_skipped_json(&skipped));
		json_object_object_add(o, "kept", profile ? kept_json(profile) : NULL);
	}
	*ret = TAKE_PTR(o);
	return 0;
}

#define EXPORT_VERSION	 1
#define EXPORT_MAX_FILES 8

/* The stored profile c names and the source copy its stamp names, as export files. */
static int export_files(const struct lxcri_paths *p, const char *id, const struct config *c,
			struct json_object *files, struct lxcri_error *err)
{
	_cleanup_free_ char *profile = NULL, *copy = NULL;
	char digest[SHA256_HEX_SIZE], name[128];
	struct seccomp_stamp stamp;
	struct seccomp_files sf;
	size_t size = 0, copy_size = 0;
	int r;

	if (!c->lsm.seccomp_sha256[0])
		return 0;
	if (profiles_seccomp_files(p, id, c->lsm.seccomp_sha256, "", &sf) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = fileio_read_file(sf.profile, PMXCFS_FILE_MAX, &profile, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", sf.profile);
	sha256_hex(profile, size, digest);
	if (strcmp(digest, c->lsm.seccomp_sha256) != 0)
		return error_set(err, -ESTALE,
				 "'%s' was changed since 'lxcri seccomp set' made it: run 'lxcri "
				 "seccomp set %s %s' again",
				 sf.profile, id, c->lsm.seccomp);
	r = profiles_seccomp_stamp_read(sf.profile, profile, size, &stamp, err);
	if (r < 0)
		return r;
	(void)profiles_seccomp_files(p, id, c->lsm.seccomp_sha256, stamp.source_sha256, &sf);
	r = fileio_read_file(sf.copy, PMXCFS_FILE_MAX, &copy, &copy_size);
	if (r == -ENOENT) /* the source still where the key says will do, if it is the same */
		r = fileio_read_file(c->lsm.seccomp, PMXCFS_FILE_MAX, &copy, &copy_size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s' (or '%s')", sf.copy,
				       c->lsm.seccomp);
	sha256_hex(copy, copy_size, digest);
	if (strcmp(digest, stamp.source_sha256) != 0)
		return error_set(err, -ESTALE,
				 "'%s' changed since the profile '%s' was made from it: run 'lxcri "
				 "seccomp set %s %s' again",
				 c->lsm.seccomp, sf.profile, id, c->lsm.seccomp);
	snprintf(name, sizeof(name), "seccomp/%s.seccomp", c->lsm.seccomp_sha256);
	r = json_add(files, name, json_object_new_string_len(profile, (int)size));
	snprintf(name, sizeof(name), "seccomp/%s.json", stamp.source_sha256);
	if (r >= 0)
		r = json_add(files, name, json_object_new_string_len(copy, (int)copy_size));
	return r < 0 ? error_set(err, r, "Out of memory") : 0;
}

int profilecmd_export(const struct lxcri_paths *p, const char *id, struct json_object **ret,
		      struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_(ct_text_done) struct ct_text text = {};
	_cleanup_config_ struct config *c = NULL;
	_cleanup_json_ struct json_object *keys = json_object_new_object(),
					  *files = json_object_new_object();
	struct lxc_key_want want[3];
	struct ct_files f;
	size_t n;
	int r;

	if (!o || !keys || !files ||
	    json_add(o, "lxcri-export", json_object_new_int(EXPORT_VERSION)) < 0 ||
	    json_add_string(o, "id", id) < 0)
		return error_oom(err);
	r = ct_files_open(p, id, &f, err);
	if (r >= 0)
		r = ct_text_read(f.config, &text, err);
	if (r >= 0 && !text.exists)
		r = error_set(err, -ENOENT, "CT %s has no lxcri config ('%s')", id, f.config);
	if (r >= 0)
		r = config_parse(f.config, text.text, text.size, &c, err);
	if (r < 0)
		return r;
	if (json_add(o, "config", json_object_new_string_len(text.text, (int)text.size)) < 0)
		return error_oom(err);
	n = profiles_lxc_keys(p, id, c, want);
	for (size_t i = 0; i < n; i++)
		if (json_add_string(keys, want[i].key, want[i].value) < 0)
			return error_oom(err);
	r = export_files(p, id, c, files, err);
	if (r < 0)
		return r;
	if (json_add(o, "lxc_keys", TAKE_PTR(keys)) < 0 ||
	    json_add(o, "files", TAKE_PTR(files)) < 0)
		return error_oom(err);
	*ret = TAKE_PTR(o);
	return 0;
}

void profilecmd_import_done(struct profilecmd_import *r)
{
	strv_free(r->warnings);
	r->warnings = NULL;
	r->n_warnings = 0;
}

/* The files of an export, checked against their names and what the config names. */
static int import_files(const char *store, const struct config *c, struct json_object *files,
			char (*paths)[PATH_MAX], struct stored_file *ret, size_t *n_ret,
			struct lxcri_error *err)
{
	char want_copy[SHA256_HEX_SIZE] = "";
	bool have_profile = false, have_copy = false;
	size_t n = 0;

	json_object_object_foreach(files, name, value)
	{
		char digest[SHA256_HEX_SIZE], actual[SHA256_HEX_SIZE], ext[16];
		const char *text;
		size_t size;
		int len = 0;

		if (n == EXPORT_MAX_FILES)
			return error_set(err, -EINVAL, "The export has more than %d files",
					 EXPORT_MAX_FILES);
		if (sscanf(name, "seccomp/%64[0-9a-f].%15[a-z]%n", digest, ext, &len) != 2 ||
		    (size_t)len != strlen(name) || strlen(digest) != 64 ||
		    (strcmp(ext, "seccomp") != 0 && strcmp(ext, "json") != 0))
			return error_set(err, -EINVAL,
					 "The export has a file '%s': expected "
					 "seccomp/<sha256>.seccomp or seccomp/<sha256>.json",
					 name);
		if (!json_object_is_type(value, json_type_string))
			return error_set(err, -EINVAL, "The export's file '%s' is not a string",
					 name);
		text = json_object_get_string(value);
		size = (size_t)json_object_get_string_len(value);
		sha256_hex(text, size, actual);
		if (strcmp(actual, digest) != 0)
			return error_set(err, -EINVAL,
					 "The export's file '%s' does not have the digest it is "
					 "named by (sha256 %s): it was changed",
					 name, actual);
		bool profile = strcmp(ext, "seccomp") == 0;
		if (paths_join(paths[n], PATH_MAX, "%s/%s.%s", store, digest, ext) < 0)
			return error_set(err, -ENAMETOOLONG, "Path of '%s' is too long", store);
		if (profile) {
			struct seccomp_stamp stamp;
			int r;

			if (strcmp(digest, c->lsm.seccomp_sha256) != 0)
				return error_set(err, -EINVAL,
						 "The export's file '%s' is not the profile its "
						 "config names",
						 name);
			r = profiles_seccomp_stamp_read(name, text, size, &stamp, err);
			if (r < 0)
				return error_set(err, -EINVAL, "%s", err->message);
			snprintf(want_copy, sizeof(want_copy), "%s", stamp.source_sha256);
			have_profile = true;
		} else {
			have_copy = true;
		}
		ret[n] = (struct stored_file){ .path = paths[n], .text = text, .size = size };
		n++;
	}
	*n_ret = n;
	if (c->lsm.seccomp_sha256[0] && !have_profile)
		return error_set(err, -EINVAL,
				 "The export lacks 'seccomp/%s.seccomp', the profile its config "
				 "names",
				 c->lsm.seccomp_sha256);
	if (!c->lsm.seccomp_sha256[0] && n > 0)
		return error_set(err, -EINVAL,
				 "The export has files that its config does not name");
	for (size_t i = 0; i < n; i++)
		if (strstr(ret[i].path, ".json") &&
		    (!*want_copy || !strstr(ret[i].path, want_copy)))
			return error_set(err, -EINVAL,
					 "The export has a source copy ('%s') that its profile "
					 "was not made from",
					 ret[i].path);
	if (have_profile && !have_copy)
		return error_set(
		    err, -EINVAL,
		    "The export lacks 'seccomp/%s.json', the source copy of its profile",
		    want_copy);
	return 0;
}

/* A warning for every host port of c that another config of dir forwards too. */
static int port_warnings(const char *dir, const struct config *c, struct profilecmd_import *ret,
			 struct lxcri_error *err)
{
	_cleanup_(closedirp) DIR *d = c->port.n_ports ? opendir(dir) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_config_ struct config *other = NULL;
		_cleanup_free_ char *text = NULL;
		char path[PATH_MAX];
		size_t n = strlen(de->d_name), size = 0;

		if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".conf") != 0 ||
		    paths_join(path, sizeof(path), "%s/%s", dir, de->d_name) < 0 ||
		    strcmp(path, c->path) == 0 ||
		    fileio_read_file(path, CONFIG_MAX_SIZE, &text, &size) < 0 ||
		    config_parse(path, text, size, &other, &(struct lxcri_error){}) < 0)
			continue;
		for (size_t i = 0; i < c->port.n_ports; i++)
			for (size_t j = 0; j < other->port.n_ports; j++) {
				const struct config_port *a = &c->port.ports[i],
							 *b = &other->port.ports[j];

				if (a->proto != b->proto || a->host_last < b->host_first ||
				    b->host_last < a->host_first ||
				    (a->has_hostip && b->has_hostip &&
				     !ip_address_equal(&a->hostip, &b->hostip)))
					continue;
				if (strv_appendf(&ret->warnings, &ret->n_warnings,
						 "%s:%u: port%u forwards host port %s %u, as %s:%u "
						 "does: only one of the two containers can start "
						 "with it (change one: lxcri port del|add)",
						 c->path, a->line, a->index,
						 a->proto == IPPROTO_TCP ? "tcp" : "udp",
						 a->host_first, path, b->line) < 0)
					return error_oom(err);
			}
	}
	return 0;
}

/* LXC's config for c: what the old config (may be NULL) set and c no longer asks goes, if ours. */
static int import_lxc_text(const struct lxcri_paths *p, const char *id, const struct config *old,
			   const struct config *c, const struct ct_text *lxc,
			   enum lxcconf_format format, const char *lxc_config, char **ret,
			   size_t *ret_size, struct lxcri_error *err)
{
	struct lxc_key_want want[3], had[3];
	size_t n = profiles_lxc_keys(p, id, c, want),
	       n_had = old ? profiles_lxc_keys(p, id, old, had) : 0;
	_cleanup_free_ char *text = strndup(lxc->text, lxc->size);
	size_t size = lxc->size;
	int r;

	if (!text)
		return error_oom(err);
	for (size_t i = 0; i < n_had; i++) {
		_cleanup_free_ char *current = NULL, *next = NULL;

		if (want_of(want, n, had[i].feature))
			continue;
		if (lxcconf_get(text, size, format, had[i].key, &current) < 0)
			return error_oom(err);
		if (!current || strcmp(current, had[i].value) != 0)
			continue;
		r = lxcconf_set(text, size, format, had[i].key, NULL, &next, &size);
		if (r < 0)
			return error_set_errno(err, r, "Failed to remove %s from '%s'", had[i].key,
					       lxc_config);
		free(text);
		text = TAKE_PTR(next);
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *next = NULL;

		r = lxcconf_set(text, size, format, want[i].key, want[i].value, &next, &size);
		if (r < 0)
			return error_set_errno(err, r, "Failed to set %s in '%s'", want[i].key,
					       lxc_config);
		free(text);
		text = TAKE_PTR(next);
	}
	*ret = TAKE_PTR(text);
	*ret_size = size;
	return 0;
}

/* The export's config in place of the one there. */
static int import_edit(void *ctx, const char *path, const char *text, size_t size, int index,
		       struct configedit_result *ret, struct lxcri_error *err)
{
	const struct profile_change *pc = ctx;

	(void)text;
	(void)size;
	(void)index;
	ret->text = strndup(pc->text, pc->size);
	if (!ret->text)
		return error_oom(err);
	ret->size = pc->size;
	return config_parse(path, ret->text, ret->size, &ret->config, err);
}

/* LXC's keys computed for id, this vmid's guard, the stored files and both configs. */
static int import_write(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	struct profile_change *pc = ctx;
	_cleanup_config_ struct config *old_c = NULL;
	_cleanup_(ct_text_done) struct ct_text lxc = {};
	_cleanup_free_ char *lxc_text = NULL;
	size_t lxc_size = 0;
	int r;

	if (lc->old.exists && !pc->force)
		return error_set(err, -EEXIST,
				 "'%s' exists: CT %s has an lxcri config (--force replaces it)",
				 lc->files.config, pc->id);
	if (lc->old.exists)
		(void)config_parse(lc->files.config, lc->old.text, lc->old.size, &old_c,
				   &(struct lxcri_error){});
	r = read_lxc_config(pc->ret->lxc_config, &lxc, err);
	if (r >= 0)
		r = import_lxc_text(pc->p, pc->id, old_c, lc->edit.config, &lxc, pc->format,
				    pc->ret->lxc_config, &lxc_text, &lxc_size, err);
	/* This vmid's own guard, in place of one the clone or restore copied. */
	if (r >= 0)
		r = ct_guard_apply(&lc->files, &lxc_text, &lxc_size, true, err);
	if (r >= 0)
		r = write_change(pc->p, pc->id,
				 &(struct change_write){ pc->files, pc->n_files, lc->files.config,
							 lc->edit.text, lc->edit.size, &lc->old,
							 pc->ret->lxc_config, lxc_text, lxc_size,
							 &lxc },
				 err);
	return r;
}

int profilecmd_import(const struct lxcri_paths *p, const char *id, const char *text, size_t size,
		      bool force, struct profilecmd_import *ret, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	_cleanup_config_ struct config *c = NULL;
	struct json_object *version, *config, *files;
	struct stored_file stored[EXPORT_MAX_FILES] = {};
	char paths[EXPORT_MAX_FILES][PATH_MAX], store[PATH_MAX], why[256], dir[PATH_MAX];
	struct profilecmd_change ch;
	struct ct_files f;
	size_t n_stored = 0;
	int r;

	static const struct livechange_ops ops = {
		.verb = "config import",
		.edit = import_edit,
		.describe = describe,
		.write = import_write,
	};

	*ret = (struct profilecmd_import){};
	r = json_parse_strict(text, size, &doc, why, sizeof(why));
	if (r < 0)
		return error_set(err, -EINVAL, "The export is not an lxcri export: %s",
				 r == -ENODATA ? "it is empty" : why);
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "lxcri-export", &version) ||
	    !json_object_is_type(version, json_type_int) ||
	    json_object_get_int(version) != EXPORT_VERSION ||
	    !json_object_object_get_ex(doc, "config", &config) ||
	    !json_object_is_type(config, json_type_string) ||
	    !json_object_object_get_ex(doc, "files", &files) ||
	    !json_object_is_type(files, json_type_object))
		return error_set(err, -EINVAL,
				 "The export is not an lxcri export of version %d (made by 'lxcri "
				 "config export'): it needs \"lxcri-export\": %d, \"config\" and "
				 "\"files\"",
				 EXPORT_VERSION, EXPORT_VERSION);
	/* The checks that need no lock first: a bad document never waits for one. */
	r = ct_files_open(p, id, &f, err);
	if (r < 0)
		return r;
	if (profiles_seccomp_store(p, id, store, sizeof(store)) < 0 ||
	    paths_container_config_dir(p, f.pve, dir, sizeof(dir)) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = config_parse(f.config, json_object_get_string(config),
			 (size_t)json_object_get_string_len(config), &c, err);
	if (r >= 0)
		r = import_files(store, c, files, paths, stored, &n_stored, err);
	if (r < 0)
		return r;

	struct profile_change pc = { .p = p,
				     .id = id,
				     .feature = "config",
				     .files = stored,
				     .n_files = n_stored,
				     .text = json_object_get_string(config),
				     .size = (size_t)json_object_get_string_len(config),
				     .force = force,
				     .ret = &ch };
	r = change_init(&pc, err);
	if (r >= 0)
		r = change_run(&pc, &ops, err);
	for (size_t i = 0; i < n_stored; i++)
		stored_file_done(&stored[i]);
	if (r < 0)
		return r;
	snprintf(ret->config, sizeof(ret->config), "%s", ch.config);
	snprintf(ret->lxc_config, sizeof(ret->lxc_config), "%s", ch.lxc_config);
	ret->running = ch.running;
	return port_warnings(dir, c, ret, err);
}

/* lxcri seccomp|apparmor|selinux set|show|unset ..., lxcri seccomp convert <file> */

/* Notes, losses and skipped names of a conversion, on stderr. */
static void print_conversion_notes(const struct seccompconv_result *res, bool refused)
{
	for (size_t i = 0; i < res->n_notes; i++)
		fprintf(stderr, "note: %s\n", res->notes[i]);
	for (size_t i = 0; i < res->n_losses; i++)
		fprintf(stderr, "%s: %s\n", refused ? "cannot express" : "lost (accepted)",
			res->losses[i]);
	if (!refused && res->skipped.text)
		fprintf(stderr, "warning: %s\n", res->skipped.text);
}

/* lxcri seccomp convert <file> [--accept-loss]: the LXC profile on stdout. */
int profilecmd_do_seccomp_convert(struct cli *cli)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = {};
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = {};
	struct seccompconv_opts opts = { .accept_loss = cli->accept_loss };
	size_t size = 0;
	int r;

	if (cli->argc != 1)
		return cli_usage_error(
		    "%s", "usage: lxcri seccomp convert <profile.json> [--accept-loss]");
	r = seccompconv_read_file(cli->argv[0], &text, &size, &err);
	if (r >= 0)
		r = seccompconv_convert(cli->argv[0], text, size, &opts, &res, &err);
	if (cli->format != OUTPUT_TEXT && (r >= 0 || r == -EOPNOTSUPP)) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		struct json_object *losses = json_object_new_array(),
				   *notes = json_object_new_array();

		for (size_t i = 0; i < res.n_losses; i++)
			json_object_array_add(losses, json_object_new_string(res.losses[i]));
		for (size_t i = 0; i < res.n_notes; i++)
			json_object_array_add(notes, json_object_new_string(res.notes[i]));
		json_object_object_add(o, "source", json_object_new_string(cli->argv[0]));
		json_object_object_add(o, "shape",
				       json_object_new_string(seccompconv_shape_name(res.shape)));
		json_object_object_add(
		    o, "rules", json_object_new_int64(res.profile ? (int64_t)res.n_rules : 0));
		json_object_object_add(o, "losses", losses);
		json_object_object_add(o, "notes", notes);
		json_object_object_add(o, "skipped", seccompconv_skipped_json(&res.skipped));
		json_object_object_add(o, "profile",
				       res.profile ? json_object_new_string(res.profile) : NULL);
		json_object_object_add(o, "error",
				       r < 0 ? json_object_new_string(err.message) : NULL);
		cli_print_json(cli, o);
		return r == -EOPNOTSUPP || r == -EINVAL ? EXIT_INVALID
		       : r < 0				? EXIT_FAILED
							: EXIT_OK;
	}
	print_conversion_notes(&res, r < 0);
	if (r == -EOPNOTSUPP) {
		fprintf(stderr,
			"lxcri: %zu thing(s) of '%s' cannot be expressed in LXC's seccomp format; "
			"--accept-loss converts anyway\n",
			res.n_losses, cli->argv[0]);
		return EXIT_INVALID;
	}
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return r == -EINVAL || r == -EFBIG ? EXIT_INVALID : EXIT_FAILED;
	}
	fputs(res.profile, stdout);
	return EXIT_OK;
}

static void print_profile_change(const struct cli *cli, const char *id, const char *feature,
				 bool set, const struct profilecmd_change *ch)
{
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "feature", json_object_new_string(feature));
		json_object_object_add(o, "config", json_object_new_string(ch->config));
		json_object_object_add(o, "lxc_config", json_object_new_string(ch->lxc_config));
		json_object_object_add(o, "lxc_key", json_object_new_string(ch->lxc_key));
		json_object_object_add(
		    o, "lxc_value",
		    set || ch->lxc_key_kept ? json_object_new_string(ch->lxc_value) : NULL);
		json_object_object_add(o, "profile",
				       ch->profile[0] ? json_object_new_string(ch->profile) : NULL);
		json_object_object_add(o, "running", json_object_new_boolean(ch->running));
		cli_print_json(cli, o);
		return;
	}
	if (set)
		printf("%s of container '%s' set in '%s'; '%s' has %s = %s\n", feature, id,
		       ch->config, ch->lxc_config, ch->lxc_key, ch->lxc_value);
	else if (ch->lxc_key_kept)
		printf("%s of container '%s' removed from '%s'; %s = %s in '%s' is not ours: left "
		       "as it is\n",
		       feature, id, ch->config, ch->lxc_key, ch->lxc_value, ch->lxc_config);
	else
		printf("%s of container '%s' removed from '%s' and '%s'\n", feature, id, ch->config,
		       ch->lxc_config);
	if (ch->running)
		printf("container '%s' is running: the change takes effect at its next start\n",
		       id);
}

static int profile_exit_code(int r)
{
	return r == -EINVAL || r == -ENOENT || r == -EFBIG || r == -EOPNOTSUPP ? EXIT_INVALID
									       : EXIT_FAILED;
}

/* lxcri seccomp set <id> <profile.json> [--accept-loss] */
int profilecmd_do_seccomp_set(struct cli *cli)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 2)
		return cli_usage_error(
		    "%s", "usage: lxcri seccomp set <id> <profile.json> [--accept-loss]");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_seccomp_set(&cli->paths, cli->argv[0], cli->argv[1], cli->accept_loss, &conv,
				   &ch, &err);
	print_conversion_notes(&conv, r == -EOPNOTSUPP);
	if (r == -EOPNOTSUPP)
		return cli_report_failure(
		    EXIT_INVALID,
		    "%zu thing(s) of '%s' cannot be expressed in LXC's seccomp "
		    "format: nothing changed; --accept-loss sets it anyway",
		    conv.n_losses, cli->argv[1]);
	if (r < 0)
		return cli_report_failure(profile_exit_code(r), "%s", err.message);
	if (cli->format == OUTPUT_TEXT) {
		printf("'%s' (%s, %zu rules) converted to '%s'\n", cli->argv[1],
		       seccompconv_shape_name(conv.shape), conv.n_rules, ch.profile);
		printf("kept: %s, which the profile replaces, for %s: %zu protections "
		       "('lxcri seccomp show %s' lists them)\n",
		       seccompkeep_kind_kept(ch.kept_for), seccompkeep_kind_phrase(ch.kept_for),
		       ch.n_kept, cli->argv[0]);
	}
	print_profile_change(cli, cli->argv[0], "seccomp", true, &ch);
	return EXIT_OK;
}

/* lxcri apparmor set <id> <profile|profile=generated,...> */
int profilecmd_do_apparmor_set(struct cli *cli)
{
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 2)
		return cli_usage_error("%s", "usage: lxcri apparmor set <id> <profile name | "
					     "profile=generated[,nesting=1][,mount=<fstype>;...]>");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_apparmor_set(&cli->paths, cli->argv[0], cli->argv[1], &ch, &err);
	if (r < 0)
		return cli_report_failure(profile_exit_code(r), "%s", err.message);
	if (strcmp(ch.lxc_value, "unconfined") != 0 && !apparmor_enabled(cli->paths.sys_dir))
		fprintf(stderr,
			"lxcri: warning: AppArmor is not enabled in this kernel: container "
			"'%s' will be refused at start, never started unconfined\n",
			cli->argv[0]);
	print_profile_change(cli, cli->argv[0], "apparmor", true, &ch);
	return EXIT_OK;
}

/* lxcri selinux set <id> <context> */
int profilecmd_do_selinux_set(struct cli *cli)
{
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	bool syntax_only = false;
	int r;

	if (cli->argc != 2)
		return cli_usage_error("%s", "usage: lxcri selinux set <id> <context>");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_selinux_set(&cli->paths, cli->argv[0], cli->argv[1], &syntax_only, &ch,
				   &err);
	if (r < 0)
		return cli_report_failure(profile_exit_code(r), "%s", err.message);
	if (syntax_only)
		fprintf(stderr,
			"lxcri: warning: SELinux is not enabled: only the syntax of '%s' "
			"was checked, and container '%s' will be refused at start\n",
			cli->argv[1], cli->argv[0]);
	print_profile_change(cli, cli->argv[0], "selinux", true, &ch);
	return EXIT_OK;
}

/* lxcri seccomp|apparmor|selinux unset <id> */
int profilecmd_do_unset(struct cli *cli)
{
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 1)
		return cli_usage_error("usage: lxcri %s unset <id>", cli->verb);
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_unset(&cli->paths, cli->argv[0], cli->verb, &ch, &err);
	if (r < 0)
		return cli_report_failure(profile_exit_code(r), "%s", err.message);
	print_profile_change(cli, cli->argv[0], cli->verb, false, &ch);
	return EXIT_OK;
}

/* lxcri seccomp|apparmor|selinux show <id> */
int profilecmd_do_show(struct cli *cli)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = {};
	struct json_object *v;
	int r;

	if (cli->argc != 1)
		return cli_usage_error("usage: lxcri %s show <id>", cli->verb);
	r = profilecmd_show(&cli->paths, cli->argv[0], cli->verb, &o, &err);
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return profile_exit_code(r);
	}
	if (cli->format != OUTPUT_TEXT) {
		cli_print_json(cli, o);
		return EXIT_OK;
	}
#define STR(key) (json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL)
	printf("%s of container '%s' (%s)\n", cli->verb, cli->argv[0], STR("config"));
	printf("  key:      %s\n", STR("key") ? STR("key") : "(not set)");
	printf("  LXC:      %s = %s in '%s'%s\n", STR("lxc_key"),
	       STR("lxc_value") ? STR("lxc_value") : "(not set)", STR("lxc_config"),
	       json_object_object_get_ex(o, "lxc_points_here", &v) && json_object_get_boolean(v)
		   ? ""
	       : STR("key") ? "  <- not what the key asks: the start is refused"
			    : "");
	if (STR("profile")) {
		printf("  profile:  %s (%s rules)\n", STR("profile"),
		       json_object_object_get_ex(o, "rules", &v) ? json_object_get_string(v) : "?");
		printf("  current:  %s\n", STR("problem") ? STR("problem") : "yes");
		if (json_object_object_get_ex(o, "used_copy", &v) && json_object_get_boolean(v))
			printf("  note:     the source is missing on this node; its stored copy "
			       "is used\n");
		if (json_object_object_get_ex(o, "skipped", &v) && v) {
			const char *version = cli_json_string_of(v, "libseccomp");
			const char *text = cli_json_string_of(v, "text");

			if (text)
				printf("  note:     %s\n", text);
			if (version && strcmp(version, seccompconv_libseccomp_version()) != 0)
				printf(
				    "  note:     libseccomp is %s now, not %s: 'lxcri seccomp set "
				    "%s %s' converts the profile again\n",
				    seccompconv_libseccomp_version(), version, cli->argv[0],
				    STR("key"));
		}
	}
	if (json_object_object_get_ex(o, "kept", &v) && v) {
		struct json_object *rules;

		printf("  kept:     %s, for %s\n", cli_json_string_of(v, "what"),
		       cli_json_string_of(v, "container"));
		for (size_t i = 0; json_object_object_get_ex(v, "rules", &rules) &&
				   i < json_object_array_length(rules);
		     i++)
			printf("            %s\n",
			       json_object_get_string(json_object_array_get_idx(rules, i)));
	} else if (STR("profile")) {
		printf("  kept:     nothing of LXC's and PVE's protections\n");
	}
	if (json_object_object_get_ex(o, "running", &v) && json_object_get_boolean(v))
		printf("  running:  yes (it has what was in force at its start)\n");
	if (STR("text"))
		printf("\n%s", STR("text"));
#undef STR
	return EXIT_OK;
}
