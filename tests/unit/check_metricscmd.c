/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri metrics`: the metrics of containers (cli/metricscmd.c). */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "testutil.h"

#include "cli/metricscmd.h"
#include "lib/shared/json.h"

static struct json_object *counters;
static int drift = -1;
static struct json_object *checks;
static struct portfwd_entry *forwards;
static size_t n_forwards;

static char *render(struct ct_status *list, size_t n, const struct stale_report *stale, bool pve)
{
	struct promtext *p = NULL;
	char *text = NULL;
	size_t size = 0;

	ck_assert_int_eq(promtext_new(&p), 0);
	struct metricscmd_input in = { .list = list,
				       .n = n,
				       .stale = stale,
				       .counters = counters,
				       .image_checks = checks,
				       .port_drift = drift,
				       .forwards = forwards,
				       .n_forwards = n_forwards,
				       .pve = pve };

	ck_assert_int_eq(metricscmd_render(&in, p), 0);
	ck_assert_int_eq(promtext_format(p, &text, &size), 0);
	promtext_free(p);
	return text;
}

START_TEST(test_containers)
{
	struct ct_status list[3] = { 0 };
	struct stale_report stale = { .states = 2, .items = 5, .set_aside = 1 };
	struct state *run = NULL, *refused = NULL;
	char *text;

	/* 105: running, two veths applied and a forward pending; made from an image. */
	snprintf(list[0].id, sizeof(list[0].id), "105");
	list[0].configured = list[0].valid = true;
	list[0].n_profiles = 1;
	list[0].profiles_current = true;
	snprintf(list[0].image, sizeof(list[0].image), "reg.lan:5000/app:1@sha256:abcd");
	ck_assert_int_eq(state_new("105", &run), 0);
	ck_assert_int_eq(state_set_phase(run, "running", "start-host"), 0);
	ck_assert_int_eq(state_item_add(run, "veth", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_item_add(run, "nft-element", "start-host", NULL, NULL), 0);
	ck_assert_int_eq(state_item_add(run, "veth", "start-host", NULL, NULL), 0);
	state_item_set_applied(run, 0);
	state_item_set_applied(run, 2);
	list[0].state = run;
	/* web: refused, with a two-line reason. */
	snprintf(list[1].id, sizeof(list[1].id), "web");
	list[1].configured = true;
	ck_assert_int_eq(state_new("web", &refused), 0);
	ck_assert_int_eq(state_set_phase(refused, "refused", "pre-start"), 0);
	ck_assert_int_eq(state_set_error(refused, "pre-start", "Refusing to start: bad\nsecond"),
			 0);
	list[1].state = refused;
	/* 200: a state, no config (the config went while it ran). */
	snprintf(list[2].id, sizeof(list[2].id), "200");

	text = render(list, 3, &stale, true);
	ck_assert_ptr_nonnull(strstr(text, "\nlxcri_containers 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "lxcri_container_config_valid{id=\"lxc/105\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "lxcri_container_config_valid{id=\"web\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "lxcri_container_profiles_current{id=\"lxc/105\"} 1\n"));
	/* web has no profile key: no series. */
	ck_assert_ptr_null(strstr(text, "lxcri_container_profiles_current{id=\"web\"}"));
	ck_assert_ptr_null(strstr(text, "config_valid{id=\"lxc/200\"}"));
	ck_assert_ptr_nonnull(strstr(text,
				     "lxcri_image_info{id=\"lxc/105\",image=\"reg.lan:5000/app:1\","
				     "digest=\"sha256:abcd\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_container_phase{id=\"lxc/105\",phase=\"running\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_container_phase{id=\"lxc/105\",phase=\"stopped\"} 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_container_items{id=\"lxc/105\",kind=\"veth\"} 2\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_container_items{id=\"lxc/105\",kind=\"nft-element\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(
	    text,
	    "lxcri_container_refused_info{id=\"web\",reason=\"Refusing to start: bad\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "refused_info{id=\"lxc/105\""));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_container_last_error_timestamp_seconds{id=\"web\"}"));
	ck_assert_ptr_nonnull(strstr(text, "\nlxcri_stale_states 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlxcri_stale_items 5\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlxcri_set_aside_files 1\n"));
	/* Drift unknown (the table could not be read): left out, not 0. */
	ck_assert_ptr_null(strstr(text, "lxcri_port_forwards_drift"));
	free(text);
	drift = 1;
	text = render(list, 1, NULL, true);
	ck_assert_ptr_nonnull(strstr(text, "\nlxcri_port_forwards_drift 1\n"));
	free(text);
	drift = 0;
	text = render(list, 1, NULL, true);
	ck_assert_ptr_nonnull(strstr(text, "\nlxcri_port_forwards_drift 0\n"));
	free(text);
	drift = -1;

	/* Plain LXC: names as they are, vmids too. */
	text = render(list, 1, NULL, false);
	ck_assert_ptr_nonnull(strstr(text, "lxcri_container_config_valid{id=\"105\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "lxcri_stale_states"));
	free(text);
	state_free(run);
	state_free(refused);
}
END_TEST

/* A reason is one line of at most 120 bytes, never cut inside a UTF-8 character. */
START_TEST(test_reason_cut)
{
	struct ct_status s = { 0 };
	struct state *st = NULL;
	char msg[400], *text, *reason, *end;

	memset(msg, 'a', 119);
	strcpy(msg + 119, "\xc3\xa9 and more");
	snprintf(s.id, sizeof(s.id), "x");
	ck_assert_int_eq(state_new("x", &st), 0);
	ck_assert_int_eq(state_set_phase(st, "refused", NULL), 0);
	ck_assert_int_eq(state_set_error(st, NULL, msg), 0);
	s.state = st;
	text = render(&s, 1, NULL, false);
	reason = strstr(text, "reason=\"");
	ck_assert_ptr_nonnull(reason);
	reason += 8;
	end = strchr(reason, '"');
	ck_assert_int_eq(end - reason, 119);
	free(text);
	state_free(st);
}
END_TEST

/* The counters of the hooks: ids labelled as containers are, families a newer lxcri has skipped. */
START_TEST(test_counters)
{
	struct json_object *root = NULL;
	char why[128], *text;
	const char *json =
	    "{\"version\": 1, \"counters\": ["
	    "{\"name\": \"lxcri_refused_starts_total\", \"labels\": [\"id\", \"105\"], \"value\": "
	    "3},"
	    "{\"name\": \"lxcri_hook_seconds_total\", \"labels\": [\"hook\", \"stop\"], \"value\": "
	    "0.5},"
	    "{\"name\": \"lxcri_oci_hook_runs_total\", \"labels\": [\"stage\", \"prestart\", "
	    "\"result\", \"timeout\"], \"value\": 1},"
	    "{\"name\": \"lxcri_future_total\", \"labels\": [], \"value\": 9},"
	    "{\"name\": \"lxcri_hook_runs_total\", \"labels\": [\"bad-label\", \"x\"], \"value\": "
	    "1}"
	    "]}";

	ck_assert_int_eq(json_parse_strict(json, strlen(json), &root, why, sizeof(why)), 0);
	json_object_object_get_ex(root, "counters", &counters);
	text = render(NULL, 0, NULL, true);
	ck_assert_ptr_nonnull(strstr(text, "# TYPE lxcri_refused_starts_total counter\n"
					   "lxcri_refused_starts_total{id=\"lxc/105\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "lxcri_hook_seconds_total{hook=\"stop\"} 0.5\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_oci_hook_runs_total{stage=\"prestart\",result=\"timeout\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "lxcri_future_total"));
	ck_assert_ptr_null(strstr(text, "bad-label"));
	free(text);
	counters = NULL;
	json_object_put(root);
}
END_TEST

static struct portfwd_entry forward(const char *owner, int family, int proto, unsigned port,
				    const char *hostip, uint64_t packets, uint64_t bytes)
{
	struct portfwd_entry e = { .counted = true, .packets = packets, .bytes = bytes };

	snprintf(e.owner, sizeof(e.owner), "%s", owner);
	e.fwd.family = family;
	e.fwd.proto = proto;
	e.fwd.host_first = e.fwd.host_last = (uint16_t)port;
	if (hostip) {
		e.fwd.has_hostip = true;
		ck_assert_int_eq(ip_address_parse(hostip, family, &e.fwd.hostip), 0);
	}
	return e;
}

/*
 * One series per container, protocol, host port (and host address): the
 * IPv4 and IPv6 elements of a port summed; a table without counters and an
 * element without owner give none.
 */
START_TEST(test_forwards)
{
	struct portfwd_entry v[6] = {
		forward("105", AF_INET, IPPROTO_TCP, 8080, NULL, 10, 1000),
		forward("105", AF_INET, IPPROTO_UDP, 8080, NULL, 1, 40),
		forward("web", AF_INET, IPPROTO_TCP, 443, "192.0.2.10", 7, 700),
		forward("105", AF_INET6, IPPROTO_TCP, 8080, NULL, 5, 600),
		forward("", AF_INET, IPPROTO_TCP, 9, NULL, 1, 1),
		forward("106", AF_INET, IPPROTO_TCP, 81, NULL, 0, 0),
	};
	char *text;

	v[5].counted = false;
	forwards = v;
	n_forwards = ELEMENTSOF(v);
	text = render(NULL, 0, NULL, true);
	ck_assert_ptr_nonnull(
	    strstr(text, "# TYPE lxcri_port_forward_packets_total counter\n"
			 "lxcri_port_forward_packets_total{id=\"lxc/105\","
			 "proto=\"tcp\",host_port=\"8080\"} 15\n"
			 "lxcri_port_forward_packets_total{id=\"lxc/105\","
			 "proto=\"udp\",host_port=\"8080\"} 1\n"
			 "lxcri_port_forward_packets_total{id=\"web\","
			 "proto=\"tcp\",host_port=\"443\",host_ip=\"192.0.2.10\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(text, "lxcri_port_forward_bytes_total{id=\"lxc/105\","
					   "proto=\"tcp\",host_port=\"8080\"} 1600\n"));
	ck_assert_ptr_null(strstr(text, "host_port=\"9\""));
	ck_assert_ptr_null(strstr(text, "lxc/106"));
	free(text);
	forwards = NULL;
	n_forwards = 0;
}
END_TEST

/* The last image check of a container's very image: update available or not, and when. */
START_TEST(test_image_update)
{
	struct ct_status list[2] = { 0 };
	char why[128], *text;
	struct json_object *root = NULL;
	const char *json = "{"
			   "\"105\": {\"image\": \"reg.lan/app:1@sha256:aa\", \"remote\": "
			   "\"sha256:bb\", \"newer\": true, \"time\": 1700000000},"
			   "\"106\": {\"image\": \"reg.lan/app:1@sha256:old\", \"remote\": "
			   "\"sha256:bb\", \"newer\": true, \"time\": 1700000000}}";

	snprintf(list[0].id, sizeof(list[0].id), "105");
	snprintf(list[0].image, sizeof(list[0].image), "reg.lan/app:1@sha256:aa");
	/* 106 was made again from another image since its check. */
	snprintf(list[1].id, sizeof(list[1].id), "106");
	snprintf(list[1].image, sizeof(list[1].image), "reg.lan/app:1@sha256:bb");
	ck_assert_int_eq(json_parse_strict(json, strlen(json), &root, why, sizeof(why)), 0);
	checks = root;
	text = render(list, 2, NULL, true);
	ck_assert_ptr_nonnull(strstr(
	    text, "lxcri_image_update_available{id=\"lxc/105\",image=\"reg.lan/app:1\"} 1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxcri_image_checked_timestamp_seconds{id=\"lxc/105\"} 1700000000\n"));
	ck_assert_ptr_null(strstr(text, "lxcri_image_update_available{id=\"lxc/106\""));
	free(text);
	checks = NULL;
	json_object_put(root);
}
END_TEST

static Suite *metricscmd_suite(void)
{
	Suite *s = suite_create("metricscmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_containers);
	tcase_add_test(tc, test_reason_cut);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_forwards);
	tcase_add_test(tc, test_image_update);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(metricscmd_suite)
