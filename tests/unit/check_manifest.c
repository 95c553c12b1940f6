/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#include "lib/image/manifest.h"
#include "lib/image/platform.h"

#define D1 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D2 "sha256:a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"

/* An OCI manifest as umoci writes it. */
static const char oci_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
    "\",\"size\":1200},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
    "\"digest\":\"" D2 "\",\"size\":700000},{\"mediaType\":\"application/"
    "vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D1 "\",\"size\":5}],\"annotations\":{}}";

/* Docker Hub's manifest list, with an attestation entry as buildkit pushes it. */
static const char docker_list[] =
    "{\"manifests\":[{\"digest\":\"" D1 "\",\"mediaType\":\"application/"
    "vnd.docker.distribution.manifest.v2+json\",\"platform\":{\"architecture\":\"amd64\",\"os\":"
    "\"linux\"},\"size\":528},{\"digest\":\"" D2 "\",\"mediaType\":\"application/"
    "vnd.docker.distribution.manifest.v2+json\",\"platform\":{\"architecture\":\"arm64\",\"os\":"
    "\"linux\",\"variant\":\"v8\"},\"size\":528},{\"digest\":\"" D1 "\",\"mediaType\":"
    "\"application/vnd.oci.image.manifest.v1+json\",\"platform\":{\"architecture\":\"unknown\","
    "\"os\":\"unknown\"},\"size\":566}],\"mediaType\":\"application/"
    "vnd.docker.distribution.manifest.list.v2+json\",\"schemaVersion\":2}";

static struct manifest *parse_ok(const char *type, const char *text)
{
	struct lxcri_error err = { 0 };
	struct manifest *m = NULL;

	ck_assert_msg(manifest_parse(type, text, strlen(text), &m, &err) == 0, "%s", err.message);
	return m;
}

static void parse_fails(const char *type, const char *text, int code, const char *message)
{
	struct lxcri_error err = { 0 };
	struct manifest *m = NULL;

	ck_assert_int_eq(manifest_parse(type, text, strlen(text), &m, &err), code);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err.message, message), "'%s' lacks '%s'", err.message, message);
}

START_TEST(test_image_manifest)
{
	struct manifest *m = parse_ok(MEDIA_TYPE_OCI_MANIFEST "; charset=utf-8", oci_manifest);
	enum manifest_compression c;
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(m->kind, MANIFEST_IMAGE);
	ck_assert_str_eq(m->media_type, MEDIA_TYPE_OCI_MANIFEST);
	ck_assert_str_eq(m->config.digest, D1);
	ck_assert_uint_eq(m->config.size, 1200);
	ck_assert_uint_eq(m->n_layers, 2);
	ck_assert_str_eq(m->layers[0].digest, D2);
	ck_assert_uint_eq(m->layers[0].size, 700000);
	ck_assert_int_eq(manifest_layer_compression(m->layers[0].media_type, &c, &err), 0);
	ck_assert_int_eq(c, MANIFEST_COMPRESSION_GZIP);
	ck_assert_int_eq(manifest_layer_compression(m->layers[1].media_type, &c, &err), 0);
	ck_assert_int_eq(c, MANIFEST_COMPRESSION_ZSTD);
	ck_assert_int_eq(manifest_layer_compression(MEDIA_TYPE_DOCKER_LAYER, &c, &err), 0);
	ck_assert_int_eq(c, MANIFEST_COMPRESSION_GZIP);
	ck_assert_int_eq(manifest_layer_compression(MEDIA_TYPE_OCI_LAYER, &c, &err), 0);
	ck_assert_int_eq(c, MANIFEST_COMPRESSION_NONE);
	ck_assert_int_eq(manifest_layer_compression(
			     "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", &c, &err),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err.message, "encrypted layers are not supported"));
	manifest_free(m);
	/* No Content-Type and no mediaType: the members tell. */
	m = parse_ok(NULL, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
			   "vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":1},"
			   "\"layers\":[]}");
	ck_assert_int_eq(m->kind, MANIFEST_IMAGE);
	ck_assert_uint_eq(m->n_layers, 0);
	manifest_free(m);
}
END_TEST

START_TEST(test_index_and_select)
{
	struct manifest *m = parse_ok(MEDIA_TYPE_DOCKER_LIST, docker_list);
	const struct manifest_descriptor *d = NULL;
	struct lxcri_error err = { 0 };
	struct platform p;

	ck_assert_int_eq(m->kind, MANIFEST_INDEX);
	ck_assert_uint_eq(m->n_manifests, 3);
	ck_assert_int_eq(platform_parse("linux/amd64", &p, &err), 0);
	ck_assert_int_eq(manifest_select(m, &p, &d, &err), 0);
	ck_assert_str_eq(d->digest, D1);
	/* arm64 and arm64/v8 and aarch64 are the same platform. */
	ck_assert_int_eq(platform_parse("aarch64", &p, &err), 0);
	ck_assert_int_eq(manifest_select(m, &p, &d, &err), 0);
	ck_assert_str_eq(d->digest, D2);
	ck_assert_int_eq(platform_parse("linux/arm64/v8", &p, &err), 0);
	ck_assert_int_eq(manifest_select(m, &p, &d, &err), 0);
	ck_assert_str_eq(d->digest, D2);
	/* The attestation (unknown/unknown) is never chosen, nor listed. */
	ck_assert_int_eq(platform_parse("linux/s390x", &p, &err), 0);
	ck_assert_int_eq(manifest_select(m, &p, &d, &err), -ENOENT);
	ck_assert_str_eq(err.message, "The image has no manifest for 'linux/s390x'; it has: "
				      "linux/amd64, linux/arm64/v8");
	manifest_free(m);
}
END_TEST

START_TEST(test_refused)
{
	/* Schema 1, by header or content. */
	parse_fails(MEDIA_TYPE_DOCKER_SCHEMA1_S, "{\"schemaVersion\":1}", -ENOTSUP,
		    "schema 1 manifest");
	parse_fails(NULL, "{\"schemaVersion\":1,\"fsLayers\":[]}", -ENOTSUP, "schema 1");
	/* The header and the content disagree. */
	parse_fails(MEDIA_TYPE_DOCKER_MANIFEST, oci_manifest, -EINVAL,
		    "sent it as 'application/vnd.docker.distribution.manifest.v2+json' but it "
		    "says it is 'application/vnd.oci.image.manifest.v1+json'");
	/* An artifact: a config that is no image config. */
	parse_fails(NULL,
		    "{\"schemaVersion\":2,\"mediaType\":\"application/"
		    "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/"
		    "vnd.cncf.helm.config.v1+json\",\"digest\":\"" D1
		    "\",\"size\":1},\"layers\":[]}",
		    -ENOTSUP, "'application/vnd.cncf.helm.config.v1+json' (an artifact?)");
	parse_fails(NULL, "{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", -ENOTSUP,
		    "'text/plain' is not an image manifest");
	/* Digests, sizes, types. */
	parse_fails(NULL,
		    "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:abc\",\"size\":1}]}",
		    -EINVAL, "manifests[0] has the digest 'sha256:abc'");
	parse_fails(NULL,
		    "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":-1}]}",
		    -EINVAL, "manifests[0] has no size that is a non-negative integer");
	parse_fails(NULL,
		    "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1.5}]}",
		    -EINVAL, "no size");
	parse_fails(NULL, "{\"schemaVersion\":2,\"manifests\":{}}", -EINVAL, "no manifests array");
	parse_fails(NULL, "{\"schemaVersion\":3,\"manifests\":[]}", -EINVAL,
		    "schemaVersion is not 2");
	parse_fails(NULL, "{\"schemaVersion\":2,\"manifests\":[],}", -EINVAL, "not JSON");
	parse_fails(NULL, "[]", -EINVAL, "not a JSON object");
	parse_fails(NULL, "", -EINVAL, "it is empty");
	parse_fails(NULL, "{\"schemaVersion\":2}", -EINVAL, "no mediaType, manifests or layers");
	parse_fails(NULL,
		    "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1
		    "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}",
		    -EINVAL, "without os and architecture");
}
END_TEST

/* Past the limits: too many layers, too many bytes. */
START_TEST(test_limits)
{
	struct lxcri_error err = { 0 };
	struct manifest *m = NULL;
	size_t cap = 200 * (MANIFEST_MAX_ITEMS + 2), n = 0;
	char *text = malloc(cap), *big;

	ck_assert_ptr_nonnull(text);
	n += (size_t)snprintf(text + n, cap - n, "{\"schemaVersion\":2,\"manifests\":[");
	for (int i = 0; i <= MANIFEST_MAX_ITEMS; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s{\"digest\":\"" D1 "\",\"size\":1}",
				      i ? "," : "");
	n += (size_t)snprintf(text + n, cap - n, "]}");
	ck_assert_int_eq(manifest_parse(NULL, text, n, &m, &err), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err.message, "more than 1024"));
	big = calloc(1, MANIFEST_MAX_SIZE + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', MANIFEST_MAX_SIZE + 1);
	ck_assert_int_eq(manifest_parse(NULL, big, MANIFEST_MAX_SIZE + 1, &m, &err), -E2BIG);
	free(big);
	free(text);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_test(tc, test_image_manifest);
	tcase_add_test(tc, test_index_and_select);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(manifest_suite)
