/* SPDX-License-Identifier: BSD-3-Clause */
/* crypto.c - TWAMP/STAMP cryptography over libgcrypt: RFC 4656 §3.1, §4.1.2, RFC 5357 §4.1.2, RFC 8762 §4.4. */
#include <pthread.h>
#include <string.h>

#include <gcrypt.h>

#include "stampkit/crypto.h"

static pthread_once_t sk_gcry_once = PTHREAD_ONCE_INIT;
static int sk_gcry_ok;

static void sk_gcry_setup(void)
{
	/* The application may have initialised libgcrypt already (e.g. Wireshark does); then
	 * our settings must not be applied a second time. */
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		sk_gcry_ok = 1;
		return;
	}
	if (!gcry_check_version(GCRYPT_VERSION))
		return;
	/* Keys here live in ordinary caller memory anyway, so secure memory buys nothing and
	 * would need privileges. */
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	sk_gcry_ok = 1;
}

enum sk_result sk_crypto_init(void)
{
	if (pthread_once(&sk_gcry_once, sk_gcry_setup) != 0)
		return SK_E_CRYPTO;
	return sk_gcry_ok ? SK_OK : SK_E_CRYPTO;
}

enum sk_result sk_pbkdf2_sha1(const void *secret, size_t secret_len, const void *salt,
			      size_t salt_len, uint32_t count, uint8_t *dk, size_t dk_len)
{
	if ((!secret && secret_len) || (!salt && salt_len) || !dk || dk_len == 0 || count == 0)
		return SK_E_ARG;
	if (sk_crypto_init() != SK_OK)
		return SK_E_CRYPTO;
	if (gcry_kdf_derive(secret, secret_len, GCRY_KDF_PBKDF2, GCRY_MD_SHA1, salt, salt_len,
			    count, dk_len, dk))
		return SK_E_CRYPTO;
	return SK_OK;
}

enum sk_result sk_twamp_kdf(const void *secret, size_t secret_len, const uint8_t salt[16],
			    uint32_t count, uint8_t dk[SK_AES_KEY_LEN])
{
	if (!salt)
		return SK_E_ARG;
	return sk_pbkdf2_sha1(secret, secret_len, salt, 16, count, dk, SK_AES_KEY_LEN);
}

/* One AES-128 operation in the given mode; iv may be NULL (ECB) and is updated for CBC. */
static enum sk_result sk_aes(int mode, int enc, const uint8_t key[16], uint8_t iv[16],
			     uint8_t *buf, size_t len)
{
	gcry_cipher_hd_t h;
	gcry_error_t e;

	if (!key || (!buf && len) || len % 16 != 0 || (mode == GCRY_CIPHER_MODE_CBC && !iv))
		return SK_E_ARG;
	if (sk_crypto_init() != SK_OK)
		return SK_E_CRYPTO;
	if (len == 0)
		return SK_OK;
	if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, mode, 0))
		return SK_E_CRYPTO;
	e = gcry_cipher_setkey(h, key, 16);
	if (!e && mode == GCRY_CIPHER_MODE_CBC)
		e = gcry_cipher_setiv(h, iv, 16);
	if (!e) {
		if (enc) {
			e = gcry_cipher_encrypt(h, buf, len, NULL, 0);
			if (!e && iv)
				memcpy(iv, buf + len - 16, 16);
		} else {
			/* The next IV is the last ciphertext block, which decryption overwrites. */
			uint8_t last[16];
			memcpy(last, buf + len - 16, 16);
			e = gcry_cipher_decrypt(h, buf, len, NULL, 0);
			if (!e && iv)
				memcpy(iv, last, 16);
		}
	}
	gcry_cipher_close(h);
	return e ? SK_E_CRYPTO : SK_OK;
}

enum sk_result sk_aes_cbc_encrypt(const uint8_t key[16], uint8_t iv[16], uint8_t *buf, size_t len)
{
	return sk_aes(GCRY_CIPHER_MODE_CBC, 1, key, iv, buf, len);
}

enum sk_result sk_aes_cbc_decrypt(const uint8_t key[16], uint8_t iv[16], uint8_t *buf, size_t len)
{
	return sk_aes(GCRY_CIPHER_MODE_CBC, 0, key, iv, buf, len);
}

enum sk_result sk_aes_ecb_encrypt(const uint8_t key[16], uint8_t *buf, size_t len)
{
	return sk_aes(GCRY_CIPHER_MODE_ECB, 1, key, NULL, buf, len);
}

enum sk_result sk_aes_ecb_decrypt(const uint8_t key[16], uint8_t *buf, size_t len)
{
	return sk_aes(GCRY_CIPHER_MODE_ECB, 0, key, NULL, buf, len);
}

enum sk_result sk_twamp_token_encrypt(const uint8_t dk[16], const uint8_t challenge[16],
				      const uint8_t aes_key[16], const uint8_t hmac_key[32],
				      uint8_t token[SK_TOKEN_LEN])
{
	uint8_t iv[16] = { 0 };

	if (!dk || !challenge || !aes_key || !hmac_key || !token)
		return SK_E_ARG;
	memcpy(token, challenge, 16);
	memcpy(token + 16, aes_key, 16);
	memcpy(token + 32, hmac_key, 32);
	return sk_aes_cbc_encrypt(dk, iv, token, SK_TOKEN_LEN);
}

enum sk_result sk_twamp_token_decrypt(const uint8_t dk[16], const uint8_t token[SK_TOKEN_LEN],
				      uint8_t challenge[16], uint8_t aes_key[16],
				      uint8_t hmac_key[32])
{
	uint8_t iv[16] = { 0 };
	uint8_t buf[SK_TOKEN_LEN];
	enum sk_result r;

	if (!dk || !token || !challenge || !aes_key || !hmac_key)
		return SK_E_ARG;
	memcpy(buf, token, sizeof buf);
	r = sk_aes_cbc_decrypt(dk, iv, buf, sizeof buf);
	if (r == SK_OK) {
		memcpy(challenge, buf, 16);
		memcpy(aes_key, buf + 16, 16);
		memcpy(hmac_key, buf + 32, 32);
	}
	memset(buf, 0, sizeof buf);
	return r;
}

static enum sk_result sk_hmac(int algo, const void *key, size_t key_len, const void *msg,
			      size_t len, uint8_t out[SK_HMAC_LEN])
{
	gcry_md_hd_t h;
	const unsigned char *d;

	if ((!key && key_len) || (!msg && len) || !out)
		return SK_E_ARG;
	if (sk_crypto_init() != SK_OK)
		return SK_E_CRYPTO;
	if (gcry_md_open(&h, algo, GCRY_MD_FLAG_HMAC))
		return SK_E_CRYPTO;
	/* libgcrypt rejects an empty HMAC key; RFC 2104 defines it as all zero, which a
	 * one-octet zero key pads to identically. */
	{
		static const uint8_t zero = 0;
		const void *k = key_len ? key : &zero;
		if (gcry_md_setkey(h, k, key_len ? key_len : 1)) {
			gcry_md_close(h);
			return SK_E_CRYPTO;
		}
	}
	if (len)
		gcry_md_write(h, msg, len);
	d = gcry_md_read(h, algo);
	if (!d) {
		gcry_md_close(h);
		return SK_E_CRYPTO;
	}
	memcpy(out, d, SK_HMAC_LEN);
	gcry_md_close(h);
	return SK_OK;
}

enum sk_result sk_twamp_hmac(const uint8_t key[32], const void *msg, size_t len,
			     uint8_t out[SK_HMAC_LEN])
{
	if (!key)
		return SK_E_ARG;
	return sk_hmac(GCRY_MD_SHA1, key, SK_HMAC_KEY_LEN, msg, len, out);
}

enum sk_result sk_stamp_hmac(const void *key, size_t key_len, const void *msg, size_t len,
			     uint8_t out[SK_HMAC_LEN])
{
	return sk_hmac(GCRY_MD_SHA256, key, key_len, msg, len, out);
}

int sk_hmac_equal(const uint8_t a[SK_HMAC_LEN], const uint8_t b[SK_HMAC_LEN])
{
	/* volatile keeps the compiler from turning the loop into an early-exit compare. */
	volatile uint8_t acc = 0;

	for (size_t i = 0; i < SK_HMAC_LEN; i++)
		acc |= (uint8_t)(a[i] ^ b[i]);
	return acc == 0;
}

enum sk_result sk_twamp_test_keys(const uint8_t sid[16], const uint8_t aes_key[16],
				  const uint8_t hmac_key[32], uint8_t test_aes[16],
				  uint8_t test_hmac[32])
{
	uint8_t iv[16] = { 0 };
	uint8_t a[16], h[32];
	enum sk_result r;

	if (!sid || !aes_key || !hmac_key || !test_aes || !test_hmac)
		return SK_E_ARG;
	/* RFC 4656 §4.1.2 / owamp endpoint.c: the SID is the key, the session keys the data. */
	memcpy(a, aes_key, 16);
	memcpy(h, hmac_key, 32);
	r = sk_aes_ecb_encrypt(sid, a, 16);
	if (r == SK_OK)
		r = sk_aes_cbc_encrypt(sid, iv, h, 32);
	if (r == SK_OK) {
		memcpy(test_aes, a, 16);
		memcpy(test_hmac, h, 32);
	}
	memset(a, 0, sizeof a);
	memset(h, 0, sizeof h);
	return r;
}
