/* SPDX-License-Identifier: BSD-3-Clause */
/* parse.h - checked number parsing, DSCP names and IMIX sizes shared by the commands. */
#ifndef STAMPKIT_TOOLS_PARSE_H
#define STAMPKIT_TOOLS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checked parsing: decimal only, within [min, max] (a sign only when min < 0). 0 or -1. */
int sk_parse_long(const char *s, long min, long max, long *out);
/* A decimal port number 1-65535 (0 too when allow_zero: "pick one"); 0 ok, -1 not a port. */
int sk_parse_port(const char *s, int allow_zero, uint16_t *out);
/* A non-negative decimal with an optional fraction, finite, <= max. */
int sk_parse_double(const char *s, double max, double *out);

/* DSCP: a name (twampy's table, case-insensitive, plus cs0/cs6/cs7/va/df/cpN) or 0..63. */
int sk_dscp_parse(const char *s, int *dscp);
/* twampy's name of a code point (be, cs1, af11, ..., ef, nc1, nc2, cpN). */
const char *sk_dscp_name(int dscp, char *buf, size_t len);

/* A link-layer address aa:bb:cc:dd:ee:ff (hex digits, one or two each). 0 or -1. */
int sk_parse_mac(const char *s, uint8_t mac[6]);

/* One pick from twampy's IMIX padding list of the IP version. */
long sk_imix_pick(bool ipv6);

#endif
