/* SPDX-License-Identifier: BSD-3-Clause */
/* test_fastpaths.c - the two fast paths give what the general ones give, over every capture
 * in pcaps/ and every fuzz corpus input (and damaged copies of the captures):
 *  - the memory-mapped pcap reader against libpcap: same frames, times, lengths, octets,
 *    end, damage and message;
 *  - the codec's fixed-offset decode (no visitor) against the table walk (a visitor with no
 *    callbacks), for every UDP payload and every raw input under every protocol, role,
 *    security mode and feature set: same result, same struct, same error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "stampkit/crypto.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"

#ifndef SK_SRCDIR
#error "SK_SRCDIR must name the source tree"
#endif

static unsigned long decodes, fast_eligible, frames_compared, mapped_files;

static void decode_both(const uint8_t *p, size_t len)
{
	static const uint8_t feats[] = { 0, SK_TF_SYMMETRICAL, SK_TF_DSCP_ECN,
					 SK_TF_REFLECT_OCTETS | SK_TF_DSCP_ECN };
	const struct sk_visitor quiet = { 0 }; /* present, so the tables are walked */
	for (uint8_t proto = SK_PROTO_TWAMP; proto <= SK_PROTO_STAMP; proto++)
		for (uint8_t role = SK_ROLE_SENDER; role <= SK_ROLE_REFLECTOR; role++)
			for (uint8_t sec = SK_SEC_UNAUTH; sec <= SK_SEC_ENCRYPTED; sec++)
				for (size_t k = 0; k < sizeof feats; k++) {
					struct sk_test_opts o = { proto, role, sec, feats[k], 5, NULL, 0, NULL };
					struct sk_test_pkt a, b;
					struct sk_error ea, eb;
					memset(&ea, 0, sizeof ea);
					memset(&eb, 0, sizeof eb);
					enum sk_result ra = sk_test_decode(p, len, &o, &a, NULL, &ea);
					enum sk_result rb = sk_test_decode(p, len, &o, &b, &quiet, &eb);
					assert_int_equal(ra, rb);
					assert_memory_equal(&a, &b, sizeof a);
					/* The message is compared as text: octets after its end are
					 * whatever the decoder's stack held. */
					assert_int_equal(ea.code, eb.code);
					assert_int_equal(ea.offset, eb.offset);
					assert_string_equal(ea.msg, eb.msg);
					const struct sk_layout *L = sk_test_layout(&o);
					if (sec == SK_SEC_UNAUTH && L && len >= L->size)
						fast_eligible++;
					decodes++;
				}
}

static void *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	struct stat st;
	uint8_t *b = NULL;
	if (fstat(fileno(fp), &st) == 0 && (b = malloc((size_t)st.st_size + 1)) != NULL)
		*len = fread(b, 1, (size_t)st.st_size, fp);
	fclose(fp);
	return b;
}

/* Reads path both ways, frame by frame; decodes the UDP payloads both ways. */
static void compare_capture(const char *path)
{
	char e1[512] = "", e2[512] = "";
	struct sk_capture *a = sk_capture_open_mode(path, SK_CAPTURE_AUTO, e1, sizeof e1);
	struct sk_capture *b = sk_capture_open_mode(path, SK_CAPTURE_LIBPCAP, e2, sizeof e2);
	assert_true((a == NULL) == (b == NULL));
	if (!a) {
		assert_string_equal(e1, e2);
		return;
	}
	assert_false(sk_capture_mapped(b));
	mapped_files += sk_capture_mapped(a);
	assert_int_equal(sk_capture_linktype(a), sk_capture_linktype(b));
	int lt = sk_capture_linktype(a);
	for (;;) {
		struct sk_frame fa, fb;
		int ra = sk_capture_next(a, &fa), rb = sk_capture_next(b, &fb);
		assert_int_equal(ra, rb);
		if (ra != 1)
			break;
		frames_compared++;
		assert_int_equal(fa.index, fb.index);
		assert_int_equal(fa.ts_ns, fb.ts_ns);
		assert_int_equal(fa.caplen, fb.caplen);
		assert_int_equal(fa.wirelen, fb.wirelen);
		assert_memory_equal(fa.data, fb.data, fa.caplen);
		struct sk_pkt pkt;
		if (sk_net_dissect(lt, fa.data, fa.caplen, &pkt, NULL) == SK_OK && pkt.l4 &&
		    pkt.proto == 17 && pkt.payload)
			decode_both(pkt.payload, pkt.payload_len);
	}
	const char *ea = sk_capture_error(a), *eb = sk_capture_error(b);
	assert_true((ea == NULL) == (eb == NULL));
	if (ea)
		assert_string_equal(ea, eb);
	sk_capture_close(a);
	sk_capture_close(b);
}

/* Damaged copies of a classic pcap: cut inside a record header, inside a record, and a
 * record length beyond any snapshot. */
static void compare_damaged(const char *path)
{
	size_t len = 0;
	uint8_t *b = slurp(path, &len);
	assert_non_null(b);
	if (len < 24 + 16 || (b[0] != 0xd4 && b[0] != 0x4d && b[0] != 0xa1)) {
		free(b);
		return;
	}
	char tmp[64];
	snprintf(tmp, sizeof tmp, "/tmp/sk-fastpaths-%ld.pcap", (long)getpid());
	const size_t cuts[] = { 1, 7, 15, 16, 17, 40, len / 2, len - 30 };
	for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
		if (cuts[k] >= len - 24)
			continue;
		FILE *fp = fopen(tmp, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(b, 1, len - cuts[k], fp), len - cuts[k]);
		fclose(fp);
		compare_capture(tmp);
	}
	/* First record's caplen: beyond the snapshot length, then beyond 2^18. */
	const uint32_t lens[] = { 70000, 300000, 0xffffffffu };
	for (size_t k = 0; k < 3; k++) {
		uint8_t *c = malloc(len);
		assert_non_null(c);
		memcpy(c, b, len);
		for (int i = 0; i < 4; i++) /* either byte order: file's own */
			c[24 + 8 + i] = (uint8_t)(b[0] == 0xd4 || b[0] == 0x4d ? lens[k] >> (8 * i)
									     : lens[k] >> (8 * (3 - i)));
		FILE *fp = fopen(tmp, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(c, 1, len, fp), len);
		fclose(fp);
		free(c);
		compare_capture(tmp);
	}
	unlink(tmp);
	free(b);
}

/* Every regular file under dir, recursively. */
static void walk(const char *dir, void (*fn)(const char *))
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(p, fn);
		else if (S_ISREG(st.st_mode))
			fn(p);
	}
	closedir(d);
}

static bool is_capture_name(const char *p)
{
	size_t n = strlen(p);
	return (n > 5 && !strcmp(p + n - 5, ".pcap")) || (n > 7 && !strcmp(p + n - 7, ".pcapng"));
}

static void pcaps_file(const char *p)
{
	if (!is_capture_name(p))
		return;
	compare_capture(p);
	compare_damaged(p);
}

/* A corpus input is tried as a capture and as a raw test packet (every prefix of its
 * first 160 octets, so each length check is crossed). */
static void corpus_file(const char *p)
{
	compare_capture(p);
	size_t len = 0;
	uint8_t *b = slurp(p, &len);
	assert_non_null(b);
	for (size_t n = 0; n <= len && n <= 160; n++)
		decode_both(b, n);
	if (len > 160)
		decode_both(b, len);
	free(b);
}

static void pcaps_both_ways(void **state)
{
	(void)state;
	walk(SK_SRCDIR "/pcaps", pcaps_file);
	print_message("pcaps: %lu frames compared, %lu files mapped, %lu decodes (%lu fixed-size "
		      "unauthenticated)\n", frames_compared, mapped_files, decodes, fast_eligible);
	/* The comparison really covered both readers and the fixed-offset decoder. */
	assert_true(mapped_files >= 8);
	assert_true(frames_compared > 1000);
	assert_true(fast_eligible > 1000);
}

static void fuzz_corpora_both_ways(void **state)
{
	(void)state;
	decodes = fast_eligible = 0;
	walk(SK_SRCDIR "/tests/fuzz/corpus", corpus_file);
	print_message("fuzz corpora: %lu decodes (%lu fixed-size unauthenticated)\n", decodes,
		      fast_eligible);
	assert_true(fast_eligible > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcaps_both_ways),
		cmocka_unit_test(fuzz_corpora_both_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
