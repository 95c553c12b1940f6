/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The names of layer tar entries, made clean before anything is written:
 * "./usr//bin/" is "usr/bin", "" and "./" are "." (the root). An absolute
 * name ("/etc/passwd") or a ".." component is never resolved: the entry is
 * refused, as image-spec layer.md's changesets are relative to the root. Whiteouts (image-spec
 * layer.md): ".wh.<name>" removes <name> of the layers below, ".wh..wh..opq" empties its directory
 * of them.
 */

#include <stddef.h>

#include "lib/basic/error.h"

enum tarpath_whiteout {
	TARPATH_NOT_WHITEOUT,
	TARPATH_WHITEOUT, /* target: the path it removes */
	TARPATH_OPAQUE,	  /* target: the directory it empties ("." for the root) */
	TARPATH_IGNORED,  /* another ".wh..wh." name: reserved, ignored */
};

/* -EINVAL (absolute, a ".." component), -ENAMETOOLONG (size), naming the entry. */
int tarpath_clean(const char *name, char *buf, size_t size, struct lxcri_error *err);

/* The last component of a clean path ("." for the root). */
const char *tarpath_base(const char *clean);

/* What kind of whiteout a clean path is, and its target (size bytes). -EINVAL for ".wh." alone. */
int tarpath_whiteout(const char *clean, char *target, size_t size);
