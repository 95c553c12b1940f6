/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include "testutil.h"

#include "atomicfile.h"
#include "profilecmd.h"
#include "seccompfilter.h"

/*
 * `lxcri seccomp set` on a simulated PVE node (a pve/lxc directory): the
 * profile it stores, compiled as LXC compiles it, must keep the protections
 * PVE gives the container, whatever the profile allows.
 *
 *   <dir>/pve/lxc/105.conf    PVE's config of the container
 *   <dir>/lxc/105/config      the LXC config PVE generated from it
 *   <dir>/src/profile.json    the profile set
 *   <dir>/pve/lxcri/105.seccomp   what set stores
 */
struct fixture {
	char *dir;
	struct lxcri_paths paths;
	char source[PATH_MAX];
	char pve_conf[PATH_MAX];
	char stored[PATH_MAX];
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
	snprintf(f->paths.pve_dir, sizeof(f->paths.pve_dir), "%s/pve", f->dir);
	snprintf(f->paths.etc_dir, sizeof(f->paths.etc_dir), "%s/etc", f->dir);
	snprintf(f->paths.run_dir, sizeof(f->paths.run_dir), "%s/run", f->dir);
	snprintf(f->paths.lxc_path, sizeof(f->paths.lxc_path), "%s/lxc", f->dir);
	snprintf(f->paths.lxc_config_dir, sizeof(f->paths.lxc_config_dir), "%s/lxcconf", f->dir);
	snprintf(f->paths.pve_lock_dir, sizeof(f->paths.pve_lock_dir), "%s/locks", f->dir);
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
	snprintf(f->stored, sizeof(f->stored), "%s/pve/lxcri/105.seccomp", f->dir);
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
	ck_assert_int_ge(read_file(f->stored, 0, &text, NULL), 0);
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

static Suite *profilecmd_suite(void)
{
	Suite *s = suite_create("profilecmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_set_unprivileged_keeps_pve_denials);
	tcase_add_test(tc, test_set_privileged_keeps_common_seccomp);
	tcase_add_test(tc, test_set_unprivileged_keyctl_feature);
	tcase_add_test(tc, test_set_accept_loss_keeps_pve_denials);
	tcase_add_test(tc, test_set_refusals_write_nothing);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(profilecmd_suite)
