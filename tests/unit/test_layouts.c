/* SPDX-License-Identifier: BSD-3-Clause */
/* test_layouts.c - every field of every layout table in the registry is well formed, is
 * encoded from its struct member, decoded back into it, and handed to the visitor once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"

static void registry_not_empty(void **state)
{
	(void)state;
	/* 13 test-packet layouts, the TLV header and values, 12 control tables at least. */
	assert_true(sk_layout_count() >= 40);
	assert_null(sk_layout_at(sk_layout_count()));
	for (size_t i = 0; i < sk_layout_count(); i++)
		assert_non_null(sk_layout_at(i));
}

/* Problem kinds: every one has a distinct snake_case name and a severity; NONE is 0. */
static int snake(const char *k);
static void problem_kind_names(void **state)
{
	(void)state;
	assert_int_equal(SK_PROB_NONE, 0);
	assert_int_equal(sk_problem_severity(SK_PROB_NONE), SK_SEV_NONE);
	for (int k = 1; k < SK_PROB_COUNT; k++) {
		const char *n = sk_problem_name((enum sk_problem)k);
		assert_true(snake(n));
		assert_string_not_equal(n, "unknown");
		for (int j = 0; j < k; j++)
			assert_string_not_equal(n, sk_problem_name((enum sk_problem)j));
		enum sk_severity s = sk_problem_severity((enum sk_problem)k);
		assert_true(s >= SK_SEV_NOTE && s <= SK_SEV_ERROR);
	}
	assert_string_equal(sk_problem_name(SK_PROB_COUNT), "unknown");
	assert_string_equal(sk_problem_name((enum sk_problem)-1), "unknown");
	assert_int_equal(sk_problem_severity(SK_PROB_COUNT), SK_SEV_NONE);
	/* The names the JSON output and the plugin's expert infos use. */
	assert_string_equal(sk_problem_name(SK_PROB_TRUNCATED), "truncated");
	assert_string_equal(sk_problem_name(SK_PROB_MBZ_NONZERO), "mbz_nonzero");
	assert_string_equal(sk_problem_name(SK_PROB_ERREST_MULT0), "error_estimate_zero");
	assert_string_equal(sk_problem_name(SK_PROB_HMAC_BAD), "hmac_bad");
	/* Damage is an error; what peers bend or a capture cuts is a warning. */
	assert_int_equal(sk_problem_severity(SK_PROB_INVALID), SK_SEV_ERROR);
	assert_int_equal(sk_problem_severity(SK_PROB_HMAC_BAD), SK_SEV_ERROR);
	assert_int_equal(sk_problem_severity(SK_PROB_TRUNCATED), SK_SEV_WARNING);
	assert_int_equal(sk_problem_severity(SK_PROB_ERREST_MULT0), SK_SEV_WARNING);
	assert_string_equal(sk_severity_name(SK_SEV_ERROR), "error");
	assert_string_equal(sk_severity_name(SK_SEV_WARNING), "warning");
	assert_string_equal(sk_severity_name(SK_SEV_NOTE), "note");
	assert_string_equal(sk_severity_name(SK_SEV_NONE), "none");
	assert_string_equal(sk_severity_name((enum sk_severity)42), "unknown");
}

static int snake(const char *k)
{
	if (!k || !*k)
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
			return 0;
	return 1;
}

static void tables_well_formed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sk_layout_count(); i++) {
		const struct sk_layout *L = sk_layout_at(i);
		assert_non_null(L->name);
		assert_true(snake(L->key));
		for (size_t k = 0; k < L->nfields; k++) {
			const struct sk_field *f = &L->fields[k];
			char where[160];
			snprintf(where, sizeof where, "%s / %s", L->key, f->key ? f->key : "(null)");
			if (!snake(f->key) || !f->name || !*f->name)
				fail_msg("bad key or name: %s", where);
			if ((size_t)f->off + f->width > L->size)
				fail_msg("field past the layout: %s", where);
			/* A layout of size 0 names computed fields (HMAC status, ...) that are not
			 * on the wire; they are visited through sk_visit_synth. */
			if (L->size == 0)
				continue;
			switch (f->kind) {
			case SK_FK_UINT:
				if (f->width != 1 && f->width != 2 && f->width != 4 && f->width != 8)
					fail_msg("integer width: %s", where);
				break;
			case SK_FK_TS:
				if (f->width != 8)
					fail_msg("timestamp width: %s", where);
				if (f->ee_off >= 0 && (size_t)f->ee_off + 2 > L->size)
					fail_msg("timestamp's error estimate outside the layout: %s", where);
				break;
			case SK_FK_ERREST:
				if (f->width != 2)
					fail_msg("error estimate width: %s", where);
				break;
			case SK_FK_ADDR:
				if (f->width != 4 && f->width != 16)
					fail_msg("address width: %s", where);
				break;
			default:
				break;
			}
			if (f->kind == SK_FK_MBZ && f->soff != SK_NOSTORE)
				fail_msg("MBZ field with storage: %s", where);
		}
	}
}

/* Collects what the visitor is handed. */
struct seen {
	const struct sk_layout *L;
	unsigned count[64];
	uint64_t value[64];
};

static void on_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	struct seen *s = ctx;
	(void)off;
	ptrdiff_t k = f - s->L->fields;
	if (k >= 0 && (size_t)k < s->L->nfields && k < 64) {
		s->count[k]++;
		s->value[k] = v->u;
	}
}

/* A value that fits the field, different for every field and layout. */
static uint64_t pattern(const struct sk_field *f, size_t li, size_t k)
{
	uint64_t v = 0x9e3779b97f4a7c15ull * (li * 131 + k + 1);
	if (f->kind == SK_FK_UINT && f->mask) {
		uint32_t m = f->mask;
		while (!(m & 1u))
			m >>= 1;
		v &= m;
		if (!v)
			v = 1;
	} else if (f->width < 8) {
		v &= (1ull << (8 * f->width)) - 1;
	}
	if (f->kind == SK_FK_ERREST)
		v = (v & 0xbfff) | 1; /* Z = 0 keeps companion timestamps NTP; Multiplier non-zero */
	return v;
}

static void put_member(uint8_t *s, const struct sk_field *f, uint64_t v)
{
	switch (f->kind == SK_FK_TS ? 8 : f->width) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(s + f->soff, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(s + f->soff, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(s + f->soff, &x, 4); break; }
	default: memcpy(s + f->soff, &v, 8); break;
	}
}

static void every_field_round_trips_and_is_visited(void **state)
{
	(void)state;
	for (size_t li = 0; li < sk_layout_count(); li++) {
		const struct sk_layout *L = sk_layout_at(li);
		assert_true(L->nfields <= 64);
		if (L->size == 0)
			continue; /* computed fields only */
		static uint8_t in[4096], out[4096], wire[2048];
		memset(in, 0, sizeof in);
		memset(out, 0, sizeof out);
		for (size_t k = 0; k < L->nfields; k++) {
			const struct sk_field *f = &L->fields[k];
			if (f->soff == SK_NOSTORE)
				continue;
			assert_true(f->soff + (f->width > 8 ? f->width : 8) <= sizeof in);
			if (f->kind == SK_FK_UINT || f->kind == SK_FK_TS || f->kind == SK_FK_ERREST)
				put_member(in, f, pattern(f, li, k));
			else
				for (size_t b = 0; b < f->width; b++)
					in[f->soff + b] = (uint8_t)(li * 7 + k * 13 + b + 1);
		}
		struct sk_wbuf w;
		sk_wbuf_init(&w, wire, sizeof wire);
		assert_int_equal(sk_layout_encode(L, in, &w), SK_OK);
		assert_int_equal(w.off, L->size);

		struct seen s;
		memset(&s, 0, sizeof s);
		s.L = L;
		struct sk_visitor v = { NULL, on_field, NULL, NULL, &s, 0 };
		struct sk_cur c;
		sk_cur_init(&c, wire, w.off);
		assert_int_equal(sk_layout_decode(L, &c, out, &v), SK_OK);
		for (size_t k = 0; k < L->nfields; k++) {
			const struct sk_field *f = &L->fields[k];
			if (s.count[k] != 1)
				fail_msg("%s / %s visited %u times", L->key, f->key, s.count[k]);
			if (f->soff == SK_NOSTORE)
				continue;
			size_t n = (f->kind == SK_FK_UINT || f->kind == SK_FK_TS || f->kind == SK_FK_ERREST)
					   ? (f->kind == SK_FK_TS ? 8 : f->width)
					   : f->width;
			if (memcmp(in + f->soff, out + f->soff, n))
				fail_msg("%s / %s did not round-trip", L->key, f->key);
			if (f->kind == SK_FK_UINT || f->kind == SK_FK_ERREST || f->kind == SK_FK_TS)
				if (s.value[k] != pattern(f, li, k))
					fail_msg("%s / %s visited with %llu, stored %llu", L->key, f->key,
						 (unsigned long long)s.value[k],
						 (unsigned long long)pattern(f, li, k));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_not_empty),
		cmocka_unit_test(problem_kind_names),
		cmocka_unit_test(tables_well_formed),
		cmocka_unit_test(every_field_round_trips_and_is_visited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
