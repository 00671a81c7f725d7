# SPDX-License-Identifier: BSD-3-Clause
# Live tests of `stampkit sender` / `responder` over loopback (tests/live): end to end, the
# impairment relay, on-the-wire checks with tcpdump, robustness, interop with tshark and scapy,
# a veth pair between two network namespaces the test creates and removes, and --json
# validated against docs/schema/stampkit.schema.json (live.json).
# Each is bounded in packets and time; exit status 77 means a needed tool is missing.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t e2e impair wire robust interop netns json loop refusals tlvrfc)
    add_test(NAME live.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/live/test_${t}.py
              $<TARGET_FILE:stampkit_cli>)
    set_tests_properties(live.${t} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
      RESOURCE_LOCK stampkit_live_lo)
  endforeach()
endif()

# The sender's table, analyze over the sender's capture and the plugin's -z stamp,stat agree.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  if(TARGET stampkit_plugin)
    set(_agree_plugin $<TARGET_FILE:stampkit_plugin>)
  else()
    set(_agree_plugin "")
  endif()
  add_test(NAME live.agree
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/live/test_agree.py
            $<TARGET_FILE:stampkit_cli> "${_agree_plugin}")
  set_tests_properties(live.agree PROPERTIES TIMEOUT 120 RESOURCE_LOCK stampkit_live_lo RUN_SERIAL TRUE)
endif()

# Interop with nokia/twampy from the shared peers folder beside the clone (skipped with a
# message when it is missing or python3 is older than 3.11); its controller needs TCP 862.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  add_test(NAME live.twampy
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/live/test_twampy.py
            $<TARGET_FILE:stampkit_cli> ${CMAKE_SOURCE_DIR}/../shared)
  set_tests_properties(live.twampy PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
    RESOURCE_LOCK stampkit_live_lo)
endif()
