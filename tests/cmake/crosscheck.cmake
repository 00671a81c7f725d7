# SPDX-License-Identifier: BSD-3-Clause
# Cross-checks against decoders nobody here wrote: tshark's built-in TWAMP dissector, scapy's STAMP layer.
pkg_check_modules(PCAP_XC REQUIRED IMPORTED_TARGET libpcap)
add_executable(mk_twamp_pcap ${CMAKE_CURRENT_SOURCE_DIR}/crosscheck/mk_twamp_pcap.c)
target_link_libraries(mk_twamp_pcap PRIVATE stampkit PkgConfig::PCAP_XC)
stampkit_flags(mk_twamp_pcap)
find_program(TSHARK tshark)
if(TSHARK)
  add_test(NAME crosscheck.tshark_twamp_test
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/crosscheck/tshark_twamp.py
            $<TARGET_FILE:mk_twamp_pcap> ${CMAKE_CURRENT_BINARY_DIR}/crosscheck)
endif()
if(EXISTS /usr/bin/python3)
  add_test(NAME crosscheck.scapy_stamp
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/crosscheck/scapy_stamp.py)
endif()
