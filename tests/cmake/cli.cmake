# SPDX-License-Identifier: BSD-3-Clause
# The command line of every command: generated --help and man pages, one-line usage errors,
# suggestions for mistyped commands and options (tests/cli).
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  add_test(NAME cli.options
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli.py
            $<TARGET_FILE:stampkit_cli> ${CMAKE_BINARY_DIR}/tools/man)
  set_tests_properties(cli.options PROPERTIES TIMEOUT 120)
endif()

# Standard output carries results only: every command's --json (with -v) is one document valid
# against docs/schema/stampkit.schema.json; a daemon's log lines are line-buffered on stderr.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  add_test(NAME cli.json_stdout
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_json_stdout.py
            $<TARGET_FILE:stampkit_cli> ${CMAKE_SOURCE_DIR})
  set_tests_properties(cli.json_stdout PROPERTIES TIMEOUT 180 RUN_SERIAL TRUE
    RESOURCE_LOCK stampkit_live_lo)
endif()

# Output files (refused when they are an input; complete or not at all), exit statuses (port
# 0, no reply, malformed UDP on a test port) and secrets (--secret-file, STAMPKIT_SECRET,
# the warning about key files others can read): tests/cli/test_files.py.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t files exits secrets)
    add_test(NAME cli.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_files.py
              $<TARGET_FILE:stampkit_cli> ${PROJECT_SOURCE_DIR} ${t})
    set_tests_properties(cli.${t} PROPERTIES TIMEOUT 60)
  endforeach()
endif()
