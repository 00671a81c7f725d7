/* SPDX-License-Identifier: BSD-3-Clause */
/* server_int.h - the state `stampkit server` shares between its control connections
 * (server.c) and its Session-Reflectors (server_refl.c). */
#ifndef STAMPKIT_TOOLS_SERVER_INT_H
#define STAMPKIT_TOOLS_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stampkit/reflect.h"
#include "stampkit/twamp_sm.h"
#include "udpio.h"

/* Answers kept for a client beyond what its socket took: a client reads each answer before
 * its next command, so a few messages are plenty; more means it does not read, and it is
 * closed rather than allowed to pin memory or the loop. */
#define SRV_OUT_CAP 8192
#define SRV_OUT_CAP_TEXT "8192"
/* Kernel send buffer of a control connection (the kernel doubles it): control messages are
 * small, and a smaller buffer bounds what a client that does not read costs us. */
#define SRV_SNDBUF 16384
/* -v: control messages logged per connection; one that streams commands gets one line
 * saying the rest is not logged. */
#define SRV_MSG_LOG_MAX 100

struct srv_sess {
	bool used;
	int conn;             /* owning connection index, -1 once it closed */
	int sm_index;         /* index in the connection's state machine */
	struct sk_io io;
	uint8_t src_fam, src_addr[16];   /* control connection's client address (per-source limits) */
	uint8_t peer_fam, peer_addr[16]; /* Session-Sender address (test packets only from it) */
	bool active;          /* started and not stopped */
	int64_t expire_mono;  /* > 0: close at this time (after Stop + timeout, or closed conn) */
	uint8_t sec;          /* SK_SEC_* of the test packets */
	uint8_t test_aes[16], test_hmac[32];
	struct sk_reflect_state st;
	uint8_t tf;           /* SK_TF_* negotiated on the connection */
	uint16_t reflect_len; /* RFC 6038 Length of padding to reflect */
	uint64_t received, reflected, refused;
};

struct srv_conn {
	bool used;
	int fd;
	struct sk_twsm sm;
	int64_t last_mono;    /* last whole control message or test packet (SERVWAIT) */
	int64_t open_mono;    /* accepted at (set-up deadline) */
	int64_t partial_mono; /* first octet of a message not yet whole, 0: none pending */
	int64_t stall_mono;   /* our answers waiting for the client's window since, 0: none */
	bool setup_done;      /* the first command after Server-Start arrived whole */
	struct sockaddr_storage peer, local;
	uint8_t src_fam, src_addr[16];
	int req_pending;      /* Request-TW-Session index awaiting our Accept, -1 none */
	int cmd_pending;      /* SK_TWCTL_* awaiting our ack, 0 none */
	bool fail;
	unsigned msgs_logged;
	char name[80];        /* "address:port" of the client */
	char src[64];         /* its address alone (log keys) */
	char err[200];        /* what the state machine found wrong, said when closing */
	size_t out_len;       /* answers the socket has not taken yet */
	uint8_t out[SRV_OUT_CAP];
};

struct srv {
	/* Slots at and above conn_hi / sess_hi are free: the loops stop there, so a server
	 * configured for 4096 walks only what is in use. */
	struct srv_conn *conns;
	unsigned max_conns, nconns, max_conns_src, conn_hi;
	struct srv_sess *sess;
	unsigned max_sess, nsess, max_sess_src, sess_hi;
	uint32_t modes, count;
	struct sk_keys *keys;
	int64_t servwait_ns, setup_ns;
	int tos, ttl;
	long port_lo, port_hi;
	/* counters reported at exit */
	uint64_t conns_accepted, refused_conns, refused_conns_src;
	uint64_t sessions_accepted, refused_sessions, refused_sessions_src, refused_sessions_other;
	uint64_t closed_not_reading, closed_setup, closed_servwait;
	uint64_t test_received, test_reflected, test_refused;
};

/* Reflectors (server_refl.c). */
int srv_free_sess(struct srv *s);
void srv_close_sess(struct srv *s, struct srv_sess *x);
/* Binds the reflector socket: the port asked for when free, else another from --ports
 * (RFC 5357 §3.5: Accept-Session's Port says which). 0, or -1. */
int srv_open_test(struct srv *s, uint8_t fam, const uint8_t *addr, uint16_t want, int tos,
		  struct sk_io *io, uint16_t *got);
/* Answers what arrived on session x's socket. */
void srv_reflect(struct srv *s, struct srv_sess *x);
/* The counters at exit: a table, or one JSON document. */
void srv_report(const struct srv *s, const char *listen, bool json);

#endif
