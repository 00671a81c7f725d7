/* SPDX-License-Identifier: BSD-3-Clause */
/* cursor.h - the one bounded reader (and writer) through which every untrusted octet passes. */
#ifndef STAMPKIT_CURSOR_H
#define STAMPKIT_CURSOR_H

#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A read cursor. Every read checks the remaining length first; on failure the error is
 * sticky, the read returns 0, and the caller checks once after a group of reads (the
 * tcpdump GET_* idea without longjmp). */
struct sk_cur {
	const uint8_t *base;
	size_t len;
	size_t off;
	size_t origin;      /* offset of base inside the outermost buffer, for error reports */
	enum sk_result err;
	size_t err_off;     /* absolute offset where the first error happened */
};

static inline void sk_cur_init(struct sk_cur *c, const void *p, size_t len)
{
	/* An empty buffer may arrive as NULL (malloc(0), a zero-length payload); pointing at a
	 * static octet instead keeps `base + off` defined for every caller. */
	static const uint8_t empty[1];
	c->base = p ? (const uint8_t *)p : empty;
	c->len = p ? len : 0;
	c->off = 0;
	c->origin = 0;
	c->err = SK_OK;
	c->err_off = 0;
}

static inline size_t sk_cur_left(const struct sk_cur *c) { return c->err ? 0 : c->len - c->off; }
static inline size_t sk_cur_abs(const struct sk_cur *c) { return c->origin + c->off; }

static inline void sk_cur_fail(struct sk_cur *c, enum sk_result r)
{
	if (!c->err) {
		c->err = r;
		c->err_off = c->origin + c->off;
	}
}

static inline int sk_cur_need(struct sk_cur *c, size_t n)
{
	if (c->err)
		return 0;
	if (c->len - c->off < n) {
		sk_cur_fail(c, SK_E_TRUNCATED);
		return 0;
	}
	return 1;
}

static inline uint8_t sk_get_u8(struct sk_cur *c)
{
	if (!sk_cur_need(c, 1))
		return 0;
	return c->base[c->off++];
}

static inline uint16_t sk_get_u16(struct sk_cur *c)
{
	if (!sk_cur_need(c, 2))
		return 0;
	const uint8_t *p = c->base + c->off;
	c->off += 2;
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t sk_get_u32(struct sk_cur *c)
{
	if (!sk_cur_need(c, 4))
		return 0;
	const uint8_t *p = c->base + c->off;
	c->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t sk_get_u64(struct sk_cur *c)
{
	uint64_t hi = sk_get_u32(c);
	uint64_t lo = sk_get_u32(c);
	return hi << 32 | lo;
}

/* Pointer to the next n octets (and advance), or NULL when fewer remain. */
static inline const uint8_t *sk_get_ptr(struct sk_cur *c, size_t n)
{
	if (!sk_cur_need(c, n))
		return NULL;
	const uint8_t *p = c->base + c->off;
	c->off += n;
	return p;
}

static inline void sk_get_bytes(struct sk_cur *c, void *dst, size_t n)
{
	const uint8_t *p = sk_get_ptr(c, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

static inline void sk_cur_skip(struct sk_cur *c, size_t n) { (void)sk_get_ptr(c, n); }

/* A child cursor over the next n octets; the parent advances past them. Reading past the
 * child's end is a truncation of the child only, so a TLV cannot read into the next one. */
static inline int sk_cur_sub(struct sk_cur *c, size_t n, struct sk_cur *child)
{
	size_t at = sk_cur_abs(c);
	const uint8_t *p = sk_get_ptr(c, n);
	sk_cur_init(child, p, p ? n : 0);
	child->origin = at;
	if (!p)
		child->err = c->err, child->err_off = c->err_off;
	return p != NULL;
}

/* Peek helpers: read at an offset relative to the cursor position without moving. */
static inline int sk_peek_u8(const struct sk_cur *c, size_t at, uint8_t *v)
{
	if (c->err || c->len - c->off <= at)
		return 0;
	*v = c->base[c->off + at];
	return 1;
}

/* A write cursor: bounded, sticky SK_E_NOSPACE, big-endian puts. */
struct sk_wbuf {
	uint8_t *base;
	size_t cap;
	size_t off;
	enum sk_result err;
};

static inline void sk_wbuf_init(struct sk_wbuf *w, void *p, size_t cap)
{
	w->base = (uint8_t *)p;
	w->cap = p ? cap : 0;
	w->off = 0;
	w->err = SK_OK;
}

static inline uint8_t *sk_put_space(struct sk_wbuf *w, size_t n)
{
	if (w->err)
		return NULL;
	if (w->cap - w->off < n) {
		w->err = SK_E_NOSPACE;
		return NULL;
	}
	uint8_t *p = w->base + w->off;
	w->off += n;
	return p;
}

static inline void sk_put_u8(struct sk_wbuf *w, uint8_t v)
{
	uint8_t *p = sk_put_space(w, 1);
	if (p)
		p[0] = v;
}

static inline void sk_put_u16(struct sk_wbuf *w, uint16_t v)
{
	uint8_t *p = sk_put_space(w, 2);
	if (p)
		p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static inline void sk_put_u32(struct sk_wbuf *w, uint32_t v)
{
	uint8_t *p = sk_put_space(w, 4);
	if (p)
		p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
		p[3] = (uint8_t)v;
}

static inline void sk_put_u64(struct sk_wbuf *w, uint64_t v)
{
	sk_put_u32(w, (uint32_t)(v >> 32));
	sk_put_u32(w, (uint32_t)v);
}

static inline void sk_put_bytes(struct sk_wbuf *w, const void *src, size_t n)
{
	uint8_t *p = sk_put_space(w, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void sk_put_zero(struct sk_wbuf *w, size_t n)
{
	uint8_t *p = sk_put_space(w, n);
	if (p && n)
		memset(p, 0, n);
}

/* Big-endian store/load into a known-sized buffer (used by encoders filling fixed layouts). */
static inline void sk_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void sk_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void sk_be64(uint8_t *p, uint64_t v) { sk_be32(p, (uint32_t)(v >> 32)); sk_be32(p + 4, (uint32_t)v); }
static inline uint16_t sk_ld16(const uint8_t *p) { return (uint16_t)((unsigned)p[0] << 8 | p[1]); }
static inline uint32_t sk_ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t sk_ld64(const uint8_t *p) { return (uint64_t)sk_ld32(p) << 32 | sk_ld32(p + 4); }

#ifdef __cplusplus
}
#endif
#endif
