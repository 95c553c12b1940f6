/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How `lxcri image pull` shows a pull: on a terminal, a line per layer
 * with its bytes, and a total, drawn again in place at most every 100 ms;
 * otherwise a plain line per layer when it is done; with --output-format
 * json, a JSON event per line (layer, with throttled progress, and done).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum progress_mode { PROGRESS_TERMINAL, PROGRESS_LINES, PROGRESS_JSON };

struct progress_layer {
	char digest[80];
	uint64_t done, total;
	bool finished, cached;
	int64_t last_event_ms;
};

struct progress {
	FILE *out;
	enum progress_mode mode;
	struct progress_layer *layers;
	size_t n_layers;
	unsigned drawn; /* lines drawn on the terminal last time */
	int64_t last_draw_ms;
};

void progress_init(struct progress *p, FILE *out, enum progress_mode mode);
void progress_done(struct progress *p);
/* The layers that will come, with their sizes; -ENOMEM. */
int progress_begin(struct progress *p, char *const *digests, const uint64_t *sizes, size_t n);
/* Layer i has done bytes now (ms: a monotonic clock, for the throttling). */
void progress_update(struct progress *p, size_t i, uint64_t done, int64_t ms);
/* Layer i is complete; cached: it was in the store already. */
void progress_finish(struct progress *p, size_t i, bool cached, int64_t ms);
/* "12.3 MB": bytes in decimal units, as registries and podman show them. */
void progress_format_size(uint64_t bytes, char *buf, size_t size);
