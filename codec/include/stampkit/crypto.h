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

/* Security of test packets, for TWAMP and STAMP alike: TWAMP's authenticated and encrypted
 * modes (RFC 4656 §4.1.2, RFC 5357 §4.1.2) and STAMP's authenticated mode (RFC 8762 §4.2.2,
 * which has no encrypted mode). TWAMP mixed mode (RFC 5618) protects only the control
 * connection: its test packets are SK_SEC_UNAUTH (sk_twmode_sec maps a Mode). */
enum sk_sec { SK_SEC_UNAUTH = 0, SK_SEC_AUTH = 1, SK_SEC_ENCRYPTED = 2 };
/* "unauthenticated", "authenticated", "encrypted"; "unknown" otherwise. Never NULL. */
const char *sk_sec_name(enum sk_sec sec);

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

/* Largest PBKDF2 Count accepted from a Server-Greeting (RFC 4656 asks for a power of two of
 * at least 1024; owamp sends 2048). A larger one would let a peer or a crafted capture make
 * us spend seconds per connection, so it is refused. */
#define SK_TWAMP_COUNT_MAX (1u << 20)

/* dk = PBKDF2-HMAC-SHA1(secret, salt, count, 16). SK_E_ARG for count 0, SK_E_UNSUPPORTED
 * above SK_TWAMP_COUNT_MAX. */
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

/* ---- TWAMP-Test packet protection (RFC 4656 §4.1.2, RFC 5357 §4.1.2/§4.2.1) ----
 * Packets are in the authenticated/encrypted layouts: Session-Sender 48 octets (HMAC at 32),
 * Session-Reflector 112 octets (HMAC at 96), each followed by padding that is neither
 * encrypted nor covered. Keys come from sk_twamp_test_keys; the same two keys protect both
 * directions of a session. Verified against owamp 5.2.3 captures (docs/crypto.md):
 *   authenticated: block 1 (Sequence Number + 12 MBZ) is AES-ECB encrypted; the HMAC covers
 *                  the plaintext of block 1 only, for sender and reflector alike;
 *   encrypted:     the first 32 (sender) / 96 (reflector) octets are AES-CBC encrypted with
 *                  IV 0; the HMAC covers the plaintext of those same octets.
 * The HMAC is HMAC-SHA1 under the 32-octet test HMAC key, truncated to 16 octets, and is
 * itself never encrypted. */
#define SK_TWAMP_SENDER_AUTH_LEN 48     /* sender fixed part in auth/enc modes */
#define SK_TWAMP_REFLECTOR_AUTH_LEN 112 /* reflector fixed part in auth/enc modes */
#define SK_TWAMP_SENDER_HMAC_OFF 32
#define SK_TWAMP_REFLECTOR_HMAC_OFF 96

/* What sk_twamp_test_unprotect / sk_twctl_decrypt_msg report through *hmac_ok. */
#define SK_HMAC_BAD 0
#define SK_HMAC_OK 1     /* matches the coverage owamp uses (and we send) */
#define SK_HMAC_OK_ALT 2 /* matches only the alternative reading, see the functions */

/* Octets at the start of the packet that are encrypted (16, 32 or 96; 0 unauthenticated). */
size_t sk_twamp_test_cipher_len(enum sk_sec sec, int reflector);
/* Octets at the start of the packet covered by the HMAC (16, 32 or 96; 0 unauthenticated). */
size_t sk_twamp_test_hmac_len(enum sk_sec sec, int reflector);

/* Sender or reflector side: pkt holds len octets of a plaintext test packet (the HMAC field
 * content is ignored). Computes the HMAC over the covered plaintext, writes it at offset
 * 32/96, then encrypts the leading blocks in place. In authenticated mode only block 1 is
 * covered, so timestamps may still be written after this call (owamp does exactly that).
 * SK_E_TRUNCATED if len is shorter than the 48/112-octet fixed part; SK_OK and no change in
 * unauthenticated mode. */
enum sk_result sk_twamp_test_protect(enum sk_sec sec, int reflector,
				     const uint8_t test_aes[16], const uint8_t test_hmac[32],
				     uint8_t *pkt, size_t len);

/* Receiver or analyzer side: copies the len octets of in to out (out_cap >= len; out may be
 * in), decrypts the leading blocks of out and checks the HMAC. *hmac_ok (may be NULL) gets
 * SK_HMAC_OK, SK_HMAC_BAD, or - authenticated mode only - SK_HMAC_OK_ALT when the HMAC covers
 * the whole 32/96-octet plaintext instead of block 1 (a reading of RFC 5357 that owamp does
 * not follow; accepted so such peers are not reported as forged). With hmac_ok non-NULL a bad
 * HMAC still returns SK_OK so a decoder can show the fields; with hmac_ok NULL it returns
 * SK_E_AUTH. Unauthenticated: plain copy, *hmac_ok = SK_HMAC_OK. */
enum sk_result sk_twamp_test_unprotect(enum sk_sec sec, int reflector,
				       const uint8_t test_aes[16], const uint8_t test_hmac[32],
				       const uint8_t *in, size_t len, uint8_t *out,
				       size_t out_cap, int *hmac_ok);

/* ---- TWAMP-Control message protection (RFC 4656 §3.1-3.2, RFC 5357 §3) ----
 * One struct per direction. Every message after Server-Start is AES-128-CBC encrypted under
 * the AES-Session-key and the chain runs on across messages (next IV = last ciphertext
 * block). Each message ends in a 16-octet HMAC-SHA1/16 (HMAC-Session-key) over the plaintext
 * of all blocks sent in that direction since the previous HMAC field. In practice that is
 * the message's own blocks before the HMAC field, except for the first server message
 * (Accept-Session): Server-Start's last block (Start-Time + MBZ) is encrypted under
 * Server-IV, opens the server->client chain, and its plaintext is covered by the next HMAC.
 * All verified against owamp 5.2.3 in both modes (docs/crypto.md). Mixed mode (RFC 5618)
 * protects control the same way. The struct holds keys: wipe it when done. */
struct sk_twctl_cipher {
	uint8_t aes_key[SK_AES_KEY_LEN];
	uint8_t hmac_key[SK_HMAC_KEY_LEN];
	uint8_t iv[16];    /* next CBC IV of this direction */
	uint8_t carry[16]; /* plaintext the next HMAC must also cover */
	size_t carry_len;  /* 0 or 16 */
};

/* Client->server direction: iv is the Client-IV of Set-Up-Response. */
void sk_twctl_cipher_init(struct sk_twctl_cipher *c, const uint8_t aes_key[16],
			  const uint8_t hmac_key[32], const uint8_t iv[16]);

/* Server->client direction, server side: msg is the 48-octet plaintext Server-Start with
 * Server-IV at offset 16. Encrypts octets 32..47 in place and initialises c. */
enum sk_result sk_twctl_server_start_encrypt(struct sk_twctl_cipher *c,
					     const uint8_t aes_key[16],
					     const uint8_t hmac_key[32], uint8_t *msg, size_t len);
/* Server->client direction, client/analyzer side: decrypts octets 32..47 of the received
 * Server-Start in place (Start-Time becomes readable) and initialises c. Only call this
 * when Accept (octet 15) is 0 and the mode is authenticated, encrypted or mixed. */
enum sk_result sk_twctl_server_start_decrypt(struct sk_twctl_cipher *c,
					     const uint8_t aes_key[16],
					     const uint8_t hmac_key[32], uint8_t *msg, size_t len);

/* Sender: msg holds len plaintext octets (len a multiple of 16, at least 32) ending in the
 * 16-octet HMAC field. Writes the HMAC there, encrypts the whole message in place and
 * advances the chain. SK_E_TRUNCATED if len < 32, SK_E_ARG if len is not a multiple of 16. */
enum sk_result sk_twctl_encrypt_msg(struct sk_twctl_cipher *c, uint8_t *msg, size_t len);

/* Receiver: decrypts len octets in place (same length rules), advances the chain and
 * checks the trailing HMAC. *hmac_ok (may be NULL) gets SK_HMAC_OK, SK_HMAC_BAD, or
 * SK_HMAC_OK_ALT when a carried Server-Start block is pending and the HMAC matches only
 * without it (a peer that restarts the HMAC at Accept-Session). Bad HMAC: SK_OK with
 * hmac_ok non-NULL, SK_E_AUTH with hmac_ok NULL. */
enum sk_result sk_twctl_decrypt_msg(struct sk_twctl_cipher *c, uint8_t *msg, size_t len,
				    int *hmac_ok);

/* Decrypts the next block of this direction into out without advancing the chain, so a
 * reader can learn a message's command (and so its length) before it has all of it. */
enum sk_result sk_twctl_peek(const struct sk_twctl_cipher *c, const uint8_t in[16],
			     uint8_t out[16]);

#ifdef __cplusplus
}
#endif
#endif
