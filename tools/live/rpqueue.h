/* SPDX-License-Identifier: BSD-3-Clause */
/* rpqueue.h - the packets `stampkit replay` sent and received, queued in a ring of fixed size
 * on their way to the measurement and fed to it by a thread of its own, so that the sending
 * loop never stops to analyse (one producer, one consumer). */
#ifndef STAMPKIT_TOOLS_RPQUEUE_H
#define STAMPKIT_TOOLS_RPQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called on the queue's thread, packets in the order they were committed. */
typedef void (*sk_rpq_feed_fn)(void *ctx, int64_t ns, const uint8_t *pkt, size_t len);

struct sk_rpq;

/* A ring of cap octets (allocated as it is used). lazy: the thread waits until more than
 * high octets are queued or the queue is closed (top speed: the sending keeps the CPU);
 * otherwise it feeds whatever comes as soon as it comes. When no thread can be started the
 * packets are fed by the caller when the ring is full and at the end. NULL out of memory. */
struct sk_rpq *sk_rpq_open(size_t cap, size_t high, bool lazy, sk_rpq_feed_fn feed, void *ctx);
/* Room for one packet of at most maxlen octets; waits for the thread while the ring is full.
 * NULL when maxlen can never fit. */
uint8_t *sk_rpq_reserve(struct sk_rpq *q, size_t maxlen);
/* The packet written at the room reserved: its time and length (<= maxlen). */
void sk_rpq_commit(struct sk_rpq *q, int64_t ns, size_t len);
/* Makes the packets committed so far the thread's (once per batch: a wake-up costs). */
void sk_rpq_publish(struct sk_rpq *q);
/* Everything queued is fed, the thread ended, the queue freed. */
void sk_rpq_close(struct sk_rpq *q);

#endif
