/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a feature area's keys give config.c, and what config.c gives them.
 * An area (net.c, port.c, lsm.c, hooks.c, image.c) exports one table of key types,
 * ended by one without a name; each key type carries its parse, format,
 * equal and free. Adding a key is one entry and its functions, in its
 * area's file. Only lib/config includes this.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/basic/ip.h"
#include "lib/config/config.h"
#include "lib/config/reader.h"

struct config_parser {
	struct reader rd;
	struct config *c;
	const char *key; /* the current key, for messages */
	/*
	 * The line each key was seen on, 0 if not yet: one slot per possible key
	 * (a key type's count, or 1 without an index).
	 */
	unsigned *seen;
};

struct config_key_type {
	const char *name;
	unsigned count;	     /* name0 .. name<count-1>; 0: a key without index */
	const char *feature; /* config_key_feature(): the `lxcri` feature it belongs to */
	/* One key's value into p->c (index 0 for a key without one); -errno, message set. */
	int (*parse)(struct config_parser *p, unsigned index, char *value);
	/* After the whole file (may be NULL): checks across keys, the index order. */
	int (*finish)(struct config_parser *p);
	/* Every key of the type that c holds, in index order; -EINVAL if a value cannot be written.
	 */
	int (*format)(FILE *f, const struct config *c);
	bool (*equal)(const struct config *a, const struct config *b);
	void (*free)(struct config *c); /* may be NULL: nothing allocated */
};

/* The areas' tables, in the canonical order of config_format(). */
extern const struct config_key_type net_keys[];
extern const struct config_key_type port_keys[];
extern const struct config_key_type lsm_keys[];
extern const struct config_key_type hooks_keys[];
extern const struct config_key_type image_keys[];

/* Parsing: each sets the error "<file>:<line>: ..." and returns the -errno. */
int config_fail(struct config_parser *p, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int config_fail_oom(struct config_parser *p);
/* "Invalid value '<value>' for '<property>' in '<key>': <why>" (property NULL: the key's value) */
int config_invalid(struct config_parser *p, const char *property, const char *value,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int config_missing(struct config_parser *p, const char *what);
/* Splits a property string in place; the message names the key and the property. */
int config_split_properties(struct config_parser *p, char *value, const char *const names[],
			    char *ret_values[]);
/* Splits a ';' list into a NULL-terminated array of pointers into value; the count. */
int config_split_list(struct config_parser *p, const char *property, char *value, char ***ret);
/* A deep copy of items. */
int config_copy_items(struct config_parser *p, char **items, char ***ret);
/* "IPv4" or "IPv6". */
const char *config_family_name(int family);
/* An address of family (AF_UNSPEC: either), neither unspecified nor multicast. */
int config_parse_address(struct config_parser *p, const char *property, const char *value,
			 int family, struct ip_address *ret);
int config_parse_ifname(struct config_parser *p, const char *property, const char *value,
			bool allow_lo);
int config_parse_path(struct config_parser *p, const char *property, const char *value);
/* Sorts n records of size bytes, each starting with its unsigned index, by index. */
void config_sort_by_index(void *array, size_t n, size_t size);

/* Appends item to array (of n records), growing it by one; a statement expression for the types. */
#define CONFIG_APPEND(p, array, n, item)                                                           \
	({                                                                                         \
		__typeof__(array) _grown = reallocarray((array), (n) + 1, sizeof(*(array)));       \
		int _r = 0;                                                                        \
                                                                                                   \
		if (_grown) {                                                                      \
			(array) = _grown;                                                          \
			(array)[(n)++] = (item);                                                   \
		} else {                                                                           \
			_r = config_fail_oom(p);                                                   \
		}                                                                                  \
		_r;                                                                                \
	})

/* Formatting. */
const char *config_addr_to_string(const struct ip_address *a, char buf[INET6_ADDRSTRLEN]);
/* Whether s can stand as a value: no control characters, no blanks at either end. */
bool config_fits_value(const char *s);
/* ... and inside a property string, where ',' separates properties. */
bool config_fits_property(const char *s);
/* ... and as an element of a list, where ';' separates elements. */
bool config_strv_fits_property(char **v);
/*
 * Indexes 0..n-1 of array (records of size bytes, each starting with its
 * index) in index order: a config built by a caller need not be sorted.
 * NULL: out of memory.
 */
size_t *config_index_order(const void *array, size_t n, size_t size);
/* ",<name>=a;b;c" (no ',' if *first), and *first = false. */
void config_write_strv(FILE *f, const char *name, char **v, bool *first);

/* Comparing: NULL equals only NULL. */
bool config_str_equal(const char *a, const char *b);
bool config_strv_equal(char **a, char **b);
