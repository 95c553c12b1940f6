/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two readers of lib/lsm/seccompkeep.h on arbitrary bytes: as PVE's config
 * of a container (seccompkeep_kind_pve(): a kind, or -EINVAL naming the file
 * and line), and as a seccomp profile converted by seccompconv_convert() whose
 * protections are then kept for every kind of container. A profile with its
 * protections kept has only lines LXC 5.0 reads (rules of the form
 * lib/lsm/lxcseccomp.h reads back), in one section; it says
 * what it kept, and that is each protection of the kind, as a rule or as a
 * "kept by" comment. The bytes as a converted profile themselves are kept
 * too, or refused with -EINVAL.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/lsm/lxcseccomp.h"
#include "lib/lsm/seccompconv.h"
#include "lib/lsm/seccompkeep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_kind_pve(const char *text, size_t size)
{
	struct seccompkeep_container ct;
	struct lxcri_error err = { 0 };
	int r = seccompkeep_kind_pve("/etc/pve/lxc/105.conf", text, size, &ct, &err);

	if (r == 0)
		return;
	if (r != -EINVAL || err.code != r ||
	    strncmp(err.message, "/etc/pve/lxc/105.conf:", 22) != 0)
		abort();
}

/* A kept profile: LXC's header, comments, one section, then rules of the form lxcri writes. */
static void check_lines(const char *profile, size_t rules_expected)
{
	size_t rules = 0, sections = 0;
	unsigned line_no = 1;

	for (const char *p = profile; *p; line_no++) {
		const char *eol = strchrnul(p, '\n');
		_cleanup_free_ char *line = strndup(p, (size_t)(eol - p));
		struct lxcseccomp_rule rule;

		if (!line)
			abort();
		p = *eol ? eol + 1 : eol;
		if (line_no <= 2 || line[0] == '#')
			continue;
		if (line[0] == '[')
			sections++;
		else if (sections != 1 || !lxcseccomp_rule_parse(line, &rule))
			abort();
		else
			rules++;
	}
	if (sections != 1 || rules != rules_expected)
		abort();
}

static void check_kept(const char *converted)
{
	static const enum seccompkeep_kind all[] = {
		SECCOMPKEEP_LXC,
		SECCOMPKEEP_PVE_PRIVILEGED,
		SECCOMPKEEP_PVE_UNPRIVILEGED,
		SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL,
	};

	for (size_t i = 0; i < ELEMENTSOF(all); i++) {
		struct seccompkeep_container ct = { .kind = all[i], .mknod = i == 2 };
		struct seccompkeep_result res = { 0 };
		struct seccompkeep_kept back = { 0 };
		struct lxcri_error err = { 0 };

		if (seccompkeep_apply(converted, &ct, &res, &err) != 0)
			abort();
		check_lines(res.profile, res.n_rules);
		if (seccompkeep_profile_kept(res.profile, &back) != 0 || back.kind != all[i] ||
		    back.n_rules != res.n_kept || res.n_kept < 6)
			abort();
		for (size_t k = 0; k < back.n_rules; k++)
			if (strcmp(back.rules[k], res.kept[k]) != 0)
				abort();
		seccompkeep_kept_done(&back);
		seccompkeep_result_done(&res);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = { 0 };
	struct seccompconv_opts opts = { .arch = "x86_64", .kernel = "6.1", .accept_loss = true };
	struct seccompkeep_container ct = { .kind = SECCOMPKEEP_PVE_UNPRIVILEGED };
	struct seccompkeep_result res = { 0 };
	struct lxcri_error err = { 0 };
	_cleanup_free_ char *text = malloc(size + 1);
	int r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_kind_pve(text, size);

	r = seccompkeep_apply(text, &ct, &res, &err);
	if (r != 0 && (r != -EINVAL || res.profile))
		abort();
	seccompkeep_result_done(&res);

	if (seccompconv_convert("fuzz.json", text, size, &opts, &conv, &err) == 0)
		check_kept(conv.profile);
	return 0;
}
