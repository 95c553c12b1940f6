/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry client (lib/image/registry.c) against real servers on
 * 127.0.0.1: docker-registry for the distribution API as it is, and the
 * server of registrytest.h for token auth, ranges, redirects and failures.
 */
#include <curl/curl.h>
#include <errno.h>

#include "registrytest.h"

#include "lib/basic/sha256.h"
#include "lib/image/registry.h"

struct sink {
	unsigned char *data;
	size_t size;
	unsigned restarts;
	int fail_after; /* a write error after so many bytes, 0: never */
};

static int sink_write(void *ctx, const void *data, size_t size)
{
	struct sink *s = ctx;

	if (s->fail_after && s->size + size > (size_t)s->fail_after)
		return -ENOSPC;
	s->data = realloc(s->data, s->size + size);
	ck_assert_ptr_nonnull(s->data);
	memcpy(s->data + s->size, data, size);
	s->size += size;
	return 0;
}

static int sink_restart(void *ctx)
{
	struct sink *s = ctx;

	s->size = 0;
	s->restarts++;
	return 0;
}

/* The test blob from offset on, exactly. */
static void sink_expect_blob(const struct sink *s, size_t offset)
{
	ck_assert_uint_eq(s->size, TEST_BLOB_SIZE - offset);
	for (size_t i = 0; i < s->size; i++)
		if (s->data[i] != test_blob_byte(offset + i))
			ck_abort_msg("byte %zu differs", offset + i);
}

struct fixture {
	char *dir;
	char *auth_file;
	char insecure[64];
	struct test_server server, other;
	struct registry_client *client;
};

/* Servers (the main one with auth, another without for redirects) and a client of repo. */
static void fixture_start(struct fixture *f, enum test_server_auth auth, const char *repo,
			  const char *password, long low_speed_time)
{
	struct lxcri_error err = { 0 };
	struct image_ref ref;
	char refs[512];

	f->dir = test_tmpdir();
	f->auth_file = test_path(f->dir, "auth/auth.json");
	test_server_start(&f->other, f->dir, TEST_AUTH_NONE, 0);
	test_server_start(&f->server, f->dir, auth, f->other.port);
	snprintf(f->insecure, sizeof(f->insecure), "127.0.0.1:%d", f->server.port);
	if (password) {
		ck_assert_int_eq(
		    authfile_login(f->auth_file, f->insecure, TEST_USER, password, &err), 0);
	}
	char *insecure[] = { f->insecure, NULL };
	char *files[] = { f->auth_file, NULL };
	struct registry_options o = {
		.insecure = insecure,
		.auth_files = files,
		.low_speed_time = low_speed_time,
		.connect_timeout = 5,
	};
	snprintf(refs, sizeof(refs), "%s/%s:latest", f->insecure, repo);
	ck_assert_int_eq(image_ref_parse(refs, &ref, &err), 0);
	ck_assert_int_eq(registry_global_init(&err), 0);
	ck_assert_msg(registry_client_new(&ref, &o, &f->client, &err) == 0, "%s", err.message);
}

static void fixture_stop(struct fixture *f)
{
	registry_client_free(f->client);
	test_server_stop(&f->server);
	test_server_stop(&f->other);
	test_rm_rf(f->dir);
	free(f->dir);
	free(f->auth_file);
	registry_global_cleanup();
}

START_TEST(test_bearer_anonymous)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	char *body = NULL, *type = NULL, *digest = NULL;
	size_t size = 0;
	_cleanup_free_ char *log = NULL;

	fixture_start(&f, TEST_AUTH_BEARER, "public/app", NULL, 0);
	ck_assert_msg(registry_ping(f.client, &err) == 0, "%s", err.message);
	ck_assert_msg(registry_get_manifest(f.client, "public/app", "latest",
					    "application/vnd.oci.image.manifest.v1+json", &body,
					    &size, &type, &digest, &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(body, TEST_MANIFEST);
	ck_assert_uint_eq(size, strlen(TEST_MANIFEST));
	ck_assert_str_eq(type, "application/vnd.oci.image.manifest.v1+json");
	ck_assert_str_eq(digest, TEST_MANIFEST_DIGEST);
	free(body), free(type), free(digest);
	log = test_server_log(&f.server);
	/* One challenge, one anonymous token, then the token is reused. */
	ck_assert_msg(
	    strstr(
		log,
		"GET /token?service=test-registry&scope=repository%3Apublic%2Fapp%3Apull auth=-") ||
		strstr(log, "scope=repository%3apublic%2fapp%3apull auth=-"),
	    "%s", log);
	ck_assert_msg(
	    strstr(log, "GET /v2/public/app/manifests/latest auth=Bearer anon.public/app"), "%s",
	    log);
	ck_assert_int_eq(
	    registry_head_manifest(f.client, "public/app", "latest", NULL, &digest, &err), 0);
	ck_assert_str_eq(digest, TEST_MANIFEST_DIGEST);
	free(digest);
	free(log);
	log = test_server_log(&f.server);
	ck_assert_msg(
	    strstr(log, "HEAD /v2/public/app/manifests/latest auth=Bearer anon.public/app"), "%s",
	    log);
	/* One token in all: the ping's is for this repository, and still fresh. */
	size_t tokens = 0;
	for (const char *p = log; (p = strstr(p, "/token?")); p++)
		tokens++;
	ck_assert_uint_eq(tokens, 1);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_bearer_with_credentials)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	char *body = NULL;
	size_t size = 0;
	_cleanup_free_ char *log = NULL, *enc = NULL;
	char want[256];

	fixture_start(&f, TEST_AUTH_BEARER, "private/app", TEST_PASSWORD, 0);
	ck_assert_msg(registry_get_manifest(f.client, "private/app", "latest", NULL, &body, &size,
					    NULL, NULL, &err) == 0,
		      "%s", err.message);
	free(body);
	enc = authfile_base64_encode(TEST_USER ":" TEST_PASSWORD,
				     strlen(TEST_USER ":" TEST_PASSWORD));
	snprintf(want, sizeof(want), "auth=Basic %s", enc);
	log = test_server_log(&f.server);
	ck_assert_msg(strstr(log, want), "%s", log);
	ck_assert_ptr_nonnull(
	    strstr(log, "GET /v2/private/app/manifests/latest auth=Bearer basic.private/app"));
	fixture_stop(&f);
}
END_TEST

START_TEST(test_bearer_refused)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	char *body = NULL;
	size_t size = 0;

	/* Wrong password: unauthorized, which file, never the password. */
	fixture_start(&f, TEST_AUTH_BEARER, "private/app", "wrong-pw", 0);
	ck_assert_int_eq(registry_get_manifest(f.client, "private/app", "latest", NULL, &body,
					       &size, NULL, NULL, &err),
			 -EACCES);
	ck_assert_msg(strstr(err.message, "unauthorized") && strstr(err.message, f.auth_file) &&
			  strstr(err.message, f.insecure) && strstr(err.message, "private/app") &&
			  strstr(err.message, "bad credentials"),
		      "%s", err.message);
	ck_assert_ptr_null(strstr(err.message, "wrong-pw"));
	fixture_stop(&f);

	/* No credentials at all for a private repository. */
	f = (struct fixture){ 0 };
	fixture_start(&f, TEST_AUTH_BEARER, "private/app", NULL, 0);
	ck_assert_int_eq(registry_ping(f.client, &err), -EACCES);
	ck_assert_msg(strstr(err.message, "no credentials for it in") &&
			  strstr(err.message, f.auth_file),
		      "%s", err.message);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_basic_auth)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	char *digest = NULL;

	fixture_start(&f, TEST_AUTH_BASIC, "app", TEST_PASSWORD, 0);
	ck_assert_msg(registry_head_manifest(f.client, "app", "v1", NULL, &digest, &err) == 0, "%s",
		      err.message);
	ck_assert_str_eq(digest, TEST_MANIFEST_DIGEST);
	free(digest);
	fixture_stop(&f);

	f = (struct fixture){ 0 };
	fixture_start(&f, TEST_AUTH_BASIC, "app", NULL, 0);
	ck_assert_int_eq(registry_head_manifest(f.client, "app", "v1", NULL, &digest, &err),
			 -EACCES);
	ck_assert_msg(strstr(err.message, "unauthorized (Basic"), "%s", err.message);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_range_resume)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	struct sink s = { 0 };
	_cleanup_free_ char *log = NULL;

	fixture_start(&f, TEST_AUTH_BEARER, "public/app", NULL, 0);
	/* 206: the rest only. */
	ck_assert_msg(registry_get_blob(f.client, "public/app", "sha256:range", 1000, sink_write,
					sink_restart, &s, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(s.restarts, 0);
	sink_expect_blob(&s, 1000);
	log = test_server_log(&f.server);
	ck_assert_msg(
	    strstr(log, "blobs/sha256:range auth=Bearer anon.public/app range=bytes=1000-"), "%s",
	    log);

	/* 200 to a range: restarted, the whole blob. */
	s.size = 0;
	ck_assert_msg(registry_get_blob(f.client, "public/app", "sha256:norange", 5000, sink_write,
					sink_restart, &s, &err) == 0,
		      "%s", err.message);
	ck_assert_uint_eq(s.restarts, 1);
	sink_expect_blob(&s, 0);

	/* Without a way to restart, that is an error. */
	s.size = 0;
	ck_assert_int_eq(registry_get_blob(f.client, "public/app", "sha256:norange", 5000,
					   sink_write, NULL, &s, &err),
			 -ESPIPE);
	/* From the start, no Range at all. */
	s.size = 0;
	ck_assert_int_eq(registry_get_blob(f.client, "public/app", "sha256:range", 0, sink_write,
					   NULL, &s, &err),
			 0);
	sink_expect_blob(&s, 0);
	/* The writer's error ends the download with it. */
	free(s.data);
	s = (struct sink){ .fail_after = 1000 };
	ck_assert_int_eq(registry_get_blob(f.client, "public/app", "sha256:range", 0, sink_write,
					   NULL, &s, &err),
			 -ENOSPC);
	free(s.data);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_redirect_drops_authorization)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	struct sink s = { 0 };
	_cleanup_free_ char *log = NULL, *other = NULL;

	fixture_start(&f, TEST_AUTH_BEARER, "public/app", NULL, 0);
	ck_assert_msg(registry_get_blob(f.client, "public/app", "sha256:redirect", 0, sink_write,
					sink_restart, &s, &err) == 0,
		      "%s", err.message);
	sink_expect_blob(&s, 0);
	log = test_server_log(&f.server);
	other = test_server_log(&f.other);
	ck_assert_msg(strstr(log, "blobs/sha256:redirect auth=Bearer anon.public/app"), "%s", log);
	/* The storage host got the request, and no Authorization. */
	ck_assert_msg(strstr(other, "GET /storage/blob?sig=1 auth=- "), "%s", other);
	ck_assert_ptr_null(strstr(other, "Bearer"));

	/* A redirect loop ends. */
	ck_assert_int_eq(registry_get_blob(f.client, "public/app", "sha256:loop", 0, sink_write,
					   sink_restart, &s, &err),
			 -ELOOP);
	ck_assert_msg(strstr(err.message, "more than 5 redirects"), "%s", err.message);
	free(s.data);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_errors)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	char *body = NULL;
	size_t size = 0;

	fixture_start(&f, TEST_AUTH_NONE, "team/app", NULL, 0);
	ck_assert_int_eq(registry_get_manifest(f.client, "team/app", "err500", NULL, &body, &size,
					       NULL, NULL, &err),
			 -EIO);
	ck_assert_msg(strstr(err.message, "HTTP 500") && strstr(err.message, "storage on fire") &&
			  strstr(err.message, "team/app") && strstr(err.message, f.insecure),
		      "%s", err.message);
	ck_assert_int_eq(registry_get_manifest(f.client, "team/app", "missing", NULL, &body, &size,
					       NULL, NULL, &err),
			 -ENOENT);
	ck_assert_msg(strstr(err.message, "HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)"), "%s",
		      err.message);
	ck_assert_int_eq(registry_get_manifest(f.client, "team/app", "huge", NULL, &body, &size,
					       NULL, NULL, &err),
			 -EFBIG);
	ck_assert_msg(strstr(err.message, "larger than 4194304 bytes"), "%s", err.message);
	/* Names that would change the URL are refused before any request. */
	ck_assert_int_eq(registry_get_manifest(f.client, "team/app", "../x?y", NULL, &body, &size,
					       NULL, NULL, &err),
			 -EINVAL);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_stall_times_out)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	struct sink s = { 0 };
	time_t start;

	fixture_start(&f, TEST_AUTH_NONE, "app", NULL, 2);
	start = time(NULL);
	ck_assert_int_eq(registry_get_blob(f.client, "app", "sha256:stall", 0, sink_write,
					   sink_restart, &s, &err),
			 -ETIMEDOUT);
	ck_assert_int_le(time(NULL) - start, 10);
	ck_assert_msg(strstr(err.message, "blob 'app@sha256:stall'"), "%s", err.message);
	free(s.data);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_parallel_blobs)
{
	struct fixture f = { 0 };
	struct lxcri_error err = { 0 };
	struct sink s[5] = { 0 };
	struct registry_blob_request reqs[5] = {
		{ .digest = "sha256:range", .offset = 10 },
		{ .digest = "sha256:norange", .offset = 20 },
		{ .digest = "sha256:redirect" },
		{ .digest = "sha256:gone" },
		{ .digest = "sha256:range" },
	};

	fixture_start(&f, TEST_AUTH_BEARER, "public/app", NULL, 0);
	for (size_t i = 0; i < 5; i++) {
		reqs[i].write_cb = sink_write;
		reqs[i].restart_cb = sink_restart;
		reqs[i].ctx = &s[i];
	}
	ck_assert_int_eq(registry_get_blobs(f.client, "public/app", reqs, 5, 2, &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "sha256:gone") && strstr(err.message, "BLOB_UNKNOWN"),
		      "%s", err.message);
	ck_assert_int_eq(reqs[0].result, 0);
	sink_expect_blob(&s[0], 10);
	ck_assert_int_eq(reqs[1].result, 0);
	ck_assert_uint_eq(s[1].restarts, 1);
	sink_expect_blob(&s[1], 0);
	ck_assert_int_eq(reqs[2].result, 0);
	sink_expect_blob(&s[2], 0);
	ck_assert_int_eq(reqs[3].result, -ENOENT);
	ck_assert_int_eq(reqs[4].result, 0);
	sink_expect_blob(&s[4], 0);
	for (size_t i = 0; i < 5; i++)
		free(s[i].data);
	fixture_stop(&f);
}
END_TEST

/* ---- docker-registry ---- */

struct upload {
	const char *data;
	size_t size, done;
};

static size_t upload_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t k = size * n < u->size - u->done ? size * n : u->size - u->done;

	memcpy(buf, u->data + u->done, k);
	u->done += k;
	return k;
}

static size_t header_location(char *buf, size_t size, size_t n, void *ctx)
{
	char *loc = ctx;

	if (strncasecmp(buf, "Location:", 9) == 0)
		sscanf(buf + 9, " %1023s", loc);
	return size * n;
}

/* A request with libcurl: its status; Location (1024 bytes) if loc. */
static long test_http(const char *method, const char *url, const char *content_type,
		      const char *data, size_t size, char *loc, const char *userpwd)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL;
	struct upload u = { data, size, 0 };
	long status = 0;
	char ct[256];

	ck_assert_ptr_nonnull(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (userpwd)
		curl_easy_setopt(e, CURLOPT_USERPWD, userpwd);
	if (data) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, upload_read);
		curl_easy_setopt(e, CURLOPT_READDATA, &u);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	} else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	if (content_type) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		h = curl_slist_append(h, ct);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	}
	if (loc) {
		loc[0] = '\0';
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_location);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, loc);
	}
	ck_assert_int_eq(curl_easy_perform(e), CURLE_OK);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return status;
}

/* Pushes a blob as the distribution API has it: POST an upload, PUT its content with ?digest=. */
static void test_push_blob(int port, const char *repo, const char *data, size_t size,
			   char digest[static 72], const char *userpwd)
{
	char url[512], loc[1024], put[2048], hex[SHA256_HEX_SIZE];

	sha256_hex(data, size, hex);
	snprintf(digest, 72, "sha256:%s", hex);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/%s/blobs/uploads/", port, repo);
	ck_assert_int_eq(test_http("POST", url, NULL, NULL, 0, loc, userpwd), 202);
	ck_assert_str_ne(loc, "");
	snprintf(put, sizeof(put), "%s%s%sdigest=%s", loc[0] == '/' ? "http://127.0.0.1" : "", "",
		 strchr(loc, '?') ? "&" : "?", digest);
	if (loc[0] == '/') {
		snprintf(put, sizeof(put), "http://127.0.0.1:%d%s%sdigest=%s", port, loc,
			 strchr(loc, '?') ? "&" : "?", digest);
	} else
		snprintf(put, sizeof(put), "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?",
			 digest);
	ck_assert_int_eq(
	    test_http("PUT", put, "application/octet-stream", data, size, NULL, userpwd), 201);
}

struct pushed {
	char config[72], layer[72], manifest_digest[72];
	char *manifest;
	char *layer_data;
	size_t layer_size;
};

static void test_push_image(int port, const char *repo, const char *tag, struct pushed *p,
			    const char *userpwd)
{
	const char *config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			     "\"layers\",\"diff_ids\":[]}}";
	char url[512], hex[SHA256_HEX_SIZE];

	p->layer_size = 300000;
	p->layer_data = malloc(p->layer_size);
	for (size_t i = 0; i < p->layer_size; i++)
		p->layer_data[i] = (char)(i * 13 % 256);
	test_push_blob(port, repo, config, strlen(config), p->config, userpwd);
	test_push_blob(port, repo, p->layer_data, p->layer_size, p->layer, userpwd);
	ck_assert_int_ge(asprintf(&p->manifest,
				  "{\"schemaVersion\":2,\"mediaType\":\"application/"
				  "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
				  "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
				  "\"size\":%zu},\"layers\":[{\"mediaType\":\"application/"
				  "vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
				  p->config, strlen(config), p->layer, p->layer_size),
			 0);
	sha256_hex(p->manifest, strlen(p->manifest), hex);
	snprintf(p->manifest_digest, sizeof(p->manifest_digest), "sha256:%s", hex);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/%s/manifests/%s", port, repo, tag);
	ck_assert_int_eq(test_http("PUT", url, "application/vnd.oci.image.manifest.v1+json",
				   p->manifest, strlen(p->manifest), NULL, userpwd),
			 201);
}

static struct registry_client *docker_client(int port, const char *repo, char *const *auth_files)
{
	struct lxcri_error err = { 0 };
	struct registry_client *c = NULL;
	struct image_ref ref;
	char host[64], refs[256];

	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	snprintf(refs, sizeof(refs), "%s/%s:latest", host, repo);
	ck_assert_int_eq(image_ref_parse(refs, &ref, &err), 0);
	char *insecure[] = { host, NULL };
	struct registry_options o = { .insecure = insecure, .auth_files = auth_files };
	ck_assert_msg(registry_client_new(&ref, &o, &c, &err) == 0, "%s", err.message);
	return c;
}

START_TEST(test_docker_registry_pull)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *nofile = test_path(dir, "none.json");
	struct lxcri_error err = { 0 };
	struct pushed p = { 0 };
	struct sink s = { 0 };
	char *body = NULL, *type = NULL, *digest = NULL, hex[SHA256_HEX_SIZE];
	size_t size = 0;
	int port;
	pid_t reg;

	if (access("/usr/bin/docker-registry", X_OK) != 0) {
		test_skip(__func__, "no /usr/bin/docker-registry");
		return;
	}
	reg = test_docker_registry_start(dir, NULL, &port);
	ck_assert_msg(reg > 0, "docker-registry did not start");
	ck_assert_int_eq(registry_global_init(&err), 0);
	test_push_image(port, "lxcri/test", "v1", &p, NULL);

	char *files[] = { nofile, NULL };
	struct registry_client *c = docker_client(port, "lxcri/test", files);

	ck_assert_msg(registry_ping(c, &err) == 0, "%s", err.message);
	ck_assert_msg(registry_get_manifest(c, "lxcri/test", "v1",
					    "application/vnd.oci.image.manifest.v1+json", &body,
					    &size, &type, &digest, &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(body, p.manifest);
	ck_assert_str_eq(type, "application/vnd.oci.image.manifest.v1+json");
	ck_assert_str_eq(digest, p.manifest_digest);
	sha256_hex(body, size, hex);
	ck_assert_str_eq(digest + 7, hex);
	free(body), free(type), free(digest);

	ck_assert_int_eq(registry_head_manifest(c, "lxcri/test", "v1",
						"application/vnd.oci.image.manifest.v1+json",
						&digest, &err),
			 0);
	ck_assert_str_eq(digest, p.manifest_digest);
	free(digest);
	/* By digest as well. */
	ck_assert_int_eq(registry_get_manifest(c, "lxcri/test", p.manifest_digest,
					       "application/vnd.oci.image.manifest.v1+json", &body,
					       &size, NULL, NULL, &err),
			 0);
	ck_assert_str_eq(body, p.manifest);
	free(body);

	/* The layer, whole and resumed; the caller's hash matches the digest. */
	ck_assert_msg(
	    registry_get_blob(c, "lxcri/test", p.layer, 0, sink_write, sink_restart, &s, &err) == 0,
	    "%s", err.message);
	ck_assert_uint_eq(s.size, p.layer_size);
	sha256_hex(s.data, s.size, hex);
	ck_assert_str_eq(p.layer + 7, hex);
	s.size = 100000;
	ck_assert_int_eq(
	    registry_get_blob(c, "lxcri/test", p.layer, 100000, sink_write, sink_restart, &s, &err),
	    0);
	ck_assert_uint_eq(s.size, p.layer_size);
	ck_assert_mem_eq(s.data, p.layer_data, p.layer_size);

	/* What is not there: the registry's own error. */
	ck_assert_int_eq(
	    registry_get_manifest(c, "lxcri/test", "nope", NULL, &body, &size, NULL, NULL, &err),
	    -ENOENT);
	ck_assert_msg(strstr(err.message, "HTTP 404 (MANIFEST_UNKNOWN"), "%s", err.message);
	ck_assert_int_eq(
	    registry_get_manifest(c, "lxcri/other", "v1", NULL, &body, &size, NULL, NULL, &err),
	    -ENOENT);
	ck_assert_msg(strstr(err.message, "'lxcri/other:v1'"), "%s", err.message);

	registry_client_free(c);
	free(s.data);
	free(p.manifest);
	free(p.layer_data);
	test_docker_registry_stop(reg);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_docker_registry_basic_auth)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *htpasswd = test_path(dir, "htpasswd");
	_cleanup_free_ char *good = test_path(dir, "good.json");
	_cleanup_free_ char *bad = test_path(dir, "bad.json");
	struct lxcri_error err = { 0 };
	struct pushed p = { 0 };
	char *digest = NULL, host[64];
	int port;
	pid_t reg;

	if (access("/usr/bin/docker-registry", X_OK) != 0 ||
	    access("/usr/bin/htpasswd", X_OK) != 0) {
		test_skip(__func__, "no docker-registry or htpasswd");
		return;
	}
	ck_assert_ptr_nonnull(test_run_output((const char *const[]){
	    "/usr/bin/htpasswd", "-Bbc", htpasswd, TEST_USER, TEST_PASSWORD, NULL }));
	reg = test_docker_registry_start(dir, htpasswd, &port);
	ck_assert_msg(reg > 0, "docker-registry did not start");
	ck_assert_int_eq(registry_global_init(&err), 0);
	test_push_image(port, "secret/app", "v1", &p, TEST_USER ":" TEST_PASSWORD);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	ck_assert_int_eq(authfile_login(good, host, TEST_USER, TEST_PASSWORD, &err), 0);
	ck_assert_int_eq(authfile_login(bad, host, TEST_USER, "guessed", &err), 0);

	char *good_files[] = { good, NULL };
	struct registry_client *c = docker_client(port, "secret/app", good_files);
	ck_assert_msg(registry_head_manifest(c, "secret/app", "v1",
					     "application/vnd.oci.image.manifest.v1+json", &digest,
					     &err) == 0,
		      "%s", err.message);
	ck_assert_str_eq(digest, p.manifest_digest);
	free(digest);
	registry_client_free(c);

	char *bad_files[] = { bad, NULL };
	c = docker_client(port, "secret/app", bad_files);
	ck_assert_int_eq(registry_ping(c, &err), -EACCES);
	ck_assert_msg(strstr(err.message, "unauthorized") && strstr(err.message, bad), "%s",
		      err.message);
	ck_assert_ptr_null(strstr(err.message, "guessed"));
	registry_client_free(c);

	free(p.manifest);
	free(p.layer_data);
	test_docker_registry_stop(reg);
	test_rm_rf(dir);
}
END_TEST

#define OPENSSL(...)                                                                               \
	ck_assert_ptr_nonnull(                                                                     \
	    test_run_output((const char *const[]){ "/usr/bin/openssl", __VA_ARGS__, NULL }))

START_TEST(test_tls_certs_d)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *ca_key = test_path(dir, "ca.key"), *ca = test_path(dir, "ca.crt");
	_cleanup_free_ char *key = test_path(dir, "srv.key"), *csr = test_path(dir, "srv.csr");
	_cleanup_free_ char *crt = test_path(dir, "srv.crt"), *ext = test_path(dir, "ext.cnf");
	_cleanup_free_ char *certs = test_path(dir, "certs.d"), *nofile = test_path(dir, "none");
	char host[64], hostdir[PATH_MAX], text[PATH_MAX], refs[256];
	struct lxcri_error err = { 0 };
	struct registry_client *c = NULL;
	struct image_ref ref;
	int port;
	pid_t reg;

	if (access("/usr/bin/docker-registry", X_OK) != 0 ||
	    access("/usr/bin/openssl", X_OK) != 0) {
		test_skip(__func__, "no docker-registry or openssl");
		return;
	}
	OPENSSL("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
		"-days", "1", "-subj", "/CN=lxcri test CA");
	OPENSSL("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
		"/CN=127.0.0.1");
	test_write_file(ext, "subjectAltName=IP:127.0.0.1\n");
	OPENSSL("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out",
		crt, "-days", "1", "-extfile", ext);
	reg = test_docker_registry_start_tls(dir, NULL, crt, key, &port);
	ck_assert_msg(reg > 0, "docker-registry did not start");
	ck_assert_int_eq(registry_global_init(&err), 0);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	snprintf(refs, sizeof(refs), "%s/app:latest", host);
	ck_assert_int_eq(image_ref_parse(refs, &ref, &err), 0);
	char *files[] = { nofile, NULL };
	struct registry_options o = { .certs_dir = certs, .auth_files = files };

	/* The system CAs alone do not know the registry's. */
	ck_assert_int_eq(registry_client_new(&ref, &o, &c, &err), 0);
	ck_assert_int_eq(registry_ping(c, &err), -EPROTO);
	ck_assert_msg(strstr(err.message, host), "%s", err.message);
	registry_client_free(c);

	/* With certs.d/<host>/ca.crt, it is verified (over https: not listed as insecure). */
	snprintf(hostdir, sizeof(hostdir), "%s/%s", certs, host);
	ck_assert_int_eq(mkdir(certs, 0755), 0);
	ck_assert_int_eq(mkdir(hostdir, 0755), 0);
	snprintf(text, sizeof(text), "%s/ca.crt", hostdir);
	ck_assert_int_eq(link(ca, text), 0);
	ck_assert_int_eq(registry_client_new(&ref, &o, &c, &err), 0);
	ck_assert_msg(registry_ping(c, &err) == 0, "%s", err.message);
	registry_client_free(c);

	/* Listed as insecure, the client speaks plain HTTP, which a TLS server refuses. */
	char *insecure[] = { host, NULL };
	o.insecure = insecure;
	ck_assert_int_eq(registry_client_new(&ref, &o, &c, &err), 0);
	ck_assert_int_lt(registry_ping(c, &err), 0);
	registry_client_free(c);

	test_docker_registry_stop(reg);
	test_rm_rf(dir);
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bearer_anonymous);
	tcase_add_test(tc, test_bearer_with_credentials);
	tcase_add_test(tc, test_bearer_refused);
	tcase_add_test(tc, test_basic_auth);
	tcase_add_test(tc, test_range_resume);
	tcase_add_test(tc, test_redirect_drops_authorization);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_stall_times_out);
	tcase_add_test(tc, test_parallel_blobs);
	tcase_add_test(tc, test_docker_registry_pull);
	tcase_add_test(tc, test_docker_registry_basic_auth);
	tcase_add_test(tc, test_tls_certs_d);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(registry_suite)
