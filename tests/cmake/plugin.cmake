# SPDX-License-Identifier: BSD-3-Clause
# Wireshark plugin tests: tshark (Debian's 4.0) loads the built plugin and its output is checked.
if(TARGET stampkit_plugin AND EXISTS /usr/bin/python3)
  find_program(STAMPKIT_TSHARK tshark)
  find_program(STAMPKIT_EDITCAP editcap)
  if(STAMPKIT_TSHARK AND STAMPKIT_EDITCAP)
    foreach(check load owamp stamp twamp heuristic nokia fuzz)
      add_test(NAME plugin.${check}
        COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/plugin/run_tshark.py
                $<TARGET_FILE:stampkit_plugin> ${CMAKE_SOURCE_DIR}/pcaps ${check})
    endforeach()
  endif()
endif()
