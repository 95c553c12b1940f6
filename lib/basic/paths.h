/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where things live on a host. Every root can be redirected, by an option
 * (--pve-dir=DIR, ...) or an environment variable (LXCRI_PVE_DIR, ...), so
 * that tests never touch the host's real configuration. Options win over
 * the environment. libc only: the hook's fast path uses this.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct lxcri_paths {
	char pve_dir[PATH_MAX];	       /* /etc/pve             --pve-dir        LXCRI_PVE_DIR */
	char etc_dir[PATH_MAX];	       /* /etc/lxcri           --etc-dir        LXCRI_ETC_DIR */
	char run_dir[PATH_MAX];	       /* /run/lxcri           --run-dir        LXCRI_RUN_DIR */
	char lxc_path[PATH_MAX];       /* /var/lib/lxc         --lxc-path       LXCRI_LXC_PATH */
	char lxc_config_dir[PATH_MAX]; /* /usr/share/lxc/config --lxc-config-dir
					  LXCRI_LXC_CONFIG_DIR */
	char libexec_dir[PATH_MAX];    /* /usr/libexec/lxcri   --libexec-dir    LXCRI_LIBEXEC_DIR */
	char sys_dir[PATH_MAX];	       /* /sys (LSM state)     --sys-dir        LXCRI_SYS_DIR */
	char pve_lock_dir[PATH_MAX];   /* /run/lock/lxc (PVE's config locks) --pve-lock-dir
					  LXCRI_PVE_LOCK_DIR */
	char images_dir[PATH_MAX];     /* /var/lib/lxcri/images (the OCI image store) --images-dir
					  LXCRI_IMAGES_DIR */
	char metrics_dir[PATH_MAX];    /* /var/lib/prometheus/node-exporter (node_exporter's
					  textfile directory; lxcri.conf's metrics-dir wins)
					  --metrics-dir LXCRI_METRICS_DIR */
};

/* Defaults, then the environment. -ENAMETOOLONG names no variable: the caller says which. */
int paths_init(struct lxcri_paths *p);

/*
 * If arg is one of our path options ("--run-dir=/x" form), applies it and
 * returns 1; returns 0 for any other argument, -ENAMETOOLONG/-EINVAL for a
 * bad value (empty or relative).
 */
int paths_parse_option(struct lxcri_paths *p, const char *arg);

/* Puts every root into the environment (LXCRI_*), for the programs we run. */
int paths_export(const struct lxcri_paths *p);

/* The option names, for usage texts: "--pve-dir=DIR", ... NULL-terminated. */
extern const char *const paths_option_names[];

/* The AppArmor profile lxcri generates for container <id> is lxcri-ct-<id>. */
#define APPARMOR_GENERATED_PREFIX "lxcri-ct-"

/* A PVE node: <pve_dir>/lxc is a directory. */
bool paths_pve_mode(const struct lxcri_paths *p);

/* Container names we manage: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. */
bool paths_id_valid(const char *id);
/* A PVE vmid: 1 to 9 digits, no leading zero. */
bool paths_id_is_vmid(const char *id);

/*
 * The per-container config: <pve_dir>/lxcri/<vmid>.conf on a PVE node for a
 * numeric id, <etc_dir>/containers/<id>.conf otherwise. -EINVAL for an
 * invalid id, -ENAMETOOLONG if it does not fit.
 */
int paths_container_config(const struct lxcri_paths *p, const char *id, char *buf, size_t size);
/* The directory that holds container configs, with the same rule (for listing). */
int paths_container_config_dir(const struct lxcri_paths *p, bool pve, char *buf, size_t size);
/* <run_dir>/<id> */
int paths_state_dir(const struct lxcri_paths *p, const char *id, char *buf, size_t size);
/*
 * <run_dir>/.locks/<id>.lock: the lock a container's hooks and `lxcri`
 * changes to it take; it lives as long as the state dir (lock_file_release).
 */
int paths_lock(const struct lxcri_paths *p, const char *id, char *buf, size_t size);
/* <etc_dir>/lxcri.conf */
int paths_settings(const struct lxcri_paths *p, char *buf, size_t size);
/* <lxc_config_dir>/common.conf.d/50-lxcri.conf */
int paths_dropin(const struct lxcri_paths *p, char *buf, size_t size);
/* <libexec_dir>/<name> */
int paths_helper(const struct lxcri_paths *p, const char *name, char *buf, size_t size);

/* snprintf() into buf, -ENAMETOOLONG if truncated. */
int paths_join(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
