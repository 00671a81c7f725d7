/* SPDX-License-Identifier: BSD-3-Clause */
/* test_net.c - frame dissection: every link type, VLAN/QinQ, IPv4 options and fragments,
 * IPv6 extension headers, UDP/TCP, and every truncation length of every frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/net.h"

/* A frame under construction. */
struct fb {
	uint8_t b[512];
	size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}
static void put8(struct fb *f, uint8_t v) { f->b[f->n++] = v; }
static void put16(struct fb *f, uint16_t v) { put8(f, (uint8_t)(v >> 8)), put8(f, (uint8_t)v); }
static void put32(struct fb *f, uint32_t v) { put16(f, (uint16_t)(v >> 16)), put16(f, (uint16_t)v); }

static const uint8_t payload[12] = { 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t v6src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* IPv4 (with optlen octets of options) + UDP 40000 -> 862 + payload. */
static void ipv4_udp(struct fb *f, size_t optlen, uint16_t fragword)
{
	uint16_t total = (uint16_t)(20 + optlen + 8 + sizeof payload);
	put8(f, (uint8_t)(0x40 | (5 + optlen / 4)));
	put8(f, 0xb8); /* DSCP EF */
	put16(f, total);
	put16(f, 0x1234);
	put16(f, fragword);
	put8(f, 63);
	put8(f, 17);
	put16(f, 0);
	put32(f, 0xc0000201); /* 192.0.2.1 */
	put32(f, 0xc0000202);
	for (size_t i = 0; i < optlen; i++)
		put8(f, i == optlen - 1 ? 0 : 1); /* NOPs then EOL */
	put16(f, 40000);
	put16(f, 862);
	put16(f, (uint16_t)(8 + sizeof payload));
	put16(f, 0);
	put(f, payload, sizeof payload);
}

/* IPv6 + chain of extension headers + UDP 862 -> 40001 + payload. */
static void ipv6_udp(struct fb *f, int with_ext)
{
	size_t ext = with_ext ? 8 + 24 + 8 + 8 : 0;
	put32(f, 0x6a812345); /* TC 0xa8, flow 0x12345 */
	put16(f, (uint16_t)(ext + 8 + sizeof payload));
	put8(f, with_ext ? 0 : 17);
	put8(f, 64);
	put(f, v6src, 16);
	put(f, v6dst, 16);
	if (with_ext) {
		/* Hop-by-Hop: 8 octets (PadN). */
		put8(f, 43), put8(f, 0), put8(f, 1), put8(f, 4), put32(f, 0);
		/* Routing: 24 octets (length 2). */
		put8(f, 60), put8(f, 2), put8(f, 0), put8(f, 0), put32(f, 0);
		put32(f, 0), put32(f, 0), put32(f, 0), put32(f, 0);
		/* Destination options: 8 octets. */
		put8(f, 44), put8(f, 0), put8(f, 1), put8(f, 4), put32(f, 0);
		/* Fragment: offset 0, M = 0 (an atomic fragment). */
		put8(f, 17), put8(f, 0), put16(f, 0), put32(f, 0xabcd);
	}
	put16(f, 862);
	put16(f, 40001);
	put16(f, (uint16_t)(8 + sizeof payload));
	put16(f, 0);
	put(f, payload, sizeof payload);
}

static void eth(struct fb *f, const uint16_t *tags, size_t ntags, uint16_t et)
{
	for (int i = 0; i < 12; i++)
		put8(f, (uint8_t)i);
	for (size_t i = 0; i < ntags; i += 2)
		put16(f, tags[i]), put16(f, tags[i + 1]);
	put16(f, et);
}

static void assert_udp4(const struct sk_pkt *p)
{
	assert_int_equal(p->ipver, 4);
	assert_int_equal(p->proto, 17);
	assert_int_equal(p->l4, 1);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 862);
	assert_int_equal(p->ttl, 63);
	assert_int_equal(p->tos, 0xb8);
	assert_memory_equal(p->src, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(p->dst, "\xc0\x00\x02\x02", 4);
	assert_int_equal(p->payload_len, sizeof payload);
	assert_int_equal(p->payload_wire_len, sizeof payload);
	assert_memory_equal(p->payload, payload, sizeof payload);
	assert_int_equal(p->trunc, 0);
}

static void assert_udp6(const struct sk_pkt *p)
{
	assert_int_equal(p->ipver, 6);
	assert_int_equal(p->proto, 17);
	assert_int_equal(p->l4, 1);
	assert_int_equal(p->sport, 862);
	assert_int_equal(p->dport, 40001);
	assert_int_equal(p->ttl, 64);
	assert_int_equal(p->tos, 0xa8);
	assert_int_equal(p->flow_label, 0x12345);
	assert_memory_equal(p->src, v6src, 16);
	assert_memory_equal(p->dst, v6dst, 16);
	assert_int_equal(p->payload_len, sizeof payload);
	assert_memory_equal(p->payload, payload, sizeof payload);
	assert_int_equal(p->trunc, 0);
}

/* Every prefix of the frame: a cut header is SK_E_TRUNCATED, a cut payload is SK_OK with
 * SK_NET_TRUNC_PAYLOAD and exactly the octets present; never a read past the prefix (ASan). */
static void every_truncation(int lt, const struct fb *f, size_t payload_at)
{
	for (size_t n = 0; n < f->n; n++) {
		uint8_t copy[512];
		memcpy(copy, f->b, n);
		struct sk_pkt p;
		struct sk_error e = { 0 };
		enum sk_result r = sk_net_dissect(lt, n ? copy : NULL, n, &p, &e);
		if (n < payload_at) {
			assert_int_equal(r, SK_E_TRUNCATED);
			assert_int_equal(e.code, SK_E_TRUNCATED);
			assert_true(p.trunc & SK_NET_TRUNC_HDR);
			assert_true(e.offset <= n);
		} else {
			assert_int_equal(r, SK_OK);
			assert_int_equal(p.trunc, SK_NET_TRUNC_PAYLOAD);
			assert_int_equal(p.payload_len, n - payload_at);
			assert_int_equal(p.payload_off, payload_at);
			assert_int_equal(p.payload_wire_len, sizeof payload);
		}
	}
}

static void ethernet_ipv4(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	eth(&f, NULL, 0, 0x0800);
	ipv4_udp(&f, 0, 0x4000); /* DF */
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, f.b, f.n, &p, NULL), SK_OK);
	assert_udp4(&p);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.fragment, 0);
	assert_int_equal(p.nvlan, 0);
	every_truncation(SK_LINK_ETHERNET, &f, 42);

	/* Ethernet padding after the IP packet is not payload. */
	for (int i = 0; i < 6; i++)
		put8(&f, 0xee);
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, f.b, f.n, &p, NULL), SK_OK);
	assert_udp4(&p);
}

static void ethernet_vlan_qinq(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	const uint16_t one[] = { 0x8100, 0x2064 }; /* PCP 1, VID 100 */
	eth(&f, one, 2, 0x0800);
	ipv4_udp(&f, 0, 0);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, f.b, f.n, &p, NULL), SK_OK);
	assert_udp4(&p);
	assert_int_equal(p.nvlan, 1);
	assert_int_equal(p.vlan[0], 100);
	every_truncation(SK_LINK_ETHERNET, &f, 46);

	struct fb q = { .n = 0 };
	const uint16_t two[] = { 0x88a8, 0x0c8, 0x8100, 0xfff };
	eth(&q, two, 4, 0x86dd);
	ipv6_udp(&q, 0);
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, q.b, q.n, &p, NULL), SK_OK);
	assert_udp6(&p);
	assert_int_equal(p.nvlan, 2);
	assert_int_equal(p.vlan[0], 200);
	assert_int_equal(p.vlan[1], 4095);
	assert_int_equal(p.ethertype, 0x86dd);
	every_truncation(SK_LINK_ETHERNET, &q, 22 + 48);

	/* Too many tags is refused, not overrun. */
	struct fb m = { .n = 0 };
	const uint16_t five[] = { 0x8100, 1, 0x8100, 2, 0x8100, 3, 0x8100, 4, 0x8100, 5 };
	eth(&m, five, 10, 0x0800);
	ipv4_udp(&m, 0, 0);
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, m.b, m.n, &p, NULL), SK_E_UNSUPPORTED);
}

static void ethernet_not_ip(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	eth(&f, NULL, 0, 0x0806); /* ARP */
	for (int i = 0; i < 28; i++)
		put8(&f, 0);
	struct sk_pkt p;
	struct sk_error e = { 0 };
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, f.b, f.n, &p, &e), SK_E_UNSUPPORTED);
	assert_int_equal(e.offset, 14);
	f.b[12] = 0x00, f.b[13] = 0x40; /* 802.3 length */
	assert_int_equal(sk_net_dissect(SK_LINK_ETHERNET, f.b, f.n, &p, NULL), SK_E_UNSUPPORTED);
}

static void sll_and_sll2(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	put16(&f, 0), put16(&f, 772), put16(&f, 6);
	for (int i = 0; i < 8; i++)
		put8(&f, 0);
	put16(&f, 0x0800);
	ipv4_udp(&f, 0, 0);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_SLL, f.b, f.n, &p, NULL), SK_OK);
	assert_udp4(&p);
	every_truncation(SK_LINK_SLL, &f, 16 + 28);

	struct fb g = { .n = 0 };
	put16(&g, 0x86dd), put16(&g, 0), put32(&g, 1), put16(&g, 1), put8(&g, 4), put8(&g, 6);
	for (int i = 0; i < 8; i++)
		put8(&g, 0);
	ipv6_udp(&g, 1);
	assert_int_equal(sk_net_dissect(SK_LINK_SLL2, g.b, g.n, &p, NULL), SK_OK);
	assert_udp6(&p);
	every_truncation(SK_LINK_SLL2, &g, 20 + 40 + 48 + 8);
}

static void raw_links(void **state)
{
	(void)state;
	struct fb f4 = { .n = 0 }, f6 = { .n = 0 };
	ipv4_udp(&f4, 0, 0);
	ipv6_udp(&f6, 0);
	const int raw[] = { SK_LINK_RAW_DLT, SK_LINK_RAW_DLT14, SK_LINK_RAW };
	struct sk_pkt p;
	for (size_t i = 0; i < 3; i++) {
		assert_true(sk_net_linktype_supported(raw[i]));
		assert_int_equal(sk_net_dissect(raw[i], f4.b, f4.n, &p, NULL), SK_OK);
		assert_udp4(&p);
		assert_int_equal(sk_net_dissect(raw[i], f6.b, f6.n, &p, NULL), SK_OK);
		assert_udp6(&p);
		every_truncation(raw[i], &f4, 28);
		every_truncation(raw[i], &f6, 48);
	}
	assert_int_equal(sk_net_dissect(SK_LINK_IPV4, f4.b, f4.n, &p, NULL), SK_OK);
	assert_udp4(&p);
	every_truncation(SK_LINK_IPV4, &f4, 28);
	assert_int_equal(sk_net_dissect(SK_LINK_IPV6, f6.b, f6.n, &p, NULL), SK_OK);
	assert_udp6(&p);
	every_truncation(SK_LINK_IPV6, &f6, 48);
	/* The fixed-version link types check the version. */
	assert_int_equal(sk_net_dissect(SK_LINK_IPV4, f6.b, f6.n, &p, NULL), SK_E_INVALID);
	assert_int_equal(sk_net_dissect(SK_LINK_IPV6, f4.b, f4.n, &p, NULL), SK_E_INVALID);
	/* Raw with a version nibble that is neither. */
	f4.b[0] = 0x55;
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, f4.b, f4.n, &p, NULL), SK_E_UNSUPPORTED);
	assert_false(sk_net_linktype_supported(147));
	assert_int_equal(sk_net_dissect(147, f4.b, f4.n, &p, NULL), SK_E_UNSUPPORTED);
	assert_string_equal(sk_net_linktype_name(SK_LINK_SLL2), "sll2");
}

static void null_and_loop(void **state)
{
	(void)state;
	/* (link type, family word as written) */
	const struct { int lt; uint32_t fam; int v6; } cases[] = {
		{ SK_LINK_NULL, 0x02000000, 0 }, /* little-endian host, AF_INET */
		{ SK_LINK_NULL, 0x00000002, 0 }, /* big-endian host */
		{ SK_LINK_NULL, 0x1e000000, 1 }, /* macOS AF_INET6, little-endian */
		{ SK_LINK_NULL, 0x0000001c, 1 }, /* FreeBSD AF_INET6, big-endian */
		{ SK_LINK_NULL, 0x18000000, 1 }, /* OpenBSD AF_INET6 */
		{ SK_LINK_LOOP, 0x00000002, 0 },
		{ SK_LINK_LOOP, 0x0000000a, 1 }, /* Linux AF_INET6 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fb f = { .n = 0 };
		put32(&f, cases[i].fam);
		if (cases[i].v6)
			ipv6_udp(&f, 0);
		else
			ipv4_udp(&f, 0, 0);
		struct sk_pkt p;
		assert_int_equal(sk_net_dissect(cases[i].lt, f.b, f.n, &p, NULL), SK_OK);
		if (cases[i].v6)
			assert_udp6(&p);
		else
			assert_udp4(&p);
		every_truncation(cases[i].lt, &f, cases[i].v6 ? 52 : 32);
	}
	struct fb f = { .n = 0 };
	put32(&f, 0x07000000);
	ipv4_udp(&f, 0, 0);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_NULL, f.b, f.n, &p, NULL), SK_E_UNSUPPORTED);
}

static void ipv4_options_and_fragments(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	ipv4_udp(&f, 8, 0);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, f.b, f.n, &p, NULL), SK_OK);
	assert_udp4(&p);
	assert_int_equal(p.l4_off, 28);
	every_truncation(SK_LINK_RAW, &f, 36);

	/* First fragment (MF): UDP header decoded, flagged as fragment. */
	struct fb g = { .n = 0 };
	ipv4_udp(&g, 0, 0x2000);
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, g.b, g.n, &p, NULL), SK_OK);
	assert_int_equal(p.fragment, 1);
	assert_int_equal(p.frag_off, 0);
	assert_int_equal(p.l4, 1);
	assert_int_equal(p.dport, 862);

	/* A later fragment (offset 185 * 8): no transport header. */
	struct fb h = { .n = 0 };
	ipv4_udp(&h, 0, 185);
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, h.b, h.n, &p, NULL), SK_OK);
	assert_int_equal(p.fragment, 1);
	assert_int_equal(p.frag_off, 1480);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.payload_len, 20);
	assert_int_equal(p.payload_off, 20);
}

static void ipv4_invalid(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	ipv4_udp(&f, 0, 0);
	struct sk_pkt p;
	struct sk_error e = { 0 };
	uint8_t b[64];
	memcpy(b, f.b, f.n);
	b[0] = 0x44; /* IHL 4 */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, &e), SK_E_INVALID);
	assert_int_equal(e.offset, 0);
	memcpy(b, f.b, f.n);
	b[2] = 0, b[3] = 10; /* total length below header */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, &e), SK_E_INVALID);
	assert_int_equal(e.offset, 2);
	memcpy(b, f.b, f.n);
	b[24] = 0, b[25] = 4; /* UDP length 4 */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, &e), SK_E_INVALID);
	assert_int_equal(e.offset, 24);
	memcpy(b, f.b, f.n);
	b[25] = 200; /* UDP length beyond the IP packet */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, &e), SK_E_INVALID);
	memcpy(b, f.b, f.n);
	b[9] = 1; /* ICMP */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, &e), SK_E_UNSUPPORTED);
	assert_int_equal(p.proto, 1);
}

static void ipv6_extension_headers(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	ipv6_udp(&f, 1);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, f.b, f.n, &p, NULL), SK_OK);
	assert_udp6(&p);
	assert_int_equal(p.l4_off, 40 + 48);
	assert_int_equal(p.fragment, 1); /* atomic fragment header is still a Fragment header */
	assert_int_equal(p.frag_off, 0);
	every_truncation(SK_LINK_RAW, &f, 40 + 48 + 8);

	/* Fragment header with a non-zero offset: no UDP header. */
	uint8_t b[256];
	memcpy(b, f.b, f.n);
	b[40 + 40 + 2] = 0x05, b[40 + 40 + 3] = 0x40; /* offset 0x0540 & 0xfff8 */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, NULL), SK_OK);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.frag_off, 0x540);

	/* Extension headers longer than the payload length. */
	memcpy(b, f.b, f.n);
	b[4] = 0, b[5] = 16;
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, b, f.n, &p, NULL), SK_E_TRUNCATED);
}

static void tcp_with_options(void **state)
{
	(void)state;
	struct fb f = { .n = 0 };
	const char data[] = "greeting";
	put8(&f, 0x45), put8(&f, 0), put16(&f, (uint16_t)(20 + 32 + 8)), put32(&f, 0);
	put8(&f, 64), put8(&f, 6), put16(&f, 0), put32(&f, 0x7f000001), put32(&f, 0x7f000002);
	put16(&f, 862), put16(&f, 51000), put32(&f, 1000), put32(&f, 2000);
	put8(&f, 0x80), put8(&f, 0x18), put16(&f, 512), put32(&f, 0);
	for (int i = 0; i < 12; i++)
		put8(&f, 1);
	put(&f, data, 8);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, f.b, f.n, &p, NULL), SK_OK);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport, 862);
	assert_int_equal(p.dport, 51000);
	assert_int_equal(p.tcp_seq, 1000);
	assert_int_equal(p.tcp_ack, 2000);
	assert_int_equal(p.tcp_flags, SK_TCP_PSH | SK_TCP_ACK);
	assert_int_equal(p.payload_len, 8);
	assert_memory_equal(p.payload, data, 8);
	for (size_t n = 0; n < f.n; n++) {
		enum sk_result r = sk_net_dissect(SK_LINK_RAW, f.b, n, &p, NULL);
		assert_int_equal(r, n < 52 ? SK_E_TRUNCATED : SK_OK);
		if (n >= 52)
			assert_int_equal(p.payload_len, n - 52);
	}
	f.b[32] = 0x40; /* data offset 16 */
	assert_int_equal(sk_net_dissect(SK_LINK_RAW, f.b, f.n, &p, NULL), SK_E_INVALID);
}

static void addr_strings(void **state)
{
	(void)state;
	char buf[64];
	const uint8_t a4[16] = { 192, 0, 2, 1 };
	assert_string_equal(sk_net_addr_str(4, a4, buf, sizeof buf), "192.0.2.1");
	assert_string_equal(sk_net_addr_str(6, v6src, buf, sizeof buf), "2001:db8::1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ethernet_ipv4),
		cmocka_unit_test(ethernet_vlan_qinq),
		cmocka_unit_test(ethernet_not_ip),
		cmocka_unit_test(sll_and_sll2),
		cmocka_unit_test(raw_links),
		cmocka_unit_test(null_and_loop),
		cmocka_unit_test(ipv4_options_and_fragments),
		cmocka_unit_test(ipv4_invalid),
		cmocka_unit_test(ipv6_extension_headers),
		cmocka_unit_test(tcp_with_options),
		cmocka_unit_test(addr_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
