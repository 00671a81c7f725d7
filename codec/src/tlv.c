/* SPDX-License-Identifier: BSD-3-Clause */
/* tlv.c - STAMP TLVs and sub-TLVs: RFC 8972 §4.1-4.8, RFC 9503 §3-4, RFC 9534 §3,
 * draft-ietf-ippm-asymmetrical-pkts §3; tables, iterator, walker, encoders. */
#include <string.h>

#include "stampkit/crypto.h"
#include "stampkit/tlv.h"

#define V_OFF(m) offsetof(struct sk_tlv_val, m)
#define R8972 "RFC 8972 §4"
#define R9503 "RFC 9503"

#define FU(nm, k, o, w, so, vs, r) { nm, k, o, w, SK_FK_UINT, 0, -1, 0, so, vs, NULL, r }
#define FUH(nm, k, o, w, so, r) { nm, k, o, w, SK_FK_UINT, SK_FF_HEX, -1, 0, so, NULL, NULL, r }
#define FM(nm, k, o, w, m, so, vs, r) { nm, k, o, w, SK_FK_UINT, 0, -1, m, so, vs, NULL, r }
#define FMBZ(o, w, r) { "MBZ", "mbz", o, w, SK_FK_MBZ, 0, -1, 0, SK_NOSTORE, NULL, NULL, r }
#define FB(nm, k, o, w, so, r) { nm, k, o, w, SK_FK_BYTES, 0, -1, 0, so, NULL, NULL, r }
#define FA(nm, k, o, w, so, r) { nm, k, o, w, SK_FK_ADDR, 0, -1, 0, so, NULL, NULL, r }

/* ---- value names ---- */

static const struct sk_vs tlv_types[] = {
	{ 0, "Reserved" },
	{ 1, "Extra Padding" },
	{ 2, "Location" },
	{ 3, "Timestamp Information" },
	{ 4, "Class of Service" },
	{ 5, "Direct Measurement" },
	{ 6, "Access Report" },
	{ 7, "Follow-Up Telemetry" },
	{ 8, "HMAC" },
	{ 9, "Destination Node Address" },
	{ 10, "Return Path" },
	{ 11, "Micro-session ID" },
	{ 12, "Reflected Test Packet Control" },
	{ 0, NULL },
};

static const struct sk_vs loc_subs[] = {
	{ 1, "Source MAC Address" },
	{ 2, "Source EUI-48 Address" },
	{ 3, "Source EUI-64 Address" },
	{ 4, "Destination IP Address" },
	{ 5, "Destination IPv4 Address" },
	{ 6, "Destination IPv6 Address" },
	{ 7, "Source IP Address" },
	{ 8, "Source IPv4 Address" },
	{ 9, "Source IPv6 Address" },
	{ 0, NULL },
};

static const struct sk_vs rp_subs[] = {
	{ 1, "Return Path Control Code" },
	{ 2, "Return Address" },
	{ 3, "SR-MPLS Label Stack" },
	{ 4, "SRv6 Segment List" },
	{ 0, NULL },
};

static const struct sk_vs sync_srcs[] = {
	{ 0, "Reserved" }, { 1, "NTP" }, { 2, "PTP" }, { 3, "SSU/BITS" },
	{ 4, "GPS/GLONASS/LORAN-C/BDS/Galileo" }, { 5, "Local free-running" }, { 0, NULL },
};

static const struct sk_vs ts_methods[] = {
	{ 0, "Reserved" }, { 1, "HW Assist" }, { 2, "SW Local" }, { 3, "Control Plane" },
	{ 0, NULL },
};

static const struct sk_vs access_ids[] = {
	{ 1, "3GPP Network" }, { 2, "Non-3GPP Network" }, { 0, NULL },
};

static const struct sk_vs return_codes[] = {
	{ 0, "Reserved" }, { 1, "Network available" }, { 2, "Network unavailable" }, { 0, NULL },
};

static const struct sk_bit tlv_flag_bits[] = {
	{ SK_TLV_F_U, "Unrecognized", "u" },
	{ SK_TLV_F_M, "Malformed", "m" },
	{ SK_TLV_F_I, "Integrity check failed", "i" },
	{ SK_TLV_F_C, "Conformant reflected packet not possible", "c" },
	{ 0, NULL, NULL },
};

const char *sk_tlv_type_name(uint8_t type)
{
	const char *n = sk_vs_name(tlv_types, type);
	if (n)
		return n;
	if (type == 255)
		return "Reserved";
	if (type >= 252)
		return "Private Use";
	if (type >= 240)
		return "Experimental";
	return "Unassigned";
}

const char *sk_tlv_loc_sub_name(uint8_t type)
{
	const char *n = sk_vs_name(loc_subs, type);
	return n ? n : (type >= 240 && type <= 251 ? "Experimental" : "Unassigned");
}

const char *sk_tlv_rp_sub_name(uint8_t type)
{
	const char *n = sk_vs_name(rp_subs, type);
	return n ? n : "Unassigned";
}

/* ---- tables ---- */

/* The header is decoded into struct sk_tlv by the iterator; the table is for visiting. */
static const struct sk_field hdr_f[] = {
	{ "Flags", "tlv_flags", 0, 1, SK_FK_UINT, SK_FF_HEX, -1, 0, SK_NOSTORE, NULL, tlv_flag_bits,
	  R8972 },
	FU("Type", "tlv_type", 1, 1, SK_NOSTORE, tlv_types, R8972),
	FU("Length", "tlv_length", 2, 2, SK_NOSTORE, NULL, R8972),
};
SK_LAYOUT(sk_tlv_hdr_layout, "STAMP TLV header", "stamp_tlv_hdr", hdr_f, 4, R8972);

static const struct sk_field loc_hdr_f[] = {
	{ "Flags", "sub_flags", 0, 1, SK_FK_UINT, SK_FF_HEX, -1, 0, SK_NOSTORE, NULL, tlv_flag_bits,
	  "RFC 8972 §4.2" },
	FU("Type", "sub_type", 1, 1, SK_NOSTORE, loc_subs, "RFC 8972 §4.2"),
	FU("Length", "sub_length", 2, 2, SK_NOSTORE, NULL, "RFC 8972 §4.2"),
};
static SK_LAYOUT(loc_hdr_l, "Location sub-TLV header", "stamp_loc_sub_hdr", loc_hdr_f, 4,
		 "RFC 8972 §4.2");

static const struct sk_field rp_hdr_f[] = {
	{ "Flags", "sub_flags", 0, 1, SK_FK_UINT, SK_FF_HEX, -1, 0, SK_NOSTORE, NULL, tlv_flag_bits,
	  "RFC 9503 §4" },
	FU("Type", "sub_type", 1, 1, SK_NOSTORE, rp_subs, "RFC 9503 §4"),
	FU("Length", "sub_length", 2, 2, SK_NOSTORE, NULL, "RFC 9503 §4"),
};
static SK_LAYOUT(rp_hdr_l, "Return Path sub-TLV header", "stamp_rp_sub_hdr", rp_hdr_f, 4,
		 "RFC 9503 §4");

static const struct sk_field sub_hdr_f[] = {
	{ "Flags", "sub_flags", 0, 1, SK_FK_UINT, SK_FF_HEX, -1, 0, SK_NOSTORE, NULL, tlv_flag_bits,
	  R8972 },
	FU("Type", "sub_type", 1, 1, SK_NOSTORE, NULL, R8972),
	FU("Length", "sub_length", 2, 2, SK_NOSTORE, NULL, R8972),
};
static SK_LAYOUT(sub_hdr_l, "Sub-TLV header", "stamp_sub_hdr", sub_hdr_f, 4, R8972);

static const struct sk_vs hmac_st_vs[] = {
	{ SK_HMAC_ST_NOT_CHECKED, "not checked" }, { SK_HMAC_ST_OK, "ok" }, { SK_HMAC_ST_BAD, "bad" },
	{ 0, NULL },
};

/* Variable-length parts: width 0 here, the visitor gets the real length. */
static const struct sk_field var_f[] = {
	FB("Padding", "padding", 0, 0, SK_NOSTORE, "RFC 8972 §4.1"),
	FB("Value", "value", 0, 0, SK_NOSTORE, R8972),
	{ "TLV HMAC status", "tlv_hmac_status", 0, 0, SK_FK_UINT, 0, -1, 0, SK_NOSTORE, hmac_st_vs,
	  NULL, "RFC 8972 §4.8" },
};
static SK_LAYOUT(var_l, "STAMP TLV variable parts", "stamp_tlv_var", var_f, 0, R8972);
#define VAR_PADDING (&var_f[0])
#define VAR_VALUE (&var_f[1])
#define VAR_HMAC_STATUS (&var_f[2])

static const struct sk_field loc_f[] = {
	FU("Destination Port", "dst_port", 0, 2, V_OFF(u.loc.dst_port), NULL, "RFC 8972 §4.2"),
	FU("Source Port", "src_port", 2, 2, V_OFF(u.loc.src_port), NULL, "RFC 8972 §4.2"),
};
static SK_LAYOUT(loc_l, "Location", "stamp_tlv_location", loc_f, 4, "RFC 8972 §4.2");

static const struct sk_field tsinfo_f[] = {
	FU("Sync Src In", "sync_src_in", 0, 1, V_OFF(u.tsinfo.sync_src_in), sync_srcs, "RFC 8972 §4.3"),
	FU("Timestamp In", "ts_in", 1, 1, V_OFF(u.tsinfo.ts_in), ts_methods, "RFC 8972 §4.3"),
	FU("Sync Src Out", "sync_src_out", 2, 1, V_OFF(u.tsinfo.sync_src_out), sync_srcs,
	   "RFC 8972 §4.3"),
	FU("Timestamp Out", "ts_out", 3, 1, V_OFF(u.tsinfo.ts_out), ts_methods, "RFC 8972 §4.3"),
};
static SK_LAYOUT(tsinfo_l, "Timestamp Information", "stamp_tlv_tsinfo", tsinfo_f, 4,
		 "RFC 8972 §4.3");

static const struct sk_field cos_f[] = {
	FM("DSCP1", "dscp1", 0, 1, 0xfc, V_OFF(u.cos.dscp1), NULL, "RFC 8972 §4.4"),
	FM("DSCP2", "dscp2", 0, 2, 0x03f0, V_OFF(u.cos.dscp2), NULL, "RFC 8972 §4.4"),
	FM("ECN", "ecn", 1, 1, 0x0c, V_OFF(u.cos.ecn), NULL, "RFC 8972 §4.4"),
	FM("RP", "rp", 1, 1, 0x03, V_OFF(u.cos.rp), NULL, "RFC 8972 §4.4"),
	FM("ECN1", "ecn1", 2, 1, 0xc0, V_OFF(u.cos.ecn1), NULL, "draft-ietf-ippm-stamp-cos-ecn"),
	FM("RPE", "rpe", 2, 1, 0x30, V_OFF(u.cos.rpe), NULL, "draft-ietf-ippm-stamp-cos-ecn"),
	FM("Reserved", "reserved", 2, 2, 0x0fff, V_OFF(u.cos.reserved), NULL, "RFC 8972 §4.4"),
};
static SK_LAYOUT(cos_l, "Class of Service", "stamp_tlv_cos", cos_f, 4, "RFC 8972 §4.4");

static const struct sk_field direct_f[] = {
	FU("Session-Sender Tx counter (S_TxC)", "s_txc", 0, 4, V_OFF(u.direct.s_txc), NULL,
	   "RFC 8972 §4.5"),
	FU("Session-Reflector Rx counter (R_RxC)", "r_rxc", 4, 4, V_OFF(u.direct.r_rxc), NULL,
	   "RFC 8972 §4.5"),
	FU("Session-Reflector Tx counter (R_TxC)", "r_txc", 8, 4, V_OFF(u.direct.r_txc), NULL,
	   "RFC 8972 §4.5"),
};
static SK_LAYOUT(direct_l, "Direct Measurement", "stamp_tlv_direct", direct_f, 12,
		 "RFC 8972 §4.5");

static const struct sk_field access_f[] = {
	FM("ID", "access_id", 0, 1, 0xf0, V_OFF(u.access.access_id), access_ids, "RFC 8972 §4.6"),
	FM("Resv", "access_resv", 0, 1, 0x0f, V_OFF(u.access.resv), NULL, "RFC 8972 §4.6"),
	FU("Return Code", "return_code", 1, 1, V_OFF(u.access.return_code), return_codes,
	   "RFC 8972 §4.6"),
	FMBZ(2, 2, "RFC 8972 §4.6"),
};
static SK_LAYOUT(access_l, "Access Report", "stamp_tlv_access", access_f, 4, "RFC 8972 §4.6");

static const struct sk_field followup_f[] = {
	FU("Sequence Number", "fu_seq", 0, 4, V_OFF(u.followup.fu_seq), NULL, "RFC 8972 §4.7"),
	{ "Follow-up Timestamp", "fu_timestamp", 4, 8, SK_FK_TS, 0, -1, 0,
	  V_OFF(u.followup.fu_timestamp), NULL, NULL, "RFC 8972 §4.7" },
	FU("Timestamp Mode", "ts_mode", 12, 1, V_OFF(u.followup.ts_mode), ts_methods, "RFC 8972 §4.7"),
	FMBZ(13, 3, "RFC 8972 §4.7"),
};
static SK_LAYOUT(followup_l, "Follow-Up Telemetry", "stamp_tlv_followup", followup_f, 16,
		 "RFC 8972 §4.7");

static const struct sk_field hmac_f[] = {
	FB("HMAC", "tlv_hmac", 0, 16, V_OFF(u.hmac), "RFC 8972 §4.8"),
};
static SK_LAYOUT(hmac_l, "HMAC", "stamp_tlv_hmac", hmac_f, 16, "RFC 8972 §4.8");

static const struct sk_field dna4_f[] = {
	FA("Destination Node Address", "dest_addr", 0, 4, V_OFF(u.addr.addr), "RFC 9503 §3"),
};
static SK_LAYOUT(dna4_l, "Destination Node Address (IPv4)", "stamp_tlv_dest4", dna4_f, 4,
		 "RFC 9503 §3");
static const struct sk_field dna6_f[] = {
	FA("Destination Node Address", "dest_addr", 0, 16, V_OFF(u.addr.addr), "RFC 9503 §3"),
};
static SK_LAYOUT(dna6_l, "Destination Node Address (IPv6)", "stamp_tlv_dest6", dna6_f, 16,
		 "RFC 9503 §3");

static const struct sk_field micro_f[] = {
	FU("Sender Micro-session ID", "sender_msid", 0, 2, V_OFF(u.micro.sender_msid), NULL,
	   "RFC 9534 §3.1"),
	FU("Reflector Micro-session ID", "reflector_msid", 2, 2, V_OFF(u.micro.reflector_msid), NULL,
	   "RFC 9534 §3.1"),
};
static SK_LAYOUT(micro_l, "Micro-session ID", "stamp_tlv_micro", micro_f, 4, "RFC 9534 §3.1");

#define RASYM "draft-ietf-ippm-asymmetrical-pkts §3"
static const struct sk_field reflctl_f[] = {
	FU("Length of the Reflected Packet", "reflected_length", 0, 2,
	   V_OFF(u.reflctl.reflected_length), NULL, RASYM),
	FU("Number of Reflected Packets", "reflected_count", 2, 2, V_OFF(u.reflctl.reflected_count),
	   NULL, RASYM),
	FU("Interval between Reflected Packets (ns)", "interval_ns", 4, 4,
	   V_OFF(u.reflctl.interval_ns), NULL, RASYM),
};
static SK_LAYOUT(reflctl_l, "Reflected Test Packet Control", "stamp_tlv_reflctl", reflctl_f, 8,
		 RASYM);

/* Location sub-TLV values. */
static const struct sk_field mac_f[] = {
	FB("MAC Address", "mac", 0, 6, V_OFF(u.mac), "RFC 8972 §4.2"),
	FMBZ(6, 2, "RFC 8972 §4.2"),
};
static SK_LAYOUT(mac_l, "Source MAC / EUI-48", "stamp_loc_mac", mac_f, 8, "RFC 8972 §4.2");
static const struct sk_field eui64_f[] = {
	FB("EUI-64", "eui64", 0, 8, V_OFF(u.mac), "RFC 8972 §4.2"),
};
static SK_LAYOUT(eui64_l, "Source EUI-64", "stamp_loc_eui64", eui64_f, 8, "RFC 8972 §4.2");
static const struct sk_field locaddr_f[] = {
	FA("Address", "address", 0, 16, V_OFF(u.addr.addr), "RFC 8972 §4.2"),
};
static SK_LAYOUT(locaddr_l, "Location address", "stamp_loc_addr", locaddr_f, 16,
		 "RFC 8972 §4.2");

/* Return Path sub-TLV values. */
static const struct sk_field rpcc_f[] = {
	FUH("Control Code", "control_code", 0, 4, V_OFF(u.control_code), "RFC 9503 §4.1"),
};
static SK_LAYOUT(rpcc_l, "Return Path Control Code", "stamp_rp_cc", rpcc_f, 4, "RFC 9503 §4.1");
static const struct sk_field rpa4_f[] = {
	FA("Return Address", "return_addr", 0, 4, V_OFF(u.addr.addr), "RFC 9503 §4.2"),
};
static SK_LAYOUT(rpa4_l, "Return Address (IPv4)", "stamp_rp_addr4", rpa4_f, 4, "RFC 9503 §4.2");
static const struct sk_field rpa6_f[] = {
	FA("Return Address", "return_addr", 0, 16, V_OFF(u.addr.addr), "RFC 9503 §4.2"),
};
static SK_LAYOUT(rpa6_l, "Return Address (IPv6)", "stamp_rp_addr6", rpa6_f, 16, "RFC 9503 §4.2");
/* One label stack entry; the decoded struct is sk_tlv_label. */
static const struct sk_field label_f[] = {
	FM("Label", "mpls_label", 0, 4, 0xfffff000u, offsetof(struct sk_tlv_label, label), NULL,
	   "RFC 9503 §4.3"),
	FM("TC", "mpls_tc", 0, 4, 0x00000e00u, offsetof(struct sk_tlv_label, tc), NULL, "RFC 9503 §4.3"),
	FM("S", "mpls_s", 0, 4, 0x00000100u, offsetof(struct sk_tlv_label, s), NULL, "RFC 9503 §4.3"),
	FM("TTL", "mpls_ttl", 0, 4, 0x000000ffu, offsetof(struct sk_tlv_label, ttl), NULL,
	   "RFC 9503 §4.3"),
};
static SK_LAYOUT(label_l, "SR-MPLS label stack entry", "stamp_rp_label", label_f, 4,
		 "RFC 9503 §4.3");
static const struct sk_field sid_f[] = {
	FA("SRv6 SID", "srv6_sid", 0, 16, SK_NOSTORE, "RFC 9503 §4.4"),
};
static SK_LAYOUT(sid_l, "SRv6 segment", "stamp_rp_sid", sid_f, 16, "RFC 9503 §4.4");

const struct sk_layout *const sk_tlv_layouts[] = {
	&sk_tlv_hdr_layout, &loc_hdr_l, &rp_hdr_l, &sub_hdr_l, &var_l, &loc_l, &tsinfo_l, &cos_l,
	&direct_l, &access_l, &followup_l, &hmac_l, &dna4_l, &dna6_l, &micro_l, &reflctl_l, &mac_l,
	&eui64_l, &locaddr_l, &rpcc_l, &rpa4_l, &rpa6_l, &label_l, &sid_l, NULL,
};

/* ---- what a value looks like ---- */

enum rest_kind { REST_NONE, REST_SUB, REST_LABELS, REST_SIDS, REST_PADDING, REST_OPAQUE };

struct vdesc {
	const struct sk_layout *L; /* fixed part, or NULL */
	uint8_t rest;              /* what follows the fixed part */
	uint8_t ok;                /* the length suits the type */
	uint8_t subparent;         /* parent code for sub-TLVs */
};

/* Parent codes for sub-TLVs: the top-level type they sit in. 0 = top level. */
static struct vdesc describe(uint8_t parent, uint8_t type, size_t len)
{
	struct vdesc d = { NULL, REST_OPAQUE, 1, 0 };
	if (parent == 0) {
		switch (type) {
		case SK_TLV_EXTRA_PADDING: d.rest = REST_PADDING; break;
		case SK_TLV_LOCATION: d.L = &loc_l; d.rest = REST_SUB; d.subparent = type; break;
		case SK_TLV_TIMESTAMP_INFO: d.L = &tsinfo_l; d.rest = REST_SUB; d.subparent = type; break;
		case SK_TLV_COS: d.L = &cos_l; d.rest = REST_NONE; break;
		case SK_TLV_DIRECT_MEASUREMENT: d.L = &direct_l; d.rest = REST_NONE; break;
		case SK_TLV_ACCESS_REPORT: d.L = &access_l; d.rest = REST_NONE; break;
		case SK_TLV_FOLLOWUP_TELEMETRY: d.L = &followup_l; d.rest = REST_NONE; break;
		case SK_TLV_HMAC: d.L = &hmac_l; d.rest = REST_NONE; break;
		case SK_TLV_DEST_NODE_ADDR:
			d.L = len == 16 ? &dna6_l : &dna4_l;
			d.rest = REST_NONE;
			d.ok = len == 4 || len == 16;
			return d;
		case SK_TLV_RETURN_PATH: d.rest = REST_SUB; d.subparent = type; break;
		case SK_TLV_MICRO_SESSION_ID: d.L = &micro_l; d.rest = REST_NONE; break;
		case SK_TLV_REFLECTED_CONTROL: d.L = &reflctl_l; d.rest = REST_SUB; d.subparent = type; break;
		default: break;
		}
	} else if (parent == SK_TLV_LOCATION) {
		switch (type) {
		case SK_LOC_SRC_MAC: case SK_LOC_SRC_EUI48: d.L = &mac_l; d.rest = REST_NONE; break;
		case SK_LOC_SRC_EUI64: d.L = &eui64_l; d.rest = REST_NONE; break;
		case SK_LOC_DST_IP: case SK_LOC_DST_IPV4: case SK_LOC_DST_IPV6:
		case SK_LOC_SRC_IP: case SK_LOC_SRC_IPV4: case SK_LOC_SRC_IPV6:
			d.L = &locaddr_l; d.rest = REST_NONE; break;
		default: break;
		}
	} else if (parent == SK_TLV_RETURN_PATH) {
		switch (type) {
		case SK_RP_CONTROL_CODE: d.L = &rpcc_l; d.rest = REST_NONE; break;
		case SK_RP_RETURN_ADDRESS:
			d.L = len == 16 ? &rpa6_l : &rpa4_l;
			d.rest = REST_NONE;
			d.ok = len == 4 || len == 16;
			return d;
		case SK_RP_SR_MPLS:
			d.rest = REST_LABELS;
			d.ok = len > 0 && len % 4 == 0;
			return d;
		case SK_RP_SRV6:
			d.rest = REST_SIDS;
			d.ok = len > 0 && len % 16 == 0;
			return d;
		default: break;
		}
	}
	if (d.L) {
		if (d.rest == REST_NONE)
			d.ok = len == d.L->size;
		else
			d.ok = len >= d.L->size;
	}
	return d;
}

/* ---- iterator ---- */

void sk_tlv_iter_init(struct sk_tlv_iter *it, const uint8_t *p, size_t len, size_t origin)
{
	memset(it, 0, sizeof *it);
	sk_cur_init(&it->c, p, len);
	it->c.origin = origin;
	it->check_hmac_last = 1;
}

void sk_tlv_iter_sub(struct sk_tlv_iter *it, const struct sk_tlv *t, size_t skip)
{
	memset(it, 0, sizeof *it);
	if (skip > t->length)
		skip = t->length;
	sk_cur_init(&it->c, t->value ? t->value + skip : NULL, t->length - skip);
	it->c.origin = t->off + SK_TLV_HDR_LEN + skip;
}

static int iter_fail(struct sk_tlv_iter *it, enum sk_problem kind, enum sk_result r, size_t at,
		     const char *msg)
{
	it->kind = kind;
	it->err = r;
	it->err_off = at;
	it->msg = msg;
	return 0;
}

int sk_tlv_next(struct sk_tlv_iter *it, struct sk_tlv *t)
{
	if (it->err || it->c.err)
		return 0;
	size_t left = it->c.len - it->c.off;
	if (left == 0)
		return 0;
	size_t at = sk_cur_abs(&it->c);
	if (left < SK_TLV_HDR_LEN)
		return iter_fail(it, SK_PROB_TRUNCATED, SK_E_TRUNCATED, at, "TLV header truncated");
	/* RFC 8972 §4.8 wants the HMAC TLV last. Extra Padding after it is tolerated, as
	 * teaparty and stamp-suite do (a sender may pad after signing); it is not covered. */
	if (it->check_hmac_last && it->after_hmac && it->c.base[it->c.off + 1] != SK_TLV_EXTRA_PADDING)
		return iter_fail(it, SK_PROB_TLV_MALFORMED, SK_E_INVALID, at,
				 "TLV after the HMAC TLV (it must be last)");
	t->off = at;
	t->flags = sk_get_u8(&it->c);
	t->type = sk_get_u8(&it->c);
	t->length = sk_get_u16(&it->c);
	if (it->c.len - it->c.off < t->length) {
		/* A snapped capture and a lying Length look the same: report truncation. */
		it->c.off -= SK_TLV_HDR_LEN;
		return iter_fail(it, SK_PROB_TRUNCATED, SK_E_TRUNCATED, at,
				 "TLV length goes past the end of the packet");
	}
	t->value = sk_get_ptr(&it->c, t->length);
	if (!t->value)
		t->value = it->c.base + it->c.off; /* length 0 */
	if (t->type == SK_TLV_HMAC)
		it->after_hmac = 1;
	return 1;
}

/* ---- typed decode ---- */

void sk_tlv_label_decode(const uint8_t p[4], struct sk_tlv_label *l)
{
	uint32_t v = sk_ld32(p);
	l->label = v >> 12;
	l->tc = (v >> 9) & 7;
	l->s = (v >> 8) & 1;
	l->ttl = v & 0xff;
}

enum sk_result sk_tlv_value_decode(const struct sk_tlv *t, uint8_t parent, struct sk_tlv_val *out,
				   struct sk_error *err)
{
	memset(out, 0, sizeof *out);
	out->type = t->type;
	struct vdesc d = describe(parent, t->type, t->length);
	out->sub = t->value;
	out->sub_len = t->length;
	if (!d.ok)
		return sk_error_set(err, SK_E_INVALID, t->off, "%s: length %u is wrong for this type",
				    parent ? "sub-TLV" : sk_tlv_type_name(t->type), (unsigned)t->length);
	if (d.L) {
		struct sk_cur c;
		sk_cur_init(&c, t->value, t->length);
		c.origin = t->off + SK_TLV_HDR_LEN;
		enum sk_result r = sk_layout_decode_fields(d.L, &c, out, NULL);
		if (r)
			return sk_error_set(err, r, t->off, "value truncated");
		if (d.L == &dna4_l || d.L == &rpa4_l)
			out->u.addr.len = 4;
		else if (d.L == &dna6_l || d.L == &rpa6_l || d.L == &locaddr_l)
			out->u.addr.len = 16;
		out->sub = t->value + d.L->size;
		out->sub_len = t->length - d.L->size;
	}
	return SK_OK;
}

/* ---- walker with visitor ---- */

static void visit_table(const struct sk_layout *L, const uint8_t *p, size_t len, size_t origin,
			const struct sk_visitor *v)
{
	struct sk_cur c;
	sk_cur_init(&c, p, len);
	c.origin = origin;
	(void)sk_layout_decode_fields(L, &c, NULL, v);
}

struct walkst {
	const struct sk_visitor *v;
	enum sk_result first;
	size_t first_off;
	const char *first_msg;
	struct sk_error *err;
};

static void note(struct walkst *w, enum sk_problem kind, enum sk_result r, size_t off,
		 const char *msg)
{
	sk_visit_problem(w->v, kind, r, off, "%s", msg);
	if (!w->first) {
		w->first = r;
		w->first_off = off;
		w->first_msg = msg;
	}
}

static void walk_one(struct walkst *w, const struct sk_tlv *t, uint8_t parent, int depth);

static void walk_list(struct walkst *w, struct sk_tlv_iter *it, uint8_t parent, int depth)
{
	struct sk_tlv s;
	while (sk_tlv_next(it, &s))
		walk_one(w, &s, parent, depth);
	if (it->err)
		note(w, it->kind, it->err, it->err_off, it->msg);
}

static void walk_one(struct walkst *w, const struct sk_tlv *t, uint8_t parent, int depth)
{
	const struct sk_visitor *v = w->v;
	const char *name = parent == 0 ? sk_tlv_type_name(t->type)
			 : parent == SK_TLV_LOCATION ? sk_tlv_loc_sub_name(t->type)
			 : parent == SK_TLV_RETURN_PATH ? sk_tlv_rp_sub_name(t->type) : "Sub-TLV";
	sk_visit_open(v, name, parent ? "stamp_subtlv" : "stamp_tlv", t->off,
		      SK_TLV_HDR_LEN + (size_t)t->length);
	const struct sk_layout *H = parent == 0 ? &sk_tlv_hdr_layout
				  : parent == SK_TLV_LOCATION ? &loc_hdr_l
				  : parent == SK_TLV_RETURN_PATH ? &rp_hdr_l : &sub_hdr_l;
	visit_table(H, t->value - SK_TLV_HDR_LEN, SK_TLV_HDR_LEN, t->off, v);
	if (t->flags & SK_TLV_F_MBZ)
		sk_visit_problem(v, SK_PROB_UNASSIGNED_BITS, SK_E_INVALID, t->off,
				 "TLV flags: unassigned bits 4-7 set (0x%02x)", t->flags);
	size_t voff = t->off + SK_TLV_HDR_LEN;
	struct vdesc d = describe(parent, t->type, t->length);
	if (!d.ok || depth > 1) {
		if (!d.ok)
			note(w, SK_PROB_TLV_MALFORMED, SK_E_INVALID, t->off,
			     "TLV value length is wrong for its type");
		sk_visit_bytes(v, VAR_VALUE, t->value, t->length, voff);
		sk_visit_close(v);
		return;
	}
	size_t fixed = 0;
	if (d.L) {
		visit_table(d.L, t->value, d.L->size, voff, v);
		fixed = d.L->size;
	}
	const uint8_t *rp = t->value + fixed;
	size_t rlen = t->length - fixed;
	switch (d.rest) {
	case REST_SUB: {
		struct sk_tlv_iter it;
		sk_tlv_iter_sub(&it, t, fixed);
		walk_list(w, &it, d.subparent, depth + 1);
		break;
	}
	case REST_LABELS:
		for (size_t i = 0; i + 4 <= rlen; i += 4)
			visit_table(&label_l, rp + i, 4, voff + fixed + i, v);
		break;
	case REST_SIDS:
		for (size_t i = 0; i + 16 <= rlen; i += 16)
			visit_table(&sid_l, rp + i, 16, voff + fixed + i, v);
		break;
	case REST_PADDING:
		sk_visit_bytes(v, VAR_PADDING, rp, rlen, voff + fixed);
		break;
	case REST_OPAQUE:
		sk_visit_bytes(v, VAR_VALUE, rp, rlen, voff + fixed);
		break;
	default:
		break;
	}
	sk_visit_close(v);
}

enum sk_result sk_tlv_hmac_compute(const uint8_t seq4[4], const uint8_t *tlvs, size_t len,
				   const void *key, size_t key_len, uint8_t out[16])
{
	/* HMAC over two pieces without allocating: the pieces are contiguous in every
	 * packet (seq at 0, TLVs later) only when the base is 4 octets, so copy into a
	 * bounded stack buffer; a STAMP packet fits a jumbo frame. */
	uint8_t msg[9216];
	if (len > sizeof msg - 4)
		return SK_E_NOSPACE;
	memcpy(msg, seq4, 4);
	if (len)
		memcpy(msg + 4, tlvs, len);
	return sk_stamp_hmac(key, key_len, msg, len + 4, out);
}

enum sk_result sk_tlv_walk(const uint8_t *p, size_t len, size_t origin, const uint8_t seq4[4],
			   const void *key, size_t key_len, const struct sk_visitor *v,
			   struct sk_tlv_summary *sum, struct sk_error *err)
{
	struct sk_tlv_summary local;
	if (!sum)
		sum = &local;
	memset(sum, 0, sizeof *sum);
	struct walkst w = { v, SK_OK, 0, NULL, err };
	struct sk_tlv_iter it;
	sk_tlv_iter_init(&it, p, len, origin);
	struct sk_tlv t;
	while (sk_tlv_next(&it, &t)) {
		sum->count++;
		if (t.type == SK_TLV_HMAC && !sum->has_hmac) {
			sum->has_hmac = 1;
			sum->hmac_off = t.off;
		}
		walk_one(&w, &t, 0, 0);
		if (t.type == SK_TLV_HMAC && t.length == 16 && t.off == sum->hmac_off) {
			uint8_t mac[16];
			if (key && seq4 &&
			    sk_tlv_hmac_compute(seq4, p, t.off - origin, key, key_len, mac) == SK_OK)
				sum->hmac_status = sk_hmac_equal(mac, t.value) ? SK_HMAC_ST_OK : SK_HMAC_ST_BAD;
			sk_visit_synth(v, VAR_HMAC_STATUS, sum->hmac_status, NULL, t.off);
			if (sum->hmac_status == SK_HMAC_ST_BAD)
				sk_visit_problem(v, SK_PROB_HMAC_BAD, SK_E_AUTH, t.off,
						 "HMAC TLV does not match");
		}
	}
	if (it.err)
		note(&w, it.kind, it.err, it.err_off, it.msg);
	if (w.first)
		return sk_error_set(err, w.first, w.first_off, "%s", w.first_msg);
	return SK_OK;
}

/* ---- encoders ---- */

enum sk_result sk_tlv_put(struct sk_wbuf *w, uint8_t flags, uint8_t type, const void *value,
			  size_t len)
{
	if (len > 0xffff)
		return SK_E_ARG;
	sk_put_u8(w, flags);
	sk_put_u8(w, type);
	sk_put_u16(w, (uint16_t)len);
	if (value)
		sk_put_bytes(w, value, len);
	else
		sk_put_zero(w, len);
	return w->err;
}

size_t sk_tlv_begin(struct sk_wbuf *w, uint8_t flags, uint8_t type)
{
	size_t at = w->off;
	sk_put_u8(w, flags);
	sk_put_u8(w, type);
	sk_put_u16(w, 0);
	return at;
}

enum sk_result sk_tlv_end(struct sk_wbuf *w, size_t at)
{
	if (w->err)
		return w->err;
	if (at + SK_TLV_HDR_LEN > w->off)
		return SK_E_ARG;
	size_t n = w->off - at - SK_TLV_HDR_LEN;
	if (n > 0xffff)
		return SK_E_ARG;
	sk_be16(w->base + at + 2, (uint16_t)n);
	return SK_OK;
}

static size_t addr_len_of(uint8_t parent, const struct sk_tlv_val *val)
{
	if ((parent == 0 && val->type == SK_TLV_DEST_NODE_ADDR) ||
	    (parent == SK_TLV_RETURN_PATH && val->type == SK_RP_RETURN_ADDRESS))
		return val->u.addr.len;
	return 0;
}

enum sk_result sk_tlv_put_fixed(struct sk_wbuf *w, uint8_t parent, const struct sk_tlv_val *val)
{
	struct vdesc d = describe(parent, val->type, addr_len_of(parent, val));
	if (d.L)
		return sk_layout_encode(d.L, val, w);
	return w->err;
}

enum sk_result sk_tlv_put_val(struct sk_wbuf *w, uint8_t flags, uint8_t parent,
			      const struct sk_tlv_val *val)
{
	size_t at = sk_tlv_begin(w, flags, val->type);
	sk_tlv_put_fixed(w, parent, val);
	if (val->sub_len)
		sk_put_bytes(w, val->sub, val->sub_len);
	return sk_tlv_end(w, at);
}

enum sk_result sk_tlv_put_padding(struct sk_wbuf *w, uint8_t flags, size_t n)
{
	return sk_tlv_put(w, flags, SK_TLV_EXTRA_PADDING, NULL, n);
}

enum sk_result sk_tlv_put_hmac(struct sk_wbuf *w, uint8_t flags, size_t tlv_start,
			       const void *key, size_t key_len)
{
	if (w->err)
		return w->err;
	if (tlv_start < 4 || tlv_start > w->off)
		return SK_E_ARG;
	uint8_t mac[16];
	enum sk_result r = sk_tlv_hmac_compute(w->base, w->base + tlv_start, w->off - tlv_start,
					       key, key_len, mac);
	if (r)
		return r;
	return sk_tlv_put(w, flags, SK_TLV_HMAC, mac, sizeof mac);
}

enum sk_result sk_tlv_put_label(struct sk_wbuf *w, const struct sk_tlv_label *l)
{
	return sk_layout_encode(&label_l, l, w);
}
