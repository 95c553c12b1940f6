/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Converts an OCI or Docker seccomp profile (JSON) into LXC's seccomp
 * profile format version 2, the text lxc.seccomp.profile names.
 *
 * Input, told apart by its keys:
 *  - a runtime-spec `linux.seccomp` object (defaultAction, defaultErrnoRet,
 *    architectures, flags, listenerPath, syscalls[names, action, errnoRet,
 *    args[index, value, valueTwo, op]]);
 *  - a whole OCI config.json (its .linux.seccomp is converted);
 *  - a Docker/podman profile: the same plus archMap, top-level
 *    "architectures", "comment", errno names ("errno", "defaultErrno") and
 *    per-syscall includes/excludes (arches, caps, minKernel), resolved here
 *    for opts the way Docker and podman resolve them.
 *
 * Output, for a host whose arch is x86_64 (exactly this layout):
 *
 *	2
 *	allowlist errno 1
 *	# lxcri: converted from a docker profile for x86_64 (LXC filters x86_64, x86, x32)
 *	[x86_64]
 *	accept allow
 *	clone allow [0,0,SCMP_CMP_MASKED_EQ,2114060288]
 *	socket errno 22 [0,16,SCMP_CMP_EQ] [2,9,SCMP_CMP_EQ]
 *	personality allow [0,8,SCMP_CMP_EQ]
 *	clone3 errno 38
 *
 * Line 1 is the format version. Line 2 is "allowlist <default action>", or
 * "denylist" when the default action is allow. Then one section, named for
 * the arch ("[all]" where LXC has no name for it: riscv64); LXC applies it
 * to every ABI it filters on that host (on x86_64 also x86 and x32) and
 * skips it on other hosts. Each rule line is "<syscall> <action>" and at
 * most six argument rules, all of which must match (AND):
 * "[index,value,OP]", or "[index,value,SCMP_CMP_MASKED_EQ,mask]" for
 * (arg & mask) == value. Actions: allow, errno N (0-4095), kill (the
 * thread), trap, notify (needs lxc.seccomp.notify.proxy). Profile order is
 * kept; a rule whose action equals the default action is left out (libseccomp
 * refuses it, as runc skips it); a syscall whose args name one index twice
 * becomes one line per arg rule (OR), as runc adds it.
 *
 * Not expressible, so reported as a loss: SCMP_ACT_KILL_PROCESS (becomes
 * kill), SCMP_ACT_TRACE (becomes errno 38, what the kernel returns with no
 * tracer), SCMP_ACT_LOG (becomes allow), flags other than
 * SECCOMP_FILTER_FLAG_TSYNC, listenerPath/listenerMetadata, and an arch set
 * that differs from the ABIs LXC filters on the host. With any loss and
 * !accept_loss the conversion is refused.
 *
 * Syscall names newer than this libseccomp (Docker's default profile lists
 * some: getxattrat, mseal, ...) have no rule: the call gets the default
 * action. Where that is at least as strict as the rule's action (an allow
 * rule of a profile whose default denies) the name is skipped, which is
 * safe; where it is not (a deny rule of a default-allow profile, kill where
 * the default is an errno) it is a loss too. Either way the name is listed
 * in result.skipped and in a comment line of the profile, after the
 * "converted from" one ("# lxcri: skipped (unknown to libseccomp 2.5.4):
 * getxattrat, mseal; these calls get the default action (errno 1)"). A
 * name that is not made like a syscall's ([a-z0-9_]) is an error.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"

struct json_object;

#define SECCOMPCONV_SIZE_MAX (4 * 1024 * 1024)

struct seccompconv_opts {
	const char *arch; /* the host's, as uname or libseccomp names it: "x86_64"; NULL: uname */
	const char *const *caps; /* the container's capabilities ("CAP_SYS_ADMIN"), NULL-terminated;
				    NULL: none. For includes/excludes.caps */
	const char *kernel;	 /* "6.1" or a uname release, for minKernel; NULL: uname */
	bool accept_loss;	 /* convert even what LXC cannot express exactly */
};

enum seccompconv_shape {
	SECCOMPCONV_RUNTIME_SPEC, /* a linux.seccomp object */
	SECCOMPCONV_CONFIG_JSON,  /* a whole config.json */
	SECCOMPCONV_DOCKER,	  /* a Docker/podman profile */
};

/* Syscall names left out because libseccomp does not know them. */
struct seccompconv_skipped {
	char *text;	  /* "skipped (unknown to libseccomp 2.5.4): a, b; these calls get ..." */
	char version[32]; /* of that libseccomp: "2.5.4" */
	char **names;	  /* NULL-terminated, each once, in the profile's order */
	size_t n_names;
};

struct seccompconv_result {
	char *profile; /* the LXC text; NULL when the conversion was refused for losses */
	char **losses; /* NULL-terminated: what the text does not express exactly */
	char **notes;  /* NULL-terminated: what was left out without changing behaviour */
	size_t n_losses;
	size_t n_notes;
	size_t n_rules;			    /* rule lines in profile */
	struct seccompconv_skipped skipped; /* names zeroed (NULL) when none */
	enum seccompconv_shape shape;
};

/*
 * Reads the profile at path for seccompconv_convert(): -EINVAL "Failed to
 * read '<path>': not a regular file but a directory", -EFBIG over
 * SECCOMPCONV_SIZE_MAX, or the error of reading it.
 */
int seccompconv_read_file(const char *path, char **ret, size_t *ret_size, struct lxcri_error *err);

/*
 * Converts text[0..size) (need not be NUL-terminated); source names it in
 * messages. Returns 0 with *ret filled. Returns -EOPNOTSUPP when there are
 * losses and !opts->accept_loss: *ret is then filled too (profile NULL) so
 * the caller can list them, and err says how many and the first. Other
 * failures leave *ret zeroed and fill err: -EINVAL for a malformed profile
 * ("<source>: line L, column C: not JSON: ...", "<source>: syscalls[2].args[0]
 * .index: 7 is out of range (0-5)", "<source>: syscalls[0].names[1]: 'a b'
 * is not a syscall name") or a file that is not JSON text at all
 * ("<source>: not a JSON profile: binary data at byte 0: an ELF executable
 * or library", "... at byte 34 (line 1, column 35): a NUL byte"), -EFBIG
 * over SECCOMPCONV_SIZE_MAX, -ENOMEM.
 */
int seccompconv_convert(const char *source, const char *text, size_t size,
			const struct seccompconv_opts *opts, struct seccompconv_result *ret,
			struct lxcri_error *err);

/* Frees the members and zeroes r; r may be NULL or zeroed already. */
void seccompconv_result_done(struct seccompconv_result *r);

/*
 * What a profile converted here says it skipped (its "# lxcri: skipped"
 * line): 0 with *ret filled, or zeroed if it has no such line; -ENOMEM.
 */
int seccompconv_profile_skipped(const char *profile, struct seccompconv_skipped *ret);

/* {"libseccomp": "2.5.4", "syscalls": [...], "text": s->text}, or NULL (JSON null) when none. */
struct json_object *seccompconv_skipped_json(const struct seccompconv_skipped *s);

/* Frees the members and zeroes s; s may be zeroed already. */
void seccompconv_skipped_done(struct seccompconv_skipped *s);

/* The version of the libseccomp this program runs with: "2.5.4". */
const char *seccompconv_libseccomp_version(void);

/* "runtime-spec", "config.json" or "docker". */
const char *seccompconv_shape_name(enum seccompconv_shape shape);
