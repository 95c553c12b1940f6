/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the C benchmarks share: a clock, dying with a message, formatting
 * that refuses to truncate, writing a file, a median. Each program defines
 * BENCH_NAME (the prefix of its messages) before including this.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static inline double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", BENCH_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* snprintf() that refuses to truncate. */
static inline void format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die("Path or text too long: '%s'", buf);
}

static inline void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die("Failed to write '%s': %s", path, strerror(errno));
}

static inline int bench_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return (a > c) - (a < c);
}

/* Sorts v. */
static inline double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(double), bench_cmp_double);
	return v[n / 2];
}

/* Ends a process that holds a namespace open (it waits to be killed). */
static inline void netns_holder_end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
