/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri: the companion an admin uses beside pct. See lxcri(1).
 * A verb is one function in its group's module (cli/netcmd.c: netcmd_do_add())
 * and one line of the command table. Exit codes: cli/cli.h.
 */

#include <json-c/json.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/configcmd.h"
#include "cli/createcmd.h"
#include "cli/clusterstatus.h"
#include "cli/metricscmd.h"
#include "cli/gc.h"
#include "cli/guardcmd.h"
#include "cli/hookcmd.h"
#include "cli/hostcheck.h"
#include "cli/imagecmd.h"
#include "cli/netcmd.h"
#include "cli/portcmd.h"
#include "cli/profilecmd.h"
#include "cli/status.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/log.h"
#include "lib/basic/paths.h"
#include "lib/basic/report.h"
#include "lib/shared/json.h"

static int do_help(struct cli *cli);

static int do_version(struct cli *cli)
{
	if (cli->argc > 0)
		return cli_usage_error("'version' takes no argument, got '%s'", cli->argv[0]);
	if (cli->format == OUTPUT_TEXT) {
		printf("lxcri %s\n", LXCRI_VERSION);
	} else {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		json_object_object_add(o, "version", json_object_new_string(LXCRI_VERSION));
		cli_print_json(cli, o);
	}
	return EXIT_OK;
}

static const struct command commands[] = {
	{ "version", NULL, do_version, "lxcri version" },
	{ "check", NULL, hostcheck_do_check, "lxcri check" },
	{ "status", NULL, status_do_status, "lxcri status [<id> | --cluster]" },
	{ "metrics", NULL, metricscmd_do_metrics, "lxcri metrics [--write]" },
	{ "publish", NULL, clusterstatus_do_publish, "lxcri publish" },
	{ "config", "validate", configcmd_do_validate, "lxcri config validate <id> | --file FILE" },
	{ "config", "export", configcmd_do_export, "lxcri config export <id>" },
	{ "config", "import", configcmd_do_import, "lxcri config import <id> [FILE|-] [--force]" },
	{ "gc", NULL, gc_do_gc, "lxcri gc [--apply]" },
	{ "net", "add", netcmd_do_add, "lxcri net add <id> <property string>" },
	{ "net", "del", netcmd_do_del, "lxcri net del <id> <name>" },
	{ "net", "list", netcmd_do_list, "lxcri net list <id>" },
	{ "port", "add", portcmd_do_add,
	  "lxcri port add <id> <tcp|udp> <hostport> <ctport> [--host-ip IP] [--net NAME]" },
	{ "port", "del", portcmd_do_del, "lxcri port del <id> <tcp|udp> <hostport>" },
	{ "port", "list", portcmd_do_list, "lxcri port list [<id>]" },
	{ "port", "sync", portcmd_do_sync, "lxcri port sync" },
	{ "hooks", "list", hookcmd_do_list, "lxcri hooks list <id>" },
	{ "hooks", "run", hookcmd_do_run, "lxcri hooks run <id> <stage> [--dry-run]" },
	{ "seccomp", "set", profilecmd_do_seccomp_set,
	  "lxcri seccomp set <id> <profile.json> [--accept-loss]" },
	{ "seccomp", "show", profilecmd_do_show, "lxcri seccomp show <id>" },
	{ "seccomp", "unset", profilecmd_do_unset, "lxcri seccomp unset <id>" },
	{ "apparmor", "set", profilecmd_do_apparmor_set,
	  "lxcri apparmor set <id> <profile | profile=generated[,nesting=1][,mount=T;...]>" },
	{ "apparmor", "show", profilecmd_do_show, "lxcri apparmor show <id>" },
	{ "apparmor", "unset", profilecmd_do_unset, "lxcri apparmor unset <id>" },
	{ "selinux", "set", profilecmd_do_selinux_set, "lxcri selinux set <id> <context>" },
	{ "selinux", "show", profilecmd_do_show, "lxcri selinux show <id>" },
	{ "selinux", "unset", profilecmd_do_unset, "lxcri selinux unset <id>" },
	{ "seccomp", "convert", profilecmd_do_seccomp_convert,
	  "lxcri seccomp convert <profile.json> [--accept-loss]" },
	{ "guard", "add", guardcmd_do_add, "lxcri guard add <vmid>" },
	{ "guard", "remove", guardcmd_do_remove, "lxcri guard remove <vmid>" },
	{ "create", NULL, createcmd_do_create,
	  "lxcri create <id> --image <reference> [--pull missing|always|never] [--platform P] "
	  "[--unprivileged] [--overlay] [--net <net property string>]... "
	  "[--port <port property string>]... "
	  "[-- <pct options>]" },
	{ "image", "pull", imagecmd_do_pull, "lxcri image pull <reference> [--platform P]" },
	{ "image", "list", imagecmd_do_list, "lxcri image list" },
	{ "image", "inspect", imagecmd_do_inspect, "lxcri image inspect <reference>" },
	{ "image", "rm", imagecmd_do_rm, "lxcri image rm <reference>..." },
	{ "image", "prune", imagecmd_do_prune, "lxcri image prune" },
	{ "image", "login", imagecmd_do_login,
	  "lxcri image login <registry> --username U [--password-stdin] [--file F]" },
	{ "image", "check", imagecmd_do_check, "lxcri image check <id>" },
	{ "image", "import", imagecmd_do_import,
	  "lxcri image import <OCI layout dir | oci-archive | docker-save tar> [--name R]" },
	{ "image", "logout", imagecmd_do_logout, "lxcri image logout <registry> [--file F]" },
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
	OPT_PLATFORM,
	OPT_USERNAME,
	OPT_PASSWORD_STDIN,
	OPT_IMAGE,
	OPT_PULL,
	OPT_UNPRIVILEGED,
	OPT_NAME,
	OPT_PORT,
	OPT_OVERLAY,
	OPT_WRITE,
	OPT_CLUSTER,
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
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "username", required_argument, NULL, OPT_USERNAME },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "pull", required_argument, NULL, OPT_PULL },
	{ "unprivileged", no_argument, NULL, OPT_UNPRIVILEGED },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "overlay", no_argument, NULL, OPT_OVERLAY },
	{ "write", no_argument, NULL, OPT_WRITE },
	{ "cluster", no_argument, NULL, OPT_CLUSTER },
};

#define N_ROOT_OPTIONS 17
_Static_assert(CLI_KEYS_MAX == 32, "the messages of --net and --port say 32");

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
		return cli_usage_error("%s", "too many options");
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
			if (cli->n_nets == CLI_KEYS_MAX)
				return cli_usage_error("%s", "at most 32 --net options");
			cli->nets[cli->n_nets++] = optarg;
			break;
		case OPT_PORT:
			if (cli->n_ports == CLI_KEYS_MAX)
				return cli_usage_error("%s", "at most 32 --port options");
			cli->ports[cli->n_ports++] = optarg;
			break;
		case OPT_FILE:
			cli->file = optarg;
			break;
		case OPT_PLATFORM:
			cli->platform = optarg;
			break;
		case OPT_USERNAME:
			cli->username = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			cli->password_stdin = true;
			break;
		case OPT_IMAGE:
			cli->image = optarg;
			break;
		case OPT_PULL:
			cli->pull = optarg;
			break;
		case OPT_UNPRIVILEGED:
			cli->unprivileged = true;
			break;
		case OPT_OVERLAY:
			cli->overlay = true;
			break;
		case OPT_WRITE:
			cli->write = true;
			break;
		case OPT_CLUSTER:
			cli->cluster = true;
			break;
		case OPT_NAME:
			cli->name = optarg;
			break;
		case OPT_OUTPUT_FORMAT:
			if (parse_format(optarg, &cli->format) < 0)
				return cli_usage_error(
				    "unknown output format '%s' (text, json or json-pretty)",
				    optarg);
			break;
		case OPT_ROOT:
			snprintf(root, sizeof(root), "--%s=%s", options[index].name, optarg);
			r = paths_parse_option(&cli->paths, root);
			if (r <= 0)
				return cli_usage_error(
				    "invalid value in '%s' (an absolute path is needed)", root);
			break;
		case ':':
			return cli_usage_error("option '%s' needs a value", arg);
		default:
			return cli_usage_error("unknown option '%s'", arg);
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
		return cli_usage_error("%s", "a verb is needed");

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
		return cli_usage_error("unknown 'lxcri %s' command (see 'lxcri help')", known_verb);
	return cli_usage_error("unknown command '%s'", positional[0]);
}
