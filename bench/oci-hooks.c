/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/oci-hooks: what running an OCI hook through PAM costs, side by
 * side in one run, interleaved round by round:
 *
 *   direct  fork+exec+wait of /bin/true through process_run() (lib/process),
 *           with the OCI state on stdin: what a runtime without PAM does
 *   pam     the same hook through hookrun_run() (lib/hookrun): PAM account,
 *           credentials and session for root in the service "lxcri-hook"
 *
 * Run it with the service in reach: installed in /etc/pam.d, or through
 * pam_wrapper (bench/run does that with a copy of hooks/pam.d/lxcri-hook).
 *
 *   oci-hooks [rounds]
 * Prints medians and p90, and the ratio pam/direct. Figures only.
 */
#define BENCH_NAME "oci-hooks"
#include "bench.h"

#include "hookrun.h"
#include "process.h"

#define STATE "{\"ociVersion\":\"1.0.2\",\"id\":\"bench\",\"status\":\"creating\",\"pid\":1}"

static double direct(void)
{
	char *argv[] = { (char *)"/bin/true", NULL };
	struct process_spec spec = {
		.path = "/bin/true",
		.argv = argv,
		.stdin_data = STATE,
		.stdin_size = sizeof(STATE) - 1,
		.timeout_ms = 5000,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = {};
	double start = now_us();

	if (process_run(&spec, &res, &err) < 0 || !res.exited || res.exit_status != 0)
		die("direct run failed: %s", err.message);
	process_result_done(&res);
	return now_us() - start;
}

static double through_pam(void)
{
	char *argv[] = { (char *)"/bin/true", NULL };
	struct hookrun_spec spec = {
		.path = "/bin/true",
		.args = argv,
		.stdin_data = STATE,
		.timeout_ms = 5000,
	};
	struct hookrun_result res;
	struct lxcri_error err = {};
	double start = now_us();

	if (hookrun_run(&spec, &res, &err) < 0 || !res.exited || res.status != 0)
		die("run through PAM failed: %s", err.message);
	return now_us() - start;
}

static void report(const char *name, double *v, size_t n)
{
	double p90;

	qsort(v, n, sizeof(double), bench_cmp_double);
	p90 = v[n * 9 / 10];
	printf("%-44s median %8.2f ms   p90 %8.2f ms\n", name, median_of(v, n) / 1000, p90 / 1000);
}

int main(int argc, char **argv)
{
	size_t rounds = argc > 1 ? (size_t)atoi(argv[1]) : 200;
	double *a, *b, ma, mb;

	if (rounds < 3)
		rounds = 3;
	a = calloc(rounds, sizeof(double));
	b = calloc(rounds, sizeof(double));
	if (!a || !b)
		die("out of memory");
	direct();
	through_pam(); /* warm up */
	for (size_t i = 0; i < rounds; i++) {
		a[i] = direct();
		b[i] = through_pam();
	}
	printf("oci-hooks: one no-op hook (/bin/true, the OCI state on stdin), %zu rounds each, "
	       "interleaved\n",
	       rounds);
	report("(a) fork+exec (process_run)", a, rounds);
	report("(b) through PAM as root (hookrun_run)", b, rounds);
	ma = median_of(a, rounds);
	mb = median_of(b, rounds);
	printf("ratio PAM/direct: %.2f (+%.2f ms a hook)\n", mb / ma, (mb - ma) / 1000);
	free(a);
	free(b);
	return 0;
}
