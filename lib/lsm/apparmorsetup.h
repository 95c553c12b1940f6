/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The apparmor feature of a managed container, for lxcri-apparmor: at
 * pre-start, check the profile its config asks for (refusing the start
 * when AppArmor is off or a named profile is not loaded), or make, record
 * and load its generated profile; at teardown, unload what the state
 * recorded. Does not log: what went wrong is in err.
 */

#include <stdint.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"
#include "lib/shared/state.h"

#define APPARMOR_ITEM_KIND "apparmor.profile"

struct apparmorsetup {
	const char *id;
	const char *state_dir;
	const char *sys_dir;  /* /sys */
	const char *run_dir;  /* /run/lxcri: profiles go to <run_dir>/apparmor/ */
	const char *data_dir; /* APPARMOR_DATA_DIR: the template */
	const char *parser;   /* APPARMOR_PARSER */
	uint64_t timeout_ms;  /* per apparmor_parser run */
};

int apparmorsetup_apply(const struct apparmorsetup *as, const struct config *c, struct state *s,
			struct lxcri_error *err);
/* Items left (0: all undone); err says why when > 0. */
size_t apparmorsetup_teardown(const struct apparmorsetup *as, struct state *s,
			      struct lxcri_error *err);
