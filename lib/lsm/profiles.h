/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A container's security profiles (seccomp:, apparmor:, selinux:) as the
 * companion stores them and as a start checks them. libc only: the
 * pre-start hook runs this, and must not pay for libseccomp.
 *
 * `lxcri seccomp set <id> <source>` stores, in the store beside the
 * container's lxcri config (<dir>/seccomp/, so that on PVE it follows the
 * container to another node), by content:
 *
 *   <sha256 of the file>.seccomp   the generated LXC profile, whose third line
 *                                  is "# lxcri: source sha256 <hex>"
 *   <sha256 of the source>.json    a copy of the source, byte for byte
 *
 * (lines 1 and 2 are LXC's version and policy lines). Nothing in them is
 * of one container: containers whose sources have the same content and
 * that are of the same kind get the same bytes, so one file. What is of
 * the container stays in its config: `seccomp: <source path>` and
 * `seccomp-sha256: <hex>`, the name of its profile. Older versions stored
 * <dir>/<id>.seccomp and <id>.seccomp.json per container: a start refuses
 * that layout, saying to run `lxcri seccomp set` (which removes it).
 * Nothing here removes a stored file: `lxcri gc` does (cli/gc.h), once no
 * config and no LXC or PVE config names it.
 */

#include <limits.h>
#include <stddef.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/basic/sha256.h"

/* <dir of id's lxcri config>/seccomp */
int profiles_seccomp_store(const struct lxcri_paths *p, const char *id, char *buf, size_t size);

struct seccomp_files {
	char profile[PATH_MAX]; /* <store>/<profile_sha256>.seccomp */
	char copy[PATH_MAX];	/* <store>/<source_sha256>.json ("" without source_sha256) */
};
int profiles_seccomp_files(const struct lxcri_paths *p, const char *id, const char *profile_sha256,
			   const char *source_sha256, struct seccomp_files *ret);

/* What older versions stored for id: <dir>/<id>.seccomp and <dir>/<id>.seccomp.json. */
int profiles_seccomp_old_files(const struct lxcri_paths *p, const char *id,
			       struct seccomp_files *ret);

/*
 * The file to store: profile (LXC's text, its first two lines the version
 * and the policy) with the stamp line naming the digest of source inserted
 * as its third line, and the digest of that file (its name in the store).
 * -EINVAL if profile does not start with two lines.
 */
int profiles_seccomp_stamp(const char *source, size_t source_size, const char *profile, char **ret,
			   char ret_sha256[SHA256_HEX_SIZE]);

/*
 * This node's lock of the stores (<run_dir>/.locks/.seccomp-store.lock,
 * taken for at most 30 s): `seccomp set` holds it from its first stored
 * file to its config, `lxcri gc` while it finds and removes unreferenced
 * ones. The fd that holds it. flock is node-local, so gc also leaves
 * files younger than some minutes (a set on another node).
 */
int profiles_store_lock(const struct lxcri_paths *p, struct lxcri_error *err);

struct seccomp_stamp {
	char source_sha256[SHA256_HEX_SIZE];
};
/* The stamp of a stored profile (text of path): -ESTALE saying what is wrong with it. */
int profiles_seccomp_stamp_read(const char *path, const char *text, size_t size,
				struct seccomp_stamp *ret, struct lxcri_error *err);

/*
 * Whether the stored profile of the config's `seccomp:` key is in force
 * and current, as a start needs it:
 *   - the config names it (seccomp-sha256:), it exists, its bytes still
 *     have that digest (not edited since) and it carries a stamp;
 *   - the file the key names (or, where it is missing, as on a node the
 *     container migrated to, the stored copy) has the content the profile
 *     was made from;
 *   - it keeps the protections of the kind of container it is now
 *     (lib/lsm/seccompkeep.h: PVE's unprivileged: and features keyctl=);
 *   - LXC's config (lxc_config, "key = value") sets lxc.seccomp.profile to it.
 * -ESTALE (the source changed, the profile was edited, another kind of
 * container, the layout of an older version), -EINVAL (PVE's config has a
 * bad value), -ENOENT (no stored profile), -ENOLINK (LXC's config does not
 * load it):
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
