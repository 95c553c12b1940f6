/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * WWW-Authenticate, as a registry answers a 401 with it (RFC 7235 section
 * 4.1): one or more challenges, each a scheme and then either a token68 or
 * comma-separated auth-params (token = token / quoted-string, with '\'
 * escapes inside quotes). Strict and bounded: a header longer than
 * WWWAUTH_HEADER_MAX, more than WWWAUTH_CHALLENGES_MAX challenges or
 * WWWAUTH_PARAMS_MAX params in one, a parameter named twice in a challenge,
 * control characters, or anything off the grammar is refused. libc only.
 */

#include <stddef.h>

#include "lib/basic/error.h"

#define WWWAUTH_HEADER_MAX     8192
#define WWWAUTH_CHALLENGES_MAX 8
#define WWWAUTH_PARAMS_MAX     16

struct wwwauth_param {
	char *name; /* as sent; compared case-insensitively */
	char *value;
};

struct wwwauth_challenge {
	char *scheme;  /* as sent: "Bearer", "Basic" */
	char *token68; /* NULL unless the challenge carries one instead of params */
	size_t n_params;
	struct wwwauth_param params[WWWAUTH_PARAMS_MAX];
};

struct wwwauth {
	size_t n_challenges;
	struct wwwauth_challenge challenges[WWWAUTH_CHALLENGES_MAX];
};

/* A Bearer challenge's parameters: pointers into the struct wwwauth, NULL when absent. */
struct wwwauth_bearer {
	const char *realm;
	const char *service;
	const char *scope;
	const char *error;
};

/*
 * Parses the value of a WWW-Authenticate header (without "WWW-Authenticate:"
 * and without the line end) into ret, which the caller frees with
 * wwwauth_free() after success; on failure ret holds nothing to free.
 * -EINVAL with "Invalid WWW-Authenticate header '<value>': <why>".
 */
int wwwauth_parse(const char *header, struct wwwauth *ret, struct lxcri_error *err);
void wwwauth_free(struct wwwauth *w);

/* The first challenge of scheme (case-insensitive), NULL if none. */
const struct wwwauth_challenge *wwwauth_find(const struct wwwauth *w, const char *scheme);
/* The value of the parameter name (case-insensitive) of c, NULL if none. */
const char *wwwauth_param(const struct wwwauth_challenge *c, const char *name);

/*
 * The first Bearer challenge of w. -ENOENT if there is none, -EINVAL with
 * err set if it has no realm or the realm is not an http:// or https:// URL.
 */
int wwwauth_bearer(const struct wwwauth *w, struct wwwauth_bearer *ret, struct lxcri_error *err);
