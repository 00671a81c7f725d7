/* SPDX-License-Identifier: BSD-3-Clause */
/* client_int.h - inside the TWAMP control clients: the control connection and a test
 * session of `controller`, shared by client.c (control, sending) and clireport.c (results). */
#ifndef STAMPKIT_TOOLS_CLIENT_INT_H
#define STAMPKIT_TOOLS_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ivl.h"
#include "keyfile.h"
#include "mxport.h"
#include "stampkit/crypto.h"
#include "stampkit/metrics.h"
#include "stampkit/twamp_sm.h"
#include "udpio.h"

struct client_opts; /* client.h */

/* "SK": the Octets to be reflected (RFC 6038) the server must echo in Accept-Session. */
#define SK_TW_REFLECT_MARK 0x534b

struct cli {
	int fd;
	struct sk_twsm sm;
	struct sockaddr_storage srv, local; /* the control connection's ends */
	socklen_t srv_len;
	bool got;              /* a whole message arrived */
	enum sk_twctl_type type;
	uint8_t start_accept;  /* Server-Start's Accept */
	uint16_t reflected_octets; /* the last Accept-Session's (RFC 6038) */
	char errmsg[200];
	/* Octets received and not fed yet: the next message waits for its turn. */
	uint8_t rbuf[4096];
	size_t rlen, roff;
};

/* One test session of the controller. */
struct csess {
	int idx;                  /* index in the state machine */
	struct sk_io io;
	struct sockaddr_storage refl;
	socklen_t refl_len;
	enum sk_sec sec;
	uint8_t aes[16], hmac[32];
	uint8_t tf;               /* SK_TF_* of the connection */
	uint16_t reflect_len;     /* padding octets the replies must return */
	uint16_t sender_port;     /* the port bound */
	int dscp_ecn;             /* RFC 7750 octet of the last reply, -1 none */
	uint64_t reflect_bad;     /* replies whose reflected octets differ from what we sent */
	struct sk_session *stats;
	uint64_t sent, bad;
	/* --report-interval / --metrics: packets by interval (ivl.h), the exported series */
	bool use_ivl;
	struct sk_ivl ivl;
	uint64_t late;
	struct sk_mx *mx;
	struct sk_mx_session *mxs;
};

/* The key of a secure mode (NULL unauthenticated): -1 after saying why. */
int cli_key(const struct client_opts *o, struct sk_keys *ks, const struct sk_key **k);
/* Connect, Server-Greeting, Set-Up-Response, Server-Start; -1 after saying why. */
int cli_connect(struct cli *c, const struct client_opts *o, const struct sk_key *k);
/* Request-TW-Session with the right values (RFC 5357 §3.5): IPVN of the test flow, the
 * sender port, the receiver port asked for, padding, DSCP in Type-P, start time, timeout. */
int cli_request(struct cli *c, uint8_t ipvn, const uint8_t *sender_addr, uint16_t sport,
		uint16_t rport, const struct client_opts *o, int *idx);
int cli_start(struct cli *c, bool individual);
/* Stop-N-Sessions (individual, -1 when refused), Stop-Sessions, then no more writing. */
int cli_stop(struct cli *c, bool individual);
void cli_close(struct cli *c);

/* Results on standard output: the controller's sessions, the controlclient's sessions. */
void ctl_report(struct csess *xs, const struct cli *c, const struct client_opts *o);
void cc_report(const struct cli *c, const struct client_opts *o, uint16_t sender_port);
/* One closed interval of every session (s[i] of xs[i], NULL: none): a table block per
 * session or one JSON Lines object. */
void ctl_interval_report(struct csess *xs, struct sk_ivl_stats **s, const struct cli *c,
			 const struct client_opts *o);

#endif
