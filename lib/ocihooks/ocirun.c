/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's OCI hooks at the moments of its LXC life: see ocirun.h. */
#include <json-c/json.h>

#include "lib/ocihooks/ocirun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/ocihooks/hookrun.h"
#include "lib/shared/counters.h"
#include "lib/shared/json.h"
#include "lib/basic/report.h"
#include "lib/ocihooks/ctjoin.h"
#include "lib/basic/paths.h"
#include "lib/basic/safe.h"
#include "lib/shared/state.h"
#include "lib/basic/strv.h"
#include "lib/basic/trust.h"

#define BUNDLE_CONFIG_MAX (4 * 1024 * 1024)

/* The value of "key = value" lines of an LXC config, blanks around '=' trimmed. */
static const char *lxc_value(char *line, const char *key)
{
	size_t n = strlen(key);
	char *v, *end;

	line += strspn(line, " \t");
	if (strncmp(line, key, n) != 0)
		return NULL;
	v = line + n;
	v += strspn(v, " \t");
	if (*v != '=')
		return NULL;
	v++;
	v += strspn(v, " \t");
	end = v + strlen(v);
	while (end > v && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return v;
}

/* The init command and whether there are bind mounts, from the container's LXC config. */
static void lxc_facts(const char *lxc_config, char *command, size_t size, bool *bind_mounts)
{
	_cleanup_fclose_ FILE *f = lxc_config ? fopen(lxc_config, "re") : NULL;
	char line[4096];

	snprintf(command, size, "/sbin/init");
	*bind_mounts = false;
	while (f && fgets(line, sizeof(line), f)) {
		const char *v;

		if ((v = lxc_value(line, "lxc.init.cmd")) && *v)
			snprintf(command, size, "%.*s", (int)strcspn(v, " \t"), v);
		else if ((v = lxc_value(line, "lxc.mount.entry"))) {
			/* "src dst type options dump pass": a bind in the options. */
			char opts[1024] = "";
			if (sscanf(v, "%*s %*s %*s %1023s", opts) == 1 && strstr(opts, "bind"))
				*bind_mounts = true;
		}
	}
}

static bool has_key(char **annotations, size_t n, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < n; i++)
		if (strncmp(annotations[i], kv, k) == 0 && annotations[i][k] == '=')
			return true;
	return false;
}

int ocirun_collect(const struct config *c, const char *lxc_config, struct oci_hooks *ret,
		   char ***ret_annotations, struct lxcri_error *err)
{
	struct oci_hooks hooks = { 0 };
	_cleanup_json_ struct json_object *bundle_annotations = NULL;
	char **annotations = NULL, **from_bundle = NULL, command[1024];
	const char **dirs = NULL;
	size_t n = 0, n_dirs = 0;
	bool bind_mounts;
	int r = 0;

	for (size_t i = 0; i < c->hooks.n_annotations && r >= 0; i++) {
		_cleanup_free_ char *kv = NULL;
		if (asprintf(&kv, "%s=%s", c->hooks.annotations[i].key,
			     c->hooks.annotations[i].value) < 0)
			r = -ENOMEM;
		else
			r = strv_append(&annotations, &n, strdup(kv));
	}
	if (r >= 0 && c->hooks.bundle) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		size_t size = 0;

		if (asprintf(&path, "%s/config.json", c->hooks.bundle) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		r = trust_check(path, err);
		if (r < 0) {
			r = error_set(err, r, "Refusing the bundle's hooks: %s", err->message);
			goto fail;
		}
		r = fileio_read_file(path, BUNDLE_CONFIG_MAX, &text, &size);
		if (r < 0) {
			r = error_set_errno(err, r, "Failed to read the bundle's '%s'", path);
			goto fail;
		}
		r = ocihooks_parse_bundle(path, text, size, &hooks, &bundle_annotations, err);
		if (r < 0)
			goto fail;
		r = ocihooks_annotations_strv(bundle_annotations, &from_bundle);
		if (r < 0) {
			r = error_set(err, r, "%s: invalid annotations", path);
			goto fail;
		}
		for (size_t i = 0; from_bundle && from_bundle[i] && r >= 0; i++)
			if (!has_key(annotations, n, from_bundle[i]))
				r = strv_append(&annotations, &n, strdup(from_bundle[i]));
	}
	if (r < 0)
		goto fail;

	for (size_t i = 0; c->hooks.dirs && c->hooks.dirs[i]; i++)
		n_dirs++;
	dirs = calloc(n_dirs + 3, sizeof(char *));
	if (!dirs) {
		r = -ENOMEM;
		goto fail;
	}
	dirs[0] = OCIHOOKS_DIR_DEFAULT;
	dirs[1] = OCIHOOKS_DIR_OVERRIDE;
	for (size_t i = 0; i < n_dirs; i++)
		dirs[2 + i] = c->hooks.dirs[i];
	lxc_facts(lxc_config, command, sizeof(command), &bind_mounts);
	struct ocihooks_match m = {
		.annotations = (const char *const *)annotations,
		.command = command,
		.has_bind_mounts = bind_mounts,
	};
	r = ocihooks_load_dirs(dirs, &m, &hooks, err);
	if (r < 0)
		goto fail;
	free(dirs);
	strv_free(from_bundle);
	*ret = hooks;
	*ret_annotations = annotations;
	return 0;
fail:
	free(dirs);
	strv_free(from_bundle);
	strv_free(annotations);
	ocihooks_done(&hooks);
	return r == -ENOMEM ? error_set(err, r, "Out of memory") : r;
}

/* The hook's process becomes a process of the container: see ctjoin.h. */
static int join_pid_namespace(void *arg)
{
	return ctjoin_pid_namespace(arg);
}

static int enter_container(void *arg)
{
	return ctjoin_enter(arg);
}

static int restrict_to_container(void *arg)
{
	return ctjoin_restrict(arg);
}

static const char *exit_text(const struct hookrun_result *res, char *buf, size_t size)
{
	if (res->timed_out)
		snprintf(buf, size, "killed at its timeout after %llu ms",
			 (unsigned long long)res->duration_ms);
	else if (res->exited)
		snprintf(buf, size, "exit %d in %llu ms", res->status,
			 (unsigned long long)res->duration_ms);
	else
		snprintf(buf, size, "killed by signal %d in %llu ms", res->signal,
			 (unsigned long long)res->duration_ms);
	return buf;
}

/* lxcri_oci_hook_runs_total{stage,result} in the run dir above state_dir; best-effort. */
static void count_run(const struct ocirun *r, enum oci_stage stage,
		      const struct hookrun_result *res, const char *error)
{
	const char *result = res && res->timed_out	    ? "timeout"
			     : res && res->exited && !error ? "ok"
			     : res			    ? "failed"
							    : "not-run";
	const char *labels[] = { "stage", ocihooks_stage_name(stage), "result", result, NULL };
	struct lxcri_error ignored = {};
	char run_dir[PATH_MAX];
	char *slash;

	snprintf(run_dir, sizeof(run_dir), "%s", r->state_dir);
	slash = strrchr(run_dir, '/');
	if (!slash || slash == run_dir)
		return;
	*slash = '\0';
	(void)counters_add(run_dir, "lxcri_oci_hook_runs_total", labels, 1, &ignored);
}

/* hooks.json: {"<stage> <path>": {stage, path, user, exit, signal, timed_out, duration_ms, time,
 * error}}. */
static void record_run(const struct ocirun *r, enum oci_stage stage, const struct oci_hook *hook,
		       const struct hookrun_result *res, const char *error)
{
	_cleanup_json_ struct json_object *runs = ocirun_last_runs(r->state_dir);
	struct json_object *run = json_object_new_object();
	struct lxcri_error ignored = {};
	char path[PATH_MAX], key[PATH_MAX + 32];
	const char *text;

	if (!r->state_dir || !run ||
	    paths_join(path, sizeof(path), "%s/" OCIRUN_LAST_RUNS, r->state_dir) < 0) {
		json_object_put(run);
		return;
	}
	if (!runs)
		runs = json_object_new_object();
	json_object_object_add(run, "stage", json_object_new_string(ocihooks_stage_name(stage)));
	json_object_object_add(run, "path", json_object_new_string(hook->path));
	json_object_object_add(run, "user", json_object_new_string(r->user ? r->user : "root"));
	json_object_object_add(run, "exit",
			       res && res->exited ? json_object_new_int(res->status) : NULL);
	json_object_object_add(
	    run, "signal",
	    res && !res->exited && !res->timed_out ? json_object_new_int(res->signal) : NULL);
	json_object_object_add(run, "timed_out", json_object_new_boolean(res && res->timed_out));
	json_object_object_add(run, "duration_ms",
			       json_object_new_int64(res ? (int64_t)res->duration_ms : 0));
	json_object_object_add(run, "time", json_object_new_int64(state_now_ms()));
	json_object_object_add(run, "error", error ? json_object_new_string(error) : NULL);
	count_run(r, stage, res, error);
	snprintf(key, sizeof(key), "%s %s", ocihooks_stage_name(stage), hook->path);
	json_object_object_add(runs, key, run);
	text = json_object_to_json_string_ext(runs, JSON_C_TO_STRING_PRETTY);
	if (text)
		(void)atomic_write_volatile(path, text, strlen(text), 0600, 0, &ignored);
}

struct json_object *ocirun_last_runs(const char *state_dir)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *o;
	char path[PATH_MAX];

	if (!state_dir || paths_join(path, sizeof(path), "%s/" OCIRUN_LAST_RUNS, state_dir) < 0 ||
	    fileio_read_file(path, 1024 * 1024, &text, NULL) < 0)
		return NULL;
	o = json_tokener_parse(text);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static bool aborts(enum oci_stage stage)
{
	return stage != OCI_POSTSTART && stage != OCI_POSTSTOP;
}

static int run_one(const struct ocirun *r, enum oci_stage stage, const struct oci_hook *hook,
		   struct ctjoin *ct, struct lxcri_error *err)
{
	_cleanup_free_ char *state = NULL;
	_cleanup_close_ int fd = -1;
	struct hookrun_result res;
	const char *name = ocihooks_stage_name(stage), *user = r->user ? r->user : "root";
	char how[128];
	int rc;

	if (ocihooks_state_json(stage, r->id, NULL, stage == OCI_POSTSTOP ? 0 : r->pid, r->bundle,
				(const char *const *)r->annotations, &state) < 0)
		return error_oom(err);
	/*
	 * startContainer: the path resolves in the container, whose root chose
	 * it: the hook execs it once in the container's root, where no symlink
	 * leads out (checked here first, inside that root, for a clear error;
	 * not run from the fd: a script's interpreter would need the
	 * container's /dev/fd; O_PATH, not read: what the container put there,
	 * a named pipe nobody writes to, must not hold up the start). Every
	 * other hook is a program of the host, which root alone may change
	 * (lib/basic/trust.h); a createContainer hook runs from the file opened
	 * here, as its path resolves in the host but it runs in the container's
	 * mount namespace.
	 */
	if (stage == OCI_START_CONTAINER) {
		fd = safe_openat(ct->root, hook->path, O_PATH, 0);
		if (fd < 0) {
			rc = error_set_errno(err, fd,
					     "%s hook '%s': cannot open it in the container", name,
					     hook->path);
			record_run(r, stage, hook, NULL, err->message);
			return rc;
		}
		close(TAKE_FD(fd));
	} else {
		rc = trust_check(hook->path, err);
		if (rc < 0) {
			rc = error_set(err, rc, "Refusing %s hook '%s': %s", name, hook->path,
				       err->message);
			record_run(r, stage, hook, NULL, err->message);
			return rc;
		}
		if (stage == OCI_CREATE_CONTAINER) {
			fd = open(hook->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				rc = error_set_errno(err, -errno, "%s hook '%s': cannot open it",
						     name, hook->path);
				record_run(r, stage, hook, NULL, err->message);
				return rc;
			}
		}
	}
	struct hookrun_spec spec = {
		.service = r->service,
		.user = r->user,
		.path = hook->path,
		.args = hook->args,
		.env = hook->env,
		.stdin_data = state,
		.timeout_ms = hook->timeout_s > 0 ? (unsigned)hook->timeout_s * 1000 : 0,
		.exec_fd = fd >= 0 ? fd : -1,
		.in_child = ct ? enter_container : NULL,
		.in_session = ct ? join_pid_namespace : NULL,
		.before_exec = ct ? restrict_to_container : NULL,
		.in_child_arg = ct,
	};
	rc = hookrun_run(&spec, &res, err);
	if (rc < 0) {
		rc = error_set(err, rc, "%s hook '%s' (user %s) did not run: %s", name, hook->path,
			       user, err->message);
		report_warning("%s", err->message);
		record_run(r, stage, hook, NULL, err->message);
		return rc;
	}
	exit_text(&res, how, sizeof(how));
	/* The audit line: one per run. */
	report_info("hook %s '%s' (user %s, %s): %s", name, hook->path, user, hook->source, how);
	if (res.exited && res.status == 0) {
		record_run(r, stage, hook, &res, NULL);
		return 0;
	}
	rc = error_set(err, -EIO, "%s hook '%s' (user %s) failed: %s%s%.300s", name, hook->path,
		       user, how, res.err[0] ? ": " : "", res.err);
	record_run(r, stage, hook, &res, err->message);
	return rc;
}

int ocirun_stage(const struct ocirun *r, const struct oci_hooks *h, enum oci_stage stage,
		 struct lxcri_error *err)
{
	struct ctjoin ct = CTJOIN_INIT;
	bool in_ct = stage == OCI_CREATE_CONTAINER || stage == OCI_START_CONTAINER;
	int count = 0, rc;

	if (h->n[stage] == 0)
		return 0;
	if (r->dry_run) {
		for (size_t i = 0; i < h->n[stage]; i++)
			printf("%s: %s (%s; %s)\n", ocihooks_stage_name(stage),
			       h->by_stage[stage][i].path, h->by_stage[stage][i].source,
			       h->by_stage[stage][i].why);
		return (int)h->n[stage];
	}
	if (in_ct) {
		rc = ctjoin_open(r->pid, &ct, err);
		ct.keep_root = stage == OCI_CREATE_CONTAINER;
		if (rc < 0)
			return error_set(err, rc, "%s hooks: %s", ocihooks_stage_name(stage),
					 err->message);
	}
	for (size_t i = 0; i < h->n[stage]; i++) {
		struct lxcri_error e = {};

		rc = run_one(r, stage, &h->by_stage[stage][i], in_ct ? &ct : NULL, &e);
		if (rc >= 0) {
			count++;
			continue;
		}
		if (aborts(stage)) {
			ctjoin_close(&ct);
			*err = e;
			return rc;
		}
		report_warning("%s (it does not stop the container)", e.message);
	}
	ctjoin_close(&ct);
	return count;
}
