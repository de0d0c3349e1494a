// libFuzzer target for the trace reader (`synfin trace verify`, `synfin replay` of a trace):
// traces come from files a user hands the CLI, so any bytes given to parse_trace, and any trace
// it accepts replayed on its configuration's System<3> (as checks/runner.hpp's verify does, up to
// the first step that is not enabled), must neither crash nor trip a sanitizer. Built with Clang
// only and run by ctest for a bounded time (tests/fuzz/CMakeLists.txt), seeded with docs/img/*.trace.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include <synfin/trace.hpp>

#include "suite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = synfin::parse_trace(text);
    auto* trace = std::get_if<synfin::Trace>(&parsed);
    if (!trace) return 0;
    auto config = synfin::suite::config_named(trace->config);
    if (!config) return 0;
    synfin::System<synfin::suite::seq_bits> sys(*config);
    auto s = sys.initial();
    auto walk = [&](const std::vector<synfin::Action>& actions) {
        for (synfin::Action a : actions) {
            if (!synfin::enabled(sys, s, a)) return false;
            s = sys.apply(s, a);
        }
        return true;
    };
    if (walk(trace->stem)) (void)walk(trace->cycle);
    return 0;
}
