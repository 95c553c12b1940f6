/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-net: the networks feature (netN, routeN, dns) of a managed
 * container; lib/net/netsetup.h does the work, lib/hook/helpermain.h the rest.
 *
 *   lxcri-net start-host <id>   apply the config snapshot's nets, routes, dns
 *   lxcri-net teardown <id>     undo the net.* and dns.* items of the state
 */

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/ctns.h"
#include "lib/hook/helpermain.h"
#include "lib/basic/log.h"
#include "lib/net/netsetup.h"

/* The rootfs as a host directory (LXC_ROOTFS_PATH, "dir:" stripped), or NULL. */
static const char *rootfs_dir(void)
{
	const char *p = getenv("LXC_ROOTFS_PATH");
	struct stat st;

	if (p && strncmp(p, "dir:", 4) == 0)
		p += 4;
	if (!p || p[0] != '/' || stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return p;
}

static struct netsetup setup_of(const struct helper_run *run, const struct ctns *ctns)
{
	return (struct netsetup){
		.id = run->id,
		.ctns = ctns,
		.state_dir = run->state_dir,
		.settings = run->settings,
	};
}

/* The container's namespaces: of LXC_PID (pinned), or as LXC handed them to the stop hook. */
static int open_namespaces(const struct helper_run *run, struct ctns *ret, struct lxcri_error *err)
{
	if (run->pid > 0)
		return ctns_open_pid(run->pid, ret, err);
	return ctns_open_paths(run->netns, run->mntns, ret, err);
}

static int apply(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	_cleanup_(ctns_close) struct ctns ctns = CTNS_NONE;
	struct netsetup ns = setup_of(run, &ctns);
	int r = open_namespaces(run, &ctns, err);

	if (r < 0)
		return r;
	ns.rootfs = rootfs_dir();
	return netsetup_apply(&ns, run->config, s, err);
}

static size_t teardown(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	_cleanup_(ctns_close) struct ctns ctns = CTNS_NONE;
	struct netsetup ns = setup_of(run, &ctns);
	struct lxcri_error e = {};

	/* Without them the items say what can still be undone (netsetup.h). */
	if (open_namespaces(run, &ctns, &e) < 0)
		log_warning("Container's namespaces not at hand: %s", e.message);
	return netsetup_teardown(&ns, s, NULL, err);
}

int main(int argc, char **argv)
{
	static const struct helper_feature feature = { "lxcri-net", apply, teardown };
	return helper_main(&feature, argc, argv);
}
