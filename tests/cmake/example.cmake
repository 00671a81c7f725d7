# SPDX-License-Identifier: BSD-3-Clause
# The documented example program, compiled against the installed library via pkg-config.
if(NOT STAMPKIT_SANITIZE AND NOT STAMPKIT_BUILD_FUZZERS)
  add_test(NAME example.installed
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-example.sh ${CMAKE_BINARY_DIR})
endif()
