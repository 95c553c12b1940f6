/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-ocihooks: the OCI hooks feature (hooks, hook-user, annotationN) of a
 * managed container; lib/ocihooks/hooksetup.h does the work, lib/hook/helpermain.h the rest.
 *
 *   lxcri-ocihooks start-host <id>   run the hooks up to startContainer, wait for poststart
 *   lxcri-ocihooks teardown <id>     run the recorded poststop hooks
 *
 * Run by lxcri-lifecycle after lxcri-net and lxcri-portfwd: createRuntime
 * hooks see the container's networks.
 */

#include <stdlib.h>

#include "lib/hook/helpermain.h"
#include "lib/ocihooks/hooksetup.h"

static struct hooksetup setup_of(const struct helper_run *run)
{
	return (struct hooksetup){
		.id = run->id,
		.pid = run->pid,
		.state_dir = run->state_dir,
		.lxc_config = getenv("LXC_CONFIG_FILE"),
	};
}

static int apply(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct hooksetup hs = setup_of(run);
	return hooksetup_apply(&hs, run->config, s, err);
}

static size_t teardown(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct hooksetup hs = setup_of(run);
	return hooksetup_teardown(&hs, s, err);
}

int main(int argc, char **argv)
{
	static const struct helper_feature feature = { "lxcri-ocihooks", apply, teardown };
	return helper_main(&feature, argc, argv);
}
