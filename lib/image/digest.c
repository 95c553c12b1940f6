/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/ascii.h"

/* Reads of this size keep the SHA instructions busy and the syscalls few. */
#define DIGEST_READ_SIZE (256 * 1024)

struct digest {
	EVP_MD_CTX *ctx;
	unsigned long long length;
};

int digest_begin(struct digest **ret, struct lxcri_error *err)
{
	struct digest *d = calloc(1, sizeof(*d));

	if (!d)
		return error_oom(err);
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx) {
		free(d);
		return error_oom(err);
	}
	if (EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
		digest_free(d);
		return error_set(err, -EIO, "Failed to start a SHA-256 digest: libcrypto refused");
	}
	*ret = d;
	return 0;
}

int digest_update(struct digest *d, const void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (EVP_DigestUpdate(d->ctx, buf, n) != 1)
		return -EIO;
	d->length += n;
	return 0;
}

static void hex_of(const unsigned char *md, char ret[DIGEST_SIZE])
{
	static const char hexdigits[] = "0123456789abcdef";

	memcpy(ret, DIGEST_PREFIX, strlen(DIGEST_PREFIX));
	for (size_t i = 0; i < DIGEST_HEX_LEN / 2; i++) {
		ret[7 + 2 * i] = hexdigits[md[i] >> 4];
		ret[7 + 2 * i + 1] = hexdigits[md[i] & 0xf];
	}
	ret[DIGEST_SIZE - 1] = '\0';
}

int digest_end_hex(struct digest *d, char ret[DIGEST_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_MD_CTX *copy;
	int r = 0;

	/* Finish a copy, so that d can go on (a writer checks, then writes more). */
	copy = EVP_MD_CTX_new();
	if (!copy)
		return -ENOMEM;
	if (EVP_MD_CTX_copy_ex(copy, d->ctx) != 1 || EVP_DigestFinal_ex(copy, md, &md_len) != 1 ||
	    md_len != DIGEST_HEX_LEN / 2)
		r = -EIO;
	else
		hex_of(md, ret);
	EVP_MD_CTX_free(copy);
	return r;
}

unsigned long long digest_length(const struct digest *d)
{
	return d->length;
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

bool digest_valid(const char *s)
{
	if (!s || strncmp(s, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) != 0)
		return false;
	s += strlen(DIGEST_PREFIX);
	for (size_t i = 0; i < DIGEST_HEX_LEN; i++)
		if (!ascii_is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return s[DIGEST_HEX_LEN] == '\0';
}

const char *digest_hex(const char *s)
{
	return digest_valid(s) ? s + strlen(DIGEST_PREFIX) : NULL;
}

int digest_of_fd(int fd, char ret[DIGEST_SIZE], struct lxcri_error *err)
{
	_cleanup_digest_ struct digest *d = NULL;
	_cleanup_free_ char *buf = NULL;
	int r;

	r = digest_begin(&d, err);
	if (r < 0)
		return r;
	buf = malloc(DIGEST_READ_SIZE);
	if (!buf)
		return error_oom(err);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, buf, DIGEST_READ_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, -errno, "Failed to read fd %d for its digest",
					       fd);
		if (n == 0)
			break;
		r = digest_update(d, buf, (size_t)n);
		if (r < 0)
			return error_set(err, r,
					 "Failed to compute a SHA-256 digest: libcrypto failed");
	}
	r = digest_end_hex(d, ret);
	if (r < 0)
		return error_set(err, r, "Failed to compute a SHA-256 digest: libcrypto failed");
	return 0;
}

int digest_of_data(const void *buf, size_t n, char ret[DIGEST_SIZE])
{
	_cleanup_digest_ struct digest *d = NULL;
	int r;

	r = digest_begin(&d, NULL);
	if (r < 0)
		return r;
	r = digest_update(d, buf, n);
	if (r < 0)
		return r;
	return digest_end_hex(d, ret);
}
