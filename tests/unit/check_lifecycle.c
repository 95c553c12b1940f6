/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lifecycle engine with real files and real helper programs: small
 * scripts written by each test into a temp libexec dir, recording how they
 * were called, and a features table pointing at them.
 */
#include "testutil.h"

#include <errno.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/fileio.h"
#include "lib/hook/lifecycle.h"
#include "lib/basic/log.h"

struct env {
	char *root;
	struct lxcri_paths paths;
	char calls[PATH_MAX];
};

/* The selinux verify check: how often it ran, and whether it refuses (TEST_VERIFY_REFUSES). */
static unsigned verify_calls;

static int test_verify(const struct lifecycle *lc, const struct config *c, struct lxcri_error *err)
{
	(void)lc;
	verify_calls++;
	if (getenv("TEST_VERIFY_REFUSES"))
		return error_set(err, -ENOLINK, "%s:%u: selinux: not what LXC loads", c->path,
				 c->lsm.selinux_line);
	return 0;
}

static const struct feature test_features[] = {
	{ "selinux", "fake-selinux", HOOK_MASK(HOOK_PRE_START), NULL, test_verify },
	{ "net", "fake-net", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
	{ "port", NULL, HOOK_MASK(HOOK_START_HOST), NULL, NULL }, /* not in this version */
};

static void env_setup(struct env *e)
{
	char dir[PATH_MAX];

	e->root = test_tmpdir();
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	log_set_stderr(false);
	ck_assert_int_eq(paths_init(&e->paths), 0);
	snprintf(e->paths.etc_dir, sizeof(e->paths.etc_dir), "%s/etc", e->root);
	snprintf(e->paths.run_dir, sizeof(e->paths.run_dir), "%s/run", e->root);
	snprintf(e->paths.pve_dir, sizeof(e->paths.pve_dir), "%s/pve", e->root);
	snprintf(e->paths.libexec_dir, sizeof(e->paths.libexec_dir), "%s/libexec", e->root);
	snprintf(e->paths.lxc_path, sizeof(e->paths.lxc_path), "%s/lxc", e->root);
	ck_assert_int_eq(mkdir(e->paths.lxc_path, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/etc", e->root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/etc/containers", e->root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkdir(e->paths.libexec_dir, 0755), 0);
	snprintf(e->calls, sizeof(e->calls), "%s/calls", e->root);
	setenv("CALLS", e->calls, 1);
	ck_assert_int_eq(paths_export(&e->paths), 0);
}

static void env_teardown(struct env *e)
{
	test_rm_rf(e->root);
	free(e->root);
}

/* A helper: logs "<name> <args>" to $CALLS, then runs body. */
static void helper(struct env *e, const char *name, const char *body)
{
	char path[PATH_MAX], text[2048];

	snprintf(path, sizeof(path), "%s/%s", e->paths.libexec_dir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"%s $*\" >>\"$CALLS\"\n%s\n", name, body);
	test_write_file(path, text);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static void ct_config(struct env *e, const char *id, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/etc/containers/%s.conf", e->root, id);
	test_write_file(path, text);
}

/* LXC's config of the container: <lxc_path>/<id>/config. */
static void lxc_config(struct env *e, const char *id, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", e->paths.lxc_path, id);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/config", e->paths.lxc_path, id);
	test_write_file(path, text);
}

static int run_hook_ctx(struct env *e, const struct hook_context *ctx, struct lxcri_error *err)
{
	struct lifecycle lc;

	ck_assert_int_eq(lifecycle_init(&lc, &e->paths, ctx, err), 0);
	lc.features = test_features;
	lc.n_features = sizeof(test_features) / sizeof(test_features[0]);
	return lifecycle_run(&lc, err);
}

static int run_hook(struct env *e, const char *id, enum hook_type type, struct lxcri_error *err)
{
	struct hook_context ctx = { .id = id, .type = type, .section = "lxc" };

	return run_hook_ctx(e, &ctx, err);
}

static char *calls(struct env *e)
{
	char *text = NULL;
	size_t n;

	if (fileio_read_file(e->calls, 65536, &text, &n) < 0)
		return strdup("");
	return text;
}

static bool state_exists(struct env *e, const char *id)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", e->paths.run_dir, id);
	return stat(path, &st) == 0;
}

static struct state *load_state(struct env *e, const char *id)
{
	char dir[PATH_MAX];
	struct state *s = NULL;
	struct lxcri_error err = {};

	snprintf(dir, sizeof(dir), "%s/%s", e->paths.run_dir, id);
	ck_assert_msg(state_load(dir, &s, &err) == 0, "%s", err.message);
	return s;
}

START_TEST(test_plan_and_supported)
{
	_cleanup_config_ struct config *c = NULL;
	const struct feature *plan[8];
	struct lxcri_error err = {};
	const char *text = "selinux: u:r:t:s0\nnet0: name=eth1,bridge=vmbr0\n";

	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(lifecycle_check_supported(test_features, 3, c, &err), 0);
	ck_assert_int_eq(lifecycle_plan(test_features, 3, c, HOOK_PRE_START, plan, 8), 1);
	ck_assert_str_eq(plan[0]->name, "selinux");
	ck_assert_int_eq(lifecycle_plan(test_features, 3, c, HOOK_START_HOST, plan, 8), 1);
	ck_assert_str_eq(plan[0]->name, "net");
	ck_assert_int_eq(lifecycle_plan(test_features, 3, c, HOOK_STOP, plan, 8), 0);
	config_free(c);
	c = NULL;

	text = "net0: name=eth1,bridge=vmbr0\n# x\nport3: proto=tcp,host=80,ct=80\n";
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(lifecycle_check_supported(test_features, 3, c, &err), -EOPNOTSUPP);
	ck_assert_str_eq(err.message, "t.conf:3: 'port3' is not supported by this version");
}
END_TEST

START_TEST(test_shipped_features)
{
	/* Keys of features whose helper is in this version start; the others refuse. */
	static const struct {
		const char *key;
		const char *helper;
	} keys[] = {
		{ "net0: name=eth1,bridge=vmbr0", "lxcri-net" },
		{ "route0: dst=default,dev=eth0", "lxcri-net" },
		{ "dns: nameserver=10.0.0.1", "lxcri-net" },
		{ "port0: proto=tcp,host=80,ct=80", "lxcri-portfwd" },
		{ "seccomp: /etc/x.json", "" }, /* built in: no helper runs */
		{ "apparmor: profile=x", "lxcri-apparmor" },
		{ "selinux: u:r:t:s0", "lxcri-selinux" },
		{ "hooks: dir=/etc/x", "lxcri-ocihooks" },
		{ "hook-user: root", "lxcri-ocihooks" },
		{ "annotation0: a=b", "lxcri-ocihooks" },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		_cleanup_config_ struct config *c = NULL;
		struct lxcri_error err = {};
		const struct feature *plan[8];
		int r;

		ck_assert_msg(config_parse("t.conf", keys[i].key, strlen(keys[i].key), &c, &err) ==
				  0,
			      "%s: %s", keys[i].key, err.message);
		r = lifecycle_check_supported(lifecycle_features, lifecycle_features_count, c,
					      &err);
		if (!keys[i].helper) {
			ck_assert_int_eq(r, -EOPNOTSUPP);
			ck_assert_ptr_nonnull(
			    strstr(err.message, "is not supported by this version"));
			continue;
		}
		ck_assert_msg(r == 0, "%s: %s", keys[i].key, err.message);
		/* Profiles act at pre-start, everything else at start-host. */
		size_t n;
		if (!*keys[i].helper) {
			ck_assert_uint_eq(
			    lifecycle_plan(lifecycle_features, lifecycle_features_count, c,
					   HOOK_PRE_START, plan, 8) +
				lifecycle_plan(lifecycle_features, lifecycle_features_count, c,
					       HOOK_START_HOST, plan, 8),
			    0);
			continue;
		}
		n = lifecycle_plan(lifecycle_features, lifecycle_features_count, c, HOOK_PRE_START,
				   plan, 8);
		if (n == 0)
			n = lifecycle_plan(lifecycle_features, lifecycle_features_count, c,
					   HOOK_START_HOST, plan, 8);
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(plan[0]->helper, keys[i].helper);
	}
}
END_TEST

/* Port forwards need the container's addresses: lxcri-net runs first. */
START_TEST(test_plan_runs_nets_before_ports)
{
	const char *text = "port0: proto=tcp,host=80,ct=80\nnet1: name=eth1,bridge=vmbr0\n";
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	const struct feature *plan[8];

	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(lifecycle_plan(lifecycle_features, lifecycle_features_count, c,
					HOOK_START_HOST, plan, 8),
			 2);
	ck_assert_str_eq(plan[0]->helper, "lxcri-net");
	ck_assert_str_eq(plan[1]->helper, "lxcri-portfwd");
}
END_TEST

START_TEST(test_plan_runs_a_shared_helper_once)
{
	/* net, route and dns share lxcri-net: one run at start-host does all three. */
	_cleanup_config_ struct config *c = NULL;
	const struct feature *plan[8];
	struct lxcri_error err = {};
	const char *text = "dns: nameserver=10.0.0.1\nroute0: dst=default,dev=eth1\n"
			   "net1: name=eth1,bridge=vmbr0\n";

	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(lifecycle_plan(lifecycle_features, lifecycle_features_count, c,
					HOOK_START_HOST, plan, 8),
			 1);
	ck_assert_str_eq(plan[0]->helper, "lxcri-net");
	ck_assert_int_eq(lifecycle_plan(lifecycle_features, lifecycle_features_count, c,
					HOOK_PRE_START, plan, 8),
			 0);
}
END_TEST

START_TEST(test_start_runs_helpers_at_their_hooks)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_free_ char *log = NULL;
	_cleanup_state_ struct state *s = NULL;

	env_setup(&e);
	helper(&e, "fake-selinux", "exit 0");
	helper(&e, "fake-net", "exit 0");
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr0\nselinux: u:r:t:s0\n");
	lxc_config(&e, "web", "lxc.selinux.context = u:r:t:s0\n");

	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	log = calls(&e);
	ck_assert_str_eq(log, "fake-selinux pre-start web\n");
	free(TAKE_PTR(log));
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "starting");

	ck_assert_int_eq(run_hook(&e, "web", HOOK_START_HOST, &err), 0);
	log = calls(&e);
	ck_assert_str_eq(log, "fake-selinux pre-start web\nfake-net start-host web\n");
	state_free(s);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "running");
	ck_assert_str_eq(s->hook, "start-host");

	/* The helper saw our roots in its environment. */
	ck_assert_int_eq(run_hook(&e, "web", HOOK_STOP, &err), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	ck_assert(!state_exists(&e, "web"));
	env_teardown(&e);
}
END_TEST

START_TEST(test_helper_reason_is_the_refusal)
{
	/* A helper that records why it failed in last_error: that reason refuses the start. */
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;

	env_setup(&e);
	helper(&e, "fake-net",
	       "f=\"$LXCRI_RUN_DIR/$2/state.json\"\n"
	       "sed 's/\"last_error\": null/\"last_error\": {\"hook\": \"start-host\", "
	       "\"time\": 1, \"message\": \"net0: Bridge vmbr9 does not exist\"}/' \"$f\" "
	       ">\"$f.new\" && mv \"$f.new\" \"$f\"\nexit 1");
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr9\n");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_int_lt(run_hook(&e, "web", HOOK_START_HOST, &err), 0);
	ck_assert_str_eq(err.message, "net0: Bridge vmbr9 does not exist");
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "refused");
	ck_assert_str_eq(s->error_message, "net0: Bridge vmbr9 does not exist");
	env_teardown(&e);
}
END_TEST

START_TEST(test_failing_helper_refuses_and_records)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;

	env_setup(&e);
	helper(&e, "fake-net", "echo 'bridge vmbr9 does not exist' >&2; exit 3");
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr9\n");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_int_lt(run_hook(&e, "web", HOOK_START_HOST, &err), 0);
	ck_assert_msg(strstr(err.message, "fake-net' exited with status 3"), "%s", err.message);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "refused");
	ck_assert(s->has_error);
	ck_assert_str_eq(s->error_hook, "start-host");
	ck_assert_ptr_nonnull(strstr(s->error_message, "exited with status 3"));
	env_teardown(&e);
}
END_TEST

START_TEST(test_bad_config_refused_with_line)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;
	char expect[PATH_MAX + 64];

	env_setup(&e);
	ct_config(&e, "web", "# a comment\nnet0: name=eth1,bridge=vmbr0,mtu=12\n");
	ck_assert_int_lt(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	snprintf(expect, sizeof(expect), "%s/etc/containers/web.conf:2: ", e.root);
	ck_assert_msg(strncmp(err.message, expect, strlen(expect)) == 0, "%s", err.message);
	ck_assert_ptr_nonnull(strstr(err.message, "'12'"));
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "refused");
	ck_assert_str_eq(s->error_message, err.message);
	/* No helper ran for a refused config. */
	_cleanup_free_ char *log = calls(&e);
	ck_assert_str_eq(log, "");
	env_teardown(&e);
}
END_TEST

/*
 * A feature's verify check runs after the pre-start helpers, once, only
 * for a config that uses the feature; its refusal refuses the start.
 */
START_TEST(test_verify_after_helpers)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;

	env_setup(&e);
	helper(&e, "fake-selinux", "exit 0");
	ct_config(&e, "plain", "net0: name=eth1,bridge=vmbr0\n");
	ck_assert_int_eq(run_hook(&e, "plain", HOOK_PRE_START, &err), 0);
	ck_assert_uint_eq(verify_calls, 0);

	ct_config(&e, "web", "selinux: u:r:t:s0\n");
	ck_assert_msg(run_hook(&e, "web", HOOK_PRE_START, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(verify_calls, 1);
	_cleanup_free_ char *log = calls(&e);
	ck_assert_ptr_nonnull(strstr(log, "fake-selinux"));

	setenv("TEST_VERIFY_REFUSES", "1", 1);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), -ENOLINK);
	ck_assert_uint_eq(verify_calls, 2);
	ck_assert_msg(strstr(err.message, "web.conf:1: selinux: not what LXC loads"), "%s",
		      err.message);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "refused");
	ck_assert_str_eq(s->error_message, err.message);
	env_teardown(&e);
}
END_TEST

/* Counts calls of the validate checks below; B refuses when its config has a port. */
static unsigned validate_a, validate_b;

static int check_a(const struct config *c, struct lxcri_error *err)
{
	(void)c;
	(void)err;
	validate_a++;
	return 0;
}

static int check_b(const struct config *c, struct lxcri_error *err)
{
	validate_b++;
	if (c->port.n_ports)
		return error_set(err, -EPERM, "%s:%u: port refused", c->path,
				 c->port.ports[0].line);
	return 0;
}

/* Shared validate checks run once; a feature not used runs none; a refusal is said. */
START_TEST(test_validate_checks)
{
	static const struct feature features[] = {
		{ "seccomp", "", 0, check_a, NULL },
		{ "apparmor", "x", HOOK_MASK(HOOK_PRE_START), check_a, NULL },
		{ "net", "y", HOOK_MASK(HOOK_START_HOST), check_b, NULL },
		{ "port", "y", HOOK_MASK(HOOK_START_HOST), check_b, NULL },
	};
	_cleanup_config_ struct config *c = NULL, *d = NULL;
	struct lxcri_error err = {};
	const char *text = "seccomp: /s.json\napparmor: profile=unconfined\n";

	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &c, &err), 0);
	ck_assert_int_eq(lifecycle_check_features(features, 4, c, &err), 0);
	ck_assert_uint_eq(validate_a, 1);
	ck_assert_uint_eq(validate_b, 0);

	text = "net0: name=eth0,bridge=vmbr0\nport0: proto=tcp,host=80,ct=80\n";
	ck_assert_int_eq(config_parse("u.conf", text, strlen(text), &d, &err), 0);
	ck_assert_int_eq(lifecycle_check_features(features, 4, d, &err), -EPERM);
	ck_assert_str_eq(err.message, "u.conf:2: port refused");
	ck_assert_uint_eq(validate_a, 1);
	ck_assert_uint_eq(validate_b, 1);
	/* Unsupported keys are said before any check runs. */
	ck_assert_int_eq(lifecycle_check_features(features, 2, d, &err), -EOPNOTSUPP);
	ck_assert_uint_eq(validate_b, 1);
}
END_TEST

START_TEST(test_bad_settings_refuse_managed_start)
{
	struct env e;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	env_setup(&e);
	snprintf(path, sizeof(path), "%s/etc/lxcri.conf", e.root);
	test_write_file(path, "helper-timeout: forever\n");
	ct_config(&e, "web", "# empty\n");
	ck_assert_int_lt(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_msg(strstr(err.message, "lxcri.conf:1:"), "%s", err.message);
	env_teardown(&e);
}
END_TEST

START_TEST(test_teardown_runs_feature_helper)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;
	char dir[PATH_MAX], done[PATH_MAX];
	size_t index;

	env_setup(&e);
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr0\n");
	/* The helper undoes its items by writing the state without them. */
	snprintf(done, sizeof(done), "%s/state-after-teardown.json", e.root);
	setenv("STATE_AFTER", done, 1);
	helper(&e, "fake-net",
	       "[ \"$1\" = teardown ] && cp \"$STATE_AFTER\" \"$LXCRI_RUN_DIR/$2/state.json\"; "
	       "exit 0");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_START_HOST, &err), 0);

	/* What setup recorded, and what teardown will leave. */
	s = load_state(&e, "web");
	snprintf(dir, sizeof(dir), "%s/web", e.paths.run_dir);
	ck_assert_int_eq(state_save(dir, s, &err), 0);
	{
		_cleanup_free_ char *json = NULL;
		ck_assert_int_eq(state_to_json(s, &json), 0);
		test_write_file(done, json);
	}
	ck_assert_int_eq(
	    state_item_add(s, "net.veth", "start-host", json_object_new_object(), &index), 0);
	state_item_set_applied(s, index);
	ck_assert_int_eq(state_item_add(s, "port.element", "start-host", NULL, &index), 0);
	ck_assert_int_eq(state_save(dir, s, &err), 0);

	/* stop: net's helper undoes net.veth; nothing here undoes port.element. */
	ck_assert_int_eq(run_hook(&e, "web", HOOK_STOP, &err), 0);
	_cleanup_free_ char *log = calls(&e);
	ck_assert_ptr_nonnull(strstr(log, "fake-net teardown web\n"));
	state_free(s);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "stopping");
	/* The helper's state replaced ours: only what it left remains, net.veth is gone. */
	ck_assert_uint_eq(s->n_items, 0);
	env_teardown(&e);
}
END_TEST

/*
 * Helpers learn of the container only while it is there: LXC_PID at
 * start-host (LXC leaves it set for stop, post-stop and the pre-start of a
 * reboot, when it names a process that is gone), the namespaces LXC hands
 * the stop hook at stop only.
 */
START_TEST(test_helpers_see_the_container_only_while_it_is_there)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;
	char dir[PATH_MAX];
	size_t index;

	env_setup(&e);
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr0\n");
	helper(
	    &e, "fake-net",
	    "echo \"  pid=[$LXC_PID] net=[$LXCRI_CT_NETNS] mnt=[$LXCRI_CT_MNTNS]\" >>\"$CALLS\"");
	/* LXC's environment, as each hook process gets it. */
	setenv("LXC_PID", "4242", 1);
	setenv("LXCRI_CT_NETNS", "/stale", 1);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	setenv("LXC_PID", "4242", 1);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_START_HOST, &err), 0);
	s = load_state(&e, "web");
	ck_assert_int_eq(
	    state_item_add(s, "net.veth", "start-host", json_object_new_object(), &index), 0);
	snprintf(dir, sizeof(dir), "%s/web", e.paths.run_dir);
	ck_assert_int_eq(state_save(dir, s, &err), 0);

	struct hook_context stop = { .id = "web",
				     .type = HOOK_STOP,
				     .section = "lxc",
				     .net_ns = "/proc/1/fd/42",
				     .mnt_ns = "/proc/1/fd/38" };
	setenv("LXC_PID", "4242", 1);
	ck_assert_int_eq(run_hook_ctx(&e, &stop, &err), 0);
	setenv("LXC_PID", "4242", 1);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	_cleanup_free_ char *log = calls(&e);
	ck_assert_str_eq(log, "fake-net start-host web\n"
			      "  pid=[4242] net=[] mnt=[]\n"
			      "fake-net teardown web\n"
			      "  pid=[] net=[/proc/1/fd/42] mnt=[/proc/1/fd/38]\n"
			      "fake-net teardown web\n"
			      "  pid=[] net=[] mnt=[]\n");
	env_teardown(&e);
}
END_TEST

START_TEST(test_leftover_items_kept_with_error)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_state_ struct state *s = NULL;
	char dir[PATH_MAX];
	size_t index;

	env_setup(&e);
	ct_config(&e, "web", "# managed\n");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	s = load_state(&e, "web");
	ck_assert_int_eq(state_item_add(s, "port.element", "start-host", NULL, &index), 0);
	snprintf(dir, sizeof(dir), "%s/web", e.paths.run_dir);
	ck_assert_int_eq(state_save(dir, s, &err), 0);

	/* post-stop never fails; what it cannot undo stays, with an error. */
	ck_assert_int_eq(run_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	state_free(s);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "stopped");
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert(s->has_error);
	ck_assert_str_eq(s->error_message, "1 item(s) could not be undone at post-stop");

	/* The next start sets them aside (kept for the admin) and starts clean. */
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	state_free(s);
	s = load_state(&e, "web");
	ck_assert_uint_eq(s->n_items, 0);
	ck_assert_str_eq(s->phase, "starting");
	snprintf(dir, sizeof(dir), "%s/.stale", e.paths.run_dir);
	struct stat st;
	ck_assert_int_eq(stat(dir, &st), 0);
	env_teardown(&e);
}
END_TEST

START_TEST(test_unmanaged_again_clears_state)
{
	struct env e;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	env_setup(&e);
	ct_config(&e, "web", "mtu: 1\n");
	ck_assert_int_lt(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert(state_exists(&e, "web")); /* the refusal is recorded */
	snprintf(path, sizeof(path), "%s/etc/containers/web.conf", e.root);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert(!state_exists(&e, "web"));
	env_teardown(&e);
}
END_TEST

START_TEST(test_crash_temp_files_removed_with_the_state)
{
	/* A crash in the middle of an atomic write leaves its temp file: it goes too. */
	struct env e;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	env_setup(&e);
	helper(&e, "fake-net", "exit 0");
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr0\n");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	snprintf(path, sizeof(path), "%s/web/.state.json.Ab12Cd", e.paths.run_dir);
	test_write_file(path, "{\"vers");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	ck_assert(!state_exists(&e, "web"));
	env_teardown(&e);
}
END_TEST

START_TEST(test_helper_timeout_from_settings)
{
	struct env e;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	env_setup(&e);
	snprintf(path, sizeof(path), "%s/etc/lxcri.conf", e.root);
	test_write_file(path, "helper-timeout: 1\n");
	helper(&e, "fake-selinux", "exec sleep 30");
	ct_config(&e, "web", "selinux: u:r:t:s0\n");
	ck_assert_int_lt(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_msg(strstr(err.message, "timed out"), "%s", err.message);
	env_teardown(&e);
}
END_TEST

START_TEST(test_settings_at_every_hook)
{
	struct env e;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	env_setup(&e);
	helper(&e, "fake-net", "exec sleep 30");
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr0\n");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	/* Changed between pre-start and start-host: start-host reads it too. */
	snprintf(path, sizeof(path), "%s/etc/lxcri.conf", e.root);
	test_write_file(path, "helper-timeout: 1\n");
	ck_assert_int_lt(run_hook(&e, "web", HOOK_START_HOST, &err), 0);
	ck_assert_msg(strstr(err.message, "timed out after 1000 ms"), "%s", err.message);
	/* Broken settings: teardown goes on with the defaults. */
	test_write_file(path, "helper-timeout: never\n");
	ck_assert_int_eq(run_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	env_teardown(&e);
}
END_TEST

/* Two features whose helpers undo their own items: fake-net the net.*, fake-portfwd the port.*. */
static const struct feature undo_features[] = {
	{ "net", "fake-net", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
	{ "port", "fake-portfwd", HOOK_MASK(HOOK_START_HOST), NULL, NULL },
};

static int run_undo_hook(struct env *e, const char *id, enum hook_type type,
			 struct lxcri_error *err)
{
	struct hook_context ctx = { .id = id, .type = type, .section = "lxc" };
	struct lifecycle lc;

	ck_assert_int_eq(lifecycle_init(&lc, &e->paths, &ctx, err), 0);
	lc.features = undo_features;
	lc.n_features = ELEMENTSOF(undo_features);
	return lifecycle_run(&lc, err);
}

/*
 * A helper of undo_features: at teardown it keeps the state it was given on
 * stdin in $CALLS.<name>, and prints it back without its own items.
 */
static void undo_helper(struct env *e, const char *name, const char *prefix)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "[ \"$1\" = teardown ] || exit 0\n"
		 "cat >\"$CALLS.%s\"\n"
		 "jq -c '.items |= map(select(.kind | startswith(\"%s\") | not))' \"$CALLS.%s\"",
		 name, prefix, name);
	helper(e, name, body);
}

/* A running container "web" of undo_features, with a net and a port item applied. */
static void undo_setup(struct env *e)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char dir[PATH_MAX];

	env_setup(e);
	undo_helper(e, "fake-net", "net.");
	undo_helper(e, "fake-portfwd", "port.");
	ct_config(e, "web", "net0: name=eth1,bridge=vmbr0\nport0: proto=tcp,host=80,ct=80\n");
	ck_assert_int_eq(run_undo_hook(e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_msg(run_undo_hook(e, "web", HOOK_START_HOST, &err) == 0, "%s", err.message);
	s = load_state(e, "web");
	ck_assert_int_eq(state_item_add(s, "net.veth", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_item_add(s, "port.fwd", "start-host", NULL, NULL), 0);
	snprintf(dir, sizeof(dir), "%s/web", e->paths.run_dir);
	ck_assert_int_eq(state_save(dir, s, &err), 0);
}

static char *helper_stdin(struct env *e, const char *name)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s.%s", e->calls, name);
	if (fileio_read_file(path, 65536, &text, &n) < 0)
		return strdup("");
	return text;
}

/*
 * A stop with a run dir that cannot be written (read-only here; full is the
 * same to us): every helper still undoes its items, each from the state as
 * the helpers before it left it in memory, though none of it can be saved.
 */
START_TEST(test_teardown_goes_on_when_state_cannot_be_saved)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_free_ char *log = NULL, *net_saw = NULL, *port_saw = NULL;
	_cleanup_state_ struct state *s = NULL;

	undo_setup(&e);
	if (!test_mount_read_only(e.paths.run_dir)) {
		test_skip(__func__, "no mount namespace (not root)");
		env_teardown(&e);
		return;
	}
	ck_assert_int_eq(run_undo_hook(&e, "web", HOOK_STOP, &err), 0);
	log = calls(&e);
	ck_assert_msg(strstr(log, "fake-portfwd teardown web\nfake-net teardown web\n"), "%s", log);
	/* The port helper went first; the net helper was given the state without its item. */
	port_saw = helper_stdin(&e, "fake-portfwd");
	net_saw = helper_stdin(&e, "fake-net");
	ck_assert_msg(strstr(port_saw, "\"port.fwd\"") && strstr(port_saw, "\"net.veth\""), "%s",
		      port_saw);
	ck_assert_msg(strstr(net_saw, "\"net.veth\"") && !strstr(net_saw, "\"port.fwd\""), "%s",
		      net_saw);
	/* post-stop does it again from what the file still says, and never fails. */
	ck_assert_int_eq(run_undo_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	free(TAKE_PTR(log));
	log = calls(&e);
	ck_assert_msg(strstr(log, "fake-portfwd teardown web\nfake-net teardown web\n"
				  "fake-portfwd teardown web\nfake-net teardown web\n"),
		      "%s", log);
	/* The file could not follow: it still lists both, for the next start to undo again. */
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "running");
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_int_eq(umount2(e.paths.run_dir, MNT_DETACH), 0);
	ck_assert_int_eq(run_undo_hook(&e, "web", HOOK_PRE_START, &err), 0);
	state_free(s);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "starting");
	ck_assert_uint_eq(s->n_items, 0);
	env_teardown(&e);
}
END_TEST

/* Without the lock (its directory cannot be made), a stop still tears down; a start is refused. */
START_TEST(test_teardown_goes_on_without_the_lock)
{
	struct env e;
	struct lxcri_error err = {};
	_cleanup_free_ char *log = NULL;
	_cleanup_state_ struct state *s = NULL;
	char locks[PATH_MAX], aside[PATH_MAX];

	undo_setup(&e);
	snprintf(locks, sizeof(locks), "%s/.locks", e.paths.run_dir);
	snprintf(aside, sizeof(aside), "%s/locks-aside", e.root);
	ck_assert_int_eq(rename(locks, aside), 0);
	test_write_file(locks, "not a directory\n");
	ck_assert_int_eq(run_undo_hook(&e, "web", HOOK_STOP, &err), 0);
	log = calls(&e);
	ck_assert_msg(strstr(log, "fake-portfwd teardown web\nfake-net teardown web\n"), "%s", log);
	s = load_state(&e, "web");
	ck_assert_str_eq(s->phase, "stopping");
	ck_assert_uint_eq(s->n_items, 0);
	ck_assert_int_eq(run_undo_hook(&e, "web", HOOK_PRE_START, &err), -ENOTDIR);
	ck_assert_msg(strstr(err.message, locks), "%s", err.message);
	env_teardown(&e);
}
END_TEST

/* /run/lxcri/.locks/<id>.lock lives as long as the container's state. */
START_TEST(test_lock_file_goes_with_the_state)
{
	struct env e;
	struct lxcri_error err = {};
	char lock[PATH_MAX], path[PATH_MAX];
	struct stat st;

	env_setup(&e);
	helper(&e, "fake-net", "exit 0");
	ct_config(&e, "web", "net0: name=eth1,bridge=vmbr0\n");
	snprintf(lock, sizeof(lock), "%s/.locks/web.lock", e.paths.run_dir);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_START_HOST, &err), 0);
	ck_assert_int_eq(stat(lock, &st), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_STOP, &err), 0);
	ck_assert_int_eq(stat(lock, &st), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_POST_STOP, &err), 0);
	ck_assert(!state_exists(&e, "web"));
	ck_assert_int_eq(stat(lock, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* A refused start keeps its state for `lxcri status`, and the lock file with it. */
	ct_config(&e, "web", "mtu: 1\n");
	ck_assert_int_lt(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert_int_eq(stat(lock, &st), 0);
	/* Unmanaged again: the next start clears the state, and the lock file goes. */
	snprintf(path, sizeof(path), "%s/etc/containers/web.conf", e.root);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), 0);
	ck_assert(!state_exists(&e, "web"));
	ck_assert_int_eq(stat(lock, &st), -1);
	env_teardown(&e);
}
END_TEST

/* A start refuses a config too large with the words of `lxcri config validate`. */
START_TEST(test_too_large_config_refused_as_validate_says)
{
	struct env e;
	struct lxcri_error err = {}, validated = {};
	_cleanup_config_ struct config *c = NULL;
	_cleanup_free_ char *big = malloc(CONFIG_MAX_SIZE + 2);
	char path[PATH_MAX];

	env_setup(&e);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', CONFIG_MAX_SIZE + 1);
	big[CONFIG_MAX_SIZE + 1] = '\0';
	ct_config(&e, "web", big);
	ck_assert_int_eq(run_hook(&e, "web", HOOK_PRE_START, &err), -EFBIG);
	snprintf(path, sizeof(path), "%s/etc/containers/web.conf", e.root);
	ck_assert_int_eq(lifecycle_validate_config(path, &c, &validated), -EFBIG);
	ck_assert_str_eq(err.message, validated.message);
	env_teardown(&e);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_plan_and_supported);
	tcase_add_test(tc, test_shipped_features);
	tcase_add_test(tc, test_plan_runs_a_shared_helper_once);
	tcase_add_test(tc, test_plan_runs_nets_before_ports);
	tcase_add_test(tc, test_start_runs_helpers_at_their_hooks);
	tcase_add_test(tc, test_failing_helper_refuses_and_records);
	tcase_add_test(tc, test_helper_reason_is_the_refusal);
	tcase_add_test(tc, test_bad_config_refused_with_line);
	tcase_add_test(tc, test_bad_settings_refuse_managed_start);
	tcase_add_test(tc, test_verify_after_helpers);
	tcase_add_test(tc, test_validate_checks);
	tcase_add_test(tc, test_teardown_runs_feature_helper);
	tcase_add_test(tc, test_leftover_items_kept_with_error);
	tcase_add_test(tc, test_helpers_see_the_container_only_while_it_is_there);
	tcase_add_test(tc, test_unmanaged_again_clears_state);
	tcase_add_test(tc, test_crash_temp_files_removed_with_the_state);
	tcase_add_test(tc, test_helper_timeout_from_settings);
	tcase_add_test(tc, test_settings_at_every_hook);
	tcase_add_test(tc, test_teardown_goes_on_when_state_cannot_be_saved);
	tcase_add_test(tc, test_teardown_goes_on_without_the_lock);
	tcase_add_test(tc, test_lock_file_goes_with_the_state);
	tcase_add_test(tc, test_too_large_config_refused_as_validate_says);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(lifecycle_suite)
