/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's security profiles (seccomp:, apparmor:, selinux:) as the
 * companion stores them and as a start checks them. libc only: the
 * pre-start hook runs this, and must not pay for libseccomp.
 *
 * `lxcri seccomp set <id> <source>` stores, beside the container's lxcri
 * config (so that on PVE they follow the container to another node):
 *
 *   <id>.seccomp.json   a copy of the source, byte for byte
 *   <id>.seccomp        the generated LXC profile, whose third line is
 *                       "# lxcri: source '<path>' sha256 <hex>, profile sha256 <hex>"
 *
 * (lines 1 and 2 are LXC's version and policy lines); the profile digest is
 * that of the file without this line. The source path is the one the
 * `seccomp:` key names.
 */

#include <limits.h>
#include <stddef.h>

#include "config.h"
#include "error.h"
#include "paths.h"
#include "sha256.h"

struct seccomp_files {
	char profile[PATH_MAX]; /* <dir>/<id>.seccomp */
	char copy[PATH_MAX];	/* <dir>/<id>.seccomp.json */
};
int profiles_seccomp_files(const struct lxcri_paths *p, const char *id, struct seccomp_files *ret);

/*
 * The file to store: profile (LXC's text, its first two lines the version
 * and the policy) with the stamp line inserted as its third line.
 * -EINVAL if profile does not start with two lines or source has a quote or
 * a line end.
 */
int profiles_seccomp_stamp(const char *source_path, const char *source, size_t source_size,
			   const char *profile, char **ret);

struct seccomp_stamp {
	char source[PATH_MAX];
	char source_sha256[SHA256_HEX_SIZE];
	char profile_sha256[SHA256_HEX_SIZE];
};

/*
 * Whether the stored profile of the config's `seccomp:` key is in force
 * and current, as a start needs it:
 *   - the profile exists and carries a stamp, and was not edited since;
 *   - it was made from the file the key names, and that file (or, where
 *     it is missing, as on a node the container migrated to, the stored
 *     copy) still has the content it was made from;
 *   - it keeps the protections of the kind of container it is now
 *     (lib/seccompkeep.h: PVE's unprivileged: and features keyctl=);
 *   - LXC's config (lxc_config, "key = value") sets lxc.seccomp.profile to it.
 * -ESTALE (the source changed, the profile was edited, another source,
 * another kind of container), -EINVAL (PVE's config has a bad value),
 * -ENOENT (no stored profile), -ENOLINK (LXC's config does not load it):
 * each message says what to run. *ret_used_copy: the source was missing.
 */
int profiles_check_seccomp(const struct lxcri_paths *p, const char *id, const struct config *c,
			   const char *lxc_config, struct seccomp_stamp *ret_stamp,
			   bool *ret_used_copy, struct lxcri_error *err);

/* The value the LXC key of a feature must have for this config: lxc.apparmor.profile and so on. */
struct lxc_key_want {
	const char *feature; /* "apparmor" */
	const char *key;     /* "lxc.apparmor.profile" */
	char value[PATH_MAX];
	unsigned line; /* of the lxcri key */
};
/* What c asks of LXC's config, one entry per profile key set: at most 3. */
size_t profiles_lxc_keys(const struct lxcri_paths *p, const char *id, const struct config *c,
			 struct lxc_key_want ret[3]);

/*
 * Every profile key of c checked: LXC's config at lxc_config points where
 * the key says (-ENOLINK otherwise, "would start without it"), and the
 * seccomp profile is current (profiles_check_seccomp()).
 */
int profiles_check(const struct lxcri_paths *p, const char *id, const struct config *c,
		   const char *lxc_config, struct lxcri_error *err);

/*
 * The same for a container at rest (`lxcri config validate <id>`, `lxcri
 * status`, `lxcri check`): against the file `lxcri ... set` writes (PVE's
 * <vmid>.conf on a PVE node, LXC's config otherwise), or only the stored
 * profile's own state where that file does not exist.
 */
int profiles_check_config(const struct lxcri_paths *p, const char *id, const struct config *c,
			  struct lxcri_error *err);
