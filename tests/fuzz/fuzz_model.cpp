// libFuzzer target for the model-file reader (`synfin check FILE.toml`, docs/models.md): any bytes
// given to model::parse must end in a model or an error, never a crash, a sanitizer report or an
// exception that escapes; an accepted model must make a configuration at its own and at twice its
// resolution. toml++ is compiled header-only into this target, so that it is instrumented too.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = synfin::model::parse(text, "fuzz.toml");
    if (auto* m = std::get_if<std::unique_ptr<synfin::model::Model>>(&parsed)) {
        auto c = synfin::model::make_config(**m);
        auto fine = synfin::model::make_config(**m, static_cast<std::uint8_t>(2 * c.msl));
        if (c.msl != (*m)->msl || fine.msl != 2 * c.msl || c.host[0].script_len == 0) __builtin_trap();
    } else if (std::get<synfin::model::Error>(parsed).message.empty()) {
        __builtin_trap(); // an error that says nothing
    }
    return 0;
}
