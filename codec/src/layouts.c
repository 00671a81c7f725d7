/* SPDX-License-Identifier: BSD-3-Clause */
/* layouts.c - the registry of every layout table the codec defines. */
#include "stampkit/stampkit.h"

const struct sk_layout *const sk_all_layouts[] = {
	NULL,
};
