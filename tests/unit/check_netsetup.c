/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/socket.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"

#include "lib/shared/json.h"
#include "lib/basic/ip.h"
#include "lib/basic/ctns.h"
#include "lib/basic/fileio.h"
#include "lib/basic/log.h"
#include "lib/netlink/netlink.h"
#include "lib/net/netsetup.h"
#include "lib/net/resolvconf.h"

/*
 * Every test runs in its own forked process inside a fresh network
 * namespace (the "host"), with a child process in another one (the
 * "container", as LXC_PID would be), whose mount namespace has the test's
 * rootfs as "/" (as after LXC's pivot_root): the real host is never touched.
 */
struct env {
	char *dir, state_dir[PATH_MAX], rootfs[PATH_MAX];
	pid_t ct_pid;
	struct ctns ctns;
	struct nl_sock *host, *ct;
	struct settings settings;
	struct netsetup ns;
	struct state *s;
};

struct other_process {
	const char *chroot_dir, *mount_root;
};

static int enter_other_process(const void *arg)
{
	const struct other_process *o = arg;

	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	if (o->mount_root &&
	    (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	     mount(o->mount_root, "/", NULL, MS_BIND | MS_REC, NULL) < 0))
		return -1;
	return o->chroot_dir && chroot(o->chroot_dir) < 0 ? -1 : 0;
}

/*
 * A process in a network namespace of its own, waiting until killed: the
 * "container" of every test, or another process that holds a PID the state
 * names, as a reused PID would. mount_root: in a mount namespace of its own
 * whose "/" is that directory; chroot_dir: chrooted there (NULL: neither).
 * The caller kills and reaps it.
 */
static pid_t other_process(const char *chroot_dir, const char *mount_root)
{
	struct other_process o = { chroot_dir, mount_root };

	return test_child(enter_other_process, &o);
}

/*
 * The namespaces of another process (in a mount namespace whose "/" is
 * mount_root, if not NULL), held after it is gone: what a caller might
 * wrongly have at hand.
 */
static struct ctns other_namespaces(const char *mount_root)
{
	struct lxcri_error err = {};
	pid_t other = other_process(NULL, mount_root);
	struct ctns ns = CTNS_NONE;

	ck_assert_msg(ctns_open_pid(other, &ns, &err) == 0, "%s", err.message);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	return ns;
}

static bool env_setup(struct env *e, const char *test)
{
	struct lxcri_error err = {};

	if (geteuid() != 0) {
		fprintf(stderr, "%s: skipped (needs root for network namespaces)\n", test);
		return false;
	}
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	log_set_stderr(false);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);

	e->dir = test_tmpdir();
	snprintf(e->state_dir, sizeof(e->state_dir), "%s/state", e->dir);
	snprintf(e->rootfs, sizeof(e->rootfs), "%s/rootfs", e->dir);
	ck_assert_int_eq(mkdir(e->state_dir, 0700), 0);
	ck_assert_int_eq(mkdir(e->rootfs, 0755), 0);
	e->ct_pid = other_process(NULL, e->rootfs);
	ck_assert_msg(ctns_open_pid(e->ct_pid, &e->ctns, &err) == 0, "%s", err.message);
	settings_init(&e->settings);
	e->ns = (struct netsetup){
		.id = "web",
		.ctns = &e->ctns,
		.rootfs = e->rootfs,
		.state_dir = e->state_dir,
		.settings = &e->settings,
	};
	ck_assert_int_eq(state_new("web", &e->s), 0);
	ck_assert_int_eq(netlink_open(&e->host), 0);
	ck_assert_msg(netlink_open_in_netns_fd(e->ctns.net, &e->ct, &err) == 0, "%s", err.message);
	return true;
}

static void env_done(struct env *e)
{
	kill(e->ct_pid, SIGKILL);
	waitpid(e->ct_pid, NULL, 0);
	ctns_close(&e->ctns);
	nl_socket_free(e->host);
	nl_socket_free(e->ct);
	state_free(e->s);
	test_rm_rf(e->dir);
	free(e->dir);
}

#define ENV_SETUP(e)                                                                               \
	struct env e = {};                                                                         \
	if (!env_setup(&e, __func__))                                                              \
	return

/* A bridge, or else a veth pair (its peer named "<name>p"): a link that is not a bridge. */
static void add_link(struct nl_sock *sk, const char *name, bool bridge, uint32_t mtu)
{
	struct lxcri_error err = {};
	char peer[IFNAMSIZ];

	if (!bridge) {
		snprintf(peer, sizeof(peer), "%.13sp", name);
		struct netlink_veth_spec spec = {
			.host_ifname = name, .peer_ifname = peer, .peer_netns_fd = -1, .mtu = mtu
		};
		ck_assert_msg(netlink_veth_create(sk, &spec, &err) == 0, "%s", err.message);
		return;
	}
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	ck_assert_ptr_nonnull(l);
	rtnl_link_set_name(l, name);
	if (mtu)
		rtnl_link_set_mtu(l, mtu);
	ck_assert_int_eq(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(l);
}

static struct config *parse(const char *text)
{
	struct config *c = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(config_parse("web.conf", text, strlen(text), &c, &err) == 0, "%s",
		      err.message);
	return c;
}

static struct netlink_link_info get_link(struct nl_sock *sk, const char *ifname)
{
	struct netlink_link_info info;
	struct lxcri_error err = {};
	int r = netlink_link_get(sk, ifname, &info, &err);

	ck_assert_msg(r == 0, "netlink_link_get(%s): %d %s", ifname, r, err.message);
	return info;
}

/* The state as saved on disk: what a crash would leave. */
static struct state *saved_state(struct env *e)
{
	struct state *s = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(state_load(e->state_dir, &s, &err) == 0, "%s", err.message);
	return s;
}

START_TEST(test_bridge_net_applied_and_torn_down)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c =
	    parse("net1: name=eth1,bridge=br0,ip=10.9.0.5/24;fd09::5/64,gw=10.9.0.1,"
		  "gw6=fd09::1\nroute0: dst=10.50.0.0/16,via=10.9.0.254,dev=eth1,metric=7\n");
	struct lxcri_error err = {};
	char host[IFNAMSIZ];
	uint8_t mac[6];

	add_link(e.host, "br0", true, 1450);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);

	/* The host end is on the bridge, with the bridge's MTU; the container end is set up. */
	ck_assert_int_eq(netlink_host_ifname("web", 1, 0, host), 0);
	struct netlink_link_info h = get_link(e.host, host);
	ck_assert_str_eq(h.kind, "veth");
	ck_assert_str_eq(h.master, "br0");
	ck_assert_uint_eq(h.mtu, 1450);
	struct netlink_link_info p = get_link(e.ct, "eth1");
	ck_assert(p.up);
	ck_assert_uint_eq(p.mtu, 1450);
	netlink_stable_mac("web", "eth1", mac);
	ck_assert_mem_eq(p.mac, mac, 6);

	/* It says whose it is. */
	ck_assert_str_eq(h.alias, "lxcri web net1");

	/* Written ahead and marked applied, on disk too, with the link's marks. */
	_cleanup_state_ struct state *saved = saved_state(&e);
	ck_assert_uint_eq(saved->n_items, 1);
	ck_assert_str_eq(saved->items[0].kind, "net.veth");
	ck_assert_int_eq(saved->items[0].status, STATE_ITEM_APPLIED);
	struct json_object *data = saved->items[0].data, *v;
	char mark[18];
	snprintf(mark, sizeof(mark), "%02x:%02x:%02x:%02x:%02x:%02x", h.mac[0], h.mac[1], h.mac[2],
		 h.mac[3], h.mac[4], h.mac[5]);
	ck_assert(json_object_object_get_ex(data, "host", &v));
	ck_assert_str_eq(json_object_get_string(v), host);
	ck_assert(json_object_object_get_ex(data, "host_mac", &v));
	ck_assert_str_eq(json_object_get_string(v), mark);
	ck_assert_uint_eq(h.mac[0], 0xfe);
	ck_assert(json_object_object_get_ex(data, "ifindex", &v));
	ck_assert_int_eq(json_object_get_int(v), h.ifindex);
	ck_assert(!json_object_object_get_ex(data, "pid", &v));

	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	ck_assert_uint_eq(e.s->n_items, 0);
	/* Twice is harmless. */
	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_addresses_and_routes_inside)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c =
	    parse("net1: name=eth1,bridge=br0,ip=10.9.0.5/24;10.9.1.5/24;fd09::5/64,"
		  "gw=10.9.0.1,mtu=1400,hwaddr=02:AA:BB:CC:DD:EE\n"
		  "route0: dst=10.50.0.0/16,via=10.9.0.254,dev=eth1,metric=7,table=100\n");
	struct lxcri_error err = {};
	static const uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

	add_link(e.host, "br0", true, 0);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	struct netlink_link_info p = get_link(e.ct, "eth1");
	ck_assert_uint_eq(p.mtu, 1400);
	ck_assert_mem_eq(p.mac, mac, 6);

	/* The route is there, in table 100 with metric 7: adding it again is -EEXIST. */
	struct netlink_route route = { .dst = c->net.routes[0].dst,
				       .has_via = true,
				       .via = c->net.routes[0].via,
				       .dev = "eth1",
				       .has_metric = true,
				       .metric = 7,
				       .table = 100 };
	ck_assert_int_eq(netlink_route_add(e.ct, &route, &err), -EEXIST);
	/* So is the default route through gw. */
	struct netlink_route def = { .is_default = true,
				     .dst = { .addr = { .family = AF_INET } },
				     .has_via = true,
				     .via = c->net.nets[0].gw,
				     .dev = "eth1" };
	ck_assert_int_eq(netlink_route_add(e.ct, &def, &err), -EEXIST);
	env_done(&e);
}
END_TEST

/* Checks that fail before anything is created: nothing recorded, no link. */
static void assert_refused(const char *text, const char *message, bool with_clash)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse(text);
	struct lxcri_error err = {};
	char host[IFNAMSIZ];

	add_link(e.host, "br0", true, 0);
	add_link(e.host, "veth0", false, 0);
	if (with_clash)
		add_link(e.ct, "eth0", true, 0);
	ck_assert_int_lt(netsetup_apply(&e.ns, c, e.s, &err), 0);
	ck_assert_msg(strstr(err.message, message), "'%s' not in '%s'", message, err.message);
	ck_assert_uint_eq(e.s->n_items, 0);
	ck_assert_int_eq(netlink_host_ifname("web", 1, 0, host), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	env_done(&e);
}

START_TEST(test_refusals_before_anything_exists)
{
	assert_refused("net1: name=eth1,bridge=br0\nnet2: name=eth2,bridge=vmbr9\n",
		       "net2: Bridge 'vmbr9' does not exist", false);
	assert_refused("net1: name=eth1,bridge=veth0\n",
		       "net1: 'veth0' is not a bridge (it is a veth link)", false);
	assert_refused("net1: name=eth1,bridge=br0\nnet2: name=eth0,bridge=br0\n",
		       "net2: Interface 'eth0' already exists in container 'web'", true);
	assert_refused("net1: name=eth1,bridge=br0,tag=10\n",
		       "net1: tag=10 needs a VLAN-aware bridge", false);
	assert_refused("net1: name=eth1,bridge=br0\nroute0: dst=default,dev=eth7\n",
		       "route0: Interface 'eth7' does not exist in container 'web'", false);
	assert_refused("net1: name=eth1,cni=nosuchnet\n", "net1: ", false);
}
END_TEST

START_TEST(test_failure_midway_leaves_items_for_teardown)
{
	ENV_SETUP(e);
	/* The route's gateway is not on any link of the container: the kernel refuses it. */
	_cleanup_config_ struct config *c =
	    parse("net1: name=eth1,bridge=br0,ip=10.9.0.5/24\n"
		  "route0: dst=10.50.0.0/16,via=10.77.0.1,dev=eth1\n");
	struct lxcri_error err = {};
	char host[IFNAMSIZ];

	add_link(e.host, "br0", true, 0);
	ck_assert_int_lt(netsetup_apply(&e.ns, c, e.s, &err), 0);
	ck_assert_msg(strstr(err.message, "route0: "), "%s", err.message);
	ck_assert_int_eq(netlink_host_ifname("web", 1, 0, host), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 1);

	/* What a crash would leave on disk is enough to undo it. */
	_cleanup_state_ struct state *saved = saved_state(&e);
	ck_assert_uint_eq(saved->n_items, 1);
	ck_assert_uint_eq(netsetup_teardown(&e.ns, saved, NULL, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_teardown_leaves_a_foreign_link_alone)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("net1: name=eth1,bridge=br0\n");
	struct lxcri_error err = {};
	char host[IFNAMSIZ];

	add_link(e.host, "br0", true, 0);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	ck_assert_int_eq(netlink_host_ifname("web", 1, 0, host), 0);
	ck_assert_int_eq(netlink_link_delete(e.host, host, &err), 0);
	/* A bridge took that name since: not ours to delete, and ours is gone. */
	add_link(e.host, host, true, 0);
	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 1);
	ck_assert_uint_eq(e.s->n_items, 0);
	env_done(&e);
}
END_TEST

/*
 * A crash between making the veth and recording its ifindex leaves the
 * item pending with the MAC the link was made with: teardown removes our
 * link, and leaves a veth of that name with another MAC (made by someone
 * else meanwhile) alone.
 */
START_TEST(test_pending_item_of_a_crash_is_undone)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("net1: name=eth1,bridge=br0\n");
	struct lxcri_error err = {};
	char host[IFNAMSIZ];

	add_link(e.host, "br0", true, 0);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	e.s->items[0].status = STATE_ITEM_PENDING;
	json_object_object_del(e.s->items[0].data, "ifindex");
	ck_assert_int_eq(netlink_host_ifname("web", 1, 0, host), 0);

	/* Another veth by that name. */
	ck_assert_int_eq(netlink_link_delete(e.host, host, &err), 0);
	add_link(e.host, host, false, 0);
	_cleanup_state_ struct state *copy = saved_state(&e);
	copy->items[0].status = STATE_ITEM_PENDING;
	json_object_object_del(copy->items[0].data, "ifindex");
	ck_assert_uint_eq(netsetup_teardown(&e.ns, copy, NULL, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 1);

	/* Ours, made with the recorded MAC. */
	ck_assert_int_eq(netlink_link_delete(e.host, host, &err), 0);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	e.s->items[0].status = STATE_ITEM_PENDING;
	json_object_object_del(e.s->items[0].data, "ifindex");
	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_one_net_live_and_removed_by_name)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c =
	    parse("net1: name=eth1,bridge=br0\nnet2: name=eth2,bridge=br0,ip=10.9.0.6/24\n");
	struct lxcri_error err = {};

	add_link(e.host, "br0", true, 0);
	ck_assert_msg(netsetup_apply_net(&e.ns, &c->net.nets[0], e.s, &err) == 0, "%s",
		      err.message);
	ck_assert_msg(netsetup_apply_net(&e.ns, &c->net.nets[1], e.s, &err) == 0, "%s",
		      err.message);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 1);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth2"), 1);

	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, "eth1", &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth2"), 1);
	ck_assert_uint_eq(e.s->n_items, 1);

	/* A live add whose name is taken changes nothing. */
	ck_assert_int_eq(netsetup_apply_net(&e.ns, &c->net.nets[1], e.s, &err), -EEXIST);
	ck_assert_uint_eq(e.s->n_items, 1);
	env_done(&e);
}
END_TEST

START_TEST(test_failed_live_add_is_undone)
{
	ENV_SETUP(e);
	/* An IPv6 address on a link with an MTU below 1280 is refused by the kernel. */
	_cleanup_config_ struct config *c = parse("net1: name=eth1,bridge=br0,ip=10.9.0.5/24\n");
	struct lxcri_error err = {};
	char host[IFNAMSIZ];

	add_link(e.host, "br0", true, 0);
	c->net.nets[0].mtu = 1000;
	ck_assert_int_eq(ip_prefix_parse("fd09::5/64", AF_INET6, &c->net.nets[0].addresses[0]), 0);
	ck_assert_int_lt(netsetup_apply_net(&e.ns, &c->net.nets[0], e.s, &err), 0);
	ck_assert_msg(strstr(err.message, "net1: "), "%s", err.message);
	ck_assert_uint_eq(e.s->n_items, 0);
	ck_assert_int_eq(netlink_host_ifname("web", 1, 0, host), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, host), 0);
	env_done(&e);
}
END_TEST

START_TEST(test_dns_written_inside_and_restored)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("dns: nameserver=10.9.0.1,search=example.org\n");
	struct lxcri_error err = {};
	char path[PATH_MAX], link[PATH_MAX], outside[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t size;
	ssize_t n;

	/* A hostile rootfs: /etc/resolv.conf points at a host file by an absolute path. */
	snprintf(outside, sizeof(outside), "%s/host-file", e.dir);
	test_write_file(outside, "precious\n");
	snprintf(path, sizeof(path), "%s/etc", e.rootfs);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", e.rootfs);
	ck_assert_int_eq(symlink(outside, path), 0);

	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	ck_assert_int_ge(fileio_read_file(path, 65536, &text, &size), 0);
	ck_assert_ptr_nonnull(strstr(text, "nameserver 10.9.0.1\n"));
	free(TAKE_PTR(text));
	ck_assert_int_ge(fileio_read_file(outside, 65536, &text, &size), 0);
	ck_assert_str_eq(text, "precious\n");

	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	n = readlink(path, link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = '\0';
	ck_assert_str_eq(link, outside);
	ck_assert_uint_eq(e.s->n_items, 0);
	env_done(&e);
}
END_TEST

START_TEST(test_status_of_nets)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c =
	    parse("net1: name=eth1,bridge=br0\nnet2: name=eth2,bridge=br0\n");
	_cleanup_json_ struct json_object *a = NULL;
	struct lxcri_error err = {};

	add_link(e.host, "br0", true, 0);
	ck_assert_msg(netsetup_apply_net(&e.ns, &c->net.nets[0], e.s, &err) == 0, "%s",
		      err.message);
	ck_assert_int_eq(netsetup_status(&e.ns, c, e.s, &a, &err), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
			 "[{\"net\":1,\"name\":\"eth1\",\"type\":\"bridge\",\"bridge\":\"br0\","
			 "\"host\":\"lx16d2ffe8n1\",\"applied\":true,\"link\":\"up\"},"
			 "{\"net\":2,\"name\":\"eth2\",\"type\":\"bridge\",\"bridge\":\"br0\","
			 "\"host\":\"lx16d2ffe8n2\",\"applied\":false,\"link\":\"missing\"}]");
	env_done(&e);
}
END_TEST

static void json_set(struct json_object *o, const char *key, struct json_object *v)
{
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_object_object_add(o, key, v), 0);
}

/*
 * A container gone without its teardown (killed with its LXC monitor) left
 * a dns item and a backup of its setuid /etc/resolv.conf; the PID it named
 * now belongs to a chrooted process. The teardown writes nothing there.
 */
START_TEST(test_dns_of_a_gone_container_never_reaches_a_reused_pid)
{
	ENV_SETUP(e);
	struct lxcri_error err = {};
	char victim[PATH_MAX], path[PATH_MAX], rootfs[64];
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t size;
	pid_t other;

	snprintf(victim, sizeof(victim), "%s/victim", e.dir);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc", victim);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", victim);
	test_write_file(path, "nameserver 192.0.2.99\n");
	ck_assert_int_eq(chmod(path, 0644), 0);
	other = other_process(victim, NULL);

	/* The backup of the container's own file, and the item as it was recorded. */
	char backup[PATH_MAX];
	snprintf(backup, sizeof(backup), "%s/" RESOLVCONF_BACKUP_NAME, e.state_dir);
	test_write_file(backup, "#!/bin/sh\necho run as root\n");
	snprintf(backup, sizeof(backup), "%s/" RESOLVCONF_STATE_NAME, e.state_dir);
	test_write_file(backup, "file 4755 0 0 0\n");
	snprintf(rootfs, sizeof(rootfs), "/proc/%d/root", (int)other);
	struct json_object *data = json_object_new_object();
	json_set(data, "rootfs", json_object_new_string(rootfs));
	json_set(data, "pid", json_object_new_int(other));
	ck_assert_int_eq(state_item_add(e.s, "dns.resolvconf", "start-host", data, NULL), 0);
	state_item_set_applied(e.s, 0);

	/* No namespaces of the container: it is gone. */
	e.ns.ctns = NULL;
	size_t left = netsetup_teardown(&e.ns, e.s, NULL, &err);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_int_ge(fileio_read_file(path, 65536, &text, &size), 0);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	ck_assert_str_eq(text, "nameserver 192.0.2.99\n");
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	/* Done with: not a stale item to retry at every start; the backup is kept aside. */
	ck_assert_uint_eq(left, 0);
	ck_assert_uint_eq(e.s->n_items, 0);
	ck_assert_int_eq(access(backup, F_OK), -1);
	env_done(&e);
}
END_TEST

/*
 * The same for a CNI attachment: DEL runs, without a network namespace
 * (the spec allows it for DEL), never in the one of the PID's new owner.
 */
/*
 * A CNI network "recnet" of one plugin that logs each command, the
 * CNI_NETNS it got and that namespace's inode, into <dir>/plugin.log.
 */
static void recorder_network(struct env *e, char log[PATH_MAX])
{
	char dir[PATH_MAX], path[PATH_MAX + 32], script[PATH_MAX + 256];

	snprintf(log, PATH_MAX, "%s/plugin.log", e->dir);
	snprintf(dir, sizeof(dir), "%s/cni", e->dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/recorder", dir);
	snprintf(
	    script, sizeof(script),
	    "#!/bin/sh\ncat >/dev/null\n"
	    "echo \"$CNI_COMMAND [$CNI_NETNS] $(stat -L -c %%i \"$CNI_NETNS\" 2>/dev/null)\" >>%s\n"
	    "[ \"$CNI_COMMAND\" = ADD ] && echo '{\"cniVersion\": \"1.0.0\"}'\nexit 0\n",
	    log);
	test_write_file(path, script);
	ck_assert_int_eq(chmod(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/recnet.conflist", dir);
	test_write_file(path, "{\"cniVersion\": \"1.0.0\", \"name\": \"recnet\", "
			      "\"plugins\": [{\"type\": \"recorder\"}]}");
	snprintf(e->settings.cni_config_dir, sizeof(e->settings.cni_config_dir), "%s", dir);
	snprintf(e->settings.cni_plugin_path, sizeof(e->settings.cni_plugin_path), "%s", dir);
	snprintf(e->settings.cni_cache_dir, sizeof(e->settings.cni_cache_dir), "%s/cache", e->dir);
}

START_TEST(test_cni_del_of_a_gone_container_never_enters_a_reused_pid)
{
	ENV_SETUP(e);
	struct lxcri_error err = {};
	char log[PATH_MAX], netns[64];
	_cleanup_free_ char *text = NULL;
	size_t size;
	pid_t other;

	recorder_network(&e, log);
	other = other_process(NULL, NULL);
	snprintf(netns, sizeof(netns), "/proc/%d/ns/net", (int)other);
	struct json_object *data = json_object_new_object();
	json_set(data, "net", json_object_new_int(2));
	json_set(data, "name", json_object_new_string("eth2"));
	json_set(data, "network", json_object_new_string("recnet"));
	json_set(data, "source", json_object_new_string("recnet.conflist"));
	json_set(data, "netns", json_object_new_string(netns));
	json_set(data, "pid", json_object_new_int(other));
	json_set(data, "conflist",
		 json_object_new_string("{\"cniVersion\": \"1.0.0\", \"name\": \"recnet\", "
					"\"plugins\": [{\"type\": \"recorder\"}]}"));
	ck_assert_int_eq(state_item_add(e.s, "net.cni", "start-host", data, NULL), 0);
	state_item_set_applied(e.s, 0);

	e.ns.ctns = NULL;
	size_t left = netsetup_teardown(&e.ns, e.s, NULL, &err);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	ck_assert_msg(left == 0, "%s", err.message);
	ck_assert_int_ge(fileio_read_file(log, 65536, &text, &size), 0);
	ck_assert_str_eq(text, "DEL [] \n");
	ck_assert_uint_eq(e.s->n_items, 0);
	env_done(&e);
}
END_TEST

/*
 * ADD and DEL run in the container's namespace while one is at hand (a
 * path to our own fd of it), and only if it is the one ADD ran in.
 */
START_TEST(test_cni_add_and_del_in_the_recorded_namespace_only)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("net2: name=eth2,cni=recnet\n");
	_cleanup_(ctns_close) struct ctns other_ns = CTNS_NONE;
	struct lxcri_error err = {};
	char log[PATH_MAX], expected[256];
	_cleanup_free_ char *text = NULL;
	struct json_object *v;
	struct stat st;
	size_t size;

	recorder_network(&e, log);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	ck_assert(json_object_object_get_ex(e.s->items[0].data, "netns_id", &v));
	ck_assert(!json_object_object_get_ex(e.s->items[0].data, "netns", &v));
	ck_assert(!json_object_object_get_ex(e.s->items[0].data, "pid", &v));
	_cleanup_state_ struct state *copy = saved_state(&e);

	/* Another process's namespaces at hand: not the one recorded, DEL without one. */
	other_ns = other_namespaces(NULL);
	struct netsetup elsewhere = e.ns;
	elsewhere.ctns = &other_ns;
	ck_assert_uint_eq(netsetup_teardown(&elsewhere, copy, NULL, &err), 0);

	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	ck_assert_int_eq(fstat(e.ctns.net, &st), 0);
	snprintf(expected, sizeof(expected),
		 "ADD [/proc/%d/fd/%d] %llu\nDEL [] \nDEL [/proc/%d/fd/%d] %llu\n", (int)getpid(),
		 e.ctns.net, (unsigned long long)st.st_ino, (int)getpid(), e.ctns.net,
		 (unsigned long long)st.st_ino);
	ck_assert_int_ge(fileio_read_file(log, 65536, &text, &size), 0);
	ck_assert_str_eq(text, expected);
	env_done(&e);
}
END_TEST

/*
 * A rootfs that is no plain host directory: /etc/resolv.conf is written and
 * restored through the container's mount namespace, and only through the
 * one it was written in.
 */
START_TEST(test_dns_through_the_mount_namespace)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("dns: nameserver=10.9.0.1\n");
	_cleanup_(ctns_close) struct ctns other_ns = CTNS_NONE;
	struct lxcri_error err = {};
	char path[PATH_MAX], elsewhere_root[PATH_MAX], elsewhere_file[PATH_MAX + 32];
	_cleanup_free_ char *text = NULL;
	struct json_object *v;
	struct stat st;
	size_t size;

	snprintf(path, sizeof(path), "%s/etc", e.rootfs);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", e.rootfs);
	test_write_file(path, "nameserver 192.0.2.1\n");
	ck_assert_int_eq(chmod(path, 0640), 0);
	e.ns.rootfs = NULL;
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	ck_assert_int_ge(fileio_read_file(path, 65536, &text, &size), 0);
	ck_assert_ptr_nonnull(strstr(text, "nameserver 10.9.0.1\n"));
	free(TAKE_PTR(text));
	ck_assert(json_object_object_get_ex(e.s->items[0].data, "mntns_id", &v));
	ck_assert(!json_object_object_get_ex(e.s->items[0].data, "rootfs", &v));

	/* Another mount namespace at hand: not the one recorded, nothing written there. */
	snprintf(elsewhere_root, sizeof(elsewhere_root), "%s/elsewhere", e.dir);
	ck_assert_int_eq(mkdir(elsewhere_root, 0755), 0);
	snprintf(elsewhere_file, sizeof(elsewhere_file), "%s/etc", elsewhere_root);
	ck_assert_int_eq(mkdir(elsewhere_file, 0755), 0);
	other_ns = other_namespaces(elsewhere_root);
	_cleanup_state_ struct state *copy = saved_state(&e);
	struct netsetup elsewhere = e.ns;
	elsewhere.ctns = &other_ns;
	ck_assert_uint_eq(netsetup_teardown(&elsewhere, copy, NULL, &err), 0);
	snprintf(elsewhere_file, sizeof(elsewhere_file), "%s/etc/resolv.conf", elsewhere_root);
	ck_assert_int_eq(access(elsewhere_file, F_OK), -1);
	ck_assert_int_ge(fileio_read_file(path, 65536, &text, &size), 0);
	ck_assert_ptr_nonnull(strstr(text, "nameserver 10.9.0.1\n"));
	free(TAKE_PTR(text));
	/* That teardown took the backup away (kept in .stale): put a new one for ours. */
	ck_assert_int_eq(unlink(path), 0);
	test_write_file(path, "nameserver 192.0.2.1\n");
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_uint_eq(e.s->n_items, 1);
	state_item_remove(e.s, 0);
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);

	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	ck_assert_int_ge(fileio_read_file(path, 65536, &text, &size), 0);
	ck_assert_str_eq(text, "nameserver 192.0.2.1\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_uint_eq(e.s->n_items, 0);
	env_done(&e);
}
END_TEST

/*
 * Container ids 44257 and 59801 hash to the same host end name,
 * "lxaaf1a6e6n1". With 59801's net1 up, 44257's net1 is set up and torn
 * down (at stop, or as the undo of a failed start): 59801's link stays.
 */
START_TEST(test_colliding_host_name_of_another_container_is_never_deleted)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("net1: name=eth1,bridge=br0\n");
	struct lxcri_error err = {};
	const char *taken = "lxaaf1a6e6n1";

	add_link(e.host, "br0", true, 0);
	add_link(e.host, taken, false, 0);
	int other = get_link(e.host, taken).ifindex;

	e.ns.id = "44257";
	int r = netsetup_apply(&e.ns, c, e.s, &err);
	(void)netsetup_teardown(&e.ns, e.s, NULL, &err);
	ck_assert_int_eq(netlink_link_exists(e.host, taken), 1);
	ck_assert_int_eq(get_link(e.host, taken).ifindex, other);
	ck_assert_msg(r == 0, "the second container was refused: %s", err.message);

	/* It got the next name, recorded, and its own link went at teardown. */
	char next[IFNAMSIZ];
	struct json_object *v;
	ck_assert_msg(netsetup_apply(&e.ns, c, e.s, &err) == 0, "%s", err.message);
	ck_assert_int_eq(netlink_host_ifname("44257", 1, 1, next), 0);
	ck_assert(json_object_object_get_ex(e.s->items[0].data, "host", &v));
	ck_assert_str_eq(json_object_get_string(v), next);
	ck_assert_str_eq(get_link(e.host, next).alias, "lxcri 44257 net1");
	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	ck_assert_int_eq(netlink_link_exists(e.host, next), 0);
	ck_assert_int_eq(get_link(e.host, taken).ifindex, other);
	env_done(&e);
}
END_TEST

/*
 * Every name 44257's net1 could use belongs to 59801 (its alias says so):
 * the start is refused before anything is made, naming the owner, and none
 * of 59801's links goes.
 */
START_TEST(test_all_host_names_taken_refused_naming_the_owner)
{
	ENV_SETUP(e);
	_cleanup_config_ struct config *c = parse("net1: name=eth1,bridge=br0\n");
	struct lxcri_error err = {};
	char name[IFNAMSIZ], peer[IFNAMSIZ];

	add_link(e.host, "br0", true, 0);
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		ck_assert_int_eq(netlink_host_ifname("44257", 1, attempt, name), 0);
		snprintf(peer, sizeof(peer), "other%u", attempt);
		struct netlink_veth_spec spec = { .host_ifname = name,
						  .peer_ifname = peer,
						  .peer_netns_fd = -1,
						  .host_alias = "lxcri 59801 net1" };
		ck_assert_msg(netlink_veth_create(e.host, &spec, &err) == 0, "%s", err.message);
	}
	e.ns.id = "44257";
	ck_assert_int_eq(netsetup_apply(&e.ns, c, e.s, &err), -EEXIST);
	ck_assert_str_eq(err.message, "net1: Host interface 'lxaaf1a6e6n1' already belongs to "
				      "container '59801', and the 7 other names for net1 are taken "
				      "too");
	ck_assert_uint_eq(e.s->n_items, 0);
	ck_assert_int_eq(netlink_link_exists(e.ct, "eth1"), 0);
	ck_assert_uint_eq(netsetup_teardown(&e.ns, e.s, NULL, &err), 0);
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		ck_assert_int_eq(netlink_host_ifname("44257", 1, attempt, name), 0);
		ck_assert_str_eq(get_link(e.host, name).alias, "lxcri 59801 net1");
	}
	env_done(&e);
}
END_TEST

static Suite *netsetup_suite(void)
{
	Suite *s = suite_create("netsetup");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bridge_net_applied_and_torn_down);
	tcase_add_test(tc, test_addresses_and_routes_inside);
	tcase_add_test(tc, test_refusals_before_anything_exists);
	tcase_add_test(tc, test_failure_midway_leaves_items_for_teardown);
	tcase_add_test(tc, test_teardown_leaves_a_foreign_link_alone);
	tcase_add_test(tc, test_pending_item_of_a_crash_is_undone);
	tcase_add_test(tc, test_one_net_live_and_removed_by_name);
	tcase_add_test(tc, test_failed_live_add_is_undone);
	tcase_add_test(tc, test_dns_written_inside_and_restored);
	tcase_add_test(tc, test_status_of_nets);
	tcase_add_test(tc, test_dns_of_a_gone_container_never_reaches_a_reused_pid);
	tcase_add_test(tc, test_cni_del_of_a_gone_container_never_enters_a_reused_pid);
	tcase_add_test(tc, test_cni_add_and_del_in_the_recorded_namespace_only);
	tcase_add_test(tc, test_dns_through_the_mount_namespace);
	tcase_add_test(tc, test_colliding_host_name_of_another_container_is_never_deleted);
	tcase_add_test(tc, test_all_host_names_taken_refused_naming_the_owner);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(netsetup_suite)
