// Unit tests of the live-replay pieces that need no network: the driver's framing
// (include/synfin/driver/frame.hpp), the scenario parser and the Linux profile from sysctls
// (checks/replay.cpp). Built as synfin_live_unit by tests/live/live_tests.cmake.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <synfin/driver/frame.hpp>

#include "../../checks/replay.hpp"
#include "../../checks/runner.hpp"

using namespace synfin;
using namespace synfin::driver;

// ---- addresses, at compile time ----
static_assert(parse_addr("192.0.2.1") == 0xc0000201u);
static_assert(parse_addr("0.0.0.0") == 0u);
static_assert(!parse_addr("192.0.2"));
static_assert(!parse_addr("192.0.2.256"));
static_assert(!parse_addr("192.0.2.1.5"));
static_assert(!parse_addr("1.2.3.04a"));
static_assert(parse_endpoint("198.51.100.7:8080") == Endpoint{0xc6336407u, 8080});
static_assert(!parse_endpoint("198.51.100.7:0"));
static_assert(!parse_endpoint("198.51.100.7:65536"));
static_assert(!parse_endpoint("198.51.100.7"));
static_assert(parse_mac("02:00:5e:10:00:ff") == Mac{{0x02, 0x00, 0x5e, 0x10, 0x00, 0xff}});
static_assert(!parse_mac("02:00:5e:10:00"));
static_assert(!parse_mac("02-00-5e-10-00-ff"));

namespace {

Envelope envelope() {
    Envelope e;
    e.src_mac = Mac{{0x02, 0, 0, 0, 0, 0x02}};
    e.dst_mac = Mac{{0x02, 0, 0, 0, 0, 0x01}};
    e.src = Endpoint{0xc0000202u, 40000};
    e.dst = Endpoint{0xc0000201u, 8080};
    e.ip_id = 7;
    return e;
}

Segment<Seq32> syn_segment() {
    Segment<Seq32> s;
    s.flags = Flag::syn;
    s.seq = Seq32(0xfffffff0u);
    s.wnd = 64240;
    s.opt.mss = 1460;
    s.opt.wscale = 7;
    s.opt.sack_permitted = true;
    s.opt.timestamps = true;
    s.opt.ts_val = 123456;
    return s;
}

} // namespace

TEST_CASE("build_tcp then parse_frame gives the segment and the envelope back", "[live][frame]") {
    std::array<std::uint8_t, max_frame_length> buf{};
    const auto seg = syn_segment();
    auto n = build_tcp(envelope(), seg, {}, buf);
    REQUIRE(n);
    REQUIRE(*n == eth_header_length + ipv4_header_length + wire::header_length(seg.opt));
    auto p = parse_frame(std::span<const std::uint8_t>(buf.data(), *n));
    REQUIRE(p.kind == FrameKind::tcp);
    CHECK(p.tcp.src == envelope().src);
    CHECK(p.tcp.dst == envelope().dst);
    CHECK(p.tcp.src_mac == envelope().src_mac);
    CHECK(p.tcp.dst_mac == envelope().dst_mac);
    CHECK(p.tcp.header.seg == seg);
    // The IPv4 header checksums to zero, and carries DF, TTL 64, protocol 6, the id.
    CHECK(wire::checksum(std::span<const std::uint8_t>(buf.data() + eth_header_length, ipv4_header_length)) == 0);
    CHECK(buf[eth_header_length + 6] == 0x40);
    CHECK(buf[eth_header_length + 8] == 64);
    CHECK(buf[eth_header_length + 9] == 6);
    CHECK(buf[eth_header_length + 5] == 7);
}

TEST_CASE("a payload travels and is checksummed; Ethernet padding is ignored", "[live][frame]") {
    std::array<std::uint8_t, max_frame_length + 64> buf{};
    Segment<Seq32> s;
    s.flags = Flag::psh | Flag::ack;
    s.seq = Seq32(1000);
    s.ack = Seq32(2000);
    s.wnd = 512;
    s.len = 5;
    const std::array<std::uint8_t, 5> payload{'h', 'e', 'l', 'l', 'o'};
    auto n = build_tcp(envelope(), s, payload, buf);
    REQUIRE(n);
    // Trailing bytes, as Ethernet pads short frames: parse goes by the IP total length.
    auto p = parse_frame(std::span<const std::uint8_t>(buf.data(), *n + 10));
    REQUIRE(p.kind == FrameKind::tcp);
    CHECK(p.tcp.header.seg == s);
    CHECK(buf[*n - 5] == 'h');
    CHECK(buf[*n - 1] == 'o');
    // One bit flipped in the payload: the TCP checksum catches it.
    buf[*n - 1] ^= 1;
    auto bad = parse_frame(std::span<const std::uint8_t>(buf.data(), *n));
    CHECK(bad.kind == FrameKind::bad);
}

TEST_CASE("a TCP checksum left to offload is completed by fill_tcp_checksum", "[live][frame]") {
    std::array<std::uint8_t, max_frame_length> buf{};
    auto n = build_tcp(envelope(), syn_segment(), {}, buf);
    REQUIRE(n);
    const std::size_t csum = eth_header_length + ipv4_header_length + 16;
    buf[csum] = 0x12; // what a sender leaving it to hardware would have: not the final sum
    buf[csum + 1] = 0x34;
    std::span<std::uint8_t> frame(buf.data(), *n);
    CHECK(parse_frame(frame).kind == FrameKind::bad);
    REQUIRE(fill_tcp_checksum(frame));
    CHECK(parse_frame(frame).kind == FrameKind::tcp);
}

TEST_CASE("a bad IPv4 header checksum and a fragment are not taken as TCP", "[live][frame]") {
    std::array<std::uint8_t, max_frame_length> buf{};
    auto n = build_tcp(envelope(), syn_segment(), {}, buf);
    REQUIRE(n);
    auto copy = buf;
    copy[eth_header_length + 8] = 63; // TTL changed, checksum not
    CHECK(parse_frame(std::span<const std::uint8_t>(copy.data(), *n)).kind == FrameKind::bad);
    copy = buf;
    copy[eth_header_length + 6] = 0x20; // more fragments
    copy[eth_header_length + 10] = copy[eth_header_length + 11] = 0;
    const auto sum = wire::checksum(std::span<const std::uint8_t>(copy.data() + eth_header_length, ipv4_header_length));
    copy[eth_header_length + 10] = static_cast<std::uint8_t>(sum >> 8);
    copy[eth_header_length + 11] = static_cast<std::uint8_t>(sum);
    CHECK(parse_frame(std::span<const std::uint8_t>(copy.data(), *n)).kind == FrameKind::other);
}

TEST_CASE("ARP requests and replies round-trip", "[live][frame]") {
    std::array<std::uint8_t, arp_frame_length> buf{};
    const Mac me{{0x02, 0, 0, 0, 0, 0x02}};
    REQUIRE(build_arp(1, broadcast_mac, me, 0xc0000202u, Mac{}, 0xc0000201u, buf));
    auto p = parse_frame(buf);
    REQUIRE(p.kind == FrameKind::arp);
    CHECK(p.arp.op == 1);
    CHECK(p.arp.sender_mac == me);
    CHECK(p.arp.sender_ip == 0xc0000202u);
    CHECK(p.arp.target_ip == 0xc0000201u);
    CHECK(p.arp.target_mac.is_zero());
    CHECK(!build_arp(2, me, me, 1, me, 2, std::span<std::uint8_t>(buf.data(), arp_frame_length - 1)));
}

// ---- the scenario parser ----

namespace {
std::string error_of(const std::string& text) {
    auto r = replay::parse_script(text);
    if (auto* e = std::get_if<replay::ScriptError>(&r))
        return std::to_string(e->line) + ":" + std::to_string(e->column) + ": " + e->message;
    return "parsed";
}
} // namespace

TEST_CASE("a live scenario parses into its actions", "[live][script]") {
    auto r = replay::parse_script(R"(synfin-live 1
# a comment
name demo
roles client
sysctl net.ipv4.tcp_synack_retries=2
profile client syn_retries=0
at 0 server listen keepalive
at 100 client connect iss=4294967000
at 200 client send 10      # trailing comment
at 200 kernel expect SYN-RECEIVED
at 300 lose server->client all
at 400 inject RST,ACK seq=snd.nxt+100 ack=rcv.nxt-1 wnd=0
at 500 resend fin
end 600
)");
    REQUIRE(std::holds_alternative<replay::Script>(r));
    const auto& sc = std::get<replay::Script>(r);
    CHECK(sc.name == "demo");
    REQUIRE(sc.roles.size() == 1);
    CHECK(sc.roles[0] == replay::HostRef::client);
    REQUIRE(sc.sysctls.size() == 1);
    CHECK(sc.sysctls[0].first == "net.ipv4.tcp_synack_retries");
    CHECK(sc.sysctls[0].second == "2");
    REQUIRE(sc.knobs.size() == 1);
    CHECK(sc.end == 600);
    REQUIRE(sc.actions.size() == 7);
    CHECK(sc.actions[0].op == replay::Op::listen);
    CHECK(sc.actions[0].keepalive);
    CHECK(sc.actions[1].iss == 4294967000u);
    CHECK(sc.actions[2].bytes == 10);
    CHECK(sc.actions[2].line == 9);
    CHECK(sc.actions[3].host == replay::HostRef::kernel);
    CHECK(sc.actions[3].state == State::syn_received);
    CHECK(sc.actions[4].op == replay::Op::lose);
    CHECK(sc.actions[4].count == -1);
    CHECK(sc.actions[5].flags == (Flag::rst | Flag::ack));
    CHECK(sc.actions[5].seq.base == replay::SeqExpr::Base::snd_nxt);
    CHECK(sc.actions[5].seq.offset == 100);
    CHECK(sc.actions[5].ack.base == replay::SeqExpr::Base::rcv_nxt);
    CHECK(sc.actions[5].ack.offset == -1);
    CHECK(sc.actions[5].wnd == 0);
    CHECK(sc.actions[6].fin_only);
}

TEST_CASE("scenario errors name the line and column", "[live][script]") {
    CHECK(error_of("") == "1:1: empty scenario: the first line must be 'synfin-live 1'");
    CHECK(error_of("synfin-live 2\nend 1\n").rfind("1:1:", 0) == 0);
    CHECK(error_of("synfin-live 1\nat 0 client listen\n") ==
          "3:1: missing 'end MS' line (the scenario is truncated?)"); // at the end of the file
    CHECK(error_of("synfin-live 1\nat 10 client conect\nend 20\n") == "2:14: unknown action 'conect'");
    CHECK(error_of("synfin-live 1\nat 10 client listen\nat 5 server listen\nend 20\n") ==
          "3:4: times must not decrease");
    CHECK(error_of("synfin-live 1\nsysctl net.core.rmem_max=1\nend 1\n") ==
          "2:8: only net.ipv4.tcp_* sysctls may be set by a scenario");
    CHECK(error_of("synfin-live 1\nat 1 inject ACK foo=1\nend 2\n") == "2:17: unknown inject field 'foo'");
    CHECK(error_of("synfin-live 1\nat 1 client send 0\nend 2\n") == "2:18: a byte count is 1..1000000");
    CHECK(error_of("synfin-live 1\nprofile client bogus=1\nend 2\n") == "2:16: unknown knob or bad value 'bogus=1'");
    CHECK(error_of("synfin-live 1\nat 5 client close\nend 2\n") == "2:1: an action comes after the end time");
    CHECK(error_of("synfin-live 1\nend 2\nat 1 client close\n") == "3:1: nothing may follow 'end'");
    // Times are bounded: a simulated run of a mistyped time must not step for days.
    CHECK(error_of("synfin-live 1\nend 99999999999999\n") == "2:5: a scenario lasts at most an hour (3600000 ms)");
    CHECK(error_of("synfin-live 1\nat 3600001 client close\nend 3600002\n") ==
          "2:4: a scenario lasts at most an hour (3600000 ms)");
    CHECK(error_of("synfin-live 1\nat 10 client listen\nend 3600000\n") == "parsed");
}

// ---- the Linux profile from sysctls ----

TEST_CASE("linux_profile takes the namespace's sysctls", "[live][profile]") {
    replay::Sysctls s{
        {"net.ipv4.tcp_synack_retries", "2"},  {"net.ipv4.tcp_syn_retries", "3"},
        {"net.ipv4.tcp_retries2", "8"},        {"net.ipv4.tcp_fin_timeout", "10"},
        {"net.ipv4.tcp_keepalive_time", "1"},  {"net.ipv4.tcp_keepalive_intvl", "2"},
        {"net.ipv4.tcp_keepalive_probes", "4"}, {"net.ipv4.tcp_rfc1337", "1"},
        {"net.ipv4.tcp_rmem", "4096 131072 33554432"}, {"net.core.rmem_max", "212992"},
        {"net.ipv4.tcp_syn_linear_timeouts", "4"},
    };
    std::vector<std::string> unmodelled;
    const Profile p = replay::linux_profile(s, &unmodelled);
    CHECK(p.synack_retries == 2);
    CHECK(p.syn_retries == 3);
    CHECK(p.data_retries == 8);
    CHECK(p.fin_wait_2_timeout == 10000);
    CHECK(p.keepalive_time == 1000);
    CHECK(p.keepalive_intvl == 2000);
    CHECK(p.keepalive_probes == 4);
    CHECK(p.rfc1337);
    CHECK(p.wscale == 10); // ilog2(32 MiB) - 15
    CHECK(p.syn_linear_timeouts == 4);
    CHECK(unmodelled.empty());
    CHECK(replay::linux_profile({{"net.ipv4.tcp_syn_linear_timeouts", "0"}}).syn_linear_timeouts == 0);
    CHECK(replay::linux_profile({{"net.ipv4.tcp_invalid_ratelimit", "0"}}).invalid_ack_ratelimit == 0);
    CHECK(replay::linux_profile({{"net.ipv4.tcp_invalid_ratelimit", "1000"}}).invalid_ack_ratelimit == 1000);
    // Nothing given: the default profile, unchanged.
    CHECK(replay::linux_profile({}) == profiles::linux_default());
    // Window scaling off.
    CHECK(replay::linux_profile({{"net.ipv4.tcp_window_scaling", "0"}}).wscale == no_wscale);
}

// ---- checker traces as held-network scenarios ----

namespace {

// The counterexample `synfin check` finds for one cell, as trace text.
std::string counterexample(std::string_view property, std::string_view config) {
    for (const auto& c : suite::cells()) {
        if (c.property != property || suite::config_name(c) != config) continue;
        auto r = suite::run_group({&c}, suite::RunOptions{});
        REQUIRE(r.size() == 1);
        REQUIRE(r[0].counterexample);
        return suite::trace_text(*r[0].counterexample);
    }
    FAIL("no cell " << property << " on " << config);
    return {};
}

} // namespace

TEST_CASE("a checker trace becomes a held-network scenario with the trace's steps", "[live][trace]") {
    const std::string text = counterexample("no_stale_acceptance", "reconnect/linux");
    for (auto role : {replay::Role::client, replay::Role::server}) {
        CAPTURE(role == replay::Role::client ? "client" : "server");
        auto conv = replay::script_from_trace(text, role, 1000);
        REQUIRE(std::holds_alternative<replay::Script>(conv));
        const auto& sc = std::get<replay::Script>(conv);
        CHECK(sc.held);
        CHECK(sc.seq_bits == 3);
        REQUIRE(sc.driver_profile);
        CHECK(sc.driver_profile->rto_initial == 1000); // one tick of the trace, in ms
        CHECK(sc.driver_profile->mss == 2);            // the trace's own host
        // Linux nearest the trace's host: no options, fast answers, RTO near a tick.
        auto has = [&](const std::string& k, const std::string& v) {
            return std::find(sc.sysctls.begin(), sc.sysctls.end(), std::make_pair(k, v)) != sc.sysctls.end();
        };
        CHECK(has("net.ipv4.tcp_timestamps", "0"));
        CHECK(has("net.ipv4.tcp_rfc1337", "0"));
        CHECK(has("net.ipv4.tcp_rto_min_us", "950000"));
        std::size_t delivers = 0, expects = 0, connects = 0;
        std::int64_t last = 0;
        std::vector<std::uint32_t> driver_iss;
        for (const auto& a : sc.actions) {
            CHECK(a.at >= last); // times never decrease
            last = a.at;
            delivers += a.op == replay::Op::deliver;
            expects += a.op == replay::Op::expect;
            const bool driver_host = (a.host == replay::HostRef::client) == (role == replay::Role::client);
            if ((a.op == replay::Op::connect || a.op == replay::Op::listen) && driver_host) driver_iss.push_back(*a.iss);
            connects += a.op == replay::Op::connect;
        }
        CHECK(delivers >= 10);
        CHECK(connects == 2);
        CHECK(expects > 2 * delivers); // both hosts' states after every step
        // The driver's ISSs are the trace's modulo 8, and the second lies next to the first
        // incarnation's numbers, so the old segments fall where they fell in the trace.
        REQUIRE(driver_iss.size() == 2);
        CHECK(driver_iss[0] % 8 == (role == replay::Role::client ? 0u : 4u));
        const auto gap = static_cast<std::int32_t>(driver_iss[1] - driver_iss[0]);
        CHECK(gap > -8);
        CHECK(gap < 8);
        CHECK(sc.end > last);
    }
}

TEST_CASE("a listener's fresh ISS for a later attempt reaches the driver's host on the delivery", "[live][trace]") {
    // reconnect/rfc9293's counterexample: the server's first attempt fails and its listener
    // takes the trace's fresh ISS (deliver ... iss=N) for the next SYN.
    const std::string text = counterexample("no_stale_acceptance", "reconnect/rfc9293");
    std::vector<std::uint32_t> trace_iss;
    for (std::size_t at = text.find("deliver A->B"); at != std::string::npos; at = text.find("deliver A->B", at + 1)) {
        const auto eol = text.find('\n', at);
        const auto iss = text.find(" iss=", at);
        if (iss < eol) trace_iss.push_back(static_cast<std::uint32_t>(std::stoul(text.substr(iss + 5))));
    }
    REQUIRE_FALSE(trace_iss.empty());
    auto conv = replay::script_from_trace(text, replay::Role::server, 1000);
    REQUIRE(std::holds_alternative<replay::Script>(conv));
    std::vector<std::uint32_t> driver_iss, opens;
    for (const auto& a : std::get<replay::Script>(conv).actions) {
        if (a.op == replay::Op::listen && a.host == replay::HostRef::server) opens.push_back(*a.iss);
        if (a.op != replay::Op::deliver || !a.iss) continue;
        CHECK(a.to == replay::HostRef::server); // only the driver's host takes one
        driver_iss.push_back(*a.iss);
    }
    REQUIRE(driver_iss.size() == trace_iss.size());
    REQUIRE(opens.size() == 1);
    for (std::size_t i = 0; i < driver_iss.size(); ++i) {
        CHECK(driver_iss[i] % 8 == trace_iss[i]);
        const auto gap = static_cast<std::int32_t>(driver_iss[i] - opens[0]);
        CHECK(gap > -16); // next to the first attempt's numbers
        CHECK(gap < 16);
    }
    // The scenario line takes it too; only a delivery does.
    auto parsed = replay::parse_script("synfin-live 1\nnetwork held\nat 20 deliver client->server SYN seq=0 iss=7\nend 100\n");
    REQUIRE(std::holds_alternative<replay::Script>(parsed));
    CHECK(std::get<replay::Script>(parsed).actions[0].iss == 7u);
    CHECK(std::holds_alternative<replay::ScriptError>(
        replay::parse_script("synfin-live 1\nnetwork held\nat 20 drop client->server SYN seq=0 iss=7\nend 100\n")));
}

TEST_CASE("a trace that crashes the live side's host is refused in that role only", "[live][trace]") {
    const std::string text = counterexample("no_half_open_leak", "crash/no_keepalive");
    CHECK(std::holds_alternative<replay::Script>(replay::script_from_trace(text, replay::Role::client, 1000)));
    auto refused = replay::script_from_trace(text, replay::Role::server, 1000);
    REQUIRE(std::holds_alternative<std::string>(refused));
    CHECK_THAT(std::get<std::string>(refused), Catch::Contains("cannot be crashed"));
}

TEST_CASE("a text that is not a trace of a known configuration is an error", "[live][trace]") {
    auto bad = replay::script_from_trace("synfin-trace 1\nconfig nowhere/none\nproperty x\nseq-bits 3\nend\n", replay::Role::client, 1000);
    REQUIRE(std::holds_alternative<std::string>(bad));
    CHECK_THAT(std::get<std::string>(bad), Catch::Contains("nowhere"));
    CHECK(std::holds_alternative<std::string>(replay::script_from_trace("not a trace", replay::Role::client, 1000)));
}

TEST_CASE("held-network lines parse: network held, seq-bits, deliver/drop/duplicate, crash", "[live][script]") {
    auto parsed = replay::parse_script("synfin-live 1\nnetwork held\nseq-bits 3\n"
                                       "at 0 server listen\nat 10 client connect\n"
                                       "at 20 deliver client->server SYN seq=0 len=0\n"
                                       "at 30 drop server->client SYN,ACK seq=4 ack=1 len=0\n"
                                       "at 40 duplicate client->server SYN seq=0\n"
                                       "at 50 client crash\nend 100\n");
    REQUIRE(std::holds_alternative<replay::Script>(parsed));
    const auto& sc = std::get<replay::Script>(parsed);
    CHECK(sc.held);
    CHECK(sc.seq_bits == 3);
    REQUIRE(sc.actions.size() == 6);
    CHECK(sc.actions[2].op == replay::Op::deliver);
    CHECK(sc.actions[3].op == replay::Op::drop);
    CHECK(sc.actions[3].image.seq == 4);
    CHECK(sc.actions[3].image.ack == 1);
    CHECK(sc.actions[3].image.flags == (Flag::syn | Flag::ack));
    CHECK(sc.actions[4].op == replay::Op::duplicate);
    CHECK(sc.actions[5].op == replay::Op::crash);
    auto bad = replay::parse_script("synfin-live 1\nat 0 deliver client->server SYN seq=x\nend 10\n");
    REQUIRE(std::holds_alternative<replay::ScriptError>(bad));
    CHECK(std::get<replay::ScriptError>(bad).line == 2);
    CHECK(std::holds_alternative<replay::ScriptError>(replay::parse_script("synfin-live 1\nseq-bits 40\nend 10\n")));
}
