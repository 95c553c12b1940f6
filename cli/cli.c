/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every verb of `lxcri` shares: see cli.h. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "lib/basic/log.h"

void cli_print_json(const struct cli *cli, struct json_object *o)
{
	int flags =
	    JSON_C_TO_STRING_NOSLASHESCAPE |
	    (cli->format == OUTPUT_JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
					       : JSON_C_TO_STRING_PLAIN);
	printf("%s\n", json_object_to_json_string_ext(o, flags));
}

int cli_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "lxcri: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'lxcri help'.\n");
	return EXIT_USAGE;
}

void cli_format_time(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "-");
}

const char *cli_json_string_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool cli_json_bool_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int cli_json_int_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : -1;
}

int cli_report_failure(int code, const char *fmt, ...)
{
	char message[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_error("%s", message);
	fprintf(stderr, "lxcri: %s\n", message);
	return code;
}
