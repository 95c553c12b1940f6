/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>
#include <errno.h>
#include <netinet/in.h>
#include <time.h>

#include "testutil.h"

#include "lib/shared/json.h"
#include "lib/port/portfwd.h"
#include "lib/port/portsetup.h"
#include "lib/port/portwait.h"
#include "lib/shared/state.h"

static struct portwait_item waiting_item(unsigned port, uint16_t host)
{
	struct portwait_item w = { .port = port,
				   .proto = IPPROTO_TCP,
				   .host_first = host,
				   .host_last = host,
				   .until_ms = 1700000000000 };

	snprintf(w.ifname, sizeof(w.ifname), "eth0");
	return w;
}

static void add_wait(struct state *s, const struct portwait_item *w)
{
	ck_assert_int_eq(
	    state_item_add(s, PORTWAIT_KIND, "start-host", portwait_item_to_json(w), NULL), 0);
}

/* A port.fwd item as lib/port/portsetup records it. */
static void add_forward(struct state *s, unsigned port, uint16_t host, const char *target)
{
	struct portfwd f = {
		.family = AF_INET,
		.proto = IPPROTO_TCP,
		.host_first = host,
		.host_last = host,
		.ct_first = 80,
		.target = test_address(target),
		.subnet = test_prefix("10.0.0.0/24"),
		.index = port,
	};
	struct json_object *data = portfwd_to_json(&f);

	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(json_add(data, "port", json_object_new_int((int)port)), 0);
	ck_assert_int_eq(json_add_string(data, "table", "lxcri"), 0);
	ck_assert_int_eq(state_item_add(s, "port.fwd", "start-host", data, NULL), 0);
}

START_TEST(test_item_round_trip)
{
	struct portwait_item w = waiting_item(3, 8080), back;
	struct lxcri_error err = {};
	_cleanup_json_ struct json_object *o = portwait_item_to_json(&w);

	ck_assert_int_eq(portwait_item_from_json(o, &back, &err), 0);
	ck_assert_uint_eq(back.port, 3);
	ck_assert_int_eq(back.proto, IPPROTO_TCP);
	ck_assert_uint_eq(back.host_first, 8080);
	ck_assert_str_eq(back.ifname, "eth0");
	ck_assert(back.until_ms == 1700000000000);
	ck_assert(!back.failed);
	ck_assert(json_object_is_type(json_object_object_get(o, "reason"), json_type_null));

	w.failed = true;
	snprintf(w.reason, sizeof(w.reason), "no address on 'eth0' within 2 s");
	json_object_put(o);
	o = portwait_item_to_json(&w);
	ck_assert_int_eq(portwait_item_from_json(o, &back, &err), 0);
	ck_assert(back.failed);
	ck_assert_str_eq(back.reason, "no address on 'eth0' within 2 s");
}
END_TEST

START_TEST(test_item_malformed)
{
	static const struct {
		const char *json, *message;
	} bad[] = {
		{ "{}", "'port.wait': field 'port' is missing or out of range" },
		{ "{\"port\": 1, \"host_first\": 0, \"host_last\": 1, \"until\": 0}",
		  "'port.wait': field 'host_first' is missing or out of range" },
		{ "{\"port\": 1, \"host_first\": 9, \"host_last\": 8, \"until\": 0}",
		  "'port.wait': field 'host_last' is missing or out of range" },
		{ "{\"port\": 1, \"host_first\": 8, \"host_last\": 8, \"until\": 0, \"proto\": "
		  "\"sctp\"}",
		  "'port.wait': field 'proto' is not tcp or udp" },
		{ "{\"port\": 1, \"host_first\": 8, \"host_last\": 8, \"until\": 0, \"proto\": "
		  "\"tcp\", \"ifname\": \"../x\"}",
		  "'port.wait': field 'ifname' is no interface name" },
		{ "{\"port\": 1, \"host_first\": 8, \"host_last\": 8, \"until\": 0, \"proto\": "
		  "\"tcp\", \"ifname\": \"eth0\", \"status\": \"done\"}",
		  "'port.wait': field 'status' is not waiting or failed" },
	};
	struct portwait_item w;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_json_ struct json_object *o = json_tokener_parse(bad[i].json);
		struct lxcri_error err = {};

		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(portwait_item_from_json(o, &w, &err), -EINVAL);
		ck_assert_str_eq(err.message, bad[i].message);
	}
}
END_TEST

static const char *status_of(struct json_object *ports, size_t i, const char *key)
{
	struct json_object *v;

	ck_assert_uint_gt(json_object_array_length(ports), i);
	if (!json_object_object_get_ex(json_object_array_get_idx(ports, i), key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

START_TEST(test_ports_status)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_json_ struct json_object *ports = NULL;
	struct portwait_item failed = waiting_item(2, 8082);
	struct portwait_item pending = waiting_item(1, 8081);
	char line[1400];

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(state_new("105", &s), 0);
	add_forward(s, 0, 8080, "10.0.0.5");
	add_wait(s, &pending);
	failed.failed = true;
	snprintf(failed.reason, sizeof(failed.reason),
		 "port2: the address '127.0.0.1' that the container has on 'eth0' cannot be a "
		 "forward's target: it is a loopback address");
	add_wait(s, &failed);

	ports = portwait_ports_status(s);
	ck_assert_ptr_nonnull(ports);
	ck_assert_uint_eq(json_object_array_length(ports), 3);
	ck_assert_str_eq(status_of(ports, 0, "status"), "active");
	ck_assert_str_eq(status_of(ports, 0, "host"), "8080");
	ck_assert_str_eq(status_of(ports, 1, "status"), "pending");
	ck_assert_str_eq(status_of(ports, 1, "ifname"), "eth0");
	ck_assert_ptr_null(status_of(ports, 1, "reason"));
	ck_assert_str_eq(status_of(ports, 2, "status"), "failed");

	portwait_describe(json_object_array_get_idx(ports, 0), line, sizeof(line));
	ck_assert_str_eq(line, "port0 tcp 8080: active (10.0.0.5:80)");
	portwait_describe(json_object_array_get_idx(ports, 1), line, sizeof(line));
	ck_assert_str_eq(
	    line, "port1 tcp 8081: pending (waiting for an address on eth0, until 22:13:20)");
	portwait_describe(json_object_array_get_idx(ports, 2), line, sizeof(line));
	ck_assert_str_eq(line, "port2 tcp 8082: failed: port2: the address '127.0.0.1' that the "
			       "container has on 'eth0' cannot be a forward's target: it is a "
			       "loopback address");

	/* Both families of one port: one entry, both targets. */
	json_object_put(ports);
	state_free(s);
	ck_assert_int_eq(state_new("105", &s), 0);
	add_forward(s, 0, 8080, "10.0.0.5");
	add_forward(s, 0, 8080, "10.0.0.6");
	ports = portwait_ports_status(s);
	ck_assert_uint_eq(json_object_array_length(ports), 1);
	portwait_describe(json_object_array_get_idx(ports, 0), line, sizeof(line));
	ck_assert_str_eq(line, "port0 tcp 8080: active (10.0.0.5:80, 10.0.0.6:80)");
}
END_TEST

/* A waiting forward has nothing applied: teardown drops it without nftables. */
START_TEST(test_teardown_drops_waits)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_free_ char *dir = test_tmpdir();
	struct portwait_item a = waiting_item(0, 8080), b = waiting_item(1, 8081);
	struct portsetup ps = { .id = "105", .state_dir = dir };
	struct lxcri_error err = {};

	ck_assert_int_eq(state_new("105", &s), 0);
	add_wait(s, &a);
	b.failed = true;
	snprintf(b.reason, sizeof(b.reason), "no address on 'eth0' within 2 s");
	add_wait(s, &b);
	ck_assert_int_eq(state_item_add(s, "net.veth", "start-host", NULL, NULL), 0);

	/* `lxcri port del ... tcp 8081`: only that one. */
	ck_assert_uint_eq(portsetup_teardown(&ps, s, IPPROTO_TCP, 8081, &err), 0);
	ck_assert_uint_eq(s->n_items, 2);
	ck_assert_str_eq(s->items[0].kind, PORTWAIT_KIND);
	ck_assert_str_eq(s->items[1].kind, "net.veth");
	/* A stop: every port item, nothing else. */
	ck_assert_uint_eq(portsetup_teardown(&ps, s, 0, 0, &err), 0);
	ck_assert_uint_eq(s->n_items, 1);
	ck_assert_str_eq(s->items[0].kind, "net.veth");

	/* Not forwards: recorded gives none. */
	add_wait(s, &a);
	_cleanup_free_ struct portfwd *fwds = NULL;
	size_t n = 9;
	ck_assert_int_eq(portsetup_recorded(s, &fwds, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

static Suite *portwait_suite(void)
{
	Suite *s = suite_create("portwait");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_item_round_trip);
	tcase_add_test(tc, test_item_malformed);
	tcase_add_test(tc, test_ports_status);
	tcase_add_test(tc, test_teardown_drops_waits);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(portwait_suite)
