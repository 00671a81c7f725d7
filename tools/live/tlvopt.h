/* SPDX-License-Identifier: BSD-3-Clause */
/* tlvopt.h - the sender's --tlv option: a STAMP TLV named on the command line, with its
 * values, appended to every request through the codec's encoders (RFC 8972 §4, RFC 9503,
 * RFC 9534). */
#ifndef STAMPKIT_TOOLS_TLVOPT_H
#define STAMPKIT_TOOLS_TLVOPT_H

#include <stddef.h>
#include <stdint.h>

#include "stampkit/cursor.h"
#include "stampkit/tlv.h"

#define SK_TLVOPT_MAX 16

struct sk_tlvopt {
	uint8_t type;
	struct sk_tlv_val val;
	size_t raw_len;         /* opaque value length (padding, unknown types) */
	uint8_t sub_kind;       /* Location / Return Path sub-TLVs wanted */
	uint8_t addr[16];
	uint8_t addr_len;       /* Destination Node / Return Address */
};

/* Parse "NAME[:key=value,...]" into o. 0 ok; -1 with a message in err. */
int sk_tlvopt_parse(const char *s, struct sk_tlvopt *o, char *err, size_t errlen);
/* Append one TLV to w (the packet being built). s_txc is this packet's Session-Sender
 * transmit counter (Direct Measurement). The HMAC TLV is appended by the caller. */
enum sk_result sk_tlvopt_put(struct sk_wbuf *w, const struct sk_tlvopt *o, uint32_t s_txc);
/* The list of names for --help. */
extern const char sk_tlvopt_help[];

#endif
