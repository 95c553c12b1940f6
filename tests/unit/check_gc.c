/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "cli/gc.h"

#define D1 "1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "3333333333333333333333333333333333333333333333333333333333333333"
#define S1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define S2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

START_TEST(test_words)
{
	static const char text[] = "seccomp-sha256: " D2 "\nx " D1 ".seccomp " D1 "1 " D2;
	_cleanup_free_ char(*words)[65] = NULL;
	size_t n = 0;

	/* Exactly 64 hex digits between non-hex characters; 63 or 65 are not one. */
	ck_assert_int_eq(gc_words_add(text, strlen(text), &words, &n), 0);
	ck_assert_int_eq(gc_words_add(D3 + 1, 63, &words, &n), 0);
	ck_assert_int_eq(gc_words_add("/s/" D3 ".seccomp", strlen("/s/" D3 ".seccomp"), &words, &n),
			 0);
	gc_words_sort(words, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(words[0], D1);
	ck_assert_str_eq(words[1], D2);
	ck_assert_str_eq(words[2], D3);
	ck_assert(gc_words_has(words, n, D2));
	ck_assert(!gc_words_has(words, n, S1));
	ck_assert(!gc_words_has(NULL, 0, D1));
}
END_TEST

/*
 * A PVE node (pve1) with vmids 100 (live, profile D1 made from S1), 101
 * (gone: not in .vmlist, profile D2 from S2) and 102 (on pve2); a store
 * profile D3 that only a PVE config's raw key names (a clone); a named
 * container "gone" whose LXC config is missing.
 */
struct fixture {
	char *dir;
	struct lxcri_paths paths;
};

static void put(const struct fixture *f, const char *sub, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, sub);
	test_write_file(path, text);
}

static void age(const struct fixture *f, const char *sub)
{
	char path[PATH_MAX];
	struct utimbuf old = { .actime = time(NULL) - 3600, .modtime = time(NULL) - 3600 };

	snprintf(path, sizeof(path), "%s/%s", f->dir, sub);
	ck_assert_int_eq(utime(path, &old), 0);
}

static void fixture_init(struct fixture *f)
{
	static const char *const dirs[] = { "pve",
					    "pve/lxc",
					    "pve/lxcri",
					    "pve/lxcri/seccomp",
					    "pve/nodes",
					    "pve/nodes/pve1",
					    "pve/nodes/pve1/lxc",
					    "etc",
					    "etc/containers",
					    "lxc",
					    "lxc/here",
					    "run" };
	char path[PATH_MAX];

	*f = (struct fixture){ .dir = test_tmpdir() };
	snprintf(f->paths.pve_dir, sizeof(f->paths.pve_dir), "%s/pve", f->dir);
	snprintf(f->paths.etc_dir, sizeof(f->paths.etc_dir), "%s/etc", f->dir);
	snprintf(f->paths.run_dir, sizeof(f->paths.run_dir), "%s/run", f->dir);
	snprintf(f->paths.lxc_path, sizeof(f->paths.lxc_path), "%s/lxc", f->dir);
	snprintf(f->paths.pve_lock_dir, sizeof(f->paths.pve_lock_dir), "%s/locks", f->dir);
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, dirs[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	put(f, "pve/.vmlist",
	    "{\"version\": 3, \"ids\": {\"100\": {\"node\": \"pve1\", \"type\": \"lxc\", "
	    "\"version\": 1}, \"102\": {\"node\": \"pve2\", \"type\": \"lxc\", \"version\": 2}, "
	    "\"103\": {\"node\": \"pve1\", \"type\": \"lxc\", \"version\": 3}}}\n");
	put(f, "pve/lxcri/100.conf", "seccomp: /s/p.json\nseccomp-sha256: " D1 "\n");
	put(f, "pve/lxcri/101.conf", "seccomp: /s/q.json\nseccomp-sha256: " D2 "\n");
	put(f, "pve/lxcri/101.seccomp", "2\ndenylist\n");
	put(f, "pve/lxcri/102.conf", "annotation0: a=b\n");
	put(f, "pve/lxcri/notes.txt", "not ours\n");
	put(f, "pve/lxcri/seccomp/" D1 ".seccomp", "2\ndenylist\n# lxcri: source sha256 " S1 "\n");
	put(f, "pve/lxcri/seccomp/" S1 ".json", "{}\n");
	put(f, "pve/lxcri/seccomp/" D2 ".seccomp", "2\ndenylist\n# lxcri: source sha256 " S2 "\n");
	put(f, "pve/lxcri/seccomp/" S2 ".json", "{}\n");
	put(f, "pve/lxcri/seccomp/" D3 ".seccomp", "2\ndenylist\n# lxcri: source sha256 " S2 "\n");
	put(f, "pve/lxcri/seccomp/README", "not ours\n");
	put(f, "pve/nodes/pve1/lxc/103.conf",
	    "arch: amd64\nlxc.seccomp.profile: /x/seccomp/" D3 ".seccomp\n");
	put(f, "etc/containers/gone.conf", "annotation0: a=b\n");
	put(f, "etc/containers/here.conf", "annotation0: a=b\n");
	put(f, "lxc/here/config", "lxc.uts.name = here\n");
	for (const char *const *s = (const char *const[]){ D1 ".seccomp", S1 ".json", D2 ".seccomp",
							   S2 ".json", D3 ".seccomp", NULL };
	     *s; s++) {
		snprintf(path, sizeof(path), "pve/lxcri/seccomp/%s", *s);
		age(f, path);
	}
}

static void fixture_done(struct fixture *f)
{
	test_rm_rf(f->dir);
	free(f->dir);
}

/* The items, "path-under-dir:keep" per line, sorted. */
static char *listed(const struct fixture *f, const struct gc_list *l)
{
	char *out = NULL;
	size_t len = 0, n = strlen(f->dir) + 1;
	FILE *m = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < l->n; i++)
		fprintf(m, "%s%s\n", l->items[i].path + n, l->items[i].keep ? " (keep)" : "");
	fclose(m);
	return out;
}

START_TEST(test_find)
{
	_cleanup_(gc_list_done) struct gc_list l = {};
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = {};
	struct fixture f;

	fixture_init(&f);
	ck_assert_msg(gc_find(&f.paths, GC_MIN_AGE_S, &l, &err) == 0, "%s", err.message);
	text = listed(&f, &l);
	/* readdir order within each directory: compare as sets. */
	for (const char *const *want =
		 (const char *const[]){ "pve/lxcri/101.conf\n", "pve/lxcri/101.seccomp\n",
					"etc/containers/gone.conf\n",
					"pve/lxcri/seccomp/" D2 ".seccomp\n", NULL };
	     *want; want++)
		ck_assert_msg(strstr(text, *want), "'%s' not in:\n%s", *want, text);
	/* S2's copy: D3 (named by 103's raw key) was made from it. */
	ck_assert_uint_eq(l.n, 4);
	for (size_t i = 0; i < l.n; i++) {
		if (strstr(l.items[i].path, "101."))
			ck_assert_msg(strstr(l.items[i].why, "vmid 101 is not in ") &&
					  strstr(l.items[i].why, "/pve/.vmlist"),
				      "%s", l.items[i].why);
		if (strstr(l.items[i].path, "gone.conf"))
			ck_assert_msg(strstr(l.items[i].why, "no container 'gone' in "), "%s",
				      l.items[i].why);
	}
	fixture_done(&f);
}
END_TEST

/* Unused, but written a minute ago: kept, and said so; its copy with it. */
START_TEST(test_find_keeps_young)
{
	_cleanup_(gc_list_done) struct gc_list l = {};
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = {};
	struct fixture f;

	fixture_init(&f);
	put(&f, "pve/lxcri/seccomp/" D3 ".seccomp", "2\ndenylist\n# lxcri: source sha256 " S2 "\n");
	put(&f, "pve/nodes/pve1/lxc/103.conf", "arch: amd64\n");
	put(&f, "pve/lxcri/101.conf", "annotation0: a=b\n");
	ck_assert_int_eq(gc_find(&f.paths, GC_MIN_AGE_S, &l, &err), 0);
	text = listed(&f, &l);
	ck_assert_msg(strstr(text, "pve/lxcri/seccomp/" D3 ".seccomp (keep)\n"), "%s", text);
	ck_assert_msg(strstr(text, "pve/lxcri/seccomp/" D2 ".seccomp\n"), "%s", text);
	ck_assert_msg(!strstr(text, S2 ".json"), "%s", text);
	for (size_t i = 0; i < l.n; i++)
		if (l.items[i].keep)
			ck_assert_str_eq(l.items[i].why,
					 "no config uses it, but it was written less "
					 "than 10 minutes ago");
	fixture_done(&f);
}
END_TEST

START_TEST(test_find_needs_vmlist)
{
	_cleanup_(gc_list_done) struct gc_list l = {};
	struct lxcri_error err = {};
	char path[PATH_MAX];
	struct fixture f;

	fixture_init(&f);
	snprintf(path, sizeof(path), "%s/pve/.vmlist", f.dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(gc_find(&f.paths, GC_MIN_AGE_S, &l, &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "Failed to read '") && strstr(err.message, ".vmlist"),
		      "%s", err.message);
	/* Not JSON: no vmid is judged gone on its word. */
	test_write_file(path, "{\"ids\": [}\n");
	ck_assert_int_eq(gc_find(&f.paths, GC_MIN_AGE_S, &l, &err), -EINVAL);
	fixture_done(&f);
}
END_TEST

START_TEST(test_apply)
{
	_cleanup_(gc_list_done) struct gc_list l = {}, again = {};
	struct lxcri_error err = {};
	char path[PATH_MAX];
	struct fixture f;

	fixture_init(&f);
	snprintf(path, sizeof(path), "%s/pve/local", f.dir);
	ck_assert_int_eq(symlink("nodes/pve1", path), 0);
	ck_assert_msg(gc_apply(&f.paths, GC_MIN_AGE_S, &l, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(l.n, 4);
	for (size_t i = 0; i < l.n; i++) {
		ck_assert(l.items[i].removed);
		ck_assert_int_eq(access(l.items[i].path, F_OK), -1);
	}
	snprintf(path, sizeof(path), "%s/pve/lxcri/100.conf", f.dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/pve/lxcri/notes.txt", f.dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/pve/lxcri/seccomp/README", f.dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(gc_find(&f.paths, GC_MIN_AGE_S, &again, &err), 0);
	ck_assert_uint_eq(again.n, 0);
	fixture_done(&f);
}
END_TEST

static Suite *gc_suite(void)
{
	Suite *s = suite_create("gc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_find_keeps_young);
	tcase_add_test(tc, test_find_needs_vmlist);
	tcase_add_test(tc, test_apply);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(gc_suite)
