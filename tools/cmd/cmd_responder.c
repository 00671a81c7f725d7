/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_responder.c - `stampkit responder` (alias `reflector`): the command line ->
 * struct responder_opts -> responder_run() (RFC 8762 §4.3, RFC 5357 §4.2). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "liveopt.h"
#include "livesys.h"
#include "responder.h"
#include "stampkit/testpkt.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit responder [options] [LOCAL]\n"
		"       (alias: stampkit reflector)\n\n"
		"Reflects STAMP (default) or TWAMP-light test packets. LOCAL is ip, ip:port, :port,\n"
		"[v6]:port, [v6], a bare IPv6 address or a host name; default ':862' on every IPv4\n"
		"and IPv6 address (twampy's default was :20001).\n\n"
		"Responder options:\n"
		"  --stateful            own sequence numbers per session (RFC 8762 §4.3.2); the\n"
		"                        default in STAMP is stateless (copy the sender's number);\n"
		"                        TWAMP-light replies always carry their own numbers\n"
		"  --timer S             forget a session idle for S seconds (default 30)\n"
		"  --allow-short         answer TWAMP-light requests shorter than 41 octets with a\n"
		"                        41-octet reply (larger than the request: off by default)\n"
		"  --max-size N          largest request accepted (default 9216 octets)\n"
		"  --max-sessions N      sessions remembered at once (default 4096)\n"
		"  --allow PREFIX        answer only these sources (repeatable; 192.0.2.0/24, ::1)\n"
		"  --rate-limit PPS      answer at most PPS requests per second per source address\n"
		"  --pcap-out FILE       write every datagram received and every reply sent\n"
		"                        (nanosecond pcap, raw IP, kernel receive times)\n"
		"  --raw IFACE           reflect at layer 2 on IFACE (AF_PACKET): LOCAL is the\n"
		"                        ADDRESS:PORT answered, the interface needs no IP address\n\n");
	sk_liveopt_help(out);
	fprintf(out, "\nCounters go to standard output at exit (SIGINT/SIGTERM) and on SIGUSR1.\n");
}

enum { O_STATEFUL = SK_OPT_LOCAL_BASE, O_TIMER, O_SHORT, O_MAXSIZE, O_MAXSESS, O_ALLOW,
       O_RATE, O_PCAP, O_RAW };

/* One of the responder's own options. 0, or 2 after a message. */
static int parse_own(struct responder_opts *o, int c, const char *arg, const char *cmd)
{
	switch (c) {
	case O_STATEFUL: o->stateful = true; return 0;
	case O_SHORT: o->allow_short = true; return 0;
	case O_TIMER:
		if (sk_parse_long(arg, 0, 86400, &o->timer_s))
			goto bad;
		if (o->timer_s == 0)
			o->timer_s = 30; /* twampy's "0": its fixed 30 s */
		return 0;
	case O_MAXSIZE:
		if (sk_parse_long(arg, 44, 65535, &o->max_size))
			goto bad;
		return 0;
	case O_MAXSESS:
		if (sk_parse_long(arg, 1, 1 << 22, &o->max_sessions))
			goto bad;
		return 0;
	case O_PCAP: o->pcap_out = arg; return 0;
	case O_RAW: o->raw_iface = arg; return 0;
	case O_ALLOW:
		if (o->nallow == SK_RESPONDER_MAX_ALLOW ||
		    sk_prefix_parse(arg, &o->allow[o->nallow])) {
			fprintf(stderr, "stampkit %s: --allow %s: expected ADDRESS[/LEN] (at most %d)\n",
				cmd, arg, SK_RESPONDER_MAX_ALLOW);
			return 2;
		}
		o->nallow++;
		return 0;
	case O_RATE:
		if (sk_parse_double(arg, 1e9, &o->rate_limit) || o->rate_limit < 1)
			goto bad;
		return 0;
	default:
		usage(stderr);
		return 2;
	}
bad:
	fprintf(stderr, "stampkit %s: bad value '%s'\n", cmd, arg);
	return 2;
}

int cmd_responder(int argc, char **argv)
{
	static struct responder_opts o;
	memset(&o, 0, sizeof o);
	o.timer_s = 30;
	o.max_size = 9216;
	o.max_sessions = 4096;
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "stateful", no_argument, NULL, O_STATEFUL },
		{ "timer", required_argument, NULL, O_TIMER },
		{ "allow-short", no_argument, NULL, O_SHORT },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "max-sessions", required_argument, NULL, O_MAXSESS },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "rate-limit", required_argument, NULL, O_RATE },
		{ "pcap-out", required_argument, NULL, O_PCAP },
		{ "raw", required_argument, NULL, O_RAW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "h", longopts, NULL)) != -1) {
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (parse_own(&o, c, optarg, cmd))
			return 2;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "stampkit %s: one LOCAL address at most\n", cmd);
		return 2;
	}
	if (lo.padding != -2)
		fprintf(stderr, "stampkit %s: note: --padding is ignored: replies are as long as the "
			"requests (RFC 6038 symmetric size)\n", cmd);
	if (sk_liveopt_finish(&lo, cmd))
		return 2;
	o.local = optind < argc ? argv[optind] : "";
	o.proto = lo.proto;
	o.ts_fmt = lo.ts_fmt;
	memcpy(o.key, lo.key, lo.key_len);
	o.key_len = lo.key_len;
	o.tos = lo.tos;
	o.ttl = lo.ttl;
	o.dont_fragment = lo.dont_fragment;
	o.hw_iface = lo.hw_iface;
	o.json = lo.json;
	return responder_run(&o);
}
