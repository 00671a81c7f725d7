/* SPDX-License-Identifier: BSD-3-Clause */
/* udp_echo.c - the anchor of the responder benchmark: the least a UDP reflector can do,
 * recvmmsg a batch and sendmmsg it back unchanged, no parsing, no timestamps.
 *   usage: udp_echo PORT   (IPv4 loopback; prints {"echoed": N} on SIGINT/SIGTERM) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SZ 2048

static volatile sig_atomic_t stop;

static void on_stop(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 4 << 20;
	/* The same buffers as stampkit's I/O layer asks for (forced past rmem_max when root). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a)) {
		perror("bind");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	static char bufs[BATCH][SZ];
	static struct sockaddr_in peers[BATCH];
	static struct iovec iov[BATCH];
	static struct mmsghdr m[BATCH];
	unsigned long long echoed = 0;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = SZ;
			memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
			m[i].msg_hdr.msg_name = &peers[i];
			m[i].msg_hdr.msg_namelen = sizeof peers[i];
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, 200);
			continue;
		}
		for (int i = 0; i < n; i++)
			iov[i].iov_len = m[i].msg_len;
		int done = 0;
		while (done < n) {
			int k = sendmmsg(fd, m + done, (unsigned)(n - done), 0);
			if (k <= 0)
				break;
			done += k;
		}
		echoed += (unsigned long long)done;
	}
	printf("{\"echoed\": %llu}\n", echoed);
	return 0;
}
