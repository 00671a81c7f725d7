# SPDX-License-Identifier: BSD-3-Clause
# Tests of `stampkit analyze`: golden files (analyze.NAME.txt runs the tables and the --csv
# file, analyze.NAME.json the JSON) listed in tests/analyze/manifest.txt, the exact-count
# scenario checked member by member, and damaged or unusable input.
if(TARGET stampkit_cli)
  set(_an_dir ${CMAKE_CURRENT_SOURCE_DIR}/analyze)
  set(_an_work ${CMAKE_CURRENT_BINARY_DIR}/analyze-work)
  file(MAKE_DIRECTORY ${_an_work})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_an_dir}/manifest.txt)
  file(STRINGS ${_an_dir}/manifest.txt _an_lines)
  foreach(_line IN LISTS _an_lines)
    string(STRIP "${_line}" _line)
    if(_line STREQUAL "" OR _line MATCHES "^#")
      continue()
    endif()
    string(REPLACE "|" ";" _f "${_line}")
    list(LENGTH _f _n)
    if(NOT _n EQUAL 4)
      message(FATAL_ERROR "tests/analyze/manifest.txt: malformed entry: ${_line}")
    endif()
    list(GET _f 0 _name)
    list(GET _f 1 _caps)
    list(GET _f 2 _opts)
    list(GET _f 3 _exit)
    foreach(_v _name _caps _opts _exit)
      string(STRIP "${${_v}}" ${_v})
    endforeach()
    # The session stage in its own thread (the default on two processors), and the table
    # with the CSV rows once more in one thread: the same golden files for both.
    foreach(_form txt json txt1)
      set(_threads 2)
      set(_w ${_an_work})
      set(_fm ${_form})
      if(_form STREQUAL "txt1")
        set(_threads 1)
        set(_w ${_an_work}/one-thread)
        set(_fm txt)
        file(MAKE_DIRECTORY ${_w})
      endif()
      add_test(NAME analyze.${_name}.${_form}
        COMMAND ${CMAKE_COMMAND}
          -DBIN=$<TARGET_FILE:stampkit_cli>
          -DSRC=${PROJECT_SOURCE_DIR}
          -DNAME=${_name}
          -DCAPTURES=${_caps}
          -DOPTIONS=${_opts}
          -DEXIT=${_exit}
          -DFORM=${_fm}
          -DGOLDEN=${_an_dir}
          -DWORK=${_w}
          -P ${_an_dir}/run-analyze.cmake)
      set_tests_properties(analyze.${_name}.${_form} PROPERTIES
        ENVIRONMENT STAMPKIT_ANALYZE_THREADS=${_threads})
    endforeach()
  endforeach()

  find_program(STAMPKIT_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(STAMPKIT_PYTHON3)
    add_test(NAME analyze.exact-counts
      COMMAND ${STAMPKIT_PYTHON3} ${_an_dir}/check-exact.py $<TARGET_FILE:stampkit_cli>
              ${PROJECT_SOURCE_DIR} ${_an_work})
  endif()
  add_test(NAME analyze.damaged
    COMMAND sh ${_an_dir}/damaged.sh $<TARGET_FILE:stampkit_cli> ${PROJECT_SOURCE_DIR} ${_an_work})
endif()

if(TARGET stampkit_cli)
  add_test(NAME analyze.plot
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/analyze/plot.sh $<TARGET_FILE:stampkit_cli>
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/analyze-work)
  set_tests_properties(analyze.plot PROPERTIES SKIP_RETURN_CODE 77)
endif()
