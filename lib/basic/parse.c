/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Locale-independent character classes: the grammar is ASCII. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z');
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether every byte of s is alphanumeric or one of extra. */
static bool all_of(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!is_alnum(*s) && !strchr(extra, *s))
			return false;
	return true;
}

int parse_uint64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!is_digit(*p))
			return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_uint32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, min, max, &v);

	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int parse_uint16(const char *s, uint16_t min, uint16_t max, uint16_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, min, max, &v);

	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

int parse_ip_address(const char *s, int family, struct ip_address *ret)
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

int parse_ip_prefix(const char *s, int family, struct ip_prefix *ret)
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
	r = parse_ip_address(buf, family, &p.addr);
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

void mac_to_string(const uint8_t mac[6], char buf[MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

int parse_mac(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++) {
		int hi = hex_value(s[i * 3]), lo = hex_value(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, mac, sizeof(mac));
	return 0;
}

bool mac_is_zero(const uint8_t mac[6])
{
	for (size_t i = 0; i < 6; i++)
		if (mac[i])
			return false;
	return true;
}

bool mac_is_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 0x01) && !mac_is_zero(mac);
}

int parse_port_range(const char *s, uint16_t *ret_first, uint16_t *ret_last)
{
	char buf[6];
	const char *dash;
	uint16_t first, last;
	size_t n;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		if (parse_uint16(s, 1, UINT16_MAX, &first) < 0)
			return -EINVAL;
		*ret_first = *ret_last = first;
		return 0;
	}
	n = (size_t)(dash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_uint16(buf, 1, UINT16_MAX, &first) < 0 ||
	    parse_uint16(dash + 1, 1, UINT16_MAX, &last) < 0 || first > last)
		return -EINVAL;
	*ret_first = first;
	*ret_last = last;
	return 0;
}

const char *ip_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

bool ifname_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 1 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return all_of(s, "_.-");
}

bool hostname_valid(const char *s)
{
	size_t total;

	if (!s)
		return false;
	total = strlen(s);
	if (total < 1 || total > 253)
		return false;
	for (const char *label = s;;) {
		size_t n = strcspn(label, ".");

		if (n < 1 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!is_alnum(label[i]) && label[i] != '-')
				return false;
		if (!label[n])
			return true;
		label += n + 1;
	}
}

bool path_absolute_valid(const char *s)
{
	size_t n;

	if (!s || s[0] != '/')
		return false;
	n = strlen(s);
	if (n >= PATH_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	for (const char *c = s; *c;) {
		size_t len;

		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += len;
	}
	return true;
}

bool text_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return false;
	while (*p) {
		uint32_t cp;
		size_t len;

		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			len = 2;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			len = 3;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			len = 4;
			cp = *p & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false; /* also stops at the NUL */
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, C1 controls. */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (cp >= 0x80 && cp < 0xa0))
			return false;
		p += len;
	}
	return true;
}

bool user_name_valid(const char *s)
{
	size_t n;

	if (!s || !(is_lower(s[0]) || s[0] == '_'))
		return false;
	n = strlen(s);
	if (s[n - 1] == '$')
		n--;
	if (n > 32)
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool cni_network_name_valid(const char *s)
{
	size_t n;

	if (!s || !is_alnum(s[0]))
		return false;
	n = strlen(s);
	return n <= 100 && all_of(s, "_.-");
}

bool apparmor_profile_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n >= 1 && n <= 255 && all_of(s, "_.:/+-");
}

bool fstype_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n >= 1 && n <= 63 && all_of(s, "_.-");
}

/* SELinux: [A-Za-z0-9_.]+ up to one of the end characters (or the NUL); advances *p. */
static bool selinux_name(const char **p)
{
	const char *s = *p;

	while (is_alnum(*s) || *s == '_' || *s == '.')
		s++;
	if (s == *p)
		return false;
	*p = s;
	return true;
}

static bool selinux_number(const char **p, unsigned *ret)
{
	const char *s = *p;
	unsigned v = 0;

	if (!is_digit(*s) || (s[0] == '0' && is_digit(s[1])))
		return false;
	for (; is_digit(*s); s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 1023)
			return false;
	}
	*p = s;
	*ret = v;
	return true;
}

/* s<N>[:c<N>[.c<M>][,...]] */
static bool selinux_level(const char **p)
{
	const char *s = *p;
	unsigned first, last;

	if (*s++ != 's' || !selinux_number(&s, &first))
		return false;
	if (*s == ':') {
		do {
			s++;
			if (*s++ != 'c' || !selinux_number(&s, &first))
				return false;
			if (*s == '.') {
				s++;
				if (*s++ != 'c' || !selinux_number(&s, &last) || last < first)
					return false;
			}
		} while (*s == ',');
	}
	*p = s;
	return true;
}

bool selinux_context_valid(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 3; i++) {
		if (!selinux_name(&s))
			return false;
		if (i < 2 && *s++ != ':')
			return false;
	}
	if (!*s)
		return true;
	if (*s++ != ':' || !selinux_level(&s))
		return false;
	if (*s == '-') {
		s++;
		if (!selinux_level(&s))
			return false;
	}
	return *s == '\0';
}

bool dns_option_valid(const char *s)
{
	const char *p = s;

	if (!s)
		return false;
	while (is_lower(*p) || is_digit(*p) || *p == '-')
		p++;
	if (p == s)
		return false;
	if (*p == ':') {
		const char *digits = ++p;

		while (is_digit(*p))
			p++;
		if (p == digits)
			return false;
	}
	return *p == '\0';
}

bool annotation_key_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n >= 1 && n <= 255 && all_of(s, "._/-");
}

int properties_parse(char *s, const char *const names[], char *ret_values[],
		     struct property_failure *ret_failure)
{
	struct property_failure failure;
	size_t n_names = 0;

	while (names[n_names])
		n_names++;
	for (size_t i = 0; i < n_names; i++)
		ret_values[i] = NULL;

	for (char *item = s;;) {
		char *end = strchrnul(item, ',');
		bool last = *end == '\0';
		char *eq, *value;
		size_t i;

		*end = '\0';
		failure.item = item;
		if (!*item) {
			failure.problem = PROPERTY_EMPTY;
			goto fail;
		}
		eq = strchr(item, '=');
		if (!eq) {
			failure.problem = PROPERTY_NO_EQUALS;
			goto fail;
		}
		if (eq == item) {
			failure.problem = PROPERTY_EMPTY_NAME;
			goto fail;
		}
		*eq = '\0';
		value = eq + 1;
		for (i = 0; i < n_names; i++)
			if (strcmp(names[i], item) == 0)
				break;
		if (i == n_names) {
			failure.problem = PROPERTY_UNKNOWN;
			goto fail;
		}
		if (ret_values[i]) {
			failure.problem = PROPERTY_DUPLICATE;
			goto fail;
		}
		if (!*value) {
			failure.problem = PROPERTY_EMPTY_VALUE;
			goto fail;
		}
		ret_values[i] = value;
		if (last)
			return 0;
		item = end + 1;
	}

fail:
	if (ret_failure)
		*ret_failure = failure;
	return -EINVAL;
}

int list_split(char *s, char ***ret)
{
	char **items;
	size_t n = 1, i = 0;

	for (const char *c = s; *c; c++)
		if (*c == ';')
			n++;
	items = calloc(n + 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (char *item = s;;) {
		char *end = strchrnul(item, ';');
		bool last = *end == '\0';

		*end = '\0';
		if (!*item) {
			free(items);
			return -EINVAL;
		}
		items[i++] = item;
		if (last)
			break;
		item = end + 1;
	}
	*ret = items;
	return (int)n;
}

const char *escape_for_message(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; s[i] && i < ESCAPE_INPUT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 4 + 4 > size)
			break;
		if (c == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}
