/* SPDX-License-Identifier: BSD-3-Clause */
/* client.c - TWAMP Control-Client (RFC 5357 §3, RFC 5938) over the codec's control state
 * machine, and the Session-Sender of `controller` (RFC 5357 §4.1, RFC 6038, RFC 7750). */
#include <errno.h>
#include <inttypes.h>
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

#include "client.h"
#include "client_int.h"
#include "keyfile.h"
#include "log.h"
#include "sys.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/twamp_control.h"
#include "twlive.h"

static void cli_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct cli *c = ctx;
	if (ev->kind == SK_TWSM_EV_ERROR) {
		snprintf(c->errmsg, sizeof c->errmsg, "%s%s%s", sk_strerror(ev->err), ev->msg ? ": " : "",
			 ev->msg ? ev->msg : "");
		return;
	}
	if (ev->kind == SK_TWSM_EV_MESSAGE) {
		c->got = true;
		c->type = ev->type;
		if (ev->type == SK_TWCTL_SERVER_START)
			c->start_accept = ev->m.server_start.accept;
		if (ev->type == SK_TWCTL_ACCEPT_SESSION)
			c->reflected_octets = ev->m.accept.reflected_octets;
		sk_log(SK_LOG_INFO, "<<%s>>", sk_twctl_type_name(ev->type));
	}
}

/* Received octets into c->rbuf when it is empty: 0, or -1 after saying why. */
static int cli_fill(struct cli *c, int64_t end, int timeout_ms)
{
	while (c->roff == c->rlen) {
		int64_t left = (end - sk_now_mono_ns()) / 1000000;
		if (left <= 0) {
			sk_diag("the server did not answer within %d s", timeout_ms / 1000);
			return -1;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
		if (n == 0) {
			sk_diag("the server closed the control connection");
			return -1;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			sk_diag("control connection: %s", strerror(errno));
			return -1;
		}
		c->roff = 0;
		c->rlen = (size_t)n;
		sk_log_hex("control from the server", c->rbuf, c->rlen);
	}
	return 0;
}

/* Send what is queued, then feed what arrives until one whole message of the server was
 * taken; octets after it stay in c->rbuf for the next exchange. */
static int cli_exchange(struct cli *c, int timeout_ms)
{
	if (sk_tw_flush(c->fd, &c->sm)) {
		sk_diag("control connection: send failed: %s", strerror(errno));
		return -1;
	}
	c->got = false;
	int64_t end = sk_now_mono_ns() + (int64_t)timeout_ms * 1000000;
	while (!c->got) {
		if (cli_fill(c, end, timeout_ms))
			return -1;
		size_t used = 0;
		enum sk_result r = sk_twsm_feed_msg(&c->sm, SK_TWSM_S2C, c->rbuf + c->roff,
						    c->rlen - c->roff, &used);
		c->roff += used;
		if (r != SK_OK && !c->got) {
			sk_diag("bad message from the server: %s", c->errmsg);
			return -1;
		}
		if (!used && !c->got)
			c->roff = c->rlen; /* nothing taken: the machine stopped */
	}
	return 0;
}

/* Mode 0 in the Set-Up-Response: we do not go on (RFC 4656 §3.1). */
static int cli_decline(struct cli *c)
{
	sk_twsm_client_setup(&c->sm, 0, NULL, NULL, 0);
	sk_tw_flush(c->fd, &c->sm);
	return -1;
}

/* Greeting, Set-Up-Response, Server-Start. */
static int cli_setup(struct cli *c, const char *ss, const struct client_opts *o,
		     const struct sk_key *k)
{
	if (cli_exchange(c, 10000))
		return -1;
	uint32_t offered = c->sm.greeting.modes;
	if (!(offered & SK_TWMODE_SECURITY_MASK)) {
		sk_diag("%s refuses the connection (Server-Greeting Modes 0: it serves no more "
			   "connections, or none from here)", ss);
		return -1;
	}
	if (!(offered & o->mode)) {
		sk_diag("%s does not offer the %s mode (Modes 0x%x)", ss, sk_tw_mode_name(o->mode),
			   offered);
		return cli_decline(c);
	}
	if (o->features & ~offered) {
		sk_diag("%s does not offer the features asked for (Modes 0x%x, asked 0x%x)", ss,
			   offered, o->features);
		return cli_decline(c);
	}
	uint32_t mode = o->mode | o->features | (offered & SK_TWMODE_INDIVIDUAL);
	enum sk_result r = sk_twsm_client_setup(&c->sm, mode, k ? k->id : NULL, k ? k->secret : NULL,
						k ? k->secret_len : 0);
	if (r != SK_OK) {
		sk_diag("Set-Up-Response: %s", sk_strerror(r));
		return -1;
	}
	if (cli_exchange(c, 10000))
		return -1;
	if (c->sm.state != SK_TWSM_WAIT_COMMAND) {
		sk_diag("%s refused the connection: Server-Start Accept %u (%s)%s", ss,
			   c->start_accept, sk_tw_accept_name(c->start_accept),
			   c->start_accept == 1 && o->mode != SK_TWMODE_UNAUTH
				   ? ": wrong KeyID or passphrase" : "");
		return -1;
	}
	sk_log(SK_LOG_INFO, "control connection to %s in %s mode", ss, sk_tw_mode_name(o->mode));
	return 0;
}

int cli_connect(struct cli *c, const struct client_opts *o, const struct sk_key *k)
{
	char err[300];
	if (sk_addr_parse(o->server, SK_TW_CONTROL_PORT, 0, false, &c->srv, &c->srv_len, err,
			  sizeof err)) {
		sk_diag("%s", err);
		return -1;
	}
	char ss[80];
	sk_sockaddr_str((struct sockaddr *)&c->srv, ss, sizeof ss);
	c->fd = socket(c->srv.ss_family, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&c->srv, c->srv_len)) {
		sk_diag("cannot connect to %s: %s", ss, strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	socklen_t ll = sizeof c->local;
	getsockname(c->fd, (struct sockaddr *)&c->local, &ll);
	struct sk_twsm_config cfg = { .role = SK_TWSM_CLIENT, .random = sk_tw_random,
				      .on_event = cli_event, .event_ctx = c };
	if (sk_twsm_init(&c->sm, &cfg) != SK_OK)
		return -1;
	return cli_setup(c, ss, o, k);
}

/* RFC 6038: the Length of padding to reflect. The reply is as long as the request, so only
 * the padding the reply has room for after its own fixed part can come back. */
static uint16_t cli_reflect_len(const struct client_opts *o, uint32_t padding)
{
	bool sec = o->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT);
	long sfix = (o->features & SK_TWMODE_SYMMETRICAL) ? (sec ? 112 : 41) : (sec ? 48 : 14);
	long rfix = sec ? 112 : (o->features & SK_TWMODE_DSCP_ECN) ? 42 : 41;
	long room = sfix + (long)padding - rfix;
	if (room > (long)padding)
		room = (long)padding;
	return (uint16_t)(room < 0 ? 0 : room > 65535 ? 65535 : room);
}

int cli_request(struct cli *c, uint8_t ipvn, const uint8_t *sender_addr, uint16_t sport,
		uint16_t rport, const struct client_opts *o, int *idx)
{
	struct sk_twctl_request q;
	memset(&q, 0, sizeof q);
	q.ipvn = ipvn;
	q.sender_port = sport;
	q.receiver_port = rport;
	if (sender_addr)
		memcpy(q.sender_address, sender_addr, ipvn == 4 ? 4 : 16);
	q.padding_length = o->padding > 0 ? (uint32_t)o->padding : 0;
	q.start_time = sk_ts_from_ns(sk_now_real_ns() + 100000000LL, SK_TS_NTP, 0);
	q.timeout = (uint64_t)(o->session_timeout_s * 4294967296.0);
	q.type_p = o->session_dscp > 0 ? sk_twamp_typep_from_dscp((uint8_t)o->session_dscp) : 0;
	if (o->features & SK_TWMODE_REFLECT_OCTETS) {
		/* RFC 6038: the server echoes these two octets. */
		q.octets_reflected = SK_TW_REFLECT_MARK;
		q.padding_reflected = cli_reflect_len(o, q.padding_length);
	}
	c->reflected_octets = 0;
	enum sk_result r = sk_twsm_client_request(&c->sm, &q, idx);
	if (r != SK_OK) {
		sk_diag("Request-TW-Session: %s", sk_strerror(r));
		return -1;
	}
	if (cli_exchange(c, 10000))
		return -1;
	const struct sk_twsm_session *s = sk_twsm_session(&c->sm, (unsigned)*idx);
	if (!s || s->accept) {
		uint8_t a = s ? s->accept : 1;
		sk_diag("the server refused session %d: Accept %u (%s)", *idx + 1, a,
			   sk_tw_accept_name(a));
		return -1;
	}
	if ((o->features & SK_TWMODE_REFLECT_OCTETS) && c->reflected_octets != SK_TW_REFLECT_MARK) {
		sk_diag("session %d: Accept-Session's Reflected Octets 0x%04x, not the 0x%04x asked "
			   "for (RFC 6038)", *idx + 1, c->reflected_octets, SK_TW_REFLECT_MARK);
		return -1;
	}
	if (s->reflector_port != rport)
		sk_log(SK_LOG_WARNING, "session %d: the server chose port %u instead of %u", *idx + 1,
		       s->reflector_port, rport);
	return 0;
}

static int cli_start_all(struct cli *c)
{
	if (sk_twsm_client_start(&c->sm) != SK_OK || cli_exchange(c, 10000))
		return -1;
	for (unsigned i = 0; i < sk_twsm_session_count(&c->sm); i++)
		if (sk_twsm_session(&c->sm, i)->state == SK_TWSESS_STARTED)
			return 0;
	sk_diag("the server refused Start-Sessions");
	return -1;
}

/* RFC 5938: Start-N-Sessions / Stop-N-Sessions for every accepted session, with their acks. */
static int cli_n(struct cli *c, bool start)
{
	uint8_t sids[SK_TWSM_MAX_SESSIONS][16];
	uint32_t n = 0;
	for (unsigned i = 0; i < sk_twsm_session_count(&c->sm); i++) {
		const struct sk_twsm_session *s = sk_twsm_session(&c->sm, i);
		if (s->state == SK_TWSESS_ACCEPTED || s->state == SK_TWSESS_STARTED)
			memcpy(sids[n++], s->sid, 16);
	}
	enum sk_result r = start ? sk_twsm_client_start_n(&c->sm, (const uint8_t(*)[16])sids, n)
				 : sk_twsm_client_stop_n(&c->sm, (const uint8_t(*)[16])sids, n);
	if (r == SK_E_UNSUPPORTED) {
		sk_diag("the server does not offer individual session control (RFC 5938)");
		return -1;
	}
	if (r != SK_OK || cli_exchange(c, 10000))
		return -1;
	for (unsigned i = 0; i < sk_twsm_session_count(&c->sm); i++) {
		const struct sk_twsm_session *s = sk_twsm_session(&c->sm, i);
		if (s->state == (start ? SK_TWSESS_ACCEPTED : SK_TWSESS_STARTED)) {
			sk_diag("the server refused %s-N-Sessions", start ? "Start" : "Stop");
			return -1;
		}
	}
	return 0;
}

int cli_start(struct cli *c, bool individual)
{
	return individual ? cli_n(c, true) : cli_start_all(c);
}

int cli_stop(struct cli *c, bool individual)
{
	if (individual && cli_n(c, false))
		return -1;
	/* The results are ours whether or not the server reads this: a failure to send it
	 * is not the run's failure. */
	if (sk_twsm_client_stop(&c->sm, 0) == SK_OK && !sk_tw_flush(c->fd, &c->sm))
		shutdown(c->fd, SHUT_WR);
	return 0;
}

void cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	memset(&c->sm, 0, sizeof c->sm); /* holds keys */
}

int cli_key(const struct client_opts *o, struct sk_keys *ks, const struct sk_key **k)
{
	*k = NULL;
	if (o->mode == SK_TWMODE_UNAUTH)
		return 0;
	if (!o->key_file) {
		sk_diag("the %s mode needs --key-file", sk_tw_mode_name(o->mode));
		return -1;
	}
	char err[400];
	if (sk_keys_load(o->key_file, ks, err, sizeof err)) {
		sk_diag("%s", err);
		return -1;
	}
	*k = sk_keys_find(ks, o->key_id);
	if (!*k) {
		sk_diag("KeyID '%s' is not in %s", o->key_id, o->key_file);
		sk_keys_wipe(ks);
		return -1;
	}
	return 0;
}

/* controlclient: sessions for a Session-Sender elsewhere; the test address SENDER (default
 * this host's control address, port 20000), session i from its port + i. */
static int cc_request(struct cli *c, const struct client_opts *o, uint16_t *tp)
{
	uint8_t sfam, saddr[16], tf, ta[16];
	uint16_t sport;
	sk_sockaddr_unpack((struct sockaddr *)&c->srv, &sfam, saddr, &sport);
	sk_sockaddr_unpack((struct sockaddr *)&c->local, &tf, ta, &sport);
	*tp = 20000;
	if (o->second) {
		struct sockaddr_storage sa;
		socklen_t sl;
		char err[300];
		if (sk_addr_parse(o->second, 20000, sfam, false, &sa, &sl, err, sizeof err)) {
			sk_diag("%s", err);
			return -1;
		}
		sk_sockaddr_unpack((struct sockaddr *)&sa, &tf, ta, tp);
	}
	if (tf != sfam) {
		sk_diag("the sender and the server must be of the same IP version");
		return -1;
	}
	for (long i = 0; i < o->sessions; i++) {
		int idx;
		if (cli_request(c, sfam, ta, (uint16_t)(*tp + i), (uint16_t)(o->test_port + i), o, &idx))
			return -1;
	}
	return 0;
}

/* Until --duration or SIGINT; -1 when the server closed the connection first. */
static int cc_wait(struct cli *c, double duration_s)
{
	int64_t end = duration_s > 0 ? sk_now_mono_ns() + (int64_t)(duration_s * 1e9) : 0;
	while (!sk_stop_requested && (!end || sk_now_mono_ns() < end)) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 200) > 0) {
			uint8_t b[64];
			if (recv(c->fd, b, sizeof b, MSG_DONTWAIT) == 0) {
				sk_diag("the server closed the control connection");
				return -1;
			}
		}
	}
	return 0;
}

int controlclient_run(const struct client_opts *o)
{
	struct sk_keys ks;
	const struct sk_key *k;
	if (cli_key(o, &ks, &k))
		return 2;
	struct cli cl;
	memset(&cl, 0, sizeof cl);
	cl.fd = -1;
	int status = 1;
	uint16_t tp;
	sk_signals_install(SK_SIG_STOP | SK_SIG_IGNORE_PIPE);
	int rc = cli_connect(&cl, o, k);
	sk_keys_wipe(&ks);
	if (rc || cc_request(&cl, o, &tp) || cli_start(&cl, o->individual))
		goto out;
	cc_report(&cl, o, tp);
	if (cc_wait(&cl, o->duration_s) || cli_stop(&cl, o->individual))
		goto out;
	status = 0;
out:
	cli_close(&cl);
	return status;
}

/* ---- controller: the Session-Sender ---- */

/* Padding octet i of a test packet under reflect-octets: a pattern the replies must return. */
static uint8_t pad_octet(size_t i)
{
	return (uint8_t)(0x5a ^ (i * 7));
}

/* One reply: verified and decrypted with the session's test keys (RFC 5357 §4.1.2), its
 * times into the session's metrics; 0, or -1 when it does not decode or authenticate. */
static int ctl_reply(struct csess *x, const struct sk_io_msg *m, int64_t user_t4)
{
	uint8_t plain[SK_TW_MAX_PKT + 1];
	struct sk_test_opts ro = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_REFLECTOR,
				   .sec = (uint8_t)x->sec, .features = x->tf,
				   .reflect_len = x->reflect_len };
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	if (sk_twamp_test_unprotect(x->sec, 1, x->aes, x->hmac, m->buf, m->len, plain, sizeof plain,
				    NULL) != SK_OK ||
	    sk_test_decode(plain, m->len, &ro, &p, NULL, NULL) != SK_OK)
		return -1;
	if (x->tf & SK_TF_DSCP_ECN)
		x->dscp_ecn = (p.sender_dscp << 2) | p.sender_ecn;
	if (x->tf & SK_TF_REFLECT_OCTETS) {
		bool same = p.reflected_len == x->reflect_len;
		for (size_t k = 0; same && k < p.reflected_len; k++)
			same = p.reflected[k] == pad_octet(k);
		if (!same)
			x->reflect_bad++;
	}
	struct sk_reply r = {
		.sender_seq = p.sender_seq, .reflector_seq = p.seq,
		.t1_ns = sk_ts_to_ns(p.sender_timestamp, SK_TS_NTP, 0),
		.t2_ns = sk_ts_to_ns(p.rx_timestamp, SK_TS_NTP, 0),
		.t3_ns = sk_ts_to_ns(p.timestamp, SK_TS_NTP, 0),
		.t4_ns = m->rx_ns ? m->rx_ns : user_t4,
	};
	struct sk_ivl_stats *iv = NULL;
	if (x->use_ivl && !(iv = sk_ivl_find(&x->ivl, p.sender_seq))) {
		x->late++; /* after its interval closed: lost there and in the totals */
		if (x->mxs) {
			sk_mx_lock(x->mx);
			x->mxs->late++;
			sk_mx_unlock(x->mx);
		}
		return 0;
	}
	struct sk_reply_info info;
	sk_session_add(x->stats, &r, &info);
	if (iv)
		sk_ivl_count(iv, &info);
	if (x->mxs) {
		sk_mx_lock(x->mx);
		sk_mx_reply(x->mxs, &info);
		sk_mx_unlock(x->mx);
	}
	return 0;
}

static void ctl_recv(struct csess *x)
{
	static uint8_t bufs[SK_IO_BATCH][SK_TW_MAX_PKT + 1];
	struct sk_io_msg rx[SK_IO_BATCH];
	for (int i = 0; i < SK_IO_BATCH; i++) {
		memset(&rx[i], 0, sizeof rx[i]);
		rx[i].buf = bufs[i];
		rx[i].cap = sizeof bufs[i];
	}
	int n = x->io.ops->recv_batch(&x->io, rx, SK_IO_BATCH);
	int64_t user_t4 = sk_now_real_ns();
	for (int i = 0; i < n; i++) {
		if (!sk_sockaddr_equal((struct sockaddr *)&rx[i].peer, (struct sockaddr *)&x->refl))
			continue;
		sk_log_hex("reply", rx[i].buf, rx[i].len);
		if (ctl_reply(x, &rx[i], user_t4))
			x->bad++;
		if (x->mxs) {
			sk_mx_lock(x->mx);
			x->mxs->bad_replies = x->bad;
			sk_mx_unlock(x->mx);
		}
	}
}

static int ctl_send(struct csess *x, uint32_t seq, long padding)
{
	static uint8_t pad[SK_TW_MAX_PKT];
	uint8_t buf[SK_TW_MAX_PKT];
	struct sk_test_opts so = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_SENDER,
				   .sec = (uint8_t)x->sec, .features = x->tf & SK_TF_SYMMETRICAL };
	if (!pad[0])
		for (size_t i = 0; i < sizeof pad; i++)
			pad[i] = pad_octet(i);
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = seq;
	bool synced;
	p.error_estimate = sk_clock_errest(SK_TS_NTP, &synced);
	p.tail = pad;
	p.tail_len = padding > 0 ? (size_t)padding : 0;
	p.timestamp = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0);
	size_t len = 0;
	/* A symmetrical sender packet has the reflector's 112-octet shape (HMAC at 96), so it
	 * is protected with the reflector's coverage. */
	int role = (x->tf & SK_TF_SYMMETRICAL) ? 1 : 0;
	if (sk_test_encode(&p, &so, buf, sizeof buf, &len) != SK_OK ||
	    sk_twamp_test_protect(x->sec, role, x->aes, x->hmac, buf, len) != SK_OK)
		return -1;
	struct sk_io_msg m;
	memset(&m, 0, sizeof m);
	m.buf = buf;
	m.cap = sizeof buf;
	m.len = len;
	m.set_tos = -1;
	memcpy(&m.peer, &x->refl, sizeof x->refl);
	m.peerlen = x->refl_len;
	x->sent++;
	if (x->mxs) {
		sk_mx_lock(x->mx);
		x->mxs->sent++;
		sk_mx_unlock(x->mx);
	}
	return x->io.ops->send_batch(&x->io, &m, 1) == 1 ? 0 : -1;
}

/* The test socket of session i on LOCAL (default the control connection's address, port
 * 20000 + i; any free port when that one is taken and LOCAL was not given). */
static int ctl_open(struct csess *x, const struct client_opts *o, long i, uint8_t tf,
		    const uint8_t *ta, uint16_t tp)
{
	char err[300];
	struct sk_io_opts io_o = { .tos = o->session_dscp >= 0 ? o->session_dscp << 2 : o->tos,
				   .ttl = o->ttl, .dont_fragment = o->dont_fragment,
				   .rx_timestamps = true, .bufsize = 1 << 20 };
	struct sockaddr_storage b;
	socklen_t bl;
	sk_sockaddr_pack(tf, ta, tp ? (uint16_t)(tp + i) : 0, &b, &bl);
	x->io.ops = &sk_io_udp;
	int orc = x->io.ops->open(&x->io, (struct sockaddr *)&b, bl, &io_o, err, sizeof err);
	if (orc && !o->second && strstr(err, "in use")) {
		/* twampy's default port is taken (e.g. by a reflector on this host): any free
		 * port will do, the Request says which. */
		sk_sockaddr_pack(tf, ta, 0, &b, &bl);
		orc = x->io.ops->open(&x->io, (struct sockaddr *)&b, bl, &io_o, err, sizeof err);
	}
	if (orc) {
		sk_diag("%s", err);
		return -1;
	}
	uint8_t bf, ba[16];
	sk_sockaddr_unpack((struct sockaddr *)&x->io.bound, &bf, ba, &x->sender_port);
	return 0;
}

/* What the server granted for session x: its reflector address, keys and features. */
static int ctl_granted(struct cli *c, struct csess *x)
{
	uint8_t sfam, saddr[16];
	uint16_t sport;
	sk_sockaddr_unpack((struct sockaddr *)&c->srv, &sfam, saddr, &sport);
	const struct sk_twsm_session *s = sk_twsm_session(&c->sm, (unsigned)x->idx);
	sk_sockaddr_pack(sfam, saddr, s->reflector_port, &x->refl, &x->refl_len);
	x->sec = sk_twmode_sec(s->mode);
	x->tf = sk_tw_tf_of(c->sm.mode);
	x->reflect_len = (x->tf & SK_TF_REFLECT_OCTETS) ? s->padding_reflected : 0;
	x->dscp_ecn = -1;
	if (s->has_keys) {
		memcpy(x->aes, s->test_aes, 16);
		memcpy(x->hmac, s->test_hmac, 32);
	}
	struct sk_session_config sc = { .window = 1u << 16, .mode = SK_REFLECTOR_STATEFUL };
	return sk_session_create(&x->stats, &sc) == SK_OK ? 0 : -1;
}

static int ctl_sessions(struct cli *c, const struct client_opts *o, struct csess *xs)
{
	uint8_t sfam, saddr[16], lfam, laddr[16], tf, ta[16];
	uint16_t sport, lport, tp;
	sk_sockaddr_unpack((struct sockaddr *)&c->srv, &sfam, saddr, &sport);
	sk_sockaddr_unpack((struct sockaddr *)&c->local, &lfam, laddr, &lport);
	struct sockaddr_storage local;
	socklen_t ll;
	char err[300];
	if (o->second) {
		if (sk_addr_parse(o->second, 20000, sfam, true, &local, &ll, err, sizeof err)) {
			sk_diag("%s", err);
			return -1;
		}
	} else {
		sk_sockaddr_pack(lfam, laddr, 20000, &local, &ll);
	}
	sk_sockaddr_unpack((struct sockaddr *)&local, &tf, ta, &tp);
	if (sk_tw_all_zero(ta, 16)) {
		memcpy(ta, laddr, 16);
		tf = lfam;
	}
	/* The test flow goes between the control connection's addresses, so the addresses
	 * stay zero ("the control connection's") unless LOCAL differs. */
	bool same = tf == lfam && !memcmp(ta, laddr, 16);
	for (long i = 0; i < o->sessions; i++) {
		struct csess *x = &xs[i];
		if (ctl_open(x, o, i, tf, ta, tp) ||
		    cli_request(c, sfam, same ? NULL : ta, x->sender_port, (uint16_t)(o->test_port + i),
				o, &x->idx) ||
		    ctl_granted(c, x))
			return -1;
	}
	return 0;
}

static bool ctl_all_back(const struct csess *xs, long n, long count)
{
	for (long i = 0; i < n; i++) {
		struct sk_session_summary sum;
		sk_session_summary(xs[i].stats, xs[i].sent, &sum);
		if (sum.received < (uint64_t)count)
			return false;
	}
	return true;
}

/* A closed interval: the exported loss and liveness. */
static void ctl_closed(struct csess *x, const struct sk_ivl_stats *s)
{
	if (!x->mxs)
		return;
	struct sk_session_summary sum;
	sk_session_summary(x->stats, x->sent, &sum);
	sk_mx_lock(x->mx);
	x->mxs->lost += sk_ivl_sent(s) - s->received;
	x->mxs->up = s->received > 0;
	if (sum.outbound_lost > x->mxs->lost_out)
		x->mxs->lost_out = sum.outbound_lost;
	if (sum.inbound_lost > x->mxs->lost_in)
		x->mxs->lost_in = sum.inbound_lost;
	sk_mx_unlock(x->mx);
}

/* The intervals every session has closed (they tick together, so they close together);
 * with final, all of them. */
static void ctl_intervals(struct csess *xs, const struct cli *c, const struct client_opts *o,
			  bool final)
{
	if (!xs[0].use_ivl)
		return;
	struct sk_ivl_stats **s = calloc((size_t)o->sessions, sizeof *s);
	if (!s)
		return;
	for (;;) {
		int64_t now = sk_now_mono_ns(), real = sk_now_real_ns();
		bool any = false;
		for (long i = 0; i < o->sessions; i++) {
			s[i] = sk_ivl_due(&xs[i].ivl, now, real, xs[i].sent, final);
			any |= s[i] != NULL;
		}
		if (!any)
			break;
		for (long i = 0; i < o->sessions; i++)
			if (s[i])
				ctl_closed(&xs[i], s[i]);
		if (o->report_interval > 0)
			ctl_interval_report(xs, s, c, o);
		for (long i = 0; i < o->sessions; i++)
			if (s[i])
				sk_ivl_pop(&xs[i].ivl);
	}
	free(s);
}

/* --report-interval / --metrics: the intervals of each session from now (a second each for
 * --metrics alone), closed --timeout after their end; the exported series. */
static int ctl_ivl_open(struct csess *xs, const struct client_opts *o, int64_t start)
{
	if (o->report_interval <= 0 && !o->metrics)
		return 0;
	double period = o->report_interval > 0 ? o->report_interval : 1.0;
	for (long i = 0; i < o->sessions; i++) {
		struct csess *x = &xs[i];
		x->use_ivl = true;
		if (sk_ivl_init(&x->ivl, (int64_t)(period * 1e9), (int64_t)(o->reply_wait_s * 1e9),
				o->report_interval > 0, start, sk_now_real_ns()))
			return -1;
		if (x->mx) {
			char name[24], refl[64];
			snprintf(name, sizeof name, "%ld", i + 1);
			sk_sockaddr_str((struct sockaddr *)&x->refl, refl, sizeof refl);
			if (!(x->mxs = sk_mx_session_add(x->mx, name, refl, "twamp")))
				return -1;
		}
	}
	return 0;
}

/* Every session's packets interleaved, --count at --interval; then the replies until all
 * came back or the session timeout passed (late replies), or SIGINT. */
static int ctl_loop(struct csess *xs, const struct cli *c, const struct client_opts *o)
{
	struct pollfd *pf = calloc((size_t)o->sessions, sizeof *pf);
	if (!pf)
		return -1;
	int64_t start = sk_now_mono_ns();
	if (ctl_ivl_open(xs, o, start)) {
		free(pf);
		sk_diag("out of memory");
		return -1;
	}
	int64_t interval_ns = (int64_t)(o->interval_ms * 1e6);
	long next = 0;
	int64_t end = 0;
	while (!sk_stop_requested) {
		int64_t now = sk_now_mono_ns();
		for (long i = 0; xs[0].use_ivl && i < o->sessions; i++)
			sk_ivl_tick(&xs[i].ivl, now, sk_now_real_ns(), xs[i].sent);
		while (next < o->count && start + next * interval_ns <= now) {
			for (long i = 0; i < o->sessions; i++)
				ctl_send(&xs[i], (uint32_t)next, o->padding);
			next++;
			if (next == o->count)
				end = sk_now_mono_ns() + (int64_t)(o->reply_wait_s * 1e9);
		}
		if ((end && now >= end) || (end && ctl_all_back(xs, o->sessions, o->count)))
			break;
		int64_t wake = next < o->count ? start + next * interval_ns : end;
		if (xs[0].use_ivl && sk_ivl_next_event(&xs[0].ivl) < wake)
			wake = sk_ivl_next_event(&xs[0].ivl);
		int ms = (int)((wake - now) / 1000000);
		for (long i = 0; i < o->sessions; i++) {
			pf[i].fd = xs[i].io.fd;
			pf[i].events = POLLIN;
		}
		poll(pf, (nfds_t)o->sessions, ms < 0 ? 0 : ms > 100 ? 100 : ms);
		for (long i = 0; i < o->sessions; i++)
			ctl_recv(&xs[i]);
		ctl_intervals(xs, c, o, false);
	}
	free(pf);
	ctl_intervals(xs, c, o, true);
	return 0;
}

/* No session answered at all: a failure (exit 1), said after the results, as ping does. */
static int ctl_no_reply(const struct csess *xs, const struct client_opts *o)
{
	uint64_t sent = 0, bad = 0;
	for (long i = 0; i < o->sessions; i++) {
		struct sk_session_summary sum;
		sk_session_summary(xs[i].stats, xs[i].sent, &sum);
		if (sum.received)
			return 0;
		sent += xs[i].sent;
		bad += xs[i].bad;
	}
	if (bad)
		sk_diag("no reply: %" PRIu64 " packets sent, %" PRIu64 " replies did not verify", sent,
			bad);
	else
		sk_diag("no reply: %" PRIu64 " packets sent in %ld session%s, none answered", sent,
			o->sessions, o->sessions == 1 ? "" : "s");
	return 1;
}

int controller_run(const struct client_opts *o)
{
	struct sk_keys ks;
	const struct sk_key *k;
	if (cli_key(o, &ks, &k))
		return 2;
	struct cli cl;
	memset(&cl, 0, sizeof cl);
	cl.fd = -1;
	int status = 1;
	struct csess *xs = calloc((size_t)o->sessions, sizeof *xs);
	if (!xs) {
		sk_keys_wipe(&ks);
		return 1;
	}
	for (long i = 0; i < o->sessions; i++)
		xs[i].io.fd = -1;
	sk_signals_install(SK_SIG_STOP | SK_SIG_IGNORE_PIPE);
	struct sk_mx *mx = NULL;
	char err[300];
	if (o->metrics && !(mx = sk_mx_open(o->metrics, err, sizeof err))) {
		sk_diag("--metrics: %s", err);
		sk_keys_wipe(&ks);
		goto out;
	}
	for (long i = 0; i < o->sessions; i++)
		xs[i].mx = mx;
	int rc = cli_connect(&cl, o, k);
	sk_keys_wipe(&ks);
	if (rc || ctl_sessions(&cl, o, xs) || cli_start(&cl, o->individual) ||
	    ctl_loop(xs, &cl, o) ||
	    cli_stop(&cl, o->individual))
		goto out;
	ctl_report(xs, &cl, o);
	status = ctl_no_reply(xs, o);
out:
	for (long i = 0; i < o->sessions; i++) {
		if (xs[i].io.fd >= 0)
			xs[i].io.ops->close(&xs[i].io);
		sk_session_free(xs[i].stats);
		sk_ivl_free(&xs[i].ivl);
		memset(xs[i].aes, 0, sizeof xs[i].aes);
		memset(xs[i].hmac, 0, sizeof xs[i].hmac);
	}
	free(xs);
	cli_close(&cl);
	sk_mx_close(mx);
	return status;
}
