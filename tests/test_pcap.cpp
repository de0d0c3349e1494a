// pcap export (include/synfin/pcap.hpp, checks/pkt.hpp): real IPv4/TCP headers and checksums,
// trace -> pcap -> read back -> the same segments, nothing partial from bad input, and the
// files open in tcpdump and tshark when they are installed (skipped loudly otherwise).
#include "synfin/pcap.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "../checks/pkt.hpp"

namespace {

using namespace synfin;
namespace fs = std::filesystem;

const char* const trace_text = R"(synfin-trace 1
config reconnect/no_time_wait
property no_stale_acceptance
seq-bits 3
user A connect iss=0
user B listen iss=4
deliver A->B 0
deliver B->A 0
user A close
deliver A->B 1
user B close
deliver B->A 1
deliver A->B 1
deliver B->A 0
user A connect iss=1
user B listen iss=6
deliver A->B 0
deliver A->B 0
end
)";

std::vector<pcap::Packet> sample() {
    std::vector<pcap::Packet> v;
    pcap::Packet p;
    p.time_us = 1500000;
    p.src_addr = 0xc0000201;
    p.dst_addr = 0xc0000202;
    p.tcp.src_port = 40001;
    p.tcp.dst_port = 8080;
    p.tcp.seg.flags = Flags(Flag::syn);
    p.tcp.seg.seq = Seq32(1000);
    p.tcp.seg.wnd = 64240;
    p.tcp.seg.opt = Options{1460, 7, true, true, 123, 0};
    v.push_back(p);
    p.time_us = 1600000;
    std::swap(p.src_addr, p.dst_addr);
    std::swap(p.tcp.src_port, p.tcp.dst_port);
    p.tcp.seg.flags = Flag::syn | Flag::ack;
    p.tcp.seg.ack = Seq32(1001);
    v.push_back(p);
    p.tcp.seg.flags = Flag::psh | Flag::ack;
    p.tcp.seg.opt = Options{};
    p.tcp.seg.len = 100;
    v.push_back(p);
    return v;
}

std::string run_tool(const std::string& cmd) {
    std::string out;
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) return out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    int rc = ::pclose(f);
    out += "\n[exit " + std::to_string(rc) + "]";
    return out;
}

bool have(const char* tool) { return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0; }

fs::path write_trace_pcap(const std::string& name) {
    auto parsed = parse_trace(trace_text);
    auto ex = pktexport::export_trace(std::get<Trace>(parsed), 0);
    auto w = pcap::write(ex.packets);
    fs::path file = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()) + ".pcap");
    std::ofstream o(file, std::ios::binary);
    o.write(reinterpret_cast<const char*>(w.bytes.data()), static_cast<std::streamsize>(w.bytes.size()));
    return file;
}

} // namespace

TEST_CASE("pcap: write then read gives the same packets, headers and checksums checked", "[pcap]") {
    auto pk = sample();
    auto w = pcap::write(pk);
    REQUIRE(w.error.empty());
    auto r = pcap::read(w.bytes);
    INFO(r.error);
    REQUIRE(r.error.empty());
    CHECK(r.packets == pk);
    // global header: magic, version 2.4, LINKTYPE_RAW
    CHECK(w.bytes[0] == 0xd4);
    CHECK(w.bytes[3] == 0xa1);
    CHECK(w.bytes[20] == 101);
    // the IPv4 header of the first record has a valid checksum and protocol 6
    std::span<const std::uint8_t> ip(w.bytes.data() + 24 + 16, 20);
    CHECK(wire::checksum(ip) == 0);
    CHECK(ip[9] == 6);
}

TEST_CASE("pcap: a truncated or corrupted file is rejected", "[pcap]") {
    auto w = pcap::write(sample());
    for (std::size_t n = 0; n < w.bytes.size(); ++n) {
        auto r = pcap::read(std::span<const std::uint8_t>(w.bytes.data(), n));
        if (n == 24 || n == w.bytes.size()) continue;
        bool at_record_end = false;
        // a cut exactly between records is a shorter, valid file
        std::size_t at = 24;
        for (std::size_t i = 0; i < 3; ++i) {
            std::size_t len = w.bytes[at + 8] | static_cast<std::size_t>(w.bytes[at + 9]) << 8;
            at += 16 + len;
            if (n == at) at_record_end = true;
        }
        if (at_record_end) continue;
        INFO(n);
        CHECK(!r.error.empty());
    }
    for (std::size_t i = 24 + 16; i < w.bytes.size(); i += 7) {
        auto bad = w.bytes;
        bad[i] ^= 0x5a;
        auto r = pcap::read(bad);
        INFO(i);
        CHECK((!r.error.empty() || r.packets != sample()));
    }
}

TEST_CASE("pcap: trace -> pcap -> read back -> the trace's segments", "[pcap][export]") {
    auto parsed = parse_trace(trace_text);
    REQUIRE(std::holds_alternative<Trace>(parsed));
    const Trace& t = std::get<Trace>(parsed);
    auto ex = pktexport::export_trace(t, 0);
    REQUIRE(ex.error.empty());
    // The segments the system sent, in order, replayed independently.
    auto sc = suite::find_scenario("reconnect");
    auto pc = suite::find_profile("no_time_wait");
    System<suite::seq_bits> sys(suite::make_config(*sc, *pc));
    auto s = sys.initial();
    std::vector<Segment<Seq<suite::seq_bits>>> sent;
    for (Action a : t.stem) {
        Outcome<suite::seq_bits> o;
        s = sys.apply(s, a, &o);
        for (std::size_t i = 0; i < o.sent_count; ++i) sent.push_back(o.sent[i]);
    }
    auto w = pcap::write(ex.packets);
    REQUIRE(w.error.empty());
    auto r = pcap::read(w.bytes);
    REQUIRE(r.error.empty());
    REQUIRE(r.packets.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const auto& h = r.packets[i].tcp.seg;
        CHECK(h.flags == sent[i].flags);
        CHECK(h.seq.value() == sent[i].seq.value());
        CHECK(h.ack.value() == sent[i].ack.value());
        CHECK(h.len == sent[i].len);
        CHECK(h.wnd == sent[i].wnd);
        if (i > 0) CHECK(r.packets[i].time_us > r.packets[i - 1].time_us - 1);
    }
    CHECK(r.packets.front().tcp.seg.flags == Flags(Flag::syn));
}

TEST_CASE("pcap: tcpdump -r reads an exported trace without complaint", "[pcap][tools]") {
    if (!have("tcpdump")) {
        WARN("SKIPPED: tcpdump is not installed (apt-get install -y tcpdump)");
        return;
    }
    auto file = write_trace_pcap("synfin_tcpdump");
    std::string out = run_tool("tcpdump -nn -r " + file.string() + " 2>&1");
    INFO(out);
    CHECK(out.find("[exit 0]") != std::string::npos);
    CHECK(out.find("truncated") == std::string::npos);
    CHECK(out.find("bad") == std::string::npos);
    CHECK(out.find("Flags [S], seq 0") != std::string::npos);
    CHECK(out.find("Flags [S.], seq 4, ack 1") != std::string::npos);
    CHECK(out.find("192.0.2.1.40001 > 192.0.2.2.8080") != std::string::npos);
    std::string v = run_tool("tcpdump -nn -v -r " + file.string() + " 2>&1");
    INFO(v);
    CHECK(v.find("incorrect") == std::string::npos); // checksums verified by -v
    fs::remove(file);
}

TEST_CASE("pcap: tshark -r reads an exported trace without complaint", "[pcap][tools]") {
    if (!have("tshark")) {
        WARN("SKIPPED: tshark is not installed (apt-get install -y tshark)");
        return;
    }
    auto file = write_trace_pcap("synfin_tshark");
    std::string out = run_tool("tshark -o tcp.check_checksum:TRUE -r " + file.string() + " 2>&1");
    INFO(out);
    CHECK(out.find("[exit 0]") != std::string::npos);
    CHECK(out.find("Malformed") == std::string::npos);
    CHECK(out.find("incorrect") == std::string::npos);
    CHECK(out.find("[SYN]") != std::string::npos);
    CHECK(out.find("[SYN, ACK]") != std::string::npos);
    fs::remove(file);
}
