/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri: the companion an admin uses beside pct. See lxcri(1).
 * A verb is one function and one line of the command table.
 *
 * Exit codes: 0 success; 1 the operation failed (or `check` found a
 * failure); 2 usage error; 3 invalid config (`config validate`); 4 not root.
 */

#include <json-c/json.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "hostcheck.h"
#include "lifecycle.h"
#include "paths.h"
#include "status.h"

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
	const char *file; /* --file */
	struct lxcri_paths paths;
	int argc; /* positional arguments after the verb (and sub-verb) */
	char **argv;
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
			printf("%-5s %-16s %s\n", check_status_to_string(results[i].status),
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
	if (!s->state) {
		printf("  phase:      not started by lxcri (nothing applied)\n");
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
	if (id && !container_id_valid(id))
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
			const char *error = list[i].config_error[0] ? list[i].config_error
					    : st && st->has_error   ? st->error_message
								    : "-";
			printf("%-12s %-8s %-9s %-8zu %s\n", list[i].id, config_word(&list[i]),
			       st ? st->phase : "-", st ? st->n_items : 0, error);
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
		if (!container_id_valid(cli->argv[0]))
			return usage_error("Invalid container id '%s'", cli->argv[0]);
		r = paths_container_config(&cli->paths, cli->argv[0], path, sizeof(path));
		if (r < 0)
			return usage_error("Invalid container id '%s'", cli->argv[0]);
	} else {
		return usage_error("%s", "usage: lxcri config validate <id> | --file FILE");
	}

	r = lifecycle_validate_config(path, &c, &err);
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

static const struct command commands[] = {
	{ "version", NULL, do_version, "lxcri version" },
	{ "check", NULL, do_check, "lxcri check" },
	{ "status", NULL, do_status, "lxcri status [<id>]" },
	{ "config", "validate", do_config_validate, "lxcri config validate <id> | --file FILE" },
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

/* Takes options from anywhere on the line (as pct does); keeps the rest in order. */
static int parse_args(struct cli *cli, int argc, char **argv, char **positional, int *n_positional)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = NULL;
		int r;

		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				positional[n++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			positional[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			positional[0] = (char *)"help";
			n = 1;
			break;
		}
		if (strncmp(a, "--output-format", 15) == 0 || strncmp(a, "--file", 6) == 0) {
			bool is_format = a[2] == 'o';
			size_t len = is_format ? 15 : 6;

			if (a[len] == '=')
				value = a + len + 1;
			else if (a[len] == '\0' && i + 1 < argc)
				value = argv[++i];
			else if (a[len] == '\0')
				return usage_error("option '%s' needs a value", a);
			else
				return usage_error("unknown option '%s'", a);
			if (is_format && parse_format(value, &cli->format) < 0)
				return usage_error(
				    "unknown output format '%s' (text, json or json-pretty)",
				    value);
			if (!is_format)
				cli->file = value;
			continue;
		}
		r = paths_parse_option(&cli->paths, a);
		if (r == 0)
			return usage_error("unknown option '%s'", a);
		if (r < 0)
			return usage_error("invalid value in '%s' (an absolute path is needed)", a);
	}
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
		return c->run(&cli);
	}
	if (known_verb)
		return usage_error("unknown 'lxcri %s' command (see 'lxcri help')", known_verb);
	return usage_error("unknown command '%s'", positional[0]);
}
