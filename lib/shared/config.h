/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The per-container config, <id>.conf: the user's intent. One "key: value"
 * per line, like /etc/pve/lxc/<vmid>.conf; values are PVE-style property
 * strings (k=v,k=v; lists joined with ';'). The grammar is documented in
 * lxcri.conf(5). Every error names the file, the line and the value:
 *
 *   /etc/lxcri/containers/web.conf:3: Invalid value '9000x' for 'mtu' in 'net1':
 *   expected a number from 68 to 65535
 *
 * libc only: no library beyond libc (lxcri-hook links this).
 */

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/basic/parse.h"

#define CONFIG_MAX_SIZE		   (1024 * 1024) /* pmxcfs' limit for one file */
#define CONFIG_MAX_NET		   32		 /* net0 .. net31 */
#define CONFIG_MAX_ROUTE	   256		 /* route0 .. route255 */
#define CONFIG_MAX_PORT		   1024		 /* port0 .. port1023 */
#define CONFIG_MAX_ANNOTATION	   256		 /* annotation0 .. annotation255 */
#define CONFIG_MAX_ADDRESSES	   256		 /* ip= addresses of one net */
#define CONFIG_MAX_APPARMOR_MOUNTS 32		 /* apparmor: mount= file system types */

struct config_net {
	unsigned index, line;
	char name[IFNAMSIZ];   /* name= (required): the interface inside the container */
	char bridge[IFNAMSIZ]; /* bridge= ("" if unset) */
	char *cni; /* cni= network name (NULL if unset); excludes bridge/ip/gw/tag/hwaddr */
	struct ip_prefix *addresses; /* ip= list, IPv4 and/or IPv6 */
	size_t n_addresses;
	bool has_gw, has_gw6;
	struct ip_address gw, gw6; /* gw= (IPv4), gw6= (IPv6) */
	uint32_t mtu;		   /* 0: unset */
	bool has_hwaddr;
	uint8_t hwaddr[6];
	uint16_t tag; /* VLAN 1..4094, 0: unset */
};

struct config_route {
	unsigned index, line;
	bool is_default;      /* dst=default (IPv4) or dst=default6 */
	struct ip_prefix dst; /* family set even for default */
	bool has_via;
	struct ip_address via;
	char dev[IFNAMSIZ]; /* "" if unset */
	bool has_metric;
	uint32_t metric;
	uint32_t table; /* 0: unset (main) */
};

struct config_dns {
	bool set;
	unsigned line;
	struct ip_address *nameservers;
	size_t n_nameservers;
	char **search; /* NULL-terminated, may be NULL */
	char **options;
};

struct config_port {
	unsigned index, line;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_first, host_last;
	uint16_t ct_first, ct_last;
	bool has_hostip;
	struct ip_address hostip;
	char net[IFNAMSIZ]; /* "" if unset */
};

struct config_annotation {
	unsigned index, line;
	char *key;
	char *value;
};

/* Every key of the file in file order, for checks that go by key. */
struct config_entry {
	char key[32];
	unsigned line;
};

/*
 * The model, grouped by feature area. Each area's keys (their parse, format,
 * equal and free) live in one file: lib/config/<area>.c.
 */
struct config_network { /* net*, route*, dns: lib/config/net.c */
	struct config_net *nets;
	size_t n_nets;
	struct config_route *routes;
	size_t n_routes;
	struct config_dns dns;
};

struct config_ports { /* port*: lib/config/port.c */
	struct config_port *ports;
	size_t n_ports;
};

struct config_lsm {    /* seccomp, seccomp-sha256, apparmor, selinux: lib/config/lsm.c */
	char *seccomp; /* absolute path */
	unsigned seccomp_line;
	/*
	 * seccomp-sha256: the stored profile `lxcri seccomp set` made, by the
	 * sha256 of its bytes (lib/lsm/profiles.h); "" if not set
	 */
	char seccomp_sha256[65];
	unsigned seccomp_sha256_line;
	char *apparmor_profile; /* apparmor: profile=<name>|generated|unconfined */
	bool apparmor_nesting;	/* nesting=1 (profile=generated only) */
	/* mount=<fstype>;... (generated only; NULL-terminated, may be NULL) */
	char **apparmor_mounts;
	unsigned apparmor_line;
	char *selinux; /* user:role:type[:level] */
	unsigned selinux_line;
};

struct config_hooks { /* hooks, hook-user, annotation*: lib/config/hooks.c */
	char **dirs;  /* hooks: dir=<abs>;<abs> (NULL-terminated, may be NULL) */
	char *bundle; /* hooks: bundle=<abs> */
	unsigned line;
	char *user; /* hook-user: user name or numeric uid */
	unsigned user_line;
	struct config_annotation *annotations;
	size_t n_annotations;
};

struct config {
	char *path; /* as given to the parser, for messages */

	struct config_network net;
	struct config_ports port;
	struct config_lsm lsm;
	struct config_hooks hooks;

	struct config_entry *entries;
	size_t n_entries;
};

/* Parses data (need not be NUL-terminated). name is used in messages. */
int config_parse(const char *name, const char *data, size_t size, struct config **ret,
		 struct lxcri_error *err);
/* Reads (at most CONFIG_MAX_SIZE, O_CLOEXEC) and parses path. */
int config_load(const char *path, struct config **ret, struct lxcri_error *err);
/*
 * Reads path as config_load() does, without parsing: *ret_data (malloc'ed,
 * NUL-terminated) and *ret_size. A regular file only.
 */
int config_read(const char *path, char **ret_data, size_t *ret_size, struct lxcri_error *err);
/*
 * -EFBIG and the one message for a config of size bytes, more than
 * CONFIG_MAX_SIZE (pmxcfs' limit): "<name>: File is larger than 1 MiB (<size>
 * bytes, at most 1048576)". The hook, `lxcri config validate` and every
 * `lxcri` change say it in these words.
 */
int config_too_large(const char *name, size_t size, struct lxcri_error *err);
void config_free(struct config *c);
static inline void config_freep(struct config **c)
{
	config_free(*c);
	*c = NULL;
}
#define _cleanup_config_ __attribute__((cleanup(config_freep)))

/*
 * Writes the config back in the grammar (canonical order: net*, route*, dns,
 * port*, seccomp, apparmor, selinux, hooks, hook-user, annotation*), such
 * that config_parse() of the result gives the same model. *ret is malloc'ed.
 */
int config_format(const struct config *c, char **ret);

/* "profile=" + 255 + ",nesting=1" + ",mount=" + CONFIG_MAX_APPARMOR_MOUNTS x (63 + ';') */
#define CONFIG_APPARMOR_VALUE_MAX 2560

/*
 * The value of c's apparmor key as config_format() writes it:
 * "profile=<name>[,nesting=1][,mount=<t>;<t>...]". -ENOENT if not set,
 * -ENAMETOOLONG if it does not fit in size.
 */
int config_apparmor_value(const struct config *c, char *buf, size_t size);

/* Whether two configs hold the same settings (line numbers, path and entries aside). */
bool config_equal(const struct config *a, const struct config *b);

/* The feature a key belongs to: "net1" -> "net", "hook-user" -> "hooks"... NULL if unknown. */
const char *config_key_feature(const char *key);

/*
 * Host-wide settings, <etc_dir>/lxcri.conf, same line grammar. Missing file:
 * the defaults. Read only for managed containers.
 */
struct settings {
	int log_level;			/* log-level: error|warning|info|debug (syslog priority) */
	unsigned helper_timeout_ms;	/* helper-timeout: seconds, 1..3600 (default 30) */
	char cni_config_dir[PATH_MAX];	/* cni-config-dir: /etc/cni/net.d */
	char cni_plugin_path[PATH_MAX]; /* cni-plugin-path: /usr/lib/cni:/opt/cni/bin */
	char cni_cache_dir[PATH_MAX];	/* cni-cache-dir: /var/lib/cni */
	unsigned cni_timeout_ms;	/* cni-timeout: seconds per plugin run, 1..3600 (20) */
	char port_table[64]; /* port-table: the nftables table (inet family) of port forwards: lxcri
			      */
	/*
	 * port-address-timeout: seconds, 1..3600 (default 120): how long a forward
	 * whose target address is not known at start-host (ip=dhcp) waits for it.
	 */
	unsigned port_address_timeout_ms;
};
void settings_init(struct settings *s);
/* Starts from the defaults; *s is only written on success. */
int settings_parse(const char *name, const char *data, size_t size, struct settings *s,
		   struct lxcri_error *err);
int settings_load(const char *path, struct settings *s, struct lxcri_error *err);
struct lxcri_paths;
/*
 * The host-wide settings, loaded from where p says (paths_settings():
 * <etc>/lxcri.conf) as settings_load() does: the one way every program loads
 * them. On failure *s holds the defaults, for a caller that goes on with
 * them; a path too long is -ENAMETOOLONG "Path of the settings file is too
 * long".
 */
int settings_load_host(const struct lxcri_paths *p, struct settings *s, struct lxcri_error *err);
