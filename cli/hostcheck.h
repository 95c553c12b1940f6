/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Host diagnostics for `lxcri check`: each check is ok, warn or fail, with a hint. */

#include <json-c/json.h>
#include <stddef.h>

#include "lib/basic/paths.h"

struct cli;

enum check_status { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct check_result {
	const char *name; /* stable key: "lxc", "openat2", ... */
	enum check_status status;
	char detail[512];
	char hint[512]; /* "" when there is nothing to do */
};

#define HOSTCHECK_MAX 48

/* Runs every check; returns how many results were filled. */
size_t hostcheck_run(const struct lxcri_paths *paths, struct check_result *ret, size_t max);
const char *hostcheck_status_to_string(enum check_status s);
/* {"checks":[{name,status,detail,hint}],"summary":{"ok":n,"warn":n,"fail":n}} */
struct json_object *hostcheck_to_json(const struct check_result *r, size_t n);

/* lxcri check */
int hostcheck_do_check(struct cli *cli);
