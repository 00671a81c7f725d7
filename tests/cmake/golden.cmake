# SPDX-License-Identifier: BSD-3-Clause
# Golden-file tests of `stampkit decode`: one CTest test per manifest entry and output form
# (golden.NAME.txt, golden.NAME.json) runs the stampkit binary on the capture and compares
# its standard output with tests/golden/NAME.{txt,json} and its exit status with the manifest.
if(TARGET stampkit_cli)
  set(_golden_dir ${CMAKE_CURRENT_SOURCE_DIR}/golden)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_golden_dir}/manifest.txt)
  file(STRINGS ${_golden_dir}/manifest.txt _golden_lines)
  foreach(_line IN LISTS _golden_lines)
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "" OR _line MATCHES "^#")
      continue()
    endif()
    string(REPLACE "|" ";" _f "${_line}")
    list(LENGTH _f _n)
    if(NOT _n EQUAL 4)
      message(FATAL_ERROR "tests/golden/manifest.txt: malformed entry: ${_line}")
    endif()
    list(GET _f 0 _name)
    list(GET _f 1 _cap)
    list(GET _f 2 _opts)
    list(GET _f 3 _exit)
    string(STRIP "${_name}" _name)
    string(STRIP "${_cap}" _cap)
    string(STRIP "${_opts}" _opts)
    string(STRIP "${_exit}" _exit)
    foreach(_form txt json)
      add_test(NAME golden.${_name}.${_form}
        COMMAND ${CMAKE_COMMAND}
          -DBIN=$<TARGET_FILE:stampkit_cli>
          -DSRC=${PROJECT_SOURCE_DIR}
          -DCAPTURE=${_cap}
          -DOPTIONS=${_opts}
          -DEXIT=${_exit}
          -DFORM=${_form}
          -DEXPECTED=${_golden_dir}/${_name}.${_form}
          -P ${_golden_dir}/run-golden.cmake)
    endforeach()
  endforeach()
endif()

# Every golden JSON line against the documented schema (docs/json-schema.md).
find_program(STAMPKIT_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(STAMPKIT_PYTHON3)
  file(GLOB _golden_json ${CMAKE_CURRENT_SOURCE_DIR}/golden/*.json)
  add_test(NAME golden.json-schema
    COMMAND ${STAMPKIT_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/golden/check-json.py ${_golden_json})
endif()
