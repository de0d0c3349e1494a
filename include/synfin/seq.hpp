// Sequence-number arithmetic over a space of 2^Bits numbers.
// RFC 9293 §3.4 (comparisons modulo 2^32), RFC 1982 (serial-number arithmetic).
// The same type runs a real stack (Bits = 32) and the exhaustive checker (Bits = 3).
#pragma once

#include <cstdint>

namespace synfin {

template <unsigned Bits>
class Seq {
    static_assert(Bits >= 2 && Bits <= 32, "a sequence space needs 2..32 bits");

public:
    using value_type = std::uint32_t;
    static constexpr unsigned bits = Bits;
    static constexpr value_type mask = Bits == 32 ? 0xffffffffu : ((value_type{1} << Bits) - 1u);
    static constexpr value_type half = value_type{1} << (Bits - 1);

    constexpr Seq() = default;
    constexpr explicit Seq(value_type v) : v_(v & mask) {}

    [[nodiscard]] constexpr value_type value() const { return v_; }

    friend constexpr Seq operator+(Seq a, value_type n) { return Seq(a.v_ + n); }
    friend constexpr Seq operator-(Seq a, value_type n) { return Seq(a.v_ - n); }
    constexpr Seq& operator+=(value_type n) { return *this = *this + n; }
    // Modular distance from b forward to a: the number of steps b+k == a.
    friend constexpr value_type operator-(Seq a, Seq b) { return (a.v_ - b.v_) & mask; }
    friend constexpr bool operator==(Seq, Seq) = default;

private:
    value_type v_ = 0;
};

using Seq32 = Seq<32>;

// a < b iff b lies strictly within the half-space ahead of a (§3.4). At exactly half the space
// apart neither is before the other: the RFC leaves that case undefined and so do we, symmetrically.
template <unsigned B> constexpr bool lt(Seq<B> a, Seq<B> b) { auto d = b - a; return d != 0 && d < Seq<B>::half; }
template <unsigned B> constexpr bool le(Seq<B> a, Seq<B> b) { return a == b || lt(a, b); }
template <unsigned B> constexpr bool gt(Seq<B> a, Seq<B> b) { return lt(b, a); }
template <unsigned B> constexpr bool ge(Seq<B> a, Seq<B> b) { return le(b, a); }

// lo <= x < lo + size, exact for every size below the space (the §3.10.7.4 window tests).
template <unsigned B> constexpr bool in_window(Seq<B> lo, Seq<B> x, std::uint32_t size) {
    return size != 0 && (x - lo) < size;
}
// lo < x <= hi, the acceptable-ACK test of §3.10.7.3 and §3.10.7.4, exact while hi - lo < space.
template <unsigned B> constexpr bool in_range_open_closed(Seq<B> lo, Seq<B> x, Seq<B> hi) {
    auto span = hi - lo;
    auto off = x - lo;
    return off != 0 && off <= span;
}

} // namespace synfin
