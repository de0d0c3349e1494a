// libFuzzer target: any bytes given to the packetdrill parser, and any script it accepts run
// against the model, must neither crash nor trip a sanitizer. Built with Clang only and run by
// ctest for a bounded time (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include <synfin/packetdrill.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = synfin::pkt::parse(text);
    if (auto* script = std::get_if<synfin::pkt::Script>(&parsed)) {
        synfin::pkt::Runner<synfin::Seq32> runner(synfin::pkt::RunOptions{});
        (void)runner.run(*script);
    }
    return 0;
}
