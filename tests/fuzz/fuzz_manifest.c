/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manifest_parse() on arbitrary bytes, with each Content-Type a registry
 * may send: a refusal fills err with its code; what parses has the kind its
 * media type says, valid digests, and selects a platform or says why not.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { NULL, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
					     MEDIA_TYPE_DOCKER_LIST, MEDIA_TYPE_DOCKER_MANIFEST };
	const char *type = types[size % 5];
	struct lxcri_error err = { 0 };
	struct manifest *m = NULL;
	struct platform want = { "linux", "amd64", "" };
	const struct manifest_descriptor *d;
	int r;

	r = manifest_parse(type, data, size, &m, &err);
	if (r < 0) {
		if (m || err.code != r || !err.message[0] ||
		    (r != -EINVAL && r != -ENOTSUP && r != -E2BIG && r != -ENOMEM))
			abort();
		return 0;
	}
	if (m->kind == MANIFEST_IMAGE) {
		if (!digest_valid(m->config.digest))
			abort();
		for (size_t i = 0; i < m->n_layers; i++)
			if (!digest_valid(m->layers[i].digest))
				abort();
	} else {
		r = manifest_select(m, &want, &d, &err);
		if (r < 0 &&
		    (r != -ENOENT || strncmp(err.message, "The image has no manifest", 25)))
			abort();
		if (r == 0 && !digest_valid(d->digest))
			abort();
	}
	manifest_free(m);
	return 0;
}
