/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Host-wide settings, <etc_dir>/lxcri.conf, in the config's line grammar
 * (reader.h). Missing file: the defaults. Read only for managed containers.
 * libc only.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

struct lxcri_paths;

struct settings {
	int log_level;			/* log-level: error|warning|info|debug (syslog priority) */
	unsigned helper_timeout_ms;	/* helper-timeout: seconds, 1..3600 (default 30) */
	char cni_config_dir[PATH_MAX];	/* cni-config-dir: /etc/cni/net.d */
	char cni_plugin_path[PATH_MAX]; /* cni-plugin-path: /usr/lib/cni:/opt/cni/bin */
	char cni_cache_dir[PATH_MAX];	/* cni-cache-dir: /var/lib/cni */
	unsigned cni_timeout_ms;	/* cni-timeout: seconds per plugin run, 1..3600 (20) */
	/* port-table: the nftables table (inet family) of port forwards: lxcri */
	char port_table[64];
	/*
	 * port-address-timeout: seconds, 1..3600 (default 120): how long a forward
	 * whose target address is not known at start-host (ip=dhcp) waits for it.
	 */
	unsigned port_address_timeout_ms;
	/*
	 * registry-insecure: registries (host[:port], as image references name
	 * them) reached over plain HTTP, separated by ','; none by default.
	 */
	char registry_insecure[1024];
	/* registry-certs-dir: <dir>/<host[:port]>/ca.crt is trusted beside the system CAs */
	char registry_certs_dir[PATH_MAX];
	unsigned image_pull_jobs; /* image-pull-jobs: layers fetched at once, 1..16 (4) */
	/* metrics-dir: node_exporter's textfile directory, where lxcri.prom goes; "": the
	 * paths' (lib/basic/paths.h, /var/lib/prometheus/node-exporter) */
	char metrics_dir[PATH_MAX];
};
void settings_init(struct settings *s);
/* Starts from the defaults; *s is only written on success. */
int settings_parse(const char *name, const char *data, size_t size, struct settings *s,
		   struct lxcri_error *err);
int settings_load(const char *path, struct settings *s, struct lxcri_error *err);
/*
 * The host-wide settings, loaded from where p says (paths_settings():
 * <etc>/lxcri.conf) as settings_load() does: the one way every program loads
 * them. On failure *s holds the defaults, for a caller that goes on with
 * them; a path too long is -ENAMETOOLONG "Path of the settings file is too
 * long".
 */
int settings_load_host(const struct lxcri_paths *p, struct settings *s, struct lxcri_error *err);
/* Where lxcri.prom goes: metrics-dir, or the paths' metrics_dir when it is not set. */
const char *settings_metrics_dir(const struct settings *s, const struct lxcri_paths *p);

/* Whether registry-insecure names registry ("127.0.0.1:5000"), exactly. */
bool settings_registry_insecure(const struct settings *s, const char *registry);
