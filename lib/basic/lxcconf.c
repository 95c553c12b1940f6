/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/lxcconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/strv.h"

int lxcconf_path(const struct lxcri_paths *p, const char *id, char *buf, size_t size,
		 enum lxcconf_format *ret_format)
{
	bool pve = paths_pve_mode(p) && paths_id_is_vmid(id);

	if (!paths_id_valid(id))
		return -EINVAL;
	*ret_format = pve ? LXCCONF_PVE : LXCCONF_LXC;
	return pve ? paths_join(buf, size, "%s/lxc/%s.conf", p->pve_dir, id)
		   : paths_join(buf, size, "%s/%s/config", p->lxc_path, id);
}

/* One line of a config, split: [key, key_end) and [value, value_end), trimmed. */
struct line {
	const char *start, *end; /* the line, its line end excluded */
	const char *next;	 /* the next line */
	const char *key, *key_end, *value, *value_end;
	bool assignment;
	bool section; /* a PVE "[name]" header */
};

static void line_read(const char *p, const char *limit, enum lxcconf_format format, struct line *l)
{
	const char *nl = memchr(p, '\n', (size_t)(limit - p));
	const char *s, *e, *sep;

	*l = (struct line){ .start = p, .end = nl ? nl : limit, .next = nl ? nl + 1 : limit };
	s = l->start;
	e = l->end;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (s == e || *s == '#')
		return;
	if (format == LXCCONF_PVE && *s == '[') {
		l->section = true;
		return;
	}
	sep = memchr(s, format == LXCCONF_PVE ? ':' : '=', (size_t)(e - s));
	if (format == LXCCONF_PVE && e - s > 4 && strncmp(s, "lxc.", 4) == 0) {
		/* PVE also takes "lxc.key = value" (and writes it back as "lxc.key: value"). */
		const char *equals = memchr(s, '=', (size_t)(e - s));
		if (equals && (!sep || equals < sep))
			sep = equals;
	}
	if (!sep)
		return;
	l->key = s;
	l->key_end = sep;
	while (l->key_end > s && isspace((unsigned char)l->key_end[-1]))
		l->key_end--;
	l->value = sep + 1;
	while (l->value < e && isspace((unsigned char)*l->value))
		l->value++;
	l->value_end = e;
	l->assignment = true;
}

static bool line_is_key(const struct line *l, const char *key)
{
	size_t n = strlen(key);
	return l->assignment && (size_t)(l->key_end - l->key) == n && memcmp(l->key, key, n) == 0;
}

struct last_of_key {
	const char *key, *value, *value_end;
	unsigned line;
};

static int last_of_key_visit(const char *key, size_t key_len, const char *value, size_t value_len,
			     unsigned line, void *arg)
{
	struct last_of_key *k = arg;

	if (key_len == strlen(k->key) && memcmp(key, k->key, key_len) == 0)
		k->value = value, k->value_end = value + value_len, k->line = line;
	return 0;
}

int lxcconf_get_line(const char *text, size_t size, enum lxcconf_format format, const char *key,
		     char **ret, unsigned *ret_line)
{
	struct last_of_key k = { .key = key };

	*ret = NULL;
	(void)lxcconf_each(text, size, format, last_of_key_visit, &k);
	if (ret_line)
		*ret_line = k.line;
	if (!k.value || k.value == k.value_end)
		return 0;
	*ret = strndup(k.value, (size_t)(k.value_end - k.value));
	return *ret ? 0 : -ENOMEM;
}

int lxcconf_get(const char *text, size_t size, enum lxcconf_format format, const char *key,
		char **ret)
{
	return lxcconf_get_line(text, size, format, key, ret, NULL);
}

/*
 * Ends out (n bytes so far, room for what follows): the line (if any, on a
 * line of its own), then [rest, limit); hands it to *ret_text.
 */
static void finish(char *out, size_t n, const char *line, size_t len, const char *rest,
		   const char *limit, char **ret_text, size_t *ret_size)
{
	if (line) {
		if (n > 0 && out[n - 1] != '\n')
			out[n++] = '\n';
		memcpy(out + n, line, len);
		n += len;
	}
	memcpy(out + n, rest, (size_t)(limit - rest));
	n += (size_t)(limit - rest);
	out[n] = '\0';
	*ret_text = out;
	*ret_size = n;
}

/* PVE takes lxc.[a-z0-9_.-]+ (PVE::LXC::Config::parse_pct_config). */
static bool key_valid(const char *key)
{
	return strncmp(key, "lxc.", 4) == 0 &&
	       strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(key);
}

int lxcconf_set(const char *text, size_t size, enum lxcconf_format format, const char *key,
		const char *value, char **ret_text, size_t *ret_size)
{
	const char *limit = text + size, *main_end = limit;
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *assignment = NULL;
	size_t n = 0, len;
	bool done = false;
	struct line l;

	if (!key_valid(key) || (value && strpbrk(value, "\r\n")))
		return -EINVAL;
	if (value && asprintf(&assignment, format == LXCCONF_PVE ? "%s: %s\n" : "%s = %s\n", key,
			      value) < 0) {
		assignment = NULL; /* undefined after a failure */
		return -ENOMEM;
	}
	len = assignment ? strlen(assignment) : 0;
	out = malloc(size + len + 2);
	if (!out)
		return -ENOMEM;
	for (const char *p = text; p < limit; p = l.next) {
		line_read(p, limit, format, &l);
		if (l.section) {
			main_end = p;
			break;
		}
		if (!line_is_key(&l, key)) {
			memcpy(out + n, p, (size_t)(l.next - p));
			n += (size_t)(l.next - p);
		} else if (assignment && !done) {
			memcpy(out + n, assignment, len);
			n += len;
			done = true;
		}
	}
	finish(TAKE_PTR(out), n, done ? NULL : assignment, len, main_end, limit, ret_text,
	       ret_size);
	return 0;
}

int lxcconf_list_add(const char *text, size_t size, enum lxcconf_format format, const char *key,
		     const char *value, char **ret_text, size_t *ret_size)
{
	const char *limit = text + size, *main_end = limit, *last_end = text;
	_cleanup_free_ char *assignment = NULL, *out = NULL;
	size_t n, len, vlen = strlen(value);
	struct line l;

	*ret_text = NULL;
	if (!key_valid(key) || strpbrk(value, "\r\n") || vlen == 0 ||
	    isspace((unsigned char)value[0]) || isspace((unsigned char)value[vlen - 1]))
		return -EINVAL;
	for (const char *p = text; p < limit; p = l.next) {
		line_read(p, limit, format, &l);
		if (l.section) {
			main_end = p;
			break;
		}
		if (line_is_key(&l, key) && (size_t)(l.value_end - l.value) == vlen &&
		    memcmp(l.value, value, vlen) == 0)
			return 0;
		if (l.start != l.end)
			last_end = l.next;
	}
	/* After the main section's last line that is not blank: before a "[snapshot]"'s blank line.
	 */
	if (main_end == limit)
		last_end = limit;
	if (asprintf(&assignment, format == LXCCONF_PVE ? "%s: %s\n" : "%s = %s\n", key, value) < 0)
		return -ENOMEM;
	len = strlen(assignment);
	out = malloc(size + len + 2);
	if (!out)
		return -ENOMEM;
	n = (size_t)(last_end - text);
	memcpy(out, text, n);
	finish(TAKE_PTR(out), n, assignment, len, last_end, limit, ret_text, ret_size);
	return 1;
}

int lxcconf_each(const char *text, size_t size, enum lxcconf_format format, lxcconf_line_fn visit,
		 void *arg)
{
	const char *limit = text + size;
	unsigned line = 0;
	struct line l;

	for (const char *p = text; p < limit; p = l.next) {
		line_read(p, limit, format, &l);
		line++;
		if (l.section)
			break;
		if (l.assignment) {
			int r = visit(l.key, (size_t)(l.key_end - l.key), l.value,
				      (size_t)(l.value_end - l.value), line, arg);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int lxcconf_remove_if(const char *text, size_t size, enum lxcconf_format format,
		      lxcconf_match_fn match, void *arg, char **ret_text, size_t *ret_size)
{
	const char *limit = text + size, *p;
	_cleanup_free_ char *out = malloc(size + 1);
	size_t n = 0;
	int removed = 0;
	struct line l;

	*ret_text = NULL;
	if (!out)
		return -ENOMEM;
	for (p = text; p < limit; p = l.next) {
		line_read(p, limit, format, &l);
		if (l.section)
			break;
		if (l.assignment && match(l.key, (size_t)(l.key_end - l.key), l.value,
					  (size_t)(l.value_end - l.value), arg)) {
			removed++;
			continue;
		}
		memcpy(out + n, p, (size_t)(l.next - p));
		n += (size_t)(l.next - p);
	}
	if (removed == 0)
		return 0;
	memcpy(out + n, p, (size_t)(limit - p));
	n += (size_t)(limit - p);
	out[n] = '\0';
	*ret_text = TAKE_PTR(out);
	*ret_size = n;
	return removed;
}

/* Capabilities by number, as capability.h names them (lowercase, without CAP_). */
static const char *const cap_names[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
};
#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

struct caps_scan {
	bool drop[N_CAPS];
	bool keep[N_CAPS];
	bool keep_set; /* an lxc.cap.keep is in force */
};

static int cap_index(const char *name, size_t len)
{
	if (len > 4 && strncasecmp(name, "cap_", 4) == 0)
		name += 4, len -= 4;
	for (size_t i = 0; i < N_CAPS; i++)
		if (strlen(cap_names[i]) == len && strncasecmp(cap_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

/* Applies one lxc.cap.drop or lxc.cap.keep value, as LXC does: empty clears the list. */
static void caps_apply(struct caps_scan *c, bool keep, const char *v, const char *end)
{
	bool *set = keep ? c->keep : c->drop;

	if (v == end) {
		memset(set, 0, sizeof(c->drop));
		if (keep)
			c->keep_set = false;
		return;
	}
	if (keep)
		c->keep_set = true;
	while (v < end) {
		const char *w = v;
		int i;

		while (w < end && !isspace((unsigned char)*w))
			w++;
		i = cap_index(v, (size_t)(w - v));
		if (i >= 0)
			set[i] = true;
		v = w;
		while (v < end && isspace((unsigned char)*v))
			v++;
	}
}

static int walk_file(const char *path, lxcconf_visit_fn visit, void *arg, unsigned depth,
		     struct lxcri_error *err);

static int walk_include(const char *path, lxcconf_visit_fn visit, void *arg, unsigned depth,
			struct lxcri_error *err)
{
	struct dirent **names = NULL;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st) < 0)
		return 0; /* LXC fails the start on a missing include: not ours to report */
	if (!S_ISDIR(st.st_mode))
		return walk_file(path, visit, arg, depth + 1, err);
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		char *sub = NULL;

		if (r >= 0 && len > 5 && strcmp(names[i]->d_name + len - 5, ".conf") == 0 &&
		    asprintf(&sub, "%s/%s", path, names[i]->d_name) >= 0) {
			r = walk_file(sub, visit, arg, depth + 1, err);
			free(sub);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

static int walk_file(const char *path, lxcconf_visit_fn visit, void *arg, unsigned depth,
		     struct lxcri_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	struct line l;

	if (depth > 8)
		return error_set(err, -ELOOP, "'%s': lxc.include nested more than 8 deep", path);
	f = fopen(path, "re");
	if (!f)
		return error_set_errno(err, -errno, "Failed to read '%s'", path);
	while ((len = getline(&buf, &cap, f)) >= 0) {
		int r;

		line_read(buf, buf + len, LXCCONF_LXC, &l);
		if (line_is_key(&l, "lxc.include")) {
			_cleanup_free_ char *inc =
			    strndup(l.value, (size_t)(l.value_end - l.value));
			r = inc ? walk_include(inc, visit, arg, depth, err) : -ENOMEM;
		} else if (l.assignment) {
			r = visit(l.key, (size_t)(l.key_end - l.key), l.value,
				  (size_t)(l.value_end - l.value), arg);
			if (r < 0)
				r = error_set_errno(err, r, "Failed to read '%s'", path);
		} else {
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int lxcconf_walk(const char *path, lxcconf_visit_fn visit, void *arg, struct lxcri_error *err)
{
	return walk_file(path, visit, arg, 0, err);
}

static bool key_is(const char *key, size_t key_len, const char *want)
{
	return key_len == strlen(want) && memcmp(key, want, key_len) == 0;
}

static int caps_visit(const char *key, size_t key_len, const char *value, size_t value_len,
		      void *arg)
{
	bool keep = key_is(key, key_len, "lxc.cap.keep");

	if (keep || key_is(key, key_len, "lxc.cap.drop"))
		caps_apply(arg, keep, value, value + value_len);
	return 0;
}

int lxcconf_caps(const char *path, char ***ret, struct lxcri_error *err)
{
	struct caps_scan c = { 0 };
	char **caps;
	size_t n = 0;
	int r;

	if (path && access(path, F_OK) == 0) {
		r = lxcconf_walk(path, caps_visit, &c, err);
		if (r < 0)
			return r;
	} else {
		static const char *const common_drop =
		    "mac_admin mac_override sys_time sys_module sys_rawio";
		caps_apply(&c, false, common_drop, common_drop + strlen(common_drop));
	}
	caps = calloc(N_CAPS + 1, sizeof(char *));
	if (!caps)
		return error_oom(err);
	for (size_t i = 0; i < N_CAPS; i++) {
		if (c.keep_set ? !c.keep[i] : c.drop[i])
			continue;
		if (asprintf(&caps[n], "CAP_%s", cap_names[i]) < 0) {
			strv_free(caps);
			return error_oom(err);
		}
		for (char *s = caps[n]; *s; s++)
			*s = (char)toupper((unsigned char)*s);
		n++;
	}
	*ret = caps;
	return 0;
}
