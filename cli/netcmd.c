/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri net add|del|list`: see netcmd.h. */
#include "cli/netcmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/status.h"
#include "lib/basic/ctns.h"
#include "lib/net/netsetup.h"
#include "cli/cli.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/log.h"
#include "lib/basic/valid.h"
#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/shared/json.h"
#include "lib/shared/state.h"
#include "cli/ct.h"

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

/* lxcri net add|del|list <id> ... */

/* An edit whose result the parser refuses is an invalid config (exit 3); anything else failed. */
static int edit_exit_code(int r)
{
	return r == -EINVAL || r == -EEXIST || r == -EFBIG ? EXIT_INVALID : EXIT_FAILED;
}

/* What a net change did to the container, for the message. */
enum net_change_effect {
	NET_CHANGE_NEXT_START, /* not running: the config only */
	NET_CHANGE_LIVE,       /* the running container too */
	NET_CHANGE_NOT_APPLIED /* running, but without that net (del of a net it never got) */
};

static void print_net_change(const struct cli *cli, const char *id, const char *file, bool add,
			     unsigned index, const char *name, enum net_change_effect effect)
{
	const char *done = add ? "added to" : "removed from";

	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "net", json_object_new_int((int)index));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "live",
				       json_object_new_boolean(effect == NET_CHANGE_LIVE));
		cli_print_json(cli, o);
	} else if (effect == NET_CHANGE_LIVE) {
		printf("net%u ('%s') %s '%s' and the running container '%s'\n", index, name, done,
		       file, id);
	} else if (effect == NET_CHANGE_NOT_APPLIED) {
		printf("net%u ('%s') %s '%s'; the running container '%s' did not have it\n", index,
		       name, done, file, id);
	} else {
		printf("net%u ('%s') %s '%s'; container '%s' is not running: the change takes "
		       "effect at its next start\n",
		       index, name, done, file, id);
	}
}

int netcmd_do_add(struct cli *cli)
{
	struct livechange_result ch;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];
	const char *id;
	int r;

	if (cli->argc != 2)
		return cli_usage_error(
		    "%s", cli->argc > 2 ? "usage: lxcri net add <id> <property string> (quote "
					  "the property string if it has blanks)"
					: "usage: lxcri net add <id> <property string>");
	id = cli->argv[0];
	if (!paths_id_valid(id))
		return cli_usage_error("Invalid container id '%s'", id);
	log_setup("lxcri", id);
	log_set_stderr(false);
	r = netcmd_add(&cli->paths, id, cli->argv[1], name, sizeof(name), &ch, &err);
	if (r < 0)
		return cli_report_failure(ch.config_fault ? edit_exit_code(r) : EXIT_FAILED, "%s",
					  err.message);
	print_net_change(cli, id, ch.file, true, ch.index, name,
			 ch.live ? NET_CHANGE_LIVE : NET_CHANGE_NEXT_START);
	return EXIT_OK;
}

int netcmd_do_del(struct cli *cli)
{
	struct livechange_result ch;
	struct lxcri_error err = {};
	const char *id, *name;
	int r;

	if (cli->argc != 2)
		return cli_usage_error("%s", "usage: lxcri net del <id> <name>");
	id = cli->argv[0];
	name = cli->argv[1];
	if (!paths_id_valid(id))
		return cli_usage_error("Invalid container id '%s'", id);
	if (!valid_ifname(name))
		return cli_usage_error("Invalid interface name '%s'", name);
	log_setup("lxcri", id);
	log_set_stderr(false);
	r = netcmd_del(&cli->paths, id, name, &ch, &err);
	if (r < 0)
		return cli_report_failure(ch.config_fault ? edit_exit_code(r) : EXIT_FAILED, "%s",
					  err.message);
	print_net_change(cli, id, ch.file, false, ch.index, name,
			 !ch.live	  ? NET_CHANGE_NEXT_START
			 : ch.was_applied ? NET_CHANGE_LIVE
					  : NET_CHANGE_NOT_APPLIED);
	return EXIT_OK;
}

static void print_net_table(struct json_object *nets)
{
	size_t n = json_object_array_length(nets);

	printf("%-6s %-15s %-6s %-15s %-15s %-7s %-7s %s\n", "NET", "NAME", "TYPE", "ATTACH",
	       "HOST", "APPLIED", "LINK", "CHECK");
	for (size_t i = 0; i < n; i++) {
		struct json_object *net = json_object_array_get_idx(nets, i);
		const char *type = cli_json_string_of(net, "type") ?: "-";
		bool cni = strcmp(type, "cni") == 0;
		char key[16];

		snprintf(key, sizeof(key), "net%d", cli_json_int_of(net, "net"));
		printf("%-6s %-15s %-6s %-15s %-15s %-7s %-7s %s\n", key,
		       cli_json_string_of(net, "name") ?: "-", type,
		       cli_json_string_of(net, cni ? "network" : "bridge") ?: "-",
		       cli_json_string_of(net, "host") ?: "-",
		       cli_json_bool_of(net, "applied") ? "yes" : "no",
		       cli_json_string_of(net, "link") ?: "-",
		       cli_json_string_of(net, "check") ?: "-");
	}
}

int netcmd_do_list(struct cli *cli)
{
	_cleanup_(ctns_close) struct ctns ctns = CTNS_NONE;
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = NULL;
	_cleanup_json_ struct json_object *nets = NULL;
	struct lxcri_error err = {};
	struct settings settings;
	struct ct_files f;
	struct stat st;
	const char *id;
	pid_t pid = 0;
	int r;

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri net list <id>");
	id = cli->argv[0];
	if (!paths_id_valid(id) || ct_files_init(&cli->paths, id, &f) < 0)
		return cli_usage_error("Invalid container id '%s'", id);
	log_setup("lxcri", id);
	log_set_stderr(false);

	if (stat(f.config, &st) < 0 && errno == ENOENT)
		r = config_parse(f.config, "", 0, &c, &err);
	else
		r = config_load(f.config, &c, &err);
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_INVALID;
	}
	/* Without LXC's word or a state the list still shows the config: say what is missing. */
	r = ct_running_pid(&cli->paths, id, &pid, &err);
	if (r < 0)
		fprintf(stderr, "lxcri: warning: %s\n", err.message);
	r = state_load(f.state_dir, &s, &err);
	if (r < 0 && r != -ENOENT)
		fprintf(stderr, "lxcri: warning: %s\n", err.message);
	if (settings_load_host(&cli->paths, &settings, &err) < 0)
		fprintf(stderr, "lxcri: warning: %s (using the defaults)\n", err.message);

	if (pid > 0 && status_lxc_namespaces(&cli->paths, id, pid, &ctns, &err) < 0)
		fprintf(stderr, "lxcri: warning: %s\n", err.message);
	struct netsetup ns = {
		.id = id,
		.ctns = &ctns,
		.state_dir = f.state_dir,
		.settings = &settings,
	};
	r = netsetup_status(&ns, c, s, &nets, &err);
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT)
		cli_print_json(cli, nets);
	else if (json_object_array_length(nets) == 0)
		printf("No nets in '%s'%s.\n", f.config,
		       stat(f.config, &st) < 0 ? " (it does not exist)" : "");
	else
		print_net_table(nets);
	return EXIT_OK;
}
