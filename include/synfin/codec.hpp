// TCP wire codec: the bytes of a TCP segment inside an IPv4 packet <-> wire::Header.
// RFC 9293 §3.1 (header format; checksum over the IPv4 pseudo-header), RFC 1071 (computing the
// Internet checksum), RFC 7323 (window scale, timestamps), RFC 2018 (SACK-permitted),
// RFC 6691 (MSS). Everything is constexpr, allocation-free and exception-free, so the codec can be
// checked in static_assert and used by a raw-socket driver alike.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "segment.hpp"
#include "seq.hpp"

namespace synfin::wire {

// IPv4 addresses in host byte order; the pseudo-header's protocol (6) and TCP length are implied.
struct Pseudo {
    std::uint32_t src_addr = 0;
    std::uint32_t dst_addr = 0;
};

// seg.len is the payload length. seg.ack, seg.up and the timestamps travel whatever the flags say.
struct Header {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    Segment<Seq32> seg{};
    friend constexpr bool operator==(const Header&, const Header&) = default;
};

enum class Error : std::uint8_t {
    truncated,               // fewer than 20 bytes
    bad_data_offset,         // data offset below 5 words
    data_offset_past_end,    // data offset reaches beyond the bytes given
    bad_option_length,       // length 0 or 1, or not the fixed length of MSS/WS/SACKOK/TS
    option_overruns,         // an option (or its length byte) runs past the header
    bad_checksum,
    segment_too_long,        // over 65535 bytes: the pseudo-header's TCP Length is 16 bits
    buffer_too_small,        // serialise: the output span is shorter than the segment
    payload_length_mismatch, // serialise: explicit payload size differs from seg.len
};

constexpr std::string_view describe(Error e) {
    switch (e) {
    case Error::truncated: return "segment shorter than the 20-byte fixed header";
    case Error::bad_data_offset: return "data offset below 5 words";
    case Error::data_offset_past_end: return "data offset points past the end of the segment";
    case Error::bad_option_length: return "option length is 0 or 1, or wrong for the option kind";
    case Error::option_overruns: return "option runs past the end of the header";
    case Error::bad_checksum: return "checksum does not match header, payload and pseudo-header";
    case Error::segment_too_long: return "segment longer than 65535 bytes";
    case Error::buffer_too_small: return "output buffer too small for the segment";
    case Error::payload_length_mismatch: return "payload size differs from the header's length";
    }
    return "unknown error";
}

namespace detail {
// Not constexpr on purpose: reaching it during constant evaluation is a compile error.
[[noreturn]] inline void bad_result_access() noexcept { std::abort(); }
} // namespace detail

// A value or an Error. value() on an error (or error() on a value) is a bug and aborts.
template <class T>
class [[nodiscard]] Result {
public:
    constexpr Result(T v) : value_(v), ok_(true) {}     // NOLINT: implicit by design
    constexpr Result(Error e) : error_(e), ok_(false) {} // NOLINT: implicit by design

    [[nodiscard]] constexpr bool ok() const { return ok_; }
    constexpr explicit operator bool() const { return ok_; }
    [[nodiscard]] constexpr const T& value() const {
        if (!ok_) detail::bad_result_access();
        return value_;
    }
    [[nodiscard]] constexpr Error error() const {
        if (ok_) detail::bad_result_access();
        return error_;
    }
    friend constexpr bool operator==(const Result&, const Result&) = default;

private:
    T value_{};
    Error error_{};
    bool ok_ = false;
};

// Option kinds and lengths (IANA registry).
namespace opt {
inline constexpr std::uint8_t eol = 0, nop = 1, mss = 2, wscale = 3, sack_permitted = 4, sack = 5,
                              timestamps = 8;
inline constexpr std::uint8_t mss_len = 4, wscale_len = 3, sack_permitted_len = 2, timestamps_len = 10;
inline constexpr std::uint8_t max_wscale = 14; // RFC 7323 §2.3
} // namespace opt

inline constexpr std::size_t min_header_length = 20;
inline constexpr std::size_t max_segment_length = 0xffff;
// CWR, ECE (RFC 3168) and the reserved bits are dropped: the model does not negotiate ECN, and a
// peer reads their absence in our SYN or SYN-ACK as declining it.
inline constexpr std::uint8_t flag_mask = 0x3f;

// --- Internet checksum (RFC 1071) ---

// One's-complement sum of big-endian 16-bit words, continuing from acc; an odd last byte is
// padded with zero, so in a chain of calls only the last span may have odd length.
constexpr std::uint16_t checksum_add(std::uint16_t acc, std::span<const std::uint8_t> bytes) {
    std::uint32_t sum = acc;
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) {
        sum += static_cast<std::uint32_t>(bytes[i]) << 8 | bytes[i + 1];
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    if (i < bytes.size()) {
        sum += static_cast<std::uint32_t>(bytes[i]) << 8;
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(sum);
}

// The checksum field's value for a finished sum: its one's complement.
constexpr std::uint16_t checksum_finish(std::uint16_t sum) { return static_cast<std::uint16_t>(~sum); }

// Checksum of one span, e.g. an IPv4 header with its checksum field zeroed.
constexpr std::uint16_t checksum(std::span<const std::uint8_t> bytes) {
    return checksum_finish(checksum_add(0, bytes));
}

// Sum of the IPv4 pseudo-header (RFC 9293 Figure 2) for a TCP segment of tcp_length bytes.
constexpr std::uint16_t pseudo_sum(Pseudo p, std::uint16_t tcp_length) {
    const std::array<std::uint8_t, 12> b{
        static_cast<std::uint8_t>(p.src_addr >> 24), static_cast<std::uint8_t>(p.src_addr >> 16),
        static_cast<std::uint8_t>(p.src_addr >> 8),  static_cast<std::uint8_t>(p.src_addr),
        static_cast<std::uint8_t>(p.dst_addr >> 24), static_cast<std::uint8_t>(p.dst_addr >> 16),
        static_cast<std::uint8_t>(p.dst_addr >> 8),  static_cast<std::uint8_t>(p.dst_addr),
        0, 6, static_cast<std::uint8_t>(tcp_length >> 8), static_cast<std::uint8_t>(tcp_length),
    };
    return checksum_add(0, b);
}

// --- Layout ---

// 20 plus the option bytes serialise writes for these options (Linux's layout, below).
constexpr std::size_t header_length(const Options& o) {
    std::size_t n = min_header_length;
    if (o.has_mss()) n += 4;
    if (o.timestamps) n += 12;           // sackOK, when present, rides in the TS word's padding
    else if (o.sack_permitted) n += 4;
    if (o.has_wscale()) n += 4;
    return n;
}

inline constexpr std::size_t max_header_length =
    header_length(Options{1, 0, true, true, 0, 0});
static_assert(max_header_length == 40 && max_header_length <= 60, "options must fit the data offset");

namespace detail {

constexpr void put16(std::span<std::uint8_t> b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}
constexpr void put32(std::span<std::uint8_t> b, std::size_t at, std::uint32_t v) {
    put16(b, at, static_cast<std::uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<std::uint16_t>(v));
}
constexpr std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}
constexpr std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint32_t>(get16(b, at)) << 16 | get16(b, at + 2);
}

// Options in the order and padding of Linux's tcp_options_write, so our segments look like a
// Linux peer's to anything that fingerprints or compares them. Returns the byte after the last.
constexpr std::size_t write_options(const Options& o, std::span<std::uint8_t> b, std::size_t at) {
    auto put = [&](std::uint8_t a, std::uint8_t c, std::uint8_t d, std::uint8_t e) {
        b[at] = a; b[at + 1] = c; b[at + 2] = d; b[at + 3] = e;
        at += 4;
    };
    if (o.has_mss()) {
        put(opt::mss, opt::mss_len, static_cast<std::uint8_t>(o.mss >> 8), static_cast<std::uint8_t>(o.mss));
    }
    if (o.timestamps) {
        if (o.sack_permitted) {
            put(opt::sack_permitted, opt::sack_permitted_len, opt::timestamps, opt::timestamps_len);
        } else {
            put(opt::nop, opt::nop, opt::timestamps, opt::timestamps_len);
        }
        put32(b, at, o.ts_val);
        put32(b, at + 4, o.ts_ecr);
        at += 8;
    } else if (o.sack_permitted) {
        put(opt::nop, opt::nop, opt::sack_permitted, opt::sack_permitted_len);
    }
    if (o.has_wscale()) put(opt::nop, opt::wscale, opt::wscale_len, o.wscale);
    return at;
}

// The option area between the fixed header and the data offset.
constexpr Result<Options> parse_options(std::span<const std::uint8_t> b) {
    Options o{};
    std::size_t i = 0;
    while (i < b.size()) {
        const std::uint8_t kind = b[i];
        if (kind == opt::eol) break;
        if (kind == opt::nop) { ++i; continue; }
        if (b.size() - i < 2) return Error::option_overruns;
        const std::uint8_t len = b[i + 1];
        if (len < 2) return Error::bad_option_length;
        if (len > b.size() - i) return Error::option_overruns;
        switch (kind) {
        case opt::mss:
            if (len != opt::mss_len) return Error::bad_option_length;
            o.mss = get16(b, i + 2); // a zero MSS reads as "no MSS option", as Linux ignores it
            break;
        case opt::wscale:
            if (len != opt::wscale_len) return Error::bad_option_length;
            o.wscale = b[i + 2] < opt::max_wscale ? b[i + 2] : opt::max_wscale; // RFC 7323 §2.3: use 14 instead
            break;
        case opt::sack_permitted:
            if (len != opt::sack_permitted_len) return Error::bad_option_length;
            o.sack_permitted = true;
            break;
        case opt::timestamps:
            if (len != opt::timestamps_len) return Error::bad_option_length;
            o.timestamps = true;
            o.ts_val = get32(b, i + 2);
            o.ts_ecr = get32(b, i + 6);
            break;
        default: break; // unknown, or SACK blocks: the model has no use for them
        }
        i += len;
    }
    return o;
}

constexpr Result<std::size_t> write(const Header& h, Pseudo p, const std::uint8_t* payload,
                                    std::span<std::uint8_t> out) {
    const std::size_t hl = header_length(h.seg.opt);
    if (h.seg.len > max_segment_length - hl) return Error::segment_too_long;
    const std::size_t total = hl + h.seg.len;
    if (out.size() < total) return Error::buffer_too_small;

    put16(out, 0, h.src_port);
    put16(out, 2, h.dst_port);
    put32(out, 4, h.seg.seq.value());
    put32(out, 8, h.seg.ack.value());
    out[12] = static_cast<std::uint8_t>((hl / 4) << 4);
    out[13] = static_cast<std::uint8_t>(h.seg.flags.bits & flag_mask);
    put16(out, 14, h.seg.wnd);
    put16(out, 16, 0);
    put16(out, 18, h.seg.up);
    write_options(h.seg.opt, out, min_header_length);
    // A plain forward loop, so a payload already in place at out[hl..] copies onto itself safely.
    for (std::size_t i = 0; i < h.seg.len; ++i) out[hl + i] = payload != nullptr ? payload[i] : 0;

    const std::span<const std::uint8_t> seg = out.first(total);
    put16(out, 16, checksum_finish(checksum_add(pseudo_sum(p, static_cast<std::uint16_t>(total)), seg)));
    return total;
}

} // namespace detail

// --- Parse and serialise ---

// tcp_bytes is the TCP header and payload as they sit in an IPv4 packet. The checksum is checked
// before the options are read. Carried but not acted on: URG and the urgent pointer. A window
// scale above 14 reads as 14 (RFC 7323 §2.3); SACK blocks and unknown options are skipped.
constexpr Result<Header> parse(std::span<const std::uint8_t> tcp_bytes, Pseudo p) {
    const auto b = tcp_bytes;
    if (b.size() < min_header_length) return Error::truncated;
    if (b.size() > max_segment_length) return Error::segment_too_long;
    const std::size_t hl = static_cast<std::size_t>(b[12] >> 4) * 4;
    if (hl < min_header_length) return Error::bad_data_offset;
    if (hl > b.size()) return Error::data_offset_past_end;
    if (checksum_add(pseudo_sum(p, static_cast<std::uint16_t>(b.size())), b) != 0xffff) {
        return Error::bad_checksum;
    }
    const auto opts = detail::parse_options(b.subspan(min_header_length, hl - min_header_length));
    if (!opts) return opts.error();

    Header h{};
    h.src_port = detail::get16(b, 0);
    h.dst_port = detail::get16(b, 2);
    h.seg.seq = Seq32(detail::get32(b, 4));
    h.seg.ack = Seq32(detail::get32(b, 8));
    h.seg.flags = Flags(static_cast<std::uint8_t>(b[13] & flag_mask));
    h.seg.wnd = detail::get16(b, 14);
    h.seg.up = detail::get16(b, 18);
    h.seg.len = static_cast<std::uint32_t>(b.size() - hl);
    h.seg.opt = opts.value();
    return h;
}

// The payload of a segment parse accepted: its last seg.len bytes.
constexpr std::span<const std::uint8_t> payload(std::span<const std::uint8_t> tcp_bytes, const Header& h) {
    return tcp_bytes.last(h.seg.len < tcp_bytes.size() ? std::size_t{h.seg.len} : tcp_bytes.size());
}

// Writes header, seg.len zero bytes of payload (the model has no contents) and the checksum;
// returns the bytes written. parse(serialise(h)) == h whenever h is representable: flags within
// flag_mask, wscale <= 14 or absent, ts_val and ts_ecr zero without timestamps.
constexpr Result<std::size_t> serialise(const Header& h, Pseudo p, std::span<std::uint8_t> out) {
    return detail::write(h, p, nullptr, out);
}

// As above with the payload copied from `payload`, whose size must equal h.seg.len. It may already
// sit in place at out[header_length(h.seg.opt)..]; any other overlap with out is not supported.
constexpr Result<std::size_t> serialise(const Header& h, Pseudo p, std::span<const std::uint8_t> payload,
                                        std::span<std::uint8_t> out) {
    if (payload.size() != h.seg.len) return Error::payload_length_mismatch;
    return detail::write(h, p, payload.data(), out);
}

} // namespace synfin::wire
