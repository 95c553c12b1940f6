/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cni_parse_conflist() on arbitrary bytes; the first byte chooses whether a
 * single plugin configuration is allowed (*.conf) or not (*.conflist).
 * Every refusal must name the input; whatever parses must hold what the
 * runtime relies on: a valid network name, a known version, at least one
 * plugin, each an object with a type that cannot leave the plugin dirs.
 */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/cni.h"

#include "lib/basic/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	struct lxcri_error err = { 0 };
	bool single_allowed;
	int r;

	if (size == 0)
		return 0;
	single_allowed = data[0] & 1;
	r = cni_parse_conflist("fuzz", (const char *)data + 1, size - 1, single_allowed, &list,
			       &err);
	if (r < 0) {
		if (strncmp(err.message, "fuzz: ", 6) != 0 || err.code != r || list)
			abort();
		return 0;
	}
	if (!list || !cni_name_valid(list->name) || !list->cni_version || list->n_plugins == 0 ||
	    !list->root || list->size != size - 1 || memcmp(list->bytes, data + 1, size - 1) != 0)
		abort();
	for (size_t i = 0; i < list->n_plugins; i++) {
		const char *type = list->plugins[i].type;

		if (!json_object_is_type(list->plugins[i].conf, json_type_object) || !type ||
		    !*type || strchr(type, '/') || strcmp(type, "..") == 0 ||
		    strcmp(type, ".") == 0)
			abort();
	}
	if (!single_allowed && !json_object_object_get_ex(list->root, "plugins", NULL))
		abort();
	return 0;
}
