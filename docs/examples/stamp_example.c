/* SPDX-License-Identifier: BSD-3-Clause */
/* stamp_example.c - build a STAMP Session-Sender packet with two TLVs, decode it back and
 * print its fields, using only the installed stampkit library.
 *   cc stamp_example.c $(pkg-config --cflags --libs stampkit) -o stamp_example */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <stampkit/stampkit.h>
#include <stampkit/testpkt.h>
#include <stampkit/tlv.h>

int main(void)
{
	uint8_t buf[128];
	struct sk_test_opts opts = { .proto = SK_PROTO_STAMP, .role = SK_ROLE_SENDER,
				     .sec = SK_SEC_UNAUTH };

	/* 1. The fixed part: sequence number, T1 now (NTP format), error estimate, SSID. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct sk_errest ee;
	sk_errest_from_ns(1000, false, SK_TS_NTP, &ee); /* +-1 us, clock not synchronised */
	struct sk_test_pkt pkt = { 0 };
	pkt.seq = 7;
	pkt.timestamp = sk_ntp_from_timespec(&now);
	pkt.error_estimate = sk_errest_pack(&ee);
	pkt.ssid = 0x1234;
	size_t len;
	if (sk_test_encode(&pkt, &opts, buf, sizeof buf, &len) != SK_OK)
		return 1;

	/* 2. Two TLVs after it: Class of Service asking for DSCP EF on the reply, and
	 *    16 octets of Extra Padding. Their U flag is set as a Session-Sender sends them. */
	struct sk_wbuf w;
	sk_wbuf_init(&w, buf, sizeof buf);
	w.off = len;
	struct sk_tlv_val cos = { .type = SK_TLV_COS };
	cos.u.cos.dscp1 = 46;
	sk_tlv_put_val(&w, SK_TLV_F_U, 0, &cos);
	sk_tlv_put_padding(&w, SK_TLV_F_U, 16);
	if (w.err != SK_OK)
		return 1;
	len = w.off;
	printf("encoded %zu octets\n", len);

	/* 3. Decode it back and print the fields. */
	struct sk_test_pkt out;
	struct sk_error err = { 0 };
	enum sk_result r = sk_test_decode(buf, len, &opts, &out, NULL, &err);
	if (r != SK_OK) {
		fprintf(stderr, "decode: %s at %zu: %s\n", sk_strerror(r), err.offset, err.msg);
		return 1;
	}
	char iso[40];
	printf("seq %u\n", (unsigned)out.seq);
	printf("ssid 0x%04x\n", (unsigned)out.ssid);
	printf("timestamp %s\n",
	       sk_ns_to_iso(sk_ts_to_ns(out.timestamp, sk_errest_fmt(out.error_estimate), 0), iso,
			    sizeof iso));
	sk_errest_unpack(out.error_estimate, &ee);
	printf("error estimate %llu ns (S=%d)\n", (unsigned long long)sk_errest_ns(&ee), ee.s);

	struct sk_tlv_iter it;
	struct sk_tlv t;
	sk_tlv_iter_init(&it, out.tail, out.tail_len, (size_t)(out.tail - buf));
	while (sk_tlv_next(&it, &t)) {
		printf("tlv %u %s flags 0x%02x length %u\n", (unsigned)t.type, sk_tlv_type_name(t.type),
		       (unsigned)t.flags, (unsigned)t.length);
		struct sk_tlv_val val;
		if (sk_tlv_value_decode(&t, 0, &val, NULL) != SK_OK)
			return 1;
		if (t.type == SK_TLV_COS)
			printf("  dscp1 %u\n", (unsigned)val.u.cos.dscp1);
		else if (t.type == SK_TLV_EXTRA_PADDING)
			printf("  padding %zu octets\n", val.sub_len);
	}
	if (it.err != SK_OK) {
		fprintf(stderr, "TLVs: %s at %zu\n", sk_strerror(it.err), it.err_off);
		return 1;
	}
	return 0;
}
