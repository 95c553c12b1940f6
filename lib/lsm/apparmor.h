/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * AppArmor for containers: whether the kernel has it, which profiles are
 * loaded, the per-container profile rendered from the template
 * (apparmor/lxcri-container.template), and apparmor_parser runs to load and
 * unload it. libc only: no libapparmor (the parser does the loading).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"

#define APPARMOR_DATA_DIR	   "/usr/share/lxcri/apparmor"
#define APPARMOR_TEMPLATE	   "lxcri-container.template"
#define APPARMOR_PARSER		   "/usr/sbin/apparmor_parser"
#define APPARMOR_TEMPLATE_MAX_SIZE (256 * 1024)

/* <sys_dir>/module/apparmor/parameters/enabled starts with 'Y'. */
bool apparmor_enabled(const char *sys_dir);

/*
 * Whether <sys_dir>/kernel/security/apparmor/profiles (lines "name (mode)")
 * lists name: 1 or 0, -errno if the list cannot be read.
 */
int apparmor_profile_loaded(const char *sys_dir, const char *name);

/* "lxcri-ct-<id>": -EINVAL for an invalid id, -ENAMETOOLONG if it does not fit. */
int apparmor_generated_name(const char *id, char *buf, size_t size);

/*
 * The profile name LXC must use for a container (lxc.apparmor.profile):
 * lxcri-ct-<id> for profile=generated, else the configured name
 * ("unconfined" included). -ENOENT if the config has no apparmor key.
 */
int apparmor_lxc_profile(const struct config *c, const char *id, char *buf, size_t size);

struct apparmor_options {
	const char *name;	  /* the profile name (valid_apparmor_profile) */
	bool nesting;		  /* the template's #@nesting rules instead of #@flat */
	char *const *mount_types; /* NULL-terminated (valid_fstype), may be NULL */
};

/*
 * Renders the template text: @PROFILE@ is the name; "#@nesting <rule>"
 * lines give the rule with nesting only, "#@flat <rule>" without; a
 * "#@mounts" line gives one "mount fstype=<type>," per type; "##" lines
 * are dropped (comments of the template). -EINVAL (err
 * says which) for a bad name or type, or a template without @PROFILE@.
 */
int apparmor_render(const char *template_text, const struct apparmor_options *o, char **ret,
		    struct lxcri_error *err);
/* The same, from a template file. */
int apparmor_render_file(const char *template_path, const struct apparmor_options *o, char **ret,
			 struct lxcri_error *err);

/*
 * apparmor_parser -r -W -L <cache_dir> <profile_path> (cache_dir may be
 * NULL: -K, no cache). Its stderr is in err when it fails.
 */
int apparmor_load(const char *parser, const char *profile_path, const char *cache_dir,
		  uint64_t timeout_ms, struct lxcri_error *err);
/* apparmor_parser -R <profile_path>. */
int apparmor_unload(const char *parser, const char *profile_path, uint64_t timeout_ms,
		    struct lxcri_error *err);
/*
 * Compiles without loading, and without a kernel: apparmor_parser -Q -K -M
 * <features_file> <profile_path> (features_file may be NULL: the parser's
 * default). For tests and checks of shipped profiles.
 */
int apparmor_compile(const char *parser, const char *profile_path, const char *features_file,
		     uint64_t timeout_ms, struct lxcri_error *err);
