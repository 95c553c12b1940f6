/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-apparmor: the apparmor feature of a managed container;
 * lib/lsm/apparmorsetup.h does the work, lib/hook/helpermain.h the rest.
 *
 *   lxcri-apparmor pre-start <id>   check the profile, or make and load the generated one
 *   lxcri-apparmor teardown <id>    unload the generated profile the state records
 *
 * LXCRI_APPARMOR_DATA_DIR and LXCRI_APPARMOR_PARSER replace the template
 * directory and apparmor_parser (for tests); LXCRI_SYS_DIR the sysfs root.
 */

#include <stdlib.h>

#include "lib/lsm/apparmor.h"
#include "lib/lsm/apparmorsetup.h"
#include "lib/hook/helpermain.h"
#include "lib/basic/paths.h"

static int setup_of(const struct helper_run *run, struct lxcri_paths *paths,
		    struct apparmorsetup *ret, struct lxcri_error *err)
{
	const char *data_dir = getenv("LXCRI_APPARMOR_DATA_DIR");
	const char *parser = getenv("LXCRI_APPARMOR_PARSER");
	int r = paths_init(paths);

	if (r < 0)
		return error_set_errno(err, r, "Invalid LXCRI_* path in the environment");
	*ret = (struct apparmorsetup){
		.id = run->id,
		.state_dir = run->state_dir,
		.sys_dir = paths->sys_dir,
		.run_dir = paths->run_dir,
		.data_dir = data_dir && *data_dir ? data_dir : APPARMOR_DATA_DIR,
		.parser = parser && *parser ? parser : APPARMOR_PARSER,
		/* Half of what lxcri-lifecycle gives this helper: time left to say why. */
		.timeout_ms = run->settings->helper_timeout_ms / 2,
	};
	return 0;
}

static int apply(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct lxcri_paths paths;
	struct apparmorsetup as;
	int r = setup_of(run, &paths, &as, err);

	if (r < 0)
		return r;
	return apparmorsetup_apply(&as, run->config, s, err);
}

static size_t teardown(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct lxcri_paths paths;
	struct apparmorsetup as;

	if (setup_of(run, &paths, &as, err) < 0)
		return 1;
	return apparmorsetup_teardown(&as, s, err);
}

int main(int argc, char **argv)
{
	static const struct helper_feature feature = { "lxcri-apparmor", apply, teardown };
	return helper_main(&feature, argc, argv);
}
