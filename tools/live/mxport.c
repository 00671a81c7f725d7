/* SPDX-License-Identifier: BSD-3-Clause */
/* mxport.c - GET /metrics in the Prometheus text format, served by libmicrohttpd
 * (mxport.h). The page is rendered under the lock from the series the loops update. */
#include "mxport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udpio.h"

/* From 50 µs (loopback) to 2.5 s (a congested satellite path). */
static const double bounds[SK_MX_NBUCKETS] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,
};
static const char *const dir_names[3] = { "outbound", "inbound", "round_trip" };

struct sk_mx {
	struct MHD_Daemon *d;
	pthread_mutex_t mu;
	struct sk_mx_session *sessions, *tail;
	struct sk_mx_counter *ctr;
	size_t nctr;
};

void sk_mx_lock(struct sk_mx *mx)
{
	pthread_mutex_lock(&mx->mu);
}

void sk_mx_unlock(struct sk_mx *mx)
{
	pthread_mutex_unlock(&mx->mu);
}

/* A label value as the exposition format wants it: \, " and newline escaped. */
static void label(FILE *f, const char *k, const char *v)
{
	fprintf(f, "%s=\"", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
	fputc('"', f);
}

static void labels(FILE *f, const struct sk_mx_session *s)
{
	label(f, "session", s->session);
	fputc(',', f);
	label(f, "target", s->target);
	fputc(',', f);
	label(f, "mode", s->mode);
}

/* HELP and TYPE name the sample's name: a counter's with its _total. */
static void family(FILE *f, const char *name, const char *type, const char *help)
{
	const char *sfx = strcmp(type, "counter") ? "" : "_total";
	fprintf(f, "# HELP stampkit_%s%s %s\n# TYPE stampkit_%s%s %s\n", name, sfx, help, name, sfx,
		type);
}

/* One counter family over every live session; member at offset off. */
static void session_counter(FILE *f, const struct sk_mx *mx, const char *name, size_t off,
			    const char *help)
{
	family(f, name, "counter", help);
	for (const struct sk_mx_session *s = mx->sessions; s; s = s->next) {
		if (s->gone)
			continue;
		fprintf(f, "stampkit_%s_total{", name);
		labels(f, s);
		fprintf(f, "} %llu\n",
			(unsigned long long)*(const uint64_t *)((const char *)s + off));
	}
}

static void session_lost(FILE *f, const struct sk_mx *mx)
{
	family(f, "lost_packets", "counter", "test packets lost: round_trip once their loss "
	       "timeout passed, outbound and inbound as far as the reflector's numbering tells");
	for (const struct sk_mx_session *s = mx->sessions; s; s = s->next) {
		if (s->gone)
			continue;
		const uint64_t v[3] = { s->lost_out, s->lost_in, s->lost };
		for (int d = 0; d < 3; d++) {
			fputs("stampkit_lost_packets_total{", f);
			labels(f, s);
			fprintf(f, ",direction=\"%s\"} %llu\n", dir_names[d], (unsigned long long)v[d]);
		}
	}
}

static void session_hist(FILE *f, const struct sk_mx *mx)
{
	family(f, "delay_seconds", "histogram", "delay of each test packet answered (first "
	       "arrival), by direction; one-way delays need synchronised clocks");
	for (const struct sk_mx_session *s = mx->sessions; s; s = s->next) {
		if (s->gone)
			continue;
		for (int d = 0; d < 3; d++) {
			uint64_t cum = 0;
			for (int b = 0; b <= SK_MX_NBUCKETS; b++) {
				cum += s->bucket[d][b];
				fputs("stampkit_delay_seconds_bucket{", f);
				labels(f, s);
				if (b < SK_MX_NBUCKETS)
					fprintf(f, ",direction=\"%s\",le=\"%g\"} %llu\n", dir_names[d],
						bounds[b], (unsigned long long)cum);
				else
					fprintf(f, ",direction=\"%s\",le=\"+Inf\"} %llu\n", dir_names[d],
						(unsigned long long)cum);
			}
			fputs("stampkit_delay_seconds_sum{", f);
			labels(f, s);
			fprintf(f, ",direction=\"%s\"} %.9f\n", dir_names[d], s->sum[d]);
			fputs("stampkit_delay_seconds_count{", f);
			labels(f, s);
			fprintf(f, ",direction=\"%s\"} %llu\n", dir_names[d],
				(unsigned long long)s->count[d]);
		}
	}
}

static void render_sessions(FILE *f, const struct sk_mx *mx)
{
	if (!mx->sessions)
		return;
	session_counter(f, mx, "sent_packets", offsetof(struct sk_mx_session, sent),
			"test packets sent");
	session_counter(f, mx, "received_packets", offsetof(struct sk_mx_session, received),
			"test packets answered (first arrival of each)");
	session_lost(f, mx);
	session_counter(f, mx, "duplicate_packets", offsetof(struct sk_mx_session, duplicates),
			"extra copies of replies already received (RFC 5560)");
	session_counter(f, mx, "reordered_packets", offsetof(struct sk_mx_session, reordered),
			"replies that arrived out of order (RFC 4737)");
	session_counter(f, mx, "late_packets", offsetof(struct sk_mx_session, late),
			"replies that came after their loss timeout (counted as lost)");
	session_counter(f, mx, "bad_replies", offsetof(struct sk_mx_session, bad_replies),
			"replies that were malformed or did not verify");
	family(f, "target_up", "gauge", "1 when a reply came in the last closed interval");
	for (const struct sk_mx_session *s = mx->sessions; s; s = s->next) {
		if (s->gone)
			continue;
		fputs("stampkit_target_up{", f);
		labels(f, s);
		fprintf(f, "} %d\n", s->up ? 1 : 0);
	}
	session_hist(f, mx);
}

/* The reflecting command's table: one family per distinct name (entries of one name are
 * consecutive in the table). */
static void render_counters(FILE *f, const struct sk_mx *mx)
{
	const char *last = NULL;
	for (size_t i = 0; i < mx->nctr; i++) {
		const struct sk_mx_counter *c = &mx->ctr[i];
		if (!last || strcmp(last, c->name))
			family(f, c->name, c->gauge ? "gauge" : "counter", c->help);
		last = c->name;
		fprintf(f, "stampkit_%s%s%s%s%s %llu\n", c->name, c->gauge ? "" : "_total",
			*c->labels ? "{" : "", c->labels, *c->labels ? "}" : "",
			(unsigned long long)c->v);
	}
}

char *sk_mx_render(struct sk_mx *mx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	sk_mx_lock(mx);
	render_sessions(f, mx);
	render_counters(f, mx);
	sk_mx_unlock(mx);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)version, (void)upload, (void)upload_size, (void)con_cls;
	struct sk_mx *mx = cls;
	struct MHD_Response *r;
	unsigned code = MHD_HTTP_OK;
	char *page = NULL;
	static const char not_found[] = "stampkit: only GET /metrics is served here\n";
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
	} else {
		page = sk_mx_render(mx);
		if (!page)
			code = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	if (page)
		r = MHD_create_response_from_buffer(strlen(page), page, MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(sizeof not_found - 1, (void *)not_found,
						    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(page);
		return MHD_NO;
	}
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				page ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

struct sk_mx *sk_mx_open(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	char e[256];
	if (sk_addr_parse(addr, 0, 0, true, &sa, &salen, e, sizeof e)) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	uint16_t port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
						      : ((struct sockaddr_in *)&sa)->sin_port);
	if (!port) {
		snprintf(err, errlen, "'%s': a port is needed (ADDR:PORT)", addr);
		return NULL;
	}
	struct sk_mx *mx = calloc(1, sizeof *mx);
	if (!mx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&mx->mu, NULL);
	/* The server's thread takes no signal: SIGINT/SIGTERM/SIGHUP reach the loop. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	mx->d = MHD_start_daemon(flags, port, NULL, NULL, answer, mx,
				 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	int saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!mx->d) {
		snprintf(err, errlen, "cannot serve on %s: %s", addr,
			 saved ? strerror(saved) : "libmicrohttpd refused");
		pthread_mutex_destroy(&mx->mu);
		free(mx);
		return NULL;
	}
	return mx;
}

void sk_mx_close(struct sk_mx *mx)
{
	if (!mx)
		return;
	MHD_stop_daemon(mx->d);
	for (struct sk_mx_session *s = mx->sessions, *n; s; s = n) {
		n = s->next;
		free(s);
	}
	free(mx->ctr);
	pthread_mutex_destroy(&mx->mu);
	free(mx);
}

struct sk_mx_session *sk_mx_session_add(struct sk_mx *mx, const char *session,
					const char *target, const char *mode)
{
	struct sk_mx_session *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	snprintf(s->session, sizeof s->session, "%s", session);
	snprintf(s->target, sizeof s->target, "%s", target);
	snprintf(s->mode, sizeof s->mode, "%s", mode);
	sk_mx_lock(mx);
	if (mx->tail)
		mx->tail->next = s;
	else
		mx->sessions = s;
	mx->tail = s;
	sk_mx_unlock(mx);
	return s;
}

void sk_mx_session_remove(struct sk_mx *mx, struct sk_mx_session *s)
{
	sk_mx_lock(mx);
	s->gone = true;
	sk_mx_unlock(mx);
}

void sk_mx_reply(struct sk_mx_session *s, const struct sk_reply_info *info)
{
	sk_seq_tally(info->sender.cls, &s->received, &s->reordered, &s->duplicates);
	if (!info->counted)
		return;
	const int64_t ns[3] = { info->delays.outbound_ns, info->delays.inbound_ns,
				info->delays.rtt_ns };
	for (int d = 0; d < 3; d++) {
		double sec = (double)ns[d] / 1e9;
		int b = 0;
		while (b < SK_MX_NBUCKETS && sec > bounds[b])
			b++;
		s->bucket[d][b]++;
		s->sum[d] += sec;
		s->count[d]++;
	}
}

void sk_mx_counters(struct sk_mx *mx, const struct sk_mx_counter *c, size_t n)
{
	struct sk_mx_counter *copy = calloc(n ? n : 1, sizeof *copy);
	if (!copy)
		return;
	memcpy(copy, c, n * sizeof *c);
	sk_mx_lock(mx);
	free(mx->ctr);
	mx->ctr = copy;
	mx->nctr = n;
	sk_mx_unlock(mx);
}

void sk_mx_publish(struct sk_mx *mx, const struct sk_mx_counter *c, size_t n)
{
	sk_mx_lock(mx);
	for (size_t i = 0; i < n && i < mx->nctr; i++)
		mx->ctr[i].v = c[i].v;
	sk_mx_unlock(mx);
}
