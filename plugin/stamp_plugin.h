/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stamp_plugin.h - what the two dissectors share: registration entry points and the test
 * session a TWAMP-Control connection negotiates (RFC 5357 §3.5, §4). */
#ifndef STAMPKIT_PLUGIN_H
#define STAMPKIT_PLUGIN_H

#include <wireshark.h>
#include <epan/packet.h>

#include "stampkit/stampkit.h"

/* A TWAMP test session learnt from Request-TW-Session / Accept-Session, attached to the UDP
 * conversation of its negotiated ports. */
struct stamp_twsess {
	guint32 setup_frame;      /* frame of the Accept-Session */
	guint16 sender_port;      /* Session-Sender's UDP port */
	guint16 reflector_port;   /* Session-Reflector's UDP port */
	address sender_addr;      /* wmem_file_scope copy */
	guint8 sec;               /* enum sk_sec */
	guint8 features;          /* SK_TF_* */
	guint16 reflect_len;
	guint32 mode;             /* Set-Up-Response Mode */
	guint8 sid[16];
	gboolean has_keys;
	guint8 test_aes[16];
	guint8 test_hmac[32];
};

/* What the `stamp` tap carries for each decoded test packet (fixed part complete). */
struct stamp_tap_info {
	const void *session;      /* identity of the session: same pointer for both directions */
	guint32 session_no;       /* 1, 2, ... in order of first appearance */
	guint8 proto, role;       /* enum sk_test_proto, enum sk_test_role */
	gboolean negotiated;      /* a TWAMP session set up by TWAMP-Control in the capture */
	guint16 ssid;
	guint32 seq, sender_seq;
	gboolean have_times;      /* reflector: t1..t4 filled */
	gint64 t1, t2, t3, t4;    /* Unix ns; t4 is the capture time of the reflector packet */
	const address *src, *dst;
	guint32 srcport, dstport;
};

void proto_register_stamp(void);
void register_stamp_stat(void);
void proto_reg_handoff_stamp(void);
void proto_register_twampctl(void);
void proto_reg_handoff_twampctl(void);

/* Registers a TWAMP test session on its UDP ports (called by twampctl). */
void stamp_register_twamp_session(packet_info *pinfo, const address *sender, const address *reflector,
				  const struct stamp_twsess *s);

#endif
