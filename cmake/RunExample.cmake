# cmake -DPROGRAM=<exe> -DEXPECTED=<file> [-DACTUAL=<file>] -P RunExample.cmake
#
# Runs PROGRAM (no arguments). Fails if it exits non-zero. If the file EXPECTED exists (it is
# looked up when the test runs, so adding an examples/<name>.expected needs no reconfigure),
# the program's stdout must equal its contents byte for byte, trailing newline included.
# The captured stdout is always written to ACTUAL (default: <PROGRAM>.actual) for inspection.
# With the environment variable SYNFIN_UPDATE_EXPECTED=1 an existing expected file is
# overwritten with the actual output instead of compared (review the diff before committing).
cmake_minimum_required(VERSION 3.21)

if(NOT DEFINED PROGRAM OR NOT DEFINED EXPECTED)
    message(FATAL_ERROR "usage: cmake -DPROGRAM=<exe> -DEXPECTED=<file> -P RunExample.cmake")
endif()
if(NOT DEFINED ACTUAL)
    set(ACTUAL "${PROGRAM}.actual")
endif()

execute_process(
    COMMAND "${PROGRAM}"
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULT_VARIABLE rc)
file(WRITE "${ACTUAL}" "${out}")
if(NOT err STREQUAL "")
    message("---- stderr of ${PROGRAM} ----\n${err}")
endif()
if(NOT rc STREQUAL "0")
    message("---- stdout of ${PROGRAM} ----\n${out}")
    message(FATAL_ERROR "${PROGRAM} exited with ${rc}")
endif()

if(NOT EXISTS "${EXPECTED}")
    message("${PROGRAM}: exit 0 (no ${EXPECTED}; stdout not compared)")
    return()
endif()

if("$ENV{SYNFIN_UPDATE_EXPECTED}" STREQUAL "1")
    file(WRITE "${EXPECTED}" "${out}")
    message("${PROGRAM}: rewrote ${EXPECTED}")
    return()
endif()

file(READ "${EXPECTED}" want)
if(out STREQUAL want)
    message("${PROGRAM}: stdout matches ${EXPECTED}")
    return()
endif()

find_program(DIFF_EXECUTABLE diff)
if(DIFF_EXECUTABLE)
    execute_process(COMMAND "${DIFF_EXECUTABLE}" -u "${EXPECTED}" "${ACTUAL}" OUTPUT_VARIABLE d)
    message("---- diff -u expected actual ----\n${d}")
else()
    message("---- expected ----\n${want}\n---- actual ----\n${out}")
endif()
message(FATAL_ERROR "${PROGRAM}: stdout differs from ${EXPECTED} (actual output saved in ${ACTUAL}; "
                    "rerun with SYNFIN_UPDATE_EXPECTED=1 to accept it)")
