/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-lifecycle: what lxcri-hook hands a managed container to (execve,
 * same arguments). Validates at pre-start, applies at start-host, tears
 * down at stop and post-stop; see lib/hook/lifecycle.h and lxcri-hook(8).
 * Links libc and json-c, plus what the lib modules it uses need.
 */

#include <stdlib.h>

#include "lib/basic/hookctx.h"
#include "lib/hook/lifecycle.h"
#include "lib/basic/log.h"
#include "lib/basic/report.h"
#include "lib/basic/paths.h"

int main(int argc, char **argv)
{
	struct lxcri_error err = {};
	struct lxcri_paths paths;
	struct hook_context ctx;
	struct lifecycle lc;
	const char *bad;
	int r;

	log_setup("lxcri-hook", NULL);
	report_set_sink(log_report);
	r = paths_init(&paths);
	if (r < 0)
		return log_error_errno(r, "Invalid LXCRI_* path in the environment: %m"), 1;
	r = hookctx_from_argv(argc, argv, &paths, &ctx, &bad);
	if (r < 0) {
		log_error("Invalid hook command line%s%s%s", bad ? ": bad option '" : "",
			  bad ? bad : "", bad ? "'" : "");
		return 1;
	}
	log_set_container(ctx.id);
	/* Helpers we run see the same roots. */
	(void)paths_export(&paths);

	r = lifecycle_init(&lc, &paths, &ctx, &err);
	if (r >= 0)
		r = lifecycle_run(&lc, &err);
	if (r < 0) {
		log_error("Refusing to start: %s", err.message);
		return 1;
	}
	return 0;
}
