/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_decode.c - `stampkit decode`: every TWAMP/STAMP packet of a capture as a tree or JSON.
 * Options -> struct sk_decode_opts -> sk_decode_run() (capture/decode_engine.c). Test flows
 * are found on UDP 862 (RFC 8545, RFC 8762 §4.1), on --port, and from the ports a
 * TWAMP-Control exchange negotiates (RFC 5357 §3.5, §3.6). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "decode.h"
#include "optgroups.h"

static const struct sk_optdef *const decode_out[] = { &sk_opt_json, NULL };
static const struct sk_optdef *const decode_find[] = {
	&sk_opt_port, &sk_opt_heuristic, &sk_opt_secret, &sk_opt_secret_file, NULL,
};
static const struct sk_optgroup out_group = { "Output options", decode_out };
static const struct sk_optgroup find_group = { "Finding test packets", decode_find };
static const struct sk_optgroup *const decode_groups[] = { &out_group, &find_group, NULL };

static const struct sk_exitdef decode_exits[] = {
	{ SK_EXIT_OK, "the capture was read to its end and every packet shown decoded (notes "
		      "such as a non-zero MBZ may still be listed); also when no test packet "
		      "was found (a note on standard error says where to look)" },
	{ SK_EXIT_FAIL, "the input cannot be read: no such file, not a capture, unsupported "
			"link type" },
	{ SK_EXIT_USAGE, "usage error (unknown option, bad port number, --secret without =, "
			 "unreadable or malformed --secret-file or " SK_SECRET_ENV ", not exactly "
			 "one file)" },
	{ SK_EXIT_DAMAGED, "the input is damaged: truncated or corrupt capture (what could be "
			   "read is printed), a truncated or malformed packet, UDP to or from a "
			   "test port with a malformed IP or UDP header (counted, not shown), a "
			   "failed HMAC or a hole in a control stream; a warning on standard error "
			   "says which and how many" },
	{ -1, NULL },
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct sk_decode_opts *o = ctx;
	const struct sk_disc_find find = { o->ports, &o->nports, SK_DECODE_MAX_PORTS, &o->heuristic,
					   o->secrets, &o->nsecrets, SK_DECODE_MAX_SECRETS };
	int r = sk_disc_find_opt(&find, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	switch (def->id) {
	case SK_O_JSON:
		o->json = 1;
		return 0;
	default:
		snprintf(err, errlen, "not an option of decode");
		return -1;
	}
}

static int decode_main(int argc, char **argv)
{
	static struct sk_decode_opts o; /* large (secrets); once per process */
	memset(&o, 0, sizeof o);
	char **files;
	int nfiles;
	int st = sk_opt_parse(&sk_cmd_decode, argc, argv, handle, &o, &files, &nfiles);
	if (st != SK_OPT_CONTINUE)
		return st;
	char err[300];
	if (sk_disc_secrets_env(o.secrets, &o.nsecrets, SK_DECODE_MAX_SECRETS, err, sizeof err))
		return sk_opt_usage_error(&sk_cmd_decode, "%s", err);
	o.file = files[0];
	return sk_decode_run(&o, stdout, stderr);
}

const struct sk_cmddef sk_cmd_decode = {
	.name = "decode",
	.summary = "print every TWAMP/STAMP packet of a capture as a tree or JSON",
	.synopsis = "[options] FILE|-",
	.description =
		"Prints every TWAMP/STAMP packet of a pcap or pcapng capture (FILE, or - for "
		"standard input): a tree per packet, or with --json one JSON document whose "
		"\"packets\" array holds one object per packet, one per line "
		"(docs/json-schema.md).\n\n"
		"Test packets are looked for on UDP port 862, on every --port, and on the test "
		"ports a TWAMP-Control exchange in the same capture negotiates (control is "
		"followed on TCP 862 and on every --port); with --heuristic also in every other "
		"UDP packet that has their shape. A packet sent to the reflector port is the "
		"Session-Sender's; its answer is the Session-Reflector's.\n\n"
		"Secrets of TWAMP authenticated or encrypted mode: --secret KEYID=PASSPHRASE "
		"(visible to other users in ps), --secret-file FILE, or the environment "
		"variable " SK_SECRET_ENV "=KEYID=PASSPHRASE (several separated by newlines).\n\n"
		"Standard output carries only the packets. Warnings, the note when no test "
		"packet was found, and a progress line while a long capture is read (standard "
		"error a terminal, standard output not) go to standard error.",
	.groups = decode_groups,
	.min_operands = 1,
	.max_operands = 1,
	.exits = decode_exits,
	.see_also = "stampkit-analyze(1), stampkit-replay(1)",
	.main = decode_main,
};
