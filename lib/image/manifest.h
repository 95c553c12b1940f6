/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Image manifests and indexes (OCI image-spec manifest.md, image-index.md)
 * and their Docker forms (schema 2 manifest, manifest list): what a pull
 * reads, strictly. Unknown members are ignored, as the spec asks; every
 * member we use must have its type, every digest be a sha256 one.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/image/digest.h"
#include "lib/image/platform.h"

#define MEDIA_TYPE_OCI_INDEX	    "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_MANIFEST	    "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_CONFIG	    "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_OCI_LAYER	    "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_TYPE_OCI_LAYER_GZIP   "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_TYPE_OCI_LAYER_ZSTD   "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_TYPE_DOCKER_LIST	    "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_MANIFEST  "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_CONFIG    "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER	    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MEDIA_TYPE_DOCKER_FOREIGN   "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MEDIA_TYPE_DOCKER_SCHEMA1   "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_TYPE_DOCKER_SCHEMA1_S "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* The Accept header of a manifest request: what manifest_parse() takes. */
#define MANIFEST_ACCEPT                                                                            \
	MEDIA_TYPE_OCI_INDEX ", " MEDIA_TYPE_OCI_MANIFEST ", " MEDIA_TYPE_DOCKER_LIST              \
			     ", " MEDIA_TYPE_DOCKER_MANIFEST

#define MANIFEST_MAX_SIZE  (4 * 1024 * 1024) /* containerd's limit */
#define MANIFEST_MAX_ITEMS 1024		     /* layers of a manifest, manifests of an index */

enum manifest_kind { MANIFEST_INDEX, MANIFEST_IMAGE };
enum manifest_compression {
	MANIFEST_COMPRESSION_NONE,
	MANIFEST_COMPRESSION_GZIP,
	MANIFEST_COMPRESSION_ZSTD,
};

struct manifest_descriptor {
	char *media_type; /* "" when the descriptor has none */
	char digest[DIGEST_SIZE];
	uint64_t size;
	bool has_platform;
	struct platform platform; /* as the index says it, not normalized */
};

struct manifest {
	enum manifest_kind kind;
	char *media_type;
	struct manifest_descriptor config;  /* MANIFEST_IMAGE */
	struct manifest_descriptor *layers; /* MANIFEST_IMAGE */
	size_t n_layers;
	struct manifest_descriptor *manifests; /* MANIFEST_INDEX */
	size_t n_manifests;
};

/*
 * Parses a manifest or index. content_type is the registry's Content-Type
 * (NULL or "" if none; parameters after ';' are ignored): it and the
 * JSON's mediaType must agree when both name a manifest type; without
 * either, the members tell (manifests: an index; config and layers: an
 * image). -EINVAL naming what is wrong, -ENOTSUP for a schema 1 manifest
 * or an artifact (a config that is not an image config), -E2BIG past
 * MANIFEST_MAX_SIZE or MANIFEST_MAX_ITEMS.
 */
int manifest_parse(const char *content_type, const void *data, size_t size, struct manifest **ret,
		   struct lxcri_error *err);
void manifest_free(struct manifest *m);

/*
 * The first image manifest of index for want (platform_match()); entries
 * that are no image manifest (attestations: unknown/unknown) are skipped.
 * -ENOENT naming the platforms the index has.
 */
int manifest_select(const struct manifest *index, const struct platform *want,
		    const struct manifest_descriptor **ret, struct lxcri_error *err);

/* How a layer of media_type is compressed; -ENOTSUP for one we cannot unpack (encrypted...). */
int manifest_layer_compression(const char *media_type, enum manifest_compression *ret,
			       struct lxcri_error *err);
