/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Registry credentials (lib/image/authfile.c): containers-auth.json, root's alone. */
#include <errno.h>

#include "testutil.h"

#include "lib/basic/fileio.h"
#include "lib/basic/fileio.h"
#include "lib/image/authfile.h"

/* base64("alice:s3cret"), base64("bob:pw:with:colons"), base64("carol:x") */
#define ALICE "YWxpY2U6czNjcmV0"
#define BOB   "Ym9iOnB3OndpdGg6Y29sb25z"
#define CAROL "Y2Fyb2w6eA=="

static char *auth_file(const char *dir, const char *name, const char *json, mode_t mode)
{
	char *path = test_path(dir, name);

	test_write_file(path, json);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static void expect(char **paths, const char *registry, const char *repo, const char *user,
		   const char *password)
{
	struct authfile_credentials c = { 0 };
	struct lxcri_error err = { 0 };
	int r = authfile_lookup_credentials(paths, registry, repo, &c, &err);

	if (!user) {
		ck_assert_msg(r == 0, "%s/%s: %d %s", registry, repo, r, err.message);
		return;
	}
	ck_assert_msg(r == 1, "%s/%s: %d %s", registry, repo, r, err.message);
	ck_assert_str_eq(c.user, user);
	ck_assert_str_eq(c.password, password);
	authfile_credentials_free(&c);
}

START_TEST(test_base64)
{
	char *s, *e;
	size_t n;

	ck_assert_int_eq(authfile_base64_decode(ALICE, &s, &n), 0);
	ck_assert_str_eq(s, "alice:s3cret");
	free(s);
	ck_assert_int_eq(authfile_base64_decode(CAROL, &s, &n), 0);
	ck_assert_str_eq(s, "carol:x");
	ck_assert_uint_eq(n, 7);
	free(s);
	ck_assert_int_eq(authfile_base64_decode("", &s, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(s);
	for (const char *const *bad =
		 (const char *const[]){ "YWxpY2U", "YW=xpY2U", "Y===", "YWxp\nY2U6",
					"YWxpY2U6czNjcmV0 ", "Y2Fyb2w6eB==", "*WxpY2U6",
					"====", NULL };
	     *bad; bad++)
		ck_assert_msg(authfile_base64_decode(*bad, &s, &n) == -EINVAL, "%s", *bad);
	for (size_t len = 0; len < 8; len++) {
		e = authfile_base64_encode("abcdefgh", len);
		ck_assert_int_eq(authfile_base64_decode(e, &s, &n), 0);
		ck_assert_uint_eq(n, len);
		ck_assert_mem_eq(s, "abcdefgh", len);
		free(s);
		free(e);
	}
}
END_TEST

START_TEST(test_most_specific_wins)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path =
	    auth_file(dir, "auth.json",
		      "{\"auths\": {"
		      "\"reg.example:5000\": {\"auth\": \"" ALICE "\"},"
		      "\"reg.example:5000/team\": {\"auth\": \"" BOB "\"},"
		      "\"reg.example:5000/team/app\": {\"auth\": \"" CAROL "\"},"
		      "\"https://index.docker.io/v1/\": {\"auth\": \"" ALICE "\"},"
		      "\"docker.io/library\": {\"auth\": \"" CAROL "\"}"
		      "}}",
		      0600);
	char *paths[] = { path, NULL };

	expect(paths, "reg.example:5000", "team/app", "carol", "x");
	expect(paths, "reg.example:5000", "team/app/sub", "carol", "x");
	expect(paths, "reg.example:5000", "team/other", "bob", "pw:with:colons");
	expect(paths, "reg.example:5000", "teamx/app", "alice", "s3cret"); /* not a prefix */
	expect(paths, "reg.example:5000", "", "alice", "s3cret");
	expect(paths, "reg.example", "team/app", NULL, NULL); /* another port, another registry */
	expect(paths, "reg.example:50001", "team", NULL, NULL);
	expect(paths, "docker.io", "library/busybox", "carol", "x");
	expect(paths, "docker.io", "bitnami/redis", "alice", "s3cret"); /* docker's own key */
}
END_TEST

START_TEST(test_files_in_order)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *a =
	    auth_file(dir, "a.json", "{\"auths\": {\"r.io\": {\"auth\": \"" ALICE "\"}}}", 0600);
	_cleanup_free_ char *b = auth_file(dir, "b.json",
					   "{\"auths\": {\"r.io/x\": {\"auth\": \"" BOB "\"},"
					   "\"q.io\": {\"identitytoken\": \"refresh-me\"}}}",
					   0600);
	_cleanup_free_ char *missing = test_path(dir, "missing.json");
	char *paths[] = { missing, a, b, NULL };
	struct authfile_credentials c = { 0 };
	struct lxcri_error err = { 0 };
	char *user = NULL, *password = NULL;

	/* The first file with a match wins, however specific the next one's key. */
	expect(paths, "r.io", "x", "alice", "s3cret");
	ck_assert_int_eq(authfile_lookup_credentials(paths, "q.io", "x", &c, &err), 1);
	ck_assert_str_eq(c.user, "");
	ck_assert_ptr_null(c.password);
	ck_assert_str_eq(c.identity_token, "refresh-me");
	ck_assert_str_eq(c.path, b);
	ck_assert_str_eq(c.key, "q.io");
	authfile_credentials_free(&c);
	ck_assert_int_eq(authfile_lookup(paths, "r.io", "", &user, &password, &err), 1);
	ck_assert_str_eq(user, "alice");
	ck_assert_str_eq(password, "s3cret");
	free(user);
	free(password);
	ck_assert_int_eq(authfile_lookup(paths, "z.io", "", &user, &password, &err), 0);
}
END_TEST

START_TEST(test_paths_default)
{
	char **p;

	unsetenv("REGISTRY_AUTH_FILE");
	p = authfile_paths_default();
	ck_assert_str_eq(p[0], "/etc/lxcri/auth.json");
	ck_assert_ptr_null(p[1]);
	authfile_paths_free(p);
	setenv("REGISTRY_AUTH_FILE", "/run/containers/0/auth.json", 1);
	p = authfile_paths_default();
	ck_assert_str_eq(p[0], "/etc/lxcri/auth.json");
	ck_assert_str_eq(p[1], "/run/containers/0/auth.json");
	ck_assert_ptr_null(p[2]);
	authfile_paths_free(p);
}
END_TEST

static const struct {
	const char *json, *why;
} broken[] = {
	{ "{\"auths\": {\"r.io\": {\"auth\": \"not base64!\"}}}", "is not base64" },
	{ "{\"auths\": {\"r.io\": {\"auth\": \"YWxpY2U\"}}}", "is not base64" },
	{ "{\"auths\": {\"r.io\": {\"auth\": \"YWxpY2U=\"}}}", "not base64 of user:password" },
	{ "{\"auths\": {\"r.io\": {\"auth\": \"YQBiOmM=\"}}}", "with a NUL byte" },
	{ "{\"auths\": {\"r.io\": {\"auth\": 5}}}", "not a string" },
	{ "{\"auths\": {\"r.io\": {}}}", "has neither \"auth\" nor \"identitytoken\"" },
	{ "{\"auths\": {\"r.io\": []}}", "is not an object" },
	{ "{\"auths\": []}", "\"auths\" is an array, not an object" },
	{ "[]", "expected an object" },
	{ "{\"auths\": {\"r.io\": {\"auth\": \"" ALICE "\"}}", "not JSON" },
	{ "", "it is empty" },
};

START_TEST(test_broken_entries)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = auth_file(dir, "auth.json", broken[_i].json, 0600);
	char *paths[] = { path, NULL };
	struct authfile_credentials c = { 0 };
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(authfile_lookup_credentials(paths, "r.io", "a", &c, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, broken[_i].why), "%s", err.message);
	ck_assert_msg(strstr(err.message, path), "%s", err.message);
	/* Never the secret, nor its base64. */
	ck_assert_ptr_null(strstr(err.message, "YWxp"));
}
END_TEST

START_TEST(test_refused_files)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *open_file = auth_file(
	    dir, "readable.json", "{\"auths\": {\"r.io\": {\"auth\": \"" ALICE "\"}}}", 0644);
	_cleanup_free_ char *group = auth_file(dir, "group.json", "{}", 0640);
	_cleanup_free_ char *theirs = auth_file(
	    dir, "theirs.json", "{\"auths\": {\"r.io\": {\"auth\": \"" ALICE "\"}}}", 0600);
	_cleanup_free_ char *link = test_path(dir, "link.json");
	struct lxcri_error err = { 0 };
	char *user = NULL, *password = NULL;

	if (geteuid() != 0) {
		test_skip(__func__, "needs root to give a file away");
		return;
	}
	char *p1[] = { open_file, NULL };
	ck_assert_int_eq(authfile_lookup(p1, "r.io", "", &user, &password, &err), -EPERM);
	ck_assert_msg(strstr(err.message, open_file) && strstr(err.message, "group or others"),
		      "%s", err.message);
	char *p2[] = { group, NULL };
	ck_assert_int_eq(authfile_lookup(p2, "r.io", "", &user, &password, &err), -EPERM);

	/* A symlink to a file another user owns: refused, naming the path given. */
	ck_assert_int_eq(chown(theirs, 1000, 1000), 0);
	ck_assert_int_eq(symlink(theirs, link), 0);
	char *p3[] = { link, NULL };
	ck_assert_int_eq(authfile_lookup(p3, "r.io", "", &user, &password, &err), -EPERM);
	ck_assert_msg(strstr(err.message, link) && strstr(err.message, "owned by uid 1000"), "%s",
		      err.message);
	/* Login refuses to rewrite it too. */
	ck_assert_int_eq(authfile_login(link, "r.io", "u", "p", &err), -EPERM);

	/* A directory others may write (not sticky) on the way. */
	_cleanup_free_ char *sub = test_path(dir, "open");
	ck_assert_int_eq(mkdir(sub, 0777), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	_cleanup_free_ char *inside =
	    auth_file(sub, "auth.json", "{\"auths\": {\"r.io\": {\"auth\": \"" ALICE "\"}}}", 0600);
	char *p4[] = { inside, NULL };
	ck_assert_int_eq(authfile_lookup(p4, "r.io", "", &user, &password, &err), -EPERM);
	ck_assert_msg(strstr(err.message, "writable by group or others"), "%s", err.message);
	ck_assert_ptr_null(strstr(err.message, "s3cret"));
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_login_logout)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *path = test_path(dir, "new/sub/auth.json");
	_cleanup_free_ char *parent = test_path(dir, "new/sub");
	char *paths[] = { path, NULL };
	struct lxcri_error err = { 0 };
	struct stat st;
	char *text;

	ck_assert_int_eq(authfile_login(path, "reg.example:5000", "alice", "s3cret", &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(parent, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	expect(paths, "reg.example:5000", "a/b", "alice", "s3cret");

	/* Another entry is kept, the same one replaced; unknown keys survive. */
	test_write_file(path,
			"{\"auths\": {\"q.io\": {\"auth\": \"" BOB "\"}}, \"credHelpers\": {}}");
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(authfile_login(path, "reg.example:5000", "alice", "new:pw", &err), 0);
	ck_assert_int_eq(authfile_login(path, "reg.example:5000", "alice", "newer", &err), 0);
	expect(paths, "reg.example:5000", "", "alice", "newer");
	expect(paths, "q.io", "", "bob", "pw:with:colons");
	ck_assert_int_ge(fileio_read_file(path, 0, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "credHelpers"));
	free(text);

	ck_assert_int_eq(authfile_logout(path, "reg.example:5000", &err), 0);
	expect(paths, "reg.example:5000", "", NULL, NULL);
	expect(paths, "q.io", "", "bob", "pw:with:colons");
	ck_assert_int_eq(authfile_logout(path, "reg.example:5000", &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "Not logged in to 'reg.example:5000'"));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	/* Refused input, and never the password in the message. */
	ck_assert_int_eq(authfile_login(path, "r.io", "a:b", "pw", &err), -EINVAL);
	ck_assert_int_eq(authfile_login(path, "r.io", "", "pw", &err), -EINVAL);
	ck_assert_int_eq(authfile_login(path, "r.io", "a", "", &err), -EINVAL);
	ck_assert_int_eq(authfile_login(path, "r.io", "a", "pw\nx", &err), -EINVAL);
	ck_assert_ptr_null(strstr(err.message, "pw"));
	ck_assert_int_eq(authfile_login(path, "r.io/", "a", "pw", &err), -EINVAL);
	ck_assert_int_eq(authfile_login(path, "r io", "a", "pw", &err), -EINVAL);
	ck_assert_int_eq(authfile_login(path, "", "a", "pw", &err), -EINVAL);
	test_rm_rf(dir);
}
END_TEST

static Suite *authfile_suite(void)
{
	Suite *s = suite_create("authfile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_most_specific_wins);
	tcase_add_test(tc, test_files_in_order);
	tcase_add_test(tc, test_paths_default);
	tcase_add_loop_test(tc, test_broken_entries, 0, ELEMENTSOF(broken));
	tcase_add_test(tc, test_refused_files);
	tcase_add_test(tc, test_login_logout);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(authfile_suite)
