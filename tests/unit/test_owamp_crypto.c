/* SPDX-License-Identifier: BSD-3-Clause */
/* test_owamp_crypto.c - TWAMP key derivation, control and test protection against owamp 5.2.3 captures (RFC 4656 §3.1-3.2, §4.1.2; RFC 5357 §3-4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/crypto.h"
#include "stampkit/twamp_control.h"
#include "owamp_vectors.h"

#define N_CAPS (sizeof owv_captures / sizeof owv_captures[0])

/* SIDs as printed by twping in the pcaps/owamp/ twping summaries (independent of our decryption). */
static const uint8_t want_sid[N_CAPS][16] = {
	{ 0x7f, 0x00, 0x00, 0x01, 0xee, 0xb4, 0x81, 0x9a,
	  0x2f, 0xf6, 0x5d, 0xbf, 0x2c, 0xc2, 0x35, 0x0a },
	{ 0x7f, 0x00, 0x00, 0x01, 0xee, 0xb4, 0x81, 0xa0,
	  0x19, 0x7e, 0x88, 0x9c, 0x64, 0xfc, 0x81, 0x70 },
};

/* Both runs talked to one twampd process, so both carry the same Start-Time. */
static const uint8_t want_start_time[8] = { 0xee, 0xb4, 0x81, 0x82, 0x9b, 0xa9, 0x7e, 0x13 };

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Everything a capture yields, derived only from the passphrase and the captured bytes. */
struct session {
	const struct owv_capture *cap;
	uint8_t dk[16], aes[16], hmac[32];
	uint8_t sid[16], test_aes[16], test_hmac[32];
	enum sk_sec sec;
};

static void derive(const struct owv_capture *cap, const char *pass, struct session *s)
{
	uint8_t challenge[16];

	memset(s, 0, sizeof *s);
	s->cap = cap;
	s->sec = sk_twmode_sec(cap->mode);
	assert_int_equal(be32(cap->greeting + 12), 0x0f);
	assert_int_equal(be32(cap->greeting + 48), 2048);
	assert_int_equal(sk_twamp_kdf(pass, strlen(pass), cap->greeting + 32,
				      be32(cap->greeting + 48), s->dk),
			 SK_OK);
	assert_int_equal(be32(cap->setup), cap->mode);
	assert_memory_equal(cap->setup + 4, OWV_KEYID, sizeof OWV_KEYID);
	assert_true(all_zero(cap->setup + 4 + sizeof OWV_KEYID, 80 - sizeof OWV_KEYID));
	assert_int_equal(sk_twamp_token_decrypt(s->dk, cap->setup + 84, challenge, s->aes, s->hmac),
			 SK_OK);
	assert_memory_equal(challenge, cap->greeting + 16, 16);
}

static void token_and_challenge(void **state)
{
	(void)state;
	struct session s;
	uint8_t challenge[16], a[16], h[32], tok[64];

	for (size_t i = 0; i < N_CAPS; i++) {
		derive(&owv_captures[i], OWV_PASSPHRASE, &s);
		/* Re-encrypting what we found gives back the client's Token bit for bit. */
		assert_int_equal(sk_twamp_token_encrypt(s.dk, owv_captures[i].greeting + 16, s.aes,
							s.hmac, tok),
				 SK_OK);
		assert_memory_equal(tok, owv_captures[i].setup + 84, 64);
		/* A wrong passphrase is detected by the challenge. */
		uint8_t dk[16];
		const struct owv_capture *cap = &owv_captures[i];
		assert_int_equal(sk_twamp_kdf("twamp-test-secreT", 17, cap->greeting + 32,
					      be32(cap->greeting + 48), dk),
				 SK_OK);
		assert_int_equal(sk_twamp_token_decrypt(dk, cap->setup + 84, challenge, a, h), SK_OK);
		assert_memory_not_equal(challenge, cap->greeting + 16, 16);
	}
}

static const uint8_t want_c2s_cmd[] = { 5, 2, 3 };   /* Request-TW-Session, Start, Stop */
static const size_t want_c2s_len[] = { 112, 32, 32 };
static const size_t want_s2c_len[] = { 48, 32 };     /* Accept-Session, Start-Ack */

static void control_client_to_server(void **state)
{
	(void)state;
	struct session s;
	struct sk_twctl_cipher rx, tx;
	uint8_t buf[128], first[16];
	int ok;

	for (size_t i = 0; i < N_CAPS; i++) {
		const struct owv_capture *cap = &owv_captures[i];
		derive(cap, OWV_PASSPHRASE, &s);
		sk_twctl_cipher_init(&rx, s.aes, s.hmac, cap->setup + 148);
		sk_twctl_cipher_init(&tx, s.aes, s.hmac, cap->setup + 148);
		assert_int_equal(cap->n_c2s, 3);
		for (size_t m = 0; m < cap->n_c2s; m++) {
			assert_int_equal(cap->c2s[m].len, want_c2s_len[m]);
			assert_int_equal(sk_twctl_peek(&rx, cap->c2s[m].p, first), SK_OK);
			assert_int_equal(first[0], want_c2s_cmd[m]);
			memcpy(buf, cap->c2s[m].p, cap->c2s[m].len);
			assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, cap->c2s[m].len, &ok), SK_OK);
			assert_int_equal(ok, SK_HMAC_OK);
			assert_int_equal(buf[0], want_c2s_cmd[m]);
			/* Our sender side reproduces owamp's ciphertext exactly. */
			assert_int_equal(sk_twctl_encrypt_msg(&tx, buf, cap->c2s[m].len), SK_OK);
			assert_memory_equal(buf, cap->c2s[m].p, cap->c2s[m].len);
		}
		/* Request-TW-Session: IPv4, both ports equal (owamp lets the server pick),
		 * zero SID, Padding Length 32 (twping -s 32). */
		memcpy(buf, cap->c2s[0].p, 112);
		sk_twctl_cipher_init(&rx, s.aes, s.hmac, cap->setup + 148);
		assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, 112, NULL), SK_OK);
		assert_int_equal(buf[1] & 0x0f, 4);
		assert_int_equal(buf[12] << 8 | buf[13], buf[14] << 8 | buf[15]);
		assert_true(all_zero(buf + 48, 16));
		assert_int_equal(be32(buf + 64), 32);
		/* Stop-Sessions: Accept 0, Number of Sessions 1. */
		memcpy(buf, cap->c2s[2].p, 32);
		memcpy(rx.iv, cap->c2s[1].p + 16, 16);
		assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, 32, NULL), SK_OK);
		assert_int_equal(buf[1], 0);
		assert_int_equal(be32(buf + 4), 1);
	}
}

static void control_server_to_client(void **state)
{
	(void)state;
	struct session s;
	struct sk_twctl_cipher rx, tx;
	uint8_t ss[48], ss2[48], buf[64];
	int ok;

	for (size_t i = 0; i < N_CAPS; i++) {
		const struct owv_capture *cap = &owv_captures[i];
		derive(cap, OWV_PASSPHRASE, &s);
		memcpy(ss, cap->server_start, 48);
		assert_true(all_zero(ss, 15));
		assert_int_equal(ss[15], 0);
		assert_int_equal(sk_twctl_server_start_decrypt(&rx, s.aes, s.hmac, ss, 48), SK_OK);
		/* Start-Time decrypts to a plausible NTP time and MBZ to zeros. */
		assert_memory_equal(ss + 32, want_start_time, 8);
		assert_true(all_zero(ss + 40, 8));
		/* Encrypting the plaintext Server-Start reproduces the captured one. */
		memcpy(ss2, ss, 48);
		assert_int_equal(sk_twctl_server_start_encrypt(&tx, s.aes, s.hmac, ss2, 48), SK_OK);
		assert_memory_equal(ss2, cap->server_start, 48);

		assert_int_equal(cap->n_s2c, 2);
		for (size_t m = 0; m < cap->n_s2c; m++) {
			assert_int_equal(cap->s2c[m].len, want_s2c_len[m]);
			memcpy(buf, cap->s2c[m].p, cap->s2c[m].len);
			assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, cap->s2c[m].len, &ok), SK_OK);
			/* SK_HMAC_OK, not _ALT: the Accept-Session HMAC covers Server-Start's block. */
			assert_int_equal(ok, SK_HMAC_OK);
			assert_int_equal(buf[0], 0); /* Accept */
			if (m == 0) {
				memcpy(s.sid, buf + 4, 16);
				assert_memory_equal(s.sid, want_sid[i], 16);
				assert_true(all_zero(buf + 20, 12));
			} else {
				assert_true(all_zero(buf + 1, 15));
			}
			assert_int_equal(sk_twctl_encrypt_msg(&tx, buf, cap->s2c[m].len), SK_OK);
			assert_memory_equal(buf, cap->s2c[m].p, cap->s2c[m].len);
		}
	}
}

static void control_tamper_and_alt(void **state)
{
	(void)state;
	struct session s;
	struct sk_twctl_cipher rx, tx;
	const struct owv_capture *cap = &owv_captures[0];
	uint8_t ss[48], buf[112], plain[48];
	int ok;

	derive(cap, OWV_PASSPHRASE, &s);
	/* Any flipped bit in the ciphertext fails the HMAC. */
	for (size_t bit = 0; bit < 112 * 8; bit += 37) {
		sk_twctl_cipher_init(&rx, s.aes, s.hmac, cap->setup + 148);
		memcpy(buf, cap->c2s[0].p, 112);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, 112, &ok), SK_OK);
		assert_int_equal(ok, SK_HMAC_BAD);
		sk_twctl_cipher_init(&rx, s.aes, s.hmac, cap->setup + 148);
		memcpy(buf, cap->c2s[0].p, 112);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, 112, NULL), SK_E_AUTH);
	}
	/* Without the Server-Start block in the HMAC, the owamp Accept-Session fails... */
	memcpy(ss, cap->server_start, 48);
	assert_int_equal(sk_twctl_server_start_decrypt(&rx, s.aes, s.hmac, ss, 48), SK_OK);
	rx.carry_len = 0;
	memcpy(buf, cap->s2c[0].p, 48);
	assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, 48, &ok), SK_OK);
	assert_int_equal(ok, SK_HMAC_BAD);
	memcpy(plain, buf, 48);
	/* ...and a peer that restarts the HMAC at Accept-Session is reported as _ALT. */
	memcpy(ss, cap->server_start, 48);
	assert_int_equal(sk_twctl_server_start_decrypt(&tx, s.aes, s.hmac, ss, 48), SK_OK);
	tx.carry_len = 0;
	assert_int_equal(sk_twctl_encrypt_msg(&tx, plain, 48), SK_OK);
	memcpy(ss, cap->server_start, 48);
	assert_int_equal(sk_twctl_server_start_decrypt(&rx, s.aes, s.hmac, ss, 48), SK_OK);
	assert_int_equal(sk_twctl_decrypt_msg(&rx, plain, 48, &ok), SK_OK);
	assert_int_equal(ok, SK_HMAC_OK_ALT);

	/* Length rules. */
	for (size_t n = 0; n < 32; n++)
		assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, n, &ok), SK_E_TRUNCATED);
	assert_int_equal(sk_twctl_decrypt_msg(&rx, buf, 40, &ok), SK_E_ARG);
	assert_int_equal(sk_twctl_encrypt_msg(&tx, buf, 33), SK_E_ARG);
	for (size_t n = 0; n < 48; n++)
		assert_int_equal(sk_twctl_server_start_decrypt(&rx, s.aes, s.hmac, ss, n),
				 SK_E_TRUNCATED);
}

/* Session keys of a capture: control keys from the Token, SID from Accept-Session. */
static void session_keys(const struct owv_capture *cap, struct session *s)
{
	struct sk_twctl_cipher rx;
	uint8_t ss[48], acc[48];

	derive(cap, OWV_PASSPHRASE, s);
	memcpy(ss, cap->server_start, 48);
	assert_int_equal(sk_twctl_server_start_decrypt(&rx, s->aes, s->hmac, ss, 48), SK_OK);
	memcpy(acc, cap->s2c[0].p, 48);
	assert_int_equal(sk_twctl_decrypt_msg(&rx, acc, 48, NULL), SK_OK);
	memcpy(s->sid, acc + 4, 16);
	assert_int_equal(sk_twamp_test_keys(s->sid, s->aes, s->hmac, s->test_aes, s->test_hmac),
			 SK_OK);
}

static void test_packets(void **state)
{
	(void)state;
	struct session s;
	uint8_t buf[256];
	int ok;

	for (size_t i = 0; i < N_CAPS; i++) {
		const struct owv_capture *cap = &owv_captures[i];
		uint32_t next_seq[2] = { 0, 0 };
		uint8_t last_sender[48] = { 0 };
		session_keys(cap, &s);
		assert_int_equal(cap->n_udp, 20);
		for (size_t k = 0; k < cap->n_udp; k++) {
			const struct owv_udp *u = &cap->udp[k];
			int refl = u->from_reflector;
			assert_int_equal(refl, (int)(k % 2));
			assert_int_equal(u->len, refl ? 112 : 80);
			assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes, s.test_hmac,
								 u->p, u->len, buf, sizeof buf, &ok),
					 SK_OK);
			assert_int_equal(ok, SK_HMAC_OK);
			assert_int_equal(be32(buf), next_seq[refl]);
			next_seq[refl]++;
			assert_true(all_zero(buf + 4, 12));
			assert_true(all_zero(buf + 26, 6));
			if (refl) {
				/* Sender Sequence Number, and MBZ gaps of the reflector layout. */
				assert_int_equal(be32(buf + 48), be32(buf));
				assert_true(all_zero(buf + 40, 8));
				assert_true(all_zero(buf + 52, 12));
				assert_true(all_zero(buf + 74, 6));
				assert_int_equal(buf[80], 255); /* Sender TTL */
				assert_true(all_zero(buf + 81, 15));
				/* Blocks 2-6 decrypted right: the copied Sender Timestamp and Error
				 * Estimate equal the previous sender packet's, and T1 <= T2 <= T3
				 * (one host, one clock). Error Estimate 0x0001: unsynchronised. */
				assert_memory_equal(buf + 64, last_sender + 16, 10);
				assert_true(memcmp(buf + 64, buf + 32, 8) <= 0);
				assert_true(memcmp(buf + 32, buf + 16, 8) <= 0);
				assert_int_equal(buf[24] << 8 | buf[25], 0x0001);
			} else {
				memcpy(last_sender, buf, 48);
				assert_int_equal(buf[24] << 8 | buf[25], 0x0001);
			}
			/* Our protect reproduces owamp's packet exactly. */
			assert_int_equal(sk_twamp_test_protect(s.sec, refl, s.test_aes, s.test_hmac,
							       buf, u->len),
					 SK_OK);
			assert_memory_equal(buf, u->p, u->len);
			/* Same result decrypting in place, and without an hmac_ok pointer. */
			memcpy(buf, u->p, u->len);
			assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes, s.test_hmac,
								 buf, u->len, buf, u->len, NULL),
					 SK_OK);
			assert_int_equal(be32(buf), next_seq[refl] - 1);
		}
		assert_int_equal(next_seq[0], 10);
		assert_int_equal(next_seq[1], 10);
	}
}

/* The coverage found in the captures, pinned so a change is deliberate. */
static void coverage_table(void **state)
{
	(void)state;
	assert_int_equal(sk_twamp_test_hmac_len(SK_SEC_AUTH, 0), 16);
	assert_int_equal(sk_twamp_test_hmac_len(SK_SEC_AUTH, 1), 16);
	assert_int_equal(sk_twamp_test_hmac_len(SK_SEC_ENCRYPTED, 0), 32);
	assert_int_equal(sk_twamp_test_hmac_len(SK_SEC_ENCRYPTED, 1), 96);
	assert_int_equal(sk_twamp_test_cipher_len(SK_SEC_AUTH, 1), 16);
	assert_int_equal(sk_twamp_test_cipher_len(SK_SEC_ENCRYPTED, 1), 96);
	assert_int_equal(sk_twamp_test_hmac_len(SK_SEC_UNAUTH, 1), 0);
}

static void test_packet_tamper_truncate_alt(void **state)
{
	(void)state;
	struct session s;
	uint8_t buf[256], mac[16];
	int ok;

	for (size_t i = 0; i < N_CAPS; i++) {
		const struct owv_capture *cap = &owv_captures[i];
		session_keys(cap, &s);
		for (size_t k = 0; k < 2; k++) {
			const struct owv_udp *u = &cap->udp[k];
			int refl = u->from_reflector;
			size_t fixed = refl ? 112 : 48, hlen = sk_twamp_test_hmac_len(s.sec, refl);
			/* Every truncation of the fixed part. */
			for (size_t n = 0; n < fixed; n++)
				assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes,
									 s.test_hmac, u->p, n, buf,
									 sizeof buf, &ok),
						 SK_E_TRUNCATED);
			assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes, s.test_hmac,
								 u->p, u->len, buf, u->len - 1, &ok),
					 SK_E_NOSPACE);
			/* A flipped bit inside the covered octets or the HMAC fails; outside
			 * (timestamps in authenticated mode, padding) it does not. */
			for (size_t off = 0; off < u->len; off++) {
				memcpy(buf, u->p, u->len);
				buf[off] ^= 0x10;
				assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes,
									 s.test_hmac, buf, u->len, buf,
									 sizeof buf, &ok),
						 SK_OK);
				int covered = off < hlen || (off >= fixed - 16 && off < fixed);
				assert_int_equal(ok, covered ? SK_HMAC_BAD : SK_HMAC_OK);
			}
			memcpy(buf, u->p, u->len);
			buf[0] ^= 1;
			assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes, s.test_hmac,
								 buf, u->len, buf, sizeof buf, NULL),
					 SK_E_AUTH);
			/* Authenticated mode: a peer covering every octet before the HMAC field
			 * is accepted as the alternative reading. */
			if (s.sec == SK_SEC_AUTH) {
				assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes,
									 s.test_hmac, u->p, u->len,
									 buf, sizeof buf, &ok),
						 SK_OK);
				assert_int_equal(sk_twamp_hmac(s.test_hmac, buf, fixed - 16, mac), SK_OK);
				memcpy(buf + fixed - 16, mac, 16);
				assert_int_equal(sk_aes_ecb_encrypt(s.test_aes, buf, 16), SK_OK);
				assert_int_equal(sk_twamp_test_unprotect(s.sec, refl, s.test_aes,
									 s.test_hmac, buf, u->len,
									 buf, sizeof buf, &ok),
						 SK_OK);
				assert_int_equal(ok, SK_HMAC_OK_ALT);
			}
		}
	}
	/* Unauthenticated: copy only. */
	memset(buf, 0xab, 14);
	assert_int_equal(sk_twamp_test_unprotect(SK_SEC_UNAUTH, 0, NULL, NULL, buf, 14, buf + 100,
						 14, &ok),
			 SK_OK);
	assert_int_equal(ok, SK_HMAC_OK);
	assert_memory_equal(buf + 100, buf, 14);
	assert_int_equal(sk_twamp_test_protect(SK_SEC_UNAUTH, 0, NULL, NULL, buf, 14), SK_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_and_challenge),
		cmocka_unit_test(control_client_to_server),
		cmocka_unit_test(control_server_to_client),
		cmocka_unit_test(control_tamper_and_alt),
		cmocka_unit_test(test_packets),
		cmocka_unit_test(coverage_table),
		cmocka_unit_test(test_packet_tamper_truncate_alt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
