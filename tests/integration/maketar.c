/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes a layer tar with exactly the entries it is given, in that order,
 * names untouched: the hostile layers of the image tests ("../x", "/tmp/x",
 * a symlink then a file through it, a hardlink to /etc/passwd) that no image
 * builder would write. Uncompressed (pax); the caller gzips it.
 *   maketar OUT.tar ENTRY...
 *   ENTRY: file PATH CONTENT | dir PATH | symlink PATH TARGET | hardlink PATH TARGET
 * Every entry is root's, mode 0644 (0755 for directories), mtime fixed, so
 * the same arguments give the same bytes.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MTIME 1700000000

static int usage(void)
{
	fprintf(stderr,
		"usage: maketar OUT.tar {file PATH CONTENT | dir PATH | symlink PATH TARGET "
		"| hardlink PATH TARGET}...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct archive *a;
	int i, rc = 0;

	if (argc < 2)
		return usage();
	a = archive_write_new();
	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, argv[1]) != ARCHIVE_OK) {
		fprintf(stderr, "maketar: %s: %s\n", argv[1],
			a ? archive_error_string(a) : "no memory");
		return 1;
	}
	for (i = 2; i < argc && rc == 0;) {
		const char *type = argv[i], *path = i + 1 < argc ? argv[i + 1] : NULL;
		const char *arg = i + 2 < argc ? argv[i + 2] : NULL;
		struct archive_entry *e;
		int dir = !strcmp(type, "dir");

		if (!path || (!dir && !arg))
			return usage();
		e = archive_entry_new();
		archive_entry_set_pathname(e, path);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_mtime(e, MTIME, 0);
		if (!strcmp(type, "file")) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(arg));
		} else if (dir) {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
		} else if (!strcmp(type, "symlink")) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, arg);
		} else if (!strcmp(type, "hardlink")) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, arg);
		} else {
			archive_entry_free(e);
			return usage();
		}
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    (!strcmp(type, "file") &&
		     archive_write_data(a, arg, strlen(arg)) != (la_ssize_t)strlen(arg))) {
			fprintf(stderr, "maketar: %s: %s\n", path, archive_error_string(a));
			rc = 1;
		}
		archive_entry_free(e);
		i += dir ? 2 : 3;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		fprintf(stderr, "maketar: %s: %s\n", argv[1], archive_error_string(a));
		rc = 1;
	}
	archive_write_free(a);
	return rc;
}
