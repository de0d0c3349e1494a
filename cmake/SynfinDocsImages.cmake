# The pictures in docs/img/ and the tests of `synfin graph` (included from the top-level
# CMakeLists.txt once the `synfin` CLI target exists).
#
#   cmake --build --preset default --target docs-images
#
# regenerates docs/img/ in the source tree (cmake/render_docs.cmake says what is drawn); it needs
# Graphviz `dot` on PATH. The images are committed, so readers of the README need neither.
include_guard(GLOBAL)

if(NOT TARGET synfin_cli)
    return()
endif()

add_custom_target(docs-images
    COMMAND "${CMAKE_COMMAND}"
            "-DSYNFIN=$<TARGET_FILE:synfin_cli>"
            "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
            "-DWORK_DIR=${PROJECT_BINARY_DIR}/docs-images"
            -P "${CMAKE_CURRENT_LIST_DIR}/render_docs.cmake"
    DEPENDS synfin_cli
    COMMENT "Rendering docs/img/ with synfin graph and Graphviz dot"
    VERBATIM USES_TERMINAL)

if(NOT SYNFIN_BUILD_TESTS)
    return()
endif()

# `synfin graph` end to end: each subcommand writes and renders, usage errors exit 2, and
# without dot on PATH the .dot is still written and the user is told once.
set(_graph_work "${PROJECT_BINARY_DIR}/graph-cli-tests")
file(MAKE_DIRECTORY "${_graph_work}")
add_test(NAME graph.cli.endpoint
    COMMAND synfin_cli graph endpoint --profile rfc9293 -o "${_graph_work}/endpoint.dot")
add_test(NAME graph.cli.endpoint_compare
    COMMAND synfin_cli graph endpoint --profile linux --compare rfc9293 --all -o "${_graph_work}/compare.dot" --format svg)
add_test(NAME graph.cli.space
    COMMAND synfin_cli graph space --config crash/no_keepalive -o "${_graph_work}/space.dot" --format svg)
add_test(NAME graph.cli.space_summary
    COMMAND synfin_cli graph space --config stale_syn/two_way_handshake --summary -o "${_graph_work}/summary.dot")
add_test(NAME graph.cli.trace
    COMMAND synfin_cli graph trace "${PROJECT_SOURCE_DIR}/docs/img/seed-release.trace" --wire -o "${_graph_work}/release.dot")
add_test(NAME graph.cli.help COMMAND synfin_cli graph --help)
foreach(mode usage no-dot)
    add_test(NAME graph.cli.${mode}
        COMMAND "${CMAKE_COMMAND}" "-DSYNFIN=$<TARGET_FILE:synfin_cli>" "-DWORK_DIR=${_graph_work}" -DMODE=${mode}
                -P "${CMAKE_CURRENT_LIST_DIR}/render_docs.cmake")
endforeach()
set_tests_properties(graph.cli.endpoint graph.cli.endpoint_compare graph.cli.space graph.cli.space_summary
                     graph.cli.trace graph.cli.help graph.cli.usage graph.cli.no-dot
                     PROPERTIES LABELS "graph")
