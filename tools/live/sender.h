/* SPDX-License-Identifier: BSD-3-Clause */
/* sender.h - the STAMP / TWAMP-light Session-Sender loop behind `stampkit sender`:
 * struct sender_opts (what the command line decided) -> sender_run() (open, loop, report). */
#ifndef STAMPKIT_TOOLS_SENDER_H
#define STAMPKIT_TOOLS_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tlvopt.h"

#define SK_SENDER_DEFAULT_PORT 862

struct sender_opts {
	/* addresses, resolved: REMOTE, and LOCAL (wildcard and port 0 when not given) */
	struct sockaddr_storage remote, local;
	socklen_t remote_len, local_len;
	/* test protocol */
	int proto;               /* SK_PROTO_STAMP or SK_PROTO_TWAMP */
	int ts_fmt;              /* SK_TS_NTP or SK_TS_PTP */
	uint8_t key[256];        /* --auth: STAMP key (key_len 0: unauthenticated) */
	size_t key_len;
	/* --hmac-key: the HMAC TLV key of the unauthenticated mode (with --auth: key above) */
	uint8_t tlv_key[256];
	size_t tlv_key_len;
	uint16_t ssid;
	/* RFC 8972 §3: a reply with SSID 0 (an RFC 8762-only reflector, MBZ there) to a
	 * non-zero --ssid is accepted and counted unless strict */
	bool ssid_strict;
	int reflector_mode;      /* enum sk_reflector_mode; -1: by protocol */
	/* schedule */
	uint64_t count;
	double interval_ms;      /* > 0 */
	double timeout_s;        /* wait for late replies after the last send */
	/* IP */
	int tos;                 /* -1: system default */
	int ttl;
	long padding;            /* octets beyond the fixed part; -1 IMIX; -2 the mode's default */
	bool dont_fragment;
	/* TLVs (STAMP): in order, then Extra Padding, then HMAC when hmac_tlv (set by default
	 * in the authenticated mode when a TLV other than Extra Padding is sent, RFC 8972
	 * §4.8); every TLV is sent with U set (§4) */
	struct sk_tlvopt tlvs[SK_TLVOPT_MAX];
	unsigned ntlv;
	bool hmac_tlv;
	/* I/O */
	const char *hw_iface;    /* --hw-timestamps */
	const char *raw_iface;   /* --raw: AF_PACKET sending with headers built here */
	uint8_t raw_mac[6];
	uint32_t flow_label;
	const char *pcap_out;
	/* output */
	bool json;
	double report_interval;  /* --report-interval S; 0: the final report only */
	const char *metrics;     /* --metrics ADDR:PORT, or NULL */
};

/* Sends, collects the replies, prints the results on standard output (twampy's table, or
 * one JSON document). Returns the exit status: 0 after a run (whatever the loss), 1 when
 * the socket, the capture file or the wait fails. */
int sender_run(const struct sender_opts *o);

#endif
