// libFuzzer target for the `.live` scenario reader of `synfin replay`: scenarios, and checker
// traces converted to scenarios, are files a user hands the CLI, so any bytes given to
// replay::parse_script, and to replay::script_from_trace (as a trace whose client the driver
// plays, 100 ms a tick), must neither crash nor trip a sanitizer. Built with Clang only, and only
// with the checker CLI's sources (SYNFIN_BUILD_CHECKS); run by ctest for a bounded time
// (tests/fuzz/CMakeLists.txt), seeded with tests/live/scenarios/*.live and docs/img/*.trace.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "replay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)synfin::replay::parse_script(text);
    (void)synfin::replay::script_from_trace(text, synfin::replay::Role::client, 100);
    return 0;
}
