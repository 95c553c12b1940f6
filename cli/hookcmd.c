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
#include "cli/cli.h"
#include "lib/basic/log.h"
#include "lib/shared/json.h"

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

/* lxcri hooks list|run: the verbs, and the last runs (also in `lxcri status <id>`). */

void hookcmd_print_runs(struct json_object *runs)
{
	char when[32];

	if (!runs || json_object_object_length(runs) == 0)
		return;
	printf("\nLast runs:\n");
	json_object_object_foreach(runs, key, run)
	{
		struct json_object *v;
		const char *error = cli_json_string_of(run, "error");

		(void)key;
		cli_format_time(
		    json_object_object_get_ex(run, "time", &v) ? json_object_get_int64(v) : 0, when,
		    sizeof(when));
		printf("  %-16s %s  %s (user %s): ", cli_json_string_of(run, "stage"),
		       cli_json_string_of(run, "path"), when, cli_json_string_of(run, "user"));
		if (error)
			printf("%s\n", error);
		else
			printf("exit %d in %d ms\n", cli_json_int_of(run, "exit"),
			       cli_json_int_of(run, "duration_ms"));
	}
}

int hookcmd_do_list(struct cli *cli)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = {};
	struct json_object *stages, *warnings;
	size_t total = 0;

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri hooks list <id>");
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	if (hookcmd_list(&cli->paths, cli->argv[0], &o, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return err.code == -EINVAL ? EXIT_INVALID : EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT) {
		cli_print_json(cli, o);
		return EXIT_OK;
	}
	printf("OCI hooks of CT %s (as user %s), in the order they run:\n", cli->argv[0],
	       cli_json_string_of(o, "user"));
	json_object_object_get_ex(o, "stages", &stages);
	json_object_object_foreach(stages, stage, list)
	{
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *h = json_object_array_get_idx(list, i);
			printf("  %-16s %s\n  %-16s   from %s: %s\n", stage,
			       cli_json_string_of(h, "path"), "", cli_json_string_of(h, "source"),
			       cli_json_string_of(h, "why"));
			total++;
		}
	}
	if (total == 0)
		printf("  (none)\n");
	if (json_object_object_get_ex(o, "warnings", &warnings))
		for (size_t i = 0; i < json_object_array_length(warnings); i++)
			printf("warning: %s\n",
			       json_object_get_string(json_object_array_get_idx(warnings, i)));
	json_object_object_get_ex(o, "last_runs", &warnings);
	hookcmd_print_runs(warnings);
	return EXIT_OK;
}

int hookcmd_do_run(struct cli *cli)
{
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 2)
		return cli_usage_error("%s", "usage: lxcri hooks run <id> <stage> [--dry-run]");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = hookcmd_run(&cli->paths, cli->argv[0], cli->argv[1], cli->dry_run, &err);
	if (r < 0)
		return cli_report_failure(err.code == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s",
					  err.message);
	if (!cli->dry_run)
		printf("%d %s hook(s) of CT %s ran\n", r, cli->argv[1], cli->argv[0]);
	else if (r == 0)
		printf("no %s hook for CT %s\n", cli->argv[1], cli->argv[0]);
	return EXIT_OK;
}
