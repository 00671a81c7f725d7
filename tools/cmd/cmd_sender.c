/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_sender.c - `stampkit sender`: the command line -> struct sender_opts -> sender_run()
 * (RFC 8762 §4.2 Session-Sender, RFC 5357 §4.1 TWAMP-light). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "liveopt.h"
#include "livesys.h"
#include "sender.h"
#include "stampkit/reflect.h"
#include "stampkit/metrics.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

#define MAX_PKT 65535

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit sender [options] [REMOTE [LOCAL]]\n\n"
		"Sends STAMP (default) or TWAMP-light test packets to REMOTE and prints delay,\n"
		"jitter and loss per direction. Addresses: ip, ip:port, :port, [v6]:port, [v6],\n"
		"bare IPv6, host names; REMOTE defaults to 127.0.0.1 and its port to 862 (twampy's\n"
		"was 20001), LOCAL's\n"
		"default is any address, a free port (twampy's was :20000).\n\n"
		"Sender options:\n"
		"  -c, --count N         packets to send (default 100)\n"
		"  -i, --interval MS     milliseconds between packets, fractions allowed (default 100)\n"
		"      --rate PPS        packets per second (instead of --interval)\n"
		"      --duration S      send for S seconds (count = duration x rate)\n"
		"      --ssid N          STAMP Session-Sender Identifier (0..65535, default 0)\n"
		"      --timeout S       wait at most S seconds for late replies after the last\n"
		"                        send (default 5; ends as soon as every reply is in)\n"
		"      --reflector auto|stateful|stateless   how the reflector numbers its replies\n"
		"                        (per-direction loss needs stateful; default auto for\n"
		"                        STAMP, stateful for TWAMP-light)\n"
		"      --pcap-out FILE   write every packet sent and received (nanosecond pcap,\n"
		"                        raw IP, kernel receive times) for stampkit decode/analyze\n"
		"      --raw IFACE       send through AF_PACKET on IFACE with IP/UDP headers built\n"
		"                        here: LOCAL is the source written (any address; replies\n"
		"                        arrive only if it is this host's), --ttl/--tos/--dscp/DF\n"
		"                        go into the header\n"
		"      --raw-mac MAC     destination link-layer address for --raw (default zeros,\n"
		"                        right for lo)\n"
		"      --flow-label N    IPv6 Flow Label of --raw packets\n\n");
	fputs(sk_tlvopt_help, out);
	fputc('\n', out);
	sk_liveopt_help(out);
}

/* Combinations and values the option parser cannot check alone. 0, or 2 after a message. */
static int check_opts(struct sender_opts *o, const char *cmd, double rate, double duration)
{
	if (rate > 0)
		o->interval_ms = 1000.0 / rate;
	if (duration > 0) {
		double n = duration * 1000.0 / o->interval_ms;
		if (n < 1 || n > 100000000) {
			fprintf(stderr, "stampkit %s: --duration gives %.0f packets (1..100000000)\n", cmd, n);
			return 2;
		}
		o->count = (uint64_t)n;
	}
	if ((o->ntlv || o->hmac_tlv) && o->proto != SK_PROTO_STAMP) {
		fprintf(stderr, "stampkit %s: --tlv needs --mode stamp\n", cmd);
		return 2;
	}
	if (o->hmac_tlv && !o->key_len) {
		fprintf(stderr, "stampkit %s: --tlv hmac needs --auth KEYFILE\n", cmd);
		return 2;
	}
	if (o->ts_fmt == SK_TS_PTP && o->proto != SK_PROTO_STAMP) {
		fprintf(stderr, "stampkit %s: --timestamp ptp needs --mode stamp\n", cmd);
		return 2;
	}
	uint8_t sec = o->key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH;
	if (o->padding >= 0) {
		size_t l;
		if (sk_reflect_request_len((uint8_t)o->proto, sec, (size_t)o->padding, &l) != SK_OK) {
			fprintf(stderr, "stampkit %s: --padding %ld: STAMP padding is an Extra Padding "
				"TLV, 0 or at least 4 octets\n", cmd, o->padding);
			return 2;
		}
		if (l > MAX_PKT - 28) {
			fprintf(stderr, "stampkit %s: --padding %ld is too large\n", cmd, o->padding);
			return 2;
		}
	}
	return 0;
}

/* REMOTE (default 127.0.0.1, port 862) and LOCAL (any address of REMOTE's family, a free
 * port). 0, or 2 after a message. */
static int resolve_addrs(struct sender_opts *o, const char *cmd, const char *rem, const char *loc)
{
	char err[300];
	/* twampy's default remote is the local host. */
	if (sk_addr_parse(rem ? rem : "127.0.0.1", SK_SENDER_DEFAULT_PORT, 0, false, &o->remote,
			  &o->remote_len, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: remote %s\n", cmd, err);
		return 2;
	}
	int fam = o->remote.ss_family == AF_INET6 ? 6 : 4;
	if (sk_addr_parse(loc ? loc : "", 0, fam, true, &o->local, &o->local_len, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: local %s\n", cmd, err);
		return 2;
	}
	if (o->local.ss_family != o->remote.ss_family) {
		fprintf(stderr, "stampkit %s: REMOTE and LOCAL must be of the same IP version\n", cmd);
		return 2;
	}
	return 0;
}

enum { O_RATE = SK_OPT_LOCAL_BASE, O_DURATION, O_SSID, O_TIMEOUT, O_REFLECTOR, O_TLV, O_PCAP,
       O_RAW, O_RAWMAC, O_FLOW };

struct parse {
	struct sender_opts *o;
	double rate, duration;
};

/* One of the sender's own options. 0, or 2 after a message. */
static int parse_own(struct parse *ps, int c, const char *arg, const char *cmd)
{
	struct sender_opts *o = ps->o;
	long v;
	char terr[200];
	switch (c) {
	case 'c':
		if (sk_parse_long(arg, 1, 100000000, &v))
			goto bad;
		o->count = (uint64_t)v;
		return 0;
	case 'i':
		if (sk_parse_double(arg, 3600000, &o->interval_ms) || o->interval_ms <= 0)
			goto bad;
		return 0;
	case O_RATE:
		if (sk_parse_double(arg, 10000000, &ps->rate) || ps->rate <= 0)
			goto bad;
		return 0;
	case O_DURATION:
		if (sk_parse_double(arg, 86400 * 365, &ps->duration) || ps->duration <= 0)
			goto bad;
		return 0;
	case O_SSID:
		if (sk_parse_long(arg, 0, 65535, &v))
			goto bad;
		o->ssid = (uint16_t)v;
		return 0;
	case O_TIMEOUT:
		if (sk_parse_double(arg, 3600, &o->timeout_s))
			goto bad;
		return 0;
	case O_REFLECTOR:
		if (!strcmp(arg, "auto"))
			o->reflector_mode = SK_REFLECTOR_AUTO;
		else if (!strcmp(arg, "stateful"))
			o->reflector_mode = SK_REFLECTOR_STATEFUL;
		else if (!strcmp(arg, "stateless"))
			o->reflector_mode = SK_REFLECTOR_STATELESS;
		else
			goto bad;
		return 0;
	case O_TLV: {
		struct sk_tlvopt t;
		if (o->ntlv == SK_TLVOPT_MAX) {
			fprintf(stderr, "stampkit %s: at most %d --tlv\n", cmd, SK_TLVOPT_MAX);
			return 2;
		}
		if (sk_tlvopt_parse(arg, &t, terr, sizeof terr)) {
			fprintf(stderr, "stampkit %s: %s\n", cmd, terr);
			return 2;
		}
		if (t.type == SK_TLV_HMAC)
			o->hmac_tlv = true; /* always the last TLV (RFC 8972 §4.8) */
		else
			o->tlvs[o->ntlv++] = t;
		return 0;
	}
	case O_PCAP: o->pcap_out = arg; return 0;
	case O_RAW: o->raw_iface = arg; return 0;
	case O_RAWMAC: {
		unsigned mb[6];
		char tail;
		if (sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &mb[0], &mb[1], &mb[2], &mb[3], &mb[4],
			   &mb[5], &tail) != 6)
			goto bad;
		for (int i = 0; i < 6; i++)
			o->raw_mac[i] = (uint8_t)mb[i];
		return 0;
	}
	case O_FLOW:
		if (sk_parse_long(arg, 0, 0xfffff, &v))
			goto bad;
		o->flow_label = (uint32_t)v;
		return 0;
	default:
		usage(stderr);
		return 2;
	}
bad:
	fprintf(stderr, "stampkit %s: bad value '%s'\n", cmd, arg);
	return 2;
}

int cmd_sender(int argc, char **argv)
{
	static struct sender_opts o;
	memset(&o, 0, sizeof o);
	o.count = 100;
	o.interval_ms = 100;
	o.timeout_s = 5;
	o.reflector_mode = -1;
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	struct parse ps = { .o = &o };
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, O_RATE },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "ssid", required_argument, NULL, O_SSID },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "reflector", required_argument, NULL, O_REFLECTOR },
		{ "tlv", required_argument, NULL, O_TLV },
		{ "pcap-out", required_argument, NULL, O_PCAP },
		{ "raw", required_argument, NULL, O_RAW },
		{ "raw-mac", required_argument, NULL, O_RAWMAC },
		{ "flow-label", required_argument, NULL, O_FLOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "c:i:h", longopts, NULL)) != -1) {
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (parse_own(&ps, c, optarg, cmd))
			return 2;
	}
	if (argc - optind > 2) {
		fprintf(stderr, "stampkit %s: expected [REMOTE [LOCAL]]\n", cmd);
		usage(stderr);
		return 2;
	}
	if (sk_liveopt_finish(&lo, cmd))
		return 2;
	o.proto = lo.proto;
	o.ts_fmt = lo.ts_fmt;
	memcpy(o.key, lo.key, lo.key_len);
	o.key_len = lo.key_len;
	o.tos = lo.tos;
	o.ttl = lo.ttl;
	o.padding = lo.padding;
	o.dont_fragment = lo.dont_fragment;
	o.hw_iface = lo.hw_iface;
	o.json = lo.json;
	if (check_opts(&o, cmd, ps.rate, ps.duration) ||
	    resolve_addrs(&o, cmd, argc - optind >= 1 ? argv[optind] : NULL,
			  argc - optind == 2 ? argv[optind + 1] : NULL))
		return 2;
	return sender_run(&o);
}
