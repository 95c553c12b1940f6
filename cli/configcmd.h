/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri config validate|export|import`: a container's lxcri config checked
 * as its start checks it, and written out or read back as one document
 * (cli/profilecmd.h: profilecmd_export(), profilecmd_import()).
 */

struct cli;

int configcmd_do_validate(struct cli *cli);
int configcmd_do_export(struct cli *cli);
int configcmd_do_import(struct cli *cli);
