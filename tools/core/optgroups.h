/* SPDX-License-Identifier: BSD-3-Clause */
/* optgroups.h - the options several commands share, each defined once (optgroups.c), and
 * struct sk_common: what the shared options set (IP socket options, logging, the test
 * protocol, the STAMP key) with one handler for all of them. A command hands every option
 * to sk_common_handle first and handles what it returns 0 for. */
#ifndef STAMPKIT_TOOLS_OPTGROUPS_H
#define STAMPKIT_TOOLS_OPTGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opt.h"
#include "outfile.h"

/* Ids of the shared options; a command's own options use SK_O_LOCAL and up. */
enum {
	/* logging (every command that logs) */
	SK_O_LOGFILE = 1, SK_O_QUIET, SK_O_VERBOSE, SK_O_DEBUG,
	/* output */
	SK_O_JSON, SK_O_PCAP_OUT,
	/* IP socket options (twampy's) */
	SK_O_TOS, SK_O_DSCP, SK_O_TTL, SK_O_PADDING, SK_O_DF,
	/* test protocol */
	SK_O_MODE, SK_O_AUTH, SK_O_TIMESTAMP, SK_O_HWTS,
	/* schedule of a sending command */
	SK_O_COUNT, SK_O_INTERVAL, SK_O_RATE, SK_O_DURATION, SK_O_TIMEOUT,
	/* how the reflector numbers its replies (sender, analyze) */
	SK_O_REFLECTOR,
	/* finding test packets in captures (decode, analyze, replay) */
	SK_O_PORT, SK_O_HEURISTIC, SK_O_SECRET, SK_O_SECRET_FILE,
	/* TWAMP-Control keys (server, controller, controlclient) */
	SK_O_KEY_FILE,
	/* AF_PACKET I/O on an interface (sender, responder) */
	SK_O_RAW, SK_O_RAW_MAC,
	/* state kept by a reflecting command (responder, server) */
	SK_O_MAX_SESSIONS,
	/* STAMP HMAC TLV key in the unauthenticated mode (sender, responder) */
	SK_O_HMAC_KEY,
	/* continuous monitoring: Prometheus endpoint, interval reports */
	SK_O_METRICS, SK_O_REPORT_INTERVAL,
	SK_O_LOCAL = 100
};

/* The shared definitions (one object each; list them by address in a command's group). */
extern const struct sk_optdef sk_opt_logfile, sk_opt_quiet, sk_opt_verbose, sk_opt_debug;
extern const struct sk_optdef sk_opt_json, sk_opt_pcap_out;
extern const struct sk_optdef sk_opt_tos, sk_opt_dscp, sk_opt_ttl, sk_opt_padding, sk_opt_df;
extern const struct sk_optdef sk_opt_mode, sk_opt_auth, sk_opt_timestamp, sk_opt_hwts;
extern const struct sk_optdef sk_opt_count, sk_opt_interval, sk_opt_rate, sk_opt_duration,
	sk_opt_timeout;
extern const struct sk_optdef sk_opt_reflector;
extern const struct sk_optdef sk_opt_port, sk_opt_heuristic, sk_opt_secret, sk_opt_secret_file;
/* The environment variable decode and analyze take secrets from ("KEYID=PASSPHRASE", several
 * separated by newlines): unlike --secret, not visible to other users in ps. */
#define SK_SECRET_ENV "STAMPKIT_SECRET"
extern const struct sk_optdef sk_opt_key_file;
extern const struct sk_optdef sk_opt_max_sessions;
extern const struct sk_optdef sk_opt_hmac_key;
extern const struct sk_optdef sk_opt_raw, sk_opt_raw_mac;
extern const struct sk_optdef sk_opt_metrics, sk_opt_report_interval;

/* Whole groups that several commands take as they are. */
extern const struct sk_optgroup sk_group_log; /* -l, -q, -v, -d */
extern const struct sk_optgroup sk_group_ip;  /* --tos, --dscp, --ttl, --padding, --do-not-fragment */

enum sk_loglevel_opt { SK_LOGLVL_QUIET = 0, SK_LOGLVL_WARNING, SK_LOGLVL_INFO, SK_LOGLVL_DEBUG };

/* What the shared options set. */
struct sk_common {
	int tos;            /* TOS / Traffic Class octet; -1 = not set */
	int ttl;            /* 1..255, default 64 */
	long padding;       /* octets beyond the fixed part; -1 = IMIX; -2 = not given */
	bool dont_fragment;
	int loglevel;       /* SK_LOGLVL_*, default WARNING */
	const char *logfile; /* NULL: standard error */
	int proto;          /* SK_PROTO_STAMP (default) or SK_PROTO_TWAMP (twamp-light) */
	const char *keyfile; /* --auth: STAMP key file */
	uint8_t key[256];
	size_t key_len;
	/* --hmac-key: the HMAC TLV key of the unauthenticated mode (RFC 8972 §4.8); with
	 * --auth the HMAC TLV uses the --auth key and --hmac-key is refused */
	const char *hmac_keyfile;
	uint8_t hmac_key[256];
	size_t hmac_key_len;
	int ts_fmt;         /* SK_TS_NTP (default) or SK_TS_PTP */
	bool json;
	const char *pcap_out;
	const char *hw_iface;
	const char *metrics;     /* --metrics ADDR:PORT (NULL: no endpoint) */
	double report_interval;  /* --report-interval S (0: none) */
	/* Files the command reads and writes besides -l, --pcap-out, --auth and --key-file
	 * (which are noted here by themselves): checked by sk_common_finish. */
	struct sk_fileuse files[40];
	int nfiles;
};

void sk_common_init(struct sk_common *c);
/* An sk_opt_handler for the shared options that set struct sk_common (log, output, IP,
 * test protocol): 1 handled, 0 not one of them, -1 bad value (reason in err). */
int sk_common_handle(struct sk_common *c, const struct sk_optdef *def, const struct sk_optval *v,
		     char *err, size_t errlen);
/* Notes a file the command reads (an input) or writes (output) for sk_common_finish's check
 * that no output is an input or another output (opt names it in the message). */
void sk_common_file(struct sk_common *c, const char *opt, const char *path, bool output);
/* After parsing: refuses an output that is an input or another output (outfile.h:
 * sk_files_check), opens the log (sk_log_open), reads the --auth and --hmac-key files. Returns
 * SK_EXIT_OK, or SK_EXIT_USAGE after printing "stampkit CMD: ..." to standard error. */
int sk_common_finish(struct sk_common *c, const char *cmd);

#endif
