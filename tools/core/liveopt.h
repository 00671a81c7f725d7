/* SPDX-License-Identifier: BSD-3-Clause */
/* liveopt.h - what the live subcommands share: twampy's IP and debug options, the DSCP
 * name table (RFC 2474/2597/3246/5865 code points, twampy's names), twampy-format logging,
 * checked number parsing. */
#ifndef STAMPKIT_TOOLS_LIVEOPT_H
#define STAMPKIT_TOOLS_LIVEOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sk_loglevel { SK_LOG_QUIET = 0, SK_LOG_WARNING = 1, SK_LOG_INFO = 2, SK_LOG_DEBUG = 3 };

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

/* DSCP: a name (twampy's table, case-insensitive, plus cs0/cs6/cs7/va/df) or 0..63. */
int sk_dscp_parse(const char *s, int *dscp);
/* twampy's name of a code point (be, cs1, af11, ..., ef, nc1, nc2, cpN). */
const char *sk_dscp_name(int dscp, char *buf, size_t len);

/* Checked parsing: decimal only, within [min, max] (a sign only when min < 0). */
int sk_parse_long(const char *s, long min, long max, long *out);
/* A decimal port number 1-65535 (0 too when allow_zero: "pick one"); 0 ok, -1 not a port. */
int sk_parse_port(const char *s, int allow_zero, uint16_t *out);
/* A non-negative decimal with an optional fraction, finite, <= max. */
int sk_parse_double(const char *s, double max, double *out);

/* twampy's log line: "yy/mm/dd HH:MM:SS,ms LEVEL    message". */
void sk_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
bool sk_log_enabled(int level);
/* Where log lines go (for multi-line dumps). */
FILE *sk_log_file(void);
void sk_log_hex(const char *what, const uint8_t *p, size_t n);

/* One pick from twampy's IMIX padding list of the IP version. */
long sk_imix_pick(bool ipv6);

#endif
