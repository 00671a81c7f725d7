/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_plot.h - `stampkit analyze --plot`: per-session delay series (and the send times of
 * lost packets) streamed to temporary files while the capture is read, then drawn by gnuplot:
 * delay over time with the lost packets marked on the time axis, and delay histograms. */
#ifndef STAMPKIT_TOOLS_ANALYZE_PLOT_H
#define STAMPKIT_TOOLS_ANALYZE_PLOT_H

#include <stdint.h>
#include <stdio.h>

#include "stampkit/metrics.h"

#define SK_AN_PLOT_MAX 8 /* sessions drawn (the first ones found) */

/* What was written for one session: which series have points, and their range. */
struct sk_an_plot_series {
	FILE *fp, *lost;
	uint64_t n_out, n_back, n_lost; /* outbound points, inbound/round-trip points, lost */
	int have_range, have_t;
	double tmin, tmax;              /* time span, s after t0 (lost ones come late) */
	int64_t min_ns, max_ns;         /* over every delay written */
};

struct sk_an_plot {
	char dir[256];                /* temporary directory holding the series */
	struct sk_an_plot_series s[SK_AN_PLOT_MAX];
	int64_t t0;                   /* times in the series are relative to this */
	int have_t0;
	int failed;                   /* a series could not be written */
};

/* 0, or -1 (with a message on diag) when no temporary directory can be made. */
int sk_an_plot_open(struct sk_an_plot *p, FILE *diag);
/* One first arrival of session `index` (1-based) captured at t_ns; inbound and round trip
 * only when have_back. Sessions beyond SK_AN_PLOT_MAX are not drawn. */
void sk_an_plot_point(struct sk_an_plot *p, unsigned index, int64_t t_ns, const struct sk_delays *d,
		      int have_back);
/* A sender packet of session `index` sent (captured) at t_ns that was never answered. */
void sk_an_plot_lost(struct sk_an_plot *p, unsigned index, int64_t t_ns);
/* Draws sessions 1..n (n <= SK_AN_PLOT_MAX) of total with gnuplot into the file named into
 * (the caller's temporary file, core/outfile.h, renamed to out when this succeeded; out's
 * suffix .svg or .png picks the format and out names it in messages); title[i] names session
 * i + 1. 0, or -1 with a message on diag (gnuplot failed or wrote nothing). */
int sk_an_plot_draw(struct sk_an_plot *p, const char *into, const char *out,
		    const char *const *title, unsigned n, unsigned total, FILE *diag);
/* Says on diag how many sessions were drawn into out (after the rename). */
void sk_an_plot_drawn(const char *out, unsigned n, unsigned total, FILE *diag);
/* Removes the temporary files. */
void sk_an_plot_close(struct sk_an_plot *p);

#endif
