/* SPDX-License-Identifier: BSD-3-Clause */
/* test_twamp_sm.c - TWAMP-Control state machine without sockets: client and server through
 * memory in every security mode, an observer on the same streams, errors, owamp captures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"
#include "stampkit/crypto.h"
#include "stampkit/twamp_sm.h"
#include "owamp_vectors.h"

#define MAXEV 64

struct evrec {
	enum sk_twsm_evkind kind;
	enum sk_twctl_type type;
	enum sk_twsm_dir dir;
	enum sk_result err;
	enum sk_problem problem;
	int session;
	size_t len;
	uint64_t start_time;
};

struct evlog {
	int n;
	struct evrec e[MAXEV];
};

static void log_event(struct evlog *l, const struct sk_twsm_event *ev)
{
	assert_true(l->n < MAXEV);
	struct evrec *r = &l->e[l->n++];
	r->kind = ev->kind;
	r->type = ev->type;
	r->dir = ev->dir;
	r->err = ev->err;
	r->problem = ev->problem;
	r->session = ev->session;
	/* Every error says what kind it is; nothing else carries one. */
	if (ev->kind == SK_TWSM_EV_ERROR) {
		assert_int_not_equal(ev->problem, SK_PROB_NONE);
		assert_int_not_equal(ev->err, SK_OK);
		assert_non_null(ev->msg);
	} else {
		assert_int_equal(ev->problem, SK_PROB_NONE);
	}
	r->len = ev->len;
	if (ev->type == SK_TWCTL_SERVER_START)
		r->start_time = ev->m.server_start.start_time;
	if (ev->kind == SK_TWSM_EV_MESSAGE) {
		/* The plaintext handed out decodes to the struct handed out. */
		assert_non_null(ev->plain);
		assert_int_equal(ev->len, sk_twctl_size(ev->type, ev->type >= SK_TWCTL_START_N_SESSIONS
							   ? ev->m.nsessions.nsessions : 0));
	}
}

/* Deterministic "randomness": tests must reproduce. */
static void rnd(void *ctx, uint8_t *b, size_t n)
{
	uint32_t *s = ctx;
	for (size_t i = 0; i < n; i++) {
		*s = *s * 1103515245u + 12345u;
		b[i] = (uint8_t)(*s >> 16);
	}
}

struct keyctx {
	const char *keyid;
	const char *secret;
};
static int lookup(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret, size_t *len)
{
	const struct keyctx *k = ctx;
	if (strncmp((const char *)keyid, k->keyid, SK_TWCTL_KEYID_LEN) != 0)
		return -1;
	*secret = (const uint8_t *)k->secret;
	*len = strlen(k->secret);
	return 0;
}

/* A captured conversation: the order and size of every transfer, for the observer. */
struct seg {
	enum sk_twsm_dir dir;
	size_t off, len;
};

struct pair {
	struct sk_twsm cli, srv;
	struct evlog cev, sev;
	uint32_t crnd, srnd;
	struct keyctx skey;
	size_t chunk;
	int auto_answer;
	uint8_t stream[2][8192];
	size_t slen[2];
	struct seg segs[256];
	int nseg;
	int fed_err;
};

static void srv_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct pair *p = ctx;
	log_event(&p->sev, ev);
	if (!p->auto_answer || ev->kind != SK_TWSM_EV_MESSAGE)
		return;
	switch (ev->type) {
	case SK_TWCTL_REQUEST_TW_SESSION: {
		uint8_t sid[16];
		memset(sid, 0x5a, 16);
		sid[15] = (uint8_t)ev->session;
		assert_int_equal(sk_twsm_server_accept(&p->srv, 0, (uint16_t)(20000 + ev->session), sid, 0x0102),
				 SK_OK);
		break;
	}
	case SK_TWCTL_START_SESSIONS:
		assert_int_equal(sk_twsm_server_start_ack(&p->srv, 0), SK_OK);
		break;
	case SK_TWCTL_START_N_SESSIONS:
		assert_int_equal(sk_twsm_server_start_n_ack(&p->srv, 0), SK_OK);
		break;
	case SK_TWCTL_STOP_N_SESSIONS:
		assert_int_equal(sk_twsm_server_stop_n_ack(&p->srv, 0), SK_OK);
		break;
	default:
		break;
	}
}

static void cli_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct pair *p = ctx;
	log_event(&p->cev, ev);
}

static void setup_pair(struct pair *p, const char *server_secret, size_t chunk, uint32_t modes)
{
	memset(p, 0, sizeof *p);
	p->crnd = 1;
	p->srnd = 2;
	p->skey.keyid = "alice";
	p->skey.secret = server_secret;
	p->chunk = chunk;
	p->auto_answer = 1;
	struct sk_twsm_config c;
	memset(&c, 0, sizeof c);
	c.role = SK_TWSM_CLIENT;
	c.random = rnd;
	c.random_ctx = &p->crnd;
	c.on_event = cli_event;
	c.event_ctx = p;
	assert_int_equal(sk_twsm_init(&p->cli, &c), SK_OK);
	memset(&c, 0, sizeof c);
	c.role = SK_TWSM_SERVER;
	c.modes = modes;
	c.count = 1024;
	c.server_start_time = 0xE8F0A1B200000000ull;
	c.key_lookup = lookup;
	c.key_ctx = &p->skey;
	c.random = rnd;
	c.random_ctx = &p->srnd;
	c.on_event = srv_event;
	c.event_ctx = p;
	assert_int_equal(sk_twsm_init(&p->srv, &c), SK_OK);
}

/* Moves octets both ways until neither side has anything to send, chunk octets per feed. */
static void pump(struct pair *p)
{
	for (int moved = 1; moved;) {
		moved = 0;
		struct sk_twsm *from[2] = { &p->cli, &p->srv };
		struct sk_twsm *to[2] = { &p->srv, &p->cli };
		for (int d = 0; d < 2; d++) {
			size_t len;
			const uint8_t *o = sk_twsm_output(from[d], &len);
			if (!len)
				continue;
			uint8_t tmp[SK_TWSM_OUT_CAP];
			memcpy(tmp, o, len);
			sk_twsm_output_consume(from[d], len);
			assert_true(p->slen[d] + len <= sizeof p->stream[d]);
			memcpy(p->stream[d] + p->slen[d], tmp, len);
			assert_true(p->nseg < 256);
			p->segs[p->nseg++] = (struct seg){ (enum sk_twsm_dir)d, p->slen[d], len };
			for (size_t off = 0; off < len; off += p->chunk) {
				size_t n = len - off < p->chunk ? len - off : p->chunk;
				if (sk_twsm_feed(to[d], (enum sk_twsm_dir)d, tmp + off, n) != SK_OK)
					p->fed_err++;
			}
			p->slen[d] += len;
			moved = 1;
		}
	}
}

static struct evlog obs_log;
static void obs_event(void *ctx, const struct sk_twsm_event *ev)
{
	(void)ctx;
	log_event(&obs_log, ev);
}

static void observe(const struct pair *p, struct sk_twsm *obs, const char *secret, size_t chunk)
{
	static struct keyctx k;
	k.keyid = "alice";
	k.secret = secret;
	struct sk_twsm_config c;
	memset(&c, 0, sizeof c);
	c.role = SK_TWSM_OBSERVER;
	c.key_lookup = lookup;
	c.key_ctx = &k;
	c.on_event = obs_event;
	memset(&obs_log, 0, sizeof obs_log);
	assert_int_equal(sk_twsm_init(obs, &c), SK_OK);
	size_t n;
	assert_int_equal((sk_twsm_output(obs, &n), n), 0);
	for (int i = 0; i < p->nseg; i++) {
		const struct seg *s = &p->segs[i];
		for (size_t off = 0; off < s->len; off += chunk) {
			size_t m = s->len - off < chunk ? s->len - off : chunk;
			sk_twsm_feed(obs, s->dir, p->stream[s->dir] + s->off + off, m);
		}
	}
}

static int count_kind(const struct evlog *l, enum sk_twsm_evkind k)
{
	int n = 0;
	for (int i = 0; i < l->n; i++)
		n += l->e[i].kind == k;
	return n;
}

static void full_conversation(uint32_t mode, size_t chunk)
{
	static struct pair p;
	setup_pair(&p, "twamp-test-secret", chunk, 0x1f);
	pump(&p);
	assert_int_equal(p.cli.state, SK_TWSM_WAIT_SETUP);
	assert_int_equal(p.cev.n, 1);
	assert_int_equal(p.cev.e[0].type, SK_TWCTL_SERVER_GREETING);
	assert_int_equal(p.cli.greeting.modes, 0x1f);
	assert_int_equal(p.cli.greeting.count, 1024);

	/* Out of order: a command before the Set-Up-Response is refused by the API. */
	assert_int_equal(sk_twsm_client_start(&p.cli), SK_E_STATE);

	assert_int_equal(sk_twsm_client_setup(&p.cli, mode | SK_TWMODE_INDIVIDUAL, "alice", "twamp-test-secret",
					      strlen("twamp-test-secret")),
			 SK_OK);
	pump(&p);
	assert_int_equal(p.fed_err, 0);
	assert_int_equal(p.srv.state, SK_TWSM_WAIT_COMMAND);
	assert_int_equal(p.cli.state, SK_TWSM_WAIT_COMMAND);
	assert_int_equal(p.cli.encrypted, mode != SK_TWMODE_UNAUTH);
	assert_int_equal(p.srv.encrypted, mode != SK_TWMODE_UNAUTH);

	/* What went on the wire, octet by octet where it is clear text. */
	static const uint8_t greet_head[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1f };
	static const uint8_t zeros[80] = { 0 };
	assert_memory_equal(p.stream[1], greet_head, 16);
	assert_memory_equal(p.stream[1] + 48, "\x00\x00\x04\x00", 4);
	assert_memory_equal(p.stream[1] + 52, zeros, 12);
	assert_int_equal(sk_ld32(p.stream[0]), mode | SK_TWMODE_INDIVIDUAL);
	if (mode == SK_TWMODE_UNAUTH)
		assert_memory_equal(p.stream[0] + 4, zeros, 80); /* KeyID unused */
	else
		assert_memory_equal(p.stream[0] + 4, "alice", 5);
	assert_memory_equal(p.stream[0] + 9, zeros, 75);
	assert_memory_equal(p.stream[1] + 64, zeros, 16); /* Server-Start: MBZ, Accept 0 */
	if (mode == SK_TWMODE_UNAUTH) {
		assert_memory_equal(p.stream[1] + 96, "\xe8\xf0\xa1\xb2\x00\x00\x00\x00", 8);
		assert_memory_equal(p.stream[1] + 104, zeros, 8);
		assert_memory_equal(p.stream[0] + 84, zeros, 64); /* no Token */
	} else {
		/* RFC 4656 §3.1: Start-Time's block is encrypted; the client still read it. */
		assert_memory_not_equal(p.stream[1] + 96, "\xe8\xf0\xa1\xb2\x00\x00\x00\x00", 8);
		assert_memory_not_equal(p.stream[0] + 84, zeros, 64);
	}
	assert_true(p.cev.e[1].type == SK_TWCTL_SERVER_START);
	assert_true(p.cev.e[1].start_time == 0xE8F0A1B200000000ull);

	/* Three sessions. */
	for (int i = 0; i < 3; i++) {
		struct sk_twctl_request q;
		memset(&q, 0, sizeof q);
		q.ipvn = 4;
		q.sender_port = (uint16_t)(10000 + i);
		q.receiver_port = 862;
		q.sender_address[0] = 192, q.sender_address[3] = (uint8_t)(1 + i);
		q.padding_length = (uint32_t)(41 + i);
		q.timeout = 2ull << 32;
		q.type_p = sk_twamp_typep_from_dscp(46);
		int idx = -1;
		assert_int_equal(sk_twsm_client_request(&p.cli, &q, &idx), SK_OK);
		assert_int_equal(idx, i);
		assert_int_equal(sk_twsm_client_request(&p.cli, &q, &idx), SK_E_STATE); /* one at a time */
		pump(&p);
		const struct sk_twsm_session *s = sk_twsm_session(&p.cli, (unsigned)i);
		assert_non_null(s);
		assert_int_equal(s->state, SK_TWSESS_ACCEPTED);
		assert_int_equal(s->reflector_port, 20000 + i);
		assert_int_equal(s->sid[0], 0x5a);
		assert_int_equal(s->sid[15], i);
		assert_int_equal(s->server_octets, 0x0102);
	}
	assert_int_equal(sk_twsm_session_count(&p.cli), 3);
	assert_int_equal(sk_twsm_session_count(&p.srv), 3);

	assert_int_equal(sk_twsm_client_start(&p.cli), SK_OK);
	pump(&p);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(sk_twsm_session(&p.cli, i)->state, SK_TWSESS_STARTED);
		assert_int_equal(sk_twsm_session(&p.srv, i)->state, SK_TWSESS_STARTED);
	}

	/* Stop one session, start it again (RFC 5938), then stop all. */
	uint8_t sids[2][16];
	memcpy(sids[0], sk_twsm_session(&p.cli, 1)->sid, 16);
	memcpy(sids[1], sk_twsm_session(&p.cli, 2)->sid, 16);
	assert_int_equal(sk_twsm_client_stop_n(&p.cli, (const uint8_t(*)[16])sids, 2), SK_OK);
	pump(&p);
	assert_int_equal(sk_twsm_session(&p.cli, 0)->state, SK_TWSESS_STARTED);
	assert_int_equal(sk_twsm_session(&p.cli, 1)->state, SK_TWSESS_STOPPED);
	assert_int_equal(sk_twsm_session(&p.srv, 2)->state, SK_TWSESS_STOPPED);
	assert_int_equal(sk_twsm_client_start_n(&p.cli, (const uint8_t(*)[16])sids, 1), SK_OK);
	pump(&p);
	assert_int_equal(sk_twsm_session(&p.cli, 1)->state, SK_TWSESS_STARTED);
	assert_int_equal(sk_twsm_session(&p.srv, 1)->state, SK_TWSESS_STARTED);
	assert_int_equal(sk_twsm_session(&p.srv, 2)->state, SK_TWSESS_STOPPED);
	assert_int_equal(sk_twsm_client_stop(&p.cli, 0), SK_OK);
	pump(&p);
	assert_int_equal(p.fed_err, 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sk_twsm_session(&p.srv, i)->state, SK_TWSESS_STOPPED);

	/* Events, in order, on each side. */
	static const enum sk_twctl_type cli_want[] = {
		SK_TWCTL_SERVER_GREETING, SK_TWCTL_SERVER_START, SK_TWCTL_ACCEPT_SESSION, SK_TWCTL_ACCEPT_SESSION,
		SK_TWCTL_ACCEPT_SESSION,  SK_TWCTL_START_ACK,    SK_TWCTL_STOP_N_ACK,    SK_TWCTL_START_N_ACK,
	};
	static const enum sk_twctl_type srv_want[] = {
		SK_TWCTL_SETUP_RESPONSE,     SK_TWCTL_REQUEST_TW_SESSION, SK_TWCTL_REQUEST_TW_SESSION,
		SK_TWCTL_REQUEST_TW_SESSION, SK_TWCTL_START_SESSIONS,     SK_TWCTL_STOP_N_SESSIONS,
		SK_TWCTL_START_N_SESSIONS,   SK_TWCTL_STOP_SESSIONS,
	};
	assert_int_equal(p.cev.n, 8);
	assert_int_equal(p.sev.n, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(p.cev.e[i].kind, SK_TWSM_EV_MESSAGE);
		assert_int_equal(p.cev.e[i].type, cli_want[i]);
		assert_int_equal(p.cev.e[i].dir, SK_TWSM_S2C);
		assert_int_equal(p.sev.e[i].kind, SK_TWSM_EV_MESSAGE);
		assert_int_equal(p.sev.e[i].type, srv_want[i]);
		assert_int_equal(p.sev.e[i].dir, SK_TWSM_C2S);
	}
	assert_int_equal(p.cev.e[2].session, 0);
	assert_int_equal(p.cev.e[4].session, 2);
	assert_int_equal(p.sev.e[3].session, 2);

	/* Encrypted modes really encrypt: the Request-TW-Session command octet is not on the wire. */
	size_t req_off = 164; /* first c2s octet after the Set-Up-Response */
	if (mode == SK_TWMODE_UNAUTH)
		assert_int_equal(p.stream[0][req_off], 5);
	else
		assert_memory_not_equal(p.stream[0] + req_off, "\x05\x04", 2);

	/* Test-session keys: both ends derive the same, only in modes 2 and 4. */
	for (unsigned i = 0; i < 3; i++) {
		const struct sk_twsm_session *a = sk_twsm_session(&p.cli, i), *b = sk_twsm_session(&p.srv, i);
		int want_keys = mode == SK_TWMODE_AUTH || mode == SK_TWMODE_ENCRYPT;
		assert_int_equal(a->has_keys, want_keys);
		assert_int_equal(b->has_keys, want_keys);
		assert_int_equal(a->mode, mode);
		if (want_keys) {
			assert_memory_equal(a->test_aes, b->test_aes, 16);
			assert_memory_equal(a->test_hmac, b->test_hmac, 32);
		}
	}

	/* The observer, fed the same streams in the same order (and again 1 octet at a time),
	 * reaches the same sessions. */
	static struct sk_twsm obs;
	for (int pass = 0; pass < 2; pass++) {
		observe(&p, &obs, "twamp-test-secret", pass ? 1 : 4096);
		assert_int_equal(count_kind(&obs_log, SK_TWSM_EV_ERROR), 0);
		assert_int_equal(obs_log.n, 16);
		assert_int_equal(obs.state, SK_TWSM_WAIT_COMMAND);
		assert_int_equal(sk_twsm_session_count(&obs), 3);
		for (unsigned i = 0; i < 3; i++) {
			const struct sk_twsm_session *a = sk_twsm_session(&p.cli, i), *o = sk_twsm_session(&obs, i);
			assert_memory_equal(o->sid, a->sid, 16);
			assert_int_equal(o->sender_port, 10000 + i);
			assert_int_equal(o->requested_port, 862);
			assert_int_equal(o->reflector_port, 20000 + i);
			assert_int_equal(o->padding_length, 41 + i);
			assert_int_equal(o->sender_address[3], 1 + i);
			assert_int_equal(o->type_p, 0x2E000000u);
			assert_int_equal(o->mode, mode);
			assert_int_equal(o->state, SK_TWSESS_STOPPED);
			assert_int_equal(o->has_keys, a->has_keys);
			if (a->has_keys) {
				assert_memory_equal(o->test_aes, a->test_aes, 16);
				assert_memory_equal(o->test_hmac, a->test_hmac, 32);
			}
			assert_ptr_equal(sk_twsm_find_session(&obs, a->sid), o);
		}
	}
	/* An observer with the wrong secret cannot follow an authenticated connection. */
	if (mode != SK_TWMODE_UNAUTH) {
		observe(&p, &obs, "wrong", 4096);
		assert_int_equal(count_kind(&obs_log, SK_TWSM_EV_ERROR), 1);
		assert_int_equal(obs_log.e[obs_log.n - 1].err, SK_E_AUTH);
		assert_int_equal(obs_log.e[obs_log.n - 1].problem, SK_PROB_WRONG_KEY);
		assert_int_equal(obs_log.e[obs_log.n - 1].type, SK_TWCTL_SETUP_RESPONSE);
		assert_int_equal(obs.state, SK_TWSM_FAILED);
	}
}

static void unauth_one_chunk(void **state) { (void)state; full_conversation(SK_TWMODE_UNAUTH, 4096); }
static void unauth_bytewise(void **state) { (void)state; full_conversation(SK_TWMODE_UNAUTH, 1); }
static void auth_one_chunk(void **state) { (void)state; full_conversation(SK_TWMODE_AUTH, 4096); }
static void auth_bytewise(void **state) { (void)state; full_conversation(SK_TWMODE_AUTH, 1); }
static void enc_one_chunk(void **state) { (void)state; full_conversation(SK_TWMODE_ENCRYPT, 4096); }
static void enc_bytewise(void **state) { (void)state; full_conversation(SK_TWMODE_ENCRYPT, 1); }
static void mixed_one_chunk(void **state) { (void)state; full_conversation(SK_TWMODE_MIXED, 4096); }
static void mixed_bytewise(void **state) { (void)state; full_conversation(SK_TWMODE_MIXED, 7); }

static void wrong_secret(void **state)
{
	(void)state;
	static struct pair p;
	setup_pair(&p, "server-knows-this", 4096, 0x0f);
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_AUTH, "alice", "client-typed-this", 17), SK_OK);
	pump(&p);
	/* The server reports the Token failure and refuses with Accept 1. */
	assert_int_equal(p.sev.n, 1);
	assert_int_equal(p.sev.e[0].kind, SK_TWSM_EV_ERROR);
	assert_int_equal(p.sev.e[0].err, SK_E_AUTH);
	assert_int_equal(p.sev.e[0].problem, SK_PROB_WRONG_KEY);
	assert_int_equal(p.sev.e[0].type, SK_TWCTL_SETUP_RESPONSE);
	assert_int_equal(p.srv.state, SK_TWSM_CLOSED);
	assert_int_equal(p.cev.e[p.cev.n - 1].type, SK_TWCTL_SERVER_START);
	assert_int_equal(p.cli.state, SK_TWSM_CLOSED);
	/* An unknown KeyID fails the same way. */
	setup_pair(&p, "x", 4096, 0x0f);
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_ENCRYPT, "bob", "x", 1), SK_OK);
	pump(&p);
	assert_int_equal(p.sev.e[0].err, SK_E_AUTH);
	assert_int_equal(p.sev.e[0].problem, SK_PROB_NO_KEY);
	assert_int_equal(p.cli.state, SK_TWSM_CLOSED);
	/* A mode the server did not offer: the client API refuses it; forced onto the wire,
	 * the server answers Accept 3 and closes. */
	setup_pair(&p, "x", 4096, SK_TWMODE_UNAUTH);
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_AUTH, "alice", "x", 1), SK_E_UNSUPPORTED);
	p.cli.greeting.modes |= SK_TWMODE_AUTH;
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_AUTH, "alice", "x", 1), SK_OK);
	pump(&p);
	assert_int_equal(p.sev.e[0].kind, SK_TWSM_EV_MESSAGE);
	assert_int_equal(p.cli.state, SK_TWSM_CLOSED);
	assert_int_equal(p.cev.n, 2);
	/* RFC 6038 / RFC 7750 feature bits: accepted when offered, Accept 3 (closed) when not. */
	const uint32_t feats[] = { SK_TWMODE_REFLECT_OCTETS, SK_TWMODE_SYMMETRICAL, SK_TWMODE_DSCP_ECN };
	for (size_t i = 0; i < 3; i++) {
		setup_pair(&p, "x", 4096, SK_TWMODE_UNAUTH | feats[i]);
		pump(&p);
		assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_UNAUTH | feats[i], NULL, NULL, 0), SK_OK);
		pump(&p);
		assert_int_equal(p.cli.state, SK_TWSM_WAIT_COMMAND);
		assert_int_equal(p.srv.mode, SK_TWMODE_UNAUTH | feats[i]);
		setup_pair(&p, "x", 4096, SK_TWMODE_UNAUTH | SK_TWMODE_INDIVIDUAL);
		pump(&p);
		assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_UNAUTH | feats[i], NULL, NULL, 0), SK_OK);
		pump(&p);
		assert_int_equal(p.cli.state, SK_TWSM_CLOSED);
		assert_int_equal(p.stream[1][SK_TWCTL_GREETING_LEN + 15], 3); /* Server-Start Accept */
	}
	/* RFC 4656 §3.1: the Mode MUST be one the server offered. No security bit but an
	 * unassigned one (0x400), or a feature bit alone: Accept 3, closed. */
	const uint32_t bad[] = { 0x400, SK_TWMODE_INDIVIDUAL };
	for (size_t i = 0; i < 2; i++) {
		setup_pair(&p, "x", 4096, SK_TWMODE_UNAUTH | SK_TWMODE_INDIVIDUAL);
		pump(&p);
		p.cli.greeting.modes |= bad[i];
		assert_int_equal(sk_twsm_client_setup(&p.cli, bad[i], NULL, NULL, 0), SK_OK);
		pump(&p);
		assert_int_equal(p.srv.state, SK_TWSM_CLOSED);
		assert_int_equal(p.cli.state, SK_TWSM_CLOSED);
		assert_int_equal(p.stream[1][SK_TWCTL_GREETING_LEN + 15], 3);
	}
}

static void hmac_failure(void **state)
{
	(void)state;
	static struct pair p;
	setup_pair(&p, "s3cret", 4096, 0x0f);
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_AUTH, "alice", "s3cret", 6), SK_OK);
	pump(&p);
	assert_int_equal(p.srv.state, SK_TWSM_WAIT_COMMAND);
	struct sk_twctl_request q;
	memset(&q, 0, sizeof q);
	q.ipvn = 6;
	assert_int_equal(sk_twsm_client_request(&p.cli, &q, NULL), SK_OK);
	size_t len;
	const uint8_t *o = sk_twsm_output(&p.cli, &len);
	assert_int_equal(len, 112);
	uint8_t bad[112];
	memcpy(bad, o, len);
	bad[100] ^= 0x01; /* inside the encrypted HMAC block */
	sk_twsm_output_consume(&p.cli, len);
	int before = p.sev.n;
	assert_int_equal(sk_twsm_feed(&p.srv, SK_TWSM_C2S, bad, sizeof bad), SK_E_AUTH);
	assert_int_equal(p.sev.n, before + 1);
	assert_int_equal(p.sev.e[before].kind, SK_TWSM_EV_ERROR);
	assert_int_equal(p.sev.e[before].err, SK_E_AUTH);
	assert_int_equal(p.sev.e[before].problem, SK_PROB_HMAC_BAD);
	assert_int_equal(p.sev.e[before].type, SK_TWCTL_REQUEST_TW_SESSION);
	assert_int_equal(p.srv.state, SK_TWSM_FAILED);
	/* Nothing more is taken. */
	assert_int_equal(sk_twsm_feed(&p.srv, SK_TWSM_C2S, bad, 16), SK_E_STATE);
}

static void out_of_order(void **state)
{
	(void)state;
	static struct pair p;
	setup_pair(&p, "x", 4096, 0x1f);
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_UNAUTH, NULL, NULL, 0), SK_OK);
	pump(&p);
	assert_int_equal(p.cli.state, SK_TWSM_WAIT_COMMAND);
	/* An Accept-Session nobody asked for. */
	uint8_t acc[48];
	memset(acc, 0, sizeof acc);
	acc[2] = 0x4e, acc[3] = 0x20;
	memset(acc + 4, 0x77, 16);
	int before = p.cev.n;
	assert_int_equal(sk_twsm_feed(&p.cli, SK_TWSM_S2C, acc, sizeof acc), SK_E_STATE);
	assert_int_equal(p.cev.n, before + 1);
	assert_int_equal(p.cev.e[before].kind, SK_TWSM_EV_ERROR);
	assert_int_equal(p.cev.e[before].err, SK_E_STATE);
	assert_int_equal(p.cev.e[before].problem, SK_PROB_STATE);
	assert_int_equal(p.cev.e[before].type, SK_TWCTL_ACCEPT_SESSION); /* guessed */
	assert_int_equal(p.cli.state, SK_TWSM_FAILED);

	/* OWAMP Request-Session (command 1) and Request-TW-Micro-Sessions (11) are known and
	 * unsupported; command 8 from a client is not a command at all. */
	static const struct {
		uint8_t cmd;
		enum sk_result want;
		enum sk_problem kind;
	} cases[] = { { 1, SK_E_UNSUPPORTED, SK_PROB_UNSUPPORTED },
		      { 4, SK_E_UNSUPPORTED, SK_PROB_UNSUPPORTED },
		      { 11, SK_E_UNSUPPORTED, SK_PROB_UNSUPPORTED },
		      { 8, SK_E_UNSUPPORTED, SK_PROB_UNSUPPORTED },
		      { 200, SK_E_INVALID, SK_PROB_INVALID } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		setup_pair(&p, "x", 4096, 0x1f);
		p.auto_answer = 0;
		pump(&p);
		assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_UNAUTH, NULL, NULL, 0), SK_OK);
		pump(&p);
		uint8_t cmd[16];
		memset(cmd, 0, sizeof cmd);
		cmd[0] = cases[i].cmd;
		before = p.sev.n;
		for (size_t k = 0; k < 16; k++) {
			enum sk_result r = sk_twsm_feed(&p.srv, SK_TWSM_C2S, cmd + k, 1);
			assert_int_equal(r, k < 15 ? SK_OK : cases[i].want);
		}
		assert_int_equal(p.sev.e[before].kind, SK_TWSM_EV_ERROR);
		assert_int_equal(p.sev.e[before].err, cases[i].want);
		assert_int_equal(p.sev.e[before].problem, cases[i].kind);
	}
	/* The server answer API checks the state too. */
	assert_int_equal(sk_twsm_server_start_ack(&p.srv, 0), SK_E_STATE);
	/* And roles: a client is not fed client octets. */
	assert_int_equal(sk_twsm_feed(&p.cli, SK_TWSM_C2S, acc, 1), SK_E_ARG);
	/* A greeting with Modes 0 closes. */
	setup_pair(&p, "x", 4096, 0);
	pump(&p);
	assert_int_equal(p.cli.state, SK_TWSM_CLOSED);
	/* RFC 5938 commands need Modes bit 4 in the Set-Up-Response. */
	setup_pair(&p, "x", 4096, 0x1f);
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_UNAUTH, NULL, NULL, 0), SK_OK);
	pump(&p);
	assert_int_equal(sk_twsm_client_start_n(&p.cli, NULL, 0), SK_E_UNSUPPORTED);
}

/* The observer on owamp 5.2.3 captures (secret known): every control message decodes,
 * and the session it finds gives the keys that verify the test packets. */
static void owamp_captures(void **state)
{
	(void)state;
	static struct sk_twsm obs;
	for (size_t c = 0; c < sizeof owv_captures / sizeof owv_captures[0]; c++) {
		const struct owv_capture *cap = &owv_captures[c];
		for (int pass = 0; pass < 2; pass++) {
			size_t chunk = pass ? 1 : 4096;
			static struct keyctx k = { OWV_KEYID, OWV_PASSPHRASE };
			struct sk_twsm_config cfg;
			memset(&cfg, 0, sizeof cfg);
			cfg.role = SK_TWSM_OBSERVER;
			cfg.key_lookup = lookup;
			cfg.key_ctx = &k;
			cfg.on_event = obs_event;
			memset(&obs_log, 0, sizeof obs_log);
			assert_int_equal(sk_twsm_init(&obs, &cfg), SK_OK);
			struct {
				enum sk_twsm_dir d;
				const uint8_t *p;
				size_t len;
			} feed[16];
			int nf = 0;
			feed[nf].d = SK_TWSM_S2C, feed[nf].p = cap->greeting, feed[nf++].len = 64;
			feed[nf].d = SK_TWSM_C2S, feed[nf].p = cap->setup, feed[nf++].len = 164;
			feed[nf].d = SK_TWSM_S2C, feed[nf].p = cap->server_start, feed[nf++].len = 48;
			for (size_t i = 0; i < cap->n_c2s || i < cap->n_s2c; i++) {
				if (i < cap->n_c2s)
					feed[nf].d = SK_TWSM_C2S, feed[nf].p = cap->c2s[i].p, feed[nf++].len = cap->c2s[i].len;
				if (i < cap->n_s2c)
					feed[nf].d = SK_TWSM_S2C, feed[nf].p = cap->s2c[i].p, feed[nf++].len = cap->s2c[i].len;
			}
			for (int i = 0; i < nf; i++)
				for (size_t off = 0; off < feed[i].len; off += chunk) {
					size_t m = feed[i].len - off < chunk ? feed[i].len - off : chunk;
					assert_int_equal(sk_twsm_feed(&obs, feed[i].d, feed[i].p + off, m), SK_OK);
				}
			assert_int_equal(count_kind(&obs_log, SK_TWSM_EV_ERROR), 0);
			assert_int_equal(obs_log.n, nf);
			static const enum sk_twctl_type want[] = {
				SK_TWCTL_SERVER_GREETING, SK_TWCTL_SETUP_RESPONSE, SK_TWCTL_SERVER_START,
				SK_TWCTL_REQUEST_TW_SESSION, SK_TWCTL_ACCEPT_SESSION, SK_TWCTL_START_SESSIONS,
				SK_TWCTL_START_ACK, SK_TWCTL_STOP_SESSIONS,
			};
			assert_int_equal(nf, 8);
			for (int i = 0; i < nf; i++)
				assert_int_equal(obs_log.e[i].type, want[i]);
			assert_int_equal(obs.mode & SK_TWMODE_SECURITY_MASK, cap->mode);
			assert_int_equal(sk_twsm_session_count(&obs), 1);
			const struct sk_twsm_session *s = sk_twsm_session(&obs, 0);
			assert_int_equal(s->state, SK_TWSESS_STOPPED);
			assert_int_equal(s->accept, 0);
			assert_true(s->has_keys);
			/* The reflector port negotiated is the one the test packets go to. */
			assert_int_equal(s->reflector_port, cap->udp[0].dport);
			/* And the derived keys verify every test packet of the capture. */
			enum sk_sec sec = sk_twmode_sec(cap->mode);
			for (size_t u = 0; u < cap->n_udp; u++) {
				uint8_t out[256];
				int ok = SK_HMAC_BAD;
				assert_true(cap->udp[u].len <= sizeof out);
				assert_int_equal(sk_twamp_test_unprotect(sec, cap->udp[u].from_reflector, s->test_aes,
									 s->test_hmac, cap->udp[u].p, cap->udp[u].len,
									 out, sizeof out, &ok),
						 SK_OK);
				assert_int_equal(ok, SK_HMAC_OK);
			}
		}
	}
}

static void bounds(void **state)
{
	(void)state;
	/* A Start-N-Sessions listing more SIDs than the connection can hold is refused cleanly. */
	static struct pair p;
	setup_pair(&p, "x", 4096, 0x1f);
	p.auto_answer = 0;
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_UNAUTH | SK_TWMODE_INDIVIDUAL, NULL, NULL, 0), SK_OK);
	pump(&p);
	uint8_t hdr[16];
	memset(hdr, 0, sizeof hdr);
	hdr[0] = 7;
	hdr[12] = 0x10; /* 2^28 sessions */
	assert_int_equal(sk_twsm_feed(&p.srv, SK_TWSM_C2S, hdr, sizeof hdr), SK_E_NOSPACE);
	assert_int_equal(p.sev.e[p.sev.n - 1].err, SK_E_NOSPACE);
	assert_int_equal(p.sev.e[p.sev.n - 1].problem, SK_PROB_LIMIT);
	/* max_sessions caps the table. */
	struct sk_twsm_config c;
	memset(&c, 0, sizeof c);
	c.role = SK_TWSM_CLIENT;
	c.max_sessions = 1;
	uint32_t r = 5;
	c.random = rnd;
	c.random_ctx = &r;
	c.on_event = cli_event;
	c.event_ctx = &p;
	assert_int_equal(sk_twsm_init(&p.cli, &c), SK_OK);
	c.on_event = NULL;
	assert_int_equal(sk_twsm_init(&p.cli, &c), SK_E_ARG);
	assert_string_equal(sk_twsm_state_name(SK_TWSM_WAIT_COMMAND), "wait-command");
	assert_string_equal(sk_twsm_state_name((enum sk_twsm_state)77), "unknown");
}

/* report_sent: the client sees what it queued, in plaintext, with its stream offsets. */
static void sent_events(void **state)
{
	(void)state;
	static struct pair p;
	setup_pair(&p, "k", 4096, 0x0f);
	p.cli.cfg.report_sent = 1;
	pump(&p);
	assert_int_equal(sk_twsm_client_setup(&p.cli, SK_TWMODE_ENCRYPT, "alice", "k", 1), SK_OK);
	pump(&p);
	struct sk_twctl_request q;
	memset(&q, 0, sizeof q);
	q.ipvn = 4;
	q.padding_length = 99;
	int idx = -1;
	assert_int_equal(sk_twsm_client_request(&p.cli, &q, &idx), SK_OK);
	pump(&p);
	/* greeting, sent setup, server-start, sent request, accept */
	assert_int_equal(p.cev.n, 5);
	assert_int_equal(p.cev.e[1].kind, SK_TWSM_EV_SENT);
	assert_int_equal(p.cev.e[1].type, SK_TWCTL_SETUP_RESPONSE);
	assert_int_equal(p.cev.e[1].dir, SK_TWSM_C2S);
	assert_int_equal(p.cev.e[3].kind, SK_TWSM_EV_SENT);
	assert_int_equal(p.cev.e[3].type, SK_TWCTL_REQUEST_TW_SESSION);
	assert_int_equal(p.cev.e[3].session, 0);
	assert_int_equal(p.cev.e[3].len, 112);
	assert_int_equal(p.cev.e[4].kind, SK_TWSM_EV_MESSAGE);
	assert_int_equal(p.cev.e[4].session, 0);
	assert_int_equal(sk_twsm_session(&p.srv, 0)->padding_length, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unauth_one_chunk), cmocka_unit_test(unauth_bytewise),
		cmocka_unit_test(auth_one_chunk),   cmocka_unit_test(auth_bytewise),
		cmocka_unit_test(enc_one_chunk),    cmocka_unit_test(enc_bytewise),
		cmocka_unit_test(mixed_one_chunk),  cmocka_unit_test(mixed_bytewise),
		cmocka_unit_test(wrong_secret),     cmocka_unit_test(hmac_failure),
		cmocka_unit_test(out_of_order),     cmocka_unit_test(owamp_captures),
		cmocka_unit_test(bounds),           cmocka_unit_test(sent_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
