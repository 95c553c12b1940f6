/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An image's User resolved in its rootfs. See passwd.h. */
#include "lib/basic/passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/safe.h"

#define NAME_MAX_LEN 256

/* A decimal id below UINT32_MAX; false for anything else. */
static bool parse_id(const char *s, size_t n, uint32_t *ret)
{
	unsigned long long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* The rootfs's file: NULL data when it does not exist; -errno otherwise. */
static int read_etc(int rootfd, const char *path, char **ret, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	*ret = NULL;
	fd = safe_openat(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return error_set(err, fd, "Failed to open the image's /%s: %s", path,
				 strerror(-fd));
	if (fstat(fd, &st) < 0)
		return error_set(err, -errno, "Failed to read the image's /%s: %s", path,
				 strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, -EINVAL, "The image's /%s is not a regular file", path);
	r = fileio_read_fd(fd, PASSWD_MAX_SIZE, ret, NULL);
	if (r < 0)
		return error_set(err, r, "Failed to read the image's /%s: %s", path,
				 r == -EFBIG ? "it is too large" : strerror(-r));
	return 0;
}

/* Field i (0-based) of a ':'-separated line [line, end); false if it has fewer. */
static bool field(const char *line, const char *end, unsigned i, const char **ret, size_t *ret_n)
{
	const char *f = line;

	for (unsigned k = 0; k < i; k++) {
		f = memchr(f, ':', (size_t)(end - f));
		if (!f)
			return false;
		f++;
	}
	const char *stop = memchr(f, ':', (size_t)(end - f));
	*ret = f;
	*ret_n = stop ? (size_t)(stop - f) : (size_t)(end - f);
	return true;
}

struct entry {
	const char *name;
	size_t name_n;
	uint32_t id, gid;
	const char *home, *members;
	size_t home_n, members_n;
};

/*
 * Calls found for each well-formed line of a passwd (is_passwd) or group
 * file, as runc's parser does: blank lines and '#' comments skipped, short
 * or malformed lines ignored. Stops when found returns true.
 */
static bool scan(const char *text, bool is_passwd, bool (*found)(const struct entry *, void *),
		 void *ud)
{
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n'), *f;
		struct entry e = { 0 };
		size_t n;

		if (!end)
			end = line + strlen(line);
		if (line[0] != '#' && end > line && field(line, end, 0, &e.name, &e.name_n) &&
		    field(line, end, 2, &f, &n) && parse_id(f, n, &e.id)) {
			bool ok = true;

			if (is_passwd) {
				ok = field(line, end, 3, &f, &n) && parse_id(f, n, &e.gid);
				if (ok && !field(line, end, 5, &e.home, &e.home_n))
					e.home_n = 0;
			} else if (!field(line, end, 3, &e.members, &e.members_n)) {
				e.members_n = 0;
			}
			if (ok && found(&e, ud))
				return true;
		}
		line = *end ? end + 1 : NULL;
	}
	return false;
}

struct lookup {
	const char *name; /* by name, or */
	size_t name_n;
	uint32_t id; /* by id when name is NULL */
	struct entry hit;
};

static bool match(const struct entry *e, void *ud)
{
	struct lookup *l = ud;

	if (l->name ? (e->name_n == l->name_n && memcmp(e->name, l->name, l->name_n) == 0)
		    : e->id == l->id) {
		l->hit = *e;
		return true;
	}
	return false;
}

struct members {
	const char *user;
	struct passwd_user *u;
};

static bool add_if_member(const struct entry *e, void *ud)
{
	struct members *m = ud;
	size_t len = strlen(m->user);

	for (const char *p = e->members, *end = e->members + e->members_n; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (n == len && memcmp(p, m->user, n) == 0) {
			bool have = false;

			for (size_t i = 0; i < m->u->n_groups; i++)
				have |= m->u->groups[i] == e->id;
			if (!have && m->u->n_groups < PASSWD_MAX_GROUPS)
				m->u->groups[m->u->n_groups++] = e->id;
			break;
		}
		p += n + 1;
	}
	return false;
}

int passwd_resolve(int rootfd, const char *spec, struct passwd_user *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	const char *colon = strchr(spec, ':');
	size_t user_n = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *group_s = colon ? colon + 1 : NULL;
	struct passwd_user u = { .home = "/" };
	char user_name[NAME_MAX_LEN + 1] = "", q[ESCAPE_BUFSIZE];
	struct lookup l = { 0 };
	bool numeric_user;
	int r;

	if (strchr(spec, '\n') || (group_s && (!group_s[0] || strchr(group_s, ':'))) ||
	    user_n > NAME_MAX_LEN || (colon && user_n == 0))
		return error_set(err, -EINVAL,
				 "Invalid User '%s': it is user[:group], each a name or an id",
				 escape_for_message(spec, q, sizeof(q)));
	r = read_etc(rootfd, "etc/passwd", &passwd, err);
	if (r < 0)
		return r;
	numeric_user = user_n == 0 || parse_id(spec, user_n, &u.uid);
	if (user_n > 0 && !numeric_user && spec[0] >= '0' && spec[0] <= '9' &&
	    strspn(spec, "0123456789") == user_n)
		return error_set(err, -EINVAL, "Invalid User '%s': the uid is out of range",
				 escape_for_message(spec, q, sizeof(q)));
	if (numeric_user) {
		l.id = u.uid;
	} else {
		l.name = spec;
		l.name_n = user_n;
	}
	if (passwd && scan(passwd, true, match, &l)) {
		u.uid = l.hit.id;
		u.gid = l.hit.gid;
		snprintf(user_name, sizeof(user_name), "%.*s", (int)l.hit.name_n, l.hit.name);
		if (l.hit.home_n > 0)
			snprintf(u.home, sizeof(u.home), "%.*s", (int)l.hit.home_n, l.hit.home);
	} else if (!numeric_user) {
		return error_set(err, -ENOENT,
				 "Failed to resolve the image's User '%s': no user '%.*s' in its "
				 "/etc/passwd%s",
				 escape_for_message(spec, q, sizeof(q)), (int)user_n, spec,
				 passwd ? "" : " (it has none)");
	}

	if (group_s || user_name[0]) {
		r = read_etc(rootfd, "etc/group", &group, err);
		if (r < 0)
			return r;
	}
	if (group_s) {
		struct lookup g = { 0 };
		bool numeric = parse_id(group_s, strlen(group_s), &g.id);

		if (!numeric) {
			g.name = group_s;
			g.name_n = strlen(group_s);
		}
		if (group && scan(group, false, match, &g))
			u.gid = g.hit.id;
		else if (numeric)
			u.gid = g.id;
		else
			return error_set(
			    err, -ENOENT,
			    "Failed to resolve the image's User '%s': no group '%s' in "
			    "its /etc/group%s",
			    escape_for_message(spec, q, sizeof(q)), group_s,
			    group ? "" : " (it has none)");
		u.groups[u.n_groups++] = u.gid;
	} else {
		u.groups[u.n_groups++] = u.gid;
		if (user_name[0] && group) {
			struct members m = { user_name, &u };

			scan(group, false, add_if_member, &m);
		}
	}
	*ret = u;
	return 0;
}
