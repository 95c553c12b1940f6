/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri seccomp|apparmor|selinux set|show|unset`: a profile key of a
 * container's lxcri config, the raw LXC key that makes LXC apply it
 * (lib/basic/lxcconf.h: the PVE file on a PVE node, LXC's config otherwise) and,
 * for seccomp, the stored source copy and generated profile
 * (lib/lsm/profiles.h). The verbs (profilecmd_do_seccomp_set(), ...) parse
 * the arguments, call these and print.
 *
 * set writes the stored files first, then the lxcri config, then LXC's
 * config; if a later write fails the earlier ones are put back as they
 * were, so a failure changes nothing. unset removes the LXC key (only if
 * it is still ours), then the lxcri key (and the lxcri config, if nothing
 * is left in it: the container is then unmanaged), then the stored files. The
 * container's lock is held throughout. A profile cannot change in a running
 * container: the change takes effect at its next start (ret->running).
 */

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/lsm/seccompconv.h"
#include "lib/lsm/seccompkeep.h"

struct cli;

struct profilecmd_change {
	char config[PATH_MAX];		/* the lxcri config written */
	char lxc_config[PATH_MAX];	/* the LXC config written */
	char lxc_key[64];		/* lxc.seccomp.profile ... */
	char lxc_value[PATH_MAX];	/* what it was set to ("" after unset) */
	char profile[PATH_MAX];		/* seccomp: the generated profile */
	bool running;			/* the container runs: the next start applies it */
	bool lxc_key_kept;		/* unset: LXC's key named something else, left alone */
	enum seccompkeep_kind kept_for; /* seccomp set: whose protections the profile keeps */
	size_t n_kept;			/* and how many (lib/lsm/seccompkeep.h) */
};

/*
 * seccomp set: converts source (lib/lsm/seccompconv.h, for the container's
 * capabilities as its LXC config gives them), keeps in it the protections
 * LXC and PVE give this kind of container (lib/lsm/seccompkeep.h) and stores
 * it. *conv lists the notes and losses of both steps, and n_rules is that
 * of the stored profile. With losses and !accept_loss: -EOPNOTSUPP
 * (nothing written). -EINVAL for a malformed profile (its message names
 * the file, line and column) or PVE config.
 */
int profilecmd_seccomp_set(const struct lxcri_paths *p, const char *id, const char *source,
			   bool accept_loss, struct seccompconv_result *conv,
			   struct profilecmd_change *ret, struct lxcri_error *err);

/*
 * apparmor set (value: "profile=<name>[,nesting=1][,mount=...]", or just a
 * name) and selinux set (value: a context, checked with libselinux: against
 * the loaded policy where SELinux is on, else by syntax only, which
 * *ret_syntax_only says).
 */
int profilecmd_apparmor_set(const struct lxcri_paths *p, const char *id, const char *value,
			    struct profilecmd_change *ret, struct lxcri_error *err);
int profilecmd_selinux_set(const struct lxcri_paths *p, const char *id, const char *context,
			   bool *ret_syntax_only, struct profilecmd_change *ret,
			   struct lxcri_error *err);

/* feature: "seccomp", "apparmor" or "selinux". -ENOENT if the key is not set. */
int profilecmd_unset(const struct lxcri_paths *p, const char *id, const char *feature,
		     struct profilecmd_change *ret, struct lxcri_error *err);

/*
 * What is in force for feature: {"id", "feature", "key": the lxcri value or
 * null, "config", "lxc_config", "lxc_key", "lxc_value": what LXC's config
 * has, "lxc_points_here": bool, "running": bool} and, for seccomp,
 * "profile", "source", "source_sha256", "used_copy", "current": bool,
 * "problem": why not (or null), "rules": N, "text": the profile, "skipped":
 * what the profile says set left out (seccompconv_skipped_json()) or null,
 * "kept": {"for": "pve-unprivileged", "container": "an unprivileged PVE
 * container", "what": "LXC's common.seccomp and ...", "rules": [...]}, what
 * the profile says it kept, or null.
 */
int profilecmd_show(const struct lxcri_paths *p, const char *id, const char *feature,
		    struct json_object **ret, struct lxcri_error *err);

/*
 * `lxcri config export <id>`: one self-contained document of what lxcri
 * keeps of a container, for a backup (vzdump does not carry /etc/pve/lxcri)
 * or a clone:
 *
 *   {"lxcri-export": 1, "id": "<id>", "config": "<its lxcri config, byte for byte>",
 *    "lxc_keys": {"lxc.seccomp.profile": "<value>", ...},
 *    "files": {"seccomp/<sha256>.seccomp": "<text>", "seccomp/<sha256>.json": "<text>"}}
 *
 * lxc_keys are the raw keys lxcri set in LXC's (PVE's) config, as they are
 * for <id>; files the stored profile and source copy its config names.
 * -ENOENT if id has no lxcri config.
 */
int profilecmd_export(const struct lxcri_paths *p, const char *id, struct json_object **ret,
		      struct lxcri_error *err);

struct profilecmd_import {
	char config[PATH_MAX];	   /* the lxcri config written */
	char lxc_config[PATH_MAX]; /* the LXC (PVE) config written */
	char **warnings;	   /* NULL-terminated, may be NULL */
	size_t n_warnings;
	bool running;
};
void profilecmd_import_done(struct profilecmd_import *r);

/*
 * `lxcri config import <id> FILE|-`: writes an export (text, size bytes)
 * for id, as `seccomp set` writes its files (ct_files_lock() with PVE's
 * config lock, quorum, owner and "lock:" checked; all or nothing): the
 * stored files, the config, and LXC's keys computed for id (not copied: an
 * AppArmor profile of its own is named by the id). The document is checked
 * before anything is written: its version, the config (file:line:value, as
 * id's config), every file against the digest it is named by, the files
 * the config names there and nothing else. -EEXIST if id has an lxcri
 * config and !force. Warnings: a host port that another config of this
 * node's config directory forwards too (a clone: only one of the two can
 * start with it).
 */
int profilecmd_import(const struct lxcri_paths *p, const char *id, const char *text, size_t size,
		      bool force, struct profilecmd_import *ret, struct lxcri_error *err);

/* lxcri seccomp|apparmor|selinux set|show|unset ..., lxcri seccomp convert <file> */
int profilecmd_do_seccomp_set(struct cli *cli);
int profilecmd_do_apparmor_set(struct cli *cli);
int profilecmd_do_selinux_set(struct cli *cli);
int profilecmd_do_show(struct cli *cli);
int profilecmd_do_unset(struct cli *cli);
int profilecmd_do_seccomp_convert(struct cli *cli);
