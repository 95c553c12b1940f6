/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* MAC addresses: parsing, formatting, what an interface may use. libc only. */

#include <stdbool.h>
#include <stdint.h>

/* "XX:XX:XX:XX:XX:XX", hex digits in either case. */
int mac_parse(const char *s, uint8_t ret[6]);
/* "xx:xx:xx:xx:xx:xx" (lower case), what mac_parse() reads back. */
#define MAC_STRLEN 18
void mac_to_string(const uint8_t mac[6], char buf[MAC_STRLEN]);
/* Usable as an interface address: unicast (lowest bit of byte 0 clear), not all zeros. */
bool mac_is_unicast(const uint8_t mac[6]);
bool mac_is_zero(const uint8_t mac[6]);
