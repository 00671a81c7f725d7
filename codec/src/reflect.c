/* SPDX-License-Identifier: BSD-3-Clause */
/* reflect.c - Session-Reflector packets from Session-Sender packets: RFC 8762 §4.3,
 * RFC 5357 §4.1.2 and §4.2.1, RFC 6038 §4.2, RFC 8972 §4.1-4.8, RFC 9503 §3-4, RFC 9534 §3. */
#include <string.h>

#include "stampkit/crypto.h"
#include "stampkit/cursor.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"

static size_t sender_fixed_len(uint8_t proto, uint8_t sec)
{
	if (proto == SK_PROTO_TWAMP)
		return sec == SK_SEC_UNAUTH ? SK_TWAMP_SENDER_MIN : 0; /* secure: encrypted seq */
	if (proto == SK_PROTO_STAMP)
		return sec == SK_SEC_AUTH ? SK_STAMP_AUTH_LEN
		       : sec == SK_SEC_UNAUTH ? SK_STAMP_UNAUTH_LEN : 0;
	return 0;
}

enum sk_result sk_reflect_request_len(uint8_t proto, uint8_t sec, size_t padding, size_t *len)
{
	size_t base = sender_fixed_len(proto, sec);
	if (!base || !len)
		return SK_E_ARG;
	/* STAMP octets after the fixed part are TLVs: padding is an Extra Padding TLV, whose
	 * 4-octet header is part of the count. */
	if (proto == SK_PROTO_STAMP && padding > 0 && padding < SK_TLV_HDR_LEN)
		return SK_E_INVALID;
	if (padding > 65535 - base)
		return SK_E_INVALID;
	*len = base + padding;
	return SK_OK;
}

enum sk_result sk_reflect_peek(const uint8_t *req, size_t len, const struct sk_reflect_cfg *cfg,
			       uint32_t *sender_seq, uint16_t *ssid)
{
	if (!cfg || !sender_seq || !ssid)
		return SK_E_ARG;
	size_t base = sender_fixed_len(cfg->proto, cfg->sec);
	if (!base)
		return SK_E_ARG;
	struct sk_cur c;
	sk_cur_init(&c, req, len);
	/* RFC 8762 §4.6: a shorter unauthenticated request is a TWAMP-light sender's (SSID 0). */
	bool short_ok = cfg->proto == SK_PROTO_STAMP && cfg->sec == SK_SEC_UNAUTH &&
			len >= SK_TWAMP_SENDER_MIN;
	if (len < base && !short_ok)
		return SK_E_TRUNCATED;
	*sender_seq = sk_get_u32(&c);
	*ssid = 0;
	if (cfg->proto == SK_PROTO_STAMP && len >= base) {
		/* SSID follows the timestamp and error estimate (RFC 8972 §3). */
		sk_cur_skip(&c, cfg->sec == SK_SEC_AUTH ? 22 : 10);
		*ssid = sk_get_u16(&c);
	}
	return c.err;
}

void sk_reflect_note_tx(struct sk_reflect_state *st, uint32_t seq, int64_t tx_ns, uint8_t mode)
{
	if (!st)
		return;
	st->have_prev = true;
	st->prev_seq = seq;
	st->prev_tx_ns = tx_ns;
	st->prev_ts_mode = mode;
}

/* The first non-zero octet of req[a..b), or 0 when they are all zero (a > 0). */
static size_t first_nonzero(const uint8_t *req, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (req[i])
			return i;
	return 0;
}

/* Octet ranges [a, b) where a reflector packet carries Receive Timestamp, Session-Sender
 * Sequence Number, Timestamp, Error Estimate and TTL while a sender packet has MBZ. */
struct span { uint8_t a, b; };
static const struct span refl_unauth[] = { { 16, 38 }, { 40, 41 } }; /* RFC 8762 §4.3.1 */
static const struct span refl_auth[] = { { 32, 40 }, { 48, 52 }, { 64, 74 }, { 80, 81 } }; /* §4.3.2 */

static bool any_span(const uint8_t *req, size_t len, const struct span *sp, size_t n, size_t *off)
{
	for (size_t i = 0; i < n; i++) {
		if (len <= sp[i].a)
			return false;
		/* A STAMP reflector answers a short request (RFC 8762 §4.6), so the reflector
		 * fields a short packet does hold count too: a TWAMP-light reflector's 38-octet
		 * reply carries its Receive Timestamp at 16. A sender's zero padding never does. */
		size_t at = first_nonzero(req, sp[i].a, len < sp[i].b ? len : sp[i].b);
		if (at) {
			if (off)
				*off = at;
			return true;
		}
	}
	return false;
}

/* TWAMP-light: padding can be anything, so a plausible reflector packet is what counts:
 * T2 near our clock, T3 shortly after T2, a Sender TTL. */
static bool twamp_light_reflected(const uint8_t *req, size_t len, int64_t now_ns, size_t *off)
{
	if (len < SK_TWAMP_REFLECTOR_MIN || req[40] == 0)
		return false;
	struct sk_cur c;
	sk_cur_init(&c, req, len);
	sk_cur_skip(&c, 4);
	uint64_t t3w = sk_get_u64(&c);
	uint16_t ee = sk_get_u16(&c);
	sk_cur_skip(&c, 2);
	uint64_t t2w = sk_get_u64(&c);
	if (c.err || !t2w || !t3w)
		return false;
	enum sk_ts_fmt fmt = sk_errest_fmt(ee);
	int64_t t2 = sk_ts_to_ns(t2w, fmt, SK_TAI_UTC_DEFAULT);
	int64_t t3 = sk_ts_to_ns(t3w, fmt, SK_TAI_UTC_DEFAULT);
	const int64_t w = (int64_t)SK_REFLECTED_WINDOW_S * 1000000000LL;
	if (t2 < now_ns - w || t2 > now_ns + w || t3 < t2 || t3 - t2 > w)
		return false;
	if (off)
		*off = 16;
	return true;
}

bool sk_reflect_is_reflected(const uint8_t *req, size_t len, const struct sk_reflect_cfg *cfg,
			     int64_t now_ns, size_t *off)
{
	if (!req || !cfg)
		return false;
	if (cfg->proto == SK_PROTO_STAMP) {
		if (cfg->sec == SK_SEC_AUTH)
			return any_span(req, len, refl_auth, 4, off);
		return any_span(req, len, refl_unauth, 2, off);
	}
	if (cfg->proto != SK_PROTO_TWAMP || cfg->sec != SK_SEC_UNAUTH)
		return false;
	if (cfg->features & SK_TF_SYMMETRICAL) /* RFC 6038 §4.2: sender MBZ 14-40 */
		return any_span(req, len, refl_unauth, 2, off);
	return twamp_light_reflected(req, len, now_ns, off);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The fields a TWAMP-light Session-Sender packet has (RFC 5357 §4.1.2: Sequence Number,
 * Timestamp, Error Estimate); everything else reads as zero (SSID 0). */
static void short_request(const uint8_t *req, struct sk_test_pkt *rq)
{
	struct sk_cur c;
	memset(rq, 0, sizeof *rq);
	sk_cur_init(&c, req, SK_TWAMP_SENDER_MIN);
	rq->seq = sk_get_u32(&c);
	rq->timestamp = sk_get_u64(&c);
	rq->error_estimate = sk_get_u16(&c);
}

/* Reply TLV flags: the reflector's own verdict replaces whatever the sender put there. */
static void set_flags(uint8_t *out, size_t hdr_off, uint8_t flags)
{
	out[hdr_off] = flags;
}

static void put_addr16(uint8_t *dst, const uint8_t *addr, uint8_t family)
{
	memset(dst, 0, 16);
	memcpy(dst, addr, family == 6 ? 16 : 4);
}

/* Location (RFC 8972 §4.2): ports and the addresses seen. A generic Destination/Source IP
 * sub-TLV (4, 7) is answered with the specific type of the family seen (5/6, 8/9); a
 * specific one of the other family gets U. Link-layer addresses are not visible on a UDP
 * socket: a Source MAC / EUI-48 / EUI-64 sub-TLV is answered as a zeroed Source EUI-64
 * sub-TLV (the reflector does not know it). Returns 1 when a sub-TLV was malformed. */
static int answer_location(const struct sk_tlv *t, const struct sk_reflect_rx *rx, uint8_t *out,
			   struct sk_reflect_info *info)
{
	uint8_t *v = out + t->off + SK_TLV_HDR_LEN;
	sk_be16(v, rx->dport);
	sk_be16(v + 2, rx->sport);
	struct sk_tlv_iter it;
	struct sk_tlv s;
	int bad = 0;
	sk_tlv_iter_sub(&it, t, 4);
	while (sk_tlv_next(&it, &s)) {
		uint8_t *sv = out + s.off + SK_TLV_HDR_LEN;
		uint8_t fl = 0;
		int dst = s.type >= SK_LOC_DST_IP && s.type <= SK_LOC_DST_IPV6;
		int src = s.type >= SK_LOC_SRC_IP && s.type <= SK_LOC_SRC_IPV6;
		if (dst || src) {
			int generic = s.type == SK_LOC_DST_IP || s.type == SK_LOC_SRC_IP;
			int v4 = s.type == SK_LOC_DST_IPV4 || s.type == SK_LOC_SRC_IPV4;
			int fam_ok = generic || (v4 ? rx->family == 4 : rx->family == 6);
			if (s.length != 16) {
				fl = SK_TLV_F_M;
			} else if (!fam_ok) {
				fl = SK_TLV_F_U;
			} else {
				put_addr16(sv, dst ? rx->dst : rx->src, rx->family);
				uint8_t first = dst ? SK_LOC_DST_IPV4 : SK_LOC_SRC_IPV4;
				out[s.off + 1] = (uint8_t)(first + (rx->family == 6 ? 1 : 0));
			}
		} else if (s.type >= SK_LOC_SRC_MAC && s.type <= SK_LOC_SRC_EUI64) {
			if (s.length != 8) {
				fl = SK_TLV_F_M;
			} else {
				memset(sv, 0, 8);
				out[s.off + 1] = SK_LOC_SRC_EUI64;
			}
		} else {
			fl = SK_TLV_F_U; /* unassigned sub-TLV type */
		}
		if (fl == SK_TLV_F_U)
			info->unknown++;
		if (fl == SK_TLV_F_M)
			bad = 1;
		set_flags(out, s.off, fl);
	}
	if (it.err)
		bad = 1;
	return bad;
}

static void put_fixed_at(uint8_t *out, const struct sk_tlv *t, struct sk_tlv_val *val)
{
	struct sk_wbuf w;
	sk_wbuf_init(&w, out + t->off + SK_TLV_HDR_LEN, t->length);
	(void)sk_tlv_put_fixed(&w, 0, val);
}

/* RFC 6038 §4.2 for TWAMP: the reply's octets after its fixed part (n octets) up to rlen
 * are zero, except that the reflected octets open them: only what the request carried
 * after its own fixed part (base) and the reply has room for. */
static void twamp_tail(uint8_t *out, size_t n, size_t rlen, const uint8_t *req, size_t len,
		       size_t base, const struct sk_reflect_cfg *cfg)
{
	if (rlen <= n)
		return;
	memset(out + n, 0, rlen - n);
	if (!(cfg->features & SK_TF_REFLECT_OCTETS))
		return;
	size_t k = cfg->reflect_len;
	if (k > len - base)
		k = len - base;
	if (k > rlen - n)
		k = rlen - n;
	memcpy(out + n, req + base, k);
}

/* TWAMP authenticated and encrypted modes (RFC 5357 §4.1.2, §4.2.1). Only the fixed part
 * of the request is decrypted (into a local copy): padding is never encrypted, and the
 * reflected octets come from it as they arrived. */
static enum sk_result build_twamp_secure(const uint8_t *req, size_t len,
					 const struct sk_reflect_cfg *cfg,
					 const struct sk_reflect_rx *rx, struct sk_reflect_state *st,
					 int64_t t3_ns, uint8_t *out, size_t cap,
					 struct sk_reflect_info *info, struct sk_error *err)
{
	enum sk_sec tsec = (enum sk_sec)cfg->sec;
	uint8_t feat = cfg->features;
	/* A symmetrical request has the reflector's shape, HMAC at 96, reflector coverage. */
	int sym = (feat & SK_TF_SYMMETRICAL) ? 1 : 0;
	size_t base = sym ? SK_TWAMP_REFLECTOR_AUTH_LEN : SK_TWAMP_SENDER_AUTH_LEN;
	if (!cfg->test_aes || !cfg->test_hmac)
		return sk_error_set(err, SK_E_ARG, 0, "no test keys for a secure TWAMP session");
	if (len < base)
		return sk_error_set(err, SK_E_TRUNCATED, len, "request of %zu octets, at least %zu needed",
				    len, base);
	uint8_t plain[SK_TWAMP_REFLECTOR_AUTH_LEN];
	enum sk_result r = sk_twamp_test_unprotect(tsec, sym, cfg->test_aes, cfg->test_hmac, req,
						   base, plain, sizeof plain, NULL);
	if (r == SK_E_AUTH)
		return sk_error_set(err, SK_E_AUTH, 0, "HMAC of the request does not verify");
	if (r != SK_OK)
		return sk_error_set(err, r, 0, "request could not be decrypted");
	struct sk_test_opts so = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_SENDER, .sec = cfg->sec,
				   .features = feat };
	struct sk_test_pkt rq;
	r = sk_test_decode(plain, base, &so, &rq, NULL, NULL);
	if (r != SK_OK)
		return sk_error_set(err, r, 0, "request does not decode");
	size_t rlen = len;
	if (len < SK_TWAMP_REFLECTOR_AUTH_LEN) {
		if (!cfg->allow_short)
			return sk_error_set(err, SK_E_UNSUPPORTED, 0,
					    "request of %zu octets: a 112-octet reply would be larger", len);
		rlen = SK_TWAMP_REFLECTOR_AUTH_LEN;
	}
	if (cap < rlen)
		return sk_error_set(err, SK_E_NOSPACE, 0, "reply buffer too small");

	struct sk_test_pkt rp;
	memset(&rp, 0, sizeof rp);
	rp.seq = st->next_seq;
	rp.timestamp = sk_ts_from_ns(t3_ns, SK_TS_NTP, 0);
	rp.error_estimate = cfg->error_estimate;
	rp.rx_timestamp = sk_ts_from_ns(rx->t2_ns, SK_TS_NTP, 0);
	rp.sender_seq = rq.seq;
	rp.sender_timestamp = rq.timestamp;
	rp.sender_error_estimate = rq.error_estimate;
	rp.sender_ttl = rx->ttl < 0 || rx->ttl > 255 ? 255 : (uint8_t)rx->ttl;
	if (feat & SK_TF_DSCP_ECN) {
		rp.sender_dscp = rx->tos >= 0 ? (uint8_t)(((unsigned)rx->tos >> 2) & 0x3f) : 0;
		rp.sender_ecn = rx->tos >= 0 ? (uint8_t)(rx->tos & 3) : 0;
	}
	struct sk_test_opts ro = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_REFLECTOR,
				   .sec = cfg->sec, .features = feat & SK_TF_DSCP_ECN };
	size_t n = 0;
	r = sk_test_encode(&rp, &ro, out, cap, &n);
	if (r)
		return sk_error_set(err, r, 0, "reply could not be encoded");
	twamp_tail(out, n, rlen, req, len, base, cfg);
	r = sk_twamp_test_protect(tsec, 1, cfg->test_aes, cfg->test_hmac, out, rlen);
	if (r)
		return sk_error_set(err, r, 0, "reply could not be protected");
	st->rx_count++;
	st->next_seq++;
	st->tx_count++;
	info->len = rlen;
	info->sender_seq = rq.seq;
	info->reflector_seq = rp.seq;
	return SK_OK;
}

/* RFC 8972 §4.8: does the HMAC TLV check fail? With a key: a wrong HMAC, an HMAC TLV not
 * last (only Extra Padding may follow it: "processed as HMAC verification failure"), or, in
 * the authenticated mode, no HMAC TLV although TLVs other than Extra Padding are present
 * (the HMAC TLV MUST be included then). Without a key nothing can be checked. */
static bool hmac_failed(const uint8_t *req, size_t len, size_t base,
			const struct sk_reflect_cfg *cfg, const struct sk_test_pkt *rq)
{
	if (!cfg->key)
		return false;
	struct sk_tlv_iter it;
	struct sk_tlv t;
	bool has_hmac = false, other = false;
	sk_tlv_iter_init(&it, req + base, len - base, base);
	while (sk_tlv_next(&it, &t)) {
		has_hmac |= t.type == SK_TLV_HMAC;
		other |= t.type != SK_TLV_HMAC && t.type != SK_TLV_EXTRA_PADDING;
	}
	if (it.err == SK_E_INVALID && it.kind == SK_PROB_TLV_MALFORMED)
		return true; /* a TLV other than Extra Padding after the HMAC TLV */
	if (has_hmac && rq->tlv_hmac_status == SK_HMAC_ST_BAD)
		return true;
	return cfg->sec == SK_SEC_AUTH && !has_hmac && other;
}

/* RFC 9534 §3: a non-zero Reflector micro-session ID that is not ours: the packet is
 * discarded. Only TLVs the reflector processes count (the walk stops where a malformed
 * TLV stops processing, RFC 8972 §4). */
static bool msid_mismatch(const uint8_t *req, size_t len, size_t base,
			  const struct sk_reflect_cfg *cfg)
{
	struct sk_tlv_iter it;
	struct sk_tlv t;
	struct sk_tlv_val val;
	sk_tlv_iter_init(&it, req + base, len - base, base);
	while (sk_tlv_next(&it, &t)) {
		if (sk_tlv_value_decode(&t, 0, &val, NULL) != SK_OK)
			return false;
		if (t.type == SK_TLV_MICRO_SESSION_ID && val.u.micro.reflector_msid &&
		    val.u.micro.reflector_msid != cfg->reflector_msid)
			return true;
	}
	return false;
}

/* Every TLV header that fits, in wire order (also past an HMAC TLV that is not last). */
static void flag_all(uint8_t *out, size_t base, size_t len, uint8_t flags)
{
	size_t off = base;
	while (off + SK_TLV_HDR_LEN <= len) {
		size_t l = ((size_t)out[off + 2] << 8) | out[off + 3];
		if (off + SK_TLV_HDR_LEN + l > len)
			break;
		out[off] = flags;
		off += SK_TLV_HDR_LEN + l;
	}
}

/* One TLV answered in place in the reply (RFC 8972 §4.1-4.8, RFC 9503 §3-4, RFC 9534 §3).
 * Returns its flags; SK_TLV_F_M stops the processing of the TLVs after it (§4). */
static uint8_t answer_one(const struct sk_tlv *t, size_t base, const struct sk_reflect_cfg *cfg,
			  const struct sk_reflect_rx *rx, struct sk_reflect_state *st,
			  enum sk_ts_fmt fmt, int tai, uint8_t *out, struct sk_reflect_info *info)
{
	struct sk_tlv_val val;
	bool ok = sk_tlv_value_decode(t, 0, &val, NULL) == SK_OK;
	uint8_t *v = out + t->off + SK_TLV_HDR_LEN;
	switch (t->type) {
	case SK_TLV_EXTRA_PADDING:
		return 0;
	case SK_TLV_LOCATION:
		if (t->length < 4)
			return SK_TLV_F_M;
		return answer_location(t, rx, out, info) ? SK_TLV_F_M : 0;
	case SK_TLV_FOLLOWUP_TELEMETRY:
		/* §4.7: zeroed by a stateless reflector (it keeps no previous reply); the value
		 * of a malformed one is zeroed too, so no sender octets read as telemetry. */
		memset(v, 0, t->length);
		if (!ok)
			return SK_TLV_F_M;
		if (!cfg->stateful)
			return 0;
		info->followup = true;
		memset(&val.u.followup, 0, sizeof val.u.followup);
		if (st->have_prev) {
			val.u.followup.fu_seq = st->prev_seq;
			val.u.followup.fu_timestamp = sk_ts_from_ns(st->prev_tx_ns, fmt, tai);
			val.u.followup.ts_mode = st->prev_ts_mode;
		}
		put_fixed_at(out, t, &val);
		return 0;
	default:
		break;
	}
	if (!ok)
		return SK_TLV_F_M;
	switch (t->type) {
	case SK_TLV_ACCESS_REPORT:
		/* §4.6: an Access ID other than 1 (3GPP) or 2 (non-3GPP) is invalid and the TLV
		 * is discarded: its place is kept (the reply stays as long as the request,
		 * RFC 8762 §4.3) as a zero-filled Extra Padding TLV. Valid ones are
		 * informational for the reflector and returned as they came. */
		if (val.u.access.access_id != 1 && val.u.access.access_id != 2) {
			out[t->off + 1] = SK_TLV_EXTRA_PADDING;
			memset(v, 0, t->length);
		}
		return 0;
	case SK_TLV_TIMESTAMP_INFO:
		val.u.tsinfo.sync_src_in = cfg->sync_src;
		val.u.tsinfo.ts_in = cfg->ts_method_in;
		val.u.tsinfo.sync_src_out = cfg->sync_src;
		val.u.tsinfo.ts_out = cfg->ts_method_out;
		put_fixed_at(out, t, &val);
		return 0;
	case SK_TLV_COS:
		/* DSCP2/ECN: what arrived; RP 0: the reply is sent with DSCP1. */
		val.u.cos.dscp2 = rx->tos >= 0 ? (uint16_t)((unsigned)rx->tos >> 2) : 0;
		val.u.cos.ecn = rx->tos >= 0 ? (uint8_t)(rx->tos & 3) : 0;
		val.u.cos.rp = 0;
		info->reply_tos = (int)(val.u.cos.dscp1 << 2);
		put_fixed_at(out, t, &val);
		return 0;
	case SK_TLV_DIRECT_MEASUREMENT:
		val.u.direct.r_rxc = st->rx_count;
		val.u.direct.r_txc = st->tx_count;
		put_fixed_at(out, t, &val);
		return 0;
	case SK_TLV_HMAC:
		if (!cfg->key) {
			info->unknown++;
			return SK_TLV_F_U; /* no key: cannot check nor recompute */
		}
		/* Verified (hmac_failed): a fresh HMAC over the reply's own Sequence Number
		 * and the TLVs before it, as answered (§4.8). */
		(void)sk_tlv_hmac_compute(out, out + base, t->off - base, cfg->key, cfg->key_len, v);
		return 0;
	case SK_TLV_DEST_NODE_ADDR:
		if ((val.u.addr.len == 4 && rx->family == 4 && !memcmp(val.u.addr.addr, rx->dst, 4)) ||
		    (val.u.addr.len == 16 && rx->family == 6 && !memcmp(val.u.addr.addr, rx->dst, 16)))
			return 0;
		info->unknown++;
		return SK_TLV_F_U; /* RFC 9503 §3: not an address of this reflector */
	case SK_TLV_MICRO_SESSION_ID:
		/* RFC 9534 §3: a non-zero ID was checked (msid_mismatch); ours goes in. */
		val.u.micro.reflector_msid = cfg->reflector_msid;
		put_fixed_at(out, t, &val);
		return 0;
	default:
		/* Return Path (the reply cannot be steered from a socket), Reflected Test
		 * Packet Control, unassigned and private types: returned with U. */
		info->unknown++;
		return SK_TLV_F_U;
	}
}

/* The TLV area of a STAMP reply, already a copy of the request's (RFC 8972 §4): each TLV
 * answered with the reflector's own flags (U cleared for the types it understands). A
 * failed HMAC check (§4.8) stops all TLV processing: every TLV is returned as received
 * with only the I flag. A malformed TLV gets M and stops the processing there: it and
 * the TLVs after it stay as received (§4). */
static void answer_tlvs(const uint8_t *req, size_t len, size_t base,
			const struct sk_reflect_cfg *cfg, const struct sk_reflect_rx *rx,
			struct sk_reflect_state *st, bool hmac_fail, enum sk_ts_fmt fmt, int tai,
			uint8_t *out, struct sk_reflect_info *info)
{
	struct sk_tlv_iter it;
	struct sk_tlv t;
	sk_tlv_iter_init(&it, req + base, len - base, base);
	if (hmac_fail) {
		while (sk_tlv_next(&it, &t))
			info->tlvs++;
		info->tlv_hmac_bad = true;
		flag_all(out, base, len, SK_TLV_F_I);
		return;
	}
	while (sk_tlv_next(&it, &t)) {
		info->tlvs++;
		uint8_t fl = answer_one(&t, base, cfg, rx, st, fmt, tai, out, info);
		set_flags(out, t.off, fl);
		if (fl & SK_TLV_F_M) {
			info->tlv_malformed = true;
			return;
		}
	}
	if (it.err) {
		info->tlv_malformed = true;
		if (it.err_off + SK_TLV_HDR_LEN <= len)
			set_flags(out, it.err_off, SK_TLV_F_M);
	}
}

enum sk_result sk_reflect_build(const uint8_t *req, size_t len, const struct sk_reflect_cfg *cfg,
				const struct sk_reflect_rx *rx, struct sk_reflect_state *st,
				int64_t t3_ns, uint8_t *out, size_t cap,
				struct sk_reflect_info *info, struct sk_error *err)
{
	if (!req || !cfg || !rx || !st || !out || !info)
		return sk_error_set(err, SK_E_ARG, 0, "missing argument");
	memset(info, 0, sizeof *info);
	info->reply_tos = -1;
	if (cfg->proto == SK_PROTO_TWAMP && cfg->sec != SK_SEC_UNAUTH) {
		if (cfg->sec != SK_SEC_AUTH && cfg->sec != SK_SEC_ENCRYPTED)
			return sk_error_set(err, SK_E_ARG, 0, "unsupported reflector configuration");
		return build_twamp_secure(req, len, cfg, rx, st, t3_ns, out, cap, info, err);
	}
	size_t base = sender_fixed_len(cfg->proto, cfg->sec);
	if (!base || (cfg->sec == SK_SEC_AUTH && !cfg->key))
		return sk_error_set(err, SK_E_ARG, 0, "unsupported reflector configuration");
	uint8_t feat = cfg->proto == SK_PROTO_TWAMP ? cfg->features : 0;
	if (feat & SK_TF_SYMMETRICAL)
		base = SK_TWAMP_REFLECTOR_MIN; /* RFC 6038 §4.2: sender as long as the reply */
	int is_stamp = cfg->proto == SK_PROTO_STAMP;
	/* RFC 8762 §4.6: a STAMP reflector answers a request shorter than the base packet (a
	 * TWAMP-light sender's, RFC 5357 §4.1.2: 14 octets and its padding) with the base
	 * packet; unauthenticated mode only, the one both protocols share. */
	bool short_stamp = is_stamp && cfg->sec == SK_SEC_UNAUTH && len < base &&
			   len >= SK_TWAMP_SENDER_MIN;
	if (short_stamp && !cfg->allow_short)
		return sk_error_set(err, SK_E_UNSUPPORTED, 0,
				    "request of %zu octets: a %zu-octet reply would be larger", len, base);
	if (len < base && !short_stamp)
		return sk_error_set(err, SK_E_TRUNCATED, len, "request of %zu octets, at least %zu needed",
				    len, base);

	struct sk_test_opts so = { .proto = cfg->proto, .role = SK_ROLE_SENDER, .sec = cfg->sec,
				   .features = feat };
	if (is_stamp) {
		so.stamp_key = cfg->key;
		so.stamp_key_len = cfg->key_len;
	}
	struct sk_test_pkt rq;
	struct sk_error derr;
	enum sk_result r = SK_OK;
	if (short_stamp)
		short_request(req, &rq); /* its octets after 14 are padding, not STAMP fields */
	else
		r = sk_test_decode(req, len, &so, &rq, NULL, &derr);
	if (r == SK_E_AUTH)
		return sk_error_set(err, SK_E_AUTH, derr.offset, "HMAC of the request does not verify");
	/* A TWAMP-light sender's zero padding after the base packet is copied as it came
	 * (RFC 8762 §4.6, symmetrical size), not answered as a run of reserved type-0 TLVs. */
	bool zero_tail = is_stamp && len > base && all_zero(req + base, len - base);
	/* A malformed TLV area still leaves a complete fixed part: answer it with M set. */
	info->tlv_malformed = is_stamp && r != SK_OK && !zero_tail;
	/* A short request or a zero tail has no TLVs: no HMAC TLV, no Micro-session ID. */
	bool has_tlvs = is_stamp && !short_stamp && !zero_tail;
	bool hmac_fail = has_tlvs && hmac_failed(req, len, base, cfg, &rq);
	if (has_tlvs && !hmac_fail && msid_mismatch(req, len, base, cfg))
		return sk_error_set(err, SK_E_STATE, 0,
				    "Reflector Micro-session ID is not this reflector's: discarded");

	size_t rlen = short_stamp ? base : len;
	if (!is_stamp && len < SK_TWAMP_REFLECTOR_MIN) {
		if (!cfg->allow_short)
			return sk_error_set(err, SK_E_UNSUPPORTED, 0,
					    "request of %zu octets: a 41-octet reply would be larger", len);
		rlen = SK_TWAMP_REFLECTOR_MIN;
	}
	if (cap < rlen)
		return sk_error_set(err, SK_E_NOSPACE, 0, "reply buffer too small");

	int tai = cfg->tai_utc ? cfg->tai_utc : SK_TAI_UTC_DEFAULT;
	enum sk_ts_fmt fmt = cfg->ts_fmt == SK_TS_PTP ? SK_TS_PTP : SK_TS_NTP;
	struct sk_test_pkt rp;
	memset(&rp, 0, sizeof rp);
	rp.seq = cfg->stateful || !is_stamp ? st->next_seq : rq.seq;
	rp.timestamp = sk_ts_from_ns(t3_ns, fmt, tai);
	rp.error_estimate = cfg->error_estimate;
	rp.ssid = rq.ssid;
	rp.rx_timestamp = sk_ts_from_ns(rx->t2_ns, fmt, tai);
	rp.sender_seq = rq.seq;
	rp.sender_timestamp = rq.timestamp;
	rp.sender_error_estimate = rq.error_estimate;
	rp.sender_ttl = rx->ttl < 0 || rx->ttl > 255 ? 255 : (uint8_t)rx->ttl;
	if (feat & SK_TF_DSCP_ECN) {
		/* RFC 7750 §4: what arrived; an unknown TOS reads as 0 (best effort, Not-ECT). */
		rp.sender_dscp = rx->tos >= 0 ? (uint8_t)(((unsigned)rx->tos >> 2) & 0x3f) : 0;
		rp.sender_ecn = rx->tos >= 0 ? (uint8_t)(rx->tos & 3) : 0;
	}
	struct sk_test_opts ro = so;
	ro.role = SK_ROLE_REFLECTOR;
	size_t n = 0;
	r = sk_test_encode(&rp, &ro, out, cap, &n);
	if (r)
		return sk_error_set(err, r, 0, "reply could not be encoded");
	if (!is_stamp && rlen < n)
		rlen = n; /* the negotiated DSCP/ECN octet makes the reply 42 octets */
	/* Reflector and sender fixed parts have the same size in STAMP; in TWAMP-light the rest
	 * of the request's length is padding (RFC 6038 symmetric size), zero-filled. */
	if (is_stamp && !short_stamp)
		memcpy(out + base, req + base, len - base);
	else if (!is_stamp)
		twamp_tail(out, n, rlen, req, len, base, cfg);

	st->rx_count++;
	if (cfg->stateful || !is_stamp)
		st->next_seq++;
	st->tx_count++;
	info->len = rlen;
	info->sender_seq = rq.seq;
	info->reflector_seq = rp.seq;
	info->ssid = rq.ssid;
	if (!is_stamp || short_stamp || zero_tail)
		return SK_OK;

	answer_tlvs(req, len, base, cfg, rx, st, hmac_fail, fmt, tai, out, info);
	return SK_OK;
}
