/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/net-setup: the time to give a fresh network namespace one veth on a
 * bridge, with an address and a default route, side by side in one run,
 * interleaved round by round (a, b, a, b, ...) so that drift hits both:
 *
 *   (a) lxcri-net   exec of <build>/lxcri-net start-host <id>, as
 *                   lxcri-lifecycle runs it at LXC's start-host hook: a
 *                   state.json and a config snapshot in <run>/<id>/, LXC_PID
 *                   the process that holds the namespace
 *   (b) CNI         the bridge plugin with host-local IPAM from /usr/lib/cni,
 *                   run through lib/net/cni's cni_add() exactly as libcni would
 *                   (in-process: no runtime binary is exec'ed for this side)
 *
 * Each round makes a new namespace (a process that unshares its netns and
 * waits), times the setup alone, then undoes it with `lxcri-net teardown` or
 * cni_del() and ends the process. Teardowns are timed too and printed below
 * the goal, for information.
 *
 * Everything runs in a private network and mount namespace of this
 * program, with its own sysfs: the bridges, veths and the ip_forward switch
 * that the CNI bridge plugin turns on never reach the host, and vanish with
 * the program even if it is killed.
 *
 *   net-setup <build dir> <scratch dir> [rounds]
 * Prints medians and p90, and the ratio CNI/lxcri-net. Goal: lxcri-net at
 * least 5x faster. Figures only: nothing here fails on timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "net-setup"
#include "bench.h"
#include "lib/net/cni.h"
#include "lib/shared/state.h"

#define BRIDGE_LXCRI "lxcri-bench-a"
#define BRIDGE_CNI   "lxcri-bench-b"
#define CONTAINER_ID "netbench"
#define IP_PROGRAM   "/bin/ip"
#define PLUGIN_DIR   "/usr/lib/cni"

struct bench {
	const char *build;
	char net_helper[4096];
	char run_dir[4096], etc_dir[4096], pve_dir[4096], rootfs[4096], state_dir[4096];
	char cni_data[4096], cni_cache[4096], stderr_path[4096];
	struct cni_conflist *conflist;
};

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("Failed to create '%s': %s", path, strerror(errno));
}

static void print_file(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  %s", line);
	fclose(f);
}

/*
 * Runs argv (envp NULL: ours); stdout to out_fd (-1: /dev/null), stderr to
 * the bench's stderr file. pid > 0: inside the network namespace of pid.
 * Returns the exit status, or -1.
 */
static int run(const struct bench *b, char *const argv[], char *const envp[], pid_t pid, int out_fd)
{
	int status;
	pid_t child;

	fflush(stdout);
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		int err = open(b->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (err < 0 || null < 0 || dup2(err, STDERR_FILENO) < 0 ||
		    dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO) < 0)
			_exit(126);
		if (pid > 0) {
			char ns[64];
			format(ns, sizeof(ns), "/proc/%d/ns/net", (int)pid);
			int fd = open(ns, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
				_exit(126);
		}
		if (envp)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void run_or_die(const struct bench *b, char *const argv[], char *const envp[], pid_t pid,
		       int out_fd)
{
	if (run(b, argv, envp, pid, out_fd) != 0) {
		fprintf(stderr, "net-setup: '%s %s' failed:\n", argv[0], argv[1]);
		print_file(b->stderr_path);
		exit(1);
	}
}

/* A process in a network namespace of its own, as LXC's container init is at start-host. */
static pid_t netns_holder(void)
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
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		die("The namespace holder did not start");
	close(pipefd[0]);
	return pid;
}

/*
 * Private network and mount namespaces, with a sysfs that shows the private
 * netns, and the run dir on a tmpfs as /run/lxcri is on a host (the CNI
 * cache and IPAM data stay on disk, as /var/lib/cni is).
 */
static void enter_private_namespaces(const struct bench *b)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		die("Failed to unshare the network and mount namespaces: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("Failed to make the mounts private: %s", strerror(errno));
	(void)umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("Failed to mount sysfs: %s", strerror(errno));
	if (mount("tmpfs", b->run_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		die("Failed to mount a tmpfs on '%s': %s", b->run_dir, strerror(errno));
}

static void setup_host_side(const struct bench *b)
{
	char *lo_up[] = { IP_PROGRAM, "link", "set", "lo", "up", NULL };
	char *add[] = { IP_PROGRAM, "link", "add", BRIDGE_LXCRI, "type", "bridge", NULL };
	char *addr[] = { IP_PROGRAM, "address", "add", "10.88.0.1/16", "dev", BRIDGE_LXCRI, NULL };
	char *up[] = { IP_PROGRAM, "link", "set", BRIDGE_LXCRI, "up", NULL };

	run_or_die(b, lo_up, NULL, 0, -1);
	run_or_die(b, add, NULL, 0, -1);
	run_or_die(b, addr, NULL, 0, -1);
	run_or_die(b, up, NULL, 0, -1);
}

static void lxcri_prepare(const struct bench *b, unsigned round)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error err = {};
	char path[4200], config[256];

	make_dir(b->state_dir);
	format(config, sizeof(config),
	       "net1: name=eth1,bridge=" BRIDGE_LXCRI ",ip=10.88.0.%u/16,gw=10.88.0.1\n",
	       2 + round % 250);
	format(path, sizeof(path), "%s/config", b->state_dir);
	write_text(path, config);
	if (state_new(CONTAINER_ID, &s) < 0 || state_set_phase(s, "starting", "start-host") < 0 ||
	    state_save(b->state_dir, s, &err) < 0)
		die("Failed to write the state: %s", err.message);
}

/* lxcri-net <verb> <id>, with LXC's start-host environment; returns the time taken in us. */
static double lxcri_net(const struct bench *b, const char *verb, pid_t holder)
{
	char lxc_pid[64], run_dir[4200], etc_dir[4200], pve_dir[4200], libexec[4200], rootfs[4200];
	char *argv[] = { (char *)b->net_helper, (char *)verb, CONTAINER_ID, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			 run_dir,
			 etc_dir,
			 pve_dir,
			 libexec,
			 lxc_pid,
			 "LXC_NAME=" CONTAINER_ID,
			 rootfs,
			 "LXCRI_LOG_SOCKET=/nonexistent",
			 NULL };
	double start;

	format(lxc_pid, sizeof(lxc_pid), "LXC_PID=%d", (int)holder);
	format(run_dir, sizeof(run_dir), "LXCRI_RUN_DIR=%s", b->run_dir);
	format(etc_dir, sizeof(etc_dir), "LXCRI_ETC_DIR=%s", b->etc_dir);
	format(pve_dir, sizeof(pve_dir), "LXCRI_PVE_DIR=%s", b->pve_dir);
	format(libexec, sizeof(libexec), "LXCRI_LIBEXEC_DIR=%s", b->build);
	format(rootfs, sizeof(rootfs), "LXC_ROOTFS_PATH=%s", b->rootfs);
	start = now_us();
	run_or_die(b, argv, envp, 0, -1);
	return now_us() - start;
}

static void cni_runtime_init(const struct bench *b, pid_t holder, char *netns, size_t size,
			     struct cni_runtime *rt)
{
	format(netns, size, "/proc/%d/ns/net", (int)holder);
	*rt = (struct cni_runtime){
		.container_id = CONTAINER_ID,
		.netns = netns,
		.ifname = "eth1",
		.plugin_path = PLUGIN_DIR,
		.cache_dir = b->cni_cache,
	};
}

/* CNI ADD (add) or DEL, timed. */
static double cni_timed(const struct bench *b, pid_t holder, bool add)
{
	struct cni_runtime rt;
	struct lxcri_error err = {};
	char netns[64];
	double start;
	int r;

	cni_runtime_init(b, holder, netns, sizeof(netns), &rt);
	start = now_us();
	r = add ? cni_add(b->conflist, &rt, NULL, &err) : cni_del(b->conflist, &rt, &err);
	if (r < 0)
		die("CNI %s failed: %s", add ? "ADD" : "DEL", err.message);
	return now_us() - start;
}

/* What a side left in the namespace and on the host, for the reader to compare. */
static void show_result(const struct bench *b, pid_t holder, const char *bridge)
{
	char *addrs[] = { IP_PROGRAM, "-brief", "address", "show", NULL };
	char *routes[] = { IP_PROGRAM, "route", "show", NULL };
	char *ports[] = { IP_PROGRAM, "-brief", "link", "show", "master", (char *)bridge, NULL };
	char *bridge_addr[] = {
		IP_PROGRAM, "-brief", "address", "show", "dev", (char *)bridge, NULL
	};

	printf("   in the namespace: ip -brief address; ip route\n");
	run_or_die(b, addrs, NULL, holder, STDOUT_FILENO);
	run_or_die(b, routes, NULL, holder, STDOUT_FILENO);
	printf("   on the host: the bridge, and its ports\n");
	run_or_die(b, bridge_addr, NULL, 0, STDOUT_FILENO);
	run_or_die(b, ports, NULL, 0, STDOUT_FILENO);
}

static void round_lxcri(const struct bench *b, unsigned round, double *setup, double *undo,
			bool show)
{
	pid_t holder = netns_holder();

	lxcri_prepare(b, round);
	*setup = lxcri_net(b, "start-host", holder);
	if (show)
		show_result(b, holder, BRIDGE_LXCRI);
	*undo = lxcri_net(b, "teardown", holder);
	netns_holder_end(holder);
}

static void round_cni(const struct bench *b, double *setup, double *undo, bool show)
{
	pid_t holder = netns_holder();

	*setup = cni_timed(b, holder, true);
	if (show)
		show_result(b, holder, BRIDGE_CNI);
	*undo = cni_timed(b, holder, false);
	netns_holder_end(holder);
}

/* Links left on the host side after the last teardown: lo and the two bridges. */
static void check_nothing_left(const struct bench *b)
{
	char *links[] = { IP_PROGRAM, "-brief", "link", "show", NULL };
	char path[4200], line[512];
	unsigned n = 0;
	int fd;
	FILE *f;

	format(path, sizeof(path), "%s.links", b->stderr_path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("Failed to create '%s': %s", path, strerror(errno));
	run_or_die(b, links, NULL, 0, fd);
	close(fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	if (n != 3) {
		fprintf(stderr, "net-setup: %u links left after the last teardown, not 3:\n", n);
		print_file(path);
		exit(1);
	}
}

static void report(const char *name, double *v, size_t n)
{
	double median = median_of(v, n);
	printf("%-40s median %8.2f ms   p90 %8.2f ms\n", name, median / 1000, v[n * 9 / 10] / 1000);
}

int main(int argc, char **argv)
{
	struct bench b = {};
	struct lxcri_error err = {};
	char conflist[4096], scratch[4096], build[4096];
	size_t rounds;
	double s, u;
	bool have_lxcri;

	if (argc < 3) {
		fprintf(stderr, "usage: net-setup <build dir> <scratch dir> [rounds]\n");
		return 2;
	}
	rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
	if (rounds < 1)
		rounds = 1;
	if (!realpath(argv[1], build))
		die("Failed to resolve '%s': %s", argv[1], strerror(errno));
	b.build = build;
	if (!realpath(argv[2], scratch))
		die("Failed to resolve '%s': %s", argv[2], strerror(errno));
	format(b.net_helper, sizeof(b.net_helper), "%s/lxcri-net", b.build);
	format(b.run_dir, sizeof(b.run_dir), "%s/net-run", scratch);
	format(b.etc_dir, sizeof(b.etc_dir), "%s/net-etc", scratch);
	format(b.pve_dir, sizeof(b.pve_dir), "%s/net-pve-none", scratch);
	format(b.rootfs, sizeof(b.rootfs), "%s/net-rootfs", scratch);
	format(b.state_dir, sizeof(b.state_dir), "%s/" CONTAINER_ID, b.run_dir);
	format(b.cni_data, sizeof(b.cni_data), "%s/net-cni-ipam", scratch);
	format(b.cni_cache, sizeof(b.cni_cache), "%s/net-cni-cache", scratch);
	format(b.stderr_path, sizeof(b.stderr_path), "%s/net-stderr", scratch);
	make_dir(b.run_dir);
	make_dir(b.etc_dir);
	make_dir(b.rootfs);
	make_dir(b.cni_data);
	make_dir(b.cni_cache);
	have_lxcri = access(b.net_helper, X_OK) == 0;

	format(conflist, sizeof(conflist),
	       "{\"cniVersion\":\"1.0.0\",\"name\":\"benchnet\",\"plugins\":[{\"type\":"
	       "\"bridge\",\"bridge\":\"" BRIDGE_CNI "\",\"isGateway\":true,\"ipam\":{\"type\":"
	       "\"host-local\",\"ranges\":[[{\"subnet\":\"10.89.0.0/16\"}]],\"routes\":[{"
	       "\"dst\":\"0.0.0.0/0\"}],\"dataDir\":\"%s\"}}]}",
	       b.cni_data);
	if (cni_parse_conflist("benchnet", conflist, strlen(conflist), false, &b.conflist, &err) <
	    0)
		die("%s", err.message);

	enter_private_namespaces(&b);
	setup_host_side(&b);

	printf("net-setup: one veth on a bridge, an address and a default route in a fresh "
	       "network namespace\n"
	       "(all in a private network namespace; the lxcri run dir on a tmpfs as /run is, "
	       "the CNI cache and\n IPAM data on disk as /var/lib/cni is)\n");
	printf("(a) %s start-host %s, as at LXC's start-host hook; config snapshot:\n"
	       "      net1: name=eth1,bridge=" BRIDGE_LXCRI ",ip=10.88.0.<n>/16,gw=10.88.0.1\n"
	       "    on bridge " BRIDGE_LXCRI " (10.88.0.1/16)\n",
	       b.net_helper, CONTAINER_ID);
	printf("(b) CNI bridge + host-local from " PLUGIN_DIR ", through lib/net/cni's cni_add():\n"
	       "      %s\n",
	       conflist);

	if (!have_lxcri)
		printf("(a) skipped: '%s' is missing (make all builds it)\n", b.net_helper);

	/* One untimed round each, shown: the page cache warm, the CNI bridge created. */
	if (have_lxcri) {
		printf("\n(a) after lxcri-net start-host (first round, untimed):\n");
		round_lxcri(&b, 0, &s, &u, true);
	}
	printf("(b) after CNI ADD (first round, untimed):\n");
	round_cni(&b, &s, &u, true);

	double *a_setup = calloc(rounds, sizeof(double)), *a_undo = calloc(rounds, sizeof(double));
	double *b_setup = calloc(rounds, sizeof(double)), *b_undo = calloc(rounds, sizeof(double));
	if (!a_setup || !a_undo || !b_setup || !b_undo)
		die("Out of memory");
	for (size_t i = 0; i < rounds; i++) {
		if (have_lxcri)
			round_lxcri(&b, (unsigned)i + 1, &a_setup[i], &a_undo[i], false);
		round_cni(&b, &b_setup[i], &b_undo[i], false);
	}
	check_nothing_left(&b);

	printf("\nnet-setup: %zu rounds each, interleaved (a, b, a, b, ...); a fresh namespace "
	       "per round, made untimed\n",
	       rounds);
	if (have_lxcri)
		report("(a) lxcri-net start-host", a_setup, rounds);
	report("(b) CNI ADD bridge + host-local", b_setup, rounds);
	if (have_lxcri)
		printf("ratio CNI/lxcri-net: %.2f (goal >= 5.00: lxcri-net at least 5x faster)\n",
		       median_of(b_setup, rounds) / median_of(a_setup, rounds));
	printf("undo, for information:\n");
	if (have_lxcri)
		report("(a) lxcri-net teardown", a_undo, rounds);
	report("(b) CNI DEL", b_undo, rounds);
	if (have_lxcri)
		printf("ratio CNI/lxcri-net, undo: %.2f\n",
		       median_of(b_undo, rounds) / median_of(a_undo, rounds));

	cni_conflist_free(b.conflist);
	free(a_setup);
	free(a_undo);
	free(b_setup);
	free(b_undo);
	return 0;
}
