/* SPDX-License-Identifier: BSD-3-Clause */
/* test_output.c - the text and JSON visitors: every field kind, value names, flag bits,
 * MBZ, duplicate keys, TLV and sub-TLV arrays, packet members, error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output.h"

struct demo {
	uint8_t kind;
	uint16_t flags;
	uint64_t ts, pts;
	uint16_t ee, pee;
	uint8_t id[4], a4[4], a6[16], text[8];
};
static const struct sk_vs kind_vs[] = { { 5, "Five" }, { 0, NULL } };
static const struct sk_bit flag_bits[] = { { 0x1, "Alpha", "alpha" }, { 0x4, "Gamma", "gamma" }, { 0, NULL, NULL } };
#define O(m) offsetof(struct demo, m)
static const struct sk_field demo_f[] = {
	{ "Kind", "kind", 0, 1, SK_FK_UINT, 0, -1, 0, O(kind), kind_vs, NULL, "" },
	{ "Flags", "flags", 1, 2, SK_FK_UINT, SK_FF_HEX, -1, 0, O(flags), NULL, flag_bits, "" },
	{ "Timestamp", "ts", 3, 8, SK_FK_TS, 0, 11, 0, O(ts), NULL, NULL, "" },
	{ "Error Estimate", "ee", 11, 2, SK_FK_ERREST, SK_FF_HEX, -1, 0, O(ee), NULL, NULL, "" },
	{ "PTP Timestamp", "pts", 13, 8, SK_FK_TS, 0, 21, 0, O(pts), NULL, NULL, "" },
	{ "PTP Error Estimate", "pee", 21, 2, SK_FK_ERREST, SK_FF_HEX, -1, 0, O(pee), NULL, NULL, "" },
	{ "MBZ", "mbz", 23, 1, SK_FK_MBZ, 0, -1, 0, SK_NOSTORE, NULL, NULL, "" },
	{ "MBZ", "mbz", 24, 1, SK_FK_MBZ, 0, -1, 0, SK_NOSTORE, NULL, NULL, "" },
	{ "Id", "id", 25, 4, SK_FK_BYTES, 0, -1, 0, O(id), NULL, NULL, "" },
	{ "Id", "id", 25, 4, SK_FK_BYTES, 0, -1, 0, O(id), NULL, NULL, "" },
	{ "Addr4", "a4", 29, 4, SK_FK_ADDR, 0, -1, 0, O(a4), NULL, NULL, "" },
	{ "Addr6", "a6", 33, 16, SK_FK_ADDR, 0, -1, 0, O(a6), NULL, NULL, "" },
	{ "Name", "name", 49, 8, SK_FK_TEXT, 0, -1, 0, O(text), NULL, NULL, "" },
};
static SK_LAYOUT(demo_l, "Demo message", "demo", demo_f, 57, "");
static const struct sk_field tlv_f[] = {
	{ "Type", "tlv_type", 0, 1, SK_FK_UINT, 0, -1, 0, SK_NOSTORE, NULL, NULL, "" },
};
static SK_LAYOUT(tlv_l, "A TLV", "stamp_tlv", tlv_f, 1, "");
static const struct sk_field sub_f[] = {
	{ "Type", "sub_type", 0, 1, SK_FK_UINT, 0, -1, 0, SK_NOSTORE, NULL, NULL, "" },
};
static SK_LAYOUT(sub_l, "A sub-TLV", "stamp_subtlv", sub_f, 1, "");

static uint8_t msg[57 + 3];

static void build(void)
{
	memset(msg, 0, sizeof msg);
	msg[0] = 5;
	msg[1] = 0x00, msg[2] = 0x05;
	/* NTP 2025-01-01T00:00:00.5Z */
	sk_be64(msg + 3, sk_ts_from_ns(1735689600500000000LL, SK_TS_NTP, 37));
	sk_be16(msg + 11, 0x8001);
	sk_be64(msg + 13, sk_ts_from_ns(1735689600000000001LL, SK_TS_PTP, 37));
	sk_be16(msg + 21, 0x4000); /* PTP, multiplier 0 */
	msg[24] = 0x7f;            /* second MBZ not zero */
	msg[25] = 0xde, msg[26] = 0xad, msg[27] = 0xbe, msg[28] = 0xef;
	msg[29] = 192, msg[30] = 0, msg[31] = 2, msg[32] = 1;
	msg[33] = 0x20, msg[34] = 0x01, msg[35] = 0x0d, msg[36] = 0xb8, msg[48] = 1;
	memcpy(msg + 49, "al\"i\n", 5);
	msg[57] = 8; /* TLV type */
	msg[58] = 9; /* sub-TLV type */
}

static void walk(const struct sk_visitor *v)
{
	struct sk_cur c;
	sk_cur_init(&c, msg, sizeof msg);
	sk_visit_open(v, demo_l.name, demo_l.key, 0, sizeof msg);
	assert_int_equal(sk_layout_decode_fields(&demo_l, &c, NULL, v), SK_OK);
	sk_visit_open(v, tlv_l.name, tlv_l.key, 57, 2);
	assert_int_equal(sk_layout_decode_fields(&tlv_l, &c, NULL, v), SK_OK);
	sk_visit_open(v, sub_l.name, sub_l.key, 58, 1);
	assert_int_equal(sk_layout_decode_fields(&sub_l, &c, NULL, v), SK_OK);
	sk_visit_close(v);
	sk_visit_close(v);
	sk_visit_problem(v, SK_PROB_TRUNCATED, SK_E_TRUNCATED, 59, "demo %s", "problem");
	sk_visit_close(v);
}

static char *run(int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	struct sk_visitor v;
	if (json) {
		struct sk_json_out j;
		sk_json_visitor(&j, fp, &v);
		sk_json_member_int(&j, "frame", 1);
		sk_json_member_str(&j, "kind", "test");
		walk(&v);
		assert_true(sk_json_has(&j, "kind"));
		assert_false(sk_json_has(&j, "nothing"));
		sk_json_set_error(&j, "first");
		sk_json_set_error(&j, "second");
		sk_json_end(&j, 1);
		sk_json_free(&j);
	} else {
		struct sk_text_out t;
		sk_text_visitor(&t, fp, &v);
		walk(&v);
	}
	fclose(fp);
	return buf;
}

static void json_output(void **state)
{
	(void)state;
	build();
	char *s = run(1);
	const char *want =
		"{\"frame\":1,\"kind\":\"test\",\"layout\":\"demo\",\"layout_name\":\"Demo message\","
		"\"kind_2\":5,\"kind_name\":\"Five\",\"flags\":5,\"flags_bits\":[\"alpha\",\"gamma\"],"
		"\"ts\":{\"time\":\"2025-01-01T00:00:00.500000000Z\",\"unix_ns\":1735689600500000000,"
		"\"raw\":\"0xeb1f040080000000\",\"format\":\"ntp\"},"
		"\"ee\":{\"raw\":32769,\"s\":true,\"z\":false,\"scale\":0,\"multiplier\":1,\"error_ns\":1,\"valid\":true},"
		"\"pts\":{\"time\":\"2025-01-01T00:00:00.000000001Z\",\"unix_ns\":1735689600000000001,"
		"\"raw\":\"0x677485a500000001\",\"format\":\"ptp\"},"
		"\"pee\":{\"raw\":16384,\"s\":false,\"z\":true,\"scale\":0,\"multiplier\":0,\"error_ns\":null,\"valid\":false},"
		"\"mbz\":\"7f\",\"id\":\"deadbeef\",\"id_2\":\"deadbeef\",\"a4\":\"192.0.2.1\",\"a6\":\"2001:db8::1\","
		"\"name\":\"al\\\"i\\n\","
		"\"tlvs\":[{\"name\":\"A TLV\",\"offset\":57,\"size\":2,\"type\":8,"
		"\"subtlvs\":[{\"name\":\"A sub-TLV\",\"offset\":58,\"size\":1,\"type\":9}]}],"
		"\"problems\":[{\"code\":\"invalid\",\"kind\":\"mbz_nonzero\",\"offset\":24,"
		"\"message\":\"MBZ: must be zero but is not\"},"
		"{\"code\":\"truncated\",\"kind\":\"truncated\",\"offset\":59,\"message\":\"demo problem\"}],"
		"\"error\":\"first\"}\n";
	assert_string_equal(s, want);
	free(s);
}

static void text_output(void **state)
{
	(void)state;
	build();
	char *s = run(0);
	const char *want =
		"Demo message (offset 0, 60 octets)\n"
		"    Kind: Five (5)\n"
		"    Flags: 0x0005\n"
		"        [x] Alpha (0x1)\n"
		"        [x] Gamma (0x4)\n"
		"    Timestamp: 2025-01-01T00:00:00.500000000Z (NTP 0xeb1f040080000000)\n"
		"    Error Estimate: 0x8001 (S=1 synchronised, Z=0 NTP, Scale=0, Multiplier=1: error 1 ns)\n"
		"    PTP Timestamp: 2025-01-01T00:00:00.000000001Z (PTP 0x677485a500000001 = 1735689637 s 1 ns)\n"
		"    PTP Error Estimate: 0x4000 (S=0, Z=1 PTP, Scale=0, Multiplier=0: invalid, RFC 4656 forbids 0)\n"
		"    MBZ: NOT ZERO: 7f (1 octets)\n"
		"    [invalid at offset 24: MBZ: must be zero but is not]\n"
		"    Id: deadbeef\n"
		"    Id: deadbeef\n"
		"    Addr4: 192.0.2.1\n"
		"    Addr6: 2001:db8::1\n"
		"    Name: \"al\"i\\x0a\"\n"
		"    A TLV (offset 57, 2 octets)\n"
		"        Type: 8\n"
		"        A sub-TLV (offset 58, 1 octets)\n"
		"            Type: 9\n"
		"    [truncated at offset 59: demo problem]\n";
	assert_string_equal(s, want);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_output),
		cmocka_unit_test(text_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
