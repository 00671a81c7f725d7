/* SPDX-License-Identifier: BSD-3-Clause */
/* layouts.c - the registry of every layout table the codec defines, module by module. */
#include "stampkit/stampkit.h"

static const struct sk_layout *const *const groups[] = {
	sk_testpkt_layouts,
	sk_tlv_layouts,
	sk_twctl_layouts,
};

size_t sk_layout_count(void)
{
	size_t n = 0;
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
		for (const struct sk_layout *const *l = groups[g]; *l; l++)
			n++;
	return n;
}

const struct sk_layout *sk_layout_at(size_t i)
{
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
		for (const struct sk_layout *const *l = groups[g]; *l; l++)
			if (i-- == 0)
				return *l;
	return NULL;
}
