/* SPDX-License-Identifier: BSD-3-Clause */
/* server_refl.c - `stampkit server`'s Session-Reflectors (RFC 5357 §4.2): one UDP socket per
 * accepted session answering only its Session-Sender, replies built by the codec's
 * sk_reflect_build; and the counters printed at exit. */
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"
#include "server_int.h"
#include "stampkit/stampkit.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "sys.h"
#include "twlive.h"

int srv_free_sess(struct srv *s)
{
	for (unsigned i = 0; i < s->max_sess; i++)
		if (!s->sess[i].used)
			return (int)i;
	return -1;
}

void srv_close_sess(struct srv *s, struct srv_sess *x)
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
	while (s->sess_hi && !s->sess[s->sess_hi - 1].used)
		s->sess_hi--;
}

int srv_open_test(struct srv *s, uint8_t fam, const uint8_t *addr, uint16_t want, int tos,
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
	/* Loop protection as in the responder: another reflector's reply is not answered. */
	size_t off;
	if (sk_reflect_is_reflected(m->buf, m->len, &cfg, sk_now_real_ns(), &off)) {
		char key[96], who[64];
		sk_sockaddr_str((const struct sockaddr *)&m->peer, who, sizeof who);
		snprintf(key, sizeof key, "reflected %s", who);
		sk_log_limited(SK_LOG_WARNING, key, "%s: a reflector's reply (octet %zu) sent to a test "
			       "session: not answered (a reflection loop)", who, off);
		return -1;
	}
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

void srv_reflect(struct srv *s, struct srv_sess *x)
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
void srv_report(const struct srv *s, const char *listen, bool json)
{
	uint64_t logged, suppressed;
	sk_log_limited_counts(&logged, &suppressed);
	const struct { const char *key, *label; uint64_t v; } c[] = {
		{ "connections", "control connections accepted", s->conns_accepted },
		{ "refused_connections", "control connections refused (Modes 0): --max-connections",
		  s->refused_conns },
		{ "refused_connections_per_source",
		  "control connections refused (Modes 0): --max-connections-per-source",
		  s->refused_conns_src },
		{ "closed_not_reading", "control connections closed: answers left unread",
		  s->closed_not_reading },
		{ "closed_setup_timeout", "control connections closed: --setup-timeout",
		  s->closed_setup },
		{ "closed_servwait", "control connections closed: --servwait (idle)", s->closed_servwait },
		{ "sessions", "test sessions accepted", s->sessions_accepted },
		{ "refused_sessions", "test sessions refused (Accept 5): --max-sessions",
		  s->refused_sessions },
		{ "refused_sessions_per_source",
		  "test sessions refused (Accept 5): --max-sessions-per-source", s->refused_sessions_src },
		{ "refused_sessions_other",
		  "test sessions refused: 32 on a connection, Type-P, address, no socket",
		  s->refused_sessions_other },
		{ "test_received", "test packets received", s->test_received },
		{ "test_reflected", "test packets reflected", s->test_reflected },
		{ "test_refused", "test packets refused (wrong sender, not started, malformed, HMAC)",
		  s->test_refused },
		{ "log_suppressed", "log lines suppressed (repeated refusals and closes)", suppressed },
	};
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
		for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
			sk_jw_u64(&w, c[i].key, c[i].v);
		sk_jw_obj_end(&w);
		sk_jw_arr(&w, "sessions");
		sk_jw_arr_end(&w);
		sk_jw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		printf("TWAMP server on %s, modes %s\n", listen, modes);
		for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
			printf("  %-72s %llu\n", c[i].label, (unsigned long long)c[i].v);
	}
	fflush(stdout);
}
