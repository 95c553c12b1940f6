/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image references (lib/image/imageref.c): the distribution grammar and Docker Hub's rules. */
#include <errno.h>

#include "testutil.h"

#include "lib/image/imageref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
	const char *in, *registry, *repository, *tag, *digest, *full;
} good[] = {
	{ "busybox", "docker.io", "library/busybox", "latest", "",
	  "docker.io/library/busybox:latest" },
	{ "busybox:1.36", "docker.io", "library/busybox", "1.36", "",
	  "docker.io/library/busybox:1.36" },
	{ "library/busybox", "docker.io", "library/busybox", "latest", "", NULL },
	{ "docker.io/nginx", "docker.io", "library/nginx", "latest", "", NULL },
	{ "index.docker.io/nginx:1", "docker.io", "library/nginx", "1", "",
	  "docker.io/library/nginx:1" },
	{ "bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", "", NULL },
	{ "ghcr.io/org/team/app:v1", "ghcr.io", "org/team/app", "v1", "", NULL },
	{ "localhost/app", "localhost", "app", "latest", "", "localhost/app:latest" },
	{ "localhost:5000/app:dev", "localhost:5000", "app", "dev", "", NULL },
	{ "127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", "", NULL },
	{ "[::1]:5000/app", "[::1]:5000", "app", "latest", "", NULL },
	{ "Registry/app", "Registry", "app", "latest", "", NULL }, /* upper case: a host */
	{ "app@sha256:" D64, "docker.io", "library/app", "", "sha256:" D64,
	  "docker.io/library/app@sha256:" D64 },
	{ "quay.io/a/b:t@sha256:" D64, "quay.io", "a/b", "t", "sha256:" D64,
	  "quay.io/a/b:t@sha256:" D64 },
	{ "a.b/my__app/x-y.z_w---v:_T.1-x", "a.b", "my__app/x-y.z_w---v", "_T.1-x", "", NULL },
};

START_TEST(test_parse)
{
	struct image_ref r;
	struct lxcri_error err = { 0 };
	char full[512];

	ck_assert_msg(image_ref_parse(good[_i].in, &r, &err) == 0, "%s: %s", good[_i].in,
		      err.message);
	ck_assert_str_eq(r.registry, good[_i].registry);
	ck_assert_str_eq(r.repository, good[_i].repository);
	ck_assert_str_eq(r.tag, good[_i].tag);
	ck_assert_str_eq(r.digest, good[_i].digest);
	ck_assert_int_eq(image_ref_format(&r, full, sizeof(full)), 0);
	if (good[_i].full)
		ck_assert_str_eq(full, good[_i].full);
	/* The full form names the same image. */
	struct image_ref again;
	ck_assert_int_eq(image_ref_parse(full, &again, &err), 0);
	ck_assert_mem_eq(&again, &r, sizeof(r));
}
END_TEST

static const struct {
	const char *in, *why;
} bad[] = {
	{ "", "it is empty" },
	{ "Busybox", "the repository name must be lower case" },
	{ "docker.io/Library/busybox", "the repository name must be lower case" },
	{ "busybox:", "expected a tag" },
	{ "busybox:.x", "expected a tag" },
	{ "busybox:-x", "expected a tag" },
	{ "busybox:a/b", "the registry is not a host name[:port]" },
	{ "busybox@sha256:abc", "expected a digest" },
	{ "busybox@sha512:" D64, "expected a digest" },
	{ "busybox@sha256:" D64 "00", "expected a digest" },
	{ "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	  "expected a digest" },
	{ "@sha256:" D64, "there is no name" },
	{ "a//b", "expected a repository" },
	{ "a/b/", "expected a repository" },
	{ "/a", "expected a repository" },
	{ "a-", "expected a repository" },
	{ "-a", "expected a repository" },
	{ "a..b", "expected a repository" },
	{ "a___b", "expected a repository" },
	{ "reg.io:99999x/a", "the registry is not a host name[:port]" },
	{ "reg.io:/a", "the registry is not a host name[:port]" },
	{ "-reg.io/a", "the registry is not a host name[:port]" },
	{ "re_g.io/a", "the registry is not a host name[:port]" },
	{ "[::1/a", "the registry is not a host name[:port]" },
	{ "a b", "expected a repository" },
	{ "../../etc/passwd", "the registry is not a host name[:port]" },
	{ "a/../../etc", "expected a repository" },
	{ "busybox\n", "expected a repository" },
};

START_TEST(test_refused)
{
	struct image_ref r = { .tag = "untouched" };
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(image_ref_parse(bad[_i].in, &r, &err), -EINVAL);
	ck_assert_msg(strncmp(err.message, "Invalid image reference '", 25) == 0 &&
			  strstr(err.message, bad[_i].why),
		      "'%s' gave '%s'", bad[_i].in, err.message);
	ck_assert_str_eq(r.tag, "untouched");
}
END_TEST

/* A name is at most 255 characters, registry included (library/ too on Docker Hub). */
START_TEST(test_length)
{
	char name[400];
	struct image_ref r;
	struct lxcri_error err = { 0 };

	/* r.io/ + 250 */
	memcpy(name, "r.io/", 5);
	memset(name + 5, 'a', 250);
	name[255] = '\0';
	ck_assert_msg(image_ref_parse(name, &r, &err) == 0, "%s", err.message);
	memset(name + 5, 'a', 251);
	name[256] = '\0';
	ck_assert_int_eq(image_ref_parse(name, &r, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "longer than 255"));
	/* docker.io/library/ + 237 */
	memset(name, 'a', 237);
	name[237] = '\0';
	ck_assert_msg(image_ref_parse(name, &r, &err) == 0, "%s", err.message);
	name[237] = 'a';
	name[238] = '\0';
	ck_assert_int_eq(image_ref_parse(name, &r, &err), -EINVAL);
	memset(name, 'a', 399);
	name[399] = '\0';
	ck_assert_int_eq(image_ref_parse(name, &r, &err), -EINVAL);
}
END_TEST

START_TEST(test_format_and_api_host)
{
	struct image_ref r;
	struct lxcri_error err = { 0 };
	char small[10];

	ck_assert_int_eq(image_ref_parse("busybox", &r, &err), 0);
	ck_assert_str_eq(image_ref_api_host(&r), "registry-1.docker.io");
	ck_assert_int_eq(image_ref_format(&r, small, sizeof(small)), -ENAMETOOLONG);
	ck_assert_int_eq(image_ref_parse("127.0.0.1:5000/app", &r, &err), 0);
	ck_assert_str_eq(image_ref_api_host(&r), "127.0.0.1:5000");
}
END_TEST

static Suite *imageref_suite(void)
{
	Suite *s = suite_create("imageref");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, (int)ELEMENTSOF(good));
	tcase_add_loop_test(tc, test_refused, 0, (int)ELEMENTSOF(bad));
	tcase_add_test(tc, test_length);
	tcase_add_test(tc, test_format_and_api_host);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(imageref_suite)
