/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/ascii.h"
#include "lib/basic/parse.h"

int ip_address_parse(const char *s, int family, struct ip_address *ret)
{
	struct ip_address a = { 0 };

	if (!s)
		return -EINVAL;
	/* IPv4 addresses never contain ':', IPv6 addresses always do. */
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, s, a.family == AF_INET ? (void *)&a.in : (void *)&a.in6) != 1)
		return -EINVAL;
	if (family != AF_UNSPEC && family != a.family)
		return -EAFNOSUPPORT;
	*ret = a;
	return 0;
}

int ip_prefix_parse(const char *s, int family, struct ip_prefix *ret)
{
	char buf[INET6_ADDRSTRLEN];
	struct ip_prefix p;
	const char *slash;
	size_t n;
	int r;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = ip_address_parse(buf, family, &p.addr);
	if (r < 0)
		return r;
	r = parse_uint32(slash + 1, 0, p.addr.family == AF_INET ? 32 : 128, &p.prefixlen);
	if (r < 0)
		return -EINVAL;
	*ret = p;
	return 0;
}

static const uint8_t *address_bytes(const struct ip_address *a, size_t *ret_n)
{
	if (a->family == AF_INET) {
		*ret_n = sizeof(a->in);
		return (const uint8_t *)&a->in;
	}
	*ret_n = sizeof(a->in6);
	return (const uint8_t *)&a->in6;
}

bool ip_address_equal(const struct ip_address *a, const struct ip_address *b)
{
	const uint8_t *x, *y;
	size_t n, m;

	if (a->family != b->family)
		return false;
	x = address_bytes(a, &n);
	y = address_bytes(b, &m);
	return n == m && memcmp(x, y, n) == 0;
}

bool ip_address_is_unspecified(const struct ip_address *a)
{
	const uint8_t *b;
	size_t n;

	b = address_bytes(a, &n);
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

bool ip_address_is_multicast(const struct ip_address *a)
{
	const uint8_t *b;
	size_t n;

	b = address_bytes(a, &n);
	if (a->family == AF_INET)
		return (b[0] & 0xf0) == 0xe0; /* 224.0.0.0/4 */
	return b[0] == 0xff;		      /* ff00::/8 */
}

bool ip_address_is_link_local(const struct ip_address *a)
{
	const uint8_t *b;
	size_t n;

	if (a->family != AF_INET6)
		return false;
	b = address_bytes(a, &n);
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

bool ip_prefix_has_host_bits(const struct ip_prefix *p)
{
	const uint8_t *b;
	size_t n;

	b = address_bytes(&p->addr, &n);
	for (size_t i = 0; i < n; i++) {
		size_t bit = i * 8;
		uint8_t host_mask;

		if (bit + 8 <= p->prefixlen)
			continue;
		host_mask = bit >= p->prefixlen ? 0xff : (uint8_t)(0xff >> (p->prefixlen - bit));
		if (b[i] & host_mask)
			return true;
	}
	return false;
}

void ip_prefix_clear_host_bits(struct ip_prefix *p)
{
	uint8_t *b = p->addr.family == AF_INET ? (uint8_t *)&p->addr.in : (uint8_t *)&p->addr.in6;
	size_t n = p->addr.family == AF_INET ? sizeof(p->addr.in) : sizeof(p->addr.in6);

	for (size_t i = 0; i < n; i++) {
		size_t bit = i * 8;

		if (bit + 8 <= p->prefixlen)
			continue;
		b[i] &= bit >= p->prefixlen ? 0 : (uint8_t) ~(0xff >> (p->prefixlen - bit));
	}
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_address *a)
{
	struct ip_prefix net = *p, host = { .addr = *a, .prefixlen = p->prefixlen };

	if (p->addr.family != a->family)
		return false;
	ip_prefix_clear_host_bits(&net);
	ip_prefix_clear_host_bits(&host);
	return ip_address_equal(&net.addr, &host.addr);
}

int ip_address_to_string(const struct ip_address *a, char *buf, size_t size)
{
	const void *src = a->family == AF_INET ? (const void *)&a->in : (const void *)&a->in6;

	if ((a->family != AF_INET && a->family != AF_INET6) || size > INT_MAX)
		return -EINVAL;
	if (!inet_ntop(a->family, src, buf, (socklen_t)size))
		return -errno;
	return 0;
}

int ip_prefix_to_string(const struct ip_prefix *p, char *buf, size_t size)
{
	size_t n;
	int r;

	r = ip_address_to_string(&p->addr, buf, size);
	if (r < 0)
		return r;
	n = strlen(buf);
	r = snprintf(buf + n, size - n, "/%u", p->prefixlen);
	if (r < 0 || (size_t)r >= size - n)
		return -ENOSPC;
	return 0;
}

const char *ip_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}
