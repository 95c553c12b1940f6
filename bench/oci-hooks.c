/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/oci-hooks: what running an OCI hook through PAM costs, side by
 * side in one run, interleaved round by round:
 *
 *   direct  fork+exec+wait of /bin/true through process_run() (lib/basic/process),
 *           with the OCI state on stdin: what a runtime without PAM does
 *   pam     the same hook through hookrun_run() (lib/ocihooks/hookrun): PAM account,
 *           credentials and session for root in the service "lxcri-hook"
 *
 * Run it with the service in reach: installed in /etc/pam.d, or through
 * pam_wrapper (bench/run does that with a copy of hooks/pam.d/lxcri-hook).
 *
 *   phases   the PAM calls of (b) one by one, in this process: what PAM
 *            itself costs a hook, whatever runs it
 *
 *   oci-hooks [rounds]
 * Prints medians and p90, the ratio pam/direct, and the median of each PAM
 * call. Figures only.
 */
#define BENCH_NAME "oci-hooks"
#include "bench.h"

#include <security/pam_appl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ocihooks/hookrun.h"
#include "lib/basic/process.h"

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

static int no_conversation(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
	(void)n, (void)m, (void)r, (void)d;
	return PAM_CONV_ERR;
}

enum { PAM_START, PAM_ACCT, PAM_CRED, PAM_OPEN, PAM_CLOSE, PAM_END, N_PHASES };
static const char *const phase_names[N_PHASES] = {
	"pam_start (loads the modules)",   "pam_acct_mgmt",	"pam_setcred", "pam_open_session",
	"pam_close_session + delete cred", "pam_end (unloads)",
};

/* The PAM calls of one hook run, each timed; the hook itself is left out. */
static void pam_phases(double *t)
{
	struct pam_conv conv = { .conv = no_conversation };
	pam_handle_t *h = NULL;
	double at = now_us();

	if (pam_start(HOOKRUN_SERVICE, "root", &conv, &h) != PAM_SUCCESS)
		die("pam_start failed");
	t[PAM_START] = now_us() - at, at = now_us();
	if (pam_acct_mgmt(h, PAM_SILENT) != PAM_SUCCESS)
		die("pam_acct_mgmt refused root");
	t[PAM_ACCT] = now_us() - at, at = now_us();
	(void)pam_setcred(h, PAM_ESTABLISH_CRED | PAM_SILENT);
	t[PAM_CRED] = now_us() - at, at = now_us();
	(void)pam_open_session(h, PAM_SILENT);
	t[PAM_OPEN] = now_us() - at, at = now_us();
	(void)pam_close_session(h, PAM_SILENT);
	(void)pam_setcred(h, PAM_DELETE_CRED | PAM_SILENT);
	t[PAM_CLOSE] = now_us() - at, at = now_us();
	pam_end(h, PAM_SUCCESS);
	t[PAM_END] = now_us() - at;
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

	/*
	 * The session calls change this process (limits, keyring): run them in
	 * a child, which sends its figures back through a pipe.
	 */
	size_t n = rounds > 100 ? 100 : rounds;
	double *phases[N_PHASES], sum = 0;
	int p[2];
	pid_t pid;

	for (int k = 0; k < N_PHASES; k++)
		if (!(phases[k] = calloc(n, sizeof(double))))
			die("out of memory");

	if (pipe(p) < 0 || (pid = fork()) < 0)
		die("fork failed");
	if (pid == 0) {
		double t[N_PHASES];
		close(p[0]);
		for (size_t i = 0; i < n; i++) {
			pam_phases(t);
			if (write(p[1], t, sizeof(t)) != (ssize_t)sizeof(t))
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	for (size_t i = 0; i < n; i++) {
		double t[N_PHASES];
		if (read(p[0], t, sizeof(t)) != (ssize_t)sizeof(t))
			die("the PAM phases child failed");
		for (int k = 0; k < N_PHASES; k++)
			phases[k][i] = t[k];
	}
	close(p[0]);
	waitpid(pid, NULL, 0);
	printf("PAM calls of one hook run (%zu rounds, medians):\n", n);
	for (int k = 0; k < N_PHASES; k++) {
		double m = median_of(phases[k], n);
		sum += m;
		printf("  %-40s %8.3f ms\n", phase_names[k], m / 1000);
	}
	printf("  %-40s %8.3f ms\n", "sum", sum / 1000);
	for (int k = 0; k < N_PHASES; k++)
		free(phases[k]);
	free(a);
	free(b);
	return 0;
}
