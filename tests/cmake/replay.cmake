# SPDX-License-Identifier: BSD-3-Clause
# `stampkit replay` against `stampkit responder` over loopback (tests/replay): captures of
# pcaps/ replayed and re-stamped, replies paired, --loop/--renumber, --auth, bad input; a
# capture of 400 sessions (every packet and reply counted, the open-files limit); and
# (root) the raw --raw backend in a veth pair between namespaces the test creates.
# Bounded in packets and time; exit status 77 means a needed tool or privilege is missing.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t replay many netns)
    add_test(NAME replay.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/replay/test_${t}.py
              $<TARGET_FILE:stampkit_cli> ${PROJECT_SOURCE_DIR}/pcaps)
    set_tests_properties(replay.${t} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
      RESOURCE_LOCK stampkit_live_lo)
  endforeach()
endif()
