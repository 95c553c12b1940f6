/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What decides which programs run as root must be changeable by root alone,
 * as sudo requires of sudoers and PAM of its files: OCI hooks.d files and
 * their directories, a bundle's config.json, and the host programs of hooks.
 * A path is trusted when, after its symlinks are resolved, the file and every
 * directory above it are owned by root and not writable by group or others.
 * On the way (not the path itself), a directory that others may write is
 * allowed only if it is sticky, like /tmp: others cannot rename or remove
 * root's entries there, and the next component must be root's anyway.
 * libc only.
 */

#include "lib/basic/error.h"

/*
 * 0 if path is trusted. -ENOENT if it does not exist (err says so), -EPERM
 * naming the component at fault: "'/tmp' is writable by group or others",
 * "'/etc/hooks.d/a.json' is owned by uid 1000, not root"; other -errno if a
 * component cannot be examined.
 */
int trust_check(const char *path, struct lxcri_error *err);
