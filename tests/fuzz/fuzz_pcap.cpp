// libFuzzer target for pcap import (pcap::read): a pcap file is user input, so no bytes may
// crash the reader or trip a sanitizer. Each input is read twice: as given, then with the IPv4
// header and TCP checksums of every record whose lengths hold made right, so that the fuzzer
// reaches wire::parse's option parser without having to forge checksums. Built with Clang only
// and run by ctest for a bounded time (tests/fuzz/CMakeLists.txt), seeded with a small file
// that pcap::write makes (fuzz_pcap_seed.cpp).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <synfin/pcap.hpp>

namespace {

void put16(std::span<std::uint8_t> b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
           static_cast<std::uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

// Walks the records as pcap::read does and rewrites the checksums of each that has a whole
// IPv4 header and a TCP segment of at least 20 bytes.
void fix_checksums(std::span<std::uint8_t> b) {
    namespace pcap = synfin::pcap;
    namespace wire = synfin::wire;
    std::size_t at = pcap::global_header_len;
    while (at < b.size() && b.size() - at >= pcap::record_header_len) {
        const std::uint32_t incl = pcap::detail::rd32(b, at + 8);
        at += pcap::record_header_len;
        if (b.size() - at < incl) return;
        auto pkt = b.subspan(at, incl);
        at += incl;
        if (pkt.size() < pcap::ipv4_header_len) continue;
        const std::size_t ihl = static_cast<std::size_t>(pkt[0] & 0xf) * 4;
        if (ihl < pcap::ipv4_header_len || ihl > pkt.size()) continue;
        put16(pkt, 10, 0);
        put16(pkt, 10, wire::checksum(pkt.first(ihl)));
        auto tcp = pkt.subspan(ihl);
        if (tcp.size() < wire::min_header_length || tcp.size() > wire::max_segment_length) continue;
        put16(tcp, 16, 0);
        const auto sum = wire::checksum_add(
            wire::pseudo_sum(wire::Pseudo{be32(pkt, 12), be32(pkt, 16)}, static_cast<std::uint16_t>(tcp.size())), tcp);
        put16(tcp, 16, wire::checksum_finish(sum));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> in(data, size);
    (void)synfin::pcap::read(in);
    std::vector<std::uint8_t> fixed(in.begin(), in.end());
    fix_checksums(fixed);
    (void)synfin::pcap::read(fixed);
    return 0;
}
