# SPDX-License-Identifier: BSD-3-Clause
# Soak: a hostile day compressed into SOAK_SECONDS (default 60) against two responders and a
# TWAMP server on loopback (tests/soak/test_soak.py): good sessions complete, no reflector
# loop, fds and RSS back to their starting level, logs bounded.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  add_test(NAME soak.daemons
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/soak/test_soak.py
            $<TARGET_FILE:stampkit_cli> ${CMAKE_CURRENT_SOURCE_DIR}/server)
  set_tests_properties(soak.daemons PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE LABELS soak
    RESOURCE_LOCK stampkit_live_lo)
endif()
