// RFC 6298 §5.7: a connection whose SYN or SYN+ACK timed out retransmits its data after at least
// 3 s, not after the 1 s initial RTO (issue 10, item 14). Linux does not; it follows Karn (§3):
// no RTT sample from a retransmitted SYN's answer unless timestamps give one.
#include <vector>

#include <catch2/catch.hpp>

#include <synfin/knobs.hpp>
#include <synfin/system.hpp>

#include "support/harness.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;
using S = Seq32;

// A connection between two hosts of profile p, where the SYN (client) or the SYN+ACK (server)
// is lost once and retransmitted on timeout, or neither; the client or server then sends 100 bytes.
Endpoint<S> sender_after_handshake(const Profile& p, bool lose_syn, bool lose_synack, bool client_sends) {
    Wire<S> w(p, p);
    w.at_b(Open<S>{true, S(5000), 0});
    w.at_a(Open<S>{false, S(1000), 0});
    if (lose_syn) {
        w.drop_to_b();
        w.fire_a(Timer::retransmission);
    }
    w.deliver_to_b();
    if (lose_synack) {
        w.drop_to_a();
        w.fire_b(Timer::retransmission);
    }
    w.settle();
    REQUIRE(w.a.state() == State::established);
    REQUIRE(w.b.state() == State::established);
    if (client_sends) {
        w.at_a(Send{100});
        return w.a;
    }
    w.at_b(Send{100});
    return w.b;
}

// The peer's bare SYN reaches a in SYN-SENT: a simultaneous open (§3.5 Figure 8).
void cross_with_peer_syn(Wire<S>& w, std::uint32_t wnd) {
    Segment<S> syn;
    syn.flags = Flag::syn;
    syn.seq = S(5000);
    syn.wnd = wnd;
    w.at_a(SegmentArrives<S>{syn});
    REQUIRE(w.a.state() == State::syn_received);
}

} // namespace

TEST_CASE("RFC 6298 §5.7: after a SYN timed out, the RTO for data is re-initialized to 3 s", "[rfc][rfc6298][timeout]") {
    const Profile rfc = profiles::rfc9293();
    SECTION("the client's SYN timed out: its data waits 3 s, then doubles") {
        auto a = sender_after_handshake(rfc, true, false, true);
        CHECK(retransmission_gaps(a, 3, 100) == std::vector<Duration>{3000, 6000, 12000});
    }
    SECTION("the server's SYN+ACK timed out: its data waits 3 s") {
        auto b = sender_after_handshake(rfc, false, true, false);
        CHECK(retransmission_gaps(b, 2, 100) == std::vector<Duration>{3000, 6000});
    }
    SECTION("only the host whose SYN timed out: its peer keeps 1 s") {
        auto b = sender_after_handshake(rfc, true, false, false);
        CHECK(retransmission_gaps(b, 2, 100) == std::vector<Duration>{1000, 2000});
    }
    SECTION("no SYN timed out: the initial 1 s (§2.1)") {
        auto a = sender_after_handshake(rfc, false, false, true);
        CHECK(retransmission_gaps(a, 2, 100) == std::vector<Duration>{1000, 2000});
    }
    SECTION("the handshake's own retransmissions keep the initial RTO, backed off (§5.5)") {
        Wire<S> w(rfc, rfc);
        w.at_a(Open<S>{false, S(1000), 0});
        w.drop_to_b();
        const Time first = w.now;
        w.fire_a(Timer::retransmission);
        CHECK(w.now - first == 1000);
        CHECK(w.a.tcb.at(Timer::retransmission) - w.now == 2000);
    }
    SECTION("a fresh attempt does not inherit it: a listener back in LISTEN starts over") {
        Profile p = rfc;
        p.synack_retries = 1;
        Wire<S> w(p, p);
        w.at_b(Open<S>{true, S(5000), 0});
        w.at_a(Open<S>{false, S(1000), 0});
        w.deliver_to_b();
        w.drop_to_a();
        w.fire_b(Timer::retransmission);
        CHECK(w.b.tcb.syn_timed_out);
        w.drop_to_a();
        w.fire_b(Timer::retransmission); // gives up: back to LISTEN
        REQUIRE(w.b.state() == State::listen);
        CHECK_FALSE(w.b.tcb.syn_timed_out);
    }
}

TEST_CASE("RFC 6298 §3 (Karn) on linux: after a SYN timeout the RTO is tcp_rto_min with timestamps, the initial 1 s "
          "without; never 3 s",
          "[rfc6298][timeout][linux]") {
    constexpr Profile lnx = profiles::linux_default();
    STATIC_REQUIRE(lnx.rto_after_syn_timeout == 0);
    SECTION("timestamps: their echo is an RTT sample (tests/pkt/syn_timeout_rto.pkt)") {
        auto a = sender_after_handshake(lnx, true, false, true);
        REQUIRE(a.tcb.ts_ok);
        CHECK(a.tcb.syn_timed_out);
        CHECK(retransmission_gaps(a, 2, 100) == std::vector<Duration>{200, 400});
    }
    SECTION("no timestamps: no sample, the initial RTO (tests/pkt/syn_timeout_rto_no_ts.pkt)") {
        Profile p = lnx;
        p.timestamps = false;
        auto a = sender_after_handshake(p, true, false, true);
        REQUIRE_FALSE(a.tcb.ts_ok);
        CHECK(retransmission_gaps(a, 2, 100) == std::vector<Duration>{1000, 2000});
        auto b = sender_after_handshake(p, false, false, true); // no timeout: the sample
        CHECK(retransmission_gaps(b, 2, 100) == std::vector<Duration>{200, 400});
    }
}

TEST_CASE("RFC 6298 §3 and §5.7 are kept out of the checker's scale: its TCBs never carry the flag", "[rfc6298][suite]") {
    STATIC_REQUIRE(in_ticks(profiles::rfc9293()).rto_after_syn_timeout == 0);
    STATIC_REQUIRE(in_ticks(profiles::linux_default()).rto_min == in_ticks(profiles::linux_default()).rto_initial);
    STATIC_REQUIRE(fixed_by_checker("rto_after_syn_timeout"));
    Wire<S> w(in_ticks(profiles::linux_default()), in_ticks(profiles::linux_default()));
    w.at_a(Open<S>{false, S(1000), 0});
    w.drop_to_b();
    w.fire_a(Timer::retransmission);
    CHECK_FALSE(w.a.tcb.syn_timed_out);
    // A simultaneous open after it carries no linear timeouts over either: the checker's have none.
    cross_with_peer_syn(w, 2);
    CHECK(w.a.tcb.syn_linear_spent == 0);
}

TEST_CASE("tcp_rcv_synsent_state_process (Linux, simultaneous open): the SYN's timer, count and backoff go on in "
          "SYN-RECEIVED; rfc9293 starts afresh",
          "[timeout][linux][simultaneous_open]") {
    Profile lnx = profiles::linux_default();
    lnx.syn_retries = 4;
    lnx.syn_linear_timeouts = 2;
    auto crossing = [](const Profile& p) {
        Wire<S> w(p, p);
        w.at_a(Open<S>{false, S(1000), 0});
        w.drop_to_b();
        w.fire_a(Timer::retransmission); // the SYN again, 1 s later
        w.drop_to_b();
        w.advance(w.now + 500);
        cross_with_peer_syn(w, 65535);
        return w;
    };
    SECTION("linux: 0.5 s after the SYN,ACK (the SYN's timer), then 2 s, 4 s, and timed out after 8 s") {
        auto w = crossing(lnx);
        std::vector<Duration> gaps;
        Time last = w.now;
        for (int i = 0; i < 3; ++i) {
            const auto& fx = w.fire_a(Timer::retransmission);
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags == (Flag::syn | Flag::ack));
            gaps.push_back(w.now - last);
            last = w.now;
        }
        CHECK(gaps == std::vector<Duration>{500, 2000, 4000});
        w.fire_a(Timer::retransmission);
        CHECK(w.now - last == 8000);
        CHECK(w.a.state() == State::closed);
        CHECK(w.a.tcb.reason == CloseReason::timed_out);
        for (const auto& seg : w.sent_by('a')) CHECK_FALSE(seg.flags.rst()); // no RST
    }
    SECTION("rfc9293: the SYN,ACK's own RTO from the initial 1 s, and syn_retries of its own") {
        Profile rfc = profiles::rfc9293();
        STATIC_REQUIRE_FALSE(profiles::rfc9293().simultaneous_open_keeps_syn_timer);
        auto w = crossing(rfc);
        const Time sent = w.now;
        w.fire_a(Timer::retransmission);
        CHECK(w.now - sent == 1000);
        CHECK(w.a.tcb.retries == 1);
    }
}
