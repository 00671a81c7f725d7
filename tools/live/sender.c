/* SPDX-License-Identifier: BSD-3-Clause */
/* sender.c - the Session-Sender of `stampkit sender`: STAMP (RFC 8762 §4.2, RFC 8972) or
 * TWAMP-light (RFC 5357 §4.1) requests on an absolute schedule; results from the codec's
 * metrics (RFC 3550 jitter, RFC 4737 reordering, RFC 5560 duplicates). */
#include "sender.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "ivl.h"
#include "log.h"
#include "mxport.h"
#include "parse.h"
#include "sys.h"
#include "output.h"
#include "pcapout.h"
#include "report.h"
#include "udpio.h"
#include "stampkit/metrics.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"

#define MAX_PKT 65535

/* What the run counted besides the codec's session. */
struct run {
	uint64_t sent, send_errors, bad_replies, foreign, beyond, replies;
	int64_t first_send_mono, last_send_mono;
	uint64_t tlv_replies, tlv_u, tlv_m, tlv_i, tlv_c, tlv_hmac_bad;
	uint64_t ssid_zero;   /* replies with SSID 0 to a non-zero --ssid, accepted */
	/* Per TLV we send (the --tlv ones in order, then Extra Padding, then HMAC): replies
	 * where the reflector understood it (U clear, no M or I) and the flags it set. */
	struct tlvstat { uint8_t type; uint64_t understood, u, m, i; } each[SK_TLVOPT_MAX + 2];
	uint64_t uniq;        /* distinct packets answered (ends the wait early) */
	uint64_t late;        /* replies after their interval closed: left out (ivl.h) */
	bool kernel_t4;
	bool interrupted;
};

struct sender {
	const struct sender_opts *o;
	struct sk_io io;
	struct sk_pcapout *pc;
	struct sockaddr_storage src_addr; /* our address as routed towards REMOTE */
	bool have_src;
	char rs[64], rhost[64];
	uint8_t sec;
	size_t fixed;        /* the mode's fixed request length */
	size_t min_len;      /* the smallest symmetric request */
	long padding;        /* resolved default */
	bool ipv6;
	uint16_t errest;
	double interval_ns;
	int64_t start, deadline;
	struct sk_test_opts so, ro;
	struct sk_session *sess;
	struct sk_hist send_late; /* actual send time - scheduled time */
	uint8_t *txbuf, *rxbuf;
	struct sk_io_msg tx[SK_IO_BATCH], rx[SK_IO_BATCH];
	struct run run;
	/* --report-interval and --metrics: packets by interval, closed --timeout after its end */
	bool use_ivl;
	struct sk_ivl ivl;
	struct sk_mx *mx;
	struct sk_mx_session *mxs;
	char tlv_json[3072], send_json[256]; /* raw members of the session object */
	char tlv_text[1024];
};


/* Scheduled send time of packet seq (CLOCK_MONOTONIC): an absolute schedule, no drift. */
static int64_t slot(const struct sender *st, uint64_t seq)
{
	return st->start + (int64_t)((double)seq * st->interval_ns);
}

/* Socket, capture file, session, buffers; the request layout of the mode. 0, or the exit
 * status after a message. */
static int sender_open(struct sender *st)
{
	const struct sender_opts *o = st->o;
	char err[300];
	st->io.ops = o->raw_iface ? &sk_io_raw : &sk_io_udp;
	st->io.fd = -1;
	struct sk_io_opts io_opts = {
		.tos = o->tos, .ttl = o->ttl, .dont_fragment = o->dont_fragment,
		.rx_timestamps = true, .bufsize = 4 << 20, .hw_iface = o->hw_iface,
		.raw_iface = o->raw_iface, .flow_label = o->flow_label,
		.freebind = o->raw_iface != NULL,
	};
	memcpy(io_opts.raw_mac, o->raw_mac, 6);
	if (st->io.ops->open(&st->io, (const struct sockaddr *)&o->local, o->local_len, &io_opts,
			     err, sizeof err)) {
		sk_diag("%s", err);
		return 1;
	}
	uint8_t bf, ba[16];
	uint16_t bp;
	sk_sockaddr_unpack((struct sockaddr *)&st->io.bound, &bf, ba, &bp);
	st->have_src = !sk_source_for((const struct sockaddr *)&o->remote, o->remote_len, bp,
				      &st->src_addr);
	if (o->pcap_out) {
		st->pc = sk_pcapout_open(o->pcap_out, err, sizeof err);
		if (!st->pc || !st->have_src) {
			sk_diag("--pcap-out: %s", st->pc ? "no route" : err);
			return 1;
		}
	}
	if (!st->have_src)
		memcpy(&st->src_addr, &st->io.bound, sizeof st->src_addr);
	st->ipv6 = o->remote.ss_family == AF_INET6;
	if (o->raw_iface && !strcmp(o->raw_iface, "lo") && !st->ipv6)
		sk_diag("note: the kernel drops IPv4 packets from 127.0.0.0/8 injected on lo as "
			"martians (unless route_localnet is set); IPv6 or another interface works");
	sk_sockaddr_str((const struct sockaddr *)&o->remote, st->rs, sizeof st->rs);
	sk_sockaddr_host((const struct sockaddr *)&o->remote, st->rhost, sizeof st->rhost);

	st->sec = o->key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH;
	st->padding = o->padding == -2 ? (o->proto == SK_PROTO_TWAMP ? 27 : 0) : o->padding;
	sk_reflect_request_len((uint8_t)o->proto, st->sec, 0, &st->fixed);
	st->min_len = o->proto == SK_PROTO_TWAMP ? SK_TWAMP_REFLECTOR_MIN : st->fixed;
	st->so = (struct sk_test_opts){ .proto = (uint8_t)o->proto, .role = SK_ROLE_SENDER,
					.sec = st->sec };
	if (o->key_len) {
		st->so.stamp_key = o->key;
		st->so.stamp_key_len = o->key_len;
	} else if (o->tlv_key_len) { /* the HMAC TLV of the unauthenticated mode */
		st->so.stamp_key = o->tlv_key;
		st->so.stamp_key_len = o->tlv_key_len;
	}
	st->ro = st->so;
	st->ro.role = SK_ROLE_REFLECTOR;

	struct sk_session_config scfg = {
		.window = (uint32_t)(o->count < 65536 ? (o->count < 64 ? 64 : o->count) : 65536),
		.mode = o->reflector_mode >= 0 ? (enum sk_reflector_mode)o->reflector_mode
			: o->proto == SK_PROTO_TWAMP ? SK_REFLECTOR_STATEFUL : SK_REFLECTOR_AUTO,
	};
	st->txbuf = malloc((size_t)SK_IO_BATCH * MAX_PKT);
	st->rxbuf = malloc((size_t)SK_IO_BATCH * MAX_PKT);
	if (sk_session_create(&st->sess, &scfg) != SK_OK || !st->txbuf || !st->rxbuf) {
		sk_diag("out of memory");
		return 1;
	}
	sk_hist_init(&st->send_late);
	for (int i = 0; i < SK_IO_BATCH; i++) {
		struct sk_io_msg *t = &st->tx[i], *r = &st->rx[i];
		t->buf = st->txbuf + (size_t)i * MAX_PKT;
		t->cap = MAX_PKT;
		t->set_tos = -1;
		memcpy(&t->peer, &o->remote, sizeof t->peer);
		t->peerlen = o->remote_len;
		r->buf = st->rxbuf + (size_t)i * MAX_PKT;
		r->cap = MAX_PKT;
	}
	if (o->metrics) {
		st->mx = sk_mx_open(o->metrics, err, sizeof err);
		if (!st->mx) {
			sk_diag("--metrics: %s", err);
			return 1;
		}
		st->mxs = sk_mx_session_add(st->mx, "1", st->rs, o->proto == SK_PROTO_STAMP ?
					    "stamp" : "twamp-light");
		if (!st->mxs) {
			sk_diag("out of memory");
			return 1;
		}
	}
	st->use_ivl = o->report_interval > 0 || o->metrics;
	bool synced;
	st->errest = sk_clock_errest(o->ts_fmt, &synced);
	st->interval_ns = o->interval_ms * 1e6;
	st->run.kernel_t4 = st->io.rx_ts;
	return 0;
}

static void sender_close(struct sender *st)
{
	sk_pcapout_discard(st->pc); /* still open: the run failed before its end */
	sk_session_free(st->sess);
	sk_hist_free(&st->send_late);
	sk_ivl_free(&st->ivl);
	sk_mx_close(st->mx);
	free(st->txbuf);
	free(st->rxbuf);
	if (st->io.ops && st->io.fd >= 0)
		st->io.ops->close(&st->io);
}

/* Padding of the next request: the configured one, or an IMIX pick. */
static long next_padding(const struct sender *st)
{
	if (st->padding >= 0)
		return st->padding;
	/* twampy's IMIX keeps its frame sizes: 14-octet header + pick, raised to the smallest
	 * symmetric packet of the mode. */
	size_t l = 14 + (size_t)sk_imix_pick(st->ipv6);
	if (l < st->min_len)
		l = st->min_len;
	long pad = (long)(l - st->fixed);
	if (st->o->proto == SK_PROTO_STAMP && pad > 0 && pad < 4)
		pad = 4;
	return pad;
}

/* Encodes request seq into m: the fixed part, then (STAMP) the --tlv TLVs, the padding as
 * an Extra Padding TLV and the HMAC TLV last (RFC 8972 §4.8). 0, or -1 after a message. */
static int encode_request(struct sender *st, struct sk_io_msg *m, uint64_t seq)
{
	static const uint8_t zeros[MAX_PKT];
	const struct sender_opts *o = st->o;
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = (uint32_t)seq;
	p.error_estimate = st->errest;
	p.ssid = o->ssid;
	long pad = next_padding(st);
	if (o->proto == SK_PROTO_TWAMP) {
		p.tail = zeros;
		p.tail_len = (size_t)pad;
	}
	/* T1 as late as possible: read right before encoding this batch entry. */
	int64_t t1 = sk_now_real_ns();
	p.timestamp = sk_ts_from_ns(t1, (enum sk_ts_fmt)o->ts_fmt, SK_TAI_UTC_DEFAULT);
	if (o->ts_fmt == SK_TS_PTP)
		p.error_estimate |= 0x4000;
	size_t n = 0;
	if (sk_test_encode(&p, &st->so, m->buf, m->cap, &n) != SK_OK) {
		sk_diag("cannot encode a test packet");
		return -1;
	}
	if (o->proto == SK_PROTO_STAMP && (pad > 0 || o->ntlv || o->hmac_tlv)) {
		struct sk_wbuf w;
		sk_wbuf_init(&w, m->buf, m->cap);
		w.off = n;
		for (unsigned t = 0; t < o->ntlv; t++)
			sk_tlvopt_put(&w, &o->tlvs[t], p.seq + 1);
		/* U set on every TLV (RFC 8972 §4), the HMAC TLV's too. */
		if (pad > 0)
			sk_tlv_put_padding(&w, SK_TLV_F_U, (size_t)pad - SK_TLV_HDR_LEN);
		if (o->hmac_tlv)
			sk_tlv_put_hmac(&w, SK_TLV_F_U, st->fixed, st->so.stamp_key,
					st->so.stamp_key_len);
		if (w.err) {
			sk_diag("TLVs do not fit in a packet");
			return -1;
		}
		n = w.off;
	}
	m->len = n;
	if (st->pc)
		sk_pcapout_write(st->pc, t1, (struct sockaddr *)&st->src_addr,
				 (const struct sockaddr *)&o->remote, o->ttl, o->tos, m->buf, n);
	return 0;
}

/* The first failed send says why (the rest are only counted). */
static void note_send_error(struct sender *st, const struct sk_io_msg *m)
{
	const struct sender_opts *o = st->o;
	if (st->run.send_errors++ == 0 && errno == EMSGSIZE)
		sk_diag("a packet of %zu octets does not fit the path MTU%s: lower --padding%s",
		     m->len, o->dont_fragment ? " with DF set" : "",
		     o->dont_fragment ? " or drop --do-not-fragment" : "");
	else if (st->run.send_errors == 1)
		sk_diag("send to %s: %s", st->rs, strerror(errno));
}

/* Sends every packet whose time has come (a batch when the process is behind). 0, or -1
 * when a request could not be built. */
static int send_due(struct sender *st, int64_t now)
{
	const struct sender_opts *o = st->o;
	struct run *run = &st->run;
	unsigned nb = 0;
	if (st->use_ivl)
		sk_ivl_tick(&st->ivl, now, sk_now_real_ns(), run->sent);
	while (run->sent + nb < o->count && nb < SK_IO_BATCH && slot(st, run->sent + nb) <= now) {
		if (encode_request(st, &st->tx[nb], run->sent + nb))
			return -1;
		nb++;
	}
	unsigned done = 0;
	while (done < nb) {
		int k = st->io.ops->send_batch(&st->io, st->tx + done, nb - done);
		int64_t after = sk_now_mono_ns();
		if (k <= 0) {
			note_send_error(st, &st->tx[done]);
			k = 1; /* that packet is lost: counted as sent, never answered */
		}
		for (int j = 0; j < k; j++) {
			uint64_t seq = run->sent + done + (unsigned)j;
			sk_hist_add(&st->send_late, after - slot(st, seq));
			if (sk_log_enabled(SK_LOG_INFO))
				sk_log(SK_LOG_INFO, "Sent to %s [sseq=%llu]", st->rhost,
				       (unsigned long long)seq);
			sk_log_hex("transmit", st->tx[done + j].buf, st->tx[done + j].len);
		}
		if (!run->first_send_mono)
			run->first_send_mono = after;
		run->last_send_mono = after;
		done += (unsigned)k;
	}
	run->sent += nb;
	if (st->mxs && nb) {
		sk_mx_lock(st->mx);
		st->mxs->sent += nb;
		sk_mx_unlock(st->mx);
	}
	if (nb && run->sent == o->count)
		st->deadline = sk_now_mono_ns() + (int64_t)(o->timeout_s * 1e9);
	return 0;
}

/* Decodes a reply from REMOTE and decides whether it counts. false: left out (and counted
 * as why). */
static bool decode_reply(struct sender *st, const struct sk_io_msg *m, struct sk_test_pkt *p)
{
	const struct sender_opts *o = st->o;
	enum sk_result r;
	/* twampy's reflector answers with 38 octets (no MBZ, no Sender TTL), also to STAMP
	 * requests (it has no STAMP mode): the codec decodes that variant, so a twampy command
	 * line works against it. */
	size_t reply_min = st->sec == SK_SEC_UNAUTH ? 38 : st->fixed;
	if (o->proto == SK_PROTO_STAMP && st->sec == SK_SEC_UNAUTH && m->len >= 38 &&
	    m->len < st->fixed) {
		struct sk_test_opts tw = st->ro;
		tw.proto = SK_PROTO_TWAMP;
		r = sk_test_decode(m->buf, m->len, &tw, p, NULL, NULL);
		p->ssid = o->ssid; /* not in a TWAMP reply */
	} else {
		r = sk_test_decode(m->buf, m->len, &st->ro, p, NULL, NULL);
	}
	if (m->truncated || m->len < reply_min || r == SK_E_AUTH ||
	    (r == SK_E_TRUNCATED && m->len < st->fixed)) {
		st->run.bad_replies++;
		return false;
	}
	if (o->proto == SK_PROTO_STAMP && p->ssid != o->ssid) {
		/* RFC 8972 §3: an RFC 8762-only reflector returns 0 there (MBZ). The reply is
		 * already paired by address, port (take_reply) and sequence number (below). */
		if (p->ssid != 0 || o->ssid_strict) {
			st->run.foreign++;
			return false;
		}
		st->run.ssid_zero++;
	}
	if (p->sender_seq >= st->run.sent) {
		st->run.beyond++; /* a number we never sent: junk */
		return false;
	}
	return true;
}

/* What the reflector said about our TLVs (RFC 8972 §4 flags). */
static void count_tlv_flags(struct sender *st, const struct sk_test_pkt *p)
{
	struct sk_tlv_iter it;
	struct sk_tlv tv;
	struct run *run = &st->run;
	sk_tlv_iter_init(&it, p->tail, p->tail_len, st->fixed);
	run->tlv_replies++;
	unsigned pos = 0;
	while (sk_tlv_next(&it, &tv)) {
		/* Our TLVs by position: --tlv ones first; then padding or HMAC by type. */
		unsigned k = pos < st->o->ntlv ? pos
			     : tv.type == SK_TLV_HMAC ? SK_TLVOPT_MAX + 1 : SK_TLVOPT_MAX;
		pos++;
		struct tlvstat *e = &run->each[k];
		e->understood += !(tv.flags & (SK_TLV_F_U | SK_TLV_F_M | SK_TLV_F_I));
		e->u += (tv.flags & SK_TLV_F_U) != 0;
		e->m += (tv.flags & SK_TLV_F_M) != 0;
		e->i += (tv.flags & SK_TLV_F_I) != 0;
		run->tlv_u += (tv.flags & SK_TLV_F_U) != 0;
		run->tlv_m += (tv.flags & SK_TLV_F_M) != 0;
		run->tlv_i += (tv.flags & SK_TLV_F_I) != 0;
		run->tlv_c += (tv.flags & SK_TLV_F_C) != 0;
	}
	if (p->tlv_hmac_status == SK_HMAC_ST_BAD)
		run->tlv_hmac_bad++;
}

/* One datagram received: filtered, decoded, fed to the session, logged. */
static void take_reply(struct sender *st, const struct sk_io_msg *m, int64_t user_t4)
{
	const struct sender_opts *o = st->o;
	if (!sk_sockaddr_equal((const struct sockaddr *)&m->peer,
			       (const struct sockaddr *)&o->remote)) {
		st->run.foreign++;
		return;
	}
	sk_log_hex("received", m->buf, m->len);
	if (st->pc)
		sk_pcapout_write(st->pc, m->rx_ns ? m->rx_ns : user_t4,
				 (const struct sockaddr *)&m->peer, (struct sockaddr *)&st->src_addr,
				 m->ttl, m->tos, m->buf, m->len);
	struct sk_test_pkt p;
	if (!decode_reply(st, m, &p)) {
		if (st->mxs) {
			sk_mx_lock(st->mx);
			st->mxs->bad_replies++;
			sk_mx_unlock(st->mx);
		}
		return;
	}
	struct sk_reply_info info;
	if (!sk_ivl_take_reply(st->use_ivl ? &st->ivl : NULL, st->sess, &p,
			       m->rx_ns ? m->rx_ns : user_t4, st->mx, st->mxs, &info)) {
		st->run.late++; /* its interval is closed: lost there, so lost in the totals too */
		return;
	}
	st->run.replies++;
	if (o->proto == SK_PROTO_STAMP && p.tail_len)
		count_tlv_flags(st, &p);
	if (sk_log_enabled(SK_LOG_DEBUG)) {
		struct sk_text_out to;
		struct sk_visitor vis;
		sk_text_visitor(&to, sk_log_file(), &vis);
		sk_test_decode(m->buf, m->len, &st->ro, &p, &vis, NULL);
	}
	if (info.sender.cls == SK_SEQ_IN_ORDER || info.sender.cls == SK_SEQ_REORDERED)
		st->run.uniq++;
	if (sk_log_enabled(SK_LOG_INFO)) {
		char hs[64];
		sk_sockaddr_host((const struct sockaddr *)&m->peer, hs, sizeof hs);
		sk_log(SK_LOG_INFO,
		       "Reply from %s [rseq=%u sseq=%u rtt=%.2fms outbound=%.2fms inbound=%.2fms]",
		       hs, p.seq, p.sender_seq, (double)info.delays.rtt_ns / 1e6,
		       (double)info.delays.outbound_ns / 1e6, (double)info.delays.inbound_ns / 1e6);
	}
}

/* Every reply that is queued. */
static void recv_all(struct sender *st)
{
	for (;;) {
		int n = st->io.ops->recv_batch(&st->io, st->rx, SK_IO_BATCH);
		if (n <= 0)
			return;
		int64_t user_t4 = sk_now_real_ns();
		for (int i = 0; i < n; i++)
			take_reply(st, &st->rx[i], user_t4);
	}
}

/* One closed interval: the exporter's loss counter and liveness, then (--report-interval)
 * a table block or a JSON Lines object on standard output. */
static void report_interval(struct sender *st, const struct sk_ivl_stats *s)
{
	const struct sender_opts *o = st->o;
	struct sk_session_summary sum;
	sk_session_summary(st->sess, st->run.sent, &sum);
	if (st->mxs) {
		sk_mx_lock(st->mx);
		st->mxs->lost += sk_ivl_sent(s) - s->received;
		st->mxs->up = s->received > 0;
		/* The split by direction is known up to the last reply only: never let it
		 * go back. */
		if (sum.outbound_lost > st->mxs->lost_out)
			st->mxs->lost_out = sum.outbound_lost;
		if (sum.inbound_lost > st->mxs->lost_in)
			st->mxs->lost_in = sum.inbound_lost;
		sk_mx_unlock(st->mx);
	}
	if (o->report_interval <= 0)
		return;
	struct sk_rsession *r = calloc(1, sizeof *r);
	if (!r)
		return;
	sk_ivl_rsession(r, s, sum.stateful);
	r->index = 1;
	sk_sockaddr_str((struct sockaddr *)&st->src_addr, r->sender, sizeof r->sender);
	snprintf(r->reflector, sizeof r->reflector, "%s", st->rs);
	r->mode = o->proto == SK_PROTO_STAMP ? SK_RMODE_STAMP : SK_RMODE_TWAMP_LIGHT;
	r->has_ssid = o->proto == SK_PROTO_STAMP;
	r->ssid = o->ssid;
	struct sk_report rep = { .command = "sender", .sessions = r, .nsessions = 1 };
	if (o->json) {
		sk_report_json_interval(stdout, &rep, s->index, s->start_real, s->end_real);
	} else {
		char a[48], b[48];
		sk_report_time(a, sizeof a, s->start_real);
		sk_report_time(b, sizeof b, s->end_real);
		printf("Interval %u: %s - %s\n", s->index, a, b);
		sk_report_table_block(stdout, r);
	}
	fflush(stdout);
	free(r);
}

/* Every interval whose replies had their time (all of them at the end). */
static void intervals_due(struct sender *st, bool final)
{
	struct sk_ivl_stats *s;
	while ((s = sk_ivl_due(&st->ivl, sk_now_mono_ns(), sk_now_real_ns(), st->run.sent,
			       final))) {
		report_interval(st, s);
		sk_ivl_pop(&st->ivl);
	}
}

/* Send on schedule, take replies, stop when every packet is answered, the timeout after
 * the last send passes, or a signal asks. Returns the exit status. */
static int sender_loop(struct sender *st)
{
	const struct sender_opts *o = st->o;
	struct run *run = &st->run;
	st->start = sk_now_mono_ns();
	/* Without --report-interval (--metrics alone) intervals of a second settle the loss
	 * counter; a packet is lost once --timeout passed after its interval. */
	double period = o->report_interval > 0 ? o->report_interval : 1.0;
	if (st->use_ivl && sk_ivl_init(&st->ivl, (int64_t)(period * 1e9),
				       (int64_t)(o->timeout_s * 1e9), o->report_interval > 0,
				       st->start, sk_now_real_ns())) {
		sk_diag("out of memory");
		return 1;
	}
	for (;;) {
		if (sk_stop_requested) {
			run->interrupted = true;
			return 0;
		}
		if (send_due(st, sk_now_mono_ns()))
			return 1;
		recv_all(st);
		if (st->use_ivl)
			intervals_due(st, false);
		if (run->sent == o->count) {
			if (run->uniq >= run->sent) {
				sk_log(SK_LOG_INFO, "All packets received back");
				return 0;
			}
			if (sk_now_mono_ns() >= st->deadline) {
				sk_log(SK_LOG_INFO, "Receive timeout for last packet (don't wait anymore)");
				return 0;
			}
		}
		/* Sleep until the next send time, the reply deadline, a reply or a signal. */
		int64_t wake = run->sent < o->count ? slot(st, run->sent) : st->deadline;
		if (st->use_ivl && sk_ivl_next_event(&st->ivl) < wake)
			wake = sk_ivl_next_event(&st->ivl);
		if (wake > sk_now_mono_ns()) {
			struct timespec dl = { .tv_sec = wake / 1000000000LL,
					       .tv_nsec = wake % 1000000000LL };
			if (sk_io_wait(&st->io, &dl) < 0) {
				sk_diag("wait: %s", strerror(errno));
				return 1;
			}
		}
	}
}

/* Members of the session object only the sender knows; a table line (label) only when
 * there is something to say. The raw JSON texts live in st until the writers ran. */
static void tlv_members(struct sender *st, struct sk_rsession *r);

static void add_members(struct sender *st, struct sk_rsession *r)
{
	const struct run *run = &st->run;
	int64_t e50 = 0, e99 = 0;
	sk_hist_quantile(&st->send_late, 50, &e50);
	sk_hist_quantile(&st->send_late, 99, &e99);
	double span = (double)(run->last_send_mono - run->first_send_mono) / 1e9;
	double achieved = run->sent > 1 && span > 0 ? (double)(run->sent - 1) / span : 0;
	struct sk_session_summary sum;
	sk_session_summary(st->sess, run->sent, &sum);
	sk_rsession_kv_bool(r, "auth", NULL, st->sec != SK_SEC_UNAUTH);
	sk_rsession_kv_bool(r, "interrupted", run->interrupted ? "interrupted by a signal" : NULL,
			    run->interrupted);
	sk_rsession_kv_u64(r, "send_errors", run->send_errors ? "send errors" : NULL,
			   run->send_errors);
	sk_rsession_kv_u64(r, "bad_replies", run->bad_replies ? "malformed replies ignored" : NULL,
			   run->bad_replies);
	sk_rsession_kv_u64(r, "foreign", run->foreign ? "replies from elsewhere ignored" : NULL,
			   run->foreign);
	sk_rsession_kv_u64(r, "never_sent", run->beyond ? "replies to numbers never sent" : NULL,
			   run->beyond);
	sk_rsession_kv_u64(r, "bad_timestamps", sum.bad_timestamps ? "bad timestamps" : NULL,
			   sum.bad_timestamps);
	sk_rsession_kv_str(r, "jitter_algorithm", NULL, "RFC 3550");
	sk_rsession_kv_str(r, "t4", NULL,
			   run->kernel_t4 ? (st->io.rx_hw ? "hardware" : "kernel") : "user");
	sk_rsession_kv_u64(r, "ssid_zero", run->ssid_zero ? "replies with SSID 0 accepted "
			   "(RFC 8762 reflector; --ssid-strict refuses them)" : NULL, run->ssid_zero);
	tlv_members(st, r);
	if (st->use_ivl)
		sk_rsession_kv_u64(r, "late", run->late ? "replies after their loss timeout "
				   "(counted as lost)" : NULL, run->late);
	snprintf(st->send_json, sizeof st->send_json,
		 "{\"interval_ns\":%.1f,\"achieved_pps\":%.1f,\"late_p50_ns\":%lld,"
		 "\"late_p99_ns\":%lld}", st->interval_ns, achieved, (long long)e50, (long long)e99);
	sk_rsession_kv_raw(r, "send", st->send_json);
}

/* What the reflector said about each TLV we sent (RFC 8972 §4: U cleared = understood):
 * the "tlv" JSON member and one table line. */
static void tlv_members(struct sender *st, struct sk_rsession *r)
{
	const struct sender_opts *o = st->o;
	struct run *run = &st->run;
	int n = snprintf(st->tlv_json, sizeof st->tlv_json,
			 "{\"replies\":%llu,\"u\":%llu,\"m\":%llu,\"i\":%llu,\"c\":%llu,"
			 "\"hmac_bad\":%llu,\"each\":[",
			 (unsigned long long)run->tlv_replies, (unsigned long long)run->tlv_u,
			 (unsigned long long)run->tlv_m, (unsigned long long)run->tlv_i,
			 (unsigned long long)run->tlv_c, (unsigned long long)run->tlv_hmac_bad);
	int t = 0;
	st->tlv_text[0] = 0;
	const char *sep = "";
	for (unsigned k = 0; k < SK_TLVOPT_MAX + 2; k++) {
		uint8_t type = k < o->ntlv ? o->tlvs[k].type
			       : k == SK_TLVOPT_MAX ? SK_TLV_EXTRA_PADDING
			       : k == SK_TLVOPT_MAX + 1 ? SK_TLV_HMAC : 0;
		const struct tlvstat *e = &run->each[k];
		bool sent = k < o->ntlv || (k == SK_TLVOPT_MAX + 1 && o->hmac_tlv) ||
			    (k == SK_TLVOPT_MAX && st->padding != 0 && o->proto == SK_PROTO_STAMP);
		if (!sent || n < 0 || (size_t)n >= sizeof st->tlv_json - 200)
			continue;
		n += snprintf(st->tlv_json + n, sizeof st->tlv_json - (size_t)n,
			      "%s{\"type\":%u,\"name\":\"%s\",\"understood\":%llu,\"u\":%llu,"
			      "\"m\":%llu,\"i\":%llu}", sep, type, sk_tlv_type_name(type),
			      (unsigned long long)e->understood, (unsigned long long)e->u,
			      (unsigned long long)e->m, (unsigned long long)e->i);
		if (t >= 0 && (size_t)t < sizeof st->tlv_text - 100)
			t += snprintf(st->tlv_text + t, sizeof st->tlv_text - (size_t)t,
				      "%s%s %llu/%llu", *sep ? ", " : "", sk_tlv_type_name(type),
				      (unsigned long long)e->understood,
				      (unsigned long long)run->tlv_replies);
		sep = ",";
	}
	if (n > 0 && (size_t)n < sizeof st->tlv_json - 3)
		snprintf(st->tlv_json + n, sizeof st->tlv_json - (size_t)n, "]}");
	sk_rsession_kv_raw(r, "tlv", st->tlv_json);
	sk_rsession_kv_str(r, "tlv_understood", run->tlv_replies ?
			   "TLVs understood by the reflector" : NULL, st->tlv_text);
}

/* The results through the report model: one session, twampy's table block and the
 * summary, or one JSON document. */
static void sender_report(struct sender *st)
{
	const struct sender_opts *o = st->o;
	sk_session_finish(st->sess);
	struct sk_rsession *r = calloc(1, sizeof *r);
	if (!r) {
		sk_diag("out of memory");
		return;
	}
	struct sk_session_summary sum;
	sk_session_summary(st->sess, st->run.sent, &sum);
	if (sum.received)
		sk_rsession_from_sender(r, st->sess, st->run.sent);
	else
		sk_rsession_silent(r, st->run.sent);
	r->index = 1;
	sk_sockaddr_str((struct sockaddr *)&st->src_addr, r->sender, sizeof r->sender);
	snprintf(r->reflector, sizeof r->reflector, "%s", st->rs);
	r->mode = o->proto == SK_PROTO_STAMP ? SK_RMODE_STAMP : SK_RMODE_TWAMP_LIGHT;
	r->has_ssid = o->proto == SK_PROTO_STAMP;
	r->ssid = o->ssid;
	add_members(st, r);
	struct sk_report rep = { .command = "sender", .sessions = r, .nsessions = 1 };
	if (o->json)
		sk_report_json(stdout, &rep);
	else
		sk_report_table(stdout, &rep);
	fflush(stdout);
	const struct sk_rdir *ob = &r->dir[SK_RDIR_OUT], *ib = &r->dir[SK_RDIR_IN];
	uint64_t nob = ob->have_delay ? ob->delay.negative : 0;
	uint64_t nib = ib->have_delay ? ib->delay.negative : 0;
	if (nob || nib)
		sk_warn("%llu outbound and %llu inbound one-way delays are negative: the clocks "
			"of sender and reflector are not synchronised (values shown as measured, "
			"not clamped)", (unsigned long long)nob, (unsigned long long)nib);
	free(r);
}

/* After the report: the --pcap-out file takes its name when the loop ended normally (also
 * by SIGINT/SIGTERM: what was sent until then is the capture); a run that no reply answered
 * is a failure, as with ping. Returns the exit status. */
static int sender_end(struct sender *st, int status)
{
	const struct run *run = &st->run;
	if (st->pc && status == 0) {
		char err[PATH_MAX + 100];
		if (sk_pcapout_finish(st->pc, err, sizeof err) != 0) {
			sk_diag("--pcap-out: %s", err);
			status = 1;
		}
		st->pc = NULL;
	}
	if (status == 0 && run->uniq == 0) {
		if (run->sent && run->send_errors == run->sent)
			sk_diag("no reply: none of the %" PRIu64 " packets could be sent to %s", run->sent,
				st->rs);
		else if (run->bad_replies)
			sk_diag("no reply from %s: %" PRIu64 " packets sent, %" PRIu64 " replies did not "
				"verify", st->rs, run->sent, run->bad_replies);
		else
			sk_diag("no reply from %s: %" PRIu64 " packets sent, none answered%s", st->rs,
				run->sent, run->interrupted ? " before the interruption" : "");
		status = 1;
	}
	return status;
}

int sender_run(const struct sender_opts *o)
{
	struct sender *st = calloc(1, sizeof *st);
	if (!st) {
		sk_diag("out of memory");
		return 1;
	}
	st->o = o;
	st->io.fd = -1;
	int status = sender_open(st);
	if (!status) {
		sk_signals_install(SK_SIG_STOP);
		srandom((unsigned)sk_now_real_ns());
		/* The default 50 us timer slack would make every wake-up that much late. */
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
		status = sender_loop(st);
		if (st->use_ivl && st->ivl.ring)
			intervals_due(st, true);
		sender_report(st);
		status = sender_end(st, status);
	}
	sender_close(st);
	free(st);
	return status;
}
