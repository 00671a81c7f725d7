/* SPDX-License-Identifier: BSD-3-Clause */
/* montw.h - the TWAMP-Control connection of a `stampkit monitor` target in mode twamp
 * (RFC 5357 §3; unauthenticated, authenticated, encrypted or RFC 5618 mixed mode, with the
 * target's KeyID and secret): non-blocking, driven by the monitor's event loop
 * through the codec's state machine; set up, a test session requested and started, then
 * the test packets go as in TWAMP-light; a failure is said and retried, never waited on. */
#ifndef STAMPKIT_TOOLS_MONTW_H
#define STAMPKIT_TOOLS_MONTW_H

#include <stdbool.h>
#include <stdint.h>

struct sk_montgt;

/* Seconds between two attempts after a failure; the longest wait for an answer. */
#define SK_MONTW_RETRY_S 10
#define SK_MONTW_ANSWER_S 10

/* Allocates the connection state of t (mode twamp); the first attempt starts at once.
 * ep: the loop's epoll descriptor (the control socket is added and removed there). 0 or -1. */
int sk_montw_open(struct sk_montgt *t, int ep);
void sk_montw_close(struct sk_montgt *t);
/* Events of the control socket. */
void sk_montw_io(struct sk_montgt *t, uint32_t events);
/* Retries and answer deadlines; call at every wake of the loop. */
void sk_montw_timer(struct sk_montgt *t, int64_t now);
/* While the test session runs, t->tw_running is set (test packets may go). */

#endif
