/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `lxcri image pull` shows while it pulls (cli/progress.c). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "cli/progress.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static char *const digests[] = { D1, D2 };
static const uint64_t sizes[] = { 2500000, 999 };

static unsigned count(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

START_TEST(test_lines)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct progress p;

	progress_init(&p, f, PROGRESS_LINES);
	ck_assert_int_eq(progress_begin(&p, digests, sizes, 2), 0);
	progress_update(&p, 0, 1000, 10);
	progress_update(&p, 0, 2000, 2000);
	progress_finish(&p, 1, true, 2100);
	progress_finish(&p, 0, false, 2200);
	progress_update(&p, 7, 1, 3000); /* no such layer: nothing */
	progress_done(&p);
	fclose(f);
	/* A line per layer, when it is done: nothing while it downloads. */
	ck_assert_str_eq(text, "layer " D2 ": 999 B, already in the store\n"
			       "layer " D1 ": 2.5 MB\n");
	free(text);
}
END_TEST

START_TEST(test_json)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct progress p;

	progress_init(&p, f, PROGRESS_JSON);
	ck_assert_int_eq(progress_begin(&p, digests, sizes, 2), 0);
	progress_update(&p, 0, 1000, 1000);
	progress_update(&p, 0, 1500, 1500); /* within a second of the last: no event */
	progress_update(&p, 0, 2000, 2000);
	progress_finish(&p, 0, false, 2100);
	progress_finish(&p, 1, true, 2100);
	progress_done(&p);
	fclose(f);
	ck_assert_uint_eq(count(text, "\"status\":\"downloading\""), 2);
	ck_assert_ptr_nonnull(strstr(text, "{\"event\":\"layer\",\"digest\":\"" D1
					   "\",\"status\":\"downloading\",\"bytes\":1000,"
					   "\"size\":2500000}\n"));
	ck_assert_ptr_null(strstr(text, "\"bytes\":1500"));
	ck_assert_ptr_nonnull(strstr(text, "\"digest\":\"" D1 "\",\"status\":\"done\",\"bytes\":"
					   "2500000"));
	ck_assert_ptr_nonnull(strstr(text, "\"digest\":\"" D2 "\",\"status\":\"cached\""));
	ck_assert_uint_eq(count(text, "\n"), 4);
	free(text);
}
END_TEST

START_TEST(test_terminal)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct progress p;

	progress_init(&p, f, PROGRESS_TERMINAL);
	ck_assert_int_eq(progress_begin(&p, digests, sizes, 2), 0);
	progress_update(&p, 0, 1000000, 50);  /* drawn at 0: too soon */
	progress_update(&p, 0, 1250000, 150); /* drawn */
	progress_finish(&p, 1, false, 160);   /* always drawn */
	progress_done(&p);
	fclose(f);
	/* Three draws of three lines; the second and third go back up three lines first. */
	ck_assert_uint_eq(count(text, "\033[2Ktotal"), 3);
	ck_assert_uint_eq(count(text, "\033[3A"), 2);
	ck_assert_ptr_nonnull(strstr(text, "\033[2K111111111111  1.2 MB / 2.5 MB\n"));
	ck_assert_ptr_null(strstr(text, "1.0 MB / 2.5 MB"));
	ck_assert_ptr_nonnull(strstr(text, "\033[2K222222222222  done  999 B / 999 B\n"));
	ck_assert_ptr_nonnull(strstr(text, "\033[2Ktotal         1.3 MB / 2.5 MB\n"));
	free(text);
}
END_TEST

START_TEST(test_sizes)
{
	char buf[32];

	progress_format_size(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0 B");
	progress_format_size(999, buf, sizeof(buf));
	ck_assert_str_eq(buf, "999 B");
	progress_format_size(1000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.0 kB");
	progress_format_size(157286400, buf, sizeof(buf));
	ck_assert_str_eq(buf, "157.3 MB");
	progress_format_size(3000000000000000ULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3000.0 TB");
}
END_TEST

static Suite *progress_suite(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_terminal);
	tcase_add_test(tc, test_sizes);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(progress_suite)
