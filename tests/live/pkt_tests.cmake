# tests/pkt/*.pkt against the live Linux kernel (issue #5; docs/packetdrill.md, "Against the live
# kernel"). Included from live_tests.cmake, whose variables it uses.
#
#   live.pkt.<script>   tests/live/pkt.sh: `synfin pkt run <script> --live` in two fresh network
#                       namespaces, the kernel as the stack under test. Needs CAP_NET_ADMIN and
#                       CAP_NET_RAW (root); without them it exits 77 and ctest reports it as
#                       skipped, never as passed. RUN_SERIAL: the timing tolerances assume an
#                       otherwise idle machine.
#   live.pkt.error.*    clear errors, and nothing sent, for a missing namespace or missing options.
#
# A script the kernel does not pass would be listed in SYNFIN_PKT_LIVE_EXPECTED_FAILURES (WILL_FAIL)
# with its reason in docs/packetdrill.md; there is none.
set(SYNFIN_PKT_LIVE_EXPECTED_FAILURES "")
file(GLOB _synfin_pkt_scripts CONFIGURE_DEPENDS "${_synfin_live_dir}/../pkt/*.pkt")
foreach(_script IN LISTS _synfin_pkt_scripts)
    get_filename_component(_name "${_script}" NAME_WE)
    add_test(NAME live.pkt.${_name}
        COMMAND "${SYNFIN_BASH}" "${_synfin_live_dir}/pkt.sh" $<TARGET_FILE:synfin_cli> "${_script}")
    set_tests_properties(live.pkt.${_name} PROPERTIES
        SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 120 LABELS "live;pkt")
    if(_name IN_LIST SYNFIN_PKT_LIVE_EXPECTED_FAILURES)
        set_tests_properties(live.pkt.${_name} PROPERTIES WILL_FAIL TRUE)
    endif()
endforeach()

# Clear errors before anything is sent, without privileges: a missing namespace, missing options
# (exit 2, which PASS_REGULAR_EXPRESSION does not look at).
set(_synfin_pkt_one "${_synfin_live_dir}/../pkt/rst_syn_sent.pkt")
add_test(NAME live.pkt.error.no_netns
    COMMAND synfin_cli pkt run "${_synfin_pkt_one}" --live --iface lo --peer 192.0.2.1:8080
            --local 192.0.2.2:40000 --netns synfin-no-such-ns)
add_test(NAME live.pkt.error.options COMMAND synfin_cli pkt run "${_synfin_pkt_one}" --live --iface lo)
set_tests_properties(live.pkt.error.no_netns PROPERTIES
    PASS_REGULAR_EXPRESSION "no network namespace 'synfin-no-such-ns'" LABELS "live;pkt")
set_tests_properties(live.pkt.error.options PROPERTIES
    PASS_REGULAR_EXPRESSION "--live needs --iface IF, --peer IP:PORT, --local IP:PORT and --netns NS" LABELS "live;pkt")
