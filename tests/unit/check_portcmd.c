/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/socket.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "nettest.h"
#include "testutil.h"

#include "cli/portcmd.h"
#include "lib/basic/fileio.h"
#include "lib/basic/ip.h"
#include "lib/basic/log.h"
#include "lib/basic/report.h"
#include "lib/netlink/netlink.h"
#include "lib/port/localnet.h"
#include "lib/port/portfwd.h"
#include "lib/shared/json.h"
#include "lib/shared/state.h"

/*
 * `lxcri port ...` on a host laid out in a temp dir. Every test runs in its
 * own forked process (CK_FORK), in a fresh network namespace (the "host":
 * the nftables table TABLE, route_localnet and the guard are its own) and a
 * mount namespace of its own, where lxc-info is a script that answers from
 * <lxc_path>/<id>/info (what LXC would say: "RUNNING\n<pid>\n", or that the
 * container does not exist). Container 101 is a child process in a network
 * namespace of its own, behind veth101 / eth0 on bridge br0 (10.0.0.1/24),
 * with 10.0.0.2/24 and its default route. Nothing of the host's own is
 * touched: its ruleset, its interfaces, its containers, its lxc-info.
 */
#define TABLE "lxtest"

struct env {
	char *dir;
	struct lxcri_paths paths;
	char config[PATH_MAX];	  /* etc/containers/101.conf */
	char state_dir[PATH_MAX]; /* run/101 */
	char snapshot[PATH_MAX];  /* run/101/config */
	struct nl_sock *host, *ct;
	pid_t ct_pid;
	int ct_netns;
};

static void write_at(const struct env *e, const char *rel, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", e->dir, rel);
	test_write_file(path, text);
}

/* Container id as LXC would report it: running with pid, or stopped (pid 0). */
static void lxc_says(const struct env *e, const char *id, pid_t pid)
{
	char answer[64];

	if (pid > 0)
		snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)pid);
	else
		snprintf(answer, sizeof(answer), "STOPPED\n");
	test_lxc_says(&e->paths, id, answer);
}

static void setup_container(struct env *e)
{
	struct netlink_veth_spec spec = { .host_ifname = "veth101",
					  .peer_ifname = "eth0",
					  .bridge = "br0" };
	struct netlink_route def = { .is_default = true,
				     .dst.addr.family = AF_INET,
				     .has_via = true,
				     .via = test_address("10.0.0.1"),
				     .dev = "eth0" };
	struct lxcri_error err = {};
	struct rtnl_link *br = rtnl_link_bridge_alloc();
	char path[64];

	ck_assert_ptr_nonnull(br);
	rtnl_link_set_name(br, "br0");
	ck_assert_int_eq(rtnl_link_add(e->host, br, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(br);
	test_link_up(e->host, "br0");
	test_add_address(e->host, "br0", "10.0.0.1/24");

	e->ct_pid = test_child(test_enter_own_netns, NULL);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)e->ct_pid);
	e->ct_netns = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(e->ct_netns, 0);
	ck_assert_msg(netlink_open_in_netns_fd(e->ct_netns, &e->ct, &err) == 0, "%s", err.message);
	spec.peer_netns_fd = e->ct_netns;
	ck_assert_msg(netlink_veth_create(e->host, &spec, &err) == 0, "%s", err.message);
	test_link_up(e->host, "veth101");
	test_link_up(e->ct, "lo");
	test_link_up(e->ct, "eth0");
	test_add_address(e->ct, "eth0", "10.0.0.2/24");
	ck_assert_msg(netlink_route_add(e->ct, &def, &err) == 0, "%s", err.message);
}

static bool env_setup(struct env *e, const char *test)
{
	char path[PATH_MAX];

	if (geteuid() != 0) {
		test_skip(test, "needs root for network and mount namespaces");
		return false;
	}
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	log_set_stderr(false);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->dir = test_tmpdir();
	ck_assert_int_eq(paths_init(&e->paths), 0);
	test_paths_under(&e->paths, e->dir);
	for (const char *const *d = (const char *const[]){ "etc", "etc/containers", "run", "lxc",
							   "lxc/101", "run/101", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", e->dir, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	write_at(e, "etc/lxcri.conf", "port-table: " TABLE "\n");
	snprintf(e->config, sizeof(e->config), "%s/etc/containers/101.conf", e->dir);
	snprintf(e->state_dir, sizeof(e->state_dir), "%s/run/101", e->dir);
	snprintf(e->snapshot, sizeof(e->snapshot), "%s/run/101/config", e->dir);

	/* lxc-info, in this test's mount namespace only. */
	ck_assert(test_lxc_info_stub(e->dir));

	ck_assert_int_eq(netlink_open(&e->host), 0);
	test_link_up(e->host, "lo");
	setup_container(e);
	return true;
}

static void env_done(struct env *e)
{
	kill(e->ct_pid, SIGKILL);
	waitpid(e->ct_pid, NULL, 0);
	close(e->ct_netns);
	nl_socket_free(e->ct);
	nl_socket_free(e->host);
	test_rm_rf(e->dir);
	free(e->dir);
}

#define ENV_SETUP(e)                                                                               \
	struct env e = {};                                                                         \
	if (!env_setup(&e, __func__))                                                              \
	return

/* The state of a run of id (phase), saved in run/<id> (made if needed). */
static void save_state(const struct env *e, const char *id, const char *phase)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/run/%s", e->dir, id);
	ck_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
	ck_assert_int_eq(state_new(id, &s), 0);
	ck_assert_int_eq(state_set_phase(s, phase, "start-host"), 0);
	ck_assert_msg(state_save(dir, s, &err) == 0, "%s", err.message);
}

/* Container 101 running: LXC says so, its state is in phase running, it started with text. */
static void running(struct env *e, const char *text)
{
	lxc_says(e, "101", e->ct_pid);
	save_state(e, "101", "running");
	test_write_file(e->snapshot, text);
	if (text[0])
		test_write_file(e->config, text);
}

static char *text_of(const char *path)
{
	char *text = NULL;

	if (fileio_read_file(path, 0, &text, NULL) < 0)
		return NULL;
	return text;
}

static void assert_file(const char *path, const char *want)
{
	char *text = text_of(path);

	ck_assert_msg(text, "%s is missing", path);
	ck_assert_str_eq(text, want);
	free(text);
}

static struct state *state_of(const struct env *e, const char *id)
{
	struct state *s = NULL;
	struct lxcri_error err = {};
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/run/%s", e->dir, id);
	ck_assert_msg(state_load(dir, &s, &err) == 0, "%s", err.message);
	return s;
}

static size_t items_of(const struct env *e, const char *id)
{
	struct state *s = state_of(e, id);
	size_t n = s->n_items;

	state_free(s);
	return n;
}

/* A port.fwd item of id's state, as lib/port/portsetup records it (IPv4, tcp, to port 80). */
static void record_forward(const struct env *e, const char *id, unsigned port, uint16_t host,
			   const char *target, const char *localnet_if)
{
	struct state *s = state_of(e, id);
	struct portfwd f = { .family = AF_INET,
			     .proto = IPPROTO_TCP,
			     .host_first = host,
			     .host_last = host,
			     .ct_first = 80,
			     .target = test_address(target),
			     .subnet = test_prefix("10.0.0.0/24"),
			     .index = port };
	struct json_object *data;
	struct lxcri_error err = {};
	char dir[PATH_MAX];
	size_t index;

	snprintf(f.localnet_if, sizeof(f.localnet_if), "%s", localnet_if);
	data = portfwd_to_json(&f);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(json_add(data, "port", json_object_new_int((int)port)), 0);
	ck_assert_int_eq(json_add_string(data, "table", TABLE), 0);
	ck_assert_int_eq(state_item_add(s, "port.fwd", "start-host", data, &index), 0);
	state_item_set_applied(s, index);
	snprintf(dir, sizeof(dir), "%s/run/%s", e->dir, id);
	ck_assert_msg(state_save(dir, s, &err) == 0, "%s", err.message);
	state_free(s);
}

static size_t elements(struct portfwd_entry **ret)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = {};
	size_t n = 0;

	ck_assert_msg(portfwd_open(TABLE, &ctx, &err) == 0, "%s", err.message);
	ck_assert_msg(portfwd_list(ctx, ret, &n, &err) == 0, "%s", err.message);
	return n;
}

static size_t elements_of(const char *owner)
{
	_cleanup_free_ struct portfwd_entry *e = NULL;
	size_t n = elements(&e), count = 0;

	for (size_t i = 0; i < n; i++)
		count += strcmp(e[i].owner, owner) == 0;
	return count;
}

static bool has_element(const char *owner, int proto, uint16_t host)
{
	_cleanup_free_ struct portfwd_entry *e = NULL;
	size_t n = elements(&e);

	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].owner, owner) == 0 && e[i].fwd.proto == proto &&
		    e[i].fwd.host_first == host)
			return true;
	return false;
}

static void add_element(const char *owner, uint16_t host, const char *target)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = { .family = AF_INET,
			     .proto = IPPROTO_TCP,
			     .host_first = host,
			     .host_last = host,
			     .ct_first = 80,
			     .target = test_address(target),
			     .subnet = test_prefix("10.0.0.0/24") };
	struct lxcri_error err = {};

	ck_assert_msg(portfwd_open(TABLE, &ctx, &err) == 0, "%s", err.message);
	ck_assert_msg(portfwd_add(ctx, owner, &f, 1, &err) == 0, "%s", err.message);
}

static int nft(const char *cmd)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	int r;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(nft_ctx_buffer_output(n), 0);
	ck_assert_int_eq(nft_ctx_buffer_error(n), 0);
	r = nft_run_cmd_from_buffer(n, cmd);
	nft_ctx_free(n);
	return r;
}

static int table_complete(void)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = {};
	int r;

	ck_assert_msg(portfwd_open(TABLE, &ctx, &err) == 0, "%s", err.message);
	r = portfwd_table_complete(ctx, &err);
	ck_assert_msg(r >= 0, "%s", err.message);
	return r;
}

static bool guard_on(struct env *e, const char *ifname)
{
	struct lxcri_error err = {};
	int r = netlink_localnet_guard_present(e->host, ifname, &err);

	ck_assert_msg(r >= 0, "%s", err.message);
	return r == 1;
}

static int drift(const struct env *e, char *detail, size_t size)
{
	return portcmd_drift(&e->paths, detail, size, NULL, NULL);
}

#define PORT0 "port0: proto=tcp,host=8080,ct=80\n"
#define PORT1 "port1: proto=udp,host=5353,ct=53\n"

/* A container LXC does not know: the config gets the port, nothing else changes. */
START_TEST(test_add_to_stopped_container_writes_config)
{
	ENV_SETUP(e);
	struct portcmd_change ch;
	struct lxcri_error err = {};

	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(ch.index, 0);
	ck_assert(!ch.live);
	ck_assert_str_eq(ch.file, e.config);
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=udp,host=5353,ct=53", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(ch.index, 1);
	assert_file(e.config, PORT0 PORT1);
	/* A stopped one (LXC knows it) too. */
	lxc_says(&e, "101", 0);
	ck_assert_msg(portcmd_del(&e.paths, "101", IPPROTO_TCP, 8080, &ch, &err) == 0, "%s",
		      err.message);
	ck_assert(!ch.live);
	ck_assert(!ch.was_applied);
	assert_file(e.config, PORT1);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	env_done(&e);
}
END_TEST

/*
 * Values the config cannot take, and a config that is already broken: each
 * refused naming the file and what is wrong, the config as it was.
 */
START_TEST(test_add_refuses_bad_values)
{
	ENV_SETUP(e);
	static const struct {
		const char *value, *says;
	} bad[] = {
		{ "proto=sctp,host=8080,ct=80",
		  "2: Invalid value 'sctp' for 'proto' in 'port1': expected 'tcp' or 'udp'" },
		{ "proto=tcp,host=0,ct=80", "2: Invalid value '0' for 'host' in 'port1': expected "
					    "a port from 1 to 65535, or a "
					    "range '<first>-<last>' of such with first <= last" },
		{ "proto=tcp,host=8090,ct=80,hostip=0.0.0.0",
		  "2: Invalid value '0.0.0.0' for 'hostip' in 'port1': the unspecified address is "
		  "not "
		  "allowed here" },
		{ "proto=tcp,host=9000-9001,ct=80-82",
		  "2: Invalid value '80-82' for 'ct' in 'port1': a range of container ports must "
		  "be as "
		  "long as the range of host ports '9000-9001' (2 ports), or use a single port" },
		{ "proto=tcp,host=8080,ct=80", "2: Host port 'tcp 8080' of 'port1' overlaps 'tcp "
					       "8000-8100' of 'port0' on line 1" },
		{ "proto=tcp,host=9000,ct=80,colour=red",
		  "2: Unknown property 'colour' in 'port1'" },
	};
	struct portcmd_change ch;
	char want[PATH_MAX + 256];

	test_write_file(e.config, "port0: proto=tcp,host=8000-8100,ct=80\n");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct lxcri_error err = {};

		ck_assert_int_eq(portcmd_add(&e.paths, "101", bad[i].value, &ch, &err), -EINVAL);
		snprintf(want, sizeof(want), "%s:%s", e.config, bad[i].says);
		ck_assert_str_eq(err.message, want);
	}
	assert_file(e.config, "port0: proto=tcp,host=8000-8100,ct=80\n");

	/* A config with a malformed key: no change goes on top of it. */
	test_write_file(e.config, "port0: proto=tcp,host=99999,ct=80\n");
	{
		struct lxcri_error err = {};

		ck_assert_int_eq(
		    portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err), -EINVAL);
		snprintf(
		    want, sizeof(want),
		    "%s:1: Invalid value '99999' for 'host' in 'port0': expected a port from 1 "
		    "to 65535, or a range '<first>-<last>' of such with first <= last",
		    e.config);
		ck_assert_str_eq(err.message, want);
	}
	assert_file(e.config, "port0: proto=tcp,host=99999,ct=80\n");
	env_done(&e);
}
END_TEST

/* An id that is no container's: refused by every verb before any file is touched. */
START_TEST(test_invalid_container_id)
{
	ENV_SETUP(e);
	static const char *const bad[] = { "../101", "101/../x", "-rf", "a b", "" };
	struct json_object *list = NULL;
	struct portcmd_change ch;
	char dir[PATH_MAX], want[128];

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct lxcri_error err = {};

		snprintf(want, sizeof(want), "Invalid container id '%s'", bad[i]);
		ck_assert_int_eq(
		    portcmd_add(&e.paths, bad[i], "proto=tcp,host=8080,ct=80", &ch, &err), -EINVAL);
		ck_assert_str_eq(err.message, want);
		ck_assert_int_eq(portcmd_del(&e.paths, bad[i], IPPROTO_TCP, 8080, &ch, &err),
				 -EINVAL);
		ck_assert_str_eq(err.message, want);
		if (bad[i][0]) {
			ck_assert_int_eq(portcmd_list(&e.paths, bad[i], &list, &err), -EINVAL);
			ck_assert_str_eq(err.message, want);
			ck_assert_ptr_null(list);
		}
	}
	snprintf(dir, sizeof(dir), "%s/etc/containers", e.dir);
	ck_assert_int_eq(rmdir(dir), 0); /* empty: nothing was written */
	env_done(&e);
}
END_TEST

/*
 * A running container: the forward is applied (table, state item of `lxcri
 * port`, route_localnet) and then the config and the snapshot written.
 */
START_TEST(test_add_running_applies_and_writes)
{
	ENV_SETUP(e);
	_cleanup_state_ struct state *s = NULL;
	struct portcmd_change ch;
	struct lxcri_error err = {};

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert(ch.live);
	ck_assert_uint_eq(ch.index, 0);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert(has_element("101", IPPROTO_TCP, 8080));
	s = state_of(&e, "101");
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(s->items[0].kind, "port.fwd");
	ck_assert_str_eq(s->items[0].hook, "lxcri port");
	ck_assert_int_eq(s->items[0].status, STATE_ITEM_APPLIED);
	assert_file(e.config, PORT0);
	assert_file(e.snapshot, PORT0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 1);
	ck_assert(guard_on(&e, "br0"));
	env_done(&e);
}
END_TEST

/*
 * A host port another container forwards: refused naming it; the running
 * container, its state and the config are as they were.
 */
START_TEST(test_add_running_port_taken)
{
	ENV_SETUP(e);
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char want[PATH_MAX + 256];

	running(&e, PORT1);
	add_element("102", 8080, "10.0.0.3");
	ck_assert_int_eq(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err),
			 -EADDRINUSE);
	snprintf(want, sizeof(want),
		 "Failed to add port0 to the running container '101': Host port 'tcp 8080' is "
		 "already forwarded to container '102'; neither the container nor '%s' was changed",
		 e.config);
	ck_assert_str_eq(err.message, want);
	ck_assert(!ch.live);
	assert_file(e.config, PORT1);
	assert_file(e.snapshot, PORT1);
	ck_assert_uint_eq(items_of(&e, "101"), 0);
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_uint_eq(elements_of("102"), 1);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	env_done(&e);
}
END_TEST

/*
 * The config cannot be written (a read-only /etc): the forward, applied
 * first, is taken out of the running container again; nothing changed.
 */
START_TEST(test_add_running_config_unwritable_undoes)
{
	ENV_SETUP(e);
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char dir[PATH_MAX], want[PATH_MAX + 256];
	int r;

	running(&e, PORT1);
	snprintf(dir, sizeof(dir), "%s/etc/containers", e.dir);
	ck_assert(test_mount_read_only(dir));
	r = portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err);
	ck_assert_int_eq(r, -EROFS);
	snprintf(want, sizeof(want),
		 "Failed to write '%s': Read-only file system (the file system is read-only; on a "
		 "Proxmox VE node /etc/pve is read-only while the node has no quorum); port0 was "
		 "removed from the running container again: nothing was changed",
		 e.config);
	ck_assert_str_eq(err.message, want);
	ck_assert(!ch.live);
	assert_file(e.config, PORT1);
	assert_file(e.snapshot, PORT1);
	ck_assert_uint_eq(items_of(&e, "101"), 0);
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	env_done(&e);
}
END_TEST

/* Running without a state of ours (started before pve-lxcri): refused, nothing changed. */
START_TEST(test_add_running_without_state)
{
	ENV_SETUP(e);
	struct portcmd_change ch;
	struct lxcri_error err = {};

	lxc_says(&e, "101", e.ct_pid);
	test_write_file(e.config, PORT1);
	ck_assert_int_eq(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err),
			 -ESRCH);
	ck_assert_str_eq(err.message,
			 "Container '101' is running without lxcri state; restart it to apply");
	assert_file(e.config, PORT1);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	/* Nor in another phase than running. */
	save_state(&e, "101", "stopping");
	ck_assert_int_eq(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err),
			 -EBUSY);
	ck_assert_str_eq(err.message, "Container '101' is running, but its lxcri state is in phase "
				      "'stopping' (see 'lxcri status 101'); restart it to apply");
	assert_file(e.config, PORT1);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	env_done(&e);
}
END_TEST

/* del on a running container: the config loses the port, the container its forward. */
START_TEST(test_del_running_removes)
{
	ENV_SETUP(e);
	_cleanup_state_ struct state *s = NULL;
	struct portcmd_change ch;
	struct lxcri_error err = {};

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=udp,host=5353,ct=53", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(elements_of("101"), 2);

	ck_assert_msg(portcmd_del(&e.paths, "101", IPPROTO_TCP, 8080, &ch, &err) == 0, "%s",
		      err.message);
	ck_assert(ch.live);
	ck_assert(ch.was_applied);
	ck_assert_uint_eq(ch.index, 0);
	assert_file(e.config, PORT1);
	assert_file(e.snapshot, PORT1);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert(has_element("101", IPPROTO_UDP, 5353));
	s = state_of(&e, "101");
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(s->items[0].data, "proto")),
			 "udp");
	/* route_localnet stays while the udp forward needs it. */
	ck_assert_int_eq(localnet_sysctl_get("br0"), 1);

	/* The last one: the config file goes, and route_localnet with it. */
	ck_assert_msg(portcmd_del(&e.paths, "101", IPPROTO_UDP, 5353, &ch, &err) == 0, "%s",
		      err.message);
	ck_assert_int_ne(access(e.config, F_OK), 0);
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	env_done(&e);
}
END_TEST

/* del of a port the config does not have: -ENOENT naming it, nothing changed. */
START_TEST(test_del_not_there)
{
	ENV_SETUP(e);
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char want[PATH_MAX + 128];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_int_eq(portcmd_del(&e.paths, "101", IPPROTO_TCP, 9999, &ch, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: No port forwards host port 'tcp 9999'", e.config);
	ck_assert_str_eq(err.message, want);
	ck_assert_int_eq(portcmd_del(&e.paths, "101", IPPROTO_UDP, 8080, &ch, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: No port forwards host port 'udp 8080'", e.config);
	ck_assert_str_eq(err.message, want);
	assert_file(e.config, PORT0);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert_uint_eq(items_of(&e, "101"), 1);

	/* No config at all. */
	ck_assert_int_eq(unlink(e.config), 0);
	ck_assert_int_eq(portcmd_del(&e.paths, "101", IPPROTO_TCP, 8080, &ch, &err), -ENOENT);
	snprintf(want, sizeof(want), "Container '101' has no lxcri config: '%s' does not exist",
		 e.config);
	ck_assert_str_eq(err.message, want);
	ck_assert_uint_eq(elements_of("101"), 1);
	env_done(&e);
}
END_TEST

/*
 * The forward cannot be removed from the running container (its state
 * names a table that cannot be opened): the config is written back as it
 * was, and the forward and its item stay.
 */
START_TEST(test_del_failure_restores_config)
{
	ENV_SETUP(e);
	struct portcmd_change ch;
	struct lxcri_error err = {};
	struct state *s;
	char want[PATH_MAX + 256];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	s = state_of(&e, "101");
	ck_assert_int_eq(json_add_string(s->items[0].data, "table", "no such"), 0);
	ck_assert_msg(state_save(e.state_dir, s, &err) == 0, "%s", err.message);
	state_free(s);

	ck_assert_int_eq(portcmd_del(&e.paths, "101", IPPROTO_TCP, 8080, &ch, &err), -EIO);
	snprintf(
	    want, sizeof(want),
	    "Failed to remove 'tcp 8080' from the running container '101': Invalid nftables "
	    "table name 'no such'; '%s' is as it was, and what is left stays in the state (see "
	    "'lxcri status 101')",
	    e.config);
	ck_assert_str_eq(err.message, want);
	assert_file(e.config, PORT0);
	ck_assert(has_element("101", IPPROTO_TCP, 8080));
	ck_assert_uint_eq(items_of(&e, "101"), 1);
	env_done(&e);
}
END_TEST

static struct json_object *entry(struct json_object *list, size_t i, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_uint_gt(json_object_array_length(list), i);
	ck_assert_msg(json_object_object_get_ex(json_object_array_get_idx(list, i), key, &v),
		      "no '%s'", key);
	return v;
}

static const char *entry_string(struct json_object *list, size_t i, const char *key)
{
	struct json_object *v = entry(list, i, key);

	return v ? json_object_get_string(v) : NULL;
}

/*
 * `lxcri port list`: each port of the configs, with the forwards the
 * running container records and whether the table has them.
 */
START_TEST(test_list)
{
	ENV_SETUP(e);
	struct json_object *list = NULL, *fw;
	struct portcmd_change ch;
	struct lxcri_error err = {};

	running(&e, "");
	ck_assert_msg(
	    portcmd_add(&e.paths, "101", "proto=tcp,host=8080-8081,ct=80-81", &ch, &err) == 0, "%s",
	    err.message);
	write_at(&e, "etc/containers/db.conf",
		 "port3: proto=udp,host=5353,ct=53,hostip=10.0.0.1,net=eth1\n");

	ck_assert_msg(portcmd_list(&e.paths, "101", &list, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(json_object_array_length(list), 1);
	ck_assert_str_eq(entry_string(list, 0, "id"), "101");
	ck_assert_int_eq(json_object_get_int(entry(list, 0, "port")), 0);
	ck_assert_str_eq(entry_string(list, 0, "proto"), "tcp");
	ck_assert_str_eq(entry_string(list, 0, "host"), "8080-8081");
	ck_assert_str_eq(entry_string(list, 0, "ct"), "80-81");
	ck_assert_ptr_null(entry(list, 0, "hostip"));
	ck_assert_ptr_null(entry(list, 0, "net"));
	ck_assert_str_eq(entry_string(list, 0, "status"), "active");
	fw = entry(list, 0, "forwards");
	ck_assert_uint_eq(json_object_array_length(fw), 1);
	ck_assert_str_eq(entry_string(fw, 0, "family"), "ipv4");
	ck_assert_str_eq(entry_string(fw, 0, "target"), "10.0.0.2");
	ck_assert(json_object_get_boolean(entry(fw, 0, "in_table")));
	json_object_put(list);

	/* One of its two host ports gone from the table: not in the table any more. */
	ck_assert_int_eq(nft("delete element inet " TABLE " fwd4 { tcp . 8081 }"), 0);
	ck_assert_msg(portcmd_list(&e.paths, "101", &list, &err) == 0, "%s", err.message);
	fw = entry(list, 0, "forwards");
	ck_assert(!json_object_get_boolean(entry(fw, 0, "in_table")));
	json_object_put(list);

	/* Every container: db (not running) has its port and no forwards. */
	ck_assert_msg(portcmd_list(&e.paths, NULL, &list, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(json_object_array_length(list), 2);
	ck_assert_str_eq(entry_string(list, 0, "id"), "101");
	ck_assert_str_eq(entry_string(list, 1, "id"), "db");
	ck_assert_str_eq(entry_string(list, 1, "hostip"), "10.0.0.1");
	ck_assert_str_eq(entry_string(list, 1, "net"), "eth1");
	ck_assert_str_eq(entry_string(list, 1, "host"), "5353");
	ck_assert_uint_eq(json_object_array_length(entry(list, 1, "forwards")), 0);
	ck_assert_ptr_null(entry(list, 1, "status"));
	json_object_put(list);
	env_done(&e);
}
END_TEST

/*
 * `nft flush ruleset` (the table deleted): drift says what is missing,
 * sync puts the running container's forwards back, and then all matches.
 */
START_TEST(test_sync_restores_deleted_table)
{
	ENV_SETUP(e);
	struct portcmd_sync_result res;
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char detail[1024];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 0);
	ck_assert_str_eq(detail, "table inet " TABLE " matches the 1 running container(s) with "
				 "forwards");
	ck_assert_int_eq(nft("delete table inet " TABLE), 0);
	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 1);
	ck_assert_str_eq(detail,
			 "table inet " TABLE " missing or incomplete; 1 recorded forward(s) "
			 "missing, 0 element(s) of containers that do not run, 0 "
			 "element(s) without an owner (no container records them)");

	ck_assert_msg(portcmd_sync(&e.paths, &res, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(res.containers, 1);
	ck_assert_uint_eq(res.forwards, 1);
	ck_assert_uint_eq(res.removed, 0);
	ck_assert_uint_eq(res.failed, 0);
	ck_assert(has_element("101", IPPROTO_TCP, 8080));
	ck_assert_int_eq(table_complete(), 1);
	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 0);
	/* Sync again: nothing more to do, the same forwards. */
	ck_assert_msg(portcmd_sync(&e.paths, &res, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(elements_of("101"), 1);
	env_done(&e);
}
END_TEST

/* A chain emptied by hand and an element deleted: drift sees both, sync refills the chain. */
START_TEST(test_sync_repairs_flushed_chain)
{
	ENV_SETUP(e);
	struct portcmd_sync_result res;
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char detail[1024];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	/* The element gone too: putting it back is a new key, which reads no rules. */
	ck_assert_int_eq(nft("flush chain inet " TABLE " prerouting"), 0);
	ck_assert_int_eq(nft("delete element inet " TABLE " fwd4 { tcp . 8080 }"), 0);
	ck_assert_int_eq(table_complete(), 0);
	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 1);
	ck_assert_str_eq(detail,
			 "table inet " TABLE " missing or incomplete; 1 recorded forward(s) "
			 "missing, 0 element(s) of containers that do not run, 0 "
			 "element(s) without an owner (no container records them)");
	ck_assert_msg(portcmd_sync(&e.paths, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(table_complete(), 1);
	ck_assert(has_element("101", IPPROTO_TCP, 8080));
	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 0);
	env_done(&e);
}
END_TEST

/*
 * Elements nobody's state records, and those of a container that no longer
 * runs (a crash without teardown): drift names them, sync removes them and
 * leaves the running container's.
 */
START_TEST(test_sync_removes_stale_elements)
{
	ENV_SETUP(e);
	struct portcmd_sync_result res;
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char detail[1024];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	add_element("gone", 9090, "10.0.0.9");
	/* 103: its state says running, LXC says stopped. */
	save_state(&e, "103", "running");
	record_forward(&e, "103", 0, 7070, "10.0.0.7", "");
	add_element("103", 7070, "10.0.0.7");
	lxc_says(&e, "103", 0);

	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 1);
	ck_assert_str_eq(detail, "table inet " TABLE " complete; 0 recorded forward(s) missing, 1 "
				 "element(s) of containers that do not run, 1 element(s) without "
				 "an owner (no container records them): 'gone' tcp 9090");
	ck_assert_msg(portcmd_sync(&e.paths, &res, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(res.removed, 2);
	ck_assert_uint_eq(res.containers, 1);
	ck_assert_uint_eq(elements_of("gone"), 0);
	ck_assert_uint_eq(elements_of("103"), 0);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 0);
	env_done(&e);
}
END_TEST

/*
 * A running container whose recorded forward another one holds: counted as
 * failed and named; the others' forwards are put back all the same.
 */
START_TEST(test_sync_one_container_fails_others_go_on)
{
	ENV_SETUP(e);
	struct portcmd_sync_result res;
	struct portcmd_change ch;
	struct lxcri_error err = {};

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	save_state(&e, "102", "running");
	record_forward(&e, "102", 0, 8080, "10.0.0.3", "");
	record_forward(&e, "102", 1, 8082, "10.0.0.3", "");
	lxc_says(&e, "102", e.ct_pid);
	ck_assert_int_eq(nft("delete table inet " TABLE), 0);

	ck_assert_int_eq(portcmd_sync(&e.paths, &res, &err), -EIO);
	ck_assert_str_eq(err.message, "Container '102': Host port 'tcp 8080' is already forwarded "
				      "to container '101'");
	ck_assert_uint_eq(res.failed, 1);
	ck_assert_uint_eq(res.containers, 1);
	ck_assert_uint_eq(res.forwards, 1);
	ck_assert(has_element("101", IPPROTO_TCP, 8080));
	/* All or nothing for 102: not even its free port. */
	ck_assert_uint_eq(elements_of("102"), 0);
	env_done(&e);
}
END_TEST

/* Nothing made yet, nothing running: in sync, and it says so. */
START_TEST(test_drift_nothing_yet)
{
	ENV_SETUP(e);
	char detail[512];

	ck_assert_int_eq(drift(&e, detail, sizeof(detail)), 0);
	ck_assert_str_eq(detail, "no forwards (table '" TABLE "' not made yet)");
	env_done(&e);
}
END_TEST

/*
 * The localnet check: guarded is fine; the guard removed by hand on an
 * interface lxcri set route_localnet on is the worst (2), and sync puts it
 * back; route_localnet set by someone else is named as not ours (1).
 */
START_TEST(test_localnet_check)
{
	ENV_SETUP(e);
	struct portcmd_sync_result res;
	struct portcmd_change ch;
	struct lxcri_error err = {};
	struct rtnl_link *br = rtnl_link_bridge_alloc();
	char detail[1024];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	ck_assert_int_eq(portcmd_localnet_check(&e.paths, detail, sizeof(detail)), 0);
	ck_assert_str_eq(detail, "route_localnet=1 on 1 interface(s), each with its guard");

	ck_assert_msg(netlink_localnet_guard_del(e.host, "br0", &err) == 0, "%s", err.message);
	ck_assert_int_eq(portcmd_localnet_check(&e.paths, detail, sizeof(detail)), 2);
	ck_assert_str_eq(detail, "route_localnet=1 without its guard on 'br0' (set by lxcri): "
				 "neighbours there reach the host's 127.0.0.1 services");
	ck_assert_msg(portcmd_sync(&e.paths, &res, &err) == 0, "%s", err.message);
	ck_assert(guard_on(&e, "br0"));
	ck_assert_int_eq(portcmd_localnet_check(&e.paths, detail, sizeof(detail)), 0);

	ck_assert_ptr_nonnull(br);
	rtnl_link_set_name(br, "admin0");
	ck_assert_int_eq(rtnl_link_add(e.host, br, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(br);
	test_write_file("/proc/sys/net/ipv4/conf/admin0/route_localnet", "1");
	ck_assert_int_eq(portcmd_localnet_check(&e.paths, detail, sizeof(detail)), 1);
	ck_assert_str_eq(detail, "route_localnet=1 without its guard on 'admin0' (not set by "
				 "lxcri): neighbours there reach the host's 127.0.0.1 services");
	env_done(&e);
}
END_TEST

/*
 * The container stopped without its teardown: the check names
 * route_localnet kept for it, and sync sets it back (guard gone with it).
 */
START_TEST(test_sync_releases_localnet_of_stopped)
{
	ENV_SETUP(e);
	struct portcmd_sync_result res;
	struct portcmd_change ch;
	struct lxcri_error err = {};
	char detail[1024];

	running(&e, "");
	ck_assert_msg(portcmd_add(&e.paths, "101", "proto=tcp,host=8080,ct=80", &ch, &err) == 0,
		      "%s", err.message);
	lxc_says(&e, "101", 0);
	ck_assert_int_eq(portcmd_localnet_check(&e.paths, detail, sizeof(detail)), 1);
	ck_assert_str_eq(detail, "route_localnet kept (guarded) for 1 container(s) that no longer "
				 "need it: 'br0' for '101'");
	ck_assert_msg(portcmd_sync(&e.paths, &res, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(res.removed, 1);
	ck_assert_uint_eq(res.containers, 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_int_eq(portcmd_localnet_check(&e.paths, detail, sizeof(detail)), 0);
	ck_assert_str_eq(detail, "route_localnet=1 on 0 interface(s), each with its guard");
	env_done(&e);
}
END_TEST

static Suite *portcmd_suite(void)
{
	Suite *s = suite_create("portcmd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_to_stopped_container_writes_config);
	tcase_add_test(tc, test_add_refuses_bad_values);
	tcase_add_test(tc, test_invalid_container_id);
	tcase_add_test(tc, test_add_running_applies_and_writes);
	tcase_add_test(tc, test_add_running_port_taken);
	tcase_add_test(tc, test_add_running_config_unwritable_undoes);
	tcase_add_test(tc, test_add_running_without_state);
	tcase_add_test(tc, test_del_running_removes);
	tcase_add_test(tc, test_del_not_there);
	tcase_add_test(tc, test_del_failure_restores_config);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_sync_restores_deleted_table);
	tcase_add_test(tc, test_sync_repairs_flushed_chain);
	tcase_add_test(tc, test_sync_removes_stale_elements);
	tcase_add_test(tc, test_sync_one_container_fails_others_go_on);
	tcase_add_test(tc, test_drift_nothing_yet);
	tcase_add_test(tc, test_localnet_check);
	tcase_add_test(tc, test_sync_releases_localnet_of_stopped);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(portcmd_suite)
