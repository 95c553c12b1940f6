/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host-wide settings, lxcri.conf (lib/config/settings.c). */
#include <errno.h>
#include <syslog.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/paths.h"
#include "lib/config/settings.h"
#include "testutil.h"

static int settings_text(const char *text, struct settings *s, struct lxcri_error *err)
{
	return settings_parse("l.conf", text, strlen(text), s, err);
}

START_TEST(test_settings)
{
	struct settings s;
	struct lxcri_error err = { 0 };
	static const char text[] = "# host-wide\r\n\nlog-level: debug\nhelper-timeout: 3600\n";

	settings_init(&s);
	ck_assert_int_eq(s.log_level, LOG_INFO);
	ck_assert_uint_eq(s.helper_timeout_ms, 30000);

	ck_assert_int_eq(settings_parse("l.conf", text, strlen(text), &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_DEBUG);
	ck_assert_uint_eq(s.helper_timeout_ms, 3600000);

	/* Keys not given keep their defaults. */
	ck_assert_int_eq(settings_text("log-level: error", &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_ERR);
	ck_assert_uint_eq(s.helper_timeout_ms, 30000);
	ck_assert_int_eq(settings_text("log-level: warning\nhelper-timeout: 1", &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_WARNING);
	ck_assert_uint_eq(s.helper_timeout_ms, 1000);
	ck_assert_int_eq(settings_text("log-level: info", &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_INFO);
	ck_assert_int_eq(settings_parse("l.conf", "", 0, &s, &err), 0);
	ck_assert_uint_eq(s.helper_timeout_ms, 30000);

	/* CNI: Debian's and the reference locations by default, each one redirectable. */
	ck_assert_str_eq(s.cni_config_dir, "/etc/cni/net.d");
	ck_assert_str_eq(s.cni_plugin_path, "/usr/lib/cni:/opt/cni/bin");
	ck_assert_str_eq(s.cni_cache_dir, "/var/lib/cni");
	ck_assert_uint_eq(s.cni_timeout_ms, 20000);
	ck_assert_int_eq(settings_text("cni-config-dir: /srv/cni\ncni-plugin-path: /a:/b/c\n"
				       "cni-cache-dir: /run/cni\ncni-timeout: 5",
				       &s, &err),
			 0);
	ck_assert_str_eq(s.cni_config_dir, "/srv/cni");
	ck_assert_str_eq(s.cni_plugin_path, "/a:/b/c");
	ck_assert_str_eq(s.cni_cache_dir, "/run/cni");
	ck_assert_uint_eq(s.cni_timeout_ms, 5000);

	/* Port forwards: our own nftables table, renamable (tests use one of their own). */
	ck_assert_int_eq(settings_parse("l.conf", "", 0, &s, &err), 0);
	ck_assert_str_eq(s.port_table, "lxcri");
	ck_assert_int_eq(settings_text("port-table: lxcri_test2", &s, &err), 0);
	ck_assert_str_eq(s.port_table, "lxcri_test2");
	/* How long a forward waits for an address the container gets later (ip=dhcp). */
	ck_assert_int_eq(settings_parse("l.conf", "", 0, &s, &err), 0);
	ck_assert_uint_eq(s.port_address_timeout_ms, 120000);
	ck_assert_int_eq(settings_text("port-address-timeout: 2", &s, &err), 0);
	ck_assert_uint_eq(s.port_address_timeout_ms, 2000);
	/* Registries: plain HTTP only for those listed; the CA directory; parallel layers. */
	ck_assert_int_eq(settings_parse("l.conf", "", 0, &s, &err), 0);
	ck_assert_str_eq(s.registry_insecure, "");
	ck_assert_str_eq(s.registry_certs_dir, "/etc/containers/certs.d");
	ck_assert_uint_eq(s.image_pull_jobs, 4);
	ck_assert(!settings_registry_insecure(&s, "127.0.0.1:5000"));
	ck_assert_int_eq(settings_text("registry-insecure: 127.0.0.1:5000, registry.lan,[::1]:80\n"
				       "registry-certs-dir: /srv/certs\nimage-pull-jobs: 16",
				       &s, &err),
			 0);
	ck_assert(settings_registry_insecure(&s, "127.0.0.1:5000"));
	ck_assert(settings_registry_insecure(&s, "registry.lan"));
	ck_assert(settings_registry_insecure(&s, "[::1]:80"));
	ck_assert(!settings_registry_insecure(&s, "127.0.0.1"));
	ck_assert(!settings_registry_insecure(&s, "registry.la"));
	ck_assert(!settings_registry_insecure(&s, "127.0.0.1:500"));
	ck_assert_str_eq(s.registry_certs_dir, "/srv/certs");
	ck_assert_uint_eq(s.image_pull_jobs, 16);
	/* node_exporter's textfile directory. */
	ck_assert_int_eq(settings_parse("l.conf", "", 0, &s, &err), 0);
	ck_assert_str_eq(s.metrics_dir, "");
	ck_assert_int_eq(settings_text("metrics-dir: /srv/textfile", &s, &err), 0);
	ck_assert_str_eq(s.metrics_dir, "/srv/textfile");

	static const struct {
		const char *text, *message;
	} bad[] = {
		{ "log-level: verbose", "l.conf:1: Invalid value 'verbose' for 'log-level'" },
		{ "log-level: INFO", "l.conf:1: Invalid value 'INFO' for 'log-level'" },
		{ "#\nhelper-timeout: 0", "l.conf:2: Invalid value '0' for 'helper-timeout'" },
		{ "helper-timeout: 3601", "l.conf:1: Invalid value '3601' for 'helper-timeout'" },
		{ "helper-timeout: 30s", "l.conf:1: Invalid value '30s' for 'helper-timeout'" },
		{ "log-level: info\nlog-level: debug",
		  "l.conf:2: Duplicate key: 'log-level' is already set on line 1" },
		{ "timeout: 3", "l.conf:1: Unknown key 'timeout'" },
		{ "net1: name=eth1,bridge=vmbr1", "l.conf:1: Unknown key 'net1'" },
		{ "log-level debug", "l.conf:1: Missing ':' directly after key 'log-level'" },
		{ "log-level:", "l.conf:1: Empty value for 'log-level'" },
		{ "cni-config-dir: etc/cni",
		  "l.conf:1: Invalid value 'etc/cni' for 'cni-config-dir': "
		  "expected an absolute path" },
		{ "cni-cache-dir: /var/../tmp",
		  "l.conf:1: Invalid value '/var/../tmp' for 'cni-cache-dir'" },
		{ "cni-plugin-path: /usr/lib/cni:bin",
		  "l.conf:1: Invalid value '/usr/lib/cni:bin' for "
		  "'cni-plugin-path': expected absolute paths" },
		{ "cni-plugin-path: /a::/b",
		  "l.conf:1: Invalid value '/a::/b' for 'cni-plugin-path'" },
		{ "cni-plugin-path: /a:", "l.conf:1: Invalid value '/a:' for 'cni-plugin-path'" },
		{ "cni-timeout: 0", "l.conf:1: Invalid value '0' for 'cni-timeout'" },
		{ "port-address-timeout: 0",
		  "l.conf:1: Invalid value '0' for 'port-address-timeout'" },
		{ "port-address-timeout: 2m",
		  "l.conf:1: Invalid value '2m' for 'port-address-timeout'" },
		{ "port-table: 1abc",
		  "l.conf:1: Invalid value '1abc' for 'port-table': expected a name" },
		{ "port-table: a b", "l.conf:1: Invalid value 'a b' for 'port-table'" },
		{ "port-table: lxcri-2", "l.conf:1: Invalid value 'lxcri-2' for 'port-table'" },
		{ "port-table: lxcri;flush",
		  "l.conf:1: Invalid value 'lxcri;flush' for 'port-table'" },
		{ "registry-insecure: http://r.lan",
		  "l.conf:1: Invalid value 'http://r.lan' for 'registry-insecure': expected "
		  "registries (host[:port]) separated by ','" },
		{ "registry-insecure: r.lan,,s.lan",
		  "l.conf:1: Invalid value 'r.lan,,s.lan' for 'registry-insecure'" },
		{ "registry-insecure: r.lan:0", "l.conf:1: Invalid value 'r.lan:0'" },
		{ "registry-insecure: r.lan:65536", "l.conf:1: Invalid value 'r.lan:65536'" },
		{ "registry-insecure: r.lan/path", "l.conf:1: Invalid value 'r.lan/path'" },
		{ "registry-insecure: [::1", "l.conf:1: Invalid value '[::1'" },
		{ "registry-insecure: -r.lan", "l.conf:1: Invalid value '-r.lan'" },
		{ "registry-certs-dir: certs", "l.conf:1: Invalid value 'certs' for "
					       "'registry-certs-dir': expected an absolute path" },
		{ "metrics-dir: prom", "l.conf:1: Invalid value 'prom' for 'metrics-dir': "
				       "expected an absolute path" },
		{ "image-pull-jobs: 0", "l.conf:1: Invalid value '0' for 'image-pull-jobs': "
					"expected a number from 1 to 16" },
		{ "image-pull-jobs: 17", "l.conf:1: Invalid value '17' for 'image-pull-jobs'" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		settings_init(&s);
		s.log_level = 99;
		ck_assert_int_eq(settings_text(bad[i].text, &s, &err), -EINVAL);
		ck_assert_msg(strncmp(err.message, bad[i].message, strlen(bad[i].message)) == 0,
			      "'%s' gave '%s'", bad[i].text, err.message);
		ck_assert_int_eq(s.log_level, 99); /* untouched */
	}
}
END_TEST

START_TEST(test_settings_load)
{
	_cleanup_free_ char *dir = test_tmpdir();
	char path[512];
	struct settings s = { .log_level = 99, .helper_timeout_ms = 1 };
	struct lxcri_error err = { 0 };

	snprintf(path, sizeof(path), "%s/lxcri.conf", dir);
	ck_assert_int_eq(settings_load(path, &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_INFO);
	ck_assert_uint_eq(s.helper_timeout_ms, 30000);

	test_write_file(path, "helper-timeout: 5\nlog-level: warning\n");
	ck_assert_int_eq(settings_load(path, &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_WARNING);
	ck_assert_uint_eq(s.helper_timeout_ms, 5000);

	test_write_file(path, "\nlog-level: loud\n");
	ck_assert_int_eq(settings_load(path, &s, &err), -EINVAL);
	ck_assert_msg(strncmp(err.message, path, strlen(path)) == 0 &&
			  strstr(err.message, ":2: Invalid value 'loud' for 'log-level'"),
		      "%s", err.message);
	ck_assert_int_eq(s.log_level, LOG_WARNING);

	ck_assert_int_eq(settings_load(dir, &s, &err), -EISDIR);
	test_rm_rf(dir);
}
END_TEST

/*
 * The settings of a host, found where its paths say: absent is the
 * defaults; broken is the error, with the defaults left for a caller that
 * goes on; a path that does not fit is said as such.
 */
START_TEST(test_settings_load_host)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct lxcri_paths paths = { 0 };
	struct settings s = { .log_level = 99, .helper_timeout_ms = 1 };
	struct lxcri_error err = { 0 };
	char path[PATH_MAX];

	snprintf(paths.etc_dir, sizeof(paths.etc_dir), "%s", dir);
	ck_assert_int_eq(settings_load_host(&paths, &s, &err), 0);
	ck_assert_int_eq(s.log_level, LOG_INFO);
	ck_assert_uint_eq(s.helper_timeout_ms, 30000);

	snprintf(path, sizeof(path), "%s/lxcri.conf", dir);
	test_write_file(path, "helper-timeout: 7\n");
	ck_assert_int_eq(settings_load_host(&paths, &s, &err), 0);
	ck_assert_uint_eq(s.helper_timeout_ms, 7000);

	test_write_file(path, "helper-timeout: 7\nlog-level: loud\n");
	s.log_level = 99;
	ck_assert_int_eq(settings_load_host(&paths, &s, &err), -EINVAL);
	ck_assert_msg(strncmp(err.message, path, strlen(path)) == 0 &&
			  strstr(err.message, ":2: Invalid value 'loud' for 'log-level'"),
		      "%s", err.message);
	ck_assert_int_eq(s.log_level, LOG_INFO);
	ck_assert_uint_eq(s.helper_timeout_ms, 30000);

	memset(paths.etc_dir, 'a', sizeof(paths.etc_dir) - 8);
	paths.etc_dir[0] = '/';
	paths.etc_dir[sizeof(paths.etc_dir) - 8] = '\0';
	s.log_level = 99;
	ck_assert_int_eq(settings_load_host(&paths, &s, &err), -ENAMETOOLONG);
	ck_assert_str_eq(err.message, "Path of the settings file is too long");
	ck_assert_int_eq(s.log_level, LOG_INFO);
	test_rm_rf(dir);
}
END_TEST

static Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_settings);
	tcase_add_test(tc, test_settings_load);
	tcase_add_test(tc, test_settings_load_host);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(settings_suite)
