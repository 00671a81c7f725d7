/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_engine.c - per-session TWAMP/STAMP results from captured frames: pairing each
 * reflector packet with its sender packet, T1..T4 (RFC 5357 §4.2, RFC 8762 §4), and loss,
 * duplicates, RFC 4737 reordering and delays through the codec's metrics (metrics.h) only.
 * Frames come in from memory (sk_analyze_feed_frame); there is no limit on sessions: each
 * costs what its packets need (bounded per session, never growing with its length), and
 * per-packet records are streamed, never kept. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_state.h"
#include "stampkit/crypto.h"
#include "stampkit/net.h"
#include "stampkit/timestamp.h"

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
	return h;
}

/* Room for one more session: the list and the hash table double (rehashing the chains,
 * so they stay about one session long). -1 when out of memory. */
static int session_room(struct sk_an *a)
{
	if (a->nsess == a->listcap) {
		unsigned cap = a->listcap ? a->listcap * 2 : 1024;
		struct an_sess **l = cap > a->listcap ? realloc(a->list, cap * sizeof *l) : NULL;
		if (!l)
			return -1;
		a->list = l;
		a->listcap = cap;
	}
	if (a->nsess >= a->nhash) {
		uint32_t nh = a->nhash * 2;
		struct an_sess **t = nh > a->nhash ? calloc(nh, sizeof *t) : NULL;
		if (!t)
			return -1;
		for (unsigned i = 0; i < a->nsess; i++) {
			struct an_sess *x = a->list[i];
			x->next = t[x->hash & (nh - 1)];
			t[x->hash & (nh - 1)] = x;
		}
		free(a->hash);
		a->hash = t;
		a->nhash = nh;
	}
	return 0;
}

static struct an_sess *session_get(struct sk_an *a, uint8_t v, const uint8_t *s, const uint8_t *r,
				   uint16_t sp, uint16_t rp, uint16_t ssid, enum sk_rmode mode,
				   uint32_t seq)
{
	size_t al = v == 6 ? 16 : 4;
	uint32_t h = hash_key(v, s, r, sp, rp, ssid);
	for (struct an_sess *x = a->hash[h & (a->nhash - 1)]; x; x = x->next)
		if (x->ipver == v && x->sport == sp && x->rport == rp && x->ssid == ssid &&
		    !memcmp(x->saddr, s, al) && !memcmp(x->raddr, r, al)) {
			if (mode == SK_RMODE_STAMP && x->mode == SK_RMODE_TWAMP_LIGHT)
				x->mode = SK_RMODE_STAMP;
			return x;
		}
	if (session_room(a) != 0)
		return NULL;
	size_t xsz = (sizeof(struct an_sess) + AN_LINE - 1) & ~(size_t)(AN_LINE - 1);
	struct an_sess *x = aligned_alloc(AN_LINE, xsz);
	if (!x)
		return NULL;
	memset(x, 0, xsz);
	x->hash = h;
	x->ipver = v;
	memcpy(x->saddr, s, 16);
	memcpy(x->raddr, r, 16);
	x->sport = sp, x->rport = rp, x->ssid = ssid;
	sk_net_addr_str(v, s, x->sname, sizeof x->sname);
	sk_net_addr_str(v, r, x->rname, sizeof x->rname);
	x->mode = mode;
	x->first = seq;
	x->hi_any = seq;
	x->index = ++a->nsess;
	atomic_store_explicit(&a->nsess_pub, a->nsess, memory_order_relaxed);
	a->list[x->index - 1] = x;
	x->next = a->hash[h & (a->nhash - 1)];
	a->hash[h & (a->nhash - 1)] = x;
	return x;
}

/* The slot of flow number n in the flow -> session table (grown as flows come); NULL when
 * out of memory (the hash table alone then finds the session). */
static struct an_sess **flow_slot(struct sk_an *a, int32_t n)
{
	if (n < 0)
		return NULL;
	if ((size_t)n >= a->nflowsess) {
		size_t cap = a->nflowsess ? a->nflowsess : 1024;
		while (cap <= (size_t)n)
			cap *= 2;
		struct an_sess **t = realloc(a->flowsess, cap * sizeof *t);
		if (!t)
			return NULL;
		memset(t + a->nflowsess, 0, (cap - a->nflowsess) * sizeof *t);
		a->flowsess = t;
		a->nflowsess = cap;
	}
	return &a->flowsess[n];
}

/* The session of a test packet: the one its flow found last when the SSID is the same (the
 * flow fixes addresses, ports and which side is the sender), else by the hash table. */
static struct an_sess *session_of(struct sk_an *a, const struct an_rec *rc, uint32_t seq)
{
	bool refl = rc->role == SK_ROLE_REFLECTOR;
	enum sk_rmode mode = (enum sk_rmode)rc->mode;
	uint16_t ssid = mode == SK_RMODE_STAMP ? rc->t.ssid : 0;
	struct an_sess **fs = flow_slot(a, rc->flow);
	struct an_sess *x = fs ? *fs : NULL;
	if (x && x->ssid == ssid) {
		if (mode == SK_RMODE_STAMP && x->mode == SK_RMODE_TWAMP_LIGHT)
			x->mode = SK_RMODE_STAMP;
		return x;
	}
	/* The sender's side first: the destination of a reply. */
	x = session_get(a, rc->ipver, refl ? rc->dst : rc->src, refl ? rc->src : rc->dst,
			refl ? rc->dport : rc->sport, refl ? rc->sport : rc->dport, ssid, mode, seq);
	if (x && fs)
		*fs = x;
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
static struct sk_session *view(struct sk_an *a, struct an_sess *x, struct sk_session **v,
			       uint32_t sseq, uint32_t rseq)
{
	if (*v)
		return *v;
	/* Shared with the plugin's statistics (report.h), so both call a reflector the same. */
	struct sk_session_config cfg;
	sk_rsession_view_config(&cfg, AN_WINDOW, x->mode, a->o->reflector, x->first, sseq, rseq);
	if (sk_session_create(v, &cfg) != SK_OK) {
		a->alloc_failures++;
		return NULL;
	}
	return *v;
}

static struct an_slot *slot_for(struct sk_an *a, struct an_sess *x, uint32_t seq, int create);

/* ---- per-packet records ---- */

/* One per-packet record (--csv): t, the delays and the capture times as far as known. */
struct an_row {
	uint32_t sseq, rseq;
	bool have_r;
	unsigned have_t;        /* bit i: t[i] (T1..T4) known */
	int64_t t[4];
	bool have_scap, have_rcap;
	int64_t scap, rcap;
	const struct sk_delays *d;
	unsigned have_d;        /* 1: outbound and residence, 2: inbound and round trip */
	bool lost, dup, reord;
};

static void csv_row(struct sk_an *a, const struct an_sess *x, const struct an_row *w)
{
	struct sk_rpacket p;
	memset(&p, 0, sizeof p);
	p.session = x->index;
	p.sender = x->sname, p.reflector = x->rname;
	p.sender_port = x->sport, p.reflector_port = x->rport;
	p.has_ssid = x->mode == SK_RMODE_STAMP;
	p.ssid = x->ssid;
	p.seq = w->sseq;
	p.have_reflector_seq = w->have_r;
	p.reflector_seq = w->rseq;
	for (int i = 0; i < 4; i++) {
		p.have_t[i] = (w->have_t >> i) & 1;
		p.t_ns[i] = w->t[i];
	}
	p.have_sender_cap = w->have_scap, p.sender_cap_ns = w->scap;
	p.have_reply_cap = w->have_rcap, p.reply_cap_ns = w->rcap;
	if (w->d) {
		p.have_delay[0] = p.have_delay[3] = w->have_d & 1;
		p.have_delay[1] = p.have_delay[2] = (w->have_d & 2) != 0;
		p.delay_ns[0] = w->d->outbound_ns;
		p.delay_ns[1] = w->d->inbound_ns;
		p.delay_ns[2] = w->d->rtt_ns;
		p.delay_ns[3] = w->d->residence_ns;
	}
	p.lost = w->lost, p.duplicate = w->dup, p.reordered = w->reord;
	sk_report_csv_row(a->csv, &p);
}

/* A sender packet leaves the ring: without a reply at the sender it was lost. */
static void slot_retire(struct sk_an *a, struct an_sess *x, struct an_slot *sl)
{
	if (!sl->used)
		return;
	if ((a->csv || a->plotting) && !sl->answered && sl->capmask) {
		struct an_row w = { .sseq = sl->seq, .have_t = sl->have_t1 ? 1u : 0u, .lost = true };
		w.t[0] = sl->t1;
		int64_t sent_at = 0;
		bool have_sent_at = false;
		for (int f = 0; f < a->nin; f++) {
			if (!(sl->capmask >> f & 1))
				continue;
			if (a->in[f].cp == SK_AN_CP_SENDER)
				w.scap = sl->cap[f], w.have_scap = true;
			/* A file with no reply at all has no detected capture point: its sender
			 * packets still mark the losses of a silent session. */
			if (a->in[f].cp != SK_AN_CP_REFLECTOR)
				sent_at = sl->cap[f], have_sent_at = true;
		}
		if (w.have_scap && a->csv)
			csv_row(a, x, &w);
		/* Lost packets are marked on the time axis (when they were sent). */
		if (have_sent_at && a->plotting)
			sk_an_plot_lost(&a->plot, x->index, w.have_scap ? w.scap : sent_at);
	}
	memset(sl, 0, a->slotsz);
}

static struct an_slot *slot_at(const struct sk_an *a, const struct an_sess *x, uint32_t i)
{
	return (struct an_slot *)(void *)(x->ring + (size_t)i * a->slotsz);
}

/* Doubles the physical ring (4 slots at first); the slots move to seq % the new size. */
static int ring_grow(struct sk_an *a, struct an_sess *x)
{
	uint32_t cap = x->rcap ? x->rcap * 2 : 4;
	unsigned char *n = calloc(cap, a->slotsz);
	if (!n)
		return -1;
	for (uint32_t i = 0; i < x->rcap; i++) {
		const struct an_slot *o = slot_at(a, x, i);
		if (o->used)
			memcpy(n + (size_t)(o->seq & (cap - 1)) * a->slotsz, o, a->slotsz);
	}
	free(x->ring);
	x->ring = n;
	x->rcap = cap;
	return 0;
}

static struct an_slot *slot_for(struct sk_an *a, struct an_sess *x, uint32_t seq, int create)
{
	struct an_slot *sl = x->rcap ? slot_at(a, x, seq & (x->rcap - 1)) : NULL;
	if (sl && sl->used && sl->seq == seq)
		return sl;
	if (!create)
		return NULL;
	/* A slot another number holds that AN_RING slots would keep apart: grow until they
	 * part (at AN_RING physical slots they always do). */
	while (!sl || (sl->used && sl->seq % AN_RING != seq % AN_RING)) {
		if (ring_grow(a, x) != 0) {
			a->alloc_failures++;
			return NULL;
		}
		sl = slot_at(a, x, seq & (x->rcap - 1));
	}
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

static void sender_packet(struct sk_an *a, const struct an_rec *rc)
{
	const struct an_tp *t = &rc->t;
	int f = rc->f;
	int64_t cap = rc->ts;
	struct an_sess *x = session_of(a, rc, t->seq);
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
static int decide_cp(struct sk_an *a, int f, const struct an_slot *sl, int64_t t1, int64_t t2)
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

static void reply_process(struct sk_an *a, int f, struct an_sess *x, const struct an_tp *t,
			  int64_t cap);

/* Replies of a file held until its capture point is known (a capture that starts after
 * the first sender packets has replies without their sender packet first). */
static void flush_pending(struct sk_an *a, int f)
{
	struct an_input *in = &a->in[f];
	for (unsigned i = 0; i < in->npending; i++)
		reply_process(a, f, in->pending[i].x, &in->pending[i].t, in->pending[i].cap);
	in->npending = 0;
}

static void assume_sender(struct sk_an *a, int f)
{
	if (a->in[f].cp == SK_AN_CP_AUTO) {
		a->in[f].cp = SK_AN_CP_SENDER;
		a->in[f].assumed = 1;
	}
	flush_pending(a, f);
}

static void reply_packet(struct sk_an *a, const struct an_rec *rc)
{
	const struct an_tp *t = &rc->t;
	int f = rc->f;
	int64_t cap = rc->ts;
	struct an_sess *x = session_of(a, rc, t->sender_seq);
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
			q->cap = cap;
			return;
		} else {
			assume_sender(a, f);
		}
	}
	reply_process(a, f, x, t, cap);
}

/* A reply where the reflector captures: no T4 here, the reflector's view gives the outbound
 * side and the residence. */
static void reply_at_reflector(struct sk_an *a, int f, struct an_sess *x, struct sk_reply *r,
			       struct an_slot *sl, int64_t cap)
{
	r->t4_ns = r->t3_ns;
	struct sk_session *v = view(a, x, &x->rv, r->sender_seq, r->reflector_seq);
	struct sk_reply_info info;
	memset(&info, 0, sizeof info);
	if (v)
		sk_session_add(v, r, &info);
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
		struct an_row w = { .sseq = r->sender_seq, .rseq = r->reflector_seq, .have_r = true,
				    .have_t = 7u, .have_rcap = true, .rcap = cap, .d = &info.delays,
				    .have_d = info.delays_valid ? 1u : 0u,
				    .dup = info.sender.cls == SK_SEQ_DUPLICATE,
				    .reord = info.sender.cls == SK_SEQ_REORDERED };
		w.t[0] = r->t1_ns, w.t[1] = r->t2_ns, w.t[2] = r->t3_ns;
		w.have_scap = sl && (sl->capmask >> f & 1);
		w.scap = w.have_scap ? sl->cap[f] : 0;
		csv_row(a, x, &w);
	}
}

/* Captures at both ends: wire delays from the capture times alone. */
static void add_wire(struct sk_an *a, struct an_sess *x, uint32_t seq, int64_t scap, int64_t rscap,
		     int64_t rrcap, int64_t cap)
{
	struct sk_delays w;
	if (sk_delays_compute(scap, rscap, rrcap, cap, &w) != SK_OK)
		return;
	if (!x->wire) {
		x->wire = malloc(SK_DIR_COUNT * sizeof *x->wire);
		if (!x->wire) {
			a->alloc_failures++;
			return;
		}
		for (int d = 0; d < SK_DIR_COUNT; d++)
			sk_dstats_init(&x->wire[d]);
	}
	sk_dstats_add(&x->wire[SK_DIR_OUTBOUND], seq, w.outbound_ns);
	sk_dstats_add(&x->wire[SK_DIR_INBOUND], seq, w.inbound_ns);
	sk_dstats_add(&x->wire[SK_DIR_RTT], seq, w.rtt_ns);
	sk_dstats_add(&x->wire[SK_DIR_RESIDENCE], seq, w.residence_ns);
}

static void reply_process(struct sk_an *a, int f, struct an_sess *x, const struct an_tp *t,
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
		reply_at_reflector(a, f, x, &r, sl, cap);
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
	struct an_row w = { .sseq = r.sender_seq, .rseq = r.reflector_seq, .have_r = true,
			    .have_t = 15u, .have_rcap = true, .rcap = cap, .d = &info.delays,
			    .have_d = info.delays_valid ? 3u : 0u,
			    .dup = info.sender.cls == SK_SEQ_DUPLICATE,
			    .reord = info.sender.cls == SK_SEQ_REORDERED };
	w.t[0] = r.t1_ns, w.t[1] = r.t2_ns, w.t[2] = r.t3_ns, w.t[3] = r.t4_ns;
	int64_t rscap = 0;
	int have_rscap = 0;
	if (sl) {
		sl->answered = 1;
		for (int g = 0; g < a->nin; g++) {
			if (!(sl->capmask >> g & 1))
				continue;
			if (a->in[g].cp == SK_AN_CP_SENDER || (g == f && a->in[g].cp == SK_AN_CP_AUTO))
				w.scap = sl->cap[g], w.have_scap = true;
			else if (a->in[g].cp == SK_AN_CP_REFLECTOR)
				rscap = sl->cap[g], have_rscap = 1;
		}
	}
	if (info.counted && w.have_scap && have_rscap && sl->have_rr)
		add_wire(a, x, r.sender_seq, w.scap, rscap, sl->rr_cap, cap);
	if (a->csv)
		csv_row(a, x, &w);
}

static void handle_udp(struct sk_an *a, int f, int64_t ts)
{
	const struct sk_pkt *p = &a->pkt;
	int role;
	struct sk_twsess *s;
	struct an_rec rc;
	enum sk_disc_how how = sk_disc_udp_flow(&a->disc, p, ts, &role, &s, &rc.flow);
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
	/* The record holds everything the session stage needs: nothing points into the frame. */
	rc.t.timestamp = t.timestamp, rc.t.rx_timestamp = t.rx_timestamp;
	rc.t.sender_timestamp = t.sender_timestamp;
	rc.t.seq = t.seq, rc.t.sender_seq = t.sender_seq;
	rc.t.error_estimate = t.error_estimate, rc.t.sender_error_estimate = t.sender_error_estimate;
	rc.t.ssid = t.ssid;
	rc.mode = prep.o.proto == SK_PROTO_STAMP ? SK_RMODE_STAMP : SK_RMODE_TWAMP_LIGHT;
	if (s)
		rc.mode = SK_RMODE_TWAMP; /* negotiated by TWAMP-Control in the capture */
	rc.ts = ts;
	rc.f = (uint8_t)f;
	rc.role = (uint8_t)role;
	rc.ipver = p->ipver;
	rc.sport = p->sport, rc.dport = p->dport;
	memcpy(rc.src, p->src, 16);
	memcpy(rc.dst, p->dst, 16);
	if (a->pipe)
		sk_an_pipe_put(a, &rc);
	else
		sk_an_stage(a, &rc);
}

void sk_an_prefetch(struct sk_an *a, const struct an_rec *rc, int level)
{
	if (rc->flow < 0 || (size_t)rc->flow >= a->nflowsess)
		return;
	const struct an_sess *x = a->flowsess[rc->flow];
	if (!x)
		return;
	if (level == 0) {
		__builtin_prefetch(x);
		__builtin_prefetch((const char *)x + 64);
		return;
	}
	if (level == 1) {
		uint32_t seq = rc->role == SK_ROLE_REFLECTOR ? rc->t.sender_seq : rc->t.seq;
		if (x->rcap)
			__builtin_prefetch(x->ring + (size_t)(seq & (x->rcap - 1)) * a->slotsz);
	}
	if (rc->role == SK_ROLE_REFLECTOR)
		sk_session_prefetch(x->sv, level - 1);
}

void sk_an_stage(struct sk_an *a, const struct an_rec *rc)
{
	if (rc->role == SK_ROLE_REFLECTOR)
		reply_packet(a, rc);
	else
		sender_packet(a, rc);
}

/* ---- the feed ---- */

static void cleanup(struct sk_an *a)
{
	sk_an_pipe_drain(a);
	free(a->flowsess);
	for (int f = 0; f < a->nin; f++)
		free(a->in[f].pending);
	for (unsigned i = 0; a->list && i < a->nsess; i++) {
		struct an_sess *x = a->list[i];
		sk_session_free(x->sv);
		sk_session_free(x->rv);
		for (int d = 0; x->wire && d < SK_DIR_COUNT; d++)
			sk_dstats_free(&x->wire[d]);
		free(x->wire);
		free(x->ring);
		free(x);
	}
	free(a->list);
	free(a->hash);
	sk_tcpstream_destroy(a->tcp);
	sk_ipfrag_destroy(a->frag);
	sk_disc_free(&a->disc);
	if (a->csv)
		sk_outfile_abort(&a->csv_out); /* not committed: the run failed */
	if (a->plotting)
		sk_an_plot_close(&a->plot);
	free(a->rs);
	free(a->files_json);
	free(a->cps_json);
	free(a);
}

struct sk_an *sk_analyze_open(const struct sk_analyze_opts *o, FILE *diag)
{
	/* Aligned: the two stages' fields lie on cache lines of their own (analyze_state.h). */
	size_t asz = (sizeof(struct sk_an) + AN_LINE - 1) & ~(size_t)(AN_LINE - 1);
	struct sk_an *a = aligned_alloc(AN_LINE, asz);
	if (a)
		memset(a, 0, asz);
	if (!a) {
		fprintf(diag, "stampkit analyze: out of memory\n");
		return NULL;
	}
	a->o = o;
	a->diag = diag;
	a->tcp_follow.d = &a->disc;
	a->tcp_follow.owner = a;
	struct sk_tcpstream_ops ops = sk_disc_tcp_ops(&a->tcp_follow);
	a->tcp = sk_tcpstream_create(64, 16384, &ops);
	a->nhash = AN_HASH0;
	a->hash = calloc(a->nhash, sizeof *a->hash);
	a->frag = sk_ipfrag_create(16, 30LL * 1000000000LL);
	int ok = a->tcp && a->hash && a->frag &&
		 sk_disc_init(&a->disc, o->ports, o->nports, o->heuristic, o->secrets,
			      o->nsecrets) == 0 &&
		 sk_crypto_init() == SK_OK;
	a->nin = o->nfiles > 0 ? (o->nfiles < SK_AN_MAX_FILES ? o->nfiles : SK_AN_MAX_FILES) : 1;
	a->slotsz = sizeof(struct an_slot) + (size_t)a->nin * sizeof(int64_t);
	for (int f = 0; ok && f < a->nin; f++) {
		a->in[f].name = o->nfiles > 0 ? o->files[f] : "-";
		a->in[f].cp = o->cp[f];
		a->in[f].pending = calloc(AN_PENDING, sizeof *a->in[f].pending);
		ok = a->in[f].pending != NULL;
	}
	if (!ok) {
		fprintf(diag, "stampkit analyze: out of memory\n");
		cleanup(a);
		return NULL;
	}
	if (o->csv) {
		char err[PATH_MAX + 100];
		if (sk_outfile_open(&a->csv_out, o->csv, err, sizeof err) != 0) {
			fprintf(diag, "stampkit analyze: --csv: %s\n", err);
			cleanup(a);
			return NULL;
		}
		a->csv = a->csv_out.fp;
		sk_report_csv_header(a->csv);
	}
	if (o->plot) {
		if (sk_an_plot_open(&a->plot, diag) != 0) {
			cleanup(a);
			return NULL;
		}
		a->plotting = 1;
	}
	/* Batches even in one thread, for the prefetching (sk_analyze_threads may put them
	 * in a second thread); without memory for them records are processed as they come. */
	(void)sk_an_batch_start(a);
	return a;
}

void sk_analyze_feed_frame(struct sk_an *a, int f, int linktype, int64_t ts, const uint8_t *data,
			   size_t caplen)
{
	if (f < 0 || f >= a->nin || a->finished)
		return;
	a->packets++;
	enum sk_result nr = sk_net_dissect(linktype, data, caplen, &a->pkt, NULL);
	if (nr != SK_OK) {
		if (sk_disc_bad_udp(&a->disc, nr, data, caplen, &a->pkt))
			a->bad_udp++;
		return;
	}
	if (a->pkt.ipver == 4 && a->pkt.fragment && a->pkt.proto == 17) {
		/* Jumbo test packets over a smaller MTU: reassemble, then dissect the whole
		 * datagram as raw IPv4. */
		const uint8_t *dg;
		size_t dglen;
		if (sk_ipfrag_add(a->frag, &a->pkt, data, caplen, ts, &dg, &dglen) != 1 ||
		    sk_net_dissect(SK_LINK_IPV4, dg, dglen, &a->pkt, NULL) != SK_OK)
			return;
	}
	if (!a->pkt.l4)
		return;
	if (a->pkt.proto == 17)
		handle_udp(a, f, ts);
	else if (a->pkt.proto == 6 && (sk_disc_port_listed(&a->disc, a->pkt.sport) ||
				       sk_disc_port_listed(&a->disc, a->pkt.dport)))
		(void)sk_tcpstream_segment(a->tcp, &a->pkt, a->packets);
}

int sk_analyze_threads(struct sk_an *a, int n)
{
	if (n < 2 || a->packets)
		return 0;
	return sk_an_pipe_start(a);
}

void sk_analyze_counts(const struct sk_an *a, uint64_t *packets, uint64_t *test_packets,
		       unsigned *sessions)
{
	*packets = a->packets;
	*test_packets = a->test_packets;
	*sessions = atomic_load_explicit(&a->nsess_pub, memory_order_relaxed);
}

/* The end of the input: held replies, reassembly, control streams, the sessions' last
 * reordering and the sender packets still in the rings (lost ones become CSV rows). */
static void end_input(struct sk_an *a)
{
	if (a->finished)
		return;
	a->finished = 1;
	sk_an_pipe_drain(a); /* every record through the session stage first */
	for (int g = 0; g < a->nin; g++)
		if (a->in[g].npending)
			assume_sender(a, g);
	sk_ipfrag_finish(a->frag);
	sk_tcpstream_flush(a->tcp, a->packets);
	for (unsigned i = 0; i < a->nsess; i++) {
		struct an_sess *x = a->list[i];
		if (x->sv)
			sk_session_finish(x->sv);
		if (x->rv)
			sk_session_finish(x->rv);
		/* In the order of the AN_RING slots, as the rows of lost packets always came. */
		for (unsigned k = 0; x->rcap && k < AN_RING; k++) {
			struct an_slot *sl = slot_at(a, x, k & (x->rcap - 1));
			if (sl->used && sl->seq % AN_RING == k)
				slot_retire(a, x, sl);
		}
		free(x->ring); /* nothing more to pair: the report needs only the metrics */
		x->ring = NULL;
		x->rcap = 0;
	}
}

int sk_analyze_finish(struct sk_an *a, struct sk_report *out)
{
	end_input(a);
	return sk_an_build_report(a, out);
}

void sk_analyze_note_damage(struct sk_an *a) { a->damaged = 1; }

int sk_analyze_close(struct sk_an *a)
{
	end_input(a);
	int status = 0;
	if (a->csv) {
		/* Every row is written (end_input): the file takes the user's name now. */
		char err[PATH_MAX + 100];
		a->csv = NULL;
		if (sk_outfile_commit(&a->csv_out, err, sizeof err) != 0) {
			fprintf(a->diag, "stampkit analyze: --csv: %s\n", err);
			status = 1;
		}
	}
	if (a->plotting && sk_an_draw_plot(a) != 0)
		status = 1;
	if (a->damaged)
		status = 3;
	status = sk_an_diagnose(a, status);
	cleanup(a);
	return status;
}
