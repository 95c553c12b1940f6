/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/portfwd-scale: whether the cost of a port forward grows with the
 * number of forwards, side by side in one run:
 *
 *   (a) lxcri     portfwd_add(ctx, "<owner>", &one_forward, 1, ...) into a
 *                 table of its own (inet lxcri_bench), one owner per forward,
 *                 then localnet_acquire() of the container link for it (the
 *                 guard and route_localnet), as one container start makes it
 *                 (per-forward packet and byte counters on: the default)
 *   (a0)          the same with portfwd_set_counters(ctx, false): the
 *                 baseline of the counters' cost per change
 *   (b) portmap   Debian's CNI portmap plugin (iptables) through lib/net/cni's
 *                 cni_add(), one container id per forward. lib/net/cni sends no
 *                 prevResult to the first plugin, and portmap refuses to run
 *                 unchained, so the list is [static, portmap]: the static
 *                 IPAM plugin gives the container's address as the result
 *                 (its own cost, alone, is printed), and portmap gets
 *                 runtimeConfig.portMappings in its configuration, as libcni
 *                 writes it there for the portMappings capability
 *
 * Forward i (0-based): tcp host port 10000 + i to 10.99.(128 + i / 250).(1 +
 * i % 250) port 80. Each add is timed alone; the connect latency through a
 * forward is measured after the 1st add and after the last one: a listener
 * in a "container" network namespace (a veth to the bench's namespace, which
 * answers on all of 10.99.128.0/17), a client in the bench's namespace
 * connecting to its own address 198.51.100.1 (output DNAT), to 127.0.0.1
 * (output DNAT, route_localnet), and from an "outside" namespace (a veth,
 * 203.0.113.2) to 198.51.100.1 (prerouting DNAT).
 *
 * The counters' cost per packet is also measured in place, where the sides'
 * own noise cannot blur it: with all of (a)'s forwards added, its table is
 * made again without counters and with them, in turn, TOGGLES times, and the
 * outside connect through the last forward is measured after each.
 *
 * Each side runs in a network and mount namespace of its own (a fresh nft
 * table and iptables ruleset, its own sysfs, a tmpfs on /run for the
 * xtables lock): nothing reaches the host, and everything vanishes with the
 * program even if it is killed. The sides run one after the other.
 *
 *   portfwd-scale <scratch dir> [count] [connects] [budget seconds]
 * (defaults 10000, 300, 180). A side whose adds take longer than the budget
 * stops there and says so. The time of the k-th add is printed as the median
 * of the 11 adds around it (the 1st: adds 1-11, so the one-off creation of
 * the table or chains is not what the ratio compares), the k-th alone beside
 * it. Goals for lxcri: the last add at most 2x the 1st, the connect median
 * with all forwards at most 1.1x that with one. Figures only: nothing here
 * fails on timing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "portfwd-scale"
#include "bench.h"
#include "lib/net/cni.h"
#include "lib/port/localnet.h"
#include "lib/port/portfwd.h"
#include "lib/basic/strv.h"

#define IP_PROGRAM	 "/bin/ip"
#define PLUGIN_DIR	 "/usr/lib/cni"
#define TABLE		 "lxcri_bench" /* portfwd_open() takes [A-Za-z][A-Za-z0-9_]* */
#define LOCALNET_RECORDS "/run/lxcri-bench/.localnet" /* on the tmpfs of our mount namespace */
#define HOST_PORT_BASE	 10000
#define MAX_COUNT	 30000 /* targets stay in 10.99.128.0/17 */
#define HOST_ADDRESS	 "198.51.100.1"
#define CONTAINER_LINK	 "lxb-ct"
#define OUTSIDE_LINK	 "lxb-out"
#define WINDOW		 11 /* adds per figure: a median, not one sample */
#define WARMUP		 5  /* untimed connects first: ARP, caches */
#define MAX_POINTS	 8
#define TOGGLES		 9 /* rounds of counters off, then on, with all forwards added */

enum side_kind { SIDE_LXCRI, SIDE_LXCRI_UNCOUNTED, SIDE_PORTMAP, N_SIDES };
enum path { PATH_LOCAL, PATH_LOOPBACK, PATH_OUTSIDE, N_PATHS };
enum when { AT_ONE, AT_LAST, AT_LAST_VIA_FIRST, N_WHEN };

struct connect_figure {
	bool measured;
	double median_us, p90_us;
	unsigned ok, failed;
	char error[96];
};

/* What a side process hands back, in memory shared with the parent. */
struct side_result {
	bool done;
	size_t reached;
	char stopped[1100];	/* "" if all adds were made */
	double prev_result_us;	/* portmap: the static plugin alone, median */
	size_t listed;		/* lxcri: elements portfwd_list() finds at the end */
	uint64_t first_packets; /* lxcri: the packets its counter has of the first forward */
	/* lxcri: counters off and on again in turn with all forwards added (see toggle_counters())
	 */
	double toggled_us[2][TOGGLES]; /* [on][round]: the outside connect's median */
	double remake_ms[2][TOGGLES];  /* [on][round]: portfwd_repair() making the maps again */
	size_t toggles;
	struct connect_figure connect[N_WHEN][N_PATHS];
	double add_us[MAX_COUNT];
};

struct bench {
	size_t count, connects;
	double budget_s;
	char cni_cache[4096];
	pid_t container, outside;
	int own_ns, outside_ns;
};

/* ip <args...> (NULL-terminated), in the network namespace of ns_pid (0: ours). */
static void ip(pid_t ns_pid, ...)
{
	char *argv[32] = { IP_PROGRAM };
	size_t n = 1;
	int status;
	va_list ap;
	pid_t child;

	va_start(ap, ns_pid);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(stdout);
	child = fork();
	if (child < 0)
		die("Failed to fork: %s", strerror(errno));
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(126);
		if (ns_pid > 0) {
			char path[64];
			format(path, sizeof(path), "/proc/%d/ns/net", (int)ns_pid);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
				_exit(126);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char line[512] = "";
		for (size_t i = 1; i < n; i++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", argv[i]);
		die("'ip%s' failed", line);
	}
}

/*
 * A process in a network namespace of its own: the "container" (listening
 * on port 80 and accepting for ever) or the "outside" host (waiting).
 */
static pid_t netns_holder(bool listener)
{
	int pipefd[2];
	char c;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("Failed to create a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("Failed to fork: %s", strerror(errno));
	if (pid == 0) {
		struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(80) };
		int fd = -1, one = 1;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (listener) {
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0 ||
			    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
			    bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0 ||
			    listen(fd, 4096) < 0)
				_exit(1);
		}
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;) {
			int c = listener ? accept4(fd, NULL, NULL, SOCK_CLOEXEC) : -1;
			if (c >= 0)
				close(c);
			else if (!listener)
				pause();
		}
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		die("The namespace holder did not start");
	close(pipefd[0]);
	return pid;
}

static int netns_open(pid_t pid)
{
	char path[64];
	int fd;

	format(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("Failed to open '%s': %s", path, strerror(errno));
	return fd;
}

/*
 * Private network and mount namespaces with their own sysfs, and a tmpfs on
 * /run so that the xtables lock is ours and no host iptables run waits on it.
 */
static void enter_private_namespaces(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		die("Failed to unshare the network and mount namespaces: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("Failed to make the mounts private: %s", strerror(errno));
	(void)umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("Failed to mount sysfs: %s", strerror(errno));
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		die("Failed to mount a tmpfs on '/run': %s", strerror(errno));
}

/*
 * The bench's namespace is the host: a veth to the container (which takes
 * all of 10.99.128.0/17 as local, AnyIP, so every target answers) and one
 * to the outside host, which also carries the host's address; forwarding on.
 */
static void setup_topology(struct bench *b)
{
	char container[16], outside[16];

	b->container = netns_holder(true);
	b->outside = netns_holder(false);
	format(container, sizeof(container), "%d", (int)b->container);
	format(outside, sizeof(outside), "%d", (int)b->outside);

	ip(0, "link", "set", "lo", "up", NULL);
	ip(0, "link", "add", CONTAINER_LINK, "type", "veth", "peer", "name", "eth0", "netns",
	   container, NULL);
	ip(0, "address", "add", "10.99.0.1/16", "dev", CONTAINER_LINK, NULL);
	ip(0, "link", "set", CONTAINER_LINK, "up", NULL);
	ip(b->container, "link", "set", "lo", "up", NULL);
	ip(b->container, "address", "add", "10.99.0.2/16", "dev", "eth0", NULL);
	ip(b->container, "link", "set", "eth0", "up", NULL);
	ip(b->container, "route", "add", "default", "via", "10.99.0.1", NULL);
	ip(b->container, "route", "add", "local", "10.99.128.0/17", "dev", "lo", NULL);

	ip(0, "link", "add", OUTSIDE_LINK, "type", "veth", "peer", "name", "eth0", "netns", outside,
	   NULL);
	ip(0, "address", "add", "203.0.113.1/24", "dev", OUTSIDE_LINK, NULL);
	ip(0, "address", "add", HOST_ADDRESS "/32", "dev", OUTSIDE_LINK, NULL);
	ip(0, "link", "set", OUTSIDE_LINK, "up", NULL);
	ip(b->outside, "link", "set", "lo", "up", NULL);
	ip(b->outside, "address", "add", "203.0.113.2/24", "dev", "eth0", NULL);
	ip(b->outside, "link", "set", "eth0", "up", NULL);
	ip(b->outside, "route", "add", "default", "via", "203.0.113.1", NULL);

	write_text("/proc/sys/net/ipv4/ip_forward", "1\n");
	b->own_ns = netns_open(getpid());
	b->outside_ns = netns_open(b->outside);
}

static struct in_addr target_of(size_t i)
{
	return (struct in_addr){ htonl(0x0a630000u | (128u + (unsigned)(i / 250)) << 8 |
				       (1u + (unsigned)(i % 250))) };
}

static uint16_t host_port_of(size_t i)
{
	return (uint16_t)(HOST_PORT_BASE + i);
}

/* connects through host port of forward i to address, from the outside host or from here. */
static void measure_connects(const struct bench *b, struct connect_figure *fig, const char *address,
			     size_t i, bool from_outside)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(host_port_of(i)) };
	struct timeval timeout = { .tv_sec = 2 };
	double *v = calloc(b->connects, sizeof(double));

	if (!v)
		die("Out of memory");
	if (inet_pton(AF_INET, address, &to.sin_addr) != 1)
		die("Invalid address '%s'", address);
	if (from_outside && setns(b->outside_ns, CLONE_NEWNET) < 0)
		die("Failed to enter the outside namespace: %s", strerror(errno));
	*fig = (struct connect_figure){ .measured = true };
	for (size_t j = 0; j < WARMUP + b->connects; j++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		double start;
		int r;

		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) < 0)
			die("Failed to make a socket: %s", strerror(errno));
		start = now_us();
		r = connect(fd, (struct sockaddr *)&to, sizeof(to));
		if (r == 0 && j >= WARMUP)
			v[fig->ok++] = now_us() - start;
		else if (r < 0) {
			fig->failed++;
			snprintf(fig->error, sizeof(fig->error), "%s", strerror(errno));
		}
		close(fd);
		/* A path that does not work at all: say so, do not wait 2 s per try. */
		if (fig->failed >= 3 && fig->ok == 0)
			break;
	}
	if (from_outside && setns(b->own_ns, CLONE_NEWNET) < 0)
		die("Failed to come back from the outside namespace: %s", strerror(errno));
	if (fig->ok > 0) {
		fig->median_us = median_of(v, fig->ok);
		fig->p90_us = v[fig->ok * 9 / 10];
	}
	free(v);
}

/* Through the 1st forward after the 1st add; through the last and the 1st at the end. */
static void measure_all(const struct bench *b, struct side_result *res, enum when when)
{
	size_t i = when == AT_ONE || when == AT_LAST_VIA_FIRST ? 0 : res->reached - 1;

	measure_connects(b, &res->connect[when][PATH_LOCAL], HOST_ADDRESS, i, false);
	if (when == AT_LAST_VIA_FIRST)
		return;
	measure_connects(b, &res->connect[when][PATH_LOOPBACK], "127.0.0.1", i, false);
	measure_connects(b, &res->connect[when][PATH_OUTSIDE], HOST_ADDRESS, i, true);
}

/*
 * The cost of the counters per packet, measured in place: with all
 * forwards added, the table made again without counters and with them, in
 * turn, TOGGLES times, the outside connect through the last forward
 * measured each time. The same namespace, the same elements, minutes
 * apart at most: what differs is the counters.
 */
static void toggle_counters(const struct bench *b, struct portfwd_ctx *ctx, struct side_result *res)
{
	struct lxcri_error err = {};

	for (size_t round = 0; round < TOGGLES; round++) {
		for (int on = 0; on <= 1; on++) {
			struct connect_figure fig;
			double start = now_us();

			portfwd_set_counters(ctx, on);
			if (portfwd_repair(ctx, &err) != 1)
				die("Failed to make the table %s counters: %s",
				    on ? "with" : "without", err.message);
			res->remake_ms[on][round] = (now_us() - start) / 1000;
			measure_connects(b, &fig, HOST_ADDRESS, res->reached - 1, true);
			res->toggled_us[on][round] = fig.ok > 0 ? fig.median_us : 0;
		}
		res->toggles = round + 1;
	}
}

static int lxcri_add(struct portfwd_ctx *ctx, size_t i, struct lxcri_error *err)
{
	struct portfwd f = {
		.family = AF_INET,
		.proto = IPPROTO_TCP,
		.host_first = host_port_of(i),
		.host_last = host_port_of(i),
		.ct_first = 80,
		.target = { .family = AF_INET, .in = target_of(i) },
		.subnet = { .addr = { .family = AF_INET, .in = { htonl(0x0a630000u) } },
			    .prefixlen = 16 },
		.localnet_if = CONTAINER_LINK,
	};
	char owner[32];

	format(owner, sizeof(owner), "%zu", 100 + i);
	/* As a start does: the forward, then route_localnet with its guard (records on our /run).
	 */
	if (portfwd_add(ctx, owner, &f, 1, err) < 0)
		return -1;
	return localnet_acquire(LOCALNET_RECORDS, f.localnet_if, owner, err);
}

/* cni_add() of conflist_text for container i; the time it took in *ret_us. */
static int cni_add_timed(const struct bench *b, const char *conflist_text, size_t i, double *ret_us,
			 struct lxcri_error *err)
{
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	char id[32], netns[64];
	double start;
	int r;

	r = cni_parse_conflist("bench", conflist_text, strlen(conflist_text), false, &list, err);
	if (r < 0)
		return r;
	format(id, sizeof(id), "%zu", 100 + i);
	format(netns, sizeof(netns), "/proc/%d/ns/net", (int)b->container);
	struct cni_runtime rt = {
		.container_id = id,
		.netns = netns,
		.ifname = "eth0",
		.plugin_path = PLUGIN_DIR,
		.cache_dir = b->cni_cache,
	};
	start = now_us();
	r = cni_add(list, &rt, NULL, err);
	*ret_us = now_us() - start;
	return r;
}

static void static_conf(size_t i, char *buf, size_t size)
{
	char target[INET_ADDRSTRLEN];
	struct in_addr a = target_of(i);

	inet_ntop(AF_INET, &a, target, sizeof(target));
	format(buf, size,
	       "{\"type\":\"static\",\"ipam\":{\"type\":\"static\",\"addresses\":[{\"address\":"
	       "\"%s/16\"}]}}",
	       target);
}

static int portmap_add(const struct bench *b, size_t i, double *ret_us, struct lxcri_error *err)
{
	char conflist[1024], prev[256];

	static_conf(i, prev, sizeof(prev));
	format(conflist, sizeof(conflist),
	       "{\"cniVersion\":\"1.0.0\",\"name\":\"benchpm\",\"plugins\":[%s,{\"type\":"
	       "\"portmap\",\"capabilities\":{\"portMappings\":true},\"runtimeConfig\":{"
	       "\"portMappings\":[{\"hostPort\":%u,\"containerPort\":80,\"protocol\":\"tcp\"}]}}]}",
	       prev, (unsigned)host_port_of(i));
	return cni_add_timed(b, conflist, i, ret_us, err);
}

/* The static plugin alone, which portmap's figures include: the median of WINDOW runs. */
static double static_alone(const struct bench *b)
{
	struct lxcri_error err = {};
	double v[WINDOW];
	char conflist[512], conf[256];

	static_conf(0, conf, sizeof(conf));
	format(conflist, sizeof(conflist),
	       "{\"cniVersion\":\"1.0.0\",\"name\":\"benchstatic\",\"plugins\":[%s]}", conf);
	for (size_t j = 0; j < WINDOW; j++)
		if (cni_add_timed(b, conflist, j, &v[j], &err) < 0)
			die("The static plugin failed: %s", err.message);
	return median_of(v, WINDOW);
}

static void side_run(struct bench *b, enum side_kind kind, struct side_result *res)
{
	struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = {};
	double started;

	enter_private_namespaces();
	setup_topology(b);

	/* Untimed: libraries and plugin binaries loaded, nothing changed. */
	if (kind != SIDE_PORTMAP) {
		struct portfwd_entry *entries = NULL;
		size_t n = 0;

		if (portfwd_open(TABLE, &ctx, &err) < 0)
			die("Failed to open the nft context: %s", err.message);
		portfwd_set_counters(ctx, kind == SIDE_LXCRI);
		if (portfwd_list(ctx, &entries, &n, &err) < 0)
			die("Failed to list the table: %s", err.message);
		free(entries);
	} else {
		char **versions = NULL;
		struct cni_runtime rt = { .container_id = "warmup",
					  .ifname = "eth0",
					  .plugin_path = PLUGIN_DIR };

		if (cni_plugin_versions(&rt, "portmap", "1.0.0", &versions, &err) < 0)
			die("Failed to run the portmap plugin: %s", err.message);
		strv_free(versions);
		res->prev_result_us = static_alone(b);
	}

	started = now_us();
	for (size_t i = 0; i < b->count; i++) {
		double start = now_us(), took;
		int r;

		if (kind != SIDE_PORTMAP) {
			r = lxcri_add(ctx, i, &err);
			took = now_us() - start;
		} else {
			r = portmap_add(b, i, &took, &err);
		}
		if (r < 0) {
			format(res->stopped, sizeof(res->stopped), "add %zu failed: %s", i + 1,
			       err.message);
			break;
		}
		res->add_us[i] = took;
		res->reached = i + 1;
		if (i == 0)
			measure_all(b, res, AT_ONE);
		if (i + 1 < b->count && (now_us() - started) / 1e6 > b->budget_s) {
			format(res->stopped, sizeof(res->stopped),
			       "the adds took %.0f s, more than the budget of %.0f s",
			       (now_us() - started) / 1e6, b->budget_s);
			break;
		}
	}
	if (res->reached > 0) {
		measure_all(b, res, AT_LAST);
		measure_all(b, res, AT_LAST_VIA_FIRST);
	}
	if (kind == SIDE_LXCRI && res->reached > 0) {
		struct portfwd_entry *entries = NULL;
		size_t n = 0;

		/* What the connects through the first forward counted, before the toggles reset it.
		 */
		if (portfwd_list(ctx, &entries, &n, &err) < 0)
			die("Failed to list the table: %s", err.message);
		for (size_t i = 0; i < n; i++)
			if (entries[i].fwd.host_first == HOST_PORT_BASE)
				res->first_packets = entries[i].packets;
		free(entries);
		toggle_counters(b, ctx, res);
	}
	if (kind != SIDE_PORTMAP) {
		struct portfwd_entry *entries = NULL;
		size_t n = 0;

		if (portfwd_list(ctx, &entries, &n, &err) < 0)
			die("Failed to list the table: %s", err.message);
		res->listed = n;
		free(entries);
		portfwd_close(ctx);
	}
	netns_holder_end(b->container);
	netns_holder_end(b->outside);
	res->done = true;
}

/* Each side in a process of its own, so that its namespaces end with it. */
static void side(struct bench *b, enum side_kind kind, struct side_result *res)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("Failed to fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		side_run(b, kind, res);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		format(res->stopped, sizeof(res->stopped), "the side failed (see above)");
}

/* The median of the WINDOW adds around the k-th (1-based) of the first reached. */
static double add_figure(const struct side_result *res, size_t k)
{
	size_t width = res->reached < WINDOW ? res->reached : WINDOW;
	size_t first = k > width / 2 ? k - 1 - width / 2 : 0;
	double v[WINDOW];

	if (first + width > res->reached)
		first = res->reached - width;
	memcpy(v, res->add_us + first, width * sizeof(double));
	return median_of(v, width);
}

static void print_add_cell(const struct side_result *res, size_t k)
{
	char cell[64];

	if (k > res->reached)
		format(cell, sizeof(cell), "-");
	else
		format(cell, sizeof(cell), "%8.3f [%.3f]", add_figure(res, k) / 1000,
		       res->add_us[k - 1] / 1000);
	printf("   %-26s", cell);
}

static void print_connect_cell(const struct connect_figure *fig)
{
	char cell[128];

	if (!fig->measured)
		format(cell, sizeof(cell), "-");
	else if (fig->ok == 0)
		format(cell, sizeof(cell), "failed: %s", fig->error);
	else if (fig->failed > 0)
		format(cell, sizeof(cell), "%7.1f / %7.1f (%u failed)", fig->median_us, fig->p90_us,
		       fig->failed);
	else
		format(cell, sizeof(cell), "%7.1f / %7.1f", fig->median_us, fig->p90_us);
	printf("   %-26s", cell);
}

static void print_connect_row(const struct side_result *res, const char *label, enum when when,
			      enum path path)
{
	printf("%-44s", label);
	for (int s = 0; s < N_SIDES; s++)
		print_connect_cell(&res[s].connect[when][path]);
	printf("\n");
}

static void print_ratios(const char *name, const struct side_result *res, bool goals)
{
	const struct connect_figure *one = &res->connect[AT_ONE][PATH_LOCAL];
	const struct connect_figure *last = &res->connect[AT_LAST][PATH_LOCAL];

	if (res->reached < 2) {
		printf("ratio %s: not measured (%zu forward(s) added)\n", name, res->reached);
		return;
	}
	printf("ratio %s add %zuth/1st: %.2f%s\n", name, res->reached,
	       add_figure(res, res->reached) / add_figure(res, 1), goals ? " (goal <= 2.00)" : "");
	if (one->ok > 0 && last->ok > 0)
		printf("ratio %s connect %zu/1: %.2f%s\n", name, res->reached,
		       last->median_us / one->median_us, goals ? " (goal <= 1.10)" : "");
	else
		printf("ratio %s connect %zu/1: not measured (connects failed)\n", name,
		       res->reached);
}

/* What the counters cost: (a) against (a0), per change and per packet (a connect's). */
static void print_counter_cost(const struct side_result *res, size_t connects)
{
	const struct side_result *on = &res[SIDE_LXCRI], *off = &res[SIDE_LXCRI_UNCOUNTED];

	if (on->reached < 2 || off->reached < 2)
		return;
	printf("ratio counters on/off, add 1st: %.2f, add %zuth: %.2f\n",
	       add_figure(on, 1) / add_figure(off, 1), on->reached,
	       add_figure(on, on->reached) / add_figure(off, off->reached));
	if (on->toggles == 0)
		return;
	/* The fair figure: (a)'s own table, counters off and on in turn. */
	printf("\nper packet, in place: (a)'s %zu forwards, its table made again without and with "
	       "counters in turn;\nconnect() from outside through the last forward, median of %zu, "
	       "us:\n",
	       on->reached, connects);
	double v[2][TOGGLES];
	for (int c = 0; c <= 1; c++) {
		printf("  counters %-3s", c ? "on" : "off");
		for (size_t r = 0; r < on->toggles; r++) {
			printf("  %7.1f", on->toggled_us[c][r]);
			v[c][r] = on->toggled_us[c][r];
		}
		printf("    (remaking the maps with %zu elements: %.0f ms)\n", on->reached,
		       on->remake_ms[c][on->toggles - 1]);
	}
	double m_on = median_of(v[1], on->toggles), m_off = median_of(v[0], on->toggles);
	printf("ratio counters on/off, connect in place, median of the rounds: %.2f (%.1f us more "
	       "per connect: a SYN out, a SYN-ACK back)\n",
	       m_on / m_off, m_on - m_off);
	/* The quietest round of each: what is left when the machine's own noise is least. */
	double min_on = v[1][0], min_off = v[0][0];
	for (size_t r = 1; r < on->toggles; r++) {
		min_on = v[1][r] < min_on ? v[1][r] : min_on;
		min_off = v[0][r] < min_off ? v[0][r] : min_off;
	}
	printf("ratio counters on/off, connect in place, best round of each: %.2f (%.1f us more)\n",
	       min_on / min_off, min_on - min_off);
}

int main(int argc, char **argv)
{
	static const char *names[N_SIDES] = { "lxcri", "lxcri-uncounted", "portmap" };
	static const char *heads[N_SIDES] = { "(a) lxcri", "(a0) lxcri, no counters",
					      "(b) portmap" };
	struct bench b = {};
	struct side_result *res;
	size_t points[MAX_POINTS], n_points = 0, divisors[] = { 0, 100, 10, 2, 1 };
	char scratch[4096];

	if (argc < 2) {
		fprintf(stderr,
			"usage: portfwd-scale <scratch dir> [count] [connects] [budget seconds]\n");
		return 2;
	}
	if (!realpath(argv[1], scratch))
		die("Failed to resolve '%s': %s", argv[1], strerror(errno));
	b.count = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	b.connects = argc > 3 ? strtoul(argv[3], NULL, 10) : 300;
	b.budget_s = argc > 4 ? strtod(argv[4], NULL) : 180;
	if (b.count < 2)
		b.count = 2;
	if (b.count > MAX_COUNT)
		b.count = MAX_COUNT;
	if (b.connects < 1)
		b.connects = 1;
	format(b.cni_cache, sizeof(b.cni_cache), "%s/portfwd-cni-cache", scratch);

	res = mmap(NULL, N_SIDES * sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (res == MAP_FAILED)
		die("Failed to map the results: %s", strerror(errno));

	printf("portfwd-scale: %zu forwards, one per container: tcp %u+i -> "
	       "10.99.(128+i/250).(1+i%%250):80\n"
	       "(a) lxcri    portfwd_add(ctx, \"<100+i>\", &forward, 1) into table inet " TABLE
	       " (libnftables),\n"
	       "             per-forward packet and byte counters on (the default)\n"
	       "(a0)         the same with portfwd_set_counters(ctx, false): the baseline of the "
	       "counters\n"
	       "(b) portmap  " PLUGIN_DIR "/portmap (iptables) through lib/net/cni's cni_add(), "
	       "container id <100+i>:\n"
	       "             [static (gives the prevResult: 10.99.x.y/16), portmap with "
	       "runtimeConfig.portMappings]\n"
	       "each side in a private network namespace of its own; each stops after %.0f s "
	       "of adds\n",
	       b.count, HOST_PORT_BASE, b.budget_s);
	for (int s = 0; s < N_SIDES; s++)
		side(&b, (enum side_kind)s, &res[s]);

	for (size_t d = 0; d < sizeof(divisors) / sizeof(divisors[0]); d++) {
		size_t k = divisors[d] ? b.count / divisors[d] : 1;
		if (k >= 1 && (n_points == 0 || k > points[n_points - 1]))
			points[n_points++] = k;
	}
	/* Where a side stopped early, a row of its own. */
	for (int s = 0; s < N_SIDES; s++) {
		size_t k = res[s].reached, at = 0;

		if (k == 0 || k == b.count || n_points == MAX_POINTS)
			continue;
		while (at < n_points && points[at] < k)
			at++;
		if (at < n_points && points[at] == k)
			continue;
		memmove(points + at + 1, points + at, (n_points - at) * sizeof(size_t));
		points[at] = k;
		n_points++;
	}

	printf("\ntime to add the k-th forward, ms: the median of the %d adds around it "
	       "[the k-th alone]\n",
	       WINDOW);
	printf("%-44s", "k");
	for (int s = 0; s < N_SIDES; s++)
		printf("   %-26s", heads[s]);
	printf("\n");
	for (size_t p = 0; p < n_points; p++) {
		char label[32];
		format(label, sizeof(label), "%zu", points[p]);
		printf("%-44s", label);
		for (int s = 0; s < N_SIDES; s++)
			print_add_cell(&res[s], points[p]);
		printf("\n");
	}
	if (res[SIDE_PORTMAP].done)
		printf("  (portmap's figures include the static plugin, alone %.3f ms)\n",
		       res[SIDE_PORTMAP].prev_result_us / 1000);
	for (int s = 0; s < N_SIDES; s++)
		if (res[s].stopped[0])
			printf("%s: stopped at %zu: %s\n", names[s], res[s].reached,
			       res[s].stopped);
	for (int s = SIDE_LXCRI; s <= SIDE_LXCRI_UNCOUNTED; s++)
		if (res[s].done)
			printf("%s: the table holds %zu forward(s) at the end\n", names[s],
			       res[s].listed);
	if (res[SIDE_LXCRI].done)
		printf("lxcri: the first forward's counter: %" PRIu64 " packets (its connects "
		       "counted)\n",
		       res[SIDE_LXCRI].first_packets);

	printf("\nconnect() through a forward, %zu connects each: median / p90, us\n", b.connects);
	printf("%-44s", "");
	for (int s = 0; s < N_SIDES; s++)
		printf("   %-26s", heads[s]);
	printf("\n");
	print_connect_row(res, "1 forward:   here -> " HOST_ADDRESS, AT_ONE, PATH_LOCAL);
	print_connect_row(res, "all added:   here -> " HOST_ADDRESS ", last fwd", AT_LAST,
			  PATH_LOCAL);
	print_connect_row(res, "all added:   here -> " HOST_ADDRESS ", 1st fwd", AT_LAST_VIA_FIRST,
			  PATH_LOCAL);
	print_connect_row(res, "1 forward:   here -> 127.0.0.1", AT_ONE, PATH_LOOPBACK);
	print_connect_row(res, "all added:   here -> 127.0.0.1, last fwd", AT_LAST, PATH_LOOPBACK);
	print_connect_row(res, "1 forward:   outside -> " HOST_ADDRESS, AT_ONE, PATH_OUTSIDE);
	print_connect_row(res, "all added:   outside -> " HOST_ADDRESS ", last", AT_LAST,
			  PATH_OUTSIDE);
	printf("  (\"here\": the bench's namespace, output DNAT; \"outside\": another namespace "
	       "through a veth, prerouting DNAT;\n   \"all added\": lxcri %zu, without "
	       "counters %zu, portmap %zu forwards)\n\n",
	       res[SIDE_LXCRI].reached, res[SIDE_LXCRI_UNCOUNTED].reached,
	       res[SIDE_PORTMAP].reached);
	print_ratios("lxcri", &res[SIDE_LXCRI], true);
	print_ratios("lxcri-uncounted", &res[SIDE_LXCRI_UNCOUNTED], true);
	print_ratios("portmap", &res[SIDE_PORTMAP], false);
	print_counter_cost(res, b.connects);
	return res[SIDE_LXCRI].done && res[SIDE_LXCRI_UNCOUNTED].done && res[SIDE_PORTMAP].done ? 0
												: 1;
}
