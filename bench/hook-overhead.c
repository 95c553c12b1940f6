/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/hook-overhead: what lxcri-hook costs a container, side by side in
 * one run, interleaved round by round so that drift hits every variant:
 *
 *   true       fork+exec of /bin/true (the floor)
 *   unmanaged  lxcri-hook for a container without an lxcri config
 *   managed    the four hooks (pre-start, start-host, stop, post-stop) of a
 *              container whose config is empty: two execs each (lxcri-hook,
 *              then lxcri-lifecycle), config parse, state written and read
 *
 *   hook-overhead <build dir> <scratch dir> [rounds]
 * Prints medians and means per exec, and the ratios. Goal: unmanaged <= 1.2x true.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double run(char *const argv[])
{
	double start = now_us();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		/* Managed hooks log to stderr too; the figures are what matters here. */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "hook-overhead: '%s' failed\n", argv[0]);
		exit(1);
	}
	return now_us() - start;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct series {
	const char *name;
	double *v;
	size_t n;
};

static void report(struct series *s, double base_median)
{
	double sum = 0;

	qsort(s->v, s->n, sizeof(double), cmp);
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	double median = s->v[s->n / 2];
	printf("%-34s median %8.1f us   mean %8.1f us   p90 %8.1f us   %5.2fx true\n", s->name,
	       median, sum / s->n, s->v[s->n * 9 / 10], base_median > 0 ? median / base_median : 1);
}

int main(int argc, char **argv)
{
	char hook[4096], opt_etc[4096], opt_run[4096], opt_pve[4096], opt_lib[4096], path[4096];
	size_t rounds;

	if (argc < 3) {
		fprintf(stderr, "usage: hook-overhead <build dir> <scratch dir> [rounds]\n");
		return 2;
	}
	rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000;
	snprintf(hook, sizeof(hook), "%s/lxcri-hook", argv[1]);
	snprintf(opt_etc, sizeof(opt_etc), "--etc-dir=%s/etc", argv[2]);
	snprintf(opt_run, sizeof(opt_run), "--run-dir=%s/run", argv[2]);
	snprintf(opt_pve, sizeof(opt_pve), "--pve-dir=%s/pve", argv[2]);
	snprintf(opt_lib, sizeof(opt_lib), "--libexec-dir=%s", argv[1]);
	snprintf(path, sizeof(path), "%s/etc", argv[2]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/containers", argv[2]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/containers/managed.conf", argv[2]);
	FILE *f = fopen(path, "we");
	if (!f || fputs("# managed, nothing configured\n", f) < 0 || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	/* No node_exporter here: the managed hooks start no metrics writer (nor touch the host's).
	 */
	snprintf(path, sizeof(path), "%s/textfile", argv[2]);
	setenv("LXCRI_METRICS_DIR", path, 1);

	char *truth[] = { "/bin/true", NULL };
	char *unmanaged[] = { hook,  opt_etc, opt_run,	   opt_pve, opt_lib,
			      "105", "lxc",   "pre-start", NULL };
	static const char *const types[] = { "pre-start", "start-host", "stop", "post-stop" };
	struct series s_true = { "exec /bin/true", calloc(rounds, sizeof(double)), rounds };
	struct series s_unmanaged = { "lxcri-hook, unmanaged container",
				      calloc(rounds, sizeof(double)), rounds };
	size_t managed_rounds = rounds / 10 > 0 ? rounds / 10 : 1;
	struct series s_managed = { "lxcri-hook, managed, 4 hooks / 4",
				    calloc(managed_rounds, sizeof(double)), managed_rounds };

	/* Warm the page cache. */
	for (int i = 0; i < 50; i++) {
		run(truth);
		run(unmanaged);
	}
	for (size_t i = 0; i < rounds; i++) {
		s_true.v[i] = run(truth);
		s_unmanaged.v[i] = run(unmanaged);
		if (i < managed_rounds) {
			double total = 0;
			for (int t = 0; t < 4; t++) {
				char *managed[] = { hook,    opt_etc,	       opt_run,
						    opt_pve, opt_lib,	       "managed",
						    "lxc",   (char *)types[t], NULL };
				total += run(managed);
			}
			s_managed.v[i] = total / 4;
		}
	}
	printf("hook-overhead: %zu rounds (%zu for the managed cycle), interleaved\n", rounds,
	       managed_rounds);
	qsort(s_true.v, s_true.n, sizeof(double), cmp);
	double base = s_true.v[s_true.n / 2];
	report(&s_true, base);
	report(&s_unmanaged, base);
	report(&s_managed, base);
	printf("ratio unmanaged/true: %.2f (goal <= 1.20)\n",
	       s_unmanaged.v[s_unmanaged.n / 2] / base);
	return 0;
}
