/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every verb of `lxcri` shares: the command line as parsed, the exit
 * codes, an entry of the command table (cli/lxcri.c), and how output,
 * usage errors and failures are said. Each verb group's module has the
 * verbs' functions (netcmd_do_add(), ...), which take the command line
 * and return an exit code.
 *
 * Exit codes: 0 success; 1 the operation failed (or `check` found a
 * failure); 2 usage error; 3 invalid input (`config validate`, a `net` or
 * `port` change whose result would be invalid, a profile that is malformed
 * or cannot be expressed without --accept-loss, a key that is not set);
 * 4 not root.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/paths.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INVALID = 3,
	EXIT_NOT_ROOT = 4,
};

enum output_format { OUTPUT_TEXT, OUTPUT_JSON, OUTPUT_JSON_PRETTY };

#define CLI_KEYS_MAX 32 /* --net/--port options of one create (net0..net31) */

struct cli {
	enum output_format format;
	const char *file;     /* --file */
	const char *host_ip;  /* --host-ip (port add) */
	const char *net;      /* --net (port add) */
	bool dry_run;	      /* --dry-run (hooks run) */
	bool accept_loss;     /* --accept-loss (seccomp convert) */
	bool apply;	      /* --apply (gc) */
	bool force;	      /* --force (config import) */
	const char *platform; /* --platform os/arch[/variant] (image pull) */
	const char *username; /* --username (image login) */
	bool password_stdin;  /* --password-stdin (image login) */
	const char *image;    /* --image (create) */
	const char *pull;     /* --pull missing|always|never (create) */
	bool unprivileged;    /* --unprivileged (create) */
	bool overlay;	      /* --overlay (create) */
	bool write;	      /* --write (metrics) */
	bool cluster;	      /* --cluster (status) */
	const char *name;     /* --name (image import) */
	/* Every --net and --port, in order (create: net<N>/port<N> property strings). */
	const char *nets[CLI_KEYS_MAX], *ports[CLI_KEYS_MAX];
	size_t n_nets, n_ports;
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

/* o on stdout, in the format of --output-format (json or json-pretty). */
void cli_print_json(const struct cli *cli, struct json_object *o);

/* "lxcri: <fmt with arg>" and where to find help, on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, const char *arg);

/* Prints "lxcri: <message>" on stderr and logs it (journal), for the verbs that change things. */
int cli_report_failure(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ms since the epoch as local time, "2024-01-31 12:00:00"; "-" for none (ms <= 0). */
void cli_format_time(int64_t ms, char *buf, size_t size);

/* The member key of o: a string (else NULL), a boolean (else false), an int (else -1). */
const char *cli_json_string_of(struct json_object *o, const char *key);
bool cli_json_bool_of(struct json_object *o, const char *key);
int cli_json_int_of(struct json_object *o, const char *key);
