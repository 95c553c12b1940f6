/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * procspec_parse() on arbitrary bytes, as lxcri-init reads its file: a
 * refusal has a message; what parses formats to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/procspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxcri_error err = { 0 };
	struct procspec *p = NULL, *q = NULL;
	char *text = NULL;
	size_t n;

	if (procspec_parse((const char *)data, size, &p, &err) < 0) {
		if (p || !err.message[0])
			abort();
		return 0;
	}
	if (!p->argv || !p->argv[0] || !p->cwd || p->cwd[0] != '/' || !p->env)
		abort();
	if (procspec_format(p, &text, &n, &err) < 0 || procspec_parse(text, n, &q, &err) < 0)
		abort();
	/* The same process: argv, env and ids survive the round trip. */
	for (size_t i = 0; p->argv[i] || q->argv[i]; i++)
		if (!p->argv[i] || !q->argv[i] || strcmp(p->argv[i], q->argv[i]))
			abort();
	if (p->uid != q->uid || p->gid != q->gid || p->n_groups != q->n_groups)
		abort();
	free(text);
	procspec_free(p);
	procspec_free(q);
	return 0;
}
