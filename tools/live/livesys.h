/* SPDX-License-Identifier: BSD-3-Clause */
/* livesys.h - what every live loop needs from the system, in one place: the stop request of
 * SIGINT/SIGTERM (and SIGUSR1's "print your counters"), the two clocks as signed
 * nanoseconds, socket addresses built, taken apart, compared and printed, and the address
 * grammar of the command lines. sender, responder, replay, server and controller share it
 * instead of each keeping a copy. */
#ifndef STAMPKIT_TOOLS_LIVESYS_H
#define STAMPKIT_TOOLS_LIVESYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* Signals. SIGINT and SIGTERM set the stop request (the loops finish and report what they
 * have); with usr1, SIGUSR1 sets a request the loop takes with sk_usr1_take(). No
 * SA_RESTART: a blocking wait returns early so the loop sees the request at once. */
void sk_signals_install(bool usr1);
bool sk_stop_requested(void);
/* true once per SIGUSR1 received since the last call. */
bool sk_usr1_take(void);

/* Clocks as signed ns: CLOCK_REALTIME (Unix time, for timestamps on the wire) and
 * CLOCK_MONOTONIC (schedules and timeouts). */
int64_t sk_now_real_ns(void);
int64_t sk_now_mono_ns(void);
struct timespec sk_ns_timespec(int64_t ns);

/* Addresses. family is 4 or 6 (0: none) as in the codec's packet views. */
/* Builds a sockaddr_in / sockaddr_in6 from a family, 4 or 16 address octets and a port;
 * returns its length (0 for an unknown family, ss zeroed). */
socklen_t sk_sockaddr_pack(struct sockaddr_storage *ss, uint8_t family, const uint8_t *addr,
			   uint16_t port);
/* family 4/6 and the address octets (IPv4-mapped IPv6 unwrapped to 4), port. */
void sk_sockaddr_unpack(const struct sockaddr *sa, uint8_t *family, uint8_t addr[16],
			uint16_t *port);
void sk_sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port);
bool sk_sockaddr_is_mapped(const struct sockaddr *sa);
/* Same address family, address and port (IPv4-mapped equal to plain IPv4). */
bool sk_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* Address text "1.2.3.4:862" / "[2001:db8::1]:862" (IPv4-mapped shown as IPv4). */
const char *sk_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);
/* The address only ("1.2.3.4"). */
const char *sk_sockaddr_host(const struct sockaddr *sa, char *buf, size_t len);

/* The address grammar of the live commands: "", "ip", "ip:port", ":port", "[v6]:port",
 * "[v6]", bare IPv6, host names. passive: an empty host means the wildcard (dual stack
 * when family is 0). family: 0 any, 4 or 6 to prefer. 0 on success, -1 with err. */
int sk_addr_parse(const char *s, uint16_t defport, int family, bool passive,
		  struct sockaddr_storage *out, socklen_t *outlen, char *err, size_t errlen);

#endif
