/* SPDX-License-Identifier: BSD-3-Clause */
/* fields.h - one table per wire layout, and the visitor that decoding walks it with.
 * Every message, packet and TLV of the codec is described once here; the decoder, the
 * encoder, `stampkit decode`, the JSON output and the Wireshark plugin all read the tables. */
#ifndef STAMPKIT_FIELDS_H
#define STAMPKIT_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/cursor.h"
#include "stampkit/result.h"
#include "stampkit/timestamp.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sk_fkind {
	SK_FK_UINT,   /* unsigned big-endian integer of width 1/2/4/8, optionally masked */
	SK_FK_TS,     /* 8-octet timestamp, NTP or PTP per the Z bit of ee_off */
	SK_FK_ERREST, /* 2-octet Error Estimate */
	SK_FK_BYTES,  /* opaque octets (SID, HMAC, IV, ...) */
	SK_FK_MBZ,    /* must be zero: not stored, encoded as zeros, non-zero reported */
	SK_FK_ADDR,   /* 4 octets IPv4, or 16 octets IPv4-in-first-4 / IPv6 */
	SK_FK_TEXT,   /* zero-padded text (KeyID) */
};

#define SK_NOSTORE ((size_t)-1)

/* Field flags. */
#define SK_FF_HEX 0x01   /* show integers in hex */
#define SK_FF_SIGNED 0x02 /* reserved for signed display */

struct sk_vs { /* value -> name */
	uint32_t value;
	const char *name;
};

struct sk_bit { /* bit of a flag word -> name */
	uint32_t mask;
	const char *name;
	const char *key;
};

struct sk_field {
	const char *name; /* human name, as the RFC figure calls it */
	const char *key;  /* stable short key: JSON member and filter suffix (proto.key) */
	uint16_t off;     /* octet offset inside the layout */
	uint16_t width;   /* octets */
	uint8_t kind;     /* enum sk_fkind */
	uint8_t flags;    /* SK_FF_* */
	int16_t ee_off;   /* SK_FK_TS: offset of the Error Estimate whose Z bit gives the format; -1 NTP */
	uint32_t mask;    /* SK_FK_UINT: bits of the integer this field occupies; 0 = all */
	size_t soff;      /* offset of the value in the decoded C struct, or SK_NOSTORE */
	const struct sk_vs *vals;  /* value names (terminated by name == NULL), or NULL */
	const struct sk_bit *bits; /* bit names (terminated by name == NULL), or NULL */
	const char *ref;  /* RFC section */
};

struct sk_layout {
	const char *name; /* "STAMP Session-Sender test packet (unauthenticated)" */
	const char *key;  /* "stamp_sender_unauth" */
	const struct sk_field *fields;
	size_t nfields;
	uint16_t size;    /* octets the table describes */
	const char *ref;
};

/* What the visitor receives for each field. */
struct sk_value {
	uint64_t u;            /* integer (after mask and shift), raw timestamp, error estimate */
	const uint8_t *p;      /* the field's octets */
	size_t len;
	enum sk_ts_fmt tsfmt;  /* SK_FK_TS */
	int64_t ns;            /* SK_FK_TS: Unix time (UTC) in ns */
	const char *vname;     /* name from vals, or NULL */
	int mbz_nonzero;       /* SK_FK_MBZ: the octets were not all zero */
};

struct sk_visitor {
	/* A group starts: a message, a packet, a TLV. off/len are absolute octets. */
	void (*open)(void *ctx, const char *name, const char *key, size_t off, size_t len);
	void (*field)(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off);
	void (*close)(void *ctx);
	/* Something wrong at absolute offset off: kind says what (switch on it, not on msg),
	 * r the result class (truncated, invalid, authentication failed), msg the English text. */
	void (*problem)(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
			const char *msg);
	void *ctx;
	int tai_utc; /* TAI - UTC for showing PTP timestamps; 0 means SK_TAI_UTC_DEFAULT */
};

/* Null-safe visitor calls, for decoders that emit groups and synthetic fields. */
void sk_visit_open(const struct sk_visitor *v, const char *name, const char *key, size_t off,
		   size_t len);
void sk_visit_close(const struct sk_visitor *v);
void sk_visit_problem(const struct sk_visitor *v, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;
/* Emit one field whose octets are at p (width f->width) at absolute offset off. */
void sk_visit_field(const struct sk_visitor *v, const struct sk_field *f, const uint8_t *p,
		    size_t off, const uint8_t *layout_base, size_t layout_len);
/* Emit a variable-length octet field (padding, an opaque TLV value) of len octets at p. */
void sk_visit_bytes(const struct sk_visitor *v, const struct sk_field *f, const uint8_t *p,
		    size_t len, size_t off);
/* Emit a field that is computed rather than read (e.g. an HMAC status): integer u. */
void sk_visit_synth(const struct sk_visitor *v, const struct sk_field *f, uint64_t u,
		    const char *vname, size_t off);

/* Decode L->size octets at the cursor: store fields into out (may be NULL), hand each
 * to v (may be NULL) inside an open/close group named after the layout. If fewer octets
 * remain, the fields that fit are still visited and stored, the cursor is left at its
 * end with SK_E_TRUNCATED, and that is returned. */
enum sk_result sk_layout_decode(const struct sk_layout *L, struct sk_cur *c, void *out,
				const struct sk_visitor *v);
/* Same, but the caller opens/closes the group (used when a group holds more than one table). */
enum sk_result sk_layout_decode_fields(const struct sk_layout *L, struct sk_cur *c, void *out,
				       const struct sk_visitor *v);
/* Encode L->size octets from in: MBZ and unstored fields as zero. */
enum sk_result sk_layout_encode(const struct sk_layout *L, const void *in, struct sk_wbuf *w);

/* Name of a value in a table, or NULL. */
const char *sk_vs_name(const struct sk_vs *vs, uint32_t value);

/* Every layout the codec defines (for the plugin's field registration and the tests that
 * prove each field is encoded, decoded and printed): sk_layout_count() of them, the i-th
 * from sk_layout_at(i) (NULL past the end). */
size_t sk_layout_count(void);
const struct sk_layout *sk_layout_at(size_t i);

#define SK_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define SK_LAYOUT(var, nm, k, tbl, sz, rf) \
	const struct sk_layout var = { nm, k, tbl, SK_NFIELDS(tbl), sz, rf }

#ifdef __cplusplus
}
#endif
#endif
