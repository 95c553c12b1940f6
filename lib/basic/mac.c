/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/mac.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/basic/ascii.h"

void mac_to_string(const uint8_t mac[6], char buf[MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

int mac_parse(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++) {
		int hi = ascii_hex_value(s[i * 3]), lo = ascii_hex_value(s[i * 3 + 1]);

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
