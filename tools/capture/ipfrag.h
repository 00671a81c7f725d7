/* SPDX-License-Identifier: BSD-3-Clause */
/* ipfrag.h - bounded IPv4 fragment reassembly (RFC 791 §3.2, RFC 815 hole tracking) for the
 * capture tools: a fixed number of datagrams in progress, each at most 65535 octets. */
#ifndef STAMPKIT_TOOLS_IPFRAG_H
#define STAMPKIT_TOOLS_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "stampkit/net.h"

struct sk_ipfrag;

struct sk_ipfrag_stats {
	uint64_t fragments;    /* IPv4 fragments fed */
	uint64_t reassembled;  /* datagrams completed */
	uint64_t incomplete;   /* datagrams given up: timed out, evicted, or still open at the end */
	uint64_t bad;          /* fragments not usable: cut by the snaplen, overlapping
				  inconsistently, beyond 65535 octets */
};

/* max_open datagrams in progress at once (memory: about 66 KiB each, allocated here);
 * timeout_ns of capture time after its first fragment a datagram is given up. NULL when
 * memory cannot be had. */
struct sk_ipfrag *sk_ipfrag_create(unsigned max_open, int64_t timeout_ns);
void sk_ipfrag_destroy(struct sk_ipfrag *r);

/* Feeds one IPv4 fragment (p dissected from frame: p->ipver == 4, p->fragment) captured at
 * ts_ns. Returns 1 when it completed its datagram: *out is then a whole IPv4 packet (the
 * first fragment's header, fragment fields cleared, total length set) of *outlen octets,
 * valid until the next call, to be dissected as SK_LINK_IPV4. 0: held (or dropped). */
int sk_ipfrag_add(struct sk_ipfrag *r, const struct sk_pkt *p, const uint8_t *frame,
		  size_t caplen, int64_t ts_ns, const uint8_t **out, size_t *outlen);
/* Counts datagrams still open as incomplete. */
void sk_ipfrag_finish(struct sk_ipfrag *r);
void sk_ipfrag_stats(const struct sk_ipfrag *r, struct sk_ipfrag_stats *out);

#endif
