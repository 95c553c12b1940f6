/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "profiles.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "apparmor.h"
#include "cleanup.h"
#include "lxcconf.h"
#include "seccompkeep.h"

#define PROFILE_MAX_SIZE (4 * 1024 * 1024)
#define STAMP_PREFIX	 "# lxcri: source '"

int profiles_seccomp_files(const struct lxcri_paths *p, const char *id, struct seccomp_files *ret)
{
	char conf[PATH_MAX];
	int r = paths_container_config(p, id, conf, sizeof(conf));
	size_t n;

	if (r < 0)
		return r;
	n = strlen(conf);
	if (n < 5 || strcmp(conf + n - 5, ".conf") != 0)
		return -EINVAL;
	conf[n - 5] = '\0';
	r = path_join(ret->profile, sizeof(ret->profile), "%s.seccomp", conf);
	if (r >= 0)
		r = path_join(ret->copy, sizeof(ret->copy), "%s.seccomp.json", conf);
	return r;
}

/* The offset just past line 2 of text, or 0 if it has no two lines. */
static size_t after_two_lines(const char *text, size_t size)
{
	const char *nl = memchr(text, '\n', size);

	if (!nl)
		return 0;
	nl = memchr(nl + 1, '\n', size - (size_t)(nl + 1 - text));
	return nl ? (size_t)(nl + 1 - text) : 0;
}

int profiles_seccomp_stamp(const char *source_path, const char *source, size_t source_size,
			   const char *profile, char **ret)
{
	char src[SHA256_HEX_SIZE], prof[SHA256_HEX_SIZE];
	size_t size = strlen(profile), head = after_two_lines(profile, size);

	if (!head || strpbrk(source_path, "'\r\n"))
		return -EINVAL;
	sha256_hex(source, source_size, src);
	sha256_hex(profile, size, prof);
	if (asprintf(ret, "%.*s" STAMP_PREFIX "%s' sha256 %s, profile sha256 %s\n%s", (int)head,
		     profile, source_path, src, prof, profile + head) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Parses the stamp line of a stored profile, and the digest of the profile without it. */
static int stamp_read(const char *path, const char *text, size_t size, struct seccomp_stamp *s,
		      char actual[SHA256_HEX_SIZE], struct lxcri_error *err)
{
	size_t head = after_two_lines(text, size), len = strlen(STAMP_PREFIX);
	const char *line = text + head, *nl, *quote;
	struct sha256 h;

	nl = head ? memchr(line, '\n', size - head) : NULL;
	if (!nl || (size_t)(nl - line) <= len || strncmp(line, STAMP_PREFIX, len) != 0)
		return error_set(err, -ESTALE,
				 "'%s' has no lxcri stamp on its line 3: it was not made by 'lxcri "
				 "seccomp set'",
				 path);
	quote = memchr(line + len, '\'', (size_t)(nl - line - (ptrdiff_t)len));
	if (!quote || (size_t)(quote - line - (ptrdiff_t)len) >= sizeof(s->source) ||
	    sscanf(quote, "' sha256 %64[0-9a-f], profile sha256 %64[0-9a-f]", s->source_sha256,
		   s->profile_sha256) != 2)
		return error_set(err, -ESTALE, "'%s': line 3 is not a valid lxcri stamp", path);
	memcpy(s->source, line + len, (size_t)(quote - line - (ptrdiff_t)len));
	s->source[quote - line - (ptrdiff_t)len] = '\0';

	sha256_init(&h);
	sha256_update(&h, text, head);
	sha256_update(&h, nl + 1, size - (size_t)(nl + 1 - text));
	sha256_final_hex(&h, actual);
	return 0;
}

static int lxc_key_check(const char *lxc_config, enum lxcconf_format format, const char *key,
			 const char *want, const char *feature, const char *id, const char *conf,
			 unsigned line, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *value = NULL;
	size_t size = 0;
	int r = read_file(lxc_config, PROFILE_MAX_SIZE, &text, &size);

	if (r < 0)
		return error_set_errno(err, r, "Failed to read LXC's config '%s'", lxc_config);
	if (lxcconf_get(text, size, format, key, &value) < 0)
		return error_set(err, -ENOMEM, "Out of memory");
	if (value && strcmp(value, want) == 0)
		return 0;
	if (value)
		return error_set(err, -ENOLINK,
				 "%s:%u: '%s' is set, but LXC's config '%s' has '%s%s %s', not "
				 "'%s': the container would start without it; run 'lxcri %s set "
				 "%s ...'",
				 conf, line, feature, lxc_config, key,
				 format == LXCCONF_PVE ? ":" : " =", value, want, feature, id);
	return error_set(err, -ENOLINK,
			 "%s:%u: '%s' is set, but LXC's config '%s' does not set %s%s %s: the "
			 "container would start without it; run 'lxcri %s set %s ...'",
			 conf, line, feature, lxc_config, key, format == LXCCONF_PVE ? ":" : " =",
			 want, feature, id);
}

/*
 * The stored profile (text) keeps the protections of the kind of container
 * id is now: a restore as unprivileged, or PVE's features keyctl= toggled,
 * changes what it must keep.
 */
static int kept_check(const struct lxcri_paths *p, const char *id, const struct config *c,
		      const char *profile, const char *text, struct lxcri_error *err)
{
	_cleanup_(seccompkeep_kept_done) struct seccompkeep_kept kept = {};
	struct seccompkeep_container now;
	int r = seccompkeep_profile_kept(text, &kept);

	if (r == -ENOENT || r == -EINVAL)
		return error_set(err, -ESTALE,
				 "'%s' does not say which of the protections of LXC and PVE it "
				 "keeps (an older lxcri made it): run 'lxcri seccomp set %s %s' "
				 "again",
				 profile, id, c->seccomp);
	if (r < 0)
		return error_set(err, r, "Out of memory");
	r = seccompkeep_kind_of(p, id, &now, err);
	if (r < 0)
		return r;
	if (now.kind != kept.kind)
		return error_set(err, -ESTALE,
				 "'%s' keeps the protections of %s, but '%s' now makes it %s: run "
				 "'lxcri seccomp set %s %s' again",
				 profile, seccompkeep_kind_phrase(kept.kind),
				 now.config[0] ? now.config : c->path,
				 seccompkeep_kind_phrase(now.kind), id, c->seccomp);
	return 0;
}

int profiles_check_seccomp(const struct lxcri_paths *p, const char *id, const struct config *c,
			   const char *lxc_config, struct seccomp_stamp *ret_stamp,
			   bool *ret_used_copy, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *source = NULL;
	char actual[SHA256_HEX_SIZE], digest[SHA256_HEX_SIZE];
	struct seccomp_files f;
	struct seccomp_stamp s = { 0 };
	bool used_copy = false;
	size_t size = 0, source_size = 0;
	int r;

	r = profiles_seccomp_files(p, id, &f);
	if (r < 0)
		return error_set(err, r, "Invalid container id '%s' or paths too long", id);
	r = read_file(f.profile, PROFILE_MAX_SIZE, &text, &size);
	if (r == -ENOENT)
		return error_set(err, -ENOENT,
				 "%s:%u: no generated profile '%s' for 'seccomp: %s': run 'lxcri "
				 "seccomp set %s %s'",
				 c->path, c->seccomp_line, f.profile, c->seccomp, id, c->seccomp);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", f.profile);
	r = stamp_read(f.profile, text, size, &s, actual, err);
	if (r < 0)
		return r;
	if (strcmp(actual, s.profile_sha256) != 0)
		return error_set(err, -ESTALE,
				 "'%s' was changed since 'lxcri seccomp set' made it: run 'lxcri "
				 "seccomp set %s %s' again",
				 f.profile, id, c->seccomp);
	if (strcmp(s.source, c->seccomp) != 0)
		return error_set(err, -ESTALE,
				 "%s:%u: 'seccomp: %s', but '%s' was made from '%s': run 'lxcri "
				 "seccomp set %s %s'",
				 c->path, c->seccomp_line, c->seccomp, f.profile, s.source, id,
				 c->seccomp);
	r = read_file(c->seccomp, PROFILE_MAX_SIZE, &source, &source_size);
	if (r == -ENOENT) {
		used_copy = true;
		r = read_file(f.copy, PROFILE_MAX_SIZE, &source, &source_size);
		if (r < 0)
			return error_set_errno(err, r,
					       "Neither the source '%s' nor its copy '%s' can be "
					       "read",
					       c->seccomp, f.copy);
	} else if (r < 0) {
		return error_set_errno(err, r, "Failed to read '%s'", c->seccomp);
	}
	sha256_hex(source, source_size, digest);
	if (strcmp(digest, s.source_sha256) != 0)
		return error_set(err, -ESTALE,
				 "'%s' changed since the profile '%s' was made from it: run 'lxcri "
				 "seccomp set %s %s' again",
				 used_copy ? f.copy : c->seccomp, f.profile, id, c->seccomp);
	r = kept_check(p, id, c, f.profile, text, err);
	if (r < 0)
		return r;
	if (lxc_config) {
		r = lxc_key_check(lxc_config, LXCCONF_LXC, "lxc.seccomp.profile", f.profile,
				  "seccomp", id, c->path, c->seccomp_line, err);
		if (r < 0)
			return r;
	}
	if (ret_stamp)
		*ret_stamp = s;
	if (ret_used_copy)
		*ret_used_copy = used_copy;
	return 0;
}

size_t profiles_lxc_keys(const struct lxcri_paths *p, const char *id, const struct config *c,
			 struct lxc_key_want ret[3])
{
	struct seccomp_files f;
	size_t n = 0;

	if (c->seccomp && profiles_seccomp_files(p, id, &f) >= 0) {
		ret[n] =
		    (struct lxc_key_want){ "seccomp", "lxc.seccomp.profile", "", c->seccomp_line };
		snprintf(ret[n++].value, sizeof(ret->value), "%s", f.profile);
	}
	if (c->apparmor_profile) {
		ret[n] = (struct lxc_key_want){ "apparmor", "lxc.apparmor.profile", "",
						c->apparmor_line };
		if (apparmor_lxc_profile(c, id, ret[n].value, sizeof(ret->value)) >= 0)
			n++;
	}
	if (c->selinux) {
		ret[n] =
		    (struct lxc_key_want){ "selinux", "lxc.selinux.context", "", c->selinux_line };
		snprintf(ret[n++].value, sizeof(ret->value), "%s", c->selinux);
	}
	return n;
}

/* Every profile key of c; lxc_config NULL: the profiles' own state only. */
static int check_all(const struct lxcri_paths *p, const char *id, const struct config *c,
		     const char *lxc_config, enum lxcconf_format format, struct lxcri_error *err)
{
	struct lxc_key_want want[3];
	size_t n = profiles_lxc_keys(p, id, c, want);
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		if (strcmp(want[i].feature, "seccomp") == 0)
			r = profiles_check_seccomp(p, id, c, NULL, NULL, NULL, err);
		if (r >= 0 && lxc_config)
			r = lxc_key_check(lxc_config, format, want[i].key, want[i].value,
					  want[i].feature, id, c->path, want[i].line, err);
	}
	return r;
}

int profiles_check(const struct lxcri_paths *p, const char *id, const struct config *c,
		   const char *lxc_config, struct lxcri_error *err)
{
	return check_all(p, id, c, lxc_config, LXCCONF_LXC, err);
}

int profiles_check_config(const struct lxcri_paths *p, const char *id, const struct config *c,
			  struct lxcri_error *err)
{
	enum lxcconf_format format;
	char path[PATH_MAX];

	if (!c->seccomp && !c->apparmor_profile && !c->selinux)
		return 0;
	if (lxcconf_path(p, id, path, sizeof(path), &format) < 0)
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	return check_all(p, id, c, access(path, F_OK) == 0 ? path : NULL, format, err);
}
