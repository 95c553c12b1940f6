/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <signal.h>
#include <sys/wait.h>

#include "nettest.h"
#include "testutil.h"

#include "cli/netcmd.h"
#include "lib/basic/fileio.h"
#include "lib/basic/log.h"
#include "lib/net/netsetup.h"
#include "lib/netlink/netlink.h"
#include "lib/pve/pveguard.h"
#include "lib/shared/state.h"

/*
 * `lxcri net add|del web ...` in a network namespace of the test's own (the
 * "host", with a bridge br0), with web's files under a tmp dir. LXC's
 * answer comes from test_lxc_info_stub(): a stopped container is one LXC
 * does not know; a running one is a child process in a network namespace
 * of its own (its init), which LXC says is RUNNING, with an lxcri state in
 * phase "running" as its start leaves it. The real host is never touched.
 */
struct env {
	char *dir;
	struct lxcri_paths paths;
	char config[PATH_MAX];	   /* etc/containers/web.conf */
	char state_dir[PATH_MAX];  /* run/web */
	char snapshot[PATH_MAX];   /* run/web/config */
	char host_net0[IFNAMSIZ];  /* the host end of net0, as its start names it */
	pid_t ct_pid;		   /* the container's init; 0: none */
	struct nl_sock *host, *ct; /* netlink in the host's and the container's namespaces */
};

static void add_bridge(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();

	ck_assert_ptr_nonnull(l);
	rtnl_link_set_name(l, name);
	ck_assert_int_eq(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(l);
}

static bool env_setup(struct env *e, const char *test)
{
	char path[PATH_MAX];

	*e = (struct env){ 0 };
	if (geteuid() != 0) {
		test_skip(test, "needs root for network and mount namespaces");
		return false;
	}
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	log_set_stderr(false);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->dir = test_tmpdir();
	if (!test_lxc_info_stub(e->dir)) {
		test_skip(test, "no lxc-info to stand in for");
		test_rm_rf(e->dir);
		free(e->dir);
		return false;
	}
	test_paths_under(&e->paths, e->dir);
	for (const char *const *d =
		 (const char *const[]){ "etc", "etc/containers", "run", "lxc", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", e->dir, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(e->config, sizeof(e->config), "%s/etc/containers/web.conf", e->dir);
	snprintf(e->state_dir, sizeof(e->state_dir), "%s/run/web", e->dir);
	snprintf(e->snapshot, sizeof(e->snapshot), "%s/run/web/config", e->dir);
	ck_assert_int_eq(netlink_host_ifname("web", 0, 0, e->host_net0), 0);
	ck_assert_int_eq(netlink_open(&e->host), 0);
	add_bridge(e->host, "br0");
	return true;
}

static void env_done(struct env *e)
{
	if (e->ct_pid > 0) {
		kill(e->ct_pid, SIGKILL);
		waitpid(e->ct_pid, NULL, 0);
	}
	nl_socket_free(e->ct);
	nl_socket_free(e->host);
	test_rm_rf(e->dir);
	free(e->dir);
}

#define ENV_SETUP(e)                                                                               \
	struct env e;                                                                              \
	if (!env_setup(&e, __func__))                                                              \
	return

/* web's lxcri state, in phase "running" as its start leaves it. */
static void save_running_state(const struct env *e)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};

	if (mkdir(e->state_dir, 0700) < 0)
		ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(state_new("web", &s), 0);
	ck_assert_int_eq(state_set_phase(s, "running", "start-host"), 0);
	ck_assert_msg(state_save(e->state_dir, s, &err) == 0, "%s", err.message);
}

/* web runs: its init in a network namespace of its own, LXC says RUNNING, lxcri has its state. */
static void start_container(struct env *e)
{
	struct lxcri_error err = {};
	char answer[64];

	e->ct_pid = test_child(test_enter_own_netns, NULL);
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)e->ct_pid);
	test_lxc_says(&e->paths, "web", answer);
	ck_assert_msg(netlink_open_in_netns_pid(e->ct_pid, &e->ct, &err) == 0, "%s", err.message);
	save_running_state(e);
}

/* A process that has exited and is not reaped yet: a PID whose namespaces cannot be had. */
static pid_t exited_process(void)
{
	siginfo_t info;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
	return pid;
}

/* The config's text; NULL when there is no file. */
static char *text_of(const char *path)
{
	char *text = NULL;

	if (fileio_read_file(path, 0, &text, NULL) < 0)
		return NULL;
	return text;
}

static void assert_text(const char *path, const char *want)
{
	_cleanup_free_ char *text = text_of(path);

	if (!want) {
		ck_assert_msg(!text, "'%s' exists: %s", path, text);
		return;
	}
	ck_assert_msg(text, "'%s' does not exist", path);
	ck_assert_str_eq(text, want);
}

static bool link_exists(struct nl_sock *sk, const char *name)
{
	int r = netlink_link_exists(sk, name);

	ck_assert_int_ge(r, 0);
	return r > 0;
}

/* Whether web's state on disk records a net named name. */
static bool state_has_net(const struct env *e, const char *name)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(state_load(e->state_dir, &s, &err) == 0, "%s", err.message);
	return netsetup_has_net(s, name);
}

#define ASSERT_ERR_HAS(err, text)                                                                  \
	ck_assert_msg(strstr((err).message, (text)), "'%s' not in: %s", (text), (err).message)

/*
 * A stopped container (LXC does not know it, or says STOPPED) gets the
 * config only: no interface is made, and the bridge is checked at its
 * next start, not now.
 */
START_TEST(test_add_to_stopped_container_writes_config_only)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ] = "x";

	ck_assert_msg(netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res,
				 &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(name, "eth1");
	ck_assert(!res.live);
	ck_assert(!res.config_fault);
	ck_assert_uint_eq(res.index, 0);
	ck_assert_str_eq(res.file, e.config);
	assert_text(e.config, "net0: name=eth1,bridge=br0\n");
	ck_assert(!link_exists(e.host, e.host_net0));

	test_lxc_says(&e.paths, "web", "STOPPED\n");
	ck_assert_msg(netcmd_add(&e.paths, "web", "name=eth2,bridge=vmbr9", name, sizeof(name),
				 &res, &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(name, "eth2");
	ck_assert(!res.live);
	ck_assert_uint_eq(res.index, 1);
	assert_text(e.config, "net0: name=eth1,bridge=br0\nnet1: name=eth2,bridge=vmbr9\n");
	ck_assert(!link_exists(e.host, "vmbr9"));
	/* No run, no state: nothing was recorded for one. */
	ck_assert_int_eq(access(e.state_dir, F_OK), -1);
	env_done(&e);
}
END_TEST

/*
 * A running container gets the interface at once: its end in the
 * container, the host end on the bridge, recorded in the state, the config
 * and the snapshot written.
 */
START_TEST(test_add_to_running_container_applies_it)
{
	ENV_SETUP(e);
	struct netlink_link_info info;
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ] = "";

	start_container(&e);
	test_write_file(e.config, "# web server\n");
	ck_assert_msg(netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res,
				 &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(name, "eth1");
	ck_assert(res.live);
	ck_assert_uint_eq(res.index, 0);
	assert_text(e.config, "# web server\nnet0: name=eth1,bridge=br0\n");
	/* No snapshot before: the container now runs with the config as written. */
	assert_text(e.snapshot, "# web server\nnet0: name=eth1,bridge=br0\n");

	ck_assert(link_exists(e.ct, "eth1"));
	ck_assert(!link_exists(e.host, "eth1"));
	ck_assert_msg(netlink_link_get(e.host, e.host_net0, &info, &err) == 0, "%s", err.message);
	ck_assert_str_eq(info.master, "br0");
	ck_assert_str_eq(info.kind, "veth");
	ck_assert_str_eq(info.alias, "lxcri web net0");
	ck_assert(state_has_net(&e, "eth1"));
	env_done(&e);
}
END_TEST

/* A bridge the host does not have, or a link that is no bridge: refused, nothing changed. */
START_TEST(test_add_without_bridge_changes_nothing)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ] = "";

	start_container(&e);
	test_write_file(e.config, "# web server\n");
	ck_assert_int_lt(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br9", name, sizeof(name), &res, &err), 0);
	ASSERT_ERR_HAS(err, "Failed to add net0 ('eth1') to the running container 'web'");
	ASSERT_ERR_HAS(err, "Bridge 'br9' does not exist");
	ASSERT_ERR_HAS(err, "neither the container nor");
	ck_assert(!res.config_fault);
	ck_assert(!res.live);

	{
		struct netlink_veth_spec spec = { .host_ifname = "veth9",
						  .peer_ifname = "veth9p",
						  .peer_netns_fd = -1 };
		ck_assert_msg(netlink_veth_create(e.host, &spec, &err) == 0, "%s", err.message);
	}
	ck_assert_int_eq(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=veth9", name, sizeof(name), &res, &err),
	    -EINVAL);
	ASSERT_ERR_HAS(err, "'veth9' is not a bridge (it is a veth link)");
	ck_assert(!res.config_fault);

	assert_text(e.config, "# web server\n");
	assert_text(e.snapshot, NULL);
	ck_assert(!link_exists(e.ct, "eth1"));
	ck_assert(!link_exists(e.host, e.host_net0));
	ck_assert(!state_has_net(&e, "eth1"));
	env_done(&e);
}
END_TEST

/*
 * The name is one the container has already (its own interface, such as
 * PVE's eth0): refused before anything is made on the host, and the
 * container's interface left alone.
 */
START_TEST(test_add_name_the_container_has)
{
	ENV_SETUP(e);
	struct netlink_veth_spec spec = { .host_ifname = "eth1",
					  .peer_ifname = "eth1p",
					  .peer_netns_fd = -1 };
	struct netlink_link_info before, after;
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];

	start_container(&e);
	ck_assert_msg(netlink_veth_create(e.ct, &spec, &err) == 0, "%s", err.message);
	ck_assert_int_eq(netlink_link_get(e.ct, "eth1", &before, &err), 0);
	ck_assert_int_eq(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res, &err),
	    -EEXIST);
	ASSERT_ERR_HAS(err, "Interface 'eth1' already exists in container 'web'");
	ck_assert(!res.config_fault);
	assert_text(e.config, NULL);
	ck_assert(!link_exists(e.host, e.host_net0));
	ck_assert_int_eq(netlink_link_get(e.ct, "eth1", &after, &err), 0);
	ck_assert_int_eq(after.ifindex, before.ifindex);
	ck_assert(!state_has_net(&e, "eth1"));
	env_done(&e);
}
END_TEST

/*
 * Values the config refuses: a bad property, a second line smuggled into
 * the value, a name another net has. The config's fault, naming the file;
 * the running container is not touched.
 */
START_TEST(test_add_invalid_value_is_config_fault)
{
	static const char *const bad[] = {
		"name=eth1,bridge=br0,colour=red",
		"name=eth1,bridge=br0\nport0: proto=tcp,host=22,ct=22",
		"name=eth0,bridge=br0",
		"name=../../x,bridge=br0",
		"",
	};
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];

	start_container(&e);
	test_write_file(e.config, "net0: name=eth0,bridge=br0\n");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		err = (struct lxcri_error){};
		ck_assert_msg(netcmd_add(&e.paths, "web", bad[i], name, sizeof(name), &res, &err) ==
				  -EINVAL,
			      "accepted '%s'", bad[i]);
		ck_assert_msg(res.config_fault, "'%s': %s", bad[i], err.message);
		ck_assert(!res.live);
		ck_assert_msg(strstr(err.message, e.config), "'%s': %s", bad[i], err.message);
	}
	assert_text(e.config, "net0: name=eth0,bridge=br0\n");
	ck_assert(!link_exists(e.ct, "eth1"));
	ck_assert(!link_exists(e.host, e.host_net0));
	env_done(&e);
}
END_TEST

/*
 * Applied to the container, but the config cannot be written (a read-only
 * /etc): the interface is taken out again, and the state forgets it.
 */
START_TEST(test_add_undone_when_config_cannot_be_written)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char dir[PATH_MAX], name[IFNAMSIZ] = "";

	start_container(&e);
	test_write_file(e.config, "# web server\n");
	snprintf(dir, sizeof(dir), "%s/etc/containers", e.dir);
	ck_assert(test_mount_read_only(dir));
	ck_assert_int_lt(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res, &err), 0);
	ASSERT_ERR_HAS(err, e.config);
	ASSERT_ERR_HAS(err, "net0 ('eth1') was removed from the running container again: nothing "
			    "was changed");
	ck_assert(!res.live);
	assert_text(e.config, "# web server\n");
	assert_text(e.snapshot, NULL);
	ck_assert(!link_exists(e.ct, "eth1"));
	ck_assert(!link_exists(e.host, e.host_net0));
	ck_assert(!state_has_net(&e, "eth1"));
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	env_done(&e);
}
END_TEST

/*
 * A container that runs without lxcri's state (started before lxcri was
 * installed), one between two states (STARTING), and one whose init is
 * gone by the time the net goes in: refused, the config as it was.
 */
START_TEST(test_add_refused_by_the_container_state)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char answer[64], name[IFNAMSIZ];
	pid_t gone;

	test_write_file(e.config, "# web server\n");
	e.ct_pid = test_child(test_enter_own_netns, NULL);
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)e.ct_pid);
	test_lxc_says(&e.paths, "web", answer);
	ck_assert_int_eq(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res, &err),
	    -ESRCH);
	ASSERT_ERR_HAS(err, "Container 'web' is running without lxcri state; restart it to apply");

	save_running_state(&e);
	test_lxc_says(&e.paths, "web", "STARTING\n");
	ck_assert_int_eq(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res, &err),
	    -EBUSY);
	ASSERT_ERR_HAS(err, "Container 'web' is STARTING: try again once it is running or stopped");

	gone = exited_process();
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)gone);
	test_lxc_says(&e.paths, "web", answer);
	ck_assert_int_eq(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res, &err),
	    -ESRCH);
	ASSERT_ERR_HAS(err, "Failed to add net0 ('eth1') to the running container 'web'");
	ASSERT_ERR_HAS(err, "neither the container nor");
	waitpid(gone, NULL, 0);

	ck_assert(!res.live && !res.config_fault);
	assert_text(e.config, "# web server\n");
	ck_assert(!link_exists(e.host, e.host_net0));
	ck_assert(!state_has_net(&e, "eth1"));
	env_done(&e);
}
END_TEST

/*
 * The config changed since the start (net0 went from the config, but the
 * container still runs with it): a new net0 does not fit what it runs
 * with, and is refused before anything is made.
 */
START_TEST(test_add_refused_when_the_run_has_that_index)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];

	start_container(&e);
	test_write_file(e.config, "# web server\n");
	test_write_file(e.snapshot, "net0: name=eth5,bridge=br0\n");
	ck_assert_int_lt(
	    netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res, &err), 0);
	ASSERT_ERR_HAS(err, "The config of container 'web' changed since it started, and net0 "
			    "('eth1') does not fit what it runs with");
	ASSERT_ERR_HAS(err, "restart it to apply");
	assert_text(e.config, "# web server\n");
	assert_text(e.snapshot, "net0: name=eth5,bridge=br0\n");
	ck_assert(!link_exists(e.ct, "eth1"));
	ck_assert(!link_exists(e.host, e.host_net0));
	env_done(&e);
}
END_TEST

/* del on a running container: the interface goes from both sides, the line from the config. */
START_TEST(test_del_from_running_container_removes_it)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];

	start_container(&e);
	test_write_file(e.config, "# web server\n");
	ck_assert_msg(netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res,
				 &err) == 0,
		      "%s", err.message);
	ck_assert(link_exists(e.ct, "eth1"));

	ck_assert_msg(netcmd_del(&e.paths, "web", "eth1", &res, &err) == 0, "%s", err.message);
	ck_assert(res.live);
	ck_assert(res.was_applied);
	ck_assert_uint_eq(res.index, 0);
	assert_text(e.config, "# web server\n");
	assert_text(e.snapshot, "# web server\n");
	ck_assert(!link_exists(e.ct, "eth1"));
	ck_assert(!link_exists(e.host, e.host_net0));
	ck_assert(!state_has_net(&e, "eth1"));
	env_done(&e);
}
END_TEST

/* A net the config does not have: -ENOENT naming the ones it has; nothing removed. */
START_TEST(test_del_unknown_net_changes_nothing)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ];

	start_container(&e);
	ck_assert_msg(netcmd_add(&e.paths, "web", "name=eth1,bridge=br0", name, sizeof(name), &res,
				 &err) == 0,
		      "%s", err.message);
	ck_assert_int_eq(netcmd_del(&e.paths, "web", "eth7", &res, &err), -ENOENT);
	ck_assert(res.config_fault);
	ck_assert(!res.live);
	ASSERT_ERR_HAS(err, "eth7");
	ASSERT_ERR_HAS(err, "eth1");
	assert_text(e.config, "net0: name=eth1,bridge=br0\n");
	ck_assert(link_exists(e.ct, "eth1"));
	ck_assert(state_has_net(&e, "eth1"));

	/* And no config at all: nothing to remove from. */
	ck_assert_int_eq(unlink(e.config), 0);
	ck_assert_int_eq(netcmd_del(&e.paths, "web", "eth1", &res, &err), -ENOENT);
	ck_assert(res.config_fault);
	ASSERT_ERR_HAS(err, "Container 'web' has no lxcri config");
	assert_text(e.config, NULL);
	ck_assert(link_exists(e.ct, "eth1"));
	env_done(&e);
}
END_TEST

/*
 * A net added while the container was stopped, removed while it runs (it
 * did not start with it): the config loses it, and the result says it
 * was not applied; an interface of that name that lxcri did not make stays.
 */
START_TEST(test_del_net_the_run_does_not_have)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};

	start_container(&e);
	test_write_file(e.config,
			"net0: name=eth0,bridge=br0\nnet1: name=eth1,bridge=br0\n# end\n");
	/* The container's own eth1, not lxcri's. */
	{
		struct netlink_veth_spec spec = { .host_ifname = "eth1",
						  .peer_ifname = "eth1p",
						  .peer_netns_fd = -1 };
		ck_assert_msg(netlink_veth_create(e.ct, &spec, &err) == 0, "%s", err.message);
	}
	ck_assert_msg(netcmd_del(&e.paths, "web", "eth1", &res, &err) == 0, "%s", err.message);
	ck_assert(res.live);
	ck_assert(!res.was_applied);
	ck_assert_uint_eq(res.index, 1);
	assert_text(e.config, "net0: name=eth0,bridge=br0\n# end\n");
	ck_assert(link_exists(e.ct, "eth1"));
	env_done(&e);
}
END_TEST

/*
 * The removal from the container fails (its init is gone meanwhile): the
 * config, written first, is put back as it was.
 */
START_TEST(test_del_restores_config_when_removal_fails)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char answer[64];
	pid_t gone;

	start_container(&e);
	test_write_file(e.config, "net0: name=eth1,bridge=br0\n# end\n");
	gone = exited_process();
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)gone);
	test_lxc_says(&e.paths, "web", answer);
	ck_assert_int_eq(netcmd_del(&e.paths, "web", "eth1", &res, &err), -ESRCH);
	ASSERT_ERR_HAS(err, "Failed to remove net0 ('eth1') from the running container 'web'");
	ASSERT_ERR_HAS(err, "is as it was");
	ck_assert(!res.live && !res.config_fault);
	assert_text(e.config, "net0: name=eth1,bridge=br0\n# end\n");
	waitpid(gone, NULL, 0);
	env_done(&e);
}
END_TEST

/* del on a stopped container: the config only; the last net takes the file with it. */
START_TEST(test_del_from_stopped_container_writes_config_only)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};

	test_write_file(e.config, "net0: name=eth0,bridge=br0\nnet1: name=eth1,bridge=br0\n");
	ck_assert_msg(netcmd_del(&e.paths, "web", "eth0", &res, &err) == 0, "%s", err.message);
	ck_assert(!res.live);
	ck_assert(!res.was_applied);
	ck_assert_uint_eq(res.index, 0);
	assert_text(e.config, "net1: name=eth1,bridge=br0\n");
	ck_assert_msg(netcmd_del(&e.paths, "web", "eth1", &res, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(res.index, 1);
	assert_text(e.config, NULL);
	env_done(&e);
}
END_TEST

/*
 * CT 105 on a PVE node (stopped): its lxcri config is /etc/pve/lxcri/105.conf,
 * and PVE's config gets lxcri's guard with the first net and loses it with
 * the last. Without quorum, nothing is written.
 */
START_TEST(test_pve_node_config_carries_the_guard)
{
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	_cleanup_free_ char *guarded = NULL;
	char *tmp = test_tmpdir(), name[IFNAMSIZ], guard[PATH_MAX + 64], path[PATH_MAX],
	     pve_conf[PATH_MAX], conf[PATH_MAX];

	test_pve_node(&e.paths, tmp,
		      "{\"version\": 1, \"ids\": {\"105\": {\"node\": \"pve1\", \"type\": "
		      "\"lxc\", \"version\": 1}}}\n");
	snprintf(pve_conf, sizeof(pve_conf), "%s/pve/nodes/pve1/lxc/105.conf", tmp);
	snprintf(conf, sizeof(conf), "%s/pve/lxcri/105.conf", tmp);
	test_write_file(pve_conf, "arch: amd64\nhostname: ct105\n");
	ck_assert_int_eq(pveguard_value(&e.paths, "105", guard, sizeof(guard)), 0);
	ck_assert_int_ge(
	    asprintf(&guarded, "arch: amd64\nhostname: ct105\nlxc.hook.pre-start: %s\n", guard), 0);

	ck_assert_msg(netcmd_add(&e.paths, "105", "name=eth1,bridge=vmbr0", name, sizeof(name),
				 &res, &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(res.file, conf);
	assert_text(conf, "net0: name=eth1,bridge=vmbr0\n");
	assert_text(pve_conf, guarded);

	/* No quorum: the removal is refused, both files as they were. */
	snprintf(path, sizeof(path), "%s/pve/.members", tmp);
	test_write_file(path, "{\"nodename\": \"pve1\", \"version\": 3, \"cluster\": {\"name\": "
			      "\"c\", \"version\": 2, \"nodes\": 2, \"quorate\": 0}}\n");
	ck_assert_int_lt(netcmd_del(&e.paths, "105", "eth1", &res, &err), 0);
	ASSERT_ERR_HAS(err, "quorum");
	assert_text(conf, "net0: name=eth1,bridge=vmbr0\n");
	assert_text(pve_conf, guarded);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_msg(netcmd_del(&e.paths, "105", "eth1", &res, &err) == 0, "%s", err.message);
	assert_text(conf, NULL);
	assert_text(pve_conf, "arch: amd64\nhostname: ct105\n");
	test_rm_rf(tmp);
	free(tmp);
	env_done(&e);
}
END_TEST

/* Ids that are no container name: refused before any file is looked at. */
START_TEST(test_invalid_container_id)
{
	static const char *const ids[] = { "../web", "", "web/x", "-web", ".web" };
	ENV_SETUP(e);
	struct livechange_result res;
	struct lxcri_error err = {};
	char name[IFNAMSIZ], want[128];

	for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
		snprintf(name, sizeof(name), "x");
		ck_assert_int_eq(netcmd_add(&e.paths, ids[i], "name=eth1,bridge=br0", name,
					    sizeof(name), &res, &err),
				 -EINVAL);
		snprintf(want, sizeof(want), "Invalid container id '%s'", ids[i]);
		ck_assert_str_eq(err.message, want);
		ck_assert_str_eq(name, "");
		ck_assert(!res.config_fault);
		ck_assert_int_eq(netcmd_del(&e.paths, ids[i], "eth1", &res, &err), -EINVAL);
		ck_assert_str_eq(err.message, want);
	}
	assert_text(e.config, NULL);
	snprintf(want, sizeof(want), "%s/etc/web.conf", e.dir);
	ck_assert_int_eq(access(want, F_OK), -1);
	env_done(&e);
}
END_TEST

static Suite *netcmd_suite(void)
{
	Suite *s = suite_create("netcmd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_to_stopped_container_writes_config_only);
	tcase_add_test(tc, test_add_to_running_container_applies_it);
	tcase_add_test(tc, test_add_without_bridge_changes_nothing);
	tcase_add_test(tc, test_add_name_the_container_has);
	tcase_add_test(tc, test_add_invalid_value_is_config_fault);
	tcase_add_test(tc, test_add_undone_when_config_cannot_be_written);
	tcase_add_test(tc, test_add_refused_by_the_container_state);
	tcase_add_test(tc, test_add_refused_when_the_run_has_that_index);
	tcase_add_test(tc, test_del_from_running_container_removes_it);
	tcase_add_test(tc, test_del_unknown_net_changes_nothing);
	tcase_add_test(tc, test_del_net_the_run_does_not_have);
	tcase_add_test(tc, test_del_restores_config_when_removal_fails);
	tcase_add_test(tc, test_del_from_stopped_container_writes_config_only);
	tcase_add_test(tc, test_pve_node_config_carries_the_guard);
	tcase_add_test(tc, test_invalid_container_id);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(netcmd_suite)
