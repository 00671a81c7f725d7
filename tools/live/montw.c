/* SPDX-License-Identifier: BSD-3-Clause */
/* montw.c - a monitor target's TWAMP-Control connection (montw.h): connect, Server-Greeting,
 * Set-Up-Response (the target's security mode and key), Server-Start, Request-TW-Session,
 * Accept-Session, Start-Sessions, Start-Ack (RFC 5357 §3.1-3.7), each step when its answer arrives. */
#include "montw.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "montgt.h"
#include "sys.h"
#include "twlive.h"
#include "stampkit/timestamp.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"

enum { TW_IDLE, TW_CONNECTING, TW_GREETING, TW_SERVER_START, TW_ACCEPT, TW_START_ACK, TW_RUN };

struct sk_montw {
	int ep, fd, st;
	struct sk_twsm sm;
	bool got;
	enum sk_twctl_type type;
	char err[200];
	int64_t deadline, retry_at;
	int idx;
	uint8_t start_accept; /* Server-Start's Accept */
	bool failing;   /* the last attempt failed (said once until one succeeds) */
};

static void tw_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct sk_montw *w = ctx;
	if (ev->kind == SK_TWSM_EV_ERROR)
		snprintf(w->err, sizeof w->err, "%s%s%s", sk_strerror(ev->err), ev->msg ? ": " : "",
			 ev->msg ? ev->msg : "");
	else if (ev->kind == SK_TWSM_EV_MESSAGE) {
		w->got = true;
		w->type = ev->type;
		if (ev->type == SK_TWCTL_SERVER_START)
			w->start_accept = ev->m.server_start.accept;
	}
}

static void tw_drop(struct sk_montw *w)
{
	if (w->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->fd, NULL);
		close(w->fd);
	}
	w->fd = -1;
	memset(&w->sm, 0, sizeof w->sm);
}

static void tw_fail(struct sk_montgt *t, const char *why)
{
	struct sk_montw *w = t->tw;
	if (!w->failing)
		sk_warn("target %s: TWAMP-Control to %s: %s; trying again every %d s", t->c.name,
			t->rs, why, SK_MONTW_RETRY_S);
	w->failing = true;
	t->tw_running = false;
	tw_drop(w);
	w->st = TW_IDLE;
	w->retry_at = sk_now_mono_ns() + SK_MONTW_RETRY_S * 1000000000LL;
}

static void tw_connect(struct sk_montgt *t, int64_t now)
{
	struct sk_montw *w = t->tw;
	w->fd = socket(t->c.remote.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0) {
		tw_fail(t, strerror(errno));
		return;
	}
	int one = 1;
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(w->fd, (struct sockaddr *)&t->c.remote, t->c.remote_len) && errno != EINPROGRESS) {
		tw_fail(t, strerror(errno));
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = &t->ev_ctl };
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->fd, &ev)) {
		tw_fail(t, strerror(errno));
		return;
	}
	w->st = TW_CONNECTING;
	w->deadline = now + SK_MONTW_ANSWER_S * 1000000000LL;
}

/* The connection is open: the machine waits for the Server-Greeting. */
static void tw_connected(struct sk_montgt *t)
{
	struct sk_montw *w = t->tw;
	int e = 0;
	socklen_t el = sizeof e;
	getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &e, &el);
	if (e) {
		tw_fail(t, strerror(e));
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &t->ev_ctl };
	epoll_ctl(w->ep, EPOLL_CTL_MOD, w->fd, &ev);
	struct sk_twsm_config cfg = { .role = SK_TWSM_CLIENT, .random = sk_tw_random,
				      .on_event = tw_event, .event_ctx = w };
	if (sk_twsm_init(&w->sm, &cfg) != SK_OK) {
		tw_fail(t, "cannot start the control state machine");
		return;
	}
	w->st = TW_GREETING;
}

/* Request-TW-Session for our test socket (RFC 5357 §3.5): sender address zero (the control
 * connection's), the port asked for, padding, DSCP in Type-P, a start 100 ms ahead. */
static int tw_request(struct sk_montgt *t)
{
	struct sk_montw *w = t->tw;
	struct sk_twctl_request q;
	uint8_t fam, a[16];
	uint16_t sport;
	memset(&q, 0, sizeof q);
	sk_sockaddr_unpack((struct sockaddr *)&t->io.bound, &fam, a, &sport);
	q.ipvn = t->c.remote.ss_family == AF_INET6 ? 6 : 4;
	q.sender_port = sport;
	q.receiver_port = t->c.test_port;
	q.padding_length = t->padding > 0 ? (uint32_t)t->padding : 0;
	q.start_time = sk_ts_from_ns(sk_now_real_ns() + 100000000LL, SK_TS_NTP, 0);
	/* How long the reflector lingers after Stop-Sessions for late packets. */
	q.timeout = 2ULL << 32;
	q.type_p = t->c.tos >= 4 ? sk_twamp_typep_from_dscp((uint8_t)(t->c.tos >> 2)) : 0;
	return sk_twsm_client_request(&w->sm, &q, &w->idx) == SK_OK ? 0 : -1;
}

/* One whole message of the server arrived in state w->st: the next step. */
static void tw_step(struct sk_montgt *t)
{
	struct sk_montw *w = t->tw;
	char why[160];
	const struct sk_twsm_session *s;
	const struct sk_key *k = &t->c.tw_key;
	bool secure = t->c.security != SK_TWMODE_UNAUTH;
	switch (w->st) {
	case TW_GREETING:
		if (!(w->sm.greeting.modes & t->c.security)) {
			snprintf(why, sizeof why, "the server does not offer the %s mode (Modes 0x%x)",
				 sk_tw_mode_name(t->c.security), w->sm.greeting.modes);
			tw_fail(t, why);
			return;
		}
		/* The KeyID and secret of the target (monconf.c); the secret is never logged. */
		if (sk_twsm_client_setup(&w->sm, t->c.security, secure ? k->id : NULL,
					 secure ? k->secret : NULL, secure ? k->secret_len : 0)
		    != SK_OK) {
			tw_fail(t, "Set-Up-Response refused by the state machine");
			return;
		}
		w->st = TW_SERVER_START;
		break;
	case TW_SERVER_START:
		if (w->sm.state != SK_TWSM_WAIT_COMMAND) {
			snprintf(why, sizeof why, "the server refused the connection: Server-Start "
				 "Accept %u (%s)%s", w->start_accept, sk_tw_accept_name(w->start_accept),
				 w->start_accept == 1 && secure ? ": wrong KeyID or passphrase" : "");
			tw_fail(t, why);
			return;
		}
		if (tw_request(t)) {
			tw_fail(t, "Request-TW-Session refused by the state machine");
			return;
		}
		w->st = TW_ACCEPT;
		break;
	case TW_ACCEPT:
		s = sk_twsm_session(&w->sm, (unsigned)w->idx);
		if (!s || s->accept) {
			snprintf(why, sizeof why, "the server refused the session: Accept %u (%s)",
				 s ? s->accept : 1, sk_tw_accept_name(s ? s->accept : 1));
			tw_fail(t, why);
			return;
		}
		sk_montgt_set_peer(t, s->reflector_port);
		if (s->has_keys) { /* authenticated, encrypted, mixed: the test keys */
			memcpy(t->tw_aes, s->test_aes, sizeof t->tw_aes);
			memcpy(t->tw_hmac, s->test_hmac, sizeof t->tw_hmac);
		}
		if (sk_twsm_client_start(&w->sm) != SK_OK) {
			tw_fail(t, "Start-Sessions refused by the state machine");
			return;
		}
		w->st = TW_START_ACK;
		break;
	case TW_START_ACK:
		s = sk_twsm_session(&w->sm, (unsigned)w->idx);
		if (!s || s->state != SK_TWSESS_STARTED) {
			tw_fail(t, "the server refused Start-Sessions");
			return;
		}
		if (w->failing)
			sk_warn("target %s: TWAMP test session started again", t->c.name);
		/* A new test session numbers its replies from 0 again (RFC 5357 §4.2.1): the
		 * loss split, duplicates and reordering by direction go on from a new numbering. */
		if (t->sent && sk_session_reflector_restart(t->sess, (int64_t)t->sent) != SK_OK)
			sk_warn("target %s: out of memory for the new session's numbering; its "
				"replies count against the old one", t->c.name);
		sk_log(SK_LOG_INFO, "target %s: TWAMP test session to %s (%s mode)", t->c.name, t->rs,
		       sk_tw_mode_name(t->c.security));
		w->failing = false;
		w->st = TW_RUN;
		t->tw_running = true;
		return;
	default:
		return; /* nothing is expected while the session runs */
	}
	if (sk_tw_flush(w->fd, &w->sm))
		tw_fail(t, "cannot send on the control connection");
	else
		w->deadline = sk_now_mono_ns() + SK_MONTW_ANSWER_S * 1000000000LL;
}

static void tw_input(struct sk_montgt *t)
{
	struct sk_montw *w = t->tw;
	uint8_t buf[2048];
	ssize_t n = recv(w->fd, buf, sizeof buf, 0);
	if (n == 0) {
		tw_fail(t, "the server closed the control connection");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			tw_fail(t, strerror(errno));
		return;
	}
	size_t off = 0;
	while (off < (size_t)n && w->fd >= 0) {
		size_t used = 0;
		w->got = false;
		enum sk_result r = sk_twsm_feed_msg(&w->sm, SK_TWSM_S2C, buf + off, (size_t)n - off,
						    &used);
		off += used;
		if (r != SK_OK && !w->got) {
			char why[260];
			snprintf(why, sizeof why, "bad message from the server: %s", w->err);
			tw_fail(t, why);
			return;
		}
		if (w->got)
			tw_step(t);
		if (!used)
			break;
	}
}

int sk_montw_open(struct sk_montgt *t, int ep)
{
	t->tw = calloc(1, sizeof *t->tw);
	if (!t->tw)
		return -1;
	t->tw->ep = ep;
	t->tw->fd = -1;
	t->tw->st = TW_IDLE;
	return 0;
}

void sk_montw_close(struct sk_montgt *t)
{
	struct sk_montw *w = t->tw;
	if (!w)
		return;
	/* Stop-Sessions, as a courtesy: the server's reflector then lingers only its timeout. */
	if (w->st == TW_RUN && sk_twsm_client_stop(&w->sm, 0) == SK_OK)
		sk_tw_flush(w->fd, &w->sm);
	tw_drop(w);
	free(w);
	t->tw = NULL;
	t->tw_running = false;
}

void sk_montw_io(struct sk_montgt *t, uint32_t events)
{
	struct sk_montw *w = t->tw;
	if (w->st == TW_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			tw_connected(t);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		tw_input(t);
}

void sk_montw_timer(struct sk_montgt *t, int64_t now)
{
	struct sk_montw *w = t->tw;
	if (w->st == TW_IDLE && now >= w->retry_at)
		tw_connect(t, now);
	else if (w->st != TW_IDLE && w->st != TW_RUN && now > w->deadline)
		tw_fail(t, "no answer");
}
