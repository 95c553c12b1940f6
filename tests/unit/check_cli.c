/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every verb of lxcri shares (cli/cli.c): output, usage errors, failures. */
#include <errno.h>
#include <time.h>

#include "testutil.h"

#include "cli/cli.h"
#include "clitest.h"
#include "lib/basic/log.h"

/* --output-format json is one line; json-pretty is indented; '/' is never escaped. */
START_TEST(test_print_json)
{
	struct cli cli = { .format = OUTPUT_JSON };
	struct json_object *o = json_object_new_object();
	struct captured c;

	json_object_object_add(o, "file", json_object_new_string("/etc/lxcri/a.conf"));
	json_object_object_add(o, "n", json_object_new_int(2));
	captured_begin(&c);
	cli_print_json(&cli, o);
	cli.format = OUTPUT_JSON_PRETTY;
	cli_print_json(&cli, o);
	captured_end(&c);
	ck_assert_str_eq(c.out, "{\"file\":\"/etc/lxcri/a.conf\",\"n\":2}\n"
				"{\n  \"file\": \"/etc/lxcri/a.conf\",\n  \"n\": 2\n}\n");
	ck_assert_str_eq(c.err, "");
	captured_done(&c);
	json_object_put(o);
}
END_TEST

/* Exit 2, one sentence and where to find help; the argument is text, not a format. */
START_TEST(test_usage_error)
{
	struct captured c;

	captured_begin(&c);
	ck_assert_int_eq(cli_usage_error("unknown command '%s'", "%s%n"), EXIT_USAGE);
	captured_end(&c);
	ck_assert_str_eq(c.out, "");
	ck_assert_str_eq(c.err, "lxcri: unknown command '%s%n'\nTry 'lxcri help'.\n");
	captured_done(&c);
}
END_TEST

/* A failure is said once on stderr (the log goes to the journal), with the code given back. */
START_TEST(test_report_failure)
{
	struct captured c;

	log_setup("lxcri", "web");
	log_set_stderr(false);
	captured_begin(&c);
	ck_assert_int_eq(cli_report_failure(EXIT_INVALID, "'%s' is not set", "seccomp"),
			 EXIT_INVALID);
	captured_end(&c);
	ck_assert_str_eq(c.err, "lxcri: 'seccomp' is not set\n");
	ck_assert_str_eq(c.out, "");
	captured_done(&c);
}
END_TEST

START_TEST(test_format_time)
{
	char buf[32], small[8];

	setenv("TZ", "UTC", 1);
	tzset();
	cli_format_time(1000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1970-01-01 00:00:01");
	cli_format_time(1733184000123, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2024-12-03 00:00:00");
	cli_format_time(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-");
	cli_format_time(-5, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-");
	cli_format_time(1000, small, sizeof(small));
	ck_assert_str_eq(small, "-"); /* does not fit */
}
END_TEST

/* Members of the status JSON: the wrong type reads as absent. */
START_TEST(test_json_of)
{
	struct json_object *o = json_tokener_parse(
	    "{\"s\": \"x\", \"b\": true, \"i\": 7, \"n\": null, \"si\": \"7\", \"f\": false}");

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(cli_json_string_of(o, "s"), "x");
	ck_assert_ptr_null(cli_json_string_of(o, "i"));
	ck_assert_ptr_null(cli_json_string_of(o, "n"));
	ck_assert_ptr_null(cli_json_string_of(o, "missing"));
	ck_assert(cli_json_bool_of(o, "b"));
	ck_assert(!cli_json_bool_of(o, "f"));
	ck_assert(!cli_json_bool_of(o, "missing"));
	ck_assert_int_eq(cli_json_int_of(o, "i"), 7);
	ck_assert_int_eq(cli_json_int_of(o, "missing"), -1);
	json_object_put(o);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_print_json);
	tcase_add_test(tc, test_usage_error);
	tcase_add_test(tc, test_report_failure);
	tcase_add_test(tc, test_format_time);
	tcase_add_test(tc, test_json_of);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cli_suite)
