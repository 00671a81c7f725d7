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
	/* Count comes from the peer's Server-Greeting: bound the work it can make us do. */
	if (count > SK_TWAMP_COUNT_MAX)
		return SK_E_UNSUPPORTED;
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

/* HMAC over the concatenation a || b (b may be empty), truncated to 16 octets. Two parts
 * let the control HMAC cover a block carried over from an earlier message without copying. */
static enum sk_result sk_hmac2(int algo, const void *key, size_t key_len, const void *a,
			       size_t alen, const void *b, size_t blen, uint8_t out[SK_HMAC_LEN])
{
	static const uint8_t zero = 0;
	gcry_md_hd_t h;
	const unsigned char *d;

	if ((!key && key_len) || (!a && alen) || (!b && blen) || !out)
		return SK_E_ARG;
	if (sk_crypto_init() != SK_OK)
		return SK_E_CRYPTO;
	if (gcry_md_open(&h, algo, GCRY_MD_FLAG_HMAC))
		return SK_E_CRYPTO;
	/* libgcrypt rejects an empty HMAC key; RFC 2104 pads keys with zeros to the block
	 * size, so a one-octet zero key is the same key. */
	if (gcry_md_setkey(h, key_len ? key : &zero, key_len ? key_len : 1)) {
		gcry_md_close(h);
		return SK_E_CRYPTO;
	}
	if (alen)
		gcry_md_write(h, a, alen);
	if (blen)
		gcry_md_write(h, b, blen);
	d = gcry_md_read(h, algo);
	if (!d) {
		gcry_md_close(h);
		return SK_E_CRYPTO;
	}
	memcpy(out, d, SK_HMAC_LEN);
	gcry_md_close(h);
	return SK_OK;
}

static enum sk_result sk_hmac(int algo, const void *key, size_t key_len, const void *msg,
			      size_t len, uint8_t out[SK_HMAC_LEN])
{
	return sk_hmac2(algo, key, key_len, msg, len, NULL, 0, out);
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

/* ---- TWAMP-Test packets ---- */

const char *sk_sec_name(enum sk_sec sec)
{
	switch (sec) {
	case SK_SEC_UNAUTH: return "unauthenticated";
	case SK_SEC_AUTH: return "authenticated";
	case SK_SEC_ENCRYPTED: return "encrypted";
	}
	return "unknown";
}

size_t sk_twamp_test_cipher_len(enum sk_sec sec, int reflector)
{
	switch (sec) {
	case SK_SEC_AUTH:
		return 16;
	case SK_SEC_ENCRYPTED:
		return reflector ? SK_TWAMP_REFLECTOR_HMAC_OFF : SK_TWAMP_SENDER_HMAC_OFF;
	case SK_SEC_UNAUTH:
		break;
	}
	return 0;
}

size_t sk_twamp_test_hmac_len(enum sk_sec sec, int reflector)
{
	/* Observed in owamp 5.2.3 captures: the HMAC covers exactly the encrypted octets. */
	return sk_twamp_test_cipher_len(sec, reflector);
}

static enum sk_result sk_test_crypt(enum sk_sec sec, int enc, const uint8_t key[16],
				    uint8_t *pkt, size_t clen)
{
	uint8_t iv[16] = { 0 };

	if (sec == SK_SEC_AUTH)
		return enc ? sk_aes_ecb_encrypt(key, pkt, 16) : sk_aes_ecb_decrypt(key, pkt, 16);
	return enc ? sk_aes_cbc_encrypt(key, iv, pkt, clen) : sk_aes_cbc_decrypt(key, iv, pkt, clen);
}

enum sk_result sk_twamp_test_protect(enum sk_sec sec, int reflector,
				     const uint8_t test_aes[16], const uint8_t test_hmac[32],
				     uint8_t *pkt, size_t len)
{
	size_t off = reflector ? SK_TWAMP_REFLECTOR_HMAC_OFF : SK_TWAMP_SENDER_HMAC_OFF;
	enum sk_result r;

	if (sec != SK_SEC_UNAUTH && sec != SK_SEC_AUTH && sec != SK_SEC_ENCRYPTED)
		return SK_E_ARG;
	if (sec == SK_SEC_UNAUTH)
		return SK_OK;
	if (!test_aes || !test_hmac || !pkt)
		return SK_E_ARG;
	if (len < off + SK_HMAC_LEN)
		return SK_E_TRUNCATED;
	r = sk_twamp_hmac(test_hmac, pkt, sk_twamp_test_hmac_len(sec, reflector), pkt + off);
	if (r != SK_OK)
		return r;
	return sk_test_crypt(sec, 1, test_aes, pkt, sk_twamp_test_cipher_len(sec, reflector));
}

enum sk_result sk_twamp_test_unprotect(enum sk_sec sec, int reflector,
				       const uint8_t test_aes[16], const uint8_t test_hmac[32],
				       const uint8_t *in, size_t len, uint8_t *out,
				       size_t out_cap, int *hmac_ok)
{
	size_t off = reflector ? SK_TWAMP_REFLECTOR_HMAC_OFF : SK_TWAMP_SENDER_HMAC_OFF;
	uint8_t mac[SK_HMAC_LEN];
	enum sk_result r;
	int ok;

	if (hmac_ok)
		*hmac_ok = SK_HMAC_BAD;
	if (sec != SK_SEC_UNAUTH && sec != SK_SEC_AUTH && sec != SK_SEC_ENCRYPTED)
		return SK_E_ARG;
	if ((!in && len) || (!out && len))
		return SK_E_ARG;
	if (out_cap < len)
		return SK_E_NOSPACE;
	if (len && out != in)
		memmove(out, in, len);
	if (sec == SK_SEC_UNAUTH) {
		if (hmac_ok)
			*hmac_ok = SK_HMAC_OK;
		return SK_OK;
	}
	if (!test_aes || !test_hmac)
		return SK_E_ARG;
	if (len < off + SK_HMAC_LEN)
		return SK_E_TRUNCATED;
	r = sk_test_crypt(sec, 0, test_aes, out, sk_twamp_test_cipher_len(sec, reflector));
	if (r != SK_OK)
		return r;
	r = sk_twamp_hmac(test_hmac, out, sk_twamp_test_hmac_len(sec, reflector), mac);
	if (r != SK_OK)
		return r;
	ok = sk_hmac_equal(mac, out + off) ? SK_HMAC_OK : SK_HMAC_BAD;
	if (ok == SK_HMAC_BAD && sec == SK_SEC_AUTH) {
		/* The other reading: the HMAC covers every octet before the HMAC field. */
		r = sk_twamp_hmac(test_hmac, out, off, mac);
		if (r != SK_OK)
			return r;
		if (sk_hmac_equal(mac, out + off))
			ok = SK_HMAC_OK_ALT;
	}
	if (hmac_ok) {
		*hmac_ok = ok;
		return SK_OK;
	}
	return ok == SK_HMAC_BAD ? SK_E_AUTH : SK_OK;
}

/* ---- TWAMP-Control ---- */

void sk_twctl_cipher_init(struct sk_twctl_cipher *c, const uint8_t aes_key[16],
			  const uint8_t hmac_key[32], const uint8_t iv[16])
{
	memset(c, 0, sizeof *c);
	memcpy(c->aes_key, aes_key, SK_AES_KEY_LEN);
	memcpy(c->hmac_key, hmac_key, SK_HMAC_KEY_LEN);
	memcpy(c->iv, iv, 16);
}

#define SK_SERVER_START_LEN 48

static enum sk_result sk_server_start(struct sk_twctl_cipher *c, int enc,
				      const uint8_t aes_key[16], const uint8_t hmac_key[32],
				      uint8_t *msg, size_t len)
{
	enum sk_result r;

	if (!c || !aes_key || !hmac_key || !msg)
		return SK_E_ARG;
	if (len < SK_SERVER_START_LEN)
		return SK_E_TRUNCATED;
	sk_twctl_cipher_init(c, aes_key, hmac_key, msg + 16);
	if (!enc)
		r = sk_aes_cbc_decrypt(c->aes_key, c->iv, msg + 32, 16);
	else
		r = SK_OK;
	if (r != SK_OK)
		return r;
	/* Start-Time + MBZ has no HMAC of its own: owamp folds it into the next one. */
	memcpy(c->carry, msg + 32, 16);
	c->carry_len = 16;
	if (enc)
		r = sk_aes_cbc_encrypt(c->aes_key, c->iv, msg + 32, 16);
	return r;
}

enum sk_result sk_twctl_server_start_encrypt(struct sk_twctl_cipher *c,
					     const uint8_t aes_key[16],
					     const uint8_t hmac_key[32], uint8_t *msg, size_t len)
{
	return sk_server_start(c, 1, aes_key, hmac_key, msg, len);
}

enum sk_result sk_twctl_server_start_decrypt(struct sk_twctl_cipher *c,
					     const uint8_t aes_key[16],
					     const uint8_t hmac_key[32], uint8_t *msg, size_t len)
{
	return sk_server_start(c, 0, aes_key, hmac_key, msg, len);
}

static enum sk_result sk_ctl_check_len(const struct sk_twctl_cipher *c, const uint8_t *msg,
				       size_t len)
{
	if (!c || !msg)
		return SK_E_ARG;
	if (len < 2 * 16)
		return SK_E_TRUNCATED;
	if (len % 16 != 0)
		return SK_E_ARG;
	return SK_OK;
}

enum sk_result sk_twctl_encrypt_msg(struct sk_twctl_cipher *c, uint8_t *msg, size_t len)
{
	enum sk_result r = sk_ctl_check_len(c, msg, len);

	if (r != SK_OK)
		return r;
	r = sk_hmac2(GCRY_MD_SHA1, c->hmac_key, SK_HMAC_KEY_LEN, c->carry, c->carry_len, msg,
		     len - SK_HMAC_LEN, msg + len - SK_HMAC_LEN);
	if (r != SK_OK)
		return r;
	c->carry_len = 0;
	return sk_aes_cbc_encrypt(c->aes_key, c->iv, msg, len);
}

enum sk_result sk_twctl_decrypt_msg(struct sk_twctl_cipher *c, uint8_t *msg, size_t len,
				    int *hmac_ok)
{
	uint8_t mac[SK_HMAC_LEN];
	enum sk_result r = sk_ctl_check_len(c, msg, len);
	int ok;

	if (hmac_ok)
		*hmac_ok = SK_HMAC_BAD;
	if (r != SK_OK)
		return r;
	r = sk_aes_cbc_decrypt(c->aes_key, c->iv, msg, len);
	if (r != SK_OK)
		return r;
	r = sk_hmac2(GCRY_MD_SHA1, c->hmac_key, SK_HMAC_KEY_LEN, c->carry, c->carry_len, msg,
		     len - SK_HMAC_LEN, mac);
	if (r != SK_OK)
		return r;
	ok = sk_hmac_equal(mac, msg + len - SK_HMAC_LEN) ? SK_HMAC_OK : SK_HMAC_BAD;
	if (ok == SK_HMAC_BAD && c->carry_len) {
		r = sk_twamp_hmac(c->hmac_key, msg, len - SK_HMAC_LEN, mac);
		if (r != SK_OK)
			return r;
		if (sk_hmac_equal(mac, msg + len - SK_HMAC_LEN))
			ok = SK_HMAC_OK_ALT;
	}
	c->carry_len = 0;
	if (hmac_ok) {
		*hmac_ok = ok;
		return SK_OK;
	}
	return ok == SK_HMAC_BAD ? SK_E_AUTH : SK_OK;
}

enum sk_result sk_twctl_peek(const struct sk_twctl_cipher *c, const uint8_t in[16],
			     uint8_t out[16])
{
	uint8_t iv[16];

	if (!c || !in || !out)
		return SK_E_ARG;
	memcpy(iv, c->iv, 16);
	if (out != in)
		memmove(out, in, 16);
	return sk_aes_cbc_decrypt(c->aes_key, iv, out, 16);
}
