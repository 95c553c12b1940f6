/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The security profile keys: seccomp, seccomp-sha256, apparmor, selinux (lsm.h). */
#include "lib/config/lsm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/valid.h"
#include "lib/basic/strv.h"
#include "lib/config/keys.h"

/* seccomp, seccomp-sha256 */

static int parse_seccomp(struct config_parser *p, unsigned index, char *value)
{
	int r;

	(void)index;
	r = config_parse_path(p, NULL, value);
	if (r < 0)
		return r;
	p->c->lsm.seccomp = strdup(value);
	if (!p->c->lsm.seccomp)
		return config_fail_oom(p);
	p->c->lsm.seccomp_line = p->rd.line;
	return 0;
}

static int format_seccomp(FILE *f, const struct config *c)
{
	if (!c->lsm.seccomp)
		return 0;
	if (!config_fits_value(c->lsm.seccomp))
		return -EINVAL;
	fprintf(f, "seccomp: %s\n", c->lsm.seccomp);
	return 0;
}

static bool seccomp_equal(const struct config *a, const struct config *b)
{
	return config_str_equal(a->lsm.seccomp, b->lsm.seccomp);
}

static void seccomp_free(struct config *c)
{
	free(c->lsm.seccomp);
}

static int parse_seccomp_sha256(struct config_parser *p, unsigned index, char *value)
{
	(void)index;
	if (strlen(value) != 64 || strspn(value, "0123456789abcdef") != 64)
		return config_invalid(
		    p, NULL, value,
		    "expected the 64 lowercase hex digits of a sha256 digest, as 'lxcri "
		    "seccomp set' writes it");
	memcpy(p->c->lsm.seccomp_sha256, value, 65);
	p->c->lsm.seccomp_sha256_line = p->rd.line;
	return 0;
}

/* The digest names the stored copy of the profile that seccomp points at. */
static int finish_seccomp_sha256(struct config_parser *p)
{
	if (p->c->lsm.seccomp_sha256[0] && !p->c->lsm.seccomp)
		return error_set(p->rd.err, -EINVAL,
				 "%s:%u: 'seccomp-sha256' without 'seccomp': run 'lxcri seccomp "
				 "set' or remove the line",
				 p->rd.name, p->c->lsm.seccomp_sha256_line);
	return 0;
}

static int format_seccomp_sha256(FILE *f, const struct config *c)
{
	if (c->lsm.seccomp_sha256[0])
		fprintf(f, "seccomp-sha256: %s\n", c->lsm.seccomp_sha256);
	return 0;
}

static bool seccomp_sha256_equal(const struct config *a, const struct config *b)
{
	return strcmp(a->lsm.seccomp_sha256, b->lsm.seccomp_sha256) == 0;
}

/* apparmor */

enum { APPARMOR_PROFILE, APPARMOR_NESTING, APPARMOR_MOUNT };

static const char *const apparmor_properties[] = { "profile", "nesting", "mount", NULL };

static int parse_apparmor(struct config_parser *p, unsigned index, char *value)
{
	char *v[ELEMENTSOF(apparmor_properties)];
	bool generated;
	int r, n;

	(void)index;
	r = config_split_properties(p, value, apparmor_properties, v);
	if (r < 0)
		return r;
	if (!v[APPARMOR_PROFILE])
		return config_missing(p, "'profile'");
	if (!valid_apparmor_profile(v[APPARMOR_PROFILE]))
		return config_invalid(
		    p, "profile", v[APPARMOR_PROFILE],
		    "expected a profile name of 1 to 255 characters from A-Z a-z 0-9 "
		    "_ . : / + -, or 'unconfined' or 'generated'");
	generated = strcmp(v[APPARMOR_PROFILE], "generated") == 0;
	if (v[APPARMOR_NESTING]) {
		if (!generated)
			return config_invalid(p, "nesting", v[APPARMOR_NESTING],
					      "only valid with profile=generated");
		if (strcmp(v[APPARMOR_NESTING], "0") != 0 && strcmp(v[APPARMOR_NESTING], "1") != 0)
			return config_invalid(p, "nesting", v[APPARMOR_NESTING], "expected 0 or 1");
		p->c->lsm.apparmor_nesting = v[APPARMOR_NESTING][0] == '1';
	}
	if (v[APPARMOR_MOUNT]) {
		_cleanup_free_ char **items = NULL;

		if (!generated)
			return config_invalid(p, "mount", v[APPARMOR_MOUNT],
					      "only valid with profile=generated");
		n = config_split_list(p, "mount", v[APPARMOR_MOUNT], &items);
		if (n < 0)
			return n;
		if (n > CONFIG_MAX_APPARMOR_MOUNTS)
			return config_invalid(p, "mount", v[APPARMOR_MOUNT],
					      "at most %d file system types",
					      CONFIG_MAX_APPARMOR_MOUNTS);
		for (int i = 0; i < n; i++) {
			if (!valid_fstype(items[i]))
				return config_invalid(
				    p, "mount", items[i],
				    "expected a file system type of 1 to 63 characters "
				    "from a-z A-Z 0-9 _ . -, like 'nfs' or 'fuse.sshfs'");
			for (int j = 0; j < i; j++)
				if (strcmp(items[i], items[j]) == 0)
					return config_invalid(p, "mount", items[i], "listed twice");
		}
		r = config_copy_items(p, items, &p->c->lsm.apparmor_mounts);
		if (r < 0)
			return r;
	}
	p->c->lsm.apparmor_profile = strdup(v[APPARMOR_PROFILE]);
	if (!p->c->lsm.apparmor_profile)
		return config_fail_oom(p);
	p->c->lsm.apparmor_line = p->rd.line;
	return 0;
}

int lsm_apparmor_value(const struct config_lsm *lsm, char *buf, size_t size)
{
	size_t n;
	int r;

	if (!lsm->apparmor_profile)
		return -ENOENT;
	r = snprintf(buf, size, "profile=%s%s", lsm->apparmor_profile,
		     lsm->apparmor_nesting ? ",nesting=1" : "");
	for (char **m = lsm->apparmor_mounts; r >= 0 && (size_t)r < size && m && *m; m++) {
		n = (size_t)r;
		r = snprintf(buf + n, size - n, "%s%s", m == lsm->apparmor_mounts ? ",mount=" : ";",
			     *m);
		r = r < 0 ? r : (int)n + r;
	}
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

static int format_apparmor(FILE *f, const struct config *c)
{
	char value[CONFIG_APPARMOR_VALUE_MAX];

	if (!c->lsm.apparmor_profile)
		return 0;
	if (!config_fits_property(c->lsm.apparmor_profile) ||
	    (c->lsm.apparmor_mounts && !config_strv_fits_property(c->lsm.apparmor_mounts)) ||
	    lsm_apparmor_value(&c->lsm, value, sizeof(value)) < 0)
		return -EINVAL;
	fprintf(f, "apparmor: %s\n", value);
	return 0;
}

static bool apparmor_equal(const struct config *a, const struct config *b)
{
	return config_str_equal(a->lsm.apparmor_profile, b->lsm.apparmor_profile) &&
	       a->lsm.apparmor_nesting == b->lsm.apparmor_nesting &&
	       config_strv_equal(a->lsm.apparmor_mounts, b->lsm.apparmor_mounts);
}

static void apparmor_free(struct config *c)
{
	free(c->lsm.apparmor_profile);
	strv_free(c->lsm.apparmor_mounts);
}

/* selinux */

static int parse_selinux(struct config_parser *p, unsigned index, char *value)
{
	(void)index;
	if (!valid_selinux_context(value))
		return config_invalid(
		    p, NULL, value,
		    "expected <user>:<role>:<type>[:<level>] like "
		    "'system_u:system_r:container_t:s0:c10,c20' (names of A-Z a-z 0-9 "
		    "_ .; level s<N>[:c<N>[.c<M>],...][-<level>], N and M up to 1023)");
	p->c->lsm.selinux = strdup(value);
	if (!p->c->lsm.selinux)
		return config_fail_oom(p);
	p->c->lsm.selinux_line = p->rd.line;
	return 0;
}

static int format_selinux(FILE *f, const struct config *c)
{
	if (!c->lsm.selinux)
		return 0;
	if (!config_fits_value(c->lsm.selinux))
		return -EINVAL;
	fprintf(f, "selinux: %s\n", c->lsm.selinux);
	return 0;
}

static bool selinux_equal(const struct config *a, const struct config *b)
{
	return config_str_equal(a->lsm.selinux, b->lsm.selinux);
}

static void selinux_free(struct config *c)
{
	free(c->lsm.selinux);
}

const struct config_key_type lsm_keys[] = {
	{ "seccomp", 0, "seccomp", parse_seccomp, NULL, format_seccomp, seccomp_equal,
	  seccomp_free },
	{ "seccomp-sha256", 0, "seccomp", parse_seccomp_sha256, finish_seccomp_sha256,
	  format_seccomp_sha256, seccomp_sha256_equal, NULL },
	{ "apparmor", 0, "apparmor", parse_apparmor, NULL, format_apparmor, apparmor_equal,
	  apparmor_free },
	{ "selinux", 0, "selinux", parse_selinux, NULL, format_selinux, selinux_equal,
	  selinux_free },
	{},
};
