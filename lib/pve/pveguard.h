/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * lxcri's guard: a raw pre-start hook in /etc/pve/lxc/<vmid>.conf of every
 * container lxcri manages on a Proxmox VE node,
 *
 *   lxc.hook.pre-start: /usr/libexec/lxcri/lxcri-guard --requires=pve-lxcri
 * /etc/pve/lxcri/<vmid>.conf
 *
 * PVE appends raw keys to the LXC config it writes at every start, after
 * its own hooks and after common.conf.d (so lxcri-hook has run by then).
 * It makes mixed clusters fail closed: on a node without pve-lxcri the
 * program is missing, sh says "lxcri-guard: not found" and LXC refuses the
 * start (LXC's log shows the whole line, --requires=pve-lxcri included),
 * instead of starting the container without its networks and ports. On a
 * node with the package, the guard refuses what pct clone and restore
 * leave behind (they copy raw keys, never /etc/pve/lxcri): a guard or raw
 * key naming another vmid's lxcri files, a guard whose lxcri config is
 * missing. It also refuses when lxcri's own hooks would not run (no
 * drop-in). It never takes PVE's lock and never writes: it works without
 * quorum.
 *
 * The companion keeps the guard (cli/ct.h, ct_config_write()): in
 * while the lxcri config exists, out once it is gone. libc only: the guard
 * links nothing else.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/basic/lxcconf.h"
#include "lib/basic/paths.h"

#define PVEGUARD_KEY	  "lxc.hook.pre-start"
#define PVEGUARD_PROGRAM  "lxcri-guard"
#define PVEGUARD_REQUIRES "--requires=pve-lxcri"

/* "<libexec_dir>/lxcri-guard --requires=pve-lxcri <lxcri config of vmid>"; -ENAMETOOLONG. */
int pveguard_value(const struct lxcri_paths *p, const char *vmid, char *buf, size_t size);

/*
 * Whether a hook value (len bytes, trimmed) is a guard: its program is
 * named lxcri-guard. *ret_config gets the path it names (its last word),
 * "" if none or too long.
 */
bool pveguard_is_guard(const char *value, size_t len, char *ret_config, size_t size);

/* A raw key that names lxcri files of another vmid. */
struct pveguard_foreign {
	char key[64];
	char vmid[16]; /* whose files it names */
	unsigned line; /* in the text scanned, from 1 */
};
#define PVEGUARD_FOREIGN_MAX 8

/*
 * The lxc.* assignments of text (main section) whose value names a file
 * "<lxcri_dir>/<N>.<...>" of a vmid N other than vmid: a guard copied from
 * another container, a stored profile of another. At most max in ret; the
 * number found.
 */
size_t pveguard_foreign_keys(const char *lxcri_dir, const char *vmid, const char *text, size_t size,
			     enum lxcconf_format format, struct pveguard_foreign *ret, size_t max);

/*
 * Whether PVE's config text (main section) has a guard for the lxcri config
 * at config (written with any libexec dir).
 */
bool pveguard_guards(const char *text, size_t size, const char *config);

/*
 * PVE's config text with vmid's guard in (want: other guards, copied from
 * another container, go too) or out (!want: only vmid's own guard goes). 1
 * and the new text in *ret_text, 0 (*ret_text NULL) when nothing changes,
 * -ENAMETOOLONG, -ENOMEM.
 */
int pveguard_edit(const struct lxcri_paths *p, const char *vmid, const char *text, size_t size,
		  bool want, char **ret_text, size_t *ret_size);

/*
 * `lxcri guard remove`: text without every guard and every raw key naming
 * another vmid's lxcri files; vmid's own guard stays if keep_own. Without
 * keep_own (the container goes unmanaged) lxcri's other raw keys go too: a
 * path into its store of profiles (<dir>/seccomp/), a generated AppArmor
 * profile (lxcri-ct-<id>). The
 * number of lines removed (0: *ret_text NULL), -errno.
 */
int pveguard_strip(const struct lxcri_paths *p, const char *vmid, const char *text, size_t size,
		   bool keep_own, char **ret_text, size_t *ret_size);

/* What LXC hands lxcri-guard. */
struct pveguard_args {
	const char *config;	/* the lxcri config the guard was written for */
	const char *name;	/* the container: LXC_NAME, else the hook's "<name>" argument */
	const char *lxc_config; /* LXC_CONFIG_FILE */
};
/*
 * "lxcri-guard --requires=pve-lxcri <config> [<name> lxc pre-start]" (hook
 * version 0 adds the last three, version 1 none) and LXC's environment.
 * -EINVAL saying what is wrong.
 */
int pveguard_args_parse(int argc, char **argv, struct pveguard_args *ret, struct lxcri_error *err);

/*
 * The guard at pre-start: 0 lets the start go on; otherwise the reason,
 * which says what to run:
 *   -EXDEV   the guard or a raw key names another vmid's lxcri files (a clone)
 *   -ENOENT  the lxcri config is missing (a restore: backups do not carry it)
 *   -ENOPKG  lxcri's hooks do not run for this container (no drop-in), or
 *            lxcri-hook is not executable
 *   -EINVAL  bad arguments, a config path that names no vmid
 */
int pveguard_check_start(const struct pveguard_args *a, struct lxcri_error *err);
