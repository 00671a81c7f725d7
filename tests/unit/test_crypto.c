/* SPDX-License-Identifier: BSD-3-Clause */
/* test_crypto.c - known-answer tests of the TWAMP/STAMP primitives (RFC 6070, 2202, 4231, FIPS-197, SP 800-38A). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/crypto.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[1] && n < cap) {
		unsigned v = 0;
		for (int i = 0; i < 2; i++) {
			char c = s[i];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
		}
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void assert_hex(const uint8_t *got, const char *want_hex, size_t len)
{
	uint8_t want[256];
	assert_int_equal(unhex(want_hex, want, sizeof want), len);
	assert_memory_equal(got, want, len);
}

static void init_ok(void **state)
{
	(void)state;
	assert_int_equal(sk_crypto_init(), SK_OK);
	assert_int_equal(sk_crypto_init(), SK_OK);
}

/* RFC 6070 §2. The 16777216-iteration vector is left out for run time. */
static void pbkdf2_rfc6070(void **state)
{
	(void)state;
	uint8_t dk[25];

	assert_int_equal(sk_pbkdf2_sha1("password", 8, "salt", 4, 1, dk, 20), SK_OK);
	assert_hex(dk, "0c60c80f961f0e71f3a9b524af6012062fe037a6", 20);
	assert_int_equal(sk_pbkdf2_sha1("password", 8, "salt", 4, 2, dk, 20), SK_OK);
	assert_hex(dk, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957", 20);
	assert_int_equal(sk_pbkdf2_sha1("password", 8, "salt", 4, 4096, dk, 20), SK_OK);
	assert_hex(dk, "4b007901b765489abead49d926f721d065a429c1", 20);
	assert_int_equal(sk_pbkdf2_sha1("passwordPASSWORDpassword", 24,
					"saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, dk, 25),
			 SK_OK);
	assert_hex(dk, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038", 25);
	assert_int_equal(sk_pbkdf2_sha1("pass\0word", 9, "sa\0lt", 5, 4096, dk, 16), SK_OK);
	assert_hex(dk, "56fa6aa75548099dcc37d7f03425e0c3", 16);
	/* A 16-octet output is the prefix of the 20-octet one (TWAMP's dkLen). */
	assert_int_equal(sk_pbkdf2_sha1("password", 8, "salt", 4, 2, dk, 16), SK_OK);
	assert_hex(dk, "ea6c014dc72d6f8ccd1ed92ace1d41f0", 16);

	assert_int_equal(sk_pbkdf2_sha1("password", 8, "salt", 4, 0, dk, 16), SK_E_ARG);
	assert_int_equal(sk_pbkdf2_sha1("password", 8, "salt", 4, 1, NULL, 16), SK_E_ARG);
}

/* TWAMP's fixed 16-octet salt; expected value from an independent PBKDF2 (Python hashlib). */
static void twamp_kdf_value(void **state)
{
	(void)state;
	uint8_t salt[16], dk[16];
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)i;
	assert_int_equal(sk_twamp_kdf("twamp-test-secret", 17, salt, 1024, dk), SK_OK);
	assert_hex(dk, "6382b77f29bcd7206873887b64ad7736", 16);
	assert_int_equal(sk_twamp_kdf("x", 1, salt, 0, dk), SK_E_ARG);
}

/* RFC 2202 §3 cases 1-5. sk_twamp_hmac takes a 32-octet key; HMAC pads short keys with
 * zeros to the 64-octet block, so a key of up to 32 octets padded with zeros to 32 gives the
 * same MAC. Cases 6-7 (80-octet keys) cannot be expressed with a TWAMP key. */
static void hmac_sha1_rfc2202(void **state)
{
	(void)state;
	uint8_t key[32], data[50], mac[SK_HMAC_LEN];

	memset(key, 0, sizeof key);
	memset(key, 0x0b, 20);
	assert_int_equal(sk_twamp_hmac(key, "Hi There", 8, mac), SK_OK);
	assert_hex(mac, "b617318655057264e28bc0b6fb378c8e", 16);

	memset(key, 0, sizeof key);
	memcpy(key, "Jefe", 4);
	assert_int_equal(sk_twamp_hmac(key, "what do ya want for nothing?", 28, mac), SK_OK);
	assert_hex(mac, "effcdf6ae5eb2fa2d27416d5f184df9c", 16);

	memset(key, 0, sizeof key);
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	assert_int_equal(sk_twamp_hmac(key, data, 50, mac), SK_OK);
	assert_hex(mac, "125d7342b9ac11cd91a39af48aa17b4f", 16);

	memset(key, 0, sizeof key);
	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	assert_int_equal(sk_twamp_hmac(key, data, 50, mac), SK_OK);
	assert_hex(mac, "4c9007f4026250c6bc8414f9bf50c86c", 16);

	memset(key, 0, sizeof key);
	memset(key, 0x0c, 20);
	assert_int_equal(sk_twamp_hmac(key, "Test With Truncation", 20, mac), SK_OK);
	assert_hex(mac, "4c1a03424b55e07fe7f27be1d58bb932", 16);
}

/* RFC 4231 §4.2-4.8, first 16 octets. */
static void hmac_sha256_rfc4231(void **state)
{
	(void)state;
	uint8_t key[131], data[50], mac[SK_HMAC_LEN];
	static const char big1[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char big2[] =
		"This is a test using a larger than block-size key and a larger than block-size "
		"data. The key needs to be hashed before being used by the HMAC algorithm.";

	memset(key, 0x0b, 20);
	assert_int_equal(sk_stamp_hmac(key, 20, "Hi There", 8, mac), SK_OK);
	assert_hex(mac, "b0344c61d8db38535ca8afceaf0bf12b", 16);

	assert_int_equal(sk_stamp_hmac("Jefe", 4, "what do ya want for nothing?", 28, mac), SK_OK);
	assert_hex(mac, "5bdcc146bf60754e6a042426089575c7", 16);

	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	assert_int_equal(sk_stamp_hmac(key, 20, data, 50, mac), SK_OK);
	assert_hex(mac, "773ea91e36800e46854db8ebd09181a7", 16);

	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	assert_int_equal(sk_stamp_hmac(key, 25, data, 50, mac), SK_OK);
	assert_hex(mac, "82558a389a443c0ea4cc819899f2083a", 16);

	memset(key, 0x0c, 20);
	assert_int_equal(sk_stamp_hmac(key, 20, "Test With Truncation", 20, mac), SK_OK);
	assert_hex(mac, "a3b6167473100ee06e0c796c2955552b", 16);

	memset(key, 0xaa, 131);
	assert_int_equal(sk_stamp_hmac(key, 131, big1, sizeof big1 - 1, mac), SK_OK);
	assert_hex(mac, "60e431591ee0b67f0d8a26aacbf5b77f", 16);
	assert_int_equal(sk_stamp_hmac(key, 131, big2, sizeof big2 - 1, mac), SK_OK);
	assert_hex(mac, "9b09ffa71b942fcb27635fbcd5b0e944", 16);
}

static void hmac_equal_ct(void **state)
{
	(void)state;
	uint8_t a[16], b[16];
	memset(a, 0x5a, 16);
	memcpy(b, a, 16);
	assert_int_equal(sk_hmac_equal(a, b), 1);
	for (int i = 0; i < 16; i++) {
		b[i] ^= 0x01;
		assert_int_equal(sk_hmac_equal(a, b), 0);
		b[i] ^= 0x01;
	}
	b[15] ^= 0x80;
	assert_int_equal(sk_hmac_equal(a, b), 0);
}

static const char sp_key[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char sp_pt[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
			    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const char sp_ecb[] = "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
			     "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4";
static const char sp_cbc[] = "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
			     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";

/* FIPS-197 Appendix C.1 and SP 800-38A F.1.1/F.1.2. */
static void aes_ecb_kat(void **state)
{
	(void)state;
	uint8_t key[16], buf[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	unhex("00112233445566778899aabbccddeeff", buf, 16);
	assert_int_equal(sk_aes_ecb_encrypt(key, buf, 16), SK_OK);
	assert_hex(buf, "69c4e0d86a7b0430d8cdb78070b4c55a", 16);
	assert_int_equal(sk_aes_ecb_decrypt(key, buf, 16), SK_OK);
	assert_hex(buf, "00112233445566778899aabbccddeeff", 16);

	unhex(sp_key, key, 16);
	unhex(sp_pt, buf, 64);
	assert_int_equal(sk_aes_ecb_encrypt(key, buf, 64), SK_OK);
	assert_hex(buf, sp_ecb, 64);
	assert_int_equal(sk_aes_ecb_decrypt(key, buf, 64), SK_OK);
	assert_hex(buf, sp_pt, 64);

	assert_int_equal(sk_aes_ecb_encrypt(key, buf, 15), SK_E_ARG);
	assert_int_equal(sk_aes_ecb_decrypt(key, buf, 17), SK_E_ARG);
	assert_int_equal(sk_aes_ecb_encrypt(key, buf, 0), SK_OK);
}

/* SP 800-38A F.2.1/F.2.2, and the IV it leaves behind. */
static void aes_cbc_kat(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], buf[64];

	unhex(sp_key, key, 16);
	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)i;
	unhex(sp_pt, buf, 64);
	assert_int_equal(sk_aes_cbc_encrypt(key, iv, buf, 64), SK_OK);
	assert_hex(buf, sp_cbc, 64);
	assert_hex(iv, "3ff1caa1681fac09120eca307586e1a7", 16);

	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)i;
	assert_int_equal(sk_aes_cbc_decrypt(key, iv, buf, 64), SK_OK);
	assert_hex(buf, sp_pt, 64);
	assert_hex(iv, "3ff1caa1681fac09120eca307586e1a7", 16);

	assert_int_equal(sk_aes_cbc_encrypt(key, iv, buf, 31), SK_E_ARG);
	assert_int_equal(sk_aes_cbc_encrypt(key, NULL, buf, 32), SK_E_ARG);
}

/* A TWAMP-Control direction is one CBC chain across messages: two calls must equal one. */
static void aes_cbc_chaining(void **state)
{
	(void)state;
	uint8_t key[16], iv[16], buf[64];

	unhex(sp_key, key, 16);
	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)i;
	unhex(sp_pt, buf, 64);
	assert_int_equal(sk_aes_cbc_encrypt(key, iv, buf, 16), SK_OK);
	assert_int_equal(sk_aes_cbc_encrypt(key, iv, buf + 16, 48), SK_OK);
	assert_hex(buf, sp_cbc, 64);

	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)i;
	assert_int_equal(sk_aes_cbc_decrypt(key, iv, buf, 32), SK_OK);
	assert_hex(iv, "5086cb9b507219ee95db113a917678b2", 16);
	assert_int_equal(sk_aes_cbc_decrypt(key, iv, buf + 32, 32), SK_OK);
	assert_hex(buf, sp_pt, 64);
}

/* Token and per-session keys; expected values from Python's `cryptography` package. */
static void token_and_test_keys(void **state)
{
	(void)state;
	uint8_t dk[16], ch[16], ak[16], hk[32], tok[64];
	uint8_t ch2[16], ak2[16], hk2[32], sid[16], ta[16], th[32];

	unhex("6382b77f29bcd7206873887b64ad7736", dk, 16);
	for (int i = 0; i < 16; i++) {
		ch[i] = (uint8_t)(0x10 + i);
		ak[i] = (uint8_t)(0x20 + i);
		sid[i] = (uint8_t)(0xa0 + i);
	}
	for (int i = 0; i < 32; i++)
		hk[i] = (uint8_t)(0x30 + i);
	assert_int_equal(sk_twamp_token_encrypt(dk, ch, ak, hk, tok), SK_OK);
	assert_hex(tok,
		   "28c51bfe6930d2bfa48f7e3bdeac6e8065e49c71e76effb7b07d91b4d3f33e41"
		   "659ab04bbd28e634d7132afb921500c6a87c93fdc1d2df628f11bcb3bfd9336d",
		   64);
	assert_int_equal(sk_twamp_token_decrypt(dk, tok, ch2, ak2, hk2), SK_OK);
	assert_memory_equal(ch2, ch, 16);
	assert_memory_equal(ak2, ak, 16);
	assert_memory_equal(hk2, hk, 32);

	/* A wrong dk yields a different challenge: that is how the server detects it. */
	dk[0] ^= 1;
	assert_int_equal(sk_twamp_token_decrypt(dk, tok, ch2, ak2, hk2), SK_OK);
	assert_memory_not_equal(ch2, ch, 16);

	assert_int_equal(sk_twamp_test_keys(sid, ak, hk, ta, th), SK_OK);
	assert_hex(ta, "f4ca09f8483d616df12d6e29a69087d8", 16);
	assert_hex(th, "26e2fd78694b0f2cca9f5bc70e770b316179d435911601149084f58760a4d828", 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_ok),
		cmocka_unit_test(pbkdf2_rfc6070),
		cmocka_unit_test(twamp_kdf_value),
		cmocka_unit_test(hmac_sha1_rfc2202),
		cmocka_unit_test(hmac_sha256_rfc4231),
		cmocka_unit_test(hmac_equal_ct),
		cmocka_unit_test(aes_ecb_kat),
		cmocka_unit_test(aes_cbc_kat),
		cmocka_unit_test(aes_cbc_chaining),
		cmocka_unit_test(token_and_test_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
