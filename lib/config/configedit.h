/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Edits of a per-container config (<id>.conf) as text, for `lxcri net add`
 * and `lxcri net del`: every line that is not edited stays byte for byte,
 * so comments, blank lines, CRLF line ends and the order of the keys are
 * kept. The grammar has one record per line and no continuation lines
 * (lib/config/config.c's reader), so a record is exactly one line.
 *
 * The text before the edit must parse, and so must the result: it is run
 * through config_parse() before it is handed back, and its errors name the
 * file, the line and the value, as the parser's always do. libc only.
 */

#include <limits.h>
#include <stddef.h>

#include "lib/config/config.h"
#include "lib/basic/error.h"

/* For configedit_net_add() and _port_add(): the lowest index that no key of the kind uses. */
#define CONFIGEDIT_LOWEST     UINT_MAX
#define CONFIGEDIT_NET_LOWEST CONFIGEDIT_LOWEST

struct configedit_result {
	char *text; /* the whole new text, malloc'ed and NUL-terminated */
	size_t size;
	struct config *config; /* the new text, parsed */
	unsigned index;	       /* the key added or removed: net<index>, port<index> */
	unsigned line;	       /* its line: in the new text (add), in the old one (del) */
};
void configedit_result_done(struct configedit_result *r);

/*
 * Appends the line "net<index>: <value>" at the end of text (of size bytes,
 * name used in messages), ending it the way the text's lines end ("\r\n"
 * if its last line ends so, else "\n"); a last line without a line end
 * gets one first. index may be CONFIGEDIT_NET_LOWEST.
 *
 *   -EINVAL   text does not parse, or the result does not (a bad property,
 *             a name or MAC address another net uses: the parser's message),
 *             or value holds a control character or a line end
 *   -ENOSPC   all CONFIG_MAX_NET indexes are in use
 *   -EEXIST   the index asked for is in use
 *   -EFBIG    the result is larger than CONFIG_MAX_SIZE
 *
 * *ret is only written on success.
 */
int configedit_net_add(const char *name, const char *text, size_t size, unsigned index,
		       const char *value, struct configedit_result *ret, struct lxcri_error *err);

/*
 * Removes the line of the net whose name= is ifname, line end included.
 *
 *   -EINVAL   text does not parse
 *   -ENOENT   no net has that name (the message lists the names there are)
 *   -EBUSY    a route (dev=) or a port (net=) uses the interface: the
 *             message names its key and line
 */
int configedit_net_del(const char *name, const char *text, size_t size, const char *ifname,
		       struct configedit_result *ret, struct lxcri_error *err);

/* The net of c named ifname, or NULL. */
const struct config_net *configedit_find_net(const struct config *c, const char *ifname);

/*
 * The same for "port<index>: <value>" (index may be CONFIGEDIT_LOWEST): a
 * conflict with another port of the text (same proto, overlapping host
 * ports) is the parser's -EINVAL naming both lines.
 */
int configedit_port_add(const char *name, const char *text, size_t size, unsigned index,
			const char *value, struct configedit_result *ret, struct lxcri_error *err);

/*
 * Removes the line of the port that forwards host_port of proto (a port of
 * its range will do). -ENOENT "No port forwards host port 'tcp 8080'".
 */
int configedit_port_del(const char *name, const char *text, size_t size, int proto,
			uint16_t host_port, struct configedit_result *ret, struct lxcri_error *err);

/* The port of c that forwards host_port of proto, or NULL. */
const struct config_port *configedit_find_port(const struct config *c, int proto,
					       uint16_t host_port);
/* The net of c with that index, or NULL. */
const struct config_net *configedit_find_net_index(const struct config *c, unsigned index);

/*
 * Sets a single key ("seccomp", "apparmor", "selinux", ...): its line is
 * replaced in place (keeping its line end) if the key is set, else the line
 * is appended. value NULL removes the key's line (-ENOENT if it is not set).
 * The result must parse, as for the edits above.
 */
int configedit_set(const char *name, const char *text, size_t size, const char *key,
		   const char *value, struct configedit_result *ret, struct lxcri_error *err);
