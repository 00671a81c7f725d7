/* SPDX-License-Identifier: BSD-3-Clause */
/* server.c - `stampkit server`: TWAMP-Control server over the codec's control state machine
 * (RFC 4656 §3, RFC 5357 §3, RFC 5618, RFC 5938, RFC 6038, RFC 7750), one poll loop that
 * never waits on a client: non-blocking sockets, answers buffered per connection up to
 * SRV_OUT_CAP, deadlines for the set-up and for each message, limits per source address.
 * The Session-Reflectors are in server_refl.c. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "keyfile.h"
#include "log.h"
#include "mxport.h"
#include "server.h"
#include "server_int.h"
#include "stampkit/stampkit.h"
#include "stampkit/timestamp.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"
#include "sys.h"
#include "twlive.h"
#include "udpio.h"

/* What a client can make us say again and again (refusals, protocol errors, closes) goes
 * through the rate limiter, keyed by what happened and the client's address: a client
 * streaming refused requests writes a few lines and an account of the rest. */
static void srv_say(int level, const struct srv_conn *c, const char *kind, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
static void srv_say(int level, const struct srv_conn *c, const char *kind, const char *fmt, ...)
{
	if (!sk_log_enabled(level))
		return;
	char key[128], msg[400];
	snprintf(key, sizeof key, "%s: %s", c->src, kind);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sk_log_limited(level, key, "%s: %s", c->name, msg);
}

static bool srv_is_command(enum sk_twctl_type t)
{
	return t == SK_TWCTL_REQUEST_TW_SESSION || t == SK_TWCTL_START_SESSIONS ||
	       t == SK_TWCTL_STOP_SESSIONS || t == SK_TWCTL_START_N_SESSIONS ||
	       t == SK_TWCTL_STOP_N_SESSIONS;
}

static void srv_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct srv_conn *c = ctx;
	if (ev->kind == SK_TWSM_EV_ERROR) {
		/* said with the close it causes: one line per failed connection */
		snprintf(c->err, sizeof c->err, "%s%s%s", sk_strerror(ev->err), ev->msg ? ": " : "",
			 ev->msg ? ev->msg : "");
		return;
	}
	if (ev->kind != SK_TWSM_EV_MESSAGE)
		return;
	/* A whole message: SERVWAIT counts from here (trickled octets do not count), the
	 * next message's deadline starts with its first octet. */
	c->last_mono = sk_now_mono_ns();
	c->partial_mono = 0;
	if (srv_is_command(ev->type))
		c->setup_done = true;
	if (c->msgs_logged < SRV_MSG_LOG_MAX && sk_log_enabled(SK_LOG_INFO)) {
		sk_log(SK_LOG_INFO, "%s: <<%s>>", c->name, sk_twctl_type_name(ev->type));
		if (++c->msgs_logged == SRV_MSG_LOG_MAX)
			sk_log(SK_LOG_INFO, "%s: %d control messages logged, the rest of this "
			       "connection's are not", c->name, SRV_MSG_LOG_MAX);
	}
	switch (ev->type) {
	case SK_TWCTL_SETUP_RESPONSE:
		if (!ev->m.setup.mode)
			sk_log(SK_LOG_INFO, "%s: client declined (Mode 0)", c->name);
		/* RFC 4656 §3.1: the client picks among the Modes offered; a feature bit we did
		 * not offer means it will expect something we do not do. */
		if (ev->m.setup.mode & ~c->sm.greeting.modes) {
			snprintf(c->err, sizeof c->err, "Mode 0x%x asks for what was not offered "
				 "(0x%x)", ev->m.setup.mode, c->sm.greeting.modes);
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

static bool srv_same_src(uint8_t fa, const uint8_t *a, uint8_t fb, const uint8_t *b)
{
	return fa == fb && !memcmp(a, b, fa == 4 ? 4 : 16);
}

/* Control connections open from the client's address. */
static unsigned srv_src_conns(const struct srv *s, uint8_t fam, const uint8_t *addr)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->conn_hi; i++)
		n += s->conns[i].used && srv_same_src(s->conns[i].src_fam, s->conns[i].src_addr, fam, addr);
	return n;
}

/* Test sessions held for a client address, also those still answering after their
 * connection closed (they hold a socket and a slot as long). */
static unsigned srv_src_sessions(const struct srv *s, uint8_t fam, const uint8_t *addr)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->sess_hi; i++)
		n += s->sess[i].used && srv_same_src(s->sess[i].src_fam, s->sess[i].src_addr, fam, addr);
	return n;
}

/* The Accept value for a request (0: acceptable so far), why not, and the DSCP its Type-P
 * asks for. The limits refuse with Accept 5, "temporary resource limitations" (RFC 4656
 * §3.3, answered in Accept-Session per RFC 5357 §3.5): the client may ask again once
 * sessions end. */
static uint8_t srv_check_request(struct srv *s, const struct srv_conn *c,
				 const struct sk_twsm_session *q, uint8_t *dscp, int *si,
				 char *why, size_t whylen)
{
	unsigned flags = 0;
	*si = -1;
	if (!q) {
		snprintf(why, whylen, "more than %d sessions on one connection", SK_TWSM_MAX_SESSIONS);
		s->refused_sessions_other++;
		return 5;
	}
	if (q->ipvn != 4 && q->ipvn != 6) {
		snprintf(why, whylen, "IPVN %u", q->ipvn);
		s->refused_sessions_other++;
		return 3;
	}
	if (sk_twamp_typep_dscp(q->type_p, dscp, &flags) != SK_OK) {
		snprintf(why, whylen, "Type-P PHB ID not supported"); /* RFC 4656 §3.5 "01" form */
		s->refused_sessions_other++;
		return 3;
	}
	if (srv_src_sessions(s, c->src_fam, c->src_addr) >= s->max_sess_src) {
		snprintf(why, whylen, "--max-sessions-per-source %u reached", s->max_sess_src);
		s->refused_sessions_src++;
		return 5;
	}
	if ((*si = srv_free_sess(s)) < 0) {
		snprintf(why, whylen, "--max-sessions %u reached", s->max_sess);
		s->refused_sessions++;
		return 5;
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
	x->src_fam = c->src_fam;
	memcpy(x->src_addr, c->src_addr, 16);
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
	if ((unsigned)(x - s->sess) >= s->sess_hi)
		s->sess_hi = (unsigned)(x - s->sess) + 1;
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
	char why[96] = "";
	uint8_t accept = srv_check_request(s, c, q, &dscp, &si, why, sizeof why);
	if (!accept && (accept = srv_reflector_addr(c, q, &rfam, raddr))) {
		snprintf(why, sizeof why, "addresses of another family without both given");
		s->refused_sessions_other++;
	}
	struct srv_sess *x = si >= 0 ? &s->sess[si] : NULL;
	uint16_t port = 0;
	if (!accept) {
		memset(x, 0, sizeof *x);
		if (srv_open_test(s, rfam, raddr, q->requested_port, dscp ? dscp << 2 : s->tos, &x->io,
				  &port)) {
			accept = 2; /* internal error: no socket */
			snprintf(why, sizeof why, "no reflector socket");
			s->refused_sessions_other++;
		}
	}
	if (accept) {
		srv_say(SK_LOG_WARNING, c, "session refused", "session refused: Accept %u (%s): %s",
			accept, sk_tw_accept_name(accept), why);
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
	for (unsigned i = 0; i < s->sess_hi; i++) {
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


/* Orderly closes (the client's, SERVWAIT, the server stopping) are logged as they happen
 * (-v); those a client can repeat at will (refusals, protocol errors, deadlines, unread
 * answers) through the rate limiter, as warnings when hostile. */
enum srv_close_kind { SRV_CLOSE_ORDERLY, SRV_CLOSE_REFUSED, SRV_CLOSE_HOSTILE };

static void srv_close_conn(struct srv *s, int ci, enum srv_close_kind kind, const char *why)
{
	struct srv_conn *c = &s->conns[ci];
	const char *sep = c->err[0] ? ": " : "";
	if (kind == SRV_CLOSE_ORDERLY) {
		sk_log(SK_LOG_INFO, "%s: connection closed (%s%s%s)", c->name, why, sep, c->err);
	} else {
		char kind_key[96];
		snprintf(kind_key, sizeof kind_key, "connection closed (%s)", why);
		srv_say(c->err[0] || kind == SRV_CLOSE_HOSTILE ? SK_LOG_WARNING : SK_LOG_INFO, c,
			kind_key, "connection closed (%s%s%s)", why, sep, c->err);
	}
	if (kind == SRV_CLOSE_HOSTILE) {
		/* Abort (RST): a FIN would wait behind answers the client never reads, leaving
		 * the kernel holding the socket and its buffers, and the client unaware. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(c->fd);
	for (unsigned i = 0; i < s->sess_hi; i++) {
		struct srv_sess *x = &s->sess[i];
		if (x->used && x->conn == ci) {
			const struct sk_twsm_session *q = sk_twsm_session(&c->sm, (unsigned)x->sm_index);
			double to = q ? (double)q->timeout / 4294967296.0 : 0;
			if (to > 60)
				to = 60;
			/* Replies still in flight are answered for the session timeout; a session that
			 * was never started has none, and its socket goes at once (a client that asks
			 * for sessions and leaves must not hold them). */
			x->conn = -1;
			bool ran = x->active || x->expire_mono;
			x->expire_mono = sk_now_mono_ns() + (ran ? (int64_t)(to * 1e9) : 0);
		}
	}
	memset(&c->sm, 0, sizeof c->sm); /* holds keys */
	c->used = false;
	s->nconns--;
	while (s->conn_hi && !s->conns[s->conn_hi - 1].used)
		s->conn_hi--;
}

/* Moves what the machine queued into the connection's buffer and writes what the socket
 * takes now, never waiting: 0, -1 when the socket failed, -2 when the client left more
 * than SRV_OUT_CAP octets of answers unread. */
static int srv_output(struct srv_conn *c)
{
	size_t len;
	const uint8_t *p = sk_twsm_output(&c->sm, &len);
	if (p && len) {
		if (len > SRV_OUT_CAP - c->out_len)
			return -2;
		memcpy(c->out + c->out_len, p, len);
		c->out_len += len;
		sk_twsm_output_consume(&c->sm, len);
	}
	while (c->out_len) {
		ssize_t k = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* the client's window is shut: poll says when it opens */
			if (!c->stall_mono)
				c->stall_mono = sk_now_mono_ns();
			return 0;
		}
		if (k < 0)
			return -1;
		memmove(c->out, c->out + k, c->out_len - (size_t)k);
		c->out_len -= (size_t)k;
	}
	c->stall_mono = 0;
	return 0;
}

/* srv_output, closing the connection when it fails. 0, or -1 when it was closed. */
static int srv_output_or_close(struct srv *s, int ci)
{
	int r = srv_output(&s->conns[ci]);
	if (r == -2) {
		s->closed_not_reading++;
		srv_close_conn(s, ci, SRV_CLOSE_HOSTILE, "answers left unread (more than "
			       SRV_OUT_CAP_TEXT " octets waiting)");
	} else if (r) {
		srv_close_conn(s, ci, SRV_CLOSE_ORDERLY, "send failed");
	}
	return r ? -1 : 0;
}

/* RFC 4656 §3.1: a Server-Greeting with Modes 0 refuses the connection. */
static void srv_refuse_conn(int fd, struct srv_conn *tmp, const char *limit, unsigned n)
{
	struct sk_twctl_greeting g;
	memset(&g, 0, sizeof g);
	g.count = 1024;
	uint8_t b[SK_TWCTL_GREETING_LEN];
	size_t bl = 0;
	if (sk_twctl_encode(SK_TWCTL_SERVER_GREETING, &g, b, sizeof b, &bl) == SK_OK)
		(void)!send(fd, b, bl, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	srv_say(SK_LOG_WARNING, tmp, "connection refused", "refused (Modes 0): %s %u reached",
		limit, n);
}

static void srv_open_conn(struct srv *s, int ci, int fd, const struct sockaddr_storage *peer,
			  const struct srv_conn *id)
{
	struct srv_conn *c = &s->conns[ci];
	memset(c, 0, offsetof(struct srv_conn, out));
	c->used = true;
	c->fd = fd;
	c->req_pending = -1;
	memcpy(&c->peer, peer, sizeof *peer);
	socklen_t ll = sizeof c->local;
	getsockname(fd, (struct sockaddr *)&c->local, &ll);
	memcpy(c->name, id->name, sizeof c->name);
	memcpy(c->src, id->src, sizeof c->src);
	c->src_fam = id->src_fam;
	memcpy(c->src_addr, id->src_addr, 16);
	c->open_mono = c->last_mono = sk_now_mono_ns();
	if ((unsigned)ci >= s->conn_hi)
		s->conn_hi = (unsigned)ci + 1;
	s->nconns++;
	s->conns_accepted++;
	struct sk_twsm_config cfg = {
		.role = SK_TWSM_SERVER, .modes = s->modes | SK_TWMODE_INDIVIDUAL, .count = s->count,
		.server_start_time = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0),
		.key_lookup = sk_keys_lookup, .key_ctx = s->keys, .random = sk_tw_random,
		.on_event = srv_event, .event_ctx = c,
	};
	sk_log(SK_LOG_INFO, "%s: connected", c->name);
	if (sk_twsm_init(&c->sm, &cfg) != SK_OK)
		srv_close_conn(s, ci, SRV_CLOSE_ORDERLY, "cannot build the Server-Greeting");
	else
		srv_output_or_close(s, ci);
}

/* Takes the connections waiting, at most 64 a round so the reflectors keep their turn. */
static void srv_accept(struct srv *s, int lfd)
{
	for (int n = 0; n < 64; n++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;
		int fd = accept4(lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		int one = 1, sndbuf = SRV_SNDBUF;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		struct srv_conn id; /* only the names and address, for the log and the limits */
		uint16_t pport;
		sk_sockaddr_str((struct sockaddr *)&peer, id.name, sizeof id.name);
		sk_sockaddr_unpack((struct sockaddr *)&peer, &id.src_fam, id.src_addr, &pport);
		sk_sockaddr_host((struct sockaddr *)&peer, id.src, sizeof id.src);
		int ci = -1;
		for (unsigned i = 0; i < s->max_conns && ci < 0; i++)
			if (!s->conns[i].used)
				ci = (int)i;
		if (ci < 0) {
			s->refused_conns++;
			srv_refuse_conn(fd, &id, "--max-connections", s->max_conns);
		} else if (srv_src_conns(s, id.src_fam, id.src_addr) >= s->max_conns_src) {
			s->refused_conns_src++;
			srv_refuse_conn(fd, &id, "--max-connections-per-source", s->max_conns_src);
		} else {
			srv_open_conn(s, ci, fd, &peer, &id);
		}
	}
}

static void srv_conn_input(struct srv *s, int ci)
{
	struct srv_conn *c = &s->conns[ci];
	uint8_t buf[4096];
	ssize_t k = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (k == 0) {
		srv_close_conn(s, ci, SRV_CLOSE_ORDERLY, "closed by the client");
		return;
	}
	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			srv_close_conn(s, ci, SRV_CLOSE_ORDERLY, strerror(errno));
		return;
	}
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
			srv_output(c); /* e.g. Server-Start with Accept 1, if the socket takes it */
			srv_close_conn(s, ci, SRV_CLOSE_REFUSED,
				       c->sm.state == SK_TWSM_CLOSED ? "refused" : "protocol error");
			return;
		}
		if (srv_output_or_close(s, ci))
			return;
	}
	/* The next message's first octets are here: its deadline starts now. */
	if (c->sm.rx[SK_TWSM_C2S].have && !c->partial_mono)
		c->partial_mono = sk_now_mono_ns();
	srv_sync(s, ci);
	if (c->sm.state == SK_TWSM_CLOSED) {
		srv_output(c);
		srv_close_conn(s, ci, SRV_CLOSE_REFUSED, "refused");
	}
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


/* The connection deadlines: set-up (greeting to first command), a message begun and not
 * finished, answers left unsent (all --setup-timeout), SERVWAIT. Trickled octets reset
 * none of them. */
static void srv_conn_timers(struct srv *s, int64_t now)
{
	for (unsigned i = 0; i < s->conn_hi; i++) {
		struct srv_conn *c = &s->conns[i];
		if (!c->used)
			continue;
		if (!c->setup_done && now - c->open_mono > s->setup_ns) {
			s->closed_setup++;
			srv_close_conn(s, (int)i, SRV_CLOSE_HOSTILE, "set-up not completed within "
				       "--setup-timeout");
		} else if (c->partial_mono && now - c->partial_mono > s->setup_ns) {
			s->closed_setup++;
			srv_close_conn(s, (int)i, SRV_CLOSE_HOSTILE, "control message not completed "
				       "within --setup-timeout");
		} else if (c->stall_mono && now - c->stall_mono > s->setup_ns) {
			s->closed_not_reading++;
			srv_close_conn(s, (int)i, SRV_CLOSE_HOSTILE, "answers left unread for "
				       "--setup-timeout");
		} else if (now - c->last_mono > s->servwait_ns) {
			s->closed_servwait++;
			srv_close_conn(s, (int)i, SRV_CLOSE_ORDERLY, "SERVWAIT: idle");
		}
	}
}

/* One round of the loop: wait up to 200 ms, serve what is ready, then the timers. Nothing
 * in it waits on a client. */
static int srv_poll_once(struct srv *s, int lfd, struct pollfd *pf, int *who)
{
	unsigned np = 0;
	pf[np].fd = lfd;
	pf[np].events = POLLIN;
	who[np++] = 0;
	for (unsigned i = 0; i < s->conn_hi; i++)
		if (s->conns[i].used) {
			pf[np].fd = s->conns[i].fd;
			pf[np].events = (short)(POLLIN | (s->conns[i].out_len ? POLLOUT : 0));
			who[np++] = 1 + (int)i;
		}
	for (unsigned i = 0; i < s->sess_hi; i++)
		if (s->sess[i].used) {
			pf[np].fd = s->sess[i].io.fd;
			pf[np].events = POLLIN;
			who[np++] = -1 - (int)i;
		}
	int k = poll(pf, np, 200);
	if (k < 0 && errno != EINTR)
		return -1;
	for (unsigned i = 0; k > 0 && i < np; i++) {
		short rev = pf[i].revents;
		if (!rev)
			continue;
		int w = who[i];
		if (w == 0) {
			srv_accept(s, lfd);
		} else if (w > 0) {
			if ((rev & POLLOUT) && s->conns[w - 1].used && s->conns[w - 1].out_len &&
			    srv_output_or_close(s, w - 1))
				continue;
			if ((rev & (POLLIN | POLLHUP | POLLERR)) && s->conns[w - 1].used)
				srv_conn_input(s, w - 1);
		} else if (s->sess[-1 - w].used) {
			srv_reflect(s, &s->sess[-1 - w]);
		}
	}
	int64_t now = sk_now_mono_ns();
	srv_conn_timers(s, now);
	for (unsigned i = 0; i < s->sess_hi; i++) {
		struct srv_sess *x = &s->sess[i];
		if (x->used && x->expire_mono && now > x->expire_mono && (!x->active || x->conn < 0))
			srv_close_sess(s, x);
	}
	return 0;
}

/* --metrics: the counters of srv_report, and what is open now. */
enum { SRV_MX_N = 15 };
static void srv_mx_table(const struct srv *s, struct sk_mx_counter *t)
{
	/* Closed sessions are summed into s at close; open ones count here too. */
	uint64_t rx = s->test_received, tx = s->test_reflected, bad = s->test_refused;
	for (unsigned i = 0; i < s->sess_hi; i++)
		if (s->sess[i].used) {
			rx += s->sess[i].received;
			tx += s->sess[i].reflected;
			bad += s->sess[i].refused;
		}
	static const char rc[] = "control connections refused (Modes 0), by reason",
			  rs[] = "Request-TW-Session refused, by reason",
			  cc[] = "control connections closed by the server, by reason";
	const struct sk_mx_counter v[SRV_MX_N] = {
		{ "control_connections", "", "control connections accepted", false,
		  s->conns_accepted },
		{ "refused_connections", "reason=\"limit\"", rc, false, s->refused_conns },
		{ "refused_connections", "reason=\"source\"", rc, false, s->refused_conns_src },
		{ "test_sessions", "", "test sessions accepted", false, s->sessions_accepted },
		{ "refused_sessions", "reason=\"limit\"", rs, false, s->refused_sessions },
		{ "refused_sessions", "reason=\"source\"", rs, false, s->refused_sessions_src },
		{ "refused_sessions", "reason=\"other\"", rs, false, s->refused_sessions_other },
		{ "closed_connections", "reason=\"not_reading\"", cc, false, s->closed_not_reading },
		{ "closed_connections", "reason=\"setup\"", cc, false, s->closed_setup },
		{ "closed_connections", "reason=\"servwait\"", cc, false, s->closed_servwait },
		{ "requests", "", "test requests received", false, rx },
		{ "replies", "", "replies sent", false, tx },
		{ "refused_requests", "", "test requests not answered", false, bad },
		{ "active_control_connections", "", "control connections open", true, s->nconns },
		{ "active_sessions", "", "test sessions set up and not yet closed", true, s->nsess },
	};
	memcpy(t, v, sizeof v);
}

static void srv_mx_publish(struct srv *s, struct sk_mx *mx)
{
	struct sk_mx_counter t[SRV_MX_N];
	srv_mx_table(s, t);
	sk_mx_publish(mx, t, SRV_MX_N);
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
	struct sk_mx *mx = NULL;
	int lfd = srv_listen(o->local ? o->local : "");
	if (lfd < 0) {
		status = lfd == -2 ? 2 : 1;
		goto out;
	}
	s.max_conns = o->max_conns;
	s.max_conns_src = o->max_conns_src;
	s.max_sess = o->max_sess;
	s.max_sess_src = o->max_sess_src;
	s.conns = calloc(s.max_conns, sizeof *s.conns);
	s.sess = calloc(s.max_sess, sizeof *s.sess);
	s.modes = o->modes;
	s.count = o->pbkdf2_count;
	s.keys = keys;
	s.servwait_ns = o->servwait_s * 1000000000LL;
	s.setup_ns = o->setup_s * 1000000000LL;
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
	char err[300];
	if (o->metrics) {
		if (!(mx = sk_mx_open(o->metrics, err, sizeof err))) {
			sk_diag("--metrics: %s", err);
			goto out;
		}
		struct sk_mx_counter t[SRV_MX_N];
		srv_mx_table(&s, t);
		sk_mx_counters(mx, t, SRV_MX_N);
	}
	sk_signals_install(SK_SIG_STOP | SK_SIG_IGNORE_PIPE);
	while (!sk_stop_requested) {
		if (srv_poll_once(&s, lfd, pf, who))
			break;
		if (mx)
			srv_mx_publish(&s, mx);
	}
	for (unsigned i = 0; i < s.conn_hi; i++)
		if (s.conns[i].used)
			srv_close_conn(&s, (int)i, SRV_CLOSE_ORDERLY, "server stopped");
	for (unsigned i = 0; i < s.sess_hi; i++)
		srv_close_sess(&s, &s.sess[i]);
	sk_log_limited_flush();
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
	sk_mx_close(mx);
	if (keys) {
		sk_keys_wipe(keys);
		free(keys);
	}
	return status;
}
