/* SPDX-License-Identifier: BSD-3-Clause */
/* twamp_connect.c - the connection benchmark of `stampkit server` (RFC 4656 §3.1, RFC 5357 §3.1):
 * as a client, N TWAMP-Control setups (greeting, Set-Up-Response, Server-Start, close) one
 * after the other through the codec's client state machine; as the anchor, a plain TCP server
 * that writes 64 octets and closes (`--anchor`), and the matching plain client (`--plain`).
 *   usage: bench_twamp_connect PORT N [KEYID SECRET]   TWAMP client (authenticated with a key)
 *          bench_twamp_connect --plain PORT N          connect, read 64 octets, close
 *          bench_twamp_connect --anchor PORT           accept, write 64 octets, close
 * The clients print {"connections":N,"per_second":R}. IPv4 loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stampkit/twamp_sm.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void rnd(void *ctx, uint8_t *b, size_t n)
{
	uint32_t *s = ctx;
	for (size_t i = 0; i < n; i++) {
		*s = *s * 1103515245u + 12345u;
		b[i] = (uint8_t)(*s >> 16);
	}
}

static int got;
static void on_event(void *ctx, const struct sk_twsm_event *ev)
{
	(void)ctx;
	if (ev->kind == SK_TWSM_EV_MESSAGE)
		got = 1;
}

static int connect_lo(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		perror("connect");
		exit(1);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* Read until the machine has one whole message. */
static int await(int fd, struct sk_twsm *sm)
{
	got = 0;
	while (!got) {
		uint8_t b[256];
		ssize_t k = recv(fd, b, sizeof b, 0);
		if (k <= 0 || sk_twsm_feed(sm, SK_TWSM_S2C, b, (size_t)k) != SK_OK)
			return -1;
	}
	return 0;
}

static int flush(int fd, struct sk_twsm *sm)
{
	size_t len;
	const uint8_t *p = sk_twsm_output(sm, &len);
	if (len && send(fd, p, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	sk_twsm_output_consume(sm, len);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--anchor")) {
		struct sockaddr_in a;
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)strtol(argv[2], NULL, 10));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 128)) {
			perror("anchor");
			return 1;
		}
		static const uint8_t g[64];
		for (;;) {
			int fd = accept(l, NULL, NULL);
			if (fd < 0)
				continue;
			(void)!send(fd, g, sizeof g, MSG_NOSIGNAL);
			close(fd);
		}
	}
	if (argc == 4 && !strcmp(argv[1], "--plain")) {
		int port = (int)strtol(argv[2], NULL, 10);
		long n = strtol(argv[3], NULL, 10);
		double t0 = now();
		for (long i = 0; i < n; i++) {
			int fd = connect_lo(port);
			uint8_t b[64];
			size_t have = 0;
			while (have < 64) {
				ssize_t k = recv(fd, b + have, 64 - have, 0);
				if (k <= 0)
					break;
				have += (size_t)k;
			}
			close(fd);
		}
		printf("{\"connections\":%ld,\"per_second\":%.0f}\n", n, (double)n / (now() - t0));
		return 0;
	}
	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: bench_twamp_connect PORT N [KEYID SECRET] | --plain PORT N | --anchor PORT\n");
		return 2;
	}
	int port = (int)strtol(argv[1], NULL, 10);
	long n = strtol(argv[2], NULL, 10);
	const char *keyid = argc == 5 ? argv[3] : NULL, *secret = argc == 5 ? argv[4] : NULL;
	uint32_t seed = 1;
	static struct sk_twsm sm;
	double t0 = now();
	for (long i = 0; i < n; i++) {
		int fd = connect_lo(port);
		struct sk_twsm_config cfg = { .role = SK_TWSM_CLIENT, .random = rnd, .random_ctx = &seed,
					      .on_event = on_event };
		if (sk_twsm_init(&sm, &cfg) != SK_OK || await(fd, &sm) ||
		    sk_twsm_client_setup(&sm, keyid ? SK_TWMODE_AUTH : SK_TWMODE_UNAUTH, keyid, secret,
					 secret ? strlen(secret) : 0) != SK_OK ||
		    flush(fd, &sm) || await(fd, &sm) || sm.state != SK_TWSM_WAIT_COMMAND) {
			fprintf(stderr, "setup %ld failed\n", i);
			return 1;
		}
		close(fd);
	}
	printf("{\"connections\":%ld,\"per_second\":%.0f}\n", n, (double)n / (now() - t0));
	return 0;
}
