/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image_ref_parse() on arbitrary strings. A refusal says so in one sentence
 * that names the reference; whatever parses formats to a full reference
 * that parses to the same image.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/image/imageref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_ref r, again;
	struct lxcri_error err = { 0 };
	char *s = malloc(size + 1);
	char full[2 * IMAGE_REF_NAME_MAX + IMAGE_REF_TAG_MAX + IMAGE_REF_DIGEST_SIZE + 4];
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = image_ref_parse(s, &r, &err);
	if (rc < 0) {
		if (rc != -EINVAL || err.code != rc ||
		    strncmp(err.message, "Invalid image reference '", 25) != 0)
			abort();
	} else {
		if (!r.registry[0] || !r.repository[0] || (!r.tag[0] && !r.digest[0]) ||
		    image_ref_format(&r, full, sizeof(full)) < 0 ||
		    image_ref_parse(full, &again, &err) < 0 || strcmp(again.registry, r.registry) ||
		    strcmp(again.repository, r.repository) || strcmp(again.tag, r.tag) ||
		    strcmp(again.digest, r.digest))
			abort();
	}
	free(s);
	return 0;
}
