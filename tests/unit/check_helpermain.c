/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/hook/helpermain.h"
#include "testutil.h"

static int applied, torn_down;

static int apply(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	(void)s;
	applied++;
	ck_assert_int_eq(run->pid, strcmp(run->hook, "pre-start") == 0 ? 0 : 4242);
	ck_assert_ptr_nonnull(run->config);
	if (run->config->net.n_nets > 0)
		return error_set(err, -ENODEV, "net1: Bridge 'vmbr9' does not exist");
	return 0;
}

/* What the last teardown was told of the container. */
static pid_t teardown_pid;
static char teardown_netns[64], teardown_mntns[64];

static size_t teardown(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	(void)s;
	(void)err;
	torn_down++;
	teardown_pid = run->pid;
	snprintf(teardown_netns, sizeof(teardown_netns), "%s", run->netns ? run->netns : "-");
	snprintf(teardown_mntns, sizeof(teardown_mntns), "%s", run->mntns ? run->mntns : "-");
	return 0;
}

static const struct helper_feature feature = { "lxcri-test", apply, teardown };

/* Roots in a temp dir, a state for container "web" and its snapshot. */
static char *roots(const char *snapshot)
{
	char *dir = test_tmpdir(), path[512];
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};

	snprintf(path, sizeof(path), "%s/etc", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	setenv("LXCRI_ETC_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/run", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	setenv("LXCRI_RUN_DIR", path, 1);
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	snprintf(path, sizeof(path), "%s/run/web", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_int_eq(state_save(path, s, &err), 0);
	snprintf(path, sizeof(path), "%s/run/web/config", dir);
	test_write_file(path, snapshot);
	return dir;
}

static int run(const char *verb, const char *id)
{
	char *argv[] = { (char *)"lxcri-test", (char *)verb, (char *)id, NULL };
	return helper_main(&feature, verb ? (id ? 3 : 2) : 1, argv);
}

START_TEST(test_usage)
{
	ck_assert_int_eq(run(NULL, NULL), 2);
	ck_assert_int_eq(run("start-host", NULL), 2);
	ck_assert_int_eq(run("apply", "web"), 2);
	ck_assert_int_eq(run("teardown", "../etc"), 2);
	ck_assert_int_eq(applied + torn_down, 0);
}
END_TEST

START_TEST(test_apply_and_teardown)
{
	_cleanup_free_ char *dir = roots("# nothing\n");

	setenv("LXC_PID", "4242", 1);
	ck_assert_int_eq(run("start-host", "web"), 0);
	ck_assert_int_eq(applied, 1);
	ck_assert_int_eq(run("teardown", "web"), 0);
	ck_assert_int_eq(torn_down, 1);
	/* No state: nothing to undo, and no error. */
	ck_assert_int_eq(run("teardown", "other"), 0);
	ck_assert_int_eq(torn_down, 1);
	test_rm_rf(dir);
}
END_TEST

/* The feature's error refuses the start, and the state says why. */
START_TEST(test_failure_recorded)
{
	_cleanup_free_ char *dir = roots("net1: name=eth1,bridge=vmbr9\n");
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char path[512];

	unsetenv("LXC_PID");
	ck_assert_int_eq(run("start-host", "web"), 1);
	ck_assert_int_eq(applied, 0);
	snprintf(path, sizeof(path), "%s/run/web", dir);
	ck_assert_int_eq(state_load(path, &s, &err), 0);
	ck_assert_str_eq(s->error_message, "LXC_PID is not set to a process id: not run by LXC?");
	state_free(TAKE_PTR(s));

	setenv("LXC_PID", "4242", 1);
	ck_assert_int_eq(run("start-host", "web"), 1);
	ck_assert_int_eq(applied, 1);
	ck_assert_int_eq(state_load(path, &s, &err), 0);
	ck_assert_str_eq(s->error_message, "net1: Bridge 'vmbr9' does not exist");
	ck_assert_str_eq(s->error_hook, "start-host");
	test_rm_rf(dir);
}
END_TEST

/* pre-start needs no LXC_PID (init does not exist yet); its error names the hook. */
START_TEST(test_pre_start)
{
	_cleanup_free_ char *dir = roots("net1: name=eth1,bridge=vmbr9\n");
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char path[512];

	unsetenv("LXC_PID");
	ck_assert_int_eq(run("pre-start", "web"), 1);
	ck_assert_int_eq(applied, 1);
	snprintf(path, sizeof(path), "%s/run/web", dir);
	ck_assert_int_eq(state_load(path, &s, &err), 0);
	ck_assert_str_eq(s->error_message, "net1: Bridge 'vmbr9' does not exist");
	ck_assert_str_eq(s->error_hook, "pre-start");
	test_rm_rf(dir);
}
END_TEST

/* A feature that undoes its "test.*" items as the real ones do: each removed, then saved. */
static size_t undo_test_items(const struct helper_run *run, struct state *s,
			      struct lxcri_error *err)
{
	size_t left = 0;

	/* What a library might print on stdout must not spoil the state handed back. */
	printf("noise from a library\n");
	fflush(stdout);

	for (size_t i = s->n_items; i-- > 0;) {
		if (strncmp(s->items[i].kind, "test.", 5) != 0)
			continue;
		state_item_remove(s, i);
		if (state_save(run->state_dir, s, err) < 0)
			left++;
	}
	torn_down++;
	return left;
}

static const struct helper_feature undo_feature = { "lxcri-test", apply, undo_test_items };

/*
 * Run by lxcri-lifecycle for a teardown, a helper works on the state it is
 * given on stdin (what lifecycle holds in memory) and prints the state it
 * leaves on stdout: the undo goes on even where nothing can be saved.
 */
START_TEST(test_teardown_state_through_stdio)
{
	_cleanup_free_ char *dir = roots("# nothing\n"), *in = NULL, *out = NULL, *json = NULL;
	_cleanup_free_ char *printed = NULL, *state_dir = NULL;
	_cleanup_state_ struct state *s = NULL, *left = NULL;
	struct lxcri_error err = {};
	char *argv[] = { (char *)"lxcri-test", (char *)"teardown", (char *)"web", NULL };
	int saved_in, saved_out, fd, r;
	size_t size;

	ck_assert_int_ge(asprintf(&state_dir, "%s/run/web", dir), 0);
	ck_assert_int_ge(asprintf(&in, "%s/in.json", dir), 0);
	ck_assert_int_ge(asprintf(&out, "%s/out.json", dir), 0);
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_int_eq(state_set_phase(s, "running", "start-host"), 0);
	ck_assert_int_eq(state_item_add(s, "test.a", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_item_add(s, "other.b", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_item_add(s, "test.c", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_to_json(s, &json), 0);
	test_write_file(in, json);
	/* Nowhere to save: the state dir is gone. */
	test_rm_rf(state_dir);

	setenv("LXCRI_STATE_STDIO", "1", 1);
	saved_in = dup(0);
	saved_out = dup(1);
	fd = open(in, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	close(fd);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 1), 1);
	close(fd);
	r = helper_main(&undo_feature, 3, argv);
	fflush(stdout);
	ck_assert_int_eq(dup2(saved_in, 0), 0);
	ck_assert_int_eq(dup2(saved_out, 1), 1);
	unsetenv("LXCRI_STATE_STDIO");

	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(torn_down, 1);
	ck_assert_int_ge(fileio_read_file(out, STATE_MAX_SIZE, &printed, &size), 0);
	ck_assert_msg(state_parse("stdout", printed, size, &left, &err) == 0, "%s: '%s'",
		      err.message, printed);
	ck_assert_str_eq(left->id, "web");
	ck_assert_str_eq(left->phase, "running");
	ck_assert_uint_eq(left->n_items, 1);
	ck_assert_str_eq(left->items[0].kind, "other.b");
	test_rm_rf(dir);
}
END_TEST

/*
 * A teardown gets the container's namespaces as lxcri-lifecycle passes them
 * at stop, and LXC_PID where lxcri-lifecycle left it (a start-host rolling
 * back); nothing of either otherwise.
 */
START_TEST(test_teardown_gets_what_lifecycle_passes)
{
	_cleanup_free_ char *dir = roots("# nothing\n");

	unsetenv("LXC_PID");
	unsetenv("LXCRI_CT_NETNS");
	unsetenv("LXCRI_CT_MNTNS");
	ck_assert_int_eq(run("teardown", "web"), 0);
	ck_assert_int_eq(teardown_pid, 0);
	ck_assert_str_eq(teardown_netns, "-");
	ck_assert_str_eq(teardown_mntns, "-");

	setenv("LXCRI_CT_NETNS", "/proc/1/fd/42", 1);
	setenv("LXCRI_CT_MNTNS", "/proc/1/fd/38", 1);
	ck_assert_int_eq(run("teardown", "web"), 0);
	ck_assert_str_eq(teardown_netns, "/proc/1/fd/42");
	ck_assert_str_eq(teardown_mntns, "/proc/1/fd/38");
	ck_assert_int_eq(teardown_pid, 0);

	unsetenv("LXCRI_CT_NETNS");
	unsetenv("LXCRI_CT_MNTNS");
	setenv("LXC_PID", "4242", 1);
	ck_assert_int_eq(run("teardown", "web"), 0);
	ck_assert_int_eq(teardown_pid, 4242);
	ck_assert_str_eq(teardown_netns, "-");
	test_rm_rf(dir);
}
END_TEST

static Suite *helpermain_suite(void)
{
	Suite *s = suite_create("helpermain");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_apply_and_teardown);
	tcase_add_test(tc, test_failure_recorded);
	tcase_add_test(tc, test_pre_start);
	tcase_add_test(tc, test_teardown_state_through_stdio);
	tcase_add_test(tc, test_teardown_gets_what_lifecycle_passes);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(helpermain_suite)
