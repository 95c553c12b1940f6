/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooksetup: what lxcri-ocihooks does at start-host and at teardown, with
 * real hooks (ocitest.h: this binary again, recording what it got) run
 * through real PAM under pam_wrapper (pamtest.h). The container's init is
 * a child of the test, which execs when the test says so; the test is the
 * subreaper of the process that waits for that exec, so it can wait for it.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "ocitest.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/strv.h"
#include "lib/ocihooks/hooksetup.h"
#include "lib/ocihooks/ocirun.h"
#include "lib/config/config.h"
#include "lib/shared/json.h"
#include "lib/shared/state.h"

#define ID	 "105"
#define POSTSTOP "hooks.poststop"

static char bundle[PATH_MAX];

static void setup(void)
{
	ocitest_setup();
	ck_assert_int_eq(mkdir(ocitest_path(bundle, sizeof(bundle), "bundle"), 0755), 0);
}

static struct hooksetup setup_of(pid_t pid)
{
	return (struct hooksetup){
		.id = ID,
		.pid = pid,
		.state_dir = ocitest_state,
		.service = PAMTEST_SERVICE,
		.poststart_wait_ms = 20000,
	};
}

/* The bundle's config.json: hooks (taken) and annotations (JSON text, may be NULL). */
static void write_bundle(struct json_object *hooks, const char *annotations)
{
	_cleanup_free_ char *text =
	    ocitest_bundle_text(hooks, annotations ? json_tokener_parse(annotations) : NULL);
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	test_write_file(path, text);
}

static struct config *config_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct config *config_of(const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	struct config *c = NULL;
	struct lxcri_error err = { 0 };
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&text, fmt, ap), 0);
	va_end(ap);
	ck_assert_msg(config_parse("105.conf", text, strlen(text), &c, &err) == 0, "%s",
		      err.message);
	return c;
}

static struct state *new_state(void)
{
	struct state *s = NULL;

	ck_assert_int_eq(state_new(ID, &s), 0);
	return s;
}

static struct state *saved_state(void)
{
	struct state *s = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_msg(state_load(ocitest_state, &s, &err) == 0, "%s", err.message);
	return s;
}

static bool state_file_exists(void)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/" STATE_FILE, ocitest_state);
	return access(path, F_OK) == 0;
}

static const char *hook_path(const char *name)
{
	static char paths[8][PATH_MAX];
	static size_t next;
	char *buf = paths[next++ % ELEMENTSOF(paths)];

	return ocitest_hook_path(buf, PATH_MAX, name);
}

/* A child that stands for the container's init: it execs sleep once go is written to. */
static pid_t fake_init(int *go)
{
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			execl("/bin/sleep", "sleep", "60", (char *)NULL);
		pause();
		_exit(0);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* Reaps our children until one that is not skip ended: the process that waited for the exec. */
static void wait_for_waiter(pid_t skip)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, 0)) == skip)
		;
	ck_assert_int_gt(pid, 0);
}

static void end_init(pid_t init)
{
	kill(init, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static pid_t gone_pid(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* ---- start-host ---- */

START_TEST(test_apply_runs_start_stages_and_records_poststop)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state(), *saved = NULL;
	struct json_object *hooks = json_object_new_object(), *stop1, *data, *list, *h;
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *state = NULL;
	char want[1024];

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	ocitest_add(hooks, OCI_CREATE_RUNTIME, ocitest_hook("runtime", "record", NULL, 0));
	stop1 = ocitest_hook("stop-1", "record", NULL, 7);
	json_object_object_add(stop1, "args", json_tokener_parse("[\"stop-1\", \"--all\"]"));
	ocitest_add(hooks, OCI_POSTSTOP, stop1);
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop-2", "record", NULL, 0));
	write_bundle(hooks, "{\"org.example.tier\": \"web\"}");
	c = config_of("hooks: bundle=%s\nannotation0: com.example.gpu=all\n", bundle);

	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	/* prestart, then createRuntime; poststop is for the teardown. */
	ocitest_assert_order("pre\nruntime\n");
	state = ocitest_output("pre", ".stdin");
	snprintf(want, sizeof(want),
		 "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"creating\",\"pid\":%d,"
		 "\"bundle\":\"%s\",\"annotations\":{\"com.example.gpu\":\"all\","
		 "\"org.example.tier\":\"web\"}}",
		 (int)getpid(), bundle);
	ck_assert_str_eq(state, want);

	/* The record: applied, and on disk. */
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(s->items[0].kind, POSTSTOP);
	ck_assert_int_eq(s->items[0].status, STATE_ITEM_APPLIED);
	ck_assert_str_eq(s->items[0].hook, "start-host");
	data = s->items[0].data;
	list = ocitest_field(ocitest_field(data, "hooks"), "poststop");
	ck_assert_uint_eq(json_object_array_length(list), 2);
	h = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(json_object_get_string(ocitest_field(h, "path")), hook_path("stop-1"));
	ck_assert_str_eq(json_object_to_json_string(ocitest_field(h, "args")),
			 "[ \"stop-1\", \"--all\" ]");
	ck_assert_uint_eq(json_object_array_length(ocitest_field(h, "env")), 3);
	ck_assert_int_eq(json_object_get_int(ocitest_field(h, "timeout")), 7);
	h = json_object_array_get_idx(list, 1);
	ck_assert_str_eq(json_object_get_string(ocitest_field(h, "path")), hook_path("stop-2"));
	ck_assert(!json_object_object_get_ex(h, "args", NULL));
	ck_assert(!json_object_object_get_ex(h, "timeout", NULL));
	ck_assert_str_eq(json_object_get_string(ocitest_field(data, "bundle")), bundle);
	ck_assert_ptr_null(ocitest_field(data, "user"));
	ck_assert_str_eq(json_object_to_json_string(ocitest_field(data, "hook_annotations")),
			 "[ \"com.example.gpu=all\", \"org.example.tier=web\" ]");
	saved = saved_state();
	ck_assert_uint_eq(saved->n_items, 1);
	ck_assert_str_eq(saved->items[0].kind, POSTSTOP);
	ck_assert_int_eq(saved->items[0].status, STATE_ITEM_APPLIED);
}
END_TEST

START_TEST(test_poststop_recorded_before_any_hook_runs)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state(), *seen = NULL;
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char path[PATH_MAX + 16];
	_cleanup_free_ char *copy = NULL;

	/* The first hook copies the state file as it finds it. */
	snprintf(path, sizeof(path), "%s/" STATE_FILE, ocitest_state);
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "copy", path, 0));
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);

	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	copy = ocitest_output("pre", ".copy");
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_eq(state_parse("copy", copy, strlen(copy), &seen, &err), 0);
	ck_assert_uint_eq(seen->n_items, 1);
	ck_assert_str_eq(seen->items[0].kind, POSTSTOP);
	ck_assert_str_eq(
	    json_object_get_string(ocitest_field(
		json_object_array_get_idx(
		    ocitest_field(ocitest_field(seen->items[0].data, "hooks"), "poststop"), 0),
		"path")),
	    hook_path("stop"));
}
END_TEST

START_TEST(test_refused_start_runs_poststop_once_at_teardown)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state(), *saved = NULL;
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char want[PATH_MAX + 128];
	_cleanup_free_ char *state = NULL;

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("fails", "fail", "1", 0));
	ocitest_add(hooks, OCI_CREATE_RUNTIME, ocitest_hook("runtime", "record", NULL, 0));
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\nannotation0: k=v\n", bundle);

	ck_assert_int_eq(hooksetup_apply(&hs, c, s, &err), -EIO);
	snprintf(want, sizeof(want), "prestart hook '%s' (user root) failed: exit 1 in ",
		 hook_path("fails"));
	ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "%s", err.message);
	/* Nothing after the failure ran; the poststop hooks are recorded for the teardown. */
	ocitest_assert_order("fails\n");
	saved = saved_state();
	ck_assert_uint_eq(saved->n_items, 1);
	ck_assert_str_eq(saved->items[0].kind, POSTSTOP);

	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 0);
	ocitest_assert_order("fails\nstop\n");
	state = ocitest_output("stop", ".stdin");
	snprintf(
	    want, sizeof(want),
	    "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"stopped\",\"bundle\":\"%s\","
	    "\"annotations\":{\"k\":\"v\"}}",
	    bundle);
	ck_assert_str_eq(state, want);
	ck_assert_uint_eq(s->n_items, 0);
	state_free(saved);
	saved = saved_state();
	ck_assert_uint_eq(saved->n_items, 0);

	/* Once: a second teardown has nothing to run. */
	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 0);
	ocitest_assert_order("fails\nstop\n");
}
END_TEST

START_TEST(test_refused_start_in_container_stage)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	struct json_object *hooks = json_object_new_object(), *start = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct hooksetup hs = setup_of(gone_pid());

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	ocitest_add(hooks, OCI_CREATE_RUNTIME, ocitest_hook("runtime", "record", NULL, 0));
	ocitest_add(hooks, OCI_CREATE_CONTAINER, ocitest_hook("create", "record", NULL, 0));
	json_object_object_add(start, "path", json_object_new_string("/hook.sh"));
	ocitest_add(hooks, OCI_START_CONTAINER, start);
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);

	/* The container's init is gone: its hooks cannot run in it, and the start is refused. */
	ck_assert_int_eq(hooksetup_apply(&hs, c, s, &err), -ESRCH);
	ck_assert_msg(strncmp(err.message, "createContainer hooks: ", 23) == 0, "%s", err.message);
	ocitest_assert_order("pre\nruntime\n");
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(s->items[0].kind, POSTSTOP);
}
END_TEST

START_TEST(test_apply_refused_runs_nothing)
{
	_cleanup_state_ struct state *s = new_state();
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char dir[PATH_MAX], want[3 * PATH_MAX];

	ocitest_path(dir, sizeof(dir), "hooks.d");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop", "record", NULL, 0));
	write_bundle(hooks, NULL);
	{
		_cleanup_config_ struct config *c =
		    config_of("hooks: dir=%s,bundle=%s\n", dir, bundle);

		ck_assert_int_eq(hooksetup_apply(&hs, c, s, &err), -EPERM);
		snprintf(want, sizeof(want),
			 "Refusing the hooks of '%s': '%s' is writable by group or others", dir,
			 dir);
		ck_assert_str_eq(err.message, want);
	}
	ocitest_assert_order("");
	ck_assert_uint_eq(s->n_items, 0);
	ck_assert(!state_file_exists());

	/* Where the record cannot be written, no hook runs either. */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	{
		_cleanup_config_ struct config *c =
		    config_of("hooks: dir=%s,bundle=%s\n", dir, bundle);
		char missing[PATH_MAX];

		hs.state_dir = ocitest_path(missing, sizeof(missing), "no-such-dir");
		ck_assert_int_lt(hooksetup_apply(&hs, c, s, &err), 0);
		ck_assert_int_lt(err.code, 0);
	}
	ocitest_assert_order("");
}
END_TEST

START_TEST(test_apply_without_poststop_records_nothing)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);

	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	ocitest_assert_order("pre\n");
	ck_assert_uint_eq(s->n_items, 0);
	ck_assert(!state_file_exists());
}
END_TEST

START_TEST(test_apply_warns_of_skipped_files)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char dir[PATH_MAX], path[PATH_MAX + 16], want[PATH_MAX + 64];
	_cleanup_free_ char *reports = NULL, *warnings = NULL;

	ocitest_path(dir, sizeof(dir), "hooks.d");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	test_write_file(path, "{\"version\": \"1.0.0\", \"hook\": ");
	snprintf(path, sizeof(path), "%s/good.json", dir);
	ocitest_hooks_d_file(path, ocitest_hook("good", "record", NULL, 0), OCI_PRESTART,
			     "{\"always\": true}");
	c = config_of("hooks: dir=%s\n", dir);

	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	ocitest_assert_order("good\n");
	reports = ocitest_reports();
	warnings = ocitest_lines(reports, "warning: ");
	snprintf(want, sizeof(want), "warning: hooks.d: %s/bad.json: ", dir);
	ck_assert_msg(strncmp(warnings, want, strlen(want)) == 0, "%s", warnings);
	ck_assert_uint_eq(ocitest_count(warnings, "\n"), 1);
	ocitest_assert_contains(warnings, " (skipped)\n");
}
END_TEST

/* ---- poststart ---- */

START_TEST(test_poststart_runs_once_init_has_execd)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	_cleanup_json_ struct json_object *runs = NULL;
	struct json_object *hooks = json_object_new_object(), *run;
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *state = NULL;
	char want[512], key[PATH_MAX + 16];
	int go;
	pid_t init;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	init = fake_init(&go);
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	ocitest_add(hooks, OCI_POSTSTART, ocitest_hook("started", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);
	struct hooksetup hs = setup_of(init);

	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	/* Back before the init's exec, which the poststart hook waits for. */
	ocitest_assert_order("pre\n");
	ck_assert_int_eq(write(go, "x", 1), 1);
	wait_for_waiter(init);
	ocitest_assert_order("pre\nstarted\n");
	state = ocitest_output("started", ".stdin");
	snprintf(want, sizeof(want),
		 "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"running\",\"pid\":%d,"
		 "\"bundle\":\"%s\",\"annotations\":{}}",
		 (int)init, bundle);
	ck_assert_str_eq(state, want);
	runs = ocirun_last_runs(ocitest_state);
	snprintf(key, sizeof(key), "poststart %s", hook_path("started"));
	ck_assert_msg(json_object_object_get_ex(runs, key, &run), "%s",
		      json_object_to_json_string(runs));
	ck_assert_int_eq(json_object_get_int(ocitest_field(run, "exit")), 0);
	close(go);
	end_init(init);
}
END_TEST

START_TEST(test_poststart_not_run_without_exec)
{
	_cleanup_config_ struct config *c = NULL;
	struct json_object *hooks = json_object_new_object();
	int go;
	pid_t init;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	ocitest_add(hooks, OCI_POSTSTART, ocitest_hook("started", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);

	/* An init that never execs. */
	init = fake_init(&go);
	{
		_cleanup_state_ struct state *s = new_state();
		struct hooksetup hs = setup_of(init);
		struct lxcri_error err = { 0 };
		_cleanup_free_ char *reports = NULL;

		hs.poststart_wait_ms = 300;
		ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
		wait_for_waiter(init);
		ocitest_assert_order("");
		reports = ocitest_reports();
		ocitest_assert_contains(reports,
					"warning: poststart hooks not run: the container's "
					"init did not exec in time\n");
	}
	close(go);
	end_init(init);

	/* An init that is gone. */
	{
		_cleanup_state_ struct state *s = new_state();
		struct hooksetup hs = setup_of(gone_pid());
		struct lxcri_error err = { 0 };
		_cleanup_free_ char *reports = NULL;

		ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
		wait_for_waiter(0);
		ocitest_assert_order("");
		reports = ocitest_reports();
		ocitest_assert_contains(reports,
					"warning: poststart hooks not run: the container's "
					"init is gone\n");
	}
}
END_TEST

/* ---- teardown ---- */

START_TEST(test_teardown_runs_what_was_recorded)
{
	_cleanup_state_ struct state *s = new_state(), *loaded = NULL;
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char dir[PATH_MAX], path[PATH_MAX + 16], want[PATH_MAX + 256];
	_cleanup_free_ char *run_b = NULL, *run_d = NULL, *state = NULL;

	ocitest_path(dir, sizeof(dir), "hooks.d");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/stop.json", dir);
	ocitest_hooks_d_file(path, ocitest_hook("stop-d", "record", NULL, 0), OCI_POSTSTOP,
			     "{\"always\": true}");
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop-b", "record", NULL, 0));
	write_bundle(hooks, "{\"org.example.tier\": \"web\"}");
	{
		_cleanup_config_ struct config *c = config_of(
		    "hooks: dir=%s,bundle=%s\nhook-user: nobody\nannotation0: k=v\n", dir, bundle);

		ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	}
	ocitest_assert_order("");

	/* What changes after the start is not what runs at its end. */
	ck_assert_int_eq(unlink(path), 0);
	hooks = json_object_new_object();
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("changed", "record", NULL, 0));
	write_bundle(hooks, NULL);

	/* The teardown of another process: the state as it was saved. */
	loaded = saved_state();
	ck_assert_uint_eq(hooksetup_teardown(&hs, loaded, &err), 0);
	ocitest_assert_order("stop-b\nstop-d\n");
	run_b = ocitest_output("stop-b", ".run");
	run_d = ocitest_output("stop-d", ".run");
	ocitest_assert_contains(run_b, "uid=65534\n");
	ocitest_assert_contains(run_d, "uid=65534\n");
	state = ocitest_output("stop-d", ".stdin");
	snprintf(
	    want, sizeof(want),
	    "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"stopped\",\"bundle\":\"%s\","
	    "\"annotations\":{\"k\":\"v\",\"org.example.tier\":\"web\"}}",
	    bundle);
	ck_assert_str_eq(state, want);
	ck_assert_uint_eq(loaded->n_items, 0);
}
END_TEST

START_TEST(test_teardown_failures_are_warnings)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	struct json_object *hooks = json_object_new_object(), *failing;
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char want[PATH_MAX + 128];
	_cleanup_free_ char *reports = NULL;

	failing = ocitest_hook("fails", "fail", "2", 0);
	json_object_array_add(ocitest_field(failing, "env"),
			      json_object_new_string(OCITEST_STDERR "=device busy"));
	ocitest_add(hooks, OCI_POSTSTOP, failing);
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("works", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);
	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);

	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 0);
	ocitest_assert_order("fails\nworks\n");
	ck_assert_uint_eq(s->n_items, 0);
	reports = ocitest_reports();
	snprintf(want, sizeof(want), "warning: poststop hook '%s' (user root) failed: exit 2 in ",
		 hook_path("fails"));
	ocitest_assert_contains(reports, want);
	ocitest_assert_contains(reports, " ms: device busy (it does not stop the container)\n");
}
END_TEST

START_TEST(test_teardown_of_a_bad_record)
{
	_cleanup_state_ struct state *s = new_state();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *reports = NULL;
	size_t index;

	ck_assert_int_eq(state_item_add(s, POSTSTOP, "start-host",
					json_tokener_parse("{\"hooks\": {\"poststop\": [{\"path\": "
							   "\"relative/hook\"}]}}"),
					&index),
			 0);
	state_item_set_applied(s, index);
	ck_assert_int_eq(state_item_add(s, POSTSTOP, "start-host", NULL, &index), 0);
	state_item_set_applied(s, index);

	/* Warnings, and the records go: they would fail the same way every time. */
	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 0);
	ck_assert_uint_eq(s->n_items, 0);
	reports = ocitest_reports();
	ocitest_assert_contains(reports,
				"warning: poststop hooks: recorded poststop hooks: "
				"hooks.poststop[0]: 'path' 'relative/hook' is not absolute\n");
	ocitest_assert_contains(reports, "warning: poststop hooks: recorded poststop hooks: ");
	ck_assert_uint_eq(ocitest_count(reports, "warning: poststop hooks: "), 2);
	ocitest_assert_order("");
}
END_TEST

START_TEST(test_teardown_of_odd_annotations)
{
	_cleanup_state_ struct state *s = new_state();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };
	char text[2 * PATH_MAX];
	_cleanup_free_ char *state = NULL;
	size_t index;

	/* A record edited by hand: what is not a string is no annotation, and no crash. */
	snprintf(text, sizeof(text),
		 "{\"hooks\": {\"poststop\": [{\"path\": \"%s\", \"env\": [\"" OCITEST_MODE
		 "=record\", \"" OCITEST_OUT "=%s\", \"" OCITEST_NAME "=stop\"]}]}, "
		 "\"hook_annotations\": [\"k=v\", null, 5, {}]}",
		 hook_path("stop"), ocitest_out);
	ck_assert_int_eq(
	    state_item_add(s, POSTSTOP, "start-host", json_tokener_parse(text), &index), 0);
	state_item_set_applied(s, index);

	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 0);
	ocitest_assert_order("stop\n");
	state = ocitest_output("stop", ".stdin");
	ck_assert_str_eq(state, "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"stopped\","
				"\"annotations\":{\"k\":\"v\"}}");
	ck_assert_uint_eq(s->n_items, 0);
}
END_TEST

START_TEST(test_teardown_leaves_other_items)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(state_item_add(s, "veth", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_item_add(s, "hooks.future", "start-host", NULL, NULL), 0);
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);
	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	ck_assert_int_eq(state_item_add(s, "portfwd", "start-host", NULL, NULL), 0);

	/* One item of this feature that it cannot undo is left; the other features' are not its. */
	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 1);
	ocitest_assert_order("stop\n");
	ck_assert_uint_eq(s->n_items, 3);
	ck_assert_str_eq(s->items[0].kind, "veth");
	ck_assert_str_eq(s->items[1].kind, "hooks.future");
	ck_assert_str_eq(s->items[2].kind, "portfwd");
}
END_TEST

START_TEST(test_teardown_with_a_state_that_cannot_be_saved)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_state_ struct state *s = new_state();
	struct json_object *hooks = json_object_new_object();
	struct hooksetup hs = setup_of(getpid());
	struct lxcri_error err = { 0 };

	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("stop", "record", NULL, 0));
	write_bundle(hooks, NULL);
	c = config_of("hooks: bundle=%s\n", bundle);
	ck_assert_msg(hooksetup_apply(&hs, c, s, &err) == 0, "%s", err.message);
	ck_assert(test_mount_read_only(ocitest_state));

	/* The hooks ran, once; that the file lags behind is said. */
	ck_assert_uint_eq(hooksetup_teardown(&hs, s, &err), 1);
	ck_assert_int_eq(err.code, -EROFS);
	ocitest_assert_contains(err.message, "Read-only file system");
	ocitest_assert_order("stop\n");
	ck_assert_uint_eq(s->n_items, 0);
	ck_assert_int_eq(umount2(ocitest_state, MNT_DETACH), 0);
}
END_TEST

static Suite *hooksetup_suite(void)
{
	Suite *s = suite_create("hooksetup");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, ocitest_teardown);
	tcase_add_test(tc, test_apply_runs_start_stages_and_records_poststop);
	tcase_add_test(tc, test_poststop_recorded_before_any_hook_runs);
	tcase_add_test(tc, test_refused_start_runs_poststop_once_at_teardown);
	tcase_add_test(tc, test_refused_start_in_container_stage);
	tcase_add_test(tc, test_apply_refused_runs_nothing);
	tcase_add_test(tc, test_apply_without_poststop_records_nothing);
	tcase_add_test(tc, test_apply_warns_of_skipped_files);
	tcase_add_test(tc, test_poststart_runs_once_init_has_execd);
	tcase_add_test(tc, test_poststart_not_run_without_exec);
	tcase_add_test(tc, test_teardown_runs_what_was_recorded);
	tcase_add_test(tc, test_teardown_failures_are_warnings);
	tcase_add_test(tc, test_teardown_of_a_bad_record);
	tcase_add_test(tc, test_teardown_of_odd_annotations);
	tcase_add_test(tc, test_teardown_leaves_other_items);
	tcase_add_test(tc, test_teardown_with_a_state_that_cannot_be_saved);
	suite_add_tcase(s, tc);
	return s;
}

OCITEST_MAIN(hooksetup_suite)
