// libFuzzer target for the wire codec: wire::parse reads every TCP segment the live driver
// captures and every record of an imported pcap, and driver::parse_frame every Ethernet frame, so
// no bytes may crash them or trip a sanitizer. The first input byte selects the parser:
//   even: wire::parse; the next 8 bytes are the pseudo-header's addresses, the rest the segment;
//   odd:  driver::parse_frame on the rest, a whole Ethernet frame.
// Each input is parsed twice: as given, then with its checksums made right (the TCP checksum for
// wire::parse; the IPv4 header checksum and driver::fill_tcp_checksum for a frame), so that the
// fuzzer reaches the option parser without having to forge a checksum. A segment wire::parse
// accepts must also survive serialise and parse back to the same header, as codec.hpp promises.
// Built with Clang only and run by ctest for a bounded time (tests/fuzz/CMakeLists.txt).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <synfin/codec.hpp>
#include <synfin/driver/frame.hpp>

namespace {

std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
           static_cast<std::uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

void put16(std::span<std::uint8_t> b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

void parse_segment(std::span<const std::uint8_t> tcp, synfin::wire::Pseudo p) {
    namespace wire = synfin::wire;
    auto h = wire::parse(tcp, p);
    if (!h) {
        (void)wire::describe(h.error());
        return;
    }
    (void)wire::payload(tcp, h.value());
    // Round trip: what parse accepts is representable, so it serialises and reads back as is
    // (unless its options, laid out anew, would take it past 65535 bytes).
    if (tcp.size() > wire::max_segment_length - wire::max_header_length) return;
    static std::array<std::uint8_t, wire::max_segment_length> out;
    auto n = wire::serialise(h.value(), p, std::span<std::uint8_t>(out));
    if (!n) __builtin_trap();
    auto back = wire::parse(std::span<const std::uint8_t>(out.data(), n.value()), p);
    if (!back || !(back.value() == h.value())) __builtin_trap();
}

void fuzz_segment(std::span<const std::uint8_t> in) {
    if (in.size() < 8) return;
    const synfin::wire::Pseudo p{get32(in, 0), get32(in, 4)};
    auto tcp = in.subspan(8);
    parse_segment(tcp, p);
    if (tcp.size() < synfin::wire::min_header_length || tcp.size() > synfin::wire::max_segment_length) return;
    std::vector<std::uint8_t> fixed(tcp.begin(), tcp.end());
    put16(fixed, 16, 0);
    const auto sum = synfin::wire::checksum_add(
        synfin::wire::pseudo_sum(p, static_cast<std::uint16_t>(fixed.size())), fixed);
    put16(fixed, 16, synfin::wire::checksum_finish(sum));
    parse_segment(fixed, p);
}

void fuzz_frame(std::span<const std::uint8_t> in) {
    namespace driver = synfin::driver;
    (void)driver::parse_frame(in);
    std::vector<std::uint8_t> fixed(in.begin(), in.end());
    std::span<std::uint8_t> f(fixed);
    if (f.size() >= driver::eth_header_length + driver::ipv4_header_length) {
        auto ip = f.subspan(driver::eth_header_length);
        const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
        if (ihl >= driver::ipv4_header_length && ihl <= ip.size()) {
            put16(ip, 10, 0);
            put16(ip, 10, synfin::wire::checksum(ip.first(ihl)));
        }
    }
    (void)driver::fill_tcp_checksum(f);
    auto parsed = driver::parse_frame(f);
    if (parsed.kind == driver::FrameKind::tcp) (void)driver::hex_dump(f.first(parsed.tcp.tcp_offset));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::span<const std::uint8_t> in(data + 1, size - 1);
    if ((data[0] & 1) == 0)
        fuzz_segment(in);
    else
        fuzz_frame(in);
    return 0;
}
