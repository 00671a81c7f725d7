/* SPDX-License-Identifier: BSD-3-Clause */
/* tlvopt.c - parsing of the sender's --tlv option into codec TLV values (RFC 8972 §4.1-4.8,
 * RFC 9503 §3-4, RFC 9534 §3); encoding goes through sk_tlv_put_val / sk_tlv_put_*. */
#include "tlvopt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

const char sk_tlvopt_help[] =
	"  --tlv NAME[:k=v,...]  add a STAMP TLV to every request (repeatable):\n"
	"      padding:len=N              Extra Padding of N octets\n"
	"      location                   Location with Destination/Source IP sub-TLVs\n"
	"      timestamp-info             Timestamp Information\n"
	"      class-of-service:dscp1=D   Class of Service, DSCP asked for the reply\n"
	"      direct-measurement         Direct Measurement (S_TxC filled)\n"
	"      access-report:id=N,code=N  Access Report\n"
	"      follow-up-telemetry        Follow-Up Telemetry\n"
	"      hmac                       HMAC TLV (needs --hmac-key or --auth; always last)\n"
	"      destination-address:addr=IP   Destination Node Address (RFC 9503)\n"
	"      return-path:code=N | return-path:addr=IP   Return Path (RFC 9503)\n"
	"      micro-session:sender=N     Micro-session ID (RFC 9534)\n"
	"      raw:type=N,len=N           any other type, zero value (answered with U)\n";

enum { SUB_NONE, SUB_LOC, SUB_RP_CODE, SUB_RP_ADDR };

static int kv(const char **p, char *k, size_t kl, char *v, size_t vl)
{
	const char *s = *p;
	const char *eq = strchr(s, '=');
	if (!eq)
		return -1;
	const char *end = strchr(eq, ',');
	if (!end)
		end = eq + strlen(eq);
	if ((size_t)(eq - s) >= kl || (size_t)(end - eq - 1) >= vl)
		return -1;
	memcpy(k, s, (size_t)(eq - s));
	k[eq - s] = 0;
	memcpy(v, eq + 1, (size_t)(end - eq - 1));
	v[end - eq - 1] = 0;
	*p = *end ? end + 1 : end;
	return 0;
}

static int parse_addr(const char *v, struct sk_tlvopt *o)
{
	if (inet_pton(AF_INET, v, o->addr) == 1) {
		o->addr_len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, v, o->addr) == 1) {
		o->addr_len = 16;
		return 0;
	}
	return -1;
}

int sk_tlvopt_parse(const char *s, struct sk_tlvopt *o, char *err, size_t errlen)
{
	static const struct { const char *name; uint8_t type; } names[] = {
		{ "padding", SK_TLV_EXTRA_PADDING }, { "location", SK_TLV_LOCATION },
		{ "timestamp-info", SK_TLV_TIMESTAMP_INFO }, { "class-of-service", SK_TLV_COS },
		{ "direct-measurement", SK_TLV_DIRECT_MEASUREMENT },
		{ "access-report", SK_TLV_ACCESS_REPORT },
		{ "follow-up-telemetry", SK_TLV_FOLLOWUP_TELEMETRY }, { "hmac", SK_TLV_HMAC },
		{ "destination-address", SK_TLV_DEST_NODE_ADDR }, { "return-path", SK_TLV_RETURN_PATH },
		{ "micro-session", SK_TLV_MICRO_SESSION_ID }, { "raw", 0 },
	};
	memset(o, 0, sizeof *o);
	const char *colon = strchr(s, ':');
	size_t nl = colon ? (size_t)(colon - s) : strlen(s);
	int found = -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == nl && !strncmp(s, names[i].name, nl))
			found = (int)i;
	if (found < 0) {
		snprintf(err, errlen, "--tlv %s: unknown TLV name (see --help)", s);
		return -1;
	}
	o->type = names[found].type;
	o->val.type = o->type;
	bool raw = found == (int)(sizeof names / sizeof names[0]) - 1;
	if (o->type == SK_TLV_LOCATION)
		o->sub_kind = SUB_LOC;
	if (o->type == SK_TLV_ACCESS_REPORT) {
		o->val.u.access.access_id = 1;
		o->val.u.access.return_code = 1;
	}
	const char *p = colon ? colon + 1 : "";
	char k[32], v[64];
	while (*p) {
		if (kv(&p, k, sizeof k, v, sizeof v)) {
			snprintf(err, errlen, "--tlv %s: expected key=value pairs", s);
			return -1;
		}
		long n;
		int d;
		if (o->type == SK_TLV_EXTRA_PADDING && !strcmp(k, "len") && !sk_parse_long(v, 0, 9000, &n)) {
			o->raw_len = (size_t)n;
		} else if (raw && !strcmp(k, "type") && !sk_parse_long(v, 13, 255, &n)) {
			o->type = (uint8_t)n;
		} else if (raw && !strcmp(k, "len") && !sk_parse_long(v, 0, 9000, &n)) {
			o->raw_len = (size_t)n;
		} else if (o->type == SK_TLV_COS && !strcmp(k, "dscp1") && !sk_dscp_parse(v, &d)) {
			o->val.u.cos.dscp1 = (uint8_t)d;
		} else if (o->type == SK_TLV_ACCESS_REPORT && !strcmp(k, "id") &&
			   !sk_parse_long(v, 0, 15, &n)) {
			o->val.u.access.access_id = (uint8_t)n;
		} else if (o->type == SK_TLV_ACCESS_REPORT && !strcmp(k, "code") &&
			   !sk_parse_long(v, 0, 255, &n)) {
			o->val.u.access.return_code = (uint8_t)n;
		} else if (o->type == SK_TLV_DEST_NODE_ADDR && !strcmp(k, "addr") && !parse_addr(v, o)) {
		} else if (o->type == SK_TLV_RETURN_PATH && !strcmp(k, "addr") && !parse_addr(v, o)) {
			o->sub_kind = SUB_RP_ADDR;
		} else if (o->type == SK_TLV_RETURN_PATH && !strcmp(k, "code") &&
			   !sk_parse_long(v, 0, 0x7fffffff, &n)) {
			o->sub_kind = SUB_RP_CODE;
			o->val.u.control_code = (uint32_t)n;
		} else if (o->type == SK_TLV_MICRO_SESSION_ID && !strcmp(k, "sender") &&
			   !sk_parse_long(v, 0, 65535, &n)) {
			o->val.u.micro.sender_msid = (uint16_t)n;
		} else {
			snprintf(err, errlen, "--tlv %s: bad or unknown value '%s=%s'", s, k, v);
			return -1;
		}
	}
	if (raw && !o->type) {
		snprintf(err, errlen, "--tlv raw needs type=13..255");
		return -1;
	}
	o->val.type = o->type;
	if (o->type == SK_TLV_DEST_NODE_ADDR && !o->addr_len) {
		snprintf(err, errlen, "--tlv destination-address needs addr=IP");
		return -1;
	}
	if (o->type == SK_TLV_RETURN_PATH && o->sub_kind == SUB_NONE) {
		snprintf(err, errlen, "--tlv return-path needs code=N or addr=IP");
		return -1;
	}
	return 0;
}

enum sk_result sk_tlvopt_put(struct sk_wbuf *w, const struct sk_tlvopt *o, uint32_t s_txc)
{
	/* RFC 8972 §4: the Session-Sender sets U; a reflector that understood the TLV (or
	 * sub-TLV) clears it, one that only returns it leaves it set. */
	const uint8_t U = SK_TLV_F_U;
	struct sk_tlv_val v = o->val;
	switch (o->type) {
	case SK_TLV_EXTRA_PADDING:
		return sk_tlv_put_padding(w, U, o->raw_len);
	case SK_TLV_LOCATION: {
		/* Destination and Source IP sub-TLVs, zero: the reflector fills them. */
		static const uint8_t z16[16];
		size_t at = sk_tlv_begin(w, U, SK_TLV_LOCATION);
		v.u.loc.dst_port = v.u.loc.src_port = 0;
		sk_tlv_put_fixed(w, 0, &v);
		sk_tlv_put(w, U, SK_LOC_DST_IP, z16, 16);
		sk_tlv_put(w, U, SK_LOC_SRC_IP, z16, 16);
		return w->err ? w->err : sk_tlv_end(w, at);
	}
	case SK_TLV_DIRECT_MEASUREMENT:
		v.u.direct.s_txc = s_txc;
		return sk_tlv_put_val(w, U, 0, &v);
	case SK_TLV_DEST_NODE_ADDR:
		return sk_tlv_put(w, U, o->type, o->addr, o->addr_len);
	case SK_TLV_RETURN_PATH: {
		size_t at = sk_tlv_begin(w, U, SK_TLV_RETURN_PATH);
		if (o->sub_kind == SUB_RP_ADDR) {
			sk_tlv_put(w, U, SK_RP_RETURN_ADDRESS, o->addr, o->addr_len);
		} else {
			uint8_t cc[4];
			sk_be32(cc, o->val.u.control_code);
			sk_tlv_put(w, U, SK_RP_CONTROL_CODE, cc, 4);
		}
		return w->err ? w->err : sk_tlv_end(w, at);
	}
	case SK_TLV_TIMESTAMP_INFO: case SK_TLV_COS: case SK_TLV_ACCESS_REPORT:
	case SK_TLV_FOLLOWUP_TELEMETRY: case SK_TLV_MICRO_SESSION_ID:
		return sk_tlv_put_val(w, U, 0, &v);
	default: {
		size_t at = sk_tlv_begin(w, U, o->type);
		sk_put_zero(w, o->raw_len);
		return w->err ? w->err : sk_tlv_end(w, at);
	}
	}
}
