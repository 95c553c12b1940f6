/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri net add|del`: see netcmd.h. */
#include "cli/netcmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/status.h"
#include "lib/basic/ctns.h"
#include "lib/net/netsetup.h"

/* The change: add value, or remove name. */
struct net_change {
	const char *value; /* add */
	const char *name;  /* del; add: the new net's, once edited */
	char added[IFNAMSIZ];
};

static int edit_add(void *ctx, const char *path, const char *text, size_t size, int index,
		    struct configedit_result *ret, struct lxcri_error *err)
{
	struct net_change *c = ctx;
	const struct config_net *net;
	int r = configedit_net_add(path, text, size,
				   index < 0 ? CONFIGEDIT_NET_LOWEST : (unsigned)index, c->value,
				   ret, err);

	if (r < 0)
		return r;
	net = configedit_find_net_index(ret->config, ret->index);
	snprintf(c->added, sizeof(c->added), "%s", net ? net->name : "");
	c->name = c->added;
	return 0;
}

static int edit_del(void *ctx, const char *path, const char *text, size_t size, int index,
		    struct configedit_result *ret, struct lxcri_error *err)
{
	const struct net_change *c = ctx;

	(void)index;
	return configedit_net_del(path, text, size, c->name, ret, err);
}

static void describe(void *ctx, const struct livechange *lc, char *buf, size_t size)
{
	const struct net_change *c = ctx;

	snprintf(buf, size, "net%u ('%s')", lc->edit.index, c->name);
}

static bool applied(void *ctx, const struct livechange *lc)
{
	const struct net_change *c = ctx;

	return netsetup_has_net(lc->live.state, c->name);
}

/* The running container's namespaces (from LXC) and what applies a net in them. */
static int with_netsetup(struct livechange *lc, struct ctns *ctns, struct netsetup *ret,
			 struct lxcri_error *err)
{
	int r = status_lxc_namespaces(lc->paths, lc->id, lc->pid, ctns, err);

	*ret = (struct netsetup){
		.id = lc->id,
		.ctns = ctns,
		.state_dir = lc->files.state_dir,
		.settings = &lc->live.settings,
		.hook = "lxcri net",
	};
	return r;
}

static int apply_add(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	_cleanup_(ctns_close) struct ctns ctns = CTNS_NONE;
	const struct net_change *c = ctx;
	const struct config_net *net = configedit_find_net_index(lc->now->config, lc->edit.index);
	struct netsetup ns;
	int r = with_netsetup(lc, &ctns, &ns, err);

	if (r < 0)
		return r;
	if (!net)
		return error_set(err, -ENOENT, "net%u ('%s') is not in the config", lc->edit.index,
				 c->name);
	return netsetup_apply_net(&ns, net, lc->live.state, err);
}

/* Takes the net out of the container: the removal, and the undo of an addition. */
static int remove_net(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	_cleanup_(ctns_close) struct ctns ctns = CTNS_NONE;
	const struct net_change *c = ctx;
	struct netsetup ns;
	int r = with_netsetup(lc, &ctns, &ns, err);

	if (r < 0)
		return r;
	return netsetup_teardown(&ns, lc->live.state, c->name, err) > 0 ? -EIO : 0;
}

int netcmd_add(const struct lxcri_paths *p, const char *id, const char *value, char *ret_name,
	       size_t name_size, struct livechange_result *result, struct lxcri_error *err)
{
	static const struct livechange_ops ops = {
		.verb = "net add",
		.edit = edit_add,
		.describe = describe,
		.apply = apply_add,
		.undo = remove_net,
	};
	struct net_change c = { .value = value, .name = "" };
	int r = livechange_run(p, id, &ops, &c, result, err);

	snprintf(ret_name, name_size, "%s", c.added);
	return r;
}

int netcmd_del(const struct lxcri_paths *p, const char *id, const char *name,
	       struct livechange_result *result, struct lxcri_error *err)
{
	static const struct livechange_ops ops = {
		.verb = "net del",
		.removal = true,
		.edit = edit_del,
		.describe = describe,
		.applied = applied,
		.apply = remove_net,
	};
	struct net_change c = { .name = name };

	return livechange_run(p, id, &ops, &c, result, err);
}
