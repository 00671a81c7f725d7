/* SPDX-License-Identifier: BSD-3-Clause */
/* monitor.c - `stampkit monitor`: the targets of CONFIG (monconf.h), each a montgt.h, in one
 * epoll loop with a heap of send times; intervals aligned for every target, reported when
 * their loss timeout passed; SIGHUP reloads CONFIG keeping unchanged targets; SIGINT/SIGTERM
 * end with the summary through the report model. */
#include "monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "monconf.h"
#include "montgt.h"
#include "montw.h"
#include "outfile.h"
#include "report.h"
#include "sys.h"

static volatile sig_atomic_t hup_requested;

static void on_hup(int sig)
{
	(void)sig;
	hup_requested = 1;
}

/* A closed interval of the monitor, waiting for its loss timeout. */
struct givl {
	unsigned index;
	int64_t start_real, end_real, end_mono;
};
#define GIVL_MAX 4096

struct mon {
	const struct monitor_opts *o;
	struct sk_monconf conf;
	struct sk_montgt **t;            /* in configuration order */
	size_t nt;
	struct sk_montgt **heap;         /* by next_send */
	size_t nheap;
	int ep;
	struct sk_mx *mx;
	int64_t period_ns, grace_ns;
	bool report;                     /* interval reports wanted */
	/* the interval being sent in, and the closed ones not yet reported */
	unsigned cur_index;
	int64_t cur_start_mono, cur_start_real;
	struct givl pend[GIVL_MAX];
	unsigned npend;
	uint16_t errest;
	int64_t next_clock;
	uint8_t txbuf[SK_MON_MAX_PKT];
	uint8_t *rxbuf;
	struct sk_io_msg rx[SK_IO_BATCH];
};

/* ---- the heap of send times ---- */

static void heap_swap(struct mon *m, size_t a, size_t b)
{
	struct sk_montgt *x = m->heap[a];
	m->heap[a] = m->heap[b];
	m->heap[b] = x;
	m->heap[a]->heap_pos = a;
	m->heap[b]->heap_pos = b;
}

static void heap_up(struct mon *m, size_t i)
{
	while (i && m->heap[(i - 1) / 2]->next_send > m->heap[i]->next_send) {
		heap_swap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct mon *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		if (l < m->nheap && m->heap[l]->next_send < m->heap[s]->next_send)
			s = l;
		if (r < m->nheap && m->heap[r]->next_send < m->heap[s]->next_send)
			s = r;
		if (s == i)
			return;
		heap_swap(m, i, s);
		i = s;
	}
}

static void heap_remove(struct mon *m, struct sk_montgt *t)
{
	size_t i = t->heap_pos;
	m->nheap--;
	if (i == m->nheap)
		return;
	heap_swap(m, i, m->nheap);
	heap_up(m, i);
	heap_down(m, i);
}

/* ---- targets ---- */

static int add_target(struct mon *m, struct sk_montgt *t, struct sk_montgt **list, size_t *n)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &t->ev_test };
	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, t->io.fd, &ev)) {
		sk_warn("target %s: epoll: %s", t->c.name, strerror(errno));
		return -1;
	}
	if (t->c.mode == SK_MON_TWAMP && sk_montw_open(t, m->ep)) {
		sk_warn("target %s: out of memory", t->c.name);
		epoll_ctl(m->ep, EPOLL_CTL_DEL, t->io.fd, NULL);
		return -1;
	}
	list[(*n)++] = t;
	t->heap_pos = m->nheap;
	m->heap[m->nheap++] = t;
	heap_up(m, t->heap_pos);
	return 0;
}

static void drop_target(struct mon *m, struct sk_montgt *t)
{
	epoll_ctl(m->ep, EPOLL_CTL_DEL, t->io.fd, NULL); /* the control socket: sk_montw_close */
	heap_remove(m, t);
	sk_montw_close(t);
	sk_montgt_close(t);
}

static struct sk_montgt *open_target(struct mon *m, const struct sk_montarget *c)
{
	return sk_montgt_open(c, m->mx, m->period_ns, m->grace_ns, m->report, m->cur_start_mono,
			      m->cur_start_real);
}

/* The targets of m->conf (the first time, or after a reload: an unchanged target keeps
 * its session, sockets and counts). */
static int apply_conf(struct mon *m)
{
	size_t n = 0, cap = m->conf.ntargets + m->nt + 1;
	struct sk_montgt **list = calloc(cap, sizeof *list);
	struct sk_montgt **heap = realloc(m->heap, cap * sizeof *heap);
	if (!list || !heap) {
		free(list);
		if (heap)
			m->heap = heap;
		sk_warn("out of memory");
		return -1;
	}
	m->heap = heap;
	for (size_t i = 0; i < m->nt; i++)
		m->t[i]->keep = false;
	for (size_t i = 0; i < m->conf.ntargets; i++) {
		const struct sk_montarget *c = &m->conf.targets[i];
		struct sk_montgt *old = NULL;
		for (size_t j = 0; j < m->nt && !old; j++)
			if (!m->t[j]->keep && sk_montarget_same(&m->t[j]->c, c))
				old = m->t[j];
		if (old) {
			old->keep = true;
			list[n++] = old;
			continue;
		}
		struct sk_montgt *t = open_target(m, c);
		if (t && add_target(m, t, list, &n)) {
			sk_montgt_close(t);
		} else if (t) {
			t->keep = true;
			sk_log(SK_LOG_INFO, "target %s: %s to %s at %g packets/s", c->name,
			       sk_monmode_name(c->mode), t->rs, c->rate);
		}
	}
	for (size_t i = 0; i < m->nt; i++)
		if (!m->t[i]->keep) {
			sk_log(SK_LOG_INFO, "target %s: removed", m->t[i]->c.name);
			drop_target(m, m->t[i]);
		}
	free(m->t);
	m->t = list;
	m->nt = n;
	return 0;
}

/* The settings read at start only: a reload that changes one says so, rather than seeming to
 * apply it (the command line's --metrics and --report-interval win over CONFIG anyway). */
static void start_only_changes(const struct mon *m, const struct sk_monconf *nc)
{
	const char *how = "is read at start only: restart the monitor to apply it";
	if (nc->timeout != m->conf.timeout)
		sk_warn("reload: timeout changed from %g to %g s in %s, which %s", m->conf.timeout,
			nc->timeout, m->o->config, how);
	if (!(m->o->report_interval > 0) && nc->report_interval != m->conf.report_interval)
		sk_warn("reload: report-interval changed from %g to %g s in %s, which %s",
			m->conf.report_interval, nc->report_interval, m->o->config, how);
	if (!m->o->metrics && strcmp(nc->metrics, m->conf.metrics) != 0)
		sk_warn("reload: metrics changed from '%s' to '%s' in %s, which %s", m->conf.metrics,
			nc->metrics, m->o->config, how);
}

static void reload(struct mon *m)
{
	struct sk_monconf nc;
	char err[512];
	if (sk_monconf_load(m->o->config, &nc, err, sizeof err)) {
		sk_warn("reload refused, the running configuration stays: %s", err);
		return;
	}
	start_only_changes(m, &nc);
	sk_monconf_free(&m->conf);
	m->conf = nc;
	if (!apply_conf(m))
		sk_warn("configuration reloaded: %zu targets", m->nt);
}

/* ---- intervals ---- */

static void write_interval(struct mon *m, const struct givl *g, struct sk_rsession *rs,
			   size_t n)
{
	struct sk_report rep = { .command = "monitor", .sessions = rs, .nsessions = n };
	if (m->conf.report_dir[0]) {
		char path[PATH_MAX], t[48], err[PATH_MAX + 100];
		struct sk_outfile of;
		sk_report_time(t, sizeof t, g->start_real);
		snprintf(path, sizeof path, "%s/interval-%s.json", m->conf.report_dir, t);
		if (sk_outfile_open(&of, path, err, sizeof err)) {
			sk_log_limited(SK_LOG_WARNING, "report-dir", "report-dir: %s", err);
			return;
		}
		sk_report_json_interval(of.fp, &rep, g->index, g->start_real, g->end_real);
		if (sk_outfile_commit(&of, err, sizeof err))
			sk_log_limited(SK_LOG_WARNING, "report-dir", "report-dir: %s", err);
	} else if (m->o->json) {
		sk_report_json_interval(stdout, &rep, g->index, g->start_real, g->end_real);
	} else {
		char a[48], b[48];
		sk_report_time(a, sizeof a, g->start_real);
		sk_report_time(b, sizeof b, g->end_real);
		printf("Interval %u: %s - %s\n", g->index, a, b);
		for (size_t i = 0; i < n; i++)
			sk_report_table_block(stdout, &rs[i]);
	}
	fflush(stdout);
}

/* Interval g of every target that has it (a target added later has none), then its
 * report. */
static void close_interval(struct mon *m, const struct givl *g, bool final)
{
	struct sk_rsession *rs = m->report ? calloc(m->nt ? m->nt : 1, sizeof *rs) : NULL;
	size_t n = 0;
	int64_t now = sk_now_mono_ns(), real = sk_now_real_ns();
	for (size_t i = 0; i < m->nt; i++) {
		struct sk_montgt *t = m->t[i];
		struct sk_ivl_stats *s = sk_ivl_due(&t->ivl, final ? now : INT64_MAX, real, t->sent,
						    final);
		if (!s || s->end_mono > g->end_mono)
			continue;
		sk_montgt_closed(t, s, final);
		if (rs) {
			struct sk_session_summary sum;
			sk_session_summary(t->sess, t->sent, &sum);
			sk_ivl_rsession(&rs[n], s, sum.stateful);
			rs[n].index = (unsigned)i + 1;
			sk_sockaddr_str((struct sockaddr *)&t->src, rs[n].sender,
					sizeof rs[n].sender);
			snprintf(rs[n].reflector, sizeof rs[n].reflector, "%s", t->rs);
			rs[n].mode = t->c.mode == SK_MON_STAMP ? SK_RMODE_STAMP
				     : t->c.mode == SK_MON_TWAMP ? SK_RMODE_TWAMP
				     : SK_RMODE_TWAMP_LIGHT;
			rs[n].has_ssid = t->c.mode == SK_MON_STAMP;
			rs[n].ssid = t->c.ssid;
			sk_rsession_kv_str(&rs[n], "name", "target", t->c.name);
			n++;
		}
		sk_ivl_pop(&t->ivl);
	}
	if (rs)
		write_interval(m, g, rs, n);
	free(rs);
}

/* The interval being sent in ends: every target moves on; the closed one waits out the
 * loss timeout. */
static void roll(struct mon *m, int64_t now)
{
	int64_t real = sk_now_real_ns();
	int64_t end = m->cur_start_mono + m->period_ns;
	if (m->npend == GIVL_MAX) { /* cannot happen with grace < 4000 periods */
		close_interval(m, &m->pend[0], false);
		memmove(m->pend, m->pend + 1, --m->npend * sizeof m->pend[0]);
	}
	m->pend[m->npend++] = (struct givl){ m->cur_index, m->cur_start_real, real, end };
	for (size_t i = 0; i < m->nt; i++)
		sk_ivl_tick(&m->t[i]->ivl, now, real, m->t[i]->sent);
	m->cur_index++;
	m->cur_start_mono = end + (now - end) / m->period_ns * m->period_ns;
	m->cur_start_real = real;
}

static void intervals(struct mon *m, int64_t now)
{
	if (now >= m->cur_start_mono + m->period_ns)
		roll(m, now);
	while (m->npend && now >= m->pend[0].end_mono + m->grace_ns) {
		struct givl g = m->pend[0];
		memmove(m->pend, m->pend + 1, --m->npend * sizeof m->pend[0]);
		/* Every target's interval is due at the same time (the same alignment). */
		close_interval(m, &g, false);
	}
}

static int64_t next_event(const struct mon *m)
{
	int64_t t = m->cur_start_mono + m->period_ns;
	if (m->npend && m->pend[0].end_mono + m->grace_ns < t)
		t = m->pend[0].end_mono + m->grace_ns;
	if (m->nheap && m->heap[0]->next_send < t)
		t = m->heap[0]->next_send;
	return t;
}

/* ---- the loop ---- */

static void send_due(struct mon *m, int64_t now)
{
	if (now >= m->next_clock) {
		bool synced;
		m->errest = sk_clock_errest(SK_TS_NTP, &synced);
		m->next_clock = now + 1000000000LL;
	}
	/* At most a round of every target per wake, so replies are read in between. */
	for (size_t k = 0; k < m->nt && m->nheap && m->heap[0]->next_send <= now; k++) {
		struct sk_montgt *t = m->heap[0];
		sk_montgt_send(t, m->txbuf, m->errest, now);
		heap_down(m, 0);
	}
}

static int loop(struct mon *m)
{
	struct epoll_event ev[64];
	while (!sk_stop_requested) {
		if (hup_requested) {
			hup_requested = 0;
			reload(m);
		}
		int64_t now = sk_now_mono_ns();
		bool tw = false;
		for (size_t i = 0; i < m->nt; i++)
			if (m->t[i]->tw) {
				sk_montw_timer(m->t[i], now);
				tw = true;
			}
		send_due(m, now);
		intervals(m, now);
		int64_t wait_ns = next_event(m) - sk_now_mono_ns();
		if (tw && wait_ns > 200000000LL) /* control connections' deadlines and retries */
			wait_ns = 200000000LL;
		/* epoll's milliseconds, rounded up so a wake is never early. */
		int ms = wait_ns <= 0 ? 0 : wait_ns > 1000000000LL ? 1000
			 : (int)((wait_ns + 999999) / 1000000);
		int n = epoll_wait(m->ep, ev, 64, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sk_diag("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct sk_monev *e = ev[i].data.ptr;
			if (e->kind)
				sk_montw_io(e->t, ev[i].events);
			else
				sk_montgt_recv(e->t, m->rx);
		}
	}
	return 0;
}

/* SIGINT/SIGTERM: the interval being sent in and those waiting are closed with what came,
 * then the summary of every target through the report model. */
static void finish(struct mon *m)
{
	int64_t now = sk_now_mono_ns();
	/* A last look at what is queued. */
	for (size_t i = 0; i < m->nt; i++)
		sk_montgt_recv(m->t[i], m->rx);
	m->pend[m->npend < GIVL_MAX ? m->npend++ : GIVL_MAX - 1] = (struct givl){
		m->cur_index, m->cur_start_real, sk_now_real_ns(), m->cur_start_mono + m->period_ns };
	for (unsigned k = 0; k < m->npend; k++)
		close_interval(m, &m->pend[k], true);
	m->npend = 0;
	(void)now;
	struct sk_rsession *rs = calloc(m->nt ? m->nt : 1, sizeof *rs);
	if (!rs) {
		sk_diag("out of memory");
		return;
	}
	for (size_t i = 0; i < m->nt; i++)
		sk_montgt_rsession(m->t[i], &rs[i], (unsigned)i + 1);
	struct sk_report rep = { .command = "monitor", .sessions = rs, .nsessions = m->nt };
	if (m->o->json)
		sk_report_json(stdout, &rep);
	else
		sk_report_table(stdout, &rep);
	fflush(stdout);
	free(rs);
}

/* Up to the hard limit of open files: a socket per target. */
static void raise_nofile(size_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need + 64)
		sk_warn("%zu targets need more open files than the limit %llu (ulimit -n)", need,
			(unsigned long long)rl.rlim_cur);
}

static int mon_open(struct mon *m)
{
	const struct monitor_opts *o = m->o;
	char err[512];
	const char *maddr = o->metrics ? o->metrics : m->conf.metrics[0] ? m->conf.metrics : NULL;
	if (maddr && !(m->mx = sk_mx_open(maddr, err, sizeof err))) {
		sk_diag("--metrics: %s", err);
		return 1;
	}
	double iv = o->report_interval > 0 ? o->report_interval : m->conf.report_interval;
	m->report = iv > 0;
	/* Without reports, intervals of ten seconds settle the loss counter and liveness. */
	m->period_ns = (int64_t)((iv > 0 ? iv : 10.0) * 1e9);
	m->grace_ns = (int64_t)(m->conf.timeout * 1e9);
	m->cur_index = 1;
	m->cur_start_mono = sk_now_mono_ns();
	m->cur_start_real = sk_now_real_ns();
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	m->rxbuf = malloc((size_t)SK_IO_BATCH * SK_MON_MAX_PKT);
	if (m->ep < 0 || !m->rxbuf) {
		sk_diag("cannot start the event loop: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < SK_IO_BATCH; i++) {
		m->rx[i].buf = m->rxbuf + (size_t)i * SK_MON_MAX_PKT;
		m->rx[i].cap = SK_MON_MAX_PKT;
	}
	raise_nofile(m->conf.ntargets);
	if (apply_conf(m))
		return 1;
	if (!m->nt) {
		sk_diag("no target could be started");
		return 1;
	}
	sk_log(SK_LOG_INFO, "Monitoring %zu targets", m->nt);
	return 0;
}

int monitor_run(const struct monitor_opts *o)
{
	struct mon *m = calloc(1, sizeof *m);
	if (!m) {
		sk_diag("out of memory");
		return 1;
	}
	m->o = o;
	m->ep = -1;
	char err[512];
	int status = 0;
	if (sk_monconf_load(o->config, &m->conf, err, sizeof err)) {
		sk_diag("%s", err);
		status = 2;
	}
	if (!status)
		status = mon_open(m);
	if (!status) {
		sk_signals_install(SK_SIG_STOP);
		struct sigaction sa = { .sa_handler = on_hup };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
		srandom((unsigned)sk_now_real_ns());
		status = loop(m);
		finish(m);
	}
	for (size_t i = 0; i < m->nt; i++) {
		sk_montw_close(m->t[i]);
		sk_montgt_close(m->t[i]);
	}
	free(m->t);
	free(m->heap);
	free(m->rxbuf);
	if (m->ep >= 0)
		close(m->ep);
	sk_mx_close(m->mx);
	sk_monconf_free(&m->conf);
	free(m);
	return status;
}
