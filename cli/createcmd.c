/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri create <id> --image <reference>`. See lxcri(1). */
#include "cli/createcmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/imagecmd.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/log.h"
#include "lib/basic/paths.h"
#include "lib/basic/rmtree.h"
#include "lib/image/imagect.h"
#include "lib/image/pull.h"
#include "lib/shared/json.h"

/* PVE's and LXC's usual map for an unprivileged container. */
#define UNPRIVILEGED_HOST_ID 100000
#define UNPRIVILEGED_COUNT   65536

enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };

static int parse_pull(const char *s, enum pull_policy *ret)
{
	if (!s || strcmp(s, "missing") == 0)
		*ret = PULL_MISSING;
	else if (strcmp(s, "always") == 0)
		*ret = PULL_ALWAYS;
	else if (strcmp(s, "never") == 0)
		*ret = PULL_NEVER;
	else
		return -EINVAL;
	return 0;
}

/* The image in the store, pulled first as the policy says. */
static int ensure_image(struct cli *cli, struct store *s, const struct image_ref *ref,
			const char *name, enum pull_policy policy, struct lxcri_error *err)
{
	struct store_descriptor d;
	struct pull_result res;
	int r;

	if (policy != PULL_ALWAYS) {
		r = store_resolve(s, name, &d, err);
		if (r >= 0 || r != -ENOENT || policy == PULL_NEVER)
			return r;
	}
	if (cli->format == OUTPUT_TEXT)
		fprintf(stderr, "Pulling %s...\n", name);
	r = imagecmd_pull(cli, s, ref, NULL, &res, err);
	if (r >= 0 && cli->format == OUTPUT_TEXT)
		fprintf(stderr, "Pulled %s (%zu of %zu layers fetched)\n", res.digest,
			res.layers_fetched, res.layers);
	return r;
}

/* The lxcri config of the new container: the image it came from. */
static int write_lxcri_config(const char *path, const char *image, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	char dir[PATH_MAX];
	int n;

	n = asprintf(&text, "# Made by lxcri create; see lxcri.conf(5).\nimage: %s\n", image);
	if (n < 0)
		return error_oom(err);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return error_set(err, -errno, "Failed to make '%s': %s", dir,
					 strerror(errno));
	}
	return atomic_write_file(path, text, (size_t)n, 0644, 0, err);
}

static void print_result(const struct cli *cli, const char *id, const struct imagect_result *r,
			 const char *config)
{
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		struct json_object *argv = json_object_new_array(), *vols = json_object_new_array(),
				   *ports = json_object_new_array();

		for (size_t i = 0; r->process->argv[i]; i++)
			json_object_array_add(argv, json_object_new_string(r->process->argv[i]));
		for (size_t i = 0; r->volumes && r->volumes[i]; i++)
			json_object_array_add(vols, json_object_new_string(r->volumes[i]));
		for (size_t i = 0; r->exposed_ports && r->exposed_ports[i]; i++)
			json_object_array_add(ports, json_object_new_string(r->exposed_ports[i]));
		json_add_string(o, "id", id);
		json_add_string(o, "image", r->image);
		json_add_string(o, "dir", r->dir);
		json_add_string(o, "config", config);
		json_add(o, "argv", argv);
		json_add(o, "uid", json_object_new_int64(r->process->uid));
		json_add(o, "gid", json_object_new_int64(r->process->gid));
		json_add_string(o, "cwd", r->process->cwd);
		json_add(o, "volumes", vols);
		json_add(o, "exposed_ports", ports);
		json_add(o, "layers", json_object_new_int64((int64_t)r->layers));
		json_add(o, "entries", json_object_new_int64((int64_t)r->stats.entries));
		json_add(o, "devices_skipped",
			 json_object_new_int64((int64_t)r->stats.devices_skipped));
		cli_print_json(cli, o);
		return;
	}
	printf("Created %s from %s\n", id, r->image);
	printf("  LXC config:  %s/config\n", r->dir);
	printf("  lxcri config: %s\n", config);
	printf("  runs:        ");
	for (size_t i = 0; r->process->argv[i]; i++)
		printf("%s'%s'", i ? " " : "", r->process->argv[i]);
	printf("\n  as:          uid %u gid %u, in %s\n", r->process->uid, r->process->gid,
	       r->process->cwd);
	for (size_t i = 0; r->volumes && r->volumes[i]; i++)
		printf("  volume:      %s (a directory of the rootfs; mount storage there)\n",
		       r->volumes[i]);
	if (r->stats.devices_skipped)
		printf("  skipped:     %llu device nodes (unprivileged)\n",
		       (unsigned long long)r->stats.devices_skipped);
	for (size_t i = 0; r->exposed_ports && r->exposed_ports[i]; i++) {
		const char *slash = strchr(r->exposed_ports[i], '/');
		int port = atoi(r->exposed_ports[i]);

		if (i == 0)
			printf("The image exposes ports; to forward them, add to %s:\n", config);
		printf("  port%zu: proto=%s,host=%d,ct=%d\n", i, slash ? slash + 1 : "tcp", port,
		       port);
	}
	printf("Start it with: lxc-start -n %s\n", id);
}

int createcmd_do_create(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	struct imagect_result res = { 0 };
	struct lxcri_error err = { 0 };
	enum pull_policy policy;
	struct image_ref ref;
	char name[STORE_REF_NAME_MAX + 1], config[PATH_MAX], init[PATH_MAX];
	const char *id;
	struct stat st;
	int r;

	if (cli->argc != 1 || !cli->image)
		return cli_usage_error("%s", "usage: lxcri create <id> --image <reference> "
					     "[--pull missing|always|never] [--platform P] "
					     "[--unprivileged]");
	id = cli->argv[0];
	if (!paths_id_valid(id))
		return cli_usage_error("Invalid container id '%s'", id);
	if (parse_pull(cli->pull, &policy) < 0)
		return cli_usage_error("--pull takes missing, always or never, not '%s'",
				       cli->pull);
	if (paths_pve_mode(&cli->paths)) {
		fprintf(stderr, "lxcri: create --image on a Proxmox VE node is not supported yet: "
				"make the container with pct\n");
		return EXIT_FAILED;
	}
	if (image_ref_parse(cli->image, &ref, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_INVALID;
	}
	if (pull_store_name(&ref, name, sizeof(name)) < 0 ||
	    paths_container_config(&cli->paths, id, config, sizeof(config)) < 0 ||
	    paths_helper(&cli->paths, "lxcri-init", init, sizeof(init)) < 0)
		return cli_usage_error("a name is too long for '%s'", id);
	log_setup("lxcri", id);
	log_set_stderr(false);
	/* Nothing of a container of that name is touched: its lxcri config neither. */
	if (lstat(config, &st) == 0)
		return cli_report_failure(
		    EXIT_FAILED, "Failed to create '%s': its lxcri config '%s' exists already", id,
		    config);
	if (store_open(cli->paths.images_dir, STORE_CREATE, &s, &err) < 0 ||
	    ensure_image(cli, s, &ref, name, policy, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create '%s': %s", id,
					  err.message);

	struct imagect_options o = {
		.id = id,
		.lxc_path = cli->paths.lxc_path,
		.lxc_config_dir = cli->paths.lxc_config_dir,
		.init_path = init,
		.store = s,
		.name = name,
	};
	if (cli->unprivileged) {
		o.uid[0] = o.gid[0] =
		    (struct appct_idmap_range){ 0, UNPRIVILEGED_HOST_ID, UNPRIVILEGED_COUNT };
		o.n_uid = o.n_gid = 1;
	}
	r = imagect_create(&o, &res, &err);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create '%s': %s", id,
					  err.message);
	if (write_lxcri_config(config, res.image, &err) < 0) {
		(void)rmtree(res.dir);
		imagect_result_free(&res);
		return cli_report_failure(EXIT_FAILED, "Failed to create '%s': %s", id,
					  err.message);
	}
	log_info("created %s from %s", id, res.image);
	print_result(cli, id, &res, config);
	imagect_result_free(&res);
	return EXIT_OK;
}
