// The hostile network of the checker: per direction a bounded bag of segments that may be
// delivered in any order, lost, or duplicated, and that ages with every tick until it is older
// than MSL and disappears (RFC 9293 §3.4.1: segments live at most MSL).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "segment.hpp"

namespace synfin {

// A segment in flight as the checker stores it: the control bits and numbers that the lifecycle
// depends on, plus ghost fields that only properties read.
struct Packet {
    std::uint8_t flags = 0;  // Flag bits: FIN SYN RST ACK (PSH is dropped: the model never reads it)
    std::uint8_t seq = 0;
    std::uint8_t ack = 0;
    std::uint8_t len = 0;
    std::uint8_t age = 0;    // ticks since it was sent
    std::uint8_t inc = 0;    // ghost: the incarnation of the connection that sent it (0: none)
    std::uint8_t off = 0;    // ghost: stream offset of its first payload byte (or of its FIN)

    friend constexpr bool operator==(const Packet&, const Packet&) = default;
    friend constexpr auto operator<=>(const Packet&, const Packet&) = default;
};

inline constexpr std::uint8_t packet_flag_mask = 0x01 | 0x02 | 0x04 | 0x10;

template <unsigned Bits>
constexpr Packet to_packet(const Segment<Seq<Bits>>& s, std::uint8_t inc, std::uint8_t off) {
    return Packet{static_cast<std::uint8_t>(s.flags.bits & packet_flag_mask),
                  static_cast<std::uint8_t>(s.seq.value()),
                  static_cast<std::uint8_t>(s.ack.value()),
                  static_cast<std::uint8_t>(s.len),
                  0,
                  inc,
                  off};
}

template <unsigned Bits>
constexpr Segment<Seq<Bits>> to_segment(const Packet& p, std::uint16_t wnd) {
    Segment<Seq<Bits>> s;
    s.flags = Flags(p.flags);
    s.seq = Seq<Bits>(p.seq);
    s.ack = Seq<Bits>(p.ack);
    s.len = p.len;
    s.wnd = wnd;
    return s;
}

// Whether a segment of this age is gone at the next tick: it has lived MSL ticks.
constexpr bool dies_at_next_tick(std::uint8_t age, std::uint8_t msl) { return age >= msl; }

// A bag kept sorted, so that two bags with the same contents are the same state.
template <std::size_t Capacity>
struct Channel {
    std::array<Packet, Capacity> items{};
    std::uint8_t count = 0;

    [[nodiscard]] constexpr bool full() const { return count == Capacity; }
    [[nodiscard]] constexpr bool empty() const { return count == 0; }
    [[nodiscard]] constexpr const Packet& operator[](std::size_t i) const { return items[i]; }

    // Returns false (and drops the packet, as a full queue would) when there is no room.
    constexpr bool insert(const Packet& p) {
        if (full()) return false;
        std::size_t i = count;
        while (i > 0 && p < items[i - 1]) {
            items[i] = items[i - 1];
            --i;
        }
        items[i] = p;
        ++count;
        return true;
    }

    // Whether a copy of p (the same segment, of any age) is in the bag.
    [[nodiscard]] constexpr bool holds_copy(const Packet& p) const {
        for (std::size_t i = 0; i < count; ++i) {
            Packet q = items[i];
            q.age = p.age;
            if (q == p) return true;
        }
        return false;
    }

    // Every packet of incarnation `from` now belongs to `to` (a ghost change; the bag is re-sorted).
    constexpr void relabel(std::uint8_t from, std::uint8_t to) {
        Channel c;
        for (std::size_t i = 0; i < count; ++i) {
            Packet p = items[i];
            if (p.inc == from) p.inc = to;
            c.insert(p);
        }
        *this = c;
    }

    constexpr Packet remove(std::size_t i) {
        Packet p = items[i];
        for (std::size_t j = i + 1; j < count; ++j) items[j - 1] = items[j];
        --count;
        items[count] = Packet{};
        return p;
    }

    // One tick: every packet ages; one that has lived MSL ticks is gone. A segment sent at tick
    // t may arrive at any tick up to t+MSL (RFC 9293 §3.4.1: it lives at most MSL), so a chain of
    // k hops may take up to k*MSL. (Letting it live only MSL-1 ticks compressed such chains by a
    // tick a hop, and a verdict then depended on the resolution: issue 16.)
    constexpr void age(std::uint8_t msl) {
        std::size_t w = 0;
        for (std::size_t r = 0; r < count; ++r) {
            Packet p = items[r];
            if (dies_at_next_tick(p.age, msl)) continue;
            ++p.age;
            items[w++] = p;
        }
        for (std::size_t j = w; j < count; ++j) items[j] = Packet{};
        count = static_cast<std::uint8_t>(w);
        // Ageing every packet by one keeps the order, so the bag stays sorted.
    }

    friend constexpr bool operator==(const Channel&, const Channel&) = default;
};

} // namespace synfin
