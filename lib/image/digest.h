/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Blob digests as OCI names them: "sha256:<64 lowercase hex>", computed
 * while the bytes stream by (libcrypto's EVP SHA-256, which uses the CPU's
 * SHA instructions where there are some). Only sha256 is taken: it is what
 * registries and the image spec use for every blob we pull.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/error.h"

#define DIGEST_ALGORITHM "sha256"
#define DIGEST_PREFIX	 "sha256:"
#define DIGEST_HEX_LEN	 64
#define DIGEST_SIZE	 (7 + DIGEST_HEX_LEN + 1) /* "sha256:" + hex + NUL */

struct digest;

/* A digest of nothing yet. -ENOMEM, or -EIO if libcrypto has no SHA-256. */
int digest_begin(struct digest **ret, struct lxcri_error *err);
/* Hashes buf[0..n) too. 0, or -EIO if libcrypto fails (it does not, in practice). */
int digest_update(struct digest *d, const void *buf, size_t n);
/*
 * "sha256:<hex>" of everything hashed so far. d may be updated and ended
 * again afterwards: the state goes on as if this had not been called.
 * 0 or -EIO / -ENOMEM.
 */
int digest_end_hex(struct digest *d, char ret[DIGEST_SIZE]);
/* Bytes hashed so far. */
unsigned long long digest_length(const struct digest *d);
void digest_free(struct digest *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct digest *, digest_free)
#define _cleanup_digest_ _cleanup_(digest_freep)

/* Whether s is exactly "sha256:" and 64 lowercase hex digits (NULL: false). */
bool digest_valid(const char *s);
/* The hex part of a valid digest (s + 7); NULL if s is not valid. */
const char *digest_hex(const char *s);

/*
 * The digest of fd's bytes from where it stands to its end (regular file,
 * pipe, socket). -errno of read(2), with err "Failed to read ...".
 */
int digest_of_fd(int fd, char ret[DIGEST_SIZE], struct lxcri_error *err);
/* The digest of buf[0..n) (buf may be NULL when n is 0). 0, -ENOMEM or -EIO. */
int digest_of_data(const void *buf, size_t n, char ret[DIGEST_SIZE]);
