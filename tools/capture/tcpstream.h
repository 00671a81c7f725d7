/* SPDX-License-Identifier: BSD-3-Clause */
/* tcpstream.h - bounded per-direction TCP reassembly for TWAMP-Control connections (RFC 9293
 * sequence space): in-order data is handed on, holes are reported, memory is fixed at creation. */
#ifndef STAMPKIT_TOOLS_TCPSTREAM_H
#define STAMPKIT_TOOLS_TCPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "stampkit/net.h"

struct sk_tcp_half {
	int init;            /* next is known */
	int fin;             /* FIN seen */
	uint32_t next;       /* next expected sequence number */
	uint64_t delivered;  /* octets handed on */
	uint64_t gaps;       /* holes skipped */
	uint64_t dups;       /* segments that held nothing new */
	unsigned nseg;       /* out-of-order segments held */
	size_t used;         /* octets held */
	struct { uint32_t seq; uint32_t len; } seg[8];
	uint8_t *store;      /* ooo_cap octets, owned by the table */
};

struct sk_tcpconn {
	int in_use;
	uint8_t ipver;
	uint8_t addr[2][16]; /* [0] = the side that sent the SYN (or the first segment seen) */
	uint16_t port[2];
	int syn_seen;        /* 1: side 0 is known to be the client */
	int closed;          /* RST seen or both FINs */
	struct sk_tcp_half half[2]; /* half[d] = data sent by side d */
	void *user;          /* the caller's per-connection state */
};

struct sk_tcpstream_ops {
	/* In-order octets sent by side dir, completed by frame. */
	void (*data)(void *ctx, struct sk_tcpconn *c, int dir, const uint8_t *p, size_t n,
		     uint64_t frame);
	/* missing octets of side dir were never seen (lost, or held data overflowed). */
	void (*gap)(void *ctx, struct sk_tcpconn *c, int dir, uint32_t missing, uint64_t frame);
	/* A connection was created (user may be set) or is being dropped (to free user). */
	void (*opened)(void *ctx, struct sk_tcpconn *c);
	void (*dropped)(void *ctx, struct sk_tcpconn *c);
	void *ctx;
};

struct sk_tcpstream;

/* max_conns connections at once, each direction holding at most ooo_cap octets of
 * out-of-order data (at most 8 segments). NULL if memory cannot be had. */
struct sk_tcpstream *sk_tcpstream_create(size_t max_conns, size_t ooo_cap,
					 const struct sk_tcpstream_ops *ops);
void sk_tcpstream_destroy(struct sk_tcpstream *ts);

/* Feed one dissected TCP segment (pkt->proto == 6 and pkt->l4). Returns 0, or -1 when the
 * connection table is full and the segment was ignored. */
int sk_tcpstream_segment(struct sk_tcpstream *ts, const struct sk_pkt *pkt, uint64_t frame);

/* Hand on whatever is still held (reporting the holes before it), e.g. at end of capture. */
void sk_tcpstream_flush(struct sk_tcpstream *ts, uint64_t frame);

/* Segments ignored because the table was full. */
uint64_t sk_tcpstream_overflows(const struct sk_tcpstream *ts);

#endif
