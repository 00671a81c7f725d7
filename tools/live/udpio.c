/* SPDX-License-Identifier: BSD-3-Clause */
/* udpio.c - UDP backend of the live tools' I/O layer: sendmmsg/recvmmsg batches, kernel
 * software timestamps (SO_TIMESTAMPING), IP_RECVTTL/IPV6_RECVHOPLIMIT for the Sender TTL of
 * RFC 8762 §4.3 / RFC 5357 §4.2.1, received TOS for RFC 8972 §4.4, per-packet TOS. */
#include "udpio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "stampkit/net.h"
#include "stampkit/timestamp.h"
#include "parse.h"

#define CTRL_LEN 256

/* Per-call scratch for a batch; the tools are single-threaded. */
static struct mmsghdr hdrs[SK_IO_BATCH];
static struct iovec iovs[SK_IO_BATCH];
static union {
	char buf[CTRL_LEN];
	struct cmsghdr align;
} ctrls[SK_IO_BATCH];

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof v);
}


/* Where nothing can be sent: port 0 (every send fails with EINVAL) and the unspecified
 * address (a source only, RFC 1122 §3.2.1.3, RFC 4291 §2.5.2). */
static int check_destination(const char *s, const struct sockaddr_storage *ss, uint16_t port,
			     char *err, size_t errlen)
{
	bool unspec = ss->ss_family == AF_INET
		      ? ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY)
		      : IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	if (port == 0)
		snprintf(err, errlen, "'%s': port 0 cannot be sent to (1..65535)", s);
	else if (unspec)
		snprintf(err, errlen, "'%s': the unspecified address is not a destination", s);
	return port == 0 || unspec ? -1 : 0;
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
	if (out->ss_family == AF_INET)
		((struct sockaddr_in *)out)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)out)->sin6_port = htons(port);
	freeaddrinfo(res);
	return passive ? 0 : check_destination(s, out, port, err, errlen);
}

static int udp_open(struct sk_io *io, const struct sockaddr *local, socklen_t len,
		    const struct sk_io_opts *o, char *err, size_t errlen)
{
	int fam = local->sa_family;
	int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	io->fd = fd;
	io->family = fam;
	bool v4 = fam == AF_INET;
	bool dual = false;
	if (fam == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)local;
		dual = o->dual_stack && IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
		setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? 0 : 1);
	}
	if (o->freebind)
		setint(fd, IPPROTO_IP, IP_FREEBIND, 1);
	if (o->bufsize > 0) {
		/* Past net.core.rmem_max when allowed (CAP_NET_ADMIN): bursts of a batch-sending
		 * peer must not overflow while this process waits for a CPU. */
		if (setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, o->bufsize) < 0)
			setint(fd, SOL_SOCKET, SO_RCVBUF, o->bufsize);
		if (setint(fd, SOL_SOCKET, SO_SNDBUFFORCE, o->bufsize) < 0)
			setint(fd, SOL_SOCKET, SO_SNDBUF, o->bufsize);
	}
	if (bind(fd, local, len) < 0) {
		int e = errno;
		uint8_t f, a[16];
		uint16_t port;
		sk_sockaddr_unpack(local, &f, a, &port);
		char as[80];
		sk_sockaddr_str(local, as, sizeof as);
		if ((e == EACCES || e == EPERM) && port < 1024)
			snprintf(err, errlen,
				 "cannot bind %s: port %u is privileged; run as root, grant the right "
				 "once with 'setcap cap_net_bind_service=+ep $(command -v stampkit)', "
				 "or give a port >= 1024 (e.g. ':8620')", as, port);
		else if (e == EADDRINUSE)
			snprintf(err, errlen, "cannot bind %s: address already in use", as);
		else
			snprintf(err, errlen, "cannot bind %s: %s", as, strerror(e));
		close(fd);
		io->fd = -1;
		return -1;
	}
	if (o->tos >= 0) {
		if (v4 || dual)
			setint(fd, IPPROTO_IP, IP_TOS, o->tos);
		if (!v4 && setint(fd, IPPROTO_IPV6, IPV6_TCLASS, o->tos) < 0) {
			snprintf(err, errlen, "IPV6_TCLASS: %s", strerror(errno));
			return -1;
		}
	}
	if (o->ttl >= 0) {
		if (v4 || dual)
			setint(fd, IPPROTO_IP, IP_TTL, o->ttl);
		if (!v4)
			setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, o->ttl);
	}
	if (v4 || dual)
		setint(fd, IPPROTO_IP, IP_MTU_DISCOVER, o->dont_fragment ? IP_PMTUDISC_DO
								    : IP_PMTUDISC_DONT);
	if (!v4) {
		setint(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, o->dont_fragment ? IPV6_PMTUDISC_DO
									: IPV6_PMTUDISC_DONT);
		if (o->dont_fragment)
			setint(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
	}
	if (v4 || dual) {
		setint(fd, IPPROTO_IP, IP_RECVTTL, 1);
		setint(fd, IPPROTO_IP, IP_RECVTOS, 1);
		setint(fd, IPPROTO_IP, IP_PKTINFO, 1);
	}
	if (!v4) {
		setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
		setint(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
		setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	}
	io->rx_ts_wanted = o->rx_timestamps;
	int hwflags = 0;
	if (o->hw_iface) {
		/* Ask the driver to timestamp every received packet (SIOCSHWTSTAMP); a NIC or
		 * driver without it (lo, veth, most virtual NICs) is an error, not a fallback. */
		struct hwtstamp_config hc;
		memset(&hc, 0, sizeof hc);
		hc.tx_type = HWTSTAMP_TX_OFF;
		hc.rx_filter = HWTSTAMP_FILTER_ALL;
		struct ifreq ifr;
		memset(&ifr, 0, sizeof ifr);
		if (strlen(o->hw_iface) >= sizeof ifr.ifr_name) {
			snprintf(err, errlen, "--hw-timestamps: interface name too long");
			return -1;
		}
		memcpy(ifr.ifr_name, o->hw_iface, strlen(o->hw_iface) + 1);
		ifr.ifr_data = (void *)&hc;
		if (ioctl(fd, SIOCSHWTSTAMP, &ifr) < 0 || hc.rx_filter == HWTSTAMP_FILTER_NONE) {
			snprintf(err, errlen, "--hw-timestamps %s: the interface gives no hardware "
				 "receive timestamps (SIOCSHWTSTAMP: %s)", o->hw_iface,
				 errno ? strerror(errno) : "filter refused");
			return -1;
		}
		hwflags = SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
		io->rx_hw = true;
	}
	if (o->rx_timestamps || o->tx_timestamps || hwflags) {
		int flags = SOF_TIMESTAMPING_SOFTWARE | hwflags;
		if (o->rx_timestamps)
			flags |= SOF_TIMESTAMPING_RX_SOFTWARE;
		if (o->tx_timestamps)
			flags |= SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
				 SOF_TIMESTAMPING_OPT_TSONLY;
		if (setint(fd, SOL_SOCKET, SO_TIMESTAMPING, flags) == 0) {
			io->rx_ts = o->rx_timestamps;
			io->tx_ts = o->tx_timestamps;
		}
	}
	io->tx_next_id = 0;
	io->boundlen = sizeof io->bound;
	getsockname(fd, (struct sockaddr *)&io->bound, &io->boundlen);
	{
		uint8_t f, a[16];
		uint16_t p;
		static const uint8_t z[16];
		sk_sockaddr_unpack((struct sockaddr *)&io->bound, &f, a, &p);
		io->wildcard = !memcmp(a, z, 16);
	}
	return 0;
}

static void parse_cmsgs(struct msghdr *mh, struct sk_io_msg *m)
{
	m->rx_ns = 0;
	m->rx_hw = false;
	m->ttl = -1;
	m->tos = -1;
	memset(&m->local, 0, sizeof m->local);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
			struct scm_timestamping ts;
			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			/* ts[2] is the NIC's raw hardware time, ts[0] the kernel's software time. */
			if (ts.ts[2].tv_sec || ts.ts[2].tv_nsec) {
				m->rx_ns = (int64_t)ts.ts[2].tv_sec * 1000000000LL + ts.ts[2].tv_nsec;
				m->rx_hw = true;
			} else if (ts.ts[0].tv_sec || ts.ts[0].tv_nsec) {
				m->rx_ns = (int64_t)ts.ts[0].tv_sec * 1000000000LL + ts.ts[0].tv_nsec;
			}
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof v);
			m->ttl = v;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			m->tos = *(const unsigned char *)CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			struct sockaddr_in *a = (struct sockaddr_in *)&m->local;
			a->sin_family = AF_INET;
			a->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof v);
			m->ttl = v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof v);
			m->tos = v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&m->local;
			a->sin6_family = AF_INET6;
			a->sin6_addr = pi.ipi6_addr;
		}
	}
}

static int udp_recv_batch(struct sk_io *io, struct sk_io_msg *m, unsigned n)
{
	if (n > SK_IO_BATCH)
		n = SK_IO_BATCH;
	for (unsigned i = 0; i < n; i++) {
		iovs[i].iov_base = m[i].buf;
		iovs[i].iov_len = m[i].cap;
		memset(&hdrs[i], 0, sizeof hdrs[i]);
		hdrs[i].msg_hdr.msg_name = &m[i].peer;
		hdrs[i].msg_hdr.msg_namelen = sizeof m[i].peer;
		hdrs[i].msg_hdr.msg_iov = &iovs[i];
		hdrs[i].msg_hdr.msg_iovlen = 1;
		hdrs[i].msg_hdr.msg_control = ctrls[i].buf;
		hdrs[i].msg_hdr.msg_controllen = CTRL_LEN;
	}
	int r = recvmmsg(io->fd, hdrs, n, MSG_DONTWAIT, NULL);
	if (r < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	for (int i = 0; i < r; i++) {
		m[i].len = hdrs[i].msg_len;
		m[i].truncated = (hdrs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		m[i].peerlen = hdrs[i].msg_hdr.msg_namelen;
		parse_cmsgs(&hdrs[i].msg_hdr, &m[i]);
	}
	return r;
}

static int udp_send_batch(struct sk_io *io, struct sk_io_msg *m, unsigned n)
{
	if (n > SK_IO_BATCH)
		n = SK_IO_BATCH;
	for (unsigned i = 0; i < n; i++) {
		iovs[i].iov_base = m[i].buf;
		iovs[i].iov_len = m[i].len;
		memset(&hdrs[i], 0, sizeof hdrs[i]);
		struct msghdr *mh = &hdrs[i].msg_hdr;
		mh->msg_name = &m[i].peer;
		mh->msg_namelen = m[i].peerlen;
		mh->msg_iov = &iovs[i];
		mh->msg_iovlen = 1;
		size_t cl = 0;
		bool peer4 = m[i].peer.ss_family == AF_INET || sk_sockaddr_is_mapped((struct sockaddr *)&m[i].peer);
		if (m[i].set_tos >= 0) {
			struct cmsghdr *c = (struct cmsghdr *)(void *)(ctrls[i].buf + cl);
			c->cmsg_level = peer4 ? IPPROTO_IP : IPPROTO_IPV6;
			c->cmsg_type = peer4 ? IP_TOS : IPV6_TCLASS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			int v = m[i].set_tos;
			memcpy(CMSG_DATA(c), &v, sizeof v);
			cl += CMSG_SPACE(sizeof(int));
		}
		/* Answer from the address the request was sent to (multi-homed hosts); a socket
		 * bound to one address needs no help. */
		if (!io->wildcard) {
		} else if (m[i].local.ss_family == AF_INET && io->family == AF_INET) {
			struct cmsghdr *c = (struct cmsghdr *)(void *)(ctrls[i].buf + cl);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof pi);
			pi.ipi_spec_dst = ((struct sockaddr_in *)&m[i].local)->sin_addr;
			memcpy(CMSG_DATA(c), &pi, sizeof pi);
			cl += CMSG_SPACE(sizeof pi);
		} else if (m[i].local.ss_family == AF_INET6 && io->family == AF_INET6) {
			struct cmsghdr *c = (struct cmsghdr *)(void *)(ctrls[i].buf + cl);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			struct in6_pktinfo pi;
			memset(&pi, 0, sizeof pi);
			pi.ipi6_addr = ((struct sockaddr_in6 *)&m[i].local)->sin6_addr;
			memcpy(CMSG_DATA(c), &pi, sizeof pi);
			cl += CMSG_SPACE(sizeof pi);
		}
		mh->msg_control = cl ? ctrls[i].buf : NULL;
		mh->msg_controllen = cl;
	}
	int r = sendmmsg(io->fd, hdrs, n, 0);
	if (r > 0)
		io->tx_next_id += (uint32_t)r;
	return r;
}

static int udp_enable_tx_timestamps(struct sk_io *io)
{
	if (io->tx_ts)
		return 0;
	int flags = SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
		    SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	if (io->rx_ts_wanted)
		flags |= SOF_TIMESTAMPING_RX_SOFTWARE;
	if (io->rx_hw)
		flags |= SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
	if (setint(io->fd, SOL_SOCKET, SO_TIMESTAMPING, flags) < 0)
		return -1;
	io->tx_ts = true;
	io->tx_next_id = 0; /* setting OPT_ID restarts the kernel's counter */
	return 0;
}

/* Error-queue messages are read in batches (one recvmmsg for up to SK_IO_BATCH), then
 * handed out one at a time. */
static struct mmsghdr eq_hdrs[SK_IO_BATCH];
static union {
	char buf[CTRL_LEN];
	struct cmsghdr align;
} eq_ctrls[SK_IO_BATCH];
static int eq_n, eq_i;

static int udp_tx_timestamp(struct sk_io *io, uint32_t *id, int64_t *ns)
{
	if (!io->tx_ts)
		return 0;
	for (;;) {
		if (eq_i >= eq_n) {
			for (int i = 0; i < SK_IO_BATCH; i++) {
				memset(&eq_hdrs[i], 0, sizeof eq_hdrs[i]);
				eq_hdrs[i].msg_hdr.msg_control = eq_ctrls[i].buf;
				eq_hdrs[i].msg_hdr.msg_controllen = CTRL_LEN;
			}
			eq_i = 0;
			eq_n = recvmmsg(io->fd, eq_hdrs, SK_IO_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
			if (eq_n <= 0) {
				eq_n = 0;
				return 0;
			}
		}
		struct msghdr *mh = &eq_hdrs[eq_i++].msg_hdr;
		int64_t t = 0;
		bool have_id = false;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
				struct scm_timestamping ts;
				memcpy(&ts, CMSG_DATA(c), sizeof ts);
				t = (int64_t)ts.ts[0].tv_sec * 1000000000LL + ts.ts[0].tv_nsec;
			} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
				   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
				struct sock_extended_err ee;
				memcpy(&ee, CMSG_DATA(c), sizeof ee);
				if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
					*id = ee.ee_data;
					have_id = true;
				}
			}
		}
		if (have_id && t) {
			*ns = t;
			return 1;
		}
	}
}

static void udp_close(struct sk_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

const struct sk_io_ops sk_io_udp = {
	"udp", udp_open, udp_send_batch, udp_recv_batch, udp_tx_timestamp, udp_enable_tx_timestamps,
	udp_close,
};

/* ---- raw backend: AF_PACKET sending, IP/UDP headers ours ---- */

#define RAW_MAX 65536

static int raw_open(struct sk_io *io, const struct sockaddr *local, socklen_t len,
		    const struct sk_io_opts *o, char *err, size_t errlen)
{
	io->raw_fd = -1;
	if (udp_open(io, local, len, o, err, errlen))
		return -1;
	uint8_t fam, a[16];
	uint16_t port;
	sk_sockaddr_unpack((struct sockaddr *)&io->bound, &fam, a, &port);
	static const uint8_t zero[16];
	if (!memcmp(a, zero, 16)) {
		snprintf(err, errlen, "--raw needs LOCAL with an address: the source written into "
			 "every packet");
		return -1;
	}
	io->ifindex = (int)if_nametoindex(o->raw_iface);
	if (!io->ifindex) {
		snprintf(err, errlen, "--raw %s: %s", o->raw_iface, strerror(errno));
		return -1;
	}
	io->raw_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (io->raw_fd < 0) {
		snprintf(err, errlen, "--raw: AF_PACKET socket: %s (root or CAP_NET_RAW needed)",
			 strerror(errno));
		return -1;
	}
	io->raw_buf = malloc((size_t)SK_IO_BATCH * RAW_MAX);
	if (!io->raw_buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(io->raw_mac, o->raw_mac, 6);
	io->raw_hdr.ttl = o->ttl;
	io->raw_hdr.tos = o->tos;
	io->raw_hdr.flow_label = o->flow_label;
	io->raw_hdr.dont_fragment = o->dont_fragment;
	return 0;
}

static int raw_send_batch(struct sk_io *io, struct sk_io_msg *m, unsigned n)
{
	if (n > SK_IO_BATCH)
		n = SK_IO_BATCH;
	static struct sockaddr_ll lls[SK_IO_BATCH];
	for (unsigned i = 0; i < n; i++) {
		struct sk_iphdr_opts h = io->raw_hdr;
		if (m[i].set_tos >= 0)
			h.tos = m[i].set_tos;
		h.ipid = (uint16_t)(io->tx_next_id + i);
		uint8_t *b = io->raw_buf + (size_t)i * RAW_MAX;
		size_t l = sk_ipudp_build(b, RAW_MAX, (struct sockaddr *)&io->bound,
					  (struct sockaddr *)&m[i].peer, &h, m[i].buf, m[i].len);
		if (!l) {
			errno = EINVAL;
			return i ? (int)i : -1;
		}
		memset(&lls[i], 0, sizeof lls[i]);
		lls[i].sll_family = AF_PACKET;
		lls[i].sll_protocol = htons(b[0] >> 4 == 4 ? ETH_P_IP : ETH_P_IPV6);
		lls[i].sll_ifindex = io->ifindex;
		lls[i].sll_halen = 6;
		memcpy(lls[i].sll_addr, io->raw_mac, 6);
		iovs[i].iov_base = b;
		iovs[i].iov_len = l;
		memset(&hdrs[i], 0, sizeof hdrs[i]);
		hdrs[i].msg_hdr.msg_name = &lls[i];
		hdrs[i].msg_hdr.msg_namelen = sizeof lls[i];
		hdrs[i].msg_hdr.msg_iov = &iovs[i];
		hdrs[i].msg_hdr.msg_iovlen = 1;
	}
	int r = sendmmsg(io->raw_fd, hdrs, n, 0);
	if (r > 0)
		io->tx_next_id += (uint32_t)r;
	return r;
}

static int raw_tx_timestamp(struct sk_io *io, uint32_t *id, int64_t *ns)
{
	(void)io, (void)id, (void)ns;
	return 0;
}

static int raw_enable_tx_timestamps(struct sk_io *io)
{
	(void)io;
	return -1;
}

static void raw_close(struct sk_io *io)
{
	if (io->raw_fd >= 0)
		close(io->raw_fd);
	io->raw_fd = -1;
	free(io->raw_buf);
	io->raw_buf = NULL;
	udp_close(io);
}

const struct sk_io_ops sk_io_raw = {
	"raw", raw_open, raw_send_batch, udp_recv_batch, raw_tx_timestamp, raw_enable_tx_timestamps,
	raw_close,
};

/* ---- layer-2 backend: a reflector on an interface without IP ---- */

#define L2_MAX (65536 + 64)

static int l2_open(struct sk_io *io, const struct sockaddr *local, socklen_t len,
		   const struct sk_io_opts *o, char *err, size_t errlen)
{
	uint8_t fam, a[16];
	uint16_t port;
	static const uint8_t zero[16];
	sk_sockaddr_unpack(local, &fam, a, &port);
	if (!fam || !port || !memcmp(a, zero, 16)) {
		snprintf(err, errlen, "--raw needs LOCAL as ADDRESS:PORT: the address and port to "
			 "answer for");
		return -1;
	}
	memcpy(&io->bound, local, len);
	io->boundlen = len;
	io->family = local->sa_family;
	io->ifindex = (int)if_nametoindex(o->raw_iface);
	if (!io->ifindex) {
		snprintf(err, errlen, "--raw %s: %s", o->raw_iface, strerror(errno));
		return -1;
	}
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		snprintf(err, errlen, "--raw: AF_PACKET socket: %s (root or CAP_NET_RAW needed)",
			 strerror(errno));
		return -1;
	}
	io->fd = fd;
	struct sockaddr_ll ll;
	memset(&ll, 0, sizeof ll);
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = io->ifindex;
	if (bind(fd, (struct sockaddr *)&ll, sizeof ll) < 0) {
		snprintf(err, errlen, "--raw %s: bind: %s", o->raw_iface, strerror(errno));
		return -1;
	}
	setint(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	if (o->bufsize > 0)
		setint(fd, SOL_SOCKET, SO_RCVBUF, o->bufsize);
	if (setint(fd, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE |
		   SOF_TIMESTAMPING_RX_SOFTWARE) == 0)
		io->rx_ts = true;
	io->raw_buf = malloc((size_t)SK_IO_BATCH * L2_MAX);
	if (!io->raw_buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	io->raw_fd = -1;
	io->raw_hdr.ttl = o->ttl;
	io->raw_hdr.tos = o->tos;
	io->raw_hdr.dont_fragment = o->dont_fragment;
	return 0;
}

static int l2_recv_batch(struct sk_io *io, struct sk_io_msg *m, unsigned n)
{
	if (n > SK_IO_BATCH)
		n = SK_IO_BATCH;
	for (unsigned i = 0; i < n; i++) {
		iovs[i].iov_base = io->raw_buf + (size_t)i * L2_MAX;
		iovs[i].iov_len = L2_MAX;
		memset(&hdrs[i], 0, sizeof hdrs[i]);
		hdrs[i].msg_hdr.msg_iov = &iovs[i];
		hdrs[i].msg_hdr.msg_iovlen = 1;
		hdrs[i].msg_hdr.msg_control = ctrls[i].buf;
		hdrs[i].msg_hdr.msg_controllen = CTRL_LEN;
	}
	int r = recvmmsg(io->fd, hdrs, n, MSG_DONTWAIT, NULL);
	if (r < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	uint8_t bfam, baddr[16];
	uint16_t bport;
	sk_sockaddr_unpack((struct sockaddr *)&io->bound, &bfam, baddr, &bport);
	int out = 0;
	for (int i = 0; i < r; i++) {
		const uint8_t *fr = io->raw_buf + (size_t)i * L2_MAX;
		struct sk_pkt pk;
		/* Every frame is dissected by the codec; only whole UDP datagrams to LOCAL count. */
		if (sk_net_dissect(SK_LINK_ETHERNET, fr, hdrs[i].msg_len, &pk, NULL) != SK_OK ||
		    !pk.l4 || pk.proto != 17 || pk.fragment || pk.nvlan || pk.ipver != bfam ||
		    pk.dport != bport || memcmp(pk.dst, baddr, bfam == 4 ? 4 : 16) || pk.trunc)
			continue;
		struct sk_io_msg *o = &m[out];
		o->truncated = pk.payload_len > o->cap;
		o->len = o->truncated ? o->cap : pk.payload_len;
		memcpy(o->buf, pk.payload, o->len);
		sk_sockaddr_pack(pk.ipver, pk.src, pk.sport, &o->peer, &o->peerlen);
		parse_cmsgs(&hdrs[i].msg_hdr, o);
		socklen_t llen;
		sk_sockaddr_pack(pk.ipver, pk.dst, 0, &o->local, &llen);
		o->ttl = pk.ttl;
		o->tos = pk.tos;
		memcpy(o->local_mac, fr, 6);
		memcpy(o->peer_mac, fr + 6, 6);
		out++;
	}
	if (out == 0 && r > 0) {
		/* Only foreign frames this time: say "try again" rather than "nothing queued". */
		errno = EINTR;
		return -1;
	}
	return out;
}

static int l2_send_batch(struct sk_io *io, struct sk_io_msg *m, unsigned n)
{
	if (n > SK_IO_BATCH)
		n = SK_IO_BATCH;
	static struct sockaddr_ll lls[SK_IO_BATCH];
	uint8_t bfam, baddr[16];
	uint16_t bport;
	sk_sockaddr_unpack((struct sockaddr *)&io->bound, &bfam, baddr, &bport);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *b = io->raw_buf + (size_t)i * L2_MAX;
		struct sk_iphdr_opts h = io->raw_hdr;
		if (m[i].set_tos >= 0)
			h.tos = m[i].set_tos;
		h.ipid = (uint16_t)(io->tx_next_id + i);
		struct sockaddr_storage src;
		socklen_t slen;
		sk_sockaddr_pack(bfam, baddr, bport, &src, &slen);
		size_t l = sk_ipudp_build(b + 14, L2_MAX - 14, (struct sockaddr *)&src,
					  (struct sockaddr *)&m[i].peer, &h, m[i].buf, m[i].len);
		if (!l) {
			errno = EINVAL;
			return i ? (int)i : -1;
		}
		memcpy(b, m[i].peer_mac, 6);
		memcpy(b + 6, m[i].local_mac, 6);
		b[12] = bfam == 4 ? 0x08 : 0x86;
		b[13] = bfam == 4 ? 0x00 : 0xdd;
		memset(&lls[i], 0, sizeof lls[i]);
		lls[i].sll_family = AF_PACKET;
		lls[i].sll_ifindex = io->ifindex;
		lls[i].sll_halen = 6;
		memcpy(lls[i].sll_addr, m[i].peer_mac, 6);
		iovs[i].iov_base = b;
		iovs[i].iov_len = l + 14;
		memset(&hdrs[i], 0, sizeof hdrs[i]);
		hdrs[i].msg_hdr.msg_name = &lls[i];
		hdrs[i].msg_hdr.msg_namelen = sizeof lls[i];
		hdrs[i].msg_hdr.msg_iov = &iovs[i];
		hdrs[i].msg_hdr.msg_iovlen = 1;
	}
	int r = sendmmsg(io->fd, hdrs, n, 0);
	if (r > 0)
		io->tx_next_id += (uint32_t)r;
	return r;
}

static void l2_close(struct sk_io *io)
{
	free(io->raw_buf);
	io->raw_buf = NULL;
	udp_close(io);
}

const struct sk_io_ops sk_io_l2 = {
	"l2", l2_open, l2_send_batch, l2_recv_batch, raw_tx_timestamp, raw_enable_tx_timestamps,
	l2_close,
};

int sk_io_wait(struct sk_io *io, const struct timespec *deadline)
{
	struct pollfd p = { .fd = io->fd, .events = POLLIN };
	struct timespec rel, *tp = NULL;
	if (deadline) {
		int64_t d = (int64_t)deadline->tv_sec * 1000000000LL + deadline->tv_nsec -
			    sk_now_mono_ns();
		if (d < 0)
			d = 0;
		rel.tv_sec = d / 1000000000LL;
		rel.tv_nsec = d % 1000000000LL;
		tp = &rel;
	}
	int r = ppoll(&p, 1, tp, NULL);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	return r > 0 && (p.revents & POLLIN) ? 1 : 0;
}

uint16_t sk_clock_errest(int ts_fmt, bool *synced)
{
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	int st = adjtimex(&tx);
	bool sync = st >= 0 && st != TIME_ERROR && !(tx.status & STA_UNSYNC);
	/* The kernel's own bound on the clock error (us), plus the software timestamp's. */
	long us = sync ? tx.esterror : tx.maxerror;
	if (us < 0)
		us = 16000000;
	uint64_t bound = (uint64_t)us * 1000u + 1000u;
	struct sk_errest e;
	sk_errest_from_ns(bound, sync, ts_fmt == SK_TS_PTP ? SK_TS_PTP : SK_TS_NTP, &e);
	if (synced)
		*synced = sync;
	return sk_errest_pack(&e);
}
