/* SPDX-License-Identifier: BSD-3-Clause */
/* server.c - `stampkit server`: TWAMP-Control server and Session-Reflectors over the codec's
 * control state machine and reflector (RFC 4656 §3, RFC 5357 §3-4, RFC 5618, RFC 5938,
 * RFC 6038, RFC 7750). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jsonw.h"
#include "keyfile.h"
#include "sys.h"
#include "log.h"
#include "server.h"
#include "stampkit/reflect.h"
#include "stampkit/stampkit.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"
#include "twlive.h"
#include "udpio.h"

struct srv_sess {
	bool used;
	int conn;             /* owning connection index, -1 once it closed */
	int sm_index;         /* index in the connection's state machine */
	struct sk_io io;
	uint8_t peer_fam, peer_addr[16]; /* Session-Sender address (test packets only from it) */
	bool active;          /* started and not stopped */
	int64_t expire_mono;  /* > 0: close at this time (after Stop + timeout, or closed conn) */
	uint8_t sec;          /* SK_SEC_* of the test packets */
	uint8_t test_aes[16], test_hmac[32];
	struct sk_reflect_state st;
	uint8_t tf;           /* SK_TF_* negotiated on the connection */
	uint16_t reflect_len; /* RFC 6038 Length of padding to reflect */
	uint64_t received, reflected, refused;
};

struct srv_conn {
	bool used;
	int fd;
	struct sk_twsm sm;
	int64_t last_mono;
	struct sockaddr_storage peer, local;
	int req_pending;      /* Request-TW-Session index awaiting our Accept, -1 none */
	int cmd_pending;      /* SK_TWCTL_* awaiting our ack, 0 none */
	bool fail;
	char name[80];
};

struct srv {
	struct srv_conn *conns;
	unsigned max_conns, nconns;
	struct srv_sess *sess;
	unsigned max_sess, nsess;
	uint32_t modes, count;
	struct sk_keys *keys;
	int64_t servwait_ns;
	int tos, ttl;
	long port_lo, port_hi;
	/* counters reported at exit */
	uint64_t conns_accepted, refused_conns, sessions_accepted, refused_sessions;
	uint64_t test_received, test_reflected, test_refused;
};

static void srv_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct srv_conn *c = ctx;
	if (ev->kind == SK_TWSM_EV_ERROR) {
		sk_log(SK_LOG_WARNING, "%s: %s%s%s", c->name, sk_strerror(ev->err),
		       ev->msg ? ": " : "", ev->msg ? ev->msg : "");
		return;
	}
	if (ev->kind != SK_TWSM_EV_MESSAGE)
		return;
	sk_log(SK_LOG_INFO, "%s: <<%s>>", c->name, sk_twctl_type_name(ev->type));
	switch (ev->type) {
	case SK_TWCTL_SETUP_RESPONSE:
		if (!(ev->m.setup.mode & SK_TWMODE_SECURITY_MASK))
			sk_log(SK_LOG_INFO, "%s: client declined (Mode 0)", c->name);
		/* RFC 4656 §3.1: the client picks among the Modes offered; a feature bit we did
		 * not offer means it will expect something we do not do. */
		if (ev->m.setup.mode & ~c->sm.greeting.modes) {
			sk_log(SK_LOG_WARNING, "%s: Mode 0x%x asks for what was not offered (0x%x)", c->name,
			       ev->m.setup.mode, c->sm.greeting.modes);
			c->fail = true;
		}
		break;
	case SK_TWCTL_REQUEST_TW_SESSION:
		c->req_pending = ev->session >= 0 ? ev->session : SK_TWSM_MAX_SESSIONS;
		break;
	case SK_TWCTL_START_SESSIONS:
	case SK_TWCTL_START_N_SESSIONS:
	case SK_TWCTL_STOP_N_SESSIONS:
		c->cmd_pending = (int)ev->type;
		break;
	default:
		break;
	}
}

static int srv_free_sess(struct srv *s)
{
	for (unsigned i = 0; i < s->max_sess; i++)
		if (!s->sess[i].used)
			return (int)i;
	return -1;
}

static void srv_close_sess(struct srv *s, struct srv_sess *x)
{
	if (!x->used)
		return;
	char bs[80];
	sk_sockaddr_str((struct sockaddr *)&x->io.bound, bs, sizeof bs);
	sk_log(SK_LOG_INFO, "session on %s closed: received %llu reflected %llu refused %llu", bs,
	       (unsigned long long)x->received, (unsigned long long)x->reflected,
	       (unsigned long long)x->refused);
	s->test_received += x->received;
	s->test_reflected += x->reflected;
	s->test_refused += x->refused;
	x->io.ops->close(&x->io);
	memset(x->test_aes, 0, sizeof x->test_aes);
	memset(x->test_hmac, 0, sizeof x->test_hmac);
	x->used = false;
	s->nsess--;
}

/* Open the reflector socket: the port asked for when free, else another (RFC 5357 §3.5:
 * the Server says so in Accept-Session's Port). */
static int srv_open_test(struct srv *s, uint8_t fam, const uint8_t *addr, uint16_t want, int tos,
			 struct sk_io *io, uint16_t *got)
{
	struct sk_io_opts o = { .tos = tos, .ttl = s->ttl, .rx_timestamps = true, .bufsize = 1 << 20 };
	char err[200];
	struct sockaddr_storage ss;
	socklen_t sl;
	long span = s->port_hi - s->port_lo + 1;
	uint32_t r0;
	sk_tw_random(NULL, (uint8_t *)&r0, sizeof r0);
	for (long i = -1; i < span && i < 2000; i++) {
		uint16_t p = i < 0 ? want : (uint16_t)(s->port_lo + (long)((r0 + (uint32_t)i) % (uint32_t)span));
		if (i < 0 && p == 0)
			continue;
		sk_sockaddr_pack(fam, addr, p, &ss, &sl);
		io->ops = &sk_io_udp;
		io->fd = -1;
		if (io->ops->open(io, (struct sockaddr *)&ss, sl, &o, err, sizeof err) == 0) {
			uint8_t bf, ba[16];
			sk_sockaddr_unpack((struct sockaddr *)&io->bound, &bf, ba, got);
			return 0;
		}
		if (!strstr(err, "in use") && !strstr(err, "denied") && !strstr(err, "privileged")) {
			sk_log(SK_LOG_WARNING, "reflector socket: %s", err);
			return -1;
		}
	}
	return -1;
}

/* The Accept value for a request (0: acceptable so far) and the DSCP its Type-P asks for. */
static uint8_t srv_check_request(struct srv *s, const struct sk_twsm_session *q, uint8_t *dscp,
				 int *si)
{
	unsigned flags = 0;
	*si = -1;
	if (!q)
		return 5; /* more sessions on this connection than the machine holds */
	if (q->ipvn != 4 && q->ipvn != 6)
		return 3;
	if (sk_twamp_typep_dscp(q->type_p, dscp, &flags) != SK_OK)
		return 3; /* a PHB ID (RFC 4656 §3.5 "01" form) is not supported */
	if ((*si = srv_free_sess(s)) < 0) {
		s->refused_sessions++;
		return 5; /* temporary resource limitation: --max-sessions */
	}
	return 0;
}

/* The reflector's address: the control connection's, or the Receiver Address asked for;
 * a test flow of the other family needs both addresses given. 0, or an Accept value. */
static uint8_t srv_reflector_addr(const struct srv_conn *c, const struct sk_twsm_session *q,
				  uint8_t *rfam, uint8_t raddr[16])
{
	uint8_t lfam, laddr[16];
	uint16_t lport;
	sk_sockaddr_unpack((const struct sockaddr *)&c->local, &lfam, laddr, &lport);
	size_t alen = q->ipvn == 4 ? 4 : 16;
	*rfam = lfam;
	memcpy(raddr, laddr, 16);
	if (q->ipvn != lfam) {
		if (sk_tw_all_zero(q->receiver_address, alen) || sk_tw_all_zero(q->sender_address, alen))
			return 3;
		*rfam = q->ipvn;
		memset(raddr, 0, 16);
		memcpy(raddr, q->receiver_address, alen);
	} else if (!sk_tw_all_zero(q->receiver_address, alen)) {
		memset(raddr, 0, 16);
		memcpy(raddr, q->receiver_address, alen);
	}
	return 0;
}

/* The session's state once Accept-Session 0 is queued. */
static void srv_fill_sess(struct srv *s, int ci, int idx, struct srv_sess *x,
			  const struct sk_twsm_session *q)
{
	struct srv_conn *c = &s->conns[ci];
	x->used = true;
	x->conn = ci;
	x->sm_index = idx;
	size_t alen = q->ipvn == 4 ? 4 : 16;
	if (sk_tw_all_zero(q->sender_address, alen)) {
		uint16_t cport;
		sk_sockaddr_unpack((struct sockaddr *)&c->peer, &x->peer_fam, x->peer_addr, &cport);
	} else {
		x->peer_fam = q->ipvn;
		memset(x->peer_addr, 0, 16);
		memcpy(x->peer_addr, q->sender_address, alen);
	}
	const struct sk_twsm_session *a = sk_twsm_session(&c->sm, (unsigned)idx);
	x->sec = (uint8_t)sk_twmode_sec(a->mode);
	x->tf = sk_tw_tf_of(c->sm.mode);
	x->reflect_len = (x->tf & SK_TF_REFLECT_OCTETS) ? q->padding_reflected : 0;
	if (a->has_keys) {
		memcpy(x->test_aes, a->test_aes, 16);
		memcpy(x->test_hmac, a->test_hmac, 32);
	}
	s->nsess++;
	s->sessions_accepted++;
}

static void srv_handle_request(struct srv *s, int ci)
{
	struct srv_conn *c = &s->conns[ci];
	int idx = c->req_pending;
	c->req_pending = -1;
	const struct sk_twsm_session *q =
		idx < SK_TWSM_MAX_SESSIONS ? sk_twsm_session(&c->sm, (unsigned)idx) : NULL;
	uint8_t dscp = 0, rfam = 0, raddr[16];
	int si;
	uint8_t accept = srv_check_request(s, q, &dscp, &si);
	if (!accept)
		accept = srv_reflector_addr(c, q, &rfam, raddr);
	struct srv_sess *x = si >= 0 ? &s->sess[si] : NULL;
	uint16_t port = 0;
	if (!accept) {
		memset(x, 0, sizeof *x);
		if (srv_open_test(s, rfam, raddr, q->requested_port, dscp ? dscp << 2 : s->tos, &x->io, &port))
			accept = 2; /* internal error: no socket */
	}
	if (accept) {
		sk_log(SK_LOG_WARNING, "%s: session refused: Accept %u (%s)", c->name, accept,
		       sk_tw_accept_name(accept));
		if (sk_twsm_server_accept(&c->sm, accept, 0, NULL, 0) != SK_OK)
			c->fail = true;
		return;
	}
	/* RFC 4656 §3.5: receiver address (IPv4 or the last 4 octets), timestamp, random. */
	uint8_t sid[16];
	memcpy(sid, rfam == 4 ? raddr : raddr + 12, 4);
	uint64_t ts = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0);
	for (int i = 0; i < 8; i++)
		sid[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
	sk_tw_random(NULL, sid + 12, 4);
	if (sk_twsm_server_accept(&c->sm, 0, port, sid, 0) != SK_OK) {
		x->io.ops->close(&x->io);
		c->fail = true;
		return;
	}
	srv_fill_sess(s, ci, idx, x, q);
	char bs[80];
	sk_sockaddr_str((struct sockaddr *)&x->io.bound, bs, sizeof bs);
	sk_log(SK_LOG_INFO, "%s: session accepted: reflector %s%s (asked for port %u), DSCP %u, "
	       "padding %u, timeout %.3f s%s%s%s", c->name, bs, port != q->requested_port ? " (other port)" : "",
	       q->requested_port, dscp, q->padding_length, (double)q->timeout / 4294967296.0,
	       (x->tf & SK_TF_SYMMETRICAL) ? ", symmetrical" : "",
	       (x->tf & SK_TF_DSCP_ECN) ? ", DSCP/ECN" : "",
	       (x->tf & SK_TF_REFLECT_OCTETS) ? ", reflect octets" : "");
	if (x->tf & SK_TF_REFLECT_OCTETS)
		sk_log(SK_LOG_INFO, "%s: reflecting %u padding octets", c->name, x->reflect_len);
}

static void srv_handle_cmd(struct srv *s, int ci)
{
	struct srv_conn *c = &s->conns[ci];
	int t = c->cmd_pending;
	c->cmd_pending = 0;
	if (t == SK_TWCTL_START_SESSIONS) {
		if (sk_twsm_server_start_ack(&c->sm, 0) != SK_OK)
			c->fail = true;
		return;
	}
	/* RFC 5938: every SID must be one of this connection's accepted sessions. */
	uint8_t acc = 0;
	for (uint32_t i = 0; i < c->sm.pending_n_count; i++) {
		const struct sk_twsm_session *q = sk_twsm_find_session(&c->sm, c->sm.pending_n[i]);
		if (!q || q->state == SK_TWSESS_REJECTED || q->state == SK_TWSESS_REQUESTED)
			acc = 1;
	}
	enum sk_result r = t == SK_TWCTL_START_N_SESSIONS ? sk_twsm_server_start_n_ack(&c->sm, acc)
							   : sk_twsm_server_stop_n_ack(&c->sm, acc);
	if (r != SK_OK)
		c->fail = true;
}

/* Mirror the machine's view of each session into its reflector. */
static void srv_sync(struct srv *s, int ci)
{
	struct srv_conn *c = &s->conns[ci];
	for (unsigned i = 0; i < s->max_sess; i++) {
		struct srv_sess *x = &s->sess[i];
		if (!x->used || x->conn != ci)
			continue;
		const struct sk_twsm_session *q = sk_twsm_session(&c->sm, (unsigned)x->sm_index);
		if (!q)
			continue;
		bool act = q->state == SK_TWSESS_STARTED;
		if (act && !x->active)
			sk_log(SK_LOG_INFO, "%s: session started", c->name);
		if (!act && x->active) {
			/* RFC 5357 §3.8: keep answering for Timeout after Stop-Sessions. */
			x->expire_mono = sk_now_mono_ns() + (int64_t)((double)q->timeout / 4294967296.0 * 1e9);
			sk_log(SK_LOG_INFO, "%s: session stopped", c->name);
		}
		if (act)
			x->expire_mono = 0;
		x->active = act;
	}
}

static void srv_close_conn(struct srv *s, int ci, const char *why)
{
	struct srv_conn *c = &s->conns[ci];
	sk_log(SK_LOG_INFO, "%s: connection closed (%s)", c->name, why);
	close(c->fd);
	for (unsigned i = 0; i < s->max_sess; i++) {
		struct srv_sess *x = &s->sess[i];
		if (x->used && x->conn == ci) {
			const struct sk_twsm_session *q = sk_twsm_session(&c->sm, (unsigned)x->sm_index);
			double to = q ? (double)q->timeout / 4294967296.0 : 0;
			if (to > 60)
				to = 60;
			/* Replies still in flight are answered for the session timeout. */
			x->conn = -1;
			x->expire_mono = sk_now_mono_ns() + (int64_t)(to * 1e9);
		}
	}
	memset(&c->sm, 0, sizeof c->sm); /* holds keys */
	c->used = false;
	s->nconns--;
}

/* One reply into o from the request m, or -1 when it is refused. */
static int srv_reply(struct srv_sess *x, const struct sk_io_msg *m, int64_t t2, uint16_t errest,
		     bool synced, uint16_t bport, struct sk_io_msg *o)
{
	uint8_t pf, pa[16];
	uint16_t pp;
	sk_sockaddr_unpack((const struct sockaddr *)&m->peer, &pf, pa, &pp);
	/* Only the session's sender, only while started (or within its timeout). */
	if (m->truncated || pf != x->peer_fam || memcmp(pa, x->peer_addr, pf == 4 ? 4 : 16) ||
	    (!x->active && !x->expire_mono) || pp == 0)
		return -1;
	struct sk_reflect_cfg cfg = {
		.proto = SK_PROTO_TWAMP, .sec = x->sec, .stateful = true,
		.allow_short = true, /* the session was negotiated: no amplification risk */
		.ts_fmt = SK_TS_NTP, .error_estimate = errest, .sync_src = synced ? 1 : 5,
		.ts_method_in = 2, .ts_method_out = 2,
		.features = x->tf, .reflect_len = x->reflect_len,
		.test_aes = x->test_aes, .test_hmac = x->test_hmac,
	};
	struct sk_reflect_rx r = { .t2_ns = t2, .ttl = m->ttl, .tos = m->tos, .family = pf,
				   .sport = pp, .dport = bport };
	memcpy(r.src, pa, 16);
	struct sk_reflect_info info;
	if (sk_reflect_build(m->buf, m->len, &cfg, &r, &x->st, sk_now_real_ns(), o->buf, o->cap,
			     &info, NULL) != SK_OK)
		return -1;
	o->len = info.len;
	memcpy(&o->peer, &m->peer, sizeof o->peer);
	o->peerlen = m->peerlen;
	memcpy(&o->local, &m->local, sizeof o->local);
	o->set_tos = -1;
	return 0;
}

static void srv_reflect(struct srv *s, struct srv_sess *x)
{
	static uint8_t rxbuf[SK_IO_BATCH][SK_TW_MAX_PKT + 1], txbuf[SK_IO_BATCH][SK_TW_MAX_PKT + 128];
	struct sk_io_msg rx[SK_IO_BATCH], tx[SK_IO_BATCH];
	for (int i = 0; i < SK_IO_BATCH; i++) {
		memset(&rx[i], 0, sizeof rx[i]);
		memset(&tx[i], 0, sizeof tx[i]);
		rx[i].buf = rxbuf[i];
		rx[i].cap = sizeof rxbuf[i];
		tx[i].buf = txbuf[i];
		tx[i].cap = sizeof txbuf[i];
	}
	int n = x->io.ops->recv_batch(&x->io, rx, SK_IO_BATCH);
	if (n <= 0)
		return;
	int64_t user_rx = sk_now_real_ns();
	uint8_t bf, ba[16];
	uint16_t bport;
	sk_sockaddr_unpack((struct sockaddr *)&x->io.bound, &bf, ba, &bport);
	bool synced;
	uint16_t errest = sk_clock_errest(SK_TS_NTP, &synced);
	unsigned nout = 0;
	for (int i = 0; i < n; i++) {
		x->received++;
		sk_log_hex("test packet", rx[i].buf, rx[i].len);
		int64_t t2 = rx[i].rx_ns ? rx[i].rx_ns : user_rx;
		if (srv_reply(x, &rx[i], t2, errest, synced, bport, &tx[nout])) {
			x->refused++;
			continue;
		}
		if (x->conn >= 0)
			s->conns[x->conn].last_mono = sk_now_mono_ns();
		nout++;
	}
	unsigned done = 0;
	while (done < nout) {
		int k = x->io.ops->send_batch(&x->io, tx + done, nout - done);
		if (k <= 0) {
			done++;
			continue;
		}
		x->reflected += (unsigned)k;
		done += (unsigned)k;
	}
}

/* RFC 4656 §3.1: a Server-Greeting with Modes 0 refuses the connection. */
static void srv_refuse_conn(struct srv *s, int fd, const char *name)
{
	struct sk_twctl_greeting g;
	memset(&g, 0, sizeof g);
	g.count = 1024;
	uint8_t b[SK_TWCTL_GREETING_LEN];
	size_t bl = 0;
	if (sk_twctl_encode(SK_TWCTL_SERVER_GREETING, &g, b, sizeof b, &bl) == SK_OK)
		(void)!send(fd, b, bl, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	s->refused_conns++;
	sk_log(SK_LOG_WARNING, "%s: refused (Modes 0): --max-connections %u reached", name,
	       s->max_conns);
}

static void srv_accept(struct srv *s, int lfd)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;
		int fd = accept(lfd, (struct sockaddr *)&peer, &pl);
		if (fd < 0)
			return;
		sk_tw_nonblock(fd);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char name[80];
		sk_sockaddr_str((struct sockaddr *)&peer, name, sizeof name);
		int ci = -1;
		for (unsigned i = 0; i < s->max_conns && ci < 0; i++)
			if (!s->conns[i].used)
				ci = (int)i;
		if (ci < 0) {
			srv_refuse_conn(s, fd, name);
			continue;
		}
		struct srv_conn *c = &s->conns[ci];
		memset(c, 0, sizeof *c);
		c->used = true;
		c->fd = fd;
		c->req_pending = -1;
		memcpy(&c->peer, &peer, sizeof peer);
		socklen_t ll = sizeof c->local;
		getsockname(fd, (struct sockaddr *)&c->local, &ll);
		memcpy(c->name, name, sizeof name);
		c->last_mono = sk_now_mono_ns();
		s->nconns++;
		s->conns_accepted++;
		struct sk_twsm_config cfg = {
			.role = SK_TWSM_SERVER, .modes = s->modes | SK_TWMODE_INDIVIDUAL, .count = s->count,
			.server_start_time = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0),
			.key_lookup = sk_keys_lookup, .key_ctx = s->keys, .random = sk_tw_random,
			.on_event = srv_event, .event_ctx = c,
		};
		sk_log(SK_LOG_INFO, "%s: connected", name);
		if (sk_twsm_init(&c->sm, &cfg) != SK_OK || sk_tw_flush(fd, &c->sm))
			srv_close_conn(s, ci, "cannot send Server-Greeting");
	}
}

static void srv_conn_input(struct srv *s, int ci)
{
	struct srv_conn *c = &s->conns[ci];
	uint8_t buf[4096];
	ssize_t k = recv(c->fd, buf, sizeof buf, 0);
	if (k == 0) {
		srv_close_conn(s, ci, "closed by the client");
		return;
	}
	if (k < 0) {
		if (errno != EAGAIN && errno != EINTR)
			srv_close_conn(s, ci, strerror(errno));
		return;
	}
	c->last_mono = sk_now_mono_ns();
	sk_log_hex(c->name, buf, (size_t)k); /* -d: the control octets as they arrived */
	/* Feed message by message: the machine waits for our answer before the next command. */
	size_t off = 0;
	while (off < (size_t)k) {
		size_t used = 0;
		enum sk_result r = sk_twsm_feed_msg(&c->sm, SK_TWSM_C2S, buf + off, (size_t)k - off, &used);
		off += used ? used : (size_t)k - off; /* nothing taken: the machine stopped */
		if (c->req_pending >= 0)
			srv_handle_request(s, ci);
		if (c->cmd_pending)
			srv_handle_cmd(s, ci);
		if (r != SK_OK || c->fail) {
			sk_tw_flush(c->fd, &c->sm); /* e.g. Server-Start with Accept 1 */
			srv_close_conn(s, ci, c->sm.state == SK_TWSM_CLOSED ? "refused" : "protocol error");
			return;
		}
	}
	srv_sync(s, ci);
	if (sk_tw_flush(c->fd, &c->sm))
		srv_close_conn(s, ci, "send failed");
	else if (c->sm.state == SK_TWSM_CLOSED)
		srv_close_conn(s, ci, "refused");
}

/* The TWAMP-Control listening socket on LOCAL (default every address, IPv4 when IPv6 is
 * not there). The socket, or -1 after saying why. */
static int srv_listen(const char *ls)
{
	char err[300];
	struct sockaddr_storage local;
	socklen_t llen;
	if (sk_addr_parse(ls, SK_TW_CONTROL_PORT, 0, true, &local, &llen, err, sizeof err)) {
		sk_diag("%s", err);
		return -2;
	}
	int lfd = socket(local.ss_family, SOCK_STREAM, 0);
	if (lfd < 0 && local.ss_family == AF_INET6 && (!ls[0] || ls[0] == ':')) {
		sk_addr_parse(ls, SK_TW_CONTROL_PORT, 4, true, &local, &llen, err, sizeof err);
		lfd = socket(local.ss_family, SOCK_STREAM, 0);
	}
	int one = 1, zero = 0;
	if (lfd >= 0) {
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (local.ss_family == AF_INET6)
			setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	}
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&local, llen) || listen(lfd, 128) ||
	    sk_tw_nonblock(lfd)) {
		int e = errno;
		char bs[80];
		sk_sockaddr_str((struct sockaddr *)&local, bs, sizeof bs);
		sk_diag("cannot listen on %s: %s%s", bs, strerror(e),
			e == EACCES ? " (port 862 is privileged: run as root, or give a port >= 1024)" : "");
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	getsockname(lfd, (struct sockaddr *)&bound, &bl);
	char bs[80];
	sk_sockaddr_str((struct sockaddr *)&bound, bs, sizeof bs);
	sk_log(SK_LOG_INFO, "TWAMP server listening on %s", bs);
	sk_diag("listening on %s", bs);
	return lfd;
}

/* One round of the loop: wait up to 200 ms, serve what is ready, then the timers. */
static int srv_poll_once(struct srv *s, int lfd, struct pollfd *pf, int *who)
{
	unsigned np = 0;
	pf[np].fd = lfd;
	pf[np].events = POLLIN;
	who[np++] = 0;
	for (unsigned i = 0; i < s->max_conns; i++)
		if (s->conns[i].used) {
			pf[np].fd = s->conns[i].fd;
			pf[np].events = POLLIN;
			who[np++] = 1 + (int)i;
		}
	for (unsigned i = 0; i < s->max_sess; i++)
		if (s->sess[i].used) {
			pf[np].fd = s->sess[i].io.fd;
			pf[np].events = POLLIN;
			who[np++] = -1 - (int)i;
		}
	int k = poll(pf, np, 200);
	if (k < 0 && errno != EINTR)
		return -1;
	for (unsigned i = 0; k > 0 && i < np; i++) {
		if (!pf[i].revents)
			continue;
		if (who[i] == 0)
			srv_accept(s, lfd);
		else if (who[i] > 0 && s->conns[who[i] - 1].used)
			srv_conn_input(s, who[i] - 1);
		else if (who[i] < 0 && s->sess[-1 - who[i]].used)
			srv_reflect(s, &s->sess[-1 - who[i]]);
	}
	int64_t now = sk_now_mono_ns();
	for (unsigned i = 0; i < s->max_conns; i++)
		if (s->conns[i].used && now - s->conns[i].last_mono > s->servwait_ns)
			srv_close_conn(s, (int)i, "SERVWAIT: idle");
	for (unsigned i = 0; i < s->max_sess; i++) {
		struct srv_sess *x = &s->sess[i];
		if (x->used && x->expire_mono && now > x->expire_mono && (!x->active || x->conn < 0))
			srv_close_sess(s, x);
	}
	return 0;
}

/* The Modes offered, in words ("unauth,auth,reflect-octets"). */
static void modes_text(char *b, size_t n, uint32_t m)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ SK_TWMODE_UNAUTH, "unauth" }, { SK_TWMODE_AUTH, "auth" },
		{ SK_TWMODE_ENCRYPT, "encrypted" }, { SK_TWMODE_MIXED, "mixed" },
		{ SK_TWMODE_REFLECT_OCTETS, "reflect-octets" }, { SK_TWMODE_SYMMETRICAL, "symmetrical" },
		{ SK_TWMODE_DSCP_ECN, "dscp-ecn" },
	};
	size_t used = 0;
	b[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (m & names[i].bit) {
			int w = snprintf(b + used, n - used, "%s%s", used ? "," : "", names[i].name);
			if (w > 0 && (size_t)w < n - used)
				used += (size_t)w;
		}
}

/* The counters at exit: a table, or one JSON document {"command":"server", ...,
 * "counters":{...}, "sessions":[]} (the server keeps no per-session results). */
static void srv_report(const struct srv *s, const char *listen, bool json)
{
	static const char *const keys[] = { "connections", "refused_connections", "sessions",
					    "refused_sessions", "test_received", "test_reflected",
					    "test_refused" };
	static const char *const labels[] = {
		"control connections accepted", "control connections refused (Modes 0)",
		"test sessions accepted", "test sessions refused (Accept 5)",
		"test packets received", "test packets reflected",
		"test packets refused (wrong sender, not started, malformed, HMAC)" };
	const uint64_t v[] = { s->conns_accepted, s->refused_conns, s->sessions_accepted,
			       s->refused_sessions, s->test_received, s->test_reflected,
			       s->test_refused };
	char modes[128];
	modes_text(modes, sizeof modes, s->modes);
	if (json) {
		struct sk_jw w;
		sk_jw_init(&w, stdout);
		sk_jw_obj(&w, NULL);
		sk_jw_str(&w, "command", "server");
		sk_jw_str(&w, "version", STAMPKIT_VERSION);
		sk_jw_str(&w, "listen", listen);
		sk_jw_str(&w, "modes", modes);
		sk_jw_obj(&w, "counters");
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			sk_jw_u64(&w, keys[i], v[i]);
		sk_jw_obj_end(&w);
		sk_jw_arr(&w, "sessions");
		sk_jw_arr_end(&w);
		sk_jw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		printf("TWAMP server on %s, modes %s\n", listen, modes);
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			printf("  %-66s %llu\n", labels[i], (unsigned long long)v[i]);
	}
	fflush(stdout);
}

static struct sk_keys *srv_keys(const struct server_opts *o)
{
	struct sk_keys *keys = calloc(1, sizeof *keys);
	char err[400];
	if (!keys)
		return NULL;
	if (sk_keys_load(o->key_file, keys, err, sizeof err)) {
		sk_diag("%s", err);
		free(keys);
		return NULL;
	}
	return keys;
}

int server_run(const struct server_opts *o)
{
	struct sk_keys *keys = NULL;
	if (o->modes & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED)) {
		if (!o->key_file) {
			sk_diag("the authenticated, encrypted and mixed modes need --key-file (lines "
				"'KeyID passphrase')");
			return 2;
		}
		if (!(keys = srv_keys(o)))
			return 2;
	}
	int status = 1;
	struct srv s;
	memset(&s, 0, sizeof s);
	struct pollfd *pf = NULL;
	int *who = NULL;
	int lfd = srv_listen(o->local ? o->local : "");
	if (lfd < 0) {
		status = lfd == -2 ? 2 : 1;
		goto out;
	}
	s.max_conns = o->max_conns;
	s.max_sess = o->max_sess;
	s.conns = calloc(s.max_conns, sizeof *s.conns);
	s.sess = calloc(s.max_sess, sizeof *s.sess);
	s.modes = o->modes;
	s.count = o->pbkdf2_count;
	s.keys = keys;
	s.servwait_ns = o->servwait_s * 1000000000LL;
	s.tos = o->tos;
	s.ttl = o->ttl;
	s.port_lo = o->port_lo;
	s.port_hi = o->port_hi;
	pf = calloc(1 + s.max_conns + s.max_sess, sizeof *pf);
	who = calloc(1 + s.max_conns + s.max_sess, sizeof *who);
	if (!s.conns || !s.sess || !pf || !who) {
		sk_diag("out of memory");
		goto out;
	}
	sk_signals_install(SK_SIG_STOP | SK_SIG_IGNORE_PIPE);
	while (!sk_stop_requested)
		if (srv_poll_once(&s, lfd, pf, who))
			break;
	for (unsigned i = 0; i < s.max_conns; i++)
		if (s.conns[i].used)
			srv_close_conn(&s, (int)i, "server stopped");
	for (unsigned i = 0; i < s.max_sess; i++)
		srv_close_sess(&s, &s.sess[i]);
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	char listen[80];
	getsockname(lfd, (struct sockaddr *)&bound, &bl);
	sk_sockaddr_str((struct sockaddr *)&bound, listen, sizeof listen);
	srv_report(&s, listen, o->json);
	status = 0;
out:
	if (lfd >= 0)
		close(lfd);
	free(pf);
	free(who);
	free(s.conns);
	free(s.sess);
	if (keys) {
		sk_keys_wipe(keys);
		free(keys);
	}
	return status;
}
