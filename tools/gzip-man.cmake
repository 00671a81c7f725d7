# SPDX-License-Identifier: BSD-3-Clause
# cmake -DDIR=... -P gzip-man.cmake: DIR/X.1 -> DIR/X.1.gz for every page (gzip -9n: no
# name or time in the header, so the same page gives the same file).
file(GLOB pages "${DIR}/*.1")
if(NOT pages)
  message(FATAL_ERROR "no man pages in ${DIR}")
endif()
foreach(page ${pages})
  execute_process(COMMAND gzip -9nc ${page} OUTPUT_FILE ${page}.gz RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${page}: ${rc}")
  endif()
endforeach()
