/* SPDX-License-Identifier: BSD-3-Clause */
/* test_capture.c - the capture reader: microsecond and nanosecond pcap times, link type,
 * end of file, a truncated last record (frames before it stay readable, the damage is
 * reported), a file that is no capture. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"

/* Writes a little-endian pcap with two 4-octet records; returns its size. */
static size_t write_pcap(const char *path, uint32_t magic, size_t cut)
{
	uint8_t b[256];
	size_t n = 0;
#define LE32(v) do { uint32_t x_ = (v); for (int i_ = 0; i_ < 4; i_++) b[n++] = (uint8_t)(x_ >> (8 * i_)); } while (0)
#define LE16(v) do { b[n++] = (uint8_t)(v); b[n++] = (uint8_t)((v) >> 8); } while (0)
	LE32(magic);
	LE16(2);
	LE16(4);
	LE32(0);
	LE32(0);
	LE32(65535);
	LE32(101); /* LINKTYPE_RAW */
	for (uint32_t r = 0; r < 2; r++) {
		LE32(1700000000u + r);
		LE32(123456u + r);
		LE32(4);
		LE32(60);
		for (int i = 0; i < 4; i++)
			b[n++] = (uint8_t)(0x45 + i + (int)r);
	}
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n - cut, fp), n - cut);
	fclose(fp);
	return n;
}

static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/sk-test-capture-%ld.pcap", (long)getpid());
	return 0;
}
static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void micro_and_nano(void **state)
{
	(void)state;
	const uint32_t magics[2] = { 0xa1b2c3d4u, 0xa1b23c4du };
	for (int m = 0; m < 2; m++) {
		write_pcap(path, magics[m], 0);
		char err[256];
		struct sk_capture *cap = sk_capture_open(path, err, sizeof err);
		assert_non_null(cap);
		/* libpcap reports LINKTYPE_RAW (101) as the platform's DLT_RAW (12 on Linux). */
		int lt = sk_capture_linktype(cap);
		assert_true(lt == 101 || lt == 12 || lt == 14);
		struct sk_frame f;
		assert_int_equal(sk_capture_next(cap, &f), 1);
		assert_int_equal(f.index, 1);
		assert_int_equal(f.caplen, 4);
		assert_int_equal(f.wirelen, 60);
		assert_int_equal(f.data[0], 0x45);
		/* 123456 is microseconds in the first file, nanoseconds in the second. */
		assert_int_equal(f.ts_ns, 1700000000LL * 1000000000LL + (m ? 123456LL : 123456000LL));
		assert_int_equal(sk_capture_next(cap, &f), 1);
		assert_int_equal(f.index, 2);
		assert_int_equal(f.data[0], 0x46);
		assert_int_equal(sk_capture_next(cap, &f), 0);
		assert_null(sk_capture_error(cap));
		sk_capture_close(cap);
	}
}

static void truncated_last_record(void **state)
{
	(void)state;
	for (size_t cut = 1; cut < 20; cut++) {
		write_pcap(path, 0xa1b2c3d4u, cut);
		char err[256];
		struct sk_capture *cap = sk_capture_open(path, err, sizeof err);
		assert_non_null(cap);
		struct sk_frame f;
		assert_int_equal(sk_capture_next(cap, &f), 1);
		assert_int_equal(f.data[0], 0x45);
		assert_int_equal(sk_capture_next(cap, &f), -1);
		assert_non_null(sk_capture_error(cap));
		assert_int_equal(sk_capture_next(cap, &f), -1); /* stays damaged */
		sk_capture_close(cap);
	}
}

static void not_a_capture(void **state)
{
	(void)state;
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs("this is not a capture file at all", fp);
	fclose(fp);
	char err[256] = "";
	assert_null(sk_capture_open(path, err, sizeof err));
	assert_true(err[0] != '\0');
	assert_null(sk_capture_open("/nonexistent/x.pcap", err, sizeof err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(micro_and_nano, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_last_record, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_capture, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
