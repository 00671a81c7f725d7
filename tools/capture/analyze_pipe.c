/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_pipe.c - analyze's session stage (pairing, metrics, rows) in batches: in a second
 * thread, the reading thread dissects, discovers and decodes, and hands the records over in
 * batches, in order, so the results and rows are those of one thread. The session stage's
 * state is touched by the worker only until sk_an_pipe_drain has joined it. In one thread
 * the records are collected the same way and a full batch is processed at once: either way
 * the sessions of the next records are asked for while one is processed. */
#include <pthread.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_state.h"

#define AN_BATCH 256  /* records per hand-over */
#define AN_NBATCH 16  /* batches in flight: the reader runs at most this far ahead */
#define AN_AHEAD 2    /* records between two prefetch levels */
#define AN_REC_AHEAD 16 /* records read ahead (the session look-ahead reaches 8) */
/* A waiting thread is woken only when this many batches are there for it (full ones for
 * the worker, empty ones for the reader), not at each: every wake-up is a system call and
 * an interrupt to the other processor (much dearer still in a virtual machine), and a
 * thread woken for one batch sleeps again after it (measured: with a batch a wake-up, the
 * hand-over alone cost as much as reading and decoding the packets). */
#define AN_WAKE (AN_NBATCH / 2)

struct an_batch {
	unsigned n;
	struct an_rec r[AN_BATCH];
};

struct an_pipe {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t to_worker, to_reader;
	struct an_batch *full[AN_NBATCH]; /* FIFO of filled batches */
	unsigned head, nfull;
	struct an_batch *free[AN_NBATCH]; /* stack of empty ones */
	unsigned nfree;
	struct an_batch *cur;             /* the reader's */
	int stop;
	int worker_waits, reader_waits;   /* the thread sleeps on to_worker / to_reader */
	int threaded;                     /* 0: no thread; the reader processes a full batch */
	struct an_batch all[];
};

static void run_batch(struct sk_an *a, struct an_batch *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		/* The records themselves further ahead: with two threads they come from the
		 * other processor's cache, and the first look-ahead below needs them. */
		if (i + AN_REC_AHEAD < b->n) {
			__builtin_prefetch(&b->r[i + AN_REC_AHEAD]);
			__builtin_prefetch((const char *)&b->r[i + AN_REC_AHEAD] + sizeof b->r[0] - 1);
		}
		/* The sessions of the next records, deeper the nearer they are: the loads of
		 * several sessions overlap (results do not depend on it). */
		for (int k = 0; k < 4; k++)
			if (i + AN_AHEAD * (unsigned)(4 - k) < b->n)
				sk_an_prefetch(a, &b->r[i + AN_AHEAD * (unsigned)(4 - k)], k);
		sk_an_stage(a, &b->r[i]);
	}
	b->n = 0;
}

static void *worker(void *arg)
{
	struct sk_an *a = arg;
	struct an_pipe *p = a->pipe;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->nfull == 0 && !p->stop) {
			p->worker_waits = 1;
			pthread_cond_wait(&p->to_worker, &p->mu);
		}
		p->worker_waits = 0;
		if (p->nfull == 0) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		struct an_batch *b = p->full[p->head];
		p->head = (p->head + 1) % AN_NBATCH;
		p->nfull--;
		pthread_mutex_unlock(&p->mu);
		run_batch(a, b);
		pthread_mutex_lock(&p->mu);
		p->free[p->nfree++] = b;
		/* The reader waits only when no batch is free: the others are full or this
		 * thread's, so AN_WAKE become free before this thread can wait. */
		if (p->reader_waits && p->nfree >= AN_WAKE)
			pthread_cond_signal(&p->to_reader);
		pthread_mutex_unlock(&p->mu);
	}
}

int sk_an_batch_start(struct sk_an *a)
{
	struct an_pipe *p = calloc(1, sizeof *p + sizeof(struct an_batch));
	if (!p)
		return -1;
	p->cur = &p->all[0];
	a->pipe = p;
	return 0;
}

int sk_an_pipe_start(struct sk_an *a)
{
	/* Only before the first record: an unthreaded batch (empty then) gives way. */
	if (a->pipe && (a->pipe->threaded || a->pipe->cur->n))
		return -1;
	free(a->pipe);
	a->pipe = NULL;
	struct an_pipe *p = calloc(1, sizeof *p + AN_NBATCH * sizeof(struct an_batch));
	if (!p)
		return -1;
	p->threaded = 1;
	for (unsigned i = 1; i < AN_NBATCH; i++)
		p->free[p->nfree++] = &p->all[i];
	p->cur = &p->all[0];
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return -1;
	}
	if (pthread_cond_init(&p->to_worker, NULL) != 0 || pthread_cond_init(&p->to_reader, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return -1;
	}
	a->pipe = p;
	/* The CSV rows are written by the new thread alone until it has ended: no stdio
	 * locking per character. */
	if (a->csv)
		__fsetlocking(a->csv, FSETLOCKING_BYCALLER);
	if (pthread_create(&p->th, NULL, worker, a) != 0) {
		a->pipe = NULL;
		pthread_cond_destroy(&p->to_worker);
		pthread_cond_destroy(&p->to_reader);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return -1;
	}
	return 0;
}

/* The reader's batch goes to the worker; the reader takes an empty one (waiting for it). */
static void hand_over(struct an_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->full[(p->head + p->nfull) % AN_NBATCH] = p->cur;
	p->nfull++;
	/* The worker, waiting, holds no batch: AN_WAKE are full before this thread can run
	 * out of empty ones (and sk_an_pipe_drain wakes it for the last ones). */
	if (p->worker_waits && p->nfull >= AN_WAKE)
		pthread_cond_signal(&p->to_worker);
	while (p->nfree == 0) {
		p->reader_waits = 1;
		pthread_cond_wait(&p->to_reader, &p->mu);
	}
	p->reader_waits = 0;
	p->cur = p->free[--p->nfree];
	pthread_mutex_unlock(&p->mu);
}

void sk_an_pipe_put(struct sk_an *a, const struct an_rec *rc)
{
	struct an_pipe *p = a->pipe;
	p->cur->r[p->cur->n++] = *rc;
	if (p->cur->n < AN_BATCH)
		return;
	if (p->threaded)
		hand_over(p);
	else
		run_batch(a, p->cur);
}

void sk_an_pipe_drain(struct sk_an *a)
{
	struct an_pipe *p = a->pipe;
	if (!p)
		return;
	if (!p->threaded) {
		run_batch(a, p->cur);
		free(p);
		a->pipe = NULL;
		return;
	}
	if (p->cur->n)
		hand_over(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->to_worker);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	pthread_cond_destroy(&p->to_worker);
	pthread_cond_destroy(&p->to_reader);
	pthread_mutex_destroy(&p->mu);
	free(p);
	a->pipe = NULL;
}
