/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The same bytes as a hooks.d file (ocihooks_add_file) and as a bundle's
 * config.json (ocihooks_parse_bundle); the first byte says whether the
 * container has bind mounts. A refusal names the file and leaves the hooks
 * as they were; whatever is accepted holds what a hook runner relies on (an
 * absolute path, KEY=VALUE env, a timeout >= 0, a source and a reason) and
 * turns into JSON for "lxcri hooks list" and into a state for every stage
 * that parses back.
 */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/shared/json.h"
#include "lib/ocihooks/ocihooks.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const struct lxcri_error *err, int r, const char *file,
			  const struct oci_hooks *h)
{
	size_t n = strlen(file);

	if (r != -EINVAL || err->code != r || strncmp(err->message, file, n) != 0 ||
	    strncmp(err->message + n, ": ", 2) != 0)
		abort();
	for (int s = 0; s < OCI_STAGE_COUNT; s++)
		if (h->n[s] != 0 || h->by_stage[s])
			abort();
}

static void check_hooks(const struct oci_hooks *h, const char *file, const char *const *ann)
{
	_cleanup_json_ struct json_object *listed = NULL;

	for (int s = 0; s < OCI_STAGE_COUNT; s++)
		for (size_t i = 0; i < h->n[s]; i++) {
			const struct oci_hook *hook = &h->by_stage[s][i];

			if (!hook->path || hook->path[0] != '/' || hook->timeout_s < 0 ||
			    strcmp(hook->source, file) != 0 || !hook->why || !*hook->why)
				abort();
			for (size_t j = 0; hook->env && hook->env[j]; j++)
				if (hook->env[j][0] == '=' || !strchr(hook->env[j], '='))
					abort();
		}
	if (ocihooks_to_json(h, &listed) < 0)
		abort();
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		_cleanup_json_ struct json_object *state = NULL;
		_cleanup_free_ char *text = NULL;

		if (ocihooks_state_json(s, "fuzz", NULL, s == OCI_POSTSTOP ? 0 : 1, "/b", ann,
					&text) < 0)
			abort();
		state = json_tokener_parse(text);
		if (!json_object_is_type(state, json_type_object))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const annotations[] = { "com.example.gpu=all", "a=b=c", "flag", NULL };
	const char *text = (const char *)data + 1;
	struct lxcri_error err = { 0 };
	int r;

	if (size == 0)
		return 0;
	size--;
	{
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		struct ocihooks_match m = { .annotations = annotations,
					    .command = "/sbin/init",
					    .has_bind_mounts = data[0] & 1 };

		r = ocihooks_add_file("/hooks.d/fuzz.json", text, size, &m, &h, &err);
		if (r < 0)
			check_refusal(&err, r, "/hooks.d/fuzz.json", &h);
		else
			check_hooks(&h, "/hooks.d/fuzz.json", annotations);
	}
	{
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_json_ struct json_object *ann = NULL;
		_cleanup_strv_ char **pairs = NULL;

		r = ocihooks_parse_bundle("/b/config.json", text, size, &h, &ann, &err);
		if (r < 0) {
			check_refusal(&err, r, "/b/config.json", &h);
			if (ann)
				abort();
			return 0;
		}
		if (!json_object_is_type(ann, json_type_object) ||
		    ocihooks_annotations_strv(ann, &pairs) < 0 || h.warnings)
			abort();
		check_hooks(&h, "/b/config.json", (const char *const *)pairs);
	}
	return 0;
}
