/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The image key of the per-container config (image.c): which OCI image a
 * container was made from, as `lxcri create --image` records it,
 * "<reference>@sha256:<hex>" (the manifest digest that was unpacked).
 * Grammar in lxcri.conf(5). Part of struct config (config.h).
 */

#define CONFIG_IMAGE_MAX 512 /* bytes of the whole value */

struct config_image {
	char *ref;     /* "docker.io/library/busybox:latest@sha256:<64 hex>", NULL if unset */
	char *digest;  /* points into ref: "sha256:<64 hex>" */
	unsigned line; /* of the key, for messages */
};
