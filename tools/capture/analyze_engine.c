/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_engine.c - per-session TWAMP/STAMP results from captures: pairing each reflector
 * packet with its sender packet, T1..T4 (RFC 5357 §4.2, RFC 8762 §4), and loss, duplicates,
 * RFC 4737 reordering and delays through the codec's metrics (metrics.h) only. Memory is
 * fixed per session; per-packet records are streamed, never kept. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze_int.h"
#include "twtable.h"
#include "analyze_plot.h"
#include "capture.h"
#include "discover.h"
#include "ipfrag.h"
#include "tcpstream.h"
#include "stampkit/crypto.h"
#include "stampkit/metrics.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

#define AN_MAX_SESSIONS 4096
#define AN_HASH 8192      /* session hash buckets (power of two) */
#define AN_RING 256       /* sender packets remembered per session for pairing */
#define AN_WINDOW 1024    /* sequence window of the metrics (reordering tolerance) */
#define AN_PENDING 256    /* replies held per file until its capture point is known */

enum { MODE_TWAMP_LIGHT = 0, MODE_STAMP, MODE_TWAMP };

/* One sender sequence number: what the captures said about it so far. */
struct an_slot {
	uint32_t seq;
	uint8_t used;
	uint8_t capmask;   /* bit f: cap[f] holds the sender packet's capture time in file f */
	uint8_t answered;  /* a reply was seen where the sender captures */
	uint8_t have_t1;
	uint8_t have_rr;   /* the reply was seen where the reflector captures */
	int64_t t1;
	int64_t rr_cap;    /* capture time of the reply at the reflector */
	int64_t cap[SK_AN_MAX_FILES];
};

struct an_sess {
	struct an_sess *next;   /* hash chain */
	unsigned index;         /* 1-based, in order of discovery */
	uint8_t ipver;
	uint8_t saddr[16], raddr[16];
	uint16_t sport, rport, ssid;
	int mode;
	uint32_t first;         /* first sender seq observed */
	uint32_t hi_any;        /* highest sender seq in any packet */
	uint32_t hi[SK_AN_MAX_FILES]; /* highest sender seq of sender packets per file */
	unsigned himask;
	uint64_t sender_pkts, replies;
	struct sk_session *sv;  /* replies as seen at the sender (T4 = capture time) */
	struct sk_session *rv;  /* replies as seen at the reflector (no T4) */
	struct sk_dstats *wire; /* SK_DIR_COUNT series from capture times at both ends */
	struct an_slot ring[AN_RING];
};

struct an_pending {
	struct an_sess *x;
	struct sk_test_pkt t;
	int64_t cap;
};

struct an_input {
	const char *name;
	struct sk_capture *cap;
	int lt;
	int have;               /* frame holds the next frame */
	int done;               /* nothing more to read */
	struct sk_frame frame;
	enum sk_an_cp cp;       /* decided capture point */
	int assumed;            /* decided without evidence */
	struct an_pending *pending; /* AN_PENDING replies awaiting the capture point */
	unsigned npending;
};

struct an {
	const struct sk_analyze_opts *o;
	FILE *out, *diag, *csv;
	struct sk_disc disc;
	struct sk_disc_tcp tcp_follow;
	struct sk_tcpstream *tcp;
	struct an_input in[SK_AN_MAX_FILES];
	int nin;
	struct sk_pkt pkt;
	struct an_sess *hash[AN_HASH];
	struct an_sess **list;
	unsigned nsess;
	uint64_t packets, test_packets, malformed, undecrypted, fragments, session_overflow;
	uint64_t alloc_failures;
	struct sk_ipfrag *frag;
	struct sk_an_plot plot;
	int plotting;
	int progress;            /* stderr is a terminal */
	int progress_shown;
	double progress_last;
};

/* ---- sessions ---- */

static uint32_t hash_key(uint8_t ipver, const uint8_t *s, const uint8_t *r, uint16_t sp,
			 uint16_t rp, uint16_t ssid)
{
	uint32_t h = 2166136261u;
	size_t al = ipver == 6 ? 16 : 4;
#define MIX(b) (h = (h ^ (uint8_t)(b)) * 16777619u)
	for (size_t i = 0; i < al; i++)
		MIX(s[i]), MIX(r[i]);
	MIX(sp), MIX(sp >> 8), MIX(rp), MIX(rp >> 8), MIX(ssid), MIX(ssid >> 8), MIX(ipver);
#undef MIX
	return h & (AN_HASH - 1);
}

static struct an_sess *session_get(struct an *a, const uint8_t *s, const uint8_t *r, uint16_t sp,
				   uint16_t rp, uint16_t ssid, int mode, uint32_t seq)
{
	uint8_t v = a->pkt.ipver;
	size_t al = v == 6 ? 16 : 4;
	uint32_t h = hash_key(v, s, r, sp, rp, ssid);
	for (struct an_sess *x = a->hash[h]; x; x = x->next)
		if (x->ipver == v && x->sport == sp && x->rport == rp && x->ssid == ssid &&
		    !memcmp(x->saddr, s, al) && !memcmp(x->raddr, r, al)) {
			if (mode == MODE_STAMP && x->mode == MODE_TWAMP_LIGHT)
				x->mode = MODE_STAMP;
			return x;
		}
	if (a->nsess >= AN_MAX_SESSIONS)
		return NULL;
	struct an_sess *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->ipver = v;
	memcpy(x->saddr, s, 16);
	memcpy(x->raddr, r, 16);
	x->sport = sp, x->rport = rp, x->ssid = ssid;
	x->mode = mode;
	x->first = seq;
	x->hi_any = seq;
	x->index = ++a->nsess;
	a->list[x->index - 1] = x;
	x->next = a->hash[h];
	a->hash[h] = x;
	return x;
}

static void seq_max(uint32_t *hi, uint32_t seq)
{
	if ((int32_t)(seq - *hi) > 0)
		*hi = seq;
}

/* The view a reply feeds, created at its first reply. A capture that starts with sequence
 * number 0 saw the session from its start (both counters start at 0: RFC 5357 §4.2, RFC 8762
 * §4.2-4.3); otherwise the counters are taken from the first reply seen. */
static struct sk_session *view(struct an *a, struct an_sess *x, struct sk_session **v,
			       uint32_t sseq, uint32_t rseq)
{
	if (*v)
		return *v;
	struct sk_session_config cfg = { AN_WINDOW, x->first, 0, SK_REFLECTOR_AUTO };
	if (x->first != 0) {
		uint32_t back = sseq - x->first;
		cfg.first_reflector_seq = back <= rseq ? rseq - back : rseq;
	}
	/* TWAMP full: the Session-Reflector keeps its own sequence counter (RFC 5357 §4.2.1).
	 * A user who knows the reflector says so with --reflector, which wins. */
	if (a->o->reflector != SK_REFLECTOR_AUTO)
		cfg.mode = (enum sk_reflector_mode)a->o->reflector;
	else if (x->mode == MODE_TWAMP)
		cfg.mode = SK_REFLECTOR_STATEFUL;
	if (sk_session_create(v, &cfg) != SK_OK) {
		a->alloc_failures++;
		return NULL;
	}
	return *v;
}

static struct an_slot *slot_for(struct an *a, struct an_sess *x, uint32_t seq, int create);

/* ---- per-packet records ---- */

static void csv_i64(FILE *f, int have, int64_t v)
{
	if (have)
		fprintf(f, ",%" PRId64, v);
	else
		fputc(',', f);
}

static void csv_row(struct an *a, const struct an_sess *x, uint32_t sseq, int have_r,
		    uint32_t rseq, const int64_t t[4], unsigned have_t, int64_t scap, int have_scap,
		    int64_t rcap, int have_rcap, const struct sk_delays *d, int have_d, int lost,
		    int dup, int reord)
{
	FILE *f = a->csv;
	char s[64], r[64];
	sk_net_addr_str(x->ipver, x->saddr, s, sizeof s);
	sk_net_addr_str(x->ipver, x->raddr, r, sizeof r);
	fprintf(f, "%u,%s,%u,%s,%u,", x->index, s, (unsigned)x->sport, r, (unsigned)x->rport);
	if (x->mode == MODE_STAMP)
		fprintf(f, "%u", (unsigned)x->ssid);
	fprintf(f, ",%" PRIu32, sseq);
	if (have_r)
		fprintf(f, ",%" PRIu32, rseq);
	else
		fputc(',', f);
	for (int i = 0; i < 4; i++)
		csv_i64(f, (have_t >> i) & 1, t[i]);
	csv_i64(f, have_scap, scap);
	csv_i64(f, have_rcap, rcap);
	csv_i64(f, have_d & 1, d ? d->outbound_ns : 0);
	csv_i64(f, have_d & 2, d ? d->inbound_ns : 0);
	csv_i64(f, have_d & 2, d ? d->rtt_ns : 0);
	csv_i64(f, have_d & 1, d ? d->residence_ns : 0);
	fprintf(f, ",%d,%d,%d\n", lost, dup, reord);
}

/* A sender packet leaves the ring: without a reply at the sender it was lost. */
static void slot_retire(struct an *a, struct an_sess *x, struct an_slot *sl)
{
	if (!sl->used)
		return;
	if (a->csv && !sl->answered && sl->capmask) {
		int64_t t[4] = { sl->t1, 0, 0, 0 };
		int64_t scap = 0;
		int have_scap = 0;
		for (int f = 0; f < a->nin; f++)
			if ((sl->capmask >> f & 1) && a->in[f].cp == SK_AN_CP_SENDER)
				scap = sl->cap[f], have_scap = 1;
		if (have_scap)
			csv_row(a, x, sl->seq, 0, 0, t, sl->have_t1 ? 1u : 0u, scap, 1, 0, 0, NULL,
				0, 1, 0, 0);
	}
	memset(sl, 0, sizeof *sl);
}

static struct an_slot *slot_for(struct an *a, struct an_sess *x, uint32_t seq, int create)
{
	struct an_slot *sl = &x->ring[seq % AN_RING];
	if (sl->used && sl->seq == seq)
		return sl;
	if (!create)
		return NULL;
	/* Only a newer number takes the place of an older one. */
	if (sl->used && (int32_t)(seq - sl->seq) < 0)
		return NULL;
	slot_retire(a, x, sl);
	sl->used = 1;
	sl->seq = seq;
	return sl;
}

/* ---- test packets ---- */

static int64_t ts_ns(uint64_t wire, uint16_t ee)
{
	return sk_ts_to_ns(wire, sk_errest_fmt(ee), SK_TAI_UTC_DEFAULT);
}

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

static void sender_packet(struct an *a, int f, const struct sk_test_pkt *t, int mode, int64_t cap)
{
	const struct sk_pkt *p = &a->pkt;
	struct an_sess *x = session_get(a, p->src, p->dst, p->sport, p->dport,
					mode == MODE_STAMP ? t->ssid : 0, mode, t->seq);
	if (!x) {
		a->session_overflow++;
		return;
	}
	x->sender_pkts++;
	seq_max(&x->hi_any, t->seq);
	if (x->himask & (1u << f))
		seq_max(&x->hi[f], t->seq);
	else
		x->hi[f] = t->seq, x->himask |= 1u << f;
	struct an_slot *sl = slot_for(a, x, t->seq, 1);
	if (!sl)
		return;
	sl->t1 = ts_ns(t->timestamp, t->error_estimate);
	sl->have_t1 = 1;
	if (!(sl->capmask & (1u << f))) {
		sl->cap[f] = cap;
		sl->capmask |= (uint8_t)(1u << f);
	}
}

/* Decides where file f was captured from a reply whose sender packet it also holds: the
 * capture clock is the clock of the host it ran on, so the sender packet's capture time lies
 * next to T1 at the sender and next to T2 at the reflector (whatever the clock offset).
 * 1: decided; 0: this reply gives no evidence. */
static int decide_cp(struct an *a, int f, const struct an_slot *sl, int64_t t1, int64_t t2)
{
	struct an_input *in = &a->in[f];
	if (in->cp != SK_AN_CP_AUTO)
		return 1;
	if (!sl || !(sl->capmask >> f & 1))
		return 0;
	int64_t c = sl->cap[f];
	in->cp = abs64(c - t2) < abs64(c - t1) / 4 ? SK_AN_CP_REFLECTOR : SK_AN_CP_SENDER;
	return 1;
}

static void reply_process(struct an *a, int f, struct an_sess *x, const struct sk_test_pkt *t,
			  int64_t cap);

/* Replies of a file held until its capture point is known (a capture that starts after
 * the first sender packets has replies without their sender packet first). */
static void flush_pending(struct an *a, int f)
{
	struct an_input *in = &a->in[f];
	for (unsigned i = 0; i < in->npending; i++)
		reply_process(a, f, in->pending[i].x, &in->pending[i].t, in->pending[i].cap);
	in->npending = 0;
}

static void assume_sender(struct an *a, int f)
{
	if (a->in[f].cp == SK_AN_CP_AUTO) {
		a->in[f].cp = SK_AN_CP_SENDER;
		a->in[f].assumed = 1;
	}
	flush_pending(a, f);
}

static void reply_packet(struct an *a, int f, const struct sk_test_pkt *t, int mode, int64_t cap)
{
	const struct sk_pkt *p = &a->pkt;
	struct an_sess *x = session_get(a, p->dst, p->src, p->dport, p->sport,
					mode == MODE_STAMP ? t->ssid : 0, mode, t->sender_seq);
	if (!x) {
		a->session_overflow++;
		return;
	}
	x->replies++;
	seq_max(&x->hi_any, t->sender_seq);
	struct an_input *in = &a->in[f];
	if (in->cp == SK_AN_CP_AUTO) {
		struct an_slot *sl = slot_for(a, x, t->sender_seq, 0);
		if (decide_cp(a, f, sl, ts_ns(t->sender_timestamp, t->sender_error_estimate),
			      ts_ns(t->rx_timestamp, t->error_estimate))) {
			flush_pending(a, f);
		} else if (in->npending < AN_PENDING) {
			struct an_pending *q = &in->pending[in->npending++];
			q->x = x;
			q->t = *t;
			q->t.tail = q->t.reflected = NULL;
			q->t.tail_len = q->t.reflected_len = 0;
			q->cap = cap;
			return;
		} else {
			assume_sender(a, f);
		}
	}
	reply_process(a, f, x, t, cap);
}

static void reply_process(struct an *a, int f, struct an_sess *x, const struct sk_test_pkt *t,
			  int64_t cap)
{
	struct sk_reply r;
	r.sender_seq = t->sender_seq;
	r.reflector_seq = t->seq;
	r.t1_ns = ts_ns(t->sender_timestamp, t->sender_error_estimate);
	r.t2_ns = ts_ns(t->rx_timestamp, t->error_estimate);
	r.t3_ns = ts_ns(t->timestamp, t->error_estimate);
	struct an_slot *sl = slot_for(a, x, t->sender_seq, 1);
	if (a->in[f].cp == SK_AN_CP_REFLECTOR) {
		/* No T4 here: the reflector's view gives the outbound side and the residence. */
		r.t4_ns = r.t3_ns;
		struct sk_session *v = view(a, x, &x->rv, r.sender_seq, r.reflector_seq);
		struct sk_reply_info info;
		memset(&info, 0, sizeof info);
		if (v)
			sk_session_add(v, &r, &info);
		if (sl && !sl->have_rr) {
			sl->have_rr = 1;
			sl->rr_cap = cap;
		}
		if (a->plotting && v && !x->sv && info.counted)
			sk_an_plot_point(&a->plot, x->index, cap, &info.delays, 0);
		/* Rows come from the sender's side when a capture there may follow. */
		int others_reflector = 1;
		for (int g = 0; g < a->nin; g++)
			if (g != f && a->in[g].cp != SK_AN_CP_REFLECTOR)
				others_reflector = 0;
		if (a->csv && v && !x->sv && others_reflector) {
			int64_t tt[4] = { r.t1_ns, r.t2_ns, r.t3_ns, 0 };
			int have_s = sl && (sl->capmask >> f & 1);
			csv_row(a, x, r.sender_seq, 1, r.reflector_seq, tt, 7u, have_s ? sl->cap[f] : 0,
				have_s, cap, 1, &info.delays, info.delays_valid ? 1 : 0, 0,
				info.sender.cls == SK_SEQ_DUPLICATE,
				info.sender.cls == SK_SEQ_REORDERED);
		}
		return;
	}
	r.t4_ns = cap;
	struct sk_session *v = view(a, x, &x->sv, r.sender_seq, r.reflector_seq);
	if (!v)
		return;
	struct sk_reply_info info;
	sk_session_add(v, &r, &info);
	if (a->plotting && info.counted)
		sk_an_plot_point(&a->plot, x->index, cap, &info.delays, 1);
	int64_t scap = 0;
	int have_scap = 0;
	int64_t rscap = 0;
	int have_rscap = 0;
	if (sl) {
		sl->answered = 1;
		for (int g = 0; g < a->nin; g++) {
			if (!(sl->capmask >> g & 1))
				continue;
			if (a->in[g].cp == SK_AN_CP_SENDER || (g == f && a->in[g].cp == SK_AN_CP_AUTO))
				scap = sl->cap[g], have_scap = 1;
			else if (a->in[g].cp == SK_AN_CP_REFLECTOR)
				rscap = sl->cap[g], have_rscap = 1;
		}
	}
	/* Captures at both ends: wire delays from the capture times alone. */
	if (info.counted && have_scap && have_rscap && sl->have_rr) {
		struct sk_delays w;
		if (sk_delays_compute(scap, rscap, sl->rr_cap, cap, &w) == SK_OK) {
			if (!x->wire) {
				x->wire = malloc(SK_DIR_COUNT * sizeof *x->wire);
				if (x->wire)
					for (int d = 0; d < SK_DIR_COUNT; d++)
						sk_dstats_init(&x->wire[d]);
				else
					a->alloc_failures++;
			}
			if (x->wire) {
				sk_dstats_add(&x->wire[SK_DIR_OUTBOUND], r.sender_seq, w.outbound_ns);
				sk_dstats_add(&x->wire[SK_DIR_INBOUND], r.sender_seq, w.inbound_ns);
				sk_dstats_add(&x->wire[SK_DIR_RTT], r.sender_seq, w.rtt_ns);
				sk_dstats_add(&x->wire[SK_DIR_RESIDENCE], r.sender_seq, w.residence_ns);
			}
		}
	}
	if (a->csv) {
		int64_t tt[4] = { r.t1_ns, r.t2_ns, r.t3_ns, r.t4_ns };
		csv_row(a, x, r.sender_seq, 1, r.reflector_seq, tt, 15u, scap, have_scap, cap, 1,
			&info.delays, info.delays_valid ? 3 : 0, 0,
			info.sender.cls == SK_SEQ_DUPLICATE, info.sender.cls == SK_SEQ_REORDERED);
	}
}

static void handle_udp(struct an *a, int f, const struct sk_frame *fr)
{
	const struct sk_pkt *p = &a->pkt;
	int role;
	struct sk_twsess *s;
	enum sk_disc_how how = sk_disc_udp(&a->disc, p, fr->ts_ns, &role, &s);
	if (how == SK_DISC_NOT_TEST)
		return;
	a->test_packets++;
	if (p->fragment) {
		/* Not reassembled: the payload is cut short. */
		a->fragments++;
		return;
	}
	uint8_t buf[2048];
	struct sk_disc_prep prep;
	sk_disc_prepare(p->payload, p->payload_len, role, s, buf, sizeof buf, &prep);
	if (prep.decrypted == 0) {
		a->undecrypted++;
		return;
	}
	struct sk_test_pkt t;
	enum sk_result r = sk_test_decode(prep.data, p->payload_len, &prep.o, &t, NULL, NULL);
	if (r != SK_OK) {
		a->malformed++;
		return;
	}
	int mode = s ? MODE_TWAMP : prep.o.proto == SK_PROTO_STAMP ? MODE_STAMP : MODE_TWAMP_LIGHT;
	if (role == SK_ROLE_REFLECTOR)
		reply_packet(a, f, &t, mode, fr->ts_ns);
	else
		sender_packet(a, f, &t, mode, fr->ts_ns);
}

/* ---- TCP control streams (sessions negotiated in the capture) ---- */

/* ---- results ---- */

struct an_dir {
	int have_lost;
	uint64_t lost;
	int have_dups, have_reord;
	uint64_t dups, reord;
	uint64_t extent;            /* RFC 4737 largest reordering extent */
	const struct sk_dstats *ds; /* NULL: delays not computable */
};

struct an_result {
	const struct sk_session *v; /* the view the counts come from */
	int at_sender;              /* v is the sender's view (T4 known) */
	int both;                   /* and a reflector-side capture splits the loss */
	uint64_t sent;
	uint64_t unknown_lost;      /* losses whose direction cannot be told */
	struct sk_session_summary sum;
	struct an_dir dir[3];       /* outbound, inbound, roundtrip */
	const struct sk_dstats *residence;
};

static void set_dir(struct an_dir *d, int have_lost, uint64_t lost, int have_dups, uint64_t dups,
		    int have_reord, uint64_t reord, const struct sk_dstats *ds)
{
	d->have_lost = have_lost, d->lost = lost;
	d->have_dups = have_dups, d->dups = dups;
	d->have_reord = have_reord, d->reord = reord;
	d->ds = ds && ds->count ? ds : NULL;
}

static void result_of(const struct an *a, const struct an_sess *x, struct an_result *res)
{
	memset(res, 0, sizeof *res);
	res->at_sender = x->sv != NULL;
	res->v = x->sv ? x->sv : x->rv;
	/* Sent: the highest sender number captured where the sender sends, else in any packet. */
	uint32_t hi = x->hi_any;
	int found = 0;
	for (int f = 0; f < a->nin; f++)
		if ((x->himask >> f & 1) && a->in[f].cp != SK_AN_CP_REFLECTOR) {
			if (!found || (int32_t)(x->hi[f] - hi) > 0)
				hi = x->hi[f];
			found = 1;
		}
	if (found && (int32_t)(x->hi_any - hi) > 0)
		hi = x->hi_any; /* a reply to a number the capture did not see sent */
	res->sent = (uint64_t)(uint32_t)(hi - x->first) + 1;
	if (!res->v) {
		res->sum.sent = res->sent;
		res->sum.lost = res->sent;
		res->unknown_lost = res->sent;
		set_dir(&res->dir[2], 1, res->sent, 1, 0, 1, 0, NULL);
		return;
	}
	sk_session_summary(res->v, res->sent, &res->sum);
	const struct sk_session_summary *s = &res->sum;
	const struct sk_session *v = res->v;
	int known = !s->direction_unknown;
	res->residence = sk_session_dstats(v, SK_DIR_RESIDENCE);
	if (res->residence && res->residence->count == 0)
		res->residence = NULL;
	if (!res->at_sender) {
		/* At the reflector every reply is seen as it leaves: a sender packet that was
		 * never answered did not arrive, so all loss, duplication and reordering seen here
		 * happened on the way out; the way back is not seen. */
		set_dir(&res->dir[0], 1, s->lost, 1, s->duplicates, 1, s->reordered,
			sk_session_dstats(v, SK_DIR_OUTBOUND));
		res->dir[0].extent = s->max_extent;
		set_dir(&res->dir[1], 0, 0, 0, 0, 0, 0, NULL);
		set_dir(&res->dir[2], 0, 0, 0, 0, 0, 0, NULL);
		return;
	}
	set_dir(&res->dir[2], 1, s->lost, 1, s->duplicates, 1, s->reordered,
		sk_session_dstats(v, SK_DIR_RTT));
	res->dir[2].extent = s->max_extent;
	if (x->rv) {
		/* Captured at both ends: what reached the reflector is seen there, so the loss
		 * splits by direction even after the last reply and with a stateless reflector.
		 * The reflector's view (replies as they leave, in its arrival order) gives the
		 * outbound loss, duplicates and reordering; the rest of the round trip is inbound. */
		struct sk_session_summary r;
		sk_session_summary(x->rv, res->sent, &r);
		uint64_t out = r.lost < s->lost ? r.lost : s->lost;
		uint64_t dup_in = s->duplicates > r.duplicates ? s->duplicates - r.duplicates : 0;
		res->both = 1;
		set_dir(&res->dir[0], 1, out, 1, r.duplicates, 1, r.reordered,
			sk_session_dstats(v, SK_DIR_OUTBOUND));
		set_dir(&res->dir[1], 1, s->lost - out, 1, dup_in, known, s->inbound_reordered,
			sk_session_dstats(v, SK_DIR_INBOUND));
		res->dir[0].extent = r.max_extent;
		res->dir[1].extent = s->inbound_max_extent;
		return;
	}
	res->unknown_lost = s->unknown_lost;
	set_dir(&res->dir[0], known, s->outbound_lost, known, s->outbound_duplicates, known,
		s->outbound_reordered, sk_session_dstats(v, SK_DIR_OUTBOUND));
	set_dir(&res->dir[1], known, s->inbound_lost, known, s->inbound_duplicates, known,
		s->inbound_reordered, sk_session_dstats(v, SK_DIR_INBOUND));
	res->dir[0].extent = s->outbound_max_extent;
	res->dir[1].extent = s->inbound_max_extent;
}

static const char *mode_name(int m)
{
	return m == MODE_STAMP ? "stamp" : m == MODE_TWAMP ? "twamp" : "twamp-light";
}

static void endpoint(const struct an_sess *x, int refl, char *buf, size_t n)
{
	char s[64];
	sk_net_addr_str(x->ipver, refl ? x->raddr : x->saddr, s, sizeof s);
	if (x->ipver == 6)
		snprintf(buf, n, "[%s]:%u", s, (unsigned)(refl ? x->rport : x->sport));
	else
		snprintf(buf, n, "%s:%u", s, (unsigned)(refl ? x->rport : x->sport));
}

static double pct(uint64_t lost, uint64_t sent) { return sent ? 100.0 * (double)lost / (double)sent : 0.0; }

/* ---- JSON ---- */

static void json_us(FILE *o, const char *k, double ns) { fprintf(o, ",\"%s\":%.3f", k, ns / 1000.0); }

static void json_delays(FILE *o, const struct sk_dstats *ds, int first)
{
	static const char *const keys[] = { "min_us", "avg_us", "max_us", "p50_us", "p90_us",
					    "p99_us", "jitter_us" };
	if (!ds) {
		for (int i = 0; i < 7; i++)
			fprintf(o, "%s\"%s\":null", first && i == 0 ? "" : ",", keys[i]);
		fprintf(o, ",\"negative\":null,\"ipdv_count\":0,\"ipdv_min_us\":null,"
			   "\"ipdv_max_us\":null,\"ipdv_mean_us\":null,\"ipdv_abs_mean_us\":null");
		return;
	}
	struct sk_dstats_summary s;
	sk_dstats_summarize(ds, &s);
	fprintf(o, "%s\"min_us\":%.3f", first ? "" : ",", (double)s.min / 1000.0);
	json_us(o, "avg_us", s.mean);
	json_us(o, "max_us", (double)s.max);
	json_us(o, "p50_us", (double)s.p50);
	json_us(o, "p90_us", (double)s.p90);
	json_us(o, "p99_us", (double)s.p99);
	if (s.count >= 2)
		json_us(o, "jitter_us", s.jitter_ns);
	else
		fprintf(o, ",\"jitter_us\":null");
	fprintf(o, ",\"negative\":%" PRIu64, s.negative);
	/* RFC 3393 / RFC 5481 IPDV over consecutive sequence numbers (metrics.md §2). */
	fprintf(o, ",\"ipdv_count\":%" PRIu64, s.ipdv_count);
	if (s.ipdv_count) {
		json_us(o, "ipdv_min_us", (double)s.ipdv_min);
		json_us(o, "ipdv_max_us", (double)s.ipdv_max);
		json_us(o, "ipdv_mean_us", s.ipdv_mean);
		json_us(o, "ipdv_abs_mean_us", s.ipdv_abs_mean);
	} else {
		fputs(",\"ipdv_min_us\":null,\"ipdv_max_us\":null,\"ipdv_mean_us\":null,"
		      "\"ipdv_abs_mean_us\":null",
		      o);
	}
}

static void json_dir(FILE *o, const char *name, const struct an_dir *d, uint64_t sent)
{
	fprintf(o, ",\"%s\":{", name);
	if (d->have_lost)
		fprintf(o, "\"lost\":%" PRIu64 ",\"loss_pct\":%.3f", d->lost, pct(d->lost, sent));
	else
		fprintf(o, "\"lost\":null,\"loss_pct\":null");
	if (d->have_dups)
		fprintf(o, ",\"duplicates\":%" PRIu64, d->dups);
	else
		fprintf(o, ",\"duplicates\":null");
	if (d->have_reord)
		fprintf(o, ",\"reordered\":%" PRIu64 ",\"max_extent\":%" PRIu64, d->reord, d->extent);
	else
		fprintf(o, ",\"reordered\":null,\"max_extent\":null");
	json_delays(o, d->ds, 0);
	fputc('}', o);
}

static void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

static void report_json(struct an *a)
{
	FILE *o = a->out;
	fputs("{\"files\":[", o);
	for (int f = 0; f < a->nin; f++) {
		if (f)
			fputc(',', o);
		json_str(o, a->in[f].name);
	}
	fprintf(o, "],\"packets\":%" PRIu64 ",\"test_packets\":%" PRIu64 ",\"malformed\":%" PRIu64,
		a->packets, a->test_packets, a->malformed);
	fputs(",\"capture_points\":[", o);
	for (int f = 0; f < a->nin; f++)
		fprintf(o, "%s\"%s\"", f ? "," : "",
			a->in[f].cp == SK_AN_CP_REFLECTOR ? "reflector"
			: a->in[f].cp == SK_AN_CP_SENDER ? "sender" : "unknown");
	fputs("],\"sessions\":[", o);
	for (unsigned i = 0; i < a->nsess; i++) {
		const struct an_sess *x = a->list[i];
		struct an_result res;
		result_of(a, x, &res);
		char s[80], r[80];
		endpoint(x, 0, s, sizeof s);
		endpoint(x, 1, r, sizeof r);
		fprintf(o, "%s{\"sender\":\"%s\",\"reflector\":\"%s\",\"ssid\":", i ? "," : "", s, r);
		if (x->mode == MODE_STAMP)
			fprintf(o, "%u", (unsigned)x->ssid);
		else
			fputs("null", o);
		fprintf(o, ",\"mode\":\"%s\",\"sent\":%" PRIu64 ",\"received\":%" PRIu64, mode_name(x->mode),
			res.sent, res.sum.received);
		fprintf(o, ",\"reflected\":%" PRIu64 ",\"unknown_lost\":%" PRIu64
			   ",\"reflector_state\":\"%s\"",
			res.sum.reflected, res.unknown_lost,
			!res.v ? "unknown" : res.sum.stateful ? "stateful" : "stateless-or-unknown");
		json_dir(o, "outbound", &res.dir[0], res.sent);
		json_dir(o, "inbound", &res.dir[1], res.sent);
		json_dir(o, "roundtrip", &res.dir[2], res.sent);
		fputs(",\"residence\":{", o);
		json_delays(o, res.residence, 1);
		fputc('}', o);
		if (x->wire) {
			static const char *const wn[] = { "outbound", "inbound", "roundtrip" };
			fputs(",\"wire\":{", o);
			for (int d = 0; d < 3; d++) {
				fprintf(o, "%s\"%s\":{", d ? "," : "", wn[d]);
				json_delays(o, &x->wire[d], 1);
				fputc('}', o);
			}
			fputc('}', o);
		} else {
			fputs(",\"wire\":null", o);
		}
		fputc('}', o);
	}
	fputs("]}\n", o);
}

/* ---- the table (twampy's layout: every value a 10-character field) ---- */

static const char *trim(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static void table_row(FILE *o, const char *label, const struct an_dir *d, uint64_t sent)
{
	char mn[32] = "         -", mx[32] = "         -", av[32] = "         -", jt[32] = "         -";
	if (d->ds) {
		struct sk_dstats_summary s;
		sk_dstats_summarize(d->ds, &s);
		sk_twtab_value(mn, sizeof mn, (double)s.min);
		sk_twtab_value(mx, sizeof mx, (double)s.max);
		sk_twtab_value(av, sizeof av, s.mean);
		if (s.count >= 2)
			sk_twtab_value(jt, sizeof jt, s.jitter_ns);
	}
	char loss[16];
	sk_twtab_loss(loss, sizeof loss, d->lost, sent, d->have_lost);
	sk_twtab_row(o, label, mn, mx, av, jt, loss);
}

static void pcts(FILE *o, const char *label, const struct sk_dstats *ds)
{
	if (!ds)
		return;
	struct sk_dstats_summary s;
	sk_dstats_summarize(ds, &s);
	char a[32], b[32], c[32];
	sk_twtab_value(a, sizeof a, (double)s.p50);
	sk_twtab_value(b, sizeof b, (double)s.p90);
	sk_twtab_value(c, sizeof c, (double)s.p99);
	fprintf(o, "  %-11s p50 %s, p90 %s, p99 %s", label, trim(a), trim(b), trim(c));
	if (s.ipdv_count) {
		char m[32], lo[32], hi[32];
		sk_twtab_value(m, sizeof m, s.ipdv_abs_mean);
		sk_twtab_value(lo, sizeof lo, (double)s.ipdv_min);
		sk_twtab_value(hi, sizeof hi, (double)s.ipdv_max);
		fprintf(o, "; IPDV mean abs %s, min %s, max %s", trim(m), trim(lo), trim(hi));
	}
	if (s.negative)
		fprintf(o, "; %" PRIu64 " negative (clock offset)", s.negative);
	fputc('\n', o);
}

static void report_table(struct an *a)
{
	FILE *o = a->out;
	uint64_t tsent = 0, trecv = 0, tlost = 0, tdup = 0, treord = 0;
	for (unsigned i = 0; i < a->nsess; i++) {
		const struct an_sess *x = a->list[i];
		struct an_result res;
		result_of(a, x, &res);
		const struct sk_session_summary *s = &res.sum;
		char sn[80], rn[80];
		endpoint(x, 0, sn, sizeof sn);
		endpoint(x, 1, rn, sizeof rn);
		fprintf(o, "Session %u: %s -> %s, %s", x->index, sn, rn, mode_name(x->mode));
		if (x->mode == MODE_STAMP)
			fprintf(o, " SSID %u", (unsigned)x->ssid);
		fprintf(o, ", %s reflector, %s\n",
			!res.v ? "silent" : s->stateful ? "stateful" : "stateless or unknown",
			res.both ? "seen at the sender and at the reflector"
			: res.at_sender ? "seen at the sender" : res.v ? "seen at the reflector only"
								  : "no replies");
		sk_twtab_head(o);
		if (!res.v) {
			fputs("  NO STATS AVAILABLE (100% loss)\n", o);
		} else {
			table_row(o, "Outbound:", &res.dir[0], res.sent);
			table_row(o, "Inbound:", &res.dir[1], res.sent);
			table_row(o, "Roundtrip:", &res.dir[2], res.sent);
		}
		sk_twtab_foot(o);
		fprintf(o, "  Sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64, res.sent, s->received,
			s->lost);
		if (res.both)
			fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64
				   ", told apart by the reflector-side capture)",
				res.dir[0].lost, res.dir[1].lost);
		else if (res.at_sender && res.dir[0].have_lost)
			fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64 ", after the last reply %" PRIu64
				   ")",
				res.dir[0].lost, res.dir[1].lost, res.unknown_lost);
		else if (res.v && !res.at_sender)
			fprintf(o, " (on the way out; the way back is not seen at the reflector)");
		else if (res.v)
			fprintf(o, " (direction unknown: the reflector copies the sender's numbers)");
		fputc('\n', o);
		if (res.v) {
			const struct an_dir *ob = &res.dir[0], *ib = &res.dir[1];
			fprintf(o, "  Duplicates %" PRIu64, s->duplicates);
			if (res.at_sender && ob->have_dups && ib->have_dups)
				fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64 ")", ob->dups, ib->dups);
			fprintf(o, ", reordered %" PRIu64, s->reordered);
			if (res.at_sender && ob->have_reord && ib->have_reord)
				fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64 ")", ob->reord, ib->reord);
			else if (res.at_sender && ob->have_reord)
				fprintf(o, " (outbound %" PRIu64 ")", ob->reord);
			fprintf(o, ", max extent %" PRIu64 "\n", s->max_extent);
			pcts(o, "Outbound:", res.dir[0].ds);
			pcts(o, "Inbound:", res.dir[1].ds);
			pcts(o, "Roundtrip:", res.dir[2].ds);
			pcts(o, "Residence:", res.residence);
		}
		if (x->wire) {
			static const char *const wl[] = { "Outbound:", "Inbound:", "Roundtrip:" };
			fputs("  Wire delays from the capture times at both ends (min/avg/max):\n", o);
			for (int d = 0; d < 3; d++) {
				struct sk_dstats_summary w;
				sk_dstats_summarize(&x->wire[d], &w);
				char p[32], q[32], r[32];
				sk_twtab_value(p, sizeof p, (double)w.min);
				sk_twtab_value(q, sizeof q, w.mean);
				sk_twtab_value(r, sizeof r, (double)w.max);
				fprintf(o, "    %-11s %s / %s / %s\n", wl[d], trim(p), trim(q), trim(r));
			}
		}
		fputc('\n', o);
		tsent += res.sent, trecv += s->received, tlost += s->lost;
		tdup += s->duplicates, treord += s->reordered;
	}
	fprintf(o, "Summary: %u session%s, sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64
		   " (%.1f%%), %" PRIu64 " duplicate%s, %" PRIu64 " reordered; %" PRIu64
		   " test packets (%" PRIu64 " malformed) in %" PRIu64 " packets\n",
		a->nsess, a->nsess == 1 ? "" : "s", tsent, trecv, tlost, pct(tlost, tsent), tdup,
		tdup == 1 ? "" : "s", treord, a->test_packets, a->malformed, a->packets);
}

/* ---- --plot ---- */

static int draw_plot(struct an *a)
{
	char titles[SK_AN_PLOT_MAX][200];
	const char *tp[SK_AN_PLOT_MAX];
	double bw[SK_AN_PLOT_MAX];
	unsigned n = a->nsess < SK_AN_PLOT_MAX ? a->nsess : SK_AN_PLOT_MAX;
	for (unsigned i = 0; i < n; i++) {
		const struct an_sess *x = a->list[i];
		char s[80], r[80];
		endpoint(x, 0, s, sizeof s);
		endpoint(x, 1, r, sizeof r);
		snprintf(titles[i], sizeof titles[i], "Session %u: %s -> %s", x->index, s, r);
		tp[i] = titles[i];
		/* About 40 bins over the widest series' range. */
		const struct sk_session *v = x->sv ? x->sv : x->rv;
		bw[i] = 0.001;
		for (int d = 0; v && d < SK_DIR_RESIDENCE; d++) {
			const struct sk_dstats *ds = sk_session_dstats(v, (enum sk_dir)d);
			if (ds && ds->count && (double)(ds->max - ds->min) / 40e6 > bw[i])
				bw[i] = (double)(ds->max - ds->min) / 40e6;
		}
	}
	if (a->nsess > SK_AN_PLOT_MAX)
		fprintf(a->diag, "stampkit analyze: note: --plot draws the first %d of %u sessions\n",
			SK_AN_PLOT_MAX, a->nsess);
	return sk_an_plot_draw(&a->plot, a->o->plot, tp, bw, n, a->diag);
}

/* ---- the run ---- */

static const char csv_header[] =
	"session,sender,sender_port,reflector,reflector_port,ssid,seq,reflector_seq,t1_ns,t2_ns,"
	"t3_ns,t4_ns,sender_capture_ns,reply_capture_ns,outbound_ns,inbound_ns,roundtrip_ns,"
	"residence_ns,lost,duplicate,reordered\n";

static void cleanup(struct an *a)
{
	for (int f = 0; f < a->nin; f++) {
		sk_capture_close(a->in[f].cap);
		free(a->in[f].pending);
	}
	for (unsigned i = 0; a->list && i < a->nsess; i++) {
		struct an_sess *x = a->list[i];
		sk_session_free(x->sv);
		sk_session_free(x->rv);
		free(x->wire);
		free(x);
	}
	free(a->list);
	sk_tcpstream_destroy(a->tcp);
	sk_ipfrag_destroy(a->frag);
	sk_disc_free(&a->disc);
	if (a->csv)
		fclose(a->csv);
	if (a->plotting)
		sk_an_plot_close(&a->plot);
	free(a);
}

/* ---- progress on a terminal ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(struct an *a, int final)
{
	if (final) {
		if (a->progress_shown)
			fputs("\r\033[K", a->diag);
		return;
	}
	double t = now_s();
	if (t - a->progress_last < 0.5)
		return;
	a->progress_last = t;
	a->progress_shown = 1;
	long long done = 0, total = 0;
	for (int f = 0; f < a->nin; f++) {
		long long pos, size;
		sk_capture_progress(a->in[f].cap, &pos, &size);
		if (size < 0) {
			total = -1;
			break;
		}
		done += pos, total += size;
	}
	fprintf(a->diag, "\rstampkit analyze: %.1f M packets, %" PRIu64 " test packets, %u sessions",
		(double)a->packets / 1e6, a->test_packets, a->nsess);
	if (total > 0)
		fprintf(a->diag, ", %.0f %%", 100.0 * (double)done / (double)total);
	fputs("\033[K", a->diag);
	fflush(a->diag);
}

/* The input whose next frame is the earliest (files merged by capture time). */
static int next_input(struct an *a)
{
	int best = -1;
	for (int f = 0; f < a->nin; f++) {
		struct an_input *in = &a->in[f];
		if (!in->have && !in->done) {
			int r = sk_capture_next(in->cap, &in->frame);
			in->have = r == 1;
			in->done = r != 1; /* end, or damage: sk_capture_error says which */
		}
		if (in->have && (best < 0 || in->frame.ts_ns < a->in[best].frame.ts_ns))
			best = f;
	}
	return best;
}

int sk_analyze_run(const struct sk_analyze_opts *o, FILE *out, FILE *diag)
{
	struct an *a = calloc(1, sizeof *a);
	if (!a) {
		fprintf(diag, "stampkit analyze: out of memory\n");
		return 1;
	}
	a->o = o;
	a->out = out;
	a->diag = diag;
	a->tcp_follow.d = &a->disc;
	a->tcp_follow.owner = a;
	struct sk_tcpstream_ops ops = sk_disc_tcp_ops(&a->tcp_follow);
	a->tcp = sk_tcpstream_create(64, 16384, &ops);
	a->list = calloc(AN_MAX_SESSIONS, sizeof *a->list);
	a->frag = sk_ipfrag_create(16, 30LL * 1000000000LL);
	if (!a->tcp || !a->list || !a->frag ||
	    sk_disc_init(&a->disc, o->ports, o->nports, o->heuristic, o->secrets, o->nsecrets) != 0 ||
	    sk_crypto_init() != SK_OK) {
		fprintf(diag, "stampkit analyze: out of memory\n");
		cleanup(a);
		return 1;
	}
	int stdin_used = 0;
	for (int f = 0; f < o->nfiles; f++) {
		char errbuf[512];
		struct an_input *in = &a->in[f];
		in->name = o->files[f];
		in->cp = o->cp[f];
		if (!strcmp(in->name, "-") && stdin_used++) {
			fprintf(diag, "stampkit analyze: standard input (-) can be read only once\n");
			cleanup(a);
			return 1;
		}
		in->cap = sk_capture_open(in->name, errbuf, sizeof errbuf);
		a->nin = f + 1;
		in->pending = calloc(AN_PENDING, sizeof *in->pending);
		if (!in->pending) {
			fprintf(diag, "stampkit analyze: out of memory\n");
			cleanup(a);
			return 1;
		}
		if (!in->cap) {
			fprintf(diag, "stampkit analyze: %s: %s\n", in->name, errbuf);
			cleanup(a);
			return 1;
		}
		in->lt = sk_capture_linktype(in->cap);
		if (!sk_net_linktype_supported(in->lt)) {
			fprintf(diag, "stampkit analyze: %s: link type %d is not supported\n", in->name,
				in->lt);
			cleanup(a);
			return 1;
		}
	}
	if (o->csv) {
		a->csv = fopen(o->csv, "w");
		if (!a->csv) {
			fprintf(diag, "stampkit analyze: cannot write %s\n", o->csv);
			cleanup(a);
			return 1;
		}
		fputs(csv_header, a->csv);
	}
	if (o->plot) {
		if (sk_an_plot_open(&a->plot, diag) != 0) {
			cleanup(a);
			return 1;
		}
		a->plotting = 1;
	}
	int lts[SK_AN_MAX_FILES];
	for (int f = 0; f < a->nin; f++)
		lts[f] = a->in[f].lt;
	int f;
	uint64_t last_frame = 0;
	/* Only on a terminal, and not before the first second. */
	a->progress = isatty(fileno(diag));
	a->progress_last = now_s() + 0.5;
	while ((f = next_input(a)) >= 0) {
		struct an_input *in = &a->in[f];
		in->have = 0;
		a->packets++;
		if (a->progress && (a->packets & 0xffff) == 0)
			progress(a, 0);
		last_frame = in->frame.index;
		if (sk_net_dissect(lts[f], in->frame.data, in->frame.caplen, &a->pkt, NULL) != SK_OK)
			continue;
		if (a->pkt.ipver == 4 && a->pkt.fragment && a->pkt.proto == 17) {
			/* Jumbo test packets over a smaller MTU: reassemble, then dissect the whole
			 * datagram as raw IPv4. */
			const uint8_t *dg;
			size_t dglen;
			if (sk_ipfrag_add(a->frag, &a->pkt, in->frame.data, in->frame.caplen,
					  in->frame.ts_ns, &dg, &dglen) != 1 ||
			    sk_net_dissect(SK_LINK_IPV4, dg, dglen, &a->pkt, NULL) != SK_OK)
				continue;
		}
		if (!a->pkt.l4)
			continue;
		if (a->pkt.proto == 17)
			handle_udp(a, f, &in->frame);
		else if (a->pkt.proto == 6 && (sk_disc_port_listed(&a->disc, a->pkt.sport) ||
					       sk_disc_port_listed(&a->disc, a->pkt.dport)))
			(void)sk_tcpstream_segment(a->tcp, &a->pkt, in->frame.index);
	}
	progress(a, 1);
	for (int g = 0; g < a->nin; g++)
		if (a->in[g].npending)
			assume_sender(a, g);
	sk_ipfrag_finish(a->frag);
	sk_tcpstream_flush(a->tcp, last_frame);
	for (unsigned i = 0; i < a->nsess; i++) {
		struct an_sess *x = a->list[i];
		if (x->sv)
			sk_session_finish(x->sv);
		if (x->rv)
			sk_session_finish(x->rv);
		for (unsigned k = 0; k < AN_RING; k++)
			slot_retire(a, x, &x->ring[k]);
	}
	if (o->json)
		report_json(a);
	else
		report_table(a);
	fflush(out);

	int status = 0;
	if (a->plotting && draw_plot(a) != 0)
		status = 1;
	for (int g = 0; g < a->nin; g++) {
		const char *cerr = sk_capture_error(a->in[g].cap);
		if (cerr) {
			fprintf(diag, "stampkit analyze: warning: %s: capture is damaged (%s); the results "
				      "cover the frames before the damage\n",
				a->in[g].name, cerr);
			status = 3;
		}
		if (a->in[g].assumed)
			fprintf(diag, "stampkit analyze: note: %s: capture point not detectable (no reply "
				      "together with its sender packet); taken as the sender "
				      "(--capture-point overrides)\n",
				a->in[g].name);
	}
	if (a->malformed) {
		fprintf(diag, "stampkit analyze: warning: %" PRIu64 " of %" PRIu64
			      " test packets are truncated or malformed (left out of the results)\n",
			a->malformed, a->test_packets);
		status = 3;
	}
	if (a->fragments)
		fprintf(diag, "stampkit analyze: warning: %" PRIu64
			      " test packets are IPv6 fragments, which are not reassembled (left out)\n",
			a->fragments);
	struct sk_ipfrag_stats fs;
	sk_ipfrag_stats(a->frag, &fs);
	if (fs.incomplete || fs.bad)
		fprintf(diag, "stampkit analyze: warning: IPv4 fragments: %" PRIu64 " datagrams "
			      "reassembled, %" PRIu64 " incomplete (fragments missing), %" PRIu64
			      " fragments unusable (cut short or inconsistent)\n",
			fs.reassembled, fs.incomplete, fs.bad);
	if (a->undecrypted)
		fprintf(diag, "stampkit analyze: warning: %" PRIu64
			      " authenticated or encrypted test packets could not be decrypted (give "
			      "--secret KEYID=PASSPHRASE)\n",
			a->undecrypted);
	if (a->nsess == 0)
		fprintf(diag, "stampkit analyze: note: no test session found (test packets are looked "
			      "for on UDP 862, on --port, on ports negotiated by TWAMP-Control; see "
			      "also --heuristic and --secret)\n");
	if (a->session_overflow)
		fprintf(diag, "stampkit analyze: warning: more than %d sessions: %" PRIu64
			      " test packets of further sessions left out\n",
			AN_MAX_SESSIONS, a->session_overflow);
	if (a->alloc_failures) {
		fprintf(diag, "stampkit analyze: error: out of memory for %" PRIu64 " session objects\n",
			a->alloc_failures);
		status = status ? status : 1;
	}
	if (sk_tcpstream_overflows(a->tcp))
		fprintf(diag, "stampkit analyze: warning: %" PRIu64
			      " TCP segments ignored: too many control connections at once\n",
			sk_tcpstream_overflows(a->tcp));
	if (a->csv && ferror(a->csv)) {
		fprintf(diag, "stampkit analyze: error writing %s\n", o->csv);
		status = 1;
	}
	cleanup(a);
	return status;
}
