/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/strv.h"
#include "lib/image/authfile.h"
#include "lib/image/wwwauth.h"
#include "lib/shared/json.h"

#define USER_AGENT	     "lxcri/" LXCRI_VERSION
#define ERR_BODY_MAX	     (64 * 1024)
#define TOKEN_MAX	     (1024 * 1024)
#define CA_BUNDLE_MAX	     (16 * 1024 * 1024)
#define HEADER_MAX	     8192
#define REGISTRY_BUFFER_SIZE (512L * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup)
DEFINE_TRIVIAL_CLEANUP_FUNC(CURLU *, curl_url_cleanup)
DEFINE_TRIVIAL_CLEANUP_FUNC(CURLM *, curl_multi_cleanup)

static void curl_freep(char **p)
{
	curl_free(*p);
	*p = NULL;
}

enum auth_kind { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct registry_client {
	char registry[IMAGE_REF_NAME_MAX + 1];	 /* as the reference names it */
	char repository[IMAGE_REF_NAME_MAX + 1]; /* the default scope */
	char *origin;				 /* "https://host[:port]" */
	bool insecure;
	char **auth_files;
	char *ca_blob; /* system CAs + certs.d/<registry>/ca.crt, or NULL */
	size_t ca_blob_size;
	char *ca_bundle;
	long connect_timeout, low_speed_time;

	enum auth_kind auth;
	char *authorization; /* "Authorization: Basic ..." or "Authorization: Bearer ..." */
	char *realm, *service;
	char token_repo[IMAGE_REF_NAME_MAX + 1];
	time_t token_expiry; /* CLOCK_MONOTONIC seconds */
	char *creds_source;  /* "'<file>' (key '<key>')" of the credentials used, or NULL */
};

static const char *q(const char *s, char buf[static ESCAPE_BUFSIZE])
{
	return escape_for_message(s ? s : "", buf, ESCAPE_BUFSIZE);
}

static time_t now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void secret_free(char **p)
{
	if (*p)
		explicit_bzero(*p, strlen(*p));
	free(*p);
	*p = NULL;
}

int registry_global_init(struct lxcri_error *err)
{
	CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (code != CURLE_OK)
		return error_set(err, -EIO, "Failed to initialise libcurl: %s",
				 curl_easy_strerror(code));
	return 0;
}

void registry_global_cleanup(void)
{
	curl_global_cleanup();
}

void registry_client_free(struct registry_client *c)
{
	if (!c)
		return;
	free(c->origin);
	strv_free(c->auth_files);
	free(c->ca_blob);
	free(c->ca_bundle);
	secret_free(&c->authorization);
	free(c->realm);
	free(c->service);
	free(c->creds_source);
	free(c);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct registry_client *, registry_client_free)

/* With <certs_dir>/<registry>/ca.crt: that CA and the system's, as one bundle in memory. */
static int ca_load(struct registry_client *c, const char *certs_dir, struct lxcri_error *err)
{
	_cleanup_free_ char *path = NULL, *extra = NULL, *system = NULL;
	const char *bundle = c->ca_bundle;
	size_t extra_size = 0, system_size = 0;
	char qb[ESCAPE_BUFSIZE];
	int r;

	if (asprintf(&path, "%s/%s/ca.crt", certs_dir, c->registry) < 0) {
		path = NULL;
		return error_oom(err);
	}
	r = fileio_read_file(path, CA_BUNDLE_MAX, &extra, &extra_size);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return error_set_errno(err, r, "Failed to read the CA of registry '%s' from '%s'",
				       q(c->registry, qb), path);
	if (!bundle) {
		const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

		bundle = v && v->cainfo ? v->cainfo : "/etc/ssl/certs/ca-certificates.crt";
	}
	r = fileio_read_file(bundle, CA_BUNDLE_MAX, &system, &system_size);
	if (r < 0 && r != -ENOENT)
		return error_set_errno(err, r, "Failed to read the CA bundle '%s'", bundle);
	c->ca_blob = malloc(system_size + extra_size + 2);
	if (!c->ca_blob)
		return error_oom(err);
	if (system_size)
		memcpy(c->ca_blob, system, system_size);
	c->ca_blob[system_size] = '\n';
	memcpy(c->ca_blob + system_size + 1, extra, extra_size);
	c->ca_blob_size = system_size + 1 + extra_size;
	c->ca_blob[c->ca_blob_size] = '\0';
	return 0;
}

int registry_client_new(const struct image_ref *ref, const struct registry_options *opts,
			struct registry_client **ret, struct lxcri_error *err)
{
	_cleanup_(registry_client_freep) struct registry_client *c = NULL;
	static const struct registry_options none = { 0 };
	char qb[ESCAPE_BUFSIZE];
	int r;

	if (!opts)
		opts = &none;
	if (!ref->registry[0] || strchr(ref->registry, '/') || ref->registry[0] == '.')
		return error_set(err, -EINVAL, "Invalid registry '%s'", q(ref->registry, qb));
	c = calloc(1, sizeof(*c));
	if (!c)
		return error_oom(err);
	snprintf(c->registry, sizeof(c->registry), "%s", ref->registry);
	snprintf(c->repository, sizeof(c->repository), "%s", ref->repository);
	for (char *const *i = opts->insecure; i && *i; i++)
		if (strcmp(*i, ref->registry) == 0)
			c->insecure = true;
	if (asprintf(&c->origin, "%s://%s", c->insecure ? "http" : "https",
		     image_ref_api_host(ref)) < 0) {
		c->origin = NULL;
		return error_oom(err);
	}
	if (opts->auth_files) {
		if (strv_copy(opts->auth_files, &c->auth_files) < 0)
			return error_oom(err);
	} else {
		c->auth_files = authfile_paths_default();
		if (!c->auth_files)
			return error_oom(err);
	}
	if (opts->ca_bundle && !(c->ca_bundle = strdup(opts->ca_bundle)))
		return error_oom(err);
	c->connect_timeout =
	    opts->connect_timeout > 0 ? opts->connect_timeout : REGISTRY_CONNECT_TIMEOUT;
	c->low_speed_time =
	    opts->low_speed_time > 0 ? opts->low_speed_time : REGISTRY_LOW_SPEED_TIME;
	if (!c->insecure) {
		r = ca_load(c, opts->certs_dir ? opts->certs_dir : REGISTRY_CERTS_DIR, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

/* What one easy handle receives; reset before each attempt. */
struct response {
	long status;
	char *content_type, *digest, *location, *www_authenticate, *content_range;
	char *err_body;
	size_t err_size;
	bool err_truncated;
	bool restarted; /* restart_cb was called in this attempt */
	bool delivering;
};

static void response_reset(struct response *r)
{
	free(r->content_type);
	free(r->digest);
	free(r->location);
	free(r->www_authenticate);
	free(r->content_range);
	free(r->err_body);
	*r = (struct response){ 0 };
}

/* One request, with its redirects and one authentication on the way. */
struct transfer {
	struct registry_client *c;
	const char *repo;
	char what[IMAGE_REF_NAME_MAX + 160]; /* "manifest 'repo:tag'" for messages */
	char *url;
	bool head;
	const char *accept;
	uint64_t offset;
	/* Either into memory, bounded by max ... */
	bool to_memory;
	char *body;
	size_t size, max;
	/* ... or to the caller. */
	registry_write_fn write_cb;
	registry_restart_fn restart_cb;
	void *ctx;
	int sink_error; /* a -errno that stopped the transfer from our side */
	struct lxcri_error sink_err;

	struct response resp;
	unsigned redirects;
	bool authenticated; /* authentication was done after a 401 */
	bool foreign;	    /* the URL is not the registry's origin: no Authorization */
	CURL *easy;
	struct curl_slist *headers;
	char curl_error[CURL_ERROR_SIZE];
};

static void transfer_done(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	t->easy = NULL;
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	free(t->url);
	t->url = NULL;
	response_reset(&t->resp);
	free(t->body);
	t->body = NULL;
}

static bool header_is(const char *line, size_t n, const char *name, const char **ret_value,
		      size_t *ret_len)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	line += k + 1, n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' ' ||
		     line[n - 1] == '\t'))
		n--;
	*ret_value = line;
	*ret_len = n;
	return true;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nitems, len;
	const char *v;
	static const struct {
		const char *name;
		size_t offset;
	} wanted[] = {
		{ "Content-Type", offsetof(struct response, content_type) },
		{ "Docker-Content-Digest", offsetof(struct response, digest) },
		{ "Location", offsetof(struct response, location) },
		{ "WWW-Authenticate", offsetof(struct response, www_authenticate) },
		{ "Content-Range", offsetof(struct response, content_range) },
	};

	if (n > 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue, say): forget the last one's headers. */
		bool restarted = t->resp.restarted;

		response_reset(&t->resp);
		t->resp.restarted = restarted;
		return n;
	}
	for (size_t i = 0; i < ELEMENTSOF(wanted); i++) {
		char **field = (char **)((char *)&t->resp + wanted[i].offset);

		if (!header_is(buf, n, wanted[i].name, &v, &len))
			continue;
		if (*field || len > HEADER_MAX)
			continue; /* the first one counts */
		*field = strndup(v, len);
		if (!*field)
			return 0;
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		/* An error or a redirect: keep the start of it for the message. */
		size_t room = ERR_BODY_MAX - t->resp.err_size;
		size_t take = n < room ? n : room;
		char *b;

		if (take) {
			b = realloc(t->resp.err_body, t->resp.err_size + take + 1);
			if (!b)
				return 0;
			memcpy(b + t->resp.err_size, data, take);
			t->resp.err_size += take;
			b[t->resp.err_size] = '\0';
			t->resp.err_body = b;
		}
		return n;
	}
	if (t->to_memory) {
		char *b;

		if (t->size + n > t->max) {
			t->sink_error = -EFBIG;
			return 0;
		}
		b = realloc(t->body, t->size + n + 1);
		if (!b) {
			t->sink_error = -ENOMEM;
			return 0;
		}
		memcpy(b + t->size, data, n);
		t->size += n;
		b[t->size] = '\0';
		t->body = b;
		return n;
	}
	if (!t->resp.delivering) {
		t->resp.delivering = true;
		if (t->offset > 0 && status == 200) {
			int r = t->restart_cb ? t->restart_cb(t->ctx) : -ESPIPE;

			if (r < 0) {
				t->sink_error = r;
				return 0;
			}
			t->resp.restarted = true;
		} else if (t->offset > 0 && status == 206) {
			uint64_t start = 0;

			if (!t->resp.content_range ||
			    sscanf(t->resp.content_range, "bytes %" SCNu64 "-", &start) != 1 ||
			    start != t->offset) {
				t->sink_error = -EPROTO;
				return 0;
			}
		}
	}
	int r = t->write_cb(t->ctx, data, n);
	if (r < 0) {
		t->sink_error = r;
		return 0;
	}
	return n;
}

/* "scheme://host:port" of url, malloc'ed, for comparing origins. */
static char *origin_of(const char *url)
{
	_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
	_cleanup_(curl_freep) char *scheme = NULL, *host = NULL, *port = NULL;
	char *o;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		return NULL;
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (asprintf(&o, "%s://%s:%s", scheme, host, port) < 0)
		return NULL;
	return o;
}

static bool same_origin(const char *a, const char *b)
{
	_cleanup_free_ char *oa = origin_of(a), *ob = origin_of(b);

	return oa && ob && strcmp(oa, ob) == 0;
}

static void easy_common(struct registry_client *c, CURL *e)
{
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)REGISTRY_LOW_SPEED_LIMIT);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->low_speed_time);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	if (c->ca_blob) {
		struct curl_blob blob = { .data = c->ca_blob,
					  .len = c->ca_blob_size,
					  .flags = CURL_BLOB_NOCOPY };

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	} else if (c->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
}

static int transfer_setup(struct transfer *t, struct lxcri_error *err)
{
	struct registry_client *c = t->c;
	struct curl_slist *l;

	response_reset(&t->resp);
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (!t->easy && !(t->easy = curl_easy_init()))
		return error_oom(err);
	curl_easy_reset(t->easy);
	easy_common(c, t->easy);
	curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->curl_error);
	t->curl_error[0] = '\0';
	curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	/* Large reads: a layer streams at the speed of the link, not of 16 KiB polls. */
	curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, REGISTRY_BUFFER_SIZE);
	if (t->head)
		curl_easy_setopt(t->easy, CURLOPT_NOBODY, 1L);
	if (t->offset > 0) {
		char range[48];

		snprintf(range, sizeof(range), "%" PRIu64 "-", t->offset);
		curl_easy_setopt(t->easy, CURLOPT_RANGE, range);
	}
	if (t->accept) {
		_cleanup_free_ char *h = NULL;

		if (asprintf(&h, "Accept: %s", t->accept) < 0)
			return error_oom(err);
		l = curl_slist_append(t->headers, h);
		if (!l)
			return error_oom(err);
		t->headers = l;
	}
	if (!t->foreign && c->authorization && c->auth != AUTH_NONE) {
		l = curl_slist_append(t->headers, c->authorization);
		if (!l)
			return error_oom(err);
		t->headers = l;
	}
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	/* Every attempt starts the memory body anew. */
	free(t->body);
	t->body = NULL;
	t->size = 0;
	return 0;
}

static int errno_of_curl(CURLcode code)
{
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static int errno_of_status(long status)
{
	if (status == 404)
		return -ENOENT;
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 429)
		return -EBUSY;
	if (status == 416)
		return -ERANGE;
	return status >= 500 ? -EIO : -EPROTO;
}

/* " (CODE: message)" of the registry's JSON error body, or "". */
static void registry_error_text(const char *body, size_t size, char *buf, size_t bufsize)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *errors, *first, *code, *message;
	char why[64], qc[ESCAPE_BUFSIZE], qm[ESCAPE_BUFSIZE];

	buf[0] = '\0';
	if (!body || json_parse_strict(body, size, &root, why, sizeof(why)) < 0)
		return;
	if (!json_object_object_get_ex(root, "errors", &errors) ||
	    !json_object_is_type(errors, json_type_array) || json_object_array_length(errors) == 0)
		return;
	first = json_object_array_get_idx(errors, 0);
	if (!json_object_is_type(first, json_type_object))
		return;
	if (!json_object_object_get_ex(first, "code", &code) ||
	    !json_object_is_type(code, json_type_string))
		code = NULL;
	if (!json_object_object_get_ex(first, "message", &message) ||
	    !json_object_is_type(message, json_type_string))
		message = NULL;
	if (code && message)
		snprintf(buf, bufsize, " (%s: %s)", q(json_object_get_string(code), qc),
			 q(json_object_get_string(message), qm));
	else if (code || message)
		snprintf(buf, bufsize, " (%s)",
			 q(json_object_get_string(code ? code : message), qc));
}

/* Which credentials were tried, for an "unauthorized" message. */
static void creds_text(const struct registry_client *c, char *buf, size_t size)
{
	size_t n = 0;

	if (c->creds_source) {
		snprintf(buf, size, "credentials from %s", c->creds_source);
		return;
	}
	n = (size_t)snprintf(buf, size, "no credentials for it in");
	for (char *const *p = c->auth_files; p && *p && n < size; p++) {
		char qp[ESCAPE_BUFSIZE];

		n += (size_t)snprintf(buf + n, size - n, "%s '%s'", p == c->auth_files ? "" : ",",
				      q(*p, qp));
	}
}

/* The token server's answer: token (or access_token) and expires_in. */
static int token_parse(struct registry_client *c, const char *body, size_t size,
		       struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *v = NULL, *exp = NULL;
	char why[256], qb[ESCAPE_BUFSIZE];
	const char *token = NULL;
	int64_t expires = REGISTRY_TOKEN_LIFETIME;

	if (json_parse_strict(body, size, &root, why, sizeof(why)) < 0 ||
	    !json_object_is_type(root, json_type_object))
		return error_set(err, -EPROTO,
				 "Failed to authenticate to registry '%s': the token server "
				 "answered with no JSON object",
				 q(c->registry, qb));
	if ((json_object_object_get_ex(root, "token", &v) &&
	     json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0) ||
	    (json_object_object_get_ex(root, "access_token", &v) &&
	     json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0))
		token = json_object_get_string(v);
	if (!token)
		return error_set(err, -EPROTO,
				 "Failed to authenticate to registry '%s': the token server sent "
				 "no token",
				 q(c->registry, qb));
	for (const char *p = token; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return error_set(err, -EPROTO,
					 "Failed to authenticate to registry '%s': the token "
					 "server sent a token with blanks or control characters",
					 q(c->registry, qb));
	if (json_object_object_get_ex(root, "expires_in", &exp) &&
	    json_object_is_type(exp, json_type_int))
		expires = json_object_get_int64(exp);
	/* The distribution spec's minimum; then 10 s of margin for the request in flight. */
	if (expires < REGISTRY_TOKEN_LIFETIME)
		expires = REGISTRY_TOKEN_LIFETIME;
	if (expires > 24 * 3600)
		expires = 24 * 3600;
	secret_free(&c->authorization);
	if (asprintf(&c->authorization, "Authorization: Bearer %s", token) < 0) {
		c->authorization = NULL;
		return error_oom(err);
	}
	c->token_expiry = now_monotonic() + (time_t)expires - 10;
	return 0;
}

static int creds_lookup(struct registry_client *c, const char *repo,
			struct authfile_credentials *ret, struct lxcri_error *err)
{
	int r = authfile_lookup_credentials(c->auth_files, c->registry, repo, ret, err);
	char qk[ESCAPE_BUFSIZE], qp[ESCAPE_BUFSIZE];

	free(c->creds_source);
	c->creds_source = NULL;
	if (r > 0 &&
	    asprintf(&c->creds_source, "'%s' (key '%s')", q(ret->path, qp), q(ret->key, qk)) < 0) {
		c->creds_source = NULL;
		return error_oom(err);
	}
	return r;
}

/* A token for pulls of repo from the realm, with the credentials the auth files have. */
static int token_fetch(struct registry_client *c, const char *repo, struct lxcri_error *err)
{
	_cleanup_(authfile_credentials_free) struct authfile_credentials creds = { 0 };
	_cleanup_(curl_easy_cleanupp) CURL *e = NULL;
	_cleanup_(curl_url_cleanupp) CURLU *u = NULL;
	_cleanup_(curl_freep) char *url = NULL;
	_cleanup_free_ char *form = NULL;
	struct transfer t = { .c = c, .to_memory = true, .max = TOKEN_MAX, .foreign = true };
	char qb[ESCAPE_BUFSIZE], qr[ESCAPE_BUFSIZE], detail[512], who[1200];
	_cleanup_free_ char *scope = NULL;
	CURLcode code;
	int r;

	if (repo && *repo && asprintf(&scope, "scope=repository:%s:pull", repo) < 0) {
		scope = NULL;
		return error_oom(err);
	}
	r = creds_lookup(c, repo, &creds, err);
	if (r < 0)
		return r;
	if (strncasecmp(c->realm, "https://", 8) != 0 && !c->insecure)
		return error_set(err, -EPERM,
				 "Failed to authenticate to registry '%s': refusing the token "
				 "server '%s' over plain HTTP (the registry is not insecure)",
				 q(c->registry, qb), q(c->realm, qr));
	u = curl_url();
	if (!u)
		return error_oom(err);
	if (curl_url_set(u, CURLUPART_URL, c->realm, 0) != CURLUE_OK)
		return error_set(err, -EPROTO,
				 "Failed to authenticate to registry '%s': invalid token server "
				 "'%s'",
				 q(c->registry, qb), q(c->realm, qr));
	if (creds.identity_token) {
		/* OAuth2 refresh token: POST, as docker does. */
		char *tok = curl_easy_escape(NULL, creds.identity_token, 0);
		char *svc_esc = curl_easy_escape(NULL, c->service ? c->service : "", 0);

		if (!tok || !svc_esc ||
		    asprintf(
			&form,
			"grant_type=refresh_token&client_id=lxcri&service=%s%s%s&refresh_token=%s",
			svc_esc, scope ? "&" : "", scope ? scope : "", tok) < 0)
			form = NULL;
		if (tok)
			explicit_bzero(tok, strlen(tok));
		curl_free(tok);
		curl_free(svc_esc);
		if (!form)
			return error_oom(err);
	} else {
		if (c->service) {
			_cleanup_free_ char *s = NULL;

			if (asprintf(&s, "service=%s", c->service) < 0 ||
			    curl_url_set(u, CURLUPART_QUERY, s,
					 CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
				return error_oom(err);
		}
		if (scope && curl_url_set(u, CURLUPART_QUERY, scope,
					  CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
			return error_oom(err);
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		return error_oom(err);

	e = curl_easy_init();
	if (!e)
		return error_oom(err);
	t.easy = e;
	easy_common(c, e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.curl_error);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
	if (form) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
	} else if (creds.password) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, creds.user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, creds.password);
	}
	code = curl_easy_perform(e);
	t.easy = NULL;
	if (form)
		explicit_bzero(form, strlen(form));
	snprintf(who, sizeof(who), "registry '%s' for repository '%s'", q(c->registry, qb),
		 q(repo ? repo : "", qr));
	if (code != CURLE_OK) {
		r = t.sink_error ? t.sink_error : errno_of_curl(code);
		response_reset(&t.resp);
		free(t.body);
		return error_set(err, r, "Failed to authenticate to %s: token server: %s", who,
				 t.curl_error[0] ? t.curl_error : curl_easy_strerror(code));
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &t.resp.status);
	if (t.resp.status != 200) {
		long status = t.resp.status;

		registry_error_text(t.resp.err_body, t.resp.err_size, detail, sizeof(detail));
		response_reset(&t.resp);
		free(t.body);
		if (status == 401 || status == 403) {
			char ct[1024];

			creds_text(c, ct, sizeof(ct));
			return error_set(
			    err, -EACCES,
			    "Failed to authenticate to %s: unauthorized (HTTP %ld from "
			    "the token server; %s)%s",
			    who, status, ct, detail);
		}
		return error_set(
		    err, errno_of_status(status),
		    "Failed to authenticate to %s: the token server answered HTTP %ld%s", who,
		    status, detail);
	}
	response_reset(&t.resp);
	r = token_parse(c, t.body ? t.body : "", t.size, err);
	if (t.body)
		explicit_bzero(t.body, t.size);
	free(t.body);
	if (r < 0)
		return r;
	c->auth = AUTH_BEARER;
	snprintf(c->token_repo, sizeof(c->token_repo), "%s", repo ? repo : "");
	return 0;
}

/* Answers a 401's challenge: a Bearer token, or Basic credentials. */
static int authenticate(struct registry_client *c, const char *repo, const char *header,
			struct lxcri_error *err)
{
	struct wwwauth w = { 0 };
	struct wwwauth_bearer b;
	char qb[ESCAPE_BUFSIZE], ct[1024];
	int r;

	if (!header)
		return error_set(err, -EACCES,
				 "Failed to authenticate to registry '%s': HTTP 401 without a "
				 "WWW-Authenticate challenge",
				 q(c->registry, qb));
	r = wwwauth_parse(header, &w, err);
	if (r < 0)
		return r;
	r = wwwauth_bearer(&w, &b, err);
	if (r == 0) {
		free(c->realm);
		free(c->service);
		c->realm = strdup(b.realm);
		c->service = b.service ? strdup(b.service) : NULL;
		wwwauth_free(&w);
		if (!c->realm || (b.service && !c->service))
			return error_oom(err);
		return token_fetch(c, repo, err);
	}
	if (r != -ENOENT) {
		wwwauth_free(&w);
		return r;
	}
	if (!wwwauth_find(&w, "Basic")) {
		wwwauth_free(&w);
		return error_set(err, -EACCES,
				 "Failed to authenticate to registry '%s': it asks for neither "
				 "Bearer nor Basic authentication",
				 q(c->registry, qb));
	}
	wwwauth_free(&w);

	_cleanup_(authfile_credentials_free) struct authfile_credentials creds = { 0 };
	_cleanup_(secret_free) char *plain = NULL, *encoded = NULL;

	r = creds_lookup(c, repo, &creds, err);
	if (r < 0)
		return r;
	if (r == 0 || !creds.password) {
		creds_text(c, ct, sizeof(ct));
		return error_set(err, -EACCES,
				 "Failed to authenticate to registry '%s': unauthorized (Basic "
				 "authentication; %s)",
				 q(c->registry, qb), ct);
	}
	if (c->origin && strncmp(c->origin, "https://", 8) != 0 && !c->insecure)
		return error_set(err, -EPERM, "Refusing to send credentials over plain HTTP");
	if (asprintf(&plain, "%s:%s", creds.user, creds.password) < 0) {
		plain = NULL;
		return error_oom(err);
	}
	encoded = authfile_base64_encode(plain, strlen(plain));
	if (!encoded)
		return error_oom(err);
	secret_free(&c->authorization);
	if (asprintf(&c->authorization, "Authorization: Basic %s", encoded) < 0) {
		c->authorization = NULL;
		return error_oom(err);
	}
	c->auth = AUTH_BASIC;
	return 0;
}

/* Before a request for repo: a fresh token for it when the one held is for another or old. */
static int authorization_refresh(struct registry_client *c, const char *repo,
				 struct lxcri_error *err)
{
	if (c->auth != AUTH_BEARER || !c->realm)
		return 0;
	if (strcmp(c->token_repo, repo ? repo : "") == 0 && now_monotonic() < c->token_expiry)
		return 0;
	return token_fetch(c, repo, err);
}

enum { TRANSFER_DONE = 0, TRANSFER_AGAIN = 1 };

/* After an attempt: done, again (a redirect, a 401 answered), or -errno. */
static int transfer_finish(struct transfer *t, CURLcode code, struct lxcri_error *err)
{
	struct registry_client *c = t->c;
	char qb[ESCAPE_BUFSIZE], qr[ESCAPE_BUFSIZE], detail[1024], ct[1024];
	long status = 0;
	int r;

	if (t->sink_error) {
		if (t->sink_error == -EFBIG)
			return error_set(err, -EFBIG,
					 "Failed to fetch %s from registry '%s': larger than %zu "
					 "bytes",
					 t->what, q(c->registry, qb), t->max);
		if (t->sink_error == -EPROTO)
			return error_set(err, -EPROTO,
					 "Failed to fetch %s from registry '%s': the registry "
					 "answered a range request with Content-Range '%s'",
					 t->what, q(c->registry, qb), q(t->resp.content_range, qr));
		if (t->sink_error == -ESPIPE)
			return error_set(err, -ESPIPE,
					 "Failed to fetch %s from registry '%s': the registry "
					 "ignored the range and there is no way to restart",
					 t->what, q(c->registry, qb));
		return error_set_errno(err, t->sink_error, "Failed to store %s from registry '%s'",
				       t->what, q(c->registry, qb));
	}
	if (code != CURLE_OK)
		return error_set(err, errno_of_curl(code),
				 "Failed to fetch %s from registry '%s': %s", t->what,
				 q(c->registry, qb),
				 t->curl_error[0] ? t->curl_error : curl_easy_strerror(code));
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);

	if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) &&
	    t->resp.location) {
		_cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
		_cleanup_(curl_freep) char *next = NULL;

		if (++t->redirects > REGISTRY_REDIRECTS_MAX)
			return error_set(err, -ELOOP,
					 "Failed to fetch %s from registry '%s': more than %d "
					 "redirects",
					 t->what, q(c->registry, qb), REGISTRY_REDIRECTS_MAX);
		if (!u || curl_url_set(u, CURLUPART_URL, t->url, 0) != CURLUE_OK ||
		    curl_url_set(u, CURLUPART_URL, t->resp.location, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_URL, &next, 0) != CURLUE_OK)
			return error_set(err, -EPROTO,
					 "Failed to fetch %s from registry '%s': invalid redirect "
					 "to '%s'",
					 t->what, q(c->registry, qb), q(t->resp.location, qr));
		if (strncasecmp(next, "https://", 8) != 0 &&
		    (strncasecmp(next, "http://", 7) != 0 ||
		     strncasecmp(t->url, "https://", 8) == 0))
			return error_set(err, -EPERM,
					 "Failed to fetch %s from registry '%s': refusing the "
					 "redirect from HTTPS to '%s'",
					 t->what, q(c->registry, qb), q(next, qr));
		free(t->url);
		t->url = strdup(next);
		if (!t->url)
			return error_oom(err);
		/* Authorization only ever goes to the registry itself. */
		t->foreign = !same_origin(t->url, c->origin);
		return TRANSFER_AGAIN;
	}
	if (status == 401 && !t->foreign && !t->authenticated) {
		t->authenticated = true;
		r = authenticate(c, t->repo, t->resp.www_authenticate, err);
		if (r < 0)
			return r;
		return TRANSFER_AGAIN;
	}
	if (status >= 200 && status <= 299)
		return TRANSFER_DONE;

	registry_error_text(t->resp.err_body, t->resp.err_size, detail, sizeof(detail));
	if (status == 401 || status == 403) {
		creds_text(c, ct, sizeof(ct));
		return error_set(err, -EACCES,
				 "Failed to fetch %s from registry '%s': unauthorized (HTTP %ld; "
				 "%s)%s",
				 t->what, q(c->registry, qb), status, ct, detail);
	}
	return error_set(err, errno_of_status(status),
			 "Failed to fetch %s from registry '%s': HTTP %ld%s", t->what,
			 q(c->registry, qb), status, detail);
}

static bool name_valid(const char *s, const char *extra)
{
	if (!*s || strlen(s) > IMAGE_REF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static int transfer_init(struct transfer *t, struct registry_client *c, const char *repo,
			 const char *kind, const char *reference, struct lxcri_error *err)
{
	char qa[ESCAPE_BUFSIZE], qb[ESCAPE_BUFSIZE];

	if (!name_valid(repo, "._-/") || !name_valid(reference, "._-:+"))
		return error_set(err, -EINVAL, "Invalid repository '%s' or reference '%s'",
				 q(repo, qa), q(reference, qb));
	t->c = c;
	t->repo = repo;
	snprintf(t->what, sizeof(t->what), "%s '%s%s%s'",
		 strcmp(kind, "blobs") == 0 ? "blob" : "manifest", repo,
		 strchr(reference, ':') ? "@" : ":", reference);
	if (asprintf(&t->url, "%s/v2/%s/%s/%s", c->origin, repo, kind, reference) < 0) {
		t->url = NULL;
		return error_oom(err);
	}
	return 0;
}

/* Runs t to its end, alone. */
static int transfer_run(struct transfer *t, struct lxcri_error *err)
{
	int r;

	r = authorization_refresh(t->c, t->repo, err);
	if (r < 0)
		return r;
	do {
		r = transfer_setup(t, err);
		if (r < 0)
			return r;
		r = transfer_finish(t, curl_easy_perform(t->easy), err);
	} while (r == TRANSFER_AGAIN);
	return r;
}

int registry_ping(struct registry_client *c, struct lxcri_error *err)
{
	struct transfer t = {
		.c = c, .repo = c->repository, .to_memory = true, .max = ERR_BODY_MAX
	};
	char qb[ESCAPE_BUFSIZE];
	int r;

	snprintf(t.what, sizeof(t.what), "'/v2/' (for '%s')", q(c->repository, qb));
	if (asprintf(&t.url, "%s/v2/", c->origin) < 0) {
		t.url = NULL;
		return error_oom(err);
	}
	r = transfer_run(&t, err);
	transfer_done(&t);
	return r;
}

int registry_get_manifest(struct registry_client *c, const char *repo, const char *reference,
			  const char *accept, char **ret_body, size_t *ret_size,
			  char **ret_content_type, char **ret_digest, struct lxcri_error *err)
{
	struct transfer t = { .accept = accept, .to_memory = true, .max = REGISTRY_MANIFEST_MAX };
	int r;

	r = transfer_init(&t, c, repo, "manifests", reference, err);
	if (r >= 0)
		r = transfer_run(&t, err);
	if (r >= 0 && !t.body && !(t.body = strdup("")))
		r = error_oom(err);
	if (r >= 0) {
		*ret_body = TAKE_PTR(t.body);
		if (ret_size)
			*ret_size = t.size;
		if (ret_content_type)
			*ret_content_type = TAKE_PTR(t.resp.content_type);
		if (ret_digest)
			*ret_digest = TAKE_PTR(t.resp.digest);
	}
	transfer_done(&t);
	return r < 0 ? r : 0;
}

int registry_head_manifest(struct registry_client *c, const char *repo, const char *reference,
			   const char *accept, char **ret_digest, struct lxcri_error *err)
{
	struct transfer t = { .accept = accept, .head = true, .to_memory = true, .max = 0 };
	char qb[ESCAPE_BUFSIZE];
	int r;

	r = transfer_init(&t, c, repo, "manifests", reference, err);
	if (r >= 0)
		r = transfer_run(&t, err);
	if (r >= 0 && !t.resp.digest)
		r = error_set(err, -ENODATA,
			      "Failed to fetch %s from registry '%s': no Docker-Content-Digest in "
			      "the answer",
			      t.what, q(c->registry, qb));
	if (r >= 0)
		*ret_digest = TAKE_PTR(t.resp.digest);
	transfer_done(&t);
	return r < 0 ? r : 0;
}

int registry_get_blob(struct registry_client *c, const char *repo, const char *digest,
		      uint64_t offset, registry_write_fn write_cb, registry_restart_fn restart_cb,
		      void *ctx, struct lxcri_error *err)
{
	struct registry_blob_request req = {
		.digest = digest,
		.offset = offset,
		.write_cb = write_cb,
		.restart_cb = restart_cb,
		.ctx = ctx,
	};

	return registry_get_blobs(c, repo, &req, 1, 1, err);
}

int registry_get_blobs(struct registry_client *c, const char *repo,
		       struct registry_blob_request *reqs, size_t n, size_t max_parallel,
		       struct lxcri_error *err)
{
	_cleanup_(curl_multi_cleanupp) CURLM *m = NULL;
	_cleanup_free_ struct transfer *ts = NULL;
	size_t next = 0, running = 0;
	int r;

	if (n == 0)
		return 0;
	if (max_parallel == 0)
		max_parallel = REGISTRY_PARALLEL_DEFAULT;
	/* One token for all of them, before they start. */
	r = authorization_refresh(c, repo, err);
	if (r < 0)
		return r;
	m = curl_multi_init();
	ts = calloc(n, sizeof(*ts));
	if (!m || !ts)
		return error_oom(err);
	for (size_t i = 0; i < n; i++) {
		reqs[i].result = 0;
		reqs[i].err = (struct lxcri_error){ 0 };
	}

	for (;;) {
		/* Start what there is room for. */
		while (running < max_parallel && next < n) {
			struct registry_blob_request *req = &reqs[next];
			struct transfer *t = &ts[next++];

			*t = (struct transfer){
				.offset = req->offset,
				.write_cb = req->write_cb,
				.restart_cb = req->restart_cb,
				.ctx = req->ctx,
			};
			r = transfer_init(t, c, repo, "blobs", req->digest ? req->digest : "",
					  &req->err);
			if (r >= 0 && !req->write_cb)
				r = error_set(&req->err, -EINVAL, "No writer for %s", t->what);
			if (r >= 0)
				r = transfer_setup(t, &req->err);
			if (r >= 0 && curl_multi_add_handle(m, t->easy) != CURLM_OK)
				r = error_oom(&req->err);
			if (r < 0) {
				req->result = r;
				transfer_done(t);
				continue;
			}
			running++;
		}
		if (running == 0)
			break;

		int still = 0, msgs = 0;
		CURLMcode mc = curl_multi_perform(m, &still);
		CURLMsg *msg;

		/* Wait only for transfers still running: with none, poll would sleep its timeout.
		 */
		if (mc == CURLM_OK && still > 0)
			mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			for (size_t i = 0; i < next; i++)
				if (ts[i].easy) {
					curl_multi_remove_handle(m, ts[i].easy);
					reqs[i].result =
					    error_set(&reqs[i].err, -EIO, "Failed to fetch %s: %s",
						      ts[i].what, curl_multi_strerror(mc));
					transfer_done(&ts[i]);
				}
			running = 0;
			break;
		}
		while ((msg = curl_multi_info_read(m, &msgs))) {
			struct transfer *t = NULL;
			size_t i;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			i = (size_t)(t - ts);
			curl_multi_remove_handle(m, t->easy);
			r = transfer_finish(t, msg->data.result, &reqs[i].err);
			if (r == TRANSFER_AGAIN) {
				r = transfer_setup(t, &reqs[i].err);
				if (r >= 0 && curl_multi_add_handle(m, t->easy) != CURLM_OK)
					r = error_oom(&reqs[i].err);
				if (r >= 0)
					continue;
			}
			reqs[i].result = r < 0 ? r : 0;
			transfer_done(t);
			running--;
		}
	}

	for (size_t i = 0; i < n; i++)
		if (reqs[i].result < 0) {
			if (err)
				*err = reqs[i].err;
			return reqs[i].result;
		}
	return 0;
}
