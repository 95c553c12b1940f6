/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "lib/basic/sha256.h"
#include "testutil.h"

/* FIPS 180-4 examples, and NIST's one million 'a'. */
START_TEST(test_known_digests)
{
	char hex[SHA256_HEX_SIZE];
	char *million = malloc(1000000);

	sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}
END_TEST

/* Fed in pieces of every size from 1 to 130 bytes, the digest is the same. */
START_TEST(test_pieces)
{
	char text[1000], whole[SHA256_HEX_SIZE], hex[SHA256_HEX_SIZE];

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)(i * 7 + 3);
	sha256_hex(text, sizeof(text), whole);
	for (size_t piece = 1; piece <= 130; piece++) {
		struct sha256 s;

		sha256_init(&s);
		for (size_t off = 0; off < sizeof(text); off += piece)
			sha256_update(&s, text + off,
				      off + piece > sizeof(text) ? sizeof(text) - off : piece);
		sha256_final_hex(&s, hex);
		ck_assert_str_eq(hex, whole);
	}
}
END_TEST

static Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_known_digests);
	tcase_add_test(tc, test_pieces);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(sha256_suite)
