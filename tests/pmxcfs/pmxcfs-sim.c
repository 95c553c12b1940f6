/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pmxcfs-sim: a FUSE filesystem that behaves like Proxmox VE's pmxcfs
 * (/etc/pve), for the tests of PVE mode. Its rules are read from
 * pve-cluster's sources (src/pmxcfs: pmxcfs.c, memdb.c, status.c,
 * cfs-plug-*.c) and checked against what a real pmxcfs 8.1.3 did
 * (shared/pve/pmxcfs-observed.txt).
 *
 *   pmxcfs-sim --store DIR --node NAME --nodes NAME[,NAME...]
 *              [--cluster NAME] [--max-store BYTES] MOUNTPOINT
 *
 * Runs in the foreground until the mount goes (fusermount3 -u MOUNTPOINT,
 * umount, SIGTERM/SIGINT), then exits 0. Single-threaded.
 *
 * A simulated cluster is one store and one mount per node: every mount
 * gets the same --store and --nodes and its own --node ("this node").
 * A change through one mount is seen through the others at once (no
 * kernel caching: entry, attribute and negative timeouts are 0, direct
 * I/O). The store DIR holds:
 *   DIR/tree/         what the mounts show (plain directories and files)
 *   DIR/.lock         flock(2)ed by every change, so the mounts' checks
 *                     and changes are atomic with respect to each other
 *   DIR/.state/       vmlist-version and vm/<vmid>: the versions .vmlist shows
 *   DIR/.control/quorate   "1" or "0": the cluster has quorum (missing: 1)
 *   DIR/.control/offline   node names (whitespace or comma separated) that
 *                          .members shows offline (missing: none)
 * The control files are read at each operation: a test switches quorum
 * and online state while mounted by writing them.
 *
 * What it enforces, as pmxcfs does:
 * - files show 0640, directories 0755, root:www-data; under priv/ and
 *   nodes/<node>/priv/ 0600 and 0700; whatever mode a creator asks for;
 * - chmod to 0640 (0600 under priv) succeeds, any other mode is EPERM,
 *   on files and directories alike; chown to anything but 0:www-data
 *   (or -1) is EPERM; symlink and mknod give ENOSYS, link EPERM,
 *   setxattr ENOTSUP (operations it does not implement: the kernel says
 *   so); rename flags (RENAME_NOREPLACE, RENAME_EXCHANGE) EINVAL;
 * - a file is at most 1 MiB: a write or truncate past it is EFBIG (the
 *   kernel sends a large write in pieces, so a 2 MiB write() returns
 *   1048576 and the next write gives EFBIG); the store holds at most
 *   --max-store bytes of file data (default 128 MiB), statfs says so, and
 *   a write past it gives ENOSPC (pmxcfs's sources show their 128 MiB in
 *   statfs only; a test can reach this limit without writing 128 MiB);
 * - create of an existing file is EEXIST; rename replaces its target
 *   atomically, renames only empty directories (ENOTEMPTY otherwise) and
 *   no lock directory under priv/lock/ (EACCES);
 * - a vmid is unique across the cluster and the guest types: creating,
 *   or renaming a file into, nodes/<node>/{qemu-server,lxc,openvz}/<vmid>.conf
 *   while that vmid's config lives in another node's or another type's
 *   directory is EEXIST, except the rename of that config itself (a move
 *   between types, or a migration between nodes);
 * - fsync is a no-op; flock(2) and fcntl locks are the kernel's, local to
 *   one mount (one node), as pmxcfs does not implement them either;
 * - without quorum: reads work; files show 0440, directories 0555 (the
 *   root directory stays 0755, as pmxcfs's does) and the links 0555;
 *   create, write, truncate, mkdir, rmdir, unlink, rename and utime give
 *   EACCES; opening for writing and chmod to the allowed mode succeed;
 *   access(W_OK) by root succeeds (default_permissions: the kernel checks);
 * - at the root: the links local -> nodes/<this node>, lxc, qemu-server and
 *   openvz -> nodes/<this node>/<type>, and .members and .vmlist, JSON made
 *   from the tree and the control files at each open, byte for byte in
 *   pmxcfs's format (.vmlist sorted by vmid); writing them is EIO, removing
 *   or renaming any of these EACCES;
 * - .members: without --cluster the local-mode form ({"nodename", "version"}),
 *   with it the cluster form: node ids in --nodes order, ip 127.0.0.<id>,
 *   online from the control file, quorate from the control file; its
 *   "version" grows when this mount sees the online set change;
 * - .vmlist: "version" grows with every change of a guest config, and a
 *   guest's "version" is the vmlist version of its config's last change;
 * - utime of a lock directory under priv/lock/ to an older time is EACCES,
 *   unless the lock is older than 120 s: then it is removed (cfs_lock's
 *   unlock request), and the caller gets ENOENT as from pmxcfs, whose
 *   libfuse reads the attributes of the removed directory back.
 *
 * What only a real node shows: corosync and the replication between
 * nodes (here all nodes share one store and see changes at once, where
 * real nodes lag), quorum that is lost by itself when nodes go (here
 * quorum and online state are independent switches), cluster-wide cfs
 * locks with their timeouts as each node measures them, the IPC
 * interface (pvesh, PVE::Cluster's cfs_* calls), .version, .rrd,
 * .clusterlog and .debug, the 256k inode limit, and the behaviour of the
 * real database on a full disk.
 */
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"

#define MAX_FILE_SIZE	  (1024 * 1024)
#define DEFAULT_MAX_STORE (128 * 1024 * 1024)
#define BLOCK_SIZE	  4096
#define MAX_INODES	  (256 * 1024)
#define LOCK_TIMEOUT	  120
#define WWW_DATA_FALLBACK 33
#define MAX_NODES	  64
#define MAX_NODENAME	  64
#define VMLIST_INITIAL	  64
#define O_DIRECTORY_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)

enum vmtype { VMTYPE_QEMU, VMTYPE_LXC, VMTYPE_OPENVZ };

static const char *const vmtype_dir[] = { "qemu-server", "lxc", "openvz" };
static const char *const vmtype_name[] = { "qemu", "lxc", "openvz" };

struct vmconf {
	uint32_t vmid;
	enum vmtype type;
	char node[MAX_NODENAME];
};

struct sim {
	int tree_fd;
	int state_fd;
	int control_fd;
	int lock_fd;
	const char *node;
	char *nodes[MAX_NODES];
	size_t n_nodes;
	const char *cluster;
	uint64_t max_store;
	gid_t gid;
	unsigned members_version;
	char offline_seen[MAX_NODES];
};

static struct sim sim = { .tree_fd = -1, .state_fd = -1, .control_fd = -1, .lock_fd = -1 };

/* An open file: a backing fd, or the content of .members/.vmlist. */
struct handle {
	int fd;
	char *data;
	size_t len;
};

static const char *const links[] = { "local", "lxc", "qemu-server", "openvz" };
static const char *const generated[] = { ".members", ".vmlist" };

/* --- paths --- */

/* The path inside the tree: "" for the root becomes ".". */
static const char *tree_path(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static bool is_root(const char *path)
{
	return strcmp(tree_path(path), ".") == 0;
}

static int link_index(const char *path)
{
	const char *p = tree_path(path);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (strcmp(p, links[i]) == 0)
			return (int)i;
	return -1;
}

static bool is_generated(const char *path)
{
	const char *p = tree_path(path);
	for (size_t i = 0; i < sizeof(generated) / sizeof(generated[0]); i++)
		if (strcmp(p, generated[i]) == 0)
			return true;
	return false;
}

/* The entries pmxcfs serves itself, which the tree cannot change. */
static bool is_virtual(const char *path)
{
	return link_index(path) >= 0 || is_generated(path);
}

/* Where the link points: local -> nodes/<node>, lxc -> nodes/<node>/lxc. */
static void link_target(int index, char *buf, size_t size)
{
	if (index == 0)
		snprintf(buf, size, "nodes/%s", sim.node);
	else
		snprintf(buf, size, "nodes/%s/%s", sim.node, links[index]);
}

/* priv/... and nodes/<node>/priv/... (pmxcfs's path_is_private). */
static bool path_is_private(const char *path)
{
	const char *p = tree_path(path);

	if (strncmp(p, "priv", 4) == 0 && (p[4] == '\0' || p[4] == '/'))
		return true;
	if (strncmp(p, "nodes/", 6) != 0)
		return false;
	p = strchr(p + 6, '/');
	return p && strncmp(p, "/priv", 5) == 0 && (p[5] == '\0' || p[5] == '/');
}

/* A cfs lock: a directory priv/lock/<name>. */
static bool path_is_lockdir(const char *path)
{
	const char *p = tree_path(path);
	return strncmp(p, "priv/lock/", 10) == 0 && p[10] != '\0' && !strchr(p + 10, '/');
}

/* Letters, digits, and hyphens inside (pmxcfs's valid_nodename). */
static bool valid_nodename(const char *name, size_t len)
{
	if (len < 1 || len >= MAX_NODENAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c == '-' && i != 0 && i != len - 1))
			continue;
		return false;
	}
	return true;
}

/* "<vmid>.conf" with a vmid from 1 to 2^32-1 without leading zeros. */
static bool name_is_vm_config(const char *name, uint32_t *ret_vmid)
{
	char *end = NULL;
	unsigned long long vmid;

	if (name[0] < '1' || name[0] > '9')
		return false;
	errno = 0;
	vmid = strtoull(name, &end, 10);
	if (errno != 0 || vmid > UINT32_MAX || strcmp(end, ".conf") != 0)
		return false;
	*ret_vmid = (uint32_t)vmid;
	return true;
}

/* nodes/<node>/{qemu-server,lxc,openvz}/<vmid>.conf */
static bool path_is_vm_config(const char *path, struct vmconf *ret)
{
	const char *p = tree_path(path), *node, *type, *name;
	size_t node_len;

	if (strncmp(p, "nodes/", 6) != 0)
		return false;
	node = p + 6;
	type = strchr(node, '/');
	if (!type)
		return false;
	node_len = (size_t)(type - node);
	type++;
	name = strchr(type, '/');
	if (!name || strchr(name + 1, '/') || !valid_nodename(node, node_len))
		return false;
	for (size_t t = 0; t < sizeof(vmtype_dir) / sizeof(vmtype_dir[0]); t++) {
		if (strlen(vmtype_dir[t]) != (size_t)(name - type) ||
		    strncmp(type, vmtype_dir[t], (size_t)(name - type)) != 0)
			continue;
		if (!name_is_vm_config(name + 1, &ret->vmid))
			return false;
		ret->type = (enum vmtype)t;
		memcpy(ret->node, node, node_len);
		ret->node[node_len] = '\0';
		return true;
	}
	return false;
}

/* A directory below dir_fd, for readdir(); NULL and errno if it cannot be opened. */
static DIR *opendir_at(int dir_fd, const char *path)
{
	int fd = openat(dir_fd, path, O_DIRECTORY_FLAGS);
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir)
		closep(&fd);
	return dir;
}

#define _cleanup_closedir_ _cleanup_(closedirp)

/* --- the store: lock, control files, versions --- */

static void store_unlockp(int *locked)
{
	if (*locked > 0)
		flock(sim.lock_fd, LOCK_UN);
	*locked = 0;
}

/* 1 when the store is locked, or -errno. */
static int store_lock(void)
{
	if (flock(sim.lock_fd, LOCK_EX) < 0)
		return -errno;
	return 1;
}

/* A small file of dirfd into buf (NUL-terminated); -errno if it cannot be read. */
static int read_small_file(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static bool quorate(void)
{
	char buf[16];

	if (read_small_file(sim.control_fd, "quorate", buf, sizeof(buf)) < 0)
		return true;
	return buf[0] != '0';
}

static bool node_offline(const char *node)
{
	char buf[4096];
	char *save = NULL;

	if (read_small_file(sim.control_fd, "offline", buf, sizeof(buf)) < 0)
		return false;
	for (char *t = strtok_r(buf, " \t\r\n,", &save); t; t = strtok_r(NULL, " \t\r\n,", &save))
		if (strcmp(t, node) == 0)
			return true;
	return false;
}

/*
 * Every change of the tree starts here: never of pmxcfs's own entries (the
 * root, the links, .members, .vmlist; no path: an open file since removed),
 * only with quorum, and under the store lock. 1, or -errno.
 */
static int change_begin(const char *path)
{
	if (path && (is_virtual(path) || is_root(path)))
		return -EACCES;
	if (!quorate())
		return -EACCES;
	return store_lock();
}

#define CHANGE_BEGIN(var, path)                                                                    \
	_cleanup_(store_unlockp) int var = change_begin(path);                                     \
	if (var < 0)                                                                               \
		return var;

static unsigned read_version(const char *name)
{
	char buf[32];

	if (read_small_file(sim.state_fd, name, buf, sizeof(buf)) < 0)
		return 0;
	return (unsigned)strtoul(buf, NULL, 10);
}

/* Written whole under the store lock: a temp file renamed over the old one. */
static int write_version(const char *name, unsigned value)
{
	char tmp[PATH_MAX], buf[32];
	_cleanup_close_ int fd = -1;
	int len = snprintf(buf, sizeof(buf), "%u\n", value);

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(sim.state_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		return -EIO;
	if (renameat(sim.state_fd, tmp, sim.state_fd, name) < 0)
		return -errno;
	return 0;
}

/* A guest config was written or moved in: it gets the next vmlist version. */
static void vm_registered(const struct vmconf *vm)
{
	char name[32];
	unsigned version = read_version("vmlist-version") + 1;

	snprintf(name, sizeof(name), "vm/%" PRIu32, vm->vmid);
	write_version("vmlist-version", version);
	write_version(name, version);
}

static void vm_deleted(const struct vmconf *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "vm/%" PRIu32, vm->vmid);
	write_version("vmlist-version", read_version("vmlist-version") + 1);
	unlinkat(sim.state_fd, name, 0);
}

/* --- the vmlist, made from the tree --- */

struct vmlist {
	struct vmconf *vms;
	size_t n, cap;
};

static void vmlist_freep(struct vmlist *l)
{
	free(l->vms);
	l->vms = NULL;
	l->n = l->cap = 0;
}

static int vmlist_add(struct vmlist *l, uint32_t vmid, enum vmtype type, const char *node)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : VMLIST_INITIAL;
		struct vmconf *vms = realloc(l->vms, cap * sizeof(*vms));
		if (!vms)
			return -ENOMEM;
		l->vms = vms;
		l->cap = cap;
	}
	l->vms[l->n].vmid = vmid;
	l->vms[l->n].type = type;
	snprintf(l->vms[l->n].node, sizeof(l->vms[l->n].node), "%s", node);
	l->n++;
	return 0;
}

static int vmlist_add_dir(struct vmlist *l, const char *node, enum vmtype type)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	int r = 0;

	snprintf(path, sizeof(path), "nodes/%s/%s", node, vmtype_dir[type]);
	dir = opendir_at(sim.tree_fd, path);
	if (!dir)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while (r == 0 && (de = readdir(dir))) {
		uint32_t vmid;
		if (de->d_type == DT_REG && name_is_vm_config(de->d_name, &vmid))
			r = vmlist_add(l, vmid, type, node);
	}
	return r;
}

/* Every guest config under nodes/: what pmxcfs keeps as its vmlist. */
static int vmlist_load(struct vmlist *l)
{
	_cleanup_closedir_ DIR *dir = opendir_at(sim.tree_fd, "nodes");
	struct dirent *de;
	int r = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || !valid_nodename(de->d_name, strlen(de->d_name)))
			continue;
		for (int t = VMTYPE_QEMU; r == 0 && t <= VMTYPE_OPENVZ; t++)
			r = vmlist_add_dir(l, de->d_name, (enum vmtype)t);
	}
	return r;
}

/*
 * pmxcfs's vmlist_different_vm_exists(): the vmid's config lives on
 * another node or under another type. -EEXIST then, 0 if not.
 */
static int vm_conflict(const struct vmconf *vm)
{
	_cleanup_(vmlist_freep) struct vmlist l = { 0 };
	int r = vmlist_load(&l);

	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n; i++)
		if (l.vms[i].vmid == vm->vmid)
			return l.vms[i].type == vm->type && strcmp(l.vms[i].node, vm->node) == 0
				   ? 0
				   : -EEXIST;
	return 0;
}

static int vmconf_compare(const void *a, const void *b)
{
	uint32_t x = ((const struct vmconf *)a)->vmid, y = ((const struct vmconf *)b)->vmid;
	return x < y ? -1 : x > y;
}

/* An in-memory FILE of which the caller takes the buffer. */
struct text {
	char *data;
	size_t len;
	FILE *f;
};

static int text_open(struct text *t)
{
	t->data = NULL;
	t->len = 0;
	t->f = open_memstream(&t->data, &t->len);
	return t->f ? 0 : -errno;
}

static int text_close(struct text *t, struct handle *h)
{
	if (fclose(t->f) != 0) {
		free(t->data);
		return -EIO;
	}
	h->data = t->data;
	h->len = t->len;
	return 0;
}

/* status.c cfs_create_vmlist_msg() */
static int vmlist_render(struct handle *h)
{
	_cleanup_(vmlist_freep) struct vmlist l = { 0 };
	struct text t;
	char name[32];
	int r = vmlist_load(&l);

	if (r < 0 || (r = text_open(&t)) < 0)
		return r;
	qsort(l.vms, l.n, sizeof(*l.vms), vmconf_compare);
	fprintf(t.f, "{\n");
	if (l.n == 0) {
		fprintf(t.f, "\"version\": %u\n", read_version("vmlist-version"));
	} else {
		fprintf(t.f, "\"version\": %u,\n", read_version("vmlist-version"));
		fprintf(t.f, "\"ids\": {\n");
		for (size_t i = 0; i < l.n; i++) {
			snprintf(name, sizeof(name), "vm/%" PRIu32, l.vms[i].vmid);
			fprintf(t.f,
				"%s\"%" PRIu32 "\": { \"node\": \"%s\", \"type\": \"%s\", "
				"\"version\": %u }",
				i ? ",\n" : "", l.vms[i].vmid, l.vms[i].node,
				vmtype_name[l.vms[i].type], read_version(name));
		}
		fprintf(t.f, "}\n");
	}
	fprintf(t.f, "\n}\n");
	return text_close(&t, h);
}

/* status.c cfs_create_memberlist_msg() */
static int members_render(struct handle *h)
{
	struct text t;
	bool changed = false;
	int r = text_open(&t);

	if (r < 0)
		return r;
	for (size_t i = 0; i < sim.n_nodes; i++) {
		char offline = node_offline(sim.nodes[i]);
		if (offline != sim.offline_seen[i])
			changed = true;
		sim.offline_seen[i] = offline;
	}
	if (changed && sim.cluster)
		sim.members_version++;
	fprintf(t.f, "{\n");
	fprintf(t.f, "\"nodename\": \"%s\",\n", sim.node);
	if (!sim.cluster) {
		fprintf(t.f, "\"version\": %u\n", sim.members_version);
	} else {
		fprintf(t.f, "\"version\": %u,\n", sim.members_version);
		fprintf(t.f, "\"cluster\": { ");
		fprintf(t.f, "\"name\": \"%s\", \"version\": %zu, \"nodes\": %zu, \"quorate\": %d ",
			sim.cluster, sim.n_nodes, sim.n_nodes, quorate() ? 1 : 0);
		fprintf(t.f, "},\n");
		fprintf(t.f, "\"nodelist\": {\n");
		for (size_t i = 0; i < sim.n_nodes; i++)
			fprintf(
			    t.f,
			    "%s  \"%s\": { \"id\": %zu, \"online\": %d, \"ip\": \"127.0.0.%zu\"}",
			    i ? ",\n" : "", sim.nodes[i], i + 1, sim.offline_seen[i] ? 0 : 1,
			    i + 1);
		fprintf(t.f, "\n  }\n");
	}
	fprintf(t.f, "}\n");
	return text_close(&t, h);
}

static int generated_render(const char *path, struct handle *h)
{
	if (strcmp(tree_path(path), ".vmlist") == 0)
		return vmlist_render(h);
	return members_render(h);
}

/* File data in the store, and how many entries: for ENOSPC and statfs. */
static int store_usage(int dir_fd, const char *path, uint64_t *bytes, uint64_t *entries)
{
	_cleanup_closedir_ DIR *dir = opendir_at(dir_fd, path);
	struct dirent *de;
	int r = 0;

	if (!dir)
		return -errno;
	while (r == 0 && (de = readdir(dir))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(*entries)++;
		if (S_ISREG(st.st_mode))
			*bytes += (uint64_t)st.st_size;
		else if (S_ISDIR(st.st_mode))
			r = store_usage(dirfd(dir), de->d_name, bytes, entries);
	}
	return r;
}

/* A file of old_size growing to new_size must fit the file and store limits. */
static int check_size(off_t old_size, off_t new_size)
{
	uint64_t bytes = 0, entries = 0;
	int r;

	if (new_size > MAX_FILE_SIZE)
		return -EFBIG;
	if (new_size <= old_size)
		return 0;
	r = store_usage(sim.tree_fd, ".", &bytes, &entries);
	if (r < 0)
		return r;
	if (bytes + (uint64_t)(new_size - old_size) > sim.max_store)
		return -ENOSPC;
	return 0;
}

/* --- FUSE operations --- */

static void stat_fill(struct stat *st, const char *path, mode_t type, off_t size, time_t mtime)
{
	bool q = quorate();
	mode_t mode;

	memset(st, 0, sizeof(*st));
	if (type == S_IFDIR)
		mode = is_root(path) ? 0755 : q ? 0755 : 0555;
	else if (type == S_IFLNK)
		mode = q ? 0755 : 0555;
	else
		mode = q ? 0640 : 0440;
	if (type != S_IFLNK && path_is_private(path))
		mode &= 0700;
	st->st_mode = type | mode;
	st->st_nlink = type == S_IFDIR ? 2 : 1;
	st->st_uid = 0;
	st->st_gid = sim.gid;
	st->st_size = size;
	st->st_blocks = (size + BLOCK_SIZE - 1) / BLOCK_SIZE * (BLOCK_SIZE / 512);
	st->st_blksize = BLOCK_SIZE;
	st->st_atime = st->st_mtime = st->st_ctime = mtime;
}

/* .members and .vmlist: read-only for everyone, quorum or not. */
static void stat_generated(struct stat *st, size_t len)
{
	stat_fill(st, "", S_IFREG, (off_t)len, time(NULL));
	st->st_mode = S_IFREG | 0440;
}

static int sim_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct stat real;
	int index;

	if (fi && fi->fh) {
		struct handle *h = (struct handle *)(uintptr_t)fi->fh;
		if (h->fd < 0) {
			stat_generated(st, h->len);
			return 0;
		}
		if (fstat(h->fd, &real) < 0)
			return -errno;
		stat_fill(st, path ? path : "", S_IFREG, real.st_size, real.st_mtime);
		return 0;
	}
	if ((index = link_index(path)) >= 0) {
		char target[PATH_MAX];
		link_target(index, target, sizeof(target));
		stat_fill(st, path, S_IFLNK, (off_t)strlen(target), time(NULL));
		return 0;
	}
	if (is_generated(path)) {
		struct handle h = { .fd = -1 };
		int r = generated_render(path, &h);
		if (r < 0)
			return r;
		stat_generated(st, h.len);
		free(h.data);
		return 0;
	}
	if (fstatat(sim.tree_fd, tree_path(path), &real, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(real.st_mode))
		stat_fill(st, path, S_IFDIR, 0, real.st_mtime);
	else if (S_ISREG(real.st_mode))
		stat_fill(st, path, S_IFREG, real.st_size, real.st_mtime);
	else
		return -EIO; /* only put into the store from outside */
	return 0;
}

static int sim_readlink(const char *path, char *buf, size_t size)
{
	int index = link_index(path);

	if (index < 0)
		return -EINVAL;
	link_target(index, buf, size);
	return 0;
}

static int sim_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	_cleanup_closedir_ DIR *dir = opendir_at(sim.tree_fd, tree_path(path));
	struct dirent *de;
	bool root = is_root(path);

	(void)offset;
	(void)fi;
	(void)flags;
	if (!dir)
		return -errno;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	if (root) {
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
			filler(buf, links[i], NULL, 0, 0);
		for (size_t i = 0; i < sizeof(generated) / sizeof(generated[0]); i++)
			filler(buf, generated[i], NULL, 0, 0);
	}
	while ((de = readdir(dir))) {
		char child[PATH_MAX];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_REG)
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (root && is_virtual(child))
			continue;
		filler(buf, de->d_name, NULL, 0, 0);
	}
	return 0;
}

static int sim_mkdir(const char *path, mode_t mode)
{
	(void)mode; /* every directory shows the fixed mode */
	CHANGE_BEGIN(locked, path);
	if (mkdirat(sim.tree_fd, tree_path(path), 0700) < 0)
		return -errno;
	return 0;
}

static int sim_rmdir(const char *path)
{
	CHANGE_BEGIN(locked, path);
	if (unlinkat(sim.tree_fd, tree_path(path), AT_REMOVEDIR) < 0)
		return -errno;
	return 0;
}

static int sim_unlink(const char *path)
{
	struct vmconf vm;

	CHANGE_BEGIN(locked, path);
	if (unlinkat(sim.tree_fd, tree_path(path), 0) < 0)
		return -errno;
	if (path_is_vm_config(path, &vm))
		vm_deleted(&vm);
	return 0;
}

static bool dir_is_empty(const char *path)
{
	_cleanup_closedir_ DIR *dir = opendir_at(sim.tree_fd, tree_path(path));
	struct dirent *de;
	bool empty = true;

	while (dir && empty && (de = readdir(dir)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	return empty;
}

static int sim_rename(const char *from, const char *to, unsigned int flags)
{
	struct vmconf from_vm, to_vm;
	bool from_is_vm, to_is_vm;
	struct stat st;
	int r;

	/* pmxcfs (libfuse 2) has no rename2: the kernel says EINVAL to flags. */
	if (flags)
		return -EINVAL;
	CHANGE_BEGIN(locked, from);
	if (is_virtual(to) || is_root(to))
		return -EACCES;
	if (fstatat(sim.tree_fd, tree_path(from), &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	from_is_vm = path_is_vm_config(from, &from_vm);
	to_is_vm = path_is_vm_config(to, &to_vm);
	if (S_ISREG(st.st_mode) && to_is_vm) {
		r = vm_conflict(&to_vm);
		if (r < 0 && !(from_is_vm && from_vm.vmid == to_vm.vmid))
			return r;
	}
	if (S_ISDIR(st.st_mode) && path_is_lockdir(from))
		return -EACCES;
	/* pmxcfs moves a directory only when it is empty. */
	if (S_ISDIR(st.st_mode) && !dir_is_empty(from))
		return -ENOTEMPTY;
	if (renameat(sim.tree_fd, tree_path(from), sim.tree_fd, tree_path(to)) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && from_is_vm)
		vm_deleted(&from_vm);
	if (S_ISREG(st.st_mode) && to_is_vm)
		vm_registered(&to_vm);
	return 0;
}

static int sim_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	mode_t allowed = path && path_is_private(path) ? 0600 : 0640;

	(void)fi;
	return (mode & 07777) == allowed ? 0 : -EPERM;
}

static int sim_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if ((uid == 0 || uid == (uid_t)-1) && (gid == sim.gid || gid == (gid_t)-1))
		return 0;
	return -EPERM;
}

static int sim_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	_cleanup_close_ int own_fd = -1;
	struct handle *h = fi ? (struct handle *)(uintptr_t)fi->fh : NULL;
	struct vmconf vm;
	struct stat st;
	int fd, r;

	if (h ? h->fd < 0 : path && is_generated(path))
		return -EIO;
	CHANGE_BEGIN(locked, path);
	if (h) {
		fd = h->fd;
	} else {
		own_fd = openat(sim.tree_fd, tree_path(path), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (own_fd < 0)
			return -errno;
		fd = own_fd;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	r = check_size(st.st_size, size);
	if (r < 0)
		return r;
	if (ftruncate(fd, size) < 0)
		return -errno;
	if (path && path_is_vm_config(path, &vm))
		vm_registered(&vm);
	return 0;
}

/* The open file of fi: takes the backing fd, or the generated content. */
static int handle_new(struct fuse_file_info *fi, int *fd, char **data, size_t len)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->fd = TAKE_FD(*fd);
	h->data = TAKE_PTR(*data);
	h->len = len;
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

/* The backing file is opened as the caller asked: O_APPEND then appends at
 * the size the store has now, whichever mount wrote last. */
static int backing_flags(int flags)
{
	return (flags & (O_ACCMODE | O_APPEND)) | O_CLOEXEC | O_NOFOLLOW;
}

static int sim_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	_cleanup_close_ int fd = -1;
	char *no_data = NULL;
	struct vmconf vm;
	bool is_vm = path_is_vm_config(path, &vm);
	int r;

	(void)mode; /* every file shows the fixed mode */
	CHANGE_BEGIN(locked, path);
	if (is_vm && (r = vm_conflict(&vm)) < 0)
		return r;
	fd =
	    openat(sim.tree_fd, tree_path(path), backing_flags(fi->flags) | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	r = handle_new(fi, &fd, &no_data, 0);
	if (r == 0 && is_vm)
		vm_registered(&vm);
	return r;
}

static int sim_open(const char *path, struct fuse_file_info *fi)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *data = NULL;
	struct handle content = { .fd = -1 };
	int r;

	/* .members and .vmlist as they are now, for the reads of this open. */
	if (is_generated(path)) {
		r = generated_render(path, &content);
		if (r < 0)
			return r;
		data = content.data;
		return handle_new(fi, &fd, &data, content.len);
	}
	fd = openat(sim.tree_fd, tree_path(path), backing_flags(fi->flags & ~O_TRUNC));
	if (fd < 0)
		return -errno;
	return handle_new(fi, &fd, &data, 0);
}

static int sim_read(const char *path, char *buf, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	ssize_t n;

	(void)path;
	if (h->fd < 0) {
		if ((size_t)offset >= h->len)
			return 0;
		if (size > h->len - (size_t)offset)
			size = h->len - (size_t)offset;
		memcpy(buf, h->data + offset, size);
		return (int)size;
	}
	n = pread(h->fd, buf, size, offset);
	return n < 0 ? -errno : (int)n;
}

static int sim_write(const char *path, const char *buf, size_t size, off_t offset,
		     struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	struct vmconf vm;
	struct stat st;
	ssize_t n;
	int r;

	if (h->fd < 0)
		return -EIO;
	CHANGE_BEGIN(locked, path);
	if (fstat(h->fd, &st) < 0)
		return -errno;
	if (fi->flags & O_APPEND)
		offset = st.st_size;
	r = check_size(st.st_size, offset + (off_t)size);
	if (r < 0)
		return r;
	n = pwrite(h->fd, buf, size, offset);
	if (n < 0)
		return -errno;
	if (path && path_is_vm_config(path, &vm))
		vm_registered(&vm);
	return (int)n;
}

static int sim_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;

	(void)path;
	if (h->fd >= 0)
		close(h->fd);
	free(h->data);
	free(h);
	return 0;
}

/* The data is in the store already: nothing to flush, as on pmxcfs. */
static int sim_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	return 0;
}

static time_t new_mtime(const struct timespec *tv)
{
	if (tv->tv_nsec == UTIME_NOW)
		return time(NULL);
	return tv->tv_sec;
}

static int sim_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct timespec times[2];
	struct stat st;

	(void)fi;
	if (!path)
		return -EACCES;
	CHANGE_BEGIN(locked, path);
	if (fstatat(sim.tree_fd, tree_path(path), &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (tv[1].tv_nsec == UTIME_OMIT)
		return 0;
	/* pmxcfs keeps one time: the new modification time is atime and mtime. */
	times[0] = times[1] = tv[1];
	/* cfs_lock: an older time asks to unlock, granted when the lock expired. */
	if (S_ISDIR(st.st_mode) && path_is_lockdir(path) && new_mtime(&tv[1]) < st.st_mtime) {
		if (time(NULL) - st.st_mtime <= LOCK_TIMEOUT)
			return -EACCES;
		if (unlinkat(sim.tree_fd, tree_path(path), AT_REMOVEDIR) < 0)
			return -errno;
		return 0;
	}
	if (utimensat(sim.tree_fd, tree_path(path), times, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int sim_statfs(const char *path, struct statvfs *st)
{
	uint64_t bytes = 0, entries = 0;
	int r;

	(void)path;
	r = store_usage(sim.tree_fd, ".", &bytes, &entries);
	if (r < 0)
		return r;
	memset(st, 0, sizeof(*st));
	st->f_bsize = st->f_frsize = BLOCK_SIZE;
	st->f_blocks = (sim.max_store + BLOCK_SIZE - 1) / BLOCK_SIZE;
	st->f_bfree = st->f_bavail = st->f_blocks - (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
	st->f_files = MAX_INODES;
	st->f_ffree = st->f_favail = MAX_INODES - entries;
	st->f_namemax = 256;
	return 0;
}

static void *sim_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/*
	 * pmxcfs speaks FUSE 2.6, where the kernel truncates (setattr) before an
	 * open with O_TRUNC; libfuse3 would pass O_TRUNC on to open instead.
	 */
	conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
	/* Another mount may change any entry at any time: the kernel caches nothing. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->hard_remove = 1;
	cfg->use_ino = 0;
	return NULL;
}

static const struct fuse_operations sim_ops = {
	.init = sim_init,
	.getattr = sim_getattr,
	.readlink = sim_readlink,
	.readdir = sim_readdir,
	.mkdir = sim_mkdir,
	.rmdir = sim_rmdir,
	.unlink = sim_unlink,
	.rename = sim_rename,
	.chmod = sim_chmod,
	.chown = sim_chown,
	.truncate = sim_truncate,
	.create = sim_create,
	.open = sim_open,
	.read = sim_read,
	.write = sim_write,
	.release = sim_release,
	.fsync = sim_fsync,
	.utimens = sim_utimens,
	.statfs = sim_statfs,
};

/* --- setup --- */

static int mkdirat_exist_ok(int dirfd, const char *path, mode_t mode)
{
	if (mkdirat(dirfd, path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The directories pmxcfs has for every node of the cluster. */
static int store_setup(const char *store)
{
	static const char *const node_dirs[] = { "", "/lxc", "/qemu-server", "/openvz", "/priv" };
	_cleanup_close_ int store_fd = -1;
	char path[PATH_MAX];
	int r;

	if (mkdirat_exist_ok(AT_FDCWD, store, 0700) < 0) {
		fprintf(stderr, "Failed to create '%s': %m\n", store);
		return -1;
	}
	store_fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (store_fd < 0 || mkdirat_exist_ok(store_fd, "tree", 0700) < 0 ||
	    mkdirat_exist_ok(store_fd, ".state", 0700) < 0 ||
	    mkdirat_exist_ok(store_fd, ".state/vm", 0700) < 0 ||
	    mkdirat_exist_ok(store_fd, ".control", 0755) < 0) {
		fprintf(stderr, "Failed to set up the store '%s': %m\n", store);
		return -1;
	}
	sim.tree_fd = openat(store_fd, "tree", O_DIRECTORY_FLAGS);
	sim.state_fd = openat(store_fd, ".state", O_DIRECTORY_FLAGS);
	sim.control_fd = openat(store_fd, ".control", O_DIRECTORY_FLAGS);
	sim.lock_fd = openat(store_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sim.tree_fd < 0 || sim.state_fd < 0 || sim.control_fd < 0 || sim.lock_fd < 0) {
		fprintf(stderr, "Failed to open the store '%s': %m\n", store);
		return -1;
	}
	if (flock(sim.lock_fd, LOCK_EX) < 0) {
		fprintf(stderr, "Failed to lock '%s/.lock': %m\n", store);
		return -1;
	}
	r = mkdirat_exist_ok(sim.tree_fd, "nodes", 0700);
	if (r == 0)
		r = mkdirat_exist_ok(sim.tree_fd, "priv", 0700);
	for (size_t i = 0; r == 0 && i < sim.n_nodes; i++)
		for (size_t d = 0; r == 0 && d < sizeof(node_dirs) / sizeof(node_dirs[0]); d++) {
			snprintf(path, sizeof(path), "nodes/%s%s", sim.nodes[i], node_dirs[d]);
			r = mkdirat_exist_ok(sim.tree_fd, path, 0700);
		}
	if (r == 0 && faccessat(sim.control_fd, "quorate", F_OK, 0) < 0) {
		_cleanup_close_ int fd = openat(sim.control_fd, "quorate",
						O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "1\n", 2) != 2)
			r = -errno;
	}
	flock(sim.lock_fd, LOCK_UN);
	if (r < 0) {
		fprintf(stderr, "Failed to create the tree in '%s': %s\n", store, strerror(-r));
		return -1;
	}
	return 0;
}

static int parse_nodes(char *list)
{
	char *save = NULL;

	for (char *n = strtok_r(list, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		if (!valid_nodename(n, strlen(n))) {
			fprintf(stderr,
				"Invalid node name '%s' in --nodes: letters, digits and inner "
				"hyphens, at most %d characters\n",
				n, MAX_NODENAME - 1);
			return -1;
		}
		for (size_t i = 0; i < sim.n_nodes; i++)
			if (strcmp(sim.nodes[i], n) == 0) {
				fprintf(stderr, "Invalid --nodes: '%s' twice\n", n);
				return -1;
			}
		if (sim.n_nodes == MAX_NODES) {
			fprintf(stderr, "Invalid --nodes: more than %d nodes\n", MAX_NODES);
			return -1;
		}
		sim.nodes[sim.n_nodes++] = n;
	}
	return 0;
}

static bool valid_cluster_name(const char *name)
{
	if (!*name || strlen(name) > 15)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: pmxcfs-sim --store DIR --node NAME --nodes NAME[,NAME...] "
		     "[--cluster NAME] [--max-store BYTES] MOUNTPOINT\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "store", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "cluster", required_argument, NULL, 'c' },
		{ "max-store", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *fuse_argv[] = { argv[0], "-o", "default_permissions,allow_other,fsname=/dev/fuse",
			      NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
	const char *store = NULL, *mountpoint;
	char *nodes = NULL, *end = NULL;
	struct fuse *fuse;
	struct group *www_data;
	bool in_cluster = false;
	int c, r;

	sim.max_store = DEFAULT_MAX_STORE;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			store = optarg;
			break;
		case 'n':
			sim.node = optarg;
			break;
		case 'N':
			nodes = optarg;
			break;
		case 'c':
			sim.cluster = optarg;
			break;
		case 'm':
			errno = 0;
			sim.max_store = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || sim.max_store == 0) {
				fprintf(stderr, "Invalid --max-store '%s': a number of bytes\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!store || !sim.node || !nodes || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	mountpoint = argv[optind];
	if (parse_nodes(nodes) < 0)
		return 2;
	for (size_t i = 0; i < sim.n_nodes; i++)
		in_cluster |= strcmp(sim.nodes[i], sim.node) == 0;
	if (!in_cluster) {
		fprintf(stderr, "Invalid --node '%s': not one of --nodes\n", sim.node);
		return 2;
	}
	if (sim.cluster && !valid_cluster_name(sim.cluster)) {
		fprintf(stderr,
			"Invalid --cluster '%s': 1 to 15 letters, digits, '-' or '_' (as pvecm "
			"create)\n",
			sim.cluster);
		return 2;
	}
	www_data = getgrnam("www-data");
	sim.gid = www_data ? www_data->gr_gid : WWW_DATA_FALLBACK;
	sim.members_version = sim.cluster ? 1 : 0;
	for (size_t i = 0; i < sim.n_nodes; i++)
		sim.offline_seen[i] = 0;
	if (store_setup(store) < 0)
		return 1;
	for (size_t i = 0; i < sim.n_nodes; i++)
		sim.offline_seen[i] = node_offline(sim.nodes[i]);

	fuse = fuse_new(&args, &sim_ops, sizeof(sim_ops), NULL);
	if (!fuse) {
		fprintf(stderr, "Failed to create the FUSE filesystem for '%s'\n", mountpoint);
		return 1;
	}
	if (fuse_mount(fuse, mountpoint) != 0) {
		fprintf(stderr, "Failed to mount '%s'\n", mountpoint);
		fuse_destroy(fuse);
		return 1;
	}
	if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0) {
		fprintf(stderr, "Failed to set the signal handlers of '%s'\n", mountpoint);
		fuse_unmount(fuse);
		fuse_destroy(fuse);
		return 1;
	}
	r = fuse_loop(fuse);
	fuse_remove_signal_handlers(fuse_get_session(fuse));
	fuse_unmount(fuse);
	fuse_destroy(fuse);
	fuse_opt_free_args(&args);
	return r < 0 ? 1 : 0;
}
