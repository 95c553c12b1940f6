/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image manifests and indexes. See manifest.h. */
#include "lib/image/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/shared/json.h"

static void descriptors_free(struct manifest_descriptor *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].media_type);
	free(d);
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	free(m->config.media_type);
	descriptors_free(m->layers, m->n_layers);
	descriptors_free(m->manifests, m->n_manifests);
	free(m);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct manifest *, manifest_free)

static bool is_index_type(const char *t)
{
	return strcmp(t, MEDIA_TYPE_OCI_INDEX) == 0 || strcmp(t, MEDIA_TYPE_DOCKER_LIST) == 0;
}

static bool is_image_type(const char *t)
{
	return strcmp(t, MEDIA_TYPE_OCI_MANIFEST) == 0 ||
	       strcmp(t, MEDIA_TYPE_DOCKER_MANIFEST) == 0;
}

static bool is_schema1_type(const char *t)
{
	return strcmp(t, MEDIA_TYPE_DOCKER_SCHEMA1) == 0 ||
	       strcmp(t, MEDIA_TYPE_DOCKER_SCHEMA1_S) == 0;
}

/* An optional string member; -EINVAL if it is there and not a string. */
static int get_string(struct json_object *o, const char *key, const char **ret)
{
	struct json_object *v;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	*ret = json_object_get_string(v);
	return 0;
}

static int bad(struct lxcri_error *err, const char *what, const char *why)
{
	return error_set(err, -EINVAL, "Invalid image manifest: %s %s", what, why);
}

static int parse_platform(struct json_object *o, const char *what, struct platform *ret,
			  struct lxcri_error *err)
{
	const char *os, *arch, *variant;

	if (!json_object_is_type(o, json_type_object))
		return bad(err, what, "has a platform that is not an object");
	if (get_string(o, "os", &os) < 0 || get_string(o, "architecture", &arch) < 0 ||
	    get_string(o, "variant", &variant) < 0 || !os || !arch)
		return bad(err, what, "has a platform without os and architecture strings");
	snprintf(ret->os, sizeof(ret->os), "%s", os);
	snprintf(ret->architecture, sizeof(ret->architecture), "%s", arch);
	snprintf(ret->variant, sizeof(ret->variant), "%s", variant ? variant : "");
	return 0;
}

static int parse_descriptor(struct json_object *o, const char *what,
			    struct manifest_descriptor *ret, struct lxcri_error *err)
{
	struct json_object *size, *platform;
	const char *media, *digest;
	char q[ESCAPE_BUFSIZE];

	if (!json_object_is_type(o, json_type_object))
		return bad(err, what, "is not an object");
	if (get_string(o, "mediaType", &media) < 0)
		return bad(err, what, "has a mediaType that is not a string");
	if (get_string(o, "digest", &digest) < 0 || !digest)
		return bad(err, what, "has no digest string");
	if (!digest_valid(digest))
		return error_set(err, -EINVAL,
				 "Invalid image manifest: %s has the digest '%s', not sha256:<64 "
				 "hex digits>",
				 what, escape_for_message(digest, q, sizeof(q)));
	if (!json_object_object_get_ex(o, "size", &size) ||
	    !json_object_is_type(size, json_type_int) || json_object_get_int64(size) < 0 ||
	    json_object_get_int64(size) == INT64_MAX)
		return bad(err, what, "has no size that is a non-negative integer");
	ret->media_type = strdup(media ? media : "");
	if (!ret->media_type)
		return error_oom(err);
	memcpy(ret->digest, digest, DIGEST_SIZE);
	ret->size = (uint64_t)json_object_get_int64(size);
	if (json_object_object_get_ex(o, "platform", &platform)) {
		ret->has_platform = true;
		return parse_platform(platform, what, &ret->platform, err);
	}
	return 0;
}

static int parse_list(struct json_object *a, const char *key, struct manifest_descriptor **ret,
		      size_t *ret_n, struct lxcri_error *err)
{
	size_t n = json_object_array_length(a);
	char what[64];

	if (n > MANIFEST_MAX_ITEMS)
		return error_set(err, -E2BIG, "Invalid image manifest: %zu %s, more than %d", n,
				 key, MANIFEST_MAX_ITEMS);
	*ret = calloc(n ? n : 1, sizeof(**ret));
	if (!*ret)
		return error_oom(err);
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		int r;

		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		r = parse_descriptor(json_object_array_get_idx(a, i), what, &(*ret)[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The media type of the content: from the header and the JSON, which must agree. */
static int media_type_of(const char *content_type, struct json_object *o, char **ret,
			 struct lxcri_error *err)
{
	const char *json_type;
	char header[256] = "", q[ESCAPE_BUFSIZE], q2[ESCAPE_BUFSIZE];
	struct json_object *v;

	if (content_type) {
		size_t n = strcspn(content_type, ";");

		while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
			n--;
		snprintf(header, sizeof(header), "%.*s", (int)n, content_type);
	}
	if (get_string(o, "mediaType", &json_type) < 0)
		return bad(err, "mediaType", "is not a string");
	if (is_schema1_type(header) || (json_type && is_schema1_type(json_type)) ||
	    (json_object_object_get_ex(o, "schemaVersion", &v) &&
	     json_object_is_type(v, json_type_int) && json_object_get_int(v) == 1))
		return error_set(err, -ENOTSUP,
				 "The image has a Docker schema 1 manifest, which is not supported "
				 "(it is deprecated): push it again with a current tool");
	/* A header of a manifest type must be the JSON's type, if that names one. */
	bool header_known = is_index_type(header) || is_image_type(header);
	if (header_known && json_type && strcmp(json_type, header) != 0)
		return error_set(err, -EINVAL,
				 "Invalid image manifest: the registry sent it as '%s' but it says "
				 "it is '%s'",
				 escape_for_message(header, q, sizeof(q)),
				 escape_for_message(json_type, q2, sizeof(q2)));
	if (json_type) {
		*ret = strdup(json_type);
	} else if (header_known) {
		*ret = strdup(header);
	} else if (json_object_object_get_ex(o, "manifests", &v)) {
		*ret = strdup(MEDIA_TYPE_OCI_INDEX);
	} else if (json_object_object_get_ex(o, "config", &v) &&
		   json_object_object_get_ex(o, "layers", &v)) {
		*ret = strdup(MEDIA_TYPE_OCI_MANIFEST);
	} else {
		return error_set(
		    err, -EINVAL,
		    "Invalid image manifest: it has no mediaType, manifests or layers");
	}
	if (!*ret)
		return error_oom(err);
	if (!is_index_type(*ret) && !is_image_type(*ret))
		return error_set(err, -ENOTSUP,
				 "The manifest's media type '%s' is not an image manifest or index",
				 escape_for_message(*ret, q, sizeof(q)));
	return 0;
}

int manifest_parse(const char *content_type, const void *data, size_t size, struct manifest **ret,
		   struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_(manifest_freep) struct manifest *m = NULL;
	struct json_object *v, *list;
	char why[256], q[ESCAPE_BUFSIZE];
	int r;

	if (size > MANIFEST_MAX_SIZE)
		return error_set(err, -E2BIG, "Invalid image manifest: %zu bytes, more than %d",
				 size, MANIFEST_MAX_SIZE);
	r = json_parse_strict(data, size, &o, why, sizeof(why));
	if (r == -ENODATA)
		return error_set(err, -EINVAL, "Invalid image manifest: it is empty");
	if (r < 0)
		return error_set(err, -EINVAL, "Invalid image manifest: %s", why);
	if (!json_object_is_type(o, json_type_object))
		return error_set(err, -EINVAL, "Invalid image manifest: it is not a JSON object");
	m = calloc(1, sizeof(*m));
	if (!m)
		return error_oom(err);
	r = media_type_of(content_type, o, &m->media_type, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(o, "schemaVersion", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 2)
		return bad(err, "schemaVersion", "is not 2");

	if (is_index_type(m->media_type)) {
		m->kind = MANIFEST_INDEX;
		if (!json_object_object_get_ex(o, "manifests", &list) ||
		    !json_object_is_type(list, json_type_array))
			return bad(err, "the index", "has no manifests array");
		r = parse_list(list, "manifests", &m->manifests, &m->n_manifests, err);
		if (r < 0)
			return r;
		*ret = TAKE_PTR(m);
		return 0;
	}
	m->kind = MANIFEST_IMAGE;
	if (!json_object_object_get_ex(o, "config", &v))
		return bad(err, "the manifest", "has no config");
	r = parse_descriptor(v, "config", &m->config, err);
	if (r < 0)
		return r;
	if (strcmp(m->config.media_type, MEDIA_TYPE_OCI_CONFIG) != 0 &&
	    strcmp(m->config.media_type, MEDIA_TYPE_DOCKER_CONFIG) != 0)
		return error_set(err, -ENOTSUP,
				 "The manifest is not of a container image: its config is '%s' (an "
				 "artifact?)",
				 escape_for_message(m->config.media_type, q, sizeof(q)));
	if (!json_object_object_get_ex(o, "layers", &list) ||
	    !json_object_is_type(list, json_type_array))
		return bad(err, "the manifest", "has no layers array");
	r = parse_list(list, "layers", &m->layers, &m->n_layers, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int manifest_select(const struct manifest *index, const struct platform *want,
		    const struct manifest_descriptor **ret, struct lxcri_error *err)
{
	char have[512] = "", one[128], w[128];
	size_t len = 0;

	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct manifest_descriptor *d = &index->manifests[i];

		if (!is_image_type(d->media_type) || !d->has_platform ||
		    strcmp(d->platform.os, "unknown") == 0)
			continue;
		if (platform_match(want, &d->platform)) {
			*ret = d;
			return 0;
		}
		platform_format(&d->platform, one, sizeof(one));
		if (len < sizeof(have))
			len += (size_t)snprintf(have + len, sizeof(have) - len, "%s%s",
						len ? ", " : "", one);
	}
	platform_format(want, w, sizeof(w));
	return error_set(err, -ENOENT, "The image has no manifest for '%s'; it has: %s", w,
			 have[0] ? have : "none");
}

int manifest_layer_compression(const char *media_type, enum manifest_compression *ret,
			       struct lxcri_error *err)
{
	static const struct {
		const char *type;
		enum manifest_compression c;
	} types[] = {
		{ MEDIA_TYPE_OCI_LAYER, MANIFEST_COMPRESSION_NONE },
		{ MEDIA_TYPE_OCI_LAYER_GZIP, MANIFEST_COMPRESSION_GZIP },
		{ MEDIA_TYPE_OCI_LAYER_ZSTD, MANIFEST_COMPRESSION_ZSTD },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar",
		  MANIFEST_COMPRESSION_NONE },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		  MANIFEST_COMPRESSION_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		  MANIFEST_COMPRESSION_ZSTD },
		{ MEDIA_TYPE_DOCKER_LAYER, MANIFEST_COMPRESSION_GZIP },
		{ MEDIA_TYPE_DOCKER_FOREIGN, MANIFEST_COMPRESSION_GZIP },
	};
	char q[ESCAPE_BUFSIZE];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(media_type, types[i].type) == 0) {
			*ret = types[i].c;
			return 0;
		}
	return error_set(err, -ENOTSUP, "The layer type '%s' cannot be unpacked%s",
			 escape_for_message(media_type, q, sizeof(q)),
			 strstr(media_type, "encrypted") ? " (encrypted layers are not supported)"
							 : "");
}
