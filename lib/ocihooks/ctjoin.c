/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A process of a running container: see ctjoin.h. */
#include "lib/ocihooks/ctjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/lsm/apparmor.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/ctns.h"
#include "lib/basic/fileio.h"
#include "lib/basic/paths.h"
#include "lib/basic/safe.h"
#include "lib/lsm/selinux.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define PROC_TEXT_MAX (64 * 1024)
/* BPF_MAXINSNS: a classic filter is at most 4096 instructions. */
#define FILTER_MAX_INSNS 4096

static const struct {
	const char *name;
	int type;
} namespaces[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },    { "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC },   { "net", CLONE_NEWNET },   { "cgroup", CLONE_NEWCGROUP },
	{ "pid", CLONE_NEWPID },   { "time", CLONE_NEWTIME },
};

void ctjoin_close(struct ctjoin *j)
{
	if (!j)
		return;
	closep(&j->pidfd);
	closep(&j->root);
	closep(&j->lsm_fd);
	for (size_t i = 0; i < j->n_cgroups; i++)
		closep(&j->cgroup_procs[i]);
	free(j->cgroup_procs);
	j->cgroup_procs = NULL;
	j->n_cgroups = 0;
	for (size_t i = 0; i < j->n_filters; i++)
		free(j->filters[i].filter);
	free(j->filters);
	j->filters = NULL;
	j->n_filters = 0;
	free(j->apparmor);
	free(j->selinux);
	j->apparmor = j->selinux = NULL;
}

/* The number after "key:" on a line of a /proc status text, in base. */
static int status_number(const char *status, const char *key, int base, unsigned long long *ret)
{
	size_t n = strlen(key);

	for (const char *line = status; line && *line; line = strchr(line, '\n')) {
		char *end;

		if (*line == '\n')
			line++;
		if (strncmp(line, key, n) != 0 || line[n] != ':')
			continue;
		errno = 0;
		*ret = strtoull(line + n + 1, &end, base);
		if (errno || end == line + n + 1 || (*end != '\n' && *end != '\0'))
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int ctjoin_status_hex(const char *status, const char *key, uint64_t *ret)
{
	unsigned long long v;
	int r = status_number(status, key, 16, &v);

	if (r >= 0)
		*ret = v;
	return r;
}

int ctjoin_label_parse(const char *text, char **ret)
{
	size_t n = strcspn(text, "\n");

	/* AppArmor adds the mode: "name (enforce)"; "unconfined" has none. */
	if (n > 1 && text[n - 1] == ')') {
		const char *open = NULL;

		for (size_t i = n; i-- > 0;)
			if (text[i] == '(' && i > 0 && text[i - 1] == ' ') {
				open = text + i - 1;
				break;
			}
		if (open)
			n = (size_t)(open - text);
	}
	while (n > 0 && text[n - 1] == '\0')
		n--;
	if (n == 0) {
		*ret = NULL;
		return 0;
	}
	*ret = strndup(text, n);
	return *ret ? 0 : -ENOMEM;
}

/* /proc/<pid>/<what> as text. */
static int proc_read(pid_t pid, const char *what, char **ret)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return fileio_read_file(path, PROC_TEXT_MAX, ret, NULL);
}

static int namespace_flags(pid_t pid, int *ret, struct lxcri_error *err)
{
	int flags = 0;

	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		char theirs_path[64], ours_path[64];
		struct stat theirs, ours;

		snprintf(theirs_path, sizeof(theirs_path), "/proc/%d/ns/%s", (int)pid,
			 namespaces[i].name);
		snprintf(ours_path, sizeof(ours_path), "/proc/self/ns/%s", namespaces[i].name);
		if (stat(theirs_path, &theirs) < 0) {
			/* A kernel without time namespaces. */
			if (errno == ENOENT && namespaces[i].type == CLONE_NEWTIME)
				continue;
			return error_set_errno(err, -errno, "Failed to read '%s'", theirs_path);
		}
		if (stat(ours_path, &ours) < 0)
			return error_set_errno(err, -errno, "Failed to read '%s'", ours_path);
		if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
			flags |= namespaces[i].type;
	}
	*ret = flags;
	return 0;
}

/* Whether item is one of the comma-separated options. */
static bool option_has(const char *options, const char *item, size_t n)
{
	for (const char *o = options; *o; o += strcspn(o, ",") + (o[strcspn(o, ",")] == ',')) {
		if (strncmp(o, item, n) == 0 && (o[n] == ',' || o[n] == '\0'))
			return true;
	}
	return false;
}

/*
 * The mount point of a hierarchy from /proc/self/mountinfo: cgroup2 for
 * controllers "", else a cgroup (v1) mount whose super options have each of
 * the controllers ("cpu,cpuacct", "name=systemd") of a /proc/<pid>/cgroup line.
 */
static int cgroup_mount(const char *mountinfo, const char *controllers, char *ret, size_t size)
{
	const char *line = mountinfo;

	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char mnt[PATH_MAX], fstype[64], opts[1024];
		const char *sep = strstr(line, " - ");
		bool all = true;

		if (!sep || sep > line + strcspn(line, "\n") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, *controllers ? "cgroup" : "cgroup2") != 0)
			continue;
		for (const char *c = controllers; *c && all;
		     c += strcspn(c, ",") + (c[strcspn(c, ",")] == ','))
			all = option_has(opts, c, strcspn(c, ","));
		/* Mount points are octal-escaped (\040 for a space): not one of these. */
		if (!all || strchr(mnt, '\\'))
			continue;
		if (snprintf(ret, size, "%s", mnt) >= (int)size)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

/* The cgroup.procs of each hierarchy pid is in, open for writing. */
static int open_cgroups(struct ctjoin *j, struct lxcri_error *err)
{
	_cleanup_free_ char *cgroups = NULL, *mountinfo = NULL;
	char *save = NULL;
	int r;

	r = proc_read(j->pid, "cgroup", &cgroups);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read the cgroups of pid %d", (int)j->pid);
	r = fileio_read_file("/proc/self/mountinfo", 16 * 1024 * 1024, &mountinfo, NULL);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '/proc/self/mountinfo'");
	for (char *line = strtok_r(cgroups, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *controllers = strchr(line, ':'), *path, mnt[PATH_MAX], procs[PATH_MAX];
		_cleanup_close_ int dir = -1, fd = -1;
		int *grown;

		if (!controllers || !(path = strchr(controllers + 1, ':')))
			return error_set(err, -EINVAL, "Invalid cgroup line '%s' of pid %d", line,
					 (int)j->pid);
		*controllers++ = '\0';
		*path++ = '\0';
		r = cgroup_mount(mountinfo, controllers, mnt, sizeof(mnt));
		/* A hierarchy the host has not mounted (a named one of systemd's, say). */
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return error_set_errno(err, r, "Failed to find the cgroup mount of '%s'",
					       controllers);
		/* The path is the kernel's; no link of anyone's is followed to it. */
		dir = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			return error_set_errno(err, -errno, "Failed to open '%s'", mnt);
		if (paths_join(procs, sizeof(procs), "%s/cgroup.procs",
			       *path == '/' ? path + 1 : path) < 0)
			return error_set(err, -ENAMETOOLONG, "cgroup path '%s' is too long", path);
		fd = safe_openat(dir, procs, O_WRONLY | O_NOFOLLOW, 0);
		if (fd < 0)
			return error_set_errno(
			    err, fd, "Failed to open the container's cgroup '%s/%s'", mnt, procs);
		grown = reallocarray(j->cgroup_procs, j->n_cgroups + 1, sizeof(int));
		if (!grown)
			return error_oom(err);
		j->cgroup_procs = grown;
		j->cgroup_procs[j->n_cgroups++] = TAKE_FD(fd);
	}
	return 0;
}

/* Waits for the tracee's stop after PTRACE_INTERRUPT; anything else it reports is passed by. */
static int wait_stopped(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		int status;

		if (waitpid(pid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -ESRCH;
		if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP)
			return 0;
		/* A signal that arrived meanwhile: deliver it and wait for our stop. */
		if (WIFSTOPPED(status))
			(void)ptrace(PTRACE_CONT, pid, 0, (void *)(long)WSTOPSIG(status));
	}
	return -ETIME;
}

/* The init's seccomp filters, read while it is stopped under ptrace. */
static int copy_filters(struct ctjoin *j, unsigned long long count, struct lxcri_error *err)
{
	int r = 0;

	if (count == 0)
		return 0;
	/* The kernel allows 32768 instructions over all filters of a process. */
	if (count > 4096)
		return error_set(err, -E2BIG, "pid %d has %llu seccomp filters", (int)j->pid,
				 count);
	j->filters = calloc(count, sizeof(*j->filters));
	if (!j->filters)
		return error_oom(err);
	j->n_filters = count;
	if (ptrace(PTRACE_SEIZE, j->pid, 0, 0) < 0)
		return error_set_errno(err, -errno,
				       "Failed to attach to the container's init (pid %d) to copy "
				       "its seccomp filter",
				       (int)j->pid);
	if (ptrace(PTRACE_INTERRUPT, j->pid, 0, 0) < 0)
		r = -errno;
	if (r >= 0)
		r = wait_stopped(j->pid);
	/* Index 0 is the newest filter: stored oldest first, in the order to install them. */
	for (unsigned long long i = 0; r >= 0 && i < count; i++) {
		struct sock_fprog *f = &j->filters[count - 1 - i];
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, j->pid, (void *)(uintptr_t)i, NULL);

		if (n <= 0 || n > FILTER_MAX_INSNS) {
			r = n < 0 ? -errno : -EINVAL;
			break;
		}
		f->filter = calloc((size_t)n, sizeof(struct sock_filter));
		if (!f->filter) {
			r = -ENOMEM;
			break;
		}
		f->len = (unsigned short)n;
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, j->pid, (void *)(uintptr_t)i, f->filter) != n)
			r = -EIO;
	}
	(void)ptrace(PTRACE_DETACH, j->pid, 0, 0);
	if (r < 0)
		return error_set_errno(err, r,
				       "Failed to copy the seccomp filter of the container's init "
				       "(pid %d)",
				       (int)j->pid);
	return 0;
}

static int read_label(pid_t pid, const char *attr, char **ret)
{
	_cleanup_free_ char *text = NULL;
	int r = proc_read(pid, attr, &text);

	if (r < 0)
		return r;
	return ctjoin_label_parse(text, ret);
}

static int read_lsm(struct ctjoin *j, struct lxcri_error *err)
{
	int r;

	if (apparmor_enabled("/sys")) {
		r = read_label(j->pid, "attr/apparmor/current", &j->apparmor);
		if (r == -ENOENT)
			r = read_label(j->pid, "attr/current", &j->apparmor);
		if (r < 0)
			return error_set_errno(
			    err, r, "Failed to read the AppArmor label of pid %d", (int)j->pid);
		if (j->apparmor && strcmp(j->apparmor, "unconfined") == 0) {
			free(j->apparmor);
			j->apparmor = NULL;
		}
	}
	if (selinuxfs_enabled(NULL)) {
		/* LXC sets the init's context for its exec; once it ran, its current one. */
		r = read_label(j->pid, "attr/exec", &j->selinux);
		if (r >= 0 && !j->selinux)
			r = read_label(j->pid, "attr/current", &j->selinux);
		if (r < 0)
			return error_set_errno(
			    err, r, "Failed to read the SELinux context of pid %d", (int)j->pid);
	}
	return 0;
}

static int read_process(struct ctjoin *j, struct lxcri_error *err)
{
	_cleanup_free_ char *status = NULL, *last = NULL;
	unsigned long long filters = 0;
	char path[64];
	int r;

	r = proc_read(j->pid, "status", &status);
	if (r < 0)
		return error_set_errno(err, r == -ENOENT ? -ESRCH : r,
				       "Failed to read the status of pid %d", (int)j->pid);
	r = ctjoin_status_hex(status, "CapBnd", &j->bounding);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read the bounding set of pid %d",
				       (int)j->pid);
	r = status_number(status, "Seccomp_filters", 10, &filters);
	if (r == -ENOENT) {
		unsigned long long mode = 0;

		/* Kernels before 5.9 give the mode only. */
		if (status_number(status, "Seccomp", 10, &mode) == 0 && mode == SECCOMP_MODE_FILTER)
			return error_set(err, -EOPNOTSUPP,
					 "Failed to count the seccomp filters of pid %d",
					 (int)j->pid);
		r = 0;
	}
	if (r < 0)
		return error_set_errno(err, r, "Failed to read the seccomp state of pid %d",
				       (int)j->pid);
	r = fileio_read_file("/proc/sys/kernel/cap_last_cap", 64, &last, NULL);
	j->cap_last = r >= 0 ? (unsigned)strtoul(last, NULL, 10) : CAP_LAST_CAP;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (prlimit(j->pid, (__rlimit_resource_t)i, NULL, &j->limits[i]) < 0)
			return error_set_errno(err, -errno, "Failed to read the limits of pid %d",
					       (int)j->pid);
	r = namespace_flags(j->pid, &j->ns_flags, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)j->pid);
	j->root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->root < 0)
		return error_set_errno(err, -errno, "Failed to open '%s'", path);
	r = open_cgroups(j, err);
	if (r >= 0)
		r = read_lsm(j, err);
	if (r >= 0)
		r = copy_filters(j, filters, err);
	return r;
}

int ctjoin_open(pid_t pid, struct ctjoin *ret, struct lxcri_error *err)
{
	struct ctjoin j = CTJOIN_INIT;
	int r;

	if (pid <= 0)
		return error_set(err, -EINVAL, "Invalid container pid %d", (int)pid);
	j.pid = pid;
	j.pidfd = ctns_pidfd_open(pid);
	if (j.pidfd < 0)
		return error_set_errno(err, j.pidfd, "Failed to pin the container's init (pid %d)",
				       (int)pid);
	r = read_process(&j, err);
	/* What was read is of the pinned process only if it still runs now. */
	if (r >= 0 && ctns_pidfd_exited(j.pidfd))
		r = error_set(err, -ESRCH, "The container's init (pid %d) is gone", (int)pid);
	if (r < 0) {
		ctjoin_close(&j);
		return r;
	}
	*ret = j;
	return 0;
}

int ctjoin_pid_namespace(const struct ctjoin *j)
{
	if (!(j->ns_flags & CLONE_NEWPID))
		return 0;
	return setns(j->pidfd, CLONE_NEWPID) < 0 ? -errno : 0;
}

static int write_text(int fd, const char *text)
{
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);

	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

/* The hook's own LSM attribute file, opened while the host's /proc is "/proc". */
static int open_lsm_attr(struct ctjoin *j)
{
	if (j->apparmor) {
		j->lsm_fd = open("/proc/thread-self/attr/apparmor/current", O_WRONLY | O_CLOEXEC);
		if (j->lsm_fd < 0 && errno == ENOENT)
			j->lsm_fd = open("/proc/thread-self/attr/current", O_WRONLY | O_CLOEXEC);
	} else if (j->selinux) {
		j->lsm_fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	} else {
		return 0;
	}
	return j->lsm_fd < 0 ? -errno : 0;
}

static int drop_bounding(const struct ctjoin *j)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	for (unsigned cap = 0; cap <= j->cap_last && cap < 64; cap++)
		if (!(j->bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	/* What exec gives root is the inheritable set and the bounding set. */
	if (syscall(SYS_capget, &header, data) < 0)
		return -errno;
	data[0].inheritable &= (uint32_t)j->bounding;
	data[1].inheritable &= (uint32_t)(j->bounding >> 32);
	return syscall(SYS_capset, &header, data) < 0 ? -errno : 0;
}

static void lower_limits(const struct ctjoin *j)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit ours, want = j->limits[i];

		if (getrlimit((__rlimit_resource_t)i, &ours) < 0)
			continue;
		if (ours.rlim_max < want.rlim_max)
			want.rlim_max = ours.rlim_max;
		if (ours.rlim_cur < want.rlim_cur)
			want.rlim_cur = ours.rlim_cur;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
		if (want.rlim_cur != ours.rlim_cur || want.rlim_max != ours.rlim_max)
			(void)setrlimit((__rlimit_resource_t)i, &want);
	}
}

int ctjoin_enter(struct ctjoin *j)
{
	_cleanup_close_ int own_root = -1;
	int r;

	/* Writing 0 moves the writer: the host's cgroupfs is still the one we see. */
	for (size_t i = 0; i < j->n_cgroups; i++) {
		r = write_text(j->cgroup_procs[i], "0");
		if (r < 0)
			return r;
	}
	r = open_lsm_attr(j);
	if (r < 0)
		return r;
	if (j->keep_root) {
		own_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (own_root < 0)
			return -errno;
	}
	if (j->ns_flags && setns(j->pidfd, j->ns_flags) < 0)
		return -errno;
	/* setns() into a mount namespace moved "/" to its root: the one wanted, explicitly. */
	if (fchdir(j->keep_root ? own_root : j->root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -errno;
	lower_limits(j);
	return drop_bounding(j);
}

int ctjoin_restrict(struct ctjoin *j)
{
	if (j->apparmor) {
		char command[4096];

		/* As LXC does for the init: the profile changes at once. */
		if (snprintf(command, sizeof(command), "changeprofile %s", j->apparmor) >=
		    (int)sizeof(command))
			return -ENAMETOOLONG;
		if (write_text(j->lsm_fd, command) < 0)
			return -EACCES;
	} else if (j->selinux) {
		if (write_text(j->lsm_fd, j->selinux) < 0)
			return -EACCES;
	}
	closep(&j->lsm_fd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	for (size_t i = 0; i < j->n_filters; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &j->filters[i]) < 0)
			return -errno;
	return 0;
}

/* The identity of what pid runs: its executable's device and inode. */
static int exe_of(pid_t pid, struct stat *ret)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, ret) == 0)
		return 0;
	return errno == ENOENT ? -ESRCH : -errno;
}

int ctjoin_wait_exec(pid_t pid, unsigned timeout_ms)
{
	struct stat first, now;
	int r = exe_of(pid, &first);

	if (r < 0)
		return r;
	for (unsigned waited = 0; waited < timeout_ms; waited += 10) {
		const struct timespec ten_ms = { 0, 10 * 1000 * 1000 };

		nanosleep(&ten_ms, NULL);
		r = exe_of(pid, &now);
		/* Mid-execve, /proc/<pid>/exe can be missing for a moment: gone only if pid is. */
		if (r == -ESRCH && (kill(pid, 0) == 0 || errno == EPERM))
			continue;
		if (r < 0)
			return r;
		if (now.st_ino != first.st_ino || now.st_dev != first.st_dev)
			return 1;
	}
	return 0;
}
