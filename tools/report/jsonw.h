/* SPDX-License-Identifier: BSD-3-Clause */
/* jsonw.h - a streaming JSON writer onto a FILE: compact output (no spaces), commas and
 * nesting tracked here so the report writers only say what goes where. */
#ifndef STAMPKIT_TOOLS_JSONW_H
#define STAMPKIT_TOOLS_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SK_JW_DEPTH 16

struct sk_jw {
	FILE *f;
	unsigned depth;
	bool more[SK_JW_DEPTH + 1]; /* a member/element was written at this level */
};

void sk_jw_init(struct sk_jw *w, FILE *f);
/* key: the member name inside an object; NULL for an array element or the top value. */
void sk_jw_obj(struct sk_jw *w, const char *key);
void sk_jw_obj_end(struct sk_jw *w);
void sk_jw_arr(struct sk_jw *w, const char *key);
void sk_jw_arr_end(struct sk_jw *w);
void sk_jw_u64(struct sk_jw *w, const char *key, uint64_t v);
void sk_jw_i64(struct sk_jw *w, const char *key, int64_t v);
/* A fixed number of decimals ("%.3f"); NaN and infinities are written as null. */
void sk_jw_fixed(struct sk_jw *w, const char *key, double v, int decimals);
/* Shortest round-trip form ("%.17g" trimmed to what is needed); null for NaN/inf. */
void sk_jw_double(struct sk_jw *w, const char *key, double v);
void sk_jw_str(struct sk_jw *w, const char *key, const char *s);
void sk_jw_bool(struct sk_jw *w, const char *key, bool v);
void sk_jw_null(struct sk_jw *w, const char *key);
/* An already formed JSON value. */
void sk_jw_raw(struct sk_jw *w, const char *key, const char *json);
/* A string literal (quotes and escapes) without member handling. */
void sk_jw_quote(FILE *f, const char *s);

#endif
