/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* route_localnet with its guard, counted: see localnet.h. */
#include <netlink/socket.h>

#include "lib/port/localnet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"
#include "lib/basic/paths.h"
#include "lib/basic/strv.h"

#define LOCK_TIMEOUT_MS 10000
#define STATE_FILE	".state"
#define SYSCTL_DIR	"/proc/sys/net/ipv4/conf"

bool localnet_ifname_valid(const char *ifname)
{
	return ifname && valid_ifname(ifname) && strcmp(ifname, "lo") != 0 &&
	       strcmp(ifname, "all") != 0 && strcmp(ifname, "default") != 0;
}

int localnet_sysctl_get(const char *ifname)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX], c = 0;

	if (paths_join(path, sizeof(path), SYSCTL_DIR "/%s/route_localnet", ifname) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if (read(fd, &c, 1) != 1)
		return -EIO;
	return c == '1';
}

static int sysctl_set(const char *ifname, int value, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), SYSCTL_DIR "/%s/route_localnet", ifname) < 0)
		return error_set(err, -ENAMETOOLONG, "Invalid interface name '%s'", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return error_set(err, -ENODEV,
				 "Failed to set route_localnet on '%s': no such interface", ifname);
	if (fd < 0 || write(fd, value ? "1" : "0", 1) != 1)
		return error_set_errno(err, -errno, "Failed to set route_localnet on '%s' to %d",
				       ifname, value);
	return 0;
}

struct record_state {
	int previous;
	bool made_qdisc;
};

static int state_read(const char *ifdir, struct record_state *ret)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX], qdisc[8] = "";
	int r;

	if (paths_join(path, sizeof(path), "%s/" STATE_FILE, ifdir) < 0)
		return -ENAMETOOLONG;
	r = fileio_read_file(path, 4096, &text, NULL);
	if (r < 0)
		return r;
	if (sscanf(text, "previous %d\nqdisc %7s", &ret->previous, qdisc) != 2 ||
	    (ret->previous != 0 && ret->previous != 1) ||
	    (strcmp(qdisc, "made") != 0 && strcmp(qdisc, "found") != 0))
		return -EINVAL;
	ret->made_qdisc = strcmp(qdisc, "made") == 0;
	return 0;
}

static int state_write(const char *ifdir, const struct record_state *st, struct lxcri_error *err)
{
	char path[PATH_MAX], text[64];
	int n = snprintf(text, sizeof(text), "previous %d\nqdisc %s\n", st->previous,
			 st->made_qdisc ? "made" : "found");

	if (paths_join(path, sizeof(path), "%s/" STATE_FILE, ifdir) < 0)
		return error_set(err, -ENAMETOOLONG, "Path too long: '%s'", ifdir);
	return atomic_write_volatile(path, text, (size_t)n, 0644, 0, err);
}

/* Whether ifdir still has an owner: 1, 0, -ENOENT (no record), -errno. */
static int has_owner(const char *ifdir)
{
	_cleanup_(closedirp) DIR *d = opendir(ifdir);
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			return 1;
	return 0;
}

static int lock_dir(const char *dir, struct lxcri_error *err)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/.lock", dir) < 0)
		return error_set(err, -ENAMETOOLONG, "Path too long: '%s'", dir);
	return lock_file(path, LOCK_TIMEOUT_MS, err);
}

/* Our filter on ifname's ingress, with a qdisc for it (recorded ahead when we make it). */
static int guard_ensure(struct nl_sock *sk, const char *ifdir, const char *ifname,
			struct record_state *st, struct lxcri_error *err)
{
	int r = netlink_localnet_guard_present(sk, ifname, err);

	if (r != 0)
		return r < 0 ? r : 0;
	r = netlink_ingress_qdisc_exists(sk, ifname, err);
	if (r == 0 && !st->made_qdisc) {
		st->made_qdisc = true;
		r = state_write(ifdir, st, err);
	}
	if (r == 0)
		r = netlink_ingress_qdisc_add(sk, ifname, err);
	if (r >= 0)
		r = netlink_localnet_guard_add(sk, ifname, err);
	return r;
}

static int release_locked(struct nl_sock *sk, const char *ifdir, const char *ifname,
			  const char *owner_path, struct lxcri_error *err)
{
	struct record_state st;
	char path[PATH_MAX];
	int r;

	if (owner_path[0] && unlink(owner_path) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove '%s'", owner_path);
	r = has_owner(ifdir);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", ifdir);
	if (r > 0)
		return 0;
	/* The last one: route_localnet back first, then the guard. */
	r = state_read(ifdir, &st);
	if (r < 0 && r != -ENOENT)
		return error_set_errno(err, r, "Failed to read '%s/" STATE_FILE "'", ifdir);
	if (r == 0) {
		r = sysctl_set(ifname, st.previous, err);
		if (r >= 0 || r == -ENODEV)
			r = netlink_localnet_guard_del(sk, ifname, err);
		if (r >= 0 && st.made_qdisc)
			r = netlink_ingress_qdisc_del_unused(sk, ifname, err);
		if (r < 0)
			return r;
	}
	/* Without .state nothing had been changed yet: it is written before anything. */
	if (paths_join(path, sizeof(path), "%s/" STATE_FILE, ifdir) < 0)
		return error_set(err, -ENAMETOOLONG, "Path too long: '%s'", ifdir);
	atomic_write_leftovers_remove(path);
	if ((unlink(path) < 0 && errno != ENOENT) || rmdir(ifdir) < 0)
		return error_set_errno(err, -errno, "Failed to remove '%s'", ifdir);
	return 1;
}

/* The paths of a record and of owner in it (NULL: "" for none); validates the names. */
static int record_paths(const char *dir, const char *ifname, const char *owner, char *ifdir,
			char *owner_path, struct lxcri_error *err)
{
	char escaped[ESCAPE_BUFSIZE];

	if (!localnet_ifname_valid(ifname))
		return error_set(
		    err, -EINVAL, "Invalid interface for route_localnet: '%s'",
		    escape_for_message(ifname ? ifname : "", escaped, sizeof(escaped)));
	if (owner && !paths_id_valid(owner))
		return error_set(err, -EINVAL, "Invalid owner of route_localnet: '%s'",
				 escape_for_message(owner, escaped, sizeof(escaped)));
	owner_path[0] = '\0';
	if (paths_join(ifdir, PATH_MAX, "%s/%s", dir, ifname) < 0 ||
	    (owner && paths_join(owner_path, PATH_MAX, "%s/%s", ifdir, owner) < 0))
		return error_set(err, -ENAMETOOLONG, "Path too long: '%s'", dir);
	return 0;
}

/* The records locked (*ret_lock) and a netlink socket (*ret_sk), to change ifname's. */
static int begin(const char *dir, struct nl_sock **ret_sk, int *ret_lock, struct lxcri_error *err)
{
	int r;

	*ret_lock = lock_dir(dir, err);
	if (*ret_lock < 0)
		return *ret_lock;
	r = netlink_open(ret_sk);
	if (r < 0)
		return error_set_errno(err, r, "Failed to open a netlink socket");
	return 0;
}

int localnet_acquire(const char *dir, const char *ifname, const char *owner,
		     struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *sk = NULL;
	_cleanup_close_ int lock = -1, fd = -1;
	char ifdir[PATH_MAX], owner_path[PATH_MAX];
	struct record_state st;
	int r;

	if (!owner)
		return error_set(err, -EINVAL, "Invalid owner of route_localnet: none");
	r = record_paths(dir, ifname, owner, ifdir, owner_path, err);
	if (r >= 0)
		r = begin(dir, &sk, &lock, err);
	if (r < 0)
		return r;
	r = state_read(ifdir, &st);
	if (r == -ENOENT) {
		/* The first owner: what it was before, recorded before anything changes. */
		int previous = localnet_sysctl_get(ifname);

		if (previous == -ENODEV)
			return error_set(
			    err, -ENODEV,
			    "Failed to enable route_localnet on '%s': no such interface", ifname);
		if (previous < 0)
			return error_set_errno(err, previous,
					       "Failed to read route_localnet of '%s'", ifname);
		if (mkdir(ifdir, 0755) < 0 && errno != EEXIST)
			return error_set_errno(err, -errno, "Failed to create '%s'", ifdir);
		st = (struct record_state){ .previous = previous };
		r = state_write(ifdir, &st, err);
	} else if (r < 0) {
		r = error_set_errno(err, r, "Failed to read '%s/" STATE_FILE "'", ifdir);
	}
	if (r >= 0) {
		fd = open(owner_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			r = error_set_errno(err, -errno, "Failed to create '%s'", owner_path);
	}
	if (r >= 0)
		r = guard_ensure(sk, ifdir, ifname, &st, err);
	if (r >= 0 && localnet_sysctl_get(ifname) != 1)
		r = sysctl_set(ifname, 1, err);
	if (r < 0) {
		struct lxcri_error ignored = {};

		(void)release_locked(sk, ifdir, ifname, owner_path, &ignored);
		return r;
	}
	return 0;
}

int localnet_release(const char *dir, const char *ifname, const char *owner,
		     struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *sk = NULL;
	_cleanup_close_ int lock = -1;
	char ifdir[PATH_MAX], owner_path[PATH_MAX];
	struct stat st;
	int r;

	r = record_paths(dir, ifname, owner, ifdir, owner_path, err);
	if (r < 0)
		return r;
	if (stat(ifdir, &st) < 0 && errno == ENOENT)
		return 0; /* never set: no lock (the run dir may not even exist) */
	r = begin(dir, &sk, &lock, err);
	return r < 0 ? r : release_locked(sk, ifdir, ifname, owner_path, err);
}

void localnet_records_free(struct localnet_record *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		strv_free(r[i].owners);
	free(r);
}

static int compare_records(const void *a, const void *b)
{
	return strcmp(((const struct localnet_record *)a)->ifname,
		      ((const struct localnet_record *)b)->ifname);
}

/* The owners of a record: its files not starting with '.'. */
static int record_owners(const char *ifdir, struct localnet_record *rec)
{
	_cleanup_(closedirp) DIR *d = opendir(ifdir);
	struct dirent *de;

	rec->owners = calloc(1, sizeof(char *));
	if (!d || !rec->owners)
		return d ? -ENOMEM : -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    strv_append(&rec->owners, &rec->n_owners, strdup(de->d_name)) < 0)
			return -ENOMEM;
	return 0;
}

int localnet_records(const char *dir, struct localnet_record **ret, size_t *ret_n,
		     struct lxcri_error *err)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct localnet_record *recs = NULL;
	struct dirent *de;
	size_t n = 0;

	if (!d && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to read '%s'", dir);
	while (d && (de = readdir(d))) {
		struct localnet_record *p;
		struct record_state st;
		char ifdir[PATH_MAX];
		int r;

		if (de->d_name[0] == '.' || !valid_ifname(de->d_name) ||
		    paths_join(ifdir, sizeof(ifdir), "%s/%s", dir, de->d_name) < 0)
			continue;
		p = reallocarray(recs, n + 1, sizeof(*recs));
		if (!p) {
			localnet_records_free(recs, n);
			return error_oom(err);
		}
		recs = p;
		p = &recs[n++];
		*p = (struct localnet_record){ .previous = -1 };
		memcpy(p->ifname, de->d_name, strlen(de->d_name) + 1); /* valid_ifname(): it fits */
		if (state_read(ifdir, &st) == 0)
			p->previous = st.previous;
		r = record_owners(ifdir, p);
		if (r < 0) {
			localnet_records_free(recs, n);
			return error_set_errno(err, r, "Failed to read '%s'", ifdir);
		}
	}
	if (n > 1)
		qsort(recs, n, sizeof(*recs), compare_records);
	*ret = recs;
	*ret_n = n;
	return 0;
}

static int compare_on(const void *a, const void *b)
{
	return strcmp(((const struct localnet_on *)a)->ifname,
		      ((const struct localnet_on *)b)->ifname);
}

int localnet_scan(struct localnet_on **ret, size_t *ret_n, struct lxcri_error *err)
{
	_cleanup_nl_socket_ struct nl_sock *sk = NULL;
	_cleanup_(closedirp) DIR *d = opendir(SYSCTL_DIR);
	_cleanup_free_ struct localnet_on *on = NULL;
	struct dirent *de;
	size_t n = 0;
	int r;

	if (!d)
		return error_set_errno(err, -errno, "Failed to read '%s'", SYSCTL_DIR);
	r = netlink_open(&sk);
	if (r < 0)
		return error_set_errno(err, r, "Failed to open a netlink socket");
	while ((de = readdir(d))) {
		struct localnet_on *p;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "lo") == 0 ||
		    strlen(de->d_name) >= IFNAMSIZ || localnet_sysctl_get(de->d_name) != 1)
			continue;
		p = reallocarray(on, n + 1, sizeof(*on));
		if (!p)
			return error_oom(err);
		on = p;
		p = &on[n++];
		*p = (struct localnet_on){ 0 };
		memcpy(p->ifname, de->d_name, strlen(de->d_name) + 1);
		r = netlink_localnet_guard_present(sk, p->ifname, err);
		if (r < 0)
			return r;
		p->guarded = r > 0;
	}
	if (n > 1)
		qsort(on, n, sizeof(*on), compare_on);
	*ret = TAKE_PTR(on);
	*ret_n = n;
	return 0;
}
