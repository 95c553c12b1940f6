/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/progress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DRAW_INTERVAL_MS  100
#define EVENT_INTERVAL_MS 1000

void progress_init(struct progress *p, FILE *out, enum progress_mode mode)
{
	*p = (struct progress){ .out = out, .mode = mode, .last_draw_ms = -DRAW_INTERVAL_MS };
}

void progress_done(struct progress *p)
{
	free(p->layers);
	p->layers = NULL;
	p->n_layers = 0;
}

void progress_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1000) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1000;
	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

/* "sha256:0123456789ab": the first 12 hex digits, as docker shows layers. */
static const char *short_digest(const char *digest)
{
	static char buf[32];
	const char *hex = strchr(digest, ':');

	snprintf(buf, sizeof(buf), "%.12s", hex ? hex + 1 : digest);
	return buf;
}

static void draw(struct progress *p, bool force, int64_t ms)
{
	uint64_t done = 0, total = 0;
	char a[32], b[32];

	if (!force && ms - p->last_draw_ms < DRAW_INTERVAL_MS)
		return;
	p->last_draw_ms = ms;
	if (p->drawn > 0)
		fprintf(p->out, "\033[%uA", p->drawn);
	for (size_t i = 0; i < p->n_layers; i++) {
		struct progress_layer *l = &p->layers[i];

		done += l->done;
		total += l->total;
		progress_format_size(l->done, a, sizeof(a));
		progress_format_size(l->total, b, sizeof(b));
		fprintf(p->out, "\033[2K%s  %s", short_digest(l->digest),
			!l->finished ? ""
			: l->cached  ? "already in the store  "
				     : "done  ");
		fprintf(p->out, "%s / %s\n", a, b);
	}
	progress_format_size(done, a, sizeof(a));
	progress_format_size(total, b, sizeof(b));
	fprintf(p->out, "\033[2Ktotal         %s / %s\n", a, b);
	p->drawn = (unsigned)p->n_layers + 1;
	fflush(p->out);
}

static void event(struct progress *p, const struct progress_layer *l, const char *status)
{
	fprintf(p->out,
		"{\"event\":\"layer\",\"digest\":\"%s\",\"status\":\"%s\",\"bytes\":%" PRIu64
		",\"size\":%" PRIu64 "}\n",
		l->digest, status, l->done, l->total);
	fflush(p->out);
}

int progress_begin(struct progress *p, char *const *digests, const uint64_t *sizes, size_t n)
{
	free(p->layers);
	p->layers = calloc(n ? n : 1, sizeof(*p->layers));
	if (!p->layers)
		return -ENOMEM;
	p->n_layers = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(p->layers[i].digest, sizeof(p->layers[i].digest), "%s", digests[i]);
		p->layers[i].total = sizes[i];
	}
	if (p->mode == PROGRESS_TERMINAL)
		draw(p, true, 0);
	return 0;
}

void progress_update(struct progress *p, size_t i, uint64_t done, int64_t ms)
{
	struct progress_layer *l;

	if (i >= p->n_layers)
		return;
	l = &p->layers[i];
	l->done = done;
	if (p->mode == PROGRESS_TERMINAL) {
		draw(p, false, ms);
	} else if (p->mode == PROGRESS_JSON && ms - l->last_event_ms >= EVENT_INTERVAL_MS) {
		l->last_event_ms = ms;
		event(p, l, "downloading");
	}
}

void progress_finish(struct progress *p, size_t i, bool cached, int64_t ms)
{
	struct progress_layer *l;
	char a[32];

	if (i >= p->n_layers)
		return;
	l = &p->layers[i];
	l->finished = true;
	l->cached = cached;
	l->done = l->total;
	switch (p->mode) {
	case PROGRESS_TERMINAL:
		draw(p, true, ms);
		break;
	case PROGRESS_LINES:
		progress_format_size(l->total, a, sizeof(a));
		fprintf(p->out, "layer %s: %s%s\n", l->digest, a,
			cached ? ", already in the store" : "");
		fflush(p->out);
		break;
	case PROGRESS_JSON:
		event(p, l, cached ? "cached" : "done");
		break;
	}
}
