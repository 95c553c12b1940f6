/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <json-c/json.h>

#include "lib/ocihooks/ocihooks.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"
#include "lib/basic/trust.h"

static const char *const stage_names[OCI_STAGE_COUNT] = {
	[OCI_PRESTART] = "prestart",
	[OCI_CREATE_RUNTIME] = "createRuntime",
	[OCI_CREATE_CONTAINER] = "createContainer",
	[OCI_START_CONTAINER] = "startContainer",
	[OCI_POSTSTART] = "poststart",
	[OCI_POSTSTOP] = "poststop",
};

/* runtime-spec runtime.md: the status while each stage's hooks run. */
static const char *const stage_status[OCI_STAGE_COUNT] = {
	[OCI_PRESTART] = "creating",	     [OCI_CREATE_RUNTIME] = "creating",
	[OCI_CREATE_CONTAINER] = "creating", [OCI_START_CONTAINER] = "created",
	[OCI_POSTSTART] = "running",	     [OCI_POSTSTOP] = "stopped",
};

const char *ocihooks_stage_name(enum oci_stage stage)
{
	return (unsigned)stage < OCI_STAGE_COUNT ? stage_names[stage] : NULL;
}

int ocihooks_stage_from_name(const char *name)
{
	for (int i = 0; name && i < OCI_STAGE_COUNT; i++)
		if (strcmp(name, stage_names[i]) == 0)
			return i;
	return -EINVAL;
}

void ocihooks_hook_done(struct oci_hook *h)
{
	free(h->path);
	strv_free(h->args);
	strv_free(h->env);
	free(h->source);
	free(h->why);
	*h = (struct oci_hook){ 0 };
}

void ocihooks_done(struct oci_hooks *h)
{
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		for (size_t i = 0; i < h->n[s]; i++)
			ocihooks_hook_done(&h->by_stage[s][i]);
		free(h->by_stage[s]);
	}
	strv_free(h->warnings);
	*h = (struct oci_hooks){ 0 };
}

static int oci_hook_copy(const struct oci_hook *h, struct oci_hook *ret)
{
	_cleanup_(ocihooks_hook_done) struct oci_hook copy = { .timeout_s = h->timeout_s };

	if (!(copy.path = strdup(h->path)) || !(copy.source = strdup(h->source)) ||
	    !(copy.why = strdup(h->why)) || strv_copy(h->args, &copy.args) < 0 ||
	    strv_copy(h->env, &copy.env) < 0)
		return -ENOMEM;
	*ret = copy;
	copy = (struct oci_hook){ 0 };
	return 0;
}

/* Appends *hook to the stage, taking it on success. */
static int hooks_append(struct oci_hooks *h, enum oci_stage stage, struct oci_hook *hook)
{
	struct oci_hook *grown = reallocarray(h->by_stage[stage], h->n[stage] + 1, sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	h->by_stage[stage] = grown;
	grown[h->n[stage]++] = *hook;
	*hook = (struct oci_hook){ 0 };
	return 0;
}

/* Moves everything of from to the end of to; on -ENOMEM, to holds what it held. */
static int hooks_move(struct oci_hooks *to, struct oci_hooks *from)
{
	size_t n_to = strv_length(to->warnings), n_from = strv_length(from->warnings);

	/* Grow every array first: a failure then leaves to's contents as they were. */
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		struct oci_hook *grown;

		if (from->n[s] == 0)
			continue;
		grown = reallocarray(to->by_stage[s], to->n[s] + from->n[s], sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		to->by_stage[s] = grown;
	}
	if (n_from > 0) {
		char **grown = reallocarray(to->warnings, n_to + n_from + 1, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		memcpy(grown + n_to, from->warnings, (n_from + 1) * sizeof(*grown));
		to->warnings = grown;
		free(from->warnings);
		from->warnings = NULL;
	}
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		if (from->n[s] > 0)
			memcpy(to->by_stage[s] + to->n[s], from->by_stage[s],
			       from->n[s] * sizeof(*from->by_stage[s]));
		to->n[s] += from->n[s];
		from->n[s] = 0;
	}
	ocihooks_done(from);
	return 0;
}

/*
 * key's value in o; NULL if absent or null (as Go leaves a field unset).
 * hooks.d files are read as Go's encoding/json reads them: names match
 * without case, and the last match wins.
 */
static struct json_object *field(struct json_object *o, const char *key, bool any_case)
{
	struct json_object *found = NULL;

	if (!any_case) {
		json_object_object_get_ex(o, key, &found);
		return found;
	}
	json_object_object_foreach(o, name, value)
	{
		if (strcasecmp(name, key) == 0)
			found = value;
	}
	return found;
}

/* Where a value is, for messages: the file, then e.g. "hooks.prestart[1]: ". */
struct place {
	const char *file;
	const char *where;
};

static int place_error(struct lxcri_error *err, const struct place *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int place_error(struct lxcri_error *err, const struct place *p, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(err, -EINVAL, "%s: %s%s", p->file, p->where, what);
}

static int get_string(struct json_object *v, const struct place *p, const char *key,
		      const char **ret, struct lxcri_error *err)
{
	if (!json_object_is_type(v, json_type_string))
		return place_error(err, p, "'%s' must be a string, not %s", key, json_type_name(v));
	if ((size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)))
		return place_error(err, p, "'%s' holds a NUL byte", key);
	*ret = json_object_get_string(v);
	return 0;
}

static int get_bool(struct json_object *v, const struct place *p, const char *key, int *ret,
		    struct lxcri_error *err)
{
	if (!v) {
		*ret = -1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_boolean))
		return place_error(err, p, "'%s' must be a boolean, not %s", key,
				   json_type_name(v));
	*ret = json_object_get_boolean(v);
	return 0;
}

/* An array of strings; with is_env each must be KEY=VALUE with a KEY. */
static int get_strv(struct json_object *v, const struct place *p, const char *key, bool is_env,
		    char ***ret, struct lxcri_error *err)
{
	_cleanup_strv_ char **l = NULL;
	char buf[ESCAPE_BUFSIZE];
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return place_error(err, p, "'%s' must be an array of strings, not %s", key,
				   json_type_name(v));
	n = json_object_array_length(v);
	l = calloc(n + 1, sizeof(*l));
	if (!l)
		return error_oom(err);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s;

		if (!json_object_is_type(e, json_type_string))
			return place_error(err, p, "'%s'[%zu] must be a string, not %s", key, i,
					   json_type_name(e));
		s = json_object_get_string(e);
		if ((size_t)json_object_get_string_len(e) != strlen(s))
			return place_error(err, p, "'%s'[%zu] holds a NUL byte", key, i);
		if (is_env && (s[0] == '=' || !strchr(s, '=')))
			return place_error(err, p, "'%s'[%zu] '%s' is not KEY=VALUE", key, i,
					   escape_for_message(s, buf, sizeof(buf)));
		if (!(l[i] = strdup(s)))
			return error_oom(err);
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* o's key, required: an absolute path (as runtime-spec demands of a hook's path). */
static int get_path(struct json_object *o, const char *key, bool any_case, const struct place *p,
		    char **ret, struct lxcri_error *err)
{
	struct json_object *v = field(o, key, any_case);
	char buf[ESCAPE_BUFSIZE];
	const char *path;
	int r;

	if (!v)
		return place_error(err, p, "missing '%s'", key);
	r = get_string(v, p, key, &path, err);
	if (r < 0)
		return r;
	if (path[0] != '/')
		return place_error(err, p, "'%s' '%s' is not absolute", key,
				   escape_for_message(path, buf, sizeof(buf)));
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

/* A runtime-spec hook entry {path, args, env, timeout}. */
static int parse_hook(struct json_object *o, bool any_case, const struct place *p,
		      struct oci_hook *ret, struct lxcri_error *err)
{
	_cleanup_(ocihooks_hook_done) struct oci_hook h = { 0 };
	struct json_object *v;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return place_error(err, p, "must be an object, not %s", json_type_name(o));
	r = get_path(o, "path", any_case, p, &h.path, err);
	if (r < 0)
		return r;
	if ((v = field(o, "args", any_case)) &&
	    (r = get_strv(v, p, "args", false, &h.args, err)) < 0)
		return r;
	if ((v = field(o, "env", any_case)) && (r = get_strv(v, p, "env", true, &h.env, err)) < 0)
		return r;
	if ((v = field(o, "timeout", any_case))) {
		int64_t t;

		if (!json_object_is_type(v, json_type_int))
			return place_error(err, p, "'timeout' must be an integer, not %s",
					   json_type_name(v));
		t = json_object_get_int64(v);
		if (t <= 0)
			return place_error(err, p, "'timeout' must be greater than zero");
		if (t > INT_MAX)
			return place_error(err, p, "'timeout' is too large");
		h.timeout_s = (int)t;
	}
	*ret = h;
	h = (struct oci_hook){ 0 };
	return 0;
}

static int parse_json(const char *file, const char *what, const char *text, size_t size,
		      struct json_object **ret, struct lxcri_error *err)
{
	char why[256];
	int r = json_parse_strict(text, size, ret, why, sizeof(why));

	if (r == -ENODATA)
		return error_set(err, -EINVAL, "%s: empty, not %s", file, what);
	if (r == -EINVAL)
		return error_set(err, r, "%s: %s", file, why);
	if (r < 0)
		return error_set_errno(err, r, "Failed to parse '%s'", file);
	if (!json_object_is_type(*ret, json_type_object)) {
		r = error_set(err, -EINVAL, "%s: must be a JSON object, not %s", file,
			      json_type_name(*ret));
		json_object_put(*ret);
		*ret = NULL;
	}
	return r;
}

/* NULL if key: value may be an annotation, else what is wrong. */
static const char *annotation_problem(const char *key, struct json_object *value)
{
	if (!*key)
		return "has an empty key";
	if (strchr(key, '='))
		return "has a key with '='";
	if (!json_object_is_type(value, json_type_string))
		return "has a value that is not a string";
	if ((size_t)json_object_get_string_len(value) != strlen(json_object_get_string(value)))
		return "has a value with a NUL byte";
	return NULL;
}

int ocihooks_parse_bundle(const char *path, const char *text, size_t size, struct oci_hooks *ret,
			  struct json_object **ret_annotations, struct lxcri_error *err)
{
	_cleanup_ocihooks_ struct oci_hooks found = { 0 };
	_cleanup_json_ struct json_object *root = NULL, *annotations = NULL;
	struct place p = { .file = path, .where = "" };
	char buf[ESCAPE_BUFSIZE];
	struct json_object *hooks;
	int r;

	r = parse_json(path, "a runtime configuration", text, size, &root, err);
	if (r < 0)
		return r;

	hooks = field(root, "hooks", false);
	if (hooks && !json_object_is_type(hooks, json_type_object))
		return place_error(err, &p, "'hooks' must be an object, not %s",
				   json_type_name(hooks));
	if (hooks) {
		json_object_object_foreach(hooks, name, list)
		{
			int stage = ocihooks_stage_from_name(name);
			size_t n;

			if (stage < 0)
				return place_error(err, &p, "unknown hook stage '%s' in 'hooks'",
						   escape_for_message(name, buf, sizeof(buf)));
			if (!list)
				continue;
			if (!json_object_is_type(list, json_type_array))
				return place_error(err, &p, "'hooks.%s' must be an array, not %s",
						   name, json_type_name(list));
			n = json_object_array_length(list);
			for (size_t i = 0; i < n; i++) {
				_cleanup_(ocihooks_hook_done) struct oci_hook h = { 0 };
				char where[64];
				struct place entry = { .file = path, .where = where };

				snprintf(where, sizeof(where), "hooks.%s[%zu]: ", name, i);
				r = parse_hook(json_object_array_get_idx(list, i), false, &entry,
					       &h, err);
				if (r < 0)
					return r;
				if (!(h.source = strdup(path)) ||
				    !(h.why = strdup("bundle config.json")))
					return error_oom(err);
				r = hooks_append(&found, stage, &h);
				if (r < 0)
					return r;
			}
		}
	}

	annotations = json_object_get(field(root, "annotations", false));
	if (annotations && !json_object_is_type(annotations, json_type_object))
		return place_error(err, &p, "'annotations' must be an object, not %s",
				   json_type_name(annotations));
	if (annotations) {
		json_object_object_foreach(annotations, key, value)
		{
			const char *problem = annotation_problem(key, value);

			if (problem)
				return place_error(err, &p, "'annotations' %s ('%s')", problem,
						   escape_for_message(key, buf, sizeof(buf)));
		}
	} else if (!(annotations = json_object_new_object())) {
		return error_oom(err);
	}

	*ret = found;
	found = (struct oci_hooks){ 0 };
	if (ret_annotations)
		*ret_annotations = TAKE_PTR(annotations);
	return 0;
}

int ocihooks_annotations_strv(struct json_object *annotations, char ***ret)
{
	_cleanup_strv_ char **l = NULL;

	if (annotations && !json_object_is_type(annotations, json_type_object))
		return -EINVAL;
	if (!(l = calloc(1, sizeof(*l))))
		return -ENOMEM;
	if (annotations) {
		json_object_object_foreach(annotations, key, value)
		{
			char *s;

			if (annotation_problem(key, value))
				return -EINVAL;
			if (asprintf(&s, "%s=%s", key, json_object_get_string(value)) < 0)
				return -ENOMEM;
			if (strv_append(&l, NULL, s) < 0)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* A regex of a hooks.d file, compiled. */
struct pattern {
	char *text;
	regex_t re;
	bool compiled;
};

static void pattern_done(struct pattern *p)
{
	if (p->compiled)
		regfree(&p->re);
	free(p->text);
	*p = (struct pattern){ 0 };
}

/*
 * glibc's regcomp() copies a subexpression for every count of a {m,n} and
 * twice for a '+', so "(a{999}){999}" or "a+++++++++++++++++++++++++" takes
 * gigabytes. Like Go's regexp (RE2), which podman uses: counts above 1000 and
 * expressions that grow too large are refused. Backreferences are refused
 * too (RE2 has none, and they make matching exponential).
 */
#define REGEX_MAX_COUNT 1000
#define REGEX_MAX_NODES 10000

struct regex_size {
	size_t total; /* nodes so far, expanded */
	size_t last;  /* nodes of the last atom or group, which a repetition copies */
};

static size_t size_add(size_t a, size_t b)
{
	return a > REGEX_MAX_NODES || b > REGEX_MAX_NODES ? REGEX_MAX_NODES + 1 : a + b;
}

static size_t size_mul(size_t a, size_t b)
{
	return a > REGEX_MAX_NODES || b > REGEX_MAX_NODES ? REGEX_MAX_NODES + 1 : a * b;
}

/* After "{": the count's end ('}'), with its largest count in *ret; NULL if not a count. */
static const char *parse_count(const char *s, size_t *ret)
{
	size_t m = 0, n;
	bool open = false;

	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++)
		m = size_add(size_mul(m, 10), (size_t)(*s - '0'));
	n = m;
	if (*s == ',') {
		s++;
		open = *s == '}';
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			n = size_add(size_mul(n, 10), (size_t)(*s - '0'));
	}
	if (*s != '}')
		return NULL;
	/* "{m,}": m copies and a star. */
	*ret = open ? size_add(m, 1) : n > m ? n : m;
	return s;
}

/* After "[": the bracket expression's closing ']', or NULL. */
static const char *skip_bracket(const char *s)
{
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	for (; *s && *s != ']'; s++)
		if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			const char *end = strchr(s + 2, s[1]);

			while (end && end[1] != ']')
				end = strchr(end + 1, s[1]);
			if (!end)
				return NULL;
			s = end + 1;
		}
	return *s ? s : NULL;
}

static int regex_check(const char *s, char *why, size_t size)
{
	struct regex_size stack[64] = { { 0 } };
	size_t depth = 0, count;
	int repeated = 0; /* 1: right after a repetition, 2: and after Go's non-greedy '?' */

	for (; *s; s++) {
		struct regex_size *f = &stack[depth];
		bool is_repeat = *s == '*' || *s == '+' || *s == '?' ||
				 (*s == '{' && parse_count(s + 1, &count));
		const char *end;

		/* As Go: "a*?" is fine (non-greedy there), "a**", "a+++", "a{2}{3}" are not. */
		if (is_repeat && repeated == 1 && *s == '?') {
			repeated = 2;
			f->total = size_add(f->total, 1);
			continue;
		}
		if (is_repeat && repeated) {
			snprintf(why, size, "invalid nested repetition operator");
			return -EINVAL;
		}
		repeated = is_repeat;

		switch (*s) {
		case '\\':
			if (s[1] >= '1' && s[1] <= '9') {
				snprintf(why, size, "backreferences are not supported");
				return -EINVAL;
			}
			if (s[1])
				s++;
			f->last = 1;
			break;
		case '[':
			end = skip_bracket(s + 1);
			if (end)
				s = end;
			f->last = 1;
			break;
		case '(':
			if (++depth == ELEMENTSOF(stack)) {
				snprintf(why, size, "more than %zu nested groups",
					 ELEMENTSOF(stack) - 1);
				return -EINVAL;
			}
			stack[depth] = (struct regex_size){ 0 };
			continue;
		case ')':
			if (depth == 0) {
				f->last = 1;
				break;
			}
			depth--;
			stack[depth].total = size_add(stack[depth].total, size_add(f->total, 1));
			stack[depth].last = size_add(f->total, 1);
			continue;
		case '|':
			f->total = size_add(f->total, 1);
			f->last = 0;
			continue;
		case '*':
		case '?': /* they wrap the last atom: a repetition after them copies both */
			f->last = size_add(f->last, 1);
			f->total = size_add(f->total, 1);
			continue;
		case '+': /* glibc: XX* */
			f->total = size_add(f->total, f->last);
			f->last = size_mul(f->last, 2);
			continue;
		case '{':
			end = parse_count(s + 1, &count);
			if (!end) {
				f->last = 1;
				break;
			}
			if (count > REGEX_MAX_COUNT) {
				snprintf(why, size, "a count above %d", REGEX_MAX_COUNT);
				return -EINVAL;
			}
			s = end;
			f->total = size_add(f->total, size_mul(f->last, count ? count - 1 : 0));
			f->last = size_mul(f->last, count);
			if (f->total > REGEX_MAX_NODES)
				goto too_large;
			continue;
		default: /* a character, '.', '^', '$' */
			f->last = 1;
			break;
		}
		f->total = size_add(f->total, 1);
		if (f->total > REGEX_MAX_NODES)
			goto too_large;
	}
	for (; depth > 0; depth--)
		stack[depth - 1].total = size_add(stack[depth - 1].total, stack[depth].total);
	if (stack[0].total <= REGEX_MAX_NODES)
		return 0;
too_large:
	snprintf(why, size, "expression too large");
	return -EINVAL;
}

static int pattern_compile(struct pattern *p, const char *text, const struct place *where,
			   const char *what, struct lxcri_error *err)
{
	char buf[ESCAPE_BUFSIZE], why[256];
	int r;

	if (!(p->text = strdup(text)))
		return error_oom(err);
	if (regex_check(text, why, sizeof(why)) < 0)
		return place_error(err, where, "invalid %s regex '%s': %s", what,
				   escape_for_message(text, buf, sizeof(buf)), why);
	r = regcomp(&p->re, text, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		regerror(r, &p->re, why, sizeof(why));
		return place_error(err, where, "invalid %s regex '%s': %s", what,
				   escape_for_message(text, buf, sizeof(buf)), why);
	}
	p->compiled = true;
	return 0;
}

static bool pattern_matches(const struct pattern *p, const char *s)
{
	return regexec(&p->re, s, 0, NULL, 0) == 0;
}

/* A hooks.d file, read. Conditions: -1 unset, 0 false, 1 true. */
struct definition {
	struct oci_hook hook;
	bool stages[OCI_STAGE_COUNT];
	bool any_of; /* 0.1.0: one matching condition is enough */
	int always, has_bind_mounts;
	struct pattern (*annotations)[2]; /* key, value */
	size_t n_annotations;
	struct pattern *commands;
	size_t n_commands;
};

static void definition_done(struct definition *d)
{
	ocihooks_hook_done(&d->hook);
	for (size_t i = 0; i < d->n_annotations; i++) {
		pattern_done(&d->annotations[i][0]);
		pattern_done(&d->annotations[i][1]);
	}
	free(d->annotations);
	for (size_t i = 0; i < d->n_commands; i++)
		pattern_done(&d->commands[i]);
	free(d->commands);
}

static int parse_stages(struct json_object *v, const struct place *p, const char *key,
			struct definition *d, struct lxcri_error *err)
{
	_cleanup_strv_ char **names = NULL;
	char buf[ESCAPE_BUFSIZE];
	int r;

	r = get_strv(v, p, key, false, &names, err);
	if (r < 0)
		return r;
	if (!names[0])
		return place_error(err, p, "'%s' is empty: the hook would never be injected", key);
	STRV_FOREACH (name, names) {
		int stage = ocihooks_stage_from_name(*name);

		if (stage < 0)
			return place_error(err, p, "unknown stage '%s' in '%s'",
					   escape_for_message(*name, buf, sizeof(buf)), key);
		d->stages[stage] = true;
	}
	return 0;
}

static int parse_commands(struct json_object *v, const struct place *p, const char *key,
			  struct definition *d, struct lxcri_error *err)
{
	_cleanup_strv_ char **l = NULL;
	size_t n;
	int r;

	r = get_strv(v, p, key, false, &l, err);
	if (r < 0)
		return r;
	n = strv_length(l);
	if (n == 0)
		return 0;
	d->commands = calloc(n, sizeof(*d->commands));
	if (!d->commands)
		return error_oom(err);
	for (size_t i = 0; i < n; i++) {
		r = pattern_compile(&d->commands[d->n_commands++], l[i], p, "command", err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_annotation_pattern(struct definition *d, const char *key, const char *value,
				  const struct place *p, struct lxcri_error *err)
{
	struct pattern(*grown)[2] =
	    reallocarray(d->annotations, d->n_annotations + 1, sizeof(*d->annotations));
	struct pattern *pair;
	int r;

	if (!grown)
		return error_oom(err);
	d->annotations = grown;
	pair = grown[d->n_annotations++];
	pair[0] = pair[1] = (struct pattern){ 0 };
	r = pattern_compile(&pair[0], key, p, "annotation key", err);
	if (r < 0)
		return r;
	return pattern_compile(&pair[1], value, p, "annotation value", err);
}

/* Schema 1.0.0. */
static int parse_current(struct json_object *root, const struct place *p, struct definition *d,
			 struct lxcri_error *err)
{
	struct json_object *v, *when;
	char buf[ESCAPE_BUFSIZE];
	struct place hook_place = { .file = p->file, .where = "hook: " };
	int r;

	v = field(root, "hook", true);
	if (!v)
		return place_error(err, p, "missing 'hook'");
	r = parse_hook(v, true, &hook_place, &d->hook, err);
	if (r < 0)
		return r;

	when = field(root, "when", true);
	if (when && !json_object_is_type(when, json_type_object))
		return place_error(err, p, "'when' must be an object, not %s",
				   json_type_name(when));
	if (when) {
		struct place when_place = { .file = p->file, .where = "when: " };

		r = get_bool(field(when, "always", true), &when_place, "always", &d->always, err);
		if (r < 0)
			return r;
		r = get_bool(field(when, "hasBindMounts", true), &when_place, "hasBindMounts",
			     &d->has_bind_mounts, err);
		if (r < 0)
			return r;
		v = field(when, "annotations", true);
		if (v && !json_object_is_type(v, json_type_object))
			return place_error(err, &when_place,
					   "'annotations' must be an object, not %s",
					   json_type_name(v));
		if (v) {
			json_object_object_foreach(v, key, value)
			{
				const char *s;

				if (!json_object_is_type(value, json_type_string))
					return place_error(
					    err, &when_place,
					    "'annotations' value of '%s' must be a string, not %s",
					    escape_for_message(key, buf, sizeof(buf)),
					    json_type_name(value));
				r = get_string(value, &when_place, "annotations", &s, err);
				if (r < 0)
					return r;
				r = add_annotation_pattern(d, key, s, &when_place, err);
				if (r < 0)
					return r;
			}
		}
		v = field(when, "commands", true);
		if (v && (r = parse_commands(v, &when_place, "commands", d, err)) < 0)
			return r;
	}

	v = field(root, "stages", true);
	if (!v)
		return place_error(err, p, "missing 'stages'");
	return parse_stages(v, p, "stages", d, err);
}

/* A 0.1.0 property and its synonym ("stages"/"stage"): at most one may be set. */
static int legacy_field(struct json_object *root, const struct place *p, const char *name,
			const char *synonym, struct json_object **ret, const char **ret_name,
			struct lxcri_error *err)
{
	struct json_object *a = field(root, name, true), *b = field(root, synonym, true);

	if (a && b)
		return place_error(err, p, "cannot set both '%s' and '%s'", synonym, name);
	*ret = a ? a : b;
	*ret_name = a ? name : synonym;
	return 0;
}

/* Schema 0.1.0, translated as podman's pkg/hooks/0.1.0 does. */
static int parse_legacy(struct json_object *root, const struct place *p, struct definition *d,
			struct lxcri_error *err)
{
	_cleanup_strv_ char **arguments = NULL, **annotations = NULL;
	_cleanup_free_ char *joined = NULL;
	struct json_object *v;
	const char *name;
	int r;

	r = get_path(root, "hook", true, p, &d->hook.path, err);
	if (r < 0)
		return r;
	v = field(root, "arguments", true);
	if (v) {
		size_t n;

		r = get_strv(v, p, "arguments", false, &arguments, err);
		if (r < 0)
			return r;
		n = strv_length(arguments);
		d->hook.args = calloc(n + 2, sizeof(*d->hook.args));
		if (!d->hook.args || !(d->hook.args[0] = strdup(d->hook.path)))
			return error_oom(err);
		memcpy(d->hook.args + 1, arguments, n * sizeof(*arguments));
		free(TAKE_PTR(arguments)); /* the strings now belong to args */
	}

	r = legacy_field(root, p, "stages", "stage", &v, &name, err);
	if (r < 0)
		return r;
	if (!v)
		return place_error(err, p, "missing 'stages'");
	r = parse_stages(v, p, name, d, err);
	if (r < 0)
		return r;

	r = legacy_field(root, p, "cmds", "cmd", &v, &name, err);
	if (r < 0)
		return r;
	if (v && (r = parse_commands(v, p, name, d, err)) < 0)
		return r;

	r = legacy_field(root, p, "annotations", "annotation", &v, &name, err);
	if (r < 0)
		return r;
	if (v && (r = get_strv(v, p, name, false, &annotations, err)) < 0)
		return r;
	if (annotations && annotations[0]) {
		/* podman: one pattern pair, any key, the values joined with '|'. */
		size_t n = 1;

		for (size_t i = 0; annotations[i]; i++)
			n += strlen(annotations[i]) + 1;
		joined = calloc(n, 1);
		if (!joined)
			return error_oom(err);
		for (size_t i = 0; annotations[i]; i++) {
			if (i > 0)
				strcat(joined, "|");
			strcat(joined, annotations[i]);
		}
		r = add_annotation_pattern(d, ".*", joined, p, err);
		if (r < 0)
			return r;
	}

	d->any_of = true;
	return get_bool(field(root, "hasbindmounts", true), p, "hasbindmounts", &d->has_bind_mounts,
			err);
}

static int parse_definition(const char *file, struct json_object *root, struct definition *d,
			    struct lxcri_error *err)
{
	struct place p = { .file = file, .where = "" };
	struct json_object *v = field(root, "version", true);
	const char *version = "";
	char buf[ESCAPE_BUFSIZE];
	struct stat st;
	int r;

	if (v && (r = get_string(v, &p, "version", &version, err)) < 0)
		return r;
	if (strcmp(version, "1.0.0") == 0)
		r = parse_current(root, &p, d, err);
	else if (strcmp(version, "0.1.0") == 0 || !*version)
		r = parse_legacy(root, &p, d, err);
	else
		return place_error(err, &p, "unknown hook version '%s' (expected 1.0.0 or 0.1.0)",
				   escape_for_message(version, buf, sizeof(buf)));
	if (r < 0)
		return r;
	if (d->always < 0 && d->has_bind_mounts < 0 && d->n_annotations == 0 && d->n_commands == 0)
		return place_error(err, &p, "%s: the hook would never be injected",
				   d->any_of ? "none of 'cmds', 'annotations', 'hasbindmounts'"
					     : "no condition in 'when'");
	/* As podman: a hook that is not there is refused when it is loaded. */
	if (stat(d->hook.path, &st) < 0)
		return place_error(err, &p, "hook '%s': %s",
				   escape_for_message(d->hook.path, buf, sizeof(buf)),
				   strerror(errno));
	return 0;
}

/* Appends text to *why, joined with " and ". */
static int why_add(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int why_add(char **why, const char *fmt, ...)
{
	_cleanup_free_ char *part = NULL;
	char *joined;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&part, fmt, ap);
	va_end(ap);
	if (r < 0) {
		part = NULL;
		return -ENOMEM;
	}
	if (!*why) {
		*why = TAKE_PTR(part);
		return 0;
	}
	if (asprintf(&joined, "%s and %s", *why, part) < 0)
		return -ENOMEM;
	free(*why);
	*why = joined;
	return 0;
}

/* 1 if some "key=value" of annotations matches the pattern pair (said in *why), 0 if none. */
static int annotations_match(const struct pattern pair[2], const char *const *annotations,
			     char **why)
{
	char b1[ESCAPE_BUFSIZE], b2[ESCAPE_BUFSIZE], b3[ESCAPE_BUFSIZE];

	for (size_t i = 0; annotations && annotations[i]; i++) {
		const char *a = annotations[i], *eq = strchr(a, '=');
		_cleanup_free_ char *key = strndup(a, eq ? (size_t)(eq - a) : strlen(a));
		int r;

		if (!key)
			return -ENOMEM;
		if (!pattern_matches(&pair[0], key) || !pattern_matches(&pair[1], eq ? eq + 1 : ""))
			continue;
		r = why_add(why, "annotation '%s' matches {'%s': '%s'}",
			    escape_for_message(a, b1, sizeof(b1)),
			    escape_for_message(pair[0].text, b2, sizeof(b2)),
			    escape_for_message(pair[1].text, b3, sizeof(b3)));
		return r < 0 ? r : 1;
	}
	return 0;
}

/* 1 if command matches one of the patterns (said in *why), 0 if not. */
static int command_matches(const struct definition *d, const char *command, char **why)
{
	char b1[ESCAPE_BUFSIZE], b2[ESCAPE_BUFSIZE];

	for (size_t i = 0; command && i < d->n_commands; i++) {
		int r;

		if (!pattern_matches(&d->commands[i], command))
			continue;
		r = why_add(why, "command '%s' matches '%s'",
			    escape_for_message(command, b1, sizeof(b1)),
			    escape_for_message(d->commands[i].text, b2, sizeof(b2)));
		return r < 0 ? r : 1;
	}
	return 0;
}

static int condition_simple(bool matched, const char *name, char **why)
{
	int r = matched ? why_add(why, "%s", name) : 0;

	return r < 0 ? r : matched;
}

#define GO_ON 2

/* After one condition that is set: 1 matches, 0 does not, GO_ON to the next one. */
static int condition_verdict(int matched, bool any_of)
{
	if (matched < 0)
		return matched;
	if (matched)
		return any_of ? 1 : GO_ON;
	return any_of ? GO_ON : 0;
}

/*
 * podman's When.Match, in its order: with any_of, the first condition that
 * matches is enough; otherwise every condition that is set must match.
 * Returns 1 with *ret_why, 0, or -ENOMEM.
 */
static int definition_match(const struct definition *d, const struct ocihooks_match *m,
			    char **ret_why)
{
	_cleanup_free_ char *why = NULL;
	int r = GO_ON;

	if (d->always >= 0)
		r = condition_verdict(condition_simple(d->always == 1, "always", &why), d->any_of);
	if (r == GO_ON && d->has_bind_mounts >= 0)
		r = condition_verdict(
		    condition_simple(d->has_bind_mounts == 1 && m->has_bind_mounts, "hasBindMounts",
				     &why),
		    d->any_of);
	for (size_t i = 0; r == GO_ON && i < d->n_annotations; i++)
		r = condition_verdict(annotations_match(d->annotations[i], m->annotations, &why),
				      d->any_of);
	if (r == GO_ON && d->n_commands > 0)
		r = condition_verdict(command_matches(d, m->command, &why), d->any_of);
	/* Past every condition: all matched (all-of), or none did (any-of). */
	if (r == GO_ON)
		r = !d->any_of;
	if (r == 1)
		*ret_why = TAKE_PTR(why);
	return r;
}

int ocihooks_add_file(const char *path, const char *text, size_t size,
		      const struct ocihooks_match *m, struct oci_hooks *io, struct lxcri_error *err)
{
	_cleanup_(definition_done) struct definition d = { .always = -1, .has_bind_mounts = -1 };
	_cleanup_ocihooks_ struct oci_hooks found = { 0 };
	_cleanup_json_ struct json_object *root = NULL;
	static const struct ocihooks_match nothing = { 0 };
	size_t blank = 0;
	int r;

	/* A blank file defines nothing: it only masks its namesakes. */
	while (blank < size && text[blank] && strchr(" \t\r\n", text[blank]))
		blank++;
	if (blank == size)
		return 0;
	r = parse_json(path, "a hook definition", text, size, &root, err);
	if (r < 0)
		return r;
	r = parse_definition(path, root, &d, err);
	if (r < 0)
		return r;
	/* Its only failure is ENOMEM. */
	r = definition_match(&d, m ? m : &nothing, &d.hook.why);
	if (r <= 0)
		return r < 0 ? error_oom(err) : 0;
	if (!(d.hook.source = strdup(path)))
		return error_oom(err);
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		struct oci_hook copy;

		if (!d.stages[s])
			continue;
		r = oci_hook_copy(&d.hook, &copy);
		if (r < 0)
			return error_oom(err);
		r = hooks_append(&found, s, &copy);
		if (r < 0) {
			ocihooks_hook_done(&copy);
			return error_oom(err);
		}
	}
	r = hooks_move(io, &found);
	return r < 0 ? error_oom(err) : 1;
}

struct hook_file {
	char *name;
	char *path;
};

static void hook_files_free(struct hook_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].path);
	}
	free(files);
}

static int hook_file_compare(const void *a, const void *b)
{
	const struct hook_file *x = a, *y = b;
	int r = strcasecmp(x->name, y->name);

	return r ? r : strcmp(x->name, y->name);
}

static bool is_json_name(const char *name)
{
	size_t n = strlen(name);
	return n >= 5 && strcmp(name + n - 5, ".json") == 0;
}

/*
 * Adds the *.json files of dir to files, replacing those of the same name.
 * A directory that root alone cannot change refuses them all (-EPERM, err
 * naming it): its files decide what runs as root.
 */
static int scan_dir(const char *dir, struct hook_file **files, size_t *n, char ***warnings,
		    struct lxcri_error *err)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	char *w;
	int r = trust_check(dir, err);

	if (r == -ENOENT)
		return 0;
	if (r == -EPERM)
		return error_set(err, r, "Refusing the hooks of '%s': %s", dir, err->message);
	d = opendir(dir);
	if (!d && errno == ENOENT)
		return 0;
	if (!d) {
		if (asprintf(&w, "Failed to open hooks directory '%s': %m", dir) < 0)
			return error_oom(err);
		return strv_append(warnings, NULL, w);
	}
	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *name = NULL;
		struct hook_file *grown;
		size_t i;

		if (!is_json_name(de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			path = NULL;
			return error_oom(err);
		}
		for (i = 0; i < *n && strcmp((*files)[i].name, de->d_name) != 0; i++)
			;
		if (i < *n) {
			free((*files)[i].path);
			(*files)[i].path = TAKE_PTR(path);
			continue;
		}
		grown = reallocarray(*files, *n + 1, sizeof(**files));
		if (!grown || !(name = strdup(de->d_name))) {
			if (grown)
				*files = grown;
			return error_oom(err);
		}
		*files = grown;
		grown[(*n)++] =
		    (struct hook_file){ .name = TAKE_PTR(name), .path = TAKE_PTR(path) };
	}
	if (errno) {
		if (asprintf(&w, "Failed to read hooks directory '%s': %m", dir) < 0)
			return error_oom(err);
		return strv_append(warnings, NULL, w);
	}
	return 0;
}

/*
 * One file: 0 (also when skipped with a warning), -ENOMEM, or -EPERM (err
 * set) for a file that root alone cannot change.
 */
static int load_file(const char *path, const struct ocihooks_match *m, struct oci_hooks *found,
		     struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct lxcri_error e = { 0 };
	size_t size = 0;
	struct stat st = { 0 };
	char *w = NULL;
	int r;

	/* Gone, or a dangling symlink: podman passes over it too. */
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
		return 0; /* a symlink to /dev/null: masked */
	r = trust_check(path, err);
	if (r == -EPERM)
		return error_set(err, r, "Refusing hooks file '%s': %s", path, err->message);
	r = fileio_read_file(path, OCIHOOKS_FILE_MAX_SIZE, &data, &size);
	if (r == -ENOENT)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r == -EFBIG)
		r = asprintf(&w, "%s: larger than the %d bytes allowed", path,
			     OCIHOOKS_FILE_MAX_SIZE);
	else if (r == -EINVAL)
		r = asprintf(&w, "%s: not a regular file", path);
	else if (r < 0)
		r = asprintf(&w, "Failed to read '%s': %s", path, strerror(-r));
	else {
		r = ocihooks_add_file(path, data, size, m, found, &e);
		if (r == -EINVAL)
			r = (w = strdup(e.message)) ? 0 : -ENOMEM;
		else if (r < 0)
			return r;
	}
	if (r < 0)
		return error_oom(err);
	return w ? strv_append(&found->warnings, NULL, w) : 0;
}

int ocihooks_load_dirs(const char *const *dirs, const struct ocihooks_match *m,
		       struct oci_hooks *io, struct lxcri_error *err)
{
	_cleanup_ocihooks_ struct oci_hooks found = { 0 };
	struct hook_file *files = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; dirs && dirs[i] && r >= 0; i++)
		r = scan_dir(dirs[i], &files, &n, &found.warnings, err);
	if (r >= 0 && n > 1)
		qsort(files, n, sizeof(*files), hook_file_compare);
	for (size_t i = 0; i < n && r >= 0; i++)
		r = load_file(files[i].path, m, &found, err);
	hook_files_free(files, n);
	if (r == -EPERM)
		return r;
	if (r >= 0)
		r = hooks_move(io, &found);
	if (r < 0)
		return error_set_errno(err, r, "Failed to load OCI hooks");
	return 0;
}

/* "key=value" pairs as a JSON object; the value "" without '='. */
static int annotations_object(const char *const *annotations, struct json_object **ret)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; annotations && annotations[i]; i++) {
		const char *eq = strchr(annotations[i], '=');
		_cleanup_free_ char *key = strndup(
		    annotations[i], eq ? (size_t)(eq - annotations[i]) : strlen(annotations[i]));

		if (!key || json_add_string(o, key, eq ? eq + 1 : "") < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(o);
	return 0;
}

static int to_string(struct json_object *o, char **ret)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s || !(*ret = strdup(s)))
		return -ENOMEM;
	return 0;
}

int ocihooks_state_json(enum oci_stage stage, const char *id, const char *status, pid_t pid,
			const char *bundle, const char *const *annotations, char **ret)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *a = NULL, *v;

	if ((unsigned)stage >= OCI_STAGE_COUNT || !id || pid < 0)
		return -EINVAL;
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	if (json_add_string(o, "ociVersion", OCIHOOKS_OCI_VERSION) < 0 ||
	    json_add_string(o, "id", id) < 0 ||
	    json_add_string(o, "status", status ? status : stage_status[stage]) < 0)
		return -ENOMEM;
	if (pid > 0 && (!(v = json_object_new_int(pid)) || json_add(o, "pid", v) < 0))
		return -ENOMEM;
	if (bundle && json_add_string(o, "bundle", bundle) < 0)
		return -ENOMEM;
	if (annotations_object(annotations, &a) < 0 || json_add(o, "annotations", a) < 0)
		return -ENOMEM;
	return to_string(o, ret);
}

static struct json_object *strv_to_json(char *const *l)
{
	struct json_object *a;

	if (!l)
		return NULL;
	if (!(a = json_object_new_array()))
		return NULL;
	for (size_t i = 0; l[i]; i++) {
		struct json_object *s = json_object_new_string(l[i]);

		if (!s || json_object_array_add(a, s) < 0) {
			json_object_put(s);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

/* key: l as an array of strings; l NULL: null. */
static int add_strv(struct json_object *o, const char *key, char *const *l)
{
	struct json_object *v = strv_to_json(l);

	if (l && !v)
		return -ENOMEM;
	return json_add(o, key, v);
}

static int hook_to_json(const struct oci_hook *h, struct json_object **ret)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *timeout = NULL;

	if (!o)
		return -ENOMEM;
	if (h->timeout_s > 0 && !(timeout = json_object_new_int(h->timeout_s)))
		return -ENOMEM;
	if (json_add_string(o, "path", h->path) < 0 || add_strv(o, "args", h->args) < 0 ||
	    add_strv(o, "env", h->env) < 0 || json_add(o, "timeout", timeout) < 0 ||
	    json_add_string(o, "source", h->source) < 0 || json_add_string(o, "why", h->why) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

int ocihooks_to_json(const struct oci_hooks *h, struct json_object **ret)
{
	static char *const none[] = { NULL };
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *stages = NULL;

	if (!o || !(stages = json_object_new_object()) || json_add(o, "stages", stages) < 0)
		return -ENOMEM;
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		struct json_object *list = json_object_new_array();

		if (!list || json_add(stages, stage_names[s], list) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < h->n[s]; i++) {
			struct json_object *hook;

			if (hook_to_json(&h->by_stage[s][i], &hook) < 0)
				return -ENOMEM;
			if (json_object_array_add(list, hook) < 0) {
				json_object_put(hook);
				return -ENOMEM;
			}
		}
	}
	if (add_strv(o, "warnings", h->warnings ? h->warnings : none) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
