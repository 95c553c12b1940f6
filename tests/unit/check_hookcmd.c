/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include <errno.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "testutil.h"

#include "cli/hookcmd.h"
#include "lib/basic/fileio.h"
#include "lib/basic/log.h"
#include "lib/ocihooks/ocihooks.h"

/*
 * `lxcri hooks list|run web` on a container whose files are under a tmp dir
 * (root's, 0700, in the sticky /tmp: trusted as root's own):
 *
 *   <dir>/etc/containers/web.conf   its lxcri config
 *   <dir>/lxc/web/config            its LXC config (init command, bind mounts)
 *   <dir>/hooks.d/                  a hooks.d directory the config names
 *   <dir>/bin/<x>                   hook programs: each writes its stdin
 *                                   (the OCI state) to <dir>/ran-<x>
 *
 * The host's hooks.d directories, read for every container, are hidden by
 * empty ones in a mount namespace of the test's own where they exist. Runs
 * go through PAM: /etc/pam.d is then a directory of the test's with an
 * lxcri-hook service that permits (pam_permit), in that mount namespace;
 * LXC answers through test_lxc_info_stub().
 */
struct fixture {
	char *dir;
	struct lxcri_paths paths;
	char config[PATH_MAX], hooksd[PATH_MAX], state_dir[PATH_MAX];
	pid_t ct_pid; /* a running container's init; 0: none */
};

static bool mount_empty_over(const char *dir)
{
	return mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=0755") == 0;
}

static bool hide_host_hooks_dirs(void)
{
	static const char *const dirs[] = { OCIHOOKS_DIR_DEFAULT, OCIHOOKS_DIR_OVERRIDE };
	bool private = false;

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		if (access(dirs[i], F_OK) < 0)
			continue;
		if (!private && !(private = test_private_mounts()))
			return false;
		if (!mount_empty_over(dirs[i]))
			return false;
	}
	return true;
}

static void make_dir(const struct fixture *f, const char *sub)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, sub);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

static void put(const struct fixture *f, const char *sub, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, sub);
	test_write_file(path, text);
}

/* <dir>/bin/<name>: writes its stdin to <dir>/ran-<name>, then exits with code. */
static void hook_program(const struct fixture *f, const char *name, int code)
{
	char path[PATH_MAX], text[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/bin/%s", f->dir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\ncat > %s/ran-%s\nexit %d\n", f->dir, name, code);
	test_write_file(path, text);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

/* hooks.d/<file>: a 1.0.0 definition running bin/<program> at stages when "when" holds. */
static void hook_file(const struct fixture *f, const char *file, const char *program,
		      const char *when, const char *stages)
{
	char sub[PATH_MAX], text[PATH_MAX + 512];

	snprintf(sub, sizeof(sub), "hooks.d/%s", file);
	snprintf(text, sizeof(text),
		 "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"%s/bin/%s\"}, \"when\": %s, "
		 "\"stages\": %s}\n",
		 f->dir, program, when, stages);
	put(f, sub, text);
}

static bool fixture_init(struct fixture *f, const char *test)
{
	*f = (struct fixture){ 0 };
	if (geteuid() != 0) {
		test_skip(test, "needs root: hooks are root's, and run through PAM");
		return false;
	}
	setenv("LXCRI_LOG_SOCKET", "/nonexistent", 1);
	log_set_stderr(false);
	if (!hide_host_hooks_dirs()) {
		test_skip(test, "cannot hide the host's hooks.d directories");
		return false;
	}
	f->dir = test_tmpdir();
	test_paths_under(&f->paths, f->dir);
	for (const char *const *d = (const char *const[]){ "etc", "etc/containers", "run", "lxc",
							   "lxc/web", "hooks.d", "bin", NULL };
	     *d; d++)
		make_dir(f, *d);
	snprintf(f->config, sizeof(f->config), "%s/etc/containers/web.conf", f->dir);
	snprintf(f->hooksd, sizeof(f->hooksd), "%s/hooks.d", f->dir);
	snprintf(f->state_dir, sizeof(f->state_dir), "%s/run/web", f->dir);
	put(f, "lxc/web/config", "lxc.uts.name = web\n");
	return true;
}

static void fixture_done(struct fixture *f)
{
	if (f->ct_pid > 0) {
		kill(f->ct_pid, SIGKILL);
		waitpid(f->ct_pid, NULL, 0);
	}
	test_rm_rf(f->dir);
	free(f->dir);
}

#define FIXTURE(f)                                                                                 \
	struct fixture f;                                                                          \
	if (!fixture_init(&f, __func__))                                                           \
	return

/* web's config: "hooks: dir=<hooks.d>" and the lines of extra. */
static void write_config(const struct fixture *f, const char *extra)
{
	char text[PATH_MAX + 1024];

	snprintf(text, sizeof(text), "hooks: dir=%s\n%s", f->hooksd, extra);
	test_write_file(f->config, text);
}

static struct json_object *list_ok(const struct fixture *f)
{
	struct json_object *o = NULL;
	struct lxcri_error err = {};

	ck_assert_msg(hookcmd_list(&f->paths, "web", &o, &err) == 0, "%s", err.message);
	ck_assert_ptr_nonnull(o);
	return o;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no '%s' in %s", key,
		      json_object_to_json_string(o));
	return v;
}

static const char *string_of(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string), "'%s' is no string", key);
	return json_object_get_string(v);
}

/* The hooks listed for stage. */
static struct json_object *stage_of(struct json_object *o, const char *stage)
{
	struct json_object *l = member(member(o, "stages"), stage);

	ck_assert(json_object_is_type(l, json_type_array));
	return l;
}

/* Hook i of stage runs bin/<program>, from hooks.d/<file> (NULL: any source), because why. */
static void assert_hook(const struct fixture *f, struct json_object *o, const char *stage, size_t i,
			const char *program, const char *file, const char *why)
{
	struct json_object *l = stage_of(o, stage), *h;
	char want[PATH_MAX];

	ck_assert_msg(i < json_object_array_length(l), "%s has %zu hooks", stage,
		      json_object_array_length(l));
	h = json_object_array_get_idx(l, i);
	snprintf(want, sizeof(want), "%s/bin/%s", f->dir, program);
	ck_assert_str_eq(string_of(h, "path"), want);
	if (file) {
		snprintf(want, sizeof(want), "%s/%s", f->hooksd, file);
		ck_assert_str_eq(string_of(h, "source"), want);
	}
	ck_assert_str_eq(string_of(h, "why"), why);
}

static size_t warnings_of(struct json_object *o, char *buf, size_t size)
{
	struct json_object *w = NULL;
	size_t n = 0, len = 0;

	buf[0] = '\0';
	if (json_object_object_get_ex(o, "warnings", &w) && w) {
		n = json_object_array_length(w);
		for (size_t i = 0; i < n; i++) {
			snprintf(buf + len, size - len, "%s\n",
				 json_object_get_string(json_object_array_get_idx(w, i)));
			len = strlen(buf);
		}
	}
	return n;
}

static bool ran(const struct fixture *f, const char *program)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ran-%s", f->dir, program);
	return access(path, F_OK) == 0;
}

/* What bin/<program> got on stdin: the OCI state. */
static struct json_object *state_seen(const struct fixture *f, const char *program)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *o;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ran-%s", f->dir, program);
	ck_assert_msg(fileio_read_file(path, 0, &text, NULL) >= 0, "bin/%s did not run", program);
	o = json_tokener_parse(text);
	ck_assert_msg(o, "bin/%s got no JSON: %s", program, text);
	return o;
}

#define ASSERT_ERR_HAS(err, text)                                                                  \
	ck_assert_msg(strstr((err).message, (text)), "'%s' not in: %s", (text), (err).message)

/*
 * What `lxcri hooks list` shows: the hooks whose "when" matches the
 * container (its annotations, its init command and bind mounts from its
 * LXC config), per stage in the order they run (file names without case),
 * each with its file and why it matched; the others not at all.
 */
START_TEST(test_list_matching_hooks_in_run_order)
{
	FIXTURE(f);
	struct json_object *o;
	char warnings[2048];

	write_config(&f, "hook-user: nobody\nannotation0: com.example.gpu=all\n");
	put(&f, "lxc/web/config",
	    "lxc.init.cmd = /usr/sbin/nginx -g daemon\n"
	    "lxc.mount.entry = /srv/data srv/data none bind,create=dir 0 0\n");
	hook_file(&f, "b-always.json", "b", "{\"always\": true}", "[\"prestart\", \"poststop\"]");
	hook_file(&f, "A-gpu.json", "a",
		  "{\"annotations\": {\"^com\\\\.example\\\\.gpu$\": \"^all$\"}}",
		  "[\"prestart\"]");
	hook_file(&f, "c-nginx.json", "c", "{\"commands\": [\".*nginx\"]}", "[\"createRuntime\"]");
	hook_file(&f, "d-init.json", "d", "{\"commands\": [\"^/sbin/init$\"]}", "[\"prestart\"]");
	hook_file(&f, "e-binds.json", "e", "{\"hasBindMounts\": true}", "[\"poststart\"]");
	hook_file(&f, "f-other.json", "f",
		  "{\"annotations\": {\"^org\\\\.example\\\\.x$\": \".*\"}}", "[\"prestart\"]");
	hook_file(&f, "g-never.json", "g", "{\"always\": false}", "[\"prestart\"]");
	for (const char *const *p =
		 (const char *const[]){ "a", "b", "c", "d", "e", "f", "g", NULL };
	     *p; p++)
		hook_program(&f, *p, 0);

	o = list_ok(&f);
	ck_assert_str_eq(string_of(o, "id"), "web");
	ck_assert_str_eq(string_of(o, "user"), "nobody");
	ck_assert_int_eq(json_object_array_length(stage_of(o, "prestart")), 2);
	assert_hook(&f, o, "prestart", 0, "a", "A-gpu.json",
		    "annotation 'com.example.gpu=all' matches {'^com\\\\.example\\\\.gpu$': "
		    "'^all$'}");
	assert_hook(&f, o, "prestart", 1, "b", "b-always.json", "always");
	ck_assert_int_eq(json_object_array_length(stage_of(o, "createRuntime")), 1);
	assert_hook(&f, o, "createRuntime", 0, "c", "c-nginx.json",
		    "command '/usr/sbin/nginx' matches '.*nginx'");
	ck_assert_int_eq(json_object_array_length(stage_of(o, "poststart")), 1);
	assert_hook(&f, o, "poststart", 0, "e", "e-binds.json", "hasBindMounts");
	ck_assert_int_eq(json_object_array_length(stage_of(o, "poststop")), 1);
	assert_hook(&f, o, "poststop", 0, "b", "b-always.json", "always");
	ck_assert_int_eq(json_object_array_length(stage_of(o, "createContainer")), 0);
	ck_assert_int_eq(json_object_array_length(stage_of(o, "startContainer")), 0);
	ck_assert_uint_eq(warnings_of(o, warnings, sizeof(warnings)), 0);
	ck_assert_ptr_null(member(o, "last_runs"));
	json_object_put(o);
	fixture_done(&f);
}
END_TEST

/*
 * hook-user unset: root. A later directory masks an earlier one's file of
 * the same name: an empty file, or a symlink to /dev/null, defines nothing.
 */
START_TEST(test_list_masking_and_default_user)
{
	FIXTURE(f);
	struct json_object *o;
	char text[2 * PATH_MAX + 64], path[PATH_MAX];

	make_dir(&f, "later.d");
	snprintf(text, sizeof(text), "hooks: dir=%s;%s/later.d\n", f.hooksd, f.dir);
	test_write_file(f.config, text);
	hook_file(&f, "x.json", "x", "{\"always\": true}", "[\"prestart\"]");
	hook_file(&f, "y.json", "y", "{\"always\": true}", "[\"prestart\"]");
	hook_file(&f, "z.json", "z", "{\"always\": true}", "[\"prestart\"]");
	hook_program(&f, "x", 0);
	hook_program(&f, "y", 0);
	hook_program(&f, "z", 0);
	put(&f, "later.d/x.json", "");
	snprintf(path, sizeof(path), "%s/later.d/y.json", f.dir);
	ck_assert_int_eq(symlink("/dev/null", path), 0);

	o = list_ok(&f);
	ck_assert_str_eq(string_of(o, "user"), "root");
	ck_assert_int_eq(json_object_array_length(stage_of(o, "prestart")), 1);
	assert_hook(&f, o, "prestart", 0, "z", "z.json", "always");
	json_object_put(o);
	fixture_done(&f);
}
END_TEST

/*
 * Files that define no hook, some hostile: not JSON, a hook that does not
 * exist, a FIFO (must not hang the listing), a directory. Each is skipped
 * with a warning naming it; a dangling symlink and a file not named *.json
 * silently; the good hook is still listed.
 */
START_TEST(test_list_skips_bad_files_with_warnings)
{
	FIXTURE(f);
	struct json_object *o;
	char path[PATH_MAX], want[PATH_MAX + 64], warnings[4096];

	write_config(&f, "");
	hook_file(&f, "good.json", "good", "{\"always\": true}", "[\"poststop\"]");
	hook_program(&f, "good", 0);
	put(&f, "hooks.d/bad.json", "{\"version\": \"1.0.0\", \"hook\": ");
	hook_file(&f, "nopath.json", "missing", "{\"always\": true}", "[\"poststop\"]");
	snprintf(path, sizeof(path), "%s/fifo.json", f.hooksd);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	make_dir(&f, "hooks.d/dir.json");
	snprintf(path, sizeof(path), "%s/dangling.json", f.hooksd);
	ck_assert_int_eq(symlink("/nonexistent/hook.json", path), 0);
	put(&f, "hooks.d/notes.txt", "not a hook\n");

	o = list_ok(&f);
	ck_assert_int_eq(json_object_array_length(stage_of(o, "poststop")), 1);
	assert_hook(&f, o, "poststop", 0, "good", "good.json", "always");
	ck_assert_uint_eq(warnings_of(o, warnings, sizeof(warnings)), 4);
	snprintf(want, sizeof(want), "%s/bad.json: not JSON", f.hooksd);
	ck_assert_msg(strstr(warnings, want), "%s", warnings);
	snprintf(want, sizeof(want), "%s/nopath.json: ", f.hooksd);
	ck_assert_msg(strstr(warnings, want), "%s", warnings);
	snprintf(want, sizeof(want), "%s/fifo.json: not a regular file", f.hooksd);
	ck_assert_msg(strstr(warnings, want), "%s", warnings);
	snprintf(want, sizeof(want), "%s/dir.json: not a regular file", f.hooksd);
	ck_assert_msg(strstr(warnings, want), "%s", warnings);
	ck_assert_msg(!strstr(warnings, "dangling") && !strstr(warnings, "notes.txt"), "%s",
		      warnings);
	json_object_put(o);
	fixture_done(&f);
}
END_TEST

/* hookcmd_list() refuses, with *ret untouched and err holding every word in want. */
static void assert_list_refused(const struct fixture *f, int code, const char *const *want)
{
	struct json_object *o = NULL;
	struct lxcri_error err = {};

	ck_assert_int_eq(hookcmd_list(&f->paths, "web", &o, &err), code);
	ck_assert_ptr_null(o);
	for (size_t i = 0; want[i]; i++)
		ASSERT_ERR_HAS(err, want[i]);
}

/*
 * What decides which programs run as root must be root's alone: a hooks
 * directory others may write, a file another user owns or others may
 * write, a symlink into a directory others may write, a bundle's
 * config.json another user owns. The whole listing is refused, naming
 * the culprit.
 */
START_TEST(test_list_refuses_untrusted_hooks)
{
	FIXTURE(f);
	char path[PATH_MAX], file[PATH_MAX], text[PATH_MAX + 64];

	write_config(&f, "");
	hook_file(&f, "ok.json", "ok", "{\"always\": true}", "[\"prestart\"]");
	hook_program(&f, "ok", 0);

	ck_assert_int_eq(chmod(f.hooksd, 0777), 0);
	snprintf(text, sizeof(text), "Refusing the hooks of '%s'", f.hooksd);
	assert_list_refused(&f, -EPERM,
			    (const char *const[]){ text, "writable by group or others", NULL });
	ck_assert_int_eq(chmod(f.hooksd, 0755), 0);

	snprintf(file, sizeof(file), "%s/evil.json", f.hooksd);
	hook_file(&f, "evil.json", "ok", "{\"always\": true}", "[\"prestart\"]");
	ck_assert_int_eq(chown(file, 1000, 1000), 0);
	snprintf(text, sizeof(text), "Refusing hooks file '%s'", file);
	assert_list_refused(&f, -EPERM,
			    (const char *const[]){ text, "owned by uid 1000, not root", NULL });
	ck_assert_int_eq(chown(file, 0, 0), 0);
	ck_assert_int_eq(chmod(file, 0666), 0);
	assert_list_refused(&f, -EPERM,
			    (const char *const[]){ text, "writable by group or others", NULL });
	ck_assert_int_eq(unlink(file), 0);

	/* A symlink to a file root owns, in a directory anyone may change. */
	make_dir(&f, "open");
	snprintf(path, sizeof(path), "%s/open", f.dir);
	ck_assert_int_eq(chmod(path, 0777), 0);
	snprintf(file, sizeof(file), "%s/open/x.json", f.dir);
	snprintf(text, sizeof(text),
		 "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"%s/bin/ok\"}, \"when\": "
		 "{\"always\": true}, \"stages\": [\"prestart\"]}\n",
		 f.dir);
	test_write_file(file, text);
	snprintf(file, sizeof(file), "%s/link.json", f.hooksd);
	ck_assert_int_eq(symlink("../open/x.json", file), 0);
	snprintf(text, sizeof(text), "Refusing hooks file '%s'", file);
	snprintf(path, sizeof(path), "'%s/open' is writable by group or others", f.dir);
	assert_list_refused(&f, -EPERM, (const char *const[]){ text, path, NULL });
	ck_assert_int_eq(unlink(file), 0);

	/* A bundle whose config.json another user owns. */
	make_dir(&f, "bundle");
	put(&f, "bundle/config.json", "{\"ociVersion\": \"1.0.2\"}\n");
	snprintf(file, sizeof(file), "%s/bundle/config.json", f.dir);
	ck_assert_int_eq(chown(file, 1000, 1000), 0);
	snprintf(text, sizeof(text), "hooks: dir=%s,bundle=%s/bundle\n", f.hooksd, f.dir);
	test_write_file(f.config, text);
	assert_list_refused(&f, -EPERM,
			    (const char *const[]){ "Refusing the bundle's hooks",
						   "owned by uid 1000, not root", NULL });

	/* Trusted again: the listing is back. */
	ck_assert_int_eq(chown(file, 0, 0), 0);
	{
		struct json_object *o = list_ok(&f);

		assert_hook(&f, o, "prestart", 0, "ok", "ok.json", "always");
		json_object_put(o);
	}
	fixture_done(&f);
}
END_TEST

/*
 * Refused before any hook is looked at: an id that is no container name,
 * a container without lxcri config, a config that does not parse (file
 * and line named).
 */
START_TEST(test_list_refusals_of_the_container)
{
	FIXTURE(f);
	struct json_object *o = NULL;
	struct lxcri_error err = {};
	char want[PATH_MAX + 16];

	ck_assert_int_eq(hookcmd_list(&f.paths, "../web", &o, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid container id '../web'");
	ck_assert_ptr_null(o);

	ck_assert_int_eq(hookcmd_list(&f.paths, "web", &o, &err), -ENOENT);
	ASSERT_ERR_HAS(err, f.config);
	ck_assert_ptr_null(o);

	test_write_file(f.config, "annotation0: a=b\nhooks: dir=relative/hooks.d\n");
	ck_assert_int_eq(hookcmd_list(&f.paths, "web", &o, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:", f.config);
	ASSERT_ERR_HAS(err, want);
	ASSERT_ERR_HAS(err, "relative/hooks.d");
	ck_assert_ptr_null(o);
	fixture_done(&f);
}
END_TEST

/*
 * A bundle's hooks come first in their stage, then the hooks.d ones; the
 * bundle's annotations count for "when" where the config does not set the
 * key (the config's value wins where it does).
 */
START_TEST(test_list_bundle_hooks_first)
{
	FIXTURE(f);
	struct json_object *o;
	char text[2 * PATH_MAX + 512];

	make_dir(&f, "bundle");
	snprintf(text, sizeof(text),
		 "{\"ociVersion\": \"1.0.2\", \"hooks\": {\"prestart\": [{\"path\": "
		 "\"%s/bin/z\"}]}, \"annotations\": {\"com.example.gpu\": \"all\", "
		 "\"org.example.tier\": \"gold\"}}\n",
		 f.dir);
	put(&f, "bundle/config.json", text);
	snprintf(text, sizeof(text),
		 "hooks: dir=%s,bundle=%s/bundle\nannotation0: org.example.tier=tin\n", f.hooksd,
		 f.dir);
	test_write_file(f.config, text);
	hook_file(&f, "a-gpu.json", "a",
		  "{\"annotations\": {\"^com\\\\.example\\\\.gpu$\": \"^all$\"}}",
		  "[\"prestart\"]");
	hook_file(&f, "t-gold.json", "t",
		  "{\"annotations\": {\"^org\\\\.example\\\\.tier$\": \"^gold$\"}}",
		  "[\"prestart\"]");
	hook_program(&f, "z", 0);
	hook_program(&f, "a", 0);
	hook_program(&f, "t", 0);

	o = list_ok(&f);
	ck_assert_int_eq(json_object_array_length(stage_of(o, "prestart")), 2);
	assert_hook(&f, o, "prestart", 0, "z", NULL, "bundle config.json");
	snprintf(text, sizeof(text), "%s/bundle/config.json", f.dir);
	ck_assert_str_eq(string_of(json_object_array_get_idx(stage_of(o, "prestart"), 0), "source"),
			 text);
	assert_hook(&f, o, "prestart", 1, "a", "a-gpu.json",
		    "annotation 'com.example.gpu=all' matches {'^com\\\\.example\\\\.gpu$': "
		    "'^all$'}");
	json_object_put(o);
	fixture_done(&f);
}
END_TEST

/* Runs hookcmd_run(..., dry_run) with stdout captured in out. */
static int run_captured(const struct fixture *f, const char *stage, bool dry_run, char *out,
			size_t size, struct lxcri_error *err)
{
	char path[PATH_MAX];
	int saved, fd, r;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stdout", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	r = hookcmd_run(&f->paths, "web", stage, dry_run, err);
	fflush(stdout);
	ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(fd);
	return r;
}

/*
 * --dry-run: the hooks of the stage, printed in the order they would run
 * with where they come from and why; none runs, and the container need
 * not run (LXC is not asked).
 */
START_TEST(test_dry_run_prints_and_runs_nothing)
{
	FIXTURE(f);
	struct lxcri_error err = {};
	char out[4096], want[4 * PATH_MAX];

	write_config(&f, "annotation0: com.example.gpu=all\n");
	hook_file(&f, "b.json", "b", "{\"always\": true}", "[\"prestart\"]");
	hook_file(&f, "A.json", "a", "{\"annotations\": {\"gpu\": \"all\"}}", "[\"prestart\"]");
	hook_program(&f, "a", 0);
	hook_program(&f, "b", 0);

	ck_assert_msg(run_captured(&f, "prestart", true, out, sizeof(out), &err) == 2, "%s",
		      err.message);
	snprintf(want, sizeof(want),
		 "prestart: %s/bin/a (%s/A.json; annotation 'com.example.gpu=all' matches "
		 "{'gpu': 'all'})\nprestart: %s/bin/b (%s/b.json; always)\n",
		 f.dir, f.hooksd, f.dir, f.hooksd);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(run_captured(&f, "startContainer", true, out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "");
	ck_assert(!ran(&f, "a") && !ran(&f, "b"));
	fixture_done(&f);
}
END_TEST

/* A stage that the runtime spec does not name (its names are case-sensitive): nothing runs. */
START_TEST(test_run_unknown_stage)
{
	static const char *const stages[] = { "prestop", "PreStart", "poststart ", "" };
	FIXTURE(f);
	struct lxcri_error err = {};
	char want[256];

	write_config(&f, "");
	hook_file(&f, "b.json", "b", "{\"always\": true}", "[\"prestart\", \"poststart\"]");
	hook_program(&f, "b", 0);
	for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
		for (int dry = 0; dry <= 1; dry++) {
			ck_assert_int_eq(hookcmd_run(&f.paths, "web", stages[i], dry, &err),
					 -EINVAL);
			snprintf(want, sizeof(want),
				 "Unknown stage '%s': expected prestart, createRuntime, "
				 "createContainer, startContainer, poststart or poststop",
				 stages[i]);
			ck_assert_str_eq(err.message, want);
		}
	}
	ck_assert_int_eq(hookcmd_run(&f.paths, "../web", "prestart", true, &err), -EINVAL);
	ck_assert_str_eq(err.message, "Invalid container id '../web'");
	ck_assert(!ran(&f, "b"));
	fixture_done(&f);
}
END_TEST

/* Where PAM finds pam_permit.so; NULL if nowhere. */
static const char *pam_module_dir(void)
{
	static const char *const dirs[] = { "/usr/lib/x86_64-linux-gnu/security",
					    "/lib/x86_64-linux-gnu/security",
					    "/usr/lib/aarch64-linux-gnu/security",
					    "/usr/lib64/security", "/usr/lib/security" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s/pam_permit.so", dirs[i]);
		if (access(path, R_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

/*
 * What a real run needs: LXC's answers (test_lxc_info_stub()) and a PAM
 * service lxcri-hook that permits, in /etc/pam.d of this mount namespace
 * (any other service denies). false: the test is skipped.
 */
static bool can_run_hooks(struct fixture *f, const char *test)
{
	const char *modules = pam_module_dir();
	char dir[PATH_MAX], text[4 * PATH_MAX];

	if (!modules) {
		test_skip(test, "no pam_permit.so");
		return false;
	}
	if (!test_lxc_info_stub(f->dir)) {
		test_skip(test, "no lxc-info to stand in for");
		return false;
	}
	make_dir(f, "pam.d");
	snprintf(text, sizeof(text),
		 "auth required %s/pam_permit.so\naccount required %s/pam_permit.so\n"
		 "session required %s/pam_permit.so\n",
		 modules, modules, modules);
	put(f, "pam.d/lxcri-hook", text);
	snprintf(text, sizeof(text),
		 "auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n"
		 "session required %s/pam_deny.so\n",
		 modules, modules, modules);
	put(f, "pam.d/other", text);
	snprintf(dir, sizeof(dir), "%s/pam.d", f->dir);
	if (mount(dir, "/etc/pam.d", NULL, MS_BIND, NULL) < 0) {
		test_skip(test, "cannot mount a PAM configuration of our own");
		return false;
	}
	return true;
}

#define CAN_RUN_HOOKS(f)                                                                           \
	if (!can_run_hooks(&f, __func__)) {                                                        \
		fixture_done(&f);                                                                  \
		return;                                                                            \
	}

/* hooks run needs a running container, but for poststop; LXC between states is no answer. */
START_TEST(test_run_needs_a_running_container)
{
	FIXTURE(f);
	CAN_RUN_HOOKS(f);
	struct lxcri_error err = {};
	char out[256];

	write_config(&f, "");
	hook_file(&f, "b.json", "b", "{\"always\": true}", "[\"prestart\", \"poststart\"]");
	hook_program(&f, "b", 0);
	ck_assert_int_eq(run_captured(&f, "prestart", false, out, sizeof(out), &err), -ESRCH);
	ck_assert_str_eq(err.message, "Container 'web' is not running");
	test_lxc_says(&f.paths, "web", "STOPPED\n");
	ck_assert_int_eq(run_captured(&f, "poststart", false, out, sizeof(out), &err), -ESRCH);
	ck_assert_str_eq(err.message, "Container 'web' is not running");
	test_lxc_says(&f.paths, "web", "STOPPING\n");
	ck_assert_int_eq(run_captured(&f, "prestart", false, out, sizeof(out), &err), -EBUSY);
	ASSERT_ERR_HAS(err, "Container 'web' is STOPPING");
	ck_assert(!ran(&f, "b"));
	fixture_done(&f);
}
END_TEST

/*
 * poststop of a stopped container: each hook runs (a failure does not stop
 * the next), gets the OCI state without a pid, and its run is what `hooks
 * list` shows as its last.
 */
START_TEST(test_run_poststop_of_stopped_container)
{
	FIXTURE(f);
	CAN_RUN_HOOKS(f);
	struct json_object *o, *state, *runs, *run;
	struct lxcri_error err = {};
	char out[256], key[PATH_MAX + 16];

	write_config(&f, "annotation0: com.example.gpu=all\n");
	hook_file(&f, "a-fails.json", "a", "{\"always\": true}", "[\"poststop\"]");
	hook_file(&f, "b.json", "b", "{\"always\": true}", "[\"poststop\"]");
	hook_program(&f, "a", 3);
	hook_program(&f, "b", 0);
	ck_assert_int_eq(mkdir(f.state_dir, 0700), 0);

	ck_assert_msg(run_captured(&f, "poststop", false, out, sizeof(out), &err) == 1, "%s",
		      err.message);
	ck_assert(ran(&f, "a"));
	state = state_seen(&f, "b");
	ck_assert_str_eq(string_of(state, "id"), "web");
	ck_assert_str_eq(string_of(state, "status"), "stopped");
	ck_assert(!json_object_object_get_ex(state, "pid", NULL));
	ck_assert_str_eq(string_of(member(state, "annotations"), "com.example.gpu"), "all");
	json_object_put(state);

	o = list_ok(&f);
	runs = member(o, "last_runs");
	ck_assert_ptr_nonnull(runs);
	snprintf(key, sizeof(key), "poststop %s/bin/b", f.dir);
	run = member(runs, key);
	ck_assert_int_eq(json_object_get_int(member(run, "exit")), 0);
	ck_assert_str_eq(string_of(run, "user"), "root");
	snprintf(key, sizeof(key), "poststop %s/bin/a", f.dir);
	run = member(runs, key);
	ck_assert_int_eq(json_object_get_int(member(run, "exit")), 3);
	ck_assert_msg(strstr(string_of(run, "error"), "exit 3"), "%s",
		      json_object_to_json_string(run));
	json_object_put(o);
	fixture_done(&f);
}
END_TEST

static int wait_here(const void *arg)
{
	(void)arg;
	return 0;
}

/*
 * prestart of a running container: the hooks get its init's pid; the first
 * that fails stops the stage, naming the hook and its exit, and the next
 * does not run.
 */
START_TEST(test_run_prestart_of_running_container)
{
	FIXTURE(f);
	CAN_RUN_HOOKS(f);
	struct json_object *state;
	struct lxcri_error err = {};
	char out[256], answer[64], want[PATH_MAX + 64];

	write_config(&f, "");
	hook_file(&f, "a.json", "a", "{\"always\": true}", "[\"prestart\"]");
	hook_file(&f, "b.json", "b", "{\"always\": true}", "[\"prestart\"]");
	hook_program(&f, "a", 0);
	hook_program(&f, "b", 0);
	f.ct_pid = test_child(wait_here, NULL);
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)f.ct_pid);
	test_lxc_says(&f.paths, "web", answer);

	ck_assert_msg(run_captured(&f, "prestart", false, out, sizeof(out), &err) == 2, "%s",
		      err.message);
	state = state_seen(&f, "a");
	ck_assert_int_eq(json_object_get_int(member(state, "pid")), f.ct_pid);
	ck_assert_str_eq(string_of(state, "status"), "creating");
	json_object_put(state);
	ck_assert(ran(&f, "b"));

	snprintf(want, sizeof(want), "%s/ran-b", f.dir);
	ck_assert_int_eq(unlink(want), 0);
	hook_program(&f, "a", 3);
	ck_assert_int_eq(run_captured(&f, "prestart", false, out, sizeof(out), &err), -EIO);
	snprintf(want, sizeof(want), "prestart hook '%s/bin/a' (user root) failed: exit 3", f.dir);
	ASSERT_ERR_HAS(err, want);
	ck_assert(!ran(&f, "b"));
	fixture_done(&f);
}
END_TEST

/*
 * A hook program that others may change (it would run as root): refused,
 * naming it, and not run; the stage stops there, and the refusal is what
 * `hooks list` shows as its last run.
 */
START_TEST(test_run_refuses_untrusted_program)
{
	FIXTURE(f);
	CAN_RUN_HOOKS(f);
	struct json_object *o, *run;
	struct lxcri_error err = {};
	char out[256], answer[64], path[PATH_MAX], want[2 * PATH_MAX];

	write_config(&f, "");
	hook_file(&f, "a.json", "a", "{\"always\": true}", "[\"prestart\"]");
	hook_file(&f, "b.json", "b", "{\"always\": true}", "[\"prestart\"]");
	hook_program(&f, "a", 0);
	hook_program(&f, "b", 0);
	snprintf(path, sizeof(path), "%s/bin/a", f.dir);
	ck_assert_int_eq(chmod(path, 0777), 0);
	ck_assert_int_eq(mkdir(f.state_dir, 0700), 0);
	f.ct_pid = test_child(wait_here, NULL);
	snprintf(answer, sizeof(answer), "RUNNING\n%d\n", (int)f.ct_pid);
	test_lxc_says(&f.paths, "web", answer);

	ck_assert_int_eq(run_captured(&f, "prestart", false, out, sizeof(out), &err), -EPERM);
	snprintf(want, sizeof(want),
		 "Refusing prestart hook '%s': '%s' is writable by group or others", path, path);
	ASSERT_ERR_HAS(err, want);
	ck_assert(!ran(&f, "a") && !ran(&f, "b"));
	o = list_ok(&f);
	snprintf(want, sizeof(want), "prestart %s", path);
	run = member(member(o, "last_runs"), want);
	ck_assert_ptr_null(member(run, "exit"));
	ck_assert_msg(strstr(string_of(run, "error"), "Refusing prestart hook"), "%s",
		      json_object_to_json_string(run));
	json_object_put(o);
	fixture_done(&f);
}
END_TEST

static Suite *hookcmd_suite(void)
{
	Suite *s = suite_create("hookcmd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_list_matching_hooks_in_run_order);
	tcase_add_test(tc, test_list_masking_and_default_user);
	tcase_add_test(tc, test_list_skips_bad_files_with_warnings);
	tcase_add_test(tc, test_list_refuses_untrusted_hooks);
	tcase_add_test(tc, test_list_refusals_of_the_container);
	tcase_add_test(tc, test_list_bundle_hooks_first);
	tcase_add_test(tc, test_dry_run_prints_and_runs_nothing);
	tcase_add_test(tc, test_run_unknown_stage);
	tcase_add_test(tc, test_run_needs_a_running_container);
	tcase_add_test(tc, test_run_poststop_of_stopped_container);
	tcase_add_test(tc, test_run_prestart_of_running_container);
	tcase_add_test(tc, test_run_refuses_untrusted_program);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(hookcmd_suite)
