/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus's text exposition format. See promtext.h. */
#include "lib/basic/promtext.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"

struct family {
	char *name, *type, *help;
	char *samples; /* the sample lines, as they will be written */
	size_t size;
	FILE *f; /* open on samples while samples are added */
};

struct promtext {
	struct family *families;
	size_t n;
};

int promtext_new(struct promtext **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void promtext_free(struct promtext *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct family *f = &p->families[i];

		if (f->f)
			fclose(f->f);
		free(f->samples);
		free(f->name);
		free(f->type);
		free(f->help);
	}
	free(p->families);
	free(p);
}

bool promtext_name_valid(const char *name, bool label)
{
	if (!name || !name[0] || (name[0] >= '0' && name[0] <= '9'))
		return false;
	if (label && name[0] == '_' && name[1] == '_')
		return false;
	for (const char *c = name; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || (*c == ':' && !label);
		if (!ok)
			return false;
	}
	return true;
}

static struct family *find(const struct promtext *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->families[i].name, name) == 0)
			return &p->families[i];
	return NULL;
}

int promtext_family(struct promtext *p, const char *name, const char *type, const char *help)
{
	struct family *families, *f;
	size_t len = name ? strlen(name) : 0;

	if (!promtext_name_valid(name, false) || !type || !help || strchr(help, '\n'))
		return -EINVAL;
	if (strcmp(type, "counter") == 0) {
		if (len < 6 || strcmp(name + len - 6, "_total") != 0)
			return -EINVAL;
	} else if (strcmp(type, "gauge") != 0 && strcmp(type, "untyped") != 0) {
		return -EINVAL;
	}
	if (find(p, name))
		return -EEXIST;
	families = realloc(p->families, (p->n + 1) * sizeof(*families));
	if (!families)
		return -ENOMEM;
	p->families = families;
	f = &p->families[p->n];
	*f = (struct family){ .name = strdup(name), .type = strdup(type), .help = strdup(help) };
	if (!f->name || !f->type || !f->help) {
		free(f->name);
		free(f->type);
		free(f->help);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

/* value with \, " and a line end escaped (quote: a label value; else HELP text). */
static void put_escaped(FILE *f, const char *value, bool quote)
{
	for (const char *c = value; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", f);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*c, f);
	}
}

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.17g", v);
}

int promtext_sample(struct promtext *p, const char *name, const char *const *labels, double value)
{
	struct family *f = name ? find(p, name) : NULL;

	if (!f)
		return -EINVAL;
	for (size_t i = 0; labels && labels[i]; i += 2)
		if (!promtext_name_valid(labels[i], true) || !labels[i + 1])
			return -EINVAL;
	if (!f->f) {
		f->f = open_memstream(&f->samples, &f->size);
		if (!f->f)
			return -ENOMEM;
	}
	fputs(f->name, f->f);
	for (size_t i = 0; labels && labels[i]; i += 2) {
		fprintf(f->f, "%s%s=\"", i == 0 ? "{" : ",", labels[i]);
		put_escaped(f->f, labels[i + 1], true);
		fputc('"', f->f);
		if (!labels[i + 2])
			fputc('}', f->f);
	}
	fputc(' ', f->f);
	put_value(f->f, value);
	fputc('\n', f->f);
	return ferror(f->f) ? -ENOMEM : 0;
}

int promtext_format(const struct promtext *p, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		struct family *f = &p->families[i];

		if (!f->f)
			continue;
		if (fflush(f->f) != 0) {
			fclose(out);
			return -ENOMEM;
		}
		fprintf(out, "# HELP %s ", f->name);
		put_escaped(out, f->help, false);
		fprintf(out, "\n# TYPE %s %s\n", f->name, f->type);
		fwrite(f->samples, 1, f->size, out);
	}
	if (fclose(out) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	*ret_size = size;
	return 0;
}
