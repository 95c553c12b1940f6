/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The raw LXC keys a container's security profiles need (lxc.seccomp.profile,
 * lxc.apparmor.profile, lxc.selinux.context), read and written where they
 * take effect:
 *
 *   plain LXC   <lxc_path>/<id>/config          "key = value"
 *   PVE         <pve_dir>/lxc/<vmid>.conf       "key: value" (raw lxc.* keys
 *               are root-only and kept by PVE when it writes the LXC config;
 *               PVE also reads "lxc.key = value", and so does this)
 *
 * A PVE file's main section ends at its first "[snapshot]" header: only the
 * main section is read or changed. Every other line is kept byte for byte.
 * lxc.include is not followed by lxcconf_get(): the value read is the last
 * assignment in the file itself, which LXC applies after what the includes
 * above it set. libc only.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"

enum lxcconf_format {
	LXCCONF_LXC, /* key = value */
	LXCCONF_PVE, /* key: value */
};

/*
 * The file to edit for container id, and its format: the PVE file for a
 * vmid on a PVE node, else LXC's own config. -EINVAL for a bad id,
 * -ENAMETOOLONG.
 */
int lxcconf_path(const struct lxcri_paths *p, const char *id, char *buf, size_t size,
		 enum lxcconf_format *ret_format);

/*
 * The value of the last assignment of key in text[0..size), trimmed; *ret
 * is NULL when the key is not set or its last assignment is empty (which
 * resets it in LXC). 0 or -ENOMEM.
 */
int lxcconf_get(const char *text, size_t size, enum lxcconf_format format, const char *key,
		char **ret);
/* The same, and the line (from 1) of that last assignment in *ret_line: 0 if there is none. */
int lxcconf_get_line(const char *text, size_t size, enum lxcconf_format format, const char *key,
		     char **ret, unsigned *ret_line);

/*
 * text with key set to value: the first assignment of key is replaced, later
 * ones are removed, and "key = value" ("key: value") is appended to the main
 * section when there was none. value NULL removes every assignment. The
 * result is NUL-terminated; the lines written end in "\n". -EINVAL for a
 * value with a line end or a key that is not lxc.[a-z0-9._-]*, -ENOMEM.
 */
int lxcconf_set(const char *text, size_t size, enum lxcconf_format format, const char *key,
		const char *value, char **ret_text, size_t *ret_size);

/*
 * For keys LXC keeps as lists (lxc.hook.*, lxc.mount.entry, ...), where
 * lxcconf_set() would drop the other entries: text with "key = value"
 * ("key: value") appended to the main section unless an assignment of key
 * with exactly that (trimmed) value is there already. 1 and the new text
 * in *ret_text when it was added, 0 (*ret_text NULL) when it was there;
 * -EINVAL as lxcconf_set(), and for an empty value (which clears LXC's
 * list), -ENOMEM.
 */
int lxcconf_list_add(const char *text, size_t size, enum lxcconf_format format, const char *key,
		     const char *value, char **ret_text, size_t *ret_size);

/*
 * Every assignment of text's main section in order, with its line (from 1):
 * visit gets the key and the value (trimmed, not NUL-terminated) and
 * returns 0, or < 0 to stop the walk with that value.
 */
typedef int (*lxcconf_line_fn)(const char *key, size_t key_len, const char *value, size_t value_len,
			       unsigned line, void *arg);
int lxcconf_each(const char *text, size_t size, enum lxcconf_format format, lxcconf_line_fn visit,
		 void *arg);

/*
 * text without the assignments of its main section for which match (key and
 * value, trimmed, not NUL-terminated) returns true; every other line is
 * kept byte for byte. The number removed; when it is 0, *ret_text is NULL.
 * -ENOMEM.
 */
typedef bool (*lxcconf_match_fn)(const char *key, size_t key_len, const char *value,
				 size_t value_len, void *arg);
int lxcconf_remove_if(const char *text, size_t size, enum lxcconf_format format,
		      lxcconf_match_fn match, void *arg, char **ret_text, size_t *ret_size);

/*
 * Every assignment of the LXC config at path and of the files it includes
 * (lxc.include: a file, or a directory's *.conf in name order, at most 8
 * levels; a missing include is skipped), in the order LXC reads them: visit
 * gets the key and the value (trimmed, not NUL-terminated) and returns 0 or
 * -errno, which stops the walk. lxc.include itself is not visited.
 */
typedef int (*lxcconf_visit_fn)(const char *key, size_t key_len, const char *value,
				size_t value_len, void *arg);
int lxcconf_walk(const char *path, lxcconf_visit_fn visit, void *arg, struct lxcri_error *err);

/*
 * The capabilities a container keeps, as "CAP_NET_ADMIN" names
 * (NULL-terminated, malloc'ed), from the lxc.cap.drop and lxc.cap.keep keys
 * of the LXC config at path and the files it includes (lxc.include, files
 * and directories of *.conf, at most 8 levels). Without the file: LXC's
 * defaults for a container including common.conf (everything but
 * mac_admin, mac_override, sys_time, sys_module and sys_rawio).
 */
int lxcconf_caps(const char *path, char ***ret, struct lxcri_error *err);
