/* SPDX-License-Identifier: BSD-3-Clause */
/* report.h - the report model: one neutral object per test-session result and one set of
 * writers (twampy's table, JSON, CSV). sender, controller, controlclient, analyze, replay
 * and the plugin's text statistics all fill a struct sk_rsession and hand it to the same
 * writers, so the same session is the same object, and the same JSON, everywhere
 * (owamp's one stats object with printers shared by every tool).
 *
 * Every command's --json is ONE JSON document:
 *   {"command":"sender","version":"0.1.0", <command members>, "sessions":[<session>...],
 *    "summary":{...}}
 * validated by the tests against docs/schema/stampkit.schema.json. Members and their
 * meaning: docs/json-schema.md. This module does no I/O but writing to the FILE given. */
#ifndef STAMPKIT_TOOLS_REPORT_H
#define STAMPKIT_TOOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stampkit/metrics.h"

enum sk_rmode { SK_RMODE_STAMP = 0, SK_RMODE_TWAMP_LIGHT, SK_RMODE_TWAMP };
enum sk_rstate { SK_RSTATE_UNKNOWN = 0, SK_RSTATE_STATEFUL, SK_RSTATE_STATELESS_OR_UNKNOWN };
/* Where the counts were seen: at the sender (T4 known), at the reflector only, at both
 * (loss split by the reflector-side capture), or nothing came back at all. */
enum sk_rseen { SK_RSEEN_NONE = 0, SK_RSEEN_SENDER, SK_RSEEN_REFLECTOR, SK_RSEEN_BOTH };
enum { SK_RDIR_OUT = 0, SK_RDIR_IN, SK_RDIR_RTT, SK_RDIR_N };

/* One direction (outbound, inbound, round trip). A have_* false prints as null / "n/a". */
struct sk_rdir {
	bool have_lost, have_dups, have_reord;
	uint64_t lost, dups, reord, max_extent;
	bool have_delay;                /* false: delays not computable (no sample) */
	struct sk_dstats_summary delay; /* ns */
};

/* A command-specific member of a session or of the document ("send_errors": 0). */
enum sk_rkv_type { SK_RKV_U64, SK_RKV_I64, SK_RKV_DOUBLE, SK_RKV_STR, SK_RKV_BOOL,
		   SK_RKV_NULL, SK_RKV_RAW /* already JSON */ };
struct sk_rkv {
	const char *key;
	enum sk_rkv_type type;
	union {
		uint64_t u;
		int64_t i;
		double d;
		const char *s;
		bool b;
	} v;
	const char *label; /* for the table: "send errors"; NULL: JSON only */
};
#define SK_REPORT_MAX_KV 24

struct sk_rsession {
	unsigned index;                /* 1-based, in order of appearance */
	char sender[64], reflector[64]; /* "192.0.2.1:20000", "[2001:db8::1]:862" */
	enum sk_rmode mode;
	bool has_ssid;                 /* STAMP only; TWAMP has no SSID (JSON null) */
	uint16_t ssid;
	enum sk_rstate reflector_state;
	enum sk_rseen seen;
	uint64_t sent, received, reflected, lost, unknown_lost;
	uint64_t duplicates, reordered, max_extent;   /* round trip */
	struct sk_rdir dir[SK_RDIR_N];
	bool have_residence;
	struct sk_dstats_summary residence;           /* T3 - T2 */
	bool have_wire;                               /* capture times at both ends */
	struct sk_dstats_summary wire[SK_RDIR_N];
	/* Command-specific members (the sender's send errors, the controller's SID, ...). */
	struct sk_rkv kv[SK_REPORT_MAX_KV];
	unsigned nkv;
};

/* The whole result of one command run. */
struct sk_report {
	const char *command;           /* "sender", "analyze", ... */
	struct sk_rsession *sessions;  /* owned by the caller */
	size_t nsessions;
	struct sk_rkv kv[SK_REPORT_MAX_KV]; /* document members before "sessions" */
	unsigned nkv;
	/* Appended to the table's summary line before its newline ("; 120 test packets"). */
	const char *summary_tail;
	/* Extra lines under the summary of the table ("test packets: 120 (2 malformed)"). */
	const char *table_notes;
	/* The table also gets, per session, a row per direction and the residence with count,
	 * min, avg, max, p99 and jitter in ms with three decimals (µs resolution; the plugin's
	 * -z stamp,stat, which twampy's 10-character fields would round). */
	bool table_ms_rows;
};

/* The codec configuration of a session's view (sk_session), created at its first reply
 * (Sender Sequence Number sseq, the reflector's own rseq), as analyze decides it and the
 * plugin's statistics follow: first_sender_seq is the first sender seq seen in the session;
 * reflector is SK_REFLECTOR_AUTO or the user's choice, which wins. Under AUTO a full TWAMP
 * session (TWAMP-Control seen) is stateful (RFC 5357 §4.2.1); others are detected from the
 * replies. A capture that starts at sequence number 0 saw both counters start (RFC 5357
 * §4.2, RFC 8762 §4.2-4.3); otherwise the reflector's first number is taken back from the
 * first reply. */
void sk_rsession_view_config(struct sk_session_config *cfg, uint32_t window, enum sk_rmode mode,
			     int reflector, uint32_t first_sender_seq, uint32_t sseq, uint32_t rseq);
/* Fills the counts and per-direction members of r from a sender-side session (the codec's
 * sk_session, fed with every reply): sent as the caller counts it. mode/endpoints/ssid are
 * the caller's to set. Used by sender, controller, replay and analyze's sender view. */
void sk_rsession_from_sender(struct sk_rsession *r, const struct sk_session *s, uint64_t sent);
/* The same from a reflector-side view only (analyze on a capture taken at the reflector). */
void sk_rsession_from_reflector(struct sk_rsession *r, const struct sk_session *s, uint64_t sent);
/* Captures at both ends: the sender's view s (T4 known) and the reflector's view rv (the
 * replies as they leave, in the reflector's arrival order) split the loss by direction even
 * after the last reply and with a stateless reflector. */
void sk_rsession_from_both(struct sk_rsession *r, const struct sk_session *s,
			   const struct sk_session *rv, uint64_t sent);
/* A session of which nothing came back: sent, all lost, direction unknown. */
void sk_rsession_silent(struct sk_rsession *r, uint64_t sent);
/* The wire delays (capture times at both ends): SK_DIR_OUTBOUND, _INBOUND and _RTT of w. */
void sk_rsession_wire(struct sk_rsession *r, const struct sk_dstats *w);
/* "stamp", "twamp-light", "twamp"; "stateful", "stateless-or-unknown", "unknown". */
const char *sk_rmode_name(enum sk_rmode m);
const char *sk_rstate_name(enum sk_rstate s);
/* "192.0.2.1:20000" or "[2001:db8::1]:862" from a codec address (sk_net_addr_str). */
void sk_rendpoint(char *buf, size_t n, uint8_t ipver, const uint8_t *addr, uint16_t port);

/* Adds a command-specific member (key and string values must outlive the writers' call). */
void sk_rsession_kv_u64(struct sk_rsession *r, const char *key, const char *label, uint64_t v);
void sk_rsession_kv_str(struct sk_rsession *r, const char *key, const char *label, const char *v);
void sk_rsession_kv_double(struct sk_rsession *r, const char *key, const char *label, double v);
void sk_rsession_kv_bool(struct sk_rsession *r, const char *key, const char *label, bool v);
void sk_report_kv_u64(struct sk_report *rep, const char *key, uint64_t v);
void sk_report_kv_str(struct sk_report *rep, const char *key, const char *v);
void sk_report_kv_raw(struct sk_report *rep, const char *key, const char *json);
void sk_report_kv_i64(struct sk_report *rep, const char *key, int64_t v);
void sk_report_kv_double(struct sk_report *rep, const char *key, double v);
void sk_report_kv_bool(struct sk_report *rep, const char *key, bool v);
void sk_rsession_kv_i64(struct sk_rsession *r, const char *key, const char *label, int64_t v);
void sk_rsession_kv_raw(struct sk_rsession *r, const char *key, const char *json);

/* Writers. table: twampy's layout per session plus analyze's detail lines and a summary
 * line; json: the one document described above, ending in a newline. */
void sk_report_table(FILE *out, const struct sk_report *rep);
void sk_report_json(FILE *out, const struct sk_report *rep);
/* One interval of a continuing run (--report-interval, the monitor): a JSON Lines object
 * {"type":"interval","command":...,"interval":N,"start":...,"end":...,"duration_s":...,
 *  "sessions":[...],"summary":{...}} and a newline; the sessions hold that interval only. */
void sk_report_json_interval(FILE *out, const struct sk_report *rep, unsigned index,
			     int64_t start_ns, int64_t end_ns);
/* RFC 3339 UTC with microseconds ("2026-01-02T03:04:05.123456Z") of a CLOCK_REALTIME ns. */
void sk_report_time(char *buf, size_t n, int64_t ns);
/* One session in twampy's table layout only (the sender's and controller's classic output). */
void sk_report_table_session(FILE *out, const struct sk_rsession *r);
/* analyze's full block of one session: the "Session N: ..." line, twampy's table, the
 * detail lines (counts, percentiles, IPDV, wire delays, command members) and an empty line. */
void sk_report_table_block(FILE *out, const struct sk_rsession *r);
/* One session object as the next element of the array open in w. */
struct sk_jw;
void sk_report_json_session(struct sk_jw *w, const struct sk_rsession *r);

/* Per-packet CSV records (analyze --csv, replay --csv): the header once, then a row per
 * sender packet. A field whose have_* is false is left empty. */
struct sk_rpacket {
	unsigned session;
	const char *sender, *reflector;     /* addresses without port */
	uint16_t sender_port, reflector_port;
	bool has_ssid;
	uint16_t ssid;
	uint32_t seq;
	bool have_reflector_seq;
	uint32_t reflector_seq;
	bool have_t[4];
	int64_t t_ns[4];                    /* T1..T4 */
	bool have_sender_cap, have_reply_cap;
	int64_t sender_cap_ns, reply_cap_ns;
	bool have_delay[4];                 /* outbound, inbound, round trip, residence */
	int64_t delay_ns[4];
	bool lost, duplicate, reordered;
};
void sk_report_csv_header(FILE *out);
void sk_report_csv_row(FILE *out, const struct sk_rpacket *p);

#endif
