# SPDX-License-Identifier: BSD-3-Clause
# cmocka tests of the tools' I/O layer (tests/tools/test_*.c), linked against stampkit_tools.
if(TARGET stampkit_tools)
  file(GLOB STAMPKIT_TOOL_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/test_*.c)
  foreach(src ${STAMPKIT_TOOL_TESTS})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE stampkit_tools PkgConfig::CMOCKA)
    stampkit_flags(${name})
    target_compile_definitions(${name} PRIVATE SK_SRCDIR="${PROJECT_SOURCE_DIR}")
    add_test(NAME tools.${name} COMMAND ${name})
  endforeach()
endif()
