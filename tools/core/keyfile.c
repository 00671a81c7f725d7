/* SPDX-License-Identifier: BSD-3-Clause */
/* keyfile.c - TWAMP "KeyID passphrase" files (RFC 4656 §3.1, RFC 5357 §3.1), and the warning
 * about files of secrets that other users can read. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "keyfile.h"
#include "log.h"

int sk_secret_file_warn(int fd, const char *path)
{
	/* Once per file: a server that reads its keys again, or one file given twice. */
	static struct { dev_t dev; ino_t ino; } warned[16];
	static unsigned nwarned;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & (S_IRWXG | S_IRWXO)))
		return 0;
	for (unsigned i = 0; i < nwarned; i++)
		if (warned[i].dev == st.st_dev && warned[i].ino == st.st_ino)
			return 1;
	if (nwarned < sizeof warned / sizeof warned[0]) {
		warned[nwarned].dev = st.st_dev;
		warned[nwarned].ino = st.st_ino;
		nwarned++;
	}
	bool g = st.st_mode & (S_IRGRP | S_IWGRP), o = st.st_mode & (S_IROTH | S_IWOTH);
	sk_warn("%s holds secrets and is %s by %s: chmod 600 %s", path,
		st.st_mode & (S_IRGRP | S_IROTH) ? "readable" : "accessible",
		g && o ? "its group and others" : g ? "its group" : "others", path);
	return 1;
}

/* One line: blanks around, KeyID up to the first blank, the rest is the passphrase (it may
 * hold blanks: "correct horse battery"). 1 a key, 0 blank or comment, -1 malformed. */
static int parse_line(char *line, struct sk_key *k)
{
	size_t l = strlen(line);
	while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
		line[--l] = 0;
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return 0;
	char *sp = p;
	while (*sp && *sp != ' ' && *sp != '\t')
		sp++;
	size_t idlen = (size_t)(sp - p);
	while (*sp == ' ' || *sp == '\t')
		sp++;
	size_t slen = strlen(sp);
	while (slen && (sp[slen - 1] == ' ' || sp[slen - 1] == '\t'))
		slen--;
	if (!idlen || idlen > SK_TWCTL_KEYID_LEN || !slen || slen >= sizeof k->secret)
		return -1;
	memset(k, 0, sizeof *k);
	memcpy(k->id, p, idlen);
	memcpy(k->secret, sp, slen);
	k->secret_len = slen;
	return 1;
}

int sk_keys_load(const char *path, struct sk_keys *ks, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	sk_secret_file_warn(fileno(f), path);
	char line[512];
	unsigned ln = 0;
	ks->n = 0;
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		struct sk_key k;
		int r = parse_line(line, &k);
		if (r == 0)
			continue;
		if (r < 0 || ks->n == SK_KEYS_MAX) {
			snprintf(err, errlen, "%s:%u: expected 'KeyID passphrase' (KeyID up to 80 octets, "
				 "at most %d lines)", path, ln, SK_KEYS_MAX);
			rc = -1;
			break;
		}
		ks->k[ks->n++] = k;
		memset(&k, 0, sizeof k);
	}
	memset(line, 0, sizeof line);
	fclose(f);
	if (!rc && !ks->n) {
		snprintf(err, errlen, "%s: no key", path);
		rc = -1;
	}
	if (rc)
		sk_keys_wipe(ks);
	return rc;
}

const struct sk_key *sk_keys_find(const struct sk_keys *ks, const char *id)
{
	for (unsigned i = 0; i < ks->n; i++)
		if (!id || !strcmp(id, ks->k[i].id))
			return &ks->k[i];
	return NULL;
}

int sk_keys_lookup(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret,
		   size_t *secret_len)
{
	const struct sk_keys *ks = ctx;
	if (!ks)
		return -1;
	for (unsigned i = 0; i < ks->n; i++) {
		uint8_t id[SK_TWCTL_KEYID_LEN];
		memset(id, 0, sizeof id);
		memcpy(id, ks->k[i].id, strlen(ks->k[i].id));
		if (!memcmp(id, keyid, sizeof id)) {
			*secret = (const uint8_t *)ks->k[i].secret;
			*secret_len = ks->k[i].secret_len;
			return 0;
		}
	}
	return -1;
}

void sk_keys_wipe(struct sk_keys *ks)
{
	volatile uint8_t *p = (volatile uint8_t *)ks;
	for (size_t i = 0; i < sizeof *ks; i++)
		p[i] = 0;
}
