/* SPDX-License-Identifier: BSD-3-Clause */
/* optgroups.c - the options several commands share, each defined once, and the handler of
 * those that set struct sk_common (twampy's IP socket and debug options, the test protocol,
 * the STAMP key). */
#include "optgroups.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "keyfile.h"
#include "log.h"
#include "parse.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

/* ---- logging (twampy's "Debug Options"; log lines go to standard error by default) ---- */

static const int quiet_conflicts[] = { SK_O_VERBOSE, SK_O_DEBUG, 0 };
static const int verbose_conflicts[] = { SK_O_DEBUG, 0 };

const struct sk_optdef sk_opt_logfile = {
	SK_O_LOGFILE, "logfile", 'l', SK_OK_STRING, "FILE", 0, 0, NULL, false, NULL,
	"write log lines to FILE instead of standard error (- is standard error); results "
	"always go to standard output", NULL
};
const struct sk_optdef sk_opt_quiet = {
	SK_O_QUIET, "quiet", 'q', SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"no log lines (errors are still reported)", quiet_conflicts
};
const struct sk_optdef sk_opt_verbose = {
	SK_O_VERBOSE, "verbose", 'v', SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"INFO log lines: one per packet or control message (twampy's format)", verbose_conflicts
};
const struct sk_optdef sk_opt_debug = {
	SK_O_DEBUG, "debug", 'd', SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"DEBUG log lines: also a hex dump and the decoded fields of every datagram", NULL
};
static const struct sk_optdef *const log_opts[] = { &sk_opt_logfile, &sk_opt_quiet,
						     &sk_opt_verbose, &sk_opt_debug, NULL };
const struct sk_optgroup sk_group_log = { "Logging options", log_opts };

/* ---- output ---- */

const struct sk_optdef sk_opt_json = {
	SK_O_JSON, "json", 'j', SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"results as one JSON document on standard output (docs/json-schema.md); nothing else "
	"is written there", NULL
};
const struct sk_optdef sk_opt_pcap_out = {
	SK_O_PCAP_OUT, "pcap-out", 0, SK_OK_STRING, "FILE", 0, 0, NULL, false, NULL,
	"write every test packet sent and received to FILE (nanosecond pcap, raw IP, kernel "
	"receive times) for stampkit decode and analyze", NULL
};

const struct sk_optdef sk_opt_metrics = {
	SK_O_METRICS, "metrics", 0, SK_OK_STRING, "ADDR:PORT", 0, 0, NULL, false, NULL,
	"serve GET /metrics in the Prometheus text format on ADDR:PORT (127.0.0.1:9862, "
	"[::1]:9862, :9862 for every address): counters and delay histograms "
	"(docs/monitoring.md)", NULL
};
const struct sk_optdef sk_opt_report_interval = {
	SK_O_REPORT_INTERVAL, "report-interval", 0, SK_OK_DOUBLE, "S", 0, 86400, NULL, false,
	NULL, "a report every S seconds besides the final one: a table block per interval, or "
	"with --json one {\"type\":\"interval\",...} line per interval before the final "
	"document (JSON Lines); the intervals add up exactly to the totals", NULL, true
};

/* ---- IP socket options (twampy's) ---- */

static const int tos_conflicts[] = { SK_O_DSCP, 0 };

const struct sk_optdef sk_opt_tos = {
	SK_O_TOS, "tos", 0, SK_OK_INT, "N", 0, 255, NULL, false, NULL,
	"TOS / Traffic Class octet of the test packets (not given: the system's, 0; replay "
	"keeps each packet's recorded octet)", tos_conflicts
};
const struct sk_optdef sk_opt_dscp = {
	SK_O_DSCP, "dscp", 0, SK_OK_STRING, "NAME|N", 0, 0, NULL, false, NULL,
	"DSCP by name (stampkit dscptable lists them) or 0..63, written as DSCP << 2 into the "
	"TOS / Traffic Class octet (RFC 2474 §3)", NULL
};
const struct sk_optdef sk_opt_ttl = {
	SK_O_TTL, "ttl", 0, SK_OK_INT, "N", 1, 255, NULL, false, "64",
	"IPv4 TTL / IPv6 hop limit of the test packets", NULL
};
const struct sk_optdef sk_opt_padding = {
	SK_O_PADDING, "padding", 0, SK_OK_INT, "N", -1, 65000, NULL, false, NULL,
	"octets added beyond the fixed packet part; -1 = twampy's IMIX sizes", NULL
};
const struct sk_optdef sk_opt_df = {
	SK_O_DF, "do-not-fragment", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"set DF (IPv4) / do not fragment (IPv6)", NULL
};
static const struct sk_optdef *const ip_opts[] = { &sk_opt_tos, &sk_opt_dscp, &sk_opt_ttl,
						    &sk_opt_padding, &sk_opt_df, NULL };
const struct sk_optgroup sk_group_ip = { "IP socket options", ip_opts };

/* ---- test protocol ---- */

const struct sk_optdef sk_opt_mode = {
	SK_O_MODE, "mode", 0, SK_OK_CHOICE, NULL, 0, 0, "stamp|twamp-light", false, "stamp",
	"test protocol: STAMP (RFC 8762/8972) or TWAMP-light (RFC 5357 Appendix I)", NULL
};
const struct sk_optdef sk_opt_auth = {
	SK_O_AUTH, "auth", 0, SK_OK_STRING, "KEYFILE", 0, 0, NULL, false, NULL,
	"STAMP authenticated mode (RFC 8762 §4.2.2): HMAC-SHA-256 key from KEYFILE (1..256 "
	"octets; a final newline is not part of the key)", NULL
};
const struct sk_optdef sk_opt_hmac_key = {
	SK_O_HMAC_KEY, "hmac-key", 0, SK_OK_STRING, "FILE", 0, 0, NULL, false, NULL,
	"key of the STAMP HMAC TLV (RFC 8972 §4.8) in the unauthenticated mode, from FILE "
	"(1..256 octets; a final newline is not part of the key); with --auth the HMAC TLV "
	"uses the --auth key", NULL
};
const struct sk_optdef sk_opt_timestamp = {
	SK_O_TIMESTAMP, "timestamp", 0, SK_OK_CHOICE, NULL, 0, 0, "ntp|ptp", false, "ntp",
	"timestamp format written (RFC 8762 §4.2.1: Z bit of the Error Estimate)", NULL
};
const struct sk_optdef sk_opt_hwts = {
	SK_O_HWTS, "hw-timestamps", 0, SK_OK_STRING, "IFACE", 0, 0, NULL, false, NULL,
	"receive timestamps from IFACE's NIC (SIOCSHWTSTAMP); the NIC clock must be kept on "
	"system time (phc2sys)", NULL
};

/* ---- schedule ---- */

static const int interval_conflicts[] = { SK_O_RATE, 0 };

const struct sk_optdef sk_opt_count = {
	SK_O_COUNT, "count", 'c', SK_OK_INT, "N", 1, 100000000, NULL, false, "100",
	"test packets to send (per session)", NULL
};
const struct sk_optdef sk_opt_interval = {
	SK_O_INTERVAL, "interval", 'i', SK_OK_DOUBLE, "MS", 0, 3600000, NULL, false, "100",
	"milliseconds between test packets, fractions allowed", interval_conflicts, true
};
const struct sk_optdef sk_opt_rate = {
	SK_O_RATE, "rate", 0, SK_OK_DOUBLE, "PPS", 0, 10000000, NULL, false, NULL,
	"test packets per second (instead of --interval)", NULL, true
};
const struct sk_optdef sk_opt_duration = {
	SK_O_DURATION, "duration", 0, SK_OK_DOUBLE, "S", 0, 31536000, NULL, false, NULL,
	"run for S seconds, then stop and report", NULL, true
};
const struct sk_optdef sk_opt_timeout = {
	SK_O_TIMEOUT, "timeout", 0, SK_OK_DOUBLE, "S", 0, 3600, NULL, false, NULL,
	"after the last test packet, wait at most S seconds for late replies (ends as soon as "
	"every reply is in)", NULL
};

/* ---- analysis ---- */

const struct sk_optdef sk_opt_reflector = {
	SK_O_REFLECTOR, "reflector", 'R', SK_OK_CHOICE, NULL, 0, 0, "auto|stateful|stateless",
	false, "auto",
	"how the reflector numbers its replies: stateful (its own numbers) lets loss be split "
	"by direction; auto detects it from the replies", NULL
};

/* ---- finding test packets in captures ---- */

const struct sk_optdef sk_opt_port = {
	SK_O_PORT, "port", 'p', SK_OK_INT, "N", 1, 65535, NULL, true, NULL,
	"also a test (UDP) and TWAMP-Control (TCP) port, besides 862 and the ports a "
	"TWAMP-Control exchange in the capture negotiates", NULL
};
const struct sk_optdef sk_opt_heuristic = {
	SK_O_HEURISTIC, "heuristic", 'H', SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"also try every other UDP packet whose payload has the shape of a TWAMP/STAMP test "
	"packet with plausible timestamps", NULL
};
const struct sk_optdef sk_opt_secret = {
	SK_O_SECRET, "secret", 's', SK_OK_STRING, "KEYID=PASSPHRASE", 0, 0, NULL, true, NULL,
	"shared secret of TWAMP authenticated/encrypted mode: control and test packets are "
	"decrypted and HMACs checked (one per KeyID). Other users of the host can read it "
	"(ps, /proc/PID/cmdline): prefer --secret-file or the environment variable "
	SK_SECRET_ENV "=KEYID=PASSPHRASE", NULL
};
const struct sk_optdef sk_opt_secret_file = {
	SK_O_SECRET_FILE, "secret-file", 0, SK_OK_STRING, "FILE", 0, 0, NULL, true, NULL,
	"the secrets of --secret from FILE, one 'KeyID passphrase' line each (the server's "
	"--key-file format); a warning when others can read FILE", NULL
};

/* ---- TWAMP-Control keys ---- */

const struct sk_optdef sk_opt_key_file = {
	SK_O_KEY_FILE, "key-file", 0, SK_OK_STRING, "FILE", 0, 0, NULL, false, NULL,
	"TWAMP shared secrets, one 'KeyID passphrase' line each (RFC 4656 §3.1)", NULL
};

/* ---- AF_PACKET I/O ---- */

const struct sk_optdef sk_opt_raw = {
	SK_O_RAW, "raw", 0, SK_OK_STRING, "IFACE", 0, 0, NULL, false, NULL,
	"packets through AF_PACKET on IFACE with IP/UDP headers built here. sender: LOCAL is "
	"the source address written (any address; replies arrive only if it is this host's), "
	"--ttl, --tos/--dscp, --do-not-fragment and --flow-label go into the header. "
	"responder: reflects at layer 2 for LOCAL ADDRESS:PORT, which the interface need not "
	"have. replay: the capture's packets from --src (replies still arrive on the UDP "
	"socket). Needs root or CAP_NET_RAW", NULL
};
const struct sk_optdef sk_opt_raw_mac = {
	SK_O_RAW_MAC, "raw-mac", 0, SK_OK_STRING, "MAC", 0, 0, NULL, false, "00:00:00:00:00:00",
	"destination link-layer address of --raw frames (zeros suit lo; on Ethernet the next "
	"hop's)", NULL
};

/* ---- reflecting commands ---- */

const struct sk_optdef sk_opt_max_sessions = {
	SK_O_MAX_SESSIONS, "max-sessions", 0, SK_OK_INT, "N", 1, 1 << 22, NULL, false, NULL,
	"test sessions kept at once. responder (default 4096): the state of one more session "
	"replaces the least recently used; server (default 64, at most 4096): one more "
	"Request-TW-Session is refused with Accept 5", NULL
};

/* ---- struct sk_common ---- */

void sk_common_init(struct sk_common *c)
{
	memset(c, 0, sizeof *c);
	c->tos = -1;
	c->ttl = 64;
	c->padding = -2; /* not given: the command picks its default */
	c->loglevel = SK_LOGLVL_WARNING;
	c->proto = SK_PROTO_STAMP;
	c->ts_fmt = SK_TS_NTP;
}

int sk_common_handle(struct sk_common *c, const struct sk_optdef *def, const struct sk_optval *v,
		     char *err, size_t errlen)
{
	int d;
	switch (def->id) {
	case SK_O_LOGFILE:
		c->logfile = v->s;
		return 1;
	case SK_O_QUIET:
		c->loglevel = SK_LOGLVL_QUIET;
		return 1;
	case SK_O_VERBOSE:
		c->loglevel = SK_LOGLVL_INFO;
		return 1;
	case SK_O_DEBUG:
		c->loglevel = SK_LOGLVL_DEBUG;
		return 1;
	case SK_O_JSON:
		c->json = true;
		return 1;
	case SK_O_METRICS:
		c->metrics = v->s;
		return 1;
	case SK_O_REPORT_INTERVAL:
		c->report_interval = v->d;
		return 1;
	case SK_O_PCAP_OUT:
		c->pcap_out = v->s;
		return 1;
	case SK_O_TOS:
		c->tos = (int)v->i;
		return 1;
	case SK_O_DSCP:
		if (sk_dscp_parse(v->s, &d)) {
			snprintf(err, errlen, "'%s' is not a DSCP name or 0..63 ('stampkit dscptable' "
				 "lists the names)", v->s);
			return -1;
		}
		c->tos = d << 2; /* DSCP is the upper six bits of the octet (RFC 2474 §3) */
		return 1;
	case SK_O_TTL:
		c->ttl = (int)v->i;
		return 1;
	case SK_O_PADDING:
		c->padding = (long)v->i;
		return 1;
	case SK_O_DF:
		c->dont_fragment = true;
		return 1;
	case SK_O_MODE:
		c->proto = v->i == 0 ? SK_PROTO_STAMP : SK_PROTO_TWAMP;
		return 1;
	case SK_O_AUTH:
		c->keyfile = v->s;
		return 1;
	case SK_O_HMAC_KEY:
		c->hmac_keyfile = v->s;
		return 1;
	case SK_O_TIMESTAMP:
		c->ts_fmt = v->i == 0 ? SK_TS_NTP : SK_TS_PTP;
		return 1;
	case SK_O_HWTS:
		c->hw_iface = v->s;
		return 1;
	case SK_O_KEY_FILE:
		/* Noted for the file check only: the command reads it (returns 0). */
		sk_common_file(c, "--key-file", v->s, false);
		return 0;
	default:
		return 0;
	}
}

static int read_key(const char *path, uint8_t key[256], size_t *key_len, const char *cmd)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "stampkit %s: cannot open key file %s: %s\n", cmd, path,
			strerror(errno));
		return SK_EXIT_USAGE;
	}
	sk_secret_file_warn(fileno(f), path);
	size_t n = fread(key, 1, 256, f);
	int more = fgetc(f) != EOF;
	fclose(f);
	while (n && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	*key_len = n;
	if (!n || more) {
		fprintf(stderr, "stampkit %s: key file %s: expected 1..256 octets\n", cmd, path);
		return SK_EXIT_USAGE;
	}
	return SK_EXIT_OK;
}

void sk_common_file(struct sk_common *c, const char *opt, const char *path, bool output)
{
	if (!path || c->nfiles >= (int)(sizeof c->files / sizeof c->files[0]))
		return;
	c->files[c->nfiles++] = (struct sk_fileuse){ opt, path, output };
}

int sk_common_finish(struct sk_common *c, const char *cmd)
{
	/* Before the log is opened: opening it truncates the file. */
	sk_common_file(c, "-l", c->logfile, true);
	sk_common_file(c, "--pcap-out", c->pcap_out, true);
	sk_common_file(c, "--auth", c->keyfile, false);
	sk_common_file(c, "--hmac-key", c->hmac_keyfile, false);
	char err[PATH_MAX + 200];
	if (sk_files_check(c->files, c->nfiles, err, sizeof err) != 0) {
		fprintf(stderr, "stampkit %s: %s\n", cmd, err);
		return SK_EXIT_USAGE;
	}
	if (sk_log_open(c->loglevel, c->logfile) != 0) {
		fprintf(stderr, "stampkit %s: cannot open log file %s: %s\n", cmd, c->logfile,
			strerror(errno));
		return SK_EXIT_USAGE;
	}
	if (c->hmac_keyfile) {
		if (c->proto != SK_PROTO_STAMP || c->keyfile) {
			fprintf(stderr, "stampkit %s: --hmac-key needs --mode stamp and no --auth (the "
				"HMAC TLV of the authenticated mode uses the --auth key)\n", cmd);
			return SK_EXIT_USAGE;
		}
		return read_key(c->hmac_keyfile, c->hmac_key, &c->hmac_key_len, cmd);
	}
	if (c->keyfile) {
		if (c->proto != SK_PROTO_STAMP) {
			fprintf(stderr, "stampkit %s: --auth needs --mode stamp (TWAMP-light has no "
				"keys)\n", cmd);
			return SK_EXIT_USAGE;
		}
		return read_key(c->keyfile, c->key, &c->key_len, cmd);
	}
	return SK_EXIT_OK;
}
