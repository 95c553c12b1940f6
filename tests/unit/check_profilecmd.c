/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include <dirent.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include "testutil.h"

#include "lib/shared/json.h"
#include "lib/basic/fileio.h"
#include "cli/profilecmd.h"
#include "seccompfilter.h"

/*
 * `lxcri seccomp set` on a simulated PVE node (a pve/lxc directory): the
 * profile it stores, compiled as LXC compiles it, must keep the protections
 * PVE gives the container, whatever the profile allows.
 *
 *   <dir>/pve/lxc/105.conf    PVE's config of the container
 *   <dir>/lxc/105/config      the LXC config PVE generated from it
 *   <dir>/src/profile.json    the profile set
 *   <dir>/pve/lxcri/seccomp/      what set stores (by digest)
 */
struct fixture {
	char *dir;
	struct lxcri_paths paths;
	char source[PATH_MAX];
	char pve_conf[PATH_MAX];
	char stored[PATH_MAX]; /* the store */
};

/* Allows keyctl, every ioctl, socket, umount2, open_by_handle_at and
 * init_module; every other call gets EOPNOTSUPP (95), an errno of no
 * protection of PVE's or LXC's. */
#define ALLOWING_PROFILE                                                                           \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 95,\n"                       \
	" \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"      \
	" \"syscalls\": [{\"names\": [\"keyctl\", \"ioctl\", \"socket\", \"umount2\",\n"           \
	"   \"open_by_handle_at\", \"init_module\", \"write\", \"exit_group\"],\n"                 \
	"   \"action\": \"SCMP_ACT_ALLOW\"}]}\n"

static void make_dir(const char *dir, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

static void fixture_init(struct fixture *f, const char *pve_conf, const char *profile)
{
	char path[PATH_MAX];

	*f = (struct fixture){ .dir = test_tmpdir() };
	test_paths_under(&f->paths, f->dir);
	for (const char *const *d = (const char *const[]){ "pve", "pve/lxc", "pve/lxcri", "etc",
							   "run", "lxc", "lxc/105", "src", NULL };
	     *d; d++)
		make_dir(f->dir, *d);
	/* pmxcfs's link to this node's directory: with quorum, its mode has the write bits. */
	snprintf(path, sizeof(path), "%s/pve/local", f->dir);
	ck_assert_int_eq(symlink("nodes/pve1", path), 0);
	snprintf(f->pve_conf, sizeof(f->pve_conf), "%s/pve/lxc/105.conf", f->dir);
	test_write_file(f->pve_conf, pve_conf);
	snprintf(path, sizeof(path), "%s/lxc/105/config", f->dir);
	test_write_file(path, "lxc.uts.name = ct105\n");
	snprintf(f->source, sizeof(f->source), "%s/src/profile.json", f->dir);
	test_write_file(f->source, profile);
	snprintf(f->stored, sizeof(f->stored), "%s/pve/lxcri/seccomp", f->dir);
}

static void fixture_done(struct fixture *f)
{
	test_rm_rf(f->dir);
	free(f->dir);
}

/* lxcri seccomp set 105 <source>: the stored profile. */
static char *set(struct fixture *f, bool accept_loss)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	char *text = NULL;
	int r = profilecmd_seccomp_set(&f->paths, "105", f->source, accept_loss, &conv, &ch, &err);

	ck_assert_msg(r == 0, "seccomp set: %d %s", r, err.message);
	ck_assert_msg(strncmp(ch.profile, f->stored, strlen(f->stored)) == 0, "%s", ch.profile);
	ck_assert_int_ge(fileio_read_file(ch.profile, 0, &text, NULL), 0);
	return text;
}

static uint32_t answer(const char *profile, const char *name, uint64_t a0, uint64_t a1)
{
	const uint64_t args[6] = { a0, a1, 0, 0, 0, 0 };

	return seccomp_filter_answer(profile, name, args);
}

#define BTRFS_IOC_SYNC 0x9408
#define TCGETS_REQUEST 0x5401

/* PVE gives an unprivileged container common.seccomp plus keyctl ENOSYS, btrfs ioctls EPERM and
 * AF_ALG EAFNOSUPPORT (rules.seccomp). A profile that allows them all keeps them all. */
START_TEST(test_set_unprivileged_keeps_pve_denials)
{
	_cleanup_free_ char *profile = NULL;
	struct fixture f;

	fixture_init(&f, "arch: amd64\nunprivileged: 1\n", ALLOWING_PROFILE);
	profile = set(&f, false);
	ck_assert_uint_eq(answer(profile, "keyctl", 0, 0), SCMP_ACT_ERRNO(38));
	ck_assert_uint_eq(answer(profile, "ioctl", 3, BTRFS_IOC_SYNC), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "ioctl", 3, 0x50009401), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "socket", AF_ALG, 0), SCMP_ACT_ERRNO(97));
	ck_assert_uint_eq(answer(profile, "umount2", 0, MNT_FORCE | MNT_DETACH),
			  SCMP_ACT_ERRNO(13));
	ck_assert_uint_eq(answer(profile, "open_by_handle_at", 0, 0), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "init_module", 0, 0), SCMP_ACT_ERRNO(1));
	/* What PVE does not deny stays allowed. */
	ck_assert_uint_eq(answer(profile, "ioctl", 3, TCGETS_REQUEST), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "ioctl", 3, 0x9300), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "socket", AF_UNIX, 0), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "umount2", 0, MNT_DETACH), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "write", 1, 0), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "mkdir", 0, 0), SCMP_ACT_ERRNO(95));
	fixture_done(&f);
}
END_TEST

/* A privileged one gets LXC's common.seccomp only: keyctl, ioctl and socket as the profile says. */
START_TEST(test_set_privileged_keeps_common_seccomp)
{
	_cleanup_free_ char *profile = NULL;
	struct fixture f;

	fixture_init(&f, "arch: amd64\nunprivileged: 0\nfeatures: nesting=1\n", ALLOWING_PROFILE);
	profile = set(&f, false);
	ck_assert_uint_eq(answer(profile, "open_by_handle_at", 0, 0), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "init_module", 0, 0), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "umount2", 0, MNT_FORCE), SCMP_ACT_ERRNO(13));
	ck_assert_uint_eq(answer(profile, "keyctl", 0, 0), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "ioctl", 3, BTRFS_IOC_SYNC), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "socket", AF_ALG, 0), SCMP_ACT_ALLOW);
	fixture_done(&f);
}
END_TEST

/* features keyctl=1 gives keyctl back to an unprivileged container; the rest stays. */
START_TEST(test_set_unprivileged_keyctl_feature)
{
	_cleanup_free_ char *profile = NULL;
	struct fixture f;

	fixture_init(&f, "arch: amd64\nfeatures: keyctl=1,nesting=1\nunprivileged: 1\n",
		     ALLOWING_PROFILE);
	profile = set(&f, false);
	ck_assert_uint_eq(answer(profile, "keyctl", 0, 0), SCMP_ACT_ALLOW);
	ck_assert_uint_eq(answer(profile, "ioctl", 3, BTRFS_IOC_SYNC), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "socket", AF_ALG, 0), SCMP_ACT_ERRNO(97));
	fixture_done(&f);
}
END_TEST

/* --accept-loss takes what LXC's format cannot say, never PVE's denials. */
START_TEST(test_set_accept_loss_keeps_pve_denials)
{
	_cleanup_free_ char *profile = NULL;
	struct fixture f;

	fixture_init(&f, "unprivileged: 1\n",
		     "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"mkdir\"], \"action\": \"SCMP_ACT_LOG\"}, {\"names\": [\"rmdir\"], "
		     "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 122}]}\n");
	profile = set(&f, true);
	ck_assert_uint_eq(answer(profile, "rmdir", 0, 0), SCMP_ACT_ERRNO(122));
	ck_assert_uint_eq(answer(profile, "keyctl", 0, 0), SCMP_ACT_ERRNO(38));
	ck_assert_uint_eq(answer(profile, "ioctl", 3, BTRFS_IOC_SYNC), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "socket", AF_ALG, 0), SCMP_ACT_ERRNO(97));
	ck_assert_uint_eq(answer(profile, "umount2", 0, MNT_FORCE), SCMP_ACT_ERRNO(13));
	ck_assert_uint_eq(answer(profile, "kexec_load", 0, 0), SCMP_ACT_ERRNO(1));
	ck_assert_uint_eq(answer(profile, "ioctl", 3, TCGETS_REQUEST), SCMP_ACT_ALLOW);
	fixture_done(&f);
}
END_TEST

/* set refuses without writing a thing: PVE's config missing, a bad value in it, a loss. */
START_TEST(test_set_refusals_write_nothing)
{
	static const struct {
		const char *pve_conf, *profile, *message;
		int r;
	} cases[] = {
		{ NULL, ALLOWING_PROFILE,
		  "/pve/lxc/105.conf' does not exist: create the container first", -ENOENT },
		{ "unprivileged: perhaps\n", ALLOWING_PROFILE,
		  "/pve/lxc/105.conf:1: unprivileged: 'perhaps' is not a boolean (0 or 1)",
		  -EINVAL },
		/* Stricter than PVE's unconditional keyctl rule, on a condition: it cannot stand.
		 */
		{ "unprivileged: 1\n",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		  "[\"SCMP_ARCH_X86_64\", "
		  "\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"syscalls\": [{\"names\": [\"keyctl\"], "
		  "\"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, "
		  "\"op\": \"SCMP_CMP_EQ\"}]}]}\n",
		  "profile.json: 1 thing of it cannot be set as it says (accept the loss to set it "
		  "anyway): 'keyctl kill [0,1,SCMP_CMP_EQ]' cannot stand beside PVE's 'keyctl "
		  "errno 38'",
		  -EOPNOTSUPP },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
		struct profilecmd_change ch;
		struct lxcri_error err = {};
		char path[PATH_MAX];
		struct fixture f;

		fixture_init(&f, cases[i].pve_conf ? cases[i].pve_conf : "", cases[i].profile);
		if (!cases[i].pve_conf)
			ck_assert_int_eq(unlink(f.pve_conf), 0);
		ck_assert_int_eq(
		    profilecmd_seccomp_set(&f.paths, "105", f.source, false, &conv, &ch, &err),
		    cases[i].r);
		ck_assert_msg(strstr(err.message, cases[i].message), "%s", err.message);
		ck_assert_int_eq(access(f.stored, F_OK), -1);
		snprintf(path, sizeof(path), "%s/pve/lxcri/105.conf", f.dir);
		ck_assert_int_eq(access(path, F_OK), -1);
		fixture_done(&f);
	}
}
END_TEST

/* A second container with the same source and kind: the same stored file, nothing more. */
START_TEST(test_set_same_profile_stored_once)
{
	_cleanup_free_ char *first = NULL, *second = NULL, *conf = NULL;
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
	struct profilecmd_change a, b;
	struct lxcri_error err = {};
	char path[PATH_MAX];
	struct fixture f;
	size_t n = 0;

	fixture_init(&f, "arch: amd64\n", ALLOWING_PROFILE);
	make_dir(f.dir, "lxc/106");
	snprintf(path, sizeof(path), "%s/pve/lxc/106.conf", f.dir);
	test_write_file(path, "arch: amd64\n");
	snprintf(path, sizeof(path), "%s/lxc/106/config", f.dir);
	test_write_file(path, "lxc.uts.name = ct106\n");
	ck_assert_int_eq(profilecmd_seccomp_set(&f.paths, "105", f.source, false, &conv, &a, &err),
			 0);
	seccompconv_result_done(&conv);
	ck_assert_int_eq(profilecmd_seccomp_set(&f.paths, "106", f.source, false, &conv, &b, &err),
			 0);
	ck_assert_str_eq(a.profile, b.profile);
	for (DIR *d = opendir(f.stored); d; d = (closedir(d), NULL))
		for (struct dirent *de; (de = readdir(d));)
			n += de->d_name[0] != '.';
	ck_assert_uint_eq(n, 2); /* the profile and the source copy */
	snprintf(path, sizeof(path), "%s/pve/lxcri/106.conf", f.dir);
	ck_assert_int_ge(fileio_read_file(path, 0, &conf, NULL), 0);
	snprintf(path, sizeof(path), "seccomp-sha256: %.64s\n", strrchr(a.profile, '/') + 1);
	ck_assert_msg(strstr(conf, path), "'%s' not in '%s'", path, conf);
	fixture_done(&f);
}
END_TEST

/* A file over pmxcfs's 1 MiB: refused before anything is written, naming it and both sizes. */
START_TEST(test_set_over_pmxcfs_limit)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
	_cleanup_free_ char *big = NULL;
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	char path[PATH_MAX];
	struct fixture f;
	size_t len = 0;
	FILE *m;

	fixture_init(&f, "arch: amd64\n", ALLOWING_PROFILE);
	/* The source copy would not fit: a profile padded with 1.1 MB of blanks. */
	m = open_memstream(&big, &len);
	ck_assert_ptr_nonnull(m);
	fputs(ALLOWING_PROFILE, m);
	for (int i = 0; i < 1100000; i++)
		fputc(' ', m);
	ck_assert_int_eq(fclose(m), 0);
	test_write_file(f.source, big);
	ck_assert_int_eq(profilecmd_seccomp_set(&f.paths, "105", f.source, true, &conv, &ch, &err),
			 -EFBIG);
	ck_assert_msg(strstr(err.message, "bytes; /etc/pve (pmxcfs) holds files of at most 1048576 "
					  "bytes") &&
			  strstr(err.message, "/pve/lxcri/seccomp/"),
		      "%s", err.message);
	ck_assert_int_eq(access(f.stored, F_OK), -1);
	snprintf(path, sizeof(path), "%s/pve/lxcri/105.conf", f.dir);
	ck_assert_int_eq(access(path, F_OK), -1);
	fixture_done(&f);
}
END_TEST

/* export 105 | import 106: the same config and files, 106's raw keys; a changed file refused. */
START_TEST(test_export_import)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result conv = {};
	_cleanup_(profilecmd_import_done) struct profilecmd_import res = {};
	_cleanup_json_ struct json_object *doc = NULL, *again = NULL;
	_cleanup_free_ char *a = NULL, *pve = NULL, *bad = NULL;
	char *p;
	struct profilecmd_change ch;
	struct lxcri_error err = {};
	char path[PATH_MAX], stored[PATH_MAX + 32];
	struct fixture f;

	fixture_init(&f, "arch: amd64\n", ALLOWING_PROFILE);
	make_dir(f.dir, "lxc/106");
	snprintf(path, sizeof(path), "%s/pve/lxc/106.conf", f.dir);
	test_write_file(path, "arch: amd64\n");
	snprintf(path, sizeof(path), "%s/lxc/106/config", f.dir);
	test_write_file(path, "lxc.uts.name = ct106\n");
	ck_assert_int_eq(profilecmd_seccomp_set(&f.paths, "105", f.source, false, &conv, &ch, &err),
			 0);
	snprintf(stored, sizeof(stored), "lxc.seccomp.profile: %s\n", ch.profile);
	ck_assert_int_eq(profilecmd_apparmor_set(&f.paths, "105", "profile=generated", &ch, &err),
			 0);
	ck_assert_int_eq(profilecmd_export(&f.paths, "105", &doc, &err), 0);
	a = strdup(json_object_to_json_string(doc));

	/* Tampered with: nothing written. */
	bad = strdup(a);
	p = strstr(bad, "kexec");
	ck_assert_ptr_nonnull(p);
	p[0] = 'K';
	ck_assert_int_eq(profilecmd_import(&f.paths, "106", bad, strlen(bad), false, &res, &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.message, "does not have the digest it is named by"), "%s",
		      err.message);
	snprintf(path, sizeof(path), "%s/pve/lxcri/106.conf", f.dir);
	ck_assert_int_eq(access(path, F_OK), -1);

	ck_assert_int_eq(profilecmd_import(&f.paths, "106", a, strlen(a), false, &res, &err), 0);
	ck_assert_int_eq(profilecmd_export(&f.paths, "106", &again, &err), 0);
	json_object_object_del(again, "id");
	json_object_object_del(doc, "id");
	json_object_object_del(again, "lxc_keys");
	json_object_object_del(doc, "lxc_keys");
	ck_assert_str_eq(json_object_to_json_string(again), json_object_to_json_string(doc));
	snprintf(path, sizeof(path), "%s/pve/lxc/106.conf", f.dir);
	ck_assert_int_ge(fileio_read_file(path, 0, &pve, NULL), 0);
	ck_assert_msg(strstr(pve, "lxc.apparmor.profile: lxcri-ct-106\n") && strstr(pve, stored),
		      "%s", pve);
	/* Again: 106 has a config now. */
	ck_assert_int_eq(profilecmd_import(&f.paths, "106", a, strlen(a), false, &res, &err),
			 -EEXIST);
	ck_assert_msg(strstr(err.message, "CT 106 has an lxcri config (--force replaces it)"), "%s",
		      err.message);
	profilecmd_import_done(&res);
	ck_assert_int_eq(profilecmd_import(&f.paths, "106", a, strlen(a), true, &res, &err), 0);
	fixture_done(&f);
}
END_TEST

static Suite *profilecmd_suite(void)
{
	Suite *s = suite_create("profilecmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_set_unprivileged_keeps_pve_denials);
	tcase_add_test(tc, test_set_privileged_keeps_common_seccomp);
	tcase_add_test(tc, test_set_unprivileged_keyctl_feature);
	tcase_add_test(tc, test_set_accept_loss_keeps_pve_denials);
	tcase_add_test(tc, test_set_refusals_write_nothing);
	tcase_add_test(tc, test_set_same_profile_stored_once);
	tcase_add_test(tc, test_set_over_pmxcfs_limit);
	tcase_add_test(tc, test_export_import);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(profilecmd_suite)
