/* SPDX-License-Identifier: BSD-3-Clause */
/* liveopt.c - shared options of the live subcommands, the DSCP table (RFC 2474 §3, RFC 2597,
 * RFC 3246, RFC 5865), twampy-compatible logging. */
#include "liveopt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

static FILE *log_fp;
static int log_level = SK_LOG_WARNING;

int sk_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	const char *p = s;
	if (*p == '-' && min < 0)
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int sk_parse_port(const char *s, int allow_zero, uint16_t *out)
{
	long v;
	if (sk_parse_long(s, allow_zero ? 0 : 1, 65535, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int sk_parse_double(const char *s, double max, double *out)
{
	char *end;
	if (!s || !*s || ((*s < '0' || *s > '9') && *s != '.'))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

struct dscp_name { const char *name; int v; };
/* twampy's names first (what `dscptable` prints), then the RFC names it lacks. */
static const struct dscp_name names[] = {
	{ "be", 0 }, { "cs1", 8 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 }, { "cs2", 16 },
	{ "af21", 18 }, { "af22", 20 }, { "af23", 22 }, { "cs3", 24 }, { "af31", 26 },
	{ "af32", 28 }, { "af33", 30 }, { "cs4", 32 }, { "af41", 34 }, { "af42", 36 },
	{ "af43", 38 }, { "cs5", 40 }, { "ef", 46 }, { "nc1", 48 }, { "nc2", 56 },
	{ "cs0", 0 }, { "df", 0 }, { "va", 44 }, { "cs6", 48 }, { "cs7", 56 },
};
#define N_TWAMPY_NAMES 21

const char *sk_dscp_name(int dscp, char *buf, size_t len)
{
	for (size_t i = 0; i < N_TWAMPY_NAMES; i++)
		if (names[i].v == dscp)
			return names[i].name;
	snprintf(buf, len, "cp%d", dscp);
	return buf;
}

int sk_dscp_parse(const char *s, int *dscp)
{
	long v;
	if (!sk_parse_long(s, 0, 63, &v)) {
		*dscp = (int)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(s, names[i].name)) {
			*dscp = names[i].v;
			return 0;
		}
	if (!strncasecmp(s, "cp", 2) && !sk_parse_long(s + 2, 0, 63, &v)) {
		*dscp = (int)v;
		return 0;
	}
	return -1;
}

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
	log_level = o->loglevel;
	log_fp = stdout;
	if (o->logfile && strcmp(o->logfile, "-")) {
		log_fp = fopen(o->logfile, "w");
		if (!log_fp) {
			fprintf(stderr, "stampkit %s: cannot open log file %s: %s\n", cmd, o->logfile,
				strerror(errno));
			return -1;
		}
		setvbuf(log_fp, NULL, _IOLBF, 0);
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
		"  -l, --logfile FILE    log lines to FILE (default: standard output)\n"
		"  -q, --quiet           no log lines\n"
		"  -v, --verbose         one line per packet (twampy's format)\n"
		"  -d, --debug           also a hex dump of every datagram\n");
}

bool sk_log_enabled(int level)
{
	return level <= log_level && log_level != SK_LOG_QUIET;
}

FILE *sk_log_file(void)
{
	return log_fp ? log_fp : stdout;
}

void sk_log(int level, const char *fmt, ...)
{
	if (!sk_log_enabled(level))
		return;
	static const char *const lv[] = { "", "WARNING", "INFO", "DEBUG" };
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	/* twampy's two-digit year, written by hand (strftime's %y draws -Wformat-y2k). */
	char ts[40];
	snprintf(ts, sizeof ts, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_year % 100, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	FILE *f = log_fp ? log_fp : stdout;
	fprintf(f, "%s,%-3d %-8s ", ts, (int)(tv.tv_usec / 1000), lv[level]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void sk_log_hex(const char *what, const uint8_t *p, size_t n)
{
	if (!sk_log_enabled(SK_LOG_DEBUG))
		return;
	char buf[2 * 512 + 1];
	size_t m = n > 512 ? 512 : n;
	for (size_t i = 0; i < m; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * m] = 0;
	sk_log(SK_LOG_DEBUG, "%s: %s%s", what, buf, n > m ? "..." : "");
}

long sk_imix_pick(bool ipv6)
{
	static const long v4[12] = { 8, 8, 8, 8, 8, 8, 8, 534, 534, 534, 534, 1458 };
	static const long v6[12] = { 0, 0, 0, 0, 0, 0, 0, 514, 514, 514, 514, 1438 };
	int i = (int)(random() % 12);
	return ipv6 ? v6[i] : v4[i];
}
