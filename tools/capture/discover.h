/* SPDX-License-Identifier: BSD-3-Clause */
/* discover.h - finding TWAMP/STAMP test packets in a capture, shared by `stampkit decode` and
 * `stampkit analyze`: UDP 862 and --port (RFC 8545, RFC 8762 §4.1), sessions negotiated by
 * TWAMP-Control (RFC 5357 §3.5), the heuristic, sender vs reflector by flow, and the decode
 * options and plaintext of each test packet (RFC 4656 §4.1.2 decryption). */
#ifndef STAMPKIT_TOOLS_DISCOVER_H
#define STAMPKIT_TOOLS_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "tcpstream.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"
#include "stampkit/twamp_sm.h"

#define SK_DISC_MAX_SESSIONS 256
#define SK_DISC_KEYID_MAX 80

struct sk_disc_secret {
	char keyid[SK_DISC_KEYID_MAX + 1];
	char pass[256];
	size_t pass_len;
};

/* Parses a --secret KEYID=PASSPHRASE argument into *out; on a malformed one, says why on
 * stderr prefixed with "stampkit CMD" and returns -1. */
int sk_disc_secret_parse(const char *arg, const char *cmd, struct sk_disc_secret *out);
/* The same for the option table's handlers: the reason into err, nothing printed. */
int sk_disc_secret_parse_err(const char *arg, struct sk_disc_secret *out, char *err, size_t errlen);

/* Appends the keys of a "KeyID passphrase" file (core/keyfile.h, the server's --key-file) to
 * out[*n], at most max in all. 0, or -1 with the reason in err. */
int sk_disc_secrets_file(const char *path, struct sk_disc_secret *out, int *n, int max, char *err,
			 size_t errlen);
/* Where a command keeps what the options that find test packets set (--port, --heuristic,
 * --secret, --secret-file): one handler for decode and analyze. */
struct sk_disc_find {
	uint16_t *ports;
	int *nports, max_ports;
	int *heuristic;
	struct sk_disc_secret *secrets;
	int *nsecrets, max_secrets;
};
struct sk_optdef;
struct sk_optval;
/* 1 handled, 0 not one of these options, -1 bad value (the reason in err). */
int sk_disc_find_opt(const struct sk_disc_find *f, const struct sk_optdef *def,
		     const struct sk_optval *v, char *err, size_t errlen);

/* Appends the KEYID=PASSPHRASE lines of the environment variable SK_SECRET_ENV (unset or
 * empty: nothing). 0, or -1 with the reason in err. */
int sk_disc_secrets_env(struct sk_disc_secret *out, int *n, int max, char *err, size_t errlen);

/* A test session negotiated by TWAMP-Control (Request-TW-Session + Accept-Session). */
struct sk_twsess {
	int used;
	int accepted;
	uint8_t ipver;
	uint8_t sender[16], reflector[16]; /* all zero: any address */
	uint16_t sport, rport;             /* Sender Port, Receiver (reflector) Port */
	uint32_t mode;                     /* TWAMP-Modes value chosen in Set-Up-Response */
	uint8_t sid[16];
	uint32_t padding;
	uint16_t reflect_len;              /* RFC 6038 Length of padding to reflect */
	int have_keys;                     /* secret known: test keys derived */
	uint8_t aes[16], hmac[32];         /* TWAMP-Test keys */
	uint64_t conn_frame;               /* frame that accepted it */
};

struct sk_disc_flow;

struct sk_disc {
	const uint16_t *ports;   /* extra test/control ports besides 862 */
	int nports;
	int heuristic;
	const struct sk_disc_secret *secrets;
	int nsecrets;
	struct sk_disc_flow *flows; /* grown as flows appear (no limit) */
	uint32_t *flow_index;       /* hash buckets over flows */
	size_t nflows, flowcap, nbuckets;
	struct sk_twsess sess[SK_DISC_MAX_SESSIONS];
	size_t nsess;
};

/* How a test packet was found. */
enum sk_disc_how { SK_DISC_NOT_TEST = 0, SK_DISC_CONTROL, SK_DISC_PORT, SK_DISC_HEURISTIC };

/* 0, or -1 when memory cannot be had. The arrays are borrowed, not copied. */
int sk_disc_init(struct sk_disc *d, const uint16_t *ports, int nports, int heuristic,
		 const struct sk_disc_secret *secrets, int nsecrets);
void sk_disc_free(struct sk_disc *d);

/* 862 or one of the --port values. */
int sk_disc_port_listed(const struct sk_disc *d, uint16_t port);

/* 1 when sk_net_dissect refused frame as inconsistent (r SK_E_INVALID: a UDP length below 8
 * or beyond the IP packet, an IPv4 header length below 20, ...) and it is UDP to or from a
 * test port (862, --port, a negotiated one): a damaged test packet, not some other traffic. */
int sk_disc_bad_udp(const struct sk_disc *d, enum sk_result r, const uint8_t *frame,
		    size_t caplen, const struct sk_pkt *p);

/* Is this UDP packet a test packet, and whose? ts_ns is the capture time (heuristic).
 * Returns how it was found (SK_DISC_NOT_TEST: not one); *role is SK_ROLE_SENDER or
 * SK_ROLE_REFLECTOR and *sess the negotiated session (SK_DISC_CONTROL only, else NULL). */
enum sk_disc_how sk_disc_udp(struct sk_disc *d, const struct sk_pkt *p, int64_t ts_ns, int *role,
			     struct sk_twsess **sess);
/* The same, and *flow (may be NULL) the number of the flow (0, 1, ... in order of
 * appearance; both directions are one flow), -1 when the packet came by a negotiated
 * session or no memory was left for a new flow: analyze keeps its session per flow, so one
 * lookup per packet finds the flow, the role and the session. */
enum sk_disc_how sk_disc_udp_flow(struct sk_disc *d, const struct sk_pkt *p, int64_t ts_ns,
				  int *role, struct sk_twsess **sess, int32_t *flow);
const char *sk_disc_how_name(enum sk_disc_how how);

/* The shape of a test packet and a timestamp within a day of ts_ns. */
int sk_disc_plausible(const uint8_t *p, size_t n, int64_t ts_ns);

/* Decode options and plaintext of a test packet: for a negotiated session its mode and
 * (with the keys) the decrypted packet in buf; otherwise the codec's guess. */
struct sk_disc_prep {
	struct sk_test_opts o;
	const uint8_t *data; /* p or buf */
	int decrypted;       /* -1 clear text, 0 protected and no keys, 1 decrypted */
};
void sk_disc_prepare(const uint8_t *p, size_t n, int role, const struct sk_twsess *s,
		     uint8_t *buf, size_t buflen, struct sk_disc_prep *out);

/* ---- TWAMP-Control followed passively (observer state machine) ---- */

struct sk_disc_ctl {
	struct sk_disc *d;
	struct sk_tcpconn *c;
	void *owner;         /* the caller's context */
	int server;          /* index (0/1) of the server side in the tcpconn */
	int dead[2];         /* 1: the machine stopped following; callers may use 2 */
	int keys_note;
	uint64_t frame;      /* frame being fed (stored with learned sessions) */
	sk_twsm_event_fn user_event;
	struct sk_twsm sm;
};

/* Allocates the follower of a new connection (c->user); on_event (may be NULL) is called
 * with the sk_disc_ctl as ctx after an Accept-Session has been learned and before an error
 * stops the follower. NULL when out of memory. */
struct sk_disc_ctl *sk_disc_ctl_open(struct sk_disc *d, struct sk_tcpconn *c,
				     sk_twsm_event_fn on_event, void *owner);
void sk_disc_ctl_close(struct sk_tcpconn *c);
/* Feeds in-order octets of side dir; ignored once the follower stopped. */
void sk_disc_ctl_feed(struct sk_disc_ctl *k, int dir, const uint8_t *p, size_t n, uint64_t frame);

/* Reassembler callbacks that follow every TCP connection as a TWAMP-Control connection with
 * the functions above and no per-message events (what analyze and replay need); a hole in a
 * stream stops its follower. t must outlive the reassembler. */
struct sk_disc_tcp {
	struct sk_disc *d;
	void *owner;
};
struct sk_tcpstream_ops sk_disc_tcp_ops(struct sk_disc_tcp *t);

#endif
