/* SPDX-License-Identifier: BSD-3-Clause */
/* twlive.h - what the TWAMP server and the control clients share on a live connection:
 * writing the state machine's output, the random source it needs, Modes and Accept values
 * in words, the test-packet options a Mode selects (RFC 4656 §3, RFC 5357 §3-4, RFC 5618,
 * RFC 6038, RFC 7750). */
#ifndef STAMPKIT_TOOLS_TWLIVE_H
#define STAMPKIT_TOOLS_TWLIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stampkit/crypto.h"
#include "stampkit/twamp_sm.h"

#define SK_TW_CONTROL_PORT 862
#define SK_TW_MAX_PKT 9216

/* The optional features stampkit offers and asks for: RFC 6038 reflect octets and
 * symmetrical size, RFC 7750 DSCP/ECN monitoring. */
#define SK_TWMODE_FEATURES (SK_TWMODE_REFLECT_OCTETS | SK_TWMODE_SYMMETRICAL | SK_TWMODE_DSCP_ECN)

/* getrandom(2) for the state machine (SIDs, salts, IVs, Challenges). */
void sk_tw_random(void *ctx, uint8_t *buf, size_t n);

/* Write everything the machine queued; 0, or -1 when the connection failed. */
int sk_tw_flush(int fd, struct sk_twsm *sm);

/* "Cannot perform request due to temporary resource limitations" for Accept 5. */
const char *sk_tw_accept_name(uint8_t accept);
/* "unauthenticated", "authenticated", "encrypted", "mixed" for one security bit. */
const char *sk_tw_mode_name(uint32_t mode);
/* The test-packet options (SK_TF_*) a Set-Up-Response Mode selects. */
uint8_t sk_tw_tf_of(uint32_t mode);
/* A comma-separated list of reflect-octets, symmetrical, dscp-ecn into Modes bits;
 * -1 when an item names none of them. */
int sk_tw_parse_features(const char *list, uint32_t *mode);

bool sk_tw_all_zero(const uint8_t *p, size_t n);
int sk_tw_nonblock(int fd);

#endif
