/* SPDX-License-Identifier: BSD-3-Clause */
/* ref_wrap.h - the fixed-array reference metrics (ref_metrics.c) behind void pointers, for a
 * test that also includes the current metrics.h. */
#ifndef STAMPKIT_REF_WRAP_H
#define STAMPKIT_REF_WRAP_H

#include <stddef.h>
#include <stdint.h>

/* sizeof of: 0 reply, 1 reply info, 2 session summary, 3 dstats summary, 4 seq event,
 * 5 seq counts. */
size_t ref_t_size(int which);
void *ref_t_session(uint32_t window, uint32_t first_s, uint32_t first_r, int mode);
void ref_t_session_add(void *s, const void *reply, void *info);
void ref_t_session_finish(void *s);
void ref_t_session_summary(const void *s, uint64_t sent, void *sum);
void ref_t_session_dsum(const void *s, int dir, void *dsum);
void ref_t_session_free(void *s);
void *ref_t_seqtrack(uint32_t window, uint32_t first);
int ref_t_seqtrack_add(void *t, uint32_t seq, void *ev);
void ref_t_seqtrack_counts(const void *t, void *c);
void ref_t_seqtrack_free(void *t);
void *ref_t_dstats(void);
void ref_t_dstats_add(void *d, uint32_t seq, int64_t v);
void ref_t_dstats_sum(const void *d, void *sum);
int ref_t_quantile(const void *d, double q, int64_t *out);
void ref_t_dstats_free(void *d);

#endif
