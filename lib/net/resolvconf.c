/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/net/resolvconf.h"
#include "lib/basic/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/safe.h"

#define RESOLV_CONF	 "/etc/resolv.conf"
#define RESOLV_CONF_NAME "resolv.conf"
#define NEW_FILE_MODE	 0644
#define ETC_MODE	 0755

enum backup_kind {
	BACKUP_FILE,
	BACKUP_SYMLINK,
	BACKUP_ABSENT,
};

static const char *const kind_names[] = {
	[BACKUP_FILE] = "file",
	[BACKUP_SYMLINK] = "symlink",
	[BACKUP_ABSENT] = "absent",
};

struct backup_state {
	enum backup_kind kind;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool etc_created;
};

static void print_list(FILE *f, const char *keyword, char **list)
{
	if (!list || !list[0])
		return;
	fputs(keyword, f);
	STRV_FOREACH (s, list) {
		fprintf(f, " %s", *s);
	}
	fputc('\n', f);
}

int resolvconf_format(const struct config_dns *dns, char **ret)
{
	/* buf first: cleaned last, after fclose() has stored the final pointer in it. */
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t size = 0;

	if (!dns || !ret)
		return -EINVAL;
	f = open_memstream(&buf, &size);
	if (!f)
		return -errno;

	fputs("# Managed by lxcri: the original is restored when the container stops.\n", f);
	for (size_t i = 0; i < dns->n_nameservers; i++) {
		const struct ip_address *a = &dns->nameservers[i];
		char text[INET6_ADDRSTRLEN];
		const void *bytes;

		if (a->family == AF_INET)
			bytes = &a->in;
		else if (a->family == AF_INET6)
			bytes = &a->in6;
		else
			return -EAFNOSUPPORT;
		if (!inet_ntop(a->family, bytes, text, sizeof(text)))
			return -errno;
		fprintf(f, "nameserver %s\n", text);
	}
	print_list(f, "search", dns->search);
	print_list(f, "options", dns->options);

	if (ferror(f))
		return -ENOMEM;
	/* fclose() sets buf and size for good. */
	if (fclose(TAKE_PTR(f)) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int backup_path(const char *backup_dir, const char *name, char **ret)
{
	if (asprintf(ret, "%s/%s", backup_dir, name) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * An fd (O_RDONLY|O_DIRECTORY, for fsync) of the rootfs' /etc as it
 * resolves inside the rootfs. With create, a missing /etc is made, owned
 * like the rootfs' root, and *ret_created says so.
 */
static int open_etc(int rootfd, bool create, bool *ret_created, struct lxcri_error *err)
{
	_cleanup_close_ int pathfd = -1;
	struct stat st;
	int fd;

	if (ret_created)
		*ret_created = false;
	fd = safe_openat(rootfd, "/etc", O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0 || fd != -ENOENT || !create) {
		if (fd < 0 && fd != -ENOENT)
			return error_set_errno(err, fd, "Failed to open '/etc' in the container");
		return fd;
	}

	pathfd = safe_mkdirat(rootfd, "/etc", ETC_MODE);
	if (pathfd < 0)
		return error_set_errno(err, pathfd, "Failed to create '/etc' in the container");
	if (fstat(rootfd, &st) < 0 || fchownat(pathfd, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0)
		return error_set_errno(err, -errno,
				       "Failed to set the owner of '/etc' in the container");
	fd = safe_openat(pathfd, ".", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return error_set_errno(err, fd, "Failed to open '/etc' in the container");
	if (ret_created)
		*ret_created = true;
	return fd;
}

/*
 * Gives the file we just wrote its owner and exact mode (safe_write_file_at()
 * leaves the umask applied). Through an fd of the file itself, and only if
 * it is still a regular file with no other name, so that nothing swapped in
 * meanwhile gets chowned.
 */
static int set_owner_mode(int etcfd, uid_t uid, gid_t gid, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = safe_openat(etcfd, RESOLV_CONF_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return -ESTALE;
	if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		return -errno;
	/* After fchown(), which clears set-id bits. */
	if (fchmod(fd, mode & 07777) < 0)
		return -errno;
	return 0;
}

/* What /etc/resolv.conf is now, without following it: the state and the data to keep. */
static int snapshot(int etcfd, struct backup_state *ret_state, char **ret_data, size_t *ret_size)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *data = NULL;
	struct backup_state state = { 0 };
	size_t size = 0;
	struct stat st;
	int r;

	if (fstatat(etcfd, RESOLV_CONF_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
		state.kind = BACKUP_ABSENT;
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n;

		data = malloc(PATH_MAX);
		if (!data)
			return -ENOMEM;
		n = readlinkat(etcfd, RESOLV_CONF_NAME, data, PATH_MAX);
		if (n < 0)
			return -errno;
		if (n >= PATH_MAX)
			return -ENAMETOOLONG;
		size = (size_t)n;
		state.kind = BACKUP_SYMLINK;
		state.mode = 0777;
		state.uid = st.st_uid;
		state.gid = st.st_gid;
	} else if (S_ISREG(st.st_mode)) {
		/* O_NONBLOCK: should a FIFO take its place now, fstat() refuses it. */
		fd = safe_openat(etcfd, RESOLV_CONF_NAME,
				 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
		if (fd < 0)
			return fd;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		r = fileio_read_fd(fd, RESOLVCONF_MAX_SIZE, &data, &size);
		if (r < 0)
			return r;
		state.kind = BACKUP_FILE;
		state.mode = st.st_mode & 07777;
		state.uid = st.st_uid;
		state.gid = st.st_gid;
	} else {
		/* A directory, a device, a FIFO: nothing we could put back faithfully. */
		return -EINVAL;
	}
	*ret_state = state;
	*ret_data = TAKE_PTR(data);
	*ret_size = size;
	return 0;
}

static int write_backup(const char *backup_dir, const struct backup_state *state, const char *data,
			size_t size, struct lxcri_error *err)
{
	_cleanup_free_ char *orig_path = NULL, *state_path = NULL;
	char line[128];
	int r, n;

	r = backup_path(backup_dir, RESOLVCONF_BACKUP_NAME, &orig_path);
	if (r < 0)
		return error_set_errno(err, r, "Failed to back up '" RESOLV_CONF "'");
	r = backup_path(backup_dir, RESOLVCONF_STATE_NAME, &state_path);
	if (r < 0)
		return error_set_errno(err, r, "Failed to back up '" RESOLV_CONF "'");

	n = snprintf(line, sizeof(line), "%s %04o %u %u %d\n", kind_names[state->kind],
		     (unsigned)state->mode, (unsigned)state->uid, (unsigned)state->gid,
		     state->etc_created ? 1 : 0);
	if (n < 0 || (size_t)n >= sizeof(line))
		return error_set(err, -EINVAL, "Failed to back up '" RESOLV_CONF "'");

	/* The content first, the state last: the state is what says a backup exists. */
	r = atomic_write_file(orig_path, data ? data : "", size, 0600, 0, err);
	if (r < 0)
		return r;
	return atomic_write_file(state_path, line, (size_t)n, 0600, 0, err);
}

static int read_backup_state(const char *state_path, struct backup_state *ret)
{
	_cleanup_free_ char *text = NULL;
	char kind[16];
	unsigned mode, uid, gid;
	int etc_created, n = 0, r;

	r = fileio_read_file(state_path, 4096, &text, NULL);
	if (r < 0)
		return r;
	if (sscanf(text, "%15s %o %u %u %d%n", kind, &mode, &uid, &gid, &etc_created, &n) != 5 ||
	    strcmp(text + n, "\n") != 0 || mode > 07777 || (etc_created != 0 && etc_created != 1))
		return -EBADMSG;
	for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
		if (strcmp(kind, kind_names[i]) == 0) {
			*ret = (struct backup_state){
				.kind = (enum backup_kind)i,
				.mode = mode,
				.uid = uid,
				.gid = gid,
				.etc_created = etc_created == 1,
			};
			return 0;
		}
	return -EBADMSG;
}

int resolvconf_apply(int rootfd, const struct config_dns *dns, const char *backup_dir,
		     struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL, *state_path = NULL, *data = NULL;
	_cleanup_close_ int etcfd = -1;
	struct backup_state state = { 0 };
	bool etc_created;
	size_t size = 0;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int r;

	if (rootfd < 0 || !dns || !backup_dir)
		return error_set(err, -EINVAL, "Failed to apply DNS settings: invalid arguments");
	r = resolvconf_format(dns, &text);
	if (r < 0)
		return error_set_errno(err, r, "Failed to format '" RESOLV_CONF "'");
	r = backup_path(backup_dir, RESOLVCONF_STATE_NAME, &state_path);
	if (r < 0)
		return error_set_errno(err, r, "Failed to back up '" RESOLV_CONF "'");

	etcfd = open_etc(rootfd, true, &etc_created, err);
	if (etcfd < 0)
		return etcfd;

	/* An existing backup is the original: keep it (see resolvconf.h). */
	if (access(state_path, F_OK) < 0) {
		if (errno != ENOENT)
			return error_set_errno(err, -errno, "Failed to check for a backup in '%s'",
					       state_path);
		r = snapshot(etcfd, &state, &data, &size);
		if (r == -EINVAL)
			return error_set(err, r,
					 "Failed to back up '" RESOLV_CONF
					 "' in the container: not a regular file or a symlink");
		if (r < 0)
			return error_set_errno(
			    err, r, "Failed to back up '" RESOLV_CONF "' in the container");
		state.etc_created = etc_created;
		r = write_backup(backup_dir, &state, data, size, err);
		if (r < 0)
			return r;
	}

	/* The new file belongs to whoever owned the one it replaces, or /etc. */
	if (fstatat(etcfd, RESOLV_CONF_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode)) {
		if (fstat(etcfd, &st) < 0)
			return error_set_errno(err, -errno,
					       "Failed to stat '/etc' in the container");
	}
	uid = st.st_uid;
	gid = st.st_gid;

	r = safe_write_file_at(etcfd, RESOLV_CONF_NAME, text, strlen(text), NEW_FILE_MODE);
	if (r < 0)
		return error_set_errno(err, r,
				       "Failed to write '" RESOLV_CONF "' in the container");
	r = set_owner_mode(etcfd, uid, gid, NEW_FILE_MODE);
	if (r < 0)
		return error_set_errno(err, r,
				       "Failed to set the owner and mode of '" RESOLV_CONF
				       "' in the container");
	return 0;
}

/* Replaces /etc/resolv.conf with a symlink to target, atomically. */
static int restore_symlink(int etcfd, const char *target, uid_t uid, gid_t gid)
{
	char tmp[64];
	uint64_t v;
	int r;

	for (int i = 0;; i++) {
		if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			v = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			    ((uint64_t)getpid() << 40) ^ (uint64_t)i;
		}
		snprintf(tmp, sizeof(tmp), ".lxcri-tmp-%016llx", (unsigned long long)v);
		if (symlinkat(target, etcfd, tmp) == 0)
			break;
		if (errno != EEXIST || i >= 16)
			return -errno;
	}
	if (fchownat(etcfd, tmp, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		goto remove_temp;
	}
	if (renameat(etcfd, tmp, etcfd, RESOLV_CONF_NAME) < 0) {
		r = -errno;
		goto remove_temp;
	}
	if (fsync(etcfd) < 0)
		return -errno;
	return 0;

remove_temp:
	(void)unlinkat(etcfd, tmp, 0);
	return r;
}

static int remove_backup(const char *state_path, const char *orig_path, struct lxcri_error *err)
{
	/* The state first: without it, what is left is no backup. */
	if (unlink(state_path) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove '%s'", state_path);
	if (unlink(orig_path) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove '%s'", orig_path);
	return 0;
}

int resolvconf_restore(int rootfd, const char *backup_dir, struct lxcri_error *err)
{
	_cleanup_free_ char *state_path = NULL, *orig_path = NULL, *data = NULL;
	_cleanup_close_ int etcfd = -1;
	struct backup_state state = { 0 };
	size_t size = 0;
	int r;

	if (rootfd < 0 || !backup_dir)
		return error_set(err, -EINVAL, "Failed to restore DNS settings: invalid arguments");
	if (backup_path(backup_dir, RESOLVCONF_STATE_NAME, &state_path) < 0 ||
	    backup_path(backup_dir, RESOLVCONF_BACKUP_NAME, &orig_path) < 0)
		return error_set_errno(err, -ENOMEM, "Failed to restore '" RESOLV_CONF "'");

	r = read_backup_state(state_path, &state);
	if (r == -ENOENT)
		/* No backup: nothing was applied, or a restore already finished. */
		return remove_backup(state_path, orig_path, err);
	if (r == -EBADMSG)
		return error_set(err, r, "Failed to read '%s': not a backup state lxcri wrote",
				 state_path);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", state_path);

	if (state.kind != BACKUP_ABSENT) {
		r = fileio_read_file(orig_path, RESOLVCONF_MAX_SIZE, &data, &size);
		if (r < 0)
			return error_set_errno(err, r, "Failed to read '%s'", orig_path);
		if (state.kind == BACKUP_SYMLINK && (size == 0 || strlen(data) != size))
			return error_set(err, -EBADMSG, "Failed to read '%s': not a symlink target",
					 orig_path);
	}

	etcfd = open_etc(rootfd, state.kind != BACKUP_ABSENT, NULL, err);
	if (etcfd < 0 && etcfd != -ENOENT)
		return etcfd;

	switch (state.kind) {
	case BACKUP_FILE:
		/*
		 * Never a set-id bit: we write as root, and the file is the container's
		 * word; a resolver needs none of them.
		 */
		state.mode &= 0777;
		r = safe_write_file_at(etcfd, RESOLV_CONF_NAME, data, size, state.mode);
		if (r < 0)
			return error_set_errno(
			    err, r, "Failed to restore '" RESOLV_CONF "' in the container");
		r = set_owner_mode(etcfd, state.uid, state.gid, state.mode);
		if (r < 0)
			return error_set_errno(err, r,
					       "Failed to set the owner and mode of '" RESOLV_CONF
					       "' in the container");
		break;
	case BACKUP_SYMLINK:
		r = restore_symlink(etcfd, data, state.uid, state.gid);
		if (r < 0)
			return error_set_errno(err, r,
					       "Failed to restore the symlink '" RESOLV_CONF
					       "' -> '%s' in the container",
					       data);
		break;
	case BACKUP_ABSENT:
		if (etcfd < 0)
			break;
		if (unlinkat(etcfd, RESOLV_CONF_NAME, 0) < 0 && errno != ENOENT)
			return error_set_errno(
			    err, -errno, "Failed to remove '" RESOLV_CONF "' in the container");
		if (fsync(etcfd) < 0)
			return error_set_errno(err, -errno,
					       "Failed to sync '/etc' in the container");
		if (state.etc_created) {
			_cleanup_close_ int rootdirfd = -1;

			rootdirfd = safe_openat(rootfd, "/", O_PATH | O_DIRECTORY, 0);
			if (rootdirfd < 0)
				return error_set_errno(err, rootdirfd,
						       "Failed to open '/' in the container");
			/* Only if still empty and still a directory: the container may use it now.
			 */
			if (unlinkat(rootdirfd, "etc", AT_REMOVEDIR) < 0 && errno != ENOENT &&
			    errno != ENOTEMPTY && errno != EEXIST && errno != ENOTDIR &&
			    errno != EBUSY)
				return error_set_errno(err, -errno,
						       "Failed to remove '/etc' in the container");
		}
		break;
	}

	return remove_backup(state_path, orig_path, err);
}

int resolvconf_set_aside(const char *backup_dir, const char *aside_prefix, bool *ret_kept,
			 struct lxcri_error *err)
{
	static const char *const names[] = { RESOLVCONF_STATE_NAME, RESOLVCONF_BACKUP_NAME };
	_cleanup_free_ char *state_path = NULL, *orig_path = NULL;
	bool kept = false;

	if (ret_kept)
		*ret_kept = false;
	if (backup_path(backup_dir, RESOLVCONF_STATE_NAME, &state_path) < 0 ||
	    backup_path(backup_dir, RESOLVCONF_BACKUP_NAME, &orig_path) < 0)
		return error_set_errno(err, -ENOMEM, "Failed to set aside '%s'", backup_dir);
	/* Without the state there is no backup: a left-over copy goes. */
	if (access(state_path, F_OK) < 0) {
		if (errno != ENOENT)
			return error_set_errno(err, -errno, "Failed to check '%s'", state_path);
		return remove_backup(state_path, orig_path, err);
	}
	/* The state first, as remove_backup() does: what stays behind is no backup. */
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_free_ char *to = NULL;
		const char *from = i == 0 ? state_path : orig_path;

		if (asprintf(&to, "%s%s", aside_prefix, names[i]) < 0) {
			to = NULL;
			return error_set_errno(err, -ENOMEM, "Failed to set aside '%s'", from);
		}
		if (rename(from, to) < 0) {
			if (errno == ENOENT && i > 0)
				continue;
			return error_set_errno(err, -errno, "Failed to move '%s' to '%s'", from,
					       to);
		}
		kept = true;
	}
	if (ret_kept)
		*ret_kept = kept;
	return 0;
}
