/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_result.c - the end of an analysis: each session's result as a report object
 * (report.h), the document members of `stampkit analyze`, --plot and the warnings. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_state.h"
#include "jsonw.h"

/* Sent: the highest sender number captured where the sender sends, else in any packet. */
static uint64_t sent_of(const struct sk_an *a, const struct an_sess *x)
{
	uint32_t hi = x->hi_any;
	int found = 0;
	for (int f = 0; f < a->nin; f++)
		if ((x->himask >> f & 1) && a->in[f].cp != SK_AN_CP_REFLECTOR) {
			if (!found || (int32_t)(x->hi[f] - hi) > 0)
				hi = x->hi[f];
			found = 1;
		}
	if (found && (int32_t)(x->hi_any - hi) > 0)
		hi = x->hi_any; /* a reply to a number the capture did not see sent */
	return (uint64_t)(uint32_t)(hi - x->first) + 1;
}

static void session_result(const struct sk_an *a, const struct an_sess *x, struct sk_rsession *r)
{
	memset(r, 0, sizeof *r);
	r->index = x->index;
	sk_rendpoint(r->sender, sizeof r->sender, x->ipver, x->saddr, x->sport);
	sk_rendpoint(r->reflector, sizeof r->reflector, x->ipver, x->raddr, x->rport);
	r->mode = x->mode;
	r->has_ssid = x->mode == SK_RMODE_STAMP;
	r->ssid = x->ssid;
	uint64_t sent = sent_of(a, x);
	if (x->sv && x->rv)
		sk_rsession_from_both(r, x->sv, x->rv, sent);
	else if (x->sv)
		sk_rsession_from_sender(r, x->sv, sent);
	else if (x->rv)
		sk_rsession_from_reflector(r, x->rv, sent);
	else
		sk_rsession_silent(r, sent);
	if (x->wire)
		sk_rsession_wire(r, x->wire);
}

static const char *cp_name(enum sk_an_cp cp)
{
	return cp == SK_AN_CP_REFLECTOR ? "reflector" : cp == SK_AN_CP_SENDER ? "sender" : "unknown";
}

/* The "files" and "capture_points" arrays as JSON text (document members of the report). */
static int arrays_json(struct sk_an *a)
{
	size_t n1 = 0, n2 = 0;
	FILE *f1 = open_memstream(&a->files_json, &n1);
	FILE *f2 = f1 ? open_memstream(&a->cps_json, &n2) : NULL;
	if (!f1 || !f2) {
		if (f1)
			fclose(f1);
		return -1;
	}
	struct sk_jw w1, w2;
	sk_jw_init(&w1, f1);
	sk_jw_init(&w2, f2);
	sk_jw_arr(&w1, NULL);
	sk_jw_arr(&w2, NULL);
	for (int f = 0; f < a->nin; f++) {
		sk_jw_str(&w1, NULL, a->in[f].name);
		sk_jw_str(&w2, NULL, cp_name(a->in[f].cp));
	}
	sk_jw_arr_end(&w1);
	sk_jw_arr_end(&w2);
	int e1 = fclose(f1), e2 = fclose(f2);
	return e1 || e2 ? -1 : 0;
}

int sk_an_build_report(struct sk_an *a, struct sk_report *out)
{
	memset(out, 0, sizeof *out);
	out->command = "analyze";
	free(a->rs);
	free(a->files_json);
	free(a->cps_json);
	a->files_json = a->cps_json = NULL;
	a->rs = a->nsess ? calloc(a->nsess, sizeof *a->rs) : NULL;
	int oom = (a->nsess && !a->rs) || arrays_json(a) != 0;
	if (oom) {
		fprintf(a->diag, "stampkit analyze: out of memory for the report\n");
		return 1;
	}
	for (unsigned i = 0; i < a->nsess; i++)
		session_result(a, a->list[i], &a->rs[i]);
	out->sessions = a->rs;
	out->nsessions = a->nsess;
	sk_report_kv_raw(out, "files", a->files_json);
	sk_report_kv_u64(out, "packets", a->packets);
	sk_report_kv_u64(out, "test_packets", a->test_packets);
	sk_report_kv_u64(out, "malformed", a->malformed);
	sk_report_kv_raw(out, "capture_points", a->cps_json);
	snprintf(a->summary_tail, sizeof a->summary_tail,
		 "; %" PRIu64 " test packets (%" PRIu64 " malformed) in %" PRIu64 " packets",
		 a->test_packets, a->malformed, a->packets);
	out->summary_tail = a->summary_tail;
	return 0;
}

/* ---- --plot ---- */

int sk_an_draw_plot(struct sk_an *a)
{
	char titles[SK_AN_PLOT_MAX][200];
	const char *tp[SK_AN_PLOT_MAX];
	unsigned n = a->nsess < SK_AN_PLOT_MAX ? a->nsess : SK_AN_PLOT_MAX;
	for (unsigned i = 0; i < n; i++) {
		const struct an_sess *x = a->list[i];
		char s[80], r[80];
		sk_rendpoint(s, sizeof s, x->ipver, x->saddr, x->sport);
		sk_rendpoint(r, sizeof r, x->ipver, x->raddr, x->rport);
		snprintf(titles[i], sizeof titles[i], "Session %u: %s -> %s", x->index, s, r);
		tp[i] = titles[i];
	}
	/* gnuplot writes the temporary file by name; only a complete drawing replaces the
	 * user's file (a failure leaves a previous one as it was). */
	struct sk_outfile of;
	char err[PATH_MAX + 100];
	if (sk_outfile_open(&of, a->o->plot, err, sizeof err) != 0) {
		fprintf(a->diag, "stampkit analyze: --plot: %s\n", err);
		return -1;
	}
	fclose(of.fp);
	of.fp = NULL;
	if (sk_an_plot_draw(&a->plot, sk_outfile_name(&of), a->o->plot, tp, n, a->nsess,
			    a->diag) != 0) {
		sk_outfile_abort(&of);
		return -1;
	}
	if (sk_outfile_commit(&of, err, sizeof err) != 0) {
		fprintf(a->diag, "stampkit analyze: --plot: %s\n", err);
		return -1;
	}
	sk_an_plot_drawn(a->o->plot, n, a->nsess, a->diag);
	return 0;
}

/* ---- warnings ---- */

int sk_an_diagnose(struct sk_an *a, int status)
{
	FILE *diag = a->diag;
	for (int g = 0; g < a->nin; g++)
		if (a->in[g].assumed)
			fprintf(diag, "stampkit analyze: note: %s: capture point not detectable (no reply "
				      "together with its sender packet); taken as the sender "
				      "(--capture-point overrides)\n",
				a->in[g].name);
	if (a->malformed) {
		fprintf(diag, "stampkit analyze: warning: %" PRIu64 " of %" PRIu64
			      " test packets are truncated or malformed (left out of the results)\n",
			a->malformed, a->test_packets);
		status = 3;
	}
	if (a->bad_udp) {
		fprintf(diag, "stampkit analyze: warning: %" PRIu64 " UDP datagrams to or from a test "
			      "port have a malformed IP or UDP header (left out of the results)\n",
			a->bad_udp);
		status = 3;
	}
	if (a->fragments)
		fprintf(diag, "stampkit analyze: warning: %" PRIu64
			      " test packets are IPv6 fragments, which are not reassembled (left out)\n",
			a->fragments);
	struct sk_ipfrag_stats fs;
	sk_ipfrag_stats(a->frag, &fs);
	if (fs.incomplete || fs.bad)
		fprintf(diag, "stampkit analyze: warning: IPv4 fragments: %" PRIu64 " datagrams "
			      "reassembled, %" PRIu64 " incomplete (fragments missing), %" PRIu64
			      " fragments unusable (cut short or inconsistent)\n",
			fs.reassembled, fs.incomplete, fs.bad);
	if (a->undecrypted)
		fprintf(diag, "stampkit analyze: warning: %" PRIu64
			      " authenticated or encrypted test packets could not be decrypted (give "
			      "--secret KEYID=PASSPHRASE)\n",
			a->undecrypted);
	if (a->nsess == 0)
		fprintf(diag, "stampkit analyze: note: no test session found (test packets are looked "
			      "for on UDP 862, on --port, on ports negotiated by TWAMP-Control; see "
			      "also --heuristic and --secret)\n");
	if (a->session_overflow) {
		fprintf(diag, "stampkit analyze: error: out of memory for further sessions: %" PRIu64
			      " test packets left out\n", a->session_overflow);
		status = status ? status : 1;
	}
	if (a->alloc_failures) {
		fprintf(diag, "stampkit analyze: error: out of memory for %" PRIu64 " session objects\n",
			a->alloc_failures);
		status = status ? status : 1;
	}
	if (sk_tcpstream_overflows(a->tcp))
		fprintf(diag, "stampkit analyze: warning: %" PRIu64
			      " TCP segments ignored: too many control connections at once\n",
			sk_tcpstream_overflows(a->tcp));
	if (a->csv && (fflush(a->csv) != 0 || ferror(a->csv))) {
		fprintf(diag, "stampkit analyze: error writing %s\n", a->o->csv);
		status = 1;
	}
	return status;
}
