/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_testpkt.c - libFuzzer target: every test-packet layout decoder and the guesser, with a
 * visitor that touches every value, and the STAMP HMAC paths with a key. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stampkit/stampkit.h"
#include "stampkit/testpkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void on_open(void *ctx, const char *name, const char *key, size_t off, size_t len)
{
	(void)ctx;
	sink += strlen(name) + strlen(key) + off + len;
}
static void on_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	(void)ctx;
	uint64_t acc = v->u + (uint64_t)v->ns + off + f->width;
	/* Read every octet the value claims, so ASan sees any out-of-bounds pointer. */
	for (size_t i = 0; v->p && i < v->len; i++)
		acc += v->p[i];
	if (v->vname)
		acc += strlen(v->vname);
	sink += acc;
}
static void on_close(void *ctx) { (void)ctx; }
static void on_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		       const char *msg)
{
	(void)ctx;
	/* Every kind reported is one the codec names. */
	if (kind == SK_PROB_NONE || kind >= SK_PROB_COUNT)
		__builtin_trap();
	sink += (uint64_t)r + off + strlen(msg) + strlen(sk_problem_name(kind));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3 };
	struct sk_visitor v = { on_open, on_field, on_close, on_problem, NULL, 0 };
	struct sk_test_pkt out;
	struct sk_error err;

	struct sk_test_opts g;
	if (sk_test_guess(data, size, &g) == SK_OK)
		(void)sk_test_decode(data, size, &g, &out, &v, &err);

	for (uint8_t proto = SK_PROTO_TWAMP; proto <= SK_PROTO_STAMP; proto++)
		for (uint8_t role = SK_ROLE_SENDER; role <= SK_ROLE_REFLECTOR; role++)
			for (uint8_t sec = SK_SEC_UNAUTH; sec <= SK_SEC_ENCRYPTED; sec++)
				for (uint8_t feat = 0; feat < 8; feat++) {
					struct sk_test_opts o = { 0 };
					o.proto = proto, o.role = role, o.sec = sec, o.features = feat;
					o.reflect_len = size > 0 ? data[0] : 0;
					if (proto == SK_PROTO_STAMP && feat == 1) {
						o.stamp_key = key;
						o.stamp_key_len = sizeof key;
					}
					if (proto == SK_PROTO_TWAMP && feat == 1)
						o.twamp_hmac_key = key;
					if (sk_test_decode(data, size, &o, &out, feat & 1 ? &v : NULL, &err) == SK_OK &&
					    out.tail_len)
						sink += out.tail[out.tail_len - 1];
				}
	return 0;
}
