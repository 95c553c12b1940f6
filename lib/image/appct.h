/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An application container made from an image (`lxcri create --image`):
 * the LXC config that runs the image's process through lxcri-init.
 *
 * The container's PID 1 is lxcri-init, bind-mounted read-only from the
 * host at /.lxcri/init; it reads the process (argv, env, cwd, user) from
 * /.lxcri/process, another read-only bind of a file beside the LXC config.
 * The image's Env goes only there: never into lxc.environment, which LXC
 * also hands to host hooks. The image's StopSignal is lxc.signal.halt.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"

#define APPCT_INIT_PATH	   "/.lxcri/init"    /* in the container */
#define APPCT_PROCESS_PATH "/.lxcri/process" /* in the container */
#define APPCT_PROCESS_FILE "lxcri-process"   /* beside the LXC config */
#define APPCT_IDMAP_MAX	   8
/* lxc.mount.entry of lxcri-init (%s: its path on the host). */
#define APPCT_INIT_MOUNT_FMT "%s .lxcri/init none ro,bind,create=file 0 0"
/* lxc.mount.entry of /dev/shm: no init of the image's mounts one (as PVE for entrypoints). */
#define APPCT_SHM_MOUNT "shm dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0"
/* lxc.init.cmd */
#define APPCT_INIT_CMD APPCT_INIT_PATH " " APPCT_PROCESS_PATH

struct appct_idmap_range {
	uint32_t container_id, host_id, count;
};

struct appct {
	const char *id;	     /* the container's name */
	const char *lxc_dir; /* /var/lib/lxc/<id>: config, rootfs, the process file */
	const char
	    *lower; /* an overlay rootfs on this lower (upper <lxc_dir>/delta0); NULL: rootfs */
	const char *lxc_config_dir; /* /usr/share/lxc/config: common.conf, userns.conf */
	const char *init_path;	    /* /usr/libexec/lxcri/lxcri-init on the host */
	const char *image;	    /* <reference>@<digest>, for the config's first comment */
	const char *architecture;   /* the image's, in OCI terms ("amd64"); "" for the host's */
	int halt_signal;	    /* the image's StopSignal (SIGTERM by default) */
	/* Unprivileged when there are ranges: lxc.idmap, and LXC's userns.conf. */
	struct appct_idmap_range uid[APPCT_IDMAP_MAX], gid[APPCT_IDMAP_MAX];
	size_t n_uid, n_gid;
};

/*
 * LXC's name for an OCI architecture (lxc.arch): "amd64", "arm64", "386"
 * (i686), "arm" (armhf), "ppc64le", "s390x", "riscv64"; NULL for one LXC
 * does not know.
 */
const char *appct_lxc_arch(const char *architecture);

/*
 * Proxmox VE's name of it (pct's --arch): "amd64", "arm64", "i386",
 * "armhf", "riscv64"; NULL for one PVE does not know.
 */
const char *appct_pve_arch(const char *architecture);

/*
 * A path that goes into an LXC config value and an fstab-like mount entry
 * as it is: absolute, no blanks, no control characters, no '\' (fstab's
 * escapes). 0, or -EINVAL naming what (the path's role) and why.
 */
int appct_path_check(const char *what, const char *path, struct lxcri_error *err);

/* The LXC config, in *ret (malloc'ed). -EINVAL naming what is wrong. */
int appct_lxc_config(const struct appct *a, char **ret, struct lxcri_error *err);

/*
 * The signal's name as lxc.signal.halt takes it ("SIGUSR1", "SIGRTMIN+3");
 * NULL for a number that is not a signal.
 */
const char *appct_signal_name(int signo, char *buf, size_t size);
