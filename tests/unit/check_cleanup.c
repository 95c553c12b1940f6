/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cleanup.h (scope-bound cleaners, ownership hand-over) and error.c. */
#include <json-c/json.h>

#include "testutil.h"

#include <errno.h>
#include <dirent.h>

#include "lib/shared/json.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/error.h"
#include "lib/basic/strv.h"

static int open_count(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int take_fd_out(void)
{
	_cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return TAKE_FD(fd); /* survives the scope */
}

START_TEST(test_close_on_scope_exit)
{
	int before = open_count(), kept;

	{
		_cleanup_close_ int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
		_cleanup_fclose_ FILE *f = fopen("/dev/null", "re");
		_cleanup_close_ int none = -1; /* cleaners accept "nothing" */
		ck_assert_int_ge(a, 0);
		ck_assert_ptr_nonnull(f);
		(void)none;
		ck_assert_int_eq(open_count(), before + 2);
	}
	ck_assert_int_eq(open_count(), before);

	kept = take_fd_out();
	ck_assert_int_eq(open_count(), before + 1);
	ck_assert_int_eq(fcntl(kept, F_GETFD), FD_CLOEXEC);
	close(kept);
}
END_TEST

static char *take_ptr_out(void)
{
	_cleanup_free_ char *p = strdup("kept");
	_cleanup_free_ char *dropped = strdup("freed at scope exit (ASan would report a leak)");
	_cleanup_strv_ char **v = calloc(3, sizeof(char *));

	ck_assert_ptr_nonnull(v);
	v[0] = strdup("a");
	v[1] = strdup("b");
	(void)dropped;
	return TAKE_PTR(p);
}

START_TEST(test_take_ptr_and_free)
{
	_cleanup_free_ char *p = take_ptr_out();
	_cleanup_json_ struct json_object *o = json_object_new_object();

	ck_assert_str_eq(p, "kept");
	ck_assert_ptr_nonnull(o);
	/* Leaks of any of the above fail this suite under LeakSanitizer. */
}
END_TEST

START_TEST(test_error_messages)
{
	struct lxcri_error err = {};
	char long_value[2000];

	ck_assert_int_eq(error_set(&err, -EINVAL, "Invalid value '%s'", "x"), -EINVAL);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_str_eq(err.message, "Invalid value 'x'");

	ck_assert_int_eq(error_set_errno(&err, -ENOENT, "Failed to open '%s'", "/x"), -ENOENT);
	ck_assert_str_eq(err.message, "Failed to open '/x': No such file or directory");

	/* NULL is allowed: the code still comes back. */
	ck_assert_int_eq(error_set(NULL, -EIO, "ignored"), -EIO);
	ck_assert_int_eq(error_set_errno(NULL, -EIO, "ignored"), -EIO);

	/* Too long a message is cut, never overflows. */
	memset(long_value, 'v', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	ck_assert_int_eq(error_set_errno(&err, -E2BIG, "%s", long_value), -E2BIG);
	ck_assert_uint_eq(strlen(err.message), sizeof(err.message) - 1);
}
END_TEST

static Suite *cleanup_suite(void)
{
	Suite *s = suite_create("cleanup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_close_on_scope_exit);
	tcase_add_test(tc, test_take_ptr_and_free);
	tcase_add_test(tc, test_error_messages);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cleanup_suite)
