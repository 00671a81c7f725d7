/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_proto.c - protocol glue of `stampkit decode`: test packets (RFC 5357 §4, RFC 8762 §4),
 * a passive follower of TWAMP-Control connections (RFC 5357 §3, RFC 4656 §3.1 keys and
 * encryption) that learns test sessions, and test-packet decryption (RFC 4656 §4.1.2). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_proto.h"
#include "stampkit/crypto.h"
#include "stampkit/testpkt.h"
#include "stampkit/twamp_control.h"

/* ---- computed fields shown with control messages ---- */

static const struct sk_vs hmac_vs[] = {
	{ 0, "not checked" }, { 1, "ok" }, { 2, "bad" },
	{ 3, "ok (covering this message only, not the Server-Start block)" }, { 0, NULL },
};
static const struct sk_field ctl_synth[] = {
	{ "HMAC status", "hmac_status", 0, 0, SK_FK_UINT, 0, -1, 0, SK_NOSTORE, hmac_vs, NULL,
	  "RFC 4656 §3.1, RFC 5357 §3.5" },
};

/* ---- test packets ---- */

static const char *sec_key(uint8_t sec)
{
	return sec == SK_SEC_AUTH ? "authenticated" : sec == SK_SEC_ENCRYPTED ? "encrypted"
									    : "unauthenticated";
}

static int64_t llabs64(int64_t x) { return x < 0 ? -x : x; }

int sk_dec_test_plausible(struct sk_dec *e, const uint8_t *p, size_t n)
{
	struct sk_test_opts o;
	if (sk_test_guess(p, n, &o) != SK_OK)
		return 0;
	struct sk_test_pkt t;
	if (sk_test_decode(p, n, &o, &t, NULL, NULL) == SK_E_TRUNCATED)
		return 0;
	/* A timestamp within a day of the capture time. The error estimate is not required to
	 * be valid: real senders put 0x0000 there (pcaps/public/README.md). */
	int64_t ns = sk_ts_to_ns(t.timestamp, sk_errest_fmt(t.error_estimate), SK_TAI_UTC_DEFAULT);
	return llabs64(ns - e->frame.ts_ns) < 86400LL * 1000000000LL;
}

struct sk_twsess *sk_dec_find_session(struct sk_dec *e, const struct sk_pkt *p, int *role)
{
	size_t al = p->ipver == 6 ? 16 : 4;
	static const uint8_t zero[16];
	for (size_t i = e->nsess; i-- > 0;) {
		struct sk_twsess *s = &e->sess[i];
		if (!s->used || !s->accepted || s->ipver != p->ipver)
			continue;
		int sz = !memcmp(s->sender, zero, al), rz = !memcmp(s->reflector, zero, al);
		if (p->sport == s->sport && p->dport == s->rport &&
		    (sz || !memcmp(p->src, s->sender, al)) && (rz || !memcmp(p->dst, s->reflector, al))) {
			*role = SK_ROLE_SENDER;
			return s;
		}
		if (p->sport == s->rport && p->dport == s->sport &&
		    (rz || !memcmp(p->src, s->reflector, al)) && (sz || !memcmp(p->dst, s->sender, al))) {
			*role = SK_ROLE_REFLECTOR;
			return s;
		}
	}
	return NULL;
}

static void hexstr(const uint8_t *p, size_t n, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++)
		buf[2 * i] = hx[p[i] >> 4], buf[2 * i + 1] = hx[p[i] & 15];
	buf[2 * n] = '\0';
}

static void set_result(struct sk_dec *e, enum sk_result r, const struct sk_error *err)
{
	if (r == SK_OK)
		return;
	char msg[200];
	snprintf(msg, sizeof msg, "%s at offset %zu: %s", sk_strerror(r), err->offset, err->msg);
	e->pkt_failed = 1;
	if (e->o->json)
		sk_json_set_error(&e->json, msg);
	else
		sk_text_line(&e->text, "Error: %s", msg);
}

void sk_dec_test(struct sk_dec *e, const uint8_t *p, size_t n, int role, struct sk_twsess *s,
		 const char *how)
{
	struct sk_test_opts o;
	memset(&o, 0, sizeof o);
	uint8_t buf[2048];
	const uint8_t *data = p;
	int decrypted = -1; /* -1 clear text, 0 could not, 1 done */
	if (s) {
		uint32_t m = s->mode & SK_TWMODE_SECURITY_MASK;
		o.proto = SK_PROTO_TWAMP;
		o.sec = (m & SK_TWMODE_ENCRYPT) ? SK_SEC_ENCRYPTED
			: (m & SK_TWMODE_AUTH) ? SK_SEC_AUTH : SK_SEC_UNAUTH;
		if (s->mode & SK_TWMODE_SYMMETRICAL)
			o.features |= SK_TF_SYMMETRICAL;
		if (s->mode & SK_TWMODE_DSCP_ECN)
			o.features |= SK_TF_DSCP_ECN;
		if (o.sec != SK_SEC_UNAUTH) {
			decrypted = 0;
			enum sk_twamp_sec ts = o.sec == SK_SEC_ENCRYPTED ? SK_TWSEC_ENC : SK_TWSEC_AUTH;
			int hok;
			if (s->have_keys &&
			    sk_twamp_test_unprotect(ts, role == SK_ROLE_REFLECTOR, s->aes, s->hmac, p, n,
						    buf, sizeof buf, &hok) == SK_OK) {
				data = buf;
				decrypted = 1;
				/* The test decoder checks (and shows) the HMAC itself. */
				o.twamp_hmac_key = s->hmac;
			}
		}
	} else if (sk_test_guess(p, n, &o) != SK_OK) {
		o.proto = SK_PROTO_STAMP;
		o.sec = SK_SEC_UNAUTH;
	} else if (o.proto == SK_PROTO_TWAMP && o.sec == SK_SEC_UNAUTH && n >= 48 &&
		   p[45] != 0 && !(p[44] & SK_TLV_F_MBZ)) {
		/* What follows octet 44 starts like a TLV header (non-zero Type, no unassigned
		 * flag bits) but did not parse as a TLV list: a malformed STAMP packet is more
		 * likely than TWAMP padding there, and showing it as STAMP says what is wrong. */
		o.proto = SK_PROTO_STAMP;
		o.features = 0;
	}
	o.role = role == SK_ROLE_REFLECTOR ? SK_ROLE_REFLECTOR : SK_ROLE_SENDER;

	sk_dec_begin(e, "test");
	sk_dec_member_str(e, "protocol", "Protocol", o.proto == SK_PROTO_TWAMP ? "twamp" : "stamp");
	sk_dec_member_str(e, "role", "Role", o.role == SK_ROLE_REFLECTOR ? "reflector" : "sender");
	sk_dec_member_str(e, "security", "Security", sec_key(o.sec));
	sk_dec_member_str(e, "found_by", "Found by", s ? "twamp-control" : how);
	sk_dec_member_int(e, "length", "Payload length", (long long)n);
	if (s) {
		char sid[33];
		hexstr(s->sid, 16, sid);
		sk_dec_member_str(e, "sid", "Session (SID)", sid);
	}
	if (decrypted >= 0)
		sk_dec_member_bool(e, "decrypted", "Decrypted", decrypted);
	struct sk_test_pkt t;
	struct sk_error err = { 0 };
	enum sk_result r;
	if (decrypted == 0) {
		r = sk_error_set(&err, SK_E_UNSUPPORTED, 0,
				 "%s test packet and no --secret for its session: not decrypted",
				 sec_key(o.sec));
		sk_dec_error(e, r, 0, err.msg);
		/* Still walk the layout: sequence numbers of authenticated packets stay hidden,
		 * but timestamps are readable in authenticated mode. */
		(void)sk_test_decode(data, n, &o, &t, &e->v, NULL);
		r = SK_OK;
	} else {
		r = sk_test_decode(data, n, &o, &t, &e->v, &err);
	}
	if (o.proto == SK_PROTO_TWAMP || !e->o->json)
		sk_dec_member_null(e, "ssid");
	else if (!sk_json_has(&e->json, "ssid"))
		sk_dec_member_null(e, "ssid");
	set_result(e, r, &err);
	sk_dec_end(e, 1);
}

/* ---- TWAMP-Control follower ---- */

#define CTL_BUF 4096
#define CTL_PENDING 16

struct ctl_dir {
	uint8_t buf[CTL_BUF];
	size_t len;
	int lost;   /* a hole or an undecodable message: stop following this direction */
	int nmsg;
};

struct ctl {
	int server;            /* index (0/1) of the server side in the tcpconn */
	int server_known;
	int greeting, setup, started;
	struct sk_twctl_greeting g;
	uint32_t mode;
	int encrypted;         /* control messages after Server-Start are AES-CBC */
	int have_keys;
	uint8_t aes[16], hmac[32];
	char keyid[SK_TWCTL_KEYID_LEN + 1];
	struct ctl_dir d[2];
	struct sk_twctl_cipher cc[2]; /* per side of the tcpconn: chain and HMAC carry */
	/* Client commands waiting for their answer, oldest first. */
	enum sk_twctl_type expect[CTL_PENDING];
	unsigned nexpect;
	/* Request-TW-Session waiting for its Accept-Session (index into e->sess, or -1). */
	int pending_req[CTL_PENDING];
	unsigned npending;
};

void sk_dec_control_open(struct sk_dec *e, struct sk_tcpconn *c)
{
	struct ctl *k = calloc(1, sizeof *k);
	c->user = k;
	if (!k)
		return;
	/* The side on a control port is the server; a SYN sender is the client. */
	int p0 = 0, p1 = 0;
	for (int i = -1; i < e->o->nports; i++) {
		uint16_t port = i < 0 ? 862 : e->o->ports[i];
		p0 |= c->port[0] == port, p1 |= c->port[1] == port;
	}
	k->server = (p1 && !p0) ? 1 : (p0 && !p1) ? 0 : 1;
	k->server_known = p0 != p1;
}

void sk_dec_control_close(struct sk_dec *e, struct sk_tcpconn *c)
{
	(void)e;
	free(c->user);
	c->user = NULL;
}

/* Header of a control record: the current segment when it belongs to this direction,
 * else the connection's addresses. */
static void ctl_begin(struct sk_dec *e, struct sk_tcpconn *c, int dir, const char *message,
		      int client)
{
	struct sk_pkt save = e->pkt;
	size_t al = c->ipver == 6 ? 16 : 4;
	if (!(e->pkt.proto == 6 && e->pkt.sport == c->port[dir] && e->pkt.dport == c->port[!dir] &&
	      !memcmp(e->pkt.src, c->addr[dir], al))) {
		memset(&e->pkt, 0, sizeof e->pkt);
		e->pkt.ipver = c->ipver;
		e->pkt.proto = 6;
		memcpy(e->pkt.src, c->addr[dir], 16);
		memcpy(e->pkt.dst, c->addr[!dir], 16);
		e->pkt.sport = c->port[dir];
		e->pkt.dport = c->port[!dir];
	}
	sk_dec_begin(e, "control");
	e->pkt = save;
	sk_dec_member_str(e, "message", "Message", message);
	sk_dec_member_str(e, "direction", "Direction", client ? "client-to-server" : "server-to-client");
}

static const struct sk_decode_secret *find_secret(struct sk_dec *e, const char *keyid)
{
	for (int i = 0; i < e->o->nsecrets; i++)
		if (!strcmp(e->o->secrets[i].keyid, keyid))
			return &e->o->secrets[i];
	return NULL;
}

/* Set-Up-Response: with the KeyID's secret, recover the session keys from the Token. */
static void learn_keys(struct sk_dec *e, struct ctl *k, const struct sk_twctl_setup *su)
{
	memcpy(k->keyid, su->keyid, SK_TWCTL_KEYID_LEN);
	k->keyid[SK_TWCTL_KEYID_LEN] = '\0';
	k->mode = su->mode;
	k->encrypted = (su->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED)) != 0;
	if (!k->encrypted)
		return;
	const struct sk_decode_secret *sec = find_secret(e, k->keyid);
	sk_dec_member_str(e, "key_id", "KeyID", k->keyid);
	if (!sec || !k->greeting) {
		sk_dec_member_bool(e, "keys_recovered", "Session keys recovered", 0);
		return;
	}
	uint8_t dk[16], challenge[16];
	int ok = sk_twamp_kdf(sec->pass, sec->pass_len, k->g.salt, k->g.count, dk) == SK_OK &&
		 sk_twamp_token_decrypt(dk, su->token, challenge, k->aes, k->hmac) == SK_OK;
	int match = ok && !memcmp(challenge, k->g.challenge, 16);
	k->have_keys = match;
	sk_dec_member_bool(e, "keys_recovered", "Session keys recovered", match);
	if (ok && !match)
		sk_dec_error(e, SK_E_AUTH, 0,
			     "Token does not decrypt to the Server-Greeting's Challenge: wrong secret");
	if (match)
		sk_twctl_cipher_init(&k->cc[!k->server], k->aes, k->hmac, su->client_iv);
}

static void note_request(struct sk_dec *e, struct sk_tcpconn *c, struct ctl *k,
			 const struct sk_twctl_request *rq)
{
	if (k->npending >= CTL_PENDING || e->nsess >= SK_DEC_MAX_SESSIONS)
		return;
	struct sk_twsess *s = &e->sess[e->nsess];
	memset(s, 0, sizeof *s);
	s->used = 1;
	s->ipver = rq->ipvn == 6 ? 6 : 4;
	static const uint8_t zero[16];
	size_t al = s->ipver == 6 ? 16 : 4;
	int client = !k->server;
	/* Zero addresses mean the control connection's own (RFC 5357 §3.5). */
	memcpy(s->sender, memcmp(rq->sender_address, zero, al) ? rq->sender_address : c->addr[client], 16);
	memcpy(s->reflector,
	       memcmp(rq->receiver_address, zero, al) ? rq->receiver_address : c->addr[k->server], 16);
	if (s->ipver != c->ipver) {
		/* Addresses of another family than the connection: match on ports only. */
		memset(s->sender, 0, 16), memset(s->reflector, 0, 16);
	}
	s->sport = rq->sender_port;
	s->rport = rq->receiver_port;
	s->mode = k->mode;
	s->padding = rq->padding_length;
	k->pending_req[k->npending++] = (int)e->nsess++;
}

static void note_accept(struct sk_dec *e, struct ctl *k, const struct sk_twctl_accept *ac)
{
	if (!k->npending)
		return;
	struct sk_twsess *s = &e->sess[k->pending_req[0]];
	memmove(k->pending_req, k->pending_req + 1, --k->npending * sizeof k->pending_req[0]);
	if (ac->accept != 0) {
		s->used = 0;
		return;
	}
	if (ac->port)
		s->rport = ac->port;
	memcpy(s->sid, ac->sid, 16);
	s->accepted = 1;
	s->conn_frame = e->frame.index;
	if (k->have_keys && sk_twamp_test_keys(s->sid, k->aes, k->hmac, s->aes, s->hmac) == SK_OK)
		s->have_keys = 1;
}

static void expect_push(struct ctl *k, enum sk_twctl_type t)
{
	if (k->nexpect < CTL_PENDING)
		k->expect[k->nexpect++] = t;
}

static enum sk_twctl_type cmd_type(uint8_t cmd)
{
	switch (cmd) {
	case SK_TWCMD_REQUEST_TW_SESSION: return SK_TWCTL_REQUEST_TW_SESSION;
	case SK_TWCMD_START_SESSIONS: return SK_TWCTL_START_SESSIONS;
	case SK_TWCMD_STOP_SESSIONS: return SK_TWCTL_STOP_SESSIONS;
	case SK_TWCMD_START_N_SESSIONS: return SK_TWCTL_START_N_SESSIONS;
	case SK_TWCMD_STOP_N_SESSIONS: return SK_TWCTL_STOP_N_SESSIONS;
	default: return SK_TWCTL_NONE;
	}
}

/* Which message comes next in this direction; 0 when more octets are needed first. */
static enum sk_twctl_type next_type(struct ctl *k, int client, const uint8_t *first, size_t have)
{
	if (!client) {
		if (!k->greeting)
			return SK_TWCTL_SERVER_GREETING;
		if (!k->started)
			return SK_TWCTL_SERVER_START;
		if (k->nexpect)
			return k->expect[0];
		return have >= 16 ? sk_twctl_guess(first, have, SK_TWCTL_DIR_S2C) : SK_TWCTL_NONE;
	}
	if (!k->setup)
		return SK_TWCTL_SETUP_RESPONSE;
	return have >= 1 ? cmd_type(first[0]) : SK_TWCTL_NONE;
}

static size_t hmac_at(enum sk_twctl_type t, size_t size)
{
	switch (t) {
	case SK_TWCTL_REQUEST_TW_SESSION:
	case SK_TWCTL_ACCEPT_SESSION:
	case SK_TWCTL_START_SESSIONS:
	case SK_TWCTL_START_ACK:
	case SK_TWCTL_STOP_SESSIONS:
	case SK_TWCTL_START_N_SESSIONS:
	case SK_TWCTL_START_N_ACK:
	case SK_TWCTL_STOP_N_SESSIONS:
	case SK_TWCTL_STOP_N_ACK:
		return size - 16;
	default:
		return 0;
	}
}

/* Try to take one whole message from the front of the direction's buffer. 1 if one was
 * consumed, 0 if more octets are needed (or the direction is lost). */
static int ctl_one(struct sk_dec *e, struct sk_tcpconn *c, struct ctl *k, int dir)
{
	struct ctl_dir *d = &k->d[dir];
	int client = dir != k->server;
	/* Messages after Server-Start are encrypted in both directions (RFC 4656 §3.4). */
	int enc = k->encrypted && k->started;
	if (d->lost || d->len == 0)
		return 0;
	if (enc && !k->have_keys) {
		ctl_begin(e, c, dir, "encrypted", client);
		sk_dec_member_bool(e, "decrypted", "Decrypted", 0);
		struct sk_error err;
		sk_error_set(&err, SK_E_UNSUPPORTED, 0,
			     "control is encrypted and no --secret matches KeyID \"%s\": %zu octets not decoded",
			     k->keyid, d->len);
		sk_dec_error(e, err.code, 0, err.msg);
		sk_dec_end(e, 0);
		d->len = 0;
		return 0;
	}
	/* Peek at the first block in clear to learn the command (and so the size). */
	uint8_t first[16];
	size_t fl = d->len < 16 ? d->len : 16;
	memcpy(first, d->buf, fl);
	if (enc) {
		if (d->len < 16)
			return 0;
		sk_twctl_peek(&k->cc[dir], d->buf, first);
	}
	enum sk_twctl_type t = next_type(k, client, first, fl);
	size_t need = 0;
	if (t == SK_TWCTL_NONE) {
		if (fl < 16 && !enc)
			return 0;
		ctl_begin(e, c, dir, "unknown", client);
		struct sk_error err;
		sk_error_set(&err, SK_E_INVALID, 0,
			     "cannot tell the message type (first octet %u); %zu octets not decoded",
			     first[0], d->len);
		sk_dec_error(e, err.code, 0, err.msg);
		if (!e->o->json)
			sk_text_line(&e->text, "Error: %s", err.msg);
		else
			sk_json_set_error(&e->json, err.msg);
		e->pkt_failed = 1;
		sk_dec_end(e, 0);
		d->lost = 1;
		return 0;
	}
	if (sk_twctl_needed(t, first, fl, &need) != SK_OK) {
		if (need == 0 || need > CTL_BUF)
			need = CTL_BUF + 1;
	}
	if (need > CTL_BUF) {
		d->lost = 1;
		return 0;
	}
	if (d->len < need)
		return 0;
	uint8_t msg[CTL_BUF];
	memcpy(msg, d->buf, need);
	memmove(d->buf, d->buf + need, d->len - need);
	d->len -= need;
	/* HMAC status shown: 0 not checked, 1 ok, 2 bad, 3 ok with the alternative coverage. */
	int hst = 0;
	if (enc) {
		int hok = SK_HMAC_BAD;
		if (need < 32 || need % 16 ||
		    sk_twctl_decrypt_msg(&k->cc[dir], msg, need, &hok) != SK_OK)
			hok = SK_HMAC_BAD;
		hst = hok == SK_HMAC_OK ? 1 : hok == SK_HMAC_OK_ALT ? 3 : 2;
	}
	/* Server-Start: Server-IV is clear, Start-Time + MBZ (the last block) are encrypted
	 * under it and open the server's chain (RFC 4656 §3.1; docs/crypto.md). */
	int ss_dec = 0;
	if (t == SK_TWCTL_SERVER_START && k->encrypted && k->have_keys &&
	    need == SK_TWCTL_SERVER_START_LEN && msg[15] == 0 &&
	    sk_twctl_server_start_decrypt(&k->cc[dir], k->aes, k->hmac, msg, need) == SK_OK)
		ss_dec = 1;

	ctl_begin(e, c, dir, sk_twctl_type_name(t), client);
	if (enc || ss_dec)
		sk_dec_member_bool(e, "decrypted", "Decrypted", 1);
	union {
		struct sk_twctl_greeting g;
		struct sk_twctl_setup su;
		struct sk_twctl_server_start ss;
		struct sk_twctl_request rq;
		struct sk_twctl_accept ac;
		struct sk_twctl_nsessions ns;
		uint8_t raw[256];
	} u;
	memset(&u, 0, sizeof u);
	struct sk_error err = { 0 };
	enum sk_result r = sk_twctl_decode(t, msg, need, &u, &e->v, &err);
	size_t hoff = hmac_at(t, need);
	if (r == SK_OK && hoff && enc) {
		sk_visit_synth(&e->v, &ctl_synth[0], (uint64_t)hst, NULL, hoff);
		if (hst == 2)
			r = sk_error_set(&err, SK_E_AUTH, hoff, "HMAC does not match");
	}
	if (r == SK_OK || r == SK_E_AUTH) {
		switch (t) {
		case SK_TWCTL_SERVER_GREETING:
			k->g = u.g;
			k->greeting = 1;
			break;
		case SK_TWCTL_SETUP_RESPONSE:
			k->setup = 1;
			learn_keys(e, k, &u.su);
			break;
		case SK_TWCTL_SERVER_START:
			k->started = 1;
			if (u.ss.accept != 0)
				k->encrypted = 0;
			break;
		case SK_TWCTL_REQUEST_TW_SESSION:
			note_request(e, c, k, &u.rq);
			expect_push(k, SK_TWCTL_ACCEPT_SESSION);
			break;
		case SK_TWCTL_ACCEPT_SESSION:
			note_accept(e, k, &u.ac);
			break;
		case SK_TWCTL_START_SESSIONS:
			expect_push(k, SK_TWCTL_START_ACK);
			break;
		case SK_TWCTL_START_N_SESSIONS:
			expect_push(k, SK_TWCTL_START_N_ACK);
			break;
		case SK_TWCTL_STOP_N_SESSIONS:
			expect_push(k, SK_TWCTL_STOP_N_ACK);
			break;
		default:
			break;
		}
	}
	if (!client && k->nexpect && t == k->expect[0] && k->started && t != SK_TWCTL_SERVER_START)
		memmove(k->expect, k->expect + 1, --k->nexpect * sizeof k->expect[0]);
	set_result(e, r, &err);
	sk_dec_end(e, 0);
	d->nmsg++;
	return 1;
}

void sk_dec_control_data(struct sk_dec *e, struct sk_tcpconn *c, int dir, const uint8_t *p,
			 size_t n)
{
	struct ctl *k = c->user;
	if (!k)
		return;
	struct ctl_dir *d = &k->d[dir];
	if (!k->server_known && !d->nmsg && dir == 0 && !k->greeting && !c->syn_seen) {
		/* Without ports or SYN to go by: the Server-Greeting comes first, from the server. */
		k->server = 0;
		k->server_known = 1;
	} else if (!k->server_known && c->syn_seen) {
		k->server = 1;
		k->server_known = 1;
	}
	while (n && !d->lost) {
		size_t take = CTL_BUF - d->len < n ? CTL_BUF - d->len : n;
		memcpy(d->buf + d->len, p, take);
		d->len += take;
		p += take, n -= take;
		while (ctl_one(e, c, k, dir))
			;
		/* A message that cannot fit the buffer even when it is empty: give up. */
		if (d->len == CTL_BUF)
			d->lost = 1;
	}
	/* The other direction may have been waiting for this one (e.g. for keys). */
	while (ctl_one(e, c, k, !dir))
		;
}

void sk_dec_control_gap(struct sk_dec *e, struct sk_tcpconn *c, int dir, uint32_t missing)
{
	struct ctl *k = c->user;
	if (!k || k->d[dir].lost)
		return;
	k->d[dir].lost = 1;
	ctl_begin(e, c, dir, "gap", dir != k->server);
	char msg[160];
	snprintf(msg, sizeof msg,
		 "%" PRIu32 " octets of the control stream were not captured: the rest of this "
		 "direction is not decoded",
		 missing);
	sk_dec_error(e, SK_E_TRUNCATED, 0, msg);
	e->pkt_failed = 1;
	if (e->o->json)
		sk_json_set_error(&e->json, msg);
	else
		sk_text_line(&e->text, "Error: %s", msg);
	sk_dec_end(e, 0);
}

int sk_dec_proto_init(struct sk_dec *e)
{
	(void)e;
	return sk_crypto_init() == SK_OK ? 0 : -1;
}

void sk_dec_proto_done(struct sk_dec *e) { (void)e; }
