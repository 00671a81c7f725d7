/* SPDX-License-Identifier: BSD-3-Clause */
/* test_liveopt.c - the live commands' address grammar, DSCP names, checked numbers, --tlv
 * parsing and encoding, IMIX lists, and the sender's and responder's option checks (the
 * option table's ranges and conflicts, and the combinations their commands check). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "commands.h"
#include "optgroups.h"
#include "parse.h"
#include "tlvopt.h"
#include "udpio.h"

static void addr_ok(const char *s, uint16_t defport, int family, bool passive, const char *want)
{
	struct sockaddr_storage ss;
	socklen_t l;
	char err[200], buf[80];
	int r = sk_addr_parse(s, defport, family, passive, &ss, &l, err, sizeof err);
	if (r)
		fail_msg("'%s': %s", s, err);
	sk_sockaddr_str((struct sockaddr *)&ss, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void addr_bad(const char *s, bool passive)
{
	struct sockaddr_storage ss;
	socklen_t l;
	char err[200];
	assert_int_equal(sk_addr_parse(s, 862, 0, passive, &ss, &l, err, sizeof err), -1);
	assert_true(err[0] != 0);
}

static void test_addr_grammar(void **state)
{
	(void)state;
	addr_ok("192.0.2.1", 862, 0, false, "192.0.2.1:862");
	addr_ok("192.0.2.1:20001", 862, 0, false, "192.0.2.1:20001");
	addr_ok("[2001:db8::1]:8620", 862, 0, false, "[2001:db8::1]:8620");
	addr_ok("[2001:db8::1]", 862, 0, false, "[2001:db8::1]:862");
	addr_ok("2001:db8::1", 862, 0, false, "[2001:db8::1]:862");
	addr_ok("::1", 862, 0, false, "[::1]:862");
	addr_ok("localhost:9", 862, 0, false, "127.0.0.1:9");
	/* Wildcards: dual stack unless a family is asked for. */
	addr_ok("", 862, 0, true, "[::]:862");
	addr_ok(":8620", 862, 0, true, "[::]:8620");
	addr_ok(":8620", 862, 4, true, "0.0.0.0:8620");
	addr_ok("", 0, 6, true, "[::]:0");
	addr_bad("", false);              /* a remote needs an address */
	addr_bad("192.0.2.1:70000", false);
	addr_bad("192.0.2.1:-1", false);
	addr_bad("192.0.2.1:", false);
	addr_bad("[2001:db8::1", false);
	addr_bad("[2001:db8::1]x", false);
	addr_bad("no-such-host.invalid", false);
}

static int common_only(void *ctx, const struct sk_optdef *def, const struct sk_optval *v,
		       char *err, size_t errlen)
{
	return sk_common_handle(ctx, def, v, err, errlen) < 0 ? -1 : 0;
}

/* The shared options as the sender's table takes them. */
static int parse_common(struct sk_common *c, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	sk_common_init(c);
	return sk_opt_parse(&sk_cmd_sender, argc, argv, common_only, c, NULL, NULL);
}

static void test_dscp(void **state)
{
	(void)state;
	int d = -1;
	char b[8];
	assert_int_equal(sk_dscp_parse("ef", &d), 0);
	assert_int_equal(d, 46);
	assert_int_equal(sk_dscp_parse("EF", &d), 0);
	assert_int_equal(d, 46);
	assert_int_equal(sk_dscp_parse("af41", &d), 0);
	assert_int_equal(d, 34);
	assert_int_equal(sk_dscp_parse("nc2", &d), 0);
	assert_int_equal(d, 56);
	assert_int_equal(sk_dscp_parse("cs6", &d), 0);
	assert_int_equal(d, 48);
	assert_int_equal(sk_dscp_parse("va", &d), 0);
	assert_int_equal(d, 44);
	assert_int_equal(sk_dscp_parse("cp13", &d), 0);
	assert_int_equal(d, 13);
	assert_int_equal(sk_dscp_parse("46", &d), 0);
	assert_int_equal(d, 46);
	assert_int_equal(sk_dscp_parse("64", &d), -1);
	assert_int_equal(sk_dscp_parse("-1", &d), -1);
	assert_int_equal(sk_dscp_parse("xx", &d), -1);
	assert_string_equal(sk_dscp_name(0, b, sizeof b), "be");
	assert_string_equal(sk_dscp_name(48, b, sizeof b), "nc1");
	assert_string_equal(sk_dscp_name(44, b, sizeof b), "cp44"); /* twampy has no "va" */
	/* --dscp writes DSCP << 2 (twampy wrote the DSCP itself). */
	struct sk_common c;
	char *a1[] = { "sender", "--dscp", "ef", NULL };
	assert_int_equal(parse_common(&c, a1), SK_OPT_CONTINUE);
	assert_int_equal(c.tos, 0xb8);
	char *a2[] = { "sender", "--tos", "256", NULL };
	assert_int_equal(parse_common(&c, a2), SK_EXIT_USAGE);
	char *a3[] = { "sender", "--padding", "-1", NULL };
	assert_int_equal(parse_common(&c, a3), SK_OPT_CONTINUE);
	assert_int_equal(c.padding, -1);
	char *a4[] = { "sender", "--padding", "-2", NULL };
	assert_int_equal(parse_common(&c, a4), SK_EXIT_USAGE);
	char *a5[] = { "sender", "--ttl", "0", NULL };
	assert_int_equal(parse_common(&c, a5), SK_EXIT_USAGE);
	char *a6[] = { "sender", "--dscp", "bogus", NULL };
	assert_int_equal(parse_common(&c, a6), SK_EXIT_USAGE);
}

/* Usage errors of the sender and the responder: exit status 2 before any socket is opened. */
static void test_usage(void **state)
{
	(void)state;
	char *bad[][8] = {
		{ "sender", "--interval", "10", "--rate", "5", NULL }, /* declared conflict */
		{ "sender", "--interval", "0", NULL },
		{ "sender", "--count", "0", NULL },
		{ "sender", "--ssid", "65536", NULL },
		{ "sender", "--reflector", "maybe", NULL },
		{ "sender", "--tlv", "hmac", NULL },                  /* needs --auth */
		{ "sender", "--mode", "twamp-light", "--tlv", "location", NULL },
		{ "sender", "--mode", "twamp-light", "--timestamp", "ptp", NULL },
		{ "sender", "--padding", "2", NULL },                 /* STAMP: 0 or >= 4 */
		{ "sender", "--rate", "1000", "--duration", "1000000", NULL },
		{ "sender", "--raw-mac", "00:11:22", NULL },
		{ "sender", "--flow-label", "1048576", NULL },
		{ "sender", "[::1]", "127.0.0.1", NULL },             /* two IP versions */
		{ "sender", "a", "b", "c", NULL },
		{ "sender", "--bogus", NULL },
		{ "responder", "--allow", "300.1.1.1", NULL },
		{ "responder", "--max-size", "43", NULL },
		{ "responder", "--rate-limit", "0.5", NULL },
		{ "responder", "127.0.0.1:1", "127.0.0.1:2", NULL },
		{ "responder", "127.0.0.1:99999", NULL },
		{ "reflector", "--timer", "-1", NULL },
		{ "dscptable", "--bogus", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int argc = 0;
		while (bad[i][argc])
			argc++;
		const struct sk_cmddef *cmd = sk_command_find(bad[i][0]);
		assert_non_null(cmd);
		int st = cmd->main(argc, bad[i]);
		if (st != SK_EXIT_USAGE)
			fail_msg("%s %s: exit %d, want 2", bad[i][0], bad[i][1], st);
	}
}

static void test_numbers(void **state)
{
	(void)state;
	long v;
	double d;
	assert_int_equal(sk_parse_long("100", 1, 1000, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(sk_parse_long("-5", 1, 1000, &v), -1);
	assert_int_equal(sk_parse_long("5x", 1, 1000, &v), -1);
	assert_int_equal(sk_parse_long("99999999999999999999", 1, 1000, &v), -1);
	assert_int_equal(sk_parse_long("", 1, 1000, &v), -1);
	assert_int_equal(sk_parse_double("0.25", 10, &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(sk_parse_double(".5", 10, &d), 0);
	assert_int_equal(sk_parse_double("-1", 10, &d), -1);
	assert_int_equal(sk_parse_double("nan", 10, &d), -1);
	assert_int_equal(sk_parse_double("inf", 1e9, &d), -1);
	assert_int_equal(sk_parse_double("11", 10, &d), -1);
}

static void test_tlvopt(void **state)
{
	(void)state;
	struct sk_tlvopt o;
	char err[200];
	uint8_t buf[256];
	struct sk_wbuf w;
	assert_int_equal(sk_tlvopt_parse("class-of-service:dscp1=ef", &o, err, sizeof err), 0);
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_tlvopt_put(&w, &o, 1), SK_OK);
	/* RFC 8972 §4: the Session-Sender sets U (0x80) on every TLV; the reflector clears it
	 * when it understood the TLV. */
	const uint8_t cos[8] = { SK_TLV_F_U, 4, 0, 4, 0xb8, 0, 0, 0 };
	assert_int_equal(w.off, 8);
	assert_memory_equal(buf, cos, 8);

	assert_int_equal(sk_tlvopt_parse("location", &o, err, sizeof err), 0);
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_tlvopt_put(&w, &o, 1), SK_OK);
	assert_int_equal(w.off, 4 + 4 + 20 + 20);
	assert_int_equal(buf[1], 2);
	assert_int_equal(sk_ld16(buf + 2), 44);
	assert_int_equal(buf[0], SK_TLV_F_U);
	assert_int_equal(buf[8], SK_TLV_F_U);
	assert_int_equal(buf[9], SK_LOC_DST_IP);
	assert_int_equal(sk_ld16(buf + 10), 16);
	assert_int_equal(buf[29], SK_LOC_SRC_IP);

	assert_int_equal(sk_tlvopt_parse("direct-measurement", &o, err, sizeof err), 0);
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_tlvopt_put(&w, &o, 77), SK_OK);
	assert_int_equal(w.off, 16);
	assert_int_equal(sk_ld32(buf + 4), 77);

	assert_int_equal(sk_tlvopt_parse("return-path:addr=192.0.2.9", &o, err, sizeof err), 0);
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_tlvopt_put(&w, &o, 1), SK_OK);
	const uint8_t rp[12] = { SK_TLV_F_U, 10, 0, 8, SK_TLV_F_U, 2, 0, 4, 192, 0, 2, 9 };
	assert_int_equal(w.off, 12);
	assert_memory_equal(buf, rp, 12);

	assert_int_equal(sk_tlvopt_parse("raw:type=200,len=3", &o, err, sizeof err), 0);
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_tlvopt_put(&w, &o, 1), SK_OK);
	assert_int_equal(w.off, 7);
	assert_int_equal(buf[1], 200);

	assert_int_equal(sk_tlvopt_parse("padding:len=2", &o, err, sizeof err), 0);
	sk_wbuf_init(&w, buf, 5); /* too small: NOSPACE, not an overflow */
	assert_int_equal(sk_tlvopt_put(&w, &o, 1), SK_E_NOSPACE);

	assert_int_equal(sk_tlvopt_parse("nosuch", &o, err, sizeof err), -1);
	assert_int_equal(sk_tlvopt_parse("class-of-service:dscp1=99", &o, err, sizeof err), -1);
	assert_int_equal(sk_tlvopt_parse("destination-address", &o, err, sizeof err), -1);
	assert_int_equal(sk_tlvopt_parse("raw:type=5", &o, err, sizeof err), -1);
	assert_int_equal(sk_tlvopt_parse("location:x", &o, err, sizeof err), -1);
}

static void test_imix(void **state)
{
	(void)state;
	int seen4[3] = { 0 }, seen6[3] = { 0 };
	for (int i = 0; i < 2000; i++) {
		long a = sk_imix_pick(false), b = sk_imix_pick(true);
		assert_true(a == 8 || a == 534 || a == 1458);
		assert_true(b == 0 || b == 514 || b == 1438);
		seen4[a == 8 ? 0 : a == 534 ? 1 : 2]++;
		seen6[b == 0 ? 0 : b == 514 ? 1 : 2]++;
	}
	/* 7:4:1 of 12: loose bounds, the picks are random. */
	assert_true(seen4[0] > seen4[1] && seen4[1] > seen4[2] && seen4[2] > 50);
	assert_true(seen6[0] > seen6[1] && seen6[1] > seen6[2] && seen6[2] > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_grammar),
		cmocka_unit_test(test_dscp),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_tlvopt),
		cmocka_unit_test(test_imix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
