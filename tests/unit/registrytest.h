/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Registries for the registry client's tests, all on 127.0.0.1: Debian's
 * docker-registry (the distribution project's own server) run as a child,
 * and a small HTTP server of our own, forked, for what a real registry
 * does not do on demand: Bearer challenges with a token server that checks
 * Basic credentials, ranges ignored, redirects to another port, JSON
 * errors, stalls. Every request it gets is logged as a line
 * "<port> <method> <target> auth=<Authorization or -> range=<Range or ->"
 * to a file the test reads.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "testutil.h"

#include "lib/image/authfile.h"

#define TEST_USER      "alice"
#define TEST_PASSWORD  "s3cret-pw"
#define TEST_BLOB_SIZE 200000
#define TEST_MANIFEST                                                                              \
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"
#define TEST_MANIFEST_DIGEST                                                                       \
	"sha256:0000000000000000000000000000000000000000000000000000000000000000"

/* The test blob's byte i. */
static inline unsigned char test_blob_byte(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) % 251);
}

enum test_server_auth { TEST_AUTH_NONE, TEST_AUTH_BEARER, TEST_AUTH_BASIC };

struct test_server {
	pid_t pid;
	int port;
	int other_port; /* where blobs named "redirect" are sent */
	enum test_server_auth auth;
	char log[PATH_MAX];
};

/* A socket bound to 127.0.0.1 on a port the kernel picks, listening. */
static inline int test_listen(int *ret_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*ret_port = ntohs(a.sin_port);
	return fd;
}

static inline void test_send(int fd, const char *data, size_t n)
{
	while (n) {
		ssize_t k = write(fd, data, n);

		if (k <= 0)
			return;
		data += k, n -= (size_t)k;
	}
}

static inline void test_respond(int fd, int status, const char *extra_headers, const char *body,
				size_t body_len)
{
	char head[2048];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 status, body_len, extra_headers ? extra_headers : "");

	test_send(fd, head, (size_t)n);
	if (body_len)
		test_send(fd, body, body_len);
}

/* The value of header name in the request head req (lower case name with ':'), or NULL. */
static inline bool test_header(const char *req, const char *name, char *buf, size_t size)
{
	const char *p = req;

	while ((p = strchr(p, '\n'))) {
		p++;
		if (strncasecmp(p, name, strlen(name)) == 0) {
			const char *v = p + strlen(name), *end;

			while (*v == ' ')
				v++;
			end = strpbrk(v, "\r\n");
			snprintf(buf, size, "%.*s", (int)(end ? end - v : (long)strlen(v)), v);
			return true;
		}
	}
	return false;
}

/* The repository of /v2/<repo>/(manifests|blobs)/<x>, in buf; the <x> returned. */
static inline const char *test_split(const char *target, char *repo, size_t size)
{
	const char *m = strstr(target, "/manifests/"), *b = strstr(target, "/blobs/");
	const char *k = m ? m : b;

	if (!k || strncmp(target, "/v2/", 4) != 0)
		return NULL;
	snprintf(repo, size, "%.*s", (int)(k - target - 4), target + 4);
	return k + (m ? 11 : 7);
}

static inline void test_serve_blob(int fd, const char *range)
{
	static unsigned char blob[TEST_BLOB_SIZE];
	unsigned long start = 0;
	char h[256];

	for (size_t i = 0; i < TEST_BLOB_SIZE; i++)
		blob[i] = test_blob_byte(i);
	if (range && sscanf(range, "bytes=%lu-", &start) == 1 && start < TEST_BLOB_SIZE) {
		snprintf(h, sizeof(h), "Content-Range: bytes %lu-%d/%d\r\n", start,
			 TEST_BLOB_SIZE - 1, TEST_BLOB_SIZE);
		test_respond(fd, 206, h, (const char *)blob + start, TEST_BLOB_SIZE - start);
		return;
	}
	test_respond(fd, 200, NULL, (const char *)blob, TEST_BLOB_SIZE);
}

static inline void test_handle(struct test_server *s, int fd)
{
	char req[16384], target[4096], method[16], auth[1024] = "-", range[256] = "-";
	char repo[512], h[1024], basic[256];
	size_t n = 0;
	ssize_t k;
	const char *x;
	FILE *log;

	while (n < sizeof(req) - 1 && (k = read(fd, req + n, sizeof(req) - 1 - n)) > 0) {
		n += (size_t)k;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	if (sscanf(req, "%15s %4095s", method, target) != 2)
		return;
	test_header(req, "authorization:", auth, sizeof(auth));
	test_header(req, "range:", range, sizeof(range));
	log = fopen(s->log, "ae");
	if (log) {
		fprintf(log, "%d %s %s auth=%s range=%s\n", s->port, method, target, auth, range);
		fclose(log);
	}

	{
		_cleanup_free_ char *plain = NULL, *enc = NULL;

		ck_assert_int_ge(asprintf(&plain, "%s:%s", TEST_USER, TEST_PASSWORD), 0);
		enc = authfile_base64_encode(plain, strlen(plain));
		snprintf(basic, sizeof(basic), "Basic %s", enc);
	}

	if (strncmp(target, "/token?", 7) == 0) {
		char token_repo[256] = "", decoded[4096], body[512];
		const char *scope;
		size_t d = 0;

		for (const char *p = target; *p && d < sizeof(decoded) - 1; p++) {
			unsigned v;

			if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) {
				decoded[d++] = (char)v;
				p += 2;
			} else
				decoded[d++] = *p;
		}
		decoded[d] = '\0';
		scope = strstr(decoded, "scope=repository:");
		if (scope)
			sscanf(scope + 17, "%255[^:]", token_repo);
		snprintf(target, sizeof(target), "%s", decoded);
		if (!strstr(target, "service=test-registry")) {
			test_respond(fd, 400, NULL, "", 0);
			return;
		}
		if (strcmp(auth, basic) == 0)
			snprintf(body, sizeof(body), "{\"token\":\"basic.%s\",\"expires_in\":300}",
				 token_repo);
		else if (strcmp(auth, "-") == 0 && strncmp(token_repo, "public", 6) == 0)
			snprintf(body, sizeof(body),
				 "{\"access_token\":\"anon.%s\",\"expires_in\":120}", token_repo);
		else {
			const char *e = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad "
					"credentials\"}]}";
			test_respond(fd, 401, NULL, e, strlen(e));
			return;
		}
		test_respond(fd, 200, "Content-Type: application/json\r\n", body, strlen(body));
		return;
	}
	if (strncmp(target, "/storage/", 9) == 0) {
		test_serve_blob(fd, strcmp(range, "-") ? range : NULL);
		return;
	}

	x = test_split(target, repo, sizeof(repo));
	if (s->auth == TEST_AUTH_BEARER) {
		char want_basic[600], want_anon[600];

		snprintf(want_basic, sizeof(want_basic), "Bearer basic.%s", repo);
		snprintf(want_anon, sizeof(want_anon), "Bearer anon.%s", repo);
		bool ok = x ? strcmp(auth, want_basic) == 0 || strcmp(auth, want_anon) == 0
			    : strncmp(auth, "Bearer basic.", 13) == 0 ||
				  strncmp(auth, "Bearer anon.", 12) == 0;

		if (!ok) {
			snprintf(h, sizeof(h),
				 "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%d/token\","
				 "service=\"test-registry\",scope=\"repository:%s:pull\"\r\n",
				 s->port, x ? repo : "");
			test_respond(fd, 401, h, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}", 35);
			return;
		}
	} else if (s->auth == TEST_AUTH_BASIC && strcmp(auth, basic) != 0) {
		test_respond(fd, 401, "WWW-Authenticate: Basic realm=\"test\"\r\n", "", 0);
		return;
	}
	if (strcmp(target, "/v2/") == 0) {
		test_respond(fd, 200, NULL, "{}", 2);
		return;
	}
	if (!x) {
		test_respond(fd, 404, NULL, "", 0);
		return;
	}
	if (strstr(target, "/manifests/")) {
		if (strcmp(x, "err500") == 0) {
			const char *e =
			    "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"storage on "
			    "fire\"}]}";
			test_respond(fd, 500, NULL, e, strlen(e));
		} else if (strcmp(x, "missing") == 0) {
			const char *e = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":"
					"\"manifest unknown\",\"detail\":{}}]}";
			test_respond(fd, 404, NULL, e, strlen(e));
		} else if (strcmp(x, "huge") == 0) {
			size_t big = 5 * 1024 * 1024;
			char *b = calloc(1, big);
			test_respond(fd, 200, NULL, b, big);
			free(b);
		} else
			test_respond(fd, 200,
				     "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
				     "Docker-Content-Digest: " TEST_MANIFEST_DIGEST "\r\n",
				     strcmp(method, "HEAD") == 0 ? "" : TEST_MANIFEST,
				     strcmp(method, "HEAD") == 0 ? 0 : strlen(TEST_MANIFEST));
		return;
	}
	if (strcmp(x, "sha256:range") == 0)
		test_serve_blob(fd, strcmp(range, "-") ? range : NULL);
	else if (strcmp(x, "sha256:norange") == 0)
		test_serve_blob(fd, NULL);
	else if (strcmp(x, "sha256:redirect") == 0) {
		snprintf(h, sizeof(h), "Location: http://127.0.0.1:%d/storage/blob?sig=1\r\n",
			 s->other_port);
		test_respond(fd, 307, h, "", 0);
	} else if (strcmp(x, "sha256:loop") == 0) {
		snprintf(h, sizeof(h), "Location: /v2/%s/blobs/sha256:loop\r\n", repo);
		test_respond(fd, 302, h, "", 0);
	} else if (strcmp(x, "sha256:stall") == 0) {
		const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc";
		test_send(fd, head, strlen(head));
		sleep(60);
	} else {
		const char *e =
		    "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown "
		    "to registry\"}]}";
		test_respond(fd, 404, NULL, e, strlen(e));
	}
}

/* Starts the server (a child), logging to <dir>/server-<port>.log. */
static inline void test_server_start(struct test_server *s, const char *dir,
				     enum test_server_auth auth, int other_port)
{
	int fd = test_listen(&s->port);

	s->auth = auth;
	s->other_port = other_port;
	snprintf(s->log, sizeof(s->log), "%s/server-%d.log", dir, s->port);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		signal(SIGCHLD, SIG_IGN);
		alarm(120); /* never outlives a test that forgot it */
		for (;;) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
			pid_t p;

			if (c < 0)
				continue;
			p = fork();
			if (p == 0) {
				alarm(70);
				test_handle(s, c);
				shutdown(c, SHUT_WR);
				close(c);
				_exit(0);
			}
			close(c);
		}
	}
	close(fd);
}

static inline void test_server_stop(struct test_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* The server's log, as text (malloc'ed). */
static inline char *test_server_log(const struct test_server *s)
{
	char *text = NULL;
	FILE *f = fopen(s->log, "re");
	size_t n = 0;

	if (!f)
		return strdup("");
	ck_assert_int_ge(getdelim(&text, &n, '\0', f), 0);
	fclose(f);
	return text;
}

/*
 * Debian's docker-registry, storing under <dir>/storage, on a free port of
 * 127.0.0.1 (*ret_port), with htpasswd (a path) for Basic auth or NULL, and
 * TLS with cert and key (paths) or plain HTTP (NULL).
 * Returns its pid once /v2/ answers; false-y 0 if it does not start.
 */
static inline pid_t test_docker_registry_start_tls(const char *dir, const char *htpasswd,
						   const char *cert, const char *key, int *ret_port)
{
	char config[PATH_MAX], text[2048], logpath[PATH_MAX];
	int fd = test_listen(ret_port);
	pid_t pid;

	close(fd); /* the port is free again, for the registry to take */
	snprintf(config, sizeof(config), "%s/registry.yml", dir);
	snprintf(text, sizeof(text),
		 "version: 0.1\n"
		 "log:\n  level: error\n"
		 "storage:\n  filesystem:\n    rootdirectory: %s/storage\n"
		 "  delete:\n    enabled: true\n"
		 "http:\n  addr: 127.0.0.1:%d\n"
		 "%s%s%s%s%s"
		 "%s%s%s",
		 dir, *ret_port, cert ? "  tls:\n    certificate: " : "", cert ? cert : "",
		 cert ? "\n    key: " : "", key ? key : "", key ? "\n" : "",
		 htpasswd ? "auth:\n  htpasswd:\n    realm: test\n    path: " : "",
		 htpasswd ? htpasswd : "", htpasswd ? "\n" : "");
	test_write_file(config, text);
	snprintf(logpath, sizeof(logpath), "%s/registry.log", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int l = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (l >= 0) {
			dup2(l, 1);
			dup2(l, 2);
		}
		execl("/usr/bin/docker-registry", "docker-registry", "serve", config, (char *)NULL);
		_exit(127);
	}
	/* Wait for it to listen: up to 10 s. */
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)*ret_port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool up = connect(c, (struct sockaddr *)&a, sizeof(a)) == 0;

		close(c);
		if (up)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

static inline pid_t test_docker_registry_start(const char *dir, const char *htpasswd, int *ret_port)
{
	return test_docker_registry_start_tls(dir, htpasswd, NULL, NULL, ret_port);
}

static inline void test_docker_registry_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}
