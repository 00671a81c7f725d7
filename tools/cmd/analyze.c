/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze.c - `stampkit analyze`: per-session latency, jitter, loss, duplicates and reordering
 * (RFC 5357 §4, RFC 8762 §4, RFC 3550 §6.4.1, RFC 4737) from recorded captures. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "stampkit/metrics.h"
#include "commands.h"
#include "liveopt.h"

static void usage(FILE *fp)
{
	fputs("usage: stampkit analyze [--json] [--csv FILE] [--plot FILE.svg|.png] [--port N]...\n"
	      "                        [--heuristic] [--secret KEYID=PASSPHRASE]...\n"
	      "                        [--capture-point sender|reflector]...\n"
	      "                        [--reflector auto|stateful|stateless] FILE... | -\n"
	      "\n"
	      "Per test session (sender address/port, reflector address/port, SSID) of the\n"
	      "pcap/pcapng captures given (merged by capture time; - reads standard input):\n"
	      "sent, received, loss, duplicates and RFC 4737 reordering per direction, and\n"
	      "outbound (T2-T1), inbound (T4-T3), round-trip and residence delays with\n"
	      "min/avg/max, p50/p90/p99 and RFC 3550 jitter. T4 is the capture time of the\n"
	      "reply in a capture taken at the sender.\n"
	      "\n"
	      "  -j, --json           one JSON object (docs/analyze.md) instead of the tables\n"
	      "  -c, --csv FILE       per-packet records to FILE\n"
	      "  -P, --plot FILE.svg|FILE.png\n"
	      "                       delay over time and delay histograms per session (gnuplot)\n"
	      "  -p, --port N         also a test (UDP) and control (TCP) port; repeatable\n"
	      "  -s, --secret KEYID=PASSPHRASE\n"
	      "                       shared secret of TWAMP authenticated/encrypted mode\n"
	      "  -H, --heuristic      also find test packets on other UDP ports by their shape\n"
	      "  -C, --capture-point sender|reflector\n"
	      "                       where the capture was taken (default: detected); given\n"
	      "                       once it applies to every file, else once per file\n"
	      "  -R, --reflector auto|stateful|stateless\n"
	      "                       how the reflectors number their replies (default auto:\n"
	      "                       detected; stateful splits loss by direction)\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "Exit status: 0 done; 1 an input cannot be read; 2 usage error; 3 an input is\n"
	      "damaged (truncated capture or malformed test packets): the results cover what\n"
	      "could be read and a warning on standard error says what was wrong.\n",
	      fp);
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", required_argument, NULL, 'c' },
		{ "plot", required_argument, NULL, 'P' },
		{ "port", required_argument, NULL, 'p' },
		{ "secret", required_argument, NULL, 's' },
		{ "heuristic", no_argument, NULL, 'H' },
		{ "capture-point", required_argument, NULL, 'C' },
		{ "reflector", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sk_analyze_opts o;
	memset(&o, 0, sizeof o);
	enum sk_an_cp cps[SK_AN_MAX_FILES];
	int ncp = 0;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":jc:P:p:s:HC:R:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = 1;
			break;
		case 'c':
			o.csv = optarg;
			break;
		case 'P': {
			size_t n = strlen(optarg);
			if (n < 5 || (strcmp(optarg + n - 4, ".svg") && strcmp(optarg + n - 4, ".png"))) {
				fprintf(stderr, "stampkit analyze: --plot '%s': a file name ending in .svg or .png\n",
					optarg);
				return 2;
			}
			o.plot = optarg;
			break;
		}
		case 'p': {
			uint16_t port;
			if (sk_parse_port(optarg, 0, &port)) {
				fprintf(stderr, "stampkit analyze: --port '%s': not a port number 1-65535\n",
					optarg);
				return 2;
			}
			if (o.nports >= SK_AN_MAX_PORTS) {
				fprintf(stderr, "stampkit analyze: at most %d --port options\n", SK_AN_MAX_PORTS);
				return 2;
			}
			o.ports[o.nports++] = port;
			break;
		}
		case 's':
			if (o.nsecrets >= SK_AN_MAX_SECRETS) {
				fprintf(stderr, "stampkit analyze: at most %d --secret options\n",
					SK_AN_MAX_SECRETS);
				return 2;
			}
			if (sk_disc_secret_parse(optarg, "analyze", &o.secrets[o.nsecrets]))
				return 2;
			o.nsecrets++;
			break;
		case 'H':
			o.heuristic = 1;
			break;
		case 'C':
			if (ncp >= SK_AN_MAX_FILES) {
				fprintf(stderr, "stampkit analyze: at most %d --capture-point options\n",
					SK_AN_MAX_FILES);
				return 2;
			}
			if (!strcmp(optarg, "sender"))
				cps[ncp++] = SK_AN_CP_SENDER;
			else if (!strcmp(optarg, "reflector"))
				cps[ncp++] = SK_AN_CP_REFLECTOR;
			else {
				fprintf(stderr, "stampkit analyze: --capture-point '%s': sender or reflector\n",
					optarg);
				return 2;
			}
			break;
		case 'R':
			if (!strcmp(optarg, "auto"))
				o.reflector = SK_REFLECTOR_AUTO;
			else if (!strcmp(optarg, "stateful"))
				o.reflector = SK_REFLECTOR_STATEFUL;
			else if (!strcmp(optarg, "stateless"))
				o.reflector = SK_REFLECTOR_STATELESS;
			else {
				fprintf(stderr, "stampkit analyze: --reflector '%s': auto, stateful or stateless\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "stampkit analyze: option '%s' needs a value\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			fprintf(stderr, "stampkit analyze: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	o.nfiles = argc - optind;
	if (o.nfiles < 1 || o.nfiles > SK_AN_MAX_FILES) {
		fprintf(stderr, "stampkit analyze: 1 to %d capture files (or -) are needed\n",
			SK_AN_MAX_FILES);
		usage(stderr);
		return 2;
	}
	if (ncp > 1 && ncp != o.nfiles) {
		fprintf(stderr, "stampkit analyze: --capture-point given %d times for %d files: give it "
				"once (all files) or once per file\n",
			ncp, o.nfiles);
		return 2;
	}
	int nstdin = 0;
	for (int f = 0; f < o.nfiles; f++) {
		o.files[f] = argv[optind + f];
		if (!strcmp(o.files[f], "-") && nstdin++) {
			fprintf(stderr, "stampkit analyze: standard input (-) can be read only once\n");
			return 2;
		}
		o.cp[f] = ncp == 1 ? cps[0] : ncp ? cps[f] : SK_AN_CP_AUTO;
	}
	return sk_analyze_run(&o, stdout, stderr);
}
