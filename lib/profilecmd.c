/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "profilecmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "configedit.h"
#include "ctfiles.h"
#include "lxcconf.h"
#include "profiles.h"
#include "selinux.h"

#define PROFILE_MODE 0640 /* what pmxcfs gives every file; root reads it */

/* A file written by set, and what was there before (to put back). */
struct stored_file {
	const char *path;
	const char *text;
	size_t size;
	struct config_text old;
};

static void stored_file_done(struct stored_file *f)
{
	config_text_done(&f->old);
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

static int container_missing(const char *lxc_config, struct lxcri_error *err)
{
	return error_set(err, -ENOENT,
			 "'%s' does not exist: create the container first (pct create, lxc-create)",
			 lxc_config);
}

static int read_lxc_config(const char *path, struct config_text *ret, struct lxcri_error *err)
{
	int r = config_text_read(path, ret, err);

	if (r == -ENOENT || (r >= 0 && !ret->exists)) {
		config_text_done(ret);
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

/* The files of a change to id, and its lock. */
static int change_begin(const struct lxcri_paths *p, const char *id, struct ct_files *f,
			struct ct_lock *lock, enum lxcconf_format *format,
			struct profilecmd_change *ret, struct lxcri_error *err)
{
	*ret = (struct profilecmd_change){};
	if (!container_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	if (ct_files_init(p, id, f) < 0 ||
	    lxcconf_path(p, id, ret->lxc_config, sizeof(ret->lxc_config), format) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	snprintf(ret->config, sizeof(ret->config), "%s", f->config);
	return ct_files_lock(f, *format == LXCCONF_PVE ? CT_LOCK_PVE_CONFIG : 0, lock, err);
}

/*
 * Sets the lxcri key feature to value, LXC's key to what the new config asks
 * (lib/profiles.h, as the start checks it), and writes files[] first; all
 * or nothing.
 */
static int set_keys(const struct lxcri_paths *p, const char *id, const char *feature,
		    const char *value, struct stored_file *files, size_t n_files,
		    struct profilecmd_change *ret, struct lxcri_error *err)
{
	_cleanup_(configedit_result_done) struct configedit_result edit = {};
	_cleanup_(config_text_done) struct config_text old = {}, lxc = {};
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	_cleanup_free_ char *lxc_text = NULL;
	struct lxc_key_want want[3];
	const struct lxc_key_want *w;
	enum lxcconf_format format;
	struct ct_files f;
	size_t lxc_size = 0, written = 0;
	pid_t pid = 0;
	int r;

	r = change_begin(p, id, &f, &lock, &format, ret, err);
	if (r < 0)
		return r;
	r = config_text_read(f.config, &old, err);
	if (r >= 0)
		r = configedit_set(f.config, old.text, old.size, feature, value, &edit, err);
	if (r >= 0)
		r = read_lxc_config(ret->lxc_config, &lxc, err);
	if (r < 0)
		return r;
	w = want_of(want, profiles_lxc_keys(p, id, edit.config, want), feature);
	if (!w)
		return error_set(err, -EINVAL, "'%s' asks nothing of LXC", feature);
	snprintf(ret->lxc_key, sizeof(ret->lxc_key), "%s", w->key);
	snprintf(ret->lxc_value, sizeof(ret->lxc_value), "%s", w->value);
	r = lxcconf_set(lxc.text, lxc.size, format, w->key, w->value, &lxc_text, &lxc_size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to set %s in '%s'", w->key, ret->lxc_config);
	r = ct_guard_apply(&f, &lxc_text, &lxc_size, true, err);
	if (r < 0)
		return r;

	for (; written < n_files; written++) {
		r = config_text_read(files[written].path, &files[written].old, err);
		if (r >= 0)
			r = atomic_write_file(files[written].path, files[written].text,
					      files[written].size, PROFILE_MODE, 0, err);
		if (r < 0)
			goto undo_files;
	}
	r = atomic_write_file(f.config, edit.text, edit.size, old.mode, CONFIG_MAX_SIZE, err);
	if (r < 0)
		goto undo_files;
	r = atomic_write_file(ret->lxc_config, lxc_text, lxc_size, lxc.mode, CONFIG_MAX_SIZE, err);
	if (r < 0)
		goto undo_config;
	if (ct_running_pid(p, id, &pid, &(struct lxcri_error){}) < 0 || pid > 0)
		ret->running = true;
	return 0;

undo_config:
	if (old.exists)
		(void)atomic_write_file(f.config, old.text, old.size, old.mode, CONFIG_MAX_SIZE,
					&(struct lxcri_error){});
	else
		(void)unlink(f.config);
undo_files:
	while (written-- > 0)
		stored_file_restore(&files[written]);
	return r;
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
	char lxc_config[PATH_MAX];
	struct seccomp_files sf;
	size_t size = 0;
	int r;

	*ret = (struct profilecmd_change){};
	if (!container_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	abs = realpath(source, NULL);
	if (!abs)
		return error_set_errno(err, -errno, "Failed to find '%s'", source);
	r = seccompconv_read_file(abs, &text, &size, err);
	if (r < 0)
		return r;
	if (path_join(lxc_config, sizeof(lxc_config), "%s/%s/config", p->lxc_path, id) < 0 ||
	    profiles_seccomp_files(p, id, &sf) < 0)
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
	r = profiles_seccomp_stamp(abs, text, size, keep.profile, &stamped);
	if (r < 0)
		return error_set_errno(err, r, "Failed to store the profile of '%s'", abs);

	struct stored_file files[] = {
		{ .path = sf.copy, .text = text, .size = size },
		{ .path = sf.profile, .text = stamped, .size = strlen(stamped) },
	};
	r = set_keys(p, id, "seccomp", abs, files, ELEMENTSOF(files), ret, err);
	for (size_t i = 0; i < ELEMENTSOF(files); i++)
		stored_file_done(&files[i]);
	if (r >= 0) {
		snprintf(ret->profile, sizeof(ret->profile), "%s", sf.profile);
		ret->kept_for = ct.kind;
		ret->n_kept = keep.n_kept;
	}
	return r;
}

int profilecmd_apparmor_set(const struct lxcri_paths *p, const char *id, const char *value,
			    struct profilecmd_change *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *full = NULL;

	if (!strchr(value, '=') && asprintf(&full, "profile=%s", value) < 0)
		return error_set(err, -ENOMEM, "Out of memory");
	return set_keys(p, id, "apparmor", full ? full : value, NULL, 0, ret, err);
}

int profilecmd_selinux_set(const struct lxcri_paths *p, const char *id, const char *context,
			   bool *ret_syntax_only, struct profilecmd_change *ret,
			   struct lxcri_error *err)
{
	int r = selinux_context_check(context, err);

	if (r < 0)
		return r;
	*ret_syntax_only = r == SELINUX_CHECKED_SYNTAX;
	return set_keys(p, id, "selinux", context, NULL, 0, ret, err);
}

int profilecmd_unset(const struct lxcri_paths *p, const char *id, const char *feature,
		     struct profilecmd_change *ret, struct lxcri_error *err)
{
	_cleanup_(configedit_result_done) struct configedit_result edit = {};
	_cleanup_(config_text_done) struct config_text old = {}, lxc = {};
	_cleanup_config_ struct config *c = NULL;
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	_cleanup_free_ char *lxc_text = NULL, *current = NULL;
	struct lxc_key_want want[3];
	const struct lxc_key_want *w;
	enum lxcconf_format format;
	struct seccomp_files sf;
	struct ct_files f;
	size_t lxc_size = 0;
	pid_t pid = 0;
	int r;

	r = change_begin(p, id, &f, &lock, &format, ret, err);
	if (r < 0)
		return r;
	if (profiles_seccomp_files(p, id, &sf) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = config_text_read(f.config, &old, err);
	if (r >= 0 && !old.exists)
		r = error_set(err, -ENOENT, "'%s' does not exist: '%s' is not set", f.config,
			      feature);
	if (r >= 0)
		r = config_parse(f.config, old.size ? old.text : "", old.size, &c, err);
	if (r >= 0)
		r = configedit_set(f.config, old.text, old.size, feature, NULL, &edit, err);
	if (r < 0)
		return r;
	w = want_of(want, profiles_lxc_keys(p, id, c, want), feature);
	if (!w)
		return error_set(err, -ENOENT, "%s: '%s' is not set", f.config, feature);
	snprintf(ret->lxc_key, sizeof(ret->lxc_key), "%s", w->key);

	/* LXC's key goes only if it is still ours: an admin may have pointed it elsewhere. */
	r = read_lxc_config(ret->lxc_config, &lxc, err);
	if (r >= 0 && lxcconf_get(lxc.text, lxc.size, format, w->key, &current) < 0)
		r = error_set(err, -ENOMEM, "Out of memory");
	if (r < 0 && r != -ENOENT)
		return r;
	if (r >= 0 && current && strcmp(current, w->value) == 0) {
		r = lxcconf_set(lxc.text, lxc.size, format, w->key, NULL, &lxc_text, &lxc_size);
		if (r < 0)
			return error_set_errno(err, r, "Failed to remove %s from '%s'", w->key,
					       ret->lxc_config);
		r = atomic_write_file(ret->lxc_config, lxc_text, lxc_size, lxc.mode,
				      CONFIG_MAX_SIZE, err);
		if (r < 0)
			return r;
	} else {
		ret->lxc_key_kept = current != NULL;
		snprintf(ret->lxc_value, sizeof(ret->lxc_value), "%s", current ? current : "");
	}
	/* Nothing left (set made the file): the container is no longer managed, nor guarded. */
	r = ct_config_write(&f, &old, edit.text, edit.size, err);
	if (r < 0) {
		if (lxc_text)
			(void)atomic_write_file(ret->lxc_config, lxc.text, lxc.size, lxc.mode,
						CONFIG_MAX_SIZE, &(struct lxcri_error){});
		return r;
	}
	if (strcmp(feature, "seccomp") == 0) {
		(void)unlink(sf.profile);
		(void)unlink(sf.copy);
		snprintf(ret->profile, sizeof(ret->profile), "%s", sf.profile);
	}
	if (ct_running_pid(p, id, &pid, &(struct lxcri_error){}) < 0 || pid > 0)
		ret->running = true;
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
	_cleanup_(config_text_done) struct config_text text = {}, lxc = {};
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
		return error_set(err, -ENOMEM, "Out of memory");
	if (!container_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	if (ct_files_init(p, id, &f) < 0 ||
	    lxcconf_path(p, id, lxc_config, sizeof(lxc_config), &format) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = config_text_read(f.config, &text, err);
	if (r >= 0)
		r = config_parse(f.config, text.size ? text.text : "", text.size, &c, err);
	if (r < 0)
		return r;
	w = want_of(want, profiles_lxc_keys(p, id, c, want), feature);
	json_object_object_add(o, "id", json_object_new_string(id));
	add_string(o, "feature", feature);
	if (strcmp(feature, "apparmor") == 0 && c->apparmor_profile) {
		char value[CONFIG_APPARMOR_VALUE_MAX];

		if (config_apparmor_value(c, value, sizeof(value)) < 0)
			return error_set(err, -ENAMETOOLONG, "%s: the apparmor key is too long",
					 f.config);
		add_string(o, "key", value);
	} else {
		add_string(o, "key", strcmp(feature, "seccomp") == 0 ? c->seccomp : c->selinux);
	}
	add_string(o, "config", f.config);
	add_string(o, "lxc_config", lxc_config);
	if (read_lxc_config(lxc_config, &lxc, &(struct lxcri_error){}) >= 0 && w &&
	    lxcconf_get(lxc.text, lxc.size, format, w->key, &current) < 0)
		return error_set(err, -ENOMEM, "Out of memory");
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

	if (strcmp(feature, "seccomp") == 0 && c->seccomp) {
		_cleanup_(seccompconv_skipped_done) struct seccompconv_skipped skipped = {};
		_cleanup_free_ char *profile = NULL;
		struct seccomp_stamp stamp = { 0 };
		struct seccomp_files sf;
		struct lxcri_error why = {};
		bool used_copy = false;
		size_t size = 0, rules = 0;

		if (profiles_seccomp_files(p, id, &sf) < 0)
			return error_set(err, -ENAMETOOLONG, "Paths are too long");
		r = profiles_check_seccomp(p, id, c, NULL, &stamp, &used_copy, &why);
		add_string(o, "profile", sf.profile);
		add_string(o, "source", c->seccomp);
		add_string(o, "source_sha256", r >= 0 ? stamp.source_sha256 : NULL);
		json_object_object_add(o, "used_copy", json_object_new_boolean(used_copy));
		json_object_object_add(o, "current", json_object_new_boolean(r >= 0));
		add_string(o, "problem", r < 0 ? why.message : NULL);
		if (read_file(sf.profile, SECCOMPCONV_SIZE_MAX, &profile, &size) >= 0) {
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
			return error_set(err, -ENOMEM, "Out of memory");
		json_object_object_add(o, "skipped", seccompconv_skipped_json(&skipped));
		json_object_object_add(o, "kept", profile ? kept_json(profile) : NULL);
	}
	*ret = TAKE_PTR(o);
	return 0;
}
