/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The security profile keys of the per-container config (lsm.c): seccomp,
 * seccomp-sha256, apparmor and selinux, grammar in lxcri.conf(5). Part of
 * struct config (config.h).
 */

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_APPARMOR_MOUNTS 32 /* apparmor: mount= file system types */

struct config_lsm {
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

/* "profile=" + 255 + ",nesting=1" + ",mount=" + CONFIG_MAX_APPARMOR_MOUNTS x (63 + ';') */
#define CONFIG_APPARMOR_VALUE_MAX 2560

/*
 * The value of the apparmor key as config_format() writes it:
 * "profile=<name>[,nesting=1][,mount=<t>;<t>...]". -ENOENT if not set,
 * -ENAMETOOLONG if it does not fit in size.
 */
int lsm_apparmor_value(const struct config_lsm *lsm, char *buf, size_t size);
