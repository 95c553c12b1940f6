/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Strict JSON reading shared by the parsers of files we read (state, CNI configs). */

#include <json-c/json.h>
#include <stddef.h>

#include "lib/basic/cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)
#define _cleanup_json_tokener_ _cleanup_(json_tokener_freep)

/*
 * Parses exactly one JSON value from text[0..size) with json-c's strict mode
 * and UTF-8 validation; blanks may follow the value, nothing else. Returns
 * -ENODATA for empty or blank input (the caller says what it expected), or
 * -EINVAL with why set to "not JSON: <what> at line L, column C" (and
 * "(truncated?)" when the input ended early, or "a NUL byte" for one).
 */
int json_parse_strict(const char *text, size_t size, struct json_object **ret, char *why,
		      size_t why_size);

/* The line and column (both from 1, columns in bytes) of text[offset]. */
void json_line_column(const char *text, size_t offset, unsigned *ret_line, unsigned *ret_column);

/* Adds key: value to o (value NULL: JSON null), taking value also on failure. -ENOMEM. */
int json_add(struct json_object *o, const char *key, struct json_object *value);
/* Adds key: "value" (value NULL: JSON null). -ENOMEM. */
int json_add_string(struct json_object *o, const char *key, const char *value);

/*
 * The name of v's JSON type for a message, NULL being "null": json-c's names
 * ("string", "int", "double", "boolean", "object", "array"), or with
 * json_type_phrase() the words of a sentence ("a string", "an integer",
 * "a fractional number", "a boolean", "an object", "an array").
 */
const char *json_type_name(struct json_object *v);
const char *json_type_phrase(struct json_object *v);
