// Writes the seed of fuzz.pcap_reader: a small valid pcap file made by pcap::write (a handshake
// with options, a data segment, a FIN), since the repository holds no pcap file. Run by ctest as
// the fixture fuzz.pcap_reader.seed: fuzz_pcap_seed FILE.
#include <cstdio>
#include <vector>

#include <synfin/pcap.hpp>

int main(int argc, char** argv) {
    using synfin::Flag;
    using synfin::Seq32;
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_pcap_seed FILE\n");
        return 2;
    }
    const std::uint32_t a = 0x0a000001, b = 0x0a000002;
    auto packet = [](std::int64_t t, std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
                     synfin::Flags flags, std::uint32_t seq, std::uint32_t ack, std::uint32_t len) {
        synfin::pcap::Packet p;
        p.time_us = t;
        p.src_addr = src;
        p.dst_addr = dst;
        p.tcp.src_port = sport;
        p.tcp.dst_port = dport;
        p.tcp.seg.flags = flags;
        p.tcp.seg.seq = Seq32(seq);
        p.tcp.seg.ack = Seq32(ack);
        p.tcp.seg.wnd = 64240;
        p.tcp.seg.len = len;
        return p;
    };
    std::vector<synfin::pcap::Packet> packets{
        packet(0, a, b, 40000, 8080, Flag::syn, 100, 0, 0),
        packet(1000, b, a, 8080, 40000, Flag::syn | Flag::ack, 300, 101, 0),
        packet(2000, a, b, 40000, 8080, Flag::ack, 101, 301, 0),
        packet(3000, a, b, 40000, 8080, Flag::psh | Flag::ack, 101, 301, 5),
        packet(4000, a, b, 40000, 8080, Flag::fin | Flag::ack, 106, 301, 0),
    };
    for (int i = 0; i < 2; ++i) {
        auto& o = packets[static_cast<std::size_t>(i)].tcp.seg.opt;
        o.mss = 1460;
        o.wscale = 7;
        o.sack_permitted = true;
        o.timestamps = true;
        o.ts_val = 12345;
        o.ts_ecr = i == 0 ? 0 : 12345;
    }
    auto w = synfin::pcap::write(packets);
    if (!w.error.empty()) {
        std::fprintf(stderr, "fuzz_pcap_seed: %s\n", w.error.c_str());
        return 1;
    }
    std::FILE* f = std::fopen(argv[1], "wb");
    if (!f || std::fwrite(w.bytes.data(), 1, w.bytes.size(), f) != w.bytes.size() || std::fclose(f) != 0) {
        std::fprintf(stderr, "fuzz_pcap_seed: cannot write '%s'\n", argv[1]);
        return 1;
    }
    return 0;
}
