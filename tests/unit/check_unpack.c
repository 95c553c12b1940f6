/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The layer tables name only the fields each entry needs. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <archive.h>
#include <archive_entry.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/image/digest.h"
#include "lib/image/unpack.h"

/* One entry of a test layer. */
struct ent {
	char type; /* f file, d dir, l symlink, h hardlink, p fifo, c char device */
	const char *name;
	const char *data; /* file content, or link target */
	int mode;
	int uid, gid;
	const char *xattr_name;
	const void *xattr_value;
	size_t xattr_size;
};

/* The layer as a tar (compressed with filter), written to a memory buffer. */
static size_t make_tar(const struct ent *e, size_t n, enum unpack_compression c, char *buf,
		       size_t size)
{
	struct archive *a = archive_write_new();
	size_t used = 0;

	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (c == UNPACK_GZIP)
		ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (c == UNPACK_ZSTD)
		ck_assert_int_eq(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, size, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *x = archive_entry_new();
		size_t len = e[i].data ? strlen(e[i].data) : 0;

		archive_entry_set_pathname(x, e[i].name);
		archive_entry_set_uid(x, e[i].uid);
		archive_entry_set_gid(x, e[i].gid);
		archive_entry_set_mtime(x, 1700000000, 0);
		archive_entry_set_perm(x, e[i].mode ? (mode_t)e[i].mode : 0644);
		switch (e[i].type) {
		case 'f':
			archive_entry_set_filetype(x, AE_IFREG);
			archive_entry_set_size(x, (la_int64_t)len);
			break;
		case 'd':
			archive_entry_set_filetype(x, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(x, AE_IFLNK);
			archive_entry_set_symlink(x, e[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(x, AE_IFREG);
			archive_entry_set_hardlink(x, e[i].data);
			len = 0;
			break;
		case 'p':
			archive_entry_set_filetype(x, AE_IFIFO);
			break;
		case 'c':
			archive_entry_set_filetype(x, AE_IFCHR);
			archive_entry_set_rdev(x, makedev(1, 3));
			break;
		}
		if (e[i].xattr_name)
			archive_entry_xattr_add_entry(x, e[i].xattr_name, e[i].xattr_value,
						      e[i].xattr_size);
		ck_assert_int_eq(archive_write_header(a, x), ARCHIVE_OK);
		if (e[i].type == 'f' && len)
			ck_assert_int_eq(archive_write_data(a, e[i].data, len), (la_ssize_t)len);
		archive_entry_free(x);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

#define TAR_MAX (1 << 20)

/* Applies the layer to root: the result of unpack_layer(). */
static int apply(const char *root, const struct ent *e, size_t n, enum unpack_compression c,
		 const struct unpack_options *o, struct unpack_stats *stats,
		 struct lxcri_error *err)
{
	char *plain = malloc(TAR_MAX), *blob = malloc(TAR_MAX), diff_id[DIGEST_SIZE];
	size_t plain_n = make_tar(e, n, UNPACK_NONE, plain, TAR_MAX);
	size_t blob_n = make_tar(e, n, c, blob, TAR_MAX);
	struct unpack_options opts = o ? *o : (struct unpack_options){ 0 };
	int fd = memfd_create("layer", MFD_CLOEXEC), rootfd, r;

	ck_assert_int_eq(digest_of_data(plain, plain_n, diff_id), 0);
	if (!opts.diff_id)
		opts.diff_id = diff_id;
	ck_assert_int_eq(write(fd, blob, blob_n), (ssize_t)blob_n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
	r = unpack_layer(rootfd, fd, c, &opts, stats, err);
	close(rootfd);
	close(fd);
	free(plain);
	free(blob);
	return r;
}

static char *setup(char **ret_root)
{
	char *tmp = test_tmpdir();

	*ret_root = test_path(tmp, "rootfs");
	ck_assert_int_eq(mkdir(*ret_root, 0755), 0);
	return tmp;
}

static struct stat lstat_in(const char *root, const char *rel)
{
	_cleanup_free_ char *p = test_path(root, rel);
	struct stat st;

	ck_assert_msg(lstat(p, &st) == 0, "%s: %s", rel, strerror(errno));
	return st;
}

static bool exists_in(const char *root, const char *rel)
{
	_cleanup_free_ char *p = test_path(root, rel);
	struct stat st;

	return lstat(p, &st) == 0;
}

static const uint8_t cap_v2[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,
				    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

START_TEST(test_every_kind_of_entry)
{
	_cleanup_free_ char *root = NULL, *tmp = setup(&root);
	struct lxcri_error err = { 0 };
	struct unpack_stats stats = { 0 };
	static const struct ent layer[] = {
		{ 'd', "./srv/", NULL, 0750, 1000, 1000 },
		{ 'f', "srv/data.txt", "app data\n", 0640, 1000, 1000, "user.note", "hi", 2 },
		{ 'h', "srv/data.link", "srv/data.txt" },
		{ 'f', "usr/bin/su", "#!/bin/sh\n", 04755 },
		{ 'f', "usr/bin/netcap", "x", 0755, 0, 0, "security.capability", cap_v2, 20 },
		{ 'l', "lib", "usr/lib" },
		{ 'l', "abs", "/etc/passwd" },
		{ 'p', "run/fifo", NULL, 0600 },
		{ 'c', "dev/null", NULL, 0666 },
		{ 'f', "deep/a/b/c/d/e/f", "deep" },
	};
	char target[64] = "";

	ck_assert_msg(apply(root, layer, sizeof(layer) / sizeof(layer[0]), UNPACK_GZIP, NULL,
			    &stats, &err) == 0,
		      "%s", err.message);
	struct stat st = lstat_in(root, "srv");
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(st.st_uid, 1000);
	ck_assert_int_eq(st.st_mtime, 1700000000);
	st = lstat_in(root, "srv/data.txt");
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_nlink, 2);
	ck_assert_int_eq(st.st_size, 9);
	ck_assert_int_eq(st.st_mtime, 1700000000);
	ck_assert_int_eq(lstat_in(root, "srv/data.link").st_ino, st.st_ino);
	ck_assert_int_eq(lstat_in(root, "usr/bin/su").st_mode & 07777, 04755);
	_cleanup_free_ char *data = test_path(root, "srv/data.txt");
	char note[8] = "";
	ck_assert_int_eq(getxattr(data, "user.note", note, sizeof(note)), 2);
	ck_assert_str_eq(note, "hi");
	_cleanup_free_ char *netcap = test_path(root, "usr/bin/netcap");
	uint8_t cap[24];
	ck_assert_int_eq(getxattr(netcap, "security.capability", cap, sizeof(cap)), 20);
	ck_assert_mem_eq(cap, cap_v2, 20);
	_cleanup_free_ char *lib = test_path(root, "lib");
	ck_assert_int_eq(readlink(lib, target, sizeof(target)), 7);
	ck_assert(S_ISLNK(lstat_in(root, "abs").st_mode));
	ck_assert(S_ISFIFO(lstat_in(root, "run/fifo").st_mode));
	st = lstat_in(root, "dev/null");
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(major(st.st_rdev), 1);
	ck_assert(exists_in(root, "deep/a/b/c/d/e/f"));
	ck_assert_uint_eq(stats.entries, 10);
	ck_assert_uint_eq(stats.hardlinks, 1);
	ck_assert_uint_eq(stats.bytes, 9 + 10 + 1 + 4);
	test_rm_rf(tmp);
}
END_TEST

START_TEST(test_whiteouts_and_opaque)
{
	_cleanup_free_ char *root = NULL, *tmp = setup(&root);
	struct lxcri_error err = { 0 };
	static const struct ent lower[] = {
		{ 'f', "a/x", "x" },	 { 'f', "a/y", "y" },	     { 'd', "a/sub" },
		{ 'f', "a/sub/z", "z" }, { 'f', "b/z", "z" },	     { 'f', "c", "c" },
		{ 'd', "dir2file" },	 { 'f', "dir2file/k", "k" }, { 'f', "file2dir", "f" },
	};
	static const struct ent upper[] = {
		{ 'f', ".wh.c" },
		{ 'd', "a" },
		{ 'f', "a/new", "n" },
		{ 'f', "a/.wh..wh..opq" },
		{ 'f', "dir2file", "now a file" },
		{ 'd', "file2dir" },
		{ 'f', "file2dir/in", "i" },
		{ 'f', "b/.wh.nothing" },
	};

	ck_assert_int_eq(
	    apply(root, lower, sizeof(lower) / sizeof(lower[0]), UNPACK_ZSTD, NULL, NULL, &err), 0);
	ck_assert_msg(apply(root, upper, sizeof(upper) / sizeof(upper[0]), UNPACK_NONE, NULL, NULL,
			    &err) == 0,
		      "%s", err.message);
	ck_assert(!exists_in(root, "c"));
	ck_assert(!exists_in(root, ".wh.c"));
	/* The opaque dir keeps what this layer put there, even before the marker. */
	ck_assert(exists_in(root, "a/new"));
	ck_assert(!exists_in(root, "a/x"));
	ck_assert(!exists_in(root, "a/sub"));
	ck_assert(!exists_in(root, "a/.wh..wh..opq"));
	ck_assert(exists_in(root, "b/z"));
	ck_assert(S_ISREG(lstat_in(root, "dir2file").st_mode));
	ck_assert(S_ISDIR(lstat_in(root, "file2dir").st_mode));
	ck_assert(exists_in(root, "file2dir/in"));
	test_rm_rf(tmp);
}
END_TEST

/* Unprivileged: owners shifted by the map, capabilities for its root, devices skipped. */
START_TEST(test_id_maps)
{
	_cleanup_free_ char *root = NULL, *tmp = setup(&root);
	struct lxcri_error err = { 0 };
	struct unpack_stats stats = { 0 };
	static const struct unpack_idmap map = { 0, 100000, 65536 };
	struct unpack_options o = { .uid = &map,
				    .gid = &map,
				    .n_uid = 1,
				    .n_gid = 1,
				    .skip_devices = true,
				    .name = "layer 1" };
	static const struct ent layer[] = {
		{ 'f', "app/file", "x", 0644, 1000, 1001 },
		{ 'f', "netcap", "x", 0755, 0, 0, "security.capability", cap_v2, 20 },
		{ 'l', "link", "app/file", 0777, 1000, 1000 },
		{ 'c', "dev/null", NULL, 0666 },
		{ 'p', "fifo", NULL, 0600, 5, 5 },
	};

	ck_assert_msg(apply(root, layer, sizeof(layer) / sizeof(layer[0]), UNPACK_GZIP, &o, &stats,
			    &err) == 0,
		      "%s", err.message);
	struct stat st = lstat_in(root, "app/file");
	ck_assert_int_eq(st.st_uid, 101000);
	ck_assert_int_eq(st.st_gid, 101001);
	/* The implied parent is the container root's, not the host's. */
	ck_assert_int_eq(lstat_in(root, "app").st_uid, 100000);
	ck_assert_int_eq(lstat_in(root, "link").st_uid, 101000);
	ck_assert_int_eq(lstat_in(root, "fifo").st_uid, 100005);
	ck_assert(!exists_in(root, "dev/null"));
	ck_assert_uint_eq(stats.devices_skipped, 1);
	_cleanup_free_ char *netcap = test_path(root, "netcap");
	uint8_t cap[24];
	ck_assert_int_eq(getxattr(netcap, "security.capability", cap, sizeof(cap)), 24);
	ck_assert_int_eq(cap[3], 0x03); /* v3 */
	uint32_t rootid;
	memcpy(&rootid, cap + 20, 4);
	ck_assert_uint_eq(le32toh(rootid), 100000);

	/* An id outside the map: refused, naming the entry and the ids. */
	static const struct ent outside[] = { { 'f', "big", "x", 0644, 70000, 0 } };
	ck_assert_int_eq(apply(root, outside, 1, UNPACK_NONE, &o, NULL, &err), -ERANGE);
	ck_assert_str_eq(err.message, "Failed to unpack layer 1: the entry 'big' is owned by "
				      "70000:0, outside the container's id map");
	test_rm_rf(tmp);
}
END_TEST

/* A sentinel beside the rootfs: whatever a hostile layer does, it stays as it was. */
static void hostile(const struct ent *e, size_t n, const char *message)
{
	_cleanup_free_ char *root = NULL, *tmp = setup(&root);
	_cleanup_free_ char *sentinel = test_path(tmp, "sentinel");
	struct lxcri_error err = { 0 };
	struct stat st;

	ck_assert_int_eq(mkdir(sentinel, 0755), 0);
	ck_assert_int_lt(apply(root, e, n, UNPACK_GZIP, NULL, NULL, &err), 0);
	ck_assert_msg(strstr(err.message, message), "'%s' lacks '%s'", err.message, message);
	ck_assert_int_eq(stat(sentinel, &st), 0);
	ck_assert_int_eq(st.st_nlink, 2); /* still empty */
	_cleanup_free_ char *canary = test_path(tmp, "canary");
	ck_assert_int_eq(access(canary, F_OK), -1);
	test_rm_rf(tmp);
}

START_TEST(test_hostile_layers)
{
	static const struct ent dotdot[] = { { 'f', "../canary", "x" } };
	static const struct ent deep_dotdot[] = { { 'f', "a/b/../../../canary", "x" } };
	static const struct ent absolute[] = { { 'f', "/tmp/lxcri-unpack-canary", "x" } };
	static const struct ent through_abs[] = { { 'l', "evil", "/" },
						  { 'f', "evil/canary", "x" } };
	static const struct ent through_up[] = { { 'l', "up", "../.." },
						 { 'f', "up/canary", "x" } };
	static const struct ent through_dir[] = { { 'l', "sneaky", "../sentinel" },
						  { 'f', "sneaky/x", "x" } };
	static const struct ent link_out[] = { { 'f', "ok", "x" },
					       { 'h', "hard", "../../etc/shadow" } };
	static const struct ent link_abs[] = { { 'f', "ok", "x" }, { 'h', "hard", "/etc/passwd" } };
	static const struct ent link_missing[] = { { 'h', "hard", "etc/passwd" } };
	static const struct ent whiteout_out[] = { { 'l', "evil", "../sentinel" },
						   { 'f', "evil/.wh.x" } };
	static const struct ent whiteout_up[] = { { 'f', "a/.wh.." } };

	hostile(dotdot, 1, "'../canary' has a '..' component");
	hostile(deep_dotdot, 1, "has a '..' component");
	hostile(absolute, 1, "has an absolute name");
	hostile(through_abs, 2,
		"'evil/canary' is reached through a symlink that leaves the rootfs");
	hostile(through_up, 2, "'up/canary' is reached through a symlink that leaves the rootfs");
	hostile(through_dir, 2, "leaves the rootfs");
	hostile(link_out, 2, "'hard' is a hardlink to a path that leaves the rootfs");
	hostile(link_abs, 2, "'hard' is a hardlink to a path that leaves the rootfs");
	hostile(link_missing, 1, "'hard' is a hardlink to a file that is not in the rootfs");
	hostile(whiteout_out, 2, "leaves the rootfs");
	hostile(whiteout_up, 1, "is a whiteout of nothing");
	ck_assert_int_eq(access("/tmp/lxcri-unpack-canary", F_OK), -1);
}
END_TEST

START_TEST(test_wrong_diff_id_and_garbage)
{
	_cleanup_free_ char *root = NULL, *tmp = setup(&root);
	struct lxcri_error err = { 0 };
	static const struct ent layer[] = { { 'f', "x", "x" } };
	struct unpack_options o = {
		.diff_id =
		    "sha256:0000000000000000000000000000000000000000000000000000000000000000",
		.name = "layer 2",
	};
	int fd, rootfd;

	ck_assert_int_eq(apply(root, layer, 1, UNPACK_GZIP, &o, NULL, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, "not the diff_id 'sha256:0000"));
	/* Not gzip though the media type says so; not a tar at all. */
	fd = memfd_create("x", MFD_CLOEXEC);
	ck_assert_int_eq(write(fd, "hello, not a layer", 18), 18);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(unpack_layer(rootfd, fd, UNPACK_GZIP, &o, NULL, &err), -EBADMSG);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	o.diff_id = NULL;
	ck_assert_int_eq(unpack_layer(rootfd, fd, UNPACK_NONE, &o, NULL, &err), -EBADMSG);
	close(fd);
	close(rootfd);
	test_rm_rf(tmp);
}
END_TEST

/* data[0..n) as one gzip member, into out. */
static size_t gzip_member(const char *data, size_t n, char *out, size_t size)
{
	struct archive *a = archive_write_new();
	struct archive_entry *x = archive_entry_new();
	size_t used = 0;

	ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, out, size, &used), ARCHIVE_OK);
	archive_entry_set_filetype(x, AE_IFREG);
	archive_entry_set_size(x, (la_int64_t)n);
	ck_assert_int_eq(archive_write_header(a, x), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, n), (la_ssize_t)n);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(x);
	archive_write_free(a);
	return used;
}

/* Unpacks blob[0..n) as a gzip layer of diff_id into a fresh rootfs under tmp. */
static int unpack_gzip_blob(const char *tmp, const char *blob, size_t n, const char *diff_id,
			    struct lxcri_error *err)
{
	static int round;
	char name[32];
	_cleanup_free_ char *root = NULL;
	struct unpack_options o = { .diff_id = diff_id, .name = "layer 1" };
	int fd = memfd_create("layer", MFD_CLOEXEC), rootfd, r;

	snprintf(name, sizeof(name), "root%d", round++);
	root = test_path(tmp, name);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(write(fd, blob, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = unpack_layer(rootfd, fd, UNPACK_GZIP, &o, NULL, err);
	if (r == 0) {
		struct stat st = lstat_in(root, "big");
		ck_assert_int_eq(st.st_size, 300000);
		lstat_in(root, "small");
	}
	close(rootfd);
	close(fd);
	return r;
}

/* gzip as gzip(1) reads it: members one after another; a bad CRC, a cut, or junk refused. */
START_TEST(test_gzip_members_and_damage)
{
	_cleanup_free_ char *root = NULL, *tmp = setup(&root);
	char *big = malloc(300001), *plain = malloc(TAR_MAX), *blob = malloc(TAR_MAX);
	char diff_id[DIGEST_SIZE];
	struct lxcri_error err = { 0 };
	size_t plain_n, n, half;

	/* A file bigger than the reader's buffers, of data that does not compress to nothing. */
	for (size_t i = 0; i < 300000; i++)
		big[i] = (char)('a' + (i * 7919 % 26) * ((i / 4096) % 3 != 0));
	big[300000] = '\0';
	const struct ent layer[] = { { 'f', "big", big }, { 'f', "small", "small" } };
	plain_n = make_tar(layer, 2, UNPACK_NONE, plain, TAR_MAX);
	ck_assert_int_eq(digest_of_data(plain, plain_n, diff_id), 0);

	/* Two members, split in the middle of a file. */
	half = plain_n / 2 + 123;
	n = gzip_member(plain, half, blob, TAR_MAX);
	n += gzip_member(plain + half, plain_n - half, blob + n, TAR_MAX - n);
	ck_assert_int_eq(unpack_gzip_blob(tmp, blob, n, diff_id, &err), 0);

	/* One member, its CRC (the trailer's first 4 bytes) changed. */
	n = gzip_member(plain, plain_n, blob, TAR_MAX);
	ck_assert_int_eq(unpack_gzip_blob(tmp, blob, n, diff_id, &err), 0);
	blob[n - 8] ^= 0x01;
	ck_assert_int_eq(unpack_gzip_blob(tmp, blob, n, diff_id, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.message, "layer 1"));
	ck_assert_ptr_nonnull(strstr(err.message, "CRC"));
	blob[n - 8] ^= 0x01;
	/* Cut short. */
	ck_assert_int_eq(unpack_gzip_blob(tmp, blob, n - 100, diff_id, &err), -EBADMSG);
	/* Junk after the last member. */
	memcpy(blob + n, "junk", 4);
	ck_assert_int_eq(unpack_gzip_blob(tmp, blob, n + 4, diff_id, &err), -EBADMSG);
	ck_assert_msg(strstr(err.message, "junk after the last gzip member"), "%s", err.message);
	free(big);
	free(plain);
	free(blob);
	test_rm_rf(tmp);
}
END_TEST

static Suite *unpack_suite(void)
{
	Suite *s = suite_create("unpack");
	TCase *tc = tcase_create("unpack");

	tcase_add_test(tc, test_every_kind_of_entry);
	tcase_add_test(tc, test_whiteouts_and_opaque);
	tcase_add_test(tc, test_id_maps);
	tcase_add_test(tc, test_hostile_layers);
	tcase_add_test(tc, test_wrong_diff_id_and_garbage);
	tcase_add_test(tc, test_gzip_members_and_damage);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(unpack_suite)
