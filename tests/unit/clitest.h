/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For the suites of cli/: what a verb prints on stdout and stderr. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/basic/fileio.h"

struct captured {
	int saved_out, saved_err;
	char out_path[64], err_path[64];
	char *out, *err; /* after captured_end(): what was printed, malloc'ed */
};

/* Sends stdout and stderr to files until captured_end(). */
static inline void captured_begin(struct captured *c)
{
	int out, err;

	snprintf(c->out_path, sizeof(c->out_path), "/tmp/lxcri-unit-outXXXXXX");
	snprintf(c->err_path, sizeof(c->err_path), "/tmp/lxcri-unit-errXXXXXX");
	out = mkstemp(c->out_path);
	err = mkstemp(c->err_path);
	ck_assert_int_ge(out, 0);
	ck_assert_int_ge(err, 0);
	fflush(stdout);
	fflush(stderr);
	c->saved_out = dup(STDOUT_FILENO);
	c->saved_err = dup(STDERR_FILENO);
	ck_assert_int_ge(dup2(out, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(err, STDERR_FILENO), 0);
	close(out);
	close(err);
}

static inline void captured_end(struct captured *c)
{
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_ge(dup2(c->saved_out, STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(c->saved_err, STDERR_FILENO), 0);
	close(c->saved_out);
	close(c->saved_err);
	ck_assert_int_ge(fileio_read_file(c->out_path, 0, &c->out, NULL), 0);
	ck_assert_int_ge(fileio_read_file(c->err_path, 0, &c->err, NULL), 0);
	unlink(c->out_path);
	unlink(c->err_path);
}

static inline void captured_done(struct captured *c)
{
	free(c->out);
	free(c->err);
	c->out = c->err = NULL;
}
