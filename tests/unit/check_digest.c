/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Blob digests (lib/image/digest.c): streaming SHA-256, against known vectors and sha256sum. */
#include <errno.h>

#include "testutil.h"

#include "lib/basic/process.h"
#include "lib/image/digest.h"

#define EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC   "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* FIPS 180-2's two-block vector. */
#define TWO_BLOCK_IN  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define TWO_BLOCK_OUT "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

START_TEST(test_vectors)
{
	char out[DIGEST_SIZE];

	ck_assert_int_eq(digest_of_data(NULL, 0, out), 0);
	ck_assert_str_eq(out, EMPTY);
	ck_assert_int_eq(digest_of_data("abc", 3, out), 0);
	ck_assert_str_eq(out, ABC);
	ck_assert_int_eq(digest_of_data(TWO_BLOCK_IN, strlen(TWO_BLOCK_IN), out), 0);
	ck_assert_str_eq(out, TWO_BLOCK_OUT);
	ck_assert(digest_valid(out));
}
END_TEST

START_TEST(test_streaming)
{
	_cleanup_digest_ struct digest *d = NULL;
	struct lxcri_error err = { 0 };
	char out[DIGEST_SIZE];

	ck_assert_int_eq(digest_begin(&d, &err), 0);
	ck_assert_int_eq(digest_end_hex(d, out), 0);
	ck_assert_str_eq(out, EMPTY);
	/* Byte by byte, with an end in between: the same as in one piece. */
	ck_assert_int_eq(digest_update(d, "a", 1), 0);
	ck_assert_int_eq(digest_update(d, "", 0), 0);
	ck_assert_int_eq(digest_update(d, "b", 1), 0);
	ck_assert_int_eq(digest_end_hex(d, out), 0);
	ck_assert_str_ne(out, ABC);
	ck_assert_int_eq(digest_update(d, "c", 1), 0);
	ck_assert_int_eq(digest_end_hex(d, out), 0);
	ck_assert_str_eq(out, ABC);
	ck_assert_uint_eq(digest_length(d), 3);
	/* Ending twice gives the same answer. */
	ck_assert_int_eq(digest_end_hex(d, out), 0);
	ck_assert_str_eq(out, ABC);
	digest_free(NULL);
}
END_TEST

static const struct {
	const char *s;
	bool valid;
} digests[] = {
	{ EMPTY, true },
	{ ABC, true },
	{ "sha256:0000000000000000000000000000000000000000000000000000000000000000", true },
	{ "", false },
	{ "sha256:", false },
	{ "sha256", false },
	{ "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false },
	{ "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false },
	{ "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", false },
	{ "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", false },
	{ "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555", false },
	{ "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g", false },
	{ "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 ", false },
	{ "sha256:../../../../etc/passwd", false },
	{ "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/", false },
	{ "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false },
	{ " sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false },
};

START_TEST(test_valid)
{
	const char *s = digests[_i].s;

	ck_assert_msg(digest_valid(s) == digests[_i].valid, "'%s'", s);
	if (digests[_i].valid)
		ck_assert_str_eq(digest_hex(s), s + 7);
	else
		ck_assert_ptr_null(digest_hex(s));
}
END_TEST

START_TEST(test_valid_null)
{
	ck_assert(!digest_valid(NULL));
	ck_assert_ptr_null(digest_hex(NULL));
}
END_TEST

/* A 1 MiB file of varied bytes: digest_of_fd says what sha256sum says. */
START_TEST(test_file_against_sha256sum)
{
	_cleanup_free_ char *dir = test_tmpdir(), *path = test_path(dir, "blob");
	_cleanup_free_ unsigned char *data = malloc(1 << 20);
	_cleanup_close_ int fd = -1;
	struct lxcri_error err = { 0 };
	struct process_result res = { 0 };
	char out[DIGEST_SIZE], expected[DIGEST_SIZE];
	uint32_t x = 2463534242u;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < (1 << 20); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, 1 << 20), 1 << 20);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_msg(digest_of_fd(fd, out, &err) == 0, "%s", err.message);

	char *argv[] = { "sha256sum", path, NULL };
	struct process_spec spec = { .path = "/usr/bin/sha256sum",
				     .argv = argv,
				     .timeout_ms = 30000 };
	ck_assert_msg(process_run(&spec, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.exit_status, 0);
	ck_assert_uint_ge(res.out_size, 64);
	snprintf(expected, sizeof(expected), "sha256:%.64s", res.out);
	process_result_done(&res);
	ck_assert_str_eq(out, expected);

	/* From where the fd stands: the second half only. */
	char half[DIGEST_SIZE];
	ck_assert_int_eq(lseek(fd, 1 << 19, SEEK_SET), 1 << 19);
	ck_assert_int_eq(digest_of_fd(fd, out, &err), 0);
	ck_assert_int_eq(digest_of_data(data + (1 << 19), 1 << 19, half), 0);
	ck_assert_str_eq(out, half);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_fd_pipe_and_errors)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_close_ int dfd = -1;
	struct lxcri_error err = { 0 };
	char out[DIGEST_SIZE];
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(write(p[1], "abc", 3), 3);
	close(p[1]);
	ck_assert_int_eq(digest_of_fd(p[0], out, &err), 0);
	close(p[0]);
	ck_assert_str_eq(out, ABC);

	ck_assert_int_eq(digest_of_fd(-1, out, &err), -EBADF);
	ck_assert_int_eq(err.code, -EBADF);
	ck_assert_ptr_nonnull(strstr(err.message, "Failed to read"));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(digest_of_fd(dfd, out, &err), -EISDIR);
	test_rm_rf(dir);
}
END_TEST

static Suite *digest_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_streaming);
	tcase_add_loop_test(tc, test_valid, 0, (int)ELEMENTSOF(digests));
	tcase_add_test(tc, test_valid_null);
	tcase_add_test(tc, test_file_against_sha256sum);
	tcase_add_test(tc, test_fd_pipe_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(digest_suite)
