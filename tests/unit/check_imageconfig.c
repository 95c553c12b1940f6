/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "testutil.h"

#include "lib/image/imageconfig.h"

#define D1 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D2 "sha256:a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"

/* The config of the tests' multi image, as umoci writes it. */
static const char multi_config[] =
    "{\"created\":\"2024-01-01T00:00:00Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
    "\"config\":{\"User\":\"app\",\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{},\"9\":{}},"
    "\"Env\":[\"PATH=/bin\",\"FOO=bar\",\"SPACED=a b\",\"EMPTY=\"],"
    "\"Entrypoint\":[\"/usr/bin/entry.sh\"],\"Cmd\":[\"one\",\"two words\",\"three\"],"
    "\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/srv/app\",\"Labels\":{\"b\":\"2\",\"a\":\"1\"},"
    "\"StopSignal\":\"SIGUSR1\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2
    "\"]},\"history\":[]}";

START_TEST(test_imageconfig)
{
	struct lxcri_error err = { 0 };
	struct imageconfig *c = NULL;
	int sig;

	ck_assert_msg(imageconfig_parse(multi_config, strlen(multi_config), &c, &err) == 0, "%s",
		      err.message);
	ck_assert_str_eq(c->user, "app");
	ck_assert_str_eq(c->working_dir, "/srv/app");
	ck_assert_str_eq(c->entrypoint[0], "/usr/bin/entry.sh");
	ck_assert_ptr_null(c->entrypoint[1]);
	ck_assert_str_eq(c->cmd[1], "two words");
	ck_assert_str_eq(c->env[2], "SPACED=a b");
	ck_assert_str_eq(c->env[3], "EMPTY=");
	ck_assert_str_eq(c->exposed_ports[0], "53/udp");
	ck_assert_str_eq(c->exposed_ports[1], "8080/tcp");
	ck_assert_str_eq(c->exposed_ports[2], "9/tcp");
	ck_assert_str_eq(c->volumes[0], "/data");
	ck_assert_str_eq(c->labels[0], "a=1");
	ck_assert_uint_eq(c->n_diff_ids, 2);
	ck_assert_str_eq(c->diff_ids[1], D2);
	ck_assert_int_eq(imageconfig_stop_signal(c, &sig, &err), 0);
	ck_assert_int_eq(sig, SIGUSR1);
	imageconfig_free(c);

	/* A config with no "config" at all: no process, nothing set. */
	const char *bare = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			   "\"layers\",\"diff_ids\":[]}}";
	ck_assert_int_eq(imageconfig_parse(bare, strlen(bare), &c, &err), 0);
	ck_assert_ptr_null(c->entrypoint);
	ck_assert_ptr_null(c->cmd);
	ck_assert_str_eq(c->user, "");
	ck_assert_int_eq(imageconfig_stop_signal(c, &sig, &err), 0);
	ck_assert_int_eq(sig, SIGTERM);
	imageconfig_free(c);
}
END_TEST

static void config_fails(const char *text, const char *message)
{
	struct lxcri_error err = { 0 };
	struct imageconfig *c = NULL;

	ck_assert_int_eq(imageconfig_parse(text, strlen(text), &c, &err), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err.message, message), "'%s' lacks '%s'", err.message, message);
}

#define ROOTFS ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"

START_TEST(test_imageconfig_refused)
{
	struct imageconfig c = { .stop_signal = (char *)"" };
	struct lxcri_error err = { 0 };
	int sig;

	config_fails("{\"config\":{\"Cmd\":\"ls -l\"}" ROOTFS, "config.Cmd is not an array");
	config_fails("{\"config\":{\"Env\":[\"NOEQUALS\"]}" ROOTFS,
		     "config.Env[0] 'NOEQUALS' is not KEY=value");
	config_fails("{\"config\":{\"Env\":[\"=x\"]}" ROOTFS, "config.Env[0]");
	config_fails("{\"config\":{\"User\":0}" ROOTFS, "config.User is not a string");
	config_fails("{\"config\":{\"ExposedPorts\":{\"http\":{}}}" ROOTFS,
		     "ExposedPorts has 'http'");
	config_fails("{\"config\":{\"ExposedPorts\":{\"80/icmp\":{}}}" ROOTFS, "'80/icmp'");
	config_fails("{\"config\":{\"ExposedPorts\":{\"70000\":{}}}" ROOTFS, "'70000'");
	config_fails("{\"rootfs\":{\"type\":\"tar\",\"diff_ids\":[]}}", "rootfs.type");
	config_fails("{\"rootfs\":{\"type\":\"layers\"}}", "rootfs.diff_ids is missing");
	config_fails("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:x\"]}}",
		     "rootfs.diff_ids[0] 'md5:x'");
	config_fails("{}", "rootfs is missing");
	config_fails("{\"config\":[]" ROOTFS, "config is not an object");

	static const struct {
		const char *s;
		int signo;
	} ok[] = { { "SIGTERM", SIGTERM }, { "USR1", SIGUSR1 }, { "9", 9 },
		   { "SIGRTMIN+3", 0 },	   { "RTMAX-1", -1 },	{ "SIGRTMIN", -2 } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int want = ok[i].signo == 0    ? SIGRTMIN + 3
			   : ok[i].signo == -1 ? SIGRTMAX - 1
			   : ok[i].signo == -2 ? SIGRTMIN
					       : ok[i].signo;
		c.stop_signal = (char *)ok[i].s;
		ck_assert_msg(imageconfig_stop_signal(&c, &sig, &err) == 0, "%s", ok[i].s);
		ck_assert_int_eq(sig, want);
	}
	static const char *const bad[] = { "SIGNOPE", "0",	    "99", "RTMIN-1",
					   "RTMAX+1", "SIGRTMIN+x", "-9", "RTMIN+99" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.stop_signal = (char *)bad[i];
		ck_assert_msg(imageconfig_stop_signal(&c, &sig, &err) == -EINVAL, "%s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.message, "is not a signal"));
	}
}
END_TEST

static Suite *imageconfig_suite(void)
{
	Suite *s = suite_create("imageconfig");
	TCase *tc = tcase_create("imageconfig");

	tcase_add_test(tc, test_imageconfig);
	tcase_add_test(tc, test_imageconfig_refused);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(imageconfig_suite)
