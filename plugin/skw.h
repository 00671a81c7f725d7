/* SPDX-License-Identifier: GPL-2.0-or-later */
/* skw.h - Wireshark fields, subtrees and expert info built from the codec's layout tables,
 * and the sk_visitor that turns codec decode calls into tree items (design.md, plugin). */
#ifndef STAMPKIT_PLUGIN_SKW_H
#define STAMPKIT_PLUGIN_SKW_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>

#include "stampkit/stampkit.h"

/* How a key is shown: one Wireshark field type per distinct key of a protocol. */
enum skw_cls { SKW_UINT, SKW_TS, SKW_ERREST, SKW_BYTES, SKW_ADDR, SKW_TEXT };

#define SKW_MAX_BITS 16

struct skw_hf {
	const char *key;
	enum skw_cls cls;
	unsigned width;      /* widest use of the key */
	int hf;
	int hf_sub[4];       /* Error Estimate: S, Z, Scale, Multiplier */
	const struct sk_bit *bits;
	int hf_bits[SKW_MAX_BITS];
	int ett_bits;
};

/* Everything one protocol ("stamp", "twampctl") registers from its tables. */
struct skw_proto {
	int proto;
	const char *abbrev;
	GHashTable *by_field; /* const struct sk_field * -> struct skw_hf * */
	GHashTable *by_key;   /* key -> struct skw_hf * */
	GHashTable *ett_by_key; /* group key -> gint * */
	gint ett_default;
	expert_field ei_truncated, ei_malformed, ei_mbz, ei_errest_zero, ei_hmac_bad, ei_other;
};

/* Builds and registers hf entries for every field of the NULL-terminated layout lists in
 * groups (filter name abbrev.key, see skw_filter_name), with extra appended (may be NULL),
 * the subtree ids (one per layout key plus group_keys) and the expert infos. */
void skw_register(struct skw_proto *P, const struct sk_layout *const *const *groups, size_t ngroups,
		  const char *const *group_keys, hf_register_info *extra, size_t nextra);

/* Filter suffix of a codec key: "tlv_" and "sub_" prefixes and a "_status" suffix become
 * dotted ("tlv_type" -> "tlv.type", "hmac_status" -> "hmac.status"). g_free the result. */
char *skw_filter_name(const char *abbrev, const char *key);

#define SKW_DEPTH 16

struct skw_ctx {
	const struct skw_proto *P;
	packet_info *pinfo;
	tvbuff_t *tvb;
	proto_tree *tree[SKW_DEPTH];
	proto_item *item[SKW_DEPTH];
	int depth;
	int overflow;        /* opens beyond SKW_DEPTH not pushed */
	unsigned problems;
	enum sk_result first_problem;
};

/* A visitor adding items under root (items refer to tvb, which holds the decoded octets
 * at the offsets the codec reports). */
void skw_visitor(struct sk_visitor *v, struct skw_ctx *c, const struct skw_proto *P,
		 packet_info *pinfo, tvbuff_t *tvb, proto_tree *root);

/* The expert info (truncated, malformed, mbz_nonzero, error_estimate_zero, hmac_bad, problem)
 * a codec problem kind is shown with. */
expert_field *skw_problem_ei(const struct skw_proto *P, enum sk_problem kind);

/* Unix ns to nstime (floor for times before 1970). */
void skw_ns_to_nstime(int64_t ns, nstime_t *t);

#endif
