/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Registry credentials in containers-auth.json(5) files, as podman and
 * skopeo keep them: {"auths": {"<host>[/<path>]": {"auth": "<base64 of
 * user:password>", "identitytoken": "..."}}}. lxcri reads AUTHFILE_DEFAULT,
 * then $REGISTRY_AUTH_FILE; `lxcri image login|logout` write one of them.
 *
 * These files hold passwords: one that is not owned by root, or that group
 * or others may read or write (after its symlinks are resolved), or that
 * lies in a directory others may change, is refused, naming it. No message
 * ever contains a password, a token or the "auth" value.
 */

#include <stddef.h>

#include "lib/basic/error.h"

#define AUTHFILE_DEFAULT  "/etc/lxcri/auth.json"
#define AUTHFILE_SIZE_MAX (1024 * 1024)

struct authfile_credentials {
	char *user;	      /* "" with only an identity token */
	char *password;	      /* NULL with only an identity token */
	char *identity_token; /* an OAuth2 refresh token for the registry's token server, or NULL */
	char *path;	      /* the file they came from */
	char *key;	      /* the key of "auths" that matched */
};

void authfile_credentials_free(struct authfile_credentials *c);

/*
 * The files to read, in order: AUTHFILE_DEFAULT, then $REGISTRY_AUTH_FILE
 * if it is set, non-empty and another path. A NULL-terminated malloc'ed
 * list (free with strv_free() or authfile_paths_free()); NULL without memory.
 */
char **authfile_paths_default(void);
void authfile_paths_free(char **paths);

/*
 * The credentials for repository on registry (the registry as a reference
 * names it: "docker.io", "127.0.0.1:5000"). In each file of paths in turn
 * (a missing file is skipped), the most specific key wins: "<registry>/a/b"
 * before "<registry>/a" before "<registry>"; keys may carry "https://" or
 * "http://" and a trailing "/" or "/v1/", and for docker.io the keys
 * "index.docker.io", "registry-1.docker.io" and "https://index.docker.io/v1/"
 * match too, as docker writes them. The first file with a match wins.
 *
 * Returns 1 with ret filled (the caller frees it), 0 if no file has
 * credentials for it, -errno with err set: -EPERM for a file refused for
 * its owner or mode, -EINVAL for one that is not JSON of this format or
 * whose matching entry is broken (bad base64, no ':' in it).
 */
int authfile_lookup_credentials(char *const *paths, const char *registry, const char *repository,
				struct authfile_credentials *ret, struct lxcri_error *err);

/* The same, for user and password only (an entry with only an identity token: user ""). */
int authfile_lookup(char *const *paths, const char *registry, const char *repository,
		    char **ret_user, char **ret_password, struct lxcri_error *err);

/*
 * Stores user and password for registry (a "host[:port][/path]" key) in
 * path: read (checked as above) if it exists, the entry set, every other key
 * kept, and written atomically with mode 0600, its parent directory made
 * with mode 0700 if missing. -EINVAL for a user with ':' or control
 * characters, an empty user or password, or a registry key that is not a
 * host[:port][/path].
 */
int authfile_login(const char *path, const char *registry, const char *user, const char *password,
		   struct lxcri_error *err);

/* Removes registry's entry from path: 0, or -ENOENT ("Not logged in to '<registry>'"). */
int authfile_logout(const char *path, const char *registry, struct lxcri_error *err);

/*
 * Standard base64 (RFC 4648, with padding) of data, malloc'ed, NULL
 * without memory. For the "auth" value and Basic authorization.
 */
char *authfile_base64_encode(const void *data, size_t size);
/*
 * Strict decoding: only the alphabet, padding only at the end and only as
 * much as the length needs. NUL-terminated, *ret_size the length. -EINVAL, -ENOMEM.
 */
int authfile_base64_decode(const char *s, char **ret, size_t *ret_size);
