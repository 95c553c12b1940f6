/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One layer of an image applied to a rootfs (image-spec layer.md), in one
 * pass: the blob is decompressed (gzip, zstd, or none), hashed against the
 * layer's diff_id, and read as a tar, all as it streams. libarchive only
 * reads; every write is ours, relative to directory fds:
 *
 *   - every entry's parent is opened with openat2(RESOLVE_BENEATH |
 *     RESOLVE_NO_MAGICLINKS) from the rootfs: an entry whose path goes
 *     through a symlink that leaves the rootfs (absolute, or ".." above
 *     it) is refused, naming it, as is a ".." component or a hardlink to a
 *     file outside; the entry itself is created with O_EXCL|O_NOFOLLOW,
 *     mkdirat, symlinkat, mknodat or linkat, never through a symlink;
 *   - whiteouts remove what the layers below had; an opaque directory
 *     keeps only what this layer puts in it;
 *   - owners are shifted by the id maps (an id outside them is refused:
 *     never collapsed to root), file capabilities (security.capability)
 *     rewritten for the container's root, "user.*" xattrs kept, others
 *     ("trusted.*", "security.selinux") dropped; device nodes are skipped
 *     with skip_devices (an unprivileged container cannot use them).
 *
 * A layer that fails leaves the rootfs half-applied: the caller unpacks
 * into a directory of its own and discards it on any error.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"

enum unpack_compression { UNPACK_NONE, UNPACK_GZIP, UNPACK_ZSTD };

struct unpack_idmap {
	uint32_t container_id, host_id, count;
};

struct unpack_options {
	const char *diff_id; /* sha256 of the uncompressed tar; NULL: not checked */
	const struct unpack_idmap *uid, *gid;
	size_t n_uid, n_gid; /* 0: ids as they are */
	bool skip_devices;
	const char *name; /* for messages: "layer 3 (sha256:abcd...)" */
};

struct unpack_stats {
	uint64_t entries, bytes, whiteouts, hardlinks, devices_skipped;
};

/*
 * Applies the layer in blobfd (read from where it stands) to the rootfs
 * rootfd. -EINVAL naming the entry that is refused, -EBADMSG for a blob
 * that is not a tar or not its diff_id, -ERANGE for an id outside the maps,
 * -ENOTSUP for an entry type, the errno of a failed write (-ENOSPC...).
 */
int unpack_layer(int rootfd, int blobfd, enum unpack_compression compression,
		 const struct unpack_options *o, struct unpack_stats *stats,
		 struct lxcri_error *err);
