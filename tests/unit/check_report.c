/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report: what lib/ says about what it did goes to the sink the program
 * set, whole and in order, and nowhere at all without one.
 */
#include <errno.h>
#include <syslog.h>

#include "testutil.h"

#include "lib/basic/report.h"

#define MAX_REPORTS 16

struct received {
	int priority;
	char message[4096];
};

static struct received got[MAX_REPORTS], other[MAX_REPORTS];
static size_t n_got, n_other;

static void sink(int priority, const char *message)
{
	ck_assert_uint_lt(n_got, MAX_REPORTS);
	got[n_got].priority = priority;
	snprintf(got[n_got].message, sizeof(got[n_got].message), "%s", message);
	n_got++;
}

static void other_sink(int priority, const char *message)
{
	ck_assert_uint_lt(n_other, MAX_REPORTS);
	other[n_other].priority = priority;
	snprintf(other[n_other].message, sizeof(other[n_other].message), "%s", message);
	n_other++;
}

/* Runs reports with stdout and stderr going to a file: what they printed. */
static char *printed_by(void (*reports)(void))
{
	char *dir = test_tmpdir(), path[PATH_MAX], *text = NULL;
	int saved_out = dup(1), saved_err = dup(2), fd;
	size_t size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/printed", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_eq(dup2(fd, 1), 1);
	ck_assert_int_eq(dup2(fd, 2), 2);
	reports();
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_eq(dup2(saved_out, 1), 1);
	ck_assert_int_eq(dup2(saved_err, 2), 2);
	close(saved_out);
	close(saved_err);
	close(fd);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	test_rm_rf(dir);
	free(dir);
	return text;
}

static void every_kind(void)
{
	errno = ENOENT;
	report_error("Failed to apply '%s': %m", "net1");
	report_warning("hooks.d: %s (skipped)", "/etc/containers/oci/hooks.d/bad.json");
	report_info("forward %s applied", "tcp/8080");
	report_debug("%d items", 3);
}

START_TEST(test_without_a_sink_nothing_is_printed)
{
	_cleanup_free_ char *printed = printed_by(every_kind);

	ck_assert_str_eq(printed, "");
	/* Dropped, not kept for a sink set later. */
	report_set_sink(sink);
	report_info("after");
	ck_assert_uint_eq(n_got, 1);
	ck_assert_str_eq(got[0].message, "after");
}
END_TEST

START_TEST(test_sink_gets_every_report_in_order)
{
	_cleanup_free_ char *printed = NULL;

	report_set_sink(sink);
	printed = printed_by(every_kind);
	/* The sink decides where they go: report() itself prints nothing. */
	ck_assert_str_eq(printed, "");
	ck_assert_uint_eq(n_got, 4);
	ck_assert_int_eq(got[0].priority, LOG_ERR);
	ck_assert_str_eq(got[0].message, "Failed to apply 'net1': No such file or directory");
	ck_assert_int_eq(got[1].priority, LOG_WARNING);
	ck_assert_str_eq(got[1].message, "hooks.d: /etc/containers/oci/hooks.d/bad.json (skipped)");
	ck_assert_int_eq(got[2].priority, LOG_INFO);
	ck_assert_str_eq(got[2].message, "forward tcp/8080 applied");
	ck_assert_int_eq(got[3].priority, LOG_DEBUG);
	ck_assert_str_eq(got[3].message, "3 items");
}
END_TEST

START_TEST(test_values_are_not_formats)
{
	/* A value from a hooks file or a config: its '%' are text. */
	const char *hostile = "100% %s%n%x %m";

	report_set_sink(sink);
	report_warning("hooks.d: '%s' (skipped)", hostile);
	ck_assert_uint_eq(n_got, 1);
	ck_assert_str_eq(got[0].message, "hooks.d: '100% %s%n%x %m' (skipped)");
}
END_TEST

START_TEST(test_errno_message)
{
	report_set_sink(sink);
	errno = EACCES;
	report_error("Failed to open '%s': %m", "/run/lxcri/105");
	errno = 0;
	report_error("%m");
	ck_assert_uint_eq(n_got, 2);
	ck_assert_str_eq(got[0].message, "Failed to open '/run/lxcri/105': Permission denied");
	ck_assert_str_eq(got[1].message, "Success");
}
END_TEST

START_TEST(test_long_message_is_cut)
{
	char value[3000], fits[1536];

	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	memset(fits, 'f', sizeof(fits) - 1);
	fits[sizeof(fits) - 1] = '\0';
	report_set_sink(sink);

	report_info("value=%s", value);
	report_info("%s", fits);
	ck_assert_uint_eq(n_got, 2);
	/* 1.5 KiB with its end: the start of what was said. */
	ck_assert_uint_eq(strlen(got[0].message), 1535);
	ck_assert(strncmp(got[0].message, "value=vvv", 9) == 0);
	ck_assert_uint_eq(strspn(got[0].message + 6, "v"), 1535 - 6);
	/* What fits arrives whole. */
	ck_assert_str_eq(got[1].message, fits);
}
END_TEST

START_TEST(test_sink_replaced_and_removed)
{
	_cleanup_free_ char *printed = NULL;

	report_set_sink(sink);
	report_info("one");
	report_set_sink(other_sink);
	report_info("two");
	report_set_sink(NULL);
	printed = printed_by(every_kind);

	ck_assert_str_eq(printed, "");
	ck_assert_uint_eq(n_got, 1);
	ck_assert_str_eq(got[0].message, "one");
	ck_assert_uint_eq(n_other, 1);
	ck_assert_str_eq(other[0].message, "two");
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_without_a_sink_nothing_is_printed);
	tcase_add_test(tc, test_sink_gets_every_report_in_order);
	tcase_add_test(tc, test_values_are_not_formats);
	tcase_add_test(tc, test_errno_message);
	tcase_add_test(tc, test_long_message_is_cut);
	tcase_add_test(tc, test_sink_replaced_and_removed);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(report_suite)
