/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One image layer applied to a rootfs. See unpack.h. */
#include "lib/image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/rmtree.h"
#include "lib/image/digest.h"
#include "lib/image/tarpath.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define BLOCK	      (64 * 1024)
#define PATH_SIZE     4096
#define CREATED_SLOTS 4096
#define SLOTS	      4
#define SLOT_SIZE     (256 * 1024)
#define GZIP_IN_SIZE  (256 * 1024)
#define VFS_CAP_V2    0x02000000u
#define VFS_CAP_V3    0x03000000u
#define VFS_CAP_MASK  0xff000000u
#define CAP_V2_SIZE   20
#define CAP_V3_SIZE   24

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

/* The paths this layer created, for opaque directories. */
struct created {
	char *path;
	struct created *next;
};

struct dirtime {
	char *path;
	struct timespec mtime;
	struct dirtime *next;
};

struct unpack {
	int rootfd;
	const struct unpack_options *o;
	struct unpack_stats *stats;
	struct lxcri_error *err;
	struct archive *raw;   /* the decompressed stream (zstd, none) */
	struct gunzip *gunzip; /* or that (gzip) */
	struct digest *digest;
	char out[BLOCK]; /* a file's data on its way out */
	int read_error;
	/*
	 * The decompressed stream comes from a thread of its own (decompress,
	 * hash), through a ring of SLOTS blocks: the writes of one layer and
	 * the inflating of what follows run on two cores. The tar reader keeps
	 * pointing into the block it got until it asks for the next one.
	 */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *slot[SLOTS];
	size_t len[SLOTS];
	size_t head, count; /* next slot to hand out, filled slots */
	bool in_use;	    /* the tar reader holds slot[head - 1] */
	bool eof, stop;
	char raw_error[256];
	struct created *created[CREATED_SLOTS];
	struct dirtime *dirs;
	uint32_t root_uid;
};

/*
 * gzip, inflated by ISA-L's igzip (twice zlib's speed, so inflating keeps
 * up with the writes): every member's CRC checked, members one after the
 * other as gzip(1) reads them, nothing but members to the end.
 */
struct gunzip {
	struct inflate_state s;
	int fd;
	bool in_eof, done;
	uint8_t in[GZIP_IN_SIZE];
};

static const char *gunzip_error(int r)
{
	switch (r) {
	case ISAL_INVALID_WRAPPER:
		return "a gzip member's header is not gzip's";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip data that does not match its CRC";
	case ISAL_UNSUPPORTED_METHOD:
		return "a gzip member that is not deflate";
	default:
		return "corrupt gzip data";
	}
}

/* Up to size inflated bytes into out: their number, 0 at the end, -1 with why. */
static la_ssize_t gunzip_read(struct gunzip *g, char *out, size_t size, char *why, size_t why_size)
{
	g->s.next_out = (uint8_t *)out;
	g->s.avail_out = (uint32_t)size;
	while (g->s.avail_out > 0 && !g->done) {
		uint32_t before;
		int r;

		if (g->s.avail_in == 0 && !g->in_eof) {
			ssize_t n = read(g->fd, g->in, sizeof(g->in));

			if (n < 0) {
				snprintf(why, why_size, "read error: %s", strerror(errno));
				return -1;
			}
			g->in_eof = n == 0;
			g->s.next_in = g->in;
			g->s.avail_in = (uint32_t)n;
			continue;
		}
		if (g->s.block_state == ISAL_BLOCK_FINISH) {
			uint8_t *next = g->s.next_in;
			uint32_t avail = g->s.avail_in, room = g->s.avail_out;

			if (avail == 0) { /* and the blob is at its end */
				g->done = true;
				break;
			}
			/* Another member follows, or junk that gzip(1) would warn about. */
			if (next[0] != 0x1f || (avail > 1 && next[1] != 0x8b)) {
				snprintf(why, why_size, "junk after the last gzip member");
				return -1;
			}
			isal_inflate_reset(&g->s);
			g->s.crc_flag = ISAL_GZIP;
			g->s.next_in = next;
			g->s.avail_in = avail;
			g->s.next_out = (uint8_t *)out + (size - room);
			g->s.avail_out = room;
		}
		before = g->s.avail_out;
		r = isal_inflate(&g->s);
		if (r != ISAL_DECOMP_OK) {
			snprintf(why, why_size, "%s", gunzip_error(r));
			return -1;
		}
		if (g->s.avail_in == 0 && g->in_eof && g->s.avail_out == before &&
		    g->s.block_state != ISAL_BLOCK_FINISH) {
			snprintf(why, why_size, "the gzip stream ends early (truncated)");
			return -1;
		}
	}
	return (la_ssize_t)(size - g->s.avail_out);
}

static const char *layer(const struct unpack *u)
{
	return u->o->name ? u->o->name : "the layer";
}

static unsigned hash(const char *s)
{
	unsigned h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h % CREATED_SLOTS;
}

static int created_add(struct unpack *u, const char *path)
{
	struct created *c = malloc(sizeof(*c));

	if (!c || !(c->path = strdup(path))) {
		free(c);
		return -ENOMEM;
	}
	c->next = u->created[hash(path)];
	u->created[hash(path)] = c;
	return 0;
}

static bool created_has(const struct unpack *u, const char *path)
{
	for (struct created *c = u->created[hash(path)]; c; c = c->next)
		if (strcmp(c->path, path) == 0)
			return true;
	return false;
}

static void unpack_done(struct unpack *u)
{
	for (size_t i = 0; i < CREATED_SLOTS; i++)
		while (u->created[i]) {
			struct created *c = u->created[i];

			u->created[i] = c->next;
			free(c->path);
			free(c);
		}
	while (u->dirs) {
		struct dirtime *d = u->dirs;

		u->dirs = d->next;
		free(d->path);
		free(d);
	}
}

static int map(const struct unpack_idmap *m, size_t n, int64_t id, uint32_t *ret)
{
	if (id < 0 || id >= UINT32_MAX)
		return -ERANGE;
	if (n == 0) {
		*ret = (uint32_t)id;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if ((uint64_t)id >= m[i].container_id &&
		    (uint64_t)id - m[i].container_id < m[i].count) {
			*ret = m[i].host_id + (uint32_t)((uint64_t)id - m[i].container_id);
			return 0;
		}
	return -ERANGE;
}

static int entry_error(struct unpack *u, int code, const char *name, const char *why)
{
	char q[ESCAPE_BUFSIZE];

	return error_set(u->err, code, "Failed to unpack %s: the entry '%s' %s", layer(u),
			 escape_for_message(name, q, sizeof(q)), why);
}

/* openat2 beneath the rootfs: what a symlink would take out of it is -EXDEV. */
static int open_beneath(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

/*
 * The directory fd of a clean path's parent (mkdir -p of what is missing,
 * owned by the container's root), and its last component in *ret_base.
 */
static int open_parent(struct unpack *u, const char *name, const char *clean, const char **ret_base)
{
	char parent[PATH_SIZE];
	const char *base = tarpath_base(clean);
	size_t n = (size_t)(base - clean);
	int fd;

	*ret_base = base;
	if (n == 0)
		return open_beneath(u->rootfd, ".", O_PATH | O_DIRECTORY);
	memcpy(parent, clean, n - 1);
	parent[n - 1] = '\0';
	fd = open_beneath(u->rootfd, parent, O_PATH | O_DIRECTORY);
	if (fd != -ENOENT)
		goto out;
	/* Make the missing directories, one component at a time, never through a symlink out. */
	for (char *slash = parent;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		fd = open_beneath(u->rootfd, parent, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT) {
			char *last = strrchr(parent, '/');
			int up;

			if (last) {
				*last = '\0';
				up = open_beneath(u->rootfd, parent, O_PATH | O_DIRECTORY);
				*last = '/';
			} else {
				up = open_beneath(u->rootfd, ".", O_PATH | O_DIRECTORY);
			}
			if (up < 0) {
				fd = up;
				goto out;
			}
			const char *comp = last ? last + 1 : parent;
			if (mkdirat(up, comp, 0755) < 0 && errno != EEXIST) {
				fd = -errno;
				close(up);
				goto out;
			}
			if (fchownat(up, comp, u->root_uid, u->root_uid, AT_SYMLINK_NOFOLLOW) < 0)
				fd = -errno;
			close(up);
			if (fd != -ENOENT)
				goto out;
			fd = open_beneath(u->rootfd, parent, O_PATH | O_DIRECTORY);
		}
		if (fd < 0 || !slash)
			break;
		close(fd);
		*slash = '/';
	}
out:
	if (fd == -EXDEV || fd == -ELOOP)
		return entry_error(u, -EINVAL, name,
				   "is reached through a symlink that leaves the rootfs");
	if (fd == -ENOTDIR)
		return entry_error(u, -EINVAL, name, "is below a file that is not a directory");
	if (fd < 0)
		return entry_error(u, fd, name, strerror(-fd));
	return fd;
}

/* Makes room for a new entry base in dirfd: what is there goes, a directory with its tree. */
static int make_room(struct unpack *u, int dirfd, const char *name, const char *base, bool keep_dir)
{
	struct stat st;
	int r;

	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : entry_error(u, -errno, name, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		r = rmtree_at(dirfd, base);
	} else {
		r = unlinkat(dirfd, base, 0) < 0 ? -errno : 0;
	}
	return r < 0 ? entry_error(u, r, name, strerror(-r)) : 0;
}

/* security.capability for the container: v3 with its root's host id when ids are shifted. */
static int cap_for_container(struct unpack *u, const void *value, size_t size, uint8_t *out,
			     size_t *out_size)
{
	uint32_t magic, rootid = 0, host;

	if (size != CAP_V2_SIZE && size != CAP_V3_SIZE)
		return -EINVAL;
	memcpy(&magic, value, 4);
	magic = le32toh(magic);
	if ((magic & VFS_CAP_MASK) == VFS_CAP_V3 && size == CAP_V3_SIZE) {
		memcpy(&rootid, (const uint8_t *)value + 20, 4);
		rootid = le32toh(rootid);
	} else if ((magic & VFS_CAP_MASK) != VFS_CAP_V2 || size != CAP_V2_SIZE) {
		return -EINVAL;
	}
	if (u->o->n_uid == 0) {
		memcpy(out, value, size);
		*out_size = size;
		return 0;
	}
	if (map(u->o->uid, u->o->n_uid, rootid, &host) < 0)
		return -ERANGE;
	memcpy(out, value, CAP_V2_SIZE);
	magic = htole32((magic & ~VFS_CAP_MASK) | VFS_CAP_V3);
	memcpy(out, &magic, 4);
	host = htole32(host);
	memcpy(out + 20, &host, 4);
	*out_size = CAP_V3_SIZE;
	return 0;
}

static int apply_xattrs(struct unpack *u, struct archive_entry *e, int fd, const char *name)
{
	const char *key;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
		uint8_t cap[CAP_V3_SIZE];
		size_t cap_size;

		if (strcmp(key, "security.capability") == 0) {
			if (cap_for_container(u, value, size, cap, &cap_size) < 0)
				return entry_error(u, -EINVAL, name,
						   "has a file capability that is not valid for "
						   "the container");
			if (fsetxattr(fd, key, cap, cap_size, 0) < 0)
				return entry_error(u, -errno, name, strerror(errno));
		} else if (strncmp(key, "user.", 5) == 0) {
			if (fsetxattr(fd, key, value, size, 0) < 0 && errno != ENOTSUP)
				return entry_error(u, -errno, name, strerror(errno));
		}
	}
	return 0;
}

/* Owner (shifted), mode, xattrs and mtime of what fd is. */
static int apply_metadata(struct unpack *u, struct archive_entry *e, int fd, const char *name,
			  bool times)
{
	uint32_t uid, gid;

	if (map(u->o->uid, u->o->n_uid, archive_entry_uid(e), &uid) < 0 ||
	    map(u->o->gid, u->o->n_gid, archive_entry_gid(e), &gid) < 0) {
		char why[96];

		snprintf(why, sizeof(why), "is owned by %lld:%lld, outside the container's id map",
			 (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
		return entry_error(u, -ERANGE, name, why);
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, archive_entry_perm(e)) < 0)
		return entry_error(u, -errno, name, strerror(errno));
	if (apply_xattrs(u, e, fd, name) < 0)
		return u->err->code;
	if (times) {
		struct timespec ts[2] = {
			{ .tv_sec = archive_entry_mtime(e),
			  .tv_nsec = archive_entry_mtime_nsec(e) },
			{ .tv_sec = archive_entry_mtime(e),
			  .tv_nsec = archive_entry_mtime_nsec(e) },
		};
		(void)futimens(fd, ts);
	}
	return 0;
}

static int write_file(struct unpack *u, struct archive *a, struct archive_entry *e, int dirfd,
		      const char *base, const char *name)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return entry_error(u, -errno, name, strerror(errno));
	while ((n = archive_read_data(a, u->out, sizeof(u->out))) > 0) {
		int r = fileio_write_all(fd, u->out, (size_t)n);

		if (r < 0)
			return entry_error(u, r, name, strerror(-r));
		u->stats->bytes += (uint64_t)n;
	}
	if (n < 0)
		return u->read_error ? u->read_error
				     : entry_error(u, -EBADMSG, name, archive_error_string(a));
	return apply_metadata(u, e, fd, name, true);
}

static int make_dir(struct unpack *u, struct archive_entry *e, int dirfd, const char *base,
		    const char *clean, const char *name)
{
	_cleanup_close_ int fd = -1;
	struct dirtime *d;

	if (strcmp(clean, ".") == 0)
		fd = open_beneath(u->rootfd, ".", O_RDONLY | O_DIRECTORY);
	else if (mkdirat(dirfd, base, 0700) < 0 && errno != EEXIST)
		return entry_error(u, -errno, name, strerror(errno));
	else
		fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return entry_error(u, fd == -1 ? -errno : fd, name, strerror(errno));
	if (apply_metadata(u, e, fd, name, false) < 0)
		return u->err->code;
	/* Its mtime last: its children would change it. */
	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(clean))) {
		free(d);
		return error_oom(u->err);
	}
	d->mtime = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
	d->next = u->dirs;
	u->dirs = d;
	return 0;
}

static int make_link(struct unpack *u, struct archive_entry *e, int dirfd, const char *base,
		     const char *name)
{
	const char *target = archive_entry_hardlink(e);
	char clean[PATH_SIZE];
	const char *tbase;
	struct stat st;
	int tfd, r;

	r = tarpath_clean(target, clean, sizeof(clean), u->err);
	if (r < 0)
		return entry_error(u, r, name, "is a hardlink to a path that leaves the rootfs");
	tfd = open_parent(u, name, clean, &tbase);
	if (tfd < 0)
		return tfd;
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode)) {
		close(tfd);
		return entry_error(u, -EINVAL, name,
				   "is a hardlink to a file that is not in the rootfs");
	}
	r = linkat(tfd, tbase, dirfd, base, 0) < 0 ? -errno : 0;
	close(tfd);
	if (r < 0)
		return entry_error(u, r, name, strerror(-r));
	u->stats->hardlinks++;
	return 0;
}

static int make_symlink(struct unpack *u, struct archive_entry *e, int dirfd, const char *base,
			const char *name)
{
	const char *target = archive_entry_symlink(e);
	uint32_t uid, gid;
	struct timespec ts[2];

	if (!target || !target[0])
		return entry_error(u, -EINVAL, name, "is a symlink without a target");
	if (symlinkat(target, dirfd, base) < 0)
		return entry_error(u, -errno, name, strerror(errno));
	if (map(u->o->uid, u->o->n_uid, archive_entry_uid(e), &uid) < 0 ||
	    map(u->o->gid, u->o->n_gid, archive_entry_gid(e), &gid) < 0)
		return entry_error(u, -ERANGE, name, "is owned outside the container's id map");
	if (fchownat(dirfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_error(u, -errno, name, strerror(errno));
	ts[0] = ts[1] = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
	(void)utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int make_node(struct unpack *u, struct archive_entry *e, int dirfd, const char *base,
		     const char *name)
{
	mode_t type = archive_entry_filetype(e);
	_cleanup_close_ int fd = -1;

	if (type != AE_IFIFO && u->o->skip_devices) {
		u->stats->devices_skipped++;
		return 0;
	}
	if (mknodat(dirfd, base, type | 0600,
		    type == AE_IFIFO
			? 0
			: makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e))) < 0)
		return entry_error(u, -errno, name, strerror(errno));
	fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return entry_error(u, -errno, name, strerror(errno));
	uint32_t uid, gid;
	if (map(u->o->uid, u->o->n_uid, archive_entry_uid(e), &uid) < 0 ||
	    map(u->o->gid, u->o->n_gid, archive_entry_gid(e), &gid) < 0)
		return entry_error(u, -ERANGE, name, "is owned outside the container's id map");
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0 ||
	    fchmodat(dirfd, base, archive_entry_perm(e), 0) < 0)
		return entry_error(u, -errno, name, strerror(errno));
	return 0;
}

/* Removes what lower layers put in the directory clean; keeps this layer's entries. */
static int opaque(struct unpack *u, const char *clean, const char *name)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_SIZE];
	struct dirent *de;
	DIR *d;
	int r = 0;

	fd = open_beneath(u->rootfd, clean, O_RDONLY | O_DIRECTORY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return entry_error(u, fd == -EXDEV ? -EINVAL : fd, name,
				   fd == -EXDEV
				       ? "is reached through a symlink that leaves the rootfs"
				       : strerror(-fd));
	d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return entry_error(u, -errno, name, strerror(errno));
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int n = snprintf(path, sizeof(path), "%s/%s", strcmp(clean, ".") == 0 ? "" : clean,
				 de->d_name);

		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (created_has(u, strcmp(clean, ".") == 0 ? path + 1 : path))
			continue;
		r = rmtree_at(fd, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	return r < 0 ? entry_error(u, r, name, strerror(-r)) : 0;
}

static int whiteout(struct unpack *u, const char *target, const char *name)
{
	const char *base;
	int fd, r;

	fd = open_parent(u, name, target, &base);
	if (fd < 0)
		return fd;
	r = rmtree_at(fd, base);
	close(fd);
	if (r < 0)
		return entry_error(u, r, name, strerror(-r));
	return 0;
}

static int apply_entry(struct unpack *u, struct archive *a, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	char clean[PATH_SIZE], target[PATH_SIZE];
	const char *base;
	mode_t type;
	int dirfd, r, wh;

	if (!name)
		return error_set(u->err, -EBADMSG, "Failed to unpack %s: an entry has no name",
				 layer(u));
	r = tarpath_clean(name, clean, sizeof(clean), u->err);
	if (r < 0)
		return error_set(u->err, r, "Failed to unpack %s: %s", layer(u), u->err->message);
	u->stats->entries++;
	wh = tarpath_whiteout(clean, target, sizeof(target));
	if (wh < 0)
		return entry_error(u, -EINVAL, name, "is a whiteout of nothing");
	if (wh == TARPATH_WHITEOUT) {
		u->stats->whiteouts++;
		return whiteout(u, target, name);
	}
	if (wh == TARPATH_OPAQUE) {
		u->stats->whiteouts++;
		return opaque(u, target, name);
	}
	if (wh == TARPATH_IGNORED)
		return 0;

	type = archive_entry_hardlink(e) ? AE_IFREG : archive_entry_filetype(e);
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR &&
	    type != AE_IFBLK && type != AE_IFIFO)
		return entry_error(u, -ENOTSUP, name, "is of a type that cannot be unpacked");
	if (strcmp(clean, ".") == 0) {
		if (type != AE_IFDIR)
			return entry_error(u, -EINVAL, name,
					   "replaces the rootfs with a non-directory");
		return make_dir(u, e, -1, ".", clean, name);
	}
	dirfd = open_parent(u, name, clean, &base);
	if (dirfd < 0)
		return dirfd;
	r = make_room(u, dirfd, name, base, type == AE_IFDIR && !archive_entry_hardlink(e));
	if (r >= 0 && created_add(u, clean) < 0)
		r = error_oom(u->err);
	if (r >= 0) {
		if (archive_entry_hardlink(e))
			r = make_link(u, e, dirfd, base, name);
		else if (type == AE_IFREG)
			r = write_file(u, a, e, dirfd, base, name);
		else if (type == AE_IFDIR)
			r = make_dir(u, e, dirfd, base, clean, name);
		else if (type == AE_IFLNK)
			r = make_symlink(u, e, dirfd, base, name);
		else
			r = make_node(u, e, dirfd, base, name);
	}
	close(dirfd);
	return r;
}

/* The thread: the blob decompressed into the ring, to its end. */
static void *inflate_thread(void *arg)
{
	struct unpack *u = arg;
	size_t fill = 0;

	for (;;) {
		la_ssize_t n;

		pthread_mutex_lock(&u->mu);
		/* A free slot: one not filled and not held by the reader. */
		while (!u->stop && u->count + (u->in_use ? 1 : 0) >= SLOTS)
			pthread_cond_wait(&u->cv, &u->mu);
		if (u->stop) {
			pthread_mutex_unlock(&u->mu);
			return NULL;
		}
		fill = (u->head + u->count) % SLOTS;
		pthread_mutex_unlock(&u->mu);

		char why[sizeof(u->raw_error)] = "";

		if (u->gunzip)
			n = gunzip_read(u->gunzip, u->slot[fill], SLOT_SIZE, why, sizeof(why));
		else if ((n = archive_read_data(u->raw, u->slot[fill], SLOT_SIZE)) < 0)
			snprintf(why, sizeof(why), "%s",
				 archive_error_string(u->raw) ? archive_error_string(u->raw)
							      : "a read error");
		pthread_mutex_lock(&u->mu);
		if (n <= 0) {
			if (n < 0)
				snprintf(u->raw_error, sizeof(u->raw_error), "%s", why);
			u->eof = true;
			pthread_cond_broadcast(&u->cv);
			pthread_mutex_unlock(&u->mu);
			return NULL;
		}
		u->len[fill] = (size_t)n;
		u->count++;
		pthread_cond_broadcast(&u->cv);
		pthread_mutex_unlock(&u->mu);
	}
}

/* The tar reader's input: the next block of the ring (0 at the end). */
static la_ssize_t read_decompressed(struct archive *a, void *ctx, const void **buf)
{
	struct unpack *u = ctx;
	la_ssize_t n = 0;

	(void)a;
	pthread_mutex_lock(&u->mu);
	if (u->in_use) {
		u->in_use = false; /* the block it had is free again */
		pthread_cond_broadcast(&u->cv);
	}
	while (u->count == 0 && !u->eof)
		pthread_cond_wait(&u->cv, &u->mu);
	if (u->count > 0) {
		*buf = u->slot[u->head];
		n = (la_ssize_t)u->len[u->head];
		/* Hashed here, beside the writes: the other core only inflates. */
		digest_update(u->digest, *buf, (size_t)n);
		u->head = (u->head + 1) % SLOTS;
		u->count--;
		u->in_use = true;
	} else if (u->raw_error[0]) {
		u->read_error =
		    error_set(u->err, -EBADMSG, "Failed to unpack %s: %s", layer(u), u->raw_error);
		n = -1;
	}
	pthread_mutex_unlock(&u->mu);
	return n;
}

/* Reads what the tar reader left (end blocks, padding: part of the diff_id) to the end. */
static int drain(struct unpack *u)
{
	const void *b;
	la_ssize_t n;

	while ((n = read_decompressed(NULL, u, &b)) > 0)
		;
	return n < 0 ? u->read_error : 0;
}

static int start_thread(struct unpack *u)
{
	for (size_t i = 0; i < SLOTS; i++) {
		u->slot[i] = malloc(SLOT_SIZE);
		if (!u->slot[i])
			return error_oom(u->err);
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	if (pthread_create(&u->thread, NULL, inflate_thread, u) != 0)
		return error_set(u->err, -EAGAIN, "Failed to unpack %s: no thread to inflate it",
				 layer(u));
	u->started = true;
	return 0;
}

static void stop_thread(struct unpack *u)
{
	if (u->started) {
		pthread_mutex_lock(&u->mu);
		u->stop = true;
		pthread_cond_broadcast(&u->cv);
		pthread_mutex_unlock(&u->mu);
		pthread_join(u->thread, NULL);
		pthread_mutex_destroy(&u->mu);
		pthread_cond_destroy(&u->cv);
		u->started = false;
	}
	for (size_t i = 0; i < SLOTS; i++) {
		free(u->slot[i]);
		u->slot[i] = NULL;
	}
}

static int open_raw(struct unpack *u, int blobfd, enum unpack_compression c)
{
	struct archive_entry *e;
	int r;

	if (c == UNPACK_GZIP) {
		struct gunzip *g = calloc(1, sizeof(*g));
		ssize_t n;

		if (!g)
			return error_oom(u->err);
		u->gunzip = g;
		g->fd = blobfd;
		isal_inflate_init(&g->s);
		g->s.crc_flag = ISAL_GZIP;
		n = read(blobfd, g->in, sizeof(g->in));
		if (n < 0)
			return error_set(u->err, -errno, "Failed to unpack %s: %s", layer(u),
					 strerror(errno));
		/* The filter must be the one the media type says: nothing else is tried. */
		if (n < 2 || g->in[0] != 0x1f || g->in[1] != 0x8b)
			return error_set(u->err, -EBADMSG,
					 "Failed to unpack %s: it is not gzip-compressed",
					 layer(u));
		g->s.next_in = g->in;
		g->s.avail_in = (uint32_t)n;
		return 0;
	}
	u->raw = archive_read_new();
	if (!u->raw)
		return error_oom(u->err);
	r = c == UNPACK_GZIP   ? archive_read_support_filter_gzip(u->raw)
	    : c == UNPACK_ZSTD ? archive_read_support_filter_zstd(u->raw)
			       : archive_read_support_filter_none(u->raw);
	if (r != ARCHIVE_OK || archive_read_support_format_raw(u->raw) != ARCHIVE_OK ||
	    archive_read_open_fd(u->raw, blobfd, BLOCK) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &e) != ARCHIVE_OK)
		return error_set(u->err, -EBADMSG, "Failed to unpack %s: %s", layer(u),
				 archive_error_string(u->raw) ? archive_error_string(u->raw)
							      : "not a layer");
	/* The filter must be the one the media type says: nothing else is tried. */
	if (c != UNPACK_NONE && archive_filter_count(u->raw) < 2)
		return error_set(u->err, -EBADMSG, "Failed to unpack %s: it is not %s-compressed",
				 layer(u), c == UNPACK_GZIP ? "gzip" : "zstd");
	return 0;
}

static void apply_dir_times(struct unpack *u)
{
	for (struct dirtime *d = u->dirs; d; d = d->next) {
		int fd = open_beneath(u->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

		if (fd >= 0) {
			struct timespec ts[2] = { d->mtime, d->mtime };

			(void)futimens(fd, ts);
			close(fd);
		}
	}
}

int unpack_layer(int rootfd, int blobfd, enum unpack_compression compression,
		 const struct unpack_options *o, struct unpack_stats *stats,
		 struct lxcri_error *err)
{
	_cleanup_(archive_read_freep) struct archive *tar = NULL;
	struct unpack_stats local = { 0 };
	struct unpack *u = calloc(1, sizeof(*u));
	struct archive_entry *e;
	char got[DIGEST_SIZE];
	int r = 0;

	if (!u)
		return error_oom(err);
	*u = (struct unpack){
		.rootfd = rootfd, .o = o, .stats = stats ? stats : &local, .err = err
	};
	if (map(o->uid, o->n_uid, 0, &u->root_uid) < 0) {
		r = error_set(err, -EINVAL, "The id map does not map the container's root");
		goto out;
	}
	r = digest_begin(&u->digest, err);
	if (r < 0)
		goto out;
	r = open_raw(u, blobfd, compression);
	if (r < 0)
		goto out;
	r = start_thread(u);
	if (r < 0)
		goto out;
	tar = archive_read_new();
	if (!tar || archive_read_support_format_tar(tar) != ARCHIVE_OK ||
	    archive_read_open(tar, u, NULL, read_decompressed, NULL) != ARCHIVE_OK) {
		r = u->read_error
			? u->read_error
			: error_set(err, -EBADMSG, "Failed to unpack %s: not a tar: %s", layer(u),
				    tar ? archive_error_string(tar) : "no memory");
		goto out;
	}
	for (;;) {
		int h = archive_read_next_header(tar, &e);

		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = u->read_error ? u->read_error
					  : error_set(err, -EBADMSG, "Failed to unpack %s: %s",
						      layer(u), archive_error_string(tar));
			goto out;
		}
		r = apply_entry(u, tar, e);
		if (r < 0)
			goto out;
	}
	r = drain(u);
	if (r < 0)
		goto out;
	stop_thread(u);
	apply_dir_times(u);
	r = digest_end_hex(u->digest, got);
	if (r < 0) {
		r = error_set(err, r, "Failed to unpack %s: cannot hash it", layer(u));
		goto out;
	}
	if (o->diff_id && strcmp(got, o->diff_id) != 0) {
		r = error_set(
		    err, -EBADMSG,
		    "Failed to unpack %s: its content is '%s', not the diff_id '%s' of the "
		    "image's config",
		    layer(u), got, o->diff_id);
		goto out;
	}
	r = 0;
out:
	stop_thread(u);
	if (u->raw)
		archive_read_free(u->raw);
	free(u->gunzip);
	digest_free(u->digest);
	unpack_done(u);
	free(u);
	return r;
}
