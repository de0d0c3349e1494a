// ODR check, part A. odr_a.cpp and odr_b.cpp both include the umbrella header and are linked
// into synfin_tests: a non-inline function or variable defined in any header shows up as a
// multiple-definition link error. Each defines a function; the test here calls into B, which
// calls back into A.
#include <synfin/synfin.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

std::uint32_t synfin_odr_b_advance(std::uint32_t start, std::uint32_t n); // odr_b.cpp

std::uint32_t synfin_odr_a_distance(std::uint32_t from, std::uint32_t to) {
    return synfin::Seq32{to} - synfin::Seq32{from};
}

static_assert((synfin::Seq32{0xffffffffu} + 1u).value() == 0u, "Seq32 wraps at 2^32");

TEST_CASE("odr: headers link into two translation units", "[odr]") {
    // B advances 0xfffffffe by 5 (wrapping to 3) and checks the distance via A.
    REQUIRE(synfin_odr_b_advance(0xfffffffeu, 5u) == 3u);
    REQUIRE(synfin_odr_a_distance(0xfffffffeu, 3u) == 5u);
}
