/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_state.h - the state of one analysis, shared by the engine (analyze_engine.c:
 * frames in, sessions and pairing) and its results (analyze_result.c: report model,
 * diagnostics, plot). Not for other modules: they use analyze_int.h. */
#ifndef STAMPKIT_TOOLS_ANALYZE_STATE_H
#define STAMPKIT_TOOLS_ANALYZE_STATE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze_int.h"
#include "analyze_plot.h"
#include "discover.h"
#include "ipfrag.h"
#include "outfile.h"
#include "report.h"
#include "tcpstream.h"
#include "stampkit/metrics.h"
#include "stampkit/testpkt.h"

#define AN_LINE 64        /* cache line: the alignment of the structs both threads use */
#define AN_HASH0 1024     /* session hash buckets at first (a power of two, doubled as needed) */
/* Sender packets remembered per session for pairing: the number of slots a session's ring
 * behaves as (a packet takes slot seq % AN_RING). Physically the ring starts at 4 slots and
 * doubles only when two remembered packets would share a slot that AN_RING keeps apart, so
 * a short session costs a few slots and the results never depend on the physical size. */
#define AN_RING 256
#define AN_WINDOW 1024    /* sequence window of the metrics (reordering tolerance) */
#define AN_PENDING 256    /* replies held per input until its capture point is known */

/* One sender sequence number: what the captures said about it so far. */
struct an_slot {
	uint32_t seq;
	uint8_t used;
	uint8_t capmask;   /* bit f: cap[f] holds the sender packet's capture time in input f */
	uint8_t answered;  /* a reply was seen where the sender captures */
	uint8_t have_t1;
	uint8_t have_rr;   /* the reply was seen where the reflector captures */
	int64_t t1;
	int64_t rr_cap;    /* capture time of the reply at the reflector */
	int64_t cap[];     /* one per input (sk_an.slotsz octets a slot in all) */
};

/* Allocated aligned to AN_LINE: what every record reads or writes comes first, on the two
 * cache lines sk_an_prefetch asks for; the key and the names (a new session, a hash chain
 * walk, a CSV row) after them. */
struct an_sess {
	uint16_t ssid;
	enum sk_rmode mode;
	unsigned index;         /* 1-based, in order of discovery */
	uint32_t rcap;
	unsigned char *ring;    /* rcap slots (a power of two up to AN_RING) */
	struct sk_session *sv;  /* replies as seen at the sender (T4 = capture time) */
	struct sk_session *rv;  /* replies as seen at the reflector (no T4) */
	struct sk_dstats *wire; /* SK_DIR_COUNT series from capture times at both ends */
	uint64_t sender_pkts, replies;
	uint32_t first;         /* first sender seq observed */
	uint32_t hi_any;        /* highest sender seq in any packet */
	unsigned himask;
	uint32_t hi[SK_AN_MAX_FILES]; /* highest sender seq of sender packets per input */
	/* The key. */
	struct an_sess *next;   /* hash chain */
	uint32_t hash;          /* full hash of the key (the table grows) */
	uint8_t ipver;
	uint16_t sport, rport;
	uint8_t saddr[16], raddr[16];
	char sname[48], rname[48]; /* the addresses as text, for the CSV rows */
};

/* What the session stage uses of a decoded test packet (timestamps as on the wire). */
struct an_tp {
	uint64_t timestamp, rx_timestamp, sender_timestamp;
	uint32_t seq, sender_seq;
	uint16_t error_estimate, sender_error_estimate, ssid;
};

/* One decoded test packet on its way from the packet stage (dissect, discover, decode) to
 * the session stage (pairing, metrics, rows): it holds all the latter needs and points into
 * nothing, so the two stages can run in two threads (analyze_pipe.c). Kept small (96
 * octets, not the 176 of a whole struct sk_test_pkt with the rest): every octet of it
 * goes from one processor's cache to the other's. */
struct an_rec {
	struct an_tp t;
	int64_t ts;             /* capture time */
	int32_t flow;           /* discover's flow number, -1 none */
	uint8_t f, role, mode, ipver;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

struct an_pipe;

struct an_pending {
	struct an_sess *x;
	struct an_tp t;
	int64_t cap;
};

struct an_input {
	const char *name;
	enum sk_an_cp cp;       /* decided capture point */
	int assumed;            /* decided without evidence */
	struct an_pending *pending; /* AN_PENDING replies awaiting the capture point */
	unsigned npending;
};

/* With a second thread (analyze_pipe.c) the reading thread writes the packet stage's
 * fields at every packet, the session stage's thread writes and reads its own at every
 * record: each group starts a cache line of its own (the struct is allocated aligned), so
 * neither thread's writes take the other's lines away. */
struct sk_an {
	const struct sk_analyze_opts *o;
	FILE *diag, *csv;             /* csv: csv_out.fp while --csv is written */
	struct sk_outfile csv_out;
	struct an_input in[SK_AN_MAX_FILES];
	int nin;
	size_t slotsz;                /* octets of one an_slot with its capture times */
	struct an_pipe *pipe;         /* the session stage's batches (and thread), NULL: none */
	/* The packet stage (the reading thread). */
	alignas(AN_LINE) struct sk_disc disc;
	struct sk_disc_tcp tcp_follow;
	struct sk_tcpstream *tcp;
	struct sk_pkt pkt;
	uint64_t packets, test_packets, malformed, undecrypted, fragments;
	/* UDP frames to or from a test port whose IP or UDP header is malformed (a UDP length
	 * beyond the IP packet, an IPv4 header length below 20): damaged input. */
	uint64_t bad_udp;
	struct sk_ipfrag *frag;
	int finished;
	int damaged;                  /* sk_analyze_note_damage */
	/* The session stage (the second thread while there is one). */
	alignas(AN_LINE) struct an_sess **hash; /* nhash buckets */
	uint32_t nhash;
	struct an_sess **list;        /* in order of discovery, listcap allocated */
	unsigned nsess, listcap;
	struct an_sess **flowsess;    /* by discover's flow number: the flow's last session */
	size_t nflowsess;
	uint64_t session_overflow, alloc_failures;
	struct sk_an_plot plot;
	int plotting;
	/* Read by the reading thread for the progress line. */
	alignas(AN_LINE) atomic_uint nsess_pub; /* nsess for the progress line */
	/* The report handed out by sk_analyze_finish (freed by sk_analyze_close). */
	alignas(AN_LINE) struct sk_rsession *rs;
	char *files_json, *cps_json;
	char summary_tail[160];
};

/* analyze_engine.c: the session stage of one record; and a hint that it comes soon (level
 * 0: the session entry; 1: its pairing slot and codec session; 2, 3: the codec session's
 * parts, sk_session_prefetch), given a few records ahead, one level at a time. */
void sk_an_stage(struct sk_an *a, const struct an_rec *rc);
void sk_an_prefetch(struct sk_an *a, const struct an_rec *rc, int level);
/* analyze_pipe.c: the session stage in a second thread. start: 0, or -1 (a->pipe stays NULL:
 * one thread). put: hands a record over. drain: every record processed, the thread ended
 * (a->pipe NULL again); nothing happens when there is no thread. */
int sk_an_pipe_start(struct sk_an *a);
/* The same batches without a thread (sk_an_pipe_put processes a full one at once); 0, or
 * -1 (a->pipe stays NULL: each record processed as it comes). */
int sk_an_batch_start(struct sk_an *a);
void sk_an_pipe_put(struct sk_an *a, const struct an_rec *rc);
void sk_an_pipe_drain(struct sk_an *a);

/* analyze_result.c: sessions results as report objects, and the end of a run. */
int sk_an_build_report(struct sk_an *a, struct sk_report *out);
int sk_an_draw_plot(struct sk_an *a);
/* Warnings and notes on diag; status so far in, the exit status out. */
int sk_an_diagnose(struct sk_an *a, int status);

#endif
