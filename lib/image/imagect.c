/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A plain LXC container from an image of the store. See imagect.h. */
#include "lib/image/imagect.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/paths.h"
#include "lib/basic/rmtree.h"
#include "lib/basic/safe.h"
#include "lib/basic/strv.h"
#include "lib/image/manifest.h"

#define LOCK_TIMEOUT_MS (10 * 60 * 1000)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct manifest *, manifest_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct imageconfig *, imageconfig_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct procspec *, procspec_free)

void imagect_template_remove(struct imagect_result *r)
{
	if (r->dir[0])
		(void)rmtree(r->dir);
	r->dir[0] = r->template_path[0] = '\0';
}

void imagect_result_free(struct imagect_result *r)
{
	procspec_free(r->process);
	strv_free(r->volumes);
	strv_free(r->exposed_ports);
	r->process = NULL;
	r->volumes = r->exposed_ports = NULL;
}

int imagect_image_key(const char *name, const char *digest, char *buf, size_t size)
{
	int n;

	if (strchr(name, '@'))
		n = snprintf(buf, size, "%s", name);
	else
		n = snprintf(buf, size, "%s@%s", name, digest);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool env_has(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return true;
	return false;
}

int imagect_process(const struct imageconfig *c, const struct passwd_user *u, struct procspec **ret,
		    struct lxcri_error *err)
{
	_cleanup_(procspec_freep) struct procspec *p = calloc(1, sizeof(*p));
	size_t n_argv = 0, n_env = 0;

	if (!p)
		return error_oom(err);
	for (size_t i = 0; c->entrypoint && c->entrypoint[i]; i++)
		if (strv_append(&p->argv, &n_argv, strdup(c->entrypoint[i])) < 0)
			return error_oom(err);
	for (size_t i = 0; c->cmd && c->cmd[i]; i++)
		if (strv_append(&p->argv, &n_argv, strdup(c->cmd[i])) < 0)
			return error_oom(err);
	if (n_argv == 0)
		return error_set(err, -EINVAL,
				 "The image has neither an Entrypoint nor a Cmd: there is nothing "
				 "to run");
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (strv_append(&p->env, &n_env, strdup(c->env[i])) < 0)
			return error_oom(err);
	if (!env_has(p->env, "PATH") &&
	    strv_appendf(&p->env, &n_env, "PATH=%s", IMAGECT_DEFAULT_PATH) < 0)
		return error_oom(err);
	if (!env_has(p->env, "HOME") &&
	    strv_appendf(&p->env, &n_env, "HOME=%s", u->home[0] ? u->home : "/") < 0)
		return error_oom(err);
	p->cwd = strdup(c->working_dir && c->working_dir[0] ? c->working_dir : "/");
	if (!p->cwd)
		return error_oom(err);
	if (p->cwd[0] != '/')
		return error_set(err, -EINVAL, "The image's WorkingDir '%s' is not absolute",
				 p->cwd);
	p->uid = u->uid;
	p->gid = u->gid;
	if (u->n_groups > 0) {
		p->groups = calloc(u->n_groups, sizeof(*p->groups));
		if (!p->groups)
			return error_oom(err);
		memcpy(p->groups, u->groups, u->n_groups * sizeof(*p->groups));
		p->n_groups = u->n_groups;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/* The host id of container id id under the ranges (id itself without ranges); -ERANGE. */
static int map_id(const struct appct_idmap_range *r, size_t n, uint32_t id, uint32_t *ret)
{
	if (n == 0) {
		*ret = id;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (id >= r[i].container_id && id - r[i].container_id < r[i].count) {
			*ret = r[i].host_id + (id - r[i].container_id);
			return 0;
		}
	return -ERANGE;
}

/* The store's image: its tag, manifest and config. */
static int load_image(struct store *s, const char *name, struct store_descriptor *tag,
		      struct manifest **ret_m, struct imageconfig **ret_c, struct lxcri_error *err)
{
	_cleanup_free_ char *body = NULL;
	size_t size;
	int r;

	r = store_resolve(s, name, tag, err);
	if (r < 0)
		return r;
	r = store_read_blob(s, tag->digest, MANIFEST_MAX_SIZE, &body, &size, err);
	if (r < 0)
		return r;
	r = manifest_parse(tag->media_type, body, size, ret_m, err);
	if (r < 0)
		return r;
	if ((*ret_m)->kind != MANIFEST_IMAGE)
		return error_set(err, -ENOTSUP, "'%s' in the store is an index, not an image",
				 name);
	free(body);
	body = NULL;
	r = store_read_blob(s, (*ret_m)->config.digest, 4 << 20, &body, &size, err);
	if (r < 0)
		return r;
	r = imageconfig_parse(body, size, ret_c, err);
	if (r < 0)
		return r;
	if ((*ret_c)->n_diff_ids != (*ret_m)->n_layers)
		return error_set(err, -EBADMSG,
				 "The image '%s' has %zu layers but %zu diff_ids in its config",
				 name, (*ret_m)->n_layers, (*ret_c)->n_diff_ids);
	return 0;
}

static int unpack_layers(const struct imagect_options *o, const struct manifest *m,
			 const struct imageconfig *c, int rootfd, struct unpack_stats *total,
			 struct lxcri_error *err)
{
	struct unpack_idmap uid[APPCT_IDMAP_MAX], gid[APPCT_IDMAP_MAX];

	for (size_t i = 0; i < o->n_uid; i++)
		uid[i] = (struct unpack_idmap){ o->uid[i].container_id, o->uid[i].host_id,
						o->uid[i].count };
	for (size_t i = 0; i < o->n_gid; i++)
		gid[i] = (struct unpack_idmap){ o->gid[i].container_id, o->gid[i].host_id,
						o->gid[i].count };
	for (size_t i = 0; i < m->n_layers; i++) {
		enum manifest_compression comp;
		struct unpack_stats stats = { 0 };
		_cleanup_close_ int fd = -1;
		char name[128];
		int r;

		r = manifest_layer_compression(m->layers[i].media_type, &comp, err);
		if (r < 0)
			return r;
		r = store_open_blob(o->store, m->layers[i].digest, &fd, err);
		if (r < 0)
			return r;
		snprintf(name, sizeof(name), "layer %zu (%.19s)", i + 1, m->layers[i].digest);
		struct unpack_options uo = {
			.diff_id = c->diff_ids[i],
			.uid = o->n_uid ? uid : NULL,
			.gid = o->n_gid ? gid : NULL,
			.n_uid = o->n_uid,
			.n_gid = o->n_gid,
			.skip_devices = o->n_uid > 0,
			.name = name,
		};
		r = unpack_layer(rootfd, fd,
				 comp == MANIFEST_COMPRESSION_GZIP   ? UNPACK_GZIP
				 : comp == MANIFEST_COMPRESSION_ZSTD ? UNPACK_ZSTD
								     : UNPACK_NONE,
				 &uo, &stats, err);
		if (r < 0)
			return r;
		total->entries += stats.entries;
		total->bytes += stats.bytes;
		total->whiteouts += stats.whiteouts;
		total->hardlinks += stats.hardlinks;
		total->devices_skipped += stats.devices_skipped;
	}
	return 0;
}

/* mkdir -p of an image's path inside the rootfs, owned by the container's root. */
static int make_dir_in(int rootfd, const char *what, const char *path, uid_t uid, gid_t gid,
		       struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];
	struct stat st;
	int fd;

	fd = safe_mkdirat(rootfd, path, 0755);
	if (fd < 0)
		return error_set(err, fd, "Failed to make the image's %s '%s' in the rootfs: %s",
				 what, escape_for_message(path, q, sizeof(q)), strerror(-fd));
	/* A directory the image did not have is the container root's. */
	if (fstat(fd, &st) == 0 && st.st_uid == 0 && uid != 0 &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) {
		int e = errno;

		close(fd);
		return error_set(err, -e, "Failed to give the image's %s '%s' to the container: %s",
				 what, escape_for_message(path, q, sizeof(q)), strerror(e));
	}
	close(fd);
	return 0;
}

static int write_process(int dirfd, const struct procspec *p, uid_t uid, gid_t gid,
			 struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t size;
	int r;

	r = procspec_format(p, &text, &size, err);
	if (r < 0)
		return r;
	/* The image's env may hold secrets: only the container's root reads it. */
	fd = openat(dirfd, APPCT_PROCESS_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0 || fchown(fd, uid, gid) < 0 || fileio_write_all(fd, text, size) < 0 ||
	    fsync(fd) < 0)
		return error_set(err, -errno, "Failed to write the process file: %s",
				 strerror(errno));
	return 0;
}

/*
 * The template's /.lxcri: the process file (0600, the container's root's)
 * and the empty mount point of lxcri-init. What the image has there is
 * replaced; a /.lxcri that is not a directory refuses.
 */
static int write_template_files(int rootfd, const struct procspec *p, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1, initfd = -1;
	const char *process = strrchr(APPCT_PROCESS_PATH, '/') + 1,
		   *init = strrchr(APPCT_INIT_PATH, '/') + 1;
	size_t size;
	int r;

	r = procspec_format(p, &text, &size, err);
	if (r < 0)
		return r;
	if (mkdirat(rootfd, ".lxcri", 0755) < 0 && errno != EEXIST)
		return error_set(err, -errno, "Failed to make /.lxcri in the rootfs: %s",
				 strerror(errno));
	dirfd = openat(rootfd, ".lxcri", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return error_set(err, -errno, "The image's /.lxcri is not a directory: %s",
				 strerror(errno));
	(void)unlinkat(dirfd, process, 0);
	(void)unlinkat(dirfd, init, 0);
	fd = openat(dirfd, process, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	initfd = openat(dirfd, init, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (fd < 0 || initfd < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, 0600) < 0 ||
	    fileio_write_all(fd, text, size) < 0 || fsync(fd) < 0)
		return error_set(err, -errno, "Failed to write /.lxcri/process in the rootfs: %s",
				 strerror(errno));
	return 0;
}

/* Only the xattrs PVE's tar extracts (COMMON_TAR_FLAGS): user.* and security.capability. */
static int keep_pve_xattrs(struct archive_entry *e)
{
	struct kept {
		char *name;
		void *value;
		size_t size;
	} kept[64];
	size_t n = 0;
	const char *name;
	const void *value;
	size_t size;
	int r = 0;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, "user.", 5) != 0 && strcmp(name, "security.capability") != 0)
			continue;
		if (n == ELEMENTSOF(kept)) {
			r = -E2BIG;
			break;
		}
		kept[n].name = strdup(name);
		kept[n].value = malloc(size ? size : 1);
		kept[n].size = size;
		if (!kept[n].name || !kept[n].value) {
			free(kept[n].name);
			free(kept[n].value);
			r = -ENOMEM;
			break;
		}
		memcpy(kept[n].value, value, size);
		n++;
	}
	archive_entry_xattr_clear(e);
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			archive_entry_xattr_add_entry(e, kept[i].name, kept[i].value, kept[i].size);
		free(kept[i].name);
		free(kept[i].value);
	}
	return r;
}

/* The entry's data, from the disk reader to the template. */
static int copy_data(struct archive *disk, struct archive *out)
{
	char buf[64 * 1024];
	la_ssize_t n;

	while ((n = archive_read_data(disk, buf, sizeof(buf))) > 0)
		if (archive_write_data(out, buf, (size_t)n) != n)
			return -EIO;
	return n < 0 ? -EIO : 0;
}

/*
 * The rootfs packed into the template as pct reads it (pvect.h), with
 * libarchive: pax, every member "./...", numeric owners only, hardlinks as
 * links, the xattrs PVE's tar extracts; nothing followed, no other file
 * system entered.
 */
static int pack_template(const char *dir, const char *path, struct lxcri_error *err)
{
	struct archive *disk = archive_read_disk_new(), *out = archive_write_new();
	struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
	char root[4096], q[ESCAPE_BUFSIZE];
	size_t root_len;
	int r = 0;

	if (!disk || !out || !links) {
		r = error_oom(err);
		goto done;
	}
	if (paths_join(root, sizeof(root), "%s/rootfs", dir) < 0) {
		r = error_set(err, -ENAMETOOLONG, "The template's rootfs path is too long");
		goto done;
	}
	root_len = strlen(root);
	if (archive_write_set_format_pax_restricted(out) != ARCHIVE_OK ||
	    archive_write_open_filename(out, path) != ARCHIVE_OK ||
	    archive_read_disk_set_symlink_physical(disk) != ARCHIVE_OK ||
	    archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
						     ARCHIVE_READDISK_NO_ACL |
						     ARCHIVE_READDISK_NO_FFLAGS) != ARCHIVE_OK ||
	    archive_read_disk_open(disk, root) != ARCHIVE_OK) {
		r = error_set(err, -EIO, "Failed to make the template '%s': %s", path,
			      archive_error_string(archive_errno(out) ? out : disk)
				  ? archive_error_string(archive_errno(out) ? out : disk)
				  : "libarchive refused");
		goto done;
	}
	archive_entry_linkresolver_set_strategy(links, archive_format(out));
	for (;;) {
		struct archive_entry *e = archive_entry_new(), *spare = NULL;
		const char *name;
		char *member = NULL;
		int h;

		if (!e) {
			r = error_oom(err);
			break;
		}
		h = archive_read_next_header2(disk, e);
		if (h == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		name = archive_entry_pathname(e);
		if (h < ARCHIVE_WARN || !name || strncmp(name, root, root_len) != 0) {
			r = error_set(err, -EIO, "Failed to read the template's rootfs: %s",
				      archive_error_string(disk) ? archive_error_string(disk)
								 : "an entry outside it");
			archive_entry_free(e);
			break;
		}
		(void)archive_read_disk_descend(disk);
		if (asprintf(&member, ".%s%s", name + root_len, name[root_len] ? "" : "/") < 0) {
			archive_entry_free(e);
			r = error_oom(err);
			break;
		}
		archive_entry_copy_pathname(e, member);
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		r = keep_pve_xattrs(e);
		if (r >= 0) {
			/* tar's strategy: the first of a set of hardlinks carries the data, at
			 * once. */
			archive_entry_linkify(links, &e, &spare);
			if (e && archive_write_header(out, e) < ARCHIVE_WARN)
				r = -EIO;
			else if (e && archive_entry_size(e) > 0)
				r = copy_data(disk, out);
		}
		if (r < 0)
			r = error_set(err, r, "Failed to pack '%s' into the template: %s",
				      escape_for_message(member, q, sizeof(q)),
				      archive_error_string(out) ? archive_error_string(out)
								: strerror(-r));
		free(member);
		archive_entry_free(e);
		archive_entry_free(spare);
		if (r < 0)
			break;
	}
	if (r >= 0 && archive_write_close(out) != ARCHIVE_OK)
		r = error_set(err, -EIO, "Failed to write the template '%s': %s", path,
			      archive_error_string(out) ? archive_error_string(out) : "");
done:
	if (links)
		archive_entry_linkresolver_free(links);
	if (disk)
		archive_read_free(disk);
	if (out)
		archive_write_free(out);
	return r;
}

static int write_config(int dirfd, const char *text, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, "config", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fileio_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
		return error_set(err, -errno, "Failed to write the LXC config: %s",
				 strerror(errno));
	return 0;
}

/* Everything in the private directory tmp (an fd of it: dirfd). */
/* The image's process, its User resolved in the rootfs rootfd. */
static int resolve_process(const struct imageconfig *c, int rootfd, struct procspec **ret,
			   struct lxcri_error *err)
{
	struct passwd_user user;
	int r;

	/* An unresolvable User refuses the create: never root instead. */
	r = passwd_resolve(rootfd, c->user ? c->user : "", &user, err);
	if (r < 0)
		return r;
	return imagect_process(c, &user, ret, err);
}

/*
 * The image's layers into the rootfs rootfd, with its Volumes and WorkingDir
 * made; the image's process (resolved in it) in *ret.
 */
static int fill_rootfs(const struct imagect_options *o, const struct manifest *m,
		       const struct imageconfig *c, int rootfd, uint32_t root_uid,
		       uint32_t root_gid, struct imagect_result *res, struct procspec **ret,
		       struct lxcri_error *err)
{
	_cleanup_(procspec_freep) struct procspec *p = NULL;
	int r;

	r = unpack_layers(o, m, c, rootfd, &res->stats, err);
	if (r < 0)
		return r;
	res->layers = m->n_layers;
	r = resolve_process(c, rootfd, &p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; c->volumes && c->volumes[i]; i++) {
		r = make_dir_in(rootfd, "volume", c->volumes[i], root_uid, root_gid, err);
		if (r < 0)
			return r;
	}
	r = make_dir_in(rootfd, "WorkingDir", p->cwd, root_uid, root_gid, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

/* A new directory in dirfd, the container root's. */
static int make_owned_dir(int dirfd, const char *name, uint32_t uid, uint32_t gid,
			  struct lxcri_error *err)
{
	if (mkdirat(dirfd, name, 0755) < 0 ||
	    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set(err, -errno, "Failed to make the container's %s: %s", name,
				 strerror(errno));
	return 0;
}

/*
 * The overlay's lower, res->lower: there already (res->lower_reused), or
 * the image unpacked aside and renamed into place; if another create put
 * one there meanwhile, that one. Its fd in *ret_fd; the image's process in
 * *ret_p when it was unpacked here (NULL otherwise: resolve it in the lower).
 */
static int ensure_lower(const struct imagect_options *o, const struct manifest *m,
			const struct imageconfig *c, uint32_t root_uid, uint32_t root_gid,
			struct imagect_result *res, int *ret_fd, struct procspec **ret_p,
			struct lxcri_error *err)
{
	_cleanup_(procspec_freep) struct procspec *p = NULL;
	char tmp[4096];
	const char *base = strrchr(res->lower, '/') + 1;
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(res->lower, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		res->lower_reused = true;
		*ret_fd = TAKE_FD(fd);
		return 0;
	}
	if (errno != ENOENT)
		return error_set(err, -errno, "Failed to open the image's rootfs '%s': %s",
				 res->lower, strerror(errno));
	/* Traversable by an unprivileged container's root, which mounts it. */
	if (mkdir(o->lower_dir, 0711) < 0 && errno != EEXIST)
		return error_set(err, -errno, "Failed to make '%s': %s", o->lower_dir,
				 strerror(errno));
	if (paths_join(tmp, sizeof(tmp), "%s/.%s.XXXXXX", o->lower_dir, base) < 0)
		return error_set(err, -ENAMETOOLONG, "The image's rootfs path is too long");
	if (!mkdtemp(tmp))
		return error_set(err, -errno, "Failed to make a directory in '%s': %s",
				 o->lower_dir, strerror(errno));
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, root_uid, root_gid) < 0 || fchmod(fd, 0755) < 0)
		r = error_set(err, -errno, "Failed to make the image's rootfs: %s",
			      strerror(errno));
	else
		r = fill_rootfs(o, m, c, fd, root_uid, root_gid, res, &p, err);
	if (r >= 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, res->lower, RENAME_NOREPLACE) < 0) {
		if (errno != EEXIST)
			r = error_set(err, -errno,
				      "Failed to move the image's rootfs into '%s': %s", res->lower,
				      strerror(errno));
		(void)rmtree(tmp);
		closep(&fd);
		if (r >= 0) /* another create made it meanwhile: that one */
			return ensure_lower(o, m, c, root_uid, root_gid, res, ret_fd, ret_p, err);
	}
	if (r < 0) {
		(void)rmtree(tmp);
		return r;
	}
	*ret_fd = TAKE_FD(fd);
	*ret_p = TAKE_PTR(p);
	return 0;
}

/* Everything in the private directory tmp (an fd of it: dirfd). */
static int build(const struct imagect_options *o, const struct manifest *m,
		 const struct imageconfig *c, int dirfd, struct imagect_result *res,
		 struct lxcri_error *err)
{
	_cleanup_(procspec_freep) struct procspec *p = NULL;
	_cleanup_close_ int rootfd = -1;
	_cleanup_free_ char *config = NULL;
	uint32_t root_uid, root_gid;
	const bool overlay = o->kind == IMAGECT_LXC && o->storage == IMAGECT_OVERLAY;
	int r;

	if (map_id(o->uid, o->n_uid, 0, &root_uid) < 0 ||
	    map_id(o->gid, o->n_gid, 0, &root_gid) < 0)
		return error_set(err, -EINVAL, "The id maps do not map the container's root (0)");
	if (overlay) {
		r = ensure_lower(o, m, c, root_uid, root_gid, res, &rootfd, &p, err);
		if (r < 0)
			return r;
		if ((r = make_owned_dir(dirfd, "delta0", root_uid, root_gid, err)) < 0 ||
		    (r = make_owned_dir(dirfd, "work", root_uid, root_gid, err)) < 0)
			return r;
	} else {
		if (mkdirat(dirfd, "rootfs", 0755) < 0 ||
		    (rootfd = openat(dirfd, "rootfs",
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fchown(rootfd, root_uid, root_gid) < 0)
			return error_set(err, -errno, "Failed to make the rootfs: %s",
					 strerror(errno));
		r = fill_rootfs(o, m, c, rootfd, root_uid, root_gid, res, &p, err);
		if (r < 0)
			return r;
	}
	/* A lower another create made: its process resolved in it, as the unpack did. */
	if (!p && (r = resolve_process(c, rootfd, &p, err)) < 0)
		return r;
	r = imageconfig_stop_signal(c, &res->halt_signal, err);
	if (r < 0)
		return r;
	snprintf(res->architecture, sizeof(res->architecture), "%s",
		 c->architecture ? c->architecture : "");
	if (o->kind == IMAGECT_TEMPLATE) {
		r = write_template_files(rootfd, p, err);
		if (r < 0)
			return r;
		r = pack_template(res->dir, res->template_path, err);
		if (r < 0)
			return r;
		goto done;
	}
	r = write_process(dirfd, p, root_uid, root_gid, err);
	if (r < 0)
		return r;

	struct appct a = {
		.id = o->id,
		.lxc_dir = res->dir,
		.lower = overlay ? res->lower : NULL,
		.lxc_config_dir = o->lxc_config_dir,
		.init_path = o->init_path,
		.image = res->image,
		.architecture = c->architecture,
		.halt_signal = res->halt_signal,
		.n_uid = o->n_uid,
		.n_gid = o->n_gid,
	};
	memcpy(a.uid, o->uid, sizeof(a.uid));
	memcpy(a.gid, o->gid, sizeof(a.gid));
	r = appct_lxc_config(&a, &config, err);
	if (r < 0)
		return r;
	r = write_config(dirfd, config, err);
	if (r < 0)
		return r;
done:
	if (strv_copy(c->volumes, &res->volumes) < 0 ||
	    strv_copy(c->exposed_ports, &res->exposed_ports) < 0)
		return error_oom(err);
	res->process = TAKE_PTR(p);
	return 0;
}

/* <lower_dir>/<manifest hex>[-u<c>.<h>.<n>...-g...]: one lower per image and id map. */
static int lower_path(const struct imagect_options *o, const char *manifest_digest, char *buf,
		      size_t size)
{
	const char *hex = strchr(manifest_digest, ':');
	size_t n;
	int w;

	if (!o->lower_dir || !hex)
		return -EINVAL;
	w = snprintf(buf, size, "%s/%s", o->lower_dir, hex + 1);
	if (w < 0 || (size_t)w >= size)
		return -ENAMETOOLONG;
	n = (size_t)w;
	for (size_t i = 0; i < o->n_uid + o->n_gid; i++) {
		const struct appct_idmap_range *r =
		    i < o->n_uid ? &o->uid[i] : &o->gid[i - o->n_uid];

		w = snprintf(buf + n, size - n, "-%c%u.%u.%u", i < o->n_uid ? 'u' : 'g',
			     r->container_id, r->host_id, r->count);
		if (w < 0 || (size_t)w >= size - n)
			return -ENAMETOOLONG;
		n += (size_t)w;
	}
	return 0;
}

int imagect_create(const struct imagect_options *o, struct imagect_result *ret,
		   struct lxcri_error *err)
{
	_cleanup_(manifest_freep) struct manifest *m = NULL;
	_cleanup_(imageconfig_freep) struct imageconfig *c = NULL;
	struct imagect_result res = { 0 };
	struct store_descriptor tag;
	char tmp[4096], q[ESCAPE_BUFSIZE];
	_cleanup_close_ int dirfd = -1;
	struct stat st;
	int r;

	const bool template = o->kind == IMAGECT_TEMPLATE;
	const char *parent = template ? o->work_dir : o->lxc_path;

	if (!o->id || !o->id[0] || strchr(o->id, '/') || o->id[0] == '.')
		return error_set(err, -EINVAL, "Invalid container name '%s'",
				 escape_for_message(o->id ? o->id : "", q, sizeof(q)));
	if (template) {
		if (!parent || !o->template_name || !o->template_name[0] ||
		    strchr(o->template_name, '/') || o->template_name[0] == '.')
			return error_set(err, -EINVAL, "A template needs a directory and a name");
		if (snprintf(tmp, sizeof(tmp), "%s/.template.XXXXXX", parent) >= (int)sizeof(tmp) ||
		    snprintf(res.template_path, sizeof(res.template_path), "%s/%s", tmp,
			     o->template_name) >= (int)sizeof(res.template_path))
			return error_set(err, -ENAMETOOLONG, "The template's path is too long");
	} else {
		if (snprintf(res.dir, sizeof(res.dir), "%s/%s", parent, o->id) >=
			(int)sizeof(res.dir) ||
		    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", parent, o->id) >= (int)sizeof(tmp))
			return error_set(err, -ENAMETOOLONG,
					 "The container's directory is too long");
		if (lstat(res.dir, &st) == 0)
			return error_set(err, -EEXIST, "The container '%s' exists already ('%s')",
					 o->id, res.dir);
	}

	r = store_lock_shared(o->store, LOCK_TIMEOUT_MS, err);
	if (r < 0)
		return r;
	r = load_image(o->store, o->name, &tag, &m, &c, err);
	if (r < 0)
		goto out;
	if (imagect_image_key(o->name, tag.index_digest[0] ? tag.index_digest : tag.digest,
			      res.image, sizeof(res.image)) < 0) {
		r = error_set(err, -ENAMETOOLONG, "The image name '%s' is too long", o->name);
		goto out;
	}
	if (!template && o->storage == IMAGECT_OVERLAY &&
	    lower_path(o, tag.digest, res.lower, sizeof(res.lower)) < 0) {
		r = error_set(err, -EINVAL, "No directory for the image's rootfs, or too long");
		goto out;
	}
	if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
		r = error_set(err, -errno, "Failed to make '%s': %s", parent, strerror(errno));
		goto out;
	}
	if (!mkdtemp(tmp)) {
		r = error_set(err, -errno, "Failed to make a directory in '%s': %s", parent,
			      strerror(errno));
		goto out;
	}
	if (template) { /* private (0700) until pct has read it; the length was checked */
		(void)paths_join(res.dir, sizeof(res.dir), "%s", tmp);
		(void)paths_join(res.template_path, sizeof(res.template_path), "%s/%s", tmp,
				 o->template_name);
	} else
		(void)chmod(tmp, 0755);
	dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		r = error_set(err, -errno, "Failed to open '%s': %s", tmp, strerror(errno));
	else
		r = build(o, m, c, dirfd, &res, err);
	/* Into place only whole; never over a container that appeared meanwhile. */
	if (r >= 0 && !template &&
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, res.dir, RENAME_NOREPLACE) < 0)
		r = error_set(err, -errno, "Failed to move the container into '%s': %s", res.dir,
			      errno == EEXIST ? "it exists already" : strerror(errno));
	if (r < 0) {
		(void)rmtree(tmp);
		imagect_result_free(&res);
		goto out;
	}
	if (ret)
		*ret = res;
	else
		imagect_result_free(&res);
	r = 0;
out:
	store_unlock(o->store);
	return r;
}

/* The LXC configs under lxc_path, concatenated (each at most 1 MiB). */
static int read_lxc_configs(const char *lxc_path, char **ret, size_t *ret_size,
			    struct lxcri_error *err)
{
	_cleanup_(closedirp) DIR *d = opendir(lxc_path);
	_cleanup_free_ char *all = NULL;
	size_t size = 0;
	FILE *f;
	struct dirent *de;

	*ret = NULL;
	*ret_size = 0;
	if (!d)
		return errno == ENOENT ? 0
				       : error_set(err, -errno, "Failed to read '%s': %s", lxc_path,
						   strerror(errno));
	f = open_memstream(&all, &size);
	if (!f)
		return error_oom(err);
	while ((de = readdir(d))) {
		_cleanup_free_ char *text = NULL;
		char path[4096];
		size_t n = 0;

		/* "." and "..", not a container being made (".<id>.XXXXXX"): its config counts. */
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || de->d_name[1] == '.'))
			continue;
		if (paths_join(path, sizeof(path), "%s/%s/config", lxc_path, de->d_name) < 0 ||
		    fileio_read_file(path, 1 << 20, &text, &n) < 0)
			continue;
		fwrite(text, 1, n, f);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return error_oom(err);
	*ret = TAKE_PTR(all);
	*ret_size = size;
	return 0;
}

static uint64_t tree_bytes;
static int add_bytes(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)flag, (void)ftw;
	tree_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

int imagect_prune_lowers(const char *lower_dir, const char *lxc_path, unsigned *ret_n,
			 uint64_t *ret_bytes, struct lxcri_error *err)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_free_ char *configs = NULL;
	size_t size = 0;
	unsigned n = 0;
	uint64_t bytes = 0;
	struct dirent *de;
	int r;

	r = read_lxc_configs(lxc_path, &configs, &size, err);
	if (r < 0)
		return r;
	d = opendir(lower_dir);
	if (!d) {
		if (errno == ENOENT)
			goto done;
		return error_set(err, -errno, "Failed to read '%s': %s", lower_dir,
				 strerror(errno));
	}
	while ((de = readdir(d))) {
		char path[4096], needle[4200];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (paths_join(path, sizeof(path), "%s/%s", lower_dir, de->d_name) < 0 ||
		    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (de->d_name[0] == '.') {
			/* Half made by a create that died: an hour untouched. */
			if (time(NULL) - st.st_mtime < 3600)
				continue;
		} else {
			snprintf(needle, sizeof(needle), "overlay:%s:", path);
			if (configs && memmem(configs, size, needle, strlen(needle)))
				continue;
		}
		tree_bytes = 0;
		(void)nftw(path, add_bytes, 16, FTW_PHYS | FTW_MOUNT);
		r = rmtree(path);
		if (r < 0)
			return error_set(err, r, "Failed to remove the image rootfs '%s': %s", path,
					 strerror(-r));
		n++;
		bytes += tree_bytes;
	}
done:
	if (ret_n)
		*ret_n = n;
	if (ret_bytes)
		*ret_bytes = bytes;
	return 0;
}
