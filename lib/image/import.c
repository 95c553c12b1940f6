/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Images into the store from archives and layouts. See import.h. */
#include "lib/image/import.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/rmtree.h"
#include "lib/image/imageconfig.h"
#include "lib/image/imageref.h"
#include "lib/image/manifest.h"
#include "lib/image/tarpath.h"
#include "lib/shared/json.h"

#define JSON_MAX	(4 * 1024 * 1024)
#define LOCK_TIMEOUT_MS (10 * 60 * 1000)
#define COPY_BLOCK	(256 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct manifest *, manifest_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct imageconfig *, imageconfig_free)

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

/* One component: no '/', not "." or "..", not empty. */
static bool component(const char *s, size_t n)
{
	return n > 0 && !memchr(s, '/', n) && !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* The names an OCI or docker-save archive has (a clean path). */
static bool name_allowed(const char *p, bool dir)
{
	const char *slash = strchr(p, '/');

	if (dir)
		return strcmp(p, "blobs") == 0 || strcmp(p, "blobs/sha256") == 0 ||
		       component(p, strlen(p));
	if (!slash)
		return strcmp(p, "oci-layout") == 0 || strcmp(p, "index.json") == 0 ||
		       strcmp(p, "manifest.json") == 0 || strcmp(p, "repositories") == 0 ||
		       (strlen(p) > 5 && strcmp(p + strlen(p) - 5, ".json") == 0) ||
		       (strlen(p) > 4 && strcmp(p + strlen(p) - 4, ".tar") == 0);
	if (strncmp(p, "blobs/sha256/", 13) == 0)
		return is_hex64(p + 13);
	return component(p, (size_t)(slash - p)) &&
	       (strcmp(slash, "/layer.tar") == 0 || strcmp(slash, "/json") == 0 ||
		strcmp(slash, "/VERSION") == 0);
}

/*
 * A docker-save's legacy "<id>/layer.tar" symlink to "../<digest>.tar" or
 * "../<id2>/layer.tar": skipped, never followed.
 */
static bool legacy_layer_link(const char *name, const char *target)
{
	const char *slash = strchr(name, '/'), *rest;

	if (!slash || strcmp(slash, "/layer.tar") != 0 ||
	    !component(name, (size_t)(slash - name)) || !target || strncmp(target, "../", 3) != 0)
		return false;
	rest = target + 3;
	slash = strchr(rest, '/');
	if (!slash)
		return strlen(rest) > 4 && strcmp(rest + strlen(rest) - 4, ".tar") == 0 &&
		       component(rest, strlen(rest));
	return strcmp(slash, "/layer.tar") == 0 && component(rest, (size_t)(slash - rest));
}

/* An O_DIRECTORY fd of a directory below dirfd, made if missing, never through a symlink. */
static int subdir(int dirfd, const char *name)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The directory fd for a clean path's parent (at most two levels: blobs/sha256). */
static int parent_of(int top, const char *p, const char **ret_base)
{
	const char *slash = strrchr(p, '/');
	char dir[128];
	int fd = -1, r;

	*ret_base = slash ? slash + 1 : p;
	if (!slash)
		return fcntl(top, F_DUPFD_CLOEXEC, 3);
	if ((size_t)(slash - p) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, p, (size_t)(slash - p));
	dir[slash - p] = '\0';
	if (strcmp(dir, "blobs/sha256") == 0) {
		_cleanup_close_ int blobs = subdir(top, "blobs");

		if (blobs < 0)
			return blobs;
		return subdir(blobs, "sha256");
	}
	r = subdir(top, dir);
	fd = r;
	return fd;
}

static int extract(const char *path, int top, struct lxcri_error *err)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	char clean[4096], q[ESCAPE_BUFSIZE];
	static char buf[COPY_BLOCK];
	int h;

	if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, path, COPY_BLOCK) != ARCHIVE_OK)
		return error_set(err, -EINVAL, "Failed to import '%s': %s", path,
				 a ? archive_error_string(a) : "no memory");
	while ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
		mode_t type = archive_entry_filetype(e);
		_cleanup_close_ int dirfd = -1, fd = -1;
		const char *base;
		la_ssize_t n;

		/* manifest.json names the layer files themselves: the legacy links are not needed.
		 */
		if (type == AE_IFLNK && tarpath_clean(name, clean, sizeof(clean), err) == 0 &&
		    legacy_layer_link(clean, archive_entry_symlink(e)))
			continue;
		if (tarpath_clean(name, clean, sizeof(clean), err) < 0 || strcmp(clean, ".") == 0 ||
		    archive_entry_hardlink(e) || (type != AE_IFREG && type != AE_IFDIR) ||
		    !name_allowed(clean, type == AE_IFDIR)) {
			if (strcmp(clean, ".") == 0 && type == AE_IFDIR)
				continue;
			return error_set(
			    err, -EINVAL,
			    "Failed to import '%s': the entry '%s' is not one of an OCI "
			    "or docker-save archive (a regular file or directory of the "
			    "names they have)",
			    path, escape_for_message(name, q, sizeof(q)));
		}
		if (type == AE_IFDIR) {
			int r = strcmp(clean, "blobs/sha256") == 0
				    ? parent_of(top, "blobs/sha256/x", &base)
				    : subdir(top, clean);
			if (r < 0)
				return error_set(err, r, "Failed to import '%s': %s", path,
						 strerror(-r));
			close(r);
			continue;
		}
		dirfd = parent_of(top, clean, &base);
		if (dirfd < 0)
			return error_set(err, dirfd, "Failed to import '%s': %s", path,
					 strerror(-dirfd));
		fd =
		    openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return error_set(err, -errno, "Failed to import '%s': the entry '%s': %s",
					 path, escape_for_message(name, q, sizeof(q)),
					 errno == EEXIST ? "it is there twice" : strerror(errno));
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			int r = fileio_write_all(fd, buf, (size_t)n);

			if (r < 0)
				return error_set(err, r, "Failed to import '%s': %s", path,
						 strerror(-r));
		}
		if (n < 0)
			return error_set(err, -EINVAL, "Failed to import '%s': %s", path,
					 archive_error_string(a));
	}
	if (h != ARCHIVE_EOF)
		return error_set(err, -EINVAL, "Failed to import '%s': %s", path,
				 archive_error_string(a));
	return 0;
}

/* A file of the layout or archive (a regular file, no symlink), whole. */
static int read_json_file(int top, const char *rel, const char *what, char **ret, size_t *ret_size,
			  struct lxcri_error *err)
{
	_cleanup_close_ int fd = openat(top, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return error_set(err, -errno, "Failed to import %s: no %s (%s)", what, rel,
				 strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_set(err, -EINVAL, "Failed to import %s: %s is not a regular file",
				 what, rel);
	r = fileio_read_fd(fd, JSON_MAX, ret, ret_size);
	if (r < 0)
		return error_set(err, r, "Failed to import %s: %s: %s", what, rel, strerror(-r));
	return 0;
}

/* Copies a file (fd) into the store as the blob digest of size bytes, verified. */
static int copy_blob(struct store *s, int fd, const char *digest, uint64_t size,
		     struct lxcri_error *err)
{
	struct store_blob_writer *w = NULL;
	static char buf[COPY_BLOCK];
	uint64_t resume;
	ssize_t n;
	int r;

	r = store_blob_begin(s, digest, size, &w, &resume, err);
	if (r == STORE_BLOB_PRESENT || r < 0)
		return r < 0 ? r : 0;
	if (resume > 0 && (r = store_blob_restart(w, err)) < 0) {
		store_blob_abort(w, false);
		return r;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if ((r = store_blob_write(w, buf, (size_t)n, err)) < 0) {
			store_blob_abort(w, false);
			return r;
		}
	if (n < 0) {
		store_blob_abort(w, false);
		return error_set(err, -errno, "Failed to read the blob '%s': %s", digest,
				 strerror(errno));
	}
	return store_blob_commit(w, err);
}

static int open_layout_blob(int top, const char *digest, struct lxcri_error *err)
{
	char rel[128];
	int fd;

	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest_hex(digest));
	fd = openat(top, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno, "Failed to import: the layout has no blob '%s'",
				 digest);
	return fd;
}

/* The tag of an image: the caller's, else a reference-shaped name of the archive's. */
static int tag_name(const char *given, const char *own, char *buf, size_t size,
		    struct lxcri_error *err)
{
	struct image_ref ref;
	char q[ESCAPE_BUFSIZE];
	const char *n = given ? given : own;

	if (!n || (!given && !strchr(n, '/') && !strchr(n, ':')))
		return error_set(
		    err, -EINVAL,
		    "Failed to import: the archive names no image%s%s%s; give it a name "
		    "(--name <reference>)",
		    n ? " ('" : "", n ? escape_for_message(n, q, sizeof(q)) : "",
		    n ? "' is no reference)" : "");
	if (image_ref_parse(n, &ref, err) < 0)
		return -EINVAL;
	if (image_ref_format(&ref, buf, size) < 0)
		return error_set(err, -ENAMETOOLONG, "Failed to import: the name is too long");
	return 0;
}

static const char *annotation(struct json_object *d, const char *key)
{
	struct json_object *a, *v;

	if (!json_object_object_get_ex(d, "annotations", &a) ||
	    !json_object_object_get_ex(a, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int import_layout(struct store *s, int top, const char *path, const char *name,
			 const struct platform *platform, struct import_result *res,
			 struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *body = NULL;
	_cleanup_json_ struct json_object *index = NULL;
	_cleanup_(manifest_freep) struct manifest *top_m = NULL, *m = NULL;
	struct json_object *list, *first;
	struct store_descriptor tag = { 0 };
	const struct manifest_descriptor *d;
	char why[256], what[PATH_MAX + 8], digest[DIGEST_SIZE];
	size_t size;
	int r;

	snprintf(what, sizeof(what), "'%s'", path);
	r = read_json_file(top, "index.json", what, &text, &size, err);
	if (r < 0)
		return r;
	if (json_parse_strict(text, size, &index, why, sizeof(why)) < 0 ||
	    !json_object_object_get_ex(index, "manifests", &list) ||
	    !json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0)
		return error_set(err, -EINVAL, "Failed to import '%s': index.json lists no image",
				 path);
	/* The index.json is an index: what it lists is parsed as one. */
	r = manifest_parse(MEDIA_TYPE_OCI_INDEX, text, size, &top_m, err);
	if (r < 0)
		return r;
	first = json_object_array_get_idx(list, 0);
	r = tag_name(name,
		     annotation(first, "io.containerd.image.name")
			 ? annotation(first, "io.containerd.image.name")
			 : annotation(first, STORE_REF_NAME_ANNOTATION),
		     res->name, sizeof(res->name), err);
	if (r < 0)
		return r;
	d = &top_m->manifests[0];
	for (int depth = 0;; depth++) {
		_cleanup_close_ int fd = open_layout_blob(top, d->digest, err);

		if (fd < 0)
			return fd;
		free(body);
		body = NULL;
		r = fileio_read_fd(fd, MANIFEST_MAX_SIZE, &body, &size);
		if (r < 0 || digest_of_data(body, size, digest) < 0 || strcmp(digest, d->digest))
			return error_set(err, -EBADMSG,
					 "Failed to import '%s': the blob '%s' is not what its "
					 "digest says",
					 path, d->digest);
		manifest_free(m);
		m = NULL;
		r = manifest_parse(d->media_type, body, size, &m, err);
		if (r < 0)
			return r;
		if (m->kind == MANIFEST_IMAGE)
			break;
		if (depth > 0)
			return error_set(err, -ENOTSUP, "Failed to import '%s': nested indexes",
					 path);
		memcpy(tag.index_digest, d->digest, DIGEST_SIZE);
		r = manifest_select(m, platform, &d, err);
		if (r < 0)
			return r;
		/* d points into m, which the next round replaces: keep the index as top_m. */
		manifest_free(top_m);
		top_m = TAKE_PTR(m);
	}
	for (size_t i = 0; i <= m->n_layers; i++) {
		const struct manifest_descriptor *b = i < m->n_layers ? &m->layers[i] : &m->config;
		_cleanup_close_ int fd = open_layout_blob(top, b->digest, err);

		if (fd < 0)
			return fd;
		r = copy_blob(s, fd, b->digest, b->size, err);
		if (r < 0)
			return r;
	}
	r = store_put_blob(s, body, size, digest, err);
	if (r < 0)
		return r;
	snprintf(tag.media_type, sizeof(tag.media_type), "%s", m->media_type);
	memcpy(tag.digest, digest, DIGEST_SIZE);
	tag.size = size;
	r = store_tag(s, res->name, &tag, err);
	if (r < 0)
		return r;
	memcpy(res->digest, digest, DIGEST_SIZE);
	res->layers = m->n_layers;
	return 0;
}

/* A file named by manifest.json: one of the names the archive may have. */
static int open_member(int top, const char *rel, const char *path, struct lxcri_error *err)
{
	char clean[4096], q[ESCAPE_BUFSIZE];
	struct stat st;
	int fd;

	if (tarpath_clean(rel, clean, sizeof(clean), err) < 0 || !name_allowed(clean, false))
		return error_set(err, -EINVAL, "Failed to import '%s': manifest.json names '%s'",
				 path, escape_for_message(rel, q, sizeof(q)));
	fd = openat(top, clean, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return error_set(err, -ENOENT, "Failed to import '%s': it has no file '%s'", path,
				 escape_for_message(rel, q, sizeof(q)));
	}
	return fd;
}

static int import_docker(struct store *s, int top, const char *path, const char *name,
			 struct import_result *res, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *config = NULL, *manifest = NULL;
	_cleanup_json_ struct json_object *list = NULL, *out = NULL, *arr = NULL;
	_cleanup_(imageconfig_freep) struct imageconfig *cfg = NULL;
	struct json_object *item, *cv, *tags, *layers, *desc;
	struct store_descriptor tag = { 0 };
	char why[256], what[PATH_MAX + 8], config_digest[DIGEST_SIZE];
	size_t size, config_size;
	int r;

	snprintf(what, sizeof(what), "'%s'", path);
	r = read_json_file(top, "manifest.json", what, &text, &size, err);
	if (r < 0)
		return r;
	if (json_parse_strict(text, size, &list, why, sizeof(why)) < 0 ||
	    !json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0 ||
	    !(item = json_object_array_get_idx(list, 0)) ||
	    !json_object_object_get_ex(item, "Config", &cv) ||
	    !json_object_is_type(cv, json_type_string) ||
	    !json_object_object_get_ex(item, "Layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return error_set(
		    err, -EINVAL,
		    "Failed to import '%s': manifest.json is not a docker-save manifest "
		    "(an array of Config, RepoTags, Layers)",
		    path);
	json_object_object_get_ex(item, "RepoTags", &tags);
	r = tag_name(name,
		     tags && json_object_is_type(tags, json_type_array) &&
			     json_object_array_length(tags) > 0
			 ? json_object_get_string(json_object_array_get_idx(tags, 0))
			 : NULL,
		     res->name, sizeof(res->name), err);
	if (r < 0)
		return r;
	{
		_cleanup_close_ int fd = open_member(top, json_object_get_string(cv), path, err);

		if (fd < 0)
			return fd;
		r = fileio_read_fd(fd, JSON_MAX, &config, &config_size);
		if (r < 0)
			return error_set(err, r, "Failed to import '%s': its config: %s", path,
					 strerror(-r));
	}
	r = imageconfig_parse(config, config_size, &cfg, err);
	if (r < 0)
		return r;
	if (cfg->n_diff_ids != json_object_array_length(layers))
		return error_set(
		    err, -EBADMSG,
		    "Failed to import '%s': %zu layers, but %zu diff_ids in its config", path,
		    json_object_array_length(layers), cfg->n_diff_ids);
	out = json_object_new_object();
	arr = json_object_new_array();
	if (!out || !arr)
		return error_oom(err);
	/* Each layer.tar is the uncompressed layer: its digest must be its diff_id. */
	for (size_t i = 0; i < cfg->n_diff_ids; i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);
		_cleanup_close_ int fd = -1;
		char digest[DIGEST_SIZE];
		struct stat st;

		if (!json_object_is_type(l, json_type_string))
			return error_set(err, -EINVAL,
					 "Failed to import '%s': Layers[%zu] is no name", path, i);
		fd = open_member(top, json_object_get_string(l), path, err);
		if (fd < 0)
			return fd;
		r = digest_of_fd(fd, digest, err);
		if (r < 0)
			return r;
		if (strcmp(digest, cfg->diff_ids[i]) != 0)
			return error_set(
			    err, -EBADMSG,
			    "Failed to import '%s': layer %zu is '%s', not the diff_id "
			    "'%s' of its config",
			    path, i + 1, digest, cfg->diff_ids[i]);
		if (lseek(fd, 0, SEEK_SET) < 0 || fstat(fd, &st) < 0)
			return error_set(err, -errno, "Failed to import '%s': %s", path,
					 strerror(errno));
		r = copy_blob(s, fd, digest, (uint64_t)st.st_size, err);
		if (r < 0)
			return r;
		desc = json_object_new_object();
		if (!desc || json_add_string(desc, "mediaType", MEDIA_TYPE_OCI_LAYER) < 0 ||
		    json_add_string(desc, "digest", digest) < 0 ||
		    json_add(desc, "size", json_object_new_int64(st.st_size)) < 0 ||
		    json_object_array_add(arr, desc) < 0)
			return error_oom(err);
		res->layers++;
	}
	r = store_put_blob(s, config, config_size, config_digest, err);
	if (r < 0)
		return r;
	desc = json_object_new_object();
	if (!desc || json_add_string(desc, "mediaType", MEDIA_TYPE_OCI_CONFIG) < 0 ||
	    json_add_string(desc, "digest", config_digest) < 0 ||
	    json_add(desc, "size", json_object_new_int64((int64_t)config_size)) < 0 ||
	    json_add(out, "schemaVersion", json_object_new_int(2)) < 0 ||
	    json_add_string(out, "mediaType", MEDIA_TYPE_OCI_MANIFEST) < 0 ||
	    json_add(out, "config", desc) < 0 || json_add(out, "layers", json_object_get(arr)) < 0)
		return error_oom(err);
	const char *m = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	manifest = m ? strdup(m) : NULL;
	if (!manifest)
		return error_oom(err);
	r = store_put_blob(s, manifest, strlen(manifest), tag.digest, err);
	if (r < 0)
		return r;
	snprintf(tag.media_type, sizeof(tag.media_type), "%s", MEDIA_TYPE_OCI_MANIFEST);
	tag.size = strlen(manifest);
	r = store_tag(s, res->name, &tag, err);
	if (r < 0)
		return r;
	memcpy(res->digest, tag.digest, DIGEST_SIZE);
	return 0;
}

int import_image(struct store *s, const char *path, const char *name,
		 const struct platform *platform, struct import_result *ret,
		 struct lxcri_error *err)
{
	struct import_result res = { 0 };
	struct platform host;
	char tmp[PATH_MAX];
	_cleanup_close_ int top = -1;
	struct stat st;
	bool extracted = false;
	int r;

	if (!platform) {
		platform_host(&host);
		platform = &host;
	}
	if (stat(path, &st) < 0)
		return error_set(err, -errno, "Failed to import '%s': %s", path, strerror(errno));
	r = store_lock_shared(s, LOCK_TIMEOUT_MS, err);
	if (r < 0)
		return r;
	if (S_ISDIR(st.st_mode)) {
		top = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		res.kind = "oci-layout";
		if (top < 0)
			r = error_set(err, -errno, "Failed to import '%s': %s", path,
				      strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		snprintf(tmp, sizeof(tmp), "%s/.import.XXXXXX", store_dir(s));
		if (!mkdtemp(tmp)) {
			r = error_set(err, -errno, "Failed to import '%s': %s", path,
				      strerror(errno));
		} else {
			extracted = true;
			top = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = top < 0 ? error_set(err, -errno, "Failed to import '%s': %s", path,
						strerror(errno))
				    : extract(path, top, err);
		}
	} else {
		r = error_set(err, -EINVAL,
			      "Failed to import '%s': it is neither a directory nor an archive",
			      path);
	}
	if (r >= 0) {
		if (faccessat(top, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			if (extracted)
				res.kind = "oci-archive";
			r = import_layout(s, top, path, name, platform, &res, err);
		} else if (extracted &&
			   faccessat(top, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			res.kind = "docker-archive";
			r = import_docker(s, top, path, name, &res, err);
		} else {
			r = error_set(
			    err, -EINVAL,
			    "Failed to import '%s': it is no OCI layout (index.json) nor a "
			    "docker-save archive (manifest.json)",
			    path);
		}
	}
	if (extracted)
		(void)rmtree(tmp);
	store_unlock(s);
	if (r >= 0 && ret)
		*ret = res;
	return r < 0 ? r : 0;
}
