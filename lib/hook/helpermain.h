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
 * roots (LXCRI_*), LXC's environment (LXC_PID at start-host only,
 * LXC_ROOTFS_PATH) and at stop the container's namespaces (hookctx.h).
 * This reads the arguments, the settings, the state, LXC_PID (required for
 * start-host), the namespaces and the snapshot, and hands them to the
 * feature. On a failure the reason
 * goes to the state's last_error (for `lxcri status` and the refused start)
 * and to stderr (LXC's log); exit status 1 (2 for a usage error).
 *
 * A teardown works from the state in memory and goes on where the state
 * cannot be saved (a read-only or full run dir): each save is best effort
 * (state.h, save_best_effort). With LXCRI_STATE_STDIO=1 in the environment
 * (set by lxcri-lifecycle) the state comes on stdin, as lifecycle holds it,
 * and the state the teardown leaves goes to stdout, whatever could be
 * saved; lifecycle takes it from there.
 */

#include <stddef.h>
#include <sys/types.h>

#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/shared/state.h"

#define HELPER_STATE_STDIO_ENV "LXCRI_STATE_STDIO"

struct helper_run {
	const char *id;
	const char *state_dir;
	const struct settings *settings;
	const struct lxcri_paths *paths; /* the roots (LXCRI_*) */
	const char *hook;		 /* "pre-start" or "start-host" (apply only) */
	/*
	 * LXC_PID: the container's init at start-host (apply, and a teardown
	 * rolling a failed start-host back); 0 otherwise (pre-start has no init
	 * yet, and lxcri-lifecycle leaves LXC_PID to helpers at start-host only).
	 */
	pid_t pid;
	/*
	 * Teardown at the stop hook: the container's namespaces as LXC hands them
	 * (LXCRI_CT_NETNS, LXCRI_CT_MNTNS, from lxcri-lifecycle); NULL otherwise.
	 */
	const char *netns, *mntns;
	const struct config *config; /* apply: the snapshot */
};

struct helper_feature {
	const char *name; /* "lxcri-net" */
	int (*apply)(const struct helper_run *run, struct state *s, struct lxcri_error *err);
	/* Items left (0: all undone); err says why when > 0. */
	size_t (*teardown)(const struct helper_run *run, struct state *s, struct lxcri_error *err);
};

/* The exit status for main(). */
int helper_main(const struct helper_feature *f, int argc, char **argv);
