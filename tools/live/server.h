/* SPDX-License-Identifier: BSD-3-Clause */
/* server.h - `stampkit server`: a TWAMP Server (RFC 5357 §3) with a Session-Reflector per
 * accepted session (RFC 5357 §4.2), RFC 5618 mixed mode, RFC 5938 individual session
 * control, RFC 6038 and RFC 7750 features. */
#ifndef STAMPKIT_TOOLS_SERVER_H
#define STAMPKIT_TOOLS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct server_opts {
	const char *local;      /* LOCAL operand ("" or NULL: every address, port 862) */
	uint32_t modes;         /* SK_TWMODE_* offered (security bits and features) */
	uint32_t pbkdf2_count;  /* Count in the Server-Greeting (1024..SK_TWAMP_COUNT_MAX) */
	const char *key_file;   /* "KeyID passphrase" lines; needed for auth/encrypted/mixed */
	unsigned max_conns;     /* control connections at once; beyond: Modes 0 */
	unsigned max_conns_src; /* control connections at once from one client address */
	unsigned max_sess;      /* test sessions at once; beyond: Accept 5 */
	unsigned max_sess_src;  /* test sessions at once for one client address; beyond: Accept 5 */
	long servwait_s;        /* close a control connection idle this long (SERVWAIT) */
	long setup_s;           /* greeting to first command, one message, unread answers: at most */
	long port_lo, port_hi;  /* reflector ports chosen when the asked one is taken */
	int tos, ttl;           /* IP options of the reflectors (-1 / default) */
	bool json;              /* counters at exit as one JSON document */
	const char *metrics;    /* --metrics ADDR:PORT, or NULL */
};

/* Serves until SIGINT/SIGTERM, then prints the counters on standard output. Returns the
 * exit status: 0, 1 (cannot listen), 2 (key file). */
int server_run(const struct server_opts *o);

#endif
