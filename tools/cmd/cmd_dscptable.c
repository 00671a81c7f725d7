/* SPDX-License-Identifier: BSD-3-Clause */
/* dscptable.c - `stampkit dscptable`: twampy's DSCP table (RFC 2474 §3: DSCP is the upper six
 * bits of the TOS / Traffic Class octet). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "liveopt.h"

int cmd_dscptable(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: stampkit dscptable\n\nPrints every DSCP code point with twampy's name, "
		       "its value and the TOS octet it gives (DSCP << 2).\n--dscp also takes cs0, "
		       "cs6, cs7, va, df and numbers 0..63.\n");
		return 0;
	}
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
	return 0;
}
