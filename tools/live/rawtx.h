/* SPDX-License-Identifier: BSD-3-Clause */
/* rawtx.h - one AF_PACKET sender for many UDP sources (replay --raw): IP/UDP headers built
 * per packet with each packet's own source, frames handed to the interface in batches
 * (PACKET_QDISC_BYPASS; through PACKET_TX_RING or sendmmsg). */
#ifndef STAMPKIT_TOOLS_RAWTX_H
#define STAMPKIT_TOOLS_RAWTX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ipudp.h"

struct sk_rawtx_pkt {
	const struct sockaddr *src, *dst; /* one family; the source need not be this host's */
	int tos;                          /* >= 0: this packet's TOS / Traffic Class */
	const uint8_t *buf;               /* the UDP payload */
	size_t len;
};

struct sk_rawtx;

/* AF_PACKET on iface, frames to mac (zeros suit lo); hdr: TTL, TOS, flow label, DF of every
 * packet. NULL with err (no such interface, no CAP_NET_RAW, out of memory). */
struct sk_rawtx *sk_rawtx_open(const char *iface, const uint8_t mac[6],
			       const struct sk_iphdr_opts *hdr, char *err, size_t errlen);
/* Sends p[0..n-1] in order (n at most 64), each built once: err[i] is 0 when p[i] left, or
 * why not (EMSGSIZE: longer than the interface's MTU; ENOBUFS, ENETDOWN: the kernel's), the
 * others still sent. */
void sk_rawtx_send(struct sk_rawtx *t, const struct sk_rawtx_pkt *p, unsigned n, int *err);
void sk_rawtx_close(struct sk_rawtx *t);

#endif
