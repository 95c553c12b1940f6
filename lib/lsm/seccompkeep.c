/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/lsm/seccompkeep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lxcconf.h"
#include "lib/lsm/lxcseccomp.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"

#define KEPT_FOR     "# lxcri: kept for "
#define KEPT_BY	     "# lxcri: kept by "
#define PVE_CONF_MAX (1024 * 1024) /* pmxcfs holds no larger file */
/* The most rules one rule of a profile becomes when narrowed. */
#define ATOMS_MAX 64

enum origin { FROM_LXC, FROM_PVE };

static const char *const origin_names[] = {
	[FROM_LXC] = "LXC's",
	[FROM_PVE] = "PVE's",
};

#define DENY(syscall, e)                                                                           \
	{                                                                                          \
		.name = syscall, .action = { LXCSECCOMP_ERRNO, e }                                 \
	}
#define DENY_IF(syscall, e, arg, op, value, mask)                                                  \
	{                                                                                          \
		.name = syscall, .action = { LXCSECCOMP_ERRNO, e },                                \
		.args = { { arg, op, value, mask } }, .n_args = 1                                  \
	}

/* lib/lsm/seccompkeep.h lists them, and why; errno values as Linux numbers them. */
static const struct protection {
	enum origin origin;
	struct lxcseccomp_rule rule;
	bool unprivileged_only;
	bool not_with_keyctl; /* PVE's features keyctl=1 takes it away */
} protections[] = {
	{ .origin = FROM_LXC, .rule = DENY_IF("umount2", 13, 1, LXCSECCOMP_MASKED_EQ, 1, 1) },
	{ .origin = FROM_LXC, .rule = DENY("kexec_load", 1) },
	{ .origin = FROM_LXC, .rule = DENY("open_by_handle_at", 1) },
	{ .origin = FROM_LXC, .rule = DENY("init_module", 1) },
	{ .origin = FROM_LXC, .rule = DENY("finit_module", 1) },
	{ .origin = FROM_LXC, .rule = DENY("delete_module", 1) },
	{ .origin = FROM_PVE,
	  .rule = DENY("keyctl", 38),
	  .unprivileged_only = true,
	  .not_with_keyctl = true },
	{ .origin = FROM_PVE,
	  .rule = DENY_IF("ioctl", 1, 1, LXCSECCOMP_MASKED_EQ, 0x9400, 0xff00),
	  .unprivileged_only = true },
	{ .origin = FROM_PVE,
	  .rule = DENY_IF("socket", 97, 0, LXCSECCOMP_EQ, 38, 0),
	  .unprivileged_only = true },
};

static const struct {
	const char *name, *phrase, *kept;
} kind_texts[] = {
	[SECCOMPKEEP_LXC] = { "lxc", "a container on plain LXC", "LXC's common.seccomp" },
	[SECCOMPKEEP_PVE_PRIVILEGED] = { "pve-privileged", "a privileged PVE container",
					 "LXC's common.seccomp" },
	[SECCOMPKEEP_PVE_UNPRIVILEGED] = { "pve-unprivileged", "an unprivileged PVE container",
					   "LXC's common.seccomp and PVE's rules for "
					   "unprivileged containers" },
	[SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL] = { "pve-unprivileged-keyctl",
						  "an unprivileged PVE container with features "
						  "keyctl=1",
						  "LXC's common.seccomp and PVE's rules for "
						  "unprivileged containers but keyctl's" },
};

const char *seccompkeep_kind_name(enum seccompkeep_kind kind)
{
	return kind_texts[kind].name;
}

const char *seccompkeep_kind_phrase(enum seccompkeep_kind kind)
{
	return kind_texts[kind].phrase;
}

const char *seccompkeep_kind_kept(enum seccompkeep_kind kind)
{
	return kind_texts[kind].kept;
}

static bool protection_applies(const struct protection *p, enum seccompkeep_kind kind)
{
	bool unprivileged =
	    kind == SECCOMPKEEP_PVE_UNPRIVILEGED || kind == SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL;

	if (p->unprivileged_only && !unprivileged)
		return false;
	return !(p->not_with_keyctl && kind == SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL);
}

/* --- PVE's config --- */

/* PVE::JSONSchema's booleans: 1|true|yes|on and 0|false|no|off, in any case. */
static int parse_pve_boolean(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* "keyctl=1,nesting=1,mount=nfs;cifs": keyctl and mknod; PVE checks the rest. */
static int parse_features(const char *path, unsigned line, char *value, bool *ret_keyctl,
			  bool *ret_mknod, struct lxcri_error *err)
{
	char buf[ESCAPE_BUFSIZE], *save = NULL;

	for (char *item = strtok_r(value, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *equals = strchr(item, '=');
		bool *flag = NULL;

		if (!equals)
			return error_set(err, -EINVAL, "%s:%u: features: '%s' is not key=value",
					 path, line, escape_for_message(item, buf, sizeof(buf)));
		*equals = '\0';
		if (strcmp(item, "keyctl") == 0)
			flag = ret_keyctl;
		else if (strcmp(item, "mknod") == 0)
			flag = ret_mknod;
		if (flag && parse_pve_boolean(equals + 1, flag) < 0)
			return error_set(err, -EINVAL, "%s:%u: features: %s: '%s' is not a boolean",
					 path, line, item,
					 escape_for_message(equals + 1, buf, sizeof(buf)));
	}
	return 0;
}

int seccompkeep_kind_pve(const char *path, const char *text, size_t size,
			 struct seccompkeep_container *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *unprivileged = NULL, *features = NULL, *idmap = NULL;
	bool is_unprivileged = false, keyctl = false, mknod = false;
	char buf[ESCAPE_BUFSIZE];
	unsigned line = 0, features_line = 0;
	int r;

	r = lxcconf_get_line(text, size, LXCCONF_PVE, "unprivileged", &unprivileged, &line);
	if (r >= 0)
		r = lxcconf_get_line(text, size, LXCCONF_PVE, "features", &features,
				     &features_line);
	if (r >= 0)
		r = lxcconf_get(text, size, LXCCONF_PVE, "lxc.idmap", &idmap);
	if (r < 0)
		return error_set(err, r, "Out of memory");
	if (unprivileged && parse_pve_boolean(unprivileged, &is_unprivileged) < 0)
		return error_set(err, -EINVAL,
				 "%s:%u: unprivileged: '%s' is not a boolean (0 or 1)", path, line,
				 escape_for_message(unprivileged, buf, sizeof(buf)));
	if (features &&
	    (r = parse_features(path, features_line, features, &keyctl, &mknod, err)) < 0)
		return r;
	/* PVE's update_lxc_config(): a raw id map makes a container unprivileged too. */
	is_unprivileged = is_unprivileged || idmap;
	*ret = (struct seccompkeep_container){
		.kind = !is_unprivileged ? SECCOMPKEEP_PVE_PRIVILEGED
			: keyctl	 ? SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL
					 : SECCOMPKEEP_PVE_UNPRIVILEGED,
		.mknod = is_unprivileged && mknod,
	};
	snprintf(ret->config, sizeof(ret->config), "%s", path);
	return 0;
}

int seccompkeep_kind_of(const struct lxcri_paths *p, const char *id,
			struct seccompkeep_container *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	enum lxcconf_format format;
	char path[PATH_MAX];
	size_t size = 0;
	int r;

	if (lxcconf_path(p, id, path, sizeof(path), &format) < 0)
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	if (format != LXCCONF_PVE) {
		*ret = (struct seccompkeep_container){ .kind = SECCOMPKEEP_LXC };
		return 0;
	}
	r = fileio_read_file(path, PVE_CONF_MAX, &text, &size);
	if (r < 0)
		return error_set_errno(err, r,
				       "Failed to read '%s', which says whether container '%s' is "
				       "unprivileged (the protections its seccomp profile keeps)",
				       path, id);
	return seccompkeep_kind_pve(path, text, size, ret, err);
}

/* --- rules --- */

/* The stricter of a and the kept k; between equally strict ones, k. */
static struct lxcseccomp_action stricter(struct lxcseccomp_action a, struct lxcseccomp_action k)
{
	return lxcseccomp_strictness(a) > lxcseccomp_strictness(k) ? a : k;
}

/* --- narrowing: the calls an argument rule matches, less those a kept rule denies --- */

struct atoms {
	struct lxcseccomp_cmp cmp[ATOMS_MAX];
	size_t n;
};

static int atom_add(struct atoms *a, unsigned index, enum lxcseccomp_op op, uint64_t value,
		    uint64_t mask)
{
	if (a->n == ATOMS_MAX)
		return -E2BIG;
	a->cmp[a->n++] = (struct lxcseccomp_cmp){ index, op, value, mask };
	return 0;
}

/* [lo, hi], neither the whole range: as few comparisons as it takes. */
static int interval_add(struct atoms *a, unsigned index, uint64_t lo, uint64_t hi)
{
	int r = 0;

	if (lo > hi)
		return 0;
	if (lo == hi)
		return atom_add(a, index, LXCSECCOMP_EQ, lo, 0);
	if (lo == 0)
		return atom_add(a, index, LXCSECCOMP_LT, hi + 1, 0);
	if (hi == UINT64_MAX)
		return atom_add(a, index, LXCSECCOMP_GT, lo - 1, 0);
	/* Aligned blocks of 2^k values: (arg & ~(2^k - 1)) == start. */
	while (r >= 0 && lo <= hi) {
		uint64_t block = lo & -lo;

		while (block - 1 > hi - lo)
			block >>= 1;
		r = block == 1 ? atom_add(a, index, LXCSECCOMP_EQ, lo, 0)
			       : atom_add(a, index, LXCSECCOMP_MASKED_EQ, lo, ~(block - 1));
		if (lo > UINT64_MAX - block)
			break;
		lo += block;
	}
	return r;
}

/* The values [lo, hi] an ordering comparison matches; false if it matches none. */
static bool cmp_range(const struct lxcseccomp_cmp *x, uint64_t *lo, uint64_t *hi)
{
	*lo = 0;
	*hi = UINT64_MAX;
	switch (x->op) {
	case LXCSECCOMP_LT:
		*hi = x->value - 1;
		return x->value > 0;
	case LXCSECCOMP_LE:
		*hi = x->value;
		return true;
	case LXCSECCOMP_GT:
		*lo = x->value + 1;
		return x->value < UINT64_MAX;
	case LXCSECCOMP_GE:
		*lo = x->value;
		return true;
	default:
		abort();
	}
}

/*
 * The calls x matches (x NULL: every call) that c does not, as argument
 * rules on c's argument, any of which may match (OR): 0 and *ret filled;
 * -EOPNOTSUPP when that takes more than one comparison per rule.
 */
static int subtract(const struct lxcseccomp_cmp *x, const struct lxcseccomp_cmp *c,
		    struct atoms *ret)
{
	uint64_t v = c->value, lo, hi;
	unsigned i = c->index;
	int r = 0;

	ret->n = 0;
	if (c->op == LXCSECCOMP_EQ) {
		if (!x) {
			if (v > 0)
				r = interval_add(ret, i, 0, v - 1);
			if (r >= 0 && v < UINT64_MAX)
				r = interval_add(ret, i, v + 1, UINT64_MAX);
			return r;
		}
		switch (x->op) {
		case LXCSECCOMP_EQ:
			return x->value == v ? 0 : atom_add(ret, i, x->op, x->value, 0);
		case LXCSECCOMP_NE: {
			uint64_t a = x->value < v ? x->value : v, b = x->value < v ? v : x->value;

			if (x->value == v)
				return atom_add(ret, i, x->op, x->value, 0);
			if (a > 0)
				r = interval_add(ret, i, 0, a - 1);
			if (r >= 0)
				r = interval_add(ret, i, a + 1, b - 1);
			if (r >= 0 && b < UINT64_MAX)
				r = interval_add(ret, i, b + 1, UINT64_MAX);
			return r;
		}
		case LXCSECCOMP_MASKED_EQ:
			if ((x->value & ~x->mask) || (v & x->mask) != x->value)
				return atom_add(ret, i, x->op, x->value, x->mask);
			/* The values x matches differ from v in a bit x leaves free. */
			for (unsigned b = 0; b < 64 && r >= 0; b++)
				if (!(x->mask & (UINT64_C(1) << b)))
					r = atom_add(ret, i, LXCSECCOMP_MASKED_EQ,
						     x->value | (~v & (UINT64_C(1) << b)),
						     x->mask | (UINT64_C(1) << b));
			return r;
		default:
			if (!cmp_range(x, &lo, &hi) || v < lo || v > hi)
				return atom_add(ret, i, x->op, x->value, 0);
			r = lo < v ? interval_add(ret, i, lo, v - 1) : 0;
			if (r >= 0 && v < hi)
				r = interval_add(ret, i, v + 1, hi);
			return r;
		}
	}
	/*
	 * c: (arg & m) == v. A call it does not match differs from v in a bit of
	 * m; x (none, or (arg & x_mask) == x_value) leaves some of them free.
	 */
	uint64_t m = c->mask, x_mask = 0, x_value = 0;
	if (x && x->op == LXCSECCOMP_EQ)
		return (x->value & m) == v ? 0 : atom_add(ret, i, x->op, x->value, 0);
	if (x && x->op != LXCSECCOMP_MASKED_EQ)
		return -EOPNOTSUPP;
	if (x) {
		if ((x->value & ~x->mask) || ((x->value ^ v) & m & x->mask))
			return atom_add(ret, i, x->op, x->value, x->mask);
		x_mask = x->mask;
		x_value = x->value;
	}
	for (unsigned b = 0; b < 64 && r >= 0; b++) {
		uint64_t bit = UINT64_C(1) << b;

		if (m & ~x_mask & bit)
			r = atom_add(ret, i, LXCSECCOMP_MASKED_EQ, x_value | (~v & bit),
				     x_mask | bit);
	}
	return r;
}

/* --- the profile --- */

struct item {
	char *line;   /* as it was, without its line end */
	bool is_rule; /* after the section line */
	struct lxcseccomp_rule rule;
	char *comment; /* set: the item was changed; this line says how, and was */
	struct lxcseccomp_rule *replacement;
	size_t n_replacement; /* 0 with a comment: left out */
};

struct keep {
	struct item *items;
	size_t n_items;
	struct lxcseccomp_action default_action;
	FILE *kept; /* the kept block */
	char **notes, **losses, **kept_rules;
	size_t n_notes, n_losses, n_kept_rules;
	struct lxcri_error *err;
};

static void keep_done(struct keep *k)
{
	for (size_t i = 0; i < k->n_items; i++) {
		free(k->items[i].line);
		free(k->items[i].comment);
		free(k->items[i].replacement);
	}
	free(k->items);
	if (k->kept)
		fclose(k->kept);
	strv_free(k->notes);
	strv_free(k->losses);
	strv_free(k->kept_rules);
	*k = (struct keep){ 0 };
}

static int parse_profile(struct keep *k, const char *profile)
{
	bool section = false;
	unsigned line_no = 0;

	for (const char *p = profile; *p;) {
		const char *eol = strchrnul(p, '\n');
		struct item *grown = realloc(k->items, (k->n_items + 1) * sizeof(*grown)), *it;
		const char *policy;

		if (!grown)
			return -ENOMEM;
		k->items = grown;
		it = &k->items[k->n_items];
		*it = (struct item){ .line = strndup(p, (size_t)(eol - p)) };
		if (!it->line)
			return -ENOMEM;
		k->n_items++;
		line_no++;
		p = *eol ? eol + 1 : eol;
		if (line_no == 1 && strcmp(it->line, "2") != 0)
			break;
		if (line_no == 2) {
			policy = it->line;
			if (strcmp(policy, "denylist") == 0)
				k->default_action =
				    (struct lxcseccomp_action){ LXCSECCOMP_ALLOW, 0 };
			else if (strncmp(policy, "allowlist ", 10) != 0 ||
				 !(policy += 10,
				   lxcseccomp_action_parse(&policy, &k->default_action)) ||
				 *policy || k->default_action.kind == LXCSECCOMP_ALLOW)
				break;
			continue;
		}
		if (line_no < 2 || it->line[0] == '#')
			continue;
		if (it->line[0] == '[' && !section) {
			section = true;
			continue;
		}
		if (!section || !lxcseccomp_rule_parse(it->line, &it->rule))
			return error_set(
			    k->err, -EINVAL,
			    "Failed to keep the protections of the container: line %u of "
			    "the converted profile, '%s', is not a rule lxcri writes",
			    line_no, it->line);
		it->is_rule = true;
	}
	if (!section)
		return error_set(k->err, -EINVAL,
				 "Failed to keep the protections of the container: the converted "
				 "profile is not one lxcri writes (LXC's format 2, one section)");
	return 0;
}

/* Changes item it: comment (how; NULL: left out) and the rules it becomes. */
static int change_item(struct item *it, const char *how, const struct protection *p,
		       struct lxcseccomp_rule *replacement, size_t n)
{
	_cleanup_free_ char *kept = lxcseccomp_rule_text(&p->rule);

	if (!kept || asprintf(&it->comment, "# lxcri: %s for %s '%s', was: %s", how,
			      origin_names[p->origin], kept, it->line) < 0) {
		free(replacement);
		it->comment = NULL;
		return -ENOMEM;
	}
	free(it->replacement);
	it->replacement = replacement;
	it->n_replacement = n;
	return 0;
}

static int note_item(struct keep *k, const struct item *it, const char *what,
		     const struct protection *p)
{
	_cleanup_free_ char *kept = lxcseccomp_rule_text(&p->rule);

	if (!kept)
		return -ENOMEM;
	return strv_appendf(&k->notes, &k->n_notes, "'%s' %s: %s '%s' stands", it->line, what,
			    origin_names[p->origin], kept);
}

static int leave_out(struct keep *k, struct item *it, const struct protection *p)
{
	int r = change_item(it, "left out", p, NULL, 0);

	return r < 0 ? r : note_item(k, it, "left out", p);
}

/*
 * The item's rule without the calls p denies (it has a less strict action
 * than p's). With raise (a default action stricter than p's, which those
 * calls would get instead), those calls get p's action in a rule of their
 * own, as they would under both profiles.
 */
static int narrow(struct keep *k, struct item *it, const struct protection *p, bool raise)
{
	const struct lxcseccomp_cmp *c = &p->rule.args[0], *x = NULL;
	_cleanup_free_ struct lxcseccomp_rule *rules = NULL;
	_cleanup_free_ char *kept = lxcseccomp_rule_text(&p->rule);
	char what[48], buf[LXCSECCOMP_ACTION_TEXT], kept_buf[LXCSECCOMP_ACTION_TEXT];
	struct atoms atoms;
	size_t at = it->rule.n_args, n;
	int r;

	if (!kept)
		return -ENOMEM;
	for (size_t i = 0; i < it->rule.n_args; i++)
		if (it->rule.args[i].index == c->index) {
			x = &it->rule.args[i];
			at = i;
		}
	r = subtract(x, c, &atoms);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = change_item(it, "left out", p, NULL, 0);
		if (r >= 0)
			r = strv_appendf(
			    &k->losses, &k->n_losses,
			    "'%s': its condition on argument %u cannot be narrowed to leave "
			    "out what %s '%s' denies: left out, the calls it allows get the "
			    "default action",
			    it->line, c->index, origin_names[p->origin], kept);
		return r;
	}
	if (atoms.n == 1 && x && atoms.cmp[0].op == x->op && atoms.cmp[0].value == x->value &&
	    atoms.cmp[0].mask == x->mask)
		return 0; /* it matches none of those calls: as it is */
	rules = calloc(atoms.n + 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (n = 0; n < atoms.n; n++) {
		rules[n] = it->rule;
		rules[n].args[at] = atoms.cmp[n];
		if (at == it->rule.n_args)
			rules[n].n_args++;
	}
	if (raise && (!x || atoms.n == 0)) {
		/* The rule and p's condition (x, where the rule is all inside it). */
		rules[n] = it->rule;
		rules[n].action = p->rule.action;
		if (!x)
			rules[n].args[rules[n].n_args++] = *c;
		n++;
	} else if (raise) {
		r = strv_appendf(
		    &k->losses, &k->n_losses,
		    "'%s': the calls of it that %s '%s' denies cannot be told apart on "
		    "argument %u: they get the default action (%s), not %s",
		    it->line, origin_names[p->origin], kept, c->index,
		    lxcseccomp_action_text(k->default_action, buf),
		    lxcseccomp_action_text(p->rule.action, kept_buf));
		if (r < 0)
			return r;
	}
	if (n == 0)
		return leave_out(k, it, p);
	snprintf(what, sizeof(what), "narrowed to %zu rule%s", n, n == 1 ? "" : "s");
	r = change_item(it, "narrowed", p, TAKE_PTR(rules), n);
	return r < 0 ? r : note_item(k, it, what, p);
}

/* p kept as a rule of the kept block, or by what makes it one too much. */
static int kept_line(struct keep *k, const struct protection *p, const char *by)
{
	char *text = lxcseccomp_rule_text(&p->rule);

	if (!text)
		return -ENOMEM;
	if (by)
		fprintf(k->kept, KEPT_BY "%s: %s\n", by, text);
	else
		fprintf(k->kept, "%s\n", text);
	return strv_append(&k->kept_rules, &k->n_kept_rules, text);
}

static int keep_protection(struct keep *k, const struct protection *p)
{
	const struct lxcseccomp_action kept = p->rule.action, def = k->default_action;
	bool is_default = lxcseccomp_action_equal(def, kept),
	     stricter_default = lxcseccomp_strictness(def) > lxcseccomp_strictness(kept);
	struct item *unconditional = NULL;
	char by[128];
	int r = 0;

	for (size_t i = 0; i < k->n_items; i++) {
		struct item *it = &k->items[i];

		if (it->is_rule && strcmp(it->rule.name, p->rule.name) == 0 &&
		    it->rule.n_args == 0 && !unconditional)
			unconditional = it;
	}
	/*
	 * libseccomp applies the first unconditional rule of a syscall, and
	 * nothing else of it: where that denies as much, it keeps p.
	 */
	if (unconditional &&
	    (lxcseccomp_action_equal(unconditional->rule.action, kept) ||
	     lxcseccomp_strictness(unconditional->rule.action) > lxcseccomp_strictness(kept) ||
	     (p->rule.n_args > 0 &&
	      lxcseccomp_strictness(unconditional->rule.action) == lxcseccomp_strictness(kept)))) {
		snprintf(by, sizeof(by), "the profile's own '%.100s'", unconditional->line);
		return kept_line(k, p, by);
	}
	for (size_t i = 0; i < k->n_items && r >= 0; i++) {
		struct item *it = &k->items[i];
		struct lxcseccomp_action a = it->rule.action;

		if (!it->is_rule || strcmp(it->rule.name, p->rule.name) != 0)
			continue;
		if (unconditional && it != unconditional) {
			r = leave_out(k, it, p); /* overridden by the unconditional one all along */
		} else if (p->rule.n_args > 0) {
			if (lxcseccomp_strictness(a) < lxcseccomp_strictness(kept))
				r = narrow(k, it, p, stricter_default && !unconditional);
		} else if (!unconditional && (is_default || stricter_default)) {
			struct lxcseccomp_action raised = stricter(a, kept);
			struct lxcseccomp_rule *rule;

			if (lxcseccomp_action_equal(raised, def)) {
				r = leave_out(k, it, p);
			} else if (!lxcseccomp_action_equal(raised, a)) {
				if (!(rule = malloc(sizeof(*rule))))
					return -ENOMEM;
				*rule = it->rule;
				rule->action = raised;
				r = change_item(it, "raised", p, rule, 1);
				if (r >= 0)
					r = note_item(k, it, "raised", p);
			}
		} else {
			_cleanup_free_ char *text = lxcseccomp_rule_text(&p->rule);
			char buf[LXCSECCOMP_ACTION_TEXT];

			if (!text)
				return -ENOMEM;
			r = leave_out(k, it, p);
			/* The kept rule is unconditional: libseccomp would drop this one. */
			if (r >= 0 && lxcseccomp_strictness(a) > lxcseccomp_strictness(kept))
				r = strv_appendf(
				    &k->losses, &k->n_losses,
				    "'%s' cannot stand beside %s '%s' (libseccomp applies "
				    "an unconditional rule of a call over its conditional "
				    "ones): left out, those calls get %s",
				    it->line, origin_names[p->origin], text,
				    lxcseccomp_action_text(kept, buf));
		}
	}
	if (r < 0)
		return r;
	/*
	 * The calls no rule is left for get the default action: enough where it
	 * is p's, or stricter than the profile's rule was (none, or a narrowed
	 * one raised above); the calls an unconditional rule of the profile
	 * allowed need p's own.
	 */
	if (is_default || (stricter_default && !unconditional)) {
		char buf[LXCSECCOMP_ACTION_TEXT];

		snprintf(by, sizeof(by), "the default action (%s)",
			 lxcseccomp_action_text(def, buf));
		return kept_line(k, p, by);
	}
	return kept_line(k, p, NULL);
}

static char *profile_text(struct keep *k, const char *block, size_t *ret_rules)
{
	char *text = NULL;
	size_t size = 0, rules = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	for (size_t i = 0; i < k->n_items; i++) {
		const struct item *it = &k->items[i];

		if (!it->comment) {
			fprintf(f, "%s\n", it->line);
			rules += it->is_rule;
			continue;
		}
		fprintf(f, "%s\n", it->comment);
		for (size_t j = 0; j < it->n_replacement; j++) {
			lxcseccomp_write_rule(f, &it->replacement[j]);
			fputc('\n', f);
			rules++;
		}
	}
	fputs(block, f);
	for (const char *s = block; *s; s = strchrnul(s, '\n'), s += *s == '\n')
		rules += *s != '#' && *s != '\n';
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	*ret_rules = rules;
	return text;
}

void seccompkeep_result_done(struct seccompkeep_result *r)
{
	free(r->profile);
	strv_free(r->notes);
	strv_free(r->losses);
	strv_free(r->kept);
	*r = (struct seccompkeep_result){ 0 };
}

int seccompkeep_apply(const char *profile, const struct seccompkeep_container *ct,
		      struct seccompkeep_result *ret, struct lxcri_error *err)
{
	_cleanup_(keep_done) struct keep k = { .err = err };
	_cleanup_free_ char *block = NULL;
	bool headed[2] = { false, false };
	size_t block_size = 0;
	int r;

	*ret = (struct seccompkeep_result){ 0 };
	r = parse_profile(&k, profile);
	if (r < 0)
		return r == -ENOMEM ? error_set(err, r, "Out of memory") : r;
	k.kept = open_memstream(&block, &block_size);
	if (!k.kept)
		return error_oom(err);
	fprintf(k.kept, KEPT_FOR "%s: %s, which this profile replaces (%s)\n",
		seccompkeep_kind_name(ct->kind), seccompkeep_kind_kept(ct->kind),
		seccompkeep_kind_phrase(ct->kind));
	for (size_t i = 0; i < ELEMENTSOF(protections) && r >= 0; i++) {
		const struct protection *p = &protections[i];

		if (!protection_applies(p, ct->kind))
			continue;
		if (!headed[p->origin])
			fprintf(
			    k.kept, "# lxcri: from %s\n",
			    p->origin == FROM_LXC
				? "LXC's common.seccomp (LXC and PVE give it to every container)"
				: "PVE's rules.seccomp (for unprivileged containers)");
		headed[p->origin] = true;
		r = keep_protection(&k, p);
	}
	if (r >= 0 && ct->mknod)
		r = strv_appendf(
		    &k.notes, &k.n_notes,
		    "features mknod=1 in '%s': PVE's mknod proxy "
		    "(lxc.seccomp.notify.proxy) is off under this profile, so mknod of "
		    "devices is refused, as the kernel refuses it in a user namespace",
		    ct->config);
	if (fclose(TAKE_PTR(k.kept)) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0 && !(ret->profile = profile_text(&k, block, &ret->n_rules)))
		r = -ENOMEM;
	if (r >= 0 && (!k.notes && !(k.notes = calloc(1, sizeof(char *)))))
		r = -ENOMEM;
	if (r >= 0 && (!k.losses && !(k.losses = calloc(1, sizeof(char *)))))
		r = -ENOMEM;
	if (r >= 0 && (!k.kept_rules && !(k.kept_rules = calloc(1, sizeof(char *)))))
		r = -ENOMEM;
	if (r < 0) {
		seccompkeep_result_done(ret);
		return error_set(err, r, "Out of memory");
	}
	ret->notes = TAKE_PTR(k.notes);
	ret->losses = TAKE_PTR(k.losses);
	ret->kept = TAKE_PTR(k.kept_rules);
	ret->n_notes = k.n_notes;
	ret->n_losses = k.n_losses;
	ret->n_kept = k.n_kept_rules;
	return 0;
}

void seccompkeep_kept_done(struct seccompkeep_kept *k)
{
	strv_free(k->rules);
	*k = (struct seccompkeep_kept){ 0 };
}

int seccompkeep_profile_kept(const char *profile, struct seccompkeep_kept *ret)
{
	const char *line = strstr(profile, "\n" KEPT_FOR), *name, *end;
	size_t n;
	int r;

	*ret = (struct seccompkeep_kept){ 0 };
	if (!line)
		return -ENOENT;
	name = line + 1 + strlen(KEPT_FOR);
	n = strcspn(name, ":\n");
	for (size_t kind = 0;; kind++) {
		if (kind == ELEMENTSOF(kind_texts))
			return -EINVAL;
		if (strlen(kind_texts[kind].name) == n &&
		    strncmp(name, kind_texts[kind].name, n) == 0) {
			ret->kind = (enum seccompkeep_kind)kind;
			break;
		}
	}
	for (line = strchrnul(name, '\n'); *line; line = end) {
		const char *start = line + 1, *rule = start;

		end = strchrnul(start, '\n');
		if (strncmp(start, KEPT_BY, strlen(KEPT_BY)) == 0) {
			const char *colon = NULL;

			for (const char *s = start; s < end; s++)
				if (s[0] == ':' && s[1] == ' ')
					colon = s;
			rule = colon ? colon + 2 : end;
		} else if (*start == '#') {
			continue;
		}
		if (rule == end)
			continue;
		r = strv_append(&ret->rules, &ret->n_rules, strndup(rule, (size_t)(end - rule)));
		if (r < 0) {
			seccompkeep_kept_done(ret);
			return r;
		}
	}
	if (!ret->rules && !(ret->rules = calloc(1, sizeof(char *))))
		return -ENOMEM;
	return 0;
}
