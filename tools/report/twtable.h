/* SPDX-License-Identifier: BSD-3-Clause */
/* twtable.h - twampy's result table (rules, Direction/Min/Max/Avg/Jitter/Loss rows, value
 * formatting), shared by sender, controller and analyze so the three print one layout. */
#ifndef STAMPKIT_TOOLS_TWTABLE_H
#define STAMPKIT_TOOLS_TWTABLE_H

#include <stdint.h>
#include <stdio.h>

#include "stampkit/metrics.h"

/* A delay in ns as twampy writes it: always 10 characters (us, ms, sec or min). */
void sk_twtab_value(char *b, size_t n, double ns);
/* The Loss column: "  2.5%", or "   n/a" when the direction of the loss is not known. */
void sk_twtab_loss(char *b, size_t n, uint64_t lost, uint64_t total, int known);
/* The rule and column header above the rows, and the rule with the jitter footer below. */
void sk_twtab_head(FILE *o);
void sk_twtab_foot(FILE *o);
/* One row from already formatted columns, or from a direction's statistics. */
void sk_twtab_row(FILE *o, const char *label, const char *mn, const char *mx, const char *av,
		  const char *jitter, const char *loss);
void sk_twtab_row_stats(FILE *o, const char *label, const struct sk_dstats_summary *d,
			const char *loss);

#endif
