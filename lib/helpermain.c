/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpermain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "paths.h"

static int fail(const char *state_dir, struct state *s, const char *hook, const char *message)
{
	struct lxcri_error ignored = {};

	log_error("%s", message);
	if (s) {
		(void)state_set_error(s, hook, message);
		(void)state_save(state_dir, s, &ignored);
	}
	return 1;
}

int helper_main(const struct helper_feature *f, int argc, char **argv)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	struct lxcri_paths paths;
	struct settings settings;
	char state_dir[PATH_MAX], snapshot[PATH_MAX], settings_path[PATH_MAX];
	const char *hook;
	bool start;
	uint32_t pid = 0;
	int r;

	log_setup(f->name, NULL);
	if (argc != 3 ||
	    (strcmp(argv[1], "pre-start") != 0 && strcmp(argv[1], "start-host") != 0 &&
	     strcmp(argv[1], "teardown") != 0) ||
	    !container_id_valid(argv[2])) {
		log_error("Usage: %s pre-start|start-host|teardown <container id>", f->name);
		return 2;
	}
	hook = argv[1];
	start = strcmp(hook, "teardown") != 0;
	log_set_container(argv[2]);
	r = paths_init(&paths);
	if (r >= 0)
		r = paths_state_dir(&paths, argv[2], state_dir, sizeof(state_dir));
	if (r >= 0)
		r = path_join(snapshot, sizeof(snapshot), "%s/config", state_dir);
	if (r >= 0)
		r = paths_settings(&paths, settings_path, sizeof(settings_path));
	if (r < 0)
		return log_error_errno(r, "Invalid LXCRI_* path in the environment: %m"), 1;

	settings_init(&settings);
	r = settings_load(settings_path, &settings, &err);
	if (r >= 0)
		log_set_max_level(settings.log_level);
	else if (start)
		return fail(NULL, NULL, hook, err.message);
	else
		log_warning("Using default settings: %s", err.message);

	r = state_load(state_dir, &s, &err);
	if (r == -ENOENT && !start)
		return 0;
	if (r < 0)
		return fail(NULL, NULL, hook, err.message);

	struct helper_run run = {
		.id = argv[2],
		.state_dir = state_dir,
		.settings = &settings,
		.paths = &paths,
		.hook = hook,
	};
	if (!start) {
		size_t left = f->teardown(&run, s, &err);
		if (left > 0)
			log_error("%zu item(s) left: %s", left, err.message);
		return left > 0 ? 1 : 0;
	}

	if (strcmp(hook, "start-host") == 0) {
		const char *pid_text = getenv("LXC_PID");
		if (!pid_text || parse_uint32(pid_text, 1, INT32_MAX, &pid) < 0)
			return fail(state_dir, s, hook,
				    "LXC_PID is not set to a process id: not run by LXC?");
		run.pid = (pid_t)pid;
	}
	r = config_load(snapshot, &c, &err);
	if (r >= 0) {
		run.config = c;
		r = f->apply(&run, s, &err);
	}
	if (r < 0)
		return fail(state_dir, s, hook, err.message);
	return 0;
}
