/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri config validate|export|import` (cli/configcmd.c) on a plain LXC host under a tmp dir. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "testutil.h"

#include "cli/cli.h"
#include "cli/configcmd.h"
#include "clitest.h"
#include "lib/basic/log.h"

struct fixture {
	char *dir;
	struct cli cli;
	char *argv[4];
	char config[PATH_MAX]; /* etc/containers/web.conf */
};

static void fixture_init(struct fixture *f)
{
	char path[PATH_MAX];

	*f = (struct fixture){ .dir = test_tmpdir() };
	test_paths_under(&f->cli.paths, f->dir);
	for (const char *const *d = (const char *const[]){ "etc", "etc/containers", "run", "lxc",
							   "lxc/web", "lxc/db", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/lxc/web/config", f->dir);
	test_write_file(path, "lxc.uts.name = web\n");
	snprintf(path, sizeof(path), "%s/lxc/db/config", f->dir);
	test_write_file(path, "lxc.uts.name = db\n");
	snprintf(f->config, sizeof(f->config), "%s/etc/containers/web.conf", f->dir);
	f->cli.argv = f->argv;
	log_setup("lxcri", NULL);
	log_set_stderr(false);
}

static void fixture_done(struct fixture *f)
{
	test_rm_rf(f->dir);
	free(f->dir);
}

/* Runs verb with the positional arguments given, capturing what it prints. */
static int run(struct fixture *f, int (*verb)(struct cli *), struct captured *c, int argc, ...)
{
	va_list ap;
	int r;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		f->argv[i] = va_arg(ap, char *);
	va_end(ap);
	f->cli.argc = argc;
	captured_begin(c);
	r = verb(&f->cli);
	captured_end(c);
	return r;
}

START_TEST(test_validate)
{
	struct fixture f;
	struct captured c;
	char expect[PATH_MAX + 64];

	fixture_init(&f);
	test_write_file(f.config, "# web\nport0: proto=tcp,host=8080,ct=80\ndns: options=rotate\n");
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 1, "web"), EXIT_OK);
	snprintf(expect, sizeof(expect), "'%s' is valid (2 key(s))\n", f.config);
	ck_assert_str_eq(c.out, expect);
	captured_done(&c);

	/* The same file by --file, in JSON. */
	f.cli.file = f.config;
	f.cli.format = OUTPUT_JSON;
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 0), EXIT_OK);
	snprintf(expect, sizeof(expect),
		 "{\"file\":\"%s\",\"valid\":true,\"error\":null,\"keys\":2}\n", f.config);
	ck_assert_str_eq(c.out, expect);
	captured_done(&c);
	fixture_done(&f);
}
END_TEST

/* An invalid config: exit 3, the file, the line and the value; JSON says the same. */
START_TEST(test_validate_invalid)
{
	struct fixture f;
	struct captured c;
	char expect[PATH_MAX + 64];

	fixture_init(&f);
	test_write_file(f.config, "# web\n\nport0: proto=tcp,host=80800,ct=80\n");
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 1, "web"), EXIT_INVALID);
	snprintf(expect, sizeof(expect), "%s:3: Invalid value '80800' for 'host'", f.config);
	ck_assert_msg(strncmp(c.err, expect, strlen(expect)) == 0, "%s", c.err);
	ck_assert_str_eq(c.out, "");
	captured_done(&c);

	f.cli.format = OUTPUT_JSON;
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 1, "web"), EXIT_INVALID);
	ck_assert_ptr_nonnull(strstr(c.out, "\"valid\":false"));
	ck_assert_ptr_nonnull(strstr(c.out, "Invalid value '80800'"));
	captured_done(&c);
	fixture_done(&f);
}
END_TEST

/* Usage errors: exit 2, nothing read. */
START_TEST(test_usage)
{
	struct fixture f;
	struct captured c;

	fixture_init(&f);
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 1, "../web"), EXIT_USAGE);
	ck_assert_str_eq(c.err, "lxcri: Invalid container id '../web'\nTry 'lxcri help'.\n");
	captured_done(&c);
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 0), EXIT_USAGE);
	captured_done(&c);
	f.cli.file = f.config;
	ck_assert_int_eq(run(&f, configcmd_do_validate, &c, 1, "web"), EXIT_USAGE);
	captured_done(&c);
	ck_assert_int_eq(run(&f, configcmd_do_export, &c, 0), EXIT_USAGE);
	captured_done(&c);
	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 3, "web", "a", "b"), EXIT_USAGE);
	captured_done(&c);
	fixture_done(&f);
}
END_TEST

/* An export of web imported into db: the same config, and a second import needs --force. */
START_TEST(test_export_import)
{
	struct fixture f;
	struct captured c;
	char doc[PATH_MAX], db[PATH_MAX];
	_cleanup_free_ char *text = NULL;

	fixture_init(&f);
	test_write_file(f.config, "port0: proto=tcp,host=8080,ct=80\nhook-user: nobody\n");
	ck_assert_int_eq(run(&f, configcmd_do_export, &c, 1, "web"), EXIT_OK);
	ck_assert_ptr_nonnull(strstr(c.out, "\"lxcri-export\": 1"));
	snprintf(doc, sizeof(doc), "%s/web.json", f.dir);
	test_write_file(doc, c.out);
	captured_done(&c);

	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 2, "db", doc), EXIT_OK);
	snprintf(db, sizeof(db), "%s/etc/containers/db.conf", f.dir);
	ck_assert_ptr_nonnull(strstr(c.out, db));
	ck_assert_ptr_null(strstr(c.out, "the container runs"));
	captured_done(&c);
	ck_assert_int_ge(fileio_read_file(db, 0, &text, NULL), 0);
	ck_assert_str_eq(text, "port0: proto=tcp,host=8080,ct=80\nhook-user: nobody\n");

	/* Again: refused, the config kept, exit 1; --force replaces it. */
	test_write_file(db, "dns: options=rotate\n");
	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 2, "db", doc), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(c.err, "has an lxcri config (--force replaces it)"));
	captured_done(&c);
	free(text);
	ck_assert_int_ge(fileio_read_file(db, 0, &text, NULL), 0);
	ck_assert_str_eq(text, "dns: options=rotate\n");
	f.cli.force = true;
	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 2, "db", doc), EXIT_OK);
	captured_done(&c);
	free(text);
	ck_assert_int_ge(fileio_read_file(db, 0, &text, NULL), 0);
	ck_assert_str_eq(text, "port0: proto=tcp,host=8080,ct=80\nhook-user: nobody\n");
	fixture_done(&f);
}
END_TEST

/* Bad documents: exit 3 with the reason, or exit 1 for a file that cannot be read; nothing written.
 */
START_TEST(test_import_refused)
{
	struct fixture f;
	struct captured c;
	char doc[PATH_MAX], db[PATH_MAX], missing[PATH_MAX];
	struct stat st;

	fixture_init(&f);
	snprintf(doc, sizeof(doc), "%s/bad.json", f.dir);
	snprintf(db, sizeof(db), "%s/etc/containers/db.conf", f.dir);
	test_write_file(doc, "{\"lxcri-export\": 1, \"config\": \"port0: proto=tcp\\n\", "
			     "\"files\": {}}");
	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 2, "db", doc), EXIT_INVALID);
	ck_assert_ptr_nonnull(strstr(c.err, "Missing property"));
	captured_done(&c);
	test_write_file(doc, "[1, 2]");
	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 2, "db", doc), EXIT_INVALID);
	ck_assert_ptr_nonnull(strstr(c.err, "is not an lxcri export"));
	captured_done(&c);
	snprintf(missing, sizeof(missing), "%s/none.json", f.dir);
	ck_assert_int_eq(run(&f, configcmd_do_import, &c, 2, "db", missing), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(c.err, "Failed to read"));
	captured_done(&c);
	ck_assert_int_eq(stat(db, &st), -1);
	fixture_done(&f);
}
END_TEST

static Suite *configcmd_suite(void)
{
	Suite *s = suite_create("configcmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_validate_invalid);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_export_import);
	tcase_add_test(tc, test_import_refused);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(configcmd_suite)
