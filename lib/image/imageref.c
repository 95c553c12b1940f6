/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/imageref.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/basic/ascii.h"
#include "lib/basic/escape.h"

#define DOCKER_HUB     "docker.io"
#define DOCKER_HUB_API "registry-1.docker.io"

static int invalid(const char *s, struct lxcri_error *err, const char *why)
{
	char q[ESCAPE_BUFSIZE];

	return error_set(err, -EINVAL, "Invalid image reference '%s': %s",
			 escape_for_message(s, q, sizeof(q)), why);
}

/* [a-z0-9]+ joined by '.', '_', '__' or any number of '-'. */
static bool path_component_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0;

		while (i < n && (ascii_is_lower(s[i]) || ascii_is_digit(s[i])))
			i++, run++;
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i == n)
			return false; /* a separator at the end */
	}
	return false;
}

/* A host name of [A-Za-z0-9-] labels joined by '.', or [IPv6], then an optional :port. */
static bool domain_valid(const char *s, size_t n)
{
	size_t i = 0, end = n;
	const char *colon;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!ascii_is_digit(*p) && !strchr("abcdefABCDEF:.", *p))
				return false;
		i = (size_t)(close - s) + 1;
		end = i;
		colon = i < n ? s + i : NULL;
		if (colon && *colon != ':')
			return false;
	} else {
		colon = memchr(s, ':', n);
		end = colon ? (size_t)(colon - s) : n;
		if (end == 0)
			return false;
		for (size_t label = 0; i <= end; i++) {
			if (i == end || s[i] == '.') {
				if (i == label || s[label] == '-' || s[i - 1] == '-')
					return false;
				label = i + 1;
			} else if (!ascii_is_alnum(s[i]) && s[i] != '-') {
				return false;
			}
		}
	}
	if (colon) {
		size_t digits = n - (size_t)(colon - s) - 1;

		if (digits == 0 || digits > 5)
			return false;
		for (const char *p = colon + 1; p < s + n; p++)
			if (!ascii_is_digit(*p))
				return false;
	}
	return true;
}

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IMAGE_REF_TAG_MAX || !(ascii_is_alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!ascii_is_alnum(s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

static bool digest_valid(const char *s)
{
	return strncmp(s, "sha256:", 7) == 0 && strlen(s + 7) == 64 &&
	       strspn(s + 7, "0123456789abcdef") == 64;
}

int image_ref_parse(const char *s, struct image_ref *ret, struct lxcri_error *err)
{
	struct image_ref r = { 0 };
	char name[IMAGE_REF_NAME_MAX * 2 + 2];
	const char *at, *slash, *path, *colon;
	size_t n, first;
	bool library;

	if (!s || !*s)
		return invalid(s ? s : "", err, "it is empty");
	at = strchr(s, '@');
	n = at ? (size_t)(at - s) : strlen(s);
	if (at) {
		if (!digest_valid(at + 1))
			return invalid(s, err,
				       "expected a digest 'sha256:' and 64 lower case hex digits "
				       "after '@'");
		snprintf(r.digest, sizeof(r.digest), "%s", at + 1);
	}
	if (n == 0 || n >= sizeof(name))
		return invalid(s, err, n ? "the name is too long" : "there is no name");
	memcpy(name, s, n);
	name[n] = '\0';

	/* The tag: after the last ':' that follows the last '/'. */
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		if (!tag_valid(colon + 1))
			return invalid(s, err,
				       "expected a tag of 1 to 128 characters from A-Z a-z 0-9 _ . "
				       "- (not starting with . or -) after ':'");
		snprintf(r.tag, sizeof(r.tag), "%s", colon + 1);
		name[colon - name] = '\0';
	}

	/* The registry: a first component with '.' or ':', "localhost", or upper case. */
	slash = strchr(name, '/');
	first = slash ? (size_t)(slash - name) : 0;
	path = name;
	if (slash) {
		bool upper = false;

		for (size_t i = 0; i < first; i++)
			upper |= name[i] >= 'A' && name[i] <= 'Z';
		if (memchr(name, '.', first) || memchr(name, ':', first) || upper ||
		    (first == 9 && strncmp(name, "localhost", 9) == 0)) {
			if (!domain_valid(name, first))
				return invalid(s, err, "the registry is not a host name[:port]");
			snprintf(r.registry, sizeof(r.registry), "%.*s", (int)first, name);
			path = slash + 1;
		}
	}
	if (!r.registry[0] || strcmp(r.registry, "index.docker.io") == 0) {
		memset(r.registry, 0, sizeof(r.registry));
		memcpy(r.registry, DOCKER_HUB, sizeof(DOCKER_HUB));
	}

	/* The repository: '/'-separated lower case components. */
	for (const char *p = path;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (!path_component_valid(p, len)) {
			for (const char *c = p; c < p + len; c++)
				if (*c >= 'A' && *c <= 'Z')
					return invalid(s, err,
						       "the repository name must be lower case");
			return invalid(s, err,
				       "expected a repository of '/'-separated components of a-z "
				       "0-9 joined by '.', '_', '__' or '-'");
		}
		if (!end)
			break;
		p = end + 1;
	}
	library = strcmp(r.registry, DOCKER_HUB) == 0 && !strchr(path, '/');
	if (strlen(r.registry) + 1 + (library ? 8 : 0) + strlen(path) > IMAGE_REF_NAME_MAX)
		return invalid(s, err, "the name is longer than 255 characters");
	memcpy(r.repository, library ? "library/" : "", library ? 8 : 0);
	memcpy(r.repository + (library ? 8 : 0), path, strlen(path) + 1);
	if (!r.tag[0] && !r.digest[0])
		snprintf(r.tag, sizeof(r.tag), "latest");
	*ret = r;
	return 0;
}

int image_ref_format(const struct image_ref *r, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s%s%s%s%s", r->registry, r->repository,
			 r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "", r->digest);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

const char *image_ref_api_host(const struct image_ref *r)
{
	return strcmp(r->registry, DOCKER_HUB) == 0 ? DOCKER_HUB_API : r->registry;
}
