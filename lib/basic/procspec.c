/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process file of an application container. See procspec.h. */
#include "lib/basic/procspec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/fileio.h"
#include "lib/basic/strv.h"

void procspec_free(struct procspec *p)
{
	if (!p)
		return;
	strv_free(p->argv);
	strv_free(p->env);
	free(p->cwd);
	free(p->groups);
	free(p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct procspec *, procspec_free)

static bool env_valid(const char *e)
{
	return e[0] != '=' && strchr(e, '=') != NULL;
}

int procspec_format(const struct procspec *p, char **ret, size_t *ret_size, struct lxcri_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	size_t size = 0;

	if (!p->argv || !p->argv[0])
		return error_set(err, -EINVAL, "The process has no argument");
	if (!p->cwd || p->cwd[0] != '/')
		return error_set(err, -EINVAL, "The process's working directory is not absolute");
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (!env_valid(p->env[i]))
			return error_set(err, -EINVAL, "The environment entry %zu is not KEY=value",
					 i);
	f = open_memstream(&text, &size);
	if (!f)
		return error_oom(err);
	fwrite(PROCSPEC_MAGIC, 1, sizeof(PROCSPEC_MAGIC), f);
	for (size_t i = 0; p->argv[i]; i++)
		fprintf(f, "arg=%s%c", p->argv[i], '\0');
	for (size_t i = 0; p->env && p->env[i]; i++)
		fprintf(f, "env=%s%c", p->env[i], '\0');
	fprintf(f, "cwd=%s%cuid=%u%cgid=%u%c", p->cwd, '\0', p->uid, '\0', p->gid, '\0');
	for (size_t i = 0; i < p->n_groups; i++)
		fprintf(f, "group=%u%c", p->groups[i], '\0');
	if (fclose(TAKE_PTR(f)) != 0)
		return error_oom(err);
	if (size > PROCSPEC_MAX_SIZE)
		return error_set(err, -E2BIG, "The process is %zu bytes, more than %d", size,
				 PROCSPEC_MAX_SIZE);
	*ret = TAKE_PTR(text);
	*ret_size = size;
	return 0;
}

/* A decimal id, 0..UINT32_MAX-1 (the last is "no id" for the kernel). */
static int parse_id(const char *s, uint32_t *ret)
{
	unsigned long long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v >= UINT32_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

static int bad_record(struct lxcri_error *err, size_t index, const char *record, const char *why)
{
	char q[ESCAPE_BUFSIZE];

	return error_set(err, -EINVAL, "Invalid process file: record %zu '%s' %s", index,
			 escape_for_message(record, q, sizeof(q)), why);
}

int procspec_parse(const char *data, size_t size, struct procspec **ret, struct lxcri_error *err)
{
	_cleanup_(procspec_freep) struct procspec *p = NULL;
	size_t n_argv = 0, n_env = 0, index = 0;
	bool have_cwd = false, have_uid = false, have_gid = false;
	const char *at, *end = data + size;

	if (size > PROCSPEC_MAX_SIZE)
		return error_set(err, -E2BIG, "Invalid process file: %zu bytes, more than %d", size,
				 PROCSPEC_MAX_SIZE);
	if (size < sizeof(PROCSPEC_MAGIC) || memcmp(data, PROCSPEC_MAGIC, sizeof(PROCSPEC_MAGIC)))
		return error_set(err, -EINVAL,
				 "Invalid process file: it does not start with '" PROCSPEC_MAGIC
				 "'");
	if (data[size - 1] != '\0')
		return error_set(err, -EINVAL, "Invalid process file: its last record is cut off");
	p = calloc(1, sizeof(*p));
	if (!p)
		return error_oom(err);
	for (at = data + sizeof(PROCSPEC_MAGIC); at < end; at += strlen(at) + 1) {
		const char *eq = strchr(at, '=');
		size_t key = eq ? (size_t)(eq - at) : 0;
		const char *v = eq ? eq + 1 : "";
		int r;

		if (++index > PROCSPEC_MAX_RECORDS)
			return error_set(err, -E2BIG, "Invalid process file: more than %d records",
					 PROCSPEC_MAX_RECORDS);
		if (key == 3 && memcmp(at, "arg", 3) == 0) {
			if (strv_append(&p->argv, &n_argv, strdup(v)) < 0)
				return error_oom(err);
		} else if (key == 3 && memcmp(at, "env", 3) == 0) {
			if (!env_valid(v))
				return bad_record(err, index, at, "is not env=KEY=value");
			if (strv_append(&p->env, &n_env, strdup(v)) < 0)
				return error_oom(err);
		} else if (key == 3 && memcmp(at, "cwd", 3) == 0) {
			if (have_cwd || v[0] != '/')
				return bad_record(err, index, at,
						  have_cwd ? "is a second cwd" : "is not absolute");
			p->cwd = strdup(v);
			if (!p->cwd)
				return error_oom(err);
			have_cwd = true;
		} else if (key == 3 && (memcmp(at, "uid", 3) == 0 || memcmp(at, "gid", 3) == 0)) {
			bool *have = at[0] == 'u' ? &have_uid : &have_gid;

			if (*have)
				return bad_record(err, index, at, "is a second one");
			r = parse_id(v, at[0] == 'u' ? &p->uid : &p->gid);
			if (r < 0)
				return bad_record(err, index, at, "is not an id");
			*have = true;
		} else if (key == 5 && memcmp(at, "group", 5) == 0) {
			uint32_t g, *n;

			if (parse_id(v, &g) < 0)
				return bad_record(err, index, at, "is not an id");
			if (p->n_groups >= PROCSPEC_MAX_GROUPS)
				return bad_record(err, index, at, "is one group too many");
			n = realloc(p->groups, (p->n_groups + 1) * sizeof(*n));
			if (!n)
				return error_oom(err);
			p->groups = n;
			p->groups[p->n_groups++] = g;
		} else {
			return bad_record(err, index, at, "is not known");
		}
	}
	if (n_argv == 0)
		return error_set(err, -EINVAL, "Invalid process file: it has no arg record");
	if (!have_cwd || !have_uid || !have_gid)
		return error_set(err, -EINVAL, "Invalid process file: it lacks its %s record",
				 !have_cwd   ? "cwd"
				 : !have_uid ? "uid"
					     : "gid");
	if (!p->env) {
		p->env = calloc(1, sizeof(char *));
		if (!p->env)
			return error_oom(err);
	}
	*ret = TAKE_PTR(p);
	return 0;
}

int procspec_read_file(const char *path, struct procspec **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = fileio_read_file(path, PROCSPEC_MAX_SIZE, &data, &size);
	if (r < 0)
		return error_set(err, r, "Failed to read the process file '%s': %s", path,
				 strerror(-r));
	return procspec_parse(data, size, ret, err);
}
