/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * An image's config (OCI image-spec config.md; Docker's is the same
 * shape): the platform, the process (Entrypoint, Cmd, Env, WorkingDir,
 * User, StopSignal), ExposedPorts, Volumes, Labels, and the layers'
 * diff_ids. Read strictly: a member we use with another type is an error.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

#define IMAGECONFIG_MAX_SIZE (4 * 1024 * 1024)

struct imageconfig {
	char *architecture, *os, *variant;	/* "" when absent */
	char *user, *working_dir, *stop_signal; /* "" when absent */
	char **env, **entrypoint, **cmd;	/* NULL-terminated; NULL when absent */
	char **exposed_ports;			/* "80/tcp"..., sorted; NULL when none */
	char **volumes;				/* sorted; NULL when none */
	char **labels;				/* "key=value", sorted; NULL when none */
	char **diff_ids;
	size_t n_diff_ids;
	char *created; /* "" when absent */
};

/* -EINVAL naming the member and what is wrong; -E2BIG past IMAGECONFIG_MAX_SIZE. */
int imageconfig_parse(const void *data, size_t size, struct imageconfig **ret,
		      struct lxcri_error *err);
void imageconfig_free(struct imageconfig *c);

/*
 * The StopSignal as a number: "" is SIGTERM; "SIGUSR1", "USR1", "15",
 * "SIGRTMIN+3", "RTMAX-1". -EINVAL naming it.
 */
int imageconfig_stop_signal(const struct imageconfig *c, int *ret, struct lxcri_error *err);
