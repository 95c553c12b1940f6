/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>

#include <json-c/json.h>
#include <seccomp.h>

#include "testutil.h"

#include "lib/shared/json.h"
#include "lib/lsm/seccompconv.h"

#include "lib/basic/cleanup.h"

#define DOCKER_DEFAULT "/usr/share/containers/seccomp.json"

/*
 * The syscall names of moby's default seccomp profile (github.com/moby/profiles
 * seccomp/default.json at commit 3c28324314729dbade8287e868eef6338c42807a, the
 * copy moby/moby vendors) that libseccomp 2.5.4 does not know; moby allows the
 * first nine unconditionally, the lsm_* ones with CAP_SYS_ADMIN.
 */
static const char *const moby_newer[] = {
	"getxattrat",	 "listmount",	      "listxattrat",	  "mseal",
	"removexattrat", "riscv_hwprobe",     "setxattrat",	  "statmount",
	"uretprobe",	 "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr",
};
#define MOBY_NEWER_ALWAYS 9

static const char *const admin_caps[] = { "CAP_SYS_ADMIN", "CAP_NET_ADMIN", NULL };

static int convert_size(const char *text, size_t size, const char *arch, const char *const *caps,
			const char *kernel, bool accept_loss, struct seccompconv_result *ret,
			struct lxcri_error *err)
{
	struct seccompconv_opts opts = {
		.arch = arch, .caps = caps, .kernel = kernel, .accept_loss = accept_loss
	};
	_cleanup_free_ char *copy = malloc(size ? size : 1);

	/* An exact-size copy: no NUL after the end for the converter to lean on. */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, size);
	return seccompconv_convert("seccomp.json", copy, size, &opts, ret, err);
}

static int convert_caps(const char *text, const char *arch, const char *const *caps,
			const char *kernel, bool accept_loss, struct seccompconv_result *ret,
			struct lxcri_error *err)
{
	return convert_size(text, strlen(text), arch, caps, kernel, accept_loss, ret, err);
}

static int convert(const char *text, bool accept_loss, struct seccompconv_result *ret,
		   struct lxcri_error *err)
{
	return convert_caps(text, "x86_64", NULL, "6.1", accept_loss, ret, err);
}

/* The rule lines of a profile: everything after the "[section]" line. */
static const char *rules_of(const char *profile)
{
	const char *p = strstr(profile, "\n[");

	ck_assert_ptr_nonnull(p);
	p = strchr(p + 1, '\n');
	ck_assert_ptr_nonnull(p);
	return p + 1;
}

static bool list_has(char **list, const char *needle)
{
	STRV_FOREACH (s, list)
		if (strstr(*s, needle))
			return true;
	return false;
}

/* "2.5.4": the libseccomp these tests run with, as the converter names it. */
static const char *libseccomp_version(void)
{
	static char v[32];
	const struct scmp_version *ver = seccomp_version();

	snprintf(v, sizeof(v), "%u.%u.%u", ver->major, ver->minor, ver->micro);
	return v;
}

/* The tests of unknown names use real ones: they must be unknown to this libseccomp. */
static void assert_unknown_here(const char *name)
{
	ck_assert_msg(seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR,
		      "libseccomp %s knows '%s': these tests expect the table of 2.5.4",
		      libseccomp_version(), name);
}

/* The comment line the converter writes for the names it left out. */
static char *skipped_line(const char *names, const char *default_action)
{
	char *s = NULL;

	ck_assert_int_ge(asprintf(&s,
				  "# lxcri: skipped (unknown to libseccomp %s): %s; these calls "
				  "get the default action (%s)\n",
				  libseccomp_version(), names, default_action),
			 0);
	return s;
}

/*
 * Reads a rule line the way LXC 5.0's parse_v2_rules() does: the action
 * words get_v2_default_action() accepts, then each "]"-separated token
 * through its sscanf() format and lxc_safe_uint64(). Returns the number of
 * argument rules, -1 for a line LXC would refuse.
 */
static int lxc_rule_line(const char *line)
{
	static const char *const ops[] = { "SCMP_CMP_NE",	"SCMP_CMP_LT", "SCMP_CMP_LE",
					   "SCMP_CMP_EQ",	"SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_MASKED_EQ" };
	_cleanup_free_ char *copy = strdup(line);
	char *p = strchr(copy, ' '), *key, *save = NULL;
	int n = 0;

	if (!p)
		return -1; /* we always write an action */
	p++;
	if (strncmp(p, "kill", 4) != 0 && strncmp(p, "allow", 5) != 0 &&
	    strncmp(p, "trap", 4) != 0 && strncmp(p, "notify", 6) != 0) {
		int e;

		if (strncmp(p, "errno", 5) != 0 || sscanf(p + 5, "%d", &e) != 1 || e < 0 ||
		    e > 4095)
			return -1;
	}
	if (!strchr(copy, '['))
		return 0;
	for (key = strtok_r(copy, "]", &save); key && n < 6; key = strtok_r(NULL, "]", &save)) {
		char s[31] = { 0 }, v[24] = { 0 }, m[24] = { '0' }, *end;
		unsigned index = 0;
		bool known = false;
		int r;

		key = strchr(key, '[');
		if (!key)
			return -1;
		r = sscanf(key, "[%i,%23[^,],%30[^0-9^,],%23[^,]", &index, v, s, m);
		if ((r != 3 && r != 4) || index >= 6)
			return -1;
		errno = 0;
		strtoull(v, &end, 0);
		if (errno || *end || end == v)
			return -1;
		strtoull(m, &end, 0);
		if (errno || *end || end == m)
			return -1;
		for (size_t i = 0; i < ELEMENTSOF(ops); i++)
			known = known || strcmp(s, ops[i]) == 0;
		if (!known)
			return -1;
		n++;
	}
	return key ? -1 : n; /* a seventh rule would be dropped silently */
}

/* Every line after the header is a comment, a section or a rule LXC reads. */
static void assert_lxc_reads(const char *profile)
{
	_cleanup_free_ char *copy = strdup(profile);
	char *save = NULL;
	int i = 0;

	ck_assert_ptr_nonnull(copy);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		if (i == 0) {
			ck_assert_str_eq(line, "2");
			continue;
		}
		if (i == 1) {
			ck_assert_msg(strncmp(line, "allowlist ", 10) == 0 ||
					  strcmp(line, "denylist") == 0,
				      "header '%s'", line);
			ck_assert_ptr_null(strstr(line, "debug"));
			continue;
		}
		if (line[0] == '#' || line[0] == '[')
			continue;
		ck_assert_msg(lxc_rule_line(line) >= 0, "LXC would refuse '%s'", line);
	}
}

START_TEST(test_actions)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	const char *text =
	    "{ \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,\n"
	    "  \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
	    "  \"syscalls\": [\n"
	    "    { \"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\" },\n"
	    "    { \"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13 },\n"
	    "    { \"names\": [\"umount2\"], \"action\": \"SCMP_ACT_ERRNO\" },\n"
	    "    { \"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL\" },\n"
	    "    { \"names\": [\"reboot\"], \"action\": \"SCMP_ACT_KILL_THREAD\" },\n"
	    "    { \"names\": [\"kexec_load\"], \"action\": \"SCMP_ACT_KILL_PROCESS\" },\n"
	    "    { \"names\": [\"acct\"], \"action\": \"SCMP_ACT_TRAP\" },\n"
	    "    { \"names\": [\"swapon\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5 },\n"
	    "    { \"names\": [\"sethostname\"], \"action\": \"SCMP_ACT_LOG\" },\n"
	    "    { \"names\": [\"mknod\"], \"action\": \"SCMP_ACT_NOTIFY\" }\n"
	    "  ] }\n";

	ck_assert_msg(convert(text, true, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.shape, SECCOMPCONV_RUNTIME_SPEC);
	ck_assert_str_eq(res.profile,
			 "2\n"
			 "allowlist errno 1\n"
			 "# lxcri: converted from a runtime-spec profile for x86_64 (LXC filters "
			 "x86_64, x86, x32)\n"
			 "[x86_64]\n"
			 "read allow\n"
			 "write allow\n"
			 "mount errno 13\n"
			 "ptrace kill\n"
			 "reboot kill\n"
			 "kexec_load kill\n"
			 "acct trap\n"
			 "swapon errno 38\n"
			 "sethostname allow\n"
			 "mknod notify\n");
	/* umount2: SCMP_ACT_ERRNO defaults to EPERM, the default action: no rule. */
	ck_assert(list_has(res.notes, "syscalls[2]: same action as the default"));
	ck_assert_uint_eq(res.n_rules, 10);
	ck_assert_uint_eq(res.n_losses, 3);
	ck_assert(list_has(res.losses, "syscalls[5] (syscall 'kexec_load'): "
				       "SCMP_ACT_KILL_PROCESS becomes 'kill'"));
	ck_assert(list_has(res.losses, "syscalls[7] (syscall 'swapon'): SCMP_ACT_TRACE"));
	ck_assert(list_has(res.losses, "syscalls[8] (syscall 'sethostname'): SCMP_ACT_LOG"));
	assert_lxc_reads(res.profile);
}
END_TEST

START_TEST(test_default_actions)
{
	struct {
		const char *action;
		const char *header; /* line 2 */
		bool loss;
	} cases[] = {
		{ "\"SCMP_ACT_ALLOW\"", "denylist", false },
		{ "\"SCMP_ACT_KILL\"", "allowlist kill", false },
		{ "\"SCMP_ACT_KILL_THREAD\"", "allowlist kill", false },
		{ "\"SCMP_ACT_KILL_PROCESS\"", "allowlist kill", true },
		{ "\"SCMP_ACT_TRAP\"", "allowlist trap", false },
		{ "\"SCMP_ACT_ERRNO\"", "allowlist errno 1", false },
		{ "\"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38", "allowlist errno 38", false },
		{ "\"SCMP_ACT_ERRNO\", \"defaultErrno\": \"ENOSYS\"", "allowlist errno 38", false },
		{ "\"SCMP_ACT_TRACE\"", "allowlist errno 38", true },
		{ "\"SCMP_ACT_LOG\"", "denylist", true },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
		_cleanup_free_ char *text = NULL, *want = NULL;
		struct lxcri_error err = { 0 };

		ck_assert_int_ge(
		    asprintf(&text,
			     "{\"defaultAction\": %s, \"architectures\": "
			     "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]}",
			     cases[i].action),
		    0);
		ck_assert_msg(convert(text, true, &res, &err) == 0, "case %zu: %s", i, err.message);
		ck_assert_int_ge(asprintf(&want, "2\n%s\n", cases[i].header), 0);
		ck_assert_msg(strncmp(res.profile, want, strlen(want)) == 0, "case %zu: %s", i,
			      res.profile);
		ck_assert_msg(res.n_losses == (cases[i].loss ? 1 : 0), "case %zu: %zu losses", i,
			      res.n_losses);
		if (cases[i].loss)
			ck_assert(list_has(res.losses, "defaultAction: "));
		ck_assert_uint_eq(res.n_rules, 0);
		assert_lxc_reads(res.profile);
	}
}
END_TEST

START_TEST(test_operators)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	const char *text =
	    "{ \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
	    "  \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
	    "  \"syscalls\": [\n"
	    "    { \"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\" } ] },\n"
	    "    { \"names\": [\"setuid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 0, \"value\": 0, \"valueTwo\": 7, \"op\": \"SCMP_CMP_NE\" } ] },\n"
	    "    { \"names\": [\"setgid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 0, \"value\": 1000, \"op\": \"SCMP_CMP_LT\" } ] },\n"
	    "    { \"names\": [\"setreuid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 1, \"value\": 1000, \"op\": \"SCMP_CMP_LE\" } ] },\n"
	    "    { \"names\": [\"setregid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 1, \"value\": 1000, \"op\": \"SCMP_CMP_GE\" } ] },\n"
	    "    { \"names\": [\"setresuid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 2, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_GT\" } ] "
	    "},\n"
	    "    { \"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 0, \"value\": 2114060288, \"valueTwo\": 0,\n"
	    "        \"op\": \"SCMP_CMP_MASKED_EQ\" } ] },\n"
	    "    { \"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22,\n"
	    "      \"args\": [ { \"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "                { \"index\": 2, \"value\": 9, \"op\": \"SCMP_CMP_EQ\" } ] },\n"
	    "    { \"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_GT\" } ] },\n"
	    "    { \"names\": [\"openat\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	    "      { \"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 2, \"value\": 2, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 3, \"value\": 3, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 4, \"value\": 4, \"op\": \"SCMP_CMP_EQ\" },\n"
	    "      { \"index\": 5, \"value\": 5, \"op\": \"SCMP_CMP_EQ\" } ] }\n"
	    "  ] }\n";

	ck_assert_msg(convert(text, false, &res, &err) == 0, "%s", err.message);
	ck_assert_str_eq(
	    rules_of(res.profile),
	    "personality allow [0,8,SCMP_CMP_EQ]\n"
	    "setuid allow [0,0,SCMP_CMP_NE]\n"
	    "setgid allow [0,1000,SCMP_CMP_LT]\n"
	    "setreuid allow [1,1000,SCMP_CMP_LE]\n"
	    "setregid allow [1,1000,SCMP_CMP_GE]\n"
	    "setresuid allow [2,18446744073709551615,SCMP_CMP_GT]\n"
	    "clone allow [0,0,SCMP_CMP_MASKED_EQ,2114060288]\n"
	    /* Two args on distinct indexes: one line, both must match, as in runc. */
	    "socket errno 22 [0,16,SCMP_CMP_EQ] [2,9,SCMP_CMP_EQ]\n"
	    /* An index named twice: one line per arg rule (either matches), as in runc. */
	    "kill allow [1,9,SCMP_CMP_EQ]\n"
	    "kill allow [1,15,SCMP_CMP_EQ]\n"
	    "kill allow [0,1,SCMP_CMP_GT]\n"
	    "openat allow [0,0,SCMP_CMP_EQ] [1,1,SCMP_CMP_EQ] [2,2,SCMP_CMP_EQ] "
	    "[3,3,SCMP_CMP_EQ] [4,4,SCMP_CMP_EQ] [5,5,SCMP_CMP_EQ]\n");
	ck_assert_uint_eq(res.n_rules, 12);
	ck_assert_uint_eq(res.n_losses, 0);
	ck_assert_int_eq(lxc_rule_line("openat allow [0,0,SCMP_CMP_EQ] [1,1,SCMP_CMP_EQ] "
				       "[2,2,SCMP_CMP_EQ] [3,3,SCMP_CMP_EQ] [4,4,SCMP_CMP_EQ] "
				       "[5,5,SCMP_CMP_EQ]"),
			 6);
	assert_lxc_reads(res.profile);
}
END_TEST

START_TEST(test_arches)
{
	struct {
		const char *arch;
		const char *arches; /* the profile's architectures/archMap */
		const char *section;
		const char *loss; /* NULL: none */
	} cases[] = {
		{ "x86_64",
		  "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
		  "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}, {\"architecture\": "
		  "\"SCMP_ARCH_LOONGARCH64\", \"subArchitectures\": []}]",
		  "[x86_64]", NULL },
		{ "amd64", "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"]",
		  "[x86_64]", "does not cover x32" },
		{ "x86_64", "\"architectures\": []", "[x86_64]", "does not cover x86" },
		{ "x86_64", "\"architectures\": [\"SCMP_ARCH_NATIVE\"]", "[x86_64]",
		  "does not cover x86" },
		{ "aarch64",
		  "\"archMap\": [{\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": "
		  "[\"SCMP_ARCH_ARM\"]}]",
		  "[arm64]", NULL },
		{ "aarch64",
		  "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
		  "[\"SCMP_ARCH_X86\"]}]",
		  "[arm64]", "does not cover arm" },
		{ "s390x", "\"architectures\": [\"SCMP_ARCH_S390X\", \"SCMP_ARCH_S390\"]",
		  "[s390x]", NULL },
		{ "ppc64le", "\"architectures\": [\"SCMP_ARCH_PPC64LE\"]", "[ppc64le]", NULL },
		{ "riscv64", "\"architectures\": [\"SCMP_ARCH_RISCV64\"]", "[all]", NULL },
		{ "i686", "\"architectures\": [\"SCMP_ARCH_X86\"]", "[x86]", NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
		_cleanup_free_ char *text = NULL;
		struct lxcri_error err = { 0 };
		int r;

		ck_assert_int_ge(
		    asprintf(&text,
			     "{\"defaultAction\": \"SCMP_ACT_ERRNO\", %s, \"syscalls\": "
			     "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
			     cases[i].arches),
		    0);
		r = convert_caps(text, cases[i].arch, NULL, "6.1", false, &res, &err);
		if (!cases[i].loss) {
			ck_assert_msg(r == 0, "case %zu: %s", i, err.message);
			ck_assert_msg(strstr(res.profile, cases[i].section), "case %zu: %s", i,
				      res.profile);
			ck_assert_str_eq(rules_of(res.profile), "read allow\n");
			continue;
		}
		ck_assert_msg(r == -EOPNOTSUPP, "case %zu: %d %s", i, r, err.message);
		ck_assert_ptr_null(res.profile);
		ck_assert_msg(list_has(res.losses, cases[i].loss), "case %zu: %s", i,
			      res.losses[0] ? res.losses[0] : "(none)");
		ck_assert_msg(strncmp(err.message, "seccomp.json: ", 14) == 0 &&
				  strstr(err.message, " LXC's seccomp format cannot express "),
			      "case %zu: %s", i, err.message);
	}
}
END_TEST

START_TEST(test_syscalls_of_other_arches)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	const char *text = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": ["
			   "{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
			   "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}],\n"
			   "\"syscalls\": [{\"names\": [\"read\", \"arm_fadvise64_64\", "
			   "\"socketcall\", \"s390_runtime_instr\"], \"action\": "
			   "\"SCMP_ACT_ALLOW\"}]}";

	ck_assert_msg(convert(text, false, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.shape, SECCOMPCONV_DOCKER);
	/* socketcall is an x86 (32-bit) syscall, which LXC filters on x86_64 too. */
	ck_assert_str_eq(rules_of(res.profile), "read allow\nsocketcall allow\n");
	ck_assert_uint_eq(res.n_notes, 2);
	ck_assert(list_has(res.notes, "syscalls[0].names[1]: syscall 'arm_fadvise64_64' does "
				      "not exist on x86_64, x86 or x32: skipped"));
	ck_assert(list_has(res.notes, "'s390_runtime_instr'"));
}
END_TEST

START_TEST(test_includes_excludes)
{
	const char *text =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"archMap\": ["
	    "{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", "
	    "\"SCMP_ARCH_X32\"]}, {\"architecture\": \"SCMP_ARCH_AARCH64\", "
	    "\"subArchitectures\": [\"SCMP_ARCH_ARM\"]}], \"syscalls\": [\n"
	    "{\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"includes\": {\"arches\": [\"amd64\", \"x32\"]}},\n"
	    "{\"names\": [\"cacheflush\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"includes\": {\"arches\": [\"arm\", \"arm64\"]}},\n"
	    "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},\n"
	    "{\"names\": [\"sethostname\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, "
	    "\"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},\n"
	    "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38, "
	    "\"excludes\": {\"minKernel\": \"5.3\"}},\n"
	    "{\"names\": [\"pidfd_open\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"includes\": {\"minKernel\": \"5.3\"}},\n"
	    "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"excludes\": {\"arches\": [\"amd64\"]}, \"comment\": \"not on amd64\"}]}";
	struct {
		const char *arch;
		const char *const *caps;
		const char *kernel;
		const char *rules;
	} cases[] = {
		{ "x86_64", admin_caps, "6.1",
		  "arch_prctl allow\nmount allow\npidfd_open allow\n" },
		{ "x86_64", NULL, "5.2.0-1-amd64",
		  "arch_prctl allow\nsethostname errno 13\nclone3 errno 38\n" },
		{ "aarch64", admin_caps, "5.3",
		  "cacheflush allow\nmount allow\npidfd_open "
		  "allow\npersonality allow\n" },
		{ "aarch64", NULL, "4.19",
		  "cacheflush allow\nsethostname errno 13\nclone3 errno 38\npersonality allow\n" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
		struct lxcri_error err = { 0 };
		int r = convert_caps(text, cases[i].arch, cases[i].caps, cases[i].kernel, false,
				     &res, &err);

		ck_assert_msg(r == 0, "case %zu: %s", i, err.message);
		ck_assert_msg(strcmp(rules_of(res.profile), cases[i].rules) == 0, "case %zu:\n%s",
			      i, res.profile);
		ck_assert_int_eq(res.shape, SECCOMPCONV_DOCKER);
		assert_lxc_reads(res.profile);
	}
}
END_TEST

START_TEST(test_errno_values)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	/* defaultErrnoRet is the default action's only; a rule's errno defaults to EPERM. */
	const char *text = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
			   "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", "
			   "\"SCMP_ARCH_X32\"], \"syscalls\": ["
			   "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\"},"
			   "{\"names\": [\"umount2\"], \"action\": \"SCMP_ACT_ERRNO\", "
			   "\"errnoRet\": 0},"
			   "{\"names\": [\"chroot\"], \"action\": \"SCMP_ACT_ERRNO\", "
			   "\"errnoRet\": 4095},"
			   "{\"names\": [\"acct\"], \"action\": \"SCMP_ACT_ERRNO\", "
			   "\"errno\": \"EACCES\", \"errnoRet\": 13},"
			   "{\"names\": [\"bpf\"], \"action\": \"SCMP_ACT_ERRNO\", "
			   "\"errnoRet\": 38}]}";

	ck_assert_msg(convert(text, false, &res, &err) == 0, "%s", err.message);
	ck_assert_ptr_nonnull(strstr(res.profile, "\nallowlist errno 38\n"));
	ck_assert_str_eq(rules_of(res.profile), "mount errno 1\numount2 errno 0\n"
						"chroot errno 4095\nacct errno 13\n");
	ck_assert(list_has(res.notes, "syscalls[4]: same action as the default"));
	assert_lxc_reads(res.profile);
}
END_TEST

START_TEST(test_flags_and_listener)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
	    "\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", "
	    "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", \"SECCOMP_FILTER_FLAG_LOG\"], "
	    "\"listenerPath\": \"/run/seccomp-agent.sock\", \"listenerMetadata\": \"\","
	    "\"syscalls\": [{\"names\": [\"mknod\", \"mknodat\"], \"action\": "
	    "\"SCMP_ACT_NOTIFY\"}]}";

	ck_assert_int_eq(convert(text, false, &res, &err), -EOPNOTSUPP);
	ck_assert_ptr_null(res.profile);
	ck_assert_uint_eq(res.n_losses, 3);
	ck_assert_str_eq(res.losses[0],
			 "flags: LXC's format has no way to set SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	ck_assert_str_eq(res.losses[1],
			 "flags: LXC's format has no way to set SECCOMP_FILTER_FLAG_LOG");
	ck_assert(list_has(res.losses, "listenerPath: LXC hands SCMP_ACT_NOTIFY events only to "
				       "lxc.seccomp.notify.proxy"));
	ck_assert_int_eq(err.code, -EOPNOTSUPP);
	ck_assert_str_eq(err.message,
			 "seccomp.json: 3 features LXC's seccomp format cannot "
			 "express (accept the loss to convert anyway): flags: LXC's "
			 "format has no way to set SECCOMP_FILTER_FLAG_SPEC_ALLOW; ...");
	seccompconv_result_done(&res);

	ck_assert_msg(convert(text, true, &res, &err) == 0, "%s", err.message);
	ck_assert_str_eq(res.profile, "2\ndenylist\n# lxcri: converted from a runtime-spec "
				      "profile for x86_64 (LXC filters x86_64, x86, x32)\n"
				      "[x86_64]\nmknod notify\nmknodat notify\n");
	ck_assert_uint_eq(res.n_losses, 3);
	assert_lxc_reads(res.profile);
}
END_TEST

START_TEST(test_config_json)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]}, \"linux\": {"
	    "\"namespaces\": [], \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
	    "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], "
	    "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
	    "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": null}]}}}";

	ck_assert_msg(convert(text, false, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.shape, SECCOMPCONV_CONFIG_JSON);
	ck_assert_str_eq(seccompconv_shape_name(res.shape), "config.json");
	ck_assert_str_eq(rules_of(res.profile), "read allow\nwrite allow\n");
	seccompconv_result_done(&res);

	ck_assert_int_eq(convert("{\"ociVersion\": \"1.0.2\", \"linux\": {}}", false, &res, &err),
			 -EINVAL);
	ck_assert_str_eq(err.message, "seccomp.json: a config.json without linux.seccomp");
	ck_assert_int_eq(
	    convert("{\"ociVersion\": \"1.0.2\", \"linux\": {\"seccomp\": []}}", false, &res, &err),
	    -EINVAL);
	ck_assert_str_eq(err.message, "seccomp.json: linux.seccomp: expected an object, not array");
	ck_assert_int_eq(convert("{\"ociVersion\": \"1.0.2\", \"linux\": {\"seccomp\": "
				 "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
				 "[{\"names\": [\"fo o\"], \"action\": \"SCMP_ACT_ALLOW\"}]}}}",
				 false, &res, &err),
			 -EINVAL);
	ck_assert_str_eq(err.message, "seccomp.json: linux.seccomp.syscalls[0].names[0]: 'fo o' is "
				      "not a syscall name");
}
END_TEST

START_TEST(test_malformed)
{
	struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "", "seccomp.json: empty, not a seccomp profile" },
		{ "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [,]\n}",
		  "seccomp.json: line 3, column 16: not JSON: " },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\"", "seccomp.json: line 1, column 35: " },
		{ "[]", "seccomp.json: expected a JSON object, not array" },
		{ "{}", "seccomp.json: no 'defaultAction'" },
		{ "{\"defaultAction\": \"SCMP_ACT_FOO\"}",
		  "seccomp.json: defaultAction: unknown action 'SCMP_ACT_FOO'" },
		{ "{\"defaultAction\": 1}",
		  "seccomp.json: defaultAction: expected a string, not int" },
		{ "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
		  "seccomp.json: defaultAction: SCMP_ACT_NOTIFY cannot be the default" },
		{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
		  "seccomp.json: defaultErrnoRet: not valid with SCMP_ACT_ALLOW" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}",
		  "seccomp.json: defaultErrnoRet: 4096 is out of range (0-4095)" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
		  "seccomp.json: defaultErrnoRet: -1 is negative" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrno\": \"EWHAT\"}",
		  "seccomp.json: defaultErrno: unknown errno name 'EWHAT'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultAction2\": 1}",
		  "seccomp.json: unknown key 'defaultAction2'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
		  "seccomp.json: architectures[0]: unknown architecture 'SCMP_ARCH_VAX'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\"], "
		  "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
		  "seccomp.json: both 'architectures' and 'archMap' are given" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_X\"]}",
		  "seccomp.json: flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_X'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
		  "seccomp.json: syscalls: expected an array, not object" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
		  "[\"read\"]}]}",
		  "seccomp.json: syscalls[0]: no 'action'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": "
		  "\"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0]: no 'names'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [], "
		  "\"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0]: 'names' is empty" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": \"read\", "
		  "\"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0].names: expected an array, not string" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", "
		  "7], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0].names[1]: expected a string, not int" },
		/* An unknown name may be a syscall newer than libseccomp; these are none. */
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", "
		  "\"foo\\n[all]\\nmount allow\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0].names[1]: 'foo\\x0a[all]\\x0amount allow' is not a "
		  "syscall name" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
		  "[\"MKDIR\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0].names[0]: 'MKDIR' is not a syscall name" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
		  "[\"a12345678901234567890123456789012345678901234567890123456789012345\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0].names[0]: "
		  "'a12345678901234567890123456789012345678901234567890123456789012345' is not a "
		  "syscall name" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0].names[0]: empty syscall name" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"read\", "
		  "\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "seccomp.json: syscalls[0]: both 'name' and 'names' are given" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_BLOCK\"}]}",
		  "seccomp.json: syscalls[0].action: unknown action 'SCMP_ACT_BLOCK'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
		  "seccomp.json: syscalls[0].errnoRet: 70000 is out of range (0-4095)" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": \"1\"}]}",
		  "seccomp.json: syscalls[0].errnoRet: expected an unsigned integer, not string" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
		  "seccomp.json: syscalls[0].errnoRet: not valid with SCMP_ACT_KILL" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ERRNO\", \"errno\": \"EPERM\", \"errnoRet\": 2}]}",
		  "seccomp.json: syscalls[0].errno: 'EPERM' is 1, but errnoRet is 2" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, "
		  "\"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "seccomp.json: syscalls[0].args[0].index: 6 is out of range (0-5)" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, "
		  "\"op\": \"SCMP_CMP_LIKE\"}]}]}",
		  "seccomp.json: syscalls[0].args[0].op: unknown operator 'SCMP_CMP_LIKE'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, "
		  "\"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "seccomp.json: syscalls[0].args[0].value: -1 is negative" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1.5, "
		  "\"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "seccomp.json: syscalls[0].args[0].value: expected an unsigned integer, not "
		  "double" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"op\": "
		  "\"SCMP_CMP_EQ\"}]}]}",
		  "seccomp.json: syscalls[0].args[0]: no 'value'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": "
		  "\"SCMP_CMP_EQ\", \"mask\": 1}]}]}",
		  "seccomp.json: syscalls[0].args[0]: unknown key 'mask'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"5\"}}]}",
		  "seccomp.json: syscalls[0].includes.minKernel: '5' is not a kernel version like "
		  "'5.8'" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": \"CAP_SYS_ADMIN\"}}]}",
		  "seccomp.json: syscalls[0].excludes.caps: expected an array, not string" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"kernel\": \"5.8\"}}]}",
		  "seccomp.json: syscalls[0].includes: unknown key 'kernel'" },
		/* A name that is no syscall's is an error even in a rule that does not apply here.
		 */
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"ra ed\"], "
		  "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"s390x\"]}}]}",
		  "seccomp.json: syscalls[0].names[0]: 'ra ed' is not a syscall name" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
		struct lxcri_error err = { 0 };
		int r = convert(cases[i].text, true, &res, &err);

		ck_assert_msg(r == -EINVAL, "case %zu: %d", i, r);
		ck_assert_int_eq(err.code, r);
		ck_assert_msg(strncmp(err.message, cases[i].message, strlen(cases[i].message)) == 0,
			      "case %zu: '%s'", i, err.message);
		ck_assert_ptr_null(res.profile);
		ck_assert_ptr_null(res.losses);
	}
}
END_TEST

START_TEST(test_bad_opts)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	struct lxcri_error err = { 0 };
	const char *text = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}";

	ck_assert_int_eq(convert_caps(text, "vax", NULL, "6.1", true, &res, &err), -EINVAL);
	ck_assert_str_eq(err.message, "unsupported architecture 'vax'");
	ck_assert_int_eq(convert_caps(text, "x86_64", NULL, "six", true, &res, &err), -EINVAL);
	ck_assert_str_eq(err.message, "'six' is not a kernel version like '6.1'");
	/* NULL opts: the host's uname, no capabilities, no loss accepted. */
	ck_assert_int_ge(seccompconv_convert("p.json", text, strlen(text), NULL, &res, &err),
			 -EOPNOTSUPP);
}
END_TEST

START_TEST(test_docker_default)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	_cleanup_free_ char *text = NULL;
	struct lxcri_error err = { 0 };
	size_t size = 0;
	FILE *f = fopen(DOCKER_DEFAULT, "re");
	int r;

	if (!f) {
		printf("test_docker_default: %s missing, skipped\n", DOCKER_DEFAULT);
		return;
	}
	ck_assert_int_ge(getdelim(&text, &size, '\0', f), 0);
	fclose(f);

	r = seccompconv_convert(DOCKER_DEFAULT, text, strlen(text),
				&(struct seccompconv_opts){ .arch = "x86_64", .kernel = "6.1" },
				&res, &err);
	if (r == -EOPNOTSUPP) {
		printf("test_docker_default: %zu losses, converting with accept_loss\n",
		       res.n_losses);
		seccompconv_result_done(&res);
		r = seccompconv_convert(DOCKER_DEFAULT, text, strlen(text),
					&(struct seccompconv_opts){ .arch = "x86_64",
								    .kernel = "6.1",
								    .accept_loss = true },
					&res, &err);
	}
	ck_assert_msg(r == 0, "%s", err.message);
	ck_assert_int_eq(res.shape, SECCOMPCONV_DOCKER);
	ck_assert(res.n_rules > 300);
	ck_assert_ptr_nonnull(strstr(res.profile, "\nallowlist errno 38\n"));
	ck_assert_ptr_nonnull(strstr(res.profile, "\narch_prctl allow\n"));
	ck_assert_ptr_nonnull(strstr(res.profile, "\npersonality allow [0,8,SCMP_CMP_EQ]\n"));
	/* Without CAP_SYS_ADMIN, bpf is refused with EPERM rather than the default ENOSYS. */
	ck_assert_ptr_nonnull(strstr(res.profile, "\nbpf errno 1\n"));
	ck_assert_ptr_null(strstr(res.profile, "\nbpf allow"));
	assert_lxc_reads(res.profile);
	printf("test_docker_default: %zu rules, %zu losses, %zu notes\n", res.n_rules, res.n_losses,
	       res.n_notes);
	STRV_FOREACH (s, res.losses)
		printf("  loss: %s\n", *s);
}
END_TEST

#define X86_64_ARCH_MAP                                                                            \
	"\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "            \
	"[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}]"
#define X86_64_HEADER                                                                              \
	"# lxcri: converted from a docker profile for x86_64 (LXC filters x86_64, x86, x32)\n"

/*
 * A name libseccomp does not know, in a rule whose action is no stricter than
 * the default (allow, notify, another errno where the default denies): left
 * out, the call gets the default, which is safe. Reported once per name, in
 * the profile's order, and in the profile as a comment.
 */
START_TEST(test_unknown_names_skipped)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	_cleanup_free_ char *line = NULL, *want = NULL;
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, " X86_64_ARCH_MAP
	    ", \"syscalls\": [\n"
	    "{\"names\": [\"read\", \"getxattrat\", \"write\", \"mseal\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\"},\n"
	    /* With argument rules, beside a known name. */
	    "{\"names\": [\"statmount\", \"personality\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},\n"
	    /* Included for a capability the container holds. */
	    "{\"names\": [\"lsm_list_modules\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},\n"
	    /* Not included (no CAP_BPF): it does nothing here, so there is nothing to say. */
	    "{\"names\": [\"listmount\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"includes\": {\"caps\": [\"CAP_BPF\"]}},\n"
	    /* Another errno, a notify: denied all the same; getxattrat is named once. */
	    "{\"names\": [\"getxattrat\", \"uretprobe\"], \"action\": \"SCMP_ACT_ERRNO\", "
	    "\"errnoRet\": 38},\n"
	    "{\"names\": [\"setxattrat\"], \"action\": \"SCMP_ACT_NOTIFY\"},\n"
	    /* The default action itself: no rule either way. */
	    "{\"names\": [\"removexattrat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}";

	for (size_t i = 0; i < ELEMENTSOF(moby_newer); i++)
		assert_unknown_here(moby_newer[i]);
	ck_assert_msg(convert_caps(text, "x86_64", admin_caps, "6.1", false, &res, &err) == 0, "%s",
		      err.message);
	line = skipped_line("getxattrat, mseal, statmount, lsm_list_modules, uretprobe, "
			    "setxattrat",
			    "errno 1");
	ck_assert_int_ge(asprintf(&want,
				  "2\nallowlist errno 1\n" X86_64_HEADER "%s[x86_64]\nread allow\n"
				  "write allow\npersonality allow [0,8,SCMP_CMP_EQ]\n",
				  line),
			 0);
	ck_assert_str_eq(res.profile, want);
	ck_assert_uint_eq(res.n_losses, 0);
	ck_assert_uint_eq(res.n_rules, 3);
	assert_lxc_reads(res.profile);
	ck_assert_uint_eq(res.skipped.n_names, 6);
	ck_assert_str_eq(res.skipped.names[0], "getxattrat");
	ck_assert_str_eq(res.skipped.names[5], "setxattrat");
	ck_assert_ptr_null(res.skipped.names[6]);
	ck_assert_str_eq(res.skipped.version, libseccomp_version());
	/* The comment line is "# lxcri: " and the text. */
	ck_assert_uint_eq(strlen(line), strlen("# lxcri: ") + strlen(res.skipped.text) + 1);
	ck_assert_ptr_nonnull(strstr(line, res.skipped.text));
	ck_assert_str_eq(seccompconv_libseccomp_version(), libseccomp_version());
}
END_TEST

/* What `seccomp show` reads back from a stored profile (the stamp line comes before it). */
START_TEST(test_profile_skipped)
{
	_cleanup_(seccompconv_skipped_done) struct seccompconv_skipped s = { 0 };
	_cleanup_json_ struct json_object *o = NULL;
	const char *profile =
	    "2\nallowlist errno 1\n# lxcri: source '/p.json' sha256 ab, profile "
	    "sha256 cd\n# lxcri: converted from a docker profile\n"
	    "# lxcri: skipped (unknown to libseccomp 2.5.4): getxattrat, mseal; "
	    "these calls get the default action (errno 1)\n[x86_64]\nread allow\n";

	ck_assert_int_eq(seccompconv_profile_skipped(profile, &s), 0);
	ck_assert_str_eq(s.text, "skipped (unknown to libseccomp 2.5.4): getxattrat, mseal; "
				 "these calls get the default action (errno 1)");
	ck_assert_str_eq(s.version, "2.5.4");
	ck_assert_uint_eq(s.n_names, 2);
	ck_assert_str_eq(s.names[0], "getxattrat");
	ck_assert_str_eq(s.names[1], "mseal");
	ck_assert_ptr_null(s.names[2]);
	o = seccompconv_skipped_json(&s);
	ck_assert_str_eq(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"libseccomp\":\"2.5.4\",\"syscalls\":[\"getxattrat\",\"mseal\"],"
	    "\"text\":\"skipped (unknown to libseccomp 2.5.4): getxattrat, mseal; these "
	    "calls get the default action (errno 1)\"}");
	seccompconv_skipped_done(&s);

	/* A profile without the line (none skipped, or made before lxcri said so). */
	ck_assert_int_eq(seccompconv_profile_skipped("2\ndenylist\n[x86_64]\nmkdir errno 1\n", &s),
			 0);
	ck_assert_ptr_null(s.text);
	ck_assert_ptr_null(s.names);
	ck_assert_ptr_null(seccompconv_skipped_json(&s));
	/* A rule line is never taken for it. */
	ck_assert_int_eq(
	    seccompconv_profile_skipped("2\ndenylist\n[x86_64]\nskipped errno 1\n", &s), 0);
	ck_assert_ptr_null(s.names);
}
END_TEST

/* What is wrong with a file that cannot be read as a profile: named, with what it is. */
START_TEST(test_read_file)
{
	_cleanup_free_ char *dir = test_tmpdir(), *text = NULL, *path = NULL, *want = NULL;
	struct lxcri_error err = { 0 };
	size_t size = 0;
	int fd;

	ck_assert_int_eq(seccompconv_read_file(dir, &text, &size, &err), -EINVAL);
	ck_assert_int_ge(
	    asprintf(&want, "Failed to read '%s': not a regular file but a directory", dir), 0);
	ck_assert_str_eq(err.message, want);
	ck_assert_int_eq(seccompconv_read_file("/dev/null", &text, &size, &err), -EINVAL);
	ck_assert_str_eq(err.message,
			 "Failed to read '/dev/null': not a regular file but a character device");
	ck_assert_int_ge(asprintf(&path, "%s/fifo", dir), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(seccompconv_read_file(path, &text, &size, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "/fifo': not a regular file but a FIFO"));
	free(path);

	ck_assert_int_ge(asprintf(&path, "%s/missing.json", dir), 0);
	ck_assert_int_eq(seccompconv_read_file(path, &text, &size, &err), -ENOENT);
	free(want);
	ck_assert_int_ge(asprintf(&want, "Failed to read '%s': No such file or directory", path),
			 0);
	ck_assert_str_eq(err.message, want);
	free(path);

	/* One byte over the limit. */
	ck_assert_int_ge(asprintf(&path, "%s/big.json", dir), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SECCOMPCONV_SIZE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(seccompconv_read_file(path, &text, &size, &err), -EFBIG);
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s: larger than 4194304 bytes", path), 0);
	ck_assert_str_eq(err.message, want);
	ck_assert_int_eq(truncate(path, 2), 0);
	ck_assert_int_eq(seccompconv_read_file(path, &text, &size, &err), 0);
	ck_assert_uint_eq(size, 2);
	test_rm_rf(dir);
}
END_TEST

/*
 * A name libseccomp does not know, in a rule stricter than the default (a
 * deny rule of a default-allow profile, kill where the default is an errno):
 * left out, the call would get less than the profile asks: a loss, refused
 * without accept_loss, naming the name and its place.
 */
START_TEST(test_unknown_names_loss)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	_cleanup_free_ char *line = NULL, *want = NULL, *loss = NULL, *message = NULL;
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", " X86_64_ARCH_MAP ", \"syscalls\": [\n"
	    "{\"names\": [\"mkdir\", \"getxattrat\", \"mseal\"], \"action\": \"SCMP_ACT_ERRNO\", "
	    "\"errnoRet\": 122}]}";

	ck_assert_int_eq(convert(text, false, &res, &err), -EOPNOTSUPP);
	ck_assert_ptr_null(res.profile);
	ck_assert_uint_eq(res.n_losses, 2);
	ck_assert_uint_eq(res.skipped.n_names, 2);
	ck_assert_int_ge(asprintf(&loss,
				  "syscalls[0].names[1] (syscall 'getxattrat'): unknown to "
				  "libseccomp %s: left out, the call gets the default action "
				  "(allow), not SCMP_ACT_ERRNO",
				  libseccomp_version()),
			 0);
	ck_assert_str_eq(res.losses[0], loss);
	ck_assert(list_has(res.losses, "syscalls[0].names[2] (syscall 'mseal'): unknown to "));
	ck_assert_int_ge(asprintf(&message,
				  "seccomp.json: 2 features LXC's seccomp format cannot express "
				  "(accept the loss to convert anyway): %s; ...",
				  loss),
			 0);
	ck_assert_str_eq(err.message, message);
	seccompconv_result_done(&res);

	ck_assert_msg(convert(text, true, &res, &err) == 0, "%s", err.message);
	line = skipped_line("getxattrat, mseal", "allow");
	ck_assert_int_ge(
	    asprintf(&want, "2\ndenylist\n" X86_64_HEADER "%s[x86_64]\nmkdir errno 122\n", line),
	    0);
	ck_assert_str_eq(res.profile, want);
	ck_assert_uint_eq(res.n_losses, 2);
	assert_lxc_reads(res.profile);
	seccompconv_result_done(&res);

	/* Stricter than a denying default: kill (or trap) where the default is an errno. */
	ck_assert_int_eq(convert("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " X86_64_ARCH_MAP
				 ", \"syscalls\": [{\"names\": [\"uretprobe\"], \"action\": "
				 "\"SCMP_ACT_KILL\"}, {\"names\": [\"listmount\"], \"action\": "
				 "\"SCMP_ACT_TRAP\"}]}",
				 false, &res, &err),
			 -EOPNOTSUPP);
	ck_assert_uint_eq(res.n_losses, 2);
	ck_assert(list_has(res.losses, "syscalls[0].names[0] (syscall 'uretprobe'): unknown to "
				       "libseccomp"));
	ck_assert(list_has(res.losses, "the call gets the default action (errno 1), not "
				       "SCMP_ACT_KILL"));
	ck_assert(list_has(res.losses, "(errno 1), not SCMP_ACT_TRAP"));
	seccompconv_result_done(&res);

	/* An errno rule where the default kills: the call is denied more strictly. */
	ck_assert_msg(convert("{\"defaultAction\": \"SCMP_ACT_KILL\", " X86_64_ARCH_MAP
			      ", \"syscalls\": [{\"names\": [\"uretprobe\"], \"action\": "
			      "\"SCMP_ACT_ERRNO\"}]}",
			      false, &res, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(res.n_losses, 0);
	ck_assert_ptr_nonnull(strstr(res.profile, "): uretprobe; these calls get the default "
						  "action (kill)\n"));
}
END_TEST

/*
 * Docker's current default profile, as moby ships it: podman's older copy
 * (installed) with moby's default errno (EPERM) and the names moby added
 * that this libseccomp does not know. It converts without a loss, each of
 * those names is reported and none becomes a rule.
 */
START_TEST(test_docker_default_current)
{
	_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
	_cleanup_json_ struct json_object *root = json_object_from_file(DOCKER_DEFAULT);
	_cleanup_free_ char *line = NULL;
	struct json_object *syscalls, *names = NULL, *lsm, *lsm_names;
	struct lxcri_error err = { 0 };
	const char *text;
	char list[512] = "";

	if (!root) {
		printf("test_docker_default_current: %s missing, skipped\n", DOCKER_DEFAULT);
		return;
	}
	json_object_object_del(root, "defaultErrno");
	json_object_object_add(root, "defaultErrnoRet", json_object_new_int(1));
	ck_assert(json_object_object_get_ex(root, "syscalls", &syscalls));
	/* moby lists the unconditional ones in its first plain allow rule. */
	for (size_t i = 0; !names && i < json_object_array_length(syscalls); i++) {
		struct json_object *e = json_object_array_get_idx(syscalls, i), *o;

		if (json_object_object_get_ex(e, "action", &o) &&
		    strcmp(json_object_get_string(o), "SCMP_ACT_ALLOW") == 0 &&
		    (!json_object_object_get_ex(e, "args", &o) ||
		     json_object_array_length(o) == 0) &&
		    (!json_object_object_get_ex(e, "includes", &o) ||
		     json_object_object_length(o) == 0))
			json_object_object_get_ex(e, "names", &names);
	}
	ck_assert_ptr_nonnull(names);
	lsm = json_object_new_object();
	lsm_names = json_object_new_array();
	for (size_t i = 0; i < ELEMENTSOF(moby_newer); i++) {
		assert_unknown_here(moby_newer[i]);
		json_object_array_add(i < MOBY_NEWER_ALWAYS ? names : lsm_names,
				      json_object_new_string(moby_newer[i]));
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 moby_newer[i]);
	}
	json_object_object_add(lsm, "names", lsm_names);
	json_object_object_add(lsm, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_object_add(lsm, "includes",
			       json_tokener_parse("{\"caps\": [\"CAP_SYS_ADMIN\"]}"));
	json_object_array_add(syscalls, lsm);
	text = json_object_to_json_string(root);

	ck_assert_msg(convert_caps(text, "x86_64", admin_caps, "6.1", false, &res, &err) == 0, "%s",
		      err.message);
	ck_assert_uint_eq(res.n_losses, 0);
	ck_assert(res.n_rules > 300);
	ck_assert_ptr_nonnull(strstr(res.profile, "\nallowlist errno 1\n"));
	line = skipped_line(list, "errno 1");
	ck_assert_ptr_nonnull(strstr(res.profile, line));
	for (size_t i = 0; i < ELEMENTSOF(moby_newer); i++) {
		char rule[64];

		snprintf(rule, sizeof(rule), "\n%s ", moby_newer[i]);
		ck_assert_msg(!strstr(res.profile, rule), "a rule for %s", moby_newer[i]);
	}
	ck_assert_ptr_nonnull(strstr(res.profile, "\nread allow\n"));
	assert_lxc_reads(res.profile);
}
END_TEST

/* A file that is not JSON text at all: said so, with what it is and where. */
START_TEST(test_binary_input)
{
	static const struct {
		const char *text;
		size_t size;
		const char *message;
	} cases[] = {
#define BYTES(s) s, sizeof(s) - 1
		{ BYTES("\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0"),
		  "seccomp.json: not a JSON profile: binary data at byte 0: an ELF executable or "
		  "library" },
		{ BYTES("\037\213\010\010\0\0\0\0\0\3seccomp.json\0"),
		  "seccomp.json: not a JSON profile: binary data at byte 0: gzip-compressed data "
		  "(decompress it first)" },
		{ BYTES("\050\265\057\375\044\0"),
		  "seccomp.json: not a JSON profile: binary data at byte 0: zstd-compressed data "
		  "(decompress it first)" },
		{ BYTES("\3757zXZ\0\0\4"),
		  "seccomp.json: not a JSON profile: binary data at byte 0: xz-compressed data "
		  "(decompress it first)" },
		{ BYTES("{\"defaultAction\": \"SCMP_ACT_ALLOW\"\0}"),
		  "seccomp.json: not a JSON profile: binary data at byte 34 (line 1, column 35): a "
		  "NUL byte" },
		{ BYTES("\0\0\0\0"), "seccomp.json: not a JSON profile: binary data at byte 0 "
				     "(line 1, column 1): a NUL "
				     "byte" },
		{ BYTES("{\n \"comment\": \"caf\351\",\n \"defaultAction\": \"SCMP_ACT_ALLOW\"}"),
		  "seccomp.json: not a JSON profile: binary data at byte 18 (line 2, column 17): "
		  "0xe9 is not UTF-8" },
		{ BYTES("{\"comment\": \"\300\257\"}"),
		  "seccomp.json: not a JSON profile: binary data at byte 13 (line 1, column 14): "
		  "0xc0 is not UTF-8" },
		{ BYTES("{\"comment\": \"\355\240\200\"}"),
		  "seccomp.json: not a JSON profile: binary data at byte 13 (line 1, column 14): "
		  "0xed is not UTF-8" },
		{ BYTES("{\"comment\": \"ab\342\202\"}"),
		  "seccomp.json: not a JSON profile: binary data at byte 15 (line 1, column 16): "
		  "0xe2 is not UTF-8" },
		{ BYTES("{\n\001}"),
		  "seccomp.json: not a JSON profile: binary data at byte 2 (line 2, column 1): "
		  "control character 0x01" },
		{ BYTES("\357\273\277{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"),
		  "seccomp.json: not a JSON profile: a UTF-8 byte order mark at byte 0 (JSON has "
		  "none: save the file without it)" },
#undef BYTES
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
		struct lxcri_error err = { 0 };
		int r = convert_size(cases[i].text, cases[i].size, "x86_64", NULL, "6.1", true,
				     &res, &err);

		ck_assert_msg(r == -EINVAL, "case %zu: %d", i, r);
		ck_assert_msg(strcmp(err.message, cases[i].message) == 0, "case %zu: '%s'", i,
			      err.message);
		ck_assert_ptr_null(res.profile);
	}

	/* Text that is UTF-8 beyond ASCII, and tabs and CRLF line ends, is JSON text. */
	{
		_cleanup_(seccompconv_result_done) struct seccompconv_result res = { 0 };
		struct lxcri_error err = { 0 };
		const char *text =
		    "{\r\n\t\"comment\": \"caf\303\251 \342\202\254 \360\237\220\263\","
		    "\r\n\t\"defaultAction\": \"SCMP_ACT_ALLOW\", " X86_64_ARCH_MAP "}\r\n";

		ck_assert_msg(convert(text, false, &res, &err) == 0, "%s", err.message);
	}
}
END_TEST

static Suite *seccompconv_suite(void)
{
	Suite *s = suite_create("seccompconv");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_default_actions);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_arches);
	tcase_add_test(tc, test_syscalls_of_other_arches);
	tcase_add_test(tc, test_includes_excludes);
	tcase_add_test(tc, test_errno_values);
	tcase_add_test(tc, test_flags_and_listener);
	tcase_add_test(tc, test_config_json);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bad_opts);
	tcase_add_test(tc, test_docker_default);
	tcase_add_test(tc, test_unknown_names_skipped);
	tcase_add_test(tc, test_profile_skipped);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_unknown_names_loss);
	tcase_add_test(tc, test_docker_default_current);
	tcase_add_test(tc, test_binary_input);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(seccompconv_suite)
