# cmake -DSYNFIN=<synfin binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch dir> -P render_docs.cmake
#
# Renders docs/img/ (target docs-images, cmake/SynfinDocsImages.cmake): every picture is made by
# `synfin graph` from the model, never drawn by hand.
#   endpoint-rfc9293         the endpoint graph as Figure 5 shows it (README, docs/why.md)
#   endpoint-rfc9293-all     with error conditions (RST, ABORT, giving up) and data
#   endpoint-linux-vs-rfc9293  what Linux adds (+) and removes (-)
#   seed-*                   the seed's handshake and releases, from the seed-*.trace files here
#   why-*                    the shortest counterexample on each broken variant (docs/why.md),
#                            found afresh by `synfin check --trace-dir`
#   space-crash-no_keepalive the summary of one explored state space
#
# With -DMODE=no-dot or -DMODE=usage it is instead a test of `synfin graph` (ctest graph.cli.*).

cmake_minimum_required(VERSION 3.21)

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    set(rc "${rc}" PARENT_SCOPE)
    set(out "${out}" PARENT_SCOPE)
    set(err "${err}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "no-dot")
    # Without dot on PATH: the .dot is written, the user is told once, and the exit status is 0.
    file(REMOVE "${WORK_DIR}/nodot.dot" "${WORK_DIR}/nodot.svg")
    run("${CMAKE_COMMAND}" -E env "PATH=${WORK_DIR}/no-such-dir" "${SYNFIN}" graph endpoint -o "${WORK_DIR}/nodot.dot")
    string(REGEX MATCHALL "not on PATH" said "${err}")
    list(LENGTH said times)
    if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK_DIR}/nodot.dot" OR EXISTS "${WORK_DIR}/nodot.svg" OR NOT times EQUAL 1)
        message(FATAL_ERROR "graph without dot: exit ${rc}, said 'not on PATH' ${times} times\n${out}\n${err}")
    endif()
    return()
endif()

if(MODE STREQUAL "usage")
    # Bad usage exits 2 with a message; a trace that does not replay exits 1.
    foreach(args "bogus" "endpoint;--profile;no_such_profile" "space" "space;--config;nope/rfc9293"
                 "trace" "trace;${WORK_DIR}/no-such.trace" "endpoint;--format;gif"
                 "space;--config;close/rfc9293;--max-draw;100000")
        run("${SYNFIN}" graph ${args})
        if(NOT rc EQUAL 2 OR err STREQUAL "")
            message(FATAL_ERROR "synfin graph ${args}: exit ${rc}, expected 2 and a message\n${err}")
        endif()
    endforeach()
    file(WRITE "${WORK_DIR}/bad.trace" "synfin-trace 1\nconfig close/rfc9293\nproperty none\nuser A connect iss=0\ndeliver B->A 0\nend\n")
    run("${SYNFIN}" graph trace "${WORK_DIR}/bad.trace" -o "${WORK_DIR}/bad.dot")
    if(NOT rc EQUAL 1 OR NOT err MATCHES "not enabled")
        message(FATAL_ERROR "a trace that does not replay: exit ${rc}, expected 1\n${err}")
    endif()
    return()
endif()

# ---- docs-images --------------------------------------------------------------------------------
find_program(DOT_PROGRAM dot)
if(NOT DOT_PROGRAM)
    message(FATAL_ERROR "docs-images needs Graphviz dot on PATH (Debian: apt-get install graphviz)")
endif()
set(img "${SOURCE_DIR}/docs/img")
file(MAKE_DIRECTORY "${img}" "${WORK_DIR}")

function(graph)
    run("${SYNFIN}" graph ${ARGN} --format svg)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "synfin graph ${ARGN}: exit ${rc}\n${out}\n${err}")
    endif()
    message(STATUS "${out}")
endfunction()

graph(endpoint --profile rfc9293 -o "${img}/endpoint-rfc9293.dot")
graph(endpoint --profile rfc9293 --all -o "${img}/endpoint-rfc9293-all.dot")
graph(endpoint --profile linux --compare rfc9293 -o "${img}/endpoint-linux-vs-rfc9293.dot")
foreach(seed seed-handshake seed-release seed-release-merged)
    graph(trace "${img}/${seed}.trace" -o "${img}/${seed}.dot")
endforeach()

# The counterexamples of docs/why.md: the suite's cells on the broken variants.
set(why
    "two-way-handshake|stale_syn/two_way_handshake|no_half_open_leak|"
    "no-time-wait|reconnect/no_time_wait|no_stale_acceptance|--wire"
    "short-time-wait|reconnect/short_time_wait|no_stale_acceptance|--wire"
    "no-closing-state|close/no_closing_state|simultaneous_close_converges|"
    "unbounded-synack-retries|lossy_close/unbounded_synack_retries+keepalive|no_half_open_leak|"
    "no-keepalive|crash/no_keepalive|no_half_open_leak|"
    "unbounded-data-retries|lossy_close/unbounded_data_retries|no_livelock|")
set(traces "${WORK_DIR}/traces")
file(REMOVE_RECURSE "${traces}")
set(check_args "")
foreach(entry IN LISTS why)
    string(REPLACE "|" ";" f "${entry}")
    list(GET f 1 config)
    list(APPEND check_args --config "${config}")
endforeach()
run("${SYNFIN}" check ${check_args} --trace-dir "${traces}" --quiet)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "synfin check did not give the expected verdicts (exit ${rc})\n${out}\n${err}")
endif()
foreach(entry IN LISTS why)
    string(REPLACE "|" ";" f "${entry}")
    list(GET f 0 name)
    list(GET f 1 config)
    list(GET f 2 property)
    list(GET f 3 extra)
    string(REPLACE "/" "__" file "${config}")
    set(trace "${traces}/${property}__${file}.trace")
    if(NOT EXISTS "${trace}")
        message(FATAL_ERROR "no counterexample for ${property} on ${config}")
    endif()
    configure_file("${trace}" "${img}/why-${name}.trace" COPYONLY)
    graph(trace "${img}/why-${name}.trace" ${extra} -o "${img}/why-${name}.dot")
endforeach()

graph(space --config crash/no_keepalive --summary -o "${img}/space-crash-no_keepalive.dot")
