/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcri's guard in a PVE container's raw keys: see pveguard.h. */
#include "lib/pve/pveguard.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"

#define LXC_CONFIG_MAX (1024 * 1024)

int pveguard_value(const struct lxcri_paths *p, const char *vmid, char *buf, size_t size)
{
	char config[PATH_MAX];
	int r = paths_container_config(p, vmid, config, sizeof(config));

	if (r < 0)
		return r;
	return paths_join(buf, size, "%s/%s %s %s", p->libexec_dir, PVEGUARD_PROGRAM,
			  PVEGUARD_REQUIRES, config);
}

static bool key_is(const char *key, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(key, want, len) == 0;
}

static bool value_is(const char *value, size_t len, const char *want)
{
	return key_is(value, len, want);
}

bool pveguard_is_guard(const char *value, size_t len, char *ret_config, size_t size)
{
	const char *end = value + len, *word_end = value, *last = NULL, *base;
	size_t n;

	if (size > 0)
		ret_config[0] = '\0';
	while (word_end < end && !isspace((unsigned char)*word_end))
		word_end++;
	base = memrchr(value, '/', (size_t)(word_end - value));
	base = base ? base + 1 : value;
	if (!key_is(base, (size_t)(word_end - base), PVEGUARD_PROGRAM))
		return false;
	for (const char *s = word_end; s < end; s++)
		if (isspace((unsigned char)s[-1]) && !isspace((unsigned char)*s))
			last = s;
	n = last ? (size_t)(end - last) : 0;
	if (last && n < size && strncmp(last, "--", 2) != 0)
		snprintf(ret_config, size, "%.*s", (int)n, last);
	return true;
}

/*
 * The vmid whose file "<dir>/<N>.<...>" value names, other than vmid, into
 * other: true if there is one. A path counts where it starts a word.
 */
static bool names_other_vmid(const char *dir, const char *vmid, const char *value, size_t len,
			     char *other, size_t other_size)
{
	size_t dlen = strlen(dir);
	const char *end = value + len;

	for (const char *s = value; dlen > 0 && (size_t)(end - s) > dlen;) {
		const char *hit = memmem(s, (size_t)(end - s), dir, dlen);
		const char *digits, *d;

		if (!hit)
			return false;
		s = hit + 1;
		if (hit > value && !isspace((unsigned char)hit[-1]) && hit[-1] != '=' &&
		    hit[-1] != ':')
			continue;
		digits = hit + dlen;
		if (digits >= end || *digits != '/')
			continue;
		digits++;
		for (d = digits; d < end && isdigit((unsigned char)*d); d++)
			;
		if (d == digits || d >= end || *d != '.' || (size_t)(d - digits) >= other_size)
			continue;
		snprintf(other, other_size, "%.*s", (int)(d - digits), digits);
		if (paths_id_is_vmid(other) && strcmp(other, vmid) != 0)
			return true;
	}
	return false;
}

/* Whether value is a path in lxcri's store of profiles, "<dir>/seccomp/...". */
static bool names_store(const char *dir, const char *value, size_t len)
{
	size_t dlen = strlen(dir);

	return dlen > 0 && len > dlen + 9 && memcmp(value, dir, dlen) == 0 &&
	       memcmp(value + dlen, "/seccomp/", 9) == 0;
}

struct foreign_scan {
	const char *dir, *vmid;
	struct pveguard_foreign *ret;
	size_t max, n;
};

static int foreign_visit(const char *key, size_t key_len, const char *value, size_t value_len,
			 unsigned line, void *arg)
{
	struct foreign_scan *s = arg;
	char other[16];

	if (key_len < 4 || memcmp(key, "lxc.", 4) != 0 ||
	    !names_other_vmid(s->dir, s->vmid, value, value_len, other, sizeof(other)))
		return 0;
	if (s->n < s->max) {
		struct pveguard_foreign *f = &s->ret[s->n];

		snprintf(f->key, sizeof(f->key), "%.*s", (int)key_len, key);
		snprintf(f->vmid, sizeof(f->vmid), "%s", other);
		f->line = line;
	}
	s->n++;
	return 0;
}

size_t pveguard_foreign_keys(const char *lxcri_dir, const char *vmid, const char *text, size_t size,
			     enum lxcconf_format format, struct pveguard_foreign *ret, size_t max)
{
	struct foreign_scan s = { .dir = lxcri_dir, .vmid = vmid, .ret = ret, .max = max };

	(void)lxcconf_each(text, size, format, foreign_visit, &s);
	return s.n;
}

struct guard_match {
	const char *own;	/* vmid's guard value */
	const char *own_config; /* vmid's lxcri config */
	const char *dir;	/* lxcri's config dir */
	const char *vmid;
	enum { MATCH_OTHER_GUARDS, MATCH_OWN_GUARD, MATCH_STRIP, MATCH_STRIP_KEEP_OWN } what;
};

static bool guard_match(const char *key, size_t key_len, const char *value, size_t value_len,
			void *arg)
{
	const struct guard_match *m = arg;
	char config[PATH_MAX], other[16];
	bool own, guard;

	if ((m->what == MATCH_STRIP || m->what == MATCH_STRIP_KEEP_OWN) && key_len >= 4 &&
	    memcmp(key, "lxc.", 4) == 0 &&
	    names_other_vmid(m->dir, m->vmid, value, value_len, other, sizeof(other)))
		return true;
	/* Going unmanaged: lxcri's other keys go too (a profile in its store, its AppArmor name).
	 */
	if (m->what == MATCH_STRIP &&
	    (names_store(m->dir, value, value_len) ||
	     (key_is(key, key_len, "lxc.apparmor.profile") &&
	      value_len > strlen(APPARMOR_GENERATED_PREFIX) &&
	      memcmp(value, APPARMOR_GENERATED_PREFIX, strlen(APPARMOR_GENERATED_PREFIX)) == 0)))
		return true;
	if (!key_is(key, key_len, PVEGUARD_KEY))
		return false;
	guard = pveguard_is_guard(value, value_len, config, sizeof(config));
	own = value_is(value, value_len, m->own);
	switch (m->what) {
	case MATCH_OTHER_GUARDS:
		return guard && !own;
	case MATCH_OWN_GUARD:
		return guard && strcmp(config, m->own_config) == 0;
	case MATCH_STRIP:
		return guard;
	default:
		return guard && !own;
	}
}

/* The guard value, lxcri config and config dir of vmid. */
struct guard_names {
	char value[PATH_MAX + 64];
	char config[PATH_MAX];
	char dir[PATH_MAX];
};

static int guard_names(const struct lxcri_paths *p, const char *vmid, struct guard_names *ret)
{
	int r = pveguard_value(p, vmid, ret->value, sizeof(ret->value));

	if (r >= 0)
		r = paths_container_config(p, vmid, ret->config, sizeof(ret->config));
	if (r >= 0)
		r = paths_container_config_dir(p, true, ret->dir, sizeof(ret->dir));
	return r;
}

struct guarded_scan {
	const char *config;
	bool found;
};

static int guarded_visit(const char *key, size_t key_len, const char *value, size_t value_len,
			 unsigned line, void *arg)
{
	struct guarded_scan *s = arg;
	char named[PATH_MAX];

	(void)line;
	if (key_is(key, key_len, PVEGUARD_KEY) &&
	    pveguard_is_guard(value, value_len, named, sizeof(named)) &&
	    strcmp(named, s->config) == 0)
		s->found = true;
	return 0;
}

bool pveguard_guards(const char *text, size_t size, const char *config)
{
	struct guarded_scan s = { .config = config };

	(void)lxcconf_each(text, size, LXCCONF_PVE, guarded_visit, &s);
	return s.found;
}

/* Which guards (and keys) a match takes, for vmid. */
static int guard_match_init(const struct lxcri_paths *p, const char *vmid, int what,
			    struct guard_names *g, struct guard_match *m)
{
	int r = guard_names(p, vmid, g);

	*m = (struct guard_match){
		.own = g->value, .own_config = g->config, .dir = g->dir, .vmid = vmid, .what = what
	};
	return r;
}

int pveguard_edit(const struct lxcri_paths *p, const char *vmid, const char *text, size_t size,
		  bool want, char **ret_text, size_t *ret_size)
{
	_cleanup_free_ char *without = NULL;
	struct guard_names g;
	struct guard_match m;
	size_t n = 0;
	int r, removed;

	*ret_text = NULL;
	r = guard_match_init(p, vmid, want ? MATCH_OTHER_GUARDS : MATCH_OWN_GUARD, &g, &m);
	if (r < 0)
		return r;
	removed = lxcconf_remove_if(text, size, LXCCONF_PVE, guard_match, &m, &without, &n);
	if (removed < 0)
		return removed;
	if (!want) {
		*ret_text = TAKE_PTR(without);
		*ret_size = n;
		return removed > 0;
	}
	if (removed > 0) {
		text = without;
		size = n;
	}
	r = lxcconf_list_add(text, size, LXCCONF_PVE, PVEGUARD_KEY, g.value, ret_text, ret_size);
	if (r < 0)
		return r;
	if (r == 0 && removed > 0) {
		*ret_text = TAKE_PTR(without);
		*ret_size = n;
	}
	return r > 0 || removed > 0;
}

int pveguard_strip(const struct lxcri_paths *p, const char *vmid, const char *text, size_t size,
		   bool keep_own, char **ret_text, size_t *ret_size)
{
	struct guard_names g;
	struct guard_match m;
	int r = guard_match_init(p, vmid, keep_own ? MATCH_STRIP_KEEP_OWN : MATCH_STRIP, &g, &m);

	*ret_text = NULL;
	if (r < 0)
		return r;
	return lxcconf_remove_if(text, size, LXCCONF_PVE, guard_match, &m, ret_text, ret_size);
}

int pveguard_args_parse(int argc, char **argv, struct pveguard_args *ret, struct lxcri_error *err)
{
	const char *name = getenv("LXC_NAME");
	int i = 1;

	*ret = (struct pveguard_args){ .lxc_config = getenv("LXC_CONFIG_FILE") };
	if (i < argc && strncmp(argv[i], "--requires=", 11) == 0)
		i++;
	if (i >= argc || argv[i][0] != '/')
		return error_set(err, -EINVAL,
				 "usage: " PVEGUARD_PROGRAM " " PVEGUARD_REQUIRES
				 " <lxcri config> [<name> lxc pre-start] (an LXC pre-start hook)");
	ret->config = argv[i++];
	ret->name = name && *name ? name : i < argc ? argv[i] : NULL;
	if (!ret->name || !paths_id_valid(ret->name))
		return error_set(err, -EINVAL,
				 "No container name from LXC (LXC_NAME, or the hook's arguments)");
	if (!ret->lxc_config || ret->lxc_config[0] != '/')
		return error_set(err, -EINVAL,
				 "LXC did not say which config CT %s starts with (LXC_CONFIG_FILE)",
				 ret->name);
	return 0;
}

/* What the container's LXC config runs at pre-start and start-host: lxcri-hook, or not. */
struct hooks_scan {
	bool pre_start, start_host;
	char program[PATH_MAX];
};

static int hooks_visit(const char *key, size_t key_len, const char *value, size_t value_len,
		       void *arg)
{
	struct hooks_scan *s = arg;
	bool pre = key_is(key, key_len, "lxc.hook.pre-start");
	const char *end = value + value_len, *word_end = value, *base;
	bool ours;

	if (!pre && !key_is(key, key_len, "lxc.hook.start-host"))
		return 0;
	while (word_end < end && !isspace((unsigned char)*word_end))
		word_end++;
	base = memrchr(value, '/', (size_t)(word_end - value));
	base = base ? base + 1 : value;
	ours = key_is(base, (size_t)(word_end - base), "lxcri-hook");
	/* An empty value clears LXC's list of that hook. */
	if (value_len == 0 || ours) {
		if (pre)
			s->pre_start = ours;
		else
			s->start_host = ours;
	}
	if (ours && (size_t)(word_end - value) < sizeof(s->program))
		snprintf(s->program, sizeof(s->program), "%.*s", (int)(word_end - value), value);
	return 0;
}

#define RUN_WITHOUT "'lxcri guard remove %s' to run it without lxcri"

int pveguard_check_start(const struct pveguard_args *a, struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *copy = NULL;
	struct pveguard_foreign found[1];
	struct hooks_scan hooks = {};
	char vmid[16];
	const char *base, *dot;
	struct stat st;
	size_t size = 0;
	int r;

	/* The vmid the guard was written for: <dir>/<vmid>.conf. */
	copy = strdup(a->config);
	if (!copy)
		return error_oom(err);
	base = strrchr(copy, '/');
	dot = base ? strrchr(base, '.') : NULL;
	if (!base || base == copy || !dot || strcmp(dot, ".conf") != 0 ||
	    (size_t)(dot - base - 1) >= sizeof(vmid))
		return error_set(err, -EINVAL, "The guard of CT %s names '%s', not an lxcri config",
				 a->name, a->config);
	snprintf(vmid, sizeof(vmid), "%.*s", (int)(dot - base - 1), base + 1);
	if (!paths_id_is_vmid(vmid))
		return error_set(err, -EINVAL, "The guard of CT %s names '%s', not a vmid's config",
				 a->name, a->config);
	copy[base - copy] = '\0'; /* the lxcri config dir */

	if (strcmp(vmid, a->name) != 0)
		return error_set(err, -EXDEV,
				 "CT %s carries lxcri's guard of CT %s ('%s'): pct clone or "
				 "restore copied CT %s's raw keys, not its lxcri config. Run "
				 "'lxcri config export %s | lxcri config import %s -' to give it a "
				 "copy of CT %s's lxcri config, or " RUN_WITHOUT,
				 a->name, vmid, a->config, vmid, vmid, a->name, vmid, a->name);

	r = fileio_read_file(a->lxc_config, LXC_CONFIG_MAX, &text, &size);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", a->lxc_config);
	if (pveguard_foreign_keys(copy, a->name, text, size, LXCCONF_LXC, found, 1) > 0)
		return error_set(
		    err, -EXDEV,
		    "CT %s's raw key %s (line %u of '%s') names lxcri files of CT "
		    "%s: pct clone or restore copied it. Run 'lxcri config export %s "
		    "| lxcri config import %s -' to give CT %s a copy of CT %s's lxcri "
		    "config, or " RUN_WITHOUT,
		    a->name, found[0].key, found[0].line, a->lxc_config, found[0].vmid,
		    found[0].vmid, a->name, a->name, found[0].vmid, a->name);

	if (stat(a->config, &st) < 0) {
		if (errno != ENOENT)
			return error_set_errno(err, -errno, "Failed to read '%s'", a->config);
		return error_set(err, -ENOENT,
				 "CT %s is managed by lxcri (its PVE config has lxcri's guard), "
				 "but '%s' does not exist: backups do not carry /etc/pve/lxcri. "
				 "Run 'lxcri config import %s <file>' with a file from 'lxcri "
				 "config export %s', or " RUN_WITHOUT,
				 a->name, a->config, a->name, a->name, a->name);
	}

	r = lxcconf_walk(a->lxc_config, hooks_visit, &hooks, err);
	if (r < 0)
		return r;
	if (!hooks.pre_start || !hooks.start_host)
		return error_set(err, -ENOPKG,
				 "lxcri's hooks do not run for CT %s: no lxc.hook.%s of '%s' (and "
				 "what it includes) runs lxcri-hook, which pve-lxcri's drop-in "
				 "common.conf.d/50-lxcri.conf adds; CT %s would start without its "
				 "networks and ports. Install pve-lxcri on this node, or start CT "
				 "%s on a node that has it",
				 a->name, hooks.pre_start ? "start-host" : "pre-start",
				 a->lxc_config, a->name, a->name);
	if (access(hooks.program, X_OK) < 0)
		return error_set(err, -ENOPKG,
				 "lxcri's hooks cannot run for CT %s: '%s' is not executable (%s). "
				 "Install pve-lxcri on this node again",
				 a->name, hooks.program, strerror(errno));
	return 0;
}
