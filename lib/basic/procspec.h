/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The process file of an application container (<lxc_dir>/lxcri-process,
 * /.lxcri/process inside): what lxcri-init runs. lxcri writes it on the
 * host, lxcri-init (static, libc only) reads it as PID 1. Binary-safe:
 * NUL-terminated records, after the line "lxcri-process 1":
 *
 *   arg=<s>      each argument, in order (at least one)
 *   env=<K=V>    each environment entry, exactly the process's environment
 *   cwd=<path>   absolute
 *   uid=<n> gid=<n>
 *   group=<n>    each supplementary group
 *
 * Nothing is quoted, so no argument, however odd, changes on the way.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"

#define PROCSPEC_MAGIC	     "lxcri-process 1"
#define PROCSPEC_MAX_SIZE    (1024 * 1024)
#define PROCSPEC_MAX_RECORDS 65536
#define PROCSPEC_MAX_GROUPS  65536

struct procspec {
	char **argv; /* NULL-terminated */
	char **env;  /* NULL-terminated, may be empty */
	char *cwd;
	uint32_t uid, gid;
	uint32_t *groups;
	size_t n_groups;
};

void procspec_free(struct procspec *p);

/* The file's content (malloc'ed) and its size. -EINVAL naming what cannot be written. */
int procspec_format(const struct procspec *p, char **ret, size_t *ret_size,
		    struct lxcri_error *err);

/* -EINVAL naming the record (its index and content) that is wrong; -E2BIG. */
int procspec_parse(const char *data, size_t size, struct procspec **ret, struct lxcri_error *err);

/* procspec_parse() of a file (a regular one, at most PROCSPEC_MAX_SIZE). */
int procspec_read_file(const char *path, struct procspec **ret, struct lxcri_error *err);
