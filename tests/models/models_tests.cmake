# Model files (checks/model_file.cpp, docs/models.md): the reader's unit tests, the CLI's exit
# codes for bad model files, and docs/models.md's worked example, run as the doc says.
add_executable(synfin_model_tests "${CMAKE_CURRENT_LIST_DIR}/test_model_file.cpp" "${CMAKE_CURRENT_LIST_DIR}/test_expr.cpp" "${CMAKE_CURRENT_SOURCE_DIR}/main.cpp"
    "${PROJECT_SOURCE_DIR}/checks/model_file.cpp" "${PROJECT_SOURCE_DIR}/checks/expr.cpp")
target_link_libraries(synfin_model_tests PRIVATE synfin::synfin tomlplusplus::tomlplusplus Catch2::Catch2 rapidcheck
    rapidcheck_catch)
synfin_target_options(synfin_model_tests)
catch_discover_tests(synfin_model_tests
    PROPERTIES
        ENVIRONMENT "SYNFIN_RC_PARAMS_DEFAULT=seed=${SYNFIN_RC_SEED}"
        LABELS "unit")

# The CLI on model files: each exit code of README's table, and FILE:LINE:COL on stderr.
set(_models "${PROJECT_SOURCE_DIR}/examples/models")
set(_model_cases "${CMAKE_CURRENT_BINARY_DIR}/model-cases")
file(MAKE_DIRECTORY "${_model_cases}")
file(WRITE "${_model_cases}/unknown_key.toml" "summary = \"x\"\n[bounds]\nmsl = 2\n")
file(WRITE "${_model_cases}/wrong_expectation.toml" "[host.a]\nprofile = \"rfc9293\"\nscript = [\"connect\"]\n[host.b]\nprofile = \"rfc9293\"\nscript = [\"listen\"]\n[[check]]\nproperty = \"handshake_agreement\"\nexpect = \"violated\"\n")
# Linux's SYN+ACK retransmissions fill a channel of 3 with no loss budget left: dead ends.
file(WRITE "${_model_cases}/dead_ends.toml" "[bounds]\nloss = 1\n[host.a]\nprofile = \"linux\"\nscript = [\"connect\", \"eager close\"]\n[host.b]\nprofile = \"linux\"\nscript = [\"listen\"]\n[[check]]\nproperty = \"handshake_agreement\"\nexpect = \"holds\"\n")
# Linux with keepalive after 30 s, before its 60 s TIME-WAIT ends: the cell names R4 as broken.
file(WRITE "${_model_cases}/broken_relation.toml" "[bounds]\nloss = 0\n[host.a]\nprofile = \"linux\"\nscript = [\"connect\"]\n[host.a.knobs]\nkeepalive = true\nkeepalive_time = 30000\n[host.b]\nprofile = \"linux\"\nscript = [\"listen\"]\n[[check]]\nproperty = \"no_spurious_timeout\"\nexpect = \"holds\"\n")
foreach(case IN ITEMS
        "broken_relation|0|check ${_model_cases}/broken_relation.toml|breaks order relation R4 of docs/properties.md"
        "examples|0|check ${_models}/my_stack.toml ${_models}/my_stack_impatient.toml|8 cells: 8 as expected"
        "wrong_expectation|1|check ${_model_cases}/wrong_expectation.toml|UNEXPECTED"
        "unknown_key|2|check ${_model_cases}/unknown_key.toml|unknown_key.toml:3:1: unknown key 'msl' in \\[bounds\\]"
        "missing|2|check ${_model_cases}/no-such.toml|no-such.toml: cannot read the model file"
        "directory|2|check ${_model_cases}/dir.toml|is a directory"
        "config_and_file|2|check --config close ${_models}/my_stack.toml|not with model files"
        "unknown_property|2|check ${_models}/my_stack.toml --property no_deadlock|no check of the model files matches"
        "dead_ends|3|check ${_model_cases}/dead_ends.toml|dead ends"
        "profile_show|0|profile show linux|^time_wait = 60000"
        "profile_diff|0|profile diff rfc9293 rfc9293_hardened|^rfc1337 = false -> true"
        "profile_unknown|2|profile show linux2|unknown profile 'linux2'"
        "profile_usage|2|profile|usage: synfin profile show")
    string(REPLACE "|" ";" parts "${case}")
    list(GET parts 0 name)
    list(GET parts 1 code)
    list(GET parts 2 cmdline)
    list(GET parts 3 says)
    add_test(NAME cli.model.${name}
        COMMAND sh -c "\"$0\" ${cmdline} >\"$1\" 2>&1; s=$?; cat \"$1\"; grep -q -- \"$2\" \"$1\" && test $s -eq ${code}"
                $<TARGET_FILE:synfin_cli> "${_model_cases}/${name}.out" "${says}")
    set_tests_properties(cli.model.${name} PROPERTIES LABELS "unit;cli;models" TIMEOUT 120)
endforeach()
file(MAKE_DIRECTORY "${_model_cases}/dir.toml")

# docs/models.md shows the example model files verbatim, and its commands work as shown: the
# traces they write are confirmed by 'trace verify'.
add_test(NAME models.doc_shows_the_examples
    COMMAND "${CMAKE_COMMAND}" -DDOC=${PROJECT_SOURCE_DIR}/docs/models.md
            "-DFILES=${_models}/my_stack.toml;${_models}/my_stack_impatient.toml"
            -P "${CMAKE_CURRENT_LIST_DIR}/doc_contains.cmake")
add_test(NAME models.doc_example_traces
    COMMAND sh -c "cd \"$1\" && rm -rf \"$2\" && \"$0\" check my_stack.toml my_stack_impatient.toml --trace-dir \"$2\" && \"$0\" trace verify \"$2\"/no_spurious_timeout__my_stack_impatient.trace"
            $<TARGET_FILE:synfin_cli> "${_models}" "${_model_cases}/doc-traces")
set_tests_properties(models.doc_shows_the_examples models.doc_example_traces PROPERTIES LABELS "unit;models" TIMEOUT 120)
