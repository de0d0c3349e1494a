# Live conformance tests: included from tests/CMakeLists.txt when the `synfin` CLI is built.
#
#   live.<scenario>.<role>     tests/live/run.sh: the scenario replayed against the Linux kernel in
#                              two fresh network namespaces, the driver playing <role>. Needs
#                              CAP_NET_ADMIN and CAP_NET_RAW (root); without them the test exits
#                              77 and ctest reports it as skipped, never as passed. RUN_SERIAL:
#                              the timing tolerances assume an otherwise idle machine.
#   live.simulate.<scenario>.<role>
#                              the same scenario with --simulate (the model plays the live host):
#                              it parses, its roles exist and it is self-consistent. No privileges.
#   live.errors                tests/live/errors.sh: clear errors and nothing sent for an
#                              unparsable scenario, a missing capability, a down interface.
#   live.counterexamples       tests/live/counterexamples.sh: every counterexample of `synfin check`
#                              replayed in both roles; outcomes as in counterexamples.txt. The
#                              check runs once (live.counterexamples.generate, a fixture).
#   live.differential          tests/live/differential.sh: 10 scenarios drawn by RapidCheck
#                              generators (tests/live/gen.cpp, seed 9293) in both roles; fails on
#                              a divergence class not in tests/live/known-divergences.txt.
#
# Each case is SCENARIO:ROLE:EXPECT. EXPECT "diverges" marks a finding recorded in
# docs/conformance.md: the test passes while the divergence is still there.
set(_synfin_live_dir "${CMAKE_CURRENT_LIST_DIR}")
set(SYNFIN_LIVE_CASES
    release_client_first:client:conforms   release_client_first:server:conforms
    release_server_first:client:conforms   release_server_first:server:conforms
    release_merged_finack:client:conforms  release_merged_finack:server:conforms
    simultaneous_close:client:conforms     simultaneous_close:server:conforms
    rst_driver_abort:client:conforms       rst_driver_abort:server:conforms
    rst_kernel_abort:client:conforms       rst_kernel_abort:server:conforms
    close_with_unread:client:conforms      close_with_unread:server:conforms
    closed_port:client:conforms            closed_port:server:conforms
    synack_retries:client:conforms
    syn_retries:server:conforms
    syn_retries_linear:server:conforms     # F1, fixed: linear SYN timeouts (Linux 6.5+)
    time_wait_fin:client:conforms          time_wait_fin:server:conforms
    time_wait_rst:client:conforms          time_wait_rst:server:conforms
    time_wait_rst_rfc1337:client:conforms  time_wait_rst_rfc1337:server:conforms
    keepalive:client:conforms              keepalive:server:conforms
    out_of_window:client:conforms          out_of_window:server:conforms
    challenge_ack:client:conforms          challenge_ack:server:conforms
    ack_checks:client:conforms             ack_checks:server:conforms
    half_closed_fin_wait_2:client:conforms half_closed_fin_wait_2:server:conforms
    # F2, F3 and F5, fixed in the model: the RTO once synchronized is tcp_rto_min; the payload is
    # the MSS less the timestamps option; a FIN before any data is ACKed at once.
    fin_retransmission:client:conforms     fin_retransmission:server:conforms
    mss_timestamps:client:conforms         mss_timestamps:server:conforms
    fin_ack_without_data:client:conforms   fin_ack_without_data:server:conforms
    # F6 and F10, fixed in the linux profile: data after close() gets <SEQ=SEG.ACK><CTL=RST>; the
    # bytes received stay readable after the connection ends.
    data_after_close:client:conforms       data_after_close:server:conforms
    read_after_reset:client:conforms       read_after_reset:server:conforms
    read_after_last_ack:client:conforms    read_after_last_ack:server:conforms
    # F7, fixed in the linux profile: an orphan in FIN-WAIT-2 is a time-wait socket (RFC 793's checks).
    orphan_fin_wait_2:client:conforms      orphan_fin_wait_2:server:conforms
    orphan_fin_wait_2_rst:client:conforms  orphan_fin_wait_2_rst:server:conforms
    orphan_fin_wait_2_ack:client:conforms  orphan_fin_wait_2_ack:server:conforms
    # F4, fixed in the linux profile: ACKs to out-of-window segments are rate-limited.
    oow_rate_limit:client:conforms         oow_rate_limit:server:conforms
    # F8, fixed in the linux profile: an interactive connection delays the ACK of text by 40 ms.
    delayed_ack_interactive:client:conforms delayed_ack_interactive:server:conforms
    # Findings: the linux profile and the kernel part here (docs/conformance.md).
    nagle:client:diverges                  nagle:server:diverges
)

find_program(SYNFIN_BASH bash REQUIRED)
foreach(_case IN LISTS SYNFIN_LIVE_CASES)
    string(REPLACE ":" ";" _parts "${_case}")
    list(GET _parts 0 _scenario)
    list(GET _parts 1 _role)
    list(GET _parts 2 _expect)
    set(_file "${_synfin_live_dir}/scenarios/${_scenario}.live")
    add_test(NAME live.${_scenario}.${_role}
        COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/run.sh" $<TARGET_FILE:synfin_cli> "${_file}" ${_role} ${_expect})
    set_tests_properties(live.${_scenario}.${_role} PROPERTIES
        SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 120 LABELS "live")
    add_test(NAME live.simulate.${_scenario}.${_role}
        COMMAND synfin_cli replay "${_file}" --simulate --role ${_role})
    set_tests_properties(live.simulate.${_scenario}.${_role} PROPERTIES
        TIMEOUT 60 LABELS "live;simulate")
endforeach()

add_test(NAME live.errors
    COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/errors.sh" $<TARGET_FILE:synfin_cli>)
set_tests_properties(live.errors PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 120 LABELS "live")

# Every counterexample of `synfin check` against the kernel (docs/conformance.md). The check runs
# once, as a fixture, for this test and the simulated one below.
set(_synfin_cx_dir "${CMAKE_CURRENT_BINARY_DIR}/counterexamples")
add_test(NAME live.counterexamples.generate
    COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/counterexamples.sh" $<TARGET_FILE:synfin_cli>
            --generate "${_synfin_cx_dir}")
# RUN_SERIAL: the check runs on both cores (JOBS threads); beside another test it takes twice as long.
set_tests_properties(live.counterexamples.generate PROPERTIES
    FIXTURES_SETUP synfin_counterexamples RUN_SERIAL TRUE TIMEOUT 1200 LABELS "live;simulate")
add_test(NAME live.counterexamples
    COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/counterexamples.sh" $<TARGET_FILE:synfin_cli>
            --traces "${_synfin_cx_dir}")
set_tests_properties(live.counterexamples PROPERTIES FIXTURES_REQUIRED synfin_counterexamples
    SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 1800 LABELS "live;counterexamples")

# The same traces with --simulate (the model plays the live host): each converts and runs, in
# both roles, with no privileges; only the crash trace refuses the role whose host crashes.
add_test(NAME live.simulate.counterexamples
    COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/counterexamples.sh" $<TARGET_FILE:synfin_cli> --simulate
            --traces "${_synfin_cx_dir}")
set_tests_properties(live.simulate.counterexamples PROPERTIES FIXTURES_REQUIRED synfin_counterexamples
    TIMEOUT 600 LABELS "live;simulate")

# Without --netns the live stack is remote: a scenario whose live side makes calls is refused
# before anything is opened or sent (no privileges needed).
add_test(NAME live.remote_needs_passive
    COMMAND synfin_cli replay "${_synfin_live_dir}/scenarios/release_client_first.live" --iface lo
            --peer 192.0.2.1:8080 --role client)
set_tests_properties(live.remote_needs_passive PROPERTIES TIMEOUT 60 LABELS "live;unit"
    PASS_REGULAR_EXPRESSION "only a scenario whose live side is passive")

# synfin replay takes a packetdrill script too (as `synfin pkt run --live` does).
add_test(NAME live.replay_pkt
    COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/run.sh" $<TARGET_FILE:synfin_cli>
            "${_synfin_live_dir}/../pkt/rst_syn_sent.pkt" client conforms)
set_tests_properties(live.replay_pkt PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 120 LABELS "live;pkt")
add_test(NAME live.simulate.replay_pkt
    COMMAND synfin_cli replay "${_synfin_live_dir}/../pkt/rst_syn_sent.pkt" --simulate)
set_tests_properties(live.simulate.replay_pkt PROPERTIES TIMEOUT 60 LABELS "live;simulate"
    PASS_REGULAR_EXPRESSION "1 passed, 0 failed, 0 unsupported")

# The differential run's scenario generator (RapidCheck generators, sampled with a fixed seed).
add_executable(synfin_live_gen "${_synfin_live_dir}/gen.cpp")
target_link_libraries(synfin_live_gen PRIVATE rapidcheck)
synfin_target_options(synfin_live_gen)
add_test(NAME live.differential
    COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/differential.sh" $<TARGET_FILE:synfin_cli>
            $<TARGET_FILE:synfin_live_gen> 9293 10 safe)
set_tests_properties(live.differential PROPERTIES
    SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 900 LABELS "live;differential")

# Unit tests of the pieces that need no network: framing, the scenario parser, the profile.
add_executable(synfin_live_unit "${_synfin_live_dir}/unit.cpp" "${PROJECT_SOURCE_DIR}/checks/replay.cpp"
    "${PROJECT_SOURCE_DIR}/checks/pkt.cpp" "${PROJECT_SOURCE_DIR}/checks/pkt_live.cpp")
target_link_libraries(synfin_live_unit PRIVATE synfin::synfin Catch2::Catch2)
synfin_target_options(synfin_live_unit)
add_test(NAME live.unit COMMAND synfin_live_unit)
set_tests_properties(live.unit PROPERTIES LABELS "live;unit")

# tests/pkt/*.pkt against the live kernel (issue #5): see pkt_tests.cmake.
include("${_synfin_live_dir}/pkt_tests.cmake" OPTIONAL)
