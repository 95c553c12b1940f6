/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri guard ...` and the guards in `lxcri check`: see guardcmd.h. */
#include "cli/guardcmd.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "cli/ct.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lxcconf.h"
#include "lib/pve/pveguard.h"
#include "cli/cli.h"
#include "lib/basic/log.h"
#include "lib/shared/json.h"

/* The files of vmid on a PVE node, locked for a change of PVE's config, and that config read. */
static int begin(const struct lxcri_paths *p, const char *id, struct ct_files *f,
		 struct ct_lock *lock, struct ct_text *pve, struct guardcmd_change *ret,
		 struct lxcri_error *err)
{
	enum lxcconf_format format;
	int r;

	*ret = (struct guardcmd_change){};
	if (!paths_id_is_vmid(id))
		return error_set(err, -EINVAL,
				 "Invalid vmid '%s': lxcri's guard is for Proxmox VE containers",
				 id);
	if (!paths_pve_mode(p))
		return error_set(err, -EINVAL,
				 "This is not a Proxmox VE node ('%s/lxc' does not exist): lxcri's "
				 "guard is for PVE containers",
				 p->pve_dir);
	if (ct_files_init(p, id, f) < 0 ||
	    lxcconf_path(p, id, ret->pve_config, sizeof(ret->pve_config), &format) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of CT %s are too long", id);
	snprintf(ret->config, sizeof(ret->config), "%s", f->config);
	r = ct_files_lock(f, CT_LOCK_PVE_CONFIG, lock, err);
	if (r >= 0)
		r = ct_text_read(ret->pve_config, pve, err);
	if (r >= 0 && !pve->exists)
		r = error_set(err, -ENOENT, "'%s' does not exist: CT %s is not on this node",
			      ret->pve_config, id);
	return r;
}

int guardcmd_add(const struct lxcri_paths *p, const char *id, struct guardcmd_change *ret,
		 struct lxcri_error *err)
{
	_cleanup_(ct_text_done) struct ct_text pve = {};
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	_cleanup_free_ char *text = NULL;
	struct ct_files f;
	size_t size;
	int r;

	r = begin(p, id, &f, &lock, &pve, ret, err);
	if (r < 0)
		return r;
	if (access(f.config, F_OK) < 0)
		return error_set(err, -ENOENT,
				 "CT %s has no lxcri config ('%s'): there is nothing to guard", id,
				 f.config);
	text = TAKE_PTR(pve.text);
	size = pve.size;
	r = ct_guard_apply(&f, &text, &size, true, err);
	if (r <= 0)
		return r;
	r = atomic_write_file(ret->pve_config, text, size, pve.mode, CONFIG_MAX_SIZE, err);
	ret->changed = r >= 0;
	return r;
}

int guardcmd_remove(const struct lxcri_paths *p, const char *id, struct guardcmd_change *ret,
		    struct lxcri_error *err)
{
	_cleanup_(ct_text_done) struct ct_text pve = {};
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	_cleanup_free_ char *text = NULL;
	struct ct_files f;
	size_t size = 0;
	int r;

	r = begin(p, id, &f, &lock, &pve, ret, err);
	if (r < 0)
		return r;
	ret->kept_own = access(f.config, F_OK) == 0;
	r = pveguard_strip(p, id, pve.text, pve.size, ret->kept_own, &text, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to edit '%s'", ret->pve_config);
	if (r == 0 && ret->kept_own)
		return error_set(err, -EBUSY,
				 "CT %s has an lxcri config ('%s'): its guard stays while it "
				 "does (remove its lxcri keys first), and nothing names another "
				 "vmid's lxcri files",
				 id, f.config);
	ret->removed = (size_t)r;
	if (r == 0)
		return 0;
	r = atomic_write_file(ret->pve_config, text, size, pve.mode, CONFIG_MAX_SIZE, err);
	ret->changed = r >= 0;
	return r;
}

struct findings {
	struct guardcmd_finding *r;
	size_t n, max, more;
};

static struct guardcmd_finding *finding(struct findings *fs, const char *name, bool fail)
{
	if (fs->n >= fs->max) {
		fs->more++;
		return NULL;
	}
	fs->r[fs->n] = (struct guardcmd_finding){ .name = name, .fail = fail };
	return &fs->r[fs->n++];
}

static void check_one(const struct lxcri_paths *p, const char *dir, const char *vmid,
		      const char *pve_path, struct findings *fs, size_t *managed)
{
	_cleanup_free_ char *text = NULL;
	struct pveguard_foreign foreign[PVEGUARD_FOREIGN_MAX];
	struct guardcmd_finding *g;
	char config[PATH_MAX];
	size_t size = 0, n;
	bool exists, guarded;

	if (paths_container_config(p, vmid, config, sizeof(config)) < 0 ||
	    fileio_read_file(pve_path, CONFIG_MAX_SIZE, &text, &size) < 0)
		return;
	exists = access(config, F_OK) == 0;
	guarded = pveguard_guards(text, size, config);
	n = pveguard_foreign_keys(dir, vmid, text, size, LXCCONF_PVE, foreign, ELEMENTSOF(foreign));
	for (size_t i = 0; i < n && i < ELEMENTSOF(foreign); i++) {
		if (!(g = finding(fs, "pve-clone", true)))
			continue;
		snprintf(g->detail, sizeof(g->detail),
			 "CT %.15s: %.63s (line %u of '%.200s') names lxcri files of CT %.15s (a "
			 "clone or "
			 "restore copied it): its start is refused",
			 vmid, foreign[i].key, foreign[i].line, pve_path, foreign[i].vmid);
		snprintf(g->hint, sizeof(g->hint),
			 "run 'lxcri config export %s | lxcri config import %s -' to give CT %s a "
			 "copy of CT %s's lxcri config, or 'lxcri guard remove %s' to run it "
			 "without lxcri",
			 foreign[i].vmid, vmid, vmid, foreign[i].vmid, vmid);
	}
	if (exists)
		(*managed)++;
	if (exists && !guarded && (g = finding(fs, "pve-guard", false))) {
		snprintf(g->detail, sizeof(g->detail),
			 "CT %s is managed by lxcri, but '%.300s' has no guard: a node without "
			 "pve-lxcri would start it without its networks and ports",
			 vmid, pve_path);
		snprintf(g->hint, sizeof(g->hint), "run 'lxcri guard add %s'", vmid);
	} else if (!exists && guarded && (g = finding(fs, "pve-guard", true))) {
		snprintf(
		    g->detail, sizeof(g->detail),
		    "CT %s: its guard names '%.300s', which does not exist (a restore: backups "
		    "do not carry /etc/pve/lxcri): its start is refused",
		    vmid, config);
		snprintf(g->hint, sizeof(g->hint),
			 "run 'lxcri config import %s <file>' with a file from 'lxcri config "
			 "export %s', or 'lxcri guard remove %s' to run it without lxcri",
			 vmid, vmid, vmid);
	}
}

size_t guardcmd_findings(const struct lxcri_paths *p, struct guardcmd_finding *ret, size_t max,
			 size_t *ret_managed)
{
	struct findings fs = { .r = ret, .max = max > 0 ? max - 1 : 0 };
	struct dirent **names = NULL;
	char lxc_dir[PATH_MAX], dir[PATH_MAX], pve_path[PATH_MAX];
	int n;

	*ret_managed = 0;
	if (paths_join(lxc_dir, sizeof(lxc_dir), "%s/lxc", p->pve_dir) < 0 ||
	    paths_container_config_dir(p, true, dir, sizeof(dir)) < 0)
		return 0;
	n = scandir(lxc_dir, &names, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		char vmid[16];

		if (len > 5 && len - 5 < sizeof(vmid) && strcmp(name + len - 5, ".conf") == 0) {
			snprintf(vmid, sizeof(vmid), "%.*s", (int)(len - 5), name);
			if (paths_id_is_vmid(vmid) &&
			    paths_join(pve_path, sizeof(pve_path), "%s/%s", lxc_dir, name) == 0)
				check_one(p, dir, vmid, pve_path, &fs, ret_managed);
		}
		free(names[i]);
	}
	free(names);
	if (fs.more > 0 && max > 0) {
		struct guardcmd_finding *g = &ret[fs.n++];
		*g = (struct guardcmd_finding){ .name = "pve-guard", .fail = true };
		snprintf(g->detail, sizeof(g->detail), "and %zu more finding(s) like those above",
			 fs.more);
	}
	return fs.n;
}

/* lxcri guard add|remove <id> */
static int do_guard(struct cli *cli, bool add)
{
	const char *sub = add ? "add" : "remove";
	struct guardcmd_change ch;
	struct lxcri_error err = {};
	const char *id;
	int r;

	if (cli->argc != 1)
		return cli_usage_error("usage: lxcri guard %s <vmid>", sub);
	id = cli->argv[0];
	log_setup("lxcri", paths_id_valid(id) ? id : NULL);
	log_set_stderr(false);
	r = add ? guardcmd_add(&cli->paths, id, &ch, &err)
		: guardcmd_remove(&cli->paths, id, &ch, &err);
	if (r < 0)
		return cli_report_failure(r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s",
					  err.message);
	if (ch.changed)
		log_info("guard %s: '%s' written", sub, ch.pve_config);
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "pve_config", json_object_new_string(ch.pve_config));
		json_object_object_add(o, "changed", json_object_new_boolean(ch.changed));
		if (!add) {
			json_object_object_add(o, "removed",
					       json_object_new_int64((int64_t)ch.removed));
			json_object_object_add(o, "kept_own", json_object_new_boolean(ch.kept_own));
		}
		cli_print_json(cli, o);
	} else if (add) {
		printf("CT %s: lxcri's guard %s '%s'\n", id,
		       ch.changed ? "added to" : "was already in", ch.pve_config);
	} else if (ch.removed == 0) {
		printf("CT %s: '%s' has no guard and no raw key naming lxcri files of another "
		       "vmid\n",
		       id, ch.pve_config);
	} else {
		printf("CT %s: %zu line(s) removed from '%s' (guards, raw keys naming lxcri files "
		       "of another vmid)%s\n",
		       id, ch.removed, ch.pve_config,
		       ch.kept_own ? "; its own guard stays with its lxcri config"
				   : ": it starts without lxcri");
	}
	return EXIT_OK;
}

int guardcmd_do_add(struct cli *cli)
{
	return do_guard(cli, true);
}

int guardcmd_do_remove(struct cli *cli)
{
	return do_guard(cli, false);
}
