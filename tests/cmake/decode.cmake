# SPDX-License-Identifier: BSD-3-Clause
# `stampkit decode` beyond its golden files (tests/decode/test_decode.py): the note on standard
# error when no test packet is found without --port, and the progress line on a terminal
# (a pseudo-terminal the test opens; the capture fed slowly through a pipe, about 2 s).
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t hint progress zerotime)
    add_test(NAME decode.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/decode/test_decode.py
              $<TARGET_FILE:stampkit_cli> ${PROJECT_SOURCE_DIR} ${t})
    set_tests_properties(decode.${t} PROPERTIES TIMEOUT 60)
  endforeach()
endif()

# decode --json of every golden entry (tests/golden/manifest.txt) against
# docs/schema/stampkit.schema.json (tests/schema/validate.py): schema.decode.NAME.
# Skipped (77) without python3-jsonschema.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/golden/manifest.txt _dsc_lines)
  foreach(_line IN LISTS _dsc_lines)
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "" OR _line MATCHES "^#")
      continue()
    endif()
    string(REPLACE "|" ";" _f "${_line}")
    list(GET _f 0 _name)
    list(GET _f 1 _cap)
    list(GET _f 2 _opts)
    list(GET _f 3 _exit)
    foreach(_v _name _cap _opts _exit)
      string(STRIP "${${_v}}" ${_v})
    endforeach()
    add_test(NAME schema.decode.${_name}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/schema/run-decode.py
              $<TARGET_FILE:stampkit_cli> ${PROJECT_SOURCE_DIR} "${_cap}" "${_opts}" ${_exit})
    set_tests_properties(schema.decode.${_name} PROPERTIES SKIP_RETURN_CODE 77)
  endforeach()
endif()
