/* SPDX-License-Identifier: BSD-3-Clause */
/* test_report.c - the report model and its writers (report.h): a session filled from the
 * codec's metrics, a silent one, command members of every type with characters JSON must
 * escape, the table's blocks and summary; and analyze's in-memory feed giving exactly what
 * `stampkit analyze` gives for the same capture. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analyze_int.h"
#include "capture.h"
#include "report.h"
#include "stampkit/metrics.h"

/* Runs a writer into a string (free it). */
#define CAPTURE(buf, stmt)                                          \
	do {                                                        \
		size_t n_;                                          \
		FILE *f_ = open_memstream(&(buf), &n_);             \
		assert_non_null(f_);                                \
		FILE *out = f_;                                     \
		stmt;                                               \
		fclose(f_);                                         \
	} while (0)

/* A stateful reflector: 10 sent, 2 lost on the way out (3, 7), outbound 1 ms, inbound 2 ms,
 * residence 10 µs. */
static struct sk_session *make_session(void)
{
	struct sk_session *s;
	struct sk_session_config cfg = { 64, 0, 0, SK_REFLECTOR_STATEFUL };
	assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
	uint32_t rseq = 0;
	for (uint32_t seq = 0; seq < 10; seq++) {
		if (seq == 3 || seq == 7)
			continue;
		int64_t t1 = 1000000000LL + seq * 10000000LL;
		struct sk_reply r = { seq, rseq++, t1, t1 + 1000000, t1 + 1010000, t1 + 3010000 };
		assert_int_equal(sk_session_add(s, &r, NULL), SK_OK);
	}
	sk_session_finish(s);
	return s;
}

static void fill(struct sk_report *rep, struct sk_rsession *rs, struct sk_session *s)
{
	memset(rep, 0, sizeof *rep);
	memset(rs, 0, 2 * sizeof *rs);
	rs[0].index = 1;
	snprintf(rs[0].sender, sizeof rs[0].sender, "192.0.2.1:40000");
	snprintf(rs[0].reflector, sizeof rs[0].reflector, "[2001:db8::1]:862");
	rs[0].mode = SK_RMODE_STAMP;
	rs[0].has_ssid = true;
	rs[0].ssid = 7;
	sk_rsession_from_sender(&rs[0], s, 10);
	sk_rsession_kv_u64(&rs[0], "send_errors", "send errors", 3);
	sk_rsession_kv_str(&rs[0], "note", "note", "a\"b\\c\nd\x01");
	sk_rsession_kv_double(&rs[0], "rate", NULL, NAN);
	sk_rsession_kv_bool(&rs[0], "auth", "authenticated", true);
	sk_rsession_kv_i64(&rs[0], "offset_ns", NULL, -5);
	rs[1].index = 2;
	snprintf(rs[1].sender, sizeof rs[1].sender, "192.0.2.1:40002");
	snprintf(rs[1].reflector, sizeof rs[1].reflector, "198.51.100.1:862");
	rs[1].mode = SK_RMODE_TWAMP_LIGHT;
	sk_rsession_silent(&rs[1], 5);
	rep->command = "test";
	rep->sessions = rs;
	rep->nsessions = 2;
	sk_report_kv_str(rep, "files", NULL);
	sk_report_kv_raw(rep, "list", "[1,2]");
	sk_report_kv_double(rep, "ratio", 0.25);
}

static void test_model(void **state)
{
	(void)state;
	struct sk_session *s = make_session();
	struct sk_report rep;
	struct sk_rsession rs[2];
	fill(&rep, rs, s);
	assert_int_equal(rs[0].seen, SK_RSEEN_SENDER);
	assert_int_equal(rs[0].reflector_state, SK_RSTATE_STATEFUL);
	assert_int_equal(rs[0].received, 8);
	assert_int_equal(rs[0].lost, 2);
	assert_true(rs[0].dir[SK_RDIR_OUT].have_lost);
	assert_int_equal(rs[0].dir[SK_RDIR_OUT].lost, 2);
	assert_int_equal(rs[0].dir[SK_RDIR_IN].lost, 0);
	assert_true(rs[0].dir[SK_RDIR_OUT].have_delay);
	assert_int_equal(rs[0].dir[SK_RDIR_OUT].delay.min, 1000000);
	assert_int_equal(rs[0].dir[SK_RDIR_IN].delay.max, 2000000);
	assert_true(rs[0].have_residence);
	assert_int_equal(rs[0].residence.min, 10000);
	assert_int_equal(rs[1].seen, SK_RSEEN_NONE);
	assert_int_equal(rs[1].unknown_lost, 5);
	assert_false(rs[1].dir[SK_RDIR_OUT].have_lost);
	assert_int_equal(rs[1].dir[SK_RDIR_RTT].lost, 5);
	sk_session_free(s);
}

static void test_json(void **state)
{
	(void)state;
	struct sk_session *s = make_session();
	struct sk_report rep;
	struct sk_rsession rs[2];
	fill(&rep, rs, s);
	char *j = NULL;
	CAPTURE(j, sk_report_json(out, &rep));
	assert_non_null(strstr(j, "{\"command\":\"test\",\"version\":\"0.1.0\",\"files\":null,"
				  "\"list\":[1,2],\"ratio\":0.25,\"sessions\":[{\"index\":1,"
				  "\"sender\":\"192.0.2.1:40000\",\"reflector\":\"[2001:db8::1]:862\","
				  "\"ssid\":7,\"mode\":\"stamp\",\"sent\":10,\"received\":8,"));
	assert_non_null(strstr(j, "\"outbound\":{\"lost\":2,\"loss_pct\":20.000,\"duplicates\":0,"
				  "\"reordered\":0,\"max_extent\":0,\"min_us\":1000.000,"));
	assert_non_null(strstr(j, ",\"wire\":null,\"send_errors\":3,"
				  "\"note\":\"a\\\"b\\\\c\\nd\\u0001\",\"rate\":null,\"auth\":true,"
				  "\"offset_ns\":-5}"));
	assert_non_null(strstr(j, "{\"index\":2,\"sender\":\"192.0.2.1:40002\",\"reflector\":"
				  "\"198.51.100.1:862\",\"ssid\":null,\"mode\":\"twamp-light\",\"sent\":5,"
				  "\"received\":0,\"reflected\":0,\"unknown_lost\":5,\"reflector_state\":"
				  "\"unknown\",\"outbound\":{\"lost\":null,\"loss_pct\":null,"));
	assert_non_null(strstr(j, "],\"summary\":{\"sessions\":2,\"sent\":15,\"received\":8,"
				  "\"lost\":7,\"loss_pct\":46.667,\"duplicates\":0,\"reordered\":0}}\n"));
	assert_ptr_equal(strchr(j, '\n'), j + strlen(j) - 1); /* one line */
	free(j);
	sk_session_free(s);
}

static void test_table(void **state)
{
	(void)state;
	struct sk_session *s = make_session();
	struct sk_report rep;
	struct sk_rsession rs[2];
	fill(&rep, rs, s);
	rep.summary_tail = "; more";
	rep.table_notes = "a note\n";
	char *t = NULL;
	CAPTURE(t, sk_report_table(out, &rep));
	assert_non_null(strstr(t, "Session 1: 192.0.2.1:40000 -> [2001:db8::1]:862, stamp SSID 7, "
				  "stateful reflector, seen at the sender\n"));
	/* twampy's fields: 1 ms is still written in us, 2 ms in ms; jitter 0 */
	assert_non_null(strstr(t, "  Outbound:        1000us      1000us      1000us         0us"
				  "     20.0%\n"));
	assert_non_null(strstr(t, "  Inbound:         2.00ms      2.00ms      2.00ms         0us"
				  "      0.0%\n"));
	assert_non_null(strstr(t, "  Sent 10, received 8, lost 2 (outbound 2, inbound 0, after the "
				  "last reply 0)\n"));
	assert_non_null(strstr(t, "  send errors: 3\n  note: a\"b\\c\nd\x01\n  authenticated: yes\n"));
	assert_null(strstr(t, "offset_ns")); /* JSON only */
	assert_non_null(strstr(t, "Session 2: 192.0.2.1:40002 -> 198.51.100.1:862, twamp-light, "
				  "silent reflector, no replies\n"));
	assert_non_null(strstr(t, "  NO STATS AVAILABLE (100% loss)\n"));
	assert_non_null(strstr(t, "  Sent 5, received 0, lost 5\n\n"));
	assert_non_null(strstr(t, "Summary: 2 sessions, sent 15, received 8, lost 7 (46.7%), "
				  "0 duplicates, 0 reordered; more\na note\n"));
	assert_null(strstr(t, "count         min")); /* the ms rows only on request */
	free(t);
	rep.table_ms_rows = true;
	CAPTURE(t, sk_report_table(out, &rep));
	assert_non_null(strstr(t, "  outbound           8       1.000       1.000       1.000"));
	assert_non_null(strstr(t, "  reflector          8       0.010       0.010       0.010"));
	free(t);
	sk_session_free(s);
}

static void test_csv(void **state)
{
	(void)state;
	char *c = NULL;
	struct sk_rpacket p;
	memset(&p, 0, sizeof p);
	p.session = 3;
	p.sender = "192.0.2.1", p.reflector = "198.51.100.1";
	p.sender_port = 40000, p.reflector_port = 862;
	p.seq = 9;
	p.have_t[0] = true, p.t_ns[0] = 100;
	p.have_sender_cap = true, p.sender_cap_ns = 99;
	p.lost = true;
	CAPTURE(c, (sk_report_csv_header(out), sk_report_csv_row(out, &p)));
	assert_string_equal(c, "session,sender,sender_port,reflector,reflector_port,ssid,seq,"
			       "reflector_seq,t1_ns,t2_ns,t3_ns,t4_ns,sender_capture_ns,"
			       "reply_capture_ns,outbound_ns,inbound_ns,roundtrip_ns,residence_ns,"
			       "lost,duplicate,reordered\n"
			       "3,192.0.2.1,40000,198.51.100.1,862,,9,,100,,,,99,,,,,,1,0,0\n");
	free(c);
}

/* The feed, frame by frame from memory, gives byte for byte what the file reader gives. */
static void test_feed(void **state)
{
	(void)state;
	char path[1024];
	const char *src = __FILE__;
	const char *cut = strstr(src, "tests/tools/test_report.c");
	assert_non_null(cut);
	snprintf(path, sizeof path, "%.*spcaps/synthetic/analyze-stateful-sender.pcap",
		 (int)(cut - src), src);
	struct sk_analyze_opts o;
	memset(&o, 0, sizeof o);
	o.json = 1;
	o.reflector = SK_REFLECTOR_AUTO;
	o.files[0] = path;
	o.nfiles = 1;
	char *want = NULL, *got = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	assert_non_null(devnull);
	CAPTURE(want, assert_int_equal(sk_analyze_run(&o, out, devnull), 0));

	char err[256];
	struct sk_capture *cap = sk_capture_open(path, err, sizeof err);
	assert_non_null(cap);
	struct sk_an *a = sk_analyze_open(&o, devnull);
	assert_non_null(a);
	struct sk_frame fr;
	while (sk_capture_next(cap, &fr) == 1)
		sk_analyze_feed_frame(a, 0, sk_capture_linktype(cap), fr.ts_ns, fr.data, fr.caplen);
	sk_capture_close(cap);
	struct sk_report rep;
	assert_int_equal(sk_analyze_finish(a, &rep), 0);
	assert_int_equal(rep.nsessions, 1);
	assert_int_equal(rep.sessions[0].sent, 60);
	assert_int_equal(rep.sessions[0].received, 56);
	assert_int_equal(rep.sessions[0].dir[SK_RDIR_OUT].lost, 2);
	assert_int_equal(rep.sessions[0].dir[SK_RDIR_IN].lost, 2);
	CAPTURE(got, sk_report_json(out, &rep));
	assert_int_equal(sk_analyze_close(a), 0);
	assert_string_equal(got, want);
	free(want);
	free(got);
	fclose(devnull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model), cmocka_unit_test(test_json), cmocka_unit_test(test_table),
		cmocka_unit_test(test_csv), cmocka_unit_test(test_feed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
