/* SPDX-License-Identifier: BSD-3-Clause */
/* liveopt.c - the live subcommands' shared options as getopt_long cases (the older
 * interface; commands on the option table use optgroups.h's sk_common instead). */
#include "liveopt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

void sk_liveopt_init(struct sk_liveopt *o)
{
	memset(o, 0, sizeof *o);
	o->tos = -1;
	o->ttl = 64;
	o->padding = -2; /* not given: the subcommand picks its default */
	o->loglevel = SK_LOG_WARNING;
	o->proto = SK_PROTO_STAMP;
	o->ts_fmt = SK_TS_NTP;
}

int sk_liveopt_handle(struct sk_liveopt *o, int c, const char *arg, const char *cmd)
{
	long v;
	int d;
	switch (c) {
	case SK_OPT_TOS:
		if (sk_parse_long(arg, 0, 255, &v)) {
			fprintf(stderr, "stampkit %s: --tos: expected 0..255, got '%s'\n", cmd, arg);
			return -1;
		}
		o->tos = (int)v;
		return 1;
	case SK_OPT_DSCP:
		if (sk_dscp_parse(arg, &d)) {
			fprintf(stderr, "stampkit %s: --dscp: '%s' is not a DSCP name or 0..63 "
				"('stampkit dscptable' lists the names)\n", cmd, arg);
			return -1;
		}
		o->tos = d << 2; /* DSCP is the upper six bits of the octet (RFC 2474 §3) */
		return 1;
	case SK_OPT_TTL:
		if (sk_parse_long(arg, 1, 255, &v)) {
			fprintf(stderr, "stampkit %s: --ttl: expected 1..255, got '%s'\n", cmd, arg);
			return -1;
		}
		o->ttl = (int)v;
		return 1;
	case SK_OPT_PADDING:
		if (sk_parse_long(arg, -1, 65000, &v)) {
			fprintf(stderr, "stampkit %s: --padding: expected -1 (IMIX) or 0..65000, got '%s'\n",
				cmd, arg);
			return -1;
		}
		o->padding = v;
		return 1;
	case SK_OPT_DF:
		o->dont_fragment = true;
		return 1;
	case SK_OPT_MODE:
		if (!strcmp(arg, "stamp"))
			o->proto = SK_PROTO_STAMP;
		else if (!strcmp(arg, "twamp-light") || !strcmp(arg, "twamp"))
			o->proto = SK_PROTO_TWAMP;
		else {
			fprintf(stderr, "stampkit %s: --mode: stamp or twamp-light, got '%s'\n", cmd, arg);
			return -1;
		}
		return 1;
	case SK_OPT_AUTH:
		o->keyfile = arg;
		return 1;
	case SK_OPT_TIMESTAMP:
		if (!strcmp(arg, "ntp"))
			o->ts_fmt = SK_TS_NTP;
		else if (!strcmp(arg, "ptp"))
			o->ts_fmt = SK_TS_PTP;
		else {
			fprintf(stderr, "stampkit %s: --timestamp: ntp or ptp, got '%s'\n", cmd, arg);
			return -1;
		}
		return 1;
	case SK_OPT_JSON:
		o->json = true;
		return 1;
	case SK_OPT_HWTS:
		o->hw_iface = arg;
		return 1;
	case 'l':
		o->logfile = arg;
		return 1;
	case 'q':
		o->loglevel = SK_LOG_QUIET;
		return 1;
	case 'v':
		o->loglevel = SK_LOG_INFO;
		return 1;
	case 'd':
		o->loglevel = SK_LOG_DEBUG;
		return 1;
	default:
		return 0;
	}
}

int sk_liveopt_finish(struct sk_liveopt *o, const char *cmd)
{
	if (sk_log_open(o->loglevel, o->logfile) != 0) {
		fprintf(stderr, "stampkit %s: cannot open log file %s: %s\n", cmd, o->logfile,
			strerror(errno));
		return -1;
	}
	if (o->keyfile) {
		if (o->proto != SK_PROTO_STAMP) {
			fprintf(stderr, "stampkit %s: --auth needs --mode stamp (TWAMP-light has no keys)\n",
				cmd);
			return -1;
		}
		FILE *f = fopen(o->keyfile, "rb");
		if (!f) {
			fprintf(stderr, "stampkit %s: cannot open key file %s: %s\n", cmd, o->keyfile,
				strerror(errno));
			return -1;
		}
		o->key_len = fread(o->key, 1, sizeof o->key, f);
		int more = fgetc(f) != EOF;
		fclose(f);
		while (o->key_len && (o->key[o->key_len - 1] == '\n' || o->key[o->key_len - 1] == '\r'))
			o->key_len--;
		if (!o->key_len || more) {
			fprintf(stderr, "stampkit %s: key file %s: expected 1..%zu octets\n", cmd,
				o->keyfile, sizeof o->key);
			return -1;
		}
	}
	return 0;
}

void sk_liveopt_help(FILE *out)
{
	fprintf(out,
		"IP socket options:\n"
		"  --tos N               TOS / Traffic Class octet (0..255; default: system, 0)\n"
		"  --dscp NAME|N         DSCP by name (stampkit dscptable) or 0..63, written as DSCP<<2\n"
		"  --ttl N               TTL / hop limit of sent packets (1..255, default 64)\n"
		"  --padding N           octets beyond the fixed packet part; -1 = twampy's IMIX\n"
		"  --do-not-fragment     set DF (IPv4) / do not fragment (IPv6)\n"
		"Protocol options:\n"
		"  --mode stamp|twamp-light   STAMP (RFC 8762/8972, default) or TWAMP-light (RFC 5357)\n"
		"  --auth KEYFILE        STAMP authenticated mode, HMAC-SHA-256 key from KEYFILE\n"
		"  --timestamp ntp|ptp   timestamp format written (default ntp)\n"
		"  --json                results as one JSON object\n"
		"  --hw-timestamps IFACE receive timestamps from IFACE's NIC (SIOCSHWTSTAMP); the\n"
		"                        NIC clock must be kept on system time (phc2sys)\n"
		"Debug options:\n"
		"  -l, --logfile FILE    log lines to FILE (default: standard error)\n"
		"  -q, --quiet           no log lines\n"
		"  -v, --verbose         one line per packet (twampy's format)\n"
		"  -d, --debug           also a hex dump of every datagram\n");
}

