# SPDX-License-Identifier: BSD-3-Clause
# Continuous monitoring over loopback (tests/monitor): the sender's interval reports adding up
# to its totals (interval), --metrics of sender, responder and monitor through promtool and
# against their final JSON (metrics), the monitor's configuration errors, reload and silent
# targets (monitor), and a real Prometheus server scraping a monitor and answering PromQL
# (prometheus). Bounded in packets and time; 77 means a needed tool is missing.
if(TARGET stampkit_cli AND EXISTS /usr/bin/python3)
  foreach(t interval metrics monitor monitor_auth prometheus)
    add_test(NAME monitor.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/monitor/test_${t}.py
              $<TARGET_FILE:stampkit_cli>)
    set_tests_properties(monitor.${t} PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
      RESOURCE_LOCK stampkit_live_lo LABELS monitor)
  endforeach()
endif()
