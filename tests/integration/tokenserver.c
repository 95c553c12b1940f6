/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Bearer token server of the integration tests' registry (docker-registry
 * with `auth: token:`): answers GET /token?service=..&scope=.. with an RS256
 * JWT signed by the key whose certificate is the registry's rootcertbundle.
 * A client with the right Basic credentials gets every action it asks for;
 * one without credentials gets the pull actions only (anonymous pull); wrong
 * credentials get 401. Every request is logged, one line each:
 *   <method> <path?query> user=<name|anonymous|denied> granted=<type:name:actions>[ ...]
 *
 *   tokenserver --key KEY.pem --port-file FILE --log FILE [--user U --password P]
 *               [--issuer ISS] [--service SVC] [--expires SECONDS]
 *
 * It listens on 127.0.0.1, on a port the kernel picks, and writes that port
 * to --port-file once it listens (the file appears whole, by rename).
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST 16384
#define MAX_SCOPES  16

static const char *opt_issuer = "lxcri-test-issuer";
static const char *opt_service = "lxcri-test-registry";
static const char *opt_user, *opt_password;
static long opt_expires = 300;
static EVP_PKEY *key;
static char key_id[64];
static FILE *request_log;

/* base64url without padding (JWS). */
static char *b64url(const unsigned char *data, size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1, i, o = 0;
	char *out = malloc(cap);
	int n;

	if (!out)
		return NULL;
	n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	for (i = 0; i < (size_t)n; i++) {
		if (out[i] == '=')
			break;
		out[o++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	out[o] = '\0';
	return out;
}

/*
 * The key id docker-registry looks a "kid" up by (libtrust's): the SHA-256 of
 * the DER SubjectPublicKeyInfo, its first 240 bits in base32, in groups of 4
 * joined by ':'.
 */
static int make_key_id(void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char *der = NULL, sum[32];
	char b32[49];
	unsigned int bits = 0, acc = 0, i, o = 0, k = 0;
	int len = i2d_PUBKEY(key, &der);

	if (len <= 0)
		return -1;
	EVP_Digest(der, (size_t)len, sum, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	for (i = 0; i < 30; i++) {
		acc = (acc << 8) | sum[i];
		bits += 8;
		while (bits >= 5) {
			b32[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	b32[o] = '\0';
	for (i = 0; i < o; i++) {
		if (i && i % 4 == 0)
			key_id[k++] = ':';
		key_id[k++] = b32[i];
	}
	key_id[k] = '\0';
	return 0;
}

static char *sign_jwt(json_object *claims)
{
	json_object *header = json_object_new_object();
	const char *h, *c;
	char *hb, *cb, *input = NULL, *sig64 = NULL, *jwt = NULL;
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	json_object_object_add(header, "typ", json_object_new_string("JWT"));
	json_object_object_add(header, "alg", json_object_new_string("RS256"));
	json_object_object_add(header, "kid", json_object_new_string(key_id));
	h = json_object_to_json_string_ext(header, JSON_C_TO_STRING_PLAIN);
	c = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN);
	hb = b64url((const unsigned char *)h, strlen(h));
	cb = b64url((const unsigned char *)c, strlen(c));
	if (ctx && hb && cb && asprintf(&input, "%s.%s", hb, cb) >= 0 &&
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)input, strlen(input)) == 1 &&
	    (sig64 = b64url(sig, siglen)) && asprintf(&jwt, "%s.%s", input, sig64) < 0)
		jwt = NULL;
	EVP_MD_CTX_free(ctx);
	json_object_put(header);
	free(hb);
	free(cb);
	free(input);
	free(sig64);
	return jwt;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

/* -1: wrong credentials, 0: none, 1: the right ones. */
static int check_basic(const char *headers, char *user, size_t usersize)
{
	const char *p = strcasestr(headers, "\nAuthorization: Basic ");
	unsigned char decoded[512];
	char enc[600], *colon;
	size_t n;
	int len;

	if (!p)
		return 0;
	p += strlen("\nAuthorization: Basic ");
	n = strcspn(p, "\r\n");
	if (n == 0 || n >= sizeof(enc) || n % 4)
		return -1;
	memcpy(enc, p, n);
	enc[n] = '\0';
	len = EVP_DecodeBlock(decoded, (unsigned char *)enc, (int)n);
	if (len < 0)
		return -1;
	while (len > 0 && n > 0 && enc[--n] == '=')
		len--;
	decoded[len] = '\0';
	colon = strchr((char *)decoded, ':');
	if (!colon || !opt_user || !opt_password)
		return -1;
	*colon = '\0';
	snprintf(user, usersize, "%.*s", (int)usersize - 1, (char *)decoded);
	if (strcmp((char *)decoded, opt_user) || strcmp(colon + 1, opt_password))
		return -1;
	return 1;
}

/* Adds {type, name, actions} to access for "type:name:a,b" (name may hold ':'). */
static void grant_scope(json_object *access, char *scope, bool anonymous, char *granted,
			size_t grantedsize)
{
	char *first = strchr(scope, ':'), *last = strrchr(scope, ':'), *action, *save = NULL;
	json_object *entry, *actions;
	size_t used;

	if (!first || first == last)
		return;
	*first = '\0';
	*last = '\0';
	entry = json_object_new_object();
	actions = json_object_new_array();
	json_object_object_add(entry, "type", json_object_new_string(scope));
	json_object_object_add(entry, "name", json_object_new_string(first + 1));
	used = strlen(granted);
	snprintf(granted + used, grantedsize - used, " %s:%s:", scope, first + 1);
	for (action = strtok_r(last + 1, ",", &save); action; action = strtok_r(NULL, ",", &save)) {
		if (anonymous && strcmp(action, "pull"))
			continue;
		json_object_array_add(actions, json_object_new_string(action));
		used = strlen(granted);
		snprintf(granted + used, grantedsize - used, "%s%s",
			 granted[used - 1] == ':' ? "" : ",", action);
	}
	json_object_object_add(entry, "actions", actions);
	json_object_array_add(access, entry);
}

static void respond(int fd, const char *status, const char *extra, const char *body)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: "
			 "%zu\r\nConnection: close\r\n%s\r\n",
			 status, strlen(body), extra);

	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

static void serve(int fd)
{
	char req[MAX_REQUEST + 1], method[16], target[4096], user[512] = "", granted[4096] = "";
	char *scopes[MAX_SCOPES], *query, *param, *save = NULL, issued[64], *jwt;
	size_t len = 0, nscopes = 0, i;
	json_object *claims, *access, *body;
	unsigned char rnd[16];
	char jti[33];
	time_t now = time(NULL);
	struct tm tm;
	int auth;

	while (len < MAX_REQUEST) {
		ssize_t n = read(fd, req + len, MAX_REQUEST - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "%15s %4095s", method, target) != 2) {
		respond(fd, "400 Bad Request", "", "{}");
		return;
	}
	auth = check_basic(req, user, sizeof(user));
	if (auth < 0 || strcmp(method, "GET") || strncmp(target, "/token", 6) ||
	    (target[6] && target[6] != '?')) {
		bool denied = auth < 0;
		fprintf(request_log, "%s %s user=%s granted=\n", method, target,
			denied ? "denied"
			: auth ? user
			       : "anonymous");
		fflush(request_log);
		if (denied)
			respond(fd, "401 Unauthorized",
				"WWW-Authenticate: Basic realm=\"lxcri-test\"\r\n",
				"{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
		else
			respond(fd, "404 Not Found", "", "{}");
		return;
	}
	fprintf(request_log, "%s %s ", method, target);
	query = strchr(target, '?');
	if (query)
		for (param = strtok_r(query + 1, "&", &save); param;
		     param = strtok_r(NULL, "&", &save)) {
			url_decode(param);
			if (!strncmp(param, "scope=", 6) && nscopes < MAX_SCOPES)
				scopes[nscopes++] = param + 6;
		}
	claims = json_object_new_object();
	access = json_object_new_array();
	for (i = 0; i < nscopes; i++) {
		/* One scope parameter may hold several, space-separated. */
		char *one, *save2 = NULL;
		for (one = strtok_r(scopes[i], " ", &save2); one; one = strtok_r(NULL, " ", &save2))
			grant_scope(access, one, auth == 0, granted, sizeof(granted));
	}
	RAND_bytes(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		sprintf(jti + 2 * i, "%02x", rnd[i]);
	json_object_object_add(claims, "iss", json_object_new_string(opt_issuer));
	json_object_object_add(claims, "sub", json_object_new_string(auth ? user : ""));
	json_object_object_add(claims, "aud", json_object_new_string(opt_service));
	json_object_object_add(claims, "exp", json_object_new_int64(now + opt_expires));
	json_object_object_add(claims, "nbf", json_object_new_int64(now - 10));
	json_object_object_add(claims, "iat", json_object_new_int64(now));
	json_object_object_add(claims, "jti", json_object_new_string(jti));
	json_object_object_add(claims, "access", access);
	jwt = sign_jwt(claims);
	json_object_put(claims);
	fprintf(request_log, "user=%s granted=%s\n", auth ? user : "anonymous",
		granted[0] ? granted + 1 : "");
	fflush(request_log);
	if (!jwt) {
		respond(fd, "500 Internal Server Error", "", "{}");
		return;
	}
	gmtime_r(&now, &tm);
	strftime(issued, sizeof(issued), "%Y-%m-%dT%H:%M:%SZ", &tm);
	body = json_object_new_object();
	json_object_object_add(body, "token", json_object_new_string(jwt));
	json_object_object_add(body, "access_token", json_object_new_string(jwt));
	json_object_object_add(body, "expires_in", json_object_new_int64(opt_expires));
	json_object_object_add(body, "issued_at", json_object_new_string(issued));
	respond(fd, "200 OK", "", json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
	json_object_put(body);
	free(jwt);
}

static int usage(void)
{
	fprintf(stderr, "usage: tokenserver --key KEY.pem --port-file FILE --log FILE [--user U "
			"--password P] [--issuer ISS] [--service SVC] [--expires SECONDS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'P' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "service", required_argument, NULL, 's' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *portfile = NULL, *logfile = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	char tmp[4096];
	FILE *f;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'k':
			keyfile = optarg;
			break;
		case 'p':
			portfile = optarg;
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'u':
			opt_user = optarg;
			break;
		case 'P':
			opt_password = optarg;
			break;
		case 'i':
			opt_issuer = optarg;
			break;
		case 's':
			opt_service = optarg;
			break;
		case 'e':
			opt_expires = strtol(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	if (!keyfile || !portfile || !logfile || optind != argc)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	f = fopen(keyfile, "re");
	if (!f || !(key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) || make_key_id() < 0) {
		fprintf(stderr, "tokenserver: cannot load the key '%s'\n", keyfile);
		return 1;
	}
	fclose(f);
	request_log = fopen(logfile, "ae");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!request_log || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0 || getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("tokenserver");
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0 ||
	    rename(tmp, portfile) < 0) {
		perror("tokenserver: port file");
		return 1;
	}
	for (;;) {
		int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("tokenserver: accept");
			return 1;
		}
		/* One client at a time: a silent one must not hold up the others for long. */
		struct timeval timeout = { .tv_sec = 5 };
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		serve(conn);
		close(conn);
	}
}
