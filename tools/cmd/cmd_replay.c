/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_replay.c - `stampkit replay` options -> struct replay_opts -> replay_run() (live/replay.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "liveopt.h"
#include "replay.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit replay [options] FILE --to HOST[:PORT]\n\n"
		"Sends the Session-Sender packets of every test session in FILE (pcap or pcapng,\n"
		"found as `stampkit analyze` finds them) to HOST (port 862 unless given), each\n"
		"re-stamped at send time, listens for the replies and prints analyze's table (or\n"
		"--json) for the replayed run.\n\n"
		"  --to HOST[:PORT]      the device to test (required)\n"
		"  --port N              a test/control port of FILE besides 862 (repeatable)\n"
		"  --session N           replay only session N (numbered in order of appearance,\n"
		"                        repeatable)\n"
		"  --all                 every UDP datagram of FILE, as recorded (test packets of\n"
		"                        the sender are still re-stamped)\n"
		"  --multiplier F        recorded gaps divided by F (2: twice as fast)\n"
		"  --pps N               N packets per second instead of the recorded gaps\n"
		"  --topspeed            as fast as possible\n"
		"  --loop N              send the selection N times (0: until --duration, --limit\n"
		"                        or ^C, then the results)\n"
		"  --duration S          stop sending after S seconds\n"
		"  --limit N             send at most N packets\n"
		"  --renumber            sequence numbers afresh from 0 per session, continuing\n"
		"                        across loops (default: as recorded)\n"
		"  --no-restamp          send the recorded timestamps\n"
		"  --auth KEYFILE        STAMP key (the sender's key-file format): base-packet HMAC\n"
		"                        and HMAC TLV computed again\n"
		"  --timeout S           wait at most S seconds for replies after the last send\n"
		"                        (default 2; ends as soon as every reply is in)\n"
		"  --pcap-out FILE       save every packet sent and received (nanosecond pcap,\n"
		"                        kernel receive times) for stampkit decode/analyze\n"
		"  --interface IFACE     send through AF_PACKET on IFACE, IP/UDP headers built here\n"
		"                        (replies still arrive on the UDP socket)\n"
		"  --src ADDR            source address written by --interface (default: the\n"
		"                        route's)\n"
		"  --dst-mac MAC         destination link-layer address for --interface\n"
		"  --json                analyze's JSON instead of the table\n"
		"  --tos N, --dscp X   TOS / Traffic Class of every packet (default: as recorded)\n"
		"  --ttl N               TTL / hop limit of the packets sent\n\n"
		"^C ends the sending; the replies in flight are still waited for (a second ^C ends\n"
		"that too), then the results are printed.\n\n"
		"Exit status: 0 done, 1 FILE unreadable or nothing to send or every send failed,\n"
		"2 usage, 3 FILE damaged or packets left out (named on standard error).\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned mb[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &mb[0], &mb[1], &mb[2], &mb[3], &mb[4], &mb[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)mb[i];
	return 0;
}

enum { O_TO = SK_OPT_LOCAL_BASE, O_PORT, O_SESSION, O_ALL, O_MULT, O_PPS, O_TOP, O_LOOP,
       O_DURATION, O_LIMIT, O_RENUMBER, O_NORESTAMP, O_TIMEOUT, O_PCAP_OUT, O_IFACE, O_SRC,
       O_DSTMAC };

/* One of replay's own options; 0, or 2 after a message. */
static int own_option(struct replay_opts *o, int c, const char *arg)
{
	long v;
	switch (c) {
	case O_TO: o->to = arg; break;
	case O_PORT:
		if (o->nports == SK_REPLAY_MAX_PORTS || sk_parse_long(arg, 1, 65535, &v)) {
			fprintf(stderr, "stampkit replay: --port: 1..65535, at most %d\n", SK_REPLAY_MAX_PORTS);
			return 2;
		}
		o->ports[o->nports++] = (uint16_t)v;
		break;
	case O_SESSION:
		if (sk_parse_long(arg, 1, SK_REPLAY_MAX_SESS, &v)) {
			fprintf(stderr, "stampkit replay: --session: 1..%d\n", SK_REPLAY_MAX_SESS);
			return 2;
		}
		o->want[v] = 1;
		o->any_want = true;
		break;
	case O_ALL: o->all = true; break;
	case O_MULT:
		if (sk_parse_double(arg, 1e6, &o->multiplier) || o->multiplier <= 0) {
			fprintf(stderr, "stampkit replay: --multiplier: expected a number > 0\n");
			return 2;
		}
		break;
	case O_PPS:
		if (sk_parse_double(arg, 1e8, &o->pps) || o->pps <= 0) {
			fprintf(stderr, "stampkit replay: --pps: expected packets per second > 0\n");
			return 2;
		}
		break;
	case O_TOP: o->topspeed = true; break;
	case O_LOOP:
		if (sk_parse_long(arg, 0, 100000000, &o->loops)) {
			fprintf(stderr, "stampkit replay: --loop: expected 0..100000000\n");
			return 2;
		}
		break;
	case O_DURATION:
		if (sk_parse_double(arg, 86400 * 365, &o->duration) || o->duration <= 0) {
			fprintf(stderr, "stampkit replay: --duration: expected seconds > 0\n");
			return 2;
		}
		break;
	case O_LIMIT:
		if (sk_parse_long(arg, 1, 1000000000, &o->limit)) {
			fprintf(stderr, "stampkit replay: --limit: expected 1..1000000000\n");
			return 2;
		}
		break;
	case O_RENUMBER: o->renumber = true; break;
	case O_NORESTAMP: o->no_restamp = true; break;
	case O_TIMEOUT:
		if (sk_parse_double(arg, 3600, &o->timeout)) {
			fprintf(stderr, "stampkit replay: --timeout: expected seconds >= 0\n");
			return 2;
		}
		break;
	case O_PCAP_OUT: o->pcap_out = arg; break;
	case O_IFACE: o->iface = arg; break;
	case O_SRC: o->src = arg; break;
	case O_DSTMAC:
		if (parse_mac(arg, o->dst_mac)) {
			fprintf(stderr, "stampkit replay: --dst-mac: expected aa:bb:cc:dd:ee:ff\n");
			return 2;
		}
		break;
	default:
		usage(stderr);
		return 2;
	}
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "to", required_argument, NULL, O_TO },
		{ "port", required_argument, NULL, O_PORT },
		{ "session", required_argument, NULL, O_SESSION },
		{ "all", no_argument, NULL, O_ALL },
		{ "multiplier", required_argument, NULL, O_MULT },
		{ "pps", required_argument, NULL, O_PPS },
		{ "topspeed", no_argument, NULL, O_TOP },
		{ "loop", required_argument, NULL, O_LOOP },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "renumber", no_argument, NULL, O_RENUMBER },
		{ "no-restamp", no_argument, NULL, O_NORESTAMP },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "pcap-out", required_argument, NULL, O_PCAP_OUT },
		{ "interface", required_argument, NULL, O_IFACE },
		{ "src", required_argument, NULL, O_SRC },
		{ "dst-mac", required_argument, NULL, O_DSTMAC },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	struct replay_opts o;
	memset(&o, 0, sizeof o);
	o.multiplier = 1;
	o.loops = 1;
	o.timeout = 2;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "h", longopts, NULL)) != -1) {
		if (c == SK_OPT_PADDING || c == SK_OPT_MODE || c == SK_OPT_TIMESTAMP) {
			fprintf(stderr, "stampkit replay: the packets' mode, padding and timestamp format "
				"are those of the capture\n");
			return 2;
		}
		int r = sk_liveopt_handle(&lo, c, optarg, "replay");
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (own_option(&o, c, optarg))
			return 2;
	}
	if (argc - optind != 1 || !o.to) {
		fprintf(stderr, "stampkit replay: expected FILE and --to HOST[:PORT]\n");
		usage(stderr);
		return 2;
	}
	if ((o.pps > 0) + o.topspeed + (o.multiplier != 1) > 1) {
		fprintf(stderr, "stampkit replay: one of --multiplier, --pps, --topspeed\n");
		return 2;
	}
	static const uint8_t nomac[6];
	if ((o.src || memcmp(o.dst_mac, nomac, 6)) && !o.iface) {
		fprintf(stderr, "stampkit replay: --src and --dst-mac go with --interface\n");
		return 2;
	}
	if (sk_liveopt_finish(&lo, "replay"))
		return 2;
	o.file = argv[optind];
	o.tos = lo.tos;
	o.ttl = lo.ttl;
	o.dont_fragment = lo.dont_fragment;
	o.key = lo.key_len ? lo.key : NULL;
	o.key_len = lo.key_len;
	o.json = lo.json;
	return replay_run(&o);
}
