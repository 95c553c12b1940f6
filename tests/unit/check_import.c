/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/image/digest.h"
#include "lib/image/import.h"

struct member {
	char type; /* f file, l symlink */
	const char *name, *data;
};

static void write_tar(const char *path, const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();

	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		if (m[i].type == 'l') {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].data);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(m[i].data));
		}
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].type == 'f' && m[i].data[0])
			ck_assert_int_eq(archive_write_data(a, m[i].data, strlen(m[i].data)),
					 (la_ssize_t)strlen(m[i].data));
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* A one-file layer tar, in memory (its bytes and its digest). */
static char *layer(size_t *ret_size, char digest[DIGEST_SIZE])
{
	static char buf[16384];
	size_t used = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, buf, sizeof(buf), &used);
	archive_entry_set_pathname(e, "hello");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 3);
	archive_write_header(a, e);
	archive_write_data(a, "hi\n", 3);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	ck_assert_int_eq(digest_of_data(buf, used, digest), 0);
	*ret_size = used;
	return buf;
}

/* A docker-save archive: manifest.json, the config, the layer and its legacy link. */
static char *docker_save(const char *dir, const char *diff_id, const char *repo_tags)
{
	char *path = test_path(dir, "saved.tar"), digest[DIGEST_SIZE], *config = NULL,
	     *manifest = NULL, *data;
	size_t size;

	data = layer(&size, digest);
	ck_assert_int_ge(
	    asprintf(&config,
		     "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":"
		     "[\"/hello\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		     diff_id ? diff_id : digest),
	    0);
	ck_assert_int_ge(
	    asprintf(&manifest,
		     "[{\"Config\":\"cfg.json\",\"RepoTags\":%s,\"Layers\":[\"l1.tar\"]}]",
		     repo_tags),
	    0);
	/* The layer has NULs: members carry their sizes. */
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	const struct {
		const char *name, *data;
		size_t size;
		bool link;
	} m[] = {
		{ "manifest.json", manifest, strlen(manifest), false },
		{ "cfg.json", config, strlen(config), false },
		{ "l1.tar", data, size, false },
		{ "abc/layer.tar", "../l1.tar", 0, true },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		if (m[i].link) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].data);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)m[i].size);
		}
		archive_write_header(a, e);
		if (!m[i].link)
			archive_write_data(a, m[i].data, m[i].size);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	free(config);
	free(manifest);
	return path;
}

START_TEST(test_docker_save)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *store_dir = test_path(tmp, "store");
	_cleanup_free_ char *saved = docker_save(tmp, NULL, "[\"app:1\"]");
	struct lxcri_error err = { 0 };
	struct import_result res;
	struct store_descriptor d;
	struct store *s = NULL;

	ck_assert_int_eq(store_open(store_dir, STORE_CREATE, &s, &err), 0);
	ck_assert_msg(import_image(s, saved, NULL, NULL, &res, &err) == 0, "%s", err.message);
	ck_assert_str_eq(res.name, "docker.io/library/app:1");
	ck_assert_str_eq(res.kind, "docker-archive");
	ck_assert_uint_eq(res.layers, 1);
	ck_assert_int_eq(store_resolve(s, "docker.io/library/app:1", &d, &err), 0);
	ck_assert_str_eq(d.digest, res.digest);
	/* --name wins over RepoTags. */
	ck_assert_int_eq(import_image(s, saved, "example.com/x:2", NULL, &res, &err), 0);
	ck_assert_str_eq(res.name, "example.com/x:2");
	store_close(s);
	test_rm_rf(tmp);
}
END_TEST

START_TEST(test_refused)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *store_dir = test_path(tmp, "store");
	_cleanup_free_ char *bad = docker_save(
	    tmp, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
	    "[\"app:1\"]");
	_cleanup_free_ char *evil = test_path(tmp, "evil.tar");
	struct lxcri_error err = { 0 };
	struct import_result res;
	struct store_entry *entries = NULL;
	struct store *s = NULL;
	size_t n;

	ck_assert_int_eq(store_open(store_dir, STORE_CREATE, &s, &err), 0);
	ck_assert_int_eq(import_image(s, bad, NULL, NULL, &res, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, "not the diff_id 'sha256:0000"));
	static const struct {
		struct member m[2];
		size_t n;
		const char *named;
	} cases[] = {
		{ { { 'f', "../escape", "x" } }, 1, "'../escape'" },
		{ { { 'f', "/abs", "x" } }, 1, "'/abs'" },
		{ { { 'l', "index.json", "/etc/shadow" } }, 1, "'index.json'" },
		{ { { 'l', "x/layer.tar", "/etc/shadow" } }, 1, "'x/layer.tar'" },
		{ { { 'f', "etc/passwd", "x" } }, 1, "'etc/passwd'" },
		{ { { 'f', "blobs/sha256/notahex", "x" } }, 1, "'blobs/sha256/notahex'" },
		{ { { 'f', "manifest.json", "[]" }, { 'f', "manifest.json", "[]" } },
		  2,
		  "there twice" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_tar(evil, cases[i].m, cases[i].n);
		ck_assert_int_lt(import_image(s, evil, "example.com/evil:1", NULL, &res, &err), 0);
		ck_assert_msg(strstr(err.message, cases[i].named), "%s", err.message);
	}
	/* No name anywhere: asked for. Not an archive: said. */
	_cleanup_free_ char *unnamed = docker_save(tmp, NULL, "null");
	ck_assert_int_eq(import_image(s, unnamed, NULL, NULL, &res, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "(--name <reference>)"));
	ck_assert_int_lt(import_image(s, "/etc/hostname", "example.com/x:1", NULL, &res, &err), 0);
	/* Nothing tagged, nothing left of the extractions. */
	ck_assert_int_eq(store_list(s, &entries, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	store_entries_free(entries, n);
	const char *ls[] = { "/bin/sh", "-c", "ls -A \"$0\" | grep -c '^.import' || true",
			     store_dir, NULL };
	ck_assert_str_eq(test_run_output(ls), "0\n");
	store_close(s);
	test_rm_rf(tmp);
}
END_TEST

static Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_add_test(tc, test_docker_save);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(import_suite)
