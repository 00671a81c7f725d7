/* SPDX-License-Identifier: BSD-3-Clause */
/* analyze_int.h - the engine behind `stampkit analyze`, apart from option parsing. */
#ifndef STAMPKIT_TOOLS_ANALYZE_INT_H
#define STAMPKIT_TOOLS_ANALYZE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "discover.h"

#define SK_AN_MAX_FILES 8
#define SK_AN_MAX_PORTS 32
#define SK_AN_MAX_SECRETS 8

enum sk_an_cp { SK_AN_CP_AUTO = 0, SK_AN_CP_SENDER, SK_AN_CP_REFLECTOR };

struct sk_analyze_opts {
	int json;
	int heuristic;
	const char *csv;                   /* per-packet records, or NULL */
	const char *plot;                  /* FILE.svg or FILE.png drawn by gnuplot, or NULL */
	uint16_t ports[SK_AN_MAX_PORTS];
	int nports;
	struct sk_disc_secret secrets[SK_AN_MAX_SECRETS];
	int nsecrets;
	enum sk_an_cp cp[SK_AN_MAX_FILES]; /* capture point per file (AUTO: detected) */
	/* How the reflectors number their replies: SK_REFLECTOR_AUTO (detected; TWAMP with
	 * TWAMP-Control is stateful), or as the user knows it. */
	int reflector;
	const char *files[SK_AN_MAX_FILES];
	int nfiles;
};

/* Runs the analysis of o->files and writes the report (table or --json) to out; returns
 * the exit status (0, 1 unreadable, 3 damaged). One client of the feed below. */
int sk_analyze_run(const struct sk_analyze_opts *o, FILE *out, FILE *diag);

/* The analysis fed frame by frame from memory (replay measures what it sends and receives
 * without a capture file):
 *   a = sk_analyze_open(&o, stderr);       inputs: o->files[0..nfiles-1] (names only: they
 *                                          appear in the JSON and messages; 0 = one input)
 *   sk_analyze_feed_frame(a, 0, SK_LINK_ETHERNET, ts_ns, frame, caplen);  ... in time order
 *   sk_analyze_finish(a, &rep);            results; rep stays valid until sk_analyze_close
 *   sk_report_table(stdout, &rep) or sk_report_json(stdout, &rep);
 *   status = sk_analyze_close(a);          --plot, warnings on diag, exit status 0, 1 or 3
 * o must outlive a. o->csv and o->plot work as for files. */
struct sk_an;
struct sk_report;
/* NULL (with a message on diag) when out of memory or --csv cannot be written. */
struct sk_an *sk_analyze_open(const struct sk_analyze_opts *o, FILE *diag);
/* One captured frame of input (0-based) of link type linktype (pcap's LINKTYPE_*),
 * captured at ts_ns (Unix ns). Frames of all inputs in capture-time order. */
void sk_analyze_feed_frame(struct sk_an *a, int input, int linktype, int64_t ts_ns,
			   const uint8_t *data, size_t caplen);
/* Ends the input and fills out (command "analyze", its document members, the sessions).
 * 0, or 1 when out of memory (out then holds no session). */
int sk_analyze_finish(struct sk_an *a, struct sk_report *out);
/* With n >= 2, the sessions' work (pairing, metrics, rows) runs in a second thread while
 * the caller's thread dissects and decodes: same results, same rows in the same order. Call
 * before the first frame. 0, or -1 when the thread could not be had (one thread goes on). */
int sk_analyze_threads(struct sk_an *a, int n);
/* Frames, test packets and sessions so far (a progress line). */
void sk_analyze_counts(const struct sk_an *a, uint64_t *packets, uint64_t *test_packets,
		       unsigned *sessions);
/* An input was damaged (the caller said why on diag): the exit status becomes 3. */
void sk_analyze_note_damage(struct sk_an *a);
/* Draws --plot, writes the warnings and notes on diag, closes and frees a; the exit status:
 * 0, 1 (out of memory, --csv or --plot failed) or 3 (damaged input, malformed test packets). */
int sk_analyze_close(struct sk_an *a);

#endif
