/* SPDX-License-Identifier: BSD-3-Clause */
/* output.c - text-tree and JSON visitors over the codec's field tables (RFC 4656 §4.1.2
 * error estimates and RFC 8762 §4.2.1 timestamp formats are spelled out for people). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "stampkit/net.h"

/* ---- growable buffer ---- */

void sk_sbuf_putn(struct sk_sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->cap - b->len <= n) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc - b->len <= n)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sk_sbuf_puts(struct sk_sbuf *b, const char *s) { sk_sbuf_putn(b, s, strlen(s)); }

void sk_sbuf_printf(struct sk_sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sk_sbuf_putn(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sk_sbuf_putn(b, big, (size_t)n);
	free(big);
}

void sk_sbuf_free(struct sk_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Length of the well-formed UTF-8 sequence (RFC 3629 §4) starting at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		if (p[0] == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

void sk_json_str(struct sk_sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sk_sbuf_putn(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[7];
		switch (ch) {
		case '"': sk_sbuf_putn(b, "\\\"", 2); continue;
		case '\\': sk_sbuf_putn(b, "\\\\", 2); continue;
		case '\n': sk_sbuf_putn(b, "\\n", 2); continue;
		case '\r': sk_sbuf_putn(b, "\\r", 2); continue;
		case '\t': sk_sbuf_putn(b, "\\t", 2); continue;
		case '\b': sk_sbuf_putn(b, "\\b", 2); continue;
		case '\f': sk_sbuf_putn(b, "\\f", 2); continue;
		default: break;
		}
		/* Well-formed UTF-8 passes through; control octets, DEL and octets that are not
		 * part of a well-formed sequence (wire text need not be UTF-8) become \u00XX, so
		 * every line stays valid JSON. */
		size_t ul = utf8_len((const unsigned char *)s + i, n - i);
		if (ul > 1) {
			sk_sbuf_putn(b, s + i, ul);
			i += ul - 1;
			continue;
		}
		if (ch < 0x20 || ch >= 0x7f) {
			esc[0] = '\\', esc[1] = 'u', esc[2] = '0', esc[3] = '0';
			esc[4] = hex[ch >> 4], esc[5] = hex[ch & 15], esc[6] = 0;
			sk_sbuf_putn(b, esc, 6);
		} else {
			sk_sbuf_putn(b, (const char *)&ch, 1);
		}
	}
	sk_sbuf_putn(b, "\"", 1);
}

/* ---- shared formatting ---- */

static void hex_into(const uint8_t *p, size_t n, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 3 <= len; i++) {
		buf[o++] = hex[p[i] >> 4];
		buf[o++] = hex[p[i] & 15];
	}
	buf[o < len ? o : len - 1] = '\0';
}

static void addr_into(const uint8_t *p, size_t w, char *buf, size_t len)
{
	uint8_t a[16] = { 0 };
	int v6 = 0;
	memcpy(a, p, w > 16 ? 16 : w);
	if (w == 16)
		for (int i = 4; i < 16; i++)
			if (a[i])
				v6 = 1;
	sk_net_addr_str(v6 ? 6 : 4, a, buf, len);
}

/* Text with trailing NULs dropped; non-printable octets as \xNN. */
static void text_into(const uint8_t *p, size_t n, char *buf, size_t len)
{
	while (n && p[n - 1] == 0)
		n--;
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", p[i]);
	}
	buf[o] = '\0';
}

static const char *fmt_name(enum sk_ts_fmt f) { return f == SK_TS_PTP ? "PTP" : "NTP"; }

void sk_out_field_text(const struct sk_field *f, const struct sk_value *v, char *buf, size_t len)
{
	char tmp[160];
	switch (f->kind) {
	case SK_FK_UINT:
		if (f->flags & SK_FF_HEX)
			snprintf(tmp, sizeof tmp, "0x%0*" PRIx64, (int)(f->width * 2), v->u);
		else
			snprintf(tmp, sizeof tmp, "%" PRIu64, v->u);
		if (v->vname)
			snprintf(buf, len, "%s (%s)", v->vname, tmp);
		else if (f->vals && v->p)
			snprintf(buf, len, "Unknown (%s)", tmp);
		else
			snprintf(buf, len, "%s", tmp);
		break;
	case SK_FK_TS: {
		char iso[48];
		sk_ns_to_iso(v->ns, iso, sizeof iso);
		if (v->tsfmt != SK_TS_PTP && !v->u)
			snprintf(buf, len, "0 (unknown)"); /* "now" / not set, not NTP era 1's 2036 */
		else if (v->tsfmt == SK_TS_PTP)
			snprintf(buf, len, "%s (PTP 0x%016" PRIx64 " = %" PRIu64 " s %" PRIu64 " ns%s)", iso,
				 v->u, v->u >> 32, v->u & 0xffffffffu,
				 sk_ptp_valid(v->u) ? "" : ", invalid: ns >= 10^9");
		else
			snprintf(buf, len, "%s (NTP 0x%016" PRIx64 ")", iso, v->u);
		break;
	}
	case SK_FK_ERREST: {
		struct sk_errest e;
		sk_errest_unpack((uint16_t)v->u, &e);
		if (!e.mult)
			snprintf(buf, len,
				 "0x%04x (S=%d, Z=%d %s, Scale=%u, Multiplier=0: invalid, RFC 4656 forbids 0)",
				 (unsigned)v->u, e.s, e.z, fmt_name(e.z ? SK_TS_PTP : SK_TS_NTP),
				 (unsigned)e.scale);
		else {
			uint64_t ns = sk_errest_ns(&e);
			char err[40];
			if (ns == UINT64_MAX)
				snprintf(err, sizeof err, "beyond 2^64 ns");
			else
				snprintf(err, sizeof err, "%" PRIu64 " ns", ns);
			snprintf(buf, len, "0x%04x (S=%d %s, Z=%d %s, Scale=%u, Multiplier=%u: error %s)",
				 (unsigned)v->u, e.s, e.s ? "synchronised" : "unsynchronised", e.z,
				 fmt_name(e.z ? SK_TS_PTP : SK_TS_NTP), (unsigned)e.scale,
				 (unsigned)e.mult, err);
		}
		break;
	}
	case SK_FK_BYTES:
		if (!v->p) {
			snprintf(buf, len, "%" PRIu64, v->u);
		} else if (v->len > 32) {
			hex_into(v->p, 32, tmp, sizeof tmp);
			snprintf(buf, len, "%s... (%zu octets)", tmp, v->len);
		} else {
			hex_into(v->p, v->len, tmp, sizeof tmp);
			snprintf(buf, len, "%s", v->len ? tmp : "(empty)");
		}
		break;
	case SK_FK_MBZ:
		if (!v->mbz_nonzero)
			snprintf(buf, len, "zero (%zu octets)", v->len);
		else {
			hex_into(v->p, v->len > 32 ? 32 : v->len, tmp, sizeof tmp);
			snprintf(buf, len, "NOT ZERO: %s%s (%zu octets)", tmp, v->len > 32 ? "..." : "",
				 v->len);
		}
		break;
	case SK_FK_ADDR:
		addr_into(v->p, v->len, buf, len);
		break;
	case SK_FK_TEXT:
		text_into(v->p, v->len, tmp, sizeof tmp);
		snprintf(buf, len, "\"%s\"", tmp);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/* ---- text tree ---- */

static void indent(struct sk_text_out *t)
{
	for (int i = 0; i < t->depth; i++)
		fputs("    ", t->fp);
}

void sk_text_line(struct sk_text_out *t, const char *fmt, ...)
{
	indent(t);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(t->fp, fmt, ap);
	va_end(ap);
	fputc('\n', t->fp);
}

static void t_open(void *ctx, const char *name, const char *key, size_t off, size_t len)
{
	struct sk_text_out *t = ctx;
	(void)key;
	indent(t);
	fprintf(t->fp, "%s (offset %zu, %zu octets)\n", name, off, len);
	if (t->depth < 64)
		t->depth++;
}

static void t_close(void *ctx)
{
	struct sk_text_out *t = ctx;
	if (t->depth > 0)
		t->depth--;
}

/* An MBZ part of an octet (Request-TW-Session's high nibble before IPVN) is an integer
 * field keyed "mbz": left out when zero, like whole MBZ octets (docs/json-schema.md). */
static bool zero_mbz_bits(const struct sk_field *f, const struct sk_value *v)
{
	return f->kind == SK_FK_UINT && !v->u && f->key && !strcmp(f->key, "mbz");
}

static void t_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	struct sk_text_out *t = ctx;
	char buf[400];
	(void)off;
	if ((f->kind == SK_FK_MBZ && !v->mbz_nonzero) || zero_mbz_bits(f, v))
		return; /* zero MBZ is the normal case: keep the tree readable */
	sk_out_field_text(f, v, buf, sizeof buf);
	indent(t);
	fprintf(t->fp, "%s: %s\n", f->name, buf);
	if (f->kind == SK_FK_UINT && f->bits) {
		/* Only the bits that are set: a 32-bit Modes word would drown the tree. */
		for (const struct sk_bit *b = f->bits; b->name; b++) {
			if (!(v->u & b->mask))
				continue;
			indent(t);
			fprintf(t->fp, "    [x] %s (0x%x)\n", b->name, (unsigned)b->mask);
		}
	}
}

static void t_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *msg)
{
	(void)kind; /* the text names the result class; the message says the rest */
	struct sk_text_out *t = ctx;
	indent(t);
	fprintf(t->fp, "[%s at offset %zu: %s]\n", sk_strerror(r), off, msg);
}

void sk_text_visitor(struct sk_text_out *t, FILE *fp, struct sk_visitor *v)
{
	memset(t, 0, sizeof *t);
	t->fp = fp;
	memset(v, 0, sizeof *v);
	v->open = t_open;
	v->close = t_close;
	v->field = t_field;
	v->problem = t_problem;
	v->ctx = t;
}

/* ---- JSON ---- */

static struct sk_json_level *target(struct sk_json_out *j)
{
	struct sk_json_level *L = &j->lv[j->depth];
	/* The outermost group's fields are the packet object's own members. */
	while (L > j->lv && !L->buf)
		L--;
	return L;
}

/* Writes `,"key":` (made unique inside its object) into the level's buffer. */
static void j_key(struct sk_json_level *L, const char *key)
{
	unsigned dup = 0;
	for (unsigned i = 0; i < L->nkeys; i++)
		if (!strcmp(L->keys[i], key))
			dup++;
	if (L->nkeys < SK_OUT_KEYS)
		L->keys[L->nkeys++] = key;
	if (L->arr_open) {
		sk_sbuf_putn(L->buf, "]", 1);
		L->arr_open = 0;
	}
	if (!L->first)
		sk_sbuf_putn(L->buf, ",", 1);
	L->first = 0;
	char k[96];
	if (dup)
		snprintf(k, sizeof k, "%s_%u", key, dup + 1);
	else
		snprintf(k, sizeof k, "%s", key);
	sk_json_str(L->buf, k, strlen(k));
	sk_sbuf_putn(L->buf, ":", 1);
}

static void j_open(void *ctx, const char *name, const char *key, size_t off, size_t len)
{
	struct sk_json_out *j = ctx;
	if (j->depth >= SK_OUT_DEPTH) {
		j->depth++;
		return;
	}
	struct sk_json_level *parent = target(j);
	int first_group = j->depth == 0 && !j->seen_group;
	j->depth++;
	struct sk_json_level *L = &j->lv[j->depth];
	memset(L, 0, sizeof *L);
	L->first = 1;
	if (first_group) {
		j->seen_group = 1;
		L->buf = NULL; /* flattened into the packet object */
		j_key(parent, "layout");
		sk_json_str(parent->buf, key, strlen(key));
		j_key(parent, "layout_name");
		sk_json_str(parent->buf, name, strlen(name));
		return;
	}
	if (!strcmp(key, "stamp_subtlv") && parent->is_tlv) {
		/* Sub-TLVs: an array inside their parent TLV's object. */
		if (!parent->arr_open) {
			j_key(parent, "subtlvs");
			sk_sbuf_putn(parent->buf, "[", 1);
			parent->arr_open = 1;
			parent->arr_n = 0;
		}
		if (parent->arr_n++)
			sk_sbuf_putn(parent->buf, ",", 1);
		L->buf = parent->buf;
		sk_sbuf_putn(L->buf, "{", 1);
		j_key(L, "name");
		sk_json_str(L->buf, name, strlen(name));
		j_key(L, "offset");
		sk_sbuf_printf(L->buf, "%zu", off);
		j_key(L, "size");
		sk_sbuf_printf(L->buf, "%zu", len);
		L->is_tlv = 2;
		return;
	}
	if (!strcmp(key, "stamp_tlv") || !strncmp(key, "tlv", 3)) {
		L->is_tlv = 1;
		L->buf = &j->tlvtmp[j->depth];
		L->buf->len = 0;
		if (L->buf->p)
			L->buf->p[0] = '\0';
		sk_sbuf_putn(L->buf, "{", 1);
		j_key(L, "name");
		sk_json_str(L->buf, name, strlen(name));
		j_key(L, "offset");
		sk_sbuf_printf(L->buf, "%zu", off);
		j_key(L, "size");
		sk_sbuf_printf(L->buf, "%zu", len);
		return;
	}
	L->buf = parent->buf;
	j_key(parent, key);
	sk_sbuf_putn(L->buf, "{", 1);
}

static void j_close(void *ctx)
{
	struct sk_json_out *j = ctx;
	if (j->depth == 0)
		return;
	if (j->depth > SK_OUT_DEPTH) {
		j->depth--;
		return;
	}
	struct sk_json_level *L = &j->lv[j->depth];
	if (L->arr_open)
		sk_sbuf_putn(L->buf, "]", 1);
	if (L->is_tlv == 2) {
		sk_sbuf_putn(L->buf, "}", 1);
	} else if (L->is_tlv) {
		sk_sbuf_putn(L->buf, "}", 1);
		if (j->ntlvs++)
			sk_sbuf_putn(&j->tlvs, ",", 1);
		sk_sbuf_putn(&j->tlvs, L->buf->p ? L->buf->p : "", L->buf->len);
	} else if (L->buf) {
		sk_sbuf_putn(L->buf, "}", 1);
	}
	j->depth--;
}

static void j_ts(struct sk_sbuf *b, const struct sk_value *v)
{
	/* An NTP 0 is "not set" (a Start Time of now, a timestamp nobody took), not NTP era
	 * 1's 2036-02-07: no time, the raw value kept. */
	if (v->tsfmt != SK_TS_PTP && !v->u) {
		sk_sbuf_puts(b, "{\"time\":null,\"unix_ns\":null,\"raw\":\"0x0000000000000000\","
			     "\"format\":\"ntp\"}");
		return;
	}
	char iso[48];
	sk_ns_to_iso(v->ns, iso, sizeof iso);
	sk_sbuf_printf(b, "{\"time\":\"%s\",\"unix_ns\":%" PRId64 ",\"raw\":\"0x%016" PRIx64
			  "\",\"format\":\"%s\"",
		       iso, v->ns, v->u, v->tsfmt == SK_TS_PTP ? "ptp" : "ntp");
	if (v->tsfmt == SK_TS_PTP && !sk_ptp_valid(v->u))
		sk_sbuf_puts(b, ",\"valid\":false");
	sk_sbuf_puts(b, "}");
}

static void j_errest(struct sk_sbuf *b, uint16_t raw)
{
	struct sk_errest e;
	sk_errest_unpack(raw, &e);
	sk_sbuf_printf(b, "{\"raw\":%u,\"s\":%s,\"z\":%s,\"scale\":%u,\"multiplier\":%u,",
		       (unsigned)raw, e.s ? "true" : "false", e.z ? "true" : "false",
		       (unsigned)e.scale, (unsigned)e.mult);
	if (!e.mult) {
		sk_sbuf_puts(b, "\"error_ns\":null,\"valid\":false}");
		return;
	}
	uint64_t ns = sk_errest_ns(&e);
	if (ns == UINT64_MAX)
		sk_sbuf_puts(b, "\"error_ns\":null,\"valid\":true}");
	else
		sk_sbuf_printf(b, "\"error_ns\":%" PRIu64 ",\"valid\":true}", ns);
}

/* Inside a TLV object the header fields drop their "tlv_"/"sub_" prefix, so every TLV and
 * sub-TLV has plain "flags", "type" and "length" members. */
static const char *member_key(const struct sk_json_level *L, const char *key)
{
	if (L->is_tlv && !strncmp(key, "tlv_", 4))
		return key + 4;
	if (L->is_tlv && !strncmp(key, "sub_", 4))
		return key + 4;
	return key;
}

static void j_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	(void)off;
	struct sk_json_out *j = ctx;
	if (j->depth > SK_OUT_DEPTH)
		return;
	struct sk_json_level *L = target(j);
	if (!L->buf)
		return;
	char buf[400];
	if (zero_mbz_bits(f, v))
		return;
	const char *fk = member_key(L, f->key);
	switch (f->kind) {
	case SK_FK_UINT:
		j_key(L, fk);
		sk_sbuf_printf(L->buf, "%" PRIu64, v->u);
		if (v->vname) {
			char k[80];
			snprintf(k, sizeof k, "%s_name", fk);
			sk_sbuf_putn(L->buf, ",", 1);
			sk_json_str(L->buf, k, strlen(k));
			sk_sbuf_putn(L->buf, ":", 1);
			sk_json_str(L->buf, v->vname, strlen(v->vname));
		}
		if (f->bits) {
			char k[80];
			snprintf(k, sizeof k, "%s_bits", fk);
			sk_sbuf_putn(L->buf, ",", 1);
			sk_json_str(L->buf, k, strlen(k));
			sk_sbuf_puts(L->buf, ":[");
			int n = 0;
			for (const struct sk_bit *b = f->bits; b->name; b++)
				if (v->u & b->mask) {
					if (n++)
						sk_sbuf_putn(L->buf, ",", 1);
					const char *s = b->key ? b->key : b->name;
					sk_json_str(L->buf, s, strlen(s));
				}
			sk_sbuf_puts(L->buf, "]");
		}
		break;
	case SK_FK_TS:
		j_key(L, fk);
		j_ts(L->buf, v);
		break;
	case SK_FK_ERREST:
		j_key(L, fk);
		j_errest(L->buf, (uint16_t)v->u);
		break;
	case SK_FK_BYTES:
		j_key(L, fk);
		if (!v->p) {
			sk_sbuf_printf(L->buf, "%" PRIu64, v->u);
			if (v->vname) {
				char k[80];
				snprintf(k, sizeof k, "%s_name", fk);
				sk_sbuf_putn(L->buf, ",", 1);
				sk_json_str(L->buf, k, strlen(k));
				sk_sbuf_putn(L->buf, ":", 1);
				sk_json_str(L->buf, v->vname, strlen(v->vname));
			}
			break;
		}
		sk_sbuf_putn(L->buf, "\"", 1);
		for (size_t i = 0; i < v->len; i++)
			sk_sbuf_printf(L->buf, "%02x", v->p[i]);
		sk_sbuf_putn(L->buf, "\"", 1);
		break;
	case SK_FK_MBZ:
		if (!v->mbz_nonzero)
			return;
		j_key(L, fk);
		sk_sbuf_putn(L->buf, "\"", 1);
		for (size_t i = 0; i < v->len; i++)
			sk_sbuf_printf(L->buf, "%02x", v->p[i]);
		sk_sbuf_putn(L->buf, "\"", 1);
		break;
	case SK_FK_ADDR:
		j_key(L, fk);
		addr_into(v->p, v->len, buf, sizeof buf);
		sk_json_str(L->buf, buf, strlen(buf));
		break;
	case SK_FK_TEXT:
		j_key(L, fk);
		{
			size_t n = v->len;
			while (n && v->p[n - 1] == 0)
				n--;
			sk_json_str(L->buf, (const char *)v->p, n);
		}
		break;
	default:
		break;
	}
}

static void j_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *msg)
{
	struct sk_json_out *j = ctx;
	if (j->nprobs++)
		sk_sbuf_putn(&j->probs, ",", 1);
	sk_sbuf_printf(&j->probs, "{\"code\":\"%s\",\"kind\":\"%s\",\"offset\":%zu,\"message\":",
		       sk_strerror(r), sk_problem_name(kind), off);
	sk_json_str(&j->probs, msg, strlen(msg));
	sk_sbuf_putn(&j->probs, "}", 1);
}

void sk_json_visitor(struct sk_json_out *j, FILE *fp, struct sk_visitor *v)
{
	memset(j, 0, sizeof *j);
	j->fp = fp;
	memset(v, 0, sizeof *v);
	v->open = j_open;
	v->close = j_close;
	v->field = j_field;
	v->problem = j_problem;
	v->ctx = j;
	sk_json_begin(j);
}

static void reset(struct sk_sbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void sk_json_begin(struct sk_json_out *j)
{
	reset(&j->top);
	reset(&j->tlvs);
	reset(&j->probs);
	j->ntlvs = j->nprobs = j->seen_group = 0;
	j->depth = 0;
	j->error[0] = '\0';
	memset(&j->lv[0], 0, sizeof j->lv[0]);
	j->lv[0].buf = &j->top;
	j->lv[0].first = 1;
}

void sk_json_member_raw(struct sk_json_out *j, const char *key, const char *json)
{
	j_key(&j->lv[0], key);
	sk_sbuf_puts(&j->top, json);
}

void sk_json_member_str(struct sk_json_out *j, const char *key, const char *s)
{
	j_key(&j->lv[0], key);
	sk_json_str(&j->top, s, strlen(s));
}

void sk_json_member_int(struct sk_json_out *j, const char *key, long long v)
{
	j_key(&j->lv[0], key);
	sk_sbuf_printf(&j->top, "%lld", v);
}

void sk_json_member_null(struct sk_json_out *j, const char *key) { sk_json_member_raw(j, key, "null"); }

int sk_json_has(const struct sk_json_out *j, const char *key)
{
	for (unsigned i = 0; i < j->lv[0].nkeys; i++)
		if (!strcmp(j->lv[0].keys[i], key))
			return 1;
	return 0;
}

void sk_json_set_error(struct sk_json_out *j, const char *msg)
{
	if (!j->error[0])
		snprintf(j->error, sizeof j->error, "%s", msg);
}

void sk_json_end(struct sk_json_out *j, int with_tlvs)
{
	while (j->depth > 0)
		j_close(j);
	if (j->in_array && j->nwritten)
		fputs(",\n", j->fp);
	j->nwritten++;
	fputc('{', j->fp);
	fwrite(j->top.p ? j->top.p : "", 1, j->top.len, j->fp);
	const char *sep = j->top.len ? "," : "";
	if (with_tlvs) {
		fprintf(j->fp, "%s\"tlvs\":[", sep);
		fwrite(j->tlvs.p ? j->tlvs.p : "", 1, j->tlvs.len, j->fp);
		fputc(']', j->fp);
		sep = ",";
	}
	fprintf(j->fp, "%s\"problems\":[", sep);
	fwrite(j->probs.p ? j->probs.p : "", 1, j->probs.len, j->fp);
	fputs("],\"error\":", j->fp);
	if (j->error[0]) {
		struct sk_sbuf b = { 0 };
		sk_json_str(&b, j->error, strlen(j->error));
		fwrite(b.p ? b.p : "", 1, b.len, j->fp);
		sk_sbuf_free(&b);
	} else {
		fputs("null", j->fp);
	}
	fputs(j->in_array ? "}" : "}\n", j->fp);
	sk_json_begin(j);
}

void sk_json_free(struct sk_json_out *j)
{
	sk_sbuf_free(&j->top);
	sk_sbuf_free(&j->tlvs);
	sk_sbuf_free(&j->probs);
	for (int i = 0; i <= SK_OUT_DEPTH; i++)
		sk_sbuf_free(&j->tlvtmp[i]);
}
