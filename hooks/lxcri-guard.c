/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-guard: the raw pre-start hook lxcri writes into the PVE config of
 * every container it manages (lib/pve/pveguard.h, lxcri-hook(8)). Missing on a
 * node without pve-lxcri, it stops the start there; here it refuses a
 * clone or restore that carries another container's lxcri keys, a missing
 * lxcri config, and a container whose lxcri hooks would not run. It never
 * takes PVE's lock and never writes. libc only.
 */

#include "lib/basic/log.h"
#include "lib/pve/pveguard.h"

int main(int argc, char **argv)
{
	struct pveguard_args args;
	struct lxcri_error err = {};
	int r;

	r = pveguard_args_parse(argc, argv, &args, &err);
	log_setup(PVEGUARD_PROGRAM, r < 0 ? NULL : args.name);
	if (r >= 0)
		r = pveguard_check_start(&args, &err);
	if (r < 0) {
		log_error("Refusing to start: %s", err.message);
		return 1;
	}
	return 0;
}
