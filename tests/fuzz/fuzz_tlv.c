/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_tlv.c - libFuzzer target: the STAMP TLV iterator, every value decoder (top level and
 * as a sub-TLV of every parent), and the visiting walker with HMAC checking. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stampkit/stampkit.h"
#include "stampkit/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void on_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	(void)ctx, (void)f;
	uint64_t acc = v->u + off;
	for (size_t i = 0; v->p && i < v->len; i++)
		acc += v->p[i];
	sink += acc;
}

static void walk_values(const uint8_t *p, size_t len, size_t origin, uint8_t parent, int depth)
{
	struct sk_tlv_iter it;
	struct sk_tlv t;
	sk_tlv_iter_init(&it, p, len, origin);
	while (sk_tlv_next(&it, &t)) {
		struct sk_tlv_val val;
		if (sk_tlv_value_decode(&t, parent, &val, NULL) == SK_OK) {
			for (size_t i = 0; val.sub && i < val.sub_len; i++)
				sink += val.sub[i];
			if (depth < 3 && val.sub && val.sub_len)
				walk_values(val.sub, val.sub_len, t.off, t.type, depth + 1);
		}
		for (size_t i = 0; i < t.length; i++)
			sink += t.value[i];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seq4[4] = { 0, 0, 0, 1 };
	static const uint8_t key[16] = { 9 };
	struct sk_visitor v = { NULL, on_field, NULL, NULL, NULL, 0 };
	struct sk_tlv_summary sum;
	struct sk_error err;
	(void)sk_tlv_walk(data, size, 44, seq4, NULL, 0, &v, &sum, &err);
	(void)sk_tlv_walk(data, size, 112, seq4, key, sizeof key, &v, &sum, &err);
	walk_values(data, size, 44, 0, 0);
	return 0;
}
