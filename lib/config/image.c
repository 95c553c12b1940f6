/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image key (image.h). */
#include "lib/config/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/ascii.h"
#include "lib/config/keys.h"

#define DIGEST_PREFIX "@sha256:"
#define DIGEST_HEX    64

/*
 * The reference part is checked for what the config can judge without the
 * image layer's grammar: printable, no blank, no second digest. `lxcri
 * create` only ever writes references that image_ref_parse() took.
 */
static int parse_image(struct config_parser *p, unsigned index, char *value)
{
	size_t n = strlen(value);
	char *at = strrchr(value, '@');

	(void)index;
	if (n > CONFIG_IMAGE_MAX)
		return config_invalid(p, NULL, value, "longer than %d bytes", CONFIG_IMAGE_MAX);
	for (const char *c = value; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return config_invalid(p, NULL, value,
					      "expected <reference>@sha256:<64 hex digits>, "
					      "with no blank or control character");
	if (!at || at == value || strncmp(at, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) != 0 ||
	    strlen(at) != strlen(DIGEST_PREFIX) + DIGEST_HEX || memchr(value, '@', at - value))
		return config_invalid(p, NULL, value,
				      "expected <reference>@sha256:<64 hex digits>");
	for (const char *h = at + strlen(DIGEST_PREFIX); *h; h++)
		if (!ascii_is_digit(*h) && !(*h >= 'a' && *h <= 'f'))
			return config_invalid(p, NULL, value,
					      "the digest must be 64 lower-case hex digits");
	p->c->image.ref = strdup(value);
	if (!p->c->image.ref)
		return config_fail_oom(p);
	p->c->image.digest = p->c->image.ref + (at - value) + 1;
	p->c->image.line = p->rd.line;
	return 0;
}

static int format_image(FILE *f, const struct config *c)
{
	if (!c->image.ref)
		return 0;
	if (!config_fits_value(c->image.ref))
		return -EINVAL;
	fprintf(f, "image: %s\n", c->image.ref);
	return 0;
}

static bool image_equal(const struct config *a, const struct config *b)
{
	return config_str_equal(a->image.ref, b->image.ref);
}

static void image_free(struct config *c)
{
	free(c->image.ref);
	c->image.ref = c->image.digest = NULL;
}

/* LXC runs the image's process (lxcri-init): no helper of ours at start. */
const struct config_key_type image_keys[] = {
	{ "image", 0, "image", parse_image, NULL, format_image, image_equal, image_free },
	{},
};
