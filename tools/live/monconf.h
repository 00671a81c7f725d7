/* SPDX-License-Identifier: BSD-3-Clause */
/* monconf.h - the configuration file of `stampkit monitor`: INI (read by libinih), a
 * [monitor] section with the settings of the process and the defaults of every target,
 * then one [target NAME] section per target. Reference: docs/monitoring.md. */
#ifndef STAMPKIT_TOOLS_MONCONF_H
#define STAMPKIT_TOOLS_MONCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "keyfile.h"
#include "tlvopt.h"

#define SK_MON_NAME_MAX 48

/* One target: everything that decides its test session. Two targets with the same
 * settings compare equal with sk_montarget_same (a reload keeps such a target running). */
struct sk_montarget {
	char name[SK_MON_NAME_MAX];
	char address[128];           /* as written, for the labels */
	struct sockaddr_storage remote, local;
	socklen_t remote_len, local_len;
	int mode;                    /* SK_MON_STAMP, SK_MON_TWAMP_LIGHT, SK_MON_TWAMP */
	double rate;                 /* packets per second */
	long padding;                /* octets beyond the fixed part; -1 IMIX; -2 the default */
	int tos;                     /* -1: system default */
	uint16_t ssid;
	uint16_t test_port;          /* mode twamp: Receiver Port asked for (default 20000) */
	struct sk_tlvopt tlvs[SK_TLVOPT_MAX];
	unsigned ntlv;
	bool hmac_tlv;
	uint8_t key[256];            /* key = FILE: STAMP authenticated mode */
	size_t key_len;
	uint8_t hmac_key[256];       /* hmac-key = FILE: HMAC TLV of the unauthenticated mode */
	size_t hmac_key_len;
	/* mode twamp: the security mode asked for in the Set-Up-Response (SK_TWMODE_UNAUTH,
	 * AUTH, ENCRYPT or MIXED) and, unless unauthenticated, the key named by key-id in
	 * key-file (as the controller's --mode-auth, --key-id, --key-file); the key's contents
	 * are compared too, so a reload after the file changed starts the target again. */
	uint32_t security;
	char key_id[SK_TWCTL_KEYID_LEN + 1]; /* "": the key file's first line */
	char key_file[256];
	struct sk_key tw_key;
	int line;                    /* where the section's first setting is */
	bool have_address;
};

enum { SK_MON_STAMP = 0, SK_MON_TWAMP_LIGHT, SK_MON_TWAMP };

struct sk_monconf {
	double report_interval;      /* s; 0: none */
	double timeout;              /* loss threshold, s */
	char report_dir[512];        /* "": interval objects on standard output (with --json) */
	char metrics[128];           /* "": none (the command line's --metrics wins) */
	struct sk_montarget defaults;
	struct sk_montarget *targets;
	size_t ntargets, cap;
};

/* Reads path. 0, or -1 after writing "PATH:LINE: reason" (or "PATH: reason") into err. */
int sk_monconf_load(const char *path, struct sk_monconf *c, char *err, size_t errlen);
/* Gives the targets back, their secrets overwritten first. */
void sk_monconf_free(struct sk_monconf *c);
bool sk_montarget_same(const struct sk_montarget *a, const struct sk_montarget *b);
const char *sk_monmode_name(int mode);

#endif
