/* SPDX-License-Identifier: BSD-3-Clause */
/* pcapout.h - the live tools' --pcap-out: every test packet sent and received, with the time
 * the tool took for it, as a nanosecond pcap of raw IP packets (RFC 791/8200 + RFC 768 headers
 * rebuilt from what the socket saw), for `stampkit decode` and `stampkit analyze`. */
#ifndef STAMPKIT_TOOLS_PCAPOUT_H
#define STAMPKIT_TOOLS_PCAPOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sk_pcapout;

/* NULL with a message in err when the file cannot be written. Written under a temporary
 * name in path's folder until sk_pcapout_close (core/outfile.h). */
struct sk_pcapout *sk_pcapout_open(const char *path, char *err, size_t errlen);
/* One UDP datagram from src to dst (IPv4 or IPv6, mapped IPv4 written as IPv4) at ns. */
void sk_pcapout_write(struct sk_pcapout *o, int64_t ns, const struct sockaddr *src,
		      const struct sockaddr *dst, int ttl, int tos, const uint8_t *payload,
		      size_t len);
/* The run ended (also by SIGINT/SIGTERM: a normal end): the file takes its name. 0, or -1
 * with a message in err (the file could not be completed; path is left as it was). */
int sk_pcapout_finish(struct sk_pcapout *o, char *err, size_t errlen);
/* sk_pcapout_finish with a failure said on standard error ("stampkit CMD: --pcap-out: ..."). */
void sk_pcapout_close(struct sk_pcapout *o);
/* The run failed: the temporary file goes, path is left as it was. */
void sk_pcapout_discard(struct sk_pcapout *o);

/* The source address the kernel would use towards remote (a connected probe socket). */
int sk_source_for(const struct sockaddr *remote, socklen_t rlen, uint16_t port,
		  struct sockaddr_storage *out);

#endif
