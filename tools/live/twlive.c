/* SPDX-License-Identifier: BSD-3-Clause */
/* twlive.c - what the TWAMP server and control clients share on a live connection
 * (RFC 4656 §3, RFC 5357 §3-4). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>

#include "stampkit/testpkt.h"
#include "stampkit/twamp_control.h"
#include "twlive.h"

void sk_tw_random(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t k = getrandom(buf, n, 0);
		if (k <= 0)
			continue;
		buf += k;
		n -= (size_t)k;
	}
}

/* Control messages are small: a short blocking wait is fine when the socket buffer is
 * momentarily full. */
int sk_tw_flush(int fd, struct sk_twsm *sm)
{
	size_t len;
	const uint8_t *p;
	while ((p = sk_twsm_output(sm, &len)) && len) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };
				if (poll(&pf, 1, 1000) <= 0)
					return -1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		sk_twsm_output_consume(sm, (size_t)k);
	}
	return 0;
}

const char *sk_tw_accept_name(uint8_t a)
{
	for (const struct sk_vs *v = sk_twamp_accept_names; v->name; v++)
		if (v->value == a)
			return v->name;
	return "unknown";
}

const char *sk_tw_mode_name(uint32_t m)
{
	switch (m) {
	case SK_TWMODE_UNAUTH: return "unauthenticated";
	case SK_TWMODE_AUTH: return "authenticated";
	case SK_TWMODE_ENCRYPT: return "encrypted";
	case SK_TWMODE_MIXED: return "mixed";
	default: return "?";
	}
}

uint8_t sk_tw_tf_of(uint32_t mode)
{
	return (uint8_t)(((mode & SK_TWMODE_REFLECT_OCTETS) ? SK_TF_REFLECT_OCTETS : 0) |
			 ((mode & SK_TWMODE_SYMMETRICAL) ? SK_TF_SYMMETRICAL : 0) |
			 ((mode & SK_TWMODE_DSCP_ECN) ? SK_TF_DSCP_ECN : 0));
}

int sk_tw_parse_features(const char *list, uint32_t *mode)
{
	static const struct { const char *name; uint32_t bit; } f[] = {
		{ "reflect-octets", SK_TWMODE_REFLECT_OCTETS },
		{ "symmetrical", SK_TWMODE_SYMMETRICAL },
		{ "dscp-ecn", SK_TWMODE_DSCP_ECN },
	};
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		bool found = false;
		for (size_t i = 0; i < sizeof f / sizeof f[0] && !found; i++)
			if (n == strlen(f[i].name) && !memcmp(p, f[i].name, n)) {
				*mode |= f[i].bit;
				found = true;
			}
		if (!found)
			return -1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

bool sk_tw_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int sk_tw_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
