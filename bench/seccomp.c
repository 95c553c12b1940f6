/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/seccomp: what converting Docker's default seccomp profile costs,
 * side by side in one run, interleaved round by round:
 *
 *   parse    json-c reading the profile: the least any converter pays
 *   convert  seccompconv_convert() (lib/lsm/seccompconv): parse, resolve
 *            includes/excludes for the capabilities, check every syscall
 *            name with libseccomp for each arch, write LXC's text
 *
 *   filter   libseccomp building the filter those rules make, for x86_64,
 *            x86 and x32 as LXC does, and compiling it to BPF: what any
 *            libseccomp-based loader (LXC's included) pays at every start,
 *            whoever converted the profile. Syscall rules only (arguments
 *            are left out), so it is a floor.
 *
 *   seccomp <profile.json> [rounds]
 * Prints medians and p90, the ratio convert/parse, and the size of the
 * result. Figures only. The start of a container with the profile is
 * measured by bench/container-start (variants lxcseccomp and seccomp).
 */
#define BENCH_NAME "seccomp"
#include "bench.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <unistd.h>

#include "lib/basic/fileio.h"
#include "lib/lsm/seccompconv.h"

static const char *const caps[] = { "CAP_CHOWN",
				    "CAP_DAC_OVERRIDE",
				    "CAP_FOWNER",
				    "CAP_FSETID",
				    "CAP_KILL",
				    "CAP_SETGID",
				    "CAP_SETUID",
				    "CAP_SETPCAP",
				    "CAP_NET_BIND_SERVICE",
				    "CAP_NET_RAW",
				    "CAP_SYS_CHROOT",
				    "CAP_MKNOD",
				    "CAP_AUDIT_WRITE",
				    "CAP_SETFCAP",
				    "CAP_SYS_ADMIN",
				    "CAP_NET_ADMIN",
				    NULL };

static double parse_only(const char *text, size_t size)
{
	double start = now_us();
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)size);

	if (!o)
		die("the profile is not JSON");
	json_object_put(o);
	json_tokener_free(tok);
	return now_us() - start;
}

static double convert(const char *path, const char *text, size_t size, size_t *rules, size_t *bytes)
{
	struct seccompconv_opts opts = { .caps = caps };
	struct seccompconv_result res = { 0 };
	struct lxcri_error err = {};
	double start = now_us();

	if (seccompconv_convert(path, text, size, &opts, &res, &err) < 0)
		die("conversion failed: %s", err.message);
	start = now_us() - start;
	*rules = res.n_rules;
	*bytes = strlen(res.profile);
	seccompconv_result_done(&res);
	return start;
}

/* The filter of an LXC profile's rule lines ("<name> allow", "<name> errno N"), compiled. */
static double build_filter(const char *profile, int null_fd)
{
	double start = now_us();
	const char *line = profile;
	scmp_filter_ctx ctx;
	uint32_t deflt = SCMP_ACT_ERRNO(1);
	int errno_ret;

	/* Line 2: "allowlist errno N" (Docker's and podman's profiles are allowlists). */
	line = strchr(line, '\n') + 1;
	if (sscanf(line, "allowlist errno %d", &errno_ret) == 1)
		deflt = SCMP_ACT_ERRNO((uint32_t)errno_ret);
	ctx = seccomp_init(deflt);
	if (!ctx || seccomp_arch_add(ctx, SCMP_ARCH_X86) < 0 ||
	    seccomp_arch_add(ctx, SCMP_ARCH_X32) < 0)
		die("seccomp_init failed");
	for (line = strchr(line, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		char name[64], action[16];
		int nr, value = 0;

		if (*line != '#' && *line != '[' &&
		    sscanf(line, "%63s %15s %d", name, action, &value) >= 2 &&
		    (nr = seccomp_syscall_resolve_name(name)) != __NR_SCMP_ERROR) {
			uint32_t act = strcmp(action, "allow") == 0
					   ? SCMP_ACT_ALLOW
					   : SCMP_ACT_ERRNO((uint32_t)value);
			if (act != deflt)
				(void)seccomp_rule_add(ctx, act, nr, 0);
		}
		if (!strchr(line, '\n'))
			break;
	}
	if (seccomp_export_bpf(ctx, null_fd) < 0)
		die("seccomp_export_bpf failed");
	seccomp_release(ctx);
	return now_us() - start;
}

static void report(const char *name, double *v, size_t n)
{
	qsort(v, n, sizeof(double), bench_cmp_double);
	printf("%-44s median %8.3f ms   p90 %8.3f ms\n", name, median_of(v, n) / 1000,
	       v[n * 9 / 10] / 1000);
}

int main(int argc, char **argv)
{
	size_t rounds = argc > 2 ? (size_t)atoi(argv[2]) : 200, rules = 0, bytes = 0;
	struct seccompconv_opts opts = { .caps = caps };
	struct seccompconv_result res = { 0 };
	struct lxcri_error err = {};
	char *text = NULL;
	size_t size = 0;
	double *a, *b, *c, ma, mb;
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (argc < 2)
		die("usage: seccomp <profile.json> [rounds]");
	if (fileio_read_file(argv[1], SECCOMPCONV_SIZE_MAX, &text, &size) < 0)
		die("cannot read '%s'", argv[1]);
	if (rounds < 3)
		rounds = 3;
	a = calloc(rounds, sizeof(double));
	b = calloc(rounds, sizeof(double));
	c = calloc(rounds, sizeof(double));
	if (!a || !b || !c || null_fd < 0)
		die("out of memory");
	if (seccompconv_convert(argv[1], text, size, &opts, &res, &err) < 0)
		die("conversion failed: %s", err.message);
	(void)convert(argv[1], text, size, &rules, &bytes); /* warm up */
	(void)build_filter(res.profile, null_fd);
	for (size_t i = 0; i < rounds; i++) {
		a[i] = parse_only(text, size);
		b[i] = convert(argv[1], text, size, &rules, &bytes);
		c[i] = build_filter(res.profile, null_fd);
	}
	printf("seccomp: '%s' (%zu bytes), %zu rounds each, interleaved\n", argv[1], size, rounds);
	report("(a) json-c parse only", a, rounds);
	report("(b) lxcri conversion to LXC's format", b, rounds);
	report("(c) libseccomp: filter built and compiled", c, rounds);
	ma = median_of(a, rounds);
	mb = median_of(b, rounds);
	printf("ratio convert/parse: %.1f; result: %zu rule lines, %zu bytes\n", mb / ma, rules,
	       bytes);
	printf("the filter (c) costs every start %.1f times what the conversion (b), done once "
	       "by 'lxcri seccomp set', costs\n",
	       median_of(c, rounds) / mb);
	seccompconv_result_done(&res);
	close(null_fd);
	free(a);
	free(b);
	free(c);
	free(text);
	return 0;
}
