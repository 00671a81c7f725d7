/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_decode.c - `stampkit decode`: every TWAMP/STAMP packet of a capture as a tree or JSON.
 * Test flows are found on UDP 862 (RFC 8545, RFC 8762 §4.1), on --port, and from the ports a
 * TWAMP-Control exchange negotiates (RFC 5357 §3.5, §3.6). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "commands.h"
#include "decode.h"
#include "output.h"
#include "tcpstream.h"
#include "liveopt.h"

static void usage(FILE *fp)
{
	fputs("usage: stampkit decode [--json] [--port N]... [--secret KEYID=PASSPHRASE]...\n"
	      "                       [--heuristic] FILE|-\n"
	      "\n"
	      "Prints every TWAMP/STAMP packet of a pcap or pcapng capture (FILE, or - for\n"
	      "standard input): a tree per packet, or with --json one JSON document whose\n"
	      "\"packets\" array holds one object per packet, one per line.\n"
	      "\n"
	      "Test packets are looked for on UDP port 862, on every --port, and on the test\n"
	      "ports a TWAMP-Control exchange in the same capture negotiates (control is\n"
	      "followed on TCP 862 and on every --port). A packet sent to the reflector port\n"
	      "is the Session-Sender's; its answer is the Session-Reflector's.\n"
	      "\n"
	      "  -j, --json           one JSON document, a packet per line (docs/json-schema.md)\n"
	      "  -p, --port N         also a test (UDP) and control (TCP) port; repeatable, 1-65535\n"
	      "  -s, --secret KEYID=PASSPHRASE\n"
	      "                       shared secret of TWAMP authenticated/encrypted mode:\n"
	      "                       control and test packets are decrypted and HMACs checked;\n"
	      "                       repeatable (one per KeyID)\n"
	      "  -H, --heuristic      also try every other UDP packet whose payload has the shape\n"
	      "                       of a TWAMP/STAMP test packet with plausible timestamps\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "Exit status: 0 done; 1 the input cannot be read; 2 usage error; 3 the input is\n"
	      "damaged (truncated capture or malformed packets): what could be read is printed\n"
	      "and a warning goes to standard error.\n",
	      fp);
}

/* Checked port number: decimal 1..65535, nothing else (no sign, no trailing junk). */
int cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "port", required_argument, NULL, 'p' },
		{ "secret", required_argument, NULL, 's' },
		{ "heuristic", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sk_decode_opts o;
	memset(&o, 0, sizeof o);
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":jp:s:Hh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = 1;
			break;
		case 'p': {
			uint16_t port;
			if (sk_parse_port(optarg, 0, &port)) {
				fprintf(stderr, "stampkit decode: --port '%s': not a port number 1-65535\n",
					optarg);
				return 2;
			}
			if (o.nports >= SK_DECODE_MAX_PORTS) {
				fprintf(stderr, "stampkit decode: at most %d --port options\n",
					SK_DECODE_MAX_PORTS);
				return 2;
			}
			o.ports[o.nports++] = port;
			break;
		}
		case 's':
			if (o.nsecrets >= SK_DECODE_MAX_SECRETS) {
				fprintf(stderr, "stampkit decode: at most %d --secret options\n",
					SK_DECODE_MAX_SECRETS);
				return 2;
			}
			if (sk_disc_secret_parse(optarg, "decode", &o.secrets[o.nsecrets]))
				return 2;
			o.nsecrets++;
			break;
		case 'H':
			o.heuristic = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "stampkit decode: option '%s' needs a value\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			fprintf(stderr, "stampkit decode: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "stampkit decode: exactly one capture file (or -) is needed\n");
		usage(stderr);
		return 2;
	}
	o.file = argv[optind];
	return sk_decode_run(&o, stdout, stderr);
}
