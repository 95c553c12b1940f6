/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-hook: what LXC runs, through the common.conf.d drop-in, for every
 * container on the host. See lxcri-hook(8).
 *
 * This is the fast path, and it links nothing but libc: a container without
 * an lxcri config (and without state left by an earlier run) costs a stat(2)
 * or two and exit 0. Nothing here may stop an unmanaged container: every
 * doubt about *our* side ends in exit 0. A managed container is handed to
 * lxcri-lifecycle with the same arguments (execve, no fork).
 */

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/hookctx.h"
#include "lib/basic/log.h"
#include "lib/basic/paths.h"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static bool managed(const struct lxcri_paths *paths, const struct hook_context *ctx)
{
	char path[PATH_MAX];

	switch (ctx->type) {
	case HOOK_PRE_START:
		/* A config, or the state of an earlier run to clean up. */
		if (paths_container_config(paths, ctx->id, path, sizeof(path)) == 0 && exists(path))
			return true;
		break;
	case HOOK_START_HOST:
	case HOOK_STOP:
	case HOOK_POST_STOP:
		/* Teardown follows the recorded state, not the config. */
		break;
	default:
		return false;
	}
	return paths_state_dir(paths, ctx->id, path, sizeof(path)) == 0 && exists(path);
}

int main(int argc, char **argv)
{
	struct lxcri_paths paths;
	struct hook_context ctx;
	char lifecycle[PATH_MAX];
	const char *bad;
	int r;

	if (paths_init(&paths) < 0)
		return 0;
	if (hookctx_from_argv(argc, argv, &paths, &ctx, &bad) < 0) {
		if (bad) {
			log_setup("lxcri-hook", NULL);
			log_error("Ignoring the hook: bad option '%s' in the LXC hook line", bad);
		}
		return 0;
	}
	if (!paths_id_valid(ctx.id))
		return 0;
	if (!managed(&paths, &ctx))
		return 0;

	r = paths_helper(&paths, "lxcri-lifecycle", lifecycle, sizeof(lifecycle));
	if (r == 0) {
		argv[0] = lifecycle;
		execv(lifecycle, argv);
		r = -errno;
	}
	log_setup("lxcri-hook", ctx.id);
	log_error_errno(r, "Failed to execute '%s' for the %s hook: %m", lifecycle,
			hookctx_type_to_string(ctx.type));
	/* Only a managed start is refused: stop and post-stop never block. */
	return ctx.type == HOOK_PRE_START || ctx.type == HOOK_START_HOST ? 1 : 0;
}
