/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>

#include "testutil.h"

#include "lib/net/resolvconf.h"
#include "lib/basic/ip.h"
#include "lib/basic/safe.h"

/*
 * Tests that touch a rootfs run twice: _i even with openat2(), _i odd with
 * the userspace walk of safe_openat().
 */
#define MODE(i) ((i) % 2 == 1)

#define HEADER "# Managed by lxcri: the original is restored when the container stops.\n"
#define OURS   HEADER "nameserver 10.0.0.1\nnameserver 2001:db8::53\nsearch example.org\n"

static char *top;
static char root[PATH_MAX], state[PATH_MAX];
static int rootfd = -1;

static struct ip_address ns[2];
static char *search_list[] = { "example.org", NULL };
static struct config_dns dns = {
	.set = true,
	.nameservers = ns,
	.n_nameservers = 2,
	.search = search_list,
};

static void setup(void)
{
	top = test_tmpdir();
	snprintf(root, sizeof(root), "%s/rootfs", top);
	snprintf(state, sizeof(state), "%s/state", top);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(state, 0700), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);

	ns[0].family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.1", &ns[0].in), 1);
	ns[1].family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:0:0::53", &ns[1].in6), 1);
}

static void teardown(void)
{
	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	if (top)
		test_rm_rf(top);
	free(top);
	top = NULL;
	safe_openat_force_fallback(false);
}

static void in_root(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", root, rel);
}

static void mk_dir(const char *rel)
{
	char p[PATH_MAX];

	in_root(p, sizeof(p), rel);
	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
}

static void mk_link(const char *rel, const char *target)
{
	char p[PATH_MAX];

	in_root(p, sizeof(p), rel);
	ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
}

static void mk_file(const char *rel, const char *content, mode_t mode)
{
	char p[PATH_MAX];

	in_root(p, sizeof(p), rel);
	test_write_file(p, content);
	ck_assert_int_eq(chmod(p, mode), 0);
}

/* The whole content of a regular file (not through a symlink), or NULL if there is none. */
static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	char chunk[4096];
	ssize_t n;
	int fd;

	ck_assert_ptr_nonnull(m);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fclose(m);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		ck_assert_int_eq(fwrite(chunk, 1, (size_t)n, m), (size_t)n);
	ck_assert_int_eq(n, 0);
	close(fd);
	ck_assert_int_eq(fclose(m), 0);
	return buf;
}

static void assert_file(const char *rel, const char *content, mode_t mode)
{
	_cleanup_free_ char *got = NULL;
	char p[PATH_MAX];
	struct stat st;

	in_root(p, sizeof(p), rel);
	ck_assert_msg(lstat(p, &st) == 0, "lstat %s: %s", p, strerror(errno));
	ck_assert_msg(S_ISREG(st.st_mode), "'%s' is not a regular file", rel);
	ck_assert_int_eq(st.st_mode & 07777, mode);
	got = slurp(p);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, content);
}

static void assert_link(const char *rel, const char *target)
{
	char p[PATH_MAX], buf[PATH_MAX];
	ssize_t n;

	in_root(p, sizeof(p), rel);
	n = readlink(p, buf, sizeof(buf) - 1);
	ck_assert_msg(n >= 0, "readlink %s: %s", p, strerror(errno));
	buf[n] = '\0';
	ck_assert_str_eq(buf, target);
}

static void assert_missing(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	in_root(p, sizeof(p), rel);
	ck_assert_msg(lstat(p, &st) < 0 && errno == ENOENT, "'%s' exists", rel);
}

static bool state_exists(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", state, name);
	return access(p, F_OK) == 0;
}

static void assert_no_backup(void)
{
	ck_assert(!state_exists(RESOLVCONF_STATE_NAME));
	ck_assert(!state_exists(RESOLVCONF_BACKUP_NAME));
}

static void assert_no_temp(const char *rel)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d;

	in_root(p, sizeof(p), rel);
	d = opendir(p);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		ck_assert_msg(strncmp(de->d_name, ".lxcri-tmp-", 11) != 0, "temp file %s left",
			      de->d_name);
	closedir(d);
}

static void apply_ok(void)
{
	struct lxcri_error err = { 0 };
	int r = resolvconf_apply(rootfd, &dns, state, &err);

	ck_assert_msg(r == 0, "apply: %d %s", r, err.message);
	ck_assert(state_exists(RESOLVCONF_STATE_NAME));
}

static void restore_ok(void)
{
	struct lxcri_error err = { 0 };
	int r = resolvconf_restore(rootfd, state, &err);

	ck_assert_msg(r == 0, "restore: %d %s", r, err.message);
	assert_no_backup();
}

/* A host file, to prove it unchanged: content, inode, mtime. */
struct host_file {
	const char *path;
	char *content;
	struct stat st;
};

static void host_file_take(struct host_file *h, const char *path)
{
	h->path = path;
	ck_assert_int_eq(lstat(path, &h->st), 0);
	h->content = S_ISREG(h->st.st_mode) ? slurp(path) : NULL;
}

static void host_file_unchanged(struct host_file *h)
{
	_cleanup_free_ char *now = NULL;
	struct stat st;

	ck_assert_int_eq(lstat(h->path, &st), 0);
	ck_assert_msg(st.st_ino == h->st.st_ino && st.st_dev == h->st.st_dev, "%s replaced",
		      h->path);
	ck_assert_int_eq(st.st_mode, h->st.st_mode);
	ck_assert_int_eq(st.st_size, h->st.st_size);
	ck_assert(st.st_mtim.tv_sec == h->st.st_mtim.tv_sec &&
		  st.st_mtim.tv_nsec == h->st.st_mtim.tv_nsec);
	if (h->content) {
		now = slurp(h->path);
		ck_assert_ptr_nonnull(now);
		ck_assert_str_eq(now, h->content);
	}
	free(h->content);
	h->content = NULL;
}

/* ---- resolvconf_format ---- */

START_TEST(test_format_full)
{
	_cleanup_free_ char *text = NULL;
	char *search[] = { "example.org", "corp.example", NULL };
	char *options[] = { "ndots:2", "edns0", NULL };
	struct ip_address addrs[3] = { { .family = AF_INET },
				       { .family = AF_INET6 },
				       { .family = AF_INET } };
	struct config_dns d = {
		.set = true,
		.nameservers = addrs,
		.n_nameservers = 3,
		.search = search,
		.options = options,
	};

	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.1", &addrs[0].in), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "fe80:0000::0001", &addrs[1].in6), 1);
	ck_assert_int_eq(inet_pton(AF_INET, "1.1.1.1", &addrs[2].in), 1);
	ck_assert_int_eq(resolvconf_format(&d, &text), 0);
	ck_assert_str_eq(text, HEADER "nameserver 10.0.0.1\n"
				      "nameserver fe80::1\n"
				      "nameserver 1.1.1.1\n"
				      "search example.org corp.example\n"
				      "options ndots:2 edns0\n");
}
END_TEST

START_TEST(test_format_nameserver_only)
{
	_cleanup_free_ char *text = NULL;
	char *empty[] = { NULL };
	struct ip_address a = { .family = AF_INET6 };
	struct config_dns d = {
		.set = true, .nameservers = &a, .n_nameservers = 1, .search = empty
	};

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &a.in6), 1);
	ck_assert_int_eq(resolvconf_format(&d, &text), 0);
	ck_assert_str_eq(text, HEADER "nameserver 2001:db8::1\n");
}
END_TEST

START_TEST(test_format_bad)
{
	char *text = NULL;
	struct ip_address a = { .family = AF_UNIX };
	struct config_dns d = { .set = true, .nameservers = &a, .n_nameservers = 1 };

	ck_assert_int_eq(resolvconf_format(&d, &text), -EAFNOSUPPORT);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(resolvconf_format(NULL, &text), -EINVAL);
}
END_TEST

/* ---- round trips ---- */

START_TEST(test_roundtrip_file)
{
	char p[PATH_MAX];
	struct stat st;

	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);
	in_root(p, sizeof(p), "etc/resolv.conf");
	ck_assert_int_eq(chown(p, 1234, 2345), 0);

	apply_ok();
	assert_file("etc/resolv.conf", OURS, 0644);
	/* The new file keeps the owner: a mapped root in an unprivileged container. */
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_int_eq(st.st_uid, 1234);
	ck_assert_int_eq(st.st_gid, 2345);

	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_int_eq(st.st_uid, 1234);
	ck_assert_int_eq(st.st_gid, 2345);
	assert_no_temp("etc");
}
END_TEST

START_TEST(test_roundtrip_relative_symlink)
{
	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_dir("run");
	mk_link("etc/resolv.conf", "../run/systemd/resolve/stub-resolv.conf");

	apply_ok();
	assert_file("etc/resolv.conf", OURS, 0644);
	/* Replaced, not followed: nothing appeared where it pointed. */
	assert_missing("run/systemd");

	restore_ok();
	assert_link("etc/resolv.conf", "../run/systemd/resolve/stub-resolv.conf");
	assert_no_temp("etc");
}
END_TEST

START_TEST(test_roundtrip_absolute_symlink)
{
	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_dir("run");
	mk_file("run/resolv.conf", "nameserver 192.0.2.2\n", 0644);
	mk_link("etc/resolv.conf", "/run/resolv.conf");

	apply_ok();
	assert_file("etc/resolv.conf", OURS, 0644);
	assert_file("run/resolv.conf", "nameserver 192.0.2.2\n", 0644);

	restore_ok();
	assert_link("etc/resolv.conf", "/run/resolv.conf");
	assert_file("run/resolv.conf", "nameserver 192.0.2.2\n", 0644);
}
END_TEST

START_TEST(test_roundtrip_absent)
{
	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");

	apply_ok();
	assert_file("etc/resolv.conf", OURS, 0644);
	restore_ok();
	assert_missing("etc/resolv.conf");
	assert_no_temp("etc");
}
END_TEST

START_TEST(test_roundtrip_no_etc)
{
	char p[PATH_MAX];
	struct stat st;

	safe_openat_force_fallback(MODE(_i));
	ck_assert_int_eq(chown(root, 1234, 2345), 0);

	apply_ok();
	assert_file("etc/resolv.conf", OURS, 0644);
	/* /etc is owned like the rootfs' root, and so is the file in it. */
	in_root(p, sizeof(p), "etc");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_uid, 1234);
	in_root(p, sizeof(p), "etc/resolv.conf");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_int_eq(st.st_uid, 1234);
	ck_assert_int_eq(st.st_gid, 2345);

	restore_ok();
	assert_missing("etc/resolv.conf");
	assert_missing("etc");
}
END_TEST

START_TEST(test_no_etc_kept_when_used)
{
	safe_openat_force_fallback(MODE(_i));
	apply_ok();
	/* The container put something in the /etc we made: it stays. */
	mk_file("etc/hostname", "ct\n", 0644);
	restore_ok();
	assert_missing("etc/resolv.conf");
	assert_file("etc/hostname", "ct\n", 0644);
}
END_TEST

/* ---- hostile rootfs ---- */

static void hostile_resolv_link(int i, const char *target)
{
	struct host_file passwd = { 0 }, shadow = { 0 };

	safe_openat_force_fallback(MODE(i));
	host_file_take(&passwd, "/etc/passwd");
	host_file_take(&shadow, "/etc/shadow");
	mk_dir("etc");
	mk_file("etc/passwd", "root:x:0:0:inside:/root:/bin/sh\n", 0644);
	mk_link("etc/resolv.conf", target);

	apply_ok();
	assert_file("etc/resolv.conf", OURS, 0644);
	assert_file("etc/passwd", "root:x:0:0:inside:/root:/bin/sh\n", 0644);
	host_file_unchanged(&passwd);

	host_file_take(&passwd, "/etc/passwd");
	restore_ok();
	assert_link("etc/resolv.conf", target);
	assert_file("etc/passwd", "root:x:0:0:inside:/root:/bin/sh\n", 0644);
	host_file_unchanged(&passwd);
	host_file_unchanged(&shadow);
}

START_TEST(test_hostile_link_absolute)
{
	hostile_resolv_link(_i, "/etc/passwd");
}
END_TEST

START_TEST(test_hostile_link_relative)
{
	hostile_resolv_link(_i, "../../../../../../etc/passwd");
}
END_TEST

START_TEST(test_hostile_link_shadow)
{
	hostile_resolv_link(_i, "../../../../etc/shadow");
}
END_TEST

/* /etc is a symlink that points at the root: all of it lands in the rootfs' root. */
static void hostile_etc_link(int i, const char *target)
{
	struct host_file host_resolv = { 0 }, host_etc = { 0 };

	safe_openat_force_fallback(MODE(i));
	host_file_take(&host_resolv, "/etc/resolv.conf");
	host_file_take(&host_etc, "/etc");
	mk_link("etc", target);
	mk_file("passwd", "root:x:0:0:inside:/root:/bin/sh\n", 0644);

	apply_ok();
	assert_file("resolv.conf", OURS, 0644);
	assert_link("etc", target);
	assert_file("passwd", "root:x:0:0:inside:/root:/bin/sh\n", 0644);
	host_file_unchanged(&host_resolv);

	host_file_take(&host_resolv, "/etc/resolv.conf");
	restore_ok();
	assert_missing("resolv.conf");
	assert_link("etc", target);
	assert_no_temp(".");
	host_file_unchanged(&host_resolv);
	host_file_unchanged(&host_etc);
}

START_TEST(test_hostile_etc_slash)
{
	hostile_etc_link(_i, "/");
}
END_TEST

START_TEST(test_hostile_etc_dotdot)
{
	hostile_etc_link(_i, "../../..");
}
END_TEST

START_TEST(test_hostile_etc_host_etc)
{
	/* An absolute /etc: the rootfs' own /etc, which does not exist here. */
	struct host_file host_resolv = { 0 };
	struct lxcri_error err = { 0 };

	safe_openat_force_fallback(MODE(_i));
	host_file_take(&host_resolv, "/etc/resolv.conf");
	mk_link("etc", "/etc");
	ck_assert_int_lt(resolvconf_apply(rootfd, &dns, state, &err), 0);
	ck_assert_msg(strstr(err.message, "'/etc'"), "%s", err.message);
	assert_link("etc", "/etc");
	assert_no_backup();
	host_file_unchanged(&host_resolv);
}
END_TEST

START_TEST(test_resolv_is_directory)
{
	struct lxcri_error err = { 0 };

	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_dir("etc/resolv.conf");
	ck_assert_int_eq(resolvconf_apply(rootfd, &dns, state, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "not a regular file"), "%s", err.message);
	assert_no_backup();
	restore_ok();
}
END_TEST

/* ---- repeated and interrupted runs ---- */

START_TEST(test_apply_twice_keeps_first)
{
	char *other_search[] = { "second.example", NULL };

	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0640);

	apply_ok();
	dns.search = other_search;
	apply_ok();
	assert_file("etc/resolv.conf",
		    HEADER "nameserver 10.0.0.1\nnameserver 2001:db8::53\nsearch second.example\n",
		    0644);
	dns.search = search_list;

	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0640);
}
END_TEST

START_TEST(test_restore_twice)
{
	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_link("etc/resolv.conf", "../run/resolv.conf");

	apply_ok();
	restore_ok();
	assert_link("etc/resolv.conf", "../run/resolv.conf");
	restore_ok();
	assert_link("etc/resolv.conf", "../run/resolv.conf");
}
END_TEST

START_TEST(test_restore_without_apply)
{
	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0644);
	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0644);

	/* Not even an /etc. */
	test_rm_rf(root);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	close(rootfd);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	restore_ok();
	assert_missing("etc");
}
END_TEST

START_TEST(test_restore_interrupted)
{
	char p[PATH_MAX];

	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);
	apply_ok();

	/* Stopped after putting the file back, before removing the backup. */
	in_root(p, sizeof(p), "etc/resolv.conf");
	ck_assert_int_eq(unlink(p), 0);
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);
	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);

	/* Stopped after putting the file back and removing the state, before the content. */
	apply_ok();
	in_root(p, sizeof(p), "etc/resolv.conf");
	ck_assert_int_eq(unlink(p), 0);
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);
	snprintf(p, sizeof(p), "%s/%s", state, RESOLVCONF_STATE_NAME);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert(state_exists(RESOLVCONF_BACKUP_NAME));
	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0600);
}
END_TEST

START_TEST(test_apply_after_crash)
{
	/* A backup without its state (apply stopped half-way) is no backup. */
	char p[PATH_MAX];

	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	mk_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0644);
	snprintf(p, sizeof(p), "%s/%s", state, RESOLVCONF_BACKUP_NAME);
	test_write_file(p, "stale\n");

	apply_ok();
	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0644);
}
END_TEST

START_TEST(test_bad_state)
{
	struct lxcri_error err = { 0 };
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", state, RESOLVCONF_STATE_NAME);
	test_write_file(p, "file 0644 0 0\n");
	ck_assert_int_eq(resolvconf_restore(rootfd, state, &err), -EBADMSG);
	ck_assert_msg(strstr(err.message, RESOLVCONF_STATE_NAME), "%s", err.message);
	test_write_file(p, "socket 0644 0 0 0\n");
	ck_assert_int_eq(resolvconf_restore(rootfd, state, &err), -EBADMSG);
}
END_TEST

/*
 * The backup records the file as the container had it, set-id bits too;
 * the restore writes it back without them (it runs as root, and a root
 * owned setuid file is not what a resolver needs).
 */
START_TEST(test_restore_never_sets_setid_bits)
{
	static const mode_t modes[][2] = {
		{ 04755, 0755 }, { 02755, 0755 }, { 06777, 0777 }, { 01644, 0644 }, { 0640, 0640 },
	};
	char p[PATH_MAX];

	safe_openat_force_fallback(MODE(_i));
	mk_dir("etc");
	in_root(p, sizeof(p), "etc/resolv.conf");
	for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
		mk_file("etc/resolv.conf", "#!/bin/sh\n", modes[i][0]);
		apply_ok();
		restore_ok();
		assert_file("etc/resolv.conf", "#!/bin/sh\n", modes[i][1]);
		ck_assert_int_eq(unlink(p), 0);
	}
	/* A backup state written by hand (or by an older version) is no different. */
	snprintf(p, sizeof(p), "%s/%s", state, RESOLVCONF_BACKUP_NAME);
	test_write_file(p, "nameserver 192.0.2.1\n");
	snprintf(p, sizeof(p), "%s/%s", state, RESOLVCONF_STATE_NAME);
	test_write_file(p, "file 6755 0 0 0\n");
	restore_ok();
	assert_file("etc/resolv.conf", "nameserver 192.0.2.1\n", 0755);
}
END_TEST

static Suite *resolvconf_suite(void)
{
	Suite *s = suite_create("resolvconf");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_test(tc, test_format_full);
	tcase_add_test(tc, test_format_nameserver_only);
	tcase_add_test(tc, test_format_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_roundtrip_file, 0, 2);
	tcase_add_loop_test(tc, test_roundtrip_relative_symlink, 0, 2);
	tcase_add_loop_test(tc, test_roundtrip_absolute_symlink, 0, 2);
	tcase_add_loop_test(tc, test_roundtrip_absent, 0, 2);
	tcase_add_loop_test(tc, test_roundtrip_no_etc, 0, 2);
	tcase_add_loop_test(tc, test_no_etc_kept_when_used, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_hostile_link_absolute, 0, 2);
	tcase_add_loop_test(tc, test_hostile_link_relative, 0, 2);
	tcase_add_loop_test(tc, test_hostile_link_shadow, 0, 2);
	tcase_add_loop_test(tc, test_hostile_etc_slash, 0, 2);
	tcase_add_loop_test(tc, test_hostile_etc_dotdot, 0, 2);
	tcase_add_loop_test(tc, test_hostile_etc_host_etc, 0, 2);
	tcase_add_loop_test(tc, test_resolv_is_directory, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("repeat");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_apply_twice_keeps_first, 0, 2);
	tcase_add_loop_test(tc, test_restore_twice, 0, 2);
	tcase_add_loop_test(tc, test_restore_without_apply, 0, 2);
	tcase_add_loop_test(tc, test_restore_interrupted, 0, 2);
	tcase_add_loop_test(tc, test_apply_after_crash, 0, 2);
	tcase_add_test(tc, test_bad_state);
	tcase_add_loop_test(tc, test_restore_never_sets_setid_bits, 0, 2);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(resolvconf_suite)
