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
 * The model is grouped by feature area, and each area owns its keys (their
 * parse, format, equal and free, keys.h): net.c, port.c, lsm.c, hooks.c.
 * This file reads, dispatches by key and checks what spans keys. libc only.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/config/hooks.h"
#include "lib/config/image.h"
#include "lib/config/lsm.h"
#include "lib/config/net.h"
#include "lib/config/port.h"

#define CONFIG_MAX_SIZE (1024 * 1024) /* pmxcfs' limit for one file */

/* Every key of the file in file order, for checks that go by key. */
struct config_entry {
	char key[32];
	unsigned line;
};

struct config {
	char *path; /* as given to the parser, for messages */

	struct config_network net; /* net*, route*, dns: net.c */
	struct config_ports port;  /* port*: port.c */
	struct config_lsm lsm;	   /* seccomp, seccomp-sha256, apparmor, selinux: lsm.c */
	struct config_hooks hooks; /* hooks, hook-user, annotation*: hooks.c */
	struct config_image image; /* image: image.c */

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
 * port*, seccomp, seccomp-sha256, apparmor, selinux, hooks, hook-user,
 * annotation*), such that config_parse() of the result gives the same
 * model. *ret is malloc'ed. -EINVAL if a value cannot be written so.
 */
int config_format(const struct config *c, char **ret);

/* Whether two configs hold the same settings (line numbers, path and entries aside). */
bool config_equal(const struct config *a, const struct config *b);

/* The feature a key belongs to: "net1" -> "net", "hook-user" -> "hooks"... NULL if unknown. */
const char *config_key_feature(const char *key);
