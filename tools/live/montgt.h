/* SPDX-License-Identifier: BSD-3-Clause */
/* montgt.h - one target of `stampkit monitor`: its socket, codec session, intervals and
 * exported series; sending one request and taking the replies (montgt.c). The loop and the
 * reports are monitor.c's. */
#ifndef STAMPKIT_TOOLS_MONTGT_H
#define STAMPKIT_TOOLS_MONTGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ivl.h"
#include "monconf.h"
#include "mxport.h"
#include "udpio.h"
#include "stampkit/metrics.h"
#include "stampkit/testpkt.h"

#define SK_MON_MAX_PKT 9216

struct sk_montw;
struct sk_montgt;

/* What an epoll event of the loop is about: the test socket (kind 0) or the control
 * connection (kind 1) of t. */
struct sk_monev {
	struct sk_montgt *t;
	int kind;
};

struct sk_montgt {
	struct sk_montarget c;
	struct sk_monev ev_test, ev_ctl;
	struct sockaddr_storage peer;    /* where test packets go: the address, or the
					  * reflector port the TWAMP server gave */
	socklen_t peer_len;
	struct sk_montw *tw;             /* mode twamp: the control connection (montw.h) */
	bool tw_running;                 /* mode twamp: the test session runs (montw.c) */
	bool tw_waiting;                 /* mode twamp: the schedule waits for it */
	uint8_t tw_aes[16], tw_hmac[32]; /* mode twamp, secure: the session's test keys
					  * (RFC 5357 §4.1.2), set by montw.c */
	struct sk_io io;
	struct sockaddr_storage src;     /* the local address the reports show: the bound one,
					  * or the kernel's source towards the target when bound
					  * to any address */
	struct sk_session *sess;
	struct sk_ivl ivl;
	struct sk_mx *mx;                /* NULL without --metrics */
	struct sk_mx_session *mxs;
	struct sk_test_opts so, ro;
	uint8_t sec;
	size_t fixed, min_len;
	long padding;
	bool ipv6;
	double interval_ns;
	int64_t start_mono, next_send;
	uint64_t sent, replies, late, bad, foreign, send_errors;
	bool down;                       /* no reply in the last closed interval */
	bool keep;                       /* a reload found it unchanged */
	size_t heap_pos;
	char rs[64];
};

/* Mode twamp: the control connection is montw.h's, opened and closed (sk_montw_close before
 * sk_montgt_close) by the loop. */
/* Opens the socket, the session and the intervals (aligned on the monitor's: the first one
 * ends at ivl_end_mono). NULL after a warning (the target is left out). */
struct sk_montgt *sk_montgt_open(const struct sk_montarget *c, struct sk_mx *mx,
				 int64_t period_ns, int64_t grace_ns, bool keep_delays,
				 int64_t ivl_start_mono, int64_t ivl_start_real);
void sk_montgt_close(struct sk_montgt *t);
/* Mode twamp: the reflector's port from Accept-Session. */
void sk_montgt_set_peer(struct sk_montgt *t, uint16_t port);
/* Sends the next request (buf: scratch of SK_MON_MAX_PKT octets) and schedules the next. */
void sk_montgt_send(struct sk_montgt *t, uint8_t *buf, uint16_t errest, int64_t now_mono);
/* Every reply queued on its socket (rx: SK_IO_BATCH messages with buffers). */
void sk_montgt_recv(struct sk_montgt *t, struct sk_io_msg *rx);
/* A closed interval: the exporter's loss and liveness, the "stopped/answers again" log (not
 * at the end: the last packets may just be on their way). */
void sk_montgt_closed(struct sk_montgt *t, const struct sk_ivl_stats *s, bool final);
/* The report model's session of the whole run so far (index and members set). */
void sk_montgt_rsession(struct sk_montgt *t, struct sk_rsession *r, unsigned index);

#endif
