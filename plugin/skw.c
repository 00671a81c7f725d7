/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skw.c - hf/ett/expert registration from the codec's field tables, and the visitor that
 * adds tree items for each field the codec decodes (no second parser: design.md, plugin). */
#define WS_BUILD_DLL
#include "skw.h"

#include <string.h>
#include <wsutil/inet_addr.h>

char *skw_filter_name(const char *abbrev, const char *key)
{
	const char *rest = key;
	const char *pre = "";
	if (strncmp(key, "tlv_", 4) == 0)
		pre = "tlv.", rest = key + 4;
	else if (strncmp(key, "sub_", 4) == 0)
		pre = "sub.", rest = key + 4;
	size_t n = strlen(rest);
	if (n > 7 && strcmp(rest + n - 7, "_status") == 0)
		return g_strdup_printf("%s.%s%.*s.status", abbrev, pre, (int)(n - 7), rest);
	return g_strdup_printf("%s.%s%s", abbrev, pre, rest);
}

static enum skw_cls kind_cls(uint8_t kind)
{
	switch (kind) {
	case SK_FK_UINT: return SKW_UINT;
	case SK_FK_TS: return SKW_TS;
	case SK_FK_ERREST: return SKW_ERREST;
	case SK_FK_ADDR: return SKW_ADDR;
	case SK_FK_TEXT: return SKW_TEXT;
	default: return SKW_BYTES;
	}
}

static void add_hf(GArray *a, int *id, const char *name, const char *abbrev, enum ftenum type,
		   int display, const void *strings, guint64 mask, const char *blurb)
{
	hf_register_info h;
	memset(&h, 0, sizeof h);
	*id = -1;
	h.p_id = id;
	h.hfinfo.name = name;
	h.hfinfo.abbrev = abbrev;
	h.hfinfo.type = type;
	h.hfinfo.display = display;
	h.hfinfo.strings = strings;
	h.hfinfo.bitmask = mask;
	h.hfinfo.blurb = blurb;
	h.hfinfo.id = -1;
	h.hfinfo.parent = -1;
	h.hfinfo.ref_type = HF_REF_TYPE_NONE;
	h.hfinfo.same_name_prev_id = -1;
	g_array_append_val(a, h);
}

static const true_false_string tfs_ptp_ntp = { "PTP", "NTP" };

void skw_register(struct skw_proto *P, const struct sk_layout *const *const *groups, size_t ngroups,
		  const char *const *group_keys, hf_register_info *extra, size_t nextra)
{
	P->by_field = g_hash_table_new(g_direct_hash, g_direct_equal);
	P->by_key = g_hash_table_new(g_str_hash, g_str_equal);
	P->ett_by_key = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *order = g_ptr_array_new();

	/* Pass 1: one entry per distinct key, with a type every use of it fits. */
	for (size_t g = 0; g < ngroups; g++)
		for (const struct sk_layout *const *l = groups[g]; *l; l++)
			for (size_t i = 0; i < (*l)->nfields; i++) {
				const struct sk_field *f = &(*l)->fields[i];
				struct skw_hf *e = g_hash_table_lookup(P->by_key, f->key);
				enum skw_cls c = kind_cls(f->kind);
				if (!e) {
					e = g_new0(struct skw_hf, 1);
					e->key = f->key;
					e->cls = c;
					g_hash_table_insert(P->by_key, (gpointer)f->key, e);
					g_ptr_array_add(order, e);
				} else if (e->cls != c) {
					/* e.g. "mbz" as a masked integer and as zero octets: show as octets */
					e->cls = SKW_BYTES;
				}
				if (f->width > e->width)
					e->width = f->width;
				if (f->bits && !e->bits)
					e->bits = f->bits;
				g_hash_table_insert(P->by_field, (gpointer)f, e);
			}

	/* Pass 2: hf entries. Names come from the first field using the key. */
	GArray *hfa = g_array_new(FALSE, TRUE, sizeof(hf_register_info));
	GArray *etts = g_array_new(FALSE, TRUE, sizeof(gint *));
	gint *ett_def = &P->ett_default;
	*ett_def = -1;
	g_array_append_val(etts, ett_def);
	for (guint i = 0; i < order->len; i++) {
		struct skw_hf *e = g_ptr_array_index(order, i);
		const struct sk_field *f = NULL;
		GHashTableIter it;
		gpointer k, val;
		/* find a field for the human name and flags */
		for (size_t g = 0; g < ngroups && !f; g++)
			for (const struct sk_layout *const *l = groups[g]; *l && !f; l++)
				for (size_t j = 0; j < (*l)->nfields; j++)
					if (strcmp((*l)->fields[j].key, e->key) == 0) {
						f = &(*l)->fields[j];
						break;
					}
		(void)it, (void)k, (void)val;
		char *abbrev = skw_filter_name(P->abbrev, e->key);
		int hex = (f->flags & SK_FF_HEX) != 0;
		switch (e->cls) {
		case SKW_UINT: {
			enum ftenum t = e->width <= 1 ? FT_UINT8 : e->width == 2 ? FT_UINT16
				      : e->width <= 4 ? FT_UINT32 : FT_UINT64;
			add_hf(hfa, &e->hf, f->name, abbrev, t, hex ? BASE_HEX : BASE_DEC, NULL, 0, f->ref);
			break;
		}
		case SKW_TS:
			add_hf(hfa, &e->hf, f->name, abbrev, FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0,
			       f->ref);
			break;
		case SKW_ERREST:
			add_hf(hfa, &e->hf, f->name, abbrev, FT_UINT16, BASE_HEX, NULL, 0, f->ref);
			add_hf(hfa, &e->hf_sub[0], "S (synchronized)", g_strdup_printf("%s.s", abbrev),
			       FT_BOOLEAN, 16, NULL, 0x8000, "Clock synchronized to UTC (RFC 4656 §4.1.2)");
			add_hf(hfa, &e->hf_sub[1], "Z (timestamp format)", g_strdup_printf("%s.z", abbrev),
			       FT_BOOLEAN, 16, &tfs_ptp_ntp, 0x4000, "0 NTP, 1 PTPv2 (RFC 8186, RFC 8762)");
			add_hf(hfa, &e->hf_sub[2], "Scale", g_strdup_printf("%s.scale", abbrev), FT_UINT16,
			       BASE_DEC, NULL, 0x3f00, NULL);
			add_hf(hfa, &e->hf_sub[3], "Multiplier", g_strdup_printf("%s.multiplier", abbrev),
			       FT_UINT16, BASE_DEC, NULL, 0x00ff, NULL);
			break;
		case SKW_TEXT:
			add_hf(hfa, &e->hf, f->name, abbrev, FT_STRINGZPAD, BASE_NONE, NULL, 0, f->ref);
			break;
		default:
			add_hf(hfa, &e->hf, f->name, abbrev, FT_BYTES, BASE_NONE, NULL, 0, f->ref);
			break;
		}
		if (e->bits && e->cls == SKW_UINT) {
			unsigned bitsz = e->width <= 1 ? 8 : e->width == 2 ? 16 : 32;
			for (int b = 0; b < SKW_MAX_BITS && e->bits[b].name; b++)
				add_hf(hfa, &e->hf_bits[b], e->bits[b].name,
				       g_strdup_printf("%s.%s", abbrev, e->bits[b].key), FT_BOOLEAN,
				       (int)bitsz, NULL, e->bits[b].mask, NULL);
		}
		if (e->bits || e->cls == SKW_ERREST) {
			gint *ett = &e->ett_bits;
			*ett = -1;
			g_array_append_val(etts, ett);
		}
	}
	for (size_t x = 0; x < nextra; x++)
		g_array_append_val(hfa, extra[x]);

	/* One subtree id per group key, so Wireshark remembers expansion per layout. */
	for (size_t g = 0; g < ngroups; g++)
		for (const struct sk_layout *const *l = groups[g]; *l; l++)
			if (!g_hash_table_lookup(P->ett_by_key, (*l)->key)) {
				gint *ett = g_new(gint, 1);
				*ett = -1;
				g_hash_table_insert(P->ett_by_key, (gpointer)(*l)->key, ett);
				g_array_append_val(etts, ett);
			}
	for (; group_keys && *group_keys; group_keys++) {
		gint *ett = g_new(gint, 1);
		*ett = -1;
		g_hash_table_insert(P->ett_by_key, (gpointer)*group_keys, ett);
		g_array_append_val(etts, ett);
	}

	proto_register_field_array(P->proto, (hf_register_info *)(void *)hfa->data, (int)hfa->len);
	proto_register_subtree_array((gint *const *)(void *)etts->data, (int)etts->len);
	g_array_free(hfa, FALSE); /* Wireshark keeps pointers into the array */
	g_array_free(etts, FALSE);
	g_ptr_array_free(order, TRUE);

	ei_register_info ei[] = {
		{ &P->ei_truncated, { g_strdup_printf("%s.truncated", P->abbrev), PI_MALFORMED, PI_WARN,
			"Truncated: fewer octets than the layout needs", EXPFILL } },
		{ &P->ei_malformed, { g_strdup_printf("%s.malformed", P->abbrev), PI_MALFORMED, PI_ERROR,
			"Malformed: content violates the format", EXPFILL } },
		{ &P->ei_mbz, { g_strdup_printf("%s.mbz_nonzero", P->abbrev), PI_PROTOCOL, PI_WARN,
			"Must-be-zero field is not zero", EXPFILL } },
		{ &P->ei_errest_zero, { g_strdup_printf("%s.error_estimate_zero", P->abbrev),
			PI_PROTOCOL, PI_WARN, "Error Estimate with Multiplier 0", EXPFILL } },
		{ &P->ei_hmac_bad, { g_strdup_printf("%s.hmac_bad", P->abbrev), PI_CHECKSUM, PI_ERROR,
			"HMAC does not match", EXPFILL } },
		{ &P->ei_other, { g_strdup_printf("%s.problem", P->abbrev), PI_PROTOCOL, PI_WARN,
			"Protocol problem", EXPFILL } },
	};
	ei_register_info *eis = g_memdup2(ei, sizeof ei);
	expert_module_t *em = expert_register_protocol(P->proto);
	expert_register_field_array(em, eis, G_N_ELEMENTS(ei));
}

void skw_ns_to_nstime(int64_t ns, nstime_t *t)
{
	int64_t s = ns / 1000000000;
	int64_t r = ns % 1000000000;
	if (r < 0)
		r += 1000000000, s--;
	t->secs = (time_t)s;
	t->nsecs = (int)r;
}

/* ---- the visitor ---- */

static proto_tree *top(struct skw_ctx *c) { return c->tree[c->depth]; }

/* Clamp an item range to the tvb (the codec never reports fields beyond its buffer, but
 * group lengths and problem offsets may point at its end). */
static void clamp(struct skw_ctx *c, size_t *off, size_t *len)
{
	size_t n = tvb_captured_length(c->tvb);
	if (*off > n)
		*off = n;
	if (*len > n - *off)
		*len = n - *off;
}

static void v_open(void *ctx, const char *name, const char *key, size_t off, size_t len)
{
	struct skw_ctx *c = ctx;
	if (c->depth + 1 >= SKW_DEPTH) {
		c->overflow++;
		return;
	}
	gint *ett = g_hash_table_lookup(c->P->ett_by_key, key);
	clamp(c, &off, &len);
	proto_item *it = NULL;
	proto_tree *t = proto_tree_add_subtree(top(c), c->tvb, (gint)off, (gint)len,
					       ett ? *ett : c->P->ett_default, &it, name);
	c->depth++;
	c->tree[c->depth] = t;
	c->item[c->depth] = it;
}

static void v_close(void *ctx)
{
	struct skw_ctx *c = ctx;
	if (c->overflow) {
		c->overflow--;
		return;
	}
	if (c->depth > 0)
		c->depth--;
}

static void addr_text(const uint8_t *p, size_t len, char *buf, size_t cap)
{
	int v4 = len == 4;
	if (len == 16) {
		v4 = 1;
		for (size_t i = 4; i < 16; i++)
			if (p[i])
				v4 = 0;
	}
	if (v4)
		ws_inet_ntop4(p, buf, cap);
	else if (len == 16)
		ws_inet_ntop6(p, buf, cap);
	else
		g_strlcpy(buf, "?", cap);
}

static void v_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	struct skw_ctx *c = ctx;
	const struct skw_hf *e = g_hash_table_lookup(c->P->by_field, f);
	if (!e)
		e = g_hash_table_lookup(c->P->by_key, f->key);
	if (!e)
		return;
	size_t w = f->width ? f->width : v->len;
	int synth = f->width == 0 && !v->p;
	if (synth)
		w = 0;
	clamp(c, &off, &w);
	proto_tree *t = top(c);
	proto_item *it = NULL;
	switch (e->cls) {
	case SKW_UINT:
		if (e->width > 4)
			it = v->vname ? proto_tree_add_uint64_format_value(t, e->hf, c->tvb, (gint)off, (gint)w,
					       v->u, "%s (%" PRIu64 ")", v->vname, v->u)
				      : proto_tree_add_uint64(t, e->hf, c->tvb, (gint)off, (gint)w, v->u);
		else
			it = v->vname ? proto_tree_add_uint_format_value(t, e->hf, c->tvb, (gint)off, (gint)w,
					       (guint32)v->u, "%s (%u)", v->vname, (unsigned)v->u)
				      : proto_tree_add_uint(t, e->hf, c->tvb, (gint)off, (gint)w, (guint32)v->u);
		if (e->bits && it) {
			proto_tree *st = proto_item_add_subtree(it, e->ett_bits);
			for (int b = 0; b < SKW_MAX_BITS && e->bits[b].name; b++)
				proto_tree_add_boolean(st, e->hf_bits[b], c->tvb, (gint)off, (gint)w,
						       (guint32)v->u);
		}
		break;
	case SKW_TS: {
		nstime_t ts;
		skw_ns_to_nstime(v->ns, &ts);
		it = proto_tree_add_time(t, e->hf, c->tvb, (gint)off, (gint)w, &ts);
		proto_item_append_text(it, v->tsfmt == SK_TS_PTP ? " (PTPv2)" : " (NTP)");
		break;
	}
	case SKW_ERREST: {
		it = proto_tree_add_uint(t, e->hf, c->tvb, (gint)off, (gint)w, (guint32)v->u);
		struct sk_errest ee;
		sk_errest_unpack((uint16_t)v->u, &ee);
		uint64_t ns = sk_errest_ns(&ee);
		if (ns != UINT64_MAX)
			proto_item_append_text(it, " (%s, %s, error %" PRIu64 " ns)",
					       ee.s ? "synchronized" : "unsynchronized",
					       ee.z ? "PTP" : "NTP", ns);
		proto_tree *st = proto_item_add_subtree(it, e->ett_bits);
		proto_tree_add_boolean(st, e->hf_sub[0], c->tvb, (gint)off, (gint)w, (guint32)v->u);
		proto_tree_add_boolean(st, e->hf_sub[1], c->tvb, (gint)off, (gint)w, (guint32)v->u);
		proto_tree_add_uint(st, e->hf_sub[2], c->tvb, (gint)off, (gint)w, (guint32)v->u);
		proto_tree_add_uint(st, e->hf_sub[3], c->tvb, (gint)off, (gint)w, (guint32)v->u);
		break;
	}
	case SKW_TEXT:
		it = proto_tree_add_item(t, e->hf, c->tvb, (gint)off, (gint)w, ENC_UTF_8 | ENC_NA);
		break;
	case SKW_ADDR: {
		char buf[64];
		addr_text(v->p, w, buf, sizeof buf);
		it = proto_tree_add_bytes_format_value(t, e->hf, c->tvb, (gint)off, (gint)w, v->p, "%s", buf);
		break;
	}
	default:
		if (v->p && w)
			it = proto_tree_add_bytes(t, e->hf, c->tvb, (gint)off, (gint)w, v->p);
		/* an empty variable part (no padding) adds nothing */
		break;
	}
	if (synth && it)
		proto_item_set_generated(it);
}

/* The expert info a problem kind is filed under (truncated, malformed, mbz_nonzero,
 * error_estimate_zero, hmac_bad, problem: the filter names users match). */
static expert_field *problem_ei(const struct skw_proto *P, enum sk_problem kind)
{
	switch (kind) {
	case SK_PROB_TRUNCATED: return (expert_field *)&P->ei_truncated;
	case SK_PROB_INVALID:
	case SK_PROB_TLV_MALFORMED: return (expert_field *)&P->ei_malformed;
	case SK_PROB_MBZ_NONZERO:
	case SK_PROB_UNASSIGNED_BITS: return (expert_field *)&P->ei_mbz;
	case SK_PROB_ERREST_MULT0: return (expert_field *)&P->ei_errest_zero;
	case SK_PROB_HMAC_BAD: return (expert_field *)&P->ei_hmac_bad;
	default: return (expert_field *)&P->ei_other;
	}
}

static void v_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *msg)
{
	struct skw_ctx *c = ctx;
	expert_field *ei = problem_ei(c->P, kind);
	if (!c->problems++)
		c->first_problem = r;
	size_t len = 0;
	clamp(c, &off, &len);
	proto_tree_add_expert_format(top(c), c->pinfo, ei, c->tvb, (gint)off, 0, "%s", msg);
}

void skw_visitor(struct sk_visitor *v, struct skw_ctx *c, const struct skw_proto *P,
		 packet_info *pinfo, tvbuff_t *tvb, proto_tree *root)
{
	memset(c, 0, sizeof *c);
	c->P = P;
	c->pinfo = pinfo;
	c->tvb = tvb;
	c->tree[0] = root;
	memset(v, 0, sizeof *v);
	v->open = v_open;
	v->field = v_field;
	v->close = v_close;
	v->problem = v_problem;
	v->ctx = c;
}
