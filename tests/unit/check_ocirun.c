/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ocirun: which hooks a container gets (ocirun_collect) and how each stage
 * runs them (ocirun_stage), through real PAM under pam_wrapper
 * (pamtest.h). The hooks are this binary again (ocitest.h), which records
 * what it got; createContainer and startContainer hooks run in a
 * "container" the test makes: a process in new pid, uts, net, ipc and
 * mount namespaces, chrooted into a tmpfs that has the host's /usr.
 */
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ocitest.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/safe.h"
#include "lib/basic/strv.h"
#include "lib/ocihooks/ocirun.h"
#include "lib/config/config.h"
#include "lib/shared/json.h"
#include "lib/shared/state.h"

#define ID	      "105"
#define BUNDLE_SOURCE "/srv/bundles/105/config.json"

/* The hooks of a runtime-spec "hooks" object (taken), as a bundle would give them. */
static void parse_hooks(struct json_object *hooks, struct oci_hooks *ret)
{
	_cleanup_free_ char *text = ocitest_bundle_text(hooks, NULL);
	struct lxcri_error err = { 0 };

	ck_assert_msg(ocihooks_parse_bundle(BUNDLE_SOURCE, text, strlen(text), ret, NULL, &err) ==
			  0,
		      "%s", err.message);
}

static struct ocirun run_of(void)
{
	return (struct ocirun){
		.id = ID,
		.pid = getpid(),
		.service = PAMTEST_SERVICE,
		.state_dir = ocitest_state,
	};
}

static struct config *config_of(const char *text)
{
	struct config *c = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_msg(config_parse("105.conf", text, strlen(text), &c, &err) == 0, "%s",
		      err.message);
	return c;
}

/* err's message starts with "<start>" and ends with "<end>". */
static void assert_message(const struct lxcri_error *err, const char *start, const char *end)
{
	size_t n = strlen(err->message), k = strlen(end);

	ck_assert_msg(strncmp(err->message, start, strlen(start)) == 0, "want '%s...' in: %s",
		      start, err->message);
	ck_assert_msg(n >= k && strcmp(err->message + n - k, end) == 0, "want '...%s' in: %s", end,
		      err->message);
}

/* The hooks of a stage, by path, one a line. */
static char *stage_paths(const struct oci_hooks *h, enum oci_stage stage)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	for (size_t i = 0; i < h->n[stage]; i++)
		fprintf(f, "%s\n", h->by_stage[stage][i].path);
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

static char *bin_paths(const char *const *names)
{
	char *out = NULL, path[PATH_MAX];
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	for (size_t i = 0; names[i]; i++)
		fprintf(f, "%s\n", ocitest_hook_path(path, sizeof(path), names[i]));
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

static struct json_object *last_run(struct json_object *runs, enum oci_stage stage,
				    const char *path)
{
	char key[PATH_MAX + 32];
	struct json_object *run;

	snprintf(key, sizeof(key), "%s %s", ocihooks_stage_name(stage), path);
	ck_assert_msg(json_object_object_get_ex(runs, key, &run), "no '%s' in %s", key,
		      json_object_to_json_string(runs));
	return run;
}

/* ---- running a stage ---- */

START_TEST(test_stage_runs_hooks_in_order)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object(), *second;
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char *annotations[] = { (char *)"com.example.gpu=all", (char *)"note=a=b", NULL };
	char want[1024], p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
	_cleanup_free_ char *stdin1 = NULL, *run2 = NULL, *args = NULL, *env = NULL,
			    *reports = NULL, *audit = NULL;

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("first", "record", NULL, 0));
	second = ocitest_hook("second", "record", NULL, 10);
	json_object_object_add(second, "args",
			       json_tokener_parse("[\"net-setup\", \"--mode\", "
						  "\"two words\", \"\"]"));
	json_object_array_add(ocitest_field(second, "env"), json_object_new_string("EMPTY="));
	ocitest_add(hooks, OCI_PRESTART, second);
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("third", "record", NULL, 0));
	parse_hooks(hooks, &h);
	r.bundle = "/srv/bundles/105";
	r.annotations = annotations;

	ck_assert_msg(ocirun_stage(&r, &h, OCI_PRESTART, &err) == 3, "%s", err.message);
	ocitest_assert_order("first\nsecond\nthird\n");

	/* The OCI state on stdin, exactly. */
	stdin1 = ocitest_output("first", ".stdin");
	snprintf(want, sizeof(want),
		 "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"creating\",\"pid\":%d,"
		 "\"bundle\":\"/srv/bundles/105\",\"annotations\":{\"com.example.gpu\":\"all\","
		 "\"note\":\"a=b\"}}",
		 (int)getpid());
	ck_assert_str_eq(stdin1, want);

	/* args and env exactly as the hook gives them (the service adds no variables). */
	run2 = ocitest_output("second", ".run");
	ck_assert_ptr_nonnull(run2);
	args = ocitest_lines(run2, "arg=");
	ck_assert_str_eq(args, "arg=net-setup\narg=--mode\narg=two words\narg=\n");
	env = ocitest_lines(run2, "env=");
	snprintf(want, sizeof(want),
		 "env=" OCITEST_MODE "=record\nenv=" OCITEST_OUT "=%s\nenv=" OCITEST_NAME
		 "=second\nenv=EMPTY=\n",
		 ocitest_out);
	ck_assert_str_eq(env, want);
	ck_assert_ptr_nonnull(strstr(run2, "uid=0\n"));

	/* One audit line per run, naming stage, path, user and source. */
	reports = ocitest_reports();
	audit = ocitest_lines(reports, "info: ");
	ck_assert_uint_eq(ocitest_count(audit, "\n"), 3);
	snprintf(want, sizeof(want),
		 "info: hook prestart '%s' (user root, " BUNDLE_SOURCE "): exit 0 in ",
		 ocitest_hook_path(p1, sizeof(p1), "first"));
	ocitest_assert_contains(audit, want);
	snprintf(want, sizeof(want),
		 "info: hook prestart '%s' (user root, " BUNDLE_SOURCE "): exit 0 in ",
		 ocitest_hook_path(p2, sizeof(p2), "second"));
	ocitest_assert_contains(audit, want);
	ocitest_hook_path(p3, sizeof(p3), "third");
	ck_assert(strstr(audit, p3) && strstr(audit, p1) < strstr(audit, p2) &&
		  strstr(audit, p2) < strstr(audit, p3));
	ck_assert_ptr_null(strstr(reports, "warning: "));
}
END_TEST

START_TEST(test_state_of_each_host_stage)
{
	static const struct {
		enum oci_stage stage;
		const char *status;
		bool pid;
	} stages[] = {
		{ OCI_PRESTART, "creating", true },
		{ OCI_CREATE_RUNTIME, "creating", true },
		{ OCI_POSTSTART, "running", true },
		/* Stopped: no pid, even where the caller still has one. */
		{ OCI_POSTSTOP, "stopped", false },
	};
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct ocirun r = run_of();

	for (size_t i = 0; i < ELEMENTSOF(stages); i++)
		ocitest_add(hooks, stages[i].stage,
			    ocitest_hook(ocihooks_stage_name(stages[i].stage), "record", NULL, 0));
	parse_hooks(hooks, &h);
	r.pid = 4242;

	for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
		struct lxcri_error err = { 0 };
		_cleanup_free_ char *got = NULL;
		char want[512];

		ck_assert_msg(ocirun_stage(&r, &h, stages[i].stage, &err) == 1, "%s", err.message);
		got = ocitest_output(ocihooks_stage_name(stages[i].stage), ".stdin");
		snprintf(want, sizeof(want),
			 "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"%s\",%s"
			 "\"annotations\":{}}",
			 stages[i].status, stages[i].pid ? "\"pid\":4242," : "");
		ck_assert_str_eq(got, want);
	}
	ocitest_assert_order("prestart\ncreateRuntime\npoststart\npoststop\n");
}
END_TEST

START_TEST(test_failed_hook_stops_its_stage)
{
	static const enum oci_stage aborting[] = { OCI_PRESTART, OCI_CREATE_RUNTIME };

	for (size_t i = 0; i < ELEMENTSOF(aborting); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_json_ struct json_object *runs = NULL;
		struct json_object *hooks = json_object_new_object(), *failing, *run;
		struct lxcri_error err = { 0 };
		struct ocirun r = run_of();
		const char *name = ocihooks_stage_name(aborting[i]);
		char ok[64], fail[64], never[64], path[PATH_MAX], start[PATH_MAX + 64];
		char order[256], okpath[PATH_MAX], neverpath[PATH_MAX];
		_cleanup_free_ char *got = NULL;
		struct json_object *unused;

		snprintf(ok, sizeof(ok), "%s-ok", name);
		snprintf(fail, sizeof(fail), "%s-fail", name);
		snprintf(never, sizeof(never), "%s-never", name);
		ocitest_add(hooks, aborting[i], ocitest_hook(ok, "record", NULL, 0));
		failing = ocitest_hook(fail, "fail", "3", 0);
		json_object_array_add(ocitest_field(failing, "env"),
				      json_object_new_string(OCITEST_STDERR "=no GPU found"));
		ocitest_add(hooks, aborting[i], failing);
		ocitest_add(hooks, aborting[i], ocitest_hook(never, "record", NULL, 0));
		parse_hooks(hooks, &h);

		ck_assert_int_eq(ocirun_stage(&r, &h, aborting[i], &err), -EIO);
		ck_assert_int_eq(err.code, -EIO);
		snprintf(start, sizeof(start), "%s hook '%s' (user root) failed: exit 3 in ", name,
			 ocitest_hook_path(path, sizeof(path), fail));
		assert_message(&err, start, " ms: no GPU found");
		got = ocitest_order();
		snprintf(order, sizeof(order), "%s%s\n%s\n",
			 i ? "prestart-ok\nprestart-fail\n" : "", ok, fail);
		ck_assert_str_eq(got, order);

		/* The last runs: the failure with its message, nothing of the hook after it. */
		runs = ocirun_last_runs(ocitest_state);
		ck_assert_ptr_nonnull(runs);
		run = last_run(runs, aborting[i], ocitest_hook_path(okpath, sizeof(okpath), ok));
		ck_assert_int_eq(json_object_get_int(ocitest_field(run, "exit")), 0);
		ck_assert_ptr_null(ocitest_field(run, "error"));
		run = last_run(runs, aborting[i], path);
		ck_assert_int_eq(json_object_get_int(ocitest_field(run, "exit")), 3);
		ck_assert_str_eq(json_object_get_string(ocitest_field(run, "error")), err.message);
		snprintf(start, sizeof(start), "%s %s", name,
			 ocitest_hook_path(neverpath, sizeof(neverpath), never));
		ck_assert(!json_object_object_get_ex(runs, start, &unused));
	}
}
END_TEST

START_TEST(test_failures_after_start_do_not_stop)
{
	static const enum oci_stage going_on[] = { OCI_POSTSTART, OCI_POSTSTOP };

	for (size_t i = 0; i < ELEMENTSOF(going_on); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		struct json_object *hooks = json_object_new_object(), *failing;
		struct lxcri_error err = { 0 };
		struct ocirun r = run_of();
		const char *name = ocihooks_stage_name(going_on[i]);
		char want[PATH_MAX + 256], path[PATH_MAX];
		_cleanup_free_ char *reports = NULL, *warnings = NULL;

		if (going_on[i] == OCI_POSTSTOP)
			r.pid = 0;
		failing = ocitest_hook("fails", "fail", "1", 0);
		json_object_array_add(
		    ocitest_field(failing, "env"),
		    json_object_new_string(OCITEST_STDERR "=umount: target is busy"));
		ocitest_add(hooks, going_on[i], failing);
		ocitest_add(hooks, going_on[i], ocitest_hook("killed", "kill", NULL, 0));
		ocitest_add(hooks, going_on[i], ocitest_hook("works", "record", NULL, 0));
		parse_hooks(hooks, &h);
		(void)unlink(ocitest_reports_path);

		/* Every hook ran; the one that worked is counted. */
		ck_assert_msg(ocirun_stage(&r, &h, going_on[i], &err) == 1, "%s", err.message);
		{
			_cleanup_free_ char *order = ocitest_order();
			char expect[256];

			snprintf(expect, sizeof(expect), "%sfails\nkilled\nworks\n",
				 i ? "fails\nkilled\nworks\n" : "");
			ck_assert_str_eq(order, expect);
		}
		reports = ocitest_reports();
		warnings = ocitest_lines(reports, "warning: ");
		ck_assert_uint_eq(ocitest_count(warnings, "\n"), 2);
		snprintf(want, sizeof(want), "warning: %s hook '%s' (user root) failed: exit 1 in ",
			 name, ocitest_hook_path(path, sizeof(path), "fails"));
		ocitest_assert_contains(warnings, want);
		ocitest_assert_contains(
		    warnings, " ms: umount: target is busy (it does not stop the container)\n");
		snprintf(want, sizeof(want),
			 "warning: %s hook '%s' (user root) failed: killed by signal 9 in ", name,
			 ocitest_hook_path(path, sizeof(path), "killed"));
		ocitest_assert_contains(warnings, want);
	}
}
END_TEST

START_TEST(test_hung_hook_is_killed_at_its_timeout)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	_cleanup_json_ struct json_object *runs = NULL;
	struct json_object *hooks = json_object_new_object(), *run;
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char path[PATH_MAX], start[PATH_MAX + 64];
	_cleanup_free_ char *pids = NULL;
	int hook = 0, child = 0;

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("hangs", "hang", NULL, 1));
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("after", "record", NULL, 0));
	parse_hooks(hooks, &h);

	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), -EIO);
	snprintf(start, sizeof(start),
		 "prestart hook '%s' (user root) failed: killed at its timeout after ",
		 ocitest_hook_path(path, sizeof(path), "hangs"));
	assert_message(&err, start, " ms");
	ocitest_assert_order("hangs\n");

	/* The hook and its child, its whole process group, are gone. */
	pids = ocitest_output("hangs", ".pids");
	ck_assert_ptr_nonnull(pids);
	ck_assert_int_eq(sscanf(pids, "%d %d", &hook, &child), 2);
	ck_assert(ocitest_wait_dead(hook));
	ck_assert(ocitest_wait_dead(child));

	runs = ocirun_last_runs(ocitest_state);
	run = last_run(runs, OCI_PRESTART, path);
	ck_assert(json_object_get_boolean(ocitest_field(run, "timed_out")));
	ck_assert_ptr_null(ocitest_field(run, "exit"));
	ck_assert_ptr_null(ocitest_field(run, "signal"));
	ck_assert_str_eq(json_object_get_string(ocitest_field(run, "error")), err.message);
}
END_TEST

START_TEST(test_hook_with_much_output)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char path[PATH_MAX], start[PATH_MAX + 64];
	const char *tail;

	/* A megabyte on stdout and on stderr: it runs to its end, and fails as it says. */
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("chatty", "flood", "0", 0));
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("flood", "flood", "2", 0));
	parse_hooks(hooks, &h);

	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), -EIO);
	ocitest_assert_order("chatty\nflood\n");
	snprintf(start, sizeof(start), "prestart hook '%s' (user root) failed: exit 2 in ",
		 ocitest_hook_path(path, sizeof(path), "flood"));
	assert_message(&err, start, "EEEE");
	/* The message holds the start of what it wrote, 300 characters of it. */
	tail = strstr(err.message, " ms: flood:");
	ck_assert_ptr_nonnull(tail);
	tail += strlen(" ms: ");
	ck_assert_uint_eq(strlen(tail), 300);
	ck_assert_uint_eq(strspn(tail + strlen("flood:"), "E"), 300 - strlen("flood:"));
}
END_TEST

START_TEST(test_untrusted_host_program_is_refused)
{
	char world[PATH_MAX], bin[PATH_MAX], path[PATH_MAX], marker[PATH_MAX + 32];
	char body[PATH_MAX + 64], want[4 * PATH_MAX];
	struct {
		const char *name;
		const char *why; /* after "Refusing prestart hook '<path>': " */
	} cases[] = {
		{ "group-writable", "'%s' is writable by group or others" },
		{ "not-roots", "'%s' is owned by uid 1000, not root" },
		{ "via-link", "'%s' is writable by group or others" },
		{ "missing", "Failed to resolve '%s': No such file or directory" },
	};

	ocitest_path(world, sizeof(world), "world");
	ck_assert_int_eq(mkdir(world, 0755), 0);
	ck_assert_int_eq(chmod(world, 0777), 0);
	snprintf(body, sizeof(body), ": > %s/ran\n", ocitest_out);
	snprintf(marker, sizeof(marker), "%s/ran", ocitest_out);
	snprintf(bin, sizeof(bin), "%s/group-writable", ocitest_bin);
	ocitest_script(bin, body, 0775);
	snprintf(bin, sizeof(bin), "%s/not-roots", ocitest_bin);
	ocitest_script(bin, body, 0755);
	ck_assert_int_eq(chown(bin, 1000, 1000), 0);
	/* A root-owned program, but in a directory anyone may change: reached by a link. */
	snprintf(path, sizeof(path), "%s/prog", world);
	ocitest_script(path, body, 0755);
	snprintf(bin, sizeof(bin), "%s/via-link", ocitest_bin);
	ck_assert_int_eq(symlink(path, bin), 0);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_json_ struct json_object *runs = NULL;
		struct json_object *hooks = json_object_new_object(), *hook, *run;
		struct lxcri_error err = { 0 };
		struct ocirun r = run_of();
		char shown[PATH_MAX];

		snprintf(bin, sizeof(bin), "%s/%s", ocitest_bin, cases[i].name);
		hook = json_object_new_object();
		json_object_object_add(hook, "path", json_object_new_string(bin));
		ocitest_add(hooks, OCI_PRESTART, hook);
		parse_hooks(hooks, &h);

		ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err),
				 i == 3 ? -ENOENT : -EPERM);
		snprintf(shown, sizeof(shown), "%s", i == 2 ? world : bin);
		snprintf(path, sizeof(path), "Refusing prestart hook '%s': %s", bin, cases[i].why);
		snprintf(want, sizeof(want), path, shown);
		ck_assert_str_eq(err.message, want);
		ck_assert_int_eq(access(marker, F_OK), -1);
		runs = ocirun_last_runs(ocitest_state);
		run = last_run(runs, OCI_PRESTART, bin);
		ck_assert_str_eq(json_object_get_string(ocitest_field(run, "error")), want);
		ck_assert_ptr_null(ocitest_field(run, "exit"));
	}

	/* At poststop, a warning; the next hook runs. */
	{
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		struct json_object *hooks = json_object_new_object(),
				   *hook = json_object_new_object();
		struct lxcri_error err = { 0 };
		struct ocirun r = run_of();
		_cleanup_free_ char *reports = NULL;

		snprintf(bin, sizeof(bin), "%s/group-writable", ocitest_bin);
		json_object_object_add(hook, "path", json_object_new_string(bin));
		ocitest_add(hooks, OCI_POSTSTOP, hook);
		ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("cleanup", "record", NULL, 0));
		parse_hooks(hooks, &h);
		ck_assert_int_eq(ocirun_stage(&r, &h, OCI_POSTSTOP, &err), 1);
		ocitest_assert_order("cleanup\n");
		ck_assert_int_eq(access(marker, F_OK), -1);
		reports = ocitest_reports();
		snprintf(
		    want, sizeof(want),
		    "warning: Refusing poststop hook '%s': '%s' is writable by group or others "
		    "(it does not stop the container)\n",
		    bin, bin);
		ocitest_assert_contains(reports, want);
	}
}
END_TEST

START_TEST(test_program_that_cannot_run)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object(), *hook = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char path[PATH_MAX], body[PATH_MAX + 64], marker[PATH_MAX + 32], start[2 * PATH_MAX];
	_cleanup_free_ char *reports = NULL;

	snprintf(path, sizeof(path), "%s/not-executable", ocitest_bin);
	snprintf(body, sizeof(body), ": > %s/ran\n", ocitest_out);
	snprintf(marker, sizeof(marker), "%s/ran", ocitest_out);
	ocitest_script(path, body, 0644);
	json_object_object_add(hook, "path", json_object_new_string(path));
	ocitest_add(hooks, OCI_PRESTART, hook);
	parse_hooks(hooks, &h);

	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), -EACCES);
	snprintf(start, sizeof(start), "prestart hook '%s' (user root) did not run: ", path);
	assert_message(&err, start, "Permission denied");
	ocitest_assert_contains(err.message, path);
	ck_assert_int_eq(access(marker, F_OK), -1);
	reports = ocitest_reports();
	snprintf(start, sizeof(start), "warning: %s\n", err.message);
	ocitest_assert_contains(reports, start);
}
END_TEST

START_TEST(test_hook_user)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	_cleanup_json_ struct json_object *runs = NULL;
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char path[PATH_MAX], want[2 * PATH_MAX];
	_cleanup_free_ char *run = NULL, *reports = NULL;

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("as-user", "record", NULL, 0));
	parse_hooks(hooks, &h);
	ocitest_hook_path(path, sizeof(path), "as-user");

	r.user = "nobody";
	ck_assert_msg(ocirun_stage(&r, &h, OCI_PRESTART, &err) == 1, "%s", err.message);
	run = ocitest_output("as-user", ".run");
	ck_assert_ptr_nonnull(strstr(run, "uid=65534\n"));
	reports = ocitest_reports();
	snprintf(want, sizeof(want), "info: hook prestart '%s' (user nobody, ", path);
	ocitest_assert_contains(reports, want);
	runs = ocirun_last_runs(ocitest_state);
	ck_assert_str_eq(
	    json_object_get_string(ocitest_field(last_run(runs, OCI_PRESTART, path), "user")),
	    "nobody");

	/* A user that does not exist: the hook does not run. */
	r.user = "lxcri-no-such-user";
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), -ESRCH);
	snprintf(want, sizeof(want),
		 "prestart hook '%s' (user lxcri-no-such-user) did not run: Unknown user "
		 "'lxcri-no-such-user': not in the passwd database",
		 path);
	ck_assert_str_eq(err.message, want);

	/* PAM refuses the account: neither. */
	pamtest_write_service(PAMTEST_SERVICE,
			      (const char *const[]){ "account required pam_deny.so",
						     "session required pam_permit.so", NULL });
	r.user = "nobody";
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), -EACCES);
	snprintf(want, sizeof(want),
		 "prestart hook '%s' (user nobody) did not run: PAM account check of user "
		 "'nobody' for service '" PAMTEST_SERVICE "' failed: ",
		 path);
	assert_message(&err, want, "");
	ocitest_assert_order("as-user\n");
}
END_TEST

START_TEST(test_last_runs)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 }, failing = { 0 };
	struct json_object *hooks = json_object_new_object(), *run;
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char pre[PATH_MAX], post[PATH_MAX], file[PATH_MAX + 16];
	int64_t before = state_now_ms(), after;
	struct stat st;

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	ocitest_add(hooks, OCI_POSTSTOP, ocitest_hook("post", "fail", "4", 0));
	parse_hooks(hooks, &h);
	ocitest_hook_path(pre, sizeof(pre), "pre");
	ocitest_hook_path(post, sizeof(post), "post");
	snprintf(file, sizeof(file), "%s/" OCIRUN_LAST_RUNS, ocitest_state);

	ck_assert_ptr_null(ocirun_last_runs(ocitest_state));
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), 1);
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_POSTSTOP, &err), 0);
	after = state_now_ms();
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	{
		_cleanup_json_ struct json_object *runs = ocirun_last_runs(ocitest_state);

		ck_assert_int_eq(json_object_object_length(runs), 2);
		run = last_run(runs, OCI_PRESTART, pre);
		ck_assert_str_eq(json_object_get_string(ocitest_field(run, "stage")), "prestart");
		ck_assert_str_eq(json_object_get_string(ocitest_field(run, "path")), pre);
		ck_assert_str_eq(json_object_get_string(ocitest_field(run, "user")), "root");
		ck_assert_int_eq(json_object_get_int(ocitest_field(run, "exit")), 0);
		ck_assert_ptr_null(ocitest_field(run, "signal"));
		ck_assert(!json_object_get_boolean(ocitest_field(run, "timed_out")));
		ck_assert(json_object_is_type(ocitest_field(run, "duration_ms"), json_type_int));
		ck_assert_int_ge(json_object_get_int64(ocitest_field(run, "time")), before);
		ck_assert_int_le(json_object_get_int64(ocitest_field(run, "time")), after);
		ck_assert_ptr_null(ocitest_field(run, "error"));
		run = last_run(runs, OCI_POSTSTOP, post);
		ck_assert_int_eq(json_object_get_int(ocitest_field(run, "exit")), 4);
		ocitest_assert_contains(json_object_get_string(ocitest_field(run, "error")),
					"poststop hook '");
	}

	/* The same hook again: its entry is replaced, the others stay. */
	hooks = json_object_new_object();
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "fail", "3", 0));
	parse_hooks(hooks, &failing);
	ck_assert_int_eq(ocirun_stage(&r, &failing, OCI_PRESTART, &err), -EIO);
	{
		_cleanup_json_ struct json_object *runs = ocirun_last_runs(ocitest_state);

		ck_assert_int_eq(json_object_object_length(runs), 2);
		run = last_run(runs, OCI_PRESTART, pre);
		ck_assert_int_eq(json_object_get_int(ocitest_field(run, "exit")), 3);
		ck_assert_str_eq(json_object_get_string(ocitest_field(run, "error")), err.message);
		last_run(runs, OCI_POSTSTOP, post);
	}

	/* What is not an object of runs is no record, and the next run starts a new one. */
	test_write_file(file, "not JSON at all");
	ck_assert_ptr_null(ocirun_last_runs(ocitest_state));
	test_write_file(file, "[1, 2]");
	ck_assert_ptr_null(ocirun_last_runs(ocitest_state));
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), 1);
	{
		_cleanup_json_ struct json_object *runs = ocirun_last_runs(ocitest_state);

		ck_assert_int_eq(json_object_object_length(runs), 1);
		ck_assert_int_eq(
		    json_object_get_int(ocitest_field(last_run(runs, OCI_PRESTART, pre), "exit")),
		    0);
	}
	ck_assert_ptr_null(ocirun_last_runs(NULL));
	ck_assert_ptr_null(ocirun_last_runs("/nonexistent/lxcri/state"));

	/* Without a state directory, hooks run and nothing is written. */
	ck_assert_int_eq(unlink(file), 0);
	r.state_dir = NULL;
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), 1);
	ck_assert_int_eq(access(file, F_OK), -1);
	ocitest_assert_order("pre\npost\npre\npre\npre\n");
}
END_TEST

START_TEST(test_dry_run_runs_nothing)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char printed[PATH_MAX], a[PATH_MAX], b[PATH_MAX], want[4 * PATH_MAX];
	_cleanup_free_ char *got = NULL;
	int saved, fd;

	ocitest_add(hooks, OCI_CREATE_CONTAINER, ocitest_hook("a", "record", NULL, 0));
	ocitest_add(hooks, OCI_CREATE_CONTAINER, ocitest_hook("b", "record", NULL, 0));
	parse_hooks(hooks, &h);
	r.dry_run = true;
	/* No container: a dry run does not look for one. */
	r.pid = 0;
	ocitest_path(printed, sizeof(printed), "printed");
	fd = open(printed, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	saved = dup(1);
	ck_assert_int_eq(dup2(fd, 1), 1);

	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_CREATE_CONTAINER, &err), 2);
	fflush(stdout);
	ck_assert_int_eq(dup2(saved, 1), 1);
	close(saved);
	close(fd);
	got = ocitest_read(printed);
	snprintf(want, sizeof(want),
		 "createContainer: %s (" BUNDLE_SOURCE "; bundle config.json)\n"
		 "createContainer: %s (" BUNDLE_SOURCE "; bundle config.json)\n",
		 ocitest_hook_path(a, sizeof(a), "a"), ocitest_hook_path(b, sizeof(b), "b"));
	ck_assert_str_eq(got, want);
	ocitest_assert_order("");
	ck_assert_ptr_null(ocirun_last_runs(ocitest_state));
}
END_TEST

START_TEST(test_stage_without_hooks)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();

	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("pre", "record", NULL, 0));
	parse_hooks(hooks, &h);
	/* No container to join when there is nothing to run in it. */
	r.pid = 0;
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_START_CONTAINER, &err), 0);
	ck_assert_int_eq(err.code, 0);
	ocitest_assert_order("");
	ck_assert_ptr_null(ocirun_last_runs(ocitest_state));
}
END_TEST

/* ---- which hooks (ocirun_collect) ---- */

static void dir_make(char *buf, size_t size, const char *name)
{
	ck_assert_int_eq(mkdir(ocitest_path(buf, size, name), 0755), 0);
}

static void hooks_d(const char *dir, const char *file, const char *hook, enum oci_stage stage,
		    const char *when)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ocitest_hooks_d_file(path, ocitest_hook(hook, "record", NULL, 0), stage, when);
}

START_TEST(test_collect_sources_in_order)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	_cleanup_strv_ char **annotations = NULL;
	_cleanup_config_ struct config *c = NULL;
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char d1[PATH_MAX], d2[PATH_MAX], bundle[PATH_MAX], path[PATH_MAX], conf[3 * PATH_MAX];
	_cleanup_free_ char *text = NULL, *got = NULL, *want = NULL;
	const char *always = "{\"always\": true}";

	dir_make(d1, sizeof(d1), "d1");
	dir_make(d2, sizeof(d2), "d2");
	dir_make(bundle, sizeof(bundle), "bundle");
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("bundle-1", "record", NULL, 0));
	ocitest_add(hooks, OCI_PRESTART, ocitest_hook("bundle-2", "record", NULL, 0));
	text = ocitest_bundle_text(hooks, json_tokener_parse("{\"com.example.gpu\": \"all\", "
							     "\"owner\": \"bundle\"}"));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	test_write_file(path, text);

	/* A later directory's file masks the earlier one's of the same name. */
	hooks_d(OCIHOOKS_DIR_DEFAULT, "10-net.json", "net-default", OCI_PRESTART, always);
	hooks_d(OCIHOOKS_DIR_OVERRIDE, "10-net.json", "net-override", OCI_PRESTART, always);
	hooks_d(OCIHOOKS_DIR_DEFAULT, "20-log.json", "log", OCI_PRESTART, always);
	snprintf(path, sizeof(path), "%s/20-log.json", d2);
	test_write_file(path, "");
	hooks_d(OCIHOOKS_DIR_DEFAULT, "25-audit.json", "audit", OCI_PRESTART, always);
	snprintf(path, sizeof(path), "%s/25-audit.json", OCIHOOKS_DIR_OVERRIDE);
	ck_assert_int_eq(symlink("/dev/null", path), 0);
	/* The bundle's annotation is seen; where the config sets the key, the config's. */
	hooks_d(d1, "05-GPU.json", "gpu", OCI_PRESTART,
		"{\"annotations\": {\"^com\\\\.example\\\\.gpu$\": \"^all$\"}}");
	hooks_d(d1, "30-owner.json", "owner-bundle", OCI_PRESTART,
		"{\"annotations\": {\"^owner$\": \"^bundle$\"}}");
	hooks_d(d2, "31-owner.json", "owner-config", OCI_PRESTART,
		"{\"annotations\": {\"^owner$\": \"^config$\"}}");
	/* Sorted by name without case. */
	hooks_d(d2, "B-upper.json", "upper", OCI_PRESTART, always);
	hooks_d(d1, "a-lower.json", "lower", OCI_PRESTART, always);
	hooks_d(d1, "01-first.json", "first", OCI_PRESTART, always);
	snprintf(path, sizeof(path), "%s/bad.json", d1);
	test_write_file(path, "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/bin/true\",}}");

	snprintf(conf, sizeof(conf),
		 "hooks: dir=%s;%s,bundle=%s\nannotation0: owner=config\n"
		 "annotation1: com.example.zone=eu\n",
		 d1, d2, bundle);
	c = config_of(conf);
	ck_assert_msg(ocirun_collect(c, NULL, &h, &annotations, &err) == 0, "%s", err.message);

	ck_assert_uint_eq(strv_length(annotations), 3);
	ck_assert_str_eq(annotations[0], "owner=config");
	ck_assert_str_eq(annotations[1], "com.example.zone=eu");
	ck_assert_str_eq(annotations[2], "com.example.gpu=all");

	got = stage_paths(&h, OCI_PRESTART);
	want =
	    bin_paths((const char *const[]){ "bundle-1", "bundle-2", "first", "gpu", "net-override",
					     "owner-config", "lower", "upper", NULL });
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(strv_length(h.warnings), 1);
	snprintf(path, sizeof(path), "%s/bad.json: ", d1);
	ck_assert_msg(strncmp(h.warnings[0], path, strlen(path)) == 0, "%s", h.warnings[0]);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].source, path);

	/* And they run so. */
	r.annotations = annotations;
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), 8);
	ocitest_assert_order(
	    "bundle-1\nbundle-2\nfirst\ngpu\nnet-override\nowner-config\nlower\nupper\n");
}
END_TEST

START_TEST(test_collect_from_lxc_config)
{
	char dir[PATH_MAX], lxc[PATH_MAX], conf[PATH_MAX + 32];
	_cleanup_config_ struct config *c = NULL;
	struct {
		const char *lxc_config; /* NULL: none */
		const char *const *hooks;
	} cases[] = {
		/* The last lxc.init.cmd, its program only; a bind among the mount entries. */
		{ "lxc.init.cmd = /usr/bin/old-init\n"
		  "# lxc.init.cmd = /usr/bin/other\n"
		  "lxc.mount.entry = proc proc proc nodev,noexec 0 0\n"
		  "lxc.init.cmd=/usr/bin/myinit --debug\n"
		  "  lxc.mount.entry\t=\t/srv/data srv/data none rbind,create=dir 0 0\n",
		  (const char *const[]){ "bind", "myinit", NULL } },
		{ NULL, (const char *const[]){ "sbin-init", NULL } },
		{ "lxc.mount.entry = /srv/data srv/data none ro 0 0\n"
		  "lxc.mount.entry.x = /a b none bind 0 0\n"
		  "lxc.init.cmdline = /usr/bin/myinit\n",
		  (const char *const[]){ "sbin-init", NULL } },
	};

	dir_make(dir, sizeof(dir), "d");
	hooks_d(dir, "bind.json", "bind", OCI_CREATE_RUNTIME, "{\"hasBindMounts\": true}");
	hooks_d(dir, "myinit.json", "myinit", OCI_CREATE_RUNTIME,
		"{\"commands\": [\"^/usr/bin/myinit$\"]}");
	hooks_d(dir, "sbin-init.json", "sbin-init", OCI_CREATE_RUNTIME,
		"{\"commands\": [\"^/sbin/init$\"]}");
	snprintf(conf, sizeof(conf), "hooks: dir=%s\n", dir);
	c = config_of(conf);
	ocitest_path(lxc, sizeof(lxc), "lxc.config");

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_strv_ char **annotations = NULL;
		struct lxcri_error err = { 0 };
		_cleanup_free_ char *got = NULL, *want = NULL;

		if (cases[i].lxc_config)
			test_write_file(lxc, cases[i].lxc_config);
		ck_assert_msg(ocirun_collect(c, cases[i].lxc_config ? lxc : NULL, &h, &annotations,
					     &err) == 0,
			      "%s", err.message);
		got = stage_paths(&h, OCI_CREATE_RUNTIME);
		want = bin_paths(cases[i].hooks);
		ck_assert_msg(strcmp(got, want) == 0, "case %zu: got\n%swant\n%s", i, got, want);
		ck_assert_uint_eq(strv_length(annotations), 0);
	}

	/* Why each is there. */
	{
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_strv_ char **annotations = NULL;
		struct lxcri_error err = { 0 };

		test_write_file(lxc, cases[0].lxc_config);
		ck_assert_int_eq(ocirun_collect(c, lxc, &h, &annotations, &err), 0);
		ck_assert_str_eq(h.by_stage[OCI_CREATE_RUNTIME][0].why, "hasBindMounts");
		ck_assert_str_eq(h.by_stage[OCI_CREATE_RUNTIME][1].why,
				 "command '/usr/bin/myinit' matches '^/usr/bin/myinit$'");
	}
	/* A config that cannot be read is none: the default init. */
	{
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_strv_ char **annotations = NULL;
		struct lxcri_error err = { 0 };

		ck_assert_int_eq(
		    ocirun_collect(c, "/nonexistent/lxc/config", &h, &annotations, &err), 0);
		ck_assert_uint_eq(h.n[OCI_CREATE_RUNTIME], 1);
		ck_assert_str_eq(h.by_stage[OCI_CREATE_RUNTIME][0].why,
				 "command '/sbin/init' matches '^/sbin/init$'");
	}
}
END_TEST

/* ocirun_collect() fails with r and message; nothing comes back. */
static void collect_fails(const struct config *c, int r, const char *message)
{
	struct oci_hooks h = { 0 }, zero = { 0 };
	char **annotations = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(ocirun_collect(c, NULL, &h, &annotations, &err), r);
	ck_assert_int_eq(err.code, r);
	ck_assert_str_eq(err.message, message);
	ck_assert_int_eq(memcmp(&h, &zero, sizeof(h)), 0);
	ck_assert_ptr_null(annotations);
}

START_TEST(test_collect_refuses_hostile_hooks_d)
{
	char dir[PATH_MAX], world[PATH_MAX], path[PATH_MAX], target[PATH_MAX], conf[PATH_MAX + 32];
	char want[4 * PATH_MAX];

	dir_make(dir, sizeof(dir), "d");
	dir_make(world, sizeof(world), "world");
	ck_assert_int_eq(chmod(world, 0777), 0);
	hooks_d(dir, "10-good.json", "good", OCI_PRESTART, "{\"always\": true}");
	snprintf(conf, sizeof(conf), "hooks: dir=%s\n", dir);
	{
		_cleanup_config_ struct config *c = config_of(conf);

		/* A link to a file in a directory that anyone may change. */
		snprintf(target, sizeof(target), "%s/evil.json", world);
		hooks_d(world, "evil.json", "evil", OCI_PRESTART, "{\"always\": true}");
		snprintf(path, sizeof(path), "%s/20-evil.json", dir);
		ck_assert_int_eq(symlink(target, path), 0);
		snprintf(want, sizeof(want),
			 "Refusing hooks file '%s': '%s' is writable by group or others", path,
			 world);
		collect_fails(c, -EPERM, want);
		ck_assert_int_eq(unlink(path), 0);

		/* A file of another user's. */
		snprintf(path, sizeof(path), "%s/30-theirs.json", dir);
		hooks_d(dir, "30-theirs.json", "theirs", OCI_PRESTART, "{\"always\": true}");
		ck_assert_int_eq(chown(path, 1000, 1000), 0);
		snprintf(want, sizeof(want),
			 "Refusing hooks file '%s': '%s' is owned by uid 1000, "
			 "not root",
			 path, path);
		collect_fails(c, -EPERM, want);
		ck_assert_int_eq(unlink(path), 0);

		/* The directory itself. */
		ck_assert_int_eq(chmod(dir, 0775), 0);
		snprintf(want, sizeof(want),
			 "Refusing the hooks of '%s': '%s' is writable by group or others", dir,
			 dir);
		collect_fails(c, -EPERM, want);
		ck_assert_int_eq(chmod(dir, 0755), 0);
	}
	/* A host directory of hooks is refused the same way. */
	ck_assert_int_eq(chmod(OCIHOOKS_DIR_OVERRIDE, 0777), 0);
	{
		_cleanup_config_ struct config *c = config_of(conf);

		snprintf(want, sizeof(want),
			 "Refusing the hooks of '%s': '%s' is writable by group or others",
			 OCIHOOKS_DIR_OVERRIDE, OCIHOOKS_DIR_OVERRIDE);
		collect_fails(c, -EPERM, want);
	}
	ck_assert_int_eq(chmod(OCIHOOKS_DIR_OVERRIDE, 0755), 0);

	/* Skipped with a warning, not run: bad files, a hook that is not there. */
	snprintf(path, sizeof(path), "%s/40-broken.json", dir);
	test_write_file(path, "{\"version\": \"1.0.0\",\n \"hook\": [");
	snprintf(path, sizeof(path), "%s/50-gone.json", dir);
	test_write_file(path,
			"{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/nonexistent/hook\"}, "
			"\"when\": {\"always\": true}, \"stages\": [\"prestart\"]}");
	snprintf(path, sizeof(path), "%s/60-relative.json", dir);
	test_write_file(path, "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"bin/hook\"}, "
			      "\"when\": {\"always\": true}, \"stages\": [\"prestart\"]}");
	{
		_cleanup_config_ struct config *c = config_of(conf);
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_strv_ char **annotations = NULL;
		struct lxcri_error err = { 0 };
		struct ocirun r = run_of();

		ck_assert_msg(ocirun_collect(c, NULL, &h, &annotations, &err) == 0, "%s",
			      err.message);
		ck_assert_uint_eq(strv_length(h.warnings), 3);
		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s.json: ", dir,
				 (const char *[]){ "40-broken", "50-gone", "60-relative" }[i]);
			ck_assert_msg(strncmp(h.warnings[i], path, strlen(path)) == 0, "%s",
				      h.warnings[i]);
		}
		ck_assert_int_eq(ocirun_stage(&r, &h, OCI_PRESTART, &err), 1);
		ocitest_assert_order("good\n");
	}
}
END_TEST

START_TEST(test_collect_refuses_bad_bundle)
{
	char bundle[PATH_MAX], file[PATH_MAX + 16], conf[PATH_MAX + 32], want[3 * PATH_MAX];
	_cleanup_config_ struct config *c = NULL;

	dir_make(bundle, sizeof(bundle), "bundle");
	snprintf(file, sizeof(file), "%s/config.json", bundle);
	snprintf(conf, sizeof(conf), "hooks: bundle=%s\n", bundle);
	c = config_of(conf);

	snprintf(want, sizeof(want),
		 "Refusing the bundle's hooks: Failed to resolve '%s': No such file or directory",
		 file);
	collect_fails(c, -ENOENT, want);

	test_write_file(file, "{\"hooks\": {}}");
	ck_assert_int_eq(chmod(file, 0664), 0);
	snprintf(want, sizeof(want),
		 "Refusing the bundle's hooks: '%s' is writable by group or others", file);
	collect_fails(c, -EPERM, want);
	ck_assert_int_eq(chmod(file, 0644), 0);
	ck_assert_int_eq(chown(bundle, 1000, 0), 0);
	snprintf(want, sizeof(want),
		 "Refusing the bundle's hooks: '%s' is owned by uid 1000, not "
		 "root",
		 bundle);
	collect_fails(c, -EPERM, want);
	ck_assert_int_eq(chown(bundle, 0, 0), 0);

	test_write_file(file, "{\n  \"hooks\": {\n    \"prestart\": [,]\n  }\n}");
	snprintf(want, sizeof(want), "%s: not JSON: unexpected character at line 3, column 18",
		 file);
	collect_fails(c, -EINVAL, want);

	test_write_file(file, "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}, "
			      "\"annotations\": {\"gpu\": 1}}");
	{
		struct oci_hooks h = { 0 }, zero = { 0 };
		char **annotations = NULL;
		struct lxcri_error err = { 0 };

		ck_assert_int_eq(ocirun_collect(c, NULL, &h, &annotations, &err), -EINVAL);
		ck_assert_msg(strncmp(err.message, file, strlen(file)) == 0, "%s", err.message);
		ck_assert_int_eq(memcmp(&h, &zero, sizeof(h)), 0);
		ck_assert_ptr_null(annotations);
	}
}
END_TEST

/* ---- in a container ---- */

static _Noreturn void container_init(const char *root, int ready)
{
	char path[PATH_MAX];
	int fd;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", root, "tmpfs", 0, "mode=0755") < 0)
		_exit(3);
	snprintf(path, sizeof(path), "%s/usr", root);
	if (mkdir(path, 0755) < 0 || mount("/usr", path, NULL, MS_BIND | MS_REC, NULL) < 0)
		_exit(4);
	for (const char *const *l = (const char *const[]){ "bin", "lib", "lib64", NULL }; *l; l++) {
		char target[64];

		snprintf(path, sizeof(path), "%s/%s", root, *l);
		snprintf(target, sizeof(target), "usr/%s", *l);
		if (symlink(target, path) < 0)
			_exit(5);
	}
	snprintf(path, sizeof(path), "%s/marker", root);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || chdir(root) < 0 || chroot(".") < 0 || sethostname("inside", 6) < 0)
		_exit(6);
	close(fd);
	if (write(ready, "x", 1) != 1)
		_exit(7);
	for (;;)
		pause();
}

/* The container: its init's pid (in our namespace). */
static pid_t container(const char *root)
{
	int ready[2], pid_pipe[2], status;
	pid_t outer, init;
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(pid_pipe), 0);
	outer = fork();
	ck_assert_int_ge(outer, 0);
	if (outer == 0) {
		if (unshare(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC |
			    CLONE_NEWNS) < 0)
			_exit(1);
		init = fork();
		if (init < 0)
			_exit(2);
		if (init == 0)
			container_init(root, ready[1]);
		if (write(pid_pipe[1], &init, sizeof(init)) != sizeof(init))
			_exit(8);
		waitpid(init, &status, 0);
		_exit(0);
	}
	close(ready[1]);
	close(pid_pipe[1]);
	ck_assert_int_eq(read(pid_pipe[0], &init, sizeof(init)), (ssize_t)sizeof(init));
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(pid_pipe[0]);
	return init;
}

static void container_end(pid_t init)
{
	kill(init, SIGKILL);
	while (wait(NULL) > 0)
		;
}

/* <the container's root>/<name>, as the host reaches it. */
static const char *in_container(char *buf, size_t size, pid_t init, const char *name)
{
	snprintf(buf, size, "/proc/%d/root/%s", (int)init, name);
	return buf;
}

static struct json_object *container_hook(const char *path)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "env", json_tokener_parse("[\"PATH=/usr/bin:/bin\"]"));
	return o;
}

START_TEST(test_start_container_hook_runs_in_the_container)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char root[PATH_MAX], path[PATH_MAX], want[512];
	_cleanup_free_ char *out = NULL, *state = NULL;
	pid_t init;

	dir_make(root, sizeof(root), "rootfs");
	init = container(root);
	ocitest_script(in_container(path, sizeof(path), init, "hook.sh"),
		       "uname -n > /hook.out\nid -u >> /hook.out\n"
		       "[ -e /marker ] && echo marker >> /hook.out\ncat > /hook.stdin\n",
		       0755);
	ocitest_script(in_container(path, sizeof(path), init, "fails.sh"), "exit 5\n", 0755);
	ocitest_script(in_container(path, sizeof(path), init, "never.sh"), ": > /never\n", 0755);
	ocitest_add(hooks, OCI_START_CONTAINER, container_hook("/hook.sh"));
	ocitest_add(hooks, OCI_START_CONTAINER, container_hook("/fails.sh"));
	ocitest_add(hooks, OCI_START_CONTAINER, container_hook("/never.sh"));
	parse_hooks(hooks, &h);
	r.pid = init;

	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_START_CONTAINER, &err), -EIO);
	assert_message(&err, "startContainer hook '/fails.sh' (user root) failed: exit 5 in ",
		       " ms");
	/* It ran in the container's root and namespaces. */
	out = ocitest_read(in_container(path, sizeof(path), init, "hook.out"));
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "inside\n0\nmarker\n");
	state = ocitest_read(in_container(path, sizeof(path), init, "hook.stdin"));
	snprintf(want, sizeof(want),
		 "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"created\",\"pid\":%d,"
		 "\"annotations\":{}}",
		 (int)init);
	ck_assert_str_eq(state, want);
	ck_assert_int_eq(access(in_container(path, sizeof(path), init, "never"), F_OK), -1);
	container_end(init);
}
END_TEST

START_TEST(test_start_container_cannot_reach_the_host)
{
	char root[PATH_MAX], host[PATH_MAX], path[PATH_MAX], marker[PATH_MAX + 32];
	char body[PATH_MAX + 64], dotdot[2 * PATH_MAX], relative[2 * PATH_MAX];
	pid_t init;

	/* A program of the host, which the container's root must not get run. */
	snprintf(host, sizeof(host), "%s/host.sh", ocitest_bin);
	snprintf(marker, sizeof(marker), "%s/host-ran", ocitest_out);
	snprintf(body, sizeof(body), ": > %s\n", marker);
	ocitest_script(host, body, 0755);
	dir_make(root, sizeof(root), "rootfs");
	init = container(root);
	ck_assert_int_eq(symlink(host, in_container(path, sizeof(path), init, "absolute.sh")), 0);
	snprintf(relative, sizeof(relative), "../../../../../../../..%s", host);
	ck_assert_int_eq(symlink(relative, in_container(path, sizeof(path), init, "relative.sh")),
			 0);
	snprintf(dotdot, sizeof(dotdot), "/../../../../../..%s", host);

	/* With openat2(RESOLVE_IN_ROOT), and with the walk used where it is missing. */
	for (int i = 0; i < 8; i++) {
		const char *p =
		    (const char *[]){ host, "/absolute.sh", "/relative.sh", dotdot }[i % 4];
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_json_ struct json_object *runs = NULL;
		struct json_object *hooks = json_object_new_object();
		struct lxcri_error err = { 0 };
		struct ocirun r = run_of();
		char want[3 * PATH_MAX];

		safe_openat_force_fallback(i >= 4);
		ocitest_add(hooks, OCI_START_CONTAINER, container_hook(p));
		parse_hooks(hooks, &h);
		r.pid = init;
		ck_assert_int_eq(ocirun_stage(&r, &h, OCI_START_CONTAINER, &err), -ENOENT);
		snprintf(want, sizeof(want),
			 "startContainer hook '%s': cannot open it in the container: No such file "
			 "or directory",
			 p);
		ck_assert_str_eq(err.message, want);
		ck_assert_int_eq(access(marker, F_OK), -1);
		runs = ocirun_last_runs(ocitest_state);
		ck_assert_str_eq(json_object_get_string(ocitest_field(
				     last_run(runs, OCI_START_CONTAINER, p), "error")),
				 want);
	}
	safe_openat_force_fallback(false);
	container_end(init);
}
END_TEST

START_TEST(test_start_container_fifo_does_not_hang)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char root[PATH_MAX], path[PATH_MAX];
	pid_t init;

	/*
	 * The container's root put a named pipe where the hook's program should
	 * be: nobody in the container can open its other end before the init
	 * runs, so a start that opened it to read would wait for ever.
	 */
	dir_make(root, sizeof(root), "rootfs");
	init = container(root);
	ck_assert_int_eq(mkfifo(in_container(path, sizeof(path), init, "hook.sh"), 0755), 0);
	ocitest_script(in_container(path, sizeof(path), init, "never.sh"), ": > /never\n", 0755);
	ocitest_add(hooks, OCI_START_CONTAINER, container_hook("/hook.sh"));
	ocitest_add(hooks, OCI_START_CONTAINER, container_hook("/never.sh"));
	parse_hooks(hooks, &h);
	r.pid = init;

	for (int fallback = 0; fallback < 2; fallback++) {
		safe_openat_force_fallback(fallback);
		ck_assert_int_eq(ocirun_stage(&r, &h, OCI_START_CONTAINER, &err), -EACCES);
		assert_message(&err, "startContainer hook '/hook.sh' (user root) did not run: ",
			       "Permission denied");
		ck_assert_int_eq(access(in_container(path, sizeof(path), init, "never"), F_OK), -1);
	}
	safe_openat_force_fallback(false);
	container_end(init);
}
END_TEST

START_TEST(test_create_container_hook)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 }, untrusted = { 0 };
	struct json_object *hooks = json_object_new_object(), *hook;
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	char root[PATH_MAX], path[PATH_MAX], want[2 * PATH_MAX];
	_cleanup_free_ char *run = NULL, *state = NULL;
	pid_t init;

	dir_make(root, sizeof(root), "rootfs");
	init = container(root);
	ocitest_add(hooks, OCI_CREATE_CONTAINER, ocitest_hook("create", "record", NULL, 0));
	parse_hooks(hooks, &h);
	r.pid = init;

	/* The host's program, and the host's files, in the container's namespaces. */
	ck_assert_msg(ocirun_stage(&r, &h, OCI_CREATE_CONTAINER, &err) == 1, "%s", err.message);
	run = ocitest_output("create", ".run");
	ck_assert_ptr_nonnull(run);
	ck_assert_ptr_nonnull(strstr(run, "hostname=inside\n"));
	state = ocitest_output("create", ".stdin");
	snprintf(want, sizeof(want),
		 "{\"ociVersion\":\"1.0.2\",\"id\":\"105\",\"status\":\"creating\",\"pid\":%d,"
		 "\"annotations\":{}}",
		 (int)init);
	ck_assert_str_eq(state, want);

	/* Its program is the host's: root's alone, or refused. */
	snprintf(path, sizeof(path), "%s/writable.sh", ocitest_bin);
	ocitest_script(path, "exit 0\n", 0777);
	hooks = json_object_new_object();
	hook = json_object_new_object();
	json_object_object_add(hook, "path", json_object_new_string(path));
	ocitest_add(hooks, OCI_CREATE_CONTAINER, hook);
	parse_hooks(hooks, &untrusted);
	ck_assert_int_eq(ocirun_stage(&r, &untrusted, OCI_CREATE_CONTAINER, &err), -EPERM);
	snprintf(want, sizeof(want),
		 "Refusing createContainer hook '%s': '%s' is writable by group or others", path,
		 path);
	ck_assert_str_eq(err.message, want);
	ocitest_assert_order("create\n");
	container_end(init);
}
END_TEST

START_TEST(test_container_gone)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct json_object *hooks = json_object_new_object();
	struct lxcri_error err = { 0 };
	struct ocirun r = run_of();
	pid_t gone = fork();

	ck_assert_int_ge(gone, 0);
	if (gone == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
	ocitest_add(hooks, OCI_CREATE_CONTAINER, ocitest_hook("create", "record", NULL, 0));
	ocitest_add(hooks, OCI_START_CONTAINER, container_hook("/hook.sh"));
	parse_hooks(hooks, &h);
	r.pid = gone;

	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_CREATE_CONTAINER, &err), -ESRCH);
	assert_message(&err, "createContainer hooks: ", "");
	ck_assert_int_eq(ocirun_stage(&r, &h, OCI_START_CONTAINER, &err), -ESRCH);
	assert_message(&err, "startContainer hooks: ", "");
	ocitest_assert_order("");
}
END_TEST

static Suite *ocirun_suite(void)
{
	Suite *s = suite_create("ocirun");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, ocitest_setup, ocitest_teardown);
	tcase_add_test(tc, test_stage_runs_hooks_in_order);
	tcase_add_test(tc, test_state_of_each_host_stage);
	tcase_add_test(tc, test_failed_hook_stops_its_stage);
	tcase_add_test(tc, test_failures_after_start_do_not_stop);
	tcase_add_test(tc, test_hung_hook_is_killed_at_its_timeout);
	tcase_add_test(tc, test_hook_with_much_output);
	tcase_add_test(tc, test_untrusted_host_program_is_refused);
	tcase_add_test(tc, test_program_that_cannot_run);
	tcase_add_test(tc, test_hook_user);
	tcase_add_test(tc, test_last_runs);
	tcase_add_test(tc, test_dry_run_runs_nothing);
	tcase_add_test(tc, test_stage_without_hooks);
	tcase_add_test(tc, test_collect_sources_in_order);
	tcase_add_test(tc, test_collect_from_lxc_config);
	tcase_add_test(tc, test_collect_refuses_hostile_hooks_d);
	tcase_add_test(tc, test_collect_refuses_bad_bundle);
	tcase_add_test(tc, test_start_container_hook_runs_in_the_container);
	tcase_add_test(tc, test_start_container_cannot_reach_the_host);
	tcase_add_test(tc, test_start_container_fifo_does_not_hang);
	tcase_add_test(tc, test_create_container_hook);
	tcase_add_test(tc, test_container_gone);
	suite_add_tcase(s, tc);
	return s;
}

OCITEST_MAIN(ocirun_suite)
