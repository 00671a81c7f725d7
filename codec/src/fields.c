/* SPDX-License-Identifier: BSD-3-Clause */
/* fields.c - the table walker: decode a layout into a struct and a visitor, encode it back. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stampkit/fields.h"

const char *sk_vs_name(const struct sk_vs *vs, uint32_t value)
{
	for (; vs && vs->name; vs++)
		if (vs->value == value)
			return vs->name;
	return NULL;
}

void sk_visit_open(const struct sk_visitor *v, const char *name, const char *key, size_t off,
		   size_t len)
{
	if (v && v->open)
		v->open(v->ctx, name, key, off, len);
}

void sk_visit_close(const struct sk_visitor *v)
{
	if (v && v->close)
		v->close(v->ctx);
}

void sk_visit_problem(const struct sk_visitor *v, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *fmt, ...)
{
	if (!v || !v->problem)
		return;
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->problem(v->ctx, kind, r, off, msg);
}

static unsigned mask_shift(uint32_t mask)
{
	unsigned s = 0;
	while (mask && !(mask & 1u))
		mask >>= 1, s++;
	return s;
}

static uint64_t load_be(const uint8_t *p, size_t w)
{
	uint64_t v = 0;
	for (size_t i = 0; i < w && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Integer value of field f whose octets are at p, after mask and shift. */
static uint64_t field_uint(const struct sk_field *f, const uint8_t *p)
{
	uint64_t v = load_be(p, f->width);
	if (f->mask)
		v = (v & f->mask) >> mask_shift(f->mask);
	return v;
}

void sk_visit_field(const struct sk_visitor *v, const struct sk_field *f, const uint8_t *p,
		    size_t off, const uint8_t *layout_base, size_t layout_len)
{
	if (!v || !v->field)
		return;
	struct sk_value val;
	memset(&val, 0, sizeof val);
	val.p = p;
	val.len = f->width;
	switch (f->kind) {
	case SK_FK_UINT:
	case SK_FK_ERREST:
		val.u = field_uint(f, p);
		if (f->vals)
			val.vname = sk_vs_name(f->vals, (uint32_t)val.u);
		break;
	case SK_FK_TS: {
		val.u = load_be(p, 8);
		val.tsfmt = SK_TS_NTP;
		if (f->ee_off >= 0 && layout_base && (size_t)f->ee_off + 2 <= layout_len)
			val.tsfmt = sk_errest_fmt(sk_ld16(layout_base + f->ee_off));
		val.ns = sk_ts_to_ns(val.u, val.tsfmt, v->tai_utc ? v->tai_utc : SK_TAI_UTC_DEFAULT);
		break;
	}
	case SK_FK_MBZ:
		for (size_t i = 0; i < f->width; i++)
			if (p[i])
				val.mbz_nonzero = 1;
		break;
	default:
		break;
	}
	v->field(v->ctx, f, &val, off);
}

void sk_visit_bytes(const struct sk_visitor *v, const struct sk_field *f, const uint8_t *p,
		    size_t len, size_t off)
{
	if (!v || !v->field)
		return;
	struct sk_value val;
	memset(&val, 0, sizeof val);
	val.p = p;
	val.len = len;
	v->field(v->ctx, f, &val, off);
}

void sk_visit_synth(const struct sk_visitor *v, const struct sk_field *f, uint64_t u,
		    const char *vname, size_t off)
{
	if (!v || !v->field)
		return;
	struct sk_value val;
	memset(&val, 0, sizeof val);
	val.u = u;
	val.vname = vname ? vname : (f->vals ? sk_vs_name(f->vals, (uint32_t)u) : NULL);
	v->field(v->ctx, f, &val, off);
}

static void store(const struct sk_field *f, const uint8_t *p, void *out)
{
	if (!out || f->soff == SK_NOSTORE)
		return;
	uint8_t *dst = (uint8_t *)out + f->soff;
	switch (f->kind) {
	case SK_FK_UINT:
	case SK_FK_ERREST:
	case SK_FK_TS: {
		uint64_t u = f->kind == SK_FK_TS ? load_be(p, 8) : field_uint(f, p);
		switch (f->width) {
		case 1: { uint8_t x = (uint8_t)u; memcpy(dst, &x, 1); break; }
		case 2: { uint16_t x = (uint16_t)u; memcpy(dst, &x, 2); break; }
		case 4: { uint32_t x = (uint32_t)u; memcpy(dst, &x, 4); break; }
		default: memcpy(dst, &u, 8); break;
		}
		break;
	}
	case SK_FK_BYTES:
	case SK_FK_ADDR:
	case SK_FK_TEXT:
		memcpy(dst, p, f->width);
		break;
	default:
		break;
	}
}

enum sk_result sk_layout_decode_fields(const struct sk_layout *L, struct sk_cur *c, void *out,
				       const struct sk_visitor *v)
{
	if (c->err)
		return c->err;
	size_t avail = c->len - c->off;
	size_t have = avail < L->size ? avail : L->size;
	const uint8_t *base = c->base + c->off;
	size_t abs = sk_cur_abs(c);
	for (size_t i = 0; i < L->nfields; i++) {
		const struct sk_field *f = &L->fields[i];
		if ((size_t)f->off + f->width > have)
			continue; /* tables are not required to be sorted; skip what does not fit */
		store(f, base + f->off, out);
		sk_visit_field(v, f, base + f->off, abs + f->off, base, have);
		if (f->kind == SK_FK_MBZ && v && v->problem) {
			for (size_t k = 0; k < f->width; k++)
				if (base[f->off + k]) {
					sk_visit_problem(v, SK_PROB_MBZ_NONZERO, SK_E_INVALID, abs + f->off,
							 "%s: must be zero but is not", f->name);
					break;
				}
		}
	}
	if (avail < L->size) {
		c->off = c->len;
		sk_cur_fail(c, SK_E_TRUNCATED);
		c->err_off = abs + avail;
		sk_visit_problem(v, SK_PROB_TRUNCATED, SK_E_TRUNCATED, abs + avail,
				 "%s truncated: %zu of %u octets", L->name, avail, (unsigned)L->size);
		return SK_E_TRUNCATED;
	}
	c->off += L->size;
	return SK_OK;
}

enum sk_result sk_layout_decode(const struct sk_layout *L, struct sk_cur *c, void *out,
				const struct sk_visitor *v)
{
	size_t avail = c->err ? 0 : c->len - c->off;
	sk_visit_open(v, L->name, L->key, sk_cur_abs(c), avail < L->size ? avail : L->size);
	enum sk_result r = sk_layout_decode_fields(L, c, out, v);
	sk_visit_close(v);
	return r;
}

enum sk_result sk_layout_encode(const struct sk_layout *L, const void *in, struct sk_wbuf *w)
{
	uint8_t *p = sk_put_space(w, L->size);
	if (!p)
		return w->err;
	memset(p, 0, L->size);
	for (size_t i = 0; i < L->nfields; i++) {
		const struct sk_field *f = &L->fields[i];
		if (f->soff == SK_NOSTORE || !in)
			continue;
		const uint8_t *src = (const uint8_t *)in + f->soff;
		uint8_t *dst = p + f->off;
		switch (f->kind) {
		case SK_FK_UINT:
		case SK_FK_ERREST:
		case SK_FK_TS: {
			uint64_t u = 0;
			switch (f->width) {
			case 1: { uint8_t x; memcpy(&x, src, 1); u = x; break; }
			case 2: { uint16_t x; memcpy(&x, src, 2); u = x; break; }
			case 4: { uint32_t x; memcpy(&x, src, 4); u = x; break; }
			default: memcpy(&u, src, 8); break;
			}
			if (f->mask && f->kind == SK_FK_UINT)
				u = (u << mask_shift(f->mask)) & f->mask;
			/* OR in, so that masked fields sharing octets combine. */
			for (size_t k = 0; k < f->width; k++)
				dst[k] |= (uint8_t)(u >> (8 * (f->width - 1 - k)));
			break;
		}
		case SK_FK_BYTES:
		case SK_FK_ADDR:
		case SK_FK_TEXT:
			memcpy(dst, src, f->width);
			break;
		default:
			break;
		}
	}
	return SK_OK;
}
