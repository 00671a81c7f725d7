/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plugin.c - the Wireshark plugin entry points; the only file that knows plugin API versions. */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>

#if defined(__has_include)
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h> /* 4.2+: WS_PLUGIN_DESC_DISSECTOR, plugin_describe */
#endif
#endif

#include "stamp_plugin.h"

#ifndef STAMPKIT_PLUGIN_VERSION
#define STAMPKIT_PLUGIN_VERSION "0.1.0"
#endif

/* Wireshark loads a plugin only when these equal its own major.minor. */
WS_DLL_PUBLIC_DEF const gchar plugin_version[] = STAMPKIT_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);
uint32_t plugin_describe(void)
{
	return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

static void register_protoinfo(void)
{
	proto_register_stamp();
	proto_register_twampctl();
}

static void register_handoff(void)
{
	proto_reg_handoff_stamp();
	proto_reg_handoff_twampctl();
}

void plugin_register(void)
{
	static proto_plugin plug;
	plug.register_protoinfo = register_protoinfo;
	plug.register_handoff = register_handoff;
	proto_register_plugin(&plug);
}
