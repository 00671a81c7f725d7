/* SPDX-License-Identifier: BSD-3-Clause */
/* jsonw.c - streaming compact JSON (RFC 8259) onto a FILE for the report writers. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "jsonw.h"

void sk_jw_init(struct sk_jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->more[0] = false;
}

void sk_jw_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The comma and the member name in front of a value. */
static void lead(struct sk_jw *w, const char *key)
{
	if (w->more[w->depth])
		fputc(',', w->f);
	w->more[w->depth] = true;
	if (key) {
		sk_jw_quote(w->f, key);
		fputc(':', w->f);
	}
}

static void jw_open(struct sk_jw *w, const char *key, char c)
{
	lead(w, key);
	fputc(c, w->f);
	/* Deeper than SK_JW_DEPTH is a programming error: stay at the last level. */
	if (w->depth < SK_JW_DEPTH)
		w->depth++;
	w->more[w->depth] = false;
}

static void jw_close(struct sk_jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth)
		w->depth--;
}

void sk_jw_obj(struct sk_jw *w, const char *key) { jw_open(w, key, '{'); }
void sk_jw_obj_end(struct sk_jw *w) { jw_close(w, '}'); }
void sk_jw_arr(struct sk_jw *w, const char *key) { jw_open(w, key, '['); }
void sk_jw_arr_end(struct sk_jw *w) { jw_close(w, ']'); }

void sk_jw_u64(struct sk_jw *w, const char *key, uint64_t v)
{
	lead(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void sk_jw_i64(struct sk_jw *w, const char *key, int64_t v)
{
	lead(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void sk_jw_fixed(struct sk_jw *w, const char *key, double v, int decimals)
{
	lead(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.*f", decimals, v);
	else
		fputs("null", w->f);
}

void sk_jw_double(struct sk_jw *w, const char *key, double v)
{
	lead(w, key);
	if (!isfinite(v)) {
		fputs("null", w->f);
		return;
	}
	/* The fewest digits that read back as the same double. */
	char b[40];
	for (int p = 6; p <= 17; p++) {
		snprintf(b, sizeof b, "%.*g", p, v);
		if (strtod(b, NULL) == v)
			break;
	}
	fputs(b, w->f);
}

void sk_jw_str(struct sk_jw *w, const char *key, const char *s)
{
	lead(w, key);
	if (s)
		sk_jw_quote(w->f, s);
	else
		fputs("null", w->f);
}

void sk_jw_bool(struct sk_jw *w, const char *key, bool v)
{
	lead(w, key);
	fputs(v ? "true" : "false", w->f);
}

void sk_jw_null(struct sk_jw *w, const char *key)
{
	lead(w, key);
	fputs("null", w->f);
}

void sk_jw_raw(struct sk_jw *w, const char *key, const char *json)
{
	lead(w, key);
	fputs(json && *json ? json : "null", w->f);
}
