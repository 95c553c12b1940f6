/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/ctns.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"
#include "lib/basic/mac.h"
#include "lib/basic/valid.h"
#include "lib/basic/escape.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cb *, nl_cb_put)
#define _cleanup_rtnl_link_  _cleanup_(rtnl_link_putp)
#define _cleanup_rtnl_addr_  _cleanup_(rtnl_addr_putp)
#define _cleanup_rtnl_route_ _cleanup_(rtnl_route_putp)
#define _cleanup_nl_addr_    _cleanup_(nl_addr_putp)
#define _cleanup_nl_msg_     _cleanup_(nlmsg_freep)
#define _cleanup_nl_cb_	     _cleanup_(nl_cb_putp)

/*
 * libnl folds the kernel's errno into its own codes, and several (ENETUNREACH,
 * ESRCH, ...) into NLE_FAILURE. Sockets from netlink_open() record the errno
 * of the last NLMSG_ERROR here, so that we can return the kernel's own.
 */
static __thread int last_kernel_errno;

static int record_kernel_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	(void)arg;
	last_kernel_errno = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_PARSE_ERR:
	case NLE_OBJ_MISMATCH:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_OVERFLOW:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
		return -ENODATA;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_PKTLOC_FILE:
		return -ENOENT;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_SRCRT_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_IMMUTABLE:
		return -EROFS;
	default:
		return -EIO;
	}
}

/* Reads and resets the recorded kernel errno; the -errno for a libnl result. */
static int nl_result(int nlerr, const char **ret_reason)
{
	int kernel = last_kernel_errno;

	last_kernel_errno = 0;
	if (nlerr >= 0)
		return nlerr;
	if (kernel > 0 && nl_syserr2nlerr(kernel) == (nlerr < 0 ? -nlerr : nlerr)) {
		/* libnl's text for NLE_FAILURE ("Unspecific failure") says nothing. */
		*ret_reason =
		    nl_syserr2nlerr(kernel) == NLE_FAILURE ? strerror(kernel) : nl_geterror(nlerr);
		return -kernel;
	}
	*ret_reason = nl_geterror(nlerr);
	return nlerr_to_errno(nlerr);
}

/* error_set() with the libnl result's reason appended; returns the -errno. */
__attribute__((format(printf, 3, 4))) static int nl_error(struct lxcri_error *err, int nlerr,
							  const char *fmt, ...)
{
	const char *reason = "";
	int r = nl_result(nlerr, &reason);
	char what[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(err, r, "%s: %s", what, reason);
}

static void before_request(void)
{
	last_kernel_errno = 0;
}

int netlink_open(struct nl_sock **ret)
{
	_cleanup_nl_socket_ struct nl_sock *sk = NULL;
	const char *reason = "";
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return nl_result(r, &reason);
	r = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, record_kernel_error, NULL);
	if (r < 0)
		return nl_result(r, &reason);
	*ret = TAKE_PTR(sk);
	return 0;
}

/*
 * Runs open_fn(arg, err) with the calling thread in the network namespace
 * of netns_fd, and comes back: what it returns (>= 0, or -errno with err),
 * or the error of getting there or back (then close_fn(arg, result) undoes
 * a result that was had).
 */
static int in_netns(int netns_fd, int (*open_fn)(void *arg, struct lxcri_error *err),
		    void (*close_fn)(void *arg, int result), void *arg, struct lxcri_error *err)
{
	_cleanup_close_ int self = -1;
	int r;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return error_set_errno(err, -errno, "Failed to open '%s'",
				       "/proc/thread-self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return error_set_errno(err, -errno, "Failed to enter the network namespace");
	r = open_fn(arg, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		int r_back = -errno;

		if (r >= 0)
			close_fn(arg, r);
		return error_set_errno(err, r_back,
				       "Failed to return to the original network namespace");
	}
	return r;
}

static int open_nl_sock(void *arg, struct lxcri_error *err)
{
	int r = netlink_open(arg);

	return r < 0 ? error_set_errno(err, r,
				       "Failed to open a netlink socket in the network namespace")
		     : r;
}

static void free_nl_sock(void *arg, int result)
{
	(void)result;
	nl_socket_free(*(struct nl_sock **)arg);
}

int netlink_open_in_netns_fd(int netns_fd, struct nl_sock **ret, struct lxcri_error *err)
{
	struct nl_sock *sk = NULL;
	int r = in_netns(netns_fd, open_nl_sock, free_nl_sock, &sk, err);

	if (r < 0)
		return r;
	*ret = sk;
	return 0;
}

/* A raw socket on the address groups: the fd. */
static int open_address_monitor(void *arg, struct lxcri_error *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	_cleanup_close_ int fd =
	    socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	(void)arg;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_set_errno(err, -errno,
				       "Failed to watch the addresses of the network namespace");
	return TAKE_FD(fd);
}

static void close_address_monitor(void *arg, int fd)
{
	(void)arg;
	close(fd);
}

int netlink_address_monitor_open(int netns_fd, struct lxcri_error *err)
{
	return in_netns(netns_fd, open_address_monitor, close_address_monitor, NULL, err);
}

int netlink_netns_open_pid(pid_t pid, int *ret_fd, struct lxcri_error *err)
{
	/* Pinned: the namespace is that process's, never one of a pid reused meanwhile. */
	struct ctns ns = CTNS_NONE;
	int r = ctns_open_pid(pid, &ns, err);

	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(ns.net);
	ctns_close(&ns);
	return 0;
}

int netlink_open_in_netns_pid(pid_t pid, struct nl_sock **ret, struct lxcri_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	r = netlink_netns_open_pid(pid, &fd, err);
	if (r < 0)
		return r;
	return netlink_open_in_netns_fd(fd, ret, err);
}

static int check_ifname(const char *ifname, const char *what, struct lxcri_error *err)
{
	char esc[ESCAPE_BUFSIZE];

	if (!ifname || !valid_ifname(ifname))
		return error_set(err, -EINVAL, "Invalid %s name '%s'", what,
				 ifname ? escape_for_message(ifname, esc, sizeof(esc)) : "");
	return 0;
}

/* The link, or -ENODEV if there is none (without a message: callers word it). */
static int link_lookup(struct nl_sock *sk, const char *ifname, struct rtnl_link **ret,
		       const char **ret_reason)
{
	int r;

	before_request();
	r = rtnl_link_get_kernel(sk, 0, ifname, ret);
	if (r == -NLE_NODEV || r == -NLE_OBJ_NOTFOUND) {
		last_kernel_errno = 0;
		return -ENODEV;
	}
	return nl_result(r, ret_reason);
}

int netlink_link_exists(struct nl_sock *sk, const char *ifname)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	const char *reason = "";
	int r;

	if (!ifname || !valid_ifname(ifname))
		return -EINVAL;
	r = link_lookup(sk, ifname, &link, &reason);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	return 1;
}

static int link_get_or_fail(struct nl_sock *sk, const char *ifname, struct rtnl_link **ret,
			    struct lxcri_error *err)
{
	const char *reason = "";
	int r;

	r = link_lookup(sk, ifname, ret, &reason);
	if (r == -ENODEV)
		return error_set(err, r, "Interface '%s' does not exist", ifname);
	if (r < 0)
		return error_set(err, r, "Failed to look up interface '%s': %s", ifname, reason);
	return 0;
}

int netlink_link_get(struct nl_sock *sk, const char *ifname, struct netlink_link_info *ret,
		     struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	struct netlink_link_info info = { 0 };
	struct nl_addr *mac;
	const char *kind, *alias;
	int master, r;

	r = check_ifname(ifname, "interface", err);
	if (r < 0)
		return r;
	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	info.ifindex = rtnl_link_get_ifindex(link);
	info.mtu = rtnl_link_get_mtu(link);
	info.up = rtnl_link_get_flags(link) & IFF_UP;
	mac = rtnl_link_get_addr(link);
	if (mac && nl_addr_get_len(mac) == 6) {
		info.has_mac = true;
		memcpy(info.mac, nl_addr_get_binary_addr(mac), 6);
	}
	kind = rtnl_link_get_type(link);
	if (kind)
		snprintf(info.kind, sizeof(info.kind), "%s", kind);
	alias = rtnl_link_get_ifalias(link);
	if (alias)
		snprintf(info.alias, sizeof(info.alias), "%s", alias);
	master = rtnl_link_get_master(link);
	if (master > 0) {
		_cleanup_rtnl_link_ struct rtnl_link *m = NULL;
		const char *reason = "";

		before_request();
		r = rtnl_link_get_kernel(sk, master, NULL, &m);
		if (r < 0) {
			/* nl_result() sets reason: call it before reason is read. */
			r = nl_result(r, &reason);
			return error_set(err, r, "Failed to look up the master of '%s': %s", ifname,
					 reason);
		}
		snprintf(info.master, sizeof(info.master), "%s", rtnl_link_get_name(m));
	}
	*ret = info;
	return 0;
}

/* Deletes link (a name or an ifindex set); one that is not there is fine. */
static int link_delete(struct nl_sock *sk, struct rtnl_link *link, const char *what,
		       struct lxcri_error *err)
{
	int r;

	before_request();
	r = rtnl_link_delete(sk, link);
	if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
		return nl_error(err, r, "Failed to delete %s", what);
	last_kernel_errno = 0;
	return 0;
}

int netlink_link_delete(struct nl_sock *sk, const char *ifname, struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	char what[IFNAMSIZ + 2];
	int r;

	r = check_ifname(ifname, "interface", err);
	if (r < 0)
		return r;
	link = rtnl_link_alloc();
	if (!link)
		return error_set(err, -ENOMEM, "Failed to delete '%s': out of memory", ifname);
	rtnl_link_set_name(link, ifname);
	snprintf(what, sizeof(what), "'%s'", ifname);
	return link_delete(sk, link, what, err);
}

int netlink_link_delete_ifindex(struct nl_sock *sk, int ifindex, struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	char what[32];

	if (ifindex <= 0)
		return error_set(err, -EINVAL, "Invalid interface index %d", ifindex);
	snprintf(what, sizeof(what), "interface %d", ifindex);
	link = rtnl_link_alloc();
	if (!link)
		return error_set(err, -ENOMEM, "Failed to delete %s: out of memory", what);
	rtnl_link_set_ifindex(link, ifindex);
	return link_delete(sk, link, what, err);
}

static struct nl_addr *mac_to_nl_addr(const uint8_t mac[6])
{
	return nl_addr_build(AF_LLC, mac, 6);
}

/* A MAC we may give ifname: unicast, not all zeros; NULL (none given) is fine. */
static int check_mac(const uint8_t *mac, const char *ifname, struct lxcri_error *err)
{
	char buf[MAC_STRLEN];

	if (!mac || (mac_is_unicast(mac) && !mac_is_zero(mac)))
		return 0;
	mac_to_string(mac, buf);
	return error_set(err, -EINVAL, "Invalid MAC address '%s' for '%s'", buf, ifname);
}

static int request_done(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(bool *)arg = true;
	return NL_STOP;
}

/*
 * Sends msg and hands every answer to parse (NULL: none expected), reading up
 * to the ACK (a single answer) or NLMSG_DONE (a dump): an ACK left queued
 * would be taken for the answer to the next request. The libnl result.
 */
static int request(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t parse, void *arg)
{
	_cleanup_nl_cb_ struct nl_cb *sk_cb = nl_socket_get_cb(sk); /* a new reference */
	_cleanup_nl_cb_ struct nl_cb *cb = sk_cb ? nl_cb_clone(sk_cb) : NULL;
	bool done = false;
	int r;

	if (!cb)
		return -NLE_NOMEM;
	if (parse)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse, arg);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, request_done, &done);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, request_done, &done);
	before_request();
	r = nl_send_auto(sk, msg);
	while (r >= 0 && !done)
		r = nl_recvmsgs(sk, cb);
	return r < 0 ? r : 0;
}

/*
 * Sends one RTM_GETLINK (for ifindex, or a dump of family) and hands every
 * answer to parse: for what libnl 3.7 does not parse (bridge attributes).
 */
static int link_request(struct nl_sock *sk, int family, int ifindex, uint32_t ext_mask,
			nl_recvmsg_msg_cb_t parse, void *arg)
{
	_cleanup_nl_msg_ struct nl_msg *msg = NULL;
	struct ifinfomsg ifi = { .ifi_family = (unsigned char)family, .ifi_index = ifindex };
	int r;

	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | (ifindex > 0 ? 0 : NLM_F_DUMP));
	if (!msg)
		return -NLE_NOMEM;
	r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (r >= 0 && ext_mask)
		r = nla_put_u32(msg, IFLA_EXT_MASK, ext_mask);
	return r < 0 ? r : request(sk, msg, parse, arg);
}

static int parse_vlan_filtering(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *data[IFLA_BR_MAX + 1];
	int *ret = arg;

	if (hdr->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(hdr, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return NL_OK;
	*ret = 0;
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 ||
	    !info[IFLA_INFO_DATA] ||
	    nla_parse_nested(data, IFLA_BR_MAX, info[IFLA_INFO_DATA], NULL) < 0)
		return NL_OK;
	/* Absent when the kernel has no CONFIG_BRIDGE_VLAN_FILTERING: off. */
	if (data[IFLA_BR_VLAN_FILTERING] && nla_len(data[IFLA_BR_VLAN_FILTERING]) >= 1)
		*ret = nla_get_u8(data[IFLA_BR_VLAN_FILTERING]) != 0;
	return NL_OK;
}

static int bridge_vlan_filtering(struct nl_sock *sk, int ifindex, int *ret)
{
	int filtering = -1;
	int r;

	r = link_request(sk, AF_UNSPEC, ifindex, 0, parse_vlan_filtering, &filtering);
	if (r < 0)
		return r;
	if (filtering < 0)
		return -NLE_OBJ_NOTFOUND;
	*ret = filtering;
	return 0;
}

/* The bridge's ifindex; -ENODEV if missing, -EINVAL if master is not a bridge. */
static int bridge_lookup(struct nl_sock *sk, const char *bridge, int *ret_ifindex,
			 struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	const char *reason = "";
	const char *kind;
	int r;

	r = link_lookup(sk, bridge, &link, &reason);
	if (r == -ENODEV)
		return error_set(err, r, "Bridge '%s' does not exist", bridge);
	if (r < 0)
		return error_set(err, r, "Failed to look up bridge '%s': %s", bridge, reason);
	kind = rtnl_link_get_type(link);
	if (!kind || strcmp(kind, "bridge") != 0)
		return error_set(err, -EINVAL, "Interface '%s' is not a bridge", bridge);
	*ret_ifindex = rtnl_link_get_ifindex(link);
	return 0;
}

/*
 * Changes ifname to the attributes set in a new link object: up or down
 * (up NULL: left), its alias (NULL: left).
 */
static int link_set(struct nl_sock *sk, const char *ifname, const bool *up, const char *alias,
		    struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	_cleanup_rtnl_link_ struct rtnl_link *change = NULL;
	int r;

	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	change = rtnl_link_alloc();
	if (!change)
		return error_set(err, -ENOMEM, "Failed to change '%s': out of memory", ifname);
	if (up && *up)
		rtnl_link_set_flags(change, IFF_UP);
	else if (up)
		rtnl_link_unset_flags(change, IFF_UP);
	if (alias)
		rtnl_link_set_ifalias(change, alias);
	before_request();
	r = rtnl_link_change(sk, link, change, 0);
	if (r < 0 && alias)
		return nl_error(err, r, "Failed to set the alias of '%s' to '%s'", ifname, alias);
	if (r < 0)
		return nl_error(err, r, "Failed to bring '%s' %s", ifname, *up ? "up" : "down");
	return 0;
}

static int link_set_up(struct nl_sock *sk, const char *ifname, bool up, struct lxcri_error *err)
{
	return link_set(sk, ifname, &up, NULL, err);
}

int netlink_host_mac(uint8_t ret[6])
{
	/*
	 * A bridge without an address of its own takes the lowest of its ports'
	 * MACs; a host end starting with 0xfe (as LXC does it) never wins, so that
	 * attaching a container does not change the bridge's MAC under the host.
	 */
	if (getrandom(ret, 6, 0) != 6)
		return errno ? -errno : -EIO;
	ret[0] = 0xfe;
	return 0;
}

static int veth_create_and_setup(struct nl_sock *host_sk, const struct netlink_veth_spec *spec,
				 int bridge_ifindex, bool *created, struct lxcri_error *err)
{
	_cleanup_nl_addr_ struct nl_addr *peer_mac = NULL;
	_cleanup_nl_addr_ struct nl_addr *host_mac = NULL;
	struct rtnl_link *veth, *peer;
	uint8_t host_mac_bytes[6];
	int r;

	if (spec->host_mac)
		memcpy(host_mac_bytes, spec->host_mac, sizeof(host_mac_bytes));
	else if ((r = netlink_host_mac(host_mac_bytes)) < 0)
		return error_set_errno(err, r, "Failed to create '%s': no random bytes",
				       spec->host_ifname);
	host_mac = mac_to_nl_addr(host_mac_bytes);
	if (spec->peer_mac)
		peer_mac = mac_to_nl_addr(spec->peer_mac);
	if (!host_mac || (spec->peer_mac && !peer_mac))
		return error_set(err, -ENOMEM, "Failed to create '%s': out of memory",
				 spec->host_ifname);

	/* From here to rtnl_link_veth_release() nothing returns early. */
	veth = rtnl_link_veth_alloc();
	if (!veth)
		return error_set(err, -ENOMEM, "Failed to create '%s': out of memory",
				 spec->host_ifname);
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, spec->host_ifname);
	rtnl_link_set_addr(veth, host_mac);
	rtnl_link_set_name(peer, spec->peer_ifname);
	if (peer_mac)
		rtnl_link_set_addr(peer, peer_mac);
	if (spec->mtu > 0) {
		rtnl_link_set_mtu(veth, spec->mtu);
		rtnl_link_set_mtu(peer, spec->mtu);
	}
	if (spec->peer_netns_fd >= 0)
		rtnl_link_set_ns_fd(peer, spec->peer_netns_fd);
	/* One request for all of it (master and flags are applied at creation)... */
	if (bridge_ifindex > 0)
		rtnl_link_set_master(veth, bridge_ifindex);
	if (spec->pvid == 0)
		rtnl_link_set_flags(veth, IFF_UP);
	before_request();
	r = rtnl_link_add(host_sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	/* The two hold references to each other: veth_release() breaks the cycle. */
	rtnl_link_put(peer);
	rtnl_link_veth_release(veth);
	if (r < 0)
		return nl_error(err, r, "Failed to create veth pair '%s'/'%s'", spec->host_ifname,
				spec->peer_ifname);
	*created = true;
	if (spec->host_alias) {
		r = link_set(host_sk, spec->host_ifname, NULL, spec->host_alias, err);
		if (r < 0)
			return r;
	}
	if (spec->pvid == 0)
		return 0;
	/* ...but a port with a PVID comes up only once it is on that VLAN. */
	r = netlink_bridge_port_set_pvid(host_sk, spec->host_ifname, spec->pvid, err);
	if (r < 0)
		return r;
	return link_set_up(host_sk, spec->host_ifname, true, err);
}

int netlink_veth_create(struct nl_sock *host_sk, const struct netlink_veth_spec *spec,
			struct lxcri_error *err)
{
	bool has_bridge = spec->bridge && spec->bridge[0];
	int bridge_ifindex = 0;
	bool created = false;
	int r;

	r = check_ifname(spec->host_ifname, "interface", err);
	if (r < 0)
		return r;
	r = check_ifname(spec->peer_ifname, "interface", err);
	if (r < 0)
		return r;
	if (has_bridge) {
		r = check_ifname(spec->bridge, "bridge", err);
		if (r < 0)
			return r;
	}
	if (spec->pvid > 4094)
		return error_set(err, -EINVAL, "Invalid VLAN %u for '%s'", spec->pvid,
				 spec->host_ifname);
	if (spec->pvid > 0 && !has_bridge)
		return error_set(err, -EINVAL, "VLAN %u for '%s' needs a bridge", spec->pvid,
				 spec->host_ifname);
	r = check_mac(spec->peer_mac, spec->peer_ifname, err);
	if (r >= 0)
		r = check_mac(spec->host_mac, spec->host_ifname, err);
	if (r < 0)
		return r;

	r = netlink_link_exists(host_sk, spec->host_ifname);
	if (r < 0)
		return error_set_errno(err, r, "Failed to look up interface '%s'",
				       spec->host_ifname);
	if (r > 0)
		return error_set(err, -EEXIST, "Interface '%s' already exists on the host",
				 spec->host_ifname);
	if (spec->peer_netns_fd >= 0) {
		_cleanup_nl_socket_ struct nl_sock *peer_sk = NULL;

		r = netlink_open_in_netns_fd(spec->peer_netns_fd, &peer_sk, err);
		if (r < 0)
			return r;
		r = netlink_link_exists(peer_sk, spec->peer_ifname);
		if (r < 0)
			return error_set_errno(err, r, "Failed to look up interface '%s'",
					       spec->peer_ifname);
		if (r > 0)
			return error_set(err, -EEXIST,
					 "Interface '%s' already exists in the container",
					 spec->peer_ifname);
	} else if (strcmp(spec->host_ifname, spec->peer_ifname) == 0) {
		return error_set(err, -EEXIST, "Interface '%s' named twice", spec->peer_ifname);
	} else {
		r = netlink_link_exists(host_sk, spec->peer_ifname);
		if (r < 0)
			return error_set_errno(err, r, "Failed to look up interface '%s'",
					       spec->peer_ifname);
		if (r > 0)
			return error_set(err, -EEXIST, "Interface '%s' already exists on the host",
					 spec->peer_ifname);
	}
	if (has_bridge) {
		r = bridge_lookup(host_sk, spec->bridge, &bridge_ifindex, err);
		if (r < 0)
			return r;
	}
	if (spec->pvid > 0) {
		/* Else the tag would be ignored and the container land on the untagged LAN. */
		r = netlink_bridge_vlan_filtering(host_sk, spec->bridge, err);
		if (r < 0)
			return r;
		if (r == 0)
			return error_set(err, -EINVAL,
					 "Bridge '%s' is not VLAN-aware (vlan_filtering is off): "
					 "cannot put '%s' on VLAN %u",
					 spec->bridge, spec->host_ifname, spec->pvid);
	}

	r = veth_create_and_setup(host_sk, spec, bridge_ifindex, &created, err);
	if (r < 0 && created)
		/* Deleting one end removes the pair; err keeps the first failure. */
		(void)netlink_link_delete(host_sk, spec->host_ifname, NULL);
	return r;
}

int netlink_link_configure(struct nl_sock *sk, const char *ifname,
			   const struct netlink_link_settings *settings, struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	_cleanup_rtnl_link_ struct rtnl_link *change = NULL;
	_cleanup_nl_addr_ struct nl_addr *mac = NULL;
	bool rename = settings->new_name && strcmp(settings->new_name, ifname) != 0;
	const char *name = rename ? settings->new_name : ifname;
	int r;

	r = check_ifname(ifname, "interface", err);
	if (r < 0)
		return r;
	if (rename) {
		r = check_ifname(settings->new_name, "interface", err);
		if (r < 0)
			return r;
	}
	r = check_mac(settings->mac, name, err);
	if (r < 0)
		return r;
	if (rename) {
		r = netlink_link_exists(sk, settings->new_name);
		if (r < 0)
			return error_set_errno(err, r, "Failed to look up interface '%s'",
					       settings->new_name);
		if (r > 0)
			return error_set(err, -EEXIST, "Interface '%s' already exists",
					 settings->new_name);
	}
	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	if (rename && (rtnl_link_get_flags(link) & IFF_UP)) {
		r = link_set_up(sk, ifname, false, err);
		if (r < 0)
			return r;
	}

	if (rename || settings->mac || settings->mtu > 0) {
		change = rtnl_link_alloc();
		if (!change)
			return error_set(err, -ENOMEM, "Failed to change '%s': out of memory",
					 ifname);
		if (rename)
			rtnl_link_set_name(change, settings->new_name);
		if (settings->mac) {
			mac = mac_to_nl_addr(settings->mac);
			if (!mac)
				return error_set(err, -ENOMEM,
						 "Failed to change '%s': out of memory", ifname);
			rtnl_link_set_addr(change, mac);
		}
		if (settings->mtu > 0)
			rtnl_link_set_mtu(change, settings->mtu);
		before_request();
		r = rtnl_link_change(sk, link, change, 0);
		if (r < 0) {
			if (rename)
				return nl_error(err, r, "Failed to rename '%s' to '%s'", ifname,
						settings->new_name);
			return nl_error(err, r, "Failed to change '%s'", ifname);
		}
	}
	if (settings->up)
		return link_set_up(sk, name, true, err);
	return 0;
}

static int addr_length(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
}

static struct nl_addr *ip_address_to_nl(const struct ip_address *a)
{
	const void *bytes = a->family == AF_INET ? (const void *)&a->in : (const void *)&a->in6;

	return nl_addr_build(a->family, bytes, (size_t)addr_length(a->family));
}

static void cidr_to_string(const struct ip_prefix *c, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(c->addr.family,
		  c->addr.family == AF_INET ? (const void *)&c->addr.in
					    : (const void *)&c->addr.in6,
		  addr, sizeof(addr));
	snprintf(buf, size, "%s/%u", addr, c->prefixlen);
}

static int ifindex_name(struct nl_sock *sk, int ifindex, char ret[IFNAMSIZ])
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	int r;

	before_request();
	r = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (r < 0)
		return nl_result(r, NULL);
	snprintf(ret, IFNAMSIZ, "%s", rtnl_link_get_name(link));
	return 0;
}

int netlink_addresses(struct nl_sock *sk, const char *ifname, int family, struct ip_prefix *ret,
		      size_t max, size_t *ret_n, struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	struct nl_cache *cache = NULL;
	size_t n = 0;
	int r;

	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	before_request();
	r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0)
		return nl_error(err, r, "Failed to list the addresses of '%s'", ifname);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != rtnl_link_get_ifindex(link) ||
		    rtnl_addr_get_family(a) != family ||
		    rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE || !local ||
		    nl_addr_get_len(local) != (unsigned)addr_length(family) || n >= max)
			continue;
		ret[n] = (struct ip_prefix){ .addr.family = family,
					     .prefixlen = (unsigned)rtnl_addr_get_prefixlen(a) };
		memcpy(&ret[n].addr.in6, nl_addr_get_binary_addr(local), nl_addr_get_len(local));
		n++;
	}
	nl_cache_free(cache);
	*ret_n = n;
	return 0;
}

int netlink_default_route_dev(struct nl_sock *sk, int family, char ret[IFNAMSIZ],
			      struct lxcri_error *err)
{
	struct nl_cache *cache = NULL;
	int ifindex = 0, r;

	before_request();
	r = rtnl_route_alloc_cache(sk, family, 0, &cache);
	if (r < 0)
		return nl_error(err, r, "Failed to list the routes");
	for (struct nl_object *o = nl_cache_get_first(cache); o && !ifindex;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *route = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(route);

		if (rtnl_route_get_table(route) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(route) != RTN_UNICAST ||
		    (dst && nl_addr_get_prefixlen(dst)) || rtnl_route_get_nnexthops(route) < 1)
			continue;
		ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, 0));
	}
	nl_cache_free(cache);
	if (ifindex <= 0)
		return 0;
	r = ifindex_name(sk, ifindex, ret);
	if (r < 0)
		return error_set_errno(err, r, "Failed to name interface %d", ifindex);
	return 1;
}

static int parse_route_oif(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RTA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtmsg), tb, RTA_MAX, NULL) >= 0 &&
	    tb[RTA_OIF])
		*(int *)arg = (int)nla_get_u32(tb[RTA_OIF]);
	return NL_OK;
}

int netlink_route_get_dev(struct nl_sock *sk, const struct ip_address *dst, char ret[IFNAMSIZ],
			  struct lxcri_error *err)
{
	_cleanup_nl_msg_ struct nl_msg *msg = NULL;
	int len = addr_length(dst->family);
	struct rtmsg rtm = { .rtm_family = (unsigned char)dst->family,
			     .rtm_dst_len = (unsigned char)(len * 8) };
	char text[INET6_ADDRSTRLEN];
	int ifindex = 0, r;

	inet_ntop(dst->family, &dst->in6, text, sizeof(text));
	msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);
	if (!msg)
		return error_set(err, -ENOMEM, "Failed to look up the route to '%s'", text);
	r = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
	if (r >= 0)
		r = nla_put(msg, RTA_DST, len, &dst->in6);
	/* The answer, then the ACK libnl asks for (see request()). */
	if (r >= 0)
		r = request(sk, msg, parse_route_oif, &ifindex);
	if (r < 0)
		return nl_error(err, r, "Failed to look up the route to '%s'", text);
	if (ifindex <= 0)
		return error_set(err, -ENETUNREACH, "No route to '%s'", text);
	r = ifindex_name(sk, ifindex, ret);
	if (r < 0)
		return error_set_errno(err, r, "Failed to name interface %d", ifindex);
	return 0;
}

int netlink_veth_peer(struct nl_sock *ct, struct nl_sock *host, const char *ifname,
		      char ret[IFNAMSIZ], struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	struct netlink_link_info info;
	char name[IFNAMSIZ];
	int peer, r;

	r = link_get_or_fail(ct, ifname, &link, err);
	if (r < 0)
		return r;
	peer = rtnl_link_get_link(link);
	if (!rtnl_link_get_type(link) || strcmp(rtnl_link_get_type(link), "veth") != 0 || peer <= 0)
		return 0;
	/* IFLA_LINK is an index in the peer's netns: only trust a veth found there. */
	if (ifindex_name(host, peer, name) < 0)
		return 0;
	r = netlink_link_get(host, name, &info, err);
	if (r < 0 || strcmp(info.kind, "veth") != 0)
		return 0;
	snprintf(ret, IFNAMSIZ, "%s", name);
	return 1;
}

int netlink_bridge_port_set_hairpin(struct nl_sock *sk, const char *ifname, bool on,
				    struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	_cleanup_nl_msg_ struct nl_msg *msg = NULL;
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE };
	struct nlattr *info;
	int r;

	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	ifi.ifi_index = rtnl_link_get_ifindex(link);
	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return error_set(err, -ENOMEM, "Failed to set hairpin mode on '%s'", ifname);
	r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	/* NLA_F_NESTED: without it the kernel takes IFLA_PROTINFO for the old STP state byte. */
	info = r >= 0 ? nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED) : NULL;
	if (!info || nla_put_u8(msg, IFLA_BRPORT_MODE, on ? 1 : 0) < 0)
		return error_set(err, -ENOMEM, "Failed to set hairpin mode on '%s'", ifname);
	nla_nest_end(msg, info);
	before_request();
	r = nl_send_sync(sk, TAKE_PTR(msg)); /* frees msg */
	if (r < 0)
		return nl_error(err, r, "Failed to set hairpin mode on bridge port '%s'", ifname);
	return 0;
}

int netlink_all_addresses(struct nl_sock *sk, struct ip_address **ret, size_t *ret_n,
			  struct lxcri_error *err)
{
	struct nl_cache *cache = NULL;
	struct ip_address *all = NULL;
	size_t n = 0;
	int r;

	before_request();
	r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0)
		return nl_error(err, r, "Failed to list the addresses of the host");
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct nl_addr *local = rtnl_addr_get_local((struct rtnl_addr *)o);
		int family = local ? nl_addr_get_family(local) : AF_UNSPEC;
		struct ip_address *p;

		if ((family != AF_INET && family != AF_INET6) ||
		    nl_addr_get_len(local) != (unsigned)addr_length(family))
			continue;
		p = reallocarray(all, n + 1, sizeof(*all));
		if (!p) {
			free(all);
			nl_cache_free(cache);
			return error_oom(err);
		}
		all = p;
		all[n] = (struct ip_address){ .family = family };
		memcpy(&all[n++].in6, nl_addr_get_binary_addr(local), nl_addr_get_len(local));
	}
	nl_cache_free(cache);
	*ret = all;
	*ret_n = n;
	return 0;
}

/*
 * The localnet guard (see netlink.h): classic BPF, run by cls_bpf with
 * direct action, its return value the verdict. Loads below SKF_NET_OFF are
 * relative to the network header, whatever the link layer; SKF_AD_MARK is
 * the packet's mark. A packet too short for the loads ends the program with
 * 0 (TC_ACT_OK): the IP stack drops such a packet anyway.
 */
static const struct sock_filter localnet_guard_program[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12), /* source */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff000000),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x7f000000, 6, 0),		/* 127/8: drop */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 16), /* destination */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff000000),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x7f000000, 0, 2), /* not 127/8: pass */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_MARK)),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NETLINK_LOCALNET_REPLY_MARK, 0, 1), /* a reply: pass */
	BPF_STMT(BPF_RET | BPF_K, (uint32_t)TC_ACT_UNSPEC), /* the filters after it decide */
	BPF_STMT(BPF_RET | BPF_K, TC_ACT_SHOT),
};
#define LOCALNET_GUARD_HANDLE 1
#define LOCALNET_GUARD_INFO   TC_H_MAKE((uint32_t)NETLINK_LOCALNET_GUARD_PRIO << 16, htons(ETH_P_IP))

static int link_ifindex(struct nl_sock *sk, const char *ifname, int *ret, struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	int r = check_ifname(ifname, "interface", err);

	if (r >= 0)
		r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	*ret = rtnl_link_get_ifindex(link);
	return 0;
}

/*
 * Sends one tc request (RTM_{NEW,DEL,GET}{QDISC,TFILTER}) with t, TCA_KIND
 * kind (NULL: none) and, with guard, our filter's options; hands every
 * answer to parse (NULL: none). The libnl result.
 */
static int tc_request(struct nl_sock *sk, int type, int flags, const struct tcmsg *t,
		      const char *kind, bool guard, nl_recvmsg_msg_cb_t parse, void *arg)
{
	_cleanup_nl_msg_ struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
	struct nlattr *options;
	int r;

	if (!msg)
		return -NLE_NOMEM;
	r = nlmsg_append(msg, (void *)t, sizeof(*t), NLMSG_ALIGNTO);
	if (r >= 0 && kind)
		r = nla_put_string(msg, TCA_KIND, kind);
	if (r >= 0 && guard) {
		options = nla_nest_start(msg, TCA_OPTIONS);
		if (!options ||
		    nla_put_u16(msg, TCA_BPF_OPS_LEN, ELEMENTSOF(localnet_guard_program)) < 0 ||
		    nla_put(msg, TCA_BPF_OPS, sizeof(localnet_guard_program),
			    localnet_guard_program) < 0 ||
		    nla_put_u32(msg, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0)
			return -NLE_NOMEM;
		nla_nest_end(msg, options);
	}
	return r < 0 ? r : request(sk, msg, parse, arg);
}

static struct tcmsg tc_message(int ifindex, uint32_t handle, uint32_t parent, uint32_t info)
{
	return (struct tcmsg){ .tcm_family = AF_UNSPEC,
			       .tcm_ifindex = ifindex,
			       .tcm_handle = handle,
			       .tcm_parent = parent,
			       .tcm_info = info };
}

/* The kind of the ingress qdisc, from an RTM_GETQDISC sent with NLM_F_ECHO: recent kernels
 * answer a get only to a request that asks for the echo. */
static int parse_qdisc_kind(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[TCA_MAX + 1];

	if (nlmsg_hdr(msg)->nlmsg_type == RTM_NEWQDISC &&
	    nlmsg_parse(nlmsg_hdr(msg), sizeof(struct tcmsg), tb, TCA_MAX, NULL) >= 0 &&
	    tb[TCA_KIND])
		nla_strlcpy(arg, tb[TCA_KIND], 16);
	return NL_OK;
}

/* The kind of ifname's ingress qdisc into kind ("" for none). */
static int ingress_kind(struct nl_sock *sk, const char *ifname, int ifindex, char kind[16],
			struct lxcri_error *err)
{
	struct tcmsg t = tc_message(ifindex, 0, TC_H_INGRESS, 0);
	const char *reason = "";
	int r = tc_request(sk, RTM_GETQDISC, NLM_F_ECHO, &t, NULL, false, parse_qdisc_kind, kind);

	r = nl_result(r, &reason);
	if (r == -ENOENT) {
		kind[0] = '\0';
		return 0;
	}
	if (r < 0)
		return error_set(err, r, "Failed to look up the ingress qdisc of '%s': %s", ifname,
				 reason);
	return 0;
}

int netlink_ingress_qdisc_exists(struct nl_sock *sk, const char *ifname, struct lxcri_error *err)
{
	char kind[16] = "";
	int ifindex, r;

	r = link_ifindex(sk, ifname, &ifindex, err);
	if (r >= 0)
		r = ingress_kind(sk, ifname, ifindex, kind, err);
	if (r < 0)
		return r;
	return strcmp(kind, "clsact") == 0 || strcmp(kind, "ingress") == 0;
}

int netlink_ingress_qdisc_add(struct nl_sock *sk, const char *ifname, struct lxcri_error *err)
{
	const char *reason = "";
	struct tcmsg t;
	int ifindex, r;

	r = link_ifindex(sk, ifname, &ifindex, err);
	if (r < 0)
		return r;
	/* An ingress or clsact qdisc there already answers EEXIST. */
	t = tc_message(ifindex, TC_H_MAKE(TC_H_CLSACT, 0), TC_H_CLSACT, 0);
	r = tc_request(sk, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &t, "clsact", false, NULL,
		       NULL);
	r = nl_result(r, &reason);
	if (r == -EEXIST)
		return 0;
	if (r < 0)
		return error_set(err, r, "Failed to add a clsact qdisc to '%s': %s", ifname,
				 reason);
	return 1;
}

static int count_message(struct nl_msg *msg, void *arg)
{
	if (nlmsg_hdr(msg)->nlmsg_type == RTM_NEWTFILTER)
		(*(size_t *)arg)++;
	return NL_OK;
}

int netlink_ingress_qdisc_del_unused(struct nl_sock *sk, const char *ifname,
				     struct lxcri_error *err)
{
	static const uint32_t sides[] = { TC_H_MIN_INGRESS, TC_H_MIN_EGRESS };
	struct tcmsg t;
	char kind[16] = "";
	size_t filters = 0;
	int ifindex, r;

	r = link_ifindex(sk, ifname, &ifindex, err);
	if (r == -ENODEV)
		return 0;
	if (r >= 0)
		r = ingress_kind(sk, ifname, ifindex, kind, err);
	if (r < 0 || strcmp(kind, "clsact") != 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(sides); i++) {
		t = tc_message(ifindex, 0, TC_H_MAKE(TC_H_CLSACT, sides[i]), 0);
		r = tc_request(sk, RTM_GETTFILTER, NLM_F_DUMP, &t, NULL, false, count_message,
			       &filters);
		if (r < 0)
			return nl_error(err, r, "Failed to list the filters of '%s'", ifname);
	}
	if (filters > 0)
		return 0;
	t = tc_message(ifindex, TC_H_MAKE(TC_H_CLSACT, 0), TC_H_CLSACT, 0);
	r = tc_request(sk, RTM_DELQDISC, 0, &t, "clsact", false, NULL, NULL);
	if (r < 0)
		return nl_error(err, r, "Failed to delete the clsact qdisc of '%s'", ifname);
	return 1;
}

/* What the ingress filters at our priority are: ours, another, or none. */
struct guard_scan {
	bool ours, other;
	char other_kind[16];
};

static bool guard_options_ours(struct nlattr *options)
{
	struct nlattr *tb[TCA_BPF_MAX + 1];

	return options && nla_parse_nested(tb, TCA_BPF_MAX, options, NULL) >= 0 &&
	       tb[TCA_BPF_OPS_LEN] && tb[TCA_BPF_OPS] && tb[TCA_BPF_FLAGS] &&
	       nla_get_u16(tb[TCA_BPF_OPS_LEN]) == ELEMENTSOF(localnet_guard_program) &&
	       nla_len(tb[TCA_BPF_OPS]) == (int)sizeof(localnet_guard_program) &&
	       memcmp(nla_data(tb[TCA_BPF_OPS]), localnet_guard_program,
		      sizeof(localnet_guard_program)) == 0 &&
	       (nla_get_u32(tb[TCA_BPF_FLAGS]) & TCA_BPF_FLAG_ACT_DIRECT);
}

static int parse_guard(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct tcmsg *t = nlmsg_data(hdr);
	struct nlattr *tb[TCA_MAX + 1];
	struct guard_scan *scan = arg;
	char kind[16] = "";

	if (hdr->nlmsg_type != RTM_NEWTFILTER ||
	    nlmsg_parse(hdr, sizeof(struct tcmsg), tb, TCA_MAX, NULL) < 0 ||
	    TC_H_MAJ(t->tcm_info) >> 16 != NETLINK_LOCALNET_GUARD_PRIO)
		return NL_OK;
	if (tb[TCA_KIND])
		nla_strlcpy(kind, tb[TCA_KIND], sizeof(kind));
	/* Each priority is listed once bare, then once per filter with its handle. */
	if (t->tcm_handle == 0 && strcmp(kind, "bpf") == 0 &&
	    TC_H_MIN(t->tcm_info) == htons(ETH_P_IP))
		return NL_OK;
	if (t->tcm_handle == LOCALNET_GUARD_HANDLE && TC_H_MIN(t->tcm_info) == htons(ETH_P_IP) &&
	    strcmp(kind, "bpf") == 0 && guard_options_ours(tb[TCA_OPTIONS])) {
		scan->ours = true;
		return NL_OK;
	}
	scan->other = true;
	snprintf(scan->other_kind, sizeof(scan->other_kind), "%s", kind);
	return NL_OK;
}

/* What is at our priority on ifname's ingress (and its ifindex); -ENODEV naming it. */
static int guard_scan(struct nl_sock *sk, const char *ifname, int *ret_ifindex,
		      struct guard_scan *ret, struct lxcri_error *err)
{
	struct tcmsg t;
	int r = link_ifindex(sk, ifname, ret_ifindex, err);

	if (r < 0)
		return r;
	*ret = (struct guard_scan){ 0 };
	t = tc_message(*ret_ifindex, 0, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), 0);
	r = tc_request(sk, RTM_GETTFILTER, NLM_F_DUMP, &t, NULL, false, parse_guard, ret);
	if (r < 0)
		return nl_error(err, r, "Failed to list the ingress filters of '%s'", ifname);
	return 0;
}

/* The request that adds or deletes our filter on ifindex. */
static int guard_request(struct nl_sock *sk, int ifindex, int type, int flags)
{
	struct tcmsg t = tc_message(ifindex, LOCALNET_GUARD_HANDLE,
				    TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), LOCALNET_GUARD_INFO);

	return tc_request(sk, type, flags, &t, "bpf", type == RTM_NEWTFILTER, NULL, NULL);
}

int netlink_localnet_guard_present(struct nl_sock *sk, const char *ifname, struct lxcri_error *err)
{
	struct guard_scan scan;
	int ifindex, r = guard_scan(sk, ifname, &ifindex, &scan, err);

	if (r == -ENODEV)
		return 0;
	return r < 0 ? r : scan.ours;
}

int netlink_localnet_guard_add(struct nl_sock *sk, const char *ifname, struct lxcri_error *err)
{
	struct guard_scan scan;
	int ifindex, r = guard_scan(sk, ifname, &ifindex, &scan, err);

	if (r < 0 || scan.ours)
		return r;
	if (scan.other)
		return error_set(err, -EEXIST,
				 "Failed to add the localnet guard to '%s': priority %d of its "
				 "ingress holds another filter ('%s')",
				 ifname, NETLINK_LOCALNET_GUARD_PRIO, scan.other_kind);
	r = guard_request(sk, ifindex, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return nl_error(err, r, "Failed to add the localnet guard to '%s'", ifname);
	return 0;
}

int netlink_localnet_guard_del(struct nl_sock *sk, const char *ifname, struct lxcri_error *err)
{
	struct guard_scan scan;
	int ifindex, r = guard_scan(sk, ifname, &ifindex, &scan, err);

	if (r == -ENODEV)
		return 0;
	if (r < 0 || !scan.ours)
		return r;
	r = guard_request(sk, ifindex, RTM_DELTFILTER, 0);
	if (r < 0)
		return nl_error(err, r, "Failed to remove the localnet guard from '%s'", ifname);
	return 0;
}

int netlink_address_add(struct nl_sock *sk, const char *ifname, const struct ip_prefix *cidr,
			struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	_cleanup_rtnl_addr_ struct rtnl_addr *addr = NULL;
	_cleanup_nl_addr_ struct nl_addr *local = NULL;
	_cleanup_nl_addr_ struct nl_addr *broadcast = NULL;
	char what[IP_PREFIX_STRLEN + 8];
	int r;

	r = check_ifname(ifname, "interface", err);
	if (r < 0)
		return r;
	if (addr_length(cidr->addr.family) < 0 ||
	    cidr->prefixlen > (unsigned)addr_length(cidr->addr.family) * 8)
		return error_set(err, -EINVAL, "Invalid address for '%s'", ifname);
	cidr_to_string(cidr, what, sizeof(what));
	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	local = ip_address_to_nl(&cidr->addr);
	addr = rtnl_addr_alloc();
	if (!local || !addr)
		return error_set(err, -ENOMEM, "Failed to add address '%s' to '%s': out of memory",
				 what, ifname);
	nl_addr_set_prefixlen(local, (int)cidr->prefixlen);
	rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
	r = rtnl_addr_set_local(addr, local);
	if (r < 0)
		return nl_error(err, r, "Failed to add address '%s' to '%s'", what, ifname);
	rtnl_addr_set_prefixlen(addr, (int)cidr->prefixlen);
	if (cidr->addr.family == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	if (cidr->addr.family == AF_INET && cidr->prefixlen < 31) {
		/* As `ip addr add ... brd +` and LXC do: the subnet's broadcast address. */
		uint32_t host_bits =
		    cidr->prefixlen == 0 ? UINT32_MAX : UINT32_MAX >> cidr->prefixlen;
		struct in_addr b = { .s_addr = cidr->addr.in.s_addr | htonl(host_bits) };

		broadcast = nl_addr_build(AF_INET, &b, sizeof(b));
		if (!broadcast)
			return error_set(err, -ENOMEM,
					 "Failed to add address '%s' to '%s': out of memory", what,
					 ifname);
		r = rtnl_addr_set_broadcast(addr, broadcast);
		if (r < 0)
			return nl_error(err, r, "Failed to add address '%s' to '%s'", what, ifname);
	}
	before_request();
	r = rtnl_addr_add(sk, addr, NLM_F_REPLACE);
	if (r < 0)
		return nl_error(err, r, "Failed to add address '%s' to '%s'", what, ifname);
	return 0;
}

int netlink_route_add(struct nl_sock *sk, const struct netlink_route *route,
		      struct lxcri_error *err)
{
	_cleanup_rtnl_route_ struct rtnl_route *rt = NULL;
	_cleanup_nl_addr_ struct nl_addr *dst = NULL;
	_cleanup_nl_addr_ struct nl_addr *gw = NULL;
	struct rtnl_nexthop *nh = NULL;
	int family = route->dst.addr.family;
	char what[IP_PREFIX_STRLEN + 16];
	int ifindex = 0;
	int r;

	if (addr_length(family) < 0)
		return error_set(err, -EAFNOSUPPORT, "Invalid route: no address family");
	if (route->is_default)
		snprintf(what, sizeof(what), "%s", family == AF_INET ? "default" : "default6");
	else
		cidr_to_string(&route->dst, what, sizeof(what));
	if (!route->is_default && route->dst.prefixlen > (unsigned)addr_length(family) * 8)
		return error_set(err, -EINVAL, "Invalid route '%s'", what);
	if (!route->has_via && !route->dev[0])
		return error_set(err, -EINVAL, "Invalid route '%s': needs a gateway or a device",
				 what);
	if (route->has_via && route->via.family != family)
		return error_set(err, -EINVAL,
				 "Invalid route '%s': the gateway is of another address family",
				 what);
	if (route->dev[0]) {
		_cleanup_rtnl_link_ struct rtnl_link *link = NULL;

		r = check_ifname(route->dev, "interface", err);
		if (r < 0)
			return r;
		r = link_get_or_fail(sk, route->dev, &link, err);
		if (r < 0)
			return r;
		ifindex = rtnl_link_get_ifindex(link);
	}

	rt = rtnl_route_alloc();
	if (!rt)
		goto oom;
	if (route->is_default) {
		static const uint8_t zero[16];

		dst = nl_addr_build(family, zero, (size_t)addr_length(family));
		if (!dst)
			goto oom;
		nl_addr_set_prefixlen(dst, 0);
	} else {
		dst = ip_address_to_nl(&route->dst.addr);
		if (!dst)
			goto oom;
		nl_addr_set_prefixlen(dst, (int)route->dst.prefixlen);
	}
	rtnl_route_set_family(rt, (uint8_t)family);
	r = rtnl_route_set_dst(rt, dst);
	if (r < 0)
		return nl_error(err, r, "Failed to add route '%s'", what);
	rtnl_route_set_table(rt, route->table ? route->table : RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_type(rt, RTN_UNICAST);
	if (route->has_metric)
		rtnl_route_set_priority(rt, route->metric);
	nh = rtnl_route_nh_alloc();
	if (!nh)
		goto oom;
	if (ifindex > 0)
		rtnl_route_nh_set_ifindex(nh, ifindex);
	if (route->has_via) {
		gw = ip_address_to_nl(&route->via);
		if (!gw) {
			rtnl_route_nh_free(nh);
			goto oom;
		}
		rtnl_route_nh_set_gateway(nh, gw);
	}
	rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */
	before_request();
	r = rtnl_route_add(sk, rt, NLM_F_EXCL);
	if (r < 0)
		return nl_error(err, r, "Failed to add route '%s'%s%s", what,
				route->dev[0] ? " via device " : "", route->dev);
	return 0;

oom:
	return error_set(err, -ENOMEM, "Failed to add route '%s': out of memory", what);
}

int netlink_bridge_vlan_filtering(struct nl_sock *sk, const char *bridge, struct lxcri_error *err)
{
	int ifindex, filtering, r;

	r = check_ifname(bridge, "bridge", err);
	if (r < 0)
		return r;
	r = bridge_lookup(sk, bridge, &ifindex, err);
	if (r < 0)
		return r;
	r = bridge_vlan_filtering(sk, ifindex, &filtering);
	if (r < 0)
		return nl_error(err, r, "Failed to read the settings of bridge '%s'", bridge);
	last_kernel_errno = 0;
	return filtering;
}

/* One RTM_SETLINK / RTM_DELLINK AF_BRIDGE request with one or two bridge_vlan_info. */
static int bridge_vlan_request(struct nl_sock *sk, int type, int ifindex,
			       const struct bridge_vlan_info *infos, size_t n)
{
	_cleanup_nl_msg_ struct nl_msg *msg = NULL;
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nlattr *spec;
	int r;

	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -NLE_NOMEM;
	r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (r < 0)
		return r;
	spec = nla_nest_start(msg, IFLA_AF_SPEC);
	if (!spec)
		return -NLE_MSGSIZE;
	for (size_t i = 0; i < n; i++) {
		r = nla_put(msg, IFLA_BRIDGE_VLAN_INFO, sizeof(infos[i]), &infos[i]);
		if (r < 0)
			return r;
	}
	nla_nest_end(msg, spec);
	before_request();
	return nl_send_sync(sk, TAKE_PTR(msg)); /* frees msg */
}

int netlink_bridge_port_set_pvid(struct nl_sock *sk, const char *ifname, uint16_t vid,
				 struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	const struct bridge_vlan_info all[] = {
		{ .flags = BRIDGE_VLAN_INFO_RANGE_BEGIN, .vid = 1 },
		{ .flags = BRIDGE_VLAN_INFO_RANGE_END, .vid = 4094 },
	};
	const struct bridge_vlan_info pvid = {
		.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED,
		.vid = vid,
	};
	int ifindex, r;

	r = check_ifname(ifname, "interface", err);
	if (r < 0)
		return r;
	if (vid < 1 || vid > 4094)
		return error_set(err, -EINVAL, "Invalid VLAN %u for '%s'", vid, ifname);
	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	if (rtnl_link_get_master(link) <= 0)
		return error_set(err, -EINVAL, "Failed to set VLAN %u on '%s': not a bridge port",
				 vid, ifname);
	ifindex = rtnl_link_get_ifindex(link);
	r = bridge_vlan_request(sk, RTM_DELLINK, ifindex, all, ELEMENTSOF(all));
	if (r < 0)
		return nl_error(err, r, "Failed to remove the VLANs of '%s'", ifname);
	r = bridge_vlan_request(sk, RTM_SETLINK, ifindex, &pvid, 1);
	if (r < 0)
		return nl_error(err, r, "Failed to set VLAN %u on '%s'", vid, ifname);
	return 0;
}

struct vlan_dump {
	int ifindex;
	bool found;
	struct netlink_port_vlans vlans;
};

static int parse_vlan_dump(struct nl_msg *msg, void *arg)
{
	struct vlan_dump *dump = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct ifinfomsg *ifi;
	struct nlattr *tb[IFLA_MAX + 1];
	struct nlattr *a;
	int rem;

	if (hdr->nlmsg_type != RTM_NEWLINK || !nlmsg_valid_hdr(hdr, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(hdr);
	if (ifi->ifi_index != dump->ifindex)
		return NL_OK;
	if (nlmsg_parse(hdr, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_AF_SPEC])
		return NL_OK;
	dump->found = true;
	nla_for_each_nested(a, tb[IFLA_AF_SPEC], rem)
	{
		const struct bridge_vlan_info *info;

		if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO || nla_len(a) < (int)sizeof(*info))
			continue;
		info = nla_data(a);
		dump->vlans.n_vlans++;
		if (info->flags & BRIDGE_VLAN_INFO_PVID) {
			dump->vlans.pvid = info->vid;
			dump->vlans.pvid_untagged = info->flags & BRIDGE_VLAN_INFO_UNTAGGED;
		}
	}
	return NL_OK;
}

int netlink_bridge_port_get_vlans(struct nl_sock *sk, const char *ifname,
				  struct netlink_port_vlans *ret, struct lxcri_error *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *link = NULL;
	struct vlan_dump dump = { 0 };
	int r;

	r = check_ifname(ifname, "interface", err);
	if (r < 0)
		return r;
	r = link_get_or_fail(sk, ifname, &link, err);
	if (r < 0)
		return r;
	dump.ifindex = rtnl_link_get_ifindex(link);
	r = link_request(sk, AF_BRIDGE, 0, RTEXT_FILTER_BRVLAN, parse_vlan_dump, &dump);
	if (r < 0)
		return nl_error(err, r, "Failed to list the VLANs of '%s'", ifname);
	last_kernel_errno = 0;
	*ret = dump.vlans;
	return 0;
}

static uint64_t fnv1a64(uint64_t h, const void *data, size_t size)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

#define FNV1A64_OFFSET UINT64_C(0xcbf29ce484222325)

void netlink_stable_mac(const char *container_id, const char *net_name, uint8_t ret[6])
{
	uint64_t h = FNV1A64_OFFSET;

	/* With the NUL, "ab"+"c" and "a"+"bc" differ. */
	h = fnv1a64(h, container_id, strlen(container_id) + 1);
	h = fnv1a64(h, net_name, strlen(net_name));
	for (int i = 0; i < 6; i++)
		ret[i] = (uint8_t)(h >> (8 * (7 - i)));
	ret[0] = (uint8_t)((ret[0] & ~0x01u) | 0x02u);
}

int netlink_host_ifname(const char *container_id, unsigned net_index, unsigned attempt,
			char ret[IFNAMSIZ])
{
	uint64_t h;

	if (net_index > 9999)
		return -ERANGE;
	h = fnv1a64(FNV1A64_OFFSET, container_id, strlen(container_id));
	if (attempt > 0) {
		char number[16];
		int n = snprintf(number, sizeof(number), "%u", attempt);

		/* "<id>\0<attempt>": no id's own hash is another id's later candidate. */
		h = fnv1a64(h, "", 1);
		h = fnv1a64(h, number, (size_t)n);
	}
	/* Fold the high half in, so that every byte of the id counts. */
	snprintf(ret, IFNAMSIZ, "lx%08" PRIx32 "n%u", (uint32_t)(h ^ (h >> 32)), net_index);
	return 0;
}
