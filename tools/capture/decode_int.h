/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_int.h - the state of one `stampkit decode` run and its output helpers
 * (decode_out.c), shared by the engine (decode_engine.c) and the protocol glue
 * (decode_proto.c). The engine calls the glue; both write through these helpers, so the
 * glue never calls back into the engine. */
#ifndef STAMPKIT_TOOLS_DECODE_INT_H
#define STAMPKIT_TOOLS_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "decode.h"
#include "discover.h"
#include "output.h"
#include "tcpstream.h"
#include "stampkit/fields.h"
#include "stampkit/net.h"

struct sk_dec {
	const struct sk_decode_opts *o;
	FILE *out, *diag;
	struct sk_visitor outv;   /* the output (text or JSON) */
	struct sk_visitor v;      /* what decoders get: counts problems, forwards to outv */
	struct sk_text_out text;
	struct sk_json_out json;
	struct sk_frame frame;
	struct sk_pkt pkt;
	uint64_t cur_frame;
	struct sk_disc disc;
	struct sk_tcpstream *tcp;
	int pkt_errors;  /* problems reported for the current packet */
	int pkt_failed;  /* the decoder returned truncated/invalid/auth for it */
	/* What the summary counts: packets shown (test packets and control records), those
	 * truncated or malformed, frames read and cut short, TCP segments not followed. */
	uint64_t shown, test_packets, control_messages, bad_packets;
	uint64_t frames, short_frames, tcp_overflow;
	uint64_t bad_udp; /* UDP to/from a test port with a malformed IP/UDP header */
};

/* Sets up the text or JSON output on e->out and the counting visitor e->v. */
void sk_dec_out_init(struct sk_dec *e);
void sk_dec_out_free(struct sk_dec *e);
/* JSON only: the document around the packets, {"command":"decode",...,"packets":[ and
 * ],"summary":{...}} (docs/json-schema.md). */
void sk_dec_doc_begin(struct sk_dec *e);
void sk_dec_doc_end(struct sk_dec *e, int damaged);

/* One packet (kind "test") or control record (kind "control"): begin, members, end. */
void sk_dec_begin(struct sk_dec *e, const char *kind);
void sk_dec_member_str(struct sk_dec *e, const char *key, const char *label, const char *val);
void sk_dec_member_int(struct sk_dec *e, const char *key, const char *label, long long val);
void sk_dec_member_bool(struct sk_dec *e, const char *key, const char *label, int val);
void sk_dec_member_null(struct sk_dec *e, const char *key);
/* A problem of the packet (counted, shown in the packet). */
void sk_dec_error(struct sk_dec *e, enum sk_problem kind, enum sk_result r, size_t off,
		  const char *msg);
/* The decoder's verdict on the packet: truncated, invalid, HMAC failure (r != SK_OK). */
void sk_dec_result(struct sk_dec *e, enum sk_result r, const struct sk_error *err);
void sk_dec_end(struct sk_dec *e, int with_tlvs);

#endif
