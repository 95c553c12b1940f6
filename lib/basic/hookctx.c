/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/hookctx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"

static const char *const hook_type_names[_HOOK_TYPE_MAX] = {
	[HOOK_PRE_START] = "pre-start", [HOOK_PRE_MOUNT] = "pre-mount",	  [HOOK_MOUNT] = "mount",
	[HOOK_AUTODEV] = "autodev",	[HOOK_START_HOST] = "start-host", [HOOK_START] = "start",
	[HOOK_STOP] = "stop",		[HOOK_POST_STOP] = "post-stop",	  [HOOK_CLONE] = "clone",
	[HOOK_DESTROY] = "destroy",
};

const char *hookctx_type_to_string(enum hook_type t)
{
	if (t < 0 || t >= _HOOK_TYPE_MAX)
		return "invalid";
	return hook_type_names[t];
}

enum hook_type hookctx_type_from_string(const char *s)
{
	for (int i = 0; s && i < _HOOK_TYPE_MAX; i++)
		if (strcmp(s, hook_type_names[i]) == 0)
			return (enum hook_type)i;
	return HOOK_TYPE_INVALID;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int hookctx_parse(int n_args, char *const *args, struct hook_context *ctx)
{
	const char *version = env_nonempty("LXC_HOOK_VERSION");
	const char *pid;

	*ctx = (struct hook_context){ .type = HOOK_TYPE_INVALID };

	if (version && strcmp(version, "1") == 0) {
		ctx->version = 1;
		ctx->id = env_nonempty("LXC_NAME");
		ctx->section = env_nonempty("LXC_HOOK_SECTION");
		ctx->type = hookctx_type_from_string(env_nonempty("LXC_HOOK_TYPE"));
	} else if (n_args >= 3) {
		ctx->version = 0;
		ctx->id = args[0];
		ctx->section = args[1];
		ctx->type = hookctx_type_from_string(args[2]);
	}
	if (!ctx->id || !*ctx->id || ctx->type == HOOK_TYPE_INVALID)
		return -EINVAL;
	if (!ctx->section)
		ctx->section = "lxc";

	pid = env_nonempty("LXC_PID");
	if (pid) {
		char *end;
		long v;

		errno = 0;
		v = strtol(pid, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0 && v <= 0x3fffffff)
			ctx->pid = (pid_t)v;
	}
	ctx->rootfs_path = env_nonempty("LXC_ROOTFS_PATH");
	ctx->rootfs_mount = env_nonempty("LXC_ROOTFS_MOUNT");
	ctx->config_file = env_nonempty("LXC_CONFIG_FILE");
	ctx->target = env_nonempty("LXC_TARGET");
	/* LXC closes these fds before post-stop, but leaves the variables set. */
	if (ctx->type != HOOK_STOP)
		return 0;
	if (ctx->version == 1) {
		ctx->net_ns = env_nonempty("LXC_NET_NS");
		ctx->mnt_ns = env_nonempty("LXC_MNT_NS");
		return 0;
	}
	for (int i = 3; i < n_args; i++) {
		if (strncmp(args[i], "net:", 4) == 0 && args[i][4])
			ctx->net_ns = args[i] + 4;
		else if (strncmp(args[i], "mnt:", 4) == 0 && args[i][4])
			ctx->mnt_ns = args[i] + 4;
	}
	return 0;
}

int hookctx_from_argv(int argc, char **argv, struct lxcri_paths *paths, struct hook_context *ctx,
		      const char **ret_bad)
{
	int first;

	*ret_bad = NULL;
	for (first = 1; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
		if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		}
		if (paths_parse_option(paths, argv[first]) <= 0) {
			*ret_bad = argv[first];
			return -EINVAL;
		}
	}
	return hookctx_parse(argc - first, argv + first, ctx);
}
