/* SPDX-License-Identifier: BSD-3-Clause */
/* twamp.c - full TWAMP: `server`, `controller`, `controlclient` over the codec's control state
 * machine (RFC 4656 §3, RFC 5357 §3-4, RFC 5618, RFC 5938) and its test-packet codec. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "liveopt.h"
#include "twtable.h"
#include "stampkit/crypto.h"
#include "stampkit/metrics.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"
#include "udpio.h"

#define CONTROL_PORT 862
#define MAX_KEYS 64
#define MAX_PKT 9216

static volatile sig_atomic_t stop_flag;
static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}
static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void rnd(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t k = getrandom(buf, n, 0);
		if (k <= 0)
			continue;
		buf += k;
		n -= (size_t)k;
	}
}

static const char *accept_name(uint8_t a)
{
	for (const struct sk_vs *v = sk_twamp_accept_names; v->name; v++)
		if (v->value == a)
			return v->name;
	return "unknown";
}

/* ---- key file: one "KeyID passphrase" pair a line, '#' comments ---- */
struct key {
	char id[SK_TWCTL_KEYID_LEN + 1];
	char secret[256];
	size_t secret_len;
};
struct keys {
	struct key k[MAX_KEYS];
	unsigned n;
};

static int keys_load(const char *path, struct keys *ks, const char *cmd)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "stampkit %s: %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	char line[512];
	unsigned ln = 0;
	ks->n = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		char *sp = p;
		while (*sp && *sp != ' ' && *sp != '\t')
			sp++;
		size_t idlen = (size_t)(sp - p);
		while (*sp == ' ' || *sp == '\t')
			sp++;
		size_t slen = strlen(sp);
		while (slen && (sp[slen - 1] == ' ' || sp[slen - 1] == '\t'))
			slen--;
		if (!idlen || idlen > SK_TWCTL_KEYID_LEN || !slen || slen >= sizeof ks->k[0].secret ||
		    ks->n == MAX_KEYS) {
			fprintf(stderr, "stampkit %s: %s:%u: expected 'KeyID passphrase' (KeyID up to 80 "
				"octets, at most %d lines)\n", cmd, path, ln, MAX_KEYS);
			fclose(f);
			return -1;
		}
		struct key *k = &ks->k[ks->n++];
		memset(k, 0, sizeof *k);
		memcpy(k->id, p, idlen);
		memcpy(k->secret, sp, slen);
		k->secret_len = slen;
	}
	fclose(f);
	if (!ks->n) {
		fprintf(stderr, "stampkit %s: %s: no key\n", cmd, path);
		return -1;
	}
	return 0;
}

static int key_lookup(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret,
		      size_t *secret_len)
{
	const struct keys *ks = ctx;
	if (!ks)
		return -1;
	for (unsigned i = 0; i < ks->n; i++) {
		uint8_t id[SK_TWCTL_KEYID_LEN];
		memset(id, 0, sizeof id);
		memcpy(id, ks->k[i].id, strlen(ks->k[i].id));
		if (!memcmp(id, keyid, sizeof id)) {
			*secret = (const uint8_t *)ks->k[i].secret;
			*secret_len = ks->k[i].secret_len;
			return 0;
		}
	}
	return -1;
}

/* The optional features stampkit offers and asks for: RFC 6038 reflect octets and
 * symmetrical size, RFC 7750 DSCP/ECN monitoring. */
#define SK_TWMODE_FEATURES (SK_TWMODE_REFLECT_OCTETS | SK_TWMODE_SYMMETRICAL | SK_TWMODE_DSCP_ECN)

/* One feature name into its Modes bit; -1 when t names none. */
static int parse_features(const char *t, uint32_t *m)
{
	if (!strcmp(t, "reflect-octets"))
		*m |= SK_TWMODE_REFLECT_OCTETS;
	else if (!strcmp(t, "symmetrical"))
		*m |= SK_TWMODE_SYMMETRICAL;
	else if (!strcmp(t, "dscp-ecn"))
		*m |= SK_TWMODE_DSCP_ECN;
	else
		return -1;
	return 0;
}

/* The test-packet options (SK_TF_*) a Set-Up-Response Mode selects. */
static uint8_t tf_of(uint32_t mode)
{
	return (uint8_t)(((mode & SK_TWMODE_REFLECT_OCTETS) ? SK_TF_REFLECT_OCTETS : 0) |
			 ((mode & SK_TWMODE_SYMMETRICAL) ? SK_TF_SYMMETRICAL : 0) |
			 ((mode & SK_TWMODE_DSCP_ECN) ? SK_TF_DSCP_ECN : 0));
}

/* Authenticated/encrypted test packets: a symmetrical sender packet has the reflector's
 * 112-octet shape (HMAC at 96), so it is protected with the reflector's coverage. */
static int protect_role(int reflector, uint8_t tf)
{
	return reflector || (tf & SK_TF_SYMMETRICAL) ? 1 : 0;
}

static int parse_modes(const char *s, uint32_t *out)
{
	uint32_t m = 0;
	char buf[128];
	if (strlen(s) >= sizeof buf)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "unauth") || !strcmp(t, "unauthenticated"))
			m |= SK_TWMODE_UNAUTH;
		else if (!strcmp(t, "auth") || !strcmp(t, "authenticated"))
			m |= SK_TWMODE_AUTH;
		else if (!strcmp(t, "encrypted"))
			m |= SK_TWMODE_ENCRYPT;
		else if (!strcmp(t, "mixed"))
			m |= SK_TWMODE_MIXED;
		else if (!strcmp(t, "all"))
			m |= SK_TWMODE_UNAUTH | SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED |
			     SK_TWMODE_FEATURES;
		else if (parse_features(t, &m))
			return -1;
	}
	if (!(m & SK_TWMODE_SECURITY_MASK))
		return -1;
	*out = m;
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Write everything the machine queued (control messages are small: a short blocking wait
 * is fine when the socket buffer is momentarily full). */
static int flush_out(int fd, struct sk_twsm *sm)
{
	size_t len;
	const uint8_t *p;
	while ((p = sk_twsm_output(sm, &len)) && len) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };
				if (poll(&pf, 1, 1000) <= 0)
					return -1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		sk_twsm_output_consume(sm, (size_t)k);
	}
	return 0;
}

static void addr_from(uint8_t fam, const uint8_t *a, uint16_t port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (fam == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		s4->sin_port = htons(port);
		*len = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ======================================================================================= */
/* Server                                                                                   */
/* ======================================================================================= */

struct srv_sess {
	bool used;
	int conn;             /* owning connection index */
	int sm_index;         /* index in the connection's state machine */
	struct sk_io io;
	uint8_t sid[16];
	uint8_t peer_fam, peer_addr[16]; /* Session-Sender address (test packets only from it) */
	bool active;          /* started and not stopped */
	int64_t expire_mono;  /* > 0: close at this time (after Stop + timeout, or closed conn) */
	uint32_t sec;         /* enum sk_sec */
	uint8_t test_aes[16], test_hmac[32];
	struct sk_reflect_state st;
	uint32_t next_seq;    /* reflector's own numbers (secure modes) */
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
	struct srv *srv;
};

struct srv {
	struct srv_conn *conns;
	unsigned max_conns, nconns;
	struct srv_sess *sess;
	unsigned max_sess, nsess;
	uint32_t modes, count;
	struct keys *keys;
	int64_t servwait_ns;
	int tos, ttl;
	long port_lo, port_hi;
	uint64_t refused_conns, refused_sessions;
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
	sk_log(SK_LOG_INFO, "session on port %u closed: received %llu reflected %llu refused %llu",
	       ntohs(((struct sockaddr_in *)&x->io.bound)->sin_port), (unsigned long long)x->received,
	       (unsigned long long)x->reflected, (unsigned long long)x->refused);
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
	rnd(NULL, (uint8_t *)&r0, sizeof r0);
	for (long i = -1; i < span && i < 2000; i++) {
		uint16_t p = i < 0 ? want : (uint16_t)(s->port_lo + (long)((r0 + (uint32_t)i) % (uint32_t)span));
		if (i < 0 && p == 0)
			continue;
		addr_from(fam, addr, p, &ss, &sl);
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

static void srv_handle_request(struct srv *s, int ci)
{
	struct srv_conn *c = &s->conns[ci];
	int idx = c->req_pending;
	c->req_pending = -1;
	const struct sk_twsm_session *q = idx < SK_TWSM_MAX_SESSIONS ? sk_twsm_session(&c->sm, (unsigned)idx) : NULL;
	uint8_t accept = 0;
	uint8_t dscp = 0;
	unsigned flags = 0;
	uint8_t cfam, caddr[16], lfam, laddr[16];
	uint16_t cport, lport;
	sk_sockaddr_unpack((struct sockaddr *)&c->peer, &cfam, caddr, &cport);
	sk_sockaddr_unpack((struct sockaddr *)&c->local, &lfam, laddr, &lport);
	int si = -1;
	if (!q) {
		accept = 5; /* more sessions on this connection than the machine holds */
	} else if (q->ipvn != 4 && q->ipvn != 6) {
		accept = 3;
	} else if (sk_twamp_typep_dscp(q->type_p, &dscp, &flags) != SK_OK) {
		accept = 3; /* a PHB ID (RFC 4656 §3.5 "01" form) is not supported */
	} else if ((si = srv_free_sess(s)) < 0) {
		accept = 5; /* temporary resource limitation: --max-sessions */
		s->refused_sessions++;
	}
	const uint8_t *raddr = laddr;
	uint8_t rfam = lfam;
	if (!accept) {
		size_t alen = q->ipvn == 4 ? 4 : 16;
		if (q->ipvn != lfam) {
			/* A test flow of the other family than the control connection: both
			 * addresses must then be given. */
			if (all_zero(q->receiver_address, alen) || all_zero(q->sender_address, alen))
				accept = 3;
			raddr = q->receiver_address;
			rfam = q->ipvn;
		} else if (!all_zero(q->receiver_address, alen)) {
			raddr = q->receiver_address;
		}
	}
	struct srv_sess *x = si >= 0 ? &s->sess[si] : NULL;
	uint16_t port = 0;
	if (!accept) {
		memset(x, 0, sizeof *x);
		if (srv_open_test(s, rfam, raddr, q->requested_port, dscp ? dscp << 2 : s->tos, &x->io, &port)) {
			accept = 2; /* internal error: no socket */
		}
	}
	uint8_t sid[16];
	if (!accept) {
		/* RFC 4656 §3.5: receiver address (IPv4 or the last 4 octets), timestamp, random. */
		memcpy(sid, rfam == 4 ? raddr : raddr + 12, 4);
		uint64_t ts = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0);
		for (int i = 0; i < 8; i++)
			sid[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
		rnd(NULL, sid + 12, 4);
		if (sk_twsm_server_accept(&c->sm, 0, port, sid, 0) != SK_OK) {
			x->io.ops->close(&x->io);
			c->fail = true;
			return;
		}
		x->used = true;
		x->conn = ci;
		x->sm_index = idx;
		memcpy(x->sid, sid, 16);
		size_t alen = q->ipvn == 4 ? 4 : 16;
		if (all_zero(q->sender_address, alen)) {
			x->peer_fam = cfam;
			memcpy(x->peer_addr, caddr, 16);
		} else {
			x->peer_fam = q->ipvn;
			memset(x->peer_addr, 0, 16);
			memcpy(x->peer_addr, q->sender_address, alen);
		}
		const struct sk_twsm_session *a = sk_twsm_session(&c->sm, (unsigned)idx);
		x->sec = sk_twmode_sec(a->mode);
		x->tf = tf_of(c->sm.mode);
		x->reflect_len = (x->tf & SK_TF_REFLECT_OCTETS) ? q->padding_reflected : 0;
		if (a->has_keys) {
			memcpy(x->test_aes, a->test_aes, 16);
			memcpy(x->test_hmac, a->test_hmac, 32);
		}
		s->nsess++;
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
	} else {
		sk_log(SK_LOG_WARNING, "%s: session refused: Accept %u (%s)", c->name, accept,
		       accept_name(accept));
		if (sk_twsm_server_accept(&c->sm, accept, 0, NULL, 0) != SK_OK)
			c->fail = true;
	}
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

static void srv_reflect(struct srv *s, struct srv_sess *x)
{
	static uint8_t rxbuf[SK_IO_BATCH][MAX_PKT + 1], txbuf[SK_IO_BATCH][MAX_PKT + 128];
	struct sk_io_msg rx[SK_IO_BATCH], tx[SK_IO_BATCH];
	for (int i = 0; i < SK_IO_BATCH; i++) {
		memset(&rx[i], 0, sizeof rx[i]);
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
		struct sk_io_msg *m = &rx[i];
		x->received++;
		uint8_t pf, pa[16];
		uint16_t pp;
		sk_sockaddr_unpack((struct sockaddr *)&m->peer, &pf, pa, &pp);
		/* Only the session's sender, only while started (or within its timeout). */
		if (m->truncated || pf != x->peer_fam || memcmp(pa, x->peer_addr, pf == 4 ? 4 : 16) ||
		    (!x->active && !x->expire_mono) || pp == 0) {
			x->refused++;
			continue;
		}
		if (x->conn >= 0)
			s->conns[x->conn].last_mono = sk_now_mono_ns();
		int64_t t2 = m->rx_ns ? m->rx_ns : user_rx;
		struct sk_io_msg *o = &tx[nout];
		size_t olen = 0;
		if (x->sec == SK_SEC_UNAUTH) {
			struct sk_reflect_cfg cfg = {
				.proto = SK_PROTO_TWAMP, .sec = SK_SEC_UNAUTH, .stateful = true,
				.allow_short = true, /* the session was negotiated: no amplification risk */
				.ts_fmt = SK_TS_NTP, .error_estimate = errest, .sync_src = synced ? 1 : 5,
				.ts_method_in = 2, .ts_method_out = 2,
				.features = x->tf, .reflect_len = x->reflect_len,
			};
			struct sk_reflect_rx r = { .t2_ns = t2, .ttl = m->ttl, .tos = m->tos, .family = pf,
						   .sport = pp, .dport = bport };
			memcpy(r.src, pa, 16);
			struct sk_reflect_info info;
			if (sk_reflect_build(m->buf, m->len, &cfg, &r, &x->st, sk_now_real_ns(), o->buf,
					     o->cap, &info, NULL) != SK_OK) {
				x->refused++;
				continue;
			}
			olen = info.len;
		} else {
			/* Authenticated / encrypted (RFC 5357 §4.2.1): decrypt and check, answer in
			 * the 112-octet reflector layout, protect with the session's test keys. */
			uint8_t plain[MAX_PKT + 1];
			size_t sbase = (x->tf & SK_TF_SYMMETRICAL) ? SK_TWAMP_REFLECTOR_AUTH_LEN
								   : SK_TWAMP_SENDER_AUTH_LEN;
			if (m->len < sbase ||
			    sk_twamp_test_unprotect((enum sk_sec)x->sec, protect_role(0, x->tf), x->test_aes,
						    x->test_hmac, m->buf, m->len, plain, sizeof plain, NULL) != SK_OK) {
				x->refused++;
				continue;
			}
			struct sk_test_opts so = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_SENDER,
						   .sec = (uint8_t)x->sec,
						   .features = x->tf };
			struct sk_test_pkt sp;
			memset(&sp, 0, sizeof sp);
			if (sk_test_decode(plain, m->len, &so, &sp, NULL, NULL) != SK_OK) {
				x->refused++;
				continue;
			}
			struct sk_test_opts ro = so;
			ro.role = SK_ROLE_REFLECTOR;
			ro.features = x->tf & SK_TF_DSCP_ECN;
			struct sk_test_pkt rp;
			memset(&rp, 0, sizeof rp);
			rp.seq = x->next_seq++;
			rp.error_estimate = errest;
			rp.rx_timestamp = sk_ts_from_ns(t2, SK_TS_NTP, 0);
			rp.sender_seq = sp.seq;
			rp.sender_timestamp = sp.timestamp;
			rp.sender_error_estimate = sp.error_estimate;
			rp.sender_ttl = (uint8_t)(m->ttl >= 0 ? m->ttl : 255);
			if (x->tf & SK_TF_DSCP_ECN) { /* RFC 7750 §4: the TOS that arrived */
				rp.sender_dscp = m->tos >= 0 ? (uint8_t)(((unsigned)m->tos >> 2) & 0x3f) : 0;
				rp.sender_ecn = m->tos >= 0 ? (uint8_t)(m->tos & 3) : 0;
			}
			uint8_t tail[MAX_PKT];
			/* Symmetric size: as long as the request, never shorter than the layout;
			 * RFC 6038 reflected octets open the padding, the rest is zero. */
			rp.tail = tail;
			rp.tail_len = m->len > SK_TWAMP_REFLECTOR_AUTH_LEN ? m->len - SK_TWAMP_REFLECTOR_AUTH_LEN : 0;
			memset(tail, 0, rp.tail_len);
			if (x->tf & SK_TF_REFLECT_OCTETS) {
				size_t k = x->reflect_len;
				if (k > m->len - sbase)
					k = m->len - sbase;
				if (k > rp.tail_len)
					k = rp.tail_len;
				memcpy(tail, plain + sbase, k);
			}
			rp.timestamp = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0);
			if (sk_test_encode(&rp, &ro, o->buf, o->cap, &olen) != SK_OK ||
			    sk_twamp_test_protect((enum sk_sec)x->sec, 1, x->test_aes, x->test_hmac,
						  o->buf, olen) != SK_OK) {
				x->refused++;
				continue;
			}
		}
		o->len = olen;
		memcpy(&o->peer, &m->peer, sizeof o->peer);
		o->peerlen = m->peerlen;
		memcpy(&o->local, &m->local, sizeof o->local);
		o->set_tos = -1;
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

static void srv_accept(struct srv *s, int lfd)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;
		int fd = accept(lfd, (struct sockaddr *)&peer, &pl);
		if (fd < 0)
			return;
		set_nonblock(fd);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char name[80];
		sk_sockaddr_str((struct sockaddr *)&peer, name, sizeof name);
		int ci = -1;
		for (unsigned i = 0; i < s->max_conns; i++)
			if (!s->conns[i].used) {
				ci = (int)i;
				break;
			}
		if (ci < 0) {
			/* RFC 4656 §3.1: a Server-Greeting with Modes 0 refuses the connection. */
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
			continue;
		}
		struct srv_conn *c = &s->conns[ci];
		memset(c, 0, sizeof *c);
		c->used = true;
		c->fd = fd;
		c->srv = s;
		c->req_pending = -1;
		memcpy(&c->peer, &peer, sizeof peer);
		socklen_t ll = sizeof c->local;
		getsockname(fd, (struct sockaddr *)&c->local, &ll);
		memcpy(c->name, name, sizeof name);
		c->last_mono = sk_now_mono_ns();
		s->nconns++;
		struct sk_twsm_config cfg = {
			.role = SK_TWSM_SERVER, .modes = s->modes | SK_TWMODE_INDIVIDUAL, .count = s->count,
			.server_start_time = sk_ts_from_ns(sk_now_real_ns(), SK_TS_NTP, 0),
			.key_lookup = key_lookup, .key_ctx = s->keys, .random = rnd,
			.on_event = srv_event, .event_ctx = c,
		};
		sk_log(SK_LOG_INFO, "%s: connected", name);
		if (sk_twsm_init(&c->sm, &cfg) != SK_OK || flush_out(fd, &c->sm))
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
	/* Feed message by message: the machine waits for our answer before the next command. */
	size_t off = 0;
	while (off < (size_t)k) {
		enum sk_result r = sk_twsm_feed(&c->sm, SK_TWSM_C2S, buf + off, 1);
		off++;
		if (c->req_pending >= 0)
			srv_handle_request(s, ci);
		if (c->cmd_pending)
			srv_handle_cmd(s, ci);
		if (r != SK_OK || c->fail) {
			flush_out(c->fd, &c->sm); /* e.g. Server-Start with Accept 1 */
			srv_close_conn(s, ci, c->sm.state == SK_TWSM_CLOSED ? "refused" : "protocol error");
			return;
		}
	}
	srv_sync(s, ci);
	if (flush_out(c->fd, &c->sm))
		srv_close_conn(s, ci, "send failed");
	else if (c->sm.state == SK_TWSM_CLOSED)
		srv_close_conn(s, ci, "refused");
}

static void server_usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit server [options] [LOCAL]\n\n"
		"TWAMP Server (RFC 5357 §3): TWAMP-Control on TCP (LOCAL, default every address, port\n"
		"862), a Session-Reflector per accepted session.\n\n"
		"  --modes LIST          unauth,auth,encrypted,mixed plus the features reflect-octets,\n"
		"                        symmetrical, dscp-ecn; or all of them (default unauth)\n"
		"  --key-file FILE       'KeyID passphrase' lines (needed for auth/encrypted/mixed)\n"
		"  --count N             PBKDF2 iteration count in the greeting (default 1024)\n"
		"  --max-connections N   control connections at once (default 64); beyond: Modes 0\n"
		"  --max-sessions N      test sessions at once (default 64); beyond: Accept 5\n"
		"  --servwait S          close a control connection idle for S seconds (default 900)\n"
		"  --ports LO-HI         ports chosen when the asked one is taken (default 20000-60000)\n"
		"  --json                counters at exit as JSON\n\n");
	sk_liveopt_help(out);
}

int cmd_server(int argc, char **argv)
{
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	enum { O_MODES = SK_OPT_LOCAL_BASE, O_KEYS, O_COUNT, O_MAXC, O_MAXS, O_WAIT, O_PORTS };
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "modes", required_argument, NULL, O_MODES },
		{ "key-file", required_argument, NULL, O_KEYS },
		{ "count", required_argument, NULL, O_COUNT },
		{ "max-connections", required_argument, NULL, O_MAXC },
		{ "max-sessions", required_argument, NULL, O_MAXS },
		{ "servwait", required_argument, NULL, O_WAIT },
		{ "ports", required_argument, NULL, O_PORTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	const char *keyfile = NULL;
	long count = 1024, maxc = 64, maxs = 64, servwait = 900, plo = 20000, phi = 60000;
	uint32_t modes = SK_TWMODE_UNAUTH;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "h", longopts, NULL)) != -1) {
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		switch (c) {
		case O_MODES:
			if (parse_modes(optarg, &modes)) {
				fprintf(stderr, "stampkit %s: --modes: expected unauth,auth,encrypted,mixed, "
				"reflect-octets,symmetrical,dscp-ecn or all (at least one security mode)\n", cmd);
				return 2;
			}
			break;
		case O_KEYS: keyfile = optarg; break;
		case O_COUNT:
			if (sk_parse_long(optarg, 1024, 1L << 24, &count)) {
				fprintf(stderr, "stampkit %s: --count: expected 1024..16777216\n", cmd);
				return 2;
			}
			break;
		case O_MAXC:
			if (sk_parse_long(optarg, 1, 4096, &maxc)) {
				fprintf(stderr, "stampkit %s: --max-connections: expected 1..4096\n", cmd);
				return 2;
			}
			break;
		case O_MAXS:
			if (sk_parse_long(optarg, 1, 4096, &maxs)) {
				fprintf(stderr, "stampkit %s: --max-sessions: expected 1..4096\n", cmd);
				return 2;
			}
			break;
		case O_WAIT:
			if (sk_parse_long(optarg, 1, 86400, &servwait)) {
				fprintf(stderr, "stampkit %s: --servwait: expected 1..86400 seconds\n", cmd);
				return 2;
			}
			break;
		case O_PORTS: {
			char *e;
			plo = strtol(optarg, &e, 10);
			if (*e != '-' || (phi = strtol(e + 1, &e, 10), *e) || plo < 1 || phi > 65535 || plo > phi) {
				fprintf(stderr, "stampkit %s: --ports: expected LO-HI within 1-65535\n", cmd);
				return 2;
			}
			break;
		}
		case 'h': server_usage(stdout); return 0;
		default: server_usage(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "stampkit %s: one LOCAL address at most\n", cmd);
		return 2;
	}
	if (sk_liveopt_finish(&lo, cmd))
		return 2;
	if (lo.keyfile) {
		fprintf(stderr, "stampkit %s: --auth is STAMP's; TWAMP uses --modes and --key-file\n", cmd);
		return 2;
	}
	struct keys *keys = NULL;
	if (modes & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED)) {
		if (!keyfile) {
			fprintf(stderr, "stampkit %s: the authenticated, encrypted and mixed modes need "
				"--key-file (lines 'KeyID passphrase')\n", cmd);
			return 2;
		}
		keys = calloc(1, sizeof *keys);
		if (!keys || keys_load(keyfile, keys, cmd)) {
			free(keys);
			return 2;
		}
	}
	char err[300];
	struct sockaddr_storage local;
	socklen_t llen;
	const char *ls = optind < argc ? argv[optind] : "";
	if (sk_addr_parse(ls, CONTROL_PORT, 0, true, &local, &llen, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: %s\n", cmd, err);
		return 2;
	}
	int lfd = socket(local.ss_family, SOCK_STREAM, 0);
	if (lfd < 0 && local.ss_family == AF_INET6 && (!ls[0] || ls[0] == ':')) {
		sk_addr_parse(ls, CONTROL_PORT, 4, true, &local, &llen, err, sizeof err);
		lfd = socket(local.ss_family, SOCK_STREAM, 0);
	}
	int one = 1, zero = 0;
	if (lfd >= 0) {
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (local.ss_family == AF_INET6)
			setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	}
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&local, llen) || listen(lfd, 128) || set_nonblock(lfd)) {
		char bs[80];
		sk_sockaddr_str((struct sockaddr *)&local, bs, sizeof bs);
		fprintf(stderr, "stampkit %s: cannot listen on %s: %s%s\n", cmd, bs, strerror(errno),
			errno == EACCES ? " (port 862 is privileged: run as root, or give a port >= 1024)" : "");
		return 1;
	}
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	getsockname(lfd, (struct sockaddr *)&bound, &bl);
	char bs[80];
	sk_sockaddr_str((struct sockaddr *)&bound, bs, sizeof bs);
	sk_log(SK_LOG_INFO, "TWAMP server listening on %s", bs);
	fprintf(stderr, "stampkit %s: listening on %s\n", cmd, bs);

	struct srv s;
	memset(&s, 0, sizeof s);
	s.max_conns = (unsigned)maxc;
	s.max_sess = (unsigned)maxs;
	s.conns = calloc(s.max_conns, sizeof *s.conns);
	s.sess = calloc(s.max_sess, sizeof *s.sess);
	s.modes = modes;
	s.count = (uint32_t)count;
	s.keys = keys;
	s.servwait_ns = servwait * 1000000000LL;
	s.tos = lo.tos;
	s.ttl = lo.ttl;
	s.port_lo = plo;
	s.port_hi = phi;
	struct pollfd *pf = calloc(1 + s.max_conns + s.max_sess, sizeof *pf);
	int *who = calloc(1 + s.max_conns + s.max_sess, sizeof *who);
	if (!s.conns || !s.sess || !pf || !who) {
		fprintf(stderr, "stampkit %s: out of memory\n", cmd);
		return 1;
	}
	catch_signals();
	while (!stop_flag) {
		unsigned np = 0;
		pf[np].fd = lfd;
		pf[np].events = POLLIN;
		who[np++] = 0;
		for (unsigned i = 0; i < s.max_conns; i++)
			if (s.conns[i].used) {
				pf[np].fd = s.conns[i].fd;
				pf[np].events = POLLIN;
				who[np++] = 1 + (int)i;
			}
		for (unsigned i = 0; i < s.max_sess; i++)
			if (s.sess[i].used) {
				pf[np].fd = s.sess[i].io.fd;
				pf[np].events = POLLIN;
				who[np++] = -1 - (int)i;
			}
		int k = poll(pf, np, 200);
		if (k < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; k > 0 && i < np; i++) {
			if (!pf[i].revents)
				continue;
			if (who[i] == 0)
				srv_accept(&s, lfd);
			else if (who[i] > 0 && s.conns[who[i] - 1].used)
				srv_conn_input(&s, who[i] - 1);
			else if (who[i] < 0 && s.sess[-1 - who[i]].used)
				srv_reflect(&s, &s.sess[-1 - who[i]]);
		}
		int64_t now = sk_now_mono_ns();
		for (unsigned i = 0; i < s.max_conns; i++)
			if (s.conns[i].used && now - s.conns[i].last_mono > s.servwait_ns)
				srv_close_conn(&s, (int)i, "SERVWAIT: idle");
		for (unsigned i = 0; i < s.max_sess; i++) {
			struct srv_sess *x = &s.sess[i];
			if (x->used && x->expire_mono && now > x->expire_mono && (!x->active || x->conn < 0))
				srv_close_sess(&s, x);
		}
	}
	for (unsigned i = 0; i < s.max_conns; i++)
		if (s.conns[i].used)
			srv_close_conn(&s, (int)i, "server stopped");
	for (unsigned i = 0; i < s.max_sess; i++)
		srv_close_sess(&s, &s.sess[i]);
	if (lo.json)
		printf("{\"type\":\"server\",\"refused_connections\":%llu,\"refused_sessions\":%llu}\n",
		       (unsigned long long)s.refused_conns, (unsigned long long)s.refused_sessions);
	else
		printf("refused connections %llu, refused sessions %llu\n",
		       (unsigned long long)s.refused_conns, (unsigned long long)s.refused_sessions);
	close(lfd);
	free(pf);
	free(who);
	free(s.conns);
	free(s.sess);
	if (keys) {
		memset(keys, 0, sizeof *keys);
		free(keys);
	}
	return 0;
}

/* ======================================================================================= */
/* Control-Client: controller and controlclient                                             */
/* ======================================================================================= */

struct cli {
	int fd;
	struct sk_twsm sm;
	bool got;             /* a whole message arrived */
	enum sk_twctl_type type;
	uint8_t start_accept;  /* Server-Start's Accept */
	uint16_t reflected_octets; /* the last Accept-Session's (RFC 6038) */
	char errmsg[200];
	const char *cmd;
};

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

/* Send what is queued, then read until one whole message of the server arrived. */
static int cli_exchange(struct cli *c, int timeout_ms)
{
	if (flush_out(c->fd, &c->sm)) {
		fprintf(stderr, "stampkit %s: control connection: send failed: %s\n", c->cmd, strerror(errno));
		return -1;
	}
	c->got = false;
	int64_t end = sk_now_mono_ns() + (int64_t)timeout_ms * 1000000;
	while (!c->got) {
		int64_t left = (end - sk_now_mono_ns()) / 1000000;
		if (left <= 0) {
			fprintf(stderr, "stampkit %s: the server did not answer within %d s\n", c->cmd,
				timeout_ms / 1000);
			return -1;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int k = poll(&p, 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			continue;
		uint8_t b;
		/* One octet at a time: a following message must not be fed before its turn. */
		ssize_t n = recv(c->fd, &b, 1, 0);
		if (n == 0) {
			fprintf(stderr, "stampkit %s: the server closed the control connection\n", c->cmd);
			return -1;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "stampkit %s: control connection: %s\n", c->cmd, strerror(errno));
			return -1;
		}
		if (sk_twsm_feed(&c->sm, SK_TWSM_S2C, &b, 1) != SK_OK && !c->got) {
			fprintf(stderr, "stampkit %s: bad message from the server: %s\n", c->cmd, c->errmsg);
			return -1;
		}
	}
	return 0;
}

struct cli_opts {
	uint32_t mode;
	uint32_t features;    /* SK_TWMODE_REFLECT_OCTETS | SK_TWMODE_SYMMETRICAL | SK_TWMODE_DSCP_ECN */
	const char *key_id;
	const char *key_file;
	long sessions;
	int session_dscp;
	long padding;
	double timeout_s;
	uint16_t test_port;
};

#define REFLECT_MARK 0x534b /* "SK": Octets to be reflected */

/* Padding octet i of a test packet under reflect-octets: a pattern the replies must return. */
static uint8_t pad_octet(size_t i)
{
	return (uint8_t)(0x5a ^ (i * 7));
}

static const char *mode_name(uint32_t m)
{
	switch (m) {
	case SK_TWMODE_UNAUTH: return "unauthenticated";
	case SK_TWMODE_AUTH: return "authenticated";
	case SK_TWMODE_ENCRYPT: return "encrypted";
	case SK_TWMODE_MIXED: return "mixed";
	default: return "?";
	}
}

/* Connect, greeting, Set-Up-Response, Server-Start. */
static int cli_connect(struct cli *c, const char *server, const struct cli_opts *o,
		       struct sockaddr_storage *srv_addr, socklen_t *srv_len)
{
	char err[300];
	if (sk_addr_parse(server, CONTROL_PORT, 0, false, srv_addr, srv_len, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: %s\n", c->cmd, err);
		return -1;
	}
	char ss[80];
	sk_sockaddr_str((struct sockaddr *)srv_addr, ss, sizeof ss);
	c->fd = socket(srv_addr->ss_family, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)srv_addr, *srv_len)) {
		fprintf(stderr, "stampkit %s: cannot connect to %s: %s\n", c->cmd, ss, strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sk_twsm_config cfg = { .role = SK_TWSM_CLIENT, .random = rnd, .on_event = cli_event,
				      .event_ctx = c };
	if (sk_twsm_init(&c->sm, &cfg) != SK_OK)
		return -1;
	if (cli_exchange(c, 10000))
		return -1;
	uint32_t offered = c->sm.greeting.modes;
	if (!(offered & SK_TWMODE_SECURITY_MASK)) {
		fprintf(stderr, "stampkit %s: %s refuses the connection (Server-Greeting Modes 0: "
			"it serves no more connections, or none from here)\n", c->cmd, ss);
		return -1;
	}
	if (!(offered & o->mode)) {
		fprintf(stderr, "stampkit %s: %s does not offer the %s mode (Modes 0x%x)\n", c->cmd, ss,
			mode_name(o->mode), offered);
		sk_twsm_client_setup(&c->sm, 0, NULL, NULL, 0);
		flush_out(c->fd, &c->sm);
		return -1;
	}
	struct keys ks;
	const struct key *k = NULL;
	if (o->mode != SK_TWMODE_UNAUTH) {
		if (!o->key_file) {
			fprintf(stderr, "stampkit %s: the %s mode needs --key-file\n", c->cmd, mode_name(o->mode));
			return -1;
		}
		if (keys_load(o->key_file, &ks, c->cmd))
			return -1;
		for (unsigned i = 0; i < ks.n && !k; i++)
			if (!o->key_id || !strcmp(o->key_id, ks.k[i].id))
				k = &ks.k[i];
		if (!k) {
			fprintf(stderr, "stampkit %s: KeyID '%s' is not in %s\n", c->cmd, o->key_id, o->key_file);
			return -1;
		}
	}
	if (o->features & ~offered) {
		fprintf(stderr, "stampkit %s: %s does not offer the features asked for (Modes 0x%x, "
			"asked 0x%x)\n", c->cmd, ss, offered, o->features);
		sk_twsm_client_setup(&c->sm, 0, NULL, NULL, 0);
		flush_out(c->fd, &c->sm);
		return -1;
	}
	uint32_t mode = o->mode | o->features | (offered & SK_TWMODE_INDIVIDUAL);
	enum sk_result r = sk_twsm_client_setup(&c->sm, mode, k ? k->id : NULL, k ? k->secret : NULL,
						k ? k->secret_len : 0);
	if (k)
		memset(&ks, 0, sizeof ks);
	if (r != SK_OK) {
		fprintf(stderr, "stampkit %s: Set-Up-Response: %s\n", c->cmd, sk_strerror(r));
		return -1;
	}
	if (cli_exchange(c, 10000))
		return -1;
	if (c->sm.state != SK_TWSM_WAIT_COMMAND) {
		fprintf(stderr, "stampkit %s: %s refused the connection: Server-Start Accept %u (%s)%s\n",
			c->cmd, ss, c->start_accept, accept_name(c->start_accept),
			c->start_accept == 1 && o->mode != SK_TWMODE_UNAUTH ? ": wrong KeyID or passphrase" : "");
		return -1;
	}
	sk_log(SK_LOG_INFO, "control connection to %s in %s mode", ss, mode_name(o->mode));
	return 0;
}

/* Request-TW-Session with the right values (RFC 5357 §3.5): IPVN of the test flow, our
 * sender port, the asked receiver port, padding, DSCP in Type-P, start time, timeout. */
static int cli_request(struct cli *c, uint8_t ipvn, const uint8_t *sender_addr, uint16_t sport,
		       uint16_t rport, const struct cli_opts *o, int *idx)
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
	q.timeout = (uint64_t)(o->timeout_s * 4294967296.0);
	q.type_p = o->session_dscp > 0 ? sk_twamp_typep_from_dscp((uint8_t)o->session_dscp) : 0;
	if (o->features & SK_TWMODE_REFLECT_OCTETS) {
		/* RFC 6038: the server echoes these two octets. The reply is as long as the
		 * request, so only the padding the reply has room for after its own fixed part
		 * can come back: ask for exactly that. */
		q.octets_reflected = REFLECT_MARK;
		bool sec = o->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT);
		long sfix = (o->features & SK_TWMODE_SYMMETRICAL) ? (sec ? 112 : 41) : (sec ? 48 : 14);
		long rfix = sec ? 112 : (o->features & SK_TWMODE_DSCP_ECN) ? 42 : 41;
		long room = sfix + (long)q.padding_length - rfix;
		if (room > (long)q.padding_length)
			room = (long)q.padding_length;
		q.padding_reflected = (uint16_t)(room < 0 ? 0 : room > 65535 ? 65535 : room);
	}
	c->reflected_octets = 0;
	enum sk_result r = sk_twsm_client_request(&c->sm, &q, idx);
	if (r != SK_OK) {
		fprintf(stderr, "stampkit %s: Request-TW-Session: %s\n", c->cmd, sk_strerror(r));
		return -1;
	}
	if (cli_exchange(c, 10000))
		return -1;
	const struct sk_twsm_session *s = sk_twsm_session(&c->sm, (unsigned)*idx);
	if (!s || s->accept) {
		uint8_t a = s ? s->accept : 1;
		fprintf(stderr, "stampkit %s: the server refused session %d: Accept %u (%s)\n", c->cmd,
			*idx + 1, a, accept_name(a));
		return -1;
	}
	if ((o->features & SK_TWMODE_REFLECT_OCTETS) && c->reflected_octets != REFLECT_MARK) {
		fprintf(stderr, "stampkit %s: session %d: Accept-Session's Reflected Octets 0x%04x, "
			"not the 0x%04x asked for (RFC 6038)\n", c->cmd, *idx + 1, c->reflected_octets,
			REFLECT_MARK);
		return -1;
	}
	if (s->reflector_port != rport)
		sk_log(SK_LOG_WARNING, "session %d: the server chose port %u instead of %u", *idx + 1,
		       s->reflector_port, rport);
	return 0;
}

static int cli_start(struct cli *c)
{
	if (sk_twsm_client_start(&c->sm) != SK_OK || cli_exchange(c, 10000))
		return -1;
	for (unsigned i = 0; i < sk_twsm_session_count(&c->sm); i++)
		if (sk_twsm_session(&c->sm, i)->state == SK_TWSESS_STARTED)
			return 0;
	fprintf(stderr, "stampkit %s: the server refused Start-Sessions\n", c->cmd);
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
		fprintf(stderr, "stampkit %s: the server does not offer individual session control "
			"(RFC 5938)\n", c->cmd);
		return -1;
	}
	if (r != SK_OK || cli_exchange(c, 10000))
		return -1;
	for (unsigned i = 0; i < sk_twsm_session_count(&c->sm); i++) {
		const struct sk_twsm_session *s = sk_twsm_session(&c->sm, i);
		if (s->state == (start ? SK_TWSESS_ACCEPTED : SK_TWSESS_STARTED)) {
			fprintf(stderr, "stampkit %s: the server refused %s-N-Sessions\n", c->cmd,
				start ? "Start" : "Stop");
			return -1;
		}
	}
	return 0;
}

static int cli_stop(struct cli *c)
{
	if (sk_twsm_client_stop(&c->sm, 0) != SK_OK || flush_out(c->fd, &c->sm))
		return -1;
	shutdown(c->fd, SHUT_WR);
	return 0;
}

static void cli_usage(FILE *out, bool controller)
{
	if (controller)
		fprintf(out,
			"usage: stampkit controller [options] SERVER[:PORT] [LOCAL]\n\n"
			"TWAMP Control-Client and Session-Sender: sets up sessions with the TWAMP server\n"
			"(TCP PORT, default 862), sends test packets from LOCAL (default :20000; session i\n"
			"uses port + i), stops the sessions and prints twampy's table per session.\n\n"
			"  -i, --interval MS     milliseconds between packets (default 100)\n"
			"  -c, --count N         packets per session (default 100)\n");
	else
		fprintf(out,
			"usage: stampkit controlclient [options] SERVER[:PORT] [SENDER]\n\n"
			"TWAMP Control-Client only: sets up and starts sessions for an external\n"
			"Session-Sender at SENDER (default this host's control address, port 20000;\n"
			"session i uses port + i), prints each reflector address, keeps the control\n"
			"connection until --duration or SIGINT, then Stop-Sessions and exit 0.\n\n"
			"      --duration S      seconds to keep the sessions (default: until SIGINT)\n");
	fprintf(out,
		"      --mode-auth M     unauth|auth|encrypted|mixed (default unauth)\n"
		"      --key-id ID       KeyID to use from --key-file (default: its first line)\n"
		"      --key-file FILE   'KeyID passphrase' lines\n"
		"      --sessions N      test sessions (default 1, at most %d)\n"
		"      --test-port N     reflector port asked for (default 20001; session i: N + i)\n"
		"      --session-dscp D  DSCP of the test packets, signalled in Type-P (name or 0..63)\n"
		"      --padding N       padding octets of each test packet (Padding Length)\n"
		"      --timeout S       session Timeout after Stop-Sessions (default 2)\n"
		"      --individual      start and stop with Start-N/Stop-N-Sessions (RFC 5938)\n"
		"      --features LIST   reflect-octets,symmetrical,dscp-ecn (RFC 6038, RFC 7750)\n"
		"      --json            one JSON object per session\n\n", SK_TWSM_MAX_SESSIONS);
	sk_liveopt_help(out);
}

struct csess {
	int idx;
	struct sk_io io;
	struct sockaddr_storage refl;
	socklen_t refl_len;
	enum sk_sec sec;
	uint8_t aes[16], hmac[32];
	uint8_t tf;               /* SK_TF_* of the connection */
	uint16_t reflect_len;     /* padding octets the replies must return */
	int dscp_ecn;             /* RFC 7750 octet of the last reply, -1 none */
	uint64_t reflect_bad;     /* replies whose reflected octets differ from what we sent */
	struct sk_session *stats;
	uint64_t sent, bad;
};

static void json_dstats(const char *name, const struct sk_dstats_summary *d, bool last)
{
	if (!d->count)
		printf("\"%s\":null%s", name, last ? "" : ",");
	else
		printf("\"%s\":{\"min_us\":%.3f,\"avg_us\":%.3f,\"max_us\":%.3f,\"jitter_us\":%.3f}%s", name,
		       (double)d->min / 1e3, d->mean / 1e3, (double)d->max / 1e3, d->jitter_ns / 1e3,
		       last ? "" : ",");
}

static void print_session(const struct csess *x, unsigned n, const char *mode, bool json)
{
	struct sk_session_summary sum;
	sk_session_finish(x->stats);
	sk_session_summary(x->stats, x->sent, &sum);
	struct sk_dstats_summary ob, ib, rt;
	sk_dstats_summarize(sk_session_dstats(x->stats, SK_DIR_OUTBOUND), &ob);
	sk_dstats_summarize(sk_session_dstats(x->stats, SK_DIR_INBOUND), &ib);
	sk_dstats_summarize(sk_session_dstats(x->stats, SK_DIR_RTT), &rt);
	char rs[80];
	sk_sockaddr_str((const struct sockaddr *)&x->refl, rs, sizeof rs);
	if (json) {
		printf("{\"type\":\"twamp-session\",\"session\":%u,\"reflector\":\"%s\",\"mode\":\"%s\","
		       "\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"outbound_lost\":%llu,"
		       "\"inbound_lost\":%llu,\"duplicates\":%llu,\"reordered\":%llu,\"bad_replies\":%llu,",
		       n, rs, mode, (unsigned long long)x->sent, (unsigned long long)sum.received,
		       (unsigned long long)sum.lost, (unsigned long long)sum.outbound_lost,
		       (unsigned long long)sum.inbound_lost, (unsigned long long)sum.duplicates,
		       (unsigned long long)sum.reordered, (unsigned long long)x->bad);
		printf("\"features\":\"%s%s%s\",", (x->tf & SK_TF_REFLECT_OCTETS) ? "reflect-octets " : "",
		       (x->tf & SK_TF_SYMMETRICAL) ? "symmetrical " : "", (x->tf & SK_TF_DSCP_ECN) ? "dscp-ecn" : "");
		if (x->dscp_ecn >= 0)
			printf("\"dscp_ecn\":%d,", x->dscp_ecn);
		if (x->tf & SK_TF_REFLECT_OCTETS)
			printf("\"reflect_len\":%u,\"reflect_mismatch\":%llu,", x->reflect_len,
			       (unsigned long long)x->reflect_bad);
		json_dstats("outbound", &ob, false);
		json_dstats("inbound", &ib, false);
		json_dstats("roundtrip", &rt, true);
		printf("}\n");
		return;
	}
	printf("Session %u: reflector %s, %s mode\n", n, rs, mode);
	sk_twtab_head(stdout);
	if (sum.received == 0) {
		printf("  NO STATS AVAILABLE (100%% loss)\n");
	} else {
		char lb[16];
		sk_twtab_loss(lb, sizeof lb, sum.outbound_lost, x->sent, 1);
		sk_twtab_row_stats(stdout, "Outbound:", &ob, lb);
		sk_twtab_loss(lb, sizeof lb, sum.inbound_lost, x->sent, 1);
		sk_twtab_row_stats(stdout, "Inbound:", &ib, lb);
		sk_twtab_loss(lb, sizeof lb, sum.lost, x->sent, 1);
		sk_twtab_row_stats(stdout, "Roundtrip:", &rt, lb);
	}
	sk_twtab_foot(stdout);
	printf("  Sent %llu, received %llu, lost %llu (outbound %llu, inbound %llu, after the last reply %llu)\n",
	       (unsigned long long)x->sent, (unsigned long long)sum.received, (unsigned long long)sum.lost,
	       (unsigned long long)sum.outbound_lost, (unsigned long long)sum.inbound_lost,
	       (unsigned long long)sum.unknown_lost);
	if (x->bad)
		printf("  Ignored: %llu replies that did not decode or authenticate\n", (unsigned long long)x->bad);
}

static void cli_recv(struct csess *x)
{
	static uint8_t bufs[SK_IO_BATCH][MAX_PKT + 1];
	struct sk_io_msg rx[SK_IO_BATCH];
	for (int i = 0; i < SK_IO_BATCH; i++) {
		memset(&rx[i], 0, sizeof rx[i]);
		rx[i].buf = bufs[i];
		rx[i].cap = sizeof bufs[i];
	}
	int n = x->io.ops->recv_batch(&x->io, rx, SK_IO_BATCH);
	int64_t user_t4 = sk_now_real_ns();
	for (int i = 0; i < n; i++) {
		struct sk_io_msg *m = &rx[i];
		if (!sk_sockaddr_equal((struct sockaddr *)&m->peer, (struct sockaddr *)&x->refl))
			continue;
		uint8_t plain[MAX_PKT + 1];
		struct sk_test_opts ro = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_REFLECTOR,
					   .sec = (uint8_t)x->sec,
					   .features = x->tf, .reflect_len = x->reflect_len };
		struct sk_test_pkt p;
		memset(&p, 0, sizeof p);
		if (sk_twamp_test_unprotect(x->sec, 1, x->aes, x->hmac, m->buf, m->len, plain, sizeof plain,
					    NULL) != SK_OK ||
		    sk_test_decode(plain, m->len, &ro, &p, NULL, NULL) != SK_OK) {
			x->bad++;
			continue;
		}
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
		sk_session_add(x->stats, &r, NULL);
	}
}

static int cli_send(struct csess *x, uint32_t seq, long padding)
{
	static uint8_t pad[MAX_PKT];
	uint8_t buf[MAX_PKT];
	struct sk_test_opts so = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_SENDER,
				   .sec = (uint8_t)x->sec,
				   .features = x->tf & SK_TF_SYMMETRICAL };
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
	if (sk_test_encode(&p, &so, buf, sizeof buf, &len) != SK_OK ||
	    sk_twamp_test_protect(x->sec, protect_role(0, x->tf), x->aes, x->hmac, buf, len) != SK_OK)
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
	return x->io.ops->send_batch(&x->io, &m, 1) == 1 ? 0 : -1;
}

static int run_client(int argc, char **argv, bool controller)
{
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	enum { O_MAUTH = SK_OPT_LOCAL_BASE, O_KID, O_KFILE, O_SESS, O_SDSCP, O_TPORT, O_TIMEOUT,
	       O_DURATION, O_INDIV, O_FEATURES };
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "mode-auth", required_argument, NULL, O_MAUTH },
		{ "key-id", required_argument, NULL, O_KID },
		{ "key-file", required_argument, NULL, O_KFILE },
		{ "sessions", required_argument, NULL, O_SESS },
		{ "session-dscp", required_argument, NULL, O_SDSCP },
		{ "test-port", required_argument, NULL, O_TPORT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "individual", no_argument, NULL, O_INDIV },
		{ "features", required_argument, NULL, O_FEATURES },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	struct cli_opts o = { .mode = SK_TWMODE_UNAUTH, .sessions = 1, .session_dscp = -1,
			      .timeout_s = 2, .test_port = 20001 };
	double interval_ms = 100, duration = 0;
	bool individual = false;
	long count = 100, tport = 20001;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "hi:c:", longopts, NULL)) != -1) {
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		switch (c) {
		case O_MAUTH:
			if (!strcmp(optarg, "unauth"))
				o.mode = SK_TWMODE_UNAUTH;
			else if (!strcmp(optarg, "auth"))
				o.mode = SK_TWMODE_AUTH;
			else if (!strcmp(optarg, "encrypted"))
				o.mode = SK_TWMODE_ENCRYPT;
			else if (!strcmp(optarg, "mixed"))
				o.mode = SK_TWMODE_MIXED;
			else {
				fprintf(stderr, "stampkit %s: --mode-auth: expected unauth|auth|encrypted|mixed\n", cmd);
				return 2;
			}
			break;
		case O_KID: o.key_id = optarg; break;
		case O_INDIV: individual = true; break;
		case O_FEATURES: {
			char fb[128];
			if (strlen(optarg) >= sizeof fb) {
				fprintf(stderr, "stampkit %s: --features: too long\n", cmd);
				return 2;
			}
			memcpy(fb, optarg, strlen(optarg) + 1);
			char *save = NULL;
			for (char *t = strtok_r(fb, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (parse_features(t, &o.features)) {
					fprintf(stderr, "stampkit %s: --features: expected reflect-octets, "
						"symmetrical, dscp-ecn\n", cmd);
					return 2;
				}
			break;
		}
		case O_KFILE: o.key_file = optarg; break;
		case O_SESS:
			if (sk_parse_long(optarg, 1, SK_TWSM_MAX_SESSIONS, &o.sessions)) {
				fprintf(stderr, "stampkit %s: --sessions: expected 1..%d\n", cmd, SK_TWSM_MAX_SESSIONS);
				return 2;
			}
			break;
		case O_SDSCP:
			if (sk_dscp_parse(optarg, &o.session_dscp)) {
				fprintf(stderr, "stampkit %s: --session-dscp: expected a DSCP name or 0..63\n", cmd);
				return 2;
			}
			break;
		case O_TPORT:
			if (sk_parse_long(optarg, 1, 65535, &tport)) {
				fprintf(stderr, "stampkit %s: --test-port: expected 1..65535\n", cmd);
				return 2;
			}
			break;
		case O_TIMEOUT:
			if (sk_parse_double(optarg, 3600, &o.timeout_s)) {
				fprintf(stderr, "stampkit %s: --timeout: expected seconds\n", cmd);
				return 2;
			}
			break;
		case O_DURATION:
			if (sk_parse_double(optarg, 1e7, &duration)) {
				fprintf(stderr, "stampkit %s: --duration: expected seconds\n", cmd);
				return 2;
			}
			break;
		case 'i':
			if (sk_parse_double(optarg, 3.6e6, &interval_ms) || interval_ms <= 0) {
				fprintf(stderr, "stampkit %s: --interval: expected milliseconds > 0\n", cmd);
				return 2;
			}
			break;
		case 'c':
			if (sk_parse_long(optarg, 1, 1L << 30, &count)) {
				fprintf(stderr, "stampkit %s: --count: expected 1..1073741824\n", cmd);
				return 2;
			}
			break;
		case 'h': cli_usage(stdout, controller); return 0;
		default: cli_usage(stderr, controller); return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "stampkit %s: expected SERVER[:PORT] and at most one more address\n", cmd);
		return 2;
	}
	if (sk_liveopt_finish(&lo, cmd))
		return 2;
	if (lo.padding == -1) {
		fprintf(stderr, "stampkit %s: --padding -1 (IMIX) is not available here: the padding is "
			"signalled once per session (Padding Length)\n", cmd);
		return 2;
	}
	if (lo.keyfile) {
		fprintf(stderr, "stampkit %s: --auth is STAMP's; TWAMP uses --mode-auth and --key-file\n", cmd);
		return 2;
	}
	o.padding = lo.padding > 0 ? lo.padding : 0;
	if (o.session_dscp < 0 && lo.tos >= 0)
		o.session_dscp = lo.tos >> 2;
	o.test_port = (uint16_t)tport;
	if (tport + o.sessions - 1 > 65535) {
		fprintf(stderr, "stampkit %s: --test-port + --sessions beyond 65535\n", cmd);
		return 2;
	}

	struct cli cl;
	memset(&cl, 0, sizeof cl);
	cl.cmd = cmd;
	cl.fd = -1;
	struct sockaddr_storage srv;
	socklen_t srvlen;
	int status = 1;
	struct csess *xs = calloc((size_t)o.sessions, sizeof *xs);
	if (!xs)
		return 1;
	for (long i = 0; i < o.sessions; i++)
		xs[i].io.fd = -1;
	catch_signals();
	if (cli_connect(&cl, argv[optind], &o, &srv, &srvlen))
		goto out;
	struct sockaddr_storage ctl_local;
	socklen_t cll = sizeof ctl_local;
	getsockname(cl.fd, (struct sockaddr *)&ctl_local, &cll);
	uint8_t sfam, saddr[16], lfam, laddr[16];
	uint16_t sport_ctl, lport_ctl;
	sk_sockaddr_unpack((struct sockaddr *)&srv, &sfam, saddr, &sport_ctl);
	sk_sockaddr_unpack((struct sockaddr *)&ctl_local, &lfam, laddr, &lport_ctl);
	const char *second = optind + 1 < argc ? argv[optind + 1] : NULL;
	char err[300];
	if (controller) {
		/* LOCAL: our test address (default the control connection's, port 20000). */
		struct sockaddr_storage local;
		socklen_t ll;
		if (second) {
			if (sk_addr_parse(second, 20000, sfam, true, &local, &ll, err, sizeof err)) {
				fprintf(stderr, "stampkit %s: %s\n", cmd, err);
				goto out;
			}
		} else {
			addr_from(lfam, laddr, 20000, &local, &ll);
		}
		uint8_t tf, ta[16];
		uint16_t tp;
		sk_sockaddr_unpack((struct sockaddr *)&local, &tf, ta, &tp);
		if (all_zero(ta, 16))
			memcpy(ta, laddr, 16), tf = lfam;
		for (long i = 0; i < o.sessions; i++) {
			struct csess *x = &xs[i];
			struct sk_io_opts io_o = { .tos = o.session_dscp >= 0 ? o.session_dscp << 2 : lo.tos,
						   .ttl = lo.ttl, .dont_fragment = lo.dont_fragment,
						   .rx_timestamps = true, .bufsize = 1 << 20 };
			struct sockaddr_storage b;
			socklen_t bl2;
			addr_from(tf, ta, tp ? (uint16_t)(tp + i) : 0, &b, &bl2);
			x->io.ops = &sk_io_udp;
			int orc = x->io.ops->open(&x->io, (struct sockaddr *)&b, bl2, &io_o, err, sizeof err);
			if (orc && !second && strstr(err, "in use")) {
				/* twampy's default port is taken (e.g. by a reflector on this host):
				 * any free port will do, the Request says which. */
				addr_from(tf, ta, 0, &b, &bl2);
				orc = x->io.ops->open(&x->io, (struct sockaddr *)&b, bl2, &io_o, err, sizeof err);
			}
			if (orc) {
				fprintf(stderr, "stampkit %s: %s\n", cmd, err);
				goto out;
			}
			uint8_t bf, ba[16];
			uint16_t bp;
			sk_sockaddr_unpack((struct sockaddr *)&x->io.bound, &bf, ba, &bp);
			/* The test flow goes between the control connection's addresses, so the
			 * addresses stay zero ("the control connection's") unless LOCAL differs. */
			bool same = tf == lfam && !memcmp(ta, laddr, 16);
			if (cli_request(&cl, sfam, same ? NULL : ta, bp, (uint16_t)(o.test_port + i), &o, &x->idx))
				goto out;
			const struct sk_twsm_session *s = sk_twsm_session(&cl.sm, (unsigned)x->idx);
			addr_from(sfam, saddr, s->reflector_port, &x->refl, &x->refl_len);
			x->sec = sk_twmode_sec(s->mode);
			x->tf = tf_of(cl.sm.mode);
			x->reflect_len = (x->tf & SK_TF_REFLECT_OCTETS) ? s->padding_reflected : 0;
			x->dscp_ecn = -1;
			if (s->has_keys) {
				memcpy(x->aes, s->test_aes, 16);
				memcpy(x->hmac, s->test_hmac, 32);
			}
			struct sk_session_config sc = { .window = 1u << 16, .mode = SK_REFLECTOR_STATEFUL };
			if (sk_session_create(&x->stats, &sc) != SK_OK)
				goto out;
		}
		if (individual ? cli_n(&cl, true) : cli_start(&cl))
			goto out;
		int64_t start = sk_now_mono_ns();
		int64_t interval_ns = (int64_t)(interval_ms * 1e6);
		long next = 0;
		struct pollfd *pf = calloc((size_t)o.sessions, sizeof *pf);
		if (!pf)
			goto out;
		int64_t end = 0;
		while (!stop_flag) {
			int64_t now = sk_now_mono_ns();
			while (next < count && start + next * interval_ns <= now) {
				for (long i = 0; i < o.sessions; i++)
					cli_send(&xs[i], (uint32_t)next, o.padding);
				next++;
				if (next == count)
					end = sk_now_mono_ns() + (int64_t)(o.timeout_s * 1e9);
			}
			if (end && now >= end)
				break;
			bool all = end != 0;
			for (long i = 0; i < o.sessions && all; i++) {
				struct sk_session_summary sum;
				sk_session_summary(xs[i].stats, xs[i].sent, &sum);
				all = sum.received >= (uint64_t)count;
			}
			if (all)
				break;
			int64_t wake = next < count ? start + next * interval_ns : end;
			int ms = (int)((wake - now) / 1000000);
			for (long i = 0; i < o.sessions; i++) {
				pf[i].fd = xs[i].io.fd;
				pf[i].events = POLLIN;
			}
			poll(pf, (nfds_t)o.sessions, ms < 0 ? 0 : ms > 100 ? 100 : ms);
			for (long i = 0; i < o.sessions; i++)
				cli_recv(&xs[i]);
		}
		free(pf);
		if (individual && cli_n(&cl, false))
			goto out;
		cli_stop(&cl);
		for (long i = 0; i < o.sessions; i++)
			print_session(&xs[i], (unsigned)i + 1, mode_name(o.mode), lo.json);
		status = 0;
	} else {
		/* controlclient: sessions for a Session-Sender elsewhere. */
		uint8_t tf = lfam, ta[16];
		uint16_t tp = 20000;
		memcpy(ta, laddr, 16);
		if (second) {
			struct sockaddr_storage sa;
			socklen_t sl;
			if (sk_addr_parse(second, 20000, sfam, false, &sa, &sl, err, sizeof err)) {
				fprintf(stderr, "stampkit %s: %s\n", cmd, err);
				goto out;
			}
			sk_sockaddr_unpack((struct sockaddr *)&sa, &tf, ta, &tp);
		}
		if (tf != sfam) {
			fprintf(stderr, "stampkit %s: the sender and the server must be of the same IP version\n", cmd);
			goto out;
		}
		for (long i = 0; i < o.sessions; i++) {
			int idx;
			if (cli_request(&cl, sfam, ta, (uint16_t)(tp + i), (uint16_t)(o.test_port + i), &o, &idx))
				goto out;
		}
		if (individual ? cli_n(&cl, true) : cli_start(&cl))
			goto out;
		for (long i = 0; i < o.sessions; i++) {
			const struct sk_twsm_session *s = sk_twsm_session(&cl.sm, (unsigned)i);
			struct sockaddr_storage r;
			socklen_t rl;
			addr_from(sfam, saddr, s->reflector_port, &r, &rl);
			char rs[80], sid[40];
			sk_sockaddr_str((struct sockaddr *)&r, rs, sizeof rs);
			for (int j = 0; j < 16; j++)
				snprintf(sid + 2 * j, 3, "%02x", s->sid[j]);
			if (lo.json)
				printf("{\"type\":\"twamp-session\",\"session\":%ld,\"reflector\":\"%s\","
				       "\"sender_port\":%u,\"sid\":\"%s\",\"mode\":\"%s\"}\n", i + 1, rs,
				       (unsigned)(tp + i), sid, mode_name(o.mode));
			else
				printf("Session %ld: reflector %s, sender port %u, SID %s, %s mode\n", i + 1, rs,
				       (unsigned)(tp + i), sid, mode_name(o.mode));
		}
		fflush(stdout);
		int64_t end = duration > 0 ? sk_now_mono_ns() + (int64_t)(duration * 1e9) : 0;
		while (!stop_flag && (!end || sk_now_mono_ns() < end)) {
			struct pollfd p = { .fd = cl.fd, .events = POLLIN };
			if (poll(&p, 1, 200) > 0) {
				uint8_t b[64];
				if (recv(cl.fd, b, sizeof b, MSG_DONTWAIT) == 0) {
					fprintf(stderr, "stampkit %s: the server closed the control connection\n", cmd);
					goto out;
				}
			}
		}
		if (individual && cli_n(&cl, false))
			goto out;
		cli_stop(&cl);
		status = 0;
	}
out:
	for (long i = 0; i < o.sessions; i++) {
		if (xs[i].io.fd >= 0)
			xs[i].io.ops->close(&xs[i].io);
		sk_session_free(xs[i].stats);
	}
	free(xs);
	if (cl.fd >= 0)
		close(cl.fd);
	memset(&cl.sm, 0, sizeof cl.sm);
	return status;
}

int cmd_controller(int argc, char **argv)
{
	return run_client(argc, argv, true);
}

int cmd_controlclient(int argc, char **argv)
{
	return run_client(argc, argv, false);
}
