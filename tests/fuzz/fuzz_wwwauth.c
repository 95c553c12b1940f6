/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wwwauth_parse() on arbitrary headers. A refusal is one sentence naming
 * the header; what parses has 1..WWWAUTH_CHALLENGES_MAX challenges, each
 * with a scheme, at most WWWAUTH_PARAMS_MAX named params and no param name
 * twice, and a Bearer challenge either yields a realm or is refused.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/image/wwwauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wwwauth w;
	struct wwwauth_bearer b;
	struct lxcri_error err = { 0 };
	char *s = malloc(size + 1);
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = wwwauth_parse(s, &w, &err);
	if (rc < 0) {
		if (rc != -EINVAL || err.code != rc ||
		    strncmp(err.message, "Invalid WWW-Authenticate header '", 33) != 0)
			abort();
	} else {
		if (w.n_challenges == 0 || w.n_challenges > WWWAUTH_CHALLENGES_MAX)
			abort();
		for (size_t i = 0; i < w.n_challenges; i++) {
			const struct wwwauth_challenge *c = &w.challenges[i];

			if (!c->scheme || !*c->scheme || c->n_params > WWWAUTH_PARAMS_MAX ||
			    (c->token68 && c->n_params))
				abort();
			for (size_t k = 0; k < c->n_params; k++) {
				if (!c->params[k].name || !c->params[k].value)
					abort();
				for (size_t j = 0; j < k; j++)
					if (strcasecmp(c->params[j].name, c->params[k].name) == 0)
						abort();
			}
		}
		rc = wwwauth_bearer(&w, &b, &err);
		if (rc == 0 && (!b.realm || !*b.realm))
			abort();
		if (rc < 0 && rc != -ENOENT && rc != -EINVAL)
			abort();
		wwwauth_free(&w);
	}
	free(s);
	return 0;
}
