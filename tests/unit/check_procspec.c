/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#include "lib/basic/procspec.h"

static struct procspec *roundtrip(const struct procspec *p)
{
	struct lxcri_error err = { 0 };
	struct procspec *back = NULL;
	char *text = NULL;
	size_t size;

	ck_assert_msg(procspec_format(p, &text, &size, &err) == 0, "%s", err.message);
	ck_assert_msg(procspec_parse(text, size, &back, &err) == 0, "%s", err.message);
	free(text);
	return back;
}

/* Arguments and values with every odd byte but NUL come back as they were. */
START_TEST(test_roundtrip)
{
	char *argv[] = { "/bin/sh", "-c", "echo \"$1\" 'x'\n\tdone", "", "two words", "ü €",
			 "--x=a=b", NULL };
	char *env[] = { "PATH=/bin", "EMPTY=", "MULTI=line1\nline2", "EQ==x=", NULL };
	uint32_t groups[] = { 1000, 1001, 0 };
	struct procspec p = { .argv = argv,
			      .env = env,
			      .cwd = "/srv/a b",
			      .uid = 1000,
			      .gid = 1000,
			      .groups = groups,
			      .n_groups = 3 };
	struct procspec *b = roundtrip(&p);

	for (size_t i = 0; argv[i]; i++)
		ck_assert_str_eq(b->argv[i], argv[i]);
	ck_assert_ptr_null(b->argv[7]);
	for (size_t i = 0; env[i]; i++)
		ck_assert_str_eq(b->env[i], env[i]);
	ck_assert_ptr_null(b->env[4]);
	ck_assert_str_eq(b->cwd, "/srv/a b");
	ck_assert_uint_eq(b->uid, 1000);
	ck_assert_uint_eq(b->n_groups, 3);
	ck_assert_uint_eq(b->groups[2], 0);
	procspec_free(b);

	/* No env at all: an empty environment, not an inherited one. */
	struct procspec q = { .argv = argv, .cwd = "/", .uid = 4294967294u };
	b = roundtrip(&q);
	ck_assert_ptr_nonnull(b->env);
	ck_assert_ptr_null(b->env[0]);
	ck_assert_uint_eq(b->uid, 4294967294u);
	procspec_free(b);
}
END_TEST

static void parse_fails(const char *data, size_t size, const char *message)
{
	struct lxcri_error err = { 0 };
	struct procspec *p = NULL;

	ck_assert_int_lt(procspec_parse(data, size, &p, &err), 0);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.message, message), "'%s' lacks '%s'", err.message, message);
}

#define M	"lxcri-process 1\0"
#define OK_TAIL "cwd=/\0uid=0\0gid=0\0"

START_TEST(test_refused)
{
	struct lxcri_error err = { 0 };
	char *text = NULL;
	size_t size;

	parse_fails("", 0, "does not start with");
	parse_fails("lxcri-process 2\0arg=x\0" OK_TAIL,
		    sizeof("lxcri-process 2\0arg=x\0" OK_TAIL) - 1, "does not start with");
	parse_fails(M OK_TAIL, sizeof(M OK_TAIL) - 1, "no arg record");
	parse_fails(M "arg=x\0cwd=/\0uid=0\0", sizeof(M "arg=x\0cwd=/\0uid=0\0") - 1,
		    "lacks its gid record");
	parse_fails(M "arg=x\0" OK_TAIL "arg=y", sizeof(M "arg=x\0" OK_TAIL "arg=y") - 1,
		    "last record is cut off");
	parse_fails(M "arg=x\0env=NOEQ\0" OK_TAIL, sizeof(M "arg=x\0env=NOEQ\0" OK_TAIL) - 1,
		    "record 2 'env=NOEQ' is not env=KEY=value");
	parse_fails(M "arg=x\0cwd=rel\0uid=0\0gid=0\0",
		    sizeof(M "arg=x\0cwd=rel\0uid=0\0gid=0\0") - 1, "'cwd=rel' is not absolute");
	parse_fails(M "arg=x\0" OK_TAIL "uid=1\0", sizeof(M "arg=x\0" OK_TAIL "uid=1\0") - 1,
		    "'uid=1' is a second one");
	parse_fails(M "arg=x\0cwd=/\0uid=4294967295\0gid=0\0",
		    sizeof(M "arg=x\0cwd=/\0uid=4294967295\0gid=0\0") - 1, "is not an id");
	parse_fails(M "arg=x\0cwd=/\0uid=-1\0gid=0\0",
		    sizeof(M "arg=x\0cwd=/\0uid=-1\0gid=0\0") - 1, "is not an id");
	parse_fails(M "arg=x\0cwd=/\0uid=01\0gid=0\0",
		    sizeof(M "arg=x\0cwd=/\0uid=01\0gid=0\0") - 1, "is not an id");
	parse_fails(M "arg=x\0" OK_TAIL "shell=1\0", sizeof(M "arg=x\0" OK_TAIL "shell=1\0") - 1,
		    "'shell=1' is not known");
	/* A record with a newline or escape is named, escaped. */
	parse_fails(M "arg=x\0" OK_TAIL "x\n\033=1\0",
		    sizeof(M "arg=x\0" OK_TAIL "x\n\033=1\0") - 1, "is not known");

	/* Format refuses what could not come back. */
	char *argv[] = { "x", NULL }, *bad_env[] = { "NOEQ", NULL };
	struct procspec p = { .argv = argv, .cwd = "relative" };
	ck_assert_int_eq(procspec_format(&p, &text, &size, &err), -EINVAL);
	p.cwd = "/";
	p.env = bad_env;
	ck_assert_int_eq(procspec_format(&p, &text, &size, &err), -EINVAL);
	char *none[] = { NULL };
	p.env = NULL;
	p.argv = none;
	ck_assert_int_eq(procspec_format(&p, &text, &size, &err), -EINVAL);
}
END_TEST

START_TEST(test_read_file)
{
	_cleanup_free_ char *dir = test_tmpdir(), *path = test_path(dir, "process");
	struct lxcri_error err = { 0 };
	struct procspec *p = NULL;
	static const char content[] = M "arg=/bin/true\0" OK_TAIL;
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fwrite(content, 1, sizeof(content) - 1, f);
	fclose(f);
	ck_assert_int_eq(procspec_read_file(path, &p, &err), 0);
	ck_assert_str_eq(p->argv[0], "/bin/true");
	procspec_free(p);
	/* A directory or a missing file: named. */
	ck_assert_int_lt(procspec_read_file(dir, &p, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.message, dir));
	test_rm_rf(dir);
	ck_assert_int_eq(procspec_read_file(path, &p, &err), -ENOENT);
}
END_TEST

static Suite *procspec_suite(void)
{
	Suite *s = suite_create("procspec");
	TCase *tc = tcase_create("procspec");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_read_file);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(procspec_suite)
