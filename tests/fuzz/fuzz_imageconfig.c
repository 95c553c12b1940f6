/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * imageconfig_parse() on arbitrary bytes: a refusal is -EINVAL or -E2BIG
 * with a message; what parses has valid diff_ids, KEY=value env entries,
 * port/proto ports, and a stop signal that is a signal or refused.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/image/digest.h"
#include "lib/image/imageconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxcri_error err = { 0 };
	struct imageconfig *c = NULL;
	int r, sig;

	r = imageconfig_parse(data, size, &c, &err);
	if (r < 0) {
		if (c || err.code != r || !err.message[0] ||
		    (r != -EINVAL && r != -E2BIG && r != -ENOMEM))
			abort();
		return 0;
	}
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (!digest_valid(c->diff_ids[i]))
			abort();
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (!strchr(c->env[i], '=') || c->env[i][0] == '=')
			abort();
	for (size_t i = 0; c->exposed_ports && c->exposed_ports[i]; i++)
		if (!strchr(c->exposed_ports[i], '/'))
			abort();
	r = imageconfig_stop_signal(c, &sig, &err);
	if ((r == 0 && (sig <= 0 || sig > SIGRTMAX)) || (r < 0 && r != -EINVAL))
		abort();
	imageconfig_free(c);
	return 0;
}
