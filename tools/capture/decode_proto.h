/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_proto.h - the protocol glue of `stampkit decode` the engine calls: test packets,
 * TWAMP-Control connections, negotiated test sessions and their keys. */
#ifndef STAMPKIT_TOOLS_DECODE_PROTO_H
#define STAMPKIT_TOOLS_DECODE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "decode_int.h"
#include "discover.h"
#include "tcpstream.h"

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
