/* SPDX-License-Identifier: BSD-3-Clause */
/* decode.h - the engine behind `stampkit decode`, apart from option parsing: what the command
 * hands it (struct sk_decode_opts) and sk_decode_run(). */
#ifndef STAMPKIT_TOOLS_DECODE_H
#define STAMPKIT_TOOLS_DECODE_H

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

/* Runs the decoder: packets to out (a tree each, or with json one JSON document), warnings
 * and progress to diag. Returns the exit status (0, 1 unreadable, 3 damaged). */
int sk_decode_run(const struct sk_decode_opts *o, FILE *out, FILE *diag);

#endif
