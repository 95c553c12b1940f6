/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One transaction for a change to a container's lxcri config: one that a
 * running container gets at once (`lxcri net add|del`, `lxcri port
 * add|del`), or one that takes effect at its next start (`lxcri seccomp|
 * apparmor|selinux set|unset`: ops->apply is NULL):
 *
 *   begin     the id, the container's files, PVE's config lock (a vmid on
 *             a PVE node: the first and the last key move lxcri's guard in
 *             PVE's config) and the container's own lock
 *   edit      the config as read under the locks, changed by the feature
 *             (ops->edit); a stopped container gets the config only, and
 *             the change takes effect at its next start
 *   live      the run's state, settings and config snapshot; the same
 *             edit of the snapshot (what the container runs with), at the
 *             index the config got
 *   apply     an addition: applied to the container (ops->apply), then
 *             the config written; if the write fails, undone (ops->undo)
 *   remove    a removal: the config written first (without quorum a PVE
 *             node refuses it, and nothing changed), then removed from the
 *             container (ops->apply); if that fails, the config written
 *             back as it was
 *   commit    the snapshot written (what `lxcri status` compares with)
 *
 * A change without apply (or to a stopped container) only writes: the
 * config, or what ops->write writes with it (other files, all or nothing).
 *
 * Every failure says what was and was not changed. The feature's callbacks
 * get the transaction, read what they need from it (the pid, the state,
 * the settings, the edited configs), and return -errno with err set.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "cli/ct.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/config/configedit.h"

struct livechange;

struct livechange_ops {
	const char *verb; /* "net add", for the log */
	bool removal;	  /* writes the config first, and needs it to exist */
	/*
	 * The change on text (path, for messages): at the lowest free index
	 * (index < 0, the config) or at index (the snapshot). -ENOENT from a
	 * removal on the snapshot: the container did not start with it.
	 */
	int (*edit)(void *ctx, const char *path, const char *text, size_t size, int index,
		    struct configedit_result *ret, struct lxcri_error *err);
	/* "net1 ('eth1')", "port0", "'tcp 8080'": what the change is about. */
	void (*describe)(void *ctx, const struct livechange *lc, char *buf, size_t size);
	/* A removal: whether the running container has it (before it goes). */
	bool (*applied)(void *ctx, const struct livechange *lc);
	/* Adds to (removes from) the running container. */
	int (*apply)(void *ctx, struct livechange *lc, struct lxcri_error *err);
	/* An addition: takes it out of the running container again. */
	int (*undo)(void *ctx, struct livechange *lc, struct lxcri_error *err);
	/*
	 * Writes lc->edit where the change only writes (NULL: the config
	 * alone, ct_config_write()): the config and the feature's other files,
	 * all or nothing.
	 */
	int (*write)(void *ctx, struct livechange *lc, struct lxcri_error *err);
};

struct livechange {
	const struct lxcri_paths *paths;
	const char *id;
	struct ct_files files;
	struct ct_lock lock;
	struct ct_text old;		     /* the config as read under the locks */
	struct configedit_result edit;	     /* the config after the change */
	struct configedit_result snap;	     /* the snapshot after it (text NULL: none) */
	const struct configedit_result *now; /* what the container runs with: snap or edit */
	struct ct_live live;
	pid_t pid; /* 0: not running */
};

/* What happened, for the command's output. */
struct livechange_result {
	unsigned index;	     /* of the key changed */
	char file[PATH_MAX]; /* the config written */
	bool live;	     /* the running container changed too (or had nothing to remove) */
	bool was_applied;    /* a removal: the running container had it */
	bool config_fault;   /* refused for the config: invalid, conflicting, too big */
	bool running; /* a change without apply: the container runs, its next start takes it */
};

/*
 * Runs the transaction for id with ops; ctx is the feature's. -errno with
 * err set; result says what happened, config_fault set on a refusal that
 * is the config's fault (ops->edit's -EINVAL, -EEXIST, -ENOENT, -EFBIG).
 */
int livechange_run(const struct lxcri_paths *p, const char *id, const struct livechange_ops *ops,
		   void *ctx, struct livechange_result *result, struct lxcri_error *err);
