/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "cli/livechange.h"
#include "lib/basic/fileio.h"

/*
 * The live-change transaction on containers that do not run (lxc-info
 * does not know them): the config gets the change, the container's
 * callbacks are never called, and a refusal leaves the config as it was.
 * The running side (apply, undo, the snapshot) is shown on real containers
 * by test_net and test_port (`lxcri net|port add|del`).
 */
struct fixture {
	char *dir;
	struct lxcri_paths paths;
	char config[PATH_MAX]; /* etc/containers/web.conf */
};

static void fixture_init(struct fixture *f)
{
	char path[PATH_MAX];

	*f = (struct fixture){ .dir = test_tmpdir() };
	test_paths_under(&f->paths, f->dir);
	for (const char *const *d =
		 (const char *const[]){ "etc", "etc/containers", "run", "lxc", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(f->config, sizeof(f->config), "%s/etc/containers/web.conf", f->dir);
}

static void fixture_done(struct fixture *f)
{
	test_rm_rf(f->dir);
	free(f->dir);
}

static char *config_text(const struct fixture *f)
{
	char *text = NULL;

	if (fileio_read_file(f->config, 0, &text, NULL) < 0)
		return NULL;
	return text;
}

/* A feature that counts what the transaction asks of it. */
struct counting {
	const char *value; /* the port's value */
	unsigned described, applied, undone;
};

static int edit_port(void *ctx, const char *path, const char *text, size_t size, int index,
		     struct configedit_result *ret, struct lxcri_error *err)
{
	const struct counting *c = ctx;

	return configedit_port_add(
	    path, text, size, index < 0 ? CONFIGEDIT_LOWEST : (unsigned)index, c->value, ret, err);
}

static int edit_del_port(void *ctx, const char *path, const char *text, size_t size, int index,
			 struct configedit_result *ret, struct lxcri_error *err)
{
	(void)ctx;
	(void)index;
	return configedit_port_del(path, text, size, IPPROTO_TCP, 8080, ret, err);
}

static void describe(void *ctx, const struct livechange *lc, char *buf, size_t size)
{
	struct counting *c = ctx;

	c->described++;
	snprintf(buf, size, "port%u", lc->edit.index);
}

static bool applied(void *ctx, const struct livechange *lc)
{
	(void)ctx;
	(void)lc;
	return true;
}

static int apply(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	(void)lc;
	(void)err;
	((struct counting *)ctx)->applied++;
	return 0;
}

static int undo(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	(void)lc;
	(void)err;
	((struct counting *)ctx)->undone++;
	return 0;
}

static const struct livechange_ops add_ops = {
	.verb = "port add",
	.edit = edit_port,
	.describe = describe,
	.apply = apply,
	.undo = undo,
};

static const struct livechange_ops del_ops = {
	.verb = "port del",
	.removal = true,
	.edit = edit_del_port,
	.describe = describe,
	.applied = applied,
	.apply = apply,
};

/* Two additions and a removal on a stopped container: the config only. */
START_TEST(test_stopped_container_gets_the_config)
{
	struct fixture f;
	struct counting c = { .value = "proto=tcp,host=8080,ct=80" };
	struct livechange_result result;
	struct lxcri_error err = {};
	char *text;

	fixture_init(&f);
	ck_assert_msg(livechange_run(&f.paths, "web", &add_ops, &c, &result, &err) == 0, "%s",
		      err.message);
	ck_assert_uint_eq(result.index, 0);
	ck_assert(!result.live);
	ck_assert_str_eq(result.file, f.config);
	c.value = "proto=udp,host=5353,ct=53";
	ck_assert_msg(livechange_run(&f.paths, "web", &add_ops, &c, &result, &err) == 0, "%s",
		      err.message);
	ck_assert_uint_eq(result.index, 1);
	text = config_text(&f);
	ck_assert_str_eq(text,
			 "port0: proto=tcp,host=8080,ct=80\nport1: proto=udp,host=5353,ct=53\n");
	free(text);

	ck_assert_msg(livechange_run(&f.paths, "web", &del_ops, &c, &result, &err) == 0, "%s",
		      err.message);
	ck_assert(!result.live);
	ck_assert(!result.was_applied);
	text = config_text(&f);
	ck_assert_str_eq(text, "port1: proto=udp,host=5353,ct=53\n");
	free(text);
	ck_assert_uint_eq(c.applied + c.undone, 0);
	ck_assert_uint_eq(c.described, 3);
	fixture_done(&f);
}
END_TEST

/* Refusals: the config is as it was, and the refusal says whose fault it is. */
START_TEST(test_refusals_change_nothing)
{
	struct fixture f;
	struct counting c = { .value = "proto=tcp,host=8080,ct=80" };
	struct livechange_result result;
	struct lxcri_error err = {};
	char *text;

	fixture_init(&f);
	/* A removal needs a config. */
	ck_assert_int_eq(livechange_run(&f.paths, "web", &del_ops, &c, &result, &err), -ENOENT);
	ck_assert(result.config_fault);
	ck_assert_ptr_nonnull(strstr(err.message, "Container 'web' has no lxcri config"));
	ck_assert_ptr_null(config_text(&f));

	test_write_file(f.config, "port0: proto=tcp,host=8080,ct=80\n");
	/* The same host port again: the config's fault, with file:line. */
	ck_assert_int_eq(livechange_run(&f.paths, "web", &add_ops, &c, &result, &err), -EINVAL);
	ck_assert(result.config_fault);
	ck_assert_ptr_nonnull(strstr(err.message, f.config));
	/* An invalid id: refused before any file is touched. */
	ck_assert_int_eq(livechange_run(&f.paths, "../web", &add_ops, &c, &result, &err), -EINVAL);
	ck_assert(!result.config_fault);
	ck_assert_str_eq(err.message, "Invalid container id '../web'");
	text = config_text(&f);
	ck_assert_str_eq(text, "port0: proto=tcp,host=8080,ct=80\n");
	free(text);
	ck_assert_uint_eq(c.applied + c.undone + c.described, 0);
	fixture_done(&f);
}
END_TEST

/* A change that only writes: the config and a file of its own, or neither. */
struct writing {
	struct counting c;
	char side[PATH_MAX]; /* the feature's other file */
	bool fail;	     /* the side file cannot be written */
	unsigned written;
};

static int write_both(void *ctx, struct livechange *lc, struct lxcri_error *err)
{
	struct writing *w = ctx;
	int r;

	w->written++;
	if (w->fail)
		return error_set(err, -EROFS, "Failed to write '%s': read-only", w->side);
	test_write_file(w->side, lc->edit.text);
	r = ct_config_write(&lc->files, &lc->old, lc->edit.text, lc->edit.size, err);
	if (r < 0)
		(void)unlink(w->side);
	return r;
}

static const struct livechange_ops write_ops = {
	.verb = "profile set",
	.edit = edit_port,
	.describe = describe,
	.write = write_both,
};

/*
 * Without apply, the feature's write writes (here, two files), under the
 * same locks and edit; its refusal leaves the config as it was.
 */
START_TEST(test_write_only_change)
{
	struct fixture f;
	struct writing w = { .c = { .value = "proto=tcp,host=8080,ct=80" } };
	struct livechange_result result;
	struct lxcri_error err = {};
	_cleanup_free_ char *side = NULL;
	char *text;

	fixture_init(&f);
	snprintf(w.side, sizeof(w.side), "%s/side", f.dir);
	test_write_file(f.config, "# mine\n");
	w.fail = true;
	ck_assert_int_eq(livechange_run(&f.paths, "web", &write_ops, &w, &result, &err), -EROFS);
	ck_assert_ptr_nonnull(strstr(err.message, "read-only"));
	text = config_text(&f);
	ck_assert_str_eq(text, "# mine\n");
	free(text);

	w.fail = false;
	ck_assert_msg(livechange_run(&f.paths, "web", &write_ops, &w, &result, &err) == 0, "%s",
		      err.message);
	ck_assert_uint_eq(w.written, 2);
	ck_assert(!result.live);
	ck_assert(!result.running); /* lxc-info does not know it */
	text = config_text(&f);
	ck_assert_str_eq(text, "# mine\nport0: proto=tcp,host=8080,ct=80\n");
	ck_assert_int_ge(fileio_read_file(w.side, 0, &side, NULL), 0);
	ck_assert_str_eq(side, text);
	free(text);
	ck_assert_uint_eq(w.c.applied + w.c.undone, 0);
	fixture_done(&f);
}
END_TEST

static Suite *livechange_suite(void)
{
	Suite *s = suite_create("livechange");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stopped_container_gets_the_config);
	tcase_add_test(tc, test_refusals_change_nothing);
	tcase_add_test(tc, test_write_only_change);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(livechange_suite)
