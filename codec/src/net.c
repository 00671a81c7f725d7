/* SPDX-License-Identifier: BSD-3-Clause */
/* net.c - frame dissection down to UDP/TCP payloads: IEEE 802.1Q/802.1ad, SLL/SLL2, raw IP,
 * NULL/LOOP, RFC 791 IPv4, RFC 8200 §4 IPv6 extension headers, RFC 768 UDP, RFC 9293 TCP. */
#include <arpa/inet.h>
#include <string.h>

#include "stampkit/cursor.h"
#include "stampkit/net.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100

int sk_net_linktype_supported(int linktype)
{
	switch (linktype) {
	case SK_LINK_NULL:
	case SK_LINK_ETHERNET:
	case SK_LINK_RAW_DLT:
	case SK_LINK_RAW_DLT14:
	case SK_LINK_RAW:
	case SK_LINK_LOOP:
	case SK_LINK_SLL:
	case SK_LINK_IPV4:
	case SK_LINK_IPV6:
	case SK_LINK_SLL2:
		return 1;
	default:
		return 0;
	}
}

const char *sk_net_linktype_name(int linktype)
{
	switch (linktype) {
	case SK_LINK_NULL: return "null";
	case SK_LINK_ETHERNET: return "ethernet";
	case SK_LINK_RAW_DLT:
	case SK_LINK_RAW_DLT14:
	case SK_LINK_RAW: return "raw";
	case SK_LINK_LOOP: return "loop";
	case SK_LINK_SLL: return "sll";
	case SK_LINK_IPV4: return "ipv4";
	case SK_LINK_IPV6: return "ipv6";
	case SK_LINK_SLL2: return "sll2";
	default: return "unknown";
	}
}

const char *sk_net_addr_str(int ipver, const uint8_t addr[16], char *buf, size_t len)
{
	if (!buf || len == 0)
		return "";
	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		buf[0] = '\0';
	return buf;
}

/* A header cut short: say which one and where. */
static enum sk_result hdr_trunc(struct sk_pkt *out, struct sk_error *err, const struct sk_cur *c,
			    const char *what)
{
	out->trunc |= SK_NET_TRUNC_HDR;
	return sk_error_set(err, SK_E_TRUNCATED, c->err_off, "%s header truncated", what);
}

static enum sk_result dissect_l4(struct sk_cur *c, struct sk_pkt *out, struct sk_error *err,
				 size_t l4_wire)
{
	size_t present = sk_cur_left(c);
	out->l4_off = sk_cur_abs(c);
	if (out->fragment && out->frag_off != 0) {
		/* A later fragment: no transport header here, reassembly is not attempted. */
		out->payload = present ? c->base + c->off : NULL;
		out->payload_off = out->l4_off;
		out->payload_len = present;
		out->payload_wire_len = l4_wire;
		if (present < l4_wire)
			out->trunc |= SK_NET_TRUNC_PAYLOAD;
		return SK_OK;
	}
	if (out->proto == 17) {
		out->sport = sk_get_u16(c);
		out->dport = sk_get_u16(c);
		out->udp_len = sk_get_u16(c);
		sk_cur_skip(c, 2); /* checksum */
		if (c->err)
			return hdr_trunc(out, err, c, "UDP");
		if (out->udp_len < 8)
			return sk_error_set(err, SK_E_INVALID, out->l4_off + 4,
					    "UDP length %u below 8", (unsigned)out->udp_len);
		if (!out->fragment && out->udp_len > l4_wire)
			return sk_error_set(err, SK_E_INVALID, out->l4_off + 4,
					    "UDP length %u exceeds IP payload %zu",
					    (unsigned)out->udp_len, l4_wire);
		out->payload_wire_len = (size_t)out->udp_len - 8;
	} else if (out->proto == 6) {
		out->sport = sk_get_u16(c);
		out->dport = sk_get_u16(c);
		out->tcp_seq = sk_get_u32(c);
		out->tcp_ack = sk_get_u32(c);
		uint8_t doff = sk_get_u8(c);
		out->tcp_flags = sk_get_u8(c);
		sk_cur_skip(c, 6); /* window, checksum, urgent pointer */
		if (c->err)
			return hdr_trunc(out, err, c, "TCP");
		size_t hlen = (size_t)(doff >> 4) * 4;
		if (hlen < 20 || hlen > l4_wire)
			return sk_error_set(err, SK_E_INVALID, out->l4_off + 12,
					    "TCP data offset %zu invalid", hlen);
		sk_cur_skip(c, hlen - 20); /* options */
		if (c->err)
			return hdr_trunc(out, err, c, "TCP options");
		out->payload_wire_len = l4_wire - hlen;
	} else {
		return sk_error_set(err, SK_E_UNSUPPORTED, out->l4_off,
				    "IP protocol %u is not UDP or TCP", (unsigned)out->proto);
	}
	out->l4 = 1;
	size_t left = sk_cur_left(c);
	out->payload_off = sk_cur_abs(c);
	out->payload_len = left < out->payload_wire_len ? left : out->payload_wire_len;
	out->payload = out->payload_len ? c->base + c->off : NULL;
	if (out->payload_len < out->payload_wire_len)
		out->trunc |= SK_NET_TRUNC_PAYLOAD;
	return SK_OK;
}

static enum sk_result dissect_ipv4(struct sk_cur *c, struct sk_pkt *out, struct sk_error *err)
{
	out->l3_off = sk_cur_abs(c);
	uint8_t vihl = sk_get_u8(c);
	out->tos = sk_get_u8(c);
	uint16_t total = sk_get_u16(c);
	sk_cur_skip(c, 2); /* identification */
	uint16_t ff = sk_get_u16(c);
	out->ttl = sk_get_u8(c);
	out->proto = sk_get_u8(c);
	sk_cur_skip(c, 2); /* header checksum */
	sk_get_bytes(c, out->src, 4);
	sk_get_bytes(c, out->dst, 4);
	if (c->err)
		return hdr_trunc(out, err, c, "IPv4");
	out->ipver = 4;
	if (vihl >> 4 != 4)
		return sk_error_set(err, SK_E_INVALID, out->l3_off, "IP version %u in IPv4 header",
				    (unsigned)(vihl >> 4));
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20)
		return sk_error_set(err, SK_E_INVALID, out->l3_off, "IPv4 header length %zu below 20",
				    hlen);
	if (total < hlen)
		return sk_error_set(err, SK_E_INVALID, out->l3_off + 2,
				    "IPv4 total length %u below header length %zu", (unsigned)total, hlen);
	sk_cur_skip(c, hlen - 20); /* options */
	if (c->err)
		return hdr_trunc(out, err, c, "IPv4 options");
	out->frag_off = (uint16_t)((ff & 0x1fff) * 8);
	out->fragment = (ff & 0x2000) || out->frag_off;
	/* Ethernet pads short frames: the IP total length, not the frame, ends the packet. */
	size_t l4_wire = (size_t)total - hlen;
	if (sk_cur_left(c) > l4_wire)
		c->len = c->off + l4_wire;
	return dissect_l4(c, out, err, l4_wire);
}

static int ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 ||
	       nh == 139 || nh == 140;
}

static enum sk_result dissect_ipv6(struct sk_cur *c, struct sk_pkt *out, struct sk_error *err)
{
	out->l3_off = sk_cur_abs(c);
	uint32_t w = sk_get_u32(c);
	uint16_t plen = sk_get_u16(c);
	uint8_t nh = sk_get_u8(c);
	out->ttl = sk_get_u8(c);
	sk_get_bytes(c, out->src, 16);
	sk_get_bytes(c, out->dst, 16);
	if (c->err)
		return hdr_trunc(out, err, c, "IPv6");
	out->ipver = 6;
	if (w >> 28 != 6)
		return sk_error_set(err, SK_E_INVALID, out->l3_off, "IP version %u in IPv6 header",
				    (unsigned)(w >> 28));
	out->tos = (uint8_t)(w >> 20);
	out->flow_label = w & 0xfffff;
	/* Payload Length 0 means a jumbogram (RFC 2675): the capture decides. */
	size_t wire = plen ? plen : sk_cur_left(c);
	if (sk_cur_left(c) > wire)
		c->len = c->off + wire;
	size_t start = sk_cur_abs(c);
	for (int hops = 0; ipv6_ext(nh); hops++) {
		size_t at = sk_cur_abs(c);
		if (hops >= 16)
			return sk_error_set(err, SK_E_UNSUPPORTED, at, "more than 16 IPv6 extension headers");
		uint8_t next = sk_get_u8(c);
		uint8_t hl = sk_get_u8(c);
		size_t len;
		if (nh == 44) {
			uint16_t fo = sk_get_u16(c);
			sk_cur_skip(c, 4); /* identification */
			out->fragment = 1;
			out->frag_off = (uint16_t)(fo & 0xfff8);
			len = 8;
		} else {
			len = nh == 51 ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
			sk_cur_skip(c, len - 2);
		}
		if (c->err)
			return hdr_trunc(out, err, c, "IPv6 extension");
		nh = next;
	}
	out->proto = nh;
	size_t used = sk_cur_abs(c) - start;
	if (used > wire)
		return sk_error_set(err, SK_E_INVALID, out->l3_off + 4,
				    "IPv6 extension headers exceed the payload length");
	return dissect_l4(c, out, err, wire - used);
}

/* Dispatch on an EtherType, walking any VLAN tags first. */
static enum sk_result dissect_ethertype(struct sk_cur *c, uint16_t et, struct sk_pkt *out,
					struct sk_error *err)
{
	while (et == ETH_VLAN || et == ETH_QINQ || et == ETH_QINQ_OLD) {
		uint16_t tci = sk_get_u16(c);
		et = sk_get_u16(c);
		if (c->err)
			return hdr_trunc(out, err, c, "VLAN");
		if (out->nvlan >= SK_NET_MAX_VLAN)
			return sk_error_set(err, SK_E_UNSUPPORTED, sk_cur_abs(c),
					    "more than %d VLAN tags", SK_NET_MAX_VLAN);
		out->vlan[out->nvlan++] = tci & 0x0fff;
	}
	out->ethertype = et;
	if (et == ETH_IPV4)
		return dissect_ipv4(c, out, err);
	if (et == ETH_IPV6)
		return dissect_ipv6(c, out, err);
	return sk_error_set(err, SK_E_UNSUPPORTED, sk_cur_abs(c), "EtherType 0x%04x is not IP",
			    (unsigned)et);
}

static enum sk_result dissect_raw(struct sk_cur *c, struct sk_pkt *out, struct sk_error *err)
{
	uint8_t v;
	if (!sk_peek_u8(c, 0, &v)) {
		sk_cur_fail(c, SK_E_TRUNCATED);
		return hdr_trunc(out, err, c, "IP");
	}
	if (v >> 4 == 4)
		return dissect_ipv4(c, out, err);
	if (v >> 4 == 6)
		return dissect_ipv6(c, out, err);
	return sk_error_set(err, SK_E_UNSUPPORTED, 0, "IP version %u", (unsigned)(v >> 4));
}

enum sk_result sk_net_dissect(int linktype, const uint8_t *frame, size_t caplen,
			      struct sk_pkt *out, struct sk_error *err)
{
	/* Copied from a zero object rather than memset: GCC clears this size with rep stos,
	 * whose start-up costs more than the rest of dissecting (analyze's profile). */
	static const struct sk_pkt zero;
	*out = zero;
	struct sk_cur c;
	sk_cur_init(&c, frame, caplen);
	switch (linktype) {
	case SK_LINK_ETHERNET: {
		sk_cur_skip(&c, 12); /* destination, source */
		uint16_t et = sk_get_u16(&c);
		if (c.err)
			return hdr_trunc(out, err, &c, "Ethernet");
		if (et < 0x0600)
			return sk_error_set(err, SK_E_UNSUPPORTED, 12, "IEEE 802.3 length frame, not IP");
		return dissect_ethertype(&c, et, out, err);
	}
	case SK_LINK_SLL: {
		sk_cur_skip(&c, 14); /* packet type, ARPHRD, address length, address */
		uint16_t et = sk_get_u16(&c);
		if (c.err)
			return hdr_trunc(out, err, &c, "Linux cooked (SLL)");
		return dissect_ethertype(&c, et, out, err);
	}
	case SK_LINK_SLL2: {
		uint16_t et = sk_get_u16(&c);
		sk_cur_skip(&c, 18); /* reserved, ifindex, ARPHRD, type, address length, address */
		if (c.err)
			return hdr_trunc(out, err, &c, "Linux cooked (SLL2)");
		return dissect_ethertype(&c, et, out, err);
	}
	case SK_LINK_NULL:
	case SK_LINK_LOOP: {
		/* The family is in the capturing host's byte order for NULL, network order for
		 * LOOP; families are small, so whichever half is non-zero tells the order. */
		uint32_t fam = sk_get_u32(&c);
		if (c.err)
			return hdr_trunc(out, err, &c, "NULL/LOOP");
		if (fam > 0xffff)
			fam = (fam >> 24) | ((fam >> 8) & 0xff00) | ((fam << 8) & 0xff0000) | (fam << 24);
		switch (fam) {
		case 2: /* AF_INET everywhere */
			return dissect_ipv4(&c, out, err);
		case 10: /* Linux */
		case 24: /* NetBSD, OpenBSD */
		case 28: /* FreeBSD */
		case 30: /* macOS */
			return dissect_ipv6(&c, out, err);
		default:
			return sk_error_set(err, SK_E_UNSUPPORTED, 0, "address family %u is not IP",
					    (unsigned)fam);
		}
	}
	case SK_LINK_RAW_DLT:
	case SK_LINK_RAW_DLT14:
	case SK_LINK_RAW:
		return dissect_raw(&c, out, err);
	case SK_LINK_IPV4:
		return dissect_ipv4(&c, out, err);
	case SK_LINK_IPV6:
		return dissect_ipv6(&c, out, err);
	default:
		return sk_error_set(err, SK_E_UNSUPPORTED, 0, "link type %d not supported", linktype);
	}
}
