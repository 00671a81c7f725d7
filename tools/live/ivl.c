/* SPDX-License-Identifier: BSD-3-Clause */
/* ivl.c - interval accounting: packets by the interval they were sent in, intervals closed
 * a grace time after their end (ivl.h). */
#include "ivl.h"

#include <stdlib.h>
#include <string.h>

#include "stampkit/timestamp.h"

static struct sk_ivl_stats *at(struct sk_ivl *v, unsigned i)
{
	return &v->ring[(v->head + i) % v->cap];
}

static int open_one(struct sk_ivl *v, int64_t start_mono, int64_t start_real, uint64_t first)
{
	struct sk_ivl_stats *s = at(v, v->n);
	struct sk_dstats *d = s->d;
	memset(s, 0, sizeof *s);
	if (v->keep_delays) {
		if (d) {
			/* A slot used before: its statistics hold memory of their own. */
			for (int k = 0; k < 3; k++)
				sk_dstats_free(&d[k]);
		} else {
			d = malloc(3 * sizeof *d);
		}
		if (!d)
			return -1;
		for (int k = 0; k < 3; k++)
			sk_dstats_init(&d[k]);
	}
	s->d = d;
	s->index = v->next_index++;
	s->start_real = start_real;
	s->end_mono = start_mono + v->period_ns;
	s->first_seq = first;
	s->end_seq = first;
	s->sending = true;
	v->n++;
	return 0;
}

int sk_ivl_init(struct sk_ivl *v, int64_t period_ns, int64_t grace_ns, bool keep_delays,
		int64_t now_mono, int64_t now_real)
{
	memset(v, 0, sizeof *v);
	v->period_ns = period_ns > 0 ? period_ns : 1000000000LL;
	v->grace_ns = grace_ns > 0 ? grace_ns : 0;
	v->keep_delays = keep_delays;
	/* Intervals open at once: the one sending and those waiting out their grace. */
	v->cap = (unsigned)(v->grace_ns / v->period_ns) + 3;
	if (v->cap > 4096)
		v->cap = 4096;
	v->ring = calloc(v->cap, sizeof *v->ring);
	v->next_index = 1;
	if (!v->ring)
		return -1;
	return open_one(v, now_mono, now_real, 0);
}

void sk_ivl_free(struct sk_ivl *v)
{
	if (!v->ring)
		return;
	for (unsigned i = 0; i < v->cap; i++) {
		if (!v->ring[i].d)
			continue;
		for (int k = 0; k < 3; k++)
			sk_dstats_free(&v->ring[i].d[k]);
		free(v->ring[i].d);
	}
	free(v->ring);
	v->ring = NULL;
}

void sk_ivl_tick(struct sk_ivl *v, int64_t now_mono, int64_t now_real, uint64_t sent)
{
	struct sk_ivl_stats *cur = v->n ? at(v, v->n - 1) : NULL;
	if (!cur || now_mono < cur->end_mono || v->n == v->cap)
		return; /* a full ring keeps sending in the current interval: nothing is lost */
	/* A loop that slept over several periods starts the interval of now: the skipped ones
	 * sent nothing. */
	int64_t start = cur->end_mono;
	if (now_mono - start >= v->period_ns)
		start += (now_mono - start) / v->period_ns * v->period_ns;
	cur->end_seq = sent;
	cur->end_real = now_real;
	cur->sending = false;
	if (open_one(v, start, now_real, sent))
		cur->sending = true; /* out of memory: go on in the current one */
}

struct sk_ivl_stats *sk_ivl_find(struct sk_ivl *v, uint64_t seq)
{
	if (seq < v->closed_seq)
		return NULL;
	for (unsigned i = v->n; i-- > 0;) {
		struct sk_ivl_stats *s = at(v, i);
		if (seq >= s->first_seq)
			return s;
	}
	return NULL;
}

void sk_ivl_count(struct sk_ivl_stats *s, const struct sk_reply_info *info)
{
	sk_seq_tally(info->sender.cls, &s->received, &s->reordered, &s->duplicates);
	if (info->counted && s->d) {
		uint32_t seq = (uint32_t)info->sender.ext_seq;
		sk_dstats_add(&s->d[0], seq, info->delays.outbound_ns);
		sk_dstats_add(&s->d[1], seq, info->delays.inbound_ns);
		sk_dstats_add(&s->d[2], seq, info->delays.rtt_ns);
	}
}

struct sk_ivl_stats *sk_ivl_due(struct sk_ivl *v, int64_t now_mono, int64_t now_real,
				uint64_t sent, bool final)
{
	if (!v->n)
		return NULL;
	struct sk_ivl_stats *s = at(v, 0);
	if (final) {
		if (s->sending) {
			s->end_seq = sent;
			s->end_real = now_real;
			s->sending = false;
		}
		return s;
	}
	if (s->sending || now_mono < s->end_mono + v->grace_ns)
		return NULL;
	return s;
}

void sk_ivl_pop(struct sk_ivl *v)
{
	if (!v->n)
		return;
	struct sk_ivl_stats *s = at(v, 0);
	v->closed_seq = s->end_seq;
	v->head = (v->head + 1) % v->cap;
	v->n--;
}

int64_t sk_ivl_next_event(const struct sk_ivl *v)
{
	int64_t t = INT64_MAX;
	for (unsigned i = 0; i < v->n; i++) {
		const struct sk_ivl_stats *s = &v->ring[(v->head + i) % v->cap];
		int64_t e = s->sending ? s->end_mono : s->end_mono + v->grace_ns;
		if (e < t)
			t = e;
	}
	return t;
}

static void dir_of(struct sk_rdir *d, const struct sk_dstats *ds)
{
	memset(d, 0, sizeof *d);
	if (ds && ds->count) {
		d->have_delay = true;
		sk_dstats_summarize(ds, &d->delay);
	}
}

void sk_ivl_rsession(struct sk_rsession *r, const struct sk_ivl_stats *s, bool stateful)
{
	uint64_t sent = sk_ivl_sent(s);
	if (!s->received && !s->duplicates) {
		sk_rsession_silent(r, sent);
		return;
	}
	r->seen = SK_RSEEN_SENDER;
	r->reflector_state = stateful ? SK_RSTATE_STATEFUL : SK_RSTATE_STATELESS_OR_UNKNOWN;
	r->sent = sent;
	r->received = s->received;
	r->reflected = s->received;
	r->lost = sent > s->received ? sent - s->received : 0;
	/* The split of an interval's loss by direction is not kept: the round trip has it. */
	r->unknown_lost = r->lost;
	r->duplicates = s->duplicates;
	r->reordered = s->reordered;
	r->have_residence = false;
	dir_of(&r->dir[SK_RDIR_OUT], s->d ? &s->d[0] : NULL);
	dir_of(&r->dir[SK_RDIR_IN], s->d ? &s->d[1] : NULL);
	dir_of(&r->dir[SK_RDIR_RTT], s->d ? &s->d[2] : NULL);
	struct sk_rdir *rt = &r->dir[SK_RDIR_RTT];
	rt->have_lost = rt->have_dups = rt->have_reord = true;
	rt->lost = r->lost;
	rt->dups = s->duplicates;
	rt->reord = s->reordered;
}

bool sk_ivl_take_reply(struct sk_ivl *v, struct sk_session *sess, const struct sk_test_pkt *p,
		       int64_t t4_ns, struct sk_mx *mx, struct sk_mx_session *mxs,
		       struct sk_reply_info *info)
{
	struct sk_ivl_stats *iv = NULL;
	if (v && !(iv = sk_ivl_find(v, p->sender_seq))) {
		if (mxs) {
			sk_mx_lock(mx);
			mxs->late++;
			sk_mx_unlock(mx);
		}
		return false;
	}
	/* Each timestamp in the format its own Error Estimate's Z bit says. */
	enum sk_ts_fmt sf = sk_errest_fmt(p->sender_error_estimate);
	enum sk_ts_fmt rf = sk_errest_fmt(p->error_estimate);
	struct sk_reply rep = {
		.sender_seq = p->sender_seq, .reflector_seq = p->seq,
		.t1_ns = sk_ts_to_ns(p->sender_timestamp, sf, SK_TAI_UTC_DEFAULT),
		.t2_ns = sk_ts_to_ns(p->rx_timestamp, rf, SK_TAI_UTC_DEFAULT),
		.t3_ns = sk_ts_to_ns(p->timestamp, rf, SK_TAI_UTC_DEFAULT),
		.t4_ns = t4_ns,
	};
	sk_session_add(sess, &rep, info);
	if (iv)
		sk_ivl_count(iv, info);
	if (mxs) {
		sk_mx_lock(mx);
		sk_mx_reply(mxs, info);
		sk_mx_unlock(mx);
	}
	return true;
}
