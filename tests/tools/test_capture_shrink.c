/* SPDX-License-Identifier: BSD-3-Clause */
/* test_capture_shrink.c - a mapped pcap file truncated by someone else between two reads:
 * the frames it still holds are read, then the damage is reported as for a truncated file
 * (libpcap's "truncated dump file"), never a SIGBUS; wherever the cut falls (inside the page
 * being read, on a page boundary ahead, the whole file, the last record); a record with zero
 * lengths in an intact file is no damage; a SIGBUS elsewhere still kills. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"

#define NREC 2000u
#define CAPLEN 100u
#define REC (16u + CAPLEN)
#define HDR 24u

static char path[64];

static uint8_t octet(uint32_t r, uint32_t i) { return (uint8_t)(r * 7u + i); }

/* NREC records of CAPLEN octets, little-endian, LINKTYPE_RAW; zero_at: a record with zero
 * lengths there (NREC: none). Returns the size. */
static size_t write_pcap(uint32_t zero_at)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	uint32_t h[6] = { 0xa1b2c3d4u, 2u | (4u << 16), 0, 0, 65535, 101 };
	assert_int_equal(fwrite(h, 4, 6, fp), 6);
	size_t n = HDR;
	for (uint32_t r = 0; r < NREC; r++) {
		uint32_t c = r == zero_at ? 0 : CAPLEN;
		uint32_t rh[4] = { 1700000000u + r, r, c, c };
		uint8_t d[CAPLEN];
		for (uint32_t i = 0; i < c; i++)
			d[i] = octet(r, i);
		assert_int_equal(fwrite(rh, 4, 4, fp), 4);
		assert_int_equal(fwrite(d, 1, c, fp), c);
		n += 16 + c;
	}
	fclose(fp);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/sk-test-shrink-%ld.pcap", (long)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Reads `before` frames, truncates the file to `cut` octets (through another descriptor,
 * as another process would), reads on: the frames wholly before cut come, then -1. */
static void shrink(uint32_t before, size_t cut)
{
	write_pcap(NREC);
	char err[256];
	struct sk_capture *c = sk_capture_open(path, err, sizeof err);
	assert_non_null(c);
	assert_true(sk_capture_mapped(c));
	struct sk_frame f;
	uint32_t n = 0;
	for (; n < before; n++)
		assert_int_equal(sk_capture_next(c, &f), 1);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)cut), 0);
	close(fd);
	const uint8_t *last = NULL;
	int r;
	while ((r = sk_capture_next(c, &f)) == 1) {
		assert_int_equal(f.caplen, CAPLEN);
		assert_int_equal(f.ts_ns, (int64_t)(1700000000u + n) * 1000000000LL + n * 1000LL);
		for (uint32_t i = 0; i < CAPLEN; i++)
			assert_int_equal(f.data[i], octet(n, i));
		last = f.data;
		n++;
	}
	uint32_t whole = cut < HDR ? 0 : (uint32_t)((cut - HDR) / REC);
	if (whole < before)
		whole = before;
	assert_int_equal(r, -1);
	assert_int_equal(n, whole);
	const char *e = sk_capture_error(c);
	assert_non_null(e);
	assert_non_null(strstr(e, "truncated"));
	assert_non_null(strstr(e, "while being read"));
	/* The frame handed out last is still readable where the file still holds it. */
	if (last && cut >= HDR + (size_t)n * REC)
		assert_int_equal(last[0], octet(n - 1, 0));
	assert_int_equal(sk_capture_next(c, &f), -1); /* stays damaged */
	sk_capture_close(c);
}

/* The cut inside a record in the page being read: past it the page reads zeros. */
static void test_cut_same_page(void **state)
{
	(void)state;
	shrink(10, HDR + 13 * REC + 50);
}

/* The cut on a page boundary ahead: the next page faults (SIGBUS). */
static void test_cut_page_ahead(void **state)
{
	(void)state;
	shrink(5, 40960);
}

/* The whole file: even the page being read faults. */
static void test_cut_all(void **state)
{
	(void)state;
	shrink(5, 0);
}

/* A few octets off the last record, after all the others were read. */
static void test_cut_last(void **state)
{
	(void)state;
	size_t size = HDR + (size_t)NREC * REC;
	shrink(NREC - 1, size - 5);
}

/* Between the header and the first record: no frame at all. */
static void test_cut_first(void **state)
{
	(void)state;
	shrink(0, HDR + 8);
}

/* A record with zero lengths in an intact file: read as libpcap reads it, no damage. */
static void test_zero_record(void **state)
{
	(void)state;
	write_pcap(7);
	char err[256];
	struct sk_capture *c = sk_capture_open(path, err, sizeof err);
	assert_non_null(c);
	assert_true(sk_capture_mapped(c));
	struct sk_frame f;
	uint32_t n = 0;
	int r;
	while ((r = sk_capture_next(c, &f)) == 1) {
		assert_int_equal(f.caplen, n == 7 ? 0 : CAPLEN);
		n++;
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, NREC);
	assert_null(sk_capture_error(c));
	sk_capture_close(c);
}

/* A SIGBUS from a mapping that is not a capture's still ends the process, as before. */
static void test_foreign_sigbus(void **state)
{
	(void)state;
	write_pcap(NREC);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* As in a program without cmocka's own SIGBUS handler. */
		signal(SIGBUS, SIG_DFL);
		char err[256];
		struct sk_capture *c = sk_capture_open(path, err, sizeof err); /* the handler */
		char other[80];
		snprintf(other, sizeof other, "%s.other", path);
		int fd = open(other, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (!c || fd < 0 || ftruncate(fd, 8192))
			_exit(2);
		volatile const uint8_t *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED || ftruncate(fd, 0))
			_exit(2);
		unlink(other);
		uint8_t x = m[4096];
		_exit(x == 0 ? 3 : 4);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGBUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cut_same_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_page_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sigbus, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
