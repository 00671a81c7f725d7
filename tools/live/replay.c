/* SPDX-License-Identifier: BSD-3-Clause */
/* replay.c - `stampkit replay`: the Session-Sender packets of a capture (replay_load.c) sent
 * again on an absolute schedule, re-stamped at send time (RFC 8762 §4.2, RFC 5357 §4.1.2),
 * TLVs kept with the HMAC TLV recomputed (RFC 8972 §4.8); every packet sent and every reply
 * is fed, as the raw IP packet it was, to analyze's engine in memory, and the results are
 * written through the report model as one document {"command":"replay",...,"sessions"}. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analyze_int.h"
#include "ipudp.h"
#include "log.h"
#include "pcapout.h"
#include "rawtx.h"
#include "replay.h"
#include "replay_load.h"
#include "report.h"
#include "rpqueue.h"
#include "sys.h"
#include "udpio.h"
#include "stampkit/crypto.h"
#include "stampkit/metrics.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"

#define RP_MAX_PKT 65535
#define RP_RX_BATCH 16  /* datagrams per recvmmsg: a socket each holds a few at most */
#define RP_RX_EVERY_MAX 16384 /* replies left in the kernel at most (top speed) */

/* The packet as it leaves: fresh T1 and Error Estimate, the sequence number kept or renumbered,
 * the TLVs kept and the HMACs computed again when a key is given. Returns its length, 0 when it
 * cannot be rebuilt (sent as recorded instead). */
static size_t restamp_pkt(const struct sk_replay_pkt *r, const uint8_t *data, uint8_t *out,
			  size_t cap, int renumber, uint32_t seq, const uint16_t errest[2],
			  const uint8_t *key, size_t key_len, int64_t *t1)
{
	if (r->sec == SK_SEC_UNAUTH && !key && r->len >= 14 && r->len <= cap) {
		/* Unauthenticated (STAMP RFC 8762 §4.2.1, TWAMP RFC 5357 §4.1.2): Sequence
		 * Number, Timestamp and Error Estimate at fixed offsets 0, 4 and 12, the rest
		 * kept; the packet was decoded when loaded, so the octets are patched in place
		 * (what decoding and encoding again would give, at a fraction of the cost). */
		memcpy(out, data, r->len);
		if (renumber)
			for (int i = 0; i < 4; i++)
				out[i] = (uint8_t)(seq >> (24 - 8 * i));
		enum sk_ts_fmt fmt = sk_errest_fmt((uint16_t)(data[12] << 8 | data[13]));
		*t1 = sk_now_real_ns();
		uint64_t ts = sk_ts_from_ns(*t1, fmt, SK_TAI_UTC_DEFAULT);
		for (int i = 0; i < 8; i++)
			out[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
		uint16_t ee = errest[fmt == SK_TS_PTP];
		out[12] = (uint8_t)(ee >> 8);
		out[13] = (uint8_t)ee;
		return r->len;
	}
	struct sk_test_opts o = { .proto = r->proto, .role = SK_ROLE_SENDER, .sec = r->sec,
				  .features = r->features, .reflect_len = r->reflect_len };
	struct sk_test_pkt p;
	if (sk_test_decode(data, r->len, &o, &p, NULL, NULL) != SK_OK)
		return 0;
	if (renumber)
		p.seq = seq;
	enum sk_ts_fmt fmt = sk_errest_fmt(p.error_estimate);
	p.error_estimate = errest[fmt == SK_TS_PTP];
	const uint8_t *tail = p.tail;
	size_t tail_len = p.tail_len;
	if (key && r->proto == SK_PROTO_STAMP) {
		o.stamp_key = key;
		o.stamp_key_len = key_len;
	}
	/* Where the HMAC TLV is, when one has to be computed again. */
	size_t hmac_at = tail_len, hmac_end = tail_len;
	uint8_t hmac_flags = 0;
	if (key && r->proto == SK_PROTO_STAMP && tail_len) {
		struct sk_tlv_iter it;
		struct sk_tlv tv;
		sk_tlv_iter_init(&it, tail, tail_len, r->len - tail_len);
		while (sk_tlv_next(&it, &tv))
			if (tv.type == SK_TLV_HMAC) {
				hmac_at = tv.off - (r->len - tail_len);
				hmac_end = hmac_at + SK_TLV_HDR_LEN + tv.length;
				hmac_flags = tv.flags;
			}
	}
	*t1 = sk_now_real_ns();
	p.timestamp = sk_ts_from_ns(*t1, fmt, SK_TAI_UTC_DEFAULT);
	p.tail = NULL;
	p.tail_len = 0;
	size_t n = 0;
	if (sk_test_encode(&p, &o, out, cap, &n) != SK_OK || n + tail_len + 32 > cap)
		return 0;
	size_t fixed = n;
	memcpy(out + n, tail, hmac_at);
	n += hmac_at;
	if (hmac_at < tail_len) {
		struct sk_wbuf w;
		sk_wbuf_init(&w, out, cap);
		w.off = n;
		if (sk_tlv_put_hmac(&w, hmac_flags, fixed, key, key_len) != SK_OK || w.err)
			return 0;
		n = w.off;
		memcpy(out + n, tail + hmac_end, tail_len - hmac_end);
		n += tail_len - hmac_end;
	}
	return n;
}

/* A session's socket and our address as written to the pcap. */
struct rp_sock {
	struct sk_io io;
	struct sockaddr_storage me;
};

/* Packets queued to leave together: one session's on the UDP backend (a socket each), any
 * sessions' on the raw backend (one packet socket for all). */
struct rp_batch {
	struct sk_io_msg m[SK_IO_BATCH];
	int64_t due[SK_IO_BATCH];
	uint32_t sess[SK_IO_BATCH];
	struct sk_rawtx_pkt raw[SK_IO_BATCH];
	int err[SK_IO_BATCH];
	unsigned n;
};

/* One run: what is sent, to whom, on what schedule, and what came back. */
struct rp {
	const struct replay_opts *o;
	struct sk_replay_load l;
	struct rp_sock *sock;         /* one per recorded session (fd -1: none, not selected) */
	int epfd;                     /* every socket, for the replies */
	struct epoll_event *evs;
	struct sk_rawtx *rawtx;       /* --raw: the packet socket every session sends through */
	struct sockaddr_storage remote;
	socklen_t rlen;
	uint8_t rfam;
	uint16_t rport;
	/* schedule: offsets from the start of a loop, a loop's length, packets in all */
	size_t nsel;
	int64_t *offs, period;
	uint64_t total, k;            /* k: next packet of the run (loop k / nsel, index k % nsel) */
	uint64_t rx_k, rx_every;      /* replies read at k = rx_k; at top speed every rx_every */
	uint32_t *next_seq;
	uint16_t errest[2];           /* NTP, PTP */
	uint8_t *txbuf, *rxbuf;
	struct rp_batch *b;
	struct sk_io_msg *rx;
	/* results */
	uint64_t sent, restamped, send_errors, replies, foreign;
	int first_errno;
	size_t first_err_len;
	bool interrupted;
	int64_t start, end_send, deadline, last_mono; /* last_mono: after the last send */
	struct sk_pcapout *pc;        /* --pcap-out */
	bool pcap_failed;             /* it could not be completed */
	/* the measurement: analyze's engine fed every packet sent and received */
	struct sk_analyze_opts ao;
	struct sk_an *an;
	bool an_failed;
	uint16_t ipid;
	/* Every packet sent and received, on its way to the analysis, which a thread of the
	 * queue feeds (rpqueue.c) so that the sending and receiving path stays as light as
	 * writing a file was; at top speed only once much is waiting or the sending ended. */
	struct sk_rpq *q;
	/* a progress line while it runs, when standard error is a terminal */
	bool progress;
	int64_t progress_next;
	bool progress_shown;
};

/* The measurement (analyze's engine, capture point: the sender; the reflector port of --to
 * is a test port), opened with the first packet that leaves so a run that sends nothing
 * says only that. */
static int open_analysis(struct rp *rp)
{
	if (rp->an)
		return 0;
	if (rp->an_failed)
		return -1;
	const struct replay_opts *o = rp->o;
	struct sk_analyze_opts *ao = &rp->ao;
	memset(ao, 0, sizeof *ao);
	ao->json = o->json;
	ao->reflector = SK_REFLECTOR_AUTO;
	ao->files[0] = o->file; /* the document names the capture replayed */
	ao->nfiles = 1;
	ao->cp[0] = SK_AN_CP_SENDER;
	if (rp->rport != 862)
		ao->ports[ao->nports++] = rp->rport;
	rp->an = sk_analyze_open(ao, stderr);
	rp->an_failed = rp->an == NULL;
	return rp->an ? 0 : -1;
}

#define RP_REC_MAX ((size_t)64 << 20)  /* the queue's ring */
#define RP_REC_HIGH ((size_t)48 << 20) /* top speed: analysed once more than this waits */

/* On the queue's thread: one recorded packet to the analysis. */
static void feed(void *ctx, int64_t ns, const uint8_t *pkt, size_t len)
{
	struct rp *rp = ctx;
	if (open_analysis(rp) == 0)
		sk_analyze_feed_frame(rp->an, 0, SK_LINK_RAW, ns, pkt, len);
}

/* One datagram, sent (at its T1) or received (at its kernel receive time), for the
 * measurement (as the raw IP packet it was) and --pcap-out. */
static void record(struct rp *rp, int64_t ns, const struct sockaddr *src,
		   const struct sockaddr *dst, int ttl, int tos, const uint8_t *p, size_t n)
{
	struct sk_iphdr_opts ho = { .ttl = ttl, .tos = tos, .ipid = rp->ipid++ };
	size_t need = n + 64;
	uint8_t *r = sk_rpq_reserve(rp->q, need);
	size_t len = r ? sk_ipudp_build(r, need, src, dst, &ho, p, n) : 0;
	if (len)
		sk_rpq_commit(rp->q, ns, len);
	if (rp->pc)
		sk_pcapout_write(rp->pc, ns, src, dst, ttl, tos, p, n);
}

/* -v: a line per packet sent and reply received (twampy's log format); -d: its octets. */
static void log_packet(const struct rp *rp, const char *what, const struct sockaddr_storage *peer,
		       int sess, const struct sk_io_msg *m)
{
	if (!sk_log_enabled(SK_LOG_INFO))
		return;
	char hs[80];
	sk_sockaddr_str((const struct sockaddr *)peer, hs, sizeof hs);
	uint32_t seq = 0;
	if (m->len >= 4)
		seq = (uint32_t)m->buf[0] << 24 | (uint32_t)m->buf[1] << 16 |
		      (uint32_t)m->buf[2] << 8 | m->buf[3];
	sk_log(SK_LOG_INFO, "%s %s [session=%d seq=%" PRIu32 " len=%zu]", what, hs, sess + 1, seq,
	       m->len);
	sk_log_hex(what[0] == 'S' ? "transmit" : "receive", m->buf, m->len);
	(void)rp;
}

static void sent_one(struct rp *rp, unsigned j)
{
	struct rp_batch *b = rp->b;
	struct rp_sock *s = &rp->sock[b->sess[j]];
	record(rp, b->due[j], (struct sockaddr *)&s->me, (const struct sockaddr *)&rp->remote,
	       rp->o->ttl, b->m[j].set_tos >= 0 ? b->m[j].set_tos : rp->o->tos, b->m[j].buf,
	       b->m[j].len);
	log_packet(rp, "Sent to", &rp->remote, (int)b->sess[j], &b->m[j]);
}

static void failed_one(struct rp *rp, unsigned j, int err)
{
	if (!rp->send_errors++) {
		rp->first_errno = err;
		rp->first_err_len = rp->b->m[j].len;
	}
}

/* Hands a batch to the backend; a packet that cannot leave is counted (the first error
 * kept) and the rest still go. */
static void flush(struct rp *rp)
{
	struct rp_batch *b = rp->b;
	if (rp->rawtx) {
		for (unsigned j = 0; j < b->n; j++)
			b->raw[j] = (struct sk_rawtx_pkt){
				.src = (const struct sockaddr *)&rp->sock[b->sess[j]].io.bound,
				.dst = (const struct sockaddr *)&rp->remote, .tos = b->m[j].set_tos,
				.buf = b->m[j].buf, .len = b->m[j].len };
		sk_rawtx_send(rp->rawtx, b->raw, b->n, b->err);
		for (unsigned j = 0; j < b->n; j++) {
			if (b->err[j])
				failed_one(rp, j, b->err[j]);
			else
				sent_one(rp, j);
		}
	} else {
		struct rp_sock *s = &rp->sock[b->sess[0]];
		unsigned done = 0;
		while (done < b->n) {
			int k = s->io.ops->send_batch(&s->io, b->m + done, b->n - done);
			if (k <= 0) {
				failed_one(rp, done, errno);
				k = 1;
			} else {
				for (unsigned j = done; j < done + (unsigned)k; j++)
					sent_one(rp, j);
			}
			done += (unsigned)k;
		}
	}
	rp->sent += b->n;
	b->n = 0;
}

/* What one session's socket holds; a few at a time, as many sessions hold a few each. */
static void receive_sock(struct rp *rp, uint32_t i)
{
	struct rp_sock *s = &rp->sock[i];
	for (;;) {
		int n = s->io.ops->recv_batch(&s->io, rp->rx, RP_RX_BATCH);
		if (n <= 0)
			break;
		int64_t now = sk_now_real_ns();
		for (int j = 0; j < n; j++) {
			struct sk_io_msg *m = &rp->rx[j];
			if (!sk_sockaddr_equal((struct sockaddr *)&m->peer,
					       (const struct sockaddr *)&rp->remote)) {
				rp->foreign++;
				continue;
			}
			rp->replies++;
			log_packet(rp, "Reply from", &m->peer, (int)i, m);
			record(rp, m->rx_ns ? m->rx_ns : now, (struct sockaddr *)&m->peer,
			       (struct sockaddr *)&s->me, m->ttl, m->tos, m->buf, m->len);
		}
		if (n < RP_RX_BATCH)
			break;
	}
}

/* The replies waiting, found through epoll: a call per 64 sessions that have any. */
static void receive(struct rp *rp)
{
	int nev;
	do {
		nev = epoll_wait(rp->epfd, rp->evs, SK_IO_BATCH, 0);
		for (int e = 0; e < nev; e++)
			receive_sock(rp, rp->evs[e].data.u32);
	} while (nev == SK_IO_BATCH);
	rp->rx_k = rp->k;
}

/* ---- setting up ---- */

/* Descriptors besides the sessions' sockets: those open now, and a few more opened later
 * (epoll, the packet socket, --pcap-out, -l). */
#define RP_FD_SPARE 16

/* One socket per session needs as many descriptors: the soft limit is raised to the hard
 * one when it is too low; when even that is too low, nothing is sent. 0, or 1 after a
 * message. */
static int fd_room(uint32_t nsocks)
{
	int probe = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the lowest free descriptor */
	if (probe >= 0)
		close(probe);
	rlim_t need = (rlim_t)nsocks + RP_FD_SPARE + (rlim_t)(probe > 0 ? probe : 3);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0; /* unknown: the sockets will say */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			sk_log(SK_LOG_INFO, "open files limit raised from %llu to %llu for %" PRIu32
			       " sessions", (unsigned long long)was, (unsigned long long)rl.rlim_cur,
			       nsocks);
		else
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	sk_diag("%" PRIu32 " sessions need %llu open files (a socket each, and %llu more), but "
		"this process may open %llu (RLIMIT_NOFILE, hard limit %llu): nothing sent. Raise "
		"the limit (ulimit -Hn / ulimit -n as root, LimitNOFILE= for a service) or replay "
		"fewer sessions (--session N, repeated)", nsocks, (unsigned long long)need,
		(unsigned long long)(need - nsocks), (unsigned long long)rl.rlim_cur,
		(unsigned long long)rl.rlim_max);
	return 1;
}

/* --raw: the packet socket all sessions send through (their UDP sockets still receive). */
static int open_rawtx(struct rp *rp)
{
	const struct replay_opts *o = rp->o;
	char err[300];
	struct sk_iphdr_opts h = { .ttl = o->ttl, .tos = o->tos, .dont_fragment = o->dont_fragment };
	rp->rawtx = sk_rawtx_open(o->iface, o->dst_mac, &h, err, sizeof err);
	if (!rp->rawtx) {
		sk_diag("%s", err);
		return 1;
	}
	return 0;
}

/* One socket per session so the device tells them apart as it did in the capture, all of
 * them in one epoll set. Returns 0, or the exit status after a message. */
static int open_sockets(struct rp *rp)
{
	const struct replay_opts *o = rp->o;
	char err[300];
	struct sockaddr_storage local;
	socklen_t llen;
	if (sk_addr_parse(o->src ? o->src : "", 0, rp->rfam, true, &local, &llen, err, sizeof err)) {
		sk_diag("--src %s", err);
		return 2;
	}
	if (o->iface && !o->src) {
		struct sockaddr_storage me;
		if (sk_source_for((struct sockaddr *)&rp->remote, rp->rlen, 0, &me)) {
			sk_diag("no route to %s: give --src", o->to);
			return 1;
		}
		memcpy(&local, &me, sizeof me);
		llen = rp->rfam == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	uint32_t nsocks = 0;
	for (uint32_t i = 0; i < rp->l.nsess; i++)
		nsocks += rp->l.sess[i].packets > 0;
	if (fd_room(nsocks))
		return 1;
	rp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rp->epfd < 0) {
		sk_diag("epoll: %s", strerror(errno));
		return 1;
	}
	struct sk_io_opts io_opts = {
		.tos = o->tos, .ttl = o->ttl, .dont_fragment = o->dont_fragment,
		.rx_timestamps = true, .bufsize = 4 << 20, .freebind = o->iface != NULL,
	};
	uint32_t opened = 0;
	for (uint32_t i = 0; i < rp->l.nsess; i++) {
		struct rp_sock *s = &rp->sock[i];
		if (!rp->l.sess[i].packets)
			continue;
		s->io.ops = &sk_io_udp;
		if (s->io.ops->open(&s->io, (struct sockaddr *)&local, llen, &io_opts, err, sizeof err)) {
			sk_diag("session %" PRIu32 " (socket %" PRIu32 " of %" PRIu32 "): %s", i + 1,
				opened + 1, nsocks, err);
			s->io.fd = -1;
			s->io.ops = NULL;
			return 1;
		}
		if (!opened++) {
			/* A socket holds this many small datagrams (truesize about 1 KiB each)
			 * with room to spare. */
			int rb = 0;
			socklen_t rbl = sizeof rb;
			if (getsockopt(s->io.fd, SOL_SOCKET, SO_RCVBUF, &rb, &rbl) != 0)
				rb = 0;
			rp->rx_every = (uint64_t)rb / 2048;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(rp->epfd, EPOLL_CTL_ADD, s->io.fd, &ev) != 0) {
			sk_diag("epoll: %s", strerror(errno));
			return 1;
		}
		uint8_t bf, ba[16];
		uint16_t bp;
		sk_sockaddr_unpack((struct sockaddr *)&s->io.bound, &bf, ba, &bp);
		if (o->src || o->iface) {
			memcpy(&s->me, &s->io.bound, sizeof s->me);
		} else if (sk_source_for((struct sockaddr *)&rp->remote, rp->rlen, bp, &s->me)) {
			sk_diag("cannot send to %s: %s", o->to, strerror(errno));
			return 1;
		}
	}
	/* At top speed the replies are read once per so many packets sent that the busiest
	 * session's socket still holds its share of them (it gets maxpk of every nsel). */
	uint64_t maxpk = 1;
	for (uint32_t i = 0; i < rp->l.nsess; i++)
		maxpk = rp->l.sess[i].packets > maxpk ? rp->l.sess[i].packets : maxpk;
	uint64_t every = rp->rx_every * (uint64_t)rp->nsel / maxpk;
	rp->rx_every = every < 16 ? 16 : every > RP_RX_EVERY_MAX ? RP_RX_EVERY_MAX : every;
	return o->iface ? open_rawtx(rp) : 0;
}

static int open_pcap_out(struct rp *rp)
{
	char err[300];
	if (!rp->o->pcap_out)
		return 0;
	rp->pc = sk_pcapout_open(rp->o->pcap_out, err, sizeof err);
	if (!rp->pc) {
		sk_diag("--pcap-out: %s", err);
		return 1;
	}
	return 0;
}

/* Buffers and the schedule: offsets from the first packet, recorded (divided by
 * --multiplier), at --pps, or none; a loop lasts the selection plus one mean gap. */
static int prepare(struct rp *rp)
{
	const struct replay_opts *o = rp->o;
	size_t nsel = rp->nsel;
	rp->offs = malloc(nsel * sizeof *rp->offs);
	rp->txbuf = malloc((size_t)SK_IO_BATCH * RP_MAX_PKT);
	rp->rxbuf = malloc((size_t)SK_IO_BATCH * RP_MAX_PKT);
	rp->b = calloc(1, sizeof *rp->b);
	rp->rx = calloc(SK_IO_BATCH, sizeof *rp->rx);
	rp->q = sk_rpq_open(RP_REC_MAX, RP_REC_HIGH, o->topspeed, feed, rp);
	rp->evs = calloc(SK_IO_BATCH, sizeof *rp->evs);
	if (!rp->offs || !rp->txbuf || !rp->rxbuf || !rp->b || !rp->rx || !rp->q || !rp->evs) {
		sk_diag("out of memory");
		return 1;
	}
	const struct sk_replay_pkt *pk = rp->l.pkts;
	for (size_t i = 0; i < nsel; i++)
		rp->offs[i] = o->topspeed ? 0
			      : o->pps > 0 ? (int64_t)((double)i * 1e9 / o->pps)
					   : (int64_t)((double)(pk[i].ts_ns - pk[0].ts_ns) / o->multiplier);
	int64_t last = rp->offs[nsel - 1];
	rp->period = last + (nsel > 1 ? last / (int64_t)(nsel - 1) : 0);
	if (o->pps > 0)
		rp->period = (int64_t)((double)nsel * 1e9 / o->pps);
	if (rp->period <= 0 && !o->topspeed)
		rp->period = 1000000; /* one packet: once a millisecond */
	for (int i = 0; i < SK_IO_BATCH; i++) {
		struct sk_io_msg *m = &rp->b->m[i];
		m->buf = rp->txbuf + (size_t)i * RP_MAX_PKT;
		m->cap = RP_MAX_PKT;
		m->set_tos = -1;
		memcpy(&m->peer, &rp->remote, sizeof rp->remote);
		m->peerlen = rp->rlen;
		rp->rx[i].buf = rp->rxbuf + (size_t)i * RP_MAX_PKT;
		rp->rx[i].cap = RP_MAX_PKT;
	}
	/* With --duration and no --loop, the selection repeats until the time is up. */
	long loops = o->duration > 0 && o->loops == 1 ? 0 : o->loops;
	rp->total = loops ? (uint64_t)loops * nsel : UINT64_MAX;
	if (o->limit && (uint64_t)o->limit < rp->total)
		rp->total = (uint64_t)o->limit;
	bool synced;
	rp->errest[0] = sk_clock_errest(SK_TS_NTP, &synced);
	rp->errest[1] = (uint16_t)(sk_clock_errest(SK_TS_PTP, &synced) | 0x4000);
	return 0;
}

/* ---- the loop ---- */

static int64_t due_at(const struct rp *rp, uint64_t k)
{
	return rp->start + (int64_t)(k / rp->nsel) * rp->period + rp->offs[k % rp->nsel];
}

/* Sends the packets due by now, at most a batch's worth per turn so replies are read
 * between batches even at top speed; on the UDP backend a batch holds one session's
 * packets (its socket's), on the raw backend any. */
static void send_due(struct rp *rp, int64_t now)
{
	const struct replay_opts *o = rp->o;
	struct rp_batch *b = rp->b;
	for (unsigned turn = 0;
	     rp->k < rp->total && due_at(rp, rp->k) <= now && turn < SK_IO_BATCH; turn++) {
		const struct sk_replay_pkt *r = &rp->l.pkts[rp->k % rp->nsel];
		if (b->n && !rp->rawtx && b->sess[0] != r->sess)
			flush(rp);
		struct sk_io_msg *m = &b->m[b->n];
		const uint8_t *data = rp->l.buf + r->off;
		int64_t t1 = 0;
		size_t n = 0;
		if (r->restamp && !o->no_restamp) {
			n = restamp_pkt(r, data, m->buf, m->cap, o->renumber, rp->next_seq[r->sess]++,
					rp->errest, o->key_len ? o->key : NULL, o->key_len, &t1);
			rp->restamped += n > 0;
		}
		if (!n) {
			memcpy(m->buf, data, r->len);
			n = r->len;
			t1 = sk_now_real_ns();
		}
		m->len = n;
		/* The recorded TOS per datagram, unless it is the socket's own (0, or --tos):
		 * no ancillary data to parse for the common case. */
		m->set_tos = o->tos >= 0 || !r->tos ? -1 : r->tos;
		b->due[b->n] = t1;
		b->sess[b->n] = r->sess;
		b->n++;
		rp->k++;
	}
	if (b->n)
		flush(rp);
}

static void progress(struct rp *rp, int64_t now, bool final)
{
	if (final) {
		if (rp->progress_shown)
			fputs("\r\033[K", stderr);
		return;
	}
	if (now < rp->progress_next)
		return;
	rp->progress_next = now + 500000000LL;
	rp->progress_shown = true;
	double secs = (double)(now - rp->start) / 1e9;
	fprintf(stderr, "\rstampkit replay: sent %" PRIu64 ", %" PRIu64 " replies, loop %" PRIu64
		", %.0f packets/s%s\033[K", rp->sent, rp->replies, rp->k / rp->nsel + 1,
		secs > 0 ? (double)rp->sent / secs : 0.0,
		rp->interrupted ? ", waiting for the last replies" : "");
	fflush(stderr);
}

/* Sending ends with the selection, --limit, --duration or the first SIGINT; then the
 * replies are waited for until all are in, --timeout has passed or a second SIGINT came. */
static void run_loop(struct rp *rp)
{
	const struct replay_opts *o = rp->o;
	int stops = 0;
	for (;;) {
		int64_t now = sk_now_mono_ns();
		/* SIGINT/SIGTERM: the first ends the sending (the replies in flight are still
		 * waited for), a second one the waiting. */
		if (sk_stop_requested) {
			sk_stop_requested = 0;
			stops++;
		}
		if (stops >= 2)
			break;
		if (stops && rp->k < rp->total) {
			rp->interrupted = true;
			rp->total = rp->k;
		}
		if (rp->k < rp->total && rp->end_send && now >= rp->end_send)
			rp->total = rp->k;
		uint64_t k0 = rp->k;
		send_due(rp, now);
		int64_t after = sk_now_mono_ns();
		if (rp->k != k0)
			rp->last_mono = after; /* the last send: the rate is of the sending only */
		/* Packets still due: the replies can wait in their sockets (kernel receive
		 * timestamps) until a few are queued in each, up to what a socket holds. */
		if (rp->k >= rp->total || due_at(rp, rp->k) > after || rp->k - rp->rx_k >= rp->rx_every)
			receive(rp);
		sk_rpq_publish(rp->q);
		if (rp->progress)
			progress(rp, after, false);
		if (rp->k >= rp->total) {
			if (!rp->deadline)
				rp->deadline = sk_now_mono_ns() + (int64_t)(o->timeout * 1e9);
			if (!o->all && rp->replies >= rp->sent - rp->send_errors) {
				sk_log(SK_LOG_INFO, "All packets received back");
				break;
			}
			if (sk_now_mono_ns() >= rp->deadline) {
				sk_log(SK_LOG_INFO, "Receive timeout for last packet (don't wait anymore)");
				break;
			}
		}
		int64_t wake = rp->k < rp->total ? due_at(rp, rp->k) : rp->deadline;
		if (rp->end_send && rp->k < rp->total && wake > rp->end_send)
			wake = rp->end_send;
		/* The progress line keeps moving while nothing is due. */
		if (rp->progress && wake > rp->progress_next)
			wake = rp->progress_next;
		int64_t d = wake - sk_now_mono_ns();
		if (d > 0) {
			struct timespec rel = { .tv_sec = d / 1000000000LL, .tv_nsec = d % 1000000000LL };
			/* The epoll set is itself pollable: nanosecond waits, every socket. */
			struct pollfd pfd = { .fd = rp->epfd, .events = POLLIN };
			(void)ppoll(&pfd, 1, &rel, NULL);
		}
	}
	if (rp->progress)
		progress(rp, 0, true);
}

static void send_all(struct rp *rp)
{
	sk_stop_requested = 0;
	sk_signals_install(SK_SIG_STOP);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* Not when -v log lines go to the same terminal: they would tear it. */
	rp->progress = isatty(STDERR_FILENO) &&
		       !(sk_log_enabled(SK_LOG_INFO) && sk_log_file() == stderr);
	rp->start = sk_now_mono_ns();
	rp->last_mono = rp->start;
	rp->progress_next = rp->start + 1000000000LL;
	rp->end_send = rp->o->duration > 0 ? rp->start + (int64_t)(rp->o->duration * 1e9) : 0;
	run_loop(rp);
	sk_rpq_close(rp->q); /* everything analysed, its thread ended */
	rp->q = NULL;
	/* The sending ended (also by ^C: a normal end): the capture takes its name. */
	char err[PATH_MAX + 100];
	if (sk_pcapout_finish(rp->pc, err, sizeof err) != 0) {
		sk_diag("--pcap-out: %s", err);
		rp->pcap_failed = true;
	}
	rp->pc = NULL;
}

/* ---- the results ---- */

/* The run's own members of the document, after analyze's. */
static void replay_members(struct rp *rp, struct sk_report *rep, double secs)
{
	rep->command = "replay";
	sk_report_kv_str(rep, "to", rp->o->to);
	if (rp->o->pcap_out)
		sk_report_kv_str(rep, "pcap_out", rp->o->pcap_out);
	sk_report_kv_u64(rep, "selected", rp->nsel);
	sk_report_kv_u64(rep, "sent", rp->sent - rp->send_errors);
	sk_report_kv_u64(rep, "restamped", rp->restamped);
	sk_report_kv_u64(rep, "send_errors", rp->send_errors);
	sk_report_kv_u64(rep, "replies", rp->replies);
	sk_report_kv_u64(rep, "foreign", rp->foreign);
	sk_report_kv_double(rep, "seconds", secs);
	sk_report_kv_bool(rep, "interrupted", rp->interrupted);
}

/* The summary line on standard error and the results on standard output; returns the exit
 * status. */
static int report(struct rp *rp, int status)
{
	const struct replay_opts *o = rp->o;
	double secs = (double)(rp->last_mono - rp->start) / 1e9;
	sk_diag("sent %" PRIu64 " packets (%" PRIu64 " re-stamped) of %zu "
		"selected in %.3f s (%.0f packets/s), %" PRIu64 " replies%s", rp->sent,
		rp->restamped, rp->nsel, secs, secs > 0 ? (double)rp->sent / secs : 0.0, rp->replies,
		rp->interrupted ? "; interrupted" : "");
	if (rp->foreign)
		sk_diag("%" PRIu64 " datagrams from elsewhere ignored",
			rp->foreign);
	if (rp->send_errors) {
		sk_diag("%" PRIu64 " packets could not be sent to %s (first: "
			"%zu octets: %s)", rp->send_errors, o->to, rp->first_err_len,
			strerror(rp->first_errno));
		if (rp->send_errors == rp->sent)
			return 1;
		status = 3;
	}
	if (open_analysis(rp) != 0)
		return 1;
	struct sk_report rep;
	int as = sk_analyze_finish(rp->an, &rep);
	replay_members(rp, &rep, secs);
	if (o->json)
		sk_report_json(stdout, &rep);
	else
		sk_report_table(stdout, &rep);
	fflush(stdout);
	int cs = sk_analyze_close(rp->an);
	rp->an = NULL;
	as = as ? as : cs;
	if (rp->pcap_failed)
		return 1;
	if (!rp->replies) {
		/* As ping: nothing answered is a failure, said after the results. */
		sk_diag("no reply from %s: %" PRIu64 " packets sent, none answered%s", o->to,
			rp->sent - rp->send_errors, rp->interrupted ? " before the interruption" : "");
		return 1;
	}
	return as && !status ? as : status;
}

static void rp_free(struct rp *rp)
{
	sk_rpq_close(rp->q); /* first: its thread may still be feeding the analysis */
	rp->q = NULL;
	for (uint32_t i = 0; rp->sock && i < rp->l.nsess; i++)
		if (rp->sock[i].io.fd >= 0 && rp->sock[i].io.ops)
			rp->sock[i].io.ops->close(&rp->sock[i].io);
	sk_rawtx_close(rp->rawtx);
	if (rp->epfd >= 0)
		close(rp->epfd);
	free(rp->sock);
	free(rp->next_seq);
	free(rp->evs);
	sk_pcapout_discard(rp->pc); /* still open: the run failed before the sending ended */
	if (rp->an)
		(void)sk_analyze_close(rp->an);
	free(rp->offs);
	free(rp->txbuf);
	free(rp->rxbuf);
	free(rp->b);
	free(rp->rx);
	sk_replay_load_free(&rp->l);
	free(rp);
}

/* Loads and selects; returns 0 or 3 to go on, or the exit status to stop with. */
static int load(struct rp *rp)
{
	const struct replay_opts *o = rp->o;
	int status = sk_replay_load(&rp->l, o->file, o->ports, o->nports, o->all);
	if (status == 1)
		return 1;
	if (sk_replay_left_out(&rp->l, o->file, o->all))
		status = 3;
	long nsel = sk_replay_select(&rp->l, o->want, o->nwant, o->file);
	if (nsel < 0)
		return nsel == -1 ? 2 : 1;
	if (!nsel) {
		sk_diag("%s: no test packets to replay (%" PRIu64 " frames; "
			"test packets are looked for on UDP 862, on --port and on ports negotiated by "
			"TWAMP-Control)", o->file, rp->l.frames);
		return 1;
	}
	rp->nsel = (size_t)nsel;
	rp->sock = calloc(rp->l.nsess, sizeof *rp->sock);
	rp->next_seq = calloc(rp->l.nsess, sizeof *rp->next_seq);
	if (!rp->sock || !rp->next_seq) {
		sk_diag("out of memory");
		return 1;
	}
	for (uint32_t i = 0; i < rp->l.nsess; i++)
		rp->sock[i].io.fd = -1;
	return status;
}

int replay_run(const struct replay_opts *o)
{
	struct rp *rp = calloc(1, sizeof *rp);
	if (!rp || sk_crypto_init() != SK_OK) {
		sk_diag("out of memory");
		free(rp);
		return 1;
	}
	rp->o = o;
	rp->epfd = -1;
	char err[300];
	if (sk_addr_parse(o->to, 862, 0, false, &rp->remote, &rp->rlen, err, sizeof err)) {
		sk_diag("--to %s", err);
		rp_free(rp);
		return 2;
	}
	uint8_t raddr[16];
	sk_sockaddr_unpack((struct sockaddr *)&rp->remote, &rp->rfam, raddr, &rp->rport);
	int status = load(rp);
	if (status == 0 || status == 3) {
		int r = open_sockets(rp);
		if (!r)
			r = open_pcap_out(rp);
		if (!r)
			r = prepare(rp);
		if (!r) {
			send_all(rp);
			r = report(rp, status);
		}
		status = r;
	}
	rp_free(rp);
	return status;
}
