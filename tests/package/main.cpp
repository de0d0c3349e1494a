// Downstream consumer of an installed / add_subdirectory'd / pkg-config'd synfin.
// Exit 0 only if the header is found, compiles as C++20 and Seq32 wraps correctly.
#include <synfin/synfin.hpp>

#include <cstdio>

int main() {
    using synfin::Seq32;
    const Seq32 a{0xfffffff0u};
    const Seq32 b = a + 0x20u; // wraps past 2^32
    const bool ok = b.value() == 0x10u && (b - a) == 0x20u && synfin::lt(a, b) && !synfin::lt(b, a);
    std::puts(ok ? "synfin consumer: ok" : "synfin consumer: Seq32 arithmetic is wrong");
    return ok ? 0 : 1;
}
