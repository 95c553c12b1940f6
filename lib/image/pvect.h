/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A Proxmox VE container from an image (`lxcri create <vmid> --image` on a
 * PVE node): what `pct create` is given, and what its config then needs.
 *
 * pct makes the container from a rootfs template (imagect.h,
 * IMAGECT_TEMPLATE): a plain tar whose members are "./..." (so PVE never
 * takes it for an OCI archive, whose members are "oci-layout", "index.json"
 * and "blobs/", whatever a hostile image puts at its root), owned as inside
 * the container (pct shifts them for an unprivileged one), with the
 * process file at /.lxcri/process. pct is run as
 *
 *   pct create <vmid> <template> --ostype unmanaged --cmode console
 *       [--arch <image's>] [--unprivileged 1] <the admin's options>
 *
 * (argv, no shell); the defaults are left out when the admin gives them.
 * Options that would start the container before its init is set
 * (--start), make something else than a new container (--restore,
 * --force, --unique) or set what lxcri sets (--unprivileged, which
 * lxcri's own option decides because the template depends on it;
 * --entrypoint and --env, which PVE turns into lxc.init.cmd and an
 * environment that host hooks see) are refused, naming them.
 *
 * Then the PVE config (/etc/pve/lxc/<vmid>.conf) gets the raw keys that
 * run the image's process (PVE copies raw lxc.* keys into the LXC config
 * at every start):
 *
 *   lxc.init.cmd: /.lxcri/init /.lxcri/process
 *   lxc.mount.entry: <lxcri-init> .lxcri/init none ro,bind,create=file 0 0
 *   lxc.signal.halt: <StopSignal>
 *   lxc.mount.entry: shm dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0
 *
 * The process file travels with the rootfs (migration, backup, clone);
 * lxcri-init comes from the node's package. libc only.
 */

#include <stddef.h>

#include "lib/basic/error.h"

#define PVECT_PCT_PATH "/usr/sbin/pct"
#define PVECT_NAME_MAX 255
#define PVECT_ARGS_MAX 256

struct pvect_options {
	const char *vmid;
	const char *template_path; /* the template tar */
	const char *arch; /* PVE's name of the image's architecture (appct_pve_arch()); NULL: PVE's
			     default */
	int unprivileged;
	char *const *pct_args; /* the admin's pct options, as given after `--` */
	size_t n_pct_args;
};

/*
 * The template's file name for an image (its store name and digest):
 * "lxcri-<name>-<12 hex digits of the digest>.tar", the name with every
 * byte but [A-Za-z0-9._-] as '_' (images from two registries never share
 * one). -ENAMETOOLONG, -EINVAL for a digest that is not sha256:<hex>.
 */
int pvect_template_name(const char *name, const char *digest, char *buf, size_t size);

/*
 * pct's argv (argv[0] = pct, NULL-terminated, malloc'ed: strv_free()).
 * -EINVAL naming an admin's option that is refused or not an option
 * ("--name" or "--name=value" with a value after it), -ENOMEM.
 */
int pvect_pct_argv(const struct pvect_options *o, const char *pct, char ***ret,
		   struct lxcri_error *err);

/*
 * The PVE config text (size bytes, main section only changed) with the
 * raw keys above: lxc.init.cmd and lxc.signal.halt set, the mount entries
 * added unless they are there. init_path is lxcri-init on the host. The new text in *ret_text
 * (NUL-terminated). -EINVAL naming a path or signal the config cannot
 * carry, -ENOMEM.
 */
int pvect_config_edit(const char *text, size_t size, const char *init_path, int halt_signal,
		      char **ret_text, size_t *ret_size, struct lxcri_error *err);
