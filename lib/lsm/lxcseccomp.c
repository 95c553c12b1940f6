/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/lsm/lxcseccomp.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/parse.h"

static const struct {
	const char *word;
	unsigned strictness;
} kinds[] = {
	[LXCSECCOMP_ALLOW] = { "allow", 0 },   [LXCSECCOMP_ERRNO] = { "errno", 4 },
	[LXCSECCOMP_KILL] = { "kill", 6 },     [LXCSECCOMP_TRAP] = { "trap", 5 },
	[LXCSECCOMP_NOTIFY] = { "notify", 3 },
};

const char *const lxcseccomp_op_names[LXCSECCOMP_N_OPS] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

unsigned lxcseccomp_strictness(struct lxcseccomp_action a)
{
	return kinds[a.kind].strictness;
}

bool lxcseccomp_action_equal(struct lxcseccomp_action a, struct lxcseccomp_action b)
{
	return a.kind == b.kind && (a.kind != LXCSECCOMP_ERRNO || a.errno_value == b.errno_value);
}

const char *lxcseccomp_action_text(struct lxcseccomp_action a, char buf[LXCSECCOMP_ACTION_TEXT])
{
	if (a.kind != LXCSECCOMP_ERRNO)
		return kinds[a.kind].word;
	snprintf(buf, LXCSECCOMP_ACTION_TEXT, "errno %u", a.errno_value);
	return buf;
}

/* s[0..n) as a decimal number. */
static bool parse_u64(const char *s, size_t n, uint64_t *ret)
{
	char buf[24];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_uint64(buf, 0, UINT64_MAX, ret) >= 0;
}

bool lxcseccomp_action_parse(const char **s, struct lxcseccomp_action *ret)
{
	for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
		size_t n = strlen(kinds[k].word);
		uint64_t e;

		if (strncmp(*s, kinds[k].word, n) != 0 || ((*s)[n] && (*s)[n] != ' '))
			continue;
		*s += n;
		*ret = (struct lxcseccomp_action){ (enum lxcseccomp_kind)k, 0 };
		if (k != LXCSECCOMP_ERRNO)
			return true;
		if (**s != ' ')
			return false;
		(*s)++;
		n = strspn(*s, "0123456789");
		if (!parse_u64(*s, n, &e) || e > 4095)
			return false;
		ret->errno_value = (unsigned)e;
		*s += n;
		return true;
	}
	return false;
}

void lxcseccomp_write_cmp(FILE *f, const struct lxcseccomp_cmp *c)
{
	if (c->op == LXCSECCOMP_MASKED_EQ)
		fprintf(f, " [%u,%" PRIu64 ",%s,%" PRIu64 "]", c->index, c->value,
			lxcseccomp_op_names[c->op], c->mask);
	else
		fprintf(f, " [%u,%" PRIu64 ",%s]", c->index, c->value, lxcseccomp_op_names[c->op]);
}

void lxcseccomp_write_rule(FILE *f, const struct lxcseccomp_rule *r)
{
	char buf[LXCSECCOMP_ACTION_TEXT];

	fprintf(f, "%s %s", r->name, lxcseccomp_action_text(r->action, buf));
	for (size_t i = 0; i < r->n_args; i++)
		lxcseccomp_write_cmp(f, &r->args[i]);
}

char *lxcseccomp_rule_text(const struct lxcseccomp_rule *r)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	lxcseccomp_write_rule(f, r);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* "[1,37888,SCMP_CMP_MASKED_EQ,65280]" at *s, which is moved past it. */
static bool parse_cmp(const char **s, struct lxcseccomp_cmp *ret)
{
	struct lxcseccomp_cmp c = { .op = LXCSECCOMP_N_OPS };
	const char *p = *s, *end;
	uint64_t index;
	size_t n;

	if (*p++ != '[' || !(end = strchr(p, ']')))
		return false;
	n = strcspn(p, ",");
	if (!parse_u64(p, n, &index) || index > 5 || p[n] != ',')
		return false;
	c.index = (unsigned)index;
	p += n + 1;
	n = strcspn(p, ",");
	if (!parse_u64(p, n, &c.value) || p[n] != ',')
		return false;
	p += n + 1;
	n = strcspn(p, ",]");
	for (size_t op = 0; op < LXCSECCOMP_N_OPS; op++)
		if (strlen(lxcseccomp_op_names[op]) == n &&
		    strncmp(p, lxcseccomp_op_names[op], n) == 0)
			c.op = (enum lxcseccomp_op)op;
	p += n;
	if (c.op == LXCSECCOMP_N_OPS || (c.op == LXCSECCOMP_MASKED_EQ) != (*p == ','))
		return false;
	if (*p == ',' ? !parse_u64(p + 1, (size_t)(end - p - 1), &c.mask) : p != end)
		return false;
	*ret = c;
	*s = end + 1;
	return true;
}

bool lxcseccomp_rule_parse(const char *line, struct lxcseccomp_rule *ret)
{
	size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_");
	const char *s = line + n;

	*ret = (struct lxcseccomp_rule){ 0 };
	if (n == 0 || n >= sizeof(ret->name) || *s++ != ' ')
		return false;
	memcpy(ret->name, line, n);
	if (!lxcseccomp_action_parse(&s, &ret->action))
		return false;
	while (*s) {
		struct lxcseccomp_cmp *c = &ret->args[ret->n_args];

		if (*s++ != ' ' || ret->n_args == 6 || !parse_cmp(&s, c))
			return false;
		for (size_t i = 0; i < ret->n_args; i++)
			if (ret->args[i].index == c->index)
				return false;
		ret->n_args++;
	}
	return true;
}
