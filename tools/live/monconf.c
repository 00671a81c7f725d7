/* SPDX-License-Identifier: BSD-3-Clause */
/* monconf.c - `stampkit monitor`'s INI file through libinih; every value is checked here
 * and a mistake names the file and line (monconf.h, docs/monitoring.md). */
#include "monconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keyfile.h"
#include "parse.h"
#include "udpio.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"

struct load {
	struct sk_monconf *c;
	const char *path;
	FILE *f;
	int line;                /* the line libinih read last */
	char err[400];
	int err_line;
	struct sk_montarget *cur; /* the [target] being read; NULL in [monitor] */
	bool in_section;
};

static int enter(struct load *ld, const char *section);

/* libinih hands over one line per call: counting them gives each setting its line, and a
 * section header is taken here, so an empty or repeated section is seen too. */
static char *reader(char *str, int num, void *stream)
{
	struct load *ld = stream;
	char *r = fgets(str, num, ld->f);
	if (!r)
		return r;
	ld->line++;
	const char *p = str + strspn(str, " \t");
	const char *e = strchr(p, ']');
	if (*p == '[' && e) {
		char name[160];
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		snprintf(name, sizeof name, "%.*s", (int)(e - p), p);
		ld->in_section = true;
		enter(ld, name);
	}
	return r;
}

static int fail(struct load *ld, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
static int fail(struct load *ld, const char *fmt, ...)
{
	char msg[300];
	if (ld->err[0])
		return 0; /* libinih reads on after an error: the first one is the one to fix */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(ld->err, sizeof ld->err, "%s:%d: %s", ld->path, ld->line, msg);
	ld->err_line = ld->line;
	return 0;
}

static int read_key(struct load *ld, const char *path, uint8_t key[256], size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(ld, "cannot open key file %s: %s", path, strerror(errno));
	sk_secret_file_warn(fileno(f), path);
	size_t n = fread(key, 1, 256, f);
	int more = fgetc(f) != EOF;
	fclose(f);
	while (n && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	*len = n;
	if (!n || more)
		return fail(ld, "key file %s: expected 1..256 octets", path);
	return 1;
}

static struct sk_montarget *new_target(struct load *ld, const char *name)
{
	struct sk_monconf *c = ld->c;
	for (size_t i = 0; i < c->ntargets; i++)
		if (!strcmp(c->targets[i].name, name)) {
			fail(ld, "[target %s] is there twice", name);
			return NULL;
		}
	if (c->ntargets == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct sk_montarget *t = realloc(c->targets, cap * sizeof *t);
		if (!t) {
			fail(ld, "out of memory");
			return NULL;
		}
		c->targets = t;
		c->cap = cap;
	}
	struct sk_montarget *t = &c->targets[c->ntargets++];
	memcpy(t, &c->defaults, sizeof *t); /* padding octets too: sk_montarget_same */
	snprintf(t->name, sizeof t->name, "%s", name);
	t->line = ld->line;
	return t;
}

/* A section header: [monitor] or [target NAME] (NAME: letters, digits, . _ -). */
static int enter(struct load *ld, const char *section)
{
	ld->cur = NULL;
	if (!strcmp(section, "monitor")) {
		if (ld->c->ntargets)
			return fail(ld, "[monitor] must come before the first [target]");
		ld->cur = NULL;
		return 1;
	}
	if (strncmp(section, "target ", 7))
		return fail(ld, "unknown section [%s] (expected [monitor] or [target NAME])",
			    section);
	const char *name = section + 7;
	size_t n = strlen(name);
	if (!n || n >= SK_MON_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
						 "OPQRSTUVWXYZ0123456789._-") != n)
		return fail(ld, "target name '%s': 1..47 letters, digits, '.', '_', '-'", name);
	ld->cur = new_target(ld, name);
	return ld->cur != NULL;
}

/* A setting every target has (in [target] or, as a default, in [monitor]). */
static int target_key(struct load *ld, struct sk_montarget *t, const char *k, const char *v)
{
	char e[200];
	long l;
	double d;
	if (!strcmp(k, "address")) {
		if (!ld->cur)
			return fail(ld, "address belongs in a [target] section");
		if (sk_addr_parse(v, 862, 0, false, &t->remote, &t->remote_len, e, sizeof e))
			return fail(ld, "address '%s': %s", v, e);
		snprintf(t->address, sizeof t->address, "%s", v);
		t->have_address = true;
	} else if (!strcmp(k, "local")) {
		if (sk_addr_parse(v, 0, 0, true, &t->local, &t->local_len, e, sizeof e))
			return fail(ld, "local '%s': %s", v, e);
	} else if (!strcmp(k, "mode")) {
		if (!strcmp(v, "stamp"))
			t->mode = SK_MON_STAMP;
		else if (!strcmp(v, "twamp-light"))
			t->mode = SK_MON_TWAMP_LIGHT;
		else if (!strcmp(v, "twamp"))
			t->mode = SK_MON_TWAMP;
		else
			return fail(ld, "mode '%s': expected stamp, twamp-light or twamp", v);
	} else if (!strcmp(k, "rate")) {
		if (sk_parse_double(v, 10000, &d) || d <= 0)
			return fail(ld, "rate '%s': packets per second, > 0 and <= 10000", v);
		t->rate = d;
	} else if (!strcmp(k, "padding")) {
		if (!strcasecmp(v, "imix"))
			t->padding = -1;
		else if (sk_parse_long(v, 0, 9000, &l))
			return fail(ld, "padding '%s': octets 0..9000 or imix", v);
		else
			t->padding = l;
	} else if (!strcmp(k, "dscp")) {
		int dscp;
		if (sk_dscp_parse(v, &dscp))
			return fail(ld, "dscp '%s': a name (ef, af41, cs1, ...) or 0..63", v);
		t->tos = dscp << 2;
	} else if (!strcmp(k, "test-port")) {
		if (sk_parse_long(v, 0, 65535, &l))
			return fail(ld, "test-port '%s': 0..65535 (0: the server chooses)", v);
		t->test_port = (uint16_t)l;
	} else if (!strcmp(k, "ssid")) {
		if (sk_parse_long(v, 0, 65535, &l))
			return fail(ld, "ssid '%s': 0..65535", v);
		t->ssid = (uint16_t)l;
	} else if (!strcmp(k, "tlv")) {
		struct sk_tlvopt o;
		memset(&o, 0, sizeof o);
		if (sk_tlvopt_parse(v, &o, e, sizeof e))
			return fail(ld, "tlv '%s': %s", v, e);
		if (o.type == SK_TLV_HMAC)
			t->hmac_tlv = true;
		else if (t->ntlv == SK_TLVOPT_MAX)
			return fail(ld, "tlv: at most %d", SK_TLVOPT_MAX);
		else
			t->tlvs[t->ntlv++] = o;
	} else if (!strcmp(k, "key")) {
		return read_key(ld, v, t->key, &t->key_len);
	} else if (!strcmp(k, "hmac-key")) {
		return read_key(ld, v, t->hmac_key, &t->hmac_key_len);
	} else if (!strcmp(k, "security")) {
		static const char *const names[] = { "unauthenticated", "authenticated", "encrypted",
						     "mixed" };
		static const char *const shortn[] = { "unauth", "auth", "encrypted", "mixed" };
		static const uint32_t bits[] = { SK_TWMODE_UNAUTH, SK_TWMODE_AUTH,
						 SK_TWMODE_ENCRYPT, SK_TWMODE_MIXED };
		for (unsigned i = 0; i < 4; i++)
			if (!strcmp(v, names[i]) || !strcmp(v, shortn[i])) {
				t->security = bits[i];
				return 1;
			}
		return fail(ld, "security '%s': expected unauthenticated, authenticated, encrypted "
			    "or mixed", v);
	} else if (!strcmp(k, "key-id")) {
		if (!*v || strlen(v) >= sizeof t->key_id)
			return fail(ld, "key-id '%s': 1..%d octets", v, SK_TWCTL_KEYID_LEN);
		snprintf(t->key_id, sizeof t->key_id, "%s", v);
	} else if (!strcmp(k, "key-file")) {
		if (!*v || strlen(v) >= sizeof t->key_file)
			return fail(ld, "key-file '%s': a file of 'KeyID passphrase' lines", v);
		snprintf(t->key_file, sizeof t->key_file, "%s", v);
	} else {
		return -1; /* not a target setting */
	}
	return 1;
}

static int monitor_key(struct load *ld, const char *k, const char *v)
{
	struct sk_monconf *c = ld->c;
	double d;
	if (!strcmp(k, "report-interval")) {
		if (sk_parse_double(v, 86400, &d) || d <= 0)
			return fail(ld, "report-interval '%s': seconds, > 0", v);
		c->report_interval = d;
	} else if (!strcmp(k, "timeout")) {
		if (sk_parse_double(v, 3600, &d) || d <= 0)
			return fail(ld, "timeout '%s': seconds, > 0", v);
		c->timeout = d;
	} else if (!strcmp(k, "report-dir")) {
		if (!*v || strlen(v) >= sizeof c->report_dir)
			return fail(ld, "report-dir '%s': a folder", v);
		snprintf(c->report_dir, sizeof c->report_dir, "%s", v);
	} else if (!strcmp(k, "metrics")) {
		char e[200];
		struct sockaddr_storage ss;
		socklen_t sl;
		if (sk_addr_parse(v, 0, 0, true, &ss, &sl, e, sizeof e) || strlen(v) >= sizeof c->metrics)
			return fail(ld, "metrics '%s': %s", v, e);
		snprintf(c->metrics, sizeof c->metrics, "%s", v);
	} else {
		return -1;
	}
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	if (ld->err[0])
		return 0;
	if (!ld->in_section)
		return fail(ld, "'%s' before the first section ([monitor] or [target NAME])", name);
	struct sk_montarget *t = ld->cur ? ld->cur : &ld->c->defaults;
	int r = target_key(ld, t, name, value);
	if (r < 0 && !ld->cur)
		r = monitor_key(ld, name, value);
	if (r < 0)
		return fail(ld, "unknown setting '%s' in [%s]", name, section);
	return r;
}

/* The key of a secure twamp target, read once every setting is known (key-file and key-id
 * may come in either order, or from [monitor]); the secrets are never part of a message. */
static int twamp_key(struct load *ld, struct sk_montarget *t)
{
	struct sk_keys *ks = malloc(sizeof *ks);
	char e[300];
	int rc = -1;
	if (!ks) {
		fail(ld, "out of memory");
		return -1;
	}
	if (sk_keys_load(t->key_file, ks, e, sizeof e)) {
		fail(ld, "target %s: key-file %s", t->name, e);
	} else {
		const struct sk_key *k = sk_keys_find(ks, t->key_id[0] ? t->key_id : NULL);
		if (!k)
			fail(ld, "target %s: KeyID '%s' is not in %s", t->name, t->key_id, t->key_file);
		else {
			t->tw_key = *k;
			rc = 0;
		}
	}
	sk_keys_wipe(ks);
	free(ks);
	return rc;
}

/* What a single line cannot tell: each target needs an address, the TLVs their mode. */
static int check_targets(struct load *ld)
{
	struct sk_monconf *c = ld->c;
	if (!c->ntargets) {
		snprintf(ld->err, sizeof ld->err, "%s: no [target NAME] section", ld->path);
		return -1;
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		struct sk_montarget *t = &c->targets[i];
		ld->line = t->line;
		const char *why = NULL;
		if (!t->have_address)
			why = "has no address";
		else if ((t->ntlv || t->hmac_tlv) && t->mode != SK_MON_STAMP)
			why = "has TLVs: they need mode = stamp";
		else if (t->mode == SK_MON_TWAMP && (t->key_len || t->hmac_key_len))
			why = "has key or hmac-key: mode twamp takes security, key-file and key-id";
		else if (t->mode != SK_MON_TWAMP && t->security != SK_TWMODE_UNAUTH)
			why = "has security: it needs mode = twamp (stamp takes key)";
		else if (t->security != SK_TWMODE_UNAUTH && !t->key_file[0])
			why = "has a secure mode: it needs key-file";
		else if (t->hmac_tlv && !t->key_len && !t->hmac_key_len)
			why = "sends an HMAC TLV: it needs key or hmac-key";
		else if (t->local_len && t->local.ss_family != t->remote.ss_family)
			why = "has local and address of different IP versions";
		if (why) {
			fail(ld, "target %s %s", t->name, why);
			return -1;
		}
		if (t->security != SK_TWMODE_UNAUTH && twamp_key(ld, t))
			return -1;
		/* RFC 8972 §4.8: with a key, the HMAC TLV protects every TLV but Extra Padding. */
		for (unsigned k = 0; k < t->ntlv; k++)
			if ((t->key_len || t->hmac_key_len) && t->tlvs[k].type != SK_TLV_EXTRA_PADDING)
				t->hmac_tlv = true;
		if (t->padding >= 0 && t->mode == SK_MON_STAMP && t->padding > 0 && t->padding < 4) {
			fail(ld, "target %s: STAMP padding is an Extra Padding TLV, 0 or at least %s "
			     "octets", t->name, "4");
			return -1;
		}
	}
	return 0;
}

int sk_monconf_load(const char *path, struct sk_monconf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->timeout = 5;
	c->defaults.rate = 1;
	c->defaults.padding = -2;
	c->defaults.tos = -1;
	c->defaults.test_port = 20000;
	c->defaults.security = SK_TWMODE_UNAUTH;
	struct load ld = { .c = c, .path = path };
	ld.f = fopen(path, "r");
	if (!ld.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int r = ini_parse_stream(reader, &ld, handler, &ld);
	fclose(ld.f);
	/* r > 0: the first line libinih could not read, unless a setting before it failed. */
	if (r > 0 && (!ld.err[0] || r < ld.err_line))
		snprintf(ld.err, sizeof ld.err, "%s:%d: not an INI line ('[section]' or "
			 "'name = value')", path, r);
	else if (r < 0)
		snprintf(ld.err, sizeof ld.err, "%s: cannot be read", path);
	else if (ld.err[0]) /* a section header (taken by the reader) was refused */
		r = ld.err_line;
	if (r == 0 && check_targets(&ld))
		r = -1;
	if (r != 0) {
		snprintf(err, errlen, "%s", ld.err);
		sk_monconf_free(c);
		return -1;
	}
	return 0;
}

void sk_monconf_free(struct sk_monconf *c)
{
	for (size_t i = 0; i < c->ntargets; i++) {
		volatile uint8_t *p = (volatile uint8_t *)&c->targets[i].tw_key;
		for (size_t k = 0; k < sizeof c->targets[i].tw_key; k++)
			p[k] = 0;
	}
	free(c->targets);
	c->targets = NULL;
	c->ntargets = c->cap = 0;
}

bool sk_montarget_same(const struct sk_montarget *a, const struct sk_montarget *b)
{
	/* Every member is plain data and each was copied from zeroed defaults. */
	return !memcmp(a, b, offsetof(struct sk_montarget, line));
}

const char *sk_monmode_name(int mode)
{
	return mode == SK_MON_STAMP ? "stamp" : mode == SK_MON_TWAMP ? "twamp" : "twamp-light";
}
