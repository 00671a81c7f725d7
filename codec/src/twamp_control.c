/* SPDX-License-Identifier: BSD-3-Clause */
/* twamp_control.c - TWAMP-Control message tables, encode/decode and a stateless type guess.
 * RFC 4656 §3.1-3.8, RFC 5357 §3.1-3.8, RFC 5618, RFC 5938 §3.2-3.5, RFC 6038, RFC 7750,
 * RFC 8186; IANA TWAMP-Control Command Numbers and TWAMP-Modes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stampkit/twamp_control.h"

const struct sk_vs sk_twamp_command_names[] = {
	{ 0, "Reserved" },
	{ 1, "Request-Session (OWAMP, forbidden in TWAMP)" },
	{ 2, "Start-Sessions" },
	{ 3, "Stop-Sessions" },
	{ 4, "Fetch-Session (OWAMP, reserved in TWAMP)" },
	{ 5, "Request-TW-Session" },
	{ 6, "Experimentation" },
	{ 7, "Start-N-Sessions" },
	{ 8, "Start-N-Ack" },
	{ 9, "Stop-N-Sessions" },
	{ 10, "Stop-N-Ack" },
	{ 11, "Request-TW-Micro-Sessions" },
	{ 0, NULL },
};

enum sk_sec sk_twmode_sec(uint32_t mode)
{
	if (mode & SK_TWMODE_ENCRYPT)
		return SK_SEC_ENCRYPTED;
	if (mode & SK_TWMODE_AUTH)
		return SK_SEC_AUTH;
	return SK_SEC_UNAUTH;
}

int sk_twamp_command_supported(uint8_t cmd)
{
	switch (cmd) {
	case SK_TWCMD_START_SESSIONS:
	case SK_TWCMD_STOP_SESSIONS:
	case SK_TWCMD_REQUEST_TW_SESSION:
	case SK_TWCMD_START_N_SESSIONS:
	case SK_TWCMD_START_N_ACK:
	case SK_TWCMD_STOP_N_SESSIONS:
	case SK_TWCMD_STOP_N_ACK:
		return 1;
	default:
		return 0;
	}
}

const struct sk_bit sk_twamp_mode_bits[] = {
	{ SK_TWMODE_UNAUTH, "Unauthenticated", "unauthenticated" },
	{ SK_TWMODE_AUTH, "Authenticated", "authenticated" },
	{ SK_TWMODE_ENCRYPT, "Encrypted", "encrypted" },
	{ SK_TWMODE_MIXED, "Unauthenticated TEST, Encrypted CONTROL", "mixed" },
	{ SK_TWMODE_INDIVIDUAL, "Individual Session Control", "individual_session_control" },
	{ SK_TWMODE_REFLECT_OCTETS, "Reflect Octets Capability", "reflect_octets" },
	{ SK_TWMODE_SYMMETRICAL, "Symmetrical Size Sender Test Packet Format", "symmetrical_size" },
	{ SK_TWMODE_IKEV2, "IKEv2-derived Shared Secret Key", "ikev2_derived" },
	{ SK_TWMODE_DSCP_ECN, "DSCP and ECN Monitoring Capability", "dscp_ecn" },
	{ SK_TWMODE_PTP, "PTPv2 Timestamp Capability", "ptpv2_timestamp" },
	{ 0, NULL, NULL },
};

const struct sk_vs sk_twamp_accept_names[] = {
	{ 0, "OK" },
	{ 1, "Failure, reason unspecified" },
	{ 2, "Internal error" },
	{ 3, "Some aspect of request is not supported" },
	{ 4, "Cannot perform request due to permanent resource limitations" },
	{ 5, "Cannot perform request due to temporary resource limitations" },
	{ 0, NULL },
};

static const char *const type_names[SK_TWCTL_TYPE_COUNT] = {
	[SK_TWCTL_NONE] = "unknown",
	[SK_TWCTL_SERVER_GREETING] = "Server-Greeting",
	[SK_TWCTL_SETUP_RESPONSE] = "Set-Up-Response",
	[SK_TWCTL_SERVER_START] = "Server-Start",
	[SK_TWCTL_REQUEST_TW_SESSION] = "Request-TW-Session",
	[SK_TWCTL_ACCEPT_SESSION] = "Accept-Session",
	[SK_TWCTL_START_SESSIONS] = "Start-Sessions",
	[SK_TWCTL_START_ACK] = "Start-Ack",
	[SK_TWCTL_STOP_SESSIONS] = "Stop-Sessions",
	[SK_TWCTL_START_N_SESSIONS] = "Start-N-Sessions",
	[SK_TWCTL_START_N_ACK] = "Start-N-Ack",
	[SK_TWCTL_STOP_N_SESSIONS] = "Stop-N-Sessions",
	[SK_TWCTL_STOP_N_ACK] = "Stop-N-Ack",
};

const char *sk_twctl_type_name(enum sk_twctl_type t)
{
	if ((unsigned)t < SK_TWCTL_TYPE_COUNT && type_names[t])
		return type_names[t];
	return "unknown";
}

enum sk_result sk_twamp_typep_dscp(uint32_t typep, uint8_t *dscp, unsigned *flags)
{
	if (flags)
		*flags = 0;
	if ((typep & 0xC0000000u) == 0x40000000u)
		return SK_E_UNSUPPORTED; /* PHB ID form (RFC 2836) */
	if ((typep & 0xC0FFFFFFu) == 0) {
		if (dscp)
			*dscp = (uint8_t)(typep >> 24 & 0x3f);
		return SK_OK;
	}
	/* Some implementations put the DSCP in the low octet: accept, but say so. */
	if ((typep & 0xFFFFFFC0u) == 0) {
		if (dscp)
			*dscp = (uint8_t)(typep & 0x3f);
		if (flags)
			*flags |= SK_TYPEP_LOW_BYTE;
		return SK_OK;
	}
	return SK_E_INVALID;
}

uint32_t sk_twamp_typep_from_dscp(uint8_t dscp) { return (uint32_t)(dscp & 0x3f) << 24; }

/* Table helpers: positional struct sk_field initialisers. */
#define FU(nm, k, o, w, T, m, vs, bs, rf) \
	{ nm, k, o, w, SK_FK_UINT, 0, -1, 0, offsetof(T, m), vs, bs, rf }
#define FUX(nm, k, o, w, T, m, rf) \
	{ nm, k, o, w, SK_FK_UINT, SK_FF_HEX, -1, 0, offsetof(T, m), NULL, NULL, rf }
#define FB(nm, k, o, w, T, m, rf) { nm, k, o, w, SK_FK_BYTES, 0, -1, 0, offsetof(T, m), NULL, NULL, rf }
#define FMBZ(o, w, rf) { "MBZ", "mbz", o, w, SK_FK_MBZ, 0, -1, 0, SK_NOSTORE, NULL, NULL, rf }
#define FHMAC(o, T, rf) FB("HMAC", "hmac", o, 16, T, hmac, rf)

static const struct sk_field greeting_fields[] = {
	{ "Unused", "unused", 0, 12, SK_FK_BYTES, 0, -1, 0, SK_NOSTORE, NULL, NULL, "RFC 4656 §3.1" },
	FU("Modes", "modes", 12, 4, struct sk_twctl_greeting, modes, NULL, sk_twamp_mode_bits, "RFC 5357 §3.1"),
	FB("Challenge", "challenge", 16, 16, struct sk_twctl_greeting, challenge, "RFC 4656 §3.1"),
	FB("Salt", "salt", 32, 16, struct sk_twctl_greeting, salt, "RFC 4656 §3.1"),
	FU("Count", "count", 48, 4, struct sk_twctl_greeting, count, NULL, NULL, "RFC 4656 §3.1"),
	FMBZ(52, 12, "RFC 4656 §3.1"),
};
SK_LAYOUT(sk_twctl_greeting_layout, "Server-Greeting", "server_greeting", greeting_fields,
	  SK_TWCTL_GREETING_LEN, "RFC 4656 §3.1");

static const struct sk_field setup_fields[] = {
	FU("Mode", "mode", 0, 4, struct sk_twctl_setup, mode, NULL, sk_twamp_mode_bits, "RFC 5357 §3.1"),
	{ "KeyID", "keyid", 4, 80, SK_FK_TEXT, 0, -1, 0, offsetof(struct sk_twctl_setup, keyid), NULL,
	  NULL, "RFC 4656 §3.1" },
	FB("Token", "token", 84, 64, struct sk_twctl_setup, token, "RFC 4656 §3.1"),
	FB("Client-IV", "client_iv", 148, 16, struct sk_twctl_setup, client_iv, "RFC 4656 §3.1"),
};
SK_LAYOUT(sk_twctl_setup_layout, "Set-Up-Response", "setup_response", setup_fields,
	  SK_TWCTL_SETUP_LEN, "RFC 4656 §3.1");

static const struct sk_field server_start_fields[] = {
	FMBZ(0, 15, "RFC 4656 §3.1"),
	FU("Accept", "accept", 15, 1, struct sk_twctl_server_start, accept, sk_twamp_accept_names, NULL,
	   "RFC 4656 §3.1"),
	FB("Server-IV", "server_iv", 16, 16, struct sk_twctl_server_start, server_iv, "RFC 4656 §3.1"),
	{ "Start-Time", "start_time", 32, 8, SK_FK_TS, 0, -1, 0,
	  offsetof(struct sk_twctl_server_start, start_time), NULL, NULL, "RFC 5357 §3.1" },
	FMBZ(40, 8, "RFC 4656 §3.1"),
};
SK_LAYOUT(sk_twctl_server_start_layout, "Server-Start", "server_start", server_start_fields,
	  SK_TWCTL_SERVER_START_LEN, "RFC 4656 §3.1");

static const struct sk_field request_fields[] = {
	FU("Command", "command", 0, 1, struct sk_twctl_request, command, sk_twamp_command_names, NULL,
	   "RFC 5357 §3.5"),
	{ "MBZ", "mbz", 1, 1, SK_FK_UINT, 0, -1, 0xf0, SK_NOSTORE, NULL, NULL, "RFC 5357 §3.5" },
	{ "IPVN", "ipvn", 1, 1, SK_FK_UINT, 0, -1, 0x0f, offsetof(struct sk_twctl_request, ipvn), NULL,
	  NULL, "RFC 5357 §3.5" },
	FU("Conf-Sender", "conf_sender", 2, 1, struct sk_twctl_request, conf_sender, NULL, NULL, "RFC 5357 §3.5"),
	FU("Conf-Receiver", "conf_receiver", 3, 1, struct sk_twctl_request, conf_receiver, NULL, NULL,
	   "RFC 5357 §3.5"),
	FU("Number of Schedule Slots", "slots", 4, 4, struct sk_twctl_request, slots, NULL, NULL,
	   "RFC 5357 §3.5"),
	FU("Number of Packets", "packets", 8, 4, struct sk_twctl_request, packets, NULL, NULL, "RFC 5357 §3.5"),
	FU("Sender Port", "sender_port", 12, 2, struct sk_twctl_request, sender_port, NULL, NULL,
	   "RFC 5357 §3.5"),
	FU("Receiver Port", "receiver_port", 14, 2, struct sk_twctl_request, receiver_port, NULL, NULL,
	   "RFC 5357 §3.5"),
	{ "Sender Address", "sender_address", 16, 16, SK_FK_ADDR, 0, -1, 0,
	  offsetof(struct sk_twctl_request, sender_address), NULL, NULL, "RFC 5357 §3.5" },
	{ "Receiver Address", "receiver_address", 32, 16, SK_FK_ADDR, 0, -1, 0,
	  offsetof(struct sk_twctl_request, receiver_address), NULL, NULL, "RFC 5357 §3.5" },
	FB("SID", "sid", 48, 16, struct sk_twctl_request, sid, "RFC 5357 §3.5"),
	FU("Padding Length", "padding_length", 64, 4, struct sk_twctl_request, padding_length, NULL, NULL,
	   "RFC 5357 §3.5"),
	{ "Start Time", "start_time", 68, 8, SK_FK_TS, 0, -1, 0,
	  offsetof(struct sk_twctl_request, start_time), NULL, NULL, "RFC 5357 §3.5" },
	FUX("Timeout", "timeout", 76, 8, struct sk_twctl_request, timeout, "RFC 5357 §3.5"),
	FUX("Type-P Descriptor", "type_p", 84, 4, struct sk_twctl_request, type_p, "RFC 5357 §3.5"),
	FU("Octets to be reflected", "octets_reflected", 88, 2, struct sk_twctl_request, octets_reflected,
	   NULL, NULL, "RFC 6038 §4.2"),
	FU("Length of padding to reflect", "padding_reflected", 90, 2, struct sk_twctl_request,
	   padding_reflected, NULL, NULL, "RFC 6038 §4.2"),
	FMBZ(92, 4, "RFC 5357 §3.5"),
	FHMAC(96, struct sk_twctl_request, "RFC 5357 §3.5"),
};
SK_LAYOUT(sk_twctl_request_layout, "Request-TW-Session", "request_tw_session", request_fields,
	  SK_TWCTL_REQUEST_LEN, "RFC 5357 §3.5");

static const struct sk_field accept_fields[] = {
	FU("Accept", "accept", 0, 1, struct sk_twctl_accept, accept, sk_twamp_accept_names, NULL,
	   "RFC 5357 §3.6"),
	FMBZ(1, 1, "RFC 5357 §3.6"),
	FU("Port", "port", 2, 2, struct sk_twctl_accept, port, NULL, NULL, "RFC 5357 §3.6"),
	FB("SID", "sid", 4, 16, struct sk_twctl_accept, sid, "RFC 5357 §3.6"),
	FU("Reflected octets", "reflected_octets", 20, 2, struct sk_twctl_accept, reflected_octets, NULL,
	   NULL, "RFC 6038 §4.2"),
	FU("Server octets", "server_octets", 22, 2, struct sk_twctl_accept, server_octets, NULL, NULL,
	   "RFC 6038 §4.2"),
	FMBZ(24, 8, "RFC 5357 §3.6"),
	FHMAC(32, struct sk_twctl_accept, "RFC 5357 §3.6"),
};
SK_LAYOUT(sk_twctl_accept_layout, "Accept-Session", "accept_session", accept_fields,
	  SK_TWCTL_ACCEPT_LEN, "RFC 5357 §3.6");

static const struct sk_field start_fields[] = {
	FU("Command", "command", 0, 1, struct sk_twctl_start, command, sk_twamp_command_names, NULL,
	   "RFC 4656 §3.7"),
	FMBZ(1, 15, "RFC 4656 §3.7"),
	FHMAC(16, struct sk_twctl_start, "RFC 4656 §3.7"),
};
SK_LAYOUT(sk_twctl_start_layout, "Start-Sessions", "start_sessions", start_fields, SK_TWCTL_START_LEN,
	  "RFC 4656 §3.7");

static const struct sk_field start_ack_fields[] = {
	FU("Accept", "accept", 0, 1, struct sk_twctl_start_ack, accept, sk_twamp_accept_names, NULL,
	   "RFC 4656 §3.7"),
	FMBZ(1, 15, "RFC 4656 §3.7"),
	FHMAC(16, struct sk_twctl_start_ack, "RFC 4656 §3.7"),
};
SK_LAYOUT(sk_twctl_start_ack_layout, "Start-Ack", "start_ack", start_ack_fields,
	  SK_TWCTL_START_ACK_LEN, "RFC 4656 §3.7");

static const struct sk_field stop_fields[] = {
	FU("Command", "command", 0, 1, struct sk_twctl_stop, command, sk_twamp_command_names, NULL,
	   "RFC 5357 §3.8"),
	FU("Accept", "accept", 1, 1, struct sk_twctl_stop, accept, sk_twamp_accept_names, NULL,
	   "RFC 5357 §3.8"),
	FMBZ(2, 2, "RFC 5357 §3.8"),
	FU("Number of Sessions", "nsessions", 4, 4, struct sk_twctl_stop, nsessions, NULL, NULL,
	   "RFC 5357 §3.8"),
	FMBZ(8, 8, "RFC 5357 §3.8"),
	FHMAC(16, struct sk_twctl_stop, "RFC 5357 §3.8"),
};
SK_LAYOUT(sk_twctl_stop_layout, "Stop-Sessions", "stop_sessions", stop_fields, SK_TWCTL_STOP_LEN,
	  "RFC 5357 §3.8");

/* RFC 5938 §3.2: Start-N-Sessions has no Accept; octets 1-11 are MBZ. */
static const struct sk_field startn_hdr_fields[] = {
	FU("Command", "command", 0, 1, struct sk_twctl_nsessions, command, sk_twamp_command_names, NULL,
	   "RFC 5938 §3.2"),
	FMBZ(1, 11, "RFC 5938 §3.2"),
	FU("Number of Sessions", "nsessions", 12, 4, struct sk_twctl_nsessions, nsessions, NULL, NULL,
	   "RFC 5938 §3.2"),
};
SK_LAYOUT(sk_twctl_startn_hdr_layout, "Start-N-Sessions header", "start_n_hdr", startn_hdr_fields,
	  SK_TWCTL_N_HDR_LEN, "RFC 5938 §3.2");

/* RFC 5938 §3.3-3.5: Start-N-Ack, Stop-N-Sessions and Stop-N-Ack carry Accept in octet 1. */
static const struct sk_field nack_hdr_fields[] = {
	FU("Command", "command", 0, 1, struct sk_twctl_nsessions, command, sk_twamp_command_names, NULL,
	   "RFC 5938 §3.3"),
	FU("Accept", "accept", 1, 1, struct sk_twctl_nsessions, accept, sk_twamp_accept_names, NULL,
	   "RFC 5938 §3.3"),
	FMBZ(2, 10, "RFC 5938 §3.3"),
	FU("Number of Sessions", "nsessions", 12, 4, struct sk_twctl_nsessions, nsessions, NULL, NULL,
	   "RFC 5938 §3.3"),
};
SK_LAYOUT(sk_twctl_nack_hdr_layout, "RFC 5938 header", "n_hdr", nack_hdr_fields, SK_TWCTL_N_HDR_LEN,
	  "RFC 5938 §3.3");

struct sid_entry {
	uint8_t sid[16];
};
static const struct sk_field sid_fields[] = {
	FB("SID", "sid", 0, 16, struct sid_entry, sid, "RFC 5938 §3.2"),
};
SK_LAYOUT(sk_twctl_sid_layout, "Session", "session", sid_fields, 16, "RFC 5938 §3.2");

struct hmac_block {
	uint8_t hmac[16];
};
static const struct sk_field hmac_fields[] = {
	FHMAC(0, struct hmac_block, "RFC 5938 §3.2"),
};
SK_LAYOUT(sk_twctl_hmac_layout, "HMAC", "hmac_block", hmac_fields, 16, "RFC 4656 §3.2");

const struct sk_layout *const sk_twctl_layouts[] = {
	&sk_twctl_greeting_layout,
	&sk_twctl_setup_layout,
	&sk_twctl_server_start_layout,
	&sk_twctl_request_layout,
	&sk_twctl_accept_layout,
	&sk_twctl_start_layout,
	&sk_twctl_start_ack_layout,
	&sk_twctl_stop_layout,
	&sk_twctl_startn_hdr_layout,
	&sk_twctl_nack_hdr_layout,
	&sk_twctl_sid_layout,
	&sk_twctl_hmac_layout,
	NULL,
};

static const struct sk_layout *fixed_layout(enum sk_twctl_type t)
{
	switch (t) {
	case SK_TWCTL_SERVER_GREETING: return &sk_twctl_greeting_layout;
	case SK_TWCTL_SETUP_RESPONSE: return &sk_twctl_setup_layout;
	case SK_TWCTL_SERVER_START: return &sk_twctl_server_start_layout;
	case SK_TWCTL_REQUEST_TW_SESSION: return &sk_twctl_request_layout;
	case SK_TWCTL_ACCEPT_SESSION: return &sk_twctl_accept_layout;
	case SK_TWCTL_START_SESSIONS: return &sk_twctl_start_layout;
	case SK_TWCTL_START_ACK: return &sk_twctl_start_ack_layout;
	case SK_TWCTL_STOP_SESSIONS: return &sk_twctl_stop_layout;
	default: return NULL;
	}
}

static int is_n_type(enum sk_twctl_type t)
{
	return t == SK_TWCTL_START_N_SESSIONS || t == SK_TWCTL_START_N_ACK ||
	       t == SK_TWCTL_STOP_N_SESSIONS || t == SK_TWCTL_STOP_N_ACK;
}

static uint8_t n_command(enum sk_twctl_type t)
{
	switch (t) {
	case SK_TWCTL_START_N_SESSIONS: return SK_TWCMD_START_N_SESSIONS;
	case SK_TWCTL_START_N_ACK: return SK_TWCMD_START_N_ACK;
	case SK_TWCTL_STOP_N_SESSIONS: return SK_TWCMD_STOP_N_SESSIONS;
	default: return SK_TWCMD_STOP_N_ACK;
	}
}

size_t sk_twctl_size(enum sk_twctl_type t, uint32_t nsessions)
{
	const struct sk_layout *L = fixed_layout(t);
	if (L)
		return L->size;
	if (!is_n_type(t))
		return 0;
	uint64_t n = (uint64_t)SK_TWCTL_N_BASE_LEN + (uint64_t)nsessions * SK_TWCTL_SID_LEN;
	if (n > (uint64_t)SIZE_MAX)
		return 0;
	return (size_t)n;
}

enum sk_result sk_twctl_needed(enum sk_twctl_type t, const uint8_t *p, size_t len, size_t *need)
{
	const struct sk_layout *L = fixed_layout(t);
	if (L) {
		*need = L->size;
		return SK_OK;
	}
	if (!is_n_type(t)) {
		*need = 0;
		return SK_E_ARG;
	}
	struct sk_cur c;
	sk_cur_init(&c, p, len);
	sk_cur_skip(&c, 12);
	uint32_t n = sk_get_u32(&c);
	if (c.err) {
		*need = SK_TWCTL_N_HDR_LEN;
		return SK_E_TRUNCATED;
	}
	*need = sk_twctl_size(t, n);
	return *need ? SK_OK : SK_E_NOSPACE;
}

static enum sk_result decode_n(enum sk_twctl_type t, struct sk_cur *c, struct sk_twctl_nsessions *out,
			       const struct sk_visitor *v, struct sk_error *err)
{
	const struct sk_layout *H =
		t == SK_TWCTL_START_N_SESSIONS ? &sk_twctl_startn_hdr_layout : &sk_twctl_nack_hdr_layout;
	struct sk_twctl_nsessions tmp;
	memset(&tmp, 0, sizeof tmp);
	size_t avail = c->len - c->off;
	size_t total = 0;
	(void)sk_twctl_needed(t, c->base + c->off, avail, &total);
	if (!total)
		total = SK_TWCTL_N_HDR_LEN;
	sk_visit_open(v, sk_twctl_type_name(t), H->key, sk_cur_abs(c), avail < total ? avail : total);
	const uint8_t *start = c->base + c->off;
	enum sk_result r = sk_layout_decode_fields(H, c, &tmp, v);
	if (r == SK_OK) {
		if (tmp.command != n_command(t)) {
			r = SK_E_INVALID;
			sk_visit_problem(v, SK_PROB_INVALID, r, sk_cur_abs(c) - SK_TWCTL_N_HDR_LEN,
					 "command %u is not %u", tmp.command, n_command(t));
		}
		tmp.sids = start + SK_TWCTL_N_HDR_LEN;
		/* Each SID is its own 16-octet table walk, so truncation inside the list stops at
		 * the last whole SID and never reads past the buffer. */
		for (uint32_t i = 0; i < tmp.nsessions && !c->err; i++) {
			struct sid_entry e;
			enum sk_result r2 = sk_layout_decode(&sk_twctl_sid_layout, c, &e, v);
			if (r2 != SK_OK)
				r = r2;
		}
		if (!c->err) {
			struct hmac_block hb;
			enum sk_result r2 = sk_layout_decode_fields(&sk_twctl_hmac_layout, c, &hb, v);
			if (r2 == SK_OK)
				memcpy(tmp.hmac, hb.hmac, 16);
			else
				r = r2;
		}
	}
	sk_visit_close(v);
	if (c->err == SK_E_TRUNCATED)
		r = SK_E_TRUNCATED;
	if (out)
		*out = tmp;
	if (r != SK_OK)
		return sk_error_set(err, r, c->err ? c->err_off : 0, "%s: %s", sk_twctl_type_name(t),
				    sk_strerror(r));
	return SK_OK;
}

enum sk_result sk_twctl_decode(enum sk_twctl_type t, const uint8_t *p, size_t len, void *out,
			       const struct sk_visitor *v, struct sk_error *err)
{
	struct sk_cur c;
	sk_cur_init(&c, p, len);
	if (is_n_type(t))
		return decode_n(t, &c, out, v, err);
	const struct sk_layout *L = fixed_layout(t);
	if (!L)
		return sk_error_set(err, SK_E_ARG, 0, "unknown TWAMP-Control message type %d", (int)t);
	enum sk_result r = sk_layout_decode(L, &c, out, v);
	if (r != SK_OK)
		return sk_error_set(err, r, c.err_off, "%s truncated: %zu of %u octets", L->name, len,
				    (unsigned)L->size);
	/* Content checks that make a message of another type, not just a sloppy one. */
	uint8_t want = 0;
	if (t == SK_TWCTL_REQUEST_TW_SESSION)
		want = SK_TWCMD_REQUEST_TW_SESSION;
	else if (t == SK_TWCTL_START_SESSIONS)
		want = SK_TWCMD_START_SESSIONS;
	else if (t == SK_TWCTL_STOP_SESSIONS)
		want = SK_TWCMD_STOP_SESSIONS;
	if (want && p[0] != want) {
		sk_visit_problem(v, SK_PROB_INVALID, SK_E_INVALID, 0, "command %u is not %u", p[0], want);
		return sk_error_set(err, SK_E_INVALID, 0, "%s: command %u is not %u", L->name, p[0], want);
	}
	if (t == SK_TWCTL_REQUEST_TW_SESSION) {
		uint8_t ipvn = p[1] & 0x0f;
		if (p[1] & 0xf0)
			sk_visit_problem(v, SK_PROB_MBZ_NONZERO, SK_E_INVALID, 1,
					 "MBZ bits before IPVN are not zero");
		if (ipvn != 4 && ipvn != 6) {
			sk_visit_problem(v, SK_PROB_INVALID, SK_E_INVALID, 1, "IPVN %u is neither 4 nor 6",
					 ipvn);
			return sk_error_set(err, SK_E_INVALID, 1, "IPVN %u is neither 4 nor 6", ipvn);
		}
	}
	return SK_OK;
}

enum sk_result sk_twctl_encode(enum sk_twctl_type t, const void *in, uint8_t *buf, size_t cap,
			       size_t *outlen)
{
	struct sk_wbuf w;
	sk_wbuf_init(&w, buf, cap);
	if (outlen)
		*outlen = 0;
	if (!in)
		return SK_E_ARG;
	if (is_n_type(t)) {
		const struct sk_twctl_nsessions *m = in;
		if (m->nsessions && !m->sids)
			return SK_E_ARG;
		size_t total = sk_twctl_size(t, m->nsessions);
		if (!total || total > cap)
			return SK_E_NOSPACE;
		struct sk_twctl_nsessions h = *m;
		h.command = n_command(t);
		if (t == SK_TWCTL_START_N_SESSIONS)
			h.accept = 0;
		const struct sk_layout *H = t == SK_TWCTL_START_N_SESSIONS ? &sk_twctl_startn_hdr_layout
									   : &sk_twctl_nack_hdr_layout;
		sk_layout_encode(H, &h, &w);
		sk_put_bytes(&w, m->sids, (size_t)m->nsessions * SK_TWCTL_SID_LEN);
		sk_put_bytes(&w, m->hmac, 16);
	} else {
		const struct sk_layout *L = fixed_layout(t);
		if (!L)
			return SK_E_ARG;
		if (sk_layout_encode(L, in, &w) != SK_OK)
			return w.err;
		if (t == SK_TWCTL_REQUEST_TW_SESSION)
			buf[0] = SK_TWCMD_REQUEST_TW_SESSION;
		else if (t == SK_TWCTL_START_SESSIONS)
			buf[0] = SK_TWCMD_START_SESSIONS;
		else if (t == SK_TWCTL_STOP_SESSIONS)
			buf[0] = SK_TWCMD_STOP_SESSIONS;
	}
	if (w.err)
		return w.err;
	if (outlen)
		*outlen = w.off;
	return SK_OK;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static enum sk_twctl_type guess_cmd(const uint8_t *p, size_t len)
{
	switch (p[0]) {
	case SK_TWCMD_REQUEST_TW_SESSION:
		if (len >= SK_TWCTL_REQUEST_LEN && !(p[1] & 0xf0) && ((p[1] & 0x0f) == 4 || (p[1] & 0x0f) == 6) &&
		    all_zero(p + 92, 4))
			return SK_TWCTL_REQUEST_TW_SESSION;
		break;
	case SK_TWCMD_START_SESSIONS:
		if (len >= SK_TWCTL_START_LEN && all_zero(p + 1, 15))
			return SK_TWCTL_START_SESSIONS;
		break;
	case SK_TWCMD_STOP_SESSIONS:
		if (len >= SK_TWCTL_STOP_LEN && p[1] <= 5 && all_zero(p + 2, 2) && all_zero(p + 8, 8))
			return SK_TWCTL_STOP_SESSIONS;
		break;
	case SK_TWCMD_START_N_SESSIONS:
	case SK_TWCMD_STOP_N_SESSIONS: {
		enum sk_twctl_type t = p[0] == SK_TWCMD_START_N_SESSIONS ? SK_TWCTL_START_N_SESSIONS
								  : SK_TWCTL_STOP_N_SESSIONS;
		size_t need = 0;
		if (len >= SK_TWCTL_N_HDR_LEN && all_zero(p + 2, 10) &&
		    (t == SK_TWCTL_STOP_N_SESSIONS ? p[1] <= 5 : p[1] == 0) &&
		    sk_twctl_needed(t, p, len, &need) == SK_OK && need <= len)
			return t;
		break;
	}
	default:
		break;
	}
	return SK_TWCTL_NONE;
}

/* Set-Up-Response: one security bit (or none: the client refuses) and no unknown bits. */
static enum sk_twctl_type guess_setup(const uint8_t *p, size_t len)
{
	if (len >= SK_TWCTL_SETUP_LEN) {
		uint32_t mode = sk_ld32(p);
		uint32_t sec = mode & SK_TWMODE_SECURITY_MASK;
		if ((sec & (sec - 1)) == 0 && (mode & ~0x3ffu) == 0)
			return SK_TWCTL_SETUP_RESPONSE;
	}
	return SK_TWCTL_NONE;
}

static enum sk_twctl_type guess_s2c_setup(const uint8_t *p, size_t len)
{
	/* Server-Greeting: 12 unused zero octets, MBZ tail, Count a power of two. */
	if (len >= SK_TWCTL_GREETING_LEN && all_zero(p, 12) && all_zero(p + 52, 12)) {
		uint32_t count = sk_ld32(p + 48);
		if (count && (count & (count - 1)) == 0)
			return SK_TWCTL_SERVER_GREETING;
	}
	if (len >= SK_TWCTL_SERVER_START_LEN && all_zero(p, 15) && p[15] <= 5 && all_zero(p + 40, 8))
		return SK_TWCTL_SERVER_START;
	return SK_TWCTL_NONE;
}

static enum sk_twctl_type guess_s2c_ack(const uint8_t *p, size_t len)
{
	if ((p[0] == SK_TWCMD_START_N_ACK || p[0] == SK_TWCMD_STOP_N_ACK) && len >= SK_TWCTL_N_HDR_LEN &&
	    p[1] <= 5 && all_zero(p + 2, 10)) {
		enum sk_twctl_type t = p[0] == SK_TWCMD_START_N_ACK ? SK_TWCTL_START_N_ACK : SK_TWCTL_STOP_N_ACK;
		size_t need = 0;
		if (sk_twctl_needed(t, p, len, &need) == SK_OK && need <= len)
			return t;
	}
	if (p[0] <= 5 && len >= SK_TWCTL_START_ACK_LEN && all_zero(p + 1, 15))
		return SK_TWCTL_START_ACK;
	if (p[0] <= 5 && len >= SK_TWCTL_ACCEPT_LEN && p[1] == 0 && all_zero(p + 24, 8))
		return SK_TWCTL_ACCEPT_SESSION;
	return SK_TWCTL_NONE;
}

enum sk_twctl_type sk_twctl_guess(const uint8_t *p, size_t len, enum sk_twctl_dir dir)
{
	if (!p || len < 16)
		return SK_TWCTL_NONE;
	enum sk_twctl_type t = SK_TWCTL_NONE;
	if (dir != SK_TWCTL_DIR_S2C)
		t = guess_cmd(p, len);
	/* A greeting also has a zero first word, which would read as a refusing Mode; a
	 * Set-Up-Response's zero-padded KeyID would read as Accept-Session MBZ octets. */
	if (t == SK_TWCTL_NONE && dir != SK_TWCTL_DIR_C2S)
		t = guess_s2c_setup(p, len);
	if (t == SK_TWCTL_NONE && dir != SK_TWCTL_DIR_S2C)
		t = guess_setup(p, len);
	if (t == SK_TWCTL_NONE && dir != SK_TWCTL_DIR_C2S)
		t = guess_s2c_ack(p, len);
	return t;
}
