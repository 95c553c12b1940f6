/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OCI hook keys: hooks, hook-user, annotation<N> (hooks.h). */
#include "lib/config/hooks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/parse.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"
#include "lib/config/keys.h"

/* hooks */

enum { HOOKS_DIR, HOOKS_BUNDLE };

static const char *const hooks_properties[] = { "dir", "bundle", NULL };

static int parse_hooks(struct config_parser *p, unsigned index, char *value)
{
	char *v[ELEMENTSOF(hooks_properties)];
	int r, n;

	(void)index;
	r = config_split_properties(p, value, hooks_properties, v);
	if (r < 0)
		return r;
	if (!v[HOOKS_DIR] && !v[HOOKS_BUNDLE])
		return config_missing(p, "'dir' or 'bundle'");
	if (v[HOOKS_DIR]) {
		_cleanup_free_ char **items = NULL;

		n = config_split_list(p, "dir", v[HOOKS_DIR], &items);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			r = config_parse_path(p, "dir", items[i]);
			if (r < 0)
				return r;
		}
		r = config_copy_items(p, items, &p->c->hooks.dirs);
		if (r < 0)
			return r;
	}
	if (v[HOOKS_BUNDLE]) {
		r = config_parse_path(p, "bundle", v[HOOKS_BUNDLE]);
		if (r < 0)
			return r;
		p->c->hooks.bundle = strdup(v[HOOKS_BUNDLE]);
		if (!p->c->hooks.bundle)
			return config_fail_oom(p);
	}
	p->c->hooks.line = p->rd.line;
	return 0;
}

static int format_hooks(FILE *f, const struct config *c)
{
	bool first = true;

	if (!c->hooks.dirs && !c->hooks.bundle)
		return 0;
	if ((c->hooks.dirs && !config_strv_fits_property(c->hooks.dirs)) ||
	    (c->hooks.bundle && !config_fits_property(c->hooks.bundle)))
		return -EINVAL;
	fputs("hooks: ", f);
	if (c->hooks.dirs)
		config_write_strv(f, "dir", c->hooks.dirs, &first);
	if (c->hooks.bundle)
		fprintf(f, "%sbundle=%s", first ? "" : ",", c->hooks.bundle);
	fputc('\n', f);
	return 0;
}

static bool hooks_equal(const struct config *a, const struct config *b)
{
	return config_strv_equal(a->hooks.dirs, b->hooks.dirs) &&
	       config_str_equal(a->hooks.bundle, b->hooks.bundle);
}

static void hooks_free(struct config *c)
{
	strv_free(c->hooks.dirs);
	free(c->hooks.bundle);
}

/* hook-user */

static int parse_hook_user(struct config_parser *p, unsigned index, char *value)
{
	uint32_t uid;

	(void)index;
	if (!valid_user_name(value) && parse_uint32(value, 0, UINT32_MAX - 1, &uid) < 0)
		return config_invalid(
		    p, NULL, value,
		    "expected a user name ([a-z_][a-z0-9_-]*, at most 32 characters, "
		    "optionally ending in '$') or a numeric uid from 0 to 4294967294");
	p->c->hooks.user = strdup(value);
	if (!p->c->hooks.user)
		return config_fail_oom(p);
	p->c->hooks.user_line = p->rd.line;
	return 0;
}

static int format_hook_user(FILE *f, const struct config *c)
{
	if (!c->hooks.user)
		return 0;
	if (!config_fits_value(c->hooks.user))
		return -EINVAL;
	fprintf(f, "hook-user: %s\n", c->hooks.user);
	return 0;
}

static bool hook_user_equal(const struct config *a, const struct config *b)
{
	return config_str_equal(a->hooks.user, b->hooks.user);
}

static void hook_user_free(struct config *c)
{
	free(c->hooks.user);
}

/* annotation<N> */

static void annotation_done(struct config_annotation *a)
{
	free(a->key);
	free(a->value);
	a->key = a->value = NULL;
}

static int parse_annotation(struct config_parser *p, unsigned index, char *value)
{
	_cleanup_(annotation_done) struct config_annotation a = { .index = index,
								  .line = p->rd.line };
	char q[ESCAPE_BUFSIZE];
	char *eq = strchr(value, '=');
	int r;

	if (!eq)
		return config_fail(p, -EINVAL,
				   "Missing '=' in '%s' for '%s': expected <key>=<value>",
				   escape_for_message(value, q, sizeof(q)), p->key);
	*eq = '\0';
	if (!valid_annotation_key(value))
		return config_fail(
		    p, -EINVAL,
		    "Invalid annotation key '%s' in '%s': expected 1 to 255 characters "
		    "from A-Z a-z 0-9 . _ / -",
		    escape_for_message(value, q, sizeof(q)), p->key);
	if (!valid_text(eq + 1))
		return config_fail(
		    p, -EINVAL,
		    "Invalid annotation value '%s' for '%s' in '%s': expected UTF-8 text "
		    "without control characters",
		    escape_for_message(eq + 1, q, sizeof(q)), value, p->key);
	for (size_t i = 0; i < p->c->hooks.n_annotations; i++) {
		const struct config_annotation *o = &p->c->hooks.annotations[i];

		if (strcmp(o->key, value) == 0)
			return config_fail(
			    p, -EINVAL,
			    "Annotation key '%s' of '%s' is already set by 'annotation%u' on "
			    "line %u",
			    value, p->key, o->index, o->line);
	}
	a.key = strdup(value);
	a.value = strdup(eq + 1);
	if (!a.key || !a.value)
		return config_fail_oom(p);

	r = CONFIG_APPEND(p, p->c->hooks.annotations, p->c->hooks.n_annotations, a);
	if (r < 0)
		return r;
	a.key = a.value = NULL;
	return 0;
}

static int finish_annotations(struct config_parser *p)
{
	config_sort_by_index(p->c->hooks.annotations, p->c->hooks.n_annotations,
			     sizeof(*p->c->hooks.annotations));
	return 0;
}

static int format_annotations(FILE *f, const struct config *c)
{
	_cleanup_free_ size_t *order = config_index_order(
	    c->hooks.annotations, c->hooks.n_annotations, sizeof(*c->hooks.annotations));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < c->hooks.n_annotations; i++) {
		const struct config_annotation *a = &c->hooks.annotations[order[i]];
		size_t n;

		if (!a->key || !a->value || !valid_annotation_key(a->key) || !valid_text(a->value))
			return -EINVAL;
		/* Trailing blanks would be trimmed away when read back. */
		n = strlen(a->value);
		if (n && reader_is_blank(a->value[n - 1]))
			return -EINVAL;
		fprintf(f, "annotation%u: %s=%s\n", a->index, a->key, a->value);
	}
	return 0;
}

static bool annotations_equal(const struct config *x, const struct config *y)
{
	const struct config_hooks *a = &x->hooks, *b = &y->hooks;

	if (a->n_annotations != b->n_annotations)
		return false;
	for (size_t i = 0; i < a->n_annotations; i++)
		if (a->annotations[i].index != b->annotations[i].index ||
		    !config_str_equal(a->annotations[i].key, b->annotations[i].key) ||
		    !config_str_equal(a->annotations[i].value, b->annotations[i].value))
			return false;
	return true;
}

static void annotations_free(struct config *c)
{
	for (size_t i = 0; i < c->hooks.n_annotations; i++)
		annotation_done(&c->hooks.annotations[i]);
	free(c->hooks.annotations);
}

const struct config_key_type hooks_keys[] = {
	{ "hooks", 0, "hooks", parse_hooks, NULL, format_hooks, hooks_equal, hooks_free },
	{ "hook-user", 0, "hooks", parse_hook_user, NULL, format_hook_user, hook_user_equal,
	  hook_user_free },
	{ "annotation", CONFIG_MAX_ANNOTATION, "hooks", parse_annotation, finish_annotations,
	  format_annotations, annotations_equal, annotations_free },
	{},
};
