/* SPDX-License-Identifier: BSD-3-Clause */
/* replay_load.h - what `stampkit replay` sends: the Session-Sender packets of a capture (or
 * every UDP datagram), found as analyze finds them, kept in capture order with their session,
 * and what was left out, each reason counted. */
#ifndef STAMPKIT_TOOLS_REPLAY_LOAD_H
#define STAMPKIT_TOOLS_REPLAY_LOAD_H

#include <stddef.h>
#include <stdint.h>

#define SK_REPLAY_MAX_PORTS 16

/* One packet to replay; its octets are at buf + off. */
struct sk_replay_pkt {
	int64_t ts_ns;        /* capture time */
	size_t off;
	uint32_t len;
	uint32_t sess;        /* index into sk_replay_load.sess */
	uint8_t restamp;      /* a clear-text Session-Sender packet: re-stamped when sent */
	uint8_t proto, sec, features;
	uint8_t tos;          /* recorded TOS / Traffic Class, sent again unless --tos/--dscp */
	uint16_t reflect_len;
};

/* A recorded session (analyze's key: addresses, ports, SSID). */
struct sk_replay_sess {
	uint8_t ipver, src[16], dst[16];
	uint16_t sport, dport, ssid;
	uint64_t packets;     /* in the selection */
};

struct sk_replay_load {
	struct sk_replay_pkt *pkts;
	size_t npkts, capp;
	uint8_t *buf;
	size_t buflen, bufcap;
	/* The sessions, in the order of their first packet, as many as the capture has; found
	 * again through an open-addressing hash of indexes + 1 (0: empty). */
	struct sk_replay_sess *sess;
	uint32_t nsess, capsess;
	uint32_t *htab;
	size_t hcap;
	/* left out, each named */
	uint64_t frames, test_packets, cut, fragments, protected_, malformed, reflector;
	uint64_t first_cut, first_malformed;
};

/* Reads path: every UDP datagram (all) or the Session-Sender packets, test packets looked for
 * on UDP 862, the ports given and those TWAMP-Control negotiates. Returns 0, 1 (cannot read:
 * message printed), 3 (damaged: the frames before the damage kept, warning printed). */
int sk_replay_load(struct sk_replay_load *l, const char *path, const uint16_t *ports,
		   int nports, int all);
/* Names on standard error every kind of packet left out; 3 when some were, else 0. */
int sk_replay_left_out(const struct sk_replay_load *l, const char *path, int all);
/* Keeps the packets of the sessions wanted (numbers from 1, nwant of them; all when nwant is
 * 0) and counts each session's. Returns the number kept, -1 after saying on standard error
 * that a session wanted is not in the capture, -2 out of memory (said). */
long sk_replay_select(struct sk_replay_load *l, const uint32_t *want, size_t nwant,
		      const char *path);
void sk_replay_load_free(struct sk_replay_load *l);

#endif
