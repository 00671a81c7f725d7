/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_twctl.c - libFuzzer target: every TWAMP-Control message decoder, the content guess,
 * and the passive observer state machine fed the input as two directions in small pieces. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stampkit/stampkit.h"

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

static int key_lookup(void *ctx, const uint8_t keyid[80], const uint8_t **secret, size_t *len)
{
	(void)ctx, (void)keyid;
	static const uint8_t s[] = "twamp-test-secret";
	*secret = s;
	*len = sizeof s - 1;
	return 0;
}

static void on_event(void *ctx, const struct sk_twsm_event *ev)
{
	(void)ctx;
	uint64_t acc = (uint64_t)ev->type + ev->err + ev->len;
	for (size_t i = 0; ev->plain && i < ev->len; i++)
		acc += ev->plain[i];
	sink += acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[8192];
	struct sk_visitor v = { NULL, on_field, NULL, NULL, NULL, 0 };
	struct sk_error err;
	for (int t = SK_TWCTL_SERVER_GREETING; t < SK_TWCTL_TYPE_COUNT; t++) {
		memset(out, 0, sizeof out);
		(void)sk_twctl_decode((enum sk_twctl_type)t, data, size, out, &v, &err);
		size_t need;
		(void)sk_twctl_needed((enum sk_twctl_type)t, data, size, &need);
	}
	for (int d = SK_TWCTL_DIR_UNKNOWN; d <= SK_TWCTL_DIR_S2C; d++)
		sink += (uint64_t)sk_twctl_guess(data, size, (enum sk_twctl_dir)d);

	/* The rest of the input is records of [direction octet][length octet][octets], fed to a
	 * passive observer (the seeds are the owamp control connections in that form). */
	static struct sk_twsm sm;
	struct sk_twsm_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.role = SK_TWSM_OBSERVER;
	cfg.key_lookup = key_lookup;
	cfg.on_event = on_event;
	if (sk_twsm_init(&sm, &cfg) != SK_OK)
		return 0;
	size_t off = 0;
	while (size - off >= 2) {
		enum sk_twsm_dir dir = (data[off] & 1) ? SK_TWSM_S2C : SK_TWSM_C2S;
		size_t n = data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		(void)sk_twsm_feed(&sm, dir, data + off, n);
		off += n;
	}
	for (unsigned i = 0; i < sk_twsm_session_count(&sm); i++)
		sink += sk_twsm_session(&sm, i)->reflector_port;
	return 0;
}
