# SPDX-License-Identifier: BSD-3-Clause
# Wireshark plugin tests: tshark (Debian's 4.0) loads the built plugin and its output is checked.
if(TARGET stampkit_plugin AND EXISTS /usr/bin/python3)
  find_program(STAMPKIT_TSHARK tshark)
  find_program(STAMPKIT_EDITCAP editcap)
  if(STAMPKIT_TSHARK AND STAMPKIT_EDITCAP)
    # A sanitizer build of the plugin loads into the stock tshark with its runtimes preloaded.
    set(STAMPKIT_PLUGIN_PRELOAD "")
    if(STAMPKIT_SANITIZE)
      execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                      OUTPUT_VARIABLE _asan OUTPUT_STRIP_TRAILING_WHITESPACE)
      execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
                      OUTPUT_VARIABLE _ubsan OUTPUT_STRIP_TRAILING_WHITESPACE)
      set(STAMPKIT_PLUGIN_PRELOAD "${_asan}:${_ubsan}")
    endif()
    foreach(check load info owamp stamp twamp tcp_order heuristic nokia stats fuzz problems)
      add_test(NAME plugin.${check}
        COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/plugin/run_tshark.py
                $<TARGET_FILE:stampkit_plugin> ${CMAKE_SOURCE_DIR}/pcaps ${check})
      if(STAMPKIT_PLUGIN_PRELOAD)
        set_tests_properties(plugin.${check} PROPERTIES
          ENVIRONMENT "STAMPKIT_PRELOAD=${STAMPKIT_PLUGIN_PRELOAD}")
      endif()
    endforeach()
    # twampy's default traffic captured here (twampy from ../shared/peers), paired by the
    # plugin and compared with analyze; skipped (77) without twampy, Python 3.11 or tcpdump.
    if(TARGET stampkit_cli)
      add_test(NAME plugin.twampy
        COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/plugin/twampy_pairing.py
                $<TARGET_FILE:stampkit_plugin> ${CMAKE_SOURCE_DIR}/pcaps $<TARGET_FILE:stampkit_cli>
                ${CMAKE_SOURCE_DIR}/../shared/peers/twampy)
      set_tests_properties(plugin.twampy PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
      if(STAMPKIT_PLUGIN_PRELOAD)
        set_tests_properties(plugin.twampy PROPERTIES
          ENVIRONMENT "STAMPKIT_PRELOAD=${STAMPKIT_PLUGIN_PRELOAD}")
      endif()
    endif()
  endif()
  # The plugin in Wireshark's Qt GUI under Xvfb, checked by screenshot and OCR (xvfb,
  # wireshark-qt, xdotool, imagemagick, tesseract-ocr from scripts/setup.sh); skipped (77)
  # where no X server can be started or a tool is missing. Serial: each starts an X server
  # and Wireshark, which want the whole machine.
  if(NOT STAMPKIT_SANITIZE)
    foreach(check menu dialog profile iograph)
      add_test(NAME plugin.gui.${check}
        COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/plugin/gui_test.py
                $<TARGET_FILE:stampkit_plugin> ${CMAKE_SOURCE_DIR}/pcaps
                ${CMAKE_SOURCE_DIR}/plugin/profile/stampkit ${check})
      set_tests_properties(plugin.gui.${check} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 240
                           RUN_SERIAL TRUE LABELS "plugin;gui")
    endforeach()
  endif()
endif()
