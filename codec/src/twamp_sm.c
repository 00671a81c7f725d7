/* SPDX-License-Identifier: BSD-3-Clause */
/* twamp_sm.c - TWAMP-Control connection state machine: bytes in, events and bytes out.
 * RFC 4656 §3.1-3.8 (setup, Token, control encryption and HMAC), RFC 5357 §3.1-3.8,
 * RFC 5618 §3 (mixed mode), RFC 5938 §3.2-3.5 (Start-N/Stop-N). */
#include <string.h>

#include "stampkit/crypto.h"
#include "stampkit/twamp_sm.h"

static const char *const state_names[] = {
	[SK_TWSM_WAIT_GREETING] = "wait-server-greeting",
	[SK_TWSM_WAIT_SETUP] = "wait-set-up-response",
	[SK_TWSM_WAIT_SERVER_START] = "wait-server-start",
	[SK_TWSM_WAIT_COMMAND] = "wait-command",
	[SK_TWSM_WAIT_ACCEPT] = "wait-accept-session",
	[SK_TWSM_WAIT_START_ACK] = "wait-start-ack",
	[SK_TWSM_WAIT_START_N_ACK] = "wait-start-n-ack",
	[SK_TWSM_WAIT_STOP_N_ACK] = "wait-stop-n-ack",
	[SK_TWSM_CLOSED] = "closed",
	[SK_TWSM_FAILED] = "failed",
};

const char *sk_twsm_state_name(enum sk_twsm_state s)
{
	if ((unsigned)s < sizeof state_names / sizeof state_names[0] && state_names[s])
		return state_names[s];
	return "unknown";
}

typedef union {
	struct sk_twctl_greeting greeting;
	struct sk_twctl_setup setup;
	struct sk_twctl_server_start server_start;
	struct sk_twctl_request request;
	struct sk_twctl_accept accept;
	struct sk_twctl_start start;
	struct sk_twctl_start_ack start_ack;
	struct sk_twctl_stop stop;
	struct sk_twctl_nsessions nsessions;
} msg_u;

static unsigned max_sessions(const struct sk_twsm *sm)
{
	unsigned m = sm->cfg.max_sessions;
	return (m == 0 || m > SK_TWSM_MAX_SESSIONS) ? SK_TWSM_MAX_SESSIONS : m;
}

static void emit(struct sk_twsm *sm, enum sk_twsm_evkind kind, enum sk_twctl_type type,
		 enum sk_twsm_dir dir, enum sk_result err, enum sk_problem prob, const char *msg,
		 const uint8_t *plain, size_t len, uint64_t off, int session, const msg_u *m)
{
	struct sk_twsm_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.type = type;
	ev.dir = dir;
	ev.err = err;
	ev.problem = prob;
	ev.msg = msg;
	ev.plain = plain;
	ev.len = len;
	ev.stream_off = off;
	ev.session = session;
	if (m)
		memcpy(&ev.m, m, sizeof *m);
	if (sm->cfg.on_event)
		sm->cfg.on_event(sm->cfg.event_ctx, &ev);
}

/* The message the state expects next, and from which side. need is its size, or the
 * 16-octet header when the length (or, for commands, the type) is in the first block. */
static int expect(const struct sk_twsm *sm, enum sk_twsm_dir *dir, enum sk_twctl_type *t, size_t *need)
{
	switch (sm->state) {
	case SK_TWSM_WAIT_GREETING: *dir = SK_TWSM_S2C, *t = SK_TWCTL_SERVER_GREETING; break;
	case SK_TWSM_WAIT_SETUP: *dir = SK_TWSM_C2S, *t = SK_TWCTL_SETUP_RESPONSE; break;
	case SK_TWSM_WAIT_SERVER_START: *dir = SK_TWSM_S2C, *t = SK_TWCTL_SERVER_START; break;
	case SK_TWSM_WAIT_COMMAND: *dir = SK_TWSM_C2S, *t = SK_TWCTL_NONE; break;
	case SK_TWSM_WAIT_ACCEPT: *dir = SK_TWSM_S2C, *t = SK_TWCTL_ACCEPT_SESSION; break;
	case SK_TWSM_WAIT_START_ACK: *dir = SK_TWSM_S2C, *t = SK_TWCTL_START_ACK; break;
	case SK_TWSM_WAIT_START_N_ACK: *dir = SK_TWSM_S2C, *t = SK_TWCTL_START_N_ACK; break;
	case SK_TWSM_WAIT_STOP_N_ACK: *dir = SK_TWSM_S2C, *t = SK_TWCTL_STOP_N_ACK; break;
	default: return 0;
	}
	if (*t == SK_TWCTL_NONE || *t == SK_TWCTL_START_N_ACK || *t == SK_TWCTL_STOP_N_ACK)
		*need = SK_TWCTL_N_HDR_LEN;
	else
		*need = sk_twctl_size(*t, 0);
	return 1;
}

static int has_hmac(enum sk_twctl_type t)
{
	return t != SK_TWCTL_SERVER_GREETING && t != SK_TWCTL_SETUP_RESPONSE &&
	       t != SK_TWCTL_SERVER_START && t != SK_TWCTL_NONE;
}

static int find_requested(const struct sk_twsm *sm)
{
	for (unsigned i = 0; i < sm->nsessions; i++)
		if (sm->sessions[i].state == SK_TWSESS_REQUESTED)
			return (int)i;
	return -1;
}

static struct sk_twsm_session *by_sid(struct sk_twsm *sm, const uint8_t *sid)
{
	for (unsigned i = 0; i < sm->nsessions; i++)
		if (sm->sessions[i].state != SK_TWSESS_REQUESTED && !memcmp(sm->sessions[i].sid, sid, 16))
			return &sm->sessions[i];
	return NULL;
}

/* State and session bookkeeping common to received and sent messages. Returns the session
 * index the message concerns, or -1. */
static int apply(struct sk_twsm *sm, enum sk_twctl_type t, const msg_u *m)
{
	int idx = -1;
	switch (t) {
	case SK_TWCTL_SERVER_GREETING:
		sm->greeting = m->greeting;
		sm->state = m->greeting.modes ? SK_TWSM_WAIT_SETUP : SK_TWSM_CLOSED;
		break;
	case SK_TWCTL_SETUP_RESPONSE:
		sm->mode = m->setup.mode;
		if (sm->keys)
			sk_twctl_cipher_init(&sm->cipher[SK_TWSM_C2S], sm->aes_key, sm->hmac_key,
					     m->setup.client_iv);
		sm->state = m->setup.mode ? SK_TWSM_WAIT_SERVER_START : SK_TWSM_CLOSED;
		break;
	case SK_TWCTL_SERVER_START:
		if (m->server_start.accept) {
			sm->state = SK_TWSM_CLOSED;
			break;
		}
		sm->encrypted = (sm->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED)) != 0;
		sm->state = SK_TWSM_WAIT_COMMAND;
		break;
	case SK_TWCTL_REQUEST_TW_SESSION:
		if (sm->nsessions < max_sessions(sm)) {
			idx = (int)sm->nsessions++;
			struct sk_twsm_session *s = &sm->sessions[idx];
			const struct sk_twctl_request *r = &m->request;
			memset(s, 0, sizeof *s);
			s->state = SK_TWSESS_REQUESTED;
			s->ipvn = r->ipvn;
			memcpy(s->sender_address, r->sender_address, 16);
			memcpy(s->receiver_address, r->receiver_address, 16);
			s->sender_port = r->sender_port;
			s->requested_port = r->receiver_port;
			s->padding_length = r->padding_length;
			s->start_time = r->start_time;
			s->timeout = r->timeout;
			s->type_p = r->type_p;
			s->octets_reflected = r->octets_reflected;
			s->padding_reflected = r->padding_reflected;
			s->mode = sm->mode & SK_TWMODE_SECURITY_MASK;
		}
		sm->state = SK_TWSM_WAIT_ACCEPT;
		break;
	case SK_TWCTL_ACCEPT_SESSION:
		/* The n-th Accept-Session answers the n-th Request-TW-Session. */
		idx = find_requested(sm);
		if (idx >= 0) {
			struct sk_twsm_session *s = &sm->sessions[idx];
			const struct sk_twctl_accept *a = &m->accept;
			s->accept = a->accept;
			s->state = a->accept ? SK_TWSESS_REJECTED : SK_TWSESS_ACCEPTED;
			memcpy(s->sid, a->sid, 16);
			s->reflector_port = a->port;
			s->server_octets = a->server_octets;
			if (!a->accept && sm->keys && (s->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT)))
				s->has_keys = sk_twamp_test_keys(s->sid, sm->aes_key, sm->hmac_key, s->test_aes,
								 s->test_hmac) == SK_OK;
		}
		sm->state = SK_TWSM_WAIT_COMMAND;
		break;
	case SK_TWCTL_START_SESSIONS:
		sm->state = SK_TWSM_WAIT_START_ACK;
		break;
	case SK_TWCTL_START_ACK:
		if (!m->start_ack.accept)
			for (unsigned i = 0; i < sm->nsessions; i++)
				if (sm->sessions[i].state == SK_TWSESS_ACCEPTED)
					sm->sessions[i].state = SK_TWSESS_STARTED;
		sm->state = SK_TWSM_WAIT_COMMAND;
		break;
	case SK_TWCTL_STOP_SESSIONS:
		for (unsigned i = 0; i < sm->nsessions; i++)
			if (sm->sessions[i].state == SK_TWSESS_ACCEPTED || sm->sessions[i].state == SK_TWSESS_STARTED)
				sm->sessions[i].state = SK_TWSESS_STOPPED;
		sm->state = SK_TWSM_WAIT_COMMAND;
		break;
	case SK_TWCTL_START_N_SESSIONS:
	case SK_TWCTL_STOP_N_SESSIONS: {
		uint32_t n = m->nsessions.nsessions;
		if (n > SK_TWSM_MAX_SESSIONS)
			n = SK_TWSM_MAX_SESSIONS;
		if (n && m->nsessions.sids)
			memcpy(sm->pending_n, m->nsessions.sids, (size_t)n * 16);
		sm->pending_n_count = n;
		sm->state = t == SK_TWCTL_START_N_SESSIONS ? SK_TWSM_WAIT_START_N_ACK : SK_TWSM_WAIT_STOP_N_ACK;
		break;
	}
	case SK_TWCTL_START_N_ACK:
	case SK_TWCTL_STOP_N_ACK:
		if (!m->nsessions.accept)
			for (uint32_t i = 0; i < sm->pending_n_count; i++) {
				struct sk_twsm_session *s = by_sid(sm, sm->pending_n[i]);
				if (s && s->state != SK_TWSESS_REJECTED)
					s->state = t == SK_TWCTL_START_N_ACK ? SK_TWSESS_STARTED : SK_TWSESS_STOPPED;
			}
		sm->pending_n_count = 0;
		sm->state = SK_TWSM_WAIT_COMMAND;
		break;
	default:
		break;
	}
	return idx;
}

static enum sk_twsm_dir own_dir(const struct sk_twsm *sm)
{
	return sm->cfg.role == SK_TWSM_SERVER ? SK_TWSM_S2C : SK_TWSM_C2S;
}

/* Encode, add the HMAC and encrypt as the connection requires, queue, and apply. */
static enum sk_result send_msg(struct sk_twsm *sm, enum sk_twctl_type t, msg_u *m, int *idx)
{
	uint8_t buf[SK_TWSM_MAX_MSG];
	size_t len = 0;
	enum sk_result r;
	if ((r = sk_twctl_encode(t, m, buf, sizeof buf, &len)) != SK_OK)
		return r;
	if (has_hmac(t))
		memset(buf + len - 16, 0, 16); /* unauthenticated: zero; otherwise written below */
	if (SK_TWSM_OUT_CAP - sm->out_len < len)
		return SK_E_NOSPACE;
	/* Decode our own plaintext back so the bookkeeping sees exactly what goes on the wire
	 * (and sids point into a buffer that outlives this call). */
	msg_u d;
	memset(&d, 0, sizeof d);
	if ((r = sk_twctl_decode(t, buf, len, &d, NULL, NULL)) != SK_OK)
		return r;
	uint8_t *o = sm->out + sm->out_len;
	memcpy(o, buf, len);
	if (sm->encrypted && has_hmac(t)) {
		if ((r = sk_twctl_encrypt_msg(&sm->cipher[own_dir(sm)], o, len)) != SK_OK)
			return r;
	} else if (t == SK_TWCTL_SERVER_START && !d.server_start.accept && sm->keys &&
		   (sm->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED))) {
		/* RFC 4656 §3.1: Start-Time and the MBZ after it are encrypted with Server-IV
		 * and open the server->client chain. */
		if ((r = sk_twctl_server_start_encrypt(&sm->cipher[SK_TWSM_S2C], sm->aes_key, sm->hmac_key,
							o, len)) != SK_OK)
			return r;
	}
	sm->out_len += len;
	uint64_t off = sm->tx_off;
	sm->tx_off += len;
	int i = apply(sm, t, &d);
	if (idx)
		*idx = i;
	if (sm->cfg.report_sent)
		emit(sm, SK_TWSM_EV_SENT, t, own_dir(sm), SK_OK, SK_PROB_NONE, NULL, buf, len, off, i, &d);
	return SK_OK;
}

static enum sk_result fail(struct sk_twsm *sm, enum sk_result err, enum sk_problem prob,
			   enum sk_twctl_type t, enum sk_twsm_dir dir, const char *msg, const uint8_t *p,
			   size_t len, uint64_t off)
{
	sm->state = SK_TWSM_FAILED;
	emit(sm, SK_TWSM_EV_ERROR, t, dir, err, prob, msg, p, len, off, -1, NULL);
	return err;
}

static void fill_random(struct sk_twsm *sm, uint8_t *p, size_t n)
{
	sm->cfg.random(sm->cfg.random_ctx, p, n);
}

/* Server: answer a Set-Up-Response with Server-Start. */
static enum sk_result server_start(struct sk_twsm *sm, uint8_t accept)
{
	msg_u m;
	memset(&m, 0, sizeof m);
	m.server_start.accept = accept;
	fill_random(sm, m.server_start.server_iv, 16);
	m.server_start.start_time = accept ? 0 : sm->cfg.server_start_time;
	return send_msg(sm, SK_TWCTL_SERVER_START, &m, NULL);
}

/* Server and observer: recover the session keys from the Token. SK_PROB_NONE when they
 * are, else the kind of failure with *why its text. */
static enum sk_problem check_token(struct sk_twsm *sm, const struct sk_twctl_setup *s,
				   const char **why)
{
	const uint8_t *secret = NULL;
	size_t slen = 0;
	if (!sm->cfg.key_lookup || sm->cfg.key_lookup(sm->cfg.key_ctx, s->keyid, &secret, &slen) != 0) {
		*why = "no shared secret for this KeyID";
		return SK_PROB_NO_KEY;
	}
	uint8_t dk[16], challenge[16];
	if (sk_twamp_kdf(secret, slen, sm->greeting.salt, sm->greeting.count, dk) != SK_OK ||
	    sk_twamp_token_decrypt(dk, s->token, challenge, sm->aes_key, sm->hmac_key) != SK_OK) {
		*why = "Token could not be decrypted";
		return SK_PROB_DECRYPT;
	}
	if (!sk_hmac_equal(challenge, sm->greeting.challenge)) {
		*why = "Token does not carry the Challenge: wrong shared secret";
		return SK_PROB_WRONG_KEY;
	}
	sm->keys = 1;
	return SK_PROB_NONE;
}

static enum sk_twctl_type command_type(uint8_t cmd)
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

/* A whole message is in rx (decrypted): check, decode, apply, emit. */
static enum sk_result process(struct sk_twsm *sm, enum sk_twsm_dir dir)
{
	struct sk_twsm_rx *rx = &sm->rx[dir];
	enum sk_twctl_type t = rx->type;
	msg_u m;
	memset(&m, 0, sizeof m);
	struct sk_error e;
	memset(&e, 0, sizeof e);
	if (sk_twctl_decode(t, rx->buf, rx->have, &m, NULL, &e) != SK_OK)
		return fail(sm, SK_E_INVALID, SK_PROB_INVALID, t, dir, "malformed message", rx->buf,
			    rx->have, rx->stream_off);
	if (t == SK_TWCTL_SETUP_RESPONSE) {
		uint32_t sec = m.setup.mode & SK_TWMODE_SECURITY_MASK;
		if (sec & (sec - 1))
			return fail(sm, SK_E_INVALID, SK_PROB_INVALID, t, dir,
				    "Mode has more than one security bit", rx->buf,
				    rx->have, rx->stream_off);
		const char *why = NULL;
		enum sk_problem prob = SK_PROB_NONE;
		uint8_t accept = 0;
		if (sec & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED))
			prob = check_token(sm, &m.setup, &why);
		/* RFC 4656 §3.1: the Mode is chosen among those offered; a feature bit that was
		 * not offered asks for test packets this server does not produce, and a non-zero
		 * Mode without a security bit (0x400) is no mode that was offered at all. Mode 0
		 * alone declines: closed without Server-Start. */
		if (sm->cfg.role == SK_TWSM_SERVER && m.setup.mode &&
		    (!sec || !(sec & sm->greeting.modes) || (m.setup.mode & ~sm->greeting.modes)))
			accept = 3;
		int idx = apply(sm, t, &m);
		if (prob != SK_PROB_NONE) {
			emit(sm, SK_TWSM_EV_ERROR, t, dir, SK_E_AUTH, prob, why, rx->buf, rx->have,
			     rx->stream_off, -1, &m);
			if (sm->cfg.role == SK_TWSM_SERVER)
				(void)server_start(sm, 1);
			sm->state = sm->cfg.role == SK_TWSM_SERVER ? SK_TWSM_CLOSED : SK_TWSM_FAILED;
			return SK_E_AUTH;
		}
		emit(sm, SK_TWSM_EV_MESSAGE, t, dir, SK_OK, SK_PROB_NONE, NULL, rx->buf, rx->have,
		     rx->stream_off, idx, &m);
		if (sm->cfg.role == SK_TWSM_SERVER && sm->state == SK_TWSM_WAIT_SERVER_START) {
			enum sk_result r = server_start(sm, accept);
			if (r != SK_OK)
				return fail(sm, r, SK_PROB_LIMIT, t, dir, "cannot queue Server-Start", NULL, 0,
					    rx->stream_off);
		}
		return SK_OK;
	}
	int idx = apply(sm, t, &m);
	emit(sm, SK_TWSM_EV_MESSAGE, t, dir, SK_OK, SK_PROB_NONE, NULL, rx->buf, rx->have,
	     rx->stream_off, idx, &m);
	return SK_OK;
}

/* The first block of the message in rx, in clear: peeked through the cipher when encrypted. */
static enum sk_result header(struct sk_twsm *sm, enum sk_twsm_dir dir, uint8_t hdr[16])
{
	struct sk_twsm_rx *rx = &sm->rx[dir];
	if (!sm->encrypted) {
		memcpy(hdr, rx->buf, 16);
		return SK_OK;
	}
	return sk_twctl_peek(&sm->cipher[dir], rx->buf, hdr);
}

/* The whole message is in rx: make it plaintext and check its HMAC. On failure *why and
 * *prob say what went wrong. */
static enum sk_result unprotect(struct sk_twsm *sm, enum sk_twsm_dir dir, const char **why,
				enum sk_problem *prob)
{
	struct sk_twsm_rx *rx = &sm->rx[dir];
	if (sm->encrypted && has_hmac(rx->type)) {
		int ok = SK_HMAC_BAD;
		if (sk_twctl_decrypt_msg(&sm->cipher[dir], rx->buf, rx->have, &ok) != SK_OK) {
			*why = "decryption failed";
			*prob = SK_PROB_DECRYPT;
			return SK_E_CRYPTO;
		}
		/* SK_HMAC_OK_ALT (Accept-Session HMAC without the Server-Start block) is a
		 * reading some peers may use: accepted. */
		if (ok == SK_HMAC_BAD) {
			*why = "HMAC check failed";
			*prob = SK_PROB_HMAC_BAD;
			return SK_E_AUTH;
		}
	} else if (rx->type == SK_TWCTL_SERVER_START && rx->buf[15] == 0 && sm->keys &&
		   (sm->mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED))) {
		if (sk_twctl_server_start_decrypt(&sm->cipher[SK_TWSM_S2C], sm->aes_key, sm->hmac_key,
						  rx->buf, rx->have) != SK_OK) {
			*why = "Server-Start decryption failed";
			*prob = SK_PROB_DECRYPT;
			return SK_E_CRYPTO;
		}
	}
	return SK_OK;
}

/* Takes octets of p into the machine; with one_msg, stops right after the first whole
 * message was processed. *used: octets taken (buffered or processed). */
static enum sk_result feed(struct sk_twsm *sm, enum sk_twsm_dir dir, const uint8_t *p, size_t len,
			   int one_msg, size_t *used)
{
	*used = 0;
	if (!sm || (dir != SK_TWSM_C2S && dir != SK_TWSM_S2C) || (!p && len))
		return SK_E_ARG;
	if ((sm->cfg.role == SK_TWSM_CLIENT && dir != SK_TWSM_S2C) ||
	    (sm->cfg.role == SK_TWSM_SERVER && dir != SK_TWSM_C2S))
		return SK_E_ARG;
	const size_t total = len;
	while (len) {
		if (sm->state == SK_TWSM_FAILED || sm->state == SK_TWSM_CLOSED)
			return SK_E_STATE;
		struct sk_twsm_rx *rx = &sm->rx[dir];
		if (rx->need == 0) {
			enum sk_twsm_dir want;
			enum sk_twctl_type t;
			size_t need;
			if (!expect(sm, &want, &t, &need) || want != dir) {
				enum sk_twctl_type g = sm->encrypted ? SK_TWCTL_NONE
					: sk_twctl_guess(p, len, dir == SK_TWSM_C2S ? SK_TWCTL_DIR_C2S
										     : SK_TWCTL_DIR_S2C);
				return fail(sm, SK_E_STATE, SK_PROB_STATE, g, dir,
					    dir == SK_TWSM_C2S ? "unexpected message from the client"
							       : "unexpected message from the server",
					    p, len, rx->stream_off);
			}
			rx->type = t;
			rx->need = need;
			rx->have = 0;
			rx->sized = t != SK_TWCTL_NONE && t != SK_TWCTL_START_N_ACK && t != SK_TWCTL_STOP_N_ACK;
		}
		size_t n = rx->need - rx->have;
		if (n > len)
			n = len;
		memcpy(rx->buf + rx->have, p, n);
		rx->have += n;
		p += n;
		len -= n;
		*used = total - len;
		if (rx->have < rx->need)
			continue;
		uint8_t hdr[16];
		if (!rx->sized && header(sm, dir, hdr) != SK_OK)
			return fail(sm, SK_E_CRYPTO, SK_PROB_DECRYPT, rx->type, dir, "decryption failed",
				    NULL, 0, rx->stream_off);
		if (rx->type == SK_TWCTL_NONE) {
			uint8_t cmd = hdr[0];
			rx->type = command_type(cmd);
			if (rx->type == SK_TWCTL_NONE) {
				/* An assigned number this machine does not handle (Experimentation,
				 * Request-TW-Micro-Sessions, OWAMP's) is not a malformed message. */
				int known = cmd && sk_vs_name(sk_twamp_command_names, cmd);
				return fail(sm, known ? SK_E_UNSUPPORTED : SK_E_INVALID,
					    known ? SK_PROB_UNSUPPORTED : SK_PROB_INVALID, SK_TWCTL_NONE, dir,
					    sk_vs_name(sk_twamp_command_names, cmd) ? "command not supported"
										    : "unknown command",
					    rx->buf, rx->have, rx->stream_off);
			}
			rx->sized = rx->type != SK_TWCTL_START_N_SESSIONS && rx->type != SK_TWCTL_STOP_N_SESSIONS;
			if (rx->sized)
				rx->need = sk_twctl_size(rx->type, 0);
		}
		if (!rx->sized) {
			size_t need = 0;
			if (hdr[0] != (rx->type == SK_TWCTL_START_N_ACK ? SK_TWCMD_START_N_ACK
				       : rx->type == SK_TWCTL_STOP_N_ACK ? SK_TWCMD_STOP_N_ACK : hdr[0]))
				return fail(sm, SK_E_INVALID, SK_PROB_INVALID, rx->type, dir,
					    "wrong command number", rx->buf, rx->have, rx->stream_off);
			if (sk_twctl_needed(rx->type, hdr, 16, &need) != SK_OK || need > SK_TWSM_MAX_MSG)
				return fail(sm, SK_E_NOSPACE, SK_PROB_LIMIT, rx->type, dir,
					    "more sessions than this connection holds", rx->buf, rx->have,
					    rx->stream_off);
			rx->need = need;
			rx->sized = 1;
		}
		if (rx->have < rx->need)
			continue;
		const char *why = NULL;
		enum sk_problem prob = SK_PROB_NONE;
		enum sk_result r = unprotect(sm, dir, &why, &prob);
		if (r != SK_OK)
			return fail(sm, r, prob, rx->type, dir, why, rx->buf, rx->have, rx->stream_off);
		r = process(sm, dir);
		rx->stream_off += rx->have;
		rx->need = 0;
		rx->have = 0;
		if (r != SK_OK || one_msg)
			return r;
	}
	return SK_OK;
}

enum sk_result sk_twsm_feed(struct sk_twsm *sm, enum sk_twsm_dir dir, const uint8_t *p, size_t len)
{
	size_t used;
	return feed(sm, dir, p, len, 0, &used);
}

enum sk_result sk_twsm_feed_msg(struct sk_twsm *sm, enum sk_twsm_dir dir, const uint8_t *p,
				size_t len, size_t *used)
{
	size_t u;
	enum sk_result r = feed(sm, dir, p, len, 1, &u);
	if (used)
		*used = u;
	return r;
}

enum sk_result sk_twsm_init(struct sk_twsm *sm, const struct sk_twsm_config *cfg)
{
	if (!sm || !cfg || !cfg->on_event)
		return SK_E_ARG;
	if (cfg->role != SK_TWSM_OBSERVER && !cfg->random)
		return SK_E_ARG;
	if (cfg->role != SK_TWSM_CLIENT && cfg->role != SK_TWSM_SERVER && cfg->role != SK_TWSM_OBSERVER)
		return SK_E_ARG;
	memset(sm, 0, sizeof *sm);
	sm->cfg = *cfg;
	sm->state = SK_TWSM_WAIT_GREETING;
	if (cfg->role == SK_TWSM_SERVER) {
		msg_u m;
		memset(&m, 0, sizeof m);
		m.greeting.modes = cfg->modes;
		m.greeting.count = cfg->count ? cfg->count : 1024;
		fill_random(sm, m.greeting.challenge, 16);
		fill_random(sm, m.greeting.salt, 16);
		return send_msg(sm, SK_TWCTL_SERVER_GREETING, &m, NULL);
	}
	return SK_OK;
}

const uint8_t *sk_twsm_output(const struct sk_twsm *sm, size_t *len)
{
	*len = sm->out_len;
	return sm->out;
}

void sk_twsm_output_consume(struct sk_twsm *sm, size_t n)
{
	if (n >= sm->out_len) {
		sm->out_len = 0;
		return;
	}
	memmove(sm->out, sm->out + n, sm->out_len - n);
	sm->out_len -= n;
}

static enum sk_result need_role_state(const struct sk_twsm *sm, enum sk_twsm_role role,
				      enum sk_twsm_state st)
{
	if (sm->cfg.role != role)
		return SK_E_ARG;
	return sm->state == st ? SK_OK : SK_E_STATE;
}

enum sk_result sk_twsm_client_setup(struct sk_twsm *sm, uint32_t mode, const char *keyid,
				    const void *secret, size_t secret_len)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_CLIENT, SK_TWSM_WAIT_SETUP);
	if (r != SK_OK)
		return r;
	uint32_t sec = mode & SK_TWMODE_SECURITY_MASK;
	if (sec & (sec - 1))
		return SK_E_ARG;
	if (sec && !(sec & sm->greeting.modes))
		return SK_E_UNSUPPORTED; /* the server did not offer it */
	msg_u m;
	memset(&m, 0, sizeof m);
	m.setup.mode = mode;
	fill_random(sm, m.setup.client_iv, 16);
	if (sec & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED)) {
		if (!keyid || (!secret && secret_len))
			return SK_E_ARG;
		size_t kl = strnlen(keyid, SK_TWCTL_KEYID_LEN);
		memcpy(m.setup.keyid, keyid, kl);
		fill_random(sm, sm->aes_key, 16);
		fill_random(sm, sm->hmac_key, 32);
		uint8_t dk[16];
		if ((r = sk_twamp_kdf(secret, secret_len, sm->greeting.salt, sm->greeting.count, dk)) != SK_OK)
			return r;
		if ((r = sk_twamp_token_encrypt(dk, sm->greeting.challenge, sm->aes_key, sm->hmac_key,
						m.setup.token)) != SK_OK)
			return r;
		sm->keys = 1;
	}
	return send_msg(sm, SK_TWCTL_SETUP_RESPONSE, &m, NULL);
}

enum sk_result sk_twsm_client_request(struct sk_twsm *sm, const struct sk_twctl_request *req, int *index)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_CLIENT, SK_TWSM_WAIT_COMMAND);
	if (r != SK_OK)
		return r;
	if (!req)
		return SK_E_ARG;
	if (sm->nsessions >= max_sessions(sm))
		return SK_E_NOSPACE;
	msg_u m;
	memset(&m, 0, sizeof m);
	m.request = *req;
	m.request.command = SK_TWCMD_REQUEST_TW_SESSION;
	memset(m.request.sid, 0, 16);
	if (m.request.ipvn != 4 && m.request.ipvn != 6)
		return SK_E_ARG;
	return send_msg(sm, SK_TWCTL_REQUEST_TW_SESSION, &m, index);
}

enum sk_result sk_twsm_client_start(struct sk_twsm *sm)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_CLIENT, SK_TWSM_WAIT_COMMAND);
	if (r != SK_OK)
		return r;
	msg_u m;
	memset(&m, 0, sizeof m);
	m.start.command = SK_TWCMD_START_SESSIONS;
	return send_msg(sm, SK_TWCTL_START_SESSIONS, &m, NULL);
}

enum sk_result sk_twsm_client_stop(struct sk_twsm *sm, uint8_t accept)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_CLIENT, SK_TWSM_WAIT_COMMAND);
	if (r != SK_OK)
		return r;
	msg_u m;
	memset(&m, 0, sizeof m);
	m.stop.command = SK_TWCMD_STOP_SESSIONS;
	m.stop.accept = accept;
	for (unsigned i = 0; i < sm->nsessions; i++)
		if (sm->sessions[i].state == SK_TWSESS_ACCEPTED || sm->sessions[i].state == SK_TWSESS_STARTED)
			m.stop.nsessions++;
	return send_msg(sm, SK_TWCTL_STOP_SESSIONS, &m, NULL);
}

static enum sk_result client_n(struct sk_twsm *sm, enum sk_twctl_type t, const uint8_t (*sids)[16],
			       uint32_t n)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_CLIENT, SK_TWSM_WAIT_COMMAND);
	if (r != SK_OK)
		return r;
	if (!(sm->mode & SK_TWMODE_INDIVIDUAL))
		return SK_E_UNSUPPORTED; /* RFC 5938 needs Modes bit 4 in the Set-Up-Response */
	if (n > SK_TWSM_MAX_SESSIONS || (n && !sids))
		return SK_E_ARG;
	msg_u m;
	memset(&m, 0, sizeof m);
	m.nsessions.nsessions = n;
	m.nsessions.sids = n ? sids[0] : NULL;
	return send_msg(sm, t, &m, NULL);
}

enum sk_result sk_twsm_client_start_n(struct sk_twsm *sm, const uint8_t (*sids)[16], uint32_t n)
{
	return client_n(sm, SK_TWCTL_START_N_SESSIONS, sids, n);
}

enum sk_result sk_twsm_client_stop_n(struct sk_twsm *sm, const uint8_t (*sids)[16], uint32_t n)
{
	return client_n(sm, SK_TWCTL_STOP_N_SESSIONS, sids, n);
}

enum sk_result sk_twsm_server_accept(struct sk_twsm *sm, uint8_t accept, uint16_t port,
				     const uint8_t sid[16], uint16_t server_octets)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_SERVER, SK_TWSM_WAIT_ACCEPT);
	if (r != SK_OK)
		return r;
	if (!accept && !sid)
		return SK_E_ARG;
	msg_u m;
	memset(&m, 0, sizeof m);
	m.accept.accept = accept;
	m.accept.port = port;
	if (sid)
		memcpy(m.accept.sid, sid, 16);
	int idx = find_requested(sm);
	if (idx >= 0 && (sm->mode & SK_TWMODE_REFLECT_OCTETS))
		m.accept.reflected_octets = sm->sessions[idx].octets_reflected;
	m.accept.server_octets = server_octets;
	return send_msg(sm, SK_TWCTL_ACCEPT_SESSION, &m, NULL);
}

enum sk_result sk_twsm_server_start_ack(struct sk_twsm *sm, uint8_t accept)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_SERVER, SK_TWSM_WAIT_START_ACK);
	if (r != SK_OK)
		return r;
	msg_u m;
	memset(&m, 0, sizeof m);
	m.start_ack.accept = accept;
	return send_msg(sm, SK_TWCTL_START_ACK, &m, NULL);
}

static enum sk_result server_n_ack(struct sk_twsm *sm, enum sk_twsm_state st, enum sk_twctl_type t,
				   uint8_t accept)
{
	enum sk_result r = need_role_state(sm, SK_TWSM_SERVER, st);
	if (r != SK_OK)
		return r;
	/* The ack lists the SIDs of the command it answers. */
	uint8_t sids[SK_TWSM_MAX_SESSIONS][16];
	uint32_t n = sm->pending_n_count;
	memcpy(sids, sm->pending_n, (size_t)n * 16);
	msg_u m;
	memset(&m, 0, sizeof m);
	m.nsessions.accept = accept;
	m.nsessions.nsessions = n;
	m.nsessions.sids = n ? sids[0] : NULL;
	return send_msg(sm, t, &m, NULL);
}

enum sk_result sk_twsm_server_start_n_ack(struct sk_twsm *sm, uint8_t accept)
{
	return server_n_ack(sm, SK_TWSM_WAIT_START_N_ACK, SK_TWCTL_START_N_ACK, accept);
}

enum sk_result sk_twsm_server_stop_n_ack(struct sk_twsm *sm, uint8_t accept)
{
	return server_n_ack(sm, SK_TWSM_WAIT_STOP_N_ACK, SK_TWCTL_STOP_N_ACK, accept);
}

unsigned sk_twsm_session_count(const struct sk_twsm *sm) { return sm->nsessions; }

const struct sk_twsm_session *sk_twsm_session(const struct sk_twsm *sm, unsigned i)
{
	return i < sm->nsessions ? &sm->sessions[i] : NULL;
}

const struct sk_twsm_session *sk_twsm_find_session(const struct sk_twsm *sm, const uint8_t sid[16])
{
	for (unsigned i = 0; i < sm->nsessions; i++)
		if (sm->sessions[i].state != SK_TWSESS_REQUESTED && !memcmp(sm->sessions[i].sid, sid, 16))
			return &sm->sessions[i];
	return NULL;
}
