/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/shared/state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "lib/basic/paths.h"

static const char *const phase_names[] = { "starting", "running", "stopping", "stopped",
					   "refused" };
static const char *const status_names[] = {
	[STATE_ITEM_PENDING] = "pending", [STATE_ITEM_APPLIED] = "applied"
};

bool state_phase_valid(const char *phase)
{
	for (size_t i = 0; phase && i < ELEMENTSOF(phase_names); i++)
		if (strcmp(phase, phase_names[i]) == 0)
			return true;
	return false;
}

const char *state_item_status_to_string(enum state_item_status status)
{
	if ((unsigned)status >= ELEMENTSOF(status_names))
		return NULL;
	return status_names[status];
}

int64_t state_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void state_item_done(struct state_item *item)
{
	free(item->kind);
	free(item->hook);
	if (item->data)
		json_object_put(item->data);
	*item = (struct state_item){ 0 };
}

void state_free(struct state *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->phase);
	free(s->hook);
	free(s->config_path);
	for (size_t i = 0; i < s->n_items; i++)
		state_item_done(&s->items[i]);
	free(s->items);
	free(s->error_hook);
	free(s->error_message);
	free(s);
}

int state_set_string(char **field, const char *value)
{
	char *copy = NULL;

	if (value) {
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

int state_new(const char *id, struct state **ret)
{
	_cleanup_state_ struct state *s = NULL;

	if (!paths_id_valid(id))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->id = strdup(id);
	s->phase = strdup("starting");
	if (!s->id || !s->phase)
		return -ENOMEM;
	s->started_ms = s->updated_ms = state_now_ms();
	*ret = TAKE_PTR(s);
	return 0;
}

int state_set_phase(struct state *s, const char *phase, const char *hook)
{
	_cleanup_free_ char *new_phase = NULL, *new_hook = NULL;

	if (!state_phase_valid(phase))
		return -EINVAL;
	new_phase = strdup(phase);
	if (!new_phase || (hook && !(new_hook = strdup(hook))))
		return -ENOMEM;
	free(s->phase);
	s->phase = TAKE_PTR(new_phase);
	free(s->hook);
	s->hook = TAKE_PTR(new_hook);
	return 0;
}

int state_item_add(struct state *s, const char *kind, const char *hook, struct json_object *data,
		   size_t *ret_index)
{
	_cleanup_json_ struct json_object *owned = data;
	_cleanup_free_ char *new_kind = NULL, *new_hook = NULL;
	struct state_item *items;

	if (!kind || !*kind || (data && !json_object_is_type(data, json_type_object)))
		return -EINVAL;
	new_kind = strdup(kind);
	if (!new_kind || (hook && !(new_hook = strdup(hook))))
		return -ENOMEM;
	items = reallocarray(s->items, s->n_items + 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	s->items = items;
	items[s->n_items] = (struct state_item){
		.kind = TAKE_PTR(new_kind),
		.status = STATE_ITEM_PENDING,
		.hook = TAKE_PTR(new_hook),
		.time_ms = state_now_ms(),
		.data = TAKE_PTR(owned),
	};
	if (ret_index)
		*ret_index = s->n_items;
	s->n_items++;
	return 0;
}

void state_item_set_applied(struct state *s, size_t index)
{
	if (index < s->n_items)
		s->items[index].status = STATE_ITEM_APPLIED;
}

void state_item_remove(struct state *s, size_t index)
{
	if (index >= s->n_items)
		return;
	state_item_done(&s->items[index]);
	memmove(&s->items[index], &s->items[index + 1],
		(s->n_items - index - 1) * sizeof(s->items[0]));
	s->n_items--;
}

int state_set_error(struct state *s, const char *hook, const char *message)
{
	_cleanup_free_ char *new_hook = NULL, *new_message = NULL;

	if (!message)
		return -EINVAL;
	new_message = strdup(message);
	if (!new_message || (hook && !(new_hook = strdup(hook))))
		return -ENOMEM;
	state_clear_error(s);
	s->has_error = true;
	s->error_hook = TAKE_PTR(new_hook);
	s->error_message = TAKE_PTR(new_message);
	s->error_time_ms = state_now_ms();
	return 0;
}

void state_clear_error(struct state *s)
{
	s->has_error = false;
	free(s->error_hook);
	s->error_hook = NULL;
	free(s->error_message);
	s->error_message = NULL;
	s->error_time_ms = 0;
}

static int invalid_field(char *ret_field, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int invalid_field(char *ret_field, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ret_field, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * What state_parse() would refuse in s, so that state_to_json() never writes
 * a file that cannot be read back. Names the field in ret_field.
 */
static int state_check(const struct state *s, char *ret_field, size_t size)
{
	if (!paths_id_valid(s->id))
		return invalid_field(ret_field, size, "id");
	if (!state_phase_valid(s->phase))
		return invalid_field(ret_field, size, "phase");
	if (s->started_ms < 0)
		return invalid_field(ret_field, size, "started");
	if (s->updated_ms < 0)
		return invalid_field(ret_field, size, "updated");
	for (size_t i = 0; i < s->n_items; i++) {
		const struct state_item *item = &s->items[i];

		if (!item->kind || !*item->kind)
			return invalid_field(ret_field, size, "items[%zu].kind", i);
		if (!state_item_status_to_string(item->status))
			return invalid_field(ret_field, size, "items[%zu].status", i);
		if (item->time_ms < 0)
			return invalid_field(ret_field, size, "items[%zu].time", i);
		if (item->data && !json_object_is_type(item->data, json_type_object))
			return invalid_field(ret_field, size, "items[%zu].data", i);
	}
	if (s->has_error && !s->error_message)
		return invalid_field(ret_field, size, "last_error.message");
	if (s->has_error && s->error_time_ms < 0)
		return invalid_field(ret_field, size, "last_error.time");
	return 0;
}

static int add_int(struct json_object *o, const char *key, int64_t value)
{
	struct json_object *v = json_object_new_int64(value);

	if (!v)
		return -ENOMEM;
	return json_add(o, key, v);
}

static int item_to_json(const struct state_item *item, struct json_object **ret)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	int r;

	if (!o)
		return -ENOMEM;
	if ((r = json_add_string(o, "kind", item->kind)) < 0 ||
	    (r = json_add_string(o, "status", state_item_status_to_string(item->status))) < 0 ||
	    (r = json_add_string(o, "hook", item->hook)) < 0 ||
	    (r = add_int(o, "time", item->time_ms)) < 0 ||
	    (r = json_add(o, "data", item->data ? json_object_get(item->data) : NULL)) < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

int state_to_json(const struct state *s, char **ret)
{
	_cleanup_json_ struct json_object *root = NULL, *items = NULL, *error = NULL;
	char field[64];
	const char *text;
	size_t length;
	char *copy;
	int r;

	r = state_check(s, field, sizeof(field));
	if (r < 0)
		return r;

	root = json_object_new_object();
	items = json_object_new_array();
	if (!root || !items)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_items; i++) {
		struct json_object *item = NULL;

		r = item_to_json(&s->items[i], &item);
		if (r < 0)
			return r;
		if (json_object_array_add(items, item) < 0) {
			json_object_put(item);
			return -ENOMEM;
		}
	}
	if (s->has_error) {
		error = json_object_new_object();
		if (!error)
			return -ENOMEM;
		if ((r = json_add_string(error, "hook", s->error_hook)) < 0 ||
		    (r = add_int(error, "time", s->error_time_ms)) < 0 ||
		    (r = json_add_string(error, "message", s->error_message)) < 0)
			return r;
	}
	/* The order of the header comment: people read these files. */
	if ((r = add_int(root, "version", STATE_VERSION)) < 0 ||
	    (r = json_add_string(root, "id", s->id)) < 0 ||
	    (r = json_add_string(root, "phase", s->phase)) < 0 ||
	    (r = json_add_string(root, "hook", s->hook)) < 0 ||
	    (r = add_int(root, "started", s->started_ms)) < 0 ||
	    (r = add_int(root, "updated", s->updated_ms)) < 0 ||
	    (r = json_add_string(root, "config", s->config_path)) < 0 ||
	    (r = json_add(root, "items", TAKE_PTR(items))) < 0 ||
	    (r = json_add(root, "last_error", TAKE_PTR(error))) < 0)
		return r;

	text = json_object_to_json_string_length(root,
						 JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE,
						 &length);
	if (!text)
		return -ENOMEM;
	copy = malloc(length + 2);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, length);
	copy[length] = '\n';
	copy[length + 1] = '\0';
	*ret = copy;
	return 0;
}

/* Parsing. Every message is "<name>: <what>", and <what> names the field. */

struct parser {
	const char *name;
	struct lxcri_error *err;
};

static int parse_error(const struct parser *p, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parse_error(const struct parser *p, int r, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(p->err, r, "%s: %s", p->name, what);
}

/* A value from the file, fit for a message: at most 64 bytes, control characters as '?'. */
static const char *printable(const char *value, char *buf, size_t size)
{
	size_t n = 0;

	for (; value[n] && n < 64 && n + 4 < size; n++)
		buf[n] = (unsigned char)value[n] < 0x20 || value[n] == 0x7f ? '?' : value[n];
	if (value[n])
		buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
	buf[n] = '\0';
	return buf;
}

static int wrong_type(const struct parser *p, const char *field, const char *expected,
		      struct json_object *v)
{
	return parse_error(p, -EINVAL, "field '%s' must be %s, not %s", field, expected,
			   json_type_phrase(v));
}

static int get_field(const struct parser *p, struct json_object *o, const char *field,
		     const char *key, struct json_object **ret)
{
	if (!json_object_object_get_ex(o, key, ret))
		return parse_error(p, -EINVAL, "field '%s' is missing", field);
	return 0;
}

/* A string field; nullable: JSON null gives NULL. */
static int parse_string(const struct parser *p, struct json_object *o, const char *prefix,
			const char *key, bool nullable, char **ret)
{
	char field[64];
	struct json_object *v;
	const char *str;
	int r;

	snprintf(field, sizeof(field), "%s%s", prefix, key);
	r = get_field(p, o, field, key, &v);
	if (r < 0)
		return r;
	if (!v && nullable) {
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return wrong_type(p, field, nullable ? "a string or null" : "a string", v);
	str = json_object_get_string(v);
	if (strlen(str) != (size_t)json_object_get_string_len(v))
		return parse_error(p, -EINVAL, "field '%s' contains a NUL character", field);
	*ret = strdup(str);
	return *ret ? 0 : -ENOMEM;
}

/* Milliseconds since the epoch: an integer from 0 to INT64_MAX. */
static int parse_time(const struct parser *p, struct json_object *o, const char *prefix,
		      const char *key, int64_t *ret)
{
	char field[64];
	struct json_object *v;
	int64_t t;
	int r;

	snprintf(field, sizeof(field), "%s%s", prefix, key);
	r = get_field(p, o, field, key, &v);
	if (r < 0)
		return r;
	if (!json_object_is_type(v, json_type_int))
		return wrong_type(p, field, "an integer (ms since the epoch)", v);
	t = json_object_get_int64(v);
	/* json-c keeps integers above INT64_MAX as uint64 and clamps them for get_int64. */
	if (t < 0 || (uint64_t)t != json_object_get_uint64(v))
		return parse_error(p, -EINVAL, "field '%s' is out of range: %s", field,
				   json_object_to_json_string(v));
	*ret = t;
	return 0;
}

static int parse_item(const struct parser *p, struct json_object *o, size_t index,
		      struct state_item *item)
{
	_cleanup_free_ char *status = NULL;
	char prefix[40], field[64], buf[72];
	struct json_object *data;
	size_t i;
	int r;

	snprintf(prefix, sizeof(prefix), "items[%zu].", index);
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(field, sizeof(field), "items[%zu]", index);
		return wrong_type(p, field, "an object", o);
	}

	r = parse_string(p, o, prefix, "kind", false, &item->kind);
	if (r < 0)
		return r;
	if (!*item->kind)
		return parse_error(p, -EINVAL, "field '%skind' is empty", prefix);

	r = parse_string(p, o, prefix, "status", false, &status);
	if (r < 0)
		return r;
	for (i = 0; i < ELEMENTSOF(status_names); i++)
		if (strcmp(status, status_names[i]) == 0)
			break;
	if (i == ELEMENTSOF(status_names))
		return parse_error(p, -EINVAL,
				   "field '%sstatus' has unknown value '%s' (expected pending or "
				   "applied)",
				   prefix, printable(status, buf, sizeof(buf)));
	item->status = (enum state_item_status)i;

	r = parse_string(p, o, prefix, "hook", true, &item->hook);
	if (r < 0)
		return r;
	r = parse_time(p, o, prefix, "time", &item->time_ms);
	if (r < 0)
		return r;

	snprintf(field, sizeof(field), "%sdata", prefix);
	r = get_field(p, o, field, "data", &data);
	if (r < 0)
		return r;
	if (data && !json_object_is_type(data, json_type_object))
		return wrong_type(p, field, "an object or null", data);
	item->data = data ? json_object_get(data) : NULL;
	return 0;
}

static int parse_last_error(const struct parser *p, struct json_object *root, struct state *s)
{
	struct json_object *o;
	int r;

	r = get_field(p, root, "last_error", "last_error", &o);
	if (r < 0)
		return r;
	if (!o)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return wrong_type(p, "last_error", "an object or null", o);
	r = parse_string(p, o, "last_error.", "hook", true, &s->error_hook);
	if (r < 0)
		return r;
	r = parse_time(p, o, "last_error.", "time", &s->error_time_ms);
	if (r < 0)
		return r;
	r = parse_string(p, o, "last_error.", "message", false, &s->error_message);
	if (r < 0)
		return r;
	s->has_error = true;
	return 0;
}

static int parse_json(const struct parser *p, const char *json, size_t size,
		      struct json_object **ret)
{
	char why[256];
	int r = json_parse_strict(json, size, ret, why, sizeof(why));

	if (r == -ENODATA)
		return parse_error(p, -EINVAL, "empty, not a state (JSON object)");
	if (r == -EINVAL)
		return parse_error(p, r, "%s", why);
	return r;
}

static int parse_state(const struct parser *p, const char *json, size_t size, struct state **ret)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_state_ struct state *s = NULL;
	struct json_object *v, *items;
	char buf[72];
	size_t n;
	int r;

	if (!json && size > 0)
		return parse_error(p, -EINVAL, "no data");
	if (size > STATE_MAX_SIZE)
		return parse_error(p, -EFBIG, "%zu bytes, more than the %d a state may have", size,
				   STATE_MAX_SIZE);
	r = parse_json(p, json, size, &root);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return parse_error(p, -EINVAL, "the top level must be an object, not %s",
				   json_type_phrase(root));

	r = get_field(p, root, "version", "version", &v);
	if (r < 0)
		return r;
	if (!json_object_is_type(v, json_type_int))
		return wrong_type(p, "version", "an integer", v);
	if (json_object_get_int64(v) != STATE_VERSION ||
	    json_object_get_uint64(v) != (uint64_t)STATE_VERSION)
		return parse_error(p, -EPROTONOSUPPORT,
				   "unsupported state version %s (this lxcri understands %d)",
				   json_object_to_json_string(v), STATE_VERSION);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;

	r = parse_string(p, root, "", "id", false, &s->id);
	if (r < 0)
		return r;
	if (!paths_id_valid(s->id))
		return parse_error(p, -EINVAL,
				   "field 'id' has invalid value '%s' (expected "
				   "[A-Za-z0-9][A-Za-z0-9_.-]{0,63})",
				   printable(s->id, buf, sizeof(buf)));

	r = parse_string(p, root, "", "phase", false, &s->phase);
	if (r < 0)
		return r;
	if (!state_phase_valid(s->phase))
		return parse_error(p, -EINVAL,
				   "field 'phase' has unknown value '%s' (expected starting, "
				   "running, stopping, stopped or refused)",
				   printable(s->phase, buf, sizeof(buf)));

	if ((r = parse_string(p, root, "", "hook", true, &s->hook)) < 0 ||
	    (r = parse_time(p, root, "", "started", &s->started_ms)) < 0 ||
	    (r = parse_time(p, root, "", "updated", &s->updated_ms)) < 0 ||
	    (r = parse_string(p, root, "", "config", true, &s->config_path)) < 0)
		return r;

	r = get_field(p, root, "items", "items", &items);
	if (r < 0)
		return r;
	if (!json_object_is_type(items, json_type_array))
		return wrong_type(p, "items", "an array", items);
	n = json_object_array_length(items);
	if (n > 0) {
		s->items = calloc(n, sizeof(*s->items));
		if (!s->items)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		/* Counted first, so that state_free() frees what a failing item got. */
		s->n_items++;
		r = parse_item(p, json_object_array_get_idx(items, i), i, &s->items[i]);
		if (r < 0)
			return r;
	}

	r = parse_last_error(p, root, s);
	if (r < 0)
		return r;

	/* Other top-level fields are ignored: a newer lxcri may add some. */
	*ret = TAKE_PTR(s);
	return 0;
}

int state_parse(const char *name, const char *json, size_t size, struct state **ret,
		struct lxcri_error *err)
{
	const struct parser p = { .name = name ? name : "state", .err = err };
	int r;

	if (err)
		err->code = 0;
	r = parse_state(&p, json, size, ret);
	/* Failures without a message of their own (-ENOMEM). */
	if (r < 0 && err && err->code != r)
		parse_error(&p, r, "%s", strerror(-r));
	return r;
}

int state_load(const char *dir, struct state **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t size;
	int r;

	if (asprintf(&path, "%s/%s", dir, STATE_FILE) < 0) {
		path = NULL;
		return error_set(err, -ENOMEM, "Failed to read the state in '%s': out of memory",
				 dir);
	}
	r = fileio_read_file(path, STATE_MAX_SIZE, &text, &size);
	if (r == -EFBIG)
		return error_set(err, r, "%s: more than the %d bytes a state may have", path,
				 STATE_MAX_SIZE);
	if (r == -EINVAL)
		return error_set(err, r, "Failed to read '%s': not a regular file", path);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	return state_parse(path, text, size, ret, err);
}

static int state_write(const char *dir, struct state *s, struct lxcri_error *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int64_t old_updated_ms = s->updated_ms;
	char field[64];
	int r;

	if (asprintf(&path, "%s/%s", dir, STATE_FILE) < 0) {
		path = NULL;
		return error_set(err, -ENOMEM, "Failed to write the state in '%s': out of memory",
				 dir);
	}
	s->updated_ms = state_now_ms();
	r = state_check(s, field, sizeof(field));
	if (r < 0)
		error_set(err, r, "Failed to write '%s': field '%s' is invalid", path, field);
	else if ((r = state_to_json(s, &text)) < 0)
		error_set_errno(err, r, "Failed to write '%s'", path);
	else
		r = atomic_write_volatile(path, text, strlen(text), 0600, STATE_MAX_SIZE, err);
	if (r < 0)
		s->updated_ms = old_updated_ms;
	return r;
}

int state_save(const char *dir, struct state *s, struct lxcri_error *err)
{
	struct lxcri_error e = { 0 };
	int r = state_write(dir, s, &e);

	if (r >= 0)
		s->save_error = (struct lxcri_error){ 0 };
	else if (s->save_best_effort)
		s->save_error = e;
	else if (err)
		*err = e;
	return s->save_best_effort ? 0 : r;
}
