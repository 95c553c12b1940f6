/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Removing a directory tree that someone else may have filled (a rootfs
 * unpacked from an image): never following a symlink, never leaving the
 * file system of the tree's top (a mount point below it is an error,
 * -EXDEV, and is left as it is), depth-first with one fd per level.
 */

/*
 * Removes name (a directory, or any other file) relative to dirfd. 0, or
 * -errno of the first failure (what could be removed is removed); a
 * missing name is 0.
 */
int rmtree_at(int dirfd, const char *name);

/* The same for an absolute or relative path. */
int rmtree(const char *path);
