/* SPDX-License-Identifier: BSD-3-Clause */
/* sys.h - the one home of what every live command needs from the system: a stop request
 * from SIGINT/SIGTERM (and SIGUSR1 for "print counters now"), clocks in nanoseconds, and
 * socket addresses to and from (family, address octets, port). */
#ifndef STAMPKIT_TOOLS_SYS_H
#define STAMPKIT_TOOLS_SYS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Set by the handlers sk_signals_install puts in place; the loops poll them. */
extern volatile sig_atomic_t sk_stop_requested; /* SIGINT or SIGTERM received */
extern volatile sig_atomic_t sk_usr1_requested; /* SIGUSR1 received (cleared by the reader) */

enum { SK_SIG_STOP = 1, SK_SIG_USR1 = 2, SK_SIG_IGNORE_PIPE = 4 };
/* Installs the handlers asked for (no SA_RESTART: a blocking call returns EINTR so the loop
 * sees the request at once). */
void sk_signals_install(unsigned which);

int64_t sk_now_real_ns(void); /* CLOCK_REALTIME */
int64_t sk_now_mono_ns(void); /* CLOCK_MONOTONIC */

/* family 4 or 6 (an IPv4-mapped IPv6 address unpacks as 4), addr 4 or 16 octets. */
void sk_sockaddr_unpack(const struct sockaddr *sa, uint8_t *family, uint8_t addr[16],
			uint16_t *port);
void sk_sockaddr_pack(uint8_t family, const uint8_t *addr, uint16_t port,
		      struct sockaddr_storage *ss, socklen_t *len);
/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
bool sk_sockaddr_is_mapped(const struct sockaddr *sa);
/* Address text "1.2.3.4:862" / "[2001:db8::1]:862" (IPv4-mapped shown as IPv4). */
const char *sk_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);
/* The address only ("1.2.3.4"). */
const char *sk_sockaddr_host(const struct sockaddr *sa, char *buf, size_t len);
/* Same address family, address and port (IPv4-mapped equal to plain IPv4). */
bool sk_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
