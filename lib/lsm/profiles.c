/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/lsm/profiles.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/lsm/apparmor.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lxcconf.h"
#include "lib/lsm/seccompkeep.h"

#define PROFILE_MAX_SIZE (4 * 1024 * 1024)
#define STAMP_PREFIX	 "# lxcri: source sha256 "

/* <dir>/<id> of the container's config, without ".conf". */
static int config_stem(const struct lxcri_paths *p, const char *id, char conf[PATH_MAX])
{
	int r = paths_container_config(p, id, conf, PATH_MAX);
	size_t n;

	if (r < 0)
		return r;
	n = strlen(conf);
	if (n < 5 || strcmp(conf + n - 5, ".conf") != 0)
		return -EINVAL;
	conf[n - 5] = '\0';
	return 0;
}

int profiles_seccomp_store(const struct lxcri_paths *p, const char *id, char *buf, size_t size)
{
	char stem[PATH_MAX];
	int r = config_stem(p, id, stem);
	char *slash = r < 0 ? NULL : strrchr(stem, '/');

	if (r < 0)
		return r;
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	return paths_join(buf, size, "%s/seccomp", stem);
}

static bool sha256_hex_valid(const char *s)
{
	return strlen(s) == SHA256_HEX_SIZE - 1 &&
	       strspn(s, "0123456789abcdef") == SHA256_HEX_SIZE - 1;
}

int profiles_seccomp_files(const struct lxcri_paths *p, const char *id, const char *profile_sha256,
			   const char *source_sha256, struct seccomp_files *ret)
{
	char store[PATH_MAX];
	int r = profiles_seccomp_store(p, id, store, sizeof(store));

	if (r < 0)
		return r;
	if (!sha256_hex_valid(profile_sha256) ||
	    (*source_sha256 && !sha256_hex_valid(source_sha256)))
		return -EINVAL;
	ret->copy[0] = '\0';
	r = paths_join(ret->profile, sizeof(ret->profile), "%s/%s.seccomp", store, profile_sha256);
	if (r >= 0 && *source_sha256)
		r = paths_join(ret->copy, sizeof(ret->copy), "%s/%s.json", store, source_sha256);
	return r;
}

int profiles_seccomp_old_files(const struct lxcri_paths *p, const char *id,
			       struct seccomp_files *ret)
{
	char stem[PATH_MAX];
	int r = config_stem(p, id, stem);

	if (r >= 0)
		r = paths_join(ret->profile, sizeof(ret->profile), "%s.seccomp", stem);
	if (r >= 0)
		r = paths_join(ret->copy, sizeof(ret->copy), "%s.seccomp.json", stem);
	return r;
}

int profiles_store_lock(const struct lxcri_paths *p, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/.locks/.seccomp-store.lock", p->run_dir) < 0)
		return error_set(err, -ENAMETOOLONG,
				 "Path of the profile store's lock is too long");
	return lock_file(path, 30000, err);
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

int profiles_seccomp_stamp(const char *source, size_t source_size, const char *profile, char **ret,
			   char ret_sha256[SHA256_HEX_SIZE])
{
	char src[SHA256_HEX_SIZE];
	size_t size = strlen(profile), head = after_two_lines(profile, size);
	int n;

	if (!head)
		return -EINVAL;
	sha256_hex(source, source_size, src);
	n = asprintf(ret, "%.*s" STAMP_PREFIX "%s\n%s", (int)head, profile, src, profile + head);
	if (n < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	sha256_hex(*ret, (size_t)n, ret_sha256);
	return 0;
}

int profiles_seccomp_stamp_read(const char *path, const char *text, size_t size,
				struct seccomp_stamp *s, struct lxcri_error *err)
{
	size_t head = after_two_lines(text, size), len = strlen(STAMP_PREFIX);
	const char *line = text + head, *nl;

	nl = head ? memchr(line, '\n', size - head) : NULL;
	if (!nl || strncmp(line, STAMP_PREFIX, len) != 0)
		return error_set(err, -ESTALE,
				 "'%s' has no lxcri stamp on its line 3: it was not made by 'lxcri "
				 "seccomp set'",
				 path);
	if ((size_t)(nl - line) != len + SHA256_HEX_SIZE - 1)
		return error_set(err, -ESTALE, "'%s': line 3 is not a valid lxcri stamp", path);
	memcpy(s->source_sha256, line + len, SHA256_HEX_SIZE - 1);
	s->source_sha256[SHA256_HEX_SIZE - 1] = '\0';
	if (!sha256_hex_valid(s->source_sha256))
		return error_set(err, -ESTALE, "'%s': line 3 is not a valid lxcri stamp", path);
	return 0;
}

static int lxc_key_check(const char *lxc_config, enum lxcconf_format format, const char *key,
			 const char *want, const char *feature, const char *id, const char *conf,
			 unsigned line, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *value = NULL;
	size_t size = 0;
	int r = fileio_read_file(lxc_config, PROFILE_MAX_SIZE, &text, &size);

	if (r < 0)
		return error_set_errno(err, r, "Failed to read LXC's config '%s'", lxc_config);
	if (lxcconf_get(text, size, format, key, &value) < 0)
		return error_oom(err);
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
				 profile, id, c->lsm.seccomp);
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
				 seccompkeep_kind_phrase(now.kind), id, c->lsm.seccomp);
	return 0;
}

/* The config's seccomp key without seccomp-sha256: never set, or set by an older version. */
static int no_stored_profile(const struct lxcri_paths *p, const char *id, const struct config *c,
			     struct lxcri_error *err)
{
	struct seccomp_files old;

	if (profiles_seccomp_old_files(p, id, &old) >= 0 && access(old.profile, F_OK) == 0)
		return error_set(err, -ESTALE,
				 "%s:%u: '%s' is in the layout of an older lxcri (one profile per "
				 "container): run 'lxcri seccomp set %s %s' to store it by digest",
				 c->path, c->lsm.seccomp_line, old.profile, id, c->lsm.seccomp);
	return error_set(err, -ENOENT,
			 "%s:%u: no generated profile for 'seccomp: %s': run 'lxcri seccomp set %s "
			 "%s'",
			 c->path, c->lsm.seccomp_line, c->lsm.seccomp, id, c->lsm.seccomp);
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

	if (!c->lsm.seccomp_sha256[0])
		return no_stored_profile(p, id, c, err);
	r = profiles_seccomp_files(p, id, c->lsm.seccomp_sha256, "", &f);
	if (r < 0)
		return error_set(err, r, "Invalid container id '%s' or paths too long", id);
	r = fileio_read_file(f.profile, PROFILE_MAX_SIZE, &text, &size);
	if (r == -ENOENT)
		return error_set(err, -ENOENT,
				 "%s:%u: no generated profile '%s' for 'seccomp: %s': run 'lxcri "
				 "seccomp set %s %s'",
				 c->path, c->lsm.seccomp_sha256_line, f.profile, c->lsm.seccomp, id,
				 c->lsm.seccomp);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", f.profile);
	sha256_hex(text, size, actual);
	if (strcmp(actual, c->lsm.seccomp_sha256) != 0)
		return error_set(err, -ESTALE,
				 "'%s' was changed since 'lxcri seccomp set' made it: run 'lxcri "
				 "seccomp set %s %s' again",
				 f.profile, id, c->lsm.seccomp);
	r = profiles_seccomp_stamp_read(f.profile, text, size, &s, err);
	if (r < 0)
		return r;
	r = profiles_seccomp_files(p, id, c->lsm.seccomp_sha256, s.source_sha256, &f);
	if (r < 0)
		return error_set(err, r, "Invalid container id '%s' or paths too long", id);
	r = fileio_read_file(c->lsm.seccomp, PROFILE_MAX_SIZE, &source, &source_size);
	if (r == -ENOENT) {
		used_copy = true;
		r = fileio_read_file(f.copy, PROFILE_MAX_SIZE, &source, &source_size);
		if (r < 0)
			return error_set_errno(err, r,
					       "Neither the source '%s' nor its copy '%s' can be "
					       "read",
					       c->lsm.seccomp, f.copy);
	} else if (r < 0) {
		return error_set_errno(err, r, "Failed to read '%s'", c->lsm.seccomp);
	}
	sha256_hex(source, source_size, digest);
	if (strcmp(digest, s.source_sha256) != 0)
		return error_set(err, -ESTALE,
				 "'%s' changed since the profile '%s' was made from it: run 'lxcri "
				 "seccomp set %s %s' again",
				 used_copy ? f.copy : c->lsm.seccomp, f.profile, id,
				 c->lsm.seccomp);
	r = kept_check(p, id, c, f.profile, text, err);
	if (r < 0)
		return r;
	if (lxc_config) {
		r = lxc_key_check(lxc_config, LXCCONF_LXC, "lxc.seccomp.profile", f.profile,
				  "seccomp", id, c->path, c->lsm.seccomp_line, err);
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

	/* Without seccomp-sha256: what an older version set, so that unset still finds it. */
	if (c->lsm.seccomp &&
	    (c->lsm.seccomp_sha256[0] ? profiles_seccomp_files(p, id, c->lsm.seccomp_sha256, "", &f)
				      : profiles_seccomp_old_files(p, id, &f)) >= 0) {
		ret[n] = (struct lxc_key_want){ "seccomp", "lxc.seccomp.profile", "",
						c->lsm.seccomp_line };
		snprintf(ret[n++].value, sizeof(ret->value), "%s", f.profile);
	}
	if (c->lsm.apparmor_profile) {
		ret[n] = (struct lxc_key_want){ "apparmor", "lxc.apparmor.profile", "",
						c->lsm.apparmor_line };
		if (apparmor_lxc_profile(c, id, ret[n].value, sizeof(ret->value)) >= 0)
			n++;
	}
	if (c->lsm.selinux) {
		ret[n] = (struct lxc_key_want){ "selinux", "lxc.selinux.context", "",
						c->lsm.selinux_line };
		snprintf(ret[n++].value, sizeof(ret->value), "%s", c->lsm.selinux);
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

	if (!c->lsm.seccomp && !c->lsm.apparmor_profile && !c->lsm.selinux)
		return 0;
	if (lxcconf_path(p, id, path, sizeof(path), &format) < 0)
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	return check_all(p, id, c, access(path, F_OK) == 0 ? path : NULL, format, err);
}
