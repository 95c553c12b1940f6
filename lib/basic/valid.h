/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Whether a string is a valid name or path of a kind: interfaces, hosts,
 * users, profiles, file system types... Each only decides; the caller words
 * the message. libc only.
 */

#include <stdbool.h>

/* A Linux interface name: 1..15 bytes of A-Z a-z 0-9 _ . -, not "." or "..". */
bool valid_ifname(const char *s);
/* A DNS name: '.'-separated labels of 1..63 A-Z a-z 0-9 -, no '-' at either end of a label,
 * at most 253 bytes in all, no trailing dot. */
bool valid_hostname(const char *s);
/* Starts with '/', shorter than PATH_MAX, no ".." component, no control characters. */
bool valid_absolute_path(const char *s);
/* Valid UTF-8 without control characters (tab is allowed). */
bool valid_text(const char *s);

/* A user name: [a-z_][a-z0-9_-]{0,31}, optionally ending in '$'. */
bool valid_user_name(const char *s);
/* A CNI network name: [A-Za-z0-9][A-Za-z0-9_.-]{0,99}. */
bool valid_cni_network_name(const char *s);
/* An AppArmor profile name: 1..255 bytes of A-Z a-z 0-9 _ . : / + -. */
bool valid_apparmor_profile(const char *s);
/* A file system type as mount(2) takes it: 1..63 bytes of a-z A-Z 0-9 _ . - ("nfs", "fuse.sshfs").
 */
bool valid_fstype(const char *s);
/*
 * An SELinux context user:role:type[:level]; user, role and type of
 * A-Z a-z 0-9 _ . and level a sensitivity "s<N>" with optional categories
 * ":c<N>,c<N>.c<M>,..." (N <= M <= 1023), optionally a range "<low>-<high>".
 */
bool valid_selinux_context(const char *s);
/* A resolv.conf option: [a-z0-9-]+ optionally followed by ":<digits>" (ndots:2). */
bool valid_dns_option(const char *s);
/* An annotation key: 1..255 bytes of A-Z a-z 0-9 . _ / -. */
bool valid_annotation_key(const char *s);
