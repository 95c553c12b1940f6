/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/shared/json.h"
#include "lib/port/localnet.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/basic/escape.h"
#include "lib/port/portfwd.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)
#define _cleanup_nl_cache_ _cleanup_(nl_cache_freep)

struct portfwd_ctx {
	struct nft_ctx *nft;
	char table[64];
	bool counters; /* per-forward counters: the maps' `counter` and the count chains */
};

/* The objects of the table, in the order a batch must create them (sets before the rules). */
enum {
	OBJ_FWD4,
	OBJ_FWD4IP,
	OBJ_FWD6,
	OBJ_FWD6IP,
	OBJ_HAIRPIN4,
	OBJ_HAIRPIN6,
	OBJ_LOCALNET,
	OBJ_FWBR,
	OBJ_PREROUTING,
	OBJ_OUTPUT,
	OBJ_POSTROUTING,
	OBJ_GUARD,
	OBJ_LOCALNET_MARK,
	OBJ_FWBR_ZONE,
	OBJ_COUNT_ORIGINAL, /* counters only */
	OBJ_COUNT_LOCAL,
	OBJ_COUNT_REPLY,
	OBJ_COUNT_REPLY_LOCAL,
	OBJ_BR_HAIRPIN, /* table bridge */
	OBJ_BR_POSTROUTING,
	OBJ_ARP_FWBR, /* table arp */
	OBJ_ARP_OUTPUT,
	N_OBJECTS,
};

/* The families of our tables, in the order a batch creates them. */
static const char *const table_families[] = { "inet", "bridge", "arp" };

#define STR(x)	STR_(x)
#define STR_(x) #x

/* The DNAT of a firewall bridge's packet is the vmbr's (see portfwd.h). */
#define FWBR_RETURN "iifname @fwbr return"

/* The hostip= map first: a forward to one address wins over one to all. */
static const char *const prerouting_rules[] = {
	FWBR_RETURN,
	"fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @fwd4ip",
	"fib daddr type local dnat ip to meta l4proto . th dport map @fwd4",
	"fib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport map @fwd6ip",
	"fib daddr type local dnat ip6 to meta l4proto . th dport map @fwd6",
	NULL,
};

/* ::1 cannot leave the host (IPv6 has no route_localnet): not forwarded. */
static const char *const output_rules[] = {
	"fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @fwd4ip",
	"fib daddr type local dnat ip to meta l4proto . th dport map @fwd4",
	"ip6 daddr != ::1 fib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport "
	"map @fwd6ip",
	"ip6 daddr != ::1 fib daddr type local dnat ip6 to meta l4proto . th dport map @fwd6",
	NULL,
};

static const char *const postrouting_rules[] = {
	"ct status dnat ip saddr . ip daddr @hairpin4 masquerade",
	"ct status dnat ip6 saddr . ip6 daddr @hairpin6 masquerade",
	"ct status dnat ip saddr 127.0.0.0/8 oifname != \"lo\" masquerade",
	NULL,
};

/* 127/8 from outside on an interface with route_localnet=1. */
static const char *const guard_rules[] = {
	"iifname @localnet ip saddr 127.0.0.0/8 drop",
	"iifname @localnet ip daddr 127.0.0.0/8 drop",
	NULL,
};

/*
 * The answers to the host's connections to 127.0.0.1 that a forward DNATed
 * (see netlink.h, the localnet guard): after conntrack (-200), before NAT
 * translates them back to 127.0.0.1 (-100).
 */
static const char *const localnet_mark_rules[] = {
	"ct direction reply ct original ip saddr 127.0.0.0/8 meta mark set meta mark or " STR(
	    NETLINK_LOCALNET_REPLY_MARK),
	NULL,
};

/* Before conntrack (-200): the fwbr passes get a conntrack of their own. */
static const char *const fwbr_zone_rules[] = {
	"iifname @fwbr ct zone set " STR(PORTFWD_FWBR_ZONE),
	NULL,
};

/*
 * Per-forward counters (see portfwd.h): the first packet of a connection is
 * counted by the DNAT's own map lookup; the later packets of the original
 * direction here, before NAT (-150) and so still with the host port; the
 * replies after NAT (200), with the host port as their source again. The
 * firewall bridge passes of a packet are not counted (the vmbr pass is).
 */
#define COUNT_RULES(dir, addr, port)                                                               \
	FWBR_RETURN, "oifname @fwbr return", "ct direction " dir " return",                        \
	    "ct status & dnat == 0 return",                                                        \
	    "ip " addr " . meta l4proto . th " port " @fwd4ip return",                             \
	    "meta nfproto ipv4 meta l4proto . th " port " @fwd4 return",                           \
	    "ip6 " addr " . meta l4proto . th " port " @fwd6ip return",                            \
	    "meta nfproto ipv6 meta l4proto . th " port " @fwd6 return", NULL

static const char *const count_original_rules[] = { COUNT_RULES("reply", "daddr", "dport") };
static const char *const count_reply_rules[] = { COUNT_RULES("original", "saddr", "sport") };

/* The frames the vmbr sends back to the container they came from (hairpin mode on fwpr). */
static const char *const br_postrouting_rules[] = {
	"oifname . ether saddr @hairpin meta pkttype { broadcast, multicast } drop",
	"ether saddr set oifname . ether saddr map @hairpin",
	NULL,
};

/* fwbr has no address: the host answers no ARP out of it. */
static const char *const arp_output_rules[] = {
	"oifname @fwbr drop",
	NULL,
};

static const struct table_object {
	const char *family; /* of its table: "inet", "bridge" or "arp" */
	const char *kind;   /* "map", "set" or "chain" */
	const char *name;
	const char *spec;
	const char *const *rules; /* chains: NULL-terminated, in this order */
} table_objects[N_OBJECTS] = {
	[OBJ_FWD4] = { "inet", "map", "fwd4",
		       "type inet_proto . inet_service : ipv4_addr . inet_service;", NULL },
	[OBJ_FWD4IP] = { "inet", "map", "fwd4ip",
			 "type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service;",
			 NULL },
	[OBJ_FWD6] = { "inet", "map", "fwd6",
		       "type inet_proto . inet_service : ipv6_addr . inet_service;", NULL },
	[OBJ_FWD6IP] = { "inet", "map", "fwd6ip",
			 "type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service;",
			 NULL },
	[OBJ_HAIRPIN4] = { "inet", "set", "hairpin4", "type ipv4_addr . ipv4_addr; flags interval;",
			   NULL },
	[OBJ_HAIRPIN6] = { "inet", "set", "hairpin6", "type ipv6_addr . ipv6_addr; flags interval;",
			   NULL },
	[OBJ_LOCALNET] = { "inet", "set", "localnet", "type ifname;", NULL },
	[OBJ_FWBR] = { "inet", "set", "fwbr", "type ifname;", NULL },
	/* Numeric priorities: nft 1.0.6 knows "dstnat" only for hook prerouting. */
	[OBJ_PREROUTING] = { "inet", "chain", "prerouting",
			     "type nat hook prerouting priority -100; policy accept;",
			     prerouting_rules },
	[OBJ_OUTPUT] = { "inet", "chain", "output",
			 "type nat hook output priority -100; policy accept;", output_rules },
	[OBJ_POSTROUTING] = { "inet", "chain", "postrouting",
			      "type nat hook postrouting priority 100; policy accept;",
			      postrouting_rules },
	[OBJ_GUARD] = { "inet", "chain", "guard",
			"type filter hook prerouting priority -300; policy accept;", guard_rules },
	[OBJ_LOCALNET_MARK] = { "inet", "chain", "localnet_mark",
				"type filter hook prerouting priority -150; policy accept;",
				localnet_mark_rules },
	[OBJ_FWBR_ZONE] = { "inet", "chain", "fwbr_zone",
			    "type filter hook prerouting priority -300; policy accept;",
			    fwbr_zone_rules },
	[OBJ_COUNT_ORIGINAL] = { "inet", "chain", "count_original",
				 "type filter hook prerouting priority -150; policy accept;",
				 count_original_rules },
	[OBJ_COUNT_LOCAL] = { "inet", "chain", "count_local",
			      "type filter hook output priority -150; policy accept;",
			      count_original_rules },
	[OBJ_COUNT_REPLY] = { "inet", "chain", "count_reply",
			      "type filter hook postrouting priority 200; policy accept;",
			      count_reply_rules },
	[OBJ_COUNT_REPLY_LOCAL] = { "inet", "chain", "count_reply_local",
				    "type filter hook input priority 200; policy accept;",
				    count_reply_rules },
	[OBJ_BR_HAIRPIN] = { "bridge", "map", "hairpin", "type ifname . ether_addr : ether_addr;",
			     NULL },
	[OBJ_BR_POSTROUTING] = { "bridge", "chain", "postrouting",
				 "type filter hook postrouting priority 0; policy accept;",
				 br_postrouting_rules },
	[OBJ_ARP_FWBR] = { "arp", "set", "fwbr", "type ifname;", NULL },
	[OBJ_ARP_OUTPUT] = { "arp", "chain", "output",
			     "type filter hook output priority 0; policy accept;",
			     arp_output_rules },
};

/*
 * One element of a firewall bridge's: @fwbr of inet or arp (name: the
 * fwbr), or @hairpin of bridge (name: the fwpr, mac: the container's).
 */
struct fwbr_element {
	int obj;
	char owner[128];
	char name[IFNAMSIZ];
	char mac[24];
};

/*
 * One element of hairpinN: "subnet . subnet", a DNATed packet from the subnet
 * to the subnet is masqueraded. Shared by every container of the subnet, so
 * it has no owner, and it stays: it only ever matches traffic that needs it.
 */
struct hairpin {
	struct ip_prefix subnet;
};

/* What `list table` shows of our table. */
struct table_state {
	bool exists;
	bool present[N_OBJECTS];
	bool counted[N_OBJECTS]; /* forward maps: declared with `counter` */
	size_t rules[N_OBJECTS];
	struct portfwd_entry *forwards;
	size_t n_forwards;
	struct hairpin *hairpins;
	size_t n_hairpins;
	struct fwbr_element *fwbrs;
	size_t n_fwbrs;
};

static void table_state_done(struct table_state *st)
{
	free(st->forwards);
	free(st->hairpins);
	free(st->fwbrs);
	*st = (struct table_state){ 0 };
}

static size_t rule_count(const char *const *rules)
{
	size_t n = 0;

	while (rules && rules[n])
		n++;
	return n;
}

static int map_index(int family, bool has_hostip)
{
	if (family == AF_INET)
		return has_hostip ? OBJ_FWD4IP : OBJ_FWD4;
	return has_hostip ? OBJ_FWD6IP : OBJ_FWD6;
}

static bool owner_valid(const char *owner)
{
	size_t n = owner ? strlen(owner) : 0;

	if (n == 0 || n >= sizeof(((struct portfwd_entry *)NULL)->owner))
		return false;
	/* It goes into nft syntax between double quotes. */
	for (const char *p = owner; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.:@+", *p))
			return false;
	return true;
}

static bool table_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct portfwd_ctx *)NULL)->table) ||
	    !isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

void portfwd_host_string(const struct portfwd *f, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "", ports[16];

	if (f->host_first == f->host_last)
		snprintf(ports, sizeof(ports), "%u", f->host_first);
	else
		snprintf(ports, sizeof(ports), "%u-%u", f->host_first, f->host_last);
	if (!f->has_hostip || ip_address_to_string(&f->hostip, addr, sizeof(addr)) < 0)
		snprintf(buf, size, "%s %s", ip_proto_name(f->proto), ports);
	else if (f->hostip.family == AF_INET6)
		snprintf(buf, size, "%s [%s]:%s", ip_proto_name(f->proto), addr, ports);
	else
		snprintf(buf, size, "%s %s:%s", ip_proto_name(f->proto), addr, ports);
}

/* An interface name that goes into nft syntax between double quotes. */
static bool fwbr_ifname_valid(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0 || n == size)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static bool fwbr_valid(const struct portfwd_fwbr *w)
{
	if (!memchr(w->bridge, '\0', sizeof(w->bridge)))
		return false;
	if (!w->bridge[0])
		return true;
	return fwbr_ifname_valid(w->bridge, sizeof(w->bridge)) &&
	       fwbr_ifname_valid(w->port, sizeof(w->port));
}

/* need_subnet: adding needs the subnet for hairpin; removing and listed entries have none. */
static int portfwd_check(const struct portfwd *f, bool need_subnet, struct lxcri_error *err)
{
	const char *why = NULL;

	if (f->family != AF_INET && f->family != AF_INET6)
		why = "the family is neither IPv4 nor IPv6";
	else if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		why = "the protocol is neither TCP nor UDP";
	else if (f->host_first == 0 || f->host_last < f->host_first)
		why = "the host port range is empty or starts at 0";
	else if (f->ct_first == 0)
		why = "the container port is 0";
	else if (f->ct_range && (unsigned)f->ct_first + (f->host_last - f->host_first) > 65535)
		why = "the container port range goes beyond 65535";
	else if (f->target.family != f->family)
		why = "the target address is not of the forward's family";
	else if (ip_address_is_unspecified(&f->target) || ip_address_is_multicast(&f->target))
		why = "the target address is not a unicast address";
	else if (f->has_hostip && f->hostip.family != f->family)
		why = "the host address is not of the forward's family";
	else if (f->has_hostip &&
		 (ip_address_is_unspecified(&f->hostip) || ip_address_is_multicast(&f->hostip)))
		why = "the host address is not a unicast address";
	else if (!memchr(f->localnet_if, '\0', sizeof(f->localnet_if)) ||
		 (f->localnet_if[0] && !localnet_ifname_valid(f->localnet_if)))
		why = "the localnet interface is no interface name, or lo";
	else if (need_subnet && (f->subnet.prefixlen > (f->family == AF_INET ? 32u : 128u) ||
				 !ip_prefix_contains(&f->subnet, &f->target)))
		why = "the target is not inside the subnet";
	else if (!fwbr_valid(&f->fwbr))
		why = "the firewall bridge or its port is no interface name of PVE's";
	if (why)
		return error_set(err, -EINVAL, "Invalid port forward port%u: %s", f->index, why);
	return 0;
}

/*
 * Whether the kernel has netfilter's netlink: libnftables exit()s the
 * process when it cannot open that socket, so it is asked here first.
 */
static int netfilter_netlink_check(struct lxcri_error *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0)
		return error_set_errno(err, -errno,
				       "nftables is not available: no netfilter netlink socket "
				       "(a kernel without nf_tables?)");
	close(fd);
	return 0;
}

int portfwd_open(const char *table, struct portfwd_ctx **ret, struct lxcri_error *err)
{
	_cleanup_free_ struct portfwd_ctx *ctx = NULL;
	int r;

	if (!table)
		table = PORTFWD_TABLE;
	if (!table_name_valid(table))
		return error_set(err, -EINVAL, "Invalid nftables table name '%s'", table);
	r = netfilter_netlink_check(err);
	if (r < 0)
		return r;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return error_set(err, -ENOMEM, "Failed to allocate the port forwarding context");
	snprintf(ctx->table, sizeof(ctx->table), "%s", table);
	ctx->counters = true;
	ctx->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx->nft)
		return error_set(err, -ENOMEM, "Failed to create an nftables context");
	if (nft_ctx_buffer_output(ctx->nft) < 0 || nft_ctx_buffer_error(ctx->nft) < 0) {
		nft_ctx_free(ctx->nft);
		return error_set(err, -ENOMEM, "Failed to buffer the output of nftables");
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

void portfwd_set_counters(struct portfwd_ctx *ctx, bool on)
{
	ctx->counters = on;
}

void portfwd_close(struct portfwd_ctx *ctx)
{
	if (!ctx)
		return;
	nft_ctx_free(ctx->nft);
	free(ctx);
}

/*
 * nft reports "Error: Could not process rule: File exists" (or "Error: No
 * such file or directory; did you mean ...") and the command under it; libnftables returns no
 * errno, so it is read back from the text.
 */
static int nft_reason(const char *errors, char *reason, size_t size)
{
	const char *line = strstr(errors, "Error: ");
	size_t n;

	if (!line) {
		snprintf(reason, size, "%s", "nftables reported an error without a message");
		return -EIO;
	}
	line += strlen("Error: ");
	n = strcspn(line, "\n");
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	snprintf(reason, size, "%.*s", (int)n, line);
	for (int e = 1; e < 134; e++) {
		const char *text = strerror(e);
		size_t t = strlen(text);

		if (n > t + 2 && memcmp(line + n - t - 2, ": ", 2) == 0 &&
		    memcmp(line + n - t, text, t) == 0)
			return -e;
		/* "No such file or directory; did you mean table 'x' in family arp?" */
		if (n >= t && memcmp(line, text, t) == 0 && (n == t || line[t] == ';'))
			return -e;
	}
	return -EIO;
}

/* Runs cmds as one transaction. json: the output as JSON into *ret_output (malloc'ed). */
static int nft_run(struct portfwd_ctx *ctx, const char *cmds, bool json, char **ret_output,
		   char *reason, size_t reason_size)
{
	unsigned flags = nft_ctx_output_get_flags(ctx->nft);
	const char *out, *errors;
	int rc;

	/* nft 1.0.6 tries to read its input as JSON too while the JSON output flag is set. */
	nft_ctx_output_set_flags(ctx->nft, json ? flags | NFT_CTX_OUTPUT_JSON
						: flags & ~(unsigned)NFT_CTX_OUTPUT_JSON);
	rc = nft_run_cmd_from_buffer(ctx->nft, cmds);
	nft_ctx_output_set_flags(ctx->nft, flags & ~(unsigned)NFT_CTX_OUTPUT_JSON);
	/* Fetching a buffer also rewinds it for the next command. */
	out = nft_ctx_get_output_buffer(ctx->nft);
	errors = nft_ctx_get_error_buffer(ctx->nft);
	if (rc != 0)
		return nft_reason(errors ? errors : "", reason, reason_size);
	if (ret_output) {
		*ret_output = strdup(out ? out : "");
		if (!*ret_output) {
			snprintf(reason, reason_size, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
	}
	return 0;
}

static int json_proto(struct json_object *o, int *ret)
{
	const char *s;

	if (json_object_is_type(o, json_type_int)) {
		int v = json_object_get_int(o);

		if (v != IPPROTO_TCP && v != IPPROTO_UDP)
			return -EINVAL;
		*ret = v;
		return 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return -EINVAL;
	s = json_object_get_string(o);
	if (strcmp(s, "tcp") == 0)
		*ret = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*ret = IPPROTO_UDP;
	else
		return -EINVAL;
	return 0;
}

static int json_port(struct json_object *o, uint16_t *ret)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int))
		return -EINVAL;
	v = json_object_get_int64(o);
	if (v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

static int json_address(struct json_object *o, int family, struct ip_address *ret)
{
	if (!json_object_is_type(o, json_type_string))
		return -EINVAL;
	return ip_address_parse(json_object_get_string(o), family, ret);
}

/* The concat array of an element's key or value, n items long; NULL if it is not one. */
static struct json_object *json_concat(struct json_object *o, size_t n)
{
	struct json_object *a;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "concat", &a) ||
	    !json_object_is_type(a, json_type_array) || json_object_array_length(a) != n)
		return NULL;
	return a;
}

/* {"elem": {"val": V, "comment": C, ...}} or V: V, and C or "" (and the elem or NULL). */
static struct json_object *json_element_value(struct json_object *o, const char **ret_comment,
					      struct json_object **ret_elem)
{
	struct json_object *e, *val, *comment;

	*ret_comment = "";
	if (ret_elem)
		*ret_elem = NULL;
	if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "elem", &e) &&
	    json_object_object_get_ex(e, "val", &val)) {
		if (json_object_object_get_ex(e, "comment", &comment) &&
		    json_object_is_type(comment, json_type_string))
			*ret_comment = json_object_get_string(comment);
		if (ret_elem)
			*ret_elem = e;
		return val;
	}
	return o;
}

/* An element's "counter": {"packets": P, "bytes": B} into e; none: e->counted false. */
static void json_element_counter(struct json_object *elem, struct portfwd_entry *e)
{
	struct json_object *counter, *packets, *bytes;

	if (!elem || !json_object_object_get_ex(elem, "counter", &counter) ||
	    !json_object_object_get_ex(counter, "packets", &packets) ||
	    !json_object_object_get_ex(counter, "bytes", &bytes) ||
	    !json_object_is_type(packets, json_type_int) ||
	    !json_object_is_type(bytes, json_type_int))
		return;
	e->counted = true;
	e->packets = (uint64_t)json_object_get_uint64(packets);
	e->bytes = (uint64_t)json_object_get_uint64(bytes);
}

/* One element of fwdN / fwdNip: [key, value]. -EINVAL for anything we never write. */
static int parse_forward_element(struct json_object *item, int family, bool has_hostip,
				 struct portfwd_entry *ret)
{
	struct portfwd_entry e = { 0 };
	struct json_object *key, *value, *k, *v, *elem;
	const char *comment;
	size_t i = 0;

	if (!json_object_is_type(item, json_type_array) || json_object_array_length(item) != 2)
		return -EINVAL;
	key = json_element_value(json_object_array_get_idx(item, 0), &comment, &elem);
	value = json_object_array_get_idx(item, 1);
	k = json_concat(key, has_hostip ? 3 : 2);
	v = json_concat(value, 2);
	if (!k || !v || strlen(comment) >= sizeof(e.owner))
		return -EINVAL;
	snprintf(e.owner, sizeof(e.owner), "%s", comment);
	e.fwd.family = family;
	e.fwd.has_hostip = has_hostip;
	if (has_hostip &&
	    json_address(json_object_array_get_idx(k, i++), family, &e.fwd.hostip) < 0)
		return -EINVAL;
	if (json_proto(json_object_array_get_idx(k, i++), &e.fwd.proto) < 0 ||
	    json_port(json_object_array_get_idx(k, i), &e.fwd.host_first) < 0 ||
	    json_address(json_object_array_get_idx(v, 0), family, &e.fwd.target) < 0 ||
	    json_port(json_object_array_get_idx(v, 1), &e.fwd.ct_first) < 0)
		return -EINVAL;
	e.fwd.host_last = e.fwd.host_first;
	json_element_counter(elem, &e);
	*ret = e;
	return 0;
}

/* A prefix or a single address of a concatenation, as nft lists it. */
static int json_prefix(struct json_object *o, int family, struct ip_prefix *ret)
{
	struct json_object *prefix, *addr, *len;

	if (json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "prefix", &prefix) &&
	    json_object_object_get_ex(prefix, "addr", &addr) &&
	    json_object_object_get_ex(prefix, "len", &len)) {
		if (json_address(addr, family, &ret->addr) < 0 ||
		    !json_object_is_type(len, json_type_int))
			return -EINVAL;
		ret->prefixlen = (unsigned)json_object_get_int(len);
		return 0;
	}
	if (json_address(o, family, &ret->addr) < 0)
		return -EINVAL;
	ret->prefixlen = family == AF_INET ? 32 : 128;
	return 0;
}

/* One element of hairpinN: subnet . subnet. */
static int parse_hairpin_element(struct json_object *item, int family, struct hairpin *ret)
{
	struct hairpin h = { 0 };
	struct json_object *val, *k;
	const char *comment;

	val = json_element_value(item, &comment, NULL);
	k = json_concat(val, 2);
	if (!k || json_prefix(json_object_array_get_idx(k, 0), family, &h.subnet) < 0)
		return -EINVAL;
	*ret = h;
	return 0;
}

/* One element of @fwbr (inet, arp) or @hairpin (bridge), with its owner. */
static int parse_fwbr_element(struct json_object *item, int obj, struct fwbr_element *ret)
{
	struct fwbr_element w = { .obj = obj };
	struct json_object *val, *k;
	const char *comment, *name, *mac = "";

	if (obj == OBJ_BR_HAIRPIN) {
		if (!json_object_is_type(item, json_type_array) ||
		    json_object_array_length(item) != 2)
			return -EINVAL;
		item = json_object_array_get_idx(item, 0);
	}
	val = json_element_value(item, &comment, NULL);
	if (obj == OBJ_BR_HAIRPIN) {
		k = json_concat(val, 2);
		if (!k)
			return -EINVAL;
		val = json_object_array_get_idx(k, 0);
		if (!json_object_is_type(json_object_array_get_idx(k, 1), json_type_string))
			return -EINVAL;
		mac = json_object_get_string(json_object_array_get_idx(k, 1));
	}
	if (!json_object_is_type(val, json_type_string))
		return -EINVAL;
	name = json_object_get_string(val);
	if (strlen(comment) >= sizeof(w.owner) || strlen(mac) >= sizeof(w.mac) ||
	    !fwbr_ifname_valid(name, sizeof(w.name)))
		return -EINVAL;
	snprintf(w.owner, sizeof(w.owner), "%s", comment);
	snprintf(w.name, sizeof(w.name), "%s", name);
	snprintf(w.mac, sizeof(w.mac), "%s", mac);
	*ret = w;
	return 0;
}

static int object_index(const char *family, const char *kind, const char *name)
{
	for (int i = 0; i < N_OBJECTS; i++)
		if (strcmp(table_objects[i].family, family) == 0 &&
		    strcmp(table_objects[i].kind, kind) == 0 &&
		    strcmp(table_objects[i].name, name) == 0)
			return i;
	return -1;
}

static int read_elements(struct json_object *set, int obj, struct table_state *st)
{
	struct json_object *elems;
	size_t n;

	if (!json_object_object_get_ex(set, "elem", &elems) ||
	    !json_object_is_type(elems, json_type_array))
		return 0;
	n = json_object_array_length(elems);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(elems, i);

		if (obj == OBJ_FWBR || obj == OBJ_ARP_FWBR || obj == OBJ_BR_HAIRPIN) {
			struct fwbr_element w;
			void *p;

			if (parse_fwbr_element(item, obj, &w) < 0)
				continue;
			p = reallocarray(st->fwbrs, st->n_fwbrs + 1, sizeof(w));
			if (!p)
				return -ENOMEM;
			st->fwbrs = p;
			st->fwbrs[st->n_fwbrs++] = w;
		} else if (obj == OBJ_HAIRPIN4 || obj == OBJ_HAIRPIN6) {
			struct hairpin h;
			void *p;

			if (parse_hairpin_element(item, obj == OBJ_HAIRPIN4 ? AF_INET : AF_INET6,
						  &h) < 0)
				continue;
			p = reallocarray(st->hairpins, st->n_hairpins + 1, sizeof(h));
			if (!p)
				return -ENOMEM;
			st->hairpins = p;
			st->hairpins[st->n_hairpins++] = h;
		} else if (obj <= OBJ_FWD6IP) {
			struct portfwd_entry e;
			void *p;

			if (parse_forward_element(item, obj <= OBJ_FWD4IP ? AF_INET : AF_INET6,
						  obj == OBJ_FWD4IP || obj == OBJ_FWD6IP, &e) < 0)
				continue;
			p = reallocarray(st->forwards, st->n_forwards + 1, sizeof(e));
			if (!p)
				return -ENOMEM;
			st->forwards = p;
			st->forwards[st->n_forwards++] = e;
		}
	}
	return 0;
}

/* Whether a listed set or map has "stmt": [{"counter": ...}]: a counter on each element. */
static bool declares_counter(struct json_object *set)
{
	struct json_object *stmts;

	if (!json_object_object_get_ex(set, "stmt", &stmts) ||
	    !json_object_is_type(stmts, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(stmts); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(stmts, i), "counter", NULL))
			return true;
	return false;
}

/* Our table of family as it is now into st; a missing table is 0. */
static int table_read_family(struct portfwd_ctx *ctx, const char *family, struct table_state *st,
			     struct lxcri_error *err)
{
	_cleanup_free_ char *cmd = NULL, *out = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *list;
	char reason[512], why[256];
	size_t n;
	int r;

	if (asprintf(&cmd, "list table %s %s", family, ctx->table) < 0)
		return error_set(err, -ENOMEM, "Failed to list table '%s'", ctx->table);
	r = nft_run(ctx, cmd, true, &out, reason, sizeof(reason));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return error_set(err, r, "Failed to list table '%s %s': %s", family, ctx->table,
				 reason);
	r = json_parse_strict(out, strlen(out), &root, why, sizeof(why));
	if (r < 0 || !json_object_object_get_ex(root, "nftables", &list) ||
	    !json_object_is_type(list, json_type_array))
		return error_set(err, -EIO, "Failed to read the listing of table '%s %s': %s",
				 family, ctx->table, r < 0 ? why : "no \"nftables\" array");
	if (strcmp(family, "inet") == 0)
		st->exists = true;
	n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *o, *name;
		static const char *const kinds[] = { "map", "set", "chain", "rule" };

		for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
			int obj;

			if (!json_object_object_get_ex(item, kinds[k], &o))
				continue;
			if (!json_object_object_get_ex(o, k == 3 ? "chain" : "name", &name))
				continue;
			obj = object_index(family, k == 3 ? "chain" : kinds[k],
					   json_object_get_string(name));
			if (obj < 0)
				continue;
			if (k == 3) {
				st->rules[obj]++;
				continue;
			}
			st->present[obj] = true;
			st->counted[obj] = declares_counter(o);
			if (read_elements(o, obj, st) < 0)
				return error_set(err, -ENOMEM, "Failed to read table '%s %s'",
						 family, ctx->table);
		}
	}
	return 0;
}

/* Our tables as they are now; a missing inet table is st->exists false and 0. */
static int table_read(struct portfwd_ctx *ctx, struct table_state *st, struct lxcri_error *err)
{
	*st = (struct table_state){ 0 };
	for (size_t i = 0; i < ELEMENTSOF(table_families); i++) {
		int r = table_read_family(ctx, table_families[i], st, err);

		if (r < 0) {
			table_state_done(st);
			return r;
		}
	}
	return 0;
}

static bool is_chain(int i)
{
	return strcmp(table_objects[i].kind, "chain") == 0;
}

/* The forward maps (`counter` with counters) and the count chains (only with counters). */
static bool object_counting(int i)
{
	return i <= OBJ_FWD6IP || (i >= OBJ_COUNT_ORIGINAL && i <= OBJ_COUNT_REPLY_LOCAL);
}

/* Whether ctx's table has object i: the count chains only with counters. */
static bool object_wanted(const struct portfwd_ctx *ctx, int i)
{
	return ctx->counters || !object_counting(i) || !is_chain(i);
}

/* A forward map that st lists with counters when ctx wants none, or the other way round. */
static bool map_outdated(const struct portfwd_ctx *ctx, const struct table_state *st, int i)
{
	return object_counting(i) && !is_chain(i) && st->present[i] &&
	       st->counted[i] != ctx->counters;
}

static bool table_state_complete(const struct portfwd_ctx *ctx, const struct table_state *st)
{
	if (!st->exists)
		return false;
	for (int i = 0; i < N_OBJECTS; i++) {
		if (!object_wanted(ctx, i)) {
			if (st->present[i])
				return false;
			continue;
		}
		if (!st->present[i] || st->rules[i] != rule_count(table_objects[i].rules) ||
		    map_outdated(ctx, st, i))
			return false;
	}
	return true;
}

int portfwd_table_complete(struct portfwd_ctx *ctx, struct lxcri_error *err)
{
	struct table_state st;
	int r = table_read(ctx, &st, err);

	if (r < 0)
		return r;
	r = table_state_complete(ctx, &st);
	table_state_done(&st);
	return r;
}

/* `add` (idempotent) of object i as ctx declares it: a forward map with `counter` when counting. */
static void emit_object(FILE *f, const struct portfwd_ctx *ctx, int i)
{
	const struct table_object *o = &table_objects[i];

	fprintf(f, "add %s %s %s %s { %s%s }\n", o->kind, o->family, ctx->table, o->name, o->spec,
		object_counting(i) && !is_chain(i) && ctx->counters ? " counter;" : "");
}

static void emit_forward(FILE *f, const char *verb, const char *table,
			 const struct portfwd_entry *e);

/*
 * The table, its sets and chains, each with `add` (idempotent). A chain that is
 * missing or lacks rules is flushed and refilled in the same transaction: of two
 * writers that both found it so, the later one replaces the rules of the earlier.
 * A forward map declared with counters when ctx wants none, or the other way
 * round (a table of an older version), cannot be changed: the chains that
 * refer to it are flushed, it is deleted and made again with its elements
 * (their counts start at 0), and the chains are refilled, all in this one
 * transaction. Count chains ctx does not want go.
 */
static void emit_table(FILE *f, const struct portfwd_ctx *ctx, const struct table_state *st)
{
	bool remake = false;

	for (size_t i = 0; i < ELEMENTSOF(table_families); i++)
		fprintf(f, "add table %s %s\n", table_families[i], ctx->table);
	for (int i = 0; i < N_OBJECTS; i++)
		remake = remake || map_outdated(ctx, st, i);
	for (int i = 0; i < N_OBJECTS; i++) {
		const struct table_object *o = &table_objects[i];

		if (!is_chain(i) || !st->present[i] || (!remake && object_wanted(ctx, i)))
			continue;
		fprintf(f, "flush chain %s %s %s\n", o->family, ctx->table, o->name);
		if (!object_wanted(ctx, i))
			fprintf(f, "delete chain %s %s %s\n", o->family, ctx->table, o->name);
	}
	for (int i = 0; i < N_OBJECTS; i++)
		if (map_outdated(ctx, st, i))
			fprintf(f, "delete map %s %s %s\n", table_objects[i].family, ctx->table,
				table_objects[i].name);
	for (int i = 0; i < N_OBJECTS; i++) {
		const struct table_object *o = &table_objects[i];

		if (!object_wanted(ctx, i))
			continue;
		emit_object(f, ctx, i);
		if (!o->rules ||
		    (!remake && st->present[i] && st->rules[i] == rule_count(o->rules)))
			continue;
		fprintf(f, "flush chain %s %s %s\n", o->family, ctx->table, o->name);
		for (const char *const *rule = o->rules; *rule; rule++)
			fprintf(f, "add rule %s %s %s %s\n", o->family, ctx->table, o->name, *rule);
	}
	for (size_t i = 0; i < st->n_forwards; i++) {
		const struct portfwd_entry *e = &st->forwards[i];

		if (map_outdated(ctx, st, map_index(e->fwd.family, e->fwd.has_hostip)))
			emit_forward(f, "add", ctx->table, e);
	}
}

/* The elements of each distinct fwbr of f, for owner (see portfwd.h). */
static void emit_fwbr_add(FILE *b, const char *table, const char *owner, const struct portfwd *f,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct portfwd_fwbr *w = &f[i].fwbr;
		char ct[MAC_STRLEN], vmbr[MAC_STRLEN];
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(f[j].fwbr.bridge, w->bridge) == 0;
		if (!w->bridge[0] || seen)
			continue;
		mac_to_string(w->ct_mac, ct);
		mac_to_string(w->vmbr_mac, vmbr);
		fprintf(b, "add element inet %s fwbr { \"%s\" comment \"%s\" }\n", table, w->bridge,
			owner);
		fprintf(b, "add element arp %s fwbr { \"%s\" comment \"%s\" }\n", table, w->bridge,
			owner);
		fprintf(b, "add element bridge %s hairpin { \"%s\" . %s comment \"%s\" : %s }\n",
			table, w->port, ct, owner, vmbr);
	}
}

/* Deletes the fwbr elements of owner that st lists: how many. */
static int emit_fwbr_delete(FILE *b, const char *table, const char *owner,
			    const struct table_state *st)
{
	int count = 0;

	for (size_t i = 0; i < st->n_fwbrs; i++) {
		const struct fwbr_element *w = &st->fwbrs[i];

		if (strcmp(w->owner, owner) != 0)
			continue;
		if (w->obj == OBJ_BR_HAIRPIN)
			fprintf(b, "delete element bridge %s hairpin { \"%s\" . %s }\n", table,
				w->name, w->mac);
		else
			fprintf(b, "delete element %s %s fwbr { \"%s\" }\n",
				table_objects[w->obj].family, table, w->name);
		count++;
	}
	return count;
}

/* "[192.0.2.10 . ]tcp . 8080" */
static void emit_forward_key(FILE *f, const struct portfwd *e)
{
	char addr[INET6_ADDRSTRLEN];

	if (e->has_hostip) {
		ip_address_to_string(&e->hostip, addr, sizeof(addr));
		fprintf(f, "%s . ", addr);
	}
	fprintf(f, "%s . %u", ip_proto_name(e->proto), e->host_first);
}

static void emit_forward(FILE *f, const char *verb, const char *table,
			 const struct portfwd_entry *e)
{
	char target[INET6_ADDRSTRLEN];

	fprintf(f, "%s element inet %s %s { ", verb, table,
		table_objects[map_index(e->fwd.family, e->fwd.has_hostip)].name);
	emit_forward_key(f, &e->fwd);
	if (strcmp(verb, "delete") != 0) {
		ip_address_to_string(&e->fwd.target, target, sizeof(target));
		fprintf(f, " comment \"%s\" : %s . %u", e->owner, target, e->fwd.ct_first);
	}
	fprintf(f, " }\n");
}

static void emit_hairpin(FILE *f, const char *table, const struct ip_prefix *subnet)
{
	char text[IP_PREFIX_STRLEN];

	ip_prefix_to_string(subnet, text, sizeof(text));
	fprintf(f, "add element inet %s %s { %s . %s }\n", table,
		subnet->addr.family == AF_INET ? "hairpin4" : "hairpin6", text, text);
}

static bool same_key(const struct portfwd *a, const struct portfwd *b)
{
	return a->family == b->family && a->proto == b->proto && a->host_first == b->host_first &&
	       a->has_hostip == b->has_hostip &&
	       (!a->has_hostip || ip_address_equal(&a->hostip, &b->hostip));
}

/* Both take packets to the same port: the same key, or one of them is for every address. */
static bool overlaps(const struct portfwd *a, const struct portfwd *b)
{
	return a->family == b->family && a->proto == b->proto && a->host_first == b->host_first &&
	       (!a->has_hostip || !b->has_hostip || ip_address_equal(&a->hostip, &b->hostip));
}

/* The elements of forwards f: one per host port. */
static int expand(const char *owner, const struct portfwd *f, size_t n, struct portfwd_entry **ret,
		  size_t *ret_n)
{
	struct portfwd_entry *v;
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += (size_t)(f[i].host_last - f[i].host_first) + 1;
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (unsigned p = f[i].host_first; p <= f[i].host_last; p++) {
			struct portfwd_entry *e = &v[k++];

			snprintf(e->owner, sizeof(e->owner), "%s", owner ? owner : "");
			e->fwd = f[i];
			e->fwd.host_first = e->fwd.host_last = (uint16_t)p;
			if (f[i].ct_range)
				e->fwd.ct_first = (uint16_t)(f[i].ct_first + (p - f[i].host_first));
			e->fwd.ct_range = false;
		}
	*ret = v;
	*ret_n = total;
	return 0;
}

static int conflict_error(const struct portfwd *want, const struct portfwd_entry *holder,
			  struct lxcri_error *err)
{
	char host[128];

	portfwd_host_string(want, host, sizeof(host));
	if (!holder->owner[0])
		return error_set(err, -EADDRINUSE,
				 "Host port '%s' is already forwarded by an element without owner",
				 host);
	return error_set(err, -EADDRINUSE, "Host port '%s' is already forwarded to container '%s'",
			 host, holder->owner);
}

/* Refusals before anything changes: a host port twice in f, or bound by a host process. */
static int add_check(const struct portfwd *f, size_t n, const struct portfwd_entry *want,
		     size_t n_want, struct lxcri_error *err)
{
	for (size_t i = 0; i < n_want; i++)
		for (size_t j = 0; j < i; j++)
			if (same_key(&want[i].fwd, &want[j].fwd)) {
				char host[128];

				portfwd_host_string(&want[i].fwd, host, sizeof(host));
				return error_set(err, -EINVAL,
						 "Host port '%s' is forwarded twice (port%u and "
						 "port%u)",
						 host, want[j].fwd.index, want[i].fwd.index);
			}
	for (size_t i = 0; i < n; i++) {
		char who[ESCAPE_BUFSIZE + 32], host[128];

		if (portfwd_port_user(f[i].family, f[i].proto, f[i].host_first, f[i].host_last,
				      f[i].has_hostip ? &f[i].hostip : NULL, who,
				      sizeof(who)) > 0) {
			portfwd_host_string(&f[i], host, sizeof(host));
			return error_set(err, -EADDRINUSE, "Host port '%s' is in use by %s", host,
					 who);
		}
	}
	return 0;
}

/* Other owners' elements in the table that take a port of want. */
static int add_check_table(const char *owner, const struct portfwd_entry *want, size_t n_want,
			   const struct table_state *st, struct lxcri_error *err)
{
	for (size_t i = 0; i < n_want; i++)
		for (size_t j = 0; j < st->n_forwards; j++)
			if (strcmp(st->forwards[j].owner, owner) != 0 &&
			    overlaps(&want[i].fwd, &st->forwards[j].fwd))
				return conflict_error(&want[i].fwd, &st->forwards[j], err);
	return 0;
}

/* Whether two prefixes overlap: one contains the other. */
static bool prefixes_overlap(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->addr.family == b->addr.family &&
	       (ip_prefix_contains(a, &b->addr) || ip_prefix_contains(b, &a->addr));
}

/*
 * The hairpin element of fwd's subnet, unless st (NULL: not read) holds one
 * that overlaps it: the kernel refuses overlapping intervals (EEXIST), and the
 * larger one already masquerades the smaller's traffic.
 */
static void emit_hairpin_add(FILE *f, const char *table, const struct portfwd *fwd,
			     const struct table_state *st)
{
	struct ip_prefix subnet = fwd->subnet;

	ip_prefix_clear_host_bits(&subnet);
	for (size_t j = 0; st && j < st->n_hairpins; j++)
		if (prefixes_overlap(&st->hairpins[j].subnet, &subnet))
			return;
	emit_hairpin(f, table, &subnet);
}

static int open_batch(FILE **ret_f, char **buf, size_t *size)
{
	*ret_f = open_memstream(buf, size);
	return *ret_f ? 0 : -errno;
}

/* Flushes f and runs what it holds as one transaction. */
static int run_batch(struct portfwd_ctx *ctx, FILE *f, char **buf, char *reason, size_t size)
{
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(reason, size, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nft_run(ctx, *buf, false, NULL, reason, size);
}

/* Our chains that exist, from `list chains`: no set is listed, so it costs little. */
static int chains_present(struct portfwd_ctx *ctx, bool present[N_OBJECTS], struct lxcri_error *err)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *list;
	char reason[512], why[256];
	int r;

	r = nft_run(ctx, "list chains", true, &out, reason, sizeof(reason));
	if (r < 0)
		return error_set(err, r, "Failed to list the chains: %s", reason);
	r = json_parse_strict(out, strlen(out), &root, why, sizeof(why));
	if (r < 0 || !json_object_object_get_ex(root, "nftables", &list) ||
	    !json_object_is_type(list, json_type_array))
		return error_set(err, -EIO, "Failed to read the listing of the chains: %s",
				 r < 0 ? why : "no \"nftables\" array");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *chain, *family, *table, *name;
		int obj;

		if (!json_object_object_get_ex(json_object_array_get_idx(list, i), "chain",
					       &chain) ||
		    !json_object_object_get_ex(chain, "family", &family) ||
		    !json_object_object_get_ex(chain, "table", &table) ||
		    !json_object_object_get_ex(chain, "name", &name) ||
		    strcmp(json_object_get_string(table), ctx->table) != 0)
			continue;
		obj = object_index(json_object_get_string(family), "chain",
				   json_object_get_string(name));
		if (obj >= 0)
			present[obj] = true;
	}
	return 0;
}

/*
 * A forward for every address conflicts with another owner's forward of
 * the same port to one host address: those live in fwdNip, which is listed
 * (it holds only the hostip= forwards, usually few).
 */
static int hostip_conflicts(struct portfwd_ctx *ctx, const char *owner,
			    const struct portfwd_entry *want, size_t n_want,
			    struct lxcri_error *err)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t k = 0; k < ELEMENTSOF(families); k++) {
		_cleanup_free_ char *cmd = NULL, *out = NULL;
		_cleanup_json_ struct json_object *root = NULL;
		struct json_object *list;
		struct table_state st = { 0 };
		char reason[512], why[256];
		int obj = map_index(families[k], true), r = 0;
		bool needed = false;

		for (size_t i = 0; i < n_want && !needed; i++)
			needed = want[i].fwd.family == families[k] && !want[i].fwd.has_hostip;
		if (!needed)
			continue;
		if (asprintf(&cmd, "list map inet %s %s", ctx->table, table_objects[obj].name) < 0)
			return error_set(err, -ENOMEM, "Failed to list table '%s'", ctx->table);
		r = nft_run(ctx, cmd, true, &out, reason, sizeof(reason));
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return error_set(err, r, "Failed to list '%s': %s", cmd + 9, reason);
		if (json_parse_strict(out, strlen(out), &root, why, sizeof(why)) < 0 ||
		    !json_object_object_get_ex(root, "nftables", &list) ||
		    !json_object_is_type(list, json_type_array))
			return error_set(err, -EIO, "Failed to read the listing of '%s': %s",
					 cmd + 9, why);
		for (size_t i = 0; i < json_object_array_length(list) && r >= 0; i++) {
			struct json_object *map;

			if (json_object_object_get_ex(json_object_array_get_idx(list, i), "map",
						      &map))
				r = read_elements(map, obj, &st);
		}
		for (size_t i = 0; i < n_want && r >= 0; i++)
			for (size_t j = 0; j < st.n_forwards && r >= 0; j++)
				if (strcmp(st.forwards[j].owner, owner) != 0 &&
				    overlaps(&want[i].fwd, &st.forwards[j].fwd))
					r = conflict_error(&want[i].fwd, &st.forwards[j], err);
		table_state_done(&st);
		if (r < 0)
			return r == -ENOMEM ? error_set(err, r, "Out of memory") : r;
	}
	return 0;
}

/*
 * The fast way, at a cost that does not grow with the number of forwards:
 * no listing of the maps, `create element` for each key, and for a hostip=
 * key a create-and-delete of its port in the map for every address (an
 * element there fails the transaction: a conflict). The table's objects are
 * added (idempotent), with the rules of chains that do not exist. -EEXIST
 * when a key is taken, by anyone: nothing was applied, and the caller takes
 * the slow way, which names the holder or finds the keys are the owner's
 * own.
 */
static int add_fast(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f, size_t n,
		    const struct portfwd_entry *want, size_t n_want, struct lxcri_error *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *batch = NULL;
	bool present[N_OBJECTS] = { false };
	size_t size = 0;
	char reason[512];
	int r;

	r = chains_present(ctx, present, err);
	if (r >= 0)
		r = hostip_conflicts(ctx, owner, want, n_want, err);
	if (r < 0)
		return r;
	if (open_batch(&batch, &buf, &size) < 0)
		return error_set(err, -ENOMEM, "Failed to add the forwards of '%s'", owner);
	for (size_t i = 0; i < ELEMENTSOF(table_families); i++)
		fprintf(batch, "add table %s %s\n", table_families[i], ctx->table);
	for (int i = 0; i < N_OBJECTS; i++) {
		const struct table_object *o = &table_objects[i];

		if (!object_wanted(ctx, i))
			continue;
		emit_object(batch, ctx, i);
		for (const char *const *rule = o->rules; rule && *rule && !present[i]; rule++)
			fprintf(batch, "add rule %s %s %s %s\n", o->family, ctx->table, o->name,
				*rule);
	}
	for (size_t i = 0; i < n_want; i++) {
		emit_forward(batch, "create", ctx->table, &want[i]);
		if (want[i].fwd.has_hostip) {
			struct portfwd_entry probe = want[i];

			probe.fwd.has_hostip = false;
			emit_forward(batch, "create", ctx->table, &probe);
			emit_forward(batch, "delete", ctx->table, &probe);
		}
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = prefixes_overlap(&f[j].subnet, &f[i].subnet);
		if (!seen)
			emit_hairpin_add(batch, ctx->table, &f[i], NULL);
		if (f[i].family == AF_INET && f[i].localnet_if[0])
			fprintf(batch, "add element inet %s localnet { \"%s\" }\n", ctx->table,
				f[i].localnet_if);
	}
	emit_fwbr_add(batch, ctx->table, owner, f, n);
	r = run_batch(ctx, batch, &buf, reason, sizeof(reason));
	if (r == -EEXIST)
		return r;
	if (r < 0)
		return error_set(err, r, "Failed to add the forwards of '%s': %s", owner, reason);
	return 0;
}

int portfwd_repair(struct portfwd_ctx *ctx, struct lxcri_error *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *batch = NULL;
	struct table_state st;
	size_t size = 0;
	char reason[512];
	int r;

	r = table_read(ctx, &st, err);
	if (r < 0)
		return r;
	if (table_state_complete(ctx, &st)) {
		table_state_done(&st);
		return 0;
	}
	if (open_batch(&batch, &buf, &size) < 0) {
		table_state_done(&st);
		return error_set(err, -ENOMEM, "Failed to repair table '%s'", ctx->table);
	}
	emit_table(batch, ctx, &st);
	table_state_done(&st);
	r = run_batch(ctx, batch, &buf, reason, sizeof(reason));
	if (r < 0)
		return error_set(err, r, "Failed to repair table 'inet %s': %s", ctx->table,
				 reason);
	return 1;
}

int portfwd_add(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f, size_t n,
		struct lxcri_error *err)
{
	_cleanup_free_ struct portfwd_entry *want = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *batch = NULL;
	struct table_state st = { 0 };
	size_t n_want = 0, size = 0;
	char reason[512];
	int r;

	if (!owner_valid(owner))
		return error_set(err, -EINVAL, "Invalid port forward owner '%s'",
				 owner ? owner : "");
	for (size_t i = 0; i < n; i++) {
		r = portfwd_check(&f[i], true, err);
		if (r < 0)
			return r;
	}
	if (expand(owner, f, n, &want, &n_want) < 0)
		return error_set(err, -ENOMEM, "Failed to add the forwards of '%s'", owner);
	r = add_check(f, n, want, n_want, err);
	if (r < 0)
		goto out;
	r = add_fast(ctx, owner, f, n, want, n_want, err);
	if (r != -EEXIST)
		goto out;

	/* A key is taken: the slow way reads the table to say by whom, or skip our own. */
	r = table_read(ctx, &st, err);
	if (r < 0)
		goto out;
	r = add_check_table(owner, want, n_want, &st, err);
	if (r < 0)
		goto out;
	if (open_batch(&batch, &buf, &size) < 0) {
		r = error_set(err, -ENOMEM, "Failed to add the forwards of '%s'", owner);
		goto out;
	}
	emit_table(batch, ctx, &st);
	for (size_t i = 0; i < n_want; i++) {
		const struct portfwd_entry *old = NULL;

		for (size_t j = 0; j < st.n_forwards && !old; j++)
			if (same_key(&want[i].fwd, &st.forwards[j].fwd))
				old = &st.forwards[j];
		if (old && ip_address_equal(&old->fwd.target, &want[i].fwd.target) &&
		    old->fwd.ct_first == want[i].fwd.ct_first)
			continue;
		/* `create`: an element a concurrent writer made meanwhile fails the batch. */
		if (old)
			emit_forward(batch, "delete", ctx->table, old);
		emit_forward(batch, "create", ctx->table, &want[i]);
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = ip_address_equal(&f[j].target, &f[i].target);
		if (!seen)
			emit_hairpin_add(batch, ctx->table, &f[i], &st);
		if (f[i].family == AF_INET && f[i].localnet_if[0])
			fprintf(batch, "add element inet %s localnet { \"%s\" }\n", ctx->table,
				f[i].localnet_if);
	}
	emit_fwbr_add(batch, ctx->table, owner, f, n);
	r = run_batch(ctx, batch, &buf, reason, sizeof(reason));
	if (r == -EEXIST)
		r = error_set(err, -EADDRINUSE,
			      "Failed to add the forwards of '%s': %s (a host port was taken "
			      "meanwhile)",
			      owner, reason);
	else if (r < 0)
		r = error_set(err, r, "Failed to add the forwards of '%s': %s", owner, reason);
out:
	table_state_done(&st);
	return r;
}

int portfwd_localnet_del(struct portfwd_ctx *ctx, const char *ifname, struct lxcri_error *err)
{
	_cleanup_free_ char *cmd = NULL;
	char reason[512];
	int r;

	if (!localnet_ifname_valid(ifname))
		return error_set(err, -EINVAL, "Invalid localnet interface '%s'", ifname);
	if (asprintf(&cmd, "delete element inet %s localnet { \"%s\" }", ctx->table, ifname) < 0)
		return error_oom(err);
	r = nft_run(ctx, cmd, false, NULL, reason, sizeof(reason));
	/* No table, no set, no element: nothing to remove. */
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return error_set(err, r,
				 "Failed to remove '%s' from @localnet of table 'inet %s': %s",
				 ifname, ctx->table, reason);
	return 1;
}

static bool same_nl_address(struct nl_addr *a, const struct ip_address *b)
{
	size_t len = b->family == AF_INET ? 4 : 16;

	return a && nl_addr_get_family(a) == b->family && nl_addr_get_len(a) == len &&
	       memcmp(nl_addr_get_binary_addr(a), &b->in6, len) == 0;
}

static bool conntrack_matches(struct nfnl_ct *ct, const struct portfwd *e)
{
	return nfnl_ct_get_family(ct) == e->family && nfnl_ct_get_proto(ct) == e->proto &&
	       nfnl_ct_get_dst_port(ct, 0) == e->host_first &&
	       nfnl_ct_get_src_port(ct, 1) == e->ct_first &&
	       same_nl_address(nfnl_ct_get_src(ct, 1), &e->target) &&
	       (!e->has_hostip || same_nl_address(nfnl_ct_get_dst(ct, 0), &e->hostip));
}

/* Best effort: see portfwd.h. */
static void conntrack_flush(const struct portfwd_entry *removed, const bool *taken, size_t n)
{
	_cleanup_nl_socket_ struct nl_sock *sk = NULL;
	_cleanup_nl_cache_ struct nl_cache *cache = NULL;

	sk = nl_socket_alloc();
	if (!sk || nfnl_connect(sk) < 0 || nfnl_ct_alloc_cache(sk, &cache) < 0)
		return;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
		for (size_t i = 0; i < n; i++)
			if (taken[i] && conntrack_matches((struct nfnl_ct *)o, &removed[i].fwd)) {
				(void)nfnl_ct_del(sk, (struct nfnl_ct *)o, 0);
				break;
			}
}

static bool forward_matches(const struct portfwd *e, const struct portfwd *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e->family == f[i].family && e->proto == f[i].proto &&
		    e->has_hostip == f[i].has_hostip &&
		    (!e->has_hostip || ip_address_equal(&e->hostip, &f[i].hostip)) &&
		    e->host_first >= f[i].host_first && e->host_first <= f[i].host_last)
			return true;
	return false;
}

/*
 * Removes owner's elements among forwards f (f NULL: all of owner's) as the
 * listing shows them: exactly the owner's, whatever happened to the table
 * since they were added. (nft 1.0.6 reads a whole map to look one element
 * up, so a removal costs what listing the table costs; an add does not.)
 * A concurrent removal (ENOENT for an element listed a moment ago) is
 * retried.
 */
static int remove_elements(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f,
			   size_t n, struct lxcri_error *err)
{
	for (unsigned attempt = 0;; attempt++) {
		_cleanup_free_ bool *taken = NULL;
		_cleanup_free_ char *buf = NULL;
		_cleanup_fclose_ FILE *batch = NULL;
		struct table_state st;
		size_t size = 0;
		int r, count = 0, fwbrs = 0;
		bool left = false;
		char reason[512];

		r = table_read(ctx, &st, err);
		if (r < 0)
			return r;
		taken = calloc(st.n_forwards + 1, sizeof(*taken));
		if (!taken || open_batch(&batch, &buf, &size) < 0) {
			table_state_done(&st);
			return error_set(err, -ENOMEM, "Failed to remove the forwards of '%s'",
					 owner);
		}
		for (size_t i = 0; i < st.n_forwards; i++) {
			const struct portfwd_entry *e = &st.forwards[i];

			if (strcmp(e->owner, owner) != 0 || (f && !forward_matches(&e->fwd, f, n)))
				continue;
			taken[i] = true;
			count++;
			emit_forward(batch, "delete", ctx->table, e);
		}
		for (size_t i = 0; i < st.n_forwards && !left; i++)
			left = !taken[i] && strcmp(st.forwards[i].owner, owner) == 0;
		/* With the owner's last forward, its firewall bridges' elements. */
		if (!left)
			fwbrs = emit_fwbr_delete(batch, ctx->table, owner, &st);
		if (count > 0 || fwbrs > 0)
			r = run_batch(ctx, batch, &buf, reason, sizeof(reason));
		if (r == -ENOENT && attempt < 3) {
			table_state_done(&st);
			continue;
		}
		if (r < 0)
			r = error_set(err, r, "Failed to remove the forwards of '%s': %s", owner,
				      reason);
		else if (count > 0)
			conntrack_flush(st.forwards, taken, st.n_forwards);
		table_state_done(&st);
		return r < 0 ? r : count;
	}
}

int portfwd_remove(struct portfwd_ctx *ctx, const char *owner, const struct portfwd *f, size_t n,
		   struct lxcri_error *err)
{
	int r;

	if (!owner_valid(owner))
		return error_set(err, -EINVAL, "Invalid port forward owner '%s'",
				 owner ? owner : "");
	for (size_t i = 0; i < n; i++) {
		r = portfwd_check(&f[i], false, err);
		if (r < 0)
			return r;
	}
	if (n == 0)
		return 0;
	return remove_elements(ctx, owner, f, n, err);
}

int portfwd_remove_owner(struct portfwd_ctx *ctx, const char *owner, struct lxcri_error *err)
{
	if (!owner_valid(owner))
		return error_set(err, -EINVAL, "Invalid port forward owner '%s'",
				 owner ? owner : "");
	return remove_elements(ctx, owner, NULL, 0, err);
}

static int compare_entries(const void *pa, const void *pb)
{
	const struct portfwd *a = &((const struct portfwd_entry *)pa)->fwd;
	const struct portfwd *b = &((const struct portfwd_entry *)pb)->fwd;
	int c;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto == IPPROTO_TCP ? -1 : 1;
	if (a->has_hostip != b->has_hostip)
		return a->has_hostip ? 1 : -1;
	if (a->has_hostip) {
		c = memcmp(&a->hostip.in6, &b->hostip.in6, a->family == AF_INET ? 4 : 16);
		if (c != 0)
			return c;
	}
	return (int)a->host_first - (int)b->host_first;
}

int portfwd_list(struct portfwd_ctx *ctx, struct portfwd_entry **ret, size_t *ret_n,
		 struct lxcri_error *err)
{
	struct table_state st;
	int r = table_read(ctx, &st, err);

	if (r < 0)
		return r;
	if (st.n_forwards > 1)
		qsort(st.forwards, st.n_forwards, sizeof(*st.forwards), compare_entries);
	*ret = TAKE_PTR(st.forwards);
	*ret_n = st.n_forwards;
	table_state_done(&st);
	return 0;
}

/* /proc/net/{tcp,udp}[6] address "0100007F" or 32 hex digits, as the kernel's words. */
static int parse_proc_address(const char *hex, struct ip_address *ret)
{
	size_t len = strlen(hex);
	uint32_t words[4];

	if (len != 8 && len != 32)
		return -EINVAL;
	for (size_t i = 0; i < len / 8; i++) {
		char word[9];

		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		words[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	*ret = (struct ip_address){ .family = len == 8 ? AF_INET : AF_INET6 };
	memcpy(&ret->in6, words, len / 2);
	return 0;
}

/* Whether a socket bound to a takes packets for hostip (NULL: any) of family. */
static bool socket_covers(const struct ip_address *a, int family, const struct ip_address *hostip)
{
	struct ip_address v4;

	if (a->family == AF_INET6 && family == AF_INET) {
		/* :: takes IPv4 too unless IPV6_V6ONLY, which /proc does not show. */
		if (ip_address_is_unspecified(a))
			return true;
		if (!IN6_IS_ADDR_V4MAPPED(&a->in6))
			return false;
		v4 = (struct ip_address){ .family = AF_INET };
		memcpy(&v4.in, &a->in6.s6_addr[12], 4);
		a = &v4;
	}
	if (a->family != family)
		return false;
	return !hostip || ip_address_is_unspecified(a) || ip_address_equal(a, hostip);
}

/* The inode of a matching socket in one /proc/net file: 1, or 0. */
static int proc_net_find(const char *path, int family, bool tcp, uint16_t first, uint16_t last,
			 const struct ip_address *hostip, unsigned long *ret_inode)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[512];

	f = fopen(path, "re");
	if (!f)
		return 0; /* no IPv6, for one */
	while (fgets(line, sizeof(line), f)) {
		char hex[33];
		unsigned port, state;
		unsigned long inode;
		struct ip_address a;

		if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s %*s %lu", hex,
			   &port, &state, &inode) != 4)
			continue;
		if (port < first || port > last || (tcp && state != 0x0A))
			continue;
		if (parse_proc_address(hex, &a) < 0 || !socket_covers(&a, family, hostip))
			continue;
		*ret_inode = inode;
		return 1;
	}
	return 0;
}

/* The first process with the socket open: its pid, or 0. */
static pid_t socket_owner(unsigned long inode)
{
	_cleanup_(closedirp) DIR *proc = NULL;
	char want[64];
	struct dirent *de;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((de = readdir(proc))) {
		_cleanup_(closedirp) DIR *fds = NULL;
		struct dirent *fe;
		char path[300];

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			char link[600], target[64];
			ssize_t len;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", path, fe->d_name);
			len = readlink(link, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			if (strcmp(target, want) == 0)
				return (pid_t)atoi(de->d_name);
		}
	}
	return 0;
}

int portfwd_port_user(int family, int proto, uint16_t first, uint16_t last,
		      const struct ip_address *hostip, char *who, size_t size)
{
	const char *v4 = proto == IPPROTO_UDP ? "/proc/net/udp" : "/proc/net/tcp";
	const char *v6 = proto == IPPROTO_UDP ? "/proc/net/udp6" : "/proc/net/tcp6";
	bool tcp = proto != IPPROTO_UDP;
	char path[64], comm[64] = "", escaped[ESCAPE_BUFSIZE];
	unsigned long inode = 0;
	_cleanup_fclose_ FILE *f = NULL;
	pid_t pid;

	if (!(family == AF_INET && proc_net_find(v4, family, tcp, first, last, hostip, &inode)) &&
	    !proc_net_find(v6, family, tcp, first, last, hostip, &inode))
		return 0;
	pid = inode ? socket_owner(inode) : 0;
	if (pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		f = fopen(path, "re");
		if (f && fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
	}
	if (pid > 0 && comm[0])
		snprintf(who, size, "'%s' (pid %d)",
			 escape_for_message(comm, escaped, sizeof(escaped)), (int)pid);
	else
		snprintf(who, size, "%s", "an unknown process");
	return 1;
}

struct json_object *portfwd_to_json(const struct portfwd *f)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	char target[INET6_ADDRSTRLEN] = "", hostip[INET6_ADDRSTRLEN] = "",
	     subnet[IP_PREFIX_STRLEN] = "";

	if (!o)
		return NULL;
	ip_address_to_string(&f->target, target, sizeof(target));
	ip_prefix_to_string(&f->subnet, subnet, sizeof(subnet));
	if (f->has_hostip)
		ip_address_to_string(&f->hostip, hostip, sizeof(hostip));
	if (json_add_string(o, "family", f->family == AF_INET6 ? "ipv6" : "ipv4") < 0 ||
	    json_add_string(o, "proto", ip_proto_name(f->proto)) < 0 ||
	    json_add(o, "host_first", json_object_new_int(f->host_first)) < 0 ||
	    json_add(o, "host_last", json_object_new_int(f->host_last)) < 0 ||
	    json_add(o, "ct_first", json_object_new_int(f->ct_first)) < 0 ||
	    json_add(o, "ct_range", json_object_new_boolean(f->ct_range)) < 0 ||
	    json_add_string(o, "hostip", f->has_hostip ? hostip : NULL) < 0 ||
	    json_add_string(o, "target", target) < 0 || json_add_string(o, "subnet", subnet) < 0 ||
	    json_add_string(o, "localnet_if", f->localnet_if) < 0 ||
	    json_add(o, "index", json_object_new_int64(f->index)) < 0)
		return NULL;
	if (f->fwbr.bridge[0]) {
		struct json_object *w = json_object_new_object();
		char ct[MAC_STRLEN], vmbr[MAC_STRLEN];

		mac_to_string(f->fwbr.ct_mac, ct);
		mac_to_string(f->fwbr.vmbr_mac, vmbr);
		if (json_add(o, "fwbr", w) < 0 ||
		    json_add_string(w, "bridge", f->fwbr.bridge) < 0 ||
		    json_add_string(w, "port", f->fwbr.port) < 0 ||
		    json_add_string(w, "mac", ct) < 0 || json_add_string(w, "vmbr_mac", vmbr) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

/* The member key of o, of type; NULL with err set if it is missing or of another type. */
static struct json_object *json_member(struct json_object *o, const char *key, json_type type,
				       struct lxcri_error *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		error_set(err, -EINVAL, "Invalid port forward: '%s' is missing", key);
		return NULL;
	}
	if (!json_object_is_type(v, type)) {
		error_set(err, -EINVAL, "Invalid port forward: '%s' is not %s", key,
			  type == json_type_int	      ? "a number"
			  : type == json_type_boolean ? "true or false"
						      : "a string");
		return NULL;
	}
	return v;
}

static int json_member_port(struct json_object *o, const char *key, uint16_t *ret,
			    struct lxcri_error *err)
{
	struct json_object *v = json_member(o, key, json_type_int, err);
	int64_t p;

	if (!v)
		return -EINVAL;
	p = json_object_get_int64(v);
	if (p < 1 || p > 65535)
		return error_set(err, -EINVAL, "Invalid port forward: '%s' is not a port: %" PRId64,
				 key, p);
	*ret = (uint16_t)p;
	return 0;
}

static int json_member_choice(struct json_object *o, const char *key, const char *a, const char *b,
			      int value_a, int value_b, int *ret, struct lxcri_error *err)
{
	struct json_object *v = json_member(o, key, json_type_string, err);
	char escaped[ESCAPE_BUFSIZE];
	const char *s;

	if (!v)
		return -EINVAL;
	s = json_object_get_string(v);
	if (strcmp(s, a) == 0)
		*ret = value_a;
	else if (strcmp(s, b) == 0)
		*ret = value_b;
	else
		return error_set(err, -EINVAL,
				 "Invalid port forward: '%s' is neither '%s' nor '%s': '%s'", key,
				 a, b, escape_for_message(s, escaped, sizeof(escaped)));
	return 0;
}

static int json_member_address(struct json_object *o, const char *key, int family, bool prefix,
			       void *ret, struct lxcri_error *err)
{
	struct json_object *v = json_member(o, key, json_type_string, err);
	char escaped[ESCAPE_BUFSIZE];
	const char *s;
	int r;

	if (!v)
		return -EINVAL;
	s = json_object_get_string(v);
	r = prefix ? ip_prefix_parse(s, family, ret) : ip_address_parse(s, family, ret);
	if (r < 0)
		return error_set(err, -EINVAL, "Invalid port forward: '%s' is not an %s %s: '%s'",
				 key, family == AF_INET ? "IPv4" : "IPv6",
				 prefix ? "prefix" : "address",
				 escape_for_message(s, escaped, sizeof(escaped)));
	return 0;
}

/* "fwbr": absent (a state written before it existed) or null is none. */
static int json_fwbr(struct json_object *o, struct portfwd_fwbr *ret, struct lxcri_error *err)
{
	static const char *const keys[] = { "bridge", "port", "mac", "vmbr_mac" };
	struct json_object *w, *v[4];

	*ret = (struct portfwd_fwbr){ 0 };
	if (!json_object_object_get_ex(o, "fwbr", &w) || !w)
		return 0;
	if (!json_object_is_type(w, json_type_object))
		return error_set(err, -EINVAL, "Invalid port forward: 'fwbr' is not an object");
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		v[i] = json_member(w, keys[i], json_type_string, err);
		if (!v[i])
			return -EINVAL;
	}
	if (snprintf(ret->bridge, sizeof(ret->bridge), "%s", json_object_get_string(v[0])) >=
		(int)sizeof(ret->bridge) ||
	    snprintf(ret->port, sizeof(ret->port), "%s", json_object_get_string(v[1])) >=
		(int)sizeof(ret->port) ||
	    !ret->bridge[0] || mac_parse(json_object_get_string(v[2]), ret->ct_mac) < 0 ||
	    mac_parse(json_object_get_string(v[3]), ret->vmbr_mac) < 0)
		return error_set(err, -EINVAL,
				 "Invalid port forward: 'fwbr' holds no interface names and MACs");
	return 0;
}

int portfwd_from_json(struct json_object *o, struct portfwd *ret, struct lxcri_error *err)
{
	struct portfwd f = { 0 };
	struct json_object *v;
	const char *ifname;
	int64_t index;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return error_set(err, -EINVAL, "Invalid port forward: not a JSON object");
	if (json_member_choice(o, "family", "ipv4", "ipv6", AF_INET, AF_INET6, &f.family, err) <
		0 ||
	    json_member_choice(o, "proto", "tcp", "udp", IPPROTO_TCP, IPPROTO_UDP, &f.proto, err) <
		0 ||
	    json_member_port(o, "host_first", &f.host_first, err) < 0 ||
	    json_member_port(o, "host_last", &f.host_last, err) < 0 ||
	    json_member_port(o, "ct_first", &f.ct_first, err) < 0)
		return -EINVAL;
	v = json_member(o, "ct_range", json_type_boolean, err);
	if (!v)
		return -EINVAL;
	f.ct_range = json_object_get_boolean(v);
	if (!json_object_object_get_ex(o, "hostip", &v))
		return error_set(err, -EINVAL, "Invalid port forward: '%s' is missing", "hostip");
	f.has_hostip = v != NULL;
	if ((f.has_hostip &&
	     json_member_address(o, "hostip", f.family, false, &f.hostip, err) < 0) ||
	    json_member_address(o, "target", f.family, false, &f.target, err) < 0 ||
	    json_member_address(o, "subnet", f.family, true, &f.subnet, err) < 0)
		return -EINVAL;
	v = json_member(o, "localnet_if", json_type_string, err);
	if (!v)
		return -EINVAL;
	ifname = json_object_get_string(v);
	if (strlen(ifname) >= sizeof(f.localnet_if) ||
	    (ifname[0] && !localnet_ifname_valid(ifname)))
		return error_set(
		    err, -EINVAL,
		    "Invalid port forward: 'localnet_if' is not an interface name, or lo");
	snprintf(f.localnet_if, sizeof(f.localnet_if), "%s", ifname);
	v = json_member(o, "index", json_type_int, err);
	if (!v)
		return -EINVAL;
	index = json_object_get_int64(v);
	if (index < 0 || index > UINT32_MAX)
		return error_set(err, -EINVAL, "Invalid port forward: 'index' is out of range");
	f.index = (unsigned)index;
	r = json_fwbr(o, &f.fwbr, err);
	if (r < 0)
		return r;
	r = portfwd_check(&f, true, err);
	if (r < 0)
		return r;
	*ret = f;
	return 0;
}

void portfwd_range_string(unsigned first, unsigned last, char *buf, size_t size)
{
	if (first == last)
		snprintf(buf, size, "%u", first);
	else
		snprintf(buf, size, "%u-%u", first, last);
}
