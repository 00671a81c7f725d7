/* SPDX-License-Identifier: BSD-3-Clause */
/* test_keyfile.c - TWAMP-Control key files (RFC 4656 §3.1 shared secrets): "KeyID passphrase"
 * lines, comments and blanks, every malformed line refused with its line number, the
 * lookup by the 80-octet KeyID field, the features list of the control clients. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "keyfile.h"
#include "stampkit/testpkt.h"
#include "stampkit/twamp_control.h"
#include "twlive.h"

static char path[64];

static const char *file_of(const char *text)
{
	snprintf(path, sizeof path, "/tmp/sk-keyfile-%d", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void load_ok(void **state)
{
	(void)state;
	struct sk_keys ks;
	char err[300];
	assert_int_equal(sk_keys_load(file_of("# KeyID passphrase\n\n  alice   correct horse battery  \r\n"
					      "\tbob s3cret\n#carol x\n"), &ks, err, sizeof err), 0);
	unlink(path);
	assert_int_equal(ks.n, 2);
	assert_string_equal(ks.k[0].id, "alice");
	/* Blanks inside the passphrase stay; around it they go. */
	assert_int_equal(ks.k[0].secret_len, strlen("correct horse battery"));
	assert_memory_equal(ks.k[0].secret, "correct horse battery", ks.k[0].secret_len);
	assert_ptr_equal(sk_keys_find(&ks, NULL), &ks.k[0]);
	assert_ptr_equal(sk_keys_find(&ks, "bob"), &ks.k[1]);
	assert_null(sk_keys_find(&ks, "carol"));
	assert_null(sk_keys_find(&ks, "bo"));
	/* The state machine's lookup: the KeyID field is 80 octets, zero-padded. */
	uint8_t id[SK_TWCTL_KEYID_LEN];
	memset(id, 0, sizeof id);
	memcpy(id, "bob", 3);
	const uint8_t *sec;
	size_t sl;
	assert_int_equal(sk_keys_lookup(&ks, id, &sec, &sl), 0);
	assert_int_equal(sl, 6);
	assert_memory_equal(sec, "s3cret", 6);
	id[3] = 'x';
	assert_int_equal(sk_keys_lookup(&ks, id, &sec, &sl), -1);
	assert_int_equal(sk_keys_lookup(NULL, id, &sec, &sl), -1);
	/* An 80-octet KeyID fills the field. */
	char line[200];
	memset(line, 'k', 80);
	snprintf(line + 80, sizeof line - 80, " pass\n");
	assert_int_equal(sk_keys_load(file_of(line), &ks, err, sizeof err), 0);
	unlink(path);
	memset(id, 'k', sizeof id);
	assert_int_equal(sk_keys_lookup(&ks, id, &sec, &sl), 0);
	sk_keys_wipe(&ks);
	assert_int_equal(ks.n, 0);
	assert_int_equal(ks.k[0].secret_len, 0);
}

static void load_bad(void **state)
{
	(void)state;
	struct sk_keys ks;
	char err[300];
	assert_int_equal(sk_keys_load("/nonexistent/keys", &ks, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/keys: "));
	static const struct { const char *text; const char *where; } bad[] = {
		{ "bob\n", ":1: expected 'KeyID passphrase'" },          /* no passphrase */
		{ "alice a\nbob   \n", ":2: expected" },                /* blanks only */
		{ "# nothing\n\n", ": no key" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sk_keys_load(file_of(bad[i].text), &ks, err, sizeof err), -1);
		unlink(path);
		if (!strstr(err, bad[i].where))
			fail_msg("'%s': %s", bad[i].text, err);
		assert_int_equal(ks.n, 0); /* nothing half-loaded, secrets wiped */
	}
	char line[200];
	memset(line, 'k', 81); /* KeyID of 81 octets */
	snprintf(line + 81, sizeof line - 81, " pass\n");
	assert_int_equal(sk_keys_load(file_of(line), &ks, err, sizeof err), -1);
	unlink(path);
	/* At most SK_KEYS_MAX lines. */
	size_t cap = (SK_KEYS_MAX + 1) * 16;
	char *many = calloc(1, cap);
	assert_non_null(many);
	size_t used = 0;
	for (int i = 0; i <= SK_KEYS_MAX; i++)
		used += (size_t)snprintf(many + used, cap - used, "k%d s%d\n", i, i);
	assert_int_equal(sk_keys_load(file_of(many), &ks, err, sizeof err), -1);
	unlink(path);
	char want[32];
	snprintf(want, sizeof want, ":%d: expected", SK_KEYS_MAX + 1);
	assert_non_null(strstr(err, want));
	free(many);
}

static void features(void **state)
{
	(void)state;
	uint32_t m = 0;
	assert_int_equal(sk_tw_parse_features("reflect-octets,dscp-ecn", &m), 0);
	assert_int_equal(m, SK_TWMODE_REFLECT_OCTETS | SK_TWMODE_DSCP_ECN);
	m = 0;
	assert_int_equal(sk_tw_parse_features("symmetrical", &m), 0);
	assert_int_equal(m, SK_TWMODE_SYMMETRICAL);
	static const char *const bad[] = { "", "symmetric", "reflect-octets,", ",dscp-ecn",
					   "dscp-ecn,,symmetrical", "reflect-octetsx" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = 0;
		if (sk_tw_parse_features(bad[i], &m) != -1)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(sk_tw_tf_of(SK_TWMODE_SYMMETRICAL | SK_TWMODE_AUTH), SK_TF_SYMMETRICAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_ok),
		cmocka_unit_test(load_bad),
		cmocka_unit_test(features),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
