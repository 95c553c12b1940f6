/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image configs. See imageconfig.h. */
#include "lib/image/imageconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"
#include "lib/image/digest.h"
#include "lib/shared/json.h"

void imageconfig_free(struct imageconfig *c)
{
	if (!c)
		return;
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->user);
	free(c->working_dir);
	free(c->stop_signal);
	free(c->created);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->exposed_ports);
	strv_free(c->volumes);
	strv_free(c->labels);
	strv_free(c->diff_ids);
	free(c);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct imageconfig *, imageconfig_free)

static int bad(struct lxcri_error *err, const char *what, const char *why)
{
	return error_set(err, -EINVAL, "Invalid image config: %s %s", what, why);
}

/* A string member, "" when absent or null. */
static int get_string(struct json_object *o, const char *key, const char *what, char **ret,
		      struct lxcri_error *err)
{
	struct json_object *v = NULL;

	if (o && json_object_object_get_ex(o, key, &v) && v &&
	    !json_object_is_type(v, json_type_string))
		return bad(err, what, "is not a string");
	*ret = strdup(v ? json_object_get_string(v) : "");
	return *ret ? 0 : error_oom(err);
}

/* An array of strings; NULL when absent or null. */
static int get_strings(struct json_object *o, const char *key, const char *what, char ***ret,
		       struct lxcri_error *err)
{
	struct json_object *v = NULL;
	size_t n = 0;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return bad(err, what, "is not an array");
	/* Present but empty: an empty list, not NULL. */
	*ret = calloc(1, sizeof(char *));
	if (!*ret)
		return error_oom(err);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string))
			return bad(err, what, "has an element that is not a string");
		if (strv_append(ret, &n, strdup(json_object_get_string(s))) < 0)
			return error_oom(err);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of an object member ({"80/tcp": {}}), sorted; NULL when absent or null. */
static int get_keys(struct json_object *o, const char *key, const char *what, char ***ret,
		    struct lxcri_error *err)
{
	struct json_object *v = NULL;
	size_t n = 0;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return bad(err, what, "is not an object");
	json_object_object_foreach(v, k, val)
	{
		(void)val;
		if (strv_append(ret, &n, strdup(k)) < 0)
			return error_oom(err);
	}
	if (n > 1)
		qsort(*ret, n, sizeof(char *), cmp_str);
	return 0;
}

/* "80", "80/tcp", "53/udp", "9/sctp": normalized to port/proto. */
static int check_ports(char **ports, struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];

	for (size_t i = 0; ports && ports[i]; i++) {
		char *end, *fixed;
		unsigned long port = strtoul(ports[i], &end, 10);
		const char *proto = *end == '/' ? end + 1 : *end ? NULL : "tcp";

		if (end == ports[i] || port == 0 || port > 65535 || !proto ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
		     strcmp(proto, "sctp") != 0))
			return error_set(err, -EINVAL,
					 "Invalid image config: ExposedPorts has '%s', not "
					 "<port>[/tcp|udp|sctp]",
					 escape_for_message(ports[i], q, sizeof(q)));
		if (asprintf(&fixed, "%lu/%s", port, proto) < 0)
			return error_oom(err);
		free(ports[i]);
		ports[i] = fixed;
	}
	return 0;
}

static int get_labels(struct json_object *o, char ***ret, struct lxcri_error *err)
{
	struct json_object *v = NULL;
	size_t n = 0;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, "Labels", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return bad(err, "config.Labels", "is not an object");
	json_object_object_foreach(v, k, val)
	{
		if (!json_object_is_type(val, json_type_string))
			return bad(err, "config.Labels", "has a value that is not a string");
		if (strv_appendf(ret, &n, "%s=%s", k, json_object_get_string(val)) < 0)
			return error_oom(err);
	}
	if (n > 1)
		qsort(*ret, n, sizeof(char *), cmp_str);
	return 0;
}

int imageconfig_parse(const void *data, size_t size, struct imageconfig **ret,
		      struct lxcri_error *err)
{
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_(imageconfig_freep) struct imageconfig *c = NULL;
	struct json_object *cfg = NULL, *rootfs, *type, *ids;
	char why[256], q[ESCAPE_BUFSIZE];
	int r;

	if (size > IMAGECONFIG_MAX_SIZE)
		return error_set(err, -E2BIG, "Invalid image config: %zu bytes, more than %d", size,
				 IMAGECONFIG_MAX_SIZE);
	r = json_parse_strict(data, size, &o, why, sizeof(why));
	if (r == -ENODATA)
		return error_set(err, -EINVAL, "Invalid image config: it is empty");
	if (r < 0)
		return error_set(err, -EINVAL, "Invalid image config: %s", why);
	if (!json_object_is_type(o, json_type_object))
		return error_set(err, -EINVAL, "Invalid image config: it is not a JSON object");
	c = calloc(1, sizeof(*c));
	if (!c)
		return error_oom(err);
	if (json_object_object_get_ex(o, "config", &cfg) && cfg &&
	    !json_object_is_type(cfg, json_type_object))
		return bad(err, "config", "is not an object");
	if ((r = get_string(o, "architecture", "architecture", &c->architecture, err)) < 0 ||
	    (r = get_string(o, "os", "os", &c->os, err)) < 0 ||
	    (r = get_string(o, "variant", "variant", &c->variant, err)) < 0 ||
	    (r = get_string(o, "created", "created", &c->created, err)) < 0 ||
	    (r = get_string(cfg, "User", "config.User", &c->user, err)) < 0 ||
	    (r = get_string(cfg, "WorkingDir", "config.WorkingDir", &c->working_dir, err)) < 0 ||
	    (r = get_string(cfg, "StopSignal", "config.StopSignal", &c->stop_signal, err)) < 0 ||
	    (r = get_strings(cfg, "Env", "config.Env", &c->env, err)) < 0 ||
	    (r = get_strings(cfg, "Entrypoint", "config.Entrypoint", &c->entrypoint, err)) < 0 ||
	    (r = get_strings(cfg, "Cmd", "config.Cmd", &c->cmd, err)) < 0 ||
	    (r = get_keys(cfg, "ExposedPorts", "config.ExposedPorts", &c->exposed_ports, err)) <
		0 ||
	    (r = get_keys(cfg, "Volumes", "config.Volumes", &c->volumes, err)) < 0 ||
	    (r = get_labels(cfg, &c->labels, err)) < 0 ||
	    (r = check_ports(c->exposed_ports, err)) < 0)
		return r;
	for (size_t i = 0; c->env && c->env[i]; i++)
		if (c->env[i][0] == '=' || !strchr(c->env[i], '='))
			return error_set(
			    err, -EINVAL,
			    "Invalid image config: config.Env[%zu] '%s' is not KEY=value", i,
			    escape_for_message(c->env[i], q, sizeof(q)));

	if (!json_object_object_get_ex(o, "rootfs", &rootfs) ||
	    !json_object_is_type(rootfs, json_type_object))
		return bad(err, "rootfs", "is missing or not an object");
	if (!json_object_object_get_ex(rootfs, "type", &type) ||
	    !json_object_is_type(type, json_type_string) ||
	    strcmp(json_object_get_string(type), "layers") != 0)
		return bad(err, "rootfs.type", "is not \"layers\"");
	r = get_strings(rootfs, "diff_ids", "rootfs.diff_ids", &c->diff_ids, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(rootfs, "diff_ids", &ids) || !c->diff_ids)
		return bad(err, "rootfs.diff_ids", "is missing");
	c->n_diff_ids = strv_length(c->diff_ids);
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (!digest_valid(c->diff_ids[i]))
			return error_set(err, -EINVAL,
					 "Invalid image config: rootfs.diff_ids[%zu] '%s' is not "
					 "sha256:<64 hex digits>",
					 i, escape_for_message(c->diff_ids[i], q, sizeof(q)));
	*ret = TAKE_PTR(c);
	return 0;
}

int imageconfig_stop_signal(const struct imageconfig *c, int *ret, struct lxcri_error *err)
{
	static const struct {
		const char *name;
		int signo;
	} names[] = {
		{ "HUP", SIGHUP },   { "INT", SIGINT },	      { "QUIT", SIGQUIT },
		{ "ILL", SIGILL },   { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },
		{ "IOT", SIGIOT },   { "BUS", SIGBUS },	      { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },
		{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },
		{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
		{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM },
		{ "PROF", SIGPROF }, { "WINCH", SIGWINCH },   { "IO", SIGIO },
		{ "POLL", SIGPOLL }, { "PWR", SIGPWR },	      { "SYS", SIGSYS },
	};
	const char *s = c->stop_signal ? c->stop_signal : "";
	char q[ESCAPE_BUFSIZE], *end;
	long n;

	if (!s[0]) {
		*ret = SIGTERM;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		n = strtol(s, &end, 10);
		if (*end == '\0' && n > 0 && n <= SIGRTMAX) {
			*ret = (int)n;
			return 0;
		}
	} else {
		const char *name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(name, names[i].name) == 0) {
				*ret = names[i].signo;
				return 0;
			}
		if (strncmp(name, "RTMIN", 5) == 0 || strncmp(name, "RTMAX", 5) == 0) {
			bool min = name[4] == 'N';
			const char *rest = name + 5;

			n = 0;
			if (*rest) {
				if ((min && *rest != '+') || (!min && *rest != '-'))
					goto bad;
				n = strtol(rest + 1, &end, 10);
				if (*end || end == rest + 1 || n < 0)
					goto bad;
			}
			n = min ? SIGRTMIN + n : SIGRTMAX - n;
			if (n >= SIGRTMIN && n <= SIGRTMAX) {
				*ret = (int)n;
				return 0;
			}
		}
	}
bad:
	return error_set(err, -EINVAL, "Invalid image config: StopSignal '%s' is not a signal",
			 escape_for_message(s, q, sizeof(q)));
}
