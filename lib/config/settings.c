/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/config/settings.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/parse.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"
#include "lib/basic/paths.h"
#include "lib/config/config.h"
#include "lib/config/reader.h"

void settings_init(struct settings *s)
{
	*s = (struct settings){
		.log_level = LOG_INFO,
		.helper_timeout_ms = 30 * 1000,
		.cni_config_dir = "/etc/cni/net.d",
		.cni_plugin_path = "/usr/lib/cni:/opt/cni/bin",
		.cni_cache_dir = "/var/lib/cni",
		.cni_timeout_ms = 20 * 1000,
		.port_table = "lxcri",
		.port_address_timeout_ms = 120 * 1000,
		.registry_insecure = "",
		.registry_certs_dir = "/etc/containers/certs.d",
		.image_pull_jobs = 4,
	};
}

enum setting_kind {
	SETTING_LEVEL,
	SETTING_SECONDS,
	SETTING_DIR,
	SETTING_DIR_LIST,
	SETTING_NAME,
	SETTING_HOST_LIST,
	SETTING_JOBS,
};

static const struct setting_def {
	const char *key;
	enum setting_kind kind;
	size_t offset;
} setting_defs[] = {
	{ "log-level", SETTING_LEVEL, offsetof(struct settings, log_level) },
	{ "helper-timeout", SETTING_SECONDS, offsetof(struct settings, helper_timeout_ms) },
	{ "cni-config-dir", SETTING_DIR, offsetof(struct settings, cni_config_dir) },
	{ "cni-plugin-path", SETTING_DIR_LIST, offsetof(struct settings, cni_plugin_path) },
	{ "cni-cache-dir", SETTING_DIR, offsetof(struct settings, cni_cache_dir) },
	{ "cni-timeout", SETTING_SECONDS, offsetof(struct settings, cni_timeout_ms) },
	{ "port-table", SETTING_NAME, offsetof(struct settings, port_table) },
	{ "port-address-timeout", SETTING_SECONDS,
	  offsetof(struct settings, port_address_timeout_ms) },
	{ "registry-insecure", SETTING_HOST_LIST, offsetof(struct settings, registry_insecure) },
	{ "registry-certs-dir", SETTING_DIR, offsetof(struct settings, registry_certs_dir) },
	{ "image-pull-jobs", SETTING_JOBS, offsetof(struct settings, image_pull_jobs) },
	{ "metrics-dir", SETTING_DIR, offsetof(struct settings, metrics_dir) },
};

/* The size of each text setting's field, where it is not PATH_MAX. */
static size_t setting_size(const struct setting_def *def)
{
	if (def->offset == offsetof(struct settings, registry_insecure))
		return sizeof(((struct settings *)NULL)->registry_insecure);
	if (def->offset == offsetof(struct settings, port_table))
		return sizeof(((struct settings *)NULL)->port_table);
	return PATH_MAX;
}

/* An nftables table name as lib/port/portfwd takes it: a letter, then letters, digits and '_', at
 * most 63. */
static bool nft_name_valid(const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > 63 ||
	    !((value[0] >= 'a' && value[0] <= 'z') || (value[0] >= 'A' && value[0] <= 'Z')))
		return false;
	return strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
	       n;
}

/*
 * A registry as an image reference names it: a host name or an IPv4
 * address, or an IPv6 one in brackets, then an optional ":port".
 */
static bool registry_host_valid(const char *host, size_t n)
{
	size_t i = 0, colon;
	uint32_t port;
	char buf[8];

	if (n == 0 || n > 255)
		return false;
	if (host[0] == '[') {
		while (i < n && host[i] != ']')
			i++;
		if (i == n || i == 1 || strspn(host + 1, "0123456789abcdefABCDEF:.") < i - 1)
			return false;
		i++;
	} else {
		i = strspn(host,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (i == 0 || host[0] == '-' || host[0] == '.')
			return false;
	}
	if (i == n)
		return true;
	colon = i;
	if (host[colon] != ':' || n - colon - 1 == 0 || n - colon - 1 >= sizeof(buf))
		return false;
	memcpy(buf, host + colon + 1, n - colon - 1);
	buf[n - colon - 1] = '\0';
	return parse_uint32(buf, 1, 65535, &port) == 0;
}

/* Registries separated by ',' (blanks around them are allowed). */
static bool host_list_valid(const char *value)
{
	const char *p = value;

	for (;;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, ", \t");
		if (!registry_host_valid(p, n))
			return false;
		p += n;
		p += strspn(p, " \t");
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

/* Each ':'-separated part an absolute path (the CNI plugin path). */
static bool dir_list_valid(const char *value)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	size_t n = 0;

	if (!copy || value[0] == ':' || value[strlen(value) - 1] == ':' || strstr(value, "::"))
		return false;
	for (char *part = strtok_r(copy, ":", &save); part; part = strtok_r(NULL, ":", &save), n++)
		if (!valid_absolute_path(part))
			return false;
	return n > 0;
}

static int setting_set(struct reader *rd, const struct setting_def *def, const char *value,
		       struct settings *result)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "error", LOG_ERR },
		{ "warning", LOG_WARNING },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	char q[ESCAPE_BUFSIZE], *field = (char *)result + def->offset;
	uint32_t seconds, number;
	size_t i;

	escape_for_message(value, q, sizeof(q));
	switch (def->kind) {
	case SETTING_LEVEL:
		for (i = 0; i < ELEMENTSOF(levels); i++)
			if (strcmp(value, levels[i].name) == 0)
				break;
		if (i == ELEMENTSOF(levels))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected 'error', "
					   "'warning', 'info' or 'debug'",
					   q, def->key);
		*(int *)(void *)field = levels[i].level;
		return 0;
	case SETTING_SECONDS:
		if (parse_uint32(value, 1, 3600, &seconds) < 0)
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected a number "
					   "of seconds from 1 to 3600",
					   q, def->key);
		*(unsigned *)(void *)field = seconds * 1000;
		return 0;
	case SETTING_JOBS:
		if (parse_uint32(value, 1, 16, &number) < 0)
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected a number "
					   "from 1 to 16",
					   q, def->key);
		*(unsigned *)(void *)field = number;
		return 0;
	case SETTING_HOST_LIST:
		if (!host_list_valid(value))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected registries "
					   "(host[:port]) separated by ','",
					   q, def->key);
		break;
	case SETTING_DIR:
		if (!valid_absolute_path(value))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected an absolute path",
					   q, def->key);
		break;
	case SETTING_DIR_LIST:
		if (!dir_list_valid(value))
			return reader_fail(rd, -EINVAL,
					   "Invalid value '%s' for '%s': expected absolute paths "
					   "separated by ':'",
					   q, def->key);
		break;
	case SETTING_NAME:
		if (!nft_name_valid(value))
			return reader_fail(
			    rd, -EINVAL,
			    "Invalid value '%s' for '%s': expected a name of at most "
			    "63 letters, digits and '_', starting with a letter",
			    q, def->key);
		break;
	}
	if (strlen(value) >= setting_size(def))
		return reader_fail(rd, -ENAMETOOLONG, "Value of '%s' is too long", def->key);
	strcpy(field, value);
	return 0;
}

int settings_parse(const char *name, const char *data, size_t size, struct settings *s,
		   struct lxcri_error *err)
{
	unsigned seen[ELEMENTSOF(setting_defs)] = { 0 };
	struct settings result;
	struct reader rd;
	int r;

	settings_init(&result);
	r = reader_init(&rd, name, data, size, err);
	if (r < 0)
		return r;
	for (;;) {
		_cleanup_free_ char *line = NULL;
		char *key, *value, q[ESCAPE_BUFSIZE];
		size_t i;

		r = reader_next(&rd, &line, &key, &value);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		for (i = 0; i < ELEMENTSOF(setting_defs); i++)
			if (strcmp(key, setting_defs[i].key) == 0)
				break;
		if (i == ELEMENTSOF(setting_defs))
			return reader_fail(&rd, -EINVAL, "Unknown key '%s'",
					   escape_for_message(key, q, sizeof(q)));
		if (seen[i])
			return reader_fail(&rd, -EINVAL,
					   "Duplicate key: '%s' is already set on line %u", key,
					   seen[i]);
		seen[i] = rd.line;
		r = setting_set(&rd, &setting_defs[i], value, &result);
		if (r < 0)
			return r;
	}
	*s = result;
	return 0;
}

int settings_load(const char *path, struct settings *s, struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = config_read(path, &data, &size, err);
	if (r == -ENOENT) {
		settings_init(s);
		return 0;
	}
	if (r < 0)
		return r;
	return settings_parse(path, data, size, s, err);
}

int settings_load_host(const struct lxcri_paths *p, struct settings *s, struct lxcri_error *err)
{
	char path[PATH_MAX];
	int r = paths_settings(p, path, sizeof(path));

	settings_init(s);
	if (r < 0)
		return error_set(err, r, "Path of the settings file is too long");
	return settings_load(path, s, err);
}

bool settings_registry_insecure(const struct settings *s, const char *registry)
{
	size_t len = strlen(registry);

	for (const char *p = s->registry_insecure; *p;) {
		size_t n;

		p += strspn(p, " \t,");
		n = strcspn(p, ", \t");
		if (n > 0 && n == len && strncmp(p, registry, n) == 0)
			return true;
		p += n;
	}
	return false;
}

const char *settings_metrics_dir(const struct settings *s, const struct lxcri_paths *p)
{
	return s->metrics_dir[0] ? s->metrics_dir : p->metrics_dir;
}
