/* SPDX-License-Identifier: BSD-3-Clause */
/* rpqueue.c - replay's measurement queue: a ring of records {int64 time, uint32 length,
 * uint32 0, packet, padding to 8}, written by the sending loop and read by a thread that
 * feeds analyze's engine. Positions are monotonic counters (mod cap in the buffer); a record
 * that does not fit before the end of the buffer starts again at 0 behind a marker (length
 * UINT32_MAX) or, when fewer than 16 octets are left, behind nothing. The published head and
 * the tail are atomics; a side that has nothing to do sleeps on a condition variable, and the
 * other wakes it only when it said it sleeps (both flags and positions sequentially
 * consistent: one of the two always sees the other's store). */
#include "rpqueue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define RPQ_HDR 16
#define RPQ_WRAP UINT32_MAX

struct sk_rpq {
	uint8_t *buf;
	size_t cap, high;
	_Atomic bool lazy;
	sk_rpq_feed_fn feed;
	void *ctx;
	/* the producer's */
	size_t head;                   /* committed */
	size_t room_at;                /* where the reserved room's record starts */
	/* shared */
	_Atomic size_t pub;            /* published head */
	_Atomic size_t tail;           /* consumed */
	_Atomic bool consumer_sleeps, producer_waits;
	_Atomic bool done;
	pthread_mutex_t mu;
	pthread_cond_t data, space;
	pthread_t th;
	bool threaded;
};

static size_t rec_len(size_t len)
{
	return RPQ_HDR + ((len + 7u) & ~(size_t)7u);
}

/* Feeds the record at t (or passes the end of the buffer); returns where the next starts. */
static size_t step(struct sk_rpq *q, size_t t)
{
	size_t pos = t % q->cap;
	if (q->cap - pos < RPQ_HDR)
		return t + (q->cap - pos);
	const uint8_t *r = q->buf + pos;
	int64_t ns;
	uint32_t len;
	memcpy(&ns, r, sizeof ns);
	memcpy(&len, r + 8, sizeof len);
	if (len == RPQ_WRAP)
		return t + (q->cap - pos);
	q->feed(q->ctx, ns, r + RPQ_HDR, len);
	return t + rec_len(len);
}

/* The thread waits for work: in lazy mode until more than high octets or the end. */
static bool has_work(struct sk_rpq *q, size_t tail)
{
	size_t pub = atomic_load(&q->pub);
	return pub != tail &&
	       (!atomic_load(&q->lazy) || atomic_load(&q->done) || pub - tail > q->high);
}

static void *run(void *arg)
{
	struct sk_rpq *q = arg;
	size_t tail = atomic_load(&q->tail);
	for (;;) {
		if (!has_work(q, tail)) {
			pthread_mutex_lock(&q->mu);
			atomic_store(&q->consumer_sleeps, true);
			while (!has_work(q, tail) && !atomic_load(&q->done))
				pthread_cond_wait(&q->data, &q->mu);
			atomic_store(&q->consumer_sleeps, false);
			bool end = atomic_load(&q->done) && atomic_load(&q->pub) == tail;
			pthread_mutex_unlock(&q->mu);
			if (end)
				return NULL;
			continue;
		}
		/* The room is given back an eighth of the ring at a time, so a producer waiting
		 * for it goes on soon. */
		size_t head = atomic_load(&q->pub), last = tail;
		while (tail != head) {
			tail = step(q, tail);
			if (tail - last >= q->cap / 8 || tail == head) {
				last = tail;
				atomic_store(&q->tail, tail);
				if (atomic_load(&q->producer_waits)) {
					pthread_mutex_lock(&q->mu);
					pthread_cond_signal(&q->space);
					pthread_mutex_unlock(&q->mu);
				}
			}
		}
	}
}

struct sk_rpq *sk_rpq_open(size_t cap, size_t high, bool lazy, sk_rpq_feed_fn feed, void *ctx)
{
	struct sk_rpq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->cap = cap & ~(size_t)7u;
	q->high = high;
	atomic_store(&q->lazy, lazy);
	q->feed = feed;
	q->ctx = ctx;
	q->buf = malloc(q->cap); /* large: mapped, its pages taken as they are first written */
	if (!q->buf) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->data, NULL);
	pthread_cond_init(&q->space, NULL);
	q->threaded = pthread_create(&q->th, NULL, run, q) == 0;
	return q;
}

void sk_rpq_publish(struct sk_rpq *q)
{
	atomic_store(&q->pub, q->head);
	/* Lazy: not woken for less than it waits for (it would only sleep again). */
	if (atomic_load(&q->consumer_sleeps) &&
	    (!atomic_load(&q->lazy) || q->head - atomic_load(&q->tail) > q->high)) {
		pthread_mutex_lock(&q->mu);
		pthread_cond_signal(&q->data);
		pthread_mutex_unlock(&q->mu);
	}
}

uint8_t *sk_rpq_reserve(struct sk_rpq *q, size_t maxlen)
{
	size_t need = rec_len(maxlen);
	if (need > q->cap / 2)
		return NULL;
	size_t pos = q->head % q->cap, skip = q->cap - pos < need ? q->cap - pos : 0;
	if (q->head + skip + need - atomic_load(&q->tail) > q->cap) {
		sk_rpq_publish(q);
		if (!q->threaded) {
			size_t t = atomic_load(&q->tail);
			while (t != q->head)
				t = step(q, t);
			atomic_store(&q->tail, t);
		} else {
			pthread_mutex_lock(&q->mu);
			atomic_store(&q->producer_waits, true);
			/* In lazy mode the thread is told to start: the ring is full. */
			atomic_store(&q->lazy, false);
			pthread_cond_signal(&q->data);
			while (q->head + skip + need - atomic_load(&q->tail) > q->cap)
				pthread_cond_wait(&q->space, &q->mu);
			atomic_store(&q->producer_waits, false);
			pthread_mutex_unlock(&q->mu);
		}
	}
	if (skip) {
		if (skip >= RPQ_HDR) {
			uint32_t w = RPQ_WRAP;
			memcpy(q->buf + pos + 8, &w, sizeof w);
		}
		q->head += skip;
	}
	q->room_at = q->head;
	return q->buf + q->head % q->cap + RPQ_HDR;
}

void sk_rpq_commit(struct sk_rpq *q, int64_t ns, size_t len)
{
	uint8_t *r = q->buf + q->room_at % q->cap;
	uint32_t l32 = (uint32_t)len, zero = 0;
	memcpy(r, &ns, sizeof ns);
	memcpy(r + 8, &l32, sizeof l32);
	memcpy(r + 12, &zero, sizeof zero);
	q->head = q->room_at + rec_len(len);
}

void sk_rpq_close(struct sk_rpq *q)
{
	if (!q)
		return;
	sk_rpq_publish(q);
	if (q->threaded) {
		pthread_mutex_lock(&q->mu);
		atomic_store(&q->done, true);
		pthread_cond_signal(&q->data);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->th, NULL);
	} else {
		for (size_t t = atomic_load(&q->tail); t != q->head;)
			t = step(q, t);
	}
	pthread_cond_destroy(&q->space);
	pthread_cond_destroy(&q->data);
	pthread_mutex_destroy(&q->mu);
	free(q->buf);
	free(q);
}
