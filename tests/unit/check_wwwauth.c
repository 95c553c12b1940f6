/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WWW-Authenticate (lib/image/wwwauth.c): RFC 7235 challenges as registries send them. */
#include <errno.h>

#include "testutil.h"

#include "lib/image/wwwauth.h"

START_TEST(test_bearer_docker_hub)
{
	struct wwwauth w;
	struct wwwauth_bearer b;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(wwwauth_parse("Bearer realm=\"https://auth.docker.io/token\","
				       "service=\"registry.docker.io\","
				       "scope=\"repository:library/busybox:pull\"",
				       &w, &err),
			 0);
	ck_assert_uint_eq(w.n_challenges, 1);
	ck_assert_str_eq(w.challenges[0].scheme, "Bearer");
	ck_assert_int_eq(wwwauth_bearer(&w, &b, &err), 0);
	ck_assert_str_eq(b.realm, "https://auth.docker.io/token");
	ck_assert_str_eq(b.service, "registry.docker.io");
	ck_assert_str_eq(b.scope, "repository:library/busybox:pull");
	ck_assert_ptr_null(b.error);
	wwwauth_free(&w);
}
END_TEST

START_TEST(test_escapes_tokens_and_case)
{
	struct wwwauth w;
	struct wwwauth_bearer b;
	struct lxcri_error err = { 0 };

	/* Token values, blanks around '=', escapes, and scheme/param names in any case. */
	ck_assert_int_eq(wwwauth_parse("bEARER  Realm = \"http://h/t\\\"x\\\\y\" , SERVICE=reg,"
				       "error=insufficient_scope",
				       &w, &err),
			 0);
	ck_assert_int_eq(wwwauth_bearer(&w, &b, &err), 0);
	ck_assert_str_eq(b.realm, "http://h/t\"x\\y");
	ck_assert_str_eq(b.service, "reg");
	ck_assert_str_eq(b.error, "insufficient_scope");
	ck_assert_ptr_null(b.scope);
	wwwauth_free(&w);
}
END_TEST

START_TEST(test_several_challenges)
{
	struct wwwauth w;
	struct wwwauth_bearer b;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(
	    wwwauth_parse("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\","
			  " Basic realm=\"simple\", Negotiate abc+/d==, Bearer "
			  "realm=\"https://a/t\",scope=\"repository:a:pull "
			  "repository:b:pull\"",
			  &w, &err),
	    0);
	ck_assert_uint_eq(w.n_challenges, 4);
	ck_assert_str_eq(w.challenges[0].scheme, "Newauth");
	ck_assert_uint_eq(w.challenges[0].n_params, 3);
	ck_assert_str_eq(wwwauth_param(&w.challenges[0], "title"), "Login to \"apps\"");
	ck_assert_str_eq(wwwauth_param(wwwauth_find(&w, "basic"), "realm"), "simple");
	ck_assert_str_eq(w.challenges[2].token68, "abc+/d==");
	ck_assert_int_eq(wwwauth_bearer(&w, &b, &err), 0);
	ck_assert_str_eq(b.scope, "repository:a:pull repository:b:pull");
	wwwauth_free(&w);

	/* A scheme alone, a scheme with a token68, empty list elements. */
	ck_assert_int_eq(wwwauth_parse(" , Basic,,Negotiate token68=", &w, &err), 0);
	ck_assert_uint_eq(w.n_challenges, 2);
	ck_assert_uint_eq(w.challenges[0].n_params, 0);
	ck_assert_str_eq(w.challenges[1].token68, "token68=");
	ck_assert_int_eq(wwwauth_bearer(&w, &b, &err), -ENOENT);
	wwwauth_free(&w);
}
END_TEST

static const struct {
	const char *in, *why;
} bad[] = {
	{ "", "it has no challenge" },
	{ " , ,", "it has no challenge" },
	{ "Bearer realm=\"https://a", "a quoted string is not closed" },
	{ "Bearer realm=\"https://a\\", "a quoted string ends in '\\'" },
	{ "Bearer realm=\"a\",service=", "expected a parameter value" },
	{ "Bearer realm=\"a\" service=b", "expected ',' after a parameter" },
	{ "Bearer realm=\"a\",realm=\"b\"", "a parameter is given twice" },
	{ "Bearer realm=\"a\",REALM=\"b\"", "a parameter is given twice" },
	{ "Bearer realm=\"a\x01\"", "it has a control character" },
	{ "Bearer realm=\"a\r\nSet-Cookie: x\"", "it has a control character" },
	{ "\"Bearer\" realm=a", "expected an authentication scheme" },
	{ "Bearer\trealm=a", "expected a space after the authentication scheme" },
	{ "Bearer realm=a, =b", "expected an authentication scheme" },
	{ "Bearer realm=a b", "expected ',' after a parameter" },
	{ "Bearer @@@", "expected a token68 or parameters" },
	{ "Basic abc==def", "expected a token68 or parameters" },
	{ "Bearer realm=a,b=\"c", "a quoted string is not closed" },
};

START_TEST(test_refused)
{
	struct wwwauth w;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(wwwauth_parse(bad[_i].in, &w, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, bad[_i].why), "%s: %s", bad[_i].in, err.message);
	ck_assert_msg(strncmp(err.message, "Invalid WWW-Authenticate header '", 33) == 0, "%s",
		      err.message);
}
END_TEST

START_TEST(test_bounds)
{
	struct wwwauth w;
	struct lxcri_error err = { 0 };
	char *big = malloc(WWWAUTH_HEADER_MAX + 64);
	char buf[2048];

	/* Over the header limit. */
	strcpy(big, "Bearer realm=\"");
	memset(big + 14, 'a', WWWAUTH_HEADER_MAX);
	strcpy(big + 14 + WWWAUTH_HEADER_MAX, "\"");
	ck_assert_int_eq(wwwauth_parse(big, &w, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "longer than 8192 bytes"));
	free(big);

	/* Too many challenges and too many params; the limits themselves pass. */
	buf[0] = '\0';
	for (int i = 0; i < WWWAUTH_CHALLENGES_MAX; i++)
		strcat(buf, i ? ", Basic" : "Basic");
	ck_assert_int_eq(wwwauth_parse(buf, &w, &err), 0);
	wwwauth_free(&w);
	strcat(buf, ", Basic");
	ck_assert_int_eq(wwwauth_parse(buf, &w, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "too many challenges"));

	strcpy(buf, "Bearer ");
	for (int i = 0; i < WWWAUTH_PARAMS_MAX; i++)
		sprintf(buf + strlen(buf), "%sp%d=v", i ? "," : "", i);
	ck_assert_int_eq(wwwauth_parse(buf, &w, &err), 0);
	ck_assert_uint_eq(w.challenges[0].n_params, WWWAUTH_PARAMS_MAX);
	wwwauth_free(&w);
	strcat(buf, ",extra=1");
	ck_assert_int_eq(wwwauth_parse(buf, &w, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "too many parameters"));
}
END_TEST

START_TEST(test_bearer_realm_checked)
{
	struct wwwauth w;
	struct wwwauth_bearer b;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(wwwauth_parse("Bearer service=x", &w, &err), 0);
	ck_assert_int_eq(wwwauth_bearer(&w, &b, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "it has no realm"));
	wwwauth_free(&w);
	ck_assert_int_eq(wwwauth_parse("Bearer realm=\"file:///etc/shadow\"", &w, &err), 0);
	ck_assert_int_eq(wwwauth_bearer(&w, &b, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "'file:///etc/shadow' is not an http://"));
	wwwauth_free(&w);
}
END_TEST

static Suite *wwwauth_suite(void)
{
	Suite *s = suite_create("wwwauth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bearer_docker_hub);
	tcase_add_test(tc, test_escapes_tokens_and_case);
	tcase_add_test(tc, test_several_challenges);
	tcase_add_loop_test(tc, test_refused, 0, ELEMENTSOF(bad));
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_bearer_realm_checked);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(wwwauth_suite)
