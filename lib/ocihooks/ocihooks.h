/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * OCI hooks: which programs run at which stage of a container's life, from
 * two sources, and the state JSON a hook reads on stdin.
 *
 * 1. A bundle's config.json, its "hooks" object (runtime-spec config.md,
 *    "POSIX-platform Hooks"), validated strictly: a bad value is an error.
 *
 * 2. oci-hooks(5) directories (hooks.d), as podman/CRI-O read them
 *    (containers/common pkg/hooks):
 *    - Directories come in increasing preference: a file in a later
 *      directory masks the file of the same name in an earlier one. An
 *      empty file, or a symlink to /dev/null, masks without defining a hook.
 *    - Only "*.json" files count; a file that vanished while we read the
 *      directory (or a dangling symlink) is passed over silently.
 *    - A file that is bad (not JSON, unknown version, no hook path, a path
 *      that does not exist, an unknown stage, a bad regex, no condition in
 *      "when") is skipped with a warning that names it ("<file>: not JSON:
 *      unexpected character at line 3, column 5"); never an error. A bad
 *      file still masks its namesake in earlier directories.
 *    - Order: within a stage, the bundle's hooks first, in their order, then
 *      the matching hooks.d hooks appended by file name compared without
 *      ASCII case (ties: byte order), as podman appends to the spec's hooks.
 *    - Schema 1.0.0: {"version": "1.0.0", "hook": {path, args, env,
 *      timeout}, "when": {...}, "stages": [...]}. Every condition that is set
 *      in "when" must match (as podman's When.Match): "always": true;
 *      "hasBindMounts": true and the container has bind mounts; for each
 *      "annotations" key/value regex pair, some annotation whose key and
 *      value match; "commands": any regex matching the container's command.
 *      A condition set to false ("always": false) never matches. Empty
 *      "annotations" or "commands" are not set.
 *    - Schema 0.1.0 (no "version", or "0.1.0"): "hook" (path), "arguments"
 *      (args become [hook, arguments...]), "stages"/"stage", "cmds"/"cmd",
 *      "annotations"/"annotation" (regexes for any annotation value),
 *      "hasbindmounts". Any one condition matching is enough.
 *    - Field names match without case, as Go's encoding/json does; unknown
 *      fields are ignored, null is the same as absent.
 *    - Regexes are POSIX extended, matched unanchored (like Go's
 *      regexp.MatchString: "init" matches "/sbin/init"; anchor with ^ $).
 *      What Go's regexp refuses, and would make glibc's regcomp() take
 *      gigabytes, is a bad regex here too: counts above 1000, nested
 *      repetitions ("a**", "a{2}{3}"; "a*?" is fine), expressions that
 *      expand past 10000 nodes ("((a+)+)+..."), and backreferences.
 *    - Without a command (m->command NULL), "commands" never matches.
 *    - A stage listed twice adds the hook once.
 *
 * Nothing here logs or runs anything; needs json-c.
 */

#include <json-c/json_object.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/basic/error.h"

#define OCIHOOKS_DIR_DEFAULT  "/usr/share/containers/oci/hooks.d"
#define OCIHOOKS_DIR_OVERRIDE "/etc/containers/oci/hooks.d"
#define OCIHOOKS_OCI_VERSION  "1.0.2"
/* Larger hooks.d files are skipped with a warning. */
#define OCIHOOKS_FILE_MAX_SIZE (1024 * 1024)

enum oci_stage {
	OCI_PRESTART,
	OCI_CREATE_RUNTIME,
	OCI_CREATE_CONTAINER,
	OCI_START_CONTAINER,
	OCI_POSTSTART,
	OCI_POSTSTOP,
	OCI_STAGE_COUNT
};

/* The runtime-spec name: "prestart", "createRuntime", ...; NULL if out of range. */
const char *ocihooks_stage_name(enum oci_stage stage);
/* The stage of a runtime-spec name (exact case), or -EINVAL. */
int ocihooks_stage_from_name(const char *name);

struct oci_hook {
	char *path;
	char **args;   /* NULL-terminated; NULL: unset (argv is then just path) */
	char **env;    /* NULL-terminated "K=V"; NULL: unset */
	int timeout_s; /* 0: none */
	char *source;  /* the config.json path, or the hooks.d file */
	/*
	 * Why it is there: "bundle config.json", "always", "hasBindMounts",
	 * "annotation 'com.example.gpu=all' matches {'^com\.example\.gpu$': '^all$'}",
	 * "command '/sbin/init' matches '.*init'"; several 1.0.0 conditions are
	 * joined by " and ".
	 */
	char *why;
};

struct oci_hooks {
	struct oci_hook *by_stage[OCI_STAGE_COUNT];
	size_t n[OCI_STAGE_COUNT];
	char **warnings; /* NULL-terminated, may be NULL: one line a skipped file */
};

void ocihooks_hook_done(struct oci_hook *h);
/* Frees what h holds and zeroes it; h may be zeroed already. */
void ocihooks_done(struct oci_hooks *h);
#define _cleanup_ocihooks_ __attribute__((cleanup(ocihooks_done)))

/*
 * The "hooks" of a runtime-spec config.json, and its "annotations" (an
 * object of strings; ret_annotations may be NULL; *ret_annotations is an
 * empty object when there are none). path is for messages and becomes each
 * hook's source. Errors (-EINVAL) name path and the place:
 * "/b/config.json: hooks.prestart[1]: 'timeout' must be greater than zero",
 * "/b/config.json: unknown hook stage 'prestop' in 'hooks'", and JSON syntax
 * errors the line and column. *ret is overwritten on success only.
 */
int ocihooks_parse_bundle(const char *path, const char *text, size_t size, struct oci_hooks *ret,
			  struct json_object **ret_annotations, struct lxcri_error *err);

/* What a container is, for "when". All may be NULL/false. */
struct ocihooks_match {
	const char *const *annotations; /* NULL-terminated "key=value" */
	const char *command;		/* process.args[0]: the container's init, "/sbin/init" */
	bool has_bind_mounts;
};

/*
 * Reads the hooks.d directories dirs (NULL-terminated, increasing preference:
 * OCIHOOKS_DIR_DEFAULT, OCIHOOKS_DIR_OVERRIDE, then the config's "hooks:
 * dir="), and appends the hooks that match m to io, and a warning for every
 * file skipped or directory that cannot be read (a missing one is fine).
 * Returns 0, -ENOMEM with io untouched, or -EPERM with io untouched and
 * err naming the directory or file that root alone cannot change
 * (lib/basic/trust.h): those decide what runs as root, and are refused whole.
 */
int ocihooks_load_dirs(const char *const *dirs, const struct ocihooks_match *m,
		       struct oci_hooks *io, struct lxcri_error *err);

/*
 * One hooks.d file from memory (path names it): appends its hook to io for
 * each of its stages when it matches m. Returns 1 if it matched, 0 if not
 * (or the file is empty), -EINVAL with err "<path>: <why>" for a bad file
 * (io untouched), -ENOMEM. ocihooks_load_dirs() calls it for every file,
 * already sorted.
 */
int ocihooks_add_file(const char *path, const char *text, size_t size,
		      const struct ocihooks_match *m, struct oci_hooks *io,
		      struct lxcri_error *err);

/*
 * The "key=value" list of an annotations object as ocihooks_parse_bundle()
 * returns it (NULL: an empty list). -EINVAL for a value that is not a string
 * or a key that is empty or holds '='.
 */
int ocihooks_annotations_strv(struct json_object *annotations, char ***ret);

/*
 * The state a hook gets on stdin (runtime-spec runtime.md "State"):
 * {"ociVersion": "1.0.2", "id", "status", "pid", "bundle", "annotations"}.
 * status NULL: the stage's own, "creating" (prestart, createRuntime,
 * createContainer), "created" (startContainer), "running" (poststart),
 * "stopped" (poststop). pid 0: omitted (poststop). bundle NULL: omitted.
 * annotations: "key=value" (split at the first '='), may be NULL; the
 * object is always there. *ret is a malloc'ed string.
 */
int ocihooks_state_json(enum oci_stage stage, const char *id, const char *status, pid_t pid,
			const char *bundle, const char *const *annotations, char **ret);

/*
 * For "lxcri hooks list": {"stages": {"prestart": [{"path", "args", "env",
 * "timeout", "source", "why"}], ... every stage, in runtime-spec order},
 * "warnings": [...]}; unset args/env/timeout are null.
 */
int ocihooks_to_json(const struct oci_hooks *h, struct json_object **ret);
