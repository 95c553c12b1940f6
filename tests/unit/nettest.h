/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For the suites that build networks in namespaces of their own. */

#include <check.h>
#include <sched.h>

#include "lib/basic/ip.h"
#include "lib/netlink/netlink.h"
#include "testutil.h"

/* test_child()'s setup for a stand-in container: a network namespace of its own. */
static inline int test_enter_own_netns(const void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWNET);
}

static inline void test_link_up(struct nl_sock *sk, const char *ifname)
{
	struct netlink_link_settings up = { .up = true };
	struct lxcri_error err = {};

	ck_assert_msg(netlink_link_configure(sk, ifname, &up, &err) == 0, "%s", err.message);
}

static inline void test_add_address(struct nl_sock *sk, const char *ifname, const char *prefix)
{
	struct ip_prefix p = test_prefix(prefix);
	struct lxcri_error err = {};

	ck_assert_msg(netlink_address_add(sk, ifname, &p, &err) == 0, "%s", err.message);
}
