# SPDX-License-Identifier: BSD-3-Clause
# Full TWAMP over loopback (tests/server): `stampkit server` against `stampkit controller` and
# `controlclient` in the four security modes, wrong keys, limits and their Accept codes, a
# taken port, silent and garbage clients, SERVWAIT, IPv6, and the control connection read by
# `stampkit decode` and tshark; across two network namespaces (test_server_netns.py); the
# command lines, exit statuses and --json documents against the schema (test_cli.py); hostile
# clients (test_hostile.py: not reading, slowloris, per-source limits, a flood of refusals).
# Bounded in packets and time; 77 means a needed tool is missing.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t server server_netns cli hostile)
    add_test(NAME server.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/server/test_${t}.py
              $<TARGET_FILE:stampkit_cli>)
    set_tests_properties(server.${t} PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
      RESOURCE_LOCK stampkit_live_lo)
  endforeach()
endif()
