// Sequence-number arithmetic (include/synfin/seq.hpp), RFC 9293 §3.4 and RFC 1982, checked by
// properties at the widths the project uses: 3 (the exhaustive checker), 8, 16 and 32 (a real
// stack). Style §6: total order within half the space, before/after inverses, wrap-around at the
// maximum, and the window tests of §3.10.7 against brute-force definitions.
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "synfin/seq.hpp"

namespace {

using namespace synfin;

// An arbitrary number of the space, with the edges (0, the maximum, either side of half) often.
template <class S>
rc::Gen<typename S::value_type> gen_value() {
    using V = typename S::value_type;
    return rc::gen::oneOf(
        rc::gen::map(rc::gen::arbitrary<V>(), [](V v) { return static_cast<V>(v & S::mask); }),
        rc::gen::element(V{0}, V{1}, V{S::half - 1u}, V{S::half}, V{S::half + 1u}, V{S::mask - 1u}, V{S::mask}));
}

// A distance 0 < d < half.
template <class S>
rc::Gen<typename S::value_type> gen_below_half() {
    using V = typename S::value_type;
    return rc::gen::oneOf(rc::gen::inRange<V>(1u, S::half),
                          rc::gen::element(V{1}, V{S::half - 1u}));
}

// A window size small enough to check by counting (at most 4096 steps), edges included.
template <class S>
rc::Gen<std::uint32_t> gen_size() {
    constexpr std::uint32_t space_minus_1 = S::mask;
    constexpr std::uint32_t cap = space_minus_1 < 4096u ? space_minus_1 : 4096u;
    return rc::gen::oneOf(rc::gen::inRange<std::uint32_t>(0u, cap + 1u),
                          rc::gen::element(0u, 1u, 2u, std::uint32_t{cap}));
}

// lo <= x < lo + size, by walking the window one number at a time.
template <class S>
bool brute_in_window(S lo, S x, std::uint32_t size) {
    for (std::uint32_t k = 0; k < size; ++k)
        if (lo + k == x) return true;
    return false;
}

// lo < x <= hi, by walking from lo + 1 to hi.
template <class S>
bool brute_in_range_open_closed(S lo, S x, S hi) {
    for (S y = lo; y != hi;) {
        y += 1u;
        if (y == x) return true;
    }
    return false;
}

} // namespace

TEMPLATE_TEST_CASE("Seq: construction masks to the width, and + - wrap at the maximum", "[seq]",
                   Seq<3>, Seq<8>, Seq<16>, Seq<32>) {
    using S = TestType;
    STATIC_REQUIRE(S::mask == (S::bits == 32 ? 0xffffffffu : (1u << S::bits) - 1u));
    STATIC_REQUIRE(S::half == (S::mask / 2u) + 1u);
    CHECK(S(S::mask) + 1u == S(0u));
    CHECK(S(0u) - 1u == S(S::mask));
    CHECK(S(0u) - S(S::mask) == 1u);
    CHECK(S(S::mask) - S(0u) == S::mask);
    CHECK(lt(S(S::mask), S(0u)));  // the maximum is just before zero
    CHECK(gt(S(0u), S(S::mask)));
    CHECK_FALSE(lt(S(0u), S(S::mask)));
    if constexpr (S::bits < 32) CHECK(S(S::mask + 1u) == S(0u)); // an out-of-range value is reduced

    rc::prop("(a + n) - a == n mod 2^bits, and a + n - n == a", [] {
        S a(*gen_value<S>());
        auto n = *rc::gen::arbitrary<std::uint32_t>();
        RC_ASSERT((a + n) - a == (n & S::mask));
        RC_ASSERT(a + n - n == a);
        S b = a;
        b += n;
        RC_ASSERT(b == a + n);
    });
}

TEMPLATE_TEST_CASE("Seq: lt and gt are inverses, le and ge their reflexive closures", "[seq]",
                   Seq<3>, Seq<8>, Seq<16>, Seq<32>) {
    using S = TestType;
    rc::prop("inverse and closures", [] {
        S a(*gen_value<S>());
        S b(*gen_value<S>());
        RC_ASSERT(gt(a, b) == lt(b, a));
        RC_ASSERT(le(a, b) == (lt(a, b) || a == b));
        RC_ASSERT(ge(a, b) == le(b, a));
        RC_ASSERT(!(lt(a, b) && lt(b, a))); // antisymmetric
        RC_ASSERT(!lt(a, a));               // irreflexive
        // Trichotomy, except at exactly half the space apart, which §3.4 leaves undefined: there
        // neither is before the other, the same in both directions.
        if (b - a == S::half) {
            RC_ASSERT(!lt(a, b));
            RC_ASSERT(!lt(b, a));
        } else {
            RC_ASSERT(int(lt(a, b)) + int(lt(b, a)) + int(a == b) == 1);
        }
    });
}

TEMPLATE_TEST_CASE("Seq: total order within half the space", "[seq]", Seq<3>, Seq<8>, Seq<16>, Seq<32>) {
    using S = TestType;
    rc::prop("for d in (0, half): a < a + d", [] {
        S a(*gen_value<S>());
        auto d = *gen_below_half<S>();
        RC_ASSERT(lt(a, a + d));
        RC_ASSERT(gt(a + d, a));
        RC_ASSERT(!lt(a + d, a));
        RC_ASSERT(le(a, a + d));
    });
    rc::prop("for d in [half, space): not a < a + d", [] {
        S a(*gen_value<S>());
        auto d = *rc::gen::oneOf(rc::gen::element(std::uint32_t{S::half}, std::uint32_t{S::mask}),
                                 rc::gen::map(rc::gen::arbitrary<std::uint32_t>(),
                                              [](std::uint32_t x) { return S::half + (x & (S::half - 1u)); }));
        RC_ASSERT(!lt(a, a + d));
    });
    rc::prop("transitive inside a half-space window", [] {
        S a(*gen_value<S>());
        auto d1 = *gen_below_half<S>();
        auto d2 = *gen_below_half<S>();
        RC_PRE(d1 + d2 < S::half);
        RC_ASSERT(lt(a, a + d1));
        RC_ASSERT(lt(a + d1, a + d1 + d2));
        RC_ASSERT(lt(a, a + d1 + d2));
    });
}

TEST_CASE("Seq: exhaustive order facts for the checker's 3-bit space and for 8 bits", "[seq]") {
    auto check = []<unsigned B>(Seq<B>) {
        using S = Seq<B>;
        for (std::uint32_t x = 0; x <= S::mask; ++x) {
            for (std::uint32_t y = 0; y <= S::mask; ++y) {
                S a(x), b(y);
                std::uint32_t forward = (y - x) & S::mask;
                CHECK(lt(a, b) == (forward != 0 && forward < S::half));
                CHECK(gt(a, b) == lt(b, a));
            }
        }
    };
    check(Seq<3>{});
    check(Seq<8>{});
    // Named 3-bit cases: 7 < 0 across the wrap; 0 < 3 and 3 < 6 (distance 3 < half = 4).
    CHECK(lt(Seq<3>(7), Seq<3>(0)));
    CHECK(lt(Seq<3>(0), Seq<3>(3)));
    CHECK(lt(Seq<3>(3), Seq<3>(6)));
    CHECK_FALSE(lt(Seq<3>(0), Seq<3>(4))); // exactly half apart: neither
    CHECK_FALSE(lt(Seq<3>(4), Seq<3>(0)));
}

TEMPLATE_TEST_CASE("Seq: in_window agrees with lo <= x < lo + size counted out", "[seq]", Seq<3>, Seq<8>,
                   Seq<16>, Seq<32>) {
    using S = TestType;
    rc::prop("in_window == brute force", [] {
        S lo(*gen_value<S>());
        auto size = *gen_size<S>();
        // x near the window's edges as often as anywhere.
        S x = *rc::gen::oneOf(rc::gen::map(gen_value<S>(), [](std::uint32_t v) { return S(v); }),
                              rc::gen::map(rc::gen::inRange<std::int64_t>(-2, 3),
                                           [lo, size](std::int64_t k) {
                                               return lo + static_cast<std::uint32_t>(size + k);
                                           }),
                              rc::gen::map(rc::gen::inRange<std::int64_t>(-2, 3), [lo](std::int64_t k) {
                                  return lo + static_cast<std::uint32_t>(k);
                              }));
        RC_ASSERT(in_window(lo, x, size) == brute_in_window(lo, x, size));
    });
    // Every size below the space, at its edges.
    S lo(S::mask - 1u);
    std::uint32_t size = S::mask; // space - 1
    CHECK(in_window(lo, lo, size));
    CHECK(in_window(lo, lo + (size - 1u), size));
    CHECK_FALSE(in_window(lo, lo + size, size));
    CHECK_FALSE(in_window(lo, lo, 0u)); // an empty window holds nothing
}

TEMPLATE_TEST_CASE("Seq: in_range_open_closed agrees with lo < x <= hi counted out", "[seq]", Seq<3>, Seq<8>,
                   Seq<16>, Seq<32>) {
    using S = TestType;
    rc::prop("in_range_open_closed == brute force", [] {
        S lo(*gen_value<S>());
        auto span = *gen_size<S>();
        S hi = lo + span;
        S x = *rc::gen::oneOf(rc::gen::map(gen_value<S>(), [](std::uint32_t v) { return S(v); }),
                              rc::gen::map(rc::gen::inRange<std::int64_t>(-2, 3),
                                           [hi](std::int64_t k) { return hi + static_cast<std::uint32_t>(k); }),
                              rc::gen::map(rc::gen::inRange<std::int64_t>(-2, 3),
                                           [lo](std::int64_t k) { return lo + static_cast<std::uint32_t>(k); }));
        RC_ASSERT(in_range_open_closed(lo, x, hi) == brute_in_range_open_closed(lo, x, hi));
    });
    // The §3.10.7.3 test SND.UNA < SEG.ACK =< SND.NXT across the wrap.
    S una(S::mask);
    S nxt = una + 1u;
    CHECK(in_range_open_closed(una, nxt, nxt));
    CHECK_FALSE(in_range_open_closed(una, una, nxt));
    CHECK_FALSE(in_range_open_closed(una, nxt + 1u, nxt));
    CHECK_FALSE(in_range_open_closed(una, una, una)); // empty range
}
