/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The port forward keys of the per-container config (port.c): port<N>,
 * grammar in lxcri.conf(5). Part of struct config (config.h).
 */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/ip.h"

#define CONFIG_MAX_PORT 1024 /* port0 .. port1023 */

struct config_port {
	unsigned index, line;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_first, host_last;
	uint16_t ct_first, ct_last;
	bool has_hostip;
	struct ip_address hostip;
	char net[IFNAMSIZ]; /* "" if unset */
};

/* In index order. */
struct config_ports {
	struct config_port *ports;
	size_t n_ports;
};
