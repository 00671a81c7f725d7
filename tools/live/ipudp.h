/* SPDX-License-Identifier: BSD-3-Clause */
/* ipudp.h - IPv4 (RFC 791 §3.1) / IPv6 (RFC 8200 §3) + UDP (RFC 768) headers built around a
 * payload, checksums included: for --pcap-out and the raw sending backend. */
#ifndef STAMPKIT_TOOLS_IPUDP_H
#define STAMPKIT_TOOLS_IPUDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sk_iphdr_opts {
	int ttl;             /* < 0: 64 */
	int tos;             /* TOS / Traffic Class, < 0: 0 */
	uint32_t flow_label; /* IPv6 only, 20 bits */
	uint16_t ipid;       /* IPv4 Identification */
	bool dont_fragment;  /* IPv4 DF */
};

/* Writes the packet into out; returns its length, 0 when it does not fit or the two
 * addresses are not of one family (IPv4-mapped IPv6 is written as IPv4). */
size_t sk_ipudp_build(uint8_t *out, size_t cap, const struct sockaddr *src,
		      const struct sockaddr *dst, const struct sk_iphdr_opts *o,
		      const uint8_t *payload, size_t len);

#endif
