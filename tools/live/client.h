/* SPDX-License-Identifier: BSD-3-Clause */
/* client.h - the TWAMP Control-Clients (RFC 5357 §3): `stampkit controller` (Control-Client
 * and Session-Sender: sets up sessions, sends, prints the results) and `stampkit
 * controlclient` (sessions for a Session-Sender elsewhere). */
#ifndef STAMPKIT_TOOLS_CLIENT_H
#define STAMPKIT_TOOLS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

struct client_opts {
	const char *server;     /* SERVER[:PORT] (TWAMP-Control, default port 862) */
	const char *second;     /* controller: LOCAL; controlclient: SENDER; NULL: default */
	uint32_t mode;          /* one security bit: SK_TWMODE_UNAUTH/AUTH/ENCRYPT/MIXED */
	uint32_t features;      /* SK_TWMODE_REFLECT_OCTETS | SYMMETRICAL | DSCP_ECN asked for */
	const char *key_id;     /* NULL: the key file's first line */
	const char *key_file;   /* needed unless unauthenticated */
	long sessions;          /* 1..SK_TWSM_MAX_SESSIONS */
	int session_dscp;       /* signalled in Type-P; -1 none */
	long padding;           /* octets after the fixed part (Padding Length) */
	double session_timeout_s; /* Timeout in Request-TW-Session (RFC 5357 §3.5) */
	double reply_wait_s;    /* controller: wait for late replies after the last packet */
	uint16_t test_port;     /* Receiver Port asked for session 0 (session i: + i) */
	bool individual;        /* Start-N / Stop-N-Sessions (RFC 5938) */
	/* controller */
	long count;             /* packets per session */
	double interval_ms;
	int tos, ttl;           /* IP options of the test packets (-1 / default) */
	bool dont_fragment;
	/* controlclient: keep the sessions this long, 0 until SIGINT (controller: turned into
	 * count by the command line, as in the sender) */
	double duration_s;
	bool json;              /* one JSON document on standard output */
	/* controller: --report-interval S (0: none), --metrics ADDR:PORT (NULL: none) */
	double report_interval;
	const char *metrics;
};

/* Each returns the exit status: 0, 1 (network, refusal by the server), 2 (key file). */
int controller_run(const struct client_opts *o);
int controlclient_run(const struct client_opts *o);

#endif
