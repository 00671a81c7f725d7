/* SPDX-License-Identifier: BSD-3-Clause */
/* responder.h - the STAMP / TWAMP-light Session-Reflector loop behind `stampkit responder`:
 * struct responder_opts (what the command line decided) -> responder_run() (open, loop,
 * counters at exit and on SIGUSR1). */
#ifndef STAMPKIT_TOOLS_RESPONDER_H
#define STAMPKIT_TOOLS_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SK_RESPONDER_DEFAULT_PORT 862
#define SK_RESPONDER_MAX_ALLOW 32

/* An address prefix of --allow (family 4 or 6, len in bits). */
struct sk_prefix {
	uint8_t family, len;
	uint8_t addr[16];
};

/* "192.0.2.0/24", "2001:db8::/32", "::1" (no length: the whole address). 0, or -1. */
int sk_prefix_parse(const char *s, struct sk_prefix *p);
bool sk_prefix_match(const struct sk_prefix *p, uint8_t family, const uint8_t *addr);

struct responder_opts {
	const char *local;       /* LOCAL operand ("" for the default, any address port 862) */
	int proto;               /* SK_PROTO_STAMP or SK_PROTO_TWAMP */
	int ts_fmt;              /* SK_TS_NTP or SK_TS_PTP */
	uint8_t key[256];        /* --auth (key_len 0: unauthenticated) */
	size_t key_len;
	uint8_t tlv_key[256];    /* --hmac-key: HMAC TLV key of the unauthenticated mode */
	size_t tlv_key_len;
	uint16_t micro_session_id; /* --micro-session-id: our Reflector micro-session ID */
	bool stateful;
	bool no_larger_reply;     /* --no-larger-reply: never answer with more octets than came */
	bool answer_reflected;   /* --answer-reflected: no loop protection by layout */
	long timer_s;            /* forget a session idle this long */
	long max_size, max_sessions;
	struct sk_prefix allow[SK_RESPONDER_MAX_ALLOW];
	unsigned nallow;         /* 0: everyone */
	double rate_limit;       /* requests per second per source; 0: none (default 10000) */
	int tos, ttl;            /* -1 / 64: system defaults */
	bool dont_fragment;
	const char *hw_iface, *raw_iface, *pcap_out;
	bool json;
	const char *metrics;     /* --metrics ADDR:PORT, or NULL */
};

/* Reflects until SIGINT/SIGTERM; prints the counters on standard output at exit and on
 * SIGUSR1. Returns the exit status: 0 after a signal, 1 when the socket, the capture file
 * or a receive fails, 2 when LOCAL is not an address. */
int responder_run(const struct responder_opts *o);

#endif
