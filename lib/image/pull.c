/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A pull from a registry into the image store. See pull.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/image/imageconfig.h"
#include "lib/image/manifest.h"
#include "lib/image/pull.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct registry_client *, registry_client_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct manifest *, manifest_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct imageconfig *, imageconfig_free)

int pull_store_name(const struct image_ref *ref, char *buf, size_t size)
{
	return image_ref_format(ref, buf, size);
}

/*
 * A manifest (or index) by reference, verified: its content's digest must
 * be expect (when given) and the Docker-Content-Digest the registry sends
 * (when it sends one). The digest is in ret_digest.
 */
static int fetch_manifest(struct registry_client *c, const char *what, const char *repo,
			  const char *reference, const char *expect, char **ret_body,
			  size_t *ret_size, char **ret_type, char ret_digest[DIGEST_SIZE],
			  struct lxcri_error *err)
{
	_cleanup_free_ char *body = NULL, *type = NULL, *header = NULL;
	size_t size;
	int r;

	r = registry_get_manifest(c, repo, reference, MANIFEST_ACCEPT, &body, &size, &type, &header,
				  err);
	if (r < 0)
		return r;
	r = digest_of_data(body, size, ret_digest);
	if (r < 0)
		return error_set(err, r, "Failed to pull '%s': cannot hash its manifest", what);
	if (expect && strcmp(expect, ret_digest) != 0)
		return error_set(
		    err, -EBADMSG,
		    "Failed to pull '%s': the registry sent a manifest of digest '%s', "
		    "not '%s'",
		    what, ret_digest, expect);
	if (header && strcmp(header, ret_digest) != 0)
		return error_set(
		    err, -EBADMSG,
		    "Failed to pull '%s': the registry names its manifest '%.80s', but "
		    "its content is '%s'",
		    what, header, ret_digest);
	*ret_body = TAKE_PTR(body);
	*ret_size = size;
	*ret_type = TAKE_PTR(type);
	return 0;
}

struct memory_sink {
	char *data;
	size_t size, max;
};

static int memory_write(void *ctx, const void *data, size_t size)
{
	struct memory_sink *m = ctx;
	char *p;

	if (size > m->max - m->size)
		return -EFBIG;
	p = realloc(m->data, m->size + size + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p + m->size, data, size);
	m->data = p;
	m->size += size;
	m->data[m->size] = '\0';
	return 0;
}

static int memory_restart(void *ctx)
{
	((struct memory_sink *)ctx)->size = 0;
	return 0;
}

/* The config blob, from the store if it has it, else from the registry; verified. */
static int fetch_config(struct store *s, struct registry_client *c, const char *what,
			const char *repo, const struct manifest_descriptor *d, char **ret,
			size_t *ret_size, uint64_t *fetched, struct lxcri_error *err)
{
	struct memory_sink m = { .max = PULL_CONFIG_MAX };
	char got[DIGEST_SIZE];
	int r;

	if (d->size > PULL_CONFIG_MAX)
		return error_set(err, -EFBIG,
				 "Failed to pull '%s': its config is %llu bytes, more than %u",
				 what, (unsigned long long)d->size, PULL_CONFIG_MAX);
	if (store_has_blob(s, d->digest))
		return store_read_blob(s, d->digest, PULL_CONFIG_MAX, ret, ret_size, err);
	r = registry_get_blob(c, repo, d->digest, 0, memory_write, memory_restart, &m, err);
	if (r < 0) {
		free(m.data);
		return r;
	}
	*fetched += m.size;
	if (!m.data || digest_of_data(m.data, m.size, got) < 0 || strcmp(got, d->digest) != 0 ||
	    m.size != d->size) {
		free(m.data);
		return error_set(
		    err, -EBADMSG,
		    "Failed to pull '%s': its config is not the blob '%s' of %llu bytes "
		    "that its manifest names",
		    what, d->digest, (unsigned long long)d->size);
	}
	*ret = m.data;
	*ret_size = m.size;
	return 0;
}

struct layer {
	const struct manifest_descriptor *d;
	size_t index; /* in the manifest */
	struct store_blob_writer *w;
	uint64_t offset;
	bool cached;
	struct lxcri_error err;
	const struct pull_events *events;
	uint64_t *fetched;
};

static int layer_write(void *ctx, const void *data, size_t size)
{
	struct layer *l = ctx;
	int r;

	r = store_blob_write(l->w, data, size, &l->err);
	if (r < 0)
		return r;
	*l->fetched += size;
	if (l->events && l->events->progress)
		l->events->progress(l->events->userdata, l->index, store_blob_written(l->w));
	return 0;
}

static int layer_restart(void *ctx)
{
	struct layer *l = ctx;

	return store_blob_restart(l->w, &l->err);
}

static int layer_order(const void *a, const void *b)
{
	const struct layer *x = a, *y = b;

	return strcmp(x->d->digest, y->d->digest);
}

static void layers_abort(struct layer *layers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (layers[i].w) {
			store_blob_abort(layers[i].w, true);
			layers[i].w = NULL;
		}
}

/*
 * Starts a writer for every layer the store lacks. In the order of their
 * digests: two pulls that share layers wait for each other's partial files
 * in the same order, never in a cycle.
 */
static int layers_begin(struct store *s, struct layer *layers, size_t n, struct lxcri_error *err)
{
	qsort(layers, n, sizeof(*layers), layer_order);
	for (size_t i = 0; i < n; i++) {
		int r;

		if (i > 0 && strcmp(layers[i].d->digest, layers[i - 1].d->digest) == 0) {
			layers[i].cached = true; /* the same blob twice: written once */
			continue;
		}
		r = store_blob_begin(s, layers[i].d->digest, layers[i].d->size, &layers[i].w,
				     &layers[i].offset, err);
		if (r < 0) {
			layers_abort(layers, i);
			return r;
		}
		layers[i].cached = r == STORE_BLOB_PRESENT;
	}
	return 0;
}

static int layers_fetch(struct store *s, struct registry_client *c, const char *repo,
			const struct manifest *m, const struct pull_options *o,
			struct pull_result *res, struct lxcri_error *err)
{
	const struct pull_events *ev = o->events;
	_cleanup_free_ struct layer *layers =
	    calloc(m->n_layers ? m->n_layers : 1, sizeof(*layers));
	_cleanup_free_ struct registry_blob_request *reqs =
	    calloc(m->n_layers ? m->n_layers : 1, sizeof(*reqs));
	_cleanup_free_ char **digests = calloc(m->n_layers + 1, sizeof(char *));
	_cleanup_free_ uint64_t *sizes = calloc(m->n_layers ? m->n_layers : 1, sizeof(uint64_t));
	_cleanup_free_ bool *cached = calloc(m->n_layers ? m->n_layers : 1, sizeof(bool));
	size_t n_reqs = 0;
	int r, result = 0;

	if (!layers || !reqs || !digests || !sizes || !cached)
		return error_oom(err);
	for (size_t i = 0; i < m->n_layers; i++)
		layers[i] = (struct layer){
			.d = &m->layers[i], .index = i, .events = ev, .fetched = &res->bytes_fetched
		};
	r = layers_begin(s, layers, m->n_layers, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_layers; i++) {
		size_t k = layers[i].index;

		digests[k] = (char *)m->layers[k].digest;
		sizes[k] = m->layers[k].size;
		cached[k] = layers[i].cached;
		if (layers[i].cached)
			continue;
		/*
		 * A partial as long as the blob (a pull killed between its last
		 * write and its rename): a range from its end is one no registry
		 * serves, so it is fetched again from the start.
		 */
		if (layers[i].offset >= layers[i].d->size && layers[i].offset > 0) {
			r = store_blob_restart(layers[i].w, err);
			if (r < 0) {
				layers_abort(layers, m->n_layers);
				return r;
			}
			layers[i].offset = 0;
		}
		reqs[n_reqs++] = (struct registry_blob_request){
			.digest = layers[i].d->digest,
			.offset = layers[i].offset,
			.write_cb = layer_write,
			.restart_cb = layer_restart,
			.ctx = &layers[i],
		};
	}
	if (ev && ev->layers)
		ev->layers(ev->userdata, digests, sizes, cached, m->n_layers);
	for (size_t i = 0; i < m->n_layers; i++)
		if (layers[i].cached && ev && ev->done)
			ev->done(ev->userdata, layers[i].index, true);
	if (n_reqs > 0)
		(void)registry_get_blobs(c, repo, reqs, n_reqs, o->jobs, err);
	for (size_t i = 0; i < n_reqs; i++) {
		struct layer *l = reqs[i].ctx;

		if (reqs[i].result == 0 && result == 0) {
			r = store_blob_commit(TAKE_PTR(l->w), &l->err);
			if (r < 0) {
				result = r;
				error_set(err, r, "Failed to pull layer '%s': %s", l->d->digest,
					  l->err.message);
				continue;
			}
			res->layers_fetched++;
			if (ev && ev->done)
				ev->done(ev->userdata, l->index, false);
			continue;
		}
		store_blob_abort(TAKE_PTR(l->w), true);
		if (result == 0 && reqs[i].result < 0) {
			result = reqs[i].result;
			/* A store error stopped the download: its message says more. */
			if (l->err.message[0])
				error_set(err, result, "Failed to pull layer '%s': %s",
					  l->d->digest, l->err.message);
			else
				error_set(err, result, "%s", reqs[i].err.message);
		}
	}
	return result;
}

/* The config's platform must be the one asked for: an image for another machine does not run. */
static int check_platform(const char *what, const struct imageconfig *cfg,
			  const struct platform *want, struct platform *ret,
			  struct lxcri_error *err)
{
	char have_s[128], want_s[128];

	snprintf(ret->os, sizeof(ret->os), "%s", cfg->os[0] ? cfg->os : "linux");
	snprintf(ret->architecture, sizeof(ret->architecture), "%s", cfg->architecture);
	snprintf(ret->variant, sizeof(ret->variant), "%s", cfg->variant);
	platform_normalize(ret);
	if (!cfg->architecture[0] || platform_match(want, ret))
		return 0;
	platform_format(ret, have_s, sizeof(have_s));
	platform_format(want, want_s, sizeof(want_s));
	return error_set(err, -ENOENT,
			 "Failed to pull '%s': the image is for '%s', not '%s' (--platform "
			 "chooses another)",
			 what, have_s, want_s);
}

static int check_layers(const char *what, const struct manifest *m, const struct imageconfig *cfg,
			struct lxcri_error *err)
{
	if (cfg->n_diff_ids != m->n_layers)
		return error_set(err, -EBADMSG,
				 "Failed to pull '%s': its manifest has %zu layers, its config %zu "
				 "diff_ids",
				 what, m->n_layers, cfg->n_diff_ids);
	for (size_t i = 0; i < m->n_layers; i++) {
		enum manifest_compression comp;
		int r = manifest_layer_compression(m->layers[i].media_type, &comp, err);

		if (r < 0)
			return r;
	}
	return 0;
}

int pull_image(struct store *s, const struct image_ref *ref, const struct pull_options *o,
	       struct pull_result *ret, struct lxcri_error *err)
{
	static const struct pull_options none = { 0 };
	_cleanup_(registry_client_freep) struct registry_client *c = NULL;
	_cleanup_(manifest_freep) struct manifest *top = NULL, *image = NULL;
	_cleanup_(imageconfig_freep) struct imageconfig *cfg = NULL;
	_cleanup_free_ char *body = NULL, *type = NULL, *config = NULL;
	struct pull_result res = { 0 };
	char what[STORE_REF_NAME_MAX + 1], top_digest[DIGEST_SIZE], stored[DIGEST_SIZE];
	const struct manifest *m;
	struct store_descriptor tag = { 0 };
	struct platform want;
	size_t size, config_size;
	int r;

	if (!o)
		o = &none;
	if (pull_store_name(ref, what, sizeof(what)) < 0)
		return error_set(err, -ENAMETOOLONG, "Failed to pull '%s/%s': the name is too long",
				 ref->registry, ref->repository);
	memcpy(res.name, what, sizeof(what));
	if (o->platform)
		want = *o->platform;
	else
		platform_host(&want);
	platform_normalize(&want);

	r = registry_client_new(ref, o->registry, &c, err);
	if (r < 0)
		return r;
	r = fetch_manifest(c, what, ref->repository, ref->digest[0] ? ref->digest : ref->tag,
			   ref->digest[0] ? ref->digest : NULL, &body, &size, &type, top_digest,
			   err);
	if (r < 0)
		return r;
	r = manifest_parse(type, body, size, &top, err);
	if (r < 0)
		return r;
	memcpy(res.digest, top_digest, DIGEST_SIZE);
	m = top;
	if (top->kind == MANIFEST_INDEX) {
		const struct manifest_descriptor *d;
		char got[DIGEST_SIZE];

		r = manifest_select(top, &want, &d, err);
		if (r < 0)
			return r;
		free(body);
		free(type);
		body = type = NULL;
		r = fetch_manifest(c, what, ref->repository, d->digest, d->digest, &body, &size,
				   &type, got, err);
		if (r < 0)
			return r;
		if (size != d->size)
			return error_set(err, -EBADMSG,
					 "Failed to pull '%s': the manifest '%s' is %zu bytes, its "
					 "index says %llu",
					 what, d->digest, size, (unsigned long long)d->size);
		r = manifest_parse(type, body, size, &image, err);
		if (r < 0)
			return r;
		if (image->kind != MANIFEST_IMAGE)
			return error_set(
			    err, -ENOTSUP,
			    "Failed to pull '%s': the index names another index '%s' for "
			    "its platform; nested indexes are not supported",
			    what, d->digest);
		memcpy(tag.index_digest, top_digest, DIGEST_SIZE);
		memcpy(res.manifest_digest, got, DIGEST_SIZE);
		m = image;
	} else {
		memcpy(res.manifest_digest, top_digest, DIGEST_SIZE);
	}

	r = store_lock_shared(s, o->lock_timeout_ms ? o->lock_timeout_ms : PULL_LOCK_TIMEOUT_MS,
			      err);
	if (r < 0)
		return r;
	r = fetch_config(s, c, what, ref->repository, &m->config, &config, &config_size,
			 &res.bytes_fetched, err);
	if (r < 0)
		goto out;
	r = imageconfig_parse(config, config_size, &cfg, err);
	if (r < 0)
		goto out;
	r = check_platform(what, cfg, &want, &res.platform, err);
	if (r < 0)
		goto out;
	r = check_layers(what, m, cfg, err);
	if (r < 0)
		goto out;
	res.layers = m->n_layers;
	for (size_t i = 0; i < m->n_layers; i++)
		res.size += m->layers[i].size;
	memcpy(res.config_digest, m->config.digest, DIGEST_SIZE);

	r = layers_fetch(s, c, ref->repository, m, o, &res, err);
	if (r < 0)
		goto out;
	r = store_put_blob(s, config, config_size, stored, err);
	if (r < 0)
		goto out;
	r = store_put_blob(s, body, size, stored, err);
	if (r < 0)
		goto out;
	snprintf(tag.media_type, sizeof(tag.media_type), "%s", m->media_type);
	memcpy(tag.digest, res.manifest_digest, DIGEST_SIZE);
	tag.size = size;
	r = store_tag(s, what, &tag, err);
	if (r < 0)
		goto out;
	if (ret)
		*ret = res;
	r = 0;
out:
	store_unlock(s);
	return r;
}

int pull_remote_digest(const struct image_ref *ref, const struct registry_options *opts,
		       char ret[DIGEST_SIZE], struct lxcri_error *err)
{
	_cleanup_(registry_client_freep) struct registry_client *c = NULL;
	_cleanup_free_ char *digest = NULL;
	char q[ESCAPE_BUFSIZE];
	int r;

	r = registry_client_new(ref, opts, &c, err);
	if (r < 0)
		return r;
	r = registry_head_manifest(c, ref->repository, ref->digest[0] ? ref->digest : ref->tag,
				   MANIFEST_ACCEPT, &digest, err);
	if (r < 0)
		return r;
	if (!digest_valid(digest))
		return error_set(
		    err, -EBADMSG,
		    "Failed to check '%s/%s': the registry names it '%s', not a digest",
		    ref->registry, ref->repository, escape_for_message(digest, q, sizeof(q)));
	memcpy(ret, digest, DIGEST_SIZE);
	return 0;
}
