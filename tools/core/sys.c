/* SPDX-License-Identifier: BSD-3-Clause */
/* sys.c - signals, clocks and socket addresses shared by the live commands. */
#include "sys.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t sk_stop_requested;
volatile sig_atomic_t sk_usr1_requested;

static void on_stop(int sig)
{
	(void)sig;
	sk_stop_requested = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	sk_usr1_requested = 1;
}

void sk_signals_install(unsigned which)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	if (which & SK_SIG_STOP) {
		sa.sa_handler = on_stop;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (which & SK_SIG_USR1) {
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
	}
	if (which & SK_SIG_IGNORE_PIPE) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

int64_t sk_now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t sk_now_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool sk_sockaddr_is_mapped(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 &&
	       IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

void sk_sockaddr_unpack(const struct sockaddr *sa, uint8_t *family, uint8_t addr[16],
			uint16_t *port)
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)sa;
		*family = 4;
		memcpy(addr, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)sa;
		*port = ntohs(s->sin6_port);
		if (sk_sockaddr_is_mapped(sa)) {
			*family = 4;
			memcpy(addr, s->sin6_addr.s6_addr + 12, 4);
		} else {
			*family = 6;
			memcpy(addr, s->sin6_addr.s6_addr, 16);
		}
	} else {
		*family = 0;
		*port = 0;
	}
}

void sk_sockaddr_pack(uint8_t family, const uint8_t *addr, uint16_t port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, addr, 4);
		s4->sin_port = htons(port);
		*len = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, 16);
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
	}
}

bool sk_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t fa, fb, aa[16], ab[16];
	uint16_t pa, pb;
	sk_sockaddr_unpack(a, &fa, aa, &pa);
	sk_sockaddr_unpack(b, &fb, ab, &pb);
	return fa && fa == fb && pa == pb && !memcmp(aa, ab, 16);
}

const char *sk_sockaddr_host(const struct sockaddr *sa, char *buf, size_t len)
{
	uint8_t fam, addr[16];
	uint16_t port;
	sk_sockaddr_unpack(sa, &fam, addr, &port);
	if (!fam || !inet_ntop(fam == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *sk_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];
	uint8_t fam, addr[16];
	uint16_t port;
	sk_sockaddr_unpack(sa, &fam, addr, &port);
	sk_sockaddr_host(sa, h, sizeof h);
	if (fam == 6)
		snprintf(buf, len, "[%s]:%u", h, port);
	else
		snprintf(buf, len, "%s:%u", h, port);
	return buf;
}
