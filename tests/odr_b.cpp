// ODR check, part B: see odr_a.cpp.
#include <synfin/synfin.hpp>

#include <cstdint>

std::uint32_t synfin_odr_a_distance(std::uint32_t from, std::uint32_t to); // odr_a.cpp
std::uint32_t synfin_odr_b_advance(std::uint32_t start, std::uint32_t n);

static_assert(synfin::lt(synfin::Seq32{0xfffffff0u}, synfin::Seq32{0x10u}), "lt works across the wrap");

std::uint32_t synfin_odr_b_advance(std::uint32_t start, std::uint32_t n) {
    const auto end = synfin::Seq32{start} + n;
    // Round trip through A: the distance back must be n, or report a wrong value.
    return synfin_odr_a_distance(start, end.value()) == n ? end.value() : ~end.value();
}
