/* SPDX-License-Identifier: BSD-3-Clause */
/* montgt.c - one target of `stampkit monitor` (montgt.h): STAMP (RFC 8762, RFC 8972) or
 * TWAMP-light (RFC 5357 §4.1) requests, replies into the codec's session (metrics.h), the
 * intervals (ivl.h) and the exported series (mxport.h), as the sender does for one. */
#include "montgt.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"
#include "pcapout.h"
#include "report.h"
#include "sys.h"
#include "twlive.h"
#include "stampkit/crypto.h"
#include "stampkit/reflect.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"
#include "stampkit/twamp_control.h"

static void setup_codec(struct sk_montgt *t)
{
	const struct sk_montarget *c = &t->c;
	uint8_t proto = c->mode == SK_MON_STAMP ? SK_PROTO_STAMP : SK_PROTO_TWAMP;
	/* Mode twamp: mixed protects the test packets as authenticated (RFC 5618). */
	t->sec = c->mode == SK_MON_TWAMP ? sk_twmode_sec(c->security)
		 : c->key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH;
	t->padding = c->padding == -2 ? (proto == SK_PROTO_TWAMP ? 27 : 0) : c->padding;
	sk_reflect_request_len(proto, t->sec, 0, &t->fixed);
	t->min_len = proto == SK_PROTO_TWAMP && t->fixed < SK_TWAMP_REFLECTOR_MIN
			     ? SK_TWAMP_REFLECTOR_MIN : t->fixed;
	t->so = (struct sk_test_opts){ .proto = proto, .role = SK_ROLE_SENDER, .sec = t->sec };
	if (c->key_len) {
		t->so.stamp_key = c->key;
		t->so.stamp_key_len = c->key_len;
	} else if (c->hmac_key_len) {
		t->so.stamp_key = c->hmac_key;
		t->so.stamp_key_len = c->hmac_key_len;
	}
	t->ro = t->so;
	t->ro.role = SK_ROLE_REFLECTOR;
}

struct sk_montgt *sk_montgt_open(const struct sk_montarget *c, struct sk_mx *mx,
				 int64_t period_ns, int64_t grace_ns, bool keep_delays,
				 int64_t ivl_start_mono, int64_t ivl_start_real)
{
	struct sk_montgt *t = calloc(1, sizeof *t);
	if (!t) {
		sk_warn("target %s: out of memory", c->name);
		return NULL;
	}
	memcpy(&t->c, c, sizeof t->c);
	t->ev_test = (struct sk_monev){ t, 0 };
	t->ev_ctl = (struct sk_monev){ t, 1 };
	memcpy(&t->peer, &c->remote, sizeof t->peer);
	t->peer_len = c->remote_len;
	t->tw_waiting = true;
	t->io.ops = &sk_io_udp;
	t->io.fd = -1;
	struct sockaddr_storage local;
	socklen_t llen = c->local_len;
	char err[300];
	memcpy(&local, &c->local, sizeof local);
	if (!llen) { /* any address of the target's family, a free port */
		memset(&local, 0, sizeof local);
		local.ss_family = c->remote.ss_family;
		llen = c->remote.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						       : sizeof(struct sockaddr_in);
	}
	struct sk_io_opts io = { .tos = c->tos, .ttl = -1, .rx_timestamps = true };
	if (t->io.ops->open(&t->io, (struct sockaddr *)&local, llen, &io, err, sizeof err)) {
		sk_warn("target %s: %s", c->name, err);
		free(t);
		return NULL;
	}
	uint8_t fam, a[16] = { 0 };
	uint16_t port;
	sk_sockaddr_unpack((struct sockaddr *)&t->io.bound, &fam, a, &port);
	static const uint8_t any[16];
	if (memcmp(a, any, sizeof a) ||
	    sk_source_for((struct sockaddr *)&c->remote, c->remote_len, port, &t->src))
		memcpy(&t->src, &t->io.bound, sizeof t->src);
	double pkts = c->rate * ((double)(grace_ns + period_ns) / 1e9) * 2;
	struct sk_session_config scfg = {
		.window = pkts < 1024 ? 1024 : pkts > 65536 ? 65536 : (uint32_t)pkts,
		.mode = c->mode == SK_MON_STAMP ? SK_REFLECTOR_AUTO : SK_REFLECTOR_STATEFUL,
	};
	if (sk_session_create(&t->sess, &scfg) != SK_OK ||
	    sk_ivl_init(&t->ivl, period_ns, grace_ns, keep_delays, ivl_start_mono,
			ivl_start_real)) {
		sk_warn("target %s: out of memory", c->name);
		sk_montgt_close(t);
		return NULL;
	}
	setup_codec(t);
	t->ipv6 = c->remote.ss_family == AF_INET6;
	sk_sockaddr_str((const struct sockaddr *)&c->remote, t->rs, sizeof t->rs);
	t->interval_ns = 1e9 / c->rate;
	t->start_mono = sk_now_mono_ns();
	/* Targets started together would all send at once: spread the first packets over
	 * one interval of each. */
	t->next_send = t->start_mono + (int64_t)((double)random() / RAND_MAX * t->interval_ns);
	t->mx = mx;
	if (mx && !(t->mxs = sk_mx_session_add(mx, c->name, c->address, sk_monmode_name(c->mode))))
		sk_warn("target %s: out of memory: not exported", c->name);
	return t;
}

void sk_montgt_close(struct sk_montgt *t)
{
	if (!t)
		return;
	if (t->mxs)
		sk_mx_session_remove(t->mx, t->mxs);
	if (t->io.fd >= 0)
		t->io.ops->close(&t->io);
	sk_session_free(t->sess);
	sk_ivl_free(&t->ivl);
	/* The key of a secure twamp target and the test keys derived from it. */
	volatile uint8_t *p = (volatile uint8_t *)t;
	for (size_t i = 0; i < sizeof *t; i++)
		p[i] = 0;
	free(t);
}

static long next_padding(const struct sk_montgt *t)
{
	if (t->padding >= 0)
		return t->padding;
	size_t l = 14 + (size_t)sk_imix_pick(t->ipv6);
	if (l < t->min_len)
		l = t->min_len;
	long pad = (long)(l - t->fixed);
	if (t->c.mode == SK_MON_STAMP && pad > 0 && pad < 4)
		pad = 4;
	return pad;
}

/* The request: fixed part, then (STAMP) TLVs, padding as Extra Padding, HMAC last
 * (RFC 8972 §4.8), every TLV with U set (§4). 0 or -1. */
static int encode(struct sk_montgt *t, uint8_t *buf, size_t cap, uint16_t errest, size_t *len)
{
	static const uint8_t zeros[SK_MON_MAX_PKT];
	const struct sk_montarget *c = &t->c;
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = (uint32_t)t->sent;
	p.error_estimate = errest;
	p.ssid = c->ssid;
	long pad = next_padding(t);
	if (c->mode != SK_MON_STAMP) {
		p.tail = zeros;
		p.tail_len = (size_t)pad;
	}
	p.timestamp = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, SK_TAI_UTC_DEFAULT);
	size_t n = 0;
	if (sk_test_encode(&p, &t->so, buf, cap, &n) != SK_OK)
		return -1;
	/* TWAMP authenticated/encrypted: the test session's keys (RFC 5357 §4.1.2). */
	if (c->mode == SK_MON_TWAMP &&
	    sk_twamp_test_protect(t->sec, 0, t->tw_aes, t->tw_hmac, buf, n) != SK_OK)
		return -1;
	if (c->mode == SK_MON_STAMP && (pad > 0 || c->ntlv || c->hmac_tlv)) {
		struct sk_wbuf w;
		sk_wbuf_init(&w, buf, cap);
		w.off = n;
		for (unsigned i = 0; i < c->ntlv; i++)
			sk_tlvopt_put(&w, &c->tlvs[i], p.seq + 1);
		if (pad > 0)
			sk_tlv_put_padding(&w, SK_TLV_F_U, (size_t)pad - SK_TLV_HDR_LEN);
		if (c->hmac_tlv)
			sk_tlv_put_hmac(&w, SK_TLV_F_U, t->fixed, t->so.stamp_key,
					t->so.stamp_key_len);
		if (w.err)
			return -1;
		n = w.off;
	}
	*len = n;
	return 0;
}

void sk_montgt_set_peer(struct sk_montgt *t, uint16_t port)
{
	uint8_t fam, a[16] = { 0 };
	uint16_t old;
	sk_sockaddr_unpack((struct sockaddr *)&t->c.remote, &fam, a, &old);
	sk_sockaddr_pack(fam, a, port, &t->peer, &t->peer_len);
}

void sk_montgt_send(struct sk_montgt *t, uint8_t *buf, uint16_t errest, int64_t now_mono)
{
	if (t->c.mode == SK_MON_TWAMP) {
		if (!t->tw_running) { /* nothing to send to yet: look again in an interval */
			t->tw_waiting = true;
			t->next_send = now_mono + (int64_t)t->interval_ns;
			return;
		}
		if (t->tw_waiting) /* the schedule starts now, without catching up */
			t->start_mono = now_mono - (int64_t)((double)t->sent * t->interval_ns);
		t->tw_waiting = false;
	}
	struct sk_io_msg m = { .buf = buf, .cap = SK_MON_MAX_PKT, .set_tos = -1 };
	memcpy(&m.peer, &t->peer, sizeof m.peer);
	m.peerlen = t->peer_len;
	if (encode(t, buf, SK_MON_MAX_PKT, errest, &m.len)) {
		if (t->send_errors++ == 0)
			sk_warn("target %s: the request does not fit in %d octets", t->c.name,
				SK_MON_MAX_PKT);
	} else if (t->io.ops->send_batch(&t->io, &m, 1) != 1) {
		/* Lost: counted as sent, never answered; said once per target. */
		if (t->send_errors++ == 0)
			sk_warn("target %s: send to %s: %s", t->c.name, t->rs, strerror(errno));
	}
	t->sent++;
	if (t->mxs) {
		sk_mx_lock(t->mx);
		t->mxs->sent++;
		sk_mx_unlock(t->mx);
	}
	/* An absolute schedule; a loop that fell far behind skips ahead instead of bursting. */
	t->next_send = t->start_mono + (int64_t)((double)t->sent * t->interval_ns);
	if (t->next_send < now_mono - 1000000000LL) {
		t->start_mono = now_mono - (int64_t)((double)t->sent * t->interval_ns);
		t->next_send = now_mono;
	}
}

/* Decodes a reply and decides whether it counts (as the sender's decode_reply). */
static bool decode(struct sk_montgt *t, const struct sk_io_msg *m, struct sk_test_pkt *p)
{
	static uint8_t plain[SK_MON_MAX_PKT + 1];
	const uint8_t *b = m->buf;
	enum sk_result r = SK_OK;
	/* TWAMP authenticated/encrypted: decrypted and its HMAC checked first (SK_E_AUTH: a
	 * reply that does not verify is bad, never used). */
	if (t->c.mode == SK_MON_TWAMP && t->sec != SK_SEC_UNAUTH) {
		if (m->len > sizeof plain ||
		    sk_twamp_test_unprotect(t->sec, 1, t->tw_aes, t->tw_hmac, m->buf, m->len, plain,
					    sizeof plain, NULL) != SK_OK)
			r = SK_E_AUTH;
		b = plain;
	}
	if (r == SK_OK)
		r = sk_test_decode(b, m->len, &t->ro, p, NULL, NULL);
	size_t reply_min = t->sec == SK_SEC_UNAUTH ? 38 : t->fixed;
	if (m->truncated || m->len < reply_min || r == SK_E_AUTH ||
	    (r == SK_E_TRUNCATED && m->len < t->fixed)) {
		t->bad++;
		return false;
	}
	/* RFC 8972 §3: an RFC 8762-only reflector answers with SSID 0. */
	if (t->c.mode == SK_MON_STAMP && p->ssid != t->c.ssid && p->ssid != 0) {
		t->foreign++;
		return false;
	}
	if (p->sender_seq >= t->sent) {
		t->bad++;
		return false;
	}
	return true;
}

static void take(struct sk_montgt *t, const struct sk_io_msg *m, int64_t user_t4)
{
	struct sk_test_pkt p;
	if (!sk_sockaddr_equal((const struct sockaddr *)&m->peer,
			       (const struct sockaddr *)&t->peer)) {
		t->foreign++;
		return;
	}
	if (!decode(t, m, &p)) {
		if (t->mxs) {
			sk_mx_lock(t->mx);
			t->mxs->bad_replies = t->bad;
			sk_mx_unlock(t->mx);
		}
		return;
	}
	struct sk_reply_info info;
	if (!sk_ivl_take_reply(&t->ivl, t->sess, &p, m->rx_ns ? m->rx_ns : user_t4, t->mx, t->mxs,
			       &info)) {
		t->late++; /* after its loss timeout: lost, in the intervals and the totals */
		return;
	}
	t->replies++;
	if (sk_log_enabled(SK_LOG_INFO))
		sk_log(SK_LOG_INFO, "%s: reply from %s [sseq=%u rtt=%.3fms]", t->c.name, t->rs,
		       p.sender_seq, (double)info.delays.rtt_ns / 1e6);
}

void sk_montgt_recv(struct sk_montgt *t, struct sk_io_msg *rx)
{
	for (;;) {
		int n = t->io.ops->recv_batch(&t->io, rx, SK_IO_BATCH);
		if (n <= 0)
			return;
		int64_t user_t4 = sk_now_real_ns();
		for (int i = 0; i < n; i++)
			take(t, &rx[i], user_t4);
		if (n < SK_IO_BATCH)
			return;
	}
}

void sk_montgt_closed(struct sk_montgt *t, const struct sk_ivl_stats *s, bool final)
{
	uint64_t sent = sk_ivl_sent(s);
	bool down = sent && !s->received;
	if (!final && down && !t->down)
		sk_warn("target %s (%s): no reply in the last interval (%llu sent); still trying",
			t->c.name, t->rs, (unsigned long long)sent);
	else if (!final && !down && t->down && s->received)
		sk_warn("target %s (%s): answers again", t->c.name, t->rs);
	if (sent && !final)
		t->down = down;
	if (!t->mxs)
		return;
	struct sk_session_summary sum;
	sk_session_summary(t->sess, t->sent, &sum);
	sk_mx_lock(t->mx);
	t->mxs->lost += sent - s->received;
	/* Mode twamp: down while no test session runs (the control connection says why). */
	t->mxs->up = !t->down && (t->c.mode != SK_MON_TWAMP || t->tw_running);
	if (sum.outbound_lost > t->mxs->lost_out)
		t->mxs->lost_out = sum.outbound_lost;
	if (sum.inbound_lost > t->mxs->lost_in)
		t->mxs->lost_in = sum.inbound_lost;
	sk_mx_unlock(t->mx);
}

void sk_montgt_rsession(struct sk_montgt *t, struct sk_rsession *r, unsigned index)
{
	struct sk_session_summary sum;
	sk_session_finish(t->sess);
	sk_session_summary(t->sess, t->sent, &sum);
	if (sum.received)
		sk_rsession_from_sender(r, t->sess, t->sent);
	else
		sk_rsession_silent(r, t->sent);
	r->index = index;
	sk_sockaddr_str((struct sockaddr *)&t->src, r->sender, sizeof r->sender);
	snprintf(r->reflector, sizeof r->reflector, "%s", t->rs);
	r->mode = t->c.mode == SK_MON_STAMP ? SK_RMODE_STAMP
		  : t->c.mode == SK_MON_TWAMP ? SK_RMODE_TWAMP : SK_RMODE_TWAMP_LIGHT;
	r->has_ssid = t->c.mode == SK_MON_STAMP;
	r->ssid = t->c.ssid;
	sk_rsession_kv_str(r, "name", "target", t->c.name);
	/* Mode twamp: the Set-Up-Response's mode; otherwise the test packets' (STAMP key). */
	sk_rsession_kv_str(r, "security", "security",
			   t->c.mode == SK_MON_TWAMP ? sk_tw_mode_name(t->c.security)
						 : sk_sec_name(t->sec));
	sk_rsession_kv_u64(r, "late", t->late ? "replies after their loss timeout" : NULL,
			   t->late);
	sk_rsession_kv_u64(r, "bad_replies", t->bad ? "malformed replies ignored" : NULL, t->bad);
	sk_rsession_kv_u64(r, "foreign", t->foreign ? "replies from elsewhere ignored" : NULL,
			   t->foreign);
	sk_rsession_kv_u64(r, "send_errors", t->send_errors ? "send errors" : NULL,
			   t->send_errors);
}
