/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/socket.h>

#include "testutil.h"

#include "seccompfilter.h"
#include "lib/lsm/seccompkeep.h"

#define HEAD                                                                                       \
	"2\nallowlist errno 95\n# lxcri: converted from a docker profile for x86_64\n[x86_64]\n"
#define DENYLIST                                                                                   \
	"2\ndenylist\n# lxcri: converted from a runtime-spec profile for x86_64\n[x86_64]\n"
#define ERRNO(e)  SCMP_ACT_ERRNO(e)
#define ALLOW	  SCMP_ACT_ALLOW
#define IOC_BTRFS 0x9408 /* BTRFS_IOC_SYNC */

static const struct seccompkeep_container lxc = { .kind = SECCOMPKEEP_LXC };
static const struct seccompkeep_container unprivileged = { .kind = SECCOMPKEEP_PVE_UNPRIVILEGED };

/* profile with the protections of ct kept; no losses unless expected. */
static char *kept(const char *profile, const struct seccompkeep_container *ct, size_t losses)
{
	struct seccompkeep_result res = {};
	struct lxcri_error err = {};
	char *text;
	int r = seccompkeep_apply(profile, ct, &res, &err);

	ck_assert_msg(r == 0, "%d: %s", r, err.message);
	ck_assert_msg(res.n_losses == losses, "%zu losses, first: %s", res.n_losses,
		      res.n_losses ? res.losses[0] : "");
	text = TAKE_PTR(res.profile);
	seccompkeep_result_done(&res);
	return text;
}

static uint32_t ask(const struct seccomp_filter_prog *prog, const char *name, uint64_t a0,
		    uint64_t a1)
{
	const uint64_t args[6] = { a0, a1, 0, 0, 0, 0 };

	return seccomp_filter_eval(prog, name, args);
}

static uint32_t ask_profile(const char *profile, const char *name, uint64_t a0, uint64_t a1)
{
	const uint64_t args[6] = { a0, a1, 0, 0, 0, 0 };

	return seccomp_filter_answer(profile, name, args);
}

/*
 * Why a kept denial cannot simply be appended: libseccomp lets an
 * unconditional rule of a call override its conditional ones, before or
 * after it. "ioctl allow" beside PVE's btrfs rule lets btrfs ioctls through.
 */
START_TEST(test_libseccomp_unconditional_rule_wins)
{
	ck_assert_uint_eq(
	    ask_profile(HEAD "ioctl allow\nioctl errno 1 [1,37888,SCMP_CMP_MASKED_EQ,65280]\n",
			"ioctl", 3, IOC_BTRFS),
	    ALLOW);
	ck_assert_uint_eq(
	    ask_profile(HEAD "ioctl errno 1 [1,37888,SCMP_CMP_MASKED_EQ,65280]\nioctl allow\n",
			"ioctl", 3, IOC_BTRFS),
	    ALLOW);
	/* Two unconditional ones: the first stands. */
	ck_assert_uint_eq(ask_profile(HEAD "keyctl allow\nkeyctl errno 38\n", "keyctl", 0, 0),
			  ALLOW);
	ck_assert_uint_eq(ask_profile(HEAD "keyctl errno 38\nkeyctl allow\n", "keyctl", 0, 0),
			  ERRNO(38));
}
END_TEST

/* A denylist profile (default allow): every protection is a rule at the end, saying where from. */
START_TEST(test_apply_denylist_text)
{
	_cleanup_free_ char *text = kept(DENYLIST "mkdir errno 122\n", &lxc, 0);

	ck_assert_str_eq(text, DENYLIST
			 "mkdir errno 122\n"
			 "# lxcri: kept for lxc: LXC's common.seccomp, which this profile "
			 "replaces (a container on plain LXC)\n"
			 "# lxcri: from LXC's common.seccomp (LXC and PVE give it to every "
			 "container)\n"
			 "umount2 errno 13 [1,1,SCMP_CMP_MASKED_EQ,1]\n"
			 "kexec_load errno 1\n"
			 "open_by_handle_at errno 1\n"
			 "init_module errno 1\n"
			 "finit_module errno 1\n"
			 "delete_module errno 1\n");
	free(text);
	text = kept(DENYLIST "mkdir errno 122\n", &unprivileged, 0);
	ck_assert_ptr_nonnull(strstr(text, "delete_module errno 1\n"
					   "# lxcri: from PVE's rules.seccomp (for unprivileged "
					   "containers)\n"
					   "keyctl errno 38\n"
					   "ioctl errno 1 [1,37888,SCMP_CMP_MASKED_EQ,65280]\n"
					   "socket errno 97 [0,38,SCMP_CMP_EQ]\n"));
}
END_TEST

/* Each kind keeps its own: features keyctl=1 takes keyctl out, privileged ones keep LXC's only. */
START_TEST(test_apply_kinds)
{
	static const struct {
		enum seccompkeep_kind kind;
		bool keyctl, ioctl;
	} cases[] = {
		{ SECCOMPKEEP_LXC, false, false },
		{ SECCOMPKEEP_PVE_PRIVILEGED, false, false },
		{ SECCOMPKEEP_PVE_UNPRIVILEGED, true, true },
		{ SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL, false, true },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct seccompkeep_container ct = { .kind = cases[i].kind };
		_cleanup_free_ char *text = kept(DENYLIST, &ct, 0);
		struct seccomp_filter_prog prog = seccomp_filter_compile(text);

		ck_assert_uint_eq(ask(&prog, "keyctl", 0, 0), cases[i].keyctl ? ERRNO(38) : ALLOW);
		ck_assert_uint_eq(ask(&prog, "ioctl", 3, IOC_BTRFS),
				  cases[i].ioctl ? ERRNO(1) : ALLOW);
		ck_assert_uint_eq(ask(&prog, "socket", AF_ALG, 0),
				  cases[i].ioctl ? ERRNO(97) : ALLOW);
		ck_assert_uint_eq(ask(&prog, "open_by_handle_at", 0, 0), ERRNO(1));
		ck_assert_uint_eq(ask(&prog, "umount2", 0, 1), ERRNO(13));
		ck_assert_uint_eq(ask(&prog, "umount2", 0, 2), ALLOW);
		free(prog.insns);
	}
}
END_TEST

/* "ioctl allow" becomes eight rules, one per bit of 0xff00: every ioctl but 0x94xx is allowed. */
START_TEST(test_apply_narrows_unconditional_allow)
{
	_cleanup_free_ char *text = kept(HEAD "ioctl allow\nread allow\n", &unprivileged, 0);
	struct seccomp_filter_prog prog = seccomp_filter_compile(text);

	ck_assert_ptr_nonnull(strstr(text, "# lxcri: narrowed for PVE's 'ioctl errno 1 "
					   "[1,37888,SCMP_CMP_MASKED_EQ,65280]', was: ioctl allow\n"
					   "ioctl allow [1,256,SCMP_CMP_MASKED_EQ,256]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nioctl allow [1,0,SCMP_CMP_MASKED_EQ,32768]\n"));
	for (uint64_t type = 0; type < 256; type++) {
		/* Other bits of the request, the high half of the register too, change nothing. */
		uint64_t request = (type << 8) | 0x40040001 | (UINT64_C(0xdead) << 40);

		ck_assert_uint_eq(ask(&prog, "ioctl", 3, request), type == 0x94 ? ERRNO(1) : ALLOW);
	}
	ck_assert_uint_eq(ask(&prog, "read", 0, 0), ALLOW);
	ck_assert_uint_eq(ask(&prog, "write", 0, 0), ERRNO(95));
	free(prog.insns);
}
END_TEST

/* Docker's socket rules: allows whose condition on the domain is a "!=", narrowed exactly. */
START_TEST(test_apply_narrows_docker_socket_rules)
{
	_cleanup_free_ char *text =
	    kept(HEAD "socket errno 22 [0,16,SCMP_CMP_EQ] [2,9,SCMP_CMP_EQ]\n"
		      "socket allow [2,9,SCMP_CMP_NE]\n"
		      "socket allow [0,16,SCMP_CMP_NE]\n",
		 &unprivileged, 0);
	struct seccomp_filter_prog prog = seccomp_filter_compile(text);
	const uint64_t huge[] = { UINT64_MAX, UINT64_MAX - 1, UINT64_C(1) << 63,
				  38 + (UINT64_C(1) << 32) };

	for (uint64_t domain = 0; domain < 80; domain++) {
		const uint64_t audit[6] = { domain, 3, 9 }, other[6] = { domain, 3, 0 };
		uint32_t want = domain == AF_ALG ? ERRNO(97) : ALLOW;

		ck_assert_uint_eq(seccomp_filter_eval(&prog, "socket", other), want);
		ck_assert_uint_eq(seccomp_filter_eval(&prog, "socket", audit),
				  domain == 16 ? ERRNO(22) : want);
	}
	for (size_t i = 0; i < ELEMENTSOF(huge); i++)
		ck_assert_uint_eq(ask(&prog, "socket", huge[i], 0), ALLOW);
	free(prog.insns);
}
END_TEST

/* Conditions on the argument PVE's rule looks at: inside it, beside it, across it. */
START_TEST(test_apply_narrows_conditions_on_the_same_argument)
{
	_cleanup_free_ char *text =
	    kept(HEAD "ioctl allow [1,21505,SCMP_CMP_EQ]\n"		    /* TCGETS: beside */
		      "ioctl allow [1,37897,SCMP_CMP_EQ]\n"		    /* 0x9409: inside */
		      "ioctl allow [1,36864,SCMP_CMP_MASKED_EQ,61440]\n"    /* 0x9xxx: across */
		      "socket allow [0,40,SCMP_CMP_LT]\n"		    /* across */
		      "socket allow [0,30,SCMP_CMP_GE]\n"		    /* across */
		      "socket allow [0,5,SCMP_CMP_EQ] [1,1,SCMP_CMP_EQ]\n", /* beside */
		 &unprivileged, 0);
	struct seccomp_filter_prog prog = seccomp_filter_compile(text);

	ck_assert_ptr_nonnull(strstr(text, "\nioctl allow [1,21505,SCMP_CMP_EQ]\n"));
	ck_assert_ptr_nonnull(strstr(text, "# lxcri: left out for PVE's 'ioctl errno 1 "
					   "[1,37888,SCMP_CMP_MASKED_EQ,65280]', was: ioctl allow "
					   "[1,37897,SCMP_CMP_EQ]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsocket allow [0,5,SCMP_CMP_EQ] [1,1,SCMP_CMP_EQ]\n"));
	for (uint64_t request = 0x8f00; request < 0xa100; request += 0x11)
		ck_assert_uint_eq(ask(&prog, "ioctl", 3, request),
				  (request & 0xff00) == 0x9400			     ? ERRNO(1)
				  : (request & 0xf000) == 0x9000 || request == 21505 ? ALLOW
										     : ERRNO(95));
	ck_assert_uint_eq(ask(&prog, "ioctl", 3, 21505), ALLOW);
	for (uint64_t domain = 0; domain < 64; domain++)
		ck_assert_uint_eq(ask(&prog, "socket", domain, 0),
				  domain == AF_ALG ? ERRNO(97) : ALLOW);
	ck_assert_uint_eq(ask(&prog, "socket", UINT64_MAX, 0), ALLOW);
	free(prog.insns);
}
END_TEST

/* What cannot be narrowed to leave PVE's calls out is left out, and said to be a loss. */
START_TEST(test_apply_loss_when_it_cannot_narrow)
{
	struct seccompkeep_result res = {};
	struct lxcri_error err = {};
	struct seccomp_filter_prog prog;

	ck_assert_int_eq(seccompkeep_apply(HEAD "ioctl allow [1,37000,SCMP_CMP_GT]\n",
					   &unprivileged, &res, &err),
			 0);
	ck_assert_uint_eq(res.n_losses, 1);
	ck_assert_str_eq(
	    res.losses[0],
	    "'ioctl allow [1,37000,SCMP_CMP_GT]': its condition on argument 1 cannot be "
	    "narrowed to leave out what PVE's 'ioctl errno 1 "
	    "[1,37888,SCMP_CMP_MASKED_EQ,65280]' denies: left out, the calls it "
	    "allows get the default action");
	prog = seccomp_filter_compile(res.profile);
	ck_assert_uint_eq(ask(&prog, "ioctl", 3, IOC_BTRFS), ERRNO(1));
	ck_assert_uint_eq(ask(&prog, "ioctl", 3, 40000), ERRNO(95));
	free(prog.insns);
	seccompkeep_result_done(&res);
}
END_TEST

/* An unconditional kept denial: what the profile allows goes, what it denies more strictly stays.
 */
START_TEST(test_apply_unconditional_denial)
{
	_cleanup_free_ char *text = kept(HEAD "keyctl allow\n"
					      "kexec_load kill\n"
					      "open_by_handle_at errno 1\n"
					      "init_module allow [0,0,SCMP_CMP_EQ]\n",
					 &unprivileged, 0);
	struct seccomp_filter_prog prog = seccomp_filter_compile(text);

	ck_assert_uint_eq(ask(&prog, "keyctl", 0, 0), ERRNO(38));
	ck_assert_uint_eq(ask(&prog, "kexec_load", 0, 0), SCMP_ACT_KILL);
	ck_assert_uint_eq(ask(&prog, "open_by_handle_at", 0, 0), ERRNO(1));
	ck_assert_uint_eq(ask(&prog, "init_module", 0, 0), ERRNO(1));
	ck_assert_uint_eq(ask(&prog, "init_module", 1, 0), ERRNO(1));
	ck_assert_uint_eq(ask(&prog, "delete_module", 0, 0), ERRNO(1));
	ck_assert_ptr_nonnull(strstr(text,
				     "\n# lxcri: kept by the profile's own 'kexec_load kill': "
				     "kexec_load errno 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "\n# lxcri: kept by the profile's own 'open_by_handle_at "
				     "errno 1': open_by_handle_at errno 1\n"));
	/* Each once: the profile's own rule is not repeated. */
	ck_assert_ptr_null(strstr(strstr(text, "# lxcri: kept for"), "\nopen_by_handle_at errno"));
	free(prog.insns);
}
END_TEST

/* Where the default action denies as much (or more), no rule is written: libseccomp refuses one. */
START_TEST(test_apply_default_action_covers)
{
	_cleanup_free_ char *text =
	    kept("2\nallowlist errno 1\n[x86_64]\nkeyctl allow [0,1,SCMP_CMP_EQ]\nread allow\n",
		 &unprivileged, 0);
	_cleanup_free_ char *killing =
	    kept("2\nallowlist kill\n[x86_64]\nkeyctl allow [0,1,SCMP_CMP_EQ]\nioctl allow\n",
		 &unprivileged, 0);
	struct seccomp_filter_prog prog = seccomp_filter_compile(text),
				   kill = seccomp_filter_compile(killing);

	ck_assert_ptr_nonnull(strstr(text, "\n# lxcri: kept by the default action (errno 1): "
					   "open_by_handle_at errno 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nkeyctl errno 38\n"));
	ck_assert_uint_eq(ask(&prog, "keyctl", 1, 0), ERRNO(38));
	ck_assert_uint_eq(ask(&prog, "keyctl", 2, 0), ERRNO(38));
	ck_assert_uint_eq(ask(&prog, "ioctl", 3, IOC_BTRFS), ERRNO(1));
	/*
	 * A default that kills: what the profile allows and PVE denies gets PVE's
	 * errno (the stricter of the two), what the profile kills stays killed.
	 */
	ck_assert_uint_eq(ask(&kill, "keyctl", 1, 0), ERRNO(38));
	ck_assert_uint_eq(ask(&kill, "keyctl", 2, 0), SCMP_ACT_KILL);
	ck_assert_uint_eq(ask(&kill, "ioctl", 3, IOC_BTRFS), ERRNO(1));
	ck_assert_uint_eq(ask(&kill, "ioctl", 3, 0x5401), ALLOW);
	ck_assert_uint_eq(ask(&kill, "socket", AF_ALG, 0), SCMP_ACT_KILL);
	free(prog.insns);
	free(kill.insns);
}
END_TEST

/*
 * A default stricter than the kept denial: the calls the profile allows and
 * PVE's conditional rule denies get PVE's errno, the rest of them the default.
 */
START_TEST(test_apply_stricter_default_conditional)
{
	struct seccompkeep_result res = {};
	struct lxcri_error err = {};
	struct seccomp_filter_prog prog;
	_cleanup_free_ char *text = kept("2\nallowlist kill\n[x86_64]\n"
					 "socket allow [2,0,SCMP_CMP_EQ]\n"
					 "socket allow [0,38,SCMP_CMP_EQ] [2,7,SCMP_CMP_EQ]\n",
					 &unprivileged, 0);

	prog = seccomp_filter_compile(text);
	ck_assert_ptr_nonnull(
	    strstr(text, "\nsocket errno 97 [2,0,SCMP_CMP_EQ] [0,38,SCMP_CMP_EQ]\n"));
	{
		const uint64_t alg0[6] = { AF_ALG, 5, 0 }, inet0[6] = { 2, 1, 0 },
			       alg7[6] = { AF_ALG, 5, 7 }, inet7[6] = { 2, 1, 7 };

		ck_assert_uint_eq(seccomp_filter_eval(&prog, "socket", alg0), ERRNO(97));
		ck_assert_uint_eq(seccomp_filter_eval(&prog, "socket", inet0), ALLOW);
		ck_assert_uint_eq(seccomp_filter_eval(&prog, "socket", alg7), ERRNO(97));
		ck_assert_uint_eq(seccomp_filter_eval(&prog, "socket", inet7), SCMP_ACT_KILL);
	}
	free(prog.insns);
	/* Across PVE's condition on the same argument: that part cannot be told apart, a loss. */
	ck_assert_int_eq(
	    seccompkeep_apply("2\nallowlist kill\n[x86_64]\nsocket allow [0,40,SCMP_CMP_LT]\n",
			      &unprivileged, &res, &err),
	    0);
	ck_assert_uint_eq(res.n_losses, 1);
	ck_assert_str_eq(res.losses[0],
			 "'socket allow [0,40,SCMP_CMP_LT]': the calls of it that PVE's "
			 "'socket errno 97 [0,38,SCMP_CMP_EQ]' denies cannot be told "
			 "apart on argument 0: they get the default action (kill), not "
			 "errno 97");
	prog = seccomp_filter_compile(res.profile);
	ck_assert_uint_eq(ask(&prog, "socket", AF_ALG, 0), SCMP_ACT_KILL);
	ck_assert_uint_eq(ask(&prog, "socket", 39, 0), ALLOW);
	ck_assert_uint_eq(ask(&prog, "socket", 40, 0), SCMP_ACT_KILL);
	free(prog.insns);
	seccompkeep_result_done(&res);
}
END_TEST

/*
 * A stricter conditional rule beside an unconditional kept denial cannot stand
 * (libseccomp would drop it): a loss, and the call gets the kept denial.
 */
START_TEST(test_apply_loss_stricter_beside_unconditional)
{
	struct seccompkeep_result res = {};
	struct lxcri_error err = {};

	ck_assert_int_eq(seccompkeep_apply(DENYLIST "keyctl kill [0,1,SCMP_CMP_EQ]\n",
					   &unprivileged, &res, &err),
			 0);
	ck_assert_uint_eq(res.n_losses, 1);
	ck_assert_str_eq(res.losses[0], "'keyctl kill [0,1,SCMP_CMP_EQ]' cannot stand beside PVE's "
					"'keyctl errno 38' (libseccomp applies an unconditional "
					"rule of a call over its conditional ones): left out, "
					"those calls get errno 38");
	ck_assert_uint_eq(ask_profile(res.profile, "keyctl", 1, 0), ERRNO(38));
	seccompkeep_result_done(&res);
}
END_TEST

/* Conditional rules an unconditional one overrode stay without effect once it is narrowed. */
START_TEST(test_apply_overridden_rules_stay_out)
{
	_cleanup_free_ char *text =
	    kept(HEAD "umount2 errno 22 [1,2,SCMP_CMP_EQ]\numount2 allow\n", &lxc, 0);
	struct seccomp_filter_prog prog = seccomp_filter_compile(text);

	ck_assert_uint_eq(ask(&prog, "umount2", 0, 2), ALLOW);
	ck_assert_uint_eq(ask(&prog, "umount2", 0, 3), ERRNO(13));
	ck_assert_uint_eq(ask(&prog, "umount2", 0, 0), ALLOW);
	free(prog.insns);
}
END_TEST

/* What the result says: notes for each changed rule, the kept ones, the mknod proxy. */
START_TEST(test_apply_result)
{
	struct seccompkeep_container ct = { .kind = SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL,
					    .mknod = true };
	struct seccompkeep_result res = {};
	struct lxcri_error err = {};

	snprintf(ct.config, sizeof(ct.config), "/etc/pve/lxc/105.conf");
	ck_assert_int_eq(seccompkeep_apply(HEAD "ioctl allow\nkeyctl allow\n", &ct, &res, &err), 0);
	ck_assert_uint_eq(res.n_kept, 8);
	ck_assert_uint_eq(res.n_rules, 1 + 8 + 8); /* keyctl, ioctl narrowed, the kept */
	ck_assert_str_eq(res.kept[7], "socket errno 97 [0,38,SCMP_CMP_EQ]");
	ck_assert_uint_eq(res.n_notes, 2);
	ck_assert_str_eq(res.notes[0], "'ioctl allow' narrowed to 8 rules: PVE's 'ioctl errno 1 "
				       "[1,37888,SCMP_CMP_MASKED_EQ,65280]' stands");
	ck_assert_str_eq(
	    res.notes[1],
	    "features mknod=1 in '/etc/pve/lxc/105.conf': PVE's mknod proxy "
	    "(lxc.seccomp.notify.proxy) is off under this profile, so mknod of devices "
	    "is refused, as the kernel refuses it in a user namespace");
	ck_assert_ptr_nonnull(strstr(res.profile, "\nkeyctl allow\n"));
	seccompkeep_result_done(&res);
}
END_TEST

/* A stored profile says what it kept, also what its default action or own rules keep. */
START_TEST(test_profile_kept)
{
	_cleanup_free_ char *text = kept(HEAD "kexec_load kill\n", &unprivileged, 0);
	struct seccompkeep_kept k = {};

	ck_assert_int_eq(seccompkeep_profile_kept(text, &k), 0);
	ck_assert_int_eq(k.kind, SECCOMPKEEP_PVE_UNPRIVILEGED);
	ck_assert_uint_eq(k.n_rules, 9);
	ck_assert_str_eq(k.rules[0], "umount2 errno 13 [1,1,SCMP_CMP_MASKED_EQ,1]");
	ck_assert_str_eq(k.rules[1], "kexec_load errno 1");
	ck_assert_str_eq(k.rules[6], "keyctl errno 38");
	seccompkeep_kept_done(&k);
	ck_assert_int_eq(seccompkeep_profile_kept(HEAD "read allow\n", &k), -ENOENT);
	ck_assert_int_eq(seccompkeep_profile_kept(HEAD "# lxcri: kept for other: x\n", &k),
			 -EINVAL);
}
END_TEST

/* A text that is not LXC's format as lxcri writes it is refused, naming the line. */
START_TEST(test_apply_refuses_other_text)
{
	static const char *const bad[] = {
		"",
		"1\ndenylist\n[all]\n",
		"2\nallowlist allow\n[all]\n",
		"2\ndenylist\nread allow\n",
		DENYLIST "read allow [6,1,SCMP_CMP_EQ]\n",
		DENYLIST "read allow [0,1,SCMP_CMP_EQ] [0,2,SCMP_CMP_EQ]\n",
		DENYLIST "read allow [0,1,SCMP_CMP_MASKED_EQ]\n",
		DENYLIST "read errno 4096\n",
		DENYLIST "read bogus\n",
		DENYLIST "[all]\n",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct seccompkeep_result res = {};
		struct lxcri_error err = {};

		ck_assert_msg(seccompkeep_apply(bad[i], &lxc, &res, &err) == -EINVAL, "%s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.message, "Failed to keep the protections"));
		ck_assert_ptr_null(res.profile);
	}
}
END_TEST

static int kind_pve(const char *text, struct seccompkeep_container *ct, struct lxcri_error *err)
{
	return seccompkeep_kind_pve("/etc/pve/lxc/105.conf", text, strlen(text), ct, err);
}

/* PVE's config as PVE reads it: booleans in any spelling, a raw id map, the main section only. */
START_TEST(test_kind_pve)
{
	static const struct {
		const char *text;
		enum seccompkeep_kind kind;
		bool mknod;
	} cases[] = {
		{ "arch: amd64\n", SECCOMPKEEP_PVE_PRIVILEGED, false },
		{ "unprivileged: 0\nfeatures: mknod=1,keyctl=1\n", SECCOMPKEEP_PVE_PRIVILEGED,
		  false },
		{ "unprivileged: 1\n", SECCOMPKEEP_PVE_UNPRIVILEGED, false },
		{ "unprivileged: On\n", SECCOMPKEEP_PVE_UNPRIVILEGED, false },
		{ "unprivileged: TRUE\nfeatures: keyctl=yes\n", SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL,
		  false },
		{ "unprivileged: 1\nfeatures: nesting=1,mknod=1,mount=nfs;cifs\n",
		  SECCOMPKEEP_PVE_UNPRIVILEGED, true },
		{ "unprivileged: 1\nfeatures: keyctl=0\n", SECCOMPKEEP_PVE_UNPRIVILEGED, false },
		{ "lxc.idmap: u 0 100000 65536\n", SECCOMPKEEP_PVE_UNPRIVILEGED, false },
		{ "lxc.idmap = u 0 100000 65536\n", SECCOMPKEEP_PVE_UNPRIVILEGED, false },
		{ "arch: amd64\n\n[snap]\nunprivileged: 1\n", SECCOMPKEEP_PVE_PRIVILEGED, false },
		{ "unprivileged: 1\nunprivileged: 0\n", SECCOMPKEEP_PVE_PRIVILEGED, false },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct seccompkeep_container ct;
		struct lxcri_error err = {};

		ck_assert_msg(kind_pve(cases[i].text, &ct, &err) == 0, "%s: %s", cases[i].text,
			      err.message);
		ck_assert_msg(ct.kind == cases[i].kind, "%s: %s", cases[i].text,
			      seccompkeep_kind_name(ct.kind));
		ck_assert_int_eq(ct.mknod, cases[i].mknod);
		ck_assert_str_eq(ct.config, "/etc/pve/lxc/105.conf");
	}
}
END_TEST

START_TEST(test_kind_pve_bad_values)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "unprivileged: 2\n",
		  "/etc/pve/lxc/105.conf:1: unprivileged: '2' is not a boolean (0 or 1)" },
		{ "arch: amd64\nunprivileged:  maybe \n",
		  "/etc/pve/lxc/105.conf:2: unprivileged: 'maybe' is not a boolean (0 or 1)" },
		{ "features: keyctl=2\nunprivileged: 1\n",
		  "/etc/pve/lxc/105.conf:1: features: keyctl: '2' is not a boolean" },
		{ "features: nesting=1,mknod\n",
		  "/etc/pve/lxc/105.conf:1: features: 'mknod' is not key=value" },
		{ "unprivileged: \x1b[31m\n",
		  "/etc/pve/lxc/105.conf:1: unprivileged: '\\x1b[31m' is not a boolean (0 or 1)" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct seccompkeep_container ct;
		struct lxcri_error err = {};

		ck_assert_int_eq(kind_pve(cases[i].text, &ct, &err), -EINVAL);
		ck_assert_str_eq(err.message, cases[i].message);
	}
}
END_TEST

/* Plain LXC: one kind; on a PVE node, PVE's file (missing: said so). */
START_TEST(test_kind_of)
{
	_cleanup_free_ char *dir = test_tmpdir();
	struct lxcri_paths p = {};
	struct seccompkeep_container ct;
	struct lxcri_error err = {};
	char path[PATH_MAX];

	snprintf(p.pve_dir, sizeof(p.pve_dir), "%s/pve", dir);
	snprintf(p.lxc_path, sizeof(p.lxc_path), "%s/lxc", dir);
	ck_assert_int_eq(seccompkeep_kind_of(&p, "105", &ct, &err), 0);
	ck_assert_int_eq(ct.kind, SECCOMPKEEP_LXC);
	ck_assert_str_eq(ct.config, "");
	snprintf(path, sizeof(path), "%s/pve", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/pve/lxc", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(seccompkeep_kind_of(&p, "105", &ct, &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "/pve/lxc/105.conf', which says whether container '105' "
					  "is unprivileged"),
		      "%s", err.message);
	snprintf(path, sizeof(path), "%s/pve/lxc/105.conf", dir);
	test_write_file(path, "unprivileged: 1\n");
	ck_assert_int_eq(seccompkeep_kind_of(&p, "105", &ct, &err), 0);
	ck_assert_int_eq(ct.kind, SECCOMPKEEP_PVE_UNPRIVILEGED);
	/* Not a vmid: a plain LXC container, also on a PVE node. */
	ck_assert_int_eq(seccompkeep_kind_of(&p, "web", &ct, &err), 0);
	ck_assert_int_eq(ct.kind, SECCOMPKEEP_LXC);
	test_rm_rf(dir);
}
END_TEST

static Suite *seccompkeep_suite(void)
{
	Suite *s = suite_create("seccompkeep");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_libseccomp_unconditional_rule_wins);
	tcase_add_test(tc, test_apply_denylist_text);
	tcase_add_test(tc, test_apply_kinds);
	tcase_add_test(tc, test_apply_narrows_unconditional_allow);
	tcase_add_test(tc, test_apply_narrows_docker_socket_rules);
	tcase_add_test(tc, test_apply_narrows_conditions_on_the_same_argument);
	tcase_add_test(tc, test_apply_loss_when_it_cannot_narrow);
	tcase_add_test(tc, test_apply_unconditional_denial);
	tcase_add_test(tc, test_apply_default_action_covers);
	tcase_add_test(tc, test_apply_stricter_default_conditional);
	tcase_add_test(tc, test_apply_loss_stricter_beside_unconditional);
	tcase_add_test(tc, test_apply_overridden_rules_stay_out);
	tcase_add_test(tc, test_apply_result);
	tcase_add_test(tc, test_profile_kept);
	tcase_add_test(tc, test_apply_refuses_other_text);
	tcase_add_test(tc, test_kind_pve);
	tcase_add_test(tc, test_kind_pve_bad_values);
	tcase_add_test(tc, test_kind_of);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(seccompkeep_suite)
