/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/hook/helpermain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/hookctx.h"
#include "lib/basic/log.h"
#include "lib/basic/report.h"
#include "lib/basic/parse.h"
#include "lib/basic/paths.h"

/*
 * The reason a helper failed goes into the state's last_error, which
 * lxcri-lifecycle logs once as the reason of the refusal; the helper logs
 * it itself only where the state could not carry it.
 */
static int fail(const char *state_dir, struct state *s, const char *hook, const char *message)
{
	struct lxcri_error ignored = {};

	if (s && state_set_error(s, hook, message) >= 0 && state_save(state_dir, s, &ignored) >= 0)
		return 1;
	log_error("%s", message);
	return 1;
}

/* The state a teardown works from: lifecycle's, on stdin, or the file. */
static int teardown_state(const struct helper_run *run, bool stdio, struct state **ret,
			  struct lxcri_error *err)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	int r;

	if (!stdio)
		return state_load(run->state_dir, ret, err);
	r = fileio_read_fd(STDIN_FILENO, STATE_MAX_SIZE, &text, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read the state on stdin");
	r = state_parse("the state on stdin", text, size, &s, err);
	if (r < 0)
		return r;
	if (strcmp(s->id, run->id) != 0)
		return error_set(err, -EINVAL, "The state on stdin is that of container '%s'",
				 s->id);
	*ret = TAKE_PTR(s);
	return 0;
}

/* Undoes the feature's items; where the state cannot be saved, the undo goes on. */
static int teardown(const struct helper_feature *f, const struct helper_run *run)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_free_ char *json = NULL;
	_cleanup_fclose_ FILE *out = NULL;
	const char *stdio = getenv(HELPER_STATE_STDIO_ENV);
	bool to_stdout = stdio && strcmp(stdio, "1") == 0;
	struct lxcri_error err = {};
	size_t left;
	int r, fd;

	if (to_stdout) {
		/* stdout is the state's alone: whatever else prints (a library) goes to stderr. */
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			if (!out && fd >= 0)
				close(fd);
			return log_error_errno(-errno, "Failed to set stdout aside: %m"), 1;
		}
	}
	r = teardown_state(run, to_stdout, &s, &err);
	if (r == -ENOENT && !to_stdout)
		return 0;
	if (r < 0)
		return fail(NULL, NULL, run->hook, err.message);
	s->save_best_effort = true;
	left = f->teardown(run, s, &err);
	if (left > 0)
		log_error("%zu item(s) left: %s", left, err.message);
	if (to_stdout) {
		/* lifecycle says what could not be saved, once, for every helper. */
		if (state_to_json(s, &json) < 0 || fputs(json, out) == EOF || fflush(out) == EOF)
			return log_error("Failed to hand the state back on stdout"), 1;
	} else if (s->save_error.code < 0) {
		log_error("%s: the state could not be saved", s->save_error.message);
	}
	return left > 0 ? 1 : 0;
}

int helper_main(const struct helper_feature *f, int argc, char **argv)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	struct lxcri_paths paths;
	struct settings settings;
	char state_dir[PATH_MAX], snapshot[PATH_MAX];
	const char *hook;
	bool start;
	uint32_t pid = 0;
	int r;

	log_setup(f->name, NULL);
	report_set_sink(log_report);
	if (argc != 3 ||
	    (strcmp(argv[1], "pre-start") != 0 && strcmp(argv[1], "start-host") != 0 &&
	     strcmp(argv[1], "teardown") != 0) ||
	    !paths_id_valid(argv[2])) {
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
		r = paths_join(snapshot, sizeof(snapshot), "%s/config", state_dir);
	if (r < 0)
		return log_error_errno(r, "Invalid LXCRI_* path in the environment: %m"), 1;

	r = settings_load_host(&paths, &settings, &err);
	if (r >= 0)
		log_set_max_level(settings.log_level);
	else if (start)
		return fail(NULL, NULL, hook, err.message);
	else
		log_warning("Using default settings: %s", err.message);

	struct helper_run run = {
		.id = argv[2],
		.state_dir = state_dir,
		.settings = &settings,
		.paths = &paths,
		.hook = hook,
		.netns = getenv(HOOK_ENV_CT_NETNS),
		.mntns = getenv(HOOK_ENV_CT_MNTNS),
	};
	if (strcmp(hook, "pre-start") != 0 && getenv("LXC_PID") &&
	    parse_uint32(getenv("LXC_PID"), 1, INT32_MAX, &pid) >= 0)
		run.pid = (pid_t)pid;
	if (!start)
		return teardown(f, &run);

	r = state_load(state_dir, &s, &err);
	if (r < 0)
		return fail(NULL, NULL, hook, err.message);

	if (strcmp(hook, "start-host") == 0 && run.pid == 0)
		return fail(state_dir, s, hook,
			    "LXC_PID is not set to a process id: not run by LXC?");
	r = config_load(snapshot, &c, &err);
	if (r >= 0) {
		run.config = c;
		r = f->apply(&run, s, &err);
	}
	if (r < 0)
		return fail(state_dir, s, hook, err.message);
	return 0;
}
