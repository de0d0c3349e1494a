// pcap files (the classic libpcap format, LINKTYPE_RAW: each record an IPv4 packet) of TCP
// segments: real IPv4 headers and TCP checksums (RFC 791, RFC 9293 §3.1 via wire::serialise),
// and a reader that checks every header and checksum, for round-trip tests.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec.hpp"

namespace synfin::pcap {

inline constexpr std::uint32_t magic = 0xa1b2c3d4;   // microsecond timestamps
inline constexpr std::uint32_t linktype_raw = 101;   // LINKTYPE_RAW: raw IPv4/IPv6
inline constexpr std::size_t global_header_len = 24, record_header_len = 16, ipv4_header_len = 20;

struct Packet {
    std::int64_t time_us = 0;
    std::uint32_t src_addr = 0, dst_addr = 0;  // host byte order
    wire::Header tcp{};
    friend bool operator==(const Packet&, const Packet&) = default;
};

namespace detail {
inline void le32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void le16(std::vector<std::uint8_t>& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline std::uint32_t rd32(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
           static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
} // namespace detail

// The whole file in memory, or an error message; nothing partial is ever returned.
struct Written {
    std::vector<std::uint8_t> bytes;
    std::string error;
};

inline Written write(const std::vector<Packet>& packets) {
    Written w;
    auto& b = w.bytes;
    detail::le32(b, magic);
    detail::le16(b, 2);
    detail::le16(b, 4);
    detail::le32(b, 0);          // thiszone
    detail::le32(b, 0);          // sigfigs
    detail::le32(b, 65535);      // snaplen
    detail::le32(b, linktype_raw);
    std::uint16_t ident = 1;
    for (const auto& p : packets) {
        if (p.time_us < 0) { w.error = "negative time"; w.bytes.clear(); return w; }
        std::array<std::uint8_t, 65535> tcp{};
        auto n = wire::serialise(p.tcp, wire::Pseudo{p.src_addr, p.dst_addr},
                                 std::span<std::uint8_t>(tcp.data(), 65535 - ipv4_header_len));
        if (!n) { w.error = std::string(wire::describe(n.error())); w.bytes.clear(); return w; }
        const std::size_t total = ipv4_header_len + n.value();
        std::array<std::uint8_t, ipv4_header_len> ip{0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total),
                                                    static_cast<std::uint8_t>(ident >> 8), static_cast<std::uint8_t>(ident), 0x40, 0,
                                                    64, 6, 0, 0,
                                                    static_cast<std::uint8_t>(p.src_addr >> 24), static_cast<std::uint8_t>(p.src_addr >> 16),
                                                    static_cast<std::uint8_t>(p.src_addr >> 8), static_cast<std::uint8_t>(p.src_addr),
                                                    static_cast<std::uint8_t>(p.dst_addr >> 24), static_cast<std::uint8_t>(p.dst_addr >> 16),
                                                    static_cast<std::uint8_t>(p.dst_addr >> 8), static_cast<std::uint8_t>(p.dst_addr)};
        ++ident;
        std::uint16_t ck = wire::checksum(ip);
        ip[10] = static_cast<std::uint8_t>(ck >> 8);
        ip[11] = static_cast<std::uint8_t>(ck);
        detail::le32(b, static_cast<std::uint32_t>(p.time_us / 1000000));
        detail::le32(b, static_cast<std::uint32_t>(p.time_us % 1000000));
        detail::le32(b, static_cast<std::uint32_t>(total));
        detail::le32(b, static_cast<std::uint32_t>(total));
        b.insert(b.end(), ip.begin(), ip.end());
        b.insert(b.end(), tcp.begin(), tcp.begin() + static_cast<std::ptrdiff_t>(n.value()));
    }
    return w;
}

struct ReadResult {
    std::vector<Packet> packets;
    std::string error;  // empty: the whole file read
};

// Reads what write() writes (little-endian, microseconds, LINKTYPE_RAW, IPv4/TCP). Every IPv4
// header checksum and TCP checksum is checked; a truncated record is an error.
inline ReadResult read(std::span<const std::uint8_t> b) {
    ReadResult r;
    if (b.size() < global_header_len) { r.error = "truncated global header"; return r; }
    if (detail::rd32(b, 0) != magic) { r.error = "not a little-endian microsecond pcap file"; return r; }
    if (detail::rd32(b, 20) != linktype_raw) { r.error = "link type is not LINKTYPE_RAW"; return r; }
    std::size_t at = global_header_len;
    while (at < b.size()) {
        if (b.size() - at < record_header_len) { r.error = "truncated record header"; return r; }
        std::uint32_t sec = detail::rd32(b, at), usec = detail::rd32(b, at + 4), incl = detail::rd32(b, at + 8),
                      orig = detail::rd32(b, at + 12);
        at += record_header_len;
        if (incl != orig) { r.error = "record captured partially"; return r; }
        if (b.size() - at < incl) { r.error = "truncated record"; return r; }
        auto pkt = b.subspan(at, incl);
        at += incl;
        if (pkt.size() < ipv4_header_len || (pkt[0] >> 4) != 4) { r.error = "not an IPv4 packet"; return r; }
        std::size_t ihl = static_cast<std::size_t>(pkt[0] & 0xf) * 4;
        std::size_t total = static_cast<std::size_t>(pkt[2]) << 8 | pkt[3];
        if (ihl < ipv4_header_len || total != pkt.size() || ihl > total) { r.error = "bad IPv4 lengths"; return r; }
        if (wire::checksum(pkt.first(ihl)) != 0) { r.error = "bad IPv4 header checksum"; return r; }
        if (pkt[9] != 6) { r.error = "not TCP"; return r; }
        Packet p;
        p.time_us = static_cast<std::int64_t>(sec) * 1000000 + usec;
        p.src_addr = static_cast<std::uint32_t>(pkt[12]) << 24 | static_cast<std::uint32_t>(pkt[13]) << 16 |
                     static_cast<std::uint32_t>(pkt[14]) << 8 | pkt[15];
        p.dst_addr = static_cast<std::uint32_t>(pkt[16]) << 24 | static_cast<std::uint32_t>(pkt[17]) << 16 |
                     static_cast<std::uint32_t>(pkt[18]) << 8 | pkt[19];
        auto h = wire::parse(pkt.subspan(ihl), wire::Pseudo{p.src_addr, p.dst_addr});
        if (!h) { r.error = std::string(wire::describe(h.error())); return r; }
        p.tcp = h.value();
        r.packets.push_back(p);
    }
    return r;
}

} // namespace synfin::pcap
