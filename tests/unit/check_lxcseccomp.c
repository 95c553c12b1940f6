/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "testutil.h"

#include "lib/lsm/lxcseccomp.h"

/* Every form lxcri writes reads back as the same rule, and writes as the same line. */
START_TEST(test_rule_round_trip)
{
	static const char *const lines[] = {
		"read allow",
		"keyctl errno 38",
		"kexec_load kill",
		"ptrace trap",
		"mknod notify [1,8192,SCMP_CMP_MASKED_EQ,61440]",
		"socket errno 22 [0,16,SCMP_CMP_EQ] [2,9,SCMP_CMP_EQ]",
		"socket allow [0,18446744073709551615,SCMP_CMP_NE]",
		"clone allow [0,0,SCMP_CMP_MASKED_EQ,2114060288]",
		"x allow [0,1,SCMP_CMP_LT] [1,1,SCMP_CMP_LE] [2,1,SCMP_CMP_GE] [3,1,SCMP_CMP_GT] "
		"[4,1,SCMP_CMP_EQ] [5,1,SCMP_CMP_NE]",
		"read errno 0",
		"read errno 4095",
	};

	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		struct lxcseccomp_rule r;
		_cleanup_free_ char *text = NULL;

		ck_assert_msg(lxcseccomp_rule_parse(lines[i], &r), "%s", lines[i]);
		text = lxcseccomp_rule_text(&r);
		ck_assert_str_eq(text, lines[i]);
	}
}
END_TEST

START_TEST(test_rule_parse_fields)
{
	struct lxcseccomp_rule r;

	ck_assert(lxcseccomp_rule_parse("ioctl errno 1 [1,37888,SCMP_CMP_MASKED_EQ,65280]", &r));
	ck_assert_str_eq(r.name, "ioctl");
	ck_assert_int_eq(r.action.kind, LXCSECCOMP_ERRNO);
	ck_assert_uint_eq(r.action.errno_value, 1);
	ck_assert_uint_eq(r.n_args, 1);
	ck_assert_uint_eq(r.args[0].index, 1);
	ck_assert_int_eq(r.args[0].op, LXCSECCOMP_MASKED_EQ);
	ck_assert_uint_eq(r.args[0].value, 0x9400);
	ck_assert_uint_eq(r.args[0].mask, 0xff00);
}
END_TEST

/* What LXC would read otherwise, or libseccomp refuse, is no rule of ours. */
START_TEST(test_rule_parse_refuses)
{
	static const char *const lines[] = {
		"",
		"read",
		"read ",
		"Read allow",
		"read allow ",
		"read  allow",
		"read allowed",
		"read errno",
		"read errno 4096",
		"read errno -1",
		"read errno 01",
		"read errno 1x",
		"read allow [6,1,SCMP_CMP_EQ]",
		"read allow [0,1,SCMP_CMP_EQ] [0,2,SCMP_CMP_NE]",
		"read allow [0,1,SCMP_CMP_MASKED_EQ]",
		"read allow [0,1,SCMP_CMP_EQ,1]",
		"read allow [0,1,==]",
		"read allow [0,0x10,SCMP_CMP_EQ]",
		"read allow [0,18446744073709551616,SCMP_CMP_EQ]",
		"read allow [0,1,SCMP_CMP_EQ",
		"read allow [0,1,SCMP_CMP_EQ]x",
		"read allow [0,1,SCMP_CMP_EQ][1,1,SCMP_CMP_EQ]",
		"read allow [0,1,SCMP_CMP_EQ] [1,1,SCMP_CMP_EQ] [2,1,SCMP_CMP_EQ] "
		"[3,1,SCMP_CMP_EQ] "
		"[4,1,SCMP_CMP_EQ] [5,1,SCMP_CMP_EQ] [5,2,SCMP_CMP_EQ]",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa allow",
	};

	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		struct lxcseccomp_rule r;

		ck_assert_msg(!lxcseccomp_rule_parse(lines[i], &r), "'%s' read as a rule",
			      lines[i]);
	}
}
END_TEST

/* The kernel's precedence: kill > trap > errno > notify > allow; errnos differ by value only. */
START_TEST(test_actions)
{
	struct lxcseccomp_action allow = { LXCSECCOMP_ALLOW, 0 }, notify = { LXCSECCOMP_NOTIFY, 0 },
				 e1 = { LXCSECCOMP_ERRNO, 1 }, e38 = { LXCSECCOMP_ERRNO, 38 },
				 trap = { LXCSECCOMP_TRAP, 0 }, kill = { LXCSECCOMP_KILL, 0 };
	char buf[LXCSECCOMP_ACTION_TEXT];

	ck_assert_uint_lt(lxcseccomp_strictness(allow), lxcseccomp_strictness(notify));
	ck_assert_uint_lt(lxcseccomp_strictness(notify), lxcseccomp_strictness(e1));
	ck_assert_uint_eq(lxcseccomp_strictness(e1), lxcseccomp_strictness(e38));
	ck_assert_uint_lt(lxcseccomp_strictness(e38), lxcseccomp_strictness(trap));
	ck_assert_uint_lt(lxcseccomp_strictness(trap), lxcseccomp_strictness(kill));
	ck_assert(!lxcseccomp_action_equal(e1, e38));
	ck_assert(lxcseccomp_action_equal(e1, (struct lxcseccomp_action){ LXCSECCOMP_ERRNO, 1 }));
	ck_assert(lxcseccomp_action_equal(kill, (struct lxcseccomp_action){ LXCSECCOMP_KILL, 7 }));
	ck_assert_str_eq(lxcseccomp_action_text(e38, buf), "errno 38");
	ck_assert_str_eq(lxcseccomp_action_text(notify, buf), "notify");
}
END_TEST

static Suite *lxcseccomp_suite(void)
{
	Suite *s = suite_create("lxcseccomp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rule_round_trip);
	tcase_add_test(tc, test_rule_parse_fields);
	tcase_add_test(tc, test_rule_parse_refuses);
	tcase_add_test(tc, test_actions);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(lxcseccomp_suite)
