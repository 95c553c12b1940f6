/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the kernel would answer a call under a profile in LXC's format v2,
 * for the check suites: the profile is read the way LXC 5.0 reads it
 * (src/lxc/seccomp.c, parse_config_v2() and do_resolve_add_rule(): every
 * rule added with seccomp_rule_add_exact_array() to the host's context and
 * to those of the ABIs LXC filters beside it, x86 and x32 on x86_64, then
 * merged), libseccomp compiles it, and the classic BPF program it exports
 * runs here on a struct seccomp_data, as the kernel would run it. No filter
 * is loaded, so any call and any argument can be asked about.
 *
 *   uint32_t r = seccomp_filter_answer(profile, "ioctl", args);
 *   ck_assert_uint_eq(r, SCMP_ACT_ERRNO(1));
 *
 * x86_64 hosts only (where the suites run).
 */

#include <check.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

/* LXC's get_v2_default_action(): the action a rule or line 2 names. */
static inline uint32_t seccomp_filter_action(const char *s)
{
	int e;

	while (*s == ' ')
		s++;
	if (strncmp(s, "kill", 4) == 0)
		return SCMP_ACT_KILL;
	if (strncmp(s, "allow", 5) == 0)
		return SCMP_ACT_ALLOW;
	if (strncmp(s, "trap", 4) == 0)
		return SCMP_ACT_TRAP;
	if (strncmp(s, "notify", 6) == 0)
		return SCMP_ACT_NOTIFY;
	ck_assert_msg(strncmp(s, "errno", 5) == 0 && sscanf(s + 5, "%d", &e) == 1,
		      "LXC refuses the action '%s'", s);
	return SCMP_ACT_ERRNO((uint32_t)e);
}

static inline enum scmp_compare seccomp_filter_op(const char *s)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(s, ops[i].name) == 0)
			return ops[i].op;
	ck_abort_msg("LXC refuses the operator '%s'", s);
	return _SCMP_CMP_MAX;
}

/* One rule line into ctx, as do_resolve_add_rule() adds it for arch (0: native). */
static inline void seccomp_filter_add(scmp_filter_ctx ctx, uint32_t arch, const char *line,
				      uint32_t default_action)
{
	_cleanup_free_ char *copy = strdup(line);
	struct scmp_arg_cmp cmp[6];
	char *space, *key, *save = NULL;
	uint32_t action = default_action;
	unsigned n = 0;
	int nr, r;

	ck_assert_ptr_nonnull(copy);
	space = strchr(copy, ' ');
	if (space) {
		*space = '\0';
		action = seccomp_filter_action(space + 1);
	}
	if (strcmp(copy, "reject_force_umount") == 0) {
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(umount2), 1,
					   SCMP_A1(SCMP_CMP_MASKED_EQ, 1, 1));
		ck_assert_msg(r == 0, "reject_force_umount: %s", strerror(-r));
		return;
	}
	/* The host's number, which libseccomp translates for each ABI of ctx. */
	nr = seccomp_syscall_resolve_name(copy);
	if (nr < 0 || (arch && seccomp_syscall_resolve_name_arch(arch, copy) < 0))
		return; /* not a call of this ABI: LXC skips it */
	for (key = space ? strtok_r(space + 1, "]", &save) : NULL; key;
	     key = strtok_r(NULL, "]", &save)) {
		char v[24] = { 0 }, s[31] = { 0 }, m[24] = { '0' };
		unsigned index;
		uint64_t value, mask;

		key = strchr(key, '[');
		if (!key)
			break;
		ck_assert_uint_lt(n, 6);
		ck_assert_int_ge(sscanf(key, "[%u,%23[^,],%30[^0-9^,],%23[^,]", &index, v, s, m),
				 3);
		value = strtoull(v, NULL, 0);
		mask = strtoull(m, NULL, 0);
		cmp[n] = seccomp_filter_op(s) == SCMP_CMP_MASKED_EQ
			     ? SCMP_CMP(index, SCMP_CMP_MASKED_EQ, mask, value)
			     : SCMP_CMP(index, seccomp_filter_op(s), value);
		n++;
	}
	r = seccomp_rule_add_exact_array(ctx, action, nr, n, cmp);
	ck_assert_msg(r == 0, "libseccomp refuses '%s' (arch %u): %s", line, arch, strerror(-r));
}

/* The profile compiled as LXC compiles it on an x86_64 host. */
static inline scmp_filter_ctx seccomp_filter_build(const char *profile)
{
	static const uint32_t compat[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
	_cleanup_free_ char *copy = strdup(profile);
	scmp_filter_ctx ctx, ctxs[2];
	uint32_t default_action;
	char *line, *save = NULL;

	ck_assert_ptr_nonnull(copy);
	line = strtok_r(copy, "\n", &save);
	ck_assert_msg(line && strcmp(line, "2") == 0, "line 1 is not '2'");
	line = strtok_r(NULL, "\n", &save);
	ck_assert_ptr_nonnull(line);
	if (strncmp(line, "denylist", 8) == 0)
		default_action = SCMP_ACT_ALLOW;
	else if (strncmp(line, "allowlist", 9) == 0)
		default_action = seccomp_filter_action(line + 9);
	else
		ck_abort_msg("line 2 is '%s'", line);
	ctx = seccomp_init(default_action);
	ck_assert_ptr_nonnull(ctx);
	for (size_t i = 0; i < 2; i++) {
		ctxs[i] = seccomp_init(default_action);
		ck_assert_ptr_nonnull(ctxs[i]);
		ck_assert_int_eq(seccomp_arch_remove(ctxs[i], SCMP_ARCH_NATIVE), 0);
		ck_assert_int_eq(seccomp_arch_add(ctxs[i], compat[i]), 0);
	}
	/* The rule lines LXC's rule action defaults to: the opposite of the default. */
	uint32_t rule_default = default_action == SCMP_ACT_ALLOW ? SCMP_ACT_KILL : SCMP_ACT_ALLOW;
	for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '[')
			continue;
		seccomp_filter_add(ctx, 0, line, rule_default);
		for (size_t i = 0; i < 2; i++)
			seccomp_filter_add(ctxs[i], compat[i], line, rule_default);
	}
	for (size_t i = 0; i < 2; i++)
		ck_assert_int_eq(seccomp_merge(ctx, ctxs[i]), 0);
	return ctx;
}

/* Runs a classic BPF seccomp program on data, as the kernel's interpreter would. */
static inline uint32_t seccomp_filter_run(const struct sock_filter *prog, size_t n,
					  const struct seccomp_data *data)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t operand = BPF_SRC(f->code) == BPF_X ? x : f->k;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS) {
				ck_assert_uint_eq(BPF_SIZE(f->code), BPF_W);
				ck_assert_uint_le(f->k + 4, sizeof(*data));
				memcpy(&a, (const char *)data + f->k, 4);
			} else if (BPF_MODE(f->code) == BPF_IMM) {
				a = f->k;
			} else if (BPF_MODE(f->code) == BPF_MEM) {
				a = mem[f->k % BPF_MEMWORDS];
			} else if (BPF_MODE(f->code) == BPF_LEN) {
				a = sizeof(*data);
			} else {
				ck_abort_msg("BPF_LD mode %#x", BPF_MODE(f->code));
			}
			break;
		case BPF_LDX:
			x = BPF_MODE(f->code) == BPF_MEM ? mem[f->k % BPF_MEMWORDS] : f->k;
			break;
		case BPF_ST:
			mem[f->k % BPF_MEMWORDS] = a;
			break;
		case BPF_STX:
			mem[f->k % BPF_MEMWORDS] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				a += operand;
				break;
			case BPF_SUB:
				a -= operand;
				break;
			case BPF_MUL:
				a *= operand;
				break;
			case BPF_DIV:
				a = operand ? a / operand : 0;
				break;
			case BPF_AND:
				a &= operand;
				break;
			case BPF_OR:
				a |= operand;
				break;
			case BPF_XOR:
				a ^= operand;
				break;
			case BPF_LSH:
				a <<= operand & 31;
				break;
			case BPF_RSH:
				a >>= operand & 31;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				ck_abort_msg("BPF_ALU op %#x", BPF_OP(f->code));
			}
			break;
		case BPF_JMP: {
			bool taken;

			switch (BPF_OP(f->code)) {
			case BPF_JA:
				pc += f->k;
				continue;
			case BPF_JEQ:
				taken = a == operand;
				break;
			case BPF_JGT:
				taken = a > operand;
				break;
			case BPF_JGE:
				taken = a >= operand;
				break;
			case BPF_JSET:
				taken = (a & operand) != 0;
				break;
			default:
				ck_abort_msg("BPF_JMP op %#x", BPF_OP(f->code));
				taken = false;
			}
			pc += taken ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	ck_abort_msg("the BPF program ran off its end");
	return 0;
}

/* A compiled profile: its BPF program. */
struct seccomp_filter_prog {
	struct sock_filter *insns;
	size_t n;
};

static inline struct seccomp_filter_prog seccomp_filter_compile(const char *profile)
{
	scmp_filter_ctx ctx = seccomp_filter_build(profile);
	int fd = memfd_create("bpf", MFD_CLOEXEC);
	struct seccomp_filter_prog prog;
	off_t size;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seccomp_export_bpf(ctx, fd), 0);
	seccomp_release(ctx);
	size = lseek(fd, 0, SEEK_END);
	ck_assert_int_gt(size, 0);
	ck_assert_int_eq(size % (off_t)sizeof(struct sock_filter), 0);
	prog.insns = malloc((size_t)size);
	ck_assert_ptr_nonnull(prog.insns);
	ck_assert_int_eq(pread(fd, prog.insns, (size_t)size, 0), size);
	close(fd);
	prog.n = (size_t)size / sizeof(struct sock_filter);
	return prog;
}

/* What prog answers the x86_64 call name with args (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(n), ...). */
static inline uint32_t seccomp_filter_eval(const struct seccomp_filter_prog *prog, const char *name,
					   const uint64_t args[6])
{
	struct seccomp_data data = { .arch = AUDIT_ARCH_X86_64 };
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);

	ck_assert_msg(nr >= 0, "no x86_64 syscall '%s'", name);
	data.nr = nr;
	memcpy(data.args, args, sizeof(data.args));
	return seccomp_filter_run(prog->insns, prog->n, &data);
}

/* The same for a profile compiled for this one question. */
static inline uint32_t seccomp_filter_answer(const char *profile, const char *name,
					     const uint64_t args[6])
{
	struct seccomp_filter_prog prog = seccomp_filter_compile(profile);
	uint32_t answer = seccomp_filter_eval(&prog, name, args);

	free(prog.insns);
	return answer;
}
