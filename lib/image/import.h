/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Images into the store without a registry (`lxcri image import`), for
 * nodes that have none: an OCI image layout directory, an oci-archive tar
 * (a layout in a tar), or a `docker save` tar (manifest.json with Config,
 * RepoTags and Layers; a newer one that holds an OCI layout too is read as
 * that).
 *
 * A tar is read with libarchive and only the names such archives have are
 * taken (oci-layout, index.json, manifest.json, repositories,
 * blobs/sha256/<hex>, <name>.json, <dir>/layer.tar, <dir>/json,
 * <dir>/VERSION), as regular files, into a private directory of the store
 * that goes afterwards; anything else (a link, a device, "..", another
 * name) refuses the import, naming it. Every blob is verified on its way
 * into the store; the tag comes last.
 */

#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/image/platform.h"
#include "lib/image/store.h"

struct import_result {
	char name[STORE_REF_NAME_MAX + 1]; /* the tag */
	char digest[DIGEST_SIZE];	   /* of the manifest tagged */
	const char *kind;		   /* "oci-layout", "oci-archive", "docker-archive" */
	size_t layers;
};

/*
 * Imports the image at path (its first one, or the one of the host's
 * platform from an index). name: the tag to give it (a reference); NULL:
 * the archive's own name (RepoTags[0], the io.containerd.image.name or a
 * reference-shaped org.opencontainers.image.ref.name annotation), or
 * -EINVAL asking for one.
 */
int import_image(struct store *s, const char *path, const char *name,
		 const struct platform *platform, struct import_result *ret,
		 struct lxcri_error *err);
