/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/socket.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "nettest.h"
#include "testutil.h"

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/basic/fileio.h"
#include "lib/basic/report.h"
#include "lib/netlink/netlink.h"
#include "lib/port/localnet.h"
#include "lib/port/portfwd.h"
#include "lib/port/portsetup.h"
#include "lib/port/portwait.h"
#include "lib/shared/json.h"
#include "lib/shared/state.h"

/*
 * Every test runs in its own forked process (CK_FORK) and first moves it
 * into a fresh network namespace (the "host"), with a bridge br0
 * (10.0.0.1/24, fd00::1/64) and a child process in a namespace of its own
 * (the "container", as LXC_PID would be) behind the veth veth101 / eth0 on
 * br0. The nftables table (TABLE), route_localnet, the localnet guard and
 * hairpin mode are all those namespaces', which die with the process: the
 * host's ruleset and interfaces are never touched. The configs, the state
 * and the route_localnet records go to a temporary directory.
 */
#define TABLE "lxtest"

struct ct {
	const char *id;
	pid_t pid;
	int netns;
	struct nl_sock *sk; /* in the container's netns */
	char state_dir[PATH_MAX];
	struct state *s;
	struct portsetup ps;
};

struct env {
	char *dir;
	struct lxcri_paths paths;
	char localnet_dir[PATH_MAX];
	struct settings settings;
	struct nl_sock *host;
	struct ct ct, other; /* "101"; "102" when a test adds it */
};

/* What portsetup reported (report()), one line each. */
static char reports[16384];

static void capture_report(int priority, const char *message)
{
	size_t len = strlen(reports);

	(void)priority;
	snprintf(reports + len, sizeof(reports) - len, "%s\n", message);
}

/* An address with scope global whatever it is (netlink_address_add() gives 127/8 scope host). */
static void add_address_global(struct nl_sock *sk, const char *ifname, const char *prefix)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	struct netlink_link_info info;
	struct lxcri_error err = {};

	ck_assert_ptr_nonnull(a);
	ck_assert_msg(netlink_link_get(sk, ifname, &info, &err) == 0, "%s", err.message);
	ck_assert_int_eq(nl_addr_parse(prefix, AF_INET, &local), 0);
	rtnl_addr_set_ifindex(a, info.ifindex);
	ck_assert_int_eq(rtnl_addr_set_local(a, local), 0);
	rtnl_addr_set_scope(a, RT_SCOPE_UNIVERSE);
	ck_assert_int_eq(rtnl_addr_add(sk, a, 0), 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
}

static void add_bridge(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();

	ck_assert_ptr_nonnull(l);
	rtnl_link_set_name(l, name);
	ck_assert_int_eq(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL), 0);
	rtnl_link_put(l);
	test_link_up(sk, name);
}

/* A veth host_ifname (on bridge, if not NULL) / peer_ifname inside the container c. */
static void add_veth(struct env *e, struct ct *c, const char *host_ifname, const char *peer_ifname,
		     const char *bridge)
{
	struct netlink_veth_spec spec = { .host_ifname = host_ifname,
					  .peer_ifname = peer_ifname,
					  .peer_netns_fd = c->netns,
					  .bridge = bridge };
	struct lxcri_error err = {};

	ck_assert_msg(netlink_veth_create(e->host, &spec, &err) == 0, "%s", err.message);
	test_link_up(e->host, host_ifname);
	test_link_up(c->sk, peer_ifname);
}

static void default_route(struct ct *c, const char *via)
{
	struct netlink_route def = {
		.is_default = true,
		.dst.addr.family = AF_INET,
		.has_via = true,
		.via = test_address(via),
	};
	struct lxcri_error err = {};

	snprintf(def.dev, sizeof(def.dev), "eth0");
	ck_assert_msg(netlink_route_add(c->sk, &def, &err) == 0, "%s", err.message);
}

/* A container id with its process, netns, state (phase running, saved) and portsetup. */
static void ct_init(struct env *e, struct ct *c, const char *id)
{
	struct lxcri_error err = {};
	char path[64];

	c->id = id;
	c->pid = test_child(test_enter_own_netns, NULL);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->pid);
	c->netns = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(c->netns, 0);
	ck_assert_msg(netlink_open_in_netns_fd(c->netns, &c->sk, &err) == 0, "%s", err.message);
	test_link_up(c->sk, "lo");
	snprintf(c->state_dir, sizeof(c->state_dir), "%s/run/%s", e->dir, id);
	ck_assert_int_eq(mkdir(c->state_dir, 0700), 0);
	ck_assert_int_eq(state_new(id, &c->s), 0);
	ck_assert_int_eq(state_set_phase(c->s, "running", "start-host"), 0);
	ck_assert_msg(state_save(c->state_dir, c->s, &err) == 0, "%s", err.message);
	c->ps = (struct portsetup){
		.id = id,
		.pid = c->pid,
		.state_dir = c->state_dir,
		.settings = &e->settings,
		.paths = &e->paths,
	};
}

static void ct_done(struct ct *c)
{
	if (!c->id)
		return;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->netns);
	nl_socket_free(c->sk);
	state_free(c->s);
}

/*
 * The host, br0 and container "101" behind veth101 / eth0 (up, no address
 * yet: see ct_standard()). pve: the roots are a PVE node's (pve/lxc exists).
 */
static bool env_setup(struct env *e, const char *test, bool pve)
{
	char path[PATH_MAX];

	if (geteuid() != 0) {
		test_skip(test, "needs root for network namespaces");
		return false;
	}
	reports[0] = '\0';
	report_set_sink(capture_report);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->dir = test_tmpdir();
	ck_assert_int_eq(paths_init(&e->paths), 0);
	test_paths_under(&e->paths, e->dir);
	for (const char *const *d = (const char *const[]){ "etc", "etc/containers", "run", "lxc",
							   "lxc/101", "pve", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", e->dir, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	if (pve) {
		snprintf(path, sizeof(path), "%s/pve/lxc", e->dir);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		ck_assert(paths_pve_mode(&e->paths));
	}
	snprintf(e->localnet_dir, sizeof(e->localnet_dir), "%s/run/.localnet", e->dir);
	settings_init(&e->settings);
	snprintf(e->settings.port_table, sizeof(e->settings.port_table), TABLE);

	ck_assert_int_eq(netlink_open(&e->host), 0);
	test_link_up(e->host, "lo");
	add_bridge(e->host, "br0");
	test_add_address(e->host, "br0", "10.0.0.1/24");
	test_add_address(e->host, "br0", "fd00::1/64");
	ct_init(e, &e->ct, "101");
	add_veth(e, &e->ct, "veth101", "eth0", "br0");
	return true;
}

static void env_done(struct env *e)
{
	report_set_sink(NULL);
	ct_done(&e->ct);
	ct_done(&e->other);
	nl_socket_free(e->host);
	test_rm_rf(e->dir);
	free(e->dir);
}

#define ENV_SETUP(e, pve)                                                                          \
	struct env e = {};                                                                         \
	if (!env_setup(&e, __func__, pve))                                                         \
	return

/* The usual container: 10.0.0.2/24 on eth0, its default route through the bridge. */
static void ct_standard(struct ct *c)
{
	test_add_address(c->sk, "eth0", "10.0.0.2/24");
	default_route(c, "10.0.0.1");
}

static struct config *parse(const char *text)
{
	struct config *c = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(config_parse("101.conf", text, strlen(text), &c, &err) == 0, "%s",
		      err.message);
	return c;
}

static void apply_ok(struct ct *c, const struct config *config)
{
	struct lxcri_error err = {};
	int r = portsetup_apply(&c->ps, config, c->s, &err);

	ck_assert_msg(r == 0, "portsetup_apply: %d %s", r, err.message);
}

/* The elements of TABLE (all owners), as portfwd_list() has them. */
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

/* Whether owner has an element for host port of proto, to target:ct_port. */
static bool has_element(const char *owner, int proto, uint16_t host, const char *target,
			uint16_t ct_port)
{
	_cleanup_free_ struct portfwd_entry *e = NULL;
	size_t n = elements(&e);
	struct ip_address want = test_address(target);

	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].owner, owner) == 0 && e[i].fwd.proto == proto &&
		    e[i].fwd.host_first == host && ip_address_equal(&e[i].fwd.target, &want) &&
		    e[i].fwd.ct_first == ct_port)
			return true;
	return false;
}

/* `nft list ruleset` of this netns, as text (freed by the caller). */
static char *ruleset(void)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	char *out;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(nft_ctx_buffer_output(n), 0);
	ck_assert_int_eq(nft_ctx_buffer_error(n), 0);
	ck_assert_int_eq(nft_run_cmd_from_buffer(n, "list ruleset"), 0);
	out = strdup(nft_ctx_get_output_buffer(n));
	nft_ctx_free(n);
	ck_assert_ptr_nonnull(out);
	return out;
}

/* a and b (rulesets) are the same; else the first difference, with some context. */
static void assert_same_ruleset(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	ck_assert_msg(a[i] == b[i], "rulesets differ at %zu: before '%.200s', after '%.200s'", i,
		      a + (i > 100 ? i - 100 : 0), b + (i > 100 ? i - 100 : 0));
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

static bool in_localnet_set(const char *ifname)
{
	char *out = ruleset(), want[64];
	const char *set = strstr(out, "set localnet");
	bool found;

	snprintf(want, sizeof(want), "\"%s\"", ifname);
	found = set && strstr(set, want) && strstr(set, want) < strstr(set, "}");
	free(out);
	return found;
}

/* Another owner's forward added straight to the table, as a running container has it. */
static void add_foreign(const char *owner, int proto, uint16_t host, const char *target)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct portfwd f = { .family = AF_INET,
			     .proto = proto,
			     .host_first = host,
			     .host_last = host,
			     .ct_first = 80,
			     .target = test_address(target),
			     .subnet = test_prefix("10.0.0.0/24") };
	struct lxcri_error err = {};

	ck_assert_msg(portfwd_open(TABLE, &ctx, &err) == 0, "%s", err.message);
	ck_assert_msg(portfwd_add(ctx, owner, &f, 1, &err) == 0, "%s", err.message);
}

/* The state as saved on disk: what a crash would leave. */
static struct state *saved(const struct ct *c)
{
	struct state *s = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(state_load(c->state_dir, &s, &err) == 0, "%s", err.message);
	return s;
}

static size_t saved_items(const struct ct *c)
{
	struct state *s = saved(c);
	size_t n = s->n_items;

	state_free(s);
	return n;
}

static const char *item_string(const struct state_item *item, const char *key)
{
	struct json_object *v;

	if (!item->data || !json_object_object_get_ex(item->data, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static bool hairpin(const char *ifname)
{
	const char *out = test_run_output(
	    (const char *const[]){ "/usr/sbin/bridge", "-d", "link", "show", "dev", ifname, NULL });

	ck_assert_msg(out, "bridge link show dev %s failed", ifname);
	return strstr(out, "hairpin on") != NULL;
}

static bool guard_on(struct env *e, const char *ifname)
{
	struct lxcri_error err = {};
	int r = netlink_localnet_guard_present(e->host, ifname, &err);

	ck_assert_msg(r >= 0, "%s", err.message);
	return r == 1;
}

static bool localnet_owner(const struct env *e, const char *ifname, const char *owner)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", e->localnet_dir, ifname, owner);
	return access(path, F_OK) == 0;
}

static bool localnet_record(const struct env *e, const char *ifname)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", e->localnet_dir, ifname);
	return access(path, F_OK) == 0;
}

#define TWO_PORTS                                                                                  \
	"port0: proto=tcp,host=8080,ct=80\n"                                                       \
	"port1: proto=udp,host=5000-5002,ct=6000-6002\n"

/*
 * Every port of the config goes into the table for its owner, to the
 * container's address on its default route's interface; the items are
 * saved applied, route_localnet is on the bridge with its guard, the
 * veth's bridge port is in hairpin mode, and the log says what went where.
 */
START_TEST(test_apply_forwards_every_port)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse(TWO_PORTS);
	_cleanup_state_ struct state *s = NULL;

	ct_standard(&e.ct);
	ck_assert(!hairpin("veth101"));
	apply_ok(&e.ct, c);

	ck_assert_uint_eq(elements_of("101"), 4);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	for (uint16_t i = 0; i < 3; i++)
		ck_assert(has_element("101", IPPROTO_UDP, 5000 + i, "10.0.0.2", 6000 + i));

	s = saved(&e.ct);
	ck_assert_uint_eq(s->n_items, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(s->items[i].kind, "port.fwd");
		ck_assert_int_eq(s->items[i].status, STATE_ITEM_APPLIED);
		ck_assert_str_eq(s->items[i].hook, "start-host");
		ck_assert_str_eq(item_string(&s->items[i], "table"), TABLE);
		ck_assert_str_eq(item_string(&s->items[i], "target"), "10.0.0.2");
		ck_assert_str_eq(item_string(&s->items[i], "subnet"), "10.0.0.0/24");
		ck_assert_str_eq(item_string(&s->items[i], "localnet_if"), "br0");
	}
	ck_assert_str_eq(item_string(&s->items[0], "port"), "0");
	ck_assert_str_eq(item_string(&s->items[1], "port"), "1");
	ck_assert_str_eq(item_string(&s->items[1], "proto"), "udp");

	ck_assert_int_eq(localnet_sysctl_get("br0"), 1);
	ck_assert(guard_on(&e, "br0"));
	ck_assert(localnet_owner(&e, "br0", "101"));
	ck_assert(in_localnet_set("br0"));
	ck_assert(hairpin("veth101"));
	ck_assert_msg(strstr(reports, "port0: tcp 8080 -> 10.0.0.2:80\n"), "%s", reports);
	ck_assert_msg(strstr(reports, "port1: udp 5000-5002 -> 10.0.0.2:6000-6002\n"), "%s",
		      reports);
	env_done(&e);
}
END_TEST

/* A stop: every forward, item, route_localnet and guard of the container goes. */
START_TEST(test_teardown_undoes_everything)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse(TWO_PORTS);
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	add_foreign("102", IPPROTO_TCP, 9090, "10.0.0.3");
	apply_ok(&e.ct, c);
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);

	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_uint_eq(elements_of("102"), 1);
	ck_assert_uint_eq(e.ct.s->n_items, 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	ck_assert(!localnet_record(&e, "br0"));
	ck_assert(!in_localnet_set("br0"));
	ck_assert_msg(strstr(reports, "port0: removed tcp 8080 -> 10.0.0.2:80\n"), "%s", reports);
	ck_assert_msg(strstr(reports, "port1: removed udp 5000-5002 -> 10.0.0.2:6000-6002\n"), "%s",
		      reports);
	/* Again: nothing is left to do, and nothing fails. */
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);
	env_done(&e);
}
END_TEST

/*
 * A host port another container forwards: refused naming it, and nothing of
 * the config is applied (its free port neither): the ruleset, the state and
 * route_localnet are exactly as before.
 */
START_TEST(test_port_held_by_other_container)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8081,ct=81\n"
						  "port1: proto=tcp,host=8080,ct=80\n");
	_cleanup_free_ char *before = NULL, *after = NULL;
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	add_foreign("102", IPPROTO_TCP, 8080, "10.0.0.3");
	before = ruleset();
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -EADDRINUSE);
	ck_assert_str_eq(err.message,
			 "Host port 'tcp 8080' is already forwarded to container '102'");

	after = ruleset();
	assert_same_ruleset(before, after);
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_uint_eq(e.ct.s->n_items, 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	ck_assert(!localnet_record(&e, "br0"));
	env_done(&e);
}
END_TEST

/* A host process listening on the port: refused naming it; not even the table is made. */
START_TEST(test_port_bound_by_host_process)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8080) };
	struct lxcri_error err = {};
	char comm[64] = "", want[256];
	FILE *f;
	int fd, one = 1;

	ct_standard(&e.ct);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	f = fopen("/proc/self/comm", "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -EADDRINUSE);
	snprintf(want, sizeof(want), "Host port 'tcp 8080' is in use by '%s' (pid %d)", comm,
		 (int)getpid());
	ck_assert_str_eq(err.message, want);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	close(fd);
	env_done(&e);
}
END_TEST

/*
 * route_localnet cannot be guarded (an admin's filter holds the guard's
 * priority on the bridge): the forwards, already in the table, are taken
 * out again. The ruleset is exactly as before, @localnet too, and the
 * state has nothing.
 */
START_TEST(test_localnet_failure_rolls_back)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_free_ char *before = NULL, *after = NULL;
	struct lxcri_error err = {};
	int r;

	ct_standard(&e.ct);
	add_foreign("102", IPPROTO_TCP, 9090, "10.0.0.3");
	ck_assert_ptr_nonnull(TEST_TC("qdisc", "add", "dev", "br0", "clsact"));
	ck_assert_ptr_nonnull(TEST_TC_ADMIN_FILTER("br0", "ingress", "1"));
	before = ruleset();

	r = portsetup_apply(&e.ct.ps, c, e.ct.s, &err);
	ck_assert_int_eq(r, -EEXIST);
	ck_assert_str_eq(err.message,
			 "port0: Failed to add the localnet guard to 'br0': priority 1 "
			 "of its ingress holds another filter ('u32')");

	after = ruleset();
	assert_same_ruleset(before, after);
	ck_assert(!in_localnet_set("br0"));
	ck_assert_uint_eq(e.ct.s->n_items, 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!localnet_record(&e, "br0"));
	/* The admin's filter is still there. */
	ck_assert_ptr_nonnull(
	    strstr(TEST_TC("filter", "show", "dev", "br0", "ingress"), "match 0a090909/ffffffff"));
	env_done(&e);
}
END_TEST

/* The state cannot be written ahead: nothing is applied, not even the table. */
START_TEST(test_state_unwritable_applies_nothing)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	struct lxcri_error err = {};
	char gone[PATH_MAX], want[PATH_MAX + 64];

	ct_standard(&e.ct);
	snprintf(gone, sizeof(gone), "%s/run/gone", e.dir);
	e.ct.ps.state_dir = gone;
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -ENOENT);
	snprintf(want, sizeof(want),
		 "Failed to write '%s/" STATE_FILE "': No such file or directory", gone);
	ck_assert_str_eq(err.message, want);
	ck_assert_uint_eq(e.ct.s->n_items, 0);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	env_done(&e);
}
END_TEST

/* An id that is no container's (a path, a quote for nft) is refused before anything. */
START_TEST(test_invalid_container_id)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	static const char *const bad[] = { "../101", "1\"01", "" };

	ct_standard(&e.ct);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct lxcri_error err = {};
		char want[128];

		e.ct.ps.id = bad[i];
		ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -EINVAL);
		snprintf(want, sizeof(want), "Invalid paths for container '%s'", bad[i]);
		ck_assert_str_eq(err.message, want);
	}
	ck_assert_uint_eq(e.ct.s->n_items, 0);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	env_done(&e);
}
END_TEST

/* Without a default route the port must name its interface; net= does. */
START_TEST(test_no_default_route_needs_net)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_config_ struct config *named =
	    parse("port3: proto=tcp,host=8080,ct=80,net=eth0\n");
	struct lxcri_error err = {};

	test_add_address(e.ct.sk, "eth0", "10.0.0.2/24");
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -ENETUNREACH);
	ck_assert_str_eq(err.message,
			 "port0: The container has no default route: name its interface with net=");
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);

	apply_ok(&e.ct, named);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	ck_assert_str_eq(item_string(&e.ct.s->items[0], "port"), "3");
	env_done(&e);
}
END_TEST

/* net= naming an interface the container does not have: refused naming port and interface. */
START_TEST(test_net_names_missing_interface)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n"
						  "port1: proto=tcp,host=8081,ct=80,net=eth9\n");
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -ENODEV);
	ck_assert_str_eq(err.message, "port1: Interface 'eth9' does not exist");
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	env_done(&e);
}
END_TEST

/*
 * Addresses the container chose alone are refused as targets, each naming
 * the port, the address and why: the host's own address, one outside the
 * bridge's subnet, a loopback address with scope global. Nothing is applied.
 */
START_TEST(test_container_chosen_address_refused)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80,net=eth0\n"
						  "port1: proto=tcp,host=8081,ct=80,net=eth1\n"
						  "port2: proto=tcp,host=8082,ct=80,net=eth2\n");
	static const char *const want[] = {
		"port0: the address '10.0.0.1' that the container has on 'eth0' cannot be a "
		"forward's target: it is an address of the host; no config gives 'eth0' an IPv4 "
		"address",
		"port1: the address '192.168.7.2' that the container has on 'eth1' cannot be a "
		"forward's target: it is not inside a subnet of 'br0', the host side of its link "
		"(10.0.0.1/24); no config gives 'eth1' an IPv4 address",
		"port2: the address '127.0.0.5' that the container has on 'eth2' cannot be a "
		"forward's target: it is a loopback address; no config gives 'eth2' an IPv4 "
		"address",
	};

	add_veth(&e, &e.ct, "veth101b", "eth1", "br0");
	add_veth(&e, &e.ct, "veth101c", "eth2", "br0");
	test_add_address(e.ct.sk, "eth0", "10.0.0.1/24");
	test_add_address(e.ct.sk, "eth1", "192.168.7.2/24");
	add_address_global(e.ct.sk, "eth2", "127.0.0.5/8");
	for (size_t i = 0; i < 3; i++) {
		struct portfwd *fwds = NULL;
		struct lxcri_error err = {};
		size_t n = 99;

		ck_assert_int_eq(
		    portsetup_resolve(&e.ct.ps, c, &c->port.ports[i], 1, &fwds, &n, &err), -EPERM);
		ck_assert_str_eq(err.message, want[i]);
		ck_assert_ptr_null(fwds);
		ck_assert_uint_eq(n, 99);
	}
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &(struct lxcri_error){}), -EPERM);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	ck_assert(!hairpin("veth101"));
	env_done(&e);
}
END_TEST

/* The forwards of one port, resolved: 0 and *ret, or the error. */
static int resolve_one(struct ct *c, const struct config *config, size_t port, struct portfwd **ret,
		       size_t *ret_n, struct lxcri_error *err)
{
	return portsetup_resolve(&c->ps, config, &config->port.ports[port], 1, ret, ret_n, err);
}

static void assert_target(const struct portfwd *f, const char *target, const char *subnet)
{
	char text[IP_PREFIX_STRLEN];

	ck_assert_int_eq(ip_address_to_string(&f->target, text, sizeof(text)), 0);
	ck_assert_str_eq(text, target);
	ck_assert_int_eq(ip_prefix_to_string(&f->subnet, text, sizeof(text)), 0);
	ck_assert_str_eq(text, subnet);
}

/*
 * Where a forward goes: the address the lxcri config gives the interface
 * beats the container's own, the LXC config's counts when ours gives none,
 * and an address the host has, given by a config, is refused naming that
 * config. A malformed address in the LXC config is refused naming its key.
 */
START_TEST(test_config_sources)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *ours =
	    parse("net0: name=eth0,bridge=br0,ip=10.0.0.7/24\nport0: proto=tcp,host=8080,ct=80\n");
	_cleanup_config_ struct config *plain = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_config_ struct config *host_own =
	    parse("net2: name=eth0,bridge=br0,ip=10.0.0.1/24\nport0: proto=tcp,host=8080,ct=80\n");
	struct portfwd *fwds = NULL;
	struct lxcri_error err = {};
	char lxc[PATH_MAX], want[PATH_MAX + 256];
	size_t n = 0;

	ct_standard(&e.ct);
	snprintf(lxc, sizeof(lxc), "%s/lxc/101/config", e.dir);
	test_write_file(lxc, "lxc.net.0.type = veth\nlxc.net.0.name = eth0\n"
			     "lxc.net.0.ipv4.address = 10.0.0.8/24\n");

	ck_assert_msg(resolve_one(&e.ct, ours, 0, &fwds, &n, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(n, 1);
	assert_target(&fwds[0], "10.0.0.7", "10.0.0.0/24");
	ck_assert_str_eq(fwds[0].localnet_if, "br0");
	ck_assert_uint_eq(fwds[0].host_first, 8080);
	ck_assert_uint_eq(fwds[0].ct_first, 80);
	free(fwds);
	/* Resolving puts the veth's bridge port in hairpin mode (portsetup.h). */
	ck_assert(hairpin("veth101"));

	ck_assert_msg(resolve_one(&e.ct, plain, 0, &fwds, &n, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(n, 1);
	assert_target(&fwds[0], "10.0.0.8", "10.0.0.0/24");
	free(fwds);

	fwds = NULL;
	ck_assert_int_eq(resolve_one(&e.ct, host_own, 0, &fwds, &n, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "port0: the address '10.0.0.1' that net2 of '%s/etc/containers/101.conf' gives "
		 "'eth0' cannot be a forward's target: it is an address of the host",
		 e.dir);
	ck_assert_str_eq(err.message, want);
	ck_assert_ptr_null(fwds);

	test_write_file(lxc, "lxc.net.0.type = veth\nlxc.net.0.name = eth0\n"
			     "lxc.net.0.ipv4.address = foo\n");
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, plain, e.ct.s, &err), -EINVAL);
	snprintf(want, sizeof(want), "'%s': lxc.net.0.ipv4.address is not an address: 'foo'", lxc);
	ck_assert_str_eq(err.message, want);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	env_done(&e);
}
END_TEST

/*
 * On a PVE node PVE's config of the vmid beats LXC's; its ip=dhcp takes the
 * address the container has, and without one the port waits (refused here,
 * no wait asked); a malformed ip= is refused naming file, line and value.
 */
START_TEST(test_pve_config_source)
{
	ENV_SETUP(e, true);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_config_ struct config *second =
	    parse("port4: proto=tcp,host=8080,ct=80,net=eth1\n");
	struct portfwd *fwds = NULL;
	struct lxcri_error err = {};
	char pve[PATH_MAX], lxc[PATH_MAX], want[PATH_MAX + 256];
	size_t n = 0;

	ct_standard(&e.ct);
	add_veth(&e, &e.ct, "veth101b", "eth1", "br0");
	snprintf(pve, sizeof(pve), "%s/pve/lxc/101.conf", e.dir);
	snprintf(lxc, sizeof(lxc), "%s/lxc/101/config", e.dir);
	test_write_file(lxc, "lxc.net.0.type = veth\nlxc.net.0.name = eth0\n"
			     "lxc.net.0.ipv4.address = 10.0.0.8/24\n");
	test_write_file(pve, "arch: amd64\n"
			     "net0: name=eth0,bridge=br0,ip=10.0.0.9/24,type=veth\n"
			     "net1: name=eth1,bridge=br0,ip=dhcp,type=veth\n");
	ck_assert_msg(resolve_one(&e.ct, c, 0, &fwds, &n, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(n, 1);
	assert_target(&fwds[0], "10.0.0.9", "10.0.0.0/24");
	free(fwds);

	fwds = NULL;
	ck_assert_int_eq(resolve_one(&e.ct, second, 0, &fwds, &n, &err), -EADDRNOTAVAIL);
	snprintf(want, sizeof(want),
		 "port4: 'eth1' has no IPv4 address yet (net1 of '%s' gives it by ip=dhcp)", pve);
	ck_assert_str_eq(err.message, want);
	ck_assert_ptr_null(fwds);
	test_add_address(e.ct.sk, "eth1", "10.0.0.12/24");
	ck_assert_msg(resolve_one(&e.ct, second, 0, &fwds, &n, &err) == 0, "%s", err.message);
	assert_target(&fwds[0], "10.0.0.12", "10.0.0.0/24");
	free(fwds);

	test_write_file(pve, "arch: amd64\nnet0: name=eth0,bridge=br0,ip=10.0.0.300/24\n");
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: ip= of the net is not an IPv4 address: '10.0.0.300/24'",
		 pve);
	ck_assert_str_eq(err.message, want);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	env_done(&e);
}
END_TEST

/* An IPv6 address in the bridge's subnet: both families are forwarded, 127.0.0.1 IPv4 only. */
START_TEST(test_dual_stack)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_free_ struct portfwd_entry *list = NULL;
	_cleanup_state_ struct state *s = NULL;
	size_t n;

	ct_standard(&e.ct);
	test_add_address(e.ct.sk, "eth0", "fd00::2/64");
	apply_ok(&e.ct, c);
	n = elements(&list);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(list[0].fwd.family, AF_INET);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "fd00::2", 80));
	s = saved(&e.ct);
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_str_eq(item_string(&s->items[0], "family"), "ipv4");
	ck_assert_str_eq(item_string(&s->items[0], "localnet_if"), "br0");
	ck_assert_str_eq(item_string(&s->items[1], "family"), "ipv6");
	ck_assert_str_eq(item_string(&s->items[1], "target"), "fd00::2");
	ck_assert_str_eq(item_string(&s->items[1], "subnet"), "fd00::/64");
	ck_assert_str_eq(item_string(&s->items[1], "localnet_if"), "");
	ck_assert_msg(strstr(reports, "port0: tcp 8080 -> [fd00::2]:80\n"), "%s", reports);
	env_done(&e);
}
END_TEST

/* An IPv6 address outside the bridge's subnet drops IPv6 only, and says why. */
START_TEST(test_ipv6_refused_forwards_ipv4_only)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");

	ct_standard(&e.ct);
	test_add_address(e.ct.sk, "eth0", "fd09::2/64");
	apply_ok(&e.ct, c);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	ck_assert_uint_eq(saved_items(&e.ct), 1);
	ck_assert_msg(strstr(reports, "port0: forwarded to IPv4 only: port0: the address 'fd09::2' "
				      "that the container has on 'eth0' cannot be a forward's "
				      "target: it is not inside a subnet of 'br0'"),
		      "%s", reports);
	env_done(&e);
}
END_TEST

/*
 * hostip= forwards its own family only, into the hostip map, and needs no
 * route_localnet (127.0.0.1 is not that address).
 */
START_TEST(test_hostip_forwards_its_family_only)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c =
	    parse("port0: proto=tcp,host=8080,ct=80,hostip=10.0.0.1\n"
		  "port1: proto=tcp,host=8081,ct=81,hostip=fd00::1\n");
	_cleanup_free_ struct portfwd_entry *list = NULL;
	char text[INET6_ADDRSTRLEN];
	size_t n;

	ct_standard(&e.ct);
	test_add_address(e.ct.sk, "eth0", "fd00::2/64");
	apply_ok(&e.ct, c);
	n = elements(&list);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(list[0].fwd.family, AF_INET);
	ck_assert(list[0].fwd.has_hostip);
	ck_assert_int_eq(ip_address_to_string(&list[0].fwd.hostip, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "10.0.0.1");
	ck_assert_uint_eq(list[0].fwd.host_first, 8080);
	ck_assert_int_eq(list[1].fwd.family, AF_INET6);
	ck_assert(list[1].fwd.has_hostip);
	ck_assert_uint_eq(list[1].fwd.host_first, 8081);
	ck_assert_uint_eq(saved_items(&e.ct), 2);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!localnet_record(&e, "br0"));
	ck_assert(!in_localnet_set("br0"));
	env_done(&e);
}
END_TEST

/*
 * A port whose interface has no address yet, without a wait (`lxcri port
 * add`): the whole config is refused, its resolvable port not applied either.
 */
START_TEST(test_pending_address_refused_without_wait)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n"
						  "port1: proto=tcp,host=8081,ct=81,net=eth1\n");
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	add_veth(&e, &e.ct, "veth101b", "eth1", "br0");
	ck_assert_int_eq(portsetup_apply(&e.ct.ps, c, e.ct.s, &err), -EADDRNOTAVAIL);
	ck_assert_str_eq(
	    err.message,
	    "port1: Container interface 'eth1' has no IPv4 or IPv6 address to forward to");
	ck_assert_int_ne(nft("list table inet " TABLE), 0);
	ck_assert_uint_eq(e.ct.s->n_items, 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	env_done(&e);
}
END_TEST

/*
 * With a wait (start-host): the port without an address is recorded as
 * port.wait (waiting, on its interface), the others are applied.
 */
START_TEST(test_pending_address_waits)
{
	static const char text[] = "port0: proto=tcp,host=8080,ct=80\n"
				   "port1: proto=tcp,host=8081-8082,ct=81,net=eth1\n";
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse(text);
	_cleanup_state_ struct state *s = NULL;
	struct portwait_item w;
	struct lxcri_error err = {};
	char snapshot[PATH_MAX], lock_path[PATH_MAX];
	int lock;

	ct_standard(&e.ct);
	/* What the container started with, as lxcri-lifecycle leaves it for the waiter. */
	snprintf(snapshot, sizeof(snapshot), "%s/config", e.ct.state_dir);
	test_write_file(snapshot, text);
	add_veth(&e, &e.ct, "veth101b", "eth1", "br0");
	e.ct.ps.wait_ms = 60000;
	apply_ok(&e.ct, c);
	/* The container's lock, as a stop holds it: the waiter does not write meanwhile. */
	ck_assert_int_eq(paths_lock(&e.paths, "101", lock_path, sizeof(lock_path)), 0);
	lock = lock_file(lock_path, 30000, &err);
	ck_assert_msg(lock >= 0, "%s", err.message);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	s = saved(&e.ct);
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_str_eq(s->items[0].kind, "port.fwd");
	ck_assert_str_eq(s->items[1].kind, PORTWAIT_KIND);
	ck_assert_msg(portwait_item_from_json(s->items[1].data, &w, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(w.port, 1);
	ck_assert_uint_eq(w.host_first, 8081);
	ck_assert_uint_eq(w.host_last, 8082);
	ck_assert_str_eq(w.ifname, "eth1");
	ck_assert_msg(!w.failed, "%s", w.reason);
	ck_assert(w.until_ms > state_now_ms());
	ck_assert_msg(strstr(reports, "port1: waiting up to 60 s for an address on 'eth1'"), "%s",
		      reports);
	/* The stop: the wait goes with the forward, nothing is left. */
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_uint_eq(elements_of("101"), 0);
	close(lock);
	env_done(&e);
}
END_TEST

/*
 * `lxcri port add`: one port more beside those applied; one that fails
 * leaves the earlier ones (their items, elements and route_localnet) alone.
 */
START_TEST(test_apply_port_keeps_the_others)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n"
						  "port1: proto=udp,host=5353,ct=53\n"
						  "port2: proto=tcp,host=9090,ct=90\n");
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	add_foreign("102", IPPROTO_TCP, 9090, "10.0.0.3");
	ck_assert_msg(portsetup_apply_port(&e.ct.ps, c, &c->port.ports[0], e.ct.s, &err) == 0, "%s",
		      err.message);
	e.ct.ps.hook = "lxcri port";
	ck_assert_msg(portsetup_apply_port(&e.ct.ps, c, &c->port.ports[1], e.ct.s, &err) == 0, "%s",
		      err.message);
	ck_assert_int_eq(portsetup_apply_port(&e.ct.ps, c, &c->port.ports[2], e.ct.s, &err),
			 -EADDRINUSE);
	ck_assert_str_eq(err.message,
			 "Host port 'tcp 9090' is already forwarded to container '102'");

	ck_assert_uint_eq(elements_of("101"), 2);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	ck_assert(has_element("101", IPPROTO_UDP, 5353, "10.0.0.2", 53));
	s = saved(&e.ct);
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_str_eq(item_string(&s->items[0], "port"), "0");
	ck_assert_str_eq(s->items[0].hook, "start-host");
	ck_assert_str_eq(item_string(&s->items[1], "port"), "1");
	ck_assert_str_eq(s->items[1].hook, "lxcri port");
	ck_assert_int_eq(s->items[1].status, STATE_ITEM_APPLIED);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 1);
	ck_assert(guard_on(&e, "br0"));
	ck_assert(in_localnet_set("br0"));
	env_done(&e);
}
END_TEST

static char *state_text(const struct ct *c)
{
	char path[PATH_MAX], *text = NULL;

	snprintf(path, sizeof(path), "%s/" STATE_FILE, c->state_dir);
	ck_assert_int_ge(fileio_read_file(path, 0, &text, NULL), 0);
	return text;
}

/*
 * `lxcri port del`: the port of proto and a host port of its range goes,
 * the rest stays (route_localnet too, while a forward needs it); a port
 * that no item records changes nothing, not even the state file.
 */
START_TEST(test_teardown_one_port)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse(TWO_PORTS);
	_cleanup_free_ char *before = NULL, *after = NULL;
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	apply_ok(&e.ct, c);
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, IPPROTO_UDP, 5001, &err), 0);
	ck_assert_uint_eq(elements_of("101"), 1);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.0.0.2", 80));
	ck_assert_uint_eq(saved_items(&e.ct), 1);
	ck_assert_str_eq(item_string(&e.ct.s->items[0], "proto"), "tcp");
	ck_assert_int_eq(localnet_sysctl_get("br0"), 1);
	ck_assert(guard_on(&e, "br0"));
	ck_assert(in_localnet_set("br0"));

	before = state_text(&e.ct);
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, IPPROTO_TCP, 9999, &err), 0);
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, IPPROTO_UDP, 8080, &err), 0);
	after = state_text(&e.ct);
	ck_assert_str_eq(after, before);
	ck_assert_uint_eq(elements_of("101"), 1);

	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, IPPROTO_TCP, 8080, &err), 0);
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	env_done(&e);
}
END_TEST

/* The table deleted by hand (`nft flush ruleset`): the stop still clears the items and localnet. */
START_TEST(test_teardown_after_table_deleted)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse(TWO_PORTS);
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	apply_ok(&e.ct, c);
	ck_assert_int_eq(nft("delete table inet " TABLE), 0);
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	ck_assert(!localnet_record(&e, "br0"));
	ck_assert_uint_eq(elements_of("101"), 0);
	env_done(&e);
}
END_TEST

/* port-table changed while the container ran: its forwards go from the table they are in. */
START_TEST(test_teardown_uses_recorded_table)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	apply_ok(&e.ct, c);
	snprintf(e.settings.port_table, sizeof(e.settings.port_table), "lxother");
	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);
	ck_assert_uint_eq(elements_of("101"), 0);
	ck_assert_uint_eq(saved_items(&e.ct), 0);
	ck_assert_int_ne(nft("list table inet lxother"), 0);
	env_done(&e);
}
END_TEST

/*
 * An item that cannot be read back (a state edited by hand): it is kept and
 * counted, never dropped unseen, and said; the readable ones go.
 */
START_TEST(test_teardown_keeps_unreadable_item)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_state_ struct state *s = NULL;
	struct portfwd *fwds = NULL;
	struct lxcri_error err = {};
	size_t n = 7;

	ct_standard(&e.ct);
	apply_ok(&e.ct, c);
	ck_assert_int_eq(state_item_add(e.ct.s, "port.fwd", "start-host",
					json_tokener_parse("{\"family\": \"ipx\"}"), NULL),
			 0);
	ck_assert_int_eq(portsetup_recorded(e.ct.s, &fwds, &n, &err), -EINVAL);
	ck_assert_ptr_null(fwds);
	ck_assert_uint_eq(n, 7);

	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 1);
	ck_assert_uint_eq(elements_of("101"), 0);
	s = saved(&e.ct);
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(s->items[0].kind, "port.fwd");
	ck_assert_str_eq(item_string(&s->items[0], "family"), "ipx");
	ck_assert_msg(strstr(reports, "Cannot undo 'port.fwd': Invalid port forward"), "%s",
		      reports);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	env_done(&e);
}
END_TEST

/* Two containers on one bridge: route_localnet and its guard stay until the last one goes. */
START_TEST(test_localnet_shared_between_containers)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *a = parse("port0: proto=tcp,host=8080,ct=80\n");
	_cleanup_config_ struct config *b = parse("port0: proto=tcp,host=8081,ct=80\n");
	_cleanup_config_ struct config *taken = parse("port1: proto=tcp,host=8080,ct=80\n");
	struct lxcri_error err = {};

	ct_standard(&e.ct);
	ct_init(&e, &e.other, "102");
	add_veth(&e, &e.other, "veth102", "eth0", "br0");
	test_add_address(e.other.sk, "eth0", "10.0.0.3/24");
	default_route(&e.other, "10.0.0.1");

	apply_ok(&e.ct, a);
	apply_ok(&e.other, b);
	ck_assert_int_eq(portsetup_apply(&e.other.ps, taken, e.other.s, &err), -EADDRINUSE);
	ck_assert_str_eq(err.message,
			 "Host port 'tcp 8080' is already forwarded to container '101'");
	ck_assert(localnet_owner(&e, "br0", "101"));
	ck_assert(localnet_owner(&e, "br0", "102"));

	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 1);
	ck_assert(guard_on(&e, "br0"));
	ck_assert(in_localnet_set("br0"));
	ck_assert(!localnet_owner(&e, "br0", "101"));
	ck_assert(localnet_owner(&e, "br0", "102"));
	ck_assert_uint_eq(elements_of("102"), 1);

	ck_assert_uint_eq(portsetup_teardown(&e.other.ps, e.other.s, 0, 0, &err), 0);
	ck_assert_int_eq(localnet_sysctl_get("br0"), 0);
	ck_assert(!guard_on(&e, "br0"));
	ck_assert(!in_localnet_set("br0"));
	ck_assert(!localnet_record(&e, "br0"));
	env_done(&e);
}
END_TEST

static void enslave(struct nl_sock *sk, const char *master, const char *port)
{
	struct netlink_link_info m, p;
	struct lxcri_error err = {};

	ck_assert_msg(netlink_link_get(sk, master, &m, &err) == 0, "%s", err.message);
	ck_assert_msg(netlink_link_get(sk, port, &p, &err) == 0, "%s", err.message);
	ck_assert_int_eq(rtnl_link_enslave_ifindex(sk, m.ifindex, p.ifindex), 0);
	test_link_up(sk, port);
}

static bool listed(const char *family, const char *what)
{
	char *out = ruleset();
	char head[64];
	const char *table;
	bool found;

	snprintf(head, sizeof(head), "table %s " TABLE " {", family);
	table = strstr(out, head);
	found = table && strstr(table, what);
	free(out);
	return found;
}

/*
 * PVE's firewall bridge (firewall=1): the container's veth is on
 * fwbr101i1, joined to vmbr0 by fwln101i1 / fwpr101p1. The subnet is
 * vmbr0's, route_localnet goes on vmbr0, hairpin on fwpr (not on the veth),
 * and the bridge table maps fwpr and the container's MAC to vmbr0's; all of
 * it goes at the stop.
 */
START_TEST(test_firewall_bridge)
{
	ENV_SETUP(e, false);
	_cleanup_config_ struct config *c = parse("port0: proto=tcp,host=8080,ct=80,net=eth1\n");
	_cleanup_state_ struct state *s = NULL;
	struct netlink_veth_spec pair = { .host_ifname = "fwpr101p1",
					  .peer_ifname = "fwln101i1",
					  .peer_netns_fd = -1,
					  .bridge = "vmbr0" };
	struct netlink_link_info ct_if, vmbr;
	struct json_object *fwbr;
	struct lxcri_error err = {};
	char ct_mac[MAC_STRLEN], vmbr_mac[MAC_STRLEN], element[128];

	ct_standard(&e.ct);
	add_bridge(e.host, "vmbr0");
	test_add_address(e.host, "vmbr0", "10.1.0.1/24");
	add_bridge(e.host, "fwbr101i1");
	ck_assert_msg(netlink_veth_create(e.host, &pair, &err) == 0, "%s", err.message);
	test_link_up(e.host, "fwpr101p1");
	enslave(e.host, "fwbr101i1", "fwln101i1");
	add_veth(&e, &e.ct, "veth101i1", "eth1", "fwbr101i1");
	test_add_address(e.ct.sk, "eth1", "10.1.0.2/24");
	ck_assert_msg(netlink_link_get(e.ct.sk, "eth1", &ct_if, &err) == 0, "%s", err.message);
	ck_assert_msg(netlink_link_get(e.host, "vmbr0", &vmbr, &err) == 0, "%s", err.message);
	mac_to_string(ct_if.mac, ct_mac);
	mac_to_string(vmbr.mac, vmbr_mac);

	apply_ok(&e.ct, c);
	ck_assert(has_element("101", IPPROTO_TCP, 8080, "10.1.0.2", 80));
	s = saved(&e.ct);
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(item_string(&s->items[0], "subnet"), "10.1.0.0/24");
	ck_assert_str_eq(item_string(&s->items[0], "localnet_if"), "vmbr0");
	ck_assert(json_object_object_get_ex(s->items[0].data, "fwbr", &fwbr));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fwbr, "bridge")),
			 "fwbr101i1");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fwbr, "port")), "fwpr101p1");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fwbr, "mac")), ct_mac);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fwbr, "vmbr_mac")),
			 vmbr_mac);
	ck_assert(hairpin("fwpr101p1"));
	ck_assert(!hairpin("veth101i1"));
	snprintf(element, sizeof(element), "\"fwpr101p1\" . %s comment \"101\" : %s", ct_mac,
		 vmbr_mac);
	ck_assert_msg(listed("bridge", element), "%s missing", element);
	ck_assert(listed("inet", "\"fwbr101i1\" comment \"101\""));
	ck_assert_int_eq(localnet_sysctl_get("vmbr0"), 1);
	ck_assert(guard_on(&e, "vmbr0"));

	ck_assert_uint_eq(portsetup_teardown(&e.ct.ps, e.ct.s, 0, 0, &err), 0);
	ck_assert(!hairpin("fwpr101p1"));
	ck_assert(!listed("bridge", "fwpr101p1"));
	ck_assert(!listed("inet", "fwbr101i1"));
	ck_assert_int_eq(localnet_sysctl_get("vmbr0"), 0);
	ck_assert(!guard_on(&e, "vmbr0"));
	env_done(&e);
}
END_TEST

START_TEST(test_item_kind_and_localnet_dir)
{
	struct lxcri_paths p;
	char buf[PATH_MAX], small[8];

	ck_assert(portsetup_item_kind("port.fwd"));
	ck_assert(portsetup_item_kind(PORTWAIT_KIND));
	ck_assert(!portsetup_item_kind("port"));
	ck_assert(!portsetup_item_kind("portfwd"));
	ck_assert(!portsetup_item_kind("net.veth"));
	ck_assert(!portsetup_item_kind(""));

	ck_assert_int_eq(paths_init(&p), 0);
	test_paths_under(&p, "/tmp/x");
	ck_assert_int_eq(portsetup_localnet_dir(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/tmp/x/run/.localnet");
	ck_assert_int_eq(portsetup_localnet_dir(&p, small, sizeof(small)), -ENAMETOOLONG);
}
END_TEST

static Suite *portsetup_suite(void)
{
	Suite *s = suite_create("portsetup");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_apply_forwards_every_port);
	tcase_add_test(tc, test_teardown_undoes_everything);
	tcase_add_test(tc, test_port_held_by_other_container);
	tcase_add_test(tc, test_port_bound_by_host_process);
	tcase_add_test(tc, test_localnet_failure_rolls_back);
	tcase_add_test(tc, test_state_unwritable_applies_nothing);
	tcase_add_test(tc, test_invalid_container_id);
	tcase_add_test(tc, test_no_default_route_needs_net);
	tcase_add_test(tc, test_net_names_missing_interface);
	tcase_add_test(tc, test_container_chosen_address_refused);
	tcase_add_test(tc, test_config_sources);
	tcase_add_test(tc, test_pve_config_source);
	tcase_add_test(tc, test_dual_stack);
	tcase_add_test(tc, test_ipv6_refused_forwards_ipv4_only);
	tcase_add_test(tc, test_hostip_forwards_its_family_only);
	tcase_add_test(tc, test_pending_address_refused_without_wait);
	tcase_add_test(tc, test_pending_address_waits);
	tcase_add_test(tc, test_apply_port_keeps_the_others);
	tcase_add_test(tc, test_teardown_one_port);
	tcase_add_test(tc, test_teardown_after_table_deleted);
	tcase_add_test(tc, test_teardown_uses_recorded_table);
	tcase_add_test(tc, test_teardown_keeps_unreadable_item);
	tcase_add_test(tc, test_localnet_shared_between_containers);
	tcase_add_test(tc, test_firewall_bridge);
	tcase_add_test(tc, test_item_kind_and_localnet_dir);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(portsetup_suite)
