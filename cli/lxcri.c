/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri: the companion an admin uses beside pct. See lxcri(1).
 * A verb is one function and one line of the command table.
 *
 * Exit codes: 0 success; 1 the operation failed (or `check` found a
 * failure); 2 usage error; 3 invalid input (`config validate`, a `net` or
 * `port` change whose result would be invalid, a profile that is malformed
 * or cannot be expressed without --accept-loss, a key that is not set);
 * 4 not root.
 */

#include <json-c/json.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "lib/config/configedit.h"
#include "cli/ct.h"
#include "lib/basic/fileio.h"
#include "cli/gc.h"
#include "cli/guardcmd.h"
#include "cli/hookcmd.h"
#include "cli/hostcheck.h"
#include "lib/shared/json.h"
#include "lib/hook/lifecycle.h"
#include "lib/basic/log.h"
#include "lib/basic/report.h"
#include "lib/net/netsetup.h"
#include "lib/basic/parse.h"
#include "lib/basic/valid.h"
#include "lib/basic/paths.h"
#include "cli/netcmd.h"
#include "cli/portcmd.h"
#include "lib/port/portwait.h"
#include "lib/lsm/apparmor.h"
#include "cli/profilecmd.h"
#include "lib/lsm/profiles.h"
#include "lib/lsm/seccompconv.h"
#include "cli/status.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INVALID = 3,
	EXIT_NOT_ROOT = 4,
};

enum output_format { OUTPUT_TEXT, OUTPUT_JSON, OUTPUT_JSON_PRETTY };

struct cli {
	enum output_format format;
	const char *file;    /* --file */
	const char *host_ip; /* --host-ip (port add) */
	const char *net;     /* --net (port add) */
	bool dry_run;	     /* --dry-run (hooks run) */
	bool accept_loss;    /* --accept-loss (seccomp convert) */
	bool apply;	     /* --apply (gc) */
	bool force;	     /* --force (config import) */
	struct lxcri_paths paths;
	int argc; /* positional arguments after the verb (and sub-verb) */
	char **argv;
	const char *verb; /* the command's verb: "seccomp" */
};

struct command {
	const char *verb;
	const char *sub; /* NULL: the verb has no sub-verb */
	int (*run)(struct cli *cli);
	const char *usage;
};

static int do_help(struct cli *cli);

static void print_json(const struct cli *cli, struct json_object *o)
{
	int flags =
	    JSON_C_TO_STRING_NOSLASHESCAPE |
	    (cli->format == OUTPUT_JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
					       : JSON_C_TO_STRING_PLAIN);
	printf("%s\n", json_object_to_json_string_ext(o, flags));
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "lxcri: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'lxcri help'.\n");
	return EXIT_USAGE;
}

static void format_time(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "-");
}

static int do_version(struct cli *cli)
{
	if (cli->argc > 0)
		return usage_error("'version' takes no argument, got '%s'", cli->argv[0]);
	if (cli->format == OUTPUT_TEXT) {
		printf("lxcri %s\n", LXCRI_VERSION);
	} else {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "version", json_object_new_string(LXCRI_VERSION));
		print_json(cli, o);
	}
	return EXIT_OK;
}

static int do_check(struct cli *cli)
{
	struct check_result results[HOSTCHECK_MAX];
	size_t n, counts[3] = {};

	if (cli->argc > 0)
		return usage_error("'check' takes no argument, got '%s'", cli->argv[0]);
	n = hostcheck_run(&cli->paths, results, ELEMENTSOF(results));
	for (size_t i = 0; i < n; i++)
		counts[results[i].status]++;
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = hostcheck_to_json(results, n);
		print_json(cli, o);
	} else {
		for (size_t i = 0; i < n; i++) {
			printf("%-5s %-16s %s\n", hostcheck_status_to_string(results[i].status),
			       results[i].name, results[i].detail);
			if (results[i].hint[0] && results[i].status != CHECK_OK)
				printf("%-5s %-16s hint: %s\n", "", "", results[i].hint);
		}
		printf("%zu ok, %zu warn, %zu fail\n", counts[CHECK_OK], counts[CHECK_WARN],
		       counts[CHECK_FAIL]);
	}
	return counts[CHECK_FAIL] > 0 ? EXIT_FAILED : EXIT_OK;
}

static const char *config_word(const struct ct_status *s)
{
	if (!s->configured)
		return "none";
	return s->valid ? "valid" : "invalid";
}

static const char *json_string_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool json_bool_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int json_int_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : -1;
}

/* One net of netsetup_status() on a line: "net1 eth1: bridge vmbr1, ..., applied, link up". */
static void print_net_line(const char *indent, struct json_object *net)
{
	const char *type = json_string_of(net, "type"), *link = json_string_of(net, "link");
	const char *check = json_string_of(net, "check"), *host = json_string_of(net, "host");
	bool cni = type && strcmp(type, "cni") == 0;

	printf("%snet%d %s: %s %s", indent, json_int_of(net, "net"),
	       json_string_of(net, "name") ?: "?", cni ? "cni" : "bridge",
	       json_string_of(net, cni ? "network" : "bridge") ?: "?");
	if (host)
		printf(", host %s", host);
	printf(", %s", json_bool_of(net, "applied") ? "applied" : "not applied");
	if (link)
		printf(", link %s", link);
	if (check)
		printf(", CHECK %s%s", strcmp(check, "ok") == 0 ? "" : "failed: ", check);
	printf("\n");
}

static void print_status_live(const struct ct_status *s)
{
	if (s->lxc_error[0]) {
		printf("  lxc:        unknown: %s\n", s->lxc_error);
		return;
	}
	if (!s->lxc_known)
		return;
	if (!s->lxc.exists)
		printf("  lxc:        no such container in LXC\n");
	else if (s->lxc.pid > 0)
		printf("  lxc:        %s (init pid %d)\n", s->lxc.state, (int)s->lxc.pid);
	else
		printf("  lxc:        %s\n", s->lxc.state);
	if (s->state && !status_lxc_running(&s->lxc) &&
	    (s->state->n_items > 0 || strcmp(s->state->phase, "running") == 0 ||
	     strcmp(s->state->phase, "starting") == 0))
		printf("  note:       the container does not run: %zu item(s) recorded here may "
		       "still be applied; its next start undoes them first\n",
		       s->state->n_items);
}

/* What a start could not undo, set aside in <run_dir>/.stale. */
static void print_set_aside(const struct ct_status *s)
{
	size_t n = s->set_aside ? json_object_array_length(s->set_aside) : 0;

	for (size_t i = 0; i < n; i++)
		printf("%s%s\n", i == 0 ? "  set aside:  " : "              ",
		       json_object_get_string(json_object_array_get_idx(s->set_aside, i)));
}

static void print_status_nets(const struct ct_status *s)
{
	size_t n;

	if (s->nets_error[0]) {
		printf("  nets:       unknown: %s\n", s->nets_error);
		return;
	}
	if (!s->nets)
		return;
	n = json_object_array_length(s->nets);
	if (n == 0)
		printf("  nets:       none\n");
	for (size_t i = 0; i < n; i++)
		print_net_line(i == 0 ? "  nets:       " : "              ",
			       json_object_array_get_idx(s->nets, i));
}

/* "port0 tcp 8080: active (10.0.0.5:80)", "...: pending (waiting for ...)", "...: failed: ..." */
static void print_status_ports(const struct ct_status *s)
{
	_cleanup_json_ struct json_object *ports =
	    s->state ? portwait_ports_status(s->state) : NULL;
	char line[1400];

	for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
		portwait_describe(json_object_array_get_idx(ports, i), line, sizeof(line));
		printf("%s%s\n", i == 0 ? "  ports:      " : "              ", line);
	}
}

static void print_hook_runs(struct json_object *runs)
{
	char when[32];

	if (!runs || json_object_object_length(runs) == 0)
		return;
	printf("\nLast runs:\n");
	json_object_object_foreach(runs, key, run)
	{
		struct json_object *v;
		const char *error = json_string_of(run, "error");

		(void)key;
		format_time(json_object_object_get_ex(run, "time", &v) ? json_object_get_int64(v)
								       : 0,
			    when, sizeof(when));
		printf("  %-16s %s  %s (user %s): ", json_string_of(run, "stage"),
		       json_string_of(run, "path"), when, json_string_of(run, "user"));
		if (error)
			printf("%s\n", error);
		else
			printf("exit %d in %d ms\n", json_int_of(run, "exit"),
			       json_int_of(run, "duration_ms"));
	}
}

static void print_status_detail(const struct ct_status *s)
{
	char when[32];

	printf("CT %s\n", s->id);
	if (!s->configured)
		printf("  config:     none ('%s' does not exist)\n", s->config_path);
	else if (s->valid)
		printf("  config:     %s (valid, %zu key(s))\n", s->config_path, s->n_keys);
	else
		printf("  config:     %s (invalid)\n  error:      %s\n", s->config_path,
		       s->config_error);
	if (s->config_changed)
		printf("  note:       the config changed since the container started; the change "
		       "takes effect at the next start\n");
	if (s->state_error[0])
		printf("  state:      unreadable: %s\n", s->state_error);
	print_status_live(s);
	print_set_aside(s);
	if (!s->state) {
		printf("  phase:      %s\n", s->state_error[0]
						 ? "unknown (the state cannot be read)"
						 : "not started by lxcri (nothing applied)");
		return;
	}
	format_time(s->state->updated_ms, when, sizeof(when));
	printf("  phase:      %s (hook %s, %s)\n", s->state->phase, s->state->hook, when);
	printf("  applied:    %zu item(s)\n", s->state->n_items);
	for (size_t i = 0; i < s->state->n_items; i++)
		printf("              %s (%s, %s)\n", s->state->items[i].kind,
		       s->state->items[i].status == STATE_ITEM_APPLIED ? "applied" : "pending",
		       s->state->items[i].hook);
	if (s->state->has_error) {
		format_time(s->state->error_time_ms, when, sizeof(when));
		printf("  last error: %s (%s, %s)\n", s->state->error_message, s->state->error_hook,
		       when);
	} else {
		printf("  last error: none\n");
	}
	print_status_nets(s);
	print_status_ports(s);
	print_hook_runs(s->hook_runs);
}

static int do_status(struct cli *cli)
{
	struct ct_status *list = NULL;
	size_t n = 0;
	const char *id = cli->argc > 0 ? cli->argv[0] : NULL;
	int r;

	if (cli->argc > 1)
		return usage_error("'status' takes at most one container id, got '%s'",
				   cli->argv[1]);
	if (id && !paths_id_valid(id))
		return usage_error("Invalid container id '%s'", id);
	r = status_collect(&cli->paths, id, &list, &n);
	if (r < 0) {
		fprintf(stderr, "lxcri: Failed to collect the status: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = status_to_json(list, n);
		print_json(cli, o);
	} else if (id) {
		print_status_detail(&list[0]);
	} else if (n == 0) {
		printf("No container has an lxcri config or state.\n");
	} else {
		printf("%-12s %-8s %-9s %-8s %s\n", "ID", "CONFIG", "PHASE", "APPLIED",
		       "LAST ERROR");
		for (size_t i = 0; i < n; i++) {
			const struct state *st = list[i].state;
			bool unreadable = list[i].state_error[0];
			const char *error = list[i].config_error[0] ? list[i].config_error
					    : unreadable	    ? list[i].state_error
					    : st && st->has_error   ? st->error_message
								    : "-";
			char applied[24];

			snprintf(applied, sizeof(applied), "%zu", st ? st->n_items : 0);
			printf("%-12s %-8s %-9s %-8s %s\n", list[i].id, config_word(&list[i]),
			       st	    ? st->phase
			       : unreadable ? "unreadable"
					    : "-",
			       unreadable ? "?" : applied, error);
		}
	}
	status_free(list, n);
	return EXIT_OK;
}

static int do_config_validate(struct cli *cli)
{
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	char path[PATH_MAX];
	int r;

	if (cli->file && cli->argc == 0) {
		snprintf(path, sizeof(path), "%s", cli->file);
	} else if (!cli->file && cli->argc == 1) {
		if (!paths_id_valid(cli->argv[0]))
			return usage_error("Invalid container id '%s'", cli->argv[0]);
		r = paths_container_config(&cli->paths, cli->argv[0], path, sizeof(path));
		if (r < 0)
			return usage_error("Invalid container id '%s'", cli->argv[0]);
	} else {
		return usage_error("%s", "usage: lxcri config validate <id> | --file FILE");
	}

	r = lifecycle_validate_config(path, &c, &err);
	/* For a container: also what its start checks of its profiles. */
	if (r >= 0 && !cli->file)
		r = profiles_check_config(&cli->paths, cli->argv[0], c, &err);
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "valid", json_object_new_boolean(r >= 0));
		json_object_object_add(o, "error",
				       r < 0 ? json_object_new_string(err.message) : NULL);
		json_object_object_add(o, "keys",
				       json_object_new_int64(c ? (int64_t)c->n_entries : 0));
		print_json(cli, o);
	} else if (r >= 0) {
		printf("'%s' is valid (%zu key(s))\n", path, c->n_entries);
	} else {
		fprintf(stderr, "%s\n", err.message);
	}
	return r >= 0 ? EXIT_OK : EXIT_INVALID;
}

/* `lxcri net`: the nets of a container's config, changed live when it runs. */

/* Where a container's config, state, config snapshot and lock are. */
/* An edit whose result the parser refuses is an invalid config (exit 3); anything else failed. */
static int edit_exit_code(int r)
{
	return r == -EINVAL || r == -EEXIST || r == -EFBIG ? EXIT_INVALID : EXIT_FAILED;
}

/* Prints "lxcri: <message>" on stderr and logs it (journal), for the verbs that change things. */
static int report_failure(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int report_failure(int code, const char *fmt, ...)
{
	char message[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_error("%s", message);
	fprintf(stderr, "lxcri: %s\n", message);
	return code;
}

/* lxcri config export <id>: the document on stdout. */
static int do_config_export(struct cli *cli)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 1)
		return usage_error("%s", "usage: lxcri config export <id>");
	r = profilecmd_export(&cli->paths, cli->argv[0], &o, &err);
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return r == -EINVAL ? EXIT_INVALID : EXIT_FAILED;
	}
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	return EXIT_OK;
}

/* lxcri config import <id> [FILE|-] [--force] */
static int do_config_import(struct cli *cli)
{
	_cleanup_(profilecmd_import_done) struct profilecmd_import res = {};
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	const char *file = cli->argc == 2 ? cli->argv[1] : "-";
	struct lxcri_error err = {};
	size_t size = 0;
	int r;

	if (cli->argc < 1 || cli->argc > 2)
		return usage_error("%s", "usage: lxcri config import <id> [FILE|-] [--force]");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	fd = strcmp(file, "-") == 0 ? dup(STDIN_FILENO) : open(file, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : fileio_read_fd(fd, 16 * PMXCFS_FILE_MAX, &text, &size);
	if (r < 0)
		return report_failure(EXIT_FAILED, "Failed to read '%s': %s", file, strerror(-r));
	r = profilecmd_import(&cli->paths, cli->argv[0], text, size, cli->force, &res, &err);
	if (r < 0)
		return report_failure(r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s", err.message);
	for (size_t i = 0; i < res.n_warnings; i++)
		fprintf(stderr, "lxcri: warning: %s\n", res.warnings[i]);
	printf("imported into '%s' and '%s'%s\n", res.config, res.lxc_config,
	       res.running ? " (the container runs: its next start applies it)" : "");
	return EXIT_OK;
}

/* lxcri gc [--apply]: one line per file, with the reason. */
static int do_gc(struct cli *cli)
{
	_cleanup_(gc_list_done) struct gc_list l = {};
	_cleanup_json_ struct json_object *a = NULL;
	struct lxcri_error err = {};
	int r;

	if (cli->argc > 0)
		return usage_error("'gc' takes no argument, got '%s'", cli->argv[0]);
	if (cli->apply) {
		log_setup("lxcri", NULL);
		log_set_stderr(false);
	}
	r = cli->apply ? gc_apply(&cli->paths, GC_MIN_AGE_S, &l, &err)
		       : gc_find(&cli->paths, GC_MIN_AGE_S, &l, &err);
	a = json_object_new_array();
	for (size_t i = 0; i < l.n; i++) {
		const struct gc_item *it = &l.items[i];
		const char *what = it->keep ? "keep" : it->removed ? "removed" : "would remove";

		/* The container's id in the line, as in every log line of a container. */
		if (it->removed) {
			log_set_container(it->id[0] ? it->id : NULL);
			log_info("removed %s: %s", it->path, it->why);
		}
		if (cli->format == OUTPUT_TEXT) {
			printf("%s %s: %s\n", what, it->path, it->why);
			continue;
		}
		struct json_object *o = json_object_new_object();
		json_add_string(o, "path", it->path);
		json_add_string(o, "container", it->id[0] ? it->id : NULL);
		json_add_string(o, "action",
				it->keep      ? "keep"
				: it->removed ? "removed"
					      : "remove");
		json_add_string(o, "reason", it->why);
		json_object_array_add(a, o);
	}
	if (cli->format != OUTPUT_TEXT)
		print_json(cli, a);
	if (r < 0)
		return report_failure(EXIT_FAILED, "%s", err.message);
	return EXIT_OK;
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
		print_json(cli, o);
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

static int do_net_add(struct cli *cli)
{
	struct livechange_result ch;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];
	const char *id;
	int r;

	if (cli->argc != 2)
		return usage_error("%s", cli->argc > 2
					     ? "usage: lxcri net add <id> <property string> (quote "
					       "the property string if it has blanks)"
					     : "usage: lxcri net add <id> <property string>");
	id = cli->argv[0];
	if (!paths_id_valid(id))
		return usage_error("Invalid container id '%s'", id);
	log_setup("lxcri", id);
	log_set_stderr(false);
	r = netcmd_add(&cli->paths, id, cli->argv[1], name, sizeof(name), &ch, &err);
	if (r < 0)
		return report_failure(ch.config_fault ? edit_exit_code(r) : EXIT_FAILED, "%s",
				      err.message);
	print_net_change(cli, id, ch.file, true, ch.index, name,
			 ch.live ? NET_CHANGE_LIVE : NET_CHANGE_NEXT_START);
	return EXIT_OK;
}

static int do_net_del(struct cli *cli)
{
	struct livechange_result ch;
	struct lxcri_error err = {};
	const char *id, *name;
	int r;

	if (cli->argc != 2)
		return usage_error("%s", "usage: lxcri net del <id> <name>");
	id = cli->argv[0];
	name = cli->argv[1];
	if (!paths_id_valid(id))
		return usage_error("Invalid container id '%s'", id);
	if (!valid_ifname(name))
		return usage_error("Invalid interface name '%s'", name);
	log_setup("lxcri", id);
	log_set_stderr(false);
	r = netcmd_del(&cli->paths, id, name, &ch, &err);
	if (r < 0)
		return report_failure(ch.config_fault ? edit_exit_code(r) : EXIT_FAILED, "%s",
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
		const char *type = json_string_of(net, "type") ?: "-";
		bool cni = strcmp(type, "cni") == 0;
		char key[16];

		snprintf(key, sizeof(key), "net%d", json_int_of(net, "net"));
		printf("%-6s %-15s %-6s %-15s %-15s %-7s %-7s %s\n", key,
		       json_string_of(net, "name") ?: "-", type,
		       json_string_of(net, cni ? "network" : "bridge") ?: "-",
		       json_string_of(net, "host") ?: "-",
		       json_bool_of(net, "applied") ? "yes" : "no",
		       json_string_of(net, "link") ?: "-", json_string_of(net, "check") ?: "-");
	}
}

static int do_net_list(struct cli *cli)
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
		return usage_error("%s", "usage: lxcri net list <id>");
	id = cli->argv[0];
	if (!paths_id_valid(id) || ct_files_init(&cli->paths, id, &f) < 0)
		return usage_error("Invalid container id '%s'", id);
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
		print_json(cli, nets);
	else if (json_object_array_length(nets) == 0)
		printf("No nets in '%s'%s.\n", f.config,
		       stat(f.config, &st) < 0 ? " (it does not exist)" : "");
	else
		print_net_table(nets);
	return EXIT_OK;
}

/* tcp|udp, else 0. */
static int parse_proto(const char *s)
{
	return strcmp(s, "tcp") == 0 ? IPPROTO_TCP : strcmp(s, "udp") == 0 ? IPPROTO_UDP : 0;
}

/* The exit code of a port change: the config's fault (3) or the operation's (1). */
static int port_exit_code(int r)
{
	return r == -EINVAL || r == -EEXIST || r == -ENOENT || r == -EFBIG ? EXIT_INVALID
									   : EXIT_FAILED;
}

static void print_port_change(const struct cli *cli, const char *id, const char *what, bool add,
			      const struct portcmd_change *ch)
{
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "file", json_object_new_string(ch->file));
		json_object_object_add(o, "port", json_object_new_int((int)ch->index));
		json_object_object_add(o, "forward", json_object_new_string(what));
		json_object_object_add(o, "live", json_object_new_boolean(ch->live));
		print_json(cli, o);
	} else if (ch->live) {
		printf("port%u (%s) %s '%s' and the running container '%s'\n", ch->index, what,
		       add ? "added to" : "removed from", ch->file, id);
	} else {
		printf("port%u (%s) %s '%s'; container '%s' is not running: the change takes "
		       "effect at its next start\n",
		       ch->index, what, add ? "added to" : "removed from", ch->file, id);
	}
}

/* lxcri port add <id> <tcp|udp> <host port[-last]> <ct port[-last]> [--host-ip IP] [--net NAME] */
static int do_port_add(struct cli *cli)
{
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char value[512], what[128];
	const char *id;
	int r;

	if (cli->argc != 4 || !parse_proto(cli->argv[1]))
		return usage_error("%s", "usage: lxcri port add <id> <tcp|udp> <host port[-last]> "
					 "<ct port[-last]> [--host-ip IP] [--net NAME]");
	id = cli->argv[0];
	snprintf(value, sizeof(value), "proto=%s,host=%s,ct=%s%s%s%s%s", cli->argv[1], cli->argv[2],
		 cli->argv[3], cli->host_ip ? ",hostip=" : "", cli->host_ip ? cli->host_ip : "",
		 cli->net ? ",net=" : "", cli->net ? cli->net : "");
	snprintf(what, sizeof(what), "%s %s%s%s -> %s", cli->argv[1],
		 cli->host_ip ? cli->host_ip : "", cli->host_ip ? ":" : "", cli->argv[2],
		 cli->argv[3]);
	log_setup("lxcri", paths_id_valid(id) ? id : NULL);
	log_set_stderr(false);
	r = portcmd_add(&cli->paths, id, value, &ch, &err);
	if (r < 0)
		return report_failure(port_exit_code(r), "%s", err.message);
	print_port_change(cli, id, what, true, &ch);
	return EXIT_OK;
}

/* lxcri port del <id> <tcp|udp> <host port> */
static int do_port_del(struct cli *cli)
{
	struct portcmd_change ch;
	struct lxcri_error err = {};
	uint32_t port;
	char what[64];
	int proto, r;

	if (cli->argc != 3 || !(proto = parse_proto(cli->argv[1])))
		return usage_error("%s", "usage: lxcri port del <id> <tcp|udp> <host port>");
	if (parse_uint32(cli->argv[2], 1, 65535, &port) < 0)
		return usage_error("Invalid host port '%s': expected 1 to 65535", cli->argv[2]);
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = portcmd_del(&cli->paths, cli->argv[0], proto, (uint16_t)port, &ch, &err);
	if (r < 0)
		return report_failure(port_exit_code(r), "%s", err.message);
	snprintf(what, sizeof(what), "%s %u", cli->argv[1], port);
	print_port_change(cli, cli->argv[0], what, false, &ch);
	return EXIT_OK;
}

static int do_port_list(struct cli *cli)
{
	_cleanup_json_ struct json_object *ports = NULL;
	struct lxcri_error err = {};
	size_t n;

	if (cli->argc > 1)
		return usage_error("%s", "usage: lxcri port list [<id>]");
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	if (portcmd_list(&cli->paths, cli->argc ? cli->argv[0] : NULL, &ports, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT) {
		print_json(cli, ports);
		return EXIT_OK;
	}
	n = json_object_array_length(ports);
	if (n == 0) {
		printf("No port forwards.\n");
		return EXIT_OK;
	}
	printf("%-12s %-7s %-5s %-28s %-12s %s\n", "CT", "KEY", "PROTO", "HOST", "CT PORT",
	       "FORWARDED TO");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(ports, i), *fw;
		const char *hostip = json_string_of(o, "hostip");
		char host[96], key[16], to[1500] = "";
		size_t len = 0;

		snprintf(host, sizeof(host), "%s%s%s", hostip ? hostip : "*", ":",
			 json_string_of(o, "host"));
		snprintf(key, sizeof(key), "port%d", json_int_of(o, "port"));
		json_object_object_get_ex(o, "forwards", &fw);
		for (size_t j = 0; fw && j < json_object_array_length(fw) && len < sizeof(to);
		     j++) {
			struct json_object *f = json_object_array_get_idx(fw, j);
			int w = snprintf(
			    to + len, sizeof(to) - len, "%s%s%s", j ? ", " : "",
			    json_string_of(f, "target"),
			    json_bool_of(f, "in_table") ? "" : " (missing: lxcri port sync)");
			len += w > 0 ? (size_t)w : 0;
		}
		/* A forward that waits for its address, or failed: as lxcri status says it. */
		if (!to[0] && json_string_of(o, "status")) {
			char line[1400];

			portwait_describe(o, line, sizeof(line));
			snprintf(to, sizeof(to), "(%s)",
				 strstr(line, ": ") ? strstr(line, ": ") + 2 : line);
		}
		printf("%-12s %-7s %-5s %-28s %-12s %s\n", json_string_of(o, "id"), key,
		       json_string_of(o, "proto"), host, json_string_of(o, "ct"),
		       to[0] ? to : "(not applied)");
	}
	return EXIT_OK;
}

static int do_port_sync(struct cli *cli)
{
	struct portcmd_sync_result res;
	struct lxcri_error err = {};
	int r;

	if (cli->argc > 0)
		return usage_error("'port sync' takes no argument, got '%s'", cli->argv[0]);
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	r = portcmd_sync(&cli->paths, &res, &err);
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "containers",
				       json_object_new_int64((int64_t)res.containers));
		json_object_object_add(o, "forwards", json_object_new_int64((int64_t)res.forwards));
		json_object_object_add(o, "removed", json_object_new_int64((int64_t)res.removed));
		json_object_object_add(o, "failed", json_object_new_int64((int64_t)res.failed));
		json_object_object_add(o, "error",
				       r < 0 ? json_object_new_string(err.message) : NULL);
		print_json(cli, o);
	} else {
		printf("%zu forward(s) of %zu running container(s) in place; %zu stale element(s) "
		       "removed\n",
		       res.forwards, res.containers, res.removed);
	}
	if (r < 0)
		return report_failure(EXIT_FAILED, "port sync: %s", err.message);
	log_info("port sync: %zu forward(s) of %zu container(s), %zu stale removed", res.forwards,
		 res.containers, res.removed);
	return EXIT_OK;
}

static int do_hooks_list(struct cli *cli)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = {};
	struct json_object *stages, *warnings;
	size_t total = 0;

	if (cli->argc != 1)
		return usage_error("%s", "usage: lxcri hooks list <id>");
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	if (hookcmd_list(&cli->paths, cli->argv[0], &o, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return err.code == -EINVAL ? EXIT_INVALID : EXIT_FAILED;
	}
	if (cli->format != OUTPUT_TEXT) {
		print_json(cli, o);
		return EXIT_OK;
	}
	printf("OCI hooks of CT %s (as user %s), in the order they run:\n", cli->argv[0],
	       json_string_of(o, "user"));
	json_object_object_get_ex(o, "stages", &stages);
	json_object_object_foreach(stages, stage, list)
	{
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *h = json_object_array_get_idx(list, i);
			printf("  %-16s %s\n  %-16s   from %s: %s\n", stage,
			       json_string_of(h, "path"), "", json_string_of(h, "source"),
			       json_string_of(h, "why"));
			total++;
		}
	}
	if (total == 0)
		printf("  (none)\n");
	if (json_object_object_get_ex(o, "warnings", &warnings))
		for (size_t i = 0; i < json_object_array_length(warnings); i++)
			printf("warning: %s\n",
			       json_object_get_string(json_object_array_get_idx(warnings, i)));
	json_object_object_get_ex(o, "last_runs", &warnings);
	print_hook_runs(warnings);
	return EXIT_OK;
}

static int do_hooks_run(struct cli *cli)
{
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 2)
		return usage_error("%s", "usage: lxcri hooks run <id> <stage> [--dry-run]");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = hookcmd_run(&cli->paths, cli->argv[0], cli->argv[1], cli->dry_run, &err);
	if (r < 0)
		return report_failure(err.code == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s",
				      err.message);
	if (!cli->dry_run)
		printf("%d %s hook(s) of CT %s ran\n", r, cli->argv[1], cli->argv[0]);
	else if (r == 0)
		printf("no %s hook for CT %s\n", cli->argv[1], cli->argv[0]);
	return EXIT_OK;
}

/* Notes, losses and skipped names of a conversion, on stderr. */
static void print_conversion_notes(const struct seccompconv_result *res, bool refused)
{
	for (size_t i = 0; i < res->n_notes; i++)
		fprintf(stderr, "note: %s\n", res->notes[i]);
	for (size_t i = 0; i < res->n_losses; i++)
		fprintf(stderr, "%s: %s\n", refused ? "cannot express" : "lost (accepted)",
			res->losses[i]);
	if (!refused && res->skipped.text)
		fprintf(stderr, "warning: %s\n", res->skipped.text);
}

/* lxcri seccomp convert <file> [--accept-loss]: the LXC profile on stdout. */
static int do_seccomp_convert(struct cli *cli)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = {};
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = {};
	struct seccompconv_opts opts = { .accept_loss = cli->accept_loss };
	size_t size = 0;
	int r;

	if (cli->argc != 1)
		return usage_error("%s",
				   "usage: lxcri seccomp convert <profile.json> [--accept-loss]");
	r = seccompconv_read_file(cli->argv[0], &text, &size, &err);
	if (r >= 0)
		r = seccompconv_convert(cli->argv[0], text, size, &opts, &res, &err);
	if (cli->format != OUTPUT_TEXT && (r >= 0 || r == -EOPNOTSUPP)) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		struct json_object *losses = json_object_new_array(),
				   *notes = json_object_new_array();

		for (size_t i = 0; i < res.n_losses; i++)
			json_object_array_add(losses, json_object_new_string(res.losses[i]));
		for (size_t i = 0; i < res.n_notes; i++)
			json_object_array_add(notes, json_object_new_string(res.notes[i]));
		json_object_object_add(o, "source", json_object_new_string(cli->argv[0]));
		json_object_object_add(o, "shape",
				       json_object_new_string(seccompconv_shape_name(res.shape)));
		json_object_object_add(
		    o, "rules", json_object_new_int64(res.profile ? (int64_t)res.n_rules : 0));
		json_object_object_add(o, "losses", losses);
		json_object_object_add(o, "notes", notes);
		json_object_object_add(o, "skipped", seccompconv_skipped_json(&res.skipped));
		json_object_object_add(o, "profile",
				       res.profile ? json_object_new_string(res.profile) : NULL);
		json_object_object_add(o, "error",
				       r < 0 ? json_object_new_string(err.message) : NULL);
		print_json(cli, o);
		return r == -EOPNOTSUPP || r == -EINVAL ? EXIT_INVALID
		       : r < 0				? EXIT_FAILED
							: EXIT_OK;
	}
	print_conversion_notes(&res, r < 0);
	if (r == -EOPNOTSUPP) {
		fprintf(stderr,
			"lxcri: %zu thing(s) of '%s' cannot be expressed in LXC's seccomp format; "
			"--accept-loss converts anyway\n",
			res.n_losses, cli->argv[0]);
		return EXIT_INVALID;
	}
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return r == -EINVAL || r == -EFBIG ? EXIT_INVALID : EXIT_FAILED;
	}
	fputs(res.profile, stdout);
	return EXIT_OK;
}

static void print_profile_change(const struct cli *cli, const char *id, const char *feature,
				 bool set, const struct profilecmd_change *ch)
{
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "feature", json_object_new_string(feature));
		json_object_object_add(o, "config", json_object_new_string(ch->config));
		json_object_object_add(o, "lxc_config", json_object_new_string(ch->lxc_config));
		json_object_object_add(o, "lxc_key", json_object_new_string(ch->lxc_key));
		json_object_object_add(
		    o, "lxc_value",
		    set || ch->lxc_key_kept ? json_object_new_string(ch->lxc_value) : NULL);
		json_object_object_add(o, "profile",
				       ch->profile[0] ? json_object_new_string(ch->profile) : NULL);
		json_object_object_add(o, "running", json_object_new_boolean(ch->running));
		print_json(cli, o);
		return;
	}
	if (set)
		printf("%s of container '%s' set in '%s'; '%s' has %s = %s\n", feature, id,
		       ch->config, ch->lxc_config, ch->lxc_key, ch->lxc_value);
	else if (ch->lxc_key_kept)
		printf("%s of container '%s' removed from '%s'; %s = %s in '%s' is not ours: left "
		       "as it is\n",
		       feature, id, ch->config, ch->lxc_key, ch->lxc_value, ch->lxc_config);
	else
		printf("%s of container '%s' removed from '%s' and '%s'\n", feature, id, ch->config,
		       ch->lxc_config);
	if (ch->running)
		printf("container '%s' is running: the change takes effect at its next start\n",
		       id);
}

static int profile_exit_code(int r)
{
	return r == -EINVAL || r == -ENOENT || r == -EFBIG || r == -EOPNOTSUPP ? EXIT_INVALID
									       : EXIT_FAILED;
}

/* lxcri seccomp set <id> <profile.json> [--accept-loss] */
static int do_seccomp_set(struct cli *cli)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 2)
		return usage_error("%s",
				   "usage: lxcri seccomp set <id> <profile.json> [--accept-loss]");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_seccomp_set(&cli->paths, cli->argv[0], cli->argv[1], cli->accept_loss, &conv,
				   &ch, &err);
	print_conversion_notes(&conv, r == -EOPNOTSUPP);
	if (r == -EOPNOTSUPP)
		return report_failure(EXIT_INVALID,
				      "%zu thing(s) of '%s' cannot be expressed in LXC's seccomp "
				      "format: nothing changed; --accept-loss sets it anyway",
				      conv.n_losses, cli->argv[1]);
	if (r < 0)
		return report_failure(profile_exit_code(r), "%s", err.message);
	if (cli->format == OUTPUT_TEXT) {
		printf("'%s' (%s, %zu rules) converted to '%s'\n", cli->argv[1],
		       seccompconv_shape_name(conv.shape), conv.n_rules, ch.profile);
		printf("kept: %s, which the profile replaces, for %s: %zu protections "
		       "('lxcri seccomp show %s' lists them)\n",
		       seccompkeep_kind_kept(ch.kept_for), seccompkeep_kind_phrase(ch.kept_for),
		       ch.n_kept, cli->argv[0]);
	}
	print_profile_change(cli, cli->argv[0], "seccomp", true, &ch);
	return EXIT_OK;
}

/* lxcri apparmor set <id> <profile|profile=generated,...> */
static int do_apparmor_set(struct cli *cli)
{
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 2)
		return usage_error("%s", "usage: lxcri apparmor set <id> <profile name | "
					 "profile=generated[,nesting=1][,mount=<fstype>;...]>");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_apparmor_set(&cli->paths, cli->argv[0], cli->argv[1], &ch, &err);
	if (r < 0)
		return report_failure(profile_exit_code(r), "%s", err.message);
	if (strcmp(ch.lxc_value, "unconfined") != 0 && !apparmor_enabled(cli->paths.sys_dir))
		fprintf(stderr,
			"lxcri: warning: AppArmor is not enabled in this kernel: container "
			"'%s' will be refused at start, never started unconfined\n",
			cli->argv[0]);
	print_profile_change(cli, cli->argv[0], "apparmor", true, &ch);
	return EXIT_OK;
}

/* lxcri selinux set <id> <context> */
static int do_selinux_set(struct cli *cli)
{
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	bool syntax_only = false;
	int r;

	if (cli->argc != 2)
		return usage_error("%s", "usage: lxcri selinux set <id> <context>");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_selinux_set(&cli->paths, cli->argv[0], cli->argv[1], &syntax_only, &ch,
				   &err);
	if (r < 0)
		return report_failure(profile_exit_code(r), "%s", err.message);
	if (syntax_only)
		fprintf(stderr,
			"lxcri: warning: SELinux is not enabled: only the syntax of '%s' "
			"was checked, and container '%s' will be refused at start\n",
			cli->argv[1], cli->argv[0]);
	print_profile_change(cli, cli->argv[0], "selinux", true, &ch);
	return EXIT_OK;
}

/* lxcri seccomp|apparmor|selinux unset <id> */
static int do_profile_unset(struct cli *cli)
{
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 1)
		return usage_error("usage: lxcri %s unset <id>", cli->verb);
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	r = profilecmd_unset(&cli->paths, cli->argv[0], cli->verb, &ch, &err);
	if (r < 0)
		return report_failure(profile_exit_code(r), "%s", err.message);
	print_profile_change(cli, cli->argv[0], cli->verb, false, &ch);
	return EXIT_OK;
}

/* lxcri guard add|remove <id> */
static int do_guard(struct cli *cli, bool add)
{
	const char *sub = add ? "add" : "remove";
	struct guardcmd_change ch;
	struct lxcri_error err = {};
	const char *id;
	int r;

	if (cli->argc != 1)
		return usage_error("usage: lxcri guard %s <vmid>", sub);
	id = cli->argv[0];
	log_setup("lxcri", paths_id_valid(id) ? id : NULL);
	log_set_stderr(false);
	r = add ? guardcmd_add(&cli->paths, id, &ch, &err)
		: guardcmd_remove(&cli->paths, id, &ch, &err);
	if (r < 0)
		return report_failure(r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s", err.message);
	if (ch.changed)
		log_info("guard %s: '%s' written", sub, ch.pve_config);
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "pve_config", json_object_new_string(ch.pve_config));
		json_object_object_add(o, "changed", json_object_new_boolean(ch.changed));
		if (!add) {
			json_object_object_add(o, "removed",
					       json_object_new_int64((int64_t)ch.removed));
			json_object_object_add(o, "kept_own", json_object_new_boolean(ch.kept_own));
		}
		print_json(cli, o);
	} else if (add) {
		printf("CT %s: lxcri's guard %s '%s'\n", id,
		       ch.changed ? "added to" : "was already in", ch.pve_config);
	} else if (ch.removed == 0) {
		printf("CT %s: '%s' has no guard and no raw key naming lxcri files of another "
		       "vmid\n",
		       id, ch.pve_config);
	} else {
		printf("CT %s: %zu line(s) removed from '%s' (guards, raw keys naming lxcri files "
		       "of another vmid)%s\n",
		       id, ch.removed, ch.pve_config,
		       ch.kept_own ? "; its own guard stays with its lxcri config"
				   : ": it starts without lxcri");
	}
	return EXIT_OK;
}

static int do_guard_add(struct cli *cli)
{
	return do_guard(cli, true);
}

static int do_guard_remove(struct cli *cli)
{
	return do_guard(cli, false);
}

/* lxcri seccomp|apparmor|selinux show <id> */
static int do_profile_show(struct cli *cli)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = {};
	struct json_object *v;
	int r;

	if (cli->argc != 1)
		return usage_error("usage: lxcri %s show <id>", cli->verb);
	r = profilecmd_show(&cli->paths, cli->argv[0], cli->verb, &o, &err);
	if (r < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return profile_exit_code(r);
	}
	if (cli->format != OUTPUT_TEXT) {
		print_json(cli, o);
		return EXIT_OK;
	}
#define STR(key) (json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL)
	printf("%s of container '%s' (%s)\n", cli->verb, cli->argv[0], STR("config"));
	printf("  key:      %s\n", STR("key") ? STR("key") : "(not set)");
	printf("  LXC:      %s = %s in '%s'%s\n", STR("lxc_key"),
	       STR("lxc_value") ? STR("lxc_value") : "(not set)", STR("lxc_config"),
	       json_object_object_get_ex(o, "lxc_points_here", &v) && json_object_get_boolean(v)
		   ? ""
	       : STR("key") ? "  <- not what the key asks: the start is refused"
			    : "");
	if (STR("profile")) {
		printf("  profile:  %s (%s rules)\n", STR("profile"),
		       json_object_object_get_ex(o, "rules", &v) ? json_object_get_string(v) : "?");
		printf("  current:  %s\n", STR("problem") ? STR("problem") : "yes");
		if (json_object_object_get_ex(o, "used_copy", &v) && json_object_get_boolean(v))
			printf("  note:     the source is missing on this node; its stored copy "
			       "is used\n");
		if (json_object_object_get_ex(o, "skipped", &v) && v) {
			const char *version = json_string_of(v, "libseccomp");
			const char *text = json_string_of(v, "text");

			if (text)
				printf("  note:     %s\n", text);
			if (version && strcmp(version, seccompconv_libseccomp_version()) != 0)
				printf(
				    "  note:     libseccomp is %s now, not %s: 'lxcri seccomp set "
				    "%s %s' converts the profile again\n",
				    seccompconv_libseccomp_version(), version, cli->argv[0],
				    STR("key"));
		}
	}
	if (json_object_object_get_ex(o, "kept", &v) && v) {
		struct json_object *rules;

		printf("  kept:     %s, for %s\n", json_string_of(v, "what"),
		       json_string_of(v, "container"));
		for (size_t i = 0; json_object_object_get_ex(v, "rules", &rules) &&
				   i < json_object_array_length(rules);
		     i++)
			printf("            %s\n",
			       json_object_get_string(json_object_array_get_idx(rules, i)));
	} else if (STR("profile")) {
		printf("  kept:     nothing of LXC's and PVE's protections\n");
	}
	if (json_object_object_get_ex(o, "running", &v) && json_object_get_boolean(v))
		printf("  running:  yes (it has what was in force at its start)\n");
	if (STR("text"))
		printf("\n%s", STR("text"));
#undef STR
	return EXIT_OK;
}

static const struct command commands[] = {
	{ "version", NULL, do_version, "lxcri version" },
	{ "check", NULL, do_check, "lxcri check" },
	{ "status", NULL, do_status, "lxcri status [<id>]" },
	{ "config", "validate", do_config_validate, "lxcri config validate <id> | --file FILE" },
	{ "config", "export", do_config_export, "lxcri config export <id>" },
	{ "config", "import", do_config_import, "lxcri config import <id> [FILE|-] [--force]" },
	{ "gc", NULL, do_gc, "lxcri gc [--apply]" },
	{ "net", "add", do_net_add, "lxcri net add <id> <property string>" },
	{ "net", "del", do_net_del, "lxcri net del <id> <name>" },
	{ "net", "list", do_net_list, "lxcri net list <id>" },
	{ "port", "add", do_port_add,
	  "lxcri port add <id> <tcp|udp> <hostport> <ctport> [--host-ip IP] [--net NAME]" },
	{ "port", "del", do_port_del, "lxcri port del <id> <tcp|udp> <hostport>" },
	{ "port", "list", do_port_list, "lxcri port list [<id>]" },
	{ "port", "sync", do_port_sync, "lxcri port sync" },
	{ "hooks", "list", do_hooks_list, "lxcri hooks list <id>" },
	{ "hooks", "run", do_hooks_run, "lxcri hooks run <id> <stage> [--dry-run]" },
	{ "seccomp", "set", do_seccomp_set,
	  "lxcri seccomp set <id> <profile.json> [--accept-loss]" },
	{ "seccomp", "show", do_profile_show, "lxcri seccomp show <id>" },
	{ "seccomp", "unset", do_profile_unset, "lxcri seccomp unset <id>" },
	{ "apparmor", "set", do_apparmor_set,
	  "lxcri apparmor set <id> <profile | profile=generated[,nesting=1][,mount=T;...]>" },
	{ "apparmor", "show", do_profile_show, "lxcri apparmor show <id>" },
	{ "apparmor", "unset", do_profile_unset, "lxcri apparmor unset <id>" },
	{ "selinux", "set", do_selinux_set, "lxcri selinux set <id> <context>" },
	{ "selinux", "show", do_profile_show, "lxcri selinux show <id>" },
	{ "selinux", "unset", do_profile_unset, "lxcri selinux unset <id>" },
	{ "seccomp", "convert", do_seccomp_convert,
	  "lxcri seccomp convert <profile.json> [--accept-loss]" },
	{ "guard", "add", do_guard_add, "lxcri guard add <vmid>" },
	{ "guard", "remove", do_guard_remove, "lxcri guard remove <vmid>" },
	{ "help", NULL, do_help, "lxcri help" },
};

static int do_help(struct cli *cli)
{
	(void)cli;
	printf("Usage:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		printf("  %s [--output-format text|json|json-pretty]\n", commands[i].usage);
	printf("\nOptions for tests and unusual hosts:");
	for (const char *const *o = paths_option_names; *o; o++)
		printf(" %s", *o);
	printf("\nSee lxcri(1).\n");
	return EXIT_OK;
}

static int parse_format(const char *s, enum output_format *ret)
{
	if (strcmp(s, "text") == 0)
		*ret = OUTPUT_TEXT;
	else if (strcmp(s, "json") == 0)
		*ret = OUTPUT_JSON;
	else if (strcmp(s, "json-pretty") == 0)
		*ret = OUTPUT_JSON_PRETTY;
	else
		return -EINVAL;
	return 0;
}

enum {
	OPT_APPLY = 256,
	OPT_FORCE,
	OPT_DRY_RUN,
	OPT_ACCEPT_LOSS,
	OPT_HOST_IP,
	OPT_NET,
	OPT_OUTPUT_FORMAT,
	OPT_FILE,
	OPT_ROOT, /* one of paths_option_names */
};

static const struct option cli_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "apply", no_argument, NULL, OPT_APPLY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "accept-loss", no_argument, NULL, OPT_ACCEPT_LOSS },
	{ "host-ip", required_argument, NULL, OPT_HOST_IP },
	{ "net", required_argument, NULL, OPT_NET },
	{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
	{ "file", required_argument, NULL, OPT_FILE },
};

#define N_ROOT_OPTIONS 16

/* cli_options, then one for each root ("--pve-dir=DIR": "pve-dir"), then the end. */
static int options_table(struct option *ret, char names[][32], size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(cli_options); i++)
		ret[n++] = cli_options[i];
	for (const char *const *o = paths_option_names; *o; o++) {
		size_t len = strcspn(*o + 2, "=");

		if (n + 1 >= size || len >= 32)
			return -E2BIG;
		snprintf(names[n], 32, "%.*s", (int)len, *o + 2);
		ret[n] = (struct option){ names[n], required_argument, NULL, OPT_ROOT };
		n++;
	}
	ret[n] = (struct option){ 0 };
	return 0;
}

/*
 * getopt_long(), options anywhere on the line (as pct takes them); the
 * rest in order into positional (argv from optind, after getopt's
 * permutation). Messages are ours (opterr off).
 */
static int parse_args(struct cli *cli, int argc, char **argv, char **positional, int *n_positional)
{
	struct option options[ELEMENTSOF(cli_options) + N_ROOT_OPTIONS + 1];
	char names[ELEMENTSOF(cli_options) + N_ROOT_OPTIONS + 1][32];
	int c, index, n = 0;

	if (options_table(options, names, ELEMENTSOF(options)) < 0)
		return usage_error("%s", "too many options");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, &index)) != -1) {
		const char *arg = argv[optind - 1];
		char root[PATH_MAX + 64];
		int r;

		switch (c) {
		case 'h':
			positional[0] = (char *)"help";
			*n_positional = 1;
			return 0;
		case OPT_APPLY:
			cli->apply = true;
			break;
		case OPT_FORCE:
			cli->force = true;
			break;
		case OPT_DRY_RUN:
			cli->dry_run = true;
			break;
		case OPT_ACCEPT_LOSS:
			cli->accept_loss = true;
			break;
		case OPT_HOST_IP:
			cli->host_ip = optarg;
			break;
		case OPT_NET:
			cli->net = optarg;
			break;
		case OPT_FILE:
			cli->file = optarg;
			break;
		case OPT_OUTPUT_FORMAT:
			if (parse_format(optarg, &cli->format) < 0)
				return usage_error(
				    "unknown output format '%s' (text, json or json-pretty)",
				    optarg);
			break;
		case OPT_ROOT:
			snprintf(root, sizeof(root), "--%s=%s", options[index].name, optarg);
			r = paths_parse_option(&cli->paths, root);
			if (r <= 0)
				return usage_error(
				    "invalid value in '%s' (an absolute path is needed)", root);
			break;
		case ':':
			return usage_error("option '%s' needs a value", arg);
		default:
			return usage_error("unknown option '%s'", arg);
		}
	}
	while (optind < argc)
		positional[n++] = argv[optind++];
	*n_positional = n;
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char **positional = calloc((size_t)argc + 1, sizeof(char *));
	struct cli cli = {};
	int n = 0, r;

	if (!positional)
		return EXIT_FAILED;
	/* What lib/ reports (a forward applied, a net removed) goes to our log. */
	report_set_sink(log_report);
	if (paths_init(&cli.paths) < 0) {
		fprintf(stderr, "lxcri: an LXCRI_* path in the environment is invalid\n");
		return EXIT_USAGE;
	}
	r = parse_args(&cli, argc, argv, positional, &n);
	if (r != 0)
		return r;
	if (n == 0)
		return usage_error("%s", "a verb is needed");

	const char *known_verb = NULL;
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		const struct command *c = &commands[i];
		int used = 1;

		if (strcmp(positional[0], c->verb) != 0)
			continue;
		if (c->sub) {
			if (n < 2 || strcmp(positional[1], c->sub) != 0) {
				known_verb = c->verb;
				continue;
			}
			used = 2;
		}
		if (c->run != do_help && geteuid() != 0) {
			fprintf(stderr, "lxcri: only root can run 'lxcri %s' (as with pct)\n",
				c->verb);
			return EXIT_NOT_ROOT;
		}
		cli.argc = n - used;
		cli.argv = positional + used;
		cli.verb = c->verb;
		return c->run(&cli);
	}
	if (known_verb)
		return usage_error("unknown 'lxcri %s' command (see 'lxcri help')", known_verb);
	return usage_error("unknown command '%s'", positional[0]);
}
