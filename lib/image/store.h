/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The image store: an OCI image layout (image-spec image-layout.md) in a
 * directory (lxcri's is /var/lib/lxcri/images; the caller names it):
 *
 *   oci-layout              {"imageLayoutVersion":"1.0.0"}
 *   index.json              the tags: descriptors with the annotation
 *                           org.opencontainers.image.ref.name
 *   blobs/sha256/<hex>      manifests, configs, layers, by digest
 *   blobs/sha256/.partial/  blobs being written, one file per digest
 *   .lock, .index.lock      flock(2) locks (see below)
 *
 * so skopeo (oci:<dir>:<name>) and umoci read it as it is.
 *
 * A blob appears in blobs/sha256 only complete and verified (fsync, rename,
 * fsync of the directory), and index.json only whole (temp file, fsync,
 * rename): a full disk or a crash leaves at most a partial file, which the
 * next writer of that blob resumes or a prune removes.
 *
 * Locks: a blob's partial file is flock()ed by its one writer; a second
 * writer of the same blob waits for it, then finds the blob there. Tags
 * are changed under .index.lock. Users of blobs (a pull from its first blob
 * to its tag, an unpack) hold .lock shared (store_lock_shared()); a prune
 * holds it exclusive, so it never removes a blob someone is about to tag or
 * is reading.
 *
 * All functions return >= 0 or -errno with err (which may be NULL) set.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/error.h"
#include "lib/image/digest.h"

#define STORE_LAYOUT_VERSION	  "1.0.0"
#define STORE_REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"
/* The digest the registry gave for the name, when that was an index. */
#define STORE_INDEX_DIGEST_ANNOTATION "org.lxcri.index.digest"
#define STORE_REF_NAME_MAX	      512
#define STORE_MEDIA_TYPE_MAX	      255

/* store_open() flags. */
#define STORE_CREATE 1u /* make the directory and an empty layout if there is none */

/* store_blob_begin() / store_put_blob(): the blob is already there. */
#define STORE_BLOB_PRESENT 1

/* store_blob_begin(): the size is not known in advance. */
#define STORE_SIZE_UNKNOWN UINT64_MAX

/* A partial file untouched this long, and not locked, is a prune's to remove. */
#define STORE_PARTIAL_STALE_SECONDS 3600

struct store;
struct store_blob_writer;

struct store_descriptor {
	char media_type[STORE_MEDIA_TYPE_MAX + 1];
	char digest[DIGEST_SIZE];
	uint64_t size;
	/*
	 * The index (multi-platform manifest list) the image was selected from
	 * for this host's platform, as the registry names the tag; "" when the
	 * tag named the manifest itself. Kept as an annotation of the entry.
	 */
	char index_digest[DIGEST_SIZE];
};

struct store_entry {
	char *name; /* the ref.name annotation; "" for an entry without one */
	struct store_descriptor descriptor;
};

/*
 * Opens the layout at dir (absolute). With STORE_CREATE, a missing dir is
 * made (0700, parents 0755) with oci-layout, an empty index.json and
 * blobs/sha256; an existing directory only if it is empty (it will not
 * turn some other directory into a store). Without: -ENOENT "no image
 * store at '<dir>'". An oci-layout of another version: -EPROTONOSUPPORT.
 */
int store_open(const char *dir, unsigned flags, struct store **ret, struct lxcri_error *err);
/* Unlocks what the store holds and frees it; NULL is fine. */
void store_close(struct store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct store *, store_close)
#define _cleanup_store_ _cleanup_(store_closep)
const char *store_dir(const struct store *s);

/*
 * Holds .lock shared (blobs in use: a prune waits) or exclusive (nobody
 * else uses the store), waiting at most timeout_ms; -EWOULDBLOCK after it.
 * Taking the other mode while one is held: -EDEADLK. Released by
 * store_unlock() or store_close().
 */
int store_lock_shared(struct store *s, unsigned timeout_ms, struct lxcri_error *err);
int store_lock_exclusive(struct store *s, unsigned timeout_ms, struct lxcri_error *err);
void store_unlock(struct store *s);

/* Blobs. digest is "sha256:<hex>"; anything else is -EINVAL. */
bool store_has_blob(struct store *s, const char *digest);
/* A read-only fd of the blob; -ENOENT "no blob '<digest>' in '<dir>'". */
int store_open_blob(struct store *s, const char *digest, int *ret_fd, struct lxcri_error *err);
/*
 * The whole blob (NUL-terminated, for JSON) if at most max_size bytes
 * (-EFBIG), verified: a blob whose content has another digest is -EBADMSG.
 */
int store_read_blob(struct store *s, const char *digest, size_t max_size, char **ret,
		    size_t *ret_size, struct lxcri_error *err);

/*
 * Starts writing the blob digest of expected_size bytes (STORE_SIZE_UNKNOWN
 * if not known). Returns STORE_BLOB_PRESENT (no writer) if it is there,
 * waiting first for another process that is writing it; else 0 and a writer
 * that holds the blob's partial file. *ret_resume_offset is how many bytes
 * the partial already has (a pull that was killed or aborted with
 * keep_partial): they are hashed already; write what follows them, or
 * store_blob_restart().
 */
int store_blob_begin(struct store *s, const char *digest, uint64_t expected_size,
		     struct store_blob_writer **ret, uint64_t *ret_resume_offset,
		     struct lxcri_error *err);
/* Appends and hashes buf[0..n); -EFBIG past the expected size (nothing written). */
int store_blob_write(struct store_blob_writer *w, const void *buf, size_t n,
		     struct lxcri_error *err);
/* Back to 0 bytes (a server that did not honour a Range request). */
int store_blob_restart(struct store_blob_writer *w, struct lxcri_error *err);
/* Bytes in the partial file so far (resumed ones included). */
uint64_t store_blob_written(const struct store_blob_writer *w);
/*
 * Verifies size and digest and moves the blob into place, durably. A blob
 * of the wrong size or digest is removed (-EBADMSG, err naming the expected
 * and the actual digest). Frees w whatever the result; on an I/O error the
 * partial stays for a resume.
 */
int store_blob_commit(struct store_blob_writer *w, struct lxcri_error *err);
/* Stops writing: the partial stays for a resume if keep_partial, else it is removed. */
void store_blob_abort(struct store_blob_writer *w, bool keep_partial);

/*
 * Stores buf[0..n) (a manifest, a config) and gives its digest: 0, or
 * STORE_BLOB_PRESENT if it was there already.
 */
int store_put_blob(struct store *s, const void *buf, size_t n, char ret_digest[DIGEST_SIZE],
		   struct lxcri_error *err);

/*
 * Tags: index.json entries named by the ref.name annotation (lxcri uses the
 * full reference, "docker.io/library/busybox:latest"). store_tag() replaces
 * an entry of that name. A name is 1..STORE_REF_NAME_MAX characters of
 * [A-Za-z0-9] and "-._:@+/", starting and ending with a letter or digit.
 */
int store_tag(struct store *s, const char *name, const struct store_descriptor *d,
	      struct lxcri_error *err);
/* -ENOENT "no image '<name>' in '<dir>'". */
int store_resolve(struct store *s, const char *name, struct store_descriptor *ret,
		  struct lxcri_error *err);
int store_untag(struct store *s, const char *name, struct lxcri_error *err);
/* Every entry of index.json, in its order. Free with store_entries_free(). */
int store_list(struct store *s, struct store_entry **ret, size_t *ret_n, struct lxcri_error *err);
void store_entries_free(struct store_entry *entries, size_t n);

/*
 * Removes every blob that index.json does not reach (index → manifests and
 * nested indexes → configs and layers) and keep (may be NULL) does not want
 * kept, and partial files untouched for STORE_PARTIAL_STALE_SECONDS that no
 * writer holds. Takes the exclusive lock unless the caller holds it
 * (-EDEADLK if the caller holds it shared). A manifest it cannot read or
 * parse stops it before anything is removed (-EBADMSG). The counts (may be
 * NULL) are of removed blobs, and of the bytes of those and the partials.
 */
int store_prune(struct store *s, bool (*keep)(const char *digest, void *userdata), void *userdata,
		unsigned *ret_blobs_removed, uint64_t *ret_bytes_freed, struct lxcri_error *err);
