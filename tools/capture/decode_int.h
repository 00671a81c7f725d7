/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_int.h - the engine behind `stampkit decode`, apart from option parsing. */
#ifndef STAMPKIT_TOOLS_DECODE_INT_H
#define STAMPKIT_TOOLS_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "discover.h"

#define SK_DECODE_MAX_PORTS 32
#define SK_DECODE_MAX_SECRETS 8
#define SK_DECODE_KEYID_MAX SK_DISC_KEYID_MAX

struct sk_decode_opts {
	int json;
	int heuristic;
	uint16_t ports[SK_DECODE_MAX_PORTS];
	int nports;
	struct sk_disc_secret secrets[SK_DECODE_MAX_SECRETS];
	int nsecrets;
	const char *file;
};

/* Runs the decoder; returns the exit status (0, 1 unreadable, 3 damaged). */
int sk_decode_run(const struct sk_decode_opts *o, FILE *out, FILE *diag);

#endif
