/* SPDX-License-Identifier: BSD-3-Clause */
/* udpio.h - the live tools' small I/O layer: an ops table (open, send_batch, recv_batch,
 * tx_timestamp, close) with a UDP backend batching through sendmmsg/recvmmsg, kernel
 * receive timestamps (SO_TIMESTAMPING), received TTL/hop limit and TOS/Traffic Class. */
#ifndef STAMPKIT_TOOLS_UDPIO_H
#define STAMPKIT_TOOLS_UDPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "ipudp.h"
#include "sys.h"

#define SK_IO_BATCH 64

/* One datagram in a batch. For receiving, buf/cap are the caller's; everything else is
 * filled. For sending, buf/len/peer are read, set_tos (>= 0) overrides the socket's TOS for
 * this datagram, and local (family != 0) chooses the source address. */
struct sk_io_msg {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool truncated;            /* the datagram was longer than cap */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct sockaddr_storage local; /* destination address of a received datagram (port 0) */
	int64_t rx_ns;             /* kernel receive time (Unix ns), 0 if none */
	bool rx_hw;                /* rx_ns is the NIC's hardware timestamp */
	int ttl;                   /* received TTL / hop limit, -1 unknown */
	int tos;                   /* received TOS / Traffic Class, -1 unknown */
	int set_tos;               /* sending: per-datagram TOS, -1 = socket default */
	uint8_t peer_mac[6];       /* layer-2 backend: the peer's and our link-layer address */
	uint8_t local_mac[6];
};

struct sk_io_opts {
	int tos;            /* TOS / Traffic Class of sent packets; -1 leaves the default */
	int ttl;            /* TTL / unicast hop limit; -1 leaves the default */
	bool dont_fragment; /* IPv4 DF (IP_PMTUDISC_DO); false clears it (IP_PMTUDISC_DONT) */
	bool rx_timestamps; /* ask for SO_TIMESTAMPING software receive timestamps */
	bool tx_timestamps; /* software transmit timestamps (error queue) from the start; they
			     * can also be switched on later with enable_tx_timestamps */
	bool dual_stack;    /* an IPv6 wildcard socket also takes IPv4 (IPV6_V6ONLY 0) */
	int bufsize;        /* SO_RCVBUF/SO_SNDBUF wanted, 0 = default */
	const char *hw_iface; /* hardware receive timestamps from this interface's NIC */
	/* Raw backend (sk_io_raw): send on this interface through AF_PACKET with IP/UDP
	 * headers built here; the UDP socket bound to LOCAL still receives the replies. */
	const char *raw_iface;
	uint8_t raw_mac[6];   /* destination link-layer address (zeros suit lo) */
	uint32_t flow_label;  /* IPv6 Flow Label of raw packets */
	bool freebind;        /* LOCAL may be an address this host does not have */
};

struct sk_io;

struct sk_io_ops {
	const char *name;
	int (*open)(struct sk_io *io, const struct sockaddr *local, socklen_t len,
		    const struct sk_io_opts *o, char *err, size_t errlen);
	/* Returns the number of datagrams sent (a prefix of m), or -1 with errno. */
	int (*send_batch)(struct sk_io *io, struct sk_io_msg *m, unsigned n);
	/* Non-blocking: datagrams received now (0 if none), or -1 with errno. */
	int (*recv_batch)(struct sk_io *io, struct sk_io_msg *m, unsigned n);
	/* One transmit timestamp from the error queue: 1 and *id (the socket's datagram
	 * counter, from 0) and *ns; 0 when none is queued. */
	int (*tx_timestamp)(struct sk_io *io, uint32_t *id, int64_t *ns);
	/* Switch transmit timestamps on (they cost a system call per datagram, so only when
	 * needed); the datagram counter restarts at 0. 0 ok, -1 not possible. */
	int (*enable_tx_timestamps)(struct sk_io *io);
	void (*close)(struct sk_io *io);
};

struct sk_io {
	const struct sk_io_ops *ops;
	int fd;
	int family;                    /* AF_INET or AF_INET6 of the socket */
	struct sockaddr_storage bound; /* actual local address and port after bind */
	socklen_t boundlen;
	bool rx_ts, tx_ts;             /* timestamping granted by the kernel */
	bool rx_hw;                    /* hardware receive timestamps enabled */
	bool wildcard;                 /* bound to the any address: replies need IP_PKTINFO */
	uint32_t tx_next_id;           /* counter of datagrams sent (SOF_TIMESTAMPING_OPT_ID) */
	bool rx_ts_wanted;
	/* raw backend */
	int raw_fd;
	int ifindex;
	uint8_t raw_mac[6];
	struct sk_iphdr_opts raw_hdr;
	uint8_t *raw_buf;
};

extern const struct sk_io_ops sk_io_udp;
extern const struct sk_io_ops sk_io_raw;
/* Layer 2 (responder --raw): AF_PACKET on one interface, UDP datagrams to LOCAL picked out
 * of the frames (the interface needs no IP address), replies built as whole frames. */
extern const struct sk_io_ops sk_io_l2;

/* Wait until the socket is readable or the absolute CLOCK_MONOTONIC deadline passes
 * (NULL = forever); a signal ends the wait early. 1 readable, 0 timeout/signal, -1 error. */
int sk_io_wait(struct sk_io *io, const struct timespec *deadline);

/* Clocks and socket addresses: core/sys.h. */

/* The address grammar of the live tools: "", "ip", "ip:port", ":port", "[v6]:port",
 * "[v6]", bare IPv6, host names. want_wild: an empty host means the wildcard (dual stack
 * when family is 0). family: 0 any, 4 or 6 to prefer. A destination (!passive) with port 0
 * or the unspecified address is refused. 0 on success, -1 with err. */
int sk_addr_parse(const char *s, uint16_t defport, int family, bool passive,
		  struct sockaddr_storage *out, socklen_t *outlen, char *err, size_t errlen);

/* Clock state for the Error Estimate (ntp_adjtime): packed estimate for the format and
 * whether the clock is synchronised. Cheap enough to call once a second. */
uint16_t sk_clock_errest(int ts_fmt, bool *synced);

#endif
