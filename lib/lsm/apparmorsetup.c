/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "lib/lsm/apparmorsetup.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/lsm/apparmor.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/shared/json.h"
#include "lib/basic/paths.h"

/* The user's file, as the state records it, rather than the snapshot the helper reads. */
static const char *config_name(const struct config *c, const struct state *s)
{
	return s->config_path ? s->config_path : c->path;
}

static int refuse_disabled(const char *where, const struct config *c, const char *id,
			   const char *profile, struct lxcri_error *err)
{
	return error_set(err, -EOPNOTSUPP,
			 "%s:%u: container '%s' asks for AppArmor profile '%s', but AppArmor is "
			 "not enabled in this kernel: refusing to start it unconfined (see 'lxcri "
			 "check')",
			 where, c->lsm.apparmor_line, id, profile);
}

static int apply_generated(const struct apparmorsetup *as, const struct config *c, struct state *s,
			   struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	struct apparmor_options o = { .nesting = c->lsm.apparmor_nesting,
				      .mount_types = c->lsm.apparmor_mounts };
	char name[128], dir[PATH_MAX], cache[PATH_MAX], file[PATH_MAX], template[PATH_MAX];
	struct json_object *data;
	size_t index;
	int r;

	r = apparmor_generated_name(as->id, name, sizeof(name));
	if (r >= 0)
		r = paths_join(dir, sizeof(dir), "%s/apparmor", as->run_dir);
	if (r >= 0)
		r = paths_join(cache, sizeof(cache), "%s/cache", dir);
	if (r >= 0)
		r = paths_join(file, sizeof(file), "%s/%s", dir, name);
	if (r >= 0)
		r = paths_join(template, sizeof(template), "%s/%s", as->data_dir,
			       APPARMOR_TEMPLATE);
	if (r < 0)
		return error_set_errno(err, r, "Failed to name the AppArmor profile of '%s'",
				       as->id);
	o.name = name;
	r = apparmor_render_file(template, &o, &text, err);
	if (r < 0)
		return r;

	/* Recorded before anything exists, so that a teardown after a crash unloads it. */
	data = json_object_new_object();
	if (!data || json_add_string(data, "name", name) < 0 ||
	    json_add_string(data, "file", file) < 0) {
		json_object_put(data);
		return error_oom(err);
	}
	r = state_item_add(s, APPARMOR_ITEM_KIND, "pre-start", data, &index);
	if (r < 0)
		return error_set_errno(err, r, "Failed to record '%s'", APPARMOR_ITEM_KIND);
	r = state_save(as->state_dir, s, err);
	if (r < 0)
		return r;

	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(cache, 0700) < 0 && errno != EEXIST))
		return error_set_errno(err, -errno, "Failed to create '%s'", cache);
	r = atomic_write_file(file, text, strlen(text), 0600, 0, err);
	if (r < 0)
		return r;
	r = apparmor_load(as->parser, file, cache, as->timeout_ms, err);
	if (r < 0)
		return r;
	state_item_set_applied(s, index);
	return state_save(as->state_dir, s, err);
}

int apparmorsetup_apply(const struct apparmorsetup *as, const struct config *c, struct state *s,
			struct lxcri_error *err)
{
	const char *profile = c->lsm.apparmor_profile;
	char name[128];
	int r;

	if (!profile || strcmp(profile, "unconfined") == 0)
		return 0;
	r = apparmor_lxc_profile(c, as->id, name, sizeof(name));
	if (r < 0)
		return error_set_errno(err, r, "Failed to name the AppArmor profile of '%s'",
				       as->id);
	if (!apparmor_enabled(as->sys_dir))
		return refuse_disabled(config_name(c, s), c, as->id, name, err);
	if (strcmp(profile, "generated") == 0)
		return apply_generated(as, c, s, err);

	r = apparmor_profile_loaded(as->sys_dir, profile);
	if (r < 0)
		return error_set_errno(err, r,
				       "%s:%u: Failed to read the loaded AppArmor profiles in '%s'",
				       config_name(c, s), c->lsm.apparmor_line, as->sys_dir);
	if (r == 0)
		return error_set(
		    err, -ENOENT,
		    "%s:%u: container '%s' asks for AppArmor profile '%s', which is not "
		    "loaded: load it with apparmor_parser, or use profile=generated",
		    config_name(c, s), c->lsm.apparmor_line, as->id, profile);
	return 0;
}

static const char *item_string(const struct state_item *item, const char *key)
{
	struct json_object *v;

	if (!item->data || !json_object_object_get_ex(item->data, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int undo(const struct apparmorsetup *as, const struct state_item *item,
		struct lxcri_error *err)
{
	const char *name = item_string(item, "name"), *file = item_string(item, "file");
	char expected[128], dir[PATH_MAX];
	int r;

	/* Only ever our own profile file of this container, whatever the state says. */
	if (!name || !file || apparmor_generated_name(as->id, expected, sizeof(expected)) < 0 ||
	    strcmp(name, expected) != 0 ||
	    paths_join(dir, sizeof(dir), "%s/apparmor/%s", as->run_dir, expected) < 0 ||
	    strcmp(file, dir) != 0)
		return error_set(err, -EINVAL, "Invalid '%s' item in the state",
				 APPARMOR_ITEM_KIND);

	r = apparmor_enabled(as->sys_dir) ? apparmor_profile_loaded(as->sys_dir, name) : 0;
	if (r > 0 && access(file, F_OK) == 0)
		r = apparmor_unload(as->parser, file, as->timeout_ms, err);
	else if (r > 0)
		return error_set(err, -ENOENT,
				 "Failed to unload AppArmor profile '%s': '%s' is gone", name,
				 file);
	else if (r < 0)
		return error_set_errno(err, r, "Failed to read the loaded AppArmor profiles");
	if (r < 0)
		return r;
	if (unlink(file) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove '%s'", file);
	return 0;
}

size_t apparmorsetup_teardown(const struct apparmorsetup *as, struct state *s,
			      struct lxcri_error *err)
{
	struct lxcri_error ignored = {};
	size_t left = 0;
	bool changed = false;

	for (size_t i = s->n_items; i-- > 0;) {
		if (strcmp(s->items[i].kind, APPARMOR_ITEM_KIND) != 0)
			continue;
		if (undo(as, &s->items[i], left == 0 ? err : &ignored) < 0) {
			left++;
			continue;
		}
		state_item_remove(s, i);
		changed = true;
	}
	if (changed && state_save(as->state_dir, s, left == 0 ? err : &ignored) < 0 && left == 0)
		left = 1;
	return left;
}
