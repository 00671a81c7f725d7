/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_dscptable.c - `stampkit dscptable`: twampy's DSCP table (RFC 2474 §3: DSCP is the upper
 * six bits of the TOS / Traffic Class octet). The smallest command on the option table. */
#include <stdio.h>

#include "commands.h"
#include "optgroups.h"
#include "parse.h"

static const struct sk_optgroup *const dscptable_groups[] = { &sk_group_log, NULL };

static const struct sk_exitdef dscptable_exits[] = {
	{ SK_EXIT_OK, "the table was printed" },
	{ SK_EXIT_USAGE, "usage error (unknown option, operand given)" },
	{ -1, NULL },
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	return sk_common_handle(ctx, def, v, err, errlen) < 0 ? -1 : 0;
}

static int dscptable_main(int argc, char **argv)
{
	struct sk_common common;
	sk_common_init(&common);
	int st = sk_opt_parse(&sk_cmd_dscptable, argc, argv, handle, &common, NULL, NULL);
	if (st != SK_OPT_CONTINUE)
		return st;
	st = sk_common_finish(&common, sk_cmd_dscptable.name);
	if (st != SK_EXIT_OK)
		return st;
	const char *rule = "============================================================";
	printf("\n%s\nDSCP Mapping\n%s\n", rule, rule);
	printf("DSCP Name      DSCP Value     TOS (bin)      TOS (hex)\n");
	printf("------------------------------------------------------------\n");
	for (int v = 0; v < 64; v++) {
		char nb[8], bin[10];
		int tos = v << 2;
		for (int i = 0; i < 8; i++)
			bin[i + (i >= 4)] = (char)('0' + ((tos >> (7 - i)) & 1));
		bin[4] = ' ';
		bin[9] = 0;
		printf("%-15s%-15d%-15s%02X\n", sk_dscp_name(v, nb, sizeof nb), v, bin, tos);
	}
	printf("%s\n", rule);
	return SK_EXIT_OK;
}

const struct sk_cmddef sk_cmd_dscptable = {
	.name = "dscptable",
	.summary = "print the DSCP names, values and TOS octets",
	.synopsis = "[options]",
	.description = "Prints every DSCP code point with twampy's name, its value and the TOS "
		       "octet it gives (DSCP << 2), in twampy's layout.\n\n"
		       "--dscp of the other commands takes these names, and also cs0, cs6, cs7, va, "
		       "df, cpN and the numbers 0..63.",
	.groups = dscptable_groups,
	.min_operands = 0,
	.max_operands = 0,
	.exits = dscptable_exits,
	.see_also = "stampkit-sender(1), stampkit-responder(1)",
	.main = dscptable_main,
};
