/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The seccomp protections a container's platform gives it, kept in a
 * profile set through lxcri. LXC's lxc.seccomp.profile takes one file, so
 * the profile `lxcri seccomp set` stores replaces the one LXC and PVE would
 * load; their denials are therefore written into it:
 *
 *   every container (LXC's /usr/share/lxc/config/common.seccomp, which LXC
 *   and PVE give it):
 *     umount2 errno 13 [1,1,SCMP_CMP_MASKED_EQ,1]      reject_force_umount: umount -f
 *     kexec_load, open_by_handle_at, init_module, finit_module,
 *     delete_module errno 1
 *   an unprivileged PVE container (PVE's /var/lib/lxc/<vmid>/rules.seccomp,
 *   pve-container's make_seccomp_config()):
 *     keyctl errno 38                                    unless features keyctl=1
 *     ioctl errno 1 [1,37888,SCMP_CMP_MASKED_EQ,65280]   btrfs ioctls (0x94xx)
 *     socket errno 97 [0,38,SCMP_CMP_EQ]                 AF_ALG
 *
 * The kind of container comes from PVE's config on a PVE node (unprivileged:,
 * a raw lxc.idmap, features: keyctl=) and is recorded in the profile; plain
 * LXC gives every container common.seccomp, unprivileged or not (its
 * userns.conf adds no rules), so there it is one kind.
 *
 * A kept denial must win over the profile: the stored profile answers every
 * call as if PVE's profile and the user's were both loaded, the stricter
 * answer winning (as the kernel does with stacked filters; between two
 * errnos, PVE's). libseccomp, which LXC builds the filter with, lets an
 * unconditional rule of a syscall override every conditional one of it, in
 * whatever order they come (src/db.c, _db_col_rule_add()), and lets the
 * first of two unconditional rules stand. So "ioctl allow" beside "ioctl
 * errno 1 [1,37888,...]" allows btrfs ioctls. Hence, per protected syscall:
 *   - an unconditional denial replaces the profile's rules of it that are
 *     less strict (an allow becomes the denial; a stricter rule stays);
 *   - a conditional denial narrows the profile's less strict rules of it
 *     to the calls it does not cover ("ioctl allow" becomes eight
 *     "ioctl allow [1,<bit>,SCMP_CMP_MASKED_EQ,<bit>]" rules, one per bit
 *     of 0xff00 where a call differs from 0x94xx), so that no allow
 *     overlaps it;
 *   - a denial the default action already gives (or a stricter default)
 *     is no rule (libseccomp refuses a rule with the default action);
 *     where the default is stricter, the calls the profile allowed and the
 *     denial covers get the denial in rules of their own (a "keyctl allow
 *     [0,1,SCMP_CMP_EQ]" of a killing profile becomes "keyctl errno 38
 *     [0,1,SCMP_CMP_EQ]"), and the others stay with the default.
 * Each change to a rule of the profile is a comment line above it; the
 * kept rules come last, after "# lxcri: kept for <kind>: ...". What cannot
 * be kept exactly (a stricter conditional rule beside an unconditional
 * denial, an allow whose condition on the same argument cannot be
 * narrowed) is a loss, and refused without accept_loss; PVE's denials
 * are never what is lost. libc only: the pre-start check reads the kind.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"

enum seccompkeep_kind {
	SECCOMPKEEP_LXC,		     /* plain LXC: common.seccomp */
	SECCOMPKEEP_PVE_PRIVILEGED,	     /* common.seccomp */
	SECCOMPKEEP_PVE_UNPRIVILEGED,	     /* common.seccomp and rules.seccomp */
	SECCOMPKEEP_PVE_UNPRIVILEGED_KEYCTL, /* the same without keyctl (features keyctl=1) */
};

struct seccompkeep_container {
	enum seccompkeep_kind kind;
	bool mknod;	       /* PVE features mknod=1 (unprivileged): its proxy is off */
	char config[PATH_MAX]; /* the file the kind was read from ("" on plain LXC) */
};

/* "lxc", "pve-privileged", "pve-unprivileged", "pve-unprivileged-keyctl". */
const char *seccompkeep_kind_name(enum seccompkeep_kind kind);
/* "an unprivileged PVE container with features keyctl=1", ... */
const char *seccompkeep_kind_phrase(enum seccompkeep_kind kind);
/* What is kept: "LXC's common.seccomp and PVE's rules for unprivileged containers", ... */
const char *seccompkeep_kind_kept(enum seccompkeep_kind kind);

/*
 * The kind of a PVE container from its config text (path names it in
 * messages; only the main section counts, as PVE reads it): unprivileged
 * when "unprivileged:" is true or a raw lxc.idmap is set; keyctl and mknod
 * from "features:". -EINVAL for a value PVE would not take, naming the
 * file, line and value ("<path>:3: unprivileged: 'maybe' is not a boolean").
 */
int seccompkeep_kind_pve(const char *path, const char *text, size_t size,
			 struct seccompkeep_container *ret, struct lxcri_error *err);

/*
 * The kind of container id: from <pve_dir>/lxc/<vmid>.conf on a PVE node
 * (its errors, -ENOENT when it is missing), else SECCOMPKEEP_LXC.
 */
int seccompkeep_kind_of(const struct lxcri_paths *p, const char *id,
			struct seccompkeep_container *ret, struct lxcri_error *err);

struct seccompkeep_result {
	char *profile; /* the profile with the kept protections */
	char **notes;  /* NULL-terminated: rules of the profile changed so that a denial stands */
	char **losses; /* NULL-terminated: what could not be kept as the profile said */
	char **kept;   /* NULL-terminated: the protections kept, as rule lines */
	size_t n_notes, n_losses, n_kept;
	size_t n_rules; /* rule lines in profile */
};

/*
 * profile (LXC's format v2 as seccompconv_convert() writes it: two header
 * lines, comments, one section, rule lines) with the protections of ct
 * kept. Returns 0 with *ret filled. -EINVAL for a text of another layout.
 * Losses do not fail it: the caller decides (accept_loss).
 */
int seccompkeep_apply(const char *profile, const struct seccompkeep_container *ct,
		      struct seccompkeep_result *ret, struct lxcri_error *err);

/* Frees the members and zeroes r; r may be zeroed already. */
void seccompkeep_result_done(struct seccompkeep_result *r);

/*
 * What a stored profile says it kept: its "# lxcri: kept for <kind>" line
 * and the protections after it. -ENOENT if it has no such line (made by an
 * lxcri that kept nothing), -EINVAL for an unknown kind, -ENOMEM.
 */
struct seccompkeep_kept {
	enum seccompkeep_kind kind;
	char **rules; /* NULL-terminated: the kept protections, as rule lines */
	size_t n_rules;
};
int seccompkeep_profile_kept(const char *profile, struct seccompkeep_kept *ret);
void seccompkeep_kept_done(struct seccompkeep_kept *k);
