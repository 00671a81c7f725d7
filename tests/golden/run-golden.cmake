# SPDX-License-Identifier: BSD-3-Clause
# Runs one golden entry (see tests/cmake/golden.cmake): stampkit decode [--json] OPTIONS
# CAPTURE, then compares standard output with EXPECTED and the exit status with EXIT.
separate_arguments(_opts UNIX_COMMAND "${OPTIONS}")
if(FORM STREQUAL "json")
  list(PREPEND _opts --json)
endif()
set(_input "")
if(CAPTURE MATCHES "^stdin:(.*)$")
  set(_arg -)
  set(_input INPUT_FILE ${SRC}/${CMAKE_MATCH_1})
else()
  # Relative to the source tree (the working directory), as the JSON "files" member names it.
  set(_arg ${CAPTURE})
endif()
execute_process(COMMAND ${BIN} decode ${_opts} ${_arg}
  ${_input}
  WORKING_DIRECTORY ${SRC}
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err
  RESULT_VARIABLE _rc)
set(_fail "")
if(NOT _rc STREQUAL "${EXIT}")
  set(_fail "exit status ${_rc}, expected ${EXIT}; stderr:\n${_err}")
endif()
if(NOT EXISTS ${EXPECTED})
  message(FATAL_ERROR "${EXPECTED} is missing: run scripts/regen-golden.sh")
endif()
file(READ ${EXPECTED} _want)
if(NOT _out STREQUAL _want)
  get_filename_component(_base ${EXPECTED} NAME)
  set(_got ${CMAKE_CURRENT_BINARY_DIR}/golden-actual-${_base})
  file(WRITE ${_got} "${_out}")
  execute_process(COMMAND diff -u ${EXPECTED} ${_got} OUTPUT_VARIABLE _diff)
  string(APPEND _fail "\noutput differs from ${EXPECTED} (actual kept in ${_got}):\n${_diff}")
endif()
if(_fail)
  message(FATAL_ERROR "${_fail}")
endif()
