// `synfin graph endpoint|space|trace ...`: Graphviz pictures of the model (include/synfin/dot.hpp),
// written as .dot and rendered to .svg/.png when Graphviz's `dot` is on PATH.
#pragma once

#include <string>
#include <vector>

// args: everything after `graph`. Returns the exit status: 0 written (and rendered), 1 the trace
// does not replay or `dot` failed, 2 bad usage or unreadable input.
int run_graph(const std::vector<std::string>& args);
