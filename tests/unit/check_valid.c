/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names, paths and text that the config and the CLI accept (lib/basic/valid.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/valid.h"
#include "testutil.h"

START_TEST(test_names)
{
	ck_assert(valid_ifname("eth0"));
	ck_assert(valid_ifname("vmbr1.100"));
	ck_assert(valid_ifname("a_b-c"));
	ck_assert(valid_ifname("123456789012345"));
	ck_assert(valid_ifname("lo")); /* the caller decides about lo */
	ck_assert(!valid_ifname("1234567890123456"));
	ck_assert(!valid_ifname(""));
	ck_assert(!valid_ifname("."));
	ck_assert(!valid_ifname(".."));
	ck_assert(valid_ifname("..."));
	ck_assert(!valid_ifname("eth/0"));
	ck_assert(!valid_ifname("eth 0"));
	ck_assert(!valid_ifname("eth:0"));
	ck_assert(!valid_ifname("eth\x01"));

	ck_assert(valid_hostname("example.org"));
	ck_assert(valid_hostname("a"));
	ck_assert(valid_hostname("x-1.Example.ORG"));
	ck_assert(!valid_hostname("example.org."));
	ck_assert(!valid_hostname(".example.org"));
	ck_assert(!valid_hostname("a..b"));
	ck_assert(!valid_hostname("-a.org"));
	ck_assert(!valid_hostname("a-.org"));
	ck_assert(!valid_hostname("a_b.org"));
	ck_assert(!valid_hostname(""));
	char label[80], name[300];
	memset(label, 'a', 63);
	label[63] = '\0';
	ck_assert(valid_hostname(label));
	label[63] = 'a';
	label[64] = '\0';
	ck_assert(!valid_hostname(label));
	/* Four labels of 61 and one of 5, joined by dots: 253 bytes; then 254. */
	memset(name, 'a', sizeof(name));
	for (int i = 61; i < 250; i += 62)
		name[i] = '.';
	name[253] = '\0';
	ck_assert(valid_hostname(name));
	name[253] = 'a';
	name[254] = '\0';
	ck_assert(!valid_hostname(name));

	ck_assert(valid_user_name("root"));
	ck_assert(valid_user_name("_apt"));
	ck_assert(valid_user_name("build-1"));
	ck_assert(valid_user_name("host$"));
	ck_assert(valid_user_name("abcdefghijklmnopqrstuvwxyz012345"));
	ck_assert(!valid_user_name("abcdefghijklmnopqrstuvwxyz0123456"));
	ck_assert(!valid_user_name("Root"));
	ck_assert(!valid_user_name("1root"));
	ck_assert(!valid_user_name("-root"));
	ck_assert(!valid_user_name("ro$ot"));
	ck_assert(!valid_user_name("$"));
	ck_assert(!valid_user_name(""));

	ck_assert(valid_cni_network_name("mynet"));
	ck_assert(valid_cni_network_name("0.net_1-x"));
	ck_assert(!valid_cni_network_name("-net"));
	ck_assert(!valid_cni_network_name("_net"));
	ck_assert(!valid_cni_network_name("my net"));
	ck_assert(!valid_cni_network_name(""));

	ck_assert(valid_apparmor_profile("lxcri-default"));
	ck_assert(valid_apparmor_profile("unconfined"));
	ck_assert(valid_apparmor_profile("/usr/bin/foo"));
	ck_assert(valid_apparmor_profile("lxc-container-default-cgns+x:y"));
	ck_assert(!valid_apparmor_profile("a b"));
	ck_assert(!valid_apparmor_profile("a,b"));
	ck_assert(!valid_apparmor_profile(""));

	ck_assert(valid_fstype("nfs"));
	ck_assert(valid_fstype("fuse.sshfs"));
	ck_assert(valid_fstype("cgroup2"));
	ck_assert(!valid_fstype(""));
	ck_assert(!valid_fstype("a,b"));
	ck_assert(!valid_fstype("a;b"));
	ck_assert(!valid_fstype("a b"));
	ck_assert(!valid_fstype("a/b"));
	ck_assert(
	    !valid_fstype("0123456789012345678901234567890123456789012345678901234567890123"));

	ck_assert(valid_dns_option("ndots:2"));
	ck_assert(valid_dns_option("rotate"));
	ck_assert(valid_dns_option("single-request-reopen"));
	ck_assert(valid_dns_option("edns0"));
	ck_assert(!valid_dns_option("ndots:"));
	ck_assert(!valid_dns_option("ndots:x"));
	ck_assert(!valid_dns_option(":2"));
	ck_assert(!valid_dns_option("NDOTS:2"));
	ck_assert(!valid_dns_option("ndots:2:3"));
	ck_assert(!valid_dns_option(""));

	ck_assert(valid_annotation_key("com.example.gpu"));
	ck_assert(valid_annotation_key("io.kubernetes.cri/x_y-z"));
	ck_assert(!valid_annotation_key("a=b"));
	ck_assert(!valid_annotation_key("a b"));
	ck_assert(!valid_annotation_key(""));
}
END_TEST

START_TEST(test_selinux)
{
	const char *good[] = {
		"system_u:system_r:container_t",
		"system_u:system_r:container_t:s0",
		"system_u:system_r:container_t:s0:c10,c20",
		"system_u:system_r:container_t:s0-s0:c0.c1023",
		"system_u:system_r:container_t:s0:c0.c5,c7,c9.c12-s15:c0.c1023",
		"user.x:role_1:type.t:s1023:c1023",
	};
	const char *bad[] = {
		"",
		"system_u:system_r",
		"system_u:system_r:",
		"system_u::container_t",
		"system_u:system_r:container_t:",
		"system_u:system_r:container_t:s",
		"system_u:system_r:container_t:0",
		"system_u:system_r:container_t:s01",
		"system_u:system_r:container_t:s0:",
		"system_u:system_r:container_t:s0:c",
		"system_u:system_r:container_t:s0:c1024",
		"system_u:system_r:container_t:s1024",
		"system_u:system_r:container_t:s0:c5.c3",
		"system_u:system_r:container_t:s0:c1,",
		"system_u:system_r:container_t:s0:c1.",
		"system_u:system_r:container_t:s0-",
		"system_u:system_r:container_t:s0-s1-s2",
		"system_u:system_r:container_t:s0:c1:c2",
		"system-u:system_r:container_t:s0",
		"system_u:system_r:container_t:s0 ",
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		ck_assert_msg(valid_selinux_context(good[i]), "'%s'", good[i]);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(!valid_selinux_context(bad[i]), "'%s'", bad[i]);
}
END_TEST

START_TEST(test_paths_and_text)
{
	char long_path[PATH_MAX + 1];

	ck_assert(valid_absolute_path("/etc/lxcri/seccomp/docker-default.json"));
	ck_assert(valid_absolute_path("/"));
	ck_assert(valid_absolute_path("/a/..b/c.."));
	ck_assert(valid_absolute_path("/a/./b//c/"));
	ck_assert(!valid_absolute_path("etc/x.json"));
	ck_assert(!valid_absolute_path(""));
	ck_assert(!valid_absolute_path("/etc/../x"));
	ck_assert(!valid_absolute_path("/.."));
	ck_assert(!valid_absolute_path("/a/.."));
	ck_assert(!valid_absolute_path("/a/\x7f"));
	ck_assert(!valid_absolute_path("/a/\tb"));
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[PATH_MAX - 1] = '\0';
	ck_assert(valid_absolute_path(long_path));
	long_path[PATH_MAX - 1] = 'a';
	long_path[PATH_MAX] = '\0';
	ck_assert(!valid_absolute_path(long_path));

	ck_assert(valid_text(""));
	ck_assert(valid_text("all, a=b; spaces\tand tabs"));
	ck_assert(valid_text("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x90\xa7"));
	ck_assert(!valid_text("a\x01"));
	ck_assert(!valid_text("a\x7f"));
	ck_assert(!valid_text("a\r"));
	ck_assert(!valid_text("\xc3"));		    /* cut */
	ck_assert(!valid_text("\xc0\xaf"));	    /* overlong '/' */
	ck_assert(!valid_text("\xed\xa0\x80"));	    /* surrogate */
	ck_assert(!valid_text("\xf4\x90\x80\x80")); /* beyond U+10FFFF */
	ck_assert(!valid_text("\xc2\x85"));	    /* C1 control NEL */
	ck_assert(!valid_text("\xff"));
}
END_TEST

static Suite *valid_suite(void)
{
	Suite *s = suite_create("valid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_selinux);
	tcase_add_test(tc, test_paths_and_text);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(valid_suite)
