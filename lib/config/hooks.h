/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The OCI hook keys of the per-container config (hooks.c): hooks,
 * hook-user and annotation<N>, grammar in lxcri.conf(5). Part of struct
 * config (config.h).
 */

#include <stddef.h>

#define CONFIG_MAX_ANNOTATION 256 /* annotation0 .. annotation255 */

struct config_annotation {
	unsigned index, line;
	char *key;
	char *value;
};

struct config_hooks {
	char **dirs;  /* hooks: dir=<abs>;<abs> (NULL-terminated, may be NULL) */
	char *bundle; /* hooks: bundle=<abs> */
	unsigned line;
	char *user; /* hook-user: user name or numeric uid */
	unsigned user_line;
	struct config_annotation *annotations; /* in index order */
	size_t n_annotations;
};
