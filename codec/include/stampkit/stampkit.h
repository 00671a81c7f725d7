/* SPDX-License-Identifier: BSD-3-Clause */
/* stampkit.h - the whole public API of the stampkit codec in one include. */
#ifndef STAMPKIT_STAMPKIT_H
#define STAMPKIT_STAMPKIT_H

#include "stampkit/result.h"
#include "stampkit/cursor.h"
#include "stampkit/timestamp.h"
#include "stampkit/fields.h"
#include "stampkit/crypto.h"
#include "stampkit/metrics.h"
#include "stampkit/testpkt.h"
#include "stampkit/tlv.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"
#include "stampkit/reflect.h"

#define STAMPKIT_VERSION "0.1.0"

#endif
