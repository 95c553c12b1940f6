/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * For the suites that run OCI hooks (check_ocirun, check_hooksetup): the
 * hook program, fixtures, and what the tests read back.
 *
 * The hook is the suite's binary again, copied to <tmp>/bin/prog (root's,
 * 0755: a trusted host program) and reached through a symlink of its own
 * per hook (<tmp>/bin/<name>), in the mode its environment names. Whatever
 * the mode, it first records what it got: <out>/<name>.run (uid, hostname,
 * one "arg=" line per argument, one "env=" line per variable),
 * <out>/<name>.stdin, and its name appended to <out>/order, so that the
 * order file is the sequence of hooks that ran.
 *
 * Every test runs in a mount namespace of its own, where both hooks.d
 * directories that are always read (OCIHOOKS_DIR_DEFAULT and
 * OCIHOOKS_DIR_OVERRIDE) are empty directories of the test: the host's
 * hooks never take part, and tests may put files there.
 *
 * Reports (lib/basic/report.h) go to <tmp>/reports, one "<level>: <message>"
 * line each, from whatever process sends them.
 */

#include <json-c/json.h>
#include <signal.h>
#include <sys/mount.h>

#include "pamtest.h"
#include "testutil.h"

#include "lib/basic/report.h"
#include "lib/ocihooks/ocihooks.h"

#define OCITEST_MODE   "OCITEST_MODE"
#define OCITEST_OUT    "OCITEST_OUT"
#define OCITEST_NAME   "OCITEST_NAME"
#define OCITEST_ARG    "OCITEST_ARG"
#define OCITEST_STDERR "OCITEST_STDERR"
#define OCITEST_FLOOD  (1024 * 1024)
#define OCITEST_MOUNTS 4

/* ---- the hook: this binary in a mode ---- */

static inline void ocitest_write(const char *path, int flags, const char *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0666);

	if (fd < 0)
		_exit(90);
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			_exit(91);
		done += (size_t)n;
	}
	close(fd);
}

static inline void ocitest_fill(int fd, const char *head, char c, size_t size)
{
	char buf[4096];

	memset(buf, c, sizeof(buf));
	(void)!write(fd, head, strlen(head));
	for (size_t done = 0; done < size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) < 0)
			return;
}

/* Never returns. No leak check: it may run as another user, in another root. */
static inline _Noreturn void ocitest_hook_main(int argc, char **argv)
{
	extern char **environ;
	const char *out = getenv(OCITEST_OUT), *name = getenv(OCITEST_NAME);
	const char *mode = getenv(OCITEST_MODE), *arg = getenv(OCITEST_ARG);
	char path[PATH_MAX], host[256] = "", *run = NULL, *in = NULL;
	size_t run_size = 0, in_size = 0;
	FILE *f;
	ssize_t n;

	if (!out || !name)
		_exit(92);
	/* stdin first, whole: what the hook was given. */
	f = open_memstream(&in, &in_size);
	while (f && (n = read(0, path, sizeof(path))) > 0)
		fwrite(path, 1, (size_t)n, f);
	if (!f || fclose(f) != 0)
		_exit(93);
	snprintf(path, sizeof(path), "%s/%s.stdin", out, name);
	ocitest_write(path, O_TRUNC, in, in_size);

	gethostname(host, sizeof(host) - 1);
	f = open_memstream(&run, &run_size);
	if (!f)
		_exit(94);
	fprintf(f, "uid=%u\nhostname=%s\n", (unsigned)getuid(), host);
	for (int i = 0; i < argc; i++)
		fprintf(f, "arg=%s\n", argv[i]);
	for (char **e = environ; *e; e++)
		fprintf(f, "env=%s\n", *e);
	if (fclose(f) != 0)
		_exit(95);
	snprintf(path, sizeof(path), "%s/%s.run", out, name);
	ocitest_write(path, O_TRUNC, run, run_size);
	snprintf(path, sizeof(path), "%s/order", out);
	ocitest_write(path, O_APPEND, name, strlen(name));
	ocitest_write(path, O_APPEND, "\n", 1);

	if (strcmp(mode, "record") == 0) {
		_exit(0);
	} else if (strcmp(mode, "fail") == 0) {
		const char *text = getenv(OCITEST_STDERR);
		if (text)
			(void)!write(2, text, strlen(text));
		_exit(arg ? atoi(arg) : 1);
	} else if (strcmp(mode, "kill") == 0) {
		kill(getpid(), SIGKILL);
	} else if (strcmp(mode, "hang") == 0) {
		/* It and a child of its own: the timeout must end both. */
		pid_t child = fork();
		char pids[64];

		if (child == 0) {
			sleep(120);
			_exit(0);
		}
		snprintf(path, sizeof(path), "%s/%s.pids", out, name);
		snprintf(pids, sizeof(pids), "%d %d", (int)getpid(), (int)child);
		ocitest_write(path, O_TRUNC, pids, strlen(pids));
		sleep(120);
		_exit(0);
	} else if (strcmp(mode, "flood") == 0) {
		/* Far more than a pipe holds, on both. */
		ocitest_fill(1, "", 'o', OCITEST_FLOOD);
		ocitest_fill(2, "flood:", 'E', OCITEST_FLOOD);
		_exit(arg ? atoi(arg) : 0);
	} else if (strcmp(mode, "copy") == 0) {
		/* A copy of the file arg names, as the hook found it. */
		_cleanup_free_ char *text = NULL;
		size_t size = 0;
		f = fopen(arg, "re");
		if (!f || getdelim(&text, &size, '\0', f) < 0)
			_exit(96);
		fclose(f);
		snprintf(path, sizeof(path), "%s/%s.copy", out, name);
		ocitest_write(path, O_TRUNC, text, strlen(text));
		_exit(0);
	}
	_exit(99);
}

/* ---- fixtures ---- */

static char *ocitest_tmp;
static char ocitest_bin[PATH_MAX], ocitest_out[PATH_MAX], ocitest_state[PATH_MAX];
static char ocitest_reports_path[PATH_MAX];
static char ocitest_mounts[OCITEST_MOUNTS][PATH_MAX];
static size_t ocitest_n_mounts;

static inline void ocitest_sink(int priority, const char *message)
{
	const char *level = priority == LOG_ERR	      ? "error"
			    : priority == LOG_WARNING ? "warning"
			    : priority == LOG_INFO    ? "info"
						      : "debug";
	char line[2048];
	int fd = open(ocitest_reports_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "%s: %s\n", level, message);
	(void)!write(fd, line, strlen(line));
	close(fd);
}

/* <tmp>/<name>, in buf. */
static inline const char *ocitest_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", ocitest_tmp, name);
	return buf;
}

static inline void ocitest_copy_file(const char *from, const char *to, mode_t mode)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	char buf[65536];
	ssize_t n;

	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fchmod(out, mode), 0);
}

/*
 * path, an empty directory of root's that only this test sees: a tmpfs on
 * it where it exists, else an overlay on its nearest existing parent (its
 * upper layer in tmp) with the rest made there.
 */
static inline void ocitest_own_dir(const char *path)
{
	char parent[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], options[3 * PATH_MAX + 64];
	char *slash;
	struct stat st;

	ck_assert_uint_lt(ocitest_n_mounts, OCITEST_MOUNTS);
	if (stat(path, &st) == 0) {
		ck_assert_int_eq(mount("tmpfs", path, "tmpfs", 0, "mode=0755"), 0);
		snprintf(ocitest_mounts[ocitest_n_mounts++], PATH_MAX, "%s", path);
		return;
	}
	snprintf(parent, sizeof(parent), "%s", path);
	do {
		slash = strrchr(parent, '/');
		ck_assert_ptr_nonnull(slash);
		*slash = '\0';
	} while (parent[0] && stat(parent, &st) != 0);
	ck_assert_msg(parent[0], "no parent of %s", path);
	snprintf(upper, sizeof(upper), "%s/overlay%zu", ocitest_tmp, ocitest_n_mounts);
	ck_assert_int_eq(mkdir(upper, 0755), 0);
	snprintf(work, sizeof(work), "%s/work", upper);
	snprintf(upper + strlen(upper), sizeof(upper) - strlen(upper), "/upper");
	ck_assert_int_eq(mkdir(upper, 0755), 0);
	ck_assert_int_eq(mkdir(work, 0755), 0);
	snprintf(options, sizeof(options), "lowerdir=%s,upperdir=%s,workdir=%s", parent, upper,
		 work);
	ck_assert_msg(mount("overlay", parent, "overlay", 0, options) == 0, "overlay on %s: %s",
		      parent, strerror(errno));
	snprintf(ocitest_mounts[ocitest_n_mounts++], PATH_MAX, "%s", parent);
	for (char *p = strchr(path + strlen(parent) + 1, '/');; p = strchr(p + 1, '/')) {
		char part[PATH_MAX];

		snprintf(part, sizeof(part), "%.*s", p ? (int)(p - path) : (int)strlen(path), path);
		ck_assert_msg(mkdir(part, 0755) == 0 || errno == EEXIST, "mkdir %s", part);
		if (!p)
			break;
	}
}

/*
 * <tmp> (root's, 0755), its PAM service PAMTEST_SERVICE permitting all,
 * bin/prog, out/ (anyone may write: hooks of other users record there),
 * state/, the reports sink, and the hooks.d directories of the host made
 * the test's own.
 */
static inline void ocitest_setup(void)
{
	char path[PATH_MAX];

	ck_assert_msg(test_private_mounts(), "a mount namespace of our own");
	ocitest_tmp = test_tmpdir();
	ck_assert_int_eq(chmod(ocitest_tmp, 0755), 0);
	pamtest_setup(ocitest_tmp);
	pamtest_write_service(PAMTEST_SERVICE, pamtest_permit_all);

	ck_assert_int_eq(mkdir(ocitest_path(ocitest_bin, sizeof(ocitest_bin), "bin"), 0755), 0);
	snprintf(path, sizeof(path), "%s/prog", ocitest_bin);
	ocitest_copy_file("/proc/self/exe", path, 0755);
	ck_assert_int_eq(mkdir(ocitest_path(ocitest_out, sizeof(ocitest_out), "out"), 0755), 0);
	ck_assert_int_eq(chmod(ocitest_out, 01777), 0);
	snprintf(path, sizeof(path), "%s/order", ocitest_out);
	test_write_file(path, "");
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(mkdir(ocitest_path(ocitest_state, sizeof(ocitest_state), "state"), 0700),
			 0);

	ocitest_path(ocitest_reports_path, sizeof(ocitest_reports_path), "reports");
	report_set_sink(ocitest_sink);

	ocitest_n_mounts = 0;
	ocitest_own_dir(OCIHOOKS_DIR_DEFAULT);
	ocitest_own_dir(OCIHOOKS_DIR_OVERRIDE);
}

static inline void ocitest_teardown(void)
{
	report_set_sink(NULL);
	while (ocitest_n_mounts > 0)
		(void)umount2(ocitest_mounts[--ocitest_n_mounts], MNT_DETACH);
	test_rm_rf(ocitest_tmp);
	free(ocitest_tmp);
	ocitest_tmp = NULL;
	pamtest_remove_copies();
}

/* ---- hooks ---- */

/* The path of hook name: <tmp>/bin/<name>, a link to the hook program. */
static inline const char *ocitest_hook_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", ocitest_bin, name);
	if (symlink("prog", buf) < 0)
		ck_assert_int_eq(errno, EEXIST);
	return buf;
}

/*
 * A runtime-spec hook object for hook name in mode (arg: its OCITEST_ARG,
 * may be NULL); timeout_s 0: none. More env entries may follow.
 */
static inline struct json_object *ocitest_hook(const char *name, const char *mode, const char *arg,
					       int timeout_s)
{
	struct json_object *o = json_object_new_object(), *env = json_object_new_array();
	char path[PATH_MAX], entry[PATH_MAX + 32];

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(env);
	json_object_object_add(o, "path",
			       json_object_new_string(ocitest_hook_path(path, sizeof(path), name)));
	snprintf(entry, sizeof(entry), OCITEST_MODE "=%s", mode);
	json_object_array_add(env, json_object_new_string(entry));
	snprintf(entry, sizeof(entry), OCITEST_OUT "=%s", ocitest_out);
	json_object_array_add(env, json_object_new_string(entry));
	snprintf(entry, sizeof(entry), OCITEST_NAME "=%s", name);
	json_object_array_add(env, json_object_new_string(entry));
	if (arg) {
		snprintf(entry, sizeof(entry), OCITEST_ARG "=%s", arg);
		json_object_array_add(env, json_object_new_string(entry));
	}
	json_object_object_add(o, "env", env);
	if (timeout_s > 0)
		json_object_object_add(o, "timeout", json_object_new_int(timeout_s));
	return o;
}

/* Appends hook (taken) to the stage's array of a runtime-spec "hooks" object. */
static inline void ocitest_add(struct json_object *hooks, enum oci_stage stage,
			       struct json_object *hook)
{
	struct json_object *list;

	if (!json_object_object_get_ex(hooks, ocihooks_stage_name(stage), &list)) {
		list = json_object_new_array();
		json_object_object_add(hooks, ocihooks_stage_name(stage), list);
	}
	json_object_array_add(list, hook);
}

/* {"hooks": hooks (taken), "annotations": annotations (taken, may be NULL)} as text. */
static inline char *ocitest_bundle_text(struct json_object *hooks, struct json_object *annotations)
{
	struct json_object *o = json_object_new_object();
	char *text;

	json_object_object_add(o, "hooks", hooks);
	if (annotations)
		json_object_object_add(o, "annotations", annotations);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	ck_assert_ptr_nonnull(text);
	json_object_put(o);
	return text;
}

/* A hooks.d file (schema 1.0.0) for hook (taken), at stage, when "when" (JSON text). */
static inline void ocitest_hooks_d_file(const char *path, struct json_object *hook,
					enum oci_stage stage, const char *when)
{
	struct json_object *o = json_object_new_object(), *stages = json_object_new_array();
	struct json_object *w = json_tokener_parse(when);

	ck_assert_msg(w, "not JSON: %s", when);
	json_object_object_add(o, "version", json_object_new_string("1.0.0"));
	json_object_object_add(o, "hook", hook);
	json_object_object_add(o, "when", w);
	json_object_array_add(stages, json_object_new_string(ocihooks_stage_name(stage)));
	json_object_object_add(o, "stages", stages);
	test_write_file(path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

/* A script of root's at path, with mode; body after "#!/bin/sh\n". */
static inline void ocitest_script(const char *path, const char *body, mode_t mode)
{
	char text[4096];

	snprintf(text, sizeof(text), "#!/bin/sh\n%s", body);
	test_write_file(path, text);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* ---- what the tests read back ---- */

/* The content of a file (malloc'ed), or NULL if it cannot be read. */
static inline char *ocitest_read(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

/* <out>/<name><suffix>, read; NULL if the hook did not write it. */
static inline char *ocitest_output(const char *name, const char *suffix)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s%s", ocitest_out, name, suffix);
	return ocitest_read(path);
}

/* The hooks that ran, in order: "first\nsecond\n". */
static inline char *ocitest_order(void)
{
	return ocitest_output("order", "");
}

static inline char *ocitest_reports(void)
{
	char *text = ocitest_read(ocitest_reports_path);
	return text ? text : strdup("");
}

/* The hooks that ran are want, in this order. */
static inline void ocitest_assert_order(const char *want)
{
	_cleanup_free_ char *order = ocitest_order();

	ck_assert_str_eq(order, want);
}

static inline void ocitest_assert_contains(const char *text, const char *part)
{
	ck_assert_msg(text && strstr(text, part), "want '%s' in: %s", part, text ? text : "(null)");
}

/* o's member key, which must be there (its value may be null). */
static inline struct json_object *ocitest_field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no '%s' in %s", key,
		      json_object_to_json_string(o));
	return v;
}

/* The lines of text that start with prefix, joined with '\n' (malloc'ed). */
static inline char *ocitest_lines(const char *text, const char *prefix)
{
	char *out = NULL;
	size_t size = 0, n = strlen(prefix);
	FILE *f = open_memstream(&out, &size);

	ck_assert_ptr_nonnull(f);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (strncmp(p, prefix, n) == 0)
			fwrite(p, 1, len, f);
		p += len;
	}
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

/* How many times needle occurs in text. */
static inline size_t ocitest_count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Dead: gone from /proc, or a zombie. */
static inline bool ocitest_pid_dead(pid_t pid)
{
	char path[64], state = 'X';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fscanf(f, "%*d %*s %c", &state) != 1)
		state = 'X';
	fclose(f);
	return state == 'Z' || state == 'X';
}

/* Waits (at most 10 s) for pid to die: whether it did. */
static inline bool ocitest_wait_dead(pid_t pid)
{
	for (int i = 0; i < 1000 && !ocitest_pid_dead(pid); i++)
		usleep(10000);
	return ocitest_pid_dead(pid);
}

#define OCITEST_MAIN(suite_function)                                                               \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		if (getenv(OCITEST_MODE))                                                          \
			ocitest_hook_main(argc, argv);                                             \
		return pamtest_main(argv, suite_function);                                         \
	}
