/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Rule lines of LXC's seccomp profile format version 2, as LXC 5.0 reads
 * them (src/lxc/seccomp.c, get_v2_default_action(), parse_v2_rules()) and
 * lxcri writes them:
 *
 *   <syscall> <action> [<index>,<value>,<op>] ...
 *   <syscall> <action> [<index>,<value>,SCMP_CMP_MASKED_EQ,<mask>] ...
 *
 * with action "allow", "errno N" (0-4095), "kill", "trap" or "notify", at
 * most six argument rules on distinct arguments (libseccomp refuses two on
 * one), all of which must match; numbers in decimal. libc only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lxcseccomp_kind {
	LXCSECCOMP_ALLOW,
	LXCSECCOMP_ERRNO,
	LXCSECCOMP_KILL, /* the calling thread */
	LXCSECCOMP_TRAP,
	LXCSECCOMP_NOTIFY,
};

struct lxcseccomp_action {
	enum lxcseccomp_kind kind;
	unsigned errno_value;
};

/* How strict an action is, as the kernel ranks them: allow 0 < notify < errno < trap < kill. */
unsigned lxcseccomp_strictness(struct lxcseccomp_action a);
bool lxcseccomp_action_equal(struct lxcseccomp_action a, struct lxcseccomp_action b);

#define LXCSECCOMP_ACTION_TEXT 16
/* "allow", "errno 38": as a rule line says it (buf holds the errno form). */
const char *lxcseccomp_action_text(struct lxcseccomp_action a, char buf[LXCSECCOMP_ACTION_TEXT]);
/* The action at *s ("errno 38"); *s is moved past it. false if there is none. */
bool lxcseccomp_action_parse(const char **s, struct lxcseccomp_action *ret);

/* libseccomp's operators, in the order of its enum scmp_compare (from SCMP_CMP_NE). */
enum lxcseccomp_op {
	LXCSECCOMP_NE,
	LXCSECCOMP_LT,
	LXCSECCOMP_LE,
	LXCSECCOMP_EQ,
	LXCSECCOMP_GE,
	LXCSECCOMP_GT,
	LXCSECCOMP_MASKED_EQ,
	LXCSECCOMP_N_OPS,
};
/* "SCMP_CMP_NE", ...: the names LXC's parse_v2_rule_op() knows. */
extern const char *const lxcseccomp_op_names[LXCSECCOMP_N_OPS];

/* arg <op> value, or (arg & mask) == value. */
struct lxcseccomp_cmp {
	unsigned index; /* 0-5 */
	enum lxcseccomp_op op;
	uint64_t value;
	uint64_t mask; /* MASKED_EQ only */
};

/* " [1,37888,SCMP_CMP_MASKED_EQ,65280]", with the leading space. */
void lxcseccomp_write_cmp(FILE *f, const struct lxcseccomp_cmp *c);

#define LXCSECCOMP_NAME_MAX 64

struct lxcseccomp_rule {
	char name[LXCSECCOMP_NAME_MAX];
	struct lxcseccomp_action action;
	struct lxcseccomp_cmp args[6];
	size_t n_args;
};

/* The rule as a line, without its line end. */
void lxcseccomp_write_rule(FILE *f, const struct lxcseccomp_rule *r);
/* The same, malloc'ed; NULL when out of memory. */
char *lxcseccomp_rule_text(const struct lxcseccomp_rule *r);
/* A line in exactly the form above; false for anything else. */
bool lxcseccomp_rule_parse(const char *line, struct lxcseccomp_rule *ret);
