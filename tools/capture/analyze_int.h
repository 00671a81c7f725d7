/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_int.h - the engine behind `stampkit analyze`, apart from option parsing. */
#ifndef STAMPKIT_TOOLS_ANALYZE_INT_H
#define STAMPKIT_TOOLS_ANALYZE_INT_H

#include <stdint.h>
#include <stdio.h>

#include "discover.h"

#define SK_AN_MAX_FILES 8
#define SK_AN_MAX_PORTS 32
#define SK_AN_MAX_SECRETS 8

enum sk_an_cp { SK_AN_CP_AUTO = 0, SK_AN_CP_SENDER, SK_AN_CP_REFLECTOR };

struct sk_analyze_opts {
	int json;
	int heuristic;
	const char *csv;                   /* per-packet records, or NULL */
	const char *plot;                  /* FILE.svg or FILE.png drawn by gnuplot, or NULL */
	uint16_t ports[SK_AN_MAX_PORTS];
	int nports;
	struct sk_disc_secret secrets[SK_AN_MAX_SECRETS];
	int nsecrets;
	enum sk_an_cp cp[SK_AN_MAX_FILES]; /* capture point per file (AUTO: detected) */
	/* How the reflectors number their replies: SK_REFLECTOR_AUTO (detected; TWAMP with
	 * TWAMP-Control is stateful), or as the user knows it. */
	int reflector;
	const char *files[SK_AN_MAX_FILES];
	int nfiles;
};

/* Runs the analysis; returns the exit status (0, 1 unreadable, 3 damaged). */
int sk_analyze_run(const struct sk_analyze_opts *o, FILE *out, FILE *diag);

#endif
