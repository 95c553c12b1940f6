/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "lib/shared/json.h"
/* After json.h: cleanup.h then defines _cleanup_json_. */
#include "lib/basic/cleanup.h"
#include "testutil.h"

static struct json_object *parse(const char *text)
{
	struct json_object *o = NULL;
	char why[256];

	ck_assert_int_eq(json_parse_strict(text, strlen(text), &o, why, sizeof(why)), 0);
	return o;
}

/* Every JSON type by the name json-c gives it, and as words for a sentence. */
START_TEST(test_type_names)
{
	static const struct {
		const char *text, *name, *phrase;
	} types[] = {
		{ "null", "null", "null" },
		{ "true", "boolean", "a boolean" },
		{ "1.5", "double", "a fractional number" },
		{ "7", "int", "an integer" },
		{ "{}", "object", "an object" },
		{ "[]", "array", "an array" },
		{ "\"x\"", "string", "a string" },
	};

	for (size_t i = 0; i < ELEMENTSOF(types); i++) {
		_cleanup_json_ struct json_object *o = parse(types[i].text);

		ck_assert_str_eq(json_type_name(o), types[i].name);
		ck_assert_str_eq(json_type_phrase(o), types[i].phrase);
		ck_assert_str_eq(json_type_name(o), json_type_to_name(json_object_get_type(o)));
	}
	/* A missing value (NULL) is JSON null, as json-c has it. */
	ck_assert_str_eq(json_type_name(NULL), "null");
	ck_assert_str_eq(json_type_phrase(NULL), "null");
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_type_names);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(json_suite)
