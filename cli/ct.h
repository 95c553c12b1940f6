/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the companion's changes to one container share (`lxcri net ...`,
 * `lxcri port ...`): the container's files, its config as text (to edit and
 * write back with its mode), its lock, whether it runs, and the state,
 * settings and config snapshot of the run a live change goes into.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/config/configedit.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/shared/state.h"

struct ct_files {
	char config[PATH_MAX];
	char state_dir[PATH_MAX];
	char snapshot[PATH_MAX];
	char lock[PATH_MAX];
	const struct lxcri_paths *paths;
	char id[64];
	bool pve; /* a vmid on a Proxmox VE node: its configs are in /etc/pve */
};
/* -ENAMETOOLONG when a path would be too long. */
int ct_files_init(const struct lxcri_paths *p, const char *id, struct ct_files *ret);
/*
 * What every command on one container opens with: the id checked
 * (-EINVAL, "Invalid container id 'x'") and its files (-ENAMETOOLONG).
 */
int ct_files_open(const struct lxcri_paths *p, const char *id, struct ct_files *ret,
		  struct lxcri_error *err);

/* The container's lock, held (and PVE's config lock, if taken): ct_lock_release() lets go. */
struct ct_lock {
	int fd;
	int pve_fd;
	char path[PATH_MAX];
	char state_dir[PATH_MAX];
};
#define CT_LOCK_NONE                                                                               \
	{                                                                                          \
		.fd = -1, .pve_fd = -1                                                             \
	}

/* ct_files_lock(): also PVE's config lock, for a change to /etc/pve/lxc/<vmid>.conf. */
#define CT_LOCK_PVE_CONFIG (1U << 0)

/*
 * Takes the container's lock (the hooks take it too), waiting at most 30 s.
 * For a vmid on a PVE node, first PVE's config lock when flags has
 * CT_LOCK_PVE_CONFIG (at most 10 s, as PVE; in pct start's order: PVE's,
 * then ours), then what a change needs of the node (lib/pve.h,
 * pve_change_check(): quorum, this node owning the vmid, no "lock:").
 */
int ct_files_lock(const struct ct_files *f, unsigned flags, struct ct_lock *ret,
		  struct lxcri_error *err);
/* Unlocks; the lock file goes unless the container has a state (lock_file_release). */
void ct_lock_release(struct ct_lock *lock);
#define _cleanup_ct_lock_ _cleanup_(ct_lock_release)

/* A config file's text as it is on disk, to be edited and written back with its mode. */
struct ct_text {
	char *text;
	size_t size;
	mode_t mode;
	bool exists;
};
void ct_text_done(struct ct_text *t);
/*
 * A missing file reads as empty (mode 0640, what pmxcfs gives every file
 * and accepts as the only mode) if its directory exists, so that it can be
 * created.
 */
int ct_text_read(const char *path, struct ct_text *ret, struct lxcri_error *err);

/*
 * Writes the container's lxcri config: text, or, when text is blank (the
 * last key went), removes the file. For a vmid on a PVE node it keeps
 * lxcri's guard (lib/pve/pveguard.h) in /etc/pve/lxc/<vmid>.conf with it: in
 * while the config exists (guards copied from another vmid go), out once
 * it is gone; a PVE config that does not exist yet (an lxcri config
 * written ahead of pct create) is left alone. The caller holds the lock
 * with CT_LOCK_PVE_CONFIG. The order keeps "a config has its guard" true
 * at every moment: the guard goes in before the config is written, and
 * out after the config is removed, so a crash in between leaves a guard
 * whose config is missing (the guard refuses the start, saying what to
 * run), never a config without guard that a node without pve-lxcri would
 * start unguarded. When the second step fails, the first is undone: all
 * or nothing. old: the config as read under the lock (its mode is kept).
 */
int ct_config_write(const struct ct_files *f, const struct ct_text *old, const char *text,
		    size_t size, struct lxcri_error *err);

/*
 * For a change that edits PVE's config itself and writes it once (`lxcri
 * seccomp set`): *pve_text (malloc'ed, *pve_size bytes) with the guard in
 * (managed: the lxcri config exists after the change) or out, replaced
 * when it changes. Nothing for a container that is not a vmid on a PVE node.
 */
int ct_guard_apply(const struct ct_files *f, char **pve_text, size_t *pve_size, bool managed,
		   struct lxcri_error *err);

/*
 * The pid of the container's init if it runs (RUNNING or FROZEN), 0 if it
 * is stopped or LXC does not know it; -EBUSY while it is between the two.
 */
int ct_running_pid(const struct lxcri_paths *p, const char *id, pid_t *ret,
		   struct lxcri_error *err);

/* What a live change needs: the state of this run, the settings, the config snapshot. */
struct ct_live {
	struct state *state;
	struct settings settings;
	struct ct_text snapshot; /* exists false: there is none */
};
void ct_live_done(struct ct_live *lv);
/*
 * Loads the run's state (it must be in phase "running": -ESRCH without a
 * state, -EBUSY in another phase, each saying to restart the container),
 * the settings and the snapshot.
 */
int ct_live_init(const struct lxcri_paths *p, const char *id, const struct ct_files *f,
		 struct ct_live *lv, struct lxcri_error *err);

/*
 * Writes the snapshot after a live change: what the running container has,
 * which `lxcri status` compares with the config. The change itself is done
 * by then, so a failure is only a warning (logged, and on stderr).
 */
void ct_write_snapshot(const struct ct_files *f, const struct configedit_result *snapshot);
