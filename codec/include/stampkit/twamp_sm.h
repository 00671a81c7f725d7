/* SPDX-License-Identifier: BSD-3-Clause */
/* twamp_sm.h - TWAMP-Control connection state machine without I/O (client, server, observer).
 * RFC 4656 §3 (connection setup, control encryption), RFC 5357 §3, RFC 5618, RFC 5938. */
#ifndef STAMPKIT_TWAMP_SM_H
#define STAMPKIT_TWAMP_SM_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/crypto.h"
#include "stampkit/result.h"
#include "stampkit/twamp_control.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Compile-time bounds: no allocation anywhere. A connection holds at most
 * SK_TWSM_MAX_SESSIONS sessions (config.max_sessions may lower it), so the largest message
 * is an RFC 5938 one listing all of them. */
#ifndef SK_TWSM_MAX_SESSIONS
#define SK_TWSM_MAX_SESSIONS 32
#endif
#define SK_TWSM_MAX_MSG (SK_TWCTL_N_BASE_LEN + 16 * SK_TWSM_MAX_SESSIONS)
#define SK_TWSM_OUT_CAP (4 * SK_TWSM_MAX_MSG)

enum sk_twsm_role { SK_TWSM_CLIENT, SK_TWSM_SERVER, SK_TWSM_OBSERVER };
enum sk_twsm_dir { SK_TWSM_C2S = 0, SK_TWSM_S2C = 1 };

/* What the connection waits for next (one exchange at a time: TWAMP-Control is strictly
 * request/response, so one state describes both directions). */
enum sk_twsm_state {
	SK_TWSM_WAIT_GREETING,     /* s2c Server-Greeting */
	SK_TWSM_WAIT_SETUP,        /* c2s Set-Up-Response */
	SK_TWSM_WAIT_SERVER_START, /* s2c Server-Start */
	SK_TWSM_WAIT_COMMAND,      /* c2s command: Request-TW-Session, Start/Stop(-N) */
	SK_TWSM_WAIT_ACCEPT,       /* s2c Accept-Session */
	SK_TWSM_WAIT_START_ACK,    /* s2c Start-Ack */
	SK_TWSM_WAIT_START_N_ACK,  /* s2c Start-N-Ack */
	SK_TWSM_WAIT_STOP_N_ACK,   /* s2c Stop-N-Ack */
	SK_TWSM_CLOSED,            /* refused (Modes 0, Mode 0, Accept != 0): nothing more may come */
	SK_TWSM_FAILED             /* protocol error: the connection must be closed */
};
const char *sk_twsm_state_name(enum sk_twsm_state s);

enum sk_twsm_sess_state {
	SK_TWSESS_REQUESTED, /* Request-TW-Session seen, no Accept-Session yet */
	SK_TWSESS_ACCEPTED,
	SK_TWSESS_REJECTED,  /* Accept-Session with Accept != 0 */
	SK_TWSESS_STARTED,
	SK_TWSESS_STOPPED
};

/* One test session as negotiated: what a decoder needs to find and decrypt the test flow. */
struct sk_twsm_session {
	enum sk_twsm_sess_state state;
	uint8_t sid[16];
	uint8_t ipvn;
	uint8_t sender_address[16];   /* as requested (all zero: the control connection's) */
	uint8_t receiver_address[16];
	uint16_t sender_port;         /* Session-Sender UDP port */
	uint16_t requested_port;      /* Receiver Port asked for */
	uint16_t reflector_port;      /* Port in Accept-Session: what the reflector uses */
	uint32_t padding_length;
	uint64_t start_time, timeout;
	uint32_t type_p;
	uint16_t octets_reflected, padding_reflected, server_octets; /* RFC 6038 */
	uint8_t accept;
	uint32_t mode;                /* security mode of the connection (1, 2, 4 or 8) */
	int has_keys;                 /* 1 when test_aes/test_hmac are set (modes 2 and 4) */
	uint8_t test_aes[16];
	uint8_t test_hmac[32];
};

enum sk_twsm_evkind {
	SK_TWSM_EV_MESSAGE, /* a whole message arrived and was accepted */
	SK_TWSM_EV_SENT,    /* this side queued a message (only with config.report_sent); plain
			       is its plaintext with the HMAC field shown as zero */
	SK_TWSM_EV_ERROR    /* err says what: SK_E_STATE, SK_E_INVALID, SK_E_AUTH, SK_E_UNSUPPORTED,
			       SK_E_NOSPACE, SK_E_CRYPTO */
};

struct sk_twsm_event {
	enum sk_twsm_evkind kind;
	enum sk_twctl_type type;   /* message type (SK_TWCTL_NONE when it could not be told) */
	enum sk_twsm_dir dir;
	enum sk_result err;        /* SK_OK for EV_MESSAGE */
	enum sk_problem problem;   /* EV_ERROR: what went wrong (SK_PROB_NO_KEY, SK_PROB_WRONG_KEY,
				      SK_PROB_HMAC_BAD, SK_PROB_STATE, ...); else SK_PROB_NONE */
	const char *msg;           /* error detail (English, for people), or NULL */
	const uint8_t *plain;      /* EV_MESSAGE: the message's plaintext (decrypted); EV_ERROR: the
				      octets concerned (may be ciphertext or NULL). Valid in the callback */
	size_t len;
	uint64_t stream_off;       /* offset of the message in its direction's byte stream */
	int session;               /* index of the session concerned (Request/Accept), else -1 */
	union {
		struct sk_twctl_greeting greeting;
		struct sk_twctl_setup setup;
		struct sk_twctl_server_start server_start;
		struct sk_twctl_request request;
		struct sk_twctl_accept accept;
		struct sk_twctl_start start;
		struct sk_twctl_start_ack start_ack;
		struct sk_twctl_stop stop;
		struct sk_twctl_nsessions nsessions; /* sids points into plain */
	} m;
};

/* Returns the shared secret for a KeyID (80 octets, zero padded): 0 with *secret and *secret_len set, or
 * -1 when the KeyID is unknown. */
typedef int (*sk_twsm_key_fn)(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN],
			      const uint8_t **secret, size_t *secret_len);
/* Fills buf with n unpredictable octets (challenges, salts, IVs, session keys). */
typedef void (*sk_twsm_random_fn)(void *ctx, uint8_t *buf, size_t n);
typedef void (*sk_twsm_event_fn)(void *ctx, const struct sk_twsm_event *ev);

struct sk_twsm_config {
	enum sk_twsm_role role;
	unsigned max_sessions;      /* 0 or > SK_TWSM_MAX_SESSIONS: SK_TWSM_MAX_SESSIONS */
	/* Server: Modes offered in the greeting, PBKDF2 Count (0: 1024), Start-Time (NTP). */
	uint32_t modes;
	uint32_t count;
	uint64_t server_start_time;
	sk_twsm_key_fn key_lookup;  /* server and observer */
	void *key_ctx;
	sk_twsm_random_fn random;   /* client and server */
	void *random_ctx;
	sk_twsm_event_fn on_event;
	void *event_ctx;
	int report_sent;            /* client/server: also an EV_SENT event per message queued */
};

struct sk_twsm_rx {
	uint8_t buf[SK_TWSM_MAX_MSG];
	size_t have;      /* octets buffered */
	size_t need;      /* octets the current message needs (0: not known yet) */
	enum sk_twctl_type type; /* SK_TWCTL_NONE while a command's first block is awaited */
	int sized;               /* need is final (the RFC 5938 length is known) */
	uint64_t stream_off;
};

struct sk_twsm {
	struct sk_twsm_config cfg;
	enum sk_twsm_state state;
	uint32_t mode;             /* Set-Up-Response Mode (security bit and feature bits) */
	int encrypted;             /* control messages after Server-Start are encrypted */
	int keys;                  /* aes_key/hmac_key known */
	struct sk_twctl_greeting greeting;
	uint8_t aes_key[16];
	uint8_t hmac_key[32];
	struct sk_twctl_cipher cipher[2]; /* per direction (index enum sk_twsm_dir): CBC chain, HMAC */
	struct sk_twsm_rx rx[2];
	uint8_t out[SK_TWSM_OUT_CAP];
	size_t out_len;
	uint64_t tx_off;           /* octets queued so far (stream offset of the next message) */
	unsigned nsessions;
	struct sk_twsm_session sessions[SK_TWSM_MAX_SESSIONS];
	uint8_t pending_n[SK_TWSM_MAX_SESSIONS][16]; /* SIDs of the Start-N/Stop-N awaiting its ack */
	uint32_t pending_n_count;
};

/* Initialises sm. A server queues its Server-Greeting at once (read it with sk_twsm_output).
 * SK_E_ARG on an impossible config (server or client without random, no on_event). */
enum sk_result sk_twsm_init(struct sk_twsm *sm, const struct sk_twsm_config *cfg);

/* Feeds octets received in direction dir (any split; one octet at a time works). Client:
 * dir must be S2C; server: C2S; observer: both, in capture order. Events are delivered
 * through cfg.on_event before this returns. Returns SK_OK, or the error of the first error
 * event (the machine is then SK_TWSM_FAILED or SK_TWSM_CLOSED). Once FAILED or CLOSED every
 * call returns SK_E_STATE without an event. SK_E_ARG for a direction the role cannot receive.
 * The observer needs the connection from its first octet (Server-Greeting); for a capture
 * that starts later, use sk_twctl_guess per message instead. */
enum sk_result sk_twsm_feed(struct sk_twsm *sm, enum sk_twsm_dir dir, const uint8_t *p, size_t len);

/* The same, but returns right after the first whole message in p was processed (its event
 * delivered), with *used (may be NULL) the octets taken; without a whole message, all of p
 * is taken. A caller holds a whole received buffer and feeds it message by message:
 *     while (off < n) { r = sk_twsm_feed_msg(sm, dir, buf + off, n - off, &used);
 *                       off += used; answer what the event asked for; stop if r != SK_OK; }
 * which is what a server needs, since the machine wants its answer (Accept-Session,
 * Start-Ack...) before the client's next command. On an error *used counts the octets taken
 * up to it (0 when the octets were not expected at all, or the machine had already stopped). */
enum sk_result sk_twsm_feed_msg(struct sk_twsm *sm, enum sk_twsm_dir dir, const uint8_t *p,
				size_t len, size_t *used);

/* Octets waiting to be sent (client/server), and how to drop those that were sent. */
const uint8_t *sk_twsm_output(const struct sk_twsm *sm, size_t *len);
void sk_twsm_output_consume(struct sk_twsm *sm, size_t n);

/* Client commands. Each checks the state (SK_E_STATE), builds the plaintext, adds the HMAC
 * and encrypts as the mode requires, and queues the octets. */
/* Set-Up-Response: mode = one security bit | feature bits (0 refuses and closes); KeyID and
 * secret are ignored in unauthenticated mode. */
enum sk_result sk_twsm_client_setup(struct sk_twsm *sm, uint32_t mode, const char *keyid,
				    const void *secret, size_t secret_len);
/* Request-TW-Session from req (command, SID and HMAC are filled in); *index gets the session. */
enum sk_result sk_twsm_client_request(struct sk_twsm *sm, const struct sk_twctl_request *req,
				      int *index);
enum sk_result sk_twsm_client_start(struct sk_twsm *sm);
enum sk_result sk_twsm_client_stop(struct sk_twsm *sm, uint8_t accept);
enum sk_result sk_twsm_client_start_n(struct sk_twsm *sm, const uint8_t (*sids)[16], uint32_t n);
enum sk_result sk_twsm_client_stop_n(struct sk_twsm *sm, const uint8_t (*sids)[16], uint32_t n);

/* Server answers, after the matching event. Server-Start is sent by the machine itself once
 * the Set-Up-Response is checked (Accept 0, or 1 when the Token fails or the mode was not
 * offered). sid may be NULL for Accept != 0. */
enum sk_result sk_twsm_server_accept(struct sk_twsm *sm, uint8_t accept, uint16_t port,
				     const uint8_t sid[16], uint16_t server_octets);
enum sk_result sk_twsm_server_start_ack(struct sk_twsm *sm, uint8_t accept);
enum sk_result sk_twsm_server_start_n_ack(struct sk_twsm *sm, uint8_t accept);
enum sk_result sk_twsm_server_stop_n_ack(struct sk_twsm *sm, uint8_t accept);

/* Sessions seen so far (requested, accepted, rejected...), in request order. */
unsigned sk_twsm_session_count(const struct sk_twsm *sm);
const struct sk_twsm_session *sk_twsm_session(const struct sk_twsm *sm, unsigned i);
/* Session by SID, or NULL. */
const struct sk_twsm_session *sk_twsm_find_session(const struct sk_twsm *sm, const uint8_t sid[16]);

#ifdef __cplusplus
}
#endif
#endif
