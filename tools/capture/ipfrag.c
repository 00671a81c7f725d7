/* SPDX-License-Identifier: BSD-3-Clause */
/* ipfrag.c - bounded IPv4 fragment reassembly (RFC 791 §3.2): datagrams keyed by source,
 * destination, protocol and Identification; coverage kept as a bitmap of 8-octet blocks
 * (fragment offsets are in 8-octet units); given up after a capture-time timeout or when the
 * table is full (the oldest goes). Memory is fixed at creation. */
#include <stdlib.h>
#include <string.h>

#include "ipfrag.h"
#include "stampkit/cursor.h"

#define MAXDGRAM 65535u
#define BLOCKS ((MAXDGRAM + 7u) / 8u)

struct dgram {
	int used;
	uint8_t src[4], dst[4], proto;
	uint16_t id;
	int64_t first_ts;
	uint8_t hdr[60];
	size_t hdrlen;          /* 0 until the first fragment (offset 0) arrived */
	size_t total;           /* payload length, 0 until the last fragment (MF clear) arrived */
	uint8_t seen[(BLOCKS + 7) / 8];
	uint8_t data[MAXDGRAM];
};

struct sk_ipfrag {
	unsigned n;
	int64_t timeout;
	struct sk_ipfrag_stats st;
	uint8_t out[60 + MAXDGRAM];
	struct dgram d[];
};

struct sk_ipfrag *sk_ipfrag_create(unsigned max_open, int64_t timeout_ns)
{
	if (max_open == 0 || max_open > 1024)
		return NULL;
	struct sk_ipfrag *r = calloc(1, sizeof *r + (size_t)max_open * sizeof(struct dgram));
	if (!r)
		return NULL;
	r->n = max_open;
	r->timeout = timeout_ns;
	return r;
}

void sk_ipfrag_destroy(struct sk_ipfrag *r) { free(r); }

static void give_up(struct sk_ipfrag *r, struct dgram *d)
{
	r->st.incomplete++;
	d->used = 0;
}

static int complete(const struct dgram *d)
{
	if (!d->hdrlen || !d->total)
		return 0;
	size_t blocks = (d->total + 7) / 8;
	for (size_t b = 0; b < blocks; b++)
		if (!(d->seen[b / 8] >> (b % 8) & 1))
			return 0;
	return 1;
}

int sk_ipfrag_add(struct sk_ipfrag *r, const struct sk_pkt *p, const uint8_t *frame,
		  size_t caplen, int64_t ts_ns, const uint8_t **out, size_t *outlen)
{
	r->st.fragments++;
	/* Identification and MF from the header the dissector already checked. */
	struct sk_cur c;
	sk_cur_init(&c, frame, caplen);
	sk_cur_skip(&c, p->l3_off);
	uint8_t vihl = sk_get_u8(&c);
	sk_cur_skip(&c, 1);
	uint16_t total_len = sk_get_u16(&c);
	uint16_t id = sk_get_u16(&c);
	uint16_t ff = sk_get_u16(&c);
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	size_t off = (size_t)(ff & 0x1fff) * 8;
	int more = (ff & 0x2000) != 0;
	if (c.err || p->ipver != 4 || hlen < 20 || total_len < hlen) {
		r->st.bad++;
		return 0;
	}
	size_t len = (size_t)total_len - hlen;
	size_t start = p->l3_off + hlen;
	/* A fragment cut by the snaplen cannot fill its part of the datagram. */
	if (start > caplen || caplen - start < len || off + len > MAXDGRAM || (more && len % 8)) {
		r->st.bad++;
		return 0;
	}
	uint8_t hdr[60];
	sk_cur_init(&c, frame, caplen);
	sk_cur_skip(&c, p->l3_off);
	sk_get_bytes(&c, hdr, hlen);
	if (c.err) {
		r->st.bad++;
		return 0;
	}
	struct dgram *d = NULL, *free_slot = NULL, *oldest = NULL;
	for (unsigned i = 0; i < r->n; i++) {
		struct dgram *x = &r->d[i];
		if (x->used && ts_ns - x->first_ts > r->timeout)
			give_up(r, x);
		if (!x->used) {
			if (!free_slot)
				free_slot = x;
			continue;
		}
		if (x->id == id && x->proto == p->proto && !memcmp(x->src, p->src, 4) &&
		    !memcmp(x->dst, p->dst, 4)) {
			d = x;
			break;
		}
		if (!oldest || x->first_ts < oldest->first_ts)
			oldest = x;
	}
	if (!d) {
		if (!free_slot) {
			give_up(r, oldest);
			free_slot = oldest;
		}
		d = free_slot;
		d->used = 1;
		memcpy(d->src, p->src, 4);
		memcpy(d->dst, p->dst, 4);
		d->proto = p->proto;
		d->id = id;
		d->first_ts = ts_ns;
		d->hdrlen = 0;
		d->total = 0;
		memset(d->seen, 0, sizeof d->seen);
	}
	if (!more) {
		if (d->total && d->total != off + len) {
			r->st.bad++;
			give_up(r, d);
			return 0;
		}
		d->total = off + len;
	}
	if (off == 0) {
		memcpy(d->hdr, hdr, hlen);
		d->hdrlen = hlen;
	}
	sk_get_bytes(&c, d->data + off, len); /* c stands at the payload: checked above */
	for (size_t b = off / 8; b < (off + len + 7) / 8; b++)
		d->seen[b / 8] |= (uint8_t)(1u << (b % 8));
	if (!complete(d))
		return 0;
	size_t tot = d->hdrlen + d->total;
	if (tot > 65535) {
		r->st.bad++;
		give_up(r, d);
		return 0;
	}
	memcpy(r->out, d->hdr, d->hdrlen);
	r->out[2] = (uint8_t)(tot >> 8), r->out[3] = (uint8_t)tot;
	r->out[6] = 0, r->out[7] = 0;   /* no more fragments, offset 0 */
	r->out[10] = 0, r->out[11] = 0; /* checksum: not checked by the dissector */
	memcpy(r->out + d->hdrlen, d->data, d->total);
	d->used = 0;
	r->st.reassembled++;
	*out = r->out;
	*outlen = tot;
	return 1;
}

void sk_ipfrag_finish(struct sk_ipfrag *r)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->d[i].used)
			give_up(r, &r->d[i]);
}

void sk_ipfrag_stats(const struct sk_ipfrag *r, struct sk_ipfrag_stats *out) { *out = r->st; }
