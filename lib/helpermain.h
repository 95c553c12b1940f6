/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every feature helper's main() does (lxcri-net, lxcri-portfwd, ...):
 *
 *   <helper> pre-start <id>    apply a pre-start feature (profiles) from the snapshot
 *   <helper> start-host <id>   apply the feature from the config snapshot
 *   <helper> teardown <id>     undo the feature's items of the state
 *
 * Run by lxcri-lifecycle, which holds the container's lock and passes the
 * roots (LXCRI_*) and LXC's environment (LXC_PID, LXC_ROOTFS_PATH). This
 * reads the arguments, the settings, the state and, for start-host, LXC_PID
 * and the snapshot, and hands them to the feature. On a failure the reason
 * goes to the state's last_error (for `lxcri status` and the refused start)
 * and to stderr (LXC's log); exit status 1 (2 for a usage error).
 */

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "paths.h"
#include "state.h"

struct helper_run {
	const char *id;
	const char *state_dir;
	const struct settings *settings;
	const struct lxcri_paths *paths; /* the roots (LXCRI_*) */
	const char *hook;		 /* "pre-start" or "start-host" (apply only) */
	pid_t pid;			 /* start-host: LXC_PID; 0 at pre-start (no init yet) */
	const struct config *config;	 /* apply: the snapshot */
};

struct helper_feature {
	const char *name; /* "lxcri-net" */
	int (*apply)(const struct helper_run *run, struct state *s, struct lxcri_error *err);
	/* Items left (0: all undone); err says why when > 0. */
	size_t (*teardown)(const struct helper_run *run, struct state *s, struct lxcri_error *err);
};

/* The exit status for main(). */
int helper_main(const struct helper_feature *f, int argc, char **argv);
