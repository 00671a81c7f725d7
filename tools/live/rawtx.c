/* SPDX-License-Identifier: BSD-3-Clause */
/* rawtx.c - replay's raw sending: one AF_PACKET (SOCK_DGRAM) socket for every session, each
 * packet's IPv4/IPv6 + UDP headers written here with its session's source, the queueing
 * discipline bypassed (PACKET_QDISC_BYPASS: frames straight to the driver) and a batch handed
 * over with one sendmmsg. A PACKET_TX_RING (frames written into memory shared with the
 * kernel, flushed with one send) measured slower on a veth pair, where every frame is copied
 * into the other namespace anyway: docs/replay.md, Benchmark. */
#include "rawtx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RT_BATCH 64
#define RT_MAX 65536

struct sk_rawtx {
	int fd;
	int ifindex;
	unsigned mtu;
	struct sockaddr_ll ll;       /* the destination of every frame */
	struct sk_iphdr_opts hdr;
	uint16_t ipid;
	uint8_t *buf;                /* a batch of packets, an MTU each */
	struct mmsghdr mh[RT_BATCH];
	struct iovec iov[RT_BATCH];
};

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof v);
}

struct sk_rawtx *sk_rawtx_open(const char *iface, const uint8_t mac[6],
			       const struct sk_iphdr_opts *hdr, char *err, size_t errlen)
{
	struct sk_rawtx *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->hdr = *hdr;
	t->ifindex = (int)if_nametoindex(iface);
	t->fd = -1;
	if (!t->ifindex) {
		snprintf(err, errlen, "--raw %s: %s", iface, strerror(errno));
		goto fail;
	}
	t->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		snprintf(err, errlen, "--raw: AF_PACKET socket: %s (root or CAP_NET_RAW needed)",
			 strerror(errno));
		goto fail;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
	t->mtu = ioctl(t->fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0 ? (unsigned)ifr.ifr_mtu
									 : RT_MAX;
	if (t->mtu > RT_MAX)
		t->mtu = RT_MAX;
	/* Not on kernels without it: the qdisc is then passed as with any packet socket. */
	(void)setint(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
	t->ll.sll_family = AF_PACKET;
	t->ll.sll_ifindex = t->ifindex;
	t->ll.sll_halen = 6;
	memcpy(t->ll.sll_addr, mac, 6);
	t->buf = malloc((size_t)RT_BATCH * t->mtu);
	if (!t->buf) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return t;
fail:
	sk_rawtx_close(t);
	return NULL;
}

static size_t build(struct sk_rawtx *t, const struct sk_rawtx_pkt *p, uint8_t *out, size_t cap)
{
	struct sk_iphdr_opts h = t->hdr;
	if (p->tos >= 0)
		h.tos = p->tos;
	h.ipid = t->ipid++;
	return sk_ipudp_build(out, cap, p->src, p->dst, &h, p->buf, p->len);
}

/* IPv6 on the wire (an IPv4-mapped address is written as IPv4). */
static int is6(const struct sockaddr *a)
{
	return a->sa_family == AF_INET6 &&
	       !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr);
}

/* Longer than the MTU: refused here as the kernel refuses it on a socket. */
static int too_long(const struct sk_rawtx *t, const struct sk_rawtx_pkt *p)
{
	return p->len + (is6(p->dst) ? 48 : 28) > t->mtu;
}

void sk_rawtx_send(struct sk_rawtx *t, const struct sk_rawtx_pkt *p, unsigned n, int *err)
{
	unsigned k = 0, idx[RT_BATCH];
	for (unsigned i = 0; i < n && i < RT_BATCH; i++) {
		uint8_t *b = t->buf + (size_t)k * t->mtu;
		size_t l = too_long(t, &p[i]) ? 0 : build(t, &p[i], b, t->mtu);
		err[i] = l ? 0 : too_long(t, &p[i]) ? EMSGSIZE : EINVAL;
		if (!l)
			continue;
		t->iov[k] = (struct iovec){ .iov_base = b, .iov_len = l };
		memset(&t->mh[k], 0, sizeof t->mh[k]);
		t->mh[k].msg_hdr.msg_name = &t->ll;
		t->mh[k].msg_hdr.msg_namelen = sizeof t->ll;
		t->mh[k].msg_hdr.msg_iov = &t->iov[k];
		t->mh[k].msg_hdr.msg_iovlen = 1;
		idx[k++] = i;
	}
	if (!k)
		return;
	t->ll.sll_protocol = htons(is6(p->dst) ? ETH_P_IPV6 : ETH_P_IP);
	/* sendmmsg stops at the first frame the kernel refuses: that one is marked and the
	 * rest go on, without building anything again. */
	for (unsigned off = 0; off < k;) {
		int r = sendmmsg(t->fd, t->mh + off, k - off, 0);
		if (r > 0) {
			off += (unsigned)r;
		} else {
			err[idx[off]] = r < 0 && errno ? errno : EIO;
			off++;
		}
	}
}

void sk_rawtx_close(struct sk_rawtx *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
}
