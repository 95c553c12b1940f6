/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What LXC tells a hook. Hook version 0 (PVE, and LXC's default) passes
 * "<name> <section> <type> [extra...]" as arguments; version 1 passes
 * LXC_HOOK_TYPE, LXC_HOOK_SECTION and LXC_NAME in the environment. Both
 * also set LXC_PID (from start-host on), LXC_ROOTFS_PATH, LXC_CONFIG_FILE;
 * at stop, references to the container's namespaces come as extra
 * arguments ("net:/proc/<monitor pid>/fd/<n>", version 0) or as LXC_NET_NS,
 * LXC_MNT_NS, ... (version 1). libc only.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "lib/basic/paths.h"

enum hook_type {
	HOOK_PRE_START,
	HOOK_PRE_MOUNT,
	HOOK_MOUNT,
	HOOK_AUTODEV,
	HOOK_START_HOST,
	HOOK_START,
	HOOK_STOP,
	HOOK_POST_STOP,
	HOOK_CLONE,
	HOOK_DESTROY,
	_HOOK_TYPE_MAX,
	HOOK_TYPE_INVALID = -1,
};

struct hook_context {
	int version; /* 0 or 1 */
	enum hook_type type;
	const char *id;		  /* the container name (PVE: the vmid) */
	const char *section;	  /* "lxc" (or "net" for network hooks) */
	pid_t pid;		  /* LXC_PID, 0 if not given */
	const char *rootfs_path;  /* LXC_ROOTFS_PATH */
	const char *rootfs_mount; /* LXC_ROOTFS_MOUNT */
	const char *config_file;  /* LXC_CONFIG_FILE */
	/*
	 * The container's namespaces at the stop hook only, as LXC hands them
	 * ("/proc/<monitor pid>/fd/<n>"): the "net:" and "mnt:" arguments with
	 * version 0, LXC_NET_NS and LXC_MNT_NS with version 1. NULL at any other
	 * hook, where what LXC's environment may still say is stale.
	 */
	const char *net_ns;
	const char *mnt_ns;
	const char *target; /* LXC_TARGET at stop/post-stop: "stop" or "reboot" */
};

/*
 * What lxcri-lifecycle passes on to the helpers it runs: the stop hook's
 * namespace references (else unset), so that a helper never needs a PID
 * of a container that may be gone. LXC_PID is left to them at start-host
 * only.
 */
#define HOOK_ENV_CT_NETNS "LXCRI_CT_NETNS"
#define HOOK_ENV_CT_MNTNS "LXCRI_CT_MNTNS"

const char *hookctx_type_to_string(enum hook_type t);
enum hook_type hookctx_type_from_string(const char *s);

/*
 * Fills ctx from the positional arguments (after our own options: args[0]
 * is the first positional) and the environment. Pointers borrow from args
 * and environ. -EINVAL when neither form is complete.
 */
int hookctx_parse(int n_args, char *const *args, struct hook_context *ctx);

/*
 * The whole command line of a hook program: our path options first
 * ("--run-dir=DIR", ..., optionally ended by "--"), then what LXC appends.
 * paths must be initialised (paths_init). On a bad option returns -EINVAL
 * with *ret_bad pointing at it; -EINVAL with *ret_bad NULL if LXC's part is
 * incomplete.
 */
int hookctx_from_argv(int argc, char **argv, struct lxcri_paths *paths, struct hook_context *ctx,
		      const char **ret_bad);
