/* SPDX-License-Identifier: BSD-3-Clause */
/* output.h - the two visitors of `stampkit decode`: a readable tree and one JSON object per
 * packet per line. Both take the codec's field tables through struct sk_visitor (fields.h). */
#ifndef STAMPKIT_TOOLS_OUTPUT_H
#define STAMPKIT_TOOLS_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "stampkit/fields.h"

/* A growable text buffer (tools only: the codec never allocates while decoding). */
struct sk_sbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void sk_sbuf_putn(struct sk_sbuf *b, const char *s, size_t n);
void sk_sbuf_puts(struct sk_sbuf *b, const char *s);
void sk_sbuf_printf(struct sk_sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void sk_sbuf_free(struct sk_sbuf *b);
/* Appends s as a JSON string literal (quotes included); n octets, not NUL-terminated. */
void sk_json_str(struct sk_sbuf *b, const char *s, size_t n);

#define SK_OUT_DEPTH 16
#define SK_OUT_KEYS 96

/* Text tree. */
struct sk_text_out {
	FILE *fp;
	int depth;
	int tai_utc;
};
void sk_text_visitor(struct sk_text_out *t, FILE *fp, struct sk_visitor *v);
/* A line at the current indent (packet summaries, control notes). */
void sk_text_line(struct sk_text_out *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* JSON: members of the packet object are collected, then written on one line by
 * sk_json_end. "stamp_tlv" groups become elements of the "tlvs" array ("stamp_subtlv" ones
 * elements of their parent's "subtlvs"); other
 * nested groups become nested objects; the outermost group's fields are members of the
 * packet object itself. */
struct sk_json_level {
	int is_tlv;   /* 1: element of tlvs, 2: element of its parent's subtlvs */
	int arr_open; /* a subtlvs array is open in this object */
	int arr_n;
	int first;
	unsigned nkeys;
	const char *keys[SK_OUT_KEYS];
	struct sk_sbuf *buf;
};
struct sk_json_out {
	FILE *fp;
	struct sk_sbuf top;     /* members of the packet object, comma-separated */
	struct sk_sbuf tlvs;    /* elements of the tlvs array */
	struct sk_sbuf probs;   /* elements of the problems array */
	int ntlvs, nprobs, seen_group, has_tlvs;
	int depth;              /* open groups */
	struct sk_json_level lv[SK_OUT_DEPTH + 1];
	struct sk_sbuf tlvtmp[SK_OUT_DEPTH + 1];
	char error[200];        /* the decoder's verdict (truncated/invalid/auth), "" if none */
	int tai_utc;
	/* Objects are elements of an array (decode's "packets"): each still on a line of its
	 * own, the lines after the first preceded by a comma, the last one without a newline. */
	int in_array;
	unsigned long nwritten;
};
void sk_json_visitor(struct sk_json_out *j, FILE *fp, struct sk_visitor *v);
/* Start a packet object: resets state. */
void sk_json_begin(struct sk_json_out *j);
/* Add members to the packet object: raw JSON value, string, integer, null. */
void sk_json_member_raw(struct sk_json_out *j, const char *key, const char *json);
void sk_json_member_str(struct sk_json_out *j, const char *key, const char *s);
void sk_json_member_int(struct sk_json_out *j, const char *key, long long v);
void sk_json_member_null(struct sk_json_out *j, const char *key);
/* 1 if the packet object already has a member named key. */
int sk_json_has(const struct sk_json_out *j, const char *key);
/* Record the packet's error (the decoder's result); the first one is kept. */
void sk_json_set_error(struct sk_json_out *j, const char *msg);
/* Write the object on one line (adds "tlvs", "problems", "error" members) and reset. */
void sk_json_end(struct sk_json_out *j, int with_tlvs);
void sk_json_free(struct sk_json_out *j);

/* Shared formatting: a field value as readable text into buf. */
void sk_out_field_text(const struct sk_field *f, const struct sk_value *v, char *buf, size_t len);

#endif
