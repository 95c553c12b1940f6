/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Image references, as `lxcri image pull` and `lxcri create --image` take
 * them: [registry/]name[:tag][@sha256:<hex>], with the distribution
 * reference grammar (github.com/distribution/reference) and Docker Hub's
 * rules: no registry is docker.io, a name of one component there is
 * library/<name>, index.docker.io is docker.io, and neither tag nor digest
 * is :latest. The registry is the first component when it has a '.' or a
 * ':', is "localhost", or has upper case letters. libc only.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

#define IMAGE_REF_NAME_MAX    255 /* registry/repository, as the grammar limits it */
#define IMAGE_REF_TAG_MAX     128
#define IMAGE_REF_DIGEST_SIZE (7 + 64 + 1) /* "sha256:" + hex + NUL */

struct image_ref {
	char registry[IMAGE_REF_NAME_MAX + 1];	 /* "docker.io", "127.0.0.1:5000", "[::1]:5000" */
	char repository[IMAGE_REF_NAME_MAX + 1]; /* "library/busybox" */
	char tag[IMAGE_REF_TAG_MAX + 1];	 /* "latest"; "" with only a digest */
	char digest[IMAGE_REF_DIGEST_SIZE];	 /* "sha256:<64 hex>", "" if none */
};

/*
 * Parses s; -EINVAL with err naming the reference and what is wrong
 * ("Invalid image reference 'Busybox': the repository name must be lower
 * case"). Only sha256 digests are taken.
 */
int image_ref_parse(const char *s, struct image_ref *ret, struct lxcri_error *err);

/*
 * The full form, "docker.io/library/busybox:latest",
 * "127.0.0.1:5000/app@sha256:..." (tag and digest both when both are
 * given). -ENAMETOOLONG if it does not fit in size.
 */
int image_ref_format(const struct image_ref *r, char *buf, size_t size);

/* The host the registry API is reached at: registry-1.docker.io for docker.io. */
const char *image_ref_api_host(const struct image_ref *r);
