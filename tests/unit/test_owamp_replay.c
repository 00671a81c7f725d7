/* SPDX-License-Identifier: BSD-3-Clause */
/* test_owamp_replay.c - the client side of the owamp 5.2.3 captures replayed against our server
 * state machine (RFC 4656 §3.1-3.2, RFC 5357 §3.1-3.8, authenticated and encrypted modes):
 * with the server's random choices, Start-Time, port and SID taken from the capture, every
 * octet our server sends must equal what owamp's twampd sent, also when the client stream
 * arrives in two reads split anywhere and is fed with sk_twsm_feed_msg. */
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

/* What the recorded server chose, learnt from an observer on the capture. */
struct recorded {
	uint64_t start_time;
	uint16_t port;
	uint8_t sid[16];
	uint16_t server_octets;
	int requests, starts, stops;
};

static void obs_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct recorded *r = ctx;
	assert_int_not_equal(ev->kind, SK_TWSM_EV_ERROR);
	if (ev->type == SK_TWCTL_SERVER_START)
		r->start_time = ev->m.server_start.start_time;
	if (ev->type == SK_TWCTL_ACCEPT_SESSION) {
		r->port = ev->m.accept.port;
		memcpy(r->sid, ev->m.accept.sid, 16);
		r->server_octets = ev->m.accept.server_octets;
	}
}

static int lookup(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret,
		  size_t *len)
{
	(void)ctx;
	uint8_t want[SK_TWCTL_KEYID_LEN];
	memset(want, 0, sizeof want);
	memcpy(want, OWV_KEYID, strlen(OWV_KEYID));
	if (memcmp(want, keyid, sizeof want))
		return -1;
	*secret = (const uint8_t *)OWV_PASSPHRASE;
	*len = strlen(OWV_PASSPHRASE);
	return 0;
}

/* The server's random octets in the order the machine asks for them: Challenge, Salt
 * (greeting), Server-IV (Server-Start). */
struct script {
	const uint8_t *chunks[3];
	int next;
};

static void scripted(void *ctx, uint8_t *b, size_t n)
{
	struct script *s = ctx;
	assert_true(s->next < 3);
	assert_int_equal(n, 16);
	memcpy(b, s->chunks[s->next++], 16);
}

static void srv_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct recorded *r = ctx;
	assert_int_not_equal(ev->kind, SK_TWSM_EV_ERROR);
	if (ev->kind != SK_TWSM_EV_MESSAGE)
		return;
	if (ev->type == SK_TWCTL_REQUEST_TW_SESSION)
		r->requests++;
	if (ev->type == SK_TWCTL_START_SESSIONS)
		r->starts++;
	if (ev->type == SK_TWCTL_STOP_SESSIONS)
		r->stops++;
}

static void expect_output(struct sk_twsm *sm, const uint8_t *want, size_t len)
{
	size_t have = 0;
	const uint8_t *p = sk_twsm_output(sm, &have);
	assert_int_equal(have, len);
	assert_memory_equal(p, want, len);
	sk_twsm_output_consume(sm, have);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void replay(void **state)
{
	(void)state;
	static struct sk_twsm obs, srv;
	for (size_t c = 0; c < sizeof owv_captures / sizeof owv_captures[0]; c++) {
		const struct owv_capture *cap = &owv_captures[c];
		/* 1. What the recorded server chose. */
		struct recorded rec;
		memset(&rec, 0, sizeof rec);
		struct sk_twsm_config oc = { .role = SK_TWSM_OBSERVER, .key_lookup = lookup,
					     .on_event = obs_event, .event_ctx = &rec };
		assert_int_equal(sk_twsm_init(&obs, &oc), SK_OK);
		assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_S2C, cap->greeting, 64), SK_OK);
		assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_C2S, cap->setup, 164), SK_OK);
		assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_S2C, cap->server_start, 48), SK_OK);
		for (size_t i = 0; i < cap->n_c2s || i < cap->n_s2c; i++) {
			if (i < cap->n_c2s)
				assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_C2S, cap->c2s[i].p, cap->c2s[i].len), SK_OK);
			if (i < cap->n_s2c)
				assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_S2C, cap->s2c[i].p, cap->s2c[i].len), SK_OK);
		}
		assert_int_not_equal(rec.port, 0);

		/* 2. Our server, fed owamp's client octets one at a time. */
		struct script sc = { { cap->greeting + 16, cap->greeting + 32, cap->server_start + 16 }, 0 };
		struct sk_twsm_config cfg = {
			.role = SK_TWSM_SERVER, .modes = be32(cap->greeting + 12), .count = be32(cap->greeting + 48),
			.server_start_time = rec.start_time, .key_lookup = lookup, .random = scripted,
			.random_ctx = &sc, .on_event = srv_event, .event_ctx = &rec,
		};
		assert_int_equal(sk_twsm_init(&srv, &cfg), SK_OK);
		expect_output(&srv, cap->greeting, 64);
		for (size_t i = 0; i < 164; i++)
			assert_int_equal(sk_twsm_feed(&srv, SK_TWSM_C2S, cap->setup + i, 1), SK_OK);
		expect_output(&srv, cap->server_start, 48);
		assert_int_equal(srv.mode & SK_TWMODE_SECURITY_MASK, cap->mode);
		/* Request-TW-Session -> Accept-Session, Start-Sessions -> Start-Ack, Stop-Sessions. */
		assert_int_equal(cap->n_c2s, 3);
		assert_int_equal(cap->n_s2c, 2);
		for (size_t i = 0; i < cap->c2s[0].len; i++)
			assert_int_equal(sk_twsm_feed(&srv, SK_TWSM_C2S, cap->c2s[0].p + i, 1), SK_OK);
		assert_int_equal(rec.requests, 1);
		assert_int_equal(sk_twsm_server_accept(&srv, 0, rec.port, rec.sid, rec.server_octets), SK_OK);
		expect_output(&srv, cap->s2c[0].p, cap->s2c[0].len);
		for (size_t i = 0; i < cap->c2s[1].len; i++)
			assert_int_equal(sk_twsm_feed(&srv, SK_TWSM_C2S, cap->c2s[1].p + i, 1), SK_OK);
		assert_int_equal(rec.starts, 1);
		assert_int_equal(sk_twsm_server_start_ack(&srv, 0), SK_OK);
		expect_output(&srv, cap->s2c[1].p, cap->s2c[1].len);
		const struct sk_twsm_session *s = sk_twsm_session(&srv, 0);
		assert_non_null(s);
		assert_int_equal(s->state, SK_TWSESS_STARTED);
		for (size_t i = 0; i < cap->c2s[2].len; i++)
			assert_int_equal(sk_twsm_feed(&srv, SK_TWSM_C2S, cap->c2s[2].p + i, 1), SK_OK);
		assert_int_equal(rec.stops, 1);
		assert_int_equal(s->state, SK_TWSESS_STOPPED);
		assert_int_equal(sc.next, 3);

		/* 3. The test keys our server derived verify owamp's test packets both ways. */
		assert_true(s->has_keys);
		enum sk_sec sec = sk_twmode_sec(cap->mode);
		for (size_t u = 0; u < cap->n_udp; u++) {
			uint8_t out[256];
			int ok = SK_HMAC_BAD;
			assert_true(cap->udp[u].len <= sizeof out);
			assert_int_equal(sk_twamp_test_unprotect(sec, cap->udp[u].from_reflector, s->test_aes,
								 s->test_hmac, cap->udp[u].p, cap->udp[u].len, out,
								 sizeof out, &ok),
					 SK_OK);
			assert_int_equal(ok, SK_HMAC_OK);
		}
	}
}

/* The recorded server choices for capture cap, from an observer on it. */
static void learn(const struct owv_capture *cap, struct recorded *rec)
{
	static struct sk_twsm obs;
	memset(rec, 0, sizeof *rec);
	struct sk_twsm_config oc = { .role = SK_TWSM_OBSERVER, .key_lookup = lookup,
				     .on_event = obs_event, .event_ctx = rec };
	assert_int_equal(sk_twsm_init(&obs, &oc), SK_OK);
	assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_S2C, cap->greeting, 64), SK_OK);
	assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_C2S, cap->setup, 164), SK_OK);
	assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_S2C, cap->server_start, 48), SK_OK);
	for (size_t i = 0; i < cap->n_c2s || i < cap->n_s2c; i++) {
		if (i < cap->n_c2s)
			assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_C2S, cap->c2s[i].p, cap->c2s[i].len), SK_OK);
		if (i < cap->n_s2c)
			assert_int_equal(sk_twsm_feed(&obs, SK_TWSM_S2C, cap->s2c[i].p, cap->s2c[i].len), SK_OK);
	}
}

/* Counts error events (each must be a state error: a command before its answer). */
static void count_errors(void *ctx, const struct sk_twsm_event *ev)
{
	if (ev->kind != SK_TWSM_EV_ERROR)
		return;
	assert_int_equal(ev->problem, SK_PROB_STATE);
	(*(int *)ctx)++;
}

/* Appends what the server queued to out. */
static void drain(struct sk_twsm *sm, uint8_t *out, size_t cap, size_t *n)
{
	size_t have = 0;
	const uint8_t *p = sk_twsm_output(sm, &have);
	assert_true(*n + have <= cap);
	memcpy(out + *n, p, have);
	*n += have;
	sk_twsm_output_consume(sm, have);
}

/* sk_twsm_feed_msg: owamp's whole client stream arriving in two reads split at every
 * possible point, each read fed message by message with the server answering in between.
 * Every call stops exactly at a message end or takes the rest of its read, and the server's
 * octets equal twampd's whatever the split. */
static void feed_msg_every_split(void **state)
{
	(void)state;
	static struct sk_twsm srv;
	for (size_t c = 0; c < sizeof owv_captures / sizeof owv_captures[0]; c++) {
		const struct owv_capture *cap = &owv_captures[c];
		struct recorded rec;
		learn(cap, &rec);
		/* The client stream and where its messages end; the server stream wanted. */
		uint8_t in[1024], want[1024];
		size_t ends[8], nends = 0, inlen = 0, wantlen = 0;
		memcpy(in, cap->setup, 164);
		inlen = 164;
		ends[nends++] = inlen;
		for (size_t i = 0; i < cap->n_c2s; i++) {
			assert_true(inlen + cap->c2s[i].len <= sizeof in);
			memcpy(in + inlen, cap->c2s[i].p, cap->c2s[i].len);
			inlen += cap->c2s[i].len;
			ends[nends++] = inlen;
		}
		memcpy(want, cap->greeting, 64);
		memcpy(want + 64, cap->server_start, 48);
		wantlen = 112;
		for (size_t i = 0; i < cap->n_s2c; i++) {
			memcpy(want + wantlen, cap->s2c[i].p, cap->s2c[i].len);
			wantlen += cap->s2c[i].len;
		}
		/* Fed whole, the plain feed runs into the next command before the answer. */
		{
			struct script sc = { { cap->greeting + 16, cap->greeting + 32, cap->server_start + 16 }, 0 };
			int errors = 0;
			struct sk_twsm_config cfg = {
				.role = SK_TWSM_SERVER, .modes = be32(cap->greeting + 12),
				.count = be32(cap->greeting + 48), .server_start_time = rec.start_time,
				.key_lookup = lookup, .random = scripted, .random_ctx = &sc,
				.on_event = count_errors, .event_ctx = &errors,
			};
			assert_int_equal(sk_twsm_init(&srv, &cfg), SK_OK);
			assert_int_equal(sk_twsm_feed(&srv, SK_TWSM_C2S, in, inlen), SK_E_STATE);
			assert_int_equal(errors, 1);
		}
		for (size_t split = 0; split <= inlen; split++) {
			struct script sc = { { cap->greeting + 16, cap->greeting + 32, cap->server_start + 16 }, 0 };
			struct sk_twsm_config cfg = {
				.role = SK_TWSM_SERVER, .modes = be32(cap->greeting + 12),
				.count = be32(cap->greeting + 48), .server_start_time = rec.start_time,
				.key_lookup = lookup, .random = scripted, .random_ctx = &sc,
				.on_event = srv_event, .event_ctx = &rec,
			};
			memset(&rec.requests, 0, sizeof rec - offsetof(struct recorded, requests));
			assert_int_equal(sk_twsm_init(&srv, &cfg), SK_OK);
			uint8_t out[1024];
			size_t outlen = 0;
			drain(&srv, out, sizeof out, &outlen);
			int answered_req = 0, answered_start = 0, calls = 0;
			const size_t reads[2][2] = { { 0, split }, { split, inlen } };
			for (int k = 0; k < 2; k++) {
				size_t off = reads[k][0], end = reads[k][1];
				while (off < end) {
					size_t used = 0;
					assert_int_equal(sk_twsm_feed_msg(&srv, SK_TWSM_C2S, in + off, end - off, &used),
							 SK_OK);
					assert_true(used > 0 && used <= end - off);
					off += used;
					calls++;
					int at_end = 0;
					for (size_t e = 0; e < nends; e++)
						at_end |= off == ends[e];
					assert_true(at_end || off == end);
					if (rec.requests > answered_req) {
						assert_true(at_end);
						assert_int_equal(sk_twsm_server_accept(&srv, 0, rec.port, rec.sid,
										       rec.server_octets), SK_OK);
						answered_req++;
					}
					if (rec.starts > answered_start) {
						assert_true(at_end);
						assert_int_equal(sk_twsm_server_start_ack(&srv, 0), SK_OK);
						answered_start++;
					}
					drain(&srv, out, sizeof out, &outlen);
				}
			}
			/* One call per message, plus one when a message straddles the split. */
			int straddles = 1;
			for (size_t e = 0; e < nends; e++)
				straddles &= split != ends[e];
			assert_int_equal(calls, (int)nends + (split > 0 && straddles));
			assert_int_equal(rec.requests, 1);
			assert_int_equal(rec.starts, 1);
			assert_int_equal(rec.stops, 1);
			assert_int_equal(outlen, wantlen);
			assert_memory_equal(out, want, wantlen);
			assert_int_equal(sk_twsm_session(&srv, 0)->state, SK_TWSESS_STOPPED);
		}
	}
	/* Bad arguments take nothing. */
	size_t used = 99;
	assert_int_equal(sk_twsm_feed_msg(NULL, SK_TWSM_C2S, NULL, 0, &used), SK_E_ARG);
	assert_int_equal(used, 0);
	used = 99;
	assert_int_equal(sk_twsm_feed_msg(&srv, SK_TWSM_S2C, (const uint8_t *)"x", 1, &used), SK_E_ARG);
	assert_int_equal(used, 0);
	/* A Set-Up-Response with Mode 0 (the client refuses) is taken whole and closes; a
	 * closed machine takes nothing more. */
	const struct owv_capture *cap = &owv_captures[0];
	struct script sc = { { cap->greeting + 16, cap->greeting + 32, cap->server_start + 16 }, 0 };
	int errors = 0;
	struct sk_twsm_config cfg = { .role = SK_TWSM_SERVER, .modes = be32(cap->greeting + 12),
				      .key_lookup = lookup, .random = scripted, .random_ctx = &sc,
				      .on_event = count_errors, .event_ctx = &errors };
	assert_int_equal(sk_twsm_init(&srv, &cfg), SK_OK);
	uint8_t refuse[164 + 16];
	memset(refuse, 0, sizeof refuse);
	assert_int_equal(sk_twsm_feed_msg(&srv, SK_TWSM_C2S, refuse, sizeof refuse, &used), SK_OK);
	assert_int_equal(used, 164);
	assert_int_equal(srv.state, SK_TWSM_CLOSED);
	assert_int_equal(sk_twsm_feed_msg(&srv, SK_TWSM_C2S, refuse + 164, 16, &used), SK_E_STATE);
	assert_int_equal(used, 0);
	assert_int_equal(errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay),
		cmocka_unit_test(feed_msg_every_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
