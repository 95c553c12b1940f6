/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri config validate|export|import`: see configcmd.h. */
#include "cli/configcmd.h"

#include <json-c/json.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/profilecmd.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/log.h"
#include "lib/basic/paths.h"
#include "lib/config/config.h"
#include "lib/hook/lifecycle.h"
#include "lib/lsm/profiles.h"
#include "lib/shared/json.h"

/* lxcri config validate <id> | --file FILE */
int configcmd_do_validate(struct cli *cli)
{
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	char path[PATH_MAX];
	int r;

	if (cli->file && cli->argc == 0) {
		snprintf(path, sizeof(path), "%s", cli->file);
	} else if (!cli->file && cli->argc == 1) {
		if (!paths_id_valid(cli->argv[0]))
			return cli_usage_error("Invalid container id '%s'", cli->argv[0]);
		r = paths_container_config(&cli->paths, cli->argv[0], path, sizeof(path));
		if (r < 0)
			return cli_usage_error("Invalid container id '%s'", cli->argv[0]);
	} else {
		return cli_usage_error("%s", "usage: lxcri config validate <id> | --file FILE");
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
		cli_print_json(cli, o);
	} else if (r >= 0) {
		printf("'%s' is valid (%zu key(s))\n", path, c->n_entries);
	} else {
		fprintf(stderr, "%s\n", err.message);
	}
	return r >= 0 ? EXIT_OK : EXIT_INVALID;
}

/* lxcri config export <id>: the document on stdout. */
int configcmd_do_export(struct cli *cli)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = {};
	int r;

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri config export <id>");
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
int configcmd_do_import(struct cli *cli)
{
	_cleanup_(profilecmd_import_done) struct profilecmd_import res = {};
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	const char *file = cli->argc == 2 ? cli->argv[1] : "-";
	struct lxcri_error err = {};
	size_t size = 0;
	int r;

	if (cli->argc < 1 || cli->argc > 2)
		return cli_usage_error("%s", "usage: lxcri config import <id> [FILE|-] [--force]");
	log_setup("lxcri", paths_id_valid(cli->argv[0]) ? cli->argv[0] : NULL);
	log_set_stderr(false);
	fd = strcmp(file, "-") == 0 ? dup(STDIN_FILENO) : open(file, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : fileio_read_fd(fd, 16 * PMXCFS_FILE_MAX, &text, &size);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to read '%s': %s", file,
					  strerror(-r));
	r = profilecmd_import(&cli->paths, cli->argv[0], text, size, cli->force, &res, &err);
	if (r < 0)
		return cli_report_failure(r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s",
					  err.message);
	for (size_t i = 0; i < res.n_warnings; i++)
		fprintf(stderr, "lxcri: warning: %s\n", res.warnings[i]);
	printf("imported into '%s' and '%s'%s\n", res.config, res.lxc_config,
	       res.running ? " (the container runs: its next start applies it)" : "");
	return EXIT_OK;
}
