/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "testutil.h"

#include "lib/config/config.h"
#include "lib/port/localnet.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"

/*
 * Every test runs in its own forked process (CK_FORK) and first moves into
 * a fresh network namespace (the "host"), with a veth lxln0 to a second one
 * (a "neighbour" on that link): route_localnet, the guard and the sockets
 * are those namespaces', which die with the process. The records go to a
 * temporary directory.
 */
struct env {
	int host_ns, neighbour_ns;
	struct nl_sock *host;
	char *dir;
};

static bool env_setup(struct env *e, const char *test)
{
	struct nl_sock *neighbour = NULL;
	struct lxcri_error err = { 0 };
	struct netlink_veth_spec spec = { .host_ifname = "lxln0", .peer_ifname = "eth0" };
	struct netlink_link_settings up = { .up = true };
	struct ip_prefix host_addr = test_prefix("10.0.0.1/24"),
			 neighbour_addr = test_prefix("10.0.0.2/24");

	if (geteuid() != 0) {
		test_skip(test, "needs root for network namespaces");
		return false;
	}
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	e->neighbour_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(setns(e->host_ns, CLONE_NEWNET), 0);
	ck_assert_int_eq(netlink_open(&e->host), 0);
	ck_assert_msg(netlink_open_in_netns_fd(e->neighbour_ns, &neighbour, &err) == 0, "%s",
		      err.message);
	spec.peer_netns_fd = e->neighbour_ns;
	ck_assert_msg(netlink_veth_create(e->host, &spec, &err) == 0, "%s", err.message);
	ck_assert_int_eq(netlink_link_configure(e->host, "lo", &up, &err), 0);
	ck_assert_int_eq(netlink_address_add(e->host, "lxln0", &host_addr, &err), 0);
	ck_assert_int_eq(netlink_link_configure(neighbour, "eth0", &up, &err), 0);
	ck_assert_int_eq(netlink_address_add(neighbour, "eth0", &neighbour_addr, &err), 0);
	nl_socket_free(neighbour);
	e->dir = test_tmpdir();
	return true;
}

#define ENV_SETUP(e)                                                                               \
	struct env e = { -1, -1, NULL, NULL };                                                     \
	if (!env_setup(&e, __func__))                                                              \
	return

static void env_done(struct env *e)
{
	nl_socket_free(e->host);
	test_rm_rf(e->dir);
	free(e->dir);
}

static bool exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void set_sysctl(const char *ifname, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", ifname);
	test_write_file(path, value);
}

static int guarded(struct env *e, const char *ifname)
{
	struct lxcri_error err = { 0 };
	int r = netlink_localnet_guard_present(e->host, ifname, &err);

	ck_assert_msg(r >= 0, "%s", err.message);
	return r;
}

/* Two owners on one interface: set once, guarded; back to 0, unguarded, after the last. */
START_TEST(test_acquire_release)
{
	struct lxcri_error err = { 0 };

	ENV_SETUP(e);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 0);
	ck_assert_msg(localnet_acquire(e.dir, "lxln0", "101", &err) == 0, "%s", err.message);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 1);
	ck_assert_int_eq(guarded(&e, "lxln0"), 1);
	ck_assert(exists(e.dir, "lxln0/101") && exists(e.dir, "lxln0/.state"));
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "102", &err), 0);
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "101", &err), 0);

	ck_assert_int_eq(localnet_release(e.dir, "lxln0", "101", &err), 0);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 1);
	ck_assert_int_eq(guarded(&e, "lxln0"), 1);
	ck_assert_int_eq(localnet_release(e.dir, "lxln0", "101", &err), 0);
	ck_assert_int_eq(localnet_release(e.dir, "lxln0", "102", &err), 1);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 0);
	ck_assert_int_eq(guarded(&e, "lxln0"), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxln0", &err), 0);
	ck_assert(!exists(e.dir, "lxln0"));
	ck_assert_int_eq(localnet_release(e.dir, "lxln0", "102", &err), 0);
	env_done(&e);
}
END_TEST

/* route_localnet goes back to what it was before us, 1 included; the admin's qdisc stays. */
START_TEST(test_previous_value_and_qdisc_kept)
{
	struct lxcri_error err = { 0 };

	ENV_SETUP(e);
	set_sysctl("lxln0", "1");
	ck_assert_int_eq(netlink_ingress_qdisc_add(e.host, "lxln0", &err), 1);
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "101", &err), 0);
	ck_assert_int_eq(guarded(&e, "lxln0"), 1);
	ck_assert_int_eq(localnet_release(e.dir, "lxln0", "101", &err), 1);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 1);
	ck_assert_int_eq(guarded(&e, "lxln0"), 0);
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxln0", &err), 1);
	env_done(&e);
}
END_TEST

/* Refusals leave nothing: no record, no guard, route_localnet as it was. */
START_TEST(test_refused)
{
	struct lxcri_error err = { 0 };
	const char *names[] = { "lo", "all", "default", "a/b", "" };

	ENV_SETUP(e);
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		ck_assert_int_eq(localnet_acquire(e.dir, names[i], "101", &err), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err.message, "Invalid interface for route_localnet"));
	}
	ck_assert_int_eq(localnet_sysctl_get("lo"), 0);
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "../x", &err), -EINVAL);
	ck_assert_int_eq(localnet_acquire(e.dir, "nosuch0", "101", &err), -ENODEV);
	ck_assert_str_eq(err.message,
			 "Failed to enable route_localnet on 'nosuch0': no such interface");
	ck_assert(!exists(e.dir, "nosuch0"));

	/* A filter of someone else at the guard's priority: refused, rolled back. */
	if (access("/usr/sbin/tc", X_OK) != 0) {
		test_skip(__func__, "no /usr/sbin/tc for the foreign filter");
		env_done(&e);
		return;
	}
	ck_assert_ptr_nonnull(TEST_TC("qdisc", "add", "dev", "lxln0", "clsact"));
	ck_assert_ptr_nonnull(TEST_TC_ADMIN_FILTER("lxln0", "ingress", "1"));
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "101", &err), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.message, "holds another filter ('u32')"));
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 0);
	ck_assert(!exists(e.dir, "lxln0"));
	ck_assert_int_eq(netlink_ingress_qdisc_exists(e.host, "lxln0", &err), 1);
	env_done(&e);
}
END_TEST

/* What a crash leaves is completed: a record without owner, a guard removed by hand. */
START_TEST(test_records_and_scan)
{
	struct lxcri_error err = { 0 };
	struct localnet_record *recs = NULL;
	struct localnet_on *on = NULL;
	char path[PATH_MAX];
	size_t n = 0;

	ENV_SETUP(e);
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "101", &err), 0);
	ck_assert_int_eq(localnet_records(e.dir, &recs, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(recs[0].ifname, "lxln0");
	ck_assert_int_eq(recs[0].previous, 0);
	ck_assert_uint_eq(recs[0].n_owners, 1);
	ck_assert_str_eq(recs[0].owners[0], "101");
	localnet_records_free(recs, n);

	ck_assert_int_eq(localnet_scan(&on, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(on[0].ifname, "lxln0");
	ck_assert(on[0].guarded);
	free(on);

	/* The guard deleted by hand: the scan says so; the next acquire puts it back. */
	ck_assert_int_eq(netlink_localnet_guard_del(e.host, "lxln0", &err), 0);
	set_sysctl("all", "1");
	ck_assert_int_eq(localnet_scan(&on, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(on[0].ifname, "all");
	ck_assert(!on[0].guarded);
	ck_assert_str_eq(on[1].ifname, "lxln0");
	ck_assert(!on[1].guarded);
	free(on);
	set_sysctl("all", "0");
	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "102", &err), 0);
	ck_assert_int_eq(guarded(&e, "lxln0"), 1);

	/* Owners gone without a release (a crash): the record is completed without one. */
	snprintf(path, sizeof(path), "%s/lxln0/101", e.dir);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/lxln0/102", e.dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(localnet_release(e.dir, "lxln0", NULL, &err), 1);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 0);
	ck_assert_int_eq(guarded(&e, "lxln0"), 0);
	ck_assert_int_eq(localnet_records(e.dir, &recs, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	free(recs);
	env_done(&e);
}
END_TEST

/* connect() to address:port from a socket made in netns ns: 0 or -errno, 1 s at most. */
static int connect_from(int ns, int back, const char *address, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 1 };
	int fd, r;

	ck_assert_int_eq(setns(ns, CLONE_NEWNET), 0);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setns(back, CLONE_NEWNET), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(inet_pton(AF_INET, address, &sa.sin_addr), 1);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * The neighbour routes 127.0.0.0/8 to the host, as an attacker on the
 * bridge would: with route_localnet=1 alone it reaches a service the host
 * bound to 127.0.0.1; with the guard (what localnet_acquire() sets) it does not.
 */
START_TEST(test_guard_drops_neighbour)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(7777) };
	struct netlink_route via_host = { .dst = test_prefix("127.0.0.0/8"), .has_via = true };
	struct nl_sock *neighbour = NULL;
	struct lxcri_error err = { 0 };
	int server, one = 1;

	ENV_SETUP(e);
	ck_assert_int_eq(ip_address_parse("10.0.0.1", AF_INET, &via_host.via), 0);
	ck_assert_int_eq(netlink_open_in_netns_fd(e.neighbour_ns, &neighbour, &err), 0);
	ck_assert_msg(netlink_route_add(neighbour, &via_host, &err) == 0, "%s", err.message);
	nl_socket_free(neighbour);
	ck_assert_int_eq(setns(e.neighbour_ns, CLONE_NEWNET), 0);
	set_sysctl("eth0", "1");
	ck_assert_int_eq(setns(e.host_ns, CLONE_NEWNET), 0);
	server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(server, (struct sockaddr *)&lo, sizeof(lo)), 0);
	ck_assert_int_eq(listen(server, 8), 0);

	/* The probe: route_localnet=1 without the guard lets the neighbour in. */
	set_sysctl("lxln0", "1");
	ck_assert_int_eq(connect_from(e.neighbour_ns, e.host_ns, "127.0.0.1", 7777), 0);
	set_sysctl("lxln0", "0");
	ck_assert_int_ne(connect_from(e.neighbour_ns, e.host_ns, "127.0.0.1", 7777), 0);

	ck_assert_int_eq(localnet_acquire(e.dir, "lxln0", "101", &err), 0);
	ck_assert_int_eq(localnet_sysctl_get("lxln0"), 1);
	ck_assert_int_ne(connect_from(e.neighbour_ns, e.host_ns, "127.0.0.1", 7777), 0);
	/* The host's own loopback is untouched. */
	ck_assert_int_eq(connect_from(e.host_ns, e.host_ns, "127.0.0.1", 7777), 0);
	ck_assert_int_eq(localnet_release(e.dir, "lxln0", "101", &err), 1);
	ck_assert_int_ne(connect_from(e.neighbour_ns, e.host_ns, "127.0.0.1", 7777), 0);
	close(server);
	env_done(&e);
}
END_TEST

static Suite *localnet_suite(void)
{
	Suite *s = suite_create("localnet");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_acquire_release);
	tcase_add_test(tc, test_previous_value_and_qdisc_kept);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_records_and_scan);
	tcase_add_test(tc, test_guard_drops_neighbour);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(localnet_suite)
