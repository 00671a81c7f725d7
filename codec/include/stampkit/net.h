/* SPDX-License-Identifier: BSD-3-Clause */
/* net.h - dissection of captured frames down to the UDP/TCP payload (no I/O).
 * Link layers: Ethernet (IEEE 802.1Q/802.1ad tags), Linux cooked SLL/SLL2, raw IP, BSD
 * NULL/LOOP; RFC 791 IPv4 (options, fragments flagged), RFC 8200 IPv6 (extension headers
 * skipped), RFC 768 UDP, RFC 9293 TCP. */
#ifndef STAMPKIT_NET_H
#define STAMPKIT_NET_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Link types (pcap LINKTYPE_* / DLT_* values as they appear in capture files). */
#define SK_LINK_NULL 0
#define SK_LINK_ETHERNET 1
#define SK_LINK_RAW_DLT 12      /* DLT_RAW on most systems */
#define SK_LINK_RAW_DLT14 14    /* DLT_RAW on OpenBSD */
#define SK_LINK_RAW 101         /* LINKTYPE_RAW */
#define SK_LINK_LOOP 108
#define SK_LINK_SLL 113
#define SK_LINK_IPV4 228
#define SK_LINK_IPV6 229
#define SK_LINK_SLL2 276

/* Which part of the frame the capture cut off (bit set). */
#define SK_NET_TRUNC_HDR 0x01     /* a header (link, IP, UDP/TCP) is incomplete */
#define SK_NET_TRUNC_PAYLOAD 0x02 /* headers complete, payload shorter than IP/UDP say */

#define SK_NET_MAX_VLAN 4

struct sk_pkt {
	uint8_t ipver;        /* 4 or 6; 0 when no IP header was reached */
	uint8_t proto;        /* IP protocol of the transport (17 UDP, 6 TCP, ...) */
	uint8_t src[16];      /* IPv4 in the first 4 octets */
	uint8_t dst[16];
	uint8_t ttl;          /* TTL or Hop Limit */
	uint8_t tos;          /* TOS or Traffic Class (DSCP << 2 | ECN) */
	uint32_t flow_label;  /* IPv6 only */
	uint16_t ethertype;   /* of the IP packet, after any VLAN tags */
	uint8_t nvlan;        /* VLAN tags seen (outer first) */
	uint16_t vlan[SK_NET_MAX_VLAN]; /* VLAN IDs (12 bits) */
	uint8_t fragment;     /* 1: IP fragment (IPv4 MF/offset or IPv6 Fragment header) */
	uint16_t frag_off;    /* fragment offset in octets */
	uint8_t l4;           /* 1: the UDP/TCP header below was decoded */
	uint16_t sport, dport;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;    /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	uint16_t udp_len;     /* UDP Length field */
	const uint8_t *payload; /* transport payload present in the capture (NULL if none) */
	size_t payload_len;     /* octets present */
	size_t payload_wire_len;/* octets the headers say the payload has */
	size_t l3_off, l4_off, payload_off; /* offsets inside the frame */
	unsigned trunc;       /* SK_NET_TRUNC_* */
};

#define SK_TCP_FIN 0x01
#define SK_TCP_SYN 0x02
#define SK_TCP_RST 0x04
#define SK_TCP_PSH 0x08
#define SK_TCP_ACK 0x10

/* 1 if the link type is one sk_net_dissect understands. */
int sk_net_linktype_supported(int linktype);
/* Short name of a link type ("ethernet", "sll2", ...), never NULL. */
const char *sk_net_linktype_name(int linktype);

/* Dissect one frame of the given link type. Returns SK_OK when the transport header was
 * reached and decoded (the payload may still be short: SK_NET_TRUNC_PAYLOAD), SK_E_TRUNCATED
 * when a header is cut off, SK_E_INVALID for inconsistent headers, SK_E_UNSUPPORTED for
 * frames that carry no IP or an unsupported link type; for IP fragments that are not the
 * first one, SK_OK with l4 = 0. out is filled as far as dissection got. */
enum sk_result sk_net_dissect(int linktype, const uint8_t *frame, size_t caplen,
			      struct sk_pkt *out, struct sk_error *err);

/* Formats an address of pkt (IPv4 dotted or RFC 5952 IPv6) into buf. */
const char *sk_net_addr_str(int ipver, const uint8_t addr[16], char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
