/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SHA-256 (FIPS 180-4), for telling whether a generated profile still
 * matches its source without linking a crypto library into the hooks.
 * libc only.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE	   (2 * SHA256_DIGEST_SIZE + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t length; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t size);
void sha256_final(struct sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);
/* sha256_final() as 64 lowercase hex digits and a NUL. */
void sha256_final_hex(struct sha256 *s, char ret[SHA256_HEX_SIZE]);

/* The digest of data[0..size) as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t size, char ret[SHA256_HEX_SIZE]);
