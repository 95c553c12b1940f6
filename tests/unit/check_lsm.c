/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp, seccomp-sha256, apparmor, selinux keys of the per-container config
 * (lib/config/lsm.c). */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "configtest.h"
#include "testutil.h"

static const struct bad_input bad_inputs[] = {
	/* seccomp, apparmor, selinux */
	{ "seccomp: etc/lxcri/x.json", 1,
	  "Invalid value 'etc/lxcri/x.json' for 'seccomp': expected an absolute path" },
	{ "seccomp: /etc/lxcri/../x.json", 1,
	  "Invalid value '/etc/lxcri/../x.json' for 'seccomp'" },
	{ "seccomp: /etc/x\x7f", 1, "'/etc/x\\x7f'" },
	{ "seccomp: /x.json\nseccomp-sha256: 0123", 2,
	  "Invalid value '0123' for 'seccomp-sha256': expected the 64 lowercase hex digits" },
	{ "seccomp: /x.json\nseccomp-sha256: "
	  "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	  2, "expected the 64 lowercase hex digits of a sha256 digest" },
	{ "# no source\nseccomp-sha256: "
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	  2, "t.conf:2: 'seccomp-sha256' without 'seccomp'" },
	{ "apparmor: lxcri-default", 1, "Missing '=' in property 'lxcri-default' in 'apparmor'" },
	{ "apparmor: profile=a b", 1, "Invalid value 'a b' for 'profile' in 'apparmor'" },
	{ "apparmor: name=x", 1, "Unknown property 'name' in 'apparmor'" },
	{ "apparmor: profile=lxcri-default,nesting=1", 1,
	  "t.conf:1: Invalid value '1' for 'nesting' in 'apparmor': only valid with "
	  "profile=generated" },
	{ "# x\napparmor: profile=unconfined,mount=nfs", 2,
	  "t.conf:2: Invalid value 'nfs' for 'mount' in 'apparmor': only valid with "
	  "profile=generated" },
	{ "apparmor: profile=generated,nesting=yes", 1,
	  "Invalid value 'yes' for 'nesting' in 'apparmor': expected 0 or 1" },
	{ "apparmor: profile=generated,mount=nfs;;cifs", 1,
	  "Invalid value 'nfs;;cifs' for 'mount' in 'apparmor': an element of the ';' list is "
	  "empty" },
	{ "apparmor: profile=generated,mount=nfs;a/b", 1,
	  "Invalid value 'a/b' for 'mount' in 'apparmor': expected a file system type" },
	{ "apparmor: profile=generated,mount=nfs;nfs", 1,
	  "Invalid value 'nfs' for 'mount' in 'apparmor': listed twice" },
	{ "apparmor: profile=generated,mount=a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q;r;s;t;u;v;w;x;y;z;"
	  "a1;b1;c1;d1;e1;f1;g1",
	  1, "at most 32 file system types" },
	{ "selinux: system_u:system_r:container_t:s0:c1024", 1,
	  "Invalid value 'system_u:system_r:container_t:s0:c1024' for 'selinux'" },
	{ "selinux: system_u:system_r:container_t:s0:c20.c10", 1,
	  "'system_u:system_r:container_t:s0:c20.c10'" },
	{ "selinux: system_u:system_r", 1, "Invalid value 'system_u:system_r' for 'selinux'" },
	{ "selinux: system_u:system_r:container_t:x0", 1, "'system_u:system_r:container_t:x0'" },
};

BAD_INPUT_TEST(bad_inputs)

START_TEST(test_apparmor_options)
{
	_cleanup_config_ struct config *a =
	    parse_ok("apparmor: mount=nfs;fuse.sshfs,nesting=1,profile=generated\n");
	_cleanup_config_ struct config *b =
	    parse_ok("apparmor: profile=generated,nesting=1,mount=nfs;fuse.sshfs\n");
	_cleanup_config_ struct config *c = parse_ok("apparmor: profile=generated,nesting=0\n");
	_cleanup_free_ char *text = NULL;

	ck_assert_str_eq(a->lsm.apparmor_profile, "generated");
	ck_assert(a->lsm.apparmor_nesting);
	ck_assert_str_eq(a->lsm.apparmor_mounts[0], "nfs");
	ck_assert_str_eq(a->lsm.apparmor_mounts[1], "fuse.sshfs");
	ck_assert_ptr_null(a->lsm.apparmor_mounts[2]);
	ck_assert_uint_eq(a->lsm.apparmor_line, 1);
	ck_assert(config_equal(a, b));
	ck_assert_int_eq(config_format(a, &text), 0);
	ck_assert_str_eq(text, "apparmor: profile=generated,nesting=1,mount=nfs;fuse.sshfs\n");
	ck_assert(!c->lsm.apparmor_nesting);
	ck_assert_ptr_null(c->lsm.apparmor_mounts);
	ck_assert(!config_equal(a, c));
	b->lsm.apparmor_nesting = false;
	ck_assert(!config_equal(a, b));
	b->lsm.apparmor_nesting = true;
	b->lsm.apparmor_mounts[1][0] = 'g';
	ck_assert(!config_equal(a, b));
}
END_TEST

START_TEST(test_equal)
{
	static const char text[] =
	    "seccomp: /etc/lxcri/seccomp/a.json\n"
	    "seccomp-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
	    "apparmor: profile=generated,nesting=1,mount=nfs\n"
	    "selinux: system_u:system_r:container_t:s0\n";
	_cleanup_config_ struct config *a = parse_ok(text), *b = parse_ok(text);
	struct config_lsm *l = &b->lsm;

	ASSERT_EQUAL_SEES(a, b, l->seccomp[1] = 'E', l->seccomp[1] = 'e');
	ASSERT_EQUAL_SEES(a, b, l->seccomp_sha256[0] = 'f', l->seccomp_sha256[0] = 'e');
	ASSERT_EQUAL_SEES(a, b, l->apparmor_profile[0] = 'G', l->apparmor_profile[0] = 'g');
	ASSERT_EQUAL_SEES(a, b, l->apparmor_nesting = false, l->apparmor_nesting = true);
	ASSERT_EQUAL_SEES(a, b, l->apparmor_mounts[0][0] = 'N', l->apparmor_mounts[0][0] = 'n');
	ASSERT_EQUAL_SEES(a, b, l->selinux[0] = 'S', l->selinux[0] = 's');
}
END_TEST

/* The digest only ever comes with the profile it names. */
START_TEST(test_sha256_needs_seccomp)
{
	static const char text[] =
	    "# stored by lxcri seccomp set\n"
	    "seccomp-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
	    "selinux: system_u:system_r:container_t:s0\n";

	parse_fails(text, strlen(text), 2, "'seccomp-sha256' without 'seccomp'");
}
END_TEST

START_TEST(test_round_trip)
{
	assert_round_trip(
	    "seccomp: /a b.json\n"
	    "seccomp-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
	assert_round_trip("apparmor: profile=generated\n");
	assert_round_trip("apparmor: profile=generated,nesting=1\n");
	assert_round_trip("apparmor: profile=generated,nesting=0,mount=nfs\n");
	assert_round_trip("apparmor: mount=nfs;cifs;fuse.sshfs,nesting=1,profile=generated\n");
	assert_round_trip("apparmor: profile=unconfined\nselinux: u:r:t\n");
}
END_TEST

/* The apparmor value, as `lxcri apparmor show` and the formatter write it. */
START_TEST(test_apparmor_value)
{
	_cleanup_config_ struct config *c =
	    parse_ok("apparmor: mount=cifs;nfs,profile=generated,nesting=1\n");
	_cleanup_config_ struct config *none = parse_ok("");
	char buf[CONFIG_APPARMOR_VALUE_MAX], small[20];

	ck_assert_int_eq(lsm_apparmor_value(&c->lsm, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "profile=generated,nesting=1,mount=cifs;nfs");
	ck_assert_int_eq(lsm_apparmor_value(&c->lsm, small, sizeof(small)), -ENAMETOOLONG);
	ck_assert_int_eq(lsm_apparmor_value(&none->lsm, buf, sizeof(buf)), -ENOENT);
}
END_TEST

static Suite *lsm_suite(void)
{
	Suite *s = suite_create("lsm");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)ELEMENTSOF(bad_inputs));
	tcase_add_test(tc, test_apparmor_options);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_sha256_needs_seccomp);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_apparmor_value);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(lsm_suite)
