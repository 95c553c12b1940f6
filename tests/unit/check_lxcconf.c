/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "testutil.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/lxcconf.h"
#include "lib/basic/strv.h"

static char *path_join2(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

/* lxcconf_get() of key in text gives expected (NULL: not set). */
static void get_eq(const char *text, enum lxcconf_format format, const char *key,
		   const char *expected)
{
	_cleanup_free_ char *value = NULL;

	ck_assert_int_eq(lxcconf_get(text, strlen(text), format, key, &value), 0);
	if (expected)
		ck_assert_msg(value && strcmp(value, expected) == 0, "'%s' in '%s': got '%s'", key,
			      text, value ? value : "(null)");
	else
		ck_assert_msg(!value, "'%s' in '%s': got '%s', expected none", key, text, value);
}

static void set_eq(const char *text, enum lxcconf_format format, const char *key, const char *value,
		   const char *expected)
{
	_cleanup_free_ char *out = NULL;
	size_t size = 0;

	ck_assert_int_eq(lxcconf_set(text, strlen(text), format, key, value, &out, &size), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, expected);
	ck_assert_uint_eq(size, strlen(expected));
}

/* lxcconf_get() */

START_TEST(test_get_lxc_format)
{
	get_eq("lxc.apparmor.profile = unconfined\n", LXCCONF_LXC, "lxc.apparmor.profile",
	       "unconfined");
	get_eq("lxc.apparmor.profile=unconfined", LXCCONF_LXC, "lxc.apparmor.profile",
	       "unconfined");
	/* Any blanks around key and value; the value's inner blanks stay. */
	get_eq(" \tlxc.cap.drop \t=\t sys_admin  net_raw \t\n", LXCCONF_LXC, "lxc.cap.drop",
	       "sys_admin  net_raw");
	/* A CRLF line: the CR is not part of the value. */
	get_eq("lxc.seccomp.profile = /a/b\r\n", LXCCONF_LXC, "lxc.seccomp.profile", "/a/b");
	/* Only the whole key: neither a longer nor a shorter one. */
	get_eq("lxc.apparmor.profile_x = a\nlxc.apparmor = b\n", LXCCONF_LXC,
	       "lxc.apparmor.profile", NULL);
	/* The PVE separator is not LXC's. */
	get_eq("lxc.apparmor.profile: a\n", LXCCONF_LXC, "lxc.apparmor.profile", NULL);
	get_eq("", LXCCONF_LXC, "lxc.apparmor.profile", NULL);
	get_eq("lxc.apparmor.profile\n", LXCCONF_LXC, "lxc.apparmor.profile", NULL);
}
END_TEST

START_TEST(test_get_comments_are_not_assignments)
{
	get_eq("# lxc.apparmor.profile = a\n   # lxc.apparmor.profile = b\n", LXCCONF_LXC,
	       "lxc.apparmor.profile", NULL);
	get_eq("lxc.apparmor.profile = a\n# lxc.apparmor.profile = b\n", LXCCONF_LXC,
	       "lxc.apparmor.profile", "a");
	get_eq("# lxc.apparmor.profile: b\nlxc.apparmor.profile: a\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", "a");
}
END_TEST

START_TEST(test_get_last_assignment_wins)
{
	get_eq("lxc.apparmor.profile = a\nlxc.uts.name = x\nlxc.apparmor.profile = b\n",
	       LXCCONF_LXC, "lxc.apparmor.profile", "b");
	/* An empty value resets the key, as in LXC; a later one sets it again. */
	get_eq("lxc.apparmor.profile = a\nlxc.apparmor.profile =\n", LXCCONF_LXC,
	       "lxc.apparmor.profile", NULL);
	get_eq("lxc.apparmor.profile = a\nlxc.apparmor.profile =   \t\n", LXCCONF_LXC,
	       "lxc.apparmor.profile", NULL);
	get_eq("lxc.apparmor.profile = a\nlxc.apparmor.profile =\nlxc.apparmor.profile = c\n",
	       LXCCONF_LXC, "lxc.apparmor.profile", "c");
	get_eq("lxc.apparmor.profile: a\nlxc.apparmor.profile:\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", NULL);
}
END_TEST

START_TEST(test_get_pve_format)
{
	get_eq("arch: amd64\nlxc.apparmor.profile: unconfined\nhostname: web\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", "unconfined");
	get_eq("lxc.apparmor.profile:unconfined", LXCCONF_PVE, "lxc.apparmor.profile",
	       "unconfined");
	/* Only the first ':' separates: values may hold more. */
	get_eq("lxc.cgroup2.devices.allow: c 1:3 rwm\n", LXCCONF_PVE, "lxc.cgroup2.devices.allow",
	       "c 1:3 rwm");
}
END_TEST

/*
 * PVE's parser takes raw lxc.* keys with either separator (it writes them
 * back with ':'), so a hand-edited "lxc.key = value" line is in force.
 */
START_TEST(test_get_pve_takes_equals_for_lxc_keys)
{
	get_eq("arch: amd64\nlxc.apparmor.profile = unconfined\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", "unconfined");
	get_eq("lxc.apparmor.profile=unconfined\n", LXCCONF_PVE, "lxc.apparmor.profile",
	       "unconfined");
	/* The first separator decides: a ':' in the value is the value's. */
	get_eq("lxc.cgroup2.devices.allow = c 1:3 rwm\n", LXCCONF_PVE, "lxc.cgroup2.devices.allow",
	       "c 1:3 rwm");
	get_eq("lxc.mount.entry: /a b none bind,x=y 0 0\n", LXCCONF_PVE, "lxc.mount.entry",
	       "/a b none bind,x=y 0 0");
	get_eq("lxc.apparmor.profile: a\nlxc.apparmor.profile = b\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", "b");
}
END_TEST

START_TEST(test_set_pve_replaces_an_equals_line)
{
	/* Removing must remove it, or it stays in force. */
	set_eq("arch: amd64\nlxc.apparmor.profile = unconfined\nhostname: web\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", NULL, "arch: amd64\nhostname: web\n");
	set_eq("arch: amd64\nlxc.apparmor.profile = unconfined\nhostname: web\n", LXCCONF_PVE,
	       "lxc.apparmor.profile", "lxcri-ct-100",
	       "arch: amd64\nlxc.apparmor.profile: lxcri-ct-100\nhostname: web\n");
}
END_TEST

START_TEST(test_get_pve_stops_at_first_section)
{
	static const char text[] = "arch: amd64\n"
				   "lxc.apparmor.profile: main\n"
				   "\n"
				   "[snap1]\n"
				   "lxc.apparmor.profile: snap\n"
				   "lxc.selinux.context: only_in_snapshot\n"
				   "\n"
				   "[snap2]\n"
				   "lxc.seccomp.profile: /x\n";

	get_eq(text, LXCCONF_PVE, "lxc.apparmor.profile", "main");
	get_eq(text, LXCCONF_PVE, "lxc.selinux.context", NULL);
	get_eq(text, LXCCONF_PVE, "lxc.seccomp.profile", NULL);
	get_eq("[pve:pending]\nlxc.apparmor.profile: x\n", LXCCONF_PVE, "lxc.apparmor.profile",
	       NULL);
	/* In LXC's format a '[' line is nothing special. */
	get_eq("[snap1]\nlxc.apparmor.profile = x\n", LXCCONF_LXC, "lxc.apparmor.profile", "x");
}
END_TEST

START_TEST(test_get_reads_only_size_bytes)
{
	static const char buf[] = "lxc.apparmor.profile = a\nlxc.apparmor.profile = b\n";
	_cleanup_free_ char *value = NULL;

	/* The text ends after "= a": the second line is not part of it. */
	ck_assert_int_eq(lxcconf_get(buf, strlen("lxc.apparmor.profile = a"), LXCCONF_LXC,
				     "lxc.apparmor.profile", &value),
			 0);
	ck_assert_str_eq(value, "a");
}
END_TEST

/* lxcconf_set() */

START_TEST(test_set_replaces_first_and_removes_later)
{
	set_eq("# top\n"
	       "lxc.apparmor.profile = a\n"
	       "lxc.uts.name = web\n"
	       "lxc.apparmor.profile = b\n"
	       "# end\n"
	       "  lxc.apparmor.profile=c\n",
	       LXCCONF_LXC, "lxc.apparmor.profile", "lxcri-ct-web",
	       "# top\n"
	       "lxc.apparmor.profile = lxcri-ct-web\n"
	       "lxc.uts.name = web\n"
	       "# end\n");
	set_eq("arch: amd64\n"
	       "lxc.apparmor.profile: a\n"
	       "hostname: web\n"
	       "lxc.apparmor.profile: b\n",
	       LXCCONF_PVE, "lxc.apparmor.profile", "unconfined",
	       "arch: amd64\n"
	       "lxc.apparmor.profile: unconfined\n"
	       "hostname: web\n");
	/* The last line without a line end. */
	set_eq("lxc.uts.name = web\nlxc.apparmor.profile = a", LXCCONF_LXC, "lxc.apparmor.profile",
	       "b", "lxc.uts.name = web\nlxc.apparmor.profile = b\n");
}
END_TEST

START_TEST(test_set_appends_when_absent)
{
	set_eq("", LXCCONF_LXC, "lxc.apparmor.profile", "a", "lxc.apparmor.profile = a\n");
	set_eq("", LXCCONF_PVE, "lxc.apparmor.profile", "a", "lxc.apparmor.profile: a\n");
	set_eq("lxc.uts.name = web\n", LXCCONF_LXC, "lxc.seccomp.profile", "/p",
	       "lxc.uts.name = web\nlxc.seccomp.profile = /p\n");
	/* A missing final line end is added first. */
	set_eq("lxc.uts.name = web", LXCCONF_LXC, "lxc.seccomp.profile", "/p",
	       "lxc.uts.name = web\nlxc.seccomp.profile = /p\n");
	set_eq("arch: amd64", LXCCONF_PVE, "lxc.seccomp.profile", "/p",
	       "arch: amd64\nlxc.seccomp.profile: /p\n");
	/* A commented assignment is a comment: it stays, and the key is appended. */
	set_eq("# lxc.seccomp.profile = /old\n", LXCCONF_LXC, "lxc.seccomp.profile", "/p",
	       "# lxc.seccomp.profile = /old\nlxc.seccomp.profile = /p\n");
}
END_TEST

START_TEST(test_set_null_removes_every_assignment)
{
	set_eq("lxc.apparmor.profile = a\n"
	       "# keep me\n"
	       "lxc.apparmor.profile = b\n"
	       "lxc.uts.name = web\n"
	       "lxc.apparmor.profile =\n",
	       LXCCONF_LXC, "lxc.apparmor.profile", NULL, "# keep me\nlxc.uts.name = web\n");
	set_eq("lxc.uts.name = web\nlxc.apparmor.profile = a", LXCCONF_LXC, "lxc.apparmor.profile",
	       NULL, "lxc.uts.name = web\n");
	/* Nothing to remove: the text comes back as it was. */
	set_eq("lxc.uts.name = web", LXCCONF_LXC, "lxc.apparmor.profile", NULL,
	       "lxc.uts.name = web");
	set_eq("", LXCCONF_LXC, "lxc.apparmor.profile", NULL, "");
}
END_TEST

START_TEST(test_set_keeps_other_lines_byte_for_byte)
{
	static const char text[] = "# Template used to create this container\r\n"
				   "\r\n"
				   "lxc.include = /usr/share/lxc/config/common.conf\r\n"
				   "   # indented\t\n"
				   "\t\n"
				   "lxc.net.0.type  =   veth   \n"
				   "lxc.apparmor.profile = old\n"
				   "lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs\r\n"
				   "# last";

	set_eq(text, LXCCONF_LXC, "lxc.apparmor.profile", "new",
	       "# Template used to create this container\r\n"
	       "\r\n"
	       "lxc.include = /usr/share/lxc/config/common.conf\r\n"
	       "   # indented\t\n"
	       "\t\n"
	       "lxc.net.0.type  =   veth   \n"
	       "lxc.apparmor.profile = new\n"
	       "lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs\r\n"
	       "# last");
	set_eq(text, LXCCONF_LXC, "lxc.seccomp.profile", "/p",
	       "# Template used to create this container\r\n"
	       "\r\n"
	       "lxc.include = /usr/share/lxc/config/common.conf\r\n"
	       "   # indented\t\n"
	       "\t\n"
	       "lxc.net.0.type  =   veth   \n"
	       "lxc.apparmor.profile = old\n"
	       "lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs\r\n"
	       "# last\n"
	       "lxc.seccomp.profile = /p\n");
}
END_TEST

START_TEST(test_set_pve_never_touches_snapshots)
{
	static const char text[] = "arch: amd64\n"
				   "hostname: web\n"
				   "parent: snap1\n"
				   "\n"
				   "[snap1]\n"
				   "arch: amd64\n"
				   "lxc.apparmor.profile: in-snapshot\n"
				   "snaptime: 1700000000\n";

	/* Absent from the main section: added at its end, before the header. */
	set_eq(text, LXCCONF_PVE, "lxc.apparmor.profile", "unconfined",
	       "arch: amd64\n"
	       "hostname: web\n"
	       "parent: snap1\n"
	       "\n"
	       "lxc.apparmor.profile: unconfined\n"
	       "[snap1]\n"
	       "arch: amd64\n"
	       "lxc.apparmor.profile: in-snapshot\n"
	       "snaptime: 1700000000\n");
	/* Removing: the snapshot's assignment stays. */
	set_eq(text, LXCCONF_PVE, "lxc.apparmor.profile", NULL, text);
	/* Set in both: only the main section's changes. */
	set_eq("lxc.apparmor.profile: a\n[snap1]\nlxc.apparmor.profile: a\n[snap2]\n"
	       "lxc.apparmor.profile: a\n",
	       LXCCONF_PVE, "lxc.apparmor.profile", "b",
	       "lxc.apparmor.profile: b\n[snap1]\nlxc.apparmor.profile: a\n[snap2]\n"
	       "lxc.apparmor.profile: a\n");
	/* An empty main section. */
	set_eq("[snap1]\nlxc.apparmor.profile: a\n", LXCCONF_PVE, "lxc.apparmor.profile", "b",
	       "lxc.apparmor.profile: b\n[snap1]\nlxc.apparmor.profile: a\n");
}
END_TEST

START_TEST(test_set_then_get)
{
	static const char text[] = "lxc.apparmor.profile: a\n[snap1]\nlxc.seccomp.profile: /s\n";
	_cleanup_free_ char *out = NULL, *value = NULL;
	size_t size = 0;

	ck_assert_int_eq(
	    lxcconf_set(text, strlen(text), LXCCONF_PVE, "lxc.seccomp.profile", "/p", &out, &size),
	    0);
	ck_assert_int_eq(lxcconf_get(out, size, LXCCONF_PVE, "lxc.seccomp.profile", &value), 0);
	ck_assert_str_eq(value, "/p");
}
END_TEST

START_TEST(test_set_refuses)
{
	char *out = (char *)"untouched";
	size_t size = 77;

	ck_assert_int_eq(lxcconf_set("", 0, LXCCONF_LXC, "seccomp", "/p", &out, &size), -EINVAL);
	ck_assert_int_eq(lxcconf_set("", 0, LXCCONF_PVE, "hostname", "x", &out, &size), -EINVAL);
	ck_assert_int_eq(lxcconf_set("", 0, LXCCONF_LXC, "lxc", "x", &out, &size), -EINVAL);
	ck_assert_int_eq(lxcconf_set("", 0, LXCCONF_LXC, "lxc.seccomp.profile",
				     "/p\nlxc.apparmor.profile = unconfined", &out, &size),
			 -EINVAL);
	ck_assert_int_eq(
	    lxcconf_set("", 0, LXCCONF_PVE, "lxc.seccomp.profile", "/p\r", &out, &size), -EINVAL);
	/* Also when removing: only lxc.* keys are ours to edit. */
	ck_assert_int_eq(lxcconf_set("arch: amd64\n", 12, LXCCONF_PVE, "arch", NULL, &out, &size),
			 -EINVAL);
	ck_assert_str_eq(out, "untouched");
	ck_assert_uint_eq(size, 77);
}
END_TEST

/* lxcconf_path() */

struct fixture {
	char *dir;
	struct lxcri_paths paths;
};

static void fixture_init(struct fixture *f)
{
	*f = (struct fixture){ .dir = test_tmpdir() };
	snprintf(f->paths.pve_dir, sizeof(f->paths.pve_dir), "%s/pve", f->dir);
	snprintf(f->paths.etc_dir, sizeof(f->paths.etc_dir), "%s/etc", f->dir);
	snprintf(f->paths.lxc_path, sizeof(f->paths.lxc_path), "%s/lxc", f->dir);
	ck_assert_int_eq(mkdir(f->paths.pve_dir, 0755), 0);
	ck_assert_int_eq(mkdir(f->paths.lxc_path, 0755), 0);
}

static void fixture_done(struct fixture *f)
{
	test_rm_rf(f->dir);
	free(f->dir);
}

static void path_eq(const struct lxcri_paths *p, const char *id, const char *expected_suffix,
		    enum lxcconf_format expected_format, const char *dir)
{
	char buf[PATH_MAX], expected[PATH_MAX];
	enum lxcconf_format format = 77;

	snprintf(expected, sizeof(expected), "%s%s", dir, expected_suffix);
	ck_assert_int_eq(lxcconf_path(p, id, buf, sizeof(buf), &format), 0);
	ck_assert_str_eq(buf, expected);
	ck_assert_int_eq(format, expected_format);
}

START_TEST(test_path_plain_lxc)
{
	struct fixture f;

	fixture_init(&f);
	/* <pve_dir> exists, but without lxc/ this is no PVE node. */
	path_eq(&f.paths, "100", "/lxc/100/config", LXCCONF_LXC, f.dir);
	path_eq(&f.paths, "web", "/lxc/web/config", LXCCONF_LXC, f.dir);
	fixture_done(&f);
}
END_TEST

START_TEST(test_path_pve_node)
{
	_cleanup_free_ char *pve_lxc = NULL;
	struct fixture f;

	fixture_init(&f);
	pve_lxc = path_join2(f.paths.pve_dir, "lxc");
	ck_assert_int_eq(mkdir(pve_lxc, 0755), 0);
	path_eq(&f.paths, "100", "/pve/lxc/100.conf", LXCCONF_PVE, f.dir);
	path_eq(&f.paths, "999999999", "/pve/lxc/999999999.conf", LXCCONF_PVE, f.dir);
	/* Not a vmid: a plain LXC container on the same node. */
	path_eq(&f.paths, "web", "/lxc/web/config", LXCCONF_LXC, f.dir);
	path_eq(&f.paths, "0100", "/lxc/0100/config", LXCCONF_LXC, f.dir);
	path_eq(&f.paths, "1000000000", "/lxc/1000000000/config", LXCCONF_LXC, f.dir);
	fixture_done(&f);
}
END_TEST

START_TEST(test_path_pve_lxc_must_be_a_directory)
{
	_cleanup_free_ char *pve_lxc = NULL;
	struct fixture f;

	fixture_init(&f);
	pve_lxc = path_join2(f.paths.pve_dir, "lxc");
	test_write_file(pve_lxc, "not a directory\n");
	path_eq(&f.paths, "100", "/lxc/100/config", LXCCONF_LXC, f.dir);
	fixture_done(&f);
}
END_TEST

START_TEST(test_path_invalid_id)
{
	static const char *const bad[] = { "",	 "../100",     "a/b", ".hidden",
					   "-x", "web server", "a\nb" };
	char buf[PATH_MAX], long_id[80];
	enum lxcconf_format format;
	struct fixture f;

	fixture_init(&f);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(lxcconf_path(&f.paths, bad[i], buf, sizeof(buf), &format) == -EINVAL,
			      "'%s' accepted", bad[i]);
	ck_assert_int_eq(lxcconf_path(&f.paths, NULL, buf, sizeof(buf), &format), -EINVAL);
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	ck_assert_int_eq(lxcconf_path(&f.paths, long_id, buf, sizeof(buf), &format), -EINVAL);
	/* A buffer too small for the path. */
	ck_assert_int_eq(lxcconf_path(&f.paths, "web", buf, 8, &format), -ENAMETOOLONG);
	fixture_done(&f);
}
END_TEST

/* lxcconf_caps() */

static bool has_cap(char **caps, const char *name)
{
	for (char **c = caps; c && *c; c++)
		if (strcmp(*c, name) == 0)
			return true;
	return false;
}

static size_t count_caps(char **caps)
{
	size_t n = 0;

	while (caps && caps[n])
		n++;
	return n;
}

/* The capabilities of the LXC config text (written to <dir>/config). */
static char **caps_of(const char *dir, const char *text)
{
	_cleanup_free_ char *path = path_join2(dir, "config");
	struct lxcri_error err = {};
	char **caps = NULL;
	int r;

	test_write_file(path, text);
	r = lxcconf_caps(path, &caps, &err);
	ck_assert_msg(r == 0, "%d: %s", r, err.message);
	ck_assert_ptr_nonnull(caps);
	return caps;
}

static const char *const common_dropped[] = { "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_SYS_TIME",
					      "CAP_SYS_MODULE", "CAP_SYS_RAWIO" };

START_TEST(test_caps_default_without_file)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *missing = path_join2(dir, "no-such-config");
	const char *const paths[] = { missing, NULL };

	for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
		_cleanup_strv_ char **caps = NULL;
		struct lxcri_error err = {};

		ck_assert_int_eq(lxcconf_caps(paths[i], &caps, &err), 0);
		for (size_t j = 0; j < ELEMENTSOF(common_dropped); j++)
			ck_assert_msg(!has_cap(caps, common_dropped[j]), "%s kept",
				      common_dropped[j]);
		ck_assert(has_cap(caps, "CAP_NET_ADMIN"));
		ck_assert(has_cap(caps, "CAP_SYS_ADMIN"));
		ck_assert(has_cap(caps, "CAP_CHOWN"));
		ck_assert(has_cap(caps, "CAP_SYS_NICE"));
		ck_assert(has_cap(caps, "CAP_AUDIT_READ"));
		ck_assert(has_cap(caps, "CAP_CHECKPOINT_RESTORE"));
		/* Each name once. */
		for (char **c = caps; *c; c++)
			for (char **d = c + 1; *d; d++)
				ck_assert_str_ne(*c, *d);
	}
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_caps_drop_lines)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_strv_ char **all = caps_of(dir, "# nothing dropped\n");
	_cleanup_strv_ char **some = NULL, **cleared = NULL, **named = NULL;

	/* A config of its own, without common.conf: nothing is dropped by default. */
	for (size_t j = 0; j < ELEMENTSOF(common_dropped); j++)
		ck_assert(has_cap(all, common_dropped[j]));

	/* Several lines add up. */
	some = caps_of(dir, "lxc.cap.drop = sys_admin net_raw\n"
			    "lxc.uts.name = web\n"
			    "lxc.cap.drop = mknod\n");
	ck_assert(!has_cap(some, "CAP_SYS_ADMIN"));
	ck_assert(!has_cap(some, "CAP_NET_RAW"));
	ck_assert(!has_cap(some, "CAP_MKNOD"));
	ck_assert(has_cap(some, "CAP_NET_ADMIN"));
	ck_assert_uint_eq(count_caps(some), count_caps(all) - 3);

	/* An empty value clears what was dropped before it. */
	cleared = caps_of(dir, "lxc.cap.drop = sys_admin\n"
			       "lxc.cap.drop =\n"
			       "lxc.cap.drop = net_raw\n");
	ck_assert(has_cap(cleared, "CAP_SYS_ADMIN"));
	ck_assert(!has_cap(cleared, "CAP_NET_RAW"));
	ck_assert_uint_eq(count_caps(cleared), count_caps(all) - 1);

	/* Names as LXC takes them: any case, with or without CAP_; unknown ones ignored. */
	named = caps_of(dir, "lxc.cap.drop = CAP_SYS_ADMIN Net_Raw\tno_such_cap\n");
	ck_assert(!has_cap(named, "CAP_SYS_ADMIN"));
	ck_assert(!has_cap(named, "CAP_NET_RAW"));
	ck_assert_uint_eq(count_caps(named), count_caps(all) - 2);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_caps_keep_wins)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_strv_ char **all = caps_of(dir, "");
	_cleanup_strv_ char **kept = NULL, **none = NULL, **reset = NULL;

	kept = caps_of(dir, "lxc.cap.drop = net_admin\n"
			    "lxc.cap.keep = sys_chroot net_admin\n");
	ck_assert_uint_eq(count_caps(kept), 2);
	ck_assert_str_eq(kept[0], "CAP_NET_ADMIN");
	ck_assert_str_eq(kept[1], "CAP_SYS_CHROOT");

	none = caps_of(dir, "lxc.cap.keep = none\n");
	ck_assert_ptr_null(none[0]);

	/* An empty lxc.cap.keep ends the keep list: the drops decide again. */
	reset = caps_of(dir, "lxc.cap.keep = sys_chroot\n"
			     "lxc.cap.keep =\n"
			     "lxc.cap.drop = sys_admin\n");
	ck_assert(!has_cap(reset, "CAP_SYS_ADMIN"));
	ck_assert_uint_eq(count_caps(reset), count_caps(all) - 1);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_caps_include_file)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *common = path_join2(dir, "common.conf");
	_cleanup_free_ char *text = NULL, *missing = NULL;
	_cleanup_strv_ char **caps = NULL, **after = NULL, **gone = NULL;

	test_write_file(common, "lxc.cap.drop = mac_admin mac_override sys_time sys_module "
				"sys_rawio\n");
	ck_assert_int_ge(asprintf(&text, "lxc.include = %s\nlxc.arch = linux64\n", common), 0);
	caps = caps_of(dir, text);
	for (size_t j = 0; j < ELEMENTSOF(common_dropped); j++)
		ck_assert_msg(!has_cap(caps, common_dropped[j]), "%s kept", common_dropped[j]);
	ck_assert(has_cap(caps, "CAP_SYS_ADMIN"));

	/* In file order: a line after the include clears what it dropped. */
	free(text);
	ck_assert_int_ge(asprintf(&text, "lxc.include = %s\nlxc.cap.drop =\n", common), 0);
	after = caps_of(dir, text);
	ck_assert(has_cap(after, "CAP_SYS_TIME"));

	/* A missing include is LXC's to report, not ours. */
	free(text);
	missing = path_join2(dir, "missing.conf");
	ck_assert_int_ge(asprintf(&text, "lxc.include = %s\nlxc.cap.drop = sys_admin\n", missing),
			 0);
	gone = caps_of(dir, text);
	ck_assert(!has_cap(gone, "CAP_SYS_ADMIN"));
	ck_assert(has_cap(gone, "CAP_SYS_TIME"));
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_caps_include_directory)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *d = path_join2(dir, "common.conf.d");
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_ char **caps = NULL;
	static const struct {
		const char *name, *text;
	} files[] = {
		{ "10-a.conf", "lxc.cap.drop = sys_time net_admin\n" },
		/* After 10-a.conf (sorted by name): clears its drops. */
		{ "20-b.conf", "lxc.cap.drop =\nlxc.cap.drop = sys_module\n" },
		{ "30-c.conf", "lxc.cap.drop = sys_rawio\n" },
		/* Not *.conf: not read. */
		{ "40-d.txt", "lxc.cap.drop = sys_admin\n" },
		{ "50-e.conf.dpkg-old", "lxc.cap.drop = mknod\n" },
		{ ".conf", "lxc.cap.drop = chown\n" },
	};

	ck_assert_int_eq(mkdir(d, 0755), 0);
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *p = path_join2(d, files[i].name);
		test_write_file(p, files[i].text);
	}
	ck_assert_int_ge(asprintf(&text, "lxc.include = %s\n", d), 0);
	caps = caps_of(dir, text);
	ck_assert(has_cap(caps, "CAP_SYS_TIME"));
	ck_assert(has_cap(caps, "CAP_NET_ADMIN"));
	ck_assert(!has_cap(caps, "CAP_SYS_MODULE"));
	ck_assert(!has_cap(caps, "CAP_SYS_RAWIO"));
	ck_assert(has_cap(caps, "CAP_SYS_ADMIN"));
	ck_assert(has_cap(caps, "CAP_MKNOD"));
	ck_assert(has_cap(caps, "CAP_CHOWN"));
	test_rm_rf(dir);
}
END_TEST

/* <dir>/f0.conf includes f1.conf ... up to f<levels>.conf, which drops sys_admin. */
static char *include_chain(const char *dir, unsigned levels)
{
	for (unsigned i = 0; i <= levels; i++) {
		_cleanup_free_ char *path = NULL, *text = NULL;

		ck_assert_int_ge(asprintf(&path, "%s/f%u.conf", dir, i), 0);
		if (i < levels)
			ck_assert_int_ge(asprintf(&text, "lxc.include = %s/f%u.conf\n", dir, i + 1),
					 0);
		else
			text = strdup("lxc.cap.drop = sys_admin\n");
		test_write_file(path, text);
	}
	return path_join2(dir, "f0.conf");
}

START_TEST(test_caps_include_depth)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *eight = NULL, *nine = NULL, *self = NULL, *text = NULL;
	_cleanup_strv_ char **caps = NULL;
	struct lxcri_error err = {};

	/* 8 levels of lxc.include are read. */
	eight = include_chain(dir, 8);
	ck_assert_int_eq(lxcconf_caps(eight, &caps, &err), 0);
	ck_assert(!has_cap(caps, "CAP_SYS_ADMIN"));
	strv_free(TAKE_PTR(caps));

	/* 9 are refused. */
	nine = include_chain(dir, 9);
	ck_assert_int_eq(lxcconf_caps(nine, &caps, &err), -ELOOP);
	ck_assert_int_eq(err.code, -ELOOP);
	ck_assert_msg(strstr(err.message, "nested more than 8 deep"), "%s", err.message);
	ck_assert_ptr_null(caps);

	/* A file that includes itself. */
	self = path_join2(dir, "self.conf");
	ck_assert_int_ge(asprintf(&text, "lxc.include = %s\n", self), 0);
	test_write_file(self, text);
	ck_assert_int_eq(lxcconf_caps(self, &caps, &err), -ELOOP);
	ck_assert_ptr_null(caps);
	test_rm_rf(dir);
}
END_TEST

/* lxcconf_list_add() of key=value to text gives expected (NULL: unchanged, returns 0). */
static void list_add_eq(const char *text, enum lxcconf_format format, const char *key,
			const char *value, const char *expected)
{
	_cleanup_free_ char *out = NULL;
	size_t size = 0;
	int r = lxcconf_list_add(text, strlen(text), format, key, value, &out, &size);

	if (!expected) {
		ck_assert_int_eq(r, 0);
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_int_eq(r, 1);
	ck_assert_str_eq(out, expected);
	ck_assert_uint_eq(size, strlen(expected));
}

START_TEST(test_list_add_keeps_other_entries)
{
	/* A hook list: PVE's own hook and another stay, ours comes after the main section. */
	list_add_eq("arch: amd64\nlxc.hook.pre-start: /usr/share/x\n", LXCCONF_PVE,
		    "lxc.hook.pre-start", "/g --requires=pve-lxcri /c/1.conf",
		    "arch: amd64\nlxc.hook.pre-start: /usr/share/x\n"
		    "lxc.hook.pre-start: /g --requires=pve-lxcri /c/1.conf\n");
	list_add_eq("lxc.hook.pre-start = /a\n", LXCCONF_LXC, "lxc.hook.pre-start", "/b",
		    "lxc.hook.pre-start = /a\nlxc.hook.pre-start = /b\n");
	/* A last line without a line end gets one. */
	list_add_eq("arch: amd64", LXCCONF_PVE, "lxc.hook.pre-start", "/b",
		    "arch: amd64\nlxc.hook.pre-start: /b\n");
	list_add_eq("", LXCCONF_PVE, "lxc.hook.pre-start", "/b", "lxc.hook.pre-start: /b\n");
}
END_TEST

START_TEST(test_list_add_present_is_unchanged)
{
	list_add_eq("lxc.hook.pre-start: /b\narch: amd64\n", LXCCONF_PVE, "lxc.hook.pre-start",
		    "/b", NULL);
	/* PVE's "lxc.key = value" form counts too, and blanks around the value do not matter. */
	list_add_eq("lxc.hook.pre-start =   /b  \n", LXCCONF_PVE, "lxc.hook.pre-start", "/b", NULL);
	/* Only the main section counts: the same line in a snapshot does not. */
	list_add_eq("arch: amd64\n\n[snap1]\nlxc.hook.pre-start: /b\n", LXCCONF_PVE,
		    "lxc.hook.pre-start", "/b",
		    "arch: amd64\nlxc.hook.pre-start: /b\n\n[snap1]\nlxc.hook.pre-start: /b\n");
}
END_TEST

START_TEST(test_list_add_refuses_what_would_clear)
{
	_cleanup_free_ char *out = NULL;
	size_t size = 0;

	/* An empty value would clear every hook of the type in LXC. */
	ck_assert_int_eq(
	    lxcconf_list_add("", 0, LXCCONF_PVE, "lxc.hook.pre-start", "", &out, &size), -EINVAL);
	ck_assert_int_eq(
	    lxcconf_list_add("", 0, LXCCONF_PVE, "lxc.hook.pre-start", " /b", &out, &size),
	    -EINVAL);
	ck_assert_int_eq(
	    lxcconf_list_add("", 0, LXCCONF_PVE, "lxc.hook.pre-start", "/b\n/c", &out, &size),
	    -EINVAL);
	ck_assert_int_eq(lxcconf_list_add("", 0, LXCCONF_PVE, "hook", "/b", &out, &size), -EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

static bool value_is_b(const char *key, size_t key_len, const char *value, size_t value_len,
		       void *arg)
{
	(void)key;
	(void)key_len;
	(void)arg;
	return value_len == 2 && memcmp(value, "/b", 2) == 0;
}

START_TEST(test_remove_if_exactly_what_matches)
{
	const char *text = "# comment\nlxc.hook.pre-start: /a\nlxc.hook.pre-start: /b\r\n"
			   "lxc.mount.entry = /b\narch: amd64\n\n[snap]\nlxc.hook.pre-start: /b\n";
	_cleanup_free_ char *out = NULL;
	size_t size = 0;

	ck_assert_int_eq(
	    lxcconf_remove_if(text, strlen(text), LXCCONF_PVE, value_is_b, NULL, &out, &size), 2);
	ck_assert_str_eq(out, "# comment\nlxc.hook.pre-start: /a\narch: amd64\n\n[snap]\n"
			      "lxc.hook.pre-start: /b\n");
	ck_assert_uint_eq(size, strlen(out));
	free(TAKE_PTR(out));
	ck_assert_int_eq(
	    lxcconf_remove_if("arch: amd64\n", 12, LXCCONF_PVE, value_is_b, NULL, &out, &size), 0);
	ck_assert_ptr_null(out);
}
END_TEST

static int count_lines_visit(const char *key, size_t key_len, const char *value, size_t value_len,
			     unsigned line, void *arg)
{
	char *seen = arg;

	(void)value;
	(void)value_len;
	sprintf(seen + strlen(seen), "%.*s@%u ", (int)key_len, key, line);
	return 0;
}

START_TEST(test_each_gives_lines_of_main_section)
{
	const char *text = "# c\narch: amd64\n\nlxc.idmap = u 0 1 2\n[snap]\nmemory: 1\n";
	char seen[256] = "";

	ck_assert_int_eq(lxcconf_each(text, strlen(text), LXCCONF_PVE, count_lines_visit, seen), 0);
	ck_assert_str_eq(seen, "arch@2 lxc.idmap@4 ");
}
END_TEST

static Suite *lxcconf_suite(void)
{
	Suite *s = suite_create("lxcconf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_get_lxc_format);
	tcase_add_test(tc, test_get_comments_are_not_assignments);
	tcase_add_test(tc, test_get_last_assignment_wins);
	tcase_add_test(tc, test_get_pve_format);
	tcase_add_test(tc, test_get_pve_takes_equals_for_lxc_keys);
	tcase_add_test(tc, test_get_pve_stops_at_first_section);
	tcase_add_test(tc, test_get_reads_only_size_bytes);
	tcase_add_test(tc, test_set_replaces_first_and_removes_later);
	tcase_add_test(tc, test_set_appends_when_absent);
	tcase_add_test(tc, test_set_null_removes_every_assignment);
	tcase_add_test(tc, test_set_keeps_other_lines_byte_for_byte);
	tcase_add_test(tc, test_set_pve_never_touches_snapshots);
	tcase_add_test(tc, test_set_pve_replaces_an_equals_line);
	tcase_add_test(tc, test_set_then_get);
	tcase_add_test(tc, test_set_refuses);
	tcase_add_test(tc, test_path_plain_lxc);
	tcase_add_test(tc, test_path_pve_node);
	tcase_add_test(tc, test_path_pve_lxc_must_be_a_directory);
	tcase_add_test(tc, test_path_invalid_id);
	tcase_add_test(tc, test_caps_default_without_file);
	tcase_add_test(tc, test_caps_drop_lines);
	tcase_add_test(tc, test_caps_keep_wins);
	tcase_add_test(tc, test_caps_include_file);
	tcase_add_test(tc, test_caps_include_directory);
	tcase_add_test(tc, test_caps_include_depth);
	tcase_add_test(tc, test_list_add_keeps_other_entries);
	tcase_add_test(tc, test_list_add_present_is_unchanged);
	tcase_add_test(tc, test_list_add_refuses_what_would_clear);
	tcase_add_test(tc, test_remove_if_exactly_what_matches);
	tcase_add_test(tc, test_each_gives_lines_of_main_section);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(lxcconf_suite)
