/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image store (lib/image/store.c): an OCI layout that skopeo and umoci read. */
#include <dirent.h>
#include <errno.h>
#include <sys/file.h>
#include <time.h>

#include "testutil.h"

#include "lib/basic/fileio.h"
#include "lib/basic/process.h"
#include "lib/image/store.h"

#define ABC	 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_HEX	 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABD	 "sha256:a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"
#define NAME	 "docker.io/library/busybox:latest"
#define MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define INDEX	 "application/vnd.oci.image.index.v1+json"

static struct store *open_store(const char *dir)
{
	struct lxcri_error err = { 0 };
	struct store *s = NULL;

	ck_assert_msg(store_open(dir, STORE_CREATE, &s, &err) == 0, "%s", err.message);
	return s;
}

static char *read_text(const char *path)
{
	char *text = NULL;

	ck_assert_msg(fileio_read_file(path, 0, &text, NULL) >= 0, "cannot read %s", path);
	return text;
}

/* The names in dir/sub, but "." and "..", joined by ' ' in readdir order ("" if none). */
static void names_in(const char *dir, const char *sub, char *buf, size_t size)
{
	_cleanup_free_ char *path = test_path(dir, sub);
	DIR *d = opendir(path);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	buf[0] = '\0';
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? " " : "",
				 e->d_name);
	closedir(d);
}

START_TEST(test_open_creates_a_layout)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *dir = test_path(tmp, "var/lib/images");
	_cleanup_free_ char *layout = NULL, *index = NULL, *p = NULL;
	_cleanup_store_ struct store *s = NULL, *again = NULL;
	struct lxcri_error err = { 0 };
	struct stat st;

	s = open_store(dir);
	ck_assert_str_eq(store_dir(s), dir);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	p = test_path(dir, "oci-layout");
	layout = read_text(p);
	ck_assert_str_eq(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
	free(p);
	p = test_path(dir, "index.json");
	index = read_text(p);
	ck_assert_ptr_nonnull(strstr(index, "\"schemaVersion\":2"));
	ck_assert_ptr_nonnull(strstr(index, "\"manifests\":[]"));
	free(p);
	p = test_path(dir, "blobs/sha256/.partial");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));

	/* Opened again, with and without a trailing slash and STORE_CREATE. */
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/", dir), 0);
	ck_assert_msg(store_open(p, 0, &again, &err) == 0, "%s", err.message);
	ck_assert_str_eq(store_dir(again), dir);
	test_rm_rf(tmp);
}
END_TEST

START_TEST(test_open_refusals)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *missing = test_path(tmp, "none");
	_cleanup_free_ char *other = test_path(tmp, "other"), *file = test_path(other, "passwd");
	_cleanup_free_ char *future = test_path(tmp, "future"),
			    *garbage = test_path(tmp, "garbage");
	_cleanup_free_ char *p = NULL;
	struct lxcri_error err = { 0 };
	struct store *s = NULL;

	ck_assert_int_eq(store_open(missing, 0, &s, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "no image store there"));
	ck_assert_int_eq(access(missing, F_OK), -1);
	ck_assert_int_eq(store_open("relative/dir", STORE_CREATE, &s, &err), -EINVAL);

	/* Some other directory does not become a store. */
	ck_assert_int_eq(mkdir(other, 0755), 0);
	test_write_file(file, "root:x:0:0\n");
	ck_assert_int_eq(store_open(other, STORE_CREATE, &s, &err), -ENOTEMPTY);
	ck_assert_ptr_nonnull(strstr(err.message, "not empty"));
	p = test_path(other, "oci-layout");
	ck_assert_int_eq(access(p, F_OK), -1);

	/* A layout version we do not know. */
	ck_assert_int_eq(mkdir(future, 0700), 0);
	free(p);
	p = test_path(future, "oci-layout");
	test_write_file(p, "{\"imageLayoutVersion\":\"2.0.0\"}");
	ck_assert_int_eq(store_open(future, STORE_CREATE, &s, &err), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err.message, "'2.0.0'"));
	test_write_file(p, "{\"imageLayoutVersion\":1}");
	ck_assert_int_eq(store_open(future, 0, &s, &err), -EINVAL);

	ck_assert_int_eq(mkdir(garbage, 0700), 0);
	free(p);
	p = test_path(garbage, "oci-layout");
	test_write_file(p, "{\"imageLayoutVersion\":\"1.0.0\"");
	ck_assert_int_eq(store_open(garbage, 0, &s, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "not JSON"));
	ck_assert_ptr_null(s);
	test_rm_rf(tmp);
}
END_TEST

START_TEST(test_blobs)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *path = test_path(tmp, "blobs/sha256/" ABC_HEX);
	_cleanup_store_ struct store *s = open_store(tmp);
	_cleanup_free_ char *buf = NULL;
	struct lxcri_error err = { 0 };
	char digest[DIGEST_SIZE];
	size_t size = 0;
	int fd = -1;

	ck_assert(!store_has_blob(s, ABC));
	ck_assert_int_eq(store_put_blob(s, "abc", 3, digest, &err), 0);
	ck_assert_str_eq(digest, ABC);
	ck_assert(store_has_blob(s, ABC));
	ck_assert_int_eq(store_put_blob(s, "abc", 3, digest, &err), STORE_BLOB_PRESENT);
	ck_assert_int_eq(store_read_blob(s, ABC, 100, &buf, &size, &err), 0);
	ck_assert_uint_eq(size, 3);
	ck_assert_str_eq(buf, "abc");
	free(TAKE_PTR(buf));
	ck_assert_int_eq(store_read_blob(s, ABC, 2, &buf, &size, &err), -EFBIG);
	ck_assert_int_eq(store_open_blob(s, ABC, &fd, &err), 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);

	/* Missing, malformed and hostile digests. */
	ck_assert_int_eq(store_open_blob(s, ABD, &fd, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "no blob '" ABD "' in '"));
	ck_assert_int_eq(store_open_blob(s, "sha256:../../../etc/passwd", &fd, &err), -EINVAL);
	ck_assert(!store_has_blob(s, "sha256:.partial"));
	ck_assert(!store_has_blob(s, NULL));
	ck_assert_int_eq(store_read_blob(s, "md5:abc", 10, &buf, &size, &err), -EINVAL);

	/* A blob changed on disk is not handed out. */
	test_write_file(path, "abd");
	ck_assert_int_eq(store_read_blob(s, ABC, 100, &buf, &size, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, "corrupt"));
	ck_assert_ptr_nonnull(strstr(err.message, ABD));
	ck_assert_ptr_null(buf);
	test_rm_rf(tmp);
}
END_TEST

START_TEST(test_wrong_content_refused)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	_cleanup_store_ struct store *s = open_store(tmp);
	struct lxcri_error err = { 0 };
	struct store_blob_writer *w = NULL;
	char names[512];
	uint64_t resume;

	/* Wrong digest: refused, named, nothing left. */
	ck_assert_int_eq(store_blob_begin(s, ABC, 3, &w, &resume, &err), 0);
	ck_assert_int_eq(store_blob_write(w, "abd", 3, &err), 0);
	ck_assert_int_eq(store_blob_commit(w, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, ABC));
	ck_assert_ptr_nonnull(strstr(err.message, ABD));
	ck_assert(!store_has_blob(s, ABC));
	names_in(tmp, "blobs/sha256", names, sizeof(names));
	ck_assert_str_eq(names, ".partial");
	names_in(tmp, "blobs/sha256/.partial", names, sizeof(names));
	ck_assert_str_eq(names, "");

	/* Too short: refused at commit; too long: refused at the write. */
	ck_assert_int_eq(store_blob_begin(s, ABC, 3, &w, &resume, &err), 0);
	ck_assert_int_eq(store_blob_write(w, "ab", 2, &err), 0);
	ck_assert_int_eq(store_blob_commit(w, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, "2 bytes, expected 3"));
	ck_assert_int_eq(store_blob_begin(s, ABC, 3, &w, &resume, &err), 0);
	ck_assert_uint_eq(resume, 0);
	ck_assert_int_eq(store_blob_write(w, "ab", 2, &err), 0);
	ck_assert_int_eq(store_blob_write(w, "cd", 2, &err), -EFBIG);
	ck_assert_uint_eq(store_blob_written(w), 2);
	ck_assert_int_eq(store_blob_write(w, "c", 1, &err), 0);
	ck_assert_int_eq(store_blob_commit(w, &err), 0);
	ck_assert(store_has_blob(s, ABC));

	/* The right content under an unknown size, wrong content at a known one. */
	ck_assert_int_eq(store_blob_begin(s, ABD, STORE_SIZE_UNKNOWN, &w, &resume, &err), 0);
	ck_assert_int_eq(store_blob_write(w, "abc", 3, &err), 0);
	ck_assert_int_eq(store_blob_commit(w, &err), -EBADMSG);
	ck_assert(!store_has_blob(s, ABD));
	names_in(tmp, "blobs/sha256/.partial", names, sizeof(names));
	ck_assert_str_eq(names, "");
	test_rm_rf(tmp);
}
END_TEST

#define BIG_SIZE (1u << 20)

static unsigned char *big_data(char digest[DIGEST_SIZE])
{
	unsigned char *data = malloc(BIG_SIZE);
	uint32_t x = 88172645u;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < BIG_SIZE; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	ck_assert_int_eq(digest_of_data(data, BIG_SIZE, digest), 0);
	return data;
}

START_TEST(test_resume)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	_cleanup_store_ struct store *s = open_store(tmp);
	struct lxcri_error err = { 0 };
	struct store_blob_writer *w = NULL;
	char digest[DIGEST_SIZE], names[512];
	_cleanup_free_ unsigned char *data = big_data(digest);
	uint64_t resume = 1;
	int status;
	pid_t pid;

	/* Aborted with keep_partial: the next writer goes on from there. */
	ck_assert_int_eq(store_blob_begin(s, digest, BIG_SIZE, &w, &resume, &err), 0);
	ck_assert_uint_eq(resume, 0);
	ck_assert_int_eq(store_blob_write(w, data, 1000, &err), 0);
	store_blob_abort(w, true);
	ck_assert_int_eq(store_blob_begin(s, digest, BIG_SIZE, &w, &resume, &err), 0);
	ck_assert_uint_eq(resume, 1000);
	ck_assert_uint_eq(store_blob_written(w), 1000);
	store_blob_abort(w, true);

	/* A pull killed halfway (SIGKILL: no abort, no cleanup of any kind). */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store_blob_writer *cw = NULL;
		uint64_t at = 0;

		if (store_blob_begin(s, digest, BIG_SIZE, &cw, &at, NULL) != 0 || at != 1000 ||
		    store_blob_write(cw, data + 1000, BIG_SIZE / 2 - 1000, NULL) != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	ck_assert_int_eq(store_blob_begin(s, digest, BIG_SIZE, &w, &resume, &err), 0);
	ck_assert_uint_eq(resume, BIG_SIZE / 2);
	ck_assert_int_eq(store_blob_write(w, data + resume, BIG_SIZE - resume, &err), 0);
	ck_assert_msg(store_blob_commit(w, &err) == 0, "%s", err.message);
	ck_assert(store_has_blob(s, digest));
	names_in(tmp, "blobs/sha256/.partial", names, sizeof(names));
	ck_assert_str_eq(names, "");

	/* A partial of someone else's bytes (a server that ignored Range): restart. */
	char small[DIGEST_SIZE];
	ck_assert_int_eq(digest_of_data(data, 5000, small), 0);
	ck_assert_int_eq(store_blob_begin(s, small, 5000, &w, &resume, &err), 0);
	ck_assert_int_eq(store_blob_write(w, data + 1, 3000, &err), 0);
	store_blob_abort(w, true);
	ck_assert_int_eq(store_blob_begin(s, small, 5000, &w, &resume, &err), 0);
	ck_assert_uint_eq(resume, 3000);
	ck_assert_int_eq(store_blob_restart(w, &err), 0);
	ck_assert_uint_eq(store_blob_written(w), 0);
	ck_assert_int_eq(store_blob_write(w, data, 5000, &err), 0);
	ck_assert_msg(store_blob_commit(w, &err) == 0, "%s", err.message);

	/* A partial longer than the blob can be is dropped at begin. */
	char abc_partial[PATH_MAX];
	snprintf(abc_partial, sizeof(abc_partial), "%s/blobs/sha256/.partial/%s", tmp, ABC_HEX);
	test_write_file(abc_partial, "abcdef");
	ck_assert_int_eq(store_blob_begin(s, ABC, 3, &w, &resume, &err), 0);
	ck_assert_uint_eq(resume, 0);
	store_blob_abort(w, false);
	ck_assert_int_eq(access(abc_partial, F_OK), -1);
	test_rm_rf(tmp);
}
END_TEST

/* One byte over a pipe; false on EOF. */
static bool pipe_wait(int fd)
{
	char c;
	return read(fd, &c, 1) == 1;
}

START_TEST(test_parallel_writers)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	_cleanup_store_ struct store *s = open_store(tmp);
	char digest[DIGEST_SIZE];
	_cleanup_free_ unsigned char *data = big_data(digest);
	int started[2], go[2], status;
	pid_t first, second;

	ck_assert_int_eq(pipe2(started, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	first = fork();
	ck_assert_int_ge(first, 0);
	if (first == 0) {
		struct store_blob_writer *w = NULL;
		uint64_t at;

		if (store_blob_begin(s, digest, BIG_SIZE, &w, &at, NULL) != 0 ||
		    store_blob_write(w, data, BIG_SIZE / 2, NULL) != 0 ||
		    write(started[1], "x", 1) != 1)
			_exit(1);
		if (!pipe_wait(go[0]) ||
		    store_blob_write(w, data + BIG_SIZE / 2, BIG_SIZE / 2, NULL) != 0 ||
		    store_blob_commit(w, NULL) != 0)
			_exit(2);
		_exit(10);
	}
	ck_assert(pipe_wait(started[0]));
	second = fork();
	ck_assert_int_ge(second, 0);
	if (second == 0) {
		struct store_blob_writer *w = NULL;
		uint64_t at;
		int r = store_blob_begin(s, digest, BIG_SIZE, &w, &at, NULL);

		_exit(r == STORE_BLOB_PRESENT ? 11 : r == 0 ? 3 : 4);
	}
	/* The second waits for the first, which holds the partial ... */
	usleep(300 * 1000);
	ck_assert_int_eq(waitpid(second, &status, WNOHANG), 0);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	/* ... and then finds the blob there, without writing it again. */
	ck_assert_int_eq(waitpid(first, &status, 0), first);
	ck_assert_int_eq(WEXITSTATUS(status), 10);
	ck_assert_int_eq(waitpid(second, &status, 0), second);
	ck_assert_int_eq(WEXITSTATUS(status), 11);

	_cleanup_free_ char *buf = NULL;
	struct lxcri_error err = { 0 };
	size_t size;
	ck_assert_msg(store_read_blob(s, digest, BIG_SIZE, &buf, &size, &err) == 0, "%s",
		      err.message);
	ck_assert_uint_eq(size, BIG_SIZE);
	test_rm_rf(tmp);
}
END_TEST

/* A waiting writer whose predecessor gave up (abort without keep) writes the blob itself. */
START_TEST(test_writer_after_abort)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	_cleanup_store_ struct store *s = open_store(tmp);
	int started[2], go[2], status;
	pid_t first, second;

	ck_assert_int_eq(pipe2(started, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	first = fork();
	ck_assert_int_ge(first, 0);
	if (first == 0) {
		struct store_blob_writer *w = NULL;
		uint64_t at;

		if (store_blob_begin(s, ABC, 3, &w, &at, NULL) != 0 ||
		    store_blob_write(w, "x", 1, NULL) != 0 || write(started[1], "x", 1) != 1 ||
		    !pipe_wait(go[0]))
			_exit(1);
		store_blob_abort(w, false);
		_exit(10);
	}
	ck_assert(pipe_wait(started[0]));
	second = fork();
	ck_assert_int_ge(second, 0);
	if (second == 0) {
		struct store_blob_writer *w = NULL;
		uint64_t at = 7;

		if (store_blob_begin(s, ABC, 3, &w, &at, NULL) != 0 || at != 0 ||
		    store_blob_write(w, "abc", 3, NULL) != 0 || store_blob_commit(w, NULL) != 0)
			_exit(2);
		_exit(11);
	}
	usleep(200 * 1000);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(first, &status, 0), first);
	ck_assert_int_eq(WEXITSTATUS(status), 10);
	ck_assert_int_eq(waitpid(second, &status, 0), second);
	ck_assert_int_eq(WEXITSTATUS(status), 11);
	ck_assert(store_has_blob(s, ABC));
	test_rm_rf(tmp);
}
END_TEST

static struct store_descriptor descriptor(const char *media_type, const char *digest, uint64_t size)
{
	struct store_descriptor d = { .size = size };

	snprintf(d.media_type, sizeof(d.media_type), "%s", media_type);
	snprintf(d.digest, sizeof(d.digest), "%s", digest);
	return d;
}

START_TEST(test_tags)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *index_path = test_path(tmp, "index.json");
	_cleanup_free_ char *text = NULL, *expected = NULL;
	_cleanup_store_ struct store *s = open_store(tmp);
	struct store_descriptor a = descriptor(MANIFEST, ABC, 3), b = descriptor(INDEX, ABD, 30);
	struct store_descriptor got;
	struct store_entry *entries = NULL;
	struct lxcri_error err = { 0 };
	char names[512];
	size_t n = 9;

	ck_assert_int_eq(store_resolve(s, NAME, &got, &err), -ENOENT);
	ck_assert_int_ge(asprintf(&expected, "no image '" NAME "' in '%s'", tmp), 0);
	ck_assert_str_eq(err.message, expected);
	ck_assert_int_eq(store_list(s, &entries, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	store_entries_free(entries, n);

	ck_assert_msg(store_tag(s, NAME, &a, &err) == 0, "%s", err.message);
	ck_assert_int_eq(store_tag(s, "other:1", &a, &err), 0);
	ck_assert_int_eq(store_resolve(s, NAME, &got, &err), 0);
	ck_assert_str_eq(got.media_type, MANIFEST);
	ck_assert_str_eq(got.digest, ABC);
	ck_assert_uint_eq(got.size, 3);
	/* The same name again replaces its entry. */
	ck_assert_int_eq(store_tag(s, NAME, &b, &err), 0);
	ck_assert_int_eq(store_resolve(s, NAME, &got, &err), 0);
	ck_assert_str_eq(got.digest, ABD);
	ck_assert_str_eq(got.media_type, INDEX);
	ck_assert_uint_eq(got.size, 30);
	ck_assert_int_eq(store_list(s, &entries, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(entries[0].name, "other:1");
	ck_assert_str_eq(entries[0].descriptor.digest, ABC);
	ck_assert_str_eq(entries[1].name, NAME);
	ck_assert_str_eq(entries[1].descriptor.digest, ABD);
	store_entries_free(entries, n);
	/* What is written is what the spec says, with the name as the ref.name annotation. */
	text = read_text(index_path);
	ck_assert_ptr_nonnull(strstr(text, "\"annotations\":{\"org.opencontainers.image.ref.name\":"
					   "\"" NAME "\"}"));
	names_in(tmp, ".", names, sizeof(names));
	ck_assert_ptr_null(strstr(names, ".index.json."));

	ck_assert_str_eq(got.index_digest, "");

	/* The index a platform's manifest came from is kept beside the name, and read back. */
	b = descriptor(MANIFEST, ABC, 3);
	memcpy(b.index_digest, ABD, DIGEST_SIZE);
	ck_assert_int_eq(store_tag(s, NAME, &b, &err), 0);
	ck_assert_int_eq(store_resolve(s, NAME, &got, &err), 0);
	ck_assert_str_eq(got.digest, ABC);
	ck_assert_str_eq(got.index_digest, ABD);
	free(text);
	text = read_text(index_path);
	ck_assert_ptr_nonnull(strstr(text, "\"org.lxcri.index.digest\":\"" ABD "\""));
	ck_assert_int_eq(store_resolve(s, "other:1", &got, &err), 0);
	ck_assert_str_eq(got.index_digest, "");

	ck_assert_int_eq(store_untag(s, NAME, &err), 0);
	ck_assert_int_eq(store_resolve(s, NAME, &got, &err), -ENOENT);
	ck_assert_int_eq(store_resolve(s, "other:1", &got, &err), 0);
	ck_assert_int_eq(store_untag(s, NAME, &err), -ENOENT);

	/* Names and descriptors that are refused. */
	static const char *const bad_names[] = { "", "-x", "x/", "a b", "a\nb", "x\"y", "ä" };
	for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
		ck_assert_int_eq(store_tag(s, bad_names[i], &a, &err), -EINVAL);
		ck_assert_int_eq(store_resolve(s, bad_names[i], &got, &err), -EINVAL);
	}
	struct store_descriptor bad = descriptor(MANIFEST, "sha256:abc", 3);
	ck_assert_int_eq(store_tag(s, "x", &bad, &err), -EINVAL);
	bad = descriptor("", ABC, 3);
	ck_assert_int_eq(store_tag(s, "x", &bad, &err), -EINVAL);
	bad = descriptor(MANIFEST, ABC, 3);
	snprintf(bad.index_digest, sizeof(bad.index_digest), "sha256:abc");
	ck_assert_int_eq(store_tag(s, "x", &bad, &err), -EINVAL);
	test_rm_rf(tmp);
}
END_TEST

/* index.json as another tool (or an attacker) may have left it. */
START_TEST(test_foreign_index)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *index_path = test_path(tmp, "index.json");
	_cleanup_free_ char *text = NULL;
	_cleanup_store_ struct store *s = open_store(tmp);
	struct store_descriptor a = descriptor(MANIFEST, ABC, 3), got;
	struct store_entry *entries = NULL;
	struct lxcri_error err = { 0 };
	size_t n;

	/* Entries without a name and keys we do not know are kept. */
	test_write_file(index_path,
			"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MANIFEST
			"\",\"digest\":\"" ABD "\",\"size\":7,\"platform\":{\"os\":\"linux\"}}],"
			"\"annotations\":{\"x\":\"y\"}}");
	ck_assert_int_eq(store_tag(s, "a", &a, &err), 0);
	text = read_text(index_path);
	ck_assert_ptr_nonnull(strstr(text, "\"platform\":{\"os\":\"linux\"}"));
	ck_assert_ptr_nonnull(strstr(text, "\"annotations\":{\"x\":\"y\"}"));
	ck_assert_int_eq(store_list(s, &entries, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(entries[0].name, "");
	ck_assert_str_eq(entries[0].descriptor.digest, ABD);
	store_entries_free(entries, n);

	static const char *const hostile[] = {
		"",
		"[]",
		"{\"manifests\":{}}",
		"{\"manifests\":[]",
		"{\"manifests\":[{\"digest\":\"sha256:../../../etc/shadow\",\"size\":1,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"a\"}}]}",
		"{\"manifests\":[{\"digest\":\"" ABC "\",\"size\":-1,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"a\"}}]}",
		"{\"manifests\":[{\"digest\":\"" ABC "\",\"size\":\"3\","
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"a\"}}]}",
	};
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		test_write_file(index_path, hostile[i]);
		ck_assert_msg(store_resolve(s, "a", &got, &err) == -EBADMSG, "%s", hostile[i]);
		ck_assert_ptr_nonnull(strstr(err.message, "index.json"));
		ck_assert_int_eq(store_list(s, &entries, &n, &err), -EBADMSG);
	}
	test_rm_rf(tmp);
}
END_TEST

/* A config, a layer and a manifest naming them, tagged name; returns the manifest digest. */
static void small_image(struct store *s, const char *name, const char *layer_text,
			char manifest_digest[DIGEST_SIZE])
{
	struct lxcri_error err = { 0 };
	char config[DIGEST_SIZE], layer[DIGEST_SIZE];
	char text[1024];
	struct store_descriptor d;

	ck_assert_int_ge(store_put_blob(s, "{}", 2, config, &err), 0);
	ck_assert_int_ge(store_put_blob(s, layer_text, strlen(layer_text), layer, &err), 0);
	snprintf(text, sizeof(text),
		 "{\"schemaVersion\":2,\"mediaType\":\"" MANIFEST "\",\"config\":{\"mediaType\":"
		 "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":2},"
		 "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		 "\"digest\":\"%s\",\"size\":%zu}]}",
		 config, layer, strlen(layer_text));
	ck_assert_int_ge(store_put_blob(s, text, strlen(text), manifest_digest, &err), 0);
	d = descriptor(MANIFEST, manifest_digest, strlen(text));
	if (name)
		ck_assert_int_eq(store_tag(s, name, &d, &err), 0);
}

static bool keep_abc(const char *digest, void *userdata)
{
	(*(int *)userdata)++;
	return strcmp(digest, ABC) == 0;
}

START_TEST(test_prune)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	_cleanup_store_ struct store *s = open_store(tmp);
	struct lxcri_error err = { 0 };
	char kept[DIGEST_SIZE], nested[DIGEST_SIZE], dropped[DIGEST_SIZE], digest[DIGEST_SIZE];
	char index_text[512], path[PATH_MAX], names[1024];
	struct store_descriptor d;
	uint64_t freed = 0;
	unsigned removed = 0;
	int asked = 0;

	small_image(s, "kept", "layer one", kept);
	/* Reached only through a nested index. */
	small_image(s, NULL, "layer two", nested);
	snprintf(index_text, sizeof(index_text),
		 "{\"schemaVersion\":2,\"mediaType\":\"" INDEX "\",\"manifests\":[{\"mediaType\":"
		 "\"" MANIFEST "\",\"digest\":\"%s\",\"size\":%d}]}",
		 nested, 300);
	ck_assert_int_ge(store_put_blob(s, index_text, strlen(index_text), digest, &err), 0);
	d = descriptor(INDEX, digest, strlen(index_text));
	ck_assert_int_eq(store_tag(s, "nested", &d, &err), 0);
	small_image(s, "dropped", "layer three", dropped);
	ck_assert_int_eq(store_untag(s, "dropped", &err), 0);
	ck_assert_int_ge(store_put_blob(s, "abc", 3, digest, &err), 0);
	ck_assert_int_ge(store_put_blob(s, "abd", 3, digest, &err), 0);

	/* Partials: a stale one, a fresh one, a stale one a writer holds. */
	snprintf(path, sizeof(path), "%s/blobs/sha256/.partial/%064d", tmp, 1);
	test_write_file(path, "stale");
	ck_assert_int_eq(utimensat(AT_FDCWD, path,
				   (struct timespec[]){ { .tv_sec = time(NULL) - 7200 },
							{ .tv_sec = time(NULL) - 7200 } },
				   0),
			 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/.partial/%064d", tmp, 2);
	test_write_file(path, "fresh");
	snprintf(path, sizeof(path), "%s/blobs/sha256/.partial/%064d", tmp, 3);
	test_write_file(path, "held");
	ck_assert_int_eq(utimensat(AT_FDCWD, path,
				   (struct timespec[]){ { .tv_sec = time(NULL) - 7200 },
							{ .tv_sec = time(NULL) - 7200 } },
				   0),
			 0);
	_cleanup_close_ int held = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(flock(held, LOCK_EX), 0);

	/* Not while this command holds the store shared. */
	ck_assert_int_eq(store_lock_shared(s, 0, &err), 0);
	ck_assert_int_eq(store_prune(s, NULL, NULL, &removed, &freed, &err), -EDEADLK);
	store_unlock(s);

	ck_assert_msg(store_prune(s, keep_abc, &asked, &removed, &freed, &err) == 0, "%s",
		      err.message);
	/* dropped's manifest, config "{}" is shared, its layer, and "abd"; "abc" kept by keep. */
	ck_assert_uint_eq(removed, 3);
	ck_assert_int_eq(asked, 4);
	ck_assert(store_has_blob(s, ABC));
	ck_assert(!store_has_blob(s, ABD));
	ck_assert(!store_has_blob(s, dropped));
	ck_assert(store_has_blob(s, kept));
	ck_assert(store_has_blob(s, nested));
	ck_assert_int_eq(store_resolve(s, "kept", &d, &err), 0);
	names_in(tmp, "blobs/sha256/.partial", names, sizeof(names));
	ck_assert_ptr_null(
	    strstr(names, "0000000000000000000000000000000000000000000000000000000000000001"));
	ck_assert_ptr_nonnull(
	    strstr(names, "0000000000000000000000000000000000000000000000000000000000000002"));
	ck_assert_ptr_nonnull(
	    strstr(names, "0000000000000000000000000000000000000000000000000000000000000003"));
	ck_assert_uint_gt(freed, 5);

	/* Nothing left to remove. */
	ck_assert_int_eq(store_prune(s, NULL, NULL, &removed, &freed, &err), 0);
	ck_assert_uint_eq(removed, 1); /* "abc", no longer kept */
	ck_assert_int_eq(store_prune(s, NULL, NULL, &removed, NULL, &err), 0);
	ck_assert_uint_eq(removed, 0);

	/* A manifest that does not parse stops it before anything goes. */
	ck_assert_int_ge(store_put_blob(s, "orphan", 6, digest, &err), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", tmp, digest_hex(kept));
	ck_assert_int_eq(unlink(path), 0);
	test_write_file(path, "{not json");
	ck_assert_int_eq(store_prune(s, NULL, NULL, &removed, &freed, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, digest_hex(kept)));
	ck_assert(store_has_blob(s, digest));
	test_rm_rf(tmp);
}
END_TEST

/* A prune waits for a command that holds the store shared. */
START_TEST(test_prune_waits_for_users)
{
	_cleanup_free_ char *tmp = test_tmpdir();
	_cleanup_store_ struct store *s = open_store(tmp), *other = open_store(tmp);
	struct lxcri_error err = { 0 };
	char digest[DIGEST_SIZE];

	ck_assert_int_eq(store_lock_shared(s, 0, &err), 0);
	ck_assert_int_ge(store_put_blob(s, "abc", 3, digest, &err), 0);
	ck_assert_int_eq(store_lock_exclusive(other, 100, &err), -EWOULDBLOCK);
	ck_assert_ptr_nonnull(strstr(err.message, "another lxcri command is using it"));
	ck_assert_int_eq(store_lock_shared(other, 0, &err), 0);
	store_unlock(other);
	store_unlock(s);
	ck_assert_int_eq(store_lock_exclusive(other, 0, &err), 0);
	ck_assert_int_eq(store_prune(other, NULL, NULL, NULL, NULL, &err), 0);
	ck_assert(!store_has_blob(s, ABC));
	test_rm_rf(tmp);
}
END_TEST

START_TEST(test_full_disk)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *dir = test_path(tmp, "store");
	_cleanup_free_ char *filler = NULL, *index_before = NULL, *index_after = NULL,
			    *index_path = NULL;
	struct lxcri_error err = { 0 };
	struct store_blob_writer *w = NULL;
	struct store *s = NULL;
	struct store_descriptor d, got;
	char digest[DIGEST_SIZE], names[1024];
	_cleanup_free_ unsigned char *data = big_data(digest);
	uint64_t resume;
	size_t off = 0;
	int r = 0;

	if (!test_private_mounts()) {
		test_skip(__func__, "needs root for a tmpfs of its own");
		test_rm_rf(tmp);
		return;
	}
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, "size=1m"), 0);
	s = open_store(dir);
	d = descriptor(MANIFEST, ABC, 3);
	ck_assert_int_eq(store_tag(s, "before", &d, &err), 0);

	/* 2 MiB into 1 MiB: ENOSPC, said, and no blob. */
	ck_assert_int_eq(store_blob_begin(s, digest, BIG_SIZE, &w, &resume, &err), 0);
	while (off < BIG_SIZE && (r = store_blob_write(w, data + off, 64 * 1024, &err)) == 0)
		off += 64 * 1024;
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert_ptr_nonnull(strstr(err.message, "no space left"));
	ck_assert_uint_eq(store_blob_written(w), off);
	/* Committing what is there fails on size and removes the partial. */
	ck_assert_int_eq(store_blob_commit(w, &err), -EBADMSG);
	ck_assert(!store_has_blob(s, digest));
	names_in(dir, "blobs/sha256", names, sizeof(names));
	ck_assert_str_eq(names, ".partial");
	names_in(dir, "blobs/sha256/.partial", names, sizeof(names));
	ck_assert_str_eq(names, "");

	/* A disk full to the last byte: tag fails, index.json is still the old one, whole. */
	filler = test_path(dir, "filler");
	{
		_cleanup_close_ int fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		ck_assert_int_ge(fd, 0);
		while (write(fd, data, 4096) > 0)
			;
		while (write(fd, data, 1) > 0)
			;
	}
	index_path = test_path(dir, "index.json");
	index_before = read_text(index_path);
	d = descriptor(MANIFEST, ABD, 3);
	ck_assert_int_eq(store_tag(s, "after", &d, &err), -ENOSPC);
	index_after = read_text(index_path);
	ck_assert_str_eq(index_before, index_after);
	ck_assert_int_eq(store_resolve(s, "before", &got, &err), 0);
	names_in(dir, ".", names, sizeof(names));
	ck_assert_ptr_null(strstr(names, ".index.json."));
	ck_assert_int_eq(store_put_blob(s, data, 8192, digest, &err), -ENOSPC);
	ck_assert(!store_has_blob(s, digest));
	names_in(dir, "blobs/sha256/.partial", names, sizeof(names));
	ck_assert_str_eq(names, "");

	store_close(s);
	ck_assert_int_eq(umount(dir), 0);
	test_rm_rf(tmp);
}
END_TEST

/* Runs argv (argv[0] an absolute path) and returns its stdout; fails the test if it fails. */
static char *run(char *const argv[])
{
	static char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", NULL };
	struct process_spec spec = {
		.path = argv[0],
		.argv = argv,
		.envp = envp,
		.timeout_ms = 60000,
		.capture_max = 1 << 20,
	};
	struct process_result res = { 0 };
	struct lxcri_error err = { 0 };
	char *out;

	ck_assert_msg(process_run(&spec, &res, &err) == 0, "%s", err.message);
	ck_assert_msg(res.exited && res.exit_status == 0, "%s failed: %s", argv[0], res.err);
	out = TAKE_PTR(res.out);
	process_result_done(&res);
	return out;
}

/* Streams the file at path into the store as a blob. */
static void put_file(struct store *s, const char *path, char digest[DIGEST_SIZE], uint64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct store_blob_writer *w = NULL;
	struct lxcri_error err = { 0 };
	char buf[4096];
	uint64_t resume;
	struct stat st;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(digest_of_fd(fd, digest, &err), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	*size = (uint64_t)st.st_size;
	ck_assert_int_eq(store_blob_begin(s, digest, *size, &w, &resume, &err), 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(store_blob_write(w, buf, (size_t)n, &err), 0);
	ck_assert_msg(store_blob_commit(w, &err) == 0, "%s", err.message);
}

START_TEST(test_skopeo_and_umoci_read_it)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *dir = test_path(tmp, "images");
	_cleanup_free_ char *rootfs = test_path(tmp, "rootfs"),
			    *hello = test_path(rootfs, "hello.txt");
	_cleanup_free_ char *tar = test_path(tmp, "layer.tar"),
			    *gz = test_path(tmp, "layer.tar.gz");
	_cleanup_free_ char *bundle = test_path(tmp, "bundle"), *ref = NULL, *umoci_ref = NULL;
	_cleanup_free_ char *out = NULL, *unpacked = NULL, *unpacked_path = NULL;
	_cleanup_store_ struct store *s = NULL;
	struct lxcri_error err = { 0 };
	char diff_id[DIGEST_SIZE], layer[DIGEST_SIZE], config[DIGEST_SIZE], manifest[DIGEST_SIZE];
	char config_text[1024], manifest_text[2048];
	uint64_t layer_size;
	struct store_descriptor d;

	if (geteuid() != 0) {
		test_skip(__func__, "umoci unpack needs root (or --rootless)");
		test_rm_rf(tmp);
		return;
	}
	s = open_store(dir);
	ck_assert_int_eq(mkdir(rootfs, 0755), 0);
	test_write_file(hello, "hello from the store\n");
	free(run((char *[]){ "/usr/bin/tar", "-C", rootfs, "-cf", tar, "hello.txt", NULL }));
	{
		_cleanup_close_ int fd = open(tar, O_RDONLY | O_CLOEXEC);
		ck_assert_int_eq(digest_of_fd(fd, diff_id, &err), 0);
	}
	free(run((char *[]){ "/usr/bin/gzip", "-n", "-k", tar, NULL }));
	put_file(s, gz, layer, &layer_size);

	snprintf(config_text, sizeof(config_text),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		 diff_id);
	ck_assert_int_eq(store_put_blob(s, config_text, strlen(config_text), config, &err), 0);
	snprintf(manifest_text, sizeof(manifest_text),
		 "{\"schemaVersion\":2,\"mediaType\":\"" MANIFEST "\",\"config\":{\"mediaType\":"
		 "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
		 "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		 "\"digest\":\"%s\",\"size\":%llu}]}",
		 config, strlen(config_text), layer, (unsigned long long)layer_size);
	ck_assert_int_eq(store_put_blob(s, manifest_text, strlen(manifest_text), manifest, &err),
			 0);
	d = descriptor(MANIFEST, manifest, strlen(manifest_text));
	ck_assert_int_eq(store_tag(s, "docker.io/library/tiny:latest", &d, &err), 0);

	/* skopeo finds the image by its full name and gives back the manifest as stored. */
	ck_assert_int_ge(asprintf(&ref, "oci:%s:docker.io/library/tiny:latest", dir), 0);
	out = run((char *[]){ "/usr/bin/skopeo", "inspect", "--raw", ref, NULL });
	ck_assert_str_eq(out, manifest_text);

	/* umoci unpacks it, found by the same name. */
	ck_assert_int_ge(asprintf(&umoci_ref, "%s:docker.io/library/tiny:latest", dir), 0);
	free(run((char *[]){ "/usr/bin/umoci", "unpack", "--image", umoci_ref, bundle, NULL }));
	unpacked_path = test_path(bundle, "rootfs/hello.txt");
	unpacked = read_text(unpacked_path);
	ck_assert_str_eq(unpacked, "hello from the store\n");
	test_rm_rf(tmp);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_open_creates_a_layout);
	tcase_add_test(tc, test_open_refusals);
	tcase_add_test(tc, test_blobs);
	tcase_add_test(tc, test_wrong_content_refused);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_parallel_writers);
	tcase_add_test(tc, test_writer_after_abort);
	tcase_add_test(tc, test_tags);
	tcase_add_test(tc, test_foreign_index);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_prune_waits_for_users);
	tcase_add_test(tc, test_full_disk);
	tcase_add_test(tc, test_skopeo_and_umoci_read_it);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(store_suite)
