/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include <errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/openat2.h>

#include "testutil.h"

#include "cli/hostcheck.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/log.h"
#include "lib/netlink/netlink.h"
#include "lib/port/portfwd.h"
#include "lib/pve/pveguard.h"
#include "lib/shared/state.h"

/*
 * `lxcri check` on host states built for each test: every root of the
 * paths (etc, run, lxc, the drop-in's directory, libexec, sys) under a
 * tmp dir, in a network namespace of the test's own (the port forwards,
 * route_localnet and bridges checked are that namespace's). What is read
 * from fixed host paths (lxc-start, /proc/self/ns, /proc/sys/kernel/seccomp,
 * /sys/module, /sys/fs/cgroup, /etc/pam.d) is changed, where a test needs
 * it, by mounts in a mount namespace of the test's own; openat2, and nft's
 * requests to nf_tables, are taken away by a seccomp filter of the test's
 * process.
 *
 * The host as the fixture lays it out is healthy: lxcri installed (the
 * drop-in runs <libexec>/lxcri-hook, the programs executable), a run dir,
 * no settings, no container.
 */
struct host {
	char *dir;
	struct lxcri_paths paths;
	char dropin[PATH_MAX];
	struct check_result r[HOSTCHECK_MAX];
	size_t n;
};

static const char *const programs[] = { "lxcri-hook", "lxcri-lifecycle", "lxcri-net",
					"lxcri-portfwd" };

static void make_dir(const struct host *h, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", h->dir, sub);
	if (mkdir(path, 0755) < 0)
		ck_assert_msg(errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
}

static void put(const struct host *h, const char *sub, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", h->dir, sub);
	test_write_file(path, text);
}

static void path_of(const struct host *h, const char *sub, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", h->dir, sub);
}

/* The drop-in as the package installs it: every hook type runs <libexec>/lxcri-hook. */
static void install_dropin(const struct host *h)
{
	char text[4 * PATH_MAX + 256];

	snprintf(text, sizeof(text),
		 "# pve-lxcri: runs lxcri-hook for every container\n"
		 "lxc.hook.pre-start = %s/lxcri-hook\nlxc.hook.start-host = %s/lxcri-hook\n"
		 "lxc.hook.stop = %s/lxcri-hook\nlxc.hook.post-stop = %s/lxcri-hook\n",
		 h->paths.libexec_dir, h->paths.libexec_dir, h->paths.libexec_dir,
		 h->paths.libexec_dir);
	test_write_file(h->dropin, text);
}

/* The healthy host; vmlist NULL: a plain LXC host, else a PVE node (test_pve_node()) with that
 * .vmlist. */
static bool host_init(struct host *h, const char *test, const char *vmlist)
{
	char path[PATH_MAX];

	*h = (struct host){ 0 };
	if (geteuid() != 0) {
		test_skip(test, "needs root for network and mount namespaces");
		return false;
	}
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	log_set_stderr(false);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	h->dir = test_tmpdir();
	if (vmlist) {
		test_pve_node(&h->paths, h->dir, vmlist);
	} else {
		ck_assert_int_eq(paths_init(&h->paths), 0);
		test_paths_under(&h->paths, h->dir);
		snprintf(h->paths.libexec_dir, sizeof(h->paths.libexec_dir), "%s/libexec", h->dir);
	}
	snprintf(h->paths.sys_dir, sizeof(h->paths.sys_dir), "%s/sys", h->dir);
	for (const char *const *d =
		 (const char *const[]){ "etc", "etc/containers", "run", "lxc", "lxcconf",
					"lxcconf/common.conf.d", "libexec", "sys", NULL };
	     *d; d++)
		make_dir(h, *d);
	ck_assert_int_eq(paths_dropin(&h->paths, h->dropin, sizeof(h->dropin)), 0);
	install_dropin(h);
	for (size_t i = 0; i < ELEMENTSOF(programs); i++) {
		snprintf(path, sizeof(path), "%s/%s", h->paths.libexec_dir, programs[i]);
		test_write_file(path, "#!/bin/sh\nexit 0\n");
		ck_assert_int_eq(chmod(path, 0755), 0);
	}
	return true;
}

static void host_done(struct host *h)
{
	test_rm_rf(h->dir);
	free(h->dir);
}

#define HOST(h)                                                                                    \
	struct host h;                                                                             \
	if (!host_init(&h, __func__, NULL))                                                        \
	return

static void run(struct host *h)
{
	h->n = hostcheck_run(&h->paths, h->r, ELEMENTSOF(h->r));
	ck_assert_uint_le(h->n, ELEMENTSOF(h->r));
}

/* The one result of that name, or NULL if there is none; two are a failure. */
static const struct check_result *find(const struct host *h, const char *name)
{
	const struct check_result *found = NULL;

	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->r[i].name, name) == 0) {
			ck_assert_msg(!found, "two results '%s'", name);
			found = &h->r[i];
		}
	return found;
}

static const struct check_result *result(const struct host *h, const char *name)
{
	const struct check_result *r = find(h, name);

	ck_assert_msg(r, "no result '%s'", name);
	return r;
}

/* The result name has status and the detail want (a prefix of it when prefix is true). */
static void assert_check(const struct host *h, const char *name, enum check_status status,
			 const char *want, bool prefix)
{
	const struct check_result *r = result(h, name);

	ck_assert_msg(r->status == status, "%s: %s, not %s: %s", name,
		      hostcheck_status_to_string(r->status), hostcheck_status_to_string(status),
		      r->detail);
	if (prefix)
		ck_assert_msg(strncmp(r->detail, want, strlen(want)) == 0,
			      "%s: '%s' is not '%s...'", name, r->detail, want);
	else
		ck_assert_str_eq(r->detail, want);
}

#define ASSERT_CHECK(h, name, status, ...)                                                         \
	do {                                                                                       \
		char want_[2 * PATH_MAX];                                                          \
		snprintf(want_, sizeof(want_), __VA_ARGS__);                                       \
		assert_check(&(h), (name), (status), want_, false);                                \
	} while (0)
#define ASSERT_CHECK_PREFIX(h, name, status, ...)                                                  \
	do {                                                                                       \
		char want_[2 * PATH_MAX];                                                          \
		snprintf(want_, sizeof(want_), __VA_ARGS__);                                       \
		assert_check(&(h), (name), (status), want_, true);                                 \
	} while (0)

static void assert_hint_has(const struct host *h, const char *name, const char *text)
{
	const struct check_result *r = result(h, name);

	ck_assert_msg(strstr(r->hint, text), "%s: hint '%s' lacks '%s'", name, r->hint, text);
}

/*
 * Every check, once, in the order `lxcri check` prints them; on the healthy
 * host of the fixture, what it lays out is ok.
 */
START_TEST(test_every_check_once_in_order)
{
	static const char *const order[] = {
		"lxc",
		"openat2",
		"namespaces",
		"nftables",
		"seccomp",
		"apparmor",
		"selinux",
		"cgroups",
		"drop-in",
		"lxcri-hook",
		"lxcri-lifecycle",
		"lxcri-net",
		"lxcri-portfwd",
		"pve",
		"run-dir",
		"settings",
		"configs",
		"networks",
		"stale-state",
		"orphans",
		"ports",
		"route-localnet",
		"pam-service",
	};
	HOST(h);
	char path[PATH_MAX];

	run(&h);
	ck_assert_uint_eq(h.n, ELEMENTSOF(order));
	for (size_t i = 0; i < h.n; i++) {
		ck_assert_str_eq(h.r[i].name, order[i]);
		if (h.r[i].status == CHECK_OK)
			ck_assert_msg(h.r[i].hint[0] == '\0', "%s: ok with a hint", h.r[i].name);
	}
	ASSERT_CHECK(h, "drop-in", CHECK_OK, "'%s' runs '%s/lxcri-hook'", h.dropin,
		     h.paths.libexec_dir);
	for (size_t i = 0; i < ELEMENTSOF(programs); i++)
		ASSERT_CHECK(h, programs[i], CHECK_OK, "'%s/%s' is installed", h.paths.libexec_dir,
			     programs[i]);
	ASSERT_CHECK(h, "pve", CHECK_OK, "plain LXC host (no '%s/lxc')", h.paths.pve_dir);
	ASSERT_CHECK(h, "run-dir", CHECK_OK, "'%s' is writable", h.paths.run_dir);
	ck_assert_int_eq(paths_settings(&h.paths, path, sizeof(path)), 0);
	ASSERT_CHECK(h, "settings", CHECK_OK, "'%s' is valid or absent", path);
	ASSERT_CHECK(h, "configs", CHECK_OK, "0 container config(s), all valid");
	ASSERT_CHECK(h, "networks", CHECK_OK, "0 net(s), every bridge and CNI network found");
	ASSERT_CHECK(h, "stale-state", CHECK_OK, "no state left by containers that do not run");
	ASSERT_CHECK(h, "orphans", CHECK_OK, "no lxcri file outlived its container");
	ASSERT_CHECK(h, "ports", CHECK_OK, "no forwards (table 'lxcri' not made yet)");
	ASSERT_CHECK(h, "route-localnet", CHECK_OK,
		     "route_localnet=1 on 0 interface(s), each with its guard");
	host_done(&h);
}
END_TEST

/* No more results than room was given for, and the first ones in their order. */
START_TEST(test_results_bounded_by_max)
{
	HOST(h);
	struct check_result *three = calloc(3, sizeof(*three));
	struct check_result sentinel = { .name = "untouched" };

	ck_assert_ptr_nonnull(three);
	ck_assert_uint_eq(hostcheck_run(&h.paths, three, 3), 3);
	ck_assert_str_eq(three[0].name, "lxc");
	ck_assert_str_eq(three[1].name, "openat2");
	ck_assert_str_eq(three[2].name, "namespaces");
	ck_assert_uint_eq(hostcheck_run(&h.paths, &sentinel, 0), 0);
	ck_assert_str_eq(sentinel.name, "untouched");
	free(three);
	host_done(&h);
}
END_TEST

/*
 * A broken install fails, saying what to do: no drop-in (no container
 * runs lxcri-hook), a drop-in that runs another hook, programs that are not
 * executable or not there.
 */
START_TEST(test_broken_install_fails)
{
	HOST(h);
	char path[PATH_MAX];

	ck_assert_int_eq(unlink(h.dropin), 0);
	snprintf(path, sizeof(path), "%s/lxcri-net", h.paths.libexec_dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/lxcri-portfwd", h.paths.libexec_dir);
	ck_assert_int_eq(unlink(path), 0);
	run(&h);
	ASSERT_CHECK(h, "drop-in", CHECK_FAIL, "'%s' is missing", h.dropin);
	assert_hint_has(&h, "drop-in", "without it no container runs lxcri-hook");
	ASSERT_CHECK(h, "lxcri-hook", CHECK_OK, "'%s/lxcri-hook' is installed",
		     h.paths.libexec_dir);
	ASSERT_CHECK(h, "lxcri-net", CHECK_FAIL, "'%s/lxcri-net' is not executable: %s",
		     h.paths.libexec_dir, strerror(EACCES));
	ASSERT_CHECK(h, "lxcri-portfwd", CHECK_FAIL, "'%s/lxcri-portfwd' is not executable: %s",
		     h.paths.libexec_dir, strerror(ENOENT));
	assert_hint_has(&h, "lxcri-portfwd", "reinstall pve-lxcri");

	/* A drop-in of another install (another libexec dir). */
	test_write_file(h.dropin, "lxc.hook.start-host = /opt/lxcri/libexec/lxcri-hook\n");
	run(&h);
	ASSERT_CHECK(h, "drop-in", CHECK_FAIL, "'%s' does not run '%s/lxcri-hook'", h.dropin,
		     h.paths.libexec_dir);
	host_done(&h);
}
END_TEST

/* AppArmor and SELinux as <sys_dir> shows them. */
START_TEST(test_lsm_state_from_sys_dir)
{
	HOST(h);

	run(&h);
	ASSERT_CHECK(h, "apparmor", CHECK_WARN, "AppArmor is not enabled in the kernel");
	assert_hint_has(&h, "apparmor", "refused, never started unconfined");
	ASSERT_CHECK(h, "selinux", CHECK_WARN, "SELinux is not enabled");
	assert_hint_has(&h, "selinux", "refused");

	make_dir(&h, "sys/module");
	make_dir(&h, "sys/module/apparmor");
	make_dir(&h, "sys/module/apparmor/parameters");
	put(&h, "sys/module/apparmor/parameters/enabled", "N\n");
	make_dir(&h, "sys/fs");
	make_dir(&h, "sys/fs/selinux");
	put(&h, "sys/fs/selinux/enforce", "0");
	run(&h);
	ASSERT_CHECK(h, "apparmor", CHECK_WARN, "AppArmor is not enabled in the kernel");
	ASSERT_CHECK(h, "selinux", CHECK_OK, "SELinux is permissive");

	put(&h, "sys/module/apparmor/parameters/enabled", "Y\n");
	put(&h, "sys/fs/selinux/enforce", "1");
	run(&h);
	ASSERT_CHECK(h, "apparmor", CHECK_OK, "AppArmor is enabled");
	ASSERT_CHECK(h, "selinux", CHECK_OK, "SELinux is enforcing");
	host_done(&h);
}
END_TEST

/*
 * The run dir must take the containers' state: it, or while it does not
 * exist its parent, writable; a read-only file system or a missing parent
 * fails.
 */
START_TEST(test_run_dir_must_be_writable)
{
	HOST(h);

	ck_assert_int_eq(rmdir(h.paths.run_dir), 0);
	run(&h);
	ASSERT_CHECK(h, "run-dir", CHECK_OK, "'%s' is writable", h.dir);

	snprintf(h.paths.run_dir, sizeof(h.paths.run_dir), "%s/missing/run", h.dir);
	run(&h);
	ASSERT_CHECK(h, "run-dir", CHECK_FAIL, "'%s/missing': %s", h.dir, strerror(ENOENT));
	assert_hint_has(&h, "run-dir", "managed containers cannot record their state");

	snprintf(h.paths.run_dir, sizeof(h.paths.run_dir), "%s/run", h.dir);
	make_dir(&h, "run");
	if (!test_mount_read_only(h.paths.run_dir)) {
		test_skip(__func__, "no read-only bind mount");
		host_done(&h);
		return;
	}
	run(&h);
	ASSERT_CHECK(h, "run-dir", CHECK_FAIL, "'%s' is on a read-only file system",
		     h.paths.run_dir);
	ck_assert_int_eq(umount2(h.paths.run_dir, MNT_DETACH), 0);
	host_done(&h);
}
END_TEST

/*
 * Settings that do not parse, and container configs that a start would
 * refuse: each fails, naming the file and line (the first bad config by id).
 */
START_TEST(test_bad_settings_and_configs_fail)
{
	HOST(h);
	char path[PATH_MAX];

	put(&h, "etc/containers/web.conf", "annotation0: a=b\n");
	make_dir(&h, "lxc/web");
	put(&h, "lxc/web/config", "lxc.uts.name = web\n");
	run(&h);
	ASSERT_CHECK(h, "configs", CHECK_OK, "1 container config(s), all valid");

	put(&h, "etc/lxcri.conf", "helper-timeout: 0\n");
	put(&h, "etc/containers/db.conf", "annotation0: a=b\nport0: proto=tcp,host=0,ct=80\n");
	put(&h, "etc/containers/cache.conf", "nonsense\n");
	make_dir(&h, "lxc/db");
	put(&h, "lxc/db/config", "lxc.uts.name = db\n");
	make_dir(&h, "lxc/cache");
	put(&h, "lxc/cache/config", "lxc.uts.name = cache\n");
	run(&h);
	path_of(&h, "etc/lxcri.conf", path, sizeof(path));
	ASSERT_CHECK_PREFIX(h, "settings", CHECK_FAIL, "%s:1:", path);
	ck_assert_ptr_nonnull(strstr(result(&h, "settings")->detail, "helper-timeout"));
	assert_hint_has(&h, "settings", "managed containers refuse to start until then");
	path_of(&h, "etc/containers/cache.conf", path, sizeof(path));
	ASSERT_CHECK_PREFIX(h, "configs", CHECK_FAIL,
			    "2 of 3 container config(s) would be refused; first: %s:1:", path);
	assert_hint_has(&h, "configs", "lxcri config validate");
	host_done(&h);
}
END_TEST

/* This process's network namespace in /sys (for /sys/class/net), in a mount namespace of its own.
 */
static bool sysfs_of_this_netns(void)
{
	return test_private_mounts() && mount("sysfs", "/sys", "sysfs", 0, NULL) == 0;
}

static void add_bridge(const char *name)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *l = rtnl_link_bridge_alloc();

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(netlink_open(&sk), 0);
	rtnl_link_set_name(l, name);
	ck_assert_int_eq(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(l);
	nl_socket_free(sk);
}

/*
 * The bridges and CNI networks the valid configs name must exist, or
 * their starts are refused: a warning naming the first missing one. An
 * invalid config's nets do not count (the configs check says it).
 */
START_TEST(test_networks_the_configs_need)
{
	HOST(h);
	char text[PATH_MAX + 64];

	if (!sysfs_of_this_netns()) {
		test_skip(__func__, "cannot mount a sysfs of this network namespace");
		host_done(&h);
		return;
	}
	add_bridge("br0");
	make_dir(&h, "cni");
	snprintf(text, sizeof(text), "cni-config-dir: %s/cni\n", h.dir);
	put(&h, "etc/lxcri.conf", text);
	put(&h, "etc/containers/web.conf",
	    "net0: name=eth0,bridge=br0\nnet1: name=eth1,bridge=br9\nnet2: name=eth2,cni=mynet\n");
	put(&h, "etc/containers/bad.conf", "net0: name=eth0,bridge=nobr0\nnonsense\n");
	run(&h);
	ASSERT_CHECK(h, "networks", CHECK_WARN,
		     "2 of 3 net(s) cannot be set up; first: CT web net1: bridge 'br9' does not "
		     "exist");
	assert_hint_has(&h, "networks", "create the bridge or CNI network");

	add_bridge("br9");
	run(&h);
	ASSERT_CHECK_PREFIX(h, "networks", CHECK_WARN,
			    "1 of 3 net(s) cannot be set up; first: CT web net2: No CNI network "
			    "'mynet' in '%s/cni'",
			    h.dir);

	put(&h, "cni/10-mynet.conflist",
	    "{\"cniVersion\": \"1.0.0\", \"name\": \"mynet\", \"plugins\": [{\"type\": "
	    "\"bridge\"}]}\n");
	run(&h);
	ASSERT_CHECK(h, "networks", CHECK_OK, "3 net(s), every bridge and CNI network found");
	host_done(&h);
}
END_TEST

/* A state of id in phase with n_items items, as a run leaves it. */
static void save_state(const struct host *h, const char *id, const char *phase, size_t n_items)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", h->paths.run_dir, id);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(state_new(id, &s), 0);
	ck_assert_int_eq(state_set_phase(s, phase, "start-host"), 0);
	for (size_t i = 0; i < n_items; i++)
		ck_assert_int_eq(state_item_add(s, "net.veth", "start-host", NULL, NULL), 0);
	ck_assert_msg(state_save(dir, s, &err) == 0, "%s", err.message);
}

static int wait_here(const void *arg)
{
	(void)arg;
	return 0;
}

/*
 * What runs left under the run dir: a state of a container that does not
 * run fails when it lists what is left to undo (a warning when it lists
 * nothing), states set aside warn; the state of a running container, and
 * that of a refused start, are no leftovers.
 */
START_TEST(test_stale_state)
{
	HOST(h);
	char answer[64];
	pid_t init;

	if (!test_lxc_info_stub(h.dir)) {
		test_skip(__func__, "no lxc-info to stand in for");
		host_done(&h);
		return;
	}
	save_state(&h, "refused", "refused", 0);
	init = test_child(wait_here, NULL);
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)init);
	test_lxc_says(&h.paths, "web", answer);
	save_state(&h, "web", "running", 2);
	run(&h);
	ASSERT_CHECK(h, "stale-state", CHECK_OK, "no state left by containers that do not run");

	make_dir(&h, "run/.stale");
	put(&h, "run/.stale/db-1763890000123.json", "{}");
	run(&h);
	ASSERT_CHECK(h, "stale-state", CHECK_WARN, "1 state(s) set aside in '%s/.stale'",
		     h.paths.run_dir);
	assert_hint_has(&h, "stale-state", "undo what is left by hand");

	save_state(&h, "db", "stopped", 0);
	run(&h);
	ASSERT_CHECK_PREFIX(h, "stale-state", CHECK_WARN, "CT db: ");
	assert_hint_has(&h, "stale-state", "lxcri status <id>");

	/* web stopped without its teardown: its two items are left. */
	kill(init, SIGKILL);
	waitpid(init, NULL, 0);
	test_lxc_says(&h.paths, "web", "STOPPED\n");
	run(&h);
	ASSERT_CHECK_PREFIX(h, "stale-state", CHECK_FAIL, "CT db: ");
	ck_assert_msg(strstr(result(&h, "stale-state")->detail, "; and 1 more"), "%s",
		      result(&h, "stale-state")->detail);
	host_done(&h);
}
END_TEST

/* lxcri configs of containers LXC no longer has: a warning naming the first, and what to run. */
START_TEST(test_orphaned_files)
{
	HOST(h);
	char path[PATH_MAX];

	put(&h, "etc/containers/gone.conf", "annotation0: a=b\n");
	run(&h);
	path_of(&h, "etc/containers/gone.conf", path, sizeof(path));
	ASSERT_CHECK_PREFIX(h, "orphans", CHECK_WARN,
			    "1 lxcri file(s) outlived their container or are used by none: %s (no "
			    "container 'gone' in ",
			    path);
	assert_hint_has(&h, "orphans", "'lxcri gc --apply' removes them");

	put(&h, "etc/containers/also.conf", "annotation0: a=b\n");
	run(&h);
	ASSERT_CHECK_PREFIX(h, "orphans", CHECK_WARN,
			    "2 lxcri file(s) outlived their container or are used by none: ");
	ck_assert_msg(strstr(result(&h, "orphans")->detail, ", ..."), "%s",
		      result(&h, "orphans")->detail);

	make_dir(&h, "lxc/gone");
	put(&h, "lxc/gone/config", "lxc.uts.name = gone\n");
	make_dir(&h, "lxc/also");
	put(&h, "lxc/also/config", "lxc.uts.name = also\n");
	run(&h);
	ASSERT_CHECK(h, "orphans", CHECK_OK, "no lxcri file outlived its container");
	host_done(&h);
}
END_TEST

/*
 * A forward in lxcri's table that no container's state records (another
 * tool's, or one a lost state left): drift, with `lxcri port sync` to run.
 */
START_TEST(test_port_forward_drift)
{
	HOST(h);
	struct portfwd f = {
		.proto = IPPROTO_TCP,
		.host_first = 8080,
		.host_last = 8080,
		.ct_first = 80,
		.target = test_address("10.0.0.2"),
		.subnet = test_prefix("10.0.0.0/24"),
	};
	struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = {};

	f.family = f.target.family;
	ck_assert_msg(portfwd_open(NULL, &ctx, &err) == 0, "%s", err.message);
	ck_assert_msg(portfwd_add(ctx, "ghost", &f, 1, &err) == 0, "%s", err.message);
	portfwd_close(ctx);
	run(&h);
	ASSERT_CHECK_PREFIX(h, "ports", CHECK_FAIL,
			    "port forwards drifted: table inet lxcri complete; 0 recorded "
			    "forward(s) missing, 0 element(s) of containers that do not run, 1 "
			    "element(s) without an owner");
	assert_hint_has(&h, "ports", "lxcri port sync");
	host_done(&h);
}
END_TEST

/*
 * route_localnet=1 on an interface without lxcri's guard lets neighbours
 * reach the host's 127.0.0.1 services: a warning naming it when lxcri did
 * not set it.
 */
START_TEST(test_route_localnet_without_guard)
{
	HOST(h);
	struct netlink_veth_spec spec = { .host_ifname = "uplink0",
					  .peer_ifname = "uplink0p",
					  .peer_netns_fd = -1 };
	struct lxcri_error err = {};
	struct nl_sock *sk = NULL;

	ck_assert_int_eq(netlink_open(&sk), 0);
	ck_assert_msg(netlink_veth_create(sk, &spec, &err) == 0, "%s", err.message);
	nl_socket_free(sk);
	test_write_file("/proc/sys/net/ipv4/conf/uplink0/route_localnet", "1\n");
	run(&h);
	ASSERT_CHECK(h, "route-localnet", CHECK_WARN,
		     "route_localnet=1 without its guard on 'uplink0' (not set by lxcri): "
		     "neighbours there reach the host's 127.0.0.1 services");
	assert_hint_has(&h, "route-localnet", "net.ipv4.conf.<interface>.route_localnet=0");
	host_done(&h);
}
END_TEST

/*
 * A PVE node: its quorum, and lxcri's guard in each managed container's PVE
 * config: missing (a warning: a node without pve-lxcri would start the
 * container bare), or left where the lxcri config is gone (its start is
 * refused).
 */
START_TEST(test_pve_node_quorum_and_guards)
{
	struct host h;
	char guard[PATH_MAX + 64], text[PATH_MAX + 128], path[PATH_MAX];

	if (!host_init(
		&h, __func__,
		"{\"version\": 3, \"ids\": {\"105\": {\"node\": \"pve1\", \"type\": \"lxc\", "
		"\"version\": 1}, \"106\": {\"node\": \"pve1\", \"type\": \"lxc\", "
		"\"version\": 2}}}\n"))
		return;
	run(&h);
	ASSERT_CHECK(h, "pve", CHECK_OK, "Proxmox VE node ('%s/lxc' exists)", h.paths.pve_dir);
	ASSERT_CHECK(h, "pve-quorum", CHECK_OK, "quorate: '%s' is writable", h.paths.pve_dir);
	ASSERT_CHECK(h, "pve-guard", CHECK_OK,
		     "0 managed container(s) on this node, each with lxcri's guard");

	put(&h, "pve/lxcri/105.conf", "annotation0: a=b\n");
	put(&h, "pve/nodes/pve1/lxc/105.conf", "arch: amd64\nhostname: ct105\n");
	ck_assert_int_eq(pveguard_value(&h.paths, "106", guard, sizeof(guard)), 0);
	snprintf(text, sizeof(text), "arch: amd64\nlxc.hook.pre-start: %s\n", guard);
	put(&h, "pve/nodes/pve1/lxc/106.conf", text);
	run(&h);
	for (size_t i = 0; i < h.n; i++) {
		if (strcmp(h.r[i].name, "pve-guard") != 0)
			continue;
		if (h.r[i].status == CHECK_WARN) {
			snprintf(
			    path, sizeof(path),
			    "CT 105 is managed by lxcri, but '%s/pve/lxc/105.conf' has no guard",
			    h.dir);
			ck_assert_msg(strncmp(h.r[i].detail, path, strlen(path)) == 0, "%s",
				      h.r[i].detail);
			ck_assert_str_eq(h.r[i].hint, "run 'lxcri guard add 105'");
		} else {
			ck_assert_int_eq(h.r[i].status, CHECK_FAIL);
			snprintf(path, sizeof(path),
				 "CT 106: its guard names '%s/pve/lxcri/106.conf', "
				 "which does not exist",
				 h.dir);
			ck_assert_msg(strncmp(h.r[i].detail, path, strlen(path)) == 0, "%s",
				      h.r[i].detail);
		}
	}
	{
		size_t guards = 0;
		for (size_t i = 0; i < h.n; i++)
			guards += strcmp(h.r[i].name, "pve-guard") == 0;
		ck_assert_uint_eq(guards, 2);
	}

	put(&h, "pve/.members",
	    "{\"nodename\": \"pve1\", \"version\": 3, \"cluster\": {\"name\": \"c\", \"version\": "
	    "2, \"nodes\": 2, \"quorate\": 0}}\n");
	run(&h);
	ASSERT_CHECK(h, "pve-quorum", CHECK_FAIL, PVE_NO_QUORUM " ('%s/local' is not writable)",
		     h.paths.pve_dir);
	assert_hint_has(&h, "pve-quorum", "pvecm status");
	host_done(&h);
}
END_TEST

/*
 * The drop-in must run lxcri-hook: one that only names it in a comment (an
 * admin switched lxcri off), or names another program whose name starts
 * like it, runs nothing of ours.
 */
START_TEST(test_dropin_that_runs_no_hook_fails)
{
	HOST(h);
	char text[2 * PATH_MAX + 128];

	snprintf(text, sizeof(text),
		 "# lxc.hook.start-host = %s/lxcri-hook\n"
		 "lxc.hook.stop = %s/lxcri-hook.dpkg-old\n",
		 h.paths.libexec_dir, h.paths.libexec_dir);
	test_write_file(h.dropin, text);
	run(&h);
	ASSERT_CHECK(h, "drop-in", CHECK_FAIL, "'%s' does not run '%s/lxcri-hook'", h.dropin,
		     h.paths.libexec_dir);

	/* Its options after it, as a drop-in of the tests passes them. */
	snprintf(text, sizeof(text),
		 "# lxc.hook.start-host = /old/lxcri-hook\nlxc.hook.start-host =  %s/lxcri-hook "
		 "--run-dir=/x  \n",
		 h.paths.libexec_dir);
	test_write_file(h.dropin, text);
	run(&h);
	ASSERT_CHECK(h, "drop-in", CHECK_OK, "'%s' runs '%s/lxcri-hook'", h.dropin,
		     h.paths.libexec_dir);
	host_done(&h);
}
END_TEST

/* Binds file over target (in this test's mount namespace). */
static void bind_over(const char *file, const char *target)
{
	ck_assert_msg(mount(file, target, NULL, MS_BIND, NULL) == 0, "bind over %s: %s", target,
		      strerror(errno));
}

static void tmpfs_over(const char *dir)
{
	ck_assert_msg(mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0,
		      "tmpfs over %s: %s", dir, strerror(errno));
}

#define PRIVATE_MOUNTS(h)                                                                          \
	if (!test_private_mounts()) {                                                              \
		test_skip(__func__, "no mount namespace of our own");                              \
		host_done(&h);                                                                     \
		return;                                                                            \
	}

/*
 * LXC is there when lxc-start runs and says its version (its first line
 * shown); a lxc-start that fails, or none, fails the check with what to
 * install.
 */
START_TEST(test_lxc_found_or_not)
{
	static const char *const candidates[] = { "/usr/bin/lxc-start", "/usr/sbin/lxc-start" };
	HOST(h);
	PRIVATE_MOUNTS(h);
	char works[PATH_MAX], fails[PATH_MAX];
	size_t bound = 0;

	path_of(&h, "lxc-start-works", works, sizeof(works));
	test_write_file(works, "#!/bin/sh\n[ \"$1\" = --version ] || exit 2\n"
			       "echo 6.0.9-test\necho a second line\n");
	ck_assert_int_eq(chmod(works, 0755), 0);
	path_of(&h, "lxc-start-fails", fails, sizeof(fails));
	test_write_file(fails, "#!/bin/sh\necho 'lxc-start: broken' >&2\nexit 1\n");
	ck_assert_int_eq(chmod(fails, 0755), 0);
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
		if (access(candidates[i], F_OK) == 0) {
			bind_over(works, candidates[i]);
			bound++;
		}
	run(&h);
	if (bound > 0)
		ASSERT_CHECK(h, "lxc", CHECK_OK, "LXC 6.0.9-test");
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
		if (access(candidates[i], F_OK) == 0) {
			ck_assert_int_eq(umount2(candidates[i], MNT_DETACH), 0);
			bind_over(fails, candidates[i]);
		}
	run(&h);
	ASSERT_CHECK(h, "lxc", CHECK_FAIL, "lxc-start was not found or did not run");
	assert_hint_has(&h, "lxc", "install lxc (plain Debian) or lxc-pve (Proxmox VE)");
	host_done(&h);
}
END_TEST

/* The first line of path, "" if it cannot be read. */
static void first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f && fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/*
 * Namespaces as /proc/self/ns shows them, seccomp's actions as
 * /proc/sys/kernel/seccomp/actions_avail lists them: each missing is said
 * (namespaces fail, seccomp warns).
 */
START_TEST(test_namespaces_and_seccomp_from_proc)
{
	HOST(h);
	PRIVATE_MOUNTS(h);
	char actions[256], ns[64];

	first_line("/proc/sys/kernel/seccomp/actions_avail", actions, sizeof(actions));
	run(&h);
	ASSERT_CHECK(h, "namespaces", CHECK_OK, "network, mount and pid namespaces available");
	if (actions[0])
		ASSERT_CHECK(h, "seccomp", CHECK_OK, "seccomp filters available (actions: %s)",
			     actions);
	else
		ASSERT_CHECK(h, "seccomp", CHECK_WARN, "seccomp filters are not available");

	snprintf(ns, sizeof(ns), "/proc/%d/ns", (int)getpid());
	tmpfs_over(ns);
	if (actions[0])
		bind_over("/dev/null", "/proc/sys/kernel/seccomp/actions_avail");
	run(&h);
	ASSERT_CHECK(h, "namespaces", CHECK_FAIL, "namespaces are missing from /proc/self/ns");
	assert_hint_has(&h, "namespaces", "use a kernel with namespaces enabled");
	ASSERT_CHECK(h, "seccomp", CHECK_WARN, "seccomp filters are not available");
	assert_hint_has(&h, "seccomp", "CONFIG_SECCOMP_FILTER");
	ck_assert_int_eq(umount2(ns, MNT_DETACH), 0);
	host_done(&h);
}
END_TEST

/* The cgroup layout as /sys/fs/cgroup shows it: unified, hybrid, or v1 only (a warning). */
START_TEST(test_cgroup_layouts)
{
	HOST(h);
	PRIVATE_MOUNTS(h);

	tmpfs_over("/sys/fs/cgroup");
	run(&h);
	ASSERT_CHECK(h, "cgroups", CHECK_WARN, "cgroup v1 only");
	ck_assert_int_eq(mkdir("/sys/fs/cgroup/unified", 0755), 0);
	run(&h);
	ASSERT_CHECK(h, "cgroups", CHECK_OK, "cgroup v1 with a v2 hierarchy (hybrid)");
	test_write_file("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
	run(&h);
	ASSERT_CHECK(h, "cgroups", CHECK_OK, "cgroup v2 (unified)");
	host_done(&h);
}
END_TEST

/* Without /etc/pam.d/lxcri-hook, OCI hooks would run under PAM's "other" policy: a warning. */
START_TEST(test_pam_service_file)
{
	HOST(h);
	PRIVATE_MOUNTS(h);

	tmpfs_over("/etc/pam.d");
	run(&h);
	ASSERT_CHECK(h, "pam-service", CHECK_WARN,
		     "'/etc/pam.d/lxcri-hook' is missing: OCI hooks would run under PAM's 'other' "
		     "policy");
	assert_hint_has(&h, "pam-service", "reinstall pve-lxcri");
	test_write_file("/etc/pam.d/lxcri-hook", "session required pam_permit.so\n");
	run(&h);
	ASSERT_CHECK(h, "pam-service", CHECK_OK, "'/etc/pam.d/lxcri-hook' is there for OCI hooks");
	host_done(&h);
}
END_TEST

/* Loads a filter that answers syscall nr with errno, and lets every other call through. */
static void deny_syscall(int nr, int error)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)error), nr, 0), 0);
	ck_assert_int_eq(seccomp_load(ctx), 0);
	seccomp_release(ctx);
}

/* openat2 where the kernel has it: ok, or a warning that paths are resolved in userspace. */
START_TEST(test_openat2_as_the_kernel_has_it)
{
	HOST(h);
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	run(&h);
	if (fd >= 0) {
		close(fd);
		ASSERT_CHECK(h, "openat2", CHECK_OK,
			     "openat2(RESOLVE_IN_ROOT) resolves container paths in the kernel");
	} else {
		ASSERT_CHECK(h, "openat2", CHECK_WARN,
			     "openat2 is missing: container paths are resolved by the userspace "
			     "fallback");
	}
	host_done(&h);
}
END_TEST

/* A kernel without openat2 (a seccomp filter answering ENOSYS, as an old kernel does). */
START_TEST(test_openat2_missing)
{
	HOST(h);

	deny_syscall(SCMP_SYS(openat2), ENOSYS);
	run(&h);
	ASSERT_CHECK(h, "openat2", CHECK_WARN,
		     "openat2 is missing: container paths are resolved by the userspace fallback");
	assert_hint_has(&h, "openat2", "5.6 or later");
	host_done(&h);
}
END_TEST

/*
 * nf_tables where nft reaches it is ok, whether a module (/sys/module has
 * it) or built into the kernel (it has no /sys/module entry: hidden here by
 * an empty /sys/module); where nft cannot talk to it, a warning with what
 * to do.
 */
START_TEST(test_nftables_where_nft_reaches_it)
{
	HOST(h);
	PRIVATE_MOUNTS(h);
	bool works = test_run_output(
			 (const char *const[]){ "/usr/sbin/nft", "list", "tables", NULL }) != NULL;

	tmpfs_over("/sys/module");
	run(&h);
	if (works)
		ck_assert_msg(result(&h, "nftables")->status == CHECK_OK, "%s",
			      result(&h, "nftables")->detail);
	/*
	 * nft's requests fail as a kernel without nf_tables fails them
	 * (libmnl sends with sendto(2); libnl, which the other checks use,
	 * with sendmsg(2)).
	 */
	deny_syscall(SCMP_SYS(sendto), EOPNOTSUPP);
	run(&h);
	ASSERT_CHECK(h, "nftables", CHECK_WARN, "nf_tables is not loaded");
	assert_hint_has(&h, "nftables", "modprobe nf_tables");
	host_done(&h);
}
END_TEST

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no '%s' in %s", key,
		      json_object_to_json_string(o));
	return v;
}

/*
 * `lxcri check --json`: every result with its status as a word, its detail,
 * its hint (null when there is none), and how many of each status.
 */
START_TEST(test_json_report)
{
	const struct check_result r[] = {
		{ .name = "lxc", .status = CHECK_OK, .detail = "LXC 6.0.4" },
		{ .name = "apparmor",
		  .status = CHECK_WARN,
		  .detail = "AppArmor is not enabled in the kernel",
		  .hint = "containers that ask for one are refused" },
		{ .name = "drop-in",
		  .status = CHECK_FAIL,
		  .detail = "'/x/50-lxcri.conf' is \"missing\"",
		  .hint = "reinstall pve-lxcri" },
		{ .name = "selinux", .status = CHECK_WARN, .detail = "SELinux is not enabled" },
	};
	struct json_object *o = hostcheck_to_json(r, ELEMENTSOF(r)), *checks, *c, *summary;
	const char *const words[] = { "ok", "warn", "fail", "warn" };

	ck_assert_str_eq(hostcheck_status_to_string(CHECK_OK), "ok");
	ck_assert_str_eq(hostcheck_status_to_string(CHECK_WARN), "warn");
	ck_assert_str_eq(hostcheck_status_to_string(CHECK_FAIL), "fail");
	checks = get(o, "checks");
	ck_assert_uint_eq(json_object_array_length(checks), ELEMENTSOF(r));
	for (size_t i = 0; i < ELEMENTSOF(r); i++) {
		c = json_object_array_get_idx(checks, i);
		ck_assert_str_eq(json_object_get_string(get(c, "name")), r[i].name);
		ck_assert_str_eq(json_object_get_string(get(c, "status")), words[i]);
		ck_assert_str_eq(json_object_get_string(get(c, "detail")), r[i].detail);
		if (r[i].hint[0])
			ck_assert_str_eq(json_object_get_string(get(c, "hint")), r[i].hint);
		else
			ck_assert_ptr_null(get(c, "hint"));
	}
	summary = get(o, "summary");
	ck_assert_int_eq(json_object_get_int(get(summary, "ok")), 1);
	ck_assert_int_eq(json_object_get_int(get(summary, "warn")), 2);
	ck_assert_int_eq(json_object_get_int(get(summary, "fail")), 1);
	json_object_put(o);

	o = hostcheck_to_json(r, 0);
	ck_assert_uint_eq(json_object_array_length(get(o, "checks")), 0);
	summary = get(o, "summary");
	ck_assert_int_eq(json_object_get_int(get(summary, "ok")) +
			     json_object_get_int(get(summary, "warn")) +
			     json_object_get_int(get(summary, "fail")),
			 0);
	json_object_put(o);
}
END_TEST

/* The JSON of a real run counts what the run found. */
START_TEST(test_json_of_a_run)
{
	HOST(h);
	struct json_object *o, *summary;
	int counts[3] = {};

	ck_assert_int_eq(unlink(h.dropin), 0);
	run(&h);
	for (size_t i = 0; i < h.n; i++)
		counts[h.r[i].status]++;
	ck_assert_int_ge(counts[CHECK_FAIL], 1);
	o = hostcheck_to_json(h.r, h.n);
	ck_assert_uint_eq(json_object_array_length(get(o, "checks")), h.n);
	summary = get(o, "summary");
	ck_assert_int_eq(json_object_get_int(get(summary, "ok")), counts[CHECK_OK]);
	ck_assert_int_eq(json_object_get_int(get(summary, "warn")), counts[CHECK_WARN]);
	ck_assert_int_eq(json_object_get_int(get(summary, "fail")), counts[CHECK_FAIL]);
	json_object_put(o);
	host_done(&h);
}
END_TEST

static Suite *hostcheck_suite(void)
{
	Suite *s = suite_create("hostcheck");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_check_once_in_order);
	tcase_add_test(tc, test_results_bounded_by_max);
	tcase_add_test(tc, test_broken_install_fails);
	tcase_add_test(tc, test_lsm_state_from_sys_dir);
	tcase_add_test(tc, test_run_dir_must_be_writable);
	tcase_add_test(tc, test_bad_settings_and_configs_fail);
	tcase_add_test(tc, test_networks_the_configs_need);
	tcase_add_test(tc, test_stale_state);
	tcase_add_test(tc, test_orphaned_files);
	tcase_add_test(tc, test_port_forward_drift);
	tcase_add_test(tc, test_route_localnet_without_guard);
	tcase_add_test(tc, test_pve_node_quorum_and_guards);
	tcase_add_test(tc, test_dropin_that_runs_no_hook_fails);
	tcase_add_test(tc, test_lxc_found_or_not);
	tcase_add_test(tc, test_namespaces_and_seccomp_from_proc);
	tcase_add_test(tc, test_cgroup_layouts);
	tcase_add_test(tc, test_pam_service_file);
	tcase_add_test(tc, test_openat2_as_the_kernel_has_it);
	tcase_add_test(tc, test_openat2_missing);
	tcase_add_test(tc, test_nftables_where_nft_reaches_it);
	tcase_add_test(tc, test_json_report);
	tcase_add_test(tc, test_json_of_a_run);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(hostcheck_suite)
