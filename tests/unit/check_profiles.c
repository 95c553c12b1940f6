/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/config/config.h"
#include "lib/basic/fileio.h"
#include "lib/lsm/profiles.h"
#include "lib/basic/sha256.h"

#define ID "web"

#define SOURCE_JSON                                                                                \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kexec_load\"], "    \
	"\"action\": \"SCMP_ACT_ERRNO\"}]}\n"
/* As lxcri seccomp set stores it for a container on plain LXC (lib/lsm/seccompkeep.h). */
#define KEPT_LXC "# lxcri: kept for lxc: LXC's common.seccomp\n"
#define PROFILE	 "2\ndenylist\nkexec_load errno 1\n" KEPT_LXC

/*
 * A container "web" on a plain LXC host, its seccomp profile stored the way
 * `lxcri seccomp set web <source>` stores it:
 *
 *   <dir>/src/profile.json             the source
 *   <dir>/etc/containers/web.conf      seccomp: <source>, seccomp-sha256: <digest>
 *   <dir>/etc/containers/seccomp/<digest>.seccomp   the stamped profile
 *   <dir>/etc/containers/seccomp/<digest of the source>.json  the copy
 *   <dir>/lxc/web/config               lxc.seccomp.profile = <profile>
 */
struct fixture {
	char *dir;
	struct lxcri_paths paths;
	char source[PATH_MAX];
	char conf[PATH_MAX];
	char profile[PATH_MAX];
	char copy[PATH_MAX];
	char lxc_config[PATH_MAX];
	char *stamped;		      /* what the stored profile holds */
	char sha256[SHA256_HEX_SIZE]; /* its digest: its name */
};

static void make_dir(const char *fmt, const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), fmt, dir);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

static void write_fmt(const char *path, const char *fmt, const char *arg)
{
	_cleanup_free_ char *text = NULL;

	ck_assert_int_ge(asprintf(&text, fmt, arg), 0);
	test_write_file(path, text);
}

/* The config: head (with a %s for the source), extra lines, the seccomp-sha256 line last. */
static void write_conf(const struct fixture *f, const char *head, const char *extra)
{
	_cleanup_free_ char *text = NULL, *first = NULL;

	ck_assert_int_ge(asprintf(&first, head, f->source), 0);
	ck_assert_int_ge(asprintf(&text, "%s%sseccomp-sha256: %s\n", first, extra, f->sha256), 0);
	test_write_file(f->conf, text);
}

/* text stored under its own digest, and the config naming it: the path. */
static void store_as(struct fixture *f, const char *text)
{
	sha256_hex(text, strlen(text), f->sha256);
	snprintf(f->profile, sizeof(f->profile), "%s/etc/containers/seccomp/%s.seccomp", f->dir,
		 f->sha256);
	test_write_file(f->profile, text);
	write_conf(f, "# web\nseccomp: %s\n", "");
}

static void fixture_init(struct fixture *f)
{
	struct seccomp_files files;
	char source_sha[SHA256_HEX_SIZE];

	*f = (struct fixture){ .dir = test_tmpdir() };
	snprintf(f->paths.pve_dir, sizeof(f->paths.pve_dir), "%s/pve", f->dir);
	snprintf(f->paths.etc_dir, sizeof(f->paths.etc_dir), "%s/etc", f->dir);
	snprintf(f->paths.run_dir, sizeof(f->paths.run_dir), "%s/run", f->dir);
	snprintf(f->paths.lxc_path, sizeof(f->paths.lxc_path), "%s/lxc", f->dir);
	make_dir("%s/etc", f->dir);
	make_dir("%s/etc/containers", f->dir);
	make_dir("%s/etc/containers/seccomp", f->dir);
	make_dir("%s/lxc", f->dir);
	make_dir("%s/lxc/" ID, f->dir);
	make_dir("%s/src", f->dir);
	snprintf(f->source, sizeof(f->source), "%s/src/profile.json", f->dir);
	snprintf(f->conf, sizeof(f->conf), "%s/etc/containers/" ID ".conf", f->dir);
	snprintf(f->lxc_config, sizeof(f->lxc_config), "%s/lxc/" ID "/config", f->dir);

	test_write_file(f->source, SOURCE_JSON);
	ck_assert_int_eq(profiles_seccomp_stamp(SOURCE_JSON, strlen(SOURCE_JSON), PROFILE,
						&f->stamped, f->sha256),
			 0);
	sha256_hex(SOURCE_JSON, strlen(SOURCE_JSON), source_sha);
	snprintf(f->profile, sizeof(f->profile), "%s/etc/containers/seccomp/%s.seccomp", f->dir,
		 f->sha256);
	snprintf(f->copy, sizeof(f->copy), "%s/etc/containers/seccomp/%s.json", f->dir, source_sha);
	ck_assert_int_eq(profiles_seccomp_files(&f->paths, ID, f->sha256, source_sha, &files), 0);
	ck_assert_str_eq(files.profile, f->profile);
	ck_assert_str_eq(files.copy, f->copy);

	test_write_file(f->profile, f->stamped);
	test_write_file(f->copy, SOURCE_JSON);
	write_conf(f, "# web\nseccomp: %s\n", "");
	write_fmt(f->lxc_config, "lxc.uts.name = web\nlxc.seccomp.profile = %s\n", f->profile);
}

static void fixture_done(struct fixture *f)
{
	free(f->stamped);
	test_rm_rf(f->dir);
	free(f->dir);
}

static struct config *parse(const char *path, const char *text)
{
	struct config *c = NULL;
	struct lxcri_error err = {};
	int r = config_parse(path, text, strlen(text), &c, &err);

	ck_assert_msg(r == 0, "%s", err.message);
	return c;
}

static struct config *load(const struct fixture *f)
{
	_cleanup_free_ char *text = NULL;

	ck_assert_int_ge(fileio_read_file(f->conf, 0, &text, NULL), 0);
	return parse(f->conf, text);
}

static void check_fails(const struct fixture *f, const char *lxc_config, int expected_r,
			const char *needle, const char *needle2)
{
	_cleanup_config_ struct config *c = load(f);
	struct seccomp_stamp stamp = { .source_sha256 = "untouched" };
	bool used_copy = true;
	struct lxcri_error err = {};
	int r;

	r = profiles_check_seccomp(&f->paths, ID, c, lxc_config, &stamp, &used_copy, &err);
	ck_assert_msg(r == expected_r, "expected %d, got %d (%s)", expected_r, r, err.message);
	ck_assert_int_eq(err.code, r);
	ck_assert_msg(strstr(err.message, needle), "'%s' not in '%s'", needle, err.message);
	if (needle2)
		ck_assert_msg(strstr(err.message, needle2), "'%s' not in '%s'", needle2,
			      err.message);
	ck_assert_str_eq(stamp.source_sha256, "untouched");
	ck_assert(used_copy);
}

/* The stamp's digest, of the source; the file's name, the digest of its bytes. */
START_TEST(test_check_current)
{
	_cleanup_config_ struct config *c = NULL;
	struct seccomp_stamp stamp = {};
	char source_sha[SHA256_HEX_SIZE], profile_sha[SHA256_HEX_SIZE];
	bool used_copy = true;
	struct lxcri_error err = {};
	struct fixture f;
	int r;

	fixture_init(&f);
	c = load(&f);
	r = profiles_check_seccomp(&f.paths, ID, c, f.lxc_config, &stamp, &used_copy, &err);
	ck_assert_msg(r == 0, "%d: %s", r, err.message);
	sha256_hex(SOURCE_JSON, strlen(SOURCE_JSON), source_sha);
	sha256_hex(f.stamped, strlen(f.stamped), profile_sha);
	ck_assert_str_eq(stamp.source_sha256, source_sha);
	ck_assert_str_eq(f.sha256, profile_sha);
	ck_assert_ptr_nonnull(strstr(f.profile, profile_sha));
	ck_assert(!used_copy);

	/* Without LXC's config: only the stored files are checked. */
	ck_assert_int_eq(profiles_check_seccomp(&f.paths, ID, c, NULL, NULL, NULL, &err), 0);
	fixture_done(&f);
}
END_TEST

START_TEST(test_stamp_is_line_three)
{
	_cleanup_free_ char *expected = NULL;
	char source_sha[SHA256_HEX_SIZE];
	struct fixture f;

	/* Nothing of the container in it: the source's path is in the config alone. */
	fixture_init(&f);
	sha256_hex(SOURCE_JSON, strlen(SOURCE_JSON), source_sha);
	ck_assert_int_ge(
	    asprintf(&expected,
		     "2\ndenylist\n# lxcri: source sha256 %s\nkexec_load errno 1\n" KEPT_LXC,
		     source_sha),
	    0);
	ck_assert_str_eq(f.stamped, expected);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_source_edited)
{
	struct fixture f;

	fixture_init(&f);
	test_write_file(f.source, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n");
	check_fails(&f, f.lxc_config, -ESTALE, f.source, "changed since the profile");
	ck_assert_ptr_nonnull(strstr(f.stamped, "# lxcri: source"));
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_profile_edited)
{
	_cleanup_free_ char *edited = NULL;
	struct fixture f;

	fixture_init(&f);
	ck_assert_int_ge(asprintf(&edited, "%sptrace errno 1\n", f.stamped), 0);
	test_write_file(f.profile, edited);
	check_fails(&f, f.lxc_config, -ESTALE, f.profile, "was changed since");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_profile_edited_above_the_stamp)
{
	struct fixture f;
	char *p;

	fixture_init(&f);
	/* "denylist" -> "allowlist": the policy line is covered by the digest too. */
	p = strstr(f.stamped, "denylist");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "allowlst", 8);
	test_write_file(f.profile, f.stamped);
	check_fails(&f, f.lxc_config, -ESTALE, f.profile, "was changed since");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_stamp_removed)
{
	struct fixture f;

	fixture_init(&f);
	/* Stored under its own digest: only the stamp is missing. */
	store_as(&f, PROFILE);
	check_fails(&f, f.lxc_config, -ESTALE, f.profile, "no lxcri stamp");
	store_as(&f, "");
	check_fails(&f, f.lxc_config, -ESTALE, f.profile, "no lxcri stamp");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_stamp_garbled)
{
	_cleanup_free_ char *garbled = NULL;
	struct fixture f;
	char *p;

	fixture_init(&f);
	garbled = strdup(f.stamped);
	ck_assert_ptr_nonnull(garbled);
	p = strstr(garbled, "source sha256 ");
	ck_assert_ptr_nonnull(p);
	p[strlen("source sha256 ")] = 'X';
	store_as(&f, garbled);
	check_fails(&f, f.lxc_config, -ESTALE, f.profile, "not a valid lxcri stamp");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_key_names_another_source)
{
	_cleanup_free_ char *other = NULL;
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = {};
	struct fixture f;

	fixture_init(&f);
	/* Same content, other file: the profile is made from what it holds, so it is current. */
	ck_assert_int_ge(asprintf(&other, "%s/src/other.json", f.dir), 0);
	test_write_file(other, SOURCE_JSON);
	snprintf(f.source, sizeof(f.source), "%s", other);
	write_conf(&f, "seccomp: %s\n", "");
	c = load(&f);
	ck_assert_int_eq(profiles_check_seccomp(&f.paths, ID, c, f.lxc_config, NULL, NULL, &err),
			 0);
	/* Other content: not what the profile was made from. */
	test_write_file(other, "{}\n");
	check_fails(&f, f.lxc_config, -ESTALE, other, "changed since the profile");
	fixture_done(&f);
}
END_TEST

/* Without seccomp-sha256: never set, or stored by an older lxcri, per container. */
START_TEST(test_check_no_digest_in_config)
{
	_cleanup_free_ char *old = NULL;
	struct fixture f;

	fixture_init(&f);
	write_fmt(f.conf, "seccomp: %s\n", f.source);
	check_fails(&f, f.lxc_config, -ENOENT, "web.conf:1: no generated profile for 'seccomp: ",
		    "run 'lxcri seccomp set " ID " ");
	ck_assert_int_ge(asprintf(&old, "%s/etc/containers/" ID ".seccomp", f.dir), 0);
	test_write_file(old, "2\ndenylist\n# lxcri: source 'x' sha256 0, profile sha256 0\n");
	check_fails(&f, f.lxc_config, -ESTALE, old,
		    "is in the layout of an older lxcri (one profile per container): run 'lxcri "
		    "seccomp set " ID " ");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_source_missing_uses_copy)
{
	_cleanup_config_ struct config *c = NULL;
	struct seccomp_stamp stamp = {};
	bool used_copy = false;
	struct lxcri_error err = {};
	struct fixture f;
	int r;

	fixture_init(&f);
	/* As on the node a PVE container migrated to. */
	ck_assert_int_eq(unlink(f.source), 0);
	c = load(&f);
	r = profiles_check_seccomp(&f.paths, ID, c, f.lxc_config, &stamp, &used_copy, &err);
	ck_assert_msg(r == 0, "%d: %s", r, err.message);
	ck_assert(used_copy);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_source_missing_copy_edited)
{
	struct fixture f;

	fixture_init(&f);
	ck_assert_int_eq(unlink(f.source), 0);
	test_write_file(f.copy, "{}\n");
	check_fails(&f, f.lxc_config, -ESTALE, f.copy, "changed since the profile");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_source_and_copy_missing)
{
	struct fixture f;

	fixture_init(&f);
	ck_assert_int_eq(unlink(f.source), 0);
	ck_assert_int_eq(unlink(f.copy), 0);
	check_fails(&f, f.lxc_config, -ENOENT, f.source, f.copy);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_no_stored_profile)
{
	_cleanup_free_ char *run = NULL;
	struct fixture f;

	fixture_init(&f);
	ck_assert_int_eq(unlink(f.profile), 0);
	ck_assert_int_ge(asprintf(&run, "run 'lxcri seccomp set " ID " %s'", f.source), 0);
	check_fails(&f, f.lxc_config, -ENOENT, run, f.profile);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_lxc_config_without_the_key)
{
	_cleanup_free_ char *line = NULL;
	struct fixture f;

	fixture_init(&f);
	test_write_file(f.lxc_config, "lxc.uts.name = web\n# lxc.seccomp.profile = x\n");
	ck_assert_int_ge(asprintf(&line, "does not set lxc.seccomp.profile = %s", f.profile), 0);
	check_fails(&f, f.lxc_config, -ENOLINK, line, "would start without it");
	/* Set, then reset by an empty assignment: LXC loads nothing. */
	write_fmt(f.lxc_config, "lxc.seccomp.profile = %s\nlxc.seccomp.profile =\n", f.profile);
	check_fails(&f, f.lxc_config, -ENOLINK, line, "would start without it");
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_lxc_config_with_another_value)
{
	_cleanup_free_ char *want = NULL;
	struct fixture f;

	fixture_init(&f);
	test_write_file(f.lxc_config,
			"lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp\n");
	ck_assert_int_ge(asprintf(&want, "not '%s'", f.profile), 0);
	check_fails(&f, f.lxc_config, -ENOLINK,
		    "'lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp'", want);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_lxc_config_missing)
{
	_cleanup_free_ char *missing = NULL;
	struct fixture f;

	fixture_init(&f);
	ck_assert_int_ge(asprintf(&missing, "%s/lxc/" ID "/nothing", f.dir), 0);
	check_fails(&f, missing, -ENOENT, "Failed to read LXC's config", missing);
	fixture_done(&f);
}
END_TEST

START_TEST(test_stamp_refuses)
{
	static const char head[] = "2\nallowlist\n# lxcri: source sha256 ";
	char *out = NULL, sha[SHA256_HEX_SIZE];

	/* Not two lines: there is no place for line 3. */
	ck_assert_int_eq(profiles_seccomp_stamp("{}", 2, "", &out, sha), -EINVAL);
	ck_assert_int_eq(profiles_seccomp_stamp("{}", 2, "2\n", &out, sha), -EINVAL);
	ck_assert_int_eq(profiles_seccomp_stamp("{}", 2, "2\ndenylist", &out, sha), -EINVAL);
	ck_assert_ptr_null(out);

	/* Two lines and nothing after them will do. */
	ck_assert_int_eq(profiles_seccomp_stamp("{}", 2, "2\nallowlist\n", &out, sha), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strncmp(out, head, strlen(head)) == 0, "%s", out);
	free(out);
}
END_TEST

/* profiles_lxc_keys(), profiles_check() */

START_TEST(test_lxc_keys)
{
	_cleanup_config_ struct config *generated = NULL, *named = NULL, *none = NULL;
	struct lxc_key_want want[3];
	struct fixture f;

	fixture_init(&f);
	generated = parse(f.conf, "# c\napparmor: profile=generated,nesting=1\n"
				  "selinux: system_u:system_r:container_t:s0:c10,c20\n");
	ck_assert_uint_eq(profiles_lxc_keys(&f.paths, ID, generated, want), 2);
	ck_assert_str_eq(want[0].feature, "apparmor");
	ck_assert_str_eq(want[0].key, "lxc.apparmor.profile");
	ck_assert_str_eq(want[0].value, "lxcri-ct-" ID);
	ck_assert_uint_eq(want[0].line, 2);
	ck_assert_str_eq(want[1].feature, "selinux");
	ck_assert_str_eq(want[1].key, "lxc.selinux.context");
	ck_assert_str_eq(want[1].value, "system_u:system_r:container_t:s0:c10,c20");
	ck_assert_uint_eq(want[1].line, 3);

	named = parse(f.conf, "apparmor: profile=lxc-container-default-cgns\n");
	ck_assert_uint_eq(profiles_lxc_keys(&f.paths, ID, named, want), 1);
	ck_assert_str_eq(want[0].value, "lxc-container-default-cgns");

	none = parse(f.conf, "# nothing\n");
	ck_assert_uint_eq(profiles_lxc_keys(&f.paths, ID, none, want), 0);
	fixture_done(&f);
}
END_TEST

START_TEST(test_lxc_keys_all_three)
{
	_cleanup_config_ struct config *c = NULL;
	struct lxc_key_want want[3];
	struct fixture f;

	fixture_init(&f);
	c = load(&f);
	ck_assert_uint_eq(profiles_lxc_keys(&f.paths, ID, c, want), 1);
	ck_assert_str_eq(want[0].feature, "seccomp");
	ck_assert_str_eq(want[0].key, "lxc.seccomp.profile");
	ck_assert_str_eq(want[0].value, f.profile);
	ck_assert_uint_eq(want[0].line, 2);
	config_free(c);

	write_conf(&f, "seccomp: %s\napparmor: profile=unconfined\nselinux: u:r:t\n", "");
	c = load(&f);
	ck_assert_uint_eq(profiles_lxc_keys(&f.paths, ID, c, want), 3);
	ck_assert_str_eq(want[0].key, "lxc.seccomp.profile");
	ck_assert_str_eq(want[1].key, "lxc.apparmor.profile");
	ck_assert_str_eq(want[1].value, "unconfined");
	ck_assert_str_eq(want[2].key, "lxc.selinux.context");
	ck_assert_str_eq(want[2].value, "u:r:t");
	fixture_done(&f);
}
END_TEST

static int check_all(const struct fixture *f, const char *lxc_text, struct lxcri_error *err)
{
	_cleanup_config_ struct config *c = load(f);

	test_write_file(f->lxc_config, lxc_text);
	return profiles_check(&f->paths, ID, c, f->lxc_config, err);
}

START_TEST(test_check_all)
{
	_cleanup_free_ char *seccomp = NULL, *text = NULL;
	struct lxcri_error err = {};
	struct fixture f;
	int r;

	fixture_init(&f);
	write_conf(&f,
		   "seccomp: %s\napparmor: profile=generated\n"
		   "selinux: system_u:system_r:container_t:s0\n",
		   "");
	ck_assert_int_ge(asprintf(&seccomp, "lxc.seccomp.profile = %s\n", f.profile), 0);

	/* Everything in place, in any order. */
	ck_assert_int_ge(asprintf(&text,
				  "lxc.selinux.context = system_u:system_r:container_t:s0\n"
				  "lxc.uts.name = web\n"
				  "lxc.apparmor.profile = lxcri-ct-" ID "\n%s",
				  seccomp),
			 0);
	r = check_all(&f, text, &err);
	ck_assert_msg(r == 0, "%d: %s", r, err.message);
	free(text);

	/* selinux missing. */
	ck_assert_int_ge(asprintf(&text, "%slxc.apparmor.profile = lxcri-ct-" ID "\n", seccomp), 0);
	ck_assert_int_eq(check_all(&f, text, &err), -ENOLINK);
	ck_assert_int_eq(err.code, -ENOLINK);
	ck_assert_msg(
	    strstr(err.message, ":3: 'selinux' is set") &&
		strstr(err.message,
		       "does not set lxc.selinux.context = system_u:system_r:container_t:s0"),
	    "%s", err.message);
	free(text);

	/* apparmor and selinux missing: the first is named. */
	ck_assert_int_eq(check_all(&f, seccomp, &err), -ENOLINK);
	ck_assert_msg(strstr(err.message, ":2: 'apparmor' is set") &&
			  strstr(err.message, "lxc.apparmor.profile = lxcri-ct-" ID) &&
			  strstr(err.message, "run 'lxcri apparmor set " ID),
		      "%s", err.message);

	/* apparmor set to another profile. */
	ck_assert_int_ge(asprintf(&text,
				  "%slxc.apparmor.profile = unconfined\n"
				  "lxc.selinux.context = system_u:system_r:container_t:s0\n",
				  seccomp),
			 0);
	ck_assert_int_eq(check_all(&f, text, &err), -ENOLINK);
	ck_assert_msg(
	    strstr(err.message, "'lxc.apparmor.profile = unconfined', not 'lxcri-ct-" ID "'"), "%s",
	    err.message);
	free(text);

	/* Everything but seccomp: the seccomp check says so. */
	ck_assert_int_eq(check_all(&f,
				   "lxc.apparmor.profile = lxcri-ct-" ID "\n"
				   "lxc.selinux.context = system_u:system_r:container_t:s0\n",
				   &err),
			 -ENOLINK);
	ck_assert_msg(strstr(err.message, "lxc.seccomp.profile"), "%s", err.message);

	/* A stale seccomp profile fails the whole check. */
	ck_assert_int_ge(asprintf(&text,
				  "%slxc.apparmor.profile = lxcri-ct-" ID "\n"
				  "lxc.selinux.context = system_u:system_r:container_t:s0\n",
				  seccomp),
			 0);
	test_write_file(f.source, "{}\n");
	ck_assert_int_eq(check_all(&f, text, &err), -ESTALE);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_named_profile)
{
	struct lxcri_error err = {};
	struct fixture f;

	fixture_init(&f);
	test_write_file(f.conf, "apparmor: profile=lxc-container-default-cgns\n");
	ck_assert_int_eq(check_all(&f, "lxc.apparmor.profile = lxc-container-default-cgns\n", &err),
			 0);
	ck_assert_int_eq(check_all(&f, "lxc.apparmor.profile = lxcri-ct-" ID "\n", &err), -ENOLINK);
	/* No profile key: nothing to check, whatever LXC's config says. */
	test_write_file(f.conf, "# nothing\n");
	ck_assert_int_eq(check_all(&f, "lxc.apparmor.profile = unconfined\n", &err), 0);
	fixture_done(&f);
}
END_TEST

/* At rest (config validate, status, check): LXC's config if there is one, else the profile alone.
 */
START_TEST(test_check_config_plain_lxc)
{
	struct fixture f;
	struct lxcri_error err = {};
	_cleanup_config_ struct config *c = NULL;

	fixture_init(&f);
	c = load(&f);
	ck_assert_int_eq(profiles_check_config(&f.paths, ID, c, &err), 0);
	write_fmt(f.lxc_config, "lxc.uts.name = %s\n", ID);
	ck_assert_int_eq(profiles_check_config(&f.paths, ID, c, &err), -ENOLINK);
	ck_assert_ptr_nonnull(strstr(err.message, "does not set lxc.seccomp.profile = "));
	ck_assert_int_eq(unlink(f.lxc_config), 0);
	ck_assert_int_eq(profiles_check_config(&f.paths, ID, c, &err), 0);
	test_write_file(f.source, "{}\n");
	ck_assert_int_eq(profiles_check_config(&f.paths, ID, c, &err), -ESTALE);
	fixture_done(&f);
}
END_TEST

/* On a PVE node the file is /etc/pve/lxc/<vmid>.conf, "key: value" (or "key = value"). */
START_TEST(test_check_config_pve)
{
	struct fixture f;
	struct lxcri_error err = {};
	_cleanup_config_ struct config *c = NULL;
	char path[PATH_MAX];

	fixture_init(&f);
	make_dir("%s/pve", f.dir);
	make_dir("%s/pve/lxc", f.dir);
	c = parse("105.conf", "apparmor: profile=lxc-default\nselinux: u:r:t:s0\n");
	snprintf(path, sizeof(path), "%s/pve/lxc/105.conf", f.dir);
	test_write_file(path, "arch: amd64\nlxc.apparmor.profile: lxc-default\n"
			      "lxc.selinux.context = u:r:t:s0\n[snap1]\nlxc.selinux.context: x\n");
	ck_assert_int_eq(profiles_check_config(&f.paths, "105", c, &err), 0);
	test_write_file(path, "arch: amd64\nlxc.apparmor.profile: other\n");
	ck_assert_int_eq(profiles_check_config(&f.paths, "105", c, &err), -ENOLINK);
	ck_assert_ptr_nonnull(strstr(err.message, "has 'lxc.apparmor.profile: other', not "
						  "'lxc-default'"));
	fixture_done(&f);
}
END_TEST

/*
 * A PVE container 105 whose stored profile keeps the protections of kept
 * (the text after "# lxcri: kept for ", or NULL: no such line), and PVE's
 * config of it: the check of the stored profile.
 */
static int check_pve_kind(const char *kept, const char *pve_conf, struct lxcri_error *err)
{
	_cleanup_free_ char *profile = NULL, *stamped = NULL, *conf = NULL;
	_cleanup_config_ struct config *c = NULL;
	char path[PATH_MAX], stored[PATH_MAX], source[PATH_MAX], sha[SHA256_HEX_SIZE];
	struct fixture f;
	int r;

	fixture_init(&f);
	make_dir("%s/pve", f.dir);
	make_dir("%s/pve/lxc", f.dir);
	make_dir("%s/pve/lxcri", f.dir);
	make_dir("%s/pve/lxcri/seccomp", f.dir);
	snprintf(source, sizeof(source), "%s", f.source);
	ck_assert_int_ge(asprintf(&profile, "2\ndenylist\n[all]\nmkdir errno 1\n%s%s%s",
				  kept ? "# lxcri: kept for " : "", kept ? kept : "",
				  kept ? "\nkexec_load errno 1\n" : ""),
			 0);
	ck_assert_int_eq(
	    profiles_seccomp_stamp(SOURCE_JSON, strlen(SOURCE_JSON), profile, &stamped, sha), 0);
	snprintf(stored, sizeof(stored), "%s/pve/lxcri/seccomp/%s.seccomp", f.dir, sha);
	test_write_file(stored, stamped);
	snprintf(path, sizeof(path), "%s/pve/lxc/105.conf", f.dir);
	test_write_file(path, pve_conf);
	snprintf(path, sizeof(path), "%s/pve/lxcri/105.conf", f.dir);
	ck_assert_int_ge(asprintf(&conf, "seccomp: %s\nseccomp-sha256: %s\n", source, sha), 0);
	test_write_file(path, conf);
	free(profile);
	ck_assert_int_ge(fileio_read_file(path, 0, &profile, NULL), 0);
	c = parse(path, profile);
	r = profiles_check_seccomp(&f.paths, "105", c, NULL, NULL, NULL, err);
	fixture_done(&f);
	return r;
}

/* The stored profile keeps what the container's kind asks for, as PVE's config says it now. */
START_TEST(test_check_kind_of_container)
{
	struct lxcri_error err = {};

	ck_assert_int_eq(check_pve_kind("pve-privileged: ...", "arch: amd64\n", &err), 0);
	ck_assert_int_eq(check_pve_kind("pve-unprivileged: ...", "unprivileged: 1\n", &err), 0);
	ck_assert_int_eq(check_pve_kind("pve-unprivileged: ...",
					"unprivileged: yes\nfeatures: nesting=1,keyctl=0\n", &err),
			 0);
	ck_assert_int_eq(check_pve_kind("pve-unprivileged-keyctl: ...",
					"unprivileged: 1\nfeatures: keyctl=1\n", &err),
			 0);
	/* A raw id map makes it unprivileged, as PVE reads it. */
	ck_assert_int_eq(
	    check_pve_kind("pve-unprivileged: ...",
			   "lxc.idmap: u 0 100000 65536\nlxc.idmap: g 0 100000 65536\n", &err),
	    0);
	/* features keyctl=1 of a privileged container changes nothing (PVE ignores it). */
	ck_assert_int_eq(check_pve_kind("pve-privileged: ...", "features: keyctl=1\n", &err), 0);
}
END_TEST

START_TEST(test_check_kind_changed)
{
	struct lxcri_error err = {};

	/* pct restore --unprivileged 1 */
	ck_assert_int_eq(
	    check_pve_kind("pve-privileged: ...", "arch: amd64\nunprivileged: 1\n", &err), -ESTALE);
	ck_assert_msg(strstr(err.message, ".seccomp' keeps the protections of a privileged PVE "
					  "container, but '") &&
			  strstr(err.message, "/pve/lxc/105.conf' now makes it an unprivileged PVE "
					      "container: run 'lxcri seccomp set 105 ") &&
			  strstr(err.message, "/src/profile.json' again"),
		      "%s", err.message);
	/* features keyctl=1 given, and taken back */
	ck_assert_int_eq(
	    check_pve_kind("pve-unprivileged: ...", "unprivileged: 1\nfeatures: keyctl=1\n", &err),
	    -ESTALE);
	ck_assert_msg(strstr(err.message,
			     "now makes it an unprivileged PVE container with features "
			     "keyctl=1"),
		      "%s", err.message);
	ck_assert_int_eq(check_pve_kind("pve-unprivileged-keyctl: ...", "unprivileged: 1\n", &err),
			 -ESTALE);
	/* Back to privileged. */
	ck_assert_int_eq(check_pve_kind("pve-unprivileged: ...", "unprivileged: 0\n", &err),
			 -ESTALE);
	ck_assert_ptr_nonnull(strstr(err.message, "now makes it a privileged PVE container"));
	/* Made for plain LXC, started on a PVE node. */
	ck_assert_int_eq(check_pve_kind("lxc: ...", "unprivileged: 0\n", &err), -ESTALE);
}
END_TEST

/* Made by an lxcri that kept nothing, or for a kind this one does not know: set it again. */
START_TEST(test_check_kept_unknown)
{
	struct lxcri_error err = {};

	ck_assert_int_eq(check_pve_kind(NULL, "arch: amd64\n", &err), -ESTALE);
	ck_assert_msg(strstr(err.message, "does not say which of the protections of LXC and PVE it "
					  "keeps (an older lxcri made it): run 'lxcri seccomp set "
					  "105 "),
		      "%s", err.message);
	ck_assert_int_eq(check_pve_kind("pve-other: ...", "arch: amd64\n", &err), -ESTALE);
}
END_TEST

/* PVE's config says what PVE would not take: the start is refused, naming the file and line. */
START_TEST(test_check_kind_bad_pve_config)
{
	struct lxcri_error err = {};

	ck_assert_int_eq(
	    check_pve_kind("pve-privileged: ...", "arch: amd64\nunprivileged: maybe\n", &err),
	    -EINVAL);
	ck_assert_msg(strstr(err.message, "/pve/lxc/105.conf:2: unprivileged: 'maybe' is not a "
					  "boolean (0 or 1)"),
		      "%s", err.message);
	ck_assert_int_eq(check_pve_kind("pve-unprivileged: ...",
					"unprivileged: 1\nfeatures: nesting=1,keyctl=sure\n", &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.message, "/pve/lxc/105.conf:2: features: keyctl: 'sure' is not a "
					  "boolean"),
		      "%s", err.message);
}
END_TEST

static Suite *profiles_suite(void)
{
	Suite *s = suite_create("profiles");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_check_current);
	tcase_add_test(tc, test_stamp_is_line_three);
	tcase_add_test(tc, test_check_source_edited);
	tcase_add_test(tc, test_check_profile_edited);
	tcase_add_test(tc, test_check_profile_edited_above_the_stamp);
	tcase_add_test(tc, test_check_stamp_removed);
	tcase_add_test(tc, test_check_stamp_garbled);
	tcase_add_test(tc, test_check_key_names_another_source);
	tcase_add_test(tc, test_check_no_digest_in_config);
	tcase_add_test(tc, test_check_source_missing_uses_copy);
	tcase_add_test(tc, test_check_source_missing_copy_edited);
	tcase_add_test(tc, test_check_source_and_copy_missing);
	tcase_add_test(tc, test_check_no_stored_profile);
	tcase_add_test(tc, test_check_lxc_config_without_the_key);
	tcase_add_test(tc, test_check_lxc_config_with_another_value);
	tcase_add_test(tc, test_check_lxc_config_missing);
	tcase_add_test(tc, test_stamp_refuses);
	tcase_add_test(tc, test_lxc_keys);
	tcase_add_test(tc, test_lxc_keys_all_three);
	tcase_add_test(tc, test_check_all);
	tcase_add_test(tc, test_check_named_profile);
	tcase_add_test(tc, test_check_config_plain_lxc);
	tcase_add_test(tc, test_check_config_pve);
	tcase_add_test(tc, test_check_kind_of_container);
	tcase_add_test(tc, test_check_kind_changed);
	tcase_add_test(tc, test_check_kept_unknown);
	tcase_add_test(tc, test_check_kind_bad_pve_config);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(profiles_suite)
