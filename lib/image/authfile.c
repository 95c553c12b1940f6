/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/authfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/strv.h"
#include "lib/basic/trust.h"
#include "lib/shared/json.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *authfile_base64_encode(const void *data, size_t size)
{
	const unsigned char *d = data;
	char *out = malloc((size + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < size; i += 3) {
		unsigned v = (unsigned)d[i] << 16;

		if (i + 1 < size)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < size)
			v |= d[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < size ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < size ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int authfile_base64_decode(const char *s, char **ret, size_t *ret_size)
{
	size_t len = strlen(s), pad = 0, n = 0;
	_cleanup_free_ char *out = NULL;

	if (len % 4 != 0)
		return -EINVAL;
	while (pad < 2 && len > pad && s[len - 1 - pad] == '=')
		pad++;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];

		for (int k = 0; k < 4; k++) {
			bool padding = i + (size_t)k >= len - pad;

			v[k] = padding ? 0 : b64_value(s[i + (size_t)k]);
			if (v[k] < 0)
				return -EINVAL;
		}
		unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
			     (unsigned)v[3];
		out[n++] = (char)(x >> 16);
		if (i + 4 < len || pad < 2)
			out[n++] = (char)(x >> 8);
		if (i + 4 < len || pad < 1)
			out[n++] = (char)x;
		/* Canonical: the bits the padding leaves over must be zero. */
		if (i + 4 == len && ((pad == 2 && (x & 0xffff)) || (pad == 1 && (x & 0xff))))
			return -EINVAL;
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	if (ret_size)
		*ret_size = n;
	return 0;
}

void authfile_credentials_free(struct authfile_credentials *c)
{
	if (!c)
		return;
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	if (c->identity_token)
		explicit_bzero(c->identity_token, strlen(c->identity_token));
	free(c->user);
	free(c->password);
	free(c->identity_token);
	free(c->path);
	free(c->key);
	*c = (struct authfile_credentials){ 0 };
}

char **authfile_paths_default(void)
{
	_cleanup_(strv_freep) char **v = NULL;
	const char *env = getenv("REGISTRY_AUTH_FILE");
	size_t n = 0;

	if (strv_appendf(&v, &n, "%s", AUTHFILE_DEFAULT) < 0)
		return NULL;
	if (env && *env && strcmp(env, AUTHFILE_DEFAULT) != 0 &&
	    strv_appendf(&v, &n, "%s", env) < 0)
		return NULL;
	return TAKE_PTR(v);
}

void authfile_paths_free(char **paths)
{
	strv_free(paths);
}

/*
 * Reads path if it is root's alone: -ENOENT (err untouched) if it does not
 * exist, -EPERM naming it if others could read or change it.
 */
static int read_checked(const char *path, char **ret, size_t *ret_size, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	char q[ESCAPE_BUFSIZE];
	struct stat st;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return error_set_errno(err, -errno, "Failed to open registry credentials '%s'",
				       escape_for_message(path, q, sizeof(q)));
	}
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, -errno, "Failed to examine registry credentials '%s'",
				       escape_for_message(path, q, sizeof(q)));
	if (!S_ISREG(st.st_mode))
		return error_set(err, -EINVAL,
				 "Failed to read registry credentials '%s': not a regular file",
				 escape_for_message(path, q, sizeof(q)));
	if (st.st_uid != 0)
		return error_set(err, -EPERM,
				 "Refusing registry credentials '%s': the file is owned by uid %u, "
				 "not root",
				 escape_for_message(path, q, sizeof(q)), (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return error_set(err, -EPERM,
				 "Refusing registry credentials '%s': the file is accessible to "
				 "group or others (mode %04o; chmod 600 it)",
				 escape_for_message(path, q, sizeof(q)),
				 (unsigned)(st.st_mode & 07777));
	/* The directories above: nobody else may swap the file under us. */
	r = trust_check(path, err);
	if (r < 0) {
		char why[sizeof(err->message)];

		snprintf(why, sizeof(why), "%s", err ? err->message : "");
		return error_set(err, r == -ENOENT ? -ENOENT : -EPERM,
				 "Refusing registry credentials '%s': %s",
				 escape_for_message(path, q, sizeof(q)), why);
	}
	r = fileio_read_fd(fd, AUTHFILE_SIZE_MAX, ret, ret_size);
	if (r == -EFBIG)
		return error_set(err, r,
				 "Failed to read registry credentials '%s': larger than %d bytes",
				 escape_for_message(path, q, sizeof(q)), AUTHFILE_SIZE_MAX);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read registry credentials '%s'",
				       escape_for_message(path, q, sizeof(q)));
	return 0;
}

/* The "auths" object of path's JSON; *ret NULL (and 0) if the file does not exist. */
static int load(const char *path, struct json_object **ret_root, struct json_object **ret_auths,
		struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *auths = NULL;
	char q[ESCAPE_BUFSIZE], why[256];
	size_t size = 0;
	int r;

	*ret_root = NULL;
	*ret_auths = NULL;
	r = read_checked(path, &text, &size, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = json_parse_strict(text, size, &root, why, sizeof(why));
	if (r == -ENODATA)
		snprintf(why, sizeof(why), "it is empty");
	if (r < 0)
		return error_set(err, -EINVAL, "Invalid registry credentials '%s': %s",
				 escape_for_message(path, q, sizeof(q)), why);
	if (!json_object_is_type(root, json_type_object))
		return error_set(err, -EINVAL,
				 "Invalid registry credentials '%s': expected an object, not %s",
				 escape_for_message(path, q, sizeof(q)), json_type_phrase(root));
	if (json_object_object_get_ex(root, "auths", &auths) &&
	    !json_object_is_type(auths, json_type_object))
		return error_set(
		    err, -EINVAL,
		    "Invalid registry credentials '%s': \"auths\" is %s, not an object",
		    escape_for_message(path, q, sizeof(q)), json_type_phrase(auths));
	*ret_auths = auths;
	*ret_root = TAKE_PTR(root);
	return 0;
}

/*
 * key as a registry/path to compare: no "https://" or "http://", no trailing
 * "/" or "/v1/" "/v2/" of a URL, and Docker Hub's other names as docker.io.
 */
static int key_normalize(const char *key, char *buf, size_t size)
{
	bool url = false;
	size_t n;
	const char *slash;

	if (strncmp(key, "https://", 8) == 0)
		key += 8, url = true;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7, url = true;
	if ((size_t)snprintf(buf, size, "%s", key) >= size)
		return -ENAMETOOLONG;
	n = strlen(buf);
	while (n && buf[n - 1] == '/')
		buf[--n] = '\0';
	if (url && n > 3 && (strcmp(buf + n - 3, "/v1") == 0 || strcmp(buf + n - 3, "/v2") == 0))
		buf[n -= 3] = '\0';
	slash = strchr(buf, '/');
	n = slash ? (size_t)(slash - buf) : strlen(buf);
	static const char *const hub[] = { "index.docker.io", "registry-1.docker.io" };
	for (size_t i = 0; i < ELEMENTSOF(hub); i++)
		if (strlen(hub[i]) == n && strncmp(buf, hub[i], n) == 0) {
			memmove(buf + 9, buf + n, strlen(buf + n) + 1);
			memcpy(buf, "docker.io", 9);
			break;
		}
	return 0;
}

/*
 * How well key matches registry/repository: -1 not at all, else the length
 * of the matched path (0 for the registry alone).
 */
static int key_match(const char *key, const char *registry, const char *repository)
{
	char k[PATH_MAX];
	size_t rl = strlen(registry), kl;

	if (key_normalize(key, k, sizeof(k)) < 0)
		return -1;
	if (strncmp(k, registry, rl) != 0)
		return -1;
	if (k[rl] == '\0')
		return 0;
	if (k[rl] != '/')
		return -1;
	kl = strlen(k + rl + 1);
	if (kl == 0 || strncmp(k + rl + 1, repository, kl) != 0)
		return -1;
	if (repository[kl] != '\0' && repository[kl] != '/')
		return -1;
	return (int)kl;
}

static int entry_decode(const char *path, const char *key, struct json_object *entry,
			struct authfile_credentials *ret, struct lxcri_error *err)
{
	_cleanup_(authfile_credentials_free) struct authfile_credentials c = { 0 };
	_cleanup_free_ char *plain = NULL;
	struct json_object *auth = NULL, *token = NULL;
	char q[ESCAPE_BUFSIZE], qk[ESCAPE_BUFSIZE];
	size_t size = 0;
	char *colon;

#define BROKEN(why)                                                                                \
	error_set(err, -EINVAL, "Invalid registry credentials '%s': the entry '%s' %s",            \
		  escape_for_message(path, q, sizeof(q)), escape_for_message(key, qk, sizeof(qk)), \
		  why)

	if (!json_object_is_type(entry, json_type_object))
		return BROKEN("is not an object");
	if (json_object_object_get_ex(entry, "identitytoken", &token)) {
		if (!json_object_is_type(token, json_type_string))
			return BROKEN("has an \"identitytoken\" that is not a string");
		if (json_object_get_string_len(token) > 0) {
			c.identity_token = strdup(json_object_get_string(token));
			if (!c.identity_token)
				return error_oom(err);
		}
	}
	if (json_object_object_get_ex(entry, "auth", &auth)) {
		if (!json_object_is_type(auth, json_type_string))
			return BROKEN("has an \"auth\" that is not a string");
		if (json_object_get_string_len(auth) == 0)
			auth = NULL;
	}
	if (auth) {
		int r = authfile_base64_decode(json_object_get_string(auth), &plain, &size);

		if (r == -ENOMEM)
			return error_oom(err);
		if (r < 0)
			return BROKEN("has an \"auth\" that is not base64");
		if (strlen(plain) != size) {
			explicit_bzero(plain, size);
			return BROKEN("has an \"auth\" with a NUL byte in it");
		}
		colon = strchr(plain, ':');
		if (!colon) {
			explicit_bzero(plain, size);
			return BROKEN("has an \"auth\" that is not base64 of user:password");
		}
		*colon = '\0';
		c.user = strdup(plain);
		c.password = strdup(colon + 1);
		explicit_bzero(plain, size);
		if (!c.user || !c.password)
			return error_oom(err);
	} else if (c.identity_token) {
		c.user = strdup("");
		if (!c.user)
			return error_oom(err);
	} else
		return BROKEN("has neither \"auth\" nor \"identitytoken\"");
#undef BROKEN
	c.path = strdup(path);
	c.key = strdup(key);
	if (!c.path || !c.key)
		return error_oom(err);
	*ret = c;
	c = (struct authfile_credentials){ 0 };
	return 0;
}

int authfile_lookup_credentials(char *const *paths, const char *registry, const char *repository,
				struct authfile_credentials *ret, struct lxcri_error *err)
{
	if (!repository)
		repository = "";
	for (char *const *p = paths; p && *p; p++) {
		_cleanup_json_ struct json_object *root = NULL;
		struct json_object *auths = NULL, *best = NULL;
		const char *best_key = NULL;
		int best_score = -1, r;

		r = load(*p, &root, &auths, err);
		if (r < 0)
			return r;
		if (!auths)
			continue;
		json_object_object_foreach(auths, key, entry)
		{
			int score = key_match(key, registry, repository);

			if (score > best_score) {
				best_score = score;
				best = entry;
				best_key = key;
			}
		}
		if (!best)
			continue;
		r = entry_decode(*p, best_key, best, ret, err);
		return r < 0 ? r : 1;
	}
	return 0;
}

int authfile_lookup(char *const *paths, const char *registry, const char *repository,
		    char **ret_user, char **ret_password, struct lxcri_error *err)
{
	_cleanup_(authfile_credentials_free) struct authfile_credentials c = { 0 };
	int r = authfile_lookup_credentials(paths, registry, repository, &c, err);

	if (r <= 0)
		return r;
	*ret_user = TAKE_PTR(c.user);
	*ret_password = TAKE_PTR(c.password);
	return 1;
}

/* host[:port] or [v6]:port, then /path of [a-z0-9._-] components. */
static bool registry_key_valid(const char *s)
{
	if (!*s || strlen(s) > 512 || *s == '/')
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr(".-_:/[]", *p))
			return false;
	return !strstr(s, "//") && s[strlen(s) - 1] != '/';
}

static bool text_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Makes path's parent directory, mode 0700, if it is missing. */
static int parent_make(const char *path, struct lxcri_error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	char q[ESCAPE_BUFSIZE];
	char *slash;

	if (!dir)
		return error_oom(err);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		if (errno == ENOENT) {
			int r = parent_make(dir, err);

			if (r < 0)
				return r;
			if (mkdir(dir, 0700) == 0 || errno == EEXIST)
				return 0;
		}
		return error_set_errno(err, -errno, "Failed to create directory '%s'",
				       escape_for_message(dir, q, sizeof(q)));
	}
	return 0;
}

static int store(const char *path, struct json_object *root, struct lxcri_error *err)
{
	const char *text;
	size_t len = 0;
	int r;

	text = json_object_to_json_string_length(
	    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		return error_oom(err);
	r = parent_make(path, err);
	if (r < 0)
		return r;
	/* The text holds a password: on failure, err says only where and why. */
	_cleanup_free_ char *copy = malloc(len + 2);
	if (!copy)
		return error_oom(err);
	memcpy(copy, text, len);
	copy[len] = '\n';
	r = atomic_write_file(path, copy, len + 1, 0600, AUTHFILE_SIZE_MAX, err);
	explicit_bzero(copy, len + 1);
	return r;
}

int authfile_login(const char *path, const char *registry, const char *user, const char *password,
		   struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ char *plain = NULL, *encoded = NULL;
	struct json_object *auths = NULL, *entry = NULL;
	char q[ESCAPE_BUFSIZE];
	int r;

	if (!registry_key_valid(registry))
		return error_set(err, -EINVAL, "Invalid registry '%s': expected host[:port][/path]",
				 escape_for_message(registry, q, sizeof(q)));
	if (!*user || strchr(user, ':') || !text_clean(user))
		return error_set(err, -EINVAL,
				 "Invalid user name '%s': it must be non-empty, without ':' or "
				 "control characters",
				 escape_for_message(user, q, sizeof(q)));
	if (!*password || !text_clean(password))
		return error_set(
		    err, -EINVAL,
		    "Invalid password: it must be non-empty, without control characters");
	r = load(path, &root, &auths, err);
	if (r < 0)
		return r;
	if (!root) {
		root = json_object_new_object();
		if (!root)
			return error_oom(err);
	}
	if (!auths) {
		auths = json_object_new_object();
		if (!auths || json_add(root, "auths", auths) < 0)
			return error_oom(err);
	}
	if (asprintf(&plain, "%s:%s", user, password) < 0) {
		plain = NULL;
		return error_oom(err);
	}
	encoded = authfile_base64_encode(plain, strlen(plain));
	explicit_bzero(plain, strlen(plain));
	if (!encoded)
		return error_oom(err);
	entry = json_object_new_object();
	if (!entry || json_add_string(entry, "auth", encoded) < 0 ||
	    json_add(auths, registry, entry) < 0)
		return error_oom(err);
	explicit_bzero(encoded, strlen(encoded));
	return store(path, root, err);
}

int authfile_logout(const char *path, const char *registry, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *auths = NULL;
	char q[ESCAPE_BUFSIZE], qp[ESCAPE_BUFSIZE];
	int r;

	r = load(path, &root, &auths, err);
	if (r < 0)
		return r;
	if (!auths || !json_object_object_get_ex(auths, registry, NULL))
		return error_set(err, -ENOENT, "Not logged in to '%s' (in '%s')",
				 escape_for_message(registry, q, sizeof(q)),
				 escape_for_message(path, qp, sizeof(qp)));
	json_object_object_del(auths, registry);
	return store(path, root, err);
}
