/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_file.c - `stampkit analyze` over pcap/pcapng files: the files are merged by
 * capture time into the in-memory feed of the engine (analyze_int.h), then the report is
 * written as twampy's table or one JSON document (report.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze_int.h"
#include "capture.h"
#include "report.h"
#include "stampkit/net.h"

struct af_input {
	struct sk_capture *cap;
	int lt;
	int have;               /* frame holds the next frame */
	int done;               /* nothing more to read */
	struct sk_frame frame;
};

struct af {
	struct af_input in[SK_AN_MAX_FILES];
	int nin;
	struct sk_an *an;
	FILE *diag;
	int progress_shown;
	double progress_last;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A progress line on a terminal, rewritten in place at most twice a second. */
static void progress(struct af *r, int final)
{
	if (final) {
		if (r->progress_shown)
			fputs("\r\033[K", r->diag);
		return;
	}
	double t = now_s();
	if (t - r->progress_last < 0.5)
		return;
	r->progress_last = t;
	r->progress_shown = 1;
	long long done = 0, total = 0;
	for (int f = 0; f < r->nin; f++) {
		long long pos, size;
		sk_capture_progress(r->in[f].cap, &pos, &size);
		if (size < 0) {
			total = -1;
			break;
		}
		done += pos, total += size;
	}
	uint64_t packets, tests;
	unsigned sessions;
	sk_analyze_counts(r->an, &packets, &tests, &sessions);
	fprintf(r->diag, "\rstampkit analyze: %.1f M packets, %" PRIu64 " test packets, %u sessions",
		(double)packets / 1e6, tests, sessions);
	if (total > 0)
		fprintf(r->diag, ", %.0f %%", 100.0 * (double)done / (double)total);
	fputs("\033[K", r->diag);
	fflush(r->diag);
}

/* The input whose next frame is the earliest (files merged by capture time). */
static int next_input(struct af *r)
{
	int best = -1;
	for (int f = 0; f < r->nin; f++) {
		struct af_input *in = &r->in[f];
		if (!in->have && !in->done) {
			int k = sk_capture_next(in->cap, &in->frame);
			in->have = k == 1;
			in->done = k != 1; /* end, or damage: sk_capture_error says which */
		}
		if (in->have && (best < 0 || in->frame.ts_ns < r->in[best].frame.ts_ns))
			best = f;
	}
	return best;
}

static void close_inputs(struct af *r)
{
	for (int f = 0; f < r->nin; f++)
		sk_capture_close(r->in[f].cap);
}

static int open_inputs(struct af *r, const struct sk_analyze_opts *o)
{
	int stdin_used = 0;
	for (int f = 0; f < o->nfiles && f < SK_AN_MAX_FILES; f++) {
		char errbuf[512];
		struct af_input *in = &r->in[f];
		const char *name = o->files[f];
		if (!strcmp(name, "-") && stdin_used++) {
			fprintf(r->diag, "stampkit analyze: standard input (-) can be read only once\n");
			return -1;
		}
		in->cap = sk_capture_open(name, errbuf, sizeof errbuf);
		r->nin = f + 1;
		if (!in->cap) {
			fprintf(r->diag, "stampkit analyze: %s: %s\n", name, errbuf);
			return -1;
		}
		in->lt = sk_capture_linktype(in->cap);
		if (!sk_net_linktype_supported(in->lt)) {
			fprintf(r->diag, "stampkit analyze: %s: link type %d is not supported\n", name,
				in->lt);
			return -1;
		}
	}
	return 0;
}

int sk_analyze_run(const struct sk_analyze_opts *o, FILE *out, FILE *diag)
{
	struct af r;
	memset(&r, 0, sizeof r);
	r.diag = diag;
	if (open_inputs(&r, o) != 0) {
		close_inputs(&r);
		return 1;
	}
	r.an = sk_analyze_open(o, diag);
	if (!r.an) {
		close_inputs(&r);
		return 1;
	}
	/* Two threads where there are two processors (the results do not depend on it);
	 * STAMPKIT_ANALYZE_THREADS=1 or 2 chooses. */
	const char *th = getenv("STAMPKIT_ANALYZE_THREADS");
	int threads = th && (th[0] == '1' || th[0] == '2') && !th[1] ? th[0] - '0'
		      : (sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1);
	(void)sk_analyze_threads(r.an, threads);
	/* Only on a terminal, and not before the first second. */
	int show = isatty(fileno(diag));
	r.progress_last = now_s() + 0.5;
	uint64_t n = 0;
	int f;
	while ((f = next_input(&r)) >= 0) {
		struct af_input *in = &r.in[f];
		in->have = 0;
		if (show && (++n & 0xffff) == 0)
			progress(&r, 0);
		sk_analyze_feed_frame(r.an, f, in->lt, in->frame.ts_ns, in->frame.data,
				      in->frame.caplen);
	}
	progress(&r, 1);
	struct sk_report rep;
	int status = sk_analyze_finish(r.an, &rep);
	/* Once a second thread has run, stdio locks the stream at every character; only this
	 * thread writes the report (the other has ended), and with 100,000 sessions the locking
	 * alone costs about a second. */
	int lk = __fsetlocking(out, FSETLOCKING_QUERY);
	__fsetlocking(out, FSETLOCKING_BYCALLER);
	if (o->json)
		sk_report_json(out, &rep);
	else
		sk_report_table(out, &rep);
	fflush(out);
	__fsetlocking(out, lk);
	for (int g = 0; g < r.nin; g++) {
		const char *cerr = sk_capture_error(r.in[g].cap);
		if (cerr) {
			fprintf(diag, "stampkit analyze: warning: %s: capture is damaged (%s); the results "
				      "cover the frames before the damage\n",
				o->files[g], cerr);
			sk_analyze_note_damage(r.an);
		}
	}
	int st = sk_analyze_close(r.an);
	close_inputs(&r);
	return status ? status : st;
}
