/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_engine.c - capture -> frames -> UDP test flows and TCP control streams -> visitors.
 * Flow roles follow RFC 5357 §3.5 (negotiated Sender/Receiver Port) and RFC 8762 §4.1
 * (the packet to the reflector port is the Session-Sender's). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "decode.h"
#include "decode_int.h"
#include "decode_proto.h"
#include "tcpstream.h"
#include "stampkit/net.h"

/* ---- UDP test flows ---- */

static void handle_udp(struct sk_dec *e)
{
	const struct sk_pkt *p = &e->pkt;
	int role;
	struct sk_twsess *s;
	enum sk_disc_how how = sk_disc_udp(&e->disc, p, e->frame.ts_ns, &role, &s);
	if (how != SK_DISC_NOT_TEST)
		sk_dec_test(e, p->payload, p->payload_len, role, s, sk_disc_how_name(how));
}

/* ---- TCP control streams ---- */

static void tcp_data(void *ctx, struct sk_tcpconn *c, int dir, const uint8_t *p, size_t n,
		     uint64_t frame)
{
	(void)frame;
	sk_dec_control_data(ctx, c, dir, p, n);
}
static void tcp_gap(void *ctx, struct sk_tcpconn *c, int dir, uint32_t missing, uint64_t frame)
{
	(void)frame;
	sk_dec_control_gap(ctx, c, dir, missing);
}
static void tcp_opened(void *ctx, struct sk_tcpconn *c) { sk_dec_control_open(ctx, c); }
static void tcp_dropped(void *ctx, struct sk_tcpconn *c) { sk_dec_control_close(ctx, c); }

/* ---- progress on a terminal ---- */

/* A line on standard error while a long capture is read, as analyze shows it: only when
 * standard error is a terminal and the packets go elsewhere (a tree on the same terminal
 * would be torn by it), from the first second on, twice a second. */
struct dec_progress {
	int on, shown;
	double last;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_init(struct dec_progress *pg, FILE *out, FILE *diag)
{
	pg->on = isatty(fileno(diag)) && !isatty(fileno(out));
	pg->shown = 0;
	pg->last = now_s() + 0.5;
}

static void progress(struct dec_progress *pg, const struct sk_dec *e, struct sk_capture *cap,
		     int final)
{
	if (!pg->on)
		return;
	if (final) {
		if (pg->shown)
			fputs("\r\033[K", e->diag);
		return;
	}
	double t = now_s();
	if (t - pg->last < 0.5)
		return;
	pg->last = t;
	pg->shown = 1;
	long long pos, size;
	sk_capture_progress(cap, &pos, &size);
	fprintf(e->diag, "\rstampkit decode: %" PRIu64 " frames, %" PRIu64 " test packets, %" PRIu64
		" control messages", e->frames, e->test_packets, e->control_messages);
	if (size > 0)
		fprintf(e->diag, ", %.0f %%", 100.0 * (double)pos / (double)size);
	fputs("\033[K", e->diag);
	fflush(e->diag);
}

/* ---- the run ---- */

static void read_frames(struct sk_dec *e, struct sk_capture *cap, int lt)
{
	struct dec_progress pg;
	progress_init(&pg, e->out, e->diag);
	while (sk_capture_next(cap, &e->frame) == 1) {
		e->frames++;
		if (pg.on && (e->frames & 63) == 0)
			progress(&pg, e, cap, 0);
		struct sk_error err = { 0 };
		enum sk_result nr = sk_net_dissect(lt, e->frame.data, e->frame.caplen, &e->pkt, &err);
		if (nr != SK_OK || !e->pkt.l4) {
			if (nr == SK_E_TRUNCATED)
				e->short_frames++;
			else if (sk_disc_bad_udp(&e->disc, nr, e->frame.data, e->frame.caplen, &e->pkt))
				e->bad_udp++;
			continue;
		}
		e->cur_frame = e->frame.index;
		if (e->pkt.proto == 17) {
			handle_udp(e);
		} else if (e->pkt.proto == 6 && (sk_disc_port_listed(&e->disc, e->pkt.sport) ||
						 sk_disc_port_listed(&e->disc, e->pkt.dport))) {
			if (e->pkt.trunc & SK_NET_TRUNC_PAYLOAD)
				e->short_frames++;
			if (sk_tcpstream_segment(e->tcp, &e->pkt, e->frame.index) != 0)
				e->tcp_overflow++;
		}
	}
	sk_tcpstream_flush(e->tcp, e->frame.index);
	progress(&pg, e, cap, 1);
}

/* Warnings after the run; returns the exit status. */
static int conclude(struct sk_dec *e, struct sk_capture *cap)
{
	const struct sk_decode_opts *o = e->o;
	int status = 0;
	const char *cerr = sk_capture_error(cap);
	if (cerr) {
		fprintf(e->diag, "stampkit decode: warning: %s: capture is damaged (%s); %" PRIu64
				 " packets shown from what could be read\n",
			o->file, cerr, e->shown);
		status = 3;
	}
	if (e->bad_packets) {
		fprintf(e->diag, "stampkit decode: warning: %" PRIu64 " of %" PRIu64
				 " packets shown are truncated or malformed\n",
			e->bad_packets, e->shown);
		status = 3;
	}
	if (e->bad_udp) {
		fprintf(e->diag, "stampkit decode: warning: %" PRIu64 " UDP datagrams to or from a test "
				 "port have a malformed IP or UDP header (not shown)\n",
			e->bad_udp);
		status = 3;
	}
	if (e->tcp_overflow)
		fprintf(e->diag, "stampkit decode: warning: %" PRIu64
				 " TCP segments ignored: too many control connections at once\n",
			e->tcp_overflow);
	/* Nothing found where decode looks by default: the test port is probably another one. */
	if (!e->test_packets && !o->nports)
		fprintf(e->diag, "stampkit decode: %s: no test packets found on UDP port 862 or on "
				 "ports negotiated by TWAMP-Control in the capture; give the test "
				 "port with --port N%s\n",
			o->file, o->heuristic ? "" : ", or look at every UDP packet with --heuristic");
	return status;
}

int sk_decode_run(const struct sk_decode_opts *o, FILE *out, FILE *diag)
{
	char errbuf[512];
	struct sk_capture *cap = sk_capture_open(o->file, errbuf, sizeof errbuf);
	if (!cap) {
		fprintf(diag, "stampkit decode: %s\n", errbuf);
		return 1;
	}
	int lt = sk_capture_linktype(cap);
	if (!sk_net_linktype_supported(lt)) {
		fprintf(diag, "stampkit decode: %s: link type %d is not supported\n", o->file, lt);
		sk_capture_close(cap);
		return 1;
	}
	struct sk_dec *e = calloc(1, sizeof *e);
	struct sk_tcpstream_ops ops = { tcp_data, tcp_gap, tcp_opened, tcp_dropped, e };
	struct sk_tcpstream *tcp = sk_tcpstream_create(64, 16384, &ops);
	if (!e || !tcp || sk_disc_init(&e->disc, o->ports, o->nports, o->heuristic, o->secrets,
				       o->nsecrets) != 0) {
		fprintf(diag, "stampkit decode: out of memory\n");
		if (e)
			sk_disc_free(&e->disc);
		free(e), sk_tcpstream_destroy(tcp), sk_capture_close(cap);
		return 1;
	}
	e->o = o;
	e->out = out;
	e->diag = diag;
	e->tcp = tcp;
	sk_dec_out_init(e);
	if (sk_dec_proto_init(e) != 0) {
		fprintf(diag, "stampkit decode: cannot initialise the crypto library\n");
		sk_dec_out_free(e);
		sk_tcpstream_destroy(tcp), sk_disc_free(&e->disc), free(e), sk_capture_close(cap);
		return 1;
	}
	sk_dec_doc_begin(e);
	read_frames(e, cap, lt);
	sk_tcpstream_destroy(tcp);
	sk_dec_proto_done(e);
	sk_dec_doc_end(e, sk_capture_error(cap) != NULL);
	fflush(out);
	int status = conclude(e, cap);
	sk_dec_out_free(e);
	sk_capture_close(cap);
	sk_disc_free(&e->disc);
	free(e);
	return status;
}
