/* SPDX-License-Identifier: BSD-3-Clause */
/* livesys.c - signals, clocks and socket addresses of the live commands (RFC 4291 §2.5.5.2
 * IPv4-mapped addresses are shown and compared as IPv4). */
#include "livesys.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "liveopt.h"

static volatile sig_atomic_t stop_flag, usr1_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_flag = 1;
}

void sk_signals_install(bool usr1)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (usr1) {
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
	}
}

bool sk_stop_requested(void)
{
	return stop_flag != 0;
}

bool sk_usr1_take(void)
{
	if (!usr1_flag)
		return false;
	usr1_flag = 0;
	return true;
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

struct timespec sk_ns_timespec(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };
	return ts;
}

socklen_t sk_sockaddr_pack(struct sockaddr_storage *ss, uint8_t family, const uint8_t *addr,
			   uint16_t port)
{
	memset(ss, 0, sizeof *ss);
	if (family == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, addr, 4);
		a->sin_port = htons(port);
		return sizeof *a;
	}
	if (family == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, addr, 16);
		a->sin6_port = htons(port);
		return sizeof *a;
	}
	return 0;
}

void sk_sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
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

int sk_addr_parse(const char *s, uint16_t defport, int family, bool passive,
		  struct sockaddr_storage *out, socklen_t *outlen, char *err, size_t errlen)
{
	char host[256] = "";
	uint16_t port = defport;
	const char *portstr = NULL;
	int want6 = family == 6;
	if (!s)
		s = "";
	size_t sl = strlen(s);
	if (sl >= sizeof host) {
		snprintf(err, errlen, "address too long");
		return -1;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, errlen, "'%s': expected [IPv6] or [IPv6]:port", s);
			return -1;
		}
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		if (close[1] == ':')
			portstr = close + 2;
		want6 = 1;
	} else {
		const char *c1 = strchr(s, ':');
		if (c1 && strchr(c1 + 1, ':')) {
			memcpy(host, s, sl + 1); /* bare IPv6: no port without brackets */
			want6 = 1;
		} else if (c1) {
			memcpy(host, s, (size_t)(c1 - s));
			host[c1 - s] = 0;
			portstr = c1 + 1;
		} else {
			memcpy(host, s, sl + 1);
		}
	}
	if (portstr && sk_parse_port(portstr, 1, &port)) {
		snprintf(err, errlen, "'%s': bad port '%s' (0..65535)", s, portstr);
		return -1;
	}
	memset(out, 0, sizeof *out);
	if (!host[0]) {
		if (!passive) {
			snprintf(err, errlen, "'%s': an address is needed", s);
			return -1;
		}
		if (family == 4) {
			struct sockaddr_in *a = (struct sockaddr_in *)out;
			a->sin_family = AF_INET;
			a->sin_addr.s_addr = htonl(INADDR_ANY);
			a->sin_port = htons(port);
			*outlen = sizeof *a;
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
			a->sin6_family = AF_INET6;
			a->sin6_addr = in6addr_any;
			a->sin6_port = htons(port);
			*outlen = sizeof *a;
		}
		return 0;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = want6 ? AF_INET6 : family == 4 ? AF_INET : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc || !res) {
		snprintf(err, errlen, "'%s': %s", host, rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	/* Prefer IPv4 for names that have both, as twampy's IPv4 path did. */
	struct addrinfo *pick = res;
	for (struct addrinfo *ai = res; ai && !want6 && family != 6; ai = ai->ai_next)
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
	memcpy(out, pick->ai_addr, pick->ai_addrlen);
	*outlen = pick->ai_addrlen;
	sk_sockaddr_set_port(out, port);
	freeaddrinfo(res);
	return 0;
}
