/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The registry client (distribution API v2, OCI distribution spec) over
 * libcurl: the /v2/ ping, Bearer token and Basic authentication with the
 * credentials of containers-auth.json files (authfile.h), manifests, and
 * blobs, resumable and in parallel.
 *
 * TLS verifies against the system CAs and, when the admin put one there,
 * <certs_dir>/<registry>/ca.crt as well. Plain HTTP is used only for the
 * registries listed as insecure. Redirects are followed here, not by curl
 * (at most REGISTRY_REDIRECTS_MAX), and Authorization goes only to the
 * registry's own scheme, host and port: blob storage elsewhere never sees
 * it; an https registry is never redirected to http. Nothing here logs;
 * errors name the registry, the repository and the HTTP status, with the
 * registry's own JSON error (errors[0].code and message) when it sends
 * one, and never a password or token.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/image/imageref.h"

#define REGISTRY_CERTS_DIR	  "/etc/containers/certs.d"
#define REGISTRY_MANIFEST_MAX	  (4 * 1024 * 1024)
#define REGISTRY_REDIRECTS_MAX	  5
#define REGISTRY_CONNECT_TIMEOUT  30   /* seconds */
#define REGISTRY_LOW_SPEED_TIME	  60   /* seconds below REGISTRY_LOW_SPEED_LIMIT: give up */
#define REGISTRY_LOW_SPEED_LIMIT  1024 /* bytes per second */
#define REGISTRY_TOKEN_LIFETIME	  60   /* seconds, when the token server says nothing */
#define REGISTRY_PARALLEL_DEFAULT 3

struct registry_options {
	char *const *insecure; /* registries ("host[:port]") reached over plain HTTP; NULL: none */
	const char *certs_dir; /* NULL: REGISTRY_CERTS_DIR */
	char *const *auth_files; /* NULL: authfile_paths_default() */
	const char *ca_bundle;	 /* instead of the system CAs; NULL: curl's default */
	long connect_timeout;	 /* seconds; 0: REGISTRY_CONNECT_TIMEOUT */
	long low_speed_time;	 /* seconds; 0: REGISTRY_LOW_SPEED_TIME */
};

struct registry_client;

/* curl_global_init / cleanup, once per program, before any thread. -EIO. */
int registry_global_init(struct lxcri_error *err);
void registry_global_cleanup(void);

/*
 * A client for the registry of ref (its repository is the default scope of
 * registry_ping()). opts may be NULL. -ENOMEM, -EIO (a certs.d CA that
 * cannot be read, or the CA bundle), -EINVAL.
 */
int registry_client_new(const struct image_ref *ref, const struct registry_options *opts,
			struct registry_client **ret, struct lxcri_error *err);
void registry_client_free(struct registry_client *c);

/*
 * GET /v2/, authenticating (for pulls of ref's repository) when the
 * registry challenges. 0, or -errno: -EACCES (unauthorized), -ECONNREFUSED,
 * -ETIMEDOUT, -EIO...
 */
int registry_ping(struct registry_client *c, struct lxcri_error *err);

/*
 * GET /v2/<repo>/manifests/<reference> (a tag or "sha256:<hex>") with
 * Accept: accept (comma-separated media types; NULL: none). The body
 * (malloc'ed, NUL-terminated, at most REGISTRY_MANIFEST_MAX bytes: -EFBIG),
 * its size, its Content-Type and Docker-Content-Digest (malloc'ed, NULL if
 * absent; ret_content_type and ret_digest may be NULL). -ENOENT for a 404.
 */
int registry_get_manifest(struct registry_client *c, const char *repo, const char *reference,
			  const char *accept, char **ret_body, size_t *ret_size,
			  char **ret_content_type, char **ret_digest, struct lxcri_error *err);

/* HEAD of the same: the Docker-Content-Digest (malloc'ed); -ENODATA if the registry sends none. */
int registry_head_manifest(struct registry_client *c, const char *repo, const char *reference,
			   const char *accept, char **ret_digest, struct lxcri_error *err);

/* Receives size bytes of a blob; 0, or a -errno that stops the download. */
typedef int (*registry_write_fn)(void *ctx, const void *data, size_t size);
/*
 * The registry sends the whole blob though a range was asked for (200, not
 * 206): what was written so far is to be thrown away. 0 or -errno.
 */
typedef int (*registry_restart_fn)(void *ctx);

/*
 * GET /v2/<repo>/blobs/<digest>, from offset on (Range: bytes=<offset>-
 * when offset > 0). The caller hashes and stores what write_cb gets.
 * restart_cb may be NULL when offset is 0.
 */
int registry_get_blob(struct registry_client *c, const char *repo, const char *digest,
		      uint64_t offset, registry_write_fn write_cb, registry_restart_fn restart_cb,
		      void *ctx, struct lxcri_error *err);

struct registry_blob_request {
	const char *digest;
	uint64_t offset;
	registry_write_fn write_cb;
	registry_restart_fn restart_cb;
	void *ctx;
	/* Out: 0 or -errno, and what went wrong. */
	int result;
	struct lxcri_error err;
};

/*
 * Several blobs of repo, at most max_parallel at a time (0:
 * REGISTRY_PARALLEL_DEFAULT), each as registry_get_blob(). Every request
 * runs to its end whatever the others do; returns 0 if all succeeded, else
 * the result of the first that failed, with its message in err.
 */
int registry_get_blobs(struct registry_client *c, const char *repo,
		       struct registry_blob_request *reqs, size_t n, size_t max_parallel,
		       struct lxcri_error *err);
