/* SPDX-License-Identifier: BSD-3-Clause */
/* tcpstream.c - bounded TCP reassembly (RFC 9293 §3.4 sequence arithmetic) for control streams. */
#include <stdlib.h>
#include <string.h>

#include "tcpstream.h"

struct sk_tcpstream {
	struct sk_tcpconn *conns;
	size_t max_conns;
	size_t ooo_cap;
	uint8_t *stores;
	uint64_t overflows;
	struct sk_tcpstream_ops ops;
};

#define NSEG (sizeof(((struct sk_tcp_half *)0)->seg) / sizeof(((struct sk_tcp_half *)0)->seg[0]))

static int32_t seqdiff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

struct sk_tcpstream *sk_tcpstream_create(size_t max_conns, size_t ooo_cap,
					 const struct sk_tcpstream_ops *ops)
{
	if (max_conns == 0 || max_conns > 65536 || ooo_cap > (1u << 24))
		return NULL;
	struct sk_tcpstream *ts = calloc(1, sizeof *ts);
	if (!ts)
		return NULL;
	ts->conns = calloc(max_conns, sizeof *ts->conns);
	ts->stores = ooo_cap ? calloc(max_conns * 2, ooo_cap) : NULL;
	if (!ts->conns || (ooo_cap && !ts->stores)) {
		sk_tcpstream_destroy(ts);
		return NULL;
	}
	ts->max_conns = max_conns;
	ts->ooo_cap = ooo_cap;
	if (ops)
		ts->ops = *ops;
	return ts;
}

void sk_tcpstream_destroy(struct sk_tcpstream *ts)
{
	if (!ts)
		return;
	if (ts->conns && ts->ops.dropped)
		for (size_t i = 0; i < ts->max_conns; i++)
			if (ts->conns[i].in_use)
				ts->ops.dropped(ts->ops.ctx, &ts->conns[i]);
	free(ts->conns);
	free(ts->stores);
	free(ts);
}

uint64_t sk_tcpstream_overflows(const struct sk_tcpstream *ts) { return ts->overflows; }

static void deliver(struct sk_tcpstream *ts, struct sk_tcpconn *c, int dir, const uint8_t *p,
		    size_t n, uint64_t frame)
{
	struct sk_tcp_half *h = &c->half[dir];
	h->next += (uint32_t)n;
	h->delivered += n;
	if (n && ts->ops.data)
		ts->ops.data(ts->ops.ctx, c, dir, p, n, frame);
}

/* Hand on an in-sequence or overlapping segment: only the octets beyond next are new. */
static void take(struct sk_tcpstream *ts, struct sk_tcpconn *c, int dir, uint32_t seq,
		 const uint8_t *p, size_t n, uint64_t frame)
{
	struct sk_tcp_half *h = &c->half[dir];
	int32_t d = seqdiff(h->next, seq); /* octets already delivered */
	if (d < 0)
		return;
	if ((size_t)d >= n) {
		h->dups++;
		return;
	}
	deliver(ts, c, dir, p + d, n - (size_t)d, frame);
}

static void remove_seg(struct sk_tcp_half *h, unsigned i)
{
	size_t at = 0;
	for (unsigned k = 0; k < i; k++)
		at += h->seg[k].len;
	size_t len = h->seg[i].len;
	memmove(h->store + at, h->store + at + len, h->used - at - len);
	h->used -= len;
	memmove(&h->seg[i], &h->seg[i + 1], (h->nseg - i - 1) * sizeof h->seg[0]);
	h->nseg--;
}

/* Deliver held segments that have become contiguous. With force, skip the hole before the
 * lowest held segment too (reporting it). */
static void drain(struct sk_tcpstream *ts, struct sk_tcpconn *c, int dir, int force,
		  uint64_t frame)
{
	struct sk_tcp_half *h = &c->half[dir];
	for (;;) {
		unsigned best = NSEG;
		for (unsigned i = 0; i < h->nseg; i++)
			if (best == NSEG || seqdiff(h->seg[i].seq, h->seg[best].seq) < 0)
				best = i;
		if (best == NSEG)
			return;
		int32_t d = seqdiff(h->seg[best].seq, h->next);
		if (d > 0) {
			if (!force)
				return;
			h->gaps++;
			if (ts->ops.gap)
				ts->ops.gap(ts->ops.ctx, c, dir, (uint32_t)d, frame);
			h->next = h->seg[best].seq;
		}
		size_t at = 0;
		for (unsigned k = 0; k < best; k++)
			at += h->seg[k].len;
		/* Copy out first: delivering may not see the store change under it. */
		uint8_t tmp[2048];
		uint32_t seq = h->seg[best].seq, len = h->seg[best].len;
		while (len) {
			uint32_t chunk = len < sizeof tmp ? len : (uint32_t)sizeof tmp;
			memcpy(tmp, h->store + at, chunk);
			take(ts, c, dir, seq, tmp, chunk, frame);
			seq += chunk, at += chunk, len -= chunk;
		}
		remove_seg(h, best);
	}
}

static struct sk_tcpconn *lookup(struct sk_tcpstream *ts, const struct sk_pkt *p, int *dir)
{
	size_t alen = p->ipver == 6 ? 16 : 4;
	struct sk_tcpconn *free_slot = NULL;
	for (size_t i = 0; i < ts->max_conns; i++) {
		struct sk_tcpconn *c = &ts->conns[i];
		if (!c->in_use) {
			if (!free_slot)
				free_slot = c;
			continue;
		}
		if (c->ipver != p->ipver)
			continue;
		for (int d = 0; d < 2; d++)
			if (c->port[d] == p->sport && c->port[!d] == p->dport &&
			    !memcmp(c->addr[d], p->src, alen) && !memcmp(c->addr[!d], p->dst, alen)) {
				*dir = d;
				return c;
			}
	}
	if (!free_slot)
		return NULL;
	size_t idx = (size_t)(free_slot - ts->conns);
	memset(free_slot, 0, sizeof *free_slot);
	free_slot->in_use = 1;
	free_slot->ipver = p->ipver;
	memcpy(free_slot->addr[0], p->src, 16);
	memcpy(free_slot->addr[1], p->dst, 16);
	free_slot->port[0] = p->sport;
	free_slot->port[1] = p->dport;
	for (int d = 0; d < 2; d++)
		free_slot->half[d].store = ts->stores ? ts->stores + (idx * 2 + (size_t)d) * ts->ooo_cap : NULL;
	if (ts->ops.opened)
		ts->ops.opened(ts->ops.ctx, free_slot);
	*dir = 0;
	return free_slot;
}

static void drop(struct sk_tcpstream *ts, struct sk_tcpconn *c, uint64_t frame)
{
	for (int d = 0; d < 2; d++)
		drain(ts, c, d, 1, frame);
	if (ts->ops.dropped)
		ts->ops.dropped(ts->ops.ctx, c);
	c->in_use = 0;
}

int sk_tcpstream_segment(struct sk_tcpstream *ts, const struct sk_pkt *p, uint64_t frame)
{
	if (p->proto != 6 || !p->l4)
		return 0;
	int dir;
	struct sk_tcpconn *c = lookup(ts, p, &dir);
	if (!c) {
		ts->overflows++;
		return -1;
	}
	/* A new SYN on a closed connection's tuple starts a fresh connection. */
	if ((p->tcp_flags & (SK_TCP_SYN | SK_TCP_ACK)) == SK_TCP_SYN && c->closed) {
		drop(ts, c, frame);
		c = lookup(ts, p, &dir);
		if (!c)
			return -1;
	}
	struct sk_tcp_half *h = &c->half[dir];
	uint32_t seq = p->tcp_seq;
	if (p->tcp_flags & SK_TCP_SYN) {
		if (!(p->tcp_flags & SK_TCP_ACK) && dir == 0)
			c->syn_seen = 1;
		if (!h->init) {
			h->init = 1;
			h->next = seq + 1;
		}
		seq += 1;
	} else if (!h->init) {
		/* Joined mid-stream: take what comes as the start. */
		h->init = 1;
		h->next = seq;
	}
	size_t n = p->payload_len;
	if (n) {
		int32_t d = seqdiff(seq, h->next);
		if (d <= 0) {
			take(ts, c, dir, seq, p->payload, n, frame);
			drain(ts, c, dir, 0, frame);
		} else if (h->nseg < NSEG && n <= ts->ooo_cap - h->used) {
			h->seg[h->nseg].seq = seq;
			h->seg[h->nseg].len = (uint32_t)n;
			memcpy(h->store + h->used, p->payload, n);
			h->used += n;
			h->nseg++;
		} else {
			/* No room to wait for the hole: give up on it. */
			drain(ts, c, dir, 1, frame);
			d = seqdiff(seq, h->next);
			if (d > 0) {
				h->gaps++;
				if (ts->ops.gap)
					ts->ops.gap(ts->ops.ctx, c, dir, (uint32_t)d, frame);
				h->next = seq;
			}
			take(ts, c, dir, seq, p->payload, n, frame);
		}
	}
	if (p->tcp_flags & SK_TCP_FIN)
		h->fin = 1;
	if ((p->tcp_flags & SK_TCP_RST) || (c->half[0].fin && c->half[1].fin))
		c->closed = 1;
	return 0;
}

void sk_tcpstream_flush(struct sk_tcpstream *ts, uint64_t frame)
{
	for (size_t i = 0; i < ts->max_conns; i++)
		if (ts->conns[i].in_use)
			for (int d = 0; d < 2; d++)
				drain(ts, &ts->conns[i], d, 1, frame);
}
