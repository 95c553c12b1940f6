/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `lxcri create <id> --image <reference>`: a container from an image. See lxcri(1). */

#include "cli/cli.h"

int createcmd_do_create(struct cli *cli);
