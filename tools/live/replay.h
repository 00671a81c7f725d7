/* SPDX-License-Identifier: BSD-3-Clause */
/* replay.h - `stampkit replay` apart from option parsing: struct replay_opts, filled by
 * cmd/cmd_replay.c, and replay_run(), which loads the capture, sends, listens and reports. */
#ifndef STAMPKIT_TOOLS_REPLAY_H
#define STAMPKIT_TOOLS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_load.h"

struct replay_opts {
	const char *file;                  /* the capture (pcap, pcapng) */
	const char *to;                    /* HOST[:PORT], port 862 unless given */
	uint16_t ports[SK_REPLAY_MAX_PORTS]; /* test/control ports of the capture besides 862 */
	int nports;
	uint32_t *want;                    /* --session N, each given (none: every session) */
	size_t nwant, capwant;
	bool all;                          /* every UDP datagram, as recorded */
	bool topspeed, renumber, no_restamp;
	double multiplier;                 /* recorded gaps divided by this (1: as recorded) */
	double pps;                        /* > 0: packets per second instead of the gaps */
	long loops;                        /* 0: until --duration, --limit or SIGINT */
	double duration;                   /* > 0: stop sending after this many seconds */
	long limit;                        /* > 0: at most this many packets */
	double timeout;                    /* seconds to wait for replies after the last send */
	const char *pcap_out;              /* every packet sent and received, or NULL */
	const char *iface, *src;           /* raw backend: AF_PACKET on iface, source address */
	uint8_t dst_mac[6];
	int tos;                           /* -1: each packet's recorded TOS */
	int ttl;                           /* -1: the system's */
	bool dont_fragment;
	const uint8_t *key;                /* STAMP HMAC key (--auth), or NULL */
	size_t key_len;
	bool json;
};

/* Returns the exit status: 0 done, 1 unreadable/nothing to send/every send failed,
 * 2 a configuration error found on the way (--to, --src, --session), 3 damaged or left out. */
int replay_run(const struct replay_opts *o);

#endif
