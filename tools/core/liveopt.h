/* SPDX-License-Identifier: BSD-3-Clause */
/* liveopt.h - the live subcommands' shared options as getopt_long cases (twampy's IP and
 * debug options): the older interface, kept while commands move to the option table
 * (opt.h, optgroups.h). Logging is log.h, number and DSCP parsing parse.h. */
#ifndef STAMPKIT_TOOLS_LIVEOPT_H
#define STAMPKIT_TOOLS_LIVEOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "parse.h"

/* Options every live subcommand takes (twampy's "IP socket options" and "Debug Options"). */
struct sk_liveopt {
	int tos;            /* TOS / Traffic Class octet; -1 = not set */
	int ttl;            /* 1..255 */
	long padding;       /* octets beyond the fixed part; -1 = IMIX; -2 = not given */
	bool dont_fragment;
	int loglevel;
	const char *logfile;
	int proto;          /* SK_PROTO_STAMP (default) or SK_PROTO_TWAMP (twamp-light) */
	const char *keyfile; /* STAMP authenticated mode */
	uint8_t key[256];
	size_t key_len;
	int ts_fmt;         /* SK_TS_NTP or SK_TS_PTP */
	bool json;
	const char *hw_iface; /* --hw-timestamps IFACE */
};

/* getopt_long values of the shared options (above any short option character). */
enum {
	SK_OPT_TOS = 1000, SK_OPT_DSCP, SK_OPT_TTL, SK_OPT_PADDING, SK_OPT_DF, SK_OPT_MODE,
	SK_OPT_AUTH, SK_OPT_TIMESTAMP, SK_OPT_JSON, SK_OPT_HWTS,
	SK_OPT_LOCAL_BASE = 1100 /* subcommand-specific options start here */
};

#define SK_LIVEOPT_LONG \
	{ "tos", required_argument, NULL, SK_OPT_TOS }, \
	{ "dscp", required_argument, NULL, SK_OPT_DSCP }, \
	{ "ttl", required_argument, NULL, SK_OPT_TTL }, \
	{ "padding", required_argument, NULL, SK_OPT_PADDING }, \
	{ "do-not-fragment", no_argument, NULL, SK_OPT_DF }, \
	{ "mode", required_argument, NULL, SK_OPT_MODE }, \
	{ "auth", required_argument, NULL, SK_OPT_AUTH }, \
	{ "timestamp", required_argument, NULL, SK_OPT_TIMESTAMP }, \
	{ "json", no_argument, NULL, SK_OPT_JSON }, \
	{ "hw-timestamps", required_argument, NULL, SK_OPT_HWTS }, \
	{ "logfile", required_argument, NULL, 'l' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "debug", no_argument, NULL, 'd' }

#define SK_LIVEOPT_SHORT "l:qvd"

void sk_liveopt_init(struct sk_liveopt *o);
/* Handles one shared option: 1 handled, 0 not a shared option, -1 bad value (printed). */
int sk_liveopt_handle(struct sk_liveopt *o, int c, const char *arg, const char *cmd);
/* After parsing: open the log, read the key file. 0 ok, -1 error (printed). */
int sk_liveopt_finish(struct sk_liveopt *o, const char *cmd);
void sk_liveopt_help(FILE *out);

#endif
