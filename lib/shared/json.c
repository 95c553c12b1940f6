/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/shared/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/basic/cleanup.h"

void json_line_column(const char *text, size_t offset, unsigned *ret_line, unsigned *ret_column)
{
	unsigned line = 1, column = 1;

	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			line++;
			column = 1;
		} else {
			column++;
		}
	}
	*ret_line = line;
	*ret_column = column;
}

int json_parse_strict(const char *text, size_t size, struct json_object **ret, char *why,
		      size_t why_size)
{
	_cleanup_json_tokener_ struct json_tokener *tok = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	enum json_tokener_error jerr;
	unsigned line, column;
	size_t offset, i;

	for (i = 0; i < size && text[i] && strchr(" \t\r\n", text[i]); i++)
		;
	if (i == size)
		return -ENODATA;
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)size);
	jerr = json_tokener_get_error(tok);
	offset = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* The end of the input: a value like a bare number may complete now. */
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		offset = size;
	}
	/* json-c takes the blanks after a value; anything left over is not ours. */
	if (jerr == json_tokener_success && offset < size)
		jerr = json_tokener_error_parse_unexpected;
	if (jerr != json_tokener_success) {
		json_line_column(text, offset, &line, &column);
		if (offset < size && text[offset] == '\0')
			snprintf(why, why_size, "not JSON: a NUL byte at line %u, column %u", line,
				 column);
		else
			snprintf(why, why_size, "not JSON: %s at line %u, column %u%s",
				 json_tokener_error_desc(jerr), line, column,
				 offset >= size ? " (truncated?)" : "");
		return -EINVAL;
	}
	*ret = TAKE_PTR(o);
	return 0;
}

int json_add(struct json_object *o, const char *key, struct json_object *value)
{
	if (json_object_object_add(o, key, value) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

int json_add_string(struct json_object *o, const char *key, const char *value)
{
	struct json_object *v = NULL;

	if (value && !(v = json_object_new_string(value)))
		return -ENOMEM;
	return json_add(o, key, v);
}

static const struct {
	const char *name, *phrase;
} json_types[] = {
	[json_type_null] = { "null", "null" },
	[json_type_boolean] = { "boolean", "a boolean" },
	[json_type_double] = { "double", "a fractional number" },
	[json_type_int] = { "int", "an integer" },
	[json_type_object] = { "object", "an object" },
	[json_type_array] = { "array", "an array" },
	[json_type_string] = { "string", "a string" },
};

const char *json_type_name(struct json_object *v)
{
	unsigned t = (unsigned)json_object_get_type(v);

	return t < ELEMENTSOF(json_types) && json_types[t].name ? json_types[t].name : "unknown";
}

const char *json_type_phrase(struct json_object *v)
{
	unsigned t = (unsigned)json_object_get_type(v);

	return t < ELEMENTSOF(json_types) && json_types[t].phrase ? json_types[t].phrase
								  : "unknown";
}
