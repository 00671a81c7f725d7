/* SPDX-License-Identifier: BSD-3-Clause */
/* capture.h - reading pcap and pcapng files (or stdin) with nanosecond times: classic pcap
 * files from a memory mapping, everything else through libpcap. */
#ifndef STAMPKIT_TOOLS_CAPTURE_H
#define STAMPKIT_TOOLS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_capture;

struct sk_frame {
	uint64_t index;       /* 1-based frame number */
	int64_t ts_ns;        /* capture time, Unix ns */
	const uint8_t *data;  /* valid until the next sk_capture_next */
	uint32_t caplen;      /* octets captured */
	uint32_t wirelen;     /* octets on the wire */
};

/* Opens path ("-" for stdin). Returns NULL with a message in errbuf on failure. */
struct sk_capture *sk_capture_open(const char *path, char *errbuf, size_t errlen);
/* SK_CAPTURE_AUTO (what sk_capture_open does): a classic pcap file is mapped and its records
 * read in place, with libpcap's checks and messages; SK_CAPTURE_LIBPCAP: every record through
 * libpcap (the tests compare the two). */
enum { SK_CAPTURE_AUTO = 0, SK_CAPTURE_LIBPCAP = 1 };
struct sk_capture *sk_capture_open_mode(const char *path, int mode, char *errbuf, size_t errlen);
/* Whether the records come from a memory mapping. */
bool sk_capture_mapped(const struct sk_capture *cap);
void sk_capture_close(struct sk_capture *cap);
int sk_capture_linktype(const struct sk_capture *cap);

/* 1: a frame in *f; 0: end of input; -1: the file is damaged (truncated record or bad
 * header): frames read so far stay valid, sk_capture_error says why. */
int sk_capture_next(struct sk_capture *cap, struct sk_frame *f);
/* Non-NULL once reading stopped because the input was damaged. */
const char *sk_capture_error(const struct sk_capture *cap);
/* Octets of the file read so far and its size; -1 each when not known (a pipe). */
void sk_capture_progress(const struct sk_capture *cap, long long *pos, long long *size);

#endif
