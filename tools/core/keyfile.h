/* SPDX-License-Identifier: BSD-3-Clause */
/* keyfile.h - TWAMP shared secrets (RFC 4656 §3.1, RFC 5357 §3.1): a file of "KeyID
 * passphrase" lines, '#' comments, read by the server (every KeyID it accepts), the control
 * clients (the KeyID they use) and decode/analyze (--secret-file); and the warning that a
 * file of secrets is readable by other users. */
#ifndef STAMPKIT_TOOLS_KEYFILE_H
#define STAMPKIT_TOOLS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "stampkit/twamp_control.h"

#define SK_KEYS_MAX 64

struct sk_key {
	char id[SK_TWCTL_KEYID_LEN + 1]; /* KeyID, NUL-terminated (at most 80 octets) */
	char secret[256];
	size_t secret_len;
};

struct sk_keys {
	struct sk_key k[SK_KEYS_MAX];
	unsigned n;
};

/* Reads path into ks (with sk_secret_file_warn). 0, or -1 after writing one line
 * "PATH[:LINE]: reason" into err (unreadable file, a malformed line, too many lines, no key
 * at all). */
int sk_keys_load(const char *path, struct sk_keys *ks, char *err, size_t errlen);

/* The key named id, or the first key when id is NULL; NULL when there is none. */
const struct sk_key *sk_keys_find(const struct sk_keys *ks, const char *id);

/* The state machine's key_lookup (twamp_sm.h): ctx is a const struct sk_keys * (NULL:
 * no key at all); a KeyID is compared as the 80 octets of the wire field. */
int sk_keys_lookup(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret,
		   size_t *secret_len);

/* A file of secrets (fd open on path) readable by its group or by others: "stampkit CMD:
 * warning: PATH is readable by ...: chmod 600 PATH" on standard error, once per file and
 * process. Returns 1 when it warned (now or before), else 0. */
int sk_secret_file_warn(int fd, const char *path);

/* Overwrites the secrets before the memory is given back. */
void sk_keys_wipe(struct sk_keys *ks);

#endif
