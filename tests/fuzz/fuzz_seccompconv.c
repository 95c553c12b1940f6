/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccompconv_convert() on arbitrary bytes, for an x86_64 and an aarch64
 * host. A refusal names the input and leaves no result (or only the losses,
 * for -EOPNOTSUPP); a conversion's every line is one LXC 5.0 reads (the
 * header, comments, one section, rules its parse_v2_rules() accepts), its
 * rule count is right, and it is refused without accept_loss exactly when it
 * has losses. Names skipped as unknown to libseccomp are syscall-like words,
 * never a rule of the profile, and read back from it unchanged.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/lsm/seccompconv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const caps[] = { "CAP_SYS_ADMIN", "CAP_SYS_PTRACE", NULL };

static void check_refusal(const struct lxcri_error *err, int r)
{
	if (err->code != r || strncmp(err->message, "fuzz.json: ", 11) != 0 || !err->message[11])
		abort();
	if (r != -EINVAL && r != -EOPNOTSUPP && r != -EFBIG && r != -ENOMEM)
		abort();
}

/* LXC's reading of one rule line (src/lxc/seccomp.c, get_v2_action() and
 * get_seccomp_arg_value()); the number of argument rules, or -1. */
static int lxc_rule_args(const char *line)
{
	_cleanup_free_ char *copy = strdup(line);
	char *p, *key, *save = NULL;
	int n = 0;

	if (!copy)
		abort();
	p = strchr(copy, ' ');
	if (!p || p == copy)
		return -1;
	p++;
	if (strncmp(p, "kill", 4) != 0 && strncmp(p, "allow", 5) != 0 &&
	    strncmp(p, "trap", 4) != 0 && strncmp(p, "notify", 6) != 0) {
		int e;

		if (strncmp(p, "errno", 5) != 0 || sscanf(p + 5, "%d", &e) != 1 || e < 0 ||
		    e > 4095)
			return -1;
	}
	if (!strchr(copy, '['))
		return 0;
	for (key = strtok_r(copy, "]", &save); key; key = strtok_r(NULL, "]", &save)) {
		char s[31] = { 0 }, v[24] = { 0 }, m[24] = { '0' }, *end;
		unsigned index = 0;
		int r;

		if (n == 6 || !(key = strchr(key, '[')))
			return -1;
		r = sscanf(key, "[%i,%23[^,],%30[^0-9^,],%23[^,]", &index, v, s, m);
		if ((r != 3 && r != 4) || index >= 6 || strncmp(s, "SCMP_CMP_", 9) != 0)
			return -1;
		errno = 0;
		strtoull(v, &end, 0);
		if (errno || *end || end == v)
			return -1;
		strtoull(m, &end, 0);
		if (errno || *end || end == m)
			return -1;
		n++;
	}
	return n;
}

static void check_profile(const struct seccompconv_result *res)
{
	_cleanup_free_ char *copy = strdup(res->profile);
	size_t line_no = 0, rules = 0, sections = 0;
	char *save = NULL;

	if (!copy)
		abort();
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), line_no++) {
		if (line_no == 0 && strcmp(line, "2") != 0)
			abort();
		if (line_no == 1 && strncmp(line, "allowlist ", 10) != 0 &&
		    strcmp(line, "denylist") != 0)
			abort();
		if (line_no == 1 && strstr(line, "debug"))
			abort();
		if (line_no < 2 || line[0] == '#')
			continue;
		if (line[0] == '[') {
			sections++;
			continue;
		}
		if (sections != 1 || lxc_rule_args(line) < 0) {
			fprintf(stderr, "LXC would refuse '%s'\n", line);
			abort();
		}
		rules++;
	}
	if (line_no < 4 || sections != 1 || rules != res->n_rules)
		abort();
}

static void check_skipped(const struct seccompconv_result *res)
{
	_cleanup_(seccompconv_skipped_done) struct seccompconv_skipped back = { 0 };

	if (!res->skipped.names != !res->skipped.text)
		abort();
	if (seccompconv_profile_skipped(res->profile, &back) < 0 ||
	    back.n_names != res->skipped.n_names)
		abort();
	for (size_t i = 0; i < back.n_names; i++) {
		const char *name = res->skipped.names[i];
		char rule[80];

		if (strcmp(back.names[i], name) != 0 || !*name ||
		    name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_")])
			abort();
		snprintf(rule, sizeof(rule), "\n%s ", name);
		if (strstr(res->profile, rule))
			abort();
	}
}

static void run(const uint8_t *data, size_t size, const char *arch, const char *const *cap_set)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 }, strict = { 0 };
	struct seccompconv_opts opts = { .arch = arch, .caps = cap_set, .kernel = "5.10" };
	struct lxcri_error err = { 0 };
	int r;

	opts.accept_loss = true;
	r = seccompconv_convert("fuzz.json", (const char *)data, size, &opts, &res, &err);
	if (r < 0) {
		check_refusal(&err, r);
		if (r == -EOPNOTSUPP || res.profile || res.losses || res.notes)
			abort();
		return;
	}
	if (!res.profile || !res.losses || !res.notes)
		abort();
	check_profile(&res);
	check_skipped(&res);

	opts.accept_loss = false;
	r = seccompconv_convert("fuzz.json", (const char *)data, size, &opts, &strict, &err);
	if ((r == 0) != (res.n_losses == 0) || (r < 0 && r != -EOPNOTSUPP))
		abort();
	if (r < 0) {
		check_refusal(&err, r);
		if (strict.profile || strict.n_losses != res.n_losses || !strict.losses)
			abort();
	} else if (strcmp(strict.profile, res.profile) != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, "x86_64", caps);
	run(data, size, "aarch64", NULL);
	return 0;
}
