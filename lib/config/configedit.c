/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/config/configedit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"

void configedit_result_done(struct configedit_result *r)
{
	if (!r)
		return;
	free(r->text);
	config_free(r->config);
	*r = (struct configedit_result){};
}

const struct config_net *configedit_find_net(const struct config *c, const char *ifname)
{
	for (size_t i = 0; c && ifname && i < c->net.n_nets; i++)
		if (strcmp(c->net.nets[i].name, ifname) == 0)
			return &c->net.nets[i];
	return NULL;
}

const struct config_net *configedit_find_net_index(const struct config *c, unsigned index)
{
	for (size_t i = 0; c && i < c->net.n_nets; i++)
		if (c->net.nets[i].index == index)
			return &c->net.nets[i];
	return NULL;
}

/* The number of lines as the reader counts them: a last line without a line end counts too. */
static unsigned count_lines(const char *text, size_t size)
{
	unsigned n = 0;

	for (size_t i = 0; i < size; i++)
		if (text[i] == '\n')
			n++;
	if (size > 0 && text[size - 1] != '\n')
		n++;
	return n;
}

/* [*ret_start, *ret_end) is line (1-based) with its line end; -ENOENT past the last line. */
static int line_span(const char *text, size_t size, unsigned line, size_t *ret_start,
		     size_t *ret_end)
{
	size_t start = 0;
	const char *nl;

	for (unsigned i = 1; i < line; i++) {
		nl = memchr(text + start, '\n', size - start);
		if (!nl)
			return -ENOENT;
		start = (size_t)(nl - text) + 1;
	}
	if (start >= size)
		return -ENOENT;
	nl = memchr(text + start, '\n', size - start);
	*ret_start = start;
	*ret_end = nl ? (size_t)(nl - text) + 1 : size;
	return 0;
}

static int parse_text(const char *name, const char *text, size_t size, struct config **ret,
		      struct lxcri_error *err)
{
	/* config_parse() wants no NUL-terminated text, but data for a non-zero size. */
	return config_parse(name, size ? text : "", size, ret, err);
}

static int result_set(struct configedit_result *ret, const char *name, char *text, size_t size,
		      unsigned index, unsigned line, struct lxcri_error *err)
{
	_cleanup_free_ char *owned = text;
	struct config *c = NULL;
	int r;

	r = parse_text(name, owned, size, &c, err);
	if (r < 0)
		return r;
	*ret = (struct configedit_result){
		.text = TAKE_PTR(owned),
		.size = size,
		.config = c,
		.index = index,
		.line = line,
	};
	return 0;
}

/* The keys <prefix>0 .. <prefix><max - 1> of a kind: which are used, and on which line. */
struct key_kind {
	const char *prefix; /* "net", "port" */
	unsigned max;
	unsigned *lines; /* [max]: 0 if unused */
};

/* text with the line "<key>: <value>" appended, ending the way its lines end. */
static int line_append(const char *name, const char *text, size_t size, const char *key,
		       const char *what, unsigned index, const char *value,
		       struct configedit_result *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *out = NULL;
	char q[ESCAPE_BUFSIZE];
	const char *eol, *nl;
	bool unterminated, crlf;
	size_t len;
	unsigned line;

	unterminated = size > 0 && text[size - 1] != '\n';
	line = count_lines(text, size) + 1;
	if (!value)
		value = "";
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return error_set(err, -EINVAL,
					 "%s:%u: Invalid value '%s' for '%s': a %s is one line, "
					 "without control characters",
					 name, line, escape_for_message(value, q, sizeof(q)), key,
					 what);

	/* The new line ends the way the text's lines do. */
	nl = size ? memrchr(text, '\n', size) : NULL;
	crlf = nl ? nl > text && nl[-1] == '\r' : size > 0 && text[size - 1] == '\r';
	eol = crlf ? "\r\n" : "\n";

	/* The parsed text is at most CONFIG_MAX_SIZE: only the value can make the sum overflow. */
	len = strlen(value);
	if (len > CONFIG_MAX_SIZE)
		return config_too_large(name, size + len, err);
	out = malloc(size + len + strlen(key) + 8);
	if (!out)
		return error_set(err, -ENOMEM, "%s: Out of memory", name);
	memcpy(out, text, size);
	len = size;
	if (unterminated) {
		/* "...\r" already has the first half of a CRLF. */
		const char *end = text[size - 1] == '\r' ? "\n" : eol;
		memcpy(out + len, end, strlen(end));
		len += strlen(end);
	}
	len += (size_t)sprintf(out + len, "%s: %s%s", key, value, eol);
	return result_set(ret, name, TAKE_PTR(out), len, index, line, err);
}

static int key_add(const char *name, const char *text, size_t size, const struct key_kind *kind,
		   unsigned index, const char *value, struct configedit_result *ret,
		   struct lxcri_error *err)
{
	char key[16];

	if (index == CONFIGEDIT_LOWEST) {
		for (index = 0; index < kind->max && kind->lines[index]; index++)
			;
		if (index == kind->max)
			return error_set(err, -ENOSPC,
					 "%s: All %u %ss are in use (%s0 to %s%u): remove one "
					 "first",
					 name, kind->max, kind->prefix, kind->prefix, kind->prefix,
					 kind->max - 1);
	} else if (index >= kind->max) {
		return error_set(err, -EINVAL, "%s: Invalid key '%s%u': expected '%s0' to '%s%u'",
				 name, kind->prefix, index, kind->prefix, kind->prefix,
				 kind->max - 1);
	} else if (kind->lines[index]) {
		return error_set(err, -EEXIST, "%s:%u: '%s%u' is already set", name,
				 kind->lines[index], kind->prefix, index);
	}
	snprintf(key, sizeof(key), "%s%u", kind->prefix, index);
	return line_append(name, text, size, key, kind->prefix, index, value, ret, err);
}

int configedit_net_add(const char *name, const char *text, size_t size, unsigned index,
		       const char *value, struct configedit_result *ret, struct lxcri_error *err)
{
	_cleanup_config_ struct config *old = NULL;
	unsigned lines[CONFIG_MAX_NET] = { 0 };
	struct key_kind kind = { "net", CONFIG_MAX_NET, lines };
	int r;

	name = name ? name : "(config)";
	r = parse_text(name, text, size, &old, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < old->net.n_nets; i++)
		lines[old->net.nets[i].index] = old->net.nets[i].line;
	return key_add(name, text, size, &kind, index, value, ret, err);
}

int configedit_port_add(const char *name, const char *text, size_t size, unsigned index,
			const char *value, struct configedit_result *ret, struct lxcri_error *err)
{
	_cleanup_config_ struct config *old = NULL;
	_cleanup_free_ unsigned *lines = calloc(CONFIG_MAX_PORT, sizeof(unsigned));
	struct key_kind kind = { "port", CONFIG_MAX_PORT, lines };
	int r;

	name = name ? name : "(config)";
	if (!lines)
		return error_set(err, -ENOMEM, "%s: Out of memory", name);
	r = parse_text(name, text, size, &old, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < old->port.n_ports; i++)
		lines[old->port.ports[i].index] = old->port.ports[i].line;
	return key_add(name, text, size, &kind, index, value, ret, err);
}

/* text without the line of key (which is at line), line end included. */
static int line_remove(const char *name, const char *text, size_t size, unsigned line,
		       unsigned index, const char *key, struct configedit_result *ret,
		       struct lxcri_error *err)
{
	size_t start, end;
	char *out;

	if (line_span(text, size, line, &start, &end) < 0)
		return error_set(err, -EINVAL, "%s:%u: No such line for '%s'", name, line, key);
	out = malloc(size - (end - start) + 1);
	if (!out)
		return error_set(err, -ENOMEM, "%s: Out of memory", name);
	memcpy(out, text, start);
	memcpy(out + start, text + end, size - end);
	out[size - (end - start)] = '\0';
	return result_set(ret, name, out, size - (end - start), index, line, err);
}

/* The names of c's nets, "eth1 (net1), eth2 (net2)", for a message. */
static void net_names(const struct config *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->net.n_nets && len < size; i++) {
		int n = snprintf(buf + len, size - len, "%s'%s' (net%u)", i ? ", " : "",
				 c->net.nets[i].name, c->net.nets[i].index);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int configedit_net_del(const char *name, const char *text, size_t size, const char *ifname,
		       struct configedit_result *ret, struct lxcri_error *err)
{
	_cleanup_config_ struct config *old = NULL;
	const struct config_net *net;
	char q[ESCAPE_BUFSIZE], names[512], key[16];
	int r;

	name = name ? name : "(config)";
	r = parse_text(name, text, size, &old, err);
	if (r < 0)
		return r;
	net = configedit_find_net(old, ifname);
	if (!net) {
		escape_for_message(ifname ? ifname : "", q, sizeof(q));
		if (old->net.n_nets == 0)
			return error_set(err, -ENOENT, "%s: No net is named '%s': there is no net",
					 name, q);
		net_names(old, names, sizeof(names));
		return error_set(err, -ENOENT, "%s: No net is named '%s'; the nets are %s", name, q,
				 names);
	}

	/* What would refer to nothing once the net is gone (a start would refuse it). */
	for (size_t i = 0; i < old->net.n_routes; i++)
		if (strcmp(old->net.routes[i].dev, net->name) == 0)
			return error_set(
			    err, -EBUSY,
			    "%s:%u: 'route%u' uses interface '%s' (dev=%s) of 'net%u': "
			    "change or remove it first",
			    name, old->net.routes[i].line, old->net.routes[i].index, net->name,
			    net->name, net->index);
	for (size_t i = 0; i < old->port.n_ports; i++)
		if (strcmp(old->port.ports[i].net, net->name) == 0)
			return error_set(err, -EBUSY,
					 "%s:%u: 'port%u' uses interface '%s' (net=%s) of 'net%u': "
					 "change or remove it first",
					 name, old->port.ports[i].line, old->port.ports[i].index,
					 net->name, net->name, net->index);

	snprintf(key, sizeof(key), "net%u", net->index);
	return line_remove(name, text, size, net->line, net->index, key, ret, err);
}

const struct config_port *configedit_find_port(const struct config *c, int proto,
					       uint16_t host_port)
{
	for (size_t i = 0; i < c->port.n_ports; i++)
		if (c->port.ports[i].proto == proto && c->port.ports[i].host_first <= host_port &&
		    host_port <= c->port.ports[i].host_last)
			return &c->port.ports[i];
	return NULL;
}

int configedit_port_del(const char *name, const char *text, size_t size, int proto,
			uint16_t host_port, struct configedit_result *ret, struct lxcri_error *err)
{
	_cleanup_config_ struct config *old = NULL;
	const struct config_port *port;
	const char *p = proto == IPPROTO_UDP ? "udp" : "tcp";
	char key[16];
	int r;

	name = name ? name : "(config)";
	r = parse_text(name, text, size, &old, err);
	if (r < 0)
		return r;
	port = configedit_find_port(old, proto, host_port);
	if (!port)
		return error_set(err, -ENOENT, "%s: No port forwards host port '%s %u'", name, p,
				 host_port);
	snprintf(key, sizeof(key), "port%u", port->index);
	return line_remove(name, text, size, port->line, port->index, key, ret, err);
}

static unsigned key_line(const struct config *c, const char *key)
{
	for (size_t i = 0; i < c->n_entries; i++)
		if (strcmp(c->entries[i].key, key) == 0)
			return c->entries[i].line;
	return 0;
}

int configedit_set(const char *name, const char *text, size_t size, const char *key,
		   const char *value, struct configedit_result *ret, struct lxcri_error *err)
{
	_cleanup_config_ struct config *old = NULL;
	_cleanup_free_ char *out = NULL;
	char q[ESCAPE_BUFSIZE];
	size_t start, end, len;
	unsigned line;
	int r;

	name = name ? name : "(config)";
	r = parse_text(name, text, size, &old, err);
	if (r < 0)
		return r;
	line = key_line(old, key);
	if (!value) {
		if (!line)
			return error_set(err, -ENOENT, "%s: '%s' is not set", name, key);
		return line_remove(name, text, size, line, 0, key, ret, err);
	}
	if (!line) {
		return line_append(name, text, size, key, key, 0, value, ret, err);
	}
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return error_set(err, -EINVAL,
					 "%s:%u: Invalid value '%s' for '%s': one line, without "
					 "control characters",
					 name, line, escape_for_message(value, q, sizeof(q)), key);
	if (line_span(text, size, line, &start, &end) < 0)
		return error_set(err, -EINVAL, "%s:%u: No such line for '%s'", name, line, key);
	len = strlen(value);
	if (len > CONFIG_MAX_SIZE)
		return config_too_large(name, size + len, err);
	/* The line keeps its line end ("\n", "\r\n" or none). */
	const char *eol = text + end;
	while (eol > text + start && (eol[-1] == '\n' || eol[-1] == '\r'))
		eol--;
	size_t eol_len = (size_t)(text + end - eol);
	out = malloc(size + len + strlen(key) + 4);
	if (!out)
		return error_set(err, -ENOMEM, "%s: Out of memory", name);
	memcpy(out, text, start);
	size_t n = start + (size_t)sprintf(out + start, "%s: %s", key, value);
	memcpy(out + n, eol, eol_len);
	n += eol_len;
	memcpy(out + n, text + end, size - end);
	n += size - end;
	out[n] = '\0';
	return result_set(ret, name, TAKE_PTR(out), n, 0, line, err);
}
