// The pieces of `synfin pkt run --live` that need no network (checks/pkt_live.hpp,
// docs/packetdrill.md "Against the live kernel"): packetdrill's relative sequence numbers,
// frames built from `<` lines, option bytes of captured frames against `>` lines, the time
// shift after a packet, and the script's descriptors.
#include "../checks/pkt_live.hpp"

#include <array>
#include <cerrno>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

using namespace synfin;
using namespace synfin::pktlive;

namespace {

pkt::Script parse_ok(const std::string& text) {
    auto r = pkt::parse(text);
    REQUIRE(std::holds_alternative<pkt::Script>(r));
    return std::get<pkt::Script>(r);
}

pkt::ScriptPacket packet(const std::string& line) { return parse_ok("0 " + line + "\n").events.at(0).packet; }

Segment<Seq32> syn_from_kernel(std::uint32_t isn) {
    Segment<Seq32> s;
    s.flags = Flag::syn | Flag::ack;
    s.seq = Seq32(isn);
    return s;
}

// A frame as the driver would build it, from the kernel (192.0.2.1:8080) to the driver.
std::vector<std::uint8_t> frame_of(const Segment<Seq32>& seg) {
    driver::Envelope env;
    env.src = driver::Endpoint{0xc0000201, 8080};
    env.dst = driver::Endpoint{0xc0000202, 40000};
    std::vector<std::uint8_t> out(driver::max_frame_length);
    auto n = driver::build_tcp(env, seg, {}, out);
    REQUIRE(n);
    out.resize(*n);
    return out;
}

} // namespace

TEST_CASE("pkt live: the kernel's ISN is learnt from each SYN it sends, nothing else", "[pkt][live]") {
    SeqMap m;
    CHECK_FALSE(m.kernel_isn);
    Segment<Seq32> ack;
    ack.flags = Flags(Flag::ack);
    ack.seq = Seq32(77);
    m.learn(ack);
    CHECK_FALSE(m.kernel_isn);
    m.learn(syn_from_kernel(0xfffffff0u));
    CHECK(m.kernel_isn == 0xfffffff0u);
    m.learn(syn_from_kernel(1234));  // a new SYN+ACK, as after an RST in SYN-RECEIVED
    CHECK(m.kernel_isn == 1234u);
}

TEST_CASE("pkt live: a < line becomes a segment with packetdrill's relative numbers", "[pkt][live]") {
    SeqMap m;
    m.remote_offset = 0x10000000;
    SECTION("an ack before the kernel sent a SYN cannot be made absolute") {
        auto in = inbound(packet("< . 1:1(0) ack 1 win 100"), m, 1, 0);
        CHECK(in.error.find("no SYN yet") != std::string::npos);
    }
    SECTION("START is the remote's number plus the offset; ack is relative to the kernel's ISN, across the wrap") {
        m.learn(syn_from_kernel(0xffffffffu));
        auto in = inbound(packet("< P. 1:101(100) ack 1 win 257"), m, 1, 0);
        REQUIRE(in.error.empty());
        CHECK(in.seg.seq == Seq32(0x10000001));
        CHECK(in.seg.ack == Seq32(0));
        CHECK(in.seg.len == 100);
        CHECK(in.seg.wnd == 257);
        CHECK(in.seg.flags.psh());
        CHECK_FALSE(in.seg.opt.timestamps);
    }
    SECTION("a SYN needs no ISN; its options are carried") {
        auto in = inbound(packet("< S 0:0(0) win 65535 <mss 1000,sackOK,nop,nop,nop,wscale 7>"), m, 1, 0);
        REQUIRE(in.error.empty());
        CHECK(in.seg.seq == Seq32(0x10000000));
        CHECK(in.seg.opt.mss == 1000);
        CHECK(in.seg.opt.wscale == 7);
        CHECK(in.seg.opt.sack_permitted);
    }
    SECTION("TS values are the driver's own and echo the kernel's, whatever the script says") {
        auto in = inbound(packet("< S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 5,nop,wscale 7>"), m, 4242, 999);
        REQUIRE(in.error.empty());
        CHECK(in.seg.opt.timestamps);
        CHECK(in.seg.opt.ts_val == 4242);
        CHECK(in.seg.opt.ts_ecr == 999);
    }
}

TEST_CASE("pkt live: a captured frame's option bytes are matched as packetdrill matches them", "[pkt][live]") {
    Segment<Seq32> s = syn_from_kernel(5000);
    s.opt.mss = 1460;
    s.opt.sack_permitted = true;
    s.opt.timestamps = true;
    s.opt.ts_val = 123456;
    s.opt.ts_ecr = 100;
    s.opt.wscale = 7;
    const auto frame = frame_of(s);
    const auto opts = tcp_option_bytes(frame);
    CHECK(opts.size() == 20);
    CHECK(pkt::options_match(opts, packet("> S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>")));
    CHECK_FALSE(pkt::options_match(opts, packet("> S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 7>")));
    CHECK_FALSE(pkt::options_match(opts, packet("> S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>")));
    CHECK(pkt::options_text(opts) == " <mss 1460,sackOK,TS val 123456 ecr 100,nop,wscale 7>");
    SECTION("no options, and frames too short to hold any") {
        Segment<Seq32> a;
        a.flags = Flags(Flag::ack);
        CHECK(tcp_option_bytes(frame_of(a)).empty());
        std::vector<std::uint8_t> runt(20, 0);
        CHECK(tcp_option_bytes(runt).empty());
    }
}

TEST_CASE("pkt live: a > line's numbers are relative to the kernel's ISN and the remote offset", "[pkt][live]") {
    const std::uint32_t isn = 0xfffffff0u, off = 0x10000000;
    Segment<Seq32> s;
    s.flags = Flag::ack | Flag::fin;
    s.seq = Seq32(isn) + 501;
    s.ack = Seq32(off + 102);
    s.wnd = 502;
    const auto frame = frame_of(s);
    const auto opts = tcp_option_bytes(frame);
    CHECK(pkt::segment_diffs(s, Seq32(isn), opts, packet("> F. 501:501(0) ack 102"), off).empty());
    CHECK(pkt::segment_diffs(s, Seq32(isn), opts, packet("> F. 501:501(0) ack 102 win 502"), off).empty());
    CHECK(pkt::segment_diffs(s, Seq32(isn), opts, packet("> F. 501:501(0) ack 102 win 511"), off) ==
          std::vector<std::string>{"window differs"});
    CHECK(pkt::segment_diffs(s, Seq32(isn), opts, packet("> F. 501:501(0) ack 101"), off) ==
          std::vector<std::string>{"ack number differs"});
    CHECK(pkt::segment_diffs(s, Seq32(isn), opts, packet("> . 500:500(0) ack 102 <...>"), off) ==
          std::vector<std::string>{"flags differ", "sequence number differs"});
    CHECK(pkt::describe(s, Seq32(isn), opts, off) == "F. 501:501(0) ack 102 win 502");
}

TEST_CASE("pkt live: relative times after a > line move with the packet's real time", "[pkt][live]") {
    auto sc = parse_ok("0.100 > . 1:1(0) ack 1\n+0 read(4, ..., 10) = 10\n+.1 < . 1:1(0) ack 1 win 9\n1.000 close(4) = 0\n");
    TimeShift t;
    t.at_event(sc.events[0]);
    CHECK(t.start(sc.events[0]) == 100000);
    t.packet_seen(sc.events[0], 112000);  // the kernel sent it 12 ms late
    t.at_event(sc.events[1]);
    CHECK(t.start(sc.events[1]) == 112000);
    t.at_event(sc.events[2]);
    CHECK(t.start(sc.events[2]) == 212000);
    t.at_event(sc.events[3]);  // an absolute time is absolute
    CHECK(t.start(sc.events[3]) == 1000000);
}

TEST_CASE("pkt live: script descriptors are numbered from 3 and map to the real ones", "[pkt][live]") {
    FdTable fds;
    CHECK(fds.add(17) == 3);
    CHECK(fds.add(21) == 4);
    REQUIRE(fds.find("4"));
    CHECK(fds.find("4")->real == 21);
    CHECK_FALSE(fds.find("5"));
    CHECK_FALSE(fds.find("4x"));
    CHECK_FALSE(fds.find(""));
    CHECK(fds.remove("3") == 17);
    CHECK(fds.remove("3") == -1);
    CHECK(fds.add(30) == 3);  // the lowest free number, as the kernel hands them out
    CHECK(fds.reals() == std::vector<int>{30, 21});
}

TEST_CASE("pkt live: errno names both ways", "[pkt][live]") {
    CHECK(errno_name(ECONNREFUSED) == "ECONNREFUSED");
    CHECK(errno_name(EAGAIN) == "EAGAIN");
    CHECK(errno_value("ETIMEDOUT") == ETIMEDOUT);
    CHECK_FALSE(errno_value("ENOTANERRNO"));
    CHECK_FALSE(errno_value("[ECONNREFUSED]"));
}

TEST_CASE("pkt live: malformed option bytes are described, never read past", "[pkt][live]") {
    const std::array<std::uint8_t, 3> cut{2, 4, 5};
    CHECK(pkt::options_text(cut) == " <(malformed option 2)>");
    const std::array<std::uint8_t, 2> zero_len{8, 0};
    CHECK(pkt::options_text(zero_len) == " <(malformed option 8)>");
    CHECK_FALSE(pkt::options_match(zero_len, packet("> S 0:0(0) <mss 1460>")));
    const std::array<std::uint8_t, 4> nop_eol{1, 0, 7, 7};
    CHECK(pkt::options_text(nop_eol) == " <nop,eol>");
}
