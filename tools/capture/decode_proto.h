/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_proto.h - state shared by the decode engine and its protocol glue (test packets,
 * TWAMP-Control connections, negotiated test sessions and their keys). */
#ifndef STAMPKIT_TOOLS_DECODE_PROTO_H
#define STAMPKIT_TOOLS_DECODE_PROTO_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "decode_int.h"
#include "discover.h"
#include "output.h"
#include "tcpstream.h"
#include "stampkit/fields.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"


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
	uint64_t shown, bad_packets, short_frames, tcp_overflow;
};

/* Output helpers (decode_engine.c). */
void sk_dec_begin(struct sk_dec *e, const char *kind);
void sk_dec_member_str(struct sk_dec *e, const char *key, const char *label, const char *val);
void sk_dec_member_int(struct sk_dec *e, const char *key, const char *label, long long val);
void sk_dec_member_bool(struct sk_dec *e, const char *key, const char *label, int val);
void sk_dec_member_null(struct sk_dec *e, const char *key);
void sk_dec_error(struct sk_dec *e, enum sk_problem kind, enum sk_result r, size_t off,
		  const char *msg);
void sk_dec_end(struct sk_dec *e, int with_tlvs);

/* Protocol glue (decode_proto.c). */
int sk_dec_proto_init(struct sk_dec *e);
void sk_dec_proto_done(struct sk_dec *e);
/* how: "port" or "heuristic" (ignored when s, a negotiated session, is given). */
void sk_dec_test(struct sk_dec *e, const uint8_t *p, size_t n, int role, struct sk_twsess *s,
		 const char *how);
void sk_dec_control_open(struct sk_dec *e, struct sk_tcpconn *c);
void sk_dec_control_close(struct sk_dec *e, struct sk_tcpconn *c);
void sk_dec_control_data(struct sk_dec *e, struct sk_tcpconn *c, int dir, const uint8_t *p,
			 size_t n);
void sk_dec_control_gap(struct sk_dec *e, struct sk_tcpconn *c, int dir, uint32_t missing);

#endif
