/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-portfwd: the port forwarding feature (portN) of a managed
 * container; lib/port/portsetup.h does the work, lib/hook/helpermain.h the rest.
 *
 *   lxcri-portfwd start-host <id>   forward the config snapshot's ports; a port
 *                                   whose address comes later is left to a
 *                                   waiter (lib/port/portwait.h) that keeps this
 *                                   command line
 *   lxcri-portfwd teardown <id>     remove the port.* items of the state
 *
 * Run by lxcri-lifecycle after lxcri-net, so the container's addresses are set.
 */

#include "lib/hook/helpermain.h"
#include "lib/port/portsetup.h"

static struct portsetup setup_of(const struct helper_run *run)
{
	return (struct portsetup){
		.id = run->id,
		.pid = run->pid,
		.state_dir = run->state_dir,
		.settings = run->settings,
		.paths = run->paths,
	};
}

static int apply(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct portsetup ps = setup_of(run);

	/* A forward whose address comes later (ip=dhcp) waits for it: lib/port/portwait.h. */
	ps.wait_ms = run->settings->port_address_timeout_ms;
	return portsetup_apply(&ps, run->config, s, err);
}

static size_t teardown(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct portsetup ps = setup_of(run);
	return portsetup_teardown(&ps, s, 0, 0, err);
}

int main(int argc, char **argv)
{
	static const struct helper_feature feature = { "lxcri-portfwd", apply, teardown };
	return helper_main(&feature, argc, argv);
}
