/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/ascii.h"
#include "lib/basic/atomicwrite.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lockfile.h"
#include "lib/shared/json.h"

#define OCI_LAYOUT_FILE	   "oci-layout"
#define INDEX_FILE	   "index.json"
#define BLOBS_DIR	   "blobs/sha256"
#define PARTIAL_DIR	   ".partial"
#define USE_LOCK_FILE	   ".lock"
#define INDEX_LOCK_FILE	   ".index.lock"
#define INDEX_MAX	   (16u << 20)
#define MANIFEST_MAX	   (4u << 20)
#define WALK_DEPTH_MAX	   8
#define INDEX_LOCK_WAIT_MS 60000u
#define COPY_BUFFER_SIZE   (256 * 1024)

#define MEDIA_OCI_INDEX	      "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

struct store {
	char *dir;
	int dir_fd;	/* the layout's directory */
	int blobs_fd;	/* blobs/sha256 */
	int partial_fd; /* blobs/sha256/.partial */
	int lock_fd;	/* .lock while held */
	int lock_mode;	/* LOCK_SH, LOCK_EX or 0 */
};

struct store_blob_writer {
	struct store *store;
	char digest[DIGEST_SIZE];
	uint64_t expected_size;
	uint64_t written;
	int fd; /* the partial file, flock()ed */
	struct digest *hash;
	bool failed; /* a write failed and left bytes that were not hashed */
};

const char *store_dir(const struct store *s)
{
	return s->dir;
}

static int invalid_digest(const char *digest, struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];

	return error_set(err, -EINVAL, "Invalid digest '%s': expected sha256:<64 lowercase hex>",
			 escape_for_message(digest ? digest : "", q, sizeof(q)));
}

static bool ref_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > STORE_REF_NAME_MAX || !ascii_is_alnum(name[0]) ||
	    !ascii_is_alnum(name[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_is_alnum(name[i]) && !strchr("-._:@+/", name[i]))
			return false;
	return true;
}

static int invalid_name(const char *name, struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];

	return error_set(err, -EINVAL,
			 "Invalid image name '%s': expected 1 to %d characters of [A-Za-z0-9] "
			 "and '-._:@+/', beginning and ending with a letter or digit",
			 escape_for_message(name ? name : "", q, sizeof(q)), STORE_REF_NAME_MAX);
}

/* mkdir that is content with a directory already there. */
static int mkdir_existing_ok(int dir_fd, const char *path, mode_t mode)
{
	struct stat st;

	if (mkdirat(dir_fd, path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (fstatat(dir_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* mkdir -p of dir: parents 0755, dir itself 0700. */
static int mkdir_store(const char *dir, struct lxcri_error *err)
{
	_cleanup_free_ char *p = strdup(dir);
	int r;

	if (!p)
		return error_oom(err);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		r = mkdir_existing_ok(AT_FDCWD, p, 0755);
		if (r < 0)
			return error_set_errno(err, r, "Failed to create directory '%s'", p);
		*s = '/';
	}
	r = mkdir_existing_ok(AT_FDCWD, p, 0700);
	if (r < 0)
		return error_set_errno(err, r, "Failed to create directory '%s'", p);
	return 0;
}

static int path_in(const struct store *s, const char *name, char buf[PATH_MAX])
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", s->dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Whether dir has nothing but what a store being created may have left. */
static int empty_but_ours(int dir_fd, bool *ret)
{
	_cleanup_(closedirp) DIR *d = NULL;
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	*ret = true;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "blobs") != 0 && strcmp(e->d_name, INDEX_FILE) != 0 &&
		    strcmp(e->d_name, USE_LOCK_FILE) != 0 &&
		    strcmp(e->d_name, INDEX_LOCK_FILE) != 0 &&
		    strncmp(e->d_name, "." INDEX_FILE ".", strlen("." INDEX_FILE ".")) != 0 &&
		    strncmp(e->d_name, "." OCI_LAYOUT_FILE ".", strlen("." OCI_LAYOUT_FILE ".")) !=
			0)
			*ret = false;
	return 0;
}

static int write_layout_file(struct store *s, const char *name, const char *content,
			     struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (path_in(s, name, path) < 0)
		return error_set(err, -ENAMETOOLONG, "Failed to write '%s/%s': path too long",
				 s->dir, name);
	return atomic_write_file(path, content, strlen(content), 0644, 0, err);
}

/* Reads a small file of the layout (NUL-terminated); -ENOENT as is. */
static int read_layout_file(struct store *s, const char *name, size_t max, char **ret,
			    size_t *ret_size, struct lxcri_error *err)
{
	_cleanup_close_ int fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return error_set_errno(err, -errno, "Failed to open '%s/%s'", s->dir, name);
	r = fileio_read_fd(fd, max, ret, ret_size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s/%s'", s->dir, name);
	return 0;
}

static int check_layout_version(struct store *s, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *v;
	char why[256], q[ESCAPE_BUFSIZE];
	size_t size;
	int r;

	r = read_layout_file(s, OCI_LAYOUT_FILE, 65536, &text, &size, err);
	if (r < 0)
		return r;
	r = json_parse_strict(text, size, &o, why, sizeof(why));
	if (r == -ENODATA)
		snprintf(why, sizeof(why), "it is empty");
	if (r < 0)
		return error_set(err, -EINVAL, "Failed to open image store '%s': %s: %s", s->dir,
				 OCI_LAYOUT_FILE, why);
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "imageLayoutVersion", &v) ||
	    !json_object_is_type(v, json_type_string))
		return error_set(err, -EINVAL,
				 "Failed to open image store '%s': %s has no imageLayoutVersion",
				 s->dir, OCI_LAYOUT_FILE);
	if (strcmp(json_object_get_string(v), STORE_LAYOUT_VERSION) != 0)
		return error_set(err, -EPROTONOSUPPORT,
				 "Failed to open image store '%s': layout version '%s' is not "
				 "known (only " STORE_LAYOUT_VERSION ")",
				 s->dir,
				 escape_for_message(json_object_get_string(v), q, sizeof(q)));
	return 0;
}

static int open_dir_at(int dir_fd, const char *path)
{
	int fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	return fd < 0 ? -errno : fd;
}

int store_open(const char *dir, unsigned flags, struct store **ret, struct lxcri_error *err)
{
	_cleanup_store_ struct store *s = NULL;
	struct stat st;
	int r;

	if (!dir || dir[0] != '/' || strlen(dir) > PATH_MAX - 128)
		return error_set(err, -EINVAL,
				 "Invalid image store directory '%s': not an absolute path",
				 dir ? dir : "");
	s = calloc(1, sizeof(*s));
	if (!s)
		return error_oom(err);
	s->dir_fd = s->blobs_fd = s->partial_fd = s->lock_fd = -1;
	s->dir = strdup(dir);
	if (!s->dir)
		return error_oom(err);
	/* "/var/lib/lxcri/images/" names the same store as without the slash. */
	for (size_t n = strlen(s->dir); n > 1 && s->dir[n - 1] == '/'; n--)
		s->dir[n - 1] = '\0';

	if (flags & STORE_CREATE) {
		r = mkdir_store(s->dir, err);
		if (r < 0)
			return r;
	}
	s->dir_fd = open_dir_at(AT_FDCWD, s->dir);
	if (s->dir_fd == -ENOENT)
		return error_set(err, -ENOENT,
				 "Failed to open image store '%s': no image store there", s->dir);
	if (s->dir_fd < 0)
		return error_set_errno(err, s->dir_fd, "Failed to open image store '%s'", s->dir);

	if (fstatat(s->dir_fd, OCI_LAYOUT_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		bool empty = false;

		if (errno != ENOENT)
			return error_set_errno(err, -errno, "Failed to open image store '%s'",
					       s->dir);
		if (!(flags & STORE_CREATE))
			return error_set(
			    err, -ENOENT,
			    "Failed to open image store '%s': no image store there (no "
			    "%s)",
			    s->dir, OCI_LAYOUT_FILE);
		r = empty_but_ours(s->dir_fd, &empty);
		if (r < 0)
			return error_set_errno(err, r, "Failed to read directory '%s'", s->dir);
		if (!empty)
			return error_set(err, -ENOTEMPTY,
					 "Failed to create image store '%s': the directory is not "
					 "empty and has no %s",
					 s->dir, OCI_LAYOUT_FILE);
		r = mkdir_existing_ok(s->dir_fd, "blobs", 0700);
		if (r >= 0)
			r = mkdir_existing_ok(s->dir_fd, BLOBS_DIR, 0700);
		if (r < 0)
			return error_set_errno(err, r, "Failed to create '%s/%s'", s->dir,
					       BLOBS_DIR);
		if (fstatat(s->dir_fd, INDEX_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = write_layout_file(
			    s, INDEX_FILE,
			    "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_INDEX
			    "\",\"manifests\":[]}",
			    err);
			if (r < 0)
				return r;
		}
		/* Last: its presence says the layout is complete. */
		r = write_layout_file(s, OCI_LAYOUT_FILE,
				      "{\"imageLayoutVersion\":\"" STORE_LAYOUT_VERSION "\"}", err);
		if (r < 0)
			return r;
	}
	r = check_layout_version(s, err);
	if (r < 0)
		return r;

	s->blobs_fd = open_dir_at(s->dir_fd, BLOBS_DIR);
	if (s->blobs_fd == -ENOENT && (flags & STORE_CREATE)) {
		r = mkdir_existing_ok(s->dir_fd, "blobs", 0700);
		if (r >= 0)
			r = mkdir_existing_ok(s->dir_fd, BLOBS_DIR, 0700);
		if (r < 0)
			return error_set_errno(err, r, "Failed to create '%s/%s'", s->dir,
					       BLOBS_DIR);
		s->blobs_fd = open_dir_at(s->dir_fd, BLOBS_DIR);
	}
	if (s->blobs_fd < 0)
		return error_set_errno(err, s->blobs_fd, "Failed to open '%s/%s'", s->dir,
				       BLOBS_DIR);
	/* A store skopeo made has no .partial yet: it is ours to add, read-only stores aside. */
	r = mkdir_existing_ok(s->blobs_fd, PARTIAL_DIR, 0700);
	if (r < 0 && r != -EROFS && r != -EACCES)
		return error_set_errno(err, r, "Failed to create '%s/%s/%s'", s->dir, BLOBS_DIR,
				       PARTIAL_DIR);
	s->partial_fd = open_dir_at(s->blobs_fd, PARTIAL_DIR);
	if (s->partial_fd < 0 && s->partial_fd != -ENOENT)
		return error_set_errno(err, s->partial_fd, "Failed to open '%s/%s/%s'", s->dir,
				       BLOBS_DIR, PARTIAL_DIR);
	*ret = TAKE_PTR(s);
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	store_unlock(s);
	if (s->partial_fd >= 0)
		close(s->partial_fd);
	if (s->blobs_fd >= 0)
		close(s->blobs_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->dir);
	free(s);
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* flock(fd, mode), waiting at most timeout_ms. */
static int flock_wait(int fd, int mode, unsigned timeout_ms)
{
	uint64_t start = monotonic_ms();
	unsigned sleep_ms = 1;

	for (;;) {
		if (flock(fd, mode | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (monotonic_ms() - start >= timeout_ms)
			return -EWOULDBLOCK;
		nanosleep(&(struct timespec){ .tv_nsec = (long)sleep_ms * 1000000 }, NULL);
		if (sleep_ms < 50)
			sleep_ms *= 2;
	}
}

static int store_lock(struct store *s, int mode, unsigned timeout_ms, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (s->lock_mode == mode)
		return 0;
	if (s->lock_mode)
		return error_set(err, -EDEADLK,
				 "Failed to lock image store '%s': it is already locked %s", s->dir,
				 s->lock_mode == LOCK_SH ? "shared" : "exclusive");
	/* The lock file stays: every process must lock the same inode. */
	fd = openat(s->dir_fd, USE_LOCK_FILE, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set_errno(err, -errno, "Failed to open lock file '%s/%s'", s->dir,
				       USE_LOCK_FILE);
	r = flock_wait(fd, mode, timeout_ms);
	if (r == -EWOULDBLOCK)
		return error_set(
		    err, r,
		    "Failed to lock image store '%s': another lxcri command is using it "
		    "(waited %u ms)",
		    s->dir, timeout_ms);
	if (r < 0)
		return error_set_errno(err, r, "Failed to lock image store '%s'", s->dir);
	s->lock_fd = TAKE_FD(fd);
	s->lock_mode = mode;
	return 0;
}

int store_lock_shared(struct store *s, unsigned timeout_ms, struct lxcri_error *err)
{
	return store_lock(s, LOCK_SH, timeout_ms, err);
}

int store_lock_exclusive(struct store *s, unsigned timeout_ms, struct lxcri_error *err)
{
	return store_lock(s, LOCK_EX, timeout_ms, err);
}

void store_unlock(struct store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	s->lock_mode = 0;
}

/* Blobs */

bool store_has_blob(struct store *s, const char *digest)
{
	struct stat st;

	return digest_valid(digest) &&
	       fstatat(s->blobs_fd, digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

int store_open_blob(struct store *s, const char *digest, int *ret_fd, struct lxcri_error *err)
{
	struct stat st;
	int fd;

	if (!digest_valid(digest))
		return invalid_digest(digest, err);
	fd = openat(s->blobs_fd, digest_hex(digest), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return error_set(err, -ENOENT, "Failed to open blob '%s': no blob '%s' in '%s'",
				 digest, digest, s->dir);
	if (fd < 0)
		return error_set_errno(err, -errno, "Failed to open blob '%s' in '%s'", digest,
				       s->dir);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, -EBADMSG,
				 "Failed to open blob '%s' in '%s': not a regular file", digest,
				 s->dir);
	}
	*ret_fd = fd;
	return 0;
}

int store_read_blob(struct store *s, const char *digest, size_t max_size, char **ret,
		    size_t *ret_size, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char actual[DIGEST_SIZE];
	size_t size = 0;
	int r;

	r = store_open_blob(s, digest, &fd, err);
	if (r < 0)
		return r;
	r = fileio_read_fd(fd, max_size, &buf, &size);
	if (r == -EFBIG)
		return error_set(err, r, "Failed to read blob '%s' in '%s': more than %zu bytes",
				 digest, s->dir, max_size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read blob '%s' in '%s'", digest, s->dir);
	r = digest_of_data(buf, size, actual);
	if (r < 0)
		return error_set_errno(err, r, "Failed to compute the digest of blob '%s'", digest);
	if (strcmp(actual, digest) != 0)
		return error_set(err, -EBADMSG,
				 "Failed to read blob '%s' in '%s': it is corrupt, its content has "
				 "digest '%s'",
				 digest, s->dir, actual);
	*ret = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = size;
	return 0;
}

static void writer_free(struct store_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd); /* and with it the lock */
	digest_free(w->hash);
	free(w);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct store_blob_writer *, writer_free)

/* Hashes the fd's first size bytes into w->hash. */
static int hash_existing(struct store_blob_writer *w, uint64_t size)
{
	_cleanup_free_ char *buf = malloc(COPY_BUFFER_SIZE);
	uint64_t done = 0;

	if (!buf)
		return -ENOMEM;
	while (done < size) {
		size_t want =
		    size - done < COPY_BUFFER_SIZE ? (size_t)(size - done) : COPY_BUFFER_SIZE;
		ssize_t n = pread(w->fd, buf, want, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shrank under the lock: nobody may */
		if (digest_update(w->hash, buf, (size_t)n) < 0)
			return -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

static int partial_unavailable(struct store *s, struct lxcri_error *err)
{
	return error_set(err, -EROFS,
			 "Failed to write a blob in '%s': there is no '%s/%s' (read-only store?)",
			 s->dir, BLOBS_DIR, PARTIAL_DIR);
}

int store_blob_begin(struct store *s, const char *digest, uint64_t expected_size,
		     struct store_blob_writer **ret, uint64_t *ret_resume_offset,
		     struct lxcri_error *err)
{
	_cleanup_(writer_freep) struct store_blob_writer *w = NULL;
	const char *hex;
	struct stat st, st_path;
	int r;

	if (!digest_valid(digest))
		return invalid_digest(digest, err);
	hex = digest_hex(digest);
	if (store_has_blob(s, digest))
		return STORE_BLOB_PRESENT;
	if (s->partial_fd < 0)
		return partial_unavailable(s, err);

	w = calloc(1, sizeof(*w));
	if (!w)
		return error_oom(err);
	w->fd = -1;
	w->store = s;
	w->expected_size = expected_size;
	memcpy(w->digest, digest, DIGEST_SIZE);

	for (;;) {
		w->fd = openat(s->partial_fd, hex, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (w->fd < 0)
			return error_set_errno(err, -errno, "Failed to create '%s/%s/%s/%s'",
					       s->dir, BLOBS_DIR, PARTIAL_DIR, hex);
		/* Another pull of the same blob: wait for it, as long as it takes. */
		while (flock(w->fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return error_set_errno(err, -errno, "Failed to lock '%s/%s/%s/%s'",
						       s->dir, BLOBS_DIR, PARTIAL_DIR, hex);
		if (store_has_blob(s, digest))
			return STORE_BLOB_PRESENT; /* it finished it while we waited */
		if (fstat(w->fd, &st) < 0)
			return error_set_errno(err, -errno, "Failed to stat '%s/%s/%s/%s'", s->dir,
					       BLOBS_DIR, PARTIAL_DIR, hex);
		/* It gave up and removed the partial, or a prune did: start over on a new one. */
		if (fstatat(s->partial_fd, hex, &st_path, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st_path.st_dev == st.st_dev && st_path.st_ino == st.st_ino &&
		    S_ISREG(st.st_mode))
			break;
		close(w->fd);
		w->fd = -1;
	}

	r = digest_begin(&w->hash, err);
	if (r < 0)
		return r;
	/* More than the blob can have is not of this blob. */
	if (expected_size != STORE_SIZE_UNKNOWN && (uint64_t)st.st_size > expected_size) {
		if (ftruncate(w->fd, 0) < 0)
			return error_set_errno(err, -errno, "Failed to truncate '%s/%s/%s/%s'",
					       s->dir, BLOBS_DIR, PARTIAL_DIR, hex);
		st.st_size = 0;
	}
	r = hash_existing(w, (uint64_t)st.st_size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s/%s/%s/%s'", s->dir, BLOBS_DIR,
				       PARTIAL_DIR, hex);
	w->written = (uint64_t)st.st_size;
	if (lseek(w->fd, st.st_size, SEEK_SET) < 0)
		return error_set_errno(err, -errno, "Failed to seek in '%s/%s/%s/%s'", s->dir,
				       BLOBS_DIR, PARTIAL_DIR, hex);
	if (ret_resume_offset)
		*ret_resume_offset = w->written;
	*ret = TAKE_PTR(w);
	return 0;
}

int store_blob_write(struct store_blob_writer *w, const void *buf, size_t n,
		     struct lxcri_error *err)
{
	int r;

	if (w->failed)
		return error_set(err, -EIO, "Failed to write blob '%s': a write to it failed",
				 w->digest);
	if (w->expected_size != STORE_SIZE_UNKNOWN &&
	    (n > w->expected_size || w->written > w->expected_size - n))
		return error_set(
		    err, -EFBIG,
		    "Failed to write blob '%s': more than the %llu bytes it should have", w->digest,
		    (unsigned long long)w->expected_size);
	r = fileio_write_all(w->fd, buf, n);
	if (r < 0) {
		/* What a failed write left past w->written is cut off, so that hash and file agree.
		 */
		if (ftruncate(w->fd, (off_t)w->written) < 0 ||
		    lseek(w->fd, (off_t)w->written, SEEK_SET) < 0)
			w->failed = true; /* the file may not be what was hashed */
		return error_set(err, r, "Failed to write blob '%s' in '%s': %s%s", w->digest,
				 w->store->dir, strerror(-r),
				 r == -ENOSPC || r == -EDQUOT ? " (no space left or quota exceeded)"
							      : "");
	}
	r = digest_update(w->hash, buf, n);
	if (r < 0)
		return error_set(err, r, "Failed to hash blob '%s': libcrypto failed", w->digest);
	w->written += n;
	return 0;
}

int store_blob_restart(struct store_blob_writer *w, struct lxcri_error *err)
{
	struct digest *fresh = NULL;
	int r;

	r = digest_begin(&fresh, err);
	if (r < 0)
		return r;
	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0) {
		r = -errno;
		digest_free(fresh);
		return error_set_errno(err, r, "Failed to truncate the partial file of blob '%s'",
				       w->digest);
	}
	digest_free(w->hash);
	w->hash = fresh;
	w->written = 0;
	w->failed = false;
	return 0;
}

uint64_t store_blob_written(const struct store_blob_writer *w)
{
	return w->written;
}

static void partial_remove(struct store_blob_writer *w)
{
	(void)unlinkat(w->store->partial_fd, digest_hex(w->digest), 0);
}

int store_blob_commit(struct store_blob_writer *w_arg, struct lxcri_error *err)
{
	_cleanup_(writer_freep) struct store_blob_writer *w = w_arg;
	struct store *s = w->store;
	const char *hex = digest_hex(w->digest);
	char actual[DIGEST_SIZE];
	int r;

	if (w->failed) {
		partial_remove(w);
		return error_set(err, -EIO, "Failed to store blob '%s': a write to it failed",
				 w->digest);
	}
	if (w->expected_size != STORE_SIZE_UNKNOWN && w->written != w->expected_size) {
		partial_remove(w);
		return error_set(err, -EBADMSG,
				 "Failed to store blob '%s': it has %llu bytes, expected %llu",
				 w->digest, (unsigned long long)w->written,
				 (unsigned long long)w->expected_size);
	}
	r = digest_end_hex(w->hash, actual);
	if (r < 0)
		return error_set(err, r, "Failed to hash blob '%s': libcrypto failed", w->digest);
	if (strcmp(actual, w->digest) != 0) {
		partial_remove(w);
		return error_set(err, -EBADMSG,
				 "Failed to store blob '%s': its content has digest '%s', expected "
				 "'%s'",
				 w->digest, actual, w->digest);
	}
	if (fchmod(w->fd, 0644) < 0 || fsync(w->fd) < 0)
		return error_set_errno(err, -errno, "Failed to write blob '%s' in '%s'", w->digest,
				       s->dir);
	if (renameat(s->partial_fd, hex, s->blobs_fd, hex) < 0)
		return error_set_errno(err, -errno, "Failed to move blob '%s' into '%s/%s'",
				       w->digest, s->dir, BLOBS_DIR);
	if (fsync(s->blobs_fd) < 0)
		return error_set_errno(err, -errno, "Failed to sync '%s/%s'", s->dir, BLOBS_DIR);
	return 0;
}

void store_blob_abort(struct store_blob_writer *w, bool keep_partial)
{
	if (!w)
		return;
	if (!keep_partial)
		partial_remove(w); /* still locked: a waiting writer sees it gone and starts anew */
	writer_free(w);
}

int store_put_blob(struct store *s, const void *buf, size_t n, char ret_digest[DIGEST_SIZE],
		   struct lxcri_error *err)
{
	struct store_blob_writer *w = NULL;
	char digest[DIGEST_SIZE];
	uint64_t resume = 0;
	int r;

	r = digest_of_data(buf, n, digest);
	if (r < 0)
		return error_set(err, r, "Failed to hash a blob: libcrypto failed");
	r = store_blob_begin(s, digest, n, &w, &resume, err);
	if (r < 0)
		return r;
	if (r == 0) {
		if (resume > 0)
			r = store_blob_restart(w, err);
		if (r >= 0)
			r = store_blob_write(w, buf, n, err);
		if (r < 0) {
			store_blob_abort(w, false);
			return r;
		}
		r = store_blob_commit(w, err);
		if (r < 0)
			return r;
	}
	memcpy(ret_digest, digest, DIGEST_SIZE);
	return r;
}

/* index.json */

static int index_read(struct store *s, struct json_object **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *m;
	char why[256];
	size_t size;
	int r;

	r = read_layout_file(s, INDEX_FILE, INDEX_MAX, &text, &size, err);
	if (r < 0)
		return r;
	r = json_parse_strict(text, size, &o, why, sizeof(why));
	if (r == -ENODATA)
		snprintf(why, sizeof(why), "it is empty");
	if (r < 0)
		return error_set(err, -EBADMSG, "Failed to read '%s/%s': %s", s->dir, INDEX_FILE,
				 why);
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "manifests", &m) ||
	    !json_object_is_type(m, json_type_array))
		return error_set(err, -EBADMSG, "Failed to read '%s/%s': it has no manifests array",
				 s->dir, INDEX_FILE);
	*ret = TAKE_PTR(o);
	return 0;
}

static struct json_object *index_manifests(struct json_object *index)
{
	struct json_object *m = NULL;

	json_object_object_get_ex(index, "manifests", &m);
	return m;
}

/* The ref.name of a descriptor, or NULL. */
static const char *descriptor_name(struct json_object *d)
{
	struct json_object *a, *n;

	if (!json_object_object_get_ex(d, "annotations", &a) ||
	    !json_object_object_get_ex(a, STORE_REF_NAME_ANNOTATION, &n) ||
	    !json_object_is_type(n, json_type_string))
		return NULL;
	return json_object_get_string(n);
}

/* Reads mediaType (may be missing: ""), digest and size of a descriptor. */
static int descriptor_parse(struct json_object *o, struct store_descriptor *ret)
{
	struct json_object *mt, *dg, *sz, *a, *id;
	const char *media = "";

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "digest", &dg) ||
	    !json_object_is_type(dg, json_type_string) ||
	    !digest_valid(json_object_get_string(dg)) ||
	    !json_object_object_get_ex(o, "size", &sz) || !json_object_is_type(sz, json_type_int) ||
	    json_object_get_int64(sz) < 0)
		return -EBADMSG;
	if (json_object_object_get_ex(o, "mediaType", &mt)) {
		if (!json_object_is_type(mt, json_type_string) ||
		    strlen(json_object_get_string(mt)) > STORE_MEDIA_TYPE_MAX)
			return -EBADMSG;
		media = json_object_get_string(mt);
	}
	snprintf(ret->media_type, sizeof(ret->media_type), "%s", media);
	memcpy(ret->digest, json_object_get_string(dg), DIGEST_SIZE);
	ret->size = (uint64_t)json_object_get_int64(sz);
	ret->index_digest[0] = '\0';
	if (json_object_object_get_ex(o, "annotations", &a) &&
	    json_object_object_get_ex(a, STORE_INDEX_DIGEST_ANNOTATION, &id)) {
		if (!json_object_is_type(id, json_type_string) ||
		    !digest_valid(json_object_get_string(id)))
			return -EBADMSG;
		memcpy(ret->index_digest, json_object_get_string(id), DIGEST_SIZE);
	}
	return 0;
}

static int index_lock(struct store *s, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (path_in(s, INDEX_LOCK_FILE, path) < 0)
		return error_set(err, -ENAMETOOLONG, "Failed to lock '%s/%s': path too long",
				 s->dir, INDEX_LOCK_FILE);
	return lock_file(path, INDEX_LOCK_WAIT_MS, err);
}

static int index_write(struct store *s, struct json_object *index, struct lxcri_error *err)
{
	char path[PATH_MAX];
	const char *text;

	if (path_in(s, INDEX_FILE, path) < 0)
		return error_set(err, -ENAMETOOLONG, "Failed to write '%s/%s': path too long",
				 s->dir, INDEX_FILE);
	text = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return error_oom(err);
	return atomic_write_file(path, text, strlen(text), 0644, 0, err);
}

/* A copy of index's manifests without those named name; *ret_found says whether there were. */
static int manifests_without(struct json_object *index, const char *name, struct json_object **ret,
			     bool *ret_found)
{
	struct json_object *m = index_manifests(index), *out = json_object_new_array();

	if (!out)
		return -ENOMEM;
	*ret_found = false;
	for (size_t i = 0; i < json_object_array_length(m); i++) {
		struct json_object *d = json_object_array_get_idx(m, i);
		const char *n = descriptor_name(d);

		if (n && strcmp(n, name) == 0) {
			*ret_found = true;
			continue;
		}
		if (json_object_array_add(out, json_object_get(d)) < 0) {
			json_object_put(d);
			json_object_put(out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

static int index_change(struct store *s, const char *name, const struct store_descriptor *add,
			struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *index = NULL, *entry = NULL, *annotations = NULL;
	struct json_object *manifests = NULL;
	_cleanup_close_ int lock = -1;
	bool found;
	int r;

	lock = index_lock(s, err);
	if (lock < 0)
		return lock;
	r = index_read(s, &index, err);
	if (r < 0)
		return r;
	r = manifests_without(index, name, &manifests, &found);
	if (r < 0)
		return error_oom(err);
	/* index takes manifests, whatever the result. */
	if (json_object_object_add(index, "manifests", manifests) < 0)
		return error_oom(err);
	if (!add && !found) {
		char q[ESCAPE_BUFSIZE];

		return error_set(err, -ENOENT, "Failed to remove image '%s': no image '%s' in '%s'",
				 escape_for_message(name, q, sizeof(q)), name, s->dir);
	}
	if (add) {
		entry = json_object_new_object();
		annotations = json_object_new_object();
		if (!entry || !annotations ||
		    json_add_string(entry, "mediaType", add->media_type) < 0 ||
		    json_add_string(entry, "digest", add->digest) < 0 ||
		    json_add(entry, "size", json_object_new_int64((int64_t)add->size)) < 0 ||
		    json_add_string(annotations, STORE_REF_NAME_ANNOTATION, name) < 0 ||
		    (add->index_digest[0] &&
		     json_add_string(annotations, STORE_INDEX_DIGEST_ANNOTATION,
				     add->index_digest) < 0) ||
		    json_add(entry, "annotations", TAKE_PTR(annotations)) < 0 ||
		    json_object_array_add(manifests, json_object_get(entry)) < 0)
			return error_oom(err);
	}
	return index_write(s, index, err);
}

int store_tag(struct store *s, const char *name, const struct store_descriptor *d,
	      struct lxcri_error *err)
{
	if (!ref_name_valid(name))
		return invalid_name(name, err);
	if (!digest_valid(d->digest))
		return invalid_digest(d->digest, err);
	if (d->index_digest[0] && !digest_valid(d->index_digest))
		return invalid_digest(d->index_digest, err);
	if (!d->media_type[0] || d->size > INT64_MAX)
		return error_set(err, -EINVAL,
				 "Failed to tag '%s': the descriptor needs a media type and a size",
				 name);
	return index_change(s, name, d, err);
}

int store_untag(struct store *s, const char *name, struct lxcri_error *err)
{
	if (!ref_name_valid(name))
		return invalid_name(name, err);
	return index_change(s, name, NULL, err);
}

int store_resolve(struct store *s, const char *name, struct store_descriptor *ret,
		  struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *index = NULL;
	struct json_object *m;
	char q[ESCAPE_BUFSIZE];
	int r;

	if (!ref_name_valid(name))
		return invalid_name(name, err);
	r = index_read(s, &index, err);
	if (r < 0)
		return r;
	m = index_manifests(index);
	/* The last of a name wins, should another tool have added it twice. */
	for (size_t i = json_object_array_length(m); i-- > 0;) {
		struct json_object *d = json_object_array_get_idx(m, i);
		const char *n = descriptor_name(d);

		if (!n || strcmp(n, name) != 0)
			continue;
		if (descriptor_parse(d, ret) < 0)
			return error_set(err, -EBADMSG,
					 "Failed to read '%s/%s': the entry of '%s' is not a valid "
					 "descriptor",
					 s->dir, INDEX_FILE, name);
		return 0;
	}
	return error_set(err, -ENOENT, "no image '%s' in '%s'",
			 escape_for_message(name, q, sizeof(q)), s->dir);
}

void store_entries_free(struct store_entry *entries, size_t n)
{
	for (size_t i = 0; entries && i < n; i++)
		free(entries[i].name);
	free(entries);
}

int store_list(struct store *s, struct store_entry **ret, size_t *ret_n, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *index = NULL;
	struct store_entry *entries;
	struct json_object *m;
	size_t n;
	int r;

	r = index_read(s, &index, err);
	if (r < 0)
		return r;
	m = index_manifests(index);
	n = json_object_array_length(m);
	entries = calloc(n ? n : 1, sizeof(*entries));
	if (!entries)
		return error_oom(err);
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(m, i);
		const char *name = descriptor_name(d);

		if (descriptor_parse(d, &entries[i].descriptor) < 0) {
			store_entries_free(entries, i);
			return error_set(
			    err, -EBADMSG,
			    "Failed to read '%s/%s': entry %zu is not a valid descriptor", s->dir,
			    INDEX_FILE, i + 1);
		}
		entries[i].name = strdup(name ? name : "");
		if (!entries[i].name) {
			store_entries_free(entries, i);
			return error_oom(err);
		}
	}
	*ret = entries;
	*ret_n = n;
	return 0;
}

/* Prune */

struct digest_set {
	char (*hex)[DIGEST_HEX_LEN + 1];
	size_t n, allocated;
};

static bool digest_set_has(const struct digest_set *set, const char *hex)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->hex[i], hex) == 0)
			return true;
	return false;
}

/* 1 if added, 0 if it was there, -ENOMEM. */
static int digest_set_add(struct digest_set *set, const char *digest)
{
	const char *hex = digest_hex(digest);

	if (digest_set_has(set, hex))
		return 0;
	if (set->n == set->allocated) {
		size_t more = set->allocated ? set->allocated * 2 : 64;
		void *p = reallocarray(set->hex, more, sizeof(*set->hex));

		if (!p)
			return -ENOMEM;
		set->hex = p;
		set->allocated = more;
	}
	memcpy(set->hex[set->n++], hex, DIGEST_HEX_LEN + 1);
	return 1;
}

static bool media_is_index(const char *m)
{
	return strcmp(m, MEDIA_OCI_INDEX) == 0 || strcmp(m, MEDIA_DOCKER_LIST) == 0;
}

static bool media_is_manifest(const char *m)
{
	return strcmp(m, MEDIA_OCI_MANIFEST) == 0 || strcmp(m, MEDIA_DOCKER_MANIFEST) == 0;
}

static int walk_descriptor(struct store *s, struct json_object *d, struct digest_set *set,
			   unsigned depth, struct lxcri_error *err);

/* Marks the descriptors of an array (layers, manifests) of o. */
static int walk_array(struct store *s, struct json_object *o, const char *key, const char *digest,
		      struct digest_set *set, unsigned depth, struct lxcri_error *err)
{
	struct json_object *a;
	int r;

	if (!json_object_object_get_ex(o, key, &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return error_set(err, -EBADMSG, "Failed to walk '%s': blob '%s' has no %s array",
				 s->dir, digest, key);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		r = walk_descriptor(s, json_object_array_get_idx(a, i), set, depth, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Marks d and, for a manifest or an index that is here, what it names. */
static int walk_descriptor(struct store *s, struct json_object *d, struct digest_set *set,
			   unsigned depth, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct store_descriptor desc;
	struct json_object *config;
	char why[256];
	size_t size;
	int r;

	if (descriptor_parse(d, &desc) < 0)
		return error_set(
		    err, -EBADMSG,
		    "Failed to walk '%s': a descriptor without a valid digest and size", s->dir);
	r = digest_set_add(set, desc.digest);
	if (r < 0)
		return error_oom(err);
	if (r == 0 || !(media_is_index(desc.media_type) || media_is_manifest(desc.media_type)))
		return 0;
	if (!store_has_blob(s, desc.digest))
		return 0; /* nothing of it to keep */
	if (depth >= WALK_DEPTH_MAX)
		return error_set(err, -ELOOP,
				 "Failed to walk '%s': indexes nested more than %d deep", s->dir,
				 WALK_DEPTH_MAX);
	r = store_read_blob(s, desc.digest, MANIFEST_MAX, &text, &size, err);
	if (r < 0)
		return error_set(err, -EBADMSG, "%s", err ? err->message : "");
	r = json_parse_strict(text, size, &o, why, sizeof(why));
	if (r == -ENODATA)
		snprintf(why, sizeof(why), "it is empty");
	if (r < 0 || !json_object_is_type(o, json_type_object))
		return error_set(err, -EBADMSG, "Failed to walk '%s': blob '%s' (%s) is %s", s->dir,
				 desc.digest, desc.media_type, r < 0 ? why : "not a JSON object");
	if (media_is_index(desc.media_type))
		return walk_array(s, o, "manifests", desc.digest, set, depth + 1, err);
	if (json_object_object_get_ex(o, "config", &config)) {
		r = walk_descriptor(s, config, set, depth + 1, err);
		if (r < 0)
			return r;
	}
	return walk_array(s, o, "layers", desc.digest, set, depth + 1, err);
}

static void prune_partials(struct store *s, uint64_t *bytes_freed)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *e;
	int fd;

	if (s->partial_fd < 0)
		return;
	fd = openat(s->partial_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		_cleanup_close_ int pfd = -1;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		pfd = openat(s->partial_fd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (pfd < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (time(NULL) - st.st_mtime < STORE_PARTIAL_STALE_SECONDS)
			continue;
		if (flock(pfd, LOCK_EX | LOCK_NB) < 0)
			continue; /* a writer is at it */
		if (unlinkat(s->partial_fd, e->d_name, 0) == 0)
			*bytes_freed += (uint64_t)st.st_size;
	}
}

int store_prune(struct store *s, bool (*keep)(const char *digest, void *userdata), void *userdata,
		unsigned *ret_blobs_removed, uint64_t *ret_bytes_freed, struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *index = NULL;
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_close_ int index_lock_fd = -1;
	struct digest_set set = { 0 };
	struct json_object *m;
	bool locked_here = false;
	unsigned removed = 0;
	uint64_t freed = 0;
	struct dirent *e;
	char path[PATH_MAX];
	int r, fd;

	if (s->lock_mode == LOCK_SH)
		return error_set(err, -EDEADLK,
				 "Failed to prune image store '%s': this command holds it shared",
				 s->dir);
	if (!s->lock_mode) {
		r = store_lock_exclusive(s, INDEX_LOCK_WAIT_MS, err);
		if (r < 0)
			return r;
		locked_here = true;
	}
	index_lock_fd = index_lock(s, err);
	if (index_lock_fd < 0) {
		r = index_lock_fd;
		goto finish;
	}
	r = index_read(s, &index, err);
	if (r < 0)
		goto finish;
	m = index_manifests(index);
	for (size_t i = 0; i < json_object_array_length(m); i++) {
		r = walk_descriptor(s, json_object_array_get_idx(m, i), &set, 0, err);
		if (r < 0)
			goto finish;
	}

	fd = openat(s->blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !(d = fdopendir(fd)))
		close(fd);
	if (!d) {
		r = error_set_errno(err, -errno, "Failed to read '%s/%s'", s->dir, BLOBS_DIR);
		goto finish;
	}
	while ((e = readdir(d))) {
		char digest[DIGEST_SIZE];
		struct stat st;

		snprintf(digest, sizeof(digest), DIGEST_PREFIX "%.*s", DIGEST_HEX_LEN, e->d_name);
		/* Only blobs: names that are exactly a digest's hex. */
		if (strlen(e->d_name) != DIGEST_HEX_LEN || !digest_valid(digest) ||
		    digest_set_has(&set, e->d_name))
			continue;
		if (fstatat(s->blobs_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    S_ISDIR(st.st_mode))
			continue;
		if (keep && keep(digest, userdata))
			continue;
		if (unlinkat(s->blobs_fd, e->d_name, 0) < 0) {
			r = error_set_errno(err, -errno, "Failed to remove blob '%s' from '%s'",
					    digest, s->dir);
			goto finish;
		}
		removed++;
		freed += (uint64_t)st.st_size;
	}
	prune_partials(s, &freed);
	if (path_in(s, INDEX_FILE, path) == 0)
		atomic_write_leftovers_remove(path);
	r = 0;
finish:
	free(set.hex);
	if (locked_here)
		store_unlock(s);
	if (ret_blobs_removed)
		*ret_blobs_removed = removed;
	if (ret_bytes_freed)
		*ret_bytes_freed = freed;
	return r;
}
