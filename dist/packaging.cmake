# SPDX-License-Identifier: BSD-3-Clause
# Debian packages with CPack (`cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr; scripts/test-deb.sh builds, installs and checks them):
#   stampkit                   the command, its man pages, the systemd units and their files
#   libstampkit0               the shared codec library
#   libstampkit-dev            headers, pkg-config file, static library, the .so link
#   stampkit-wireshark-plugin  the Wireshark plugin (GPL-2.0-or-later), in Wireshark's folder
# Each package is a CPack group: the installed components plus one that holds only the
# package's Debian copyright file, so a plain `cmake --install` does not get those.

set(STAMPKIT_DEB_DIR ${CMAKE_BINARY_DIR}/deb)
# The Maintainer field (and the changelog's signature): a name and an address.
set(STAMPKIT_DEB_MAINTAINER "stampkit maintainers <maintainers@stampkit.org>" CACHE STRING
    "Maintainer of the Debian packages: Name <address>")
file(READ ${PROJECT_SOURCE_DIR}/LICENSE _license)
string(STRIP "${_license}" _license)
string(REPLACE "\n" "\n " _license " ${_license}")
string(REPLACE "\n \n" "\n .\n" _license "${_license}")
string(REPLACE "\n \n" "\n .\n" _license "${_license}")
set(STAMPKIT_LICENSE_BODY "${_license}")

set(STAMPKIT_DEB_GROUPS stampkit libstampkit0 libstampkit-dev)
set(_groups_of_tools stampkit)
if(TARGET stampkit_plugin)
  list(APPEND STAMPKIT_DEB_GROUPS stampkit-wireshark-plugin)
endif()
foreach(pkg ${STAMPKIT_DEB_GROUPS})
  if(pkg STREQUAL "stampkit-wireshark-plugin")
    configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/copyright-plugin.in ${STAMPKIT_DEB_DIR}/${pkg}/copyright @ONLY)
  else()
    configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/copyright.in ${STAMPKIT_DEB_DIR}/${pkg}/copyright @ONLY)
  endif()
  # The Debian changelog, compressed as Debian policy asks (gzip -9n: reproducible).
  configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${STAMPKIT_DEB_DIR}/${pkg}/changelog.Debian @ONLY)
  execute_process(COMMAND gzip -9nf ${STAMPKIT_DEB_DIR}/${pkg}/changelog.Debian RESULT_VARIABLE _gz)
  if(NOT _gz EQUAL 0)
    message(FATAL_ERROR "gzip of ${pkg}'s changelog.Debian failed")
  endif()
  install(FILES ${STAMPKIT_DEB_DIR}/${pkg}/copyright ${STAMPKIT_DEB_DIR}/${pkg}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg} COMPONENT deb-${pkg} EXCLUDE_FROM_ALL)
endforeach()
# lintian overrides: what every package shares (dist/debian/lintian-overrides.in) and what
# one package adds (dist/debian/PACKAGE.lintian-overrides).
foreach(pkg ${STAMPKIT_DEB_GROUPS})
  configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/lintian-overrides.in
                 ${STAMPKIT_DEB_DIR}/${pkg}/lintian-overrides @ONLY)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/debian/${pkg}.lintian-overrides)
    file(READ ${CMAKE_CURRENT_LIST_DIR}/debian/${pkg}.lintian-overrides _own)
    file(APPEND ${STAMPKIT_DEB_DIR}/${pkg}/lintian-overrides "${_own}")
  endif()
  install(FILES ${STAMPKIT_DEB_DIR}/${pkg}/lintian-overrides
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME ${pkg}
          COMPONENT deb-${pkg} EXCLUDE_FROM_ALL)
endforeach()
# libstampkit0: the ldconfig trigger instead of ldconfig calls in its maintainer scripts
# (CPack writes those unless the package brings its own postinst and postrm).
foreach(s postinst postrm)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/lib-noop.in ${STAMPKIT_DEB_DIR}/lib/${s} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                 WORLD_READ WORLD_EXECUTE)
endforeach()
file(WRITE ${STAMPKIT_DEB_DIR}/lib/triggers "activate-noawait ldconfig\n")

# Maintainer scripts of stampkit: daemon-reload, stop on removal; nothing enabled.
string(REPLACE ";" " " STAMPKIT_UNITS "${STAMPKIT_UNITS}")
foreach(s postinst prerm postrm)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/${s}.in ${STAMPKIT_DEB_DIR}/scripts/${s} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                 WORLD_READ WORLD_EXECUTE)
endforeach()
# Every file stampkit installs under /etc is the administrator's: a conffile dpkg keeps.
set(_conffiles "")
foreach(f default/stampkit-responder default/stampkit-server default/stampkit-monitor
          stampkit/server.keys)
  string(APPEND _conffiles "${CMAKE_INSTALL_FULL_SYSCONFDIR}/${f}\n")
endforeach()
if(EXISTS ${STAMPKIT_MONITOR_CONF})
  string(APPEND _conffiles "${CMAKE_INSTALL_FULL_SYSCONFDIR}/stampkit/monitor.conf\n")
endif()
file(WRITE ${STAMPKIT_DEB_DIR}/scripts/conffiles "${_conffiles}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stampkit)
set(CPACK_PACKAGE_VENDOR "the stampkit authors")
set(CPACK_PACKAGE_CONTACT "${STAMPKIT_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${STAMPKIT_DEB_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_HOMEPAGE_URL "")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libstampkit0 says which package provides libstampkit.so.0 (DEBIAN/shlibs).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Only what is packaged: the tests' and benchmarks' files have no component of their own.
set(CPACK_COMPONENTS_ALL tools lib dev deb-stampkit deb-libstampkit0 deb-libstampkit-dev)

set(CPACK_COMPONENT_TOOLS_GROUP stampkit)
set(CPACK_COMPONENT_DEB-STAMPKIT_GROUP stampkit)
set(CPACK_COMPONENT_LIB_GROUP libstampkit0)
set(CPACK_COMPONENT_DEB-LIBSTAMPKIT0_GROUP libstampkit0)
set(CPACK_COMPONENT_DEV_GROUP libstampkit-dev)
set(CPACK_COMPONENT_DEB-LIBSTAMPKIT-DEV_GROUP libstampkit-dev)

set(CPACK_DEBIAN_STAMPKIT_PACKAGE_NAME stampkit)
set(CPACK_DEBIAN_STAMPKIT_DESCRIPTION "TWAMP and STAMP measurement toolkit
The stampkit command: a STAMP (RFC 8762/8972) and TWAMP (RFC 5357)
sender, responder, TWAMP server and control client, monitor of many
targets, and offline decode, analyze and replay of captures. systemd
units for the responder, the server and the monitor are installed,
none enabled.")
set(CPACK_DEBIAN_STAMPKIT_PACKAGE_CONTROL_EXTRA
    "${STAMPKIT_DEB_DIR}/scripts/postinst;${STAMPKIT_DEB_DIR}/scripts/prerm;${STAMPKIT_DEB_DIR}/scripts/postrm;${STAMPKIT_DEB_DIR}/scripts/conffiles")
set(CPACK_DEBIAN_STAMPKIT_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_STAMPKIT_PACKAGE_SUGGESTS "stampkit-wireshark-plugin")
# deb-systemd-invoke (maintainer scripts), which honours policy-rc.d.
set(CPACK_DEBIAN_STAMPKIT_PACKAGE_DEPENDS "init-system-helpers (>= 1.54~)")

set(CPACK_DEBIAN_LIBSTAMPKIT0_PACKAGE_NAME libstampkit0)
set(CPACK_DEBIAN_LIBSTAMPKIT0_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIBSTAMPKIT0_PACKAGE_CONTROL_EXTRA
    "${STAMPKIT_DEB_DIR}/lib/postinst;${STAMPKIT_DEB_DIR}/lib/postrm;${STAMPKIT_DEB_DIR}/lib/triggers")
set(CPACK_DEBIAN_LIBSTAMPKIT0_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_LIBSTAMPKIT0_DESCRIPTION "TWAMP and STAMP codec library
Wire formats, crypto, the TWAMP-Control state machine and metrics of TWAMP and
STAMP, as pure functions over buffers (no sockets, no files).")

set(CPACK_DEBIAN_LIBSTAMPKIT-DEV_PACKAGE_NAME libstampkit-dev)
set(CPACK_DEBIAN_LIBSTAMPKIT-DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_LIBSTAMPKIT-DEV_DESCRIPTION "TWAMP and STAMP codec library (development files)
Headers, pkg-config file (stampkit.pc) and static library of libstampkit.")
# stampkit.pc names libgcrypt (Requires.private): pkg-config needs its .pc file.
set(CPACK_DEBIAN_LIBSTAMPKIT-DEV_PACKAGE_DEPENDS
    "libstampkit0 (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}), libgcrypt20-dev")

if(TARGET stampkit_plugin)
  list(APPEND CPACK_COMPONENTS_ALL plugin deb-stampkit-wireshark-plugin)
  set(CPACK_COMPONENT_PLUGIN_GROUP stampkit-wireshark-plugin)
  set(CPACK_COMPONENT_DEB-STAMPKIT-WIRESHARK-PLUGIN_GROUP stampkit-wireshark-plugin)
  set(CPACK_DEBIAN_STAMPKIT-WIRESHARK-PLUGIN_PACKAGE_NAME stampkit-wireshark-plugin)
  set(CPACK_DEBIAN_STAMPKIT-WIRESHARK-PLUGIN_DESCRIPTION "Wireshark dissectors for STAMP, TWAMP-Test and TWAMP-Control
stampkit's Wireshark plugin: STAMP with its TLVs, TWAMP-Test and
TWAMP-Control (decrypted with configured keys), sender/reflector
pairing, the per-session table under Statistics (stamp,sessions), the
stamp,stat report and the stampkit configuration profile. Built for
Wireshark ${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}.")
  # A plugin loads only into the Wireshark major.minor it was built for: bound the
  # library that dpkg-shlibdeps finds from above as well.
  math(EXPR _ws_next "${Wireshark_MINOR_VERSION} + 1")
  set(CPACK_DEBIAN_STAMPKIT-WIRESHARK-PLUGIN_PACKAGE_DEPENDS
      "libwireshark-data (>= ${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}), libwireshark-data (<< ${Wireshark_MAJOR_VERSION}.${_ws_next}~)")
  set(CPACK_DEBIAN_STAMPKIT-WIRESHARK-PLUGIN_PACKAGE_ENHANCES "wireshark, tshark")
endif()

include(CPack)
