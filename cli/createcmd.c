/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri create <id> --image <reference>`. See lxcri(1). */
#include "cli/createcmd.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/ct.h"
#include "cli/imagecmd.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/log.h"
#include "lib/basic/lxcconf.h"
#include "lib/basic/paths.h"
#include "lib/basic/process.h"
#include "lib/basic/rmtree.h"
#include "lib/basic/strv.h"
#include "lib/config/config.h"
#include "lib/image/imagect.h"
#include "lib/image/pull.h"
#include "lib/image/pvect.h"
#include "lib/pve/pve.h"
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

/*
 * The lxcri config of the new container: the image it came from, and a
 * net<N> and port<N> key for each --net and --port, checked as the start
 * checks it (name: the config's path, for messages). -EINVAL naming the
 * line and value, -ENOMEM. image NULL: without it (the options checked
 * before the image is there).
 */
static int lxcri_config_text(const struct cli *cli, const char *name, const char *image, char **ret,
			     struct lxcri_error *err)
{
	_cleanup_(config_freep) struct config *c = NULL;
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int r;

	if (!f)
		return error_oom(err);
	if (image)
		fprintf(f, "# Made by lxcri create; see lxcri.conf(5).\nimage: %s\n", image);
	for (size_t i = 0; i < cli->n_nets; i++)
		fprintf(f, "net%zu: %s\n", i, cli->nets[i]);
	for (size_t i = 0; i < cli->n_ports; i++)
		fprintf(f, "port%zu: %s\n", i, cli->ports[i]);
	if (fclose(f) != 0)
		return error_oom(err);
	r = config_parse(name, text, size, &c, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}

static int write_lxcri_config(const char *path, const char *text, struct lxcri_error *err)
{
	char dir[PATH_MAX];
	size_t n = strlen(text);

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return error_set(err, -errno, "Failed to make '%s': %s", dir,
					 strerror(errno));
	}
	return atomic_write_file(path, text, n, 0644, 0, err);
}

/* What pct was run with and where the PVE config is, for a container made on a PVE node. */
struct pve_made {
	char *const *pct_argv;
	char pve_config[PATH_MAX];
};

static void print_result(const struct cli *cli, const char *id, const struct imagect_result *r,
			 const char *config, const struct pve_made *pve)
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
		if (pve) {
			struct json_object *pct = json_object_new_array();

			for (size_t i = 0; pve->pct_argv[i]; i++)
				json_object_array_add(pct,
						      json_object_new_string(pve->pct_argv[i]));
			json_add(o, "pct_argv", pct);
			json_add_string(o, "pve_config", pve->pve_config);
		} else {
			json_add_string(o, "dir", r->dir);
			if (r->lower[0]) {
				json_add_string(o, "lower", r->lower);
				json_add(o, "lower_reused",
					 json_object_new_boolean(r->lower_reused));
			}
		}
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
	printf("Created %s%s from %s\n", pve ? "CT " : "", id, r->image);
	if (pve)
		printf("  PVE config:  %s\n", pve->pve_config);
	else
		printf("  LXC config:  %s/config\n", r->dir);
	if (r->lower[0])
		printf("  rootfs:      overlay on the image's %s (%s), changes in %s/delta0\n",
		       r->lower, r->lower_reused ? "shared, nothing unpacked" : "unpacked now",
		       r->dir);
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
	for (size_t i = 0; !cli->n_ports && r->exposed_ports && r->exposed_ports[i]; i++) {
		const char *slash = strchr(r->exposed_ports[i], '/');
		int port = atoi(r->exposed_ports[i]);

		if (i == 0)
			printf("The image exposes ports; to forward them, add to %s:\n", config);
		printf("  port%zu: proto=%s,host=%d,ct=%d\n", i, slash ? slash + 1 : "tcp", port,
		       port);
	}
	if (pve)
		printf("Start it with: pct start %s\n", id);
	else
		printf("Start it with: lxc-start -n %s\n", id);
}

/* pct: $LXCRI_PCT (an absolute path) or PVE's. */
static const char *pct_path(void)
{
	const char *e = getenv("LXCRI_PCT");

	return e && e[0] == '/' ? e : PVECT_PCT_PATH;
}

#define PCT_TIMEOUT_MS (2ULL * 60 * 60 * 1000)

/*
 * Runs pct (argv), its stderr on ours and its stdout too (on stderr:
 * stdout is for our result). 0 when it exited 0, else -EIO saying how it
 * ended.
 */
static int run_pct(char *const *argv, struct lxcri_error *err)
{
	char *envp[] = { (char *)"LC_ALL=C", (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.envp = envp,
		.timeout_ms = PCT_TIMEOUT_MS,
		.inherit_stderr = true,
	};
	struct process_result res = { 0 };
	char why[128];
	int r;

	r = process_run(&spec, &res, err);
	if (r < 0)
		return r;
	if (res.out_size)
		fprintf(stderr, "%s%s", res.out, res.out[res.out_size - 1] == '\n' ? "" : "\n");
	if (!res.exited || res.exit_status != 0)
		r = error_set(err, -EIO, "'%s %s %s' %s", argv[0], argv[1], argv[2],
			      process_result_describe(&res, why, sizeof(why)));
	process_result_done(&res);
	return r;
}

/*
 * Writes text as the lxcri config, under the lock; or, text NULL, removes
 * it if it is still ours (its content is ours, exactly).
 */
static int pve_lxcri_config(const struct ct_files *f, const char *text, const char *ours,
			    struct lxcri_error *err)
{
	_cleanup_(ct_text_done) struct ct_text old = {};
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	int r;

	r = ct_files_lock(f, text ? 0 : CT_LOCK_PVE_CONFIG, &lock, err);
	if (r < 0)
		return r;
	r = ct_text_read(f->config, &old, err);
	if (r < 0)
		return r;
	if (text && old.exists)
		return error_set(err, -EEXIST, "Its lxcri config '%s' exists already", f->config);
	if (!text && (!old.exists || strcmp(old.text, ours) != 0))
		return 0; /* not ours (any more): left alone */
	return ct_config_write(f, &old, text ? text : "", text ? strlen(text) : 0, err);
}

/* The PVE config that pct wrote, with the raw keys that run the image and lxcri's guard. */
static int pve_set_init(const struct ct_files *f, const char *init, int halt_signal,
			char *pve_config, struct lxcri_error *err)
{
	_cleanup_(ct_text_done) struct ct_text pve = {};
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	_cleanup_free_ char *text = NULL;
	enum lxcconf_format format;
	size_t size = 0;
	int r;

	if (lxcconf_path(f->paths, f->id, pve_config, PATH_MAX, &format) < 0)
		return error_set(err, -ENAMETOOLONG, "The PVE config's path is too long");
	r = ct_files_lock(f, CT_LOCK_PVE_CONFIG, &lock, err);
	if (r < 0)
		return r;
	r = ct_text_read(pve_config, &pve, err);
	if (r < 0)
		return r;
	if (!pve.exists)
		return error_set(err, -ENOENT, "pct made no '%s'", pve_config);
	r = pvect_config_edit(pve.text, pve.size, init, halt_signal, &text, &size, err);
	if (r < 0)
		return r;
	r = ct_guard_apply(f, &text, &size, true, err);
	if (r < 0)
		return r;
	return atomic_write_file(pve_config, text, size, pve.mode, CONFIG_MAX_SIZE, err);
}

/*
 * `lxcri create <vmid> --image <ref> [-- <pct options>]` on a PVE node:
 * the template, the lxcri config (ahead of pct, claiming the vmid), pct
 * create, then the raw keys that run the image. A failure undoes what was
 * done: the lxcri config goes, and a container that pct made is destroyed
 * with `pct destroy`.
 */
static int create_on_pve(struct cli *cli, const char *vmid, const struct image_ref *ref,
			 const char *name, enum pull_policy policy, const char *init)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *config_text = NULL;
	struct imagect_result res = { 0 };
	struct lxcri_error err = { 0 }, undo = { 0 };
	struct store_descriptor tag;
	struct pve_made made = { 0 };
	struct ct_files f;
	char template_name[PVECT_NAME_MAX + 1], node[256], type[16];
	const char *pct = pct_path();
	struct stat st;
	int r;

	struct pvect_options po = {
		.vmid = vmid,
		.template_path = "-",
		.unprivileged = cli->unprivileged,
		.pct_args = cli->argv + 1,
		.n_pct_args = (size_t)cli->argc - 1,
	};
	if (!paths_id_is_vmid(vmid))
		return cli_usage_error("On a Proxmox VE node the id is a vmid (100 to 999999999), "
				       "not '%s'",
				       vmid);
	/* The admin's pct options first: nothing is made for a line pct would be refused. */
	if (pvect_pct_argv(&po, pct, &argv, &err) < 0)
		return cli_usage_error("%s", err.message);
	strv_free(TAKE_PTR(argv));
	if (ct_files_open(&cli->paths, vmid, &f, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create CT %s: %s", vmid,
					  err.message);
	r = pve_vmid_owner(cli->paths.pve_dir, vmid, node, sizeof(node), type, sizeof(type), &err);
	if (r == 0)
		return cli_report_failure(EXIT_FAILED,
					  "Failed to create CT %s: the cluster has a %s %s already "
					  "(on node %s)",
					  vmid, strcmp(type, "qemu") == 0 ? "VM" : "CT", vmid,
					  node);
	if (r != -ENOENT || pve_change_check(&cli->paths, vmid, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create CT %s: %s", vmid,
					  err.message);
	if (lstat(f.config, &st) == 0)
		return cli_report_failure(
		    EXIT_FAILED, "Failed to create CT %s: its lxcri config '%s' exists already",
		    vmid, f.config);
	if (access(pct, X_OK) < 0)
		return cli_report_failure(EXIT_FAILED,
					  "Failed to create CT %s: no pct at '%s' (%s): is this a "
					  "Proxmox VE node?",
					  vmid, pct, strerror(errno));

	if (store_open(cli->paths.images_dir, STORE_CREATE, &s, &err) < 0 ||
	    ensure_image(cli, s, ref, name, policy, &err) < 0 ||
	    store_resolve(s, name, &tag, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create CT %s: %s", vmid,
					  err.message);
	if (pvect_template_name(name, tag.digest, template_name, sizeof(template_name)) < 0)
		return cli_report_failure(EXIT_FAILED,
					  "Failed to create CT %s: the image name "
					  "'%s' is too long for a template",
					  vmid, name);
	struct imagect_options o = {
		.kind = IMAGECT_TEMPLATE,
		.id = vmid,
		.lxc_path = cli->paths.lxc_path,
		.lxc_config_dir = cli->paths.lxc_config_dir,
		.init_path = init,
		.store = s,
		.name = name,
		.work_dir = cli->paths.images_dir,
		.template_name = template_name,
	};
	if (cli->unprivileged) {
		/* Owners as inside: pct shifts them; ids PVE's map lacks refuse now, not in pct. */
		o.uid[0] = o.gid[0] = (struct appct_idmap_range){ 0, 0, UNPRIVILEGED_COUNT };
		o.n_uid = o.n_gid = 1;
	}
	if (cli->format == OUTPUT_TEXT)
		fprintf(stderr, "Making the template %s...\n", template_name);
	r = imagect_create(&o, &res, &err);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create CT %s: %s", vmid,
					  err.message);
	po.template_path = res.template_path;
	po.arch = res.architecture[0] ? appct_pve_arch(res.architecture) : NULL;
	if (res.architecture[0] && !po.arch) {
		r = error_set(&err, -EINVAL, "the image's architecture '%s' is not one PVE knows",
			      res.architecture);
		goto fail;
	}
	r = pvect_pct_argv(&po, pct, &argv, &err);
	if (r >= 0)
		r = lxcri_config_text(cli, f.config, res.image, &config_text, &err);
	if (r < 0)
		goto fail;

	r = pve_lxcri_config(&f, config_text, NULL, &err);
	if (r < 0)
		goto fail;
	r = run_pct(argv, &err);
	if (r < 0) {
		(void)pve_lxcri_config(&f, NULL, config_text, &undo);
		goto fail;
	}
	r = pve_set_init(&f, init, res.halt_signal, made.pve_config, &err);
	if (r < 0) {
		char *destroy[] = { argv[0], (char *)"destroy", (char *)vmid, NULL };

		if (run_pct(destroy, &undo) < 0)
			fprintf(stderr, "lxcri: undoing the create failed too: %s\n", undo.message);
		else
			(void)pve_lxcri_config(&f, NULL, config_text, &undo);
		goto fail;
	}
	imagect_template_remove(&res);
	log_info("created CT %s from %s", vmid, res.image);
	made.pct_argv = argv;
	print_result(cli, vmid, &res, f.config, &made);
	imagect_result_free(&res);
	return EXIT_OK;
fail:
	imagect_template_remove(&res);
	imagect_result_free(&res);
	return cli_report_failure(EXIT_FAILED, "Failed to create CT %s: %s", vmid, err.message);
}

int createcmd_do_create(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *text = NULL;
	struct imagect_result res = { 0 };
	struct lxcri_error err = { 0 };
	enum pull_policy policy;
	struct image_ref ref;
	char name[STORE_REF_NAME_MAX + 1], config[PATH_MAX], init[PATH_MAX];
	const char *id;
	struct stat st;
	int r;

	if (cli->argc < 1 || !cli->image)
		return cli_usage_error("%s", "usage: lxcri create <id> --image <reference> "
					     "[--pull missing|always|never] [--platform P] "
					     "[--unprivileged] [--overlay] [--net <net>]... "
					     "[--port <port>]... "
					     "[-- <pct options>]");
	id = cli->argv[0];
	if (!paths_id_valid(id))
		return cli_usage_error("Invalid container id '%s'", id);
	if (parse_pull(cli->pull, &policy) < 0)
		return cli_usage_error("--pull takes missing, always or never, not '%s'",
				       cli->pull);
	if (cli->argc > 1 && !(paths_pve_mode(&cli->paths) && paths_id_is_vmid(id)))
		return cli_usage_error("pct options ('%s') are for a vmid on a Proxmox VE node",
				       cli->argv[1]);
	if (image_ref_parse(cli->image, &ref, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_INVALID;
	}
	if (pull_store_name(&ref, name, sizeof(name)) < 0 ||
	    paths_container_config(&cli->paths, id, config, sizeof(config)) < 0 ||
	    paths_helper(&cli->paths, "lxcri-init", init, sizeof(init)) < 0)
		return cli_usage_error("a name is too long for '%s'", id);
	/* The --net and --port values first: nothing is made for a config the start would refuse.
	 */
	{
		_cleanup_free_ char *check = NULL;

		if (lxcri_config_text(cli, "the --net and --port options (a line each)", NULL,
				      &check, &err) < 0) {
			fprintf(stderr, "lxcri: %s\n", err.message);
			return EXIT_INVALID;
		}
	}
	log_setup("lxcri", id);
	log_set_stderr(false);
	if (paths_pve_mode(&cli->paths) && paths_id_is_vmid(id)) {
		if (cli->overlay)
			return cli_usage_error("%s", "--overlay is for plain LXC containers: on a "
						     "Proxmox VE node the rootfs is pct's");
		return create_on_pve(cli, id, &ref, name, policy, init);
	}
	/* Nothing of a container of that name is touched: its lxcri config neither. */
	if (lstat(config, &st) == 0)
		return cli_report_failure(
		    EXIT_FAILED, "Failed to create '%s': its lxcri config '%s' exists already", id,
		    config);
	if (store_open(cli->paths.images_dir, STORE_CREATE, &s, &err) < 0 ||
	    ensure_image(cli, s, &ref, name, policy, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to create '%s': %s", id,
					  err.message);

	char lower_dir[PATH_MAX];
	if (imagecmd_lower_dir(&cli->paths, lower_dir, sizeof(lower_dir)) < 0)
		return cli_usage_error("the image store's path '%s' is too long",
				       cli->paths.images_dir);
	struct imagect_options o = {
		.storage = cli->overlay ? IMAGECT_OVERLAY : IMAGECT_DIR,
		.lower_dir = lower_dir,
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
	if (lxcri_config_text(cli, config, res.image, &text, &err) < 0 ||
	    write_lxcri_config(config, text, &err) < 0) {
		(void)rmtree(res.dir);
		imagect_result_free(&res);
		return cli_report_failure(EXIT_FAILED, "Failed to create '%s': %s", id,
					  err.message);
	}
	log_info("created %s from %s", id, res.image);
	print_result(cli, id, &res, config, NULL);
	imagect_result_free(&res);
	return EXIT_OK;
}
