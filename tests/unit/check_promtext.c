/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus's text exposition format (lib/basic/promtext.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "lib/basic/promtext.h"

START_TEST(test_families_and_samples)
{
	struct promtext *p = NULL;
	char *text = NULL;
	size_t size = 0;

	ck_assert_int_eq(promtext_new(&p), 0);
	ck_assert_int_eq(promtext_family(p, "lxcri_info", "gauge", "Version of lxcri."), 0);
	ck_assert_int_eq(promtext_family(p, "lxcri_unused", "gauge", "No sample: left out."), 0);
	ck_assert_int_eq(promtext_family(p, "lxcri_runs_total", "counter", "Runs \\ by\\stage."),
			 0);
	/* Samples of a family come out together, whatever the order they were added in. */
	const char *v[] = { "version", "0.1.0", NULL };
	const char *a[] = { "id", "lxc/105", "stage", "prestart", NULL };
	const char *b[] = { "id", "web", "stage", "poststop", NULL };
	ck_assert_int_eq(promtext_sample(p, "lxcri_runs_total", a, 3), 0);
	ck_assert_int_eq(promtext_sample(p, "lxcri_info", v, 1), 0);
	ck_assert_int_eq(promtext_sample(p, "lxcri_runs_total", b, 0.25), 0);
	ck_assert_int_eq(promtext_format(p, &text, &size), 0);
	ck_assert_uint_eq(size, strlen(text));
	ck_assert_str_eq(text, "# HELP lxcri_info Version of lxcri.\n"
			       "# TYPE lxcri_info gauge\n"
			       "lxcri_info{version=\"0.1.0\"} 1\n"
			       "# HELP lxcri_runs_total Runs \\\\ by\\\\stage.\n"
			       "# TYPE lxcri_runs_total counter\n"
			       "lxcri_runs_total{id=\"lxc/105\",stage=\"prestart\"} 3\n"
			       "lxcri_runs_total{id=\"web\",stage=\"poststop\"} 0.25\n");
	free(text);
	promtext_free(p);
}
END_TEST

/* A label value may hold anything a hostile config or error message has: escaped, one line. */
START_TEST(test_escaping_and_values)
{
	struct promtext *p = NULL;
	char *text = NULL;
	size_t size = 0;

	ck_assert_int_eq(promtext_new(&p), 0);
	ck_assert_int_eq(promtext_family(p, "m", "untyped", "h"), 0);
	const char *l[] = { "reason", "a \"quoted\" \\path\\\nsecond line} x=\"1\"", NULL };
	ck_assert_int_eq(promtext_sample(p, "m", l, 1), 0);
	ck_assert_int_eq(promtext_sample(p, "m", NULL, NAN), 0);
	ck_assert_int_eq(promtext_sample(p, "m", NULL, INFINITY), 0);
	ck_assert_int_eq(promtext_sample(p, "m", NULL, -INFINITY), 0);
	ck_assert_int_eq(promtext_sample(p, "m", NULL, 1234567890123.0), 0);
	ck_assert_int_eq(promtext_format(p, &text, &size), 0);
	ck_assert_str_eq(
	    text, "# HELP m h\n# TYPE m untyped\n"
		  "m{reason=\"a \\\"quoted\\\" \\\\path\\\\\\nsecond line} x=\\\"1\\\"\"} 1\n"
		  "m NaN\nm +Inf\nm -Inf\nm 1234567890123\n");
	free(text);
	promtext_free(p);
}
END_TEST

START_TEST(test_refusals)
{
	struct promtext *p = NULL;

	ck_assert(promtext_name_valid("lxcri_port_forward_bytes_total", false));
	ck_assert(promtext_name_valid("a:b", false));
	ck_assert(!promtext_name_valid("a:b", true));
	ck_assert(!promtext_name_valid("__name", true));
	ck_assert(!promtext_name_valid("9lives", false));
	ck_assert(!promtext_name_valid("a-b", false));
	ck_assert(!promtext_name_valid("", false));
	ck_assert_int_eq(promtext_new(&p), 0);
	ck_assert_int_eq(promtext_family(p, "runs", "counter", "no _total"), -EINVAL);
	ck_assert_int_eq(promtext_family(p, "x", "histogram", "h"), -EINVAL);
	ck_assert_int_eq(promtext_family(p, "x", "gauge", "two\nlines"), -EINVAL);
	ck_assert_int_eq(promtext_family(p, "x-y", "gauge", "h"), -EINVAL);
	ck_assert_int_eq(promtext_family(p, "x", "gauge", "h"), 0);
	ck_assert_int_eq(promtext_family(p, "x", "gauge", "h"), -EEXIST);
	ck_assert_int_eq(promtext_sample(p, "y", NULL, 1), -EINVAL);
	const char *bad[] = { "a-b", "v", NULL };
	ck_assert_int_eq(promtext_sample(p, "x", bad, 1), -EINVAL);
	const char *missing[] = { "a", NULL };
	ck_assert_int_eq(promtext_sample(p, "x", missing, 1), -EINVAL);
	promtext_free(p);
}
END_TEST

static Suite *promtext_suite(void)
{
	Suite *s = suite_create("promtext");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_families_and_samples);
	tcase_add_test(tc, test_escaping_and_values);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(promtext_suite)
