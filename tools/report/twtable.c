/* SPDX-License-Identifier: BSD-3-Clause */
/* twtable.c - twampy's result table layout, printed from the codec's metrics. */
#include <math.h>

#include "twtable.h"

static const char rule[] = "===============================================================================";
static const char thin[] = "-------------------------------------------------------------------------------";

void sk_twtab_value(char *b, size_t n, double ns)
{
	double ms = ns / 1e6, a = fabs(ms);
	if (a > 60000)
		snprintf(b, n, "%7.1fmin", ms / 60000);
	else if (a > 10000)
		snprintf(b, n, "%7.1fsec", ms / 1000);
	else if (a > 1000)
		snprintf(b, n, "%7.2fsec", ms / 1000);
	else if (a > 1)
		snprintf(b, n, "%8.2fms", ms);
	else
		snprintf(b, n, "%8dus", (int)(ms * 1000));
}

void sk_twtab_loss(char *b, size_t n, uint64_t lost, uint64_t total, int known)
{
	if (!known)
		snprintf(b, n, "   n/a");
	else
		snprintf(b, n, "%5.1f%%", total ? 100.0 * (double)lost / (double)total : 0.0);
}

void sk_twtab_head(FILE *o)
{
	fprintf(o, "%s\nDirection         Min         Max         Avg          Jitter     Loss\n%s\n",
		rule, thin);
}

void sk_twtab_foot(FILE *o)
{
	fprintf(o, "%s\n%52sJitter Algorithm [RFC3550]\n%s\n", thin, "", rule);
}

void sk_twtab_row(FILE *o, const char *label, const char *mn, const char *mx, const char *av,
		  const char *jitter, const char *loss)
{
	fprintf(o, "  %-13s%s  %s  %s  %s    %s\n", label, mn, mx, av, jitter, loss);
}

void sk_twtab_row_stats(FILE *o, const char *label, const struct sk_dstats_summary *d,
			const char *loss)
{
	char mn[24], mx[24], av[24], ji[24];
	sk_twtab_value(mn, sizeof mn, (double)d->min);
	sk_twtab_value(mx, sizeof mx, (double)d->max);
	sk_twtab_value(av, sizeof av, d->mean);
	sk_twtab_value(ji, sizeof ji, d->jitter_ns);
	sk_twtab_row(o, label, mn, mx, av, ji, loss);
}
