/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "cli/hookcmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "cli/ct.h"
#include "lib/ocihooks/ocirun.h"
#include "lib/basic/strv.h"

static int load(const struct lxcri_paths *p, const char *id, struct ct_files *f, struct config **c,
		struct oci_hooks *h, char ***annotations, struct lxcri_error *err)
{
	char lxc_config[PATH_MAX];
	int r;

	r = ct_files_open(p, id, f, err);
	if (r < 0)
		return r;
	if (paths_join(lxc_config, sizeof(lxc_config), "%s/%s/config", p->lxc_path, id) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = config_load(f->config, c, err);
	if (r < 0)
		return r;
	return ocirun_collect(*c, lxc_config, h, annotations, err);
}

int hookcmd_list(const struct lxcri_paths *p, const char *id, struct json_object **ret,
		 struct lxcri_error *err)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_(ocihooks_done) struct oci_hooks h = { 0 };
	_cleanup_(strv_freep) char **annotations = NULL;
	struct json_object *o = NULL;
	struct ct_files f;
	int r;

	r = load(p, id, &f, &c, &h, &annotations, err);
	if (r < 0)
		return r;
	r = ocihooks_to_json(&h, &o);
	if (r < 0)
		return error_set(err, r, "Out of memory");
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "user",
			       json_object_new_string(c->hooks.user ? c->hooks.user : "root"));
	json_object_object_add(o, "last_runs", ocirun_last_runs(f.state_dir));
	*ret = o;
	return 0;
}

int hookcmd_run(const struct lxcri_paths *p, const char *id, const char *stage, bool dry_run,
		struct lxcri_error *err)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_(ocihooks_done) struct oci_hooks h = { 0 };
	_cleanup_(strv_freep) char **annotations = NULL;
	struct ct_files f;
	pid_t pid = 0;
	int which, r;

	which = ocihooks_stage_from_name(stage);
	if (which < 0)
		return error_set(err, -EINVAL,
				 "Unknown stage '%s': expected prestart, createRuntime, "
				 "createContainer, startContainer, poststart or poststop",
				 stage);
	r = load(p, id, &f, &c, &h, &annotations, err);
	if (r < 0)
		return r;
	if (!dry_run) {
		r = ct_running_pid(p, id, &pid, err);
		if (r < 0)
			return r;
		if (pid == 0 && which != OCI_POSTSTOP)
			return error_set(err, -ESRCH, "Container '%s' is not running", id);
	}
	struct ocirun run = {
		.id = id,
		.pid = which == OCI_POSTSTOP ? 0 : pid,
		.bundle = c->hooks.bundle,
		.user = c->hooks.user,
		.annotations = annotations,
		.state_dir = f.state_dir,
		.dry_run = dry_run,
	};
	return ocirun_stage(&run, &h, (enum oci_stage)which, err);
}
