# SPDX-License-Identifier: BSD-3-Clause
# `stampkit decode` beyond its golden files (tests/decode/test_decode.py): the note on standard
# error when no test packet is found without --port, and the progress line on a terminal
# (a pseudo-terminal the test opens; the capture fed slowly through a pipe, about 2 s).
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t hint progress)
    add_test(NAME decode.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/decode/test_decode.py
              $<TARGET_FILE:stampkit_cli> ${PROJECT_SOURCE_DIR} ${t})
    set_tests_properties(decode.${t} PROPERTIES TIMEOUT 60)
  endforeach()
endif()
