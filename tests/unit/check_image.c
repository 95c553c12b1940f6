/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image key of the per-container config (lib/config/image.c). */
#include "configtest.h"
#include "testutil.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct bad_input bad_inputs[] = {
	{ "image: busybox:latest", 1,
	  "Invalid value 'busybox:latest' for 'image': expected <reference>@sha256:<64 hex "
	  "digits>" },
	{ "image: @sha256:" HEX, 1, "expected <reference>@sha256:<64 hex digits>" },
	{ "image: busybox@sha512:" HEX, 1, "expected <reference>@sha256:<64 hex digits>" },
	{ "image: busybox@sha256:" HEX "0", 1, "expected <reference>@sha256:<64 hex digits>" },
	{ "image: busybox@sha256:0123", 1, "expected <reference>@sha256:<64 hex digits>" },
	{ "image: busybox@sha256:" HEX "@sha256:" HEX, 1,
	  "expected <reference>@sha256:<64 hex digits>" },
	{ "image: busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	  1, "the digest must be 64 lower-case hex digits" },
	{ "image: bus\x01"
	  "box@sha256:" HEX,
	  1, "with no blank or control character" },
	{ "image: busybox:latest@sha256:" HEX "\nimage: busybox:1@sha256:" HEX, 2, "'image'" },
};

BAD_INPUT_TEST(bad_inputs)

START_TEST(test_parse)
{
	_cleanup_config_ struct config *c =
	    parse_ok("image: 127.0.0.1:5000/app:1.0@sha256:" HEX "\n");

	ck_assert_str_eq(c->image.ref, "127.0.0.1:5000/app:1.0@sha256:" HEX);
	ck_assert_str_eq(c->image.digest, "sha256:" HEX);
	ck_assert_uint_eq(c->image.line, 1);
	ck_assert_str_eq(config_key_feature("image"), "image");
}
END_TEST

START_TEST(test_equal_and_round_trip)
{
	static const char text[] = "image: docker.io/library/busybox:latest@sha256:" HEX "\n";
	_cleanup_config_ struct config *a = parse_ok(text), *b = parse_ok(text);

	ASSERT_EQUAL_SEES(a, b, b->image.ref[0] = 'D', b->image.ref[0] = 'd');
	assert_round_trip(text);
	assert_round_trip("dns: nameserver=192.0.2.53\nimage: a@sha256:" HEX "\n");
}
END_TEST

START_TEST(test_format_refuses)
{
	_cleanup_config_ struct config *c = parse_ok("image: a@sha256:" HEX "\n");
	char *text = NULL;
	char *saved = c->image.ref;

	c->image.ref = (char *)"a@sha256:" HEX "\nhooks: dir=/evil";
	ck_assert_int_eq(config_format(c, &text), -EINVAL);
	ck_assert_ptr_null(text);
	c->image.ref = saved;
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)ELEMENTSOF(bad_inputs));
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_equal_and_round_trip);
	tcase_add_test(tc, test_format_refuses);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(image_suite)
