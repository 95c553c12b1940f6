/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Platforms as OCI indexes name them (os, architecture, variant), parsed
 * from --platform, the host's, and matched as containerd does after
 * normalizing: "aarch64" is "arm64", whose variant "v8" is the default;
 * "x86_64" is "amd64"; "arm" without a variant is "arm/v7".
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

struct platform {
	char os[32], architecture[32], variant[32];
};

/*
 * "linux/arm64/v8", "linux/amd64", "arm64" (os linux), normalized.
 * -EINVAL naming s.
 */
int platform_parse(const char *s, struct platform *ret, struct lxcri_error *err);

/* This machine's, normalized (uname). */
void platform_host(struct platform *ret);

/* Lower case, the architecture's aliases, its default variant dropped. */
void platform_normalize(struct platform *p);

/* want matches have after both are normalized; an empty want variant matches any. */
bool platform_match(const struct platform *want, const struct platform *have);

/* "os/architecture[/variant]"; the length as snprintf. */
int platform_format(const struct platform *p, char *buf, size_t size);
