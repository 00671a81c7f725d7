# SPDX-License-Identifier: BSD-3-Clause
# The systemd units as installed: systemd-analyze verify and the hardening exposure score
# (skipped, 77, without systemd-analyze); the .deb packages are checked by scripts/test-deb.sh.
if(TARGET stampkit_cli AND NOT STAMPKIT_SANITIZE AND NOT STAMPKIT_BUILD_FUZZERS)
  add_test(NAME service.verify
    COMMAND ${CMAKE_SOURCE_DIR}/tests/service/units.sh verify ${CMAKE_BINARY_DIR})
  # 10 is fully exposed, 0 fully locked; the units stay below 2 (docs/service.md).
  add_test(NAME service.security
    COMMAND ${CMAKE_SOURCE_DIR}/tests/service/units.sh security ${CMAKE_BINARY_DIR} 2.0)
  set_tests_properties(service.verify service.security PROPERTIES
    SKIP_RETURN_CODE 77 LABELS service)
endif()
# Each daemon run as its unit runs it (user nobody, the unit's capabilities, in a network
# namespace of its own) under strace, with a real session: the unit's system call filter,
# address families and read-only file system must allow all it does (root only, else 77).
if(TARGET stampkit_cli AND NOT STAMPKIT_SANITIZE AND NOT STAMPKIT_BUILD_FUZZERS AND EXISTS /usr/bin/python3)
  foreach(role responder server monitor)
    add_test(NAME service.sandbox.${role}
      COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/service/sandbox.py
              $<TARGET_FILE:stampkit_cli> ${STAMPKIT_UNIT_DIR_BUILD}/stampkit-${role}.service ${role})
    set_tests_properties(service.sandbox.${role} PROPERTIES
      SKIP_RETURN_CODE 77 LABELS service TIMEOUT 120)
  endforeach()
endif()
