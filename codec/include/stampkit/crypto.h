/* SPDX-License-Identifier: BSD-3-Clause */
/* crypto.h - TWAMP and STAMP cryptography over libgcrypt.
 * RFC 4656 §3.1 and §4.1.2 (key derivation, Token, control and test protection), RFC 5357
 * §3.1 and §4.1.2, RFC 8762 §4.4 (STAMP HMAC-SHA-256). No hand-written primitives. */
#ifndef STAMPKIT_CRYPTO_H
#define STAMPKIT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_AES_KEY_LEN 16
#define SK_HMAC_KEY_LEN 32   /* TWAMP HMAC-Session-key */
#define SK_HMAC_LEN 16       /* every HMAC on the wire is truncated to 16 octets */
#define SK_TOKEN_LEN 64

/* Initialises libgcrypt once (safe to call repeatedly; thread-safe after the first call). */
enum sk_result sk_crypto_init(void);

/* PBKDF2-HMAC-SHA1 (RFC 8018 §5.2) with any salt and output length; sk_twamp_kdf is the
 * TWAMP use of it. count must be at least 1. */
enum sk_result sk_pbkdf2_sha1(const void *secret, size_t secret_len, const void *salt,
			      size_t salt_len, uint32_t count, uint8_t *dk, size_t dk_len);

/* dk = PBKDF2-HMAC-SHA1(secret, salt, count, 16). */
enum sk_result sk_twamp_kdf(const void *secret, size_t secret_len, const uint8_t salt[16],
			    uint32_t count, uint8_t dk[SK_AES_KEY_LEN]);

/* Token = AES-128-CBC(dk, IV 0)(Challenge || AES-Session-key || HMAC-Session-key). */
enum sk_result sk_twamp_token_encrypt(const uint8_t dk[16], const uint8_t challenge[16],
				      const uint8_t aes_key[16], const uint8_t hmac_key[32],
				      uint8_t token[SK_TOKEN_LEN]);
enum sk_result sk_twamp_token_decrypt(const uint8_t dk[16], const uint8_t token[SK_TOKEN_LEN],
				      uint8_t challenge[16], uint8_t aes_key[16],
				      uint8_t hmac_key[32]);

/* AES-128-CBC over len octets (a multiple of 16) in place. iv is updated to the last
 * ciphertext block, so successive calls continue one chain (TWAMP-Control streams). */
enum sk_result sk_aes_cbc_encrypt(const uint8_t key[16], uint8_t iv[16], uint8_t *buf, size_t len);
enum sk_result sk_aes_cbc_decrypt(const uint8_t key[16], uint8_t iv[16], uint8_t *buf, size_t len);
/* AES-128-ECB over len octets (a multiple of 16) in place. */
enum sk_result sk_aes_ecb_encrypt(const uint8_t key[16], uint8_t *buf, size_t len);
enum sk_result sk_aes_ecb_decrypt(const uint8_t key[16], uint8_t *buf, size_t len);

/* TWAMP HMAC: HMAC-SHA1 keyed with a 32-octet key, truncated to 16 octets. */
enum sk_result sk_twamp_hmac(const uint8_t key[32], const void *msg, size_t len,
			     uint8_t out[SK_HMAC_LEN]);
/* STAMP HMAC: HMAC-SHA-256 with a key of any length, truncated to 16 octets. */
enum sk_result sk_stamp_hmac(const void *key, size_t key_len, const void *msg, size_t len,
			     uint8_t out[SK_HMAC_LEN]);
/* Constant-time comparison of two 16-octet HMACs: 1 equal, 0 different. */
int sk_hmac_equal(const uint8_t a[SK_HMAC_LEN], const uint8_t b[SK_HMAC_LEN]);

/* Per-session TWAMP-Test keys derived from the control session keys and the SID. */
enum sk_result sk_twamp_test_keys(const uint8_t sid[16], const uint8_t aes_key[16],
				  const uint8_t hmac_key[32], uint8_t test_aes[16],
				  uint8_t test_hmac[32]);

#ifdef __cplusplus
}
#endif
#endif
