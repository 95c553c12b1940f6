/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's OCI hooks at the moments of its LXC life (lxcri-ocihooks):
 * which hooks (lib/ocihooks), where they run, and each run through PAM as
 * the container's hook-user (lib/ocihooks/hookrun).
 *
 *   stage            LXC moment       runs as                     path resolved in
 *   prestart         start-host       the host                    host
 *   createRuntime    start-host       the host                    host
 *   createContainer  start-host       a container process*, host "/"  host (opened, then fexecve)
 *   startContainer   start-host       a container process*        container (openat2 in its root)
 *   poststart        init has exec'd  the host                    host
 *   poststop         stop (teardown)  the host                    host
 *
 * (*) lib/ocihooks/ctjoin.h: every namespace of the container (pid and user too),
 * its cgroups, its bounding set and resource limits, its LSM label,
 * no_new_privs and its seccomp filters, all copied from its init: no more
 * power than the container's own processes, as crun runs startContainer
 * hooks in the container's process. A startContainer hook's program is the
 * container's (its path resolves in the rootfs, whose root may be hostile).
 * A createContainer hook keeps the host's "/" (runc runs it before
 * pivot_root, its path resolving in the runtime's namespace).
 *
 * Where hooks come from (lib/basic/trust.h): hooks.d directories and files, a
 * bundle's config.json and every host hook program must be root's alone, or
 * the hooks are refused, naming the file.
 *
 * start-host is the one moment LXC gives between the container's creation
 * and its init's exec: LXC holds the init until the hook returns, so that
 * createContainer and startContainer still run before the user's process.
 * poststart waits in a process of its own for the init's exec (no LXC hook
 * follows it) and runs then.
 *
 * Each run: the OCI state on stdin, args and env as the hook gives them
 * (plus the PAM session's variables), its timeout killing its process
 * group. One audit line per run (lib/basic/log.h): container, stage, path, user,
 * exit status or signal, duration. The last run of each hook goes to
 * <state_dir>/hooks.json for `lxcri status`.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"
#include "lib/ocihooks/ocihooks.h"

#define OCIRUN_LAST_RUNS "hooks.json"

struct ocirun {
	const char *id;
	pid_t pid;	       /* the container's init (LXC_PID); 0 at poststop */
	const char *bundle;    /* hooks: bundle=, or NULL */
	const char *user;      /* hook-user, NULL: root */
	const char *service;   /* PAM service, NULL: "lxcri-hook" */
	char **annotations;    /* "key=value", NULL-terminated, may be NULL */
	const char *state_dir; /* for hooks.json; NULL: not recorded */
	bool dry_run;	       /* `lxcri hooks run --dry-run`: print, do not run */
};

/*
 * The hooks of a container: its bundle's (hooks: bundle=), then the hooks.d
 * directories (OCIHOOKS_DIR_DEFAULT, OCIHOOKS_DIR_OVERRIDE, then hooks:
 * dir=) that match its annotations (the config's, then the bundle's for
 * keys the config does not set), its init command and bind mounts, read
 * from its LXC config (lxc.init.cmd, default /sbin/init; lxc.mount.entry
 * with bind). lxc_config may be NULL. *ret_annotations: the annotations.
 */
int ocirun_collect(const struct config *c, const char *lxc_config, struct oci_hooks *ret,
		   char ***ret_annotations, struct lxcri_error *err);

/*
 * Runs the hooks of stage in order. prestart, createRuntime, createContainer
 * and startContainer stop at the first hook that fails (exits non-zero,
 * dies, times out, or cannot run: PAM refused it): -EIO or its -errno, with
 * err naming the stage, the hook and why. poststart and poststop go on
 * after a failure, which they report as a warning, and never fail. Returns
 * the number of hooks that ran and succeeded.
 */
int ocirun_stage(const struct ocirun *r, const struct oci_hooks *h, enum oci_stage stage,
		 struct lxcri_error *err);

/* The last runs of a container's hooks (hooks.json), or NULL if none. */
struct json_object *ocirun_last_runs(const char *state_dir);
