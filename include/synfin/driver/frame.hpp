// Ethernet II + IPv4 + TCP framing for the raw-socket driver, and the ARP it needs to find its
// peer on a link. Pure functions over byte spans: no sockets, no allocation, no exceptions.
// RFC 894 (IPv4 over Ethernet), RFC 791 (IPv4 header and its checksum), RFC 826 (ARP),
// RFC 9293 §3.1 (TCP, through wire::serialise / wire::parse with the IPv4 pseudo-header).
// Nothing about TCP's behaviour lives here: the segments come from, and go to, the model.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "../codec.hpp"

namespace synfin::driver {

struct Mac {
    std::array<std::uint8_t, 6> b{};
    friend constexpr bool operator==(const Mac&, const Mac&) = default;
    [[nodiscard]] constexpr bool is_zero() const { return b == std::array<std::uint8_t, 6>{}; }
};

inline constexpr Mac broadcast_mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// An IPv4 address (host byte order, as wire::Pseudo takes it) and a port.
struct Endpoint {
    std::uint32_t addr = 0;
    std::uint16_t port = 0;
    friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

inline std::string to_string(const Mac& m) {
    char s[18];
    std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
    return s;
}

inline std::string addr_string(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." + std::to_string((a >> 8) & 0xff) +
           "." + std::to_string(a & 0xff);
}

inline std::string to_string(const Endpoint& e) { return addr_string(e.addr) + ":" + std::to_string(e.port); }

// "192.0.2.1" -> host-order address. Four decimal parts of at most 255, nothing else.
constexpr std::optional<std::uint32_t> parse_addr(std::string_view s) {
    std::uint32_t out = 0;
    int parts = 0;
    std::size_t i = 0;
    while (parts < 4) {
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
        std::uint32_t v = 0;
        std::size_t digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
            if (++digits > 3 || v > 255) return std::nullopt;
            ++i;
        }
        out = out << 8 | v;
        ++parts;
        if (parts < 4) {
            if (i >= s.size() || s[i] != '.') return std::nullopt;
            ++i;
        }
    }
    if (i != s.size()) return std::nullopt;
    return out;
}

// "192.0.2.1:80" -> Endpoint; the port must be 1..65535.
constexpr std::optional<Endpoint> parse_endpoint(std::string_view s) {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto a = parse_addr(s.substr(0, colon));
    if (!a) return std::nullopt;
    auto p = s.substr(colon + 1);
    if (p.empty() || p.size() > 5) return std::nullopt;
    std::uint32_t port = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return std::nullopt;
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port == 0 || port > 0xffff) return std::nullopt;
    return Endpoint{*a, static_cast<std::uint16_t>(port)};
}

// "02:00:00:00:00:01" -> Mac.
constexpr std::optional<Mac> parse_mac(std::string_view s) {
    if (s.size() != 17) return std::nullopt;
    Mac m;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < 6; ++i) {
        int hi = hex(s[i * 3]), lo = hex(s[i * 3 + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && s[i * 3 + 2] != ':') return std::nullopt;
        m.b[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return m;
}

inline constexpr std::size_t eth_header_length = 14;
inline constexpr std::size_t ipv4_header_length = 20; // what we send: no IP options
inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint8_t ip_proto_tcp = 6;
inline constexpr std::size_t arp_frame_length = eth_header_length + 28;
// Largest frame build_tcp writes: a 1500-byte IP packet on Ethernet.
inline constexpr std::size_t max_frame_length = eth_header_length + 1500;

namespace detail {
// Network byte order, as the TCP codec writes it.
using wire::detail::get16;
using wire::detail::get32;
using wire::detail::put16;
using wire::detail::put32;
constexpr void put_mac(std::span<std::uint8_t> b, std::size_t at, const Mac& m) {
    for (std::size_t i = 0; i < 6; ++i) b[at + i] = m.b[i];
}
constexpr Mac get_mac(std::span<const std::uint8_t> b, std::size_t at) {
    Mac m;
    for (std::size_t i = 0; i < 6; ++i) m.b[i] = b[at + i];
    return m;
}
} // namespace detail

// What build_tcp needs besides the TCP header: the link and network envelope.
struct Envelope {
    Mac src_mac{};
    Mac dst_mac{};
    Endpoint src{};
    Endpoint dst{};
    std::uint16_t ip_id = 0;
    std::uint8_t ttl = 64;
};

// Ethernet + IPv4 (DF set, no options) + TCP with a payload of seg.len bytes taken from
// `payload` (or zeros if it is shorter). Returns the frame's length, or nullopt if out is too
// small or the segment cannot be encoded.
constexpr std::optional<std::size_t> build_tcp(const Envelope& env, const Segment<Seq32>& seg,
                                               std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
    const std::size_t tcp_len = wire::header_length(seg.opt) + seg.len;
    const std::size_t total = eth_header_length + ipv4_header_length + tcp_len;
    if (ipv4_header_length + tcp_len > 0xffff || out.size() < total) return std::nullopt;
    detail::put_mac(out, 0, env.dst_mac);
    detail::put_mac(out, 6, env.src_mac);
    detail::put16(out, 12, ethertype_ipv4);
    auto ip = out.subspan(eth_header_length, ipv4_header_length);
    ip[0] = 0x45;
    ip[1] = 0;
    detail::put16(ip, 2, static_cast<std::uint16_t>(ipv4_header_length + tcp_len));
    detail::put16(ip, 4, env.ip_id);
    detail::put16(ip, 6, 0x4000); // DF
    ip[8] = env.ttl;
    ip[9] = ip_proto_tcp;
    detail::put16(ip, 10, 0);
    detail::put32(ip, 12, env.src.addr);
    detail::put32(ip, 16, env.dst.addr);
    detail::put16(ip, 10, wire::checksum(ip));

    wire::Header h{};
    h.src_port = env.src.port;
    h.dst_port = env.dst.port;
    h.seg = seg;
    const auto tcp = out.subspan(eth_header_length + ipv4_header_length, tcp_len);
    // The payload goes in place first; serialise copies it onto itself and checksums it.
    const std::size_t hl = wire::header_length(seg.opt);
    for (std::size_t i = 0; i < seg.len; ++i) tcp[hl + i] = i < payload.size() ? payload[i] : 0;
    auto n = wire::serialise(h, wire::Pseudo{env.src.addr, env.dst.addr}, tcp.subspan(hl, seg.len), tcp);
    if (!n) return std::nullopt;
    return total;
}

enum class FrameKind : std::uint8_t { other, tcp, arp, bad };

struct TcpFrame {
    Mac src_mac{};
    Mac dst_mac{};
    Endpoint src{};
    Endpoint dst{};
    wire::Header header{};
    std::size_t tcp_offset = 0; // where the TCP header starts in the frame
    std::size_t tcp_length = 0; // TCP header + payload, per the IP total length
};

struct ArpFrame {
    Mac src_mac{};       // Ethernet source
    std::uint16_t op = 0; // 1 request, 2 reply
    Mac sender_mac{};
    std::uint32_t sender_ip = 0;
    Mac target_mac{};
    std::uint32_t target_ip = 0;
};

struct Parsed {
    FrameKind kind = FrameKind::other;
    TcpFrame tcp{};
    ArpFrame arp{};
    std::string_view problem{}; // for FrameKind::bad: what was wrong
};

// Recomputes the TCP checksum in place. For frames captured with TP_STATUS_CSUMNOTREADY: the
// sender left the checksum to hardware (veth passes such packets on unfinished), so the field
// holds only the pseudo-header sum. Returns false if the IPv4/TCP envelope is not there.
constexpr bool fill_tcp_checksum(std::span<std::uint8_t> frame) {
    if (frame.size() < eth_header_length + ipv4_header_length) return false;
    if (detail::get16(frame, 12) != ethertype_ipv4) return false;
    auto ip = frame.subspan(eth_header_length);
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    const std::size_t tot = detail::get16(ip, 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl + wire::min_header_length || tot > ip.size()) return false;
    if (ip[9] != ip_proto_tcp) return false;
    auto tcp = ip.subspan(ihl, tot - ihl);
    detail::put16(tcp, 16, 0);
    const auto sum = wire::checksum_add(
        wire::pseudo_sum(wire::Pseudo{detail::get32(ip, 12), detail::get32(ip, 16)}, static_cast<std::uint16_t>(tcp.size())),
        tcp);
    detail::put16(tcp, 16, wire::checksum_finish(sum));
    return true;
}

// Classifies a received frame. IPv4: the header checksum is verified, options are skipped,
// Ethernet padding beyond the total length is ignored, fragments are "other". TCP: parsed and
// checksummed by wire::parse with the pseudo-header.
constexpr Parsed parse_frame(std::span<const std::uint8_t> f) {
    Parsed p;
    if (f.size() < eth_header_length) return p;
    const std::uint16_t type = detail::get16(f, 12);
    if (type == ethertype_arp) {
        if (f.size() < arp_frame_length) return p;
        auto a = f.subspan(eth_header_length, 28);
        if (detail::get16(a, 0) != 1 || detail::get16(a, 2) != ethertype_ipv4 || a[4] != 6 || a[5] != 4) return p;
        p.kind = FrameKind::arp;
        p.arp.src_mac = detail::get_mac(f, 6);
        p.arp.op = detail::get16(a, 6);
        p.arp.sender_mac = detail::get_mac(a, 8);
        p.arp.sender_ip = detail::get32(a, 14);
        p.arp.target_mac = detail::get_mac(a, 18);
        p.arp.target_ip = detail::get32(a, 24);
        return p;
    }
    if (type != ethertype_ipv4) return p;
    auto ip = f.subspan(eth_header_length);
    auto bad = [&](std::string_view why) {
        p.kind = FrameKind::bad;
        p.problem = why;
        return p;
    };
    if (ip.size() < ipv4_header_length) return bad("IPv4 header truncated");
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < ipv4_header_length || ihl > ip.size()) return bad("bad IPv4 version or header length");
    const std::size_t tot = detail::get16(ip, 2);
    if (tot < ihl || tot > ip.size()) return bad("IPv4 total length out of range");
    if (wire::checksum(ip.first(ihl)) != 0) return bad("IPv4 header checksum");
    if (ip[9] != ip_proto_tcp) return p;
    if ((detail::get16(ip, 6) & 0x3fff) != 0) return p; // a fragment: not ours to reassemble
    const std::uint32_t src = detail::get32(ip, 12), dst = detail::get32(ip, 16);
    auto tcp = ip.subspan(ihl, tot - ihl);
    auto h = wire::parse(tcp, wire::Pseudo{src, dst});
    if (!h) return bad(wire::describe(h.error()));
    p.kind = FrameKind::tcp;
    p.tcp.src_mac = detail::get_mac(f, 6);
    p.tcp.dst_mac = detail::get_mac(f, 0);
    p.tcp.header = h.value();
    p.tcp.src = Endpoint{src, p.tcp.header.src_port};
    p.tcp.dst = Endpoint{dst, p.tcp.header.dst_port};
    p.tcp.tcp_offset = eth_header_length + ihl;
    p.tcp.tcp_length = tcp.size();
    return p;
}

// An ARP request (op 1) or reply (op 2) in out[0, arp_frame_length).
constexpr bool build_arp(std::uint16_t op, const Mac& eth_dst, const Mac& sender_mac, std::uint32_t sender_ip,
                         const Mac& target_mac, std::uint32_t target_ip, std::span<std::uint8_t> out) {
    if (out.size() < arp_frame_length) return false;
    detail::put_mac(out, 0, eth_dst);
    detail::put_mac(out, 6, sender_mac);
    detail::put16(out, 12, ethertype_arp);
    auto a = out.subspan(eth_header_length, 28);
    detail::put16(a, 0, 1);              // Ethernet
    detail::put16(a, 2, ethertype_ipv4); // IPv4
    a[4] = 6;
    a[5] = 4;
    detail::put16(a, 6, op);
    detail::put_mac(a, 8, sender_mac);
    detail::put32(a, 14, sender_ip);
    detail::put_mac(a, 18, target_mac);
    detail::put32(a, 24, target_ip);
    return true;
}

// The bytes of a frame as rows of hex, for a divergence report.
inline std::string hex_dump(std::span<const std::uint8_t> b, std::string_view indent = "    ") {
    std::string out;
    char tmp[24];
    for (std::size_t i = 0; i < b.size(); i += 16) {
        out += indent;
        std::snprintf(tmp, sizeof tmp, "%04zx ", i);
        out += tmp;
        for (std::size_t j = i; j < i + 16 && j < b.size(); ++j) {
            std::snprintf(tmp, sizeof tmp, " %02x", b[j]);
            out += tmp;
        }
        out += '\n';
    }
    return out;
}

} // namespace synfin::driver
