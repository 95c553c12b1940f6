/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the check suites: each test runs in its own forked process (CK_FORK). */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/ip.h"
#include "lib/basic/paths.h"

/* An address or a prefix of either family that the test writes as text. */
static inline struct ip_address test_address(const char *s)
{
	struct ip_address a;

	ck_assert_msg(ip_address_parse(s, AF_UNSPEC, &a) == 0, "not an address: %s", s);
	return a;
}

static inline struct ip_prefix test_prefix(const char *s)
{
	struct ip_prefix p;

	ck_assert_msg(ip_prefix_parse(s, AF_UNSPEC, &p) == 0, "not a prefix: %s", s);
	return p;
}

/* A fresh directory under /tmp; tests run forked, so leftovers die with /tmp cleaning. */
static inline char *test_tmpdir(void)
{
	char *d = strdup("/tmp/lxcri-unit-XXXXXX");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

/* "<a>/<b>", malloc'ed. */
static inline char *test_path(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

/* Every root of p under dir: <dir>/pve, etc, run, lxc, lxcconf, locks (not made). */
static inline void test_paths_under(struct lxcri_paths *p, const char *dir)
{
	snprintf(p->pve_dir, sizeof(p->pve_dir), "%s/pve", dir);
	snprintf(p->etc_dir, sizeof(p->etc_dir), "%s/etc", dir);
	snprintf(p->run_dir, sizeof(p->run_dir), "%s/run", dir);
	snprintf(p->lxc_path, sizeof(p->lxc_path), "%s/lxc", dir);
	snprintf(p->lxc_config_dir, sizeof(p->lxc_config_dir), "%s/lxcconf", dir);
	snprintf(p->pve_lock_dir, sizeof(p->pve_lock_dir), "%s/locks", dir);
}

static inline void test_write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "we");
	ck_assert_msg(f, "cannot create %s", path);
	ck_assert_int_eq(fputs(content, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A PVE node "pve1" as pmxcfs lays it out, under tmp (a plain directory:
 * pmxcfs's own rules are the integration suites', on pmxcfs-sim): every
 * root of p there (libexec too), pve/nodes/pve1/lxc, pve/lxcri, the local
 * and lxc links (local's mode has the write bits: quorate), and .vmlist.
 */
static inline void test_pve_node(struct lxcri_paths *p, const char *tmp, const char *vmlist)
{
	char path[PATH_MAX];

	ck_assert_int_eq(paths_init(p), 0);
	test_paths_under(p, tmp);
	snprintf(p->libexec_dir, sizeof(p->libexec_dir), "%s/libexec", tmp);
	for (const char *const *d = (const char *const[]){ "pve", "pve/nodes", "pve/nodes/pve1",
							   "pve/nodes/pve1/lxc", "pve/lxcri", "etc",
							   "run", "lxc", "locks", "libexec", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/pve/local", tmp);
	ck_assert_int_eq(symlink("nodes/pve1", path), 0);
	snprintf(path, sizeof(path), "%s/pve/lxc", tmp);
	ck_assert_int_eq(symlink("nodes/pve1/lxc", path), 0);
	snprintf(path, sizeof(path), "%s/pve/.vmlist", tmp);
	test_write_file(path, vmlist);
}

/* Writes <dir>/<rel>. */
static inline void test_write_under(const char *dir, const char *rel, const char *content)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	test_write_file(path, content);
}

static inline void test_rm_rf(const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", "--", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * A mount namespace of our own (tests run forked), so that a mount a failing
 * test leaves behind dies with the test. false: not root, or no mounts here.
 */
static inline bool test_private_mounts(void)
{
	if (geteuid() != 0)
		return false;
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

/* A read-only bind mount of dir over itself (in a private mount namespace). */
static inline bool test_mount_read_only(const char *dir)
{
	return test_private_mounts() && mount(dir, dir, NULL, MS_BIND, NULL) == 0 &&
	       mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

/*
 * LXC as a test has it answer, in a mount namespace of the test's own: the
 * lxc-info that lxcri runs (/usr/bin/lxc-info, else /usr/sbin/lxc-info) is
 * replaced, by a bind mount, with a script written to dir that answers
 * `lxc-info -P <lxc_path> -n <id> -s -p -H` with the text of
 * <lxc_path>/<id>/lxc-info (test_lxc_says()) and, without that file, as LXC
 * does for a container it does not know. The host's LXC is never asked and
 * never changed. false: no lxc-info to stand in for, or no mounts of our own.
 */
static inline bool test_lxc_info_stub(const char *dir)
{
	static const char *const programs[] = { "/usr/bin/lxc-info", "/usr/sbin/lxc-info" };
	char script[PATH_MAX];
	const char *program = NULL;

	for (size_t i = 0; i < 2 && !program; i++)
		if (access(programs[i], F_OK) == 0)
			program = programs[i];
	if (!program || !test_private_mounts())
		return false;
	snprintf(script, sizeof(script), "%s/lxc-info", dir);
	test_write_file(script,
			"#!/bin/sh\n"
			"# lxc-info -P <lxc_path> -n <id> -s -p -H\n"
			"if [ -f \"$2/$4/lxc-info\" ]; then cat \"$2/$4/lxc-info\"; exit 0; fi\n"
			"echo \"$4 doesn't exist\" >&2\n"
			"exit 1\n");
	ck_assert_int_eq(chmod(script, 0755), 0);
	return mount(script, program, NULL, MS_BIND, NULL) == 0;
}

/* What the stub of test_lxc_info_stub() says of container id: "RUNNING\n42\n"; NULL: unknown. */
static inline void test_lxc_says(const struct lxcri_paths *p, const char *id, const char *answer)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", p->lxc_path, id);
	if (mkdir(path, 0755) < 0)
		ck_assert_int_eq(errno, EEXIST);
	snprintf(path, sizeof(path), "%s/%s/lxc-info", p->lxc_path, id);
	if (answer)
		test_write_file(path, answer);
	else if (unlink(path) < 0)
		ck_assert_int_eq(errno, ENOENT);
}

/*
 * Forks a child that runs setup(arg) (a non-zero result: it exits at once),
 * then says it is ready and waits until killed: a stand-in for a container
 * or any other process. Returns once it is ready; the caller kills and
 * reaps it.
 */
static inline pid_t test_child(int (*setup)(const void *arg), const void *arg)
{
	int ready[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		if (setup(arg) != 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* Runs argv (argv[0] a path) with stdout and stderr captured: its output, NULL if it failed. */
static inline char *test_run_output(const char *const argv[])
{
	static char out[8192];
	int fds[2], status = -1;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((k = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? out : NULL;
}

/* `tc <args...>` (iproute2's own reading and writing of the kernel), as test_run_output(). */
#define TEST_TC(...) test_run_output((const char *const[]){ "/usr/sbin/tc", __VA_ARGS__, NULL })
/* A filter of "the admin" on dev's ingress or egress at priority pref. */
#define TEST_TC_ADMIN_FILTER(dev, side, pref)                                                      \
	TEST_TC("filter", "add", "dev", dev, side, "pref", pref, "protocol", "ip", "u32", "match", \
		"ip", "dst", "10.9.9.9/32", "flowid", ":1")

/* Says on stderr that test (__func__ of a check test, "<name>_fn") was skipped, and why. */
static inline void test_skip(const char *test, const char *why)
{
	size_t n = strlen(test);

	if (n > 3 && strcmp(test + n - 3, "_fn") == 0)
		n -= 3;
	fprintf(stderr, "%.*s: skipped (%s)\n", (int)n, test, why);
}

#define TEST_MAIN(suite_function)                                                                  \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *sr = srunner_create(suite_function());                                    \
		srunner_set_fork_status(sr, CK_FORK);                                              \
		srunner_run_all(sr, CK_NORMAL);                                                    \
		int failed = srunner_ntests_failed(sr);                                            \
		srunner_free(sr);                                                                  \
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                  \
	}
