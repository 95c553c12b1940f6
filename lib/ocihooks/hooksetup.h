/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The OCI hooks feature of a managed container (keys hooks, hook-user,
 * annotationN): what lxcri-ocihooks does at start-host and at teardown,
 * on lib/ocihooks/ocirun (see there for the stage mapping).
 *
 * start-host: collects the hooks; records the poststop hooks as an item
 * "hooks.poststop" (data: {"hooks": {"poststop": [...]}, "bundle", "user",
 * "annotations"}) before anything runs, so that a failure from here on, a
 * refused start or a stop all run them once, from the item; runs prestart,
 * createRuntime, createContainer and startContainer (the first failure
 * refuses the start); then leaves a process that waits for the init's exec
 * and runs the poststart hooks.
 *
 * teardown: runs the recorded poststop hooks (failures are warnings) and
 * removes the item.
 */

#include <stddef.h>
#include <sys/types.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"
#include "lib/shared/state.h"

struct hooksetup {
	const char *id;
	pid_t pid;		    /* LXC_PID */
	const char *state_dir;	    /* state.json, hooks.json */
	const char *lxc_config;	    /* LXC_CONFIG_FILE, may be NULL */
	const char *service;	    /* PAM service, NULL: lxcri-hook */
	unsigned poststart_wait_ms; /* how long the poststart waiter waits for the exec; 0: 60 s */
};

int hooksetup_apply(const struct hooksetup *hs, const struct config *c, struct state *s,
		    struct lxcri_error *err);
size_t hooksetup_teardown(const struct hooksetup *hs, struct state *s, struct lxcri_error *err);
