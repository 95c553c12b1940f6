/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The port forward keys: port<N> (port.h). */
#include "lib/config/port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/parse.h"
#include "lib/basic/ip.h"
#include "lib/basic/valid.h"
#include "lib/basic/strv.h"
#include "lib/config/keys.h"

enum { PORT_PROTO, PORT_HOST, PORT_CT, PORT_HOSTIP, PORT_NET };

static const char *const port_properties[] = { "proto", "host", "ct", "hostip", "net", NULL };

static void format_port_range(char *buf, size_t size, uint16_t first, uint16_t last)
{
	if (first == last)
		snprintf(buf, size, "%u", first);
	else
		snprintf(buf, size, "%u-%u", first, last);
}

static int parse_port(struct config_parser *p, unsigned index, char *value)
{
	static const char ports[] = "expected a port from 1 to 65535, or a range "
				    "'<first>-<last>' of such with first <= last";
	struct config_port port = { .index = index, .line = p->rd.line };
	char *v[ELEMENTSOF(port_properties)];
	int r;

	r = config_split_properties(p, value, port_properties, v);
	if (r < 0)
		return r;

	if (!v[PORT_PROTO])
		return config_missing(p, "'proto'");
	if (strcmp(v[PORT_PROTO], "tcp") == 0)
		port.proto = IPPROTO_TCP;
	else if (strcmp(v[PORT_PROTO], "udp") == 0)
		port.proto = IPPROTO_UDP;
	else
		return config_invalid(p, "proto", v[PORT_PROTO], "expected 'tcp' or 'udp'");
	if (!v[PORT_HOST])
		return config_missing(p, "'host'");
	if (parse_port_range(v[PORT_HOST], &port.host_first, &port.host_last) < 0)
		return config_invalid(p, "host", v[PORT_HOST], "%s", ports);
	if (!v[PORT_CT])
		return config_missing(p, "'ct'");
	if (parse_port_range(v[PORT_CT], &port.ct_first, &port.ct_last) < 0)
		return config_invalid(p, "ct", v[PORT_CT], "%s", ports);
	if (port.ct_first != port.ct_last &&
	    port.ct_last - port.ct_first != port.host_last - port.host_first)
		return config_invalid(
		    p, "ct", v[PORT_CT],
		    "a range of container ports must be as long as the range of host "
		    "ports '%s' (%u %s), or use a single port",
		    v[PORT_HOST], port.host_last - port.host_first + 1,
		    port.host_last == port.host_first ? "port" : "ports");
	if (v[PORT_HOSTIP]) {
		r = config_parse_address(p, "hostip", v[PORT_HOSTIP], AF_UNSPEC, &port.hostip);
		if (r < 0)
			return r;
		port.has_hostip = true;
	}
	if (v[PORT_NET]) {
		r = config_parse_ifname(p, "net", v[PORT_NET], true);
		if (r < 0)
			return r;
		strcpy(port.net, v[PORT_NET]);
	}

	for (size_t i = 0; i < p->c->port.n_ports; i++) {
		const struct config_port *o = &p->c->port.ports[i];
		char mine[16], theirs[16];

		if (o->proto != port.proto || o->host_last < port.host_first ||
		    port.host_last < o->host_first)
			continue;
		if (o->has_hostip && port.has_hostip && !ip_address_equal(&o->hostip, &port.hostip))
			continue;
		format_port_range(mine, sizeof(mine), port.host_first, port.host_last);
		format_port_range(theirs, sizeof(theirs), o->host_first, o->host_last);
		return config_fail(
		    p, -EINVAL, "Host port '%s %s' of '%s' overlaps '%s %s' of 'port%u' on line %u",
		    ip_proto_name(port.proto), mine, p->key, ip_proto_name(o->proto), theirs,
		    o->index, o->line);
	}

	return CONFIG_APPEND(p, p->c->port.ports, p->c->port.n_ports, port);
}

static int format_port(FILE *f, const struct config_port *p)
{
	char buf[INET6_ADDRSTRLEN], host[16], ct[16];

	if (p->net[0] && !valid_ifname(p->net))
		return -EINVAL;
	format_port_range(host, sizeof(host), p->host_first, p->host_last);
	format_port_range(ct, sizeof(ct), p->ct_first, p->ct_last);
	fprintf(f, "port%u: proto=%s,host=%s,ct=%s", p->index, ip_proto_name(p->proto), host, ct);
	if (p->has_hostip)
		fprintf(f, ",hostip=%s", config_addr_to_string(&p->hostip, buf));
	if (p->net[0])
		fprintf(f, ",net=%s", p->net);
	fputc('\n', f);
	return 0;
}

static bool port_equal(const struct config_port *a, const struct config_port *b)
{
	return a->index == b->index && a->proto == b->proto && a->host_first == b->host_first &&
	       a->host_last == b->host_last && a->ct_first == b->ct_first &&
	       a->ct_last == b->ct_last && a->has_hostip == b->has_hostip &&
	       (!a->has_hostip || ip_address_equal(&a->hostip, &b->hostip)) &&
	       strcmp(a->net, b->net) == 0;
}

static int finish_ports(struct config_parser *p)
{
	config_sort_by_index(p->c->port.ports, p->c->port.n_ports, sizeof(*p->c->port.ports));
	return 0;
}

static int format_ports(FILE *f, const struct config *c)
{
	_cleanup_free_ size_t *order =
	    config_index_order(c->port.ports, c->port.n_ports, sizeof(*c->port.ports));
	int r = order ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < c->port.n_ports; i++)
		r = format_port(f, &c->port.ports[order[i]]);
	return r;
}

static bool ports_equal(const struct config *a, const struct config *b)
{
	if (a->port.n_ports != b->port.n_ports)
		return false;
	for (size_t i = 0; i < a->port.n_ports; i++)
		if (!port_equal(&a->port.ports[i], &b->port.ports[i]))
			return false;
	return true;
}

static void ports_free(struct config *c)
{
	free(c->port.ports);
}

const struct config_key_type port_keys[] = {
	{ "port", CONFIG_MAX_PORT, "port", parse_port, finish_ports, format_ports, ports_equal,
	  ports_free },
	{},
};
