// A TCP segment as the model sees it: control bits, sequence numbers, window, options, and a
// payload length (the model accounts for bytes, never their contents).
// RFC 9293 §3.1 (header format), §3.3.1 (SEG.LEN counts SYN and FIN), RFC 7323 (window scale,
// timestamps), RFC 2018 (SACK-permitted), RFC 6691 (MSS).
#pragma once

#include <cstdint>
#include <string>

#include "seq.hpp"

namespace synfin {

// Bit values as on the wire (§3.1), so the codec can copy them.
enum class Flag : std::uint8_t { fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20 };

struct Flags {
    std::uint8_t bits = 0;

    constexpr Flags() = default;
    constexpr Flags(Flag f) : bits(static_cast<std::uint8_t>(f)) {} // NOLINT: a flag is a set of one
    constexpr explicit Flags(std::uint8_t b) : bits(b) {}

    [[nodiscard]] constexpr bool has(Flag f) const { return (bits & static_cast<std::uint8_t>(f)) != 0; }
    [[nodiscard]] constexpr bool syn() const { return has(Flag::syn); }
    [[nodiscard]] constexpr bool ack() const { return has(Flag::ack); }
    [[nodiscard]] constexpr bool fin() const { return has(Flag::fin); }
    [[nodiscard]] constexpr bool rst() const { return has(Flag::rst); }
    [[nodiscard]] constexpr bool psh() const { return has(Flag::psh); }
    [[nodiscard]] constexpr bool urg() const { return has(Flag::urg); }

    friend constexpr Flags operator|(Flags a, Flags b) { return Flags(static_cast<std::uint8_t>(a.bits | b.bits)); }
    friend constexpr bool operator==(Flags, Flags) = default;
};

constexpr Flags operator|(Flag a, Flag b) { return Flags(a) | Flags(b); }

// "SYN,ACK": the control bits in the order the RFC's diagrams name them.
inline std::string to_string(Flags f) {
    std::string out;
    auto add = [&](bool on, const char* n) {
        if (!on) return;
        if (!out.empty()) out += ',';
        out += n;
    };
    add(f.syn(), "SYN");
    add(f.rst(), "RST");
    add(f.fin(), "FIN");
    add(f.psh(), "PSH");
    add(f.ack(), "ACK");
    add(f.urg(), "URG");
    return out.empty() ? std::string("none") : out;
}

inline constexpr std::uint8_t no_wscale = 0xff;

struct Options {
    std::uint16_t mss = 0;              // 0: no MSS option
    std::uint8_t wscale = no_wscale;    // shift count, or no_wscale
    bool sack_permitted = false;
    bool timestamps = false;
    std::uint32_t ts_val = 0;
    std::uint32_t ts_ecr = 0;

    [[nodiscard]] constexpr bool has_mss() const { return mss != 0; }
    [[nodiscard]] constexpr bool has_wscale() const { return wscale != no_wscale; }
    friend constexpr bool operator==(const Options&, const Options&) = default;
};

template <class S>
struct Segment {
    Flags flags;
    S seq{};
    S ack{};
    std::uint16_t wnd = 0;   // as on the wire, before window scaling
    std::uint16_t up = 0;    // urgent pointer: carried, never acted on
    std::uint32_t len = 0;   // payload bytes
    Options opt{};

    // SEG.LEN: payload plus one for each of SYN and FIN (§3.3.1).
    [[nodiscard]] constexpr std::uint32_t seg_len() const {
        return len + (flags.syn() ? 1u : 0u) + (flags.fin() ? 1u : 0u);
    }
    friend constexpr bool operator==(const Segment&, const Segment&) = default;
};

} // namespace synfin
