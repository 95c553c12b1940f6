/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/config/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/parse.h"
#include "lib/basic/ip.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"
#include "lib/config/keys.h"

/* Every indexed record starts with its index: the formatter sorts by it. */
_Static_assert(offsetof(struct config_net, index) == 0, "index first");
_Static_assert(offsetof(struct config_route, index) == 0, "index first");
_Static_assert(offsetof(struct config_port, index) == 0, "index first");
_Static_assert(offsetof(struct config_annotation, index) == 0, "index first");

/* The areas, in the canonical order of config_format(). */
static const struct config_key_type *const areas[] = { net_keys, port_keys, lsm_keys, hooks_keys,
						       image_keys };

/* Every key type; a break leaves only the current area: return or test instead. */
#define FOREACH_KEY_TYPE(t)                                                                        \
	for (size_t _area = 0; _area < ELEMENTSOF(areas); _area++)                                 \
		for (const struct config_key_type *t = areas[_area]; t->name; t++)

/* For the key types' parse functions */

int config_fail(struct config_parser *p, int r, const char *fmt, ...)
{
	char message[sizeof(((struct lxcri_error *)NULL)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return reader_fail(&p->rd, r, "%s", message);
}

int config_fail_oom(struct config_parser *p)
{
	return config_fail(p, -ENOMEM, "Out of memory");
}

int config_invalid(struct config_parser *p, const char *property, const char *value,
		   const char *fmt, ...)
{
	char why[512], q[ESCAPE_BUFSIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	escape_for_message(value, q, sizeof(q));
	if (property)
		return config_fail(p, -EINVAL, "Invalid value '%s' for '%s' in '%s': %s", q,
				   property, p->key, why);
	return config_fail(p, -EINVAL, "Invalid value '%s' for '%s': %s", q, p->key, why);
}

int config_missing(struct config_parser *p, const char *what)
{
	return config_fail(p, -EINVAL, "Missing property %s in '%s'", what, p->key);
}

/* Splits a property string; the message names the key and the property. */
int config_split_properties(struct config_parser *p, char *value, const char *const names[],
			    char *ret_values[])
{
	_cleanup_free_ char *whole = strdup(value);
	struct property_failure f;
	char q[ESCAPE_BUFSIZE], qw[ESCAPE_BUFSIZE];

	if (!whole)
		return config_fail_oom(p);
	if (parse_properties(value, names, ret_values, &f) >= 0)
		return 0;
	escape_for_message(f.item, q, sizeof(q));
	switch (f.problem) {
	case PROPERTY_EMPTY:
		return config_fail(p, -EINVAL, "Empty property in '%s': '%s' has a stray ','",
				   p->key, escape_for_message(whole, qw, sizeof(qw)));
	case PROPERTY_NO_EQUALS:
		return config_fail(p, -EINVAL,
				   "Missing '=' in property '%s' in '%s': expected <name>=<value>",
				   q, p->key);
	case PROPERTY_EMPTY_NAME:
		return config_fail(p, -EINVAL, "Missing property name in '%s' in '%s'", q, p->key);
	case PROPERTY_UNKNOWN:
		return config_fail(p, -EINVAL, "Unknown property '%s' in '%s'", q, p->key);
	case PROPERTY_DUPLICATE:
		return config_fail(p, -EINVAL, "Duplicate property '%s' in '%s'", q, p->key);
	case PROPERTY_EMPTY_VALUE:
		return config_fail(p, -EINVAL, "Empty value for '%s' in '%s'", q, p->key);
	}
	return config_fail(p, -EINVAL, "Invalid property string in '%s'", p->key);
}

/* Splits a ';' list into a NULL-terminated array of pointers into value. */
int config_split_list(struct config_parser *p, const char *property, char *value, char ***ret)
{
	_cleanup_free_ char *whole = strdup(value);
	int r;

	if (!whole)
		return config_fail_oom(p);
	r = parse_list(value, ret);
	if (r == -ENOMEM)
		return config_fail_oom(p);
	if (r < 0)
		return config_invalid(p, property, whole, "an element of the ';' list is empty");
	return r;
}

/* A deep copy of items; -ENOMEM said as such. */
int config_copy_items(struct config_parser *p, char **items, char ***ret)
{
	return strv_copy(items, ret) < 0 ? config_fail_oom(p) : 0;
}

const char *config_family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

int config_parse_address(struct config_parser *p, const char *property, const char *value,
			 int family, struct ip_address *ret)
{
	struct ip_address a;
	int r;

	r = ip_address_parse(value, family, &a);
	if (r == -EAFNOSUPPORT)
		return config_invalid(p, property, value, "expected an %s address, not %s",
				      config_family_name(family),
				      config_family_name(family == AF_INET ? AF_INET6 : AF_INET));
	if (r < 0)
		return config_invalid(p, property, value, "expected %s",
				      family == AF_INET	   ? "an IPv4 address like '192.0.2.1'"
				      : family == AF_INET6 ? "an IPv6 address like '2001:db8::1'"
							   : "an IPv4 or IPv6 address");
	if (ip_address_is_unspecified(&a))
		return config_invalid(p, property, value,
				      "the unspecified address is not allowed here");
	if (ip_address_is_multicast(&a))
		return config_invalid(p, property, value,
				      "a multicast address is not allowed here");
	*ret = a;
	return 0;
}

int config_parse_ifname(struct config_parser *p, const char *property, const char *value,
			bool allow_lo)
{
	if (!valid_ifname(value))
		return config_invalid(
		    p, property, value,
		    "expected an interface name of 1 to 15 characters from A-Z a-z 0-9 "
		    "_ . - (not '.' or '..')");
	if (!allow_lo && strcmp(value, "lo") == 0)
		return config_invalid(p, property, value,
				      "the loopback interface cannot be used here");
	return 0;
}

int config_parse_path(struct config_parser *p, const char *property, const char *value)
{
	if (!valid_absolute_path(value))
		return config_invalid(
		    p, property, value,
		    "expected an absolute path (starting with '/', no '..' component, no "
		    "control characters, shorter than %d bytes)",
		    PATH_MAX);
	/* A blank there is almost always a typo, and one at the end of a line is trimmed. */
	if (reader_is_blank(value[strlen(value) - 1]))
		return config_invalid(p, property, value, "a path must not end with a blank");
	return 0;
}

static int compare_index(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

void config_sort_by_index(void *array, size_t n, size_t size)
{
	if (n)
		qsort(array, n, size, compare_index);
}

/* For the key types' format and equal functions */

const char *config_addr_to_string(const struct ip_address *a, char buf[INET6_ADDRSTRLEN])
{
	if (ip_address_to_string(a, buf, INET6_ADDRSTRLEN) < 0)
		strcpy(buf, "?");
	return buf;
}

/* Whether s can stand as a value: no control characters, no blanks at either end. */
bool config_fits_value(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || reader_is_blank(s[0]) || reader_is_blank(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* ... and inside a property string, where ',' separates properties. */
bool config_fits_property(const char *s)
{
	return config_fits_value(s) && !strchr(s, ',');
}

/* ... and as an element of a list, where ';' separates elements. */
bool config_strv_fits_property(char **v)
{
	if (!v || !*v)
		return false;
	STRV_FOREACH (s, v)
		if (!config_fits_property(*s) || strchr(*s, ';'))
			return false;
	return true;
}

/* Indexes 0..n-1 of array (records of size bytes, each starting with its index) in index order. */
size_t *config_index_order(const void *array, size_t n, size_t size)
{
	size_t *order = calloc(n ? n : 1, sizeof(*order));

	if (!order)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	/* Insertion sort: the parser's output is sorted already. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			unsigned a = *(const unsigned *)((const char *)array + order[j - 1] * size);
			unsigned b = *(const unsigned *)((const char *)array + order[j] * size);
			size_t t;

			if (a <= b)
				break;
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	return order;
}

void config_write_strv(FILE *f, const char *name, char **v, bool *first)
{
	fprintf(f, "%s%s=", *first ? "" : ",", name);
	*first = false;
	STRV_FOREACH (s, v)
		fprintf(f, "%s%s", s == v ? "" : ";", *s);
}

bool config_str_equal(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool config_strv_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

/* Reading */

/* The number of possible keys: the slots of parser.seen. */
static size_t key_slots(void)
{
	size_t n = 0;

	FOREACH_KEY_TYPE(t)
	n += t->count ? t->count : 1;
	return n;
}

/*
 * 0 with the type, index and slot (an index into parser.seen) of key;
 * -ENOENT if no such key; -ERANGE if a key with an index has a bad one.
 */
static int key_lookup(const char *key, const struct config_key_type **ret_type, unsigned *ret_index,
		      unsigned *ret_slot)
{
	unsigned slot = 0;

	FOREACH_KEY_TYPE(t)
	{
		size_t n = strlen(t->name);
		uint32_t index = 0;

		if (t->count == 0 && strcmp(key, t->name) == 0)
			goto found;
		if (t->count && strncmp(key, t->name, n) == 0 && key[n] == '\0') {
			*ret_type = t;
			return -ERANGE;
		}
		if (t->count && strncmp(key, t->name, n) == 0 && key[n] >= '0' && key[n] <= '9' &&
		    strspn(key + n, "0123456789") == strlen(key + n)) {
			*ret_type = t;
			if (parse_uint32(key + n, 0, t->count - 1, &index) < 0)
				return -ERANGE;
			goto found;
		}
		slot += t->count ? t->count : 1;
		continue;
	found:
		*ret_type = t;
		*ret_index = index;
		*ret_slot = slot + index;
		return 0;
	}
	return -ENOENT;
}

const char *config_key_feature(const char *key)
{
	const struct config_key_type *t;
	unsigned index, slot;

	if (!key || key_lookup(key, &t, &index, &slot) < 0)
		return NULL;
	return t->feature;
}

static int parse_entry(struct config_parser *p, const char *key, char *value)
{
	struct config_entry entry = { .line = p->rd.line };
	const struct config_key_type *t;
	unsigned index, slot;
	char q[ESCAPE_BUFSIZE];
	int r;

	r = key_lookup(key, &t, &index, &slot);
	if (r == -ENOENT)
		return config_fail(p, -EINVAL, "Unknown key '%s'",
				   escape_for_message(key, q, sizeof(q)));
	if (r < 0)
		return config_fail(
		    p, -EINVAL, "Invalid key '%s': expected '%s0' to '%s%u' (no leading zeros)",
		    escape_for_message(key, q, sizeof(q)), t->name, t->name, t->count - 1);
	if (p->seen[slot])
		return config_fail(p, -EINVAL, "Duplicate key: '%s' is already set on line %u", key,
				   p->seen[slot]);
	p->seen[slot] = p->rd.line;

	p->key = key;
	r = t->parse(p, index, value);
	if (r < 0)
		return r;

	/* Keys that pass key_lookup() are at most "annotation255". */
	snprintf(entry.key, sizeof(entry.key), "%s", key);
	return CONFIG_APPEND(p, p->c->entries, p->c->n_entries, entry);
}

int config_parse(const char *name, const char *data, size_t size, struct config **ret,
		 struct lxcri_error *err)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_free_ struct config_parser *p = NULL;
	_cleanup_free_ unsigned *seen = calloc(key_slots(), sizeof(*seen));
	int r;

	p = calloc(1, sizeof(*p));
	if (!p || !seen)
		return error_set(err, -ENOMEM, "%s: Out of memory", name ? name : "(config)");
	p->seen = seen;
	r = reader_init(&p->rd, name, data, size, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(p->rd.name)))
		return error_set(err, -ENOMEM, "%s: Out of memory", p->rd.name);
	p->c = c;

	for (;;) {
		_cleanup_free_ char *line = NULL;
		char *key, *value;

		r = reader_next(&p->rd, &line, &key, &value);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		r = parse_entry(p, key, value);
		if (r < 0)
			return r;
	}

	/* The file's order is in entries; the model is in index order. */
	FOREACH_KEY_TYPE(t)
	{
		r = t->finish ? t->finish(p) : 0;
		if (r < 0)
			return r;
	}

	*ret = TAKE_PTR(c);
	return 0;
}

int config_too_large(const char *name, size_t size, struct lxcri_error *err)
{
	return error_set(err, -EFBIG, "%s: File is larger than 1 MiB (%zu bytes, at most %d)", name,
			 size, CONFIG_MAX_SIZE);
}

int config_read(const char *path, char **ret_data, size_t *ret_size, struct lxcri_error *err)
{
	struct stat st;
	int r = fileio_read_file(path, CONFIG_MAX_SIZE, ret_data, ret_size);

	if (r >= 0)
		return 0;
	/* What it says it holds, if more than the bytes read before we stopped. */
	if (r == -EFBIG)
		return config_too_large(path,
					stat(path, &st) == 0 && st.st_size > CONFIG_MAX_SIZE
					    ? (size_t)st.st_size
					    : CONFIG_MAX_SIZE + 1,
					err);
	if (r == -EINVAL)
		return error_set(err,
				 stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
				 "Failed to read '%s': not a regular file", path);
	if (r == -ENOMEM)
		return error_set(err, r, "Failed to read '%s': out of memory", path);
	return error_set_errno(err, r, "Failed to open '%s'", path);
}

int config_load(const char *path, struct config **ret, struct lxcri_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = config_read(path, &data, &size, err);
	if (r < 0)
		return r;
	return config_parse(path, data, size, ret, err);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	FOREACH_KEY_TYPE(t)
	if (t->free)
		t->free(c);
	free(c->entries);
	free(c);
}

/* Writing and comparing */

int config_format(const struct config *c, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f;
	int r = 0;

	if (!c || !ret)
		return -EINVAL;
	f = open_memstream(&text, &size);
	if (!f)
		return -errno;
	FOREACH_KEY_TYPE(t)
	if (r >= 0)
		r = t->format(f, c);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}

bool config_equal(const struct config *a, const struct config *b)
{
	if (!a || !b)
		return a == b;
	FOREACH_KEY_TYPE(t)
	if (!t->equal(a, b))
		return false;
	return true;
}
