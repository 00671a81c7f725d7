/* SPDX-License-Identifier: BSD-3-Clause */
/* test_log.c - log lines: to the -l file, line by line; rate-limited lines bounded per key and
 * over all keys, with the "N more suppressed" account kept exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

static char path[64];

static void open_log(void)
{
	snprintf(path, sizeof path, "/tmp/sk-test-log-%d.txt", (int)getpid());
	assert_int_equal(sk_log_open(SK_LOG_INFO, path), 0);
	sk_log_limited_clock(fake_clock);
	fake_now = 1000000000LL;
}

/* Lines in the log file, and how many contain `needle`. */
static unsigned lines_with(const char *needle, unsigned *total)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024];
	unsigned n = 0, all = 0;
	while (fgets(line, sizeof line, f)) {
		all++;
		n += strstr(line, needle) != NULL;
	}
	fclose(f);
	*total = all;
	return n;
}

/* Sums the N of every "N more" line. */
static uint64_t suppressed_said(void)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	uint64_t sum = 0;
	while (fgets(line, sizeof line, f)) {
		const char *m = strstr(line, " more ");
		if (m) {
			const char *q = m;
			while (q > line && q[-1] >= '0' && q[-1] <= '9')
				q--;
			sum += strtoull(q, NULL, 10);
		}
	}
	fclose(f);
	return sum;
}

static void test_one_key(void **state)
{
	(void)state;
	open_log();
	/* 100,000 refusals of one source, 1 ms apart: 100 s */
	for (int i = 0; i < 100000; i++) {
		sk_log_limited(SK_LOG_WARNING, "short 192.0.2.7", "request %d refused", i);
		fake_now += 1000000;
	}
	sk_log_limited_flush();
	sk_log_close();
	unsigned total;
	unsigned first = lines_with("request 0 refused", &total);
	assert_int_equal(first, 1);
	assert_int_equal(lines_with("request 3 refused", &total), 0); /* the burst is 3 */
	/* ten windows of 10 s: 3 lines + 1 account line each, at most */
	assert_true(total <= 10 * (SK_LOG_BURST + 1) + 1);
	uint64_t w, s;
	sk_log_limited_counts(&w, &s);
	assert_int_equal(total, w);
	assert_int_equal(suppressed_said(), s); /* every suppressed line is accounted for */
	assert_int_equal(s + lines_with(" refused", &total), 100000);
	unlink(path);
}

static void test_many_keys(void **state)
{
	(void)state;
	open_log();
	/* spoofed sources: 100,000 different keys, 0.1 ms apart (10 s) */
	char key[64];
	for (int i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "short 10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		sk_log_limited(SK_LOG_WARNING, key, "refused");
		fake_now += 100000;
	}
	sk_log_limited_flush();
	sk_log_close();
	unsigned total;
	lines_with("x", &total);
	/* 20 a second over 10 s, plus one account line a second and the final one */
	assert_true(total <= 10 * (SK_LOG_GLOBAL_PER_S + 1) + 2);
	assert_true(total >= 10 * SK_LOG_GLOBAL_PER_S / 2);
	uint64_t w, s;
	sk_log_limited_counts(&w, &s);
	assert_int_equal(suppressed_said(), s);
	unlink(path);
}

static void test_quiet_level(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/sk-test-log-%d.txt", (int)getpid());
	assert_int_equal(sk_log_open(SK_LOG_QUIET, path), 0);
	sk_log(SK_LOG_WARNING, "not shown");
	sk_log_limited(SK_LOG_WARNING, "k", "not shown either");
	sk_log_close();
	unsigned total;
	lines_with("x", &total);
	assert_int_equal(total, 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_key),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_quiet_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
