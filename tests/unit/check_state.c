/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <time.h>

#include "testutil.h"

#include "lib/shared/state.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"

#define NAME "/run/lxcri/105/state.json"

static char *path_join2(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void assert_state_equal(const struct state *a, const struct state *b)
{
	ck_assert(str_eq(a->id, b->id));
	ck_assert(str_eq(a->phase, b->phase));
	ck_assert(str_eq(a->hook, b->hook));
	ck_assert_int_eq(a->started_ms, b->started_ms);
	ck_assert_int_eq(a->updated_ms, b->updated_ms);
	ck_assert(str_eq(a->config_path, b->config_path));
	ck_assert_uint_eq(a->n_items, b->n_items);
	for (size_t i = 0; i < a->n_items; i++) {
		ck_assert(str_eq(a->items[i].kind, b->items[i].kind));
		ck_assert_int_eq(a->items[i].status, b->items[i].status);
		ck_assert(str_eq(a->items[i].hook, b->items[i].hook));
		ck_assert_int_eq(a->items[i].time_ms, b->items[i].time_ms);
		ck_assert_int_eq(!a->items[i].data, !b->items[i].data);
		if (a->items[i].data)
			ck_assert(json_object_equal(a->items[i].data, b->items[i].data));
	}
	ck_assert_int_eq(a->has_error, b->has_error);
	ck_assert(str_eq(a->error_hook, b->error_hook));
	ck_assert_int_eq(a->error_time_ms, b->error_time_ms);
	ck_assert(str_eq(a->error_message, b->error_message));
}

/* Parses from an exact-size copy: no NUL after the end for the parser to lean on. */
static int parse_exact(const char *text, size_t size, struct state **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *copy = malloc(size ? size : 1);

	ck_assert_ptr_nonnull(copy);
	if (size)
		memcpy(copy, text, size);
	return state_parse(NAME, copy, size, ret, err);
}

/* to_json, parse, compare, and the text again: what we write reads back the same. */
static void assert_round_trip(const struct state *s)
{
	_cleanup_free_ char *text = NULL, *again = NULL;
	_cleanup_state_ struct state *parsed = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(state_to_json(s, &text), 0);
	ck_assert_msg(parse_exact(text, strlen(text), &parsed, &err) == 0, "%s\n%s", err.message,
		      text);
	assert_state_equal(s, parsed);
	ck_assert_int_eq(state_to_json(parsed, &again), 0);
	ck_assert_str_eq(text, again);
}

static struct json_object *veth_data(const char *name)
{
	struct json_object *o = json_object_new_object();

	ck_assert_ptr_nonnull(o);
	json_object_object_add(o, "host", json_object_new_string(name));
	json_object_object_add(o, "mtu", json_object_new_int(1450));
	json_object_object_add(o, "path", json_object_new_string("/sys/class/net/x"));
	return o;
}

static struct state *sample_state(void)
{
	struct state *s = NULL;
	size_t index = 99;

	ck_assert_int_eq(state_new("105", &s), 0);
	ck_assert_int_eq(state_set_phase(s, "running", "start-host"), 0);
	ck_assert_int_eq(state_set_string(&s->config_path, "/etc/pve/lxcri/105.conf"), 0);
	ck_assert_int_eq(state_item_add(s, "veth", "start-host", veth_data("veth105i1"), &index),
			 0);
	ck_assert_uint_eq(index, 0);
	state_item_set_applied(s, 0);
	ck_assert_int_eq(state_item_add(s, "nft-element", "start-host", NULL, &index), 0);
	ck_assert_uint_eq(index, 1);
	ck_assert_int_eq(state_set_error(s, "pre-start", "Failed to \"x\": \\ / \t\n\u00e9"), 0);
	return s;
}

START_TEST(test_new)
{
	_cleanup_state_ struct state *s = NULL;
	int64_t before = state_now_ms();

	ck_assert_int_eq(state_new("105", &s), 0);
	ck_assert_str_eq(s->id, "105");
	ck_assert_str_eq(s->phase, "starting");
	ck_assert_ptr_null(s->hook);
	ck_assert_int_ge(s->started_ms, before);
	ck_assert_int_le(s->started_ms, state_now_ms());
	ck_assert_uint_eq(s->n_items, 0);
	ck_assert(!s->has_error);
	assert_round_trip(s);

	state_free(TAKE_PTR(s));
	ck_assert_int_eq(state_new("web-1.example_2", &s), 0);
	state_free(TAKE_PTR(s));
	ck_assert_int_eq(state_new("../105", &s), -EINVAL);
	ck_assert_int_eq(state_new("", &s), -EINVAL);
	ck_assert_int_eq(state_new(NULL, &s), -EINVAL);
	ck_assert_ptr_null(s);
	state_free(NULL);
}
END_TEST

START_TEST(test_now_ms)
{
	int64_t t = state_now_ms();

	/* 2020-01-01 .. 2200-01-01: milliseconds, not seconds or microseconds. */
	ck_assert_int_gt(t, INT64_C(1577836800000));
	ck_assert_int_lt(t, INT64_C(7258118400000));
}
END_TEST

START_TEST(test_save_load_round_trip)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = path_join2(dir, STATE_FILE);
	_cleanup_state_ struct state *s = sample_state(), *loaded = NULL;
	_cleanup_free_ char *text = NULL, *on_disk = NULL;
	struct lxcri_error err = { 0 };
	struct stat st;
	int64_t before = state_now_ms();

	s->updated_ms = 0;
	ck_assert_msg(state_save(dir, s, &err) == 0, "%s", err.message);
	ck_assert_int_ge(s->updated_ms, before);
	ck_assert_int_le(s->updated_ms, state_now_ms());

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);

	ck_assert_msg(state_load(dir, &loaded, &err) == 0, "%s", err.message);
	assert_state_equal(s, loaded);
	ck_assert_str_eq(loaded->items[0].kind, "veth");
	ck_assert_int_eq(loaded->items[0].status, STATE_ITEM_APPLIED);
	ck_assert_str_eq(
	    json_object_get_string(json_object_object_get(loaded->items[0].data, "host")),
	    "veth105i1");
	ck_assert_int_eq(loaded->items[1].status, STATE_ITEM_PENDING);
	ck_assert_ptr_null(loaded->items[1].data);
	ck_assert(loaded->has_error);
	ck_assert_str_eq(loaded->error_hook, "pre-start");

	/* The file is exactly state_to_json(). */
	ck_assert_int_eq(state_to_json(s, &text), 0);
	ck_assert_int_ge(fileio_read_file(path, STATE_MAX_SIZE, &on_disk, NULL), 0);
	ck_assert_str_eq(on_disk, text);
	assert_round_trip(loaded);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_json_layout)
{
	_cleanup_state_ struct state *s = sample_state();
	_cleanup_free_ char *text = NULL;
	const char *keys[] = { "\"version\": 1",
			       "\"id\": \"105\"",
			       "\"phase\": \"running\"",
			       "\"hook\": \"start-host\"",
			       "\"started\": ",
			       "\"updated\": ",
			       "\"config\": \"/etc/pve/lxcri/105.conf\"",
			       "\"items\": [",
			       "\"kind\": \"veth\"",
			       "\"status\": \"applied\"",
			       "\"hook\": ",
			       "\"time\": ",
			       "\"data\": {",
			       "\"kind\": \"nft-element\"",
			       "\"status\": \"pending\"",
			       "\"data\": null",
			       "\"last_error\": {",
			       "\"hook\": \"pre-start\"",
			       "\"time\": ",
			       "\"message\": " };
	const char *at;

	ck_assert_int_eq(state_to_json(s, &text), 0);
	/* Pretty, in the documented order, slashes not escaped, one final newline. */
	at = text;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const char *next = strstr(at, keys[i]);
		ck_assert_msg(next, "'%s' missing or out of order in\n%s", keys[i], text);
		at = next + strlen(keys[i]);
	}
	ck_assert_ptr_nonnull(strstr(text, "{\n  \"version\""));
	ck_assert_ptr_null(strstr(text, "\\/"));
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	ck_assert_int_ne(text[strlen(text) - 2], '\n');

	state_clear_error(s);
	free(TAKE_PTR(text));
	ck_assert_int_eq(state_to_json(s, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"last_error\": null"));
	assert_round_trip(s);
}
END_TEST

START_TEST(test_pending_applied)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_state_ struct state *s = NULL, *loaded = NULL;
	struct lxcri_error err = { 0 };
	size_t index = 99;
	int64_t before = state_now_ms();

	ck_assert_int_eq(state_new("105", &s), 0);
	/* Written ahead: the item is on disk as pending before it is applied. */
	ck_assert_int_eq(state_item_add(s, "veth", "start-host", veth_data("a"), &index), 0);
	ck_assert_uint_eq(index, 0);
	ck_assert_int_eq(s->items[0].status, STATE_ITEM_PENDING);
	ck_assert_int_ge(s->items[0].time_ms, before);
	ck_assert_str_eq(s->items[0].hook, "start-host");
	ck_assert_int_eq(state_save(dir, s, &err), 0);
	ck_assert_int_eq(state_load(dir, &loaded, &err), 0);
	ck_assert_int_eq(loaded->items[0].status, STATE_ITEM_PENDING);
	state_free(TAKE_PTR(loaded));

	state_item_set_applied(s, 0);
	ck_assert_int_eq(s->items[0].status, STATE_ITEM_APPLIED);
	state_item_set_applied(s, 1); /* out of range: ignored */
	ck_assert_int_eq(state_save(dir, s, &err), 0);
	ck_assert_int_eq(state_load(dir, &loaded, &err), 0);
	ck_assert_int_eq(loaded->items[0].status, STATE_ITEM_APPLIED);

	ck_assert_int_eq(state_item_add(s, "route", NULL, NULL, NULL), 0);
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_ptr_null(s->items[1].hook);
	ck_assert_int_eq(s->items[1].status, STATE_ITEM_PENDING);
	assert_round_trip(s);

	ck_assert_str_eq(state_item_status_to_string(STATE_ITEM_PENDING), "pending");
	ck_assert_str_eq(state_item_status_to_string(STATE_ITEM_APPLIED), "applied");
	ck_assert_ptr_null(state_item_status_to_string((enum state_item_status)7));
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_item_add_invalid)
{
	_cleanup_state_ struct state *s = NULL;

	ck_assert_int_eq(state_new("105", &s), 0);
	/* The reference on data is taken on failure too: ASan sees any leak. */
	ck_assert_int_eq(state_item_add(s, "veth", NULL, json_object_new_array(), NULL), -EINVAL);
	ck_assert_int_eq(state_item_add(s, "veth", NULL, json_object_new_string("x"), NULL),
			 -EINVAL);
	ck_assert_int_eq(state_item_add(s, "", NULL, veth_data("a"), NULL), -EINVAL);
	ck_assert_int_eq(state_item_add(s, NULL, NULL, veth_data("a"), NULL), -EINVAL);
	ck_assert_uint_eq(s->n_items, 0);
}
END_TEST

START_TEST(test_remove_keeps_order)
{
	_cleanup_state_ struct state *s = NULL;
	const char *kinds[] = { "a", "b", "c", "d", "e" };

	ck_assert_int_eq(state_new("105", &s), 0);
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
		ck_assert_int_eq(
		    state_item_add(s, kinds[i], "start-host", veth_data(kinds[i]), NULL), 0);
	state_item_set_applied(s, 2);

	state_item_remove(s, 1); /* a c d e */
	ck_assert_uint_eq(s->n_items, 4);
	ck_assert_str_eq(s->items[0].kind, "a");
	ck_assert_str_eq(s->items[1].kind, "c");
	ck_assert_int_eq(s->items[1].status, STATE_ITEM_APPLIED);
	ck_assert_str_eq(s->items[2].kind, "d");
	ck_assert_str_eq(s->items[3].kind, "e");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(s->items[3].data, "host")),
			 "e");

	state_item_remove(s, 3); /* a c d */
	state_item_remove(s, 0); /* c d */
	state_item_remove(s, 5); /* ignored */
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_str_eq(s->items[0].kind, "c");
	ck_assert_str_eq(s->items[1].kind, "d");
	assert_round_trip(s);

	state_item_remove(s, 0);
	state_item_remove(s, 0);
	ck_assert_uint_eq(s->n_items, 0);
	state_item_remove(s, 0);
	ck_assert_int_eq(state_item_add(s, "again", NULL, NULL, NULL), 0);
	ck_assert_str_eq(s->items[0].kind, "again");
	assert_round_trip(s);
}
END_TEST

START_TEST(test_setters)
{
	_cleanup_state_ struct state *s = NULL;
	char *field = NULL;

	ck_assert_int_eq(state_new("105", &s), 0);

	ck_assert_int_eq(state_set_phase(s, "stopping", "stop"), 0);
	ck_assert_str_eq(s->phase, "stopping");
	ck_assert_str_eq(s->hook, "stop");
	ck_assert_int_eq(state_set_phase(s, "done", "post-stop"), -EINVAL);
	ck_assert_int_eq(state_set_phase(s, NULL, "post-stop"), -EINVAL);
	ck_assert_str_eq(s->phase, "stopping");
	ck_assert_str_eq(s->hook, "stop");
	ck_assert_int_eq(state_set_phase(s, "refused", NULL), 0);
	ck_assert_ptr_null(s->hook);
	ck_assert(state_phase_valid("starting") && state_phase_valid("running") &&
		  state_phase_valid("stopping") && state_phase_valid("stopped") &&
		  state_phase_valid("refused"));
	ck_assert(!state_phase_valid("Running") && !state_phase_valid("") &&
		  !state_phase_valid(NULL));

	ck_assert_int_eq(state_set_string(&field, "a"), 0);
	ck_assert_str_eq(field, "a");
	ck_assert_int_eq(state_set_string(&field, field), 0); /* from itself */
	ck_assert_str_eq(field, "a");
	ck_assert_int_eq(state_set_string(&field, NULL), 0);
	ck_assert_ptr_null(field);

	ck_assert_int_eq(state_set_error(s, "pre-start", NULL), -EINVAL);
	ck_assert(!s->has_error);
	ck_assert_int_eq(state_set_error(s, NULL, "first"), 0);
	ck_assert(s->has_error);
	ck_assert_ptr_null(s->error_hook);
	ck_assert_int_gt(s->error_time_ms, 0);
	assert_round_trip(s);
	ck_assert_int_eq(state_set_error(s, "stop", "second"), 0);
	ck_assert_str_eq(s->error_message, "second");
	ck_assert_str_eq(s->error_hook, "stop");
	assert_round_trip(s);
	state_clear_error(s);
	ck_assert(!s->has_error);
	ck_assert_ptr_null(s->error_message);
	state_clear_error(s);
	assert_round_trip(s);
}
END_TEST

/* state_to_json() refuses what state_parse() would refuse; state_save() says which field. */
START_TEST(test_to_json_refuses_invalid)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = path_join2(dir, STATE_FILE);
	_cleanup_state_ struct state *s = sample_state();
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = { 0 };
	int64_t updated;
	struct stat st;

	free(s->items[1].kind);
	s->items[1].kind = strdup("");
	updated = s->updated_ms;
	ck_assert_int_eq(state_to_json(s, &text), -EINVAL);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(state_save(dir, s, &err), -EINVAL);
	ck_assert_int_eq(s->updated_ms, updated);
	ck_assert_msg(strstr(err.message, path) && strstr(err.message, "'items[1].kind'"), "%s",
		      err.message);
	ck_assert_int_eq(stat(path, &st), -1);

	ck_assert_int_eq(state_set_string(&s->items[1].kind, "ok"), 0);
	s->items[0].status = (enum state_item_status)9;
	ck_assert_int_eq(state_to_json(s, &text), -EINVAL);
	s->items[0].status = STATE_ITEM_APPLIED;

	ck_assert_int_eq(state_set_string(&s->phase, "done"), 0);
	ck_assert_int_eq(state_save(dir, s, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "'phase'"), "%s", err.message);
	ck_assert_int_eq(state_set_string(&s->phase, "running"), 0);

	ck_assert_int_eq(state_set_string(&s->id, "a/b"), 0);
	ck_assert_int_eq(state_to_json(s, &text), -EINVAL);
	ck_assert_int_eq(state_set_string(&s->id, "105"), 0);

	s->started_ms = -1;
	ck_assert_int_eq(state_to_json(s, &text), -EINVAL);
	s->started_ms = 0;
	ck_assert_int_eq(state_to_json(s, &text), 0);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_data_round_trip)
{
	_cleanup_state_ struct state *s = NULL;
	const char *data_json =
	    "{\"s\":\"a/b \\\"q\\\" \\u0001 \\u00e9 \\ud83d\\ude00\","
	    "\"n\":-9223372036854775808,\"u\":18446744073709551615,"
	    "\"d\":1.5e300,\"f\":0.1,\"t\":true,\"z\":null,\"e\":{},\"a\":[],"
	    "\"nested\":{\"list\":[1,[2,[3,{\"k\":\"v\"}]]]},\"\":\"empty key\"}";
	struct json_object *data = json_tokener_parse(data_json);

	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(state_new("105", &s), 0);
	ck_assert_int_eq(state_item_add(s, "cni", "start-host", data, NULL), 0);
	ck_assert_int_eq(state_item_add(s, "empty", "start-host", json_object_new_object(), NULL),
			 0);
	assert_round_trip(s);
}
END_TEST

/* Valid variants: nulls where allowed, fields we do not know (a newer lxcri wrote them). */
START_TEST(test_parse_valid_variants)
{
	static const char *const valid[] = {
		"{\"version\":1,\"id\":\"105\",\"phase\":\"starting\",\"hook\":null,"
		"\"started\":0,\"updated\":0,\"config\":null,\"items\":[],\"last_error\":null}",
		/* unknown fields are ignored, at the top level, in items and in last_error */
		"{\"future\":{\"x\":[1,2]},\"version\":1,\"id\":\"web.1\",\"phase\":\"refused\","
		"\"hook\":\"pre-start\",\"started\":1763890000123,\"updated\":1763890000456,"
		"\"config\":\"/etc/lxcri/containers/web.1.conf\",\"items\":[{\"kind\":\"veth\","
		"\"status\":\"pending\",\"hook\":null,\"time\":1,\"data\":null,\"undo\":\"x\"}],"
		"\"last_error\":{\"hook\":null,\"time\":5,\"message\":\"\",\"code\":-22},"
		"\"more\":null}",
		/* whitespace and CRLF around, key order free */
		"\r\n  "
		"{\"last_error\":null,\"items\":[],\"config\":null,\"updated\":2,\"started\":1,"
		"\"hook\":\"stop\",\"phase\":\"stopped\",\"id\":\"A\",\"version\":1}\r\n\t ",
		"{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":0,"
		"\"updated\":9223372036854775807,\"config\":null,\"items\":[],\"last_error\":null}",
	};

	for (size_t i = 0; i < ELEMENTSOF(valid); i++) {
		_cleanup_state_ struct state *s = NULL;
		struct lxcri_error err = { 0 };

		ck_assert_msg(parse_exact(valid[i], strlen(valid[i]), &s, &err) == 0, "[%zu] %s", i,
			      err.message);
		assert_round_trip(s);
	}
}
END_TEST

#define GOOD_HEAD                                                                                  \
	"\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":\"start-host\","              \
	"\"started\":1,\"updated\":2,\"config\":null"
#define GOOD_ITEM	"{\"kind\":\"veth\",\"status\":\"applied\",\"hook\":null,\"time\":3,\"data\":{}}"
#define WITH_ITEM(item) "{" GOOD_HEAD ",\"items\":[" item "],\"last_error\":null}"
#define WITH_ERROR(e)	"{" GOOD_HEAD ",\"items\":[],\"last_error\":" e "}"

struct malformed {
	const char *json;
	size_t size; /* 0: strlen */
	int code;
	const char *what[3]; /* all of these in the message, after "<name>: " */
};

static const struct malformed malformed[] = {
	/* not JSON at all, or cut short: line and column */
	{ "", 0, -EINVAL, { "empty" } },
	{ " \n\t ", 0, -EINVAL, { "empty" } },
	{ "{\n  \"version\": 1,\n  \"id\": \"105\"",
	  0,
	  -EINVAL,
	  { "not JSON", "line 3, column 14", "truncated" } },
	{ "{\n  \"version\": 1,\n  \"id\": \"10", 0, -EINVAL, { "not JSON", "line 3, column 12" } },
	{ "{\"version\": 1,\n\"id\": tru}", 0, -EINVAL, { "not JSON", "line 2, column 10" } },
	{ "{\"version\": 1,}", 0, -EINVAL, { "not JSON", "line 1, column 15" } },
	{ "{\"version\":1} x", 0, -EINVAL, { "not JSON", "line 1, column 15" } },
	{ "{\"version\":1}{}", 0, -EINVAL, { "not JSON", "line 1, column 14" } },
	{ "{\"version\":\n1\0}", 15, -EINVAL, { "NUL byte", "line 2, column 2" } },
	{ "{\"id\":\"\xff\"}", 0, -EINVAL, { "not JSON", "line 1, column 8" } },
	{ "{version:1}", 0, -EINVAL, { "not JSON", "line 1, column 2" } },
	{ "/* state */ {}", 0, -EINVAL, { "not JSON", "line 1, column 1" } },
	{ "\xef\xbb\xbf{}", 0, -EINVAL, { "not JSON", "line 1, column 1" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":\"applied\",\"hook\":null,\"time\":3,\"data\":"
		    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"),
	  0,
	  -EINVAL,
	  { "not JSON", "too deep" } },
	/* the top level */
	{ "[1]", 0, -EINVAL, { "top level must be an object, not an array" } },
	{ "\"state\"", 0, -EINVAL, { "top level must be an object, not a string" } },
	{ "17", 0, -EINVAL, { "top level must be an object, not an integer" } },
	{ "null", 0, -EINVAL, { "top level must be an object, not null" } },
	/* version */
	{ "{\"id\":\"105\"}", 0, -EINVAL, { "field 'version' is missing" } },
	{ "{\"version\":\"1\"}",
	  0,
	  -EINVAL,
	  { "field 'version' must be an integer, not a string" } },
	{ "{\"version\":1.0}", 0, -EINVAL, { "field 'version' must be an integer" } },
	{ "{\"version\":2,\"id\":[]}",
	  0,
	  -EPROTONOSUPPORT,
	  { "unsupported state version 2 (this lxcri understands 1)" } },
	{ "{\"version\":0}", 0, -EPROTONOSUPPORT, { "unsupported state version 0" } },
	{ "{\"version\":18446744073709551617}",
	  0,
	  -EPROTONOSUPPORT,
	  { "unsupported state version" } },
	/* id */
	{ "{\"version\":1}", 0, -EINVAL, { "field 'id' is missing" } },
	{ "{\"version\":1,\"id\":105}",
	  0,
	  -EINVAL,
	  { "field 'id' must be a string, not an integer" } },
	{ "{\"version\":1,\"id\":\"../etc\"}",
	  0,
	  -EINVAL,
	  { "field 'id' has invalid value '../etc'", "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}" } },
	{ "{\"version\":1,\"id\":\"\"}", 0, -EINVAL, { "field 'id' has invalid value ''" } },
	{ "{\"version\":1,\"id\":\"-105\"}",
	  0,
	  -EINVAL,
	  { "field 'id' has invalid value '-105'" } },
	{ "{\"version\":1,\"id\":\"a\\nb\"}",
	  0,
	  -EINVAL,
	  { "field 'id' has invalid value 'a?b'" } },
	{ "{\"version\":1,\"id\":\"1\\u0000\"}", 0, -EINVAL, { "field 'id' contains a NUL" } },
	{ "{\"version\":1,\"id\":\"a23456789012345678901234567890123456789012345678901234567890"
	  "12345\"}",
	  0,
	  -EINVAL,
	  { "field 'id' has invalid value 'a2345678901234567890" } },
	/* phase */
	{ "{\"version\":1,\"id\":\"105\"}", 0, -EINVAL, { "field 'phase' is missing" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"done\"}",
	  0,
	  -EINVAL,
	  { "field 'phase' has unknown value 'done'",
	    "starting, running, stopping, stopped or refused" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"Running\"}",
	  0,
	  -EINVAL,
	  { "field 'phase' has unknown value 'Running'" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":null}",
	  0,
	  -EINVAL,
	  { "field 'phase' must be a string, not null" } },
	/* hook, started, updated, config */
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\"}",
	  0,
	  -EINVAL,
	  { "field 'hook' is missing" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":5}",
	  0,
	  -EINVAL,
	  { "field 'hook' must be a string or null, not an integer" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null}",
	  0,
	  -EINVAL,
	  { "field 'started' is missing" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":\"now\"}",
	  0,
	  -EINVAL,
	  { "field 'started' must be an integer", "not a string" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":-1}",
	  0,
	  -EINVAL,
	  { "field 'started' is out of range: -1" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":1,"
	  "\"updated\":1.5}",
	  0,
	  -EINVAL,
	  { "field 'updated' must be an integer", "not a fractional number" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":1,"
	  "\"updated\":9223372036854775808}",
	  0,
	  -EINVAL,
	  { "field 'updated' is out of range: 9223372036854775808" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":1,"
	  "\"updated\":true}",
	  0,
	  -EINVAL,
	  { "field 'updated' must be an integer", "not a boolean" } },
	{ "{" GOOD_HEAD "}", 0, -EINVAL, { "field 'items' is missing" } },
	{ "{\"version\":1,\"id\":\"105\",\"phase\":\"running\",\"hook\":null,\"started\":1,"
	  "\"updated\":2,\"config\":[]}",
	  0,
	  -EINVAL,
	  { "field 'config' must be a string or null, not an array" } },
	/* items */
	{ "{" GOOD_HEAD ",\"items\":{}}",
	  0,
	  -EINVAL,
	  { "field 'items' must be an array, not an object" } },
	{ "{" GOOD_HEAD ",\"items\":null}", 0, -EINVAL, { "field 'items' must be an array" } },
	{ WITH_ITEM("1"), 0, -EINVAL, { "field 'items[0]' must be an object, not an integer" } },
	{ WITH_ITEM("{\"status\":\"applied\"}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].kind' is missing" } },
	{ WITH_ITEM("{\"kind\":\"\"}"), 0, -EINVAL, { "field 'items[0].kind' is empty" } },
	{ WITH_ITEM("{\"kind\":[\"veth\"]}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].kind' must be a string, not an array" } },
	{ WITH_ITEM(GOOD_ITEM "," GOOD_ITEM ",{\"kind\":\"veth\",\"status\":\"done\"}"),
	  0,
	  -EINVAL,
	  { "field 'items[2].status' has unknown value 'done'", "pending or applied" } },
	{ WITH_ITEM("{\"kind\":\"veth\"}"), 0, -EINVAL, { "field 'items[0].status' is missing" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":1}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].status' must be a string" } },
	{ WITH_ITEM(GOOD_ITEM ",{\"kind\":\"veth\",\"status\":\"pending\",\"hook\":{}}"),
	  0,
	  -EINVAL,
	  { "field 'items[1].hook' must be a string or null, not an object" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":\"pending\",\"hook\":null}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].time' is missing" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":\"pending\",\"hook\":null,\"time\":\"1\"}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].time' must be an integer" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":\"pending\",\"hook\":null,\"time\":1}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].data' is missing" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":\"pending\",\"hook\":null,\"time\":1,"
		    "\"data\":[1]}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].data' must be an object or null, not an array" } },
	{ WITH_ITEM("{\"kind\":\"veth\",\"status\":\"pending\",\"hook\":null,\"time\":1,"
		    "\"data\":\"veth105i1\"}"),
	  0,
	  -EINVAL,
	  { "field 'items[0].data' must be an object or null, not a string" } },
	/* last_error */
	{ "{" GOOD_HEAD ",\"items\":[]}", 0, -EINVAL, { "field 'last_error' is missing" } },
	{ WITH_ERROR("\"oops\""),
	  0,
	  -EINVAL,
	  { "field 'last_error' must be an object or null, not a string" } },
	{ WITH_ERROR("{\"hook\":\"pre-start\",\"time\":1}"),
	  0,
	  -EINVAL,
	  { "field 'last_error.message' is missing" } },
	{ WITH_ERROR("{\"hook\":\"pre-start\",\"time\":1,\"message\":null}"),
	  0,
	  -EINVAL,
	  { "field 'last_error.message' must be a string, not null" } },
	{ WITH_ERROR("{\"hook\":\"pre-start\",\"time\":\"x\",\"message\":\"m\"}"),
	  0,
	  -EINVAL,
	  { "field 'last_error.time' must be an integer" } },
	{ WITH_ERROR("{\"hook\":false,\"time\":1,\"message\":\"m\"}"),
	  0,
	  -EINVAL,
	  { "field 'last_error.hook' must be a string or null, not a boolean" } },
	{ WITH_ERROR("{\"time\":1,\"message\":\"m\"}"),
	  0,
	  -EINVAL,
	  { "field 'last_error.hook' is missing" } },
};

START_TEST(test_parse_malformed)
{
	const struct malformed *m = &malformed[_i];
	size_t size = m->size ? m->size : strlen(m->json);
	struct state *s = (struct state *)0x1;
	struct lxcri_error err = { 0 };
	int r;

	r = parse_exact(m->json, size, &s, &err);
	ck_assert_msg(r == m->code, "[%d] r=%d, expected %d: %s", _i, r, m->code, err.message);
	ck_assert_int_eq(err.code, m->code);
	ck_assert_ptr_eq(s, (struct state *)0x1);
	ck_assert_msg(strncmp(err.message, NAME ": ", strlen(NAME ": ")) == 0,
		      "[%d] message does not start with the name: %s", _i, err.message);
	for (size_t i = 0; i < ELEMENTSOF(m->what) && m->what[i]; i++)
		ck_assert_msg(strstr(err.message, m->what[i]), "[%d] '%s' not in: %s", _i,
			      m->what[i], err.message);
	ck_assert_ptr_null(strchr(err.message, '\n'));
}
END_TEST

/* The exact sentence of the documentation. */
START_TEST(test_parse_message_example)
{
	const char *json =
	    WITH_ITEM(GOOD_ITEM "," GOOD_ITEM ",{\"kind\":\"veth\",\"status\":\"done\"}");
	struct state *s = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(state_parse(NAME, json, strlen(json), &s, &err), -EINVAL);
	ck_assert_str_eq(err.message, NAME ": field 'items[2].status' has unknown value 'done' "
					   "(expected pending or applied)");
	ck_assert_int_eq(state_parse(NULL, "[]", 2, &s, &err), -EINVAL);
	ck_assert_str_eq(err.message, "state: the top level must be an object, not an array");
	ck_assert_int_eq(state_parse(NAME, "[]", 2, &s, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_too_big)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = path_join2(dir, STATE_FILE);
	_cleanup_free_ char *big = malloc(STATE_MAX_SIZE + 2);
	struct state *s = NULL;
	struct lxcri_error err = { 0 };
	FILE *f;

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', STATE_MAX_SIZE + 1);
	big[STATE_MAX_SIZE + 1] = '\0';
	ck_assert_int_eq(state_parse(NAME, big, STATE_MAX_SIZE + 1, &s, &err), -EFBIG);
	ck_assert_msg(strstr(err.message, NAME ": ") == err.message, "%s", err.message);

	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(big, 1, STATE_MAX_SIZE + 1, f), STATE_MAX_SIZE + 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(state_load(dir, &s, &err), -EFBIG);
	ck_assert_msg(strstr(err.message, path), "%s", err.message);
	ck_assert_ptr_null(s);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_load_errors)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = path_join2(dir, STATE_FILE);
	_cleanup_free_ char *missing = path_join2(dir, "gone");
	struct state *s = NULL;
	struct lxcri_error err = { 0 };

	/* No state: -ENOENT exactly, which callers test for. */
	ck_assert_int_eq(state_load(dir, &s, &err), -ENOENT);
	ck_assert_int_eq(err.code, -ENOENT);
	ck_assert_msg(strstr(err.message, path), "%s", err.message);
	ck_assert_int_eq(state_load(missing, &s, &err), -ENOENT);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(state_load(dir, &s, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "not a regular file"), "%s", err.message);
	ck_assert_int_eq(rmdir(path), 0);

	/* A parse error names the file it read. */
	test_write_file(path, "{\n  \"version\": 2\n}\n");
	ck_assert_int_eq(state_load(dir, &s, &err), -EPROTONOSUPPORT);
	ck_assert_msg(strstr(err.message, path) == err.message &&
			  strstr(err.message, "unsupported state version 2"),
		      "%s", err.message);
	ck_assert_ptr_null(s);
	test_rm_rf(dir);
}
END_TEST

/* A mount namespace of our own (tests run forked): a mount left by a failing test dies with it. */

static void assert_previous_state(const char *dir, const struct state *expected)
{
	_cleanup_state_ struct state *loaded = NULL;
	struct lxcri_error err = { 0 };

	ck_assert_msg(state_load(dir, &loaded, &err) == 0, "%s", err.message);
	assert_state_equal(expected, loaded);
}

static void assert_only_state_file(const char *dir)
{
	struct dirent **entries;
	int n = scandir(dir, &entries, NULL, alphasort);

	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		ck_assert_msg(strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
				  strcmp(name, STATE_FILE) == 0,
			      "left behind: %s", name);
		free(entries[i]);
	}
	free(entries);
}

/* A save that fails (read-only directory, full file system, too big) keeps the previous state. */
START_TEST(test_failed_save_keeps_previous)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *state_dir = path_join2(dir, "105");
	_cleanup_state_ struct state *saved = sample_state(), *next = sample_state();
	_cleanup_free_ char *huge = malloc(STATE_MAX_SIZE);
	struct lxcri_error err = { 0 };
	int64_t updated;

	ck_assert_int_eq(mkdir(state_dir, 0700), 0);
	ck_assert_int_eq(state_save(state_dir, saved, &err), 0);
	ck_assert_int_eq(state_set_phase(next, "stopping", "stop"), 0);
	state_item_remove(next, 0);

	/* Too big: refused before anything is written. */
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'x', STATE_MAX_SIZE - 1);
	huge[STATE_MAX_SIZE - 1] = '\0';
	ck_assert_int_eq(state_set_error(next, "stop", huge), 0);
	updated = next->updated_ms;
	ck_assert_int_eq(state_save(state_dir, next, &err), -EFBIG);
	ck_assert_int_eq(next->updated_ms, updated);
	ck_assert_msg(strstr(err.message, STATE_FILE) && strstr(err.message, "bytes"), "%s",
		      err.message);
	ck_assert_ptr_null(strstr(err.message, "pmxcfs"));
	assert_previous_state(state_dir, saved);
	assert_only_state_file(state_dir);
	ck_assert_int_eq(state_set_error(next, "stop", "short"), 0);

	if (!test_private_mounts()) {
		/* Not root: a directory without write permission does the same. */
		ck_assert_int_eq(chmod(state_dir, 0500), 0);
		ck_assert_int_eq(state_save(state_dir, next, &err), -EACCES);
		assert_previous_state(state_dir, saved);
		ck_assert_int_eq(chmod(state_dir, 0700), 0);
		test_rm_rf(dir);
		return;
	}

	/* A read-only bind mount of the state directory over itself. */
	ck_assert_int_eq(mount(state_dir, state_dir, NULL, MS_BIND, NULL), 0);
	ck_assert_int_eq(mount(NULL, state_dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	ck_assert_int_eq(state_save(state_dir, next, &err), -EROFS);
	ck_assert_msg(strstr(err.message, "read-only"), "%s", err.message);
	assert_previous_state(state_dir, saved);
	assert_only_state_file(state_dir);
	ck_assert_int_eq(umount2(state_dir, 0), 0);

	/* A full file system. */
	ck_assert_int_eq(mount("tmpfs", state_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16k"), 0);
	ck_assert_int_eq(state_save(state_dir, saved, &err), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(state_item_add(next, "nft-element", "start-host",
						veth_data("a-long-name-to-fill-the-space-quickly"),
						NULL),
				 0);
	ck_assert_int_eq(state_save(state_dir, next, &err), -ENOSPC);
	ck_assert_msg(strstr(err.message, "no space left"), "%s", err.message);
	assert_previous_state(state_dir, saved);
	assert_only_state_file(state_dir);
	ck_assert_int_eq(umount2(state_dir, 0), 0);
	test_rm_rf(dir);
}
END_TEST

/*
 * A teardown's saves are best effort: one that fails is kept in save_error
 * and returns 0, so that the undo of the next item goes on; the file stays
 * as it was; a save that works again clears the error. Without
 * save_best_effort the failure is returned as always.
 */
START_TEST(test_save_best_effort)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *state_dir = path_join2(dir, "105");
	_cleanup_free_ char *gone = path_join2(dir, "gone");
	_cleanup_state_ struct state *saved = sample_state(), *next = sample_state();
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(mkdir(state_dir, 0700), 0);
	ck_assert_int_eq(state_save(state_dir, saved, &err), 0);
	state_item_remove(next, 0);

	ck_assert_int_eq(state_save(gone, next, &err), -ENOENT);
	ck_assert_int_eq(next->save_error.code, 0);

	next->save_best_effort = true;
	err = (struct lxcri_error){ 0 };
	ck_assert_int_eq(state_save(gone, next, &err), 0);
	ck_assert_int_eq(err.code, 0);
	ck_assert_int_eq(next->save_error.code, -ENOENT);
	ck_assert_msg(strstr(next->save_error.message, gone) &&
			  strstr(next->save_error.message, STATE_FILE),
		      "%s", next->save_error.message);

	if (test_mount_read_only(state_dir)) {
		next->save_error = (struct lxcri_error){ 0 };
		ck_assert_int_eq(state_save(state_dir, next, &err), 0);
		ck_assert_int_eq(next->save_error.code, -EROFS);
		assert_previous_state(state_dir, saved);
		ck_assert_int_eq(umount2(state_dir, 0), 0);
	}
	/* Saved at last: the file caught up, nothing is owed. */
	ck_assert_int_eq(state_save(state_dir, next, &err), 0);
	ck_assert_int_eq(next->save_error.code, 0);
	assert_previous_state(state_dir, next);
	test_rm_rf(dir);
}
END_TEST

/*
 * Killed in the middle of a save, at random points, many times: state.json is
 * always one complete state or the other. (Killed saves may leave their temp
 * file; /run is emptied at boot.)
 */
START_TEST(test_killed_save_leaves_complete_state)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_state_ struct state *a = sample_state(), *b = sample_state();
	struct lxcri_error err = { 0 };

	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(
		    state_item_add(a, "nft-element", "start-host", veth_data("x"), NULL), 0);
	ck_assert_int_eq(state_set_phase(b, "stopped", "post-stop"), 0);
	ck_assert_int_eq(state_save(dir, a, &err), 0);
	srand(12345);

	for (int round = 0; round < 25; round++) {
		_cleanup_state_ struct state *loaded = NULL;
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			for (;;) {
				state_save(dir, a, NULL);
				state_save(dir, b, NULL);
			}
		}
		usleep(1000 + (useconds_t)(rand() % 20000));
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);

		ck_assert_msg(state_load(dir, &loaded, &err) == 0, "round %d: %s", round,
			      err.message);
		ck_assert(strcmp(loaded->phase, "running") == 0 ||
			  strcmp(loaded->phase, "stopped") == 0);
		ck_assert_uint_eq(loaded->n_items, strcmp(loaded->phase, "running") == 0 ? 302 : 2);
	}
	test_rm_rf(dir);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *model = tcase_create("model");
	TCase *parse = tcase_create("parse");
	TCase *files = tcase_create("files");

	tcase_add_test(model, test_new);
	tcase_add_test(model, test_now_ms);
	tcase_add_test(model, test_pending_applied);
	tcase_add_test(model, test_item_add_invalid);
	tcase_add_test(model, test_remove_keeps_order);
	tcase_add_test(model, test_setters);
	tcase_add_test(model, test_to_json_refuses_invalid);
	tcase_add_test(model, test_json_layout);
	tcase_add_test(model, test_data_round_trip);
	suite_add_tcase(s, model);

	tcase_add_test(parse, test_parse_valid_variants);
	tcase_add_loop_test(parse, test_parse_malformed, 0, (int)ELEMENTSOF(malformed));
	tcase_add_test(parse, test_parse_message_example);
	tcase_add_test(parse, test_parse_too_big);
	suite_add_tcase(s, parse);

	tcase_add_test(files, test_save_load_round_trip);
	tcase_add_test(files, test_load_errors);
	tcase_add_test(files, test_failed_save_keeps_previous);
	tcase_add_test(files, test_save_best_effort);
	tcase_add_test(files, test_killed_save_leaves_complete_state);
	tcase_set_timeout(files, 60);
	suite_add_tcase(s, files);
	return s;
}

TEST_MAIN(state_suite)
