/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A pull: an image from its registry into the store (store.h), for one
 * platform.
 *
 *   1. the manifest by tag or digest (the OCI and Docker types, MANIFEST_ACCEPT);
 *      its content must have the digest asked for, and the one the registry
 *      names in Docker-Content-Digest;
 *   2. from an index (a manifest list), the manifest of the platform;
 *   3. the config (an image config, its diff_ids one per layer, its
 *      platform the one asked for);
 *   4. the layers that the store lacks, in parallel, each verified while it
 *      streams and resumed where a killed pull left it;
 *   5. the config, the manifest and the tag, only when every layer is there.
 *
 * The store's shared lock is held from the first blob to the tag, so a
 * prune never removes what the pull is about to tag. A failure leaves no
 * tag and no blob that is not verified; partial layers stay to be resumed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/image/digest.h"
#include "lib/image/imageref.h"
#include "lib/image/platform.h"
#include "lib/image/registry.h"
#include "lib/image/store.h"

#define PULL_LOCK_TIMEOUT_MS (10 * 60 * 1000)
#define PULL_CONFIG_MAX	     (4 * 1024 * 1024)

/* What a pull tells as it goes (for a progress display); every member may be NULL. */
struct pull_events {
	/* The image's layers, before any is fetched; cached[i]: the store has it. */
	void (*layers)(void *userdata, char *const *digests, const uint64_t *sizes,
		       const bool *cached, size_t n);
	/* Layer i has done bytes (resumed ones included). */
	void (*progress)(void *userdata, size_t i, uint64_t done);
	/* Layer i is complete and verified. */
	void (*done)(void *userdata, size_t i, bool cached);
	void *userdata;
};

struct pull_options {
	const struct registry_options *registry; /* NULL: the defaults */
	const struct platform *platform;	 /* NULL: the host's */
	size_t jobs;				 /* layers at once; 0: REGISTRY_PARALLEL_DEFAULT */
	const struct pull_events *events;	 /* NULL: none */
	unsigned lock_timeout_ms;		 /* 0: PULL_LOCK_TIMEOUT_MS */
};

struct pull_result {
	char name[STORE_REF_NAME_MAX + 1]; /* the tag in the store: the full reference */
	char digest[DIGEST_SIZE]; /* what the registry names: the index's, or the manifest's */
	char manifest_digest[DIGEST_SIZE]; /* the platform's manifest */
	char config_digest[DIGEST_SIZE];
	struct platform platform; /* the image's, from its config */
	size_t layers, layers_fetched;
	uint64_t size;		/* of the compressed layers */
	uint64_t bytes_fetched; /* from the registry, layers and config */
};

/*
 * The store name of ref: the full reference ("docker.io/library/busybox:latest",
 * "127.0.0.1:5000/app@sha256:..."). -ENAMETOOLONG.
 */
int pull_store_name(const struct image_ref *ref, char *buf, size_t size);

/*
 * Pulls ref into s. 0 with *ret filled (ret may be NULL); -errno with err
 * naming the reference and what failed: -ENOENT (no such image or tag, or no
 * manifest for the platform), -EBADMSG (content that is not what its digest
 * says, a manifest or config that is not valid), -ENOTSUP (a schema 1
 * manifest, an artifact, a layer type we cannot unpack), -EACCES, and the
 * registry client's and the store's errors.
 */
int pull_image(struct store *s, const struct image_ref *ref, const struct pull_options *o,
	       struct pull_result *ret, struct lxcri_error *err);

/*
 * What the registry names ref's tag now (one HEAD request): the digest in
 * *ret (DIGEST_SIZE). -ENODATA if the registry sends no digest.
 */
int pull_remote_digest(const struct image_ref *ref, const struct registry_options *opts,
		       char ret[DIGEST_SIZE], struct lxcri_error *err);
