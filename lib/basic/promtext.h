/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Prometheus's text exposition format (version 0.0.4), as node_exporter's
 * textfile collector reads it: "# HELP" and "# TYPE" of each family, then
 * all its samples together, label values escaped (\\, \", \n). Families
 * come out in the order they were declared, each one's samples in the
 * order they were added; a family without samples is left out. libc only.
 */

#include <stdbool.h>
#include <stddef.h>

struct promtext;

/* -ENOMEM */
int promtext_new(struct promtext **ret);
void promtext_free(struct promtext *p);

/* A metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':', no "__" start). */
bool promtext_name_valid(const char *name, bool label);

/*
 * Declares a family: type "gauge", "counter" (name ends in _total) or
 * "untyped"; help one line of text. -EINVAL for a bad name, type or help,
 * -EEXIST when it is declared already, -ENOMEM.
 */
int promtext_family(struct promtext *p, const char *name, const char *type, const char *help);

/*
 * A sample of the declared family name: labels are {key, value, ...,
 * NULL} (NULL itself for none); a value may hold any byte but NUL. -EINVAL
 * for an undeclared family or a bad label name, -ENOMEM.
 */
int promtext_sample(struct promtext *p, const char *name, const char *const *labels, double value);

/* The text (malloc'ed, NUL-terminated) and its size. -ENOMEM. */
int promtext_format(const struct promtext *p, char **ret, size_t *ret_size);
