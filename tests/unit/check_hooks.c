/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hooks, hook-user, annotation<N> keys of the per-container config (lib/config/hooks.c). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "configtest.h"
#include "testutil.h"

static const struct bad_input bad_inputs[] = {
	/* hooks, hook-user, annotation<N> */
	{ "hooks: dir=/etc/a;etc/b", 1, "Invalid value 'etc/b' for 'dir' in 'hooks'" },
	{ "hooks: bundle=/var/lib/../b", 1,
	  "Invalid value '/var/lib/../b' for 'bundle' in 'hooks'" },
	{ "hooks: dirs=/x", 1, "Unknown property 'dirs' in 'hooks'" },
	{ "hooks: dir=/a ;/b", 1, "Invalid value '/a ' for 'dir' in 'hooks'" },
	{ "hook-user: Root", 1, "Invalid value 'Root' for 'hook-user'" },
	{ "hook-user: 4294967295", 1, "Invalid value '4294967295' for 'hook-user'" },
	{ "hook-user: root user", 1, "Invalid value 'root user' for 'hook-user'" },
	{ "hook-user: 0100", 1, "Invalid value '0100' for 'hook-user'" },
	{ "annotation0: novalue", 1, "Missing '=' in 'novalue' for 'annotation0'" },
	{ "annotation0: a b=c", 1, "Invalid annotation key 'a b' in 'annotation0'" },
	{ "annotation0: =c", 1, "Invalid annotation key '' in 'annotation0'" },
	{ "annotation0: k=a\x01"
	  "b",
	  1, "Invalid annotation value 'a\\x01b' for 'k'" },
	{ "annotation0: k=\xff", 1, "Invalid annotation value '\\xff' for 'k'" },
	{ "annotation0: com.example.gpu=all\nannotation1: com.example.gpu=none", 2,
	  "Annotation key 'com.example.gpu' of 'annotation1' is already set by 'annotation0' on "
	  "line 1" },
};

BAD_INPUT_TEST(bad_inputs)

START_TEST(test_equal)
{
	static const char text[] = "hooks: dir=/etc/lxcri/hooks.d;/srv/hooks,bundle=/b\n"
				   "hook-user: nobody\n"
				   "annotation0: com.example.gpu=all\n"
				   "annotation4: io.x=y\n";
	_cleanup_config_ struct config *a = parse_ok(text), *b = parse_ok(text);
	struct config_hooks *h = &b->hooks;

	ASSERT_EQUAL_SEES(a, b, h->dirs[1][1] = 'S', h->dirs[1][1] = 's');
	ASSERT_EQUAL_SEES(a, b, h->bundle[1] = 'c', h->bundle[1] = 'b');
	ASSERT_EQUAL_SEES(a, b, h->user[0] = 'N', h->user[0] = 'n');
	ASSERT_EQUAL_SEES(a, b, h->annotations[1].value[0] = 'z', h->annotations[1].value[0] = 'y');
	ASSERT_EQUAL_SEES(a, b, h->annotations[1].key[0] = 'j', h->annotations[1].key[0] = 'i');
	ASSERT_EQUAL_SEES(a, b, h->annotations[1].index = 3, h->annotations[1].index = 4);
	ASSERT_EQUAL_SEES(a, b, h->n_annotations = 1, h->n_annotations = 2);
}
END_TEST

START_TEST(test_round_trip)
{
	_cleanup_config_ struct config *c =
	    parse_ok("annotation9: b=2\nhook-user: 0\nannotation1: a=1\nhooks: bundle=/x\n");
	_cleanup_free_ char *text = NULL;

	ck_assert_int_eq(config_format(c, &text), 0);
	ck_assert_str_eq(text,
			 "hooks: bundle=/x\nhook-user: 0\nannotation1: a=1\nannotation9: b=2\n");
	assert_round_trip("hooks: dir=/a;/b;/c\n"
			  "annotation3: k= leading blank, trailing kept=\n"
			  "annotation1: k2=M\xc3\xbcller\n");
}
END_TEST

/* A value that would smuggle in another key or lose its blanks is refused. */
START_TEST(test_format_refuses)
{
	_cleanup_config_ struct config *c =
	    parse_ok("hooks: dir=/a\nhook-user: root\nannotation0: k=v\n");
	char *text = NULL;
	char *saved = c->hooks.user;

	c->hooks.user = (char *)"root\nseccomp: /evil";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	c->hooks.user = saved;
	saved = c->hooks.annotations[0].value;
	c->hooks.annotations[0].value = (char *)"v ";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	c->hooks.annotations[0].value = saved;
	saved = c->hooks.dirs[0];
	c->hooks.dirs[0] = (char *)"/a;/b";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	c->hooks.dirs[0] = saved;
	ck_assert_ptr_null(text);
	ck_assert_int_eq(config_format(c, &text), 0);
	free(text);
}
END_TEST

static Suite *hooks_suite(void)
{
	Suite *s = suite_create("hooks");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)ELEMENTSOF(bad_inputs));
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_format_refuses);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(hooks_suite)
