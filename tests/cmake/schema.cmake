# SPDX-License-Identifier: BSD-3-Clause
# Every --json document follows docs/schema/stampkit.schema.json: analyze's output for every
# entry of tests/analyze/manifest.txt (schema.analyze.NAME), and deliberately broken documents
# fail (schema.broken). Skipped (77) without python3-jsonschema.
find_program(STAMPKIT_SCHEMA_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(TARGET stampkit_cli AND STAMPKIT_SCHEMA_PYTHON3)
  set(_sc_dir ${CMAKE_CURRENT_SOURCE_DIR}/schema)
  file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/analyze/manifest.txt _sc_lines)
  foreach(_line IN LISTS _sc_lines)
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "" OR _line MATCHES "^#")
      continue()
    endif()
    string(REPLACE "|" ";" _f "${_line}")
    list(GET _f 0 _name)
    list(GET _f 1 _caps)
    list(GET _f 2 _opts)
    foreach(_v _name _caps _opts)
      string(STRIP "${${_v}}" ${_v})
    endforeach()
    add_test(NAME schema.analyze.${_name}
      COMMAND ${STAMPKIT_SCHEMA_PYTHON3} ${_sc_dir}/run-analyze.py $<TARGET_FILE:stampkit_cli>
              ${PROJECT_SOURCE_DIR} "${_caps}" "${_opts}")
    set_tests_properties(schema.analyze.${_name} PROPERTIES SKIP_RETURN_CODE 77)
  endforeach()
  add_test(NAME schema.broken
    COMMAND ${STAMPKIT_SCHEMA_PYTHON3} ${_sc_dir}/broken.py ${PROJECT_SOURCE_DIR})
  set_tests_properties(schema.broken PROPERTIES SKIP_RETURN_CODE 77)
endif()
